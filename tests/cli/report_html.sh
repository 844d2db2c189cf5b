#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `triage --format html` in a real browser (issue 19): the page of the rig's
# vector-exhaustion dump (2 CPUs, every vector reserved) and of the 80-CPU
# seed002-rhel8 fixture (tests/fixtures) is rendered by Debian's headless
# Chromium to PNG. Checks: the SVG has one bar per online CPU and one red
# mark per CPU with 0 available; the page is one file that loads nothing
# (static: no src=, no stylesheet or script, a CSP that forbids loads; live:
# Chromium's net log shows no request of the page, and a planted request is
# seen, so the check can fail, and the page's CSP blocks it); the screenshot is not blank and shows the
# bars' colours. Also: a 1024-CPU facts document (the fixture's CPUs
# repeated) still gives one bar per CPU in a small page, and dump strings
# are escaped. ~25 s.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3	# Debian's, with python3-pil (tools/deps.sh)
CHECK=$RV_ROOT/tests/cli/report_check.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v chromium >/dev/null; then
	rv_not_ok "chromium is not installed (make deps)"
	rv_summary
	exit 1
fi
if ! $PY -c 'import PIL' 2>/dev/null; then
	rv_not_ok "python3-pil is not installed (make deps)"
	rv_summary
	exit 1
fi

# shoot NAME: NAME.html -> NAME.png and NAME.netlog with a fresh profile;
# the proxy is a closed port, so a request that slipped through would fail
# rather than reach anything (the net log records it all the same).
shoot() {
	rm -rf "$tmp/profile"
	timeout 60 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--disable-background-networking --disable-component-update --no-first-run \
		--user-data-dir="$tmp/profile" --proxy-server=127.0.0.1:9 \
		--log-net-log="$tmp/$1.netlog" --window-size=1100,1400 \
		--screenshot="$tmp/$1.png" "file://$tmp/$1.html" >"$tmp/$1.chromium.log" 2>&1
}

# page_requests NAME: the URLs the page asked for ("unreadable" if the net
# log is not one).
page_requests() {
	$PY "$CHECK" netlog "$tmp/$1.netlog" 2>/dev/null || echo "net log unreadable"
}

# check_page NAME FACTS: NAME.html against the facts it was drawn from.
check_page() {
	local name=$1 facts=$2 page=$tmp/$1.html
	local online full
	online=$(rv_jq "$facts" '[.irq.cpus[] | select(.online)] | length')
	full=$(rv_jq "$facts" '[.irq.cpus[] | select(.online and .available == 0)] | length')
	rv_eq "$name: online CPUs = dump.cpus.online" "$(rv_jq "$facts" .dump.cpus.online)" "$online"
	rv_eq "$name: one bar per online CPU" "$online" "$(grep -o '<g class="cpu' "$page" | wc -l)"
	rv_eq "$name: one red mark per CPU with 0 available" "$full" \
		"$(grep -o '<g class="cpu full">' "$page" | wc -l)"
	rv_match "$name: the summary names the CPUs with 0 available" \
		"<strong>$full CPUs? with 0 available:</strong> " "$(grep -o '<strong>[0-9]* CPUs* with 0 available:</strong> ' "$page")"
	rv_match "$name: the devices chart lists the top device" \
		">$(rv_jq "$facts" '.irq.by_device[0] | "\(.device) \(.disk // "")" | rtrimstr(" ")')</text>" \
		"$(grep -o '>[^<]*</text>' "$page" | grep -v '>[0-9]*</text>' | tr '\n' ' ')"
	# One file that loads nothing.
	rv_eq "$name: no src= / <script / <link / <iframe / <object / <embed / <img / url( / @import" 0 \
		"$(grep -ciE 'src=|<script|<link|<iframe|<object|<embed|<img|url\(|@import' "$page")"
	rv_eq "$name: every href is a reference link (<a href=\"http...)" \
		"$(grep -o 'href=' "$page" | wc -l)" "$(grep -o '<a rel="noreferrer noopener" href="https\{0,1\}://' "$page" | wc -l)"
	rv_match "$name: a Content-Security-Policy forbids loads" \
		"default-src 'none'; style-src 'unsafe-inline'; img-src data:" \
		"$(grep -o '<meta http-equiv="Content-Security-Policy"[^>]*>' "$page")"
	rv_cmp "$name: page size (bytes, < 100 KB)" "$(stat -c %s "$page")" -lt 102400
	# In the browser.
	shoot "$name"
	rv_eq "$name: chromium exit status" 0 "$?"
	rv_empty "$name: requests of the page (net log)" "$(page_requests "$name")"
	local w h nonwhite managed avail red
	read -r w h nonwhite managed avail red < <($PY "$CHECK" png "$tmp/$name.png" 2>&1)
	rv_eq "$name: screenshot size" "1100 1400" "$w $h"
	rv_cmp "$name: non-white pixels (not blank: > 5%)" "$nonwhite" -gt $((1100 * 1400 / 20))
	rv_cmp "$name: managed-reserved bar pixels" "$managed" -gt 1000
	rv_cmp "$name: 0-available mark pixels" "$red" -gt $((full * 10))
}

# ---- the rig's vector-exhaustion dump ----
ve=$(rv_scenario_dir vector-exhaustion)
if [ -f "$ve/vmcore" ]; then
	"$RV_CLI" facts --json "$ve/vmcore" >"$tmp/ve.facts.json" 2>"$tmp/ve.facts.err"
	"$RV_CLI" triage --format html "$ve/vmcore" >"$tmp/ve.html" 2>"$tmp/ve.err"
	rv_eq "vector-exhaustion: triage --format html exit status (a critical finding)" 1 "$?"
	rv_match "vector-exhaustion: the page names the finding" \
		'<h3 class="critical">CRITICAL irq-vector-exhaustion-managed: ' \
		"$(grep -o '<h3 class="critical">[^<]*' "$tmp/ve.html")"
	check_page ve "$tmp/ve.facts.json"
else
	rv_not_ok "vector-exhaustion: no dump at $ve (dumps/rig.py build vector-exhaustion)"
fi

# ---- the 80-CPU seed002-rhel8 fixture ----
fx=$tmp/seed002-rhel8
if "$RV_ROOT/tests/fixtures/mkfixture" seed002-rhel8 "$fx" >"$tmp/mkfixture.log" 2>&1; then
	opts=(--vmlinux "$fx/vmlinux" --debuginfo "$fx/debug" --no-default-debuginfo)
	"$RV_CLI" facts --json "${opts[@]}" "$fx/vmcore" >"$tmp/s2.facts.json" 2>/dev/null
	"$RV_CLI" triage --format html "${opts[@]}" "$fx/vmcore" >"$tmp/s2.html" 2>"$tmp/s2.err"
	rv_eq "seed002-rhel8: triage --format html exit status" 1 "$?"
	rv_match "seed002-rhel8: the INCOMPLETE headline" '<p class="incomplete"><strong>INCOMPLETE:</strong> ' \
		"$(grep -o '<p class="incomplete">.*' "$tmp/s2.html")"
	check_page s2 "$tmp/s2.facts.json"

	# 1024 CPUs: the fixture's 80 repeated, every 7th with room left.
	jq '.irq.cpus as $c | .irq.cpus = [range(0; 1024) as $i | $c[$i % 80] | .cpu = $i
		| if $i % 7 == 0 then .available = 20 | .managed -= 20 else . end]
		| .irq.matrix.online_maps = 1024 | .dump.cpus.online = 1024' \
		"$tmp/s2.facts.json" >"$tmp/big.facts.json"
	"$RV_CLI" triage --format html --facts "$tmp/big.facts.json" >"$tmp/big.html" 2>/dev/null
	rv_eq "1024 CPUs: one bar per CPU" 1024 "$(grep -o '<g class="cpu' "$tmp/big.html" | wc -l)"
	rv_eq "1024 CPUs: red marks" "$(rv_jq "$tmp/big.facts.json" '[.irq.cpus[] | select(.available == 0)] | length')" \
		"$(grep -o '<g class="cpu full">' "$tmp/big.html" | wc -l)"
	rv_cmp "1024 CPUs: page size (bytes, < 256 KB)" "$(stat -c %s "$tmp/big.html")" -lt 262144
	rv_cmp "1024 CPUs: bars wrap in rows (axis lines)" "$(grep -c '<path class="axis"' "$tmp/big.html")" -eq 8

	# Dump strings are escaped: planted in the release (headline) and in an
	# irq owner's device name (an SVG label).
	jq '.dump.release = "4.18<script>alert(1)</script>"
		| .irq.by_device[0].device = "\"><svg onload=x>"' \
		"$tmp/s2.facts.json" >"$tmp/hostile.facts.json"
	"$RV_CLI" triage --format html --facts "$tmp/hostile.facts.json" >"$tmp/hostile.html" 2>/dev/null
	rv_eq "hostile: no <script in the page" 0 "$(grep -ci '<script' "$tmp/hostile.html")"
	rv_match "hostile: the release is shown escaped" '4\.18&lt;script&gt;alert\(1\)&lt;/script&gt;' \
		"$(grep -o 'Kernel:</strong> [^ ]*' "$tmp/hostile.html")"
	rv_eq "hostile: no planted <svg element" 0 "$(grep -c '<svg onload' "$tmp/hostile.html")"
	rv_match "hostile: the device label is shown escaped" '>&quot;&gt;&lt;svg onload=x&gt; vda</text>' \
		"$(grep -o '>&quot;[^<]*</text>' "$tmp/hostile.html")"
else
	rv_not_ok "seed002-rhel8: mkfixture failed ($(tail -3 "$tmp/mkfixture.log"))"
fi

# ---- the net-log check sees a request when there is one ----
if [ -f "$tmp/ve.html" ]; then
	sed 's|<body>|<body><img src="http://127.0.0.1:9/planted.png" alt="">|
	     /Content-Security-Policy/d' "$tmp/ve.html" >"$tmp/planted.html"
	shoot planted
	rv_eq "planted: the net log shows the page's request" "http://127.0.0.1:9/planted.png" \
		"$(page_requests planted)"
	# ... and the page's own Content-Security-Policy stops it in the browser.
	sed 's|<body>|<body><img src="http://127.0.0.1:9/planted.png" alt="">|' "$tmp/ve.html" \
		>"$tmp/planted-csp.html"
	shoot planted-csp
	rv_empty "planted, with the page's CSP: requests of the page" "$(page_requests planted-csp)"
fi
rv_summary

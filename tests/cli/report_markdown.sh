#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Reports for tickets (issue 19): `triage --format markdown` of the rig's
# raid1-frozen dump gives the headline, a findings table and the
# raid1-freeze-hang evidence, also once GitHub's renderer (Debian's
# cmark-gfm) has made HTML of it; values from the dump cannot break the
# Markdown; --format json is --json to the byte, --format text the default;
# and the text bar of `show vectors -c` (crash: vecmatrix -c) on the 80-CPU
# seed002-rhel8 fixture and on raid1-frozen. ~15 s.
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! command -v cmark-gfm >/dev/null; then
	rv_not_ok "cmark-gfm is not installed (make deps)"
	rv_summary
	exit 1
fi
gfm() {
	cmark-gfm -e table "$@"
}

rf=$(rv_scenario_dir raid1-frozen)
if [ -f "$rf/vmcore" ]; then
	"$RV_CLI" facts --json "$rf/vmcore" >"$tmp/rf.facts.json" 2>/dev/null
	"$RV_CLI" triage --format markdown "$rf/vmcore" >"$tmp/rf.md" 2>"$tmp/rf.err"
	rc=$?
	# The same facts, read once: the JSON the Markdown must agree with.
	"$RV_CLI" triage --json --facts "$tmp/rf.facts.json" >"$tmp/rf.json" 2>/dev/null
	rv_eq "raid1-frozen: --format markdown exit status = --json's" \
		"$(rv_jq "$tmp/rf.json" 'if .summary.critical + .summary.error > 0 then 1 elif .complete then 0 else 3 end')" "$rc"
	md=$tmp/rf.md j=$tmp/rf.json
	ev='.findings[] | select(.rule == "raid1-freeze-hang") | .evidence'

	# --- the Markdown itself ---
	rv_eq "headline" "# raidvirt triage: $rf/vmcore" "$(head -2 "$md" | tail -1)"
	rv_match "kernel line" "^\*\*Kernel:\*\* $(rv_jq "$j" .dump.release) " "$(grep '^\*\*Kernel:' "$md")"
	rv_match "dump line: format and how it was taken" \
		"^\*\*Dump:\*\* .*\($(rv_jq "$j" .dump.provenance.file.format).*taken by: $(rv_jq "$j" .dump.provenance.method)" \
		"$(grep '^\*\*Dump:' "$md")"
	rv_eq "completeness line" "**Complete:** yes: every section decoded and every rule ran" \
		"$(grep '^\*\*Complete:' "$md")"
	rv_eq "headings" "## Summary|## Findings" "$(grep '^## ' "$md" | paste -sd'|')"
	rv_eq "summary table: error count" "| error | $(rv_jq "$j" .summary.error) |" \
		"$(grep '^| error | [0-9]* |$' "$md")"
	rv_eq "findings table: one row per finding" "$(rv_jq "$j" '.findings | length')" \
		"$(sed -n '/^| Severity | Rule | Title |$/,/^$/p' "$md" | grep -c '^| [a-z]* | [a-z0-9-]* | ')"
	rv_match "findings table: raid1-freeze-hang" '^\| error \| raid1-freeze-hang \| raid1 array frozen' \
		"$(grep '^| error | raid1-freeze-hang |' "$md")"
	rv_match "finding heading" '^### ERROR raid1-freeze-hang: ' "$(grep '^### ERROR' "$md")"
	rv_eq "evidence: unqueued_pending (from the JSON)" \
		"| unqueued_pending | $(rv_jq "$j" "$ev.unqueued_pending") |" \
		"$(grep '^| unqueued_pending |' "$md")"
	rv_eq "evidence: every key a row" "$(rv_jq "$j" "$ev | length")" \
		"$(sed -n '/^### ERROR raid1-freeze-hang/,/^### /p' "$md" | sed -n '/^| Evidence | Value |$/,/^$/p' | grep -c '^| [a-z_]* | ')"
	rv_eq "evidence: the stuck member" "| stuck_members | $(rv_jq "$j" "$ev.stuck_members | join(\", \")") |" \
		"$(grep '^| stuck_members |' "$md")"
	rv_eq "remedies and references headings" "#### Remedies|#### References" \
		"$(sed -n '/^### ERROR raid1-freeze-hang/,/^### /p' "$md" | grep '^#### ' | paste -sd'|')"
	rv_match "a reference is a link" '^- \[drivers/md/raid1\.c: .*\]\(https://git\.kernel\.org/' \
		"$(grep '^- \[drivers/md/raid1' "$md")"

	# --- what GitHub would show ---
	gfm "$md" >"$tmp/rf.gfm.html"
	h=$tmp/rf.gfm.html
	rv_eq "rendered: one h1" 1 "$(grep -c '^<h1>' "$h")"
	rv_eq "rendered: h2" "<h2>Summary</h2>|<h2>Findings</h2>" "$(grep '^<h2>' "$h" | paste -sd'|')"
	rv_eq "rendered: tables (summary, findings, one evidence table per finding)" \
		"$(rv_jq "$j" '2 + ([.findings[] | select(.evidence | length > 0)] | length)')" \
		"$(grep -c '^<table>' "$h")"
	rv_match "rendered: raid1-freeze-hang heading" '<h3>ERROR raid1-freeze-hang: ' "$(grep '^<h3>' "$h")"
	rv_eq "rendered: unqueued_pending cell" \
		"<td>unqueued_pending</td>|<td>$(rv_jq "$j" "$ev.unqueued_pending")</td>" \
		"$(grep -A1 '^<td>unqueued_pending</td>' "$h" | paste -sd'|')"

	# --- values from the dump cannot break it ---
	jq '.md.arrays[0].conf.wait_barrier[0].comm = "a|b *c* _d_ <script>x</script> [l](http://e.invalid) # h"' \
		"$tmp/rf.facts.json" >"$tmp/hostile.json"
	"$RV_CLI" triage --format markdown --facts "$tmp/hostile.json" >"$tmp/hostile.md" 2>/dev/null
	gfm "$tmp/hostile.md" >"$tmp/hostile.html"
	hh=$tmp/hostile.html
	rv_match "hostile: the planted name reaches the evidence" 'a\\\|b \\\*c\\\* \\_d\\_ \\<script\\>' \
		"$(grep '^| waiters |' "$tmp/hostile.md")"
	rv_eq "hostile: no <script> after rendering" 0 "$(grep -c '<script' "$hh")"
	rv_eq "hostile: no emphasis after rendering" 0 "$(grep -cE '<em>|<strong>c' "$hh")"
	rv_eq "hostile: no planted link after rendering" 0 "$(grep -c 'href="http://e.invalid' "$hh")"
	rv_eq "hostile: the waiters row has 2 cells" 2 \
		"$(grep -A2 '^<td>waiters</td>' "$hh" | grep -c '^<td')"
	rv_match "hostile: the name reads as written" 'a\|b \*c\* _d_ &lt;script&gt;x&lt;/script&gt; \[l\]\(http://e.invalid\) # h' \
		"$(grep -A1 '^<td>waiters</td>' "$hh" | tail -1)"

	# --- INCOMPLETE: what is missing is said ---
	jq '.md.error = "planted: r1conf unreadable"' "$tmp/rf.facts.json" >"$tmp/incomplete.json"
	"$RV_CLI" triage --format markdown --facts "$tmp/incomplete.json" >"$tmp/incomplete.md" 2>/dev/null
	rv_match "incomplete: headline" '^\*\*INCOMPLETE:\*\* 1 error \(not a clean result\)$' \
		"$(grep '^\*\*INCOMPLETE' "$tmp/incomplete.md")"
	rv_eq "incomplete: the error listed" "- error: md: planted: r1conf unreadable" \
		"$(grep '^- error: ' "$tmp/incomplete.md")"

	# --- the other formats ---
	"$RV_CLI" triage --json --facts "$tmp/rf.facts.json" >"$tmp/a.json" 2>/dev/null
	"$RV_CLI" triage --format json --facts "$tmp/rf.facts.json" >"$tmp/b.json" 2>/dev/null
	rv_eq "--format json is --json (bytes)" "$(md5sum <"$tmp/a.json")" "$(md5sum <"$tmp/b.json")"
	rv_eq "--format json is a triage document" raidvirt.triage/1 "$(rv_jq "$tmp/b.json" .schema)"
	"$RV_CLI" triage --facts "$tmp/rf.facts.json" >"$tmp/a.txt" 2>/dev/null
	"$RV_CLI" triage --format text --facts "$tmp/rf.facts.json" >"$tmp/b.txt" 2>/dev/null
	rv_eq "--format text is the default (bytes)" "$(md5sum <"$tmp/a.txt")" "$(md5sum <"$tmp/b.txt")"
	"$RV_CLI" triage --format pdf --facts "$tmp/rf.facts.json" >/dev/null 2>"$tmp/bad.err"
	rv_eq "--format pdf: usage error" 2 "$?"
	rv_match "--format pdf: one line naming the formats" "bad --format 'pdf' \(text, json, markdown, html\)" \
		"$(head -1 "$tmp/bad.err")"

	# --- vecmatrix -c / show vectors -c: a bar per CPU ---
	"$RV_CLI" show vectors -c "$rf/vmcore" >"$tmp/rf.cpus.txt" 2>/dev/null
	rows=$(sed -n '/^CPU  ONLINE/,/^VECTORS:/p' "$tmp/rf.cpus.txt")
	rv_eq "raid1-frozen -c: one bar per CPU" "$(rv_jq "$tmp/rf.facts.json" '.irq.cpus | length')" \
		"$(grep -cE '  \[[#M.]{24}\]$' <<<"$rows")"
	cpu0=$(rv_jq "$tmp/rf.facts.json" '.irq.cpus[0] | "\(.allocated - .managed_allocated) \(.managed) \(.available)"')
	read -r a m v <<<"$cpu0"
	bar=$(awk '$1 == "0" { print $NF }' <<<"$rows")
	# Each part gets its share of the 24 columns, at least one when not 0.
	share() {
		local n=$1 c=$2
		[ "$n" -gt 0 ] && [ "$c" -eq 0 ] && c=1
		echo "$c"
	}
	rv_eq "raid1-frozen -c: cpu0 bar ($a allocated, $m managed, $v available of 201)" \
		"$(share "$a" $((a * 24 / 201))) $(share "$m" $((m * 24 / 201))) 24" \
		"$(tr -cd '#' <<<"$bar" | wc -c) $(tr -cd 'M' <<<"$bar" | wc -c) $(tr -d '[]' <<<"$bar" | tr -d '\n' | wc -c)"
	rv_cmp "raid1-frozen -c: cpu0 bar shows what is available" "$(tr -cd '.' <<<"$bar" | wc -c)" -ge $((v * 24 / 201 - 1))
	rv_match "raid1-frozen -c: the legend" '^VECTORS: 24 columns = 201 vectors per CPU; # allocated' \
		"$(grep '^VECTORS:' "$tmp/rf.cpus.txt")"
else
	rv_not_ok "raid1-frozen: no dump at $rf"
fi

fx=$tmp/seed002-rhel8
if "$RV_ROOT/tests/fixtures/mkfixture" seed002-rhel8 "$fx" >"$tmp/mkfixture.log" 2>&1; then
	# -a: every CPU's row (without it, runs of like CPUs are one line)
	"$RV_CLI" show vectors -c -a --vmlinux "$fx/vmlinux" --debuginfo "$fx/debug" \
		--no-default-debuginfo "$fx/vmcore" >"$tmp/s2.cpus.txt" 2>/dev/null
	rows=$(sed -n '/^CPU  ONLINE/,/^VECTORS:/p' "$tmp/s2.cpus.txt")
	rv_eq "seed002-rhel8 -c -a: 80 full bars, nothing available" 80 \
		"$(grep -cE '  \[#+M+\]$' <<<"$rows")"
	rv_match "seed002-rhel8 -c: the like CPUs as one line" '^ +\.\.\. [0-9]+ more CPUs alike: ' \
		"$("$RV_CLI" show vectors -c --vmlinux "$fx/vmlinux" --debuginfo "$fx/debug" \
			--no-default-debuginfo "$fx/vmcore" 2>/dev/null | grep 'more CPUs alike')"
	rv_eq "seed002-rhel8 -c: cpu0 (25 allocated, 4 of them managed; 180 managed)" \
		"[###MMMMMMMMMMMMMMMMMMMMM]" "$(awk '$1 == "0" { print $NF }' <<<"$rows")"

	# triage DUMP...: one Markdown report after the other; HTML is one page.
	opts=(--vmlinux "$fx/vmlinux" --debuginfo "$fx/debug" --no-default-debuginfo)
	"$RV_CLI" triage --format markdown "${opts[@]}" "$fx/vmcore" "$fx/vmcore" \
		>"$tmp/two.md" 2>/dev/null
	rv_eq "two dumps, markdown: two reports" 2 "$(grep -c '^# raidvirt triage: ' "$tmp/two.md")"
	"$RV_CLI" triage --format html "${opts[@]}" "$fx/vmcore" "$fx/vmcore" >"$tmp/two.html" \
		2>"$tmp/two.err"
	rv_eq "two dumps, html: usage error" 2 "$?"
	rv_match "two dumps, html: one line says why" 'one page' "$(head -1 "$tmp/two.err")"
else
	rv_not_ok "seed002-rhel8: mkfixture failed ($(tail -3 "$tmp/mkfixture.log"))"
fi
rv_summary

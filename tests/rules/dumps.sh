#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The rules on the rig's real dumps, through both front ends:
#  - `raidvirt triage --json` on healthy, raid1-frozen, raid1-degraded, with
#    the verdicts checked against ground-truth.json (the throttled member,
#    the failed member) and the facts paths against the facts document;
#  - triage exit statuses with --fail-on;
#  - triage of a saved facts file gives the same findings as of the dump;
#  - `raidvirt rules test` (every rule's fires/quiet dumps) passes;
#  - crash's `raidvirt -j` carries the same findings (built-in rules found
#    next to raidvirt.so, plus $RAIDVIRT_RULES), and the text report.
# A dump that is not built fails the test (dumps/rig.py build SCENARIO).
. "$(dirname "$0")/../lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# dump_dir SCENARIO: the rig's dump directory, without building it.
dump_dir() {
	python3 "$RV_ROOT/dumps/rig.py" path "$1" 2>/dev/null
}

declare -A DIR
for s in healthy raid1-frozen raid1-degraded; do
	d=$(dump_dir "$s")
	if [ -n "$d" ] && [ -f "$d/vmcore" ]; then
		DIR[$s]=$d
		rv_ok "dump $s available"
	else
		rv_not_ok "dump $s not built (dumps/rig.py build $s)"
	fi
done

# triage_dump SCENARIO [OPTIONS...]: JSON into $tmp/SCENARIO.json; sets rc
triage_dump() {
	local s=$1
	shift
	"$RV_CLI" triage --json "$@" "${DIR[$s]}/vmcore" >"$tmp/$s.json" 2>"$tmp/$s.err"
	rc=$?
}
# finding SCENARIO RULE FILTER: FILTER over the findings of RULE (an array)
finding() {
	rv_jq "$tmp/$1.json" "[.findings[] | select(.rule == \"$2\")] | $3"
}

# ---- raid1-frozen: freeze hang naming the throttled member, device stall ----
if [ -n "${DIR[raid1-frozen]:-}" ]; then
	s=raid1-frozen
	gt=${DIR[$s]}/ground-truth.json
	throttled=$(rv_jq "$gt" .set.throttled.guest)
	array=$(rv_jq "$gt" .set.array.device)
	triage_dump $s
	rv_eq "$s: triage exit status (error finding, --fail-on error)" 1 "$rc"
	rv_eq "$s: no rule errors" 0 "$(rv_jq "$tmp/$s.json" .summary.rule_errors)"
	rv_eq "$s: one freeze-hang finding" 1 "$(finding $s raid1-freeze-hang length)"
	rv_eq "$s: freeze-hang severity" error "$(finding $s raid1-freeze-hang '.[0].severity')"
	rv_eq "$s: freeze-hang array = ground truth" "$array" \
		"$(finding $s raid1-freeze-hang '.[0].evidence.array')"
	rv_eq "$s: freeze-hang names the throttled member (ground truth .set.throttled.guest)" \
		"$throttled" "$(finding $s raid1-freeze-hang '.[0].evidence.stuck_members | join(",")')"
	rv_match "$s: message names the member" "held by $throttled\\." \
		"$(finding $s raid1-freeze-hang '.[0].message')"
	rv_cmp "$s: unqueued pending in the evidence" \
		"$(finding $s raid1-freeze-hang '.[0].evidence.unqueued_pending')" -ge \
		"$(rv_jq "$gt" .set.expect.unqueued_pending_min)"

	# The paths point at the right objects of the facts document.
	"$RV_CLI" facts --json "${DIR[$s]}/vmcore" >"$tmp/$s.facts.json" 2>/dev/null
	md_path=$(jq -r --arg a "$array" \
		'path(.md.arrays[] | select(.name == $a)) | "md.arrays[\(.[2])]"' "$tmp/$s.facts.json")
	blk_path=$(jq -r --arg d "$throttled" \
		'path(.blk.disks[] | select(.name == $d)) | "blk.disks[\(.[2])]"' "$tmp/$s.facts.json")
	vq_paths=$(jq -r --arg d "$throttled" \
		'[path(.virtio.devices[] | select(.disk == $d) | .vqs[] | select(.in_flight > 0))
		  | "virtio.devices[\(.[2])].vqs[\(.[4])]"] | join(" ")' "$tmp/$s.facts.json")
	paths=$(finding $s raid1-freeze-hang '.[0].paths | join(" ")')
	rv_eq "$s: freeze-hang first path is the array" "$md_path" "${paths%% *}"
	rv_match "$s: freeze-hang paths include the member's blk disk" " ${blk_path//[/\\[}( |$)" "$paths"
	for p in $vq_paths; do
		rv_match "$s: freeze-hang paths include busy virtqueue $p" " ${p//[/\\[}( |$)" "$paths"
	done
	rv_eq "$s: the freeze-hang member path holds the throttled disk" "$throttled" \
		"$(jq -r --arg p "$(finding $s raid1-freeze-hang '.[0].paths[1]')" \
			'getpath($p | [scan("[a-z_]+|[0-9]+")] | map(tonumber? // .)) | .device' \
			"$tmp/$s.facts.json")"

	nstall=$(finding $s virtio-device-stall length)
	rv_cmp "$s: device-stall findings" "$nstall" -ge 1
	rv_eq "$s: every device-stall finding is on the throttled disk" "$throttled" \
		"$(finding $s virtio-device-stall '[.[].evidence.disk] | unique | join(",")')"
	rv_eq "$s: device-stall paths are the busy virtqueues" "$vq_paths" \
		"$(finding $s virtio-device-stall '[.[].paths[0]] | join(" ")')"
	rv_empty "$s: device-stall in_flight = avail_idx - used_idx" \
		"$(finding $s virtio-device-stall '.[] | select(.evidence.in_flight != (.evidence.avail_idx - .evidence.used_idx) % 65536) | .paths[0]')"
	rv_eq "$s: no other rule fires" "raid1-freeze-hang virtio-device-stall" \
		"$(rv_jq "$tmp/$s.json" '[.findings[].rule] | unique | join(" ")')"

	triage_dump $s --fail-on critical
	rv_eq "$s: exit status with --fail-on critical" 0 "$rc"

	# The saved facts give the same findings as the dump.
	"$RV_CLI" triage --json --facts "$tmp/$s.facts.json" >"$tmp/$s.saved.json" 2>/dev/null
	rv_eq "$s: triage --facts = triage DUMP" \
		"$(jq -S .findings "$tmp/$s.json" | md5sum)" "$(jq -S .findings "$tmp/$s.saved.json" | md5sum)"

	txt=$("$RV_CLI" triage "${DIR[$s]}/vmcore" 2>&1)
	rv_match "$s: text report header" "\\[ERROR\\] raid1-freeze-hang: raid1 array frozen" "$txt"
	rv_match "$s: text report evidence" "    stuck_members +$throttled" "$txt"
	rv_match "$s: text report summary" "findings: 1 error, $nstall warning" "$txt"
fi

# ---- healthy: nothing above info ----
if [ -n "${DIR[healthy]:-}" ]; then
	s=healthy
	triage_dump $s --fail-on warning
	rv_eq "$s: exit status with --fail-on warning" 0 "$rc"
	rv_eq "$s: no finding above info" 0 \
		"$(rv_jq "$tmp/$s.json" '[.findings[] | select(.severity != "info")] | length')"
	rv_eq "$s: no rule errors" 0 "$(rv_jq "$tmp/$s.json" .summary.rule_errors)"
	rv_eq "$s: every rule of rules/ evaluated" "$(ls "$RV_ROOT"/rules/*.yaml | wc -l)" "$(rv_jq "$tmp/$s.json" .rules.loaded)"
fi

# ---- raid1-degraded: the degraded finding, naming the failed member ----
if [ -n "${DIR[raid1-degraded]:-}" ]; then
	s=raid1-degraded
	gt=${DIR[$s]}/ground-truth.json
	failed=$(rv_jq "$gt" .set.failed.guest)
	triage_dump $s
	rv_eq "$s: exit status (warning, --fail-on error)" 0 "$rc"
	rv_eq "$s: one degraded finding" 1 "$(finding $s raid1-degraded length)"
	rv_eq "$s: degraded count = ground truth" "$(rv_jq "$gt" .set.expect.degraded)" \
		"$(finding $s raid1-degraded '.[0].evidence.degraded')"
	rv_eq "$s: raid_disks = ground truth" "$(rv_jq "$gt" .set.array.raid_disks)" \
		"$(finding $s raid1-degraded '.[0].evidence.raid_disks')"
	rv_eq "$s: working members = ground truth" \
		"$(jq -r '.set.array.members | sort | join(",")' "$gt")" \
		"$(finding $s raid1-degraded '.[0].evidence.working | sort | join(",")')"
	rv_match "$s: the kernel log names the failed member" "Disk failure on $failed," \
		"$(finding $s raid1-degraded '.[0].evidence.kernel_log | tostring')"
	rv_eq "$s: no other rule fires" "raid1-degraded" \
		"$(rv_jq "$tmp/$s.json" '[.findings[].rule] | unique | join(" ")')"
	triage_dump $s --fail-on warning
	rv_eq "$s: exit status with --fail-on warning" 1 "$rc"
fi

# ---- rules test: every rule on its dumps and fixtures ----
# `rules test` only reads: the harness builds the vmcore:NAME fixtures the
# rules name (a build failure then fails the rule checks that need it).
for fx in $(grep -oh 'vmcore:[A-Za-z0-9_-]*' "$RV_ROOT"/rules/*.yaml | sed 's/^vmcore://' | sort -u); do
	rv_fixture_dir "$fx" >/dev/null || rv_not_ok "fixture $fx built"
done
out=$("$RV_CLI" rules test 2>/dev/null)
rc=$?
rv_eq "rules test exit status" 0 "$rc"
rv_match "rules test summary" "^[0-9]+ passed, 0 failed$" "$(tail -1 <<<"$out")"
rv_cmp "rules test checks" "$(grep -c '^ok ' <<<"$out")" -ge 36
echo "$out" | grep '^not ok' | sed 's/^/# /'

# ---- crash: raidvirt -j carries the findings; user rules via RAIDVIRT_RULES ----
if [ -n "${DIR[raid1-frozen]:-}" ]; then
	s=raid1-frozen
	RAIDVIRT_RULES=$RV_ROOT/tests/rules/user rv_crash "${DIR[$s]}/vmcore" "$tmp/crash.out" \
		"raidvirt -j > $tmp/crash.json" "raidvirt > $tmp/crash.txt"
	rv_eq "crash: session ran" 0 "$?"
	rv_eq "crash: same built-in findings as the CLI" \
		"$(jq -c '[.findings[] | {rule, severity, message, paths}]' "$tmp/$s.json")" \
		"$(jq -c '[.findings[] | select(.rule != "kernel-release") | {rule, severity, message, paths}]' "$tmp/crash.json" 2>/dev/null)"
	rv_eq "crash: the freeze-hang finding names the throttled member" "$throttled" \
		"$(rv_jq "$tmp/crash.json" '.findings[] | select(.rule == "raid1-freeze-hang") | .evidence.stuck_members | join(",")')"
	rv_eq "crash: RAIDVIRT_RULES adds the user rule" 1 \
		"$(rv_jq "$tmp/crash.json" '[.findings[] | select(.rule == "kernel-release")] | length')"
	rv_match "crash: text report has the findings section" "FINDINGS: 1 error, $nstall warning" \
		"$(cat "$tmp/crash.txt")"
	rv_match "crash: text report has the finding block" "\\[ERROR\\] raid1-freeze-hang" \
		"$(cat "$tmp/crash.txt")"
fi

rv_summary

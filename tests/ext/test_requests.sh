#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# blk.disks[].requests[] (every request in flight, with its age) on the rig
# dumps, in crash (hctxfq -j) and the CLI (facts --json), checked against
# the guest's ground truth and crash's own reads:
#  - per disk, the accounted requests = /sys/block/DISK/inflight (guest);
#  - crash and the CLI list the same requests; oldest_age_ms is their max;
#  - the dump's now (blk.now.ns) = crash's own shadow_timekeeper.tkr_mono
#    reading, and agrees with the jiffies uptime within a second;
#  - the oldest request's start_time_ns = crash `struct request`;
#  - on scenarios with a timeline (raid1-frozen-nohold: guest /proc/uptime
#    when the member was throttled, stalled, and before the dump), every
#    request of the throttled disk started between throttle and stall, the
#    dump's now is after before_dump, and so the oldest age is at least
#    before_dump - stalled_at;
#  - hctxfq -r and `raidvirt show blk -r` print the same table.
# A dump that is not available is a failure.
. "$(dirname "$0")/../lib.sh"

SCENARIOS=${RV_SCENARIOS:-"healthy raid1-frozen raid1-frozen-nohold lost-interrupt"}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

check() {
	local s=$1 dir w=$TMP/$1
	mkdir -p "$w"
	if ! dir=$(rv_dump_dir "$s") || [ ! -f "$dir/vmcore" ]; then
		rv_not_ok "$s: dump available"
		return
	fi
	local gt=$dir/ground-truth.json cli=$w/cli.json c=$w/crash.json
	"$RV_CLI" facts --json "$dir/vmcore" >"$cli" 2>"$w/cli.err"
	rv_eq "$s: CLI facts ran" 0 $?
	# The oldest request of the first disk that has one, for crash to read.
	local oldest
	oldest=$(rv_jq "$cli" '[.blk.disks[] | select(.oldest_request) | .oldest_request][0] // "0"')
	rv_crash "$dir/vmcore" "$w/crash.out" \
		"hctxfq -j > $c" \
		"hctxfq -r > $w/crash-r.txt" \
		"p shadow_timekeeper.tkr_mono.base > $w/base.txt" \
		"p shadow_timekeeper.tkr_mono.xtime_nsec > $w/xnsec.txt" \
		"p shadow_timekeeper.tkr_mono.shift > $w/shift.txt" \
		"struct request.start_time_ns $oldest > $w/start.txt"
	rv_eq "$s: crash ran" 0 $?
	"$RV_CLI" show blk -r "$dir/vmcore" >"$w/cli-r.txt" 2>/dev/null
	rv_eq "$s: hctxfq -r = show blk -r" "$(md5sum <"$w/crash-r.txt")" "$(md5sum <"$w/cli-r.txt")"

	# ---- now ----
	local base xnsec shift now
	base=$(sed -n 's/^.*= //p' "$w/base.txt")
	xnsec=$(sed -n 's/^.*= //p' "$w/xnsec.txt")
	shift=$(sed -n 's/^.*= //p' "$w/shift.txt")
	now=$(rv_jq "$c" .now.ns)
	rv_eq "$s: now = crash shadow_timekeeper base + (xtime_nsec >> shift)" \
		"$(python3 -c "print($base + ($xnsec >> $shift))" 2>/dev/null)" "$now"
	rv_eq "$s: now clock" CLOCK_MONOTONIC "$(rv_jq "$c" .now.clock)"
	rv_eq "$s: now within 1 s of the jiffies uptime" true \
		"$(jq -n --argjson n "$now" --argjson u "$(rv_jq "$cli" .dump.uptime_seconds)" \
			'($n / 1e9 - $u) | fabs < 1')"

	# ---- crash = CLI ----
	rv_eq "$s: requests crash = CLI" "$(jq -cS '[.disks[] | {name, nr_requests, oldest_age_ms, requests}]' "$c" | md5sum)" \
		"$(jq -cS '[.blk.disks[] | {name, nr_requests, oldest_age_ms, requests}]' "$cli" | md5sum)"

	# ---- every virtio disk against the guest (rvblk renames them) ----
	local d
	rv_cmp "$s: ground truth has virtio disks" \
		"$(jq '[.inflight | keys[] | select(startswith("vd") or startswith("rvblk"))] | length' "$gt")" -gt 0
	for d in $(jq -r '.inflight | keys[] | select(startswith("vd") or startswith("rvblk"))' "$gt"); do
		local sel=".disks[] | select(.name == \"$d\")"
		local want
		want=$(jq -r --arg d "$d" '.inflight[$d] // empty | add' "$gt")
		rv_eq "$s: $d accounted requests = guest /sys/block/$d/inflight" "$want" \
			"$(rv_jq "$c" "[$sel | .requests[] | select(.accounted)] | length")"
		rv_eq "$s: $d nr_requests = listed" "$(rv_jq "$c" "$sel | .requests | length")" \
			"$(rv_jq "$c" "$sel | .nr_requests")"
		rv_eq "$s: $d oldest_age_ms = max age_ms" \
			"$(rv_jq "$c" "$sel | [.requests[].age_ms] | max")" \
			"$(rv_jq "$c" "$sel | .oldest_age_ms")"
		rv_eq "$s: $d every request dispatched, with an op, bytes and an age >= 0" true \
			"$(rv_jq "$c" "$sel | all(.requests[]; .state == \"IN_FLIGHT\" and (.op | type) == \"string\" and .bytes > 0 and .age_ms >= 0)")"
	done
	if [ "$oldest" != 0 ]; then
		rv_eq "$s: oldest start_time_ns = crash struct request" \
			"$(sed -n 's/^ *start_time_ns = \([0-9]*\).*/\1/p' "$w/start.txt")" \
			"$(rv_jq "$c" "[.disks[].requests[]? | select(.addr == \"$oldest\") | .start_time_ns][0]")"
	fi

	# ---- the timeline of a scenario that records one ----
	local t_thr t_stall t_dump disk
	t_thr=$(rv_jq "$gt" '.truth.throttled_at // empty | split(" ")[0]')
	[ -n "$t_thr" ] || return 0
	t_stall=$(rv_jq "$gt" '.truth.stalled_at | split(" ")[0]')
	t_dump=$(rv_jq "$gt" '.truth.before_dump | split(" ")[0]')
	disk=$(rv_jq "$gt" .set.throttled.guest)
	local sel=".disks[] | select(.name == \"$disk\")"
	rv_cmp "$s: $disk has requests" "$(rv_jq "$c" "$sel | .nr_requests")" -gt 0
	rv_eq "$s: $disk requests all started between throttle ($t_thr s) and stall ($t_stall s)" true \
		"$(rv_jq "$c" "$sel | all(.requests[]; .start_time_ns / 1e9 >= $t_thr - 0.5 and .start_time_ns / 1e9 <= $t_stall + 0.5)")"
	rv_eq "$s: dump's now after the guest's before_dump ($t_dump s)" true \
		"$(jq -n "$now / 1e9 >= $t_dump")"
	rv_eq "$s: $disk oldest age >= before_dump - stalled_at (seconds, not ms)" true \
		"$(rv_jq "$c" "$sel | .oldest_age_ms >= ($t_dump - $t_stall) * 1000")"
	rv_match "$s: hctxfq -r summary" "REQUESTS: $(rv_jq "$c" "$sel | .nr_requests") in flight, oldest [0-9.]+ s \\([0-9]+ write\\)" \
		"$(cat "$w/crash-r.txt")"
}

for s in $SCENARIOS; do
	check "$s"
done
rv_summary

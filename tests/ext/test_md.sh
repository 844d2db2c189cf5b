#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The md decoder and the crash command `r1conf` on the rig dumps.
#
# One crash session per dump. The facts (`r1conf -j`) are checked against
# the guest's ground truth (ground-truth.json: mdadm, sysfs) and against
# crash's own reading of the same fields in the same session: gdb `p` of
# the first mddev on all_mddevs (found by container_of in gdb, not by the
# extension) and of its r1conf, and the bucket arrays dumped raw with
# `x/1024dw` (the gdb twin of `rd -32 ADDR 1024`: `rd` takes no
# expression, and this session cannot feed it an address it learns).
#
# Usage: tests/ext/test_md.sh [SCENARIO...]   (default: all three)

. "$(dirname "$0")/../lib.sh"

# Under the build directory, so the dumps can be hard-linked: the rig may
# replace a dump while this test runs.
mkdir -p "$RV_BUILD"
OUT=$(mktemp -d "$RV_BUILD/test-md.XXXXXX")
[ -n "$RV_KEEP" ] && echo "# output in $OUT" || trap 'rm -rf "$OUT"' EXIT

# The first mddev of all_mddevs and its r1conf, as gdb expressions.
MDDEV='((struct mddev *)((char *)all_mddevs.next - (unsigned long)&((struct mddev *)0)->all_mddevs))'
CONF="((struct r1conf *)$MDDEV->private)"
COUNTERS="nr_pending nr_waiting nr_queued barrier"

# gdb's "$N = VALUE" -> VALUE
pval() {
	sed -n 's/^\$[0-9]* = //p' "$1" | head -1
}

# Sum of the 32-bit values of an `x/Ndw` dump, and how many there were.
xsum() {
	awk '{ for (i = 2; i <= NF; i++) { s += $i; n++ } } END { print s + 0 }' "$1"
}
xcount() {
	awk '{ n += NF - 1 } END { print n + 0 }' "$1"
}

# rv_line NAME REGEX FILE: some line of FILE matches the extended REGEX.
rv_line() {
	rv_match "$1" "$2" "$(grep -E -m1 -e "$2" "$3")"
}

# Run one crash session on SCENARIO's dump; results go to $OUT/SCENARIO.
run_session() {
	local sc=$1 dir o
	dir=$(rv_dump_dir "$sc") || return 1
	o=$OUT/$sc
	mkdir -p "$o"
	cp "$dir/ground-truth.json" "$o/gt.json" || return 1
	# Every session of this scenario must open the same dump.
	ln "$dir/vmcore" "$o/vmcore" 2>/dev/null || cp "$dir/vmcore" "$o/vmcore" ||
		return 1
	local cmds=(
		"mod -s md_mod"
		"mod -s raid1"
		"r1conf -j > $o/md.json"
		"r1conf > $o/r1conf.txt"
		"r1conf -b -w > $o/r1conf-bw.txt"
		"r1conf -j md0 > $o/sel-md0.json"
		"r1conf md9999 > $o/sel-none.txt"
		"help r1conf > $o/help.txt"
		"p/x $MDDEV > $o/p-mddev.txt"
		"p/x $MDDEV->private > $o/p-private.txt"
		"p $MDDEV->raid_disks > $o/p-md-raid_disks.txt"
		"p $MDDEV->degraded > $o/p-degraded.txt"
		"p $CONF->raid_disks > $o/p-raid_disks.txt"
		"p $CONF->array_frozen > $o/p-array_frozen.txt"
		"p $CONF->nr_sync_pending.counter > $o/p-nr_sync_pending.txt"
		"p/x &$CONF->retry_list > $o/p-retry_list-head.txt"
		"p/x $CONF->retry_list.next > $o/p-retry_list-next.txt"
		"p/x &$CONF->bio_end_io_list > $o/p-bio_end_io_list-head.txt"
		"p/x $CONF->bio_end_io_list.next > $o/p-bio_end_io_list-next.txt"
		"p/x $CONF->pending_bio_list.head > $o/p-pending_bio_list-head.txt"
		"list -H all_mddevs -o mddev.all_mddevs > $o/list-mddevs.txt"
	)
	local c
	for c in $COUNTERS; do
		cmds+=("p/x $CONF->$c > $o/p-$c.txt")
		cmds+=("x/1024dw $CONF->$c > $o/x-$c.txt")
	done
	rv_crash "$o/vmcore" "$o/crash.log" "${cmds[@]}"
}

# Checks every dump gets: facts vs crash, facts vs ground truth, text.
check_common() {
	local sc=$1 o=$OUT/$1
	local j=$o/md.json gt=$o/gt.json
	local A='.arrays[0]' C='.arrays[0].conf'

	rv_eq "$sc: md section present" true "$(rv_jq "$j" .present)"
	rv_eq "$sc: no section error" null "$(rv_jq "$j" .error)"
	rv_eq "$sc: arrays = crash list all_mddevs" \
		"$(grep -c '^[0-9a-f]\{16\}$' "$o/list-mddevs.txt")" \
		"$(rv_jq "$j" '.arrays | length')"
	rv_eq "$sc: mddev addr = crash" "$(pval "$o/p-mddev.txt")" \
		"$(rv_jq "$j" "$A.addr | ltrimstr(\"0x\") | sub(\"^0+\"; \"\") | \"0x\" + .")"
	rv_eq "$sc: conf addr = crash mddev->private" "$(pval "$o/p-private.txt")" \
		"$(rv_jq "$j" "$C.addr | ltrimstr(\"0x\") | sub(\"^0+\"; \"\") | \"0x\" + .")"
	rv_eq "$sc: name = ground truth" "$(rv_jq "$gt" '.md | keys[0]')" \
		"$(rv_jq "$j" "$A.name")"
	rv_eq "$sc: personality" raid1 "$(rv_jq "$j" "$A.personality")"
	rv_eq "$sc: level" 1 "$(rv_jq "$j" "$A.level")"
	rv_eq "$sc: mddev raid_disks = crash" "$(pval "$o/p-md-raid_disks.txt")" \
		"$(rv_jq "$j" "$A.raid_disks")"
	rv_eq "$sc: mddev raid_disks = ground truth" \
		"$(rv_jq "$gt" '.md.md0.raid_disks')" "$(rv_jq "$j" "$A.raid_disks")"
	rv_eq "$sc: degraded = crash" "$(pval "$o/p-degraded.txt")" \
		"$(rv_jq "$j" "$A.degraded")"
	rv_eq "$sc: degraded = ground truth" "$(rv_jq "$gt" '.md.md0.degraded')" \
		"$(rv_jq "$j" "$A.degraded")"
	rv_eq "$sc: conf raid_disks = crash" "$(pval "$o/p-raid_disks.txt")" \
		"$(rv_jq "$j" "$C.raid_disks")"
	rv_eq "$sc: array_frozen = crash" "$(pval "$o/p-array_frozen.txt")" \
		"$(rv_jq "$j" "$C.array_frozen")"
	rv_eq "$sc: nr_sync_pending = crash" "$(pval "$o/p-nr_sync_pending.txt")" \
		"$(rv_jq "$j" "$C.nr_sync_pending")"
	rv_eq "$sc: buckets_nr = 4096 / sizeof(atomic_t)" 1024 \
		"$(rv_jq "$j" "$C.buckets_nr")"
	rv_eq "$sc: conf has no error" null "$(rv_jq "$j" "$C.error")"

	local c
	for c in $COUNTERS; do
		rv_eq "$sc: $c pointer = crash" "$(pval "$o/p-$c.txt" | sed 's/^([^)]*) //')" \
			"$(rv_jq "$j" "$C.${c}_addr | ltrimstr(\"0x\") | sub(\"^0+\"; \"\") | \"0x\" + .")"
		rv_eq "$sc: crash x/1024dw $c read 1024 values" 1024 \
			"$(xcount "$o/x-$c.txt")"
		rv_eq "$sc: ${c}_sum = crash sum" "$(xsum "$o/x-$c.txt")" \
			"$(rv_jq "$j" "$C.${c}_sum")"
	done
	local crash_unqueued
	crash_unqueued=$(rv_calc '$1 + $2 - $3' "$(pval "$o/p-nr_sync_pending.txt")" \
		"$(xsum "$o/x-nr_pending.txt")" "$(xsum "$o/x-nr_queued.txt")")
	rv_eq "$sc: unqueued_pending = crash nr_sync_pending + sum(nr_pending - nr_queued)" \
		"$crash_unqueued" "$(rv_jq "$j" "$C.unqueued_pending")"
	# The listed buckets are exactly the non-zero ones.
	rv_eq "$sc: bucket list sums to nr_pending_sum" \
		"$(rv_jq "$j" "$C.nr_pending_sum")" \
		"$(rv_jq "$j" "[$C.buckets[].nr_pending] | add // 0")"
	rv_eq "$sc: every listed bucket is non-zero" 0 \
		"$(rv_jq "$j" "[$C.buckets[] | select(.nr_pending == 0 and .nr_waiting == 0 and .nr_queued == 0 and .barrier == 0)] | length")"
	# A list is empty when its head points to itself (crash's view); the
	# facts count nodes.
	local l head next
	for l in retry_list bio_end_io_list; do
		head=$(pval "$o/p-$l-head.txt" | sed 's/^([^)]*) //')
		next=$(pval "$o/p-$l-next.txt" | sed 's/^([^)]*) //')
		rv_match "$sc: crash read $l" '^0x[0-9a-f]+$' "$next"
		if [ "$head" = "$next" ]; then
			rv_eq "$sc: $l empty like crash" 0 "$(rv_jq "$j" "$C.${l}_count")"
		else
			rv_cmp "$sc: $l non-empty like crash" \
				"$(rv_jq "$j" "$C.${l}_count")" -gt 0
		fi
	done
	if [ "$(pval "$o/p-pending_bio_list-head.txt")" = 0x0 ]; then
		rv_eq "$sc: pending_bio_list empty like crash" 0 \
			"$(rv_jq "$j" "$C.pending_bio_list_count")"
	else
		rv_cmp "$sc: pending_bio_list non-empty like crash" \
			"$(rv_jq "$j" "$C.pending_bio_list_count")" -gt 0
	fi

	# Members: names, slots and state against the guest's sysfs.
	rv_eq "$sc: member names = ground truth" \
		"$(rv_jq "$gt" '.md.md0.members | keys | join(",")')" \
		"$(rv_jq "$j" "[$A.members[].device] | sort | join(\",\")")"
	local dev
	for dev in $(rv_jq "$gt" '.md.md0.members | keys[]'); do
		rv_eq "$sc: $dev slot = ground truth" \
			"$(rv_jq "$gt" ".md.md0.members.$dev.slot")" \
			"$(rv_jq "$j" "$A.members[] | select(.device == \"$dev\") | .raid_disk")"
		if [ "$(rv_jq "$gt" ".md.md0.members.$dev.state")" = in_sync ]; then
			rv_eq "$sc: $dev flags have In_sync" true \
				"$(rv_jq "$j" "$A.members[] | select(.device == \"$dev\") | .flags | index(\"In_sync\") != null")"
		fi
	done
	# Every member sits in conf->mirrors at its slot.
	rv_eq "$sc: mirrors hold the members" \
		"$(rv_jq "$j" "[$A.members[] | select(.raid_disk >= 0) | \"\(.raid_disk)=\(.addr)\"] | sort | join(\",\")")" \
		"$(rv_jq "$j" "[$C.mirrors[] | \"\(.slot)=\(.rdev_addr)\"] | sort | join(\",\")")"

	# Selection by name and a name that does not exist.
	rv_eq "$sc: r1conf md0 selects one array" 1 "$(rv_jq "$o/sel-md0.json" '.arrays | length')"
	rv_eq "$sc: r1conf md0 is the same array" "$(rv_jq "$j" "$A.addr")" \
		"$(rv_jq "$o/sel-md0.json" '.arrays[0].addr')"
	rv_line "$sc: r1conf md9999 says so" '^md: no md array named md9999$' "$o/sel-none.txt"

	# The text report.
	local f=$o/r1conf.txt addr16 conf16
	addr16=$(rv_jq "$j" "$A.addr | ltrimstr(\"0x\")")
	conf16=$(rv_jq "$j" "$C.addr | ltrimstr(\"0x\")")
	rv_line "$sc: text header" '^MDDEV +NAME +LEVEL +PERSONALITY +DISKS +DEGRADED' "$f"
	rv_line "$sc: text mddev row" \
		"^$addr16  md0 +1  raid1 +$(rv_jq "$j" "$A.raid_disks") +$(rv_jq "$j" "$A.degraded") " "$f"
	rv_line "$sc: text r1conf header" '^  R1CONF +FROZEN +SYNC_PENDING +PENDING +WAITING +QUEUED +BARRIER +UNQUEUED' "$f"
	rv_line "$sc: text r1conf row" \
		"^  $conf16 +$(rv_jq "$j" "$C.array_frozen") +$(rv_jq "$j" "$C.nr_sync_pending") +$(rv_jq "$j" "$C.nr_pending_sum") +$(rv_jq "$j" "$C.nr_waiting_sum") +$(rv_jq "$j" "$C.nr_queued_sum") +$(rv_jq "$j" "$C.barrier_sum") +$(rv_jq "$j" "$C.unqueued_pending") " "$f"
	rv_line "$sc: text member header" '^  RDEV +DEVICE +SLOT +DESC +PENDING +FLAGS' "$f"
	for dev in $(rv_jq "$gt" '.md.md0.members | keys[]'); do
		rv_line "$sc: text member row $dev" \
			"^  [0-9a-f]{16}  $dev +$(rv_jq "$gt" ".md.md0.members.$dev.slot") +[0-9]+ +$(rv_jq "$j" "$A.members[] | select(.device == \"$dev\") | .nr_pending")  In_sync" "$f"
	done
	rv_eq "$sc: text has no error line" 0 "$(grep -c 'error' "$o/r1conf.txt")"
	rv_line "$sc: help has an example" '^EXAMPLE' "$o/help.txt"
	rv_line "$sc: help example uses the crash prompt" '^    crash> r1conf' "$o/help.txt"
}

check_healthy() {
	local o=$OUT/healthy j=$OUT/healthy/md.json C='.arrays[0].conf'
	rv_eq "healthy: array_frozen" 0 "$(rv_jq "$j" "$C.array_frozen")"
	local k
	for k in nr_pending_sum nr_waiting_sum nr_queued_sum barrier_sum \
		unqueued_pending nr_sync_pending retry_list_count \
		bio_end_io_list_count pending_bio_list_count; do
		rv_eq "healthy: $k" 0 "$(rv_jq "$j" "$C.$k")"
	done
	rv_eq "healthy: no non-zero bucket" 0 "$(rv_jq "$j" "$C.buckets | length")"
	rv_eq "healthy: nobody on wait_barrier" 0 "$(rv_jq "$j" "$C.wait_barrier | length")"
	rv_line "healthy: -b says all buckets are zero" '^  \(all 1024 barrier buckets are zero\)$' \
		"$o/r1conf-bw.txt"
	rv_line "healthy: -w says no waiter" '^  \(no task waits on wait_barrier\)$' \
		"$o/r1conf-bw.txt"
}

check_frozen() {
	local o=$OUT/raid1-frozen j=$OUT/raid1-frozen/md.json gt=$OUT/raid1-frozen/gt.json
	local A='.arrays[0]' C='.arrays[0].conf'
	rv_eq "frozen: array_frozen" 1 "$(rv_jq "$j" "$C.array_frozen")"
	rv_cmp "frozen: unqueued_pending" "$(rv_jq "$j" "$C.unqueued_pending")" -ge \
		"$(rv_jq "$gt" '.set.expect.unqueued_pending_min')"
	# The stuck writes are on the throttled member.
	local stuck
	stuck=$(rv_jq "$gt" '.set.expect.stuck_in_device')
	rv_cmp "frozen: $stuck rdev nr_pending" \
		"$(rv_jq "$j" "$A.members[] | select(.device == \"$stuck\") | .nr_pending")" -gt 0
	rv_eq "frozen: $stuck holds the device's in-flight writes" \
		"$(rv_jq "$gt" ".inflight.$stuck[1]")" \
		"$(rv_jq "$j" "$A.members[] | select(.device == \"$stuck\") | .nr_pending")"
	rv_cmp "frozen: non-zero buckets" "$(rv_jq "$j" "$C.buckets | length")" -gt 0
	# The quiesce (mdadm --grow --bitmap) sleeps in freeze_array on
	# wait_barrier.
	local qpid
	qpid=$(rv_jq "$gt" '.background_pids.quiesce')
	rv_eq "frozen: quiesce pid $qpid waits on wait_barrier" mdadm \
		"$(rv_jq "$j" "$C.wait_barrier[] | select(.pid == $qpid) | .comm")"
	rv_eq "frozen: quiesce task state" UN \
		"$(rv_jq "$j" "$C.wait_barrier[] | select(.pid == $qpid) | .state_name")"
	rv_line "frozen: -b bucket table" \
		"^  BUCKET +NR_PENDING +NR_WAITING +NR_QUEUED +BARRIER" "$o/r1conf-bw.txt"
	local b0
	b0=$(rv_jq "$j" "$C.buckets[0] | \"\(.idx) +\(.nr_pending) +\(.nr_waiting) +\(.nr_queued) +\(.barrier)\"")
	rv_line "frozen: -b first bucket row" "^ +$b0\$" "$o/r1conf-bw.txt"
	rv_line "frozen: -w lists the quiesce" \
		"^  [0-9a-f]{16}  [0-9a-f]{16} +$qpid  mdadm +UN" "$o/r1conf-bw.txt"
	# Where each waiter sleeps, from the return addresses on its stack:
	# the guest's /proc/PID/stack and wchan (ground truth) name the same
	# first md frame; the freezer and the I/O it holds are told apart.
	local W="($C.wait_barrier[], $A.sb_wait[])" want pid
	want=$(rv_jq "$gt" '.truth.quiesce_stack' | head -1 | sed 's/^\[<0>\] //; s|/0x[0-9a-f]*||')
	rv_eq "frozen: quiesce sleeps at /proc/$qpid/stack's first frame" "$want" \
		"$(rv_jq "$j" "$W | select(.pid == $qpid) | .sleeps_at")"
	rv_eq "frozen: quiesce is the freezer" freezer \
		"$(rv_jq "$j" "$W | select(.pid == $qpid) | .role")"
	rv_line "frozen: -w says where mdadm sleeps" \
		"^  [0-9a-f]{16}  [0-9a-f]{16} +$qpid  mdadm +UN +freeze_array\+0x[0-9a-f]+ \[raid1\] +freezer$" \
		"$o/r1conf-bw.txt"
	local nw=0
	for pid in $(rv_jq "$j" "$W | .pid"); do
		nw=$((nw + 1))
		rv_eq "frozen: waiter $pid sleeps in its wchan" \
			"$(rv_jq "$gt" ".tasks[\"$pid\"].wchan")" \
			"$(rv_jq "$j" "$W | select(.pid == $pid) | .sleeps_in")"
	done
	rv_cmp "frozen: waiters on wait_barrier and sb_wait" "$nw" -ge 2
	rv_line "frozen: -w lists the sb_wait waiters" "^  SB_WAIT +TASK" "$o/r1conf-bw.txt"

	# Selection by address needs addresses from the facts: a second,
	# short session. An r1conf address selects its array; any other
	# address (here an rdev) is decoded as a lone r1conf, and the decoder
	# says that its ->mddev->private does not point back.
	local conf rdev
	conf=$(rv_jq "$j" "$C.addr")
	rdev=$(rv_jq "$j" "$A.members[0].addr")
	# crash's own reading of the freezer's frame: the stack word (rd) and
	# its symbol (sym).
	local slot ra
	slot=$(rv_jq "$j" "$C.wait_barrier[] | select(.pid == $qpid) | .stack.frames[] | select(.function == \"freeze_array\") | .slot")
	ra=$(rv_jq "$j" "$C.wait_barrier[] | select(.pid == $qpid) | .stack.frames[] | select(.function == \"freeze_array\") | .addr")
	rv_crash "$o/vmcore" "$o/crash-sel.log" \
		"rd ${slot#0x} > $o/rd-slot.txt" "sym ${ra#0x} > $o/sym-ra.txt" \
		"r1conf -j $conf > $o/sel-conf.json" \
		"r1conf -j ${rdev#0x} > $o/sel-rdev.json" \
		"r1conf ${rdev#0x} > $o/sel-rdev.txt"
	rv_eq "frozen: freezer's stack word = crash rd" "${ra#0x}" \
		"$(awk '{ print $2 }' "$o/rd-slot.txt" 2>/dev/null)"
	rv_eq "frozen: freezer's frame = crash sym" \
		"$(rv_jq "$j" "$C.wait_barrier[] | select(.pid == $qpid) | .stack.frames[] | select(.function == \"freeze_array\") | \"\\(.function)+\\(.offset) [\\(.module)]\"")" \
		"$(sed -n 's/^[0-9a-f]* ([tT]) \([a-z_0-9]*+[0-9]* \[[a-z0-9_]*\]\) *$/\1/p' "$o/sym-ra.txt")"
	rv_eq "frozen: r1conf CONF-ADDR selects md0" "$(rv_jq "$j" "$A.addr")" \
		"$(rv_jq "$o/sel-conf.json" '.arrays | select(length == 1) | .[0].addr')"
	rv_eq "frozen: r1conf RDEV-ADDR is a lone r1conf" false \
		"$(rv_jq "$o/sel-rdev.json" '.arrays[0].in_all_mddevs')"
	rv_eq "frozen: ... whose mddev does not point back" false \
		"$(rv_jq "$o/sel-rdev.json" '.arrays[0].conf.mddev_private_matches')"
	rv_line "frozen: ... and the text says so" '^r1conf not reached from all_mddevs' \
		"$o/sel-rdev.txt"
	rv_line "frozen: ... with the reason inline" '^  error: conf->mddev->private is' \
		"$o/sel-rdev.txt"
}

check_degraded() {
	local j=$OUT/raid1-degraded/md.json gt=$OUT/raid1-degraded/gt.json
	local A='.arrays[0]'
	rv_eq "degraded: degraded" 1 "$(rv_jq "$j" "$A.degraded")"
	rv_eq "degraded: raid_disks" 3 "$(rv_jq "$j" "$A.raid_disks")"
	rv_eq "degraded: members = raid_disks - 1" \
		"$(rv_calc '$1 - 1' "$(rv_jq "$j" "$A.raid_disks")")" \
		"$(rv_jq "$j" "$A.members | length")"
	rv_eq "degraded: members = mdadm Active Devices" \
		"$(rv_jq "$gt" '.mdadm_detail.md0["Active Devices"]')" \
		"$(rv_jq "$j" "$A.members | length")"
	rv_eq "degraded: mirrors = members" "$(rv_jq "$j" "$A.members | length")" \
		"$(rv_jq "$j" "$A.conf.mirrors | length")"
}

scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(healthy raid1-frozen raid1-degraded)
for sc in "${scenarios[@]}"; do
	echo "# $sc"
	if ! run_session "$sc"; then
		rv_not_ok "$sc: no dump or crash failed (see above)"
		continue
	fi
	if [ ! -s "$OUT/$sc/md.json" ]; then
		rv_not_ok "$sc: r1conf -j wrote nothing"
		sed 's/^/# /' "$OUT/$sc/crash.log" | tail -20
		continue
	fi
	check_common "$sc"
	case $sc in
	healthy) check_healthy ;;
	raid1-frozen) check_frozen ;;
	raid1-degraded) check_degraded ;;
	esac
done
rv_summary

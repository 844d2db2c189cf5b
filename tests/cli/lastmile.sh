#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The support engineer's last mile on the rig dumps, checked against the
# guest's ground truth (ground-truth.json) and crash's own reads:
#  - disks of any block driver (rvblk) through the gendisk's parent device:
#    virtio.devices[].disk, irq.by_device[].disk, blk.disks[].driver_module
#    and its taint, `show virtio DISK`;
#  - the panic context of fq-panic against crash and the console;
#  - where each raid1 waiter sleeps (its kernel stack's return addresses,
#    symbolised) against the guest's /proc/PID/stack and wchan, on both
#    kernels and with both type sources, and in triage.
#
# Usage: tests/cli/lastmile.sh

. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# dump_of SCENARIO: the cached rig dump directory (the rig builds it).
dump_of() {
	local dir
	dir=$(rv_dump_dir "$1") || return 1
	[ -f "$dir/vmcore" ] || return 1
	echo "$dir"
}

# Every bound rvblk device shows the disk the guest named, in the virtio
# and irq sections; the disk's driver is the module rvblk, tainted OE
# (out-of-tree, unsigned: what the guest's /proc/modules says).
check_disks() {
	local sc=$1 dir j=$WORK/$1.json
	if ! dir=$(dump_of "$sc"); then
		rv_not_ok "$sc: no rig dump"
		return
	fi
	"$RV_CLI" facts --json "$dir/vmcore" >"$j" 2>"$WORK/$sc.err"
	local gt=$dir/ground-truth.json n=0 v want
	for v in $(rv_jq "$gt" '.rvblk | keys[]'); do
		want=$(rv_jq "$gt" ".rvblk.$v.disk")
		n=$((n + 1))
		rv_eq "$sc: $v disk (virtio)" "$want" \
			"$(rv_jq "$j" ".virtio.devices[] | select(.name == \"$v\") | .disk")"
		rv_eq "$sc: $want parent device (blk)" "$v" \
			"$(rv_jq "$j" ".blk.disks[] | select(.name == \"$want\") | .parent")"
		rv_eq "$sc: $want driver module" "rvblk" \
			"$(rv_jq "$j" ".blk.disks[] | select(.name == \"$want\") | .driver_module")"
	done
	rv_cmp "$sc: rvblk devices in the ground truth" "$n" -ge 2
	# irq.by_device: every device with queue irqs names its disk.
	local nodisk
	nodisk=$(rv_jq "$j" '[.irq.by_device[] | select(.device | startswith("virtio")) | select(.disk == null)] | length')
	rv_eq "$sc: virtio devices in irq.by_device without a disk" 0 "$nodisk"
	rv_cmp "$sc: virtio devices in irq.by_device" \
		"$(rv_jq "$j" '[.irq.by_device[] | select(.device | startswith("virtio"))] | length')" -ge 2
	# crash's own reading of the module's taint (mod -t).
	local taint
	rv_crash "$dir/vmcore" "$WORK/$sc.crash" "mod -t > $WORK/$sc.modt"
	taint=$(awk '$1 == "rvblk" { print $2 }' "$WORK/$sc.modt" 2>/dev/null)
	rv_eq "$sc: rvblk taint = crash mod -t" "$taint" \
		"$(rv_jq "$j" '[.blk.disks[] | select(.driver_module == "rvblk") | .driver_module_taint] | unique | join(",")')"
	# A selection by disk name finds the device.
	rv_match "$sc: show virtio rvblk1" '^DEVICE.*DISK.*'$'\n''virtio1 .*rvblk1' \
		"$("$RV_CLI" show virtio "$dir/vmcore" rvblk1 2>&1)"
}

for sc in lost-interrupt vector-exhaustion; do
	check_disks "$sc"
done

# fq-panic: the panic context names the hctx in the fault's registers, and
# crash agrees on every value: kmem (cache, allocated), struct (fq, queue),
# the console's register dump, mod -t; triage has no placeholders.
check_fq_panic() {
	local sc=fq-panic dir j=$WORK/fq.json
	if ! dir=$(dump_of "$sc"); then
		rv_not_ok "$sc: no rig dump"
		return
	fi
	"$RV_CLI" facts --json "$dir/vmcore" >"$j" 2>"$WORK/fq.err"
	local C='.dump.panic.context'
	local hctx rax
	hctx=$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.addr")
	rv_match "$sc: hctx found in the panic context" '^0xffff[0-9a-f]{12}$' "$hctx"
	# the console's own register dump (the guest's serial log)
	rax=$(sed -n 's/.*RAX: \([0-9a-f]*\) RBX: \([0-9a-f]*\).*/\1/p' "$dir/console.log" | head -1)
	rv_eq "$sc: RAX = console" "0x$rax" "$(rv_jq "$j" "$C.registers.rax.value")"
	rv_eq "$sc: RBX = console" \
		"0x$(sed -n 's/.*RBX: \([0-9a-f]*\) RCX.*/\1/p' "$dir/console.log" | head -1)" \
		"$(rv_jq "$j" "$C.registers.rbx.value")"
	rv_eq "$sc: hctx in" "rbx,rdx" "$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.in | join(\",\")")"
	rv_eq "$sc: RAX poison" "LIST_POISON2" "$(rv_jq "$j" "$C.registers.rax.is.poison")"
	rv_eq "$sc: fault address" "0xdead000000000162" "$(rv_jq "$j" "$C.fault_address")"
	rv_eq "$sc: rip symbol" "blk_mq_exit_hctx+0x2e/0x1c0" "$(rv_jq "$j" "$C.rip_symbol")"
	rv_eq "$sc: call trace frames (reliable)" 10 "$(rv_jq "$j" "$C.call_trace | length")"
	rv_eq "$sc: hctx disk" "rvblk0" "$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.disk")"
	rv_eq "$sc: tag set owner" "rvblk" "$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.driver_module")"
	# crash's own reads of the same objects
	local h=${hctx#0x} q
	q=$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.queue_addr")
	rv_crash "$dir/vmcore" "$WORK/fq.crash" "kmem $h > $WORK/fq.kmem" \
		"struct blk_mq_hw_ctx.fq,queue $h > $WORK/fq.struct" \
		"struct request_queue.disk ${q#0x} > $WORK/fq.qdisk" \
		"mod -t > $WORK/fq.modt" "raidvirt > $WORK/fq.raidvirt" \
		"hctxfq -j $h > $WORK/fq.sel-hctx.json" "hctxfq $h > $WORK/fq.sel-hctx.txt" \
		"hctxfq -j ${q#0x} > $WORK/fq.sel-queue.json" "hctxfq -j > $WORK/fq.sel-none.json" \
		"hctxfq -j rvblk0 > $WORK/fq.sel-name.json"
	rv_eq "$sc: hctx cache = crash kmem" \
		"$(awk 'NR == 2 { print $NF }' "$WORK/fq.kmem")" \
		"$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.cache")"
	rv_match "$sc: hctx allocated per crash kmem" "\[$h\]" "$(cat "$WORK/fq.kmem")"
	rv_eq "$sc: hctx live" true "$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.live")"
	rv_eq "$sc: fq = crash struct" \
		"$(sed -n 's/.*fq = \(0x[0-9a-f]*\).*/\1/p' "$WORK/fq.struct")" \
		"$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.fq.addr" | sed 's/^0x0*/0x/')"
	rv_eq "$sc: queue = crash struct" \
		"$(sed -n 's/.*queue = \(0x[0-9a-f]*\).*/\1/p' "$WORK/fq.struct")" \
		"$(echo "$q" | sed 's/^0x0*/0x/')"
	rv_eq "$sc: queue disk = crash struct" \
		"$(sed -n 's/.*disk = \(0x[0-9a-f]*\).*/\1/p' "$WORK/fq.qdisk")" \
		"$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.disk_addr" | sed 's/^0x0*/0x/')"
	rv_eq "$sc: tag set owner taint = crash mod -t" \
		"$(awk '$1 == "rvblk" { print $2 }' "$WORK/fq.modt")" \
		"$(rv_jq "$j" "$C.objects.blk_mq_hw_ctx.driver_module_taint")"
	# hctxfq takes an hctx address, a queue address or the disk's name,
	# told apart by slab cache; with none it reaches the torn-down queue
	# (its disk is unregistered) through the panic context. crash and
	# `show blk` (the CLI) alike.
	local fqv sel
	fqv=$(sed -n 's/.*fq = \(0x[0-9a-f]*\).*/\1/p' "$WORK/fq.struct")
	rv_eq "$sc: crash struct says the fq is LIST_POISON2" 0xdead000000000122 "$fqv"
	for sel in hctx:$hctx queue:$q none: name:rvblk0; do
		local what=${sel%%:*} arg=${sel#*:} cj=$WORK/fq.sel-${sel%%:*}.json lj=$WORK/fq.cli-${sel%%:*}.json
		"$RV_CLI" show blk -j "$dir/vmcore" $arg >"$lj" 2>/dev/null
		for jf in "$cj" "$lj"; do
			local who=crash
			[ "$jf" == "$lj" ] && who=CLI
			rv_eq "$sc ($who hctxfq $what): one disk, rvblk0" rvblk0 \
				"$(rv_jq "$jf" '.disks | select(length == 1) | .[0].name')"
			rv_eq "$sc ($who hctxfq $what): its queue" "$q" "$(rv_jq "$jf" '.disks[0].queue_addr')"
			rv_eq "$sc ($who hctxfq $what): the hctx's fq = crash struct" "$fqv" \
				"$(rv_jq "$jf" ".disks[0].hctx[] | select(.addr == \"$hctx\") | .fq.addr" | sed 's/^0x0*/0x/')"
			rv_eq "$sc ($who hctxfq $what): fq poison" LIST_POISON2 \
				"$(rv_jq "$jf" ".disks[0].hctx[] | select(.addr == \"$hctx\") | .fq.poison")"
		done
	done
	rv_eq "$sc: hctxfq HCTX is told an hctx (slab cache)" blk_mq_hw_ctx \
		"$(rv_jq "$WORK/fq.sel-hctx.json" '.disks[0].selected')"
	rv_eq "$sc: ... and its slab cache = crash kmem" \
		"$(awk 'NR == 2 { print $NF }' "$WORK/fq.kmem")" \
		"$(rv_jq "$WORK/fq.sel-hctx.json" '.disks[0].slab.cache')"
	rv_eq "$sc: hctxfq QUEUE is told a request_queue" request_queue \
		"$(rv_jq "$WORK/fq.sel-queue.json" '.disks[0].selected')"
	rv_eq "$sc: hctxfq alone reaches it through the panic context" "panic context" \
		"$(rv_jq "$WORK/fq.sel-none.json" '.disks[0].via')"
	rv_match "$sc: hctxfq HCTX text: the poisoned fq" \
		"fq dead000000000122: poison \\(LIST_POISON2\\)" "$(cat "$WORK/fq.sel-hctx.txt")"
	# triage (CLI) and crash's raidvirt: the finding names everything.
	local t
	t=$("$RV_CLI" triage "$dir/vmcore" 2>&1)
	rv_eq "$sc: singular CPU count in the headline (one CPU left online at the panic)" \
		"1 CPU online" "$(grep -o '[0-9]* CPUs* online' <<<"$t" | head -1)"
	for out in "$t" "$(cat "$WORK/fq.raidvirt")"; do
		local who=CLI
		[ "$out" == "$t" ] || who=crash
		local f
		f=$(sed -n '/blk-invalid-flush-queue/,/evidence:/p' <<<"$out" | tr '\n' ' ' | tr -s ' ')
		rv_match "$sc ($who): finding names the live hctx" \
			"rvblk0 hctx 0 \\($hctx \\(live kmalloc-512 object" "$f"
		rv_match "$sc ($who): fq value and poison class" \
			"0xdead000000000122 \\(LIST_POISON2\\) in rax" "$f"
		rv_match "$sc ($who): driver" "owned by rvblk \\(module, taint OE\\)" "$f"
		rv_eq "$sc ($who): teardown RIP listed once" 1 \
			"$(grep -o 'blk_mq_exit_hctx+0x2e' <<<"$f" | wc -l)"
		rv_cmp "$sc ($who): evidence lines" \
			"$(sed -n '/evidence:/,/facts:/p' <<<"$out" | grep -cE '^    [a-z_]+ ')" -ge 8
		rv_eq "$sc ($who): ? or - placeholders in the evidence" 0 \
			"$(sed -n '/evidence:/,/facts:/p' <<<"$out" | grep -cE '^    [a-z_]+ +(\?|-)$')"
	done
}
check_fq_panic

# Every task on conf->wait_barrier and mddev->sb_wait: sleeps_in is the
# guest's wchan, sleeps_at its /proc/PID/stack's first frame, and that
# stack's frames (clone suffixes dropped) appear in order among the
# scanned ones. The freezer (6.1: freeze_array) or suspender (6.12:
# mddev_suspend) is the quiesce task, and triage names it.
# check_waiters LABEL DIR CLI-OPTIONS...
check_waiters() {
	local label=$1 dir=$2 j=$WORK/waiters.json
	shift 2
	local gt=$dir/ground-truth.json
	"$RV_CLI" facts --json "$@" "$dir/vmcore" >"$j" 2>"$WORK/waiters.err"
	rv_eq "$label: facts exit status" 0 "$?"
	local W='(.md.arrays[0].conf.wait_barrier[], .md.arrays[0].sb_wait[])' pid n=0
	for pid in $(rv_jq "$j" "$W | .pid"); do
		n=$((n + 1))
		rv_eq "$label: pid $pid sleeps in its wchan" "$(rv_jq "$gt" ".tasks[\"$pid\"].wchan")" \
			"$(rv_jq "$j" "$W | select(.pid == $pid) | .sleeps_in")"
		rv_eq "$label: pid $pid sleeps at its /proc stack's first frame" \
			"$(rv_jq "$gt" ".tasks[\"$pid\"].stack[0] | sub(\"/0x[0-9a-f]+$\"; \"\")")" \
			"$(rv_jq "$j" "$W | select(.pid == $pid) | .sleeps_at | sub(\" \\\\[.*\\\\]$\"; \"\")")"
		rv_eq "$label: pid $pid /proc stack frames in order among the scanned" true \
			"$(jq -r --slurpfile gt "$gt" --arg pid "$pid" \
				-f "$(dirname "$0")/stack_in_order.jq" "$j" 2>&1)"
	done
	rv_cmp "$label: waiters with a stack" "$n" -ge 2
	local q
	q=$(rv_jq "$gt" .background_pids.quiesce)
	rv_match "$label: the quiesce task $q holds the array" '^(freezer|suspender)$' \
		"$(rv_jq "$j" "$W | select(.pid == $q) | .role")"
	rv_eq "$label: no facts errors" 0 "$(rv_jq "$j" '.errors | length')"
	rv_match "$label: triage names where the quiesce task sleeps" \
		"freezer +[a-z]+\\[$q\\] in $(rv_jq "$gt" .truth.quiesce_wchan)\\+0x" \
		"$("$RV_CLI" triage "$@" "$dir/vmcore" 2>&1)"
}

if dir=$(dump_of raid1-frozen); then
	check_waiters "raid1-frozen (dwarf)" "$dir" --types dwarf
	check_waiters "raid1-frozen (btf)" "$dir" --types btf
	rv_eq "raid1-frozen: mdadm sleeps in freeze_array (6.1)" freeze_array \
		"$(rv_jq "$dir/ground-truth.json" .truth.quiesce_wchan)"
else
	rv_not_ok "raid1-frozen: no rig dump"
fi
dir=$(python3 "$RV_ROOT/dumps/rig.py" path raid1-frozen --kernel "${RV_KERNEL612:-debian13-cloud}" 2>&1)
if [ -f "$dir/vmcore" ]; then
	check_waiters "raid1-frozen@6.12 (dwarf)" "$dir" --vmlinux "$(jq -r .vmlinux "$dir/meta.json")" \
		--debuginfo "$(jq -r .module_debuginfo_dir "$dir/meta.json")" --types dwarf
	check_waiters "raid1-frozen@6.12 (btf)" "$dir" --types btf
else
	rv_not_ok "raid1-frozen@6.12: no rig dump ($dir)"
fi

# fq-panic on 6.12 (crash cannot open it): the CLI reaches the torn-down
# queue through the panic context and by the hctx's address, and triage
# names everything.
dir=$(python3 "$RV_ROOT/dumps/rig.py" path fq-panic --kernel "${RV_KERNEL612:-debian13-cloud}" 2>&1)
if [ -f "$dir/vmcore" ]; then
	j=$WORK/fq612.json
	"$RV_CLI" facts --json "$dir/vmcore" >"$j" 2>/dev/null
	hctx=$(rv_jq "$j" '.dump.panic.context.objects.blk_mq_hw_ctx.addr')
	rv_match "fq-panic@6.12: hctx in the panic context" '^0xffff[0-9a-f]{12}$' "$hctx"
	rv_eq "fq-panic@6.12: blk reaches rvblk0 through the panic context" "rvblk0 panic context" \
		"$(rv_jq "$j" '.blk.disks[] | select(.via) | "\(.name) \(.via)"')"
	"$RV_CLI" show blk -j "$dir/vmcore" "$hctx" >"$WORK/fq612-sel.json" 2>/dev/null
	rv_eq "fq-panic@6.12: show blk HCTX is an hctx" blk_mq_hw_ctx \
		"$(rv_jq "$WORK/fq612-sel.json" '.disks[0].selected')"
	rv_eq "fq-panic@6.12: ... its fq LIST_POISON2" "0xdead000000000122 LIST_POISON2" \
		"$(rv_jq "$WORK/fq612-sel.json" ".disks[0].hctx[] | select(.addr == \"$hctx\") | \"\\(.fq.addr | sub(\"^0x0*\"; \"0x\")) \\(.fq.poison)\"")"
	t=$("$RV_CLI" triage "$dir/vmcore" 2>&1)
	rv_match "fq-panic@6.12: triage names the live hctx, fq, disk and driver" \
		"rvblk0 hctx 0 \\($hctx \\(live kmalloc-[0-9]+ object.*0xdead000000000122 \\(LIST_POISON2\\).*owned by rvblk \\(module, taint OE\\)" \
		"$(sed -n '/blk-invalid-flush-queue/,/evidence:/p' <<<"$t" | tr '\n' ' ' | tr -s ' ')"
	rv_eq "fq-panic@6.12: ? or - placeholders in the evidence" 0 \
		"$(sed -n '/evidence:/,/facts:/p' <<<"$t" | grep -cE '^    [a-z_]+ +(\?|-)$')"
else
	rv_not_ok "fq-panic@6.12: no rig dump ($dir)"
fi

rv_summary

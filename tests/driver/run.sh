#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The reference driver (driver/, rvblk) and the dumps it makes possible.
#
# 1. rvblk builds warning-free against the rig kernel's headers, with its
#    parameters documented ("Default:").
# 2. The rig builds vector-exhaustion, lost-interrupt and fq-panic (cached
#    under build/dumps), and the crash extension (`raidvirt -j`, plus crash's
#    own `p` / `sys`) and the CLI (`facts --json`, `triage --json`) decode
#    them to their ground truth; the rules made for them fire.
#
# Usage: tests/driver/run.sh          (RV_KEEP=1 keeps the work directory)

. "$(dirname "$0")/../lib.sh"

OUT=$(mktemp -d)
trap '[ -n "${RV_KEEP:-}" ] || rm -rf "$OUT"' EXIT

# --- 1. the module ---------------------------------------------------------
build_module() {
	make -C "$RV_ROOT/driver" clean >/dev/null 2>&1
	if ! make -C "$RV_ROOT/driver" >"$OUT/build.log" 2>&1; then
		rv_not_ok "driver builds (make -C driver): $(tail -5 "$OUT/build.log")"
		return
	fi
	rv_ok "driver builds (make -C driver)"
	rv_eq "driver build warnings" 0 "$(grep -ci 'warning' "$OUT/build.log")"
	local ko=$RV_ROOT/driver/rvblk.ko info
	info=$(modinfo "$ko" 2>/dev/null)
	rv_eq "rvblk license" "GPL" "$(sed -n 's/^license: *//p' <<<"$info")"
	rv_eq "rvblk vermagic release" "$RV_RELEASE" \
		"$(sed -n 's/^vermagic: *\([^ ]*\).*/\1/p' <<<"$info")"
	rv_eq "rvblk alias (virtio device id 2)" "virtio:d00000002v*" \
		"$(sed -n 's/^alias: *//p' <<<"$info")"
	local params undocumented
	params=$(grep -c '^parm:' <<<"$info")
	undocumented=$(grep '^parm:' <<<"$info" | grep -vc 'Default:')
	rv_cmp "rvblk parameters" "$params" -ge 4
	rv_eq "rvblk parameters without Default:" 0 "$undocumented"
}

# facts through crash (raidvirt -j) and through the CLI, triage findings
decode() {
	local scn=$1 dir=$2 w=$OUT/$1
	shift 2
	mkdir -p "$w"
	rv_crash "$dir/vmcore" "$w/crash.out" "raidvirt -j > $w/ext.json" "$@"
	"$RV_CLI" facts --json "$dir/vmcore" >"$w/cli.json" 2>"$w/cli.err"
	"$RV_CLI" triage --json "$dir/vmcore" >"$w/triage.json" 2>"$w/triage.err"
	if jq -e '.schema' "$w/ext.json" >/dev/null 2>&1; then
		rv_ok "$scn: raidvirt -j gave a facts document"
	else
		rv_not_ok "$scn: raidvirt -j gave no facts (see $w/crash.out)"
	fi
	if jq -e '.schema' "$w/cli.json" >/dev/null 2>&1; then
		rv_ok "$scn: raidvirt facts --json gave a facts document"
	else
		rv_not_ok "$scn: raidvirt facts --json failed: $(head -3 "$w/cli.err")"
	fi
}

fires() {
	local scn=$1 rule=$2
	rv_eq "$scn: rule $rule fires" "$rule" \
		"$(rv_jq "$OUT/$scn/triage.json" "[.findings[]?.rule] | map(select(. == \"$rule\")) | first // \"\"")"
}

# crash prints `$1 = 42`; the value after "= ".
crash_value() {
	sed -n 's/^\$[0-9]* = \(.*\)$/\1/p' "$1" | tail -1
}

# --- 2a. vector-exhaustion ---------------------------------------------------
check_vector_exhaustion() {
	local scn=vector-exhaustion dir w=$OUT/vector-exhaustion
	if ! dir=$(rv_dump_dir $scn); then
		rv_not_ok "$scn: dump build"
		return
	fi
	rv_ok "$scn: dump ready in $dir"
	local gt=$dir/ground-truth.json
	mkdir -p "$w"
	decode $scn "$dir" "p vector_matrix->global_available > $w/p_avail.txt" \
		"p vector_matrix->total_allocated > $w/p_alloc.txt"

	# What the guest saw: every outcome of vp_find_vqs's fallback chain.
	rv_cmp "$scn: disks with per-queue managed vectors" \
		"$(rv_jq "$gt" '[.rvblk[] | select(.irq_mode == "msix-per-vq" and .managed)] | length')" -ge 2
	rv_cmp "$scn: disks that fell back to one shared MSI-X vector" \
		"$(rv_jq "$gt" '[.rvblk[] | select(.irq_mode == "msix-shared")] | length')" -ge 1
	local failed
	failed=$(rv_jq "$gt" '.truth.bind' | grep -c ' failed$')
	rv_cmp "$scn: disks on INTx or without a driver (probe failed)" \
		"$(rv_jq "$gt" "([.rvblk[] | select(.irq_mode == \"intx\")] | length) + $failed")" -ge 1
	rv_eq "$scn: unbound virtio devices = failed binds" "$failed" \
		"$(rv_jq "$gt" '[.virtio_drivers[] | select(.driver == "")] | length')"
	rv_eq "$scn: guest irq debugfs" "unavailable" \
		"$(grep -q 'no irq debugfs' <<<"$(rv_jq "$gt" '.truth.debugfs_irq')" && echo unavailable || echo present)"

	# The matrix: extension = CLI = crash's own p.
	local avail
	avail=$(crash_value "$w/p_avail.txt")
	rv_eq "$scn: ext matrix.global_available = crash p" "$avail" \
		"$(rv_jq "$w/ext.json" '.irq.matrix.global_available')"
	rv_eq "$scn: cli matrix.global_available = crash p" "$avail" \
		"$(rv_jq "$w/cli.json" '.irq.matrix.global_available')"
	rv_eq "$scn: matrix.total_allocated = crash p" "$(crash_value "$w/p_alloc.txt")" \
		"$(rv_jq "$w/cli.json" '.irq.matrix.total_allocated')"
	rv_eq "$scn: vector space exhausted (global_available)" 0 "$avail"

	# by_device: each per-queue managed rvblk disk, with the reservations its
	# masks imply: min(Q, cpus) single-CPU vectors (the spread set) plus
	# Q - that many all-CPU vectors (rvblk wide_irqs), one per online CPU.
	local cpus v q expect_res got total_res=0
	cpus=$(rv_jq "$gt" '.cpus.online_count')
	for v in $(rv_jq "$gt" '.rvblk | to_entries[] | select(.value.irq_mode == "msix-per-vq" and .value.managed) | .key'); do
		q=$(rv_jq "$gt" ".rvblk[\"$v\"].nr_queues")
		local spread=$((q < cpus ? q : cpus))
		expect_res=$((spread + (q - spread) * cpus))
		total_res=$((total_res + expect_res))
		got=$(rv_jq "$w/cli.json" "[.irq.by_device[]? | select(.device == \"$v\")][0] | \"\(.irqs) \(.reserved)\"")
		rv_eq "$scn: by_device $v ($q queues): irqs reserved" "$q $expect_res" "$got"
		rv_eq "$scn: ext by_device $v = cli" "$got" \
			"$(rv_jq "$w/ext.json" "[.irq.by_device[]? | select(.device == \"$v\")][0] | \"\(.irqs) \(.reserved)\"")"
	done
	for v in $(rv_jq "$gt" '.rvblk | to_entries[] | select(.value.irq_mode != "msix-per-vq") | .key'); do
		rv_eq "$scn: $v (no managed vectors) absent from by_device" 0 \
			"$(rv_jq "$w/cli.json" "[.irq.by_device[]? | select(.device == \"$v\")] | length")"
	done
	# The per-CPU maps' managed reservations (matrix) against what the
	# guest's rvblk queues imply, not against another part of the same file.
	rv_cmp "$scn: managed rvblk disks in the ground truth" "$total_res" -gt 0
	rv_eq "$scn: matrix managed reservations = the rvblk disks' (ground truth)" \
		"$total_res" "$(rv_jq "$w/cli.json" '.irq.matrix.managed_sum')"
	fires $scn irq-vector-exhaustion-managed
}

# --- 2b. lost-interrupt ------------------------------------------------------
check_lost_interrupt() {
	local scn=lost-interrupt dir w=$OUT/lost-interrupt
	if ! dir=$(rv_dump_dir $scn); then
		rv_not_ok "$scn: dump build"
		return
	fi
	rv_ok "$scn: dump ready in $dir"
	local gt=$dir/ground-truth.json
	decode $scn "$dir"
	local held disk inflight
	held=$(rv_jq "$gt" '.set.held.virtio')
	disk=$(rv_jq "$gt" '.set.held.guest')
	inflight=$(rv_jq "$gt" ".inflight[\"$disk\"] | add")
	rv_cmp "$scn: $disk requests in flight in the guest" "$inflight" -ge 1
	rv_eq "$scn: guest says the quiesce waits in" freeze_array "$(rv_jq "$gt" '.truth.quiesce_wchan')"
	local f sel
	for f in ext cli; do
		sel="[.virtio.devices[]? | select(.name == \"$held\") | .vqs[0]][0]"
		rv_eq "$scn: $f: $held req.0 unreaped = guest in-flight" "$inflight" \
			"$(rv_jq "$w/$f.json" "$sel.unreaped")"
		rv_eq "$scn: $f: $held req.0 driver" rvblk \
			"$(rv_jq "$w/$f.json" "[.virtio.devices[]? | select(.name == \"$held\") | .driver][0]")"
		rv_eq "$scn: $f: md0 array_frozen" 1 \
			"$(rv_jq "$w/$f.json" '[.md.arrays[]? | select(.name == "md0") | .array_frozen // .conf.array_frozen][0]')"
	done
	rv_eq "$scn: other vqs have nothing unreaped" 0 \
		"$(rv_jq "$w/cli.json" "[.virtio.devices[]? | select(.name != \"$held\") | .vqs[]?.unreaped] | add")"
	fires $scn virtio-lost-interrupt
	fires $scn raid1-freeze-hang
	rv_eq "$scn: lost interrupt finding names $held" "$held" \
		"$(rv_jq "$w/triage.json" '[.findings[]? | select(.rule == "virtio-lost-interrupt") | .evidence.device // .evidence.vdev // empty][0] // ""' | grep -o "$held" | head -1)"
}

# --- 2c. fq-panic --------------------------------------------------------------
check_fq_panic() {
	local scn=fq-panic dir w=$OUT/fq-panic
	if ! dir=$(rv_dump_dir $scn); then
		rv_not_ok "$scn: dump build"
		return
	fi
	rv_ok "$scn: dump ready in $dir"
	local gt=$dir/ground-truth.json
	mkdir -p "$w"
	decode $scn "$dir" "sys > $w/sys.txt"
	rv_eq "$scn: QEMU saw the guest panic" guest-panicked "$(rv_jq "$gt" '.panic.run_state')"
	rv_match "$scn: guest console oops" "general protection fault.*0xdead" \
		"$(rv_jq "$gt" '.panic.console' | head -1)"
	rv_match "$scn: crash sys PANIC line" 'PANIC: .*(Fatal exception|general protection)' \
		"$(grep 'PANIC:' "$w/sys.txt")"
	local f
	for f in ext cli; do
		rv_eq "$scn: $f: dump.panic set" object "$(rv_jq "$w/$f.json" '.dump.panic | type')"
		rv_match "$scn: $f: panic oops" "general protection fault" \
			"$(rv_jq "$w/$f.json" '.dump.panic.oops')"
		rv_match "$scn: $f: panic rip in the flush-queue teardown" "blk_mq_exit_hctx|blk_free_flush_queue" \
			"$(rv_jq "$w/$f.json" '.dump.panic.rip')"
	done
	rv_cmp "$scn: teardown frames in the kernel log" \
		"$(rv_jq "$w/cli.json" '[.log.lines[]?.text | select(test("blk_mq_exit_(hctx|queue)"))] | length')" -ge 1
	fires $scn blk-invalid-flush-queue
}

build_module
check_vector_exhaustion
check_lost_interrupt
check_fq_panic
rv_summary

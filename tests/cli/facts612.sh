#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The standalone program on the Debian 13 6.12 rig dumps, which crash 8.0.2
# cannot open: every scenario's `raidvirt facts` decodes every section with
# no error, and its facts equal what the guest said before the dump
# (ground-truth.json, tests/cli/facts_truth.py): irq descriptors of the
# sparse_irqs maple tree against /sys/kernel/irq, /proc/irq and
# /proc/interrupts; each virtqueue's MSI-X vector -> irq against the PCI
# device's msi_irqs; managed reservations per device; md state against
# mdstat and md sysfs, mddev->active_io against /sys/block/md0/inflight and
# the quiesce task on sb_wait; blk-mq in flight against /sys/block/*/inflight.
# The vmlinux and module debug directory are the ones the rig's meta.json
# names. A dump the rig has not built fails the test.

. "$(dirname "$0")/../lib.sh"

KERNEL=${RV_KERNEL612:-debian13-cloud}
RIG=${RAIDVIRT_RIG:-$RV_ROOT/dumps/rig.py}
# Every scenario the kernel file lists (dumps/kernels/KERNEL.kernel).
SCENARIOS=${RV_SCENARIOS:-$(python3 "$RIG" list --kernel "$KERNEL" | awk '{print $1}')}
rv_cmp "scenarios listed for $KERNEL" "$(echo "$SCENARIOS" | wc -w)" -ge 1
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for sc in $SCENARIOS; do
	dir=$(python3 "$RIG" path "$sc" --kernel "$KERNEL" 2>&1)
	if [ ! -f "$dir/vmcore" ] || [ ! -f "$dir/ground-truth.json" ]; then
		rv_not_ok "$sc@$KERNEL: no dump ($dir; dumps/rig.py build $sc --kernel $KERNEL)"
		continue
	fi
	vmlinux=$(jq -r .vmlinux "$dir/meta.json")
	moddir=$(jq -r .module_debuginfo_dir "$dir/meta.json")
	opts=(--vmlinux "$vmlinux" --debuginfo "$moddir" --debuginfo "$dir")
	"$RV_CLI" facts --json "${opts[@]}" "$dir/vmcore" >"$WORK/facts.json" 2>"$WORK/err"
	rv_eq "$sc@$KERNEL: facts --json exit status" 0 "$?"
	"$RV_CLI" facts "${opts[@]}" "$dir/vmcore" >"$WORK/facts.txt" 2>>"$WORK/err"
	rv_eq "$sc@$KERNEL: facts exit status" 0 "$?"
	rv_eq "$sc@$KERNEL: bytes on stderr ($(head -c 200 "$WORK/err"))" 0 "$(wc -c <"$WORK/err")"
	while IFS= read -r line; do
		case $line in
		"ok - "*) rv_ok "$sc@$KERNEL: ${line#ok - }" ;;
		"not ok - "*) rv_not_ok "$sc@$KERNEL: ${line#not ok - }" ;;
		*) rv_not_ok "$sc@$KERNEL: checker: $line" ;;
		esac
	done < <(python3 "$RV_ROOT/tests/cli/facts_truth.py" "$WORK/facts.json" \
		"$dir/ground-truth.json" "$WORK/facts.txt" 2>&1)
done

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The support engineer's last mile on the rig dumps, checked against the
# guest's ground truth (ground-truth.json) and crash's own reads:
#  - disks of any block driver (rvblk) through the gendisk's parent device:
#    virtio.devices[].disk, irq.by_device[].disk, blk.disks[].driver_module
#    and its taint, `show virtio DISK`;
#  - more checks are added below each piece (panic context, waiters).
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

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The main job on a real dump: build the rig's raid1-frozen dump if it is
# not cached yet, then analyse it with the standalone program and with the
# crash extension.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

scenario=${1:-raid1-frozen}
dir=$(rv_dump_dir "$scenario")
dump=$dir/vmcore
echo "== dump: $dump"
echo

if [ -x "$RV_CLI" ]; then
	echo "== raidvirt facts $dump"
	"$RV_CLI" facts "$dump" || true
	echo
fi

echo "== crash -s $RV_VMLINUX $dump"
echo "crash> extend $RV_EXT"
echo "crash> raidvirt -b -w"
out=$(mktemp)
rv_crash "$dump" "$out" "raidvirt -b -w" || true
# Drop crash's own banner lines, keep the extension's report.
sed -n '/raidvirt.so: shared object loaded/,$p' "$out" | tail -n +2
rm -f "$out"

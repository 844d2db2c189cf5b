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

echo "== raidvirt triage $dump"
rc=0
"$RV_CLI" triage "$dump" || rc=$?
echo "(exit status $rc: 0 clean, 1 findings at or above --fail-on, 3 could not analyse)"
echo

echo "== crash -s $RV_VMLINUX $dump"
echo "crash> extend $RV_EXT"
echo "crash> r1conf -b -w"
out=$(mktemp)
rv_crash "$dump" "$out" "r1conf -b -w" || true
# Drop crash's own banner lines, keep the extension's report.
sed -n '/raidvirt.so: shared object loaded/,$p' "$out" | tail -n +2
rm -f "$out"

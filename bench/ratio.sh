#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# raidvirt against crash on the same rig dumps, as ratios of CPU time (user
# + system, median of RUNS): `raidvirt triage` warm (its DWARF type index
# cached, see docs/cli.md) and cold (an empty cache directory each run: the
# index is built from .debug_info), against `crash -s VMLINUX DUMP` opening
# the dump and quitting; peak RSS of each. The file system's page cache is
# left alone (dropping it needs root and slows everyone on the machine), so
# "cold" means the index is rebuilt, not that the files are read from disk.
# Not a test: it asserts nothing. Part of `make bench`.
#
#   bench/ratio.sh [RUNS] [SCENARIO...]    # default 3; every rig dump built
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

runs=${1:-3}
shift || true
scenarios=${*:-$(dumps/rig.py list | awk '{print $1}')}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. bench/cpu.bash
export RAIDVIRT_CACHE=$tmp/warm	# warm runs; cold ones get their own

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0) printf "1/%.0f", b / a; else printf "-" }'
}

echo "machine: $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg); kernel of the dumps: $RV_RELEASE; CPU = user + system, median of $runs runs"
echo
echo "| dump | triage warm | peak RSS | triage cold | peak RSS | crash -s, quit | peak RSS | warm / crash | cold / crash |"
echo "|---|---|---|---|---|---|---|---|---|"
printf 'quit\n' >"$tmp/quit.in"
for sc in $scenarios; do
	dir=$("$RV_ROOT/dumps/rig.py" path "$sc" 2>/dev/null) || continue
	dump=$dir/vmcore
	[ -r "$dump" ] || continue
	# prime the warm cache ($RAIDVIRT_CACHE, set above)
	"$RV_CLI" triage "$dump" >/dev/null 2>&1 || true
	read -r w wr < <(bench_cpu "$RV_CLI" triage "$dump")
	read -r c cr < <(BENCH_CACHE_COLD=1 bench_cpu "$RV_CLI" triage "$dump")
	read -r k kr < <(bench_cpu crash -s "$RV_VMLINUX" "$dump" -i "$tmp/quit.in")
	echo "| $sc | $w s | $wr MiB | $c s | $cr MiB | $k s | $kr MiB | $(ratio "$w" "$k") | $(ratio "$c" "$k") |"
done

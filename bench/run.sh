#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark: wall time and peak memory of the standalone program and of
# crash with the extension, on every rig dump; then the program with types
# from DWARF (the vmlinux debug file) against types from the dump's BTF
# (--types btf), with CPU time. Prints Markdown tables (docs/performance.md
# records the figures). Not a test: it asserts nothing.
#
#   make bench            # or: bench/run.sh [RUNS]
#
# Each figure is the median of RUNS runs (default 3). Build the dumps first
# (make dumps) so that the rig does not run inside the measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

runs=${1:-3}
scenarios=$(dumps/rig.py list | awk '{print $1}')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# measure OUT CMD...: median wall seconds and max RSS (MiB) over $runs runs.
# MEASURE_CPU=1: also the median CPU seconds (user + system).
measure() {
	local out=$1
	shift
	: >"$out"
	for _ in $(seq "$runs"); do
		/usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@" >/dev/null 2>&1 || true
		# GNU time puts "Command exited with non-zero status N" first
		# when the command fails (triage exits 1 on findings).
		tail -n 1 "$tmp/time" >>"$out"
	done
	sort -n "$out" | awk -v n="$runs" -v cpu="${MEASURE_CPU:-}" '
		{ t[NR] = $1; c[NR] = $3 + $4; if ($2 > m) m = $2 }
		END {
			k = int((n + 1) / 2)
			if (cpu) {
				for (i = 2; i <= n; i++)	# mawk has no asort
					for (j = i; j > 1 && c[j - 1] > c[j]; j--) {
						x = c[j]; c[j] = c[j - 1]; c[j - 1] = x
					}
				printf "%.2f s, %.2f s CPU | %.0f MiB", t[k], c[k], m / 1024
			} else {
				printf "%.2f s | %.0f MiB", t[k], m / 1024
			}
		}'
}

# Ratios to crash first (docs/performance.md keeps that table), then the
# rule engine alone, the scale fixture, then wall times and the DWARF/BTF comparison.
bench/ratio.sh "$runs"
echo
bench/rules.sh "$runs"
echo
bench/scale.sh "$runs"
echo
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1 /proc/loadavg)"
echo "kernel of the dumps: $RV_RELEASE; median of $runs runs"
echo
echo "| dump | size | \`raidvirt facts --json\` | peak RSS | \`raidvirt triage\` | peak RSS | crash -s, quit | peak RSS | crash -s + extend + \`raidvirt -j\` | peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for sc in $scenarios; do
	dir=$("$RV_ROOT/dumps/rig.py" path "$sc" 2>/dev/null) || continue
	dump=$dir/vmcore
	[ -r "$dump" ] || continue
	size=$(du -m "$dump" | cut -f1)
	printf 'quit\n' >"$tmp/quit.in"
	printf 'extend %s\nraidvirt -j > /dev/null\nquit\n' "$RV_EXT" >"$tmp/ext.in"
	cli=$(measure "$tmp/m1" "$RV_CLI" facts --json "$dump")
	tri=$(measure "$tmp/m2" "$RV_CLI" triage "$dump")
	cq=$(measure "$tmp/m3" crash -s "$RV_VMLINUX" "$dump" -i "$tmp/quit.in")
	ce=$(measure "$tmp/m4" crash -s "$RV_VMLINUX" "$dump" -i "$tmp/ext.in")
	echo "| $sc | ${size} MiB | $cli | $tri | $cq | $ce |"
done

# DWARF (vmlinux debug file) against BTF (the dump's own types, kallsyms).
echo
echo "| dump | \`facts --json\` DWARF | peak RSS | \`facts --json --types btf\` | peak RSS | \`triage\` DWARF | peak RSS | \`triage --no-default-debuginfo\` (BTF) | peak RSS |"
echo "|---|---|---|---|---|---|---|---|---|"
export MEASURE_CPU=1
for sc in $scenarios; do
	dir=$("$RV_ROOT/dumps/rig.py" path "$sc" 2>/dev/null) || continue
	dump=$dir/vmcore
	[ -r "$dump" ] || continue
	fd=$(measure "$tmp/b1" "$RV_CLI" facts --json --types dwarf "$dump")
	fb=$(measure "$tmp/b2" "$RV_CLI" facts --json --types btf "$dump")
	td=$(measure "$tmp/b3" "$RV_CLI" triage --types dwarf "$dump")
	tb=$(measure "$tmp/b4" "$RV_CLI" triage --no-default-debuginfo "$dump")
	echo "| $sc | $fd | $fb | $td | $tb |"
done

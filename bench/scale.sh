#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scale: the synthetic RHEL9 healthy fixture (tests/fixtures/healthy-rhel9.c)
# built with N raid1 arrays (FX_NMD=N), and `raidvirt facts --json`,
# `triage` and `show md` on it: CPU time (user + system, median of RUNS),
# peak RSS, the number of arrays decoded, and the lines of the text report
# (it must stay a summary). Shows whether the cost grows linearly. Not a test.
#
#   bench/scale.sh [RUNS] [N...]     # default: 3 runs; 1 256 1024 2048 arrays
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

runs=${1:-3}
shift || true
sizes=${*:-1 256 1024 2048}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. bench/cpu.bash

echo "scale: healthy-rhel9 fixture with N md arrays; load $(cut -d' ' -f1 /proc/loadavg), median of $runs runs"
echo
echo "| md arrays | facts --json CPU | peak RSS | arrays decoded | facts JSON | triage CPU | triage lines | show md lines |"
echo "|---|---|---|---|---|---|---|---|"
for n in $sizes; do
	d=$tmp/fx$n
	CC="gcc -DFX_NMD=$n" tests/fixtures/mkfixture healthy-rhel9 "$d" >"$tmp/build$n.log" 2>&1 || {
		echo "| $n | fixture build failed: $(tail -1 "$tmp/build$n.log") |"
		continue
	}
	opts=(--vmlinux "$d/vmlinux" --debuginfo "$d/debug" --no-default-debuginfo)
	read -r fc fr < <(bench_cpu "$RV_CLI" facts --json "${opts[@]}" "$d/vmcore")
	"$RV_CLI" facts --json "${opts[@]}" "$d/vmcore" >"$tmp/f$n.json" 2>/dev/null || true
	arrays=$(jq '.md.arrays | length' "$tmp/f$n.json")
	size=$(du -k "$tmp/f$n.json" | cut -f1)
	read -r tc _ < <(bench_cpu "$RV_CLI" triage "${opts[@]}" "$d/vmcore")
	tl=$("$RV_CLI" triage "${opts[@]}" "$d/vmcore" 2>/dev/null | wc -l || true)
	sl=$("$RV_CLI" show md "${opts[@]}" "$d/vmcore" 2>/dev/null | wc -l || true)
	echo "| $n | $fc s | $fr MiB | $arrays | ${size} KiB | $tc s | $tl | $sl |"
done

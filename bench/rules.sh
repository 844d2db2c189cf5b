#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the rule engine: `raidvirt triage --facts` (no dump to open,
# only loading, compiling and evaluating rules) with the built-in rules and
# with generated catalogues of N rules (bench/gen-rules.py: copies of the
# built-in ones), CPU time (user + system, median of RUNS) and peak RSS,
# and each catalogue's CPU as a multiple of the built-in set's. Not a test.
#
#   bench/rules.sh [RUNS] [N...]     # default: 3 runs; 90 and 500 rules
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

runs=${1:-3}
shift || true
sizes=${*:-90 500}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

dump=$("$RV_ROOT/dumps/rig.py" path raid1-degraded 2>/dev/null)/vmcore
if [ -r "$dump" ]; then
	"$RV_CLI" facts --json "$dump" >"$tmp/facts.json" || true
	src="facts of the rig dump raid1-degraded"
else
	printf '{"schema":"raidvirt.facts/1"}\n' >"$tmp/facts.json"
	src="an empty facts document (no rig dump built)"
fi

. bench/cpu.bash

nbuiltin=$(ls rules/*.yaml | wc -l)
echo "rule engine, over $src; load $(cut -d' ' -f1 /proc/loadavg), median of $runs runs"
echo
echo "| catalogue | CPU | peak RSS | CPU / built-in |"
echo "|---|---|---|---|"
read -r base rss < <(bench_cpu "$RV_CLI" triage --json --facts "$tmp/facts.json")
echo "| built-in ($nbuiltin rules) | $base s | $rss MiB | 1.0 |"
for n in $sizes; do
	bench/gen-rules.py "$n" "$tmp/r$n"
	read -r c rss < <(bench_cpu "$RV_CLI" triage --json --no-builtin-rules --rules "$tmp/r$n" \
		--facts "$tmp/facts.json")
	echo "| $n generated | $c s | $rss MiB | $(awk -v a="$c" -v b="$base" \
		'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }') |"
done

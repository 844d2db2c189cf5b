#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark of the rule engine: `raidvirt triage --facts` (no dump to open,
# only loading, compiling and evaluating rules) with the built-in rules and
# with generated catalogues of N rules (bench/gen-rules.py: copies of the
# built-in ones), CPU time (user + system, median of RUNS) and peak RSS,
# cold (an empty cache directory each run: every rule compiles whole) and
# warm (the rule programs known to compile: conditions only, the rest of
# the rules that match), and each catalogue's CPU as a multiple of the
# built-in set's; then warm `triage --json` of the rig dump itself with each
# catalogue (what a user pays: opening the dump, facts, rules). Not a test.
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
# which libjq the binary runs: the system's libjq.so, or linked in (build/deps/jq)
if ldd "$RV_CLI" 2>/dev/null | grep 'libjq\.so' >/dev/null; then
	libjq="the system's libjq $(dpkg-query -W -f='${Version}' libjq1 2>/dev/null || echo '?')"
else
	libjq="libjq linked in ($(basename "$(readlink -f build/deps/jq 2>/dev/null || echo build/deps/jq)"), make deps)"
fi
echo "rule engine, over $src; $libjq; load $(cut -d' ' -f1 /proc/loadavg), median of $runs runs"
echo
echo "| catalogue | CPU cold | CPU warm | peak RSS warm | cold / built-in | warm / built-in | triage of the dump, warm | / built-in |"
echo "|---|---|---|---|---|---|---|---|"
# cold and warm CPU of one catalogue: "COLD WARM RSS DUMP" (DUMP: warm
# `triage --json` of the rig dump itself, type index and rules cached; - without it)
measure() {
	local c w rss d=-
	read -r c _ < <(BENCH_CACHE_COLD=1 bench_cpu "$RV_CLI" triage --json "$@" --facts "$tmp/facts.json")
	export RAIDVIRT_CACHE=$tmp/warm
	"$RV_CLI" triage --json "$@" --facts "$tmp/facts.json" >/dev/null 2>&1 || true
	read -r w rss < <(bench_cpu "$RV_CLI" triage --json "$@" --facts "$tmp/facts.json")
	if [ -r "$dump" ]; then
		"$RV_CLI" triage --json "$@" "$dump" >/dev/null 2>&1 || true
		read -r d _ < <(bench_cpu "$RV_CLI" triage --json "$@" "$dump")
	fi
	unset RAIDVIRT_CACHE
	echo "$c $w $rss $d"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1f", (b > 0 ? a / b : 0) }'; }
secs() { [ "$1" = - ] && echo - || echo "$1 s"; }
read -r bc bw brss bd < <(measure)
echo "| built-in ($nbuiltin rules) | $bc s | $bw s | $brss MiB | 1.0 | 1.0 | $(secs "$bd") | 1.0 |"
for n in $sizes; do
	bench/gen-rules.py "$n" "$tmp/r$n"
	read -r c w rss d < <(measure --no-builtin-rules --rules "$tmp/r$n")
	echo "| $n generated | $c s | $w s | $rss MiB | $(ratio "$c" "$bc") | $(ratio "$w" "$bw") | $(secs "$d") | $(ratio "$d" "$bd") |"
done

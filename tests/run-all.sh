#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every raidvirt test suite; print one line per suite and a total.
# Exit non-zero if any suite fails. Suites are the executable *.sh files
# under tests/<area>/, run in this order: rig first (it builds the dumps).
set -u
cd "$(dirname "$0")/.."

areas="rig ext cli rules driver fixtures torture"
total_pass=0
total_fail=0
failed_suites=()
logdir=build/test-logs
mkdir -p "$logdir"

for area in $areas; do
	[ -d "tests/$area" ] || continue
	for t in tests/"$area"/*.sh; do
		[ -x "$t" ] || continue
		name=${t#tests/}
		log="$logdir/${name//\//_}.log"
		start=$(date +%s)
		bash "$t" >"$log" 2>&1
		rc=$?
		secs=$(( $(date +%s) - start ))
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
		p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
		f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
		p=${p:-0}
		f=${f:-0}
		# A suite that exits non-zero or reports nothing counts as failed.
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
		fi
		if [ -z "$line" ]; then
			f=$((f + 1))
		fi
		total_pass=$((total_pass + p))
		total_fail=$((total_fail + f))
		if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then
			failed_suites+=("$name")
			echo "FAIL $name: ${line:-no result line} (exit $rc, ${secs}s)"
			grep -E '^not ok' "$log" | head -20 | sed 's/^/    /'
			tail -5 "$log" | sed 's/^/    | /'
		else
			echo "ok   $name: $line (${secs}s)"
		fi
	done
done

echo
if [ ${#failed_suites[@]} -ne 0 ]; then
	echo "failed suites: ${failed_suites[*]} (logs in $logdir)"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]

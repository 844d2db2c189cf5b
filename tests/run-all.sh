#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every raidvirt test suite; print one line per suite and a total.
# Exit non-zero if any suite fails. Suites are the *.sh files under
# tests/<area>/, run in this order: rig first (it builds the dumps). A suite
# without the exec bit fails (it is not silently left out); skips reported by
# a suite ("N passed, M failed, K skipped") are totalled and printed.
# RV_AREAS="unit cli" runs only those areas.
set -u
cd "$(dirname "$0")/.."

areas=${RV_AREAS:-"rig ext cli rules driver fixtures torture sanitize install"}
total_pass=0
total_fail=0
total_skip=0
failed_suites=()
logdir=build/test-logs
mkdir -p "$logdir"

for area in $areas; do
	[ -d "tests/$area" ] || continue
	for t in tests/"$area"/*.sh; do
		name=${t#tests/}
		if [ ! -x "$t" ]; then
			failed_suites+=("$name")
			total_fail=$((total_fail + 1))
			echo "FAIL $name: not executable (chmod +x, or it is not run)"
			continue
		fi
		log="$logdir/${name//\//_}.log"
		start=$(date +%s)
		bash "$t" >"$log" 2>&1
		rc=$?
		secs=$(( $(date +%s) - start ))
		line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
		p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
		f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
		k=$(echo "$line" | sed -n 's/.* \([0-9]*\) skipped.*/\1/p')
		p=${p:-0}
		f=${f:-0}
		k=${k:-0}
		# A suite that exits non-zero or reports nothing counts as failed.
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1
		fi
		if [ -z "$line" ]; then
			f=$((f + 1))
		fi
		total_pass=$((total_pass + p))
		total_skip=$((total_skip + k))
		total_fail=$((total_fail + f))
		if [ $rc -ne 0 ] || [ "$f" -ne 0 ]; then
			failed_suites+=("$name")
			echo "FAIL $name: ${line:-no result line} (exit $rc, ${secs}s)"
			grep -E '^not ok' "$log" | head -20 | sed 's/^/    /'
			tail -5 "$log" | sed 's/^/    | /'
		else
			echo "ok   $name: $line (${secs}s)"
			grep -E '^skip - ' "$log" | head -10 | sed 's/^/    /'
		fi
	done
done

echo
if [ ${#failed_suites[@]} -ne 0 ]; then
	echo "failed suites: ${failed_suites[*]} (logs in $logdir)"
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ] && [ ${#failed_suites[@]} -eq 0 ]

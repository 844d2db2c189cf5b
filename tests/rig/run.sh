#!/usr/bin/env bash
# Real-vmcore tests: build every rig scenario's dumps (cached under build/dumps;
# the suite run first by tests/run-all.sh, so it is where dumps get built;
# kdump-compressed and ELF, so later suites can compare both) and check, with
# crash, that the kdump-compressed dump says what the guest said before it was
# taken (ground-truth.json).  One scenario's ELF dump is opened too.
#
#   tests/rig/run.sh [SCENARIO...]      (default: every dumps/scenarios/*.scn)
#
# Prints `ok - ...` / `not ok - ...` lines and a final `N passed, M failed`;
# exits non-zero if anything failed.
set -u -o pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rig="$root/dumps/rig.py"
checker="$root/tests/rig/check_dump.py"
elf_scenario=healthy        # the scenario whose ELF dump is opened too
build_timeout=900           # rig.py has its own per-step timeouts; this is a backstop

passed=0
failed=0

pass() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "not ok - $*"; failed=$((failed + 1)); }

# Run the checker and add its ok / not ok lines to the totals.
run_checker() {
	local label=$1 output status
	shift
	output=$(python3 "$checker" "$@" 2>&1)
	status=$?
	echo "$output"
	passed=$((passed + $(grep -c '^ok ' <<<"$output")))
	failed=$((failed + $(grep -c '^not ok ' <<<"$output")))
	if [ "$status" -ne 0 ] && ! grep -q '^not ok ' <<<"$output"; then
		fail "$label: checker exited with status $status"
	fi
}

scenario_list() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@"
	else
		# Scenarios that load a project module (`module rvblk`) are checked by
		# tests/driver/run.sh.
		for file in "$root"/dumps/scenarios/*.scn; do
			grep -q "^module " "$file" || basename "$file" .scn
		done
	fi
}

check_scenario() {
	local scenario=$1 dir
	if ! dir=$(timeout --kill-after=30 "$build_timeout" python3 "$rig" build "$scenario" --elf); then
		fail "$scenario: dump build (dumps/rig.py build $scenario --elf)"
		return
	fi
	pass "$scenario: dump ready in $dir"
	run_checker "$scenario" "$dir"
	if [ "$scenario" = "$elf_scenario" ]; then
		run_checker "$scenario/vmcore.elf" "$dir" --dump vmcore.elf --basic
	fi
}

while read -r scenario; do
	check_scenario "$scenario"
done < <(scenario_list "$@")

# Scenarios that load a project module are checked by tests/driver/run.sh,
# but built here too: this suite runs first and is where dumps get built, so
# that later suites (rules test among them) find every scenario's dump.
if [ $# -eq 0 ]; then
	for file in "$root"/dumps/scenarios/*.scn; do
		grep -q "^module " "$file" || continue
		scenario=$(basename "$file" .scn)
		if dir=$(timeout --kill-after=30 "$build_timeout" python3 "$rig" build "$scenario"); then
			pass "$scenario: dump ready in $dir (checked by tests/driver/run.sh)"
		else
			fail "$scenario: dump build (dumps/rig.py build $scenario)"
		fi
	done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

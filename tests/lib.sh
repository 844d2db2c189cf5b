# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for raidvirt's shell tests. Source it:
#   . "$(dirname "$0")/../lib.sh"
#
# Tests assert on values: every check prints "ok - ..." or
# "not ok - ... (expected X, got Y)", and rv_summary prints
# "N passed, M failed, K skipped" and exits non-zero on any failure.
# A check whose input is missing fails: rv_eq refuses two empty values
# (use rv_empty to require an empty one), rv_calc refuses a non-number.
# A check that cannot run here says so with rv_skip: counted and printed,
# never counted as passed.

RV_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RV_BUILD=${RV_BUILD:-$RV_ROOT/build}
RV_EXT=${RV_EXT:-$RV_BUILD/ext/raidvirt.so}
RV_CLI=${RV_CLI:-$RV_BUILD/cli/raidvirt}
# How to link libjq to lib/ (the Makefile's choice: build/deps/jq or -ljq).
RV_LIBJQ=${RV_LIBJQ:-$(make -s --no-print-directory -C "$RV_ROOT" libjq-flags 2>/dev/null || echo -ljq)}
# No suite reaches a debuginfod server unless it starts one itself
# (tests/cli/debuginfod.sh): Debian's profile sets DEBUGINFOD_URLS.
unset DEBUGINFOD_URLS
# The kernel whose dumps the suites read: a dumps/kernels/NAME.kernel file
# (default Debian 12's, installed by make deps). RV_KERNEL=debian13-cloud runs
# a suite on Debian 13's 6.12 (fetched into build/kernels on first use). The
# rig follows it (RIG_KERNEL). RV_VERIFIED_BY says who can check its dumps:
# crash (it opens them) or guest (only the guest's ground truth and the CLI).
RV_KERNEL=${RV_KERNEL:-${RIG_KERNEL:-debian12-cloud}}
export RIG_KERNEL=$RV_KERNEL
if ! rv_kernel_json=$("$RV_ROOT/dumps/kernels.py" resolve "$RV_KERNEL"); then
	echo "not ok - kernel $RV_KERNEL: dumps/kernels.py resolve failed" >&2
	rv_kernel_json='{}'
fi
RV_RELEASE=${RV_RELEASE:-$(jq -r '.release // empty' <<<"$rv_kernel_json")}
RV_VMLINUX=${RV_VMLINUX:-$(jq -r '.vmlinux // empty' <<<"$rv_kernel_json")}
RV_MODDEBUG=$(jq -r '.module_debuginfo_dir // empty' <<<"$rv_kernel_json")
RV_VERIFIED_BY=$(jq -r '.truth // empty' <<<"$rv_kernel_json")
# RV_KERNEL_SCENARIOS: the scenarios the kernel file lists (an array).
# RV_SCENARIOS="a b" in the environment narrows a suite to those scenarios;
# it is the user's, never set here (once it was, as an array whose first
# element, "healthy", became every suite's ${RV_SCENARIOS:-default list}).
mapfile -t RV_KERNEL_SCENARIOS < <(jq -r '.scenarios[]?' <<<"$rv_kernel_json")
RV_DUMPS=$RV_BUILD/dumps/$RV_RELEASE

rv_passed=0
rv_failed=0
rv_skipped=0

rv_ok() {
	rv_passed=$((rv_passed + 1))
	echo "ok - $*"
}

rv_not_ok() {
	rv_failed=$((rv_failed + 1))
	echo "not ok - $*"
}

# rv_skip NAME REASON: a check that cannot run here (counted, printed).
rv_skip() {
	rv_skipped=$((rv_skipped + 1))
	echo "skip - $1: $2"
}

# rv_eq NAME EXPECTED GOT (both empty is a failure: the input is missing)
rv_eq() {
	if [ -z "$2" ] && [ -z "$3" ]; then
		rv_not_ok "$1 (expected and got are both empty: input missing)"
	elif [ "$2" == "$3" ]; then
		rv_ok "$1 = $3"
	else
		rv_not_ok "$1 (expected '$2', got '$3')"
	fi
}

# rv_empty NAME VALUE: VALUE must be empty (an error list, stderr...).
rv_empty() {
	if [ -z "$2" ]; then
		rv_ok "$1 is empty"
	else
		rv_not_ok "$1 (expected nothing, got '$2')"
	fi
}

# rv_calc EXPR N...: $(( EXPR )) with $1, $2... the numbers N...; a
# missing or non-numeric N prints a message instead (so the check that
# compares it fails, rather than vanishing in an arithmetic error).
rv_calc() {
	local expr=$1 v i=1
	shift
	for v in "$@"; do
		if ! [[ "$v" =~ ^-?([0-9]+|0x[0-9a-fA-F]+)$ ]]; then
			echo "(operand $i of '$expr' is '$v', not a number)"
			return 1
		fi
		i=$((i + 1))
	done
	eval "echo \$(( $expr ))"
}

# rv_cmp NAME A OP B   (numeric: -gt -ge -lt -le -eq -ne)
rv_cmp() {
	if [[ "$2" =~ ^-?[0-9]+$ && "$4" =~ ^-?[0-9]+$ ]] && [ "$2" "$3" "$4" ]; then
		rv_ok "$1: $2 $3 $4"
	else
		rv_not_ok "$1: expected $2 $3 $4"
	fi
}

# rv_match NAME REGEX TEXT
rv_match() {
	if [[ "$3" =~ $2 ]]; then
		rv_ok "$1 matches /$2/"
	else
		rv_not_ok "$1: '$3' does not match /$2/"
	fi
}

rv_summary() {
	echo "$rv_passed passed, $rv_failed failed, $rv_skipped skipped"
	[ "$rv_failed" -eq 0 ] && [ $((rv_passed + rv_failed)) -gt 0 ]
}

# rv_dump_dir SCENARIO: the rig's cached dump directory, building it if
# needed. Fails loudly when the rig cannot build it.
rv_dump_dir() {
	"$RV_ROOT/dumps/rig.py" build "$1" --kernel "$RV_KERNEL" >&2 || return 1
	"$RV_ROOT/dumps/rig.py" path "$1" --kernel "$RV_KERNEL"
}

# rv_fixture_dir NAME: build/fixtures/NAME, the synthetic vmcore of
# tests/fixtures/NAME.c with its vmlinux and debug/, (re)built with
# tests/fixtures/mkfixture when missing or older than a file of
# tests/fixtures or tests/fixtures/layouts (what `raidvirt rules test`
# reads for vmcore:NAME and refuses when stale). Prints the directory.
rv_fixture_dir() {
	local dir=$RV_ROOT/build/fixtures/$1 fx=$RV_ROOT/tests/fixtures
	if [ ! -f "$dir/vmcore" ] || [ ! -f "$dir/vmlinux" ] ||
	   [ -n "$(find "$fx" "$fx/layouts" -maxdepth 1 -type f -newer "$dir/vmcore" | head -1)" ]; then
		mkdir -p "${dir%/*}"
		"$fx/mkfixture" "$1" "$dir" >"$dir.build.log" 2>&1 || {
			echo "rv_fixture_dir: mkfixture $1 failed: $(tail -1 "$dir.build.log")" >&2
			return 1
		}
	fi
	echo "$dir"
}

# rv_has_scenario NAME: true when the selected kernel runs scenario NAME
# (dumps/kernels/$RV_KERNEL.kernel lists it).
rv_has_scenario() {
	local s
	for s in "${RV_KERNEL_SCENARIOS[@]}"; do
		[ "$s" = "$1" ] && return 0
	done
	return 1
}

# rv_crash DUMP OUTFILE CMD...: one batch crash session on DUMP with the
# extension loaded; each CMD is a crash command line (use "> FILE" inside a
# command to capture its output in a file). crash's whole output goes to
# OUTFILE. Returns crash's exit status.
rv_crash() {
	local dump=$1 out=$2
	shift 2
	if [ "$RV_VERIFIED_BY" = guest ]; then
		# Debian 12's crash cannot open this kernel's dumps (docs/rig.md): say so
		# instead of letting crash fail obscurely; the caller's checks then fail.
		echo "rv_crash: the installed crash cannot open $RV_KERNEL ($RV_RELEASE) dumps; use the CLI" >"$out"
		return 1
	fi
	local in c
	in=$(mktemp)
	{
		echo "extend $RV_EXT"
		for c in "$@"; do
			echo "$c"
		done
		echo "quit"
	} >"$in"
	timeout 300 crash -s "$RV_VMLINUX" "$dump" -i "$in" </dev/null >"$out" 2>&1
	local rc=$?
	rm -f "$in"
	return $rc
}

# rv_same_json NAME FILE_A FILE_B FILTER: the filtered JSON of both files is
# equal (keys sorted) and an object (a missing section fails); a short diff
# when not.
rv_same_json() {
	local a b
	a=$(jq -S "$4" "$2" 2>&1)
	b=$(jq -S "$4" "$3" 2>&1)
	if [ "$a" == "$b" ] && [ "$(jq -r "$4 | type" "$3" 2>/dev/null)" == "object" ]; then
		rv_ok "$1"
	else
		rv_not_ok "$1:"
		diff <(echo "$a") <(echo "$b") | head -20 | sed 's/^/#   /'
	fi
}

# rv_jq FILE FILTER: a raw jq value from a JSON file ("" when unreadable).
rv_jq() {
	jq -r "$2" "$1" 2>/dev/null
}

# rv_run_bounded NAME STATUS STDERR_REGEX ARGS...: the CLI on hostile input
# (stdin /dev/null, output in $WORK/out and $WORK/err): the status, under
# 10 s (timeout 20: 124 is never a wanted status), and one stderr line
# matching the regex. RV_RUN_STDOUT=1 takes the message line from stdout
# instead (rules lint reports there).
rv_run_bounded() {
	local name=$1 want=$2 re=$3
	shift 3
	local t0=$SECONDS
	timeout 20 "$RV_CLI" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
	local rc=$?
	rv_eq "$name: exit status" "$want" "$rc"
	rv_cmp "$name: seconds" $((SECONDS - t0)) -lt 10
	[ -n "$RV_RUN_STDOUT" ] && grep -v ' rules valid, ' "$WORK/out" >"$WORK/err"
	rv_eq "$name: stderr lines" 1 "$(wc -l <"$WORK/err")"
	rv_match "$name: stderr" "$re" "$(head -1 "$WORK/err")"
}

# rv_scenario_dir SCENARIO: the dump directory of a rig scenario: under
# $RV_DUMPS (a snapshot), the latest cached one with $RV_NO_BUILD (never
# start the rig), else rv_dump_dir (building it if needed).
rv_scenario_dir() {
	if [ -n "$RV_DUMPS" ]; then
		echo "$RV_DUMPS/$1"
	elif [ -n "$RV_NO_BUILD" ]; then
		readlink -f "$RV_BUILD/dumps/$RV_RELEASE/$1"
	else
		rv_dump_dir "$1"
	fi
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile input files (issue 14): a FIFO where a file belongs (dump,
# --vmlinux, a rule for rules lint and triage, a facts document), YAML nested
# 100k levels deep, a rule with 300k unknown keys, more facts on stdin than
# the limit, a facts document without a dump section. Each case must
# end within seconds with a clear message; none may block, flood or abort.
# The generators below make every input at run time.

. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT


if [ ! -x "$RV_CLI" ]; then
	rv_not_ok "CLI $RV_CLI not built"
	rv_summary
	exit 1
fi

mkfifo "$WORK/fifo"

# ---- FIFOs are refused without blocking ----
rv_run_bounded "dump is a FIFO" 3 "^raidvirt: $WORK/fifo: is a FIFO; a kernel dump must be a regular file" \
	facts --json "$WORK/fifo"
rv_run_bounded "--facts names a FIFO" 3 "^raidvirt: $WORK/fifo: is a FIFO; a facts document must be a regular file" \
	triage --facts "$WORK/fifo"
rv_run_bounded "dump is a directory" 3 "^raidvirt: $WORK: is a directory; a kernel dump must be a regular file" \
	facts --json "$WORK"
# --vmlinux naming a FIFO blocked in open() (a dump that opens is needed)
healthy=$(rv_scenario_dir healthy)
if [ -f "$healthy/vmcore" ]; then
	rv_run_bounded "--vmlinux names a FIFO" 3 "^raidvirt: $WORK/fifo: is a FIFO; a debug file must be a regular file" \
		facts --json --vmlinux "$WORK/fifo" "$healthy/vmcore"
else
	rv_not_ok "--vmlinux names a FIFO: no healthy rig dump"
fi

mkdir "$WORK/rules"
mkfifo "$WORK/rules/fifo.yaml"
RV_RUN_STDOUT=1 rv_run_bounded "rules lint: a FIFO named *.yaml" 1 \
	"^$WORK/rules/fifo.yaml: cannot read: is a FIFO; a rule file must be a regular file" \
	rules lint "$WORK/rules"
# triage loading the same directory hung as well: the rule is refused, the
# run says it is incomplete
t0=$SECONDS
timeout 20 "$RV_CLI" triage --json --facts "$RV_ROOT/tests/rules/fixtures/irq-vector-exhaustion-cpu.json" \
	--rules "$WORK/rules" >"$WORK/out" 2>"$WORK/err" </dev/null
rv_eq "triage --rules with a FIFO named *.yaml: exit status" 3 $?
rv_cmp "triage --rules with a FIFO named *.yaml: seconds" $((SECONDS - t0)) -lt 10
rv_match "triage --rules with a FIFO named *.yaml: stderr" \
	"^raidvirt: rules: $WORK/rules/fifo.yaml: cannot read: is a FIFO; a rule file must be a regular file" \
	"$(head -1 "$WORK/err")"
rv_eq "triage --rules with a FIFO named *.yaml: complete" false "$(rv_jq "$WORK/out" .complete)"
rm "$WORK/rules/fifo.yaml"

# ---- YAML nested 100k levels deep (libyaml's scanner is quadratic) ----
python3 -c 'import sys; sys.stdout.write("id: deep\nx: " + "[" * 100000 + "]" * 100000 + "\n")' \
	>"$WORK/rules/deep.yaml"
RV_RUN_STDOUT=1 rv_run_bounded "rules lint: YAML nested 100k deep" 1 \
	"^$WORK/rules/deep.yaml:2: YAML nested more than 64 levels deep; refused before parsing" \
	rules lint "$WORK/rules"
rm "$WORK/rules/deep.yaml"

# ---- unknown keys by the 100k: problems capped per file ----
# unknown_keys N: the broken rule of tests/rules/bad with N more keys.
unknown_keys() {
	sed -n '1,/^sevrity/p' "$RV_ROOT/tests/rules/bad/unknown-key.yaml" | grep -v '^#'
	python3 -c 'import sys; sys.stdout.write("".join("k%d: 1\n" % i for i in range(int(sys.argv[1]))))' "$1"
}
unknown_keys 300000 >"$WORK/rules/unknown-key.yaml"
RV_RUN_STDOUT=1 rv_run_bounded "rules lint: 300k unknown keys (3 MB)" 1 \
	"^$WORK/rules/unknown-key.yaml: cannot read: [0-9]+ bytes, more than a rule file may have \(1048576\)" \
	rules lint "$WORK/rules"
unknown_keys 90000 >"$WORK/rules/unknown-key.yaml"
timeout 20 "$RV_CLI" rules lint "$WORK/rules" >"$WORK/out" 2>&1
rv_eq "90k unknown keys: exit status" 1 $?
rv_cmp "90k unknown keys: output lines" "$(wc -l <"$WORK/out")" -le 25
rv_match "90k unknown keys: summary line" "and 899[0-9][0-9] more problems in this file" "$(cat "$WORK/out")"
rm "$WORK/rules/unknown-key.yaml"

# ---- facts on stdin: bounded, one clear line ----
# 2.2 GiB of stdin made jv_parse_sized's int length overflow; now the read
# stops at the limit (head gets SIGPIPE).
t0=$SECONDS
head -c 2300M /dev/zero | timeout 20 "$RV_CLI" triage --facts - >"$WORK/out" 2>"$WORK/err"
rc=$?
rv_eq "2.2 GiB on stdin: exit status" 3 "$rc"
rv_cmp "2.2 GiB on stdin: seconds" $((SECONDS - t0)) -lt 10
rv_eq "2.2 GiB on stdin: stderr lines" 1 "$(wc -l <"$WORK/err")"
rv_match "2.2 GiB on stdin: stderr" "^raidvirt: stdin: more than [0-9]+ bytes \(the limit\)" "$(cat "$WORK/err")"
# A facts document without a dump section aborted in jq (jv_dump_term on
# an invalid value): now refused, with the reason.
printf '{"schema": "raidvirt.facts/1"}' >"$WORK/nodump.json"
rv_run_bounded "triage --facts without a dump section" 3 \
	"^raidvirt: $WORK/nodump.json: not a usable facts document: no 'dump' section" \
	triage --json --facts "$WORK/nodump.json"
echo '{}' >"$WORK/empty.json"
timeout 20 "$RV_CLI" triage --json --facts "$WORK/empty.json" >"$WORK/out" 2>"$WORK/err" </dev/null
rv_eq "triage --facts {}: exit status" 3 $?
rv_match "triage --facts {}: stderr" "^raidvirt: $WORK/empty.json: not a usable facts document: .*no 'dump' section" \
	"$(tr '\n' ' ' <"$WORK/err")"
rv_eq "triage --facts {}: a triage document" raidvirt.triage/1 "$(rv_jq "$WORK/out" .schema)"
printf '{"a":1} {"b":2}' >"$WORK/two.json"
rv_run_bounded "two JSON texts" 3 "^raidvirt: $WORK/two.json: expected one JSON document" \
	triage --facts "$WORK/two.json"

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The JSON Schemas (docs/schema/, draft 2020-12) against real output, with
# Debian's python3-jsonschema: facts and triage of every rig dump (CLI, and
# crash's raidvirt -j on one), of every synthetic vmcore fixture, of the
# rules' facts fixtures, and of incomplete runs (no module debug info, no
# vmlinux, truncated dump, {} as facts). Then output with a key the schema
# lacks, or a value of the wrong type, must fail.
. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
PY=/usr/bin/python3	# Debian's, with python3-jsonschema (tools/deps.sh)
CHECK=$RV_ROOT/tests/cli/schema_check.py
SCHEMAS=$RV_ROOT/docs/schema

if ! $PY -c 'import jsonschema' 2>/dev/null; then
	rv_not_ok "python3-jsonschema is not installed (make deps)"
	rv_summary
	exit 1
fi

if [ -n "$RV_DUMPS" ]; then
	dumps=$RV_DUMPS
else
	dumps=$RV_BUILD/dumps/$RV_RELEASE
	[ -n "$RV_NO_BUILD" ] || "$RV_ROOT/dumps/rig.py" build-all >&2
fi

docs=()	# NAME=FILE for schema_check.py
n=0
# out KIND ARGS...: run the CLI, keep stdout as a document of KIND
out() {
	local kind=$1
	shift
	n=$((n + 1))
	"$RV_CLI" "$@" >"$WORK/$n.json" 2>/dev/null
	docs+=("$kind=$WORK/$n.json")
}

scenarios=0
for dir in "$dumps"/*/; do
	[ -f "$dir/vmcore" ] || continue
	case $(basename "$dir") in *-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*) continue ;; esac
	scenarios=$((scenarios + 1))
	out facts facts --json "$dir/vmcore"
	out triage triage --json "$dir/vmcore"
	[ -f "$dir/vmcore.elf" ] && out facts facts --json "$dir/vmcore.elf"
done
rv_cmp "rig dumps found" "$scenarios" -ge 6

# Debian 13's 6.12 dumps (crash cannot open them): its vmlinux and module
# debug files are in the fetched package tree (dumps/kernels.py).
k13=$("$RV_ROOT/dumps/kernels.py" resolve debian13-cloud)
opts13=(--vmlinux "$(jq -r .vmlinux <<<"$k13")" --debuginfo "$(jq -r .module_debuginfo_dir <<<"$k13")")
scenarios13=0
multi=()
for sc in $(jq -r '.scenarios[]' <<<"$k13"); do
	dir=$(python3 "$RV_ROOT/dumps/rig.py" path "$sc" --kernel debian13-cloud 2>/dev/null)
	if [ ! -f "$dir/vmcore" ]; then
		rv_not_ok "6.12 dump $sc not built (dumps/rig.py build $sc --kernel debian13-cloud)"
		continue
	fi
	scenarios13=$((scenarios13 + 1))
	multi+=("$dir/vmcore")
	out facts facts --json "${opts13[@]}" "$dir/vmcore"
	out triage triage --json "${opts13[@]}" "$dir/vmcore"
done
rv_cmp "6.12 rig dumps found" "$scenarios13" -ge 6

# triage DUMP...: JSON lines, each line a triage document (a 6.1 dump, a
# truncated one, a missing one, the 6.12 ones)
head -c 20M "$dumps/raid1-frozen/vmcore" >"$WORK/truncated-multi"
"$RV_CLI" triage --json --debuginfo "$(jq -r .root <<<"$k13")/usr/lib/debug" \
	--debuginfo "$(jq -r .module_debuginfo_dir <<<"$k13")" "$dumps/healthy/vmcore" "$WORK/truncated-multi" \
	"$WORK/no-such-dump" "${multi[@]}" >"$WORK/multi.jsonl" 2>/dev/null
lines=0
while IFS= read -r line; do
	lines=$((lines + 1))
	n=$((n + 1))
	printf '%s\n' "$line" >"$WORK/$n.json"
	docs+=("triage=$WORK/$n.json")
done <"$WORK/multi.jsonl"
rv_eq "triage DUMP...: one line per dump" $((3 + ${#multi[@]})) "$lines"

frozen=$dumps/raid1-frozen/vmcore
mkdir -p "$WORK/empty"
out facts facts --json --no-default-debuginfo --vmlinux "$RV_VMLINUX" --debuginfo "$WORK/empty" "$frozen"
out triage triage --json --no-default-debuginfo --vmlinux "$RV_VMLINUX" --debuginfo "$WORK/empty" "$frozen"
out triage triage --json --no-default-debuginfo "$frozen"
out facts facts --json --no-default-debuginfo "$frozen"
head -c 20M "$frozen" >"$WORK/truncated"
out triage triage --json "$WORK/truncated"
out facts facts --json "$WORK/truncated"
echo '{}' >"$WORK/empty.json"
out triage triage --json --facts "$WORK/empty.json"
for s in dump md irq blk virtio log; do
	out facts facts --json --section "$s" "$frozen"
done

# crash's facts document (the same sections, tests/cli/facts.sh)
rv_crash "$frozen" "$WORK/crash.out" "raidvirt -j > $WORK/crash.json"
rv_eq "crash raidvirt -j exit status" 0 $?
docs+=("facts=$WORK/crash.json")

# the synthetic vmcores (tests/fixtures), built when missing
fixtures=0
for src in "$RV_ROOT"/tests/fixtures/*.c; do
	name=$(basename "$src" .c)
	[ "$name" = fx ] && continue	# the generator's library
	dir=$RV_BUILD/fixtures/$name
	if [ ! -f "$dir/vmcore" ]; then
		"$RV_ROOT/tests/fixtures/mkfixture" "$name" "$dir" >/dev/null 2>&1 || continue
	fi
	fixtures=$((fixtures + 1))
	opts=(--vmlinux "$dir/vmlinux" --debuginfo "$dir/debug" --no-default-debuginfo)
	out facts facts --json "${opts[@]}" "$dir/vmcore"
	out triage triage --json "${opts[@]}" "$dir/vmcore"
done
rv_cmp "synthetic vmcore fixtures found" "$fixtures" -ge 6

# the rules' facts fixtures
for f in "$RV_ROOT"/tests/rules/fixtures/*.json; do
	out triage triage --json --facts "$f"
done

$PY "$CHECK" "$SCHEMAS" "${docs[@]}" >"$WORK/check.out" 2>"$WORK/check.err"
rv_eq "schema_check exit status" 0 $?
rv_eq "documents validated" "${#docs[@]}" "$(grep -c '^ok - ' "$WORK/check.out")"
grep '^not ok' "$WORK/check.out" | head -10
[ -s "$WORK/check.err" ] && head -5 "$WORK/check.err"

# ---- the schemas reject what they do not describe ----
f1=$WORK/1.json	# facts of the first rig dump
t1=$WORK/2.json	# its triage
reject() {	# reject NAME KIND FILE JQ
	jq "$4" "$3" >"$WORK/bad.json"
	$PY "$CHECK" "$SCHEMAS" "$2=$WORK/bad.json" >"$WORK/bad.out" 2>&1
	rv_eq "rejects $1" 1 $?
}
reject "a new top-level key" facts "$f1" '.provenance_x = 1'
reject "a new key in dump" facts "$f1" '.dump.build_id_x = "x"'
reject "a new key in md.arrays[0].conf" facts "$f1" 'if .md.arrays[0] then .md.arrays[0].conf.x = 1 else .md.x = 1 end'
reject "a new key in a virtqueue" facts "$f1" '.virtio.devices[0].vqs[0].x = 1'
reject "a new key in a tool" facts "$f1" '.tool.build = "x"'
reject "complete as a string" facts "$f1" '.complete = "yes"'
reject "an error entry without message" facts "$f1" '.errors = [{"section": "md", "path": "md"}]'
reject "a new key in triage" triage "$t1" '.extra = 1'
reject "a new key in a triage finding" triage "$t1" '.findings = [{"rule": "r", "severity": "info", "x": 1}]'
reject "a bad severity" triage "$t1" '.fail_on = "fatal"'
reject "a new key in triage.dump" triage "$t1" '.dump.x = 1'
reject "a new key in dump.modules[]" facts "$f1" '.dump.modules[0].x = 1'
reject "a new key in dump.taint" facts "$f1" '.dump.taint.x = 1'
reject "a new key in dump.time" facts "$f1" '.dump.time.x = 1'
reject "a build id that is not hex" facts "$f1" '.dump.build_id = "xyz"'

rv_summary

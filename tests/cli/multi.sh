#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `raidvirt triage DUMP...` (docs/cli.md, "Many dumps in one run"): rig dumps
# of both kernels (6.1 and 6.12) in one run, with a truncated and a missing
# dump in the middle. One JSON line per dump in the order given, each equal
# to the document of a run over that dump alone; the bad ones get their
# document and do not stop the rest; the exit status is the worst; the
# debug info of each kernel is loaded once (the cache's hits and misses);
# the text reports come one after another.
. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RIG=${RAIDVIRT_RIG:-$RV_ROOT/dumps/rig.py}

# dump KERNEL SCENARIO: the rig dump's vmcore (fails the test when missing)
dump() {
	local dir
	dir=$(python3 "$RIG" path "$2" --kernel "$1" 2>&1)
	if [ -f "$dir/vmcore" ]; then
		echo "$dir/vmcore"
	else
		rv_not_ok "$2@$1: no dump ($dir)" >&2
		echo "/missing/$2@$1"
	fi
}

k13=$("$RV_ROOT/dumps/kernels.py" resolve debian13-cloud)
root13=$(jq -r .root <<<"$k13")
healthy=$(dump debian12-cloud healthy)
frozen=$(dump debian12-cloud raid1-frozen)
fq=$(dump debian12-cloud fq-panic)
healthy13=$(dump debian13-cloud healthy)
frozen13=$(dump debian13-cloud raid1-frozen)
head -c 20M "$frozen" >"$WORK/truncated"
missing=$WORK/no-such-dump
# The 6.12 debug files live in the fetched package tree, not /usr/lib/debug.
opts=(--debuginfo "$root13/usr/lib/debug" --debuginfo "$(jq -r .module_debuginfo_dir <<<"$k13")")
list=("$healthy" "$healthy13" "$WORK/truncated" "$frozen" "$missing" "$frozen13" "$fq")
id12=$(readelf -n "$RV_VMLINUX" | sed -n 's/^ *Build ID: //p' | head -1)
id13=$(readelf -n "$(jq -r .vmlinux <<<"$k13")" | sed -n 's/^ *Build ID: //p' | head -1)
ids=("$id12" "$id13" "$id12" "$id12" "" "$id13" "$id12")
complete=(true true false true false true true)

start=$(date +%s%N)
RAIDVIRT_CACHE_STATS=1 timeout 600 "$RV_CLI" triage --json "${opts[@]}" "${list[@]}" \
	>"$WORK/all.jsonl" 2>"$WORK/all.err"
rc=$?
end=$(date +%s%N)
echo "# one run over ${#list[@]} dumps: $(((end - start) / 1000000)) ms"
rv_eq "exit status: the worst (fq-panic's critical finding: 1)" 1 "$rc"
rv_eq "one line per dump" "${#list[@]}" "$(wc -l <"$WORK/all.jsonl")"
rv_eq "every line is one JSON document" "${#list[@]}" "$(jq -c . "$WORK/all.jsonl" 2>/dev/null | wc -l)"
rv_eq "sources in the order given" "${list[*]}" "$(jq -r .source "$WORK/all.jsonl" | tr '\n' ' ' | sed 's/ $//')"
rv_eq "complete per dump" "${complete[*]}" "$(jq -r .complete "$WORK/all.jsonl" | tr '\n' ' ' | sed 's/ $//')"
rv_eq "build id per dump (the truncated one from its raw VMCOREINFO)" \
	"$(printf '%s\n' "${ids[@]}" | sed 's/^$/null/' | tr '\n' ' ')" "$(jq -r .dump.build_id "$WORK/all.jsonl" | tr '\n' ' ')"
rv_eq "tool version in every document" "${#list[@]}" \
	"$(jq -r 'select(.tool.name == "raidvirt" and (.tool.version | length > 0)) | 1' "$WORK/all.jsonl" | wc -l)"
rv_match "truncated dump: the reason in errors" "truncated dump" \
	"$(jq -r 'select(.source | endswith("truncated")) | .errors[0].message' "$WORK/all.jsonl")"
rv_match "missing dump: the reason in errors" "No such file" \
	"$(jq -r 'select(.source | endswith("no-such-dump")) | .errors[0].message' "$WORK/all.jsonl")"
rv_match "stderr names the bad dumps" "truncated.*no-such-dump" "$(tr '\n' ' ' <"$WORK/all.err")"
# healthy, healthy13, frozen, frozen13, fq: two kernels loaded, three reuses
rv_match "debug info loaded once per build id (2 kernels, 5 readable dumps)" \
	"debug info cache: 3 hits, 2 misses" "$(cat "$WORK/all.err")"
rv_eq "every readable dump decoded with DWARF" 5 \
	"$(jq -r 'select(.dump.types_from == "dwarf") | 1' "$WORK/all.jsonl" | wc -l)"
rv_eq "every one says its debug files are local, cached ones too" 5 \
	"$(jq -r 'select(.dump.debuginfo_from == "local") | 1' "$WORK/all.jsonl" | wc -l)"

# A line = the document of a run over that dump alone (caching changes
# nothing): a 6.12 dump whose kernel came from the cache, the truncated
# one, a 6.1 dump after three others of its kernel.
for i in 6 3 7; do
	d=${list[$((i - 1))]}
	timeout 300 "$RV_CLI" triage --json "${opts[@]}" "$d" >"$WORK/one.json" 2>/dev/null
	one=$?
	rv_eq "$(basename "$(dirname "$d")")/$(basename "$d"): line $i = triage of it alone" \
		"$(jq -cS . "$WORK/one.json" 2>&1 | md5sum)" "$(sed -n "${i}p" "$WORK/all.jsonl" | jq -cS . 2>&1 | md5sum)"
	case $one in
	0 | 1 | 3) ;;
	*) rv_not_ok "line $i: triage alone exit status $one" ;;
	esac
done

# Text: the reports one after another, a blank line between.
timeout 600 "$RV_CLI" triage "${opts[@]}" "$healthy" "$missing" "$frozen13" >"$WORK/all.txt" 2>/dev/null
rv_eq "text: exit status the worst (frozen13's error finding: 1)" 1 $?
rv_eq "text: one report per dump" 3 "$(grep -c '^raidvirt triage of ' "$WORK/all.txt")"
rv_eq "text: reports in the order given" "$healthy $missing $frozen13" \
	"$(sed -n 's/^raidvirt triage of //p' "$WORK/all.txt" | tr '\n' ' ' | sed 's/ $//')"
rv_match "text: the missing dump's report says INCOMPLETE" "of $missing"$'\n'".*INCOMPLETE" "$(cat "$WORK/all.txt")"

# The worst of clean and incomplete is 3; one clean dump alone is 0.
timeout 300 "$RV_CLI" triage --json "$healthy" "$missing" >/dev/null 2>&1
rv_eq "clean + missing: exit 3" 3 $?
timeout 300 "$RV_CLI" triage --json "$healthy" "$healthy" >"$WORK/two.jsonl" 2>/dev/null
rv_eq "clean + clean: exit 0" 0 $?
rv_eq "the same dump twice: two equal lines" 1 "$(sort -u "$WORK/two.jsonl" | wc -l)"

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The JSON contract (docs/cli.md "JSON output", docs/facts.md
# "Completeness"): every --json run prints one document, also when the
# analysis fails or is partial, with complete/errors/missing; the text says
# INCOMPLETE; facts documents are checked before rules run on them (no
# abort on {} or wrong types, with and without rule isolation); a jq error
# inside a rule is that rule's reported error. Real rig dumps.
. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -n "$RV_DUMPS" ]; then
	dumps=$RV_DUMPS
elif [ -n "$RV_NO_BUILD" ]; then
	dumps=$RV_BUILD/dumps/$RV_RELEASE
else
	rv_dump_dir raid1-frozen >/dev/null && rv_dump_dir healthy >/dev/null
	dumps=$RV_BUILD/dumps/$RV_RELEASE
fi
frozen=$dumps/raid1-frozen/vmcore
healthy=$dumps/healthy/vmcore
for f in "$frozen" "$healthy"; do
	[ -f "$f" ] || rv_not_ok "rig dump $f missing (dumps/rig.py build)"
done

# doc NAME STATUS ARGS...: run the CLI, stdout to $WORK/out.json; checks the
# exit status, that stdout is exactly one JSON document, and no abort.
doc() {
	local name=$1 want=$2
	shift 2
	timeout 60 "$RV_CLI" "$@" >"$WORK/out.json" 2>"$WORK/err"
	local rc=$?
	rv_eq "$name: exit status" "$want" "$rc"
	rv_eq "$name: one JSON document on stdout" 1 "$(jq -s length "$WORK/out.json" 2>/dev/null)"
}
field() { rv_jq "$WORK/out.json" "$1"; }

# ---- complete runs ----
doc "facts healthy" 0 facts --json "$healthy"
rv_eq "facts healthy: complete" true "$(field .complete)"
rv_eq "facts healthy: no errors, nothing missing" "0 0 0 0" \
	"$(field '[(.errors|length), (.missing[]|length)] | map(tostring) | join(" ")')"
rv_eq "facts healthy: tool" "raidvirt $("$RV_CLI" --version | awk '{print $2}')" \
	"$(field '.tool | "\(.name) \(.version)"')"
rv_eq "--version = the Makefile's VERSION" "raidvirt $(sed -n 's/^VERSION *[:?]*= *//p' "$RV_ROOT/Makefile")" \
	"$("$RV_CLI" --version)"
buildid=$(readelf -n "$RV_VMLINUX" | sed -n 's/^ *Build ID: //p' | head -1)
rv_eq "facts healthy: dump.build_id = the kernel's" "$buildid" "$(field .dump.build_id)"
doc "triage frozen" 1 triage --json "$frozen"
rv_eq "triage frozen: complete" true "$(field .complete)"
rv_eq "triage frozen: schema" raidvirt.triage/1 "$(field .schema)"
rv_eq "triage frozen: tool" "raidvirt $("$RV_CLI" --version | awk '{print $2}')" \
	"$(field '.tool | "\(.name) \(.version)"')"
rv_eq "triage frozen: dump.build_id = the kernel's" "$buildid" "$(field .dump.build_id)"

# ---- a truncated dump ----
head -c 20M "$frozen" >"$WORK/truncated"
doc "triage truncated" 3 triage --json "$WORK/truncated"
rv_eq "triage truncated: complete" false "$(field .complete)"
rv_match "triage truncated: the reason" "truncated dump" "$(field '.errors[0].message')"
rv_eq "triage truncated: section" dump "$(field '.errors[0].section')"
rv_eq "triage truncated: dump.build_id from its raw VMCOREINFO" "$buildid" "$(field .dump.build_id)"
doc "facts truncated" 3 facts --json "$WORK/truncated"
rv_eq "facts truncated: complete" false "$(field .complete)"
rv_match "facts truncated: dump.error" "truncated dump" "$(field .dump.error)"

# ---- kernel debug info missing (types from DWARF asked for: with --types auto the
# dump's own BTF would serve, tests/cli/btf.sh) ----
doc "triage without vmlinux" 3 triage --json --types dwarf --no-default-debuginfo "$frozen"
rv_eq "triage without vmlinux: complete" false "$(field .complete)"
rv_match "triage without vmlinux: missing.debuginfo" "no vmlinux for release" \
	"$(field '.missing.debuginfo[0]')"
"$RV_CLI" triage --types dwarf --no-default-debuginfo "$frozen" >"$WORK/out.txt" 2>/dev/null
rv_match "triage without vmlinux: text says INCOMPLETE" "^INCOMPLETE: 1 error; missing: kernel debug info" \
	"$(grep INCOMPLETE "$WORK/out.txt")"

# ---- module debug info missing on a frozen array ----
mkdir -p "$WORK/empty"
nodbg=(--no-default-debuginfo --vmlinux "$RV_VMLINUX" --debuginfo "$WORK/empty")
doc "triage frozen, no module debuginfo" 3 triage --json "${nodbg[@]}" "$frozen"
rv_eq "... complete" false "$(field .complete)"
rv_eq "... missing.modules names md_mod and raid1" "md_mod raid1" \
	"$(field '[.missing.modules[] | select(.section == "md") | .message | capture("module (?<m>[a-z0-9_]+)").m] | join(" ")')"
rv_match "... errors name the md section" "md" "$(field '[.errors[].section] | unique | join(" ")')"
"$RV_CLI" triage "${nodbg[@]}" "$frozen" >"$WORK/out.txt" 2>/dev/null
rv_eq "... text exit status" 3 $?
rv_match "... text headline" "^INCOMPLETE: [0-9]+ errors; missing: debug info of 6 modules \(not a clean result\)" \
	"$(grep ^INCOMPLETE "$WORK/out.txt")"
doc "facts frozen, no module debuginfo" 3 facts --json "${nodbg[@]}" "$frozen"
rv_eq "... facts complete" false "$(field .complete)"
"$RV_CLI" facts "${nodbg[@]}" "$frozen" >"$WORK/out.txt" 2>/dev/null
rv_match "... facts text starts INCOMPLETE" "^INCOMPLETE: " "$(head -1 "$WORK/out.txt")"

# A raid1.ko that is not raid1's debug info (md_mod's, renamed).
mkdir -p "$WORK/wrong"
cp "$RV_MODDEBUG/kernel/drivers/md/md-mod.ko" "$WORK/wrong/raid1.ko"
cp "$RV_MODDEBUG/kernel/drivers/md/md-mod.ko" "$WORK/wrong/md-mod.ko"
doc "triage frozen, wrong raid1.ko" 3 triage --json --no-default-debuginfo --vmlinux "$RV_VMLINUX" \
	--debuginfo "$WORK/wrong" "$frozen"
rv_eq "... complete" false "$(field .complete)"
rv_match "... the md error names r1conf" "no struct r1conf" \
	"$(field '[.errors[] | select(.section == "md") | .message] | join(" ")')"

# ---- facts documents that are not usable ----
n=0
for bad in '{}' '{"schema":"raidvirt.facts/1"}' '[]' 'null' '"facts"' 'garbage{' \
	'{"schema":"raidvirt.facts/1","dump":5}' '{"schema":"raidvirt.facts/1","dump":{},"md":"x"}' \
	'{"schema":"raidvirt.facts/2","dump":{}}' '{"schema":"raidvirt.facts/1","dump":{},"findings":{}}'; do
	n=$((n + 1))
	for nofork in 0 1; do
		printf '%s\n' "$bad" >"$WORK/bad$n.json"
		RAIDVIRT_RULES_NOFORK=$nofork doc "facts $bad (nofork=$nofork)" 3 \
			triage --json --facts "$WORK/bad$n.json"
		rv_eq "facts $bad (nofork=$nofork): complete" false "$(field .complete)"
		rv_cmp "facts $bad (nofork=$nofork): errors" "$(field '.errors | length')" -gt 0
		RAIDVIRT_RULES_NOFORK=$nofork "$RV_CLI" triage --facts "$WORK/bad$n.json" \
			>"$WORK/out.txt" 2>/dev/null
		rv_eq "facts $bad (nofork=$nofork): text exit status" 3 $?
	done
done
rv_eq "{} names the missing dump" "no 'dump' section" \
	"$(echo '{}' | "$RV_CLI" triage --json --facts - 2>/dev/null | jq -r '.errors[] | select(.section == "dump") | .message')"

# Right types at the top, wrong ones inside: jq errors in the rules are
# those rules' errors, reported; nothing aborts.
odd='{"schema":"raidvirt.facts/1","dump":{},"md":{"arrays":5},"virtio":{"devices":{"a":1}},"blk":{"disks":"q"},"irq":{"matrix":[]},"findings":[]}'
for nofork in 0 1; do
	printf '%s\n' "$odd" >"$WORK/odd.json"
	RAIDVIRT_RULES_NOFORK=$nofork doc "odd facts (nofork=$nofork)" 3 triage --json --facts "$WORK/odd.json"
	rv_cmp "odd facts (nofork=$nofork): rule errors" "$(field '[.errors[] | select(.section == "rules" and .rule != null)] | length')" -ge 2
	rv_eq "odd facts (nofork=$nofork): each also a findings error entry" \
		"$(field '.summary.rule_errors')" "$(field '[.errors[] | select(.path == "findings")] | length')"
done

# ---- a SELECT that matches nothing: exit 4 and one line naming what exists ----
for q in "md md9|arrays in the dump: md0" "blk vdz|disks in the dump: vda vdb md0" \
	"virtio virtio99|devices in the dump: virtio0 \(vda\) virtio1 \(vdb\)"; do
	sel=${q%%|*}
	want=${q#*|}
	rc=0
	"$RV_CLI" show ${sel% *} "$frozen" "${sel#* }" >"$WORK/sel.out" 2>"$WORK/sel.err" || rc=$?
	rv_eq "show $sel: exit status (no match)" 4 "$rc"
	rv_eq "show $sel: one line on stderr" 1 "$(wc -l <"$WORK/sel.err")"
	rv_match "show $sel: names what exists" "nothing matches '${sel#* }'; $want\$" "$(cat "$WORK/sel.err")"
done
for sel in "md md0" "blk vdb" "virtio vdb"; do
	rc=0
	"$RV_CLI" show ${sel% *} "$frozen" "${sel#* }" >"$WORK/sel.out" 2>"$WORK/sel.err" || rc=$?
	rv_eq "show $sel: exit status (a match)" 0 "$rc"
	rv_cmp "show $sel: a table on stdout" "$(wc -l <"$WORK/sel.out")" -gt 1
done

rv_summary

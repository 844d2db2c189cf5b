#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Corruption torture (issue 14): damaged copies of the rig dumps, made here
# by tests/torture/mutate.py with fixed seeds (nothing binary is committed).
#   1. the named reproducers: each header / VMCOREINFO / ELF / flattened
#      damage that once crashed the CLI or was reported as something else,
#      with the exact message now expected;
#   2. the torture loop: every damage class on each rig dump, asserting
#      exit 0/1/3 only, no signal, no run over 10 s, clear stderr lines,
#      undamaged sections unchanged and damage always reported.
. "$(dirname "$0")/../lib.sh"

T=$RV_ROOT/tests/torture
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
MUTATE="python3 $T/mutate.py"

if [ ! -x "$RV_CLI" ]; then
	rv_not_ok "CLI $RV_CLI not built"
	rv_summary
	exit 1
fi

dump_dir() { rv_scenario_dir "$1"; }


healthy=$(dump_dir healthy)
if [ ! -f "$healthy/vmcore" ]; then
	rv_not_ok "no healthy rig dump (dumps/rig.py build healthy)"
	rv_summary
	exit 1
fi

# mutant KIND [ARG] [SRC]: $WORK/m, a damaged copy of SRC (healthy vmcore).
mutant() {
	rm -f "$WORK/m"
	$MUTATE "${3:-$healthy/vmcore}" "$WORK/m" "$1" "${2:-0}" >/dev/null
}

# ---- 1. named reproducers ----
# libkdumpfile refused these and kdump_free then crashed on the released
# context (SIGSEGV); now one line naming the damage.
m=$WORK/m
mutant hdr-bitmap-blocks
rv_run_bounded "bitmap_blocks 0x7fffffff" 3 "^raidvirt: $m: not a kernel dump libkdumpfile can read \(.*page bitmap" \
	facts --json "$m"
mutant hdr-max-mapnr
rv_run_bounded "max_mapnr 0x80000000" 3 "^raidvirt: $m: not a kernel dump libkdumpfile can read \(.*Invalid diskdump header" \
	facts --json "$m"
mutant sub-size-note
rv_run_bounded "size_note 2^63-1" 3 "^raidvirt: $m: not a kernel dump libkdumpfile can read \(.*note bytes" \
	facts --json "$m"
mutant vmci-pagesize
rv_run_bounded "VMCOREINFO PAGESIZE=0000" 3 "^raidvirt: $m: not a kernel dump libkdumpfile can read \(.*PAGESIZE" \
	facts --json "$m"
mutant zero-header
rv_run_bounded "zeroed 64 KiB header" 3 "^raidvirt: $m: not a kernel dump libkdumpfile can read \(.*Unknown file format" \
	facts --json "$m"
# block_size 4097 was reported as a truncation at byte 1.2e19.
mutant hdr-block-size
rv_run_bounded "block_size 4097" 3 "^raidvirt: $m: corrupt dump header: block_size 4097 is not a page size" \
	facts --json "$m"
# Random bytes over a VMCOREINFO line crash libkdumpfile inside
# kdump_open_fd: the child probe reports it.
mutant vmci-garbage 1
rv_run_bounded "VMCOREINFO garbage" 3 "^raidvirt: $m: corrupt dump headers or VMCOREINFO: libkdumpfile crashes reading them" \
	facts --json "$m"
# A flattened stream ended cleanly after 2/3 of its records read as
# "Wrong page size: 0" (reassembled files skipped the extent check).
mutant flat-cut-record
rv_run_bounded "flattened stream cut at a record" 3 "^raidvirt: $m: truncated dump: the last page descriptor .* its data was never written" \
	facts --json "$m"
# p_offset 2^64-1 wrapped past the truncation check.
# (an ELF vmcore of any scenario: the rig keeps vmcore.elf where it has one)
elf=$(ls "$(dump_dir healthy)/vmcore.elf" "$(dump_dir raid1-frozen)/vmcore.elf" 2>/dev/null | head -1)
if [ -n "$elf" ]; then
	mutant elf-phoff-overflow 0 "$elf"
	rv_run_bounded "ELF p_offset 2^64-1" 3 "^raidvirt: $m: truncated dump: ELF program header [0-9]+ needs bytes 0xffffffffffffffff\+" \
		facts --json "$m"
else
	rv_not_ok "ELF p_offset 2^64-1: no rig dump has a vmcore.elf"
fi

# ---- partial facts from a damaged file: what VMCOREINFO still says ----
docs=()
for k in truncate-desc hdr-bitmap-blocks flat-cut-record; do
	mutant $k
	timeout 20 "$RV_CLI" facts --json "$m" >"$WORK/$k.json" 2>"$WORK/err"
	rv_eq "$k: exit status" 3 $?
	rv_eq "$k: complete" false "$(jq .complete "$WORK/$k.json")"
	rv_eq "$k: dump.release from VMCOREINFO" "$RV_RELEASE" "$(jq -r .dump.release "$WORK/$k.json")"
	rv_eq "$k: dump.vmcoreinfo.page_size" 4096 "$(jq -r .dump.vmcoreinfo.page_size "$WORK/$k.json")"
	rv_match "$k: errors[] names the dump section" "^dump$" "$(jq -r '.errors[0].section' "$WORK/$k.json")"
	docs+=("facts=$WORK/$k.json")
done
timeout 60 python3 "$RV_ROOT/tests/cli/schema_check.py" "$RV_ROOT/docs/schema" "${docs[@]}" >"$WORK/out" 2>&1
rv_eq "partial facts documents valid (schema_check)" 0 $?
rm -f "$m"

# ---- garbage verdicts and silent losses on raid1-frozen ----
frozen=$(dump_dir raid1-frozen)
if [ -f "$frozen/vmcore" ]; then
	"$RV_CLI" facts --json "$frozen/vmcore" >"$WORK/frozen.json" 2>/dev/null
	pob=$("$RV_CLI" debug "$frozen/vmcore" rd:page_offset_base:1 | awk '/^rd /{print $3}')
	mddev=$(jq -r '.md.arrays[0].addr' "$WORK/frozen.json")
	conf=$(jq -r '.md.arrays[0].conf.addr' "$WORK/frozen.json")
	rv_eq "raid1-frozen: conf trusted" true "$(jq '.md.arrays[0].conf.trusted' "$WORK/frozen.json")"
	rv_eq "raid1-frozen: mddev trusted" true "$(jq '.md.arrays[0].trusted' "$WORK/frozen.json")"
	# The r1conf page replaced by 0xcc bytes: it fired raid1-barrier-
	# imbalance on nr_sync_pending -858993460. Now the conf is not
	# trusted (conf->mddev does not point back) and no raid1 rule fires.
	mutant page-cc "$(printf '%x' $(( (conf - 0x$pob) & ~4095 )))" "$frozen/vmcore"
	timeout 20 "$RV_CLI" triage --json "$m" >"$WORK/out" 2>"$WORK/err"
	rv_eq "r1conf page of 0xcc: no raid1 finding" 0 \
		"$(jq '[.findings[].rule | select(startswith("raid1-"))] | length' "$WORK/out")"
	timeout 20 "$RV_CLI" facts --json "$m" >"$WORK/out" 2>"$WORK/err"
	rv_eq "r1conf page of 0xcc: conf.trusted" false "$(jq '.md.arrays[0].conf.trusted' "$WORK/out")"
	rv_match "r1conf page of 0xcc: the reason" "conf->mddev 0xcccccccccccccccc does not point back at the mddev $mddev" \
		"$(jq -r '.md.arrays[0].conf.untrusted | join("; ")' "$WORK/out")"
	rv_match "r1conf page of 0xcc: an error says so" "r1conf not trusted: " \
		"$(jq -r '.md.arrays[0].conf.error | if type == "array" then join("; ") else . end' "$WORK/out")"
	# The mddev page unreadable: the freeze finding is gone, and md must
	# say it could not be read (never a quiet clean).
	mutant page-corrupt "$(printf '%x' $(( (mddev - 0x$pob) & ~4095 )))" "$frozen/vmcore"
	timeout 20 "$RV_CLI" facts --json "$m" >"$WORK/out" 2>"$WORK/err"
	rv_eq "mddev page damaged: facts exit status" 3 $?
	# Incomplete with all debug info present: stderr says which section
	# (it said nothing, exit 3: CI's zero-page-data mutant of healthy).
	rv_match "mddev page damaged: facts stderr names md" "^raidvirt: incomplete analysis: md[.:]" \
		"$(head -1 "$WORK/err")"
	rv_cmp "mddev page damaged: facts stderr lines" "$(wc -l <"$WORK/err")" -le 4
	rv_eq "mddev page damaged: mddev trusted" false "$(jq '.md.arrays[0].trusted' "$WORK/out")"
	timeout 20 "$RV_CLI" triage "$m" >"$WORK/out2" 2>"$WORK/err"
	rv_eq "mddev page damaged: triage exit status" 3 $?
	rv_match "mddev page damaged: triage stderr names md" "^raidvirt: incomplete analysis: md[.:]" \
		"$(head -1 "$WORK/err")"
	rv_match "mddev page damaged: md error names the page" "cannot read .* at $(printf '0x%x' $((mddev & ~4095)) | cut -c1-14)" \
		"$(jq -r '[.md | .. | objects | .error? // empty | if type == "array" then .[] else . end] | join("; ")' "$WORK/out")"
	rm -f "$m"
else
	rv_not_ok "no raid1-frozen rig dump (dumps/rig.py build raid1-frozen)"
fi

# ---- damaged debug files: said as such, and a good file still found ----
ELFDAMAGE="python3 $T/elfdamage.py"
MODDIR=$RV_MODDEBUG/kernel/drivers/md
if [ -f "$frozen/vmcore" ] && [ -f "$MODDIR/raid1.ko" ] && [ -f "$RV_VMLINUX" ]; then
	# mods CASE: $WORK/CASE holding md-mod.ko and a bad raid1.ko.
	mods() {
		rm -rf "$WORK/$1"
		mkdir -p "$WORK/$1"
		cp "$MODDIR/md-mod.ko" "$WORK/$1/"
	}
	mods other
	cp "$MODDIR/raid10.ko" "$WORK/other/raid1.ko"
	mods info
	$ELFDAMAGE "$MODDIR/raid1.ko" "$WORK/info/raid1.ko" zero .debug_info
	mods abbrev
	$ELFDAMAGE "$MODDIR/raid1.ko" "$WORK/abbrev/raid1.ko" zero .debug_abbrev
	for c in other info abbrev; do
		case $c in
		other) why="is the debug file of module raid10, not raid1" ;;
		*) why="damaged debug info \(libdw: .*\): no struct module" ;;
		esac
		# Alone: the md section says why raid1 did not decode (it said
		# "no struct r1conf" inside the JSON, exit 0, nothing on stderr).
		timeout 20 "$RV_CLI" triage --json --vmlinux "$RV_VMLINUX" --no-default-debuginfo \
			--debuginfo "$WORK/$c" "$frozen/vmcore" >"$WORK/out" 2>"$WORK/err"
		rv_eq "raid1.ko $c, alone: exit status" 3 $?
		rv_match "raid1.ko $c, alone: stderr" "^raidvirt: incomplete analysis: md: .*$WORK/$c/raid1.ko:? $why" \
			"$(grep ' md: ' "$WORK/err")"
		rv_eq "raid1.ko $c, alone: complete" false "$(jq '.complete' "$WORK/out")"
		# Before /usr/lib/debug: the good raid1.ko there is used and the
		# frozen array found (the bad one hid it).
		timeout 20 "$RV_CLI" triage --json --debuginfo "$WORK/$c" "$frozen/vmcore" \
			>"$WORK/out" 2>"$WORK/err"
		rv_eq "raid1.ko $c, then /usr/lib/debug: raid1-freeze-hang" true \
			"$(jq 'any(.findings[]; .rule == "raid1-freeze-hang")' "$WORK/out")"
		rm -rf "$WORK/$c"
	done
	# vmlinux cut short: "truncated", not "not a debug vmlinux".
	$ELFDAMAGE "$RV_VMLINUX" "$WORK/vmlinux" truncate 100000000
	rv_run_bounded "vmlinux truncated" 3 "^raidvirt: $WORK/vmlinux: truncated: its section headers end at byte [0-9]+, the file has 100000000 bytes" \
		facts --json --vmlinux "$WORK/vmlinux" "$frozen/vmcore"
	if [ "$(df --output=avail -k "$WORK" | tail -1)" -gt 1200000 ]; then
		$ELFDAMAGE "$RV_VMLINUX" "$WORK/vmlinux" zero .debug_abbrev
		rv_run_bounded "vmlinux .debug_abbrev zeroed" 3 "^raidvirt: $WORK/vmlinux: damaged debug info \(libdw: .*\): no struct module" \
			facts --json --vmlinux "$WORK/vmlinux" "$frozen/vmcore"
	else
		rv_not_ok "vmlinux .debug_abbrev zeroed: no room for a copy of the vmlinux"
	fi
	rm -f "$WORK/vmlinux"
else
	rv_not_ok "damaged debug files: need the raid1-frozen dump, $MODDIR/raid1.ko and $RV_VMLINUX"
fi

# ---- 2. the torture loop: each rig dump, each damage class ----
# Fixed plan: 5 classes per scenario, rotating through CLASSES so every
# class meets several dumps; ARG (the seed) is the mutant's index.
CLASSES=(truncate-random flip zero-page-data vmci-osrelease hdr-block-size
	 sub-size-note vmci-garbage flat-cut-record zero-header truncate-half
	 hdr-max-mapnr vmci-pagesize)
SCENARIOS=(healthy raid1-frozen raid1-degraded lost-interrupt fq-panic vector-exhaustion)
t_loop=$SECONDS
i=0
nmut=0
for sc in "${SCENARIOS[@]}"; do
	d=$(dump_dir "$sc")
	if [ ! -f "$d/vmcore" ]; then
		rv_not_ok "torture: no $sc rig dump"
		continue
	fi
	timeout 60 "$RV_CLI" facts --json "$d/vmcore" >"$WORK/base.json" 2>/dev/null
	for _ in 1 2 3 4 5; do
		k=${CLASSES[i % ${#CLASSES[@]}]}
		i=$((i + 1))
		what=$($MUTATE "$d/vmcore" "$m" "$k" "$i" 2>&1) || {
			rv_not_ok "torture $sc/$k: mutate.py: $what"
			continue
		}
		name="torture $sc/$k:$i"
		t0=$SECONDS
		timeout 20 "$RV_CLI" facts --json "$m" >"$WORK/out" 2>"$WORK/err" </dev/null
		rc=$?
		nmut=$((nmut + 1))
		if [ $rc -eq 0 ] || [ $rc -eq 1 ] || [ $rc -eq 3 ]; then
			rv_ok "$name: exit status $rc"
		else
			rv_not_ok "$name: exit status $rc (signal or hang; $what)"
		fi
		rv_cmp "$name: seconds" $((SECONDS - t0)) -lt 10
		bad=$(grep -cv '^raidvirt: ' "$WORK/err")
		rv_eq "$name: stderr lines all 'raidvirt: ...'" 0 "$bad"
		rv_cmp "$name: stderr lines" "$(wc -l <"$WORK/err")" -le 10
		[ $rc -eq 3 ] && rv_cmp "$name: a reason on stderr" "$(wc -l <"$WORK/err")" -ge 1
		while read -r line; do
			case $line in
			"ok - "*) rv_ok "${line#ok - }" ;;
			*) rv_not_ok "${line#not ok - } ($what)" ;;
			esac
		done < <(python3 "$T/check_facts.py" "$name" "$WORK/base.json" "$WORK/out")
		rm -f "$m"
	done
done
rv_cmp "torture: mutants run" "$nmut" -ge 30
echo "# torture loop: $nmut mutants in $((SECONDS - t_loop)) s"

rv_summary

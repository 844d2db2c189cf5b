#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The one module debug-file finder (lib/modfind.c) in both front ends: a
# raid1.ko whose vermagic names another release, that is another module's
# file, or whose DWARF is damaged is never loaded. Earlier in the search
# order it is skipped for the right one; alone it is refused with a message
# that names the file and why.
#
#   tests/ext/test_modfind.sh      (the rig's raid1-frozen dump)

. "$(dirname "$0")/../lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dir=$(rv_dump_dir raid1-frozen)
dump=$dir/vmcore
[ -f "$dump" ] || rv_not_ok "raid1-frozen dump missing"
good_raid1=$(find "$RV_MODDEBUG" -name raid1.ko | head -1)
good_md=$(find "$RV_MODDEBUG" -name md-mod.ko | head -1)
rv_match "installed raid1.ko" '/raid1\.ko$' "$good_raid1"
rv_match "installed md-mod.ko" '/md-mod\.ko$' "$good_md"

# The other release: same length, so the ELF layout is unchanged.
other=${RV_RELEASE/#6.1.0-[0-9][0-9]/6.1.0-99}
[ "$other" != "$RV_RELEASE" ] || other=X${RV_RELEASE:1}
mkdir -p "$work/other"
python3 - "$good_raid1" "$work/other/raid1.ko" "$RV_RELEASE" "$other" <<'PY'
import sys
src, dst, rel, other = sys.argv[1:]
b = open(src, 'rb').read()
old = b'vermagic=' + rel.encode() + b' '
assert old in b, 'no vermagic in ' + src
open(dst, 'wb').write(b.replace(old, b'vermagic=' + other.encode() + b' '))
PY
rv_eq "patched copy's vermagic" "$other" \
	"$(strings -a "$work/other/raid1.ko" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p' | head -1)"
cp "$good_md" "$work/other/"

# crash, the wrong raid1.ko first in the search order: skipped, the
# installed one is loaded.
RAIDVIRT_DEBUGINFO=$work/other rv_crash "$dump" "$work/first.log" \
	"r1conf -j > $work/first.json" "mod > $work/first.mod"
rv_eq "crash, other release first: md arrays" 1 "$(rv_jq "$work/first.json" '.arrays | length')"
rv_eq "crash, other release first: nothing missing" 0 \
	"$(rv_jq "$work/first.json" '.debuginfo_missing | length')"
rv_match "crash, other release first: raid1 from the installed file" \
	" raid1 .*$good_raid1" "$(grep ' raid1 ' "$work/first.mod")"

# crash, only the wrong one: refused, and the md section says why.
RAIDVIRT_DEBUGINFO=$work/other RAIDVIRT_NO_DEFAULT_DEBUGINFO=1 rv_crash "$dump" \
	"$work/only.log" "r1conf -j > $work/only.json" "mod > $work/only.mod"
rv_match "crash, only other release: refused" \
	"no matching debuginfo for module raid1: $work/other/raid1.ko is for release $other, the dump is $RV_RELEASE; run: mod -s raid1" \
	"$(rv_jq "$work/only.json" '.debuginfo_missing[0]')"
rv_match "crash, only other release: raid1 symbols not loaded" \
	' raid1 .*\(not loaded\)' "$(grep ' raid1 ' "$work/only.mod")"
rv_match "crash, only other release: md_mod from the copy" \
	" md_mod .*$work/other/md-mod.ko" "$(grep ' md_mod ' "$work/only.mod")"

# A raid1.ko of another module (raid10.ko under that name) or with its
# .debug_info zeroed: crash refuses it as the CLI does (lib/modfind.c,
# rv_modfind_lookup_usable: .modinfo name=, DWARF defining struct module),
# says why in the md section and its text, and a good file in a later root
# is still taken (tests/torture/run.sh checks the same on the CLI).
mkdir -p "$work/badname" "$work/badinfo"
cp "$(dirname "$good_raid1")/raid10.ko" "$work/badname/raid1.ko"
python3 "$RV_ROOT/tests/torture/elfdamage.py" "$good_raid1" "$work/badinfo/raid1.ko" zero .debug_info
cp "$good_md" "$work/badname/"
cp "$good_md" "$work/badinfo/"
for c in badname badinfo; do
	case $c in
	badname) why="no matching debuginfo for module raid1: $work/badname/raid1.ko is the debug file of module raid10, not raid1" ;;
	badinfo) why="no usable debuginfo for module raid1: $work/badinfo/raid1.ko: damaged debug info \(libdw: .*\): no struct module" ;;
	esac
	RAIDVIRT_DEBUGINFO=$work/$c RAIDVIRT_NO_DEFAULT_DEBUGINFO=1 rv_crash "$dump" "$work/$c.log" \
		"r1conf -j > $work/$c.json" "r1conf > $work/$c.txt" "mod > $work/$c.mod"
	rv_match "crash, raid1.ko $c alone: refused in the md section" "$why" \
		"$(rv_jq "$work/$c.json" '.debuginfo_missing[0]')"
	rv_match "crash, raid1.ko $c alone: the r1conf text says so" "md: missing debuginfo: $why" \
		"$(cat "$work/$c.txt")"
	rv_eq "crash, raid1.ko $c alone: no array decoded from it" 0 \
		"$(rv_jq "$work/$c.json" '[.arrays[]? | select(.conf.trusted == true)] | length')"
	rv_match "crash, raid1.ko $c alone: raid1 symbols not loaded" \
		' raid1 .*\(not loaded\)' "$(grep ' raid1 ' "$work/$c.mod")"
done
# The damaged file first, the installed one after it: the installed one.
RAIDVIRT_DEBUGINFO=$work/badinfo rv_crash "$dump" "$work/badfirst.log" \
	"r1conf -j > $work/badfirst.json" "mod > $work/badfirst.mod"
rv_eq "crash, damaged raid1.ko first: md arrays" 1 "$(rv_jq "$work/badfirst.json" '.arrays | length')"
rv_eq "crash, damaged raid1.ko first: nothing missing" 0 \
	"$(rv_jq "$work/badfirst.json" '.debuginfo_missing | length')"
rv_match "crash, damaged raid1.ko first: raid1 from the installed file" \
	" raid1 .*$good_raid1" "$(grep ' raid1 ' "$work/badfirst.mod")"

# The CLI, same roots: the same refusal, exit 3.
"$RV_CLI" show md --vmlinux "$RV_VMLINUX" --no-default-debuginfo --debuginfo "$work/other" "$dump" \
	>"$work/cli.out" 2>"$work/cli.err"
rv_eq "CLI, only other release: exit status" 3 "$?"
rv_match "CLI, only other release: refused" \
	"no matching debuginfo for module raid1: $work/other/raid1.ko is for release $other, the dump is $RV_RELEASE" \
	"$(cat "$work/cli.err")"
"$RV_CLI" show md --debuginfo "$work/other" "$dump" >"$work/cli2.out" 2>"$work/cli2.err"
rv_eq "CLI, other release first: exit status" 0 "$?"
rv_match "CLI, other release first: md0 decoded" '  md0 ' "$(cat "$work/cli2.out")"

rv_summary

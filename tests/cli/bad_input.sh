#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The standalone program on bad input: every case gives one clear line on
# stderr and the documented exit status (docs/cli.md) within seconds.
#   0 analysed, 2 usage, 3 could not analyse.

. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# run NAME STATUS STDERR_REGEX ARGS...: the status, a single stderr line
# matching the regex, and no more than 30 seconds.
run() {
	local name=$1 want=$2 re=$3
	shift 3
	local t0=$SECONDS
	timeout 30 "$RV_CLI" "$@" >"$WORK/out" 2>"$WORK/err"
	local rc=$?
	rv_eq "$name: exit status" "$want" "$rc"
	rv_cmp "$name: seconds" $((SECONDS - t0)) -lt 30
	if [ -n "$re" ]; then
		rv_eq "$name: stderr lines" 1 "$(wc -l <"$WORK/err")"
		rv_match "$name: stderr" "$re" "$(head -1 "$WORK/err")"
	fi
}

# ---- usage ----
run "no command" 2 "^raidvirt: no command"
run "unknown command" 2 "^raidvirt: no command 'frobnicate'" frobnicate
run "facts without dump" 2 "^raidvirt: expected one DUMP" facts
run "unknown option" 2 "^raidvirt: unknown or incomplete option '--frob'" facts --frob x
run "option of another command" 2 "does not apply here" facts -b x
run "show unknown table" 2 "^raidvirt: no table 'disks'" show disks x
run "show vectors with a selection" 2 "^raidvirt: show vectors takes no SELECT" show vectors x md0
run "--help" 0 "" --help
rv_match "--help text" "exit status: 0 analysed" "$(cat "$WORK/out")"
run "facts --help" 0 "" facts --help
rv_match "facts --help text" "usage: raidvirt facts" "$(cat "$WORK/out")"
run "show --help" 0 "" show --help
rv_match "show --help text" "usage: raidvirt show" "$(cat "$WORK/out")"
run "help triage" 0 "" help triage
rv_match "help triage text" "usage: raidvirt triage" "$(cat "$WORK/out")"
run "triage without dump" 2 "" triage

# ---- files that are not dumps ----
: >"$WORK/empty"
head -c 1M /dev/urandom >"$WORK/random"
run "missing file" 3 "^raidvirt: $WORK/nonexistent: No such file" facts "$WORK/nonexistent"
run "empty file" 3 "^raidvirt: $WORK/empty: empty file" facts --json "$WORK/empty"
run "random bytes" 3 "^raidvirt: $WORK/random: not a kernel dump" facts --json "$WORK/random"

# ---- a real dump, damaged or with the wrong debug info ----
if [ -n "$RV_DUMPS" ]; then	# a snapshot of the rig's cache: DIR/SCENARIO/
	dir=$RV_DUMPS/healthy
elif [ -n "$RV_NO_BUILD" ]; then	# the latest cached dumps, never start the rig
	dir=$(readlink -f "$RV_BUILD/dumps/$RV_RELEASE/healthy")
else
	dir=$(rv_dump_dir healthy)
fi
dump=$dir/vmcore
if [ ! -f "$dump" ]; then
	rv_not_ok "no healthy rig dump (dumps/rig.py build healthy)"
	rv_summary
	exit
fi

before="$(stat -c %Y:%s "$dump") $(md5sum <"$dump")"

head -c 10M "$dump" >"$WORK/truncated"
run "truncated dump (head -c 10M)" 3 "^raidvirt: $WORK/truncated: truncated dump" \
	facts --json "$WORK/truncated"
if head -c 12 "$dump" | grep -q makedumpfile && command -v makedumpfile >/dev/null; then
	makedumpfile -R "$WORK/plain" <"$dump" >/dev/null 2>&1
	head -c 10M "$WORK/plain" >"$WORK/plain-truncated"
	rm -f "$WORK/plain"
	run "truncated reassembled kdump" 3 "^raidvirt: $WORK/plain-truncated: truncated dump" \
		facts --json "$WORK/plain-truncated"
else
	rv_skip "truncated reassembled kdump" "the dump is not flattened or makedumpfile is missing"
fi
if [ -f "$dir/vmcore.elf" ]; then
	head -c 10M "$dir/vmcore.elf" >"$WORK/elf-truncated"
	run "truncated ELF dump" 3 "^raidvirt: $WORK/elf-truncated: truncated dump" \
		facts --json "$WORK/elf-truncated"
	# Pages makedumpfile excludes from an ELF dump are the tail of a LOAD
	# segment beyond p_filesz: shrink the largest segment's p_filesz by
	# 16 MiB and read a direct-map page in that tail. It must fail, not
	# read as zeros (libkdumpfile 0.5.1 would give zeros).
	cp "$dir/vmcore.elf" "$WORK/filtered.elf"
	chmod u+w "$WORK/filtered.elf"
	hole=$(python3 - "$WORK/filtered.elf" <<-'EOF'
		import struct, sys
		with open(sys.argv[1], "r+b") as f:
		    h = f.read(64)
		    phoff, = struct.unpack_from("<Q", h, 32)
		    phentsize, phnum = struct.unpack_from("<HH", h, 54)
		    best = None
		    for i in range(phnum):
		        f.seek(phoff + i * phentsize)
		        typ, _, _, _, pa, fsz, msz, _ = struct.unpack("<IIQQQQQQ", f.read(56))
		        if typ == 1 and fsz > 32 << 20 and (best is None or fsz > best[1]):
		            best = (i, fsz, pa)
		    i, fsz, pa = best
		    f.seek(phoff + i * phentsize + 32)
		    f.write(struct.pack("<Q", fsz - (16 << 20)))
		    print("%#x" % (pa + fsz - (8 << 20)))
		EOF
	)
	pob=$("$RV_CLI" debug "$dir/vmcore.elf" rd:page_offset_base:1 | awk '/^rd /{print $3}')
	addr=$(printf '0x%x' $((0x$pob + hole)))
	timeout 30 "$RV_CLI" debug "$dir/vmcore.elf" "rd:$addr:4" >"$WORK/out" 2>&1
	rv_eq "unfiltered ELF: page at physical $hole reads" 0 $?
	timeout 30 "$RV_CLI" debug "$WORK/filtered.elf" "rd:$addr:4" >"$WORK/out" 2>&1
	rv_eq "filtered ELF: excluded page exit status" 3 $?
	rv_match "filtered ELF: excluded page is a fault, not zeros" \
		"^error rd:$addr:4: fault: .* is excluded from the dump" "$(cat "$WORK/out")"
	rm -f "$WORK/filtered.elf"
else
	rv_skip "truncated ELF dump, filtered ELF" "the rig wrote no vmcore.elf"
fi

run "vmlinux is /bin/ls" 3 "^raidvirt: /bin/ls is not an x86_64 vmlinux" \
	facts --json --vmlinux /bin/ls "$dump"
run "vmlinux is a module" 3 "^raidvirt: .*/raid1\.ko is not an x86_64 vmlinux" \
	facts --json --vmlinux "$RV_MODDEBUG/kernel/drivers/md/raid1.ko" "$dump"
# A vmlinux whose linux_banner names another release (a copy with the
# release patched; same build id, so the banner check must catch it).
if [ -f "$RV_VMLINUX" ] && [ "$(df --output=avail -k "$WORK" | tail -1)" -gt 1200000 ]; then
	LC_ALL=C perl -pe "s/Linux version \Q$RV_RELEASE\E/Linux version X${RV_RELEASE:1}/g" \
		"$RV_VMLINUX" >"$WORK/vmlinux-other"
	run "vmlinux of another release" 3 "vmlinux-other does not match the dump: it is release X" \
		facts --json --vmlinux "$WORK/vmlinux-other" "$dump"
	rm -f "$WORK/vmlinux-other"
else
	rv_skip "vmlinux of another release" "no $RV_VMLINUX or under 1.2 GB free in $WORK"
fi
# --types dwarf: auto would take the dump's BTF instead (tests/cli/btf.sh)
run "no vmlinux found" 3 "^raidvirt: no vmlinux for release $RV_RELEASE: nothing to search" \
	facts --json --types dwarf --no-default-debuginfo "$dump"
mkdir -p "$WORK/emptydir"
run "no vmlinux under --debuginfo" 3 "^raidvirt: no vmlinux with debug info for release $RV_RELEASE \(searched $WORK/emptydir/boot/vmlinux-$RV_RELEASE, " \
	facts --json --types dwarf --no-default-debuginfo --debuginfo "$WORK/emptydir" "$dump"

# Missing module debug info: the facts still come out, flagged.
run "missing module debuginfo" 3 \
	"^raidvirt: incomplete analysis: no debuginfo for module md_mod \(no md_mod.ko or md-mod.ko or .ko.debug under $WORK/emptydir\)" \
	facts --json --vmlinux "$RV_VMLINUX" --no-default-debuginfo --debuginfo "$WORK/emptydir" "$dump"
rv_match "missing module debuginfo: md section says so" "no debuginfo for module raid1" \
	"$(jq -r '.md.debuginfo_missing | join("; ")' "$WORK/out")"
rv_eq "missing module debuginfo: dump section still decoded" "$RV_RELEASE" \
	"$(jq -r '.dump.release' "$WORK/out")"
run "missing module debuginfo (show md)" 3 "^raidvirt: incomplete analysis: no debuginfo for module md_mod" \
	show md --vmlinux "$RV_VMLINUX" --no-default-debuginfo --debuginfo "$WORK/emptydir" "$dump"
# ... and found again through --debuginfo alone.
run "module debuginfo via --debuginfo" 0 "" \
	facts --json --vmlinux "$RV_VMLINUX" --no-default-debuginfo --debuginfo "$RV_MODDEBUG" "$dump"
rv_eq "module debuginfo via --debuginfo: no debuginfo_missing" "0" \
	"$(jq '[.[] | objects | .debuginfo_missing // empty] | length' "$WORK/out")"

run "debug: bad query" 3 "" debug "$dump" sym:no_such_symbol_xyz
rv_match "debug: bad query line" "^error sym:no_such_symbol_xyz: lookup: no symbol" "$(cat "$WORK/out")"

# Never writes to the dump.
rv_eq "dump unchanged (mtime, size, md5)" "$before" "$(stat -c %Y:%s "$dump") $(md5sum <"$dump")"

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The persistent DWARF type index (lib/dwarf_types.c, "the index cache"):
# the first run writes one file per build id to $RAIDVIRT_CACHE, a warm run
# reads it and gives the same facts without rewriting it; a damaged,
# truncated or stale cache file, or one whose offsets point at the wrong
# DIEs (with a valid checksum), is detected, ignored and rewritten; a cache
# directory that cannot be created and RAIDVIRT_CACHE=off still give the
# same facts and write nothing.
. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
dump=$(rv_scenario_dir raid1-degraded)/vmcore
if [ ! -r "$dump" ]; then
	rv_not_ok "no rig dump $dump (dumps/rig.py build raid1-degraded)"
	rv_summary
	exit 1
fi
C=$WORK/cache

same() {	# same A B: "same" if files A and B are equal, else "differ"
	cmp -s "$1" "$2" && echo same || echo differ
}

facts() {	# facts OUT [ENV...]: facts --json of the dump with the cache $C
	local out=$1
	shift
	env RAIDVIRT_CACHE="$C" "$@" "$RV_CLI" facts --json --types dwarf "$dump" >"$out" 2>"$out.err"
}

# The vmlinux's cache file: the largest.
vmlinux_cache() {
	ls -S "$C"/types-*.idx 2>/dev/null | head -1
}

facts "$WORK/cold.json"
rv_eq "cold run: exit status" 0 $?
idx=$(vmlinux_cache)
rv_cmp "cold run: cache files written (vmlinux + modules)" "$(ls "$C"/types-*.idx 2>/dev/null | wc -l)" -ge 2
rv_cmp "cold run: the vmlinux index is not empty (bytes)" "$(stat -c %s "$idx" 2>/dev/null || echo 0)" -gt 100000
rv_empty "cold run: no temporary file left" "$(ls -A "$C" | grep -v '^types-.*\.idx$')"
cp "$idx" "$WORK/good.idx"
before=$(stat -c '%i %Y' "$idx")

facts "$WORK/warm.json"
rv_eq "warm run: same facts as cold" same "$(same "$WORK/cold.json" "$WORK/warm.json")"
rv_eq "warm run: the cache file is not rewritten (inode, mtime)" "$before" "$(stat -c '%i %Y' "$idx")"
stats=$(RAIDVIRT_CACHE="$C" "$RV_CLI" debug --types dwarf "$dump" stats 2>/dev/null | grep "^index .*vmlinux")
rv_match "warm run: the whole vmlinux index is there at once" "units \(all\), [0-9]{4,} names" "$stats"

# damage IDX what: run, the facts must be the cold ones and the file rebuilt.
rebuilt() {
	facts "$WORK/$1.json"
	rv_eq "$1: same facts as cold" same "$(same "$WORK/cold.json" "$WORK/$1.json")"
	rv_eq "$1: the cache file is rebuilt" same "$(same "$WORK/good.idx" "$idx")"
}

# A flipped byte in the string table (the checksum).
cp "$WORK/good.idx" "$idx"
printf 'X' | dd of="$idx" bs=1 seek=$(($(stat -c %s "$idx") - 100)) conv=notrunc status=none
rebuilt "damaged cache file"
# Cut in half (the length the header promises).
cp "$WORK/good.idx" "$idx"
truncate -s $(($(stat -c %s "$idx") / 2)) "$idx"
rebuilt "truncated cache file"
# Empty.
: >"$idx"
rebuilt "empty cache file"
# Stale: written for another version of the debug file (its mtime in the header).
python3 - "$WORK/good.idx" "$idx" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
# header: magic[8] u32 u32 build_id[64] u64 file_size, i64 mtime_sec at 88
sec, = struct.unpack_from('<q', b, 88)
struct.pack_into('<q', b, 88, sec - 3600)
open(sys.argv[2], 'wb').write(b)
PY
rebuilt "stale cache file (other mtime)"
# Valid checksum, but the DIE offsets of two struct entries swapped: the
# DIEs found must carry the names looked up.
python3 - "$WORK/good.idx" "$idx" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], 'rb').read())
hdr = 8 + 4 + 4 + 64 + 8 + 8 + 8 + 8 + 4 + 4 + 8 + 8
n, = struct.unpack_from('<I', b, hdr - 24 - 4 + 4)    # nentries
ents = [struct.unpack_from('<BBHIQ', b, hdr + 16 * i) for i in range(n)]
strtab = hdr + 16 * n
def name(e):
    s = strtab + e[3]
    return bytes(b[s:b.index(0, s)]).decode()
# every complete struct entry gets the DIE offset of the next one
structs = [i for i, e in enumerate(ents) if e[0] == 0 and e[1] == 1]
vals = [ents[i][4] for i in structs]
for k, i in enumerate(structs):
    e = ents[i]
    struct.pack_into('<BBHIQ', b, hdr + 16 * i, e[0], e[1], e[2], e[3], vals[(k + 1) % len(vals)])
h = 14695981039346656037
for c in b[hdr:]:
    h = ((h ^ c) * 1099511628211) & 0xffffffffffffffff
struct.pack_into('<Q', b, hdr - 8, h)
open(sys.argv[2], 'wb').write(b)
PY
rebuilt "cache file with offsets of the wrong DIEs"

# A cache directory that cannot be created (below a regular file).
: >"$WORK/file"
env RAIDVIRT_CACHE="$WORK/file/cache" "$RV_CLI" facts --json --types dwarf "$dump" \
	>"$WORK/ro.json" 2>"$WORK/ro.err"
rv_eq "unwritable cache directory: exit status" 0 $?
rv_eq "unwritable cache directory: same facts" same "$(same "$WORK/cold.json" "$WORK/ro.json")"
# Off: nothing written.
rm -rf "$C"
env RAIDVIRT_CACHE=off XDG_CACHE_HOME="$C" HOME="$WORK/home" "$RV_CLI" facts --json \
	--types dwarf "$dump" >"$WORK/off.json" 2>/dev/null
rv_eq "RAIDVIRT_CACHE=off: same facts" same "$(same "$WORK/cold.json" "$WORK/off.json")"
rv_eq "RAIDVIRT_CACHE=off: nothing written (files)" 0 "$(find "$C" "$WORK/home" -type f 2>/dev/null | wc -l)"
# Default place: $XDG_CACHE_HOME/raidvirt.
env -u RAIDVIRT_CACHE XDG_CACHE_HOME="$WORK/xdg" "$RV_CLI" facts --json --types dwarf "$dump" \
	>/dev/null 2>&1
rv_cmp "default: \$XDG_CACHE_HOME/raidvirt holds the index" \
	"$(ls "$WORK/xdg/raidvirt"/types-*.idx 2>/dev/null | wc -l)" -ge 1
rv_summary

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Damaged copies of a kernel dump, made at test time (no mutant is ever
committed). Every mutant is a pure function of (source dump, kind, seed).

    mutate.py SRC OUT KIND [ARG]

SRC is a kdump-compressed file (plain or makedumpfile's flattened stream,
which is reassembled first) or an ELF vmcore. KIND is one of KINDS below;
ARG is the seed of the random kinds (flip, zero-page-data, ...) or the
physical address (hex) of the page-* kinds. Prints one line saying what
was damaged: "<section hint> <what>", e.g. "page-data 4 bytes at 0x1234".
"""
import os
import random
import shutil
import struct
import sys

FLAT_SIG = b"makedumpfile"
KDUMP_SIG = b"KDUMP   "
# struct disk_dump_header (makedumpfile diskdump_mod.h)
H_BLOCK_SIZE, H_SUB_HDR_SIZE, H_BITMAP_BLOCKS, H_MAX_MAPNR = 428, 432, 436, 440
# struct kdump_sub_header, at block_size
S_OFFSET_VMCOREINFO, S_SIZE_VMCOREINFO, S_SIZE_NOTE = 0x20, 0x28, 0x38


def reassemble(src, out):
    """The records of a flattened stream, written where they belong."""
    with open(src, "rb") as f, open(out, "wb") as o:
        f.seek(4096)
        while True:
            hdr = f.read(16)
            if len(hdr) < 16:
                raise SystemExit("%s: truncated flattened stream" % src)
            off, size = struct.unpack(">qq", hdr)
            if off == -1 and size == -1:
                return
            o.seek(off)
            o.write(f.read(size))


def flat_records(src):
    """(position of record header, size) of each flattened record."""
    recs = []
    with open(src, "rb") as f:
        pos = 4096
        while True:
            f.seek(pos)
            off, size = struct.unpack(">qq", f.read(16))
            if off == -1:
                return recs
            recs.append((pos, size))
            pos += 16 + size


def kind_of(path):
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(FLAT_SIG):
        return "flat"
    if head.startswith(KDUMP_SIG):
        return "kdump"
    if head.startswith(b"\x7fELF"):
        return "elf"
    raise SystemExit("%s: not a dump this generator knows" % path)


def patch(path, off, data):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data)


def read(path, off, n):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(n)


def kdump_layout(path):
    h = read(path, 0, 448)
    block, sub, bitmap = struct.unpack_from("<iiI", h, H_BLOCK_SIZE)
    desc = (1 + sub) * block + bitmap * block
    return block, desc


def compressed_pages(path, rnd, n):
    """n random page descriptors whose data is zlib-compressed (adler32
    makes any damage detectable, so damage must show as an error)."""
    block, desc = kdump_layout(path)
    size = os.path.getsize(path)
    picks = []
    # Descriptors are contiguous; sample indexes until n zlib pages found.
    ndesc = 0
    with open(path, "rb") as f:
        f.seek(desc)
        first_off, = struct.unpack("<q", f.read(8))
        ndesc = (first_off - desc) // 24
        for _ in range(2000):
            i = rnd.randrange(ndesc)
            f.seek(desc + 24 * i)
            off, sz, flags, _ = struct.unpack("<qIIQ", f.read(24))
            if flags & 1 and 16 < sz and off + sz <= size:
                picks.append((off, sz))
                if len(picks) == n:
                    break
    return picks


def vmcoreinfo_span(path, kind):
    data = read(path, 0, 1 << 20)
    i = data.find(b"OSRELEASE=")
    if i < 0:
        raise SystemExit("%s: no VMCOREINFO in the first MiB" % path)
    j = data.find(b"\n\n", i)
    j = data.find(b"\x00", i) if j < 0 else j
    return i, data


KINDS = {}


def kind(name):
    def reg(fn):
        KINDS[name] = fn
        return fn
    return reg


@kind("hdr-bitmap-blocks")
def _(out, rnd, arg):
    patch(out, H_BITMAP_BLOCKS, struct.pack("<I", 0x7FFFFFFF))
    return "header bitmap_blocks 0x7fffffff"


@kind("hdr-max-mapnr")
def _(out, rnd, arg):
    patch(out, H_MAX_MAPNR, struct.pack("<I", 0x80000000))
    return "header max_mapnr 0x80000000"


@kind("hdr-block-size")
def _(out, rnd, arg):
    patch(out, H_BLOCK_SIZE, struct.pack("<i", 4097))
    return "header block_size 4097"


@kind("sub-size-note")
def _(out, rnd, arg):
    block, _ = kdump_layout(out)
    patch(out, block + S_SIZE_NOTE, struct.pack("<Q", 2 ** 63 - 1))
    return "sub-header size_note 2^63-1"


@kind("zero-header")
def _(out, rnd, arg):
    patch(out, 0, bytes(65536))
    return "header zeroed 64 KiB"


@kind("vmci-pagesize")
def _(out, rnd, arg):
    data = read(out, 0, 1 << 20)
    i = data.find(b"PAGESIZE=4096")
    patch(out, i, b"PAGESIZE=0000")
    return "vmcoreinfo PAGESIZE=0000"


@kind("vmci-osrelease")
def _(out, rnd, arg):
    data = read(out, 0, 1 << 20)
    i = data.find(b"OSRELEASE=") + len("OSRELEASE=")
    patch(out, i, b"X")
    return "vmcoreinfo OSRELEASE first byte X"


@kind("vmci-garbage")
def _(out, rnd, arg):
    data = read(out, 0, 1 << 20)
    i = data.find(b"SYMBOL(init_uts_ns)=")
    patch(out, i, bytes(rnd.randrange(256) for _ in range(64)))
    return "vmcoreinfo 64 random bytes at SYMBOL(init_uts_ns)"


@kind("truncate-half")
def _(out, rnd, arg):
    os.truncate(out, os.path.getsize(out) // 2)
    return "truncated to half"


@kind("truncate-desc")
def _(out, rnd, arg):
    _, desc = kdump_layout(out)
    os.truncate(out, desc + 4096)
    return "truncated inside the page descriptors"


@kind("truncate-random")
def _(out, rnd, arg):
    size = os.path.getsize(out)
    os.truncate(out, rnd.randrange(size // 8, size - 1))
    return "truncated at a random byte"


@kind("flip")
def _(out, rnd, arg):
    # Flip bytes inside a few compressed pages: damage stays local.
    picks = compressed_pages(out, rnd, 3)
    for off, sz in picks:
        pos = off + rnd.randrange(2, sz - 4)
        b = read(out, pos, 4)
        patch(out, pos, bytes(x ^ 0xFF for x in b))
    return "page-data 4 bytes flipped in %d compressed pages" % len(picks)


@kind("zero-page-data")
def _(out, rnd, arg):
    picks = compressed_pages(out, rnd, 8)
    for off, sz in picks:
        patch(out, off, bytes(sz))
    return "page-data %d compressed pages zeroed" % len(picks)


def page_desc(path, phys):
    """File offset of the page descriptor of physical address phys."""
    h = read(path, 0, 448)
    block, sub, bitmap = struct.unpack_from("<iiI", h, H_BLOCK_SIZE)
    bm2 = (1 + sub) * block + bitmap * block // 2
    desc = (1 + sub) * block + bitmap * block
    pfn = phys // 4096
    bits = read(path, bm2, pfn // 8 + 1)
    if not bits[pfn // 8] >> (pfn % 8) & 1:
        raise SystemExit("physical %#x is not in the dump" % phys)
    rank = sum(bin(b).count("1") for b in bits[:pfn // 8])
    rank += bin(bits[pfn // 8] & ((1 << (pfn % 8)) - 1)).count("1")
    return desc + 24 * rank


@kind("page-cc")
def _(out, rnd, arg):
    # The page at physical ARG replaced by other data (0xcc bytes,
    # stored uncompressed at the end of the file).
    d = page_desc(out, int(arg, 16))
    end = os.path.getsize(out)
    with open(out, "ab") as f:
        f.write(b"\xcc" * 4096)
    patch(out, d, struct.pack("<qII", end, 4096, 0))
    return "page-data physical %s replaced by 0xcc bytes" % arg


@kind("page-corrupt")
def _(out, rnd, arg):
    # The page at physical ARG unreadable: its compressed data damaged.
    d = page_desc(out, int(arg, 16))
    off, sz, flags = struct.unpack("<qII", read(out, d, 16))
    if not flags & 1:
        raise SystemExit("physical %s is not zlib-compressed" % arg)
    patch(out, off, bytes(x ^ 0x5A for x in read(out, off, min(sz, 64))))
    return "page-data physical %s: compressed data damaged" % arg


# ---- ELF ----

def elf_phdrs(path):
    h = read(path, 0, 64)
    phoff, = struct.unpack_from("<Q", h, 32)
    phentsize, phnum = struct.unpack_from("<HH", h, 54)
    return phoff, phentsize, phnum


@kind("elf-phoff-overflow")
def _(out, rnd, arg):
    phoff, ent, n = elf_phdrs(out)
    for i in range(n):
        typ, = struct.unpack("<I", read(out, phoff + i * ent, 4))
        if typ == 1:
            patch(out, phoff + i * ent + 8, struct.pack("<Q", 2 ** 64 - 1))
            return "ELF program header %d p_offset 2^64-1" % i
    raise SystemExit("no PT_LOAD")


@kind("elf-truncate")
def _(out, rnd, arg):
    os.truncate(out, os.path.getsize(out) - 4096 * 1024)
    return "ELF truncated by 4 MiB"


@kind("elf-note-garbage")
def _(out, rnd, arg):
    phoff, ent, n = elf_phdrs(out)
    for i in range(n):
        typ, _, off, _, _, fsz = struct.unpack("<IIQQQQ", read(out, phoff + i * ent, 40))
        if typ == 4:
            patch(out, off, bytes(rnd.randrange(256) for _ in range(min(fsz, 4096))))
            return "ELF PT_NOTE first 4 KiB random"
    raise SystemExit("no PT_NOTE")


# ---- flattened stream ----

@kind("flat-cut-record")
def _(out, rnd, arg):
    # Keep the first 2/3 of the records and end the stream cleanly: the
    # reassembled file is short, although no record is cut.
    recs = flat_records(out)
    pos, size = recs[len(recs) * 2 // 3]
    os.truncate(out, pos)
    with open(out, "ab") as f:
        f.write(struct.pack(">qq", -1, -1))
    return "flattened stream cut at record %d of %d" % (len(recs) * 2 // 3, len(recs))


FLAT_KINDS = {"flat-cut-record"}
ELF_KINDS = {k for k in KINDS if k.startswith("elf-")}


def main():
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    src, out, k = sys.argv[1:4]
    arg = sys.argv[4] if len(sys.argv) == 5 else "0"
    if k not in KINDS:
        raise SystemExit("unknown kind %s (%s)" % (k, " ".join(sorted(KINDS))))
    rnd = random.Random("%s:%s" % (k, arg))
    fmt = kind_of(src)
    if k in FLAT_KINDS:
        if fmt != "flat":
            raise SystemExit("%s needs a flattened dump" % k)
        shutil.copyfile(src, out)
    elif k in ELF_KINDS:
        if fmt != "elf":
            raise SystemExit("%s needs an ELF dump" % k)
        shutil.copyfile(src, out)
    elif fmt == "flat":
        reassemble(src, out)
    elif fmt == "kdump":
        shutil.copyfile(src, out)
    else:
        raise SystemExit("%s needs a kdump-compressed dump" % k)
    os.chmod(out, 0o600)
    print(KINDS[k](out, rnd, arg))


if __name__ == "__main__":
    main()

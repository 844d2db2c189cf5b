#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Damaged copies of debug files (vmlinux, modules), made at test time.

    elfdamage.py SRC OUT zero SECTION     the section's bytes zeroed
    elfdamage.py SRC OUT truncate BYTES   the first BYTES bytes only
    elfdamage.py SRC OUT modname NAME     .modinfo name= set to NAME
"""
import shutil
import struct
import sys


def sections(f):
    f.seek(0)
    h = f.read(64)
    if h[:4] != b"\x7fELF" or h[4] != 2:
        raise SystemExit("not a 64-bit ELF file")
    shoff, = struct.unpack_from("<Q", h, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", h, 0x3A)
    shdrs = []
    for i in range(shnum):
        f.seek(shoff + i * shentsize)
        name, typ, flags, addr, off, size = struct.unpack("<IIQQQQ", f.read(40))
        shdrs.append((name, off, size))
    stroff = shdrs[shstrndx][1]
    out = {}
    for name, off, size in shdrs:
        f.seek(stroff + name)
        n = f.read(64).split(b"\0")[0].decode()
        out[n] = (off, size)
    return out


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    src, out, op, arg = sys.argv[1:]
    if op == "truncate":
        with open(src, "rb") as i, open(out, "wb") as o:
            o.write(i.read(int(arg)))
        return
    shutil.copyfile(src, out)
    with open(out, "r+b") as f:
        secs = sections(f)
        if op == "zero":
            off, size = secs[arg]
            f.seek(off)
            f.write(bytes(size))
        elif op == "modname":
            off, size = secs[".modinfo"]
            f.seek(off)
            data = f.read(size)
            i = data.find(b"name=")
            old = data[i:data.index(b"\0", i)]
            new = ("name=" + arg).encode()
            if len(new) > len(old):
                raise SystemExit("name longer than %s" % old)
            f.seek(off + i)
            f.write(new + b"\0" * (len(old) - len(new)))
        else:
            raise SystemExit(__doc__)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check the identity keys of one dump's facts (dump.build_id, time, taint,
modules) against what the guest and the rig said (tests/cli/identity.sh).

    identity_truth.py FACTS.json BTF-FACTS.json GROUND-TRUTH.json META.json BUILD-ID

BUILD-ID: the debug vmlinux's NT_GNU_BUILD_ID (readelf -n). Prints one
"ok - ..." or "not ok - ..." line per check.
"""

import datetime
import json
import re
import sys


def out(ok, what):
    print(("ok - " if ok else "not ok - ") + what)


def eq(what, want, got):
    out(want == got and want is not None,
        "%s = %r" % (what, got) if want == got else "%s (expected %r, got %r)" % (what, want, got))


def proc_modules(text):
    """/proc/modules: {name: (size, address, taint letters)}."""
    mods = {}
    for line in text.splitlines():
        w = line.split()
        if len(w) < 6:
            continue
        m = re.search(r"\(([A-Z]+)\)\s*$", line)
        mods[w[0]] = (int(w[1]), int(w[5], 16), m.group(1) if m else "")
    return mods


def iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def main():
    facts, btf, truth, meta = (json.load(open(p)) for p in sys.argv[1:5])
    vmlinux_id = sys.argv[5]
    d, b = facts.get("dump") or {}, btf.get("dump") or {}

    # build id: the dump's own, the same as the debug vmlinux's
    eq("build_id = the debug vmlinux's NT_GNU_BUILD_ID", vmlinux_id, d.get("build_id"))
    eq("build_id_from (VMCOREINFO BUILD-ID, v5.9+)", "vmcoreinfo", d.get("build_id_from"))
    eq("both documents' dump carries the build id: the BTF run", vmlinux_id, b.get("build_id"))

    # wall clock: the guest's RTC-backed clock while the rig built the dump
    t = d.get("time") or {}
    x = t.get("xtime_sec")
    created = iso(meta["created"])
    start = created - float(meta["build_seconds"]) - 5
    out(isinstance(x, int) and start <= x <= created + 1,
        "time.xtime_sec %r within the rig's build of the dump [%d, %d] (meta.json)"
        % (x, start, created + 1))
    if isinstance(x, int):
        eq("time.date = xtime_sec as UTC", datetime.datetime.fromtimestamp(
            x, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), t.get("date"))
    out("crashtime" in t and t["crashtime"] is None,
        "time.crashtime is null (a QEMU dump: no kdump CRASHTIME)")

    # modules: /proc/modules of the guest, name by name
    want = proc_modules(truth["raw"].get("modules", ""))
    got = {m["name"]: (m.get("size"), int(m.get("base", "0"), 16), m.get("taint"))
           for m in d.get("modules") or []}
    out(len(want) > 0, "guest /proc/modules lists %d modules" % len(want))
    eq("module names = guest /proc/modules", sorted(want), sorted(got))
    eq("module names in /proc/modules order", [l.split()[0] for l in
        truth["raw"]["modules"].splitlines() if l.strip()],
        [m["name"] for m in d.get("modules") or []])
    for name in sorted(want):
        eq("module %s (size, address, taint) = /proc/modules" % name, want[name], got.get(name))

    # taint: every module's taint, the oops line's Tainted: field, D after an oops
    taint = d.get("taint") or {}
    letters = taint.get("letters")
    mask = taint.get("tainted_mask")
    expect = set("".join(v[2] for v in want.values()))
    console = (truth.get("panic") or {}).get("console", "") if truth.get("panic") else ""
    m = re.search(r"Tainted: ([A-Z ]+?) +\S*\d", console)
    if m:
        expect |= set(m.group(1).replace(" ", "")) - {"G"}
        expect.add("D")     # oops_end(): add_taint(TAINT_DIE) after the report
    if truth.get("panic") and not m:
        out(False, "the panic console has a Tainted: field")
    # the panic's log record time = the console's "[   12.619265] Kernel panic" stamp
    pm = re.findall(r"\[ *(\d+)\.(\d{6})\] Kernel panic - not syncing", console)
    if truth.get("panic") and pm:
        ts = (d.get("panic") or {}).get("message_ts_nsec")
        eq("panic.message_ts_nsec (us) = console's Kernel panic stamp",
           int(pm[-1][0]) * 1000000 + int(pm[-1][1]), ts // 1000 if isinstance(ts, int) else ts)
    elif truth.get("panic"):
        out(False, "the panic console has a Kernel panic line")
    eq("taint.letters = module taints | oops Tainted: | D", "".join(sorted(expect)),
       "".join(sorted(letters or "")) if letters is not None else None)
    out(isinstance(mask, int) and bin(mask).count("1") == len(letters or ""),
        "popcount(tainted_mask %r) = len(letters %r)" % (mask, letters))
    eq("taint.flags letters = letters", letters,
       "".join(f["letter"] for f in taint.get("flags") or []))

    # the same from the dump's BTF (the only keys allowed to differ: types_from, symbols_from,
    # debuginfo_from, which only a run with debug files has)
    same = lambda s: {k: v for k, v in s.items() if k not in ("types_from", "symbols_from", "debuginfo_from")}
    for key in ("build_id", "build_id_from", "time", "taint", "modules"):
        eq("--types btf: dump.%s the same" % key, d.get(key), b.get(key))
    out(same(d) == same(b), "--types btf: whole dump section the same but types_from, symbols_from, debuginfo_from")
    eq("--types btf: types_from", "btf", b.get("types_from"))
    for k, s in (("dwarf", d), ("btf", b)):
        out("error" not in s and all("error" not in (s.get(x) or {}) for x in ("time", "taint"))
            and all("error" not in m for m in s.get("modules") or []),
            "%s: no error in the identity keys" % k)


main()

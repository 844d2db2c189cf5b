#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare the facts of a damaged dump with those of the undamaged one.

    check_facts.py NAME BASELINE.json MUTANT.json

Prints "ok - ..." / "not ok - ..." lines (tests/lib.sh style):
  - every section without an error anywhere inside equals the baseline's
    (damage stays local; nothing silently changes);
  - when a section was lost or changed, the document says complete: false
    and names that section in errors[].
"""
import json
import sys

SECTIONS = ("dump", "log", "md", "irq", "blk", "virtio")


def has_error(v, depth=0):
    if depth > 64:
        return True
    if isinstance(v, dict):
        return "error" in v or any(has_error(x, depth + 1) for x in v.values())
    if isinstance(v, list):
        return any(has_error(x, depth + 1) for x in v)
    return False


def comparable(s, v):
    """The section as damage could change it: mutate.py reassembles a
    flattened dump before damaging it, so dump.provenance.file (the
    container: format, flattened, notes) and the evidence details that
    describe the container legitimately differ; the signals must not."""
    if s != "dump" or not isinstance(v, dict) or not isinstance(v.get("provenance"), dict):
        return v
    v = dict(v)
    prov = dict(v["provenance"])
    prov.pop("file", None)
    if isinstance(prov.get("evidence"), list):
        prov["evidence"] = [e.get("signal") if isinstance(e, dict) else e for e in prov["evidence"]]
    v["provenance"] = prov
    return v


def main():
    name, base_path, mut_path = sys.argv[1:4]
    base = json.load(open(base_path))
    try:
        mut = json.load(open(mut_path))
    except ValueError as e:
        print("not ok - %s: stdout is not one JSON document (%s)" % (name, e))
        return
    named = {e.get("section") for e in mut.get("errors", [])}
    lost = []
    for s in SECTIONS:
        b, m = comparable(s, base.get(s)), comparable(s, mut.get(s))
        if m == b:
            continue
        lost.append(s)
        if m is not None and not has_error(m):
            print("not ok - %s: section %s changed without an error" % (name, s))
    if not lost:
        print("ok - %s: every section as undamaged" % name)
        return
    print("%s - %s: complete is false (lost or damaged: %s)" %
          ("ok" if mut.get("complete") is False else "not ok", name, ",".join(lost)))
    unnamed = [s for s in lost if s not in named and not (s != "dump" and "dump" in named)]
    print("%s - %s: errors[] names %s" %
          ("not ok" if unnamed else "ok", name, ",".join(unnamed) if unnamed else "each damaged section"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate a rule catalogue of N rules for the rule-engine benchmark
(bench/rules.sh): copies of the built-in rules (rules/*.yaml) under new ids
(ID-copyK, file ID-copyK.yaml), so every copy evaluates what a real rule
does. Output is scratch data, never committed.

    bench/gen-rules.py N OUTDIR
"""
import os
import re
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    n = int(sys.argv[1])
    out = sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.path.join(here, '..', 'rules')
    rules = []
    for name in sorted(os.listdir(src)):
        if name.endswith('.yaml'):
            with open(os.path.join(src, name)) as f:
                rules.append((name[:-5], f.read()))
    if not rules:
        sys.exit('no rules in ' + src)
    os.makedirs(out, exist_ok=True)
    for i in range(n):
        rid, text = rules[i % len(rules)]
        new = '%s-copy%d' % (rid, i // len(rules))
        text, k = re.subn(r'^id: *%s *$' % re.escape(rid), 'id: ' + new, text,
                          count=1, flags=re.M)
        if k != 1:
            sys.exit('%s: no "id: %s" line' % (rid, rid))
        with open(os.path.join(out, new + '.yaml'), 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Validate JSON documents against raidvirt's schemas (docs/schema/) with
# Debian's python3-jsonschema (Draft 2020-12).
#   schema_check.py SCHEMA_DIR NAME=FILE...   NAME: facts or triage
# Prints "ok - FILE" or "not ok - FILE: PATH: MESSAGE" (first 5 errors) per
# file; exit 1 if any fails.
import json
import sys

import jsonschema
from jsonschema import Draft202012Validator


def load_validators(d):
    schemas = {}
    for name in ("facts", "triage"):
        with open(f"{d}/raidvirt.{name}-1.schema.json") as f:
            schemas[name] = json.load(f)
    Draft202012Validator.check_schema(schemas["facts"])
    Draft202012Validator.check_schema(schemas["triage"])
    # triage refers to the facts schema by its file name, relative to its $id
    store = {s["$id"]: s for s in schemas.values()}
    out = {}
    for name, s in schemas.items():
        resolver = jsonschema.RefResolver.from_schema(s, store=store)
        out[name] = Draft202012Validator(s, resolver=resolver)
    return out


def main():
    validators = load_validators(sys.argv[1])
    failed = 0
    for arg in sys.argv[2:]:
        name, _, path = arg.partition("=")
        try:
            with open(path) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"not ok - {name} {path}: {e}")
            failed += 1
            continue
        errors = sorted(validators[name].iter_errors(doc), key=lambda e: list(e.path))
        if errors:
            failed += 1
            msgs = "; ".join(
                f"{'.'.join(map(str, e.absolute_path)) or '$'}: {e.message[:200]}"
                for e in errors[:5])
            print(f"not ok - {name} {path}: {len(errors)} errors: {msgs}")
        else:
            print(f"ok - {name} {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

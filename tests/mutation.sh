#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Do the tests catch a defect? Plant one in a scratch copy of the tree,
# rebuild there, run a fast suite, and require it to FAIL. The copy is
# first checked to pass unchanged, so a failure is the defect's doing.
# (make test-mutation; part of make check.) Never touches the tree itself.
#
#   mutant xarray-last-slot: the xarray walk skips each node's last slot
#       -> the unit tier (tests/unit) must fail;
#   mutant md-unqueued-count: get_unqueued_pending() off by one
#       -> the fixtures suite (synthetic RHEL vmcores) must fail.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib.sh"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
(cd "$root" && tar --exclude=./build -cf - .) | tar -xf - -C "$scratch"
build=$scratch/build
log=$scratch/log

mk() {
	make -s -C "$scratch" -j2 BUILD="$build" "$@" >"$log" 2>&1
}

# mutate FILE OLD NEW: replace the one occurrence of OLD (fails if absent).
mutate() {
	python3 - "$scratch/$1" "$2" "$3" <<'PY'
import sys
p, old, new = sys.argv[1:]
s = open(p).read()
if s.count(old) != 1:
    sys.exit("mutation site not found once in " + p)
open(p, 'w').write(s.replace(old, new))
PY
}

restore() {
	cp "$root/$1" "$scratch/$1"
}

unit_suite() {
	mk test-unit
}

fixture_suite() {
	mk all && RV_BUILD=$build RAIDVIRT_RULES_BUILTIN=$scratch/rules \
		bash "$scratch/tests/fixtures/run.sh" >"$log" 2>&1
}

# The unchanged copy passes both suites.
if unit_suite; then
	rv_ok "unchanged copy: unit tier passes ($(tail -1 "$log"))"
else
	rv_not_ok "unchanged copy: unit tier fails: $(grep -m3 '^not ok\|rror' "$log")"
fi
if fixture_suite; then
	rv_ok "unchanged copy: fixtures suite passes ($(tail -1 "$log"))"
else
	rv_not_ok "unchanged copy: fixtures suite fails: $(grep -m3 '^not ok' "$log")"
fi

# mutant 1
if mutate lib/xarray.c "for (uint64_t i = 0; i < w->nslots && !w->stop && !err; i++)" \
	"for (uint64_t i = 0; i + 1 < w->nslots && !w->stop && !err; i++)"; then
	if unit_suite; then
		rv_not_ok "mutant xarray-last-slot: the unit tier still passes"
	else
		rv_cmp "mutant xarray-last-slot: unit checks that fail" \
			"$(grep -c '^not ok' "$log")" -ge 1
	fi
else
	rv_not_ok "mutant xarray-last-slot: could not be planted"
fi
restore lib/xarray.c

# mutant 2
if mutate lib/md_raid1.c "int64_t u = nr_sync_pending;" "int64_t u = nr_sync_pending + 1;"; then
	if fixture_suite; then
		rv_not_ok "mutant md-unqueued-count: the fixtures suite still passes"
	else
		rv_match "mutant md-unqueued-count: the fixtures suite fails on it" \
			"unqueued_pending" "$(grep '^not ok' "$log")"
	fi
else
	rv_not_ok "mutant md-unqueued-count: could not be planted"
fi
restore lib/md_raid1.c

rv_summary

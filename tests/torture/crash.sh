#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The crash extension under damage (issue 14): damaged copies of the
# raid1-frozen rig dump (tests/torture/mutate.py, fixed seeds) opened by
# crash itself, then raidvirt, r1conf -b -w, vring, hctxfq, vecmatrix -c -v.
# crash may refuse a dump; it must never be killed by a signal, never hang
# (60 s), and a session that opened the dump must reach its last command.
. "$(dirname "$0")/../lib.sh"

T=$RV_ROOT/tests/torture
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for f in "$RV_EXT" "$RV_VMLINUX"; do
	if [ ! -f "$f" ]; then
		rv_not_ok "missing $f"
		rv_summary
		exit 1
	fi
done
dir=$(rv_scenario_dir raid1-frozen)
if [ ! -f "$dir/vmcore" ]; then
	rv_not_ok "no raid1-frozen rig dump (dumps/rig.py build raid1-frozen)"
	rv_summary
	exit 1
fi

# Page damage where the commands read: the r1conf page of 0xcc, the mddev
# page unreadable; plus random page damage and a truncation.
facts=$WORK/facts.json
"$RV_CLI" facts --json "$dir/vmcore" >"$facts" 2>/dev/null
pob=$("$RV_CLI" debug "$dir/vmcore" rd:page_offset_base:1 | awk '/^rd /{print $3}')
phys() { printf '%x' $(( ($(jq -r "$1" "$facts") - 0x$pob) & ~4095 )); }
plan=(
	"page-cc $(phys '.md.arrays[0].conf.addr')"
	"page-corrupt $(phys '.md.arrays[0].addr')"
	"flip 7"
	"zero-page-data 8"
	"truncate-random 9"
)
for p in "${plan[@]}"; do
	set -- $p
	python3 "$T/mutate.py" "$dir/vmcore" "$WORK/m" "$1" "$2" >/dev/null || {
		rv_not_ok "$p: mutate.py failed"
		continue
	}
	t0=$SECONDS
	{
		echo "extend $RV_EXT"
		echo "raidvirt"
		echo "r1conf -b -w"
		echo "vring"
		echo "hctxfq"
		echo "vecmatrix -c -v"
		echo "echo TORTURE-END"
		echo "quit"
	} >"$WORK/in"
	timeout 60 crash -s "$RV_VMLINUX" "$WORK/m" -i "$WORK/in" </dev/null >"$WORK/out" 2>&1
	rc=$?
	rv_cmp "crash on $p: exit status (no signal, no timeout)" "$rc" -lt 124
	rv_cmp "crash on $p: seconds" $((SECONDS - t0)) -lt 60
	if grep -q "TORTURE-END" "$WORK/out"; then
		rv_ok "crash on $p: all five commands ran"
		if grep -qiE "segmentation|SIGSEGV|core dumped|Aborted" "$WORK/out"; then
			rv_not_ok "crash on $p: a crash in the output"
		else
			rv_ok "crash on $p: no crash in the output"
		fi
	else
		# crash itself refused the dump (with -s it may say nothing):
		# allowed, by a status, not a signal (checked above).
		echo "# crash on $p: refused the dump (exit $rc)"
	fi
	rm -f "$WORK/m"
done

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The CLI never writes to a dump: under strace, every open of the dump (and
# of the /proc/self/fd/N the libkdumpfile probe child reopens) is O_RDONLY,
# no other file descriptor is opened on it, and the file is byte-identical
# afterwards (sha256, mtime, size). On a flattened (kdump) and an ELF dump,
# through facts, triage and show.
. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if ! command -v strace >/dev/null; then
	rv_not_ok "strace is not installed (tools/deps.sh)"
	rv_summary
	exit 1
fi
dir=$(rv_scenario_dir raid1-frozen)
for dump in "$dir/vmcore" "$dir/vmcore.elf"; do
	if [ ! -f "$dump" ]; then
		rv_not_ok "no rig dump $dump (dumps/rig.py build raid1-frozen)"
		continue
	fi
	n=$(basename "$dump")
	before="$(stat -c %Y:%s "$dump") $(sha256sum <"$dump")"
	for cmd in "facts --json" "triage --json" "show md"; do
		strace -f -qq -e trace=openat,open,creat -o "$WORK/trace" \
			"$RV_CLI" $cmd "$dump" >/dev/null 2>&1
		opens=$(grep -E "\"$dump\"|\"/proc/self/fd/" "$WORK/trace")
		rv_cmp "$n, $cmd: opens of the dump seen" "$(grep -c . <<<"$opens")" -ge 1
		rv_eq "$n, $cmd: opens of the dump with a write flag" 0 \
			"$(grep -cE 'O_WRONLY|O_RDWR|O_TRUNC|O_CREAT|O_APPEND' <<<"$opens")"
		rv_eq "$n, $cmd: opens of the dump without O_RDONLY" 0 "$(grep -vc 'O_RDONLY' <<<"$opens")"
	done
	rv_eq "$n: unchanged (mtime, size, sha256)" "$before" \
		"$(stat -c %Y:%s "$dump") $(sha256sum <"$dump")"
done

rv_summary

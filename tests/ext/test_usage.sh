#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Usage errors of every crash command of the extension (ext/raidvirt.c):
# a bad option and a bad argument each print exactly one line,
# "CMD: MESSAGE (see "help CMD")", and no report; the command works again
# right after (getopt state is not left behind). The commands are the ones
# `help raidvirt`'s table and the section table register: raidvirt, r1conf,
# vecmatrix, hctxfq, vring. One crash session on the healthy rig dump.
. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -n "${RV_NO_BUILD:-}" ]; then
	dir=$RV_BUILD/dumps/$RV_RELEASE/healthy
else
	dir=$(rv_dump_dir healthy)
fi
if [ ! -f "$dir/vmcore" ]; then
	rv_not_ok "healthy dump not available ($dir)"
	rv_summary
	exit 1
fi

# name | command line | expected message (regex, without the "(see ...)" tail)
cases=(
	"raidvirt-badopt|raidvirt -x|unknown option '-x'"
	"raidvirt-arg|raidvirt md0|takes no argument, got 'md0'"
	"raidvirt-args|raidvirt a b|takes no argument, got 'a b'"
	"r1conf-badopt|r1conf -c|unknown option '-c'"
	"r1conf-args|r1conf md0 md1|expected one argument at most, got 'md0 md1'"
	"vecmatrix-badopt|vecmatrix -b|unknown option '-b'"
	"vecmatrix-arg|vecmatrix md0|takes no argument, got 'md0'"
	"hctxfq-badopt|hctxfq -w|unknown option '-w'"
	"hctxfq-args|hctxfq vda vdb|expected one argument at most, got 'vda vdb'"
	"vring-badopt|vring -r|unknown option '-r'"
	"vring-args|vring virtio0 virtio1|expected one argument at most, got 'virtio0 virtio1'"
)
cmds=()
for c in "${cases[@]}"; do
	IFS='|' read -r name line _ <<<"$c"
	cmds+=("$line > $WORK/$name.txt" "${line%% *} -j > $WORK/$name.after.json")
done
rv_crash "$dir/vmcore" "$WORK/crash.out" "${cmds[@]}"
rv_eq "crash ran" 0 $?

for c in "${cases[@]}"; do
	IFS='|' read -r name line msg <<<"$c"
	cmd=${line%% *}
	out=$WORK/$name.txt
	rv_eq "$line: one line" 1 "$(wc -l <"$out" 2>/dev/null)"
	rv_match "$line: the message and 'see help $cmd'" \
		"^$cmd: $msg \\(see \"help $cmd\"\\)\$" "$(cat "$out" 2>/dev/null)"
	rv_eq "$line: no crash usage block" 0 "$(grep -c -e '^Usage:' -e 'Enter "help' "$out" 2>/dev/null)"
	rv_eq "$cmd -j right after works (one JSON object)" object \
		"$(jq -r type "$WORK/$name.after.json" 2>/dev/null | head -1)"
done

rv_summary

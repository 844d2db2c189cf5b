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

# A selection that matches nothing: the (empty) table, then one line naming
# what the dump has, as `raidvirt show` says it on stderr.
rv_crash "$dir/vmcore" "$WORK/crash-sel.out" "r1conf md9 > $WORK/sel-md.txt" \
	"hctxfq nosuchdisk > $WORK/sel-blk.txt" "vring virtio9 > $WORK/sel-virtio.txt" \
	"r1conf md0 > $WORK/sel-md0.txt"
rv_eq "crash ran (selections)" 0 $?
rv_match "r1conf md9: one line naming the arrays" \
	"^r1conf: nothing matches 'md9'; arrays in the dump: md0\$" "$(tail -1 "$WORK/sel-md.txt")"
rv_match "hctxfq nosuchdisk: one line naming the disks" \
	"^hctxfq: nothing matches 'nosuchdisk'; disks in the dump: vda vdb md0\$" "$(tail -1 "$WORK/sel-blk.txt")"
rv_match "vring virtio9: one line naming the devices" \
	"^vring: nothing matches 'virtio9'; devices in the dump: virtio0 \\(vda\\) virtio1 \\(vdb\\)\$" \
	"$(tail -1 "$WORK/sel-virtio.txt")"
rv_eq "r1conf md0 (a match): no such line" 0 "$(grep -c 'nothing matches' "$WORK/sel-md0.txt")"
for f in md blk virtio; do
	"$RV_CLI" show "$f" "$dir/vmcore" $(case $f in md) echo md9 ;; blk) echo nosuchdisk ;;
		virtio) echo virtio9 ;; esac) >/dev/null 2>"$WORK/cli-$f.err"
	rv_eq "show $f: the CLI's line = the crash command's (but the prefix)" \
		"$(tail -1 "$WORK/sel-$f.txt" | sed 's/^[a-z0-9]*: //')" \
		"$(tail -1 "$WORK/cli-$f.err" | sed 's/^raidvirt: show [a-z]*: //')"
done

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Debug files from debuginfod: a real `debuginfod` (Debian's package), started
# here on 127.0.0.1 over a directory of links to the rig kernel's debug files
# (the vmlinux and the md, virtio and block module .ko files: quick to index),
# serves a run with no local debug info (--no-default-debuginfo, an empty
# DEBUGINFOD_CACHE_PATH). The facts then say types_from dwarf and
# debuginfo_from debuginfod and are otherwise those of the local debug files;
# the module files came by the build ids of the dump's module notes; triage
# with --types auto finds what it finds locally; a download shows progress on
# a terminal; a server that cannot answer gives one line and exit 3.

. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
server=
cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

dump=$RV_DUMPS/raid1-frozen/vmcore
if ! command -v debuginfod >/dev/null; then
	rv_not_ok "debuginfod not installed (make deps installs the debuginfod package)"
	rv_summary
	exit
fi
if [ ! -f "$dump" ] || [ ! -f "$RV_VMLINUX" ] || [ ! -d "$RV_MODDEBUG" ]; then
	rv_not_ok "input missing: dump $dump, vmlinux $RV_VMLINUX, module debug dir $RV_MODDEBUG"
	rv_summary
	exit
fi

# The served files: links (debuginfod -L follows them).
mkdir -p "$WORK/files" "$WORK/cache"
ln -s "$RV_VMLINUX" "$WORK/files/"
find "$RV_MODDEBUG/kernel/drivers/md" "$RV_MODDEBUG/kernel/drivers/virtio" \
	"$RV_MODDEBUG/kernel/drivers/block" -name '*.ko*' -exec ln -sf -t "$WORK/files" {} + 2>/dev/null
nfiles=$(ls "$WORK/files" | wc -l)
rv_cmp "files to serve" "$nfiles" -gt 3

# A free port, then the server; wait until it has scanned every file.
port=
for try in 1 2 3 4 5 6 7 8; do
	p=$((20000 + (RANDOM % 20000)))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
rv_eq "a free port" yes "$([ -n "$port" ] && echo yes)"
debuginfod -F -L --disable-source-scan -c 2 -t 0 -g 0 -p "$port" -d "$WORK/db.sqlite" \
	"$WORK/files" >"$WORK/server.log" 2>&1 &
server=$!
scanned=0
for i in $(seq 1 120); do
	scanned=$(curl -s "http://127.0.0.1:$port/metrics" 2>/dev/null |
		sed -n 's/^scanned_files_total{source="file"} \([0-9]*\)$/\1/p')
	[ "${scanned:-0}" -ge "$nfiles" ] && break
	sleep 0.5
done
rv_eq "debuginfod indexed every file" "$nfiles" "${scanned:-0}"

export DEBUGINFOD_CACHE_PATH=$WORK/cache
url=http://127.0.0.1:$port

# The same dump with local debug files, then from the server only.
"$RV_CLI" facts --json "$dump" >"$WORK/local.json" 2>"$WORK/local.err"
rv_eq "local: exit status" 0 "$?"
rv_eq "local: dump.debuginfo_from" local "$(jq -r .dump.debuginfo_from "$WORK/local.json")"
t0=$SECONDS
DEBUGINFOD_URLS=$url "$RV_CLI" facts --json --no-default-debuginfo "$dump" \
	>"$WORK/dfd.json" 2>"$WORK/dfd.err"
rv_eq "debuginfod: exit status" 0 "$?"
echo "# facts through debuginfod (download included): $((SECONDS - t0)) s"
rv_empty "debuginfod: stderr" "$(cat "$WORK/dfd.err")"
rv_eq "debuginfod: dump.types_from" dwarf "$(jq -r .dump.types_from "$WORK/dfd.json")"
rv_eq "debuginfod: dump.debuginfo_from" debuginfod "$(jq -r .dump.debuginfo_from "$WORK/dfd.json")"
rv_eq "debuginfod: complete" true "$(jq -r .complete "$WORK/dfd.json")"
rv_same_json "debuginfod facts = local facts (but dump.debuginfo_from)" "$WORK/local.json" \
	"$WORK/dfd.json" 'del(.dump.debuginfo_from)'
# The vmlinux and the modules, by build id, in the client's cache.
vm_id=$(readelf -n "$RV_VMLINUX" 2>/dev/null | sed -n 's/^ *Build ID: //p' | head -1)
rv_eq "vmlinux fetched by its build id" yes "$([ -n "$vm_id" ] && [ -s "$WORK/cache/$vm_id/debuginfo" ] && echo yes)"
for m in md-mod raid1 virtio_ring; do
	f=$(find "$RV_MODDEBUG/kernel/drivers" -name "$m.ko*" | head -1)
	id=$(readelf -n "$f" 2>/dev/null | sed -n 's/^ *Build ID: //p' | head -1)
	rv_eq "module $m fetched by the build id of the dump's module notes" yes \
		"$([ -n "$id" ] && [ -s "$WORK/cache/$id/debuginfo" ] && echo yes)"
done

# triage, --types auto (the default): DWARF from the server.
"$RV_CLI" triage --json "$dump" >"$WORK/tri-local.json" 2>/dev/null
DEBUGINFOD_URLS=$url "$RV_CLI" triage --json --types auto --no-default-debuginfo "$dump" \
	>"$WORK/tri-dfd.json" 2>"$WORK/tri-dfd.err"
rv_eq "triage --types auto: exit status (findings)" 1 "$?"
rv_eq "triage --types auto: dump.types_from" dwarf "$(jq -r .dump.types_from "$WORK/tri-dfd.json")"
rv_eq "triage: the local findings" "$(jq -c '[.findings[] | {rule, message}]' "$WORK/tri-local.json")" \
	"$(jq -c '[.findings[] | {rule, message}]' "$WORK/tri-dfd.json")"

# Progress on a terminal: a module downloaded again.
md_id=$(readelf -n "$(find "$RV_MODDEBUG/kernel/drivers/md" -name 'md-mod.ko*' | head -1)" |
	sed -n 's/^ *Build ID: //p' | head -1)
for cmd in "show md" triage; do
	rm -rf "${WORK:?}/cache/$md_id"
	DEBUGINFOD_URLS=$url script -qec "'$RV_CLI' $cmd --no-default-debuginfo '$dump' >/dev/null" \
		/dev/null >"$WORK/tty.out" 2>&1
	rv_match "$cmd: progress on a terminal" "debuginfod: module md_mod: [0-9.]+ of [0-9.]+ MiB" \
		"$(tr '\r' '\n' <"$WORK/tty.out")"
	rm -rf "${WORK:?}/cache/$md_id"
	# shellcheck disable=SC2086
	DEBUGINFOD_URLS=$url "$RV_CLI" $cmd --no-default-debuginfo "$dump" >/dev/null 2>"$WORK/notty.err"
	rv_empty "$cmd: no progress without a terminal" "$(cat "$WORK/notty.err")"
done

# A server that does not answer: one line, exit 3 (--types dwarf: no BTF fallback).
kill "$server" && wait "$server" 2>/dev/null
server=
DEBUGINFOD_URLS=$url DEBUGINFOD_CACHE_PATH=$WORK/cache2 "$RV_CLI" facts --types dwarf \
	--no-default-debuginfo "$dump" >/dev/null 2>"$WORK/fail.err"
rv_eq "no server: exit status" 3 "$?"
rv_eq "no server: one line" 1 "$(wc -l <"$WORK/fail.err")"
rv_match "no server: the line" "vmlinux $RV_RELEASE: debuginfod \\($url\\) has no debug file for build id $vm_id: " \
	"$(cat "$WORK/fail.err")"

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sanitizer tier inside every `make check` (docs/reliability.md): the CLI
# built with ASan + UBSan + LSan (make SANITIZE=1, in build/sanitize) on the
# synthetic fixtures, a rig dump and damaged copies of it, rule files and
# facts documents. Each run must give the release build's output and exit
# status, and no sanitizer report at all.
. "$(dirname "$0")/../lib.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Its own report directory: in make check SANITIZE=1 the others' reports
# stay for tests/sanitize/check-tier.
RV_SAN_LOGS=$WORK/logs
. "$RV_ROOT/tests/sanitize/env"

REL=$RV_ROOT/build/cli/raidvirt
SAN=$RV_ROOT/build/sanitize/cli/raidvirt

if ! make -C "$RV_ROOT" -s -j2 build/cli/raidvirt >"$WORK/build.log" 2>&1 ||
   ! make -C "$RV_ROOT" -s -j2 SANITIZE=1 build/sanitize/cli/raidvirt >>"$WORK/build.log" 2>&1; then
	rv_not_ok "make SANITIZE=1: $(tail -3 "$WORK/build.log")"
	rv_summary
	exit 1
fi
if [ ! -x "$REL" ]; then
	rv_not_ok "release CLI $REL not built"
	rv_summary
	exit 1
fi

# same NAME ARGS...: the sanitized CLI gives the release CLI's stdout and
# exit status, and no sanitizer report.
same() {
	local name=$1
	shift
	timeout 120 "$REL" "$@" >"$WORK/rel.out" 2>/dev/null </dev/null
	local want=$?
	timeout 120 "$SAN" "$@" >"$WORK/san.out" 2>"$WORK/san.err" </dev/null
	local got=$?
	rv_eq "$name: exit status as release" "$want" "$got"
	if cmp -s "$WORK/rel.out" "$WORK/san.out"; then
		rv_ok "$name: output as release"
	else
		rv_not_ok "$name: output differs from release ($(diff "$WORK/rel.out" "$WORK/san.out" | head -3 | tr '\n' ' '))"
	fi
	local reports
	if reports=$("$RV_ROOT/tests/sanitize/reports"); then
		rv_ok "$name: no sanitizer report"
	else
		rv_not_ok "$name: $reports"
		mkdir -p "$RV_BUILD/test-logs/sanitize"
		mv "$RV_SAN_LOGS"/* "$RV_BUILD/test-logs/sanitize/" 2>/dev/null
	fi
}

# ---- synthetic fixtures (tests/fixtures) ----
n=0
for src in "$RV_ROOT"/tests/fixtures/*.c; do
	name=$(basename "$src" .c)
	grep -q "fx_main\|int main" "$src" || continue
	[ "$name" = fx ] && continue
	dir=$WORK/fx/$name
	if ! "$RV_ROOT/tests/fixtures/mkfixture" "$name" "$dir" >"$WORK/fx.log" 2>&1; then
		rv_not_ok "fixture $name: build ($(tail -1 "$WORK/fx.log"))"
		continue
	fi
	opts=(--vmlinux "$dir/vmlinux" --debuginfo "$dir/debug" --no-default-debuginfo)
	same "fixture $name: facts" facts --json "${opts[@]}" "$dir/vmcore"
	same "fixture $name: triage" triage --json "${opts[@]}" "$dir/vmcore"
	# the text renderers too (a reference leak in the blk REQUESTS line
	# summary, found by tests/fuzz/fuzz_memory)
	same "fixture $name: text report" facts "${opts[@]}" "$dir/vmcore"
	same "fixture $name: show blk -r" show blk -r "${opts[@]}" "$dir/vmcore"
	same "fixture $name: triage html" triage --format html "${opts[@]}" "$dir/vmcore"
	n=$((n + 1))
	rm -rf "$dir"
done
rv_cmp "fixtures run" "$n" -ge 5

# ---- a rig dump, and damaged copies ----
if [ -n "$RV_NO_BUILD" ]; then
	dir=$(readlink -f "$RV_BUILD/dumps/$RV_RELEASE/raid1-frozen")
else
	dir=$(rv_dump_dir raid1-frozen)
fi
if [ -f "$dir/vmcore" ]; then
	same "raid1-frozen: facts" facts --json "$dir/vmcore"
	same "raid1-frozen: triage" triage --json "$dir/vmcore"
	same "raid1-frozen: show md" show md "$dir/vmcore"
	for k in hdr-bitmap-blocks sub-size-note vmci-pagesize vmci-garbage:1 \
		 flat-cut-record truncate-desc zero-page-data flip:3; do
		python3 "$RV_ROOT/tests/torture/mutate.py" "$dir/vmcore" "$WORK/m" \
			"${k%%:*}" "$( [[ $k == *:* ]] && echo "${k#*:}" || echo 0)" >/dev/null
		same "raid1-frozen, $k: facts" facts --json "$WORK/m"
		rm -f "$WORK/m"
	done
	# The page of virtio0's PCI device unreadable: the transport reads
	# fail. lib/virtio_ring.c dropped those rv_errors (a leak, and the
	# failure missing from the facts); now the device says "transport: ...".
	"$REL" facts --json --section virtio "$dir/vmcore" >"$WORK/virtio.json" 2>/dev/null
	pob=$("$REL" debug "$dir/vmcore" rd:page_offset_base:1 | awk '/^rd /{print $3}')
	pdev=$(jq -r '.virtio.devices[0].pci.pci_dev_addr // empty' "$WORK/virtio.json")
	if [ -n "$pob" ] && [ -n "$pdev" ]; then
		python3 "$RV_ROOT/tests/torture/mutate.py" "$dir/vmcore" "$WORK/m" page-corrupt \
			"$(printf '%x' $(( (pdev - 0x$pob) & ~4095 )))" >/dev/null
		same "raid1-frozen, virtio0's pci_dev page unreadable: facts" facts --json "$WORK/m"
		rv_match "virtio0's pci_dev page unreadable: the device says why" \
			"transport: .*${pdev%???}" \
			"$(jq -r '.virtio.devices[0].error | if type == "array" then join("; ") else . end' "$WORK/san.out")"
		rm -f "$WORK/m"
	else
		rv_not_ok "virtio0's pci_dev page: no address (page_offset_base '$pob', pci_dev '$pdev')"
	fi
else
	rv_not_ok "no raid1-frozen rig dump (dumps/rig.py build raid1-frozen)"
fi

# ---- every rig dump of every kernel: triage and the text report ----
# (the panic context's hctx identification leaked its request layout on
# fq-panic only: no other dump has a panic in a blk-mq object)
nd=0
for kernel in $("$RV_ROOT/dumps/rig.py" kernels | awk '{print $1}'); do
	for sc in $("$RV_ROOT/dumps/rig.py" list --kernel "$kernel" | awk '{print $1}'); do
		d=$("$RV_ROOT/dumps/rig.py" path "$sc" --kernel "$kernel" 2>/dev/null)
		if [ ! -f "$d/vmcore" ]; then
			rv_not_ok "$sc@$kernel: no rig dump (dumps/rig.py build $sc --kernel $kernel)"
			continue
		fi
		same "$sc@$kernel: triage" triage --json "$d/vmcore"
		same "$sc@$kernel: text report" facts "$d/vmcore"
		nd=$((nd + 1))
	done
done
rv_cmp "rig dumps run" "$nd" -ge 1

# ---- rules and facts documents ----
same "rules lint" rules lint
same "rules lint tests/rules/bad" rules lint "$RV_ROOT/tests/rules/bad"
for f in "$RV_ROOT"/tests/rules/fixtures/*.json; do
	same "triage --facts $(basename "$f")" triage --json --facts "$f"
done

rv_summary

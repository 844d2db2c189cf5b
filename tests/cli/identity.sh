#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Dump identity (dump.build_id, time, taint, modules: docs/facts-dump.md) on
# every rig dump of both kernels (Debian 12's 6.1, Debian 13's 6.12), with the
# debug files and with the dump's BTF (--types btf), against the guest's
# ground truth (/proc/modules with its taint letters, the oops line's
# Tainted: field), the debug vmlinux's build id (readelf -n) and the time
# the rig built the dump (meta.json): tests/cli/identity_truth.py. crash's
# own `sys`, `sys -t` and `mod` are compared on the 6.1 dumps in
# tests/ext/test_dump.sh. A dump the rig has not built fails.
#
#   RV_IDENTITY_KERNELS="debian12-cloud" tests/cli/identity.sh

. "$(dirname "$0")/../lib.sh"

KERNELS=${RV_IDENTITY_KERNELS:-"debian12-cloud debian13-cloud"}
RIG=${RAIDVIRT_RIG:-$RV_ROOT/dumps/rig.py}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for kernel in $KERNELS; do
	kj=$("$RV_ROOT/dumps/kernels.py" resolve "$kernel")
	mapfile -t scenarios < <(jq -r '.scenarios[]?' <<<"$kj")
	rv_cmp "$kernel: scenarios listed" "${#scenarios[@]}" -ge 6
	for sc in "${scenarios[@]}"; do
		dir=$(python3 "$RIG" path "$sc" --kernel "$kernel" 2>&1)
		if [ ! -f "$dir/vmcore" ] || [ ! -f "$dir/ground-truth.json" ]; then
			rv_not_ok "$sc@$kernel: no dump ($dir)"
			continue
		fi
		vmlinux=$(jq -r .vmlinux "$dir/meta.json")
		[ "$vmlinux" = null ] && vmlinux=$(jq -r .vmlinux <<<"$kj")
		id=$(readelf -n "$vmlinux" 2>/dev/null | sed -n 's/^ *Build ID: //p' | head -1)
		"$RV_CLI" facts --json --section dump --vmlinux "$vmlinux" "$dir/vmcore" \
			>"$WORK/f.json" 2>/dev/null
		rv_eq "$sc@$kernel: facts --section dump exit status" 0 $?
		"$RV_CLI" facts --json --section dump --types btf "$dir/vmcore" \
			>"$WORK/b.json" 2>/dev/null
		rv_eq "$sc@$kernel: facts --types btf exit status" 0 $?
		# The text headline on the first scenario (each run reopens the dump).
		if [ "$sc" = "${scenarios[0]}" ]; then
			"$RV_CLI" facts --section dump --vmlinux "$vmlinux" "$dir/vmcore" >"$WORK/f.txt" 2>/dev/null
			rv_match "$sc@$kernel: text headline BUILD ID" "BUILD ID: $id" "$(cat "$WORK/f.txt")"
			rv_match "$sc@$kernel: text headline DATE" "DATE: $(rv_jq "$WORK/f.json" .dump.time.date)" \
				"$(cat "$WORK/f.txt")"
			rv_match "$sc@$kernel: text headline MODULES" \
				"MODULES: $(rv_jq "$WORK/f.json" '.dump.modules | length') loaded" "$(cat "$WORK/f.txt")"
		fi
		while IFS= read -r line; do
			case $line in
			"ok - "*) rv_ok "$sc@$kernel: ${line#ok - }" ;;
			"not ok - "*) rv_not_ok "$sc@$kernel: ${line#not ok - }" ;;
			*) rv_not_ok "$sc@$kernel: identity_truth.py: $line" ;;
			esac
		done < <(python3 "$RV_ROOT/tests/cli/identity_truth.py" "$WORK/f.json" "$WORK/b.json" \
			"$dir/ground-truth.json" "$dir/meta.json" "$id" 2>&1)
	done
done

rv_summary

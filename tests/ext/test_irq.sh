#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vecmatrix (facts section "irq") on every rig dump, checked against the
# guest's own view (ground-truth.json: /proc/interrupts, online CPUs, blk-mq
# queue maps) and against crash's raw reads of the same fields in the same
# crash session (p *vector_matrix, per-CPU struct cpumap, vector_irq).
#
#   tests/ext/test_irq.sh [SCENARIO...]     (default: every rig scenario)

. "$(dirname "$0")/../lib.sh"

scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(healthy raid1-frozen raid1-degraded)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Load a private copy of the extension: a rebuild replacing the file while a
# crash session loads it must not fail the test.
if [ ! -f "$RV_EXT" ]; then
	rv_not_ok "no extension at $RV_EXT (run make)"
	rv_summary
	exit 1
fi
cp "$RV_EXT" "$tmp/raidvirt.so" && RV_EXT=$tmp/raidvirt.so

# A dump that is already cached is used as is; otherwise the rig builds it
# (and a dump that cannot be had fails the test).
dump_dir() {
	local d="$RV_BUILD/dumps/$RV_RELEASE/$1"
	if [ -f "$d/vmcore" ] && [ -f "$d/ground-truth.json" ]; then
		echo "$d"
	else
		rv_dump_dir "$1"
	fi
}

# The number after "= " in a crash `p` output file.
raw_num() {
	sed -n 's/.*= \(-\{0,1\}[0-9][0-9]*\).*/\1/p' "$1" | tail -1
}

# A field of `p *vector_matrix` output.
raw_matrix_field() {
	sed -n "s/^ *$2 = \([0-9][0-9]*\),*$/\1/p" "$1" | head -1
}

# jq: "0-1,4" from [0,1,4] (the kernel's %*pbl, as the facts write it).
JQ_RANGES='def ranges: sort | reduce .[] as $c ([];
	if length > 0 and .[-1][1] == $c - 1 then .[-1][1] = $c else . + [[$c, $c]] end)
	| map(if .[0] == .[1] then "\(.[0])" else "\(.[0])-\(.[1])" end) | join(",");'
# jq: [0,1,4] from "0-1,4".
JQ_CPUS='def cpus: if . == null or . == "" then [] else split(",") | map(split("-")
	| map(tonumber) | if length == 2 then [range(.[0]; .[1] + 1)] else . end) | add end;'

check_dump() {
	local scn=$1 dir
	dir=$(dump_dir "$scn") || {
		rv_not_ok "$scn: no dump (rig could not build it)"
		return
	}
	local gt=$dir/ground-truth.json w=$tmp/$scn
	mkdir -p "$w"
	if [ ! -f "$dir/vmcore" ] || [ ! -f "$gt" ]; then
		rv_not_ok "$scn: vmcore or ground-truth.json missing in $dir"
		return
	fi
	local ncpu
	ncpu=$(rv_jq "$gt" '.cpus.possible_count')

	local cmds=(
		"vecmatrix -j > $w/irq.json"
		"vecmatrix > $w/default.txt"
		"vecmatrix -c -v > $w/cv.txt"
		"vecmatrix md0 > $w/arg.txt"
		"p *vector_matrix > $w/raw_matrix.txt"
		"p/x (unsigned long)vector_matrix > $w/raw_matrix_addr.txt"
		"p nr_cpu_ids > $w/raw_nr_cpu_ids.txt"
		"p vector_irq:a > $w/raw_vector_irq.txt"
	)
	local cpu f
	for ((cpu = 0; cpu < ncpu; cpu++)); do
		for f in available allocated managed managed_allocated; do
			cmds+=("p ((struct cpumap *)((unsigned long)vector_matrix->maps + __per_cpu_offset[$cpu]))->$f > $w/raw_cpu${cpu}_$f.txt")
		done
	done
	rv_crash "$dir/vmcore" "$w/crash.out" "${cmds[@]}"
	local j=$w/irq.json
	if ! jq -e '.matrix' "$j" >/dev/null 2>&1; then
		rv_not_ok "$scn: vecmatrix -j gave no matrix (see $w/crash.out)"
		sed -n 1,20p "$w/crash.out" >&2
		return
	fi
	rv_eq "$scn: section errors" none "$(rv_jq "$j" 'if has("error") then (.error | tostring) else "none" end')"
	# vecmatrix takes no selection: an argument gets one usage line, not a report.
	rv_match "$scn: vecmatrix with an argument prints one usage line" \
		'^vecmatrix: takes no argument, got .* \(see "help vecmatrix"\)$' "$(cat "$w/arg.txt")"
	rv_eq "$scn: vecmatrix with an argument prints no report" 0 \
		"$(grep -c VECTOR_MATRIX "$w/arg.txt")"

	# --- the matrix against crash's p *vector_matrix ---
	local raw=$w/raw_matrix.txt field
	for field in matrix_bits alloc_start alloc_end alloc_size global_available \
		global_reserved systembits_inalloc total_allocated online_maps; do
		rv_eq "$scn: matrix.$field = crash p *vector_matrix" \
			"$(raw_matrix_field "$raw" "$field")" \
			"$(rv_jq "$j" ".matrix.$field")"
	done
	rv_eq "$scn: matrix.addr = crash p/x vector_matrix" \
		"$(sed -n 's/.*= 0x\([0-9a-f]*\).*/\1/p' "$w/raw_matrix_addr.txt" | tail -1)" \
		"$(rv_jq "$j" '.matrix.addr' | sed 's/^0x0*//')"
	rv_eq "$scn: online_maps = online CPUs in the guest" \
		"$(rv_jq "$gt" '.cpus.online_count')" "$(rv_jq "$j" '.matrix.online_maps')"
	rv_eq "$scn: consistent (per-CPU available sums to global_available)" \
		true "$(rv_jq "$j" '.matrix.consistent')"
	rv_eq "$scn: capacity = online_maps * (alloc_size - systembits_inalloc)" \
		"$(rv_calc '$1 * ($2 - $3)' "$(raw_matrix_field "$raw" online_maps)" "$(raw_matrix_field "$raw" alloc_size)" "$(raw_matrix_field "$raw" systembits_inalloc)")" \
		"$(rv_jq "$j" '.matrix.capacity')"

	# --- per-CPU maps against crash's reads of struct cpumap ---
	rv_eq "$scn: one cpus[] entry per nr_cpu_ids" \
		"$(raw_num "$w/raw_nr_cpu_ids.txt")" "$(rv_jq "$j" '.cpus | length')"
	local managed_raw=0
	for ((cpu = 0; cpu < ncpu; cpu++)); do
		for f in available allocated managed managed_allocated; do
			rv_eq "$scn: cpu$cpu $f = crash cpumap read" \
				"$(raw_num "$w/raw_cpu${cpu}_$f.txt")" \
				"$(rv_jq "$j" ".cpus[$cpu].$f")"
		done
		rv_eq "$scn: cpu$cpu online = guest" \
			"$(rv_jq "$gt" "[.cpus.online[] | select(. == $cpu)] | length > 0")" \
			"$(rv_jq "$j" ".cpus[$cpu].online")"
		rv_eq "$scn: cpu$cpu invariant_ok" true "$(rv_jq "$j" ".cpus[$cpu].invariant_ok")"
		if [ "$(rv_jq "$j" ".cpus[$cpu].online")" = true ]; then
			managed_raw=$(rv_calc '$1 + $2' "$managed_raw" "$(raw_num "$w/raw_cpu${cpu}_managed.txt")")
		fi
	done

	# --- vectors against crash's p vector_irq:a ---
	# Every descriptor pointer (not NULL, -1 or -2) as "cpu vector addr".
	awk '/^per_cpu\(vector_irq, [0-9]+\)/ {
			cpu = $0; sub(/^per_cpu\(vector_irq, /, "", cpu); sub(/\).*/, "", cpu)
			want = 1; next
		}
		want && /\{/ {
			gsub(/[{} ]/, ""); n = split($0, e, ",")
			for (i = 1; i <= n; i++)
				if (e[i] != "0x0" && e[i] != "0xffffffffffffffff" &&
				    e[i] != "0xfffffffffffffffe")
					printf "%s %d %s\n", cpu, i - 1, e[i]
			want = 0
		}' "$w/raw_vector_irq.txt" | sort >"$w/raw_vectors.txt"
	rv_jq "$j" '.vectors[] | "\(.cpu) \(.vector) 0x\(.desc | ltrimstr("0x") | ltrimstr("0000"))"' |
		sed 's/ 0x0*/ 0x/' | sort >"$w/vectors.txt"
	rv_cmp "$scn: crash shows descriptors in vector_irq" \
		"$(wc -l <"$w/raw_vectors.txt")" -gt 0
	rv_eq "$scn: vectors[] = crash's vector_irq tables" \
		"$(tr '\n' ';' <"$w/raw_vectors.txt")" "$(tr '\n' ';' <"$w/vectors.txt")"

	# --- managed irqs against the guest's /proc/interrupts ---
	# virtio-blk queue irqs ("virtioN-req.M", PCI-MSI hwirq) are the
	# managed ones in the rig guests.
	rv_jq "$gt" '.raw.interrupts' | awk '$NF ~ /^virtio[0-9]+-req\./ {
			sub(":", "", $1); hw = $(NF - 1); sub("-.*", "", hw)
			print $1, $NF, hw
		}' | sort -n >"$w/gt_req.txt"
	rv_cmp "$scn: guest has virtio-blk queue irqs" "$(wc -l <"$w/gt_req.txt")" -gt 0
	rv_jq "$j" '.managed[] | "\(.irq) \(.owner) \(.hwirq)"' | sort -n >"$w/managed.txt"
	rv_eq "$scn: managed[] = the guest's virtio req irqs (irq owner hwirq)" \
		"$(tr '\n' ';' <"$w/gt_req.txt")" "$(tr '\n' ';' <"$w/managed.txt")"
	local irq name hw
	while read -r irq name hw; do
		rv_eq "$scn: irq $irq ($name) in vectors[] with managed=true" \
			"$name true" \
			"$(rv_jq "$j" "[.vectors[] | select(.irq == $irq)][0] | \"\(.owner) \(.managed)\"")"
	done <"$w/gt_req.txt"
	rv_jq "$gt" '.raw.interrupts' | awk '$NF ~ /^virtio[0-9]+-config$/ { sub(":", "", $1); print $1, $NF }' |
		while read -r irq name; do
			echo "$irq $name $(rv_jq "$j" "[.vectors[] | select(.irq == $irq)][0] | \"\(.owner) \(.managed)\"")"
		done >"$w/config.txt"
	rv_empty "$scn: virtio config irqs not in vectors[] as unmanaged" \
		"$(awk '$2 " false" != $3 " " $4' "$w/config.txt")"
	rv_cmp "$scn: config irqs checked" "$(wc -l <"$w/config.txt")" -gt 0

	# Queue i's irq affinity is the blk-mq map of hctx i (virtio-blk maps
	# its queues from the irq affinity).
	local disk virtio q
	for disk in $(rv_jq "$gt" '.disks | keys[]'); do
		virtio=$(rv_jq "$gt" ".disks.$disk.virtio")
		local guest
		guest=$(rv_jq "$gt" ".disks.$disk.guest")
		for q in $(rv_jq "$gt" ".mq_cpu_list.$guest | keys[]"); do
			rv_eq "$scn: $virtio-req.$q affinity = blk-mq map of $guest hctx $q" \
				"$(rv_jq "$gt" "$JQ_RANGES .mq_cpu_list.$guest[\"$q\"] | ranges")" \
				"$(rv_jq "$j" "[.managed[] | select(.owner == \"$virtio-req.$q\")][0].affinity")"
		done
		rv_eq "$scn: by_device $virtio disk = $guest" "$guest" \
			"$(rv_jq "$j" "[.by_device[] | select(.device == \"$virtio\")][0].disk")"
		rv_eq "$scn: by_device $virtio irqs = its req irqs in /proc/interrupts" \
			"$(grep -c " $virtio-req\." "$w/gt_req.txt")" \
			"$(rv_jq "$j" "[.by_device[] | select(.device == \"$virtio\")][0].irqs")"
	done

	# Reservations: each managed irq reserves one vector on every online
	# CPU of its affinity.
	local expect_reserved
	expect_reserved=$(jq -r --argjson online "$(rv_jq "$gt" '.cpus.online')" \
		"$JQ_CPUS"' [.managed[] | .affinity | cpus | map(select(. as $c | $online | index($c))) | length] | add // 0' "$j")
	rv_eq "$scn: by_device reserved sum = online-affinity popcounts" \
		"$expect_reserved" "$(rv_jq "$j" '[.by_device[].reserved] | add // 0')"
	rv_eq "$scn: by_device reserved sum = sum of online cpumap.managed (crash)" \
		"$managed_raw" "$(rv_jq "$j" '[.by_device[].reserved] | add // 0')"
	rv_eq "$scn: by_device sorted by reserved, descending" true \
		"$(rv_jq "$j" '[.by_device[].reserved] as $r | $r == ($r | sort | reverse)')"

	# --- the text report ---
	local t=$w/default.txt
	rv_match "$scn: text GLOBAL_AVAILABLE" "GLOBAL_AVAILABLE: $(raw_matrix_field "$raw" global_available) " \
		"$(grep GLOBAL_AVAILABLE "$t")"
	rv_match "$scn: text CONSISTENT" "CONSISTENT: yes" "$(grep CONSISTENT "$t")"
	rv_match "$scn: text by-device header" "^DEVICE +DISK +IRQS +RESERVED +ALLOCATED +IRQ_LIST" \
		"$(grep '^DEVICE' "$t")"
	for disk in $(rv_jq "$gt" '.disks | keys[]'); do
		virtio=$(rv_jq "$gt" ".disks.$disk.virtio")
		rv_match "$scn: text row of $virtio" \
			"^$virtio +$(rv_jq "$gt" ".disks.$disk.guest") +$(grep -c " $virtio-req\." "$w/gt_req.txt") +[0-9]+ +[0-9]+ +[0-9]" \
			"$(grep "^$virtio " "$t")"
	done
	rv_eq "$scn: no error lines in the text" 0 "$(grep -c '^irq:' "$t")"
	t=$w/cv.txt
	rv_eq "$scn: -c has one row per CPU" "$(raw_num "$w/raw_nr_cpu_ids.txt")" \
		"$(sed -n '/^CPU  ONLINE/,/^$/p' "$t" | grep -c '^ *[0-9]')"
	rv_eq "$scn: -c rows: cpu0 counters" \
		"0 yes $(raw_num "$w/raw_cpu0_available.txt") $(raw_num "$w/raw_cpu0_allocated.txt") $(raw_num "$w/raw_cpu0_managed.txt") $(raw_num "$w/raw_cpu0_managed_allocated.txt") yes" \
		"$(sed -n '/^CPU  ONLINE/,/^$/p' "$t" | awk '$1 == "0" { print $1, $2, $3, $4, $5, $6, $7 }')"
	rv_eq "$scn: -c draws a 24-column VECTORS bar on every CPU row" "$(raw_num "$w/raw_nr_cpu_ids.txt")" \
		"$(sed -n '/^CPU  ONLINE/,/^$/p' "$t" | grep -cE '^ *[0-9]+ .*  \[[#M.]{24}\]$')"
	rv_eq "$scn: -c cpu0 bar shows available vectors as '.'" \
		"$([ "$(raw_num "$w/raw_cpu0_available.txt")" -gt 0 ] && echo yes || echo no)" \
		"$(sed -n '/^CPU  ONLINE/,/^$/p' "$t" | awk '$1 == "0" { print $NF }' | grep -q '\.' && echo yes || echo no)"
	rv_eq "$scn: -v lists every vector" "$(wc -l <"$w/raw_vectors.txt")" \
		"$(sed -n '/^CPU  VEC/,/^$/p' "$t" | grep -c '^ *[0-9]')"
	read -r irq name hw <"$w/gt_req.txt"
	rv_match "$scn: -v row of $name" "^ +[0-9]+ +[0-9]+ +$irq +yes +[0-9,-]+ +$name\$" \
		"$(grep " $name\$" "$t" | head -1)"
}

for scn in "${scenarios[@]}"; do
	check_dump "$scn"
done
rv_summary

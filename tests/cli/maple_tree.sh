#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The maple tree walker (lib/maple_tree.c) on real memory: every process's
# VMAs of the 6.1 rig dumps live in mm->mm_mt (a tree with
# MT_FLAGS_ALLOC_RANGE: maple_arange_64 inner nodes, maple_leaf_64 leaves,
# like sparse_irqs of v6.5+). For each process with an mm, the walk
# (`raidvirt debug mt:ADDR`) yields mm->map_count entries, in order, each
# a vm_area_struct whose [vm_start, vm_end) is the entry's range. The
# guest's processes are small (one leaf each): the inner nodes are checked
# on 6.12 by the irq descriptors of sparse_irqs (tests/cli/facts612.sh).

. "$(dirname "$0")/../lib.sh"

SCENARIOS=${RV_SCENARIOS:-"healthy raid1-frozen"}
MAX_TASKS=2

# member_off DUMP TYPE PATH
member_off() {
	"$RV_CLI" debug "$1" "member:$2:$3" | sed -n 's/.* offset=\([0-9]*\) .*/\1/p'
}

# word DUMP ADDR: one 64-bit word, decimal-safe hex without 0x.
word() {
	"$RV_CLI" debug "$1" "rd:$2:1" | awk '/^rd /{print $3}'
}

for sc in $SCENARIOS; do
	dir=$(rv_dump_dir "$sc") || { rv_not_ok "$sc: no dump"; continue; }
	dump=$dir/vmcore
	tasks_off=$(member_off "$dump" "struct task_struct" tasks)
	mm_off=$(member_off "$dump" "struct task_struct" mm)
	mt_off=$(member_off "$dump" "struct mm_struct" mm_mt)
	mc_off=$(member_off "$dump" "struct mm_struct" map_count)
	init=$("$RV_CLI" debug "$dump" sym:init_task | awk '{print $3}')
	if [ -z "$tasks_off" ] || [ -z "$init" ]; then
		rv_not_ok "$sc: task layout"
		continue
	fi
	head=$(printf '%x' $((0x$init + tasks_off)))
	node=$(word "$dump" "0x$head")
	checked=0 entries=0
	for ((i = 0; i < 400 && checked < MAX_TASKS; i++)); do
		[ "$node" == "$head" ] && break
		task=$(printf '%x' $((0x$node - tasks_off)))
		mm=$(word "$dump" "0x$(printf '%x' $((0x$task + mm_off)))")
		node=$(word "$dump" "0x$node")
		[[ -z "$mm" || "$mm" == 0000000000000000 ]] && continue
		count=$(word "$dump" "0x$(printf '%x' $((0x$mm + mc_off)))")
		count=$((0x${count:8:8}))	# int map_count, little endian
		walk=$("$RV_CLI" debug "$dump" "mt:0x$(printf '%x' $((0x$mm + mt_off)))")
		if grep -q '^error' <<<"$walk"; then
			rv_not_ok "$sc: task $task: walk failed: $(grep '^error' <<<"$walk")"
			continue
		fi
		n=$(grep -c '^mt ' <<<"$walk")
		rv_eq "$sc: task $task: VMAs walked = mm->map_count" "$count" "$n"
		# Each entry's range is its VMA's [vm_start, vm_end - 1].
		queries=$(awk '/^mt /{print "rd:0x" $3 ":2"}' <<<"$walk")
		got=$("$RV_CLI" debug "$dump" $queries |
			while read -r _ _ start end; do
				printf '%#x-%#x\n' $((0x$start)) $((0x$end - 1))
			done)
		want=$(awk '/^mt /{print $2}' <<<"$walk")
		rv_eq "$sc: task $task: entry ranges = VMA ranges" "$want" "$got"
		order=$(awk '/^mt /{print $2}' <<<"$walk" | while IFS=- read -r a b; do
			printf '%020u %020u\n' $((a)) $((b)); done | sort -c 2>&1 && echo sorted)
		rv_eq "$sc: task $task: entries in index order" "sorted" "$order"
		checked=$((checked + 1))
		entries=$((entries + n))
	done
	rv_cmp "$sc: processes checked" "$checked" -ge "$MAX_TASKS"
	rv_cmp "$sc: VMAs checked" "$entries" -ge 10
done

rv_summary

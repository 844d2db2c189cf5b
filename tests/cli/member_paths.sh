#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Member paths of the target interface on a real dump: an indexed array
# element ("flush_queue[1].prev") has the element's offset, a path through
# an array or a scalar is refused with one message, and the layout cache
# answers a repeated question exactly as the backend did the first time
# (it once said "no member ..." where the fresh answer was "... is not a
# struct or union", issue 11).

. "$(dirname "$0")/../lib.sh"

dir=$(rv_dump_dir healthy) || { rv_not_ok "no healthy dump"; rv_summary; exit; }
dump=$dir/vmcore

# field LINE KEY: the value of "key=" in a `raidvirt debug` member line.
field() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

out=$("$RV_CLI" debug "$dump" \
	'member:struct blk_flush_queue:flush_queue' \
	'member:struct list_head:prev' \
	'member:struct blk_flush_queue:flush_queue[1].prev' \
	'member:struct blk_flush_queue:flush_queue[0].next' 2>&1)
arr=$(sed -n 1p <<<"$out")
prev=$(sed -n 2p <<<"$out")
el1=$(sed -n 3p <<<"$out")
el0=$(sed -n 4p <<<"$out")
base=$(field "$arr" offset)
esize=$(field "$arr" target_size)
rv_eq "flush_queue is an array of 2" "2" "$(field "$arr" nelem)"
rv_eq "flush_queue[1].prev offset" "$((base + esize + $(field "$prev" offset)))" "$(field "$el1" offset)"
rv_eq "flush_queue[0].next offset" "$base" "$(field "$el0" offset)"
rv_eq "flush_queue[1].prev kind" "ptr" "$(field "$el1" kind)"

# Each refused path, asked twice: the second (cached) answer is the first.
check_twice() {
	local name=$1 path=$2 want=$3
	local o
	o=$("$RV_CLI" debug "$dump" "member:$path" "member:$path" 2>&1)
	local first second
	first=$(sed -n 1p <<<"$o")
	second=$(sed -n 2p <<<"$o")
	rv_match "$name: fresh answer" "$want" "$first"
	rv_eq "$name: cached answer equals the fresh one" "$first" "$second"
}
check_twice "path through an array" 'struct blk_flush_queue:flush_queue.next' \
	'lookup: struct blk_flush_queue.flush_queue is an array: name an element \(flush_queue\[0\]\)$'
check_twice "path through a scalar" 'struct request_queue:limits.max_sectors.x' \
	'lookup: struct request_queue.limits.max_sectors is not a struct or union$'
check_twice "missing member" 'struct request_queue:no_such_member' \
	'lookup: no member struct request_queue.no_such_member in the debug info$'
check_twice "index out of range" 'struct blk_flush_queue:flush_queue[2].prev' \
	'lookup: struct blk_flush_queue.flush_queue has 2 elements$'
check_twice "index on a non-array" 'struct request_queue:limits[0].max_sectors' \
	'lookup: struct request_queue.limits is not an array$'

rv_summary

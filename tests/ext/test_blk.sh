#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# hctxfq / facts section "blk" on the rig dumps, checked against the guest's
# ground truth (disk names, /sys/block/vdX/mq/*, /sys/block/vdX/inflight) and
# against crash's own view of the same fields in the same dump
# (`struct blk_mq_hw_ctx.fq`, `kmem ADDR`, `kmem -s`, `kmem -S`, `dev -d`).
#
# Sessions per dump: (1) hctxfq -j / hctxfq / dev -d / kmem -s / sizeof;
# (2) crash's struct and kmem output for every hctx and fq found in (1),
# plus kmem -S of the expected kmalloc cache; on "healthy" (3) hctxfq on
# addresses picked from (2): free and allocated slab objects, a misaligned
# and a non-slab address, an unknown disk name.
#
# Set RV_TEST_NO_BUILD=1 to fail instead of asking the rig for a missing dump,
# RV_DUMPS=DIR to read DIR/SCENARIO/ instead of the rig cache, RV_KEEP_TMP=1 to
# keep the crash outputs.

. "$(dirname "$0")/../lib.sh"

SCENARIOS=${SCENARIOS:-"healthy raid1-frozen raid1-degraded"}
TMP=$(mktemp -d)
[ -n "$RV_KEEP_TMP" ] && echo "keeping $TMP" || trap 'rm -rf "$TMP"' EXIT

dump_dir() {
	local d=${RV_DUMPS:-$RV_BUILD/dumps/$RV_RELEASE}/$1
	if [ -f "$d/vmcore" ]; then
		readlink -f "$d"
	elif [ -z "$RV_TEST_NO_BUILD" ]; then
		rv_dump_dir "$1"
	else
		return 1
	fi
}

# Strip "0x" and leading zeros-free compare: crash prints 16 hex digits.
hex() { echo "${1#0x}"; }

# kmem ADDR output -> "CACHE_ADDR NAME STATE" (STATE: allocated|free|none)
parse_kmem() {
	awk '
		/^CACHE +OBJSIZE/ { getline; cache = $1; name = $NF; next }
		/FREE \/ \[ALLOCATED\]/ { getline
			if ($1 ~ /^\[/) state = "allocated"; else state = "free" }
		END { if (cache == "") print "- - none"; else print cache, name, state }' "$1"
}

check_dump() {
	local scen=$1 dir out=$TMP/$1
	mkdir -p "$out"
	if ! dir=$(dump_dir "$scen") || [ ! -f "$dir/vmcore" ]; then
		rv_not_ok "$scen: dump available"
		return
	fi
	local gt=$dir/ground-truth.json

	# ---- session 1 ----
	rv_crash "$dir/vmcore" "$out/s1.log" \
		"hctxfq -j > $out/blk.json" \
		"hctxfq > $out/blk.txt" \
		"dev -d > $out/devd.txt" \
		"kmem -s > $out/kmem_s.txt" \
		"p sizeof(struct blk_flush_queue) > $out/fqsize.txt"
	rv_eq "$scen: hctxfq -j is JSON" true \
		"$(jq -e 'has("disks")' "$out/blk.json" 2>/dev/null)"
	rv_eq "$scen: blk section has no error" null "$(rv_jq "$out/blk.json" '.error')"

	# The expected kmalloc bucket, from crash's own cache list.
	local fqsize bucket
	fqsize=$(sed -n 's/^\$[0-9]* = //p' "$out/fqsize.txt")
	bucket=$(awk -v want="$fqsize" '
		$NF ~ /^kmalloc-[0-9]+k?$/ && $2 + 0 >= want + 0 &&
		(best == "" || $2 + 0 < bsize) { best = $NF; bsize = $2 + 0 }
		END { print best }' "$out/kmem_s.txt")
	rv_eq "$scen: fq_expected.struct_size = crash sizeof" "$fqsize" \
		"$(rv_jq "$out/blk.json" '.fq_expected.struct_size')"
	rv_eq "$scen: fq_expected.cache = smallest kmalloc cache >= sizeof (kmem -s)" \
		"$bucket" "$(rv_jq "$out/blk.json" '.fq_expected.cache')"

	# ---- every virtio disk of the ground truth ----
	local disks
	disks=$(jq -r '.disks[].guest' "$gt")
	rv_cmp "$scen: ground truth lists disks" "$(echo "$disks" | wc -w)" -gt 0
	local cmds=() d
	for d in $disks; do
		local sel=".disks[] | select(.name == \"$d\")"
		rv_eq "$scen: $d found" "$d" "$(rv_jq "$out/blk.json" "$sel | .name")"
		rv_eq "$scen: $d is blk-mq" true "$(rv_jq "$out/blk.json" "$sel | .mq")"
		# gendisk / queue addresses and in-flight as crash's dev -d sees them
		local devd
		devd=$(awk -v d="$d" '$3 == d { print $2, $4, $5, $6, $7 }' "$out/devd.txt")
		read -r dgd dq dtot drd dwr <<<"$devd"
		rv_eq "$scen: $d gendisk = dev -d" "$dgd" \
			"$(hex "$(rv_jq "$out/blk.json" "$sel | .addr")")"
		rv_eq "$scen: $d queue = dev -d" "$dq" \
			"$(hex "$(rv_jq "$out/blk.json" "$sel | .queue_addr")")"
		rv_eq "$scen: $d in_flight = dev -d TOTAL" "$dtot" \
			"$(rv_jq "$out/blk.json" "$sel | .in_flight")"
		rv_eq "$scen: $d in_flight_rw = dev -d READ WRITE" "$drd $dwr" \
			"$(rv_jq "$out/blk.json" "$sel | \"\(.in_flight_rw[0]) \(.in_flight_rw[1])\"")"
		local gt_infl
		gt_infl=$(jq -r ".inflight[\"$d\"] // empty | add" "$gt")
		if [ -n "$gt_infl" ]; then
			rv_eq "$scen: $d in_flight = guest /sys/block/$d/inflight sum" \
				"$gt_infl" "$(rv_jq "$out/blk.json" "$sel | .in_flight")"
		fi
		rv_eq "$scen: $d hctx count = /sys/block/$d/mq/*" \
			"$(jq -r ".mq_cpu_list[\"$d\"] | length" "$gt")" \
			"$(rv_jq "$out/blk.json" "$sel | .hctx | length")"
		rv_eq "$scen: $d hctx_count = nr_hw_queues" \
			"$(rv_jq "$out/blk.json" "$sel | .nr_hw_queues")" \
			"$(rv_jq "$out/blk.json" "$sel | .hctx_count")"
		rv_eq "$scen: $d every fq verdict ok" true \
			"$(rv_jq "$out/blk.json" "[$sel | .hctx[].fq.verdict] | length > 0 and all(. == \"ok\")")"
		rv_eq "$scen: $d every hctx->queue points back" true \
			"$(rv_jq "$out/blk.json" "[$sel | .hctx[].queue_matches] | all")"
		rv_match "$scen: $d text row" \
			"$d +$dgd +$dq +[0-9]+ +$dtot " "$(cat "$out/blk.txt")"
		local i=0 h fq
		while read -r h fq; do
			[ -n "$h" ] || continue
			cmds+=("struct blk_mq_hw_ctx.fq,queue_num $h > $out/hctx.$d.$i")
			cmds+=("kmem $fq > $out/kmem.$d.$i")
			echo "$d $i $h $fq" >>"$out/hctx.list"
			i=$((i + 1))
		done < <(jq -r "$sel | .hctx[] | \"\(.addr) \(.fq.addr)\"" "$out/blk.json")
	done

	# raid1-frozen: the throttled member has requests in flight, the
	# healthy leg none.
	local thr
	thr=$(jq -r '.set.throttled.guest // empty' "$gt")
	if [ -n "$thr" ]; then
		rv_cmp "$scen: throttled $thr in_flight" \
			"$(rv_jq "$out/blk.json" ".disks[] | select(.name == \"$thr\") | .in_flight")" -gt 0
		for d in $(jq -r '.set.array.members[]' "$gt"); do
			[ "$d" = "$thr" ] && continue
			rv_eq "$scen: healthy leg $d in_flight" 0 \
				"$(rv_jq "$out/blk.json" ".disks[] | select(.name == \"$d\") | .in_flight")"
		done
	fi

	# ---- session 2: crash's view of every hctx and fq ----
	[ -n "$bucket" ] && cmds+=("kmem -S $bucket > $out/kmem_S.txt")
	rv_crash "$dir/vmcore" "$out/s2.log" "${cmds[@]}"
	local idx
	while read -r d idx h fq; do
		local sel=".disks[] | select(.name == \"$d\") | .hctx[$idx]"
		rv_eq "$scen: $d hctx $idx fq = crash struct blk_mq_hw_ctx.fq" \
			"$fq" "$(sed -n 's/^ *fq = \(0x[0-9a-f]*\).*/\1/p' "$out/hctx.$d.$idx" |
				 xargs printf '0x%016x\n' 2>/dev/null)"
		rv_eq "$scen: $d hctx $idx queue_num = crash" \
			"$(sed -n 's/^ *queue_num = \([0-9]*\).*/\1/p' "$out/hctx.$d.$idx")" \
			"$(rv_jq "$out/blk.json" "$sel | .queue_num")"
		read -r kc kn ks <<<"$(parse_kmem "$out/kmem.$d.$idx")"
		local mine
		mine=$(rv_jq "$out/blk.json" "$sel | .fq.slab |
			\"\(.cache_addr) \(.cache) \(if .free then \"free\" else \"allocated\" end)\"")
		rv_eq "$scen: $d hctx $idx kmem fq (cache addr, name, state)" \
			"$kc $kn $ks" "$(hex "${mine%% *}") ${mine#* }"
	done <"$out/hctx.list"
	rv_cmp "$scen: hctx checked against crash" "$(wc -l <"$out/hctx.list")" -gt 0

	[ "$scen" = healthy ] && check_slab_identify "$dir" "$out" "$bucket"
}

# ---- session 3 (healthy): rv_slab_identify on chosen addresses ----
check_slab_identify() {
	local dir=$1 out=$2 bucket=$3
	# Free objects of the bucket: on a CPU's free list ("(cpu N cache)")
	# and on a slab's free list (no brackets, no cpu note); an allocated one.
	local cpu_free slab_free alloc
	local cpu_of
	read -r cpu_free cpu_of <<<"$(awk '/\(cpu [0-9]+ cache\)/ { print $1, $3; exit }' \
		"$out/kmem_S.txt")"
	slab_free=$(awk '/^   [0-9a-f]+ *$/ && length($1) == 16 { print $1; exit }' "$out/kmem_S.txt")
	alloc=$(awk '/^  \[[0-9a-f]+\]/ { gsub(/[][]/, "", $1); print $1; exit }' \
		"$out/kmem_S.txt")
	rv_match "$scen: kmem -S $bucket shows a CPU-cached free object" '^[0-9a-f]{16}$' "$cpu_free"
	rv_match "$scen: kmem -S $bucket shows an allocated object" '^[0-9a-f]{16}$' "$alloc"
	local misaligned
	misaligned=$(printf '%016x' $((0x$alloc + 8)))
	local cmds=(
		"hctxfq -j $cpu_free > $out/sel.cpu.json"
		"kmem $cpu_free > $out/kmem.cpu"
		"hctxfq -j $alloc > $out/sel.alloc.json"
		"hctxfq -j $misaligned > $out/sel.mis.json"
		"hctxfq $cpu_free > $out/sel.cpu.txt"
		"hctxfq -j ffffffffffffe000 > $out/sel.bad.json"
		"hctxfq nosuchdisk > $out/sel.none.txt"
		"hctxfq -j vda > $out/sel.vda.json"
	)
	if [ -n "$slab_free" ]; then
		cmds+=("hctxfq -j $slab_free > $out/sel.slab.json" "kmem $slab_free > $out/kmem.slab")
	fi
	# A sample of the objects kmem -S lists (every 7th), free or not as
	# crash says.
	awk '/^  \[[0-9a-f]+\]/ { gsub(/[][]/, "", $1); print $1, "false"; next }
	     /^   [0-9a-f]+/ && length($1) == 16 { print $1, "true" }' \
		"$out/kmem_S.txt" | awk 'NR % 7 == 1' | head -12 >"$out/sample.list"
	local a f n=0
	while read -r a f; do
		cmds+=("hctxfq -j $a > $out/sample.$n.json")
		n=$((n + 1))
	done <"$out/sample.list"
	rv_crash "$dir/vmcore" "$out/s3.log" "${cmds[@]}"

	local q='.disks[0]'
	rv_eq "healthy: fake queue (free object) not reachable" false \
		"$(rv_jq "$out/sel.cpu.json" "$q.reachable")"
	rv_eq "healthy: slab_identify(CPU-free object).free" true \
		"$(rv_jq "$out/sel.cpu.json" "$q.slab.free")"
	# crash labels every free object of a CPU's current slab "(cpu N
	# cache)", also those on the slab's own free list (remote frees).
	rv_match "healthy: slab_identify(CPU-free object).free_list" '^(cpu|slab)$' \
		"$(rv_jq "$out/sel.cpu.json" "$q.slab.free_list")"
	rv_eq "healthy: slab_identify(CPU-free object).cpu_slab_of = kmem -S cpu" "$cpu_of" \
		"$(rv_jq "$out/sel.cpu.json" "$q.slab.cpu_slab_of")"
	rv_eq "healthy: slab_identify(CPU-free object).cache" "$bucket" \
		"$(rv_jq "$out/sel.cpu.json" "$q.slab.cache")"
	read -r kc kn ks <<<"$(parse_kmem "$out/kmem.cpu")"
	rv_eq "healthy: kmem agrees the CPU-free object is free" free "$ks"
	rv_match "healthy: hctxfq text says free" "in SLUB: free object $cpu_free of $bucket" \
		"$(cat "$out/sel.cpu.txt")"
	if [ -n "$slab_free" ]; then
		rv_eq "healthy: slab_identify(slab-free object).free" true \
			"$(rv_jq "$out/sel.slab.json" "$q.slab.free")"
		rv_eq "healthy: slab_identify(slab-free object).free_list" slab \
			"$(rv_jq "$out/sel.slab.json" "$q.slab.free_list")"
		read -r kc kn ks <<<"$(parse_kmem "$out/kmem.slab")"
		rv_eq "healthy: kmem agrees the slab-free object is free" free "$ks"
	fi
	rv_cmp "healthy: sampled objects of kmem -S" "$n" -ge 6
	n=0
	while read -r a f; do
		rv_eq "healthy: slab_identify($a).free = kmem -S" "$f" \
			"$(rv_jq "$out/sample.$n.json" "$q.slab.free")"
		n=$((n + 1))
	done <"$out/sample.list"
	rv_eq "healthy: slab_identify(allocated object).free" false \
		"$(rv_jq "$out/sel.alloc.json" "$q.slab.free")"
	rv_eq "healthy: slab_identify(object+8).object_addr" "0x$alloc" \
		"$(rv_jq "$out/sel.mis.json" "$q.slab.object_addr")"
	rv_eq "healthy: slab_identify(fixmap address).is_slab" false \
		"$(rv_jq "$out/sel.bad.json" "$q.slab.is_slab")"
	rv_match "healthy: fake queue at an unmapped address reports errors" "invalid|cannot read" \
		"$(rv_jq "$out/sel.bad.json" "$q.error | tostring")"
	rv_match "healthy: unknown disk name" "no disk named nosuchdisk" \
		"$(cat "$out/sel.none.txt")"
	rv_eq "healthy: crash still decodes after the fake queues" vda \
		"$(rv_jq "$out/sel.vda.json" "$q.name")"
}

for s in $SCENARIOS; do
	check_dump "$s"
done
rv_summary

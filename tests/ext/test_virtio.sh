#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The virtio decoder and the crash command `vring` on the rig dumps.
#
# One crash session per dump. The facts (`vring -j`) are checked against
# the guest's ground truth (ground-truth.json: disk names, PCI addresses,
# /proc/interrupts, /sys/block/*/inflight) and against crash's own reading
# of the same fields in the same session: gdb `p` and `x` on devices and
# virtqueues that gdb finds by itself, walking virtio_bus's klist with
# container_of expressions (not through the extension). A second, short
# session on the first dump selects one queue by the address the first
# session found.
#
# Usage: tests/ext/test_virtio.sh [SCENARIO...]   (default: all three)

. "$(dirname "$0")/../lib.sh"

OUT=$(mktemp -d)
trap '[ -n "$RV_KEEP" ] || rm -rf "$OUT"' EXIT

# Every gdb `p` and every `vring` costs crash ~0.1 s per type lookup, so
# the session asks gdb only about as many devices as the rig has disks and
# as many queues per device as the guest has CPUs (virtio_blk: one request
# queue per CPU), and the selection checks run on the first dump only.

# gdb expressions: the i-th node of a list (i >= 0), container_of.
nth_next() {
	local e=$1 i=$2
	while [ "$i" -gt 0 ]; do
		e="$e->next"
		i=$((i - 1))
	done
	echo "$e"
}
container_of() {
	echo "(($2 *)((char *)($1) - (unsigned long)&(($2 *)0)->$3))"
}
vdev_expr() {
	local kn dp
	kn=$(nth_next "virtio_bus.p->klist_devices.k_list.next" "$1")
	dp=$(container_of "$kn" "struct device_private" "knode_bus.n_node")
	container_of "$dp->device" "struct virtio_device" "dev"
}
vvq_expr() {
	local l vq
	l=$(nth_next "$(vdev_expr "$1")->vqs.next" "$2")
	vq=$(container_of "$l" "struct virtqueue" "list")
	container_of "$vq" "struct vring_virtqueue" "vq"
}

# gdb's "$N = VALUE" -> VALUE (strings without quotes, chars as numbers)
pval() {
	sed -n 's/^\$[0-9]* = //p' "$1" | head -1 | sed 's/^0x[0-9a-f]* "\(.*\)"$/\1/; s/^"\(.*\)"$/\1/'
}
# second value of an `x/2uh` line: "0xffff...:	0	76" -> 76
xsecond() {
	awk -F'\t' 'NR == 1 { print $3 }' "$1"
}

# run_session SCENARIO FIRST: FIRST=1 adds the selection commands.
run_session() {
	local sc=$1 first=$2 dir o
	dir=$(rv_dump_dir "$sc") || return 1
	o=$OUT/$sc
	mkdir -p "$o"
	cp "$dir/ground-truth.json" "$o/gt.json" || return 1
	echo "$dir/vmcore" >"$o/vmcore.path"
	local ndev nvq
	ndev=$(rv_jq "$o/gt.json" '.disks | length')
	nvq=$(rv_jq "$o/gt.json" '.cpus.possible_count')
	[[ "$ndev" =~ ^[0-9]+$ && "$nvq" =~ ^[0-9]+$ ]] || return 1
	echo "$ndev $nvq" >"$o/probed"
	local cmds=(
		"mod -s virtio"
		"mod -s virtio_ring"
		"mod -s virtio_pci"
		"mod -s virtio_blk"
		"vring -j > $o/virtio.json"
		"vring > $o/vring.txt"
		"help vring > $o/help.txt"
	)
	if [ "$first" = 1 ]; then
		cmds+=("vring -j vdb > $o/sel-vdb.json"
		       "vring virtio0 > $o/sel-virtio0.txt"
		       "vring nosuchdisk > $o/sel-none.txt")
	fi
	local i j d q
	for ((i = 0; i < ndev; i++)); do
		d=$(vdev_expr "$i")
		cmds+=("p/x (unsigned long)$d > $o/p-dev$i-addr.txt")
		cmds+=("p $d->dev.kobj.name > $o/p-dev$i-name.txt")
		cmds+=("p $d->id.device > $o/p-dev$i-id.txt")
		cmds+=("p ((struct virtio_blk *)$d->priv)->disk->disk_name > $o/p-dev$i-disk.txt")
		for ((j = 0; j < nvq; j++)); do
			q=$(vvq_expr "$i" "$j")
			cmds+=("p/x (unsigned long)$q > $o/p-vq$i-$j-addr.txt")
			cmds+=("p $q->vq.name > $o/p-vq$i-$j-name.txt")
			cmds+=("p $q->vq.num_free > $o/p-vq$i-$j-num_free.txt")
			cmds+=("p $q->last_used_idx > $o/p-vq$i-$j-last_used_idx.txt")
			cmds+=("p $q->split.avail_idx_shadow > $o/p-vq$i-$j-avail_idx_shadow.txt")
			cmds+=("p $q->split.vring.num > $o/p-vq$i-$j-num.txt")
			cmds+=("p $q->split.vring.used->idx > $o/p-vq$i-$j-used_idx.txt")
			cmds+=("p $q->split.vring.avail->idx > $o/p-vq$i-$j-avail_idx.txt")
			# the used ring header as raw memory: flags, idx
			cmds+=("x/2uh $q->split.vring.used > $o/x-vq$i-$j-used.txt")
		done
	done
	rv_crash "$dir/vmcore" "$o/crash.log" "${cmds[@]}"
}

# irq of a /proc/interrupts action name ("virtio1-req.0") in ground truth.
gt_irq() {
	rv_jq "$1" '.raw.interrupts' |
		awk -v n="$2" '$NF == n { sub(":", "", $1); print $1 }'
}

check_common() {
	local sc=$1 o=$OUT/$1
	local j=$o/virtio.json gt=$o/gt.json

	rv_eq "$sc: virtio section present" true "$(rv_jq "$j" .present)"
	rv_eq "$sc: no section error" null "$(rv_jq "$j" .error)"
	rv_eq "$sc: no debuginfo missing" null "$(rv_jq "$j" .debuginfo_missing)"

	# Every rig disk is a virtio-blk device with its disk name.
	local ndisks disk vname guest pci
	ndisks=$(rv_jq "$gt" '.disks | length')
	rv_cmp "$sc: ground truth has disks" "$ndisks" -ge 2
	rv_eq "$sc: one virtio-blk device per rig disk" "$ndisks" \
		"$(rv_jq "$j" '[.devices[] | select(.type == "block")] | length')"
	for disk in $(rv_jq "$gt" '.disks | keys[]'); do
		vname=$(rv_jq "$gt" ".disks.$disk.virtio")
		guest=$(rv_jq "$gt" ".disks.$disk.guest")
		pci=$(rv_jq "$gt" ".disks.$disk.pci")
		local D=".devices[] | select(.name == \"$vname\")"
		rv_eq "$sc: $vname disk" "$guest" "$(rv_jq "$j" "$D | .disk")"
		rv_eq "$sc: $vname driver" virtio_blk "$(rv_jq "$j" "$D | .driver")"
		rv_eq "$sc: $vname device_id" 2 "$(rv_jq "$j" "$D | .device_id")"
		rv_eq "$sc: $vname pci_name" "$pci" "$(rv_jq "$j" "$D | .pci.pci_name")"
		rv_eq "$sc: $vname config vector irq = /proc/interrupts" \
			"$(gt_irq "$gt" "$vname-config")" \
			"$(rv_jq "$j" "$D | .pci.vectors[] | select(.name == \"$vname-config\") | .irq")"
	done

	# Devices and queues as gdb finds them on the same klist.
	local ndev i jj pdev pvq
	read -r pdev pvq <"$o/probed"
	ndev=$(rv_jq "$j" '.devices | length')
	rv_cmp "$sc: devices decoded" "$ndev" -ge "$ndisks"
	for ((i = 0; i < ndev && i < pdev; i++)); do
		local DV=".devices[$i]" name
		name=$(rv_jq "$j" "$DV.name")
		rv_eq "$sc: dev$i addr = gdb container_of" \
			"$(pval "$o/p-dev$i-addr.txt")" \
			"$(rv_jq "$j" "$DV.addr" | sed 's/^0x0*/0x/')"
		rv_eq "$sc: dev$i name = gdb" "$(pval "$o/p-dev$i-name.txt")" "$name"
		rv_eq "$sc: $name id.device = gdb" "$(pval "$o/p-dev$i-id.txt")" \
			"$(rv_jq "$j" "$DV.device_id")"
		if [ "$(rv_jq "$j" "$DV.driver")" = virtio_blk ]; then
			rv_eq "$sc: $name disk = gdb disk_name" \
				"$(pval "$o/p-dev$i-disk.txt" | sed 's/\\000.*//')" \
				"$(rv_jq "$j" "$DV.disk")"
		fi
		local nvq
		nvq=$(rv_jq "$j" "$DV.vqs | length")
		rv_cmp "$sc: $name has vqs" "$nvq" -ge 1
		rv_eq "$sc: $name has one vq per CPU" "$pvq" "$nvq"
		for ((jj = 0; jj < nvq && jj < pvq; jj++)); do
			local Q="$DV.vqs[$jj]" p="$o/p-vq$i-$jj" qn
			qn="$name $(rv_jq "$j" "$Q.name")"
			rv_eq "$qn: addr = gdb" "$(pval "$p-addr.txt")" \
				"$(rv_jq "$j" "$Q.addr" | sed 's/^0x0*/0x/')"
			rv_eq "$qn: name = gdb" "$(pval "$p-name.txt")" \
				"$(rv_jq "$j" "$Q.name")"
			local f
			for f in num_free last_used_idx avail_idx_shadow num \
				 used_idx avail_idx; do
				rv_eq "$qn: $f = gdb" "$(pval "$p-$f.txt")" \
					"$(rv_jq "$j" "$Q.$f")"
			done
			rv_eq "$qn: used_idx = x/2uh used ring" \
				"$(xsecond "$o/x-vq$i-$jj-used.txt")" \
				"$(rv_jq "$j" "$Q.used_idx")"
			# Derived values, recomputed here from the raw ones.
			rv_eq "$qn: in_flight = (u16)(avail_idx - used_idx)" \
				"$(rv_calc '($1 - $2) & 0xffff' "$(pval "$p-avail_idx.txt")" "$(pval "$p-used_idx.txt")")" \
				"$(rv_jq "$j" "$Q.in_flight")"
			rv_eq "$qn: unreaped = (u16)(used_idx - last_used_idx)" \
				"$(rv_calc '($1 - $2) & 0xffff' "$(pval "$p-used_idx.txt")" "$(pval "$p-last_used_idx.txt")")" \
				"$(rv_jq "$j" "$Q.unreaped")"
			rv_eq "$qn: descs_in_use = num - num_free" \
				"$(rv_calc '$1 - $2' "$(pval "$p-num.txt")" "$(pval "$p-num_free.txt")")" \
				"$(rv_jq "$j" "$Q.descs_in_use")"
			# Buffers not yet reaped are either with the device or in
			# the used ring (nothing added-but-unpublished: num_added 0).
			rv_eq "$qn: outstanding = in_flight + unreaped" \
				"$(rv_jq "$j" "$Q.in_flight + $Q.unreaped")" \
				"$(rv_jq "$j" "$Q.outstanding")"
			rv_eq "$qn: unreaped = 0 (no lost interrupt)" 0 \
				"$(rv_jq "$j" "$Q.unreaped")"
			rv_eq "$qn: not broken" false "$(rv_jq "$j" "$Q.broken")"
			rv_eq "$qn: split ring" split "$(rv_jq "$j" "$Q.ring")"
			# The irq of the queue's vector is the one /proc/interrupts
			# shows for its name, and its irqaction's dev_id is the vq.
			local an="$name-$(rv_jq "$j" "$Q.name")"
			rv_eq "$qn: msix_name" "$an" "$(rv_jq "$j" "$Q.msix_name")"
			rv_eq "$qn: irq = /proc/interrupts $an" "$(gt_irq "$gt" "$an")" \
				"$(rv_jq "$j" "$Q.irq")"
			rv_eq "$qn: irq action dev_id is the vq" true \
				"$(rv_jq "$j" "$Q.irq_desc.action_dev_id_match")"
			rv_eq "$qn: irq action name" "$an" \
				"$(rv_jq "$j" "$Q.irq_desc.action_names[0]")"
		done
	done

	# Text: one row per queue, with the JSON's values in its columns.
	local t=$o/vring.txt
	rv_match "$sc: vring header" "DEVICE +ADDR +TYPE +DRIVER +DISK +MSIX" "$(head -1 "$t")"
	rv_match "$sc: vring vq header" "VQ +ADDR +NAME +NUM +FREE +AVAIL +USED +LAST_USED +INFLIGHT +UNREAPED +BROKEN +VEC +IRQ" \
		"$(grep -m1 ' VQ ' "$t")"
	rv_eq "$sc: vring prints one row per vq" \
		"$(rv_jq "$j" '[.devices[].vqs[]] | length')" \
		"$(grep -cE '^ +[0-9]+ +[0-9a-f]{16} ' "$t")"
	rv_eq "$sc: vring rows = JSON (addr name num free avail used last_used inflight unreaped vec irq)" \
		"$(rv_jq "$j" '.devices[].vqs[] | [(.addr | ltrimstr("0x")), .name, .num, .num_free, .avail_idx, .used_idx, .last_used_idx, .in_flight, .unreaped, .msix_vector, .irq] | map(tostring) | join(" ")')" \
		"$(grep -E '^ +[0-9]+ +[0-9a-f]{16} ' "$t" | awk '{print $2, $3, $4, $5, $6, $7, $8, $9, $10, $12, $13}')"

	rv_match "$sc: help vring has an example" "EXAMPLE" "$(cat "$o/help.txt")"
	rv_match "$sc: help vring shows the prompt" "crash> vring" "$(cat "$o/help.txt")"
}

# Selections by disk name, device name, a name that does not exist, and
# (in a second session) a vq address found by the first one.
check_select() {
	local sc=$1 o=$OUT/$1 addr vmcore
	rv_eq "$sc: vring -j vdb selects one device" 1 \
		"$(rv_jq "$o/sel-vdb.json" '.devices | length')"
	rv_eq "$sc: vring -j vdb is vdb" vdb "$(rv_jq "$o/sel-vdb.json" '.devices[0].disk')"
	rv_eq "$sc: vring virtio0 prints one device" 1 \
		"$(grep -c '^virtio[0-9]' "$o/sel-virtio0.txt")"
	rv_match "$sc: vring virtio0 is virtio0" "^virtio0 " \
		"$(grep '^virtio[0-9]' "$o/sel-virtio0.txt")"
	rv_match "$sc: vring nosuchdisk says so" "no virtio device.*nosuchdisk" \
		"$(cat "$o/sel-none.txt")"
	addr=$(rv_jq "$o/virtio.json" '.devices[-1].vqs[0].addr')
	vmcore=$(cat "$o/vmcore.path")
	rv_crash "$vmcore" "$o/crash2.log" \
		"mod -s virtio" "mod -s virtio_ring" "mod -s virtio_pci" "mod -s virtio_blk" \
		"vring -j ${addr#0x} > $o/sel-vq.json" \
		"vring ${addr#0x} > $o/sel-vq.txt"
	rv_eq "$sc: vring VQADDR selects one device" 1 \
		"$(rv_jq "$o/sel-vq.json" '.devices | length')"
	rv_eq "$sc: vring VQADDR selects one vq" "$addr" \
		"$(rv_jq "$o/sel-vq.json" '.devices[0].vqs | map(.addr) | join(",")')"
	rv_eq "$sc: vring VQADDR prints one row" 1 \
		"$(grep -cE '^ +[0-9]+ +[0-9a-f]{16} ' "$o/sel-vq.txt")"
}

check_healthy() {
	local j=$OUT/healthy/virtio.json
	rv_eq "healthy: nothing in flight on any vq" 0 \
		"$(rv_jq "$j" '[.devices[].vqs[].in_flight] | add')"
	rv_eq "healthy: no vring notes" 0 \
		"$(grep -cE '^  virtio[0-9]+ ' "$OUT/healthy/vring.txt")"
}

# The throttled member holds the stuck writes; the other member none.
check_frozen() {
	local o=$OUT/raid1-frozen j=$OUT/raid1-frozen/virtio.json
	local gt=$o/gt.json thr other
	thr=$(rv_jq "$gt" .set.throttled.guest)
	rv_eq "frozen: ground truth names the throttled disk" vdb "$thr"
	other=$(rv_jq "$gt" "[.disks[].guest | select(. != \"$thr\")][0]")
	local T=".devices[] | select(.disk == \"$thr\")"
	local O=".devices[] | select(.disk == \"$other\")"
	local sum_thr gt_inflight
	sum_thr=$(rv_jq "$j" "[$T | .vqs[].in_flight] | add")
	gt_inflight=$(rv_jq "$gt" ".inflight.$thr | add")
	rv_cmp "frozen: $thr in_flight > 0" "$sum_thr" -gt 0
	rv_eq "frozen: $thr in_flight = /sys/block/$thr/inflight" "$gt_inflight" "$sum_thr"
	rv_cmp "frozen: some $thr request vq has in_flight > 0" \
		"$(rv_jq "$j" "[$T | .vqs[] | select(.name | startswith(\"req\")) | .in_flight | select(. > 0)] | length")" -ge 1
	rv_eq "frozen: $other in_flight = 0 on every vq" 0 \
		"$(rv_jq "$j" "[$O | .vqs[].in_flight] | add")"
	rv_eq "frozen: $thr outstanding = in_flight" "$sum_thr" \
		"$(rv_jq "$j" "[$T | .vqs[].outstanding] | add")"
	rv_eq "frozen: unreaped = 0 everywhere" 0 \
		"$(rv_jq "$j" '[.devices[].vqs[].unreaped] | add')"
	rv_cmp "frozen: vring notes the stuck queues" \
		"$(grep -c "published, not completed by the device" "$o/vring.txt")" -ge 1
	rv_cmp "frozen: vring report lines" "$(wc -l <"$o/vring.txt")" -gt 0
	rv_empty "frozen: notes only for $thr's device" \
		"$(grep "published" "$o/vring.txt" | grep -v "$(rv_jq "$j" "$T | .name") ")"
}

check_degraded() {
	local j=$OUT/raid1-degraded/virtio.json gt=$OUT/raid1-degraded/gt.json
	rv_eq "degraded: three virtio-blk devices" 3 \
		"$(rv_jq "$j" '[.devices[] | select(.driver == "virtio_blk")] | length')"
	rv_eq "degraded: removed member's device still decoded" \
		"$(rv_jq "$gt" '.set.failed.guest')" \
		"$(rv_jq "$j" ".devices[] | select(.disk == \"$(rv_jq "$gt" '.set.failed.guest')\") | .disk")"
	rv_eq "degraded: nothing in flight" 0 \
		"$(rv_jq "$j" '[.devices[].vqs[].in_flight] | add')"
}


scenarios=("$@")
[ ${#scenarios[@]} -eq 0 ] && scenarios=(healthy raid1-frozen raid1-degraded)
first=1
for sc in "${scenarios[@]}"; do
	echo "# $sc"
	if ! run_session "$sc" "$first"; then
		rv_not_ok "$sc: no dump or crash failed (see above)"
		continue
	fi
	if [ ! -s "$OUT/$sc/virtio.json" ]; then
		rv_not_ok "$sc: vring -j wrote nothing"
		sed 's/^/# /' "$OUT/$sc/crash.log" | tail -20
		continue
	fi
	check_common "$sc"
	case $sc in
	healthy) check_healthy ;;
	raid1-frozen) check_frozen ;;
	raid1-degraded) check_degraded ;;
	esac
	if [ "$first" = 1 ]; then
		check_select "$sc"
		first=0
	fi
done
rv_summary

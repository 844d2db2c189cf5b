#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The standalone program against crash on every rig dump: the facts
# sections of `raidvirt facts --json` equal those of the crash extension's
# `raidvirt -j`; the tables of `raidvirt show` equal the crash commands';
# raw symbols, reads, sizes, member offsets and enumerators of the backend
# equal crash's `sym`/`rd`/`p` answers and the guest's own ground truth.
# The ELF dump of a scenario, where the rig made one, and the reassembled
# (non-flattened) kdump file give the same facts as the flattened one.

. "$(dirname "$0")/../lib.sh"

SCENARIOS=${RV_SCENARIOS:-"healthy raid1-frozen raid1-degraded"}
SECTIONS="dump log md irq blk virtio"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# crash_p FILE: the value of a `p` answer ("$3 = (int *) 0x88" -> 136).
crash_p() {
	local v
	v=$(sed -n 's/^\$[0-9]* = \(([^)]*) \)\{0,1\}//p' "$1" | head -1)
	[[ $v == 0x* ]] && v=$((v))
	echo "$v"
}

# debug_field OUT KEY: the value of "key=" in a `raidvirt debug` member line.
field() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

check_scenario() {
	local sc=$1 dir out=$WORK/$1
	mkdir -p "$out"
	# RV_DUMPS=DIR: dumps in DIR/SCENARIO/ (a snapshot of the rig's cache);
	# RV_NO_BUILD=1: the latest cached dumps as they are, never start the rig.
	if [ -n "$RV_DUMPS" ]; then
		dir=$RV_DUMPS/$sc
	elif [ -n "$RV_NO_BUILD" ]; then
		dir=$(readlink -f "$RV_BUILD/dumps/$RV_RELEASE/$sc")
	else
		dir=$(rv_dump_dir "$sc")
	fi
	if [ -z "$dir" ] || [ ! -f "$dir/vmcore" ]; then
		rv_not_ok "$sc: no rig dump (dumps/rig.py build $sc)"
		return
	fi
	local dump=$dir/vmcore gt=$dir/ground-truth.json
	local moddir=$RV_MODDEBUG/kernel

	# ---- the CLI ----
	local t0=$SECONDS
	timeout 60 "$RV_CLI" facts --json "$dump" >"$out/cli.json" 2>"$out/cli.err"
	rv_eq "$sc: facts --json exit status" 0 $?
	rv_cmp "$sc: facts --json seconds" $((SECONDS - t0)) -le 10
	rv_empty "$sc: facts --json stderr" "$(cat "$out/cli.err")"
	rv_eq "$sc: schema" "raidvirt.facts/1" "$(rv_jq "$out/cli.json" .schema)"
	for s in md vectors blk virtio; do
		timeout 60 "$RV_CLI" show $s "$dump" >"$out/show-$s.txt" 2>"$out/show-$s.err"
		rv_eq "$sc: show $s exit status" 0 $?
	done
	timeout 60 "$RV_CLI" facts "$dump" >"$out/facts.txt" 2>/dev/null
	rv_eq "$sc: facts (text) exit status" 0 $?

	timeout 60 "$RV_CLI" debug "$dump" info sym:modules sym:nr_cpu_ids rd:nr_cpu_ids:1 \
		sym:__per_cpu_offset rd:__per_cpu_offset:2 sym:vector_irq sym:_stext \
		sym:all_mddevs rd:all_mddevs:2 str:linux_banner \
		'member:struct module:list' 'member:struct _ddebug:class_id' \
		'member:struct _ddebug:flags' 'size:struct module' enum:BLK_MQ_S_STOPPED \
		module:md_mod module:raid1 module:virtio_ring 'size:struct r1conf' \
		'member:struct r1conf:array_frozen' 'member:struct r1conf:nr_pending' \
		'member:struct vring_virtqueue:split.vring.num' \
		'member:struct vring_virtqueue:packed.vring.device' \
		'size:struct vring_virtqueue' >"$out/debug.txt" 2>&1
	rv_eq "$sc: debug queries exit status" 0 $?
	local dbg
	dbg=$(cat "$out/debug.txt")
	grep '^error' "$out/debug.txt" | sed 's/^/# /'

	# ---- crash, one session ----
	local cdir=$out/c
	mkdir -p "$cdir"
	rv_crash "$dump" "$out/crash.out" \
		"raidvirt -j > $cdir/facts.json" \
		"r1conf > $cdir/md.txt" "vecmatrix > $cdir/vectors.txt" \
		"hctxfq > $cdir/blk.txt" "vring > $cdir/virtio.txt" \
		"sym modules > $cdir/sym_modules" "sym nr_cpu_ids > $cdir/sym_nr_cpu_ids" \
		"rd -64 nr_cpu_ids > $cdir/rd_nr_cpu_ids" \
		"rd -64 __per_cpu_offset 2 > $cdir/rd_pco" \
		"sym vector_irq > $cdir/sym_vector_irq" "sym all_mddevs > $cdir/sym_all_mddevs" \
		"rd -64 all_mddevs 2 > $cdir/rd_all_mddevs" \
		"p &((struct module *)0)->list > $cdir/off_module_list" \
		"p sizeof(struct module) > $cdir/size_module" \
		"gdb printm ((struct _ddebug *)0)->class_id > $cdir/printm_class_id" \
		"gdb printm ((struct _ddebug *)0)->flags > $cdir/printm_flags" \
		"p/d BLK_MQ_S_STOPPED > $cdir/enum_stopped" \
		"mod -s md_mod $moddir/drivers/md/md-mod.ko > /dev/null" \
		"mod -s raid1 $moddir/drivers/md/raid1.ko > /dev/null" \
		"mod -s virtio_ring $moddir/drivers/virtio/virtio_ring.ko > /dev/null" \
		"p sizeof(struct r1conf) > $cdir/size_r1conf" \
		"p &((struct r1conf *)0)->array_frozen > $cdir/off_array_frozen" \
		"p &((struct r1conf *)0)->nr_pending > $cdir/off_nr_pending" \
		"p &((struct vring_virtqueue *)0)->split.vring.num > $cdir/off_vring_num" \
		"p &((struct vring_virtqueue *)0)->packed.vring.device > $cdir/off_packed_device" \
		"p sizeof(struct vring_virtqueue) > $cdir/size_vvq"
	rv_eq "$sc: crash exit status" 0 $?

	# ---- facts: section by section, nothing deleted ----
	for s in $SECTIONS; do
		rv_same_json "$sc: facts section $s equals crash's" "$cdir/facts.json" "$out/cli.json" ".$s"
	done
	for s in md vectors blk virtio; do
		if [ -s "$out/show-$s.txt" ] && cmp -s "$cdir/$s.txt" "$out/show-$s.txt"; then
			rv_ok "$sc: show $s prints what crash prints"
		else
			rv_not_ok "$sc: show $s differs from crash's table"
			diff "$cdir/$s.txt" "$out/show-$s.txt" | head -10 | sed 's/^/#   /'
		fi
	done
	rv_match "$sc: facts text has the md table" "md0" "$(cat "$out/facts.txt")"

	# ---- raw backend answers against crash ----
	local sym
	for sym in modules nr_cpu_ids vector_irq all_mddevs; do
		rv_eq "$sc: sym $sym" "$(printf '%016x' "0x$(awk '{print $1}' "$cdir/sym_$sym")")" \
			"$(sed -n "s/^sym $sym //p" <<<"$dbg")"
	done
	rv_eq "$sc: rd nr_cpu_ids" "$(awk '{print $2}' "$cdir/rd_nr_cpu_ids")" \
		"$(sed -n 's/^rd [0-9a-f]*: //p' <<<"$dbg" | sed -n 1p)"
	rv_eq "$sc: rd __per_cpu_offset[0..1]" "$(awk '{print $2, $3}' "$cdir/rd_pco")" \
		"$(sed -n 's/^rd [0-9a-f]*: //p' <<<"$dbg" | sed -n 2p)"
	rv_eq "$sc: rd all_mddevs (list head)" "$(awk '{print $2, $3}' "$cdir/rd_all_mddevs")" \
		"$(sed -n 's/^rd [0-9a-f]*: //p' <<<"$dbg" | sed -n 3p)"
	rv_match "$sc: linux_banner string" "^str [0-9a-f]+ \"Linux version $RV_RELEASE " \
		"$(grep '^str ' <<<"$dbg")"
	local line
	line=$(grep '^member struct module list ' <<<"$dbg")
	rv_eq "$sc: offset of module.list" "$(crash_p "$cdir/off_module_list")" "$(field "$line" offset)"
	rv_eq "$sc: sizeof(struct module)" "$(crash_p "$cdir/size_module")" \
		"$(sed -n 's/^size struct module //p' <<<"$dbg")"
	# crash's printm: code unsigned length offset bitpos bitsize
	local m
	for m in class_id flags; do
		line=$(grep "^member struct _ddebug $m " <<<"$dbg")
		read -r _ _ plen poff pbit pbits <"$cdir/printm_$m"
		rv_eq "$sc: _ddebug.$m bitfield (offset bit_offset bit_size size)" \
			"$((poff + pbit / 8)) $((pbit % 8)) $pbits $plen" \
			"$(field "$line" offset) $(field "$line" bit_offset) $(field "$line" bit_size) $(field "$line" size)"
	done
	rv_eq "$sc: enum BLK_MQ_S_STOPPED" "$(crash_p "$cdir/enum_stopped")" \
		"$(sed -n 's/^enum BLK_MQ_S_STOPPED //p' <<<"$dbg")"
	for m in md_mod raid1 virtio_ring; do
		rv_match "$sc: module $m debuginfo" "^module $m loaded$" "$(grep "^module $m " <<<"$dbg")"
	done
	rv_eq "$sc: sizeof(struct r1conf)" "$(crash_p "$cdir/size_r1conf")" \
		"$(sed -n 's/^size struct r1conf //p' <<<"$dbg")"
	line=$(grep '^member struct r1conf array_frozen ' <<<"$dbg")
	rv_eq "$sc: offset of r1conf.array_frozen" "$(crash_p "$cdir/off_array_frozen")" \
		"$(field "$line" offset)"
	line=$(grep '^member struct r1conf nr_pending ' <<<"$dbg")
	rv_eq "$sc: offset of r1conf.nr_pending" "$(crash_p "$cdir/off_nr_pending")" \
		"$(field "$line" offset)"
	rv_eq "$sc: r1conf.nr_pending is a pointer to atomic_t" "ptr struct 4" \
		"$(field "$line" kind) $(field "$line" target_kind) $(field "$line" target_size)"
	line=$(grep '^member struct vring_virtqueue split.vring.num ' <<<"$dbg")
	rv_eq "$sc: offset of vring_virtqueue.split.vring.num (anonymous union)" \
		"$(crash_p "$cdir/off_vring_num")" "$(field "$line" offset)"
	line=$(grep '^member struct vring_virtqueue packed.vring.device ' <<<"$dbg")
	rv_eq "$sc: offset of vring_virtqueue.packed.vring.device" \
		"$(crash_p "$cdir/off_packed_device")" "$(field "$line" offset)"
	rv_eq "$sc: sizeof(struct vring_virtqueue)" "$(crash_p "$cdir/size_vvq")" \
		"$(sed -n 's/^size struct vring_virtqueue //p' <<<"$dbg")"

	# ---- against what the guest itself printed ----
	rv_eq "$sc: _stext = guest kallsyms" \
		"$(rv_jq "$gt" '.kallsyms._stext' | sed 's/^0x//')" \
		"$(sed -n 's/^sym _stext //p' <<<"$dbg")"
	local md_base md_size mddevs
	md_base=$(rv_jq "$gt" '.modules.md_mod.address')
	md_size=$(rv_jq "$gt" '.modules.md_mod.size')
	mddevs=$(sed -n 's/^sym all_mddevs //p' <<<"$dbg")
	if [ -n "$md_base" ] && [ -n "$mddevs" ] &&
	   (( 0x$mddevs >= md_base && 0x$mddevs < md_base + md_size )); then
		rv_ok "$sc: all_mddevs lies in md_mod's module memory"
	else
		rv_not_ok "$sc: all_mddevs ($mddevs) not in md_mod ($md_base + $md_size)"
	fi
	rv_eq "$sc: release" "$(rv_jq "$gt" .release)" \
		"$(sed -n 's/^info .*release=\([^ ]*\).*/\1/p' <<<"$dbg")"

	# ---- the same dump in other containers ----
	if [ -f "$dir/vmcore.elf" ]; then
		timeout 60 "$RV_CLI" facts --json "$dir/vmcore.elf" >"$out/elf.json" 2>/dev/null
		rv_eq "$sc: ELF facts exit status" 0 $?
		# dump.provenance.file and the evidence details describe the container
		# (format, notes, flattened): the one part that must differ (tests/ext/test_dump.sh
		# checks it per file).
		for s in $SECTIONS; do
			rv_same_json "$sc: ELF facts section $s equals the kdump one" \
				"$out/cli.json" "$out/elf.json" ".$s | if type == \"object\" and (.provenance | type) == \"object\" then del(.provenance.file) | .provenance.evidence |= map(.signal) else . end"
		done
	else
		rv_skip "$sc: ELF facts" "no vmcore.elf from the rig (dumps/rig.py build $sc --elf)"
	fi
	if head -c 12 "$dump" | grep -q makedumpfile && command -v makedumpfile >/dev/null; then
		makedumpfile -R "$out/plain.kdump" <"$dump" >/dev/null 2>&1
		timeout 60 "$RV_CLI" facts --json "$out/plain.kdump" >"$out/plain.json" 2>/dev/null
		rv_eq "$sc: reassembled kdump facts exit status" 0 $?
		rv_same_json "$sc: reassembled kdump facts equal the flattened ones" \
			"$out/cli.json" "$out/plain.json" ".dump |= (if type == \"object\" and (.provenance | type) == \"object\" then del(.provenance.file) | .provenance.evidence |= map(.signal) else . end)"
		rm -f "$out/plain.kdump"
	else
		rv_skip "$sc: reassembled kdump" "the dump is not flattened or makedumpfile is missing"
	fi
}

for sc in $SCENARIOS; do
	check_scenario "$sc"
done
rv_summary

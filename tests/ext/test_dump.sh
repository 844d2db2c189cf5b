#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Facts sections "dump" and "log" inside crash, on every rig dump. Values
# are checked against the rig's ground truth and against crash's own `sys`,
# `log`, `p` and `sym` output in the same session. The log is compared line
# for line with crash's `log`.
#
#   tests/ext/test_dump.sh              # every scenario (builds missing dumps)
#   RV_SCENARIOS=healthy tests/ext/test_dump.sh
#   RV_NO_BUILD=1 tests/ext/test_dump.sh   # use the cached dumps, never start the rig
#
# A dump that is not available is a failure, not a skip.

. "$(dirname "$0")/../lib.sh"

SCENARIOS=${RV_SCENARIOS:-"healthy raid1-frozen raid1-degraded"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

dump_dir() {
	if [ -n "${RV_NO_BUILD:-}" ]; then
		local d=$RV_BUILD/dumps/$RV_RELEASE/$1
		[ -f "$d/vmcore" ] && [ -f "$d/ground-truth.json" ] && echo "$d"
	else
		rv_dump_dir "$1"
	fi
}

# crash prints `$N = VALUE` or `name = $N = VALUE`: the VALUE.
p_value() {
	sed -n 's/^.*\$[0-9]* = //p' "$1" | head -1
}

popcount() {
	local v=$(($1)) n=0
	while [ "$v" -ne 0 ]; do
		n=$((n + (v & 1)))
		v=$((v >> 1))
	done
	echo "$n"
}

# The facts' log lines printed the way crash's `log` prints them:
# "[%5u.%06u] text", continuation lines of a record indented to the text.
facts_log_as_crash() {
	jq -r '
	def lpad(n; c): tostring | if length < n then (c * (n - length)) + . else . end;
	.log.lines[]
	| ("[" + ((.ts_nsec / 1e9 | floor) | lpad(5; " ")) + "."
	   + (((.ts_nsec % 1000000000) / 1000 | floor) | lpad(6; "0")) + "] ") as $p
	| (.text | split("\n")) as $l
	| ($p + $l[0]), ($l[1:][] | (($p | gsub("."; " ")) + .))' "$1"
}

hms() {
	local s=$1
	printf '%02d:%02d:%02d' $((s / 3600 % 24)) $((s / 60 % 60)) $((s % 60))
}

check_dump() {
	local sc=$1 dir=$2 w=$3
	local gt=$w/ground-truth.json f=$w/facts.json
	cp "$dir/ground-truth.json" "$gt"

	rv_crash "$dir/vmcore" "$w/crash.out" \
		"raidvirt -j > $f" \
		"raidvirt > $w/report.txt" \
		"sys > $w/sys.txt" \
		"sys -t > $w/sys_t.txt" \
		"mod > $w/mod.txt" \
		"log > $w/log.txt" \
		"p nr_cpu_ids > $w/nr_cpu_ids.txt" \
		"p/x __cpu_online_mask.bits[0] > $w/online.txt" \
		"p/x __cpu_possible_mask.bits[0] > $w/possible.txt" \
		"p/x __cpu_present_mask.bits[0] > $w/present.txt" \
		"p panic_cpu.counter > $w/panic_cpu.txt" \
		"p jiffies > $w/jiffies.txt" \
		"p tick_nsec > $w/tick_nsec.txt" \
		"p prb->desc_ring.head_id.counter > $w/head_id.txt" \
		"p prb->desc_ring.tail_id.counter > $w/tail_id.txt" \
		"p prb->text_data_ring.size_bits > $w/size_bits.txt" \
		"sym prb > $w/sym_prb.txt" \
		"sym log_first_idx > $w/sym_legacy.txt"
	rv_eq "$sc: crash ran" 0 $?
	if ! jq -e '.dump and .log' "$f" >/dev/null 2>&1; then
		rv_not_ok "$sc: raidvirt -j gave no dump/log sections"
		return
	fi

	# ---- dump: utsname ----
	local sys_release sys_version sys_machine sys_nodename
	sys_release=$(sed -n 's/^ *RELEASE: //p' "$w/sys.txt")
	sys_version=$(sed -n 's/^ *VERSION: //p' "$w/sys.txt")
	sys_machine=$(sed -n 's/^ *MACHINE: \([^ ]*\).*/\1/p' "$w/sys.txt")
	sys_nodename=$(sed -n 's/^ *NODENAME: //p' "$w/sys.txt")
	rv_eq "$sc: release = ground truth" "$(rv_jq "$gt" .release)" "$(rv_jq "$f" .dump.release)"
	rv_eq "$sc: release = crash sys" "$sys_release" "$(rv_jq "$f" .dump.release)"
	rv_eq "$sc: release = guest uname -r" "$(rv_jq "$gt" .raw.uname | tr -d '\n')" "$(rv_jq "$f" .dump.release)"
	rv_eq "$sc: version = crash sys" "$sys_version" "$(rv_jq "$f" .dump.version)"
	rv_eq "$sc: machine = crash sys" "$sys_machine" "$(rv_jq "$f" .dump.machine)"
	rv_eq "$sc: nodename = crash sys" "$sys_nodename" "$(rv_jq "$f" .dump.nodename)"

	check_identity "$sc" "$f" "$w"

	# ---- dump: CPUs ----
	rv_eq "$sc: cpus.online = ground truth" "$(rv_jq "$gt" .cpus.online_count)" "$(rv_jq "$f" .dump.cpus.online)"
	rv_eq "$sc: cpus.possible = ground truth" "$(rv_jq "$gt" .cpus.possible_count)" "$(rv_jq "$f" .dump.cpus.possible)"
	rv_eq "$sc: cpus.online_list = guest /sys/.../online" \
		"$(rv_jq "$gt" .raw.cpu_online | tr -d '\n')" "$(rv_jq "$f" .dump.cpus.online_list)"
	rv_eq "$sc: cpus.nr_cpu_ids = crash p" "$(p_value "$w/nr_cpu_ids.txt")" "$(rv_jq "$f" .dump.cpus.nr_cpu_ids)"
	local m
	for m in online possible present; do
		rv_eq "$sc: cpus.$m = popcount of crash p/x __cpu_${m}_mask" \
			"$(popcount "$(p_value "$w/$m.txt")")" "$(rv_jq "$f" .dump.cpus.$m)"
	done

	# ---- dump: time ----
	rv_eq "$sc: jiffies = crash p jiffies" "$(p_value "$w/jiffies.txt")" "$(rv_jq "$f" .dump.jiffies)"
	rv_eq "$sc: tick_nsec = crash p" "$(p_value "$w/tick_nsec.txt")" "$(rv_jq "$f" .dump.tick_nsec)"
	local up
	up=$(rv_jq "$f" '.dump.uptime_seconds | floor')
	if [[ "$up" =~ ^[0-9]+$ ]]; then
		rv_eq "$sc: uptime = crash sys UPTIME" \
			"$(sed -n 's/^ *UPTIME: //p' "$w/sys.txt")" "$(hms "$up")"
	else
		rv_not_ok "$sc: uptime_seconds missing ('$up')"
	fi

	# ---- dump: panic (none of the rig dumps panicked) ----
	rv_eq "$sc: crash p panic_cpu.counter" "-1" "$(p_value "$w/panic_cpu.txt")"
	rv_eq "$sc: panic is null" "null" "$(rv_jq "$f" .dump.panic)"
	rv_eq "$sc: dump section has no error" 0 \
		"$(rv_jq "$f" '[.dump.error, .dump.cpus.error] | map(select(. != null)) | length')"

	# ---- log: layout chosen from the symbols that exist ----
	rv_match "$sc: crash: prb exists" ' prb$' "$(cat "$w/sym_prb.txt")"
	rv_match "$sc: crash: log_first_idx does not exist" 'symbol not found: log_first_idx' \
		"$(cat "$w/sym_legacy.txt")"
	rv_eq "$sc: log.source" "printk_ringbuffer" "$(rv_jq "$f" .log.source)"
	rv_eq "$sc: log has no error" "null" "$(rv_jq "$f" .log.error)"
	rv_eq "$sc: ring.head_id = crash p" "$(p_value "$w/head_id.txt")" "$(rv_jq "$f" .log.ring.head_id)"
	rv_eq "$sc: ring.tail_id = crash p" "$(p_value "$w/tail_id.txt")" "$(rv_jq "$f" .log.ring.tail_id)"
	rv_eq "$sc: ring.size_bits = crash p" "$(p_value "$w/size_bits.txt")" "$(rv_jq "$f" .log.ring.size_bits)"
	rv_eq "$sc: no bad records" 0 "$(rv_jq "$f" .log.bad_records)"

	# ---- log: the records ----
	local nrec
	nrec=$(rv_jq "$f" '.log.lines | length')
	rv_cmp "$sc: log has records" "$nrec" -gt 100
	rv_eq "$sc: nr_records = lines" "$nrec" "$(rv_jq "$f" .log.nr_records)"
	rv_eq "$sc: seqs are consecutive from first_seq to next_seq" "true" \
		"$(rv_jq "$f" '.log as $l | [$l.lines[].seq] == [range($l.first_seq; $l.next_seq)]')"
	rv_eq "$sc: first record is the kernel banner" \
		"Linux version $(rv_jq "$gt" .release)" \
		"$(rv_jq "$f" '.log.lines[0].text' | cut -d' ' -f1-3)"
	rv_eq "$sc: kernel command line record = guest /proc/cmdline" \
		"Command line: $(rv_jq "$gt" .raw.cmdline | tr -d '\n')" \
		"$(rv_jq "$f" '.log.lines[] | select(.text | startswith("Command line: ")) | .text')"

	# ---- log: against crash's `log` ----
	facts_log_as_crash "$f" >"$w/facts_log.txt"
	rv_eq "$sc: nr_text_lines = crash log | wc -l" "$(wc -l <"$w/log.txt")" "$(rv_jq "$f" .log.nr_text_lines)"
	rv_eq "$sc: printed lines = crash log | wc -l" "$(wc -l <"$w/log.txt")" "$(wc -l <"$w/facts_log.txt")"
	# Text only (crash's "[ ts] " prefix and indentation stripped).
	rv_eq "$sc: last 20 lines' text = crash log" \
		"$(tail -20 "$w/log.txt" | sed 's/^\[ *[0-9]*\.[0-9]*\] //; s/^ *//' | tr '\n' '|')" \
		"$(tail -20 "$w/facts_log.txt" | sed 's/^\[ *[0-9]*\.[0-9]*\] //; s/^ *//' | tr '\n' '|')"
	if cmp -s "$w/log.txt" "$w/facts_log.txt"; then
		rv_ok "$sc: whole log (timestamps included) = crash log"
	else
		rv_not_ok "$sc: whole log differs from crash log: $(diff "$w/log.txt" "$w/facts_log.txt" | head -5 | tr '\n' '|')"
	fi

	# ---- log: lines the guest's kernel wrote during the scenario ----
	local rd
	rd=$(rv_jq "$gt" .md.md0.raid_disks)
	rv_eq "$sc: md0 start line in the log" 1 \
		"$(RD=$rd rv_jq "$f" '[.log.lines[] | select(.text == "md/raid1:md0: active with \($ENV.RD) out of \($ENV.RD) mirrors")] | length')"
	local failed
	failed=$(rv_jq "$gt" '.set.failed.guest // empty')
	if [ -n "$failed" ]; then
		rv_eq "$sc: disk failure of $failed in the log" 1 \
			"$(FAILED=$failed rv_jq "$f" '[.log.lines[] | select(.text | startswith("md/raid1:md0: Disk failure on \($ENV.FAILED), disabling device."))] | length')"
	fi

	# ---- text report ----
	local rep=$w/report.txt
	rv_match "$sc: report RELEASE" "RELEASE: $(rv_jq "$gt" .release)" "$(cat "$rep")"
	rv_match "$sc: report CPUS" "CPUS: $(rv_jq "$gt" .cpus.online_count) online \\($(rv_jq "$gt" .raw.cpu_online | tr -d '\n')\\)" "$(cat "$rep")"
	rv_match "$sc: report PANIC" "PANIC: no panic" "$(cat "$rep")"
	rv_match "$sc: report LOG" "LOG: $nrec records, $(wc -l <"$w/log.txt") lines, \\[ *[0-9.]+\\] \\.\\. \\[ *[0-9.]+\\] \\(printk_ringbuffer\\)" "$(cat "$rep")"

	# ---- provenance: the rig takes every dump with QMP dump-guest-memory ----
	check_provenance "$sc (crash)" "$f" "$gt" diskdump true

	# ---- same facts from the ELF dump of the same guest ----
	if [ -f "$dir/vmcore.elf" ]; then
		rv_crash "$dir/vmcore.elf" "$w/crash-elf.out" "raidvirt -j > $w/facts-elf.json"
		# provenance.file and the evidence wording name the file format.
		local same='.dump | del(.provenance.file, .provenance.evidence[].detail)'
		rv_eq "$sc: dump section identical from vmcore.elf (but the file format)" \
			"$(jq -cS "$same" "$f")" "$(jq -cS "$same" "$w/facts-elf.json" 2>/dev/null)"
		check_provenance "$sc (crash, ELF)" "$w/facts-elf.json" "$gt" elf false
		rv_eq "$sc: log section identical from vmcore.elf" \
			"$(jq -S .log "$f" | md5sum)" "$(jq -S .log "$w/facts-elf.json" 2>/dev/null | md5sum)"
	else
		rv_skip "$sc: facts from vmcore.elf" "the rig wrote no vmcore.elf"
	fi
}

# check_identity SC FACTS DIR: dump.build_id, time, taint and modules against
# crash's own sys (DATE), sys -t (TAINTED_MASK and letters) and mod in DIR
# (sys.txt, sys_t.txt, mod.txt, report.txt of the same session).
check_identity() {
	local sc=$1 f=$2 w=$3 tm
	rv_eq "$sc: build_id = the debug vmlinux's (readelf -n)" \
		"$(readelf -n "$RV_VMLINUX" | sed -n 's/^ *Build ID: //p' | head -1)" "$(rv_jq "$f" .dump.build_id)"
	rv_eq "$sc: time.xtime_sec = crash sys DATE" \
		"$(date -u -d "$(sed -n 's/^ *DATE: //p' "$w/sys.txt")" +%s 2>/dev/null)" "$(rv_jq "$f" .dump.time.xtime_sec)"
	tm=$(sed -n 's/^TAINTED_MASK: *\([0-9a-f]*\).*/\1/p' "$w/sys_t.txt")
	rv_eq "$sc: taint.tainted_mask = crash sys -t TAINTED_MASK" "$((16#${tm:-x}))" "$(rv_jq "$f" .dump.taint.tainted_mask)"
	rv_eq "$sc: taint.letters = crash sys -t letters" \
		"[$(sed -n 's/^TAINTED_MASK: *[0-9a-f]* *//p' "$w/sys_t.txt" | tr -d ' ')]" \
		"[$(rv_jq "$f" '.dump.taint.letters')]"
	# crash's mod: MODULE NAME BASE SIZE ..., sorted by address
	rv_eq "$sc: modules (name, base, size) = crash mod" \
		"$(awk 'NR > 1 { printf "%s 0x%s %s\n", $2, $3, $4 }' "$w/mod.txt" | sort | tr '\n' ' ')" \
		"$(jq -r '.dump.modules[] | "\(.name) \(.base) \(.size)"' "$f" | sort | tr '\n' ' ')"
	rv_eq "$sc: module struct addresses = crash mod MODULE" \
		"$(awk 'NR > 1 { print "0x" $1 }' "$w/mod.txt" | sort | tr '\n' ' ')" \
		"$(jq -r '.dump.modules[].addr' "$f" | sort | tr '\n' ' ')"
	rv_match "$sc: report BUILD ID" "BUILD ID: $(rv_jq "$f" .dump.build_id)" "$(cat "$w/report.txt")"
	rv_match "$sc: report TAINTED" "TAINTED: " "$(cat "$w/report.txt")"

}

# The scenarios with a tainted kernel (rvblk: OE; fq-panic also D): identity
# checks in a crash session of their own.
check_identity_tainted() {
	local sc dir w
	for sc in ${RV_TAINTED_SCENARIOS:-lost-interrupt fq-panic}; do
		dir=$(dump_dir "$sc") && dir=$(readlink -f "$dir")
		if [ -z "$dir" ] || [ ! -f "$dir/vmcore" ]; then
			rv_not_ok "$sc: dump not available (identity)"
			continue
		fi
		w=$work/id-$sc
		mkdir -p "$w"
		rv_crash "$dir/vmcore" "$w/crash.out" "raidvirt -j > $w/facts.json" \
			"raidvirt > $w/report.txt" "sys > $w/sys.txt" "sys -t > $w/sys_t.txt" "mod > $w/mod.txt"
		rv_eq "$sc: crash ran (identity)" 0 $?
		check_identity "$sc" "$w/facts.json" "$w"
	done
}

# check_provenance WHAT FACTS GROUND_TRUTH FORMAT FLATTENED: dump.provenance of
# a rig dump. QEMU's dump-guest-memory writes one QEMU CPU-state note and one
# NT_PRSTATUS per vCPU; the guest is "panicked" when the rig made it panic
# (ground truth .panic), else "paused" (QEMU stopped it for the dump).
check_provenance() {
	local what=$1 f=$2 gt=$3 fmt=$4 flat=$5 cpus state
	cpus=$(rv_jq "$gt" .cpus.online_count)
	state=$(jq -r 'if .panic then "panicked" else "paused" end' "$gt")
	rv_eq "$what: provenance.method" hypervisor "$(rv_jq "$f" .dump.provenance.method)"
	rv_eq "$what: provenance.guest_state = ground truth (.panic)" "$state" \
		"$(rv_jq "$f" .dump.provenance.guest_state)"
	rv_eq "$what: QEMU notes = vCPUs, PRSTATUS notes = vCPUs" "$cpus $cpus" \
		"$(rv_jq "$f" '"\(.dump.provenance.file.qemu_notes) \(.dump.provenance.file.prstatus_notes)"')"
	rv_eq "$what: file format, flattened, VMCOREINFO note" "$fmt $flat true" \
		"$(rv_jq "$f" '.dump.provenance.file | "\(.format) \(.flattened) \(.vmcoreinfo_note)"')"
	rv_eq "$what: evidence signals" \
		"$(jq -r 'if .panic then "qemu-cpu-notes,panic" else "qemu-cpu-notes" end' "$gt")" \
		"$(rv_jq "$f" '[.dump.provenance.evidence[].signal] | join(",")')"
	rv_eq "$what: provenance has no error" null "$(rv_jq "$f" .dump.provenance.error)"
}

# Every rig dump, both files, through the CLI: the same provenance.
check_provenance_cli() {
	local sc dir
	for sc in ${RV_PROVENANCE_SCENARIOS:-healthy raid1-frozen raid1-frozen-nohold raid1-degraded lost-interrupt fq-panic}; do
		dir=$(dump_dir "$sc") && dir=$(readlink -f "$dir")
		if [ -z "$dir" ] || [ ! -f "$dir/vmcore" ]; then
			rv_not_ok "$sc: dump not available (provenance)"
			continue
		fi
		"$RV_CLI" facts --json --section dump "$dir/vmcore" >"$work/prov-$sc.json" 2>/dev/null
		check_provenance "$sc (CLI)" "$work/prov-$sc.json" "$dir/ground-truth.json" diskdump true
		# The rig suite writes an ELF copy of every scenario without a
		# module of ours (tests/rig/run.sh: rvblk scenarios get none).
		grep -q "^module " "$RV_ROOT/dumps/scenarios/$sc.scn" && continue
		if [ -f "$dir/vmcore.elf" ]; then
			"$RV_CLI" facts --json --section dump "$dir/vmcore.elf" >"$work/prov-$sc-elf.json" 2>/dev/null
			check_provenance "$sc (CLI, ELF)" "$work/prov-$sc-elf.json" "$dir/ground-truth.json" elf false
		else
			rv_not_ok "$sc: no vmcore.elf (provenance; dumps/rig.py build $sc --elf)"
		fi
	done
}

# ---- synthetic kernels: what the rig dumps never show ----
check_fixture() {
	local fx=$work/log_fixture j=$work/fixture.json
	if ! ${CC:-cc} -std=gnu11 -D_GNU_SOURCE -I"$RV_ROOT/lib" -o "$fx" \
		"$RV_ROOT/tests/ext/log_fixture.c" "$RV_BUILD/lib/librv.a" \
		$RV_LIBJQ -lonig -lyaml -lm || ! "$fx" >"$j"; then
		rv_not_ok "fixture: log_fixture builds and runs"
		return
	fi
	# printk ringbuffer: 8 descriptors, tail id 8 .. head id 14
	rv_eq "fixture prb: seqs" "8,9,11,12,13,14" "$(rv_jq "$j" '[.prb.lines[].seq] | join(",")')"
	rv_eq "fixture prb: plain block" "first" "$(rv_jq "$j" '.prb.lines[0].text')"
	rv_eq "fixture prb: empty line (NO_LPOS)" '""' "$(rv_jq "$j" '.prb.lines[1].text | tojson')"
	rv_eq "fixture prb: block wrapped to the ring start" "wrapped text" "$(rv_jq "$j" '.prb.lines[2].text')"
	rv_eq "fixture prb: level bitfield" "4" "$(rv_jq "$j" '.prb.lines[2].level')"
	rv_match "fixture prb: FAILED_LPOS record kept with error" "not stored" "$(rv_jq "$j" '.prb.lines[3].error')"
	rv_eq "fixture prb: committed multi-line record" '"Oops: 0002 [#1]\nRIP: 0010:x"' "$(jq -c '.prb.lines[4].text' "$j")"
	rv_match "fixture prb: block of another record refused" "another record" "$(rv_jq "$j" '.prb.lines[5].error')"
	rv_eq "fixture prb: reserved descriptor skipped" 1 "$(rv_jq "$j" .prb.skipped)"
	rv_eq "fixture prb: bad_records" 2 "$(rv_jq "$j" .prb.bad_records)"
	rv_eq "fixture prb: nr_text_lines" 7 "$(rv_jq "$j" .prb.nr_text_lines)"
	rv_eq "fixture prb: overwritten = first_seq" 8 "$(rv_jq "$j" .prb.overwritten)"
	rv_match "fixture prb: head 100 ids past tail -> error" "more than its 8 descriptors" "$(rv_jq "$j" .prb_garbage.error)"
	rv_eq "fixture prb: ... and no lines" 0 "$(rv_jq "$j" '.prb_garbage.lines | length')"
	rv_match "fixture prb: count_bits 40 refused" "count_bits is 40" "$(rv_jq "$j" .prb_huge.error)"
	# log_buf (v3.5-v5.9): seq 5 at index 32, wrap marker at 56, seq 6 at 0
	rv_eq "fixture log_buf: source (no prb symbol)" "log_buf" "$(rv_jq "$j" .logbuf.source)"
	rv_eq "fixture log_buf: walk across the wrap marker" "5:aaaa,6:bbbbb" \
		"$(rv_jq "$j" '[.logbuf.lines[] | "\(.seq):\(.text)"] | join(",")')"
	rv_eq "fixture log_buf: no error" "null" "$(rv_jq "$j" .logbuf.error)"
	rv_match "fixture log_buf: bad len stops the walk" "out of bounds at index 56" "$(rv_jq "$j" .logbuf_bad.error)"
	rv_eq "fixture log_buf: records before it kept" 1 "$(rv_jq "$j" '.logbuf_bad.lines | length')"
	# a panicked kernel
	local c
	for c in panic panic_pcpu_hot; do
		rv_eq "fixture $c: cpu" 2 "$(rv_jq "$j" ".$c.panic.cpu")"
		rv_eq "fixture $c: task" "4242 boom" "$(rv_jq "$j" ".$c.panic.task | \"\(.pid) \(.comm)\"")"
		rv_eq "fixture $c: message" "test" "$(rv_jq "$j" ".$c.panic.message")"
	done
	rv_eq "fixture: online_list" "0,2-3" "$(rv_jq "$j" .panic.cpus.online_list)"
	rv_eq "fixture: uptime from jiffies and tick_nsec" "10" "$(rv_jq "$j" .panic.uptime_seconds)"
	rv_eq "fixture: panic message" "Fatal exception" "$(rv_jq "$j" .panic_text.message)"
	rv_match "fixture: oops line" "^BUG: kernel NULL pointer" "$(rv_jq "$j" .panic_text.oops)"
	rv_match "fixture: RIP line" "^RIP: 0010:md_wakeup_thread" "$(rv_jq "$j" .panic_text.rip)"
	rv_match "fixture: report PANIC" 'PANIC: on CPU 2, task [0-9a-f]{16} pid 4242 "boom"' "$("$fx" report)"
}

check_fixture
check_provenance_cli
check_identity_tainted

for sc in $SCENARIOS; do
	# Resolve the scenario link once: the rig may replace it meanwhile.
	dir=$(dump_dir "$sc") && dir=$(readlink -f "$dir")
	if [ -z "$dir" ] || [ ! -f "$dir/vmcore" ]; then
		rv_not_ok "$sc: dump not available"
		continue
	fi
	echo "# $sc: $dir"
	mkdir -p "$work/$sc"
	check_dump "$sc" "$dir" "$work/$sc"
done

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="fuzz_log fuzz_btf"]: build the
# libFuzzer targets of tests/fuzz (clang -fsanitize=fuzzer,address,undefined)
# into build/fuzz, seed their corpora at run time (nothing generated is
# committed), run each for N seconds (default 60). A crash, timeout or leak
# leaves its input in build/fuzz/TARGET/{crash,timeout,leak,oom}-*: make it
# a regression test (docs/reliability.md); after the run they are moved to
# build/fuzz/TARGET/found/. Each run appends a line to build/fuzz/runs.tsv:
# date, target, wall seconds, CPU seconds, execs, result.
#
# Targets and seeds:
#   fuzz_rules     rule files            rules/, tests/rules/{bad,limits}
#   fuzz_facts     facts documents       tests/rules/fixtures, facts of rig dumps and fixtures
#   fuzz_dumpfile  damaged dump files    patches over fixture vmcores (ELF and flattened),
#                                        rig kdump files (DWARF and BTF + kallsyms)
#   fuzz_memory    damaged kernel memory patches over the fixtures' memory (all decoders)
#   fuzz_log       damaged log memory    patches over the log of the fixtures and rig dumps
#   fuzz_btf       BTF blobs             BTF clang writes for the fixture layouts
#   fuzz_kallsyms  kallsyms tables       a well-formed table the target writes itself
set -u
cd "$(dirname "$0")/../.."
root=$PWD
secs=${FUZZ_SECONDS:-60}
out=build/fuzz
mkdir -p "$out/bin" "$out/obj" "$out/bases"
targets=${FUZZ_TARGETS:-$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')}

CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -DRV_VERSION=\"fuzz\" -Ilib -Icli -Itests/unit -Itests/fuzz
	-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# libjq as the Makefile links it (build/deps/jq or the system's)
libjq=$(make -s --no-print-directory libjq-flags 2>/dev/null || echo -ljq)
CFLAGS="$CFLAGS $(printf '%s\n' $libjq | grep '^-isystem' || true)"
LIBS="-lkdumpfile -laddrxlat -lbpf -ldebuginfod -ldw -lelf $(printf '%s\n' $libjq | grep -v '^-isystem' | tr '\n' ' ')-lonig -lyaml -lm"

# ---- build: one instrumented object per source, then one link per target ----
# (under a lock: several runs of this script may share build/fuzz)
exec 9>"$out/.build.lock"
flock 9
status=0
objs=()
# the CLI backend: every cli/ source but the commands (main.c, cmd_rules*.c)
for src in lib/*.c $(ls cli/*.c | grep -v -e '^cli/main\.c$' -e '^cli/cmd_rules') tests/fuzz/harness.c \
	   tests/unit/memtarget.c; do
	o=$out/obj/$(echo "$src" | tr / _).o
	objs+=("$o")
	newer=$(find lib cli tests/fuzz tests/unit -name '*.h' -newer "$o" 2>/dev/null | head -1)
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ -n "$newer" ]; then
		if ! clang $CFLAGS -fsanitize=fuzzer-no-link -c -o "$o" "$src" 2>"$o.log"; then
			echo "fuzz: cannot compile $src:"; tail -5 "$o.log"
			exit 1
		fi
	fi
done

# ---- bases (tests/fuzz/harness.h): fixtures, their flattened copies, rig dumps ----
for fx in healthy-rhel9 raid1-frozen-rhel7 raid1-frozen-rhel8 virtio-rhel8 seed002-rhel8 seed003-rhel7; do
	d=$out/fixtures/$fx
	if [ ! -f "$d/vmcore" ] || [ "tests/fixtures/$fx.c" -nt "$d/vmcore" ]; then
		rm -rf "$d"
		tests/fixtures/mkfixture "$fx" "$d" >"$out/fixtures-$fx.log" 2>&1 ||
			{ echo "fuzz: fixture $fx: $(tail -1 "$out/fixtures-$fx.log")"; exit 1; }
	fi
done
flatten() {	# makedumpfile's flattened stream of a file, 64 KiB records
	python3 - "$1" "$2" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
with open(sys.argv[2], "wb") as o:
    o.write(b"makedumpfile".ljust(16, b"\0") + struct.pack(">qq", 1, 1)
            .ljust(4096 - 16, b"\0"))
    for off in range(0, len(data), 65536):
        chunk = data[off:off + 65536]
        o.write(struct.pack(">qq", off, len(chunk)) + chunk)
    o.write(struct.pack(">qq", -1, -1))
EOF
}
fxd=$out/fixtures/healthy-rhel9
[ -f "$out/bases/healthy-rhel9.flat" ] || flatten "$fxd/vmcore" "$out/bases/healthy-rhel9.flat"
fxline() {
	local d=$root/$out/fixtures/$1
	printf '%s\t%s\t%s\tdwarf\t-\n' "$d/vmcore" "$d/vmlinux" "$d/debug"
}
# seed002-rhel8 (80 CPUs, 512 disks) takes 2.8 s a run under ASan: only
# where the decoders read little of it (the log)
fixtures=$(for fx in healthy-rhel9 raid1-frozen-rhel7 raid1-frozen-rhel8 virtio-rhel8 seed003-rhel7; do
	fxline $fx
done)
# rig dumps: the flattened stream reassembled once (a plain kdump file)
for v in build/dumps/*/healthy/vmcore; do
	[ -f "$v" ] || continue
	rel=$(basename "$(dirname "$(dirname "$v")")")
	k=$out/bases/healthy-$rel.kdump
	[ -f "$k" ] || python3 -c 'import sys; sys.path.insert(0, "tests/torture"); import mutate
mutate.reassemble(sys.argv[1], sys.argv[2])' "$v" "$k" || rm -f "$k"
done
rigbases() {	# SECTION: the rig lines (DWARF if installed, BTF), facts limited to SECTION
	for k in $out/bases/healthy-*.kdump; do
		[ -f "$k" ] || continue
		rel=${k##*/healthy-}
		[ -f "/usr/lib/debug/boot/vmlinux-${rel%.kdump}" ] &&
			printf '%s\t-\t-\tdwarf\t%s\n' "$root/$k" "$1"
		printf '%s\t-\t-\tbtf\t%s\n' "$root/$k" "$1"
	done
}
{ echo "$fixtures"; printf '%s\t%s\t%s\tdwarf\t-\n' "$root/$out/bases/healthy-rhel9.flat" \
	"$root/$fxd/vmlinux" "$root/$fxd/debug"; rigbases dump; } >"$out/bases-dumpfile.tsv"
echo "$fixtures" >"$out/bases-memory.tsv"
{ echo "$fixtures"; fxline seed002-rhel8; rigbases log; } >"$out/bases-log.tsv"

# seed_patches N: one input per base: the base undamaged, and one patch of
# each kind at the start of its first region
seed_patches() {
	local corpus=$1 n=$2
	for ((i = 0; i < n; i++)); do
		printf "\\x$(printf %02x "$i")" >"$corpus/base-$i"
		printf "\\x$(printf %02x "$i")\\x01\\x00\\x00\\x10\\x00\\x00\\x00\\x04\\xff\\xff\\xff\\xff" >"$corpus/xor-$i"
		printf "\\x$(printf %02x "$i")\\x03\\x00\\x00\\x00\\x00\\x00\\x00\\x01" >"$corpus/cut-$i"
	done
}

for t in $targets; do
	echo "== $t: build"
	if ! clang $CFLAGS -fsanitize=fuzzer -o "$out/bin/$t.new" "tests/fuzz/$t.c" "${objs[@]}" \
		$LIBS 2>"$out/$t.build.log"; then
		tail -5 "$out/$t.build.log"
		status=1
		continue
	fi
	mv "$out/bin/$t.new" "$out/bin/$t"
done
flock -u 9

for t in $targets; do
	[ -x "$out/bin/$t" ] || continue
	corpus=$out/$t/corpus
	mkdir -p "$corpus"
	# Leaks are checked except in the rule engine's targets: libjq 1.6
	# leaks inside jq_compile_args on some malformed programs and in
	# in-process evaluation (the CLI runs each rule in a forked child).
	leaks=1
	timeout=10
	maxlen=1048576
	export RV_FUZZ_BASES=
	case $t in
	fuzz_rules)
		leaks=0
		cp rules/*.yaml tests/rules/bad/*.yaml tests/rules/limits/*.yaml "$corpus/" ;;
	fuzz_facts)
		leaks=0
		cp tests/rules/fixtures/*.json "$corpus/"
		for d in build/dumps/*/*/vmcore; do
			[ -f "$d" ] || continue
			n=$(basename "$(dirname "$d")")
			[ -s "$corpus/rig-$n.json" ] ||
				build/cli/raidvirt facts --json "$d" >"$corpus/rig-$n.json" 2>/dev/null
		done
		for fx in $out/fixtures/*/; do
			n=$(basename "$fx")
			[ -s "$corpus/fixture-$n.json" ] ||
				build/cli/raidvirt facts --json --vmlinux "$fx/vmlinux" --debuginfo "$fx/debug" \
					--no-default-debuginfo "$fx/vmcore" >"$corpus/fixture-$n.json" 2>/dev/null
		done ;;
	fuzz_dumpfile|fuzz_memory|fuzz_log)
		timeout=30	# the CLI's probe child may take its 10 s
		maxlen=2048	# up to ~250 patch records, at any length from the start
		export RV_FUZZ_BASES=$root/$out/bases-${t#fuzz_}.tsv
		seed_patches "$corpus" "$(wc -l <"$RV_FUZZ_BASES")" ;;
	fuzz_btf)
		for h in tests/fixtures/layouts/rhel*.h; do
			n=$(basename "$h" .h)
			[ -s "$corpus/layout-$n" ] && continue
			# clang writes BTF for the types that globals use: a
			# pointer to each struct of the layouts
			{ printf '#define FX_VMLINUX 1\n#define FX_MOD_raid1 1\n#define FX_MOD_md_mod 1\n'
			  printf '#define FX_MOD_virtio_ring 1\n#define FX_MOD_virtio_blk 1\n#include "%s"\n' "$root/$h"
			  sed -n 's/^struct \([a-z_0-9]*\) {.*/struct \1 *fx_btf_\1;/p' tests/fixtures/layouts/*.h |
				sort -u; } >"$out/btf-$n.c"
			clang -target bpf -g -O0 -fno-eliminate-unused-debug-types -I tests/fixtures \
				-c -o "$out/btf-$n.o" "$out/btf-$n.c" 2>"$out/btf-$n.log" &&
			llvm-objcopy --dump-section .BTF="$out/btf-$n.btf" "$out/btf-$n.o" &&
			python3 -c 'import struct, sys; d = open(sys.argv[1], "rb").read()
sys.stdout.buffer.write(struct.pack("<I", len(d)) + d)' "$out/btf-$n.btf" >"$corpus/layout-$n" ||
				echo "fuzz: no BTF seed from $h ($(tail -1 "$out/btf-$n.log"))"
		done ;;
	fuzz_kallsyms)
		export RV_FUZZ_SEED_DIR=$root/$corpus ;;
	esac
	echo "== $t: $secs s, corpus $(ls "$corpus" | wc -l) files"
	# allocator_may_return_null + max_allocation_size_mb: a damaged header
	# makes libkdumpfile ask for 2^63 bytes; NULL is the answer it handles.
	TIMEFORMAT='%U %S'
	{ time (cd "$out/$t" && RAIDVIRT_RULES_BUILTIN=$root/rules \
		ASAN_OPTIONS=allocator_may_return_null=1:max_allocation_size_mb=3072:detect_leaks=$leaks \
		LSAN_OPTIONS=suppressions=$root/tests/sanitize/lsan.supp:print_suppressions=0 \
		UBSAN_OPTIONS=print_stacktrace=1 \
		"$root/$out/bin/$t" -max_total_time="$secs" -max_len=$maxlen \
		$([ $maxlen -lt 65536 ] && echo -len_control=0) -timeout=$timeout \
		-detect_leaks=$leaks -rss_limit_mb=3072 -malloc_limit_mb=3072 -print_final_stats=1 \
		corpus >"$root/$out/$t.log" 2>&1) ; } 2>"$out/$t.cpu"
	rc=$?
	rm -f "$out/$t"/work-*.vmcore	# fuzz_dumpfile's working copies, if it crashed
	cpu=$(awk '{ printf "%d", $1 + $2 }' "$out/$t.cpu")
	unset RV_FUZZ_SEED_DIR
	tail -2 "$out/$t.log"
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -1)
	time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$out/$t.log" | tail -1)
	# what it found goes to TARGET/found/ (with the log), out of the next run's way
	found=
	for f in "$out/$t"/crash-* "$out/$t"/timeout-* "$out/$t"/leak-* "$out/$t"/oom-*; do
		[ -f "$f" ] || continue
		mkdir -p "$out/$t/found"
		mv "$f" "$out/$t/found/"
		cp "$out/$t.log" "$out/$t/found/${f##*/}.log"
		found+=" ${f##*/}"
	done
	result=ok
	if [ -n "$found" ]; then
		echo "$t: FOUND:$found (in $out/$t/found)"
		result="found$found"
		status=1
	elif [ $rc -ne 0 ]; then
		echo "$t: libFuzzer exit $rc"
		result="exit $rc"
		status=1
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "${time:-?}" "${cpu:-?}" \
		"${execs:-?}" "$result" >>"$out/runs.tsv"
done
exit $status

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make fuzz [FUZZ_SECONDS=N]: build the libFuzzer targets of tests/fuzz
# (clang -fsanitize=fuzzer,address,undefined) into build/fuzz, seed their
# corpora at run time (shipped and broken rules; facts fixtures and the
# facts of the rig dumps), run each for N seconds (default 60). A crash
# leaves its input in build/fuzz/TARGET/crash-*: make it a regression test
# (docs/reliability.md).
set -u
cd "$(dirname "$0")/../.."
secs=${FUZZ_SECONDS:-60}
out=build/fuzz
mkdir -p "$out/bin"
root=$PWD
CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -DRV_VERSION=\"fuzz\" -Ilib -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
LIBS="-ldw -lelf -ljq -lonig -lyaml -lm"
status=0
for src in tests/fuzz/fuzz_*.c; do
	t=$(basename "$src" .c)
	echo "== $t: build"
	if ! clang $CFLAGS -o "$out/bin/$t" "$src" lib/*.c $LIBS 2>"$out/$t.build.log"; then
		tail -5 "$out/$t.build.log"
		status=1
		continue
	fi
	corpus=$out/$t/corpus
	mkdir -p "$corpus"
	case $t in
	fuzz_rules)
		cp rules/*.yaml tests/rules/bad/*.yaml tests/rules/limits/*.yaml "$corpus/" ;;
	fuzz_facts)
		cp tests/rules/fixtures/*.json "$corpus/"
		for d in build/dumps/*/*/vmcore; do
			[ -f "$d" ] || continue
			n=$(basename "$(dirname "$d")")
			[ -s "$corpus/rig-$n.json" ] ||
				build/cli/raidvirt facts --json "$d" >"$corpus/rig-$n.json" 2>/dev/null
		done
		for f in build/fixtures/*/facts.json; do
			[ -f "$f" ] && cp "$f" "$corpus/fixture-$(basename "$(dirname "$f")").json"
		done ;;
	esac
	# Leaks are not checked: libjq 1.6 leaks inside jq_compile_args on
	# some malformed programs and in-process evaluation (the CLI runs
	# each rule in a forked child). docs/reliability.md.
	leaks=0
	echo "== $t: $secs s, corpus $(ls "$corpus" | wc -l) files"
	(cd "$out/$t" && RAIDVIRT_RULES_BUILTIN=$root/rules \
		ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=$leaks \
		"$root/$out/bin/$t" -max_total_time="$secs" -max_len=1048576 -timeout=10 -detect_leaks=$leaks -rss_limit_mb=2048 \
		corpus >"$root/$out/$t.log" 2>&1)
	rc=$?
	tail -2 "$out/$t.log"
	if ls "$out/$t"/crash-* "$out/$t"/timeout-* "$out/$t"/leak-* >/dev/null 2>&1; then
		echo "$t: FOUND: $(ls "$out/$t"/crash-* "$out/$t"/timeout-* "$out/$t"/leak-* 2>/dev/null)"
		status=1
	elif [ $rc -ne 0 ]; then
		echo "$t: libFuzzer exit $rc"
		status=1
	fi
done
exit $status

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What the fuzzers found, replayed in every make check (docs/reliability.md):
# each input of tests/fuzz/regressions through its target (tests/fuzz),
# built here with gcc against the sanitized build (make SANITIZE=1) and
# tests/fuzz/replay.c instead of libFuzzer. Each must end with status 0 and
# leave no ASan, UBSan or LeakSanitizer report.
. "$(dirname "$0")/../lib.sh"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RV_SAN_LOGS=$WORK/logs
. "$RV_ROOT/tests/sanitize/env"
SAN=$RV_ROOT/build/sanitize
cd "$RV_ROOT" || exit 1

if ! make -s -j2 SANITIZE=1 build/sanitize/cli/raidvirt >"$WORK/build.log" 2>&1; then
	rv_not_ok "make SANITIZE=1: $(tail -3 "$WORK/build.log")"
	rv_summary
	exit 1
fi
# the CLI backend: every cli/ object but the commands (main.o, cmd_rules*.o)
CLI_OBJS=()
for o in "$SAN"/cli/*.o; do
	case ${o##*/} in main.o|cmd_rules*.o) ;; *) CLI_OBJS+=("$o") ;; esac
done

# build TARGET: $WORK/bin/TARGET
build() {
	[ -x "$WORK/bin/$1" ] && return 0
	mkdir -p "$WORK/bin"
	gcc -std=gnu11 -g -O1 -D_GNU_SOURCE -Ilib -Icli -Itests/unit -Itests/fuzz \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
		-o "$WORK/bin/$1" tests/fuzz/replay.c "tests/fuzz/$1.c" tests/fuzz/harness.c \
		tests/unit/memtarget.c "${CLI_OBJS[@]}" "$SAN/lib/librv.a" \
		-lkdumpfile -laddrxlat -lbpf -ldebuginfod -ldw -lelf $RV_LIBJQ -lonig -lyaml -lm 2>"$WORK/$1.build.log"
}

n=0
while read -r target base b64 rest; do
	case $target in ''|'#'*) continue ;; esac
	n=$((n + 1))
	name="$target $base #$n"
	if ! build "$target"; then
		rv_not_ok "$name: build ($(grep -m1 error "$WORK/$target.build.log"))"
		continue
	fi
	: >"$WORK/bases.tsv"
	if [ "$base" != - ]; then
		fx=$WORK/fx/$base
		if [ ! -f "$fx/vmcore" ] &&
		   ! tests/fixtures/mkfixture "$base" "$fx" >"$WORK/fx.log" 2>&1; then
			rv_not_ok "$name: fixture $base ($(tail -1 "$WORK/fx.log"))"
			continue
		fi
		printf '%s\t%s\t%s\tdwarf\t-\n' "$fx/vmcore" "$fx/vmlinux" "$fx/debug" >"$WORK/bases.tsv"
	fi
	echo "$b64" | base64 -d >"$WORK/input"
	(cd "$WORK" && RV_FUZZ_BASES=$WORK/bases.tsv timeout 120 "$WORK/bin/$target" "$WORK/input" \
		>"$WORK/out" 2>&1)
	rv_eq "$name: exit status" 0 $?
	if reports=$(tests/sanitize/reports); then
		rv_ok "$name: no sanitizer report"
	else
		rv_not_ok "$name: $reports"
		rm -f "$RV_SAN_LOGS"/*
	fi
done <tests/fuzz/regressions
rv_cmp "inputs replayed" "$n" -ge 1
rv_summary

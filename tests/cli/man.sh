#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages (tools/mkman): raidvirt(1), raidvirt-crash(1) and
# raidvirt-rules(5) render without a warning (`man -l --warnings`), and say
# what the program and the extension print: every command and option of the
# source (cli/main.c commands[], the getopt tables of cli/*.c), every line of
# each command's --help, every crash command with its help summary, every
# key of the rule format. RV_MANDIR: where the pages are (the installed
# ones in tests/install/; .gz allowed).

. "$(dirname "$0")/../lib.sh"

# The pages are generated from the plain build (also under make check SANITIZE=1).
RV_MANDIR=${RV_MANDIR:-$RV_ROOT/build/man}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# page NAME.S: its path under RV_MANDIR (flat, or manS/, maybe gzipped).
page() {
	local p
	for p in "$RV_MANDIR/$1" "$RV_MANDIR/man${1##*.}/$1" "$RV_MANDIR/man${1##*.}/$1.gz"; do
		[ -f "$p" ] && { echo "$p"; return; }
	done
}

# The rendered text, blanks squeezed, hyphenation off (one line per paragraph
# is not needed: the checks look for words and squeezed lines).
render() {
	MANWIDTH=200 MAN_KEEP_FORMATTING= man -l "$1" 2>/dev/null | col -b | tr -s ' \t' ' '
}

for name in raidvirt.1 raidvirt-crash.1 raidvirt-rules.5; do
	p=$(page $name)
	if [ -z "$p" ]; then
		rv_not_ok "$name: not found under $RV_MANDIR (make man)"
		continue
	fi
	MANWIDTH=80 man -l --warnings "$p" >"$WORK/$name.txt" 2>"$WORK/$name.err"
	rv_eq "$name: man -l --warnings exit status" 0 "$?"
	rv_empty "$name: man warnings" "$(cat "$WORK/$name.err")"
	rv_cmp "$name: rendered lines" "$(wc -l <"$WORK/$name.txt")" -gt 50
	render "$p" >"$WORK/$name.flat"
done

# raidvirt(1): the program's commands and options.
flat=$(cat "$WORK/raidvirt.1.flat" 2>/dev/null)
mapfile -t commands < <(sed -n 's/^	{ "\([a-z]*\)", \(cmd_[a-z]*\|rv_cmd_[a-z]*\), .*/\1/p' "$RV_ROOT/cli/main.c")
mapfile -t longopts < <(awk '/struct option long_options\[\]/,/^};/' "$RV_ROOT"/cli/*.c |
	sed -n 's/^	{ "\([a-z-]*\)", .*/\1/p' | sort -u)
rv_cmp "commands in cli/main.c" "${#commands[@]}" -ge 5
for c in "${commands[@]}"; do
	rv_match "raidvirt.1: command $c" "raidvirt $c" "$flat"
done
for o in "${longopts[@]}"; do
	rv_match "raidvirt.1: option --$o" "--$o" "$flat"
done
for v in RAIDVIRT_DEBUGINFO RAIDVIRT_RULES RAIDVIRT_RULES_BUILTIN RAIDVIRT_RULE_PARAMS; do
	rv_match "raidvirt.1: environment $v" "ENVIRONMENT.* $v " "$flat"
done
rv_match "raidvirt.1: exit status" $'EXIT STATUS\n 0 analysed, 1 findings' "$flat"
# Each command's --help, line by line, is in the page.
missing=""
for c in "${commands[@]}"; do
	while IFS= read -r line; do
		line=$(tr -s ' \t' ' ' <<<"$line" | sed 's/^ //; s/ $//')
		[ -z "$line" ] && continue
		[[ $line == usage:* ]] && line=${line#usage: }
		grep -qF -- "$line" <<<"$flat" || missing+="$c: '$line'; "
	done < <("$RV_CLI" "$c" --help)
done
rv_empty "raidvirt.1: --help lines not in the page" "$missing"

# raidvirt-crash(1): every crash command with its summary.
flat=$(cat "$WORK/raidvirt-crash.1.flat" 2>/dev/null)
mapfile -t crashcmds < <(echo raidvirt; sed -n 's/^	{ "[a-z]*", &rv_decoder_[a-z]*, "\([a-z0-9]*\)",.*/\1/p' "$RV_ROOT/lib/sections.c")
rv_cmp "crash commands in lib/sections.c" "${#crashcmds[@]}" -ge 5
for c in "${crashcmds[@]}"; do
	summary=$(grep -A1 "^char \*rv_help_.*= {" "$RV_ROOT/lib/help.c" | grep -A1 "\"$c\",\$" | sed -n '2s/^	"\(.*\)",$/\1/p')
	rv_match "raidvirt-crash.1: $c - $summary" "$c - $summary" "$flat"
	rv_match "raidvirt-crash.1: crash> $c example" "crash> $c" "$flat"
done
rv_match "raidvirt-crash.1: extension search path" "/usr/lib64/crash/extensions" "$flat"

# raidvirt-rules(5): the keys of the format (docs/rules.md's table).
flat=$(cat "$WORK/raidvirt-rules.5.flat" 2>/dev/null)
for k in id title severity subsystem condition evidence related message explanation remedies references tests; do
	rv_match "raidvirt-rules.5: key $k" "• $k \(required" "$flat"
done

rv_summary

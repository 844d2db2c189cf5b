#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bash completion (tools/completion.bash, installed as
# share/bash-completion/completions/raidvirt) completes every command and
# option the program knows: the truth is the program's source (the commands[]
# table and the getopt long_options of cli/*.c, the show and section names of
# lib/sections.c), not the help text the completion reads. RV_CLI and
# RV_COMPLETION name the program and script (the installed ones in
# tests/install/).

. "$(dirname "$0")/../lib.sh"

RV_COMPLETION=${RV_COMPLETION:-$RV_ROOT/tools/completion.bash}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# complete WORD...: what TAB offers for the last word (one per line).
complete_words() {
	bash -c '
		[ -n "$RV_BASH_COMPLETION" ] && . "$RV_BASH_COMPLETION"
		. "$0"
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		_raidvirt raidvirt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' "$RV_COMPLETION" "$@" 2>"$WORK/err"
}

# The truth, from the source.
mapfile -t commands < <(sed -n 's/^	{ "\([a-z]*\)", \(cmd_[a-z]*\|rv_cmd_[a-z]*\), .*/\1/p' "$RV_ROOT/cli/main.c")
mapfile -t longopts < <(awk '/struct option long_options\[\]/,/^};/' "$RV_ROOT"/cli/*.c |
	sed -n 's/^	{ "\([a-z-]*\)", .*/\1/p' | sort -u)
mapfile -t shortopts < <(awk '/struct option long_options\[\]/,/^};/' "$RV_ROOT"/cli/*.c |
	sed -n "s/^	{ \"[a-z-]*\", [a-z_]*, NULL, '\\(.\\)' },/\\1/p" | sort -u)
mapfile -t tables < <(sed -n 's/^	{ "[a-z]*", &rv_decoder_[a-z]*, [^,]*, "\([a-z]*\)",.*/\1/p' "$RV_ROOT/lib/sections.c")
mapfile -t sections < <(sed -n 's/^	{ "\([a-z]*\)", &rv_decoder_.*/\1/p' "$RV_ROOT/lib/sections.c")
rv_cmp "commands in cli/main.c" "${#commands[@]}" -ge 5
rv_cmp "long options in cli/*.c" "${#longopts[@]}" -ge 15
rv_cmp "short options in cli/*.c" "${#shortopts[@]}" -ge 7
rv_cmp "show tables in lib/sections.c" "${#tables[@]}" -ge 6

for mode in plain bash-completion; do
	if [ $mode = bash-completion ]; then
		export RV_BASH_COMPLETION=/usr/share/bash-completion/bash_completion
		if [ ! -f "$RV_BASH_COMPLETION" ]; then
			rv_not_ok "$mode: $RV_BASH_COMPLETION missing (make deps installs bash-completion)"
			continue
		fi
	fi
	got=$(complete_words "$RV_CLI" "" | sort | tr '\n' ' ')
	for c in "${commands[@]}"; do
		rv_match "$mode: command $c completed" "(^| )$c " "$got"
	done
	rv_empty "$mode: stderr of the completion" "$(cat "$WORK/err")"
	got=$(complete_words "$RV_CLI" show "" | tr '\n' ' ')
	for t in "${tables[@]}"; do
		rv_match "$mode: show table $t completed" "(^| )$t " "$got"
	done
	got=$(complete_words "$RV_CLI" facts --section "" | tr '\n' ' ')
	for s in "${sections[@]}"; do
		rv_match "$mode: facts --section $s completed" "(^| )$s " "$got"
	done
	rv_eq "$mode: --types" "auto btf dwarf" "$(complete_words "$RV_CLI" triage --types "" | sort | tr '\n' ' ' | sed 's/ $//')"
	rv_eq "$mode: --fail-on" "critical error info warning" "$(complete_words "$RV_CLI" triage --fail-on "" | sort | tr '\n' ' ' | sed 's/ $//')"
	rv_eq "$mode: --format" "html json markdown text" "$(complete_words "$RV_CLI" triage --format "" | sort | tr '\n' ' ' | sed 's/ $//')"
	rv_eq "$mode: rules subcommands" "lint list test" "$(complete_words "$RV_CLI" rules "" | sort | tr '\n' ' ' | sed 's/ $//')"
	# Every option is completed by at least one command.
	all=""
	for c in "${commands[@]}"; do
		case $c in
		show) all+=" $(complete_words "$RV_CLI" show md - | tr '\n' ' ')" ;;
		rules) all+=" $(complete_words "$RV_CLI" rules test - | tr '\n' ' ')"
			all+=" $(complete_words "$RV_CLI" rules list - | tr '\n' ' ')" ;;
		*) all+=" $(complete_words "$RV_CLI" "$c" - | tr '\n' ' ')" ;;
		esac
	done
	all+=" "
	for o in "${longopts[@]}"; do
		rv_match "$mode: --$o completed" " --$o " "$all"
	done
	for o in "${shortopts[@]}"; do
		rv_match "$mode: -$o completed" " -$o " "$all"
	done
	# Dump paths: file names.
	mkdir -p "$WORK/dumps/case1"
	: >"$WORK/dumps/vmcore-a"
	rv_eq "$mode: a dump path" "$WORK/dumps/vmcore-a" "$(complete_words "$RV_CLI" triage "$WORK/dumps/vm")"
	rv_eq "$mode: --debuginfo takes a directory" "$WORK/dumps/case1" \
		"$(complete_words "$RV_CLI" facts --debuginfo "$WORK/dumps/c")"
done

rv_summary

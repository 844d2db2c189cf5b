#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One report for both front ends: crash's `raidvirt` prints the same text as
# `raidvirt facts DUMP`, section for section, and then the findings. Both are
# driven by the section table (lib/sections.c); this checks it on every rig
# dump (kdump-compressed, and ELF for two of them).
#
#   tests/ext/test_text.sh
#   RV_SCENARIOS=healthy tests/ext/test_text.sh
#
# A dump that is not available is a failure, not a skip.

. "$(dirname "$0")/../lib.sh"

SCENARIOS=${RV_SCENARIOS:-$("$RV_ROOT/dumps/rig.py" list | awk '{print $1}')}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rv_cmp "scenarios listed by the rig" "$(echo "$SCENARIOS" | wc -w)" -ge 1

# The kdump file of every scenario; the ELF file of two whose ELF copy the
# rig suite writes (dumps/rig.py build --elf; fq-panic and the others have
# none on a fresh machine). The container is the target's business, checked
# by facts.sh and test_dump.sh on the same ELF files; one crash session per
# file is what this suite costs.
ELF_SCENARIOS=${RV_ELF_SCENARIOS:-"healthy raid1-frozen"}
for sc in $SCENARIOS; do
	dir=$(rv_dump_dir "$sc")
	files=vmcore
	case " $ELF_SCENARIOS " in *" $sc "*) files="vmcore vmcore.elf" ;; esac
	for f in $files; do
		dump=$dir/$f
		name="$sc/$f"
		if [ -z "$dir" ] || [ ! -f "$dump" ]; then
			rv_not_ok "$name: dump missing"
			continue
		fi
		crash_txt=$work/$sc-$f.crash
		cli_txt=$work/$sc-$f.cli
		rm -f "$crash_txt"
		rv_crash "$dump" "$work/$sc-$f.log" "raidvirt > $crash_txt"
		"$RV_CLI" facts "$dump" >"$cli_txt" 2>"$work/$sc-$f.err"
		rv_eq "$name: raidvirt facts exit status" 0 "$?"
		if [ ! -s "$crash_txt" ]; then
			rv_not_ok "$name: crash's raidvirt printed nothing"
			continue
		fi
		# crash: the sections, a blank line, then "FINDINGS: ..." to the end.
		n=$(grep -n '^FINDINGS: ' "$crash_txt" | tail -1 | cut -d: -f1)
		if [ -z "$n" ]; then
			rv_not_ok "$name: no FINDINGS line in crash's report"
			continue
		fi
		if [ -z "$(sed -n "$((n - 1))p" "$crash_txt")" ] && [ "$n" -gt 2 ]; then
			rv_ok "$name: blank line before FINDINGS"
		else
			rv_not_ok "$name: no blank line before FINDINGS"
		fi
		head -n $((n - 2)) "$crash_txt" >"$work/$sc-$f.sections"
		rv_match "$name: CLI text has the RELEASE line" \
			"RELEASE: $RV_RELEASE" "$(grep -m1 'RELEASE:' "$cli_txt")"
		rv_match "$name: CLI text has the LOG line" '^ +LOG: ' "$(grep -m1 ' LOG:' "$cli_txt")"
		if cmp -s "$work/$sc-$f.sections" "$cli_txt"; then
			rv_ok "$name: crash text = CLI text ($(wc -l <"$cli_txt") lines)"
		else
			rv_not_ok "$name: crash text != CLI text"
			diff "$work/$sc-$f.sections" "$cli_txt" | head -10 | sed 's/^/    /'
		fi
	done
done

rv_summary

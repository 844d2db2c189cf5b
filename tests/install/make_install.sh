#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make install / uninstall: DESTDIR + PREFIX=/usr lays out the program, the
# crash extension, the rules, the man pages and the completion; a tree
# installed with PREFIX=/opt/x (here under a temporary directory) finds its
# rules from anywhere (`rules list` run from /), as does its extension inside
# crash; make uninstall removes what install laid.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/crash-check"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$RV_ROOT" || exit 1
mapfile -t rules < <(cd rules && ls *.yaml | sed 's/\.yaml$//')
rv_cmp "rules in the checkout" "${#rules[@]}" -ge 5

make -s install DESTDIR="$WORK/root" PREFIX=/usr >"$WORK/install.log" 2>&1
rv_eq "make install DESTDIR PREFIX=/usr: exit status" 0 "$?"
for f in usr/bin/raidvirt usr/lib/crash/extensions/raidvirt.so usr/share/man/man1/raidvirt.1 \
	usr/share/man/man1/raidvirt-crash.1 usr/share/man/man5/raidvirt-rules.5 \
	usr/share/bash-completion/completions/raidvirt; do
	if [ -s "$WORK/root/$f" ]; then rv_ok "DESTDIR: /$f"; else rv_not_ok "DESTDIR: /$f missing"; fi
done
rv_eq "DESTDIR: /usr/share/raidvirt/rules" "${rules[*]}" \
	"$(ls "$WORK/root/usr/share/raidvirt/rules" 2>/dev/null | sed 's/\.yaml$//' | tr '\n' ' ' | sed 's/ $//')"
rv_eq "DESTDIR: the program is executable" yes "$([ -x "$WORK/root/usr/bin/raidvirt" ] && echo yes)"

# PREFIX=/opt/x, run from /: the rules are found relative to the program.
prefix=$WORK/opt/x
make -s install PREFIX="$prefix" >"$WORK/install2.log" 2>&1
rv_eq "make install PREFIX=.../opt/x: exit status" 0 "$?"
listed=$(cd / && env -u RAIDVIRT_RULES_BUILTIN -u RAIDVIRT_RULES "$prefix/bin/raidvirt" rules list 2>"$WORK/list.err" |
	awk 'NR > 1 {print $1}' | tr '\n' ' ' | sed 's/ $//')
rv_eq "PREFIX/bin/raidvirt rules list from / lists every rule" "${rules[*]}" "$listed"
rv_empty "rules list stderr" "$(cat "$WORK/list.err")"
# The same program through PATH (dladdr names it by argv[0]): /proc/self/exe.
listed=$(cd / && PATH="$prefix/bin:$PATH" raidvirt rules list 2>/dev/null | awk 'NR > 1 {print $1}' |
	tr '\n' ' ' | sed 's/ $//')
rv_eq "raidvirt found through PATH lists every rule" "${rules[*]}" "$listed"
# A copy of the program outside any prefix says what it misses.
cp "$prefix/bin/raidvirt" "$WORK/raidvirt"
(cd / && "$WORK/raidvirt" rules list >/dev/null 2>"$WORK/copy.err")
rv_match "a copied program without rules says so" "built-in rule directory was not found" \
	"$(cat "$WORK/copy.err")"

# The installed extension inside crash, by its path under PREFIX: the rules
# come from PREFIX/share/raidvirt/rules (no problem line, every rule ran).
install_crash_check "PREFIX=/opt/x" "$prefix/lib/crash/extensions/raidvirt.so"

make -s uninstall PREFIX="$prefix" >/dev/null 2>&1
rv_eq "make uninstall: exit status" 0 "$?"
rv_empty "make uninstall leaves no file" "$(find "$prefix" -type f)"

rv_summary

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian packages, as a user gets them: build them (make deb:
# dpkg-buildpackage -b -us -uc in a copy under build/deb), install them on
# this machine with dpkg -i, and test what is installed: the layout, the CLI
# suites contract, bad_input, completion and man with RV_CLI=/usr/bin/raidvirt
# (and the installed completion and man pages), and crash loading the
# installed extension by its bare name. The packages are removed afterwards
# unless they were installed before. Needs root (CI is).

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/crash-check"

WORK=$(mktemp -d)
cd "$RV_ROOT" || exit 1
cleanup() {
	if [ -n "${installed_here:-}" ]; then
		dpkg -r raidvirt-crash raidvirt >"$WORK/remove.log" 2>&1 ||
			echo "packages.sh: dpkg -r failed: $(tail -3 "$WORK/remove.log")" >&2
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

if [ "$(id -u)" != 0 ]; then
	rv_not_ok "dpkg -i needs root (CI runs as root)"
	rv_summary
	exit
fi

t0=$SECONDS
make -s deb >"$WORK/deb.log" 2>&1
rv_eq "make deb: exit status" 0 "$?"
rv_cmp "make deb: seconds" $((SECONDS - t0)) -lt 600
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
cli_deb=$RV_BUILD/deb/raidvirt_${version}_amd64.deb
ext_deb=$RV_BUILD/deb/raidvirt-crash_${version}_amd64.deb
for d in "$cli_deb" "$ext_deb"; do
	if [ -s "$d" ]; then rv_ok "built $(basename "$d")"; else rv_not_ok "$(basename "$d") not built: $(tail -5 "$WORK/deb.log")"; fi
done
rv_empty "no build output next to the checkout" "$(ls "$RV_ROOT"/../raidvirt*_"$version"_* 2>/dev/null)"
rv_match "raidvirt-crash depends on crash" "(^|, )crash(,|$)" "$(dpkg-deb -f "$ext_deb" Depends 2>/dev/null)"

dpkg-query -W -f='${Status}' raidvirt 2>/dev/null | grep -q "install ok installed" || installed_here=1
dpkg -i "$cli_deb" "$ext_deb" >"$WORK/install.log" 2>&1
rv_eq "dpkg -i: exit status" 0 "$?"
for f in /usr/bin/raidvirt /usr/lib/crash/extensions/raidvirt.so /usr/share/man/man1/raidvirt.1.gz \
	/usr/share/man/man1/raidvirt-crash.1.gz /usr/share/man/man5/raidvirt-rules.5.gz \
	/usr/share/bash-completion/completions/raidvirt; do
	if [ -s "$f" ]; then rv_ok "installed $f"; else rv_not_ok "$f not installed"; fi
done
mapfile -t rules < <(cd rules && ls *.yaml | sed 's/\.yaml$//')
rv_eq "/usr/bin/raidvirt rules list from / lists every rule" "${rules[*]}" \
	"$(cd / && /usr/bin/raidvirt rules list 2>/dev/null | awk 'NR > 1 {print $1}' | tr '\n' ' ' | sed 's/ $//')"
rv_eq "raidvirt --version" "raidvirt $version" "$(/usr/bin/raidvirt --version)"

# The CLI suites, on the installed program.
for s in contract bad_input completion man; do
	t1=$SECONDS
	RV_CLI=/usr/bin/raidvirt RV_COMPLETION=/usr/share/bash-completion/completions/raidvirt \
		RV_MANDIR=/usr/share/man bash "$RV_ROOT/tests/cli/$s.sh" >"$WORK/$s.log" 2>&1
	rc=$?
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$WORK/$s.log" | tail -1)
	if [ $rc -eq 0 ] && [[ $line =~ \ 0\ failed ]]; then
		rv_ok "tests/cli/$s.sh on /usr/bin/raidvirt: $line ($((SECONDS - t1)) s)"
	else
		rv_not_ok "tests/cli/$s.sh on /usr/bin/raidvirt: ${line:-no result} (exit $rc)"
		grep -E '^not ok' "$WORK/$s.log" | head -10 | sed 's/^/#   /'
	fi
done

# crash loads the installed extension by its bare name, with the rules of
# /usr/share/raidvirt/rules.
install_crash_check "package" raidvirt.so /usr/lib/crash/extensions/raidvirt.so

rv_summary

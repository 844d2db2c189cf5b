#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The libjq `make deps` builds (tools/libjq.py, docs/hacking.md "Packaging"):
# it is there, the build links it (not the system's 1.6), the program's rule
# engine runs jq 1.7 or later (a rule using pick/1, which jq 1.6 lacks), and
# tools/libjq.py refuses a tarball that is not the one the signed Sources
# index names.

. "$(dirname "$0")/../lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$RV_ROOT" || exit 1

# ---- what make deps left ----
jq_dir=$(readlink -f build/deps/jq 2>/dev/null)
rv_match "build/deps/jq names a jq build" '/build/deps/jq-[0-9][^/]*$' "$jq_dir"
for f in lib/libjq.a include/jq.h include/jv.h; do
	if [ -s "$jq_dir/$f" ]; then rv_ok "build/deps/jq/$f"; else rv_not_ok "build/deps/jq/$f missing (make deps)"; fi
done
rv_eq "the Makefile links it" "-isystem$RV_ROOT/build/deps/jq/include $RV_ROOT/build/deps/jq/lib/libjq.a" \
	"$(make -s --no-print-directory libjq-flags)"
rv_eq "tests/lib.sh passes the same flags on" "$(make -s --no-print-directory libjq-flags)" "$RV_LIBJQ"

# ---- the binaries ----
for bin in "$RV_CLI" "$RV_EXT"; do
	rv_eq "${bin#"$RV_ROOT"/}: no libjq.so (linked in)" 0 "$(ldd "$bin" 2>/dev/null | grep -c 'libjq\.so')"
done
rv_eq "the extension exports no jq symbol" 0 \
	"$(nm -D --defined-only "$RV_EXT" 2>/dev/null | grep -cE ' (jq|jv)_')"

# A rule only jq 1.7 and later compile: pick/1 (jq 1.7, 2023), in its evidence
# (a condition is a path expression).
mkdir -p "$WORK/rules"
cat >"$WORK/rules/jq-pick.yaml" <<'EOF'
id: jq-pick
title: a rule only jq 1.7 and later compile
severity: info
subsystem: dump
condition: .dump | select(.release != null)
evidence:
  release: pick(.release) | .release
message: "release {release}"
explanation: tests/install/libjq.sh
remedies: [Nothing to do.]
references:
  - title: docs/hacking.md
    url: https://example.org/raidvirt/hacking
tests:
  fires: [healthy]
  quiet: ["fixture:raid1-barrier-underflow"]
EOF
"$RV_CLI" rules lint "$WORK/rules" >"$WORK/lint" 2>&1
rv_eq "rules lint of a rule using pick/1: exit status (jq >= 1.7)" 0 "$?"
printf '{"schema":"raidvirt.facts/1","dump":{"release":"6.1.0-test"}}\n' >"$WORK/facts.json"
"$RV_CLI" triage --json --no-builtin-rules --rules "$WORK/rules" --facts "$WORK/facts.json" >"$WORK/t.json" 2>"$WORK/t.err"
rv_eq "triage with it: the finding's evidence" "6.1.0-test" \
	"$(rv_jq "$WORK/t.json" '.findings[] | select(.rule == "jq-pick") | .evidence.release')"

# ---- tools/libjq.py checks what it downloads ----
printf 'not the tarball\n' >"$WORK/evil.tar.gz"
out=$(cd tools && python3 -c '
import sys, libjq
src, dst = sys.argv[1], sys.argv[2]
try:
    libjq.download("file://" + src, dst, "0" * 64, 16)
    print("accepted")
except libjq.Failure as err:
    print("refused:", err)
' "$WORK/evil.tar.gz" "$WORK/got.tar.gz" 2>/dev/null)
rv_match "a tarball whose SHA-256 is not the index's is refused" '^refused: .*sha256' "$out"
rv_eq "... and not kept" no "$([ -e "$WORK/got.tar.gz" ] && echo yes || echo no)"
good=$(sha256sum "$WORK/evil.tar.gz" | cut -d' ' -f1)
out=$(cd tools && python3 -c '
import sys, libjq
libjq.download("file://" + sys.argv[1], sys.argv[2], sys.argv[3], 16)
print("accepted")
' "$WORK/evil.tar.gz" "$WORK/got.tar.gz" "$good" 2>/dev/null)
rv_eq "the one the index names is kept" accepted "$out"
rv_eq "... byte for byte" "$good" "$(sha256sum "$WORK/got.tar.gz" 2>/dev/null | cut -d' ' -f1)"

rv_summary

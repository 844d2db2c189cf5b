#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sanitizer reports under $RV_SAN_LOGS (tests/sanitize/env.sh): prints a
# summary of each and exits 1 if there is any. allocator_may_return_null=1
# still notes each refused allocation (a damaged header asking for 2^56
# bytes); a file holding only such notes is not a report and is removed.
. "$(dirname "$0")/env.sh"
found=0
for f in "$RV_SAN_LOGS"/*; do
	[ -f "$f" ] || continue
	if ! grep -qv 'WARNING: AddressSanitizer failed to allocate' "$f"; then
		rm -f "$f"
		continue
	fi
	found=1
	echo "sanitizer report $f: $(grep -h -m3 -E 'ERROR|runtime error|SUMMARY' "$f" | tr '\n' ' ')"
done
exit $found

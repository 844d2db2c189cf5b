# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by bench/*.sh. bench_cpu CMD...: prints "CPU PEAK" — the median
# CPU seconds (user + system) over $runs runs of CMD and the peak RSS in
# MiB, using $tmp for GNU time's output. With $BENCH_CACHE_COLD set, each
# run gets a new empty RAIDVIRT_CACHE directory under $tmp.
bench_cpu() {
	: >"$tmp/t.all"
	for _ in $(seq "$runs"); do
		local env=()
		[ -n "${BENCH_CACHE_COLD:-}" ] && env=(RAIDVIRT_CACHE="$(mktemp -d -p "$tmp" cold.XXXXXX)")
		env "${env[@]}" /usr/bin/time -f '%U %S %M' -o "$tmp/t" "$@" >/dev/null 2>&1 </dev/null || true
		tail -n 1 "$tmp/t" >>"$tmp/t.all"
	done
	awk '{ print $1 + $2, $3 }' "$tmp/t.all" | sort -n | awk -v n="$runs" '
		{ c[NR] = $1; if ($2 > m) m = $2 }
		END { printf "%.2f %.0f\n", c[int((n + 1) / 2)], m / 1024 }'
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scale: the synthetic RHEL9 healthy fixture (tests/fixtures/healthy-rhel9.c)
# built larger in one dimension at a time, and `raidvirt facts --json`,
# `triage` and the dimension's `show` table on it: CPU time (user + system,
# median of RUNS), peak RSS, the objects decoded, the size of the JSON, and
# the lines of the text report (it must stay a summary; -a prints all). The
# last column, the CPU each 1000 more objects cost over the row above (the
# fixed start-up cost drops out), shows whether the cost grows linearly:
# the same figure on every row.
# Not a test (tests/fixtures/scale.sh checks the values at smaller sizes).
#
#   bench/scale.sh [RUNS] [DIMENSION...]   # default: 3 runs; md cpus irqs vblk
#
# Sizes per dimension (override with SCALE_MD, SCALE_CPUS, SCALE_IRQS,
# SCALE_VBLK):
#   md    N clean raid1 arrays over vda, vdb (FX_NMD)            1 256 1024 2048
#   cpus  N possible CPUs, N/8 online (FX_NCPUS, FX_NONLINE)     1024 2048 4096 8192
#   irqs  N more MSI irqs over 128 online CPUs (FX_NIRQ)         2048 4096 8192 16384
#   vblk  N virtio-blk devices of 64 queues (FX_NVBLK, FX_NVQ)   128 256 512 1024
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/lib.sh

runs=${1:-3}
shift || true
dims=${*:-md cpus irqs vblk}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

. bench/cpu.bash

# flags N: the fixture's compiler flags; count FACTS: objects decoded;
# table: the `show` table of the dimension (and its options)
dim_md_flags() { echo "-DFX_NMD=$1"; }
dim_md_count() { jq '.md.arrays | length' "$1"; }
dim_md_table=(show md)
dim_cpus_flags() { echo "-DFX_NCPUS=$1 -DFX_NONLINE=$(($1 / 8))"; }
dim_cpus_count() { jq '.irq.cpus | length' "$1"; }
dim_cpus_table=(show vectors -c)
dim_irqs_flags() { echo "-DFX_NCPUS=128 -DFX_NIRQ=$1"; }
dim_irqs_count() { jq '.irq.nr_descs' "$1"; }
dim_irqs_table=(show vectors)
dim_vblk_flags() { echo "-DFX_NVBLK=$1 -DFX_NVQ=64"; }
dim_vblk_count() { jq '[.virtio.devices[].vqs[]] | length' "$1"; }
dim_vblk_table=(show virtio)

declare -A sizes=(
	[md]=${SCALE_MD:-1 256 1024 2048}
	[cpus]=${SCALE_CPUS:-1024 2048 4096 8192}
	[irqs]=${SCALE_IRQS:-2048 4096 8192 16384}
	[vblk]=${SCALE_VBLK:-128 256 512 1024}
)
declare -A what=(
	[md]="md arrays" [cpus]="possible CPUs (1/8 online)" [irqs]="irqs over 128 CPUs"
	[vblk]="virtio-blk devices x 64 queues"
)
declare -A counted=(
	[md]="arrays" [cpus]="cpumaps" [irqs]="irq descs" [vblk]="virtqueues"
)

echo "scale: healthy-rhel9 fixture grown one dimension at a time; load $(cut -d' ' -f1 /proc/loadavg), median of $runs runs"
for dim in $dims; do
	[ -n "${sizes[$dim]:-}" ] || { echo "scale: no dimension '$dim' (md cpus irqs vblk)" >&2; exit 2; }
	table="dim_${dim}_table[@]"
	table=("${!table}")
	echo
	echo "$dim: ${what[$dim]}; text: ${table[*]}"
	echo
	echo "| $dim | vmcore | facts --json CPU | peak RSS | ${counted[$dim]} decoded | facts JSON | triage CPU | ${table[*]} lines | with -a | CPU per 1000 more |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	pc='' pn=''
	for n in ${sizes[$dim]}; do
		d=$tmp/$dim$n
		if ! CC="gcc $("dim_${dim}_flags" "$n")" tests/fixtures/mkfixture healthy-rhel9 "$d" \
			>"$tmp/build.log" 2>&1; then
			echo "| $n | fixture build failed: $(tail -1 "$tmp/build.log") |"
			continue
		fi
		opts=(--vmlinux "$d/vmlinux" --debuginfo "$d/debug" --no-default-debuginfo)
		read -r fc fr < <(bench_cpu "$RV_CLI" facts --json "${opts[@]}" "$d/vmcore")
		"$RV_CLI" facts --json "${opts[@]}" "$d/vmcore" >"$tmp/f.json" 2>/dev/null || true
		count=$("dim_${dim}_count" "$tmp/f.json")
		json=$(du -k "$tmp/f.json" | cut -f1)
		core=$(du -m "$d/vmcore" | cut -f1)
		read -r tc _ < <(bench_cpu "$RV_CLI" triage "${opts[@]}" "$d/vmcore")
		sl=$("$RV_CLI" "${table[@]}" "${opts[@]}" "$d/vmcore" 2>/dev/null | wc -l || true)
		al=$("$RV_CLI" "${table[@]}" -a "${opts[@]}" "$d/vmcore" 2>/dev/null | wc -l || true)
		per=$(awk -v c="$fc" -v n="$count" -v pc="$pc" -v pn="$pn" \
			'BEGIN { if (pn != "" && n > pn) printf "%.3f s", (c - pc) * 1000 / (n - pn); else print "-" }')
		pc=$fc pn=$count
		echo "| $n | ${core} MiB | $fc s | $fr MiB | $count | ${json} KiB | $tc s | $sl | $al | $per |"
		rm -rf "$d" "$tmp/f.json"
	done
done

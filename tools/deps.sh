#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install every Debian package raidvirt needs. Idempotent and quiet when
# everything is already there. The cloud kernel trio is pulled in through
# Debian's metapackages, so the ABI number is never named here.
set -eu

PKGS="build-essential pkg-config make gcc clang libclang-rt-14-dev llvm
 crash libkdumpfile-dev libdw-dev libelf-dev libjq-dev libonig-dev libyaml-dev libbpf-dev jq
 qemu-system-x86 busybox-static mdadm makedumpfile cpio kmod python3 python3-jsonschema strace
 chromium python3-pil cmark-gfm
 debhelper devscripts go-md2man man-db bsdextrautils bash-completion libdebuginfod-dev debuginfod curl
 linux-image-cloud-amd64 linux-image-cloud-amd64-dbg linux-headers-cloud-amd64"

missing=""
for p in $PKGS; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

# The metapackages may have moved on to a new ABI whose packages are not
# installed yet: check what they depend on, too.
for meta in linux-image-cloud-amd64 linux-image-cloud-amd64-dbg linux-headers-cloud-amd64; do
	dep=$(dpkg-query -W -f='${Depends}' "$meta" 2>/dev/null | sed 's/ .*//; s/,.*//') || true
	[ -n "$dep" ] || continue
	status=$(dpkg-query -W -f='${Status}' "$dep" 2>/dev/null || true)
	case "$status" in
	*"install ok installed"*) ;;
	*) missing="$missing $dep" ;;
	esac
done

[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install packages (try: sudo make deps)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
echo "deps: done"

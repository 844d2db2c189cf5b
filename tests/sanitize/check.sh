#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check SANITIZE=1: the suites of AREAS on the sanitized build in
# BUILD_DIR (tests/sanitize/env.sh), then fail on any sanitizer report any
# of them left, whatever the suites' own checks said.
#   tests/sanitize/check.sh BUILD_DIR AREAS
. "$(dirname "$0")/env.sh"
rm -f "$RV_SAN_LOGS"/*
# The suites find rig dumps and fixtures under $RV_BUILD: the main build's.
mkdir -p "$1"
[ -e "$1/dumps" ] || ln -sfn "$RV_SAN_ROOT/build/dumps" "$1/dumps"
# crash cannot load a sanitized extension: the suites that compare with
# crash use the release build's (built here if need be).
make -C "$RV_SAN_ROOT" -s -j2 >/dev/null || exit 1
export RV_EXT=$RV_SAN_ROOT/build/ext/raidvirt.so
RV_BUILD=$(readlink -f "$1") RV_AREAS=$2 "$RV_SAN_ROOT/tests/run-all.sh"
rc=$?
if ! "$RV_SAN_ROOT/tests/sanitize/reports.sh"; then
	echo "sanitizer reports: see $RV_SAN_LOGS"
	rc=1
fi
exit $rc

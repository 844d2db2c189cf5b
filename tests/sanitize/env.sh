# SPDX-License-Identifier: GPL-2.0-or-later
# Environment of the sanitizer tier (ASan + UBSan + LSan), sourced by
# tests/sanitize/run.sh and `make check SANITIZE=1`. Every report goes to a
# file under $RV_SAN_LOGS (a run is clean when that directory stays empty).
#   allocator_may_return_null=1: libkdumpfile asks malloc for what a
#     damaged header says (2^63 bytes); NULL is the C answer it handles.
#   lsan.supp: only libkdumpfile's own leaks, each explained there.
RV_SAN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export RV_SAN_LOGS=${RV_SAN_LOGS:-$RV_SAN_ROOT/build/sanitize/logs}
mkdir -p "$RV_SAN_LOGS"
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:log_path=$RV_SAN_LOGS/asan
export LSAN_OPTIONS=suppressions=$RV_SAN_ROOT/tests/sanitize/lsan.supp:print_suppressions=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$RV_SAN_LOGS/ubsan
# The built-in rules are not next to build/sanitize/cli/raidvirt.
export RAIDVIRT_RULES_BUILTIN=$RV_SAN_ROOT/rules

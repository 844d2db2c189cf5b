// SPDX-License-Identifier: GPL-2.0-or-later
// The C unit tier (make test-unit): checks of lib/ without QEMU, crash or a
// rig dump. Each check prints "ok - ..." or "not ok - ..."; main() prints
// "N passed, M failed" and exits non-zero on a failure.
#ifndef RV_UNIT_H
#define RV_UNIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rv_error.h"

extern int unit_passed, unit_failed;
void unit_check(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define CHECK(cond, ...) unit_check((cond), __FILE__, __LINE__, __VA_ARGS__)
#define CHECK_U64(name, want, got) do { \
	uint64_t w_ = (uint64_t)(want), g_ = (uint64_t)(got); \
	CHECK(w_ == g_, "%s = %#" PRIx64 " (got %#" PRIx64 ")", name, w_, g_); \
} while (0)
#define CHECK_STR(name, want, got) do { \
	const char *w_ = (want), *g_ = (got); \
	CHECK(g_ && !strcmp(w_, g_), "%s = \"%s\" (got \"%s\")", name, w_, g_ ? g_ : "(null)"); \
} while (0)
/** @p err must be NULL (consumed). */
#define CHECK_OK(name, err) do { \
	struct rv_error *e_ = (err); \
	CHECK(!e_, "%s succeeds%s%s", name, e_ ? ": " : "", e_ ? e_->msg : ""); \
	rv_error_destroy(e_); \
} while (0)
/** @p err must be an error of class @p code (consumed). */
#define CHECK_ERR(name, want_code, err) do { \
	struct rv_error *e_ = (err); \
	CHECK(e_ && e_->code == (want_code), "%s fails with %s%s%s", name, \
	      rv_errcode_name(want_code), \
	      e_ ? ": " : " (it succeeded)", e_ ? e_->msg : ""); \
	rv_error_destroy(e_); \
} while (0)

// The suites (one file each).
void test_target(void);
void test_xarray(void);
void test_dwarf(const char *object);
void test_rules(void);
void test_misc(void);
void test_stack(void);
void test_report(void);

#endif

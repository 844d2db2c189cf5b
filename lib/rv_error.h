// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file rv_error.h
 * Errors of the raidvirt core.
 *
 * Every function that can fail returns a `struct rv_error *`; NULL means
 * success. Results go in the last parameter(s), named `ret`, which are only
 * written on success. Foreign errors (crash, libkdumpfile, libdw) are
 * converted at the backend boundary and never escape it.
 */
#ifndef RV_ERROR_H
#define RV_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#define RV_PRINTF(a, b) __attribute__((format(printf, a, b)))

/** Error classes. A decoder branches on these, never on the message. */
enum rv_errcode {
	RV_ERR_NOMEM = 1,
	RV_ERR_FAULT,	/**< memory at `addr` could not be read */
	RV_ERR_LOOKUP,	/**< symbol, type or member not in the debug info */
	RV_ERR_ABSENT,	/**< the object is not there (module not loaded, ...) */
	RV_ERR_CORRUPT,	/**< a value read makes no sense (cycle, bad count) */
	RV_ERR_NODEBUG,	/**< needed debug info is missing (message says which) */
	RV_ERR_INVALID,	/**< bad argument from the user */
	RV_ERR_IO,	/**< a file could not be opened or read */
	RV_ERR_OTHER,
};

struct rv_error {
	enum rv_errcode code;
	uint64_t addr;		/**< for RV_ERR_FAULT: the address */
	const char *msg;	/**< never NULL */
};

/** The static out-of-memory error; rv_error_destroy() ignores it. */
extern struct rv_error rv_enomem;

struct rv_error *rv_error_format(enum rv_errcode code, const char *fmt, ...)
	RV_PRINTF(2, 3);
struct rv_error *rv_error_vformat(enum rv_errcode code, const char *fmt,
				  va_list ap);
/** A fault at @p addr; the message should say what was being read. */
struct rv_error *rv_error_fault(uint64_t addr, const char *fmt, ...)
	RV_PRINTF(2, 3);
/** Prefix the message of @p err with context; consumes @p err. */
struct rv_error *rv_error_wrap(struct rv_error *err, const char *fmt, ...)
	RV_PRINTF(2, 3);
/** Free an error; accepts NULL and &rv_enomem. */
void rv_error_destroy(struct rv_error *err);
/** Name of an error class ("fault", "lookup", ...). */
const char *rv_errcode_name(enum rv_errcode code);

/**
 * Consume @p err into a yes/no answer: true for success (NULL), false after
 * destroying the error. Only for questions whose failure is the answer
 * ("is this optional symbol there?"); a failure the facts should show is
 * recorded with rv_jv_set_error() instead.
 */
static inline bool rv_ok(struct rv_error *err)
{
	if (!err)
		return true;
	rv_error_destroy(err);
	return false;
}

/** Attribute for automatic destruction of an error at scope exit. */
static inline void rv_error_cleanup(struct rv_error **errp)
{
	rv_error_destroy(*errp);
}
#define _cleanup_rv_error_ __attribute__((cleanup(rv_error_cleanup)))

#endif

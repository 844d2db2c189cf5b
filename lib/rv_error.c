// SPDX-License-Identifier: GPL-2.0-or-later
// Errors of the raidvirt core: see rv_error.h.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rv_error.h"

struct rv_error rv_enomem = { .code = RV_ERR_NOMEM, .msg = "out of memory" };

struct rv_error *rv_error_vformat(enum rv_errcode code, const char *fmt,
				  va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int len = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (len < 0)
		len = 0;
	struct rv_error *err = malloc(sizeof(*err) + len + 1);
	if (!err)
		return &rv_enomem;
	char *msg = (char *)(err + 1);
	vsnprintf(msg, len + 1, fmt, ap);
	err->code = code;
	err->addr = 0;
	err->msg = msg;
	return err;
}

struct rv_error *rv_error_format(enum rv_errcode code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct rv_error *err = rv_error_vformat(code, fmt, ap);
	va_end(ap);
	return err;
}

struct rv_error *rv_error_fault(uint64_t addr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct rv_error *err = rv_error_vformat(RV_ERR_FAULT, fmt, ap);
	va_end(ap);
	if (err != &rv_enomem)
		err->addr = addr;
	return err;
}

struct rv_error *rv_error_wrap(struct rv_error *err, const char *fmt, ...)
{
	if (!err || err == &rv_enomem)
		return err;
	char prefix[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	struct rv_error *wrapped = rv_error_format(err->code, "%s: %s", prefix,
						   err->msg);
	if (wrapped != &rv_enomem)
		wrapped->addr = err->addr;
	rv_error_destroy(err);
	return wrapped;
}

void rv_error_destroy(struct rv_error *err)
{
	if (err != &rv_enomem)
		free(err);
}

const char *rv_errcode_name(enum rv_errcode code)
{
	static const char *const names[] = {
		[RV_ERR_NOMEM] = "out of memory",
		[RV_ERR_FAULT] = "fault",
		[RV_ERR_LOOKUP] = "lookup",
		[RV_ERR_ABSENT] = "absent",
		[RV_ERR_CORRUPT] = "corrupt",
		[RV_ERR_NODEBUG] = "no debuginfo",
		[RV_ERR_INVALID] = "invalid",
		[RV_ERR_IO] = "i/o",
		[RV_ERR_OTHER] = "error",
	};
	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "error";
}

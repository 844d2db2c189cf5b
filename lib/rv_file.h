// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file rv_file.h
 * Opening the files raidvirt reads (dumps, debug files, rules, facts):
 * hostile input is normal, so a FIFO, a device or a directory named where a
 * file belongs is refused at once instead of blocking, and sizes are bounded.
 */
#ifndef RV_FILE_H
#define RV_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "rv_error.h"

/** Rule files and facts documents are far below these. */
#define RV_RULE_FILE_MAX (UINT64_C(1) << 20)
#define RV_FACTS_MAX (UINT64_C(256) << 20)

/**
 * Open @p path read-only (O_NONBLOCK while opening, so a FIFO never blocks)
 * and check with fstat that it is a regular file of at most @p max_size
 * bytes (0: any size). @p what names the file in errors ("rule file").
 */
struct rv_error *rv_file_open(const char *path, const char *what,
			      uint64_t max_size, int *ret);

/**
 * Read all of @p fd (a file or a pipe such as stdin) into a NUL-terminated
 * buffer, refusing more than @p max_size bytes. @p name names it in errors.
 */
struct rv_error *rv_file_read_all(int fd, const char *name, uint64_t max_size,
				  char **ret, size_t *ret_len);

/**
 * rv_file_open() and rv_file_read_all() of @p path in one: its whole
 * content, NUL-terminated, at most @p max_size bytes.
 */
struct rv_error *rv_file_load(const char *path, const char *what, uint64_t max_size,
			      char **ret, size_t *ret_len);

#endif

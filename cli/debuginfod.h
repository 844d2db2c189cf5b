// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file debuginfod.h
 * Debug files fetched by build id from the debuginfod servers of
 * $DEBUGINFOD_URLS, through elfutils' libdebuginfod (which keeps them in its
 * cache, $DEBUGINFOD_CACHE_PATH or ~/.cache/debuginfod_client).
 */
#ifndef RV_CLI_DEBUGINFOD_H
#define RV_CLI_DEBUGINFOD_H

#include <stdbool.h>

#include "rv_error.h"

/** Whether any server is configured ($DEBUGINFOD_URLS is not empty). */
bool rv_debuginfod_enabled(void);

/**
 * The debug file of build id @p build_id (hex), fetched or taken from the
 * cache; @p what names it in messages ("vmlinux 6.1.0-57-cloud-amd64",
 * "module raid1"). @p progress, if not NULL, is called with a short line
 * while the file downloads (the CLI prints it on a terminal only) and with
 * NULL at the end. *ret_path is malloc'd. RV_ERR_NODEBUG with one line
 * (what, the build id, the servers, why) when no server has it.
 */
struct rv_error *rv_debuginfod_fetch(const char *build_id, const char *what,
				     void (*progress)(const char *msg), char **ret_path);

#endif

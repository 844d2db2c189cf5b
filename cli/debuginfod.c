// SPDX-License-Identifier: GPL-2.0-or-later
// Debug files by build id through libdebuginfod (see debuginfod.h).

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elfutils/debuginfod.h>

#include "debuginfod.h"

bool rv_debuginfod_enabled(void)
{
	const char *urls = getenv("DEBUGINFOD_URLS");
	return urls && *urls;
}

struct fetch_progress {
	void (*progress)(const char *msg);
	const char *what;
};

// libdebuginfod's callback: a = bytes so far, b = the total (or <= 0 when
// the server does not say). Returning 0 goes on.
static int on_progress(debuginfod_client *c, long a, long b)
{
	struct fetch_progress *fp = debuginfod_get_user_data(c);
	char msg[256];
	if (b > 0)
		snprintf(msg, sizeof(msg), "debuginfod: %s: %.1f of %.1f MiB", fp->what,
			 a / 1048576.0, b / 1048576.0);
	else
		snprintf(msg, sizeof(msg), "debuginfod: %s: %.1f MiB", fp->what, a / 1048576.0);
	fp->progress(msg);
	return 0;
}

struct rv_error *rv_debuginfod_fetch(const char *build_id, const char *what,
				     void (*progress)(const char *msg), char **ret_path)
{
	*ret_path = NULL;
	if (!rv_debuginfod_enabled())
		return rv_error_format(RV_ERR_NODEBUG, "%s: no debuginfod server "
				       "(DEBUGINFOD_URLS is not set)", what);
	if (!build_id || !*build_id)
		return rv_error_format(RV_ERR_NODEBUG, "%s: no build id to ask debuginfod for",
				       what);
	debuginfod_client *c = debuginfod_begin();
	if (!c)
		return rv_error_format(RV_ERR_NODEBUG, "%s: debuginfod: cannot start a client: %s",
				       what, strerror(errno));
	struct fetch_progress fp = { progress, what };
	if (progress) {
		debuginfod_set_user_data(c, &fp);
		debuginfod_set_progressfn(c, on_progress);
	}
	char *path = NULL;
	// A build id of length 0: @p build_id is a hex string.
	int fd = debuginfod_find_debuginfo(c, (const unsigned char *)build_id, 0, &path);
	if (progress)
		progress(NULL);
	debuginfod_end(c);
	if (fd < 0)
		return rv_error_format(RV_ERR_NODEBUG, "%s: debuginfod (%s) has no debug file "
				       "for build id %s: %s", what, getenv("DEBUGINFOD_URLS"),
				       build_id, strerror(-fd));
	close(fd);
	if (!path)
		return &rv_enomem;
	*ret_path = path;
	return NULL;
}

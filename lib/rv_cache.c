// SPDX-License-Identifier: GPL-2.0-or-later
// The cache directory and how files get into it (rv_cache.h).

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rv_cache.h"

char *rv_cache_dir(void)
{
	const char *env = getenv("RAIDVIRT_CACHE");
	char *dir = NULL;
	if (env && (!strcmp(env, "off") || !strcmp(env, "0")))
		return NULL;
	if (env && *env)
		return strdup(env);
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (xdg && *xdg == '/') {
		if (asprintf(&dir, "%s/raidvirt", xdg) < 0)
			dir = NULL;
	} else if (home && *home == '/') {
		if (asprintf(&dir, "%s/.cache/raidvirt", home) < 0)
			dir = NULL;
	}
	return dir;
}

uint64_t rv_fnv64(const void *p, size_t n)
{
	const unsigned char *c = p;
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 1099511628211ull;
	return h;
}

static void mkdir_p(const char *dir)
{
	char *copy = strdup(dir);
	for (char *p = copy ? copy + 1 : NULL; p && *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(copy, 0755);
			*p = '/';
		}
	}
	if (copy)
		mkdir(copy, 0755);
	free(copy);
}

static bool write_all_fd(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

bool rv_cache_write(const char *path, const void *buf, size_t len)
{
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	char *tmp = NULL;
	bool ok = false;
	if (slash) {
		*slash = '\0';
		mkdir_p(dir);
		if (asprintf(&tmp, "%s/.tmp-%ld-%s", dir, (long)getpid(), slash + 1) < 0)
			tmp = NULL;
	}
	int fd = tmp ? open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
	if (fd >= 0) {
		ok = write_all_fd(fd, buf, len);
		ok = !close(fd) && ok;
		if (!ok || rename(tmp, path)) {
			unlink(tmp);
			ok = false;
		}
	}
	free(tmp);
	free(dir);
	return ok;
}

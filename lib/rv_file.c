// SPDX-License-Identifier: GPL-2.0-or-later
// Files raidvirt reads, opened without blocking and bounded. See rv_file.h.

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rv_file.h"

static const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	case S_IFDIR:
		return "a directory";
	case S_IFSOCK:
		return "a socket";
	default:
		return "not a regular file";
	}
}

struct rv_error *rv_file_open(const char *path, const char *what,
			      uint64_t max_size, int *ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return rv_error_format(RV_ERR_IO, "%s: %s", path, strerror(errno));
	struct stat st;
	struct rv_error *err = NULL;
	if (fstat(fd, &st) < 0)
		err = rv_error_format(RV_ERR_IO, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		err = rv_error_format(RV_ERR_IO, "%s: is %s; a %s must be a regular file",
				      path, file_kind(st.st_mode), what);
	else if (max_size && (uint64_t)st.st_size > max_size)
		err = rv_error_format(RV_ERR_IO,
				      "%s: %jd bytes, more than a %s may have (%" PRIu64 ")",
				      path, (intmax_t)st.st_size, what, max_size);
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		err = rv_error_format(RV_ERR_IO, "%s: %s", path, strerror(errno));
	if (err) {
		close(fd);
		return err;
	}
	*ret = fd;
	return NULL;
}

struct rv_error *rv_file_read_all(int fd, const char *name, uint64_t max_size,
				  char **ret, size_t *ret_len)
{
	size_t cap = max_size && max_size < 65536 ? (size_t)max_size : 65536, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return &rv_enomem;
	for (;;) {
		if (len == cap) {
			if (max_size && cap >= max_size) {
				// One byte more than allowed is enough to refuse.
				char c;
				ssize_t n;
				while ((n = read(fd, &c, 1)) < 0 && errno == EINTR)
					;
				if (n == 0)
					break;
				free(buf);
				return rv_error_format(RV_ERR_IO,
						       "%s: more than %" PRIu64 " bytes (the limit)",
						       name, max_size);
			}
			size_t ncap = max_size && cap * 2 > max_size ? (size_t)max_size : cap * 2;
			char *nbuf = realloc(buf, ncap + 1);
			if (!nbuf) {
				free(buf);
				return &rv_enomem;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			struct rv_error *err = rv_error_format(RV_ERR_IO, "%s: %s", name,
							       strerror(errno));
			free(buf);
			return err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = buf;
	*ret_len = len;
	return NULL;
}

struct rv_error *rv_file_load(const char *path, const char *what, uint64_t max_size,
			      char **ret, size_t *ret_len)
{
	int fd;
	struct rv_error *err = rv_file_open(path, what, max_size, &fd);
	if (err)
		return err;
	err = rv_file_read_all(fd, path, max_size, ret, ret_len);
	close(fd);
	return err;
}

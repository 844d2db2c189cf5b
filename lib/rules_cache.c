// SPDX-License-Identifier: GPL-2.0-or-later
// Which rule programs are known to compile: with libjq 1.6 a compile costs
// a few milliseconds per rule even when the rule never fires (every
// builtin walks the whole program, docs/performance.md), so a rule whose
// program compiled whole once loads with only its condition compiled; its
// related and evidence programs are compiled when it matches
// (rules_eval.c). The cache only says "this text compiled": one file per
// rule program under the cache directory (rv_cache_dir()), rules/HASH,
// holding the whole key (what the compile depends on, then the program),
// compared byte for byte before it is believed. A key that lies (a file
// written by hand) costs only where the error is reported: a compile that
// fails at evaluation is the rule's error entry.

#include <dlfcn.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jq.h>

#include "rules_priv.h"
#include "rv_cache.h"
#include "rv_file.h"

/**
 * What a compile depends on besides the program text: the libjq this
 * process runs (its file, size and mtime), and $HOME/.jq, which jq 1.6
 * reads and binds into every program it compiles. NULL when unknown (no
 * cache then). Computed once per process.
 */
static const char *identity(void)
{
	static char *id;
	static bool done;
	if (done)
		return id;
	done = true;
	Dl_info info;
	struct stat st;
	const char *libjq = NULL;
	if (dladdr((void *)jq_compile_args, &info) && info.dli_fname)
		libjq = info.dli_fname;
	// A libjq linked statically into the program (build/deps/jq, the
	// Makefile): dladdr names the program as it was started, argv[0],
	// perhaps without a directory. The program's own file then.
	if (!libjq || !strchr(libjq, '/') || stat(libjq, &st)) {
		libjq = "/proc/self/exe";
		if (stat(libjq, &st))
			return NULL;
	}
	uint64_t dotjq = 0;
	long long dotjq_len = -1;	// no ~/.jq
	const char *home = getenv("HOME");
	char *path = NULL;
	struct stat hs;
	if (home && asprintf(&path, "%s/.jq", home) >= 0 && !stat(path, &hs) &&
	    !S_ISDIR(hs.st_mode)) {
		char *text = NULL;
		size_t len = 0;
		struct rv_error *err = rv_file_load(path, "~/.jq", RV_RULE_FILE_MAX, &text, &len);
		if (err) {
			rv_error_destroy(err);
			free(path);
			return NULL;
		}
		dotjq = rv_fnv64(text, len);
		dotjq_len = (long long)len;
		free(text);
	}
	free(path);
	if (asprintf(&id, "raidvirt rule program cache 1\nlibjq %s %lld %lld.%09ld\n"
		     "~/.jq %lld %016" PRIx64 "\n", libjq, (long long)st.st_size,
		     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec, dotjq_len, dotjq) < 0)
		id = NULL;
	return id;
}

/** The key of @p program and its file; false when there is no cache. */
static bool key_of(const char *program, char **key, size_t *len, char **path)
{
	const char *id = identity();
	char *dir = id ? rv_cache_dir() : NULL;
	*key = *path = NULL;
	if (!dir)
		return false;
	int n = asprintf(key, "%s%s", id, program);
	if (n >= 0 &&
	    asprintf(path, "%s/rules/%016" PRIx64, dir, rv_fnv64(*key, (size_t)n)) < 0)
		*path = NULL;
	free(dir);
	if (n < 0 || !*path) {
		if (n >= 0)
			free(*key);
		*key = NULL;
		return false;
	}
	*len = (size_t)n;
	return true;
}

bool rv_rules_cache_known(const char *program)
{
	char *key, *path;
	size_t len;
	if (!key_of(program, &key, &len, &path))
		return false;
	char *text = NULL;
	size_t got = 0;
	struct rv_error *err = rv_file_load(path, "rule cache file", len, &text, &got);
	bool known = !err && got == len && !memcmp(text, key, len);
	rv_error_destroy(err);
	free(text);
	free(key);
	free(path);
	return known;
}

void rv_rules_cache_note(const char *program)
{
	char *key, *path;
	size_t len;
	if (!key_of(program, &key, &len, &path))
		return;
	struct stat st;
	if (stat(path, &st) || (size_t)st.st_size != len)
		rv_cache_write(path, key, len);
	free(key);
	free(path);
}

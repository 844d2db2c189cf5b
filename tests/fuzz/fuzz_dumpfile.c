// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: opening a damaged dump file as the CLI does
// (cli/dumpfile.c: flattened reassembly, extent checks, libkdumpfile in a
// probe child; cli/target_kdump.c: vmlinux or BTF and kallsyms) and
// collecting its facts, or, when it cannot be opened, what VMCOREINFO alone
// still gives (rv_facts_salvaged). The file is a real dump (fixture ELF
// vmcores, their flattened copies, rig kdump files) with the input's
// patches written into a working copy and undone after the run
// (tests/fuzz/harness.h). Regions: the first 4 KiB, 64 KiB, 1 MiB, all.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "harness.h"

struct work {
	char path[64];
	int fd;
	uint8_t *orig;
	size_t size;
	struct fz_region regions[4];
};

static struct work *all_works;
static size_t nall_works;

static void remove_works(void)
{
	for (size_t i = 0; i < nall_works; i++)
		unlink(all_works[i].path);
}

static struct work *works(size_t *ret_n)
{
	static struct work *w;
	static size_t n;
	if (w) {
		*ret_n = n;
		return w;
	}
	struct fz_base *b;
	n = fz_bases(&b);
	w = calloc(n, sizeof(*w));
	if (!w)
		abort();
	for (size_t i = 0; i < n; i++) {
		int in = open(b[i].vmcore, O_RDONLY);
		struct stat st;
		if (in < 0 || fstat(in, &st) || !(w[i].orig = malloc(st.st_size)) ||
		    pread(in, w[i].orig, st.st_size, 0) != st.st_size) {
			fprintf(stderr, "fuzz: cannot read %s\n", b[i].vmcore);
			exit(1);
		}
		close(in);
		w[i].size = st.st_size;
		snprintf(w[i].path, sizeof(w[i].path), "work-%d-%zu.vmcore", (int)getpid(), i);
		w[i].fd = open(w[i].path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (w[i].fd < 0 || pwrite(w[i].fd, w[i].orig, w[i].size, 0) != (ssize_t)w[i].size) {
			fprintf(stderr, "fuzz: cannot write %s\n", w[i].path);
			exit(1);
		}
		static const uint64_t lens[4] = { 4096, 65536, 1 << 20, UINT64_MAX };
		for (int r = 0; r < 4; r++)
			w[i].regions[r] = (struct fz_region){ 0, lens[r] < w[i].size ? lens[r] : w[i].size };
	}
	all_works = w;
	nall_works = n;
	atexit(remove_works);	// the working copies (a rig one is 44 MB)
	*ret_n = n;
	return w;
}

// Write (or with @p undo: restore) the bytes the patches change.
static void write_patches(struct work *w, const struct fz_patch *p, size_t n, bool undo)
{
	off_t cut = -1;
	for (size_t i = 0; i < n; i++) {
		if (p[i].op == FZ_CUT) {
			if (cut < 0 || (off_t)p[i].addr < cut)
				cut = p[i].addr;
			continue;
		}
		size_t len = p[i].addr + p[i].len > w->size ? w->size - p[i].addr : p[i].len;
		uint8_t buf[256 * 8];
		memcpy(buf, w->orig + p[i].addr, len);
		if (!undo)
			fz_apply(p, n, p[i].addr, buf, len);
		if (pwrite(w->fd, buf, len, p[i].addr) != (ssize_t)len)
			abort();
	}
	if (cut < 0)
		return;
	if (!undo) {
		if (ftruncate(w->fd, cut))
			abort();
	} else if (pwrite(w->fd, w->orig + cut, w->size - cut, cut) != (ssize_t)(w->size - cut)) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	size_t n;
	struct work *w = works(&n);
	struct fz_base *b;
	fz_bases(&b);
	if (size < 1)
		return 0;
	size_t i = data[0] % n;
	struct fz_patch p[FZ_MAX_PATCHES];
	size_t np = fz_parse(data + 1, size - 1, w[i].regions, 4, p);
	write_patches(&w[i], p, np, false);

	struct rv_kdump_opts opts;
	fz_kdump_opts(&b[i], &opts);
	struct rv_target t;
	struct rv_error *err = rv_kdump_target_open(w[i].path, &opts, &t);
	if (err) {
		jv_free(rv_facts_salvaged(rv_facts_unreadable(err), w[i].path));
	} else {
		jv doc = rv_facts_collect(&t, b[i].section);
		(void)rv_facts_complete(doc);
		rv_kdump_target_close(&t);
	}
	write_patches(&w[i], p, np, true);
	return 0;
}

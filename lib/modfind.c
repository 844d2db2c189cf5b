// SPDX-License-Identifier: GPL-2.0-or-later
// The module debug-file finder (see modfind.h).

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dwarf_types.h"
#include "modfind.h"
#include "rv_file.h"

#define MAX_ROOTS 40
#define MAX_DEPTH 16		// below a root
#define MAX_FILES 100000	// module files kept over all roots

struct modfile {
	size_t root;		// index in roots[]
	char *base, *path;
};

struct rv_modfind {
	char *release;
	char *roots[MAX_ROOTS];
	size_t nroots;
	bool walked;
	struct modfile *files;
	size_t nfiles, cap;
};

static bool add_root(struct rv_modfind *mf, const char *dir)
{
	if (!dir || !*dir || mf->nroots == MAX_ROOTS)
		return true;
	for (size_t i = 0; i < mf->nroots; i++)
		if (!strcmp(mf->roots[i], dir))
			return true;	// each root once
	mf->roots[mf->nroots] = strdup(dir);
	return mf->roots[mf->nroots++] != NULL;
}

struct rv_error *rv_modfind_new(const char *release, const char *const *dirs,
				size_t ndirs, bool no_default,
				struct rv_modfind **ret)
{
	struct rv_modfind *mf = calloc(1, sizeof(*mf));
	if (!mf)
		return &rv_enomem;
	bool ok = (mf->release = strdup(release ? release : "")) != NULL;
	for (size_t i = 0; ok && i < ndirs; i++)
		ok = add_root(mf, dirs[i]);
	if (ok)
		ok = add_root(mf, getenv("RAIDVIRT_DEBUGINFO"));
	if (ok && !no_default && release && *release) {
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", RV_DEFAULT_MODULE_ROOT, release);
		ok = add_root(mf, p);
	}
	if (ok)
		ok = add_root(mf, getenv("CRASH_MODULE_PATH"));
	if (!ok) {
		rv_modfind_free(mf);
		return &rv_enomem;
	}
	*ret = mf;
	return NULL;
}

void rv_modfind_free(struct rv_modfind *mf)
{
	if (!mf)
		return;
	for (size_t i = 0; i < mf->nfiles; i++) {
		free(mf->files[i].base);
		free(mf->files[i].path);
	}
	free(mf->files);
	for (size_t i = 0; i < mf->nroots; i++)
		free(mf->roots[i]);
	free(mf->release);
	free(mf);
}

static bool is_module_file(const char *base)
{
	size_t n = strlen(base);
	return (n > 3 && !strcmp(base + n - 3, ".ko")) ||
	       (n > 9 && !strcmp(base + n - 9, ".ko.debug"));
}

static bool add_file(struct rv_modfind *mf, size_t root, const char *base,
		     const char *path)
{
	if (mf->nfiles == MAX_FILES)
		return true;	// bounded: the rest is not searched
	if (mf->nfiles == mf->cap) {
		size_t cap = mf->cap ? 2 * mf->cap : 256;
		struct modfile *f = realloc(mf->files, cap * sizeof(*f));
		if (!f)
			return false;
		mf->files = f;
		mf->cap = cap;
	}
	struct modfile *f = &mf->files[mf->nfiles];
	f->root = root;
	f->base = strdup(base);
	f->path = strdup(path);
	if (!f->base || !f->path) {
		free(f->base);
		free(f->path);
		return false;
	}
	mf->nfiles++;
	return true;
}

// Walk every root once; lookups are then by basename.
static struct rv_error *walk_roots(struct rv_modfind *mf)
{
	if (mf->walked)
		return NULL;
	for (size_t r = 0; r < mf->nroots; r++) {
		char *argv[] = { mf->roots[r], NULL };
		FTS *fts = fts_open(argv, FTS_PHYSICAL | FTS_NOCHDIR, NULL);
		if (!fts)
			continue;	// an unreadable root has no files
		FTSENT *e;
		bool ok = true;
		while (ok && (e = fts_read(fts))) {
			if (e->fts_info == FTS_D && e->fts_level >= MAX_DEPTH)
				fts_set(fts, e, FTS_SKIP);
			else if (e->fts_info == FTS_F && is_module_file(e->fts_name))
				ok = add_file(mf, r, e->fts_name, e->fts_path);
		}
		fts_close(fts);
		if (!ok)
			return &rv_enomem;
	}
	mf->walked = true;
	return NULL;
}

bool rv_elf_section(Elf *elf, const char *want, Elf_Scn **ret)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		return false;
	for (Elf_Scn *scn = NULL; (scn = elf_nextscn(elf, scn));) {
		GElf_Shdr sh;
		const char *name;
		if (gelf_getshdr(scn, &sh) && (name = elf_strptr(elf, shstrndx, sh.sh_name)) &&
		    !strcmp(name, want)) {
			*ret = scn;
			return true;
		}
	}
	return false;
}

// .modinfo: vermagic=RELEASE ..., and name=MODULE unless @p module is NULL
// (a file of another module under this name would decode nothing).
static struct rv_error *check_modinfo(const char *path, const char *release,
				      const char *module)
{
	elf_version(EV_CURRENT);
	int fd;
	struct rv_error *oerr = rv_file_open(path, "debug file", 0, &fd);
	if (oerr) {	// a FIFO or device named .ko is refused, never blocks
		struct rv_error *e = rv_error_format(RV_ERR_NODEBUG, "%s", oerr->msg);
		rv_error_destroy(oerr);
		return e;
	}
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	struct rv_error *err = NULL;
	Elf_Scn *scn;
	Elf_Data *data;
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		err = rv_error_format(RV_ERR_NODEBUG, "%s is not an ELF file", path);
	} else if (rv_elf_section(elf, ".modinfo", &scn) &&
		   (data = elf_getdata(scn, NULL)) && data->d_buf) {
		const char *p = data->d_buf, *end = p + data->d_size;
		const char *key = "vermagic=";
		size_t kl = strlen(key), rl = strlen(release);
		for (const char *q = p; module && q < end; q += strnlen(q, (size_t)(end - q)) + 1) {
			if ((size_t)(end - q) <= 5 || strncmp(q, "name=", 5))
				continue;
			size_t nl = strnlen(q + 5, (size_t)(end - q - 5)), ml = strlen(module);
			if (nl != ml || strncmp(q + 5, module, ml))
				err = rv_error_format(RV_ERR_NODEBUG,
						      "%s is the debug file of module %.*s, not %s",
						      path, (int)(nl < 64 ? nl : 64), q + 5, module);
			break;
		}
		for (; !err && p < end; p += strnlen(p, (size_t)(end - p)) + 1) {
			if ((size_t)(end - p) <= kl || strncmp(p, key, kl))
				continue;
			const char *v = p + kl;
			if ((size_t)(end - v) < rl + 1 || strncmp(v, release, rl) ||
			    (v[rl] != ' ' && v[rl] != '\0')) {
				size_t vl = strnlen(v, (size_t)(end - v));
				vl = strcspn(v, " ") < vl ? strcspn(v, " ") : vl;
				err = rv_error_format(RV_ERR_NODEBUG,
						      "%s is for release %.*s, the dump is %s",
						      path, (int)(vl < 64 ? vl : 64), v, release);
			}
			break;
		}
	}
	if (elf)
		elf_end(elf);
	close(fd);
	return err;
}

struct rv_error *rv_module_check_release(const char *path, const char *release)
{
	return check_modinfo(path, release, NULL);
}

// "a, b, c" of @p n strings (malloc'ed; NULL on ENOMEM).
static char *join(char *const *v, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++)
		len += strlen(v[i]) + 2;
	char *s = malloc(len), *p = s;
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? ", " : "", v[i]);
	return s;
}

struct rv_error *rv_modfind_lookup(struct rv_modfind *mf, const char *module,
				   char **ret_path)
{
	return rv_modfind_lookup_next(mf, module, 0, ret_path);
}

struct rv_error *rv_modfind_lookup_next(struct rv_modfind *mf, const char *module,
					unsigned int skip, char **ret_path)
{
	struct rv_error *err = walk_roots(mf);
	if (err)
		return err;
	// Module names use '_' where file names may use '-' (md_mod: md-mod.ko).
	char under[128], dash[128];
	snprintf(under, sizeof(under), "%s", module);
	for (char *c = under; *c; c++)
		if (*c == '-')
			*c = '_';
	snprintf(dash, sizeof(dash), "%s", under);
	for (char *c = dash; *c; c++)
		if (*c == '_')
			*c = '-';
	char want[4][160];
	snprintf(want[0], sizeof(want[0]), "%s.ko", under);
	snprintf(want[1], sizeof(want[1]), "%s.ko.debug", under);
	snprintf(want[2], sizeof(want[2]), "%s.ko", dash);
	snprintf(want[3], sizeof(want[3]), "%s.ko.debug", dash);

	bool two = strcmp(under, dash) != 0;
	char *rejected[8] = { NULL };
	size_t nrejected = 0;
	for (size_t r = 0; r < mf->nroots; r++) {
		for (size_t w = 0; w < (two ? 4u : 2u); w++) {
			for (size_t i = 0; i < mf->nfiles; i++) {
				const struct modfile *f = &mf->files[i];
				if (f->root != r || strcmp(f->base, want[w]))
					continue;
				err = check_modinfo(f->path, mf->release, under);
				if (!err && skip) {	// taken, and refused by the caller
					skip--;
					continue;
				}
				if (!err) {
					for (size_t k = 0; k < nrejected; k++)
						free(rejected[k]);
					*ret_path = strdup(f->path);
					return *ret_path ? NULL : &rv_enomem;
				}
				if (nrejected < sizeof(rejected) / sizeof(rejected[0]))
					rejected[nrejected] = strdup(err->msg);
				if (nrejected < sizeof(rejected) / sizeof(rejected[0]) &&
				    rejected[nrejected])
					nrejected++;
				rv_error_destroy(err);
			}
		}
	}
	char *roots = join(mf->roots, mf->nroots);
	char *why = join(rejected, nrejected);
	if (!roots || !why)
		err = &rv_enomem;
	else if (nrejected)
		err = rv_error_format(RV_ERR_NODEBUG, "no matching debuginfo for module %s: %s",
				      module, why);
	else if (!mf->nroots)
		err = rv_error_format(RV_ERR_NODEBUG,
				      "no debuginfo for module %s (no directory to search)", module);
	else
		err = rv_error_format(RV_ERR_NODEBUG,
				      "no debuginfo for module %s (no %s.ko%s%s%s or .ko.debug under %s)",
				      module, under, two ? " or " : "", two ? dash : "",
				      two ? ".ko" : "", roots);
	free(roots);
	free(why);
	for (size_t k = 0; k < nrejected; k++)
		free(rejected[k]);
	return err;
}

struct rv_error *rv_modfind_lookup_usable(struct rv_modfind *mf, const char *module,
					  char **ret_path, struct rv_dwarf **ret_dw)
{
	struct rv_dwarf *dw = NULL;
	struct rv_error *err = NULL;
	char *refused = NULL, *path = NULL;
	for (unsigned int skip = 0; !dw; skip++) {
		err = rv_modfind_lookup_next(mf, module, skip, &path);
		if (err)
			break;
		err = rv_dwarf_open(path, &dw);
		if (!err) {
			err = rv_dwarf_check_struct(dw, "module");
			if (err) {
				rv_dwarf_close(dw);
				dw = NULL;
			}
		}
		if (err) {
			free(path);
			path = NULL;
		}
		if (err && err->code == RV_ERR_NOMEM)
			break;
		if (err && refused && strstr(refused, err->msg)) {
			rv_error_destroy(err);	// the same file under two roots
			err = NULL;
		} else if (err) {
			char *r = NULL;
			if (asprintf(&r, "%s%s%s", refused ? refused : "", refused ? "; " : "",
				     err->msg) < 0)
				r = NULL;
			free(refused);
			refused = r;
			rv_error_destroy(err);
			err = NULL;
		}
	}
	if (!dw) {
		if (refused && (!err || err->code == RV_ERR_NODEBUG)) {
			rv_error_destroy(err);
			err = rv_error_format(RV_ERR_NODEBUG, "no usable debuginfo for module %s: %s",
					      module, refused);
		}
		free(refused);
		return err;
	}
	free(refused);
	rv_error_destroy(err);
	if (ret_dw)
		*ret_dw = dw;
	else
		rv_dwarf_close(dw);
	*ret_path = path;
	return NULL;
}

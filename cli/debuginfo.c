// SPDX-License-Identifier: GPL-2.0-or-later
// Finding and checking debug files; the vmlinux ELF symbol table.
// See debuginfo.h.

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "debuginfo.h"
#include "dwarf_types.h"
#include "debuginfod.h"
#include "modfind.h"
#include "rv_file.h"

// ---- a growable list of strings (searched paths, module files) ----

struct strlist {
	char **v;
	size_t n, cap;
};

static bool strlist_add(struct strlist *l, const char *s)
{
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, ncap * sizeof(*v));
		if (!v)
			return false;
		l->v = v;
		l->cap = ncap;
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		return false;
	l->n++;
	return true;
}

static void strlist_free(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

// "a, b, c" (malloc'd, possibly truncated to stay readable)
static char *strlist_join(const struct strlist *l)
{
	size_t size = 1;
	for (size_t i = 0; i < l->n; i++)
		size += strlen(l->v[i]) + 2;
	char *s = malloc(size);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, l->v[i]);
	}
	return s;
}

// ---- state ----

struct symbol {
	const char *name;	// in the ELF string table (mapped)
	uint64_t value;
	uint32_t hash;
	bool relocatable;
	bool global;
};

struct rv_debuginfo {
	struct rv_debuginfo_opts opts;
	char *release;
	char *build_id;		// hex, or NULL
	struct strlist roots;	// --debuginfo dirs, then $RAIDVIRT_DEBUGINFO
	// vmlinux
	char *vmlinux_path;
	int fd;
	Elf *elf;
	struct symbol *syms;
	size_t nsyms_cap;
	bool syms_loaded;
	bool vmlinux_fetched;		// from debuginfod, not a local file
	struct rv_modfind *modfind;	// module debug files, made on first use
};

struct rv_error *rv_debuginfo_new(const struct rv_debuginfo_opts *opts,
				  const char *release, const char *build_id,
				  struct rv_debuginfo **ret)
{
	struct rv_debuginfo *di = calloc(1, sizeof(*di));
	if (!di)
		return &rv_enomem;
	di->opts = *opts;
	di->fd = -1;
	di->release = strdup(release);
	di->build_id = build_id ? strdup(build_id) : NULL;
	bool ok = di->release && (!build_id || di->build_id);
	for (size_t i = 0; ok && i < opts->ndirs; i++)
		ok = strlist_add(&di->roots, opts->dirs[i]);
	// The crash extension honours the same variable.
	const char *env = getenv("RAIDVIRT_DEBUGINFO");
	if (ok && env && *env)
		ok = strlist_add(&di->roots, env);
	if (!ok) {
		rv_debuginfo_free(di);
		return &rv_enomem;
	}
	*ret = di;
	return NULL;
}

void rv_debuginfo_free(struct rv_debuginfo *di)
{
	if (!di)
		return;
	free(di->syms);
	if (di->elf)
		elf_end(di->elf);
	if (di->fd >= 0)
		close(di->fd);
	free(di->vmlinux_path);
	free(di->release);
	free(di->build_id);
	strlist_free(&di->roots);
	rv_modfind_free(di->modfind);
	free(di);
}

// ---- ELF helpers ----

// ---- vmlinux symbols ----

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct symbol *sym_slot(struct rv_debuginfo *di, const char *name, uint32_t h)
{
	size_t mask = di->nsyms_cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct symbol *s = &di->syms[i];
		if (!s->name || (s->hash == h && !strcmp(s->name, name)))
			return s;
	}
}

// KASLR moves what the kernel image maps (sections linked in the kernel
// half); the per-CPU section (linked at 0) and absolute symbols stay put.
static bool section_relocatable(Elf *elf, size_t shndx)
{
	GElf_Shdr sh;
	Elf_Scn *scn = elf_getscn(elf, shndx);
	return scn && gelf_getshdr(scn, &sh) && (sh.sh_flags & SHF_ALLOC) &&
	       sh.sh_addr >= UINT64_C(0xffff800000000000);
}

static struct rv_error *load_symbols(struct rv_debuginfo *di)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	for (Elf_Scn *s = elf_nextscn(di->elf, NULL); s; s = elf_nextscn(di->elf, s)) {
		if (gelf_getshdr(s, &sh) && sh.sh_type == SHT_SYMTAB) {
			scn = s;
			break;
		}
	}
	if (!scn)
		return rv_error_format(RV_ERR_NODEBUG, "%s has no symbol table (.symtab)",
				       di->vmlinux_path);
	gelf_getshdr(scn, &sh);
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	if (!data || !n)
		return rv_error_format(RV_ERR_NODEBUG, "%s: empty symbol table",
				       di->vmlinux_path);
	size_t cap = 1;
	while (cap < 2 * n)
		cap *= 2;
	di->syms = calloc(cap, sizeof(*di->syms));
	if (!di->syms)
		return &rv_enomem;
	di->nsyms_cap = cap;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(data, (int)i, &sym))
			continue;
		int type = GELF_ST_TYPE(sym.st_info);
		if (type == STT_SECTION || type == STT_FILE || sym.st_shndx == SHN_UNDEF)
			continue;
		const char *name = elf_strptr(di->elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		bool global = GELF_ST_BIND(sym.st_info) != STB_LOCAL;
		uint32_t h = str_hash(name);
		struct symbol *s = sym_slot(di, name, h);
		// Several static symbols may share a name: a global one wins,
		// else the first.
		if (s->name && (s->global || !global))
			continue;
		*s = (struct symbol){
			.name = name, .value = sym.st_value, .hash = h, .global = global,
			.relocatable = sym.st_shndx != SHN_ABS &&
				       sym.st_shndx < SHN_LORESERVE &&
				       section_relocatable(di->elf, sym.st_shndx),
		};
	}
	di->syms_loaded = true;
	return NULL;
}

struct rv_error *rv_debuginfo_symbol(struct rv_debuginfo *di, const char *name,
				     uint64_t *ret, bool *relocatable)
{
	if (!di->elf)
		return rv_error_format(RV_ERR_NODEBUG, "no vmlinux opened");
	if (!di->syms_loaded) {
		struct rv_error *err = load_symbols(di);
		if (err)
			return err;
	}
	struct symbol *s = sym_slot(di, name, str_hash(name));
	if (!s->name)
		return rv_error_format(RV_ERR_LOOKUP, "no symbol %s", name);
	*ret = s->value;
	*relocatable = s->relocatable;
	return NULL;
}

struct rv_error *rv_debuginfo_for_each_func(struct rv_debuginfo *di, rv_debuginfo_func_fn fn,
					    void *arg)
{
	if (!di->elf)
		return rv_error_format(RV_ERR_NODEBUG, "no vmlinux opened");
	for (Elf_Scn *scn = elf_nextscn(di->elf, NULL); scn; scn = elf_nextscn(di->elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 1; data && i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(data, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    sym.st_shndx >= SHN_LORESERVE)
				continue;
			// Functions, and the untyped labels of assembly code in
			// executable sections (entry_SYSCALL_64_after_hwframe).
			int type = GELF_ST_TYPE(sym.st_info);
			GElf_Shdr ss;
			if (type != STT_FUNC &&
			    (type != STT_NOTYPE ||
			     !gelf_getshdr(elf_getscn(di->elf, sym.st_shndx), &ss) ||
			     !(ss.sh_flags & SHF_EXECINSTR)))
				continue;
			const char *name = elf_strptr(di->elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			bool reloc = section_relocatable(di->elf, sym.st_shndx);
			struct rv_error *err = fn(name, sym.st_value, sym.st_size, reloc, arg);
			if (err)
				return err;
		}
		return NULL;
	}
	return rv_error_format(RV_ERR_NODEBUG, "%s has no symbol table (.symtab)",
			       di->vmlinux_path);
}

// ---- the vmlinux: finding and checking ----

// "Linux version 6.1.0-56-cloud-amd64 (...)" -> the release, from the ELF
// file's own copy of linux_banner.
static bool banner_release(struct rv_debuginfo *di, char *buf, size_t size)
{
	uint64_t addr;
	bool reloc;
	struct rv_error *err = rv_debuginfo_symbol(di, "linux_banner", &addr, &reloc);
	if (err) {
		rv_error_destroy(err);
		return false;
	}
	for (Elf_Scn *scn = elf_nextscn(di->elf, NULL); scn; scn = elf_nextscn(di->elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    addr < sh.sh_addr || addr >= sh.sh_addr + sh.sh_size)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data || !data->d_buf)
			return false;
		size_t off = addr - sh.sh_addr, avail = data->d_size - off;
		const char *p = (const char *)data->d_buf + off;
		const char *prefix = "Linux version ";
		size_t pl = strlen(prefix);
		if (avail <= pl || strncmp(p, prefix, pl))
			return false;
		p += pl;
		avail -= pl;
		size_t n = 0;
		while (n < avail && n + 1 < size && p[n] && p[n] != ' ')
			n++;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return true;
	}
	return false;
}

// A partial copy keeps its ELF header: compare what the section headers
// promise with the file size, so a cut file is called truncated and not
// "not a debug vmlinux". Sums are compared without wrapping.
static struct rv_error *check_elf_extent(Elf *elf, int fd, const char *path)
{
	struct stat st;
	GElf_Ehdr eh;
	if (fstat(fd, &st) || !gelf_getehdr(elf, &eh))
		return NULL;
	uint64_t size = (uint64_t)st.st_size;
	uint64_t shsize = (uint64_t)eh.e_shnum * eh.e_shentsize;
	if (eh.e_shoff > size || shsize > size - eh.e_shoff)
		return rv_error_format(RV_ERR_NODEBUG,
				       "%s: truncated: its section headers end at byte %" PRIu64
				       ", the file has %" PRIu64 " bytes",
				       path, eh.e_shoff + shsize, size);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx))
		shstrndx = 0;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > size || sh.sh_size > size - sh.sh_offset) {
			const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
			return rv_error_format(RV_ERR_NODEBUG,
					       "%s: truncated: section %s ends at byte %" PRIu64
					       ", the file has %" PRIu64 " bytes",
					       path, name ? name : "?", sh.sh_offset + sh.sh_size, size);
		}
	}
	return NULL;
}

static struct rv_error *check_vmlinux(struct rv_debuginfo *di, const char *path)
{
	struct rv_error *terr = check_elf_extent(di->elf, di->fd, path);
	if (terr)
		return terr;
	GElf_Ehdr eh;
	if (!gelf_getehdr(di->elf, &eh) || eh.e_machine != EM_X86_64 ||
	    gelf_getclass(di->elf) != ELFCLASS64 || eh.e_type != ET_EXEC)
		return rv_error_format(RV_ERR_NODEBUG,
				       "%s is not an x86_64 vmlinux (not an ELF64 x86_64 executable)",
				       path);
	Elf_Scn *scn;
	if (!rv_elf_section(di->elf, ".debug_info", &scn))
		return rv_error_format(RV_ERR_NODEBUG,
				       "%s has no DWARF debug info (.debug_info): not a debug vmlinux",
				       path);
	char id[129];
	rv_elf_build_id(di->elf, id, sizeof(id));
	if (di->build_id && id[0] && strcmp(id, di->build_id))
		return rv_error_format(RV_ERR_NODEBUG,
				       "%s does not match the dump: build id %s, the dump's kernel has %s",
				       path, id, di->build_id);
	char rel[128];
	if (!banner_release(di, rel, sizeof(rel)))
		return rv_error_format(RV_ERR_NODEBUG,
				       "%s is not a vmlinux (no readable linux_banner)", path);
	if (strcmp(rel, di->release))
		return rv_error_format(RV_ERR_NODEBUG,
				       "%s does not match the dump: it is release %s, the dump is %s",
				       path, rel, di->release);
	return NULL;
}

static struct rv_error *open_vmlinux(struct rv_debuginfo *di, const char *path)
{
	elf_version(EV_CURRENT);
	struct rv_error *oerr = rv_file_open(path, "debug file", 0, &di->fd);
	if (oerr) {
		di->fd = -1;
		struct rv_error *e = rv_error_format(RV_ERR_NODEBUG, "%s", oerr->msg);
		rv_error_destroy(oerr);
		return e;
	}
	di->elf = elf_begin(di->fd, ELF_C_READ_MMAP, NULL);
	di->vmlinux_path = strdup(path);
	if (!di->vmlinux_path)
		return &rv_enomem;
	struct rv_error *err = NULL;
	if (!di->elf || elf_kind(di->elf) != ELF_K_ELF)
		err = rv_error_format(RV_ERR_NODEBUG, "%s is not an ELF file", path);
	else
		err = check_vmlinux(di, path);
	if (err) {
		free(di->syms);
		di->syms = NULL;
		di->syms_loaded = false;
		if (di->elf)
			elf_end(di->elf);
		di->elf = NULL;
		close(di->fd);
		di->fd = -1;
		free(di->vmlinux_path);
		di->vmlinux_path = NULL;
	}
	return err;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

// Candidate paths of the vmlinux below one root.
static bool vmlinux_candidates(struct rv_debuginfo *di, const char *root,
			       struct strlist *out)
{
	char p[4096];
	bool ok = true;
	snprintf(p, sizeof(p), "%s/boot/vmlinux-%s", root, di->release);
	ok = ok && strlist_add(out, p);
	if (di->build_id && strlen(di->build_id) > 2) {
		snprintf(p, sizeof(p), "%s/.build-id/%.2s/%s.debug", root, di->build_id,
			 di->build_id + 2);
		ok = ok && strlist_add(out, p);
	}
	snprintf(p, sizeof(p), "%s/lib/modules/%s/vmlinux", root, di->release);
	ok = ok && strlist_add(out, p);
	snprintf(p, sizeof(p), "%s/vmlinux-%s", root, di->release);
	ok = ok && strlist_add(out, p);
	snprintf(p, sizeof(p), "%s/vmlinux", root);
	ok = ok && strlist_add(out, p);
	return ok;
}

struct rv_error *rv_debuginfo_vmlinux(struct rv_debuginfo *di, const char **ret_path)
{
	if (di->elf) {
		*ret_path = di->vmlinux_path;
		return NULL;
	}
	if (di->opts.vmlinux) {
		struct rv_error *err = open_vmlinux(di, di->opts.vmlinux);
		if (!err)
			*ret_path = di->vmlinux_path;
		return err;
	}
	struct strlist cand = { 0 }, mismatched = { 0 };
	bool ok = true;
	for (size_t i = 0; ok && i < di->roots.n; i++)
		ok = vmlinux_candidates(di, di->roots.v[i], &cand);
	if (ok && !di->opts.no_default)
		ok = vmlinux_candidates(di, RV_DEFAULT_DEBUG_ROOT, &cand);
	struct rv_error *err = NULL;
	for (size_t i = 0; ok && i < cand.n; i++) {
		if (!is_file(cand.v[i]))
			continue;
		err = open_vmlinux(di, cand.v[i]);
		if (!err) {
			strlist_free(&cand);
			strlist_free(&mismatched);
			*ret_path = di->vmlinux_path;
			return NULL;
		}
		ok = strlist_add(&mismatched, err->msg);
		rv_error_destroy(err);
	}
	char *searched = ok ? strlist_join(&cand) : NULL;
	char *rejected = ok ? strlist_join(&mismatched) : NULL;
	if (!searched || !rejected)
		err = &rv_enomem;
	else if (mismatched.n)
		err = rv_error_format(RV_ERR_NODEBUG,
				      "no matching vmlinux for release %s: %s; pass --vmlinux FILE",
				      di->release, rejected);
	else if (!cand.n)
		err = rv_error_format(RV_ERR_NODEBUG,
				      "no vmlinux for release %s: nothing to search "
				      "(--no-default-debuginfo and no --debuginfo); pass --vmlinux FILE",
				      di->release);
	else
		err = rv_error_format(RV_ERR_NODEBUG,
				      "no vmlinux with debug info for release %s (searched %s); "
				      "install the kernel's debug package or pass --vmlinux FILE or --debuginfo DIR",
				      di->release, searched);
	free(searched);
	free(rejected);
	strlist_free(&cand);
	strlist_free(&mismatched);
	// No local file: the debuginfod servers, by the dump's build id.
	if (err->code == RV_ERR_NODEBUG && rv_debuginfod_enabled()) {
		char what[192], *path = NULL;
		snprintf(what, sizeof(what), "vmlinux %s", di->release);
		struct rv_error *ferr = rv_debuginfod_fetch(di->build_id, what, di->opts.progress,
							    &path);
		if (!ferr) {
			ferr = open_vmlinux(di, path);
			free(path);
			if (!ferr) {
				rv_error_destroy(err);
				di->vmlinux_fetched = true;
				*ret_path = di->vmlinux_path;
				return NULL;
			}
		}
		struct rv_error *both = rv_error_format(RV_ERR_NODEBUG, "%s; and %s", err->msg,
							ferr->msg);
		rv_error_destroy(ferr);
		rv_error_destroy(err);
		err = both;
	}
	return err;
}

bool rv_debuginfo_vmlinux_fetched(const struct rv_debuginfo *di)
{
	return di->vmlinux_fetched;
}

struct rv_error *rv_debuginfo_module_fetch(struct rv_debuginfo *di, const char *module,
					   const char *build_id, char **ret_path)
{
	char what[128];
	snprintf(what, sizeof(what), "module %s", module);
	return rv_debuginfod_fetch(build_id, what, di->opts.progress, ret_path);
}

// ---- modules: lib/modfind.c, over the --debuginfo roots ----

struct rv_error *rv_debuginfo_module(struct rv_debuginfo *di, const char *module,
				     char **ret_path, struct rv_dwarf **ret_dw)
{
	if (!di->modfind) {
		struct rv_error *err = rv_modfind_new(di->release, di->opts.dirs, di->opts.ndirs,
						      di->opts.no_default, &di->modfind);
		if (err)
			return err;
	}
	return rv_modfind_lookup_usable(di->modfind, module, ret_path, ret_dw);
}

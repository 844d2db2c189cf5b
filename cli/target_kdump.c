// SPDX-License-Identifier: GPL-2.0-or-later
// The libkdumpfile + libdw `target` backend. See target_kdump.h.

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf_types.h"
#include "debuginfo.h"
#include "debuginfod.h"
#include "dumpfile.h"
#include "dwarf_types.h"
#include "facts.h"
#include "kallsyms.h"
#include "kmodule.h"
#include "symtab.h"
#include "target_kdump.h"
#include "type_source.h"

// Sanity bounds on values read from the dump.
#define MAX_DEBUG_FILES 64		// vmlinux + modules with debug info
#define MAX_MODULE_SYMS (1u << 20)	// num_symtab of one module
#define MAX_MODULE_STRTAB (16u << 20)	// bytes of one module's strtab
#define MAX_BTF_BYTES (64u << 20)	// one BTF blob (vmlinux 6.1: 4 MiB, 6.12: 6 MiB)

struct module_symbol {
	char *name;
	uint64_t value;
	uint64_t size;		// st_size
	bool func;		// a function (its text)
};

/** One kernel's debug info in a struct rv_debug_cache. */
struct cache_entry {
	char *build_id, *release;
	struct rv_debuginfo *di;
	const char *vmlinux_path;	// owned by di
	struct rv_dwarf *files[MAX_DEBUG_FILES];
	char *file_module[MAX_DEBUG_FILES];
	size_t nfiles;
	bool in_use;			// lent to an open target
};

#define MAX_CACHED_KERNELS 16

struct rv_debug_cache {
	struct cache_entry e[MAX_CACHED_KERNELS];
	size_t n;
	unsigned int hits, misses;
};

struct kdump_priv {
	struct rv_dumpfile *dump;
	// the debug info came from / goes back to this cache entry, or is
	// given to the cache under this build id when the target closes
	struct rv_debug_cache *cache;
	struct cache_entry *cached;
	char *cache_id;
	struct rv_debuginfo *di;
	rv_progress_fn progress;
	const char *vmlinux_path;
	uint64_t kaslr;
	// types: vmlinux first, then module debug files in load order
	struct rv_dwarf *files[MAX_DEBUG_FILES];
	char *file_module[MAX_DEBUG_FILES];	// module name, NULL for vmlinux
	struct rv_types types;
	// or: types from the dump's BTF, symbols from its kallsyms
	struct rv_btf *btf;
	struct rv_kallsyms *kallsyms;
	struct rv_type_source source;	// answers the layout questions
	// symbols of the modules in the dump (kallsyms), loaded on first use
	bool modsyms_loaded;
	struct module_symbol *modsyms;
	size_t nmodsyms, modsyms_cap;
	// address -> function (rv_symbolize), built on first use
	bool funcs_loaded;
	struct rv_error *funcs_err;
	struct rv_symtab funcs;
};

static struct kdump_priv *priv(struct rv_target *t)
{
	return t->priv;
}

// ---- memory, types, VMCOREINFO ----

static struct rv_error *kd_read(struct rv_target *t, rv_addr_t addr, void *buf,
				size_t len)
{
	return rv_dumpfile_read(priv(t)->dump, addr, buf, len);
}

static struct rv_error *kd_type_size(struct rv_target *t, const char *type,
				     uint64_t *ret)
{
	struct kdump_priv *p = priv(t);
	return p->source.ops->size(p->source.src, type, ret);
}

static struct rv_error *kd_member(struct rv_target *t, const char *type,
				  const char *path, struct rv_member *ret)
{
	struct kdump_priv *p = priv(t);
	return p->source.ops->member(p->source.src, type, path, ret);
}

static struct rv_error *kd_enum_value(struct rv_target *t, const char *name,
				      int64_t *ret)
{
	struct kdump_priv *p = priv(t);
	return p->source.ops->enum_value(p->source.src, name, ret);
}

static struct rv_error *kd_enumerators(struct rv_target *t, const char *type,
				       rv_enumerator_fn visit, void *arg)
{
	struct kdump_priv *p = priv(t);
	return p->source.ops->enumerators(p->source.src, type, visit, arg);
}

static struct rv_error *kd_vmcoreinfo(struct rv_target *t, const char *key,
				      char **ret)
{
	return rv_dumpfile_vmcoreinfo(priv(t)->dump, key, ret);
}

// ---- the modules of the dump ----

static struct rv_error *kd_dump_file(struct rv_target *t, struct rv_dump_file *ret)
{
	return rv_dumpfile_notes(priv(t)->dump, ret);
}

static void module_name_normalize(const char *in, char *out, size_t size)
{
	snprintf(out, size, "%s", in);
	for (char *c = out; *c; c++)
		if (*c == '-')
			*c = '_';
}

struct find_module_arg {
	const char *want;
	rv_addr_t found;
};

static struct rv_error *find_module_cb(struct rv_target *t, rv_addr_t mod,
				       const char *name, void *arg, bool *stop)
{
	struct find_module_arg *a = arg;
	if (!strcmp(name, a->want)) {
		a->found = mod;
		*stop = true;
	}
	return NULL;
}

// ---- module symbols (kallsyms kept in each struct module) ----

static bool modsym_add(struct kdump_priv *p, const char *name, const Elf64_Sym *sym)
{
	if (p->nmodsyms == p->modsyms_cap) {
		size_t ncap = p->modsyms_cap ? p->modsyms_cap * 2 : 1024;
		struct module_symbol *v = realloc(p->modsyms, ncap * sizeof(*v));
		if (!v)
			return false;
		p->modsyms = v;
		p->modsyms_cap = ncap;
	}
	char *copy = strdup(name);
	if (!copy)
		return false;
	// st_info keeps its ELF meaning since v5.2 ("kallsyms: store type
	// information in its own array": mod_kallsyms.typetab); before, the
	// kernel overwrote it with the type letter.
	bool func = ELF64_ST_TYPE(sym->st_info) == STT_FUNC || sym->st_info == 't' ||
		    sym->st_info == 'T';
	p->modsyms[p->nmodsyms++] = (struct module_symbol){ copy, sym->st_value, sym->st_size,
							    func };
	return true;
}

/**
 * Where a module keeps its symbol table: struct mod_kallsyms behind
 * mod->kallsyms since v4.5 (commit 8244062ef1e5 "modules: fix longstanding
 * /proc/kallsyms vs module insertion race."), struct module itself before.
 */
static struct rv_error *module_kallsyms(struct rv_target *t, rv_addr_t mod,
					rv_addr_t *ret_obj, const char **ret_type)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, "struct module", "kallsyms", &m);
	if (err) {
		if (err->code != RV_ERR_LOOKUP)
			return err;
		rv_error_destroy(err);
		*ret_obj = mod;
		*ret_type = "struct module";
		return NULL;
	}
	uint64_t ks;
	err = rv_read_member(t, mod, "struct module", "kallsyms", &ks);
	if (err)
		return err;
	*ret_obj = ks;
	*ret_type = "struct mod_kallsyms";
	return NULL;
}

static struct rv_error *load_module_symbols_cb(struct rv_target *t, rv_addr_t mod,
					       const char *name, void *arg, bool *stop)
{
	struct kdump_priv *p = priv(t);
	rv_addr_t ks;
	const char *type;
	uint64_t symtab, num, strtab;
	struct rv_error *err = module_kallsyms(t, mod, &ks, &type);
	if (!err)
		err = rv_read_member(t, ks, type, "symtab", &symtab);
	if (!err)
		err = rv_read_member(t, ks, type, "num_symtab", &num);
	if (!err)
		err = rv_read_member(t, ks, type, "strtab", &strtab);
	if (err)
		return rv_error_wrap(err, "kallsyms of module %s", name);
	if (num > MAX_MODULE_SYMS)
		return rv_error_format(RV_ERR_CORRUPT,
				       "module %s: num_symtab %" PRIu64 " is implausible (limit %u)",
				       name, num, MAX_MODULE_SYMS);
	if (!num)
		return NULL;
	// The symbols are Elf64_Sym, an ABI layout (elf.h), not a kernel one.
	Elf64_Sym *syms = calloc(num, sizeof(*syms));
	if (!syms)
		return &rv_enomem;
	err = rv_read(t, symtab, syms, num * sizeof(*syms));
	uint32_t max_name = 0;
	for (uint64_t i = 0; !err && i < num; i++)
		if (syms[i].st_name > max_name)
			max_name = syms[i].st_name;
	size_t strsize = (size_t)max_name + 256;
	char *str = NULL;
	if (!err && strsize > MAX_MODULE_STRTAB)
		err = rv_error_format(RV_ERR_CORRUPT, "module %s: strtab of %zu bytes is implausible",
				      name, strsize);
	if (!err && !(str = malloc(strsize)))
		err = &rv_enomem;
	// One read for the whole table; it may end near an unmapped page, so
	// fall back to reading names one by one.
	bool bulk = false;
	if (!err) {
		struct rv_error *e = rv_read(t, strtab, str, strsize);
		bulk = !e;
		rv_error_destroy(e);
	}
	for (uint64_t i = 0; !err && i < num; i++) {
		if (!syms[i].st_name || syms[i].st_shndx == SHN_UNDEF)
			continue;
		char one[256];
		const char *sname = one;
		if (bulk && memchr(str + syms[i].st_name, '\0', strsize - syms[i].st_name)) {
			sname = str + syms[i].st_name;
		} else {
			struct rv_error *e = rv_read_cstr(t, strtab + syms[i].st_name, one,
							  sizeof(one));
			if (e) {
				rv_error_destroy(e);
				continue;
			}
		}
		if (*sname && !modsym_add(p, sname, &syms[i]))
			err = &rv_enomem;
	}
	free(str);
	free(syms);
	return err ? rv_error_wrap(err, "symbols of module %s", name) : NULL;
}

static struct rv_error *load_module_symbols(struct rv_target *t)
{
	struct kdump_priv *p = priv(t);
	if (!p->modsyms_loaded) {
		p->modsyms_loaded = true;	// once, even if a module fails
		struct rv_error *err = rv_module_for_each(t, load_module_symbols_cb, NULL);
		if (err && err->code == RV_ERR_NOMEM)
			return err;
		// A module with unreadable kallsyms loses its symbols only.
		rv_error_destroy(err);
	}
	return NULL;
}

static struct rv_error *module_symbol(struct rv_target *t, const char *name,
				      rv_addr_t *ret)
{
	struct kdump_priv *p = priv(t);
	struct rv_error *err = load_module_symbols(t);
	if (err)
		return err;
	for (size_t i = 0; i < p->nmodsyms; i++) {
		if (!strcmp(p->modsyms[i].name, name)) {
			*ret = p->modsyms[i].value;
			return NULL;
		}
	}
	return rv_error_format(RV_ERR_LOOKUP, "no symbol %s", name);
}

static struct rv_error *kd_symbol(struct rv_target *t, const char *name,
				  rv_addr_t *ret)
{
	struct kdump_priv *p = priv(t);
	uint64_t v;
	bool reloc;
	struct rv_error *err;
	if (p->kallsyms) {
		// kallsyms leaves its own tables out; VMCOREINFO names them.
		err = rv_kallsyms_lookup(p->kallsyms, name, ret);
		if (err && err->code == RV_ERR_LOOKUP) {
			rv_error_destroy(err);
			err = rv_vmcoreinfo_symbol(t, name, ret);
		}
	} else {
		err = rv_debuginfo_symbol(p->di, name, &v, &reloc);
		if (!err)
			*ret = reloc ? v + p->kaslr : v;
	}
	if (!err || err->code != RV_ERR_LOOKUP)
		return err;
	rv_error_destroy(err);
	return module_symbol(t, name, ret);
}

// ---- address -> function ----

static struct rv_error *add_vmlinux_func(const char *name, uint64_t value, uint64_t size,
					 bool relocatable, void *arg)
{
	struct kdump_priv *p = arg;
	return rv_symtab_add(&p->funcs, name, relocatable ? value + p->kaslr : value, size);
}

static struct rv_error *add_kallsyms_func(const char *name, char type, uint64_t addr,
					  void *arg)
{
	struct kdump_priv *p = arg;
	if (type != 't' && type != 'T')
		return NULL;
	return rv_symtab_add(&p->funcs, name, addr, 0);
}

// The functions of the vmlinux (its symbol table, or the dump's kallsyms)
// and of the loaded modules (their kallsyms), in one table.
static struct rv_error *load_funcs(struct rv_target *t)
{
	struct kdump_priv *p = priv(t);
	p->funcs_loaded = true;
	rv_symtab_init(&p->funcs);
	struct rv_error *err = p->kallsyms ?
		rv_kallsyms_for_each(p->kallsyms, add_kallsyms_func, p) :
		rv_debuginfo_for_each_func(p->di, add_vmlinux_func, p);
	if (!err)
		err = load_module_symbols(t);
	for (size_t i = 0; !err && i < p->nmodsyms; i++)
		if (p->modsyms[i].func)
			err = rv_symtab_add(&p->funcs, p->modsyms[i].name, p->modsyms[i].value,
					    p->modsyms[i].size);
	return err ? rv_error_wrap(err, "function symbols") : NULL;
}

static struct rv_error *kd_symbolize(struct rv_target *t, rv_addr_t addr, char *name,
				     size_t size, uint64_t *offset)
{
	struct kdump_priv *p = priv(t);
	if (!p->funcs_loaded)
		p->funcs_err = load_funcs(t);
	if (p->funcs_err)
		return rv_error_format(p->funcs_err->code, "%s", p->funcs_err->msg);
	return rv_symtab_find(&p->funcs, addr, name, size, offset);
}

// ---- module debug info ----

/**
 * Where the kernel keeps a module's BTF (CONFIG_DEBUG_INFO_BTF_MODULES,
 * v5.11): mod->btf_data points at the module's .BTF section only until the
 * module is live (do_init_module() then clears it: the section is not
 * SHF_ALLOC); the parsed copy stays on the btf_modules list (kernel/bpf/
 * btf.c: struct btf_module { list, module, btf }, struct btf { data,
 * data_size }). Layouts of both come from the BTF itself.
 */
static struct rv_error *module_btf_location(struct rv_target *t, rv_addr_t mod,
					    const char *name, uint64_t *addr, uint64_t *size)
{
	*addr = *size = 0;
	struct rv_error *err = NULL;
	if (rv_member_exists(t, "struct module", "btf_data")) {
		err = rv_read_member(t, mod, "struct module", "btf_data", addr);
		if (!err && *addr)
			err = rv_read_member(t, mod, "struct module", "btf_data_size", size);
		if (err)
			return err;
		if (*addr && *size)
			return NULL;
	}
	rv_addr_t head, node;
	err = rv_symbol(t, "btf_modules", &head);
	if (err) {
		rv_error_destroy(err);
		return rv_error_format(RV_ERR_NODEBUG,
				       "module %s: no BTF in the dump (no btf_modules list: "
				       "kernel without CONFIG_DEBUG_INFO_BTF_MODULES)", name);
	}
	struct rv_list_iter it;
	rv_list_iter_init(&it, t, head);
	while (!(err = rv_list_iter_next(&it, &node)) && node) {
		rv_addr_t bm;
		uint64_t m, btf;
		err = rv_container_of(t, node, "struct btf_module", "list", &bm);
		if (!err)
			err = rv_read_member(t, bm, "struct btf_module", "module", &m);
		if (err)
			break;
		if (m != mod)
			continue;
		err = rv_read_member(t, bm, "struct btf_module", "btf", &btf);
		if (!err)
			err = rv_read_member(t, btf, "struct btf", "data", addr);
		if (!err)
			err = rv_read_member(t, btf, "struct btf", "data_size", size);
		break;
	}
	if (err)
		return rv_error_wrap(err, "btf_modules list");
	if (!*addr || !*size)
		return rv_error_format(RV_ERR_NODEBUG,
				       "module %s: no BTF in the dump (not on the kernel's "
				       "btf_modules list: built without BTF?)", name);
	return NULL;
}

static struct rv_error *load_module_btf(struct rv_target *t, rv_addr_t mod,
					const char *name)
{
	struct kdump_priv *p = priv(t);
	uint64_t addr, size;
	struct rv_error *err = module_btf_location(t, mod, name, &addr, &size);
	if (err)
		return err;
	if (size > MAX_BTF_BYTES)
		return rv_error_format(RV_ERR_CORRUPT, "module %s: BTF of %" PRIu64
				       " bytes is implausible", name, size);
	void *buf = malloc(size);
	if (!buf)
		return &rv_enomem;
	err = rv_read(t, addr, buf, size);
	if (!err)
		err = rv_btf_add_module(p->btf, name, buf, size);
	free(buf);
	return err ? rv_error_wrap(err, "BTF of module %s", name) : NULL;
}

/**
 * The debug file of module @p name (struct module at @p mod) from debuginfod,
 * by the build id of its notes, when the local search gave @p local_err
 * (consumed). NULL and *ret_dw, or one error with both reasons.
 */
static struct rv_error *module_from_debuginfod(struct rv_target *t, struct kdump_priv *p,
					       rv_addr_t mod, const char *name,
					       struct rv_error *local_err, struct rv_dwarf **ret_dw)
{
	char id[129], *path = NULL;
	struct rv_dwarf *dw = NULL;
	struct rv_error *err = rv_module_build_id(t, mod, id, sizeof(id));
	if (!err)
		err = rv_debuginfo_module_fetch(p->di, name, id, &path);
	else
		err = rv_error_wrap(err, "module %s: no build id for debuginfod", name);
	if (!err) {
		err = rv_dwarf_open(path, &dw);
		if (!err && (err = rv_dwarf_check_struct(dw, "module"))) {
			rv_dwarf_close(dw);
			dw = NULL;
		}
		free(path);
	}
	if (!err) {
		rv_error_destroy(local_err);
		*ret_dw = dw;
		return NULL;
	}
	struct rv_error *both = err->code == RV_ERR_NOMEM ? &rv_enomem :
		rv_error_format(RV_ERR_NODEBUG, "%s; and %s", local_err->msg, err->msg);
	rv_error_destroy(err);
	rv_error_destroy(local_err);
	return both;
}

static struct rv_error *kd_module_debuginfo(struct rv_target *t, const char *module)
{
	struct kdump_priv *p = priv(t);
	char name[64];
	module_name_normalize(module, name, sizeof(name));
	for (size_t i = 0; i < p->types.nfiles; i++) {
		if (p->file_module[i] && !strcmp(p->file_module[i], name))
			return NULL;
	}
	if (p->btf && rv_btf_has_module(p->btf, name))
		return NULL;
	struct find_module_arg a = { .want = name };
	struct rv_error *err = rv_module_for_each(t, find_module_cb, &a);
	if (err)
		return err;
	if (!a.found)
		return rv_error_format(RV_ERR_ABSENT, "module %s is not loaded in this dump",
				       name);
	if (p->btf)
		return load_module_btf(t, a.found, name);
	if (p->types.nfiles == MAX_DEBUG_FILES)
		return rv_error_format(RV_ERR_NODEBUG, "too many module debug files (limit %d)",
				       MAX_DEBUG_FILES);
	// The first candidate whose DWARF is readable and defines struct
	// module (lib/modfind.c): a damaged file under --debuginfo must not
	// hide a good one in /usr/lib/debug.
	struct rv_dwarf *dw = NULL;
	char *path = NULL;
	err = rv_debuginfo_module(p->di, name, &path, &dw);
	// No usable local file: the debuginfod servers, by the build id the
	// dump keeps in the module's notes.
	if (err && err->code == RV_ERR_NODEBUG && rv_debuginfod_enabled())
		err = module_from_debuginfod(t, p, a.found, name, err, &dw);
	if (err)
		return err;
	free(path);
	char *copy = strdup(name);
	if (!copy) {
		rv_dwarf_close(dw);
		return &rv_enomem;
	}
	p->files[p->types.nfiles] = dw;
	p->file_module[p->types.nfiles] = copy;
	p->types.nfiles++;
	return NULL;
}

static const struct rv_target_ops kdump_target_ops = {
	.name = "kdump",
	.read = kd_read,
	.symbol = kd_symbol,
	.symbolize = kd_symbolize,
	.type_size = kd_type_size,
	.member = kd_member,
	.enum_value = kd_enum_value,
	.enumerators = kd_enumerators,
	.module_debuginfo = kd_module_debuginfo,
	.vmcoreinfo = kd_vmcoreinfo,
	.dump_file = kd_dump_file,
};

// ---- opening ----

/**
 * The KASLR offset: VMCOREINFO KERNELOFFSET (v4.4+, hex), and a check that
 * the vmlinux's _stext moved by it is where VMCOREINFO says _stext is.
 */
static struct rv_error *kaslr_offset(struct kdump_priv *p)
{
	int64_t off = 0, stext_dump;
	uint64_t stext;
	bool reloc;
	struct rv_error *err = rv_dumpfile_vmcoreinfo_num(p->dump, "KERNELOFFSET", &off);
	rv_error_destroy(err);	// absent: no KASLR (or a kernel before v4.4)
	bool have_off = !err;
	err = rv_dumpfile_vmcoreinfo_num(p->dump, "SYMBOL(_stext)", &stext_dump);
	if (err) {
		rv_error_destroy(err);
		p->kaslr = (uint64_t)off;
		return NULL;
	}
	err = rv_debuginfo_symbol(p->di, "_stext", &stext, &reloc);
	if (err)
		return rv_error_wrap(err, "%s", p->vmlinux_path);
	if (!have_off)
		off = (int64_t)((uint64_t)stext_dump - stext);
	if (stext + (uint64_t)off != (uint64_t)stext_dump)
		return rv_error_format(RV_ERR_NODEBUG,
				       "%s does not match the dump: _stext is %#" PRIx64
				       " + KERNELOFFSET %#" PRIx64 ", the dump has %#" PRIx64,
				       p->vmlinux_path, stext, (uint64_t)off, (uint64_t)stext_dump);
	p->kaslr = (uint64_t)off;
	return NULL;
}

// The target answers from p->files (vmlinux first): what the facts say of it.
static void use_dwarf(struct rv_target *t, struct kdump_priv *p)
{
	p->source = (struct rv_type_source){ &rv_dwarf_source_ops, &p->types };
	t->types_from = "dwarf";
	t->symbols_from = "vmlinux";
	rv_dwarf_build_id(p->files[0], t->debug_build_id, sizeof(t->debug_build_id));
	t->debuginfo_from = rv_debuginfo_vmlinux_fetched(p->di) ? "debuginfod" : "local";
}

// Types from the vmlinux's DWARF, symbols from its symbol table.
static struct rv_error *open_dwarf(struct rv_target *t, struct kdump_priv *p)
{
	struct rv_error *err = rv_debuginfo_vmlinux(p->di, &p->vmlinux_path);
	if (!err)
		err = kaslr_offset(p);
	if (!err)
		err = rv_dwarf_open(p->vmlinux_path, &p->files[0]);
	// The first type every section needs: a zeroed .debug_abbrev shows
	// here as damaged debug info, not as a missing type later.
	if (!err)
		err = rv_dwarf_check_struct(p->files[0], "module");
	if (err) {
		p->vmlinux_path = NULL;
		return err;
	}
	rv_dwarf_set_progress(p->files[0], p->progress);
	p->types.files = p->files;
	p->types.nfiles = 1;
	use_dwarf(t, p);
	return NULL;
}

/**
 * Symbols from the dump's kallsyms, types from the vmlinux BTF the kernel
 * keeps between __start_BTF and __stop_BTF (CONFIG_DEBUG_INFO_BTF, v5.2).
 */
static struct rv_error *open_btf(struct rv_target *t, struct kdump_priv *p)
{
	struct rv_error *err = rv_kallsyms_load(t, &p->kallsyms);
	if (err)
		return rv_error_wrap(err, "types from the dump's BTF need its kallsyms");
	uint64_t start, stop;
	err = rv_kallsyms_lookup(p->kallsyms, "__start_BTF", &start);
	if (!err)
		err = rv_kallsyms_lookup(p->kallsyms, "__stop_BTF", &stop);
	if (err) {
		rv_error_destroy(err);
		return rv_error_format(RV_ERR_NODEBUG, "no BTF: the kernel's kallsyms have no "
				       "__start_BTF/__stop_BTF (built without CONFIG_DEBUG_INFO_BTF)");
	}
	if (stop <= start || stop - start > MAX_BTF_BYTES)
		return rv_error_format(RV_ERR_CORRUPT, "no BTF: __start_BTF %#" PRIx64
				       " .. __stop_BTF %#" PRIx64 " is implausible", start, stop);
	void *buf = malloc(stop - start);
	if (!buf)
		return &rv_enomem;
	err = rv_read(t, start, buf, stop - start);
	if (!err)
		err = rv_btf_new(buf, stop - start, &p->btf);
	free(buf);
	if (err)
		return rv_error_wrap(err, "vmlinux BTF");
	int64_t off = 0;
	struct rv_error *e = rv_dumpfile_vmcoreinfo_num(p->dump, "KERNELOFFSET", &off);
	rv_error_destroy(e);	// absent: no KASLR
	p->kaslr = (uint64_t)off;
	p->source = (struct rv_type_source){ &rv_btf_source_ops, p->btf };
	t->types_from = "btf";
	t->symbols_from = "kallsyms";
	return NULL;
}

// Where the debug files of @p release come from (for the error message).
static void debug_package_hint(const char *release, const char *build_id,
			       char *buf, size_t size)
{
	int n;
	if (strstr(release, ".el") || strstr(release, ".fc"))
		n = snprintf(buf, size, "install kernel-debuginfo-%s (debuginfo-install "
			     "kernel-%s)", release, release);
	else if (strstr(release, "-generic") || strstr(release, "-aws") ||
		 strstr(release, "-azure") || strstr(release, "-gcp"))
		n = snprintf(buf, size, "install linux-image-unsigned-%s-dbgsym", release);
	else
		n = snprintf(buf, size, "install linux-image-%s-dbg (Debian) or the kernel's "
			     "debug package", release);
	if (n < 0 || (size_t)n >= size)
		return;
	if (build_id && *build_id)
		snprintf(buf + n, size - n, ", or fetch the vmlinux from a debuginfod server: "
			 "debuginfod-find debuginfo %s", build_id);
	else
		snprintf(buf + n, size - n, ", or fetch the vmlinux from a debuginfod server "
			 "by its build id (debuginfod-find debuginfo BUILD-ID; this dump's "
			 "VMCOREINFO has no BUILD-ID, v5.9+)");
}

/**
 * Open @p p's types from the cache entry of @p build_id and the dump's
 * release: false when there is none (or it is lent out), else true and in
 * *ret the result of checking the dump against it (KASLR offset, _stext).
 */
static bool open_cached(struct rv_target *t, struct kdump_priv *p,
			struct rv_debug_cache *c, const char *build_id, struct rv_error **ret)
{
	const char *release = rv_dumpfile_release(p->dump);
	struct cache_entry *e = NULL;
	for (size_t i = 0; i < c->n && !e; i++)
		if (!c->e[i].in_use && !strcmp(c->e[i].build_id, build_id) &&
		    !strcmp(c->e[i].release, release))
			e = &c->e[i];
	if (!e) {
		c->misses++;
		return false;
	}
	c->hits++;
	e->in_use = true;
	p->cached = e;
	p->di = e->di;
	p->vmlinux_path = e->vmlinux_path;
	memcpy(p->files, e->files, sizeof(p->files));
	memcpy(p->file_module, e->file_module, sizeof(p->file_module));
	p->types.files = p->files;
	p->types.nfiles = e->nfiles;
	if ((*ret = kaslr_offset(p)))
		return true;
	for (size_t i = 0; i < e->nfiles; i++)
		rv_dwarf_set_progress(p->files[i], p->progress);
	use_dwarf(t, p);
	*ret = NULL;
	return true;
}

/**
 * On close: give @p p's debug info back to its cache entry (with the module
 * files this dump added), or to a new entry. Returns true when the cache
 * took it (the caller must not free it).
 */
static bool cache_keep(struct kdump_priv *p)
{
	struct cache_entry *e = p->cached;
	if (!e && p->cache && p->cache_id && p->vmlinux_path && !p->btf &&
	    p->cache->n < MAX_CACHED_KERNELS) {
		char *release = strdup(rv_dumpfile_release(p->dump));
		if (release) {
			e = &p->cache->e[p->cache->n++];
			*e = (struct cache_entry){ .build_id = p->cache_id, .release = release,
						   .di = p->di, .vmlinux_path = p->vmlinux_path };
			p->cache_id = NULL;
		}
	}
	if (!e)
		return false;
	memcpy(e->files, p->files, sizeof(e->files));
	memcpy(e->file_module, p->file_module, sizeof(e->file_module));
	e->nfiles = p->types.nfiles;
	e->in_use = false;
	for (size_t i = 0; i < e->nfiles; i++)
		rv_dwarf_set_progress(e->files[i], NULL);
	return true;
}

struct rv_debug_cache *rv_debug_cache_new(void)
{
	return calloc(1, sizeof(struct rv_debug_cache));
}

void rv_debug_cache_free(struct rv_debug_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		struct cache_entry *e = &c->e[i];
		for (size_t j = 0; j < MAX_DEBUG_FILES; j++) {
			rv_dwarf_close(e->files[j]);
			free(e->file_module[j]);
		}
		rv_debuginfo_free(e->di);
		free(e->build_id);
		free(e->release);
	}
	free(c);
}

void rv_debug_cache_stats(const struct rv_debug_cache *c, unsigned int *hits,
			  unsigned int *misses)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
}

static struct rv_error *open_priv(struct rv_target *t, struct kdump_priv *p,
				  const char *dump, const struct rv_kdump_opts *opts)
{
	p->progress = opts->progress;
	struct rv_error *err = rv_dumpfile_open(dump, opts->progress, &p->dump);
	if (err)
		return err;
	char *build_id = NULL;
	err = rv_dumpfile_vmcoreinfo(p->dump, "BUILD-ID", &build_id);
	rv_error_destroy(err);	// optional (v5.9+)
	// A kernel whose debug info an earlier dump of the run loaded.
	if (opts->cache && build_id && opts->types != RV_TYPES_BTF) {
		if (open_cached(t, p, opts->cache, build_id, &err)) {
			free(build_id);
			return err;
		}
		p->cache = opts->cache;
		p->cache_id = strdup(build_id);	// NULL: not kept, no harm
	}
	err = rv_debuginfo_new(&opts->debuginfo, rv_dumpfile_release(p->dump), build_id,
			       &p->di);
	if (err) {
		free(build_id);
		return err;
	}
	// auto: DWARF from a matching vmlinux; an explicit --vmlinux means DWARF.
	enum rv_types_mode mode = opts->types;
	struct rv_error *dwarf_err = NULL;
	if (mode != RV_TYPES_BTF) {
		dwarf_err = open_dwarf(t, p);
		if (!dwarf_err || dwarf_err->code != RV_ERR_NODEBUG || mode == RV_TYPES_DWARF ||
		    opts->debuginfo.vmlinux) {
			free(build_id);
			return dwarf_err;
		}
	}
	err = open_btf(t, p);
	if (!err) {
		if (dwarf_err)
			fprintf(stderr, "raidvirt: types from the dump's BTF, symbols from its "
				"kallsyms (no vmlinux debug file for %s)\n",
				rv_dumpfile_release(p->dump));
		rv_error_destroy(dwarf_err);
		free(build_id);
		return NULL;
	}
	if (err->code == RV_ERR_NOMEM) {
		rv_error_destroy(dwarf_err);
		free(build_id);
		return err;
	}
	// Neither: say what is missing and how to get debug info.
	char hint[512];
	debug_package_hint(rv_dumpfile_release(p->dump), build_id, hint, sizeof(hint));
	struct rv_error *out = rv_error_format(RV_ERR_NODEBUG, "%s%s%s; %s",
					       dwarf_err ? dwarf_err->msg : "",
					       dwarf_err ? "; and " : "", err->msg, hint);
	rv_error_destroy(dwarf_err);
	rv_error_destroy(err);
	free(build_id);
	return out;
}

static void free_priv(struct kdump_priv *p)
{
	if (!p)
		return;
	if (cache_keep(p)) {
		p->di = NULL;
	} else {
		for (size_t i = 0; i < MAX_DEBUG_FILES; i++) {
			rv_dwarf_close(p->files[i]);
			free(p->file_module[i]);
		}
	}
	free(p->cache_id);
	for (size_t i = 0; i < p->nmodsyms; i++)
		free(p->modsyms[i].name);
	free(p->modsyms);
	rv_symtab_deinit(&p->funcs);
	rv_error_destroy(p->funcs_err);
	rv_btf_free(p->btf);
	rv_kallsyms_free(p->kallsyms);
	rv_debuginfo_free(p->di);
	rv_dumpfile_close(p->dump);
	free(p);
}

struct rv_error *rv_kdump_target_open(const char *dump,
				      const struct rv_kdump_opts *opts,
				      struct rv_target *t)
{
	struct kdump_priv *p = calloc(1, sizeof(*p));
	if (!p)
		return &rv_enomem;
	// The target first: BTF and kallsyms are read through it.
	struct rv_error *err = rv_target_init(t, &kdump_target_ops, p);
	if (!err)
		err = open_priv(t, p, dump, opts);
	if (err) {
		free_priv(p);
		rv_target_deinit(t);
		t->priv = NULL;
		return err;
	}
	rv_target_flush_cache(t);	// layouts asked while opening (module BTF)
	return NULL;
}

void rv_kdump_target_close(struct rv_target *t)
{
	free_priv(priv(t));
	rv_target_deinit(t);
	t->priv = NULL;
}

void rv_kdump_target_info(struct rv_target *t, struct rv_kdump_info *ret)
{
	struct kdump_priv *p = priv(t);
	ret->format = rv_dumpfile_format(p->dump);
	ret->release = rv_dumpfile_release(p->dump);
	ret->vmlinux = p->vmlinux_path;
	ret->kaslr_offset = p->kaslr;
	ret->types_from = t->types_from;
	ret->symbols_from = t->symbols_from;
}

void rv_kdump_target_stats(struct rv_target *t, FILE *f)
{
	struct kdump_priv *p = priv(t);
	if (p->btf) {
		struct rv_btf_stats st;
		rv_btf_stats(p->btf, &st);
		fprintf(f, "btf: %u files (vmlinux + modules), %u types, %zu names, %zu bytes\n",
			st.files, st.types, st.names, st.bytes);
	}
	if (p->kallsyms)
		fprintf(f, "kallsyms: %zu symbols, offsets %s\n", rv_kallsyms_count(p->kallsyms),
			rv_kallsyms_encoding(p->kallsyms));
	for (size_t i = 0; i < p->types.nfiles; i++) {
		struct rv_dwarf_stats st;
		rv_dwarf_stats(p->files[i], &st);
		fprintf(f, "index %s: %u units%s, %zu names, %.3f s\n",
			rv_dwarf_path(p->files[i]), st.units_indexed,
			st.units_total ? " (all)" : "", st.names, st.seconds);
	}
	fprintf(f, "module symbols: %zu\n", p->nmodsyms);
}

jv rv_facts_salvaged(jv doc, const char *dump)
{
	jv got = rv_dumpfile_salvage(dump);
	if (jv_get_kind(got) != JV_KIND_OBJECT) {
		jv_free(got);
		return doc;
	}
	jv sec = jv_object_get(jv_copy(doc), jv_string("dump"));
	if (jv_get_kind(sec) != JV_KIND_OBJECT) {
		jv_free(sec);
		sec = jv_object();
	}
	// The identity keys of a readable dump, where VMCOREINFO has them.
	jv vi = jv_object_get(jv_copy(got), jv_string("vmcoreinfo"));
	const char *id = rv_jv_str(vi, "build_id");
	if (id && strspn(id, "0123456789abcdef") == strlen(id) && *id) {
		sec = rv_jv_set(sec, "build_id", jv_string(id));
		sec = rv_jv_set(sec, "build_id_from", jv_string("vmcoreinfo"));
	}
	jv_free(vi);
	jv_object_foreach(got, k, v)
		sec = jv_object_set(sec, k, v);
	jv_free(got);
	return jv_object_set(doc, jv_string("dump"), sec);
}

bool rv_types_mode_parse(const char *s, enum rv_types_mode *ret)
{
	static const char *const names[] = {
		[RV_TYPES_AUTO] = "auto", [RV_TYPES_DWARF] = "dwarf", [RV_TYPES_BTF] = "btf",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*ret = (enum rv_types_mode)i;
			return true;
		}
	}
	return false;
}

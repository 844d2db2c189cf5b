// SPDX-License-Identifier: GPL-2.0-or-later
// The `target` backend over crash's API. Everything here reads with
// QUIET|RETURN_ON_ERROR, so a bad pointer becomes an rv_error, never a
// longjmp out of the command.
//
// Types: each question to crash's gdb (`printm EXPR`) costs 60-90 ms, and a
// full `raidvirt` asks a few hundred. So layouts are read with libdw from
// the very files crash loaded (its vmlinux and the module objects `mod -s`
// loaded), through lib/dwarf_types.c, the code the CLI uses; gdb is the
// fallback when libdw cannot open a file or does not know a type.
// docs/performance.md has the numbers.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crash/defs.h>

#include "dwarf_types.h"
#include "modfind.h"
#include "target_crash.h"

// ---- libdw over the files crash loaded ----

#define MAX_DWARF_FILES 64

static struct {
	char *path;
	struct rv_dwarf *dw;	// NULL: could not be opened (not retried)
} dwarf_files[MAX_DWARF_FILES];
static size_t dwarf_nfiles;

static struct rv_dwarf *dwarf_file(const char *path)
{
	for (size_t i = 0; i < dwarf_nfiles; i++) {
		if (!strcmp(dwarf_files[i].path, path))
			return dwarf_files[i].dw;
	}
	if (dwarf_nfiles == MAX_DWARF_FILES)
		return NULL;
	struct rv_dwarf *dw = NULL;
	struct rv_error *err = rv_dwarf_open(path, &dw);
	if (err) {
		if (CRASHDEBUG(1))
			fprintf(fp, "raidvirt: libdw: %s\n", err->msg);
		rv_error_destroy(err);
		dw = NULL;
	}
	char *copy = strdup(path);
	if (!copy) {
		rv_dwarf_close(dw);
		return NULL;
	}
	dwarf_files[dwarf_nfiles].path = copy;
	dwarf_files[dwarf_nfiles].dw = dw;
	dwarf_nfiles++;
	return dw;
}

// The vmlinux crash took its debug info from.
static const char *crash_vmlinux(void)
{
	return pc->namelist_debug ? pc->namelist_debug :
	       pc->debuginfo_file ? pc->debuginfo_file : pc->namelist;
}

// vmlinux first, then every module whose debug info crash has loaded.
static bool dwarf_types(struct rv_types *ts, struct rv_dwarf **buf, size_t n)
{
	const char *vmlinux = crash_vmlinux();
	if (!vmlinux || !(buf[0] = dwarf_file(vmlinux)))
		return false;
	size_t k = 1;
	for (int i = 0; i < kt->mods_installed && k < n; i++) {
		struct load_module *lm = &st->load_modules[i];
		if (!(lm->mod_flags & MOD_LOAD_SYMS) || !lm->mod_namelist[0])
			continue;
		struct rv_dwarf *dw = dwarf_file(lm->mod_namelist);
		if (dw)
			buf[k++] = dw;
	}
	ts->files = buf;
	ts->nfiles = k;
	return true;
}

// Module debug files, found by lib/modfind.c; made on first use.
static struct rv_modfind *modfind;

void rv_crash_target_release(void)
{
	for (size_t i = 0; i < dwarf_nfiles; i++) {
		rv_dwarf_close(dwarf_files[i].dw);
		free(dwarf_files[i].path);
	}
	dwarf_nfiles = 0;
	rv_modfind_free(modfind);
	modfind = NULL;
}

// Run a gdb command and return its first output line (malloc'd).
static char *gdb_line(const char *cmd)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	int ok = gdb_pass_through((char *)cmd, f, GNU_RETURN_ON_ERROR);
	fclose(f);
	if (!ok) {
		free(out);
		return NULL;
	}
	return out;
}

// crash's gdb has `printm EXPR`, which prints "code unsigned length offset
// bitpos bitsize" of an expression's value without reading memory.
struct printm {
	long code, is_unsigned, length, offset, bitpos, bitsize;
};

static bool printm(const char *expr, struct printm *ret)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "printm %s", expr);
	char *line = gdb_line(cmd);
	if (!line)
		return false;
	struct printm p;
	int n = sscanf(line, "%ld %ld %ld %ld %ld %ld", &p.code, &p.is_unsigned,
		       &p.length, &p.offset, &p.bitpos, &p.bitsize);
	free(line);
	if (n != 6)
		return false;
	*ret = p;
	return true;
}

// crash's defs.h stops listing gdb's type codes at RANGE and says BOOL is
// 20; gdb 10.2 (crash 8.0.x) numbers CHAR 20 and BOOL 21 (seen: printm of
// struct cpumap.online gives 21).
enum { GDB_TYPE_CODE_CHAR = 20, GDB_TYPE_CODE_BOOL = 21 };

static enum rv_kind kind_of(long code)
{
	switch (code) {
	case TYPE_CODE_PTR:
		return RV_KIND_PTR;
	case TYPE_CODE_ARRAY:
		return RV_KIND_ARRAY;
	case TYPE_CODE_STRUCT:
		return RV_KIND_STRUCT;
	case TYPE_CODE_UNION:
		return RV_KIND_UNION;
	case TYPE_CODE_ENUM:
		return RV_KIND_ENUM;
	case TYPE_CODE_INT:
		return RV_KIND_INT;
	case GDB_TYPE_CODE_CHAR:
		return RV_KIND_INT;
	case GDB_TYPE_CODE_BOOL:
		return RV_KIND_BOOL;
	case TYPE_CODE_FUNC:
		return RV_KIND_FUNC;
	default:
		return RV_KIND_OTHER;
	}
}

static bool plain_identifier(const char *s)
{
	for (; *s; s++) {
		if (!(*s == '_' || *s == ' ' || *s == '.' || *s == '[' || *s == ']' ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return false;
	}
	return true;
}

static struct rv_error *crash_read(struct rv_target *t, rv_addr_t addr,
				   void *buf, size_t len)
{
	(void)t;
	if (!readmem(addr, KVADDR, buf, len, "raidvirt", QUIET | RETURN_ON_ERROR))
		return rv_error_fault(addr, "cannot read %zu bytes at %#" PRIx64,
				      len, addr);
	return NULL;
}

static struct rv_error *crash_symbol(struct rv_target *t, const char *name,
				     rv_addr_t *ret)
{
	(void)t;
	struct syment *sp = symbol_search((char *)name);
	if (!sp)
		return rv_error_format(RV_ERR_LOOKUP, "no symbol %s", name);
	*ret = sp->value;
	return NULL;
}

// crash's own symbol tables: the vmlinux, and each module's kallsyms it
// read at start-up (or the module's debug file after `mod -s`).
static struct rv_error *crash_symbolize(struct rv_target *t, rv_addr_t addr, char *name,
					size_t size, uint64_t *offset)
{
	(void)t;
	ulong off = 0;
	struct syment *sp = is_kernel_text(addr) ? value_search(addr, &off) : NULL;
	if (!sp || !sp->name)
		return rv_error_format(RV_ERR_LOOKUP, "no function holds %#" PRIx64, addr);
	if (size)
		snprintf(name, size, "%s", sp->name);
	*offset = off;
	return NULL;
}

static struct rv_error *crash_type_size(struct rv_target *t, const char *type,
					uint64_t *ret)
{
	(void)t;
	if (!plain_identifier(type))
		return rv_error_format(RV_ERR_INVALID, "bad type name '%s'", type);
	struct rv_dwarf *files[MAX_DWARF_FILES];
	struct rv_types ts;
	if (dwarf_types(&ts, files, MAX_DWARF_FILES)) {
		struct rv_error *err = rv_types_size(&ts, type, ret);
		if (!err || err->code != RV_ERR_LOOKUP)
			return err;
		rv_error_destroy(err);	// ask gdb, which may know more
	}
	char expr[256];
	struct printm p;
	snprintf(expr, sizeof(expr), "*(%s *)0", type);
	if (!printm(expr, &p))
		return rv_error_format(RV_ERR_LOOKUP, "no type '%s' in the debug info",
				       type);
	*ret = (uint64_t)p.length;
	return NULL;
}

static struct rv_error *crash_member(struct rv_target *t, const char *type,
				     const char *path, struct rv_member *ret)
{
	(void)t;
	if (!plain_identifier(type) || !plain_identifier(path))
		return rv_error_format(RV_ERR_INVALID, "bad member '%s.%s'", type,
				       path);
	struct rv_dwarf *files[MAX_DWARF_FILES];
	struct rv_types ts;
	uint64_t size;
	if (dwarf_types(&ts, files, MAX_DWARF_FILES)) {
		// When libdw knows the type, its answer about the member is
		// final; gdb is asked only about types libdw has not seen.
		struct rv_error *err = rv_types_size(&ts, type, &size);
		if (!err)
			return rv_types_member(&ts, type, path, ret);
		if (err->code != RV_ERR_LOOKUP)
			return err;
		rv_error_destroy(err);
	}
	char expr[512];
	struct printm p, q;
	snprintf(expr, sizeof(expr), "((%s *)0)->%s", type, path);
	if (!printm(expr, &p))
		return rv_error_format(RV_ERR_LOOKUP,
				       "no member %s.%s in the debug info", type,
				       path);
	struct rv_member m = { 0 };
	m.offset = (uint64_t)p.offset;
	m.size = (uint64_t)p.length;
	m.kind = kind_of(p.code);
	if (p.bitsize > 0) {
		m.offset += (uint64_t)p.bitpos / 8;
		m.bit_offset = (unsigned int)(p.bitpos % 8);
		m.bit_size = (unsigned int)p.bitsize;
	}
	if (m.kind == RV_KIND_PTR) {
		// Dereference a null pointer *of the member's type*: gdb would
		// have to read the member's value to follow the member itself.
		snprintf(expr, sizeof(expr), "*(__typeof__(((%s *)0)->%s))0",
			 type, path);
		if (printm(expr, &q)) {
			m.target_kind = kind_of(q.code);
			m.target_size = (uint64_t)q.length;
		}
	} else if (m.kind == RV_KIND_ARRAY) {
		snprintf(expr, sizeof(expr), "((%s *)0)->%s[0]", type, path);
		if (printm(expr, &q)) {
			m.target_kind = kind_of(q.code);
			m.target_size = (uint64_t)q.length;
			if (q.length > 0)
				m.nelem = (uint64_t)(p.length / q.length);
		}
	}
	*ret = m;
	return NULL;
}

static struct rv_error *crash_enum_value(struct rv_target *t, const char *name,
					 int64_t *ret)
{
	(void)t;
	struct rv_dwarf *files[MAX_DWARF_FILES];
	struct rv_types ts;
	if (dwarf_types(&ts, files, MAX_DWARF_FILES)) {
		struct rv_error *err = rv_types_enum(&ts, name, ret);
		if (!err || err->code != RV_ERR_LOOKUP)
			return err;
		rv_error_destroy(err);
	}
	long v;
	if (!enumerator_value((char *)name, &v))
		return rv_error_format(RV_ERR_LOOKUP, "no enumerator %s", name);
	*ret = v;
	return NULL;
}

static struct rv_error *crash_enumerators(struct rv_target *t, const char *type,
					  rv_enumerator_fn visit, void *arg)
{
	(void)t;
	struct rv_dwarf *files[MAX_DWARF_FILES];
	struct rv_types ts;
	if (!dwarf_types(&ts, files, MAX_DWARF_FILES))
		return rv_error_format(RV_ERR_LOOKUP,
				       "no DWARF loaded: cannot list the enumerators of %s",
				       type);
	return rv_types_enumerators(&ts, type, visit, arg);
}

// ---- module debuginfo: lib/modfind.c ----

static struct rv_error *crash_module_debuginfo(struct rv_target *t,
					       const char *module)
{
	(void)t;
	ulong base;
	struct load_module *lm;
	if (!is_module_name((char *)module, &base, &lm))
		return rv_error_format(RV_ERR_ABSENT,
				       "module %s is not loaded in this dump",
				       module);
	if ((lm->mod_flags & MOD_LOAD_SYMS) || lm->mod_namelist[0])
		return NULL;

	if (!modfind) {
		// $RAIDVIRT_NO_DEFAULT_DEBUGINFO=1: as the CLI's
		// --no-default-debuginfo, leave out /usr/lib/debug.
		const char *nodef = getenv("RAIDVIRT_NO_DEFAULT_DEBUGINFO");
		struct rv_error *err = rv_modfind_new(kt->utsname.release, NULL, 0,
						      nodef && *nodef && strcmp(nodef, "0"),
						      &modfind);
		if (err)
			return err;
	}
	// As the CLI: a file of another module or release, or whose DWARF
	// is damaged (no struct module), is refused and the next one taken.
	char *path;
	struct rv_error *err = rv_modfind_lookup_usable(modfind, module, &path, NULL);
	if (err) {
		if (err->code == RV_ERR_NOMEM)
			return err;
		struct rv_error *hint = rv_error_format(err->code, "%s; run: mod -s %s "
							"/path/to/%s.ko", err->msg,
							module, module);
		rv_error_destroy(err);
		return hint;
	}
	bool loaded = load_module_symbols((char *)module, path, base);
	if (!loaded)
		err = rv_error_format(RV_ERR_NODEBUG, "cannot load symbols of %s from %s",
				      module, path);
	free(path);
	return err;
}

// crash's own page size (machdep->pagesize), for dumps without VMCOREINFO too.
static struct rv_error *crash_page_size(struct rv_target *t, uint64_t *ret)
{
	(void)t;
	*ret = (uint64_t)PAGESIZE();
	return NULL;
}

/**
 * The dump file's notes, as crash parsed them: QEMU's CPU-state notes
 * (pc->flags2 QEMU_MEM_DUMP_ELF / QEMU_MEM_DUMP_COMPRESSED and the per-CPU
 * QEMUCPUState), the NT_PRSTATUS notes, VMCOREINFO, the flattened format
 * and the kdump-compressed dump_level.
 */
static struct rv_error *crash_dump_file(struct rv_target *t, struct rv_dump_file *ret)
{
	(void)t;
	bool disk = DISKDUMP_DUMPFILE();
	if (!disk && !KDUMP_DUMPFILE() && !NETDUMP_DUMPFILE())
		return rv_error_format(RV_ERR_LOOKUP, "not an ELF or kdump-compressed dump");
	snprintf(ret->format, sizeof(ret->format), "%s", disk ? "diskdump" : "elf");
	ret->flattened = FLAT_FORMAT() ? 1 : 0;
	ret->vmcoreinfo = (pc->flags2 & VMCOREINFO) ? 1 : 0;
	int n = disk ? diskdump_get_nr_cpus() : kdump_get_nr_cpus();
	if (n < 0 || n > 65536)
		n = 0;
	ret->nr_prstatus = 0;
	ret->nr_qemu = 0;
	bool qemu = pc->flags2 & (QEMU_MEM_DUMP_ELF | QEMU_MEM_DUMP_COMPRESSED);
	for (int cpu = 0; cpu < n; cpu++) {
		if (disk ? diskdump_get_prstatus_percpu(cpu) : netdump_get_prstatus_percpu(cpu))
			ret->nr_prstatus++;
		if (qemu && (disk ? diskdump_get_qemucpustate(cpu) : kdump_get_qemucpustate(cpu)))
			ret->nr_qemu++;
	}
	if (qemu && !ret->nr_qemu)
		ret->nr_qemu = 1;	// crash saw one, could not map it to a CPU
	ret->dump_level = disk ? get_dump_level() : -1;
	return NULL;
}

static const struct rv_target_ops crash_target_ops = {
	.name = "crash",
	.read = crash_read,
	.symbol = crash_symbol,
	.symbolize = crash_symbolize,
	.type_size = crash_type_size,
	.member = crash_member,
	.enum_value = crash_enum_value,
	.enumerators = crash_enumerators,
	.module_debuginfo = crash_module_debuginfo,
	.page_size = crash_page_size,
	.dump_file = crash_dump_file,
};

struct rv_error *rv_crash_target_init(struct rv_target *t)
{
	struct rv_error *err = rv_target_init(t, &crash_target_ops, NULL);
	// crash's vmlinux: its DWARF (libdw, gdb as fallback) and symbol table.
	t->types_from = "dwarf";
	t->symbols_from = "vmlinux";
	struct rv_dwarf *dw = crash_vmlinux() ? dwarf_file(crash_vmlinux()) : NULL;
	if (dw)
		rv_dwarf_build_id(dw, t->debug_build_id, sizeof(t->debug_build_id));
	t->debuginfo_from = "local";	// the files crash was given, or mod -s loaded
	return err;
}

const char *rv_crash_release(void)
{
	return kt->utsname.release;
}

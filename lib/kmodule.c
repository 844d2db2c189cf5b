// SPDX-License-Identifier: GPL-2.0-or-later
// Loaded modules of a dump: the `modules` list and each module's memory.
//   v6.4+ (ac3b43283923): module.mem[MOD_MEM_NUM_TYPES] {base, size};
//   v4.5-v6.3 (7523e4dc5057): module.core_layout / init_layout {base, size};
//   before: module.module_core, core_size, init_size.

#include <stdio.h>
#include <string.h>

#include <stdio.h>
#include <string.h>

#include "kmodule.h"

#define MAX_MEM_TYPES 16

static const char *const M = "struct module";

struct rv_error *rv_module_for_each(struct rv_target *t, rv_module_fn fn, void *arg)
{
	rv_addr_t head, node;
	struct rv_error *err = rv_symbol(t, "modules", &head);
	if (err)
		return err;
	struct rv_list_iter it;
	rv_list_iter_init(&it, t, head);
	it.max = RV_MAX_MODULES;
	while (!(err = rv_list_iter_next(&it, &node)) && node) {
		rv_addr_t mod;
		char name[64];
		err = rv_container_of(t, node, M, "list", &mod);
		if (!err)
			err = rv_read_member_str(t, mod, M, "name", name, sizeof(name));
		if (err)
			return rv_error_wrap(err, "modules list");
		bool stop = false;
		err = fn(t, mod, name, arg, &stop);
		if (err || stop)
			return err;
	}
	return err ? rv_error_wrap(err, "modules list") : NULL;
}

/** module.mem[] (v6.4+): true and its member when the layout has it. */
static bool module_mem(struct rv_target *t, struct rv_member *mem)
{
	struct rv_error *err = rv_member(t, M, "mem", mem);
	bool has = !err && mem->kind == RV_KIND_ARRAY;
	rv_error_destroy(err);	// no mem[]: an older layout
	return has;
}

/** Region @p i of module.mem[]: its base and size. */
static struct rv_error *mem_region(struct rv_target *t, rv_addr_t mod,
				   const struct rv_member *mem, uint64_t i,
				   uint64_t *base, uint64_t *size)
{
	uint64_t esz;
	struct rv_error *err = rv_type_size(t, "struct module_memory", &esz);
	if (err)
		return err;
	rv_addr_t m = mod + mem->offset + i * esz;
	if ((err = rv_read_member(t, m, "struct module_memory", "base", base)))
		return err;
	return rv_read_member(t, m, "struct module_memory", "size", size);
}

/** Whether @p addr is in the core memory of module @p mod. */
static struct rv_error *module_holds(struct rv_target *t, rv_addr_t mod,
				     rv_addr_t addr, bool *ret)
{
	uint64_t base, size;
	struct rv_error *err;
	*ret = false;
	struct rv_member mem;
	if (module_mem(t, &mem)) {
		for (uint64_t i = 0; i < mem.nelem && i < MAX_MEM_TYPES; i++) {
			if ((err = mem_region(t, mod, &mem, i, &base, &size)))
				return err;
			if (addr >= base && addr - base < size) {
				*ret = true;
				return NULL;
			}
		}
		return NULL;
	}
	const char *bp = "core_layout.base", *sp = "core_layout.size";
	if (!rv_member_exists(t, M, "core_layout")) {
		bp = "module_core";
		sp = "core_size";
	}
	if ((err = rv_read_member(t, mod, M, bp, &base)) ||
	    (err = rv_read_member(t, mod, M, sp, &size)))
		return err;
	*ret = addr >= base && addr - base < size;
	return NULL;
}

struct rv_error *rv_module_extent(struct rv_target *t, rv_addr_t mod,
				  rv_addr_t *base, uint64_t *size)
{
	struct rv_member mem;
	struct rv_error *err;
	uint64_t b, s;
	*base = 0;
	*size = 0;
	if (module_mem(t, &mem)) {
		// The text region is mem[MOD_TEXT] (enum mod_mem_type).
		int64_t text;
		if ((err = rv_enum_value(t, "MOD_TEXT", &text)))
			return err;
		for (uint64_t i = 0; i < mem.nelem && i < MAX_MEM_TYPES; i++) {
			if ((err = mem_region(t, mod, &mem, i, &b, &s)))
				return err;
			if (i == (uint64_t)text)
				*base = b;
			*size += s;
		}
		return NULL;
	}
	bool layout = rv_member_exists(t, M, "core_layout");
	if ((err = rv_read_member(t, mod, M, layout ? "core_layout.base" : "module_core", base)) ||
	    (err = rv_read_member(t, mod, M, layout ? "core_layout.size" : "core_size", &b)) ||
	    (err = rv_read_member(t, mod, M, layout ? "init_layout.size" : "init_size", &s)))
		return err;
	*size = b + s;
	return NULL;
}

struct of_addr_arg {
	rv_addr_t addr, found;
	char *name;
	size_t size;
};

static struct rv_error *of_addr_cb(struct rv_target *t, rv_addr_t mod,
				   const char *name, void *arg, bool *stop)
{
	struct of_addr_arg *a = arg;
	bool holds;
	struct rv_error *err = module_holds(t, mod, a->addr, &holds);
	if (err)
		return rv_error_wrap(err, "modules list");
	if (holds) {
		a->found = mod;
		if (a->size)
			snprintf(a->name, a->size, "%s", name);
		*stop = true;
	}
	return NULL;
}

struct rv_error *rv_module_of_addr(struct rv_target *t, rv_addr_t addr,
				   rv_addr_t *mod, char *name, size_t size)
{
	if (size)
		name[0] = '\0';
	struct of_addr_arg a = { .addr = addr, .name = name, .size = size };
	struct rv_error *err = rv_module_for_each(t, of_addr_cb, &a);
	*mod = err ? 0 : a.found;
	return err;
}

struct rv_error *rv_taint_letters(struct rv_target *t, uint64_t mask,
				  char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!mask)
		return NULL;
	// The letters are the kernel's own table (kernel/panic.c taint_flags[],
	// struct taint_flag since v4.10, 7fd8329ba502).
	rv_addr_t table;
	uint64_t esz;
	struct rv_error *err;
	if ((err = rv_symbol(t, "taint_flags", &table)) ||
	    (err = rv_type_size(t, "struct taint_flag", &esz)))
		return err;
	for (int bit = 0; bit < 64 && n + 1 < size; bit++) {
		if (!(mask & (UINT64_C(1) << bit)))
			continue;
		uint64_t c;
		err = rv_read_member(t, table + bit * esz, "struct taint_flag",
				     "c_true", &c);
		if (err)
			return err;
		if (c < 'A' || c > 'Z')
			return rv_error_format(RV_ERR_CORRUPT,
					       "taint bit %d has no letter in taint_flags[]", bit);
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return NULL;
}

struct rv_error *rv_module_taint(struct rv_target *t, rv_addr_t mod,
				 char *buf, size_t size)
{
	uint64_t taints;
	buf[0] = '\0';
	struct rv_error *err = rv_read_member(t, mod, M, "taints", &taints);
	return err ? err : rv_taint_letters(t, taints, buf, size);
}

// ---- a module's build id, from its sysfs notes ----
// The kernel keeps each module's SHF_ALLOC note sections for
// /sys/module/NAME/notes (CONFIG_KALLSYMS + CONFIG_SYSFS, since v2.6.23):
// mod->notes_attrs, a
// struct module_notes_attrs with `notes` entries of attrs[] (6.1 and 6.12
// alike; the layout from the debug info), each a
// struct bin_attribute whose private points at the section in module memory
// and whose size is its length. The build id is the NT_GNU_BUILD_ID note of
// one of them (.note.gnu.build-id).

#define MAX_NOTE_SECTIONS 64
#define MAX_NOTE_BYTES 4096
#define NT_GNU_BUILD_ID_TYPE 3

bool rv_notes_build_id(const unsigned char *buf, size_t len, char *hex, size_t size)
{
	// Elf64_Nhdr {namesz, descsz, type}, name and desc each padded to 4.
	size_t off = 0;
	while (len - off >= 12) {
		uint32_t namesz, descsz, type;
		memcpy(&namesz, buf + off, 4);
		memcpy(&descsz, buf + off + 4, 4);
		memcpy(&type, buf + off + 8, 4);
		size_t name = off + 12, nlen = (namesz + 3u) & ~3u, dlen = (descsz + 3u) & ~3u;
		if (namesz > len || descsz > len || nlen > len - name || dlen > len - name - nlen)
			return false;
		size_t desc = name + nlen;
		if (type == NT_GNU_BUILD_ID_TYPE && namesz == 4 && !memcmp(buf + name, "GNU", 4) &&
		    descsz > 0 && 2 * (size_t)descsz < size) {
			for (uint32_t i = 0; i < descsz; i++)
				snprintf(hex + 2 * i, 3, "%02x", buf[desc + i]);
			return true;
		}
		off = desc + dlen;
	}
	return false;
}

struct rv_error *rv_module_build_id(struct rv_target *t, rv_addr_t mod, char *hex, size_t size)
{
	static const char *const NA = "struct module_notes_attrs", *const BA = "struct bin_attribute";
	rv_addr_t attrs;
	uint64_t n, esz, attrs_off;
	struct rv_error *err;
	hex[0] = '\0';
	if ((err = rv_read_member(t, mod, "struct module", "notes_attrs", &attrs)))
		return rv_error_wrap(err, "module notes");
	if (!attrs)
		return rv_error_format(RV_ERR_ABSENT, "the module keeps no notes (notes_attrs NULL)");
	if ((err = rv_read_member(t, attrs, NA, "notes", &n)) ||
	    (err = rv_member_offset(t, NA, "attrs", &attrs_off)) ||
	    (err = rv_type_size(t, BA, &esz)))
		return rv_error_wrap(err, "module notes");
	if (n > MAX_NOTE_SECTIONS)
		return rv_error_format(RV_ERR_CORRUPT, "module notes: %" PRIu64 " note sections is "
				       "implausible", n);
	for (uint64_t i = 0; i < n; i++) {
		rv_addr_t a = attrs + attrs_off + i * esz, data;
		uint64_t len;
		if ((err = rv_read_member(t, a, BA, "private", &data)) ||
		    (err = rv_read_member(t, a, BA, "size", &len)))
			return rv_error_wrap(err, "module note %" PRIu64, i);
		if (!data || len < 12)
			continue;
		unsigned char buf[MAX_NOTE_BYTES];
		if (len > sizeof(buf))
			len = sizeof(buf);
		if ((err = rv_read(t, data, buf, len)))
			return rv_error_wrap(err, "module note %" PRIu64, i);
		if (rv_notes_build_id(buf, len, hex, size))
			return NULL;
	}
	return rv_error_format(RV_ERR_ABSENT, "no NT_GNU_BUILD_ID among the module's %" PRIu64
			       " note sections", n);
}

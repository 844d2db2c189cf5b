// SPDX-License-Identifier: GPL-2.0-or-later
// Which loaded module an address belongs to: the `modules` list and each
// module's core memory ranges.
//   v6.4+ (ac3b43283923): module.mem[MOD_MEM_NUM_TYPES] {base, size};
//   v4.5-v6.3 (7523e4dc5057): module.core_layout {base, size};
//   before: module.module_core, module.core_size.

#include "kmodule.h"

#define MAX_MODULES 4096
#define MAX_MEM_TYPES 16

/** Whether @p addr is in the core memory of module @p mod. */
static struct rv_error *module_holds(struct rv_target *t, rv_addr_t mod,
				     rv_addr_t addr, bool *ret)
{
	static const char *const M = "struct module";
	uint64_t base, size;
	struct rv_error *err;
	*ret = false;
	struct rv_member mem;
	struct rv_error *merr = rv_member(t, M, "mem", &mem);
	bool has_mem = !merr && mem.kind == RV_KIND_ARRAY;
	rv_error_destroy(merr);	// no mem[]: an older layout below
	if (has_mem) {
		uint64_t esz;
		if ((err = rv_type_size(t, "struct module_memory", &esz)))
			return err;
		for (uint64_t i = 0; i < mem.nelem && i < MAX_MEM_TYPES; i++) {
			rv_addr_t m = mod + mem.offset + i * esz;
			if ((err = rv_read_member(t, m, "struct module_memory", "base", &base)) ||
			    (err = rv_read_member(t, m, "struct module_memory", "size", &size)))
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

struct rv_error *rv_module_of_addr(struct rv_target *t, rv_addr_t addr,
				   rv_addr_t *mod, char *name, size_t size)
{
	*mod = 0;
	if (size)
		name[0] = '\0';
	rv_addr_t head;
	struct rv_error *err = rv_symbol(t, "modules", &head);
	if (err)
		return err;
	struct rv_list_iter it;
	rv_list_iter_init(&it, t, head);
	it.max = MAX_MODULES;
	rv_addr_t node;
	while (!(err = rv_list_iter_next(&it, &node)) && node) {
		rv_addr_t m;
		bool holds;
		if ((err = rv_container_of(t, node, "struct module", "list", &m)) ||
		    (err = module_holds(t, m, addr, &holds)))
			break;
		if (holds) {
			*mod = m;
			return rv_read_member_str(t, m, "struct module", "name", name, size);
		}
	}
	return err ? rv_error_wrap(err, "modules list") : NULL;
}

// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file symtab.h
 * An address-ordered table of function symbols: the answer to "which
 * function holds this address" for backends that read symbols themselves
 * (the CLI: the vmlinux symbol table or the dump's kallsyms, and the
 * modules' kallsyms). crash answers the same question itself
 * (value_search). Both reach decoders only through rv_symbolize().
 */
#ifndef RV_SYMTAB_H
#define RV_SYMTAB_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "rv_error.h"

struct rv_symtab {
	struct rv_symtab_entry *v;
	size_t n, cap;
	char *names;		// NUL-separated copies of the names
	size_t names_len, names_cap;
	bool sorted;
};

void rv_symtab_init(struct rv_symtab *st);
void rv_symtab_deinit(struct rv_symtab *st);
/**
 * Add function @p name at @p addr, @p size bytes long (0: unknown, then
 * it ends where the next symbol starts).
 */
struct rv_error *rv_symtab_add(struct rv_symtab *st, const char *name,
			       uint64_t addr, uint64_t size);
/**
 * The function holding @p addr: its name (into @p name of @p size bytes)
 * and @p addr's offset into it. RV_ERR_LOOKUP when none holds it.
 */
struct rv_error *rv_symtab_find(struct rv_symtab *st, uint64_t addr,
				char *name, size_t size, uint64_t *offset);
size_t rv_symtab_count(const struct rv_symtab *st);

#endif

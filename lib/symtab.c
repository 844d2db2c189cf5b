// SPDX-License-Identifier: GPL-2.0-or-later
// Address-ordered function symbols (see symtab.h).

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "symtab.h"

// A symbol of unknown size is believed up to this far past its start
// when the next symbol is farther (the last one of a table, a gap).
#define MAX_UNSIZED_FUNC (64u << 10)

struct rv_symtab_entry {
	uint64_t addr, size;
	size_t name;		// offset into names
};

void rv_symtab_init(struct rv_symtab *st)
{
	memset(st, 0, sizeof(*st));
}

void rv_symtab_deinit(struct rv_symtab *st)
{
	free(st->v);
	free(st->names);
	memset(st, 0, sizeof(*st));
}

struct rv_error *rv_symtab_add(struct rv_symtab *st, const char *name,
			       uint64_t addr, uint64_t size)
{
	size_t len = strlen(name) + 1;
	if (st->n == st->cap) {
		size_t ncap = st->cap ? st->cap * 2 : 4096;
		struct rv_symtab_entry *v = realloc(st->v, ncap * sizeof(*v));
		if (!v)
			return &rv_enomem;
		st->v = v;
		st->cap = ncap;
	}
	if (st->names_len + len > st->names_cap) {
		size_t ncap = st->names_cap ? st->names_cap * 2 : 65536;
		while (ncap < st->names_len + len)
			ncap *= 2;
		char *p = realloc(st->names, ncap);
		if (!p)
			return &rv_enomem;
		st->names = p;
		st->names_cap = ncap;
	}
	memcpy(st->names + st->names_len, name, len);
	st->v[st->n++] = (struct rv_symtab_entry){ addr, size, st->names_len };
	st->names_len += len;
	st->sorted = false;
	return NULL;
}

static int by_addr(const void *a, const void *b)
{
	const struct rv_symtab_entry *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	// Sized before unsized, so an alias without a size never wins.
	return (y->size != 0) - (x->size != 0);
}

struct rv_error *rv_symtab_find(struct rv_symtab *st, uint64_t addr,
				char *name, size_t size, uint64_t *offset)
{
	if (!st->sorted) {
		if (st->n)
			qsort(st->v, st->n, sizeof(*st->v), by_addr);
		st->sorted = true;
	}
	// The last entry starting at or below addr.
	size_t lo = 0, hi = st->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return rv_error_format(RV_ERR_LOOKUP, "no function holds %#" PRIx64, addr);
	size_t i = lo - 1;
	// Of the entries at the same address, the first (sized) one.
	while (i > 0 && st->v[i - 1].addr == st->v[i].addr)
		i--;
	const struct rv_symtab_entry *e = &st->v[i];
	uint64_t end;
	if (e->size) {
		end = e->addr + e->size;
	} else {
		end = e->addr + MAX_UNSIZED_FUNC;
		if (lo < st->n && st->v[lo].addr < end)
			end = st->v[lo].addr;
	}
	if (addr >= end)
		return rv_error_format(RV_ERR_LOOKUP, "no function holds %#" PRIx64, addr);
	if (size)
		snprintf(name, size, "%s", st->names + e->name);
	*offset = addr - e->addr;
	return NULL;
}

size_t rv_symtab_count(const struct rv_symtab *st)
{
	return st->n;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// The in-memory target backend of the unit tier (memtarget.h).
#include <stdlib.h>
#include <string.h>

#include "memtarget.h"
#include "symtab.h"

#define MT_MAX 256

struct region {
	rv_addr_t addr;
	size_t len;
	unsigned char *bytes;
};

struct named {
	char *name, *path;
	uint64_t value;
	struct rv_member m;
	char *text;
};

struct memtarget {
	struct rv_target t;
	struct region regions[MT_MAX];
	size_t nregions;
	struct named syms[MT_MAX], types[MT_MAX], members[MT_MAX], enums[MT_MAX],
		vmcoreinfo[MT_MAX];
	size_t nsyms, ntypes, nmembers, nenums, nvmcoreinfo;
	unsigned int member_calls;
	struct rv_symtab funcs;
};

static struct memtarget *mt(struct rv_target *t)
{
	return t->priv;
}

static struct rv_error *mt_read(struct rv_target *t, rv_addr_t addr, void *buf, size_t len)
{
	struct memtarget *m = mt(t);
	// Byte by byte across regions: a read that leaves mapped memory faults.
	unsigned char *out = buf;
	for (size_t i = 0; i < len; i++) {
		rv_addr_t a = addr + i;
		size_t r;
		for (r = 0; r < m->nregions; r++) {
			struct region *g = &m->regions[r];
			if (a >= g->addr && a - g->addr < g->len) {
				out[i] = g->bytes[a - g->addr];
				break;
			}
		}
		if (r == m->nregions)
			return rv_error_fault(a, "unmapped %#" PRIx64, a);
	}
	return NULL;
}

static const struct named *find(const struct named *v, size_t n, const char *name,
				const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name) && (!path || !strcmp(v[i].path, path)))
			return &v[i];
	return NULL;
}

static struct rv_error *mt_symbol_op(struct rv_target *t, const char *name, rv_addr_t *ret)
{
	const struct named *s = find(mt(t)->syms, mt(t)->nsyms, name, NULL);
	if (!s)
		return rv_error_format(RV_ERR_LOOKUP, "no symbol %s", name);
	*ret = s->value;
	return NULL;
}

static struct rv_error *mt_symbolize_op(struct rv_target *t, rv_addr_t addr, char *name,
				       size_t size, uint64_t *offset)
{
	return rv_symtab_find(&mt(t)->funcs, addr, name, size, offset);
}

static struct rv_error *mt_type_size(struct rv_target *t, const char *type, uint64_t *ret)
{
	const struct named *s = find(mt(t)->types, mt(t)->ntypes, type, NULL);
	if (!s)
		return rv_error_format(RV_ERR_LOOKUP, "no type %s", type);
	*ret = s->value;
	return NULL;
}

static struct rv_error *mt_member_op(struct rv_target *t, const char *type, const char *path,
				     struct rv_member *ret)
{
	mt(t)->member_calls++;
	const struct named *s = find(mt(t)->members, mt(t)->nmembers, type, path);
	if (!s)
		return rv_error_format(RV_ERR_LOOKUP, "no member %s.%s", type, path);
	*ret = s->m;
	return NULL;
}

static struct rv_error *mt_enum_op(struct rv_target *t, const char *name, int64_t *ret)
{
	const struct named *s = find(mt(t)->enums, mt(t)->nenums, name, NULL);
	if (!s)
		return rv_error_format(RV_ERR_LOOKUP, "no enumerator %s", name);
	*ret = (int64_t)s->value;
	return NULL;
}

static struct rv_error *mt_vmcoreinfo_op(struct rv_target *t, const char *key, char **ret)
{
	const struct named *s = find(mt(t)->vmcoreinfo, mt(t)->nvmcoreinfo, key, NULL);
	if (!s)
		return rv_error_format(RV_ERR_LOOKUP, "no VMCOREINFO %s", key);
	*ret = strdup(s->text);
	return *ret ? NULL : &rv_enomem;
}

static const struct rv_target_ops mt_ops = {
	.name = "memtarget",
	.read = mt_read,
	.symbol = mt_symbol_op,
	.symbolize = mt_symbolize_op,
	.type_size = mt_type_size,
	.member = mt_member_op,
	.enum_value = mt_enum_op,
	.vmcoreinfo = mt_vmcoreinfo_op,
};

struct rv_target *mt_new(void)
{
	struct memtarget *m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	struct rv_error *err = rv_target_init(&m->t, &mt_ops, m);
	if (err)
		abort();
	return &m->t;
}

static void free_named(struct named *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
		free(v[i].text);
	}
}

void mt_free(struct rv_target *t)
{
	struct memtarget *m = mt(t);
	rv_target_deinit(t);
	for (size_t i = 0; i < m->nregions; i++)
		free(m->regions[i].bytes);
	free_named(m->syms, m->nsyms);
	free_named(m->types, m->ntypes);
	free_named(m->members, m->nmembers);
	free_named(m->enums, m->nenums);
	free_named(m->vmcoreinfo, m->nvmcoreinfo);
	rv_symtab_deinit(&m->funcs);
	free(m);
}

void *mt_map(struct rv_target *t, rv_addr_t addr, size_t len)
{
	struct memtarget *m = mt(t);
	if (m->nregions == MT_MAX)
		abort();
	struct region *g = &m->regions[m->nregions++];
	g->addr = addr;
	g->len = len;
	g->bytes = calloc(1, len);
	if (!g->bytes)
		abort();
	return g->bytes;
}

static struct named *add(struct named *v, size_t *n, const char *name, const char *path)
{
	if (*n == MT_MAX)
		abort();
	struct named *s = &v[(*n)++];
	memset(s, 0, sizeof(*s));
	s->name = strdup(name);
	s->path = path ? strdup(path) : NULL;
	return s;
}

void mt_symbol(struct rv_target *t, const char *name, rv_addr_t addr)
{
	add(mt(t)->syms, &mt(t)->nsyms, name, NULL)->value = addr;
}

void mt_function(struct rv_target *t, const char *name, rv_addr_t addr, uint64_t size)
{
	if (rv_symtab_add(&mt(t)->funcs, name, addr, size))
		abort();
}

void mt_type(struct rv_target *t, const char *type, uint64_t size)
{
	add(mt(t)->types, &mt(t)->ntypes, type, NULL)->value = size;
}

void mt_member_full(struct rv_target *t, const char *type, const char *path,
		    const struct rv_member *m)
{
	add(mt(t)->members, &mt(t)->nmembers, type, path)->m = *m;
}

void mt_member(struct rv_target *t, const char *type, const char *path,
	       uint64_t offset, uint64_t size, enum rv_kind kind)
{
	struct rv_member m = { .offset = offset, .size = size, .kind = kind };
	mt_member_full(t, type, path, &m);
}

void mt_enum(struct rv_target *t, const char *name, int64_t value)
{
	add(mt(t)->enums, &mt(t)->nenums, name, NULL)->value = (uint64_t)value;
}

void mt_vmcoreinfo(struct rv_target *t, const char *key, const char *value)
{
	add(mt(t)->vmcoreinfo, &mt(t)->nvmcoreinfo, key, NULL)->text = strdup(value);
}

unsigned int mt_member_calls(struct rv_target *t)
{
	return mt(t)->member_calls;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Name index and C type spellings of the type sources. See name_index.h.

#include <stdlib.h>
#include <string.h>

#include "name_index.h"

static uint32_t name_hash(enum rv_name_space ns, const char *name)
{
	uint32_t h = 2166136261u ^ ns;
	for (const char *s = name; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct rv_name_entry *slot(const struct rv_name_index *ix,
				  enum rv_name_space ns, const char *name, uint32_t h)
{
	size_t mask = ix->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct rv_name_entry *e = &ix->tab[i];
		if (!e->name || (e->hash == h && e->ns == ns && !strcmp(e->name, name)))
			return e;
	}
}

static bool grow_to(struct rv_name_index *ix, size_t ncap)
{
	struct rv_name_entry *old = ix->tab, *tab = calloc(ncap, sizeof(*tab));
	if (!tab)
		return false;
	size_t ocap = ix->cap;
	ix->tab = tab;
	ix->cap = ncap;
	for (size_t i = 0; i < ocap; i++) {
		if (old[i].name)
			*slot(ix, old[i].ns, old[i].name, old[i].hash) = old[i];
	}
	free(old);
	return true;
}

static bool grow(struct rv_name_index *ix)
{
	return grow_to(ix, ix->cap ? ix->cap * 2 : 4096);
}

bool rv_name_index_reserve(struct rv_name_index *ix, size_t n)
{
	size_t cap = ix->cap ? ix->cap : 4096;
	while (cap < 2 * (n + 1))
		cap *= 2;
	return cap == ix->cap || grow_to(ix, cap);
}

void rv_name_index_add(struct rv_name_index *ix, enum rv_name_space ns,
		       const char *name, bool complete, uint64_t val)
{
	if ((ix->used + 1) * 2 > ix->cap && !grow(ix))
		return;
	uint32_t h = name_hash(ns, name);
	struct rv_name_entry *e = slot(ix, ns, name, h);
	if (e->name) {
		if (!e->complete && complete) {
			e->complete = true;
			e->val = val;
		}
		return;
	}
	*e = (struct rv_name_entry){ .name = name, .hash = h, .ns = ns,
				     .complete = complete, .val = val };
	ix->used++;
}

const struct rv_name_entry *rv_name_index_find(const struct rv_name_index *ix,
					       enum rv_name_space ns, const char *name)
{
	if (!ix->cap)
		return NULL;
	struct rv_name_entry *e = slot(ix, ns, name, name_hash(ns, name));
	return e->name ? e : NULL;
}

void rv_name_index_free(struct rv_name_index *ix)
{
	free(ix->tab);
	*ix = (struct rv_name_index){ 0 };
}

const char *rv_type_spelling(const char *type, enum rv_name_space *ns)
{
	static const struct {
		const char *prefix;
		enum rv_name_space ns;
	} tags[] = {
		{ "struct ", RV_NS_STRUCT },
		{ "union ", RV_NS_UNION },
		{ "enum ", RV_NS_ENUM },
	};
	while (*type == ' ')
		type++;
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		size_t n = strlen(tags[i].prefix);
		if (!strncmp(type, tags[i].prefix, n)) {
			*ns = tags[i].ns;
			return type + n;
		}
	}
	*ns = RV_NS_TYPE;
	return type;
}

const char *rv_base_type_alias(const char *name)
{
	static const char *const alias[][2] = {
		{ "unsigned", "unsigned int" },
		{ "long", "long int" },
		{ "unsigned long", "long unsigned int" },
		{ "long long", "long long int" },
		{ "unsigned long long", "long long unsigned int" },
		{ "short", "short int" },
		{ "unsigned short", "short unsigned int" },
		{ "signed char", "signed char" },
	};
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++) {
		if (!strcmp(name, alias[i][0]))
			return alias[i][1];
	}
	return NULL;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// The dump's kallsyms. See kallsyms.h.
//
// Format facts (scripts/kallsyms.c writes the tables, kernel/kallsyms.c
// reads them):
// - kallsyms_names: one entry per symbol, a length then that many token
//   numbers. The length is one byte; since v6.1 (commit 73bbb94466fd
//   "kallsyms: support "big" kernel symbols") a first byte with bit 7 set
//   carries the low 7 bits and a second byte the next 8.
// - token n expands to the NUL-terminated string at
//   kallsyms_token_table + kallsyms_token_index[n] (u16 each, 256 tokens).
// - the first character of an expanded name is its type ('T', 't', 'D'...);
//   upper case is global.
// - kallsyms_offsets: one s32 per symbol. With CONFIG_KALLSYMS_ABSOLUTE_PERCPU
//   (x86_64 SMP) a non-negative offset is the absolute value
//   (per-CPU symbols) and a negative one is kallsyms_relative_base - 1 - off;
//   without it every offset is an unsigned offset from kallsyms_relative_base.
//   VMCOREINFO does not say which: the encoding that puts _stext where
//   VMCOREINFO's SYMBOL(_stext) says is taken.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"
#include "name_index.h"

#define MAX_SYMS (4u << 20)		// kallsyms_num_syms
#define MAX_NAMES_BYTES (64u << 20)	// the compressed name stream
#define MAX_NAME 512			// KSYM_NAME_LEN since v6.1
#define NTOKENS 256

const char *const rv_kallsyms_keys[] = {
	"kallsyms_names", "kallsyms_offsets", "kallsyms_relative_base",
	"kallsyms_num_syms", "kallsyms_token_table", "kallsyms_token_index", NULL,
};

struct rv_kallsyms {
	char *names;		// all expanded names, NUL-separated
	struct rv_name_index index;	// name -> address (RV_NS_TYPE; complete = global)
	size_t count;
	bool absolute_percpu;
	// every symbol in table order, for rv_kallsyms_for_each()
	uint32_t num;
	size_t *name_at;
	char *types;
	uint64_t *addrs;
};

struct rv_error *rv_vmcoreinfo_symbol(struct rv_target *t, const char *name,
				      uint64_t *ret)
{
	char key[64], *v;
	snprintf(key, sizeof(key), "SYMBOL(%s)", name);
	struct rv_error *err = t->ops->vmcoreinfo ? t->ops->vmcoreinfo(t, key, &v) :
				rv_error_format(RV_ERR_LOOKUP, "no VMCOREINFO");
	if (err)
		return err;
	char *end;
	*ret = strtoull(v, &end, 16);
	bool ok = *v && !*end;
	free(v);
	return ok ? NULL : rv_error_format(RV_ERR_CORRUPT, "VMCOREINFO %s is not hex", key);
}

struct tables {
	uint64_t addr[6];	// in rv_kallsyms_keys order
	uint32_t num;
	uint64_t base;
	uint16_t token_index[NTOKENS];
	char *tokens;		// token table, NUL-terminated strings
	size_t tokens_len;
	uint8_t *names;
	size_t names_len;
	int32_t *offsets;
};

enum { NAMES, OFFSETS, BASE, NUM, TOKEN_TABLE, TOKEN_INDEX };

// The name stream ends before whichever table follows it in memory (the
// order changed over the releases); else a bound from the symbol count.
static size_t names_bound(const struct tables *tb)
{
	uint64_t end = 0;
	for (int i = 0; i < 6; i++)
		if (tb->addr[i] > tb->addr[NAMES] && (!end || tb->addr[i] < end))
			end = tb->addr[i];
	uint64_t by_count = (uint64_t)tb->num * (MAX_NAME + 2);
	uint64_t n = end ? end - tb->addr[NAMES] : by_count;
	if (n > by_count)
		n = by_count;
	return n > MAX_NAMES_BYTES ? MAX_NAMES_BYTES : (size_t)n;
}

static struct rv_error *read_tables(struct rv_target *t, struct tables *tb)
{
	char missing[256] = "";
	for (int i = 0; rv_kallsyms_keys[i]; i++) {
		struct rv_error *err = rv_vmcoreinfo_symbol(t, rv_kallsyms_keys[i], &tb->addr[i]);
		if (err && err->code != RV_ERR_LOOKUP)
			return err;
		if (err) {
			size_t n = strlen(missing);
			snprintf(missing + n, sizeof(missing) - n, "%sSYMBOL(%s)", n ? ", " : "",
				 rv_kallsyms_keys[i]);
			rv_error_destroy(err);
		}
	}
	if (missing[0])
		return rv_error_format(RV_ERR_NODEBUG, "VMCOREINFO lacks %s (named there "
				       "from v6.0 on)", missing);
	struct rv_error *err = rv_read_u32(t, tb->addr[NUM], &tb->num);
	if (!err)
		err = rv_read_u64(t, tb->addr[BASE], &tb->base);
	if (!err)
		err = rv_read(t, tb->addr[TOKEN_INDEX], tb->token_index, sizeof(tb->token_index));
	if (err)
		return rv_error_wrap(err, "kallsyms tables");
	if (!tb->num || tb->num > MAX_SYMS)
		return rv_error_format(RV_ERR_CORRUPT, "kallsyms_num_syms %u is implausible",
				       tb->num);
	// The token table: up to the last token's end.
	uint16_t last = 0;
	for (int i = 0; i < NTOKENS; i++)
		if (tb->token_index[i] > last)
			last = tb->token_index[i];
	tb->tokens_len = (size_t)last + 256;
	tb->tokens = malloc(tb->tokens_len + 1);
	tb->names_len = names_bound(tb);
	tb->names = malloc(tb->names_len);
	tb->offsets = malloc((size_t)tb->num * sizeof(int32_t));
	if (!tb->tokens || !tb->names || !tb->offsets)
		return &rv_enomem;
	// The token table may end just before an unreadable page: shrink.
	while ((err = rv_read(t, tb->addr[TOKEN_TABLE], tb->tokens, tb->tokens_len)) &&
	       tb->tokens_len > (size_t)last + 1) {
		rv_error_destroy(err);
		tb->tokens_len = (size_t)last + 1 + (tb->tokens_len - last - 1) / 2;
	}
	tb->tokens[tb->tokens_len] = '\0';
	if (!err)
		err = rv_read(t, tb->addr[OFFSETS], tb->offsets, (size_t)tb->num * sizeof(int32_t));
	if (!err)
		err = rv_read(t, tb->addr[NAMES], tb->names, tb->names_len);
	return err ? rv_error_wrap(err, "kallsyms tables") : NULL;
}

static void free_tables(struct tables *tb)
{
	free(tb->tokens);
	free(tb->names);
	free(tb->offsets);
}

static uint64_t sym_address(const struct tables *tb, uint32_t i, bool absolute_percpu)
{
	int32_t off = tb->offsets[i];
	if (!absolute_percpu)
		return tb->base + (uint32_t)off;
	if (off >= 0)
		return (uint64_t)(int64_t)off;
	return tb->base - 1 - (uint64_t)(int64_t)off;
}

// Expand the entry at *pos into @p out (MAX_NAME bytes, type char first).
static struct rv_error *expand(const struct tables *tb, size_t *pos, char *out)
{
	size_t p = *pos;
	if (p >= tb->names_len)
		return rv_error_format(RV_ERR_CORRUPT, "kallsyms_names ends early");
	size_t len = tb->names[p++];
	if (len & 0x80) {
		if (p >= tb->names_len)
			return rv_error_format(RV_ERR_CORRUPT, "kallsyms_names ends early");
		len = (len & 0x7f) | ((size_t)tb->names[p++] << 7);
	}
	if (!len || len > tb->names_len - p)
		return rv_error_format(RV_ERR_CORRUPT, "kallsyms_names: bad entry length %zu at %zu",
				       len, *pos);
	size_t n = 0;
	for (size_t k = 0; k < len; k++) {
		uint16_t ti = tb->token_index[tb->names[p + k]];
		if (ti >= tb->tokens_len)
			return rv_error_format(RV_ERR_CORRUPT, "kallsyms token %u out of the table",
					       tb->names[p + k]);
		for (const char *s = tb->tokens + ti; *s; s++) {
			if (n + 1 >= MAX_NAME)
				return rv_error_format(RV_ERR_CORRUPT, "kallsyms name too long at %zu",
						       *pos);
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	*pos = p + len;
	return NULL;
}

static struct rv_error *decode(struct rv_target *t, struct tables *tb, struct rv_kallsyms *ks)
{
	// Names go to one buffer (each "name\0"), addresses beside them.
	size_t cap = tb->names_len * 3 + 1024, used = 0;
	ks->names = malloc(cap);
	size_t *name_at = malloc((size_t)tb->num * sizeof(size_t));
	char *types = malloc(tb->num);
	uint64_t *addrs = malloc((size_t)tb->num * sizeof(uint64_t));
	ks->name_at = name_at;
	ks->types = types;
	ks->addrs = addrs;
	ks->num = tb->num;
	struct rv_error *err = NULL;
	if (!ks->names || !name_at || !types || !addrs)
		err = &rv_enomem;
	size_t pos = 0;
	char buf[MAX_NAME];
	int64_t stext_index = -1;
	for (uint32_t i = 0; !err && i < tb->num; i++) {
		err = expand(tb, &pos, buf);
		if (err)
			break;
		size_t n = strlen(buf);
		if (n < 2) {
			err = rv_error_format(RV_ERR_CORRUPT, "kallsyms: empty name of symbol %u", i);
			break;
		}
		if (used + n > cap) {
			size_t ncap = cap * 2 + n;
			char *v = realloc(ks->names, ncap);
			if (!v) {
				err = &rv_enomem;
				break;
			}
			ks->names = v;
			cap = ncap;
		}
		types[i] = buf[0];
		memcpy(ks->names + used, buf + 1, n);	// without the type, with the NUL
		name_at[i] = used;
		used += n;
		if (stext_index < 0 && !strcmp(buf + 1, "_stext"))
			stext_index = i;
	}
	// The offsets' encoding: the one that agrees with VMCOREINFO's _stext.
	uint64_t stext;
	if (!err) {
		err = rv_vmcoreinfo_symbol(t, "_stext", &stext);
		if (err)
			err = rv_error_wrap(err, "kallsyms: need SYMBOL(_stext) to check the offsets");
	}
	if (!err && stext_index < 0)
		err = rv_error_format(RV_ERR_CORRUPT, "kallsyms has no _stext");
	if (!err) {
		if (sym_address(tb, (uint32_t)stext_index, true) == stext)
			ks->absolute_percpu = true;
		else if (sym_address(tb, (uint32_t)stext_index, false) != stext)
			err = rv_error_format(RV_ERR_CORRUPT,
					      "kallsyms offsets do not decode: _stext is %#" PRIx64
					      " in VMCOREINFO, neither encoding gives it", stext);
	}
	if (!err)
		rv_name_index_reserve(&ks->index, tb->num);
	// Index: a global symbol wins over a local one of the same name, else
	// the first (as the vmlinux symbol table is read).
	for (uint32_t i = 0; !err && i < tb->num; i++) {
		const char *name = ks->names + name_at[i];
		addrs[i] = sym_address(tb, i, ks->absolute_percpu);
		bool global = types[i] >= 'A' && types[i] <= 'Z';
		const struct rv_name_entry *e = rv_name_index_find(&ks->index, RV_NS_TYPE, name);
		if (e && (e->complete || !global))
			continue;
		if (e) {	// replace a local by a global
			((struct rv_name_entry *)e)->complete = true;
			((struct rv_name_entry *)e)->val = sym_address(tb, i, ks->absolute_percpu);
			continue;
		}
		rv_name_index_add(&ks->index, RV_NS_TYPE, name, global,
				  sym_address(tb, i, ks->absolute_percpu));
		ks->count++;
	}
	return err;
}

struct rv_error *rv_kallsyms_load(struct rv_target *t, struct rv_kallsyms **ret)
{
	struct tables tb = { 0 };
	struct rv_kallsyms *ks = calloc(1, sizeof(*ks));
	struct rv_error *err = ks ? read_tables(t, &tb) : &rv_enomem;
	if (!err)
		err = decode(t, &tb, ks);
	free_tables(&tb);
	if (err) {
		rv_kallsyms_free(ks);
		return err;
	}
	*ret = ks;
	return NULL;
}

void rv_kallsyms_free(struct rv_kallsyms *ks)
{
	if (!ks)
		return;
	rv_name_index_free(&ks->index);
	free(ks->names);
	free(ks->name_at);
	free(ks->types);
	free(ks->addrs);
	free(ks);
}

struct rv_error *rv_kallsyms_lookup(const struct rv_kallsyms *ks, const char *name,
				    uint64_t *ret)
{
	const struct rv_name_entry *e = rv_name_index_find(&ks->index, RV_NS_TYPE, name);
	if (!e)
		return rv_error_format(RV_ERR_LOOKUP, "no symbol %s", name);
	*ret = e->val;
	return NULL;
}

struct rv_error *rv_kallsyms_for_each(const struct rv_kallsyms *ks, rv_kallsyms_fn fn,
				      void *arg)
{
	for (uint32_t i = 0; i < ks->num; i++) {
		struct rv_error *err = fn(ks->names + ks->name_at[i], ks->types[i],
					  ks->addrs[i], arg);
		if (err)
			return err;
	}
	return NULL;
}

size_t rv_kallsyms_count(const struct rv_kallsyms *ks)
{
	return ks->count;
}

const char *rv_kallsyms_encoding(const struct rv_kallsyms *ks)
{
	return ks->absolute_percpu ? "absolute-percpu" : "relative";
}

// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the BTF reader (lib/btf_types.c): a vmlinux BTF blob
// and a module's split BTF over it, then the questions the decoders ask
// (size, member by dotted and indexed path, enumerators) for every named
// type of the vmlinux blob, as libbpf lists them. Input: u32 (LE) length of the
// vmlinux part, the vmlinux part, the module part. Seeds: BTF that clang
// writes for the fixture layouts (tests/fuzz/run.sh).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "btf_types.h"

#define MAX_QUERIES 400

static bool visit(const char *name, int64_t value, void *arg)
{
	(void)name;
	(void)value;
	return ++*(unsigned int *)arg < 1000;
}

static void ask(const struct rv_btf *b, const char *type, const char *member)
{
	struct rv_member m;
	uint64_t size;
	struct rv_error *err = member ? rv_btf_member(b, type, member, &m) :
				rv_btf_size(b, type, &size);
	rv_error_destroy(err);
}

// Every named struct/union/enum/typedef of @p btf: sizes, members (one
// level of nesting and an index), enumerators.
static void ask_all(const struct rv_btf *b, const struct btf *btf, unsigned int *budget)
{
	unsigned int n = btf__type_cnt(btf);
	for (unsigned int id = 1; id < n && *budget; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
		if (!name || !*name)
			continue;
		char type[256], path[512];
		int kind = btf_kind(t);
		const char *tag = kind == BTF_KIND_STRUCT ? "struct " : kind == BTF_KIND_UNION ?
				  "union " : kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64 ?
				  "enum " : kind == BTF_KIND_TYPEDEF ? "" : NULL;
		if (!tag)
			continue;
		snprintf(type, sizeof(type), "%s%s", tag, name);
		--*budget;
		ask(b, type, NULL);
		if (kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64) {
			unsigned int k = 0;
			rv_error_destroy(rv_btf_enumerators(b, type, visit, &k));
			int64_t v;
			if (btf_vlen(t) && kind == BTF_KIND_ENUM)
				rv_error_destroy(rv_btf_enum(b, btf__name_by_offset(
					btf, btf_enum(t)[0].name_off) ?: "", &v));
			continue;
		}
		if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION)
			continue;
		const struct btf_member *m = btf_members(t);
		for (unsigned int i = 0; i < btf_vlen(t) && *budget; i++, --*budget) {
			const char *mn = btf__name_by_offset(btf, m[i].name_off);
			if (!mn || !*mn)
				continue;
			ask(b, type, mn);
			snprintf(path, sizeof(path), "%s[1]", mn);
			ask(b, type, path);
			// one level down, through the member's own members
			const struct btf_type *mt = btf__type_by_id(btf, m[i].type);
			if (mt && (btf_is_struct(mt) || btf_is_union(mt)) && btf_vlen(mt)) {
				const char *sub = btf__name_by_offset(btf, btf_members(mt)[0].name_off);
				snprintf(path, sizeof(path), "%s.%s", mn, sub ? sub : "");
				ask(b, type, path);
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 4)
		return 0;
	size_t split = (data[0] | data[1] << 8 | data[2] << 16 | (size_t)data[3] << 24) %
		       (size - 3);
	const unsigned char *vm = data + 4, *mod = vm + split;
	size_t modsize = size - 4 - split;
	struct rv_btf *b = NULL;
	struct rv_error *err = rv_btf_new(vm, split, &b);
	if (getenv("RV_FUZZ_VERBOSE"))	// replaying one input by hand
		fprintf(stderr, "btf: %s\n", err ? err->msg : "ok");
	if (err) {
		rv_error_destroy(err);
		return 0;
	}
	unsigned int budget = MAX_QUERIES;
	struct btf *base = btf__new(vm, split);
	if (libbpf_get_error(base))
		base = NULL;
	if (base)
		ask_all(b, base, &budget);
	if (modsize) {
		// (the module's own names are not listed: libbpf 1.1 does not
		// export btf__new_split; the base names are asked again)
		err = rv_btf_add_module(b, "raid1", mod, modsize);
		if (!err && base)
			ask_all(b, base, &budget);
		rv_error_destroy(err);
		(void)rv_btf_has_module(b, "raid1");
	}
	struct rv_btf_stats st;
	rv_btf_stats(b, &st);
	btf__free(base);
	rv_btf_free(b);
	return 0;
}

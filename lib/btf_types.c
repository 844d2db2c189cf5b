// SPDX-License-Identifier: GPL-2.0-or-later
// Types, members and enumerators from the dump's BTF through libbpf. See
// btf_types.h. The BTF format is libbpf's to parse: this file only asks it
// (btf__type_by_id, btf_members, ...) and indexes the names once per file.

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "btf_types.h"
#include "name_index.h"
#include "type_source.h"

#define MAX_BTF_FILES 64	// vmlinux + modules
#define MAX_DEPTH 32		// typedef/qualifier chains, nested anonymous members
#define MAX_VISITS 100000	// members looked at for one path component

struct btf_file {
	struct btf *btf;
	char *module;		// NULL for vmlinux
	struct rv_name_index index;	// names -> type ids, enumerators -> values
	size_t bytes;
};

struct rv_btf {
	struct btf_file files[MAX_BTF_FILES];
	size_t nfiles;
};

// A type: the file whose ids it is in (a module's ids cover vmlinux's too).
struct bt {
	const struct btf *btf;
	uint32_t id;
	const struct btf_type *t;
};

/** Enumerator @p i of the enum (or enum64) type @p t: its value; its name in @p name. */
static int64_t enumerator_at(const struct btf *btf, const struct btf_type *t, unsigned int i,
			     const char **name)
{
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t) + i;
		*name = btf__name_by_offset(btf, e->name_off);
		// BTF_KIND_ENUM kflag: signed values (v6.0+)
		return btf_kflag(t) ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
	}
	const struct btf_enum64 *e = btf_enum64(t) + i;
	*name = btf__name_by_offset(btf, e->name_off);
	return (int64_t)btf_enum64_value(e);
}

static bool bt_get(const struct btf *btf, uint32_t id, struct bt *ret)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t)
		return false;
	*ret = (struct bt){ btf, id, t };
	return true;
}

static const char *bt_name(const struct bt *b)
{
	const char *n = btf__name_by_offset(b->btf, b->t->name_off);
	return n ? n : "";
}

// ---- indexing ----

static void index_type(struct btf_file *f, uint32_t id, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(f->btf, t->name_off);
	bool named = name && *name;
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		if (named)
			rv_name_index_add(&f->index, RV_NS_STRUCT, name, true, id);
		break;
	case BTF_KIND_UNION:
		if (named)
			rv_name_index_add(&f->index, RV_NS_UNION, name, true, id);
		break;
	case BTF_KIND_FWD:
		if (named)
			rv_name_index_add(&f->index, btf_kflag(t) ? RV_NS_UNION : RV_NS_STRUCT,
					  name, false, id);
		break;
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_INT:
	case BTF_KIND_FLOAT:
		if (named)
			rv_name_index_add(&f->index, RV_NS_TYPE, name, true, id);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: {
		// A forward enum declaration has no values and no size.
		bool complete = btf_vlen(t) > 0 || t->size;
		if (named)
			rv_name_index_add(&f->index, RV_NS_ENUM, name, complete, id);
		for (unsigned int i = 0; i < btf_vlen(t); i++) {
			const char *en;
			int64_t v = enumerator_at(f->btf, t, i, &en);
			if (en && *en)
				rv_name_index_add(&f->index, RV_NS_ENUMERATOR, en, true,
						  (uint64_t)v);
		}
		break;
	}
	default:
		break;
	}
}

/**
 * Split BTF from memory. libbpf declares btf__new_split() but exports it
 * only from v1.2 on (Debian 12 has 1.1), so the bytes go through a memfd
 * to btf__parse_raw_split(), which every libbpf since v0.3 exports.
 */
static struct btf *new_split(const void *data, size_t size, struct btf *base)
{
	int fd = memfd_create("raidvirt-btf", MFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct btf *btf = NULL;
	const char *p = data;
	size_t done = 0;
	while (done < size) {
		ssize_t n = write(fd, p + done, size - done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	if (done == size) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		btf = btf__parse_raw_split(path, base);
	}
	int e = errno;
	close(fd);
	errno = e;
	return btf;
}

static struct rv_error *add_file(struct rv_btf *b, const char *module,
				 const void *data, size_t size)
{
	if (b->nfiles == MAX_BTF_FILES)
		return rv_error_format(RV_ERR_NODEBUG, "too many BTF files (limit %d)",
				       MAX_BTF_FILES);
	if (size > UINT32_MAX)
		return rv_error_format(RV_ERR_CORRUPT, "BTF of %s: %zu bytes is implausible",
				       module ? module : "vmlinux", size);
	struct btf_file *f = &b->files[b->nfiles];
	struct btf *base = module ? b->files[0].btf : NULL;
	errno = 0;
	f->btf = base ? new_split(data, size, base) : btf__new(data, (uint32_t)size);
	if (!f->btf) {
		int e = errno;
		f->btf = NULL;
		if (e == ENOMEM)
			return &rv_enomem;
		return rv_error_format(RV_ERR_CORRUPT, "BTF of %s does not parse (libbpf: %s)",
				       module ? module : "vmlinux", strerror(e ? e : EINVAL));
	}
	if (module && !(f->module = strdup(module))) {
		btf__free(f->btf);
		f->btf = NULL;
		return &rv_enomem;
	}
	f->bytes = size;
	uint32_t first = base ? btf__type_cnt(base) : 1, n = btf__type_cnt(f->btf);
	rv_name_index_reserve(&f->index, (n - first) / 2);	// about half are named
	for (uint32_t id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(f->btf, id);
		if (t)
			index_type(f, id, t);
	}
	b->nfiles++;
	return NULL;
}

struct rv_error *rv_btf_new(const void *data, size_t size, struct rv_btf **ret)
{
	struct rv_btf *b = calloc(1, sizeof(*b));
	if (!b)
		return &rv_enomem;
	struct rv_error *err = add_file(b, NULL, data, size);
	if (err) {
		free(b);
		return err;
	}
	*ret = b;
	return NULL;
}

struct rv_error *rv_btf_add_module(struct rv_btf *b, const char *module,
				   const void *data, size_t size)
{
	return add_file(b, module, data, size);
}

bool rv_btf_has_module(const struct rv_btf *b, const char *module)
{
	for (size_t i = 1; i < b->nfiles; i++)
		if (!strcmp(b->files[i].module, module))
			return true;
	return false;
}

void rv_btf_free(struct rv_btf *b)
{
	if (!b)
		return;
	// Modules first: their BTF is split on top of vmlinux's.
	for (size_t i = b->nfiles; i-- > 0;) {
		btf__free(b->files[i].btf);
		free(b->files[i].module);
		rv_name_index_free(&b->files[i].index);
	}
	free(b);
}

void rv_btf_stats(const struct rv_btf *b, struct rv_btf_stats *ret)
{
	*ret = (struct rv_btf_stats){ .files = (unsigned int)b->nfiles };
	for (size_t i = 0; i < b->nfiles; i++) {
		ret->types = btf__type_cnt(b->files[i].btf) - 1;	// split: includes base
		ret->names += b->files[i].index.used;
		ret->bytes += b->files[i].bytes;
	}
}

// ---- lookups ----

// A complete type for (ns, name) from the first file that has one.
static bool find_complete(const struct rv_btf *b, enum rv_name_space ns,
			  const char *name, struct bt *ret)
{
	for (size_t i = 0; i < b->nfiles; i++) {
		const struct rv_name_entry *e = rv_name_index_find(&b->files[i].index, ns, name);
		if (e && e->complete && bt_get(b->files[i].btf, (uint32_t)e->val, ret))
			return true;
	}
	return false;
}

static bool find_type(const struct rv_btf *b, const char *type, struct bt *ret)
{
	enum rv_name_space ns;
	const char *name = rv_type_spelling(type, &ns);
	if (find_complete(b, ns, name, ret))
		return true;
	const char *alias = ns == RV_NS_TYPE ? rv_base_type_alias(name) : NULL;
	return alias && find_complete(b, RV_NS_TYPE, alias, ret);
}

/**
 * Strip typedefs, qualifiers and type tags. False for void. A forward
 * declaration is replaced by the complete definition when one exists.
 */
static bool strip_type(const struct rv_btf *b, struct bt *x)
{
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		if (!x->id)
			return false;	// void
		switch (btf_kind(x->t)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			if (!x->t->type || !bt_get(x->btf, x->t->type, x))
				return false;
			continue;
		case BTF_KIND_FWD: {
			struct bt def;
			if (find_complete(b, btf_kflag(x->t) ? RV_NS_UNION : RV_NS_STRUCT,
					  bt_name(x), &def))
				*x = def;
			return true;
		}
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
			if (!btf_vlen(x->t) && !x->t->size) {
				struct bt def;
				if (find_complete(b, RV_NS_ENUM, bt_name(x), &def))
					*x = def;
			}
			return true;
		default:
			return true;
		}
	}
	return false;
}

static enum rv_kind kind_of(const struct bt *x)
{
	switch (btf_kind(x->t)) {
	case BTF_KIND_INT:
		return btf_int_encoding(x->t) & BTF_INT_BOOL ? RV_KIND_BOOL : RV_KIND_INT;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return RV_KIND_ENUM;
	case BTF_KIND_PTR:
		return RV_KIND_PTR;
	case BTF_KIND_ARRAY:
		return RV_KIND_ARRAY;
	case BTF_KIND_STRUCT:
		return RV_KIND_STRUCT;
	case BTF_KIND_UNION:
		return RV_KIND_UNION;
	case BTF_KIND_FUNC_PROTO:
		return RV_KIND_FUNC;
	default:
		return RV_KIND_OTHER;
	}
}

// Byte size of a stripped type; false when it has none (void, function,
// forward declaration).
static bool size_of(const struct bt *x, uint64_t *ret)
{
	switch (btf_kind(x->t)) {
	case BTF_KIND_FWD:
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_FUNC:
		return false;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		if (!x->t->size)
			return false;
		break;
	default:
		break;
	}
	int64_t s = btf__resolve_size(x->btf, x->id);
	if (s < 0)
		return false;
	*ret = (uint64_t)s;
	return true;
}

// Informational C spelling of a type, as dwarf_types.c writes it.
static void type_name(const struct bt *x, char *buf, size_t size, int depth)
{
	buf[0] = '\0';
	if (depth > 8)
		return;
	if (!x->id) {
		snprintf(buf, size, "void");
		return;
	}
	const char *name = bt_name(x);
	const char *tag = "";
	struct bt inner;
	char in[96] = "void";
	switch (btf_kind(x->t)) {
	case BTF_KIND_STRUCT:
		tag = "struct ";
		break;
	case BTF_KIND_UNION:
		tag = "union ";
		break;
	case BTF_KIND_FWD:
		tag = btf_kflag(x->t) ? "union " : "struct ";
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		tag = "enum ";
		break;
	case BTF_KIND_PTR:
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
		if (x->t->type && bt_get(x->btf, x->t->type, &inner))
			type_name(&inner, in, sizeof(in), depth + 1);
		if (btf_is_ptr(x->t))
			snprintf(buf, size, "%s *", in);
		else
			snprintf(buf, size, "%s %s", btf_is_const(x->t) ? "const" : "volatile", in);
		return;
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		if (x->t->type && bt_get(x->btf, x->t->type, &inner))
			type_name(&inner, buf, size, depth + 1);
		return;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(x->t);
		in[0] = '\0';
		if (bt_get(x->btf, a->type, &inner))
			type_name(&inner, in, sizeof(in), depth + 1);
		snprintf(buf, size, "%s [%u]", in, a->nelems);
		return;
	}
	case BTF_KIND_FUNC_PROTO:
		snprintf(buf, size, "function");
		return;
	default:
		break;
	}
	snprintf(buf, size, "%s%s", tag, *name ? name : "(anonymous)");
}

static bool is_struct_or_union(const struct bt *x)
{
	return btf_is_composite(x->t);
}

/**
 * Member @p name (length @p len) of the struct/union @p agg, searching
 * anonymous struct/union members transparently. *ret_bits accumulates the
 * bit position from the outermost object; *ret_bitfield the width.
 */
static bool find_member(const struct rv_btf *b, const struct bt *agg,
			const char *name, size_t len, uint64_t base_bits,
			struct bt *ret, uint64_t *ret_bits, unsigned int *ret_bitfield,
			int depth, unsigned int *visits)
{
	if (depth > MAX_DEPTH)
		return false;
	const struct btf_member *m = btf_members(agg->t);
	for (unsigned int i = 0; i < btf_vlen(agg->t); i++, m++) {
		// Hostile BTF: anonymous members nesting a struct in itself.
		if (++*visits > MAX_VISITS)
			return false;
		const char *mname = btf__name_by_offset(agg->btf, m->name_off);
		uint64_t pos = base_bits + btf_member_bit_offset(agg->t, i);
		struct bt mt;
		if (!bt_get(agg->btf, m->type, &mt))
			continue;
		if (mname && *mname) {
			if (strlen(mname) != len || memcmp(mname, name, len))
				continue;
			unsigned int bits = btf_member_bitfield_size(agg->t, i);
			// Without kflag, a bitfield is an int type of fewer bits.
			if (!bits && btf_is_int(mt.t) &&
			    btf_int_bits(mt.t) != mt.t->size * 8u) {
				bits = btf_int_bits(mt.t);
				pos += btf_int_offset(mt.t);
			}
			*ret = mt;
			*ret_bits = pos;
			*ret_bitfield = bits;
			return true;
		}
		struct bt inner = mt;
		if (strip_type(b, &inner) && is_struct_or_union(&inner) &&
		    find_member(b, &inner, name, len, pos, ret, ret_bits, ret_bitfield,
				depth + 1, visits))
			return true;
	}
	return false;
}

static void describe_member(const struct rv_btf *b, const struct bt *mtype,
			    uint64_t bits, unsigned int bitfield, struct rv_member *ret)
{
	struct rv_member r = { 0 };
	r.offset = bits / 8;
	if (bitfield) {
		r.bit_offset = (unsigned int)(bits % 8);
		r.bit_size = bitfield;
	}
	type_name(mtype, r.type_name, sizeof(r.type_name), 0);
	struct bt t = *mtype;
	if (strip_type(b, &t)) {
		r.kind = kind_of(&t);
		if (r.kind == RV_KIND_ARRAY) {
			const struct btf_array *a = btf_array(t.t);
			struct bt elem;
			r.nelem = a->nelems;
			if (bt_get(t.btf, a->type, &elem) && strip_type(b, &elem)) {
				r.target_kind = kind_of(&elem);
				size_of(&elem, &r.target_size);
			}
			r.size = r.nelem * r.target_size;
		} else {
			size_of(&t, &r.size);
		}
		struct bt pt;
		if (r.kind == RV_KIND_PTR && bt_get(t.btf, t.t->type, &pt) && strip_type(b, &pt)) {
			r.target_kind = kind_of(&pt);
			if (r.target_kind != RV_KIND_FUNC)
				size_of(&pt, &r.target_size);
		}
	}
	*ret = r;
}

struct rv_error *rv_btf_member(const struct rv_btf *b, const char *type,
			       const char *path, struct rv_member *ret)
{
	struct bt agg;
	if (!find_type(b, type, &agg))
		return rv_error_format(RV_ERR_LOOKUP, "no type '%s' in the debug info", type);
	if (!strip_type(b, &agg) || !is_struct_or_union(&agg))
		return rv_error_format(RV_ERR_LOOKUP, "'%s' is not a struct or union", type);
	uint64_t bits = 0;
	unsigned int bitfield = 0;
	struct bt m;
	const char *comp = path;
	for (;;) {
		// A component is a member name, optionally indexed when it is an
		// array of structs ("__domains[0].store"), as in the DWARF source.
		const char *dot = strchr(comp, '.');
		const char *end = dot ? dot : comp + strlen(comp);
		const char *bracket = memchr(comp, '[', (size_t)(end - comp));
		size_t len = (size_t)((bracket ? bracket : end) - comp);
		unsigned int visits = 0;
		if (!len || !find_member(b, &agg, comp, len, bits, &m, &bits, &bitfield, 0,
					 &visits))
			return rv_error_format(RV_ERR_LOOKUP, "no member %s.%s in the debug info",
					       type, path);
		if (!dot && !bracket)
			break;
		agg = m;
		if (bitfield || !strip_type(b, &agg))
			return rv_error_format(RV_ERR_LOOKUP,
					       "%s.%.*s is not a struct or union", type,
					       (int)(end - path), path);
		if (bracket) {
			char *close;
			unsigned long long idx = strtoull(bracket + 1, &close, 10);
			if (close == bracket + 1 || *close != ']' || close + 1 != end)
				return rv_error_format(RV_ERR_INVALID, "bad member path '%s'", path);
			if (!btf_is_array(agg.t))
				return rv_error_format(RV_ERR_LOOKUP, "%s.%.*s is not an array",
						       type, (int)(bracket - path), path);
			const struct btf_array *a = btf_array(agg.t);
			struct bt elem;
			uint64_t elem_size = 0;
			if (!bt_get(agg.btf, a->type, &elem) || !strip_type(b, &elem) ||
			    !size_of(&elem, &elem_size))
				return rv_error_format(RV_ERR_LOOKUP, "%s.%.*s: element has no type",
						       type, (int)(end - path), path);
			if (a->nelems && idx >= a->nelems)
				return rv_error_format(RV_ERR_LOOKUP, "%s.%.*s has %u elements",
						       type, (int)(bracket - path), path, a->nelems);
			if (!dot)
				return rv_error_format(RV_ERR_INVALID,
						       "member path '%s' ends in an index: "
						       "ask for the array", path);
			bits += idx * elem_size * 8;
			agg = elem;
		} else if (btf_is_array(agg.t)) {
			return rv_error_format(RV_ERR_LOOKUP,
					       "%s.%.*s is an array: name an element (%.*s[0])",
					       type, (int)(end - path), path, (int)len, comp);
		}
		if (!is_struct_or_union(&agg))
			return rv_error_format(RV_ERR_LOOKUP,
					       "%s.%.*s is not a struct or union", type,
					       (int)(end - path), path);
		comp = dot + 1;
	}
	describe_member(b, &m, bits, bitfield, ret);
	return NULL;
}

struct rv_error *rv_btf_size(const struct rv_btf *b, const char *type, uint64_t *ret)
{
	size_t len = strlen(type);
	while (len && type[len - 1] == ' ')
		len--;
	if (len && type[len - 1] == '*') {
		*ret = 8;	// x86_64 pointers
		return NULL;
	}
	struct bt x;
	if (!find_type(b, type, &x) || !strip_type(b, &x) || !size_of(&x, ret))
		return rv_error_format(RV_ERR_LOOKUP, "no type '%s' in the debug info", type);
	return NULL;
}

struct rv_error *rv_btf_enum(const struct rv_btf *b, const char *name, int64_t *ret)
{
	for (size_t i = 0; i < b->nfiles; i++) {
		const struct rv_name_entry *e =
			rv_name_index_find(&b->files[i].index, RV_NS_ENUMERATOR, name);
		if (e) {
			*ret = (int64_t)e->val;
			return NULL;
		}
	}
	return rv_error_format(RV_ERR_LOOKUP, "no enumerator %s", name);
}

struct rv_error *rv_btf_enumerators(const struct rv_btf *b, const char *type,
				    rv_enumerator_fn visit, void *arg)
{
	struct bt x;
	if (!find_type(b, type, &x) || !strip_type(b, &x) ||
	    (!btf_is_enum(x.t) && !btf_is_enum64(x.t)))
		return rv_error_format(RV_ERR_LOOKUP, "no enum type %s in the BTF", type);
	for (unsigned int i = 0; i < btf_vlen(x.t); i++) {
		const char *name;
		int64_t v = enumerator_at(x.btf, x.t, i, &name);
		if (name && *name && !visit(name, v, arg))
			break;
	}
	return NULL;
}

// ---- as a type source ----

static struct rv_error *src_size(void *src, const char *type, uint64_t *ret)
{
	return rv_btf_size(src, type, ret);
}

static struct rv_error *src_member(void *src, const char *type, const char *path,
				   struct rv_member *ret)
{
	return rv_btf_member(src, type, path, ret);
}

static struct rv_error *src_enum(void *src, const char *name, int64_t *ret)
{
	return rv_btf_enum(src, name, ret);
}

static struct rv_error *src_enumerators(void *src, const char *type, rv_enumerator_fn visit,
				       void *arg)
{
	return rv_btf_enumerators(src, type, visit, arg);
}

const struct rv_type_source_ops rv_btf_source_ops = {
	.name = "btf",
	.size = src_size,
	.member = src_member,
	.enum_value = src_enum,
	.enumerators = src_enumerators,
};

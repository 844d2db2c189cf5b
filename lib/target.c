// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers over the target interface: cached layouts, typed reads, per-CPU
// data, bounded list walks. See target.h.

#include <stdlib.h>
#include <string.h>

#include "target.h"

// ---- layout cache ----
//
// Keyed by "type\0path". A negative answer is cached too (found false) with
// the backend's own message, so a decoder probing for a member that this
// kernel lacks costs one lookup and a cached answer reads as a fresh one.

enum cache_kind { CACHE_MEMBER, CACHE_SIZE };

struct cache_entry {
	struct cache_entry *next;
	enum cache_kind kind;
	bool found;
	enum rv_errcode code;	/**< when !found */
	char *msg;		/**< when !found: the backend's message */
	struct rv_member member;
	uint64_t size;
	char key[];
};

#define CACHE_BUCKETS 512

struct rv_layout_cache {
	struct cache_entry *bucket[CACHE_BUCKETS];
};

static uint32_t cache_hash(enum cache_kind kind, const char *type,
			   const char *path)
{
	uint32_t h = 2166136261u ^ kind;
	for (const char *s = type; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (const char *s = path ? path : ""; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct cache_entry *cache_find(struct rv_layout_cache *c,
				      enum cache_kind kind, const char *type,
				      const char *path)
{
	if (!c)
		return NULL;
	size_t tl = strlen(type);
	path = path ? path : "";
	struct cache_entry *e = c->bucket[cache_hash(kind, type, path) % CACHE_BUCKETS];
	for (; e; e = e->next) {
		if (e->kind == kind && !strcmp(e->key, type) &&
		    !strcmp(e->key + tl + 1, path))
			return e;
	}
	return NULL;
}

static struct cache_entry *cache_add(struct rv_layout_cache *c,
				     enum cache_kind kind, const char *type,
				     const char *path)
{
	if (!c)
		return NULL;
	path = path ? path : "";
	size_t tl = strlen(type), pl = strlen(path);
	struct cache_entry *e = calloc(1, sizeof(*e) + tl + pl + 2);
	if (!e)
		return NULL;
	e->kind = kind;
	memcpy(e->key, type, tl + 1);
	memcpy(e->key + tl + 1, path, pl + 1);
	uint32_t b = cache_hash(kind, type, path) % CACHE_BUCKETS;
	e->next = c->bucket[b];
	c->bucket[b] = e;
	return e;
}

// A negative answer keeps the backend's code and message.
static void cache_set_error(struct cache_entry *e, const struct rv_error *err)
{
	e->code = err ? err->code : 0;
	e->msg = err ? strdup(err->msg) : NULL;
}

static struct rv_error *cached_error(const struct cache_entry *e)
{
	return rv_error_format(e->code, "%s", e->msg ? e->msg : "not in the debug info");
}

static void cache_clear(struct rv_layout_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < CACHE_BUCKETS; i++) {
		struct cache_entry *e = c->bucket[i];
		while (e) {
			struct cache_entry *next = e->next;
			free(e->msg);
			free(e);
			e = next;
		}
		c->bucket[i] = NULL;
	}
}

struct rv_error *rv_target_init(struct rv_target *t,
				const struct rv_target_ops *ops, void *priv)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->priv = priv;
	t->nr_cpu_ids = -1;
	t->max_list = 100000;
	t->cache = calloc(1, sizeof(*t->cache));
	if (!t->cache)
		return &rv_enomem;
	return NULL;
}

void rv_target_deinit(struct rv_target *t)
{
	cache_clear(t->cache);
	free(t->cache);
	free(t->percpu_offset);
	free(t->cpu_online);
	t->cache = NULL;
	t->percpu_offset = NULL;
	t->cpu_online = NULL;
}

void rv_target_flush_cache(struct rv_target *t)
{
	cache_clear(t->cache);
}

// ---- memory ----

struct rv_error *rv_read(struct rv_target *t, rv_addr_t addr, void *buf,
			 size_t len)
{
	if (len == 0)
		return NULL;
	if (!rv_addr_kernel(addr) || addr + len < addr)
		return rv_error_fault(addr, "invalid kernel address %#" PRIx64,
				      addr);
	return t->ops->read(t, addr, buf, len);
}

struct rv_error *rv_read_uint(struct rv_target *t, rv_addr_t addr, size_t size,
			      uint64_t *ret)
{
	uint8_t b[8];
	if (size == 0 || size > 8)
		return rv_error_format(RV_ERR_INVALID,
				       "cannot read a %zu-byte integer", size);
	struct rv_error *err = rv_read(t, addr, b, size);
	if (err)
		return err;
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++)	// x86_64: little endian
		v |= (uint64_t)b[i] << (8 * i);
	*ret = v;
	return NULL;
}

#define DEFINE_READ(bits)                                                     \
	struct rv_error *rv_read_u##bits(struct rv_target *t, rv_addr_t addr, \
					 uint##bits##_t *ret)                 \
	{                                                                     \
		uint64_t v;                                                   \
		struct rv_error *err = rv_read_uint(t, addr, bits / 8, &v);   \
		if (!err)                                                     \
			*ret = (uint##bits##_t)v;                             \
		return err;                                                   \
	}
DEFINE_READ(8)
DEFINE_READ(16)
DEFINE_READ(32)
DEFINE_READ(64)

struct rv_error *rv_read_cstr(struct rv_target *t, rv_addr_t addr, char *buf,
			      size_t size)
{
	if (size == 0)
		return rv_error_format(RV_ERR_INVALID, "empty string buffer");
	size_t have = 0;
	// Read in small chunks that do not cross a page, so that a string at
	// the end of a mapped page does not fail because of the next page.
	while (have < size - 1) {
		rv_addr_t a = addr + have;
		size_t chunk = 64 - (a & 63);
		if (chunk > size - 1 - have)
			chunk = size - 1 - have;
		struct rv_error *err = rv_read(t, a, buf + have, chunk);
		if (err)
			return err;
		void *nul = memchr(buf + have, '\0', chunk);
		if (nul)
			return NULL;
		have += chunk;
	}
	buf[size - 1] = '\0';
	return NULL;
}

// ---- layout ----

struct rv_error *rv_type_size(struct rv_target *t, const char *type,
			      uint64_t *ret)
{
	struct cache_entry *e = cache_find(t->cache, CACHE_SIZE, type, NULL);
	if (e) {
		if (!e->found)
			return cached_error(e);
		*ret = e->size;
		return NULL;
	}
	uint64_t size;
	struct rv_error *err = t->ops->type_size(t, type, &size);
	if (err && err->code != RV_ERR_LOOKUP)
		return err;
	e = cache_add(t->cache, CACHE_SIZE, type, NULL);
	if (e) {
		e->found = !err;
		cache_set_error(e, err);
		e->size = err ? 0 : size;
	}
	if (err)
		return err;
	*ret = size;
	return NULL;
}

bool rv_type_exists(struct rv_target *t, const char *type)
{
	uint64_t size;
	struct rv_error *err = rv_type_size(t, type, &size);
	rv_error_destroy(err);
	return !err;
}

static struct rv_error *member_uncached(struct rv_target *t, const char *type,
					const char *path, struct rv_member *ret)
{
	if (!*path || path[0] == '.' || path[strlen(path) - 1] == '.' ||
	    strstr(path, ".."))
		return rv_error_format(RV_ERR_INVALID, "bad member path '%s'",
				       path);
	return t->ops->member(t, type, path, ret);
}

struct rv_error *rv_member(struct rv_target *t, const char *type,
			   const char *path, struct rv_member *ret)
{
	struct cache_entry *e = cache_find(t->cache, CACHE_MEMBER, type, path);
	if (e) {
		if (!e->found)
			return cached_error(e);
		*ret = e->member;
		return NULL;
	}
	struct rv_member m;
	struct rv_error *err = member_uncached(t, type, path, &m);
	if (err && err->code != RV_ERR_LOOKUP)
		return err;
	e = cache_add(t->cache, CACHE_MEMBER, type, path);
	if (e) {
		e->found = !err;
		cache_set_error(e, err);
		if (!err)
			e->member = m;
	}
	if (err)
		return err;
	*ret = m;
	return NULL;
}

bool rv_member_exists(struct rv_target *t, const char *type, const char *path)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, type, path, &m);
	rv_error_destroy(err);
	return !err;
}

struct rv_error *rv_member_offset(struct rv_target *t, const char *type,
				  const char *path, uint64_t *ret)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, type, path, &m);
	if (!err)
		*ret = m.offset;
	return err;
}

// ---- member reads ----

struct rv_error *rv_read_member(struct rv_target *t, rv_addr_t obj,
				const char *type, const char *path,
				uint64_t *ret)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, type, path, &m);
	if (err)
		return err;
	switch (m.kind) {
	case RV_KIND_INT:
	case RV_KIND_BOOL:
	case RV_KIND_ENUM:
	case RV_KIND_PTR:
		break;
	case RV_KIND_STRUCT:
		// atomic_t, atomic64_t, refcount_t...: a struct of one scalar.
		if (m.size == 4 || m.size == 8)
			break;
		/* fallthrough */
	default:
		return rv_error_format(RV_ERR_INVALID,
				       "%s.%s is not a scalar member", type,
				       path);
	}
	uint64_t v;
	if (m.bit_size) {
		unsigned int nbytes = (m.bit_offset + m.bit_size + 7) / 8;
		if (nbytes > 8)
			return rv_error_format(RV_ERR_INVALID,
					       "%s.%s: bitfield too wide", type,
					       path);
		err = rv_read_uint(t, obj + m.offset, nbytes, &v);
		if (err)
			return rv_error_wrap(err, "%s.%s", type, path);
		v >>= m.bit_offset;
		if (m.bit_size < 64)
			v &= (UINT64_C(1) << m.bit_size) - 1;
	} else {
		err = rv_read_uint(t, obj + m.offset, m.size, &v);
		if (err)
			return rv_error_wrap(err, "%s.%s", type, path);
	}
	*ret = v;
	return NULL;
}

struct rv_error *rv_read_member_s(struct rv_target *t, rv_addr_t obj,
				  const char *type, const char *path,
				  int64_t *ret)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, type, path, &m);
	if (err)
		return err;
	uint64_t v;
	err = rv_read_member(t, obj, type, path, &v);
	if (err)
		return err;
	unsigned int bits = m.bit_size ? m.bit_size : (unsigned int)m.size * 8;
	if (bits > 0 && bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~((UINT64_C(1) << bits) - 1);
	*ret = (int64_t)v;
	return NULL;
}

struct rv_error *rv_member_addr(struct rv_target *t, rv_addr_t obj,
				const char *type, const char *path,
				rv_addr_t *ret)
{
	uint64_t off;
	struct rv_error *err = rv_member_offset(t, type, path, &off);
	if (!err)
		*ret = obj + off;
	return err;
}

struct rv_error *rv_read_member_str(struct rv_target *t, rv_addr_t obj,
				    const char *type, const char *path,
				    char *buf, size_t size)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, type, path, &m);
	if (err)
		return err;
	if (m.kind == RV_KIND_PTR) {
		uint64_t p;
		err = rv_read_uint(t, obj + m.offset, 8, &p);
		if (err)
			return rv_error_wrap(err, "%s.%s", type, path);
		if (!p) {
			buf[0] = '\0';
			return NULL;
		}
		err = rv_read_cstr(t, p, buf, size);
		return err ? rv_error_wrap(err, "%s.%s", type, path) : NULL;
	}
	if (m.kind != RV_KIND_ARRAY)
		return rv_error_format(RV_ERR_INVALID,
				       "%s.%s is not a string", type, path);
	size_t n = m.size && m.size < size ? m.size + 1 : size;
	err = rv_read_cstr(t, obj + m.offset, buf, n);
	return err ? rv_error_wrap(err, "%s.%s", type, path) : NULL;
}

struct rv_error *rv_container_of(struct rv_target *t, rv_addr_t member_addr,
				 const char *type, const char *path,
				 rv_addr_t *ret)
{
	uint64_t off;
	struct rv_error *err = rv_member_offset(t, type, path, &off);
	if (!err)
		*ret = member_addr - off;
	return err;
}

// ---- symbols ----

struct rv_error *rv_symbol(struct rv_target *t, const char *name,
			   rv_addr_t *ret)
{
	return t->ops->symbol(t, name, ret);
}

struct rv_error *rv_enum_value(struct rv_target *t, const char *name,
			       int64_t *ret)
{
	if (!t->ops->enum_value)
		return rv_error_format(RV_ERR_LOOKUP, "no enumerator %s", name);
	return t->ops->enum_value(t, name, ret);
}

struct rv_error *rv_enumerators(struct rv_target *t, const char *type,
				rv_enumerator_fn visit, void *arg)
{
	if (!t->ops->enumerators)
		return rv_error_format(RV_ERR_LOOKUP,
				       "the %s backend cannot list the enumerators of %s",
				       t->ops->name, type);
	return t->ops->enumerators(t, type, visit, arg);
}

struct rv_error *rv_symbolize(struct rv_target *t, rv_addr_t addr, char *name,
			      size_t size, uint64_t *offset)
{
	if (!t->ops->symbolize)
		return rv_error_format(RV_ERR_NODEBUG,
				       "the %s backend cannot name the function at an address",
				       t->ops->name);
	return t->ops->symbolize(t, addr, name, size, offset);
}

struct rv_error *rv_module_debuginfo(struct rv_target *t, const char *module)
{
	if (!t->ops->module_debuginfo)
		return NULL;
	struct rv_error *err = t->ops->module_debuginfo(t, module);
	// New debug info may answer what was missing before.
	if (!err)
		rv_target_flush_cache(t);
	return err;
}

struct rv_error *rv_page_size(struct rv_target *t, uint64_t *ret)
{
	uint64_t v = 0;
	struct rv_error *err = NULL;
	if (t->ops->page_size) {
		err = t->ops->page_size(t, &v);
	} else if (t->ops->vmcoreinfo) {
		char *s = NULL, *end;
		err = t->ops->vmcoreinfo(t, "PAGESIZE", &s);
		if (!err) {
			v = strtoull(s, &end, 10);
			if (end == s || *end)
				err = rv_error_format(RV_ERR_CORRUPT,
						      "VMCOREINFO PAGESIZE '%.32s' is not a number", s);
		}
		free(s);
	} else {
		err = rv_error_format(RV_ERR_LOOKUP, "the %s backend does not know the page size",
				      t->ops->name);
	}
	if (err)
		return err;
	if (v < 4096 || v > 65536 || (v & (v - 1)))
		return rv_error_format(RV_ERR_CORRUPT, "implausible page size %" PRIu64, v);
	*ret = v;
	return NULL;
}

struct rv_error *rv_dump_file(struct rv_target *t, struct rv_dump_file *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->flattened = ret->nr_prstatus = ret->nr_qemu = -1;
	ret->vmcoreinfo = ret->dump_level = -1;
	if (!t->ops->dump_file)
		return rv_error_format(RV_ERR_LOOKUP,
				       "the %s backend cannot read the dump file's notes",
				       t->ops->name);
	return t->ops->dump_file(t, ret);
}

// ---- CPUs ----

struct rv_error *rv_nr_cpu_ids(struct rv_target *t, int *ret)
{
	if (t->nr_cpu_ids >= 0) {
		*ret = t->nr_cpu_ids;
		return NULL;
	}
	rv_addr_t sym;
	uint32_t n;
	struct rv_error *err = rv_symbol(t, "nr_cpu_ids", &sym);
	if (err)
		return err;
	err = rv_read_u32(t, sym, &n);
	if (err)
		return rv_error_wrap(err, "nr_cpu_ids");
	if (n == 0 || n > 65536)
		return rv_error_format(RV_ERR_CORRUPT,
				       "nr_cpu_ids is %u", n);
	t->nr_cpu_ids = (int)n;
	*ret = t->nr_cpu_ids;
	return NULL;
}

struct rv_error *rv_percpu_offset(struct rv_target *t, int cpu, uint64_t *ret)
{
	int n;
	struct rv_error *err = rv_nr_cpu_ids(t, &n);
	if (err)
		return err;
	if (cpu < 0 || cpu >= n)
		return rv_error_format(RV_ERR_INVALID, "cpu %d out of range", cpu);
	if (!t->percpu_offset) {
		rv_addr_t sym;
		err = rv_symbol(t, "__per_cpu_offset", &sym);
		if (err)
			return err;
		uint64_t *off = calloc(n, sizeof(*off));
		if (!off)
			return &rv_enomem;
		err = rv_read(t, sym, off, n * sizeof(*off));
		if (err) {
			free(off);
			return rv_error_wrap(err, "__per_cpu_offset");
		}
		t->percpu_offset = off;
	}
	*ret = t->percpu_offset[cpu];
	return NULL;
}

struct rv_error *rv_percpu_addr(struct rv_target *t, rv_addr_t ptr, int cpu,
				rv_addr_t *ret)
{
	uint64_t off;
	struct rv_error *err = rv_percpu_offset(t, cpu, &off);
	if (!err)
		*ret = ptr + off;
	return err;
}

struct rv_error *rv_read_cpumask(struct rv_target *t, rv_addr_t addr,
				 uint64_t *bits, int nbits)
{
	size_t words = ((size_t)nbits + 63) / 64;
	return rv_read(t, addr, bits, words * 8);
}

struct rv_error *rv_cpu_online(struct rv_target *t, int cpu, bool *ret)
{
	int n;
	struct rv_error *err = rv_nr_cpu_ids(t, &n);
	if (err)
		return err;
	if (cpu < 0 || cpu >= n)
		return rv_error_format(RV_ERR_INVALID, "cpu %d out of range", cpu);
	if (!t->cpu_online) {
		rv_addr_t sym;
		err = rv_symbol(t, "__cpu_online_mask", &sym);
		if (err) {
			rv_error_destroy(err);
			// Before v4.5 the mask was cpu_online_bits.
			err = rv_symbol(t, "cpu_online_bits", &sym);
			if (err)
				return err;
		}
		uint64_t *bits = calloc((n + 63) / 64, 8);
		if (!bits)
			return &rv_enomem;
		err = rv_read_cpumask(t, sym, bits, n);
		if (err) {
			free(bits);
			return rv_error_wrap(err, "__cpu_online_mask");
		}
		t->cpu_online = bits;
	}
	*ret = (t->cpu_online[cpu / 64] >> (cpu % 64)) & 1;
	return NULL;
}

// ---- list walks ----

void rv_list_iter_init(struct rv_list_iter *it, struct rv_target *t,
		       rv_addr_t head)
{
	memset(it, 0, sizeof(*it));
	it->t = t;
	it->head = head;
	it->next = 0;
	it->max = t->max_list;
	it->brent_power = it->brent_lambda = 1;
}

struct rv_error *rv_list_iter_next(struct rv_list_iter *it, rv_addr_t *ret)
{
	*ret = 0;
	if (it->done)
		return NULL;
	rv_addr_t from = it->count ? it->next : it->head;
	uint64_t next;
	// list_head.next is the first word of the list_head.
	struct rv_error *err = rv_read_u64(it->t, from, &next);
	if (err) {
		it->done = true;
		return rv_error_wrap(err, "list at %#" PRIx64 " after %u entries",
				     it->head, it->count);
	}
	if (next == it->head) {
		it->done = true;
		return NULL;
	}
	if (!next || !rv_addr_kernel(next) || rv_addr_poison(next)) {
		it->done = true;
		return rv_error_format(RV_ERR_CORRUPT,
				       "list at %#" PRIx64 ": bad next pointer %#" PRIx64
				       " after %u entries", it->head, next, it->count);
	}
	// Brent: a cycle that never returns to the head.
	if (next == it->brent_mark) {
		it->done = true;
		return rv_error_format(RV_ERR_CORRUPT,
				       "list at %#" PRIx64 ": cycle after %u entries",
				       it->head, it->count);
	}
	if (it->brent_power == it->brent_lambda) {
		it->brent_mark = next;
		it->brent_power *= 2;
		it->brent_lambda = 0;
	}
	it->brent_lambda++;
	if (++it->count > it->max) {
		it->done = true;
		return rv_error_format(RV_ERR_CORRUPT,
				       "list at %#" PRIx64 ": more than %u entries",
				       it->head, it->max);
	}
	it->next = next;
	*ret = next;
	return NULL;
}

// ---- address sanity ----

bool rv_parse_addr(const char *s, rv_addr_t *ret)
{
	if (!s || !*s)
		return false;
	char *end;
	unsigned long long v = strtoull(s, &end, 16);
	if (*end || !rv_addr_kernel(v))
		return false;
	*ret = v;
	return true;
}

bool rv_addr_kernel(rv_addr_t addr)
{
	return addr >= UINT64_C(0xffff800000000000);
}

const char *rv_addr_poison(rv_addr_t addr)
{
	// include/linux/poison.h with POISON_POINTER_DELTA 0xdead000000000000
	switch (addr) {
	case UINT64_C(0xdead000000000100):
		return "LIST_POISON1";
	case UINT64_C(0xdead000000000122):
		return "LIST_POISON2";
	case UINT64_C(0xdead000000000200):
		return "LIST_POISON2 (v3.x-v4.x)";
	case UINT64_C(0xdead000000100100):
		return "LIST_POISON1 (v2.6-v3.x)";
	case UINT64_C(0xdead000000200200):
		return "LIST_POISON2 (v2.6-v3.x)";
	case UINT64_C(0x6b6b6b6b6b6b6b6b):
		return "POISON_FREE";
	case UINT64_C(0x5a5a5a5a5a5a5a5a):
		return "POISON_INUSE";
	case UINT64_C(0xcccccccccccccccc):
		return "RED_INACTIVE";
	}
	if ((addr >> 48) == 0xdead)
		return "poison (0xdead...)";
	return NULL;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// SLUB address identification (see slab.h).
//
// address -> struct page: virt_to_page() of the x86_64 direct map,
//   pfn = (addr - page_offset_base) >> PAGE_SHIFT,
//   page = vmemmap_base + pfn * sizeof(struct page)   (SPARSEMEM_VMEMMAP).
// page -> slab: the head page of a compound page (compound_head bit 0);
//   struct slab overlays it since v5.17 (d122019bf061 "mm: Split slab into
//   its own type"), before that the same members sit in struct page.
// slab -> object: index = (addr - slab_base - red_left_pad) / s->size.
// free: the object is on slab->freelist, or on kmem_cache_cpu.freelist of
//   the CPU whose current slab this is. Free pointers sit at object +
//   s->offset; with SLAB_FREELIST_HARDENED (kmem_cache.random exists) they
//   are stored as ptr ^ s->random ^ swab(address of the stored pointer).

#include <stdio.h>
#include <string.h>

#include "slab.h"

// x86_64 pages are 4 KiB; the toolkit reads x86_64 dumps only.
#define SLAB_PAGE_SHIFT 12

// Defaults of the x86_64 memory layout without KASLR
// (Documentation/x86/x86_64/mm.rst, 4-level paging, v4.20+).
#define DEFAULT_PAGE_OFFSET	UINT64_C(0xffff888000000000)
#define DEFAULT_VMEMMAP_BASE	UINT64_C(0xffffea0000000000)

// A slab has at most 2^15 objects (slab.objects is 15 bits wide).
#define MAX_SLAB_OBJECTS 32768

/** The memory layout needed to go from an address to its struct page. */
struct mem_layout {
	rv_addr_t page_offset;
	rv_addr_t vmemmap;
	uint64_t max_pfn;	/**< 0 when unknown */
	uint64_t page_size;	/**< sizeof(struct page) */
	const char *note;
};

/** The fields of a kmem_cache the identification needs. */
struct cache_layout {
	rv_addr_t addr;
	uint32_t object_size, size, offset, red_left_pad;
	bool hardened;
	uint64_t random;
	rv_addr_t cpu_slab;
};

static struct rv_error *read_symbol_u64(struct rv_target *t, const char *name,
					uint64_t *ret)
{
	rv_addr_t sym;
	struct rv_error *err = rv_symbol(t, name, &sym);
	if (err)
		return err;
	err = rv_read_u64(t, sym, ret);
	return err ? rv_error_wrap(err, "%s", name) : NULL;
}

static struct rv_error *get_mem_layout(struct rv_target *t,
				       struct mem_layout *ret)
{
	struct mem_layout m = { 0 };
	struct rv_error *err = rv_type_size(t, "struct page", &m.page_size);
	if (err)
		return err;
	if (m.page_size == 0 || m.page_size > 4096)
		return rv_error_format(RV_ERR_CORRUPT,
				       "sizeof(struct page) is %" PRIu64,
				       m.page_size);
	// page_offset_base / vmemmap_base are variables with
	// CONFIG_DYNAMIC_MEMORY_LAYOUT (KASLR, v4.17); without them the
	// documented fixed bases apply.
	err = read_symbol_u64(t, "page_offset_base", &m.page_offset);
	if (err) {
		if (err->code != RV_ERR_LOOKUP)
			return err;
		rv_error_destroy(err);
		m.page_offset = DEFAULT_PAGE_OFFSET;
		m.note = "page_offset_base/vmemmap_base not in the dump: default x86_64 layout assumed";
	}
	err = read_symbol_u64(t, "vmemmap_base", &m.vmemmap);
	if (err) {
		if (err->code != RV_ERR_LOOKUP)
			return err;
		rv_error_destroy(err);
		m.vmemmap = DEFAULT_VMEMMAP_BASE;
		m.note = "page_offset_base/vmemmap_base not in the dump: default x86_64 layout assumed";
	}
	err = read_symbol_u64(t, "max_pfn", &m.max_pfn);
	if (err) {
		rv_error_destroy(err);
		m.max_pfn = 0;
	}
	*ret = m;
	return NULL;
}

/** Whether the (head) page at @p page is a slab page. */
static struct rv_error *page_is_slab(struct rv_target *t, rv_addr_t page,
				     bool *ret)
{
	int64_t bit;
	// Up to v6.9 slab pages carry PG_slab in page->flags (enum pageflags).
	struct rv_error *err = rv_enum_value(t, "PG_slab", &bit);
	if (!err) {
		uint64_t flags;
		err = rv_read_member(t, page, "struct page", "flags", &flags);
		if (err)
			return err;
		if (bit < 0 || bit > 63)
			return rv_error_format(RV_ERR_CORRUPT, "PG_slab is %" PRId64,
					       bit);
		*ret = (flags >> bit) & 1;
		return NULL;
	}
	rv_error_destroy(err);
	// v6.12: slab is a page type, the top byte of page->page_type
	// (enum pagetype, "mm: introduce page_type enum"; UNVERIFIED here).
	int64_t pgty;
	err = rv_enum_value(t, "PGTY_slab", &pgty);
	if (!err) {
		uint64_t type;
		err = rv_read_member(t, page, "struct page", "page_type", &type);
		if (err)
			return err;
		*ret = ((type >> 24) & 0xff) == (uint64_t)pgty;
		return NULL;
	}
	rv_error_destroy(err);
	return rv_error_format(RV_ERR_LOOKUP,
			       "neither PG_slab nor PGTY_slab in the debug info");
}

static struct rv_error *head_page(struct rv_target *t, rv_addr_t page,
				  rv_addr_t *ret)
{
	// compound_head (v4.6) is a tail page's pointer to its head | 1.
	if (!rv_member_exists(t, "struct page", "compound_head")) {
		*ret = page;
		return NULL;
	}
	uint64_t head;
	struct rv_error *err = rv_read_member(t, page, "struct page",
					      "compound_head", &head);
	if (err)
		return err;
	*ret = (head & 1) ? head - 1 : page;
	return NULL;
}

static const char *slab_type(struct rv_target *t)
{
	// struct slab split out of struct page in v5.17 (d122019bf061).
	return rv_type_exists(t, "struct slab") ? "struct slab" : "struct page";
}

static struct rv_error *read_cache_layout(struct rv_target *t, rv_addr_t s,
					  struct cache_layout *ret)
{
	static const char *const T = "struct kmem_cache";
	struct cache_layout c = { .addr = s };
	uint64_t v;
	struct rv_error *err;

	if ((err = rv_read_member(t, s, T, "object_size", &v)))
		return err;
	c.object_size = (uint32_t)v;
	if ((err = rv_read_member(t, s, T, "size", &v)))
		return err;
	c.size = (uint32_t)v;
	if ((err = rv_read_member(t, s, T, "offset", &v)))
		return err;
	c.offset = (uint32_t)v;
	if ((err = rv_read_member(t, s, T, "cpu_slab", &v)))
		return err;
	c.cpu_slab = v;
	// red_left_pad: only with SLUB_DEBUG (v4.6).
	if (rv_member_exists(t, T, "red_left_pad")) {
		if ((err = rv_read_member(t, s, T, "red_left_pad", &v)))
			return err;
		c.red_left_pad = (uint32_t)v;
	}
	// random: CONFIG_SLAB_FREELIST_HARDENED (v4.14, 2482ddec670f).
	if (rv_member_exists(t, T, "random")) {
		if ((err = rv_read_member(t, s, T, "random", &c.random)))
			return err;
		c.hardened = true;
	}
	if (c.size == 0 || c.size < c.object_size || c.offset >= c.size)
		return rv_error_format(RV_ERR_CORRUPT,
				       "kmem_cache %#" PRIx64 ": size %u object_size %u offset %u",
				       s, c.size, c.object_size, c.offset);
	*ret = c;
	return NULL;
}

/** Decode the free pointer stored at @p ptr_addr. */
static struct rv_error *read_free_pointer(struct rv_target *t,
					  const struct cache_layout *c,
					  rv_addr_t ptr_addr, rv_addr_t *ret)
{
	uint64_t stored;
	struct rv_error *err = rv_read_u64(t, ptr_addr, &stored);
	if (err)
		return err;
	*ret = c->hardened ?
		stored ^ c->random ^ __builtin_bswap64(ptr_addr) : stored;
	return NULL;
}

/**
 * Walk a free list starting at @p head (already decoded), bounded by the
 * slab's object count; *ret tells whether @p object is on it. Every entry
 * must be an object start of this slab.
 */
static struct rv_error *freelist_has(struct rv_target *t,
				     const struct cache_layout *c,
				     const struct rv_slab_info *si,
				     rv_addr_t head, rv_addr_t object, bool *ret)
{
	rv_addr_t first = si->slab_base + c->red_left_pad;
	rv_addr_t end = first + (uint64_t)si->objects * c->size;
	rv_addr_t p = head;
	*ret = false;
	for (uint32_t n = 0; p; n++) {
		if (n > si->objects)
			return rv_error_format(RV_ERR_CORRUPT,
					       "free list longer than the slab's %u objects",
					       si->objects);
		if (p < first || p >= end || (p - first) % c->size)
			return rv_error_format(RV_ERR_CORRUPT,
					       "free list entry %u is %#" PRIx64
					       ", not an object of slab %#" PRIx64,
					       n, p, si->slab);
		if (p == object) {
			*ret = true;
			return NULL;
		}
		struct rv_error *err = read_free_pointer(t, c, p + c->offset, &p);
		if (err)
			return err;
	}
	return NULL;
}

static void note_freelist_error(struct rv_slab_info *si, const char *where,
				struct rv_error *err)
{
	if (!si->freelist_error[0])
		snprintf(si->freelist_error, sizeof(si->freelist_error),
			 "%s: %s", where, err->msg);
	rv_error_destroy(err);
}

/**
 * The CPU whose current slab (kmem_cache_cpu.slab) @p si is, and the
 * address of its kmem_cache_cpu; *ret_cpu = -1 if none.
 */
static struct rv_error *find_owner_cpu(struct rv_target *t,
				       const struct cache_layout *c,
				       const struct rv_slab_info *si,
				       int *ret_cpu, rv_addr_t *ret_pc)
{
	// kmem_cache_cpu.page became .slab in v5.17 (bb192ed9aa71).
	const char *slab_member =
		rv_member_exists(t, "struct kmem_cache_cpu", "slab") ? "slab" : "page";
	int ncpu;
	struct rv_error *err = rv_nr_cpu_ids(t, &ncpu);
	if (err)
		return err;
	*ret_cpu = -1;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		rv_addr_t pc;
		uint64_t cpu_slab;
		err = rv_percpu_addr(t, c->cpu_slab, cpu, &pc);
		if (!err)
			err = rv_read_member(t, pc, "struct kmem_cache_cpu",
					     slab_member, &cpu_slab);
		if (err)
			return rv_error_wrap(err, "CPU %d kmem_cache_cpu", cpu);
		if (cpu_slab == si->slab) {
			*ret_cpu = cpu;
			*ret_pc = pc;
			return NULL;
		}
	}
	return NULL;
}

/** Look for the object on the free list of the CPU owning the slab. */
static void check_cpu_freelist(struct rv_target *t,
			       const struct cache_layout *c,
			       struct rv_slab_info *si, rv_addr_t pc)
{
	uint64_t freelist;
	bool found = false;
	struct rv_error *err = rv_read_member(t, pc, "struct kmem_cache_cpu",
					      "freelist", &freelist);
	// kmem_cache_cpu.freelist holds a plain (not obfuscated) pointer.
	if (!err)
		err = freelist_has(t, c, si, freelist, si->object, &found);
	if (err) {
		char where[48];
		snprintf(where, sizeof(where), "CPU %d free list", si->cpu_slab_of);
		note_freelist_error(si, where, err);
	}
	if (found) {
		si->free = true;
		si->free_list = "cpu";
		si->free_cpu = si->cpu_slab_of;
	}
}

/** Fill the slab part of @p si from the slab at si->slab. */
static struct rv_error *identify_in_slab(struct rv_target *t, rv_addr_t addr,
					 struct rv_slab_info *si,
					 const struct mem_layout *m)
{
	const char *T = slab_type(t);
	uint64_t cache, freelist, v;
	struct rv_error *err;

	if ((err = rv_read_member(t, si->slab, T, "slab_cache", &cache)))
		return err;
	if ((err = rv_read_member(t, si->slab, T, "freelist", &freelist)))
		return err;
	if ((err = rv_read_member(t, si->slab, T, "objects", &v)))
		return err;
	si->objects = (uint32_t)v;
	if ((err = rv_read_member(t, si->slab, T, "inuse", &v)))
		return err;
	si->inuse = (uint32_t)v;
	if ((err = rv_read_member(t, si->slab, T, "frozen", &v)))
		return err;
	si->frozen = v != 0;
	if (!rv_addr_kernel(cache))
		return rv_error_format(RV_ERR_CORRUPT,
				       "slab %#" PRIx64 ": slab_cache is %#" PRIx64,
				       si->slab, cache);
	si->cache = cache;

	struct cache_layout c;
	if ((err = read_cache_layout(t, cache, &c)))
		return err;
	si->object_size = c.object_size;
	si->size = c.size;
	err = rv_read_member_str(t, cache, "struct kmem_cache", "name",
				 si->cache_name, sizeof(si->cache_name));
	if (err) {
		snprintf(si->cache_name, sizeof(si->cache_name), "?");
		rv_error_destroy(err);
	}
	if (si->objects == 0 || si->objects > MAX_SLAB_OBJECTS)
		return rv_error_format(RV_ERR_CORRUPT,
				       "slab %#" PRIx64 " has %u objects",
				       si->slab, si->objects);

	uint64_t slab_pfn = (si->slab - m->vmemmap) / m->page_size;
	si->slab_base = m->page_offset + (slab_pfn << SLAB_PAGE_SHIFT);
	rv_addr_t first = si->slab_base + c.red_left_pad;
	if (addr < first)
		return NULL;	// in the left red zone of object 0
	uint64_t index = (addr - first) / c.size;
	if (index >= si->objects)
		return NULL;	// in the slab's unused tail
	si->in_object = true;
	si->index = (uint32_t)index;
	si->object = first + index * c.size;

	rv_addr_t pc = 0;
	err = find_owner_cpu(t, &c, si, &si->cpu_slab_of, &pc);
	if (err)
		note_freelist_error(si, "CPU slabs", err);

	bool found = false;
	// slab->freelist is stored plain (only the in-object pointers are
	// obfuscated). A CPU's slab keeps remote frees there too.
	err = freelist_has(t, &c, si, freelist, si->object, &found);
	if (err)
		note_freelist_error(si, "slab free list", err);
	if (found) {
		si->free = true;
		si->free_list = "slab";
	} else if (si->cpu_slab_of >= 0) {
		check_cpu_freelist(t, &c, si, pc);
	}
	return NULL;
}

struct rv_error *rv_slab_identify(struct rv_target *t, rv_addr_t addr,
				  struct rv_slab_info *ret)
{
	struct rv_slab_info si = { .cpu_slab_of = -1, .free_cpu = -1 };
	struct mem_layout m = { 0 };
	struct rv_error *err = get_mem_layout(t, &m);
	if (err)
		return err;
	si.layout_note = m.note;

	uint64_t direct_end = m.max_pfn ?
		m.page_offset + (m.max_pfn << SLAB_PAGE_SHIFT) : UINT64_MAX;
	if (addr < m.page_offset || addr >= direct_end) {
		si.not_slab = "not in the direct map (SLUB objects live there)";
		*ret = si;
		return NULL;
	}
	si.direct_map = true;
	uint64_t pfn = (addr - m.page_offset) >> SLAB_PAGE_SHIFT;
	si.page = m.vmemmap + pfn * m.page_size;

	rv_addr_t head;
	err = head_page(t, si.page, &head);
	if (err)
		return rv_error_wrap(err, "struct page %#" PRIx64, si.page);
	if (head < m.vmemmap || (head - m.vmemmap) % m.page_size)
		return rv_error_format(RV_ERR_CORRUPT,
				       "page %#" PRIx64 ": compound head %#" PRIx64
				       " is not a struct page", si.page, head);
	bool slab = false;
	err = page_is_slab(t, head, &slab);
	if (err)
		return rv_error_wrap(err, "struct page %#" PRIx64, head);
	if (!slab) {
		si.not_slab = "the page is not a slab page";
		*ret = si;
		return NULL;
	}
	si.is_slab = true;
	si.slab = head;
	err = identify_in_slab(t, addr, &si, &m);
	if (err)
		return rv_error_wrap(err, "slab %#" PRIx64, si.slab);
	*ret = si;
	return NULL;
}

static bool is_kmalloc_name(const char *name)
{
	// "kmalloc-96", "kmalloc-1k"; not "kmalloc-cg-96",
	// "kmalloc-rcl-96", "dma-kmalloc-96", "kmalloc-rnd-01-96".
	return !strncmp(name, "kmalloc-", 8) && name[8] >= '0' && name[8] <= '9';
}

struct rv_error *rv_slab_kmalloc_bucket(struct rv_target *t, uint64_t size,
					rv_addr_t *ret_cache,
					uint32_t *ret_object_size,
					char *ret_name, size_t name_size)
{
	rv_addr_t head;
	struct rv_error *err = rv_symbol(t, "slab_caches", &head);
	if (err)
		return err;
	uint64_t list_off;
	err = rv_member_offset(t, "struct kmem_cache", "list", &list_off);
	if (err)
		return err;
	struct rv_list_iter it;
	rv_list_iter_init(&it, t, head);
	it.max = 4096;	// a kernel has a few hundred caches
	rv_addr_t node, best = 0;
	uint64_t best_size = UINT64_MAX;
	char best_name[64] = "";
	while (!(err = rv_list_iter_next(&it, &node)) && node) {
		rv_addr_t s = node - list_off;
		char name[64];
		uint64_t osize;
		struct rv_error *e = rv_read_member_str(t, s, "struct kmem_cache",
							"name", name,
							sizeof(name));
		if (!e)
			e = rv_read_member(t, s, "struct kmem_cache",
					   "object_size", &osize);
		if (e) {
			rv_error_destroy(e);
			continue;
		}
		if (!is_kmalloc_name(name) || osize < size || osize >= best_size)
			continue;
		best = s;
		best_size = osize;
		snprintf(best_name, sizeof(best_name), "%s", name);
	}
	if (err)
		return rv_error_wrap(err, "slab_caches");
	if (!best)
		return rv_error_format(RV_ERR_ABSENT,
				       "no kmalloc cache of %" PRIu64 " bytes or more on slab_caches",
				       size);
	*ret_cache = best;
	*ret_object_size = (uint32_t)best_size;
	snprintf(ret_name, name_size, "%s", best_name);
	return NULL;
}

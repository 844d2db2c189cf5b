// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file slab.h
 * What a kernel address is in SLUB: which cache, which object, free or
 * allocated. The answer `kmem ADDR` gives in crash, from the dump's own
 * struct page / struct slab / struct kmem_cache (x86_64, SLUB only).
 */
#ifndef RV_SLAB_H
#define RV_SLAB_H

#include "target.h"

/** What rv_slab_identify() found out about an address. */
struct rv_slab_info {
	bool direct_map;	/**< the address is in the direct map */
	bool is_slab;		/**< its page belongs to a slab */
	const char *not_slab;	/**< when !is_slab: why (static string) */
	rv_addr_t page;		/**< struct page of the address */
	rv_addr_t slab;		/**< struct slab (the head page) */
	rv_addr_t slab_base;	/**< address of the slab's memory */
	rv_addr_t cache;	/**< struct kmem_cache */
	char cache_name[64];
	uint32_t object_size;	/**< kmem_cache.object_size */
	uint32_t size;		/**< kmem_cache.size: object stride */
	uint32_t objects;	/**< objects in this slab */
	uint32_t inuse;		/**< slab.inuse */
	bool frozen;		/**< slab.frozen (a CPU owns it) */
	bool in_object;		/**< the address lies inside an object */
	rv_addr_t object;	/**< start of that object */
	uint32_t index;		/**< its index in the slab */
	bool free;		/**< the object is on a free list */
	/** Where it was found free: "slab" or "cpu" (kmem_cache_cpu.freelist). */
	const char *free_list;
	int free_cpu;		/**< for "cpu": which CPU */
	int cpu_slab_of;	/**< CPU whose current slab this is, or -1 */
	/** Set when a free list could not be walked to its end. */
	char freelist_error[160];
	/** Set when a default memory layout had to be assumed. */
	const char *layout_note;
};

/**
 * Identify @p addr. Returns an error only when the question could not be
 * answered at all (no SLUB debug info, struct page unreadable); an address
 * that simply is not a slab object gives is_slab == false and a reason.
 * A free list that cannot be walked to its end leaves `free` as found so
 * far and says why in `freelist_error`.
 */
struct rv_error *rv_slab_identify(struct rv_target *t, rv_addr_t addr,
				  struct rv_slab_info *ret);

/**
 * The kmalloc cache kmalloc(@p size) is served from: the smallest cache
 * named "kmalloc-<size>" (any "kmalloc-" cache whose name continues with a
 * digit) on slab_caches whose object_size >= @p size.
 */
struct rv_error *rv_slab_kmalloc_bucket(struct rv_target *t, uint64_t size,
					rv_addr_t *ret_cache,
					uint32_t *ret_object_size,
					char *ret_name, size_t name_size);

#endif

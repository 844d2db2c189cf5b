// SPDX-License-Identifier: GPL-2.0-or-later
// A small in-memory target backend for the unit tier: memory regions,
// symbols, types and members set up by the test, so target helpers and
// walkers run on synthetic memory.
#ifndef RV_UNIT_MEMTARGET_H
#define RV_UNIT_MEMTARGET_H

#include "target.h"

struct memtarget;

/** A target over an empty memory; released with mt_free(). */
struct rv_target *mt_new(void);
void mt_free(struct rv_target *t);

/** Map @p len zeroed bytes at @p addr; returns the bytes to fill in. */
void *mt_map(struct rv_target *t, rv_addr_t addr, size_t len);
void mt_symbol(struct rv_target *t, const char *name, rv_addr_t addr);
/** A function @p size bytes long at @p addr, for rv_symbolize() (0: unsized). */
void mt_function(struct rv_target *t, const char *name, rv_addr_t addr, uint64_t size);
void mt_type(struct rv_target *t, const char *type, uint64_t size);
/** A scalar/pointer member (kind, size) at @p offset. */
void mt_member(struct rv_target *t, const char *type, const char *path,
	       uint64_t offset, uint64_t size, enum rv_kind kind);
/** A member with every field given. */
void mt_member_full(struct rv_target *t, const char *type, const char *path,
		    const struct rv_member *m);
void mt_enum(struct rv_target *t, const char *name, int64_t value);
void mt_vmcoreinfo(struct rv_target *t, const char *key, const char *value);
/** Backend calls so far (to check that layouts are cached). */
unsigned int mt_member_calls(struct rv_target *t);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file kallsyms.h
 * The kernel's own symbol table, decoded from the dump: the compressed
 * name stream and the offsets that VMCOREINFO names on v6.0+ kernels
 * (SYMBOL(kallsyms_names), kallsyms_offsets, kallsyms_relative_base,
 * kallsyms_num_syms, kallsyms_token_table, kallsyms_token_index; commit
 * 5fd8fea935a1 "vmcoreinfo: include kallsyms symbols").
 */
#ifndef RV_KALLSYMS_H
#define RV_KALLSYMS_H

#include <stddef.h>
#include <stdint.h>

#include "rv_error.h"
#include "target.h"

struct rv_kallsyms;

/**
 * Decode the vmlinux kallsyms of the dump behind @p t (memory reads and
 * VMCOREINFO only). RV_ERR_NODEBUG when VMCOREINFO does not name the
 * tables (the message lists what is missing); RV_ERR_CORRUPT when they do
 * not decode.
 */
struct rv_error *rv_kallsyms_load(struct rv_target *t, struct rv_kallsyms **ret);
void rv_kallsyms_free(struct rv_kallsyms *ks);
/** A symbol's address; a global one when several share the name. */
struct rv_error *rv_kallsyms_lookup(const struct rv_kallsyms *ks, const char *name,
				    uint64_t *ret);
/** Called per symbol: its name, type letter ('t', 'T', 'd'...) and address. */
typedef struct rv_error *(*rv_kallsyms_fn)(const char *name, char type, uint64_t addr,
					   void *arg);
/** Every symbol in the kernel's own order; stops at the first error @p fn returns. */
struct rv_error *rv_kallsyms_for_each(const struct rv_kallsyms *ks, rv_kallsyms_fn fn,
				      void *arg);
size_t rv_kallsyms_count(const struct rv_kallsyms *ks);
/** "absolute-percpu" or "relative" (for `raidvirt debug stats`). */
const char *rv_kallsyms_encoding(const struct rv_kallsyms *ks);

/** SYMBOL(@p name) of VMCOREINFO. RV_ERR_LOOKUP if absent. */
struct rv_error *rv_vmcoreinfo_symbol(struct rv_target *t, const char *name,
				      uint64_t *ret);

/** The VMCOREINFO keys rv_kallsyms_load() needs. */
extern const char *const rv_kallsyms_keys[];

#endif

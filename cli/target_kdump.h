// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file target_kdump.h
 * The `target` backend of the standalone program: memory and VMCOREINFO
 * through libkdumpfile, symbols from the vmlinux ELF symbol table (moved by
 * KERNELOFFSET) and from the dumped modules' kallsyms, types from DWARF
 * through libdw (vmlinux, then module debug files as they are loaded).
 * Without a vmlinux debug file (--types auto) or with --types btf, symbols
 * come from the dump's kallsyms and types from its BTF (docs/cli.md).
 */
#ifndef RV_CLI_TARGET_KDUMP_H
#define RV_CLI_TARGET_KDUMP_H

#include <stdbool.h>
#include <stdio.h>

#include "debuginfo.h"
#include "dumpfile.h"
#include "target.h"

/** --types: where layouts (and with them symbols) come from. */
enum rv_types_mode {
	RV_TYPES_AUTO = 0,	/**< DWARF if a matching vmlinux is found, else BTF */
	RV_TYPES_DWARF,		/**< the vmlinux and module debug files */
	RV_TYPES_BTF,		/**< the dump's BTF and kallsyms */
};

/** Parse "auto", "dwarf" or "btf". */
bool rv_types_mode_parse(const char *s, enum rv_types_mode *ret);

/**
 * Debug info kept across the dumps of one run (`raidvirt triage DUMP...`):
 * the vmlinux (its ELF symbol table and checks) and the DWARF of it and of
 * the module debug files, with the type index built so far, keyed by the
 * dumps' build id (VMCOREINFO BUILD-ID) and release. A dump of a kernel
 * seen before opens with them instead of finding and indexing them again.
 * Only DWARF is kept (BTF is each dump's own); dumps without a BUILD-ID
 * are opened afresh.
 */
struct rv_debug_cache;
struct rv_debug_cache *rv_debug_cache_new(void);
void rv_debug_cache_free(struct rv_debug_cache *c);
/** Opens that found their kernel's debug info in @p c, and those that did not. */
void rv_debug_cache_stats(const struct rv_debug_cache *c, unsigned int *hits,
			  unsigned int *misses);

struct rv_kdump_opts {
	struct rv_debuginfo_opts debuginfo;
	struct rv_debug_cache *cache;	/**< NULL: nothing kept across opens */
	rv_progress_fn progress;	/**< slow steps, or NULL */
	/** --types; auto says on stderr, in one line, when it takes BTF */
	enum rv_types_mode types;
};

/**
 * Open @p dump, find and check its vmlinux (or its BTF and kallsyms), and
 * set up @p t over them. Errors: RV_ERR_IO/RV_ERR_CORRUPT/RV_ERR_INVALID
 * (the dump cannot be read), RV_ERR_NODEBUG (no matching vmlinux and no
 * usable BTF: the message says what is missing and how to get it).
 */
struct rv_error *rv_kdump_target_open(const char *dump,
				      const struct rv_kdump_opts *opts,
				      struct rv_target *t);
void rv_kdump_target_close(struct rv_target *t);

/** What the backend found, for `raidvirt debug`. */
struct rv_kdump_info {
	const char *format;
	const char *release;
	const char *vmlinux;		/**< NULL with BTF */
	uint64_t kaslr_offset;
	const char *types_from, *symbols_from;
};
void rv_kdump_target_info(struct rv_target *t, struct rv_kdump_info *ret);
/** Print the type index statistics (DWARF files or BTF) to @p f. */
void rv_kdump_target_stats(struct rv_target *t, FILE *f);

/**
 * @p doc (the facts of a dump that could not be opened, consumed) with what
 * VMCOREINFO alone still gives (rv_dumpfile_salvage) in its dump section;
 * `complete` stays false.
 */
jv rv_facts_salvaged(jv doc, const char *dump);

#endif

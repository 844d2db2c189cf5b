// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file target_kdump.h
 * The `target` backend of the standalone program: memory and VMCOREINFO
 * through libkdumpfile, symbols from the vmlinux ELF symbol table (moved by
 * KERNELOFFSET) and from the dumped modules' kallsyms, types from DWARF
 * through libdw (vmlinux, then module debug files as they are loaded).
 */
#ifndef RV_CLI_TARGET_KDUMP_H
#define RV_CLI_TARGET_KDUMP_H

#include <stdio.h>

#include "debuginfo.h"
#include "dumpfile.h"
#include "target.h"

struct rv_kdump_opts {
	struct rv_debuginfo_opts debuginfo;
	rv_progress_fn progress;	/**< slow steps, or NULL */
};

/**
 * Open @p dump, find and check its vmlinux, and set up @p t over them.
 * Errors: RV_ERR_IO/RV_ERR_CORRUPT/RV_ERR_INVALID (the dump cannot be
 * read), RV_ERR_NODEBUG (no matching vmlinux).
 */
struct rv_error *rv_kdump_target_open(const char *dump,
				      const struct rv_kdump_opts *opts,
				      struct rv_target *t);
void rv_kdump_target_close(struct rv_target *t);

/** What the backend found, for `raidvirt debug`. */
struct rv_kdump_info {
	const char *format;
	const char *release;
	const char *vmlinux;
	uint64_t kaslr_offset;
};
void rv_kdump_target_info(struct rv_target *t, struct rv_kdump_info *ret);
/** Print the DWARF index statistics of every debug file to @p f. */
void rv_kdump_target_stats(struct rv_target *t, FILE *f);

/**
 * @p doc (the facts of a dump that could not be opened, consumed) with what
 * VMCOREINFO alone still gives (rv_dumpfile_salvage) in its dump section;
 * `complete` stays false.
 */
jv rv_facts_salvaged(jv doc, const char *dump);

#endif

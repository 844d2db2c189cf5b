// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file dumpfile.h
 * A kernel dump opened read-only with libkdumpfile: kernel virtual memory
 * and VMCOREINFO. No libkdumpfile type or error escapes this interface.
 */
#ifndef RV_CLI_DUMPFILE_H
#define RV_CLI_DUMPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jv.h>

#include "rv_error.h"

struct rv_dumpfile;

/** Progress callback for slow steps (NULL message: step finished). */
typedef void (*rv_progress_fn)(const char *msg);

/**
 * Open @p path read-only. A flattened kdump file (makedumpfile -F, QEMU's
 * dump-guest-memory -z before QEMU 8.2) is reassembled into an unlinked
 * temporary file first, because libkdumpfile before 0.5.3 cannot read it.
 * Checks that VMCOREINFO is present and that kernel memory can be read.
 */
struct rv_error *rv_dumpfile_open(const char *path, rv_progress_fn progress,
				  struct rv_dumpfile **ret);
void rv_dumpfile_close(struct rv_dumpfile *df);

/** Read kernel virtual memory; RV_ERR_FAULT (with the failing address). */
struct rv_error *rv_dumpfile_read(struct rv_dumpfile *df, uint64_t addr,
				  void *buf, size_t len);
/** A VMCOREINFO value (malloc'd); RV_ERR_LOOKUP if the key is absent. */
struct rv_error *rv_dumpfile_vmcoreinfo(struct rv_dumpfile *df,
					const char *key, char **ret);
/** A VMCOREINFO hexadecimal or decimal number. */
struct rv_error *rv_dumpfile_vmcoreinfo_num(struct rv_dumpfile *df,
					    const char *key, int64_t *ret);
/** libkdumpfile's file.format ("diskdump", "elf"), or "diskdump-flattened". */
const char *rv_dumpfile_format(struct rv_dumpfile *df);
/** OSRELEASE from VMCOREINFO (never NULL after a successful open). */
const char *rv_dumpfile_release(struct rv_dumpfile *df);
struct rv_dump_file;
/** The dump's notes and headers (dump.provenance), see target.h. */
struct rv_error *rv_dumpfile_notes(struct rv_dumpfile *df, struct rv_dump_file *ret);

/**
 * What VMCOREINFO alone says about a dump that cannot be opened (truncated,
 * damaged headers): the raw file is searched (first 64 MiB, any format) for
 * the VMCOREINFO text, read without libkdumpfile. Returns the members for
 * the facts' dump section, {"release", "vmcoreinfo": {"page_size",
 * "build_id", "crash_time", "kerneloffset"}} (those found), or jv_null()
 * when no VMCOREINFO is found. docs/facts-dump.md.
 */
jv rv_dumpfile_salvage(const char *path);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
// Shared parts of the dump fuzz targets (fuzz_dumpfile, fuzz_memory,
// fuzz_log): the base dumps they damage, and the patch lists that a fuzz
// input is read as.
//
// A fuzz input is never a whole dump: it is a list of patches applied to a
// real dump (a synthetic fixture vmcore from tests/fixtures, or a rig dump)
// that was written by a real writer, so every mutant is the base with a few
// damaged places and stays structurally plausible. Bases are listed at fuzz
// time in the file $RV_FUZZ_BASES (tests/fuzz/run.sh writes it), one per line:
//
//   VMCORE <TAB> VMLINUX or - <TAB> DEBUGDIR or - <TAB> TYPES (dwarf|btf|auto)
//   <TAB> SECTION or - (fuzz_dumpfile: the facts section to collect; - all)
//
// Patch list: the first byte picks the base (modulo their number), then
// records of
//
//   u8 op | u16 region (LE) | u32 offset (LE) | u8 len | data
//
// op & 3: 0 overwrite with len data bytes, 1 xor with len data bytes,
// 2 fill len * 8 bytes with one data byte, 3 "cut": for memory, len * 64
// bytes become unreadable (RV_ERR_FAULT); for files, the file ends there.
// region (modulo the region table of the target) and offset (modulo the
// region's length) say where.
#ifndef RV_FUZZ_HARNESS_H
#define RV_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "target.h"
#include "target_kdump.h"
#include <jv.h>

#define FZ_MAX_BASES 16
#define FZ_MAX_PATCHES 64
#define FZ_MAX_REGIONS 8192

struct fz_base {
	char *vmcore, *vmlinux, *debug;
	enum rv_types_mode types;
	char *section;		// NULL: all
};

/** The bases of $RV_FUZZ_BASES; exits with a message when there are none. */
size_t fz_bases(struct fz_base **ret);
/** Options that open @p b as the CLI would (--vmlinux, --debuginfo). */
void fz_kdump_opts(const struct fz_base *b, struct rv_kdump_opts *ret);

enum fz_op { FZ_SET, FZ_XOR, FZ_FILL, FZ_CUT };

struct fz_region {
	uint64_t start, len;
};

/** A region table: what the decoders read of the undamaged base. */
struct fz_regions {
	struct fz_region r[FZ_MAX_REGIONS];
	size_t n;
	bool full;	// over half full after a merge: no more regions
};
void fz_regions_add(struct fz_regions *rs, uint64_t start, uint64_t len);
/** Sort and merge overlapping or adjacent regions. */
void fz_regions_finish(struct fz_regions *rs);

struct fz_patch {
	enum fz_op op;
	uint64_t addr;		// absolute: region start + offset
	size_t len;		// bytes affected
	const uint8_t *data;	// FZ_SET/FZ_XOR: len bytes; FZ_FILL: 1 byte
};

/**
 * Parse @p data (after the base byte) into at most FZ_MAX_PATCHES patches
 * over @p regions. Returns the number of patches.
 */
size_t fz_parse(const uint8_t *data, size_t size, const struct fz_region *regions,
		size_t nregions, struct fz_patch *ret);

/** Apply the patches' bytes to @p buf holding [@p addr, @p addr + @p len). */
void fz_apply(const struct fz_patch *p, size_t n, uint64_t addr, uint8_t *buf, size_t len);
/** Whether a FZ_CUT patch covers any of [@p addr, @p addr + @p len). */
bool fz_cut(const struct fz_patch *p, size_t n, uint64_t addr, size_t len);

/**
 * A target whose memory is @p inner's with the patches applied (and the
 * FZ_CUT ranges unreadable); everything else is forwarded to @p inner.
 * The patches must live until fz_overlay_close().
 */
struct fz_overlay {
	struct rv_target t;
	struct rv_target *inner;
	const struct fz_patch *p;
	size_t n;
	struct fz_regions *record;	// if set: every read is added to it
};
void fz_overlay_open(struct fz_overlay *o, struct rv_target *inner,
		     const struct fz_patch *p, size_t n);
void fz_overlay_close(struct fz_overlay *o);

#endif

/**
 * The memory fuzz targets: open every base once (as the CLI would), record
 * what @p decode reads of it undamaged (the region table), then per input
 * run @p decode over an overlay of the chosen base with the input's
 * patches. @p decode returns a document to render or jv_invalid().
 */
typedef jv (*fz_decode_fn)(struct rv_target *t);
int fz_memory_run(const uint8_t *data, size_t size, fz_decode_fn decode);

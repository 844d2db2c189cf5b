// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file dwarf_types.h
 * Types, members and enumerators from DWARF (elfutils libdw), for the
 * libkdumpfile backend and (for speed) the crash backend.
 *
 * Each debug file gets a lazy name index: on a lookup that the index cannot
 * answer yet, the top-level DIEs of further compilation units are indexed
 * (struct/union/enum tags, typedefs, base types, enumerators), never the
 * insides of functions, until a complete definition (not
 * DW_AT_declaration) turns up or the file is exhausted.
 */
#ifndef RV_DWARF_TYPES_H
#define RV_DWARF_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "rv_error.h"
#include "target.h"

struct rv_dwarf;

/**
 * Open the DWARF of @p path: vmlinux (ET_EXEC) directly, a module
 * (ET_REL .ko or .ko.debug) through libdwfl so that its DWARF sections are
 * relocated (string and abbrev offsets of an ET_REL file are relocations).
 */
struct rv_error *rv_dwarf_open(const char *path, struct rv_dwarf **ret);
void rv_dwarf_close(struct rv_dwarf *dw);
/**
 * NULL if the file defines struct @p name; else RV_ERR_NODEBUG saying
 * whether its DWARF is damaged (libdw's message), empty, or lacks the type.
 */
struct rv_error *rv_dwarf_check_struct(struct rv_dwarf *dw, const char *name);
/** Report indexing progress of this file through @p fn (NULL: quiet). */
void rv_dwarf_set_progress(struct rv_dwarf *dw, void (*fn)(const char *msg));
const char *rv_dwarf_path(const struct rv_dwarf *dw);

struct Elf;
/**
 * The NT_GNU_BUILD_ID of an ELF file as lowercase hex (libdwelf), "" when it
 * has none. @p size: 2 * 64 + 1 holds any build id.
 */
void rv_elf_build_id(struct Elf *elf, char *buf, size_t size);
/** The build id of the debug file @p dw (rv_elf_build_id). */
void rv_dwarf_build_id(const struct rv_dwarf *dw, char *buf, size_t size);

/** Statistics of the index of one file (for `raidvirt debug stats`). */
struct rv_dwarf_stats {
	unsigned int units_indexed, units_total;
	size_t names;		/**< distinct names in the index */
	double seconds;		/**< time spent indexing */
};
void rv_dwarf_stats(const struct rv_dwarf *dw, struct rv_dwarf_stats *ret);

/** Debug files searched in order (vmlinux first, then modules). */
struct rv_types {
	struct rv_dwarf **files;
	size_t nfiles;
};

struct rv_error *rv_types_size(const struct rv_types *ts, const char *type,
			       uint64_t *ret);
struct rv_error *rv_types_member(const struct rv_types *ts, const char *type,
				 const char *path, struct rv_member *ret);
struct rv_error *rv_types_enum(const struct rv_types *ts, const char *name,
			       int64_t *ret);
/** Every enumerator of the enum type @p type ("enum mddev_flags"), in order. */
struct rv_error *rv_types_enumerators(const struct rv_types *ts, const char *type,
				      rv_enumerator_fn visit, void *arg);

#endif

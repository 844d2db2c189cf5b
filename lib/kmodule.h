// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file kmodule.h
 * Loaded kernel modules of a dump: THE walk of the `modules` list, which
 * module an address belongs to, a module's memory, and taint letters.
 */
#ifndef RV_KMODULE_H
#define RV_KMODULE_H

#include "target.h"

/** Bound of the modules walk: far above any real system's module count. */
#define RV_MAX_MODULES 4096

/**
 * Called with each module: its struct module and name. Set *stop to end the
 * walk early; a returned error ends it too (and is returned by the walk).
 */
typedef struct rv_error *(*rv_module_fn)(struct rv_target *t, rv_addr_t mod,
					 const char *name, void *arg, bool *stop);

/**
 * Walk the `modules` list (bounded by RV_MAX_MODULES, cycle-safe), newest
 * module first as /proc/modules lists them, calling @p fn per module.
 */
struct rv_error *rv_module_for_each(struct rv_target *t, rv_module_fn fn, void *arg);

/**
 * The struct module whose core memory (text, rodata, data) holds @p addr,
 * and its name. *mod = 0 and no error when no module holds it.
 */
struct rv_error *rv_module_of_addr(struct rv_target *t, rv_addr_t addr,
				   rv_addr_t *mod, char *name, size_t size);

/**
 * Where module @p mod is: @p base its text (what /proc/modules and crash's
 * `mod` print as the address), @p size all its memory (/proc/modules' size:
 * every mem[] region from v6.4, core_layout + init_layout before).
 */
struct rv_error *rv_module_extent(struct rv_target *t, rv_addr_t mod,
				  rv_addr_t *base, uint64_t *size);

/**
 * The taint letters of @p mask as the kernel prints a module's taint
 * (/proc/modules "(OE)"): each set bit's taint_flags[bit].c_true, in bit
 * order. RV_ERR_CORRUPT for a set bit whose table entry is not a letter
 * (a bit above the table: a corrupt mask). @p buf holds at least 65 bytes.
 */
struct rv_error *rv_taint_letters(struct rv_target *t, uint64_t mask,
				  char *buf, size_t size);

/** The taint letters of a struct module ("OE"), from its `taints`. */
struct rv_error *rv_module_taint(struct rv_target *t, rv_addr_t mod,
				 char *buf, size_t size);

/**
 * The NT_GNU_BUILD_ID among the ELF notes in @p buf (@p len bytes, read from
 * the dump: the kernel's __start_notes.., a module's note sections) as hex
 * into @p hex (@p size bytes, 2 per id byte + 1; a longer id does not fit
 * and is passed over). False when there is none or the notes are damaged.
 */
bool rv_notes_build_id(const unsigned char *buf, size_t len, char *hex, size_t size);

/**
 * The build id (NT_GNU_BUILD_ID, as hex into @p hex of @p size bytes: 41
 * for SHA-1) of the module whose struct module is at @p mod, from the note
 * sections the kernel keeps for /sys/module/NAME/notes. RV_ERR_ABSENT when
 * the kernel keeps none.
 */
struct rv_error *rv_module_build_id(struct rv_target *t, rv_addr_t mod, char *hex,
				    size_t size);

#endif

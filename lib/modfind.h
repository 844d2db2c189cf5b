// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file modfind.h
 * The one finder of module debug files, for both front ends (the CLI's
 * libkdumpfile backend and the crash backend).
 *
 * Roots, in this order (the first one that has a matching file wins):
 *   1. the caller's directories (the CLI's --debuginfo DIR, in order);
 *   2. $RAIDVIRT_DEBUGINFO;
 *   3. /usr/lib/debug/lib/modules/RELEASE (unless the caller says not to);
 *   4. $CRASH_MODULE_PATH (crash's own variable for module objects).
 * Each root is walked once (bounded depth, symbolic links not followed).
 * Within a root the best name wins: NAME.ko, NAME.ko.debug, then the same
 * with '-' for '_' (md_mod -> md-mod.ko). A file is taken only if its
 * .modinfo vermagic names the dump's release; files of another release are
 * reported, never loaded.
 */
#ifndef RV_MODFIND_H
#define RV_MODFIND_H

#include <stdbool.h>
#include <stddef.h>

#include <libelf.h>

#include "rv_error.h"

#define RV_DEFAULT_MODULE_ROOT "/usr/lib/debug/lib/modules"

struct rv_modfind;

/**
 * A finder for the modules of a dump of @p release. @p dirs: the caller's
 * roots, searched first (may be NULL when @p ndirs is 0); @p no_default
 * leaves out /usr/lib/debug/lib/modules/RELEASE.
 */
struct rv_error *rv_modfind_new(const char *release, const char *const *dirs,
				size_t ndirs, bool no_default,
				struct rv_modfind **ret);
void rv_modfind_free(struct rv_modfind *mf);

/**
 * The debug file of @p module (malloc'ed path in *ret_path). RV_ERR_NODEBUG
 * says what was searched, or which files were rejected and why.
 */
struct rv_error *rv_modfind_lookup(struct rv_modfind *mf, const char *module,
				   char **ret_path);
/**
 * Same, passing over the first @p skip acceptable files (ones the caller
 * opened and refused: damaged DWARF), so a bad file in an early root does
 * not hide a good one in a later root. Files are accepted only if their
 * .modinfo names @p module (name=) and the release (vermagic=).
 */
struct rv_error *rv_modfind_lookup_next(struct rv_modfind *mf, const char *module,
					unsigned int skip, char **ret_path);

struct rv_dwarf;

/**
 * The first file rv_modfind_lookup_next() accepts whose DWARF is readable
 * and defines struct module (every module's .mod.c has __this_module): a
 * module file with damaged .debug_info or .debug_abbrev is refused and the
 * next candidate taken, so a bad file in an early root does not hide a good
 * one in a later root. Both front ends load module debug files through this
 * (the CLI keeps the opened file: *ret_dw; crash loads the path with its
 * own `mod -s`: @p ret_dw NULL). RV_ERR_NODEBUG names every refused file
 * and why when none is usable.
 */
struct rv_error *rv_modfind_lookup_usable(struct rv_modfind *mf, const char *module,
					  char **ret_path, struct rv_dwarf **ret_dw);

/**
 * NULL if the .modinfo vermagic of the ELF file @p path names @p release
 * (or it has no vermagic); RV_ERR_NODEBUG otherwise.
 */
struct rv_error *rv_module_check_release(const char *path, const char *release);

/** The section named @p want of an ELF file (shared with cli/debuginfo.c). */
bool rv_elf_section(Elf *elf, const char *want, Elf_Scn **ret);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file debuginfo.h
 * Finding the debug files of a dump (vmlinux, module .ko), checking that
 * they belong to it, and the vmlinux ELF symbol table.
 */
#ifndef RV_CLI_DEBUGINFO_H
#define RV_CLI_DEBUGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_error.h"

/** Where to look. */
struct rv_debuginfo_opts {
	const char *vmlinux;		/**< --vmlinux: use exactly this file */
	const char *const *dirs;	/**< --debuginfo roots, searched first */
	size_t ndirs;
	bool no_default;		/**< do not search /usr/lib/debug */
	/** Download progress (debuginfod), or NULL: see rv_debuginfod_fetch(). */
	void (*progress)(const char *msg);
};

#define RV_DEFAULT_DEBUG_ROOT "/usr/lib/debug"

struct rv_debuginfo;

/** @p release: the dump's OSRELEASE; @p build_id: hex or NULL. */
struct rv_error *rv_debuginfo_new(const struct rv_debuginfo_opts *opts,
				  const char *release, const char *build_id,
				  struct rv_debuginfo **ret);
void rv_debuginfo_free(struct rv_debuginfo *di);

/**
 * Find the vmlinux (--vmlinux, else by release and build id under the
 * roots, else from the debuginfod servers of $DEBUGINFOD_URLS by the dump's
 * build id) and check it is the dumped kernel: its build id equals VMCOREINFO
 * BUILD-ID when both exist, and the release in its linux_banner equals
 * OSRELEASE. RV_ERR_NODEBUG says what was searched or why it does not match.
 */
struct rv_error *rv_debuginfo_vmlinux(struct rv_debuginfo *di, const char **ret_path);

/** Whether the vmlinux came from debuginfod (no local file matched). */
bool rv_debuginfo_vmlinux_fetched(const struct rv_debuginfo *di);

/**
 * The debug file of @p module by its build id @p build_id (hex, from the
 * dump's module notes) from the debuginfod servers, for when no local file
 * is found (cli/debuginfod.h). *ret_path is malloc'd.
 */
struct rv_error *rv_debuginfo_module_fetch(struct rv_debuginfo *di, const char *module,
					   const char *build_id, char **ret_path);

/** A vmlinux symbol's link-time address; *relocatable is false for per-CPU
 *  and absolute symbols, which KASLR does not move. */
struct rv_error *rv_debuginfo_symbol(struct rv_debuginfo *di, const char *name,
				     uint64_t *ret, bool *relocatable);
/** Called per function symbol of the vmlinux: name, st_value, st_size, relocatable. */
typedef struct rv_error *(*rv_debuginfo_func_fn)(const char *name, uint64_t value,
						 uint64_t size, bool relocatable, void *arg);
/** Every function (STT_FUNC, or an untyped label in an executable section) of the vmlinux; stops at @p fn's first error. */
struct rv_error *rv_debuginfo_for_each_func(struct rv_debuginfo *di, rv_debuginfo_func_fn fn,
					    void *arg);

struct rv_dwarf;
/**
 * The debug file of @p module, found by lib/modfind.h (the --debuginfo
 * roots first; .modinfo name and vermagic checked, the DWARF readable and
 * defining struct module: rv_modfind_lookup_usable), opened in *ret_dw.
 * RV_ERR_NODEBUG with what was searched or refused if none.
 */
struct rv_error *rv_debuginfo_module(struct rv_debuginfo *di, const char *module,
				     char **ret_path, struct rv_dwarf **ret_dw);

#endif

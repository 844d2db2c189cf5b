// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file btf_types.h
 * Types, members and enumerators from the BTF a kernel keeps in its own
 * memory (CONFIG_DEBUG_INFO_BTF: vmlinux's between __start_BTF and
 * __stop_BTF; CONFIG_DEBUG_INFO_BTF_MODULES: each module's, split on top
 * of vmlinux's), parsed with libbpf. Answers the questions of
 * dwarf_types.h (type_source.h) from a few MiB instead of a debug file.
 */
#ifndef RV_BTF_TYPES_H
#define RV_BTF_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "rv_error.h"
#include "target.h"

struct rv_btf;

/** Parse the vmlinux BTF in @p data (libbpf copies it). */
struct rv_error *rv_btf_new(const void *data, size_t size, struct rv_btf **ret);
void rv_btf_free(struct rv_btf *b);
/** Add @p module's BTF (split BTF over vmlinux's). */
struct rv_error *rv_btf_add_module(struct rv_btf *b, const char *module,
				   const void *data, size_t size);
/** Whether rv_btf_add_module() was done for @p module. */
bool rv_btf_has_module(const struct rv_btf *b, const char *module);

/** Statistics (for `raidvirt debug stats`). */
struct rv_btf_stats {
	unsigned int files;	/**< vmlinux + modules */
	unsigned int types;	/**< BTF types of all of them */
	size_t names;		/**< distinct names indexed */
	size_t bytes;		/**< BTF data parsed */
};
void rv_btf_stats(const struct rv_btf *b, struct rv_btf_stats *ret);

struct rv_error *rv_btf_size(const struct rv_btf *b, const char *type, uint64_t *ret);
struct rv_error *rv_btf_member(const struct rv_btf *b, const char *type,
			       const char *path, struct rv_member *ret);
struct rv_error *rv_btf_enum(const struct rv_btf *b, const char *name, int64_t *ret);
/** Every enumerator of enum type @p type ("enum mddev_flags"), in declaration order. */
struct rv_error *rv_btf_enumerators(const struct rv_btf *b, const char *type,
				    rv_enumerator_fn visit, void *arg);

#endif

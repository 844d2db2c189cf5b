// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file type_source.h
 * Where a backend's layouts come from: DWARF debug files (dwarf_types.h)
 * or the dump's own BTF (btf_types.h). A backend holds one source and
 * answers the target's layout questions through it, never caring which.
 */
#ifndef RV_TYPE_SOURCE_H
#define RV_TYPE_SOURCE_H

#include <stdint.h>

#include "rv_error.h"
#include "target.h"

struct rv_type_source_ops {
	const char *name;	/**< "dwarf" or "btf" (facts: dump.types_from) */
	struct rv_error *(*size)(void *src, const char *type, uint64_t *ret);
	struct rv_error *(*member)(void *src, const char *type, const char *path,
				   struct rv_member *ret);
	struct rv_error *(*enum_value)(void *src, const char *name, int64_t *ret);
	/** Every enumerator of enum type @p type, in declaration order. */
	struct rv_error *(*enumerators)(void *src, const char *type, rv_enumerator_fn visit,
					void *arg);
};

struct rv_type_source {
	const struct rv_type_source_ops *ops;
	void *src;	/**< struct rv_types * (DWARF) or struct rv_btf * */
};

/** The sources (dwarf_types.c, btf_types.c). */
extern const struct rv_type_source_ops rv_dwarf_source_ops;
extern const struct rv_type_source_ops rv_btf_source_ops;

#endif

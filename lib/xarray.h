// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file xarray.h
 * A bounded walk of a kernel `struct xarray` (also `struct radix_tree_root`
 * from v4.20, which is an xarray).
 */
#ifndef RV_XARRAY_H
#define RV_XARRAY_H

#include "target.h"

/**
 * Called for each present entry (a plain pointer or a value entry, as
 * stored). Return false to stop the walk.
 */
typedef bool (*rv_xa_visit_fn)(uint64_t index, uint64_t entry, void *arg);

/**
 * Visit every entry of the xarray at @p xa in index order. Internal entries
 * (siblings, retry, zero) are skipped. At most @p max entries and
 * nodes are visited; a node that cannot be read, a node whose shift does not
 * decrease, or too many entries end the walk with an error, after the
 * entries read so far were visited.
 */
struct rv_error *rv_xa_for_each(struct rv_target *t, rv_addr_t xa,
				unsigned int max, rv_xa_visit_fn visit,
				void *arg);

/**
 * The same over a classic `struct radix_tree_root` (v4.7 - v4.19: nodes
 * with `shift`, internal node pointers tagged 1, exceptional entries
 * tagged 2 and skipped). Kernels before v4.7 (node `height`) give
 * RV_ERR_LOOKUP.
 */
struct rv_error *rv_radix_for_each(struct rv_target *t, rv_addr_t root,
				   unsigned int max, rv_xa_visit_fn visit,
				   void *arg);

#endif

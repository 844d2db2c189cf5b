// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file maple_tree.h
 * A bounded, cycle-safe walk of a kernel `struct maple_tree` (lib/maple_tree.c,
 * v6.1+: 54a611b60590 "Maple Tree: add new data structure").
 */
#ifndef RV_MAPLE_TREE_H
#define RV_MAPLE_TREE_H

#include "target.h"

/**
 * Called for each present entry with the inclusive index range it covers.
 * Return false to stop the walk.
 */
typedef bool (*rv_mt_visit_fn)(uint64_t first, uint64_t last, uint64_t entry,
			       void *arg);

/**
 * Visit every non-NULL entry of the maple tree at @p mt in index order.
 * Node layouts (pivots, slots, metadata) come from the debug info; the
 * pointer encoding (256-byte nodes, enum maple_type in bits 3-6) is the
 * one of include/linux/maple_tree.h. At most @p max nodes plus entries are
 * visited and the tree is at most MAPLE_HEIGHT_MAX (31) deep; a node that
 * cannot be read, a dead node, pivots that leave the parent's range or go
 * backwards end the walk with an error, after the entries read so far
 * were visited.
 */
struct rv_error *rv_mt_for_each(struct rv_target *t, rv_addr_t mt,
				unsigned int max, rv_mt_visit_fn visit,
				void *arg);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
// Bounded walk of a kernel xarray (include/linux/xarray.h encoding):
// an entry with low bits 10 is internal; internal values above 4096 are
// node pointers (+2), smaller ones are sibling/retry/zero markers.

#include <stdlib.h>
#include <string.h>

#include "xarray.h"

struct xa_walk {
	struct rv_target *t;
	const char *node_type;	/**< "struct xa_node" or "struct radix_tree_node" */
	uint64_t node_tag;	/**< low bits of a node pointer: 2 (xarray), 1 (radix) */
	rv_xa_visit_fn visit;
	void *arg;
	unsigned int budget;
	uint64_t slots_off;
	uint64_t nslots;
	bool stop;
};

static bool xa_is_internal(uint64_t e)
{
	return (e & 3) == 2;
}

static bool xa_is_node(uint64_t e)
{
	return xa_is_internal(e) && e > 4096;
}

// The radix tree before the xarray (v4.7 - v4.19): low bits 01 mark an
// internal node (RADIX_TREE_INTERNAL_NODE, RADIX_TREE_RETRY is 01 with
// no node), bit 1 an exceptional (value) entry.
static bool entry_is_node(const struct xa_walk *w, uint64_t e)
{
	return (e & 3) == w->node_tag && e > 4096;
}

static bool entry_is_internal(const struct xa_walk *w, uint64_t e)
{
	return w->node_tag == 2 ? xa_is_internal(e) : (e & 3) != 0;
}

static struct rv_error *walk_node(struct xa_walk *w, uint64_t node,
				  uint64_t base, int parent_shift)
{
	if (w->budget == 0)
		return rv_error_format(RV_ERR_CORRUPT,
				       "xarray walk: too many nodes/entries");
	w->budget--;
	uint64_t shift;
	struct rv_error *err = rv_read_member(w->t, node, w->node_type,
					      "shift", &shift);
	if (err)
		return rv_error_wrap(err, "xa_node %#" PRIx64, node);
	if (parent_shift >= 0 && (int)shift >= parent_shift)
		return rv_error_format(RV_ERR_CORRUPT,
				       "xa_node %#" PRIx64 ": shift %" PRIu64
				       " under a node of shift %d", node, shift,
				       parent_shift);
	if (shift > 64)
		return rv_error_format(RV_ERR_CORRUPT,
				       "xa_node %#" PRIx64 ": shift %" PRIu64, node,
				       shift);
	uint64_t *slots = calloc(w->nslots, sizeof(*slots));
	if (!slots)
		return &rv_enomem;
	err = rv_read(w->t, node + w->slots_off, slots, w->nslots * 8);
	if (err) {
		free(slots);
		return rv_error_wrap(err, "xa_node %#" PRIx64 " slots", node);
	}
	for (uint64_t i = 0; i < w->nslots && !w->stop && !err; i++) {
		uint64_t e = slots[i];
		uint64_t index = base + (shift < 64 ? (i << shift) : 0);
		if (!e)
			continue;
		if (entry_is_node(w, e) && shift > 0) {
			err = walk_node(w, e - w->node_tag, index, (int)shift);
		} else if (!entry_is_internal(w, e)) {
			if (w->budget == 0) {
				err = rv_error_format(RV_ERR_CORRUPT,
						      "xarray walk: too many entries");
				break;
			}
			w->budget--;
			if (!w->visit(index, e, w->arg))
				w->stop = true;
		}
	}
	free(slots);
	return err;
}

// Walk the tree below @p head, a node pointer tagged with @p tag, whose
// nodes are of @p node_type (the xarray and the radix tree before it share
// the node shape: shift, slots[]).
static struct rv_error *walk_tree(struct rv_target *t, const char *node_type,
				  uint64_t tag, uint64_t head, unsigned int max,
				  rv_xa_visit_fn visit, void *arg)
{
	struct rv_member slots;
	struct rv_error *err = rv_member(t, node_type, "slots", &slots);
	if (err)
		return err;
	if (slots.nelem == 0 || slots.nelem > 256)
		return rv_error_format(RV_ERR_CORRUPT,
				       "%s.slots has %" PRIu64 " elements",
				       node_type + strlen("struct "), slots.nelem);
	struct xa_walk w = {
		.t = t,
		.visit = visit,
		.arg = arg,
		.budget = max,
		.slots_off = slots.offset,
		.nslots = slots.nelem,
		.node_type = node_type,
		.node_tag = tag,
	};
	return walk_node(&w, head - tag, 0, -1);
}

struct rv_error *rv_xa_for_each(struct rv_target *t, rv_addr_t xa,
				unsigned int max, rv_xa_visit_fn visit,
				void *arg)
{
	uint64_t head;
	struct rv_error *err = rv_read_member(t, xa, "struct xarray", "xa_head",
					      &head);
	if (err)
		return err;
	if (!head)
		return NULL;
	if (!xa_is_node(head)) {
		if (!xa_is_internal(head))
			visit(0, head, arg);
		return NULL;
	}
	return walk_tree(t, "struct xa_node", 2, head, max, visit, arg);
}

struct rv_error *rv_radix_for_each(struct rv_target *t, rv_addr_t root,
				   unsigned int max, rv_xa_visit_fn visit,
				   void *arg)
{
	static const char node_type[] = "struct radix_tree_node";
	uint64_t head;
	struct rv_error *err = rv_read_member(t, root, "struct radix_tree_root",
					      "rnode", &head);
	if (err)
		return err;
	if (!head)
		return NULL;
	if ((head & 3) != 1 || head <= 4096) {
		if (!(head & 3))
			visit(0, head, arg);	// a single entry at index 0
		return NULL;
	}
	// 3.x kernels (node->height, v3.x - v4.6) mark only the root pointer
	// and keep no shift in the node: not supported.
	if (!rv_member_exists(t, node_type, "shift"))
		return rv_error_format(RV_ERR_LOOKUP,
				       "radix_tree_node without 'shift' (before v4.7): "
				       "not supported");
	return walk_tree(t, node_type, 1, head, max, visit, arg);
}

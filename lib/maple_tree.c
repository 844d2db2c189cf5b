// SPDX-License-Identifier: GPL-2.0-or-later
// Bounded walk of a kernel maple tree (include/linux/maple_tree.h, v6.1+,
// 54a611b60590 "Maple Tree: add new data structure").
//
// Encoding (kept since v6.1): ma_root is either a single entry for index 0
// or an encoded node, an xarray-style internal pointer (low bits 10, above
// 4096, mt_mk_root()). A node is 256 bytes and 256-aligned; bits 3-6 of an
// encoded pointer hold its enum maple_type. Leaves (maple_dense, maple_leaf_64)
// hold entries, the others child nodes. In a range node slot i covers
// [pivot[i-1] + 1, pivot[i]] (the node's min for i = 0, its max for the
// last slot). The member layouts come from the debug info.

#include <stdio.h>
#include <string.h>

#include "maple_tree.h"

#define MT_NODE_MASK		UINT64_C(255)	// MAPLE_NODE_MASK
#define MT_TYPE_SHIFT		3		// MAPLE_NODE_TYPE_SHIFT
#define MT_TYPE_MASK		UINT64_C(0x0f)	// MAPLE_NODE_TYPE_MASK
#define MT_HEIGHT_MAX		31		// MAPLE_HEIGHT_MAX
#define MT_RESERVED_RANGE	4096		// MAPLE_RESERVED_RANGE
#define MT_MAX_SLOTS		64		// above any node's slot count
#define MT_NODE_SIZE_MAX	1024

// One node shape: where its pivots, slots and metadata end sit.
struct mt_shape {
	bool known;
	uint64_t pivot_off, npivots;
	uint64_t slot_off, nslots;
	uint64_t end_off;	// maple_metadata.end; 0 with has_end false
	bool has_end;
};

struct mt_walk {
	struct rv_target *t;
	rv_mt_visit_fn visit;
	void *arg;
	unsigned int budget;
	bool stop;
	uint64_t node_size;
	int64_t type_dense, type_leaf, type_range, type_arange;
	struct mt_shape dense, range, arange;
};

static bool mt_is_internal(uint64_t e)
{
	return (e & 3) == 2;
}

static bool mt_is_node(uint64_t e)
{
	return mt_is_internal(e) && e > MT_RESERVED_RANGE;
}

static struct rv_error *shape_init(struct rv_target *t, const char *prefix,
				   bool pivots, struct mt_shape *ret)
{
	static const char *const T = "struct maple_node";
	char path[64];
	struct rv_member m;
	struct mt_shape s = { 0 };
	struct rv_error *err;

	snprintf(path, sizeof(path), "%s%sslot", prefix, *prefix ? "." : "");
	err = rv_member(t, T, path, &m);
	if (err)
		return err;
	s.slot_off = m.offset;
	s.nslots = m.nelem;
	if (pivots) {
		snprintf(path, sizeof(path), "%s.pivot", prefix);
		err = rv_member(t, T, path, &m);
		if (err)
			return err;
		s.pivot_off = m.offset;
		s.npivots = m.nelem;
		snprintf(path, sizeof(path), "%s.meta.end", prefix);
		err = rv_member(t, T, path, &m);
		if (!err) {
			s.end_off = m.offset;
			s.has_end = true;
		}
		rv_error_destroy(err);
	}
	if (s.nslots == 0 || s.nslots > MT_MAX_SLOTS ||
	    (pivots && s.npivots + 1 != s.nslots))
		return rv_error_format(RV_ERR_CORRUPT,
				       "maple_node %s: %" PRIu64 " slots, %"
				       PRIu64 " pivots", *prefix ? prefix : "dense",
				       s.nslots, s.npivots);
	s.known = true;
	*ret = s;
	return NULL;
}

static struct rv_error *walk_init(struct mt_walk *w)
{
	struct rv_target *t = w->t;
	struct rv_error *err = rv_type_size(t, "struct maple_node",
					    &w->node_size);
	if (err)
		return err;
	if (w->node_size == 0 || w->node_size > MT_NODE_SIZE_MAX)
		return rv_error_format(RV_ERR_CORRUPT,
				       "struct maple_node is %" PRIu64 " bytes",
				       w->node_size);
	static const char *const names[] = {
		"maple_dense", "maple_leaf_64", "maple_range_64",
		"maple_arange_64",
	};
	int64_t *vals[] = { &w->type_dense, &w->type_leaf, &w->type_range,
			    &w->type_arange };
	for (int i = 0; i < 4; i++) {
		err = rv_enum_value(t, names[i], vals[i]);
		if (err)
			return err;
	}
	// maple_range_64 nodes are both leaves (maple_leaf_64) and internal
	// range nodes; maple_arange_64 are the internal nodes of trees with
	// MT_FLAGS_ALLOC_RANGE (gap tracking).
	err = shape_init(t, "mr64", true, &w->range);
	if (!err)
		err = shape_init(t, "ma64", true, &w->arange);
	if (err)
		return err;
	// Dense nodes are not created by any kernel yet; decode them when the
	// debug info describes them.
	rv_error_destroy(shape_init(t, "", false, &w->dense));
	return NULL;
}

static uint64_t word(const uint8_t *buf, uint64_t off)
{
	uint64_t v;
	memcpy(&v, buf + off, sizeof(v));	// x86_64: little endian
	return v;
}

static struct rv_error *walk_node(struct mt_walk *w, uint64_t enode,
				  uint64_t min, uint64_t max, int depth)
{
	uint64_t node = enode & ~MT_NODE_MASK;
	int64_t type = (int64_t)((enode >> MT_TYPE_SHIFT) & MT_TYPE_MASK);
	if (depth >= MT_HEIGHT_MAX)
		return rv_error_format(RV_ERR_CORRUPT,
				       "maple tree deeper than %d at node %#"
				       PRIx64 " (cycle?)", MT_HEIGHT_MAX, node);
	if (w->budget == 0)
		return rv_error_format(RV_ERR_CORRUPT,
				       "maple tree walk: too many nodes/entries");
	w->budget--;

	const struct mt_shape *s;
	bool leaf;
	if (type == w->type_dense) {
		s = &w->dense;
		leaf = true;
	} else if (type == w->type_leaf || type == w->type_range) {
		s = &w->range;
		leaf = type == w->type_leaf;
	} else if (type == w->type_arange) {
		s = &w->arange;
		leaf = false;
	} else {
		return rv_error_format(RV_ERR_CORRUPT,
				       "maple node %#" PRIx64 ": type %" PRId64,
				       node, type);
	}
	if (!s->known)
		return rv_error_format(RV_ERR_LOOKUP,
				       "maple node %#" PRIx64 ": type %" PRId64
				       " not in the debug info", node, type);

	uint8_t buf[MT_NODE_SIZE_MAX];
	struct rv_error *err = rv_read(w->t, node, buf, w->node_size);
	if (err)
		return rv_error_wrap(err, "maple node %#" PRIx64, node);
	// A node taken out of the tree points its parent at itself
	// (ma_dead_node()); its slots may be an rcu_head by now.
	if ((word(buf, 0) & ~MT_NODE_MASK) == node)
		return rv_error_format(RV_ERR_CORRUPT,
				       "maple node %#" PRIx64 " is dead", node);

	// The last used slot, as ma_data_end() finds it: range nodes with a
	// zero last pivot and arange nodes keep it in the metadata.
	uint64_t end = s->nslots - 1;
	if (s->npivots) {
		uint64_t last_pivot = word(buf, s->pivot_off + 8 * (s->npivots - 1));
		if (type == w->type_arange || !last_pivot) {
			if (!s->has_end)
				return rv_error_format(RV_ERR_LOOKUP,
						       "no maple_metadata.end in the debug info");
			end = buf[s->end_off];
		} else if (last_pivot == max) {
			end = s->npivots - 1;
		}
		if (end >= s->nslots)
			return rv_error_format(RV_ERR_CORRUPT,
					       "maple node %#" PRIx64 ": end %"
					       PRIu64 " of %" PRIu64 " slots",
					       node, end, s->nslots);
	}

	uint64_t lo = min;
	for (uint64_t i = 0; i <= end && !w->stop; i++) {
		uint64_t hi;
		if (!s->npivots)
			hi = lo;			// dense: one index a slot
		else
			hi = i < s->npivots ? word(buf, s->pivot_off + 8 * i) : max;
		if (hi < lo || hi > max)
			return rv_error_format(RV_ERR_CORRUPT,
					       "maple node %#" PRIx64 ": slot %"
					       PRIu64 " covers %#" PRIx64 "-%#"
					       PRIx64 " outside %#" PRIx64 "-%#"
					       PRIx64, node, i, lo, hi, min, max);
		uint64_t e = word(buf, s->slot_off + 8 * i);
		if (leaf) {
			if (e && !(mt_is_internal(e) && e < MT_RESERVED_RANGE)) {
				if (w->budget == 0)
					return rv_error_format(RV_ERR_CORRUPT,
							       "maple tree walk: too many entries");
				w->budget--;
				if (!w->visit(lo, hi, e, w->arg))
					w->stop = true;
			}
		} else if (e) {
			// Child pointers carry their type and MAPLE_ENODE_NULL
			// (bit 2), not the root's internal tag (mte_mk_node()).
			if ((e & ~MT_NODE_MASK) <= MT_RESERVED_RANGE)
				return rv_error_format(RV_ERR_CORRUPT,
						       "maple node %#" PRIx64
						       ": slot %" PRIu64 " holds %#"
						       PRIx64 ", not a node",
						       node, i, e);
			err = walk_node(w, e, lo, hi, depth + 1);
			if (err)
				return err;
		}
		if (hi == max)
			break;
		lo = hi + 1;
	}
	return NULL;
}

struct rv_error *rv_mt_for_each(struct rv_target *t, rv_addr_t mt,
				unsigned int max, rv_mt_visit_fn visit,
				void *arg)
{
	uint64_t root;
	struct rv_error *err = rv_read_member(t, mt, "struct maple_tree",
					      "ma_root", &root);
	if (err)
		return err;
	if (!root)
		return NULL;
	if (!mt_is_node(root)) {
		// A single entry for index 0 lives in the root itself.
		if (!mt_is_internal(root))
			visit(0, 0, root, arg);
		return NULL;
	}
	struct mt_walk w = { .t = t, .visit = visit, .arg = arg, .budget = max };
	err = walk_init(&w);
	if (err)
		return rv_error_wrap(err, "maple tree");
	return walk_node(&w, root, 0, UINT64_MAX, 0);
}

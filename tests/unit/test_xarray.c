// SPDX-License-Identifier: GPL-2.0-or-later
// The xarray and pre-4.20 radix tree walkers (lib/xarray.c) and the irq
// descriptor walker on top of them (lib/irq_desc.c), on synthetic trees.
#include <stdio.h>
#include <stdlib.h>

#include "irq_desc.h"
#include "memtarget.h"
#include "unit.h"
#include "xarray.h"

#define BASE UINT64_C(0xffff888000200000)
#define NSLOTS 64
#define NODE_SIZE (8 + NSLOTS * 8)	// shift (u8) at 0, slots[] at 8

struct seen {
	uint64_t index[512], entry[512];
	unsigned int n, stop_after;
};

static bool visit(uint64_t index, uint64_t entry, void *arg)
{
	struct seen *s = arg;
	if (s->n < 512) {
		s->index[s->n] = index;
		s->entry[s->n] = entry;
	}
	s->n++;
	return !s->stop_after || s->n < s->stop_after;
}

static void layout(struct rv_target *t, const char *node, const char *root,
		   const char *head)
{
	mt_member(t, node, "shift", 0, 1, RV_KIND_INT);
	struct rv_member slots = { .offset = 8, .size = NSLOTS * 8, .kind = RV_KIND_ARRAY,
				   .target_kind = RV_KIND_PTR, .target_size = 8,
				   .nelem = NSLOTS };
	mt_member_full(t, node, "slots", &slots);
	mt_member(t, root, head, 0, 8, RV_KIND_PTR);
}

static unsigned char *node_at(struct rv_target *t, rv_addr_t a, unsigned int shift)
{
	unsigned char *n = mt_map(t, a, NODE_SIZE);
	n[0] = (unsigned char)shift;
	return n;
}

static void set_slot(unsigned char *node, int i, uint64_t v)
{
	memcpy(node + 8 + 8 * i, &v, 8);
}

static void set_head(struct rv_target *t, rv_addr_t root, uint64_t v)
{
	memcpy(mt_map(t, root, 8), &v, 8);
}

// entry value for index i: an aligned kernel pointer
static uint64_t ent(uint64_t i)
{
	return UINT64_C(0xffff888010000000) + i * 0x100;
}

// A two-level tree (tag 2: xarray, 1: radix) holding the @p n indexes
// idx[]; returns the root address.
static rv_addr_t two_level(struct rv_target *t, uint64_t tag, const uint64_t *idx, int n)
{
	rv_addr_t root = BASE, top = BASE + 0x1000;
	set_head(t, root, top | tag);
	unsigned char *topn = node_at(t, top, 6);
	unsigned char *leaf[NSLOTS] = { NULL };
	for (int k = 0; k < n; k++) {
		int hi = (int)(idx[k] >> 6), lo = (int)(idx[k] & 63);
		if (!leaf[hi]) {
			rv_addr_t la = BASE + 0x2000 + (rv_addr_t)hi * 0x1000;
			leaf[hi] = node_at(t, la, 0);
			set_slot(topn, hi, la | tag);
		}
		set_slot(leaf[hi], lo, ent(idx[k]));
	}
	return root;
}

static void xarray_walks(void)
{
	static const uint64_t sets[][8] = {
		{ 0 }, { 5 }, { 63, 64 }, { 1, 2, 3, 100, 200, 4000 }, { 0, 64, 128, 192, 256, 4095 },
	};
	static const int sizes[] = { 1, 1, 2, 6, 6 };
	for (uint64_t tag = 1; tag <= 2; tag++) {
		const char *kind = tag == 2 ? "xarray" : "radix tree";
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			struct rv_target *t = mt_new();
			if (tag == 2)
				layout(t, "struct xa_node", "struct xarray", "xa_head");
			else
				layout(t, "struct radix_tree_node", "struct radix_tree_root", "rnode");
			rv_addr_t root = two_level(t, tag, sets[s], sizes[s]);
			struct seen seen = { .n = 0 };
			struct rv_error *err = tag == 2 ?
				rv_xa_for_each(t, root, 1000, visit, &seen) :
				rv_radix_for_each(t, root, 1000, visit, &seen);
			CHECK(!err, "%s of %d entries walked%s%s", kind, sizes[s], err ? ": " : "",
			      err ? err->msg : "");
			rv_error_destroy(err);
			CHECK_U64("entries visited", sizes[s], seen.n);
			bool ordered = true, values = true;
			for (int k = 0; k < sizes[s] && k < (int)seen.n; k++) {
				ordered = ordered && seen.index[k] == sets[s][k];
				values = values && seen.entry[k] == ent(sets[s][k]);
			}
			CHECK(ordered, "%s: indexes in order", kind);
			CHECK(values, "%s: entries as stored", kind);
			mt_free(t);
		}
	}
}

static void xarray_edges(void)
{
	struct rv_target *t = mt_new();
	layout(t, "struct xa_node", "struct xarray", "xa_head");
	struct seen seen = { .n = 0 };
	// empty
	set_head(t, BASE, 0);
	CHECK_OK("empty xarray", rv_xa_for_each(t, BASE, 10, visit, &seen));
	CHECK_U64("empty xarray visits nothing", 0, seen.n);
	// a single entry in the head
	set_head(t, BASE + 0x100, ent(7));
	CHECK_OK("single-entry xarray", rv_xa_for_each(t, BASE + 0x100, 10, visit, &seen));
	CHECK(seen.n == 1 && seen.index[0] == 0 && seen.entry[0] == ent(7),
	      "single entry at index 0");
	// internal entries (sibling, retry) in a leaf are skipped
	seen.n = 0;
	set_head(t, BASE + 0x200, (BASE + 0x10000) | 2);
	unsigned char *n = node_at(t, BASE + 0x10000, 0);
	set_slot(n, 0, ent(0));
	set_slot(n, 1, (0 << 2) | 2);	// sibling of slot 0
	set_slot(n, 2, 256 | 2);	// XA_RETRY_ENTRY-like internal
	set_slot(n, 3, ent(3));
	CHECK_OK("leaf with internal entries", rv_xa_for_each(t, BASE + 0x200, 10, visit, &seen));
	CHECK(seen.n == 2 && seen.index[1] == 3, "internal entries skipped (%u visited)", seen.n);
	// the visitor stops the walk
	seen.n = 0;
	seen.stop_after = 1;
	CHECK_OK("walk stopped by the visitor", rv_xa_for_each(t, BASE + 0x200, 10, visit, &seen));
	CHECK_U64("visitor stop: one entry", 1, seen.n);
	seen.stop_after = 0;
	// bound: max 1 node+entries budget
	seen.n = 0;
	CHECK_ERR("walk over budget", RV_ERR_CORRUPT,
		  rv_xa_for_each(t, BASE + 0x200, 2, visit, &seen));
	CHECK(seen.n == 1, "entries before the bound were visited (%u)", seen.n);
	// a child whose shift does not decrease (a cycle back to itself)
	seen.n = 0;
	set_head(t, BASE + 0x300, (BASE + 0x20000) | 2);
	unsigned char *c = node_at(t, BASE + 0x20000, 6);
	set_slot(c, 0, (BASE + 0x20000) | 2);
	CHECK_ERR("node pointing at itself", RV_ERR_CORRUPT,
		  rv_xa_for_each(t, BASE + 0x300, 100, visit, &seen));
	// a child node that cannot be read
	set_head(t, BASE + 0x400, (BASE + 0x30000) | 2);
	unsigned char *p = node_at(t, BASE + 0x30000, 6);
	set_slot(p, 1, (BASE + 0x900000) | 2);
	CHECK_ERR("unreadable child node", RV_ERR_FAULT,
		  rv_xa_for_each(t, BASE + 0x400, 100, visit, &seen));
	// a shift that makes no sense
	set_head(t, BASE + 0x500, (BASE + 0x40000) | 2);
	node_at(t, BASE + 0x40000, 200);
	CHECK_ERR("shift 200", RV_ERR_CORRUPT, rv_xa_for_each(t, BASE + 0x500, 100, visit, &seen));
	// unreadable root
	CHECK_ERR("unreadable xarray", RV_ERR_FAULT,
		  rv_xa_for_each(t, BASE + 0x800000, 10, visit, &seen));
	mt_free(t);
	// no slots member in the debug info
	t = mt_new();
	mt_member(t, "struct xarray", "xa_head", 0, 8, RV_KIND_PTR);
	set_head(t, BASE, (BASE + 0x1000) | 2);
	node_at(t, BASE + 0x1000, 0);
	CHECK_ERR("xa_node without slots", RV_ERR_LOOKUP,
		  rv_xa_for_each(t, BASE, 10, visit, &seen));
	mt_free(t);
	// a radix tree node without shift (before v4.7)
	t = mt_new();
	mt_member(t, "struct radix_tree_root", "rnode", 0, 8, RV_KIND_PTR);
	set_head(t, BASE, (BASE + 0x1000) | 1);
	CHECK_ERR("radix_tree_node without shift", RV_ERR_LOOKUP,
		  rv_radix_for_each(t, BASE, 10, visit, &seen));
	mt_free(t);
}

// irq descriptors: the walker picks the store the debug info describes.
static void irq_walker(void)
{
	static const uint64_t irqs[] = { 0, 1, 24, 25, 26, 120 };
	for (int radix = 0; radix < 2; radix++) {
		struct rv_target *t = mt_new();
		const char *kind = radix ? "radix tree (before v4.20)" : "xarray";
		if (radix) {
			layout(t, "struct radix_tree_node", "struct radix_tree_root", "rnode");
		} else {
			layout(t, "struct xa_node", "struct xarray", "xa_head");
			mt_member(t, "struct radix_tree_root", "xa_head", 0, 8, RV_KIND_PTR);
		}
		rv_addr_t root = two_level(t, radix ? 1 : 2, irqs, 6);
		mt_symbol(t, "irq_desc_tree", root);
		struct seen seen = { .n = 0 };
		struct rv_error *err = rv_irq_desc_for_each(t, 100, visit, &seen);
		CHECK(!err, "irq descriptors in the %s%s%s", kind, err ? ": " : "",
		      err ? err->msg : "");
		rv_error_destroy(err);
		CHECK_U64("irq descriptors found", 6, seen.n);
		CHECK(seen.n == 6 && seen.index[5] == 120 && seen.entry[2] == ent(24),
		      "%s: irq numbers and descriptors", kind);
		mt_free(t);
	}
	struct rv_target *t = mt_new();
	struct seen seen = { .n = 0 };
	CHECK_ERR("no irq_desc_tree", RV_ERR_LOOKUP, rv_irq_desc_for_each(t, 100, visit, &seen));
	mt_free(t);
}

void test_xarray(void)
{
	xarray_walks();
	xarray_edges();
	irq_walker();
}

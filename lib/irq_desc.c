// SPDX-License-Identifier: GPL-2.0-or-later
// Generic irq descriptors (kernel/irq/irqdesc.c, include/linux/irqdesc.h):
// reading one descriptor and walking all of them.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "irq_desc.h"
#include "maple_tree.h"
#include "xarray.h"

#define DESC "struct irq_desc"

// Shared irqs chain their irqactions; more than this is not plausible.
#define MAX_ACTIONS 64
// irq_data hierarchy depth (msi -> [remap ->] vector is 2-3 levels).
#define MAX_IRQ_DATA_DEPTH 8

// IRQD_AFFINITY_MANAGED is BIT(21) in include/linux/irq.h since it was
// introduced in v4.8 ("genirq: Introduce IRQD_AFFINITY_MANAGED flag") through
// 6.12. The constant sits in an anonymous enum which a debug info may lack;
// only then is this documented value used.
#define IRQD_AFFINITY_MANAGED_FALLBACK (UINT64_C(1) << 21)

struct rv_error *rv_irq_desc_ctx_init(struct rv_target *t,
				      struct rv_irq_desc_ctx *ret)
{
	struct rv_irq_desc_ctx c = { 0 };
	struct rv_error *err = rv_nr_cpu_ids(t, &c.nr_cpu_ids);
	if (err)
		return err;

	int64_t mask;
	err = rv_enum_value(t, "IRQD_AFFINITY_MANAGED", &mask);
	if (!err && mask > 0) {
		c.managed_mask = (uint64_t)mask;
		c.managed_mask_from_debuginfo = true;
	} else {
		rv_error_destroy(err);
		c.managed_mask = IRQD_AFFINITY_MANAGED_FALLBACK;
	}

	// The IRQD_* state word moved from irq_data into the new
	// irq_common_data (0d0b4c866bcc "genirq: Introduce struct
	// irq_common_data to host shared irq data", v4.3).
	if (rv_member_exists(t, DESC, "irq_common_data.state_use_accessors"))
		c.state_path = "irq_common_data.state_use_accessors";
	else
		c.state_path = "irq_data.state_use_accessors";

	rv_addr_t sym;
	err = rv_symbol(t, "x86_vector_domain", &sym);
	if (!err)
		err = rv_read_u64(t, sym, &c.vector_domain);
	rv_error_destroy(err);	// vector_domain 0: the decoder says so

	err = rv_symbol(t, "vring_interrupt", &sym);
	if (!err)
		c.vring_interrupt = sym;
	rv_error_destroy(err);	// virtio_ring not loaded: fine
	*ret = c;
	return NULL;
}

static void add_error(struct rv_irq_desc *d, struct rv_error *err)
{
	d->errors = jv_array_append(d->errors, rv_jv_error(err));
}

// cpumask_var_t is 'struct cpumask *' with CONFIG_CPUMASK_OFFSTACK and
// 'struct cpumask[1]' without it: decide by the member's kind.
static struct rv_error *read_cpumask_member(struct rv_target *t, rv_addr_t obj,
					    const char *type, const char *path,
					    int nbits, uint64_t **ret)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, type, path, &m);
	if (err)
		return err;
	rv_addr_t addr = obj + m.offset;
	if (m.kind == RV_KIND_PTR) {
		err = rv_read_u64(t, addr, &addr);
		if (err)
			return rv_error_wrap(err, "%s.%s", type, path);
		if (!addr)
			return rv_error_format(RV_ERR_CORRUPT, "%s.%s is NULL",
					       type, path);
	}
	uint64_t *bits = calloc(((size_t)nbits + 63) / 64, sizeof(*bits));
	if (!bits)
		return &rv_enomem;
	err = rv_read_cpumask(t, addr, bits, nbits);
	if (err) {
		free(bits);
		return rv_error_wrap(err, "%s.%s", type, path);
	}
	// Bits at or above nr_cpu_ids are not CPUs.
	if (nbits % 64)
		bits[nbits / 64] &= (UINT64_C(1) << (nbits % 64)) - 1;
	*ret = bits;
	return NULL;
}

static void append_owner(struct rv_irq_desc *d, const char *name)
{
	size_t len = strlen(d->owner);
	if (len + 2 >= sizeof(d->owner))
		return;
	snprintf(d->owner + len, sizeof(d->owner) - len, "%s%s",
		 len ? "," : "", name);
}

// desc->action and its ->next chain (shared irqs), bounded.
static void read_actions(struct rv_target *t, struct rv_irq_desc *d)
{
	uint64_t action;
	struct rv_error *err = rv_read_member(t, d->addr, DESC, "action",
					      &action);
	for (unsigned int n = 0; !err && action; n++) {
		if (n == MAX_ACTIONS) {
			err = rv_error_format(RV_ERR_CORRUPT,
					      "more than %d irqactions (cycle?)",
					      MAX_ACTIONS);
			break;
		}
		if (n == 0) {
			err = rv_read_member(t, action, "struct irqaction",
					     "handler", &d->first_handler);
			if (!err)
				err = rv_read_member(t, action,
						     "struct irqaction",
						     "dev_id", &d->first_dev_id);
			if (err)
				break;
		}
		char name[128];
		err = rv_read_member_str(t, action, "struct irqaction", "name",
					 name, sizeof(name));
		if (err)
			break;
		append_owner(d, name[0] ? name : "?");
		d->nr_actions++;
		err = rv_read_member(t, action, "struct irqaction", "next",
				     &action);
	}
	if (err)
		add_error(d, rv_error_wrap(err, "irqaction"));
}

static struct rv_error *read_apicd(struct rv_target *t, rv_addr_t addr,
				   struct rv_irq_apicd *ret)
{
	static const char *const T = "struct apic_chip_data";
	struct rv_irq_apicd a = { .addr = addr };
	uint64_t v;
	struct rv_error *err = rv_read_member(t, addr, T, "vector", &a.vector);
	if (!err)
		err = rv_read_member(t, addr, T, "cpu", &a.cpu);
	if (!err)
		err = rv_read_member(t, addr, T, "prev_vector", &a.prev_vector);
	if (!err)
		err = rv_read_member(t, addr, T, "prev_cpu", &a.prev_cpu);
	if (err)
		return err;
	// The flag bits exist since the matrix rework of v4.15; read each
	// one that the debug info has.
	// A flag the debug info lacks stays false; a failed read is an error.
	static const char *const flags[] = {
		"is_managed", "can_reserve", "has_reserved", "move_in_progress",
	};
	bool *dst[] = { &a.is_managed, &a.can_reserve, &a.has_reserved,
			&a.move_in_progress };
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!rv_member_exists(t, T, flags[i]))
			continue;
		if ((err = rv_read_member(t, addr, T, flags[i], &v)))
			return err;
		*dst[i] = v;
	}
	*ret = a;
	return NULL;
}

// Follow irq_data.parent_data from the descriptor's own irq_data to the one
// of the x86 vector domain; its chip_data is the struct apic_chip_data.
static void read_vector_data(struct rv_target *t,
			     const struct rv_irq_desc_ctx *ctx,
			     struct rv_irq_desc *d)
{
	if (!ctx->vector_domain)
		return;
	rv_addr_t data;
	struct rv_error *err = rv_member_addr(t, d->addr, DESC, "irq_data",
					      &data);
	for (int depth = 0; !err && data; depth++) {
		if (depth == MAX_IRQ_DATA_DEPTH) {
			err = rv_error_format(RV_ERR_CORRUPT,
					      "irq_data chain deeper than %d",
					      MAX_IRQ_DATA_DEPTH);
			break;
		}
		uint64_t domain, chip_data;
		err = rv_read_member(t, data, "struct irq_data", "domain",
				     &domain);
		if (err)
			break;
		if (domain == ctx->vector_domain) {
			err = rv_read_member(t, data, "struct irq_data",
					     "chip_data", &chip_data);
			if (!err && chip_data) {
				err = read_apicd(t, chip_data, &d->apicd);
				d->have_apicd = !err;
			}
			break;
		}
		err = rv_read_member(t, data, "struct irq_data", "parent_data",
				     &data);
	}
	if (err)
		add_error(d, rv_error_wrap(err, "apic_chip_data"));
}

static void read_chip_name(struct rv_target *t, struct rv_irq_desc *d)
{
	uint64_t chip;
	struct rv_error *err = rv_read_member(t, d->addr, DESC, "irq_data.chip",
					      &chip);
	if (!err && chip)
		err = rv_read_member_str(t, chip, "struct irq_chip", "name",
					 d->chip, sizeof(d->chip));
	if (err)
		add_error(d, rv_error_wrap(err, "irq_chip name"));
}

struct rv_error *rv_irq_desc_read(struct rv_target *t,
				  const struct rv_irq_desc_ctx *ctx,
				  rv_addr_t addr, struct rv_irq_desc *ret)
{
	struct rv_irq_desc *d = ret;
	memset(d, 0, sizeof(*d));
	d->addr = addr;
	d->errors = jv_array();
	struct rv_error *err = rv_read_member(t, addr, DESC, "irq_data.irq",
					      &d->irq);
	if (err)
		return rv_error_wrap(err, "irq_desc %#" PRIx64, addr);

	err = rv_read_member(t, addr, DESC, "irq_data.hwirq", &d->hwirq);
	if (err)
		add_error(d, err);
	err = rv_read_member(t, addr, DESC, ctx->state_path, &d->state);
	if (err)
		add_error(d, err);
	d->managed = d->state & ctx->managed_mask;

	err = read_cpumask_member(t, addr, DESC, "irq_common_data.affinity",
				  ctx->nr_cpu_ids, &d->affinity);
	if (err)
		add_error(d, err);
	// CONFIG_GENERIC_IRQ_EFFECTIVE_AFF_MASK (v4.13): absent otherwise.
	if (rv_member_exists(t, DESC, "irq_common_data.effective_affinity")) {
		err = read_cpumask_member(t, addr, DESC,
					  "irq_common_data.effective_affinity",
					  ctx->nr_cpu_ids,
					  &d->effective_affinity);
		if (err)
			add_error(d, err);
	}

	read_actions(t, d);
	err = rv_read_member_str(t, addr, DESC, "name", d->name,
				 sizeof(d->name));
	if (err)
		add_error(d, err);
	read_chip_name(t, d);
	read_vector_data(t, ctx, d);
	return NULL;
}

void rv_irq_desc_release(struct rv_irq_desc *d)
{
	free(d->affinity);
	free(d->effective_affinity);
	jv_free(d->errors);
	d->affinity = d->effective_affinity = NULL;
	d->errors = jv_invalid();
}

const char *rv_irq_desc_owner(const struct rv_irq_desc *d)
{
	if (d->owner[0])
		return d->owner;
	if (d->name[0])
		return d->name;
	if (d->chip[0])
		return d->chip;
	return "?";
}

// ---- walking all descriptors ----

struct desc_walk {
	rv_irq_desc_visit_fn visit;
	void *arg;
	unsigned int left;
	bool stopped;
};

static bool visit_entry(uint64_t index, uint64_t entry, void *arg)
{
	struct desc_walk *w = arg;
	return w->visit(index, entry, w->arg);
}

// irq_insert_desc() stores each descriptor at its own index; a range is
// visited index by index, within the walk's bound.
static bool visit_range(uint64_t first, uint64_t last, uint64_t entry,
			void *arg)
{
	struct desc_walk *w = arg;
	for (uint64_t irq = first; irq <= last; irq++) {
		if (w->left == 0 || !w->visit(irq, entry, w->arg)) {
			w->stopped = true;
			return false;
		}
		w->left--;
		if (irq == UINT64_MAX)
			break;
	}
	return true;
}

struct rv_error *rv_irq_desc_for_each(struct rv_target *t, unsigned int max,
				      rv_irq_desc_visit_fn visit, void *arg)
{
	struct desc_walk w = { .visit = visit, .arg = arg, .left = max };
	rv_addr_t sym;
	struct rv_error *err = rv_symbol(t, "sparse_irqs", &sym);
	if (!err) {
		// 721255b9826b "genirq: Use a maple tree for interrupt
		// descriptor management" (v6.5).
		err = rv_mt_for_each(t, sym, max, visit_range, &w);
		if (!err && w.stopped && w.left == 0)
			err = rv_error_format(RV_ERR_CORRUPT,
					      "more than %u irq descriptors", max);
		return err ? rv_error_wrap(err, "sparse_irqs") : NULL;
	}
	rv_error_destroy(err);

	err = rv_symbol(t, "irq_desc_tree", &sym);
	if (err) {
		rv_error_destroy(err);
		return rv_error_format(RV_ERR_LOOKUP,
				       "no sparse_irqs or irq_desc_tree (CONFIG_SPARSE_IRQ=n: "
				       "the static irq_desc[] array is not supported)");
	}
	// radix_tree_root became a #define for struct xarray in f8d5d0cc145c
	// "xarray: Add definition of struct xarray" (v4.20); before that it
	// is the classic radix tree with ->rnode (RHEL8 4.18).
	if (rv_member_exists(t, "struct radix_tree_root", "rnode"))
		return rv_radix_for_each(t, sym, max, visit_entry, &w);
	return rv_xa_for_each(t, sym, max, visit_entry, &w);
}

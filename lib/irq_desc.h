// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file irq_desc.h
 * Reading generic irq descriptors (`struct irq_desc`) and walking all of
 * them: the one walker of the irq descriptor stores, used by the vector
 * matrix decoder (irq_matrix.c) and the virtio decoder (virtio_ring.c).
 */
#ifndef RV_IRQ_DESC_H
#define RV_IRQ_DESC_H

#include <jv.h>

#include "bitmap.h"
#include "target.h"

/** What every descriptor read needs; filled once by rv_irq_desc_ctx_init(). */
struct rv_irq_desc_ctx {
	int nr_cpu_ids;
	uint64_t managed_mask;		/**< IRQD_AFFINITY_MANAGED */
	bool managed_mask_from_debuginfo;
	rv_addr_t vector_domain;	/**< *x86_vector_domain, 0 if unknown */
	const char *state_path;		/**< member of irq_desc holding IRQD_* */
	rv_addr_t vring_interrupt;	/**< virtio_ring's handler, 0 if unknown */
};

/** The x86 vector domain's per-irq data (struct apic_chip_data). */
struct rv_irq_apicd {
	rv_addr_t addr;
	uint64_t vector, cpu, prev_vector, prev_cpu;
	bool is_managed, can_reserve, has_reserved, move_in_progress;
};

/** One irq descriptor, as much of it as could be read. */
struct rv_irq_desc {
	rv_addr_t addr;
	uint64_t irq;
	uint64_t hwirq;
	uint64_t state;			/**< state_use_accessors (IRQD_* bits) */
	bool managed;			/**< state & IRQD_AFFINITY_MANAGED */
	uint64_t *affinity;		/**< nr_cpu_ids bits, NULL if unread */
	uint64_t *effective_affinity;	/**< same */
	char owner[256];		/**< irqaction names joined by ',' */
	unsigned int nr_actions;	/**< actions walked */
	rv_addr_t first_handler;	/**< action->handler of the first action */
	rv_addr_t first_dev_id;		/**< action->dev_id of the first action */
	char name[64];			/**< desc->name */
	char chip[64];			/**< irq_data.chip->name */
	bool have_apicd;
	struct rv_irq_apicd apicd;
	jv errors;			/**< array of strings */
};

/** Look up the layout answers and symbols shared by all descriptors. */
struct rv_error *rv_irq_desc_ctx_init(struct rv_target *t,
				      struct rv_irq_desc_ctx *ret);

/**
 * Read the descriptor at @p addr. Partial failures go into ret->errors; an
 * error is returned only when not even irq_data.irq could be read. Release
 * with rv_irq_desc_release() in both cases.
 */
struct rv_error *rv_irq_desc_read(struct rv_target *t,
				  const struct rv_irq_desc_ctx *ctx,
				  rv_addr_t addr, struct rv_irq_desc *ret);
void rv_irq_desc_release(struct rv_irq_desc *d);

/** The name an irq is known by: its actions, else desc->name, else chip. */
const char *rv_irq_desc_owner(const struct rv_irq_desc *d);

/**
 * Called with each descriptor's irq number and address. Return false to
 * stop the walk.
 */
typedef bool (*rv_irq_desc_visit_fn)(uint64_t irq, rv_addr_t desc, void *arg);

/**
 * Descriptors a decoder reads at most: x86-64's NR_IRQS with NR_CPUS 8192,
 * NR_VECTORS + CPU_VECTOR_LIMIT (64 per CPU; arch/x86/include/asm/
 * irq_vectors.h), so that 1024 virtio-blk devices of 64 queues each
 * (65536 managed irqs and more) are decoded whole.
 */
#define RV_IRQ_MAX_DESCS (256 + 64 * 8192)

/**
 * Visit every allocated irq descriptor in irq order (at most @p max).
 * Supported stores: the sparse_irqs maple tree (v6.5+, lib/maple_tree.c),
 * irq_desc_tree as an xarray (v4.20 .. v6.4) or a classic radix tree (before
 * v4.20). The static irq_desc[] of CONFIG_SPARSE_IRQ=n gives RV_ERR_LOOKUP.
 * This is the one entry point: a new store is a new branch here.
 */
struct rv_error *rv_irq_desc_for_each(struct rv_target *t, unsigned int max,
				      rv_irq_desc_visit_fn visit, void *arg);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
// Section "irq": the x86 vector matrix allocator (kernel/irq/matrix.c,
// arch/x86/kernel/apic/vector.c, v4.15+). It answers: is the vector space
// exhausted, by whom (managed-affinity reservations per device), and on
// which CPUs? Keys: docs/facts-irq.md.
//
//  irq.matrix      *vector_matrix (struct irq_matrix) and derived capacity
//  irq.cpus[]      per-CPU struct cpumap
//  irq.vectors[]   every irq_desc in the per-CPU vector_irq tables
//  irq.managed[]   every IRQD_AFFINITY_MANAGED descriptor (all descriptors
//                  are walked, so reserved-but-inactive ones show too)
//  irq.by_device[] managed reservations summed per device
//
// Layout differences are decided from the debug info, never from a version:
//  - cpumap/irq_matrix bitmaps: arrays of IRQ_MATRIX_SIZE longs up to 6.8,
//    'unsigned long *' or flexible arrays from 5b98d210ac1e ("genirq/matrix:
//    Dynamic bitmap allocation", v6.9); decided by the member's kind;
//  - cpumap.initialized only from 651ca2c00405 (v4.16);
//  - vector_irq is 'struct irq_desc *[NR_VECTORS]' from v4.3 (older kernels
//    have int[], but also no matrix);
//  - descriptor storage: see rv_irq_desc_for_each() (irq_desc.c).

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk_mq.h"
#include "facts.h"
#include "irq_desc.h"

// Bounds on dump-controlled counts.
#define IRQ_MAX_DESCS		RV_IRQ_MAX_DESCS	// descriptors decoded (seed: ~2000)
#define IRQ_MAX_MATRIX_BITS	4096	// NR_VECTORS is 256 on x86
// vector_irq values that are not descriptors (arch/x86/include/asm/hw_irq.h)
#define VECTOR_SHUTDOWN		UINT64_C(0xffffffffffffffff)	// (void *)-1
#define VECTOR_RETRIGGERED	UINT64_C(0xfffffffffffffffe)	// (void *)-2

#define MATRIX "struct irq_matrix"
#define CPUMAP "struct cpumap"

// IRQD_* state bits reported by name when the debug info has them (the enum
// in include/linux/irq.h is anonymous; names missing from a kernel are
// skipped, never guessed).
static const char *const irqd_names[] = {
	"IRQD_SETAFFINITY_PENDING", "IRQD_ACTIVATED", "IRQD_NO_BALANCING",
	"IRQD_PER_CPU", "IRQD_AFFINITY_SET", "IRQD_LEVEL", "IRQD_WAKEUP_STATE",
	"IRQD_MOVE_PCNTXT", "IRQD_IRQ_DISABLED", "IRQD_IRQ_MASKED",
	"IRQD_IRQ_INPROGRESS", "IRQD_WAKEUP_ARMED", "IRQD_FORWARDED_TO_VCPU",
	"IRQD_AFFINITY_MANAGED", "IRQD_IRQ_STARTED", "IRQD_MANAGED_SHUTDOWN",
	"IRQD_SINGLE_TARGET", "IRQD_DEFAULT_TRIGGER_SET", "IRQD_CAN_RESERVE",
	"IRQD_MSI_NOMASK_QUIRK", "IRQD_HANDLE_ENFORCE_IRQCTX",
	"IRQD_AFFINITY_ON_ACTIVATE", "IRQD_IRQ_ENABLED_ON_SUSPEND",
	"IRQD_RESEND_WHEN_IN_PROGRESS",
};
#define NR_IRQD_NAMES (sizeof(irqd_names) / sizeof(irqd_names[0]))

// The matrix fields, in struct order; all 'unsigned int'.
static const char *const matrix_fields[] = {
	"matrix_bits", "alloc_start", "alloc_end", "alloc_size",
	"global_available", "global_reserved", "systembits_inalloc",
	"total_allocated", "online_maps",
};
enum {
	M_MATRIX_BITS, M_ALLOC_START, M_ALLOC_END, M_ALLOC_SIZE,
	M_GLOBAL_AVAILABLE, M_GLOBAL_RESERVED, M_SYSTEMBITS_INALLOC,
	M_TOTAL_ALLOCATED, M_ONLINE_MAPS, NR_MATRIX_FIELDS,
};

struct irq_decode {
	struct rv_target *t;
	struct rv_irq_desc_ctx ctx;
	int64_t irqd_values[NR_IRQD_NAMES];	// 0: not in the debug info

	rv_addr_t matrix;
	uint64_t m[NR_MATRIX_FIELDS];
	rv_addr_t maps;		// struct cpumap __percpu *

	uint64_t *map_online;	// cpus whose cpumap.online is set

	struct rv_irq_desc *descs;	// sorted by irq (the walk's order)
	size_t ndescs, cap;
	size_t *by_addr;		// indices into descs, sorted by address
	size_t nby_addr;
};

// ---- descriptors ----

static struct rv_irq_desc *desc_append(struct irq_decode *s)
{
	if (s->ndescs == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct rv_irq_desc *n = realloc(s->descs, cap * sizeof(*n));
		if (!n)
			return NULL;
		s->descs = n;
		s->cap = cap;
	}
	return &s->descs[s->ndescs];
}

struct collect {
	rv_addr_t *addrs;
	uint64_t *irqs;		// the tree index of each
	size_t n;
	bool truncated;
};

static bool collect_desc(uint64_t irq, rv_addr_t desc, void *arg)
{
	struct collect *c = arg;
	if (c->n == IRQ_MAX_DESCS) {
		c->truncated = true;
		return false;
	}
	c->irqs[c->n] = irq;
	c->addrs[c->n++] = desc;
	return true;
}

// Read every descriptor of the irq descriptor store into s->descs.
static jv read_all_descs(struct irq_decode *s, jv sec)
{
	struct collect c = {
		.addrs = calloc(IRQ_MAX_DESCS, sizeof(rv_addr_t)),
		.irqs = calloc(IRQ_MAX_DESCS, sizeof(uint64_t)),
	};
	if (!c.addrs || !c.irqs) {
		free(c.addrs);
		free(c.irqs);
		return rv_jv_set_error(sec, &rv_enomem);
	}
	// Budget: entries plus interior nodes of the xarray.
	struct rv_error *err = rv_irq_desc_for_each(s->t, 2 * IRQ_MAX_DESCS,
						    collect_desc, &c);
	if (err)
		sec = rv_jv_set_error(sec, rv_error_wrap(err, "irq descriptors"));
	if (c.truncated)
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_CORRUPT,
			"more than %d irq descriptors: only the first %d decoded",
			IRQ_MAX_DESCS, IRQ_MAX_DESCS));
	for (size_t i = 0; i < c.n; i++) {
		struct rv_irq_desc *d = desc_append(s);
		if (!d) {
			sec = rv_jv_set_error(sec, &rv_enomem);
			break;
		}
		err = rv_irq_desc_read(s->t, &s->ctx, c.addrs[i], d);
		if (err) {
			rv_irq_desc_release(d);
			sec = rv_jv_set_error(sec, err);
			continue;
		}
		if (d->irq != c.irqs[i])
			d->errors = jv_array_append(d->errors, jv_string_fmt(
				"irq_data.irq %" PRIu64 " but stored at index %" PRIu64,
				d->irq, c.irqs[i]));
		s->ndescs++;
	}
	free(c.addrs);
	free(c.irqs);
	return sec;
}

static int cmp_by_addr(const void *a, const void *b, void *arg)
{
	const struct irq_decode *s = arg;
	rv_addr_t x = s->descs[*(const size_t *)a].addr;
	rv_addr_t y = s->descs[*(const size_t *)b].addr;
	return x < y ? -1 : x > y;
}

// Index the walked descriptors by address for the vector_irq lookups.
static void index_descs(struct irq_decode *s)
{
	s->by_addr = calloc(s->ndescs ? s->ndescs : 1, sizeof(*s->by_addr));
	if (!s->by_addr)
		return;		// find_desc() then reads each descriptor again
	for (size_t i = 0; i < s->ndescs; i++)
		s->by_addr[i] = i;
	s->nby_addr = s->ndescs;
	qsort_r(s->by_addr, s->nby_addr, sizeof(*s->by_addr), cmp_by_addr, s);
}

// The descriptor at @p addr: from the walk, or read now (a descriptor in a
// vector_irq table but not in the store, e.g. when the walk failed).
static const struct rv_irq_desc *find_desc(struct irq_decode *s, rv_addr_t addr,
					   struct rv_error **errp)
{
	size_t lo = 0, hi = s->nby_addr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		rv_addr_t a = s->descs[s->by_addr[mid]].addr;
		if (a == addr)
			return &s->descs[s->by_addr[mid]];
		if (a < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = s->nby_addr; i < s->ndescs; i++)
		if (s->descs[i].addr == addr)
			return &s->descs[i];
	if (s->ndescs >= IRQ_MAX_DESCS + 4096) {
		*errp = rv_error_format(RV_ERR_CORRUPT, "too many descriptors");
		return NULL;
	}
	struct rv_irq_desc *d = desc_append(s);
	if (!d) {
		*errp = &rv_enomem;
		return NULL;
	}
	*errp = rv_irq_desc_read(s->t, &s->ctx, addr, d);
	if (*errp) {
		rv_irq_desc_release(d);
		return NULL;
	}
	// Not indexed: found by the linear tail search above.
	return &s->descs[s->ndescs++];
}

// ---- JSON of a descriptor ----

static jv irqd_state_names(const struct irq_decode *s, uint64_t state)
{
	jv names = jv_array();
	for (size_t i = 0; i < NR_IRQD_NAMES; i++) {
		uint64_t mask = (uint64_t)s->irqd_values[i];
		if (mask && (state & mask) == mask)
			names = jv_array_append(names, jv_string(irqd_names[i]));
	}
	return names;
}

// Number of CPUs of @p mask whose cpumap is online: what a managed irq
// reserved out of global_available (irq_matrix_reserve_managed() takes a bit
// on every CPU of the mask, but counts it against 'available' only there).
static unsigned int online_weight(const struct irq_decode *s,
				  const uint64_t *mask)
{
	unsigned int n = 0;
	if (!mask || !s->map_online)
		return 0;
	for (int w = 0; w < (s->ctx.nr_cpu_ids + 63) / 64; w++)
		n += (unsigned int)__builtin_popcountll(mask[w] & s->map_online[w]);
	return n;
}

static jv desc_common_jv(const struct irq_decode *s, const struct rv_irq_desc *d)
{
	jv o = jv_object();
	o = rv_jv_set(o, "irq", rv_jv_u64(d->irq));
	o = rv_jv_set(o, "desc", rv_jv_addr(d->addr));
	o = rv_jv_set(o, "owner", jv_string(rv_irq_desc_owner(d)));
	o = rv_jv_set(o, "chip", jv_string(d->chip));
	o = rv_jv_set(o, "hwirq", rv_jv_u64(d->hwirq));
	o = rv_jv_set(o, "managed", jv_bool(d->managed));
	o = rv_jv_set(o, "state_raw", rv_jv_u64(d->state));
	o = rv_jv_set(o, "state", irqd_state_names(s, d->state));
	unsigned int ncpus = (unsigned int)s->ctx.nr_cpu_ids;
	o = rv_jv_set(o, "affinity", rv_jv_bitmap_list(d->affinity, ncpus));
	o = rv_jv_set(o, "effective_affinity",
		      rv_jv_bitmap_list(d->effective_affinity, ncpus));
	if (jv_array_length(jv_copy(d->errors)) > 0)
		o = rv_jv_set(o, "error", jv_copy(d->errors));
	return o;
}

static jv apicd_jv(const struct rv_irq_apicd *a)
{
	jv o = jv_object();
	o = rv_jv_set(o, "addr", rv_jv_addr(a->addr));
	o = rv_jv_set(o, "vector", rv_jv_u64(a->vector));
	o = rv_jv_set(o, "cpu", rv_jv_u64(a->cpu));
	o = rv_jv_set(o, "prev_vector", rv_jv_u64(a->prev_vector));
	o = rv_jv_set(o, "prev_cpu", rv_jv_u64(a->prev_cpu));
	o = rv_jv_set(o, "is_managed", jv_bool(a->is_managed));
	o = rv_jv_set(o, "can_reserve", jv_bool(a->can_reserve));
	o = rv_jv_set(o, "has_reserved", jv_bool(a->has_reserved));
	o = rv_jv_set(o, "move_in_progress", jv_bool(a->move_in_progress));
	return o;
}

// ---- the matrix ----

static struct rv_error *read_matrix(struct irq_decode *s, jv *ret)
{
	rv_addr_t sym;
	// 'static struct irq_matrix *vector_matrix' (vector.c, v4.15+).
	struct rv_error *err = rv_symbol(s->t, "vector_matrix", &sym);
	if (err)
		return err;
	err = rv_read_u64(s->t, sym, &s->matrix);
	if (err)
		return rv_error_wrap(err, "vector_matrix");
	if (!s->matrix)
		return rv_error_format(RV_ERR_CORRUPT, "vector_matrix is NULL");
	jv o = jv_object();
	o = rv_jv_set(o, "addr", rv_jv_addr(s->matrix));
	for (int i = 0; i < NR_MATRIX_FIELDS; i++) {
		err = rv_read_member(s->t, s->matrix, MATRIX, matrix_fields[i],
				     &s->m[i]);
		if (err) {
			jv_free(o);
			return rv_error_wrap(err, "vector_matrix %#" PRIx64,
					     s->matrix);
		}
		o = rv_jv_set(o, matrix_fields[i], rv_jv_u64(s->m[i]));
	}
	err = rv_read_member(s->t, s->matrix, MATRIX, "maps", &s->maps);
	if (err) {
		jv_free(o);
		return err;
	}
	o = rv_jv_set(o, "maps", rv_jv_addr(s->maps));
	if (s->m[M_MATRIX_BITS] == 0 || s->m[M_MATRIX_BITS] > IRQ_MAX_MATRIX_BITS ||
	    s->m[M_ALLOC_END] > s->m[M_MATRIX_BITS] ||
	    s->m[M_ALLOC_START] > s->m[M_ALLOC_END]) {
		jv_free(o);
		return rv_error_format(RV_ERR_CORRUPT,
				       "implausible matrix: matrix_bits %" PRIu64
				       " alloc %" PRIu64 "-%" PRIu64,
				       s->m[M_MATRIX_BITS], s->m[M_ALLOC_START],
				       s->m[M_ALLOC_END]);
	}
	*ret = o;
	return NULL;
}

// ---- per-CPU maps ----

// A cpumap bitmap: an array up to 6.8; from 5b98d210ac1e (v6.9) managed_map
// is a pointer and alloc_map a flexible array of BITS_TO_LONGS(matrix_bits).
static struct rv_error *read_map_bitmap(struct irq_decode *s, rv_addr_t cm,
					const char *member, uint64_t *bits,
					size_t nwords)
{
	struct rv_member m;
	struct rv_error *err = rv_member(s->t, CPUMAP, member, &m);
	if (err)
		return err;
	rv_addr_t addr = cm + m.offset;
	if (m.kind == RV_KIND_PTR) {
		err = rv_read_u64(s->t, addr, &addr);
		if (err)
			return rv_error_wrap(err, "cpumap.%s", member);
	} else if (m.kind != RV_KIND_ARRAY) {
		return rv_error_format(RV_ERR_LOOKUP,
				       "cpumap.%s is neither array nor pointer",
				       member);
	} else if (m.nelem && m.nelem * 64 < s->m[M_MATRIX_BITS]) {
		return rv_error_format(RV_ERR_CORRUPT,
				       "cpumap.%s has %" PRIu64 " words for %" PRIu64
				       " bits", member, m.nelem, s->m[M_MATRIX_BITS]);
	}
	err = rv_read(s->t, addr, bits, nwords * 8);
	return err ? rv_error_wrap(err, "cpumap.%s", member) : NULL;
}

struct cpu_sums {
	uint64_t available, allocated, managed, managed_allocated;
	unsigned int online_maps;
	bool all_read;
};

static jv decode_cpu(struct irq_decode *s, int cpu, struct cpu_sums *sum)
{
	jv o = jv_object();
	o = rv_jv_set(o, "cpu", jv_number(cpu));
	rv_addr_t cm;
	struct rv_error *err = rv_percpu_addr(s->t, s->maps, cpu, &cm);
	if (err) {
		sum->all_read = false;
		return rv_jv_set_error(o, err);
	}
	o = rv_jv_set(o, "addr", rv_jv_addr(cm));

	static const char *const counters[] = {
		"available", "allocated", "managed", "managed_allocated",
	};
	uint64_t c[4];
	for (int i = 0; i < 4; i++) {
		err = rv_read_member(s->t, cm, CPUMAP, counters[i], &c[i]);
		if (err) {
			sum->all_read = false;
			return rv_jv_set_error(o, err);
		}
		o = rv_jv_set(o, counters[i], rv_jv_u64(c[i]));
	}
	uint64_t online, initialized = 1;
	err = rv_read_member(s->t, cm, CPUMAP, "online", &online);
	if (err) {
		sum->all_read = false;
		return rv_jv_set_error(o, err);
	}
	// 'initialized' came with 651ca2c00405 (v4.16); before it the map
	// counters were set up when the CPU first came online.
	if (rv_member_exists(s->t, CPUMAP, "initialized")) {
		err = rv_read_member(s->t, cm, CPUMAP, "initialized", &initialized);
		if (err)
			o = rv_jv_set_error(o, err);
		else
			o = rv_jv_set(o, "initialized", jv_bool(initialized));
	}
	o = rv_jv_set(o, "online", jv_bool(online));
	bool cpu_online = false;
	err = rv_cpu_online(s->t, cpu, &cpu_online);
	if (err)
		o = rv_jv_set_error(o, err);
	else
		o = rv_jv_set(o, "cpu_online", jv_bool(cpu_online));

	if (online) {
		s->map_online[cpu / 64] |= UINT64_C(1) << (cpu % 64);
		sum->online_maps++;
		sum->available += c[0];
		sum->allocated += c[1];
		sum->managed += c[2];
		sum->managed_allocated += c[3];
	}
	// The invariant only holds for a CPU whose map is online and set up:
	// an offline CPU takes managed bits without giving up 'available'.
	if (online && initialized) {
		uint64_t lhs = c[0] + (c[1] - c[3]) + c[2] +
			       s->m[M_SYSTEMBITS_INALLOC];
		o = rv_jv_set(o, "invariant_ok", jv_bool(lhs == s->m[M_ALLOC_SIZE]));
	}

	size_t nwords = (s->m[M_MATRIX_BITS] + 63) / 64;
	uint64_t bits[IRQ_MAX_MATRIX_BITS / 64];
	static const char *const maps[] = { "alloc_map", "managed_map" };
	for (int i = 0; i < 2; i++) {
		err = read_map_bitmap(s, cm, maps[i], bits, nwords);
		if (err) {
			o = rv_jv_set_error(o, err);
			continue;
		}
		char key[32];
		snprintf(key, sizeof(key), "%s_weight", maps[i]);
		unsigned int nbits = (unsigned int)s->m[M_MATRIX_BITS];
		o = rv_jv_set(o, key, jv_number(rv_bitmap_weight(bits, nbits)));
		o = rv_jv_set(o, maps[i], rv_jv_bitmap_list(bits, (unsigned int)nbits));
	}
	return o;
}

static jv decode_cpus(struct irq_decode *s, jv matrix, jv *cpus_ret)
{
	struct cpu_sums sum = { .all_read = true };
	jv cpus = jv_array();
	for (int cpu = 0; cpu < s->ctx.nr_cpu_ids; cpu++)
		cpus = jv_array_append(cpus, decode_cpu(s, cpu, &sum));
	*cpus_ret = cpus;

	// Derived (docs/facts-irq.md): what one online CPU can hand out, and
	// the whole machine's capacity.
	uint64_t per_cpu = s->m[M_ALLOC_SIZE] - s->m[M_SYSTEMBITS_INALLOC];
	uint64_t capacity = per_cpu * s->m[M_ONLINE_MAPS];
	matrix = rv_jv_set(matrix, "per_cpu_capacity", rv_jv_u64(per_cpu));
	matrix = rv_jv_set(matrix, "capacity", rv_jv_u64(capacity));
	matrix = rv_jv_set(matrix, "used",
			   rv_jv_s64((int64_t)capacity -
				     (int64_t)s->m[M_GLOBAL_AVAILABLE]));
	matrix = rv_jv_set(matrix, "online_cpumaps", jv_number(sum.online_maps));
	matrix = rv_jv_set(matrix, "available_sum", rv_jv_u64(sum.available));
	matrix = rv_jv_set(matrix, "allocated_sum", rv_jv_u64(sum.allocated));
	matrix = rv_jv_set(matrix, "managed_sum", rv_jv_u64(sum.managed));
	matrix = rv_jv_set(matrix, "managed_allocated_sum",
			   rv_jv_u64(sum.managed_allocated));
	matrix = rv_jv_set(matrix, "consistent",
			   sum.all_read ? jv_bool(sum.available ==
						  s->m[M_GLOBAL_AVAILABLE])
					: jv_null());
	return matrix;
}

// ---- vectors ----

// The descriptors in one CPU's vector_irq table.
static struct rv_error *decode_cpu_vectors(struct irq_decode *s, int cpu,
					   rv_addr_t table, size_t nvec,
					   jv *vectors)
{
	rv_addr_t addr;
	struct rv_error *err = rv_percpu_addr(s->t, table, cpu, &addr);
	if (err)
		return err;
	uint64_t ent[IRQ_MAX_MATRIX_BITS];
	err = rv_read(s->t, addr, ent, nvec * sizeof(ent[0]));
	if (err)
		return err;
	for (size_t vec = 0; vec < nvec; vec++) {
		if (!ent[vec] || ent[vec] == VECTOR_SHUTDOWN ||
		    ent[vec] == VECTOR_RETRIGGERED)
			continue;
		jv e = jv_object();
		e = rv_jv_set(e, "cpu", jv_number(cpu));
		e = rv_jv_set(e, "vector", jv_number((double)vec));
		const struct rv_irq_desc *d = find_desc(s, ent[vec], &err);
		if (!d) {
			e = rv_jv_set(e, "desc", rv_jv_addr(ent[vec]));
			e = rv_jv_set_error(e, err);
		} else {
			e = jv_object_merge(e, desc_common_jv(s, d));
			if (d->have_apicd)
				e = rv_jv_set(e, "apic", apicd_jv(&d->apicd));
		}
		*vectors = jv_array_append(*vectors, e);
	}
	return NULL;
}

// Every descriptor pointer in the per-CPU vector_irq tables of online CPUs.
static jv decode_vectors(struct irq_decode *s, jv sec)
{
	jv vectors = jv_array();
	rv_addr_t table;
	uint64_t size;
	struct rv_error *err = rv_symbol(s->t, "vector_irq", &table);
	if (!err)
		err = rv_type_size(s->t, "vector_irq_t", &size);
	if (err) {
		sec = rv_jv_set_error(sec, rv_error_wrap(err, "vector_irq"));
		return rv_jv_set(sec, "vectors", vectors);
	}
	// DEFINE_PER_CPU(vector_irq_t, vector_irq) is 'struct irq_desc
	// *[NR_VECTORS]' from v4.3 (int[] before, when there was no matrix
	// either); NR_VECTORS is the matrix's matrix_bits and x86_64
	// pointers are 8 bytes.
	size_t nvec = (size_t)s->m[M_MATRIX_BITS];
	if (size != nvec * sizeof(uint64_t)) {
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_LOOKUP,
			"vector_irq_t is %" PRIu64 " bytes, not %zu descriptor "
			"pointers", size, nvec));
		return rv_jv_set(sec, "vectors", vectors);
	}
	for (int cpu = 0; cpu < s->ctx.nr_cpu_ids; cpu++) {
		bool online;
		err = rv_cpu_online(s->t, cpu, &online);
		if (err) {
			sec = rv_jv_set_error(sec, err);
			break;
		}
		if (!online)
			continue;
		err = decode_cpu_vectors(s, cpu, table, nvec, &vectors);
		if (err)
			sec = rv_jv_set_error(sec, rv_error_wrap(err,
					"vector_irq of cpu %d", cpu));
	}
	return rv_jv_set(sec, "vectors", vectors);
}

// ---- managed irqs and their devices ----

// The device a managed irq belongs to: its name up to the first '-'
// ("virtio2" for "virtio2-req.0", "nvme0q1" stays whole).
static void device_key(const struct rv_irq_desc *d, char *buf, size_t size)
{
	snprintf(buf, size, "%s", rv_irq_desc_owner(d));
	char *dash = strchr(buf, '-');
	if (dash && dash != buf)
		*dash = '\0';
}

// virtio queue irqs (vp_find_vqs_msix) have vring_interrupt as handler and
// the struct virtqueue as dev_id; the disk is the gendisk whose parent is
// vq->vdev->dev, whatever the block driver (virtio_blk, rvblk, ...).
static struct rv_error *virtio_blk_disk(struct irq_decode *s,
					const struct rv_irq_desc *d,
					char *buf, size_t size)
{
	struct rv_target *t = s->t;
	uint64_t vdev;
	rv_addr_t dev, disk;
	struct rv_error *err = rv_read_member(t, d->first_dev_id,
					      "struct virtqueue", "vdev", &vdev);
	if (!err)
		err = rv_member_addr(t, vdev, "struct virtio_device", "dev", &dev);
	if (!err)
		err = rv_blk_device_disk(t, dev, &disk, buf, size);
	// No gendisk under the device (removed before the dump, as at
	// fq-panic's teardown): disk null, which is the fact, not an error.
	if (!err && !disk)
		buf[0] = '\0';
	return err;
}

struct device_sum {
	char key[64];
	char disk[32];
	unsigned int irqs, reserved, allocated;
	jv irq_list;
	jv disk_error;	// null or a string
};

struct devices {
	struct device_sum *v;
	size_t n, cap;
};

static struct device_sum *device_get(struct devices *ds, const char *key)
{
	for (size_t i = 0; i < ds->n; i++)
		if (!strcmp(ds->v[i].key, key))
			return &ds->v[i];
	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? ds->cap * 2 : 16;
		struct device_sum *n = realloc(ds->v, cap * sizeof(*n));
		if (!n)
			return NULL;
		ds->v = n;
		ds->cap = cap;
	}
	struct device_sum *g = &ds->v[ds->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->key, sizeof(g->key), "%s", key);
	g->irq_list = jv_array();
	g->disk_error = jv_null();
	return g;
}

// Name the disk behind a virtio device once (needs virtio_ring's debug
// info for struct virtqueue, loaded here: the matrix itself does not).
static void device_name_disk(struct irq_decode *s, struct device_sum *g,
			     const struct rv_irq_desc *d, bool *debuginfo_tried,
			     struct rv_error **debuginfo_err)
{
	if (g->disk[0] || jv_get_kind(g->disk_error) != JV_KIND_NULL)
		return;
	if (!s->ctx.vring_interrupt || d->first_handler != s->ctx.vring_interrupt)
		return;
	if (!*debuginfo_tried) {
		*debuginfo_tried = true;
		*debuginfo_err = rv_module_debuginfo(s->t, "virtio_ring");
		// CONFIG_VIRTIO=y (Debian 13's 6.12): virtio_ring is no module
		// and struct virtqueue is in vmlinux.
		if (*debuginfo_err && (*debuginfo_err)->code == RV_ERR_ABSENT &&
		    rv_type_exists(s->t, "struct virtqueue")) {
			rv_error_destroy(*debuginfo_err);
			*debuginfo_err = NULL;
		}
	}
	struct rv_error *err = *debuginfo_err;
	if (err) {
		g->disk_error = jv_string(err->msg);
		return;
	}
	err = virtio_blk_disk(s, d, g->disk, sizeof(g->disk));
	if (err) {
		g->disk[0] = '\0';
		jv_free(g->disk_error);
		g->disk_error = rv_jv_error(err);
	}
}

static int cmp_devices(const void *a, const void *b)
{
	const struct device_sum *x = a, *y = b;
	if (x->reserved != y->reserved)
		return x->reserved > y->reserved ? -1 : 1;
	return rv_natcmp(x->key, y->key);	// ties: virtio2 before virtio10
}

static jv devices_jv(struct devices *ds)
{
	if (ds->n)	// ds->v is NULL when no device was seen (qsort wants an array)
		qsort(ds->v, ds->n, sizeof(*ds->v), cmp_devices);
	jv arr = jv_array();
	for (size_t i = 0; i < ds->n; i++) {
		struct device_sum *g = &ds->v[i];
		jv o = jv_object();
		o = rv_jv_set(o, "device", jv_string(g->key));
		o = rv_jv_set(o, "disk", g->disk[0] ? jv_string(g->disk) : jv_null());
		o = rv_jv_set(o, "irqs", jv_number(g->irqs));
		o = rv_jv_set(o, "reserved", jv_number(g->reserved));
		o = rv_jv_set(o, "allocated", jv_number(g->allocated));
		o = rv_jv_set(o, "irq_list", g->irq_list);
		if (jv_get_kind(g->disk_error) != JV_KIND_NULL)
			o = rv_jv_set(o, "disk_error", g->disk_error);
		else
			jv_free(g->disk_error);
		arr = jv_array_append(arr, o);
	}
	free(ds->v);
	ds->v = NULL;
	ds->n = ds->cap = 0;
	return arr;
}

// irq.managed[] and irq.by_device[], plus their totals in irq.matrix.
static jv decode_managed(struct irq_decode *s, jv sec, jv *matrix)
{
	jv managed = jv_array();
	struct devices ds = { 0 };
	bool tried = false;
	struct rv_error *debuginfo_err = NULL;
	unsigned int nmanaged = 0, reserved_sum = 0, allocated_sum = 0;

	for (size_t i = 0; i < s->ndescs; i++) {
		const struct rv_irq_desc *d = &s->descs[i];
		if (!d->managed)
			continue;
		unsigned int reserved = online_weight(s, d->affinity);
		bool allocated = d->have_apicd && d->apicd.vector;
		char key[64];
		device_key(d, key, sizeof(key));

		jv o = desc_common_jv(s, d);
		o = rv_jv_set(o, "device", jv_string(key));
		o = rv_jv_set(o, "affinity_weight", d->affinity ?
			      jv_number(rv_bitmap_weight(d->affinity,
					(unsigned int)s->ctx.nr_cpu_ids)) : jv_null());
		o = rv_jv_set(o, "reserved", jv_number(reserved));
		o = rv_jv_set(o, "vector", allocated ?
			      rv_jv_u64(d->apicd.vector) : jv_null());
		o = rv_jv_set(o, "vector_cpu", allocated ?
			      rv_jv_u64(d->apicd.cpu) : jv_null());
		if (d->have_apicd)
			o = rv_jv_set(o, "apic", apicd_jv(&d->apicd));
		managed = jv_array_append(managed, o);

		nmanaged++;
		reserved_sum += reserved;
		allocated_sum += allocated;
		struct device_sum *g = device_get(&ds, key);
		if (!g) {
			sec = rv_jv_set_error(sec, &rv_enomem);
			break;
		}
		g->irqs++;
		g->reserved += reserved;
		g->allocated += allocated;
		g->irq_list = jv_array_append(g->irq_list, rv_jv_u64(d->irq));
		device_name_disk(s, g, d, &tried, &debuginfo_err);
	}
	rv_error_destroy(debuginfo_err);
	*matrix = rv_jv_set(*matrix, "managed_irqs", jv_number(nmanaged));
	*matrix = rv_jv_set(*matrix, "managed_reserved", jv_number(reserved_sum));
	*matrix = rv_jv_set(*matrix, "managed_irqs_allocated",
			    jv_number(allocated_sum));
	sec = rv_jv_set(sec, "managed", managed);
	return rv_jv_set(sec, "by_device", devices_jv(&ds));
}

// ---- the section ----

static void lookup_irqd_names(struct irq_decode *s)
{
	for (size_t i = 0; i < NR_IRQD_NAMES; i++) {
		int64_t v;
		struct rv_error *err = rv_enum_value(s->t, irqd_names[i], &v);
		s->irqd_values[i] = err || v <= 0 ? 0 : v;
		rv_error_destroy(err);
	}
}

static void irq_decode_release(struct irq_decode *s)
{
	for (size_t i = 0; i < s->ndescs; i++)
		rv_irq_desc_release(&s->descs[i]);
	free(s->descs);
	free(s->by_addr);
	free(s->map_online);
}

static struct rv_error *decode(struct rv_target *t, const char *select, jv *ret)
{
	(void)select;	// the whole matrix is always decoded
	struct irq_decode s = { .t = t };
	rv_addr_t sym;
	struct rv_error *err = rv_symbol(t, "vector_matrix", &sym);
	if (err) {
		jv sec = jv_object();
		sec = rv_jv_set(sec, "present", jv_false());
		sec = rv_jv_set(sec, "reason", jv_string(
			"no vector_matrix: not an x86 kernel with the vector "
			"matrix allocator (v4.15+)"));
		rv_error_destroy(err);
		*ret = sec;
		return NULL;
	}
	err = rv_irq_desc_ctx_init(t, &s.ctx);
	if (err)
		return err;
	jv matrix;
	err = read_matrix(&s, &matrix);
	if (err)
		return err;
	s.map_online = calloc(((size_t)s.ctx.nr_cpu_ids + 63) / 64, 8);
	if (!s.map_online) {
		jv_free(matrix);
		return &rv_enomem;
	}
	lookup_irqd_names(&s);

	// Placeholders fix the key order of the section (jv objects keep
	// insertion order); the values are filled in below.
	jv sec = jv_object();
	sec = rv_jv_set(sec, "matrix", jv_null());
	sec = rv_jv_set(sec, "by_device", jv_null());
	jv flag = jv_object();
	flag = rv_jv_set(flag, "mask", rv_jv_u64(s.ctx.managed_mask));
	flag = rv_jv_set(flag, "from_debuginfo",
			 jv_bool(s.ctx.managed_mask_from_debuginfo));
	sec = rv_jv_set(sec, "irqd_affinity_managed", flag);
	if (!s.ctx.vector_domain)
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_LOOKUP,
			"x86_vector_domain unreadable: no apic_chip_data "
			"(vector, cpu) for any irq"));

	jv cpus;
	matrix = decode_cpus(&s, matrix, &cpus);
	sec = read_all_descs(&s, sec);
	index_descs(&s);
	sec = rv_jv_set(sec, "nr_descs", jv_number((double)s.ndescs));
	// Every descriptor of the store, in irq order (/sys/kernel/irq).
	jv descs = jv_array();
	for (size_t i = 0; i < s.ndescs; i++)
		descs = jv_array_append(descs, desc_common_jv(&s, &s.descs[i]));
	sec = rv_jv_set(sec, "descs", descs);
	sec = decode_managed(&s, sec, &matrix);
	sec = decode_vectors(&s, sec);
	sec = rv_jv_set(sec, "matrix", matrix);
	sec = rv_jv_set(sec, "cpus", cpus);
	irq_decode_release(&s);
	*ret = sec;
	return NULL;
}

const struct rv_decoder rv_decoder_irq = {
	.name = "irq",
	.summary = "x86 vector matrix: capacity, managed reservations, owners",
	.decode = decode,
};

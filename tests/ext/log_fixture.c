// SPDX-License-Identifier: GPL-2.0-or-later
// Synthetic kernels for the "dump" and "log" decoders: the states the rig
// dumps never reach (wrapped text blocks, data-less and overwritten
// records, garbage ring indexes, the pre-5.10 log_buf, a panic). Memory,
// symbols and layouts come from the tables below (the layouts are those of
// the 6.1 debug info, pahole-checked); the decoders see an ordinary target.
//
// Prints one JSON object {case: section, ...} (or, with `report`, the text
// report of the panicked kernel); tests/ext/test_dump.sh asserts on it.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "kernel_log.h"
#include "report.h"

// ---- the fixture target ----

#define MAX_REGIONS 16
#define MAX_SYMS 32

struct fixture {
	struct {
		rv_addr_t addr;
		size_t len;
		uint8_t *buf;
	} region[MAX_REGIONS];
	int nr_regions;
	struct {
		const char *name;
		rv_addr_t addr;
	} sym[MAX_SYMS];
	int nr_syms;
	rv_addr_t next_addr;
};

static uint8_t *fx_alloc(struct fixture *fx, size_t len, rv_addr_t *addr)
{
	int i = fx->nr_regions++;
	fx->region[i].addr = fx->next_addr;
	fx->region[i].len = len;
	fx->region[i].buf = calloc(1, len);
	*addr = fx->next_addr;
	fx->next_addr += (len + 0xfff) & ~(rv_addr_t)0xfff;
	fx->next_addr += 0x1000;	// unmapped guard page between regions
	return fx->region[i].buf;
}

static rv_addr_t fx_sym(struct fixture *fx, const char *name, size_t len)
{
	rv_addr_t addr;
	fx_alloc(fx, len, &addr);
	fx->sym[fx->nr_syms].name = name;
	fx->sym[fx->nr_syms++].addr = addr;
	return addr;
}

static uint8_t *fx_mem(struct fixture *fx, rv_addr_t addr, size_t len)
{
	for (int i = 0; i < fx->nr_regions; i++) {
		if (addr >= fx->region[i].addr &&
		    addr + len <= fx->region[i].addr + fx->region[i].len)
			return fx->region[i].buf + (addr - fx->region[i].addr);
	}
	return NULL;
}

static void put(struct fixture *fx, rv_addr_t addr, uint64_t v, size_t size)
{
	uint8_t *p = fx_mem(fx, addr, size);
	for (size_t i = 0; p && i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_str(struct fixture *fx, rv_addr_t addr, const char *s)
{
	uint8_t *p = fx_mem(fx, addr, strlen(s) + 1);
	if (p)
		memcpy(p, s, strlen(s) + 1);
}

static void fx_free(struct fixture *fx)
{
	for (int i = 0; i < fx->nr_regions; i++)
		free(fx->region[i].buf);
}

static struct rv_error *fx_read(struct rv_target *t, rv_addr_t addr, void *buf,
				size_t len)
{
	uint8_t *p = fx_mem(t->priv, addr, len);
	if (!p)
		return rv_error_fault(addr, "fixture: nothing at %#" PRIx64, addr);
	memcpy(buf, p, len);
	return NULL;
}

static struct rv_error *fx_symbol(struct rv_target *t, const char *name,
				  rv_addr_t *ret)
{
	struct fixture *fx = t->priv;
	for (int i = 0; i < fx->nr_syms; i++) {
		if (!strcmp(fx->sym[i].name, name)) {
			*ret = fx->sym[i].addr;
			return NULL;
		}
	}
	return rv_error_format(RV_ERR_LOOKUP, "no symbol %s", name);
}

static const struct {
	const char *type, *path;
	uint64_t offset, size;
	enum rv_kind kind;
	unsigned int bit_offset, bit_size;
} members[] = {
	{ "struct printk_ringbuffer", "desc_ring.count_bits", 0, 4, RV_KIND_INT, 0, 0 },
	{ "struct printk_ringbuffer", "desc_ring.descs", 8, 8, RV_KIND_PTR, 0, 0 },
	{ "struct printk_ringbuffer", "desc_ring.infos", 16, 8, RV_KIND_PTR, 0, 0 },
	{ "struct printk_ringbuffer", "desc_ring.head_id", 24, 8, RV_KIND_STRUCT, 0, 0 },
	{ "struct printk_ringbuffer", "desc_ring.tail_id", 32, 8, RV_KIND_STRUCT, 0, 0 },
	{ "struct printk_ringbuffer", "text_data_ring.size_bits", 48, 4, RV_KIND_INT, 0, 0 },
	{ "struct printk_ringbuffer", "text_data_ring.data", 56, 8, RV_KIND_PTR, 0, 0 },
	{ "struct printk_ringbuffer", "text_data_ring.head_lpos", 64, 8, RV_KIND_STRUCT, 0, 0 },
	{ "struct printk_ringbuffer", "text_data_ring.tail_lpos", 72, 8, RV_KIND_STRUCT, 0, 0 },
	{ "struct printk_ringbuffer", "fail", 80, 8, RV_KIND_STRUCT, 0, 0 },
	{ "struct prb_desc", "state_var", 0, 8, RV_KIND_STRUCT, 0, 0 },
	{ "struct prb_desc", "text_blk_lpos.begin", 8, 8, RV_KIND_INT, 0, 0 },
	{ "struct prb_desc", "text_blk_lpos.next", 16, 8, RV_KIND_INT, 0, 0 },
	{ "struct printk_info", "seq", 0, 8, RV_KIND_INT, 0, 0 },
	{ "struct printk_info", "ts_nsec", 8, 8, RV_KIND_INT, 0, 0 },
	{ "struct printk_info", "text_len", 16, 2, RV_KIND_INT, 0, 0 },
	{ "struct printk_info", "facility", 18, 1, RV_KIND_INT, 0, 0 },
	{ "struct printk_info", "level", 19, 1, RV_KIND_INT, 5, 3 },
	{ "struct printk_info", "caller_id", 20, 4, RV_KIND_INT, 0, 0 },
	{ "struct printk_info", "dev_info.subsystem", 24, 16, RV_KIND_ARRAY, 0, 0 },
	{ "struct printk_info", "dev_info.device", 40, 48, RV_KIND_ARRAY, 0, 0 },
	{ "struct prb_data_block", "data", 8, 0, RV_KIND_ARRAY, 0, 0 },
	// v3.11-v5.0 struct printk_log (no caller_id)
	{ "struct printk_log", "ts_nsec", 0, 8, RV_KIND_INT, 0, 0 },
	{ "struct printk_log", "len", 8, 2, RV_KIND_INT, 0, 0 },
	{ "struct printk_log", "text_len", 10, 2, RV_KIND_INT, 0, 0 },
	{ "struct printk_log", "dict_len", 12, 2, RV_KIND_INT, 0, 0 },
	{ "struct printk_log", "facility", 14, 1, RV_KIND_INT, 0, 0 },
	{ "struct printk_log", "level", 15, 1, RV_KIND_INT, 5, 3 },
	{ "struct uts_namespace", "name.release", 4 + 65 * 2, 65, RV_KIND_ARRAY, 0, 0 },
	{ "struct uts_namespace", "name.version", 4 + 65 * 3, 65, RV_KIND_ARRAY, 0, 0 },
	{ "struct uts_namespace", "name.machine", 4 + 65 * 4, 65, RV_KIND_ARRAY, 0, 0 },
	{ "struct uts_namespace", "name.nodename", 4 + 65 * 1, 65, RV_KIND_ARRAY, 0, 0 },
	{ "atomic_t", "counter", 0, 4, RV_KIND_INT, 0, 0 },
	{ "struct task_struct", "pid", 0x100, 4, RV_KIND_INT, 0, 0 },
	{ "struct task_struct", "comm", 0x200, 16, RV_KIND_ARRAY, 0, 0 },
	{ "struct pcpu_hot", "current_task", 0, 8, RV_KIND_PTR, 0, 0 },
};

static const struct {
	const char *type;
	uint64_t size;
} types[] = {
	{ "struct printk_ringbuffer", 88 },
	{ "struct prb_desc", 24 },
	{ "struct printk_info", 88 },
	{ "struct prb_data_block", 8 },
	{ "struct printk_log", 16 },
};

static struct rv_error *fx_type_size(struct rv_target *t, const char *type,
				     uint64_t *ret)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!strcmp(types[i].type, type)) {
			*ret = types[i].size;
			return NULL;
		}
	}
	return rv_error_format(RV_ERR_LOOKUP, "no type %s", type);
}

static struct rv_error *fx_member(struct rv_target *t, const char *type,
				  const char *path, struct rv_member *ret)
{
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		if (strcmp(members[i].type, type) || strcmp(members[i].path, path))
			continue;
		struct rv_member m = { 0 };
		m.offset = members[i].offset;
		m.size = members[i].size;
		m.kind = members[i].kind;
		m.bit_offset = members[i].bit_offset;
		m.bit_size = members[i].bit_size;
		*ret = m;
		return NULL;
	}
	return rv_error_format(RV_ERR_LOOKUP, "no member %s.%s", type, path);
}

static struct rv_error *fx_enum_value(struct rv_target *t, const char *name,
				      int64_t *ret)
{
	if (!strcmp(name, "desc_committed"))
		*ret = 1;
	else if (!strcmp(name, "desc_finalized"))
		*ret = 2;
	else
		return rv_error_format(RV_ERR_LOOKUP, "no enumerator %s", name);
	return NULL;
}

static const struct rv_target_ops fx_ops = {
	.name = "fixture",
	.read = fx_read,
	.symbol = fx_symbol,
	.type_size = fx_type_size,
	.member = fx_member,
	.enum_value = fx_enum_value,
};

static void fx_init(struct fixture *fx)
{
	memset(fx, 0, sizeof(*fx));
	fx->next_addr = UINT64_C(0xffff888000100000);
}

// ---- v5.10+ ringbuffer: 8 descriptors, a 128-byte text ring ----

#define SV(id, state) (((uint64_t)(state) << 62) | (id))

struct fx_prb {
	rv_addr_t rb, descs, infos, data;
};

static void prb_desc(struct fixture *fx, struct fx_prb *p, uint64_t id,
		     unsigned int state, uint64_t begin, uint64_t next)
{
	rv_addr_t d = p->descs + (id & 7) * 24;
	put(fx, d, SV(id, state), 8);
	put(fx, d + 8, begin, 8);
	put(fx, d + 16, next, 8);
}

static void prb_info(struct fixture *fx, struct fx_prb *p, uint64_t seq,
		     uint64_t ts, unsigned int level, uint16_t text_len)
{
	rv_addr_t in = p->infos + (seq & 7) * 88;
	put(fx, in, seq, 8);
	put(fx, in + 8, ts, 8);
	put(fx, in + 16, text_len, 2);
	put(fx, in + 19, level << 5, 1);
	put(fx, in + 20, 0x80000001, 4);	// caller: CPU 1
}

/** A data block {id; text} at ring index @p idx. */
static void prb_block(struct fixture *fx, struct fx_prb *p, unsigned int idx,
		      uint64_t id, const char *text)
{
	put(fx, p->data + idx, id, 8);
	uint8_t *dst = fx_mem(fx, p->data + idx + 8, strlen(text));
	if (dst)
		memcpy(dst, text, strlen(text));
}

static void prb_setup(struct fixture *fx, struct fx_prb *p, uint64_t head_id,
		      uint64_t tail_id)
{
	rv_addr_t prb = fx_sym(fx, "prb", 8);
	fx_alloc(fx, 88, &p->rb);
	fx_alloc(fx, 8 * 24, &p->descs);
	fx_alloc(fx, 8 * 88, &p->infos);
	fx_alloc(fx, 128, &p->data);
	put(fx, prb, p->rb, 8);
	put(fx, p->rb + 0, 3, 4);		// count_bits: 8 descriptors
	put(fx, p->rb + 8, p->descs, 8);
	put(fx, p->rb + 16, p->infos, 8);
	put(fx, p->rb + 24, head_id, 8);
	put(fx, p->rb + 32, tail_id, 8);
	put(fx, p->rb + 48, 7, 4);		// size_bits: 128 bytes
	put(fx, p->rb + 56, p->data, 8);
	put(fx, p->rb + 64, 320, 8);
	put(fx, p->rb + 72, 160, 8);

	// id 8: "first" at [32, 48), lpos 160..176 (wrap 1)
	prb_desc(fx, p, 8, 2, 160, 176);
	prb_info(fx, p, 8, 1000000, 6, 5);
	prb_block(fx, p, 32, 8, "first");
	// id 9: an empty line, no data block
	prb_desc(fx, p, 9, 2, 3, 3);
	prb_info(fx, p, 9, 2000000, 6, 0);
	// id 10: still reserved by its writer
	prb_desc(fx, p, 10, 0, 176, 192);
	// id 11: does not fit at the end (lpos 240, index 112): wraps to
	// [0, 24), next lpos 280 (wrap 2)
	prb_desc(fx, p, 11, 2, 240, 280);
	prb_info(fx, p, 11, 3000000, 4, 12);
	prb_block(fx, p, 0, 11, "wrapped text");
	// id 12: text could not be stored
	prb_desc(fx, p, 12, 1, 1, 1);
	prb_info(fx, p, 12, 4000000, 6, 9);
	// id 13: two lines, [64, 104), lpos 192..232, committed
	prb_desc(fx, p, 13, 1, 192, 232);
	prb_info(fx, p, 13, 5000000, 1, 27);
	prb_block(fx, p, 64, 13, "Oops: 0002 [#1]\nRIP: 0010:x");
	// id 14: points at id 8's block
	prb_desc(fx, p, 14, 2, 160, 176);
	prb_info(fx, p, 14, 6000000, 6, 5);
}

static jv run_log(struct fixture *fx)
{
	struct rv_target t;
	rv_target_init(&t, &fx_ops, fx);
	jv sec = rv_facts_section(&t, &rv_decoder_log, NULL);
	rv_target_deinit(&t);
	return sec;
}

static jv case_prb(void)
{
	struct fixture fx;
	struct fx_prb p;
	fx_init(&fx);
	prb_setup(&fx, &p, 14, 8);
	jv sec = run_log(&fx);
	fx_free(&fx);
	return sec;
}

/** head_id 100 ids past tail_id in an 8-descriptor ring. */
static jv case_prb_garbage(void)
{
	struct fixture fx;
	struct fx_prb p;
	fx_init(&fx);
	prb_setup(&fx, &p, 108, 8);
	jv sec = run_log(&fx);
	fx_free(&fx);
	return sec;
}

/** count_bits from a corrupt ring: no allocation of 2^40 descriptors. */
static jv case_prb_huge(void)
{
	struct fixture fx;
	struct fx_prb p;
	fx_init(&fx);
	prb_setup(&fx, &p, 14, 8);
	put(&fx, p.rb + 0, 40, 4);
	jv sec = run_log(&fx);
	fx_free(&fx);
	return sec;
}

// ---- v3.11-v5.9 log_buf ----

static void logbuf_rec(struct fixture *fx, rv_addr_t buf, unsigned int idx,
		       uint16_t len, uint64_t ts, unsigned int level,
		       const char *text)
{
	put(fx, buf + idx, ts, 8);
	put(fx, buf + idx + 8, len, 2);
	put(fx, buf + idx + 10, strlen(text), 2);
	put(fx, buf + idx + 15, level << 5, 1);
	uint8_t *dst = fx_mem(fx, buf + idx + 16, strlen(text));
	if (dst)
		memcpy(dst, text, strlen(text));
}

static jv case_logbuf(uint16_t bad_len)
{
	struct fixture fx;
	fx_init(&fx);
	rv_addr_t buf;
	fx_alloc(&fx, 80, &buf);
	put(&fx, fx_sym(&fx, "log_buf", 8), buf, 8);
	put(&fx, fx_sym(&fx, "log_buf_len", 4), 80, 4);
	put(&fx, fx_sym(&fx, "log_first_idx", 4), 32, 4);
	put(&fx, fx_sym(&fx, "log_next_idx", 4), 24, 4);
	put(&fx, fx_sym(&fx, "log_first_seq", 8), 5, 8);
	put(&fx, fx_sym(&fx, "log_next_seq", 8), 7, 8);
	// seq 5 at [32, 56), the wrap marker at 56, seq 6 at [0, 24)
	logbuf_rec(&fx, buf, 32, 24, 7000000, 3, "aaaa");
	put(&fx, buf + 56 + 8, bad_len, 2);
	logbuf_rec(&fx, buf, 0, 24, 8000000, 6, "bbbbb");
	jv sec = run_log(&fx);
	fx_free(&fx);
	return sec;
}

// ---- a panicked kernel ----

static jv case_panic(bool pcpu_hot)
{
	struct fixture fx;
	struct fx_prb p;
	fx_init(&fx);
	prb_setup(&fx, &p, 14, 8);
	rv_addr_t uts = fx_sym(&fx, "init_uts_ns", 512);
	put_str(&fx, uts + 4 + 65 * 2, "9.9.9-fixture");
	put_str(&fx, uts + 4 + 65 * 3, "#1 SMP");
	put_str(&fx, uts + 4 + 65 * 4, "x86_64");
	put_str(&fx, uts + 4 + 65 * 1, "box");
	put(&fx, fx_sym(&fx, "nr_cpu_ids", 4), 4, 4);
	put(&fx, fx_sym(&fx, "__cpu_possible_mask", 8), 0xf, 8);
	put(&fx, fx_sym(&fx, "__cpu_present_mask", 8), 0xf, 8);
	put(&fx, fx_sym(&fx, "__cpu_online_mask", 8), 0xd, 8);	// 0,2-3
	put(&fx, fx_sym(&fx, "jiffies_64", 8), 4294892296ULL + 2500, 8);
	put(&fx, fx_sym(&fx, "tick_nsec", 8), 4000000, 8);	// HZ 250
	put(&fx, fx_sym(&fx, "panic_cpu", 4), 2, 4);
	// per-CPU area: CPU n at percpu_base + n * 0x1000
	rv_addr_t percpu;
	fx_alloc(&fx, 4 * 0x1000, &percpu);
	rv_addr_t offsets = fx_sym(&fx, "__per_cpu_offset", 4 * 8);
	// The per-CPU symbol itself sits at offset 0x40 of each CPU's area;
	// symbol values are offsets into the per-CPU areas.
	fx.sym[fx.nr_syms].name = pcpu_hot ? "pcpu_hot" : "current_task";
	fx.sym[fx.nr_syms++].addr = 0x40;
	for (int cpu = 0; cpu < 4; cpu++)
		put(&fx, offsets + cpu * 8, percpu + cpu * 0x1000, 8);
	rv_addr_t task;
	fx_alloc(&fx, 0x400, &task);
	put(&fx, percpu + 2 * 0x1000 + 0x40, task, 8);
	put(&fx, task + 0x100, 4242, 4);
	put_str(&fx, task + 0x200, "boom");

	// Record 13 becomes the panic message (same block, same length).
	prb_info(&fx, &p, 13, 5000000, 0, 32);
	prb_block(&fx, &p, 64, 13, "Kernel panic - not syncing: test");

	struct rv_target t;
	rv_target_init(&t, &fx_ops, &fx);
	jv sec = rv_facts_section(&t, &rv_decoder_dump, NULL);
	rv_target_deinit(&t);
	fx_free(&fx);
	return sec;
}

static jv case_panic_text(void)
{
	jv line1 = jv_object();
	line1 = rv_jv_set(line1, "text", jv_string("BUG: kernel NULL pointer dereference, address: 0000000000000008"));
	jv line2 = jv_object();
	line2 = rv_jv_set(line2, "text", jv_string("Oops: 0002 [#1] PREEMPT SMP NOPTI\nCPU: 1 PID: 7 Comm: x\nRIP: 0010:md_wakeup_thread+0x5/0x40 [md_mod]"));
	jv line3 = jv_object();
	line3 = rv_jv_set(line3, "text", jv_string("Kernel panic - not syncing: Fatal exception"));
	jv lines = jv_array_append(jv_array_append(jv_array_append(jv_array(), line1), line2), line3);
	return rv_kernel_log_panic_text(rv_jv_set(jv_object(), "lines", lines));
}

int main(int argc, char **argv)
{
	// `log_fixture report`: the text report of the panicked kernel.
	if (argc > 1 && !strcmp(argv[1], "report")) {
		struct rv_report_opts o = { 0 };
		jv sec = case_panic(false);
		rv_report_dump(stdout, sec, &o);
		jv_free(sec);
		return 0;
	}
	jv out = jv_object();
	out = rv_jv_set(out, "prb", case_prb());
	out = rv_jv_set(out, "prb_garbage", case_prb_garbage());
	out = rv_jv_set(out, "prb_huge", case_prb_huge());
	out = rv_jv_set(out, "logbuf", case_logbuf(0));
	out = rv_jv_set(out, "logbuf_bad", case_logbuf(999));
	out = rv_jv_set(out, "panic", case_panic(false));
	out = rv_jv_set(out, "panic_pcpu_hot", case_panic(true));
	out = rv_jv_set(out, "panic_text", case_panic_text());
	jv s = jv_dump_string(out, JV_PRINT_PRETTY);
	printf("%s\n", jv_string_value(s));
	jv_free(s);
	return 0;
}

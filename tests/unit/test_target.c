// SPDX-License-Identifier: GPL-2.0-or-later
// Target helpers over the in-memory backend: typed reads, member reads
// (sizes, sign, bitfields, atomics), layout cache, symbols, per-CPU data,
// page size, list walks (bounds, cycles, poison), address sanity.
#include <stdio.h>
#include <stdlib.h>

#include "facts.h"
#include "memtarget.h"
#include "unit.h"

#define BASE UINT64_C(0xffff888000100000)

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static void reads(void)
{
	struct rv_target *t = mt_new();
	unsigned char *m = mt_map(t, BASE, 64);
	for (int i = 0; i < 64; i++)
		m[i] = (unsigned char)(i + 1);
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	CHECK_OK("rv_read_u8", rv_read_u8(t, BASE, &u8));
	CHECK_U64("u8", 1, u8);
	CHECK_OK("rv_read_u16", rv_read_u16(t, BASE, &u16));
	CHECK_U64("u16 little endian", 0x0201, u16);
	CHECK_OK("rv_read_u32", rv_read_u32(t, BASE + 4, &u32));
	CHECK_U64("u32", 0x08070605, u32);
	CHECK_OK("rv_read_u64", rv_read_u64(t, BASE + 8, &u64));
	CHECK_U64("u64", UINT64_C(0x100f0e0d0c0b0a09), u64);
	static const size_t sizes[] = { 1, 2, 4, 8 };
	static const uint64_t want[] = { 0x11, 0x1211, 0x14131211, UINT64_C(0x1817161514131211) };
	for (int i = 0; i < 4; i++) {
		char name[64];
		snprintf(name, sizeof(name), "rv_read_uint size %zu", sizes[i]);
		CHECK_OK(name, rv_read_uint(t, BASE + 16, sizes[i], &u64));
		CHECK_U64(name, want[i], u64);
	}
	u64 = 42;
	CHECK_ERR("read past the mapping", RV_ERR_FAULT, rv_read_u64(t, BASE + 60, &u64));
	CHECK_U64("ret untouched on failure", 42, u64);
	CHECK_ERR("read of unmapped memory", RV_ERR_FAULT, rv_read_u8(t, BASE - 1, &u8));
	struct rv_error *err = rv_read_u64(t, BASE + 100, &u64);
	CHECK(err && err->addr == BASE + 100, "fault carries its address");
	rv_error_destroy(err);
	// strings
	unsigned char *s = mt_map(t, BASE + 0x1000, 64);
	memcpy(s, "md0\0", 4);
	memset(s + 4, 'x', 60);	// not terminated before the mapping ends
	char buf[32];
	CHECK_OK("rv_read_cstr", rv_read_cstr(t, BASE + 0x1000, buf, sizeof(buf)));
	CHECK_STR("cstr", "md0", buf);
	CHECK_OK("rv_read_cstr truncated to the buffer", rv_read_cstr(t, BASE + 0x1004, buf, 5));
	CHECK_STR("cstr truncated", "xxxx", buf);
	mt_free(t);
}

static void members(void)
{
	struct rv_target *t = mt_new();
	const char *T = "struct thing";
	mt_type(t, T, 64);
	mt_member(t, T, "u8", 0, 1, RV_KIND_INT);
	mt_member(t, T, "s16", 2, 2, RV_KIND_INT);
	mt_member(t, T, "s32", 4, 4, RV_KIND_INT);
	mt_member(t, T, "ptr", 8, 8, RV_KIND_PTR);
	mt_member(t, T, "flag", 16, 1, RV_KIND_BOOL);
	mt_member(t, T, "state", 20, 4, RV_KIND_ENUM);
	mt_member(t, T, "count", 24, 4, RV_KIND_STRUCT);	// atomic_t
	mt_member(t, T, "big", 32, 16, RV_KIND_STRUCT);		// not a scalar
	struct rv_member bf = { .offset = 48, .size = 4, .kind = RV_KIND_INT,
				.bit_offset = 3, .bit_size = 5 };
	mt_member_full(t, T, "bits", &bf);
	struct rv_member arr = { .offset = 52, .size = 8, .kind = RV_KIND_ARRAY,
				 .target_kind = RV_KIND_INT, .target_size = 1, .nelem = 8 };
	mt_member_full(t, T, "name", &arr);
	mt_member(t, T, "list.next", 40, 8, RV_KIND_PTR);

	rv_addr_t obj = BASE + 0x2000;
	unsigned char *m = mt_map(t, obj, 64);
	m[0] = 0xfe;
	m[2] = 0xff, m[3] = 0xff;		// s16 = -1
	put64(m + 8, BASE + 0x2000);
	m[16] = 1;
	m[20] = 3;
	m[24] = 7;
	m[48] = 0xff;				// bits 3..7 of the byte: 0x1f
	memcpy(m + 52, "vdb", 4);
	uint64_t v;
	int64_t sv;
	CHECK_OK("read u8 member", rv_read_member(t, obj, T, "u8", &v));
	CHECK_U64("u8 member zero-extended", 0xfe, v);
	CHECK_OK("read s16 member signed", rv_read_member_s(t, obj, T, "s16", &sv));
	CHECK(sv == -1, "s16 member sign-extended (got %" PRId64 ")", sv);
	CHECK_OK("read s16 member unsigned", rv_read_member(t, obj, T, "s16", &v));
	CHECK_U64("s16 member zero-extended", 0xffff, v);
	CHECK_OK("read ptr member", rv_read_member(t, obj, T, "ptr", &v));
	CHECK_U64("ptr member", obj, v);
	CHECK_OK("read bool member", rv_read_member(t, obj, T, "flag", &v));
	CHECK_U64("bool member", 1, v);
	CHECK_OK("read enum member", rv_read_member(t, obj, T, "state", &v));
	CHECK_U64("enum member", 3, v);
	CHECK_OK("read atomic_t member", rv_read_member(t, obj, T, "count", &v));
	CHECK_U64("atomic_t member", 7, v);
	CHECK_ERR("a 16-byte struct is no scalar", RV_ERR_INVALID,
		  rv_read_member(t, obj, T, "big", &v));
	CHECK_OK("read bitfield", rv_read_member(t, obj, T, "bits", &v));
	CHECK_U64("bitfield value", 0x1f, v);
	CHECK_ERR("absent member", RV_ERR_LOOKUP, rv_read_member(t, obj, T, "nope", &v));
	CHECK(rv_member_exists(t, T, "ptr"), "rv_member_exists: present");
	CHECK(!rv_member_exists(t, T, "nope"), "rv_member_exists: absent");
	CHECK(rv_type_exists(t, T), "rv_type_exists: present");
	CHECK(!rv_type_exists(t, "struct nope"), "rv_type_exists: absent");
	uint64_t size;
	CHECK_OK("rv_type_size", rv_type_size(t, T, &size));
	CHECK_U64("type size", 64, size);
	CHECK_OK("rv_member_offset", rv_member_offset(t, T, "state", &size));
	CHECK_U64("member offset", 20, size);
	rv_addr_t a;
	CHECK_OK("rv_member_addr", rv_member_addr(t, obj, T, "list.next", &a));
	CHECK_U64("member address", obj + 40, a);
	CHECK_OK("rv_container_of", rv_container_of(t, obj + 40, T, "list.next", &a));
	CHECK_U64("container_of", obj, a);
	char name[16];
	CHECK_OK("rv_read_member_str (char array)", rv_read_member_str(t, obj, T, "name",
									name, sizeof(name)));
	CHECK_STR("char array member", "vdb", name);
	// cache: the same member again does not ask the backend
	unsigned int calls = mt_member_calls(t);
	for (int i = 0; i < 10; i++)
		CHECK_OK("cached member read", rv_read_member(t, obj, T, "state", &v));
	CHECK_U64("layout cached (backend member calls)", calls, mt_member_calls(t));
	unsigned int before = mt_member_calls(t);
	CHECK(!rv_member_exists(t, T, "nope2") && !rv_member_exists(t, T, "nope2"),
	      "absent member answered twice");
	CHECK(mt_member_calls(t) - before <= 1, "an absent member is cached too (%u calls)",
	      mt_member_calls(t) - before);
	rv_target_flush_cache(t);
	before = mt_member_calls(t);
	CHECK_OK("member after a flush", rv_read_member(t, obj, T, "state", &v));
	CHECK_U64("flush asks the backend again", before + 1, mt_member_calls(t));
	// member reads into facts keys (facts.h)
	jv o = jv_object();
	CHECK(rv_jv_put_u64(t, &o, obj, T, "state", "state", &v) && v == 3, "rv_jv_put_u64");
	CHECK(rv_jv_num(o, "state", -1) == 3, "rv_jv_put_u64 sets the key");
	CHECK(rv_jv_put_s64(t, &o, obj, T, "s16", "s16", &sv) && sv == -1, "rv_jv_put_s64");
	CHECK(rv_jv_num(o, "s16", 0) == -1, "rv_jv_put_s64 sets a negative key");
	CHECK(rv_jv_put_addr(t, &o, obj, T, "ptr", "ptr", &a) && a == obj, "rv_jv_put_addr");
	CHECK_STR("rv_jv_put_addr sets an address string", "0xffff888000102000",
		  rv_jv_str(o, "ptr"));
	bool bv = false;
	CHECK(rv_jv_put_bool_opt(t, &o, obj, T, "flag", "flag", &bv) && bv, "rv_jv_put_bool_opt");
	CHECK(!rv_jv_put_u64_opt(t, &o, obj, T, "nope", "nope", &v), "an absent optional member");
	CHECK(!rv_jv_str(o, "error"), "an absent optional member is no error");
	CHECK(rv_jv_put_str(t, &o, obj, T, "name", "name", name, sizeof(name)), "rv_jv_put_str");
	CHECK_STR("rv_jv_put_str sets the key", "vdb", rv_jv_str(o, "name"));
	CHECK(!rv_jv_put_u64(t, &o, BASE + 0x9000, T, "u8", "u8", &v), "a failed read");
	CHECK(rv_jv_str(o, "error") && !rv_jv_str(o, "u8"), "a failed read records an error, no key");
	jv_free(o);
	// object not mapped
	CHECK_ERR("member of an unmapped object", RV_ERR_FAULT,
		  rv_read_member(t, BASE + 0x9000, T, "u8", &v));
	mt_free(t);
}

static void symbols_cpus(void)
{
	struct rv_target *t = mt_new();
	rv_addr_t a;
	int64_t e;
	mt_symbol(t, "all_mddevs", BASE + 0x3000);
	mt_enum(t, "MD_RECOVERY_FROZEN", 11);
	CHECK_OK("rv_symbol", rv_symbol(t, "all_mddevs", &a));
	CHECK_U64("symbol address", BASE + 0x3000, a);
	CHECK_ERR("absent symbol", RV_ERR_LOOKUP, rv_symbol(t, "nope", &a));
	CHECK_OK("rv_enum_value", rv_enum_value(t, "MD_RECOVERY_FROZEN", &e));
	CHECK_U64("enumerator", 11, e);
	CHECK_ERR("absent enumerator", RV_ERR_LOOKUP, rv_enum_value(t, "NOPE", &e));
	int n;
	CHECK_ERR("nr_cpu_ids without the symbol", RV_ERR_LOOKUP, rv_nr_cpu_ids(t, &n));
	// 4 CPUs, 0, 1 and 3 online
	mt_symbol(t, "nr_cpu_ids", BASE + 0x4000);
	unsigned char *m = mt_map(t, BASE + 0x4000, 4);
	m[0] = 4;
	mt_symbol(t, "__per_cpu_offset", BASE + 0x4100);
	unsigned char *off = mt_map(t, BASE + 0x4100, 32);
	for (int i = 0; i < 4; i++)
		put64(off + 8 * i, UINT64_C(0x10000) * (uint64_t)(i + 1));
	mt_symbol(t, "__cpu_online_mask", BASE + 0x4200);
	unsigned char *mask = mt_map(t, BASE + 0x4200, 8);
	mask[0] = 0x0b;
	CHECK_OK("rv_nr_cpu_ids", rv_nr_cpu_ids(t, &n));
	CHECK_U64("nr_cpu_ids", 4, n);
	static const bool online[] = { true, true, false, true };
	for (int cpu = 0; cpu < 4; cpu++) {
		bool on;
		uint64_t o;
		char name[64];
		snprintf(name, sizeof(name), "cpu%d online", cpu);
		CHECK_OK(name, rv_cpu_online(t, cpu, &on));
		CHECK(on == online[cpu], "%s = %d", name, online[cpu]);
		snprintf(name, sizeof(name), "cpu%d per-cpu offset", cpu);
		CHECK_OK(name, rv_percpu_offset(t, cpu, &o));
		CHECK_U64(name, UINT64_C(0x10000) * (uint64_t)(cpu + 1), o);
		CHECK_OK("rv_percpu_addr", rv_percpu_addr(t, BASE, cpu, &a));
		CHECK_U64("per-cpu address", BASE + o, a);
	}
	bool on;
	CHECK_ERR("cpu 4 out of range", RV_ERR_INVALID, rv_cpu_online(t, 4, &on));
	CHECK_ERR("cpu -1 out of range", RV_ERR_INVALID, rv_percpu_offset(t, -1, &a));
	mt_free(t);

	// an implausible nr_cpu_ids
	t = mt_new();
	mt_symbol(t, "nr_cpu_ids", BASE);
	mt_map(t, BASE, 4);
	CHECK_ERR("nr_cpu_ids 0 is corrupt", RV_ERR_CORRUPT, rv_nr_cpu_ids(t, &n));
	mt_free(t);
}

static void page_size(void)
{
	static const struct {
		const char *value;
		uint64_t want;	// 0: must fail
	} cases[] = {
		{ "4096", 4096 }, { "16384", 16384 }, { "65536", 65536 },
		{ "4095", 0 }, { "131072", 0 }, { "12288", 0 }, { "x", 0 }, { "", 0 },
		{ "4096junk", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rv_target *t = mt_new();
		mt_vmcoreinfo(t, "PAGESIZE", cases[i].value);
		uint64_t v = 0;
		struct rv_error *err = rv_page_size(t, &v);
		if (cases[i].want)
			CHECK(!err && v == cases[i].want, "PAGESIZE=%s: page size %" PRIu64,
			      cases[i].value, cases[i].want);
		else
			CHECK(err && err->code == RV_ERR_CORRUPT, "PAGESIZE=%s refused",
			      cases[i].value);
		rv_error_destroy(err);
		mt_free(t);
	}
	struct rv_target *t = mt_new();
	uint64_t v;
	CHECK_ERR("no VMCOREINFO PAGESIZE", RV_ERR_LOOKUP, rv_page_size(t, &v));
	mt_free(t);
}

// A list of @p n nodes at BASE + 0x100 * i; node i's next is next[i] (an
// index, -1 for the head, or a raw address when >= 1000).
static struct rv_target *make_list(int n, const int64_t *next)
{
	struct rv_target *t = mt_new();
	rv_addr_t head = BASE + 0x10000;
	unsigned char *h = mt_map(t, head, 16);
	put64(h, n ? head + 0x100 : head);
	for (int i = 0; i < n; i++) {
		unsigned char *m = mt_map(t, head + 0x100 * (rv_addr_t)(i + 1), 16);
		rv_addr_t to = next[i] == -1 ? head :
			       next[i] >= 1000 ? (rv_addr_t)next[i] :
			       head + 0x100 * (rv_addr_t)(next[i] + 1);
		put64(m, to);
	}
	return t;
}

static void walk(struct rv_target *t, unsigned int max, unsigned int *count,
		 struct rv_error **err)
{
	struct rv_list_iter it;
	rv_list_iter_init(&it, t, BASE + 0x10000);
	if (max)
		it.max = max;
	rv_addr_t node;
	*count = 0;
	while (!(*err = rv_list_iter_next(&it, &node)) && node)
		++*count;
}

static void lists(void)
{
	unsigned int count;
	struct rv_error *err;
	// well-formed lists of 0..20 nodes
	for (int n = 0; n <= 20; n++) {
		int64_t next[32];
		for (int i = 0; i < n; i++)
			next[i] = i + 1 < n ? i + 1 : -1;
		struct rv_target *t = make_list(n, next);
		walk(t, 0, &count, &err);
		CHECK(!err && count == (unsigned int)n, "list of %d nodes walked: %u", n, count);
		rv_error_destroy(err);
		mt_free(t);
	}
	// cycles that do not pass through the head, of every length 1..12 and
	// entered after 0..3 nodes: Brent's detection stops each one
	for (int tail = 0; tail <= 3; tail++) {
		for (int len = 1; len <= 12; len += 1 + (len > 4)) {
			int64_t next[32];
			int n = tail + len;
			for (int i = 0; i < n; i++)
				next[i] = i + 1 < n ? i + 1 : tail;
			struct rv_target *t = make_list(n, next);
			walk(t, 0, &count, &err);
			CHECK(err && err->code == RV_ERR_CORRUPT && strstr(err->msg, "cycle"),
			      "cycle of %d after %d nodes detected (%u nodes yielded)", len, tail,
			      count);
			CHECK(count <= (unsigned int)(3 * n + 2), "cycle stopped soon (%u <= %d)",
			      count, 3 * n + 2);
			rv_error_destroy(err);
			mt_free(t);
		}
	}
	// bounded: 50 nodes with max 10
	int64_t next[64];
	for (int i = 0; i < 50; i++)
		next[i] = i + 1 < 50 ? i + 1 : -1;
	struct rv_target *t = make_list(50, next);
	walk(t, 10, &count, &err);
	CHECK(err && err->code == RV_ERR_CORRUPT, "walk bounded by max");
	CHECK(count == 10, "max nodes yielded before the bound: %u", count);
	rv_error_destroy(err);
	mt_free(t);
	// bad next pointers
	static const struct {
		int64_t next;
		const char *what;
	} bad[] = {
		{ 0, "NULL" }, { (int64_t)UINT64_C(0xdead000000000100), "LIST_POISON1" },
		{ (int64_t)UINT64_C(0xdead000000000122), "LIST_POISON2" },
		{ 0x1000, "user address" }, { (int64_t)UINT64_C(0x6b6b6b6b6b6b6b6b), "POISON_FREE" },
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		int64_t nx[3] = { 1, 1000, -1 };
		nx[1] = bad[k].next < 1000 && bad[k].next >= 0 ? bad[k].next : bad[k].next;
		struct rv_target *t2 = mt_new();
		rv_addr_t head = BASE + 0x10000;
		put64(mt_map(t2, head, 16), head + 0x100);
		put64(mt_map(t2, head + 0x100, 16), (rv_addr_t)nx[1]);
		walk(t2, 0, &count, &err);
		CHECK(err && err->code == RV_ERR_CORRUPT, "next = %s stops the walk", bad[k].what);
		CHECK(count == 1, "next = %s: the good node was yielded (%u)", bad[k].what, count);
		rv_error_destroy(err);
		mt_free(t2);
	}
	// a next pointer into unmapped memory: a fault
	struct rv_target *t3 = mt_new();
	rv_addr_t head = BASE + 0x10000;
	put64(mt_map(t3, head, 16), head + 0x100);
	put64(mt_map(t3, head + 0x100, 16), BASE + 0x900000);
	walk(t3, 0, &count, &err);
	CHECK(err && err->code == RV_ERR_FAULT, "next into unmapped memory faults");
	rv_error_destroy(err);
	mt_free(t3);
}

static void addresses(void)
{
	static const struct {
		const char *s;
		bool ok;
		rv_addr_t want;
	} cases[] = {
		{ "0xffff888004a3c000", true, UINT64_C(0xffff888004a3c000) },
		{ "ffff888004a3c000", true, UINT64_C(0xffff888004a3c000) },
		{ "md0", false, 0 }, { "", false, 0 }, { "0x", false, 0 },
		{ "0xffff888004a3c000zz", false, 0 }, { "vdb", false, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rv_addr_t a = 0;
		bool ok = rv_parse_addr(cases[i].s, &a);
		CHECK(ok == cases[i].ok && (!ok || a == cases[i].want), "rv_parse_addr(\"%s\") %s",
		      cases[i].s, cases[i].ok ? "parses" : "refuses");
	}
	CHECK(!rv_parse_addr(NULL, &(rv_addr_t){ 0 }), "rv_parse_addr(NULL) refuses");
	CHECK(rv_addr_kernel(UINT64_C(0xffff888000000000)), "direct map is kernel");
	CHECK(rv_addr_kernel(UINT64_C(0xffffffffc0000000)), "module space is kernel");
	CHECK(!rv_addr_kernel(UINT64_C(0x00007fff00000000)), "user half is not kernel");
	CHECK(!rv_addr_kernel(0), "NULL is not kernel");
	CHECK(!rv_addr_kernel(UINT64_C(0x8000000000000000)), "non-canonical is not kernel");
	CHECK_STR("poison LIST_POISON1", "LIST_POISON1", rv_addr_poison(UINT64_C(0xdead000000000100)));
	CHECK_STR("poison POISON_FREE", "POISON_FREE", rv_addr_poison(UINT64_C(0x6b6b6b6b6b6b6b6b)));
	CHECK(!rv_addr_poison(UINT64_C(0xffff888000000000)), "a direct-map address is no poison");
}

void test_target(void)
{
	reads();
	members();
	symbols_cpus();
	page_size();
	lists();
	addresses();
}

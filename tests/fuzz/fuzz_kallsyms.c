// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the kallsyms reader (lib/kallsyms.c) over the unit
// tier's in-memory target. Input: a header of six u32 table offsets (in
// rv_kallsyms_keys order) and SYMBOL(_stext) (u64), all LE, then the
// memory that the tables are read from, mapped at FZ_KS_BASE; VMCOREINFO
// names each table at FZ_KS_BASE + offset % its length. With
// RV_FUZZ_SEED_DIR set, a well-formed seed is written there first.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kallsyms.h"
#include "memtarget.h"

#define FZ_KS_BASE UINT64_C(0xffffffff82000000)
#define HDR (6 * 4 + 8)

static uint64_t le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

// A well-formed input: three symbols, one-character tokens, offsets in the
// absolute-percpu encoding (a negative offset is relative_base - 1 - off).
static void write_seed(const char *dir)
{
	static const struct { const char *name; uint64_t addr; } syms[] = {
		{ "T_stext", 0xffffffff81000000 },
		{ "Djiffies", 0xffffffff81001000 },
		{ "tlocal_fn", 0xffffffff81000400 },
		{ "Dprb", 0xffffffff81002000 },
	};
	const uint64_t base = 0xffffffff81000000;
	uint8_t buf[8192] = { 0 };
	size_t pos = HDR, at[6];
	at[0] = pos;	// names
	for (size_t i = 0; i < 4; i++) {
		size_t n = strlen(syms[i].name);
		buf[pos++] = (uint8_t)n;
		memcpy(buf + pos, syms[i].name, n);
		pos += n;
	}
	pos = (pos + 7) & ~7UL;
	at[1] = pos;	// offsets
	for (size_t i = 0; i < 4; i++, pos += 4)
		put(buf + pos, (uint32_t)(int32_t)-(int64_t)(syms[i].addr - base + 1), 4);
	at[2] = pos;	// relative base
	put(buf + pos, base, 8);
	pos += 8;
	at[3] = pos;	// num_syms
	put(buf + pos, 4, 4);
	pos += 8;
	at[4] = pos;	// token table: token i is the character i
	for (int i = 0; i < 256; i++, pos += 2)
		buf[pos] = (uint8_t)i;
	at[5] = pos;	// token index
	for (int i = 0; i < 256; i++, pos += 2)
		put(buf + pos, (uint64_t)(2 * i), 2);
	for (int i = 0; i < 6; i++)
		put(buf + 4 * i, at[i] - HDR, 4);
	put(buf + 24, base, 8);
	char path[4096];
	snprintf(path, sizeof(path), "%s/seed-kallsyms", dir);
	FILE *f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, pos, f);
		fclose(f);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("RV_FUZZ_SEED_DIR");
	if (dir)
		write_seed(dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size <= HDR || size > (1 << 20))
		return 0;
	size_t len = size - HDR;
	struct rv_target *t = mt_new();
	memcpy(mt_map(t, FZ_KS_BASE, len), data + HDR, len);
	char v[32];
	for (int i = 0; rv_kallsyms_keys[i]; i++) {
		char key[64];
		snprintf(key, sizeof(key), "SYMBOL(%s)", rv_kallsyms_keys[i]);
		snprintf(v, sizeof(v), "%llx",
			 (unsigned long long)(FZ_KS_BASE + le(data + 4 * i, 4) % len));
		mt_vmcoreinfo(t, key, v);
	}
	snprintf(v, sizeof(v), "%llx", (unsigned long long)le(data + 24, 8));
	mt_vmcoreinfo(t, "SYMBOL(_stext)", v);
	struct rv_kallsyms *ks = NULL;
	struct rv_error *err = rv_kallsyms_load(t, &ks);
	if (getenv("RV_FUZZ_VERBOSE"))	// replaying one input by hand
		fprintf(stderr, "kallsyms: %s (%zu symbols)\n", err ? err->msg : "ok",
			err ? 0 : rv_kallsyms_count(ks));
	if (!err) {
		uint64_t a;
		static const char *const names[] = { "_stext", "jiffies", "local_fn", "prb", "" };
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			rv_error_destroy(rv_kallsyms_lookup(ks, names[i], &a));
		(void)rv_kallsyms_count(ks);
		(void)rv_kallsyms_encoding(ks);
		rv_kallsyms_free(ks);
	}
	rv_error_destroy(err);
	mt_free(t);
	return 0;
}

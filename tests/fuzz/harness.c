// SPDX-License-Identifier: GPL-2.0-or-later
// Shared parts of the dump fuzz targets. See harness.h.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "harness.h"
#include "report.h"
#include "sections.h"

size_t fz_bases(struct fz_base **ret)
{
	static struct fz_base bases[FZ_MAX_BASES];
	static size_t n;
	static bool loaded;
	if (loaded) {
		*ret = bases;
		return n;
	}
	loaded = true;
	const char *conf = getenv("RV_FUZZ_BASES");
	FILE *f = conf ? fopen(conf, "r") : NULL;
	char line[4096];
	while (f && n < FZ_MAX_BASES && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *field[5] = { 0 };
		char *save = NULL, *s = line;
		for (int i = 0; i < 5; i++, s = NULL)
			field[i] = strtok_r(s, "\t", &save);
		if (!field[0] || field[0][0] == '#')
			continue;
		struct fz_base *b = &bases[n++];
		b->vmcore = strdup(field[0]);
		b->vmlinux = field[1] && strcmp(field[1], "-") ? strdup(field[1]) : NULL;
		b->debug = field[2] && strcmp(field[2], "-") ? strdup(field[2]) : NULL;
		if (!field[3] || !rv_types_mode_parse(field[3], &b->types))
			b->types = RV_TYPES_AUTO;
		b->section = field[4] && strcmp(field[4], "-") ? strdup(field[4]) : NULL;
	}
	if (f)
		fclose(f);
	if (!n) {
		fprintf(stderr, "fuzz: no base dumps: set RV_FUZZ_BASES (tests/fuzz/run.sh)\n");
		exit(1);
	}
	*ret = bases;
	return n;
}

void fz_kdump_opts(const struct fz_base *b, struct rv_kdump_opts *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->debuginfo.vmlinux = b->vmlinux;
	if (b->debug) {
		ret->debuginfo.dirs = (const char *const *)&b->debug;
		ret->debuginfo.ndirs = 1;
		ret->debuginfo.no_default = true;
	}
	ret->types = b->types;
}

void fz_regions_add(struct fz_regions *rs, uint64_t start, uint64_t len)
{
	if (!len || start + len < start)
		return;
	if (rs->n == FZ_MAX_REGIONS)
		fz_regions_finish(rs);
	// still more than half full after merging: the table stays as it is
	// (sorting it again for every read would be quadratic)
	if (rs->n < FZ_MAX_REGIONS / 2 || (rs->n < FZ_MAX_REGIONS && !rs->full))
		rs->r[rs->n++] = (struct fz_region){ start, len };
}

static int region_cmp(const void *a, const void *b)
{
	const struct fz_region *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

void fz_regions_finish(struct fz_regions *rs)
{
	qsort(rs->r, rs->n, sizeof(rs->r[0]), region_cmp);
	size_t m = 0;
	for (size_t i = 0; i < rs->n; i++) {
		struct fz_region *last = m ? &rs->r[m - 1] : NULL;
		if (last && rs->r[i].start <= last->start + last->len) {
			uint64_t end = rs->r[i].start + rs->r[i].len;
			if (end > last->start + last->len)
				last->len = end - last->start;
		} else {
			rs->r[m++] = rs->r[i];
		}
	}
	rs->n = m;
	rs->full = m >= FZ_MAX_REGIONS / 2;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

size_t fz_parse(const uint8_t *data, size_t size, const struct fz_region *regions,
		size_t nregions, struct fz_patch *ret)
{
	size_t n = 0, pos = 0;
	while (n < FZ_MAX_PATCHES && nregions && pos + 8 <= size) {
		enum fz_op op = data[pos] & 3;
		const struct fz_region *r = &regions[(data[pos + 1] | data[pos + 2] << 8) % nregions];
		uint32_t off = le32(data + pos + 3);
		size_t len = data[pos + 7];
		pos += 8;
		if (!r->len)
			continue;
		struct fz_patch *p = &ret[n];
		p->op = op;
		p->addr = r->start + off % r->len;
		p->data = data + pos;
		switch (op) {
		case FZ_SET:
		case FZ_XOR:
			if (len > size - pos)
				len = size - pos;
			p->len = len;
			pos += len;
			break;
		case FZ_FILL:
			if (pos >= size)
				return n;
			p->len = (len + 1) * 8;
			pos++;
			break;
		case FZ_CUT:
			p->len = (len + 1) * 64;
			break;
		}
		if (p->len)
			n++;
	}
	return n;
}

void fz_apply(const struct fz_patch *p, size_t n, uint64_t addr, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i].op == FZ_CUT)
			continue;
		// the overlap of [p.addr, p.addr + p.len) and [addr, addr + len)
		uint64_t lo = p[i].addr > addr ? p[i].addr : addr;
		uint64_t pe = p[i].addr + p[i].len, be = addr + len;
		uint64_t hi = pe < be ? pe : be;
		for (uint64_t a = lo; a < hi && a >= lo; a++) {
			uint8_t *b = &buf[a - addr];
			size_t k = a - p[i].addr;
			switch (p[i].op) {
			case FZ_SET:
				*b = p[i].data[k];
				break;
			case FZ_XOR:
				*b ^= p[i].data[k];
				break;
			case FZ_FILL:
				*b = p[i].data[0];
				break;
			case FZ_CUT:
				break;
			}
		}
	}
}

bool fz_cut(const struct fz_patch *p, size_t n, uint64_t addr, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].op == FZ_CUT && p[i].addr < addr + len && addr < p[i].addr + p[i].len)
			return true;
	return false;
}

// ---- the overlay target ----

static struct fz_overlay *ov(struct rv_target *t)
{
	return t->priv;
}

static struct rv_error *ov_read(struct rv_target *t, rv_addr_t addr, void *buf, size_t len)
{
	struct fz_overlay *o = ov(t);
	if (o->record)
		fz_regions_add(o->record, addr, len);
	if (fz_cut(o->p, o->n, addr, len))
		return rv_error_format(RV_ERR_FAULT, "fuzz: %#" PRIx64 " cut", addr);
	struct rv_error *err = o->inner->ops->read(o->inner, addr, buf, len);
	if (!err)
		fz_apply(o->p, o->n, addr, buf, len);
	return err;
}

static struct rv_error *ov_symbol(struct rv_target *t, const char *name, rv_addr_t *ret)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->symbol(in, name, ret);
}

static struct rv_error *ov_symbolize(struct rv_target *t, rv_addr_t addr, char *name,
				     size_t size, uint64_t *offset)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->symbolize(in, addr, name, size, offset);
}

static struct rv_error *ov_type_size(struct rv_target *t, const char *type, uint64_t *ret)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->type_size(in, type, ret);
}

static struct rv_error *ov_member(struct rv_target *t, const char *type, const char *path,
				  struct rv_member *ret)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->member(in, type, path, ret);
}

static struct rv_error *ov_enum_value(struct rv_target *t, const char *name, int64_t *ret)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->enum_value(in, name, ret);
}

static struct rv_error *ov_enumerators(struct rv_target *t, const char *type,
				       rv_enumerator_fn visit, void *arg)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->enumerators(in, type, visit, arg);
}

static struct rv_error *ov_module_debuginfo(struct rv_target *t, const char *module)
{
	struct rv_target *in = ov(t)->inner;
	struct rv_error *err = in->ops->module_debuginfo(in, module);
	rv_target_flush_cache(t);	// as the backend does for its own cache
	return err;
}

static struct rv_error *ov_vmcoreinfo(struct rv_target *t, const char *key, char **ret)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->vmcoreinfo(in, key, ret);
}

static struct rv_error *ov_page_size(struct rv_target *t, uint64_t *ret)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->page_size(in, ret);
}

static struct rv_error *ov_dump_file(struct rv_target *t, struct rv_dump_file *ret)
{
	struct rv_target *in = ov(t)->inner;
	return in->ops->dump_file(in, ret);
}

void fz_overlay_open(struct fz_overlay *o, struct rv_target *inner,
		     const struct fz_patch *p, size_t n)
{
	static struct rv_target_ops ops;
	const struct rv_target_ops *in = inner->ops;
	ops = (struct rv_target_ops){
		.name = "fuzz-overlay",
		.read = ov_read,
		.symbol = ov_symbol,
		.symbolize = in->symbolize ? ov_symbolize : NULL,
		.type_size = ov_type_size,
		.member = ov_member,
		.enum_value = ov_enum_value,
		.enumerators = in->enumerators ? ov_enumerators : NULL,
		.module_debuginfo = in->module_debuginfo ? ov_module_debuginfo : NULL,
		.vmcoreinfo = in->vmcoreinfo ? ov_vmcoreinfo : NULL,
		.page_size = in->page_size ? ov_page_size : NULL,
		.dump_file = in->dump_file ? ov_dump_file : NULL,
	};
	o->inner = inner;
	o->p = p;
	o->n = n;
	o->record = NULL;
	struct rv_error *err = rv_target_init(&o->t, &ops, o);
	if (err) {
		fprintf(stderr, "fuzz: %s\n", err->msg);
		abort();
	}
	o->t.types_from = inner->types_from;
	o->t.symbols_from = inner->symbols_from;
	o->t.debuginfo_from = inner->debuginfo_from;
}

void fz_overlay_close(struct fz_overlay *o)
{
	rv_target_deinit(&o->t);
}

// ---- memory fuzz targets ----

struct mem_base {
	struct rv_target t;
	bool ok;
	struct fz_regions rs;
};

static struct mem_base *mem_bases(fz_decode_fn decode, size_t *ret_n)
{
	static struct mem_base *mb;
	static size_t n;
	if (mb) {
		*ret_n = n;
		return mb;
	}
	struct fz_base *b;
	n = fz_bases(&b);
	mb = calloc(n, sizeof(*mb));
	if (!mb)
		abort();
	size_t usable = 0;
	for (size_t i = 0; i < n; i++) {
		struct rv_kdump_opts opts;
		fz_kdump_opts(&b[i], &opts);
		struct rv_error *err = rv_kdump_target_open(b[i].vmcore, &opts, &mb[i].t);
		if (err) {
			fprintf(stderr, "fuzz: base %s: %s\n", b[i].vmcore, err->msg);
			rv_error_destroy(err);
			continue;
		}
		struct fz_overlay o;
		fz_overlay_open(&o, &mb[i].t, NULL, 0);
		o.record = &mb[i].rs;
		jv doc = decode(&o.t);
		jv_free(doc);
		fz_overlay_close(&o);
		fz_regions_finish(&mb[i].rs);
		mb[i].ok = mb[i].rs.n > 0;
		usable += mb[i].ok;
		fprintf(stderr, "fuzz: base %s: %zu regions read\n", b[i].vmcore, mb[i].rs.n);
	}
	if (!usable) {
		fprintf(stderr, "fuzz: no base dump could be opened\n");
		exit(1);
	}
	*ret_n = n;
	return mb;
}

int fz_memory_run(const uint8_t *data, size_t size, fz_decode_fn decode)
{
	static FILE *devnull;
	size_t n;
	struct mem_base *mb = mem_bases(decode, &n);
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (size < 1 || !mb[data[0] % n].ok)
		return 0;
	struct mem_base *m = &mb[data[0] % n];
	struct fz_patch p[FZ_MAX_PATCHES];
	size_t np = fz_parse(data + 1, size - 1, m->rs.r, m->rs.n, p);
	struct fz_overlay o;
	fz_overlay_open(&o, &m->t, p, np);
	jv doc = decode(&o.t);
	if (jv_is_valid(doc)) {
		(void)rv_facts_complete(jv_copy(doc));
		struct rv_report_opts ropts = { .buckets = true, .waiters = true, .cpus = true,
						.vectors = true, .requests = true };
		rv_report_sections(devnull, doc, &ropts);
	}
	jv_free(doc);
	fz_overlay_close(&o);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Text rendering of the "blk" facts section (hctxfq):
//
//   DISK  GENDISK           QUEUE             HCTXS  INFLIGHT  ELEVATOR
//   vda   ffff8ed0423bd400  ffff8ed0428cb4f0      2         0  none
//      HCTX  ADDR              STATE  NR_ACTIVE  INFLIGHT  FQ  VERDICT ...
//
// Reads only the facts (never the dump).

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "report.h"

/** An address string "0x..." as crash prints it: 16 digits, no 0x. */
static const char *addr16(jv obj, const char *key)
{
	const char *s = rv_jv_str(obj, key);
	if (!s)
		return "-";
	return strncmp(s, "0x", 2) ? s : s + 2;
}

/** A number as text, "-" when absent. */
static const char *num(jv obj, const char *key, char *buf, size_t size)
{
	double v = rv_jv_num(obj, key, -1);
	if (v < 0)
		return "-";
	snprintf(buf, size, "%.0f", v);
	return buf;
}

static bool is_true(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return false;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	bool yes = jv_get_kind(v) == JV_KIND_TRUE;
	jv_free(v);
	return yes;
}

/** Print every message of obj.error with @p indent. */
static void print_errors(FILE *f, const char *indent, const char *what, jv obj)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return;
	jv e = jv_object_get(jv_copy(obj), jv_string("error"));
	if (jv_get_kind(e) == JV_KIND_STRING) {
		fprintf(f, "%s%s error: %s\n", indent, what, jv_string_value(e));
	} else if (jv_get_kind(e) == JV_KIND_ARRAY) {
		jv_array_foreach(e, i, m) {
			if (jv_get_kind(m) == JV_KIND_STRING)
				fprintf(f, "%s%s error: %s\n", indent, what,
					jv_string_value(m));
			jv_free(m);
		}
	}
	jv_free(e);
}

static void state_text(jv h, char *buf, size_t size)
{
	jv st = jv_object_get(jv_copy(h), jv_string("state"));
	buf[0] = '\0';
	if (jv_get_kind(st) == JV_KIND_ARRAY) {
		jv_array_foreach(st, i, n) {
			if (jv_get_kind(n) == JV_KIND_STRING) {
				size_t len = strlen(buf);
				snprintf(buf + len, size - len, "%s%s", len ? "," : "",
					 jv_string_value(n));
			}
			jv_free(n);
		}
		if (!buf[0])
			snprintf(buf, size, "-");
	} else {
		snprintf(buf, size, "?");
	}
	jv_free(st);
}

/** One line saying what a non-ok fq is. */
static void print_fq_detail(FILE *f, jv fq)
{
	const char *verdict = rv_jv_str(fq, "verdict");
	if (!verdict || !strcmp(verdict, "ok") || !strcmp(verdict, "null"))
		return;
	jv slab = jv_object_get(jv_copy(fq), jv_string("slab"));
	const char *poison = rv_jv_str(fq, "poison");
	const char *reason = rv_jv_str(fq, "reason");
	const char *cache = rv_jv_str(slab, "cache");
	fprintf(f, "         fq %s: %s", addr16(fq, "addr"), verdict);
	if (poison)
		fprintf(f, " (%s)", poison);
	if (reason)
		fprintf(f, " (%s)", reason);
	if (jv_get_kind(slab) == JV_KIND_OBJECT && !cache && rv_jv_str(slab, "reason"))
		fprintf(f, " (%s)", rv_jv_str(slab, "reason"));
	if (cache) {
		fprintf(f, ": %s object %s of %s (object_size %.0f, expected %s)",
			is_true(slab, "free") ? "free" : "allocated",
			addr16(slab, "object_addr"), cache,
			rv_jv_num(slab, "object_size", 0),
			rv_jv_str(fq, "expected_cache") ? rv_jv_str(fq, "expected_cache") : "?");
		const char *list = rv_jv_str(slab, "free_list");
		if (list)
			fprintf(f, ", on the %s free list", list);
	}
	fprintf(f, "\n");
	jv_free(slab);
}

static void print_hctx(FILE *f, jv h)
{
	char st[64], idx[24], act[24], infl[24], pend[24], run[24];
	state_text(h, st, sizeof(st));
	jv fq = jv_object_get(jv_copy(h), jv_string("fq"));
	bool have_fq = jv_get_kind(fq) == JV_KIND_OBJECT;
	const char *verdict = have_fq ? rv_jv_str(fq, "verdict") : NULL;
	const char *rq_state = have_fq ? rv_jv_str(fq, "flush_rq_state") : NULL;
	fprintf(f, "   %4s  %-16s  %-12s  %9s  %8s  %-16s  %-13s  %7s  %7s  %s %s\n",
		num(h, "index", idx, sizeof(idx)), addr16(h, "addr"), st,
		num(h, "nr_active", act, sizeof(act)),
		num(h, "in_flight", infl, sizeof(infl)),
		have_fq ? addr16(fq, "addr") : "-", verdict ? verdict : "-",
		have_fq ? num(fq, "flush_pending_idx", pend, sizeof(pend)) : "-",
		have_fq ? num(fq, "flush_running_idx", run, sizeof(run)) : "-",
		have_fq ? addr16(fq, "flush_rq_addr") : "-",
		rq_state ? rq_state : "");
	if (have_fq) {
		print_fq_detail(f, fq);
		print_errors(f, "         ", "fq", fq);
	}
	jv_free(fq);
	print_errors(f, "         ", "hctx", h);
}

#define MAX_REQUEST_LINES 20	// per disk, oldest first (-r)

/** "7 write, 1 flush" over @p reqs. */
static void op_summary(FILE *f, jv reqs)	// consumes reqs
{
	const char *names[16];
	int counts[16], n = 0, other = 0;
	jv_array_foreach(reqs, i, r) {
		const char *op = rv_jv_str(r, "op");
		int k;
		for (k = 0; k < n && op && strcmp(names[k], op); k++)
			;
		if (!op || (k == n && n == 16)) {
			other++;
		} else if (k == n) {
			names[n] = op;	// r stays alive in reqs
			counts[n++] = 1;
		} else {
			counts[k]++;
		}
		jv_free(r);
	}
	for (int k = 0; k < n; k++)
		fprintf(f, "%s%d %s", k ? ", " : "", counts[k], names[k]);
	if (other)
		fprintf(f, "%s%d other", n ? ", " : "", other);
	jv_free(reqs);
}

static int by_age_desc(const void *a, const void *b)
{
	double x = ((const double *)a)[0], y = ((const double *)b)[0];
	return x < y ? 1 : x > y ? -1 : 0;
}

/**
 * REQUESTS: a one-line summary per disk (count, oldest age, ops); with -r
 * the requests, oldest first, at most MAX_REQUEST_LINES.
 */
static void print_requests(FILE *f, jv d, bool all)
{
	jv reqs = jv_object_get(jv_copy(d), jv_string("requests"));
	if (jv_get_kind(reqs) != JV_KIND_ARRAY || !jv_array_length(jv_copy(reqs))) {
		jv_free(reqs);
		return;
	}
	int n = jv_array_length(jv_copy(reqs));
	double total = rv_jv_num(d, "nr_requests", n), oldest = rv_jv_num(d, "oldest_age_ms", -1);
	fprintf(f, "  REQUESTS: %.0f in flight", total);
	if (oldest >= 0)
		fprintf(f, ", oldest %.1f s", oldest / 1000);
	fprintf(f, " (");
	op_summary(f, jv_copy(reqs));
	fprintf(f, ")%s\n", is_true(d, "requests_truncated") ? ", list truncated" : "");
	if (!all) {
		jv_free(reqs);
		return;
	}
	double (*order)[2] = calloc((size_t)n, sizeof(*order));
	if (!order) {
		jv_free(reqs);
		return;
	}
	for (int i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(reqs), i);
		order[i][0] = rv_jv_num(r, "age_ms", -1e18);
		order[i][1] = i;
		jv_free(r);
	}
	qsort(order, (size_t)n, sizeof(*order), by_age_desc);
	fprintf(f, "     TAG  ITAG  HCTX  REQUEST           OP            SECTOR     BYTES  STATE        AGE_MS\n");
	for (int i = 0; i < n && i < MAX_REQUEST_LINES; i++) {
		jv r = jv_array_get(jv_copy(reqs), (int)order[i][1]);
		char tag[24], itag[24], hctx[24], sec[24], bytes[24], age[24];
		const char *op = rv_jv_str(r, "op"), *state = rv_jv_str(r, "state");
		double a = rv_jv_num(r, "age_ms", -1e18);
		if (a > -1e18)
			snprintf(age, sizeof(age), "%.0f", a);
		else
			snprintf(age, sizeof(age), "-");
		snprintf(tag, sizeof(tag), "%.0f", rv_jv_num(r, "tag", -1));
		snprintf(itag, sizeof(itag), "%.0f", rv_jv_num(r, "internal_tag", -1));
		fprintf(f, "  %6s  %4s  %4s  %-16s  %-12s  %10s  %8s  %-10s  %8s\n",
			tag, itag, num(r, "hctx", hctx, sizeof(hctx)), addr16(r, "addr"),
			op ? op : "?", num(r, "sector", sec, sizeof(sec)),
			num(r, "bytes", bytes, sizeof(bytes)), state ? state : "?", age);
		jv_free(r);
	}
	if (total > MAX_REQUEST_LINES)
		fprintf(f, "  ... %.0f more (hctxfq -j / show blk -j lists up to 1024)\n",
			total - MAX_REQUEST_LINES);
	free(order);
	jv_free(reqs);
}

static void print_disk(FILE *f, jv d, const struct rv_report_opts *o)
{
	bool requests = o && o->requests;
	char a[24], b[24];
	const char *name = rv_jv_str(d, "name");
	const char *elv = rv_jv_str(d, "elevator");
	fprintf(f, "DISK      GENDISK           QUEUE             HCTXS  INFLIGHT  ELEVATOR\n");
	fprintf(f, "%-8s  %-16s  %-16s  %5s  %8s  %s\n", name ? name : "?",
		addr16(d, "addr"), addr16(d, "queue_addr"),
		num(d, "hctx_count", a, sizeof(a)), num(d, "in_flight", b, sizeof(b)),
		elv ? elv : "-");
	print_errors(f, "  ", "disk", d);
	jv slab = jv_object_get(jv_copy(d), jv_string("slab"));
	if (jv_get_kind(slab) == JV_KIND_OBJECT) {
		const char *cache = rv_jv_str(slab, "cache");
		const char *list = rv_jv_str(slab, "free_list");
		const char *via = rv_jv_str(d, "via"), *sel = rv_jv_str(d, "selected");
		fprintf(f, "  not reached from block_class%s%s%s; ", via ? " (found through the " : "",
			via ? via : "", via ? ")" : "");
		if (sel)
			fprintf(f, "%s ", sel);
		if (cache)
			fprintf(f, "in SLUB: %s object %s of %s%s%s%s\n",
				is_true(slab, "free") ? "free" : "allocated",
				addr16(slab, "object_addr"), cache,
				list ? " (on the " : "", list ? list : "",
				list ? " free list)" : "");
		else
			fprintf(f, "not a slab object\n");
	}
	jv_free(slab);
	print_requests(f, d, requests);
	jv hctxs = jv_object_get(jv_copy(d), jv_string("hctx"));
	if (jv_get_kind(hctxs) == JV_KIND_ARRAY && jv_array_length(jv_copy(hctxs)) > 0) {
		fprintf(f, "   HCTX  ADDR              STATE         NR_ACTIVE  INFLIGHT  FQ                VERDICT        PENDING  RUNNING  FLUSH_RQ\n");
		char *rows = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&rows, &len);
		jv_array_foreach(hctxs, i, h) {
			print_hctx(m ? m : f, h);
			jv_free(h);
		}
		if (m) {
			fclose(m);
			rv_report_rows(f, rows, "hctxs", o);
		}
		free(rows);
	}
	jv_free(hctxs);
}

void rv_report_blk(FILE *f, jv sec, const struct rv_report_opts *o)
{
	rv_report_problems(f, "blk", sec);
	jv disks = jv_object_get(jv_copy(sec), jv_string("disks"));
	if (jv_get_kind(disks) != JV_KIND_ARRAY) {
		jv_free(disks);
		return;
	}
	if (jv_array_length(jv_copy(disks)) == 0)
		fprintf(f, "blk: no disks\n");
	static const char *const names[] = { "name", "parent", NULL };
	rv_report_list(f, disks, "blk", "disk", names, print_disk, o);
}

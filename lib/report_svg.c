// SPDX-License-Identifier: GPL-2.0-or-later
// The pictures of the HTML report, as inline SVG drawn from the facts:
//   - vector capacity: one stacked bar per online CPU (allocated, managed
//     reserved, available: rv_irq_cpu_split()), CPUs with nothing available
//     marked red, and the devices holding the most managed reservations;
//   - requests in flight per disk, in flight / unreaped per virtqueue;
//   - md barrier buckets that are not all zero.
// They stay readable and small from 2 to 1024 CPUs: the CPU bars wrap in rows
// of at most CPU_COLS, the other charts show their TOP_ROWS largest rows and
// sum up the rest in one line. Styles are the page's (report_html.c).

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "report.h"
#include "report_doc.h"

#define CPU_COLS 128	// CPU bars per row
#define CPU_AREA 960.0	// width of a row of bars, px
#define CPU_BAR_H 80.0	// height of a full bar, px
#define TITLED_CPUS 256	// CPU bars with a tooltip, at most
#define TOP_ROWS 12	// rows of the bar charts
#define HBAR_W 480.0	// longest horizontal bar, px
#define MAX_SERIES 4


// obj[key] when it is an array, else [] (jv_array_foreach needs an array).
static jv array(jv obj, const char *key)
{
	jv v = rv_jv_get(obj, key);
	if (jv_get_kind(v) == JV_KIND_ARRAY)
		return v;
	jv_free(v);
	return jv_array();
}

static bool is_true(jv obj, const char *key)
{
	jv v = rv_jv_get(obj, key);
	bool t = jv_get_kind(v) == JV_KIND_TRUE;
	jv_free(v);
	return t;
}

static int len(jv v)
{
	return jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 0;
}

static void text_el(FILE *f, const char *cls, double x, double y, const char *anchor,
		    const char *s)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\"", x, y);
	if (anchor)
		fprintf(f, " text-anchor=\"%s\"", anchor);
	if (cls)
		fprintf(f, " class=\"%s\"", cls);
	fputc('>', f);
	rv_html_text(f, s);
	fputs("</text>", f);
}

// A coordinate with one decimal at most, "12" rather than "12.0".
static void coord(FILE *f, const char *before, double v)
{
	long tenths = lround(v * 10);
	fputs(before, f);
	if (tenths < 0) {
		fputc('-', f);
		tenths = -tenths;
	}
	if (tenths % 10)
		fprintf(f, "%ld.%ld", tenths / 10, tenths % 10);
	else
		fprintf(f, "%ld", tenths / 10);
}

// A rectangle as a short path (bars are many: 1024 CPUs x 3 parts).
static void box(FILE *f, const char *cls, double x, double y, double w, double h)
{
	if (w <= 0 || h <= 0)
		return;
	fprintf(f, "<path class=\"%s\" d=\"", cls);
	coord(f, "M", x);
	coord(f, " ", y);
	coord(f, "h", w);
	coord(f, "v", h);
	coord(f, "h-", w);
	fputs("z\"/>", f);
}

static void legend(FILE *f, int n, const char *const *cls, const char *const *names)
{
	fputs("<p>", f);
	for (int i = 0; i < n; i++) {
		fprintf(f, "<span class=\"key %s\"></span>", cls[i]);
		rv_html_text(f, names[i]);
	}
	fputs("</p>\n", f);
}

// ---- vector capacity per CPU ----

// Label every step-th CPU so that labels are at least 24 px apart.
static int label_step(double pitch)
{
	static const int steps[] = { 1, 2, 4, 5, 8, 10, 16, 20, 32, 64, 128 };
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (steps[i] * pitch >= 24)
			return steps[i];
	return 128;
}

// One CPU's bar; with a tooltip up to TITLED_CPUS CPUs (the page stays small).
static void cpu_bar(FILE *f, jv c, const double part[RV_IRQ_SPLIT], double x, double w,
		    double base, double scale, bool title)
{
	static const char *const cls[RV_IRQ_SPLIT] = { "a", "m", "v" };
	bool full = part[RV_IRQ_AVAILABLE] == 0;
	fprintf(f, "<g class=\"cpu%s\">", full ? " full" : "");
	if (title)
		fprintf(f, "<title>CPU %.0f: %.0f allocated, %.0f managed (%.0f allocated), "
			"%.0f available</title>", rv_jv_num(c, "cpu", -1),
			part[RV_IRQ_ALLOCATED], part[RV_IRQ_MANAGED],
			rv_jv_num(c, "managed_allocated", 0), part[RV_IRQ_AVAILABLE]);
	double y = base;
	for (int i = 0; i < RV_IRQ_SPLIT; i++) {
		double h = part[i] * scale;
		box(f, cls[i], x, y - h, w, h);
		y -= h;
	}
	if (full)
		box(f, "x", x, base + 2, w, 4);
	fputs("</g>\n", f);
}

static void cpu_picture(FILE *f, jv irq)
{
	jv m = rv_jv_get(irq, "matrix");
	jv cpus = array(irq, "cpus");
	int ncpus = len(cpus);
	// The online CPUs (cpumap.online: the ones global_available counts).
	jv online = jv_array();
	double most = 0, sum[RV_IRQ_SPLIT] = { 0 };
	int unreadable = 0;
	jv full = jv_array();
	for (int i = 0; i < ncpus; i++) {
		jv c = jv_array_get(jv_copy(cpus), i);
		double part[RV_IRQ_SPLIT];
		if (!is_true(c, "online")) {
			jv_free(c);
			continue;
		}
		if (!rv_irq_cpu_split(c, part)) {
			unreadable++;
			jv_free(c);
			continue;
		}
		double total = 0;
		for (int k = 0; k < RV_IRQ_SPLIT; k++) {
			total += part[k];
			sum[k] += part[k];
		}
		most = total > most ? total : most;
		if (part[RV_IRQ_AVAILABLE] == 0)
			full = jv_array_append(full, rv_jv_get(c, "cpu"));
		online = jv_array_append(online, c);
	}
	int n = len(online);
	if (n == 0 && !unreadable)
		goto out;

	double cap = rv_jv_num(m, "per_cpu_capacity", 0);
	if (cap < most)
		cap = most;
	fputs("<h3>Vector capacity per CPU</h3>\n<p>", f);
	fprintf(f, "%d online CPU%s, %.0f vectors each (capacity %.0f): %.0f allocated "
		"(not managed), %.0f managed reserved, %.0f available "
		"(global_available %.0f).", n, n == 1 ? "" : "s", cap,
		rv_jv_num(m, "capacity", cap * n), sum[RV_IRQ_ALLOCATED], sum[RV_IRQ_MANAGED],
		sum[RV_IRQ_AVAILABLE], rv_jv_num(m, "global_available", -1));
	int nfull = len(full);
	if (nfull) {
		fprintf(f, " <strong>%d CPU%s with 0 available:</strong> ", nfull,
			nfull == 1 ? "" : "s");
		// The list, or its start when the pattern is ragged (1024 CPUs).
		char *list = NULL;
		size_t size = 0;
		FILE *m = open_memstream(&list, &size);
		if (m) {
			rv_report_ranges(m, jv_copy(full));
			fclose(m);
			char *cut = size > 160 ? memrchr(list, ',', 150) : NULL;
			if (cut)
				snprintf(cut, size - (cut - list), ", ... (see the chart)");
			fputs(list, f);
			free(list);
		}
		fputc('.', f);
	}
	if (unreadable)
		fprintf(f, " %d online CPU%s not drawn: counters unreadable.", unreadable,
			unreadable == 1 ? "" : "s");
	fputs("</p>\n", f);
	static const char *const cls[] = { "a", "m", "v", "x" };
	static const char *const names[] = { "allocated (not managed)", "managed reserved",
					     "available", "0 available" };
	legend(f, nfull ? 4 : 3, cls, names);
	if (n == 0 || cap <= 0)
		goto out;

	int cols = n < CPU_COLS ? n : CPU_COLS;
	int rows = (n + cols - 1) / cols;
	double pitch = floor(CPU_AREA / cols);
	pitch = pitch > 24 ? 24 : pitch < 3 ? 3 : pitch;
	double bw = pitch >= 6 ? pitch - 2 : pitch - 1;
	double left = 40, top = 12, row_h = CPU_BAR_H + 30;
	double width = left + cols * pitch + 10, height = top + rows * row_h;
	double scale = CPU_BAR_H / cap;
	int step = label_step(pitch);
	fprintf(f, "<svg class=\"chart cpus\" "
		"width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		"aria-label=\"vectors per online CPU\">\n", width, height, width, height);
	char buf[32];
	for (int r = 0; r < rows; r++) {
		double base = top + r * row_h + CPU_BAR_H;
		snprintf(buf, sizeof(buf), "%.0f", cap);
		text_el(f, NULL, left - 4, base - CPU_BAR_H + 8, "end", buf);
		text_el(f, NULL, left - 4, base, "end", "0");
		fprintf(f, "<path class=\"axis\" d=\"M%.0f %.1fH%.0f\"/>\n", left, base + 0.5,
			left + cols * pitch);
	}
	jv_array_foreach(online, i, c) {
		int r = i / cols, col = i % cols;
		double base = top + r * row_h + CPU_BAR_H;
		double x = left + col * pitch;
		double part[RV_IRQ_SPLIT];
		rv_irq_cpu_split(c, part);
		cpu_bar(f, c, part, x, bw, base, scale, n <= TITLED_CPUS);
		if (col % step == 0 || (col == cols - 1 && step == 1)) {
			snprintf(buf, sizeof(buf), "%.0f", rv_jv_num(c, "cpu", -1));
			text_el(f, part[RV_IRQ_AVAILABLE] == 0 ? "x" : NULL, x + bw / 2,
				base + 18, "middle", buf);
		}
		jv_free(c);
	}
	fputs("</svg>\n", f);
out:
	jv_free(full);
	jv_free(online);
	jv_free(cpus);
	jv_free(m);
}

// ---- horizontal bar charts ----

struct hbar {
	char *label;
	double v[MAX_SERIES];
	double key;	// sort key: the sum of v
};

static int by_key(const void *a, const void *b)
{
	const struct hbar *x = a, *y = b;
	return x->key < y->key ? 1 : x->key > y->key ? -1 : 0;
}

struct chart {
	const char *title;
	int nseries;
	const char *const *names;	// series names (legend, tooltips)
	struct hbar *rows;
	int n, size;
};

static void chart_add(struct chart *c, const char *label, const double *v)
{
	if (c->n == c->size) {
		int size = c->size ? 2 * c->size : 16;
		struct hbar *rows = realloc(c->rows, size * sizeof(*rows));
		if (!rows)
			return;
		c->rows = rows;
		c->size = size;
	}
	struct hbar *r = &c->rows[c->n];
	r->label = strdup(label);
	r->key = 0;
	for (int i = 0; i < c->nseries; i++) {
		r->v[i] = v[i];
		r->key += v[i];
	}
	if (r->label)
		c->n++;
}

static void chart_free(struct chart *c)
{
	for (int i = 0; i < c->n; i++)
		free(c->rows[i].label);
	free(c->rows);
}

/*
 * Draw the TOP_ROWS largest rows of @p c, one bar per series, with the
 * value after each bar; the rest summed up below. @p note: a sentence
 * before the chart (may be NULL).
 */
static void chart_draw(FILE *f, struct chart *c, const char *note)
{
	static const char *const cls[MAX_SERIES] = { "s0", "s1", "s2", "s3" };
	if (!c->n)
		return;
	qsort(c->rows, c->n, sizeof(*c->rows), by_key);
	int shown = c->n < TOP_ROWS ? c->n : TOP_ROWS;
	double most = 0;
	size_t label_len = 4;
	for (int i = 0; i < shown; i++) {
		for (int k = 0; k < c->nseries; k++)
			most = c->rows[i].v[k] > most ? c->rows[i].v[k] : most;
		size_t l = strlen(c->rows[i].label);
		label_len = l > label_len ? l : label_len;
	}
	label_len = label_len > 32 ? 32 : label_len;
	fprintf(f, "<h3>");
	rv_html_text(f, c->title);
	fprintf(f, "</h3>\n");
	if (note) {
		fputs("<p>", f);
		rv_html_text(f, note);
		fputs("</p>\n", f);
	}
	if (c->nseries > 1)
		legend(f, c->nseries, cls, c->names);
	double left = 8 + 6.2 * label_len, bar_h = 10, row_h = c->nseries * bar_h + 6;
	double width = left + HBAR_W + 60, height = shown * row_h + 4;
	fprintf(f, "<svg class=\"chart\" width=\"%.0f\" "
		"height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"",
		width, height, width, height);
	rv_html_text(f, c->title);
	fputs("\">\n", f);
	double scale = most > 0 ? HBAR_W / most : 0;
	for (int i = 0; i < shown; i++) {
		struct hbar *r = &c->rows[i];
		double y = 2 + i * row_h;
		fputs("<g class=\"row\"><title>", f);
		rv_html_text(f, r->label);
		for (int k = 0; k < c->nseries; k++) {
			fprintf(f, "%s %.0f ", k ? "," : ":", r->v[k]);
			rv_html_text(f, c->names[k]);
		}
		fputs("</title>", f);
		char label[40];
		snprintf(label, sizeof(label), "%.32s", r->label);
		text_el(f, NULL, left - 6, y + row_h / 2 + 1, "end", label);
		for (int k = 0; k < c->nseries; k++) {
			double w = r->v[k] * scale;
			if (r->v[k] > 0 && w < 1)
				w = 1;	// a non-zero value stays visible
			box(f, cls[k], left, y + k * bar_h, w, bar_h - 1);
			if (r->v[k] == 0)
				continue;	// no bar, no number
			char val[32];
			snprintf(val, sizeof(val), "%.0f", r->v[k]);
			text_el(f, NULL, left + w + 4, y + k * bar_h + bar_h - 2, NULL, val);
		}
		fputs("</g>\n", f);
	}
	fputs("</svg>\n", f);
	if (c->n > shown) {
		double rest[MAX_SERIES] = { 0 };
		for (int i = shown; i < c->n; i++)
			for (int k = 0; k < c->nseries; k++)
				rest[k] += c->rows[i].v[k];
		fprintf(f, "<p>and %d more:", c->n - shown);
		for (int k = 0; k < c->nseries; k++) {
			fprintf(f, "%s %.0f ", k ? "," : "", rest[k]);
			rv_html_text(f, c->names[k]);
		}
		fputs("</p>\n", f);
	}
}

static void devices_picture(FILE *f, jv irq)
{
	static const char *const names[] = { "vectors reserved" };
	struct chart c = { .title = "Devices holding the most managed reservations",
			   .nseries = 1, .names = names };
	jv devs = array(irq, "by_device");
	jv_array_foreach(devs, i, d) {
		double v = rv_jv_num(d, "reserved", 0);
		const char *dev = rv_jv_str(d, "device"), *disk = rv_jv_str(d, "disk");
		char label[96];
		snprintf(label, sizeof(label), "%s%s%s", dev ? dev : "?", disk ? " " : "",
			 disk ? disk : "");
		if (v > 0)
			chart_add(&c, label, &v);
		jv_free(d);
	}
	jv_free(devs);
	chart_draw(f, &c, "A managed irq reserves one vector on every online CPU of its "
		   "affinity mask, allocated or not.");
	chart_free(&c);
}

static void disks_picture(FILE *f, jv blk)
{
	static const char *const names[] = { "requests in flight" };
	struct chart c = { .title = "Requests in flight per disk", .nseries = 1,
			   .names = names };
	jv disks = array(blk, "disks");
	jv_array_foreach(disks, i, d) {
		double v = rv_jv_num(d, "in_flight", 0);
		const char *name = rv_jv_str(d, "name");
		if (v > 0)
			chart_add(&c, name ? name : "?", &v);
		jv_free(d);
	}
	jv_free(disks);
	chart_draw(f, &c, NULL);
	chart_free(&c);
}

static void vqs_picture(FILE *f, jv virtio)
{
	static const char *const names[] = { "in flight", "unreaped" };
	struct chart c = { .title = "Virtqueues: requests in flight and completions not "
				    "reaped", .nseries = 2, .names = names };
	jv devs = array(virtio, "devices");
	jv_array_foreach(devs, i, d) {
		jv vqs = array(d, "vqs");
		const char *dev = rv_jv_str(d, "name"), *disk = rv_jv_str(d, "disk");
		jv_array_foreach(vqs, k, q) {
			double v[2] = { rv_jv_num(q, "in_flight", 0), rv_jv_num(q, "unreaped", 0) };
			const char *vq = rv_jv_str(q, "name");
			char label[128];
			snprintf(label, sizeof(label), "%s%s%s %s", dev ? dev : "?",
				 disk ? " " : "", disk ? disk : "", vq ? vq : "?");
			if (v[0] > 0 || v[1] > 0)
				chart_add(&c, label, v);
			jv_free(q);
		}
		jv_free(vqs);
		jv_free(d);
	}
	jv_free(devs);
	chart_draw(f, &c, NULL);
	chart_free(&c);
}

static void buckets_picture(FILE *f, jv md)
{
	static const char *const names[] = { "nr_pending", "nr_waiting", "nr_queued",
					     "barrier" };
	jv arrays = array(md, "arrays");
	jv_array_foreach(arrays, i, a) {
		jv conf = rv_jv_get(a, "conf");
		jv buckets = array(conf, "buckets");
		const char *name = rv_jv_str(a, "name");
		char title[96];
		snprintf(title, sizeof(title), "%s: raid1 barrier buckets that are not zero",
			 name ? name : "?");
		struct chart c = { .title = title, .nseries = 4, .names = names };
		jv_array_foreach(buckets, k, b) {
			double v[4];
			bool any = false;
			for (int s = 0; s < 4; s++) {
				v[s] = rv_jv_num(b, names[s], 0);
				any |= v[s] != 0;
			}
			char label[32];
			snprintf(label, sizeof(label), "bucket %.0f", rv_jv_num(b, "idx", -1));
			if (any)
				chart_add(&c, label, v);
			jv_free(b);
		}
		char note[96];
		snprintf(note, sizeof(note), "%d of %.0f buckets.", c.n,
			 rv_jv_num(conf, "buckets_nr", len(buckets)));
		chart_draw(f, &c, note);
		chart_free(&c);
		jv_free(buckets);
		jv_free(conf);
		jv_free(a);
	}
	jv_free(arrays);
}

void rv_report_html_pictures(FILE *f, jv facts)
{
	if (jv_get_kind(facts) != JV_KIND_OBJECT)
		return;
	fputs("<h2>Pictures</h2>\n", f);
	jv irq = rv_jv_get(facts, "irq");
	cpu_picture(f, irq);
	devices_picture(f, irq);
	jv_free(irq);
	jv blk = rv_jv_get(facts, "blk");
	disks_picture(f, blk);
	jv_free(blk);
	jv virtio = rv_jv_get(facts, "virtio");
	vqs_picture(f, virtio);
	jv_free(virtio);
	jv md = rv_jv_get(facts, "md");
	buckets_picture(f, md);
	jv_free(md);
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Text report of the "irq" section (vecmatrix): the matrix summary and the
// managed reservations per device; -c adds the per-CPU maps, -v every
// vector in the vector_irq tables and every managed irq.

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "report.h"


static bool is_array(jv obj, const char *key)
{
	jv v = rv_jv_get(obj, key);
	bool ok = jv_get_kind(v) == JV_KIND_ARRAY;
	jv_free(v);
	return ok;
}

static const char *str_or(jv obj, const char *key, const char *dflt)
{
	const char *s = rv_jv_str(obj, key);
	return s ? s : dflt;
}

// "yes"/"no" for a boolean member, "-" when absent or null.
static const char *yes_no(jv obj, const char *key)
{
	jv v = rv_jv_get(obj, key);
	const char *s = jv_get_kind(v) == JV_KIND_TRUE ? "yes" :
			jv_get_kind(v) == JV_KIND_FALSE ? "no" : "-";
	jv_free(v);
	return s;
}

// A number member printed as text, "-" when absent or null.
static const char *num_str(jv obj, const char *key, char *buf, size_t size)
{
	double d = rv_jv_num(obj, key, -1);
	if (d < 0)
		return "-";
	snprintf(buf, size, "%.0f", d);
	return buf;
}

// Width of the widest value of @p key over the rows (at least @p min).
static int column_width(jv rows, const char *key, int min)
{
	int w = min;
	jv_array_foreach(rows, i, row) {
		const char *s = rv_jv_str(row, key);
		if (s && (int)strlen(s) > w)
			w = (int)strlen(s);
		jv_free(row);
	}
	return w;
}

static void print_matrix(FILE *f, jv m)
{
	double avail = rv_jv_num(m, "global_available", -1);
	double cap = rv_jv_num(m, "capacity", -1);
	const char *addr = str_or(m, "addr", "0x?");
	fprintf(f, "     VECTOR_MATRIX: %s\n", addr + (strncmp(addr, "0x", 2) ? 0 : 2));
	fprintf(f, "       MATRIX_BITS: %.0f  (alloc %.0f-%.0f: %.0f vectors, "
		"%.0f system vectors inside)\n",
		rv_jv_num(m, "matrix_bits", 0), rv_jv_num(m, "alloc_start", 0),
		rv_jv_num(m, "alloc_end", 0) - 1, rv_jv_num(m, "alloc_size", 0),
		rv_jv_num(m, "systembits_inalloc", 0));
	fprintf(f, "       ONLINE_MAPS: %.0f\n", rv_jv_num(m, "online_maps", 0));
	fprintf(f, "          CAPACITY: %.0f  (%.0f per online CPU)\n", cap,
		rv_jv_num(m, "per_cpu_capacity", 0));
	fprintf(f, "  GLOBAL_AVAILABLE: %.0f", avail);
	if (avail == 0)
		fprintf(f, "  (EXHAUSTED: no vector left for non-managed or new "
			"managed irqs)\n");
	else if (cap > 0)
		fprintf(f, "  (%.1f%% of capacity)\n", 100.0 * avail / cap);
	else
		fprintf(f, "\n");
	fprintf(f, "   GLOBAL_RESERVED: %.0f\n", rv_jv_num(m, "global_reserved", 0));
	fprintf(f, "   TOTAL_ALLOCATED: %.0f\n", rv_jv_num(m, "total_allocated", 0));
	fprintf(f, "           MANAGED: %.0f reserved on online CPUs (%.0f allocated) "
		"by %.0f managed irq%s\n", rv_jv_num(m, "managed_sum", 0),
		rv_jv_num(m, "managed_allocated_sum", 0),
		rv_jv_num(m, "managed_irqs", 0), rv_plural(rv_jv_num(m, "managed_irqs", 0)));
	fprintf(f, "        CONSISTENT: %s", yes_no(m, "consistent"));
	fprintf(f, "  (per-CPU available sums to %.0f)\n",
		rv_jv_num(m, "available_sum", 0));
}

static void print_devices(FILE *f, jv devs)
{
	if (jv_array_length(jv_copy(devs)) == 0) {
		fprintf(f, "no managed irqs\n");
		return;
	}
	int wd = column_width(devs, "device", 6);
	int wk = column_width(devs, "disk", 4);
	fprintf(f, "%-*s  %-*s  IRQS  RESERVED  ALLOCATED  IRQ_LIST\n", wd,
		"DEVICE", wk, "DISK");
	jv_array_foreach(devs, i, d) {
		fprintf(f, "%-*s  %-*s  %4.0f  %8.0f  %9.0f  ", wd,
			str_or(d, "device", "?"), wk, str_or(d, "disk", "-"),
			rv_jv_num(d, "irqs", 0), rv_jv_num(d, "reserved", 0),
			rv_jv_num(d, "allocated", 0));
		rv_report_ranges(f, rv_jv_get(d, "irq_list"));
		fprintf(f, "\n");
		jv_free(d);
	}
}

bool rv_irq_cpu_split(jv cpu, double ret[RV_IRQ_SPLIT])
{
	double avail = rv_jv_num(cpu, "available", -1);
	double alloc = rv_jv_num(cpu, "allocated", -1);
	double managed = rv_jv_num(cpu, "managed", -1);
	double mgd_alloc = rv_jv_num(cpu, "managed_allocated", -1);
	if (avail < 0 || alloc < 0 || managed < 0 || mgd_alloc < 0 || mgd_alloc > alloc)
		return false;
	ret[RV_IRQ_ALLOCATED] = alloc - mgd_alloc;
	ret[RV_IRQ_MANAGED] = managed;
	ret[RV_IRQ_AVAILABLE] = avail;
	return true;
}

#define BAR_WIDTH 24
static const char bar_chars[RV_IRQ_SPLIT] = { '#', 'M', '.' };

/*
 * "[###MM...........]": the CPU's vectors, BAR_WIDTH characters for
 * @p capacity vectors (at least one character for a part that is not 0),
 * rounded by largest remainder so the parts fill the bar.
 */
static void print_bar(FILE *f, jv cpu, double capacity)
{
	double part[RV_IRQ_SPLIT];
	if (!rv_irq_cpu_split(cpu, part)) {
		fprintf(f, "-");
		return;
	}
	double total = part[0] + part[1] + part[2];
	if (capacity < total)
		capacity = total;
	if (capacity <= 0) {
		fprintf(f, "-");
		return;
	}
	int cells[RV_IRQ_SPLIT], used = 0;
	double rest[RV_IRQ_SPLIT];
	for (int i = 0; i < RV_IRQ_SPLIT; i++) {
		double exact = part[i] * BAR_WIDTH / capacity;
		cells[i] = (int)exact;
		if (part[i] > 0 && cells[i] == 0)
			cells[i] = 1;
		rest[i] = exact - (int)exact;
		used += cells[i];
	}
	int width = (int)(total * BAR_WIDTH / capacity + 0.5);
	while (used < width) {	// hand out the rounding to the largest remainders
		int best = -1;
		for (int i = 0; i < RV_IRQ_SPLIT; i++)
			if (part[i] > 0 && (best < 0 || rest[i] > rest[best]))
				best = i;
		if (best < 0)
			break;
		cells[best]++;
		rest[best] = -1;
		used++;
	}
	while (used > BAR_WIDTH) {	// minimum cells overflowed: take from the largest
		int big = 0;
		for (int i = 1; i < RV_IRQ_SPLIT; i++)
			if (cells[i] > cells[big])
				big = i;
		cells[big]--;
		used--;
	}
	fputc('[', f);
	for (int i = 0; i < RV_IRQ_SPLIT; i++)
		for (int k = 0; k < cells[i]; k++)
			fputc(bar_chars[i], f);
	fprintf(f, "%*s]", BAR_WIDTH - used, "");
}

static void print_cpus(FILE *f, jv cpus, double capacity, const struct rv_report_opts *o)
{
	fprintf(f, "CPU  ONLINE  AVAIL  ALLOC  MANAGED  MGD_ALLOC  OK   VECTORS\n");
	// into a buffer first: runs of like CPUs print as one line each
	char *rows = NULL;
	size_t len = 0;
	FILE *out = f;
	FILE *m = open_memstream(&rows, &len);
	if (m)
		f = m;
	jv_array_foreach(cpus, i, c) {
		char b[4][24];
		fprintf(f, "%3.0f  %-6s  %5s  %5s  %7s  %9s  %-3s  ",
			rv_jv_num(c, "cpu", -1), yes_no(c, "online"),
			num_str(c, "available", b[0], sizeof(b[0])),
			num_str(c, "allocated", b[1], sizeof(b[1])),
			num_str(c, "managed", b[2], sizeof(b[2])),
			num_str(c, "managed_allocated", b[3], sizeof(b[3])),
			yes_no(c, "invariant_ok"));
		print_bar(f, c, capacity);
		fprintf(f, "\n");
		jv_free(c);
	}
	if (m) {
		fclose(m);
		f = out;
		rv_report_rows(f, rows, "CPUs", o);
	}
	free(rows);
	fprintf(f, "VECTORS: %d columns = %.0f vectors per CPU; # allocated (not managed), "
		"M managed reserved, . available\n", BAR_WIDTH, capacity);
}

static void print_vectors(FILE *f, jv vecs)
{
	int wa = column_width(vecs, "affinity", 8);
	fprintf(f, "CPU  VEC   IRQ  MANAGED  %-*s  OWNER\n", wa, "AFFINITY");
	jv_array_foreach(vecs, i, v) {
		char b[24];
		fprintf(f, "%3.0f  %3.0f  %4s  %-7s  %-*s  %s\n",
			rv_jv_num(v, "cpu", -1), rv_jv_num(v, "vector", -1),
			num_str(v, "irq", b, sizeof(b)), yes_no(v, "managed"), wa,
			str_or(v, "affinity", "-"), str_or(v, "owner", "?"));
		jv_free(v);
	}
}

static void print_managed(FILE *f, jv irqs)
{
	int wa = column_width(irqs, "affinity", 8);
	fprintf(f, " IRQ  VECTOR  CPU  RESERVED  %-*s  OWNER\n", wa, "AFFINITY");
	jv_array_foreach(irqs, i, q) {
		char b[4][24];
		fprintf(f, "%4s  %6s  %3s  %8s  %-*s  %s\n",
			num_str(q, "irq", b[0], sizeof(b[0])),
			num_str(q, "vector", b[1], sizeof(b[1])),
			num_str(q, "vector_cpu", b[2], sizeof(b[2])),
			num_str(q, "reserved", b[3], sizeof(b[3])), wa, str_or(q, "affinity", "-"), str_or(q, "owner", "?"));
		jv_free(q);
	}
}

void rv_report_irq(FILE *f, jv sec, const struct rv_report_opts *o)
{
	rv_report_problems(f, "irq", sec);
	jv m = rv_jv_get(sec, "matrix");
	if (jv_get_kind(m) != JV_KIND_OBJECT) {
		jv_free(m);
		return;
	}
	print_matrix(f, m);
	jv_free(m);

	jv devs = rv_jv_get(sec, "by_device");
	if (jv_get_kind(devs) == JV_KIND_ARRAY) {
		fprintf(f, "\n");
		print_devices(f, devs);
	}
	jv_free(devs);

	if (o && o->cpus && is_array(sec, "cpus")) {
		jv cpus = rv_jv_get(sec, "cpus");
		jv m = rv_jv_get(sec, "matrix");
		fprintf(f, "\n");
		print_cpus(f, cpus, rv_jv_num(m, "per_cpu_capacity", 0), o);
		jv_free(m);
		jv_free(cpus);
	}
	if (o && o->vectors && is_array(sec, "vectors")) {
		jv vecs = rv_jv_get(sec, "vectors");
		fprintf(f, "\n");
		print_vectors(f, vecs);
		jv_free(vecs);
	}
	if (o && o->vectors && is_array(sec, "managed")) {
		jv irqs = rv_jv_get(sec, "managed");
		fprintf(f, "\nMANAGED IRQS\n");
		print_managed(f, irqs);
		jv_free(irqs);
	}
}

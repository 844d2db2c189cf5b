// SPDX-License-Identifier: GPL-2.0-or-later
// Text report of the "virtio" facts section (the `vring` command): per
// device a header line, then a table of its virtqueues, then one line per
// queue that looks stuck. Reads only the facts.

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "report.h"

// A number at obj[key] as text, "-" when absent.
static const char *num(char *buf, size_t size, jv obj, const char *key)
{
	double v = rv_jv_num(obj, key, -1);
	if (v < 0)
		return "-";
	snprintf(buf, size, "%.0f", v);
	return buf;
}

// A bool at obj[key]: 1 true, 0 false, -1 absent. Does not consume obj.
static int flag(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return -1;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	int r = jv_get_kind(v) == JV_KIND_TRUE ? 1 :
		jv_get_kind(v) == JV_KIND_FALSE ? 0 : -1;
	jv_free(v);
	return r;
}

static const char *str(jv obj, const char *key, const char *dflt)
{
	const char *s = rv_jv_str(obj, key);
	return s && *s ? s : dflt;
}

// "ffff8ed0428f8000": addresses crash style, no 0x.
static const char *addr(jv obj, const char *key)
{
	const char *s = rv_jv_str(obj, key);
	if (!s)
		return "-";
	return strncmp(s, "0x", 2) ? s : s + 2;
}


static void msix_summary(char *buf, size_t size, jv dev)
{
	jv pci = rv_jv_get(dev, "pci");
	if (jv_get_kind(pci) != JV_KIND_OBJECT) {
		snprintf(buf, size, "-");
	} else if (rv_jv_num(pci, "msix_enabled", 0) == 0) {
		snprintf(buf, size, "off (INTx irq %.0f)",
			 rv_jv_num(pci, "pci_irq", -1));
	} else {
		snprintf(buf, size, "%.0f vectors, %s",
			 rv_jv_num(pci, "msix_vectors", -1),
			 flag(pci, "per_vq_vectors") == 1 ? "per-vq" : "shared");
	}
	jv_free(pci);
}

static void print_errors(FILE *f, const char *indent, const char *what,
			 jv obj)
{
	jv e = rv_jv_get(obj, "error");
	if (jv_get_kind(e) == JV_KIND_STRING) {
		fprintf(f, "%s%s: %s\n", indent, what, jv_string_value(e));
	} else if (jv_get_kind(e) == JV_KIND_ARRAY) {
		jv_array_foreach(e, i, m) {
			if (jv_get_kind(m) == JV_KIND_STRING)
				fprintf(f, "%s%s: %s\n", indent, what,
					jv_string_value(m));
			jv_free(m);
		}
	}
	jv_free(e);
}

// Width of the NAME column; consumes @p vqs.
static int name_width(jv vqs)
{
	int w = 4;
	jv_array_foreach(vqs, i, vq) {
		const char *n = rv_jv_str(vq, "name");
		if (n && (int)strlen(n) > w)
			w = (int)strlen(n);
		jv_free(vq);
	}
	jv_free(vqs);
	return w;
}

static void print_vq_row(FILE *f, jv vq, int nw)
{
	char b[10][24];
	int broken = flag(vq, "broken");
	fprintf(f, "  %3s  %-16s  %-*s  %5s  %5s  %5s  %5s  %9s  %8s  %8s  %6s  %4s  %4s\n",
		num(b[0], sizeof(b[0]), vq, "index"), addr(vq, "addr"), nw,
		str(vq, "name", "-"), num(b[1], sizeof(b[1]), vq, "num"),
		num(b[2], sizeof(b[2]), vq, "num_free"),
		num(b[3], sizeof(b[3]), vq, "avail_idx"),
		num(b[4], sizeof(b[4]), vq, "used_idx"),
		num(b[5], sizeof(b[5]), vq, "last_used_idx"),
		num(b[6], sizeof(b[6]), vq, "in_flight"),
		num(b[7], sizeof(b[7]), vq, "unreaped"),
		broken < 0 ? "-" : broken ? "yes" : "no",
		rv_jv_num(vq, "msix_vector", -1) == 0xffff ? "none" :
			num(b[8], sizeof(b[8]), vq, "msix_vector"),
		num(b[9], sizeof(b[9]), vq, "irq"));
}

// One line per anomaly of a queue: what a support engineer looks for.
static void print_vq_notes(FILE *f, const char *dev, jv vq)
{
	const char *name = str(vq, "name", "?");
	double in_flight = rv_jv_num(vq, "in_flight", 0);
	double unreaped = rv_jv_num(vq, "unreaped", 0);
	bool packed = flag(vq, "packed_ring") == 1;
	if (flag(vq, "broken") == 1)
		fprintf(f, "  %s %s: queue is BROKEN (vring_virtqueue.broken)\n",
			dev, name);
	if (in_flight > 0 && !packed)
		fprintf(f, "  %s %s: %.0f request(s) published, not completed "
			"by the device (avail_idx %.0f, used_idx %.0f)\n", dev,
			name, in_flight, rv_jv_num(vq, "avail_idx", -1),
			rv_jv_num(vq, "used_idx", -1));
	else if (in_flight > 0)
		fprintf(f, "  %s %s: %.0f buffer(s) outstanding (packed ring)\n",
			dev, name, in_flight);
	if (unreaped > 0)
		fprintf(f, "  %s %s: %.0f completion(s) in the used ring not "
			"reaped by the driver (used_idx %.0f, last_used_idx "
			"%.0f): lost interrupt?%s\n", dev, name, unreaped,
			rv_jv_num(vq, "used_idx", -1),
			rv_jv_num(vq, "last_used_idx", -1),
			flag(vq, "callbacks_disabled") == 1 ?
				" (callbacks disabled)" : "");
	jv irqd = rv_jv_get(vq, "irq_desc");
	if (rv_jv_num(irqd, "depth", 0) > 0)
		fprintf(f, "  %s %s: irq %.0f is disabled (depth %.0f)\n", dev,
			name, rv_jv_num(vq, "irq", -1),
			rv_jv_num(irqd, "depth", 0));
	jv_free(irqd);
	print_errors(f, "  ", name, vq);
}

static void print_device(FILE *f, jv dev, const struct rv_report_opts *o)
{
	char msix[64];
	const char *name = str(dev, "name", "?");
	msix_summary(msix, sizeof(msix), dev);
	fprintf(f, "%-10s  %-16s  %-8s  %-12s  %-6s  %s\n", "DEVICE", "ADDR",
		"TYPE", "DRIVER", "DISK", "MSIX");
	fprintf(f, "%-10s  %-16s  %-8s  %-12s  %-6s  %s\n", name,
		addr(dev, "addr"), str(dev, "type", "-"),
		str(dev, "driver", "-"), str(dev, "disk", "-"), msix);
	print_errors(f, "  ", name, dev);
	jv pci = rv_jv_get(dev, "pci");
	print_errors(f, "  ", "pci", pci);
	jv_free(pci);

	jv vqs = rv_jv_get(dev, "vqs");
	if (jv_get_kind(vqs) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(vqs)) == 0) {
		fprintf(f, "  (no virtqueues)\n");
		jv_free(vqs);
		return;
	}
	int nw = name_width(jv_copy(vqs));
	fprintf(f, "  %3s  %-16s  %-*s  %5s  %5s  %5s  %5s  %9s  %8s  %8s  %6s  %4s  %4s\n",
		"VQ", "ADDR", nw, "NAME", "NUM", "FREE", "AVAIL", "USED",
		"LAST_USED", "INFLIGHT", "UNREAPED", "BROKEN", "VEC", "IRQ");
	char *rows = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&rows, &len);
	jv_array_foreach(vqs, i, vq) {
		print_vq_row(m ? m : f, vq, nw);
		jv_free(vq);
	}
	if (m) {
		fclose(m);
		rv_report_rows(f, rows, "queues", o);
	}
	free(rows);
	jv_array_foreach(vqs, i, vq) {
		print_vq_notes(f, name, vq);
		jv_free(vq);
	}
	jv_free(vqs);
}

void rv_report_virtio(FILE *f, jv sec, const struct rv_report_opts *o)
{
	rv_report_problems(f, "virtio", sec);
	jv devs = rv_jv_get(sec, "devices");
	if (jv_get_kind(devs) != JV_KIND_ARRAY) {
		jv_free(devs);
		return;
	}
	if (jv_array_length(jv_copy(devs)) == 0)
		fprintf(f, "virtio: no devices\n");
	static const char *const names[] = { "name", "disk", NULL };
	rv_report_list(f, devs, "virtio", "device", names, print_device, o);
}

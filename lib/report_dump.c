// SPDX-License-Identifier: GPL-2.0-or-later
// Text rendering of the "dump" and "log" sections: a crash `sys`-like block
// (release, machine, CPUs, uptime, panic) and a one-line log summary.

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "facts.h"
#include "report.h"

#define LABEL "%12s: "


static void print_str(FILE *f, const char *label, jv sec, const char *key)
{
	const char *s = rv_jv_str(sec, key);
	if (s)
		fprintf(f, LABEL "%s\n", label, s);
}

static void print_cpus(FILE *f, jv cpus)
{
	if (jv_get_kind(cpus) != JV_KIND_OBJECT)
		return;
	double online = rv_jv_num(cpus, "online", -1);
	double possible = rv_jv_num(cpus, "possible", -1);
	double present = rv_jv_num(cpus, "present", -1);
	const char *list = rv_jv_str(cpus, "online_list");
	fprintf(f, LABEL, "CPUS");
	if (online >= 0)
		fprintf(f, "%.0f online", online);
	else
		fprintf(f, "? online");
	if (list)
		fprintf(f, " (%s)", list);
	if (present >= 0)
		fprintf(f, ", %.0f present", present);
	if (possible >= 0)
		fprintf(f, ", %.0f possible", possible);
	fprintf(f, ", nr_cpu_ids %.0f\n", rv_jv_num(cpus, "nr_cpu_ids", 0));
}

static void print_uptime(FILE *f, jv sec)
{
	double up = rv_jv_num(sec, "uptime_seconds", -1);
	if (up < 0)
		return;
	uint64_t s = (uint64_t)floor(up);
	fprintf(f, LABEL, "UPTIME");
	if (s >= 86400)
		fprintf(f, "%" PRIu64 " days, ", s / 86400);
	fprintf(f, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 "  (HZ %.0f)\n",
		s / 3600 % 24, s / 60 % 60, s % 60, rv_jv_num(sec, "hz", 0));
}

static void print_panic(FILE *f, jv panic)
{
	if (jv_get_kind(panic) == JV_KIND_NULL) {
		fprintf(f, LABEL "no panic\n", "PANIC");
		return;
	}
	if (jv_get_kind(panic) != JV_KIND_OBJECT)
		return;
	double cpu = rv_jv_num(panic, "cpu", -1);
	fprintf(f, LABEL, "PANIC");
	if (cpu >= 0)
		fprintf(f, "on CPU %.0f", cpu);
	else
		fprintf(f, "on an unknown CPU");
	jv task = rv_jv_get(panic, "task");
	const char *comm = rv_jv_str(task, "comm");
	rv_addr_t addr = rv_jv_get_addr(rv_jv_get(task, "addr"));
	if (addr)
		fprintf(f, ", task %016" PRIx64 " pid %.0f \"%s\"", addr,
			rv_jv_num(task, "pid", -1), comm ? comm : "?");
	fprintf(f, "\n");
	static const struct {
		const char *key, *prefix;
	} texts[] = {
		{ "message", "Kernel panic - not syncing: " },
		{ "oops", "" },
		{ "rip", "" },
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *s = rv_jv_str(panic, texts[i].key);
		if (s)
			fprintf(f, "%14s%s%s\n", "", texts[i].prefix, s);
	}
	rv_report_problems(f, "panic task", task);
	jv_free(task);
	rv_report_problems(f, "panic", panic);
}

static void print_identity(FILE *f, jv sec)
{
	print_str(f, "BUILD ID", sec, "build_id");
	jv time = rv_jv_get(sec, "time");
	const char *date = rv_jv_str(time, "date");
	const char *crash = rv_jv_str(time, "crash_date");
	if (date)
		fprintf(f, LABEL "%s\n", "DATE", date);
	if (crash)
		fprintf(f, LABEL "%s (VMCOREINFO CRASHTIME)\n", "CRASH TIME", crash);
	rv_report_problems(f, "dump time", time);
	jv_free(time);
	jv taint = rv_jv_get(sec, "taint");
	const char *letters = rv_jv_str(taint, "letters");
	if (letters && *letters)
		fprintf(f, LABEL "%s (tainted_mask %#" PRIx64 ")\n", "TAINTED", letters,
			(uint64_t)rv_jv_num(taint, "tainted_mask", 0));
	else if (letters)
		fprintf(f, LABEL "not tainted\n", "TAINTED");
	rv_report_problems(f, "dump taint", taint);
	jv_free(taint);
	jv mods = rv_jv_get(sec, "modules");
	if (jv_get_kind(mods) == JV_KIND_ARRAY) {
		int n = jv_array_length(jv_copy(mods)), tainted = 0;
		fprintf(f, LABEL "%d loaded", "MODULES", n);
		jv_array_foreach(mods, i, m) {
			const char *t = rv_jv_str(m, "taint");
			if (t && *t)
				fprintf(f, "%s %s(%s)", tainted++ ? "," : "; tainted:",
					rv_jv_str(m, "name"), t);
			jv_free(m);
		}
		fprintf(f, "\n");
	}
	jv_free(mods);
}

void rv_report_dump(FILE *f, jv sec, const struct rv_report_opts *o)
{
	(void)o;
	rv_report_problems(f, "dump", sec);
	if (jv_get_kind(sec) != JV_KIND_OBJECT)
		return;
	print_str(f, "RELEASE", sec, "release");
	print_str(f, "VERSION", sec, "version");
	print_str(f, "MACHINE", sec, "machine");
	print_str(f, "NODENAME", sec, "nodename");
	print_identity(f, sec);
	jv cpus = rv_jv_get(sec, "cpus");
	print_cpus(f, cpus);
	rv_report_problems(f, "dump cpus", cpus);
	jv_free(cpus);
	print_uptime(f, sec);
	jv panic = rv_jv_get(sec, "panic");
	print_panic(f, panic);
	jv_free(panic);
}

/** "[    3.361233]" like the log prints it. */
static void print_ts(FILE *f, jv line)
{
	double ts = rv_jv_num(line, "ts_nsec", -1);
	if (ts < 0) {
		fprintf(f, "[?]");
		return;
	}
	uint64_t ns = (uint64_t)ts;
	fprintf(f, "[%5" PRIu64 ".%06" PRIu64 "]", ns / 1000000000,
		ns % 1000000000 / 1000);
}

void rv_report_log(FILE *f, jv sec, const struct rv_report_opts *o)
{
	(void)o;
	rv_report_problems(f, "log", sec);
	if (jv_get_kind(sec) != JV_KIND_OBJECT)
		return;
	jv lines = rv_jv_get(sec, "lines");
	if (jv_get_kind(lines) != JV_KIND_ARRAY) {
		jv_free(lines);
		return;
	}
	int n = jv_array_length(jv_copy(lines));
	const char *source = rv_jv_str(sec, "source");
	fprintf(f, LABEL "%d records, %.0f lines", "LOG", n,
		rv_jv_num(sec, "nr_text_lines", 0));
	if (n > 0) {
		jv first = jv_array_get(jv_copy(lines), 0);
		jv last = jv_array_get(jv_copy(lines), n - 1);
		fprintf(f, ", ");
		print_ts(f, first);
		fprintf(f, " .. ");
		print_ts(f, last);
		jv_free(first);
		jv_free(last);
	}
	double overwritten = rv_jv_num(sec, "overwritten", 0);
	if (overwritten > 0)
		fprintf(f, ", %.0f overwritten", overwritten);
	double bad = rv_jv_num(sec, "bad_records", 0);
	if (bad > 0)
		fprintf(f, ", %.0f unreadable", bad);
	fprintf(f, " (%s)\n", source ? source : "?");
	jv_free(lines);
}

// SPDX-License-Identifier: GPL-2.0-or-later
// Shared pieces of the text reports.

#include <stdarg.h>
#include <stdlib.h>

#include "facts.h"
#include "report.h"

static void print_messages(FILE *f, const char *what, const char *label, jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		fprintf(f, "%s: %s%s\n", what, label, jv_string_value(v));
		break;
	case JV_KIND_ARRAY:
		for (int i = 0; i < jv_array_length(jv_copy(v)); i++)
			print_messages(f, what, label, jv_array_get(jv_copy(v), i));
		break;
	default:
		break;
	}
	jv_free(v);
}

void rv_report_problems(FILE *f, const char *what, jv sec)
{
	if (jv_get_kind(sec) != JV_KIND_OBJECT)
		return;
	jv present = jv_object_get(jv_copy(sec), jv_string("present"));
	if (jv_get_kind(present) == JV_KIND_FALSE)
		print_messages(f, what, "not present: ",
			       jv_object_get(jv_copy(sec), jv_string("reason")));
	jv_free(present);
	print_messages(f, what, "", jv_object_get(jv_copy(sec), jv_string("error")));
	print_messages(f, what, "missing debuginfo: ",
		       jv_object_get(jv_copy(sec), jv_string("debuginfo_missing")));
}

void rv_report_ranges(FILE *f, jv list)
{
	int n = jv_get_kind(list) == JV_KIND_ARRAY ? jv_array_length(jv_copy(list)) : 0;
	for (int i = 0; i < n;) {
		jv v = jv_array_get(jv_copy(list), i);
		double first = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : -1;
		jv_free(v);
		int j = i;
		while (j + 1 < n) {
			jv w = jv_array_get(jv_copy(list), j + 1);
			bool next = jv_get_kind(w) == JV_KIND_NUMBER &&
				    jv_number_value(w) == first + (j + 1 - i);
			jv_free(w);
			if (!next)
				break;
			j++;
		}
		fprintf(f, "%s%.0f", i ? "," : "", first);
		if (j > i)
			fprintf(f, "-%.0f", first + (j - i));
		i = j + 1;
	}
	jv_free(list);
}

static int count(jv v)
{
	int n = jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 0;
	jv_free(v);
	return n;
}

// Lines listed under the INCOMPLETE headline; the rest is in the JSON.
#define STATUS_LINES 10

char *rv_report_fmt(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

// One line of rv_report_status_each() (printf-style).
#define status_line(line, arg, level, ...)                         \
	do {                                                        \
		char *s_ = rv_report_fmt(__VA_ARGS__);              \
		if (s_)                                             \
			(line)((arg), (level), s_);                 \
		free(s_);                                           \
	} while (0)

bool rv_report_status_each(jv doc, int max, void (*line)(void *arg, int level, const char *text),
			   void *arg)
{
	if (jv_get_kind(doc) != JV_KIND_OBJECT || rv_facts_complete(jv_copy(doc)))
		return false;
	jv errors = jv_object_get(jv_copy(doc), jv_string("errors"));
	jv missing = jv_object_get(jv_copy(doc), jv_string("missing"));
	if (jv_get_kind(missing) != JV_KIND_OBJECT) {
		jv_free(missing);
		missing = jv_object();
	}
	jv dbg = jv_object_get(jv_copy(missing), jv_string("debuginfo"));
	jv mods = jv_object_get(jv_copy(missing), jv_string("modules"));
	jv rules = jv_object_get(jv_copy(missing), jv_string("rules"));
	int ne = count(jv_copy(errors)), nd = count(jv_copy(dbg)),
	    nm = count(jv_copy(mods)), nr = count(jv_copy(rules));
	char what[160] = "";
	if (nd || nm || nr) {
		const char *sep = " ";
		size_t len = 0;
		len += snprintf(what + len, sizeof(what) - len, "; missing:");
		if (nd) {
			len += snprintf(what + len, sizeof(what) - len, "%skernel debug info", sep);
			sep = ", ";
		}
		if (nm) {
			len += snprintf(what + len, sizeof(what) - len, "%sdebug info of %d module%s",
					sep, nm, nm == 1 ? "" : "s");
			sep = ", ";
		}
		if (nr)
			snprintf(what + len, sizeof(what) - len, "%s%d rule source%s", sep, nr,
				 nr == 1 ? "" : "s");
	}
	status_line(line, arg, 0, "%d error%s%s (not a clean result)", ne, ne == 1 ? "" : "s",
		    what);
	int lines = 0;
	jv_array_foreach(dbg, i, m) {
		if (lines++ < max && jv_get_kind(m) == JV_KIND_STRING)
			status_line(line, arg, 1, "missing: %s", jv_string_value(m));
		jv_free(m);
	}
	jv_array_foreach(mods, i, m) {
		if (lines++ < max)
			status_line(line, arg, 1, "missing: %s: %s", rv_jv_str(m, "section") ?: "?",
				    rv_jv_str(m, "message") ?: "?");
		jv_free(m);
	}
	jv_array_foreach(rules, i, m) {
		if (lines++ < max && jv_get_kind(m) == JV_KIND_STRING)
			status_line(line, arg, 1, "missing rules: %s", jv_string_value(m));
		jv_free(m);
	}
	if (jv_get_kind(errors) == JV_KIND_ARRAY) {
		jv_array_foreach(errors, i, e) {
			const char *rule = rv_jv_str(e, "rule");
			if (lines++ < max)
				status_line(line, arg, 1, "error: %s%s%s: %s",
					    rv_jv_str(e, "path") ?: "?", rule ? " rule " : "",
					    rule ? rule : "", rv_jv_str(e, "message") ?: "?");
			jv_free(e);
		}
	}
	if (lines > max)
		status_line(line, arg, 1, "... %d more (see the JSON output)", lines - max);
	jv_free(errors);
	jv_free(dbg);
	jv_free(mods);
	jv_free(rules);
	jv_free(missing);
	return true;
}

static void text_status_line(void *arg, int level, const char *text)
{
	fprintf(arg, "%s%s\n", level ? "  " : "INCOMPLETE: ", text);
}

void rv_report_status(FILE *f, jv doc)
{
	rv_report_status_each(doc, STATUS_LINES, text_status_line, f);
}

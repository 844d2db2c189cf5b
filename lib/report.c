// SPDX-License-Identifier: GPL-2.0-or-later
// Shared pieces of the text reports.

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

static int count(jv v)
{
	int n = jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 0;
	jv_free(v);
	return n;
}

// Lines listed under the INCOMPLETE headline; the rest is in the JSON.
#define STATUS_LINES 10

void rv_report_status(FILE *f, jv doc)
{
	if (jv_get_kind(doc) != JV_KIND_OBJECT || rv_facts_complete(jv_copy(doc)))
		return;
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
	fprintf(f, "INCOMPLETE: %d error%s", ne, ne == 1 ? "" : "s");
	if (nd || nm || nr) {
		fprintf(f, "; missing:");
		const char *sep = " ";
		if (nd) {
			fprintf(f, "%skernel debug info", sep);
			sep = ", ";
		}
		if (nm) {
			fprintf(f, "%sdebug info of %d module%s", sep, nm, nm == 1 ? "" : "s");
			sep = ", ";
		}
		if (nr)
			fprintf(f, "%s%d rule source%s", sep, nr, nr == 1 ? "" : "s");
	}
	fprintf(f, " (not a clean result)\n");
	int lines = 0;
	jv_array_foreach(dbg, i, m) {
		if (lines++ < STATUS_LINES && jv_get_kind(m) == JV_KIND_STRING)
			fprintf(f, "  missing: %s\n", jv_string_value(m));
		jv_free(m);
	}
	jv_array_foreach(mods, i, m) {
		if (lines++ < STATUS_LINES)
			fprintf(f, "  missing: %s: %s\n", rv_jv_str(m, "section") ?: "?",
				rv_jv_str(m, "message") ?: "?");
		jv_free(m);
	}
	jv_array_foreach(rules, i, m) {
		if (lines++ < STATUS_LINES && jv_get_kind(m) == JV_KIND_STRING)
			fprintf(f, "  missing rules: %s\n", jv_string_value(m));
		jv_free(m);
	}
	if (jv_get_kind(errors) == JV_KIND_ARRAY) {
		jv_array_foreach(errors, i, e) {
			const char *rule = rv_jv_str(e, "rule");
			if (lines++ < STATUS_LINES)
				fprintf(f, "  error: %s%s%s: %s\n", rv_jv_str(e, "path") ?: "?",
					rule ? " rule " : "", rule ? rule : "",
					rv_jv_str(e, "message") ?: "?");
			jv_free(e);
		}
	}
	if (lines > STATUS_LINES)
		fprintf(f, "  ... %d more (see the JSON output)\n", lines - STATUS_LINES);
	jv_free(errors);
	jv_free(dbg);
	jv_free(mods);
	jv_free(rules);
	jv_free(missing);
}

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

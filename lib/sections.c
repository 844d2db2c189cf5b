// SPDX-License-Identifier: GPL-2.0-or-later
// The section table (see sections.h).

#include <string.h>

#include "help.h"
#include "sections.h"

const struct rv_section rv_sections[] = {
	{ "dump", &rv_decoder_dump, NULL, "dump", "", false, NULL, rv_report_dump, NULL },
	{ "log", &rv_decoder_log, NULL, "log", "", false, NULL, rv_report_log, NULL },
	{ "md", &rv_decoder_md, "r1conf", "md", "abw", true, "arrays", rv_report_md, rv_help_r1conf },
	// There is one vector matrix: a selection would be ignored, so it
	// is refused.
	{ "irq", &rv_decoder_irq, "vecmatrix", "vectors", "acv", false, NULL, rv_report_irq, rv_help_vecmatrix },
	{ "blk", &rv_decoder_blk, "hctxfq", "blk", "ar", true, "disks", rv_report_blk, rv_help_hctxfq },
	{ "virtio", &rv_decoder_virtio, "vring", "virtio", "a", true, "devices", rv_report_virtio, rv_help_vring },
	{ NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, NULL },
};

const struct rv_section *rv_section_find(const char *name)
{
	for (const struct rv_section *s = rv_sections; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

const struct rv_section *rv_section_by_command(const char *command)
{
	for (const struct rv_section *s = rv_sections; s->name; s++)
		if (s->command && !strcmp(s->command, command))
			return s;
	return NULL;
}

const struct rv_section *rv_section_by_show(const char *show)
{
	for (const struct rv_section *s = rv_sections; s->name; s++)
		if (s->show && !strcmp(s->show, show))
			return s;
	return NULL;
}

const struct rv_decoder *rv_decoder_find(const char *name)
{
	const struct rv_section *s = rv_section_find(name);
	return s ? s->decoder : NULL;
}

void rv_report_sections(FILE *f, jv doc, const struct rv_report_opts *o)
{
	// INCOMPLETE first (and a blank line after it) when the facts are.
	bool first = rv_facts_complete(jv_copy(doc));
	rv_report_status(f, doc);
	for (const struct rv_section *s = rv_sections; s->name; s++) {
		jv sec = jv_object_get(jv_copy(doc), jv_string(s->name));
		if (jv_get_kind(sec) == JV_KIND_OBJECT) {
			if (!first)
				fprintf(f, "\n");
			first = false;
			s->report(f, sec, o);
		}
		jv_free(sec);
	}
}

bool rv_section_selected_nothing(const struct rv_section *s, jv sec)
{
	if (!s->objects || jv_get_kind(sec) != JV_KIND_OBJECT)
		return false;
	jv list = jv_object_get(jv_copy(sec), jv_string(s->objects));
	bool none = jv_get_kind(list) == JV_KIND_ARRAY && jv_array_length(jv_copy(list)) == 0;
	jv_free(list);
	return none;
}

void rv_section_say_what_exists(FILE *f, struct rv_target *t, const struct rv_section *s,
				const char *who, const char *select)
{
	jv all = rv_facts_section(t, s->decoder, NULL);
	jv list = jv_get_kind(all) == JV_KIND_OBJECT ?
		  jv_object_get(jv_copy(all), jv_string(s->objects)) : jv_invalid();
	fprintf(f, "%s: nothing matches '%s'; ", who, select);
	if (jv_get_kind(list) != JV_KIND_ARRAY) {
		fprintf(f, "its %s could not be listed\n", s->objects);
	} else if (jv_array_length(jv_copy(list)) == 0) {
		fprintf(f, "the dump has no %s\n", s->objects);
	} else {
		fprintf(f, "%s in the dump:", s->objects);
		jv_array_foreach(list, i, o) {
			const char *keys[] = { "name", "disk" };
			for (int k = 0; k < 2; k++) {
				jv v = jv_get_kind(o) == JV_KIND_OBJECT ?
				       jv_object_get(jv_copy(o), jv_string(keys[k])) : jv_invalid();
				if (jv_get_kind(v) == JV_KIND_STRING)
					fprintf(f, "%s%s%s", k ? " (" : " ",
						jv_string_value(v), k ? ")" : "");
				jv_free(v);
			}
			jv_free(o);
		}
		fputc('\n', f);
	}
	jv_free(list);
	jv_free(all);
}

void rv_print_json(FILE *f, jv v)
{
	// straight to the stream: no string of the whole document (tens of
	// MiB on a large system, built by appending)
	jv_dumpf(v, f, JV_PRINT_PRETTY | JV_PRINT_SPACE1);
	fputc('\n', f);
}

// SPDX-License-Identifier: GPL-2.0-or-later
// The section table (see sections.h).

#include <string.h>

#include "help.h"
#include "sections.h"

const struct rv_section rv_sections[] = {
	{ "dump", &rv_decoder_dump, NULL, "dump", "", false, NULL, rv_report_dump, NULL },
	{ "log", &rv_decoder_log, NULL, "log", "", false, NULL, rv_report_log, NULL },
	{ "md", &rv_decoder_md, "r1conf", "md", "bw", true, "arrays", rv_report_md, rv_help_r1conf },
	// There is one vector matrix: a selection would be ignored, so it
	// is refused.
	{ "irq", &rv_decoder_irq, "vecmatrix", "vectors", "cv", false, NULL, rv_report_irq, rv_help_vecmatrix },
	{ "blk", &rv_decoder_blk, "hctxfq", "blk", "r", true, "disks", rv_report_blk, rv_help_hctxfq },
	{ "virtio", &rv_decoder_virtio, "vring", "virtio", "", true, "devices", rv_report_virtio, rv_help_vring },
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

void rv_print_json(FILE *f, jv v)
{
	jv s = jv_dump_string(v, JV_PRINT_PRETTY | JV_PRINT_SPACE1);
	fprintf(f, "%s\n", jv_string_value(s));
	jv_free(s);
}

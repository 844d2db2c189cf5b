// SPDX-License-Identifier: GPL-2.0-or-later
// The triage report as Markdown (CommonMark with GitHub tables), for tickets:
// `raidvirt triage --format markdown`. The content is report_doc.c's; this
// file only writes its blocks and escapes every value, so that a task name
// or a device string from the dump can neither start a heading nor break a
// table.

#include <ctype.h>
#include <string.h>

#include "report.h"
#include "report_doc.h"

// Characters that mean something inline, in a table cell or as raw HTML:
// written with a backslash (CommonMark escapes any ASCII punctuation).
// '_' inside a word and '#' that does not start a block or follow a space
// mean nothing and stay bare, so that counter names read as they are.
static const char md_special[] = "\\`*_[]<>|~#&";

static bool block_marker(const char *s)
{
	if (*s == '-' || *s == '+')
		return true;
	const char *p = s;
	while (isdigit((unsigned char)*p))
		p++;
	return p > s && (*p == '.' || *p == ')');
}

static bool needs_escape(const char *s, const char *p, bool start)
{
	if (!strchr(md_special, *p))
		return false;
	if (*p == '_')	// intraword '_' is no emphasis
		return !(p > s && isalnum((unsigned char)p[-1]) && isalnum((unsigned char)p[1]));
	if (*p == '#')	// a heading or a heading's closing sequence
		return start || (p > s && p[-1] == ' ');
	return true;
}

/**
 * Write @p s as one line of Markdown text, escaped. @p start: @p s begins a
 * block, where "- x", "+ x" and "1. x" would start a list.
 */
static void md_text(FILE *f, const char *s, bool start)
{
	s = s ? s : "";
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n' || c == '\r' || c == '\t') {
			fputc(' ', f);
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			fputc('?', f);
			continue;
		}
		if (start && block_marker(p)) {
			while (isdigit((unsigned char)*p))
				fputc(*p++, f);
			fputc('\\', f);
			fputc(*p, f);
			start = false;
			continue;
		}
		if (needs_escape(s, p, start))
			fputc('\\', f);
		fputc(c, f);
		start = false;
	}
}

/** A link target: percent-encode what would end or break it. */
static void md_url(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p == 0x7f || strchr("()<>\\\"'", *p))
			fprintf(f, "%%%02X", *p);
		else
			fputc(*p, f);
	}
}

static void md_heading(FILE *f, int level, const char *cls, const char *text)
{
	fprintf(f, "\n%.*s ", level, "######");
	md_text(f, text, true);
	fputc('\n', f);
}

static void md_para(FILE *f, const char *cls, const char *label, const char *text)
{
	fputc('\n', f);
	if (label) {
		fputs("**", f);
		md_text(f, label, false);
		fputs("**", f);
		if (*text)
			fputc(' ', f);
	}
	md_text(f, text, !label);
	fputc('\n', f);
}

static void md_row(FILE *f, int ncols, const char *const *cells)
{
	fputc('|', f);
	for (int i = 0; i < ncols; i++) {
		fputc(' ', f);
		md_text(f, cells[i], false);
		fputs(" |", f);
	}
	fputc('\n', f);
}

static void md_table_begin(FILE *f, int ncols, const char *const *head)
{
	fputc('\n', f);
	md_row(f, ncols, head);
	fputc('|', f);
	for (int i = 0; i < ncols; i++)
		fputs(" --- |", f);
	fputc('\n', f);
}

static void md_table_end(FILE *f)
{
}

static void md_list_begin(FILE *f)
{
	fputc('\n', f);
}

static void md_item(FILE *f, const char *text, const char *url)
{
	fputs("- ", f);
	if (url) {
		fputc('[', f);
		md_text(f, text, false);
		fputs("](", f);
		md_url(f, url);
		fputc(')', f);
	} else {
		md_text(f, text, true);
	}
	fputc('\n', f);
}

static void md_list_end(FILE *f)
{
}

static const struct rv_doc_ops markdown_ops = {
	.heading = md_heading,
	.para = md_para,
	.table_begin = md_table_begin,
	.table_row = md_row,
	.table_end = md_table_end,
	.list_begin = md_list_begin,
	.item = md_item,
	.list_end = md_list_end,
};

void rv_report_markdown(FILE *f, jv triage, bool explain)
{
	rv_report_doc(&markdown_ops, f, triage, explain, NULL, NULL);
}

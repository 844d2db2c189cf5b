// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file report_doc.h
 * The triage report as a document: one walker (report_doc.c) turns a
 * raidvirt.triage/1 document into headings, paragraphs, tables and lists,
 * and a writer per format (report_markdown.c, report_html.c) says how each
 * of those looks. The formats cannot drift apart in content because there
 * is one walker; they differ only in syntax and escaping.
 */
#ifndef RV_REPORT_DOC_H
#define RV_REPORT_DOC_H

#include <stdbool.h>
#include <stdio.h>

#include <jv.h>

/**
 * A document writer. Every text is plain UTF-8 from the dump or the rules;
 * the writer escapes it for its format. @p cls is a style hint (a severity
 * name, "rule-error", "complete", "incomplete") or NULL; formats without
 * styles ignore it.
 */
struct rv_doc_ops {
	void (*heading)(FILE *f, int level, const char *cls, const char *text);
	/** A paragraph: @p label (may be NULL) in bold, then @p text. */
	void (*para)(FILE *f, const char *cls, const char *label, const char *text);
	void (*table_begin)(FILE *f, int ncols, const char *const *head);
	void (*table_row)(FILE *f, int ncols, const char *const *cells);
	void (*table_end)(FILE *f);
	void (*list_begin)(FILE *f);
	/** One list item; linked to @p url (http or https only) when not NULL. */
	void (*item)(FILE *f, const char *text, const char *url);
	void (*list_end)(FILE *f);
};

/** Called between the summary and the findings (the HTML pictures). */
typedef void rv_doc_insert_fn(FILE *f, void *arg);

/**
 * Write @p triage (a raidvirt.triage/1 document, not consumed) with @p ops:
 * the headline (kernel, dump, provenance, completeness with what is missing),
 * the findings by severity, then each finding with its message, evidence
 * table, facts paths, remedies and references (and explanation when
 * @p explain). @p insert (may be NULL) is called after the summary.
 */
void rv_report_doc(const struct rv_doc_ops *ops, FILE *f, jv triage, bool explain,
		   rv_doc_insert_fn *insert, void *arg);

/**
 * The pictures of the HTML page as inline SVG, from @p facts (a facts
 * document, not consumed; null or partial: what is there is drawn):
 * vector capacity per online CPU, the devices holding the most managed
 * reservations, in-flight I/O per disk and per virtqueue, non-zero md
 * barrier buckets (report_svg.c).
 */
void rv_report_html_pictures(FILE *f, jv facts);

/** @p s with &, <, >, " and ' as HTML entities, control characters as U+FFFD. */
void rv_html_text(FILE *f, const char *s);

#endif

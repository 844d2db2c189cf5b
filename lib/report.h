// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file report.h
 * Text renderings of facts sections: the tables the crash commands and
 * `raidvirt show` print. Renderers read only the facts (never the dump), so
 * both front ends print the same thing for the same dump.
 */
#ifndef RV_REPORT_H
#define RV_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jv.h>

/** What to show; each renderer uses the flags that concern it. */
struct rv_report_opts {
	bool buckets;	/**< md: non-zero barrier buckets (-b) */
	bool waiters;	/**< md: tasks sleeping on wait_barrier (-w) */
	bool cpus;	/**< irq: per-CPU table (-c) */
	bool vectors;	/**< irq: every allocated vector (-v) */
	bool requests;	/**< blk: the requests in flight, oldest first (-r) */
	bool all;	/**< every object and row, no summary (-a) */
};

/** Renderers take a section object (not consumed). */
void rv_report_dump(FILE *f, jv sec, const struct rv_report_opts *o);
/** One-line summary of the "log" section (records, first/last timestamp). */
void rv_report_log(FILE *f, jv sec, const struct rv_report_opts *o);
void rv_report_md(FILE *f, jv sec, const struct rv_report_opts *o);
void rv_report_irq(FILE *f, jv sec, const struct rv_report_opts *o);
void rv_report_blk(FILE *f, jv sec, const struct rv_report_opts *o);
void rv_report_virtio(FILE *f, jv sec, const struct rv_report_opts *o);

/**
 * The vectors of one irq.cpus[] entry (not consumed) in three parts that
 * sum to the CPU's capacity when its invariant holds: allocated but not
 * managed, managed reserved (allocated or not), available. False when a
 * counter is missing or implausible. The text bar of vecmatrix -c and the
 * HTML picture both draw these.
 */
enum { RV_IRQ_ALLOCATED, RV_IRQ_MANAGED, RV_IRQ_AVAILABLE, RV_IRQ_SPLIT };
bool rv_irq_cpu_split(jv cpu, double ret[RV_IRQ_SPLIT]);

/** printf into a malloc'd string (NULL when out of memory). */
char *rv_report_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** "25-26,28" from an ascending array of numbers (consumed). */
void rv_report_ranges(FILE *f, jv list);

/**
 * Names (an array of strings, consumed) with runs of one prefix and a
 * number as ranges: "md[0-6,8-2047] vda vdb"; at most @p max items, then
 * "... (N more)".
 */
void rv_report_names(FILE *f, jv names, int max);

/** Lists up to this long are printed in full (rv_report_list). */
#define RV_REPORT_LIST_FULL 16
/** Kinds of a longer list printed, the rarest first; names per kind line. */
#define RV_REPORT_LIST_KINDS 16
#define RV_REPORT_NAMES 12

/**
 * The rows of one table (@p rows: its lines; a row starts with its index
 * as the first word, the lines after it up to the next index are part of
 * it; lines before the first row are printed first). More than
 * RV_REPORT_LIST_FULL rows, and not @p o->all: a run of three or more rows
 * alike but for addresses and the index (the first word, and where it ends
 * a name such as "req.5") prints its first row and one line "... 62 more
 * @p what alike: 1-62".
 */
void rv_report_rows(FILE *f, const char *rows, const char *what, const struct rv_report_opts *o);

/** Prints one object of a list as its block of lines. */
typedef void (*rv_report_one_fn)(FILE *f, jv obj, const struct rv_report_opts *o);

/**
 * A list of like objects (md arrays, disks, devices; @p list consumed), each
 * printed by @p one, a blank line between. A list longer than
 * RV_REPORT_LIST_FULL is summarised unless @p o->all: objects whose blocks
 * differ only in addresses (16 hex digits) and in their own names (the
 * string members @p keys, NULL-terminated; the first names the object) are
 * one kind, printed once under a line counting and naming them, the rarest
 * kind first (the odd ones out), at most RV_REPORT_LIST_KINDS kinds; a line
 * names the objects of the kinds left out. @p section and @p what ("md",
 * "array") word the headline: "md: 2048 arrays in 1 kind ...".
 */
void rv_report_list(FILE *f, jv list, const char *section, const char *what,
		    const char *const *keys, rv_report_one_fn one, const struct rv_report_opts *o);

/**
 * The triage report (@p triage: a raidvirt.triage/1 document, not consumed)
 * as Markdown for tickets: headline, findings by severity, each finding with
 * its evidence table, remedies and references (report_markdown.c).
 */
void rv_report_markdown(FILE *f, jv triage, bool explain);
/**
 * The same report as one self-contained HTML page (report_html.c) plus
 * pictures drawn from @p facts (the facts document the triage ran over,
 * not consumed; may be null): vector capacity per CPU, the devices holding
 * the most managed reservations, I/O in flight per disk and virtqueue, md
 * barrier buckets (report_svg.c).
 */
void rv_report_html(FILE *f, jv triage, jv facts, bool explain);

/** Print a section's "error"/"reason"/"debuginfo_missing" lines, if any. */
void rv_report_problems(FILE *f, const char *what, jv sec);

/**
 * The INCOMPLETE headline of a sealed facts or triage document (not
 * consumed): nothing when doc.complete is true, else one line with the
 * counts of errors and what is missing, then up to 10 lines naming them.
 */
void rv_report_status(FILE *f, jv doc);
/**
 * The same headline as lines, for other formats: when @p doc (not consumed)
 * is not complete, calls @p line with level 0 for the summary ("2 errors;
 * missing: kernel debug info (not a clean result)"), then level 1 for each
 * thing missing or failed, at most @p max of them plus one "... N more".
 * Returns false (and calls nothing) when the document is complete.
 */
bool rv_report_status_each(jv doc, int max, void (*line)(void *arg, int level, const char *text),
			   void *arg);

#endif

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
};

/** Renderers take a section object (not consumed). */
void rv_report_dump(FILE *f, jv sec, const struct rv_report_opts *o);
/** One-line summary of the "log" section (records, first/last timestamp). */
void rv_report_log(FILE *f, jv sec, const struct rv_report_opts *o);
void rv_report_md(FILE *f, jv sec, const struct rv_report_opts *o);
void rv_report_irq(FILE *f, jv sec, const struct rv_report_opts *o);
void rv_report_blk(FILE *f, jv sec, const struct rv_report_opts *o);
void rv_report_virtio(FILE *f, jv sec, const struct rv_report_opts *o);

/** Print a section's "error"/"reason"/"debuginfo_missing" lines, if any. */
void rv_report_problems(FILE *f, const char *what, jv sec);

/**
 * The INCOMPLETE headline of a sealed facts or triage document (not
 * consumed): nothing when doc.complete is true, else one line with the
 * counts of errors and what is missing, then up to 10 lines naming them.
 */
void rv_report_status(FILE *f, jv doc);

#endif

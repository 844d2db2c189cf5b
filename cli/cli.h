// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file cli.h
 * What the commands of the standalone program share: exit statuses (docs/cli.md)
 * and the one-line usage error.
 */
#ifndef RV_CLI_H
#define RV_CLI_H

#include <stdbool.h>
#include <jv.h>

enum rv_exit {
	RV_EXIT_ANALYSED = 0,
	RV_EXIT_FINDINGS = 1,	 // triage: findings at or above --fail-on
	RV_EXIT_USAGE = 2,
	RV_EXIT_UNANALYSABLE = 3, // unreadable dump, no or mismatched debug info
	RV_EXIT_NO_MATCH = 4,	 // show: the SELECT names no object of the dump
};

/**
 * One line on stderr, "raidvirt: MESSAGE (see 'raidvirt CMD --help')", CMD
 * taken from the "usage: raidvirt CMD" line of @p usage (the usage text
 * itself is for --help). Returns RV_EXIT_USAGE.
 */
int rv_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * What made a run incomplete, on stderr, when nothing else said it: the
 * first entry of @p errors (the errors[] of the facts or triage
 * document: {section, path, message}) as "raidvirt: incomplete analysis:
 * PATH: MESSAGE", then how many more and in which sections. Entries of
 * section @p skip (say "rules", already reported; NULL for none) are left
 * out. Consumes @p errors; returns the number of lines printed.
 */
int rv_report_errors(jv errors, const char *skip);

/**
 * Progress of a slow step on stderr ("raidvirt: MSG", rewritten in place),
 * on a terminal only; NULL clears the line. Every command that opens a dump
 * passes it (reassembling, type indexing, debuginfod downloads).
 */
void rv_progress(const char *msg);

#endif

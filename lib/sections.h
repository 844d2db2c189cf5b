// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file sections.h
 * The one table of facts sections that drives both front ends: for each
 * section, its decoder, the crash command and CLI `show` name that print it,
 * the report options it takes, whether it takes a selection, its renderer
 * and its help page. ext/raidvirt.c registers the crash commands from it;
 * cli/main.c builds `facts` and `show` from it; both print the whole report
 * with rv_report_sections(), so crash's `raidvirt` and `raidvirt facts` print
 * the same text for the same dump.
 */
#ifndef RV_SECTIONS_H
#define RV_SECTIONS_H

#include <stdbool.h>
#include <stdio.h>

#include <jv.h>

#include "facts.h"
#include "report.h"

typedef void (*rv_report_fn)(FILE *f, jv sec, const struct rv_report_opts *o);

struct rv_section {
	const char *name;	/**< facts section = decoder name: "md", "irq", ... */
	const struct rv_decoder *decoder;
	const char *command;	/**< crash command ("r1conf"), NULL: none */
	const char *show;	/**< CLI `raidvirt show` argument ("md", "vectors") */
	/** Report options besides -j, as short options ("bw"; "" for none). */
	const char *options;
	/** Takes a SELECT (object name or address); else one is refused. */
	bool select;
	/**
	 * With @c select: the section's list of selectable objects ("arrays"),
	 * each named by its "name" key (and "disk", where it has one), so that a
	 * SELECT that matches nothing can be told apart and the names listed.
	 */
	const char *objects;
	rv_report_fn report;	/**< text renderer (does not consume its section) */
	char **help;		/**< help page (lib/help.c), NULL for none */
};

/** Every section in report order; ends with an entry whose name is NULL. */
extern const struct rv_section rv_sections[];

/** By facts section name, crash command or `show` name; NULL if none. */
const struct rv_section *rv_section_find(const char *name);
const struct rv_section *rv_section_by_command(const char *command);
const struct rv_section *rv_section_by_show(const char *show);

/**
 * The whole text report of a facts document: the INCOMPLETE headline when
 * it is, then every section of the table that @p doc has, in table order, a
 * blank line between them. Findings are
 * not part of it (the caller prints them). @p doc is not consumed.
 */
void rv_report_sections(FILE *f, jv doc, const struct rv_report_opts *o);

/**
 * With a SELECT: the section's object list (@c objects) is there and empty,
 * i.e. the selection matched nothing. @p sec is not consumed.
 */
bool rv_section_selected_nothing(const struct rv_section *s, jv sec);
/**
 * One line on @p f naming the objects a SELECT could have named, "WHO:
 * nothing matches 'md9'; arrays in the dump: md0" (the section decoded once
 * more, unselected; layouts are cached by then). Both front ends.
 */
void rv_section_say_what_exists(FILE *f, struct rv_target *t, const struct rv_section *s,
				const char *who, const char *select);

/** @p v as pretty JSON and a newline on @p f; consumes @p v. */
void rv_print_json(FILE *f, jv v);

#endif

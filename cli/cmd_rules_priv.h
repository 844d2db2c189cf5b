// SPDX-License-Identifier: GPL-2.0-or-later
// What the rule commands share: cmd_rules.c (triage, rules lint/list, the
// options) and cmd_rules_test.c (rules test).
#ifndef RV_CLI_CMD_RULES_PRIV_H
#define RV_CLI_CMD_RULES_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include <jv.h>

#include "rules.h"
#include "target_kdump.h"

#define MAX_DIRS 32

struct opts {
	struct rv_kdump_opts kopts;
	const char *debugdirs[MAX_DIRS];
	size_t ndebugdirs;
	const char *rules[MAX_DIRS];
	size_t nrules;
	const char *fixtures[MAX_DIRS];
	size_t nfixtures;
	const char *dumps[MAX_DIRS];	// NAME=FILE
	size_t ndumps;
	const char *params[MAX_DIRS];	// RULE.NAME=VALUE
	size_t nparams;
	bool json, explain, no_builtin, skip_missing;
	enum { FORMAT_TEXT, FORMAT_JSON, FORMAT_MARKDOWN, FORMAT_HTML } format;
	enum rv_severity fail_on;
	const char *facts;
};

/**
 * Parse the options of a rule command into @p o; @p allowed names the long
 * options that apply ("F" fail-on, "R" rules, "B" no-builtin, "A" facts,
 * "D" dump options, "T" test options, "j", "e"), @p usage is printed for
 * --help and errors. -1 to go on (optind at the first operand), else an
 * exit status to return at once.
 */
int rv_rules_parse_args(int argc, char **argv, const char *allowed, const char *usage,
			struct opts *o);
/**
 * Facts of a dump. When it cannot be opened: the message on stderr and, if
 * @p unreadable is given, the document of an unreadable dump with
 * *unreadable set; else jv_invalid() with the message.
 */
jv rv_rules_dump_facts(const char *dump, const struct opts *o, bool *incomplete,
		       bool *unreadable);
/** A saved facts document ("-": stdin), or jv_invalid() with the reason. */
jv rv_rules_file_facts(const char *path);
/** The rules of @p dirs (files or directories), or the default set when none. */
struct rv_ruleset *rv_rules_load_dirs(char **dirs, int ndirs);
/** `raidvirt rules test [DIR...]` (cmd_rules_test.c). */
int rv_rules_test(int argc, char **argv);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file rules.h
 * The rule engine: known failure signatures as data (rules/<id>.yaml),
 * evaluated over the facts document. docs/rules.md describes the format.
 *
 * A rule is YAML metadata plus jq programs (libjq):
 *  - `condition` runs on the whole facts document and selects objects in
 *    it ("matches"); it is evaluated as `path(condition)`, so every match
 *    comes with the facts path it was found at ("md.arrays[0]");
 *  - `evidence` maps names to jq programs run on each match;
 *  - `related` (optional) selects further objects of the document for a
 *    match (the member disk, its virtqueue) whose paths the finding lists.
 * `$facts` (the whole document) and `$match` are bound in every program.
 *
 * Loading never aborts: a rule file with a problem is reported
 * ("file:line: message") and skipped. Evaluation never aborts either: a
 * rule whose program fails, loops or runs out of memory gives an error
 * entry in the findings (the rules run in a forked child, each with its own
 * time and memory limit, unless isolation is turned off).
 *
 * jv ownership as in libjq: jv arguments are consumed.
 */
#ifndef RV_RULES_H
#define RV_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jv.h>

#include "report.h"

/** The schema of `raidvirt triage --json` (docs/rules.md, docs/schema/). */
#define RV_TRIAGE_SCHEMA "raidvirt.triage/1"

enum rv_severity {
	RV_SEV_INFO,
	RV_SEV_WARNING,
	RV_SEV_ERROR,
	RV_SEV_CRITICAL,
};

/** "info", "warning", "error", "critical". */
const char *rv_severity_name(enum rv_severity sev);
/** Parse a severity name; false if @p s is not one. */
bool rv_severity_parse(const char *s, enum rv_severity *ret);

/** Bounds of one evaluation (docs/rules.md, "Limits"). */
#define RV_RULES_MAX_MATCHES	1000	/**< findings per rule and dump */
#define RV_RULES_MAX_OUTPUTS	100	/**< values per evidence / related */
#define RV_RULES_TIMEOUT_MS	10000	/**< wall time per rule */
#define RV_RULES_MEMORY_MB	1024	/**< memory a rule may add */

struct rv_rule;
struct rv_ruleset;

/** An empty rule set. NULL only when out of memory. */
struct rv_ruleset *rv_ruleset_create(void);
/** Free a rule set; accepts NULL. */
void rv_ruleset_destroy(struct rv_ruleset *rs);

/**
 * Load one rule file. A rule whose id is already loaded replaces it (so a
 * user directory can override a built-in rule). Problems are recorded in
 * the set (rv_ruleset_problems()); returns false if the file was skipped.
 */
bool rv_ruleset_load_file(struct rv_ruleset *rs, const char *path);
/**
 * Load every *.yaml / *.yml of @p dir, in name order. Returns the number of
 * rules loaded; a missing directory or a bad file is a recorded problem.
 */
size_t rv_ruleset_load_dir(struct rv_ruleset *rs, const char *dir);

/**
 * The built-in rule directory: $RAIDVIRT_RULES_BUILTIN if set, else the
 * first of ../../rules (the build tree), ../share/raidvirt/rules (installed
 * PREFIX/bin), ../../../share/raidvirt/rules (installed
 * PREFIX/lib/crash/extensions), rules/ and ../rules next to the executable
 * or shared object this code is linked into. malloc'd, or
 * NULL when none exists.
 */
char *rv_rules_builtin_dir(void);
/**
 * Load the usual rule set: the built-in directory (unless @p no_builtin),
 * then each directory of $RAIDVIRT_RULES (colon-separated), then @p dirs,
 * then the parameters of $RAIDVIRT_RULE_PARAMS (RULE.NAME=VALUE, separated
 * by commas or spaces; see rv_ruleset_set_param()).
 * Never NULL except out of memory; check rv_ruleset_problems().
 */
struct rv_ruleset *rv_ruleset_load_default(const char *const *dirs,
					   size_t ndirs, bool no_builtin);

/**
 * Set a rule parameter, "RULE.NAME=VALUE" (VALUE read as JSON, else taken
 * as a string), overriding the rule's `parameters` default. An unknown rule
 * or parameter, or a value of another type than the default, is a recorded
 * problem; returns false then.
 */
bool rv_ruleset_set_param(struct rv_ruleset *rs, const char *assignment);

/** Number of rules loaded. */
size_t rv_ruleset_count(const struct rv_ruleset *rs);
/**
 * Load problems so far: [{file, line, column, rule, message}] (line and
 * column 1-based, 0 when unknown; rule null when unknown). Not consumed.
 */
jv rv_ruleset_problems(const struct rv_ruleset *rs);
/** Directories loaded, in order (a jv array of strings). */
jv rv_ruleset_dirs(const struct rv_ruleset *rs);
/**
 * The rules as data: [{id, title, severity, subsystem, file, line,
 * tests: {fires: [...], quiet: [...]}}], in load order.
 */
jv rv_ruleset_list(const struct rv_ruleset *rs);
/** "file:line:column: rule ID: message" for one problem (consumed). */
jv rv_rules_problem_string(jv problem);

/** How to evaluate. Zeroes mean the defaults above. */
struct rv_eval_opts {
	unsigned int max_matches;
	unsigned int timeout_ms;
	unsigned int memory_mb;
	/** Evaluate in this process: no fork, no time or memory limit. */
	bool no_isolate;
	/** Only this rule id (NULL: all). */
	const char *only;
};

/**
 * Evaluate the rules over @p facts (consumed). Returns the findings, most
 * severe first (then by rule id, then in match order):
 *   {rule, title, severity, subsystem, message, evidence: {name: value},
 *    paths: ["md.arrays[0]", ...], explanation, remedies, references, file}
 * plus error entries {rule, title, severity, subsystem, file, error} for
 * rules that could not be evaluated, after the findings.
 * Environment (for debugging and tests): RAIDVIRT_RULES_NOFORK=1 sets
 * no_isolate, RAIDVIRT_RULE_TIMEOUT (seconds) and RAIDVIRT_RULE_MEMORY_MB
 * the limits when @p o leaves them 0.
 */
jv rv_ruleset_evaluate(const struct rv_ruleset *rs, jv facts,
		       const struct rv_eval_opts *o);

/**
 * Lint checks that need evaluation: each rule must evaluate without error
 * on a document where every subsystem is absent ({"present": false}), as
 * it will on a dump without md or virtio. Adds problems to @p rs; returns
 * the number found.
 */
size_t rv_ruleset_lint(struct rv_ruleset *rs);

/**
 * For the crash command: evaluate the default rule set over @p doc
 * (consumed) and return it with "findings" set. Load problems become error
 * entries of the findings.
 */
jv rv_rules_apply(jv doc);

/** Convert load problems (not consumed) into findings error entries. */
jv rv_rules_problem_entries(jv problems);

/** Is @p finding an error entry (a rule that could not be evaluated)? */
bool rv_finding_is_error(jv finding);
/** Severity of a finding (not consumed); RV_SEV_INFO if unknown. */
enum rv_severity rv_finding_severity(jv finding);

// ---- text rendering (lib/report_findings.c) ----

/**
 * The findings as text blocks, one per finding: severity, title, message,
 * evidence, facts paths, remedies, references. @p findings is not
 * consumed. Same signature as the section renderers (rv_report_fn).
 */
void rv_report_findings(FILE *f, jv findings, const struct rv_report_opts *o);
/** Same, with the explanation of each finding when @p explain. */
void rv_report_findings_ex(FILE *f, jv findings, bool explain);
/** "1 error, 2 warnings" (or "no findings"), plus rule errors. */
void rv_report_findings_summary(FILE *f, jv findings);
/** Render one evidence value for a message or a report line. malloc'd. */
char *rv_rules_value_text(jv v);

#endif

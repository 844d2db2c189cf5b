// SPDX-License-Identifier: GPL-2.0-or-later
// Internals shared by rules.c (loading), rules_compile.c (compiling),
// rules_cache.c (programs known to compile) and rules_eval.c (evaluation).
#ifndef RV_RULES_PRIV_H
#define RV_RULES_PRIV_H

#include <jq.h>
#include <yaml.h>

#include "rules.h"

/** A jq program text from a rule file and the file line it starts on. */
struct rv_rule_text {
	char *text;
	int line;
};

struct rv_rule_evidence {
	char *name;
	struct rv_rule_text expr;
};

struct rv_rule {
	char *file;
	int line;
	char *id, *title, *subsystem, *message, *explanation;
	int message_line;
	enum rv_severity severity;
	struct rv_rule_text condition;
	struct rv_rule_text related;	// text NULL when absent
	struct rv_rule_evidence *evidence;
	size_t nevidence;
	jv remedies, references, fires, quiet;
	/** `parameters`: {name: {default, description}}; the values in use
	 *  (defaults, then rv_ruleset_set_param()) are $params. */
	jv parameters, params;
	/** The compiled program, shared by the rules loaded together
	 *  (rules_compile.c, compile_batch()); this rule's parts are numbers
	 *  @c index + RV_PART_* in it. */
	struct rv_program *prog;
	int index;
	/** @c prog holds the condition only (at @c index): the rule's whole
	 *  program is known to compile (rules_cache.c), so related and
	 *  evidence wait until the rule matches (rv_rules_complete()). */
	bool partial;
};

/** One jq program for several rules: input [$facts, $match, $params,
 *  part] runs that part of one rule (rules_compile.c, generate()). */
struct rv_program {
	jq_state *jq;
	unsigned int refs;
};

struct rv_ruleset {
	struct rv_rule **rules;
	size_t n, cap;
	jv problems;
	jv dirs;
};

/** One rule file being parsed. */
struct loader {
	struct rv_ruleset *rs;
	const char *file;
	yaml_document_t doc;
	const char *id;		// for messages, once known
	int nproblems;
};

/** A rule file read and checked, waiting for its batch to compile. */
struct staged {
	char *file;
	struct rv_rule *r;	// NULL when the file gave no rule
	jv problems;		// the file's problems, in the order found
	int nproblems;		// as counted by its loader (for the cap)
	bool keep;		// no problem before compiling
	char *program;		// the rule's whole program alone (cache key)
};

/** Drop a reference to @p prog (NULL is fine). */
void rv_program_unref(struct rv_program *prog);
/**
 * Compile rules @p idx[0..n) of @p st, in programs of about
 * program_bytes() of jq text (rules_compile.c); each rule's problems go to
 * its st->problems, each rule that compiled gets its prog.
 */
void rv_rules_compile(struct rv_ruleset *rs, struct staged *st, const size_t *idx, size_t n);

/** The parts of a rule's program, from its index: the condition (paths
 *  over $facts), `related` (paths over $facts), evidence i (over $match)
 *  at RV_PART_EVIDENCE + i. */
enum { RV_PART_CONDITION, RV_PART_RELATED, RV_PART_EVIDENCE };

/** Record a problem. @p rule may be NULL. */
void rv_rules_problem(struct rv_ruleset *rs, const char *file, int line,
		      int column, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/**
 * Expand the {name} placeholders of @p tmpl with @p evidence (an object,
 * not consumed). With a NULL @p evidence, only check the template against
 * the rule's evidence names; returns NULL and sets @p *bad to a message
 * (malloc'd) on a bad template.
 */
char *rv_rules_expand(const struct rv_rule *r, const char *tmpl,
		      jv evidence, char **bad);

/**
 * Compile the whole programs of the partial rules @p rules[0..n) (a few
 * programs, as at load) so that their related and evidence parts can run.
 * @p problems[i] gets rule i's compile problems (a jv array, empty when it
 * compiled; then the rule is no longer partial, else it stays as it was).
 */
void rv_rules_complete(struct rv_rule *const *rules, size_t n, jv *problems);

/** Rule @p r's whole program as it compiles alone (malloc'd; NULL out of memory). */
char *rv_rules_program(struct rv_rule *r);
/** Is @p program (one rule's whole program) known to compile? */
bool rv_rules_cache_known(const char *program);
/** Remember that @p program compiled (best effort). */
void rv_rules_cache_note(const char *program);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
// The rule engine, compiling side: the rules' jq texts become jq programs
// of a few rules each, compiled with libjq.
//
// What a compile costs with jq 1.6 (docs/performance.md): ~19 ms for its
// builtin library on every jq_compile, then ~3.5 ms per KB of rule text,
// because each of its ~240 builtins walks the whole program, in the bind
// and in up to six passes that drop the unused ones (builtins_bind(),
// block_drop_unreferenced()); jq 1.8 (build/deps/jq, the Makefile) drops
// them in the bind and skips the parts of the program with nothing left
// to bind (block_bind_referenced()): about a third of the time. So the
// rules of one load are compiled
// together, in programs of about program_bytes(); a program takes
// [$facts, $match, $params, part] as input, binding the variables at run
// time and running that part of one rule (generate()). When a program does
// not compile, its batch is split in halves until the rules at fault are
// alone; each of those is compiled by itself so its errors name its file
// and line (compile_batch()). A partial rule (rules_priv.h) compiles its
// condition only, the rest when it matches (rv_rules_complete()).

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "rules_priv.h"

void rv_program_unref(struct rv_program *prog)
{
	if (prog && !--prog->refs) {
		jq_teardown(&prog->jq);
		free(prog);
	}
}

// ---- the jq program ----

/** Where one jq text sits in the generated program. */
struct section {
	const char *what;	// "condition", "related", evidence name
	int prog_line;		// first line of the text in the program
	int file_line;		// ... and in the rule file
	int nlines;		// lines of the text
};

struct program {
	FILE *f;
	char *text;
	size_t len;
	int line;		// current line (1-based)
	struct section *sections;
	size_t nsections;
};

static void emit(struct program *p, const char *s)
{
	fputs(s, p->f);
	for (; *s; s++)
		p->line += *s == '\n';
}

static void emit_text(struct program *p, const char *what, const struct rv_rule_text *t)
{
	int nlines = 1;
	for (const char *c = t->text; *c; c++)
		nlines += *c == '\n' && c[1];
	p->sections[p->nsections++] = (struct section){ what, p->line, t->line, nlines };
	emit(p, t->text);
	emit(p, "\n");
}

/** Where rule @p r's part @p part comes from: its text, NULL for none. */
static const struct rv_rule_text *part_text(const struct rv_rule *r, size_t part,
					    const char **what)
{
	if (part == RV_PART_CONDITION) {
		*what = "condition";
		return &r->condition;
	}
	if (part == RV_PART_RELATED) {
		*what = "related";
		return r->related.text ? &r->related : NULL;
	}
	*what = r->evidence[part - RV_PART_EVIDENCE].name;
	return &r->evidence[part - RV_PART_EVIDENCE].expr;
}

static size_t nparts(const struct rv_rule *r)
{
	return r->partial ? 1 : RV_PART_EVIDENCE + r->nevidence;
}

/** One part: its text, over $facts (condition, related) or $match (evidence). */
static void generate_part(struct program *p, const struct rv_rule *r, size_t part)
{
	const char *what;
	const struct rv_rule_text *t = part_text(r, part, &what);
	if (!t) {
		emit(p, "empty");
		return;
	}
	emit(p, part >= RV_PART_EVIDENCE ? "($match | (\n" : "($facts | path(\n");
	emit_text(p, what, t);
	emit(p, "))");
}

/**
 * Choose part [lo, hi) by $__rv_part: a balanced tree of ifs over every
 * part of every rule, numbered in order (rule k's first part is
 * rules[k]->index). No defs and no try or limit around the texts: jq 1.6
 * binds each def by walking the rest of the program and compiles try and
 * limit in object constructions slowly, so either made a catalogue of
 * hundreds of rules compile in quadratic time. The caller caps outputs
 * and catches errors (rules_eval.c, run()).
 */
static void generate_tree(struct program *p, struct rv_rule *const *rules,
			  const size_t *first, size_t n, size_t lo, size_t hi)
{
	char buf[64];
	if (hi - lo == 1) {
		// The rule holding part lo: the last whose first part is <= lo.
		size_t a = 0, b = n;
		while (b - a > 1) {
			size_t m = a + (b - a) / 2;
			if (first[m] <= lo)
				a = m;
			else
				b = m;
		}
		generate_part(p, rules[a], lo - first[a]);
		return;
	}
	size_t mid = lo + (hi - lo) / 2;
	snprintf(buf, sizeof(buf), "(if $__rv_part < %zu then\n", mid);
	emit(p, buf);
	generate_tree(p, rules, first, n, lo, mid);
	emit(p, "\nelse\n");
	generate_tree(p, rules, first, n, mid, hi);
	emit(p, "\nend)");
}

/**
 * Helpers every rule expression may use (docs/rules.md, "Helpers for long
 * lists"): natural order, id ranges, singulars. Five defs at the top of the
 * one program: jq walks the program once per def (linear, not per rule).
 */
static const char rv_rules_prelude[] =
	// "virtio10" -> ["virtio", 10]: sorts virtio2 before virtio10
	"def rv_natural_key: [scan(\"[0-9]+|[^0-9]+\")"
	" | if test(\"^[0-9]\") then tonumber else . end];\n"
	"def rv_natsort: sort_by(rv_natural_key);\n"
	// [1,2,3,5] -> "1-3,5"
	"def rv_ranges: unique | reduce .[] as $n ([];"
	" if length > 0 and .[-1][1] == $n - 1 then .[-1][1] = $n else . + [[$n, $n]] end)"
	" | map(if .[0] == .[1] then \"\\(.[0])\" else \"\\(.[0])-\\(.[1])\" end)"
	" | join(\",\");\n"
	// ["virtio180-virtqueues", "virtio181-virtqueues"] -> ["virtio[180-181]-virtqueues"]
	"def rv_hostlist: map((capture(\"^(?<p>.*?)(?<n>[0-9]+)(?<s>[^0-9]*)$\")"
	" | .n |= tonumber) // {p: ., n: null, s: \"\"})"
	" | group_by([.p, .s, (.n == null)])"
	" | map(if .[0].n == null then .[0].p"
	" elif (map(.n) | unique | length) == 1 then \"\\(.[0].p)\\(.[0].n)\\(.[0].s)\""
	" else \"\\(.[0].p)[\\(map(.n) | rv_ranges)]\\(.[0].s)\" end)"
	" | rv_natsort;\n"
	// 1 | rv_count("irq") -> "1 irq"; 2 -> "2 irqs"
	"def rv_count($word): \"\\(.) \\($word)\\(if . == 1 then \"\" else \"s\" end)\";\n";

/**
 * Generate the program of rules @p rules[0..n) and set each rule's index
 * (its first part). Its input is [$facts, $match, $params, part]:
 *   condition: the paths of the condition's outputs over $facts;
 *   related:   the paths of `related`'s outputs over $facts (for $match);
 *   evidence i: the outputs of evidence i over $match.
 * Every user text starts on a line of its own so jq's line numbers map
 * back to the rule file (sections, used when @p n is 1).
 */
static bool generate(struct rv_rule *const *rules, size_t n, struct program *p)
{
	size_t total = 0;
	size_t *first = calloc(n ? n : 1, sizeof(*first));
	for (size_t i = 0; first && i < n; i++) {
		first[i] = total;
		total += nparts(rules[i]);
	}
	p->sections = calloc(total ? total : 1, sizeof(*p->sections));
	p->f = open_memstream(&p->text, &p->len);
	if (!first || !p->sections || !p->f) {
		free(first);
		return false;
	}
	for (size_t i = 0; i < n; i++)
		rules[i]->index = (int)first[i];
	p->line = 1;
	emit(p, ".[0] as $facts | .[1] as $match | .[2] as $params | .[3] as $__rv_part |\n");
	emit(p, rv_rules_prelude);
	generate_tree(p, rules, first, n, 0, total);
	emit(p, "\n");
	free(first);
	if (fclose(p->f))
		return false;
	p->f = NULL;
	return true;
}

struct compile_ctx {
	struct loader *l;
	const struct program *p;
};

/** Map jq's "line N" of the generated program to the rule file. */
static const struct section *section_of(const struct program *p, int line)
{
	const struct section *best = NULL;
	for (size_t i = 0; i < p->nsections; i++)
		if (p->sections[i].prog_line <= line)
			best = &p->sections[i];
	return best;
}

static void compile_error_cb(void *data, jv msg)
{
	struct compile_ctx *c = data;
	jv s = jq_format_error(msg);
	const char *text = jv_get_kind(s) == JV_KIND_STRING ? jv_string_value(s) : "?";
	int n;
	if (sscanf(text, "jq: %d compile error", &n) == 1) {
		jv_free(s);	// the summary line
		return;
	}
	if (!strncmp(text, "jq: error: ", 11))
		text += 11;
	char *copy = strdup(text);
	if (!copy) {
		jv_free(s);
		return;
	}
	int line = 0;
	char *at = strstr(copy, " at <top-level>, line ");
	if (at) {
		line = atoi(at + strlen(" at <top-level>, line "));
		*at = '\0';
	}
	char *shell = strstr(copy, " (Unix shell quoting issues?)");
	if (shell)
		memmove(shell, shell + 29, strlen(shell + 29) + 1);
	const struct section *sec = line ? section_of(c->p, line) : NULL;
	if (sec) {
		// An error found after the text (an unclosed parenthesis noticed
		// at the end) is reported on the text's last line.
		int rel = line - sec->prog_line;
		if (rel >= sec->nlines)
			rel = sec->nlines - 1;
		rv_rules_problem(c->l->rs, c->l->file, sec->file_line + rel, 0,
				 c->l->id, "%s%s: jq: %s",
				 strcmp(sec->what, "condition") && strcmp(sec->what, "related") ?
				 "evidence " : "", sec->what, copy);
	} else {
		rv_rules_problem(c->l->rs, c->l->file, 0, 0, c->l->id, "jq: %s", copy);
	}
	c->l->nproblems++;
	free(copy);
	jv_free(s);
}

static void drop_debug_cb(void *data, jv msg)
{
	jv_free(msg);
}

/** Compile @p text; problems are mapped through @p p. */
static bool compile_text(struct loader *l, jq_state *jq, const struct program *p,
			 const char *text)
{
	struct compile_ctx c = { l, p };
	jq_set_error_cb(jq, compile_error_cb, &c);
	jq_set_debug_cb(jq, drop_debug_cb, NULL);
	int before = l->nproblems;
	bool ok = jq_compile_args(jq, text, jv_object());
	jq_set_error_cb(jq, NULL, NULL);
	if (!ok && l->nproblems == before) {
		rv_rules_problem(l->rs, l->file, 0, 0, l->id, "jq could not compile the rule");
		l->nproblems++;
	}
	return ok;
}

/**
 * Compile one section alone, to place a syntax error: in the whole
 * program an unbalanced parenthesis is only noticed sections later.
 */
static bool compile_section(struct loader *l, const char *what, const struct rv_rule_text *t)
{
	struct program p = { 0 };
	p.sections = calloc(1, sizeof(*p.sections));
	p.f = open_memstream(&p.text, &p.len);
	bool ok = false;
	if (p.sections && p.f) {
		p.line = 1;
		emit(&p, ".[0] as $facts | .[1] as $match | .[2] as $params | (\n");
		emit_text(&p, what, t);
		emit(&p, ")\n");
		fclose(p.f);
		p.f = NULL;
		jq_state *jq = jq_init();
		if (jq) {
			ok = compile_text(l, jq, &p, p.text);
			jq_teardown(&jq);
		}
	} else if (p.f) {
		fclose(p.f);
	}
	free(p.text);
	free(p.sections);
	return ok;
}

/** Compile @p p, or NULL (errors to @p l; a batch's are dropped when @p l is NULL). */
static struct rv_program *compile_program(struct loader *l, const struct program *p)
{
	struct rv_program *prog = calloc(1, sizeof(*prog));
	if (prog)
		prog->jq = jq_init();
	if (!prog || !prog->jq) {
		free(prog);
		if (l) {
			rv_rules_problem(l->rs, l->file, 0, 0, l->id, "jq_init failed");
			l->nproblems++;
		}
		return NULL;
	}
	bool ok;
	if (l) {
		ok = compile_text(l, prog->jq, p, p->text);
	} else {
		// A batch: its errors are found again rule by rule.
		jq_set_error_cb(prog->jq, drop_debug_cb, NULL);
		ok = jq_compile_args(prog->jq, p->text, jv_object());
		jq_set_error_cb(prog->jq, NULL, NULL);
	}
	if (!ok) {
		jq_teardown(&prog->jq);
		free(prog);
		return NULL;
	}
	return prog;
}

/** Compile one rule by itself, its errors placed in its file. */
static bool compile_rule(struct loader *l, struct rv_rule *r)
{
	struct program p = { 0 };
	bool ok = generate(&r, 1, &p);
	if (!ok) {
		if (p.f)
			fclose(p.f);
		rv_rules_problem(l->rs, l->file, 0, 0, r->id, "out of memory");
		l->nproblems++;
		goto out;
	}
	int nproblems = l->nproblems;
	int njv = jv_array_length(jv_copy(l->rs->problems));
	r->prog = compile_program(l, &p);
	if (r->prog) {
		r->prog->refs = 1;
		goto out;
	}
	ok = false;
	if (l->nproblems == nproblems)
		goto out;	// jq_init failed
	// Place the errors: compile each text alone. If none fails alone
	// (an error only in how they combine), keep the first report.
	jv whole = jv_array_slice(jv_copy(l->rs->problems), njv,
				  jv_array_length(jv_copy(l->rs->problems)));
	l->rs->problems = jv_array_slice(l->rs->problems, 0, njv);
	l->nproblems = nproblems;
	compile_section(l, "condition", &r->condition);
	if (r->related.text)
		compile_section(l, "related", &r->related);
	for (size_t i = 0; i < r->nevidence; i++)
		compile_section(l, r->evidence[i].name, &r->evidence[i].expr);
	if (l->nproblems == nproblems) {
		l->rs->problems = jv_array_concat(l->rs->problems, whole);
		l->nproblems += 1;
	} else {
		jv_free(whole);
	}
out:
	free(p.text);
	free(p.sections);
	return ok;
}

/**
 * How much jq text one compiled program holds. Every compile costs the
 * builtins' ~19 ms, then time linear in the program's size as long as the
 * program's instructions fit the caches, and much more past that: the
 * builtins' walks over 165 KB of text (90 rules in one program) cost five
 * times more per instruction than over 80 KB, and 500 cold rules took
 * 19 s in programs of 48 KB against 7.3 s in programs of 12 or 24 KB (on
 * a machine shared with other work). jq 1.6 also refuses a program whose
 * main function passes 64 KB of bytecode (about 160 KB of rule text).
 * docs/performance.md has the measurements. RAIDVIRT_RULES_PROGRAM_BYTES
 * overrides, for measuring.
 */
#define PROGRAM_BYTES_DEFAULT 24000
static size_t program_bytes(void)
{
	const char *env = getenv("RAIDVIRT_RULES_PROGRAM_BYTES");
	long n = env ? atol(env) : 0;
	return n > 0 ? (size_t)n : PROGRAM_BYTES_DEFAULT;
}

/** The jq text of rule @p r (the parts it compiles). */
static size_t rule_bytes(const struct rv_rule *r)
{
	size_t n = strlen(r->condition.text);
	if (r->partial)
		return n;
	n += r->related.text ? strlen(r->related.text) : 0;
	for (size_t i = 0; i < r->nevidence; i++)
		n += strlen(r->evidence[i].expr.text);
	return n;
}


/** Compile rules @p idx[0..n) of @p st: all in one program if they compile. */
static void compile_batch(struct rv_ruleset *rs, struct staged *st, const size_t *idx, size_t n)
{
	if (!n)
		return;
	if (n == 1) {
		struct staged *s = &st[idx[0]];
		struct loader l = { .rs = rs, .file = s->file, .id = s->r->id,
				    .nproblems = s->nproblems };
		jv saved = rs->problems;
		rs->problems = s->problems;
		compile_rule(&l, s->r);
		s->problems = rs->problems;
		rs->problems = saved;
		s->nproblems = l.nproblems;
		return;
	}
	struct rv_rule **rules = calloc(n, sizeof(*rules));
	struct rv_program *prog = NULL;
	struct program p = { 0 };
	if (rules) {
		for (size_t i = 0; i < n; i++)
			rules[i] = st[idx[i]].r;
		if (generate(rules, n, &p))
			prog = compile_program(NULL, &p);
		else if (p.f)
			fclose(p.f);
	}
	free(p.text);
	free(p.sections);
	if (prog) {
		for (size_t i = 0; i < n; i++)
			rules[i]->prog = prog;
		prog->refs = (unsigned int)n;
		free(rules);
		return;
	}
	free(rules);
	compile_batch(rs, st, idx, n / 2);
	compile_batch(rs, st, idx + n / 2, n - n / 2);
}

void rv_rules_compile(struct rv_ruleset *rs, struct staged *st, const size_t *idx, size_t k)
{
	size_t budget = program_bytes();
	for (size_t i = 0, j; i < k; i = j) {
		size_t bytes = 0;
		for (j = i; j < k && (j == i || bytes + rule_bytes(st[idx[j]].r) <= budget); j++)
			bytes += rule_bytes(st[idx[j]].r);
		compile_batch(rs, st, idx + i, j - i);
	}
}

char *rv_rules_program(struct rv_rule *r)
{
	struct program p = { 0 };
	bool partial = r->partial;
	r->partial = false;
	bool ok = generate(&r, 1, &p);
	r->partial = partial;
	if (!ok && p.f)
		fclose(p.f);
	free(p.sections);
	if (!ok) {
		free(p.text);
		return NULL;
	}
	return p.text;
}

void rv_rules_complete(struct rv_rule *const *rules, size_t n, jv *problems)
{
	struct rv_ruleset *rs = rv_ruleset_create();
	struct staged *st = calloc(n ? n : 1, sizeof(*st));
	size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	struct rv_program **old = calloc(n ? n : 1, sizeof(*old));
	for (size_t i = 0; i < n; i++) {
		struct rv_rule *r = rules[i];
		if (!rs || !st || !idx || !old) {
			problems[i] = jv_array_append(jv_array(), rv_jv_set(rv_jv_set(
				jv_object(), "line", jv_number(r->line)), "message",
				jv_string("out of memory")));
			continue;
		}
		st[i] = (struct staged){ .file = r->file, .r = r, .problems = jv_array() };
		idx[i] = i;
		old[i] = r->prog;
		r->prog = NULL;
		r->partial = false;
	}
	if (rs && st && idx && old) {
		rv_rules_compile(rs, st, idx, n);
		for (size_t i = 0; i < n; i++) {
			struct rv_rule *r = rules[i];
			if (r->prog) {
				rv_program_unref(old[i]);
				jv_free(st[i].problems);
				problems[i] = jv_array();
				continue;
			}
			r->prog = old[i];
			r->partial = true;
			problems[i] = st[i].problems;
			if (!jv_array_length(jv_copy(problems[i])))
				problems[i] = jv_array_append(problems[i], rv_jv_set(rv_jv_set(
					jv_object(), "line", jv_number(r->line)), "message",
					jv_string("jq could not compile the rule")));
		}
	}
	rv_ruleset_destroy(rs);
	free(st);
	free(idx);
	free(old);
}

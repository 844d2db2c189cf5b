// SPDX-License-Identifier: GPL-2.0-or-later
// The rule engine, loading side: rule files (YAML, libyaml) are parsed and
// checked field by field with file:line messages; the rules of one load (a
// directory, or one file) are then compiled together (commit_staged(),
// rules_compile.c), a rule whose whole program is known to compile
// (rules_cache.c) with its condition only. Rule sets, where the rules are,
// parameters. Evaluation is in rules_eval.c.

#include <ctype.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <link.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "facts.h"
#include "rules_priv.h"
#include "rv_file.h"

// ---- severities ----

static const char *const severity_names[] = {
	[RV_SEV_INFO] = "info",
	[RV_SEV_WARNING] = "warning",
	[RV_SEV_ERROR] = "error",
	[RV_SEV_CRITICAL] = "critical",
};

const char *rv_severity_name(enum rv_severity sev)
{
	if ((unsigned int)sev < sizeof(severity_names) / sizeof(severity_names[0]))
		return severity_names[sev];
	return "?";
}

bool rv_severity_parse(const char *s, enum rv_severity *ret)
{
	for (size_t i = 0; s && i < sizeof(severity_names) / sizeof(severity_names[0]); i++) {
		if (!strcmp(s, severity_names[i])) {
			*ret = (enum rv_severity)i;
			return true;
		}
	}
	return false;
}

static const char *const subsystems[] = { "md", "irq", "blk", "virtio", "dump" };

// ---- rule sets ----

struct rv_ruleset *rv_ruleset_create(void)
{
	struct rv_ruleset *rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->problems = jv_array();
	rs->dirs = jv_array();
	return rs;
}

static void rule_destroy(struct rv_rule *r)
{
	if (!r)
		return;
	free(r->file);
	free(r->id);
	free(r->title);
	free(r->subsystem);
	free(r->message);
	free(r->explanation);
	free(r->condition.text);
	free(r->related.text);
	for (size_t i = 0; i < r->nevidence; i++) {
		free(r->evidence[i].name);
		free(r->evidence[i].expr.text);
	}
	free(r->evidence);
	jv_free(r->remedies);
	jv_free(r->references);
	jv_free(r->fires);
	jv_free(r->quiet);
	jv_free(r->parameters);
	jv_free(r->params);
	rv_program_unref(r->prog);
	free(r);
}

void rv_ruleset_destroy(struct rv_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n; i++)
		rule_destroy(rs->rules[i]);
	free(rs->rules);
	jv_free(rs->problems);
	jv_free(rs->dirs);
	free(rs);
}

size_t rv_ruleset_count(const struct rv_ruleset *rs)
{
	return rs->n;
}

jv rv_ruleset_problems(const struct rv_ruleset *rs)
{
	return jv_copy(rs->problems);
}

jv rv_ruleset_dirs(const struct rv_ruleset *rs)
{
	return jv_copy(rs->dirs);
}

void rv_rules_problem(struct rv_ruleset *rs, const char *file, int line,
		      int column, const char *rule, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	jv p = jv_object();
	p = jv_object_set(p, jv_string("file"), file ? jv_string(file) : jv_null());
	p = jv_object_set(p, jv_string("line"), jv_number(line));
	p = jv_object_set(p, jv_string("column"), jv_number(column));
	p = jv_object_set(p, jv_string("rule"), rule ? jv_string(rule) : jv_null());
	p = jv_object_set(p, jv_string("message"),
			  jv_string(msg ? msg : "out of memory"));
	free(msg);
	rs->problems = jv_array_append(rs->problems, p);
}

jv rv_rules_problem_string(jv p)
{
	const char *file = rv_jv_str(p, "file");
	const char *rule = rv_jv_str(p, "rule");
	const char *msg = rv_jv_str(p, "message");
	int line = (int)rv_jv_num(p, "line", 0);
	int col = (int)rv_jv_num(p, "column", 0);
	char where[64] = "";
	if (line > 0 && col > 0)
		snprintf(where, sizeof(where), ":%d:%d", line, col);
	else if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	jv s = jv_string_fmt("%s%s: %s%s%s%s", file ? file : "(rules)", where,
			     rule ? "rule " : "", rule ? rule : "", rule ? ": " : "",
			     msg ? msg : "?");
	jv_free(p);
	return s;
}

// ---- YAML helpers ----


// A hostile rule file must not flood the output: past this many problems
// in one file the rest are counted and summarised in one line.
#define RULE_FILE_MAX_PROBLEMS 20
// libyaml's scanner keeps a possible simple key per open flow collection
// and rechecks them all on every token: 100k nested '[' take minutes. Real
// rules nest a few levels; jq filters inside plain scalars add brackets but
// nowhere near this many.
#define RULE_FILE_MAX_NESTING 64

__attribute__((format(printf, 3, 4)))
static void bad(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (l->nproblems < RULE_FILE_MAX_PROBLEMS)
		rv_rules_problem(l->rs, l->file, n ? (int)n->start_mark.line + 1 : 0,
				 n ? (int)n->start_mark.column + 1 : 0, l->id, "%s",
				 msg ? msg : "out of memory");
	free(msg);
	l->nproblems++;
}

static yaml_node_t *node(struct loader *l, int idx)
{
	return yaml_document_get_node(&l->doc, idx);
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return "a string";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a map";
	default:
		return "nothing";
	}
}

/** The scalar's text, or NULL (with a problem) if @p n is not a scalar. */
static const char *scalar(struct loader *l, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE) {
		bad(l, n, "%s must be a string, not %s", what, node_kind(n));
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

/** A non-empty string, copied; NULL with a problem otherwise. */
static char *text_field(struct loader *l, const yaml_node_t *n, const char *what)
{
	const char *s = scalar(l, n, what);
	if (!s)
		return NULL;
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p) {
		bad(l, n, "%s is empty", what);
		return NULL;
	}
	return strdup(s);
}

/**
 * A jq program text: the line its text starts on. A block scalar (| or >)
 * starts on the line after its indicator; with | (literal), line N of the
 * program is line N of the text, so jq's "line N" maps back to the file.
 */
static bool program_field(struct loader *l, const yaml_node_t *n, const char *what,
			  struct rv_rule_text *ret)
{
	ret->text = text_field(l, n, what);
	if (!ret->text)
		return false;
	ret->line = (int)n->start_mark.line + 1;
	if (n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
		ret->line++;
	return true;
}

/** A list of non-empty strings as a jv array; jv_invalid() on a problem. */
static jv string_list(struct loader *l, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		bad(l, n, "%s must be a list, not %s", what, node_kind(n));
		return jv_invalid();
	}
	jv list = jv_array();
	bool ok = true;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		char *s = text_field(l, node(l, *it), what);
		if (!s) {
			ok = false;
			continue;
		}
		list = jv_array_append(list, jv_string(s));
		free(s);
	}
	if (ok && jv_array_length(jv_copy(list)) == 0) {
		bad(l, n, "%s is an empty list", what);
		ok = false;
	}
	if (!ok) {
		jv_free(list);
		return jv_invalid();
	}
	return list;
}

static bool is_ident(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return false;
	return true;
}

static bool is_rule_id(const char *s)
{
	if (!s || !*s || !islower((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
			return false;
	return true;
}

// ---- fields ----

static bool parse_severity(struct loader *l, struct rv_rule *r, const yaml_node_t *n)
{
	const char *s = scalar(l, n, "severity");
	if (s && rv_severity_parse(s, &r->severity))
		return true;
	if (s)
		bad(l, n, "bad severity '%s' (info, warning, error or critical)", s);
	return false;
}

static bool parse_subsystem(struct loader *l, struct rv_rule *r, const yaml_node_t *n)
{
	const char *s = scalar(l, n, "subsystem");
	if (!s)
		return false;
	for (size_t i = 0; i < sizeof(subsystems) / sizeof(subsystems[0]); i++) {
		if (!strcmp(s, subsystems[i])) {
			r->subsystem = strdup(s);
			return r->subsystem != NULL;
		}
	}
	bad(l, n, "bad subsystem '%s' (md, irq, blk, virtio or dump)", s);
	return false;
}

/** A YAML scalar as JSON when it parses as a number or boolean, else a string. */
static jv scalar_value(const char *s)
{
	jv v = jv_parse(s);
	if (jv_is_valid(v) && (jv_get_kind(v) == JV_KIND_NUMBER ||
			       jv_get_kind(v) == JV_KIND_TRUE ||
			       jv_get_kind(v) == JV_KIND_FALSE))
		return v;
	jv_free(v);
	return jv_string(s);
}

/**
 * parameters: {NAME: {default: SCALAR, description: TEXT}}: values the
 * programs read as $params.NAME, which a user may change
 * (rv_ruleset_set_param()) without editing the rule.
 */
static bool parse_parameters(struct loader *l, struct rv_rule *r, const yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		bad(l, n, "parameters must be a map of name: {default, description}, not %s",
		    node_kind(n));
		return false;
	}
	jv_free(r->parameters);
	jv_free(r->params);
	r->parameters = jv_object();
	r->params = jv_object();
	bool ok = true;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *name = scalar(l, k, "a parameter name");
		if (!name || !is_ident(name)) {
			if (name)
				bad(l, k, "parameter name '%s' is not an identifier", name);
			ok = false;
			continue;
		}
		if (v->type != YAML_MAPPING_NODE) {
			bad(l, v, "parameter '%s' must be a map {default, description}", name);
			ok = false;
			continue;
		}
		jv dflt = jv_invalid(), desc = jv_invalid();
		for (yaml_node_pair_t *q = v->data.mapping.pairs.start;
		     q < v->data.mapping.pairs.top; q++) {
			yaml_node_t *qk = node(l, q->key), *qv = node(l, q->value);
			const char *key = scalar(l, qk, "a key");
			const char *val = key ? scalar(l, qv, key) : NULL;
			if (!key || !val)
				continue;
			if (!strcmp(key, "default")) {
				jv_free(dflt);
				dflt = scalar_value(val);
			} else if (!strcmp(key, "description")) {
				jv_free(desc);
				desc = jv_string(val);
			} else {
				bad(l, qk, "parameter '%s': unknown key '%s' (default, description)",
				    name, key);
				ok = false;
			}
		}
		if (!jv_is_valid(dflt) || !jv_is_valid(desc)) {
			bad(l, v, "parameter '%s' needs a default and a description", name);
			jv_free(dflt);
			jv_free(desc);
			ok = false;
			continue;
		}
		jv info = jv_object_set(jv_object(), jv_string("default"), jv_copy(dflt));
		info = jv_object_set(info, jv_string("description"), desc);
		r->parameters = jv_object_set(r->parameters, jv_string(name), info);
		r->params = jv_object_set(r->params, jv_string(name), dflt);
	}
	return ok;
}

/** Every $params.NAME in @p text must be a declared parameter. */
static void check_param_uses(struct loader *l, struct rv_rule *r, const struct rv_rule_text *t)
{
	if (!t->text)
		return;
	for (const char *s = strstr(t->text, "$params"); s; s = strstr(s + 1, "$params")) {
		int line = t->line;
		for (const char *c = t->text; c < s; c++)
			line += *c == '\n';
		if (s[7] != '.') {
			rv_rules_problem(l->rs, l->file, line, 0, l->id,
					 "use parameters as $params.NAME");
			l->nproblems++;
			continue;
		}
		char name[64];
		size_t n = 0;
		for (const char *c = s + 8; n + 1 < sizeof(name) &&
		     (isalnum((unsigned char)*c) || *c == '_'); c++)
			name[n++] = *c;
		name[n] = '\0';
		jv has = jv_is_valid(r->parameters) ?
			 jv_object_get(jv_copy(r->parameters), jv_string(name)) : jv_invalid();
		if (!jv_is_valid(has)) {
			rv_rules_problem(l->rs, l->file, line, 0, l->id,
					 "$params.%s is not declared under parameters", name);
			l->nproblems++;
		}
		jv_free(has);
	}
}

static bool parse_evidence(struct loader *l, struct rv_rule *r, const yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		bad(l, n, "evidence must be a map of name: jq program, not %s", node_kind(n));
		return false;
	}
	size_t count = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
	r->evidence = calloc(count ? count : 1, sizeof(*r->evidence));
	if (!r->evidence)
		return false;
	bool ok = true;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *name = scalar(l, k, "an evidence name");
		if (!name) {
			ok = false;
			continue;
		}
		if (!is_ident(name)) {
			bad(l, k, "evidence name '%s' is not an identifier ([A-Za-z_][A-Za-z0-9_]*)",
			    name);
			ok = false;
			continue;
		}
		bool dup = false;
		for (size_t i = 0; i < r->nevidence; i++)
			dup = dup || !strcmp(r->evidence[i].name, name);
		if (dup) {
			bad(l, k, "evidence '%s' is defined twice", name);
			ok = false;
			continue;
		}
		struct rv_rule_evidence *e = &r->evidence[r->nevidence];
		char what[128];
		snprintf(what, sizeof(what), "evidence '%s'", name);
		if (!program_field(l, v, what, &e->expr)) {
			ok = false;
			continue;
		}
		e->name = strdup(name);
		r->nevidence++;
	}
	return ok;
}

static bool is_commit(const char *s)
{
	size_t n = strlen(s);
	if (n < 7 || n > 40)
		return false;
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s) || isupper((unsigned char)*s))
			return false;
	return true;
}

static jv parse_reference(struct loader *l, const yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		bad(l, n, "a reference must be a map {title, url or commit}, not %s",
		    node_kind(n));
		return jv_invalid();
	}
	jv ref = jv_object();
	bool ok = true;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *key = scalar(l, k, "a reference key");
		if (!key) {
			ok = false;
			continue;
		}
		if (strcmp(key, "title") && strcmp(key, "url") && strcmp(key, "commit")) {
			bad(l, k, "unknown reference key '%s' (title, url, commit)", key);
			ok = false;
			continue;
		}
		jv had = jv_object_get(jv_copy(ref), jv_string(key));
		bool dup = jv_is_valid(had);
		jv_free(had);
		if (dup) {
			bad(l, k, "reference key '%s' given twice", key);
			ok = false;
			continue;
		}
		char *s = text_field(l, v, key);
		if (!s) {
			ok = false;
			continue;
		}
		if (!strcmp(key, "url") && strncmp(s, "https://", 8) && strncmp(s, "http://", 7)) {
			bad(l, v, "url '%s' is not an http(s) URL", s);
			ok = false;
		} else if (!strcmp(key, "commit") && !is_commit(s)) {
			bad(l, v, "commit '%s' is not an abbreviated commit id (7-40 lowercase hex digits)",
			    s);
			ok = false;
		}
		ref = jv_object_set(ref, jv_string(key), jv_string(s));
		free(s);
	}
	jv title = jv_object_get(jv_copy(ref), jv_string("title"));
	jv url = jv_object_get(jv_copy(ref), jv_string("url"));
	jv commit = jv_object_get(jv_copy(ref), jv_string("commit"));
	if (ok && !jv_is_valid(title)) {
		bad(l, n, "a reference needs a title");
		ok = false;
	}
	if (ok && jv_is_valid(url) == jv_is_valid(commit)) {
		bad(l, n, "a reference needs exactly one of url and commit");
		ok = false;
	}
	jv_free(title);
	jv_free(url);
	jv_free(commit);
	if (!ok) {
		jv_free(ref);
		return jv_invalid();
	}
	return ref;
}

static jv parse_references(struct loader *l, const yaml_node_t *n)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		bad(l, n, "references must be a list, not %s", node_kind(n));
		return jv_invalid();
	}
	jv list = jv_array();
	bool ok = true;
	for (yaml_node_item_t *it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++) {
		jv ref = parse_reference(l, node(l, *it));
		if (jv_is_valid(ref))
			list = jv_array_append(list, ref);
		else
			ok = false;
	}
	if (ok && jv_array_length(jv_copy(list)) == 0) {
		bad(l, n, "references is an empty list: cite at least one commit or article");
		ok = false;
	}
	if (!ok) {
		jv_free(list);
		return jv_invalid();
	}
	return list;
}

/**
 * A test dump name: a rig scenario ("raid1-frozen"), a scenario on a rig
 * kernel ("raid1-frozen@debian13-cloud"), "fixture:NAME" (facts document)
 * or "vmcore:NAME" (synthetic vmcore of tests/fixtures/NAME.c).
 */
static bool is_dump_name(const char *s)
{
	bool rig = true;
	if (!strncmp(s, "fixture:", 8)) {
		s += 8;
		rig = false;
	} else if (!strncmp(s, "vmcore:", 7)) {
		s += 7;
		rig = false;
	}
	const char *at = rig ? strchr(s, '@') : NULL;
	if (!*s || at == s || (at && (!at[1] || strchr(at + 1, '@'))))
		return false;
	for (; *s; s++)
		if (!(isalnum((unsigned char)*s) || strchr("-_.", *s) || s == at))
			return false;
	return true;
}

static bool parse_tests(struct loader *l, struct rv_rule *r, const yaml_node_t *n)
{
	if (n->type != YAML_MAPPING_NODE) {
		bad(l, n, "tests must be a map {fires: [...], quiet: [...]}, not %s", node_kind(n));
		return false;
	}
	bool ok = true;
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start;
	     p < n->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *key = scalar(l, k, "a tests key");
		jv *slot = !key ? NULL : !strcmp(key, "fires") ? &r->fires :
			   !strcmp(key, "quiet") ? &r->quiet : NULL;
		if (!slot) {
			if (key)
				bad(l, k, "unknown tests key '%s' (fires, quiet)", key);
			ok = false;
			continue;
		}
		if (jv_is_valid(*slot)) {
			bad(l, k, "tests key '%s' given twice", key);
			ok = false;
			continue;
		}
		jv list = string_list(l, v, key);
		if (!jv_is_valid(list)) {
			ok = false;
			continue;
		}
		jv_array_foreach(list, i, name) {
			if (!is_dump_name(jv_string_value(name))) {
				bad(l, v, "bad dump name '%s' in tests.%s (a rig scenario, SCENARIO@KERNEL, fixture:NAME or vmcore:NAME)",
				    jv_string_value(name), key);
				ok = false;
			}
			jv_free(name);
		}
		*slot = list;
	}
	if (ok && !jv_is_valid(r->fires)) {
		bad(l, n, "tests.fires is missing: name at least one dump where the rule must fire");
		ok = false;
	}
	if (ok && !jv_is_valid(r->quiet)) {
		bad(l, n, "tests.quiet is missing: name at least one dump where the rule must stay quiet");
		ok = false;
	}
	return ok;
}

// ---- message templates ----

static const struct rv_rule_evidence *find_evidence(const struct rv_rule *r,
						    const char *name, size_t len)
{
	for (size_t i = 0; i < r->nevidence; i++) {
		if (strlen(r->evidence[i].name) == len &&
		    !strncmp(r->evidence[i].name, name, len))
			return &r->evidence[i];
	}
	return NULL;
}

char *rv_rules_expand(const struct rv_rule *r, const char *tmpl, jv evidence,
		      char **bad_ret)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	if (!f)
		return NULL;
	char *problem = NULL;
	for (const char *p = tmpl; *p && !problem; p++) {
		if (p[0] == '{' && p[1] == '{') {
			fputc('{', f);
			p++;
		} else if (p[0] == '}' && p[1] == '}') {
			fputc('}', f);
			p++;
		} else if (*p == '}') {
			if (asprintf(&problem, "unmatched '}' in message (write '}}' for a brace)") < 0)
				problem = NULL;
		} else if (*p == '{') {
			const char *end = strchr(p, '}');
			if (!end) {
				if (asprintf(&problem, "unterminated '{' in message (write '{{' for a brace)") < 0)
					problem = NULL;
				break;
			}
			const char *name = p + 1;
			size_t len = (size_t)(end - name);
			const struct rv_rule_evidence *e = find_evidence(r, name, len);
			if (!e) {
				if (asprintf(&problem, "message placeholder {%.*s} names no evidence",
					     (int)len, name) < 0)
					problem = NULL;
				break;
			}
			if (jv_get_kind(evidence) == JV_KIND_OBJECT) {
				jv v = jv_object_get(jv_copy(evidence), jv_string(e->name));
				char *s = rv_rules_value_text(v);
				fputs(s ? s : "?", f);
				free(s);
			}
			p = end;
		} else {
			fputc(*p, f);
		}
	}
	fclose(f);
	if (problem) {
		free(out);
		if (bad_ret)
			*bad_ret = problem;
		else
			free(problem);
		return NULL;
	}
	return out;
}

static void add_rule(struct rv_ruleset *rs, struct rv_rule *r);

/**
 * Compile the staged files' rules, record their problems, add the good
 * ones. A rule whose whole program is known to compile (rules_cache.c)
 * compiles its condition only; one that compiled whole is remembered.
 */
static size_t commit_staged(struct rv_ruleset *rs, struct staged *st, size_t n)
{
	size_t *idx = calloc(n ? n : 1, sizeof(*idx)), k = 0;
	for (size_t i = 0; i < n; i++) {
		// Compile even after other problems, so that one lint run
		// reports the jq errors too.
		if (st[i].r && st[i].r->condition.text && idx) {
			idx[k++] = i;
			st[i].program = rv_rules_program(st[i].r);
			st[i].r->partial = st[i].program && rv_rules_cache_known(st[i].program);
		}
	}
	rv_rules_compile(rs, st, idx, k);
	free(idx);
	size_t loaded = 0;
	for (size_t i = 0; i < n; i++) {
		struct staged *s = &st[i];
		rs->problems = jv_array_concat(rs->problems, s->problems);
		if (s->nproblems > RULE_FILE_MAX_PROBLEMS)
			rv_rules_problem(rs, s->file, 0, 0, s->r ? s->r->id : NULL,
					 "... and %d more problems in this file",
					 s->nproblems - RULE_FILE_MAX_PROBLEMS);
		if (s->r && s->keep && !s->nproblems && s->r->prog) {
			if (!s->r->partial && s->program)
				rv_rules_cache_note(s->program);
			add_rule(rs, s->r);
			loaded++;
		} else {
			rule_destroy(s->r);	// reported; the rule is skipped
		}
		free(s->program);
		free(s->file);
	}
	return loaded;
}

// ---- one rule file ----

enum field {
	F_ID, F_TITLE, F_SEVERITY, F_SUBSYSTEM, F_CONDITION, F_EVIDENCE, F_RELATED,
	F_MESSAGE, F_EXPLANATION, F_REMEDIES, F_REFERENCES, F_TESTS, F_PARAMETERS, F_COUNT,
};

static const struct {
	const char *name;
	bool required;
} fields[F_COUNT] = {
	[F_ID] = { "id", true },
	[F_TITLE] = { "title", true },
	[F_SEVERITY] = { "severity", true },
	[F_SUBSYSTEM] = { "subsystem", true },
	[F_CONDITION] = { "condition", true },
	[F_EVIDENCE] = { "evidence", false },
	[F_RELATED] = { "related", false },
	[F_MESSAGE] = { "message", true },
	[F_EXPLANATION] = { "explanation", true },
	[F_REMEDIES] = { "remedies", true },
	[F_REFERENCES] = { "references", true },
	[F_TESTS] = { "tests", true },
	[F_PARAMETERS] = { "parameters", false },
};

static bool parse_field(struct loader *l, struct rv_rule *r, enum field f, yaml_node_t *v)
{
	switch (f) {
	case F_ID: {
		const char *id = scalar(l, v, "id");
		if (!id)
			return false;
		if (!is_rule_id(id)) {
			bad(l, v, "bad id '%s' (lowercase letters, digits and '-')", id);
			return false;
		}
		r->id = strdup(id);
		l->id = r->id;
		return r->id != NULL;
	}
	case F_TITLE:
		return (r->title = text_field(l, v, "title")) != NULL;
	case F_SEVERITY:
		return parse_severity(l, r, v);
	case F_SUBSYSTEM:
		return parse_subsystem(l, r, v);
	case F_CONDITION:
		return program_field(l, v, "condition", &r->condition);
	case F_EVIDENCE:
		return parse_evidence(l, r, v);
	case F_RELATED:
		return program_field(l, v, "related", &r->related);
	case F_MESSAGE:
		r->message_line = (int)v->start_mark.line + 1;
		return (r->message = text_field(l, v, "message")) != NULL;
	case F_EXPLANATION:
		return (r->explanation = text_field(l, v, "explanation")) != NULL;
	case F_REMEDIES:
		r->remedies = string_list(l, v, "remedies");
		return jv_is_valid(r->remedies);
	case F_REFERENCES:
		r->references = parse_references(l, v);
		return jv_is_valid(r->references);
	case F_TESTS:
		return parse_tests(l, r, v);
	case F_PARAMETERS:
		return parse_parameters(l, r, v);
	case F_COUNT:
		break;
	}
	return false;
}

/** The file name without directory and extension. */
static char *file_stem(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char *stem = strdup(base);
	if (!stem)
		return NULL;
	char *dot = strrchr(stem, '.');
	if (dot && dot != stem)
		*dot = '\0';
	return stem;
}

static struct rv_rule *parse_rule(struct loader *l, yaml_node_t *root)
{
	struct rv_rule *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->file = strdup(l->file);
	r->line = (int)root->start_mark.line + 1;
	r->remedies = r->references = r->fires = r->quiet = jv_invalid();
	r->parameters = jv_invalid();
	r->params = jv_object();
	if (root->type != YAML_MAPPING_NODE) {
		bad(l, root, "a rule file holds one map (id, title, ...), not %s", node_kind(root));
		return r;
	}
	// The id first, so that every later message names the rule.
	yaml_node_t *seen[F_COUNT] = { 0 };
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key);
		if (k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, "id")) {
			parse_field(l, r, F_ID, node(l, p->value));
			break;
		}
	}
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(l, p->key), *v = node(l, p->value);
		const char *key = scalar(l, k, "a key");
		if (!key)
			continue;
		enum field f;
		for (f = 0; f < F_COUNT; f++)
			if (!strcmp(key, fields[f].name))
				break;
		if (f == F_COUNT) {
			bad(l, k, "unknown key '%s'", key);
			continue;
		}
		if (seen[f]) {
			bad(l, k, "key '%s' given twice (first on line %d)", key,
			    (int)seen[f]->start_mark.line + 1);
			continue;
		}
		seen[f] = k;
		if (f != F_ID)
			parse_field(l, r, f, v);
	}
	for (enum field f = 0; f < F_COUNT; f++)
		if (fields[f].required && !seen[f])
			bad(l, root, "missing key '%s'", fields[f].name);
	if (!r->evidence)
		r->evidence = calloc(1, sizeof(*r->evidence));

	char *stem = file_stem(l->file);
	if (r->id && stem && strcmp(stem, r->id))
		bad(l, seen[F_ID], "id '%s' does not match the file name (%s.yaml)", r->id, stem);
	free(stem);

	if (r->message) {
		char *problem = NULL;
		char *check = rv_rules_expand(r, r->message, jv_null(), &problem);
		if (!check && problem) {
			rv_rules_problem(l->rs, l->file, r->message_line, 0, l->id, "%s", problem);
			l->nproblems++;
		}
		free(check);
		free(problem);
	}
	check_param_uses(l, r, &r->condition);
	check_param_uses(l, r, &r->related);
	for (size_t i = 0; i < r->nevidence; i++)
		check_param_uses(l, r, &r->evidence[i].expr);
	return r;	// compiled with its batch (commit_staged())
}

static void add_rule(struct rv_ruleset *rs, struct rv_rule *r)
{
	for (size_t i = 0; i < rs->n; i++) {
		if (!strcmp(rs->rules[i]->id, r->id)) {
			// A later directory overrides: user rules replace built-ins.
			rule_destroy(rs->rules[i]);
			rs->rules[i] = r;
			return;
		}
	}
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? 2 * rs->cap : 16;
		struct rv_rule **rules = realloc(rs->rules, cap * sizeof(*rules));
		if (!rules) {
			rv_rules_problem(rs, r->file, 0, 0, r->id, "out of memory");
			rule_destroy(r);
			return;
		}
		rs->rules = rules;
		rs->cap = cap;
	}
	rs->rules[rs->n++] = r;
}

// The deepest nesting of flow collections ('[' and '{' outside quotes and
// comments), and the line where it first passes @p limit (0 if never).
static int flow_nesting_line(const char *s, size_t len, int limit)
{
	int depth = 0, line = 1;
	char quote = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\n')
			line++;
		if (quote) {
			if (c == '\\' && quote == '"' && i + 1 < len)
				i++;
			else if (c == quote)
				quote = 0;
			continue;
		}
		if (c == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' ||
				 s[i - 1] == '\n')) {
			while (i + 1 < len && s[i + 1] != '\n')
				i++;
		} else if ((c == '"' || c == '\'') &&
			   (i == 0 || strchr(" \t\n[{,:", s[i - 1]))) {
			quote = c;	// a quoted scalar starts (not an apostrophe)
		} else if (c == '[' || c == '{') {
			if (++depth > limit)
				return line;
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/**
 * Read and check one rule file into @p st; its problems go to st->problems
 * (rs->problems is swapped for the time), its rule is compiled later.
 */
static void stage_file(struct rv_ruleset *rs, const char *path, struct staged *st)
{
	*st = (struct staged){ .file = strdup(path), .problems = jv_array() };
	jv saved = rs->problems;
	rs->problems = st->problems;
	struct loader l = { .rs = rs, .file = path };
	char *text = NULL;
	size_t len = 0;
	struct rv_error *err = rv_file_load(path, "rule file", RV_RULE_FILE_MAX, &text, &len);
	if (err) {
		// The message starts with the path; the problem names the file.
		const char *msg = err->msg;
		size_t plen = strlen(path);
		if (!strncmp(msg, path, plen) && !strncmp(msg + plen, ": ", 2))
			msg += plen + 2;
		rv_rules_problem(rs, path, 0, 0, NULL, "cannot read: %s", msg);
		rv_error_destroy(err);
		goto out_text;
	}
	int deep = flow_nesting_line(text, len, RULE_FILE_MAX_NESTING);
	if (deep) {
		rv_rules_problem(rs, path, deep, 0, NULL,
				 "YAML nested more than %d levels deep; refused before parsing",
				 RULE_FILE_MAX_NESTING);
		goto out_text;
	}
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		rv_rules_problem(rs, path, 0, 0, NULL, "out of memory");
		goto out_text;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &l.doc)) {
		// "while scanning a quoted scalar": the context mark is where the
		// culprit starts, the problem mark where libyaml gave up.
		if (parser.context)
			rv_rules_problem(rs, path, (int)parser.context_mark.line + 1,
					 (int)parser.context_mark.column + 1, NULL,
					 "YAML: %s: %s (at line %d)", parser.context,
					 parser.problem ? parser.problem : "parse error",
					 (int)parser.problem_mark.line + 1);
		else
			rv_rules_problem(rs, path, (int)parser.problem_mark.line + 1,
					 (int)parser.problem_mark.column + 1, NULL, "YAML: %s",
					 parser.problem ? parser.problem : "parse error");
		goto out_parser;
	}
	yaml_node_t *root = yaml_document_get_root_node(&l.doc);
	if (!root) {
		rv_rules_problem(rs, path, 0, 0, NULL, "empty file");
		goto out_doc;
	}
	yaml_document_t next;
	if (yaml_parser_load(&parser, &next)) {
		bool more = yaml_document_get_root_node(&next) != NULL;
		yaml_document_delete(&next);
		if (more) {
			rv_rules_problem(rs, path, 0, 0, NULL,
					 "more than one YAML document: one rule per file");
			goto out_doc;
		}
	}
	st->r = parse_rule(&l, root);
	if (!st->r)
		rv_rules_problem(rs, path, 0, 0, NULL, "out of memory");
	st->keep = st->r && st->r->id;
out_doc:
	yaml_document_delete(&l.doc);
out_parser:
	yaml_parser_delete(&parser);
out_text:
	free(text);
	st->nproblems = l.nproblems;
	st->problems = rs->problems;
	rs->problems = saved;
}

bool rv_ruleset_load_file(struct rv_ruleset *rs, const char *path)
{
	struct staged st;
	stage_file(rs, path, &st);
	return commit_staged(rs, &st, 1) == 1;
}


static int yaml_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	if (d->d_name[0] == '.')
		return 0;
	return (n > 5 && !strcmp(d->d_name + n - 5, ".yaml")) ||
	       (n > 4 && !strcmp(d->d_name + n - 4, ".yml"));
}

size_t rv_ruleset_load_dir(struct rv_ruleset *rs, const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, yaml_file, alphasort);
	if (n < 0) {
		rv_rules_problem(rs, dir, 0, 0, NULL, "cannot read rule directory: %s",
				 strerror(errno));
		return 0;
	}
	rs->dirs = jv_array_append(rs->dirs, jv_string(dir));
	// The directory's rules compile as one program (commit_staged()).
	struct staged *st = calloc(n ? (size_t)n : 1, sizeof(*st));
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		char *path = NULL;
		if (st && asprintf(&path, "%s/%s", dir, names[i]->d_name) >= 0) {
			stage_file(rs, path, &st[k++]);
			free(path);
		}
		free(names[i]);
	}
	free(names);
	if (!st) {
		rv_rules_problem(rs, dir, 0, 0, NULL, "out of memory");
		return 0;
	}
	size_t loaded = commit_staged(rs, st, k);
	free(st);
	return loaded;
}

// ---- where the rules are ----

static bool is_dir(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

char *rv_rules_builtin_dir(void)
{
	const char *env = getenv("RAIDVIRT_RULES_BUILTIN");
	if (env && *env)
		return strdup(env);
	// The file this code is linked into: raidvirt.so inside crash (its
	// link map names it), the raidvirt executable otherwise (the main
	// program's link map has no name, and dladdr's argv[0] may be a bare
	// name found through PATH: /proc/self/exe is the file itself).
	char self[PATH_MAX];
	Dl_info info;
	struct link_map *map = NULL;
	if (!dladdr1((void *)rv_rules_builtin_dir, &info, (void **)&map, RTLD_DL_LINKMAP) ||
	    !map || !map->l_name || !map->l_name[0] || !realpath(map->l_name, self)) {
		if (!realpath("/proc/self/exe", self))
			return NULL;
	}
	// The build tree (build/cli/raidvirt, build/ext/raidvirt.so: the
	// checkout's rules/), then an installed layout: PREFIX/bin/raidvirt and
	// PREFIX/lib/crash/extensions/raidvirt.so find PREFIX/share/raidvirt/rules
	// (make install, the Debian packages).
	static const char *const candidates[] = {
		"../../rules", "../share/raidvirt/rules",
		"../../../share/raidvirt/rules", "rules", "../rules",
	};
	char *dir = dirname(self);
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		char *path = NULL, resolved[PATH_MAX];
		if (asprintf(&path, "%s/%s", dir, candidates[i]) < 0)
			return NULL;
		bool found = is_dir(path) && realpath(path, resolved);
		free(path);
		if (found)
			return strdup(resolved);
	}
	return NULL;
}

struct rv_ruleset *rv_ruleset_load_default(const char *const *dirs, size_t ndirs,
					   bool no_builtin)
{
	struct rv_ruleset *rs = rv_ruleset_create();
	if (!rs)
		return NULL;
	if (!no_builtin) {
		char *builtin = rv_rules_builtin_dir();
		if (builtin) {
			rv_ruleset_load_dir(rs, builtin);
			free(builtin);
		} else {
			rv_rules_problem(rs, NULL, 0, 0, NULL,
					 "the built-in rule directory was not found next to the "
					 "program (set RAIDVIRT_RULES_BUILTIN)");
		}
	}
	const char *env = getenv("RAIDVIRT_RULES");
	if (env && *env) {
		char *copy = strdup(env), *save = NULL;
		for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d;
		     d = strtok_r(NULL, ":", &save))
			rv_ruleset_load_dir(rs, d);
		free(copy);
	}
	for (size_t i = 0; i < ndirs; i++)
		rv_ruleset_load_dir(rs, dirs[i]);
	const char *params = getenv("RAIDVIRT_RULE_PARAMS");
	if (params && *params) {
		char *copy = strdup(params), *save = NULL;
		for (char *a = copy ? strtok_r(copy, ", \t", &save) : NULL; a;
		     a = strtok_r(NULL, ", \t", &save))
			rv_ruleset_set_param(rs, a);
		free(copy);
	}
	return rs;
}

bool rv_ruleset_set_param(struct rv_ruleset *rs, const char *assignment)
{
	const char *dot = strchr(assignment, '.'), *eq = strchr(assignment, '=');
	if (!dot || !eq || eq < dot) {
		rv_rules_problem(rs, NULL, 0, 0, NULL,
				 "parameter '%s': write RULE.NAME=VALUE", assignment);
		return false;
	}
	char id[128], name[64];
	snprintf(id, sizeof(id), "%.*s", (int)(dot - assignment), assignment);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - dot - 1), dot + 1);
	struct rv_rule *r = NULL;
	for (size_t i = 0; i < rs->n && !r; i++)
		if (!strcmp(rs->rules[i]->id, id))
			r = rs->rules[i];
	if (!r) {
		rv_rules_problem(rs, NULL, 0, 0, NULL, "parameter %s.%s: no rule %s", id, name, id);
		return false;
	}
	jv info = jv_is_valid(r->parameters) ?
		  jv_object_get(jv_copy(r->parameters), jv_string(name)) : jv_invalid();
	if (!jv_is_valid(info)) {
		jv_free(info);
		rv_rules_problem(rs, r->file, 0, 0, r->id, "no parameter %s (see the rule's parameters)",
				 name);
		return false;
	}
	jv v = scalar_value(eq + 1);
	jv dflt = jv_object_get(info, jv_string("default"));
	bool same = jv_get_kind(dflt) == jv_get_kind(v) ||
		    (jv_get_kind(dflt) == JV_KIND_TRUE && jv_get_kind(v) == JV_KIND_FALSE) ||
		    (jv_get_kind(dflt) == JV_KIND_FALSE && jv_get_kind(v) == JV_KIND_TRUE);
	jv_free(dflt);
	if (!same) {
		jv_free(v);
		rv_rules_problem(rs, r->file, 0, 0, r->id,
				 "parameter %s: '%s' is not of the default's type", name, eq + 1);
		return false;
	}
	r->params = jv_object_set(r->params, jv_string(name), v);
	return true;
}

jv rv_ruleset_list(const struct rv_ruleset *rs)
{
	jv list = jv_array();
	for (size_t i = 0; i < rs->n; i++) {
		const struct rv_rule *r = rs->rules[i];
		jv o = jv_object();
		o = jv_object_set(o, jv_string("id"), jv_string(r->id));
		o = jv_object_set(o, jv_string("title"), jv_string(r->title));
		o = jv_object_set(o, jv_string("severity"),
				  jv_string(rv_severity_name(r->severity)));
		o = jv_object_set(o, jv_string("subsystem"), jv_string(r->subsystem));
		o = jv_object_set(o, jv_string("file"), jv_string(r->file));
		o = jv_object_set(o, jv_string("line"), jv_number(r->line));
		jv tests = jv_object();
		tests = jv_object_set(tests, jv_string("fires"), jv_copy(r->fires));
		tests = jv_object_set(tests, jv_string("quiet"), jv_copy(r->quiet));
		o = jv_object_set(o, jv_string("tests"), tests);
		list = jv_array_append(list, o);
	}
	return list;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// How complete a facts document is: every "error" recorded in a section,
// every rule that could not be evaluated, every piece of debug info or rule
// set that was missing, gathered into {complete, errors, missing} at the top
// of the document (docs/facts.md, "Completeness"). Also the check of a facts
// document read from a file before rules run on it.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "sections.h"
#include "rules.h"

// Bound on errors[] (a dump with a corrupt list can record one per entry).
#define MAX_ERRORS 1000

jv rv_tool_identity(void)
{
	jv tool = rv_jv_set(jv_object(), "name", jv_string("raidvirt"));
	return rv_jv_set(tool, "version", jv_string(RV_VERSION));
}

struct status {
	jv errors;
	int nerrors, dropped;
	jv modules;	// [{section, message}] module debug info missing
	jv debuginfo;	// [message] kernel debug info missing
	jv rules;	// [message] rules that could not be loaded
};

static jv error_entry(const char *section, jv path, jv msg)
{
	jv e = rv_jv_set(jv_object(), "section", jv_string(section));
	e = rv_jv_set(e, "path", path);
	return rv_jv_set(e, "message", msg);
}

static void add_error(struct status *s, jv entry)
{
	if (s->nerrors >= MAX_ERRORS) {
		s->dropped++;
		jv_free(entry);
		return;
	}
	s->errors = jv_array_append(s->errors, entry);
	s->nerrors++;
}

/** Messages of an "error" value: a string or a list of strings (consumed). */
static void add_messages(struct status *s, const char *section, const char *path,
			 jv msgs)
{
	if (jv_get_kind(msgs) == JV_KIND_ARRAY) {
		jv_array_foreach(msgs, i, m)
			add_messages(s, section, path, m);
		jv_free(msgs);
		return;
	}
	if (jv_get_kind(msgs) != JV_KIND_STRING) {
		jv_free(msgs);
		msgs = jv_string("error (not a message string)");
	}
	add_error(s, error_entry(section, jv_string(path), msgs));
}

/** Walk a section value (not consumed); @p depth bounds the recursion. */
static bool container(jv v)
{
	return jv_get_kind(v) == JV_KIND_ARRAY || jv_get_kind(v) == JV_KIND_OBJECT;
}

static void walk(struct status *s, const char *section, jv v, const char *path, int depth)
{
	if (depth > 64)
		return;
	if (jv_get_kind(v) == JV_KIND_ARRAY) {
		jv_array_foreach(v, i, e) {
			char *p = NULL;
			// only an object or array can hold an "error": no path
			// for the scalars (most of a large document)
			if (container(e) && asprintf(&p, "%s[%d]", path, i) >= 0) {
				walk(s, section, e, p, depth + 1);
				free(p);
			}
			jv_free(e);
		}
		return;
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT)
		return;
	jv_object_foreach(v, key, val) {
		const char *k = jv_string_value(key);
		if (!strcmp(k, "error") && jv_get_kind(val) != JV_KIND_NULL) {
			add_messages(s, section, path, jv_copy(val));
		} else if (!strcmp(k, "debuginfo_missing") && jv_get_kind(val) == JV_KIND_ARRAY) {
			jv_array_foreach(val, i, m) {
				if (!strcmp(section, "dump")) {
					s->debuginfo = jv_array_append(s->debuginfo, m);
				} else {
					jv e = rv_jv_set(jv_object(), "section", jv_string(section));
					s->modules = jv_array_append(s->modules,
								     rv_jv_set(e, "message", m));
				}
			}
		} else {
			char *p = NULL;
			if (container(val) && asprintf(&p, "%s.%s", path, k) >= 0) {
				walk(s, section, val, p, depth + 1);
				free(p);
			}
		}
		jv_free(key);
		jv_free(val);
	}
}

/** Rule error entries of .findings: rules that could not be loaded or run. */
static void rule_errors(struct status *s, jv findings)
{
	if (jv_get_kind(findings) != JV_KIND_ARRAY) {
		jv_free(findings);
		return;
	}
	jv_array_foreach(findings, i, f) {
		if (rv_finding_is_error(f)) {
			jv msg = jv_object_get(jv_copy(f), jv_string("error"));
			if (jv_get_kind(msg) != JV_KIND_STRING) {
				jv_free(msg);
				msg = jv_string("rule error");
			}
			const char *rule = rv_jv_str(f, "rule");
			if (!rule)	// a file or directory that could not be loaded
				s->rules = jv_array_append(s->rules, jv_copy(msg));
			jv e = error_entry("rules", jv_string("findings"), msg);
			add_error(s, rv_jv_set(e, "rule", rule ? jv_string(rule) : jv_null()));
		} else if (jv_get_kind(f) == JV_KIND_OBJECT) {
			// A finding whose evidence or related objects failed.
			jv errs = jv_object_get(jv_copy(f), jv_string("errors"));
			if (jv_get_kind(errs) == JV_KIND_ARRAY) {
				const char *rule = rv_jv_str(f, "rule");
				jv_array_foreach(errs, j, m) {
					if (jv_get_kind(m) != JV_KIND_STRING) {
						jv_free(m);
						m = jv_string("rule error");
					}
					jv e = error_entry("rules", jv_string_fmt("findings[%d]", i), m);
					add_error(s, rv_jv_set(e, "rule",
							       rule ? jv_string(rule) : jv_null()));
				}
			}
			jv_free(errs);
		}
		jv_free(f);
	}
	jv_free(findings);
}

jv rv_facts_status(jv doc)
{
	struct status s = {
		.errors = jv_array(), .modules = jv_array(),
		.debuginfo = jv_array(), .rules = jv_array(),
	};
	if (jv_get_kind(doc) == JV_KIND_OBJECT) {
		for (const struct rv_section *sc = rv_sections; sc->name; sc++) {
			const char *name = sc->name;
			jv sec = jv_object_get(jv_copy(doc), jv_string(name));
			if (jv_is_valid(sec))
				walk(&s, name, sec, name, 0);
			jv_free(sec);
		}
		rule_errors(&s, jv_object_get(jv_copy(doc), jv_string("findings")));
	}
	jv_free(doc);
	if (s.dropped)
		s.errors = jv_array_append(s.errors, error_entry("facts", jv_string(""),
					   jv_string_fmt("%d more errors not listed", s.dropped)));
	bool complete = jv_array_length(jv_copy(s.errors)) == 0 &&
			jv_array_length(jv_copy(s.modules)) == 0 &&
			jv_array_length(jv_copy(s.debuginfo)) == 0 &&
			jv_array_length(jv_copy(s.rules)) == 0;
	jv missing = rv_jv_set(jv_object(), "debuginfo", s.debuginfo);
	missing = rv_jv_set(missing, "modules", s.modules);
	missing = rv_jv_set(missing, "rules", s.rules);
	jv st = rv_jv_set(jv_object(), "complete", jv_bool(complete));
	st = rv_jv_set(st, "errors", s.errors);
	return rv_jv_set(st, "missing", missing);
}

jv rv_facts_seal(jv doc)
{
	if (jv_get_kind(doc) != JV_KIND_OBJECT)
		return doc;
	jv st = rv_facts_status(jv_copy(doc));
	doc = rv_jv_set(doc, "tool", rv_tool_identity());
	jv_object_foreach(st, k, v)
		doc = jv_object_set(doc, k, v);
	jv_free(st);
	return doc;
}

bool rv_facts_complete(jv doc)
{
	bool complete = false;
	if (jv_get_kind(doc) == JV_KIND_OBJECT) {
		jv c = jv_object_get(jv_copy(doc), jv_string("complete"));
		complete = jv_get_kind(c) == JV_KIND_TRUE;
		jv_free(c);
	}
	jv_free(doc);
	return complete;
}

jv rv_facts_unreadable(struct rv_error *err)
{
	bool nodebug = err && err->code == RV_ERR_NODEBUG;
	jv msg = rv_jv_error(err);
	jv dump = rv_jv_set(jv_object(), "error", jv_copy(msg));
	if (nodebug)
		dump = rv_jv_set(dump, "debuginfo_missing", jv_array_append(jv_array(), msg));
	else
		jv_free(msg);
	jv doc = rv_jv_set(jv_object(), "schema", jv_string(RV_FACTS_SCHEMA));
	doc = rv_jv_set(doc, "dump", dump);
	doc = rv_jv_set(doc, "findings", jv_array());
	return rv_facts_seal(doc);
}

jv rv_facts_validate(jv doc)
{
	jv errs = jv_array();
	if (jv_get_kind(doc) != JV_KIND_OBJECT) {
		errs = jv_array_append(errs, error_entry("facts", jv_string(""),
			jv_string_fmt("the facts document is %s, expected an object",
				      jv_kind_name(jv_get_kind(doc)))));
		jv_free(doc);
		return errs;
	}
	const char *schema = rv_jv_str(doc, "schema");
	if (!schema || strcmp(schema, RV_FACTS_SCHEMA))
		errs = jv_array_append(errs, error_entry("facts", jv_string("schema"),
			jv_string_fmt("schema is %s, expected %s",
				      schema ? schema : "missing", RV_FACTS_SCHEMA)));
	for (const struct rv_section *sc = rv_sections; sc->name; sc++) {
		const char *name = sc->name;
		jv sec = jv_object_get(jv_copy(doc), jv_string(name));
		jv_kind k = jv_get_kind(sec);
		jv_free(sec);
		if (k == JV_KIND_OBJECT)
			continue;
		// Every section is always written; "dump" is what every rule and
		// report reads first.
		if (k == JV_KIND_INVALID && strcmp(name, "dump"))
			continue;	// --section documents hold only some
		errs = jv_array_append(errs, error_entry(name, jv_string(name),
			k == JV_KIND_INVALID ? jv_string_fmt("no '%s' section", name) :
			jv_string_fmt("section '%s' is %s, expected an object", name,
				      jv_kind_name(k))));
	}
	jv findings = jv_object_get(jv_copy(doc), jv_string("findings"));
	jv_kind fk = jv_get_kind(findings);
	jv_free(findings);
	if (fk != JV_KIND_INVALID && fk != JV_KIND_ARRAY)
		errs = jv_array_append(errs, error_entry("facts", jv_string("findings"),
			jv_string_fmt("findings is %s, expected an array", jv_kind_name(fk))));
	jv_free(doc);
	return errs;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// The rules engine (lib/rules.c, rules_compile.c, rules_eval.c,
// rules_cache.c): loading and validation
// problems with file:line, evaluation over a facts document, evidence,
// message templates, paths, severity order, error entries, lint.
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "rules_priv.h"
#include "unit.h"

static char dir[] = "/tmp/rv-unit-rules-XXXXXX";

static const char *write_rule(const char *name, const char *text)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

static const char good[] =
	"id: unit-big-count\n"
	"title: a big count\n"
	"severity: error\n"
	"subsystem: md\n"
	"condition: |\n"
	"  .md.arrays[]? | select(.count > 10)\n"
	"evidence:\n"
	"  name: .name\n"
	"  count: .count\n"
	"message: \"{name} has {count} things\"\n"
	"explanation: counts above ten are bad\n"
	"remedies:\n  - fix it\n"
	"references:\n  - title: docs\n    url: https://docs.kernel.org/\n"
	"tests:\n"
	"  fires: [\"fixture:x\"]\n"
	"  quiet: [\"fixture:y\"]\n";

static const char warn[] =
	"id: unit-any-array\n"
	"title: an array\n"
	"severity: warning\n"
	"subsystem: md\n"
	"condition: .md.arrays[]?\n"
	"evidence:\n"
	"  name: .name\n"
	"message: \"{name} exists\"\n"
	"explanation: arrays exist\n"
	"remedies:\n  - fix it\n"
	"references:\n  - title: docs\n    url: https://docs.kernel.org/\n"
	"tests:\n"
	"  fires: [\"fixture:x\"]\n"
	"  quiet: [\"fixture:y\"]\n";

static jv facts(void)
{
	return jv_parse("{\"schema\":\"raidvirt.facts/1\",\"md\":{\"present\":true,"
			"\"arrays\":[{\"name\":\"md0\",\"count\":3},"
			"{\"name\":\"md1\",\"count\":42},{\"name\":\"md2\",\"count\":11}]}}");
}

static void load_and_evaluate(void)
{
	struct rv_ruleset *rs = rv_ruleset_create();
	CHECK(rs != NULL, "rv_ruleset_create");
	CHECK(rv_ruleset_load_file(rs, write_rule("unit-big-count.yaml", good)), "good rule loads");
	CHECK(rv_ruleset_load_file(rs, write_rule("unit-any-array.yaml", warn)), "second rule loads");
	CHECK_U64("rules loaded", 2, rv_ruleset_count(rs));
	jv problems = rv_ruleset_problems(rs);
	jv_array_foreach(problems, i, pr) {
		jv ps = rv_rules_problem_string(pr);
		printf("# %s\n", jv_string_value(ps));
		jv_free(ps);
	}
	CHECK_U64("no load problems", 0, jv_array_length(problems));
	jv list = rv_ruleset_list(rs);
	CHECK_U64("rules listed", 2, jv_array_length(jv_copy(list)));
	jv first = jv_array_length(jv_copy(list)) ? jv_array_get(list, 0) : (jv_free(list), jv_object());
	CHECK_STR("listed id", "unit-big-count", rv_jv_str(first, "id"));
	CHECK_STR("listed subsystem", "md", rv_jv_str(first, "subsystem"));
	jv_free(first);

	struct rv_eval_opts o = { .no_isolate = true };
	jv findings = rv_ruleset_evaluate(rs, facts(), &o);
	CHECK(jv_get_kind(findings) == JV_KIND_ARRAY, "findings are a list");
	CHECK_U64("findings: 2 big counts + 3 arrays", 5, jv_array_length(jv_copy(findings)));
	jv f0 = jv_array_get(jv_copy(findings), 0);
	CHECK_STR("most severe first", "unit-big-count", rv_jv_str(f0, "rule"));
	CHECK_STR("severity", "error", rv_jv_str(f0, "severity"));
	CHECK_STR("message template filled", "md1 has 42 things", rv_jv_str(f0, "message"));
	jv ev = jv_object_get(jv_copy(f0), jv_string("evidence"));
	CHECK_U64("evidence count", 42, rv_jv_num(ev, "count", -1));
	CHECK_STR("evidence name", "md1", rv_jv_str(ev, "name"));
	jv_free(ev);
	jv paths = jv_object_get(jv_copy(f0), jv_string("paths"));
	jv p0 = jv_array_get(paths, 0);
	CHECK(jv_get_kind(p0) == JV_KIND_STRING && !strcmp(jv_string_value(p0), "md.arrays[1]"),
	      "facts path of the match = md.arrays[1]");
	jv_free(p0);
	CHECK(rv_finding_severity(f0) == RV_SEV_ERROR, "rv_finding_severity");
	CHECK(!rv_finding_is_error(f0), "a finding is no error entry");
	jv_free(f0);
	jv f1 = jv_array_get(jv_copy(findings), 1);
	CHECK_STR("second big count in match order", "md2 has 11 things", rv_jv_str(f1, "message"));
	jv_free(f1);
	jv f4 = jv_array_get(jv_copy(findings), 4);
	CHECK_STR("warnings after errors", "warning", rv_jv_str(f4, "severity"));
	jv_free(f4);
	// the text report
	char *buf = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&buf, &len);
	rv_report_findings_summary(mf, findings);
	fclose(mf);
	CHECK(buf && strstr(buf, "2 errors") && strstr(buf, "3 warnings"),
	      "summary counts by severity: %s", buf ? buf : "");
	free(buf);
	jv_free(findings);

	// only one rule
	struct rv_eval_opts only = { .no_isolate = true, .only = "unit-any-array" };
	findings = rv_ruleset_evaluate(rs, facts(), &only);
	CHECK_U64("only one rule", 3, jv_array_length(findings));
	// a section that is absent: nothing fires, no error
	findings = rv_ruleset_evaluate(rs, jv_parse("{\"md\":{\"present\":false}}"), &o);
	CHECK_U64("absent section: no finding", 0, jv_array_length(findings));
	// the same isolated in a child process
	findings = rv_ruleset_evaluate(rs, facts(), NULL);
	CHECK_U64("isolated evaluation: same findings", 5, jv_array_length(findings));
	CHECK_U64("lint: no problem", 0, rv_ruleset_lint(rs));
	rv_ruleset_destroy(rs);
}

#define TAIL "explanation: e\nremedies:\n  - r\nreferences:\n  - title: t\n    url: https://x.org/\n"

static void problems(void)
{
	static const struct {
		const char *what, *text, *expect;
	} bad[] = {
		{ "unknown key", "id: unit-a\ntitle: t\nseverity: error\nsubsystem: md\ncondition: .\n"
		  "message: m\ntests:\n  fires: [x]\n  quiet: [y]\nbogus: 1\n", "bogus" },
		{ "bad severity", "id: unit-a\ntitle: t\nseverity: dire\nsubsystem: md\ncondition: .\n"
		  "message: m\ntests:\n  fires: [x]\n  quiet: [y]\n", "severity" },
		{ "bad subsystem", "id: unit-a\ntitle: t\nseverity: error\nsubsystem: disk\ncondition: .\n"
		  "message: m\ntests:\n  fires: [x]\n  quiet: [y]\n", "subsystem" },
		{ "jq syntax error", "id: unit-a\ntitle: t\nseverity: error\nsubsystem: md\n"
		  "condition: .md | select(\nmessage: m\ntests:\n  fires: [x]\n  quiet: [y]\n", "condition" },
		{ "missing message", "id: unit-a\ntitle: t\nseverity: error\nsubsystem: md\ncondition: .\n"
		  "tests:\n  fires: [x]\n  quiet: [y]\n", "message" },
		{ "missing tests", "id: unit-a\ntitle: t\nseverity: error\nsubsystem: md\ncondition: .\n"
		  "message: m\n", "tests" },
		{ "template names no evidence", "id: unit-a\ntitle: t\nseverity: error\nsubsystem: md\n"
		  "condition: .\nmessage: \"{nope}\"\ntests:\n  fires: [x]\n  quiet: [y]\n", "nope" },
		{ "not YAML", "id: [unclosed\n", "" },
		{ "not a mapping", "- a\n- b\n", "" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rv_ruleset *rs = rv_ruleset_create();
		char name[32];
		snprintf(name, sizeof(name), "unit-a.yaml");
		char text[1024];
		snprintf(text, sizeof(text), "%s%s", bad[i].text, *bad[i].expect ? TAIL : "");
		bool loaded = rv_ruleset_load_file(rs, write_rule(name, text));
		CHECK(!loaded, "%s: rule skipped", bad[i].what);
		jv p = rv_ruleset_problems(rs);
		int n = jv_array_length(jv_copy(p));
		bool named = false;
		jv_array_foreach(p, k, pr) {
			jv ps = rv_rules_problem_string(pr);
			named = named || (strstr(jv_string_value(ps), name) &&
					  strstr(jv_string_value(ps), bad[i].expect));
			jv_free(ps);
		}
		jv_free(p);
		CHECK(n > 0 && named, "%s: a problem names the file and '%s'", bad[i].what,
		      bad[i].expect);
		CHECK_U64("no rule loaded", 0, rv_ruleset_count(rs));
		rv_ruleset_destroy(rs);
	}
	// a rule whose program fails at run time gives an error entry
	struct rv_ruleset *rs = rv_ruleset_create();
	rv_ruleset_load_file(rs, write_rule("unit-err.yaml",
		"id: unit-err\ntitle: t\nseverity: error\nsubsystem: md\n"
		"condition: .md.arrays[] | error(\"boom\")\nmessage: m\nexplanation: e\n"
		"remedies:\n  - r\nreferences:\n  - title: t\n    url: https://x.org/\n"
		"tests:\n  fires: [x]\n  quiet: [y]\n"));
	struct rv_eval_opts o = { .no_isolate = true };
	jv findings = rv_ruleset_evaluate(rs, facts(), &o);
	jv f = jv_array_get(jv_copy(findings), 0);
	CHECK(jv_is_valid(f) && rv_finding_is_error(f), "a failing program is an error entry");
	jv err = jv_is_valid(f) ? jv_object_get(jv_copy(f), jv_string("error")) : jv_null();
	CHECK(jv_get_kind(err) == JV_KIND_STRING && strstr(jv_string_value(err), "boom"),
	      "the error entry says why");
	jv_free(err);
	jv_free(f);
	jv_free(findings);
	rv_ruleset_destroy(rs);
	// a directory that does not exist is a recorded problem
	rs = rv_ruleset_create();
	rv_ruleset_load_dir(rs, "/nonexistent/rules");
	jv p = rv_ruleset_problems(rs);
	CHECK(jv_array_length(p) == 1, "missing rule directory recorded");
	rv_ruleset_destroy(rs);
}

/*
 * A directory compiles as few programs (rules.c, commit_staged()) and
 * evaluates in one child (rules_eval.c): one rule's compile error, run-time
 * error or endless loop stays that rule's, the others load and fire. The
 * second time the rules are known to compile (rules_cache.c): conditions
 * only, the evidence compiled for the rules that match and run in a second
 * child, where an endless evidence is stopped by its own deadline too.
 */
static void batch(void)
{
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/batch", dir);
	if (mkdir(sub, 0700)) {
		CHECK(false, "mkdir %s", sub);
		return;
	}
	for (int i = 0; i < 20; i++) {
		const char *cond = i == 7 ? ".md.arrays[]? | select(" :
				   i == 13 ? ".md.arrays[] | error(\"boom\")" :
				   i == 15 ? ".md | select(last(repeat(1)) == 0)" : ".md.arrays[]?";
		char name[64], text[1024], n[32];
		snprintf(name, sizeof(name), "batch/unit-b-%02d.yaml", i);
		snprintf(n, sizeof(n), "%d", i);
		snprintf(text, sizeof(text),
			 "id: unit-b-%02d\ntitle: t\nseverity: warning\nsubsystem: md\n"
			 "condition: '%s'\nevidence:\n  name: .name\n  n: %s\n"
			 "message: \"{name} {n}\"\nexplanation: e\nremedies:\n  - r\n"
			 "references:\n  - title: t\n    url: https://x.org/\n"
			 "tests:\n  fires: [x]\n  quiet: [y]\n", i, cond,
			 i == 17 ? "last(repeat(1))" : n);
		CHECK(write_rule(name, text) != NULL, "write %s", name);
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *what = pass ? "batch (warm)" : "batch (cold)";
		struct rv_ruleset *rs = rv_ruleset_create();
		CHECK_U64("batch: all but the broken rule load", 19, rv_ruleset_load_dir(rs, sub));
		size_t partial = 0;
		for (size_t i = 0; i < rs->n; i++)
			partial += rs->rules[i]->partial;
		CHECK_U64("batch: rules loaded with their condition only", pass ? 19 : 0,
			  (uint64_t)partial);
		jv p = rv_ruleset_problems(rs);
		CHECK_U64("batch: one problem", 1, jv_array_length(jv_copy(p)));
		jv ps = rv_rules_problem_string(jv_array_get(p, 0));
		CHECK(strstr(jv_string_value(ps), "unit-b-07.yaml:5") &&
		      strstr(jv_string_value(ps), "condition"),
		      "%s: the problem names the broken rule's file and line (%s)", what,
		      jv_string_value(ps));
		jv_free(ps);
		struct rv_eval_opts o = { .timeout_ms = 1000 };
		jv findings = rv_ruleset_evaluate(rs, facts(), &o);
		int fired = 0, errors = 0;
		bool boom = false, stopped = false, ev_stopped = false, after = false;
		jv_array_foreach(findings, i, f) {
			const char *rule = rv_jv_str(f, "rule");
			if (rv_finding_is_error(f)) {
				const char *e = rv_jv_str(f, "error");
				errors++;
				boom = boom || (!strcmp(rule, "unit-b-13") && strstr(e, "boom"));
				stopped = stopped || (!strcmp(rule, "unit-b-15") && strstr(e, "timed out"));
				ev_stopped = ev_stopped ||
					     (!strcmp(rule, "unit-b-17") && strstr(e, "timed out"));
			} else {
				fired++;
				after = after || !strcmp(rule, "unit-b-19");
				jv ev = jv_object_get(jv_copy(f), jv_string("evidence"));
				jv n = jv_object_get(ev, jv_string("n"));
				CHECK(jv_get_kind(n) == JV_KIND_NUMBER &&
				      atoi(rule + strlen("unit-b-")) == (int)jv_number_value(n),
				      "%s: %s's evidence comes from its own program", what, rule);
				jv_free(n);
			}
			jv_free(f);
		}
		jv_free(findings);
		CHECK_U64("batch: 16 rules fire on 3 arrays each", 16 * 3, (uint64_t)fired);
		CHECK_U64("batch: three error entries", 3, (uint64_t)errors);
		CHECK(boom, "%s: the failing rule's error entry says why", what);
		CHECK(stopped, "%s: the looping condition is stopped by its own deadline", what);
		CHECK(ev_stopped, "%s: the looping evidence is stopped by its own deadline", what);
		CHECK(after, "%s: rules after the looping ones still run", what);
		rv_ruleset_destroy(rs);
	}
}

/** Files in @p path (0 when it does not exist). */
static int count_files(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static jv evaluate_dir(const char *sub, bool isolate, struct rv_ruleset **ret)
{
	struct rv_ruleset *rs = rv_ruleset_create();
	rv_ruleset_load_dir(rs, sub);
	struct rv_eval_opts o = { .no_isolate = !isolate };
	jv findings = rv_ruleset_evaluate(rs, facts(), &o);
	if (ret)
		*ret = rs;
	else
		rv_ruleset_destroy(rs);
	return findings;
}

/*
 * A rule whose whole program compiled once (lib/rules_cache.c) loads with
 * its condition compiled only, and compiles the rest when it matches: the
 * same findings as a cold load, isolated or not. A cache file that lies
 * costs only its rule: the compile error is that rule's error entry, at
 * its file and line. RAIDVIRT_CACHE=off writes nothing.
 */
static void program_cache(void)
{
	char cache[600], rules_cache[700], sub[600], lie[600];
	snprintf(cache, sizeof(cache), "%s/program-cache", dir);
	snprintf(rules_cache, sizeof(rules_cache), "%s/rules", cache);
	snprintf(sub, sizeof(sub), "%s/cached", dir);
	snprintf(lie, sizeof(lie), "%s/lie", dir);
	if (mkdir(sub, 0700) || mkdir(lie, 0700)) {
		CHECK(false, "mkdir %s", sub);
		return;
	}
	write_rule("cached/unit-big-count.yaml", good);
	write_rule("cached/unit-any-array.yaml", warn);
	setenv("RAIDVIRT_CACHE", "off", 1);
	struct rv_ruleset *rs;
	jv off = evaluate_dir(sub, true, &rs);
	CHECK(!rs->rules[0]->partial && !rs->rules[1]->partial, "cache off: rules compile whole");
	rv_ruleset_destroy(rs);
	setenv("RAIDVIRT_CACHE", cache, 1);
	jv cold = evaluate_dir(sub, true, &rs);
	CHECK(!rs->rules[0]->partial && !rs->rules[1]->partial, "cold cache: rules compile whole");
	rv_ruleset_destroy(rs);
	CHECK_U64("cold cache: one file per rule program", 2, (uint64_t)count_files(rules_cache));
	CHECK(jv_equal(jv_copy(off), jv_copy(cold)), "cold cache: same findings as no cache");
	rs = rv_ruleset_create();
	CHECK_U64("warm cache: both rules load", 2, rv_ruleset_load_dir(rs, sub));
	CHECK(rs->rules[0]->partial && rs->rules[1]->partial,
	      "warm cache: rules load with their condition only");
	struct rv_eval_opts iso = { 0 };
	jv warm = rv_ruleset_evaluate(rs, facts(), &iso);
	CHECK(jv_equal(jv_copy(cold), jv_copy(warm)), "warm cache: same findings (isolated)");
	CHECK(!rs->rules[0]->partial && !rs->rules[1]->partial,
	      "warm cache: rules that matched are compiled whole");
	jv again = rv_ruleset_evaluate(rs, facts(), &iso);
	CHECK(jv_equal(jv_copy(cold), again), "warm cache: same findings on a second evaluation");
	rv_ruleset_destroy(rs);
	jv here = evaluate_dir(sub, false, NULL);
	CHECK(jv_equal(jv_copy(cold), here), "warm cache: same findings in process");
	jv_free(warm);

	// The lie: the cache says a rule with a broken evidence compiles.
	rs = rv_ruleset_create();
	rv_ruleset_load_dir(rs, sub);
	struct rv_rule *r = !strcmp(rs->rules[0]->id, "unit-big-count") ? rs->rules[0] : rs->rules[1];
	free(r->evidence[1].expr.text);
	r->evidence[1].expr.text = strdup("nope_fn(.)");
	char *prog = rv_rules_program(r);
	rv_rules_cache_note(prog);
	free(prog);
	rv_ruleset_destroy(rs);
	char text[2048];
	snprintf(text, sizeof(text), "%s", good);
	char *count = strstr(text, "  count: .count\n");
	memcpy(count, "  count: nope_fn(.)\n", strlen("  count: nope_fn(.)\n"));
	memcpy(count + strlen("  count: nope_fn(.)\n"), good + (count - text) + strlen("  count: .count\n"),
	       strlen(good) - (size_t)(count - text) - strlen("  count: .count\n") + 1);
	write_rule("lie/unit-big-count.yaml", text);
	rs = rv_ruleset_create();
	CHECK_U64("lying cache: the rule loads", 1, rv_ruleset_load_dir(rs, lie));
	CHECK(rs->n == 1 && rs->rules[0]->partial, "lying cache: condition only");
	jv findings = rv_ruleset_evaluate(rs, facts(), &iso);
	CHECK_U64("lying cache: one error entry", 1, jv_array_length(jv_copy(findings)));
	jv f = jv_array_get(findings, 0);
	const char *err = rv_jv_str(f, "error"), *file = rv_jv_str(f, "file");
	CHECK(err && strstr(err, "evidence count: jq: nope_fn/1 is not defined") &&
	      file && strstr(file, "lie/unit-big-count.yaml") && rv_jv_num(f, "line", 0) == 9,
	      "lying cache: the error names the evidence, file and line (%s, line %d)",
	      err ? err : "?", (int)rv_jv_num(f, "line", 0));
	jv_free(f);
	rv_ruleset_destroy(rs);

	// Off: nothing written anywhere.
	char cmd[800];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
	CHECK(system(cmd) == 0, "remove %s", cache);
	setenv("RAIDVIRT_CACHE", "off", 1);
	jv_free(evaluate_dir(sub, true, NULL));
	CHECK_U64("cache off: nothing written", 0, (uint64_t)count_files(cache));
	jv_free(off);
	jv_free(cold);
}

static void severities(void)
{
	static const char *const names[] = { "info", "warning", "error", "critical" };
	for (int i = 0; i < 4; i++) {
		enum rv_severity s;
		CHECK(rv_severity_parse(names[i], &s) && (int)s == i, "severity %s parses", names[i]);
		CHECK_STR("severity name", names[i], rv_severity_name((enum rv_severity)i));
	}
	enum rv_severity s;
	CHECK(!rv_severity_parse("dire", &s), "unknown severity refused");
	CHECK(!rv_severity_parse("", &s), "empty severity refused");
}

static void builtin(void)
{
	// every shipped rule loads and lints clean
	struct rv_ruleset *rs = rv_ruleset_create();
	size_t n = rv_ruleset_load_dir(rs, RV_UNIT_RULES_DIR);
	CHECK(n >= 9, "built-in rules load (%zu)", n);
	jv p = rv_ruleset_problems(rs);
	CHECK_U64("built-in rules: no load problem", 0, jv_array_length(p));
	CHECK_U64("built-in rules: lint clean", 0, rv_ruleset_lint(rs));
	rv_ruleset_destroy(rs);
}

/* Numbers in messages and evidence: integers whole, others in the fewest
 * digits that read back as the same double. */
static void number_text(void)
{
	static const struct { double d; const char *want; } cases[] = {
		{ 48.2, "48.2" }, { 0.1, "0.1" }, { 30, "30" }, { -3, "-3" },
		{ 1.0 / 3, "0.3333333333333333" }, { 1e300, "1e+300" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *t = rv_rules_value_text(jv_number(cases[i].d));
		CHECK_STR("number as text", cases[i].want, t);
		free(t);
	}
}

void test_rules(void)
{
	if (!mkdtemp(dir)) {
		CHECK(false, "mkdtemp");
		return;
	}
	// The rule program cache in the test's directory, not the user's.
	char cache[600];
	snprintf(cache, sizeof(cache), "%s/cache", dir);
	const char *saved = getenv("RAIDVIRT_CACHE");
	char *restore = saved ? strdup(saved) : NULL;
	setenv("RAIDVIRT_CACHE", cache, 1);
	load_and_evaluate();
	problems();
	batch();
	program_cache();
	severities();
	setenv("RAIDVIRT_CACHE", cache, 1);
	builtin();	// cold
	builtin();	// warm: the same
	number_text();
	if (restore)
		setenv("RAIDVIRT_CACHE", restore, 1);
	else
		unsetenv("RAIDVIRT_CACHE");
	free(restore);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		CHECK(false, "remove %s", dir);
}

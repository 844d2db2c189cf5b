// SPDX-License-Identifier: GPL-2.0-or-later
// The rule commands of the standalone program: triage (evaluate the rules
// over a dump or a saved facts file), rules lint/list, and what the rule
// commands share (options, facts of a dump or a file); `rules test` is
// cmd_rules_test.c. The engine is lib/rules.[ch]; docs/rules.md describes
// rules, docs/cli.md the commands.

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_rules.h"
#include "cmd_rules_priv.h"
#include "rv_file.h"
#include "facts.h"
#include "rules.h"
#include "sections.h"
#include "target_kdump.h"

static const char *const prog = "raidvirt";

const char rv_usage_triage[] =
	"usage: raidvirt triage [--format FMT] [--fail-on SEVERITY] [--rules DIR] [OPTIONS] DUMP...\n"
	"       raidvirt triage [--format FMT] [--fail-on SEVERITY] [--rules DIR] --facts FILE\n"
	"\n"
	"Evaluate the rules (rules/*.yaml, docs/rules.md) over the facts of each DUMP, or\n"
	"over a facts document saved with 'raidvirt facts --json' (or crash's\n"
	"'raidvirt -j'), and print the findings: one block per finding with its\n"
	"severity, message, evidence, facts paths, remedies and references. With\n"
	"several DUMPs, one report per dump (--json: one document per line, JSON\n"
	"Lines), the debug info of each kernel (build id) loaded once, and the exit\n"
	"status the worst of them (1, then 3, then 0); a dump that cannot be read\n"
	"gets its document and the run goes on.\n"
	"\n"
	"  --format FMT            text (default), json, markdown (for tickets) or\n"
	"                          html (one self-contained page with pictures of\n"
	"                          the vectors per CPU and the I/O in flight)\n"
	"  -j, --json              --format json: {schema, source, dump, rules,\n"
	"                          summary, findings: [{rule, severity, message,\n"
	"                          evidence, paths, ...}]}\n"
	"  -e, --explain           also print each finding's explanation\n"
	"  --fail-on SEVERITY      exit 1 on a finding at or above SEVERITY (info,\n"
	"                          warning, error, critical; default error)\n"
	"  --rules DIR             also load the rules of DIR (repeatable; also\n"
	"                          $RAIDVIRT_RULES, colon-separated). A rule with the\n"
	"                          id of a built-in rule replaces it\n"
	"  --no-builtin-rules      only the rules of --rules / $RAIDVIRT_RULES\n"
	"  --param RULE.NAME=VALUE set a rule parameter (repeatable; also\n"
	"                          $RAIDVIRT_RULE_PARAMS), e.g. blk-stuck-io.threshold_s=120\n"
	"  --facts FILE            read the facts from FILE ('-': stdin), not a dump\n"
	"  --vmlinux FILE          the debug vmlinux (default: found by release and\n"
	"                          build id under /usr/lib/debug)\n"
	"  --debuginfo DIR         search DIR first for vmlinux and module .ko files\n"
	"                          (repeatable; also $RAIDVIRT_DEBUGINFO)\n"
	"  --no-default-debuginfo  do not search /usr/lib/debug\n"
	"  --types auto|dwarf|btf  where layouts come from: the vmlinux debug file\n"
	"                          (dwarf), the dump's own BTF and kallsyms (btf), or\n"
	"                          dwarf when a matching vmlinux is found, else btf\n"
	"                          (auto, the default)\n"
	"\n"
	"exit status: 0 no finding at or above --fail-on, 1 findings at or above it,\n"
	"2 usage error, 3 could not analyse (unreadable dump or facts, no rules) or\n"
	"the analysis is incomplete (missing module debug info, a rule that could not\n"
	"be loaded or evaluated) and found nothing at or above --fail-on.\n";

const char rv_usage_rules[] =
	"usage: raidvirt rules lint [DIR...]\n"
	"       raidvirt rules test [--dump NAME=FILE] [--fixtures DIR] [--skip-missing]\n"
	"                           [OPTIONS] [DIR...]\n"
	"       raidvirt rules list [--json] [DIR...]\n"
	"\n"
	"Without DIR, the built-in rules (PREFIX/share/raidvirt/rules for\n"
	"PREFIX/bin/raidvirt, the checkout's rules/ for the build tree's program).\n"
	"\n"
	"lint   load every rule, report each problem as FILE:LINE:COLUMN: message\n"
	"       (unknown keys, missing fields, bad severity, jq errors with the rule\n"
	"       file's line), and check that each rule evaluates without error when\n"
	"       every subsystem is absent. Exit 1 on any problem.\n"
	"test   for each rule, check that it fires on every dump of its tests.fires\n"
	"       and stays quiet on every dump of tests.quiet. A dump name is a rig\n"
	"       scenario (resolved with 'dumps/rig.py path NAME', then DIR/vmcore),\n"
	"       SCENARIO@KERNEL (the scenario on a rig kernel, dumps/kernels/KERNEL:\n"
	"       'dumps/rig.py path SCENARIO --kernel KERNEL', opened with the vmlinux\n"
	"       and module debug directory of DIR/meta.json), or\n"
	"       fixture:NAME (NAME.json, a facts document, in a fixtures directory:\n"
	"       --fixtures DIR, DIR/fixtures, DIR/../tests/rules/fixtures) or\n"
	"       vmcore:NAME (a synthetic vmcore of tests/fixtures/NAME.c next to the\n"
	"       rules: build/fixtures/NAME/vmcore with its vmlinux and debug/, which\n"
	"       'tests/fixtures/mkfixture NAME DIR' builds).\n"
	"       Prints 'ok'/'not ok' lines and 'N passed, M failed'; exit 1 on any\n"
	"       failure. Reads only: a dump that cannot be found, or a fixture that\n"
	"       is not built or older than its sources, fails its checks.\n"
	"         --dump NAME=FILE   use FILE (a vmcore, or a .json facts file) for NAME\n"
	"         --fixtures DIR     search DIR for fixtures first (repeatable)\n"
	"         --skip-missing     report missing dumps as 'skip', not failures\n"
	"         --vmlinux, --debuginfo, --no-default-debuginfo as for triage\n"
	"list   the rules: id, severity, subsystem, title (--json: as data).\n";

// ---- options ----


enum {
	OPT_FAIL_ON = 256,
	OPT_RULES,
	OPT_NO_BUILTIN,
	OPT_FACTS,
	OPT_VMLINUX,
	OPT_DEBUGINFO,
	OPT_NO_DEFAULT,
	OPT_DUMP,
	OPT_FIXTURES,
	OPT_SKIP_MISSING,
	OPT_TYPES,
	OPT_PARAM,
	OPT_FORMAT,
};

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "explain", no_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "no-builtin-rules", no_argument, NULL, OPT_NO_BUILTIN },
	{ "facts", required_argument, NULL, OPT_FACTS },
	{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
	{ "debuginfo", required_argument, NULL, OPT_DEBUGINFO },
	{ "no-default-debuginfo", no_argument, NULL, OPT_NO_DEFAULT },
	{ "dump", required_argument, NULL, OPT_DUMP },
	{ "fixtures", required_argument, NULL, OPT_FIXTURES },
	{ "skip-missing", no_argument, NULL, OPT_SKIP_MISSING },
	{ "types", required_argument, NULL, OPT_TYPES },
	{ "param", required_argument, NULL, OPT_PARAM },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ NULL, 0, NULL, 0 },
};

static bool push(const char **list, size_t *n, const char *s)
{
	if (*n == MAX_DIRS)
		return false;
	list[(*n)++] = s;
	return true;
}

/**
 * Parse the options of a rule command; @p allowed names the long options
 * that apply ("F" fail-on, "R" rules, "B" no-builtin, "A" facts, "D" dump
 * options, "T" test options, "j", "e"). -1 to go on, else an exit status.
 */
int rv_rules_parse_args(int argc, char **argv, const char *allowed, const char *usage,
			struct opts *o)
{
	static const struct {
		int opt;
		char key;
	} need[] = {
		{ 'j', 'j' }, { 'e', 'e' }, { OPT_FAIL_ON, 'F' }, { OPT_RULES, 'R' },
		{ OPT_NO_BUILTIN, 'B' }, { OPT_FACTS, 'A' }, { OPT_VMLINUX, 'D' },
		{ OPT_DEBUGINFO, 'D' }, { OPT_NO_DEFAULT, 'D' }, { OPT_DUMP, 'T' },
		{ OPT_FIXTURES, 'T' }, { OPT_SKIP_MISSING, 'T' }, { OPT_TYPES, 'D' },
		{ OPT_PARAM, 'P' }, { OPT_FORMAT, 'O' },
	};
	o->fail_on = RV_SEV_ERROR;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "+jeh", long_options, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return RV_EXIT_ANALYSED;
		}
		if (c == '?')
			return rv_usage_error(usage, "unknown or incomplete option '%s'",
					   argv[optind - 1]);
		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			if (need[i].opt == c && !strchr(allowed, need[i].key))
				return rv_usage_error(usage, "option '%s' does not apply here",
						   argv[optind - 1]);
		bool ok = true;
		switch (c) {
		case 'j':
			o->json = true;
			o->format = FORMAT_JSON;
			break;
		case OPT_FORMAT: {
			static const char *const names[] = { "text", "json", "markdown", "html" };
			size_t f = 0;
			while (f < 4 && strcmp(optarg, names[f]))
				f++;
			if (f == 4)
				return rv_usage_error(usage, "bad --format '%s' (text, json, "
						   "markdown, html)", optarg);
			o->format = f;
			o->json = f == FORMAT_JSON;
			break;
		}
		case 'e':
			o->explain = true;
			break;
		case OPT_FAIL_ON:
			if (!rv_severity_parse(optarg, &o->fail_on))
				return rv_usage_error(usage, "bad severity '%s' (info, warning, "
						   "error, critical)", optarg);
			break;
		case OPT_RULES:
			ok = push(o->rules, &o->nrules, optarg);
			break;
		case OPT_NO_BUILTIN:
			o->no_builtin = true;
			break;
		case OPT_FACTS:
			o->facts = optarg;
			break;
		case OPT_VMLINUX:
			o->kopts.debuginfo.vmlinux = optarg;
			break;
		case OPT_DEBUGINFO:
			ok = push(o->debugdirs, &o->ndebugdirs, optarg);
			break;
		case OPT_NO_DEFAULT:
			o->kopts.debuginfo.no_default = true;
			break;
		case OPT_TYPES:
			if (!rv_types_mode_parse(optarg, &o->kopts.types))
				return rv_usage_error(usage, "bad --types '%s' (auto, dwarf, btf)",
						   optarg);
			break;
		case OPT_DUMP:
			if (!strchr(optarg, '='))
				return rv_usage_error(usage, "--dump takes NAME=FILE, not '%s'", optarg);
			ok = push(o->dumps, &o->ndumps, optarg);
			break;
		case OPT_FIXTURES:
			ok = push(o->fixtures, &o->nfixtures, optarg);
			break;
		case OPT_SKIP_MISSING:
			o->skip_missing = true;
			break;
		case OPT_PARAM:
			ok = push(o->params, &o->nparams, optarg);
			break;
		}
		if (!ok)
			return rv_usage_error(usage, "too many '%s' options", argv[optind - 1]);
	}
	o->kopts.debuginfo.dirs = o->debugdirs;
	o->kopts.debuginfo.ndirs = o->ndebugdirs;
	o->kopts.progress = rv_progress;
	o->kopts.debuginfo.progress = rv_progress;
	return -1;
}

// ---- facts ----

/** Does any section list missing module debug info? Prints it on stderr. */
static bool report_missing(jv doc)
{
	bool missing = false;
	jv_object_foreach(doc, key, sec) {
		jv m = jv_get_kind(sec) == JV_KIND_OBJECT ?
		       jv_object_get(jv_copy(sec), jv_string("debuginfo_missing")) : jv_null();
		if (jv_get_kind(m) == JV_KIND_ARRAY && jv_array_length(jv_copy(m))) {
			jv_array_foreach(m, i, msg) {
				fprintf(stderr, "%s: incomplete analysis: %s: %s\n", prog,
					jv_string_value(key), jv_get_kind(msg) == JV_KIND_STRING ?
					jv_string_value(msg) : "debug info missing");
				jv_free(msg);
			}
			missing = true;
		}
		jv_free(m);
		jv_free(key);
		jv_free(sec);
	}
	jv_free(doc);
	return missing;
}

/**
 * Facts of a dump. When it cannot be opened: the message on stderr and, if
 * @p unreadable is given, the document of an unreadable dump
 * (rv_facts_unreadable()) with *unreadable set; else jv_invalid() with the
 * message (rules test: the dump is not available).
 */
jv rv_rules_dump_facts(const char *dump, const struct opts *o, bool *incomplete,
		       bool *unreadable)
{
	struct rv_target t;
	struct rv_error *err = rv_kdump_target_open(dump, &o->kopts, &t);
	if (err && unreadable) {
		fprintf(stderr, "%s: %s\n", prog, err->msg);
		*unreadable = true;
		return rv_facts_salvaged(rv_facts_unreadable(err), dump);
	}
	if (err) {
		jv msg = jv_string_fmt("%s", err->msg);
		rv_error_destroy(err);
		return jv_invalid_with_msg(msg);
	}
	jv doc = rv_facts_collect(&t, NULL);
	rv_kdump_target_close(&t);
	if (incomplete && report_missing(jv_copy(doc)))
		*incomplete = true;
	return doc;
}

jv rv_rules_file_facts(const char *path)
{
	// Bounded (RV_FACTS_MAX, far above any dump's facts, and below the
	// int length jv_parse_sized takes), and never blocking on a FIFO
	// given by name.
	bool is_stdin = !strcmp(path, "-");
	int fd = 0;
	char *buf = NULL;
	size_t len = 0;
	struct rv_error *err = is_stdin ? NULL :
			       rv_file_open(path, "facts document", RV_FACTS_MAX, &fd);
	if (!err)
		err = rv_file_read_all(fd, is_stdin ? "stdin" : path, RV_FACTS_MAX, &buf, &len);
	if (!is_stdin && fd > 0)
		close(fd);
	if (err) {
		jv msg = jv_string(err->msg);
		rv_error_destroy(err);
		return jv_invalid_with_msg(msg);
	}
	// jq's parser, fed the buffer: one value, then the end. (jv_parse_sized
	// would quote the whole input in its error message.)
	jv doc = jv_invalid_with_msg(jv_string("out of memory"));
	struct jv_parser *jp = jv_parser_new(0);
	if (jp) {
		jv_parser_set_buf(jp, buf, (int)len, 1);
		jv_free(doc);
		doc = jv_parser_next(jp);
		if (!jv_is_valid(doc) && !jv_invalid_has_msg(jv_copy(doc))) {
			jv_free(doc);
			doc = jv_invalid_with_msg(jv_string("empty"));
		} else if (jv_is_valid(doc)) {
			jv more = jv_parser_next(jp);
			bool extra = jv_is_valid(more) || jv_invalid_has_msg(jv_copy(more));
			jv_free(more);
			if (extra) {
				jv_free(doc);
				doc = jv_invalid_with_msg(jv_string("expected one JSON document"));
			}
		}
		jv_parser_free(jp);
	}
	free(buf);
	if (!jv_is_valid(doc)) {
		jv msg = jv_invalid_has_msg(jv_copy(doc)) ? jv_invalid_get_msg(doc) :
			 jv_string("not JSON");
		jv out = jv_invalid_with_msg(jv_string_fmt("%s: %s", path,
					     jv_get_kind(msg) == JV_KIND_STRING ?
					     jv_string_value(msg) : "not JSON"));
		jv_free(msg);
		return out;
	}
	if (jv_get_kind(doc) != JV_KIND_OBJECT) {
		jv_free(doc);
		return jv_invalid_with_msg(jv_string_fmt("%s: not a facts document (an object)",
							 path));
	}
	return doc;	// checked by rv_facts_validate() before rules run
}

/** Print load problems on @p f; true if there were any. */
static bool print_problems(FILE *f, const struct rv_ruleset *rs, const char *prefix)
{
	jv problems = rv_ruleset_problems(rs);
	bool any = jv_array_length(jv_copy(problems)) > 0;
	jv_array_foreach(problems, i, p) {
		jv s = rv_rules_problem_string(p);
		fprintf(f, "%s%s\n", prefix, jv_string_value(s));
		jv_free(s);
	}
	jv_free(problems);
	return any;
}

// ---- triage ----

static jv summary(jv findings)
{
	int count[RV_SEV_CRITICAL + 1] = { 0 }, errors = 0;
	jv_array_foreach(findings, i, f) {
		if (rv_finding_is_error(f))
			errors++;
		else
			count[rv_finding_severity(f)]++;
		jv_free(f);
	}
	jv_free(findings);
	jv s = jv_object();
	for (int i = RV_SEV_CRITICAL; i >= RV_SEV_INFO; i--)
		s = rv_jv_set(s, rv_severity_name((enum rv_severity)i), jv_number(count[i]));
	return rv_jv_set(s, "rule_errors", jv_number(errors));
}

/** build id, dump date, taint and tainted modules of the triage headline. */
static void text_identity(jv dump)
{
	const char *id = rv_jv_str(dump, "build_id");
	if (id)
		printf("build id: %s\n", id);
	jv time = jv_get_kind(dump) == JV_KIND_OBJECT ?
		  jv_object_get(jv_copy(dump), jv_string("time")) : jv_null();
	const char *date = rv_jv_str(time, "date"), *crash = rv_jv_str(time, "crash_date");
	if (date || crash)
		printf("date:     %s%s%s%s\n", date ? date : "", date && crash ? ", " : "",
		       crash ? "crashed " : "", crash ? crash : "");
	jv_free(time);
	jv taint = jv_get_kind(dump) == JV_KIND_OBJECT ?
		   jv_object_get(jv_copy(dump), jv_string("taint")) : jv_null();
	const char *letters = rv_jv_str(taint, "letters");
	jv mods = jv_get_kind(dump) == JV_KIND_OBJECT ?
		  jv_object_get(jv_copy(dump), jv_string("modules")) : jv_null();
	if (letters) {
		printf("taint:    %s", *letters ? letters : "not tainted");
		int tainted = 0;
		if (jv_get_kind(mods) == JV_KIND_ARRAY) {
			jv_array_foreach(mods, i, m) {
				const char *t = rv_jv_str(m, "taint");
				if (t && *t)
					printf("%s %s(%s)", tainted++ ? "," : "; modules", rv_jv_str(m, "name"), t);
				jv_free(m);
			}
		}
		printf("\n");
	}
	jv_free(mods);
	jv_free(taint);
}

static void text_header(jv out)
{
	jv dump = jv_object_get(jv_copy(out), jv_string("dump"));
	printf("raidvirt triage of %s\n", rv_jv_str(out, "source"));
	const char *release = rv_jv_str(dump, "release");
	const char *version = rv_jv_str(dump, "version");
	jv cpus = jv_get_kind(dump) == JV_KIND_OBJECT ?
		  jv_object_get(jv_copy(dump), jv_string("cpus")) : jv_null();
	double online = rv_jv_num(cpus, "online", -1);
	double uptime = rv_jv_num(dump, "uptime_seconds", -1);
	printf("kernel:   %s%s%s%s", release ? release : "unknown",
	       version ? " (" : "", version ? version : "", version ? ")" : "");
	if (online >= 0)
		printf(", %.0f CPU%s online", online, rv_plural(online));
	if (uptime >= 0)
		printf(", up %.0f s", uptime);
	printf("\n");
	text_identity(dump);
	jv panic = jv_get_kind(dump) == JV_KIND_OBJECT ?
		   jv_object_get(jv_copy(dump), jv_string("panic")) : jv_null();
	if (jv_get_kind(panic) == JV_KIND_OBJECT) {
		const char *msg = rv_jv_str(panic, "message");
		const char *oops = rv_jv_str(panic, "oops");
		printf("panic:    %s\n", msg ? msg : oops ? oops : "(no message)");
	} else {
		printf("panic:    %s\n", release ? "none" : "unknown");
	}
	jv_free(panic);
	jv_free(cpus);
	jv_free(dump);
	jv rules = jv_object_get(jv_copy(out), jv_string("rules"));
	char *d = rv_rules_value_text(jv_object_get(jv_copy(rules), jv_string("dirs")));
	printf("rules:    %.0f from %s\n", rv_jv_num(rules, "loaded", 0), d ? d : "?");
	free(d);
	jv_free(rules);
}

/**
 * The facts to triage: from --facts FILE (checked with rv_facts_validate())
 * or from the dump. Problems that keep the rules from running go to
 * @p problems (errors[] entries, also printed on stderr); *evaluate false.
 */
static jv triage_facts(const struct opts *o, const char *source, bool *incomplete,
		       bool *evaluate, jv *problems)
{
	*evaluate = true;
	*problems = jv_array();
	if (!o->facts) {
		bool unreadable = false;
		jv doc = rv_rules_dump_facts(source, o, incomplete, &unreadable);
		*evaluate = !unreadable;
		return doc;
	}
	jv doc = rv_rules_file_facts(o->facts);
	if (!jv_is_valid(doc)) {
		jv msg = jv_invalid_get_msg(doc);
		const char *m = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg)
								    : "cannot read the facts";
		fprintf(stderr, "%s: %s\n", prog, m);
		doc = rv_facts_unreadable(rv_error_format(RV_ERR_IO, "%s", m));
		jv_free(msg);
		*evaluate = false;
		return doc;
	}
	jv_free(*problems);
	*problems = rv_facts_validate(jv_copy(doc));
	jv_array_foreach(*problems, i, p) {
		fprintf(stderr, "%s: %s: not a usable facts document: %s\n", prog, o->facts,
			rv_jv_str(p, "message"));
		*evaluate = false;
		jv_free(p);
	}
	return doc;
}

/**
 * Triage one dump (or the --facts file) @p source with the loaded rules and
 * print its document (@p jsonl: one line, for runs over several dumps).
 * Returns its exit status. @p rules_incomplete: the rules did not all load.
 */
static int triage_one(const struct opts *o, struct rv_ruleset *rs, const char *source,
		      bool rules_incomplete, bool jsonl)
{
	bool incomplete = rules_incomplete;
	size_t nrules = rv_ruleset_count(rs);
	bool evaluate;
	jv problems;
	jv doc = triage_facts(o, source, &incomplete, &evaluate, &problems);

	jv findings = evaluate && nrules ? rv_ruleset_evaluate(rs, jv_copy(doc), NULL) : jv_array();
	findings = jv_array_concat(findings,
				   rv_rules_problem_entries(rv_ruleset_problems(rs)));
	int failing = 0, errors = 0;
	jv_array_foreach(findings, i, f) {
		if (rv_finding_is_error(f))
			errors++;
		else if (rv_finding_severity(f) >= o->fail_on)
			failing++;
		jv_free(f);
	}
	// Completeness of the whole run: the facts, the rules, the facts check.
	jv st = rv_facts_status(rv_jv_set(jv_copy(doc), "findings", jv_copy(findings)));
	jv decode_errors = jv_object_get(jv_copy(st), jv_string("errors"));
	jv st_errors = jv_array_concat(jv_object_get(jv_copy(st), jv_string("errors")),
				       problems);
	jv missing = jv_object_get(jv_copy(st), jv_string("missing"));
	jv said = jv_array_concat(jv_object_get(jv_copy(missing), jv_string("debuginfo")),
				  jv_object_get(jv_copy(missing), jv_string("modules")));
	bool missing_said = jv_get_kind(said) == JV_KIND_ARRAY && jv_array_length(jv_copy(said)) > 0;
	jv_free(said);
	if (!nrules) {
		jv r = jv_object_get(jv_copy(missing), jv_string("rules"));
		missing = rv_jv_set(missing, "rules",
				    jv_array_append(r, jv_string("no rules loaded")));
	}
	bool complete = rv_facts_complete(st) && nrules && evaluate &&
			jv_array_length(jv_copy(st_errors)) == 0;

	jv out = jv_object();
	out = rv_jv_set(out, "schema", jv_string(RV_TRIAGE_SCHEMA));
	out = rv_jv_set(out, "tool", rv_tool_identity());
	out = rv_jv_set(out, "source", jv_string(source));
	out = rv_jv_set(out, "complete", jv_bool(complete));
	out = rv_jv_set(out, "errors", st_errors);
	out = rv_jv_set(out, "missing", missing);
	jv dump = jv_object_get(jv_copy(doc), jv_string("dump"));
	if (jv_get_kind(dump) != JV_KIND_OBJECT) {
		jv_free(dump);
		dump = jv_null();
	}
	out = rv_jv_set(out, "dump", dump);
	jv rules = rv_jv_set(jv_object(), "dirs", rv_ruleset_dirs(rs));
	rules = rv_jv_set(rules, "loaded", jv_number((double)nrules));
	out = rv_jv_set(out, "rules", rules);
	out = rv_jv_set(out, "fail_on", jv_string(rv_severity_name(o->fail_on)));
	out = rv_jv_set(out, "summary", summary(jv_copy(findings)));
	out = rv_jv_set(out, "findings", jv_copy(findings));
	if (o->format == FORMAT_JSON && jsonl) {
		jv line = jv_dump_string(out, 0);
		printf("%s\n", jv_string_value(line));
		jv_free(line);
	} else if (o->format == FORMAT_JSON) {
		rv_print_json(stdout, out);
	} else if (o->format == FORMAT_MARKDOWN) {
		rv_report_markdown(stdout, out, o->explain);
		jv_free(out);
	} else if (o->format == FORMAT_HTML) {
		rv_report_html(stdout, out, doc, o->explain);
		jv_free(out);
	} else {
		text_header(out);
		rv_report_status(stdout, out);
		printf("findings: ");
		rv_report_findings_summary(stdout, findings);
		if (jv_array_length(jv_copy(findings))) {
			printf("\n");
			rv_report_findings_ex(stdout, findings, o->explain);
		}
		jv_free(out);
	}
	jv_free(findings);
	fflush(stdout);
	jv_free(doc);
	if (errors)
		fprintf(stderr, "%s: %s: %d rule error%s: the analysis is incomplete\n", prog,
			source, errors, errors > 1 ? "s" : "");
	// Sections that did not decode: say so on stderr too (rule errors, an
	// unreadable dump or facts file and missing debug info, which explains
	// the errors it causes, had their own lines).
	if (!complete && evaluate && !missing_said)
		rv_report_errors(decode_errors, "rules");
	else
		jv_free(decode_errors);
	if (failing)
		return RV_EXIT_FINDINGS;
	return incomplete || !complete ? RV_EXIT_UNANALYSABLE : RV_EXIT_ANALYSED;
}

/** The worse of two triage exit statuses: findings, then could not analyse, then clean. */
static int worse(int a, int b)
{
	static const int rank[] = {
		[RV_EXIT_ANALYSED] = 0, [RV_EXIT_UNANALYSABLE] = 1, [RV_EXIT_FINDINGS] = 2,
	};
	return rank[b] > rank[a] ? b : a;
}

int rv_cmd_triage(int argc, char **argv)
{
	struct opts o = { 0 };
	int rc = rv_rules_parse_args(argc, argv, "jeFRBADPO", rv_usage_triage, &o);
	if (rc >= 0)
		return rc;
	int nargs = argc - optind;
	if (o.facts ? nargs != 0 : nargs < 1)
		return rv_usage_error(rv_usage_triage, "%s", o.facts ? "--facts takes no DUMP" :
				      "expected DUMP... (or --facts FILE)");
	if (nargs > 1 && o.format == FORMAT_HTML)
		return rv_usage_error(rv_usage_triage, "--format html makes one page: give one DUMP");

	struct rv_ruleset *rs = rv_ruleset_load_default(o.rules, o.nrules, o.no_builtin);
	if (!rs) {
		fprintf(stderr, "%s: out of memory\n", prog);
		return RV_EXIT_UNANALYSABLE;
	}
	for (size_t i = 0; i < o.nparams; i++) {
		if (!rv_ruleset_set_param(rs, o.params[i])) {
			print_problems(stderr, rs, "raidvirt: rules: ");
			rv_ruleset_destroy(rs);
			return rv_usage_error(rv_usage_triage, "bad --param '%s'", o.params[i]);
		}
	}
	bool rules_incomplete = print_problems(stderr, rs, "raidvirt: rules: ");
	if (!rv_ruleset_count(rs))
		fprintf(stderr, "%s: no rules loaded: nothing to check\n", prog);
	if (o.facts) {
		rc = triage_one(&o, rs, o.facts, rules_incomplete, false);
		rv_ruleset_destroy(rs);
		return rc;
	}
	// Several dumps: one document each (JSON lines), the debug info of each
	// kernel loaded once (keyed by build id), the worst exit status.
	o.kopts.cache = nargs > 1 ? rv_debug_cache_new() : NULL;
	rc = RV_EXIT_ANALYSED;
	for (int i = optind; i < argc; i++) {
		if (i > optind && o.format != FORMAT_JSON)
			printf("\n");
		rc = worse(rc, triage_one(&o, rs, argv[i], rules_incomplete, nargs > 1));
	}
	if (getenv("RAIDVIRT_CACHE_STATS")) {
		unsigned int hits, misses;
		rv_debug_cache_stats(o.kopts.cache, &hits, &misses);
		fprintf(stderr, "%s: debug info cache: %u hits, %u misses\n", prog, hits, misses);
	}
	rv_debug_cache_free(o.kopts.cache);
	rv_ruleset_destroy(rs);
	return rc;
}

// ---- rules lint / list ----

struct rv_ruleset *rv_rules_load_dirs(char **dirs, int ndirs)
{
	if (ndirs == 0)
		return rv_ruleset_load_default(NULL, 0, false);
	struct rv_ruleset *rs = rv_ruleset_create();
	for (int i = 0; rs && i < ndirs; i++) {
		struct stat st;
		if (!stat(dirs[i], &st) && S_ISREG(st.st_mode))
			rv_ruleset_load_file(rs, dirs[i]);	// one file, for editors
		else
			rv_ruleset_load_dir(rs, dirs[i]);
	}
	return rs;
}

static int rules_lint(int argc, char **argv)
{
	struct opts o = { 0 };
	int rc = rv_rules_parse_args(argc, argv, "", rv_usage_rules, &o);
	if (rc >= 0)
		return rc;
	struct rv_ruleset *rs = rv_rules_load_dirs(argv + optind, argc - optind);
	if (!rs)
		return RV_EXIT_UNANALYSABLE;
	jv before = rv_ruleset_problems(rs);
	size_t nload = (size_t)jv_array_length(before);
	rv_ruleset_lint(rs);
	print_problems(stdout, rs, "");
	jv all = rv_ruleset_problems(rs);
	size_t n = (size_t)jv_array_length(all);
	size_t rules = rv_ruleset_count(rs);
	printf("%zu rule%s valid, %zu problem%s (%zu on load, %zu on evaluation)\n",
	       rules, rules == 1 ? "" : "s", n, n == 1 ? "" : "s", nload, n - nload);
	rv_ruleset_destroy(rs);
	return n || !rules ? RV_EXIT_FINDINGS : RV_EXIT_ANALYSED;
}

static int rules_list(int argc, char **argv)
{
	struct opts o = { 0 };
	int rc = rv_rules_parse_args(argc, argv, "j", rv_usage_rules, &o);
	if (rc >= 0)
		return rc;
	struct rv_ruleset *rs = rv_rules_load_dirs(argv + optind, argc - optind);
	if (!rs)
		return RV_EXIT_UNANALYSABLE;
	bool problems = print_problems(stderr, rs, "raidvirt: rules: ");
	jv list = rv_ruleset_list(rs);
	if (o.json) {
		rv_print_json(stdout, list);
	} else {
		printf("%-28s %-9s %-9s %s\n", "ID", "SEVERITY", "SUBSYSTEM", "TITLE");
		jv_array_foreach(list, i, r) {
			printf("%-28s %-9s %-9s %s\n", rv_jv_str(r, "id"), rv_jv_str(r, "severity"),
			       rv_jv_str(r, "subsystem"), rv_jv_str(r, "title"));
			jv_free(r);
		}
		jv_free(list);
	}
	rv_ruleset_destroy(rs);
	return problems ? RV_EXIT_UNANALYSABLE : RV_EXIT_ANALYSED;
}

int rv_cmd_rules(int argc, char **argv)
{
	if (argc < 2)
		return rv_usage_error(rv_usage_rules, "which rules command? (lint, test, list)");
	const char *sub = argv[1];
	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		fputs(rv_usage_rules, stdout);
		return RV_EXIT_ANALYSED;
	}
	if (!strcmp(sub, "lint"))
		return rules_lint(argc - 1, argv + 1);
	if (!strcmp(sub, "test"))
		return rv_rules_test(argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return rules_list(argc - 1, argv + 1);
	return rv_usage_error(rv_usage_rules, "no rules command '%s' (lint, test, list)", sub);
}

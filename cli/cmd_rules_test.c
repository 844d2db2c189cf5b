// SPDX-License-Identifier: GPL-2.0-or-later
// `raidvirt rules test`: every rule against the dumps its tests name
// (tests.fires, tests.quiet): rig scenarios, SCENARIO@KERNEL, facts
// fixtures and synthetic vmcores, one TAP line per check.

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_rules.h"
#include "cmd_rules_priv.h"
#include "facts.h"
#include "rules.h"
#include "sections.h"

struct dump_result {
	char *name;
	jv findings;	// or invalid with the reason the dump is unavailable
	jv unusable;	// section name -> why it cannot show a rule quiet
};

// Why section @p name of @p facts cannot show that a rule stays quiet
// (missing, not present, or not decoded); NULL when it can. Consumes nothing.
static jv section_unusable(jv facts, const char *name)
{
	jv sec = jv_object_get(jv_copy(facts), jv_string(name));
	jv why = jv_null();
	if (jv_get_kind(sec) != JV_KIND_OBJECT) {
		why = jv_string("the section is missing");
	} else {
		jv present = jv_object_get(jv_copy(sec), jv_string("present"));
		jv err = jv_object_get(jv_copy(sec), jv_string("error"));
		if (jv_get_kind(present) == JV_KIND_FALSE)
			why = jv_string("the section is not present");
		else if (jv_is_valid(err) && jv_get_kind(err) != JV_KIND_NULL) {
			jv text = jv_dump_string(jv_copy(err), 0);
			why = jv_string_fmt("the section has an error: %.200s",
					    jv_string_value(text));
			jv_free(text);
		}
		jv_free(present);
		jv_free(err);
	}
	jv_free(sec);
	return why;
}

struct tester {
	struct opts *o;
	struct rv_ruleset *rs;
	char **dirs;		// rule directories tested
	int ndirs;
	char *builtin;		// built-in rule directory, or NULL
	struct dump_result *results;
	size_t nresults;
	int passed, failed, skipped, n;
};

static bool is_file(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

/**
 * The first DIR/REL that is a file, for DIR in @p dirs (consumed) and REL
 * in @p rel[0..n); malloc'd, or NULL.
 */
static char *first_file(jv dirs, const char *const *rel, size_t n)
{
	char *found = NULL;
	jv_array_foreach(dirs, i, d) {
		for (size_t k = 0; !found && k < n; k++) {
			char *path = NULL;
			if (asprintf(&path, "%s/%s", jv_string_value(d), rel[k]) < 0)
				continue;
			if (is_file(path))
				found = path;
			else
				free(path);
		}
		jv_free(d);
	}
	jv_free(dirs);
	return found;
}

/** fixture:NAME -> the first DIR/NAME.json found. */
static char *find_fixture(struct tester *t, const char *name)
{
	char *path = NULL;
	for (size_t i = 0; i < t->o->nfixtures; i++) {
		if (asprintf(&path, "%s/%s.json", t->o->fixtures[i], name) < 0)
			return NULL;
		if (is_file(path))
			return path;
		free(path);
	}
	char *fx = NULL, *tests = NULL;
	if (asprintf(&fx, "fixtures/%s.json", name) < 0)
		fx = NULL;
	if (asprintf(&tests, "../tests/rules/fixtures/%s.json", name) < 0)
		tests = NULL;
	const char *const rel[] = { fx, tests };
	char *found = fx && tests ? first_file(rv_ruleset_dirs(t->rs), rel, 2) : NULL;
	free(fx);
	free(tests);
	return found;
}

/** The rig: $RAIDVIRT_RIG, else dumps/rig.py next to a rule directory. */
static char *find_rig(struct tester *t)
{
	const char *env = getenv("RAIDVIRT_RIG");
	if (env && *env)
		return strdup(env);
	jv dirs = rv_ruleset_dirs(t->rs);
	if (t->builtin)
		dirs = jv_array_append(dirs, jv_string(t->builtin));
	static const char *const rel[] = { "../dumps/rig.py" };
	return first_file(dirs, rel, 1);
}

/** Ask the rig where a scenario's dump is: DIR/vmcore, or an error. */
static jv rig_vmcore(struct tester *t, const char *name)
{
	char *rig = find_rig(t);
	if (!rig)
		return jv_invalid_with_msg(jv_string(
			"no rig (dumps/rig.py next to the rules, or $RAIDVIRT_RIG)"));
	int fds[2];
	if (pipe(fds)) {
		free(rig);
		return jv_invalid_with_msg(jv_string_fmt("pipe: %s", strerror(errno)));
	}
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		// SCENARIO@KERNEL: the scenario's dump on a rig kernel.
		char scenario[256];
		const char *at = strchr(name, '@');
		if (at && (size_t)(at - name) < sizeof(scenario)) {
			snprintf(scenario, sizeof(scenario), "%.*s", (int)(at - name), name);
			execlp("python3", "python3", rig, "path", scenario, "--kernel", at + 1,
			       (char *)NULL);
		} else {
			execlp("python3", "python3", rig, "path", name, (char *)NULL);
		}
		_exit(127);
	}
	close(fds[1]);
	free(rig);
	// Keep the first 4 KiB (one path, or the rig's error), drain the rest
	// so the child never blocks on a full pipe.
	char buf[4096], drain[4096];
	size_t len = 0;
	ssize_t n;
	while ((n = len < sizeof(buf) - 1 ? read(fds[0], buf + len, sizeof(buf) - 1 - len)
					 : read(fds[0], drain, sizeof(drain))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (len < sizeof(buf) - 1)
			len += (size_t)n;
	}
	buf[len] = '\0';
	close(fds[0]);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return jv_invalid_with_msg(jv_string("cannot run the rig"));
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
		buf[--len] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return jv_invalid_with_msg(jv_string_fmt("%s", len ? buf : "rig.py path failed"));
	char *last = strrchr(buf, '\n');
	jv vmcore = jv_string_fmt("%s/vmcore", last ? last + 1 : buf);
	if (!is_file(jv_string_value(vmcore))) {
		jv msg = jv_string_fmt("%s: no such file", jv_string_value(vmcore));
		jv_free(vmcore);
		return jv_invalid_with_msg(msg);
	}
	return vmcore;
}

/** Whether a file in @p dir (not recursive) is newer than @p mtime. */
static bool dir_newer(const char *dir, time_t mtime)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool newer = false;
	struct dirent *e;
	int n = 0;
	while (!newer && (e = readdir(d)) && n++ < 1000) {	// bounded
		char *path = NULL;
		struct stat st;
		if (e->d_name[0] == '.' || asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			continue;
		newer = !stat(path, &st) && S_ISREG(st.st_mode) && st.st_mtime > mtime;
		free(path);
	}
	closedir(d);
	return newer;
}

/**
 * vmcore:NAME -> a synthetic vmcore (tests/fixtures, issue 7): the first
 * rule directory DIR with DIR/../tests/fixtures/NAME.c gives the source;
 * the dump is $RAIDVIRT_FIXTURES_BUILD/NAME (else DIR/../build/fixtures/NAME)
 * /vmcore, built by the test harness (tests/fixtures/mkfixture NAME DIR;
 * tests/lib.sh rv_fixture_dir). `rules test` only reads: a fixture that is
 * missing, or older than a file of tests/fixtures or tests/fixtures/layouts,
 * fails its checks with the command that builds it. Its facts are read with
 * its own vmlinux and debug/ only.
 */
static jv fixture_vmcore_facts(struct tester *t, const char *name)
{
	jv dirs = rv_ruleset_dirs(t->rs);
	if (t->builtin)
		dirs = jv_array_append(dirs, jv_string(t->builtin));
	char *root = NULL;
	jv_array_foreach(dirs, i, d) {
		char *src = NULL;
		if (!root && asprintf(&src, "%s/../tests/fixtures/%s.c", jv_string_value(d),
				      name) >= 0) {
			if (is_file(src) && asprintf(&root, "%s/..", jv_string_value(d)) < 0)
				root = NULL;
			free(src);
		}
		jv_free(d);
	}
	jv_free(dirs);
	if (!root)
		return jv_invalid_with_msg(jv_string_fmt(
			"no tests/fixtures/%s.c next to the rule directories", name));
	const char *env = getenv("RAIDVIRT_FIXTURES_BUILD");
	char *dir = NULL, *vmcore = NULL, *vmlinux = NULL, *debug = NULL, *mk = NULL;
	if ((env && *env ? asprintf(&dir, "%s/%s", env, name)
			 : asprintf(&dir, "%s/build/fixtures/%s", root, name)) < 0 ||
	    asprintf(&vmcore, "%s/vmcore", dir) < 0 ||
	    asprintf(&vmlinux, "%s/vmlinux", dir) < 0 ||
	    asprintf(&debug, "%s/debug", dir) < 0 ||
	    asprintf(&mk, "%s/tests/fixtures/mkfixture", root) < 0) {
		free(root);
		return jv_invalid_with_msg(jv_string("out of memory"));
	}
	jv ret = jv_null();
	struct stat vst;
	char *fxdir = NULL, *lydir = NULL;
	bool stale = stat(vmcore, &vst) || !is_file(vmlinux);
	if (!stale && asprintf(&fxdir, "%s/tests/fixtures", root) >= 0 &&
	    asprintf(&lydir, "%s/tests/fixtures/layouts", root) >= 0)
		stale = dir_newer(fxdir, vst.st_mtime) || dir_newer(lydir, vst.st_mtime);
	free(fxdir);
	free(lydir);
	if (stale)
		ret = jv_invalid_with_msg(jv_string_fmt(
			"fixture %s is %s: build it with %s %s %s", name,
			is_file(vmcore) ? "older than its sources" : "not built", mk, name, dir));
	if (jv_get_kind(ret) == JV_KIND_NULL) {
		struct opts o = *t->o;
		o.kopts.debuginfo.vmlinux = vmlinux;
		o.debugdirs[0] = debug;
		o.ndebugdirs = 1;
		o.kopts.debuginfo.dirs = o.debugdirs;
		o.kopts.debuginfo.ndirs = 1;
		o.kopts.debuginfo.no_default = true;
		ret = rv_rules_dump_facts(vmcore, &o, NULL, NULL);
	}
	free(root);
	free(dir);
	free(vmcore);
	free(vmlinux);
	free(debug);
	free(mk);
	return ret;
}

/**
 * The facts of a rig dump of another kernel than the installed one: its
 * vmlinux and module debug directory are the ones DIR/meta.json names
 * (dumps/rig.py writes them), searched before the command line's.
 */
static jv rig_kernel_facts(const char *vmcore, const struct opts *o)
{
	char *meta_path = NULL;
	const char *slash = strrchr(vmcore, '/');
	if (!slash || asprintf(&meta_path, "%.*s/meta.json", (int)(slash - vmcore), vmcore) < 0)
		return jv_invalid_with_msg(jv_string_fmt("%s: no directory", vmcore));
	jv meta = rv_rules_file_facts(meta_path);
	free(meta_path);
	if (!jv_is_valid(meta))
		return meta;
	jv vmlinux = jv_object_get(jv_copy(meta), jv_string("vmlinux"));
	jv moddir = jv_object_get(meta, jv_string("module_debuginfo_dir"));
	jv doc;
	if (jv_get_kind(vmlinux) != JV_KIND_STRING || jv_get_kind(moddir) != JV_KIND_STRING) {
		doc = jv_invalid_with_msg(jv_string_fmt(
			"%s: meta.json names no vmlinux and module_debuginfo_dir", vmcore));
	} else {
		struct opts k = *o;
		k.kopts.debuginfo.vmlinux = jv_string_value(vmlinux);
		k.debugdirs[0] = jv_string_value(moddir);
		size_t n = 1;
		for (size_t i = 0; i < o->ndebugdirs && n < MAX_DIRS; i++)
			k.debugdirs[n++] = o->debugdirs[i];
		k.ndebugdirs = n;
		k.kopts.debuginfo.dirs = k.debugdirs;
		k.kopts.debuginfo.ndirs = n;
		doc = rv_rules_dump_facts(vmcore, &k, NULL, NULL);
	}
	jv_free(vmlinux);
	jv_free(moddir);
	return doc;
}

/** The facts of a test dump name, or invalid with why not. */
static jv test_facts(struct tester *t, const char *name)
{
	const char *file = NULL;
	for (size_t i = 0; i < t->o->ndumps; i++) {
		size_t len = strcspn(t->o->dumps[i], "=");
		if (strlen(name) == len && !strncmp(t->o->dumps[i], name, len))
			file = t->o->dumps[i] + len + 1;
	}
	jv path;
	if (file) {
		path = jv_string(file);
	} else if (!strncmp(name, "vmcore:", 7)) {
		return fixture_vmcore_facts(t, name + 7);
	} else if (!strncmp(name, "fixture:", 8)) {
		char *p = find_fixture(t, name + 8);
		if (!p)
			return jv_invalid_with_msg(jv_string_fmt(
				"fixture %s.json not found (--fixtures DIR, DIR/fixtures, "
				"DIR/../tests/rules/fixtures)", name + 8));
		path = jv_string(p);
		free(p);
	} else {
		path = rig_vmcore(t, name);
		if (!jv_is_valid(path))
			return path;
	}
	const char *p = jv_string_value(path);
	size_t len = strlen(p);
	jv doc;
	if (len > 5 && !strcmp(p + len - 5, ".json"))
		doc = rv_rules_file_facts(p);
	else if (!file && strchr(name, '@'))
		doc = rig_kernel_facts(p, t->o);
	else
		doc = rv_rules_dump_facts(p, t->o, NULL, NULL);
	jv_free(path);
	return doc;
}

/**
 * The findings of every rule on dump @p name (evaluated once per dump);
 * *ret_unusable: section name -> why it cannot show a rule quiet.
 */
static jv dump_findings(struct tester *t, const char *name, jv *ret_unusable)
{
	for (size_t i = 0; i < t->nresults; i++) {
		if (!strcmp(t->results[i].name, name)) {
			*ret_unusable = jv_copy(t->results[i].unusable);
			return jv_copy(t->results[i].findings);
		}
	}
	fprintf(stderr, "# evaluating the rules on %s\n", name);
	jv facts = test_facts(t, name);
	jv unusable = jv_object();
	if (jv_is_valid(facts)) {
		for (const struct rv_section *s = rv_sections; s->name; s++) {
			jv why = section_unusable(facts, s->name);
			if (jv_get_kind(why) == JV_KIND_STRING)
				unusable = rv_jv_set(unusable, s->name, why);
			else
				jv_free(why);
		}
	}
	jv findings = jv_is_valid(facts) ? rv_ruleset_evaluate(t->rs, facts, NULL) : facts;
	*ret_unusable = jv_copy(unusable);
	struct dump_result *r = realloc(t->results, (t->nresults + 1) * sizeof(*r));
	if (!r) {
		jv_free(unusable);
		return findings;
	}
	t->results = r;
	r[t->nresults].name = strdup(name);
	r[t->nresults].findings = jv_copy(findings);
	r[t->nresults].unusable = unusable;
	t->nresults++;
	return findings;
}

/** The findings and error entries of @p rule among @p all (consumed). */
static void split_findings(jv all, const char *rule, jv *found, jv *errors)
{
	*found = jv_array();
	*errors = jv_array();
	jv_array_foreach(all, i, f) {
		const char *id = rv_jv_str(f, "rule");
		if (!id || strcmp(id, rule)) {
			jv_free(f);
			continue;
		}
		if (rv_finding_is_error(f)) {
			*errors = jv_array_append(*errors, jv_object_get(f, jv_string("error")));
		} else {
			jv errs = jv_object_get(jv_copy(f), jv_string("errors"));
			if (jv_get_kind(errs) == JV_KIND_ARRAY)
				*errors = jv_array_concat(*errors, errs);
			else
				jv_free(errs);
			*found = jv_array_append(*found, jv_object_get(f, jv_string("paths")));
		}
	}
	jv_free(all);
}

/**
 * One test of @p rule on dump @p name. Quiet passes only when the rule's
 * section (@p subsystem) was decoded: a rule is not "quiet" on a dump where
 * its section is missing, not present or failed.
 */
static void check(struct tester *t, const char *rule, const char *subsystem,
		  const char *name, bool fires)
{
	t->n++;
	jv unusable;
	jv all = dump_findings(t, name, &unusable);
	const char *why_unusable = subsystem ? rv_jv_str(unusable, subsystem) : NULL;
	if (!jv_is_valid(all)) {
		jv msg = jv_invalid_get_msg(all);
		const char *why = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "?";
		if (t->o->skip_missing) {
			printf("ok %d - %s %s on %s # SKIP dump not available: %s\n", t->n, rule,
			       fires ? "fires" : "quiet", name, why);
			t->skipped++;
		} else {
			printf("not ok %d - %s %s on %s: dump not available: %s\n", t->n, rule,
			       fires ? "fires" : "quiet", name, why);
			t->failed++;
		}
		jv_free(msg);
		jv_free(unusable);
		return;
	}
	jv found, errors;
	split_findings(all, rule, &found, &errors);
	int nfound = jv_array_length(jv_copy(found));
	int nerr = jv_array_length(jv_copy(errors));
	jv where = jv_array();
	jv_array_foreach(found, i, paths) {
		where = jv_array_append(where, jv_array_get(paths, 0));
	}
	char *w = rv_rules_value_text(where);
	char *e = rv_rules_value_text(jv_copy(errors));
	if (nerr) {
		printf("not ok %d - %s %s on %s: rule error: %s\n", t->n, rule,
		       fires ? "fires" : "quiet", name, e ? e : "?");
		t->failed++;
	} else if (fires && nfound) {
		printf("ok %d - %s fires on %s: %s\n", t->n, rule, name, w ? w : "?");
		t->passed++;
	} else if (fires) {
		printf("not ok %d - %s fires on %s: no finding\n", t->n, rule, name);
		t->failed++;
	} else if (!nfound && why_unusable) {
		printf("not ok %d - %s quiet on %s: proves nothing, section %s: %s\n", t->n,
		       rule, name, subsystem, why_unusable);
		t->failed++;
	} else if (!nfound) {
		printf("ok %d - %s quiet on %s\n", t->n, rule, name);
		t->passed++;
	} else {
		printf("not ok %d - %s quiet on %s: %d finding%s at %s\n", t->n, rule, name,
		       nfound, nfound > 1 ? "s" : "", w ? w : "?");
		t->failed++;
	}
	free(w);
	free(e);
	jv_free(found);
	jv_free(errors);
	jv_free(unusable);
	fflush(stdout);
}

int rv_rules_test(int argc, char **argv)
{
	struct opts o = { 0 };
	int rc = rv_rules_parse_args(argc, argv, "DT", rv_usage_rules, &o);
	if (rc >= 0)
		return rc;
	struct tester t = { .o = &o, .dirs = argv + optind, .ndirs = argc - optind };
	t.rs = rv_rules_load_dirs(t.dirs, t.ndirs);
	t.builtin = rv_rules_builtin_dir();
	if (!t.rs)
		return RV_EXIT_UNANALYSABLE;
	jv problems = rv_ruleset_problems(t.rs);
	jv_array_foreach(problems, i, p) {
		jv s = rv_rules_problem_string(p);
		printf("not ok %d - load: %s\n", ++t.n, jv_string_value(s));
		t.failed++;
		jv_free(s);
	}
	jv_free(problems);
	jv rules = rv_ruleset_list(t.rs);
	jv_array_foreach(rules, i, r) {
		const char *id = rv_jv_str(r, "id");
		jv tests = jv_object_get(jv_copy(r), jv_string("tests"));
		static const char *const kinds[] = { "fires", "quiet" };
		for (int k = 0; k < 2; k++) {
			jv names = jv_object_get(jv_copy(tests), jv_string(kinds[k]));
			jv_array_foreach(names, j, name) {
				check(&t, id, rv_jv_str(r, "subsystem"), jv_string_value(name),
				      k == 0);
				jv_free(name);
			}
			jv_free(names);
		}
		jv_free(tests);
		jv_free(r);
	}
	jv_free(rules);
	if (!rv_ruleset_count(t.rs)) {
		printf("not ok %d - no rules loaded\n", ++t.n);
		t.failed++;
	}
	printf("%d passed, %d failed", t.passed, t.failed);
	if (t.skipped)
		printf(", %d skipped", t.skipped);
	printf("\n");
	for (size_t i = 0; i < t.nresults; i++) {
		free(t.results[i].name);
		jv_free(t.results[i].findings);
		jv_free(t.results[i].unusable);
	}
	free(t.results);
	free(t.builtin);
	rv_ruleset_destroy(t.rs);
	return t.failed ? RV_EXIT_FINDINGS : RV_EXIT_ANALYSED;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// The rule engine, evaluation side: runs each rule's compiled program over
// the facts document, builds the findings, and keeps a bad rule from
// hurting the host program.
//
// Isolation: a jq program can loop forever (`last(repeat(1))` produces
// nothing and never ends) or allocate without bound (`[range(1e10)]`), and
// libjq aborts on allocation failure. So the rules run in a forked child,
// one after the other, each with a memory limit (what it may add to the
// child's address space); the child sends each rule's findings as one line
// of JSON through a pipe, and the parent gives each rule its own deadline.
// A rule that passes its deadline or kills the child is that rule's error
// entry; a new child goes on with the next rule. One fork per run, not per
// rule: forking a process that maps the DWARF costs milliseconds. The facts
// are shared copy-on-write. Inside crash this also keeps crash's own signal
// handlers out of the child. RAIDVIRT_RULES_NOFORK=1 (or no_isolate)
// evaluates in process, for debuggers and valgrind.
//
// Two steps when some rules were loaded with their condition only
// (rules_priv.h, partial): the first child runs every rule, and such a rule
// that matched sends back its paths instead of findings; the parent
// compiles those rules whole, together (rv_rules_complete()), and a second
// child gives their findings at those paths, with the same limits.

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "facts.h"
#include "rules_priv.h"

/** Largest result a child may send back (it is JSON text). */
#define RESULT_MAX (64u << 20)

// ---- values as text ----

/* The fewest significant digits that read back as @p d: 48.2, not
 * 48.200000000000003 (what %.17g prints for the double nearest 48.2). */
static const char *shortest_number(char *buf, size_t size, double d)
{
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return buf;
}

static void value_text(FILE *f, jv v, int depth)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		fputs(jv_string_value(v), f);
		break;
	case JV_KIND_NUMBER: {
		char buf[32];
		double d = jv_number_value(v);
		if (d == (double)(long long)d && d > -9e15 && d < 9e15)
			fprintf(f, "%lld", (long long)d);
		else
			fputs(shortest_number(buf, sizeof(buf), d), f);
		break;
	}
	case JV_KIND_NULL:
		fputs("-", f);
		break;
	case JV_KIND_TRUE:
		fputs("true", f);
		break;
	case JV_KIND_FALSE:
		fputs("false", f);
		break;
	case JV_KIND_ARRAY:
		if (depth == 0) {
			// A list of values reads best as "a, b, c".
			if (jv_array_length(jv_copy(v)) == 0)
				fputs("none", f);
			jv_array_foreach(v, i, e) {
				if (i)
					fputs(", ", f);
				value_text(f, e, depth + 1);
			}
			break;
		}
		// Nested structures as compact JSON.
		__attribute__((fallthrough));
	default: {
		jv s = jv_dump_string(jv_copy(v), 0);
		fputs(jv_string_value(s), f);
		jv_free(s);
		break;
	}
	}
	jv_free(v);
}

char *rv_rules_value_text(jv v)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f) {
		jv_free(v);
		return NULL;
	}
	value_text(f, v, 0);
	fclose(f);
	return out;
}

// ---- facts paths ----

static bool is_ident(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_' ||
		      (*s >= '0' && *s <= '9')))
			return false;
	return true;
}

/** ["md","arrays",0] -> "md.arrays[0]"; [] -> "." (consumes @p path). */
static jv path_string(jv path)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f) {
		jv_free(path);
		return jv_string("?");
	}
	int n = 0;
	jv_array_foreach(path, i, k) {
		if (jv_get_kind(k) == JV_KIND_NUMBER) {
			fprintf(f, "[%lld]", (long long)jv_number_value(k));
		} else if (jv_get_kind(k) == JV_KIND_STRING && is_ident(jv_string_value(k))) {
			fprintf(f, "%s%s", n ? "." : "", jv_string_value(k));
		} else {
			jv s = jv_dump_string(jv_copy(k), 0);	// slices, odd keys
			fprintf(f, "[%s]", jv_string_value(s));
			jv_free(s);
		}
		n++;
		jv_free(k);
	}
	if (!n)
		fputc('.', f);
	fclose(f);
	jv s = jv_string(out ? out : "?");
	free(out);
	jv_free(path);
	return s;
}

// ---- running the program ----

/**
 * Run part @p part (RV_PART_*) of @p r's program; up to @p cap + 1 outputs
 * as an array, or an invalid with the error message. Consumes @p facts and
 * @p match.
 */
static jv run(const struct rv_rule *r, jv facts, size_t part, jv match, unsigned int cap)
{
	jv input = jv_array();
	input = jv_array_append(input, facts);
	input = jv_array_append(input, match);
	input = jv_array_append(input, jv_copy(r->params));
	input = jv_array_append(input, jv_number((double)((size_t)r->index + part)));
	jq_state *jq = r->prog->jq;
	jq_start(jq, input, 0);
	jv out = jv_array();
	for (unsigned int n = 0; n <= cap; n++) {
		jv v = jq_next(jq);
		if (jv_is_valid(v)) {
			out = jv_array_append(out, v);
			continue;
		}
		if (jv_invalid_has_msg(jv_copy(v))) {
			jv msg = jv_invalid_get_msg(v);
			jv_free(out);
			if (jv_get_kind(msg) != JV_KIND_STRING) {
				jv s = jv_dump_string(msg, 0);
				msg = s;
			}
			return jv_invalid_with_msg(msg);
		}
		jv_free(v);
		if (jq_halted(jq)) {
			jv_free(out);
			return jv_invalid_with_msg(jv_string("the program called halt"));
		}
		break;
	}
	return out;
}

static jv rule_base(const struct rv_rule *r)
{
	jv o = jv_object();
	o = rv_jv_set(o, "rule", jv_string(r->id));
	o = rv_jv_set(o, "title", jv_string(r->title));
	o = rv_jv_set(o, "severity", jv_string(rv_severity_name(r->severity)));
	o = rv_jv_set(o, "subsystem", jv_string(r->subsystem));
	return o;
}

static jv error_entry_at(const struct rv_rule *r, int line, jv msg)
{
	jv o = rule_base(r);
	o = rv_jv_set(o, "file", jv_string(r->file));
	o = rv_jv_set(o, "line", jv_number(line));
	return rv_jv_set(o, "error", msg);
}

static jv error_entry(const struct rv_rule *r, jv msg)
{
	return error_entry_at(r, r->line, msg);
}

/**
 * The evidence object of one match: each value is its program's single
 * output, null for none, the list of outputs for several (at most
 * RV_RULES_MAX_OUTPUTS). Problems go to @p errors.
 */
static jv evidence_of(const struct rv_rule *r, jv facts, jv match, jv *errors)
{
	jv ev = jv_object();
	for (size_t i = 0; i < r->nevidence; i++) {
		const char *name = r->evidence[i].name;
		jv vals = run(r, jv_copy(facts), RV_PART_EVIDENCE + i, jv_copy(match),
			      RV_RULES_MAX_OUTPUTS);
		if (!jv_is_valid(vals)) {
			jv msg = jv_invalid_get_msg(vals);
			*errors = jv_array_append(*errors, jv_string_fmt("evidence %s: %s", name,
						  jv_string_value(msg)));
			jv_free(msg);
			ev = rv_jv_set(ev, name, jv_null());
			continue;
		}
		int n = jv_array_length(jv_copy(vals));
		if (n == 0) {
			jv_free(vals);
			vals = jv_null();
		} else if (n == 1) {
			vals = jv_array_get(vals, 0);
		} else if (n > RV_RULES_MAX_OUTPUTS) {
			vals = jv_array_slice(vals, 0, RV_RULES_MAX_OUTPUTS);
			*errors = jv_array_append(*errors, jv_string_fmt(
				"evidence %s: more than %d values, the first %d kept", name,
				RV_RULES_MAX_OUTPUTS, RV_RULES_MAX_OUTPUTS));
		}
		ev = rv_jv_set(ev, name, vals);
	}
	jv_free(facts);
	jv_free(match);
	return ev;
}

/** Paths of the match and of what `related` selects, as strings, unique. */
static jv paths_of(const struct rv_rule *r, jv facts, jv path, jv match, jv *errors)
{
	jv paths = jv_array_append(jv_array(), path_string(path));
	if (!r->related.text) {
		jv_free(facts);
		jv_free(match);
		return paths;
	}
	jv rel = run(r, facts, RV_PART_RELATED, match, RV_RULES_MAX_OUTPUTS);
	if (!jv_is_valid(rel)) {
		jv msg = jv_invalid_get_msg(rel);
		*errors = jv_array_append(*errors, jv_string_fmt("related: %s",
					  jv_string_value(msg)));
		jv_free(msg);
		return paths;
	}
	if (jv_array_length(jv_copy(rel)) > RV_RULES_MAX_OUTPUTS) {
		rel = jv_array_slice(rel, 0, RV_RULES_MAX_OUTPUTS);
		*errors = jv_array_append(*errors, jv_string_fmt(
			"related: more than %d paths, the first %d kept",
			RV_RULES_MAX_OUTPUTS, RV_RULES_MAX_OUTPUTS));
	}
	jv_array_foreach(rel, i, p) {
		jv s = path_string(p);
		bool dup = false;
		jv_array_foreach(paths, j, have) {
			if (jv_equal(have, jv_copy(s)))
				dup = true;
		}
		paths = dup ? (jv_free(s), paths) : jv_array_append(paths, s);
	}
	jv_free(rel);
	return paths;
}

static jv finding(const struct rv_rule *r, jv facts, jv path)
{
	jv match = jv_getpath(jv_copy(facts), jv_copy(path));
	if (!jv_is_valid(match)) {
		jv_free(match);
		match = jv_null();
	}
	jv errors = jv_array();
	jv ev = evidence_of(r, jv_copy(facts), jv_copy(match), &errors);
	jv paths = paths_of(r, facts, path, match, &errors);
	char *msg = rv_rules_expand(r, r->message, ev, NULL);

	jv o = rule_base(r);
	o = rv_jv_set(o, "message", jv_string(msg ? msg : r->message));
	free(msg);
	o = rv_jv_set(o, "evidence", ev);
	o = rv_jv_set(o, "paths", paths);
	o = rv_jv_set(o, "explanation", jv_string(r->explanation));
	o = rv_jv_set(o, "remedies", jv_copy(r->remedies));
	o = rv_jv_set(o, "references", jv_copy(r->references));
	if (jv_object_length(jv_copy(r->params)))
		o = rv_jv_set(o, "parameters", jv_copy(r->params));
	o = rv_jv_set(o, "file", jv_string(r->file));
	if (jv_array_length(jv_copy(errors)))
		o = rv_jv_set(o, "errors", errors);
	else
		jv_free(errors);
	return o;
}

/** Rule @p r's matches: the condition's paths (at most @p max_matches + 1), or its error entries. */
static jv matches_of(const struct rv_rule *r, jv facts, unsigned int max_matches)
{
	jv paths = run(r, facts, RV_PART_CONDITION, jv_null(), max_matches);
	if (!jv_is_valid(paths)) {
		jv msg = jv_invalid_get_msg(paths);
		jv m = jv_string_fmt("condition: %s", jv_get_kind(msg) == JV_KIND_STRING ?
				     jv_string_value(msg) : "?");
		jv_free(msg);
		return jv_array_append(jv_array(), error_entry_at(r, r->condition.line, m));
	}
	return rv_jv_set(jv_object(), "paths", paths);
}

/** The findings of @p r at @p paths (from matches_of(); consumed). */
static jv findings_at(const struct rv_rule *r, jv facts, jv paths, unsigned int max_matches)
{
	jv out = jv_array();
	int n = jv_array_length(jv_copy(paths));
	jv_array_foreach(paths, i, p) {
		if ((unsigned int)i >= max_matches) {
			jv_free(p);
			continue;
		}
		out = jv_array_append(out, finding(r, jv_copy(facts), p));
	}
	jv_free(paths);
	jv_free(facts);
	if ((unsigned int)n > max_matches)
		out = jv_array_append(out, error_entry(r, jv_string_fmt(
			"more than %u matches: only the first %u are reported", max_matches,
			max_matches)));
	return out;
}

/**
 * One rule, in this process: its findings and error entries (an array),
 * or, for a partial rule (rules_priv.h) that matched, {paths: [...]}: its
 * related and evidence programs must be compiled first. With @p paths (not
 * null), the findings at those paths of a rule completed since.
 */
static jv eval_rule(const struct rv_rule *r, jv facts, jv paths, unsigned int max_matches)
{
	if (jv_get_kind(paths) == JV_KIND_NULL) {
		jv m = matches_of(r, jv_copy(facts), max_matches);
		if (jv_get_kind(m) != JV_KIND_OBJECT) {
			jv_free(facts);
			return m;
		}
		paths = jv_object_get(jv_copy(m), jv_string("paths"));
		if (r->partial && jv_array_length(jv_copy(paths))) {
			jv_free(paths);
			jv_free(facts);
			return m;
		}
		jv_free(m);
	}
	return findings_at(r, facts, paths, max_matches);
}

// ---- isolation ----

static size_t vm_size(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/** Let the next rule add at most @p memory_mb to the address space. */
static void limit_memory(unsigned int memory_mb)
{
	size_t vm = vm_size();
	struct rlimit as;
	if (!vm || getrlimit(RLIMIT_AS, &as))
		return;
	// Only the soft limit: the next rule's limit may be higher.
	rlim_t want = vm + ((size_t)memory_mb << 20);
	as.rlim_cur = as.rlim_max == RLIM_INFINITY || want < as.rlim_max ? want : as.rlim_max;
	setrlimit(RLIMIT_AS, &as);
}

static __attribute__((noreturn)) void child(const struct rv_rule *const *rules, size_t n,
					    jv facts, jv paths, const struct rv_eval_opts *o, int fd)
{
	// The host's handlers (crash's SIGSEGV/SIGINT longjmps) must not run
	// here: die plainly, the parent reports it.
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGINT,
				    SIGTERM, SIGPIPE, SIGALRM, SIGCHLD, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	struct rlimit core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &core);
	for (size_t i = 0; i < n; i++) {
		limit_memory(o->memory_mb);
		jv p = jv_get_kind(paths) == JV_KIND_ARRAY ?
		       jv_array_get(jv_copy(paths), (int)i) : jv_null();
		jv res = eval_rule(rules[i], jv_copy(facts), p, o->max_matches);
		// One line per rule: JSON text without flags has no newline.
		jv s = jv_dump_string(res, 0);
		write_all(fd, jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
		write_all(fd, "\n", 1);
		jv_free(s);
	}
	_exit(0);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/** How a child's run ended. */
enum child_end { END_EOF, END_TIMEOUT, END_TOO_BIG };

/**
 * Read the child's lines until EOF, the current rule's deadline or a
 * result over RESULT_MAX; each complete line is rule *done's result
 * (eval_rule()), appended to the array returned. The deadline restarts
 * with each line.
 */
static jv read_results(int fd, const struct rv_rule *const *rules, size_t n, size_t *done,
		       const struct rv_eval_opts *o, enum child_end *end)
{
	jv all = jv_array();
	char *buf = NULL;
	size_t len = 0, cap = 0, scanned = 0;
	long long deadline = now_ms() + o->timeout_ms;
	*end = END_EOF;
	for (;;) {
		char *nl;
		while (*done < n && len > scanned &&
		       (nl = memchr(buf + scanned, '\n', len - scanned))) {
			size_t line = (size_t)(nl - buf);
			jv res = jv_parse_sized(buf, (int)line);
			if (!jv_is_valid(res) || (jv_get_kind(res) != JV_KIND_ARRAY &&
						  jv_get_kind(res) != JV_KIND_OBJECT)) {
				jv msg = jv_invalid_has_msg(jv_copy(res)) ? jv_invalid_get_msg(res) :
					 (jv_free(res), jv_string("bad result"));
				res = jv_array_append(jv_array(), error_entry(rules[*done], msg));
			}
			all = jv_array_append(all, res);
			(*done)++;
			memmove(buf, nl + 1, len - line - 1);
			len -= line + 1;
			scanned = 0;
			deadline = now_ms() + o->timeout_ms;
		}
		scanned = len;
		if (len > RESULT_MAX) {
			*end = END_TOO_BIG;
			break;
		}
		long long left = deadline - now_ms();
		if (left <= 0) {
			*end = END_TIMEOUT;
			break;
		}
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc = poll(&p, 1, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			break;
		if (rc == 0)
			continue;
		if (len + 65536 > cap) {
			size_t ncap = cap ? 2 * cap : 65536;
			char *nbuf = realloc(buf, ncap + 1);
			if (!nbuf) {
				*end = END_TOO_BIG;
				break;
			}
			buf = nbuf;
			cap = ncap;
		}
		ssize_t got = read(fd, buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	free(buf);
	return all;
}

/** Why the child stopped before rule @p r's result: the error message. */
static jv child_error(enum child_end end, int status, const struct rv_eval_opts *o)
{
	if (end == END_TIMEOUT)
		return jv_string_fmt("evaluation timed out after %u ms (a jq program that loops "
				     "without output?) and was stopped", o->timeout_ms);
	if (end == END_TOO_BIG)
		return jv_string_fmt("evaluation produced more than %u MiB of findings",
				     RESULT_MAX >> 20);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		if (sig == SIGABRT || sig == SIGSEGV || sig == SIGKILL)
			return jv_string_fmt("evaluation died of signal %d (%s); out of memory? "
					     "(a rule may add at most %u MiB)", sig, strsignal(sig),
					     o->memory_mb);
		return jv_string_fmt("evaluation died of signal %d (%s)", sig, strsignal(sig));
	}
	return jv_string("evaluation failed without a result");
}

/**
 * Rules @p rules[0..n) in forked children, as few as the rules allow:
 * each rule's eval_rule() result, in order. @p paths as for eval_rule(),
 * one per rule, or null. Consumes @p facts and @p paths.
 */
static jv eval_isolated(const struct rv_rule *const *rules, size_t n, jv facts, jv paths,
			const struct rv_eval_opts *o)
{
	jv all = jv_array();
	size_t next = 0;
	while (next < n) {
		int fds[2];
		pid_t pid = -1;
		if (pipe2(fds, O_CLOEXEC) == 0) {
			pid = fork();
			if (pid < 0) {
				close(fds[0]);
				close(fds[1]);
			}
		}
		if (pid < 0) {
			jv msg = jv_string_fmt("cannot evaluate: %s", strerror(errno));
			for (; next < n; next++)
				all = jv_array_append(all, jv_array_append(jv_array(),
						      error_entry(rules[next], jv_copy(msg))));
			jv_free(msg);
			break;
		}
		if (pid == 0) {
			close(fds[0]);
			child(rules + next, n - next, facts, jv_get_kind(paths) == JV_KIND_ARRAY ?
			      jv_array_slice(jv_copy(paths), (int)next, (int)n) : jv_null(), o, fds[1]);
		}
		close(fds[1]);
		size_t done = 0;
		enum child_end end;
		all = jv_array_concat(all, read_results(fds[0], rules + next, n - next, &done,
							o, &end));
		close(fds[0]);
		if (end != END_EOF || next + done < n)
			kill(pid, SIGKILL);
		int status = 0;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		next += done;
		if (next < n) {
			// The rule the child was running when it stopped.
			all = jv_array_append(all, jv_array_append(jv_array(), error_entry(rules[next],
						      child_error(end, status, o))));
			next++;
		}
	}
	jv_free(facts);
	jv_free(paths);
	return all;
}

// ---- the whole set ----

bool rv_finding_is_error(jv f)
{
	bool err = false;
	if (jv_get_kind(f) == JV_KIND_OBJECT) {
		jv e = jv_object_get(jv_copy(f), jv_string("error"));
		err = jv_is_valid(e) && jv_get_kind(e) != JV_KIND_NULL;
		jv_free(e);
	}
	return err;
}

enum rv_severity rv_finding_severity(jv f)
{
	enum rv_severity sev = RV_SEV_INFO;
	const char *s = rv_jv_str(f, "severity");
	if (s)
		rv_severity_parse(s, &sev);
	return sev;
}

struct sort_item {
	jv f;
	size_t idx;
};

static int compare_findings(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;
	bool ex = rv_finding_is_error(x->f), ey = rv_finding_is_error(y->f);
	if (ex != ey)
		return ex ? 1 : -1;	// error entries last
	int sx = rv_finding_severity(x->f), sy = rv_finding_severity(y->f);
	if (sx != sy)
		return sy - sx;		// most severe first
	const char *rx = rv_jv_str(x->f, "rule"), *ry = rv_jv_str(y->f, "rule");
	int c = strcmp(rx ? rx : "", ry ? ry : "");
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static jv sort_findings(jv list)
{
	int n = jv_array_length(jv_copy(list));
	struct sort_item *items = calloc(n ? (size_t)n : 1, sizeof(*items));
	if (!items)
		return list;
	jv_array_foreach(list, i, f)
		items[i] = (struct sort_item){ f, (size_t)i };
	qsort(items, (size_t)n, sizeof(*items), compare_findings);
	jv sorted = jv_array();
	for (int i = 0; i < n; i++)
		sorted = jv_array_append(sorted, items[i].f);
	free(items);
	jv_free(list);
	return sorted;
}

static void fill_defaults(struct rv_eval_opts *o)
{
	if (!o->max_matches)
		o->max_matches = RV_RULES_MAX_MATCHES;
	if (!o->timeout_ms) {
		const char *env = getenv("RAIDVIRT_RULE_TIMEOUT");
		double secs = env ? atof(env) : 0;
		o->timeout_ms = secs > 0 ? (unsigned int)(secs * 1000) : RV_RULES_TIMEOUT_MS;
	}
	if (!o->memory_mb) {
		const char *env = getenv("RAIDVIRT_RULE_MEMORY_MB");
		long mb = env ? atol(env) : 0;
		o->memory_mb = mb > 0 ? (unsigned int)mb : RV_RULES_MEMORY_MB;
	}
	const char *nofork = getenv("RAIDVIRT_RULES_NOFORK");
	if (nofork && *nofork && strcmp(nofork, "0"))
		o->no_isolate = true;
}

/** eval_rule() of each of @p rules[0..n), in a child or here (no_isolate). */
static jv evaluate_some(const struct rv_rule *const *rules, size_t n, jv facts, jv paths,
			const struct rv_eval_opts *o)
{
	if (!o->no_isolate)
		return eval_isolated(rules, n, facts, paths, o);
	jv res = jv_array();
	for (size_t i = 0; i < n; i++) {
		jv p = jv_get_kind(paths) == JV_KIND_ARRAY ?
		       jv_array_get(jv_copy(paths), (int)i) : jv_null();
		res = jv_array_append(res, eval_rule(rules[i], jv_copy(facts), p, o->max_matches));
	}
	jv_free(facts);
	jv_free(paths);
	return res;
}

/**
 * The second step: the rules of @p res (eval_rule() results of @p
 * rules[0..n), consumed and returned) that matched with their condition
 * only are compiled whole, together, then give their findings at their
 * paths. A rule that does not compile gets its compile problems as error
 * entries, as the load would have reported them. Consumes @p facts.
 */
static jv complete_matched(struct rv_rule *const *rules, size_t n, jv res, jv facts,
			   const struct rv_eval_opts *o)
{
	struct rv_rule **pending = calloc(n ? n : 1, sizeof(*pending));
	const struct rv_rule **ready = calloc(n ? n : 1, sizeof(*ready));
	size_t *where = calloc(n ? n : 1, sizeof(*where));
	jv *problems = calloc(n ? n : 1, sizeof(*problems));
	size_t np = 0, nready = 0;
	for (size_t i = 0; pending && ready && where && problems && i < n; i++) {
		jv r = jv_array_get(jv_copy(res), (int)i);
		if (jv_get_kind(r) == JV_KIND_OBJECT) {
			pending[np] = rules[i];
			where[np++] = i;
		}
		jv_free(r);
	}
	if (np)
		rv_rules_complete(pending, np, problems);
	jv paths = jv_array();
	for (size_t k = 0; k < np; k++) {
		const struct rv_rule *r = pending[k];
		jv m = jv_array_get(jv_copy(res), (int)where[k]);
		if (!jv_array_length(jv_copy(problems[k]))) {
			ready[nready++] = r;
			paths = jv_array_append(paths, jv_object_get(m, jv_string("paths")));
			jv_free(problems[k]);
			continue;
		}
		jv_free(m);
		jv errs = jv_array();
		jv_array_foreach(problems[k], j, p) {
			errs = jv_array_append(errs, error_entry_at(r, (int)rv_jv_num(p, "line", 0),
					       jv_object_get(jv_copy(p), jv_string("message"))));
			jv_free(p);
		}
		jv_free(problems[k]);
		res = jv_array_set(res, (int)where[k], errs);
	}
	if (nready) {
		jv more = evaluate_some(ready, nready, jv_copy(facts), paths, o);
		for (size_t k = 0, j = 0; k < np && j < nready; k++) {
			if (pending[k] == ready[j]) {
				res = jv_array_set(res, (int)where[k], jv_array_get(jv_copy(more), (int)j));
				j++;
			}
		}
		jv_free(more);
	} else {
		jv_free(paths);
	}
	free(pending);
	free(ready);
	free(where);
	free(problems);
	jv_free(facts);
	return res;
}

jv rv_ruleset_evaluate(const struct rv_ruleset *rs, jv facts,
		       const struct rv_eval_opts *opts)
{
	struct rv_eval_opts o = opts ? *opts : (struct rv_eval_opts){ 0 };
	fill_defaults(&o);
	struct rv_rule **rules = calloc(rs->n ? rs->n : 1, sizeof(*rules));
	if (!rules) {
		jv_free(facts);
		return jv_array();
	}
	size_t n = 0;
	for (size_t i = 0; i < rs->n; i++)
		if (!o.only || !strcmp(o.only, rs->rules[i]->id))
			rules[n++] = rs->rules[i];
	// Every rule's result; partial rules that matched say {paths}.
	jv res = evaluate_some((const struct rv_rule *const *)rules, n, jv_copy(facts),
			       jv_null(), &o);
	res = complete_matched(rules, n, res, facts, &o);
	free(rules);
	jv all = jv_array();
	jv_array_foreach(res, i, r) {
		if (jv_get_kind(r) == JV_KIND_ARRAY)
			all = jv_array_concat(all, r);
		else	// out of memory on the way: the rule's matches are lost
			jv_free(r);
	}
	jv_free(res);
	return sort_findings(all);
}

// ---- lint: rules must survive absent subsystems ----

static jv absent_facts(void)
{
	static const char *const sections[] = { "log", "md", "irq", "blk", "virtio" };
	jv doc = jv_object();
	doc = rv_jv_set(doc, "schema", jv_string(RV_FACTS_SCHEMA));
	doc = rv_jv_set(doc, "dump", rv_jv_set(jv_object(), "error",
					       jv_string("lint: nothing could be read")));
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		jv sec = rv_jv_set(jv_object(), "present", jv_false());
		sec = rv_jv_set(sec, "reason", jv_string("lint: absent"));
		doc = rv_jv_set(doc, sections[i], sec);
	}
	return rv_jv_set(doc, "findings", jv_array());
}

size_t rv_ruleset_lint(struct rv_ruleset *rs)
{
	jv findings = rv_ruleset_evaluate(rs, absent_facts(), NULL);
	size_t n = 0;
	jv_array_foreach(findings, i, f) {
		const char *err = NULL;
		jv errs = jv_object_get(jv_copy(f), jv_string("errors"));
		if (rv_finding_is_error(f))
			err = rv_jv_str(f, "error");
		else if (jv_get_kind(errs) == JV_KIND_ARRAY && jv_array_length(jv_copy(errs)))
			err = "evidence or related failed";
		if (err) {
			rv_rules_problem(rs, rv_jv_str(f, "file"), (int)rv_jv_num(f, "line", 0),
					 0, rv_jv_str(f, "rule"),
					 "fails on a dump without its subsystem (every section "
					 "{\"present\": false}): %s; guard with []? or // empty",
					 err);
			n++;
		}
		jv_free(errs);
		jv_free(f);
	}
	jv_free(findings);
	return n;
}

// ---- front-end helpers ----

jv rv_rules_problem_entries(jv problems)
{
	jv out = jv_array();
	jv_array_foreach(problems, i, p) {
		jv o = jv_object();
		const char *rule = rv_jv_str(p, "rule");
		o = rv_jv_set(o, "rule", rule ? jv_string(rule) : jv_null());
		o = rv_jv_set(o, "severity", jv_string("info"));
		jv file = jv_object_get(jv_copy(p), jv_string("file"));
		o = rv_jv_set(o, "file", file);
		o = rv_jv_set(o, "line", jv_number(rv_jv_num(p, "line", 0)));
		o = rv_jv_set(o, "error", rv_rules_problem_string(p));
		out = jv_array_append(out, o);
	}
	jv_free(problems);
	return out;
}

jv rv_rules_apply(jv doc)
{
	struct rv_ruleset *rs = rv_ruleset_load_default(NULL, 0, false);
	if (!rs)
		return rv_jv_set(doc, "findings", jv_array());
	jv findings = rv_ruleset_evaluate(rs, jv_copy(doc), NULL);
	findings = jv_array_concat(findings, rv_rules_problem_entries(rv_ruleset_problems(rs)));
	rv_ruleset_destroy(rs);
	return rv_jv_set(doc, "findings", findings);
}

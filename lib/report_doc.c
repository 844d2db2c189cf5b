// SPDX-License-Identifier: GPL-2.0-or-later
// The content of the triage report (Markdown and HTML): what the headline,
// the summary and each finding say, written through a struct rv_doc_ops.
// The syntax is the writer's (report_markdown.c, report_html.c).

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "report.h"
#include "report_doc.h"
#include "rules.h"

// Lines listed under the INCOMPLETE headline; the rest is in the JSON.
#define STATUS_LINES 20

struct walk {
	const struct rv_doc_ops *ops;
	FILE *f;
	bool in_list;
};

static int length(jv v)
{
	int n = jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 0;
	jv_free(v);
	return n;
}

static void para(struct walk *w, const char *cls, const char *label, char *text)
{
	w->ops->para(w->f, cls, label, text ? text : "");
	free(text);
}

static void kernel_line(struct walk *w, jv dump)
{
	const char *release = rv_jv_str(dump, "release");
	const char *version = rv_jv_str(dump, "version");
	const char *machine = rv_jv_str(dump, "machine");
	jv cpus = rv_jv_get(dump, "cpus");
	double online = rv_jv_num(cpus, "online", -1);
	double uptime = rv_jv_num(dump, "uptime_seconds", -1);
	char cpu_text[48] = "", up_text[48] = "";
	if (online >= 0)
		snprintf(cpu_text, sizeof(cpu_text), ", %.0f CPU%s online", online,
			 online == 1 ? "" : "s");
	if (uptime >= 0)
		snprintf(up_text, sizeof(up_text), ", up %.0f s", uptime);
	para(w, NULL, "Kernel:", rv_report_fmt("%s%s%s%s%s%s%s%s", release ? release : "unknown",
				     version ? " (" : "", version ? version : "",
				     version ? ")" : "", machine ? ", " : "",
				     machine ? machine : "", cpu_text, up_text));
	jv_free(cpus);
}

static void dump_line(struct walk *w, const char *source, jv dump)
{
	jv prov = rv_jv_get(dump, "provenance");
	jv file = rv_jv_get(prov, "file");
	const char *format = rv_jv_str(file, "format");
	jv flat = rv_jv_get(file, "flattened");
	const char *method = rv_jv_str(prov, "method");
	const char *state = rv_jv_str(prov, "guest_state");
	const char *build_id = rv_jv_str(dump, "build_id");
	char *how = method ? rv_report_fmt("; taken by: %s%s%s%s", method, state ? " (guest " : "",
				 state ? state : "", state ? ")" : "")
			   : strdup("");
	para(w, NULL, "Dump:", rv_report_fmt("%s%s%s%s%s%s%s%s", source ? source : "?",
				   format ? " (" : "", format ? format : "",
				   jv_get_kind(flat) == JV_KIND_TRUE ? ", flattened" : "",
				   format ? ")" : "", how ? how : "",
				   build_id ? "; build id " : "", build_id ? build_id : ""));
	free(how);
	jv_free(flat);

	jv panic = rv_jv_get(dump, "panic");
	if (jv_get_kind(panic) == JV_KIND_OBJECT) {
		const char *msg = rv_jv_str(panic, "message");
		const char *oops = rv_jv_str(panic, "oops");
		para(w, NULL, "Panic:", strdup(msg ? msg : oops ? oops : "(no message)"));
	} else {
		para(w, NULL, "Panic:", strdup(jv_get_kind(dump) == JV_KIND_OBJECT ? "none"
										 : "unknown"));
	}
	jv_free(panic);

	// How the dump was taken, and why raidvirt thinks so.
	jv ev = rv_jv_get(prov, "evidence");
	if (length(jv_copy(ev))) {
		para(w, NULL, "Provenance:", NULL);
		w->ops->list_begin(w->f);
		jv_array_foreach(ev, i, e) {
			char *s = rv_report_fmt("%s: %s", rv_jv_str(e, "signal") ?: "?",
				      rv_jv_str(e, "detail") ?: "");
			w->ops->item(w->f, s ? s : "?", NULL);
			free(s);
			jv_free(e);
		}
		w->ops->list_end(w->f);
	}
	jv_free(ev);
	jv_free(file);
	jv_free(prov);
}

static void status_line(void *arg, int level, const char *text)
{
	struct walk *w = arg;
	if (level == 0) {
		w->ops->para(w->f, "incomplete", "INCOMPLETE:", text);
		return;
	}
	if (!w->in_list) {
		w->ops->list_begin(w->f);
		w->in_list = true;
	}
	w->ops->item(w->f, text, NULL);
}

static void headline(struct walk *w, jv t)
{
	const char *source = rv_jv_str(t, "source");
	char *title = rv_report_fmt("raidvirt triage: %s", source ? source : "?");
	w->ops->heading(w->f, 1, NULL, title ? title : "raidvirt triage");
	free(title);
	jv dump = rv_jv_get(t, "dump");
	kernel_line(w, dump);
	dump_line(w, source, dump);
	jv_free(dump);

	jv rules = rv_jv_get(t, "rules");
	jv dirs = rv_jv_get(rules, "dirs");
	char *d = NULL;
	if (jv_get_kind(dirs) == JV_KIND_ARRAY)
		d = rv_rules_value_text(dirs);
	else
		jv_free(dirs);
	para(w, NULL, "Rules:", rv_report_fmt("%.0f loaded from %s; fail on %s and above",
				    rv_jv_num(rules, "loaded", 0), d ? d : "?",
				    rv_jv_str(t, "fail_on") ?: "?"));
	free(d);
	jv_free(rules);

	w->in_list = false;
	if (rv_report_status_each(t, STATUS_LINES, status_line, w)) {
		if (w->in_list)
			w->ops->list_end(w->f);
	} else {
		w->ops->para(w->f, "complete", "Complete:",
			     "yes: every section decoded and every rule ran");
	}
}

static const char *severity_upper(enum rv_severity s)
{
	static const char *const names[] = {
		[RV_SEV_INFO] = "INFO", [RV_SEV_WARNING] = "WARNING",
		[RV_SEV_ERROR] = "ERROR", [RV_SEV_CRITICAL] = "CRITICAL",
	};
	return names[s];
}

static void summary(struct walk *w, jv t, jv findings)
{
	w->ops->heading(w->f, 2, NULL, "Summary");
	jv sum = rv_jv_get(t, "summary");
	static const char *const head[] = { "Severity", "Findings" };
	w->ops->table_begin(w->f, 2, head);
	for (int s = RV_SEV_CRITICAL; s >= RV_SEV_INFO; s--) {
		char n[32];
		snprintf(n, sizeof(n), "%.0f",
			 rv_jv_num(sum, rv_severity_name((enum rv_severity)s), 0));
		const char *row[] = { rv_severity_name((enum rv_severity)s), n };
		w->ops->table_row(w->f, 2, row);
	}
	char n[32];
	snprintf(n, sizeof(n), "%.0f", rv_jv_num(sum, "rule_errors", 0));
	const char *row[] = { "rule errors", n };
	w->ops->table_row(w->f, 2, row);
	w->ops->table_end(w->f);
	jv_free(sum);

	if (!length(jv_copy(findings))) {
		w->ops->para(w->f, NULL, NULL, "No findings.");
		return;
	}
	// Every finding in one table, most severe first.
	static const char *const fhead[] = { "Severity", "Rule", "Title" };
	w->ops->table_begin(w->f, 3, fhead);
	for (int s = RV_SEV_CRITICAL; s >= (int)RV_SEV_INFO - 1; s--) {
		jv_array_foreach(findings, i, x) {
			bool err = rv_finding_is_error(x);
			if (err ? s == (int)RV_SEV_INFO - 1 : (int)rv_finding_severity(x) == s) {
				const char *cells[] = {
					err ? "rule error" : rv_jv_str(x, "severity") ?: "?",
					rv_jv_str(x, "rule") ?: "(rule files)",
					err ? rv_jv_str(x, "error") ?: "" : rv_jv_str(x, "title") ?: "",
				};
				w->ops->table_row(w->f, 3, cells);
			}
			jv_free(x);
		}
	}
	w->ops->table_end(w->f);
}

static void string_list(struct walk *w, const char *title, jv list)
{
	if (length(jv_copy(list))) {
		w->ops->heading(w->f, 4, NULL, title);
		w->ops->list_begin(w->f);
		jv_array_foreach(list, i, item) {
			if (jv_get_kind(item) == JV_KIND_STRING)
				w->ops->item(w->f, jv_string_value(item), NULL);
			jv_free(item);
		}
		w->ops->list_end(w->f);
	}
	jv_free(list);
}

static void evidence(struct walk *w, jv ev)
{
	if (jv_get_kind(ev) == JV_KIND_OBJECT && jv_object_length(jv_copy(ev))) {
		static const char *const head[] = { "Evidence", "Value" };
		w->ops->table_begin(w->f, 2, head);
		jv_object_foreach(ev, k, v) {
			char *s = rv_rules_value_text(v);
			const char *row[] = { jv_string_value(k), s ? s : "?" };
			w->ops->table_row(w->f, 2, row);
			free(s);
			jv_free(k);
		}
		w->ops->table_end(w->f);
	}
	jv_free(ev);
}

static void references(struct walk *w, jv refs)
{
	if (length(jv_copy(refs))) {
		w->ops->heading(w->f, 4, NULL, "References");
		w->ops->list_begin(w->f);
		jv_array_foreach(refs, i, ref) {
			const char *title = rv_jv_str(ref, "title");
			const char *commit = rv_jv_str(ref, "commit");
			const char *url = rv_jv_str(ref, "url");
			char *s = commit ? rv_report_fmt("commit %s: %s", commit, title ? title : "")
					 : strdup(title ? title : url ? url : "?");
			bool web = url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7));
			w->ops->item(w->f, s ? s : "?", web ? url : NULL);
			free(s);
			jv_free(ref);
		}
		w->ops->list_end(w->f);
	}
	jv_free(refs);
}

static void finding(struct walk *w, jv x, bool explain)
{
	const char *rule = rv_jv_str(x, "rule");
	if (rv_finding_is_error(x)) {
		char *h = rv_report_fmt("RULE ERROR %s", rule ? rule : "(rule files)");
		w->ops->heading(w->f, 3, "rule-error", h ? h : "RULE ERROR");
		free(h);
		w->ops->para(w->f, NULL, NULL, rv_jv_str(x, "error") ?: "?");
		return;
	}
	enum rv_severity sev = rv_finding_severity(x);
	char *h = rv_report_fmt("%s %s: %s", severity_upper(sev), rule ? rule : "?",
		      rv_jv_str(x, "title") ?: "");
	w->ops->heading(w->f, 3, rv_severity_name(sev), h ? h : "?");
	free(h);
	const char *msg = rv_jv_str(x, "message");
	if (msg)
		w->ops->para(w->f, NULL, NULL, msg);
	evidence(w, rv_jv_get(x, "evidence"));
	jv paths = rv_jv_get(x, "paths");
	if (length(jv_copy(paths)))
		para(w, NULL, "Facts:", rv_rules_value_text(jv_copy(paths)));
	jv_free(paths);
	const char *expl = rv_jv_str(x, "explanation");
	if (explain && expl) {
		w->ops->heading(w->f, 4, NULL, "Explanation");
		w->ops->para(w->f, NULL, NULL, expl);
	}
	string_list(w, "Remedies", rv_jv_get(x, "remedies"));
	references(w, rv_jv_get(x, "references"));
	string_list(w, "Rule problems", rv_jv_get(x, "errors"));
}

void rv_report_doc(const struct rv_doc_ops *ops, FILE *f, jv triage, bool explain,
		   rv_doc_insert_fn *insert, void *arg)
{
	struct walk w = { .ops = ops, .f = f };
	headline(&w, triage);
	jv findings = rv_jv_get(triage, "findings");
	summary(&w, triage, findings);
	if (insert)
		insert(f, arg);
	if (length(jv_copy(findings))) {
		ops->heading(f, 2, NULL, "Findings");
		jv_array_foreach(findings, i, x) {
			finding(&w, x, explain);
			jv_free(x);
		}
	}
	jv_free(findings);
}

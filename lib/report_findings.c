// SPDX-License-Identifier: GPL-2.0-or-later
// Findings as text: one block per finding, short enough to paste into a
// ticket. Shared by crash's `raidvirt` and the CLI's `triage`.
//
//   [ERROR] raid1-freeze-hang: raid1 array frozen with I/O stuck on a member
//     md0 is frozen ...
//     evidence:
//       unqueued_pending  4
//     facts:    md.arrays[0], blk.disks[1]
//     remedies:
//       - ...
//     references:
//       - commit fd76863e37fe: RAID1: a new I/O barrier implementation ...

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "rules.h"

#define WRAP 96

/** Print @p text indented by @p indent, wrapped at WRAP columns. */
static void wrapped(FILE *f, const char *text, int indent, const char *first)
{
	int col = fprintf(f, "%*s%s", indent, "", first ? first : "");
	int start = col;
	const char *p = text;
	while (*p) {
		if (*p == '\n') {
			// Keep paragraph breaks of block scalars.
			fprintf(f, "\n%*s", start, "");
			col = start;
			p++;
			continue;
		}
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		size_t len = strcspn(p, " \t\n");
		if (col > start && col + 1 + (int)len > WRAP) {
			fprintf(f, "\n%*s", start, "");
			col = start;
		} else if (col > start) {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, len, f);
		col += (int)len;
		p += len;
	}
	fputc('\n', f);
}

static void upper(char *dst, size_t size, const char *s)
{
	size_t i;
	for (i = 0; s && s[i] && i + 1 < size; i++)
		dst[i] = (char)toupper((unsigned char)s[i]);
	dst[i] = '\0';
}

static void evidence_block(FILE *f, jv ev)
{
	if (jv_get_kind(ev) != JV_KIND_OBJECT || !jv_object_length(jv_copy(ev)))
		return;
	int width = 0;
	jv_object_foreach(ev, k, v) {
		int n = jv_string_length_bytes(k);
		width = n > width ? n : width;
		jv_free(v);
	}
	fprintf(f, "  evidence:\n");
	jv_object_foreach(ev, k, v) {
		char *s = rv_rules_value_text(v);
		char first[128];
		snprintf(first, sizeof(first), "%-*s  ", width, jv_string_value(k));
		wrapped(f, s ? s : "?", 4, first);
		free(s);
		jv_free(k);
	}
}

static void list_block(FILE *f, const char *title, jv list)
{
	if (jv_get_kind(list) != JV_KIND_ARRAY || !jv_array_length(jv_copy(list)))
		return;
	fprintf(f, "  %s:\n", title);
	jv_array_foreach(list, i, item) {
		if (jv_get_kind(item) == JV_KIND_STRING)
			wrapped(f, jv_string_value(item), 4, "- ");
		jv_free(item);
	}
}

static void references_block(FILE *f, jv refs)
{
	if (jv_get_kind(refs) != JV_KIND_ARRAY || !jv_array_length(jv_copy(refs)))
		return;
	fprintf(f, "  references:\n");
	jv_array_foreach(refs, i, ref) {
		const char *title = rv_jv_str(ref, "title");
		const char *commit = rv_jv_str(ref, "commit");
		const char *url = rv_jv_str(ref, "url");
		if (commit)
			fprintf(f, "    - commit %s: %s\n", commit, title ? title : "");
		else
			fprintf(f, "    - %s\n      %s\n", title ? title : "", url ? url : "");
		jv_free(ref);
	}
}

static void error_block(FILE *f, jv e)
{
	const char *rule = rv_jv_str(e, "rule");
	const char *err = rv_jv_str(e, "error");
	fprintf(f, "[RULE ERROR] %s\n", rule ? rule : "(rule files)");
	wrapped(f, err ? err : "?", 2, NULL);
}

static void finding_block(FILE *f, jv x, bool explain)
{
	char sev[16];
	upper(sev, sizeof(sev), rv_jv_str(x, "severity"));
	const char *rule = rv_jv_str(x, "rule");
	const char *title = rv_jv_str(x, "title");
	const char *msg = rv_jv_str(x, "message");
	fprintf(f, "[%s] %s: %s\n", sev, rule ? rule : "?", title ? title : "");
	if (msg)
		wrapped(f, msg, 2, NULL);
	jv ev = jv_object_get(jv_copy(x), jv_string("evidence"));
	evidence_block(f, ev);
	jv_free(ev);
	jv paths = jv_object_get(jv_copy(x), jv_string("paths"));
	if (jv_get_kind(paths) == JV_KIND_ARRAY && jv_array_length(jv_copy(paths))) {
		char *s = rv_rules_value_text(jv_copy(paths));
		wrapped(f, s ? s : "?", 2, "facts: ");
		free(s);
	}
	jv_free(paths);
	const char *expl = rv_jv_str(x, "explanation");
	if (explain && expl) {
		fprintf(f, "  explanation:\n");
		wrapped(f, expl, 4, NULL);
	}
	jv list = jv_object_get(jv_copy(x), jv_string("remedies"));
	list_block(f, "remedies", list);
	jv_free(list);
	jv refs = jv_object_get(jv_copy(x), jv_string("references"));
	references_block(f, refs);
	jv_free(refs);
	jv errs = jv_object_get(jv_copy(x), jv_string("errors"));
	list_block(f, "rule problems", errs);
	jv_free(errs);
}

void rv_report_findings_ex(FILE *f, jv findings, bool explain)
{
	if (jv_get_kind(findings) != JV_KIND_ARRAY)
		return;
	jv_array_foreach(findings, i, x) {
		if (i)
			fputc('\n', f);
		if (rv_finding_is_error(x))
			error_block(f, x);
		else
			finding_block(f, x, explain);
		jv_free(x);
	}
}

void rv_report_findings_summary(FILE *f, jv findings)
{
	int count[RV_SEV_CRITICAL + 1] = { 0 }, errors = 0, total = 0;
	if (jv_get_kind(findings) == JV_KIND_ARRAY) {
		jv_array_foreach(findings, i, x) {
			if (rv_finding_is_error(x)) {
				errors++;
			} else {
				count[rv_finding_severity(x)]++;
				total++;
			}
			jv_free(x);
		}
	}
	if (!total)
		fprintf(f, "no findings");
	bool first = true;
	for (int s = RV_SEV_CRITICAL; s >= RV_SEV_INFO; s--) {
		if (!count[s])
			continue;
		fprintf(f, "%s%d %s%s", first ? "" : ", ", count[s],
			rv_severity_name((enum rv_severity)s),
			count[s] > 1 && s != RV_SEV_INFO ? "s" : "");
		first = false;
	}
	if (errors)
		fprintf(f, "; %d rule error%s", errors, errors > 1 ? "s" : "");
	fputc('\n', f);
}

void rv_report_findings(FILE *f, jv findings, const struct rv_report_opts *o)
{
	fprintf(f, "FINDINGS: ");
	rv_report_findings_summary(f, findings);
	if (jv_get_kind(findings) == JV_KIND_ARRAY && jv_array_length(jv_copy(findings))) {
		fputc('\n', f);
		rv_report_findings_ex(f, findings, false);
	}
}

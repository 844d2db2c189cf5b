// SPDX-License-Identifier: GPL-2.0-or-later
// The triage report as one self-contained HTML page: `raidvirt triage
// --format html`. No scripts, no external requests (a Content-Security-Policy
// forbids them), inline CSS; the content is report_doc.c's, the pictures
// report_svg.c's. Every value from the dump or the rules is escaped.

#include <string.h>

#include "facts.h"
#include "report.h"
#include "report_doc.h"

void rv_html_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
				fputs("&#xFFFD;", f);
			else
				fputc(*p, f);
		}
	}
}

static void html_heading(FILE *f, int level, const char *cls, const char *text)
{
	fprintf(f, "<h%d", level);
	if (cls) {
		fputs(" class=\"", f);
		rv_html_text(f, cls);
		fputc('"', f);
	}
	fputc('>', f);
	rv_html_text(f, text);
	fprintf(f, "</h%d>\n", level);
}

static void html_para(FILE *f, const char *cls, const char *label, const char *text)
{
	fputs("<p", f);
	if (cls) {
		fputs(" class=\"", f);
		rv_html_text(f, cls);
		fputc('"', f);
	}
	fputc('>', f);
	if (label) {
		fputs("<strong>", f);
		rv_html_text(f, label);
		fputs("</strong> ", f);
	}
	rv_html_text(f, text);
	fputs("</p>\n", f);
}

static void html_cells(FILE *f, const char *tag, int ncols, const char *const *cells)
{
	fputs("<tr>", f);
	for (int i = 0; i < ncols; i++) {
		fprintf(f, "<%s>", tag);
		rv_html_text(f, cells[i]);
		fprintf(f, "</%s>", tag);
	}
	fputs("</tr>\n", f);
}

static void html_table_begin(FILE *f, int ncols, const char *const *head)
{
	fputs("<table>\n<thead>", f);
	html_cells(f, "th", ncols, head);
	fputs("</thead>\n<tbody>\n", f);
}

static void html_table_row(FILE *f, int ncols, const char *const *cells)
{
	html_cells(f, "td", ncols, cells);
}

static void html_table_end(FILE *f)
{
	fputs("</tbody>\n</table>\n", f);
}

static void html_list_begin(FILE *f)
{
	fputs("<ul>\n", f);
}

static void html_item(FILE *f, const char *text, const char *url)
{
	fputs("<li>", f);
	// A link is followed only when clicked; loading the page requests nothing.
	bool web = url && (!strncmp(url, "https://", 8) || !strncmp(url, "http://", 7));
	if (web) {
		fputs("<a rel=\"noreferrer noopener\" href=\"", f);
		rv_html_text(f, url);
		fputs("\">", f);
	}
	rv_html_text(f, text);
	if (web)
		fputs("</a>", f);
	fputs("</li>\n", f);
}

static void html_list_end(FILE *f)
{
	fputs("</ul>\n", f);
}

static const struct rv_doc_ops html_ops = {
	.heading = html_heading,
	.para = html_para,
	.table_begin = html_table_begin,
	.table_row = html_table_row,
	.table_end = html_table_end,
	.list_begin = html_list_begin,
	.item = html_item,
	.list_end = html_list_end,
};

// Page and picture styles (the SVG classes are report_svg.c's).
static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:72em;"
	"padding:0 1em;color:#222;background:#fff}\n"
	"h1{font-size:1.4em}h2{border-bottom:1px solid #ccc;margin-top:1.6em}\n"
	"h3{padding-left:.5em;border-left:6px solid #999}\n"
	"h3.critical{border-color:#8b0000}h3.error{border-color:#d62728}\n"
	"h3.warning{border-color:#e6a100}h3.info{border-color:#1f77b4}\n"
	"h3.rule-error{border-color:#7f7f7f}\n"
	"p.incomplete{background:#fde2e2;padding:.3em .6em;border-left:4px solid #d62728}\n"
	"p.complete{color:#2a6f2a}\n"
	"table{border-collapse:collapse;margin:.6em 0}\n"
	"td,th{border:1px solid #ccc;padding:.15em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#f3f3f3}td{font-family:ui-monospace,monospace;font-size:.92em}\n"
	"svg.chart{display:block;margin:.4em 0;max-width:100%;height:auto}\n"
	"svg text{font:10px ui-monospace,monospace;fill:#333}\n"
	".a{fill:#4e79a7}.m{fill:#f28e2b}.v{fill:#8cd17d}.x{fill:#d62728}\n"
	".s0{fill:#4e79a7}.s1{fill:#e15759}.s2{fill:#f28e2b}.s3{fill:#76b7b2}\n"
	"svg text.x{fill:#d62728;font-weight:bold}.axis{stroke:#999;stroke-width:1}\n"
	".key{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;"
	"vertical-align:-.1em}\n"
	".key.a{background:#4e79a7}.key.m{background:#f28e2b}.key.v{background:#8cd17d}"
	".key.x{background:#d62728}.key.s0{background:#4e79a7}.key.s1{background:#e15759}"
	".key.s2{background:#f28e2b}.key.s3{background:#76b7b2}\n"
	"footer{margin-top:2em;color:#777;font-size:.85em}\n";

struct pictures_arg {
	jv facts;
};

static void pictures(FILE *f, void *arg)
{
	struct pictures_arg *p = arg;
	rv_report_html_pictures(f, p->facts);
}

void rv_report_html(FILE *f, jv triage, jv facts, bool explain)
{
	const char *source = rv_jv_str(triage, "source");
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
	// Nothing may be loaded: no scripts, no fonts, no images from anywhere.
	fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n", f);
	fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", f);
	fputs("<title>raidvirt triage: ", f);
	rv_html_text(f, source ? source : "?");
	fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	struct pictures_arg arg = { .facts = facts };
	rv_report_doc(&html_ops, f, triage, explain, pictures, &arg);
	jv tool = jv_get_kind(triage) == JV_KIND_OBJECT ?
		  jv_object_get(jv_copy(triage), jv_string("tool")) : jv_null();
	fputs("<footer>", f);
	rv_html_text(f, rv_jv_str(tool, "name") ?: "raidvirt");
	fputc(' ', f);
	rv_html_text(f, rv_jv_str(tool, "version") ?: "");
	fputs(" (raidvirt.triage/1; the JSON has every value: --format json)</footer>\n", f);
	jv_free(tool);
	fputs("</body>\n</html>\n", f);
}

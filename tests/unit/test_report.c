// SPDX-License-Identifier: GPL-2.0-or-later
// Unit checks of the report renderers (issue 19): HTML and Markdown escaping,
// the per-CPU vector split and its text bar, the number of CPU bars and rows
// of the SVG picture, the INCOMPLETE headline of the Markdown report.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jv.h>

#include "report.h"
#include "report_doc.h"
#include "unit.h"

// What @p fn writes, as a malloc'd string.
#define CAPTURE(out, ...) do { \
	size_t size_; \
	FILE *f_ = open_memstream(&(out), &size_); \
	__VA_ARGS__; \
	fclose(f_); \
} while (0)

static int occurrences(const char *s, const char *what)
{
	int n = 0;
	for (const char *p = s; p && (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static jv parse(const char *text)
{
	jv v = jv_parse(text);
	CHECK(jv_is_valid(v), "test JSON parses: %.40s", text);
	return v;
}

static void html_escape(void)
{
	char *out = NULL;
	CAPTURE(out, rv_html_text(f_, "<a href=\"x\">&'\x01\n"));
	CHECK_STR("html: every metacharacter escaped, control characters U+FFFD",
		  "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&#xFFFD;\n", out);
	free(out);
	CAPTURE(out, rv_html_text(f_, NULL));
	CHECK_STR("html: NULL writes nothing", "", out);
	free(out);
}

static void cpu_split(void)
{
	double part[RV_IRQ_SPLIT];
	jv c = parse("{\"available\":0,\"allocated\":25,\"managed\":180,\"managed_allocated\":4}");
	CHECK(rv_irq_cpu_split(c, part) && part[RV_IRQ_ALLOCATED] == 21 &&
	      part[RV_IRQ_MANAGED] == 180 && part[RV_IRQ_AVAILABLE] == 0,
	      "split: allocated - managed_allocated, managed, available = 21 180 0");
	jv_free(c);
	c = parse("{\"available\":0,\"allocated\":2,\"managed\":1,\"managed_allocated\":4}");
	CHECK(!rv_irq_cpu_split(c, part), "split: managed_allocated > allocated is refused");
	jv_free(c);
	c = parse("{\"available\":3,\"allocated\":2,\"managed\":1}");
	CHECK(!rv_irq_cpu_split(c, part), "split: a missing counter is refused");
	jv_free(c);
}

// The VECTORS bar of the CPU row that starts with "  N  ".
static char *bar_of(const char *text, int cpu)
{
	char head[16];
	snprintf(head, sizeof(head), "\n%3d  ", cpu);
	const char *row = strstr(text, head);
	const char *open = row ? strchr(row + 1, '[') : NULL;
	const char *close = open ? strchr(open, ']') : NULL;
	return close ? strndup(open, close - open + 1) : NULL;
}

static void text_bar(void)
{
	jv sec = parse("{\"matrix\":{\"per_cpu_capacity\":201},\"cpus\":["
		       "{\"cpu\":0,\"online\":true,\"available\":0,\"allocated\":25,"
		       "\"managed\":180,\"managed_allocated\":4},"
		       "{\"cpu\":1,\"online\":true,\"available\":194,\"allocated\":7,"
		       "\"managed\":2,\"managed_allocated\":2},"
		       "{\"cpu\":2,\"online\":false,\"available\":201,\"allocated\":0,"
		       "\"managed\":0,\"managed_allocated\":0},"
		       "{\"cpu\":3,\"online\":true}]}");
	struct rv_report_opts o = { .cpus = true };
	char *out = NULL;
	CAPTURE(out, rv_report_irq(f_, sec, &o));
	char *b0 = bar_of(out, 0), *b1 = bar_of(out, 1), *b2 = bar_of(out, 2);
	CHECK_STR("bar: a full CPU (21 allocated, 180 managed of 201)",
		  "[###MMMMMMMMMMMMMMMMMMMMM]", b0);
	CHECK_STR("bar: a part that is not 0 gets a column (5 allocated, 2 managed)",
		  "[#M......................]", b1);
	CHECK_STR("bar: all available", "[........................]", b2);
	CHECK(strstr(out, "\n  3  ") && strstr(strstr(out, "\n  3  "), "-\n"),
	      "bar: a CPU without counters gets '-'");
	CHECK(strstr(out, "VECTORS: 24 columns = 201 vectors per CPU") != NULL,
	      "bar: the legend names the scale");
	free(b0);
	free(b1);
	free(b2);
	free(out);
	jv_free(sec);
}

// A facts document with @p n online CPUs (every third full) and one offline.
static jv cpu_facts(int n)
{
	jv cpus = jv_array();
	for (int i = 0; i <= n; i++) {
		jv c = jv_object();
		c = jv_object_set(c, jv_string("cpu"), jv_number(i));
		c = jv_object_set(c, jv_string("online"), jv_bool(i < n));
		c = jv_object_set(c, jv_string("available"), jv_number(i % 3 ? 100 : 0));
		c = jv_object_set(c, jv_string("allocated"), jv_number(11));
		c = jv_object_set(c, jv_string("managed"), jv_number(i % 3 ? 90 : 190));
		c = jv_object_set(c, jv_string("managed_allocated"), jv_number(0));
		cpus = jv_array_append(cpus, c);
	}
	jv irq = jv_object_set(jv_object(), jv_string("cpus"), cpus);
	irq = jv_object_set(irq, jv_string("matrix"),
			    parse("{\"per_cpu_capacity\":201,\"global_available\":0}"));
	return jv_object_set(jv_object(), jv_string("irq"), irq);
}

static void svg_bars(void)
{
	static const int sizes[] = { 1, 80, 129, 300 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		int n = sizes[k];
		jv facts = cpu_facts(n);
		char *out = NULL;
		CAPTURE(out, rv_report_html_pictures(f_, facts));
		CHECK(occurrences(out, "<g class=\"cpu") == n, "svg, %d CPUs: %d bars (got %d)", n,
		      n, occurrences(out, "<g class=\"cpu"));
		CHECK(occurrences(out, "<g class=\"cpu full\">") == (n + 2) / 3,
		      "svg, %d CPUs: %d marked full (got %d)", n, (n + 2) / 3,
		      occurrences(out, "<g class=\"cpu full\">"));
		CHECK(occurrences(out, "<path class=\"axis\"") == (n + 127) / 128,
		      "svg, %d CPUs: %d rows of 128", n, (n + 127) / 128);
		CHECK((occurrences(out, "<title>CPU ") == n) == (n <= 256),
		      "svg, %d CPUs: tooltips %s", n, n <= 256 ? "on every bar" : "left out");
		free(out);
		jv_free(facts);
	}
	char *out = NULL;
	CAPTURE(out, rv_report_html_pictures(f_, jv_null()));
	CHECK_STR("svg: no facts, no pictures", "", out);
	free(out);
	CAPTURE(out, rv_report_html_pictures(f_, parse("{\"irq\":{\"cpus\":7},\"md\":[]}")));
	CHECK(out && !strstr(out, "<svg"), "svg: sections of the wrong type draw nothing");
	free(out);
}

static void markdown(void)
{
	jv t = parse(
		"{\"schema\":\"raidvirt.triage/1\",\"source\":\"d|x\",\"complete\":false,"
		"\"errors\":[{\"section\":\"md\",\"path\":\"md\",\"message\":\"boom\"}],"
		"\"missing\":{\"debuginfo\":[],\"modules\":[],\"rules\":[]},"
		"\"dump\":{\"release\":\"1.2_x\"},\"rules\":{\"dirs\":[\"r\"],\"loaded\":1},"
		"\"fail_on\":\"error\",\"summary\":{\"critical\":0,\"error\":1,\"warning\":0,"
		"\"info\":0,\"rule_errors\":0},\"findings\":[{\"rule\":\"r1\",\"severity\":\"error\","
		"\"title\":\"t\",\"message\":\"- a *b* #c\",\"evidence\":{\"k_v\":\"a|b\\nc\"},"
		"\"remedies\":[\"1. do\"],\"references\":[{\"title\":\"T]\",\"url\":\"https://x/(y) z\"},"
		"{\"title\":\"J\",\"url\":\"javascript:alert(1)\"}]}]}");
	char *out = NULL;
	CAPTURE(out, rv_report_markdown(f_, t, false));
	CHECK(strstr(out, "\n# raidvirt triage: d\\|x\n") != NULL, "md: h1 with the source escaped");
	CHECK(strstr(out, "\n**Kernel:** 1.2_x\n") != NULL, "md: intraword _ stays bare");
	CHECK(strstr(out, "\n**INCOMPLETE:** 1 error (not a clean result)\n\n- error: md: boom\n") !=
	      NULL, "md: INCOMPLETE headline and what failed");
	CHECK(strstr(out, "\n| error | 1 |\n") != NULL, "md: summary row");
	CHECK(strstr(out, "\n| error | r1 | t |\n") != NULL, "md: findings row");
	CHECK(strstr(out, "\n### ERROR r1: t\n") != NULL, "md: finding heading");
	CHECK(strstr(out, "\n\\- a \\*b\\* \\#c\n") != NULL,
	      "md: a message cannot start a list or emphasise");
	CHECK(strstr(out, "\n| k_v | a\\|b c |\n") != NULL, "md: a cell cannot add a cell or a line");
	CHECK(strstr(out, "\n- 1\\. do\n") != NULL, "md: an item cannot start a numbered list");
	CHECK(strstr(out, "\n- [T\\]](https://x/%28y%29%20z)\n") != NULL,
	      "md: link text and target escaped");
	CHECK(strstr(out, "\n- J\n") != NULL && !strstr(out, "javascript:"),
	      "md: only http(s) URLs become links");
	free(out);
	CAPTURE(out, rv_report_html(f_, t, jv_null(), false));
	CHECK(!strstr(out, "javascript:") && strstr(out, "<li>J</li>"),
	      "html: only http(s) URLs become links");
	CHECK(strstr(out, "href=\"https://x/(y) z\"") != NULL, "html: a reference link");
	CHECK(occurrences(out, "<script") == 0 && occurrences(out, "src=") == 0,
	      "html: no script, no src");
	free(out);
	jv_free(t);
	CAPTURE(out, rv_report_markdown(f_, jv_null(), false));
	CHECK(out && strstr(out, "# raidvirt triage: ?\n"), "md: not a document: a headline, no crash");
	free(out);
}

// ---- long lists (rv_report_names, rv_report_list, rv_report_rows) ----

static void one_obj(FILE *f, jv o, const struct rv_report_opts *opts)
{
	(void)opts;
	jv name = jv_object_get(jv_copy(o), jv_string("name"));
	jv v = jv_object_get(jv_copy(o), jv_string("v"));
	fprintf(f, "ffff8880%08x  %s  %.0f\n", (unsigned)(jv_string_length_bytes(jv_copy(name)) * 64),
		jv_string_value(name), jv_number_value(v));
	jv_free(name);
	jv_free(v);
}

static void long_lists(void)
{
	char *out = NULL;
	CAPTURE(out, rv_report_names(f_, parse("[\"md0\",\"md1\",\"md2\",\"md4\",\"vda\",\"md10\"]"), 12));
	CHECK_STR("names: a prefix's numbers as ranges", "md[0-2,4] vda md10", out);
	free(out);
	CAPTURE(out, rv_report_names(f_, parse("[\"a\",\"b\",\"c\",\"d\"]"), 2));
	CHECK_STR("names: at most max items", "a b ... (2 more)", out);
	free(out);

	// 20 objects: md0..md19, md7 odd (v 1), the others alike
	jv list = jv_array();
	for (int i = 0; i < 20; i++) {
		char name[8];
		snprintf(name, sizeof(name), "md%d", i);
		list = jv_array_append(list, jv_object_set(jv_object_set(jv_object(),
			jv_string("name"), jv_string(name)), jv_string("v"), jv_number(i == 7)));
	}
	static const char *const keys[] = { "name", NULL };
	struct rv_report_opts all = { .all = true };
	CAPTURE(out, rv_report_list(f_, jv_copy(list), "md", "array", keys, one_obj, NULL));
	CHECK_STR("list: the odd one first, then the kind of the others",
		  "md: 20 arrays in 2 kinds (alike but for addresses and names), the rarest first;"
		  " -a prints every array\n\n1 array: md7\nffff8880000000c0  md7  1\n\n"
		  "19 arrays alike: md[0-6,8-19]\nffff8880000000c0  md0  0\n", out);
	free(out);
	CAPTURE(out, rv_report_list(f_, jv_copy(list), "md", "array", keys, one_obj, &all));
	CHECK_U64("list -a: every object", 20, occurrences(out, "ffff8880"));
	free(out);
	CAPTURE(out, rv_report_list(f_, jv_array_slice(jv_copy(list), 0, 16), "md", "array", keys,
				    one_obj, NULL));
	CHECK_U64("list of 16: in full", 16, occurrences(out, "ffff8880"));
	free(out);
	jv_free(list);

	// rows: a header, 20 rows with a continuation line, row 3 differs
	char rows[4096];
	size_t n = (size_t)snprintf(rows, sizeof(rows), "   VQ  NAME\n");
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(rows + n, sizeof(rows) - n,
				      "%5d  ffff88801000%04x  req.%d  %d\n      note 0\n", i, i,
				      i, i == 3);
	CAPTURE(out, rv_report_rows(f_, rows, "queues", NULL));
	CHECK_STR("rows: runs of three or more alike as one line, the index masked",
		  "   VQ  NAME\n"
		  "    0  ffff888010000000  req.0  0\n      note 0\n"
		  "    ... 2 more queues alike: 1-2\n"
		  "    3  ffff888010000003  req.3  1\n      note 0\n"
		  "    4  ffff888010000004  req.4  0\n      note 0\n"
		  "    ... 15 more queues alike: 5-19\n", out);
	free(out);
	struct rv_report_opts a = { .all = true };
	CAPTURE(out, rv_report_rows(f_, rows, "queues", &a));
	CHECK_STR("rows -a: as they are", rows, out);
	free(out);
}

void test_report(void)
{
	long_lists();
	html_escape();
	cpu_split();
	text_bar();
	svg_bars();
	markdown();
}

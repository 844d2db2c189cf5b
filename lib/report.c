// SPDX-License-Identifier: GPL-2.0-or-later
// Shared pieces of the text reports.

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "report.h"

static void print_messages(FILE *f, const char *what, const char *label, jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		fprintf(f, "%s: %s%s\n", what, label, jv_string_value(v));
		break;
	case JV_KIND_ARRAY:
		for (int i = 0; i < jv_array_length(jv_copy(v)); i++)
			print_messages(f, what, label, jv_array_get(jv_copy(v), i));
		break;
	default:
		break;
	}
	jv_free(v);
}

void rv_report_problems(FILE *f, const char *what, jv sec)
{
	if (jv_get_kind(sec) != JV_KIND_OBJECT)
		return;
	jv present = jv_object_get(jv_copy(sec), jv_string("present"));
	if (jv_get_kind(present) == JV_KIND_FALSE)
		print_messages(f, what, "not present: ",
			       jv_object_get(jv_copy(sec), jv_string("reason")));
	jv_free(present);
	print_messages(f, what, "", jv_object_get(jv_copy(sec), jv_string("error")));
	print_messages(f, what, "missing debuginfo: ",
		       jv_object_get(jv_copy(sec), jv_string("debuginfo_missing")));
}

void rv_report_ranges(FILE *f, jv list)
{
	int n = jv_get_kind(list) == JV_KIND_ARRAY ? jv_array_length(jv_copy(list)) : 0;
	for (int i = 0; i < n;) {
		jv v = jv_array_get(jv_copy(list), i);
		double first = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : -1;
		jv_free(v);
		int j = i;
		while (j + 1 < n) {
			jv w = jv_array_get(jv_copy(list), j + 1);
			bool next = jv_get_kind(w) == JV_KIND_NUMBER &&
				    jv_number_value(w) == first + (j + 1 - i);
			jv_free(w);
			if (!next)
				break;
			j++;
		}
		fprintf(f, "%s%.0f", i ? "," : "", first);
		if (j > i)
			fprintf(f, "-%.0f", first + (j - i));
		i = j + 1;
	}
	jv_free(list);
}

static int count(jv v)
{
	int n = jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 0;
	jv_free(v);
	return n;
}

// Lines listed under the INCOMPLETE headline; the rest is in the JSON.
#define STATUS_LINES 10

char *rv_report_fmt(const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

// One line of rv_report_status_each() (printf-style).
#define status_line(line, arg, level, ...)                         \
	do {                                                        \
		char *s_ = rv_report_fmt(__VA_ARGS__);              \
		if (s_)                                             \
			(line)((arg), (level), s_);                 \
		free(s_);                                           \
	} while (0)

bool rv_report_status_each(jv doc, int max, void (*line)(void *arg, int level, const char *text),
			   void *arg)
{
	if (jv_get_kind(doc) != JV_KIND_OBJECT || rv_facts_complete(jv_copy(doc)))
		return false;
	jv errors = jv_object_get(jv_copy(doc), jv_string("errors"));
	jv missing = jv_object_get(jv_copy(doc), jv_string("missing"));
	if (jv_get_kind(missing) != JV_KIND_OBJECT) {
		jv_free(missing);
		missing = jv_object();
	}
	jv dbg = jv_object_get(jv_copy(missing), jv_string("debuginfo"));
	jv mods = jv_object_get(jv_copy(missing), jv_string("modules"));
	jv rules = jv_object_get(jv_copy(missing), jv_string("rules"));
	int ne = count(jv_copy(errors)), nd = count(jv_copy(dbg)),
	    nm = count(jv_copy(mods)), nr = count(jv_copy(rules));
	char what[160] = "";
	if (nd || nm || nr) {
		const char *sep = " ";
		size_t len = 0;
		len += snprintf(what + len, sizeof(what) - len, "; missing:");
		if (nd) {
			len += snprintf(what + len, sizeof(what) - len, "%skernel debug info", sep);
			sep = ", ";
		}
		if (nm) {
			len += snprintf(what + len, sizeof(what) - len, "%sdebug info of %d module%s",
					sep, nm, nm == 1 ? "" : "s");
			sep = ", ";
		}
		if (nr)
			snprintf(what + len, sizeof(what) - len, "%s%d rule source%s", sep, nr,
				 nr == 1 ? "" : "s");
	}
	status_line(line, arg, 0, "%d error%s%s (not a clean result)", ne, ne == 1 ? "" : "s",
		    what);
	int lines = 0;
	jv_array_foreach(dbg, i, m) {
		if (lines++ < max && jv_get_kind(m) == JV_KIND_STRING)
			status_line(line, arg, 1, "missing: %s", jv_string_value(m));
		jv_free(m);
	}
	jv_array_foreach(mods, i, m) {
		if (lines++ < max)
			status_line(line, arg, 1, "missing: %s: %s", rv_jv_str(m, "section") ?: "?",
				    rv_jv_str(m, "message") ?: "?");
		jv_free(m);
	}
	jv_array_foreach(rules, i, m) {
		if (lines++ < max && jv_get_kind(m) == JV_KIND_STRING)
			status_line(line, arg, 1, "missing rules: %s", jv_string_value(m));
		jv_free(m);
	}
	if (jv_get_kind(errors) == JV_KIND_ARRAY) {
		jv_array_foreach(errors, i, e) {
			const char *rule = rv_jv_str(e, "rule");
			if (lines++ < max)
				status_line(line, arg, 1, "error: %s%s%s: %s",
					    rv_jv_str(e, "path") ?: "?", rule ? " rule " : "",
					    rule ? rule : "", rv_jv_str(e, "message") ?: "?");
			jv_free(e);
		}
	}
	if (lines > max)
		status_line(line, arg, 1, "... %d more (see the JSON output)", lines - max);
	jv_free(errors);
	jv_free(dbg);
	jv_free(mods);
	jv_free(rules);
	jv_free(missing);
	return true;
}

static void text_status_line(void *arg, int level, const char *text)
{
	fprintf(arg, "%s%s\n", level ? "  " : "INCOMPLETE: ", text);
}

void rv_report_status(FILE *f, jv doc)
{
	rv_report_status_each(doc, STATUS_LINES, text_status_line, f);
}

// ---- long lists: like objects once ----

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

static bool hex_digit(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// @p text with 16-hex-digit addresses and the object's own names (whole
// words) masked and runs of blanks folded: blocks that differ only in
// those are alike. malloc'd, NULL when out of memory.
static char *alike_key(const char *text, const char *const *names, int nnames)
{
	size_t len = strlen(text);
	char *k = malloc(len + 1), *o = k;
	if (!k)
		return NULL;
	for (size_t i = 0; i < len;) {
		if (text[i] == ' ') {
			while (i < len && text[i] == ' ')
				i++;
			*o++ = ' ';
			continue;
		}
		if (!word_char(text[i]) || (i && word_char(text[i - 1]))) {
			*o++ = text[i++];
			continue;
		}
		size_t w = i;
		while (w < len && word_char(text[w]))
			w++;
		bool masked = false;
		if (w - i == 16) {
			masked = true;
			for (size_t j = i; j < w; j++)
				masked = masked && hex_digit(text[j]);
		}
		for (int n = 0; !masked && n < nnames; n++)
			masked = names[n] && strlen(names[n]) == w - i &&
				 !memcmp(text + i, names[n], w - i);
		if (masked) {
			*o++ = '@';
		} else {
			memcpy(o, text + i, w - i);
			o += w - i;
		}
		i = w;
	}
	*o = '\0';
	return k;
}

// "md" and 12 of "md12"; the whole name and -1 without a number
static long name_number(const char *name, size_t *prefix)
{
	size_t n = strlen(name), p = n;
	while (p > 0 && name[p - 1] >= '0' && name[p - 1] <= '9')
		p--;
	*prefix = p;
	if (p == n || n - p > 9 || (name[p] == '0' && n - p > 1))
		return -1;
	return strtol(name + p, NULL, 10);
}

void rv_report_names(FILE *f, jv names, int max)
{
	int n = jv_get_kind(names) == JV_KIND_ARRAY ? jv_array_length(jv_copy(names)) : 0;
	int items = 0, i = 0;
	for (; i < n && items < max; items++) {
		jv s = jv_array_get(jv_copy(names), i);
		const char *name = jv_get_kind(s) == JV_KIND_STRING ? jv_string_value(s) : "?";
		size_t p;
		long num = name_number(name, &p);
		int j = i + 1;
		jv nums = jv_array_append(jv_array(), jv_number(num));
		// the names after it of the same prefix, with a number: one bracket
		while (num >= 0 && j < n) {
			jv t = jv_array_get(jv_copy(names), j);
			size_t q;
			long m = jv_get_kind(t) == JV_KIND_STRING ?
				 name_number(jv_string_value(t), &q) : -1;
			bool same = m >= 0 && q == p && !strncmp(jv_string_value(t), name, p);
			jv_free(t);
			if (!same)
				break;
			nums = jv_array_append(nums, jv_number(m));
			j++;
		}
		fprintf(f, "%s", items ? " " : "");
		if (j - i > 1) {
			fprintf(f, "%.*s[", (int)p, name);
			rv_report_ranges(f, nums);
			fprintf(f, "]");
		} else {
			fprintf(f, "%s", name);
			jv_free(nums);
		}
		jv_free(s);
		i = j;
	}
	if (i < n)
		fprintf(f, " ... (%d more)", n - i);
	jv_free(names);
}

struct kind {
	char *key;
	unsigned long hash;
	int first, count;
	jv names;	// of the objects of this kind, in list order
	struct kind *next;	// in the hash chain
};

static int by_rarity(const void *a, const void *b)
{
	const struct kind *x = *(struct kind *const *)a, *y = *(struct kind *const *)b;
	if (x->count != y->count)
		return x->count < y->count ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static void print_all(FILE *f, jv list, int n, rv_report_one_fn one,
		      const struct rv_report_opts *o)
{
	for (int i = 0; i < n; i++) {
		if (i)
			fprintf(f, "\n");
		jv obj = jv_array_get(jv_copy(list), i);
		one(f, obj, o);
		jv_free(obj);
	}
}

void rv_report_list(FILE *f, jv list, const char *section, const char *what,
		    const char *const *keys, rv_report_one_fn one, const struct rv_report_opts *o)
{
	int n = jv_get_kind(list) == JV_KIND_ARRAY ? jv_array_length(jv_copy(list)) : 0;
	if (n <= RV_REPORT_LIST_FULL || (o && o->all)) {
		print_all(f, list, n, one, o);
		jv_free(list);
		return;
	}
	int nkeys = 0;
	while (keys[nkeys])
		nkeys++;
	size_t nbuckets = 1;
	while (nbuckets < (size_t)n)
		nbuckets <<= 1;
	struct kind **bucket = calloc(nbuckets, sizeof(*bucket));
	struct kind **kinds = calloc((size_t)n, sizeof(*kinds));
	int nkinds = 0;
	bool ok = bucket && kinds;
	for (int i = 0; ok && i < n; i++) {
		jv obj = jv_array_get(jv_copy(list), i);
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);
		if (m) {
			one(m, obj, o);
			fclose(m);
		}
		const char *names[8] = { NULL };
		for (int k = 0; k < nkeys && k < 8; k++)
			names[k] = rv_jv_str(obj, keys[k]);
		char *key = text ? alike_key(text, names, nkeys < 8 ? nkeys : 8) : NULL;
		free(text);
		if (!key) {
			jv_free(obj);
			ok = false;
			break;
		}
		unsigned long h = 5381;
		for (const char *c = key; *c; c++)
			h = h * 33 + (unsigned char)*c;
		struct kind *kd = bucket[h & (nbuckets - 1)];
		while (kd && (kd->hash != h || strcmp(kd->key, key)))
			kd = kd->next;
		if (kd) {
			free(key);
		} else {
			kd = calloc(1, sizeof(*kd));
			if (!kd) {
				free(key);
				jv_free(obj);
				ok = false;
				break;
			}
			*kd = (struct kind){ key, h, i, 0, jv_array(), bucket[h & (nbuckets - 1)] };
			bucket[h & (nbuckets - 1)] = kd;
			kinds[nkinds++] = kd;
		}
		kd->count++;
		const char *name = rv_jv_str(obj, keys[0]);
		kd->names = jv_array_append(kd->names, jv_string(name ? name : "?"));
		jv_free(obj);
	}
	if (!ok) {	// out of memory: every object, as with -a
		print_all(f, list, n, one, o);
	} else {
		qsort(kinds, (size_t)nkinds, sizeof(*kinds), by_rarity);
		fprintf(f, "%s: %d %ss in %d kind%s (alike but for addresses and names), "
			"the rarest first; -a prints every %s\n", section, n, what, nkinds,
			nkinds == 1 ? "" : "s", what);
		int shown = nkinds < RV_REPORT_LIST_KINDS ? nkinds : RV_REPORT_LIST_KINDS;
		for (int k = 0; k < shown; k++) {
			fprintf(f, "\n%d %s%s: ", kinds[k]->count, what,
				kinds[k]->count == 1 ? "" : "s alike");
			rv_report_names(f, jv_copy(kinds[k]->names), RV_REPORT_NAMES);
			fprintf(f, "\n");
			jv obj = jv_array_get(jv_copy(list), kinds[k]->first);
			one(f, obj, o);
			jv_free(obj);
		}
		if (shown < nkinds) {
			int rest = 0;
			jv names = jv_array();
			for (int k = shown; k < nkinds; k++) {
				rest += kinds[k]->count;
				jv_array_foreach(kinds[k]->names, i, s)
					names = jv_array_append(names, s);
			}
			fprintf(f, "\n%s: %d more %ss in %d more kinds not shown: ", section, rest,
				what, nkinds - shown);
			rv_report_names(f, names, RV_REPORT_NAMES);
			fprintf(f, "\n");
		}
	}
	for (int k = 0; k < nkinds; k++) {
		free(kinds[k]->key);
		jv_free(kinds[k]->names);
		free(kinds[k]);
	}
	free(kinds);
	free(bucket);
	jv_free(list);
}

// A record of rv_report_rows(): lines [start, end) of the text, its index.
struct record {
	const char *start, *end;
	long index;
	char *key;
};

// The first word of a line, when it is a number: the index of a record.
static bool row_index(const char *line, const char *end, long *ret)
{
	while (line < end && *line == ' ')
		line++;
	const char *p = line;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (p == line || p - line > 9 || (p < end && *p != ' ' && *p != '\n'))
		return false;
	*ret = strtol(line, NULL, 10);
	return true;
}

// The record with its addresses masked, its first word, and its index
// where it ends a name ("req.5", "virtio5-req.5": not a column's value).
static char *row_key(const struct record *r)
{
	char idx[24];
	snprintf(idx, sizeof(idx), "%ld", r->index);
	size_t len = (size_t)(r->end - r->start), il = strlen(idx);
	char *text = malloc(len + 1), *o = text;
	if (!text)
		return NULL;
	const char *p = r->start;
	while (p < r->end && *p == ' ')	// right-aligned: not part of it
		p++;
	*o++ = '@';	// the index itself
	for (p += il; p < r->end;) {
		bool name_end = (size_t)(r->end - p) >= il && !memcmp(p, idx, il) &&
				p[-1] != ' ' && p[-1] != '\n' && !word_char(p[-1]) &&
				(p + il == r->end || !word_char(p[il]));
		if (name_end) {
			*o++ = '@';
			p += il;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	char *key = alike_key(text, NULL, 0);
	free(text);
	return key;
}

void rv_report_rows(FILE *f, const char *rows, const char *what, const struct rv_report_opts *o)
{
	size_t cap = 64, n = 0;
	struct record *r = malloc(cap * sizeof(*r));
	const char *p = rows, *end = rows + strlen(rows);
	// lines before the first record go out as they are
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		long idx;
		if (r && row_index(p, next, &idx)) {
			if (n == cap) {
				struct record *g = realloc(r, 2 * cap * sizeof(*r));
				if (!g) {
					free(r);
					r = NULL;
					break;
				}
				r = g;
				cap *= 2;
			}
			r[n++] = (struct record){ p, next, idx, NULL };
		} else if (n) {
			r[n - 1].end = next;
		} else {
			fwrite(p, 1, (size_t)(next - p), f);
			rows = next;
		}
		p = next;
	}
	if (!r || n <= RV_REPORT_LIST_FULL || (o && o->all)) {
		fputs(rows, f);
		free(r);
		return;
	}
	for (size_t i = 0; i < n; i++)
		r[i].key = row_key(&r[i]);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && r[i].key && r[j].key && !strcmp(r[i].key, r[j].key))
			j++;
		if (j - i < 3) {	// one or two: as they are
			for (; i < j; i++)
				fwrite(r[i].start, 1, (size_t)(r[i].end - r[i].start), f);
			continue;
		}
		fwrite(r[i].start, 1, (size_t)(r[i].end - r[i].start), f);
		int indent = 0;	// as the table's first row
		while (r[0].start[indent] == ' ')
			indent++;
		jv idx = jv_array();
		for (size_t k = i + 1; k < j; k++)
			idx = jv_array_append(idx, jv_number((double)r[k].index));
		fprintf(f, "%*s... %zu more %s alike: ", indent, "", j - i - 1, what);
		rv_report_ranges(f, idx);
		fprintf(f, "\n");
		i = j;
	}
	for (size_t i = 0; i < n; i++)
		free(r[i].key);
	free(r);
}

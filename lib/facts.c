// SPDX-License-Identifier: GPL-2.0-or-later
// The facts document: runs the decoders and assembles their sections.

#include <stdarg.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "sections.h"

jv rv_facts_section(struct rv_target *t, const struct rv_decoder *d,
		      const char *select)
{
	jv missing = jv_array();
	for (int i = 0; d->modules && d->modules[i]; i++) {
		struct rv_error *err = rv_module_debuginfo(t, d->modules[i]);
		if (!err)
			continue;
		if (err->code == RV_ERR_ABSENT) {
			jv sec = jv_object();
			sec = rv_jv_set(sec, "present", jv_false());
			sec = rv_jv_set(sec, "reason", rv_jv_error(err));
			jv_free(missing);
			return sec;
		}
		missing = jv_array_append(missing, rv_jv_error(err));
	}
	jv sec;
	struct rv_error *err = d->decode(t, select, &sec);
	if (err) {
		sec = jv_object();
		sec = rv_jv_set_error(sec, err);
	}
	if (jv_array_length(jv_copy(missing)) > 0)
		sec = rv_jv_set(sec, "debuginfo_missing", missing);
	else
		jv_free(missing);
	return sec;
}

jv rv_facts_collect(struct rv_target *t, const char *only)
{
	jv doc = jv_object();
	doc = rv_jv_set(doc, "schema", jv_string(RV_FACTS_SCHEMA));
	doc = rv_jv_set(doc, "tool", rv_tool_identity());
	doc = rv_jv_set(doc, "complete", jv_false());	// set by rv_facts_seal()
	for (const struct rv_section *s = rv_sections; s->name; s++) {
		const struct rv_decoder *d = s->decoder;
		if (only && strcmp(d->name, only) && strcmp(d->name, "dump"))
			continue;
		doc = rv_jv_set(doc, d->name, rv_facts_section(t, d, NULL));
	}
	doc = rv_jv_set(doc, "findings", jv_array());
	return rv_facts_seal(doc);
}

// ---- jv helpers ----

jv rv_jv_addr(rv_addr_t addr)
{
	return jv_string_fmt("0x%016" PRIx64, addr);
}

jv rv_jv_u64(uint64_t v)
{
	if (v > (UINT64_C(1) << 53))
		return jv_string_fmt("%" PRIu64, v);
	return jv_number((double)v);
}

jv rv_jv_s64(int64_t v)
{
	if (v > (INT64_C(1) << 53) || v < -(INT64_C(1) << 53))
		return jv_string_fmt("%" PRId64, v);
	return jv_number((double)v);
}

jv rv_jv_error(struct rv_error *err)
{
	jv s = jv_string(err ? err->msg : "unknown error");
	rv_error_destroy(err);
	return s;
}

jv rv_jv_set(jv obj, const char *key, jv val)
{
	return jv_object_set(obj, jv_string(key), val);
}

jv rv_jv_set_error(jv obj, struct rv_error *err)
{
	jv msg = rv_jv_error(err);
	jv old = jv_object_get(jv_copy(obj), jv_string("error"));
	switch (jv_get_kind(old)) {
	case JV_KIND_STRING: {
		jv list = jv_array_append(jv_array(), old);
		return rv_jv_set(obj, "error", jv_array_append(list, msg));
	}
	case JV_KIND_ARRAY:
		return rv_jv_set(obj, "error", jv_array_append(old, msg));
	default:
		jv_free(old);
		return rv_jv_set(obj, "error", msg);
	}
}

jv rv_jv_doubt(jv doubts, const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	doubts = jv_array_append(doubts, jv_string(msg ? msg : "out of memory"));
	free(msg);
	return doubts;
}

jv rv_jv_set_trust(jv obj, const char *what, jv doubts)
{
	jv err = jv_object_get(jv_copy(obj), jv_string("error"));
	bool read_whole = !jv_is_valid(err);
	jv_free(err);
	bool checked = jv_array_length(jv_copy(doubts)) == 0;
	if (!checked) {
		jv all = jv_string("");
		jv_array_foreach(doubts, i, d) {
			all = jv_string_concat(all, i ? jv_string("; ") : jv_string(""));
			all = jv_string_concat(all, d);
		}
		obj = rv_jv_set_error(obj, rv_error_format(RV_ERR_CORRUPT, "%s not trusted: %s",
							   what, jv_string_value(all)));
		jv_free(all);
		obj = rv_jv_set(obj, "untrusted", doubts);
	} else {
		if (!read_whole)
			doubts = jv_array_append(doubts, jv_string("not read whole (see error)"));
		if (read_whole)
			jv_free(doubts);
		else
			obj = rv_jv_set(obj, "untrusted", doubts);
	}
	return rv_jv_set(obj, "trusted", jv_bool(read_whole && checked));
}

int rv_natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			// skip leading zeros, then the longer run is the larger
			while (*a == '0' && isdigit((unsigned char)a[1]))
				a++;
			while (*b == '0' && isdigit((unsigned char)b[1]))
				b++;
			size_t na = 0, nb = 0;
			while (isdigit((unsigned char)a[na]))
				na++;
			while (isdigit((unsigned char)b[nb]))
				nb++;
			if (na != nb)
				return na < nb ? -1 : 1;
			int c = memcmp(a, b, na);
			if (c)
				return c;
			a += na;
			b += nb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

const char *rv_plural(double n)
{
	return n == 1 ? "" : "s";
}

rv_addr_t rv_jv_get_addr(jv v)
{
	rv_addr_t addr = 0;
	if (jv_get_kind(v) == JV_KIND_STRING) {
		const char *s = jv_string_value(v);
		if (!strncmp(s, "0x", 2))
			addr = strtoull(s, NULL, 16);
	}
	jv_free(v);
	return addr;
}

jv rv_jv_get(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(obj), jv_string(key));
}

double rv_jv_num(jv obj, const char *key, double dflt)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return dflt;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : dflt;
	jv_free(v);
	return d;
}

const char *rv_jv_str(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return NULL;
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	const char *s = NULL;
	if (jv_get_kind(v) == JV_KIND_STRING)
		s = jv_string_value(v);	// kept alive by obj
	jv_free(v);
	return s;
}

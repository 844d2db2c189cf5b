// SPDX-License-Identifier: GPL-2.0-or-later
// The panicking CPU's context at the fault (dump.panic.context,
// docs/facts-dump.md): registers from the oops report in the kernel log
// (the kernel prints them from the faulting pt_regs, __show_regs()), the
// faulting RIP and its address, the reliable call-trace frames, and each
// register and the stack slots near RSP classified against what the dump
// holds: poison patterns, live or free slab objects (with their cache),
// block-layer objects (hctx, request_queue: rv_blk_identify()), kernel and
// module text.
//
// The log is the source because it is the fault's own register dump; the
// CPU notes of a kdump hold panic()'s registers, not the fault's.

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "blk_mq.h"
#include "facts.h"
#include "kernel_log.h"
#include "kmodule.h"
#include "panic_context.h"
#include "slab.h"

#define STACK_SLOTS 32		// words read from RSP up
#define MAX_FRAMES 32

static const char *const reg_names[] = {
	"RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
	"R08", "R09", "R10", "R11", "R12", "R13", "R14", "R15",
};
#define NREGS (sizeof(reg_names) / sizeof(reg_names[0]))

struct regs {
	bool have[NREGS];
	uint64_t v[NREGS];
	char rip[128];		// "blk_mq_exit_hctx+0x2e/0x1c0"
};

/** Parse "NAME: [SEG:]HEX" pairs of one register line. */
static void parse_reg_line(const char *s, struct regs *r)
{
	for (size_t i = 0; i < NREGS; i++) {
		char pat[8];
		snprintf(pat, sizeof(pat), "%s: ", reg_names[i]);
		const char *p = strstr(s, pat);
		if (!p || (p > s && isalnum((unsigned char)p[-1])))
			continue;
		p += strlen(pat);
		// RSP: 0018:ffffcf654040fad8 (SS:RSP)
		const char *colon = strchr(p, ':'), *sp = strchr(p, ' ');
		if (colon && (!sp || colon < sp))
			p = colon + 1;
		char *end;
		uint64_t v = strtoull(p, &end, 16);
		if (end == p)
			continue;
		r->have[i] = true;
		r->v[i] = v;
	}
}

/** "func+0x2e/0x1c0 [mod]" -> the address of func + 0x2e (0 if unknown). */
static rv_addr_t frame_addr(struct rv_target *t, const char *frame)
{
	char name[128];
	size_t n = strcspn(frame, "+ ");
	if (n == 0 || n >= sizeof(name) || frame[n] != '+')
		return 0;
	memcpy(name, frame, n);
	name[n] = '\0';
	uint64_t off = strtoull(frame + n + 1, NULL, 16);
	rv_addr_t a;
	struct rv_error *err = rv_symbol(t, name, &a);
	if (err) {
		rv_error_destroy(err);
		return 0;
	}
	return a + off;
}

/** The address the oops says was faulted on, or 0. */
static rv_addr_t fault_address(const char *oops)
{
	const char *p = strstr(oops, "address");
	if (!p)
		return 0;
	p += strlen("address");
	while (*p == ':' || *p == ' ')
		p++;
	return strtoull(p, NULL, 16);
}

/** Kernel text range of vmlinux: [_stext, _etext). */
static bool kernel_text(struct rv_target *t, rv_addr_t v)
{
	rv_addr_t s, e;
	struct rv_error *err = rv_symbol(t, "_stext", &s);
	if (!err)
		err = rv_symbol(t, "_etext", &e);
	if (err) {
		rv_error_destroy(err);
		return false;
	}
	return v >= s && v < e;
}

jv rv_panic_classify(struct rv_target *t, rv_addr_t v, rv_addr_t fault)
{
	jv o = jv_object();
	if (fault && v && v <= fault && fault - v < 0x1000 && fault != v)
		o = rv_jv_set(o, "fault_address_offset",
			      jv_string_fmt("0x%" PRIx64, fault - v));
	else if (fault && v == fault)
		o = rv_jv_set(o, "fault_address_offset", jv_string("0x0"));
	const char *poison = rv_addr_poison(v);
	if (poison)
		return rv_jv_set(rv_jv_set(o, "kind", jv_string("poison")),
				 "poison", jv_string(poison));
	if (!rv_addr_kernel(v)) {
		jv_free(o);
		return jv_null();
	}
	if (kernel_text(t, v))
		return rv_jv_set(o, "kind", jv_string("kernel image"));
	char name[64];
	rv_addr_t mod;
	struct rv_error *err = rv_module_of_addr(t, v, &mod, name, sizeof(name));
	if (!err && mod)
		return rv_jv_set(rv_jv_set(o, "kind", jv_string("module")),
				 "module", jv_string(name));
	rv_error_destroy(err);
	struct rv_slab_info si;
	err = rv_slab_identify(t, v, &si);
	if (err) {
		rv_error_destroy(err);
		jv_free(o);
		return jv_null();
	}
	if (!si.is_slab || !si.in_object) {
		jv_free(o);
		return jv_null();
	}
	o = rv_jv_set(o, "kind", jv_string("slab"));
	o = rv_jv_set(o, "cache", jv_string(si.cache_name));
	o = rv_jv_set(o, "object_addr", rv_jv_addr(si.object));
	o = rv_jv_set(o, "offset", rv_jv_u64(v - si.object));
	o = rv_jv_set(o, "live", jv_bool(!si.free));
	jv what = rv_blk_identify(t, v, &si);
	if (jv_get_kind(what) == JV_KIND_OBJECT)
		o = rv_jv_set(o, "object", what);
	else
		jv_free(what);
	return o;
}

/** objects[type] = the first classification naming that type, with where. */
static jv note_object(jv objects, jv is, const char *where)
{
	jv obj = jv_object_get(jv_copy(is), jv_string("object"));
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		jv_free(is);
		return objects;
	}
	jv type = jv_object_get(jv_copy(obj), jv_string("type"));
	jv have = jv_object_get(jv_copy(objects), jv_copy(type));
	if (jv_get_kind(have) == JV_KIND_OBJECT) {
		jv w = jv_object_get(jv_copy(have), jv_string("in"));
		have = jv_object_set(have, jv_string("in"),
				     jv_array_append(w, jv_string(where)));
		jv_free(obj);
	} else {
		jv_free(have);
		have = obj;
		have = rv_jv_set(have, "cache",
				 jv_object_get(jv_copy(is), jv_string("cache")));
		have = rv_jv_set(have, "live",
				 jv_object_get(jv_copy(is), jv_string("live")));
		have = rv_jv_set(have, "in", jv_array_append(jv_array(),
							     jv_string(where)));
	}
	jv_free(is);
	return jv_object_set(objects, type, have);
}

jv rv_panic_context(struct rv_target *t, jv report, jv oops)
{
	if (jv_get_kind(report) != JV_KIND_ARRAY ||
	    jv_array_length(jv_copy(report)) == 0) {
		jv_free(report);
		jv_free(oops);
		return jv_null();
	}
	jv ctx = jv_object();
	ctx = rv_jv_set(ctx, "source", jv_string("log"));
	rv_addr_t fault = jv_get_kind(oops) == JV_KIND_STRING ?
		fault_address(jv_string_value(oops)) : 0;
	jv_free(oops);
	struct regs r = { 0 };
	jv frames = jv_array();
	bool in_trace = false, seen_trace = false;
	jv_array_foreach(report, i, line) {
		const char *s = jv_get_kind(line) == JV_KIND_STRING ?
			jv_string_value(line) : "";
		while (*s == ' ')
			s++;
		if (!in_trace && !strncmp(s, "RIP: ", 5) && !r.rip[0]) {
			const char *p = strchr(s + 5, ':');	// "0010:func+..."
			snprintf(r.rip, sizeof(r.rip), "%s", p ? p + 1 : s + 5);
		} else if (!strncmp(s, "Call Trace:", 11)) {
			in_trace = seen_trace = true;
		} else if (in_trace) {
			if (!strncmp(s, "RIP: ", 5))
				in_trace = false;	// user-mode registers follow
			else if (*s != '?' && *s != '<' &&
				 jv_array_length(jv_copy(frames)) < MAX_FRAMES)
				frames = jv_array_append(frames, jv_string(s));
		} else if (!seen_trace) {
			parse_reg_line(s, &r);	// the fault's registers only
		}
		jv_free(line);
	}
	jv_free(report);
	if (fault)
		ctx = rv_jv_set(ctx, "fault_address", rv_jv_addr(fault));
	if (r.rip[0]) {
		ctx = rv_jv_set(ctx, "rip_symbol", jv_string(r.rip));
		rv_addr_t a = frame_addr(t, r.rip);
		ctx = rv_jv_set(ctx, "rip", a ? rv_jv_addr(a) : jv_null());
	}
	ctx = rv_jv_set(ctx, "call_trace", frames);
	jv regs = jv_object(), objects = jv_object();
	for (size_t i = 0; i < NREGS; i++) {
		if (!r.have[i])
			continue;
		char lower[8];
		for (size_t k = 0; k <= strlen(reg_names[i]); k++)
			lower[k] = (char)tolower((unsigned char)reg_names[i][k]);
		jv o = rv_jv_set(jv_object(), "value", rv_jv_addr(r.v[i]));
		jv is = i == 7 ? jv_null() : rv_panic_classify(t, r.v[i], fault);
		if (jv_get_kind(is) == JV_KIND_OBJECT)
			objects = note_object(objects, jv_copy(is), lower);
		o = rv_jv_set(o, "is", is);
		regs = rv_jv_set(regs, lower, o);
	}
	ctx = rv_jv_set(ctx, "registers", regs);
	// Stack slots from RSP up: what the frames saved (callee-saved
	// registers, arguments, return addresses).
	size_t rsp = 7;
	if (r.have[rsp]) {
		jv slots = jv_array();
		for (int k = 0; k < STACK_SLOTS; k++) {
			uint64_t w;
			rv_addr_t a = r.v[rsp] + 8 * (rv_addr_t)k;
			struct rv_error *err = rv_read_u64(t, a, &w);
			if (err) {
				// The slots are an extra (the registers are the
				// context): an unreadable stack is noted, not an error
				// of the dump section.
				ctx = rv_jv_set(ctx, "stack_unreadable", rv_jv_error(
					rv_error_wrap(err, "stack at RSP")));
				break;
			}
			jv is = rv_panic_classify(t, w, 0);
			if (jv_get_kind(is) != JV_KIND_OBJECT) {
				jv_free(is);
				continue;
			}
			char where[32];
			snprintf(where, sizeof(where), "rsp+0x%x", 8 * k);
			objects = note_object(objects, jv_copy(is), where);
			jv s = rv_jv_set(jv_object(), "addr", rv_jv_addr(a));
			s = rv_jv_set(s, "value", rv_jv_addr(w));
			slots = jv_array_append(slots, rv_jv_set(s, "is", is));
		}
		ctx = rv_jv_set(ctx, "stack", slots);
	}
	return rv_jv_set(ctx, "objects", objects);
}

jv rv_panic_context_read(struct rv_target *t)
{
	jv log;
	struct rv_error *err = rv_kernel_log_read(t, &log);
	if (err) {
		rv_error_destroy(err);	// the dump section reports it
		return jv_null();
	}
	jv text = rv_kernel_log_panic_text(log);
	jv report = jv_object_get(jv_copy(text), jv_string("oops_report"));
	jv oops = jv_object_get(text, jv_string("oops"));
	return rv_panic_context(t, report, oops);
}

// SPDX-License-Identifier: GPL-2.0-or-later
// raidvirt.so: crash commands over the shared decoders.
//
//   crash> extend raidvirt.so
//   crash> r1conf | vecmatrix | hctxfq | vring | raidvirt
//
// No decoding happens here: each command builds a target over crash, asks
// lib/ for a facts section, and prints it as text (or JSON with -j).

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crash/defs.h>

#include "facts.h"
#include "help.h"
#include "report.h"
#include "rules.h"
#include "sections.h"
#include "target_crash.h"

/**
 * A usage error: one line, "CMD: MESSAGE (see "help CMD")", as the CLI's
 * "raidvirt: MESSAGE (see 'raidvirt CMD --help')" (crash's cmd_usage()
 * prints the whole synopsis block instead).
 */
__attribute__((format(printf, 1, 2)))
static void usage_error(const char *fmt, ...)
{
	va_list ap;
	fprintf(fp, "%s: ", pc->curcmd);
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	fprintf(fp, " (see \"help %s\")\n", pc->curcmd);
}

/** The arguments from args[@p from] on, quoted for a message. */
static const char *rest_of_args(int from, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (int i = from; i < argcnt && n + 1 < size; i++) {
		int w = snprintf(buf + n, size - n, "%s%s", i > from ? " " : "", args[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

// Parse the common options; returns false (after one line) on a bad option
// or more than @p max_args arguments (0 or 1).
static bool parse_opts(const char *optstring, int max_args, bool *json,
		       struct rv_report_opts *o)
{
	int c;
	optind = 0;	// crash commands share getopt state
	opterr = 0;	// the message is ours, one line
	while ((c = getopt(argcnt, args, optstring)) != EOF) {
		switch (c) {
		case 'j':
			*json = true;
			break;
		case 'a':
			o->all = true;
			break;
		case 'b':
			o->buckets = true;
			break;
		case 'w':
			o->waiters = true;
			break;
		case 'c':
			o->cpus = true;
			break;
		case 'v':
			o->vectors = true;
			break;
		case 'r':
			o->requests = true;
			break;
		default:
			if (optopt)
				usage_error("unknown option '-%c'", optopt);
			else
				usage_error("unknown option '%s'", args[optind - 1]);
			return false;
		}
	}
	if (argcnt - optind > max_args) {
		char buf[256];
		usage_error(max_args ? "expected one argument at most, got '%s'" :
			    "takes no argument, got '%s'", rest_of_args(optind, buf, sizeof(buf)));
		return false;
	}
	return true;
}

// One target for the whole crash session, so that layout lookups (each a
// gdb expression evaluation) are paid once, not once per command. The cache
// is dropped whenever the set of modules with loaded debug info changes
// (`mod -s`, `mod -d`), since that changes what the debug info can answer.
static struct rv_target session;
static bool session_ready;
static unsigned long session_modgen;

static unsigned long module_generation(void)
{
	unsigned long gen = (unsigned long)kt->mods_installed;
	for (int i = 0; i < kt->mods_installed; i++) {
		if (st->load_modules[i].mod_flags & MOD_LOAD_SYMS)
			gen += (unsigned long)(i + 1) * 2654435761u;
	}
	return gen;
}

static struct rv_target *session_target(void)
{
	if (!session_ready) {
		struct rv_error *err = rv_crash_target_init(&session);
		if (err) {
			fprintf(fp, "%s: %s\n", pc->curcmd, err->msg);
			rv_error_destroy(err);
			return NULL;
		}
		session_ready = true;
		session_modgen = module_generation();
	}
	unsigned long gen = module_generation();
	if (gen != session_modgen) {
		rv_target_flush_cache(&session);
		session_modgen = gen;
	}
	return &session;
}

// One command per section of the table (lib/sections.h): the command's
// name picks the section.
static void cmd_section(void)
{
	const struct rv_section *s = rv_section_by_command(pc->curcmd);
	if (!s)
		return;
	char optstring[16];
	snprintf(optstring, sizeof(optstring), "j%s", s->options);
	bool json = false;
	struct rv_report_opts o = { 0 };
	if (!parse_opts(optstring, s->select ? 1 : 0, &json, &o))
		return;
	const char *select = optind < argcnt ? args[optind] : NULL;

	struct rv_target *t = session_target();
	if (!t)
		return;
	jv sec = rv_facts_section(t, s->decoder, select);
	bool no_match = select && rv_section_selected_nothing(s, sec);
	if (json) {
		rv_print_json(fp, sec);
	} else {
		s->report(fp, sec, &o);
		jv_free(sec);
	}
	// As `raidvirt show`: one line naming what the dump has.
	if (no_match)
		rv_section_say_what_exists(fp, t, s, pc->curcmd, select);
}

static void cmd_raidvirt(void)
{
	bool json = false;
	struct rv_report_opts o = { 0 };
	if (!parse_opts("jabwcv", 0, &json, &o))
		return;
	struct rv_target *t = session_target();
	if (!t)
		return;
	jv doc = rv_facts_collect(t, NULL);
	doc = rv_rules_apply(doc);	// .findings: rules/ + $RAIDVIRT_RULES
	doc = rv_facts_seal(doc);	// rule errors make it incomplete too
	if (json) {
		rv_print_json(fp, doc);
		return;
	}
	// The same text as `raidvirt facts DUMP`, then the findings, with
	// INCOMPLETE above them too, so that "no findings" is never read as
	// a clean result.
	rv_report_sections(fp, doc, &o);
	fprintf(fp, "\n");
	rv_report_status(fp, doc);
	jv findings = jv_object_get(jv_copy(doc), jv_string("findings"));
	rv_report_findings(fp, findings, &o);
	jv_free(findings);
	jv_free(doc);
}

// "raidvirt", then one command per section that has one; filled in at load.
static struct command_table_entry command_table[8];

__attribute__((constructor)) static void raidvirt_init(void)
{
	size_t n = 0;
	command_table[n++] = (struct command_table_entry){
		"raidvirt", cmd_raidvirt, rv_help_raidvirt, 0 };
	for (const struct rv_section *s = rv_sections; s->name; s++) {
		if (s->command && n + 1 < sizeof(command_table) / sizeof(command_table[0]))
			command_table[n++] = (struct command_table_entry){
				(char *)s->command, cmd_section, s->help, 0 };
	}
	command_table[n] = (struct command_table_entry){ NULL, NULL, NULL, 0 };
	register_extension(command_table);
}

__attribute__((destructor)) static void raidvirt_fini(void)
{
	if (session_ready)
		rv_target_deinit(&session);
	session_ready = false;
	rv_crash_target_release();
}

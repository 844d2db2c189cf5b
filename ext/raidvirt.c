// SPDX-License-Identifier: GPL-2.0-or-later
// raidvirt.so: crash commands over the shared decoders.
//
//   crash> extend raidvirt.so
//   crash> r1conf | vecmatrix | hctxfq | vring | raidvirt
//
// No decoding happens here: each command builds a target over crash, asks
// lib/ for a facts section, and prints it as text (or JSON with -j).

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crash/defs.h>

#include "facts.h"
#include "help.h"
#include "report.h"
#include "rules.h"
#include "target_crash.h"

static void print_json(jv v)
{
	jv s = jv_dump_string(v, JV_PRINT_PRETTY | JV_PRINT_SPACE1);
	fprintf(fp, "%s\n", jv_string_value(s));
	jv_free(s);
}

// Parse the common options; returns false (after usage) on a bad option.
static bool parse_opts(const char *optstring, bool *json,
		       struct rv_report_opts *o)
{
	int c, argerrs = 0;
	optind = 0;	// crash commands share getopt state
	while ((c = getopt(argcnt, args, optstring)) != EOF) {
		switch (c) {
		case 'j':
			*json = true;
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
		default:
			argerrs++;
			break;
		}
	}
	if (argerrs || argcnt - optind > 1) {
		cmd_usage(pc->curcmd, SYNOPSIS);
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

typedef void (*report_fn)(FILE *f, jv sec, const struct rv_report_opts *o);

static void run_section(const char *section, const char *optstring,
			report_fn report)
{
	bool json = false;
	struct rv_report_opts o = { 0 };
	if (!parse_opts(optstring, &json, &o))
		return;
	const char *select = optind < argcnt ? args[optind] : NULL;
	// vecmatrix decodes the one matrix there is: an argument would be
	// silently ignored, so refuse it.
	if (select && !strcmp(section, "irq")) {
		cmd_usage(pc->curcmd, SYNOPSIS);
		return;
	}

	struct rv_target *t = session_target();
	if (!t)
		return;
	jv sec = rv_facts_section(t, rv_decoder_find(section), select);
	if (json) {
		print_json(sec);
	} else {
		report(fp, sec, &o);
		jv_free(sec);
	}
}

static void cmd_r1conf(void)
{
	run_section("md", "jbw", rv_report_md);
}

static void cmd_vecmatrix(void)
{
	run_section("irq", "jcv", rv_report_irq);
}

static void cmd_hctxfq(void)
{
	run_section("blk", "j", rv_report_blk);
}

static void cmd_vring(void)
{
	run_section("virtio", "j", rv_report_virtio);
}

static void cmd_raidvirt(void)
{
	bool json = false;
	struct rv_report_opts o = { 0 };
	if (!parse_opts("jbwcv", &json, &o))
		return;
	if (optind < argcnt) {
		cmd_usage(pc->curcmd, SYNOPSIS);
		return;
	}
	struct rv_target *t = session_target();
	if (!t)
		return;
	jv doc = rv_facts_collect(t, NULL);
	doc = rv_rules_apply(doc);	// .findings: rules/ + $RAIDVIRT_RULES
	doc = rv_facts_seal(doc);	// rule errors make it incomplete too
	if (json) {
		print_json(doc);
	} else {
		static const struct {
			const char *section;
			report_fn report;
		} parts[] = {
			{ "dump", rv_report_dump },
			{ "log", rv_report_log },
			{ "md", rv_report_md },
			{ "irq", rv_report_irq },
			{ "blk", rv_report_blk },
			{ "virtio", rv_report_virtio },
			{ "findings", rv_report_findings },
		};
		// INCOMPLETE at the top and again above FINDINGS, so that
		// "no findings" is never read as a clean result.
		bool complete = rv_facts_complete(jv_copy(doc));
		rv_report_status(fp, doc);
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			if (i || !complete)
				fprintf(fp, "\n");
			if (!strcmp(parts[i].section, "findings"))
				rv_report_status(fp, doc);
			jv sec = jv_object_get(jv_copy(doc),
					       jv_string(parts[i].section));
			parts[i].report(fp, sec, &o);
			jv_free(sec);
		}
		jv_free(doc);
	}
}

static struct command_table_entry command_table[] = {
	{ "raidvirt", cmd_raidvirt, rv_help_raidvirt, 0 },
	{ "r1conf", cmd_r1conf, rv_help_r1conf, 0 },
	{ "vecmatrix", cmd_vecmatrix, rv_help_vecmatrix, 0 },
	{ "hctxfq", cmd_hctxfq, rv_help_hctxfq, 0 },
	{ "vring", cmd_vring, rv_help_vring, 0 },
	{ NULL, NULL, NULL, 0 },
};

__attribute__((constructor)) static void raidvirt_init(void)
{
	register_extension(command_table);
}

__attribute__((destructor)) static void raidvirt_fini(void)
{
	if (session_ready)
		rv_target_deinit(&session);
	session_ready = false;
	rv_crash_target_release();
}

// SPDX-License-Identifier: GPL-2.0-or-later
// raidvirt: the standalone program. Opens a dump with libkdumpfile and its
// debug info with libdw, runs the shared decoders, prints facts or tables.
// docs/cli.md describes the commands and exit statuses.

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_rules.h"
#include "facts.h"
#include "maple_tree.h"
#include "report.h"
#include "sections.h"
#include "target_kdump.h"

static const char *progname = "raidvirt";

// ---- progress: on a terminal only ----

static bool progress_on;

void rv_progress(const char *msg)
{
	if (!progress_on)
		return;
	if (msg)
		fprintf(stderr, "\r\033[K%s: %s", progname, msg);
	else
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

// ---- usage ----

static const char usage_main[] =
	"usage: raidvirt COMMAND [OPTIONS] DUMP\n"
	"       raidvirt --version\n"
	"\n"
	"Decode md raid1, x86 vectors, blk-mq flush queues and virtio rings in a\n"
	"kernel crash dump (kdump-compressed, flattened or ELF).\n"
	"\n"
	"commands:\n"
	"  facts    print the facts document (text, or JSON with --json)\n"
	"  show     print one table: dump, log, md, vectors, blk, virtio\n"
	"  triage   evaluate the rules: findings, exit 1 at --fail-on\n"
	"  rules    lint, test or list the rules (rules/*.yaml)\n"
	"  debug    raw backend answers (for tests and debugging)\n"
	"  help     help on a command\n"
	"\n"
	"exit status: 0 analysed, 1 findings at or above --fail-on (triage),\n"
	"2 usage error, 3 could not analyse (unreadable dump, no or mismatched\n"
	"debug info, missing module debug info), 4 a show SELECT that matches\n"
	"nothing.\n"
	"\n"
	"environment:\n"
	"  RAIDVIRT_DEBUGINFO      a directory searched for debug files after\n"
	"                          the --debuginfo ones (crash's extension too)\n"
	"  RAIDVIRT_RULES          more rule directories (colon-separated)\n"
	"  RAIDVIRT_RULES_BUILTIN  the built-in rule directory, instead of the one\n"
	"                          found next to the program\n"
	"  RAIDVIRT_RULE_PARAMS    rule parameters RULE.NAME=VALUE, as --param\n"
	"\n"
	"files:\n"
	"  PREFIX/share/raidvirt/rules  the built-in rules, found relative to\n"
	"                          PREFIX/bin/raidvirt (rules/ of the checkout when\n"
	"                          run from the build tree)\n"
	"  /usr/lib/debug          debug files: boot/vmlinux-RELEASE, .build-id/,\n"
	"                          lib/modules/RELEASE/**/*.ko.debug\n"
	"\n"
	"examples:\n"
	"  raidvirt triage vmcore            findings; exit 1 on an error or worse\n"
	"  raidvirt triage --json vmcore     the same as JSON, for a pipeline\n"
	"  raidvirt facts --json vmcore      every decoded fact\n"
	"  raidvirt show md vmcore md0       one table, as crash's r1conf prints it\n"
	"  raidvirt rules list               the built-in rules\n"
	"\n"
	"Run 'raidvirt COMMAND --help' for a command's options.\n";

#define COMMON_OPTIONS \
	"  --vmlinux FILE          the debug vmlinux (default: found by release and\n" \
	"                          build id under /usr/lib/debug)\n" \
	"  --debuginfo DIR         search DIR first for vmlinux and module .ko files\n" \
	"                          (repeatable; also $RAIDVIRT_DEBUGINFO)\n" \
	"  --no-default-debuginfo  do not search /usr/lib/debug\n" \
	"  --types auto|dwarf|btf  where layouts come from: the vmlinux debug file\n" \
	"                          (dwarf), the dump's own BTF and kallsyms (btf), or\n" \
	"                          dwarf when a matching vmlinux is found, else btf\n" \
	"                          (auto, the default)\n"

static const char usage_facts[] =
	"usage: raidvirt facts [--json] [--section NAME] [OPTIONS] DUMP\n"
	"\n"
	"Print every section's text report, or with --json the facts document\n"
	"(schema raidvirt.facts/1: dump, log, md, irq, blk, virtio, findings).\n"
	"\n"
	"  -j, --json              JSON facts\n"
	"  -a, --all               every object and row in full (default: more\n"
	"                          than 16 alike are summarised)\n"
	"  --section NAME          only this section (and dump)\n"
	COMMON_OPTIONS;

static const char usage_show[] =
	"usage: raidvirt show TABLE [OPTIONS] DUMP [SELECT]\n"
	"\n"
	"Print one section's table, as the crash command of the same section does\n"
	"(the list below). SELECT names one object (md0, vdb, virtio2) or gives the\n"
	"address of one, for the tables that take it; a SELECT that matches nothing\n"
	"exits 4 with one line naming the objects the dump has.\n"
	"\n"
	"  -j, --json              the section's facts as JSON\n"
	"  -a, --all               md, blk, virtio: every object in full, and\n"
	"                          every row (vectors -c: every CPU); without it\n"
	"                          more than 16 are summarised: objects alike but\n"
	"                          for addresses and names once, the rarest kind\n"
	"                          first, runs of like rows as one line\n"
	"  -b, --buckets           md: non-zero barrier buckets\n"
	"  -w, --waiters           md: tasks waiting on the barrier\n"
	"  -c, --cpus              vectors: per-CPU table\n"
	"  -v, --vectors           vectors: every allocated vector\n"
	"  -r, --requests          blk: the requests in flight with their age,\n"
	"                          oldest first (at most 20 per disk)\n"
	COMMON_OPTIONS;

static const char usage_debug[] =
	"usage: raidvirt debug [OPTIONS] DUMP QUERY...\n"
	"\n"
	"Raw backend answers, one line per query (for tests and debugging):\n"
	"  info                 dump format, release, vmlinux, KASLR offset\n"
	"  sym:NAME             symbol address (vmlinux, then modules)\n"
	"  rd:ADDR:COUNT        COUNT 64-bit words (ADDR: 0xHEX or SYMBOL[+OFF])\n"
	"  read:ADDR:LEN        LEN bytes in hex\n"
	"  str:ADDR             a C string\n"
	"  size:TYPE            type size (\"struct r1conf\", \"atomic_t\")\n"
	"  member:TYPE:PATH     offset, size, kind... of a member (dotted path)\n"
	"  enum:NAME            an enumerator's value\n"
	"  module:NAME          load a module's debug info\n"
	"  vmcoreinfo:KEY       a VMCOREINFO value\n"
	"  mt:ADDR              the entries of the struct maple_tree at ADDR\n"
	"  stats                type index statistics (DWARF files or BTF, kallsyms)\n"
	COMMON_OPTIONS;

// ---- common options ----

struct common {
	struct rv_kdump_opts kopts;
	const char *dirs[32];
	size_t ndirs;
	bool json;
	struct rv_report_opts ropts;
	const char *section;
};

enum {
	OPT_VMLINUX = 256,
	OPT_DEBUGINFO,
	OPT_NO_DEFAULT,
	OPT_SECTION,
	OPT_TYPES,
};

static const struct option long_options[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "all", no_argument, NULL, 'a' },
	{ "buckets", no_argument, NULL, 'b' },
	{ "waiters", no_argument, NULL, 'w' },
	{ "cpus", no_argument, NULL, 'c' },
	{ "vectors", no_argument, NULL, 'v' },
	{ "requests", no_argument, NULL, 'r' },
	{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
	{ "debuginfo", required_argument, NULL, OPT_DEBUGINFO },
	{ "no-default-debuginfo", no_argument, NULL, OPT_NO_DEFAULT },
	{ "section", required_argument, NULL, OPT_SECTION },
	{ "types", required_argument, NULL, OPT_TYPES },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

int rv_usage_error(const char *usage, const char *fmt, ...)
{
	char cmd[32] = "";
	if (usage != usage_main)
		sscanf(usage, "usage: raidvirt %31s", cmd);
	fprintf(stderr, "%s: ", progname);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'raidvirt %s%s--help')\n", cmd, cmd[0] ? " " : "");
	return RV_EXIT_USAGE;
}

// The --section names, from the section table.
static void print_section_names(void)
{
	printf("\nsections:");
	for (const struct rv_section *s = rv_sections; s->name; s++)
		printf(" %s", s->name);
	printf("\n");
}

/**
 * Parse options of a command; @p allowed lists the short options it takes.
 * Returns -1 to go on, else an exit status (help printed, usage error).
 */
static int parse_common(int argc, char **argv, const char *allowed,
			const char *usage, struct common *c)
{
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "jabwcvrh", long_options, NULL)) != -1) {
		if (opt == 'h') {
			fputs(usage, stdout);
			if (strchr(allowed, 'S'))	// --section: name them
				print_section_names();
			return RV_EXIT_ANALYSED;
		}
		if (opt == '?')
			return rv_usage_error(usage, "unknown or incomplete option '%s'",
					   argv[optind - 1]);
		if (opt < 256 && !strchr(allowed, opt))
			return rv_usage_error(usage, "option '%s' does not apply here",
					   argv[optind - 1]);
		switch (opt) {
		case 'j':
			c->json = true;
			break;
		case 'a':
			c->ropts.all = true;
			break;
		case 'b':
			c->ropts.buckets = true;
			break;
		case 'w':
			c->ropts.waiters = true;
			break;
		case 'c':
			c->ropts.cpus = true;
			break;
		case 'v':
			c->ropts.vectors = true;
			break;
		case 'r':
			c->ropts.requests = true;
			break;
		case OPT_VMLINUX:
			c->kopts.debuginfo.vmlinux = optarg;
			break;
		case OPT_DEBUGINFO:
			if (c->ndirs == sizeof(c->dirs) / sizeof(c->dirs[0]))
				return rv_usage_error(usage, "too many --debuginfo");
			c->dirs[c->ndirs++] = optarg;
			break;
		case OPT_NO_DEFAULT:
			c->kopts.debuginfo.no_default = true;
			break;
		case OPT_TYPES:
			if (!rv_types_mode_parse(optarg, &c->kopts.types))
				return rv_usage_error(usage, "bad --types '%s' (auto, dwarf, btf)",
						   optarg);
			break;
		case OPT_SECTION:
			if (!strchr(allowed, 'S'))
				return rv_usage_error(usage, "option '%s' does not apply here",
						   "--section");
			c->section = optarg;
			break;
		}
	}
	c->kopts.debuginfo.dirs = c->dirs;
	c->kopts.debuginfo.ndirs = c->ndirs;
	c->kopts.progress = rv_progress;
	c->kopts.debuginfo.progress = rv_progress;
	return -1;
}

static int open_target(const char *dump, struct common *c, struct rv_target *t)
{
	struct rv_error *err = rv_kdump_target_open(dump, &c->kopts, t);
	if (!err)
		return -1;
	fprintf(stderr, "%s: %s\n", progname, err->msg);
	rv_error_destroy(err);
	return RV_EXIT_UNANALYSABLE;
}

// ---- output ----

// Append the "debuginfo_missing" messages of a section to @p list.
static jv collect_missing(jv list, jv sec)
{
	if (jv_get_kind(sec) != JV_KIND_OBJECT) {
		jv_free(sec);
		return list;
	}
	jv m = jv_object_get(jv_copy(sec), jv_string("debuginfo_missing"));
	if (jv_get_kind(m) == JV_KIND_ARRAY) {
		jv_array_foreach(m, i, msg) {
			bool dup = false;
			jv_array_foreach(list, j, have) {
				dup = dup || jv_equal(jv_copy(have), jv_copy(msg));
				jv_free(have);
			}
			if (dup)
				jv_free(msg);
			else
				list = jv_array_append(list, msg);
		}
	}
	jv_free(m);
	jv_free(sec);
	return list;
}

/** Is @p word one of the ", "-separated names of @p list? */
static bool in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *at = strstr(list, word); n && at; at = strstr(at + 1, word))
		if ((at == list || at[-1] == ' ') && (at[n] == ',' || at[n] == '\0'))
			return true;
	return false;
}

int rv_report_errors(jv errors, const char *skip)
{
	int shown = 0, more = 0;
	char secs[128] = "";	// sections of the errors not shown, ", "-separated
	jv_array_foreach(errors, i, e) {
		const char *sec = rv_jv_str(e, "section");
		const char *path = rv_jv_str(e, "path");
		const char *msg = rv_jv_str(e, "message");
		sec = sec ? sec : "";
		path = path ? path : "";
		size_t n = strlen(sec), len = strlen(secs);
		if (skip && n && !strcmp(sec, skip)) {
			// already reported by its own line
		} else if (!shown) {
			// path begins with the section's name ("md.arrays[0]")
			fprintf(stderr, "%s: incomplete analysis: %s: %s\n", progname,
				path[0] ? path : n ? sec : "?", msg ? msg : "error");
			shown++;
		} else {
			more++;
			if (n && !in_list(secs, sec) && len + n + 3 < sizeof(secs))
				snprintf(secs + len, sizeof(secs) - len, "%s%s", len ? ", " : "", sec);
		}
		jv_free(e);
	}
	jv_free(errors);
	if (more) {
		fprintf(stderr, "%s: incomplete analysis: %d more error%s in %s (errors[] of --json)\n",
			progname, more, more > 1 ? "s" : "", secs[0] ? secs : "the facts");
		shown++;
	}
	return shown;
}

/**
 * Missing module debug info means the facts are incomplete: one line on
 * stderr and RV_EXIT_UNANALYSABLE (the facts are printed all the same).
 */
static int report_missing(jv missing)
{
	int n = jv_array_length(jv_copy(missing));
	if (n == 0) {
		jv_free(missing);
		return RV_EXIT_ANALYSED;
	}
	fprintf(stderr, "%s: incomplete analysis: ", progname);
	jv_array_foreach(missing, i, msg) {
		fprintf(stderr, "%s%s", i ? "; " : "", jv_string_value(msg));
		jv_free(msg);
	}
	fprintf(stderr, "; pass --debuginfo DIR\n");
	jv_free(missing);
	return RV_EXIT_UNANALYSABLE;
}

// ---- commands ----

static int cmd_facts(int argc, char **argv)
{
	struct common c = { 0 };
	int rc = parse_common(argc, argv, "jaS", usage_facts, &c);
	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return rv_usage_error(usage_facts, "expected one DUMP argument");
	if (c.section && !rv_decoder_find(c.section))
		return rv_usage_error(usage_facts, "no section '%s'", c.section);
	struct rv_target t;
	struct rv_error *err = rv_kdump_target_open(argv[optind], &c.kopts, &t);
	if (err) {
		fprintf(stderr, "%s: %s\n", progname, err->msg);
		if (c.json)	// one document for every --json run
			rv_print_json(stdout, rv_facts_salvaged(rv_facts_unreadable(err),
							     argv[optind]));
		else
			rv_error_destroy(err);
		return RV_EXIT_UNANALYSABLE;
	}
	jv doc = rv_facts_collect(&t, c.section);
	jv missing = jv_array();
	jv_object_foreach(doc, key, sec) {
		jv_free(key);
		missing = collect_missing(missing, sec);
	}
	bool complete = rv_facts_complete(jv_copy(doc));
	jv errors = jv_object_get(jv_copy(doc), jv_string("errors"));
	if (jv_get_kind(errors) != JV_KIND_ARRAY) {
		jv_free(errors);
		errors = jv_array();
	}
	if (c.json) {
		rv_print_json(stdout, doc);
	} else {
		rv_report_sections(stdout, doc, &c.ropts);	// as crash's `raidvirt`
		jv_free(doc);
	}
	fflush(stdout);
	rv_kdump_target_close(&t);
	rc = report_missing(missing);
	// The document says why; stderr too, for a pipeline's log (missing
	// debug info had its own line above, and explains the errors).
	if (!complete && rc == RV_EXIT_ANALYSED)
		rv_report_errors(errors, NULL);
	else
		jv_free(errors);
	return complete ? rc : RV_EXIT_UNANALYSABLE;
}

// `show --help`: the usage, then one line per table of the section table.
static void print_show_help(void)
{
	fputs(usage_show, stdout);
	printf("\ntables:\n");
	for (const struct rv_section *s = rv_sections; s->name; s++) {
		if (!s->show)
			continue;
		printf("  %-8s %-10s %s%s\n", s->show, s->command ? s->command : "-",
		       s->help ? s->help[1] : s->decoder->summary, s->select ? "" : " (no SELECT)");
	}
}

static int cmd_show(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc >= 2) {
			print_show_help();
			return RV_EXIT_ANALYSED;
		}
		return rv_usage_error(usage_show, "which table?");
	}
	const struct rv_section *s = rv_section_by_show(argv[1]);
	if (!s)
		return rv_usage_error(usage_show, "no table '%s'", argv[1]);
	char options[16];
	snprintf(options, sizeof(options), "j%s", s->options);
	struct common c = { 0 };
	int rc = parse_common(argc - 1, argv + 1, options, usage_show, &c);
	if (rc >= 0)
		return rc;
	int nargs = argc - 1 - optind;
	if (nargs < 1 || nargs > 2)
		return rv_usage_error(usage_show, "expected DUMP [SELECT]");
	const char *dump = argv[1 + optind];
	const char *select = nargs == 2 ? argv[2 + optind] : NULL;
	if (select && !s->select)
		return rv_usage_error(usage_show, "show %s takes no SELECT", s->show);
	struct rv_target t;
	rc = open_target(dump, &c, &t);
	if (rc >= 0)
		return rc;
	jv sec = rv_facts_section(&t, s->decoder, select);
	jv missing = collect_missing(jv_array(), jv_copy(sec));
	bool no_match = select && rv_section_selected_nothing(s, sec);
	if (c.json) {
		rv_print_json(stdout, jv_copy(sec));
	} else {
		s->report(stdout, sec, &c.ropts);
	}
	jv_free(sec);
	fflush(stdout);
	if (no_match) {
		char who[64];
		snprintf(who, sizeof(who), "%s: show %s", progname, s->show);
		rv_section_say_what_exists(stderr, &t, s, who, select);
	}
	rv_kdump_target_close(&t);
	rc = report_missing(missing);
	return no_match && rc == RV_EXIT_ANALYSED ? RV_EXIT_NO_MATCH : rc;
}

// ---- debug queries ----

// ADDR: 0xHEX, or SYMBOL[+OFFSET]
static struct rv_error *parse_addr(struct rv_target *t, const char *s, rv_addr_t *ret)
{
	char *end;
	if (!strncmp(s, "0x", 2)) {
		errno = 0;
		*ret = strtoull(s, &end, 16);
		if (errno || *end)
			return rv_error_format(RV_ERR_INVALID, "bad address '%s'", s);
		return NULL;
	}
	char name[256];
	const char *plus = strchr(s, '+');
	size_t n = plus ? (size_t)(plus - s) : strlen(s);
	if (n >= sizeof(name))
		return rv_error_format(RV_ERR_INVALID, "bad address '%s'", s);
	memcpy(name, s, n);
	name[n] = '\0';
	struct rv_error *err = rv_symbol(t, name, ret);
	if (!err && plus)
		*ret += strtoull(plus + 1, NULL, 0);
	return err;
}

static const char *kind_name(enum rv_kind k)
{
	static const char *const names[] = {
		[RV_KIND_OTHER] = "other", [RV_KIND_INT] = "int",
		[RV_KIND_BOOL] = "bool", [RV_KIND_ENUM] = "enum",
		[RV_KIND_PTR] = "ptr", [RV_KIND_ARRAY] = "array",
		[RV_KIND_STRUCT] = "struct", [RV_KIND_UNION] = "union",
		[RV_KIND_FUNC] = "func",
	};
	return (unsigned int)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

// Split "a:b:c" into at most @p max fields; the last one takes the rest.
static int split(char *s, char **fields, int max)
{
	int n = 0;
	while (n < max - 1) {
		fields[n++] = s;
		char *colon = strchr(s, ':');
		if (!colon)
			return n;
		*colon = '\0';
		s = colon + 1;
	}
	fields[n++] = s;
	return n;
}

static struct rv_error *debug_rd(struct rv_target *t, char **f, int n, bool bytes)
{
	rv_addr_t addr;
	if (n != 3)
		return rv_error_format(RV_ERR_INVALID, "expected %s:ADDR:%s",
				       bytes ? "read" : "rd", bytes ? "LEN" : "COUNT");
	struct rv_error *err = parse_addr(t, f[1], &addr);
	if (err)
		return err;
	unsigned long count = strtoul(f[2], NULL, 0);
	size_t len = bytes ? count : count * 8;
	if (len == 0 || len > 1 << 20)
		return rv_error_format(RV_ERR_INVALID, "bad length '%s'", f[2]);
	unsigned char *buf = malloc(len);
	if (!buf)
		return &rv_enomem;
	err = rv_read(t, addr, buf, len);
	if (!err) {
		printf("%s %016" PRIx64 ":", f[0], addr);
		for (size_t i = 0; i < len; i += bytes ? 1 : 8) {
			if (bytes) {
				printf("%s%02x", i ? "" : " ", buf[i]);
			} else {
				uint64_t w;
				memcpy(&w, buf + i, 8);
				printf(" %016" PRIx64, w);
			}
		}
		printf("\n");
	}
	free(buf);
	return err;
}

static bool print_mt_entry(uint64_t first, uint64_t last, uint64_t entry,
			   void *arg)
{
	printf("mt %#" PRIx64 "-%#" PRIx64 " %016" PRIx64 "\n", first, last,
	       entry);
	return true;
}

// Bound of the mt: query: more entries than a process has VMAs
// (vm.max_map_count, 65530 by default).
#define DEBUG_MT_MAX 1000000

static struct rv_error *debug_query(struct rv_target *t, char *q)
{
	char *f[3] = { NULL, NULL, NULL };
	int n = split(q, f, 3);
	struct rv_error *err = NULL;
	if (!strcmp(f[0], "info") && n == 1) {
		struct rv_kdump_info info;
		rv_kdump_target_info(t, &info);
		printf("info format=%s release=%s vmlinux=%s kaslr=%#" PRIx64
		       " types=%s symbols=%s\n", info.format, info.release,
		       info.vmlinux ? info.vmlinux : "-", info.kaslr_offset, info.types_from,
		       info.symbols_from);
	} else if (!strcmp(f[0], "stats") && n == 1) {
		rv_kdump_target_stats(t, stdout);
	} else if (!strcmp(f[0], "sym") && n == 2) {
		rv_addr_t a;
		if (!(err = rv_symbol(t, f[1], &a)))
			printf("sym %s %016" PRIx64 "\n", f[1], a);
	} else if (!strcmp(f[0], "rd") || !strcmp(f[0], "read")) {
		err = debug_rd(t, f, n, !strcmp(f[0], "read"));
	} else if (!strcmp(f[0], "str") && n == 2) {
		rv_addr_t a;
		char buf[1024];
		if (!(err = parse_addr(t, f[1], &a)) && !(err = rv_read_cstr(t, a, buf, sizeof(buf))))
			printf("str %016" PRIx64 " \"%s\"\n", a, buf);
	} else if (!strcmp(f[0], "size") && n == 2) {
		uint64_t size;
		if (!(err = rv_type_size(t, f[1], &size)))
			printf("size %s %" PRIu64 "\n", f[1], size);
	} else if (!strcmp(f[0], "member") && n == 3) {
		struct rv_member m;
		if (!(err = rv_member(t, f[1], f[2], &m)))
			printf("member %s %s offset=%" PRIu64 " size=%" PRIu64 " kind=%s"
			       " bit_offset=%u bit_size=%u target_kind=%s target_size=%" PRIu64
			       " nelem=%" PRIu64 " type=%s\n",
			       f[1], f[2], m.offset, m.size, kind_name(m.kind), m.bit_offset,
			       m.bit_size, kind_name(m.target_kind), m.target_size, m.nelem,
			       m.type_name);
	} else if (!strcmp(f[0], "enum") && n == 2) {
		int64_t v;
		if (!(err = rv_enum_value(t, f[1], &v)))
			printf("enum %s %" PRId64 "\n", f[1], v);
	} else if (!strcmp(f[0], "module") && n == 2) {
		if (!(err = rv_module_debuginfo(t, f[1])))
			printf("module %s loaded\n", f[1]);
	} else if (!strcmp(f[0], "mt") && n == 2) {
		rv_addr_t a;
		if (!(err = parse_addr(t, f[1], &a)))
			err = rv_mt_for_each(t, a, DEBUG_MT_MAX, print_mt_entry, NULL);
	} else if (!strcmp(f[0], "vmcoreinfo") && n == 2) {
		char *v;
		if (!t->ops->vmcoreinfo)
			err = rv_error_format(RV_ERR_LOOKUP, "no VMCOREINFO");
		else if (!(err = t->ops->vmcoreinfo(t, f[1], &v))) {
			printf("vmcoreinfo %s %s\n", f[1], v);
			free(v);
		}
	} else {
		err = rv_error_format(RV_ERR_INVALID, "unknown query (see raidvirt debug --help)");
	}
	return err;
}

static int cmd_debug(int argc, char **argv)
{
	struct common c = { 0 };
	int rc = parse_common(argc, argv, "", usage_debug, &c);
	if (rc >= 0)
		return rc;
	if (argc - optind < 1)
		return rv_usage_error(usage_debug, "expected DUMP QUERY...");
	struct rv_target t;
	rc = open_target(argv[optind], &c, &t);
	if (rc >= 0)
		return rc;
	rc = RV_EXIT_ANALYSED;
	for (int i = optind + 1; i < argc; i++) {
		char *q = strdup(argv[i]);
		if (!q)
			break;
		struct rv_error *err = debug_query(&t, q);
		if (err) {
			printf("error %s: %s: %s\n", argv[i], rv_errcode_name(err->code), err->msg);
			rv_error_destroy(err);
			rc = RV_EXIT_UNANALYSABLE;
		}
		free(q);
		fflush(stdout);
	}
	rv_kdump_target_close(&t);
	return rc;
}

// ---- main ----

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "facts", cmd_facts, usage_facts },
	{ "show", cmd_show, usage_show },
	{ "triage", rv_cmd_triage, rv_usage_triage },	// cli/cmd_rules.c
	{ "rules", rv_cmd_rules, rv_usage_rules },
	{ "debug", cmd_debug, usage_debug },
};

int main(int argc, char **argv)
{
	progress_on = isatty(STDERR_FILENO);
	if (argc < 2)
		return rv_usage_error(usage_main, "no command");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		fputs(usage_main, stdout);
		return RV_EXIT_ANALYSED;
	}
	if (!strcmp(cmd, "--version")) {
		printf("%s %s\n", progname, RV_VERSION);	// Makefile VERSION
		return RV_EXIT_ANALYSED;
	}
	if (!strcmp(cmd, "help")) {
		for (size_t i = 0; argc > 2 && i < sizeof(commands) / sizeof(commands[0]); i++) {
			if (!strcmp(argv[2], commands[i].name)) {
				// What CMD --help prints (show adds its tables).
				char *args[] = { argv[2], (char *)"--help", NULL };
				return commands[i].fn(2, args);
			}
		}
		if (argc > 2)
			return rv_usage_error(usage_main, "no command '%s'", argv[2]);
		fputs(usage_main, stdout);
		return RV_EXIT_ANALYSED;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(cmd, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	return rv_usage_error(usage_main, "no command '%s'", cmd);
}

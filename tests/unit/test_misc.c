// SPDX-License-Identifier: GPL-2.0-or-later
// Small shared pieces: bitmaps, jv helpers, errors, the section table and
// the module debug-file finder (vermagic, root order, best name).
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts.h"
#include "bitmap.h"
#include "memtarget.h"
#include "modfind.h"
#include "rules.h"
#include "sections.h"
#include "unit.h"

static void bitmaps(void)
{
	static const struct {
		uint64_t w[2];
		unsigned int nbits;
		const char *list;
		unsigned int weight;
	} cases[] = {
		{ { 0, 0 }, 64, "", 0 },
		{ { 1, 0 }, 64, "0", 1 },
		{ { 3, 0 }, 64, "0-1", 2 },
		{ { 0x13, 0 }, 64, "0-1,4", 3 },
		{ { UINT64_C(0x8000000000000000), 1 }, 128, "63-64", 2 },
		{ { ~UINT64_C(0), ~UINT64_C(0) }, 128, "0-127", 128 },
		{ { ~UINT64_C(0), ~UINT64_C(0) }, 100, "0-99", 100 },
		{ { 0x5555, 0 }, 64, "0,2,4,6,8,10,12,14", 8 },
		{ { 0xf0, 0x1 }, 65, "4-7,64", 5 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *l = rv_bitmap_list(cases[i].w, cases[i].nbits);
		CHECK_STR("rv_bitmap_list", cases[i].list, l);
		free(l);
		CHECK_U64("rv_bitmap_weight", cases[i].weight,
			  rv_bitmap_weight(cases[i].w, cases[i].nbits));
		jv v = rv_jv_bitmap_list(cases[i].w, cases[i].nbits);
		CHECK(jv_get_kind(v) == JV_KIND_STRING && !strcmp(jv_string_value(v), cases[i].list),
		      "rv_jv_bitmap_list = \"%s\"", cases[i].list);
		jv_free(v);
	}
	jv v = rv_jv_bitmap_list(NULL, 8);
	CHECK(jv_get_kind(v) == JV_KIND_NULL, "rv_jv_bitmap_list(NULL) is null");
	jv_free(v);
}

static void jv_helpers(void)
{
	jv a = rv_jv_addr(UINT64_C(0xffff888004a3c000));
	CHECK_STR("rv_jv_addr", "0xffff888004a3c000", jv_string_value(a));
	CHECK_U64("rv_jv_get_addr round trip", UINT64_C(0xffff888004a3c000), rv_jv_get_addr(a));
	CHECK_U64("rv_jv_get_addr of a number", 0, rv_jv_get_addr(jv_number(5)));
	jv n = rv_jv_u64(12345);
	CHECK(jv_get_kind(n) == JV_KIND_NUMBER && jv_number_value(n) == 12345, "small u64 is a number");
	jv_free(n);
	n = rv_jv_u64(UINT64_C(0xffffffffffffffff));
	CHECK(jv_get_kind(n) == JV_KIND_STRING &&
	      !strcmp(jv_string_value(n), "18446744073709551615"), "big u64 is a decimal string");
	jv_free(n);
	n = rv_jv_s64(-5);
	CHECK(jv_get_kind(n) == JV_KIND_NUMBER && jv_number_value(n) == -5, "s64 -5");
	jv_free(n);
	n = rv_jv_s64(INT64_MIN);
	CHECK(jv_get_kind(n) == JV_KIND_STRING, "s64 below -2^53 is a string");
	jv_free(n);
	jv o = jv_object();
	o = rv_jv_set_error(o, rv_error_format(RV_ERR_FAULT, "first"));
	CHECK_STR("one error: a string", "first", rv_jv_str(o, "error"));
	o = rv_jv_set_error(o, rv_error_format(RV_ERR_FAULT, "second"));
	o = rv_jv_set_error(o, rv_error_format(RV_ERR_FAULT, "third"));
	jv e = jv_object_get(jv_copy(o), jv_string("error"));
	CHECK(jv_get_kind(e) == JV_KIND_ARRAY && jv_array_length(jv_copy(e)) == 3,
	      "more errors: a list of all of them");
	jv_free(e);
	o = rv_jv_set(o, "x", jv_number(7));
	CHECK(rv_jv_num(o, "x", -1) == 7, "rv_jv_num");
	CHECK(rv_jv_num(o, "nope", -1) == -1, "rv_jv_num default");
	CHECK(!rv_jv_str(o, "x"), "rv_jv_str of a number is NULL");
	jv_free(o);
}

static void errors(void)
{
	struct rv_error *e = rv_error_format(RV_ERR_LOOKUP, "no %s", "thing");
	CHECK_STR("rv_error_format", "no thing", e->msg);
	e = rv_error_wrap(e, "ctx %d", 1);
	CHECK(e->code == RV_ERR_LOOKUP, "rv_error_wrap keeps the class");
	CHECK(strstr(e->msg, "ctx 1") && strstr(e->msg, "no thing"), "wrap: %s", e->msg);
	CHECK(!rv_ok(e), "rv_ok(error) is false and consumes it");
	CHECK(rv_ok(NULL), "rv_ok(NULL) is true");
	CHECK(!rv_ok(&rv_enomem), "rv_ok(&rv_enomem) is false");
	e = rv_error_fault(0x1234, "reading %s", "x");
	CHECK(e->code == RV_ERR_FAULT && e->addr == 0x1234, "rv_error_fault keeps the address");
	rv_error_destroy(e);
	CHECK_STR("class name", "fault", rv_errcode_name(RV_ERR_FAULT));
	jv s = rv_jv_error(rv_error_format(RV_ERR_CORRUPT, "bad"));
	CHECK_STR("rv_jv_error", "bad", jv_string_value(s));
	jv_free(s);
}

static void sections(void)
{
	int n = 0, commands = 0;
	for (const struct rv_section *s = rv_sections; s->name; s++, n++) {
		CHECK(s->decoder && !strcmp(s->decoder->name, s->name),
		      "section %s: its decoder has its name", s->name);
		CHECK(s->report != NULL, "section %s has a renderer", s->name);
		CHECK(s->show && rv_section_by_show(s->show) == s, "section %s: show %s", s->name,
		      s->show ? s->show : "-");
		CHECK(rv_section_find(s->name) == s && rv_decoder_find(s->name) == s->decoder,
		      "section %s found by name", s->name);
		if (s->command) {
			commands++;
			CHECK(rv_section_by_command(s->command) == s, "crash command %s", s->command);
			CHECK(s->help && !strcmp(s->help[0], s->command),
			      "help page of %s names it", s->command);
		}
		for (const char *c = s->options; *c; c++)
			CHECK(strchr("abwcvr", *c), "section %s: option -%c is a report option",
			      s->name, *c);
	}
	CHECK_U64("sections", 6, n);
	CHECK_U64("crash commands", 4, commands);
	CHECK(rv_section_find("log") != NULL, "the log section is in the table");
	CHECK(!rv_section_find("findings"), "findings is no section");
	CHECK(!rv_section_by_command("raidvirt"), "raidvirt is no section command");
	CHECK(rv_section_by_show("vectors") == rv_section_find("irq"), "show vectors = irq");
	CHECK(!rv_section_find("irq")->select, "irq takes no selection");
	CHECK(rv_section_find("md")->select, "md takes a selection");
}

// ---- modfind ----

static char root[] = "/tmp/rv-unit-mod-XXXXXX";

// An ELF object at @p path with .modinfo "vermagic=REL ..." (none if NULL).
static bool module(const char *path, const char *release)
{
	char src[600], cmd[1600];
	snprintf(src, sizeof(src), "%s.c", path);
	FILE *f = fopen(src, "w");
	if (!f)
		return false;
	if (release)
		fprintf(f, "__attribute__((section(\".modinfo\"), used)) static const char v[] = "
			   "\"license=GPL\\0vermagic=%s SMP mod_unload \";\n", release);
	else
		fprintf(f, "int x;\n");
	fclose(f);
	const char *cc = getenv("CC");
	snprintf(cmd, sizeof(cmd), "%s -c -o '%s' '%s'", cc && *cc ? cc : "cc", path, src);
	bool ok = system(cmd) == 0;
	unlink(src);
	return ok;
}

static void modfind(void)
{
	if (!mkdtemp(root)) {
		CHECK(false, "mkdtemp");
		return;
	}
	const char *rel = "6.1.0-99-unit";
	char a[512], b[512], p[600];
	snprintf(a, sizeof(a), "%s/a", root);
	snprintf(b, sizeof(b), "%s/b/kernel/drivers/md", root);
	mkdir(a, 0700);
	snprintf(p, sizeof(p), "%s/b", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/b/kernel", root);
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/b/kernel/drivers", root);
	mkdir(p, 0700);
	mkdir(b, 0700);
	char f[700];
	bool ok = true;
	snprintf(f, sizeof(f), "%s/raid1.ko", a);	// other release, first root
	ok = ok && module(f, "5.10.0-1-unit");
	snprintf(f, sizeof(f), "%s/raid1.ko", b);	// right release, second root
	ok = ok && module(f, rel);
	snprintf(f, sizeof(f), "%s/md-mod.ko.debug", b);	// '-' for '_', .ko.debug
	ok = ok && module(f, rel);
	snprintf(f, sizeof(f), "%s/virtio_ring.ko", a);	// no vermagic: taken
	ok = ok && module(f, NULL);
	snprintf(f, sizeof(f), "%s/virtio_ring.ko", b);
	ok = ok && module(f, rel);
	snprintf(f, sizeof(f), "%s/notelf.ko", a);
	FILE *fp = fopen(f, "w");
	if (fp) {
		fputs("not an ELF file\n", fp);
		fclose(fp);
	}
	CHECK(ok, "module objects built");

	unsetenv("RAIDVIRT_DEBUGINFO");
	unsetenv("CRASH_MODULE_PATH");
	const char *dirs[] = { a, b };
	char broot[520];
	snprintf(broot, sizeof(broot), "%s/b", root);
	dirs[1] = broot;
	struct rv_modfind *mf;
	CHECK_OK("rv_modfind_new", rv_modfind_new(rel, dirs, 2, true, &mf));
	char *path = NULL;
	CHECK_OK("raid1 found", rv_modfind_lookup(mf, "raid1", &path));
	snprintf(f, sizeof(f), "%s/raid1.ko", b);
	CHECK_STR("raid1 of another release in the first root is skipped", f, path);
	free(path);
	path = NULL;
	CHECK_OK("md_mod found", rv_modfind_lookup(mf, "md_mod", &path));
	snprintf(f, sizeof(f), "%s/md-mod.ko.debug", b);
	CHECK_STR("md_mod as md-mod.ko.debug", f, path);
	free(path);
	path = NULL;
	CHECK_OK("virtio_ring found", rv_modfind_lookup(mf, "virtio_ring", &path));
	snprintf(f, sizeof(f), "%s/virtio_ring.ko", a);
	CHECK_STR("the first root wins", f, path);
	free(path);
	path = NULL;
	struct rv_error *err = rv_modfind_lookup(mf, "raid10", &path);
	CHECK(err && err->code == RV_ERR_NODEBUG && strstr(err->msg, "no raid10.ko") &&
	      strstr(err->msg, a), "missing module: says what was searched: %s",
	      err ? err->msg : "");
	rv_error_destroy(err);
	err = rv_modfind_lookup(mf, "notelf", &path);
	CHECK(err && strstr(err->msg, "not an ELF file"), "a non-ELF .ko is refused: %s",
	      err ? err->msg : "");
	rv_error_destroy(err);
	rv_modfind_free(mf);

	// only the wrong release: refused, naming both releases
	CHECK_OK("rv_modfind_new (one root)", rv_modfind_new(rel, dirs, 1, true, &mf));
	err = rv_modfind_lookup(mf, "raid1", &path);
	CHECK(err && err->code == RV_ERR_NODEBUG && strstr(err->msg, "is for release 5.10.0-1-unit") &&
	      strstr(err->msg, rel), "a raid1.ko of another release is refused: %s",
	      err ? err->msg : "");
	rv_error_destroy(err);
	rv_modfind_free(mf);
	CHECK_OK("rv_modfind_new (no roots)", rv_modfind_new(rel, NULL, 0, true, &mf));
	err = rv_modfind_lookup(mf, "raid1", &path);
	CHECK(err && strstr(err->msg, "no directory to search"), "no roots: says so");
	rv_error_destroy(err);
	rv_modfind_free(mf);
	// $RAIDVIRT_DEBUGINFO comes after the caller's roots
	setenv("RAIDVIRT_DEBUGINFO", a, 1);
	CHECK_OK("rv_modfind_new (env)", rv_modfind_new(rel, &dirs[1], 1, true, &mf));
	path = NULL;
	CHECK_OK("virtio_ring with the env root", rv_modfind_lookup(mf, "virtio_ring", &path));
	snprintf(f, sizeof(f), "%s/virtio_ring.ko", b);
	CHECK_STR("caller's root before $RAIDVIRT_DEBUGINFO", f, path);
	free(path);
	rv_modfind_free(mf);
	unsetenv("RAIDVIRT_DEBUGINFO");
	CHECK_OK("vermagic check: right release",
		 rv_module_check_release(f, rel));
	CHECK_ERR("vermagic check: a prefix of the release is not it", RV_ERR_NODEBUG,
		  rv_module_check_release(f, "6.1.0-99"));
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		CHECK(false, "remove %s", root);
}

// Natural order of device and disk names, and singulars.
static void names(void)
{
	static const char *const sorted[] = { "vda", "vdb", "vdz", "vdaa", "virtio0", "virtio1",
					      "virtio2", "virtio9", "virtio10", "virtio99",
					      "virtio100", "virtio0100x" };
	// vdaa sorts after vdz only by length: natural order keeps text order
	// for letters, so check letters and digits separately.
	CHECK(rv_natcmp("virtio2", "virtio10") < 0, "virtio2 < virtio10");
	CHECK(rv_natcmp("virtio10", "virtio2") > 0, "virtio10 > virtio2");
	CHECK(rv_natcmp("virtio100", "virtio100") == 0, "virtio100 == virtio100");
	CHECK(rv_natcmp("virtio007", "virtio7") == 0, "leading zeros: virtio007 == virtio7");
	CHECK(rv_natcmp("vdb", "vdba") < 0, "vdb < vdba");
	CHECK(rv_natcmp("nvme0n2", "nvme0n10") < 0, "nvme0n2 < nvme0n10");
	CHECK(rv_natcmp("nvme1n1", "nvme0n10") > 0, "nvme1n1 > nvme0n10");
	for (size_t i = 4; i + 1 < sizeof(sorted) / sizeof(sorted[0]) - 1; i++)
		CHECK(rv_natcmp(sorted[i], sorted[i + 1]) < 0, "%s < %s", sorted[i], sorted[i + 1]);
	CHECK_STR("1 CPU", "", rv_plural(1));
	CHECK_STR("0 CPUs", "s", rv_plural(0));
	CHECK_STR("80 CPUs", "s", rv_plural(80));
}

// ---- dump identity (lib/dump_info.c): build id, taint ----

static jv dump_of(struct rv_target *t)
{
	return rv_facts_section(t, &rv_decoder_dump, NULL);
}

static void identity(void)
{
	struct rv_target *t = mt_new();
	// The kernel's VMCOREINFO text and its ELF notes.
	const char *vi = "OSRELEASE=6.1.0\nBUILD-ID=01d2640d3a13145ee314eb05b155f141b7b7058b\n"
			 "CRASHTIME=1796177467\n";
	char *text = mt_map(t, 0xffff888000100000, 4096);
	strcpy(text, vi);
	uint64_t *vd = mt_map(t, 0xffffffff81000000, 16);
	vd[0] = 0xffff888000100000;
	vd[1] = strlen(vi);
	mt_symbol(t, "vmcoreinfo_data", 0xffffffff81000000);
	mt_symbol(t, "vmcoreinfo_size", 0xffffffff81000008);
	// taint: O and E (bits 12, 13) from a 3-byte struct taint_flag table
	uint64_t *mask = mt_map(t, 0xffffffff81001000, 8);
	*mask = (1u << 12) | (1u << 13);
	mt_symbol(t, "tainted_mask", 0xffffffff81001000);
	unsigned char *tf = mt_map(t, 0xffffffff81002000, 3 * 20);
	for (int i = 0; i < 19; i++)
		tf[3 * i] = "PFSRMBUDAWCIOELKXTN"[i];
	mt_symbol(t, "taint_flags", 0xffffffff81002000);
	mt_type(t, "struct taint_flag", 3);
	mt_member(t, "struct taint_flag", "c_true", 0, 1, RV_KIND_INT);

	jv d = dump_of(t);
	CHECK_STR("build_id from VMCOREINFO", "01d2640d3a13145ee314eb05b155f141b7b7058b",
		  rv_jv_str(d, "build_id"));
	CHECK_STR("build_id_from", "vmcoreinfo", rv_jv_str(d, "build_id_from"));
	jv time = jv_object_get(jv_copy(d), jv_string("time"));
	CHECK_U64("time.crashtime = CRASHTIME", 1796177467, rv_jv_num(time, "crashtime", 0));
	CHECK_STR("time.crash_date", "2026-12-02T02:11:07Z", rv_jv_str(time, "crash_date"));
	jv_free(time);
	jv taint = jv_object_get(jv_copy(d), jv_string("taint"));
	CHECK_STR("taint.letters", "OE", rv_jv_str(taint, "letters"));
	CHECK_U64("taint.tainted_mask", 0x3000, rv_jv_num(taint, "tainted_mask", 0));
	jv_free(taint);
	jv_free(d);

	// A debug vmlinux of another build: an error, so the document is incomplete.
	snprintf(t->debug_build_id, sizeof(t->debug_build_id), "%s", "00112233");
	d = dump_of(t);
	jv err = jv_object_get(jv_copy(d), jv_string("error"));
	char *e = rv_rules_value_text(err);
	CHECK(e && strstr(e, "the debug vmlinux has build id 00112233"),
	      "build id mismatch with the debug vmlinux is an error (%s)", e ? e : "none");
	free(e);
	jv_free(d);
	t->debug_build_id[0] = '\0';

	// No BUILD-ID line: the NT_GNU_BUILD_ID note among the kernel's notes.
	strcpy(text, "OSRELEASE=6.1.0\n");
	vd[1] = strlen(text);
	unsigned char *notes = mt_map(t, 0xffffffff81003000, 64);
	uint32_t hdr[3] = { 4, 4, 1 };		// a first note of another type
	memcpy(notes, hdr, 12);
	memcpy(notes + 12, "Xen", 4);
	uint32_t gnu[3] = { 4, 8, 3 };		// NT_GNU_BUILD_ID, 8 bytes
	memcpy(notes + 20, gnu, 12);
	memcpy(notes + 32, "GNU", 4);
	memcpy(notes + 36, "\xde\xad\xbe\xef\x00\x01\x02\x03", 8);
	mt_symbol(t, "__start_notes", 0xffffffff81003000);
	mt_symbol(t, "__stop_notes", 0xffffffff81003000 + 44);
	// bit 3 (R) is set but the table entry is no letter: corrupt
	tf[3 * 3] = 0;
	*mask |= 1u << 3;
	d = dump_of(t);
	CHECK_STR("build_id from the kernel's notes", "deadbeef00010203", rv_jv_str(d, "build_id"));
	CHECK_STR("build_id_from notes", "notes", rv_jv_str(d, "build_id_from"));
	taint = jv_object_get(jv_copy(d), jv_string("taint"));
	CHECK(jv_get_kind(jv_object_get(jv_copy(taint), jv_string("letters"))) == JV_KIND_NULL,
	      "a set bit without a letter: letters null");
	e = rv_rules_value_text(jv_object_get(jv_copy(taint), jv_string("error")));
	CHECK(e && strstr(e, "taint bit 3 has no letter"), "... and an error (%s)", e ? e : "none");
	free(e);
	jv_free(taint);
	jv_free(d);
	mt_free(t);
}

void test_misc(void)
{
	names();
	identity();
	bitmaps();
	jv_helpers();
	errors();
	sections();
	modfind();
}

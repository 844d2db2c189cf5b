// SPDX-License-Identifier: GPL-2.0-or-later
// Section "dump": what kernel was dumped (release, build id, taint, modules),
// its CPUs, clock, uptime and panic state.
//
// Only vmlinux symbols are used (no module debuginfo). The section holds no
// file names and nothing about the backend, so crash and the CLI produce the
// same section for the same dump.

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bitmap.h"
#include "facts.h"
#include "kernel_log.h"
#include "kmodule.h"
#include "panic_context.h"

// include/linux/panic.h: panic_cpu when no CPU has entered panic() or
// __crash_kexec().
#define PANIC_CPU_INVALID (-1)

// include/linux/jiffies.h: jiffies start 300 seconds before wrapping,
// INITIAL_JIFFIES = (unsigned long)(unsigned int)(-300 * HZ).
#define INITIAL_JIFFIES_SECONDS 300

// ---- utsname ----

static jv uts_facts(struct rv_target *t, jv sec)
{
	static const char *const fields[] = {
		"release", "version", "machine", "nodename",
	};
	rv_addr_t uts;
	struct rv_error *err = rv_symbol(t, "init_uts_ns", &uts);
	if (err)
		return rv_jv_set_error(sec, err);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char path[32], buf[128];
		snprintf(path, sizeof(path), "name.%s", fields[i]);
		err = rv_read_member_str(t, uts, "struct uts_namespace", path,
					 buf, sizeof(buf));
		if (err) {
			sec = rv_jv_set(sec, fields[i], jv_null());
			sec = rv_jv_set_error(sec, err);
			continue;
		}
		sec = rv_jv_set(sec, fields[i], jv_string(buf));
	}
	return sec;
}

// ---- CPUs ----

/**
 * Read one of the cpumasks bounded by nr_cpu_ids into @p bits. Since v4.5
 * the masks are struct cpumask __cpu_<what>_mask; before, cpu_<what>_bits.
 */
static struct rv_error *read_cpu_mask(struct rv_target *t, const char *what,
				      int nr, uint64_t *bits)
{
	char name[64];
	rv_addr_t sym;
	snprintf(name, sizeof(name), "__cpu_%s_mask", what);
	struct rv_error *err = rv_symbol(t, name, &sym);
	if (err && err->code == RV_ERR_LOOKUP) {
		rv_error_destroy(err);
		snprintf(name, sizeof(name), "cpu_%s_bits", what);
		err = rv_symbol(t, name, &sym);
	}
	if (!err)
		err = rv_read_cpumask(t, sym, bits, nr);
	return err ? rv_error_wrap(err, "%s", name) : NULL;
}

static jv cpu_facts(struct rv_target *t)
{
	static const char *const masks[] = { "possible", "present", "online" };
	jv cpus = jv_object();
	int nr;
	struct rv_error *err = rv_nr_cpu_ids(t, &nr);
	if (err)
		return rv_jv_set_error(cpus, err);
	cpus = rv_jv_set(cpus, "nr_cpu_ids", jv_number(nr));
	uint64_t *bits = calloc((nr + 63) / 64, sizeof(*bits));
	if (!bits)
		return rv_jv_set_error(cpus, &rv_enomem);
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		memset(bits, 0, (nr + 63) / 64 * sizeof(*bits));
		err = read_cpu_mask(t, masks[i], nr, bits);
		if (err) {
			cpus = rv_jv_set(cpus, masks[i], jv_null());
			cpus = rv_jv_set_error(cpus, err);
			continue;
		}
		unsigned int nbits = (unsigned int)nr;
		cpus = rv_jv_set(cpus, masks[i], jv_number(rv_bitmap_weight(bits, nbits)));
		if (!strcmp(masks[i], "online"))
			cpus = rv_jv_set(cpus, "online_list", rv_jv_bitmap_list(bits, nbits));
	}
	free(bits);
	return cpus;
}

// ---- time ----

/**
 * jiffies and, when HZ can be derived, the uptime. HZ is not in the debug
 * info; tick_nsec (kernel/time/ntp.c, the tick length in ns, NSEC_PER_SEC/HZ
 * up to the NTP frequency correction of at most 500 ppm) gives it.
 */
static jv time_facts(struct rv_target *t, jv sec)
{
	rv_addr_t sym;
	uint64_t jiffies, tick_nsec;
	// jiffies_64 is u64 on every arch (jiffies aliases it on 64-bit).
	struct rv_error *err = rv_symbol(t, "jiffies_64", &sym);
	if (!err)
		err = rv_read_u64(t, sym, &jiffies);
	if (err) {
		sec = rv_jv_set(sec, "jiffies", jv_null());
		return rv_jv_set_error(sec, rv_error_wrap(err, "jiffies_64"));
	}
	sec = rv_jv_set(sec, "jiffies", rv_jv_u64(jiffies));

	// tick_nsec is an unsigned long: 8 bytes on x86_64, as everywhere in
	// target.c. Without it the uptime is left out rather than guessed.
	err = rv_symbol(t, "tick_nsec", &sym);
	if (!err)
		err = rv_read_u64(t, sym, &tick_nsec);
	if (err) {
		rv_error_destroy(err);
		return sec;
	}
	if (tick_nsec == 0 || tick_nsec > 1000000000)
		return sec;
	uint64_t hz = (uint64_t)llround(1e9 / (double)tick_nsec);
	uint64_t initial = (uint64_t)(uint32_t)(-(int64_t)INITIAL_JIFFIES_SECONDS * (int64_t)hz);
	sec = rv_jv_set(sec, "tick_nsec", rv_jv_u64(tick_nsec));
	sec = rv_jv_set(sec, "hz", rv_jv_u64(hz));
	if (jiffies < initial)
		return sec;
	// Rounded to milliseconds so both backends print the same number.
	double uptime = (double)(jiffies - initial) / (double)hz;
	return rv_jv_set(sec, "uptime_seconds", jv_number(round(uptime * 1000) / 1000));
}

// ---- panic ----

/**
 * Address of the per-CPU `current_task` of @p cpu. v6.2 moved it into
 * struct pcpu_hot (Thomas Gleixner's call-depth tracking series); newer
 * kernels (2025, ~v6.15, UNVERIFIED) made it a per-CPU variable of its own
 * again. Decide by which symbol exists: current_task first, then pcpu_hot.
 */
static struct rv_error *current_task_addr(struct rv_target *t, int cpu,
					  rv_addr_t *ret)
{
	rv_addr_t sym;
	uint64_t off = 0;
	struct rv_error *err = rv_symbol(t, "current_task", &sym);
	if (err && err->code == RV_ERR_LOOKUP) {
		rv_error_destroy(err);
		err = rv_symbol(t, "pcpu_hot", &sym);
		if (!err)
			err = rv_member_offset(t, "struct pcpu_hot", "current_task", &off);
	}
	if (!err)
		err = rv_percpu_addr(t, sym + off, cpu, ret);
	return err;
}

static jv task_facts(struct rv_target *t, int cpu)
{
	jv task = jv_object();
	rv_addr_t pp;
	uint64_t addr;
	struct rv_error *err = current_task_addr(t, cpu, &pp);
	if (!err)
		err = rv_read_u64(t, pp, &addr);
	if (err)
		return rv_jv_set_error(task, rv_error_wrap(err, "current task of CPU %d", cpu));
	task = rv_jv_set(task, "addr", rv_jv_addr(addr));
	if (!rv_addr_kernel(addr))
		return rv_jv_set_error(task, rv_error_format(RV_ERR_CORRUPT,
				"current task of CPU %d is %#" PRIx64, cpu, addr));
	int64_t pid;
	err = rv_read_member_s(t, addr, "struct task_struct", "pid", &pid);
	if (err)
		task = rv_jv_set_error(task, err);
	else
		task = rv_jv_set(task, "pid", rv_jv_s64(pid));
	char comm[64];
	err = rv_read_member_str(t, addr, "struct task_struct", "comm", comm,
				 sizeof(comm));
	if (err)
		task = rv_jv_set_error(task, err);
	else
		task = rv_jv_set(task, "comm", jv_string(comm));
	return task;
}

/** Add message/oops/rip from the kernel log to @p panic. */
static jv panic_log_facts(struct rv_target *t, jv panic)
{
	jv log;
	struct rv_error *err = rv_kernel_log_read(t, &log);
	if (err) {
		panic = rv_jv_set(panic, "message", jv_null());
		panic = rv_jv_set(panic, "oops", jv_null());
		return rv_jv_set_error(panic, rv_error_wrap(err, "kernel log"));
	}
	jv text = rv_kernel_log_panic_text(log);
	jv report = jv_object_get(jv_copy(text), jv_string("oops_report"));
	jv oops = jv_object_get(jv_copy(text), jv_string("oops"));
	text = jv_object_delete(text, jv_string("oops_report"));
	jv_object_foreach(text, k, v)
		panic = jv_object_set(panic, k, v);
	jv_free(text);
	return rv_jv_set(panic, "context", rv_panic_context(t, report, oops));
}

/**
 * null when the kernel did not panic, else {cpu, task, message, oops,
 * rip}. panic_cpu (v4.5, 1717f2096b54) is set by panic() and by
 * __crash_kexec(); without it, a "Kernel panic" line in the log decides.
 */
static jv panic_facts(struct rv_target *t)
{
	rv_addr_t sym;
	int64_t cpu;
	struct rv_error *err = rv_symbol(t, "panic_cpu", &sym);
	if (err && err->code == RV_ERR_LOOKUP) {
		rv_error_destroy(err);
		jv panic = panic_log_facts(t, rv_jv_set(jv_object(), "cpu", jv_null()));
		jv msg = jv_object_get(jv_copy(panic), jv_string("message"));
		bool panicked = jv_get_kind(msg) == JV_KIND_STRING;
		jv_free(msg);
		if (panicked)
			return panic;
		jv_free(panic);
		return jv_null();
	}
	if (!err)
		err = rv_read_member_s(t, sym, "atomic_t", "counter", &cpu);
	if (err)
		return rv_jv_set_error(jv_object(), rv_error_wrap(err, "panic_cpu"));
	if (cpu == PANIC_CPU_INVALID)
		return jv_null();

	jv panic = rv_jv_set(jv_object(), "cpu", rv_jv_s64(cpu));
	int nr;
	err = rv_nr_cpu_ids(t, &nr);
	if (!err && (cpu < 0 || cpu >= nr))
		err = rv_error_format(RV_ERR_CORRUPT, "panic_cpu is %" PRId64
				      ", nr_cpu_ids %d", cpu, nr);
	if (err)
		panic = rv_jv_set_error(panic, err);
	else
		panic = rv_jv_set(panic, "task", task_facts(t, (int)cpu));
	return panic_log_facts(t, panic);
}

// ---- provenance: how the dump was taken ----

// include/linux/kexec.h / crash_core.h: VMCOREINFO_BYTES is PAGE_SIZE.
#define MAX_VMCOREINFO 65536
// Elf64_Nhdr + "CORE\0" padded: what crash_save_cpu() writes first.
#define NOTE_HDR 12

static jv evidence(jv list, const char *signal, jv detail)
{
	jv e = rv_jv_set(jv_object(), "signal", jv_string(signal));
	return jv_array_append(list, rv_jv_set(e, "detail", detail));
}

/**
 * How many CPUs' crash_notes hold an NT_PRSTATUS note. The per-CPU buffers
 * (kernel/kexec_core.c, crash_notes_memory_init(): alloc_percpu, zeroed)
 * are written only by crash_save_cpu() on the way into a kdump kernel
 * (__crash_kexec() on the panicking CPU, the NMI shootdown on the others).
 * -1 when the symbol is absent or unreadable (@p err says why).
 */
static int crash_notes_filled(struct rv_target *t, int nr, struct rv_error **err)
{
	rv_addr_t sym;
	uint64_t ptr;
	*err = rv_symbol(t, "crash_notes", &sym);
	if (!*err)
		*err = rv_read_u64(t, sym, &ptr);
	if (*err)
		return -1;
	if (!ptr)
		return 0;
	int filled = 0;
	for (int cpu = 0; cpu < nr; cpu++) {
		rv_addr_t a;
		unsigned char hdr[NOTE_HDR + 8];
		struct rv_error *e = rv_percpu_addr(t, ptr, cpu, &a);
		if (!e)
			e = rv_read(t, a, hdr, sizeof(hdr));
		if (e) {
			rv_error_destroy(e);
			continue;	// a CPU whose buffer is not in the dump
		}
		uint32_t namesz, type;
		memcpy(&namesz, hdr, 4);
		memcpy(&type, hdr + 8, 4);
		if (namesz == 5 && type == 1 && !memcmp(hdr + NOTE_HDR, "CORE", 5))
			filled++;
	}
	return filled;
}

/**
 * The kernel's own VMCOREINFO text, vmcoreinfo_data / vmcoreinfo_size
 * (kernel/crash_core.c; the dump file's VMCOREINFO note is a copy of it),
 * malloc'd and NUL-terminated: "" when the kernel has none filled in, NULL
 * with *err when it cannot be read (RV_ERR_LOOKUP: no such symbols, a kernel
 * built without kdump support).
 */
static char *vmcoreinfo_text(struct rv_target *t, struct rv_error **err)
{
	rv_addr_t sym_data, sym_size;
	uint64_t data, size;
	*err = rv_symbol(t, "vmcoreinfo_data", &sym_data);
	if (!*err)
		*err = rv_symbol(t, "vmcoreinfo_size", &sym_size);
	if (!*err)
		*err = rv_read_u64(t, sym_data, &data);
	if (!*err)
		*err = rv_read_u64(t, sym_size, &size);
	if (*err)
		return NULL;
	if (!data)
		size = 0;
	if (size > MAX_VMCOREINFO)
		size = MAX_VMCOREINFO;
	char *buf = calloc(1, size + 1);
	if (!buf) {
		*err = &rv_enomem;
		return NULL;
	}
	if (size && (*err = rv_read(t, data, buf, size))) {
		free(buf);
		return NULL;
	}
	return buf;
}

/** The value of the first "KEY=value" line of @p text, malloc'd, or NULL. */
static char *vmcoreinfo_value(const char *text, const char *key)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > klen && !strncmp(line, key, klen) && line[klen] == '=')
			return strndup(line + klen + 1, len - klen - 1);
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/**
 * The CRASHTIME=<seconds> line crash_save_vmcoreinfo() appends to
 * vmcoreinfo_data in __crash_kexec(): 0 when absent.
 */
static int64_t vmcoreinfo_crashtime(const char *text)
{
	char *v = vmcoreinfo_value(text, "CRASHTIME");
	if (!v)
		return 0;
	int64_t when = strtoll(v, NULL, 10);
	free(v);
	return when > 0 ? when : 1;
}

/**
 * dump.provenance = {method, guest_state, evidence}: how the dump was taken,
 * from the dump file's notes (target helper rv_dump_file()) and the kernel's
 * own traces of a crash. docs/facts-dump.md has the signals per method.
 */
static jv provenance_facts(struct rv_target *t, bool panicked, int64_t crashtime,
			   struct rv_error *vi_err)
{
	jv p = jv_object(), ev = jv_array(), errors = jv_array();
	struct rv_dump_file f;
	struct rv_error *err = rv_dump_file(t, &f);
	bool have_file = !err;
	if (err)
		errors = jv_array_append(errors, rv_jv_error(err));
	const char *what = !have_file ? "dump" :
			   !strcmp(f.format, "elf") ? "ELF dump" :
			   f.flattened == 1 ? "flattened kdump-compressed dump" :
			   "kdump-compressed dump";
	if (have_file) {
		jv file = rv_jv_set(jv_object(), "format", jv_string(f.format));
		if (f.flattened >= 0)
			file = rv_jv_set(file, "flattened", jv_bool(f.flattened));
		if (f.nr_prstatus >= 0)
			file = rv_jv_set(file, "prstatus_notes", jv_number(f.nr_prstatus));
		if (f.nr_qemu >= 0)
			file = rv_jv_set(file, "qemu_notes", jv_number(f.nr_qemu));
		if (f.vmcoreinfo >= 0)
			file = rv_jv_set(file, "vmcoreinfo_note", jv_bool(f.vmcoreinfo));
		if (f.dump_level >= 0)
			file = rv_jv_set(file, "dump_level", jv_number(f.dump_level));
		p = rv_jv_set(p, "file", file);
	}
	bool qemu = have_file && f.nr_qemu > 0;
	if (qemu)
		ev = evidence(ev, "qemu-cpu-notes", jv_string_fmt(
			"%d QEMU CPU-state note(s) beside %d NT_PRSTATUS in the %s: "
			"written by QEMU dump-guest-memory (virsh dump), which stops the vCPUs",
			f.nr_qemu, f.nr_prstatus, what));

	int nr = 0;
	err = rv_nr_cpu_ids(t, &nr);
	if (err) {
		errors = jv_array_append(errors, rv_jv_error(err));
		nr = 0;
	}
	// A kernel built without kexec/kdump support (CONFIG_CRASH_DUMP, or
	// CONFIG_KEXEC_CORE before v6.6) has neither crash_notes nor
	// vmcoreinfo_data: that tells no kdump kernel wrote the dump, and is
	// no decoding error. (The synthetic RHEL fixtures model neither.)
	int filled = crash_notes_filled(t, nr, &err);
	if (err && err->code == RV_ERR_LOOKUP) {
		ev = evidence(ev, "no-crash-notes", jv_string_fmt(
			"the kernel has no crash_notes (%s): built without kdump support", err->msg));
		rv_error_destroy(err);
	} else if (err)
		errors = jv_array_append(errors, rv_jv_error(rv_error_wrap(err, "crash_notes")));
	else if (filled > 0)
		ev = evidence(ev, "crash-notes", jv_string_fmt(
			"%d CPU(s) saved their registers into crash_notes (crash_save_cpu: "
			"the kernel entered a kdump kernel)", filled));
	err = vi_err;
	if (err && err->code == RV_ERR_LOOKUP) {
		ev = evidence(ev, "no-vmcoreinfo-data", jv_string_fmt(
			"the kernel has no in-memory VMCOREINFO (%s): no CRASHTIME to read", err->msg));
		rv_error_destroy(err);
	} else if (err)
		errors = jv_array_append(errors, rv_jv_error(rv_error_wrap(err, "vmcoreinfo_data")));
	else if (crashtime > 0)
		ev = evidence(ev, "vmcoreinfo-crashtime", jv_string_fmt(
			"VMCOREINFO CRASHTIME=%" PRId64 " (crash_save_vmcoreinfo in __crash_kexec)",
			crashtime));
	if (panicked)
		ev = evidence(ev, "panic", jv_string("panic_cpu is set: a CPU entered panic() or __crash_kexec()"));
	bool kdump = filled > 0 || crashtime > 0;

	const char *method = "unknown", *state = panicked || kdump ? "panicked" : "unknown";
	if (qemu) {
		method = "hypervisor";
		if (!panicked && !kdump)
			state = "paused";
	} else if (kdump) {
		method = "kdump";
	} else if (have_file && !strcmp(f.format, "diskdump")) {
		// makedumpfile wrote it, but no capture kernel ran: a live system.
		method = "makedumpfile";
		ev = evidence(ev, "makedumpfile-header", jv_string_fmt(
			"kdump-compressed dump (dump_level %d) without QEMU notes, crash_notes or CRASHTIME",
			f.dump_level));
		if (!panicked)
			state = "running";
	}
	p = rv_jv_set(p, "method", jv_string(method));
	p = rv_jv_set(p, "guest_state", jv_string(state));
	p = rv_jv_set(p, "evidence", ev);
	if (jv_array_length(jv_copy(errors)))
		p = rv_jv_set(p, "error", errors);
	else
		jv_free(errors);
	return p;
}

// ---- identity: build id, wall clock, taint, modules ----

// include/linux/buildid.h: BUILD_ID_SIZE_MAX, the longest build id note.
#define BUILD_ID_MAX 20
// The kernel's .notes section is a few notes of a few dozen bytes.
#define MAX_NOTES 4096

static bool is_build_id(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n % 2 || n > 2 * BUILD_ID_MAX)
		return false;
	return strspn(s, "0123456789abcdef") == n;
}

/**
 * The NT_GNU_BUILD_ID note among the kernel's own ELF notes, which the
 * linker script keeps in memory between __start_notes and __stop_notes
 * (include/asm-generic/vmlinux.lds.h NOTES). malloc'd hex, NULL if none.
 */
static char *notes_build_id(struct rv_target *t, struct rv_error **err)
{
	rv_addr_t start, stop;
	*err = rv_symbol(t, "__start_notes", &start);
	if (!*err)
		*err = rv_symbol(t, "__stop_notes", &stop);
	if (*err)
		return NULL;
	if (stop <= start || stop - start > MAX_NOTES) {
		*err = rv_error_format(RV_ERR_CORRUPT, "__start_notes %#" PRIx64
				       " .. __stop_notes %#" PRIx64 " is implausible", start, stop);
		return NULL;
	}
	size_t len = stop - start;
	unsigned char *buf = malloc(len);
	if (!buf) {
		*err = &rv_enomem;
		return NULL;
	}
	if ((*err = rv_read(t, start, buf, len))) {
		free(buf);
		return NULL;
	}
	char hex[2 * BUILD_ID_MAX + 1];
	char *id = rv_notes_build_id(buf, len, hex, sizeof(hex)) ? strdup(hex) : NULL;
	free(buf);
	return id;
}

/**
 * dump.build_id: VMCOREINFO BUILD-ID (v5.9, 0935288c6e00), else the kernel's
 * build id note; checked against the build id of the debug vmlinux the
 * layouts come from (t->debug_build_id, "" with BTF).
 */
static jv build_id_facts(struct rv_target *t, jv sec, const char *vmcoreinfo)
{
	const char *from = "vmcoreinfo";
	char *id = vmcoreinfo ? vmcoreinfo_value(vmcoreinfo, "BUILD-ID") : NULL;
	struct rv_error *err = NULL;
	if (!id) {
		from = "notes";
		id = notes_build_id(t, &err);
	}
	if (!id) {
		sec = rv_jv_set(sec, "build_id", jv_null());
		if (err && err->code == RV_ERR_LOOKUP)
			rv_error_destroy(err);	// neither source: an old or odd kernel
		else if (err)
			sec = rv_jv_set_error(sec, rv_error_wrap(err, "kernel build id note"));
		return sec;
	}
	rv_error_destroy(err);
	if (!is_build_id(id)) {
		sec = rv_jv_set(sec, "build_id", jv_null());
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_CORRUPT,
				"VMCOREINFO BUILD-ID '%.80s' is not a build id", id));
		free(id);
		return sec;
	}
	sec = rv_jv_set(sec, "build_id", jv_string(id));
	sec = rv_jv_set(sec, "build_id_from", jv_string(from));
	if (t->debug_build_id[0] && strcmp(t->debug_build_id, id))
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_NODEBUG,
				"the debug vmlinux has build id %s, the dumped kernel %s: "
				"layouts may be wrong", t->debug_build_id, id));
	free(id);
	return sec;
}

/** "2026-12-02T02:11:07Z" */
static jv utc_string(int64_t seconds)
{
	time_t when = (time_t)seconds;
	struct tm tm;
	char buf[64];
	if (!gmtime_r(&when, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return jv_null();
	return jv_string(buf);
}

/**
 * dump.time: the kernel's wall clock when the dump was taken, and the crash
 * time when a kdump kernel recorded one. The wall clock is
 * shadow_timekeeper.xtime_sec (kernel/time/timekeeping.c, v3.10,
 * 48cdc135d4b4): timekeeping_advance() updates it, then copies it whole into
 * tk_core.timekeeper, whose anonymous container type has no name to ask the
 * debug info about.
 */
static jv clock_facts(struct rv_target *t, int64_t crashtime)
{
	jv time = jv_object();
	rv_addr_t tk;
	int64_t xtime;
	struct rv_error *err = rv_symbol(t, "shadow_timekeeper", &tk);
	if (!err)
		err = rv_read_member_s(t, tk, "struct timekeeper", "xtime_sec", &xtime);
	if (err) {
		time = rv_jv_set(time, "xtime_sec", jv_null());
		time = rv_jv_set(time, "date", jv_null());
		time = rv_jv_set_error(time, rv_error_wrap(err, "shadow_timekeeper"));
	} else {
		time = rv_jv_set(time, "xtime_sec", rv_jv_s64(xtime));
		time = rv_jv_set(time, "date", utc_string(xtime));
	}
	time = rv_jv_set(time, "crashtime", crashtime > 0 ? rv_jv_s64(crashtime) : jv_null());
	return rv_jv_set(time, "crash_date", crashtime > 0 ? utc_string(crashtime) : jv_null());
}

struct taint_arg {
	jv flags;
	bool has_desc;
};

/**
 * dump.taint = {tainted_mask, letters, flags: [{bit, letter, name?}]}: the
 * set bits of tainted_mask (kernel/panic.c) with the letters of the
 * kernel's taint_flags[] table; `name` from taint_flags[].desc where the
 * kernel's struct taint_flag has that member (Debian 13's 6.12 has, 6.1 has
 * not; asked of the debug info, no name table compiled in).
 */
static jv taint_facts(struct rv_target *t)
{
	jv taint = jv_object();
	rv_addr_t sym;
	uint64_t mask;
	struct rv_error *err = rv_symbol(t, "tainted_mask", &sym);
	if (!err)
		err = rv_read_u64(t, sym, &mask);
	if (err)
		return rv_jv_set_error(taint, rv_error_wrap(err, "tainted_mask"));
	taint = rv_jv_set(taint, "tainted_mask", rv_jv_u64(mask));
	char letters[65];
	if ((err = rv_taint_letters(t, mask, letters, sizeof(letters)))) {
		taint = rv_jv_set(taint, "letters", jv_null());
		return rv_jv_set_error(taint, rv_error_wrap(err, "taint_flags"));
	}
	taint = rv_jv_set(taint, "letters", jv_string(letters));
	jv flags = jv_array();
	rv_addr_t table = 0;
	uint64_t esz = 0;
	bool desc = rv_member_exists(t, "struct taint_flag", "desc");
	if (mask && desc) {
		err = rv_symbol(t, "taint_flags", &table);
		if (!err)
			err = rv_type_size(t, "struct taint_flag", &esz);
		if (err) {
			taint = rv_jv_set_error(taint, rv_error_wrap(err, "taint_flags"));
			desc = false;
		}
	}
	for (int bit = 0, i = 0; bit < 64; bit++) {
		if (!(mask & (UINT64_C(1) << bit)))
			continue;
		jv f = rv_jv_set(jv_object(), "bit", jv_number(bit));
		f = rv_jv_set(f, "letter", jv_string_fmt("%c", letters[i++]));
		char name[64];
		if (desc)
			rv_jv_put_str(t, &f, table + bit * esz, "struct taint_flag", "desc",
				      "name", name, sizeof(name));
		flags = jv_array_append(flags, f);
	}
	return rv_jv_set(taint, "flags", flags);
}

static struct rv_error *module_cb(struct rv_target *t, rv_addr_t mod,
				  const char *name, void *arg, bool *stop)
{
	jv *list = arg;
	jv m = rv_jv_set(jv_object(), "name", jv_string(name));
	m = rv_jv_set(m, "addr", rv_jv_addr(mod));
	rv_addr_t base;
	uint64_t size;
	struct rv_error *err = rv_module_extent(t, mod, &base, &size);
	if (err) {
		m = rv_jv_set_error(m, err);
	} else {
		m = rv_jv_set(m, "base", rv_jv_addr(base));
		m = rv_jv_set(m, "size", rv_jv_u64(size));
	}
	char taint[65];
	err = rv_module_taint(t, mod, taint, sizeof(taint));
	m = err ? rv_jv_set_error(m, rv_error_wrap(err, "taints"))
		: rv_jv_set(m, "taint", jv_string(taint));
	*list = jv_array_append(*list, m);
	return NULL;
}

/** dump.modules: every loaded module, in `modules` list order. */
static jv module_facts(struct rv_target *t, jv sec)
{
	jv list = jv_array();
	struct rv_error *err = rv_module_for_each(t, module_cb, &list);
	sec = rv_jv_set(sec, "modules", list);
	return err ? rv_jv_set_error(sec, rv_error_wrap(err, "modules")) : sec;
}

static struct rv_error *decode(struct rv_target *t, const char *select, jv *ret)
{
	(void)select;
	jv sec = uts_facts(t, jv_object());
	struct rv_error *vi_err = NULL;
	char *vmcoreinfo = vmcoreinfo_text(t, &vi_err);
	int64_t crashtime = vmcoreinfo ? vmcoreinfo_crashtime(vmcoreinfo) : 0;
	sec = build_id_facts(t, sec, vmcoreinfo);
	free(vmcoreinfo);
	if (t->types_from)
		sec = rv_jv_set(sec, "types_from", jv_string(t->types_from));
	if (t->symbols_from)
		sec = rv_jv_set(sec, "symbols_from", jv_string(t->symbols_from));
	if (t->debuginfo_from)
		sec = rv_jv_set(sec, "debuginfo_from", jv_string(t->debuginfo_from));
	sec = rv_jv_set(sec, "cpus", cpu_facts(t));
	sec = time_facts(t, sec);
	sec = rv_jv_set(sec, "time", clock_facts(t, crashtime));
	sec = rv_jv_set(sec, "taint", taint_facts(t));
	sec = module_facts(t, sec);
	jv panic = panic_facts(t);
	bool panicked = jv_get_kind(panic) == JV_KIND_OBJECT;
	sec = rv_jv_set(sec, "panic", panic);
	sec = rv_jv_set(sec, "provenance", provenance_facts(t, panicked, crashtime, vi_err));
	*ret = sec;
	return NULL;
}

const struct rv_decoder rv_decoder_dump = {
	.name = "dump",
	.summary = "dumped kernel: release, CPUs, uptime, panic",
	.decode = decode,
};

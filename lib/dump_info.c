// SPDX-License-Identifier: GPL-2.0-or-later
// Section "dump": what kernel was dumped, its CPUs, uptime and panic state.
//
// Only vmlinux symbols are used (no module debuginfo). The section holds no
// file names and nothing about the backend, so crash and the CLI produce the
// same section for the same dump.

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"
#include "facts.h"
#include "kernel_log.h"
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
 * The CRASHTIME=<seconds> line crash_save_vmcoreinfo() appends to
 * vmcoreinfo_data (kernel/crash_core.c) in __crash_kexec(): 0 when absent,
 * -1 when vmcoreinfo_data cannot be read.
 */
static int64_t vmcoreinfo_crashtime(struct rv_target *t, struct rv_error **err)
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
		return -1;
	if (!data || !size)
		return 0;
	if (size > MAX_VMCOREINFO)
		size = MAX_VMCOREINFO;
	char *buf = calloc(1, size + 1);
	if (!buf) {
		*err = &rv_enomem;
		return -1;
	}
	if ((*err = rv_read(t, data, buf, size))) {
		free(buf);
		return -1;
	}
	int64_t when = 0;
	for (char *line = buf; line && *line;) {
		if (!strncmp(line, "CRASHTIME=", 10)) {
			when = strtoll(line + 10, NULL, 10);
			if (when <= 0)
				when = 1;
			break;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	free(buf);
	return when;
}

/**
 * dump.provenance = {method, guest_state, evidence}: how the dump was taken,
 * from the dump file's notes (target helper rv_dump_file()) and the kernel's
 * own traces of a crash. docs/facts-dump.md has the signals per method.
 */
static jv provenance_facts(struct rv_target *t, bool panicked)
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
	int64_t crashtime = vmcoreinfo_crashtime(t, &err);
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

static struct rv_error *decode(struct rv_target *t, const char *select, jv *ret)
{
	(void)select;
	jv sec = uts_facts(t, jv_object());
	if (t->types_from)
		sec = rv_jv_set(sec, "types_from", jv_string(t->types_from));
	if (t->symbols_from)
		sec = rv_jv_set(sec, "symbols_from", jv_string(t->symbols_from));
	sec = rv_jv_set(sec, "cpus", cpu_facts(t));
	sec = time_facts(t, sec);
	jv panic = panic_facts(t);
	bool panicked = jv_get_kind(panic) == JV_KIND_OBJECT;
	sec = rv_jv_set(sec, "panic", panic);
	sec = rv_jv_set(sec, "provenance", provenance_facts(t, panicked));
	*ret = sec;
	return NULL;
}

const struct rv_decoder rv_decoder_dump = {
	.name = "dump",
	.summary = "dumped kernel: release, CPUs, uptime, panic",
	.decode = decode,
};

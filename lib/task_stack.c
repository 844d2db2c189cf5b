// SPDX-License-Identifier: GPL-2.0-or-later
// Return addresses on a sleeping task's kernel stack (see task_stack.h).
//
// Layouts, all from the debug info:
//   task_struct.stack: the base of the task's kernel stack (the stack
//     holds no thread_info since v4.9 on x86, c65eacbe290b "sched/core:
//     Allow putting thread_info into task_struct"; the base is the same).
//   task_struct.thread.sp: the stack pointer switch_to() saved; since v4.9
//     (0100301bfdf5 "sched/x86: Rewrite the switch_to() code") it points at
//     struct inactive_task_frame, whose ret_addr is the first word above.
//   THREAD_SIZE: the span of the boot task's stack, init_stack ..
//     __end_init_task (linker symbols of asm-generic/vmlinux.lds.h
//     INIT_TASK_DATA; __end_init_stack on kernels that renamed it),
//     rounded up to a power of two.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "kmodule.h"
#include "task_stack.h"

#define MIN_THREAD_SIZE (4u << 10)
#define MAX_THREAD_SIZE (64u << 10)	// bounds the scan (KASAN x86-64: 32 KiB)

static struct rv_error *thread_size(struct rv_target *t, uint64_t *ret)
{
	rv_addr_t start, end;
	struct rv_error *err = rv_symbol(t, "init_stack", &start);
	if (err)
		return rv_error_wrap(err, "stack size");
	err = rv_symbol(t, "__end_init_task", &end);
	if (err && err->code == RV_ERR_LOOKUP) {
		rv_error_destroy(err);
		err = rv_symbol(t, "__end_init_stack", &end);
	}
	if (err)
		return rv_error_wrap(err, "stack size");
	if (end <= start || end - start > MAX_THREAD_SIZE)
		return rv_error_format(RV_ERR_CORRUPT,
				       "stack size: init_stack %#" PRIx64 " .. %#" PRIx64
				       " is no plausible THREAD_SIZE", start, end);
	uint64_t size = MIN_THREAD_SIZE;
	while (size < end - start)
		size *= 2;
	*ret = size;
	return NULL;
}

// x86-64 encodings of a call whose next instruction is at @p ra (the ISA,
// not a kernel layout): call rel32 (e8), and call r/m64 (ff /2) in its
// register, [reg], [reg+disp8], [sib+disp8], [rip+disp32], [reg+disp32]
// and [sib+disp32] forms. b[i] is the byte at ra - 8 + i.
static bool after_call(const uint8_t b[8])
{
	if (b[3] == 0xe8)
		return true;
	for (int len = 2; len <= 7; len++) {
		const uint8_t *op = b + 8 - len;
		uint8_t modrm = op[1], mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
		if (op[0] != 0xff || reg != 2)
			continue;
		switch (len) {
		case 2: if (mod == 3 || (mod == 0 && rm != 4 && rm != 5)) return true; break;
		case 3: if (mod == 1 && rm != 4) return true; break;
		case 4: if (mod == 1 && rm == 4) return true; break;
		case 6: if ((mod == 2 && rm != 4) || (mod == 0 && rm == 5)) return true; break;
		case 7: if ((mod == 2 && rm == 4) || (mod == 0 && rm == 4)) return true; break;
		}
	}
	return false;
}

// Whether @p v is a return address: inside a function (not its first
// byte: that is a function pointer) and just past a call. Text that
// cannot be read leaves the call unchecked.
static bool return_address(struct rv_target *t, rv_addr_t v, struct rv_stack_frame *f,
			   struct rv_error **fatal)
{
	struct rv_error *err = rv_symbolize(t, v, f->function, sizeof(f->function), &f->offset);
	if (err) {
		if (err->code != RV_ERR_LOOKUP)
			*fatal = err;
		else
			rv_error_destroy(err);
		return false;
	}
	if (f->offset == 0)
		return false;
	// The C function of a compiler clone (mddev_suspend.part.0,
	// .isra.0, .constprop.0, .cold): crash drops the suffix of module
	// symbols, so both front ends name the function the source names.
	char *dot = strchr(f->function, '.');
	if (dot && dot != f->function)
		*dot = '\0';
	uint8_t b[8];
	err = rv_read(t, v - 8, b, sizeof(b));
	if (err) {
		rv_error_destroy(err);
		return true;
	}
	return after_call(b);
}

struct rv_error *rv_task_stack_scan(struct rv_target *t, rv_addr_t task,
				    struct rv_stack_frame *frames, size_t max,
				    size_t *nret, rv_addr_t *sp, rv_addr_t *base)
{
	static const char *const T = "struct task_struct";
	*nret = 0;
	uint64_t size = 0;
	struct rv_error *err = rv_read_member(t, task, T, "stack", base);
	if (!err)
		err = rv_read_member(t, task, T, "thread.sp", sp);
	if (!err)
		err = thread_size(t, &size);
	if (err)
		return err;
	if (*sp < *base || *sp - *base >= size)
		return rv_error_format(RV_ERR_CORRUPT,
				       "saved sp %#" PRIx64 " is outside the stack %#" PRIx64
				       " .. %#" PRIx64, *sp, *base, *base + size);
	rv_addr_t top = *base + size, from = *sp & ~(rv_addr_t)7;
	uint64_t *words = malloc(top - from);
	if (!words)
		return &rv_enomem;
	err = rv_read(t, from, words, top - from);
	if (err) {
		free(words);
		return rv_error_wrap(err, "stack of task %#" PRIx64, task);
	}
	// vmlinux text needs no module lookup (a walk of the modules list)
	rv_addr_t stext = 0, etext = 0;
	struct rv_error *e = rv_symbol(t, "_stext", &stext);
	if (!e)
		e = rv_symbol(t, "_etext", &etext);
	if (e) {
		rv_error_destroy(e);
		stext = etext = 0;
	}
	size_t n = 0;
	struct rv_error *fatal = NULL;
	for (size_t i = 0; i < (top - from) / 8 && n < max && !fatal; i++) {
		rv_addr_t v = words[i];
		if (!rv_addr_kernel(v))
			continue;
		struct rv_stack_frame *f = &frames[n];
		memset(f, 0, sizeof(*f));
		if (!return_address(t, v, f, &fatal))
			continue;
		f->slot = from + i * 8;
		f->addr = v;
		n++;
		if (v >= stext && v < etext)
			continue;
		rv_addr_t mod;
		e = rv_module_of_addr(t, v, &mod, f->module, sizeof(f->module));
		if (e) {
			rv_error_destroy(e);	// the frame stays, without its module
			f->module[0] = '\0';
		}
	}
	free(words);
	*nret = n;
	return fatal;
}

jv rv_task_stack_jv(const struct rv_stack_frame *frames, size_t n, rv_addr_t sp,
		    rv_addr_t base)
{
	jv o = rv_jv_set(jv_object(), "sp", rv_jv_addr(sp));
	o = rv_jv_set(o, "base", rv_jv_addr(base));
	jv list = jv_array();
	for (size_t i = 0; i < n; i++) {
		const struct rv_stack_frame *f = &frames[i];
		jv e = rv_jv_set(jv_object(), "slot", rv_jv_addr(f->slot));
		e = rv_jv_set(e, "addr", rv_jv_addr(f->addr));
		e = rv_jv_set(e, "function", jv_string(f->function));
		e = rv_jv_set(e, "offset", rv_jv_u64(f->offset));
		e = rv_jv_set(e, "module", f->module[0] ? jv_string(f->module) : jv_null());
		list = jv_array_append(list, e);
	}
	return rv_jv_set(o, "frames", list);
}

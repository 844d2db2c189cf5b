// SPDX-License-Identifier: GPL-2.0-or-later
// The address -> function table (lib/symtab.c) and the kernel stack scan
// (lib/task_stack.c) over synthetic text, symbols and a task's stack.
#include <stdlib.h>

#include "memtarget.h"
#include "symtab.h"
#include "task_stack.h"
#include "unit.h"

#define TEXT 0xffffffff81000000ull
#define TASK 0xffff888000100000ull
#define STACK 0xffffc90000010000ull

static void symtab(void)
{
	struct rv_symtab st;
	rv_symtab_init(&st);
	CHECK_OK("add a", rv_symtab_add(&st, "a", 0x1000, 0x10));
	CHECK_OK("add c (unsized)", rv_symtab_add(&st, "c", 0x3000, 0));
	CHECK_OK("add b (unsized)", rv_symtab_add(&st, "b", 0x2000, 0));
	CHECK_OK("add a_alias (unsized, same address)", rv_symtab_add(&st, "a_alias", 0x1000, 0));
	char name[32];
	uint64_t off = 0;
	CHECK_OK("find inside a", rv_symtab_find(&st, 0x1008, name, sizeof(name), &off));
	CHECK_STR("the sized symbol wins over its alias", "a", name);
	CHECK_U64("offset into a", 8, off);
	CHECK_ERR("past a's size", RV_ERR_LOOKUP, rv_symtab_find(&st, 0x1010, name, sizeof(name), &off));
	CHECK_ERR("below the first", RV_ERR_LOOKUP, rv_symtab_find(&st, 0xfff, name, sizeof(name), &off));
	CHECK_OK("unsized b ends where c starts", rv_symtab_find(&st, 0x2fff, name, sizeof(name), &off));
	CHECK_STR("b", "b", name);
	CHECK_OK("c starts", rv_symtab_find(&st, 0x3000, name, sizeof(name), &off));
	CHECK_STR("c", "c", name);
	CHECK_ERR("the last unsized symbol is bounded", RV_ERR_LOOKUP,
		  rv_symtab_find(&st, 0x3000 + (1u << 20), name, sizeof(name), &off));
	rv_symtab_deinit(&st);
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static struct rv_target *stack_target(uint64_t sp_off)
{
	struct rv_target *t = mt_new();
	unsigned char *text = mt_map(t, TEXT, 0x1000);
	mt_function(t, "__schedule", TEXT + 0x100, 0x100);
	mt_function(t, "freeze_array.part.0", TEXT + 0x200, 0x100);
	mt_function(t, "vfs_write", TEXT + 0x300, 0);	// unsized: up to next_fn
	mt_function(t, "next_fn", TEXT + 0x400, 0x10);
	text[0x150 - 5] = 0xe8;				// call rel32
	text[0x249 - 5] = 0xe8;
	text[0x3a0 - 2] = 0xff;				// call *%rax
	text[0x3a0 - 1] = 0xd0;
	mt_symbol(t, "init_stack", 0xffffffff82000000ull);
	mt_symbol(t, "__end_init_task", 0xffffffff82004000ull);
	mt_member(t, "struct task_struct", "stack", 0, 8, RV_KIND_PTR);
	mt_member(t, "struct task_struct", "thread.sp", 8, 8, RV_KIND_INT);
	unsigned char *task = mt_map(t, TASK, 64);
	put64(task, STACK);
	put64(task + 8, STACK + sp_off);
	unsigned char *stack = mt_map(t, STACK, 0x4000);
	uint64_t words[] = {
		0x1234,			// not a kernel address
		TEXT + 0x150,		// __schedule+0x50, after a call
		TEXT + 0x200,		// a function pointer (offset 0)
		TEXT + 0x260,		// in text, but no call before it
		TEXT + 0x249,		// freeze_array+0x49
		TEXT + 0x500,		// beyond every function
		TEXT + 0x3a0,		// vfs_write+0xa0, after an indirect call
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		put64(stack + 0x3f00 + i * 8, words[i]);
	return t;
}

static void stack_scan(void)
{
	struct rv_target *t = stack_target(0x3f00);
	struct rv_stack_frame f[RV_STACK_MAX_FRAMES];
	size_t n = 0;
	rv_addr_t sp = 0, base = 0;
	CHECK_OK("scan", rv_task_stack_scan(t, TASK, f, RV_STACK_MAX_FRAMES, &n, &sp, &base));
	CHECK_U64("saved sp", STACK + 0x3f00, sp);
	CHECK_U64("stack base", STACK, base);
	CHECK_U64("frames (return addresses only)", 3, n);
	if (n == 3) {
		CHECK_STR("deepest frame", "__schedule", f[0].function);
		CHECK_U64("its offset", 0x50, f[0].offset);
		CHECK_U64("its slot", STACK + 0x3f08, f[0].slot);
		CHECK_STR("a clone is named by its C function", "freeze_array", f[1].function);
		CHECK_U64("freeze_array offset", 0x49, f[1].offset);
		CHECK_STR("after an indirect call", "vfs_write", f[2].function);
		CHECK_STR("vmlinux frames have no module", "", f[2].module);
	}
	// at most max frames
	CHECK_OK("scan (max 1)", rv_task_stack_scan(t, TASK, f, 1, &n, &sp, &base));
	CHECK_U64("bounded by max", 1, n);
	mt_free(t);
	// a saved sp outside the stack is corrupt, not scanned
	t = stack_target(0x4000);
	CHECK_ERR("sp past the top", RV_ERR_CORRUPT,
		  rv_task_stack_scan(t, TASK, f, RV_STACK_MAX_FRAMES, &n, &sp, &base));
	mt_free(t);
}

void test_stack(void)
{
	symtab();
	stack_scan();
}

// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file task_stack.h
 * Where a sleeping task sleeps: the return addresses on its kernel stack,
 * symbolised (rv_symbolize). A scan, not an unwinder: it needs no frame
 * pointers or ORC data, only the stack bounds from the debug info, and it
 * keeps a word only when it points just past a call instruction in a
 * function's text.
 */
#ifndef RV_TASK_STACK_H
#define RV_TASK_STACK_H

#include <jv.h>

#include "target.h"

/** Frames kept per task (the deepest first). */
#define RV_STACK_MAX_FRAMES 64

struct rv_stack_frame {
	rv_addr_t slot;		/**< where on the stack the word sits */
	rv_addr_t addr;		/**< the return address */
	char function[128];
	uint64_t offset;
	char module[64];	/**< "" for the vmlinux */
};

/**
 * Scan the kernel stack of the sleeping task @p task, from its saved
 * stack pointer up to the top of its stack (bounded by the stack size),
 * into @p frames (at most @p max), deepest first; *@p nret frames found.
 * *@p sp and *@p base: the saved stack pointer and the stack's base.
 */
struct rv_error *rv_task_stack_scan(struct rv_target *t, rv_addr_t task,
				    struct rv_stack_frame *frames, size_t max,
				    size_t *nret, rv_addr_t *sp, rv_addr_t *base);

/**
 * {sp, base, frames: [{slot, addr, function, offset, module}]} of
 * rv_task_stack_scan(), or {error} when the stack cannot be scanned.
 */
jv rv_task_stack_jv(const struct rv_stack_frame *frames, size_t n, rv_addr_t sp,
		    rv_addr_t base);

#endif

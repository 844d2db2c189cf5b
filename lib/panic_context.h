// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file panic_context.h
 * The panicking CPU's registers at the fault, classified (lib/panic_context.c).
 */
#ifndef RV_PANIC_CONTEXT_H
#define RV_PANIC_CONTEXT_H

#include <jv.h>

#include "target.h"

/**
 * dump.panic.context from the oops report lines of the kernel log
 * (rv_kernel_log_panic_text()'s oops_report, consumed) and the oops line
 * (consumed): {source, fault_address, rip_symbol, rip, call_trace,
 * registers: {rax: {value, is}}, stack: [{addr, value, is}], objects:
 * {blk_mq_hw_ctx: {..., in: ["rbx", "rdx"]}, request_queue: ...}}, or
 * null when the log holds no oops report.
 */
jv rv_panic_context(struct rv_target *t, jv report, jv oops);

/**
 * The same, read from the dump's kernel log (for decoders other than the
 * dump section: blk reaches torn-down queues through it); null when the
 * log holds no oops report or cannot be read.
 */
jv rv_panic_context_read(struct rv_target *t);

/**
 * What value @p v is: {kind: "poison" | "slab" | "kernel image" |
 * "module", ...} or null for plain numbers; @p fault (or 0): the faulted
 * address, noted when @p v is just below it.
 */
jv rv_panic_classify(struct rv_target *t, rv_addr_t v, rv_addr_t fault);

#endif

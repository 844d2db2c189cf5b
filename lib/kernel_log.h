// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file kernel_log.h
 * The kernel log of a dump, for other decoders (the "dump" section looks
 * up the panic message in it).
 */
#ifndef RV_KERNEL_LOG_H
#define RV_KERNEL_LOG_H

#include <jv.h>

#include "target.h"

/**
 * Read the kernel log into a "log" section object: {source, lines: [{seq,
 * ts_nsec, level, ..., text}], first_seq, next_seq, ...} (docs/facts-dump.md).
 * Problems inside the log are recorded in the object's "error"; a returned
 * error means no log could be found at all.
 */
struct rv_error *rv_kernel_log_read(struct rv_target *t, jv *ret);

/**
 * What the log says about a panic: {message, oops, rip}, each a string
 * or null. @p log is a "log" section object (consumed).
 *  - message: the text after the last "Kernel panic - not syncing: ";
 *  - message_ts_nsec: the ts_nsec of the record holding it (time since boot);
 *  - oops: the first line starting with "BUG:", "Oops:" or
 *    "general protection fault";
 *  - rip: the first "RIP: " line after that oops line;
 *  - oops_report: the lines after that oops line up to its end of kernel
 *    frames ("</TASK>", "---[ end trace"), at most 80: registers, call trace.
 */
jv rv_kernel_log_panic_text(jv log);

#endif

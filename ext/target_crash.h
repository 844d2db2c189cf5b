// SPDX-License-Identifier: GPL-2.0-or-later
// The `target` backend over crash's API.
#ifndef RV_TARGET_CRASH_H
#define RV_TARGET_CRASH_H

#include "target.h"

/** Prepare @p t to read the dump crash has open. */
struct rv_error *rv_crash_target_init(struct rv_target *t);
/** Close the debug files opened for layouts (at unload). */
void rv_crash_target_release(void);
/** The dumped kernel's release, as crash read it. */
const char *rv_crash_release(void);

#endif

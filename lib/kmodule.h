// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file kmodule.h
 * Loaded kernel modules of a dump: which module an address belongs to.
 */
#ifndef RV_KMODULE_H
#define RV_KMODULE_H

#include "target.h"

/**
 * The struct module whose core memory (text, rodata, data) holds @p addr,
 * and its name. *mod = 0 and no error when no module holds it.
 */
struct rv_error *rv_module_of_addr(struct rv_target *t, rv_addr_t addr,
				   rv_addr_t *mod, char *name, size_t size);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
// SCAFFOLD: replaced by the real renderer.
#include "report.h"

void rv_report_blk(FILE *f, jv sec, const struct rv_report_opts *o)
{
	rv_report_problems(f, "blk", sec);
}

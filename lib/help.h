// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file help.h
 * Help pages of the commands, in crash's help-array layout: name, one-line
 * summary, synopsis, then description lines; "EXAMPLE" starts the examples,
 * where "%s>" stands for the prompt. NULL ends the array. The crash
 * extension registers them as they are; the CLI prints them as --help.
 */
#ifndef RV_HELP_H
#define RV_HELP_H

extern char *rv_help_raidvirt[];
extern char *rv_help_r1conf[];
extern char *rv_help_vecmatrix[];
extern char *rv_help_hctxfq[];
extern char *rv_help_vring[];

#endif

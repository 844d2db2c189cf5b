// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file cmd_rules.h
 * The rule commands of the standalone program (cli/cmd_rules.c):
 *   raidvirt triage [--json] [--rules DIR] [--fail-on SEVERITY] DUMP
 *   raidvirt triage --facts FILE ...
 *   raidvirt rules {lint|test|list} [DIR...]
 * main() dispatches to them; argv[0] is the command name.
 */
#ifndef RV_CLI_CMD_RULES_H
#define RV_CLI_CMD_RULES_H

extern const char rv_usage_triage[];
extern const char rv_usage_rules[];

int rv_cmd_triage(int argc, char **argv);
int rv_cmd_rules(int argc, char **argv);

#endif

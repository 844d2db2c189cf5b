// SPDX-License-Identifier: GPL-2.0-or-later
// Print the crash commands' help pages (lib/help.c, in the order of the
// command table lib/sections.c) for tools/mkman, which turns them into the
// raidvirt-crash(1) man page: the text crash's `help CMD` shows is the text
// of the man page. Format, one page after the other:
//   @page NAME
//   @summary ONE LINE
//   @synopsis ARGS
//   description and example lines, as they are
// No arguments; exit 0.

#include <stdio.h>

#include "help.h"
#include "sections.h"

static void page(char **help)
{
	printf("@page %s\n@summary %s\n@synopsis %s\n", help[0], help[1], help[2]);
	for (char **l = help + 3; *l; l++)
		printf("%s\n", *l);
}

int main(void)
{
	page(rv_help_raidvirt);
	for (const struct rv_section *s = rv_sections; s->name; s++)
		if (s->command && s->help)
			page(s->help);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0-or-later
// make test-unit: run every unit suite. argv[1]: the small object compiled
// with -g (tests/unit/types.c) whose DWARF the type checks read.
#include <stdarg.h>
#include <stdio.h>

#include "unit.h"

int unit_passed, unit_failed;

void unit_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	char msg[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line per check: a newline in a compared string is shown as \n, so
	 * that "make test-unit", which drops the "ok - " lines, prints nothing of
	 * a passing check. */
	printf("%s - ", ok ? "ok" : "not ok");
	for (const char *c = msg; *c; c++)
		if (*c == '\n')
			fputs("\\n", stdout);
		else
			putchar(*c);
	if (!ok)
		printf(" (%s:%d)", file, line);
	printf("\n");
	if (ok)
		unit_passed++;
	else
		unit_failed++;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s TYPES.o\n", argv[0]);
		return 2;
	}
	test_target();
	test_xarray();
	test_dwarf(argv[1]);
	test_rules();
	test_misc();
	test_stack();
	test_report();
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed || !unit_passed;
}

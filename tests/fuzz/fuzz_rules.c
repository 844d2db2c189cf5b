// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: one rule file (YAML) through the loader (lib/rules.c):
// size and nesting limits, libyaml, every key's checks, jq compilation.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char path[] = "/tmp/rv-fuzz-rule-XXXXXX.yaml";
	int fd = mkstemps(path, 5);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	struct rv_ruleset *rs = rv_ruleset_create();
	if (rs) {
		rv_ruleset_load_file(rs, path);
		jv_free(rv_ruleset_problems(rs));
		rv_ruleset_destroy(rs);
	}
	unlink(path);
	return 0;
}

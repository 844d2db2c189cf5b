// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: a facts document (JSON) checked (rv_facts_validate)
// and, when usable, evaluated by the shipped rules in this process (the
// engine's fork isolation off, so a crash in jq or the engine shows here).
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "rules.h"

static struct rv_ruleset *rs;

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!rs) {
		const char *dir = getenv("RAIDVIRT_RULES_BUILTIN");
		rs = rv_ruleset_create();
		if (rs && dir)
			rv_ruleset_load_dir(rs, dir);
	}
	if (size > (1 << 20))
		return 0;
	jv doc = jv_parse_sized((const char *)data, (int)size);
	if (!jv_is_valid(doc) || jv_get_kind(doc) != JV_KIND_OBJECT) {
		jv_free(doc);
		return 0;
	}
	jv errs = rv_facts_validate(jv_copy(doc));
	bool usable = jv_get_kind(errs) == JV_KIND_ARRAY && jv_array_length(jv_copy(errs)) == 0;
	jv_free(errs);
	if (usable && rs) {
		struct rv_eval_opts o = { .no_isolate = true, .max_matches = 100 };
		jv_free(rv_ruleset_evaluate(rs, doc, &o));
	} else {
		jv_free(doc);
	}
	return 0;
}

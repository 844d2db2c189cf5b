// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the whole facts collection (every decoder) and the text
// report over damaged kernel memory: a real dump (fixture vmcores from
// tests/fixtures, rig dumps) with the input's patches applied where the
// decoders read it undamaged (tests/fuzz/harness.h).
#include "facts.h"
#include "harness.h"

static jv decode(struct rv_target *t)
{
	return rv_facts_collect(t, NULL);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	return fz_memory_run(data, size, decode);
}

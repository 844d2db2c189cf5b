// SPDX-License-Identifier: GPL-2.0-or-later
// SCAFFOLD: replaced by the real decoder.
#include "facts.h"

static struct rv_error *decode(struct rv_target *t, const char *select, jv *ret)
{
	return rv_error_format(RV_ERR_OTHER, "blk decoder not written yet");
}

const struct rv_decoder rv_decoder_blk = {
	.name = "blk",
	.summary = "scaffold",
	.decode = decode,
};

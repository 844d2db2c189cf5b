// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the kernel log decoders (lib/kernel_log.c: the printk
// ringbuffer of v5.10+ and the log_buf records before it) and the panic
// text search, over a real dump's log memory with the input's patches
// (tests/fuzz/harness.h). The fixtures give log_buf (RHEL 7, 8) and a
// 5.14 ringbuffer; the rig dumps real 6.1 and 6.12 ringbuffers.
#include "harness.h"
#include "kernel_log.h"

static jv decode(struct rv_target *t)
{
	jv log;
	struct rv_error *err = rv_kernel_log_read(t, &log);
	if (err) {
		rv_error_destroy(err);
		return jv_invalid();
	}
	jv_free(rv_kernel_log_panic_text(log));
	return jv_invalid();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	return fz_memory_run(data, size, decode);
}

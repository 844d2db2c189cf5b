// SPDX-License-Identifier: GPL-2.0-or-later
// A main() for the libFuzzer targets of tests/fuzz without libFuzzer: runs
// the target once on each file named on the command line. Built with gcc
// and the sanitizers by tests/sanitize/fuzz_replay.sh, so `make check`
// replays what the fuzzers found (tests/fuzz/regressions) in seconds.
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		static unsigned char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	return 0;
}

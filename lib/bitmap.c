// SPDX-License-Identifier: GPL-2.0-or-later
// Bitmaps of 64-bit words: the one cpumask/bitmap printer (see bitmap.h).

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "bitmap.h"

unsigned int rv_bitmap_weight(const uint64_t *bits, unsigned int nbits)
{
	unsigned int n = 0;
	for (unsigned int i = 0; i < nbits; i++)
		n += (bits[i / 64] >> (i % 64)) & 1;
	return n;
}

char *rv_bitmap_list(const uint64_t *bits, unsigned int nbits)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	bool first = true;
	for (unsigned int i = 0; i < nbits; i++) {
		if (!((bits[i / 64] >> (i % 64)) & 1))
			continue;
		unsigned int j = i;
		while (j + 1 < nbits && ((bits[(j + 1) / 64] >> ((j + 1) % 64)) & 1))
			j++;
		fprintf(f, first ? "%u" : ",%u", i);
		if (j > i)
			fprintf(f, "-%u", j);
		first = false;
		i = j;
	}
	fclose(f);
	return out;
}

jv rv_jv_bitmap_list(const uint64_t *bits, unsigned int nbits)
{
	if (!bits)
		return jv_null();
	char *s = rv_bitmap_list(bits, nbits);
	jv v = s ? jv_string(s) : jv_null();
	free(s);
	return v;
}

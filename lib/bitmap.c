// SPDX-License-Identifier: GPL-2.0-or-later
// Bitmaps of 64-bit words: the one cpumask/bitmap printer (see bitmap.h).

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitmap.h"

unsigned int rv_bitmap_weight(const uint64_t *bits, unsigned int nbits)
{
	unsigned int n = 0, full = nbits / 64;
	for (unsigned int w = 0; w < full; w++)
		n += (unsigned int)__builtin_popcountll(bits[w]);
	if (nbits % 64)
		n += (unsigned int)__builtin_popcountll(bits[full] &
							((UINT64_C(1) << (nbits % 64)) - 1));
	return n;
}

static bool bit(const uint64_t *bits, unsigned int i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

// Appends to a malloc'd string (no stdio stream: this runs for every irq's
// masks, and a memstream costs a zeroed BUFSIZ buffer each).
static bool append(char **out, size_t *len, size_t *cap, unsigned int a, unsigned int b,
		   bool first)
{
	char tmp[32];
	int n = a == b ? snprintf(tmp, sizeof(tmp), "%s%u", first ? "" : ",", a) :
			 snprintf(tmp, sizeof(tmp), "%s%u-%u", first ? "" : ",", a, b);
	if (*len + (size_t)n + 1 > *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		char *g = realloc(*out, c);
		if (!g)
			return false;
		*out = g;
		*cap = c;
	}
	memcpy(*out + *len, tmp, (size_t)n + 1);
	*len += (size_t)n;
	return true;
}

char *rv_bitmap_list(const uint64_t *bits, unsigned int nbits)
{
	char *out = NULL;
	size_t len = 0, cap = 0;
	bool first = true;
	for (unsigned int i = 0; i < nbits; i++) {
		if (!(i % 64) && !bits[i / 64]) {	// a zero word at once
			i += 63;
			continue;
		}
		if (!bit(bits, i))
			continue;
		unsigned int j = i;
		while (j + 1 < nbits && bit(bits, j + 1))
			j++;
		if (!append(&out, &len, &cap, i, j, first)) {
			free(out);
			return NULL;
		}
		first = false;
		i = j;
	}
	return out ? out : strdup("");
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

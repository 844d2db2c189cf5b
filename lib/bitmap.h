// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file bitmap.h
 * Kernel bitmaps (cpumasks, vector maps) read as 64-bit words: weight and
 * the kernel's %*pbl list form. The one printer for every decoder.
 */
#ifndef RV_BITMAP_H
#define RV_BITMAP_H

#include <stdint.h>

#include <jv.h>

/** Bitmap helpers over @p nbits bits stored as 64-bit words. */
unsigned int rv_bitmap_weight(const uint64_t *bits, unsigned int nbits);
/** "0-1,4" (the kernel's %*pbl); "" for an empty set. malloc'd. */
char *rv_bitmap_list(const uint64_t *bits, unsigned int nbits);

/** The list form as a jv string; null when @p bits is NULL or on ENOMEM. */
jv rv_jv_bitmap_list(const uint64_t *bits, unsigned int nbits);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file rv_cache.h
 * The cache directory that spares later runs work done before: the DWARF
 * type index per build id (dwarf_types.c), the rule programs known to
 * compile (rules_cache.c). Everything in it is rebuilt when missing, and
 * checked before use: a cache only saves time, never changes a result.
 */
#ifndef RV_CACHE_H
#define RV_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * The cache directory (malloc'd): $RAIDVIRT_CACHE, else
 * $XDG_CACHE_HOME/raidvirt, else ~/.cache/raidvirt; NULL when caching is
 * off (RAIDVIRT_CACHE=off or 0) or no place is known.
 */
char *rv_cache_dir(void);

/** FNV-1a, 64 bits: checksums and file names, not security. */
uint64_t rv_fnv64(const void *p, size_t n);

/**
 * Write @p len bytes to @p path whole or not at all (a temporary file in
 * the same directory, renamed), creating the directories above it. Best
 * effort: false when it could not; concurrent writers each leave a whole
 * file.
 */
bool rv_cache_write(const char *path, const void *buf, size_t len);

#endif

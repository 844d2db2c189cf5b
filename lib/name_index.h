// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file name_index.h
 * A name -> value hash index shared by the type sources (DWARF, BTF), and
 * the C type spellings they both accept ("struct r1conf", "unsigned long").
 */
#ifndef RV_NAME_INDEX_H
#define RV_NAME_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** C name spaces of a type name, and enumerator constants. */
enum rv_name_space {
	RV_NS_STRUCT,
	RV_NS_UNION,
	RV_NS_ENUM,
	RV_NS_TYPE,		/**< typedefs and base types */
	RV_NS_ENUMERATOR,
};

struct rv_name_entry {
	const char *name;	/**< not copied: owned by the type source */
	uint32_t hash;
	uint8_t ns;
	uint8_t complete;	/**< a definition, not a declaration */
	uint64_t val;		/**< the source's handle, or an enumerator's value */
};

struct rv_name_index {
	struct rv_name_entry *tab;
	size_t cap, used;
};

/**
 * Keep the first complete definition of a name; a declaration only until a
 * definition turns up. Out of memory: the name is not added (lookups miss).
 */
void rv_name_index_add(struct rv_name_index *ix, enum rv_name_space ns,
		       const char *name, bool complete, uint64_t val);
const struct rv_name_entry *rv_name_index_find(const struct rv_name_index *ix,
					       enum rv_name_space ns, const char *name);
void rv_name_index_free(struct rv_name_index *ix);
/** Room for @p n names without rehashing (a hint: false if out of memory). */
bool rv_name_index_reserve(struct rv_name_index *ix, size_t n);

/**
 * Split a C type spelling: "struct r1conf" -> RV_NS_STRUCT "r1conf";
 * "atomic_t" -> RV_NS_TYPE "atomic_t". Returns the name part.
 */
const char *rv_type_spelling(const char *type, enum rv_name_space *ns);
/** gcc's spelling of a base type C programmers write otherwise, or NULL. */
const char *rv_base_type_alias(const char *name);

#endif

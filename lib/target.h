// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file target.h
 * The one small interface between decoders and a dump.
 *
 * A backend (crash, libkdumpfile + libdw, test fixtures) fills a
 * `struct rv_target_ops`. Decoders never call a backend directly: they use
 * the helpers below, which cache layout answers and bound every walk.
 *
 * Type names are C spellings: "struct r1conf", "union foo", "atomic_t".
 * Member names may be dotted paths through nested structs ("split.vring.num");
 * members of anonymous structs and unions are found transparently.
 */
#ifndef RV_TARGET_H
#define RV_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>

#include "rv_error.h"

typedef uint64_t rv_addr_t;
#define RV_PRIxADDR "#018" PRIx64

/** What a type is once typedefs and qualifiers are stripped. */
enum rv_kind {
	RV_KIND_OTHER = 0,
	RV_KIND_INT,
	RV_KIND_BOOL,
	RV_KIND_ENUM,
	RV_KIND_PTR,
	RV_KIND_ARRAY,
	RV_KIND_STRUCT,
	RV_KIND_UNION,
	RV_KIND_FUNC,
};

/** Where a member lives and what it is. */
struct rv_member {
	uint64_t offset;	/**< byte offset from the start of the type */
	uint64_t size;		/**< byte size (whole array; 0 for a flexible array) */
	enum rv_kind kind;	/**< kind of the member's type */
	unsigned int bit_offset; /**< bitfields: bit within the byte at offset */
	unsigned int bit_size;	/**< bitfields: width; 0 if not a bitfield */
	enum rv_kind target_kind; /**< arrays: element kind; pointers: pointee kind */
	uint64_t target_size;	/**< arrays: element size; pointers: pointee size (0 unknown/void) */
	uint64_t nelem;		/**< arrays: element count (0 if flexible) */
	char type_name[96];	/**< informational: the member's C type if known, else "" */
};

struct rv_target;

/**
 * What the dump file itself says about how it was written: the signals of
 * dump.provenance (docs/facts-dump.md) that are not in kernel memory.
 * Counts are -1 when the backend cannot tell.
 */
struct rv_dump_file {
	char format[32];	/**< "elf", "diskdump", "" when unknown */
	int flattened;		/**< makedumpfile -F / QEMU <= 8.1 stream: 1, 0, -1 */
	int nr_prstatus;	/**< "CORE" NT_PRSTATUS notes */
	int nr_qemu;		/**< "QEMU" notes (QEMU's CPU state, dump-guest-memory) */
	int vmcoreinfo;		/**< a VMCOREINFO note: 1, 0, -1 */
	int dump_level;		/**< kdump-compressed sub-header dump_level, -1 if none */
};

/** Called with each enumerator of an enum type; return false to stop. */
typedef bool (*rv_enumerator_fn)(const char *name, int64_t value, void *arg);

/** What a backend provides. Every function may fail; none may abort. */
struct rv_target_ops {
	const char *name;
	/** Read @p len bytes of kernel virtual memory. RV_ERR_FAULT on failure. */
	struct rv_error *(*read)(struct rv_target *t, rv_addr_t addr, void *buf,
				 size_t len);
	/** Address of a kernel or (loaded) module symbol. RV_ERR_LOOKUP if none. */
	struct rv_error *(*symbol)(struct rv_target *t, const char *name,
				   rv_addr_t *ret);
	/**
	 * The kernel or module function whose text holds @p addr: its name and
	 * @p addr's offset into it. RV_ERR_LOOKUP when no function holds it
	 * (data, a hole). Optional: rv_symbolize() says when it is missing.
	 */
	struct rv_error *(*symbolize)(struct rv_target *t, rv_addr_t addr,
				      char *name, size_t size, uint64_t *offset);
	/** Byte size of a type. RV_ERR_LOOKUP if the debug info lacks it. */
	struct rv_error *(*type_size)(struct rv_target *t, const char *type,
				      uint64_t *ret);
	/**
	 * A member of a struct/union type by dotted path ("split.vring.num"),
	 * searching anonymous struct/union members. RV_ERR_LOOKUP if absent.
	 */
	struct rv_error *(*member)(struct rv_target *t, const char *type,
				   const char *member, struct rv_member *ret);
	/** Value of an enumerator constant. RV_ERR_LOOKUP if none. */
	struct rv_error *(*enum_value)(struct rv_target *t, const char *name,
				       int64_t *ret);
	/**
	 * Optional: every enumerator of the enum type @p type ("enum
	 * mddev_flags"), in declaration order. RV_ERR_LOOKUP if no such type.
	 */
	struct rv_error *(*enumerators)(struct rv_target *t, const char *type,
					rv_enumerator_fn visit, void *arg);
	/**
	 * Make the types and symbols of a module available. NULL on success,
	 * RV_ERR_ABSENT if the module is not loaded in the dump, RV_ERR_NODEBUG
	 * (message says what was searched and what to do) if no debug file.
	 */
	struct rv_error *(*module_debuginfo)(struct rv_target *t,
					     const char *module);
	/** Optional: a VMCOREINFO value (malloc'd string). */
	struct rv_error *(*vmcoreinfo)(struct rv_target *t, const char *key,
				       char **ret);
	/** Optional: the dumped kernel's PAGE_SIZE (else VMCOREINFO PAGESIZE). */
	struct rv_error *(*page_size)(struct rv_target *t, uint64_t *ret);
	/** Optional: the dump file's own notes and headers. */
	struct rv_error *(*dump_file)(struct rv_target *t, struct rv_dump_file *ret);
};

struct rv_layout_cache;

struct rv_target {
	const struct rv_target_ops *ops;
	void *priv;			/**< backend state */
	struct rv_layout_cache *cache;	/**< owned by target.c */
	int nr_cpu_ids;			/**< -1 until known */
	uint64_t *percpu_offset;	/**< nr_cpu_ids entries, lazily read */
	uint64_t *cpu_online;		/**< bitmap, lazily read */
	unsigned int max_list;		/**< bound for list walks */
	/** Where layouts and symbols come from, for the facts (dump.types_from:
	 *  "dwarf" or "btf"; dump.symbols_from: "vmlinux" or "kallsyms");
	 *  set by the backend, NULL if it does not say. */
	const char *types_from, *symbols_from;
	/** The build id (hex) of the vmlinux debug file the layouts come from,
	 *  set by the backend; "" with BTF or when unknown. dump.build_id is
	 *  checked against it (docs/facts-dump.md). */
	char debug_build_id[129];
	/** Where the vmlinux debug file came from (dump.debuginfo_from: "local"
	 *  or "debuginfod"); NULL when none was read (BTF). */
	const char *debuginfo_from;
};

/** Prepare @p t over @p ops / @p priv. */
struct rv_error *rv_target_init(struct rv_target *t,
				const struct rv_target_ops *ops, void *priv);
/** Release what rv_target_init() and the helpers allocated (not priv). */
void rv_target_deinit(struct rv_target *t);
/** Forget cached layouts (after the backend loaded new debug info). */
void rv_target_flush_cache(struct rv_target *t);

// ---- memory ----
struct rv_error *rv_read(struct rv_target *t, rv_addr_t addr, void *buf,
			 size_t len);
struct rv_error *rv_read_u8(struct rv_target *t, rv_addr_t addr, uint8_t *ret);
struct rv_error *rv_read_u16(struct rv_target *t, rv_addr_t addr, uint16_t *ret);
struct rv_error *rv_read_u32(struct rv_target *t, rv_addr_t addr, uint32_t *ret);
struct rv_error *rv_read_u64(struct rv_target *t, rv_addr_t addr, uint64_t *ret);
/** Read an unsigned integer of @p size bytes (1, 2, 4, 8). */
struct rv_error *rv_read_uint(struct rv_target *t, rv_addr_t addr, size_t size,
			      uint64_t *ret);
/** Read a NUL-terminated string of at most @p size-1 bytes into @p buf. */
struct rv_error *rv_read_cstr(struct rv_target *t, rv_addr_t addr, char *buf,
			      size_t size);

// ---- layout (cached) ----
struct rv_error *rv_type_size(struct rv_target *t, const char *type,
			      uint64_t *ret);
/** A member by dotted path. */
struct rv_error *rv_member(struct rv_target *t, const char *type,
			   const char *path, struct rv_member *ret);
bool rv_member_exists(struct rv_target *t, const char *type, const char *path);
bool rv_type_exists(struct rv_target *t, const char *type);
/** Offset of a member by dotted path. */
struct rv_error *rv_member_offset(struct rv_target *t, const char *type,
				  const char *path, uint64_t *ret);

// ---- member reads ----
/**
 * Read a scalar member (int, bool, enum, pointer, bitfield) of the object at
 * @p obj, zero-extended.
 */
struct rv_error *rv_read_member(struct rv_target *t, rv_addr_t obj,
				const char *type, const char *path,
				uint64_t *ret);
/** Same, sign-extended from the member's size (for int counters). */
struct rv_error *rv_read_member_s(struct rv_target *t, rv_addr_t obj,
				  const char *type, const char *path,
				  int64_t *ret);
/** Address of a member: obj + offset. */
struct rv_error *rv_member_addr(struct rv_target *t, rv_addr_t obj,
				const char *type, const char *path,
				rv_addr_t *ret);
/** Read a char array member or a char * member's string. */
struct rv_error *rv_read_member_str(struct rv_target *t, rv_addr_t obj,
				    const char *type, const char *path,
				    char *buf, size_t size);
/** Start of the object containing the member at @p member_addr. */
struct rv_error *rv_container_of(struct rv_target *t, rv_addr_t member_addr,
				 const char *type, const char *path,
				 rv_addr_t *ret);

// ---- symbols ----
struct rv_error *rv_symbol(struct rv_target *t, const char *name,
			   rv_addr_t *ret);
/**
 * Address -> function: the name (into @p name, @p size bytes) and offset
 * of the kernel or module function holding @p addr (THE symboliser; each
 * backend answers it from its own symbol tables). RV_ERR_LOOKUP when no
 * function holds it, RV_ERR_NODEBUG when the backend cannot tell.
 */
struct rv_error *rv_symbolize(struct rv_target *t, rv_addr_t addr, char *name,
			      size_t size, uint64_t *offset);
struct rv_error *rv_enum_value(struct rv_target *t, const char *name,
			       int64_t *ret);
/** Every enumerator of the enum type @p type, from the debug info. */
struct rv_error *rv_enumerators(struct rv_target *t, const char *type,
				rv_enumerator_fn visit, void *arg);
struct rv_error *rv_module_debuginfo(struct rv_target *t, const char *module);
/**
 * The dumped kernel's PAGE_SIZE: the backend's answer, else VMCOREINFO
 * PAGESIZE. RV_ERR_LOOKUP if neither knows; RV_ERR_CORRUPT if the value is
 * not a power of two between 4 KiB and 64 KiB.
 */
struct rv_error *rv_page_size(struct rv_target *t, uint64_t *ret);
/** The dump file's notes and headers; RV_ERR_LOOKUP if the backend cannot tell. */
struct rv_error *rv_dump_file(struct rv_target *t, struct rv_dump_file *ret);

// ---- CPUs and per-CPU data ----
/** nr_cpu_ids of the dumped kernel. */
struct rv_error *rv_nr_cpu_ids(struct rv_target *t, int *ret);
/** __per_cpu_offset[cpu]. */
struct rv_error *rv_percpu_offset(struct rv_target *t, int cpu, uint64_t *ret);
/** Address of a __percpu pointer or DEFINE_PER_CPU symbol on @p cpu. */
struct rv_error *rv_percpu_addr(struct rv_target *t, rv_addr_t ptr, int cpu,
				rv_addr_t *ret);
/** Whether @p cpu is in __cpu_online_mask. */
struct rv_error *rv_cpu_online(struct rv_target *t, int cpu, bool *ret);
/** Read a struct cpumask (or cpumask_var_t contents) at @p addr into bits. */
struct rv_error *rv_read_cpumask(struct rv_target *t, rv_addr_t addr,
				 uint64_t *bits, int nbits);

// ---- list walks ----
/**
 * A bounded, cycle-safe walk of a `struct list_head` list. Yields node
 * addresses (the list_head embedded in each element), never the head.
 */
struct rv_list_iter {
	struct rv_target *t;
	rv_addr_t head;
	rv_addr_t next;
	unsigned int count;
	unsigned int max;
	rv_addr_t brent_mark;	/**< Brent's cycle detection */
	unsigned int brent_power, brent_lambda;
	bool done;
};

void rv_list_iter_init(struct rv_list_iter *it, struct rv_target *t,
		       rv_addr_t head);
/**
 * Next node in *ret. Returns NULL and sets *ret = 0 at the end. On a fault,
 * a cycle that does not pass through the head, or more than it->max nodes,
 * returns an error (the walk stops).
 */
struct rv_error *rv_list_iter_next(struct rv_list_iter *it, rv_addr_t *ret);

// ---- address sanity ----
/** Parse a kernel address typed by a user ("0xffff..." or "ffff..."). */
bool rv_parse_addr(const char *s, rv_addr_t *ret);
/** x86_64 canonical kernel-half address. */
bool rv_addr_kernel(rv_addr_t addr);
/** Name of a known poison / list-poison pattern, or NULL. */
const char *rv_addr_poison(rv_addr_t addr);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file facts.h
 * The facts data model and the decoders that produce it.
 *
 * Facts are one JSON document (schema "raidvirt.facts/1") built with jq's
 * `jv` values, so the rule engine evaluates jq over the very same values.
 *
 * Conventions (docs/facts.md):
 *  - kernel addresses are strings "0xffff888004a3c000" (JSON numbers are
 *    doubles and cannot hold them); counters are JSON numbers, raw kernel
 *    values; derived values sit next to the raw ones they come from;
 *  - a part that could not be read carries "error": "..." and the rest of
 *    the document goes on;
 *  - a subsystem whose module is not loaded is {"present": false,
 *    "reason": "..."}.
 *
 * jv ownership: every jv passed to a function is consumed, as in libjq.
 */
#ifndef RV_FACTS_H
#define RV_FACTS_H

#include <jv.h>

#include "target.h"

#define RV_FACTS_SCHEMA "raidvirt.facts/1"

/** One decoder per subsystem. */
struct rv_decoder {
	const char *name;		/**< facts section: "md", "irq", ... */
	const char *summary;
	/** Modules whose debug info the decoder needs, NULL-terminated. */
	const char *const *modules;
	/**
	 * Decode the subsystem into a section object. Errors inside the
	 * section are recorded in it; a returned error means nothing at all
	 * could be decoded (the caller records it as the section's "error").
	 * @p select is NULL for everything, or what the user named: an
	 * object name (md0, vdb, virtio2) or a kernel address of one of the
	 * subsystem's objects (which need not be reachable from the usual
	 * roots). Decoders that do not support selection ignore it.
	 */
	struct rv_error *(*decode)(struct rv_target *t, const char *select,
				   jv *ret);
};

extern const struct rv_decoder rv_decoder_dump;
extern const struct rv_decoder rv_decoder_log;
extern const struct rv_decoder rv_decoder_md;
extern const struct rv_decoder rv_decoder_irq;
extern const struct rv_decoder rv_decoder_blk;
extern const struct rv_decoder rv_decoder_virtio;

/** A decoder by section name, from the section table (sections.h). */
const struct rv_decoder *rv_decoder_find(const char *name);

/**
 * Run one decoder, loading its modules' debug info first. Always returns a
 * section object ({"present": false, ...} or {"error": ...} on failure).
 */
jv rv_facts_section(struct rv_target *t, const struct rv_decoder *d,
		      const char *select);
/**
 * The whole document: {"schema", "dump", "log", "md", "irq", "blk",
 * "virtio", "findings": []}. @p only: NULL for all, or one section name
 * ("dump" is always included).
 */
jv rv_facts_collect(struct rv_target *t, const char *only);

// ---- completeness (lib/facts_status.c, docs/facts.md "Completeness") ----

/** {"name": "raidvirt", "version": RV_VERSION} (the Makefile's VERSION). */
jv rv_tool_identity(void);
/**
 * How complete @p doc (consumed) is: {complete, errors, missing}.
 * errors: [{section, path, message}] for every "error" recorded anywhere in
 * a section, and [{section: "rules", path: "findings", rule, message}] for
 * every rule error entry of .findings (bounded at 1000 entries).
 * missing: {debuginfo: [message] (kernel, from dump.debuginfo_missing),
 * modules: [{section, message}] (a section's debuginfo_missing),
 * rules: [message] (rule files or directories that could not be loaded)}.
 * complete is true when all of these are empty.
 */
jv rv_facts_status(jv doc);
/** @p doc (consumed) with "tool", "complete", "errors", "missing" set. */
jv rv_facts_seal(jv doc);
/** doc.complete is true (doc consumed). */
bool rv_facts_complete(jv doc);
/**
 * The facts document of a dump that could not be opened at all: dump is
 * {"error": why} (plus "debuginfo_missing" for RV_ERR_NODEBUG); sealed.
 * Consumes @p err.
 */
jv rv_facts_unreadable(struct rv_error *err);
/**
 * Check a facts document read from a file before rules run on it: an
 * object, the schema, "dump" an object, every other section an object when
 * present, findings an array. Returns the problems as errors[] entries
 * (empty: fit to evaluate). @p doc is consumed.
 */
jv rv_facts_validate(jv doc);

// ---- jv helpers ----
/** "0x%016llx" string. */
jv rv_jv_addr(rv_addr_t addr);
/** A JSON number for an unsigned counter (string if above 2^53). */
jv rv_jv_u64(uint64_t v);
jv rv_jv_s64(int64_t v);
/** The message of @p err as a jv string; destroys @p err. */
jv rv_jv_error(struct rv_error *err);
/** obj[key] = val, key a C string. */
jv rv_jv_set(jv obj, const char *key, jv val);
/** obj["error"] = message (appends to a list when one is already set). */
jv rv_jv_set_error(jv obj, struct rv_error *err);
/**
 * A decoded object is `trusted` when it was read whole (no "error" of its
 * own) and passed its decoder's consistency checks (back-pointers, counters
 * in plausible ranges); rules act on trusted objects only. @p doubts: an
 * array of strings, the checks that failed (consumed). Sets "trusted" and,
 * when false, "untrusted" (the reasons, also added to "error" so the
 * section never reads as clean).
 */
jv rv_jv_set_trust(jv obj, const char *what, jv doubts);
/** Append "why" (printf-style) to the array @p doubts. */
jv rv_jv_doubt(jv doubts, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** |v| below this is a plausible count of in-flight things (2^24). */
#define RV_PLAUSIBLE_COUNT (1 << 24)

/**
 * Natural order of names: digit runs compare as numbers, so virtio2 <
 * virtio10 < virtio100 and vdb < vdba. For every list of devices and disks.
 */
int rv_natcmp(const char *a, const char *b);
/** "s" unless @p n is 1: "%.0f CPU%s", n, rv_plural(n). */
const char *rv_plural(double n);

/** Parse a facts "0x..." address string (0 if not one). */
rv_addr_t rv_jv_get_addr(jv v);
/** obj[key] (invalid when @p obj is no object or has no @p key); does not consume @p obj. */
jv rv_jv_get(jv obj, const char *key);
/** Number at obj[key], or @p dflt; does not consume @p obj. */
double rv_jv_num(jv obj, const char *key, double dflt);
/** String at obj[key] or NULL; valid while @p obj lives; does not consume. */
const char *rv_jv_str(jv obj, const char *key);

// ---- member reads into facts keys (facts_read.c) ----
/*
 * Read member @p path of the @p type object at @p addr; on success set
 * (*obj)[key] (unless @p key is NULL) and *ret (if not NULL) and return true;
 * on failure record the error in *obj ("error") and return false. The _opt
 * forms return false without an error when the debug info lacks the member
 * (a member only some kernels have).
 */
bool rv_jv_put_u64(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		   const char *path, const char *key, uint64_t *ret);
bool rv_jv_put_s64(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		   const char *path, const char *key, int64_t *ret);
bool rv_jv_put_addr(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		    const char *path, const char *key, rv_addr_t *ret);
bool rv_jv_put_u64_opt(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		       const char *path, const char *key, uint64_t *ret);
bool rv_jv_put_bool_opt(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
			const char *path, const char *key, bool *ret);
/** A char array or char * member's string into (*obj)[key] and @p buf. */
bool rv_jv_put_str(struct rv_target *t, jv *obj, rv_addr_t addr, const char *type,
		   const char *path, const char *key, char *buf, size_t size);

#endif

// SPDX-License-Identifier: GPL-2.0-or-later
// Types, members and enumerators from DWARF through libdw. See dwarf_types.h.

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>

#include "dwarf_types.h"
#include "name_index.h"
#include "rv_cache.h"
#include "rv_file.h"
#include "type_source.h"

// ---- the name index ----

struct rv_dwarf {
	char *path;
	int fd;
	Elf *elf;
	Dwfl *dwfl;		// set for relocatable files
	Dwarf *dw;
	struct rv_name_index index;	// names -> DIE offsets, enumerators -> values
	Dwarf_CU *cursor;	// last unit indexed (NULL: none yet)
	bool exhausted;
	unsigned int units;
	double seconds;
	uint64_t info_size;	// .debug_info bytes, for progress
	void (*progress)(const char *msg);
	bool progress_shown;
	char damage[160];	// libdw's complaint while indexing ("" if none)
	// The persistent index (see "the index cache" below).
	char *cache_path;	// NULL: no cache for this file
	void *cache_map;	// the mapped cache file the names point into
	size_t cache_len;
	bool from_cache;	// the index was loaded, not built
	bool cache_write;	// build the whole index and write it on first use
	struct stat st;		// the debug file, for validating a cache
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int64_t enumerator_value(Dwarf_Die *e, bool is_signed)
{
	Dwarf_Attribute a;
	if (!dwarf_attr(e, DW_AT_const_value, &a))
		return 0;
	unsigned int form = dwarf_whatform(&a);
	Dwarf_Sword s;
	Dwarf_Word u;
	if (form == DW_FORM_sdata || form == DW_FORM_implicit_const)
		return dwarf_formsdata(&a, &s) ? 0 : s;
	if (dwarf_formudata(&a, &u))
		return 0;
	// dataN forms carry the bits; the enum's type says how to read them.
	int bits = form == DW_FORM_data1 ? 8 : form == DW_FORM_data2 ? 16 :
		   form == DW_FORM_data4 ? 32 : 64;
	if (is_signed && bits < 64 && (u >> (bits - 1)) & 1)
		u |= ~((UINT64_C(1) << bits) - 1);
	return (int64_t)u;
}

static bool enum_is_signed(Dwarf_Die *en)
{
	Dwarf_Attribute a;
	Dwarf_Die t;
	Dwarf_Word enc;
	if (!dwarf_attr_integrate(en, DW_AT_type, &a) || !dwarf_formref_die(&a, &t))
		return false;
	while (dwarf_tag(&t) == DW_TAG_typedef) {
		if (!dwarf_attr_integrate(&t, DW_AT_type, &a) ||
		    !dwarf_formref_die(&a, &t))
			return false;
	}
	if (!dwarf_attr(&t, DW_AT_encoding, &a) || dwarf_formudata(&a, &enc))
		return false;
	return enc == DW_ATE_signed || enc == DW_ATE_signed_char;
}

static void index_die(struct rv_dwarf *d, Dwarf_Die *die)
{
	int tag = dwarf_tag(die);
	enum rv_name_space ns;
	switch (tag) {
	case DW_TAG_structure_type:
		ns = RV_NS_STRUCT;
		break;
	case DW_TAG_union_type:
		ns = RV_NS_UNION;
		break;
	case DW_TAG_enumeration_type:
		ns = RV_NS_ENUM;
		break;
	case DW_TAG_typedef:
	case DW_TAG_base_type:
		ns = RV_NS_TYPE;
		break;
	default:
		return;
	}
	bool complete = !dwarf_hasattr(die, DW_AT_declaration);
	const char *name = dwarf_diename(die);
	if (name)
		rv_name_index_add(&d->index, ns, name, complete, dwarf_dieoffset(die));
	if (tag != DW_TAG_enumeration_type || !complete)
		return;
	bool is_signed = enum_is_signed(die);
	Dwarf_Die e;
	if (dwarf_child(die, &e) != 0)
		return;
	do {
		const char *en = dwarf_diename(&e);
		if (dwarf_tag(&e) == DW_TAG_enumerator && en)
			rv_name_index_add(&d->index, RV_NS_ENUMERATOR, en, true,
				  (uint64_t)enumerator_value(&e, is_signed));
	} while (dwarf_siblingof(&e, &e) == 0);
}

// Index the top-level DIEs of the next unit. False once all are done.
static bool index_next_unit(struct rv_dwarf *d)
{
	if (d->exhausted)
		return false;
	double t0 = now();
	Dwarf_CU *next;
	Dwarf_Die cudie, child;
	int rc = dwarf_get_units(d->dw, d->cursor, &next, NULL, NULL, &cudie, NULL);
	if (rc != 0) {
		// 1 is the end; -1 a unit libdw cannot read (zeroed
		// .debug_abbrev, cut .debug_info).
		if (rc < 0 && !d->damage[0])
			snprintf(d->damage, sizeof(d->damage), "%s", dwarf_errmsg(-1));
		d->exhausted = true;
		d->seconds += now() - t0;
		return false;
	}
	d->cursor = next;
	d->units++;
	int crc = dwarf_child(&cudie, &child);
	if (crc == 0) {
		do {
			index_die(d, &child);
		} while (dwarf_siblingof(&child, &child) == 0);
	} else if (crc < 0 && !d->damage[0]) {
		snprintf(d->damage, sizeof(d->damage), "unit at %#" PRIx64 ": %s",
			 (uint64_t)dwarf_dieoffset(&cudie), dwarf_errmsg(-1));
	}
	d->seconds += now() - t0;
	if (d->progress && d->info_size && d->units % 64 == 0) {
		char msg[160];
		const char *base = strrchr(d->path, '/');
		snprintf(msg, sizeof(msg), "indexing types of %s: %u%%",
			 base ? base + 1 : d->path,
			 (unsigned int)(dwarf_dieoffset(&cudie) * 100 / d->info_size));
		d->progress(msg);
		d->progress_shown = true;
	}
	return true;
}

// A complete entry for the name, indexing further units as needed; a
// declaration-only entry if that is all the file has; NULL if none.
static void cache_store(struct rv_dwarf *d);

static const struct rv_name_entry *lookup(struct rv_dwarf *d, enum rv_name_space ns,
					  const char *name)
{
	const struct rv_name_entry *e;
	if (d->cache_write) {
		// The first run on this file indexes it all, once, for the cache.
		d->cache_write = false;
		while (index_next_unit(d))
			;
		cache_store(d);
	}
	for (;;) {
		e = rv_name_index_find(&d->index, ns, name);
		if ((e && e->complete) || !index_next_unit(d))
			break;
	}
	if (d->progress_shown) {
		d->progress(NULL);
		d->progress_shown = false;
	}
	return e;
}

struct rv_error *rv_dwarf_check_struct(struct rv_dwarf *d, const char *name)
{
	const struct rv_name_entry *e = lookup(d, RV_NS_STRUCT, name);
	if (e && e->complete)
		return NULL;
	if (d->damage[0])
		return rv_error_format(RV_ERR_NODEBUG,
				       "%s: damaged debug info (libdw: %s): no struct %s",
				       d->path, d->damage, name);
	if (!d->units)
		return rv_error_format(RV_ERR_NODEBUG, "%s: empty debug info (no unit in .debug_info)",
				       d->path);
	return rv_error_format(RV_ERR_NODEBUG, "%s: no struct %s in its debug info", d->path, name);
}

void rv_dwarf_stats(const struct rv_dwarf *dw, struct rv_dwarf_stats *ret)
{
	ret->units_indexed = dw->units;
	ret->units_total = dw->exhausted ? dw->units : 0;
	ret->names = dw->index.used;
	ret->seconds = dw->seconds;
}

// ---- the index cache ----
//
// Building the name index walks the top-level DIEs of every unit of
// vmlinux (0.3-0.4 s, and most of its 160 MB .debug_info paged in), the
// same work on every run for the same kernel. So the first run on a debug
// file indexes it whole and writes the index to a cache directory, one file
// per build id: $RAIDVIRT_CACHE, else $XDG_CACHE_HOME/raidvirt, else
// ~/.cache/raidvirt (RAIDVIRT_CACHE=off: no cache). Later runs map it.
//
// Never trusted blindly: the file must have the magic, version and length
// its header promises, a matching checksum, the debug file's build id,
// size, mtime and .debug_info size; every name offset is bounds-checked;
// and a DIE found through it must carry the name and tag looked up
// (find_complete()). Anything wrong: the cache is ignored, the index is
// built from the DWARF and the cache rewritten. Written to a temporary
// file and renamed, so concurrent runs see a whole file or none; a cache
// directory that cannot be written only costs the rebuild.

#define CACHE_MAGIC "RVDWIX01"

struct cache_header {
	char magic[8];
	uint32_t header_size;	// sizeof(struct cache_header), a version
	uint32_t build_id_len;
	uint8_t build_id[64];
	uint64_t file_size;
	int64_t mtime_sec, mtime_nsec;
	uint64_t info_size;
	uint32_t units;
	uint32_t nentries;
	uint64_t strtab_size;
	uint64_t checksum;	// FNV-1a of everything after the header
};

struct cache_entry {
	uint8_t ns, complete;
	uint16_t pad;
	uint32_t name;		// offset in the string table
	uint64_t val;
};

static bool cache_header_matches(const struct rv_dwarf *d, const struct cache_header *h,
				 const unsigned char *id, size_t idlen)
{
	return !memcmp(h->magic, CACHE_MAGIC, 8) && h->header_size == sizeof(*h) &&
	       h->build_id_len == idlen && !memcmp(h->build_id, id, idlen) &&
	       h->file_size == (uint64_t)d->st.st_size &&
	       h->mtime_sec == (int64_t)d->st.st_mtim.tv_sec &&
	       h->mtime_nsec == (int64_t)d->st.st_mtim.tv_nsec &&
	       h->info_size == d->info_size;
}

/** Map and check the cache file; true if the index now comes from it. */
static bool cache_load(struct rv_dwarf *d, const unsigned char *id, size_t idlen)
{
	int fd = open(d->cache_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	void *map = MAP_FAILED;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= sizeof(struct cache_header))
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return false;
	size_t len = (size_t)st.st_size;
	const struct cache_header *h = map;
	const struct cache_entry *ents = (const void *)(h + 1);
	const char *strtab = (const char *)(ents + h->nentries);
	// The sizes the header promises, without overflow, then the content.
	size_t body = len - sizeof(*h);
	bool ok = cache_header_matches(d, h, id, idlen) &&
		  h->nentries <= body / sizeof(*ents) &&
		  h->strtab_size == body - (size_t)h->nentries * sizeof(*ents) &&
		  h->strtab_size > 0 && strtab[h->strtab_size - 1] == '\0' &&
		  rv_fnv64(h + 1, body) == h->checksum;
	for (uint32_t i = 0; ok && i < h->nentries; i++)
		ok = ents[i].ns <= RV_NS_ENUMERATOR && ents[i].complete <= 1 &&
		     ents[i].name < h->strtab_size;
	if (!ok || !rv_name_index_reserve(&d->index, h->nentries)) {
		munmap(map, len);
		return false;
	}
	for (uint32_t i = 0; i < h->nentries; i++)
		rv_name_index_add(&d->index, ents[i].ns, strtab + ents[i].name,
				  ents[i].complete, ents[i].val);
	d->cache_map = map;
	d->cache_len = len;
	d->from_cache = true;
	d->exhausted = true;
	d->units = h->units;
	return true;
}

/** Forget a cache found wrong: index from the DWARF, rewrite the cache. */
static void cache_discard(struct rv_dwarf *d)
{
	rv_name_index_free(&d->index);
	if (d->cache_map)
		munmap(d->cache_map, d->cache_len);
	d->cache_map = NULL;
	d->from_cache = false;
	d->exhausted = false;
	d->cursor = NULL;
	d->units = 0;
	d->cache_write = d->cache_path != NULL;
}

/** Write the whole index of @p d to its cache file (best effort). */
static void cache_store(struct rv_dwarf *d)
{
	if (!d->cache_path || !d->exhausted || d->damage[0] || d->from_cache)
		return;
	const unsigned char *id;
	ssize_t idlen = dwelf_elf_gnu_build_id(d->elf, (const void **)&id);
	if (idlen <= 0 || idlen > 64)
		return;
	size_t n = d->index.used, strsize = 1;
	for (size_t i = 0; i < d->index.cap; i++)
		if (d->index.tab[i].name)
			strsize += strlen(d->index.tab[i].name) + 1;
	if (strsize > UINT32_MAX || n > UINT32_MAX)
		return;
	size_t len = sizeof(struct cache_header) + n * sizeof(struct cache_entry) + strsize;
	char *buf = calloc(1, len);
	if (!buf)
		return;
	struct cache_header *h = (void *)buf;
	struct cache_entry *ents = (void *)(h + 1);
	char *strtab = (char *)(ents + n);
	size_t k = 0, off = 1;	// offset 0: the empty string
	for (size_t i = 0; i < d->index.cap; i++) {
		const struct rv_name_entry *e = &d->index.tab[i];
		if (!e->name)
			continue;
		size_t l = strlen(e->name) + 1;
		memcpy(strtab + off, e->name, l);
		ents[k++] = (struct cache_entry){ .ns = e->ns, .complete = e->complete,
						  .name = (uint32_t)off, .val = e->val };
		off += l;
	}
	memcpy(h->magic, CACHE_MAGIC, 8);
	h->header_size = sizeof(*h);
	h->build_id_len = (uint32_t)idlen;
	memcpy(h->build_id, id, (size_t)idlen);
	h->file_size = (uint64_t)d->st.st_size;
	h->mtime_sec = (int64_t)d->st.st_mtim.tv_sec;
	h->mtime_nsec = (int64_t)d->st.st_mtim.tv_nsec;
	h->info_size = d->info_size;
	h->units = d->units;
	h->nentries = (uint32_t)n;
	h->strtab_size = strsize;
	h->checksum = rv_fnv64(h + 1, len - sizeof(*h));
	rv_cache_write(d->cache_path, buf, len);
	free(buf);
}

/** At open: the cache file's name, and the index from it when valid. */
static void cache_open(struct rv_dwarf *d)
{
	const unsigned char *id;
	ssize_t idlen = dwelf_elf_gnu_build_id(d->elf, (const void **)&id);
	if (idlen <= 0 || idlen > 64 || fstat(d->fd, &d->st))
		return;		// no build id: nothing to key a cache on
	char *dir = rv_cache_dir();
	if (!dir)
		return;
	char hex[129];
	for (ssize_t i = 0; i < idlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	if (asprintf(&d->cache_path, "%s/types-%s.idx", dir, hex) < 0)
		d->cache_path = NULL;
	free(dir);
	if (!d->cache_path)
		return;
	double t0 = now();
	if (cache_load(d, id, (size_t)idlen))
		d->seconds += now() - t0;
	else
		d->cache_write = true;
}

/** Is @p die the complete definition of @p name in name space @p ns? */
static bool die_is(Dwarf_Die *die, enum rv_name_space ns, const char *name)
{
	int tag = dwarf_tag(die);
	bool tag_ok = ns == RV_NS_STRUCT ? tag == DW_TAG_structure_type :
		      ns == RV_NS_UNION ? tag == DW_TAG_union_type :
		      ns == RV_NS_ENUM ? tag == DW_TAG_enumeration_type :
		      ns == RV_NS_TYPE && (tag == DW_TAG_typedef || tag == DW_TAG_base_type);
	const char *n = dwarf_diename(die);
	return tag_ok && n && !strcmp(n, name) && !dwarf_hasattr(die, DW_AT_declaration);
}

// ---- opening ----

static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
			Dwarf_Addr base, const char *file_name,
			const char *debuglink_file, GElf_Word debuglink_crc,
			char **debuginfo_file_name)
{
	return -1;	// the file we were given has the DWARF
}

static const Dwfl_Callbacks offline_callbacks = {
	.find_debuginfo = no_debuginfo,
	.section_address = dwfl_offline_section_address,
};

static struct rv_error *open_relocatable(struct rv_dwarf *d)
{
	d->dwfl = dwfl_begin(&offline_callbacks);
	if (!d->dwfl)
		return rv_error_format(RV_ERR_NODEBUG, "%s: %s", d->path,
				       dwfl_errmsg(-1));
	Dwfl_Module *mod = dwfl_report_offline(d->dwfl, d->path, d->path, -1);
	if (!mod || dwfl_report_end(d->dwfl, NULL, NULL) != 0)
		return rv_error_format(RV_ERR_NODEBUG, "%s: %s", d->path,
				       dwfl_errmsg(-1));
	Dwarf_Addr bias;
	d->dw = dwfl_module_getdwarf(mod, &bias);	// applies relocations
	if (!d->dw)
		return rv_error_format(RV_ERR_NODEBUG, "%s: no DWARF debug info (%s)",
				       d->path, dwfl_errmsg(-1));
	return NULL;
}

struct rv_error *rv_dwarf_open(const char *path, struct rv_dwarf **ret)
{
	struct rv_dwarf *d = calloc(1, sizeof(*d));
	if (!d)
		return &rv_enomem;
	d->fd = -1;
	struct rv_error *err = NULL;
	d->path = strdup(path);
	if (!d->path) {
		err = &rv_enomem;
		goto fail;
	}
	elf_version(EV_CURRENT);
	err = rv_file_open(path, "debug file", 0, &d->fd);
	if (err) {
		d->fd = -1;
		goto fail;
	}
	d->elf = elf_begin(d->fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!d->elf || elf_kind(d->elf) != ELF_K_ELF || !gelf_getehdr(d->elf, &eh)) {
		err = rv_error_format(RV_ERR_NODEBUG, "%s: not an ELF file", path);
		goto fail;
	}
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(d->elf, scn))) {
		GElf_Shdr sh;
		size_t shstrndx;
		const char *name;
		if (gelf_getshdr(scn, &sh) && !elf_getshdrstrndx(d->elf, &shstrndx) &&
		    (name = elf_strptr(d->elf, shstrndx, sh.sh_name)) &&
		    !strcmp(name, ".debug_info"))
			d->info_size = sh.sh_size;
	}
	if (eh.e_type == ET_REL) {
		err = open_relocatable(d);
	} else {
		d->dw = dwarf_begin_elf(d->elf, DWARF_C_READ, NULL);
		if (!d->dw)
			err = rv_error_format(RV_ERR_NODEBUG, "%s: no DWARF debug info (%s)",
					      path, dwarf_errmsg(-1));
	}
	if (err)
		goto fail;
	cache_open(d);
	*ret = d;
	return NULL;
fail:
	rv_dwarf_close(d);
	return err;
}

void rv_dwarf_close(struct rv_dwarf *d)
{
	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);	// owns d->dw
	else if (d->dw)
		dwarf_end(d->dw);
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	rv_name_index_free(&d->index);	// before the map its names point into
	if (d->cache_map)
		munmap(d->cache_map, d->cache_len);
	free(d->cache_path);
	free(d->path);
	free(d);
}

void rv_dwarf_set_progress(struct rv_dwarf *d, void (*fn)(const char *msg))
{
	d->progress = fn;
}

const char *rv_dwarf_path(const struct rv_dwarf *d)
{
	return d->path;
}

void rv_elf_build_id(struct Elf *elf, char *buf, size_t size)
{
	const void *id;
	ssize_t len = elf ? dwelf_elf_gnu_build_id(elf, &id) : -1;
	size_t n = 0;
	buf[0] = '\0';
	for (ssize_t i = 0; i < len && n + 3 <= size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%02x", ((const unsigned char *)id)[i]);
}

void rv_dwarf_build_id(const struct rv_dwarf *d, char *buf, size_t size)
{
	rv_elf_build_id(d->elf, buf, size);
}

// ---- type names ----

// A complete DIE for (ns, name) from the first file that has one.
static bool find_complete(const struct rv_types *ts, enum rv_name_space ns,
			  const char *name, Dwarf_Die *ret)
{
	for (size_t i = 0; i < ts->nfiles; i++) {
		struct rv_dwarf *d = ts->files[i];
		for (;;) {
			const struct rv_name_entry *e = lookup(d, ns, name);
			if (!e || !e->complete)
				break;
			bool found = dwarf_offdie(d->dw, e->val, ret);
			if (found && (!d->from_cache || die_is(ret, ns, name)))
				return true;
			if (!d->from_cache)
				break;
			cache_discard(d);	// a cache that points elsewhere: rebuild
		}
	}
	return false;
}

// Parse a C type spelling ("struct r1conf", "atomic_t", "unsigned long").
static bool find_type(const struct rv_types *ts, const char *type, Dwarf_Die *ret)
{
	enum rv_name_space ns;
	const char *name = rv_type_spelling(type, &ns);
	if (find_complete(ts, ns, name, ret))
		return true;
	const char *alias = ns == RV_NS_TYPE ? rv_base_type_alias(name) : NULL;
	return alias && find_complete(ts, RV_NS_TYPE, alias, ret);
}

// ---- DIE helpers ----

static bool die_type(Dwarf_Die *die, Dwarf_Die *ret)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(die, DW_AT_type, &a) && dwarf_formref_die(&a, ret);
}

static bool is_aggregate_tag(int tag)
{
	return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_enumeration_type;
}

// Complete definition for a declaration-only struct/union/enum DIE (the
// CU only saw `struct foo;`): look its name up in every file.
static bool resolve_declaration(const struct rv_types *ts, Dwarf_Die *die)
{
	if (!is_aggregate_tag(dwarf_tag(die)) || !dwarf_hasattr(die, DW_AT_declaration))
		return true;
	const char *name = dwarf_diename(die);
	if (!name)
		return false;
	enum rv_name_space ns = dwarf_tag(die) == DW_TAG_structure_type ? RV_NS_STRUCT :
			     dwarf_tag(die) == DW_TAG_union_type ? RV_NS_UNION : RV_NS_ENUM;
	return find_complete(ts, ns, name, die);
}

/**
 * Strip typedefs and qualifiers. False for void (no type). A declaration
 * is replaced by the complete definition when one exists.
 */
static bool strip_type(const struct rv_types *ts, Dwarf_Die *die, Dwarf_Die *ret)
{
	Dwarf_Die t = *die;
	for (int depth = 0; depth < 64; depth++) {
		switch (dwarf_tag(&t)) {
		case DW_TAG_typedef:
		case DW_TAG_const_type:
		case DW_TAG_volatile_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			if (!die_type(&t, &t))
				return false;	// const void
			continue;
		default:
			resolve_declaration(ts, &t);
			*ret = t;
			return true;
		}
	}
	return false;
}

static enum rv_kind kind_of(Dwarf_Die *t)
{
	Dwarf_Attribute a;
	Dwarf_Word enc;
	switch (dwarf_tag(t)) {
	case DW_TAG_base_type:
		if (!dwarf_attr(t, DW_AT_encoding, &a) || dwarf_formudata(&a, &enc))
			return RV_KIND_OTHER;
		switch (enc) {
		case DW_ATE_boolean:
			return RV_KIND_BOOL;
		case DW_ATE_float:
		case DW_ATE_complex_float:
			return RV_KIND_OTHER;
		default:
			return RV_KIND_INT;
		}
	case DW_TAG_enumeration_type:
		return RV_KIND_ENUM;
	case DW_TAG_pointer_type:
		return RV_KIND_PTR;
	case DW_TAG_array_type:
		return RV_KIND_ARRAY;
	case DW_TAG_structure_type:
		return RV_KIND_STRUCT;
	case DW_TAG_union_type:
		return RV_KIND_UNION;
	case DW_TAG_subroutine_type:
		return RV_KIND_FUNC;
	default:
		return RV_KIND_OTHER;
	}
}

static uint64_t udata_attr(Dwarf_Die *die, unsigned int name, uint64_t dflt)
{
	Dwarf_Attribute a;
	Dwarf_Word v;
	if (!dwarf_attr_integrate(die, name, &a) || dwarf_formudata(&a, &v))
		return dflt;
	return v;
}

/**
 * Dimensions of an array type: the first one's count in *nelem (0 when
 * flexible: no bound, or a bound of -1) and the byte size of one element
 * (the remaining dimensions times the base type).
 */
static bool array_shape(const struct rv_types *ts, Dwarf_Die *arr,
			uint64_t *nelem, uint64_t *elem_size, Dwarf_Die *base)
{
	uint64_t counts[16];
	int ndims = 0;
	Dwarf_Die sub;
	if (dwarf_child(arr, &sub) == 0) {
		do {
			if (dwarf_tag(&sub) != DW_TAG_subrange_type || ndims == 16)
				continue;
			Dwarf_Attribute a;
			Dwarf_Sword s;
			uint64_t count = 0;
			if (dwarf_attr_integrate(&sub, DW_AT_count, &a)) {
				count = udata_attr(&sub, DW_AT_count, 0);
			} else if (dwarf_attr_integrate(&sub, DW_AT_upper_bound, &a)) {
				uint64_t lower = udata_attr(&sub, DW_AT_lower_bound, 0);
				Dwarf_Word u;
				// `x[0]` has an upper bound of -1 in some forms.
				if (dwarf_whatform(&a) == DW_FORM_sdata) {
					if (!dwarf_formsdata(&a, &s) && s >= (Dwarf_Sword)lower)
						count = (uint64_t)s - lower + 1;
				} else if (!dwarf_formudata(&a, &u) && u != (Dwarf_Word)-1 &&
					   u != 0xffffffffu && u >= lower) {
					count = u - lower + 1;
				}
			}
			counts[ndims++] = count;
		} while (dwarf_siblingof(&sub, &sub) == 0);
	}
	if (!die_type(arr, base))
		return false;
	Dwarf_Die t;
	uint64_t size = 0;
	Dwarf_Word w;
	if (strip_type(ts, base, &t)) {
		if (dwarf_tag(&t) == DW_TAG_pointer_type)
			size = udata_attr(&t, DW_AT_byte_size, 8);
		else if (dwarf_aggregate_size(&t, &w) == 0)
			size = w;
	}
	for (int i = ndims - 1; i >= 1; i--)
		size *= counts[i];
	*nelem = ndims ? counts[0] : 0;
	*elem_size = size;
	return true;
}

static bool type_size_die(const struct rv_types *ts, Dwarf_Die *die, uint64_t *ret)
{
	Dwarf_Die t;
	if (!strip_type(ts, die, &t))
		return false;
	switch (dwarf_tag(&t)) {
	case DW_TAG_pointer_type:
		*ret = udata_attr(&t, DW_AT_byte_size, 8);
		return true;
	case DW_TAG_array_type: {
		uint64_t nelem, esize;
		Dwarf_Die base;
		if (!array_shape(ts, &t, &nelem, &esize, &base))
			return false;
		*ret = nelem * esize;
		return true;
	}
	case DW_TAG_subroutine_type:
		return false;
	default:
		if (dwarf_hasattr(&t, DW_AT_declaration))
			return false;
		Dwarf_Word w;
		if (dwarf_aggregate_size(&t, &w) != 0)
			return false;
		*ret = w;
		return true;
	}
}

// Informational C spelling of a type ("struct foo *", "char [16]").
static void type_name(Dwarf_Die *die, char *buf, size_t size, int depth)
{
	const char *name = dwarf_diename(die);
	const char *tag = "";
	Dwarf_Die t;
	buf[0] = '\0';
	if (depth > 8)
		return;
	switch (dwarf_tag(die)) {
	case DW_TAG_structure_type:
		tag = "struct ";
		break;
	case DW_TAG_union_type:
		tag = "union ";
		break;
	case DW_TAG_enumeration_type:
		tag = "enum ";
		break;
	case DW_TAG_pointer_type: {
		char inner[96] = "void";
		if (die_type(die, &t))
			type_name(&t, inner, sizeof(inner), depth + 1);
		snprintf(buf, size, "%s *", inner);
		return;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type: {
		char inner[96] = "void";
		if (die_type(die, &t))
			type_name(&t, inner, sizeof(inner), depth + 1);
		snprintf(buf, size, "%s %s",
			 dwarf_tag(die) == DW_TAG_const_type ? "const" : "volatile", inner);
		return;
	}
	case DW_TAG_array_type: {
		char inner[96] = "";
		Dwarf_Die sub;
		uint64_t n = 0;
		if (die_type(die, &t))
			type_name(&t, inner, sizeof(inner), depth + 1);
		if (dwarf_child(die, &sub) == 0)
			n = udata_attr(&sub, DW_AT_count,
				       udata_attr(&sub, DW_AT_upper_bound, (uint64_t)-1) + 1);
		snprintf(buf, size, "%s [%" PRIu64 "]", inner, n);
		return;
	}
	case DW_TAG_subroutine_type:
		snprintf(buf, size, "function");
		return;
	default:
		break;
	}
	snprintf(buf, size, "%s%s", tag, name ? name : "(anonymous)");
}

// ---- members ----

// Bit position of a member from the start of its struct (DWARF 2-5 forms).
static bool member_bitpos(Dwarf_Die *m, uint64_t *ret)
{
	Dwarf_Attribute a;
	if (dwarf_attr_integrate(m, DW_AT_data_bit_offset, &a)) {
		Dwarf_Word v;
		if (dwarf_formudata(&a, &v))
			return false;
		*ret = v;
		return true;
	}
	uint64_t byte = 0;
	if (dwarf_attr_integrate(m, DW_AT_data_member_location, &a)) {
		Dwarf_Word v;
		Dwarf_Op *ops;
		size_t nops;
		if (dwarf_formudata(&a, &v) == 0) {
			byte = v;
		} else if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
			   ops[0].atom == DW_OP_plus_uconst) {
			byte = ops[0].number;	// DWARF 2 location expression
		} else {
			return false;
		}
	}
	uint64_t bits = byte * 8;
	if (dwarf_hasattr(m, DW_AT_bit_offset)) {
		// DWARF 2-4: bit_offset counts from the most significant bit
		// of a storage unit of byte_size bytes; x86_64 is little endian.
		Dwarf_Die t;
		Dwarf_Word tsize = 0;
		uint64_t storage = udata_attr(m, DW_AT_byte_size, 0);
		if (!storage && die_type(m, &t) && dwarf_aggregate_size(&t, &tsize) == 0)
			storage = tsize;
		uint64_t bit_off = udata_attr(m, DW_AT_bit_offset, 0);
		uint64_t bit_size = udata_attr(m, DW_AT_bit_size, 0);
		bits += storage * 8 - bit_off - bit_size;
	}
	*ret = bits;
	return true;
}

/**
 * Find member @p name (length @p len) of the struct/union @p agg, searching
 * anonymous struct/union members transparently. *ret_bits accumulates the
 * bit position from the outermost object.
 */
static bool find_member(const struct rv_types *ts, Dwarf_Die *agg,
			const char *name, size_t len, uint64_t base_bits,
			Dwarf_Die *ret, uint64_t *ret_bits, int depth)
{
	Dwarf_Die m;
	if (depth > 16 || dwarf_child(agg, &m) != 0)
		return false;
	do {
		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		uint64_t pos;
		if (!member_bitpos(&m, &pos))
			continue;
		const char *mname = dwarf_diename(&m);
		if (mname) {
			if (strlen(mname) == len && !memcmp(mname, name, len)) {
				*ret = m;
				*ret_bits = base_bits + pos;
				return true;
			}
			continue;
		}
		Dwarf_Die mt, inner;
		if (die_type(&m, &mt) && strip_type(ts, &mt, &inner) &&
		    (dwarf_tag(&inner) == DW_TAG_structure_type ||
		     dwarf_tag(&inner) == DW_TAG_union_type) &&
		    find_member(ts, &inner, name, len, base_bits + pos, ret, ret_bits,
				depth + 1))
			return true;
	} while (dwarf_siblingof(&m, &m) == 0);
	return false;
}

static bool is_struct_or_union(Dwarf_Die *t)
{
	int tag = dwarf_tag(t);
	return (tag == DW_TAG_structure_type || tag == DW_TAG_union_type) &&
	       !dwarf_hasattr(t, DW_AT_declaration);
}

static void describe_member(const struct rv_types *ts, Dwarf_Die *m,
			    uint64_t bits, struct rv_member *ret)
{
	struct rv_member r = { 0 };
	Dwarf_Die mt, t;
	bool typed = die_type(m, &mt);
	uint64_t bit_size = udata_attr(m, DW_AT_bit_size, 0);
	r.offset = bits / 8;
	if (bit_size) {
		r.bit_offset = (unsigned int)(bits % 8);
		r.bit_size = (unsigned int)bit_size;
	}
	if (typed) {
		type_name(&mt, r.type_name, sizeof(r.type_name), 0);
		if (strip_type(ts, &mt, &t)) {
			r.kind = kind_of(&t);
			if (r.kind == RV_KIND_ARRAY) {
				Dwarf_Die base, bt;
				if (array_shape(ts, &t, &r.nelem, &r.target_size, &base)) {
					r.size = r.nelem * r.target_size;
					// A multi-dimensional array's element is an array.
					int dims = 0;
					Dwarf_Die sub;
					if (dwarf_child(&t, &sub) == 0) {
						do {
							dims += dwarf_tag(&sub) == DW_TAG_subrange_type;
						} while (dwarf_siblingof(&sub, &sub) == 0);
					}
					if (dims > 1)
						r.target_kind = RV_KIND_ARRAY;
					else if (strip_type(ts, &base, &bt))
						r.target_kind = kind_of(&bt);
				}
			} else {
				type_size_die(ts, &t, &r.size);
			}
			if (r.kind == RV_KIND_PTR) {
				Dwarf_Die pt, ptt;
				if (die_type(&t, &pt) && strip_type(ts, &pt, &ptt)) {
					r.target_kind = kind_of(&ptt);
					if (r.target_kind != RV_KIND_FUNC)
						type_size_die(ts, &ptt, &r.target_size);
				}
			}
		}
	}
	*ret = r;
}

struct rv_error *rv_types_member(const struct rv_types *ts, const char *type,
				 const char *path, struct rv_member *ret)
{
	Dwarf_Die die, agg;
	if (!find_type(ts, type, &die))
		return rv_error_format(RV_ERR_LOOKUP, "no type '%s' in the debug info", type);
	if (!strip_type(ts, &die, &agg) || !is_struct_or_union(&agg))
		return rv_error_format(RV_ERR_LOOKUP, "'%s' is not a struct or union", type);
	uint64_t bits = 0;
	Dwarf_Die m;
	const char *comp = path;
	for (;;) {
		// A component is a member name, optionally indexed when it is
		// an array of structs: "__domains[0].store".
		const char *dot = strchr(comp, '.');
		const char *end = dot ? dot : comp + strlen(comp);
		const char *bracket = memchr(comp, '[', (size_t)(end - comp));
		size_t len = (size_t)((bracket ? bracket : end) - comp);
		if (!len || !find_member(ts, &agg, comp, len, bits, &m, &bits, 0))
			return rv_error_format(RV_ERR_LOOKUP,
					       "no member %s.%s in the debug info", type, path);
		if (!dot && !bracket)
			break;
		Dwarf_Die mt, mtt;
		if (dwarf_hasattr(&m, DW_AT_bit_size) || !die_type(&m, &mt) ||
		    !strip_type(ts, &mt, &mtt))
			return rv_error_format(RV_ERR_LOOKUP,
					       "%s.%.*s has no type in the debug info", type,
					       (int)(end - path), path);
		if (bracket) {
			char *close;
			unsigned long long idx = strtoull(bracket + 1, &close, 10);
			uint64_t nelem, elem_size;
			Dwarf_Die base;
			if (close == bracket + 1 || *close != ']' || close + 1 != end)
				return rv_error_format(RV_ERR_INVALID,
						       "bad member path '%s'", path);
			if (dwarf_tag(&mtt) != DW_TAG_array_type ||
			    !array_shape(ts, &mtt, &nelem, &elem_size, &base))
				return rv_error_format(RV_ERR_LOOKUP,
						       "%s.%.*s is not an array", type,
						       (int)(bracket - path), path);
			if (nelem && idx >= nelem)
				return rv_error_format(RV_ERR_LOOKUP,
						       "%s.%.*s has %" PRIu64 " elements",
						       type, (int)(bracket - path), path, nelem);
			if (!dot)
				return rv_error_format(RV_ERR_INVALID,
						       "member path '%s' ends in an index: "
						       "ask for the array", path);
			bits += idx * elem_size * 8;
			mtt = base;
			if (!strip_type(ts, &base, &mtt))
				return rv_error_format(RV_ERR_LOOKUP,
						       "%s.%.*s: element has no type", type,
						       (int)(end - path), path);
		} else if (dwarf_tag(&mtt) == DW_TAG_array_type) {
			return rv_error_format(RV_ERR_LOOKUP,
					       "%s.%.*s is an array: name an element "
					       "(%.*s[0])", type, (int)(end - path), path,
					       (int)len, comp);
		}
		agg = mtt;
		if (!is_struct_or_union(&agg))
			return rv_error_format(RV_ERR_LOOKUP,
					       "%s.%.*s is not a struct or union", type,
					       (int)(end - path), path);
		comp = dot + 1;
	}
	describe_member(ts, &m, bits, ret);
	return NULL;
}

struct rv_error *rv_types_size(const struct rv_types *ts, const char *type,
			       uint64_t *ret)
{
	size_t len = strlen(type);
	while (len && type[len - 1] == ' ')
		len--;
	if (len && type[len - 1] == '*') {
		*ret = 8;	// x86_64 pointers
		return NULL;
	}
	Dwarf_Die die;
	if (!find_type(ts, type, &die) || !type_size_die(ts, &die, ret))
		return rv_error_format(RV_ERR_LOOKUP, "no type '%s' in the debug info", type);
	return NULL;
}

struct rv_error *rv_types_enum(const struct rv_types *ts, const char *name,
			       int64_t *ret)
{
	for (size_t i = 0; i < ts->nfiles; i++) {
		const struct rv_name_entry *e = lookup(ts->files[i], RV_NS_ENUMERATOR, name);
		if (e) {
			*ret = (int64_t)e->val;
			return NULL;
		}
	}
	return rv_error_format(RV_ERR_LOOKUP, "no enumerator %s", name);
}

struct rv_error *rv_types_enumerators(const struct rv_types *ts, const char *type,
				      rv_enumerator_fn visit, void *arg)
{
	Dwarf_Die die, en, e;
	if (!find_type(ts, type, &die) || !strip_type(ts, &die, &en) ||
	    dwarf_tag(&en) != DW_TAG_enumeration_type)
		return rv_error_format(RV_ERR_LOOKUP, "no enum type '%s' in the debug info",
				       type);
	bool is_signed = enum_is_signed(&en);
	if (dwarf_child(&en, &e) != 0)
		return NULL;
	do {
		const char *name = dwarf_diename(&e);
		if (dwarf_tag(&e) == DW_TAG_enumerator && name &&
		    !visit(name, enumerator_value(&e, is_signed), arg))
			break;
	} while (dwarf_siblingof(&e, &e) == 0);
	return NULL;
}

// ---- as a type source ----

static struct rv_error *src_size(void *src, const char *type, uint64_t *ret)
{
	return rv_types_size(src, type, ret);
}

static struct rv_error *src_member(void *src, const char *type, const char *path,
				   struct rv_member *ret)
{
	return rv_types_member(src, type, path, ret);
}

static struct rv_error *src_enum(void *src, const char *name, int64_t *ret)
{
	return rv_types_enum(src, name, ret);
}

static struct rv_error *src_enumerators(void *src, const char *type, rv_enumerator_fn visit,
				       void *arg)
{
	return rv_types_enumerators(src, type, visit, arg);
}

const struct rv_type_source_ops rv_dwarf_source_ops = {
	.name = "dwarf",
	.size = src_size,
	.member = src_member,
	.enum_value = src_enum,
	.enumerators = src_enumerators,
};

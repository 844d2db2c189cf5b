// SPDX-License-Identifier: GPL-2.0-or-later
// Section "log": the kernel log of the dump.
//
// Two layouts, chosen by which symbols the debug info has:
//  - v5.10+ (896fbe20b4e2 "printk: use the lockless ringbuffer"): `prb`
//    points to a struct printk_ringbuffer, a ring of descriptors + infos and
//    a ring of text data blocks;
//  - v3.5-v5.9 (7ff9554bb578 "printk: convert byte-buffer to variable-length
//    record buffer"): log_buf holds struct printk_log records (struct log up
//    to v3.10) walked from log_first_idx to log_next_idx.
// `log_buf` exists in both (since v5.10 it points into the text data ring),
// so it decides nothing; `prb` and `log_first_idx` do.
//
// Both rings are read with a few large reads (a few hundred KiB), then
// decoded from the copies. Every index taken from the dump is checked
// against the copy it indexes; every walk is bounded.

#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "kernel_log.h"

// What a dump may make us allocate. CONFIG_LOG_BUF_SHIFT is at most 25
// (32 MiB) and the kernel sizes the descriptor ring at one descriptor per 32
// bytes of text; a larger log_buf_len= boot value is refused, not trusted.
#define LOG_MAX_DATA_BITS 25
#define LOG_MAX_DESC_BITS 20

// Pages of a large region are retried one by one when the whole read fails.
#define LOG_READ_CHUNK 4096

// The ringbuffer's data-less block positions (printk_ringbuffer.h):
// FAILED_LPOS marks a record whose text could not be stored, NO_LPOS a
// record that has no text (an empty line).
#define PRB_FAILED_LPOS 0x1
#define PRB_NO_LPOS 0x3

// ---- reading large regions ----

struct log_blob {
	uint8_t *buf;
	size_t len;
	size_t unreadable;	// bytes missing from the dump (zero-filled)
};

static void log_blob_free(struct log_blob *b)
{
	free(b->buf);
	b->buf = NULL;
}

/**
 * Copy @p len bytes at @p addr. If one read fails (part of the region is
 * not in the dump), read page by page and zero-fill what is missing; fail
 * only when nothing at all can be read.
 */
static struct rv_error *log_blob_read(struct rv_target *t, rv_addr_t addr,
				      size_t len, const char *what,
				      struct log_blob *ret)
{
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return &rv_enomem;
	size_t unreadable = 0;
	struct rv_error *err = rv_read(t, addr, buf, len);
	if (err) {
		rv_error_destroy(err);
		for (size_t off = 0; off < len;) {
			size_t n = LOG_READ_CHUNK - (addr + off) % LOG_READ_CHUNK;
			if (n > len - off)
				n = len - off;
			err = rv_read(t, addr + off, buf + off, n);
			if (err) {
				rv_error_destroy(err);
				memset(buf + off, 0, n);
				unreadable += n;
			}
			off += n;
		}
	}
	if (len && unreadable == len) {
		free(buf);
		return rv_error_fault(addr, "cannot read the %s (%zu bytes at %#" PRIx64 ")",
				      what, len, addr);
	}
	ret->buf = buf;
	ret->len = len;
	ret->unreadable = unreadable;
	return NULL;
}

static jv note_unreadable(jv sec, const struct log_blob *b, const char *what)
{
	if (!b->unreadable)
		return sec;
	return rv_jv_set_error(sec, rv_error_format(RV_ERR_FAULT,
			"%zu of %zu bytes of the %s are not in the dump "
			"(records there are marked with an error)",
			b->unreadable, b->len, what));
}

// ---- record fields from a copy ----

/**
 * Look up a scalar member of a record type and check that it lies inside a
 * record of @p rec_size bytes, so that field_get() never reads past a copy.
 */
static struct rv_error *record_member(struct rv_target *t, const char *type,
				      const char *path, uint64_t rec_size,
				      struct rv_member *ret)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, type, path, &m);
	if (err)
		return err;
	uint64_t nbytes = m.bit_size ? (m.bit_offset + m.bit_size + 7) / 8 : m.size;
	if (nbytes == 0 || nbytes > 8 || m.offset + nbytes > rec_size)
		return rv_error_format(RV_ERR_CORRUPT,
				       "%s.%s: %" PRIu64 " bytes at offset %" PRIu64
				       " do not fit a %" PRIu64 "-byte scalar in the record",
				       type, path, nbytes, m.offset, rec_size);
	*ret = m;
	return NULL;
}

/** Same for a char array member (dev_info.subsystem): only its bounds. */
static struct rv_error *record_array(struct rv_target *t, const char *type,
				     const char *path, uint64_t rec_size,
				     struct rv_member *ret)
{
	struct rv_member m;
	struct rv_error *err = rv_member(t, type, path, &m);
	if (err)
		return err;
	if (m.kind != RV_KIND_ARRAY || m.size == 0 || m.offset + m.size > rec_size)
		return rv_error_format(RV_ERR_CORRUPT, "%s.%s is not a char array "
				       "inside the record", type, path);
	*ret = m;
	return NULL;
}

/** A scalar member of a record copied out of the dump (x86_64: little endian). */
static uint64_t field_get(const uint8_t *rec, const struct rv_member *m)
{
	size_t nbytes = m->bit_size ? (m->bit_offset + m->bit_size + 7) / 8 : m->size;
	uint64_t v = 0;
	for (size_t i = 0; i < nbytes && i < 8; i++)
		v |= (uint64_t)rec[m->offset + i] << (8 * i);
	if (m->bit_size) {
		v >>= m->bit_offset;
		if (m->bit_size < 64)
			v &= (UINT64_C(1) << m->bit_size) - 1;
	}
	return v;
}

/** A char array member of a record copy as a jv string ("" if empty). */
static jv field_str(const uint8_t *rec, const struct rv_member *m)
{
	const char *s = (const char *)rec + m->offset;
	return jv_string_sized(s, (int)strnlen(s, m->size));
}

// ---- one log record ----

struct log_record {
	uint64_t seq;
	uint64_t ts_nsec;
	unsigned int level;
	unsigned int facility;
	bool has_caller_id;
	uint32_t caller_id;
	const char *text;	// not NUL-terminated
	size_t text_len;
};

static jv record_jv(const struct log_record *r)
{
	jv line = jv_object();
	line = rv_jv_set(line, "seq", rv_jv_u64(r->seq));
	line = rv_jv_set(line, "ts_nsec", rv_jv_u64(r->ts_nsec));
	line = rv_jv_set(line, "level", jv_number(r->level));
	line = rv_jv_set(line, "facility", jv_number(r->facility));
	if (r->has_caller_id)
		line = rv_jv_set(line, "caller_id", jv_number(r->caller_id));
	// jv_string_sized replaces invalid UTF-8 with U+FFFD.
	line = rv_jv_set(line, "text", jv_string_sized(r->text ? r->text : "",
						       (int)r->text_len));
	return line;
}

/** Lines as `log` prints them: one per record plus its embedded newlines. */
static size_t count_text_lines(const char *text, size_t len)
{
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

// ---- v5.10+: the lockless printk ringbuffer ----

struct prb_layout {
	uint64_t desc_size;		// struct prb_desc
	uint64_t info_size;		// struct printk_info
	uint64_t blk_id_size;		// offsetof(struct prb_data_block, data)
	struct rv_member state_var, lpos_begin, lpos_next;
	struct rv_member seq, ts_nsec, text_len, level, facility, caller_id;
	struct rv_member subsystem, device;
	bool has_caller_id, has_dev_info;
	unsigned int sv_bits;		// bits of state_var (BITS_PER_LONG)
	uint64_t committed, finalized;	// enum desc_state
};

static struct rv_error *prb_layout_init(struct rv_target *t, struct prb_layout *L)
{
	struct rv_error *err;
	memset(L, 0, sizeof(*L));
	if ((err = rv_type_size(t, "struct prb_desc", &L->desc_size)) ||
	    (err = rv_type_size(t, "struct printk_info", &L->info_size)) ||
	    (err = rv_member_offset(t, "struct prb_data_block", "data",
				    &L->blk_id_size)))
		return err;
	if ((err = record_member(t, "struct prb_desc", "state_var",
				 L->desc_size, &L->state_var)) ||
	    (err = record_member(t, "struct prb_desc", "text_blk_lpos.begin",
				 L->desc_size, &L->lpos_begin)) ||
	    (err = record_member(t, "struct prb_desc", "text_blk_lpos.next",
				 L->desc_size, &L->lpos_next)) ||
	    (err = record_member(t, "struct printk_info", "seq", L->info_size,
				 &L->seq)) ||
	    (err = record_member(t, "struct printk_info", "ts_nsec",
				 L->info_size, &L->ts_nsec)) ||
	    (err = record_member(t, "struct printk_info", "text_len",
				 L->info_size, &L->text_len)) ||
	    (err = record_member(t, "struct printk_info", "level",
				 L->info_size, &L->level)) ||
	    (err = record_member(t, "struct printk_info", "facility",
				 L->info_size, &L->facility)))
		return err;
	if (L->blk_id_size == 0 || L->blk_id_size > 8)
		return rv_error_format(RV_ERR_CORRUPT,
				       "struct prb_data_block: %" PRIu64 "-byte id",
				       L->blk_id_size);
	// caller_id exists with CONFIG_PRINTK_CALLER only (always since
	// v5.10 in printk_info, but keep it optional like its config).
	err = record_member(t, "struct printk_info", "caller_id", L->info_size,
			    &L->caller_id);
	L->has_caller_id = !err;
	rv_error_destroy(err);
	// dev_info (v5.10, 74caba7f2a06) replaced the dict text.
	struct rv_error *e1 = record_array(t, "struct printk_info",
					   "dev_info.subsystem", L->info_size,
					   &L->subsystem);
	struct rv_error *e2 = record_array(t, "struct printk_info",
					   "dev_info.device", L->info_size,
					   &L->device);
	L->has_dev_info = !e1 && !e2;
	rv_error_destroy(e1);
	rv_error_destroy(e2);

	// The state lives in the top 2 bits of state_var (an atomic_long_t,
	// BITS_PER_LONG wide); the values are enum desc_state.
	L->sv_bits = (unsigned int)(L->state_var.size * 8);
	int64_t v;
	err = rv_enum_value(t, "desc_committed", &v);
	L->committed = err ? 1 : (uint64_t)v;
	rv_error_destroy(err);
	err = rv_enum_value(t, "desc_finalized", &v);
	L->finalized = err ? 2 : (uint64_t)v;
	rv_error_destroy(err);
	return NULL;
}

struct prb_ring {
	rv_addr_t addr;
	uint64_t count_bits, size_bits;
	rv_addr_t descs, infos, data;
	uint64_t head_id, tail_id, head_lpos, tail_lpos, fail;
	bool has_fail;
};

static struct rv_error *prb_ring_read(struct rv_target *t, rv_addr_t prb,
				      struct prb_ring *r)
{
	static const char type[] = "struct printk_ringbuffer";
	static const struct {
		const char *path;
		size_t off;
	} fields[] = {
		{ "desc_ring.count_bits", offsetof(struct prb_ring, count_bits) },
		{ "desc_ring.descs", offsetof(struct prb_ring, descs) },
		{ "desc_ring.infos", offsetof(struct prb_ring, infos) },
		{ "desc_ring.head_id", offsetof(struct prb_ring, head_id) },
		{ "desc_ring.tail_id", offsetof(struct prb_ring, tail_id) },
		{ "text_data_ring.size_bits", offsetof(struct prb_ring, size_bits) },
		{ "text_data_ring.data", offsetof(struct prb_ring, data) },
		{ "text_data_ring.head_lpos", offsetof(struct prb_ring, head_lpos) },
		{ "text_data_ring.tail_lpos", offsetof(struct prb_ring, tail_lpos) },
	};
	memset(r, 0, sizeof(*r));
	r->addr = prb;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		uint64_t *dst = (uint64_t *)((char *)r + fields[i].off);
		struct rv_error *err = rv_read_member(t, prb, type,
						      fields[i].path, dst);
		if (err)
			return rv_error_wrap(err, "printk ringbuffer at %#" PRIx64,
					     prb);
	}
	struct rv_error *err = rv_read_member(t, prb, type, "fail", &r->fail);
	r->has_fail = !err;
	rv_error_destroy(err);
	return NULL;
}

static struct rv_error *prb_ring_check(const struct prb_ring *r,
				       const struct prb_layout *L)
{
	if (r->count_bits == 0 || r->count_bits > LOG_MAX_DESC_BITS)
		return rv_error_format(RV_ERR_CORRUPT,
				       "desc_ring.count_bits is %" PRIu64 " (limit %d)",
				       r->count_bits, LOG_MAX_DESC_BITS);
	if (r->size_bits < 3 || r->size_bits > LOG_MAX_DATA_BITS)
		return rv_error_format(RV_ERR_CORRUPT,
				       "text_data_ring.size_bits is %" PRIu64 " (limit %d)",
				       r->size_bits, LOG_MAX_DATA_BITS);
	if (!rv_addr_kernel(r->descs) || !rv_addr_kernel(r->infos) ||
	    !rv_addr_kernel(r->data))
		return rv_error_format(RV_ERR_CORRUPT,
				       "ring pointers descs %#" PRIx64 ", infos %#" PRIx64
				       ", data %#" PRIx64 " are not kernel addresses",
				       r->descs, r->infos, r->data);
	if (L->sv_bits < 8 || L->sv_bits > 64)
		return rv_error_format(RV_ERR_CORRUPT, "state_var is %u bits",
				       L->sv_bits);
	return NULL;
}

/**
 * The text of a data block, or NULL with *why set. @p begin/@p next are
 * logical positions: index = lpos & (size - 1), wraps = lpos >> size_bits.
 * A block that does not fit before the end of the ring starts over at
 * the beginning of the ring.
 */
static const char *prb_block_text(const struct prb_ring *r,
				  const struct prb_layout *L,
				  const struct log_blob *data, uint64_t id,
				  uint64_t begin, uint64_t next, size_t *len,
				  const char **why)
{
	if ((begin & 1) && (next & 1)) {
		if (begin == PRB_NO_LPOS && next == PRB_NO_LPOS) {
			*len = 0;
			return "";
		}
		*why = begin == PRB_FAILED_LPOS ? "text was not stored (failed reservation)"
						: "data-less block with unknown lpos";
		return NULL;
	}
	uint64_t size = UINT64_C(1) << r->size_bits;
	uint64_t off, blen;
	if (begin >> r->size_bits == next >> r->size_bits && begin < next) {
		off = begin & (size - 1);
		blen = next - begin;
	} else if ((begin + size) >> r->size_bits == next >> r->size_bits) {
		off = 0;	// wrapped: the block is at the start of the ring
		blen = next & (size - 1);
	} else {
		*why = "illegal text block position";
		return NULL;
	}
	if (begin % L->blk_id_size || next % L->blk_id_size ||
	    blen < L->blk_id_size || off + blen > data->len) {
		*why = "text block out of bounds";
		return NULL;
	}
	uint64_t blk_id = 0;
	for (uint64_t i = 0; i < L->blk_id_size; i++)
		blk_id |= (uint64_t)data->buf[off + i] << (8 * i);
	if (blk_id != id) {
		*why = "text block belongs to another record (overwritten or not in the dump)";
		return NULL;
	}
	*len = blen - L->blk_id_size;
	return (const char *)data->buf + off + L->blk_id_size;
}

struct log_walk {
	jv lines;
	uint64_t first_seq, next_seq;
	bool any;
	size_t text_lines;
	unsigned int skipped;		// descriptors not committed/finalized
	unsigned int bad;		// records kept with an "error"
};

static void walk_add(struct log_walk *w, const struct log_record *r,
		     jv extra_or_invalid, const char *why)
{
	jv line = record_jv(r);
	if (jv_get_kind(extra_or_invalid) == JV_KIND_OBJECT) {
		jv_object_foreach(extra_or_invalid, k, v)
			line = jv_object_set(line, k, v);
	}
	jv_free(extra_or_invalid);
	if (why) {
		line = rv_jv_set(line, "error", jv_string(why));
		w->bad++;
	}
	if (!w->any)
		w->first_seq = r->seq;
	w->any = true;
	w->next_seq = r->seq + 1;
	w->text_lines += count_text_lines(r->text ? r->text : "", r->text_len);
	w->lines = jv_array_append(w->lines, line);
}

/** Device info of a record ({dev_info: {subsystem, device}}), if any. */
static jv prb_dev_info(const struct prb_layout *L, const uint8_t *info)
{
	if (!L->has_dev_info || !info[L->subsystem.offset])
		return jv_invalid();
	jv di = jv_object();
	di = rv_jv_set(di, "subsystem", field_str(info, &L->subsystem));
	di = rv_jv_set(di, "device", field_str(info, &L->device));
	return rv_jv_set(jv_object(), "dev_info", di);
}

/** One descriptor of the walk, by id. */
static void prb_record(const struct prb_ring *r, const struct prb_layout *L,
		       const struct log_blob *descs, const struct log_blob *infos,
		       const struct log_blob *data, uint64_t id,
		       struct log_walk *w)
{
	uint64_t count = UINT64_C(1) << r->count_bits;
	uint64_t idx = id & (count - 1);
	const uint8_t *desc = descs->buf + idx * L->desc_size;
	const uint8_t *info = infos->buf + idx * L->info_size;

	unsigned int shift = L->sv_bits - 2;
	uint64_t id_mask = (UINT64_C(1) << shift) - 1;
	uint64_t sv = field_get(desc, &L->state_var);
	uint64_t state = (sv >> shift) & 3;
	// Only records whose writer is done; a descriptor with another id was
	// recycled after we read the head and tail (it cannot happen in a
	// dump of a stopped kernel, unless the CPUs were stopped mid-write).
	if ((sv & id_mask) != id || (state != L->committed && state != L->finalized)) {
		w->skipped++;
		return;
	}

	struct log_record rec = {
		.seq = field_get(info, &L->seq),
		.ts_nsec = field_get(info, &L->ts_nsec),
		.level = (unsigned int)field_get(info, &L->level),
		.facility = (unsigned int)field_get(info, &L->facility),
		.has_caller_id = L->has_caller_id,
		.caller_id = L->has_caller_id ? (uint32_t)field_get(info, &L->caller_id) : 0,
	};
	const char *why = NULL;
	// The record with sequence number s lives at index s & (count - 1).
	if ((rec.seq & (count - 1)) != idx) {
		why = "printk_info.seq does not match the descriptor index";
		walk_add(w, &rec, jv_invalid(), why);
		return;
	}
	size_t len = 0;
	const char *text = prb_block_text(r, L, data, id,
					  field_get(desc, &L->lpos_begin),
					  field_get(desc, &L->lpos_next), &len, &why);
	if (text) {
		uint64_t text_len = field_get(info, &L->text_len);
		// The block may be longer (alignment padding), never shorter.
		if (text_len > len)
			why = "printk_info.text_len exceeds its text block";
		else
			len = (size_t)text_len;
		rec.text = text;
		rec.text_len = len;
	}
	walk_add(w, &rec, prb_dev_info(L, info), why);
}

static jv prb_ring_jv(const struct prb_ring *r)
{
	jv o = jv_object();
	o = rv_jv_set(o, "addr", rv_jv_addr(r->addr));
	o = rv_jv_set(o, "count_bits", rv_jv_u64(r->count_bits));
	o = rv_jv_set(o, "head_id", rv_jv_u64(r->head_id));
	o = rv_jv_set(o, "tail_id", rv_jv_u64(r->tail_id));
	o = rv_jv_set(o, "size_bits", rv_jv_u64(r->size_bits));
	o = rv_jv_set(o, "head_lpos", rv_jv_u64(r->head_lpos));
	o = rv_jv_set(o, "tail_lpos", rv_jv_u64(r->tail_lpos));
	if (r->has_fail)
		o = rv_jv_set(o, "fail", rv_jv_u64(r->fail));
	return o;
}

static jv prb_walk(struct rv_target *t, const struct prb_ring *r,
		   const struct prb_layout *L, jv sec, struct log_walk *w)
{
	uint64_t count = UINT64_C(1) << r->count_bits;
	uint64_t id_mask = (UINT64_C(1) << (L->sv_bits - 2)) - 1;
	uint64_t span = ((r->head_id - r->tail_id) & id_mask) + 1;
	if (span > count)
		return rv_jv_set_error(sec, rv_error_format(RV_ERR_CORRUPT,
				"descriptor ring: head_id %" PRIu64 " is %" PRIu64
				" ids after tail_id %" PRIu64 ", more than its %" PRIu64
				" descriptors", r->head_id, span - 1, r->tail_id, count));

	struct log_blob descs = { 0 }, infos = { 0 }, data = { 0 };
	struct rv_error *err;
	if ((err = log_blob_read(t, r->descs, count * L->desc_size,
				 "descriptor ring", &descs)) ||
	    (err = log_blob_read(t, r->infos, count * L->info_size,
				 "printk_info array", &infos)) ||
	    (err = log_blob_read(t, r->data, (size_t)1 << r->size_bits,
				 "text data ring", &data))) {
		sec = rv_jv_set_error(sec, err);
		goto out;
	}
	sec = note_unreadable(sec, &descs, "descriptor ring");
	sec = note_unreadable(sec, &infos, "printk_info array");
	sec = note_unreadable(sec, &data, "text data ring");

	for (uint64_t i = 0; i < span; i++)
		prb_record(r, L, &descs, &infos, &data,
			   (r->tail_id + i) & id_mask, w);
out:
	log_blob_free(&descs);
	log_blob_free(&infos);
	log_blob_free(&data);
	return sec;
}

static struct rv_error *prb_log(struct rv_target *t, rv_addr_t prb_sym,
				jv sec, struct log_walk *w, jv *ret)
{
	uint64_t prb;
	struct rv_error *err = rv_read_u64(t, prb_sym, &prb);
	if (err) {
		jv_free(sec);
		return rv_error_wrap(err, "prb");
	}
	struct prb_layout L;
	struct prb_ring r;
	if ((err = prb_layout_init(t, &L)) || (err = prb_ring_read(t, prb, &r)) ||
	    (err = prb_ring_check(&r, &L))) {
		jv_free(sec);
		return err;
	}
	sec = rv_jv_set(sec, "source", jv_string("printk_ringbuffer"));
	sec = rv_jv_set(sec, "ring", prb_ring_jv(&r));
	*ret = prb_walk(t, &r, &L, sec, w);
	return NULL;
}

// ---- v3.5-v5.9: log_buf of struct printk_log records ----

struct logbuf_layout {
	const char *type;
	uint64_t hdr_size;
	struct rv_member ts_nsec, len, text_len, level, facility, caller_id;
	bool has_caller_id;
};

static struct rv_error *logbuf_layout_init(struct rv_target *t,
					   struct logbuf_layout *L)
{
	memset(L, 0, sizeof(*L));
	// v3.11 (62e32ac3505a) renamed struct log to struct printk_log.
	L->type = rv_type_exists(t, "struct printk_log") ? "struct printk_log"
							 : "struct log";
	struct rv_error *err;
	if ((err = rv_type_size(t, L->type, &L->hdr_size)) ||
	    (err = record_member(t, L->type, "ts_nsec", L->hdr_size, &L->ts_nsec)) ||
	    (err = record_member(t, L->type, "len", L->hdr_size, &L->len)) ||
	    (err = record_member(t, L->type, "text_len", L->hdr_size, &L->text_len)) ||
	    (err = record_member(t, L->type, "level", L->hdr_size, &L->level)) ||
	    (err = record_member(t, L->type, "facility", L->hdr_size, &L->facility)))
		return err;
	// caller_id: v5.1 (15ff2069cb7f), CONFIG_PRINTK_CALLER only.
	err = record_member(t, L->type, "caller_id", L->hdr_size, &L->caller_id);
	L->has_caller_id = !err;
	rv_error_destroy(err);
	return NULL;
}

struct logbuf_state {
	rv_addr_t buf;
	uint32_t buf_len, first_idx, next_idx;
	uint64_t first_seq, next_seq;
};

static struct rv_error *logbuf_state_read(struct rv_target *t,
					  struct logbuf_state *s)
{
	// Declared in kernel/printk/printk.c as char *log_buf, u32 log_buf_len,
	// u32 log_first_idx/log_next_idx, u64 log_first_seq/log_next_seq.
	static const struct {
		const char *name;
		size_t size, off;
	} syms[] = {
		{ "log_buf", 8, offsetof(struct logbuf_state, buf) },
		{ "log_buf_len", 4, offsetof(struct logbuf_state, buf_len) },
		{ "log_first_idx", 4, offsetof(struct logbuf_state, first_idx) },
		{ "log_next_idx", 4, offsetof(struct logbuf_state, next_idx) },
		{ "log_first_seq", 8, offsetof(struct logbuf_state, first_seq) },
		{ "log_next_seq", 8, offsetof(struct logbuf_state, next_seq) },
	};
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		rv_addr_t sym;
		uint64_t v;
		struct rv_error *err = rv_symbol(t, syms[i].name, &sym);
		if (!err)
			err = rv_read_uint(t, sym, syms[i].size, &v);
		if (err)
			return rv_error_wrap(err, "%s", syms[i].name);
		if (syms[i].size == 4)
			*(uint32_t *)((char *)s + syms[i].off) = (uint32_t)v;
		else
			*(uint64_t *)((char *)s + syms[i].off) = v;
	}
	if (!rv_addr_kernel(s->buf) || s->buf_len == 0 ||
	    s->buf_len > (UINT32_C(1) << LOG_MAX_DATA_BITS))
		return rv_error_format(RV_ERR_CORRUPT,
				       "log_buf %#" PRIx64 ", log_buf_len %u",
				       s->buf, s->buf_len);
	if (s->first_idx >= s->buf_len || s->next_idx >= s->buf_len)
		return rv_error_format(RV_ERR_CORRUPT,
				       "log_first_idx %u / log_next_idx %u beyond "
				       "log_buf_len %u", s->first_idx,
				       s->next_idx, s->buf_len);
	return NULL;
}

/**
 * Walk the records from log_first_idx to log_next_idx. A zero len marks
 * the end of the used buffer: the next record is at index 0. The walk
 * stops at the first inconsistent record (the chain is broken there).
 */
static jv logbuf_walk(const struct logbuf_state *s, const struct logbuf_layout *L,
		      const struct log_blob *b, jv sec, struct log_walk *w)
{
	uint64_t idx = s->first_idx, seq = s->first_seq;
	uint64_t max_records = s->buf_len / L->hdr_size + 1;
	bool wrapped = false;
	const char *why = NULL;
	for (uint64_t n = 0; idx != s->next_idx; n++) {
		if (n > max_records) {
			why = "more records than fit in log_buf";
			break;
		}
		if (idx + L->hdr_size > s->buf_len) {
			why = "record header beyond log_buf_len";
			break;
		}
		const uint8_t *hdr = b->buf + idx;
		uint64_t len = field_get(hdr, &L->len);
		if (len == 0) {
			if (wrapped || idx == 0) {
				why = "second wrap marker";
				break;
			}
			wrapped = true;
			idx = 0;
			continue;
		}
		uint64_t text_len = field_get(hdr, &L->text_len);
		if (len < L->hdr_size || idx + len > s->buf_len ||
		    text_len > len - L->hdr_size) {
			why = "record length out of bounds";
			break;
		}
		struct log_record rec = {
			.seq = seq,
			.ts_nsec = field_get(hdr, &L->ts_nsec),
			.level = (unsigned int)field_get(hdr, &L->level),
			.facility = (unsigned int)field_get(hdr, &L->facility),
			.has_caller_id = L->has_caller_id,
			.caller_id = L->has_caller_id ? (uint32_t)field_get(hdr, &L->caller_id) : 0,
			.text = (const char *)hdr + L->hdr_size,
			.text_len = (size_t)text_len,
		};
		walk_add(w, &rec, jv_invalid(), NULL);
		idx += len;
		seq++;
	}
	if (why)
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_CORRUPT,
				"log_buf: %s at index %" PRIu64 " (seq %" PRIu64
				"); walk stopped", why, idx, seq));
	else if (seq != s->next_seq)
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_CORRUPT,
				"log_buf: walk ended at seq %" PRIu64
				", log_next_seq is %" PRIu64, seq, s->next_seq));
	return sec;
}

static struct rv_error *logbuf_log(struct rv_target *t, jv sec,
				   struct log_walk *w, jv *ret)
{
	struct logbuf_layout L;
	struct logbuf_state s;
	struct rv_error *err;
	if ((err = logbuf_layout_init(t, &L)) || (err = logbuf_state_read(t, &s))) {
		jv_free(sec);
		return err;
	}
	sec = rv_jv_set(sec, "source", jv_string("log_buf"));
	jv lb = jv_object();
	lb = rv_jv_set(lb, "addr", rv_jv_addr(s.buf));
	lb = rv_jv_set(lb, "log_buf_len", jv_number(s.buf_len));
	lb = rv_jv_set(lb, "log_first_idx", jv_number(s.first_idx));
	lb = rv_jv_set(lb, "log_next_idx", jv_number(s.next_idx));
	lb = rv_jv_set(lb, "log_first_seq", rv_jv_u64(s.first_seq));
	lb = rv_jv_set(lb, "log_next_seq", rv_jv_u64(s.next_seq));
	sec = rv_jv_set(sec, "ring", lb);

	struct log_blob b = { 0 };
	err = log_blob_read(t, s.buf, s.buf_len, "log_buf", &b);
	if (err) {
		*ret = rv_jv_set_error(sec, err);
		return NULL;
	}
	sec = note_unreadable(sec, &b, "log_buf");
	*ret = logbuf_walk(&s, &L, &b, sec, w);
	log_blob_free(&b);
	return NULL;
}

// ---- the section ----

static jv walk_summary(jv sec, struct log_walk *w)
{
	sec = rv_jv_set(sec, "nr_records", jv_number(jv_array_length(jv_copy(w->lines))));
	sec = rv_jv_set(sec, "nr_text_lines", jv_number((double)w->text_lines));
	if (w->any) {
		sec = rv_jv_set(sec, "first_seq", rv_jv_u64(w->first_seq));
		sec = rv_jv_set(sec, "next_seq", rv_jv_u64(w->next_seq));
		// Sequence numbers start at 0 at boot: the ones before the
		// oldest record left were overwritten.
		sec = rv_jv_set(sec, "overwritten", rv_jv_u64(w->first_seq));
	} else {
		sec = rv_jv_set(sec, "first_seq", jv_null());
		sec = rv_jv_set(sec, "next_seq", jv_null());
		sec = rv_jv_set(sec, "overwritten", jv_null());
	}
	sec = rv_jv_set(sec, "skipped", jv_number(w->skipped));
	sec = rv_jv_set(sec, "bad_records", jv_number(w->bad));
	return rv_jv_set(sec, "lines", w->lines);
}

struct rv_error *rv_kernel_log_read(struct rv_target *t, jv *ret)
{
	struct log_walk w = { .lines = jv_array() };
	jv sec = jv_object();
	jv out;
	rv_addr_t sym;
	struct rv_error *err = rv_symbol(t, "prb", &sym);
	if (!err) {
		err = prb_log(t, sym, sec, &w, &out);
	} else if (err->code == RV_ERR_LOOKUP) {
		rv_error_destroy(err);
		err = rv_symbol(t, "log_first_idx", &sym);
		if (!err) {
			err = logbuf_log(t, sec, &w, &out);
		} else {
			jv_free(sec);
			rv_error_destroy(err);
			err = rv_error_format(RV_ERR_LOOKUP,
					      "no kernel log: neither prb (v5.10+) nor "
					      "log_first_idx (v3.5-v5.9) in the debug info");
		}
	} else {
		jv_free(sec);
	}
	if (err) {
		jv_free(w.lines);
		return err;
	}
	*ret = walk_summary(out, &w);
	return NULL;
}

static struct rv_error *decode(struct rv_target *t, const char *select, jv *ret)
{
	(void)select;
	return rv_kernel_log_read(t, ret);
}

const struct rv_decoder rv_decoder_log = {
	.name = "log",
	.summary = "kernel log (printk ringbuffer or log_buf records)",
	.decode = decode,
};

// ---- panic text ----

static bool starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);
	return len >= n && !memcmp(s, prefix, n);
}

// Lines of an oops report kept (registers, code, call trace).
#define MAX_OOPS_LINES 80

jv rv_kernel_log_panic_text(jv log)
{
	static const char panic_prefix[] = "Kernel panic - not syncing: ";
	static const char *const oops_prefixes[] = {
		"BUG:", "Oops:", "general protection fault",
	};
	jv message = jv_null(), oops = jv_null(), rip = jv_null(), message_ts = jv_null();
	jv report = jv_array();	// the oops report's lines (registers, trace)
	bool in_report = false;
	jv lines = jv_get_kind(log) == JV_KIND_OBJECT ?
		jv_object_get(jv_copy(log), jv_string("lines")) : jv_invalid();
	if (jv_get_kind(lines) == JV_KIND_ARRAY) {
		jv_array_foreach(lines, i, line) {
			jv text = jv_get_kind(line) == JV_KIND_OBJECT ?
				jv_object_get(jv_copy(line), jv_string("text")) : jv_invalid();
			jv ts = jv_get_kind(line) == JV_KIND_OBJECT ?
				jv_object_get(jv_copy(line), jv_string("ts_nsec")) : jv_null();
			jv_free(line);
			if (jv_get_kind(text) != JV_KIND_STRING) {
				jv_free(text);
				jv_free(ts);
				continue;
			}
			// A record may hold several lines.
			const char *s = jv_string_value(text);
			const char *end = s + jv_string_length_bytes(jv_copy(text));
			while (s < end) {
				const char *nl = memchr(s, '\n', end - s);
				size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
				if (starts_with(s, n, panic_prefix)) {
					jv_free(message);	// the last panic wins
					message = jv_string_sized(s + sizeof(panic_prefix) - 1,
								  (int)(n - (sizeof(panic_prefix) - 1)));
					jv_free(message_ts);
					message_ts = jv_get_kind(ts) == JV_KIND_NUMBER ? jv_copy(ts)
										     : jv_null();
				}
				if (jv_get_kind(oops) == JV_KIND_NULL) {
					for (size_t k = 0; k < sizeof(oops_prefixes) / sizeof(oops_prefixes[0]); k++) {
						if (starts_with(s, n, oops_prefixes[k])) {
							jv_free(oops);
							oops = jv_string_sized(s, (int)n);
							break;
						}
					}
				} else if (jv_get_kind(rip) == JV_KIND_NULL &&
					   starts_with(s, n, "RIP: ")) {
					rip = jv_string_sized(s, (int)n);
				}
				if (in_report) {
					// Up to the end of the kernel frames of the first oops.
					if (starts_with(s, n, " </TASK>") || starts_with(s, n, "</TASK>") ||
					    starts_with(s, n, "---[ end trace") ||
					    jv_array_length(jv_copy(report)) >= MAX_OOPS_LINES)
						in_report = false;
					else
						report = jv_array_append(report, jv_string_sized(s, (int)n));
				} else if (jv_get_kind(oops) == JV_KIND_STRING &&
					   jv_array_length(jv_copy(report)) == 0 &&
					   starts_with(s, n, jv_string_value(oops))) {
					in_report = true;
				}
				s += n + 1;
			}
			jv_free(text);
			jv_free(ts);
		}
	}
	jv_free(lines);
	jv_free(log);
	jv o = jv_object();
	o = rv_jv_set(o, "message", message);
	o = rv_jv_set(o, "message_ts_nsec", message_ts);
	o = rv_jv_set(o, "oops", oops);
	o = rv_jv_set(o, "oops_report", report);
	return rv_jv_set(o, "rip", rip);
}

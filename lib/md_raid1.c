// SPDX-License-Identifier: GPL-2.0-or-later
// Section "md": the md arrays of the dump (all_mddevs), their members, and
// for raid1 the barrier state of struct r1conf: the bucket counters that
// freeze_array() waits on, the raid1d lists, the mirrors and the tasks
// sleeping on conf->wait_barrier. Keys: docs/facts-md.md.
//
// Layout differences are decided from the debug info, never from a version:
//  - r1conf nr_pending/nr_waiting/nr_queued/barrier: plain int before
//    fd76863e37fe (v4.11), then 'int *' and, from 824e47daddbf (v4.11),
//    'atomic_t *' arrays of BARRIER_BUCKETS_NR buckets;
//  - md_personality name: ->name up to v6.14, ->head.name from v6.15
//    ("md: switch personalities to use md_submodule_head");
//  - md_rdev flags, mddev flags and recovery bits: enum values from the
//    dump's own debug info (recovery_flags were reordered between 6.1 and
//    6.12, flag_bits lost RemoveSynchronized in c891f1fd90e6);
//  - task_struct.__state (2f064a59a11f, v5.14) or .state before;
//  - wait_queue_head.head / wait_queue_entry.entry (v4.13, 2055da97389a)
//    or .task_list in both before.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "facts.h"
#include "task_stack.h"

// Bounds on dump-controlled counts. A count above them is reported as
// implausible instead of being walked or allocated.
#define MD_MAX_MEMBERS		4096	// md v1.x metadata allows 1920 devices
#define MD_MAX_RAID_DISKS	4096	// conf->raid_disks, for the mirrors
#define MD_MAX_WAITERS		4096	// entries on conf->wait_barrier
#define MD_MAX_BIOS		100000	// bios on conf->pending_bio_list
#define MD_MAX_BUCKETS		65536	// BARRIER_BUCKETS_NR (1024 on 4 KiB pages)

// x86_64 PAGE_SIZE, used when the backend cannot give VMCOREINFO PAGESIZE.
#define MD_DEFAULT_PAGE_SIZE	4096

#define MD_NAME_LEN		64

// ---- bit names from the dump's enums ----

// The names of the bits come from the enum type itself, as the dump's
// debug info declares it: no name list here, so a kernel that adds,
// removes or reorders bits is named right (6.12 renumbered recovery_flags
// and dropped RemoveSynchronized in c891f1fd90e6).
struct bit_names {
	char bit[64][40];
	bool resolved;		// the enum type was found
};

struct bit_collect {
	struct bit_names *names;
	const char *anchor;
	bool anchor_seen;
};

static bool collect_bit_name(const char *name, int64_t value, void *arg)
{
	struct bit_collect *c = arg;
	if (c->anchor && !strcmp(name, c->anchor))
		c->anchor_seen = true;
	// Enumerators past the bits (a trailing count) are not bits.
	if (value < 0 || value >= 64)
		return true;
	if (!c->names->bit[value][0])	// the first name of a bit wins
		snprintf(c->names->bit[value], sizeof(c->names->bit[value]), "%s", name);
	return true;
}

// Name the bits after the enumerators of @p type. @p anchor, when set, is
// an enumerator the type must have: the generic "enum flag_bits" of
// md_rdev could be matched by another subsystem's enum of that name.
static void resolve_bit_names(struct rv_target *t, const char *type,
			      const char *anchor, struct bit_names *ret)
{
	memset(ret, 0, sizeof(*ret));
	struct bit_collect c = { .names = ret, .anchor = anchor };
	struct rv_error *err = rv_enumerators(t, type, collect_bit_name, &c);
	if (err || (anchor && !c.anchor_seen)) {
		rv_error_destroy(err);	// unnamed bits print as "bit N"
		memset(ret, 0, sizeof(*ret));
		return;
	}
	ret->resolved = true;
}

// The set bits of @p raw by name; a bit without a name is "bit N".
static jv bits_to_names(const struct bit_names *names, uint64_t raw)
{
	jv list = jv_array();
	for (int b = 0; b < 64; b++) {
		if (!(raw >> b & 1))
			continue;
		if (names->bit[b][0])
			list = jv_array_append(list, jv_string(names->bit[b]));
		else
			list = jv_array_append(list, jv_string_fmt("bit %d", b));
	}
	return list;
}

// ---- decoding context ----

struct wq_layout {
	const char *head_type;	// struct wait_queue_head / __wait_queue_head
	const char *head_list;	// head / task_list
	const char *entry_type;	// struct wait_queue_entry / __wait_queue
	const char *entry_list;	// entry / task_list
};

struct md_ctx {
	struct rv_target *t;
	const char *pers_name;		// md_personality member with the name
	const char *task_state;		// task_struct member with the state
	struct wq_layout wq;
	struct bit_names rdev_flags, mddev_flags, recovery;
	rv_addr_t wake_fn[3];		// functions whose private is a task
	int nr_wake_fn;
	uint64_t page_size;
	struct rv_error *page_size_err;	// page size unknown: 4096 assumed
};

static void ctx_init(struct md_ctx *c, struct rv_target *t)
{
	memset(c, 0, sizeof(*c));
	c->t = t;

	// v6.15 moved the name into struct md_submodule_head.
	c->pers_name = rv_member_exists(t, "struct md_personality", "name") ?
		"name" : "head.name";
	// 2f064a59a11f "sched: Change task_struct::state" (v5.14).
	c->task_state = rv_member_exists(t, "struct task_struct", "__state") ?
		"__state" : "state";

	// v4.13 renamed wait_queue_t to wait_queue_entry (ac6424b981bc) and
	// both task_list members to head/entry (2055da97389a).
	if (rv_type_exists(t, "struct wait_queue_entry")) {
		c->wq = (struct wq_layout){ "struct wait_queue_head", "head",
					    "struct wait_queue_entry", "entry" };
	} else {
		c->wq = (struct wq_layout){ "struct __wait_queue_head", "task_list",
					    "struct __wait_queue", "task_list" };
	}

	resolve_bit_names(t, "enum flag_bits", "Faulty", &c->rdev_flags);
	resolve_bit_names(t, "enum mddev_flags", NULL, &c->mddev_flags);
	resolve_bit_names(t, "enum recovery_flags", NULL, &c->recovery);

	// wait_event*() entries wake with autoremove_wake_function (or
	// woken/default_wake_function); their ->private is the sleeping task.
	static const char *const wake[] = {
		"autoremove_wake_function", "default_wake_function",
		"woken_wake_function",
	};
	for (size_t i = 0; i < sizeof(wake) / sizeof(wake[0]); i++) {
		rv_addr_t a;
		struct rv_error *err = rv_symbol(t, wake[i], &a);
		if (err)
			rv_error_destroy(err);
		else
			c->wake_fn[c->nr_wake_fn++] = a;
	}

	c->page_size_err = rv_page_size(t, &c->page_size);
	if (c->page_size_err)
		c->page_size = MD_DEFAULT_PAGE_SIZE;
}

// ---- small readers that record their failure ----

// obj[key] = the signed integer member @p path of @p type at @p addr; on
// failure obj gets an error. *ret (optional) is written on success only.
static jv put_int(struct md_ctx *c, jv obj, rv_addr_t addr, const char *type,
		  const char *path, const char *key, int64_t *ret)
{
	rv_jv_put_s64(c->t, &obj, addr, type, path, key, ret);
	return obj;
}

// Same for an unsigned value or an address (@p as_addr).
static jv put_uint(struct md_ctx *c, jv obj, rv_addr_t addr, const char *type,
		   const char *path, const char *key, bool as_addr,
		   uint64_t *ret)
{
	if (as_addr)
		rv_jv_put_addr(c->t, &obj, addr, type, path, key, ret);
	else
		rv_jv_put_u64(c->t, &obj, addr, type, path, key, ret);
	return obj;
}

// Number of nodes of the list_head at @p head; walks at most @p max.
static struct rv_error *count_list(struct md_ctx *c, rv_addr_t head,
				   unsigned int max, unsigned int *ret)
{
	struct rv_list_iter it;
	rv_list_iter_init(&it, c->t, head);
	it.max = max;
	rv_addr_t node;
	struct rv_error *err;
	unsigned int n = 0;
	while (!(err = rv_list_iter_next(&it, &node)) && node)
		n++;
	*ret = n;	// the nodes seen before an error, if any
	return err;
}

// obj[key] = length of the list_head member @p path of @p type at @p addr.
static jv put_list_count(struct md_ctx *c, jv obj, rv_addr_t addr,
			 const char *type, const char *path, const char *key)
{
	rv_addr_t head;
	struct rv_error *err = rv_member_addr(c->t, addr, type, path, &head);
	if (err)
		return rv_jv_set_error(obj, err);
	unsigned int n = 0;
	err = count_list(c, head, c->t->max_list, &n);
	obj = rv_jv_set(obj, key, jv_number(n));
	if (err)
		obj = rv_jv_set_error(obj, rv_error_wrap(err, "%s", path));
	return obj;
}

// ---- names ----

// "md0": the gendisk's name, or "md<minor>" from mddev->unit when the array
// has no gendisk (yet). @p source says which.
static struct rv_error *md_name(struct md_ctx *c, rv_addr_t mddev, char *buf,
				size_t size, const char **source)
{
	uint64_t gd = 0;
	struct rv_error *err = rv_read_member(c->t, mddev, "struct mddev",
					      "gendisk", &gd);
	if (!err && gd) {
		err = rv_read_member_str(c->t, gd, "struct gendisk", "disk_name",
					 buf, size);
		if (!err && buf[0]) {
			*source = "gendisk";
			return NULL;
		}
	}
	rv_error_destroy(err);
	uint64_t unit;
	err = rv_read_member(c->t, mddev, "struct mddev", "unit", &unit);
	if (err)
		return err;
	// Kernel-internal dev_t: 12-bit major, 20-bit minor (MINORBITS).
	snprintf(buf, size, "md%u", (unsigned int)(unit & 0xfffff));
	*source = "unit";
	return NULL;
}

// rdev->bdev->bd_disk->disk_name, with the partition number if any.
static struct rv_error *rdev_device_name(struct md_ctx *c, rv_addr_t rdev,
					 char *buf, size_t size)
{
	uint64_t bdev, disk;
	struct rv_error *err = rv_read_member(c->t, rdev, "struct md_rdev",
					      "bdev", &bdev);
	if (err)
		return err;
	if (!bdev)
		return rv_error_format(RV_ERR_ABSENT, "rdev has no bdev");
	err = rv_read_member(c->t, bdev, "struct block_device", "bd_disk", &disk);
	if (err)
		return err;
	if (!disk)
		return rv_error_format(RV_ERR_ABSENT, "bdev %#" PRIx64
				       " has no bd_disk", bdev);
	err = rv_read_member_str(c->t, disk, "struct gendisk", "disk_name", buf,
				 size);
	if (err)
		return err;
	// bd_partno up to v6.9; v6.10 folded it into bd_flags (1116b9fa15c0),
	// where this decoder does not look: such kernels get the disk name.
	uint64_t partno = 0;
	if (rv_member_exists(c->t, "struct block_device", "bd_partno")) {
		err = rv_read_member(c->t, bdev, "struct block_device",
				     "bd_partno", &partno);
		if (err)
			return err;
	}
	if (partno) {
		size_t len = strlen(buf);
		bool digit = len && buf[len - 1] >= '0' && buf[len - 1] <= '9';
		snprintf(buf + len, size - len, "%s%u", digit ? "p" : "",
			 (unsigned int)partno);
	}
	return NULL;
}

static struct rv_error *personality_name(struct md_ctx *c, rv_addr_t pers,
					 char *buf, size_t size)
{
	return rv_read_member_str(c->t, pers, "struct md_personality",
				  c->pers_name, buf, size);
}

// ---- members ----

static jv decode_rdev(struct md_ctx *c, rv_addr_t rdev)
{
	static const char *const T = "struct md_rdev";
	jv o = rv_jv_set(jv_object(), "addr", rv_jv_addr(rdev));
	char name[MD_NAME_LEN];
	struct rv_error *err = rdev_device_name(c, rdev, name, sizeof(name));
	if (err)
		o = rv_jv_set_error(o, rv_error_wrap(err, "device name"));
	else
		o = rv_jv_set(o, "device", jv_string(name));
	o = put_int(c, o, rdev, T, "raid_disk", "raid_disk", NULL);
	o = put_int(c, o, rdev, T, "desc_nr", "desc_nr", NULL);
	uint64_t flags;
	err = rv_read_member(c->t, rdev, T, "flags", &flags);
	if (err) {
		o = rv_jv_set_error(o, err);
	} else {
		o = rv_jv_set(o, "flags", bits_to_names(&c->rdev_flags, flags));
		o = rv_jv_set(o, "flags_raw", rv_jv_u64(flags));
	}
	o = put_int(c, o, rdev, T, "nr_pending", "nr_pending", NULL);
	return o;
}

// mddev->disks: every md_rdev by its same_set link.
static jv decode_members(struct md_ctx *c, rv_addr_t mddev, jv *array)
{
	jv members = jv_array();
	rv_addr_t head;
	struct rv_error *err = rv_member_addr(c->t, mddev, "struct mddev",
					      "disks", &head);
	if (err) {
		*array = rv_jv_set_error(*array, err);
		return members;
	}
	struct rv_list_iter it;
	rv_list_iter_init(&it, c->t, head);
	it.max = MD_MAX_MEMBERS;
	rv_addr_t node;
	while (!(err = rv_list_iter_next(&it, &node)) && node) {
		rv_addr_t rdev;
		err = rv_container_of(c->t, node, "struct md_rdev", "same_set",
				      &rdev);
		if (err)
			break;
		members = jv_array_append(members, decode_rdev(c, rdev));
	}
	if (err)
		*array = rv_jv_set_error(*array, rv_error_wrap(err, "mddev->disks"));
	return members;
}

// ---- r1conf: barrier counters ----

// Signed little-endian integer of @p size bytes.
static int64_t get_sint(const uint8_t *p, size_t size)
{
	uint64_t v = 0;
	for (size_t i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	if (size < 8 && (v >> (size * 8 - 1) & 1))
		v |= ~((UINT64_C(1) << (size * 8)) - 1);
	return (int64_t)v;
}

static const char *const barrier_counters[] = {
	"nr_pending", "nr_waiting", "nr_queued", "barrier",
};
#define NR_COUNTERS 4
enum { C_PENDING, C_WAITING, C_QUEUED, C_BARRIER };

struct bucket_arrays {
	unsigned int nr;		// BARRIER_BUCKETS_NR
	int64_t *val[NR_COUNTERS];	// NULL when that array was unreadable
};

// Read the bucket array behind the pointer member @p name (at @p ptr) with
// one read.
static struct rv_error *read_bucket_array(struct md_ctx *c, uint64_t ptr,
					  const char *name,
					  const struct rv_member *m,
					  unsigned int nr, int64_t **ret)
{
	struct rv_error *err;
	if (!ptr)
		return rv_error_format(RV_ERR_ABSENT, "conf->%s is NULL", name);
	size_t elem = m->target_size, len = (size_t)nr * elem;
	uint8_t *buf = malloc(len);
	int64_t *val = calloc(nr, sizeof(*val));
	if (!buf || !val) {
		free(buf);
		free(val);
		return &rv_enomem;
	}
	err = rv_read(c->t, ptr, buf, len);
	if (err) {
		free(buf);
		free(val);
		return rv_error_wrap(err, "conf->%s[0..%u)", name, nr);
	}
	for (unsigned int i = 0; i < nr; i++)
		val[i] = get_sint(buf + (size_t)i * elem, elem);
	free(buf);
	*ret = val;
	return NULL;
}

static int64_t bucket_sum(const int64_t *v, unsigned int nr)
{
	int64_t s = 0;
	for (unsigned int i = 0; i < nr; i++)
		s += v[i];
	return s;
}

// The non-zero buckets as {idx, nr_pending, nr_waiting, nr_queued, barrier}.
static jv nonzero_buckets(const struct bucket_arrays *b)
{
	jv list = jv_array();
	for (unsigned int i = 0; i < b->nr; i++) {
		bool any = false;
		for (int k = 0; k < NR_COUNTERS; k++)
			any |= b->val[k] && b->val[k][i];
		if (!any)
			continue;
		jv o = rv_jv_set(jv_object(), "idx", jv_number(i));
		for (int k = 0; k < NR_COUNTERS; k++) {
			if (b->val[k])
				o = rv_jv_set(o, barrier_counters[k],
					      rv_jv_s64(b->val[k][i]));
		}
		list = jv_array_append(list, o);
	}
	return list;
}

// v4.11+: each counter points to BARRIER_BUCKETS_NR atomic_t (or int in
// the short 'int *' era of fd76863e37fe; read the same way).
static jv decode_bucket_counters(struct md_ctx *c, rv_addr_t conf, jv o,
				 int64_t nr_sync_pending, bool sync_known)
{
	struct rv_member m[NR_COUNTERS];
	for (int k = 0; k < NR_COUNTERS; k++) {
		struct rv_error *err = rv_member(c->t, "struct r1conf",
						 barrier_counters[k], &m[k]);
		if (err)
			return rv_jv_set_error(o, err);
		if (m[k].kind != RV_KIND_PTR || m[k].target_size == 0 ||
		    m[k].target_size > 8)
			return rv_jv_set_error(o, rv_error_format(RV_ERR_LOOKUP,
				"r1conf.%s: unexpected type (kind %d, element %" PRIu64
				" bytes)", barrier_counters[k], m[k].kind,
				m[k].target_size));
	}
	// BARRIER_BUCKETS_NR = 1 << (PAGE_SHIFT - ilog2(sizeof(atomic_t))):
	// each array fills exactly one page, so the count is PAGE_SIZE over
	// the element size the debug info gives for the pointee.
	if (c->page_size_err)
		o = rv_jv_set_error(o, rv_error_format(c->page_size_err->code,
			"page size assumed %d: %s", MD_DEFAULT_PAGE_SIZE,
			c->page_size_err->msg));
	uint64_t nr = c->page_size / m[C_PENDING].target_size;
	if (nr == 0 || nr > MD_MAX_BUCKETS || (nr & (nr - 1)))
		return rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"implausible bucket count %" PRIu64, nr));
	o = rv_jv_set(o, "layout", jv_string("buckets"));
	o = rv_jv_set(o, "buckets_nr", jv_number((double)nr));

	struct bucket_arrays b = { .nr = (unsigned int)nr };
	for (int k = 0; k < NR_COUNTERS; k++) {
		char key[32];
		uint64_t ptr;
		snprintf(key, sizeof(key), "%s_addr", barrier_counters[k]);
		struct rv_error *err = rv_read_member(c->t, conf,
						      "struct r1conf",
						      barrier_counters[k], &ptr);
		if (!err) {
			o = rv_jv_set(o, key, rv_jv_addr(ptr));
			err = read_bucket_array(c, ptr, barrier_counters[k],
						&m[k], b.nr, &b.val[k]);
		}
		if (err)
			o = rv_jv_set_error(o, err);
	}
	for (int k = 0; k < NR_COUNTERS; k++) {
		if (!b.val[k])
			continue;
		char key[32];
		snprintf(key, sizeof(key), "%s_sum", barrier_counters[k]);
		o = rv_jv_set(o, key, rv_jv_s64(bucket_sum(b.val[k], b.nr)));
	}
	// get_unqueued_pending(): nr_sync_pending + sum(nr_pending - nr_queued).
	if (b.val[C_PENDING] && b.val[C_QUEUED] && sync_known) {
		int64_t u = nr_sync_pending;
		for (unsigned int i = 0; i < b.nr; i++)
			u += b.val[C_PENDING][i] - b.val[C_QUEUED][i];
		o = rv_jv_set(o, "unqueued_pending", rv_jv_s64(u));
	}
	o = rv_jv_set(o, "buckets", nonzero_buckets(&b));
	for (int k = 0; k < NR_COUNTERS; k++)
		free(b.val[k]);
	return o;
}

// Before v4.11 (fd76863e37fe): one int of each, and the resync window.
static jv decode_scalar_counters(struct md_ctx *c, rv_addr_t conf, jv o)
{
	static const char *const T = "struct r1conf";
	o = rv_jv_set(o, "layout", jv_string("scalar"));
	int64_t v[NR_COUNTERS];
	bool ok[NR_COUNTERS] = { false };
	for (int k = 0; k < NR_COUNTERS; k++) {
		struct rv_error *err = rv_read_member_s(c->t, conf, T,
							barrier_counters[k], &v[k]);
		if (err) {
			o = rv_jv_set_error(o, err);
			continue;
		}
		ok[k] = true;
		char key[32];
		snprintf(key, sizeof(key), "%s_sum", barrier_counters[k]);
		o = rv_jv_set(o, barrier_counters[k], rv_jv_s64(v[k]));
		o = rv_jv_set(o, key, rv_jv_s64(v[k]));
	}
	// The old freeze_array() waited for nr_pending == nr_queued + extra.
	if (ok[C_PENDING] && ok[C_QUEUED])
		o = rv_jv_set(o, "unqueued_pending",
			      rv_jv_s64(v[C_PENDING] - v[C_QUEUED]));
	static const char *const window[] = {
		"start_next_window", "next_resync", "current_window_requests",
		"next_window_requests",
	};
	for (size_t i = 0; i < sizeof(window) / sizeof(window[0]); i++) {
		if (rv_member_exists(c->t, T, window[i]))
			o = put_int(c, o, conf, T, window[i], window[i], NULL);
	}
	return o;
}

// ---- r1conf: lists, mirrors, waiters ----

// conf->pending_bio_list: bios chained by bi_next from head to tail.
static jv put_bio_list_count(struct md_ctx *c, rv_addr_t conf, jv o)
{
	rv_addr_t list;
	uint64_t bio, tail;
	struct rv_error *err = rv_member_addr(c->t, conf, "struct r1conf",
					      "pending_bio_list", &list);
	if (!err)
		err = rv_read_member(c->t, list, "struct bio_list", "head", &bio);
	if (!err)
		err = rv_read_member(c->t, list, "struct bio_list", "tail", &tail);
	if (err)
		return rv_jv_set_error(o, rv_error_wrap(err, "pending_bio_list"));
	unsigned int n = 0;
	uint64_t last = 0;
	while (bio && n < MD_MAX_BIOS) {
		n++;
		last = bio;
		err = rv_read_member(c->t, bio, "struct bio", "bi_next", &bio);
		if (err)
			break;
	}
	o = rv_jv_set(o, "pending_bio_list_count", jv_number(n));
	if (err)
		return rv_jv_set_error(o, rv_error_wrap(err,
			"pending_bio_list after %u bios", n));
	if (bio)
		return rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"pending_bio_list: more than %u bios (cycle?)", MD_MAX_BIOS));
	if (last != tail)
		return rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"pending_bio_list: last bio %#" PRIx64 " is not tail %#"
			PRIx64, last, tail));
	return o;
}

// conf->mirrors[0 .. 2*raid_disks): the upper half holds replacements.
static jv decode_mirrors(struct md_ctx *c, rv_addr_t conf, int64_t raid_disks,
			 jv *o)
{
	static const char *const T = "struct raid1_info";
	jv list = jv_array();
	if (raid_disks < 0 || raid_disks > MD_MAX_RAID_DISKS) {
		*o = rv_jv_set_error(*o, rv_error_format(RV_ERR_CORRUPT,
			"implausible raid_disks %" PRId64 ", mirrors not read",
			raid_disks));
		return list;
	}
	uint64_t mirrors, size;
	struct rv_error *err = rv_read_member(c->t, conf, "struct r1conf",
					      "mirrors", &mirrors);
	if (!err)
		err = rv_type_size(c->t, T, &size);
	if (err) {
		*o = rv_jv_set_error(*o, rv_error_wrap(err, "mirrors"));
		return list;
	}
	if (!mirrors)
		return list;
	for (int64_t i = 0; i < 2 * raid_disks; i++) {
		rv_addr_t m = mirrors + (uint64_t)i * size;
		uint64_t rdev;
		err = rv_read_member(c->t, m, T, "rdev", &rdev);
		if (err) {
			*o = rv_jv_set_error(*o, rv_error_wrap(err,
				"mirrors[%" PRId64 "]", i));
			continue;
		}
		if (!rdev)
			continue;
		jv e = rv_jv_set(jv_object(), "slot", jv_number((double)i));
		e = rv_jv_set(e, "rdev_addr", rv_jv_addr(rdev));
		e = rv_jv_set(e, "replacement", jv_bool(i >= raid_disks));
		e = put_uint(c, e, m, T, "head_position", "head_position", false,
			     NULL);
		list = jv_array_append(list, e);
	}
	return list;
}

// Two-letter task state, crash style. TASK_* are #defines in
// include/linux/sched.h (not in the debug info); these bits have kept
// their values since v4.14: INTERRUPTIBLE 0x1, UNINTERRUPTIBLE 0x2,
// __TASK_STOPPED 0x4, __TASK_TRACED 0x8, TASK_PARKED 0x40, TASK_DEAD 0x80,
// TASK_NOLOAD 0x400 (TASK_IDLE = UNINTERRUPTIBLE | NOLOAD).
static const char *task_state_name(uint64_t state)
{
	if (state == 0)
		return "RU";
	if ((state & 0x402) == 0x402)
		return "ID";
	if (state & 0x2)
		return "UN";
	if (state & 0x1)
		return "IN";
	if (state & 0x4)
		return "ST";
	if (state & 0x8)
		return "TR";
	if (state & 0x40)
		return "PA";
	if (state & 0x80)
		return "DE";
	return "??";
}

// The md functions a task sleeps in, deepest first as a scan finds them,
// and what sleeping there makes the task (drivers/md/raid1.c, md.c).
static const struct {
	const char *function, *role;
} md_sleepers[] = {
	{ "freeze_array", "freezer" },		// quiesce: waits for I/O to drain
	{ "raise_barrier", "resync" },		// resync raises a bucket's barrier
	{ "_wait_barrier", "blocked by barrier" },
	{ "wait_barrier", "blocked by barrier" },
	{ "wait_read_barrier", "blocked by barrier" },
	{ "wait_barrier_nolock", "blocked by barrier" },
	{ "md_handle_request", "blocked by suspend" },	// mddev->suspended
	{ "mddev_suspend", "suspender" },	// waits for active_io to drain
	{ "md_write_start", "waiting for superblock" },
};

static const char *md_sleeper_role(const char *function)
{
	for (size_t i = 0; i < sizeof(md_sleepers) / sizeof(md_sleepers[0]); i++)
		if (!strcmp(md_sleepers[i].function, function))
			return md_sleepers[i].role;
	return NULL;
}

// Where the waiter sleeps: the first md frame of its stack (a frame of
// the raid1 or md_mod module, or a known md function when md is built
// in) as sleeps_in, its role, and the frames themselves.
static jv decode_task_stack(struct md_ctx *c, rv_addr_t task, jv e)
{
	struct rv_stack_frame frames[RV_STACK_MAX_FRAMES];
	size_t n;
	rv_addr_t sp = 0, base = 0;
	struct rv_error *err = rv_task_stack_scan(c->t, task, frames, RV_STACK_MAX_FRAMES, &n,
						  &sp, &base);
	if (err)
		return rv_jv_set_error(e, rv_error_wrap(err, "stack of task %#" PRIx64, task));
	e = rv_jv_set(e, "stack", rv_task_stack_jv(frames, n, sp, base));
	for (size_t i = 0; i < n; i++) {
		const char *role = md_sleeper_role(frames[i].function);
		if (!role && strcmp(frames[i].module, "raid1") && strcmp(frames[i].module, "md_mod"))
			continue;
		char where[192];
		snprintf(where, sizeof(where), "%s+%#" PRIx64 "%s%s%s", frames[i].function,
			 frames[i].offset, frames[i].module[0] ? " [" : "", frames[i].module,
			 frames[i].module[0] ? "]" : "");
		e = rv_jv_set(e, "sleeps_in", jv_string(frames[i].function));
		e = rv_jv_set(e, "sleeps_at", jv_string(where));
		return rv_jv_set(e, "role", role ? jv_string(role) : jv_string("other"));
	}
	return rv_jv_set(e, "sleeps_in", jv_null());
}

static jv decode_task(struct md_ctx *c, rv_addr_t task, jv e)
{
	static const char *const T = "struct task_struct";
	e = rv_jv_set(e, "task", rv_jv_addr(task));
	e = put_int(c, e, task, T, "pid", "pid", NULL);
	char comm[32];
	struct rv_error *err = rv_read_member_str(c->t, task, T, "comm", comm,
						  sizeof(comm));
	if (err)
		e = rv_jv_set_error(e, err);
	else
		e = rv_jv_set(e, "comm", jv_string(comm));
	uint64_t state;
	err = rv_read_member(c->t, task, T, c->task_state, &state);
	if (err) {
		e = rv_jv_set_error(e, err);
	} else {
		e = rv_jv_set(e, "state", rv_jv_u64(state));
		e = rv_jv_set(e, "state_name", jv_string(task_state_name(state)));
	}
	return decode_task_stack(c, task, e);
}

static bool wakes_a_task(const struct md_ctx *c, uint64_t func)
{
	// Without any wake function symbol, assume the usual wait_event*().
	if (c->nr_wake_fn == 0)
		return true;
	for (int i = 0; i < c->nr_wake_fn; i++) {
		if (c->wake_fn[i] == func)
			return true;
	}
	return false;
}

// The entries of the wait queue head at @p wqh (@p what names it in errors).
static jv decode_waiters(struct md_ctx *c, rv_addr_t wqh, const char *what,
			 jv *o)
{
	const struct wq_layout *w = &c->wq;
	jv list = jv_array();
	rv_addr_t head;
	struct rv_error *err = rv_member_addr(c->t, wqh, w->head_type,
					      w->head_list, &head);
	if (err) {
		*o = rv_jv_set_error(*o, rv_error_wrap(err, "%s", what));
		return list;
	}
	struct rv_list_iter it;
	rv_list_iter_init(&it, c->t, head);
	it.max = MD_MAX_WAITERS;
	rv_addr_t node;
	while (!(err = rv_list_iter_next(&it, &node)) && node) {
		rv_addr_t entry;
		err = rv_container_of(c->t, node, w->entry_type, w->entry_list,
				      &entry);
		if (err)
			break;
		jv e = rv_jv_set(jv_object(), "addr", rv_jv_addr(entry));
		uint64_t func = 0, priv = 0;
		e = put_uint(c, e, entry, w->entry_type, "flags", "flags", false,
			     NULL);
		e = put_uint(c, e, entry, w->entry_type, "func", "func", true,
			     &func);
		e = put_uint(c, e, entry, w->entry_type, "private", "private",
			     true, &priv);
		if (priv && rv_addr_kernel(priv) && wakes_a_task(c, func))
			e = decode_task(c, priv, e);
		list = jv_array_append(list, e);
	}
	if (err)
		*o = rv_jv_set_error(*o, rv_error_wrap(err, "%s", what));
	return list;
}

// ---- r1conf ----

static jv decode_r1conf(struct md_ctx *c, rv_addr_t conf)
{
	static const char *const T = "struct r1conf";
	jv o = rv_jv_set(jv_object(), "addr", rv_jv_addr(conf));
	if (!rv_type_exists(c->t, T))
		return rv_jv_set_error(o, rv_error_format(RV_ERR_NODEBUG,
			"no struct r1conf in the debug info (raid1 debuginfo not loaded)"));
	o = put_uint(c, o, conf, T, "mddev", "mddev_addr", true, NULL);
	int64_t raid_disks = -1;
	o = put_int(c, o, conf, T, "raid_disks", "raid_disks", &raid_disks);
	o = put_int(c, o, conf, T, "array_frozen", "array_frozen", NULL);
	o = put_int(c, o, conf, T, "fullsync", "fullsync", NULL);
	o = put_int(c, o, conf, T, "recovery_disabled", "recovery_disabled",
		    NULL);

	// nr_sync_pending appeared with the atomic_t buckets (~v4.12); where
	// it is absent it contributes nothing to the unqueued count.
	int64_t sync_pending = 0;
	bool sync_known = true;	// false: it exists but could not be read
	if (rv_member_exists(c->t, T, "nr_sync_pending")) {
		struct rv_error *err = rv_read_member_s(c->t, conf, T,
							"nr_sync_pending",
							&sync_pending);
		if (err) {
			o = rv_jv_set_error(o, err);
			sync_known = false;
		} else {
			o = rv_jv_set(o, "nr_sync_pending",
				      rv_jv_s64(sync_pending));
		}
	}

	// The counters' kind tells the era: pointers to bucket arrays since
	// fd76863e37fe (v4.11), plain int before.
	struct rv_member m;
	struct rv_error *err = rv_member(c->t, T, "nr_pending", &m);
	if (err)
		o = rv_jv_set_error(o, err);
	else if (m.kind == RV_KIND_PTR)
		o = decode_bucket_counters(c, conf, o, sync_pending, sync_known);
	else if (m.kind == RV_KIND_INT)
		o = decode_scalar_counters(c, conf, o);
	else
		o = rv_jv_set_error(o, rv_error_format(RV_ERR_LOOKUP,
			"r1conf.nr_pending is neither a pointer nor an int (kind %d)",
			m.kind));

	o = put_list_count(c, o, conf, T, "retry_list", "retry_list_count");
	o = put_list_count(c, o, conf, T, "bio_end_io_list",
			   "bio_end_io_list_count");
	o = put_bio_list_count(c, conf, o);

	jv mirrors = decode_mirrors(c, conf, raid_disks, &o);
	o = rv_jv_set(o, "mirrors", mirrors);

	rv_addr_t wqh;
	err = rv_member_addr(c->t, conf, T, "wait_barrier", &wqh);
	if (err) {
		o = rv_jv_set_error(o, err);
	} else {
		jv waiters = decode_waiters(c, wqh, "wait_barrier", &o);
		o = rv_jv_set(o, "wait_barrier", waiters);
	}
	return o;
}

// ---- trust ----

static jv doubt_count(jv doubts, jv o, const char *key)
{
	double v = rv_jv_num(o, key, 0);
	if (v <= -RV_PLAUSIBLE_COUNT || v >= RV_PLAUSIBLE_COUNT)
		doubts = rv_jv_doubt(doubts, "%s %.0f out of range", key, v);
	return doubts;
}

// An r1conf is believed when its mddev points back at the array it hangs
// off (raid1_run sets conf->mddev; mddev->private is conf), its raid_disks
// agree with the array's (raid1_reshape sets both), and its counters are
// plausible: a bug leaves a counter at -1 or 2, a page of other data at
// 0xcccccccc. @p mddev 0: reached by address; conf->mddev->private was
// checked instead (mddev_private_matches).
static jv trust_conf(jv conf, rv_addr_t mddev, int64_t md_raid_disks)
{
	jv d = jv_array();
	jv has = jv_object_get(jv_copy(conf), jv_string("mddev_addr"));
	bool read = jv_is_valid(has);
	jv_free(has);
	if (!read)	// nothing decoded (no debug info): untrusted by its error
		return rv_jv_set_trust(conf, "r1conf", d);
	rv_addr_t back = rv_jv_get_addr(jv_object_get(jv_copy(conf), jv_string("mddev_addr")));
	if (mddev && back != mddev)
		d = rv_jv_doubt(d, "conf->mddev %#" PRIx64 " does not point back at the mddev %#" PRIx64,
				back, mddev);
	jv m = jv_object_get(jv_copy(conf), jv_string("mddev_private_matches"));
	if (jv_get_kind(m) == JV_KIND_FALSE)
		d = rv_jv_doubt(d, "conf->mddev->private does not point back at it");
	jv_free(m);
	double rd = rv_jv_num(conf, "raid_disks", -1);
	if (rd < 0 || rd > MD_MAX_RAID_DISKS)
		d = rv_jv_doubt(d, "raid_disks %.0f out of range", rd);
	else if (md_raid_disks >= 0 && rd != (double)md_raid_disks)
		d = rv_jv_doubt(d, "raid_disks %.0f, the mddev says %" PRId64, rd, md_raid_disks);
	static const char *const counts[] = {
		"array_frozen", "nr_sync_pending", "nr_pending_sum", "nr_waiting_sum",
		"nr_queued_sum", "barrier_sum", "unqueued_pending",
	};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		d = doubt_count(d, conf, counts[i]);
	jv buckets = jv_object_get(jv_copy(conf), jv_string("buckets"));
	if (jv_get_kind(buckets) == JV_KIND_ARRAY) {
		jv_array_foreach(buckets, i, b) {
			for (int k = 0; k < NR_COUNTERS; k++)
				d = doubt_count(d, b, barrier_counters[k]);
			jv_free(b);
		}
	}
	jv_free(buckets);
	return rv_jv_set_trust(conf, "r1conf", d);
}

// An mddev is believed when read whole with its counts in range.
static jv trust_mddev(jv o)
{
	jv d = jv_array();
	double rd = rv_jv_num(o, "raid_disks", -1);
	double deg = rv_jv_num(o, "degraded", -1);
	if (rd < 0 || rd > MD_MAX_RAID_DISKS)
		d = rv_jv_doubt(d, "raid_disks %.0f out of range", rd);
	else if (deg < 0 || deg > rd)
		d = rv_jv_doubt(d, "degraded %.0f out of range 0..%.0f", deg, rd);
	return rv_jv_set_trust(o, "mddev", d);
}

// ---- suspend state ----

// PERCPU_COUNT_BIAS (lib/percpu-refcount.c, a #define since the percpu_ref
// rework of v3.11): a percpu-mode ref keeps 1 << (BITS_PER_LONG - 1) in
// data->count so that the atomic part never reaches zero early.
#define PERCPU_COUNT_BIAS (UINT64_C(1) << 63)

// The __PERCPU_REF_* flag bits in the low bits of percpu_count_ptr, from
// the dump's enum (include/linux/percpu-refcount.h).
static uint64_t percpu_ref_flag(struct rv_target *t, const char *name,
				uint64_t fallback)
{
	int64_t v;
	struct rv_error *err = rv_enum_value(t, name, &v);
	if (err) {
		rv_error_destroy(err);
		return fallback;
	}
	return (uint64_t)v;
}

// A struct percpu_ref at @p ref: its count (what percpu_ref_is_zero()
// tests), mode and whether it was killed.
static jv decode_percpu_ref(struct md_ctx *c, rv_addr_t ref, jv o)
{
	static const char *const R = "struct percpu_ref";
	static const char *const D = "struct percpu_ref_data";
	struct rv_target *t = c->t;
	o = rv_jv_set(o, "layout", jv_string("percpu_ref"));
	uint64_t ptr, data;
	struct rv_error *err = rv_read_member(t, ref, R, "percpu_count_ptr", &ptr);
	if (!err)
		err = rv_read_member(t, ref, R, "data", &data);
	if (err)
		return rv_jv_set_error(o, err);
	uint64_t atomic_bit = percpu_ref_flag(t, "__PERCPU_REF_ATOMIC", 1);
	uint64_t dead_bit = percpu_ref_flag(t, "__PERCPU_REF_DEAD", 2);
	uint64_t flag_bits = percpu_ref_flag(t, "__PERCPU_REF_FLAG_BITS", 2);
	bool atomic = ptr & atomic_bit;
	bool dead = ptr & dead_bit;
	o = rv_jv_set(o, "percpu_count_ptr", rv_jv_addr(ptr));
	o = rv_jv_set(o, "mode", jv_string(atomic ? "atomic" : "percpu"));
	o = rv_jv_set(o, "dead", jv_bool(dead));
	if (!data)
		return rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"percpu_ref.data is NULL (exited ref)"));
	o = rv_jv_set(o, "data", rv_jv_addr(data));
	uint64_t count, confirm = 0;
	err = rv_read_member(t, data, D, "count", &count);
	if (err)
		return rv_jv_set_error(o, err);
	o = rv_jv_set(o, "data_count", rv_jv_s64((int64_t)count));
	o = put_uint(c, o, data, D, "force_atomic", "force_atomic", false, NULL);
	o = put_uint(c, o, data, D, "confirm_switch", "confirm_switch", true,
		     &confirm);
	// A switch to atomic mode folds the per-CPU counters in an RCU
	// callback (percpu_ref_switch_to_atomic_rcu); until it ran,
	// confirm_switch is set and data->count still holds the bias.
	o = rv_jv_set(o, "switching", jv_bool(confirm != 0));
	if (atomic && !confirm) {
		o = rv_jv_set(o, "count", rv_jv_s64((int64_t)count));
		return o;
	}
	// Per-CPU mode (or a switch in flight): the atomic part plus every
	// possible CPU's counter, minus the bias.
	int nr;
	err = rv_nr_cpu_ids(t, &nr);
	if (err)
		return rv_jv_set_error(o, err);
	uint64_t sum = 0;
	rv_addr_t pcpu = ptr & ~((UINT64_C(1) << flag_bits) - 1);
	for (int cpu = 0; cpu < nr; cpu++) {
		rv_addr_t a;
		uint64_t v;
		err = rv_percpu_addr(t, pcpu, cpu, &a);
		if (!err)
			err = rv_read_u64(t, a, &v);
		if (err)
			return rv_jv_set_error(o, rv_error_wrap(err,
					       "percpu_ref counter of cpu %d", cpu));
		sum += v;
	}
	o = rv_jv_set(o, "percpu_sum", rv_jv_s64((int64_t)sum));
	o = rv_jv_set(o, "count", rv_jv_s64((int64_t)(count + sum - PERCPU_COUNT_BIAS)));
	return o;
}

// mddev->active_io: every bio md is handling holds it. mddev_suspend()
// waits on sb_wait until it drains: an atomic_t up to v6.3, a percpu_ref
// from "md: Change active_io to percpu" (v6.4), which mddev_suspend()
// kills first; from v6.6 ("md: make sure 'active_io' represents in
// flight io" and the md_clone_bio() series of Yu Kuai) a bio holds it
// until the members completed it.
static jv decode_active_io(struct md_ctx *c, rv_addr_t mddev)
{
	static const char *const T = "struct mddev";
	jv o = jv_object();
	if (rv_member_exists(c->t, T, "active_io.percpu_count_ptr")) {
		rv_addr_t ref;
		struct rv_error *err = rv_member_addr(c->t, mddev, T, "active_io",
						      &ref);
		if (err)
			return rv_jv_set_error(o, err);
		return decode_percpu_ref(c, ref, o);
	}
	o = rv_jv_set(o, "layout", jv_string("atomic_t"));
	return put_int(c, o, mddev, T, "active_io", "count", NULL);
}

// ---- mddev ----

static bool is_raid1(int64_t level, const char *pers)
{
	return level == 1 || (pers && !strcmp(pers, "raid1"));
}

static jv decode_mddev(struct md_ctx *c, rv_addr_t mddev)
{
	static const char *const T = "struct mddev";
	jv o = rv_jv_set(jv_object(), "addr", rv_jv_addr(mddev));
	char name[MD_NAME_LEN];
	const char *source = NULL;
	struct rv_error *err = md_name(c, mddev, name, sizeof(name), &source);
	if (err) {
		o = rv_jv_set_error(o, rv_error_wrap(err, "name"));
	} else {
		o = rv_jv_set(o, "name", jv_string(name));
		o = rv_jv_set(o, "name_source", jv_string(source));
	}
	o = put_uint(c, o, mddev, T, "unit", "unit", false, NULL);
	int64_t level = -1;
	o = put_int(c, o, mddev, T, "level", "level", &level);

	uint64_t pers = 0;
	char pname[MD_NAME_LEN] = "";
	o = put_uint(c, o, mddev, T, "pers", "pers_addr", true, &pers);
	if (pers) {
		err = personality_name(c, pers, pname, sizeof(pname));
		if (err)
			o = rv_jv_set_error(o, rv_error_wrap(err, "personality"));
		else
			o = rv_jv_set(o, "personality", jv_string(pname));
	}
	int64_t raid_disks = -1;
	o = put_int(c, o, mddev, T, "raid_disks", "raid_disks", &raid_disks);
	o = put_int(c, o, mddev, T, "degraded", "degraded", NULL);
	if (rv_member_exists(c->t, T, "suspended"))
		o = put_int(c, o, mddev, T, "suspended", "suspended", NULL);

	if (rv_member_exists(c->t, T, "active_io"))
		o = rv_jv_set(o, "active_io", decode_active_io(c, mddev));
	rv_addr_t sb_wait;
	err = rv_member_addr(c->t, mddev, T, "sb_wait", &sb_wait);
	if (err)
		o = rv_jv_set_error(o, err);
	else
		o = rv_jv_set(o, "sb_wait", decode_waiters(c, sb_wait, "sb_wait", &o));

	uint64_t bits;
	err = rv_read_member(c->t, mddev, T, "recovery", &bits);
	if (err) {
		o = rv_jv_set_error(o, err);
	} else {
		o = rv_jv_set(o, "recovery", bits_to_names(&c->recovery, bits));
		o = rv_jv_set(o, "recovery_raw", rv_jv_u64(bits));
	}
	err = rv_read_member(c->t, mddev, T, "flags", &bits);
	if (err) {
		o = rv_jv_set_error(o, err);
	} else {
		o = rv_jv_set(o, "flags", bits_to_names(&c->mddev_flags, bits));
		o = rv_jv_set(o, "flags_raw", rv_jv_u64(bits));
	}

	jv members = decode_members(c, mddev, &o);
	o = rv_jv_set(o, "members", members);

	uint64_t priv = 0;
	o = put_uint(c, o, mddev, T, "private", "private", true, &priv);
	if (priv && pers && is_raid1(level, pname))
		o = rv_jv_set(o, "conf", trust_conf(decode_r1conf(c, priv), mddev,
						    raid_disks));
	return trust_mddev(o);
}

// ---- selection and the walk ----


// Whether the mddev at @p mddev is what @p select names: its name, its
// address, or the address of its private r1conf.
static bool selected(struct md_ctx *c, rv_addr_t mddev, const char *select,
		     bool is_addr, rv_addr_t addr)
{
	if (is_addr) {
		if (addr == mddev)
			return true;
		uint64_t priv;
		struct rv_error *err = rv_read_member(c->t, mddev,
						      "struct mddev", "private",
						      &priv);
		rv_error_destroy(err);
		return !err && priv == addr;
	}
	char name[MD_NAME_LEN];
	const char *source;
	struct rv_error *err = md_name(c, mddev, name, sizeof(name), &source);
	rv_error_destroy(err);
	return !err && !strcmp(name, select);
}

// An r1conf's mddev points back to it through ->private; an address that
// fails this is probably no r1conf at all (or one being torn down).
static jv check_conf_backlink(struct md_ctx *c, rv_addr_t conf, jv o)
{
	uint64_t mddev, priv;
	struct rv_error *err = rv_read_member(c->t, conf, "struct r1conf",
					      "mddev", &mddev);
	if (!err)
		err = rv_read_member(c->t, mddev, "struct mddev", "private",
				     &priv);
	if (err)
		return rv_jv_set_error(o, rv_error_wrap(err,
			"conf->mddev->private"));
	o = rv_jv_set(o, "mddev_private_matches", jv_bool(priv == conf));
	if (priv != conf)
		o = rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"conf->mddev->private is %#" PRIx64 ", not this r1conf "
			"(not an r1conf, or a stale one)", priv));
	return o;
}

static struct rv_error *decode(struct rv_target *t, const char *select,
			       jv *ret)
{
	struct md_ctx c;
	ctx_init(&c, t);
	rv_addr_t addr = 0;
	bool is_addr = rv_parse_addr(select, &addr);

	jv sec = rv_jv_set(jv_object(), "present", jv_true());
	if (select)
		sec = rv_jv_set(sec, "select", jv_string(select));
	jv arrays = jv_array();

	rv_addr_t head;
	struct rv_error *err = rv_symbol(t, "all_mddevs", &head);
	if (err && !is_addr) {
		jv_free(sec);
		jv_free(arrays);
		rv_error_destroy(c.page_size_err);
		return rv_error_wrap(err, "md arrays");
	}
	if (err) {
		sec = rv_jv_set_error(sec, err);
	} else {
		sec = rv_jv_set(sec, "all_mddevs", rv_jv_addr(head));
		struct rv_list_iter it;
		rv_list_iter_init(&it, t, head);
		rv_addr_t node;
		while (!(err = rv_list_iter_next(&it, &node)) && node) {
			rv_addr_t mddev;
			err = rv_container_of(t, node, "struct mddev",
					      "all_mddevs", &mddev);
			if (err)
				break;
			if (select && !selected(&c, mddev, select, is_addr, addr))
				continue;
			arrays = jv_array_append(arrays, decode_mddev(&c, mddev));
		}
		if (err)
			sec = rv_jv_set_error(sec, rv_error_wrap(err, "all_mddevs"));
	}

	// An address that is no listed mddev (nor its conf): an r1conf,
	// possibly one no longer reachable from all_mddevs.
	if (is_addr && jv_array_length(jv_copy(arrays)) == 0) {
		jv a = rv_jv_set(jv_object(), "in_all_mddevs", jv_false());
		a = rv_jv_set(a, "conf", trust_conf(check_conf_backlink(&c, addr,
							     decode_r1conf(&c, addr)), 0, -1));
		arrays = jv_array_append(arrays, a);
	} else if (select && !is_addr && jv_array_length(jv_copy(arrays)) == 0) {
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_INVALID,
			"no md array named %s", select));
	}
	sec = rv_jv_set(sec, "arrays", arrays);
	rv_error_destroy(c.page_size_err);
	*ret = sec;
	return NULL;
}

static const char *const md_modules[] = { "md_mod", "raid1", NULL };

const struct rv_decoder rv_decoder_md = {
	.name = "md",
	.summary = "md arrays and raid1 barrier state (struct r1conf)",
	.modules = md_modules,
	.decode = decode,
};

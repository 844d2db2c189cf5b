// SPDX-License-Identifier: GPL-2.0-or-later
// Facts section "blk": blk-mq disks, their hardware contexts, and whether
// each hctx->fq (struct blk_flush_queue *) is valid, live, poisoned or freed.
// Keys: docs/facts-blk.md.
//
// Disks: block_class's devices whose type is &disk_type.
//   block_class.p->klist_devices up to v6.3; from v6.4 (2df418cf4b72) the
//   subsys_private is found on class_kset's list (its .class points back).
//   Klist nodes: device_private.knode_class since v5.1 (570d0200123f),
//   device.knode_class before.
//   gendisk: container_of(dev, struct block_device, bd_device)->bd_disk
//   since v5.11 (0d02129e76ed), container_of(dev, gendisk, part0.__dev)
//   before.
// Hardware contexts: request_queue.hctx_table (xarray) since v5.18
//   (4e5cc99e1e48), queue_hw_ctx[nr_hw_queues] before.
// Flush state: blk_mq_hw_ctx.fq since v3.18 (7c94e1c157a2); before that
//   the same members sit in request_queue ("legacy" layout).
// In flight: what /sys/block/X/inflight counts (blk_mq_in_flight_rw():
//   tags->rqs[tag] with rq->tag == tag, rq->q == q, rq->mq_hctx == hctx,
//   an accounted request (rq->part set) in state MQ_RQ_IN_FLIGHT).

#include <stdlib.h>
#include <string.h>

#include "blk_mq.h"
#include "facts.h"
#include "kmodule.h"
#include "panic_context.h"
#include "slab.h"
#include "xarray.h"

// Bounds on dump-controlled counts.
#define MAX_DISKS 65536		// block_class devices walked: disks and partitions
#define MAX_HCTX 4096		// hardware contexts per queue
#define MAX_TAGS 65536		// tags->nr_tags (BLK_MQ_MAX_DEPTH is 10240)
#define MAX_LIST 100000		// dispatch / flush lists

/** What every disk needs, looked up once per decode. */
struct blk_ctx {
	struct rv_target *t;
	rv_addr_t disk_type;		/**< &disk_type */
	int64_t rq_in_flight;		/**< MQ_RQ_IN_FLIGHT */
	bool have_rq_in_flight;
	uint64_t fq_size;		/**< sizeof(struct blk_flush_queue) */
	bool have_bucket;		/**< the kmalloc bucket is known */
	uint32_t bucket_size;
	char bucket_name[64];
	int hctx_state_bit[4];		/**< bits of hctx_state_bits[] */
	struct rq_layout *rql;		/**< struct request members (requests walk) */
	bool have_now;
	uint64_t now_ns;		/**< CLOCK_MONOTONIC at the dump (requests walk) */
};

// ---- small helpers ----

/** obj[key] = the value of a scalar member, or record the error. */
static jv set_member(struct rv_target *t, jv obj, const char *key,
		     rv_addr_t addr, const char *type, const char *member,
		     uint64_t *ret)
{
	rv_jv_put_u64(t, &obj, addr, type, member, key, ret);
	return obj;
}

/** Length of the list at @p head (bounded, cycle-safe). */
static struct rv_error *list_length(struct rv_target *t, rv_addr_t head,
				    uint64_t *ret)
{
	struct rv_list_iter it;
	rv_list_iter_init(&it, t, head);
	it.max = MAX_LIST;
	rv_addr_t node;
	struct rv_error *err;
	uint64_t n = 0;
	while (!(err = rv_list_iter_next(&it, &node)) && node)
		n++;
	if (err)
		return err;
	*ret = n;
	return NULL;
}

static bool is_canonical(rv_addr_t a)
{
	uint64_t top = a >> 47;
	return top == 0 || top == 0x1ffff;
}

// ---- names ----

/** BLK_MQ_S_* bits: enumerators in v6.x debug info, #defines in v5.x. */
static const struct {
	const char *name;
	int bit;	/**< v5.x-6.x value, used when the debug info lacks it */
} hctx_state_bits[] = {
	{ "BLK_MQ_S_STOPPED", 0 },
	{ "BLK_MQ_S_TAG_ACTIVE", 1 },
	{ "BLK_MQ_S_SCHED_RESTART", 2 },
	{ "BLK_MQ_S_INACTIVE", 3 },	// v5.10 (bf0beec0607d)
};

#define NR_HCTX_STATE_BITS (sizeof(hctx_state_bits) / sizeof(hctx_state_bits[0]))
_Static_assert(NR_HCTX_STATE_BITS ==
	       sizeof(((struct blk_ctx *)0)->hctx_state_bit) / sizeof(int),
	       "blk_ctx.hctx_state_bit has one slot per hctx_state_bits[] name");

/** The bit of each hctx_state_bits[] name: from the debug info if there. */
static void lookup_hctx_state_bits(struct rv_target *t, int *bits)
{
	for (size_t i = 0; i < NR_HCTX_STATE_BITS; i++) {
		int64_t bit;
		struct rv_error *err = rv_enum_value(t, hctx_state_bits[i].name, &bit);
		if (err) {
			rv_error_destroy(err);
			bit = hctx_state_bits[i].bit;
		}
		bits[i] = bit >= 0 && bit < 64 ? (int)bit : -1;
	}
}

static jv hctx_state_names(const int *bits, uint64_t state)
{
	jv names = jv_array();
	uint64_t known = 0;
	for (size_t i = 0; i < NR_HCTX_STATE_BITS; i++) {
		if (bits[i] < 0)
			continue;
		known |= UINT64_C(1) << bits[i];
		if (state & (UINT64_C(1) << bits[i]))
			names = jv_array_append(names,
						jv_string(hctx_state_bits[i].name + 9));
	}
	for (int bit = 0; bit < 64; bit++) {
		if ((state & ~known) & (UINT64_C(1) << bit))
			names = jv_array_append(names, jv_string_fmt("bit%d", bit));
	}
	return names;
}

/**
 * QUEUE_FLAG_* are #defines (not in the debug info); numbering of v6.1
 * (include/linux/blkdev.h). Bits not listed are given as "bitN".
 */
static const char *const queue_flag_names_v6_1[32] = {
	[0] = "STOPPED", [1] = "DYING", [2] = "HAS_SRCU", [3] = "NOMERGES",
	[4] = "SAME_COMP", [5] = "FAIL_IO", [6] = "NONROT", [7] = "IO_STAT",
	[9] = "NOXMERGES", [10] = "ADD_RANDOM", [12] = "SAME_FORCE",
	[13] = "HW_WC", [14] = "INIT_DONE", [15] = "STABLE_WRITES",
	[16] = "POLL", [17] = "WC", [18] = "FUA", [19] = "DAX", [20] = "STATS",
	[22] = "REGISTERED", [24] = "QUIESCED", [25] = "PCI_P2PDMA",
	[26] = "ZONE_RESETALL", [27] = "RQ_ALLOC_TIME", [28] = "HCTX_ACTIVE",
	[29] = "NOWAIT", [30] = "SQ_SCHED",
};

static jv queue_flag_names(uint64_t flags)
{
	jv names = jv_array();
	for (int bit = 0; bit < 64; bit++) {
		if (!(flags & (UINT64_C(1) << bit)))
			continue;
		if (bit < 32 && queue_flag_names_v6_1[bit])
			names = jv_array_append(names,
						jv_string(queue_flag_names_v6_1[bit]));
		else
			names = jv_array_append(names, jv_string_fmt("bit%d", bit));
	}
	return names;
}

/** Name of an enum mq_rq_state value from the debug info, or NULL. */
static const char *rq_state_name(struct rv_target *t, uint64_t state)
{
	static const char *const names[] = {
		"MQ_RQ_IDLE", "MQ_RQ_IN_FLIGHT", "MQ_RQ_COMPLETE",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int64_t v;
		struct rv_error *err = rv_enum_value(t, names[i], &v);
		if (err) {
			rv_error_destroy(err);
			continue;
		}
		if ((uint64_t)v == state)
			return names[i] + 6;
	}
	return NULL;
}

// ---- disks ----

/** The klist of block_class's devices. */
static struct rv_error *block_class_klist(struct rv_target *t, rv_addr_t *ret)
{
	rv_addr_t block_class, sp = 0;
	struct rv_error *err = rv_symbol(t, "block_class", &block_class);
	if (err)
		return err;
	if (rv_member_exists(t, "struct class", "p")) {
		// Up to v6.3: the class points to its subsys_private.
		err = rv_read_member(t, block_class, "struct class", "p", &sp);
		if (err)
			return rv_error_wrap(err, "block_class");
	} else {
		// v6.4+ (2df418cf4b72): find the subsys_private whose .class is
		// &block_class on class_kset->list.
		rv_addr_t kset_sym;
		uint64_t kset;
		if ((err = rv_symbol(t, "class_kset", &kset_sym)))
			return err;
		if ((err = rv_read_u64(t, kset_sym, &kset)))
			return rv_error_wrap(err, "class_kset");
		rv_addr_t head;
		if ((err = rv_member_addr(t, kset, "struct kset", "list", &head)))
			return err;
		struct rv_list_iter it;
		rv_list_iter_init(&it, t, head);
		it.max = MAX_DISKS;
		rv_addr_t node;
		while (!(err = rv_list_iter_next(&it, &node)) && node) {
			rv_addr_t kobj, cand;
			uint64_t cls;
			if ((err = rv_container_of(t, node, "struct kobject", "entry", &kobj)))
				break;
			if ((err = rv_container_of(t, kobj, "struct subsys_private",
						   "subsys.kobj", &cand)))
				break;
			if ((err = rv_read_member(t, cand, "struct subsys_private",
						  "class", &cls)))
				break;
			if (cls == block_class) {
				sp = cand;
				break;
			}
		}
		if (err)
			return rv_error_wrap(err, "class_kset");
	}
	if (!sp)
		return rv_error_format(RV_ERR_ABSENT,
				       "block_class has no subsys_private");
	return rv_member_addr(t, sp, "struct subsys_private", "klist_devices", ret);
}

/** The struct device of a live klist node, or 0 for a dead node. */
static struct rv_error *klist_node_device(struct rv_target *t, rv_addr_t knode,
					  rv_addr_t *ret)
{
	uint64_t n_klist;
	struct rv_error *err = rv_read_member(t, knode, "struct klist_node",
					      "n_klist", &n_klist);
	if (err)
		return err;
	if (n_klist & 1) {	// KNODE_DEAD: being removed
		*ret = 0;
		return NULL;
	}
	if (rv_member_exists(t, "struct device_private", "knode_class")) {
		// v5.1+ (570d0200123f): the node lives in device_private.
		rv_addr_t dp;
		uint64_t dev;
		err = rv_container_of(t, knode, "struct device_private",
				      "knode_class", &dp);
		if (!err)
			err = rv_read_member(t, dp, "struct device_private",
					     "device", &dev);
		if (!err)
			*ret = dev;
		return err;
	}
	return rv_container_of(t, knode, "struct device", "knode_class", ret);
}

/** gendisk of a disk device. */
static struct rv_error *device_gendisk(struct rv_target *t, rv_addr_t dev,
				       rv_addr_t *ret)
{
	if (rv_member_exists(t, "struct block_device", "bd_device")) {
		// v5.11+ (0d02129e76ed): the device is embedded in block_device.
		rv_addr_t bdev;
		uint64_t disk;
		struct rv_error *err = rv_container_of(t, dev, "struct block_device",
						       "bd_device", &bdev);
		if (!err)
			err = rv_read_member(t, bdev, "struct block_device",
					     "bd_disk", &disk);
		if (!err)
			*ret = disk;
		return err;
	}
	return rv_container_of(t, dev, "struct gendisk", "part0.__dev", ret);
}

/**
 * Collect the gendisks of block_class in @p disks (a jv array of address
 * strings); a walk problem goes to @p errors. @p devs, if not NULL, gets
 * the disks' struct device addresses in the same order.
 */
static jv list_gendisks(struct rv_target *t, rv_addr_t disk_type, jv *errors,
			jv *devs)
{
	jv disks = jv_array();
	if (devs)
		*devs = jv_array();
	rv_addr_t klist, head;
	struct rv_error *err = block_class_klist(t, &klist);
	if (!err)
		err = rv_member_addr(t, klist, "struct klist", "k_list", &head);
	if (err) {
		*errors = jv_array_append(*errors, rv_jv_error(err));
		return disks;
	}
	struct rv_list_iter it;
	rv_list_iter_init(&it, t, head);
	it.max = MAX_DISKS;
	rv_addr_t node;
	while (!(err = rv_list_iter_next(&it, &node)) && node) {
		rv_addr_t knode, dev, disk;
		uint64_t type;
		struct rv_error *e = rv_container_of(t, node, "struct klist_node",
						     "n_node", &knode);
		if (!e)
			e = klist_node_device(t, knode, &dev);
		if (!e && !dev)
			continue;
		if (!e)
			e = rv_read_member(t, dev, "struct device", "type", &type);
		if (!e && type != disk_type)
			continue;	// a partition or another device
		if (!e)
			e = device_gendisk(t, dev, &disk);
		if (e) {
			*errors = jv_array_append(*errors, rv_jv_error(
				rv_error_wrap(e, "block_class device node %#" PRIx64, node)));
			continue;
		}
		disks = jv_array_append(disks, rv_jv_addr(disk));
		if (devs)
			*devs = jv_array_append(*devs, rv_jv_addr(dev));
	}
	if (err)
		*errors = jv_array_append(*errors, rv_jv_error(
			rv_error_wrap(err, "block_class devices")));
	return disks;
}

// ---- disk <-> device ----

/** The struct device of a gendisk (disk_to_dev()). */
static struct rv_error *gendisk_device(struct rv_target *t, rv_addr_t disk,
				       rv_addr_t *ret)
{
	if (rv_member_exists(t, "struct block_device", "bd_device")) {
		// v5.11+ (0d02129e76ed): gendisk.part0 is a struct block_device *.
		uint64_t part0;
		struct rv_error *err = rv_read_member(t, disk, "struct gendisk",
						      "part0", &part0);
		if (err)
			return err;
		return rv_member_addr(t, part0, "struct block_device", "bd_device", ret);
	}
	return rv_member_addr(t, disk, "struct gendisk", "part0.__dev", ret);
}

struct rv_error *rv_blk_device_disk(struct rv_target *t, rv_addr_t dev,
				    rv_addr_t *disk, char *name, size_t size)
{
	*disk = 0;
	if (size)
		name[0] = '\0';
	rv_addr_t disk_type;
	struct rv_error *err = rv_symbol(t, "disk_type", &disk_type);
	if (err)
		return err;
	jv errors = jv_array(), devs;
	jv disks = list_gendisks(t, disk_type, &errors, &devs);
	jv_array_foreach(devs, i, a) {
		uint64_t parent;
		struct rv_error *e = rv_read_member(t, rv_jv_get_addr(a),
						    "struct device", "parent", &parent);
		if (e) {
			rv_error_destroy(e);
			continue;
		}
		if (parent != dev)
			continue;
		*disk = rv_jv_get_addr(jv_array_get(jv_copy(disks), i));
		err = rv_read_member_str(t, *disk, "struct gendisk", "disk_name",
					 name, size);
		break;
	}
	jv_free(devs);
	jv_free(disks);
	// A block_class walk problem matters only when no disk was found.
	if (!*disk && !err && jv_array_length(jv_copy(errors)) > 0) {
		jv e0 = jv_array_get(jv_copy(errors), 0);
		err = rv_error_format(RV_ERR_OTHER, "block_class: %s",
				      jv_get_kind(e0) == JV_KIND_STRING ?
				      jv_string_value(e0) : "walk failed");
		jv_free(e0);
	}
	jv_free(errors);
	return err;
}

/**
 * disk.device: the disk's parent device (the virtio device, ...), its
 * driver and the module that owns the driver, with the module's taint.
 */
static jv decode_disk_device(struct rv_target *t, jv d, rv_addr_t disk)
{
	rv_addr_t dev;
	uint64_t parent, drv, owner;
	char buf[64];
	struct rv_error *err = gendisk_device(t, disk, &dev);
	if (!err)
		err = rv_read_member(t, dev, "struct device", "parent", &parent);
	if (err)
		return rv_jv_set_error(d, rv_error_wrap(err, "disk device"));
	d = rv_jv_set(d, "device_addr", rv_jv_addr(dev));
	if (!parent)
		return rv_jv_set(d, "parent", jv_null());
	d = rv_jv_set(d, "parent_addr", rv_jv_addr(parent));
	err = rv_read_member_str(t, parent, "struct device", "kobj.name", buf,
				 sizeof(buf));
	d = err ? rv_jv_set_error(d, rv_error_wrap(err, "parent device name"))
		: rv_jv_set(d, "parent", jv_string(buf));
	if ((err = rv_read_member(t, parent, "struct device", "driver", &drv)))
		return rv_jv_set_error(d, rv_error_wrap(err, "parent device driver"));
	if (!drv)
		return rv_jv_set(d, "driver", jv_null());
	err = rv_read_member_str(t, drv, "struct device_driver", "name", buf,
				 sizeof(buf));
	d = err ? rv_jv_set_error(d, rv_error_wrap(err, "driver name"))
		: rv_jv_set(d, "driver", jv_string(buf));
	if ((err = rv_read_member(t, drv, "struct device_driver", "owner", &owner)))
		return rv_jv_set_error(d, rv_error_wrap(err, "driver owner"));
	if (!owner)	// built into vmlinux
		return rv_jv_set(d, "driver_module", jv_null());
	err = rv_read_member_str(t, owner, "struct module", "name", buf, sizeof(buf));
	if (err)
		return rv_jv_set_error(d, rv_error_wrap(err, "driver module"));
	d = rv_jv_set(d, "driver_module", jv_string(buf));
	err = rv_module_taint(t, owner, buf, sizeof(buf));
	return err ? rv_jv_set_error(d, rv_error_wrap(err, "module taint"))
		   : rv_jv_set(d, "driver_module_taint", jv_string(buf));
}

// ---- flush queue ----

/** The facts object of a slab identification (docs/facts-blk.md "slab"). */
static jv slab_jv(const struct rv_slab_info *si)
{
	jv slab = jv_object();
	slab = rv_jv_set(slab, "is_slab", jv_bool(si->is_slab));
	if (si->layout_note)
		slab = rv_jv_set(slab, "note", jv_string(si->layout_note));
	if (!si->is_slab)
		return rv_jv_set(slab, "reason", jv_string(si->not_slab));
	slab = rv_jv_set(slab, "slab_addr", rv_jv_addr(si->slab));
	slab = rv_jv_set(slab, "cache_addr", rv_jv_addr(si->cache));
	slab = rv_jv_set(slab, "cache", jv_string(si->cache_name));
	slab = rv_jv_set(slab, "object_size", rv_jv_u64(si->object_size));
	slab = rv_jv_set(slab, "size", rv_jv_u64(si->size));
	slab = rv_jv_set(slab, "objects", rv_jv_u64(si->objects));
	slab = rv_jv_set(slab, "inuse", rv_jv_u64(si->inuse));
	if (si->in_object) {
		slab = rv_jv_set(slab, "object_addr", rv_jv_addr(si->object));
		slab = rv_jv_set(slab, "index", rv_jv_u64(si->index));
	}
	slab = rv_jv_set(slab, "free", jv_bool(si->free));
	if (si->free_list)
		slab = rv_jv_set(slab, "free_list", jv_string(si->free_list));
	if (si->free_cpu >= 0)
		slab = rv_jv_set(slab, "free_cpu", jv_number(si->free_cpu));
	if (si->cpu_slab_of >= 0)
		slab = rv_jv_set(slab, "cpu_slab_of", jv_number(si->cpu_slab_of));
	if (si->freelist_error[0])
		slab = rv_jv_set(slab, "error", jv_string(si->freelist_error));
	return slab;
}

/** What @p addr is in SLUB, as a facts object (errors inside). */
static jv identify_jv(struct rv_target *t, rv_addr_t addr)
{
	struct rv_slab_info si;
	struct rv_error *err = rv_slab_identify(t, addr, &si);
	if (err)
		return rv_jv_set_error(jv_object(), err);
	return slab_jv(&si);
}

/** Check the fq pointer; returns the verdict and fills @p fq. */
static const char *fq_pointer_verdict(struct blk_ctx *c, rv_addr_t p, jv *fq)
{
	struct rv_target *t = c->t;
	if (!p)
		return "null";
	const char *poison = rv_addr_poison(p);
	if (poison) {
		*fq = rv_jv_set(*fq, "poison", jv_string(poison));
		return "poison";
	}
	if (!is_canonical(p))
		return "non-canonical";
	uint64_t word;
	struct rv_error *err = rv_read_u64(t, p, &word);
	if (err) {
		*fq = rv_jv_set(*fq, "reason", rv_jv_error(err));
		return "unreadable";
	}
	struct rv_slab_info si;
	err = rv_slab_identify(t, p, &si);
	if (err) {
		*fq = rv_jv_set(*fq, "reason", rv_jv_error(
			rv_error_wrap(err, "slab check")));
		return "unknown";
	}
	*fq = rv_jv_set(*fq, "slab", slab_jv(&si));
	if (!si.is_slab)
		return "not-slab";

	if (!si.in_object || si.object != p)
		return "misaligned";
	if (c->have_bucket && si.object_size != c->bucket_size)
		return "wrong-cache";
	if (si.free)
		return "free";
	return "ok";
}

/** Decode the flush state at @p addr of @p type into @p obj. */
static jv decode_flush_state(struct blk_ctx *c, jv obj, const char *type,
			     rv_addr_t addr)
{
	struct rv_target *t = c->t;
	obj = set_member(t, obj, "flush_pending_idx", addr, type,
			 "flush_pending_idx", NULL);
	obj = set_member(t, obj, "flush_running_idx", addr, type,
			 "flush_running_idx", NULL);
	if (rv_member_exists(t, type, "rq_status"))	// v4.x+
		obj = set_member(t, obj, "rq_status", addr, type, "rq_status", NULL);
	obj = set_member(t, obj, "flush_pending_since", addr, type,
			 "flush_pending_since", NULL);

	struct rv_member m;
	struct rv_error *err = rv_member(t, type, "flush_queue", &m);
	if (!err && (m.kind != RV_KIND_ARRAY || m.nelem == 0 || m.nelem > 2))
		err = rv_error_format(RV_ERR_CORRUPT,
				      "%s.flush_queue is not a list_head[2]", type);
	if (err) {
		obj = rv_jv_set_error(obj, err);
	} else {
		jv lens = jv_array();
		for (uint64_t i = 0; i < m.nelem; i++) {
			uint64_t n;
			err = list_length(t, addr + m.offset + i * m.target_size, &n);
			if (err) {
				obj = rv_jv_set_error(obj, rv_error_wrap(err,
					"flush_queue[%" PRIu64 "]", i));
				lens = jv_array_append(lens, jv_null());
			} else {
				lens = jv_array_append(lens, rv_jv_u64(n));
			}
		}
		obj = rv_jv_set(obj, "flush_queue_len", lens);
	}

	// flush_data_in_flight: a list_head up to ~v6.4, an unsigned long
	// counter from ~v6.5 ("blk-flush: count inflight flush_data requests").
	err = rv_member(t, type, "flush_data_in_flight", &m);
	if (err) {
		obj = rv_jv_set_error(obj, err);
	} else if (m.kind == RV_KIND_STRUCT) {
		uint64_t n;
		err = list_length(t, addr + m.offset, &n);
		obj = rv_jv_set(obj, "flush_data_in_flight_kind", jv_string("list"));
		obj = err ? rv_jv_set_error(obj, rv_error_wrap(err, "flush_data_in_flight"))
			  : rv_jv_set(obj, "flush_data_in_flight", rv_jv_u64(n));
	} else {
		obj = rv_jv_set(obj, "flush_data_in_flight_kind", jv_string("counter"));
		obj = set_member(t, obj, "flush_data_in_flight", addr, type,
				 "flush_data_in_flight", NULL);
	}

	// flush_rq: a pointer, or embedded in old request_queues.
	rv_addr_t rq = 0;
	err = rv_member(t, type, "flush_rq", &m);
	if (!err && m.kind == RV_KIND_PTR)
		err = rv_read_member(t, addr, type, "flush_rq", &rq);
	else if (!err)
		rq = addr + m.offset;
	if (err)
		return rv_jv_set_error(obj, err);
	obj = rv_jv_set(obj, "flush_rq_addr", rv_jv_addr(rq));
	if (!rq || !rv_member_exists(t, "struct request", "state"))
		return obj;
	uint64_t state;
	err = rv_read_member(t, rq, "struct request", "state", &state);
	if (err)
		return rv_jv_set_error(obj, rv_error_wrap(err, "flush_rq"));
	obj = rv_jv_set(obj, "flush_rq_state_raw", rv_jv_u64(state));
	const char *name = rq_state_name(t, state);
	obj = rv_jv_set(obj, "flush_rq_state", name ? jv_string(name) : jv_null());
	return obj;
}

static jv decode_fq(struct blk_ctx *c, rv_addr_t p)
{
	jv fq = jv_object();
	fq = rv_jv_set(fq, "addr", rv_jv_addr(p));
	const char *verdict = fq_pointer_verdict(c, p, &fq);
	fq = rv_jv_set(fq, "verdict", jv_string(verdict));
	if (c->have_bucket) {
		fq = rv_jv_set(fq, "expected_cache", jv_string(c->bucket_name));
		fq = rv_jv_set(fq, "expected_object_size", rv_jv_u64(c->bucket_size));
	}
	if (!strcmp(verdict, "null") || !strcmp(verdict, "poison") ||
	    !strcmp(verdict, "non-canonical") || !strcmp(verdict, "unreadable"))
		return fq;
	return decode_flush_state(c, fq, "struct blk_flush_queue", p);
}

// ---- requests in flight ----

struct in_flight {
	bool counted;		/**< every tag array involved could be read */
	uint64_t total;		/**< accounted, what sysfs inflight sums */
	uint64_t rw[2];		/**< by rq_data_dir(): read, write */
	uint64_t unaccounted;	/**< in flight without rq->part (passthrough, flush) */
};

/** Whether a request read from a tag array is ours and in flight. */
static struct rv_error *rq_in_flight(struct blk_ctx *c, rv_addr_t rq,
				     const char *tag_member, uint64_t tag,
				     rv_addr_t q, rv_addr_t hctx,
				     struct in_flight *acc)
{
	struct rv_target *t = c->t;
	static const char *const R = "struct request";
	uint64_t state, v;
	struct rv_error *err = rv_read_member(t, rq, R, "state", &state);
	if (err || state != (uint64_t)c->rq_in_flight)
		return err;
	// A tag slot keeps its last request after completion; only a request
	// that still owns the tag counts (blk_mq_find_and_get_req()).
	if ((err = rv_read_member(t, rq, R, tag_member, &v)))
		return err;
	if ((uint32_t)v != tag)
		return NULL;
	if ((err = rv_read_member(t, rq, R, "q", &v)))
		return err;
	if (v != q)
		return NULL;
	if (rv_member_exists(t, R, "mq_hctx")) {	// v5.0+
		if ((err = rv_read_member(t, rq, R, "mq_hctx", &v)))
			return err;
		if (v != hctx)
			return NULL;
	}
	uint64_t part = 1;
	if (rv_member_exists(t, R, "part") &&
	    (err = rv_read_member(t, rq, R, "part", &part)))
		return err;
	if (!part) {
		acc->unaccounted++;
		return NULL;
	}
	if ((err = rv_read_member(t, rq, R, "cmd_flags", &v)))
		return err;
	acc->total++;
	acc->rw[v & 1]++;	// op_is_write(): odd operations write
	return NULL;
}

/**
 * Count the requests of @p tags->@p array in flight for @p q / @p hctx.
 * Records problems in @p obj, returns the updated object.
 */
static jv count_in_flight(struct blk_ctx *c, jv obj, rv_addr_t tags,
			  const char *array, const char *tag_member,
			  rv_addr_t q, rv_addr_t hctx, struct in_flight *ret)
{
	struct rv_target *t = c->t;
	static const char *const T = "struct blk_mq_tags";
	struct in_flight acc = { 0 };
	uint64_t nr_tags, rqs;
	*ret = acc;
	struct rv_error *err = rv_read_member(t, tags, T, "nr_tags", &nr_tags);
	if (!err)
		err = rv_read_member(t, tags, T, array, &rqs);
	if (err)
		return rv_jv_set_error(obj, rv_error_wrap(err, "tags %#" PRIx64, tags));
	// request.state: v4.18 (12f5b9314545); before, no such state.
	if (!c->have_rq_in_flight ||
	    !rv_member_exists(t, "struct request", "state"))
		return rv_jv_set_error(obj, rv_error_format(RV_ERR_LOOKUP,
			"no MQ_RQ_IN_FLIGHT / request.state in the debug info: in_flight not counted"));
	if (nr_tags > MAX_TAGS) {
		obj = rv_jv_set_error(obj, rv_error_format(RV_ERR_CORRUPT,
			"tags %#" PRIx64 ": nr_tags %" PRIu64 " implausible, only %d examined",
			tags, nr_tags, MAX_TAGS));
		nr_tags = MAX_TAGS;
	}
	uint64_t *slots = nr_tags ? calloc(nr_tags, sizeof(*slots)) : NULL;
	if (nr_tags && !slots)
		return rv_jv_set_error(obj, &rv_enomem);
	if (nr_tags && (err = rv_read(t, rqs, slots, nr_tags * sizeof(*slots)))) {
		free(slots);
		return rv_jv_set_error(obj, rv_error_wrap(err, "tags->%s", array));
	}
	unsigned int bad = 0;
	struct rv_error *first = NULL;
	for (uint64_t i = 0; i < nr_tags; i++) {
		if (!slots[i])
			continue;
		err = rq_in_flight(c, slots[i], tag_member, i, q, hctx, &acc);
		if (err) {
			bad++;
			if (!first)
				first = rv_error_wrap(err, "%s[%" PRIu64 "]", array, i);
			else
				rv_error_destroy(err);
		}
	}
	free(slots);
	if (first)
		obj = rv_jv_set_error(obj, rv_error_wrap(first,
			"%u request(s) unreadable, first", bad));
	acc.counted = true;
	*ret = acc;
	return obj;
}

// ---- every request in flight, with its age ----
//
// Each tag array slot (tags->rqs[tag], sched_tags->static_rqs[internal_tag])
// whose request still owns the tag, belongs to this queue and hctx and is not
// idle, or is idle but holds an allocated scheduler tag (queued in the I/O
// scheduler, not dispatched). One read of the whole struct request each;
// members are picked from the buffer at the offsets the debug info gives.
//
// Layouts (all checked with rv_member_exists, none assumed):
//   start_time_ns (u64, ktime_get_ns() at allocation when the queue does I/O
//     accounting): v4.17, 522a777566f5 (before: unsigned long start_time,
//     jiffies, not used here).
//   state (enum mq_rq_state): v4.18, 12f5b9314545 (gstate before).
//   mq_hctx: v5.0, ea4f995ee8b8.  deadline: v5.0 (079076b3416e, __deadline
//     in v4.17-v4.20).
//   cmd_flags: the op in its low REQ_OP_BITS = 8 bits since v4.10
//     (ef295ecf090d); op names from enum req_op (v6.0) / enum req_opf.

#define MAX_REQUESTS 100000	// requests examined per disk
#define MAX_LISTED 1024		// requests listed per disk (all are counted)
#define REQ_OP_MASK 0xff

struct rq_field {
	const char *name;
	bool have;
	uint64_t off, size;
};

enum { RQF_Q, RQF_HCTX, RQF_CMD, RQF_TAG, RQF_ITAG, RQF_LEN, RQF_SECTOR,
       RQF_START, RQF_STATE, RQF_DEADLINE, RQF_PART, RQF_N };

struct rq_layout {
	uint64_t size;
	struct rq_field f[RQF_N];
	struct { const char *name; int64_t v; bool have; } ops[16], states[3];
};

static const char *const rq_field_names[RQF_N] = {
	"q", "mq_hctx", "cmd_flags", "tag", "internal_tag", "__data_len",
	"__sector", "start_time_ns", "state", "deadline", "part",
};

static struct rq_layout *rq_layout(struct rv_target *t)
{
	static const char *const ops[] = {
		"REQ_OP_READ", "REQ_OP_WRITE", "REQ_OP_FLUSH", "REQ_OP_DISCARD",
		"REQ_OP_SECURE_ERASE", "REQ_OP_WRITE_ZEROES", "REQ_OP_WRITE_SAME",
		"REQ_OP_ZONE_APPEND", "REQ_OP_ZONE_OPEN", "REQ_OP_ZONE_CLOSE",
		"REQ_OP_ZONE_FINISH", "REQ_OP_ZONE_RESET", "REQ_OP_ZONE_RESET_ALL",
		"REQ_OP_DRV_IN", "REQ_OP_DRV_OUT",
	};
	static const char *const states[] = {
		"MQ_RQ_IDLE", "MQ_RQ_IN_FLIGHT", "MQ_RQ_COMPLETE",
	};
	struct rq_layout *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	struct rv_error *err = rv_type_size(t, "struct request", &l->size);
	if (err || !l->size || l->size > 65536) {
		rv_error_destroy(err);
		free(l);
		return NULL;
	}
	for (int i = 0; i < RQF_N; i++) {
		struct rv_member m;
		struct rq_field *f = &l->f[i];
		f->name = rq_field_names[i];
		err = rv_member(t, "struct request", f->name, &m);
		if (err) {
			rv_error_destroy(err);
			continue;
		}
		if (m.bit_size || m.offset + m.size > l->size ||
		    !(m.size == 1 || m.size == 2 || m.size == 4 || m.size == 8))
			continue;
		f->have = true;
		f->off = m.offset;
		f->size = m.size;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		l->ops[i].name = ops[i] + 7;
		struct rv_error *e = rv_enum_value(t, ops[i], &l->ops[i].v);
		l->ops[i].have = !e;
		rv_error_destroy(e);
	}
	for (size_t i = 0; i < 3; i++) {
		l->states[i].name = states[i] + 6;
		struct rv_error *e = rv_enum_value(t, states[i], &l->states[i].v);
		l->states[i].have = !e;
		rv_error_destroy(e);
	}
	return l;
}

static bool rq_get(const struct rq_layout *l, const unsigned char *buf, int i,
		   uint64_t *ret)
{
	const struct rq_field *f = &l->f[i];
	if (!f->have)
		return false;
	uint64_t v = 0;
	memcpy(&v, buf + f->off, f->size);	// little endian (x86_64)
	*ret = v;
	return true;
}

static jv rq_op_name(const struct rq_layout *l, uint64_t op)
{
	for (size_t i = 0; i < sizeof(l->ops) / sizeof(l->ops[0]); i++) {
		if (l->ops[i].have && (uint64_t)l->ops[i].v == op) {
			char name[32];
			snprintf(name, sizeof(name), "%s", l->ops[i].name);
			for (char *p = name; *p; p++)
				*p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
			return jv_string(name);
		}
	}
	return jv_string_fmt("op%" PRIu64, op);
}

static const char *rq_state_of(const struct rq_layout *l, uint64_t state)
{
	for (int i = 0; i < 3; i++) {
		if (l->states[i].have && (uint64_t)l->states[i].v == state)
			return l->states[i].name;
	}
	return NULL;
}

/** The requests of one disk, gathered over its hardware contexts. */
struct rq_walk {
	jv list;
	uint64_t count, examined;
	bool have_oldest, truncated;
	double oldest_age_ms;
	uint64_t oldest_addr;
	rv_addr_t *seen;	/**< request addresses, to list a request once */
	size_t nseen, cap;
	unsigned int unreadable;
	struct rv_error *first_error;
};

static bool rq_seen(struct rq_walk *w, rv_addr_t rq)
{
	for (size_t i = 0; i < w->nseen; i++) {
		if (w->seen[i] == rq)
			return true;
	}
	if (w->nseen == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		rv_addr_t *s = realloc(w->seen, cap * sizeof(*s));
		if (!s)
			return false;
		w->seen = s;
		w->cap = cap;
	}
	w->seen[w->nseen++] = rq;
	return false;
}

/**
 * Bits of an sbitmap that are allocated: word & ~cleared per sbitmap_word
 * (lib/sbitmap.c; `cleared` since v5.0, ea86ea2cdced). Returns a bitmap of
 * @p n bits (caller frees) or NULL when it cannot be read.
 */
static uint64_t *sbitmap_allocated(struct rv_target *t, rv_addr_t sb, uint64_t n)
{
	static const char *const S = "struct sbitmap", *const W = "struct sbitmap_word";
	uint64_t depth, shift, map_nr, map, wsize;
	struct rv_error *err = rv_read_member(t, sb, S, "depth", &depth);
	if (!err)
		err = rv_read_member(t, sb, S, "shift", &shift);
	if (!err)
		err = rv_read_member(t, sb, S, "map_nr", &map_nr);
	if (!err)
		err = rv_read_member(t, sb, S, "map", &map);
	if (!err)
		err = rv_type_size(t, W, &wsize);
	if (err || shift > 16 || map_nr > MAX_TAGS || !wsize) {
		rv_error_destroy(err);
		return NULL;
	}
	uint64_t *bits = calloc((n + 63) / 64 + 1, sizeof(*bits));
	if (!bits)
		return NULL;
	bool cleared = rv_member_exists(t, W, "cleared");
	for (uint64_t w = 0; w < map_nr; w++) {
		uint64_t word, clr = 0;
		rv_addr_t a = map + w * wsize;
		err = rv_read_member(t, a, W, "word", &word);
		if (!err && cleared)
			err = rv_read_member(t, a, W, "cleared", &clr);
		if (err) {
			rv_error_destroy(err);
			free(bits);
			return NULL;
		}
		word &= ~clr;
		for (uint64_t b = 0; b < (UINT64_C(1) << shift) && b < 64; b++) {
			uint64_t tag = (w << shift) + b;
			if (tag < n && tag < depth && (word >> b) & 1)
				bits[tag / 64] |= UINT64_C(1) << (tag % 64);
		}
	}
	return bits;
}

/** Look at one request of a tag array slot; list it when it is in flight. */
static void rq_visit(struct blk_ctx *c, struct rq_walk *w, rv_addr_t rq,
		     bool sched, uint64_t tag, bool tag_allocated, rv_addr_t q,
		     rv_addr_t hctx, uint64_t hctx_index, unsigned char *buf)
{
	const struct rq_layout *l = c->rql;
	struct rv_error *err = rv_read(c->t, rq, buf, l->size);
	if (err) {
		w->unreadable++;
		if (!w->first_error)
			w->first_error = rv_error_wrap(err, "request %#" PRIx64, rq);
		else
			rv_error_destroy(err);
		return;
	}
	uint64_t v, state;
	if (!rq_get(l, buf, sched ? RQF_ITAG : RQF_TAG, &v) || (uint32_t)v != tag)
		return;
	if (!rq_get(l, buf, RQF_Q, &v) || v != q)
		return;
	if (rq_get(l, buf, RQF_HCTX, &v) && v != hctx)
		return;
	if (!rq_get(l, buf, RQF_STATE, &state))
		return;
	const char *sname = rq_state_of(l, state);
	bool idle = sname && !strcmp(sname, "IDLE");
	bool complete = sname && !strcmp(sname, "COMPLETE");
	// A driver tag slot keeps its last request after completion; an idle
	// request counts only while it holds an allocated scheduler tag.
	if (complete || (idle && !(sched && tag_allocated)))
		return;
	if (rq_seen(w, rq))
		return;
	w->count++;
	jv r = jv_object();
	r = rv_jv_set(r, "addr", rv_jv_addr(rq));
	uint64_t dtag, itag;
	if (rq_get(l, buf, RQF_TAG, &dtag))
		r = rv_jv_set(r, "tag", rv_jv_s64((int32_t)dtag));
	if (rq_get(l, buf, RQF_ITAG, &itag))
		r = rv_jv_set(r, "internal_tag", rv_jv_s64((int32_t)itag));
	r = rv_jv_set(r, "hctx", rv_jv_u64(hctx_index));
	r = rv_jv_set(r, "from", jv_string(sched ? "sched_tags" : "tags"));
	if (rq_get(l, buf, RQF_CMD, &v)) {
		r = rv_jv_set(r, "op", rq_op_name(l, v & REQ_OP_MASK));
		r = rv_jv_set(r, "cmd_flags", rv_jv_u64(v));
	}
	if (rq_get(l, buf, RQF_SECTOR, &v))
		r = rv_jv_set(r, "sector", rv_jv_u64(v));
	if (rq_get(l, buf, RQF_LEN, &v))
		r = rv_jv_set(r, "bytes", rv_jv_u64(v));
	r = rv_jv_set(r, "state", sname ? jv_string(sname) : rv_jv_u64(state));
	if (rq_get(l, buf, RQF_PART, &v))
		r = rv_jv_set(r, "accounted", jv_bool(v != 0));
	uint64_t start;
	if (rq_get(l, buf, RQF_START, &start)) {
		r = rv_jv_set(r, "start_time_ns", rv_jv_u64(start));
		if (start && c->have_now) {
			// Negative when the clock reading lags the request (see docs).
			double age = ((double)(int64_t)(c->now_ns - start)) / 1e6;
			age = (double)(int64_t)age;	// whole ms
			r = rv_jv_set(r, "age_ms", jv_number(age));
			if (!w->have_oldest || age > w->oldest_age_ms) {
				w->have_oldest = true;
				w->oldest_age_ms = age;
				w->oldest_addr = rq;
			}
		} else {
			r = rv_jv_set(r, "age_ms", jv_null());
		}
	}
	if (w->count <= MAX_LISTED)
		w->list = jv_array_append(w->list, r);
	else {
		w->truncated = true;
		jv_free(r);
	}
}

/** Walk tags->@p array of one hctx for requests in flight. */
static jv walk_requests(struct blk_ctx *c, struct rq_walk *w, jv h,
			rv_addr_t tags, bool sched, rv_addr_t q, rv_addr_t hctx,
			uint64_t hctx_index)
{
	struct rv_target *t = c->t;
	static const char *const T = "struct blk_mq_tags";
	if (!c->rql)
		return h;
	uint64_t nr_tags, rqs;
	struct rv_error *err = rv_read_member(t, tags, T, "nr_tags", &nr_tags);
	if (!err)
		err = rv_read_member(t, tags, T, sched ? "static_rqs" : "rqs", &rqs);
	if (err)
		return rv_jv_set_error(h, rv_error_wrap(err, "requests of tags %#" PRIx64, tags));
	if (nr_tags > MAX_TAGS)
		nr_tags = MAX_TAGS;	// count_in_flight() said so
	uint64_t *alloc = NULL;
	if (sched) {
		// v5.16 (e155b0c238b2) made bitmap_tags an embedded sbitmap_queue.
		rv_addr_t sbq = 0;
		struct rv_member m;
		err = rv_member(t, T, "bitmap_tags", &m);
		if (!err && m.kind == RV_KIND_PTR)
			err = rv_read_member(t, tags, T, "bitmap_tags", &sbq);
		else if (!err)
			sbq = tags + m.offset;
		if (!err && sbq) {
			rv_addr_t sb;
			err = rv_member_addr(t, sbq, "struct sbitmap_queue", "sb", &sb);
			if (!err)
				alloc = sbitmap_allocated(t, sb, nr_tags);
		}
		rv_error_destroy(err);
	}
	uint64_t *slots = nr_tags ? calloc(nr_tags, sizeof(*slots)) : NULL;
	unsigned char *buf = malloc(c->rql->size);
	if ((nr_tags && !slots) || !buf) {
		free(slots);
		free(buf);
		free(alloc);
		return rv_jv_set_error(h, &rv_enomem);
	}
	if (nr_tags && (err = rv_read(t, rqs, slots, nr_tags * sizeof(*slots)))) {
		free(slots);
		free(buf);
		free(alloc);
		return rv_jv_set_error(h, rv_error_wrap(err, "requests: tags->%s",
					sched ? "static_rqs" : "rqs"));
	}
	for (uint64_t i = 0; i < nr_tags; i++) {
		if (!slots[i] || !rv_addr_kernel(slots[i]))
			continue;
		if (w->examined++ >= MAX_REQUESTS) {
			w->truncated = true;
			break;
		}
		bool allocated = alloc && ((alloc[i / 64] >> (i % 64)) & 1);
		rq_visit(c, w, slots[i], sched, i, allocated, q, hctx, hctx_index, buf);
	}
	free(slots);
	free(buf);
	free(alloc);
	return h;
}

/** Put the walk's results into disk object @p d. */
static jv requests_facts(struct rq_walk *w, jv d, bool walked)
{
	free(w->seen);
	if (!walked) {
		jv_free(w->list);
		return d;
	}
	d = rv_jv_set(d, "nr_requests", rv_jv_u64(w->count));
	d = rv_jv_set(d, "requests", w->list);
	if (w->truncated)
		d = rv_jv_set(d, "requests_truncated", jv_true());
	d = rv_jv_set(d, "oldest_age_ms", w->have_oldest ? jv_number(w->oldest_age_ms)
							 : jv_null());
	if (w->have_oldest)
		d = rv_jv_set(d, "oldest_request", rv_jv_addr(w->oldest_addr));
	if (w->first_error)
		d = rv_jv_set_error(d, rv_error_wrap(w->first_error,
				    "%u request(s) unreadable, first", w->unreadable));
	return d;
}

/**
 * The dump's "now" on the clock of request.start_time_ns (CLOCK_MONOTONIC,
 * ktime_get_ns()): shadow_timekeeper.tkr_mono, base + (xtime_nsec >> shift)
 * as of the last timekeeping update (kernel/time/timekeeping.c; the shadow
 * is copied to tk_core.timekeeper, an anonymous struct, at each update).
 * See docs/facts-blk.md for its error.
 */
static jv dump_now(struct blk_ctx *c, jv sec)
{
	static const char *const K = "struct timekeeper";
	rv_addr_t tk;
	uint64_t base, xnsec, shift;
	struct rv_error *err = rv_symbol(c->t, "shadow_timekeeper", &tk);
	if (!err)
		err = rv_read_member(c->t, tk, K, "tkr_mono.base", &base);
	if (!err)
		err = rv_read_member(c->t, tk, K, "tkr_mono.xtime_nsec", &xnsec);
	if (!err)
		err = rv_read_member(c->t, tk, K, "tkr_mono.shift", &shift);
	if (!err && shift >= 64)
		err = rv_error_format(RV_ERR_CORRUPT, "tkr_mono.shift %" PRIu64, shift);
	if (err)
		return rv_jv_set_error(sec, rv_error_wrap(err,
				"the dump's now (request ages not computed)"));
	c->have_now = true;
	c->now_ns = base + (xnsec >> shift);
	jv now = rv_jv_set(jv_object(), "clock", jv_string("CLOCK_MONOTONIC"));
	now = rv_jv_set(now, "source", jv_string("shadow_timekeeper.tkr_mono"));
	return rv_jv_set(sec, "now", rv_jv_set(now, "ns", rv_jv_u64(c->now_ns)));
}

// ---- hardware contexts ----

struct hctx_list {
	uint64_t index[MAX_HCTX];
	rv_addr_t addr[MAX_HCTX];
	unsigned int n;
	bool truncated;
};

static bool collect_hctx(uint64_t index, uint64_t entry, void *arg)
{
	struct hctx_list *l = arg;
	if (l->n == MAX_HCTX) {
		l->truncated = true;
		return false;
	}
	l->index[l->n] = index;
	l->addr[l->n] = entry;
	l->n++;
	return true;
}

static struct rv_error *queue_hctxs(struct rv_target *t, rv_addr_t q,
				    uint64_t nr_hw_queues, struct hctx_list *l)
{
	static const char *const Q = "struct request_queue";
	if (rv_member_exists(t, Q, "hctx_table")) {
		// v5.18+ (4e5cc99e1e48): an xarray indexed by hctx number.
		rv_addr_t xa;
		struct rv_error *err = rv_member_addr(t, q, Q, "hctx_table", &xa);
		if (err)
			return err;
		return rv_xa_for_each(t, xa, MAX_HCTX + 1, collect_hctx, l);
	}
	// Before: struct blk_mq_hw_ctx **queue_hw_ctx, nr_hw_queues entries.
	uint64_t array;
	struct rv_error *err = rv_read_member(t, q, Q, "queue_hw_ctx", &array);
	if (err)
		return err;
	uint64_t n = nr_hw_queues;
	if (n > MAX_HCTX) {
		l->truncated = true;
		n = MAX_HCTX;
	}
	for (uint64_t i = 0; i < n; i++) {
		uint64_t h;
		if ((err = rv_read_u64(t, array + i * 8, &h)))
			return rv_error_wrap(err, "queue_hw_ctx[%" PRIu64 "]", i);
		if (h)
			collect_hctx(i, h, l);
	}
	return NULL;
}

static jv decode_hctx(struct blk_ctx *c, rv_addr_t q, uint64_t index,
		      rv_addr_t hctx, struct in_flight *disk_acc, struct rq_walk *w)
{
	struct rv_target *t = c->t;
	static const char *const H = "struct blk_mq_hw_ctx";
	jv h = jv_object();
	h = rv_jv_set(h, "index", rv_jv_u64(index));
	h = rv_jv_set(h, "addr", rv_jv_addr(hctx));
	if (!rv_addr_kernel(hctx)) {
		disk_acc->counted = false;
		return rv_jv_set_error(h, rv_error_format(RV_ERR_CORRUPT,
			"hctx %#" PRIx64 " is not a kernel address", hctx));
	}

	uint64_t v;
	struct rv_error *err = rv_read_member(t, hctx, H, "queue", &v);
	if (err) {
		h = rv_jv_set_error(h, err);
	} else {
		h = rv_jv_set(h, "queue_addr", rv_jv_addr(v));
		h = rv_jv_set(h, "queue_matches", jv_bool(v == q));
	}
	err = rv_read_member(t, hctx, H, "state", &v);
	if (err) {
		h = rv_jv_set_error(h, err);
	} else {
		h = rv_jv_set(h, "state_raw", rv_jv_u64(v));
		h = rv_jv_set(h, "state", hctx_state_names(c->hctx_state_bit, v));
	}
	// nr_active: atomic_t in the hctx (moved to blk_mq_tags for shared
	// tag sets in v5.10, where it is then per-queue).
	if (rv_member_exists(t, H, "nr_active"))
		h = set_member(t, h, "nr_active", hctx, H, "nr_active", NULL);
	h = set_member(t, h, "queue_num", hctx, H, "queue_num", NULL);

	rv_addr_t dispatch;
	uint64_t n;
	err = rv_member_addr(t, hctx, H, "dispatch", &dispatch);
	if (!err)
		err = list_length(t, dispatch, &n);
	h = err ? rv_jv_set_error(h, rv_error_wrap(err, "dispatch"))
		: rv_jv_set(h, "dispatch_len", rv_jv_u64(n));

	uint64_t tags = 0, sched_tags = 0;
	err = rv_read_member(t, hctx, H, "tags", &tags);
	if (err)
		disk_acc->counted = false;
	h = err ? rv_jv_set_error(h, err) : rv_jv_set(h, "tags_addr", rv_jv_addr(tags));
	if (tags) {
		struct in_flight acc = { 0 };
		h = set_member(t, h, "nr_tags", tags, "struct blk_mq_tags",
			       "nr_tags", NULL);
		h = count_in_flight(c, h, tags, "rqs", "tag", q, hctx, &acc);
		if (!acc.counted) {
			disk_acc->counted = false;
		} else {
			h = rv_jv_set(h, "in_flight", rv_jv_u64(acc.total));
			jv rw = jv_array_append(jv_array(), rv_jv_u64(acc.rw[0]));
			h = rv_jv_set(h, "in_flight_rw",
				      jv_array_append(rw, rv_jv_u64(acc.rw[1])));
			h = rv_jv_set(h, "in_flight_unaccounted",
				      rv_jv_u64(acc.unaccounted));
			disk_acc->total += acc.total;
			disk_acc->rw[0] += acc.rw[0];
			disk_acc->rw[1] += acc.rw[1];
			disk_acc->unaccounted += acc.unaccounted;
		}
		h = walk_requests(c, w, h, tags, false, q, hctx, index);
	}
	// With an I/O scheduler, requests are allocated from sched_tags
	// (internal_tag) and hold a driver tag only once dispatched.
	if (rv_member_exists(t, H, "sched_tags")) {
		err = rv_read_member(t, hctx, H, "sched_tags", &sched_tags);
		if (err)
			h = rv_jv_set_error(h, err);
		else
			h = rv_jv_set(h, "sched_tags_addr", rv_jv_addr(sched_tags));
	}
	if (sched_tags) {
		struct in_flight acc = { 0 };
		h = count_in_flight(c, h, sched_tags, "static_rqs", "internal_tag",
				    q, hctx, &acc);
		if (acc.counted)
			h = rv_jv_set(h, "sched_in_flight",
				      rv_jv_u64(acc.total + acc.unaccounted));
		h = walk_requests(c, w, h, sched_tags, true, q, hctx, index);
	}

	err = rv_read_member(t, hctx, H, "fq", &v);
	if (err)
		h = rv_jv_set_error(h, err);
	else
		h = rv_jv_set(h, "fq", decode_fq(c, v));
	return h;
}

// ---- queues and disks ----

static jv decode_elevator(struct rv_target *t, jv d, rv_addr_t q)
{
	uint64_t elv, type;
	struct rv_error *err = rv_read_member(t, q, "struct request_queue",
					      "elevator", &elv);
	if (err)
		return rv_jv_set_error(d, err);
	if (!elv)
		return rv_jv_set(d, "elevator", jv_string("none"));
	char name[32];
	err = rv_read_member(t, elv, "struct elevator_queue", "type", &type);
	if (!err)
		err = rv_read_member_str(t, type, "struct elevator_type",
					 "elevator_name", name, sizeof(name));
	if (err)
		return rv_jv_set_error(d, rv_error_wrap(err, "elevator"));
	return rv_jv_set(d, "elevator", jv_string(name));
}

/** Fill the queue part of disk object @p d. */
static jv decode_queue(struct blk_ctx *c, jv d, rv_addr_t q)
{
	struct rv_target *t = c->t;
	static const char *const Q = "struct request_queue";
	d = rv_jv_set(d, "queue_addr", rv_jv_addr(q));
	uint64_t mq_ops, flags, nr_hw_queues = 0, fq;
	struct rv_error *err = rv_read_member(t, q, Q, "mq_ops", &mq_ops);
	if (err)
		return rv_jv_set_error(d, rv_error_wrap(err, "request_queue %#" PRIx64, q));
	d = rv_jv_set(d, "mq", jv_bool(mq_ops != 0));
	err = rv_read_member(t, q, Q, "queue_flags", &flags);
	if (err) {
		d = rv_jv_set_error(d, err);
	} else {
		d = rv_jv_set(d, "queue_flags_raw", rv_jv_u64(flags));
		d = rv_jv_set(d, "queue_flags", queue_flag_names(flags));
	}
	d = decode_elevator(t, d, q);
	// request_queue.fq: the legacy (non-mq) path's flush queue; unused
	// by block/ in v5.0+ (expected NULL).
	if (rv_member_exists(t, Q, "fq")) {
		err = rv_read_member(t, q, Q, "fq", &fq);
		d = err ? rv_jv_set_error(d, err)
			: rv_jv_set(d, "queue_fq_addr", rv_jv_addr(fq));
	}
	if (rv_member_exists(t, Q, "flush_pending_idx")) {
		// Before v3.18 (7c94e1c157a2) the flush machinery lives in
		// request_queue itself.
		jv legacy = jv_object();
		legacy = rv_jv_set(legacy, "layout",
				   jv_string("legacy: flush state in request_queue"));
		d = rv_jv_set(d, "flush", decode_flush_state(c, legacy, Q, q));
	}
	if (!mq_ops)
		return d;

	d = set_member(t, d, "nr_hw_queues", q, Q, "nr_hw_queues", &nr_hw_queues);
	struct hctx_list *l = calloc(1, sizeof(*l));
	if (!l)
		return rv_jv_set_error(d, &rv_enomem);
	err = queue_hctxs(t, q, nr_hw_queues, l);
	if (err)
		d = rv_jv_set_error(d, rv_error_wrap(err, "hardware contexts"));
	if (l->truncated)
		d = rv_jv_set_error(d, rv_error_format(RV_ERR_CORRUPT,
			"more than %d hardware contexts: list truncated", MAX_HCTX));
	jv hctxs = jv_array();
	struct in_flight acc = { .counted = true };
	struct rq_walk w = { .list = jv_array() };
	for (unsigned int i = 0; i < l->n; i++)
		hctxs = jv_array_append(hctxs, decode_hctx(c, q, l->index[i],
							   l->addr[i], &acc, &w));
	free(l);
	d = requests_facts(&w, d, c->rql != NULL);
	d = rv_jv_set(d, "hctx_count", jv_number(jv_array_length(jv_copy(hctxs))));
	if (!acc.counted) {
		d = rv_jv_set_error(d, rv_error_format(RV_ERR_OTHER,
			"in_flight: not every hardware context could be counted"));
	} else {
		d = rv_jv_set(d, "in_flight", rv_jv_u64(acc.total));
		jv rw = jv_array_append(jv_array(), rv_jv_u64(acc.rw[0]));
		d = rv_jv_set(d, "in_flight_rw", jv_array_append(rw, rv_jv_u64(acc.rw[1])));
		d = rv_jv_set(d, "in_flight_unaccounted", rv_jv_u64(acc.unaccounted));
	}
	return rv_jv_set(d, "hctx", hctxs);
}

static jv decode_disk(struct blk_ctx *c, rv_addr_t disk, char *name,
		      size_t name_size, rv_addr_t *queue)
{
	struct rv_target *t = c->t;
	jv d = jv_object();
	uint64_t q;
	*queue = 0;
	name[0] = '\0';
	struct rv_error *err = rv_read_member_str(t, disk, "struct gendisk",
						  "disk_name", name, name_size);
	if (err) {
		d = rv_jv_set(d, "name", jv_null());
		d = rv_jv_set_error(d, err);
	} else {
		d = rv_jv_set(d, "name", jv_string(name));
	}
	d = rv_jv_set(d, "addr", rv_jv_addr(disk));
	d = decode_disk_device(t, d, disk);
	err = rv_read_member(t, disk, "struct gendisk", "queue", &q);
	if (err)
		return rv_jv_set_error(d, err);
	*queue = q;
	return d;
}

// ---- section ----

static void init_ctx(struct rv_target *t, struct blk_ctx *c, jv *errors)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	lookup_hctx_state_bits(t, c->hctx_state_bit);
	struct rv_error *err = rv_symbol(t, "disk_type", &c->disk_type);
	if (err)
		*errors = jv_array_append(*errors, rv_jv_error(err));
	err = rv_enum_value(t, "MQ_RQ_IN_FLIGHT", &c->rq_in_flight);
	if (err)
		*errors = jv_array_append(*errors, rv_jv_error(err));
	else
		c->have_rq_in_flight = true;
	err = rv_type_size(t, "struct blk_flush_queue", &c->fq_size);
	rv_addr_t cache;
	if (!err)
		err = rv_slab_kmalloc_bucket(t, c->fq_size, &cache, &c->bucket_size,
					     c->bucket_name, sizeof(c->bucket_name));
	if (err)
		*errors = jv_array_append(*errors, rv_jv_error(
			rv_error_wrap(err, "kmalloc bucket of struct blk_flush_queue")));
	else
		c->have_bucket = true;
	c->rql = rq_layout(t);
	if (!c->rql)
		*errors = jv_array_append(*errors, jv_string(
			"struct request: no size in the debug info (requests not listed)"));
}

/** What init_ctx() allocated. */
static void release_ctx(struct blk_ctx *c)
{
	free(c->rql);
	c->rql = NULL;
}

// A queue or hardware context no registered disk leads to (a torn-down
// queue, an address the user gave): what its slab object is
// (rv_blk_identify()), its queue decoded with every hctx it still lists,
// and the hctx itself when the queue no longer lists it. @p via (or NULL)
// says where the address came from.
static jv decode_unreachable(struct blk_ctx *c, rv_addr_t addr, const char *via)
{
	struct rv_target *t = c->t;
	jv d = jv_object();
	d = rv_jv_set(d, "name", jv_null());
	d = rv_jv_set(d, "addr", jv_null());
	d = rv_jv_set(d, "reachable", jv_false());
	if (via)
		d = rv_jv_set(d, "via", jv_string(via));
	d = rv_jv_set(d, "slab", identify_jv(t, addr));
	struct rv_slab_info si;
	struct rv_error *err = rv_slab_identify(t, addr, &si);
	jv what = err ? jv_null() : rv_blk_identify(t, addr, &si);
	rv_error_destroy(err);
	rv_addr_t q = addr, hctx = 0;
	const char *type = rv_jv_str(what, "type");
	if (type && !strcmp(type, "blk_mq_hw_ctx")) {
		hctx = addr;
		q = rv_jv_get_addr(jv_object_get(jv_copy(what), jv_string("queue_addr")));
	}
	d = rv_jv_set(d, "selected", type ? jv_string(type) : jv_null());
	if (type) {
		const char *disk = rv_jv_str(what, "disk");
		if (disk)
			d = rv_jv_set(d, "name", jv_string(disk));
		// the gendisk the queue still points to (request_queue.disk)
		jv da = jv_object_get(jv_copy(what), jv_string("disk_addr"));
		if (jv_get_kind(da) == JV_KIND_STRING)
			d = rv_jv_set(d, "addr", jv_copy(da));
		jv_free(da);
		const char *mod = rv_jv_str(what, "driver_module");
		if (mod)
			d = rv_jv_set(d, "driver_module", jv_string(mod));
	}
	jv_free(what);
	d = decode_queue(c, d, q);
	if (!hctx)
		return d;
	d = rv_jv_set(d, "hctx_addr", rv_jv_addr(hctx));
	jv hctxs = jv_object_get(jv_copy(d), jv_string("hctx"));
	bool listed = false;
	if (jv_get_kind(hctxs) == JV_KIND_ARRAY)
		jv_array_foreach(hctxs, i, h) {
			if (rv_jv_get_addr(jv_object_get(jv_copy(h), jv_string("addr"))) == hctx)
				listed = true;
			jv_free(h);
		}
	if (!listed) {
		// erased from the queue's table already: decode it alone
		struct in_flight acc = { .counted = true };
		struct rq_walk w = { .list = jv_array() };
		if (jv_get_kind(hctxs) != JV_KIND_ARRAY) {
			jv_free(hctxs);
			hctxs = jv_array();
		}
		hctxs = jv_array_append(hctxs, decode_hctx(c, q, 0, hctx, &acc, &w));
		jv_free(w.list);
		d = rv_jv_set(d, "hctx", hctxs);
	} else {
		jv_free(hctxs);
	}
	return d;
}

// The queues the panicking CPU's registers held (dump.panic.context) that
// no registered disk leads to (only those of disk @p name, if not NULL): a queue torn down when its disk went away,
// which is where a teardown oops happens (blk_mq_exit_hctx()).
static jv panic_queues(struct blk_ctx *c, jv disks, const char *name)
{
	jv ctx = rv_panic_context_read(c->t);
	jv objs = jv_get_kind(ctx) == JV_KIND_OBJECT ?
		jv_object_get(jv_copy(ctx), jv_string("objects")) : jv_null();
	jv_free(ctx);
	if (jv_get_kind(objs) != JV_KIND_OBJECT) {
		jv_free(objs);
		return disks;
	}
	// the hctx first: its queue then comes with the hctx decoded
	static const char *const kinds[] = { "blk_mq_hw_ctx", "request_queue" };
	for (size_t k = 0; k < 2; k++) {
		jv o = jv_object_get(jv_copy(objs), jv_string(kinds[k]));
		if (jv_get_kind(o) != JV_KIND_OBJECT) {
			jv_free(o);
			continue;
		}
		rv_addr_t a = rv_jv_get_addr(jv_object_get(jv_copy(o), jv_string("addr")));
		rv_addr_t q = k == 0 ?
			rv_jv_get_addr(jv_object_get(jv_copy(o), jv_string("queue_addr"))) : a;
		jv_free(o);
		bool seen = false;
		jv_array_foreach(disks, i, d) {
			if (rv_jv_get_addr(jv_object_get(jv_copy(d), jv_string("queue_addr"))) == q)
				seen = true;
			jv_free(d);
		}
		if (seen || !a)
			continue;
		jv d = decode_unreachable(c, a, "panic context");
		const char *dn = rv_jv_str(d, "name");
		if (!name || (dn && !strcmp(dn, name)))
			disks = jv_array_append(disks, d);
		else
			jv_free(d);
	}
	jv_free(objs);
	return disks;
}

static struct rv_error *decode(struct rv_target *t, const char *select,
			       jv *ret)
{
	jv errors = jv_array();
	struct blk_ctx c;
	init_ctx(t, &c, &errors);
	jv sec = dump_now(&c, jv_object());

	rv_addr_t want = 0;
	bool by_addr = select && rv_parse_addr(select, &want);
	jv disks = jv_array();
	jv found = c.disk_type ? list_gendisks(t, c.disk_type, &errors, NULL) : jv_array();
	bool matched = false;
	jv_array_foreach(found, i, a) {
		rv_addr_t disk = rv_jv_get_addr(a);
		char name[64];
		rv_addr_t q;
		jv d = decode_disk(&c, disk, name, sizeof(name), &q);
		bool wanted = !select ||
			      (by_addr ? (want == disk || want == q) : !strcmp(name, select));
		if (!wanted) {
			jv_free(d);
			continue;
		}
		matched = true;
		if (q)
			d = decode_queue(&c, d, q);
		disks = jv_array_append(disks, d);
	}
	jv_free(found);
	if (by_addr && !matched) {
		// An address that no disk leads to: a request_queue or a
		// hardware context, told apart by its slab cache.
		disks = jv_array_append(disks, decode_unreachable(&c, want, NULL));
	} else if (!select || !matched) {
		// a disk already unregistered: only the panic context has it
		size_t before = jv_array_length(jv_copy(disks));
		disks = panic_queues(&c, disks, select);
		matched = (size_t)jv_array_length(jv_copy(disks)) > before;
	}
	if (select && !by_addr && !matched) {
		errors = jv_array_append(errors,
			jv_string_fmt("no disk named %s among block_class devices", select));
	}

	release_ctx(&c);
	if (c.fq_size) {
		jv exp = jv_object();
		exp = rv_jv_set(exp, "struct_size", rv_jv_u64(c.fq_size));
		if (c.have_bucket) {
			exp = rv_jv_set(exp, "cache", jv_string(c.bucket_name));
			exp = rv_jv_set(exp, "object_size", rv_jv_u64(c.bucket_size));
		}
		sec = rv_jv_set(sec, "fq_expected", exp);
	}
	sec = rv_jv_set(sec, "disks", disks);
	if (jv_array_length(jv_copy(errors)) > 0)
		sec = rv_jv_set(sec, "error", errors);
	else
		jv_free(errors);
	*ret = sec;
	return NULL;
}

const struct rv_decoder rv_decoder_blk = {
	.name = "blk",
	.summary = "blk-mq disks, hardware contexts and flush queues",
	// Everything needed is in vmlinux; no module is required (a dump
	// without virtio_blk still has disks).
	.modules = NULL,
	.decode = decode,
};

// ---- what an address is, for the panic context ----

/** Whether the slab cache @p cache is one of the request_queue caches. */
static bool is_requestq_cache(struct rv_target *t, rv_addr_t cache)
{
	// blk_requestq_cachep; v5.17-v6.1 also blk_requestq_srcu_cachep
	// (704b914f15fb) for BLK_MQ_F_BLOCKING queues.
	static const char *const syms[] = { "blk_requestq_cachep",
					    "blk_requestq_srcu_cachep" };
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
		rv_addr_t s;
		uint64_t c;
		struct rv_error *err = rv_symbol(t, syms[i], &s);
		if (!err)
			err = rv_read_u64(t, s, &c);
		if (err) {
			rv_error_destroy(err);
			continue;
		}
		if (c == cache)
			return true;
	}
	return false;
}

/** Disk and tag-set owner of request_queue @p q, into @p o. */
static jv queue_owner(struct rv_target *t, jv o, rv_addr_t q)
{
	static const char *const Q = "struct request_queue";
	uint64_t disk = 0, set, ops;
	char buf[64];
	struct rv_error *err;
	if (rv_member_exists(t, Q, "disk")) {
		// request_queue.disk since v5.15 (d152c682f03c)
		if ((err = rv_read_member(t, q, Q, "disk", &disk)))
			o = rv_jv_set_error(o, rv_error_wrap(err, "queue disk"));
	}
	if (disk) {
		o = rv_jv_set(o, "disk_addr", rv_jv_addr(disk));
		err = rv_read_member_str(t, disk, "struct gendisk", "disk_name", buf,
					 sizeof(buf));
		o = err ? rv_jv_set_error(o, rv_error_wrap(err, "disk name"))
			: rv_jv_set(o, "disk", jv_string(buf));
	}
	if ((err = rv_read_member(t, q, Q, "tag_set", &set)))
		return rv_jv_set_error(o, rv_error_wrap(err, "tag_set"));
	o = rv_jv_set(o, "tag_set_addr", rv_jv_addr(set));
	if (!set)
		return o;
	if ((err = rv_read_member(t, set, "struct blk_mq_tag_set", "ops", &ops)))
		return rv_jv_set_error(o, rv_error_wrap(err, "tag_set ops"));
	o = rv_jv_set(o, "tag_set_ops_addr", rv_jv_addr(ops));
	// The driver that owns the tag set: the module its ops live in.
	rv_addr_t mod;
	err = rv_module_of_addr(t, ops, &mod, buf, sizeof(buf));
	if (err)
		return rv_jv_set_error(o, rv_error_wrap(err, "module of tag_set ops"));
	if (!mod)
		return rv_jv_set(o, "driver_module", jv_null());	// built in
	o = rv_jv_set(o, "driver_module", jv_string(buf));
	err = rv_module_taint(t, mod, buf, sizeof(buf));
	return err ? rv_jv_set_error(o, rv_error_wrap(err, "module taint"))
		   : rv_jv_set(o, "driver_module_taint", jv_string(buf));
}

jv rv_blk_identify(struct rv_target *t, rv_addr_t addr,
		   const struct rv_slab_info *si)
{
	if (!si->is_slab || !si->in_object || si->free)
		return jv_null();
	rv_addr_t obj = si->object;
	if (is_requestq_cache(t, si->cache)) {
		jv o = jv_object();
		o = rv_jv_set(o, "type", jv_string("request_queue"));
		o = rv_jv_set(o, "addr", rv_jv_addr(obj));
		return queue_owner(t, o, obj);
	}
	// A hardware context: a kmalloc object whose ->queue is a live
	// request_queue that lists this hctx among its hardware contexts.
	uint64_t q, hsize;
	struct rv_slab_info qs;
	struct rv_error *err = rv_type_size(t, "struct blk_mq_hw_ctx", &hsize);
	if (!err && si->object_size < hsize)
		return jv_null();
	if (!err)
		err = rv_read_member(t, obj, "struct blk_mq_hw_ctx", "queue", &q);
	if (!err && !rv_addr_kernel(q))
		return jv_null();
	if (!err)
		err = rv_slab_identify(t, q, &qs);
	if (err) {
		rv_error_destroy(err);
		return jv_null();
	}
	if (!qs.is_slab || !qs.in_object || qs.object != q ||
	    !is_requestq_cache(t, qs.cache))
		return jv_null();
	struct hctx_list *l = calloc(1, sizeof(*l));
	if (!l)
		return jv_null();
	uint64_t nr = 0;
	err = rv_read_member(t, q, "struct request_queue", "nr_hw_queues", &nr);
	if (!err)
		err = queue_hctxs(t, q, nr, l);
	rv_error_destroy(err);
	bool listed = false;
	uint64_t index = 0;
	for (unsigned int i = 0; i < l->n; i++)
		if (l->addr[i] == obj) {
			listed = true;
			index = l->index[i];
		}
	free(l);
	jv o = jv_object();
	o = rv_jv_set(o, "type", jv_string("blk_mq_hw_ctx"));
	o = rv_jv_set(o, "addr", rv_jv_addr(obj));
	o = rv_jv_set(o, "queue_addr", rv_jv_addr(q));
	// Listed: the queue's hctx_table / queue_hw_ctx still holds it; a hctx
	// being torn down may already be erased from it.
	o = rv_jv_set(o, "listed_by_queue", jv_bool(listed));
	if (listed)
		o = rv_jv_set(o, "index", rv_jv_u64(index));
	uint64_t fq;
	if ((err = rv_read_member(t, obj, "struct blk_mq_hw_ctx", "fq", &fq))) {
		o = rv_jv_set_error(o, rv_error_wrap(err, "hctx fq"));
	} else {
		struct blk_ctx c;
		jv errors = jv_array();
		init_ctx(t, &c, &errors);
		jv_free(errors);
		o = rv_jv_set(o, "fq", decode_fq(&c, fq));
		release_ctx(&c);
	}
	return queue_owner(t, o, q);
}

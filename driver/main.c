// SPDX-License-Identifier: GPL-2.0
/*
 * rvblk - raidvirt's reference virtio-blk driver.
 *
 * A small virtio driver for virtio block devices (virtio device id 2) that
 * the dump rig binds to chosen disks instead of virtio_blk. It serves real
 * reads and writes through real split virtqueues, and it can put the kernel
 * into the failure states raidvirt diagnoses:
 *
 *  - many request queues with managed interrupt affinity, so that a handful
 *    of disks exhausts the x86 vector space (virtio_pci then falls back to a
 *    shared MSI-X vector, then to INTx, on its own);
 *  - completions held on a queue: the interrupt callback stops reaping the
 *    used ring, as if the interrupt had been lost;
 *  - a corrupted hctx->fq, so that removing the disk oopses in the blk-mq
 *    flush-queue teardown.
 *
 * How one request flows (docs/driver.md has the long version):
 *
 *   submit_bio -> blk-mq picks the hardware context (hctx) of the CPU
 *   -> rvblk_queue_rq(): build the virtio-blk header, map the data pages into
 *      a scatterlist, add [header | data | status] to the virtqueue as one
 *      descriptor chain (avail ring), kick the device (avail->idx moves)
 *   -> the device (QEMU) does the I/O, writes the status byte, puts the chain
 *      head on the used ring (used->idx moves) and raises the queue's interrupt
 *   -> vring_interrupt() -> rvblk_vq_done(): take each used buffer
 *      (virtqueue_get_buf moves last_used_idx) and complete its request
 *   -> rvblk_complete_rq(): blk_mq_end_request() with the device's status.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blk-mq-virtio.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <linux/virtio.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#define RVBLK_MAX_SEGMENTS	32
#define RVBLK_MINORS		16

static unsigned int rvblk_queues;
module_param_named(queues, rvblk_queues, uint, 0444);
MODULE_PARM_DESC(queues,
		 "Request virtqueues per disk; 0 = every queue the device offers (num_queues), even more than CPUs. Default: 0");

static bool rvblk_managed_irqs = true;
module_param_named(managed_irqs, rvblk_managed_irqs, bool, 0444);
MODULE_PARM_DESC(managed_irqs,
		 "Spread the queue interrupts with managed affinity (struct irq_affinity to virtio_find_vqs). Default: Y");

static bool rvblk_wide_irqs;
module_param_named(wide_irqs, rvblk_wide_irqs, bool, 0444);
MODULE_PARM_DESC(wide_irqs,
		 "Managed queue vectors beyond one per CPU span all CPUs (irq_affinity.calc_sets spreads one vector per CPU, the rest keep the default affinity, still managed), so each reserves a vector on every online CPU; without it the PCI core refuses more managed vectors than CPUs. Default: N");

static unsigned int rvblk_queue_depth = 64;
module_param_named(queue_depth, rvblk_queue_depth, uint, 0444);
MODULE_PARM_DESC(queue_depth,
		 "Tags per hardware queue, at most the virtqueue size. Default: 64");

static unsigned long rvblk_fq_poison = 0xdead000000000122UL;
module_param_named(fq_poison, rvblk_fq_poison, ulong, 0444);
MODULE_PARM_DESC(fq_poison,
		 "Value the corrupt_fq trigger writes into hctx->fq (LIST_POISON2-like, non-canonical). Default: 0xdead000000000122");

static int rvblk_major;

/* One request virtqueue; blk-mq hardware context N uses queue N. */
struct rvblk_vq {
	struct virtqueue *vq;
	spinlock_t lock;		/* protects vq and held */
	bool held;			/* completions are not reaped */
	unsigned long held_interrupts;	/* callbacks ignored while held */
	struct blk_mq_hw_ctx *hctx;
	char name[16];
};

struct rvblk {
	struct virtio_device *vdev;
	struct gendisk *disk;
	struct blk_mq_tag_set tag_set;
	int index;
	unsigned int nr_vqs;
	const char *irq_mode;
	unsigned int irq_vectors;
	bool irq_managed;
	struct rvblk_vq *vqs;
};

/* Per-request data (blk_mq_rq_to_pdu): what the device reads and writes. */
struct rvblk_req {
	struct virtio_blk_outhdr out_hdr;	/* device reads: type, sector */
	u8 status;				/* device writes: VIRTIO_BLK_S_* */
	struct scatterlist sg[RVBLK_MAX_SEGMENTS];
};

/* ---- submission ---------------------------------------------------- */

static blk_status_t rvblk_queue_rq(struct blk_mq_hw_ctx *hctx,
				   const struct blk_mq_queue_data *bd)
{
	struct rvblk *rb = hctx->queue->queuedata;
	struct rvblk_vq *rq_vq = hctx->driver_data;
	struct virtio_device *vdev = rb->vdev;
	struct request *req = bd->rq;
	struct rvblk_req *br = blk_mq_rq_to_pdu(req);
	struct scatterlist hdr, status, *sgs[3];
	unsigned int out = 0, in = 0, nsegs = 0;
	unsigned long flags;
	bool notify;
	u32 type;
	int err;

	switch (req_op(req)) {
	case REQ_OP_READ:
		type = VIRTIO_BLK_T_IN;
		break;
	case REQ_OP_WRITE:
		type = VIRTIO_BLK_T_OUT;
		break;
	case REQ_OP_FLUSH:
		type = VIRTIO_BLK_T_FLUSH;
		break;
	default:
		return BLK_STS_NOTSUPP;
	}

	br->out_hdr.type = cpu_to_virtio32(vdev, type);
	br->out_hdr.ioprio = cpu_to_virtio32(vdev, req_get_ioprio(req));
	br->out_hdr.sector = cpu_to_virtio64(vdev,
			type == VIRTIO_BLK_T_FLUSH ? 0 : blk_rq_pos(req));
	br->status = VIRTIO_BLK_S_IOERR;

	blk_mq_start_request(req);

	if (blk_rq_nr_phys_segments(req)) {
		sg_init_table(br->sg, RVBLK_MAX_SEGMENTS);
		nsegs = blk_rq_map_sg(hctx->queue, req, br->sg);
	}

	/* Descriptor chain: header (device reads), data, status (device writes). */
	sg_init_one(&hdr, &br->out_hdr, sizeof(br->out_hdr));
	sgs[out++] = &hdr;
	if (nsegs) {
		if (type == VIRTIO_BLK_T_OUT)
			sgs[out++] = br->sg;
		else
			sgs[out + in++] = br->sg;
	}
	sg_init_one(&status, &br->status, sizeof(br->status));
	sgs[out + in++] = &status;

	spin_lock_irqsave(&rq_vq->lock, flags);
	err = virtqueue_add_sgs(rq_vq->vq, sgs, out, in, req, GFP_ATOMIC);
	if (err) {
		virtqueue_kick(rq_vq->vq);
		spin_unlock_irqrestore(&rq_vq->lock, flags);
		/* Ring full: blk-mq retries once one of our requests completes. */
		if (err == -ENOSPC || err == -ENOMEM)
			return BLK_STS_DEV_RESOURCE;
		return BLK_STS_IOERR;
	}
	notify = virtqueue_kick_prepare(rq_vq->vq);
	spin_unlock_irqrestore(&rq_vq->lock, flags);

	if (notify)
		virtqueue_notify(rq_vq->vq);
	return BLK_STS_OK;
}

/* ---- completion ---------------------------------------------------- */

/* Take every buffer the device has put on the used ring. Lock held. */
static void rvblk_reap_locked(struct rvblk_vq *rq_vq)
{
	struct request *req;
	unsigned int len;

	do {
		virtqueue_disable_cb(rq_vq->vq);
		while ((req = virtqueue_get_buf(rq_vq->vq, &len)) != NULL) {
			if (likely(!blk_should_fake_timeout(req->q)))
				blk_mq_complete_request(req);
		}
	} while (!virtqueue_enable_cb(rq_vq->vq));
}

/* Virtqueue callback, called from vring_interrupt() in hard irq context. */
static void rvblk_vq_done(struct virtqueue *vq)
{
	struct rvblk *rb = vq->vdev->priv;
	struct rvblk_vq *rq_vq = &rb->vqs[vq->index];
	unsigned long flags;

	spin_lock_irqsave(&rq_vq->lock, flags);
	if (rq_vq->held) {
		/*
		 * A lost interrupt, on purpose: used->idx has moved, but
		 * last_used_idx stays where it is until "release".
		 */
		rq_vq->held_interrupts++;
	} else {
		rvblk_reap_locked(rq_vq);
	}
	spin_unlock_irqrestore(&rq_vq->lock, flags);
}

static void rvblk_complete_rq(struct request *req)
{
	struct rvblk_req *br = blk_mq_rq_to_pdu(req);
	blk_status_t status;

	switch (br->status) {
	case VIRTIO_BLK_S_OK:
		status = BLK_STS_OK;
		break;
	case VIRTIO_BLK_S_UNSUPP:
		status = BLK_STS_NOTSUPP;
		break;
	default:
		status = BLK_STS_IOERR;
		break;
	}
	blk_mq_end_request(req, status);
}

static int rvblk_init_hctx(struct blk_mq_hw_ctx *hctx, void *data,
			   unsigned int hctx_idx)
{
	struct rvblk *rb = data;

	hctx->driver_data = &rb->vqs[hctx_idx];
	rb->vqs[hctx_idx].hctx = hctx;
	return 0;
}

static void rvblk_exit_hctx(struct blk_mq_hw_ctx *hctx, unsigned int hctx_idx)
{
	struct rvblk_vq *rq_vq = hctx->driver_data;

	rq_vq->hctx = NULL;
}

static void rvblk_map_queues(struct blk_mq_tag_set *set)
{
	struct rvblk *rb = set->driver_data;

	/* The CPUs of each queue's managed interrupt, else a plain spread. */
	blk_mq_virtio_map_queues(&set->map[HCTX_TYPE_DEFAULT], rb->vdev, 0);
}

static const struct blk_mq_ops rvblk_mq_ops = {
	.queue_rq	= rvblk_queue_rq,
	.complete	= rvblk_complete_rq,
	.init_hctx	= rvblk_init_hctx,
	.exit_hctx	= rvblk_exit_hctx,
	.map_queues	= rvblk_map_queues,
};

/* ---- virtqueues and interrupts ------------------------------------- */

/* What virtio_pci settled for: per-queue MSI-X, one shared MSI-X, or INTx. */
static void rvblk_note_irq_mode(struct rvblk *rb)
{
	struct device *parent = rb->vdev->dev.parent;
	struct pci_dev *pdev;
	int irq;

	rb->irq_mode = "unknown";
	if (!parent || !dev_is_pci(parent))
		return;
	pdev = to_pci_dev(parent);
	if (!pdev->msix_enabled) {
		rb->irq_mode = "intx";
		return;
	}
	while (pci_irq_vector(pdev, rb->irq_vectors) >= 0)
		rb->irq_vectors++;
	/* vector 0 is the config vector; the rest serve the queues */
	rb->irq_mode = rb->irq_vectors > rb->nr_vqs ? "msix-per-vq" :
						      "msix-shared";
	irq = pci_irq_vector(pdev, 1);
	if (irq >= 0 && irq_get_irq_data(irq))
		rb->irq_managed =
			irqd_affinity_is_managed(irq_get_irq_data(irq));
}

static int rvblk_queue_irq(struct rvblk *rb, unsigned int index)
{
	struct device *parent = rb->vdev->dev.parent;
	struct pci_dev *pdev;

	if (!parent || !dev_is_pci(parent))
		return -1;
	pdev = to_pci_dev(parent);
	if (!pdev->msix_enabled)
		return pdev->irq;
	return pci_irq_vector(pdev,
			      !strcmp(rb->irq_mode, "msix-per-vq") ? index + 1 : 1);
}

/*
 * irq_affinity.calc_sets: one set of one vector per CPU, spread by the core
 * (group_cpus_evenly). irq_create_affinity_masks() gives every vector past
 * the sets the default affinity (all CPUs), still marked managed. With the
 * callback, irq_calc_affinity_vectors() no longer caps the vector count at
 * the number of possible CPUs.
 */
static void rvblk_calc_sets(struct irq_affinity *affd, unsigned int nvecs)
{
	affd->nr_sets = 1;
	affd->set_size[0] = min(nvecs, num_online_cpus());
}

static int rvblk_init_vqs(struct rvblk *rb)
{
	struct virtio_device *vdev = rb->vdev;
	struct irq_affinity desc = { 0 };
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	/*
	 * v6.11, commit 6c85d6b653ca ("virtio: rename virtio_find_vqs_info()
	 * to virtio_find_vqs()"): one struct virtqueue_info per queue instead
	 * of separate callback and name arrays.
	 */
	struct virtqueue_info *info;
#else
	vq_callback_t **callbacks;
	const char **names;
#endif
	struct virtqueue **vqs;
	u16 num_queues = 1;
	unsigned int i;
	int err = -ENOMEM;

	if (virtio_has_feature(vdev, VIRTIO_BLK_F_MQ))
		virtio_cread(vdev, struct virtio_blk_config, num_queues,
			     &num_queues);
	rb->nr_vqs = max_t(unsigned int, num_queues, 1);
	if (rvblk_queues)
		rb->nr_vqs = min(rb->nr_vqs, rvblk_queues);

	rb->vqs = kcalloc(rb->nr_vqs, sizeof(*rb->vqs), GFP_KERNEL);
	vqs = kcalloc(rb->nr_vqs, sizeof(*vqs), GFP_KERNEL);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	info = kcalloc(rb->nr_vqs, sizeof(*info), GFP_KERNEL);
	if (!rb->vqs || !vqs || !info)
		goto out_free;
#else
	callbacks = kcalloc(rb->nr_vqs, sizeof(*callbacks), GFP_KERNEL);
	names = kcalloc(rb->nr_vqs, sizeof(*names), GFP_KERNEL);
	if (!rb->vqs || !vqs || !callbacks || !names)
		goto out_free;
#endif

	if (rvblk_wide_irqs)
		desc.calc_sets = rvblk_calc_sets;
	for (i = 0; i < rb->nr_vqs; i++) {
		spin_lock_init(&rb->vqs[i].lock);
		snprintf(rb->vqs[i].name, sizeof(rb->vqs[i].name), "req.%u", i);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
		info[i].callback = rvblk_vq_done;
		info[i].name = rb->vqs[i].name;
#else
		callbacks[i] = rvblk_vq_done;
		names[i] = rb->vqs[i].name;
#endif
	}

	/*
	 * Unlike virtio_blk we do not cap the queues at the CPU count: with
	 * managed affinity every queue vector reserves a vector on each online
	 * CPU of its mask (irq_matrix_reserve_managed). When per-queue vectors
	 * cannot be had, vp_find_vqs() falls back to one shared MSI-X vector,
	 * then to INTx.
	 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	err = virtio_find_vqs(vdev, rb->nr_vqs, vqs, info,
			      rvblk_managed_irqs ? &desc : NULL);
#else
	err = virtio_find_vqs(vdev, rb->nr_vqs, vqs, callbacks, names,
			      rvblk_managed_irqs ? &desc : NULL);
#endif
	if (err)
		goto out_free;

	for (i = 0; i < rb->nr_vqs; i++)
		rb->vqs[i].vq = vqs[i];
	rvblk_note_irq_mode(rb);
	err = 0;

out_free:
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	kfree(info);
#else
	kfree(names);
	kfree(callbacks);
#endif
	kfree(vqs);
	if (err) {
		kfree(rb->vqs);
		rb->vqs = NULL;
	}
	return err;
}

/* ---- triggers (sysfs, under /sys/bus/virtio/devices/virtioN/rvblk/) ---- */

static struct rvblk *rvblk_from_dev(struct device *dev)
{
	return dev_to_virtio(dev)->priv;
}

/* Parse a queue index, or "all" (returns nr_vqs). */
static int rvblk_parse_queue(struct rvblk *rb, const char *buf,
			     unsigned int *ret)
{
	unsigned int index;
	int err;

	if (sysfs_streq(buf, "all")) {
		*ret = rb->nr_vqs;
		return 0;
	}
	err = kstrtouint(buf, 0, &index);
	if (err)
		return err;
	if (index >= rb->nr_vqs)
		return -EINVAL;
	*ret = index;
	return 0;
}

static void rvblk_set_held(struct rvblk *rb, unsigned int index, bool held)
{
	struct rvblk_vq *rq_vq = &rb->vqs[index];
	unsigned long flags;

	spin_lock_irqsave(&rq_vq->lock, flags);
	rq_vq->held = held;
	if (!held)
		rvblk_reap_locked(rq_vq);	/* what the lost interrupts left */
	spin_unlock_irqrestore(&rq_vq->lock, flags);
}

static ssize_t rvblk_hold_release(struct device *dev, const char *buf,
				  size_t count, bool held)
{
	struct rvblk *rb = rvblk_from_dev(dev);
	unsigned int index, i;
	int err;

	err = rvblk_parse_queue(rb, buf, &index);
	if (err)
		return err;
	for (i = 0; i < rb->nr_vqs; i++) {
		if (index == rb->nr_vqs || index == i)
			rvblk_set_held(rb, i, held);
	}
	dev_info(dev, "%s: %s completions of queue %s\n",
		 rb->disk->disk_name, held ? "holding" : "released",
		 index == rb->nr_vqs ? "all" : rb->vqs[index].name);
	return count;
}

static ssize_t hold_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	return rvblk_hold_release(dev, buf, count, true);
}

static ssize_t release_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	return rvblk_hold_release(dev, buf, count, false);
}

static ssize_t corrupt_fq_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct rvblk *rb = rvblk_from_dev(dev);
	struct blk_mq_hw_ctx *hctx;
	unsigned int index;
	int err;

	err = kstrtouint(buf, 0, &index);
	if (err)
		return err;
	if (index >= rb->nr_vqs || !rb->vqs[index].hctx)
		return -EINVAL;
	hctx = rb->vqs[index].hctx;
	/*
	 * What seed 003's driver did to its hctx: the flush queue pointer is
	 * garbage from now on. Nothing uses it until the next flush or the
	 * queue teardown (blk_mq_exit_hctx reads hctx->fq->flush_rq), which
	 * then oopses. This leaks the real flush queue, on purpose.
	 */
	dev_warn(dev, "%s: hctx %u (%px): fq %px replaced by %#lx\n",
		 rb->disk->disk_name, index, hctx, hctx->fq, rvblk_fq_poison);
	WRITE_ONCE(hctx->fq, (struct blk_flush_queue *)rvblk_fq_poison);
	return count;
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct rvblk *rb = rvblk_from_dev(dev);
	unsigned int i;
	int len;

	len = sysfs_emit(buf, "disk %s queues %u irq_mode %s managed %d vectors %u\n",
			 rb->disk->disk_name, rb->nr_vqs, rb->irq_mode,
			 rb->irq_managed, rb->irq_vectors);
	for (i = 0; i < rb->nr_vqs && len < PAGE_SIZE - 80; i++) {
		struct rvblk_vq *rq_vq = &rb->vqs[i];

		len += sysfs_emit_at(buf, len,
				     "queue %u irq %d held %d held_interrupts %lu num_free %u\n",
				     i, rvblk_queue_irq(rb, i), rq_vq->held,
				     rq_vq->held_interrupts, rq_vq->vq->num_free);
	}
	return len;
}

static DEVICE_ATTR_WO(hold);
static DEVICE_ATTR_WO(release);
static DEVICE_ATTR_WO(corrupt_fq);
static DEVICE_ATTR_RO(state);

static struct attribute *rvblk_attrs[] = {
	&dev_attr_hold.attr,
	&dev_attr_release.attr,
	&dev_attr_corrupt_fq.attr,
	&dev_attr_state.attr,
	NULL,
};

static const struct attribute_group rvblk_attr_group = {
	.name = "rvblk",
	.attrs = rvblk_attrs,
};

/* ---- probe and remove ---------------------------------------------- */

static const struct block_device_operations rvblk_fops = {
	.owner	= THIS_MODULE,
};

/* What the device's config space says about request limits (0: not given). */
struct rvblk_limits {
	u32 max_segments;
	u32 max_segment_size;
	u32 logical_block_size;
	bool write_cache;	/* volatile cache: blk-mq then sends REQ_OP_FLUSH */
};

static void rvblk_read_limits(struct rvblk *rb, struct rvblk_limits *l)
{
	struct virtio_device *vdev = rb->vdev;
	u32 seg_max = RVBLK_MAX_SEGMENTS, size_max = 0, blk_size;
	int err;

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_SEG_MAX,
				   struct virtio_blk_config, seg_max, &seg_max);
	if (err || !seg_max)
		seg_max = RVBLK_MAX_SEGMENTS;
	l->max_segments = min_t(u32, seg_max, RVBLK_MAX_SEGMENTS);

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_SIZE_MAX,
				   struct virtio_blk_config, size_max, &size_max);
	l->max_segment_size = !err ? size_max : 0;

	err = virtio_cread_feature(vdev, VIRTIO_BLK_F_BLK_SIZE,
				   struct virtio_blk_config, blk_size, &blk_size);
	l->logical_block_size = !err && blk_size >= SECTOR_SIZE &&
				is_power_of_2(blk_size) ? blk_size : 0;
	l->write_cache = virtio_has_feature(vdev, VIRTIO_BLK_F_FLUSH);
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
/*
 * v6.11: the limits go to blk_mq_alloc_disk() in a struct queue_limits
 * (argument added in v6.9 by commit 27e32cd23fed, "block: pass a
 * queue_limits argument to blk_mq_alloc_disk"); the blk_queue_max_*()
 * setters are gone since commit ec84ca4025c0 ("scsi: block: Remove now
 * unused queue limits helpers", v6.10), and the write cache is a feature
 * flag since commit 1122c0c1cc71 ("block: move cache control settings out
 * of queue->flags", v6.11), which also removed blk_queue_logical_block_size()
 * and the two-argument blk_queue_write_cache().
 */
static struct gendisk *rvblk_alloc_disk(struct rvblk *rb)
{
	struct rvblk_limits l;
	struct queue_limits lim = { .max_hw_sectors = 256 };

	rvblk_read_limits(rb, &l);
	lim.max_segments = l.max_segments;
	lim.max_segment_size = l.max_segment_size;
	lim.logical_block_size = l.logical_block_size;
	if (l.write_cache)
		lim.features |= BLK_FEAT_WRITE_CACHE;
	return blk_mq_alloc_disk(&rb->tag_set, &lim, rb);
}
#else
static struct gendisk *rvblk_alloc_disk(struct rvblk *rb)
{
	struct rvblk_limits l;
	struct request_queue *q;
	struct gendisk *disk;

	disk = blk_mq_alloc_disk(&rb->tag_set, rb);
	if (IS_ERR(disk))
		return disk;
	q = disk->queue;
	rvblk_read_limits(rb, &l);
	blk_queue_max_segments(q, l.max_segments);
	blk_queue_max_hw_sectors(q, 256);
	if (l.max_segment_size)
		blk_queue_max_segment_size(q, l.max_segment_size);
	if (l.logical_block_size)
		blk_queue_logical_block_size(q, l.logical_block_size);
	blk_queue_write_cache(q, l.write_cache, false);
	return disk;
}
#endif

static int rvblk_probe(struct virtio_device *vdev)
{
	struct rvblk *rb;
	u64 capacity;
	int err;

	if (!vdev->config->get) {
		dev_err(&vdev->dev, "config access disabled\n");
		return -EINVAL;
	}

	rb = kzalloc(sizeof(*rb), GFP_KERNEL);
	if (!rb)
		return -ENOMEM;
	rb->vdev = vdev;
	vdev->priv = rb;

	/* rvblkN after virtioN: the rig knows the name before it binds us. */
	rb->index = vdev->index;

	err = rvblk_init_vqs(rb);
	if (err) {
		dev_err(&vdev->dev, "no virtqueues (%d queues asked): %d\n",
			rb->nr_vqs, err);
		goto out_free_rb;
	}

	rb->tag_set.ops = &rvblk_mq_ops;
	rb->tag_set.nr_hw_queues = rb->nr_vqs;
	rb->tag_set.queue_depth = min_t(unsigned int, rvblk_queue_depth,
				virtqueue_get_vring_size(rb->vqs[0].vq));
	rb->tag_set.numa_node = NUMA_NO_NODE;
	rb->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
	rb->tag_set.cmd_size = sizeof(struct rvblk_req);
	rb->tag_set.driver_data = rb;
	err = blk_mq_alloc_tag_set(&rb->tag_set);
	if (err)
		goto out_del_vqs;

	rb->disk = rvblk_alloc_disk(rb);
	if (IS_ERR(rb->disk)) {
		err = PTR_ERR(rb->disk);
		goto out_free_tag_set;
	}
	snprintf(rb->disk->disk_name, DISK_NAME_LEN, "rvblk%d", rb->index);
	rb->disk->major = rvblk_major;
	rb->disk->first_minor = rb->index * RVBLK_MINORS;
	rb->disk->minors = RVBLK_MINORS;
	rb->disk->fops = &rvblk_fops;
	rb->disk->private_data = rb;

	virtio_cread(vdev, struct virtio_blk_config, capacity, &capacity);
	set_capacity(rb->disk, capacity);

	/* From here on the device may use the rings and raise interrupts. */
	virtio_device_ready(vdev);

	err = device_add_disk(&vdev->dev, rb->disk, NULL);
	if (err)
		goto out_reset;

	err = device_add_group(&vdev->dev, &rvblk_attr_group);
	if (err)
		goto out_del_disk;

	dev_info(&vdev->dev,
		 "%s: %llu sectors, %u request queues, irq mode %s%s, %u msix vectors\n",
		 rb->disk->disk_name, capacity, rb->nr_vqs, rb->irq_mode,
		 rb->irq_managed ? " (managed)" : "", rb->irq_vectors);
	return 0;

out_del_disk:
	del_gendisk(rb->disk);
out_reset:
	virtio_reset_device(vdev);
	put_disk(rb->disk);
out_free_tag_set:
	blk_mq_free_tag_set(&rb->tag_set);
out_del_vqs:
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
	kfree(rb->vqs);
out_free_rb:
	vdev->priv = NULL;
	kfree(rb);
	return err;
}

static void rvblk_remove(struct virtio_device *vdev)
{
	struct rvblk *rb = vdev->priv;
	unsigned int i;

	device_remove_group(&vdev->dev, &rvblk_attr_group);
	/* A held queue would never drain: let its completions through. */
	for (i = 0; i < rb->nr_vqs; i++)
		rvblk_set_held(rb, i, false);

	/* Tears the queue down: blk_mq_exit_hctx() reads every hctx->fq. */
	del_gendisk(rb->disk);
	blk_mq_free_tag_set(&rb->tag_set);

	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
	put_disk(rb->disk);
	kfree(rb->vqs);
	vdev->priv = NULL;
	kfree(rb);
}

static const struct virtio_device_id rvblk_id_table[] = {
	{ VIRTIO_ID_BLOCK, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static unsigned int rvblk_features[] = {
	VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_SIZE_MAX, VIRTIO_BLK_F_BLK_SIZE,
	VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_MQ,
};

static struct virtio_driver rvblk_driver = {
	.driver.name		= KBUILD_MODNAME,
	.driver.owner		= THIS_MODULE,
	.id_table		= rvblk_id_table,
	.feature_table		= rvblk_features,
	.feature_table_size	= ARRAY_SIZE(rvblk_features),
	.probe			= rvblk_probe,
	.remove			= rvblk_remove,
};

static int __init rvblk_init(void)
{
	int err;

	rvblk_major = register_blkdev(0, KBUILD_MODNAME);
	if (rvblk_major < 0)
		return rvblk_major;
	err = register_virtio_driver(&rvblk_driver);
	if (err)
		goto out_unregister_blkdev;
	return 0;

out_unregister_blkdev:
	unregister_blkdev(rvblk_major, KBUILD_MODNAME);
	return err;
}

static void __exit rvblk_exit(void)
{
	unregister_virtio_driver(&rvblk_driver);
	unregister_blkdev(rvblk_major, KBUILD_MODNAME);
}

module_init(rvblk_init);
module_exit(rvblk_exit);

MODULE_DEVICE_TABLE(virtio, rvblk_id_table);
MODULE_DESCRIPTION("raidvirt reference virtio-blk driver (failure states on demand)");
MODULE_LICENSE("GPL");

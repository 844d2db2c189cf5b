// SPDX-License-Identifier: GPL-2.0-or-later
/**
 * @file blk_mq.h
 * What other decoders ask the block layer (implemented in blk_mq.c).
 */
#ifndef RV_BLK_MQ_H
#define RV_BLK_MQ_H

#include <jv.h>

#include "slab.h"
#include "target.h"

/**
 * The disk whose parent device is @p dev (a struct device: the virtio
 * device's dev, a SCSI device, ...): any block driver, through the
 * gendisk's device parent. *disk = 0 and no error when none has it.
 */
struct rv_error *rv_blk_device_disk(struct rv_target *t, rv_addr_t dev,
				    rv_addr_t *disk, char *name, size_t size);

/**
 * What the live slab object holding @p addr (@p si: its rv_slab_identify())
 * is for the block layer: {type: "request_queue" | "blk_mq_hw_ctx", addr,
 * ..., disk, driver_module, driver_module_taint}, or null when neither.
 * A hctx is recognised by its ->queue: a live request_queue object.
 */
jv rv_blk_identify(struct rv_target *t, rv_addr_t addr,
		   const struct rv_slab_info *si);

#endif

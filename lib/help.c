// SPDX-License-Identifier: GPL-2.0-or-later
// Help pages of the commands (see help.h).
#include <stddef.h>

#include "help.h"

char *rv_help_raidvirt[] = {
	"raidvirt",
	"run every raidvirt decoder and print one report",
	"[-j] [-b] [-w] [-c] [-v]",
	"  Runs r1conf, vecmatrix, hctxfq and vring over the dump and prints their",
	"  reports one after the other.",
	"",
	"    -j  print the whole facts document (raidvirt.facts/1) as JSON.",
	"    -b, -w, -c, -v  as for r1conf and vecmatrix.",
	NULL
};

char *rv_help_r1conf[] = {
	"r1conf",
	"md raid1 arrays and their barrier state",
	"[-j] [-b] [-w] [md-name | mddev-addr | r1conf-addr]",
	"  Lists every md array (all_mddevs) with its raid1 barrier state.",
	"",
	"    -j  print the md facts as JSON.",
	"    -b  list the non-zero barrier buckets.",
	"    -w  list the tasks sleeping on conf->wait_barrier.",
	NULL
};

char *rv_help_vecmatrix[] = {
	"vecmatrix",
	"x86 vector matrix: capacity, managed reservations and owners",
	"[-j] [-c] [-v]",
	"  Decodes vector_matrix (struct irq_matrix) and its per-CPU maps.",
	"",
	"    -j  print the irq facts as JSON.",
	"    -c  per-CPU table.",
	"    -v  every allocated vector with its owner.",
	NULL
};

char *rv_help_hctxfq[] = {
	"hctxfq",
	"blk-mq hardware contexts and their flush queues",
	"[-j] [disk | request_queue-addr]",
	"  For each blk-mq disk and each hardware context, checks hctx->fq.",
	"",
	"    -j  print the blk facts as JSON.",
	NULL
};

char *rv_help_vring[] = {
	"vring",
	"virtio devices and their virtqueue ring indices",
	"[-j] [virtio-device | vq-addr]",
	"  For each virtio device, each virtqueue's ring state.",
	"",
	"    -j  print the virtio facts as JSON.",
	NULL
};

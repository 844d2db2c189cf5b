// SPDX-License-Identifier: GPL-2.0-or-later
// Section "virtio": virtio devices on virtio_bus and the state of their
// virtqueues (split and packed vrings), with the MSI-X vector and Linux irq
// of each queue. Keys and derived values: docs/facts-virtio.md.
//
// The question it answers: are requests stuck in the device (published in
// the avail ring, not yet in the used ring), completed but never reaped by
// the driver (used->idx ahead of last_used_idx: the lost-interrupt
// signature), or is the queue broken?

#include <stdlib.h>
#include <string.h>

#include "blk_mq.h"
#include "facts.h"
#include "irq_desc.h"
#include "xarray.h"

// Modules whose debug info the decoder uses. They are loaded by decode()
// itself, not through rv_decoder.modules: rv_facts_section() turns an
// absent module into {"present": false}, but virtio_blk (or virtio_pci) may
// legitimately be missing while the rings can still be decoded, and virtio
// and virtio_ring are built in on some distributions (CONFIG_VIRTIO=y).
// Whether virtio is there at all is decided by the virtio_bus symbol.
static const char *const virtio_modules[] = {
	"virtio", "virtio_ring", "virtio_pci", "virtio_blk", NULL,
};

// include/uapi/linux/virtio_ring.h, virtio_config.h, virtio_pci.h: these
// are #defines, not in DWARF.
#define VRING_AVAIL_F_NO_INTERRUPT	1
#define VRING_USED_F_NO_NOTIFY		1
#define VRING_PACKED_DESC_F_AVAIL	7
#define VRING_PACKED_DESC_F_USED	15
#define VRING_PACKED_EVENT_F_WRAP_CTR	15
#define VIRTIO_MSI_NO_VECTOR		0xffff

// Bounds for counts read from the dump.
#define MAX_VRING_NUM		32768	// virtio spec: Queue Size <= 32768
#define MAX_VQS_PER_DEVICE	4096
#define MAX_MSIX_VECTORS	2048	// PCI: MSI-X table size <= 2048
#define MAX_IRQ_ACTIONS		64
#define MAX_IRQ_DESCS		RV_IRQ_MAX_DESCS

static const char *const virtio_id_names[] = {
	[1] = "net", [2] = "block", [3] = "console", [4] = "rng",
	[5] = "balloon", [6] = "iomem", [7] = "rpmsg", [8] = "scsi",
	[9] = "9p", [10] = "mac80211-wlan", [11] = "rproc-serial",
	[12] = "caif", [13] = "memory-balloon", [16] = "gpu",
	[17] = "clock", [18] = "input", [19] = "vsock", [20] = "crypto",
	[21] = "signal-dist", [22] = "pstore", [23] = "iommu", [24] = "mem",
	[25] = "sound", [26] = "fs", [27] = "pmem", [28] = "rpmb",
	[29] = "mac80211-hwsim", [30] = "video-encoder",
	[31] = "video-decoder", [32] = "scmi", [34] = "i2c-adapter",
	[35] = "watchdog", [36] = "can", [38] = "param-serv",
	[39] = "audio-policy", [40] = "bt", [41] = "gpio",
};

// Transport feature bits (device-specific bits below 24 are not named).
static const struct {
	unsigned int bit;
	const char *name;
} feature_names[] = {
	{ 24, "NOTIFY_ON_EMPTY" },
	{ 27, "ANY_LAYOUT" },
	{ 28, "RING_INDIRECT_DESC" },
	{ 29, "RING_EVENT_IDX" },
	{ 32, "VERSION_1" },
	{ 33, "ACCESS_PLATFORM" },
	{ 34, "RING_PACKED" },
	{ 35, "IN_ORDER" },
	{ 36, "ORDER_PLATFORM" },
	{ 37, "SR_IOV" },
	{ 38, "NOTIFICATION_DATA" },
	{ 40, "RING_RESET" },
};

// ---- small read helpers: value into obj[key], failure into obj.error ----
// (the shared family of facts.h)
#define put_member rv_jv_put_u64
#define put_member_opt rv_jv_put_u64_opt
#define put_bool_opt rv_jv_put_bool_opt
#define put_addr rv_jv_put_addr
#define put_str rv_jv_put_str

// A little-endian u16 of the ring memory. The rings are little-endian for
// VIRTIO_F_VERSION_1 devices and guest-endian (little on x86_64) for legacy
// ones, so one reader serves both on this architecture.
static bool put_ring_u16(struct rv_target *t, jv *obj, rv_addr_t addr,
			 const char *key, uint16_t *ret)
{
	uint16_t v;
	struct rv_error *err = rv_read_u16(t, addr, &v);
	if (err) {
		*obj = rv_jv_set_error(*obj, rv_error_wrap(err, "%s", key));
		return false;
	}
	*obj = rv_jv_set(*obj, key, jv_number(v));
	if (ret)
		*ret = v;
	return true;
}

// ---- per-decode state ----

// Linux irq number -> irq_desc, read once per decode (lazily).
struct irq_desc_map {
	bool loaded;
	struct rv_error *err;	// why the map is unavailable (kept, copied)
	uint64_t *irq;
	uint64_t *desc;
	size_t n, cap;
	bool nomem;
};

struct vdecode {
	struct rv_target *t;
	rv_addr_t pci_bus_type;	// 0 if unknown
	struct irq_desc_map irqs;
	const char *select;
	rv_addr_t select_addr;
};

// ---- irq descriptors ----

static bool collect_irq_desc(uint64_t index, uint64_t entry, void *arg)
{
	struct irq_desc_map *m = arg;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		uint64_t *irq = realloc(m->irq, cap * sizeof(*irq));
		if (irq)
			m->irq = irq;
		uint64_t *desc = irq ? realloc(m->desc, cap * sizeof(*desc)) : NULL;
		if (!desc) {
			m->nomem = true;
			return false;
		}
		m->desc = desc;
		m->cap = cap;
	}
	m->irq[m->n] = index;
	m->desc[m->n] = entry;
	m->n++;
	return true;
}

// Every descriptor, by the one walker (lib/irq_desc.c: the stores each
// kernel keeps them in).
static void irq_desc_map_load(struct vdecode *d)
{
	struct irq_desc_map *m = &d->irqs;
	m->loaded = true;
	m->err = rv_irq_desc_for_each(d->t, MAX_IRQ_DESCS, collect_irq_desc, m);
	if (!m->err && m->nomem)
		m->err = &rv_enomem;
}

static struct rv_error *irq_to_desc(struct vdecode *d, uint64_t irq,
				    rv_addr_t *ret)
{
	struct irq_desc_map *m = &d->irqs;
	if (!m->loaded)
		irq_desc_map_load(d);
	for (size_t i = 0; i < m->n; i++) {
		if (m->irq[i] == irq) {
			*ret = m->desc[i];
			return NULL;
		}
	}
	if (m->err)
		return rv_error_format(m->err->code, "irq %" PRIu64 ": %s", irq,
				       m->err->msg);
	return rv_error_format(RV_ERR_ABSENT, "no irq_desc for irq %" PRIu64,
			       irq);
}

static void irq_desc_map_deinit(struct irq_desc_map *m)
{
	rv_error_destroy(m->err);
	free(m->irq);
	free(m->desc);
}

// The irq_desc of @p irq and whether one of its actions has dev_id ==
// @p dev_id (request_irq(..., vring_interrupt, ..., vq) for a per-vq vector).
static jv decode_irq_desc(struct vdecode *d, uint64_t irq, rv_addr_t dev_id)
{
	struct rv_target *t = d->t;
	jv o = jv_object();
	rv_addr_t desc = 0;
	struct rv_error *err = irq_to_desc(d, irq, &desc);
	if (err)
		return rv_jv_set_error(o, err);
	o = rv_jv_set(o, "addr", rv_jv_addr(desc));
	put_member(t, &o, desc, "struct irq_desc", "depth", "depth", NULL);
	put_member_opt(t, &o, desc, "struct irq_desc", "irqs_unhandled",
		       "irqs_unhandled", NULL);
	rv_addr_t action = 0;
	if (!put_member(t, &o, desc, "struct irq_desc", "action", NULL,
			&action))
		return o;
	jv names = jv_array();
	bool match = false;
	unsigned int n = 0;
	while (action && n < MAX_IRQ_ACTIONS) {
		uint64_t dev;
		char name[64];
		if (!put_member(t, &o, action, "struct irqaction", "dev_id",
				NULL, &dev))
			break;
		if (dev == dev_id)
			match = true;
		err = rv_read_member_str(t, action, "struct irqaction", "name",
					 name, sizeof(name));
		if (err)
			o = rv_jv_set_error(o, err);
		else
			names = jv_array_append(names, jv_string(name));
		if (!put_member(t, &o, action, "struct irqaction", "next", NULL,
				&action))
			break;
		n++;
	}
	if (action && n == MAX_IRQ_ACTIONS)
		o = rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
				"more than %d irqactions", MAX_IRQ_ACTIONS));
	o = rv_jv_set(o, "action_names", names);
	o = rv_jv_set(o, "action_dev_id_match", jv_bool(match));
	return o;
}

// ---- PCI transport ----

// MSI descriptors of a PCI device: xarray index -> struct msi_desc.
struct msi_descs {
	uint64_t *index;
	uint64_t *desc;
	size_t n, cap;
	bool overflow;
	bool nomem;
};

static bool collect_msi_desc(uint64_t index, uint64_t entry, void *arg)
{
	struct msi_descs *m = arg;
	if (m->n == MAX_MSIX_VECTORS) {
		m->overflow = true;
		return false;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		uint64_t *i = realloc(m->index, cap * sizeof(*i));
		if (i)
			m->index = i;
		uint64_t *e = i ? realloc(m->desc, cap * sizeof(*e)) : NULL;
		if (!e) {
			m->nomem = true;
			return false;
		}
		m->desc = e;
		m->cap = cap;
	}
	m->index[m->n] = index;
	m->desc[m->n] = entry;
	m->n++;
	return true;
}

// The xarray of the MSI descriptors of the device at @p dev.
static struct rv_error *msi_store(struct rv_target *t, rv_addr_t dev,
				  rv_addr_t *ret)
{
	uint64_t data;
	// dev->msi.data (struct msi_device_data) is the v5.17+ layout (the
	// genirq/msi rework); older kernels keep a dev->msi_list of
	// descriptors, which is not decoded.
	struct rv_error *err = rv_read_member(t, dev, "struct device",
					      "msi.data", &data);
	if (err)
		return rv_error_wrap(err, "MSI descriptors (kernels before "
				     "v5.17 with dev->msi_list are not decoded)");
	if (!data)
		return rv_error_format(RV_ERR_ABSENT,
				       "device has no MSI data (dev->msi.data NULL)");
	// 6.1: msi_device_data.__store, indexed by msi_index (see
	// msi_get_virq()). From v6.2 (36db3d9003ea "genirq/msi: Add
	// storage for per-device MSI domains") the xarray is per domain:
	// __domains[MSI_DEFAULT_DOMAIN].store.
	if (rv_member_exists(t, "struct msi_device_data", "__store"))
		return rv_member_addr(t, data, "struct msi_device_data",
				      "__store", ret);
	int64_t dom;
	err = rv_enum_value(t, "MSI_DEFAULT_DOMAIN", &dom);
	if (err)
		return rv_error_wrap(err, "MSI descriptors");
	char path[64];
	snprintf(path, sizeof(path), "__domains[%" PRId64 "].store", dom);
	return rv_member_addr(t, data, "struct msi_device_data", path, ret);
}

// The Linux irq of MSI(-X) vector @p vector, as msi_get_virq() computes it:
// MSI-X has one descriptor per vector at index == vector; plain MSI has one
// descriptor at index 0 whose irqs are consecutive.
static struct rv_error *msi_vector_irq(struct rv_target *t,
				       const struct msi_descs *m, bool msix,
				       uint64_t vector, uint64_t *ret)
{
	uint64_t want = msix ? vector : 0;
	for (size_t i = 0; i < m->n; i++) {
		if (m->index[i] != want)
			continue;
		uint64_t irq, nvec = 1;
		struct rv_error *err = rv_read_member(t, m->desc[i],
						      "struct msi_desc", "irq",
						      &irq);
		if (err)
			return err;
		if (msix) {
			*ret = irq;
			return NULL;
		}
		err = rv_read_member(t, m->desc[i], "struct msi_desc",
				     "nvec_used", &nvec);
		if (err)
			return err;
		if (vector >= nvec)
			break;
		*ret = irq + vector;
		return NULL;
	}
	return rv_error_format(RV_ERR_ABSENT, "no MSI descriptor for vector %"
			       PRIu64, vector);
}

// Per-device PCI state shared with the vq decoding.
struct vp_state {
	bool is_pci;
	rv_addr_t vp_dev;
	rv_addr_t pci_dev;
	bool msix;		// vp_dev->msix_enabled
	uint64_t intx_irq;	// pci_dev->irq
	struct msi_descs msi;
	bool msi_ok;
	bool pci_msix_enabled;	// pci_dev->msix_enabled (else plain MSI)
	bool per_vq_vectors;
	jv names;		// msix_names[] as read, or null
};

// Is @p vdev on the PCI transport? Its parent is then a PCI device (on
// pci_bus_type) and the virtio_pci_device around it points back at it.
static bool find_pci_transport(struct vdecode *d, rv_addr_t vdev, jv *obj,
			       struct vp_state *vp)
{
	struct rv_target *t = d->t;
	uint64_t parent, bus, pci_dev;
	if (!d->pci_bus_type || !rv_type_exists(t, "struct virtio_pci_device"))
		return false;
	struct rv_error *err = rv_read_member(t, vdev, "struct virtio_device",
					      "dev.parent", &parent);
	if (!err && parent)
		err = rv_read_member(t, parent, "struct device", "bus", &bus);
	if (err) {
		*obj = rv_jv_set_error(*obj, rv_error_wrap(err, "transport"));
		return false;
	}
	if (parent && bus == d->pci_bus_type) {
		rv_addr_t vp_dev, pdev;
		if ((err = rv_container_of(t, vdev, "struct virtio_pci_device", "vdev",
					   &vp_dev)) ||
		    (err = rv_container_of(t, parent, "struct pci_dev", "dev", &pdev))) {
			*obj = rv_jv_set_error(*obj, rv_error_wrap(err, "PCI transport"));
			return false;
		}
		if ((err = rv_read_member(t, vp_dev, "struct virtio_pci_device",
					  "pci_dev", &pci_dev))) {
			*obj = rv_jv_set_error(*obj, rv_error_wrap(err, "PCI transport"));
			return false;
		}
		if (pci_dev != pdev) {
			*obj = rv_jv_set_error(*obj, rv_error_format(RV_ERR_CORRUPT,
				"parent is PCI device %#" PRIx64 " but "
				"virtio_pci_device.pci_dev does not point to it",
				pdev));
			return false;
		}
		vp->is_pci = true;
		vp->vp_dev = vp_dev;
		vp->pci_dev = pdev;
		return true;
	}
	return false;
}

// msix_names[i] for i < @p nvec: "virtio0-config", "virtio0-req.0".
static jv read_msix_names(struct rv_target *t, jv *obj, rv_addr_t vp_dev,
			  uint64_t nvec)
{
	struct rv_member m;
	uint64_t names;
	struct rv_error *err = rv_member(t, "struct virtio_pci_device",
					 "msix_names", &m);
	if (!err)
		err = rv_read_member(t, vp_dev, "struct virtio_pci_device",
				     "msix_names", &names);
	if (err) {
		*obj = rv_jv_set_error(*obj, err);
		return jv_null();
	}
	// char (*msix_names)[256]: the stride is the pointee's size.
	if (!names || m.target_size < 2 || m.target_size > 4096)
		return jv_null();
	if (nvec > MAX_MSIX_VECTORS)
		nvec = MAX_MSIX_VECTORS;
	jv list = jv_array();
	for (uint64_t i = 0; i < nvec; i++) {
		char buf[256];
		size_t n = m.target_size < sizeof(buf) ? m.target_size + 1 :
							 sizeof(buf);
		err = rv_read_cstr(t, names + i * m.target_size, buf, n);
		if (err) {
			*obj = rv_jv_set_error(*obj, err);
			list = jv_array_append(list, jv_null());
		} else {
			list = jv_array_append(list, jv_string(buf));
		}
	}
	return list;
}

// The "pci" object of a device: struct virtio_pci_device and its vectors.
static jv decode_pci(struct vdecode *d, struct vp_state *vp)
{
	struct rv_target *t = d->t;
	const char *vpt = "struct virtio_pci_device";
	jv o = jv_object();
	char name[64];
	o = rv_jv_set(o, "addr", rv_jv_addr(vp->vp_dev));
	o = rv_jv_set(o, "pci_dev_addr", rv_jv_addr(vp->pci_dev));
	rv_addr_t pdev_dev;
	struct rv_error *err = rv_member_addr(t, vp->pci_dev, "struct pci_dev", "dev",
					      &pdev_dev);
	if (err)
		return rv_jv_set_error(o, rv_error_wrap(err, "pci_dev.dev"));
	put_str(t, &o, pdev_dev, "struct device", "kobj.name", "pci_name",
		name, sizeof(name));
	put_bool_opt(t, &o, vp->vp_dev, vpt, "is_legacy", "is_legacy", NULL);
	uint64_t msix = 0, vectors = 0, used = 0;
	put_member(t, &o, vp->vp_dev, vpt, "msix_enabled", "msix_enabled", &msix);
	put_member_opt(t, &o, vp->vp_dev, vpt, "intx_enabled", "intx_enabled",
		       NULL);
	put_member(t, &o, vp->vp_dev, vpt, "msix_vectors", "msix_vectors",
		   &vectors);
	put_member(t, &o, vp->vp_dev, vpt, "msix_used_vectors",
		   "msix_used_vectors", &used);
	put_bool_opt(t, &o, vp->vp_dev, vpt, "per_vq_vectors", "per_vq_vectors",
		     &vp->per_vq_vectors);
	vp->msix = msix != 0;
	put_member(t, &o, vp->pci_dev, "struct pci_dev", "irq", "pci_irq",
		   &vp->intx_irq);

	// vp_find_vqs_msix() asks for exactly the vectors it names: config,
	// then one per vq with a callback (per_vq_vectors) or one shared
	// "virtqueues" vector. msix_used_vectors counts only config + shared
	// ones (per-vq vectors are counted in a local), so every vector below
	// msix_vectors has a name.
	if (used > vectors || vectors > MAX_MSIX_VECTORS) {
		o = rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"msix_used_vectors %" PRIu64 ", msix_vectors %" PRIu64
			": vectors read for at most %d", used, vectors,
			MAX_MSIX_VECTORS));
	}
	vp->names = vp->msix ? read_msix_names(t, &o, vp->vp_dev, vectors) :
			       jv_null();
	if (!vp->msix)
		return o;

	uint64_t pci_msix = 1;
	put_member_opt(t, &o, vp->pci_dev, "struct pci_dev", "msix_enabled",
		       NULL, &pci_msix);
	vp->pci_msix_enabled = pci_msix != 0;
	rv_addr_t store;
	err = msi_store(t, pdev_dev, &store);
	if (!err)
		err = rv_xa_for_each(t, store, MAX_MSIX_VECTORS + 1,
				     collect_msi_desc, &vp->msi);
	if (err)
		o = rv_jv_set_error(o, err);
	if (vp->msi.nomem)
		o = rv_jv_set_error(o, &rv_enomem);
	if (vp->msi.overflow)
		o = rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"more than %d MSI descriptors", MAX_MSIX_VECTORS));
	vp->msi_ok = vp->msi.n > 0;

	// One row per vector in use: vector, name, irq.
	jv vecs = jv_array();
	for (uint64_t v = 0; v < vectors && v < MAX_MSIX_VECTORS; v++) {
		jv e = jv_object();
		e = rv_jv_set(e, "vector", jv_number(v));
		jv n = jv_get_kind(vp->names) == JV_KIND_ARRAY ?
			jv_array_get(jv_copy(vp->names), (int)v) : jv_null();
		e = rv_jv_set(e, "name", jv_is_valid(n) ? n : jv_null());
		uint64_t irq;
		err = msi_vector_irq(t, &vp->msi, vp->pci_msix_enabled, v, &irq);
		if (err)
			e = rv_jv_set_error(e, err);
		else
			e = rv_jv_set(e, "irq", jv_number(irq));
		vecs = jv_array_append(vecs, e);
	}
	o = rv_jv_set(o, "vectors", vecs);
	return o;
}

// The MSI-X vector (virtio_pci_vq_info.msix_vector) and the irq of a vq.
static jv decode_vq_irq(struct vdecode *d, struct vp_state *vp, jv o,
			rv_addr_t vq, uint64_t index)
{
	struct rv_target *t = d->t;
	uint64_t infos, info, info_vq, vector;
	if (index >= MAX_VQS_PER_DEVICE)
		return rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
				"vq index %" PRIu64 " too large", index));
	if (!put_member(t, &o, vp->vp_dev, "struct virtio_pci_device", "vqs",
			NULL, &infos) || !infos)
		return o;
	struct rv_error *err = rv_read_u64(t, infos + index * 8, &info);
	if (err)
		return rv_jv_set_error(o, rv_error_wrap(err, "vp_dev->vqs[%"
							PRIu64 "]", index));
	if (!info)
		return o;
	if (!put_member(t, &o, info, "struct virtio_pci_vq_info", "vq", NULL,
			&info_vq) ||
	    !put_member(t, &o, info, "struct virtio_pci_vq_info", "msix_vector",
			NULL, &vector))
		return o;
	if (info_vq != vq)
		return rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
				"vp_dev->vqs[%" PRIu64 "]->vq is %#" PRIx64, index,
				info_vq));
	o = rv_jv_set(o, "vq_info_addr", rv_jv_addr(info));
	o = rv_jv_set(o, "msix_vector", jv_number(vector));

	uint64_t irq;
	if (!vp->msix) {
		// INTx: one shared line, vp_interrupt(dev_id = vp_dev).
		o = rv_jv_set(o, "irq", jv_number(vp->intx_irq));
		o = rv_jv_set(o, "irq_desc", decode_irq_desc(d, vp->intx_irq,
							     vp->vp_dev));
		return o;
	}
	if (vector == VIRTIO_MSI_NO_VECTOR)
		return o;	// no callback: no interrupt for this queue
	if (jv_get_kind(vp->names) == JV_KIND_ARRAY &&
	    vector < (uint64_t)jv_array_length(jv_copy(vp->names)))
		o = rv_jv_set(o, "msix_name",
			      jv_array_get(jv_copy(vp->names), (int)vector));
	err = msi_vector_irq(t, &vp->msi, vp->pci_msix_enabled, vector, &irq);
	if (err)
		return rv_jv_set_error(o, err);
	o = rv_jv_set(o, "irq", jv_number(irq));
	// With per_vq_vectors the action's dev_id is the vq (vring_interrupt);
	// with one shared "virtqueues" vector it is the vp_dev
	// (vp_vring_interrupt).
	o = rv_jv_set(o, "irq_desc", decode_irq_desc(d, irq,
			vp->per_vq_vectors ? vq : vp->vp_dev));
	return o;
}

// ---- vrings ----

// The layout of struct vring_virtqueue in this kernel.
struct vq_layout {
	bool has_packed;	// v5.0+: packed_ring and the split/packed union
	const char *split;	// prefix of the split fields: "split." or ""
	const char *state_type;	// element type of desc_state
	bool state_is_ptr;	// desc_state a pointer (5.0+) or flexible array
	const char *state_path;	// member holding the desc_state array
	uint64_t state_stride, state_data_off;
};

static struct rv_error *vq_layout_init(struct rv_target *t,
				       struct vq_layout *ret)
{
	const char *vvq = "struct vring_virtqueue";
	struct vq_layout l = { 0 };
	struct rv_error *err;
	if (!rv_type_exists(t, vvq))
		return rv_error_format(RV_ERR_NODEBUG,
				       "no struct vring_virtqueue in the debug "
				       "info (virtio_ring debuginfo missing?)");
	// v5.0 (e593bf975156 "virtio_ring: put split ring fields in a sub
	// struct" and the packed-ring series): split.*, packed.*, packed_ring.
	l.has_packed = rv_member_exists(t, vvq, "packed_ring");
	l.split = rv_member_exists(t, vvq, "split.vring.num") ? "split." : "";
	struct rv_member m;
	if (rv_member_exists(t, vvq, "split.desc_state")) {
		l.state_path = "split.desc_state";
		l.state_type = "struct vring_desc_state_split";
		l.state_is_ptr = true;
	} else if (rv_ok(rv_member(t, vvq, "desc_state", &m))) {
		// v4.x: struct vring_desc_state desc_state[] at the end.
		l.state_path = "desc_state";
		l.state_type = "struct vring_desc_state";
		l.state_is_ptr = m.kind == RV_KIND_PTR;
	} else if (rv_ok(rv_member(t, vvq, "data", &m))) {
		// v3.x: void *data[].
		l.state_path = "data";
		l.state_type = NULL;
		l.state_is_ptr = false;
		l.state_stride = 8;
		l.state_data_off = 0;
	}
	if (l.state_type) {
		err = rv_type_size(t, l.state_type, &l.state_stride);
		if (!err)
			err = rv_member_offset(t, l.state_type, "data",
					       &l.state_data_off);
		if (err)
			return err;
	}
	*ret = l;
	return NULL;
}

// Count desc_state[i].data != NULL for i < num: buffers the driver handed
// to the device and has not got back (reaped) yet. One read of the array.
static struct rv_error *count_outstanding(struct rv_target *t, rv_addr_t arr,
					  uint64_t num, uint64_t stride,
					  uint64_t data_off, uint64_t *ret)
{
	if (num > MAX_VRING_NUM || stride < 8 || stride > 256 ||
	    data_off + 8 > stride)
		return rv_error_format(RV_ERR_CORRUPT, "desc_state: num %" PRIu64
				       " stride %" PRIu64, num, stride);
	uint8_t *buf = malloc(num * stride);
	if (!buf)
		return &rv_enomem;
	struct rv_error *err = rv_read(t, arr, buf, num * stride);
	if (err) {
		free(buf);
		return rv_error_wrap(err, "desc_state[%" PRIu64 "]", num);
	}
	uint64_t n = 0;
	for (uint64_t i = 0; i < num; i++) {
		uint64_t p;
		memcpy(&p, buf + i * stride + data_off, 8);
		n += p != 0;
	}
	free(buf);
	*ret = n;
	return NULL;
}

static rv_addr_t desc_state_addr(struct rv_target *t, jv *o, rv_addr_t vvq,
				 const char *path, bool is_ptr)
{
	rv_addr_t a = 0;
	if (is_ptr)
		put_member(t, o, vvq, "struct vring_virtqueue", path, NULL, &a);
	else {
		struct rv_error *err = rv_member_addr(t, vvq, "struct vring_virtqueue",
						      path, &a);
		if (err) {
			*o = rv_jv_set_error(*o, err);
			a = 0;
		}
	}
	return a;
}

static void put_outstanding(struct rv_target *t, jv *o, rv_addr_t arr,
			    uint64_t num, uint64_t stride, uint64_t data_off)
{
	uint64_t n = 0;
	if (!arr)
		return;
	struct rv_error *err = count_outstanding(t, arr, num, stride, data_off,
						 &n);
	if (err)
		*o = rv_jv_set_error(*o, err);
	else
		*o = rv_jv_set(*o, "outstanding", jv_number(n));
}

// Split ring: the shadows, the ring indices in memory and what they mean.
static jv decode_split(struct rv_target *t, const struct vq_layout *l, jv o,
		       rv_addr_t vvq, uint64_t num_free, bool event,
		       uint64_t last_used)
{
	const char *vvqt = "struct vring_virtqueue";
	char p[64];
	uint64_t num, avail, used, flags_shadow, idx_shadow;
#define SPLIT(m) (snprintf(p, sizeof(p), "%s%s", l->split, m), p)
	o = rv_jv_set(o, "ring", jv_string("split"));
	if (!put_member(t, &o, vvq, vvqt, SPLIT("vring.num"), "num", &num))
		return o;
	put_addr(t, &o, vvq, vvqt, SPLIT("vring.desc"), "desc_addr", NULL);
	bool have_avail = put_addr(t, &o, vvq, vvqt, SPLIT("vring.avail"),
				   "avail_addr", &avail);
	bool have_used = put_addr(t, &o, vvq, vvqt, SPLIT("vring.used"),
				  "used_addr", &used);
	// avail_flags_shadow/avail_idx_shadow: ~v4.5 and later (kernel-facts).
	bool have_shadow =
		put_member_opt(t, &o, vvq, vvqt, SPLIT("avail_flags_shadow"),
			       "avail_flags_shadow", &flags_shadow) &&
		put_member_opt(t, &o, vvq, vvqt, SPLIT("avail_idx_shadow"),
			       "avail_idx_shadow", &idx_shadow);
	rv_addr_t state_arr = l->state_path ?
		desc_state_addr(t, &o, vvq, l->state_path, l->state_is_ptr) : 0;
#undef SPLIT
	if (num == 0 || num > MAX_VRING_NUM || (num & (num - 1)))
		return rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"implausible vring.num %" PRIu64 " (ring not read)", num));
	if (num_free <= num)
		o = rv_jv_set(o, "descs_in_use", jv_number(num - num_free));
	else
		o = rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"num_free %" PRIu64 " > vring.num %" PRIu64, num_free, num));
	put_outstanding(t, &o, state_arr, num, l->state_stride,
			l->state_data_off);

	// struct vring_avail {flags, idx, ring[num]; used_event};
	// struct vring_used {flags, idx, ring[num] of vring_used_elem; avail_event}
	uint64_t a_flags, a_idx, a_ring, u_flags, u_idx, u_ring, elem;
	struct rv_error *err;
	if ((err = rv_member_offset(t, "struct vring_avail", "flags", &a_flags)) ||
	    (err = rv_member_offset(t, "struct vring_avail", "idx", &a_idx)) ||
	    (err = rv_member_offset(t, "struct vring_avail", "ring", &a_ring)) ||
	    (err = rv_member_offset(t, "struct vring_used", "flags", &u_flags)) ||
	    (err = rv_member_offset(t, "struct vring_used", "idx", &u_idx)) ||
	    (err = rv_member_offset(t, "struct vring_used", "ring", &u_ring)) ||
	    (err = rv_type_size(t, "struct vring_used_elem", &elem)))
		return rv_jv_set_error(o, err);
	uint16_t av_flags = 0, av_idx = 0, us_flags = 0, us_idx = 0;
	bool av_ok = false, us_ok = false;
	if (have_avail && avail) {
		put_ring_u16(t, &o, avail + a_flags, "avail_flags", &av_flags);
		av_ok = put_ring_u16(t, &o, avail + a_idx, "avail_idx", &av_idx);
		if (event)
			put_ring_u16(t, &o, avail + a_ring + num * 2,
				     "used_event", NULL);
	}
	if (have_used && used) {
		put_ring_u16(t, &o, used + u_flags, "used_flags", &us_flags);
		us_ok = put_ring_u16(t, &o, used + u_idx, "used_idx", &us_idx);
		if (event)
			put_ring_u16(t, &o, used + u_ring + num * elem,
				     "avail_event", NULL);
	}

	// Derived, u16 wrap arithmetic.
	if (av_ok && us_ok)
		o = rv_jv_set(o, "in_flight",
			      jv_number((uint16_t)(av_idx - us_idx)));
	if (us_ok)
		o = rv_jv_set(o, "unreaped",
			      jv_number((uint16_t)(us_idx - (uint16_t)last_used)));
	if (av_ok && have_shadow)
		o = rv_jv_set(o, "avail_idx_matches_shadow",
			      jv_bool(av_idx == (uint16_t)idx_shadow));
	if (have_shadow)
		o = rv_jv_set(o, "callbacks_disabled",
			      jv_bool(flags_shadow & VRING_AVAIL_F_NO_INTERRUPT));
	else if (av_ok)
		o = rv_jv_set(o, "callbacks_disabled",
			      jv_bool(av_flags & VRING_AVAIL_F_NO_INTERRUPT));
	if (us_ok)
		o = rv_jv_set(o, "notify_suppressed",
			      jv_bool(us_flags & VRING_USED_F_NO_NOTIFY));
	return o;
}

// Packed ring (v5.0+). Decoded from the structures; the rig has no packed
// rings, so this path is untested against a real dump.
static jv decode_packed(struct rv_target *t, jv o, rv_addr_t vvq,
			uint64_t num_free, uint64_t last_used)
{
	const char *vvqt = "struct vring_virtqueue";
	uint64_t num, desc = 0, driver = 0, device = 0;
	o = rv_jv_set(o, "ring", jv_string("packed"));
	if (!put_member(t, &o, vvq, vvqt, "packed.vring.num", "num", &num))
		return o;
	put_addr(t, &o, vvq, vvqt, "packed.vring.desc", "desc_addr", &desc);
	put_addr(t, &o, vvq, vvqt, "packed.vring.driver", "driver_event_addr",
		 &driver);
	put_addr(t, &o, vvq, vvqt, "packed.vring.device", "device_event_addr",
		 &device);
	put_member(t, &o, vvq, vvqt, "packed.next_avail_idx", "next_avail_idx",
		   NULL);
	put_bool_opt(t, &o, vvq, vvqt, "packed.avail_wrap_counter",
		     "avail_wrap_counter", NULL);
	put_member_opt(t, &o, vvq, vvqt, "packed.avail_used_flags",
		       "avail_used_flags", NULL);
	put_member_opt(t, &o, vvq, vvqt, "packed.event_flags_shadow",
		       "event_flags_shadow", NULL);
	// Older packed rings (v5.0 to ~v5.19, exact version UNVERIFIED) keep
	// packed.used_wrap_counter as a separate bool; 6.1 has no such member
	// and keeps the counter in bit 15 (VRING_PACKED_EVENT_F_WRAP_CTR) of
	// last_used_idx (kernel-facts: "6.1+").
	bool used_wrap;
	uint64_t pos = last_used;
	if (!put_bool_opt(t, &o, vvq, vvqt, "packed.used_wrap_counter",
			  "used_wrap_counter", &used_wrap)) {
		used_wrap = (last_used >> VRING_PACKED_EVENT_F_WRAP_CTR) & 1;
		pos = last_used & ((1u << VRING_PACKED_EVENT_F_WRAP_CTR) - 1);
		o = rv_jv_set(o, "used_wrap_counter", jv_bool(used_wrap));
	}
	o = rv_jv_set(o, "last_used_pos", jv_number(pos));
	if (num == 0 || num > MAX_VRING_NUM)
		return rv_jv_set_error(o, rv_error_format(RV_ERR_CORRUPT,
			"implausible packed vring.num %" PRIu64, num));
	if (num_free <= num)
		o = rv_jv_set(o, "descs_in_use", jv_number(num - num_free));

	// Driver and device event suppression structures in ring memory.
	uint64_t ow, fl;
	if (driver &&
	    rv_ok(rv_member_offset(t, "struct vring_packed_desc_event", "off_wrap", &ow)) &&
	    rv_ok(rv_member_offset(t, "struct vring_packed_desc_event", "flags", &fl))) {
		put_ring_u16(t, &o, driver + ow, "driver_event_off_wrap", NULL);
		put_ring_u16(t, &o, driver + fl, "driver_event_flags", NULL);
		if (device) {
			put_ring_u16(t, &o, device + ow, "device_event_off_wrap",
				     NULL);
			put_ring_u16(t, &o, device + fl, "device_event_flags",
				     NULL);
		}
	}
	// Has the device used the descriptor the driver will reap next?
	// (is_used_desc_packed: AVAIL and USED flag bits both equal the used
	// wrap counter.)
	uint64_t dsize, dflags;
	if (desc && pos < num &&
	    rv_ok(rv_type_size(t, "struct vring_packed_desc", &dsize)) &&
	    rv_ok(rv_member_offset(t, "struct vring_packed_desc", "flags", &dflags))) {
		uint16_t f;
		if (put_ring_u16(t, &o, desc + pos * dsize + dflags,
				 "next_used_desc_flags", &f)) {
			bool a = (f >> VRING_PACKED_DESC_F_AVAIL) & 1;
			bool u = (f >> VRING_PACKED_DESC_F_USED) & 1;
			o = rv_jv_set(o, "used_pending",
				      jv_bool(a == u && u == used_wrap));
		}
	}
	rv_addr_t arr = desc_state_addr(t, &o, vvq, "packed.desc_state", true);
	uint64_t stride, data_off;
	if (arr && rv_ok(rv_type_size(t, "struct vring_desc_state_packed", &stride)) &&
	    rv_ok(rv_member_offset(t, "struct vring_desc_state_packed", "data",
				   &data_off))) {
		put_outstanding(t, &o, arr, num, stride, data_off);
		// A packed ring has no used index to compare with: what the
		// driver has outstanding is what is in flight (or unreaped).
		jv n = jv_object_get(jv_copy(o), jv_string("outstanding"));
		if (jv_is_valid(n))
			o = rv_jv_set(o, "in_flight", n);
		else
			jv_free(n);
	}
	return o;
}

// One virtqueue: struct virtqueue + struct vring_virtqueue around it.
static jv decode_vq(struct vdecode *d, const struct vq_layout *l,
		    struct vp_state *vp, rv_addr_t vq)
{
	struct rv_target *t = d->t;
	const char *vqt = "struct virtqueue", *vvqt = "struct vring_virtqueue";
	jv o = jv_object();
	char name[64];
	o = rv_jv_set(o, "addr", rv_jv_addr(vq));
	rv_addr_t vvq;
	struct rv_error *err = rv_container_of(t, vq, vvqt, "vq", &vvq);
	if (err)
		return rv_jv_set_error(o, err);
	if (vvq != vq)
		o = rv_jv_set(o, "vring_virtqueue_addr", rv_jv_addr(vvq));
	put_str(t, &o, vq, vqt, "name", "name", name, sizeof(name));
	uint64_t index = 0, num_free = 0, last_used = 0;
	bool have_index = put_member(t, &o, vq, vqt, "index", "index", &index);
	bool have_free = put_member(t, &o, vq, vqt, "num_free", "num_free",
				    &num_free);
	put_member_opt(t, &o, vq, vqt, "num_max", "num_max", NULL); // v5.18+
	put_bool_opt(t, &o, vq, vqt, "reset", "reset", NULL);	     // v6.0+
	put_addr(t, &o, vq, vqt, "callback", "callback", NULL);

	put_bool_opt(t, &o, vvq, vvqt, "broken", "broken", NULL);
	bool packed = false;
	if (l->has_packed)
		put_bool_opt(t, &o, vvq, vvqt, "packed_ring", "packed_ring",
			     &packed);
	else
		o = rv_jv_set(o, "packed_ring", jv_false());
	put_bool_opt(t, &o, vvq, vvqt, "use_dma_api", "use_dma_api", NULL);
	put_bool_opt(t, &o, vvq, vvqt, "weak_barriers", "weak_barriers", NULL);
	put_bool_opt(t, &o, vvq, vvqt, "indirect", "indirect", NULL);
	bool event = false;
	put_bool_opt(t, &o, vvq, vvqt, "event", "event", &event);
	put_bool_opt(t, &o, vvq, vvqt, "event_triggered", "event_triggered",
		     NULL);
	put_member(t, &o, vvq, vvqt, "num_added", "num_added", NULL);
	put_member(t, &o, vvq, vvqt, "free_head", "free_head", NULL);
	bool have_last = put_member(t, &o, vvq, vvqt, "last_used_idx",
				    "last_used_idx", &last_used);
	put_bool_opt(t, &o, vvq, vvqt, "we_own_ring", "we_own_ring", NULL);

	if (have_free && have_last) {
		if (packed)
			o = decode_packed(t, o, vvq, num_free, last_used);
		else
			o = decode_split(t, l, o, vvq, num_free, event,
					 last_used);
	}
	if (vp->is_pci && have_index)
		o = decode_vq_irq(d, vp, o, vq, index);
	return o;
}

// ---- devices ----

static jv feature_list(uint64_t features)
{
	jv list = jv_array();
	for (size_t i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]);
	     i++) {
		if (features & (UINT64_C(1) << feature_names[i].bit))
			list = jv_array_append(list,
					       jv_string(feature_names[i].name));
	}
	return list;
}

// vdev->priv of a virtio_blk device is struct virtio_blk.
static void decode_blk(struct rv_target *t, jv *o, rv_addr_t vdev,
		       rv_addr_t priv)
{
	const char *vbt = "struct virtio_blk";
	uint64_t back;
	if (!priv || !rv_type_exists(t, vbt))
		return;
	*o = rv_jv_set(*o, "virtio_blk_addr", rv_jv_addr(priv));
	if (!put_member(t, o, priv, vbt, "vdev", NULL, &back))
		return;
	if (back != vdev) {
		*o = rv_jv_set_error(*o, rv_error_format(RV_ERR_CORRUPT,
			"virtio_blk %#" PRIx64 "->vdev is %#" PRIx64, priv, back));
		return;
	}
	put_member_opt(t, o, priv, vbt, "num_vqs", "num_vqs", NULL);
}

// The disk of a bound device, whatever its block driver: the gendisk whose
// parent device is vdev->dev (device_add_disk(&vdev->dev, ...)).
static void device_disk(struct rv_target *t, jv *o, rv_addr_t vdev,
			char *disk, size_t size)
{
	rv_addr_t dev, gd;
	struct rv_error *err = rv_member_addr(t, vdev, "struct virtio_device",
					      "dev", &dev);
	if (!err)
		err = rv_blk_device_disk(t, dev, &gd, disk, size);
	if (err) {
		*o = rv_jv_set_error(*o, rv_error_wrap(err, "disk of the device"));
		return;
	}
	if (!gd)
		return;
	*o = rv_jv_set(*o, "gendisk_addr", rv_jv_addr(gd));
	*o = rv_jv_set(*o, "disk", jv_string(disk));
}

// Does the user's selection (device name, disk name or virtio_device
// address) name this device?
static bool selected(struct vdecode *d, rv_addr_t vdev, const char *name,
		    const char *disk)
{
	if (!d->select)
		return true;
	if (d->select_addr)
		return d->select_addr == vdev;
	return !strcmp(d->select, name) || (disk[0] && !strcmp(d->select, disk));
}

static jv decode_device(struct vdecode *d, const struct vq_layout *l,
			struct rv_error *lerr, rv_addr_t vdev, rv_addr_t only_vq,
			bool *keep)
{
	struct rv_target *t = d->t;
	const char *vdt = "struct virtio_device";
	jv o = jv_object();
	char name[64] = "", driver[64] = "", disk[64] = "";
	o = rv_jv_set(o, "addr", rv_jv_addr(vdev));
	put_str(t, &o, vdev, vdt, "dev.kobj.name", "name", name, sizeof(name));
	put_member(t, &o, vdev, vdt, "index", "index", NULL);
	uint64_t id = 0, vendor, features = 0, drv = 0, priv = 0;
	if (put_member(t, &o, vdev, vdt, "id.device", "device_id", &id))
		o = rv_jv_set(o, "type",
			      id < sizeof(virtio_id_names) / sizeof(virtio_id_names[0]) &&
			      virtio_id_names[id] ? jv_string(virtio_id_names[id]) :
			      jv_string_fmt("id %" PRIu64, id));
	if (put_member(t, &o, vdev, vdt, "id.vendor", NULL, &vendor))
		o = rv_jv_set(o, "vendor_id", jv_string_fmt("0x%04" PRIx64, vendor));
	put_bool_opt(t, &o, vdev, vdt, "failed", "failed", NULL);
	put_bool_opt(t, &o, vdev, vdt, "config_enabled", "config_enabled", NULL);
	if (put_member(t, &o, vdev, vdt, "features", NULL, &features)) {
		o = rv_jv_set(o, "features", jv_string_fmt("0x%" PRIx64, features));
		o = rv_jv_set(o, "feature_names", feature_list(features));
	}
	if (put_member(t, &o, vdev, vdt, "dev.driver", NULL, &drv) && drv)
		put_str(t, &o, drv, "struct device_driver", "name", "driver",
			driver, sizeof(driver));
	if (!drv)
		o = rv_jv_set(o, "driver", jv_null());
	if (put_addr(t, &o, vdev, vdt, "priv", "priv", &priv) &&
	    !strcmp(driver, "virtio_blk"))
		decode_blk(t, &o, vdev, priv);
	if (drv)
		device_disk(t, &o, vdev, disk, sizeof(disk));

	*keep = only_vq || selected(d, vdev, name, disk);
	if (!*keep)
		return o;

	struct vp_state vp = { .names = jv_null() };
	if (find_pci_transport(d, vdev, &o, &vp)) {
		o = rv_jv_set(o, "transport", jv_string("pci"));
		o = rv_jv_set(o, "pci", decode_pci(d, &vp));
	} else {
		o = rv_jv_set(o, "transport", jv_null());
	}

	jv vqs = jv_array();
	if (lerr) {
		o = rv_jv_set_error(o, rv_error_format(lerr->code, "vqs: %s",
						       lerr->msg));
	} else if (only_vq) {
		vqs = jv_array_append(vqs, decode_vq(d, l, &vp, only_vq));
	} else {
		rv_addr_t head, node;
		struct rv_list_iter it;
		struct rv_error *err = rv_member_addr(t, vdev, vdt, "vqs", &head);
		unsigned int n = 0;
		if (!err) {
			rv_list_iter_init(&it, t, head);
			it.max = MAX_VQS_PER_DEVICE;
			while (!(err = rv_list_iter_next(&it, &node)) && node) {
				rv_addr_t vq;
				err = rv_container_of(t, node, "struct virtqueue",
						      "list", &vq);
				if (err)
					break;
				vqs = jv_array_append(vqs, decode_vq(d, l, &vp, vq));
				n++;
			}
		}
		if (err)
			o = rv_jv_set_error(o, rv_error_wrap(err, "vdev->vqs"));
	}
	o = rv_jv_set(o, "vqs", vqs);
	jv_free(vp.names);
	free(vp.msi.index);
	free(vp.msi.desc);
	return o;
}

// ---- enumeration ----

// Head of the klist of devices on @p bus (struct bus_type).
static struct rv_error *bus_devices_klist(struct rv_target *t, rv_addr_t bus,
					  rv_addr_t *ret)
{
	uint64_t sp = 0;
	struct rv_error *err;
	if (rv_member_exists(t, "struct bus_type", "p")) {
		err = rv_read_member(t, bus, "struct bus_type", "p", &sp);
		if (err)
			return err;
	} else {
		// bus_type.p is in 6.1 and gone in 6.12 (the driver-core
		// bus_to_subsys() rework, ~v6.3, version UNVERIFIED): find the
		// subsys_private whose ->bus is @p bus among the ksets on
		// bus_kset, as bus_to_subsys() does.
		uint64_t bus_kset;
		rv_addr_t sym, head, node;
		if ((err = rv_symbol(t, "bus_kset", &sym)) ||
		    (err = rv_read_u64(t, sym, &bus_kset)) ||
		    (err = rv_member_addr(t, bus_kset, "struct kset", "list",
					  &head)))
			return err;
		struct rv_list_iter it;
		rv_list_iter_init(&it, t, head);
		while (!(err = rv_list_iter_next(&it, &node)) && node) {
			rv_addr_t kset, cand;
			uint64_t b;
			if ((err = rv_container_of(t, node, "struct kset",
						   "kobj.entry", &kset)) ||
			    (err = rv_container_of(t, kset,
						   "struct subsys_private",
						   "subsys", &cand)))
				return err;
			if ((err = rv_read_member(t, cand, "struct subsys_private",
						  "bus", &b)))
				break;
			if (b == bus) {
				sp = cand;
				break;
			}
		}
		if (err)
			return rv_error_wrap(err, "bus_kset");
	}
	if (!sp)
		return rv_error_format(RV_ERR_ABSENT,
				       "virtio_bus is not registered");
	return rv_member_addr(t, sp, "struct subsys_private",
			      "klist_devices.k_list", ret);
}

// Walk klist_devices: klist_node.n_node -> device_private.knode_bus ->
// device -> container_of(virtio_device, dev).
static jv walk_bus(struct vdecode *d, const struct vq_layout *l,
		   struct rv_error *lerr, rv_addr_t bus, jv *sec)
{
	struct rv_target *t = d->t;
	jv devs = jv_array();
	rv_addr_t head, node;
	struct rv_error *err = bus_devices_klist(t, bus, &head);
	if (err) {
		*sec = rv_jv_set_error(*sec, err);
		return devs;
	}
	struct rv_list_iter it;
	rv_list_iter_init(&it, t, head);
	while (!(err = rv_list_iter_next(&it, &node)) && node) {
		rv_addr_t knode, priv, vdev;
		uint64_t dev;
		if ((err = rv_container_of(t, node, "struct klist_node",
					   "n_node", &knode)) ||
		    (err = rv_container_of(t, knode, "struct device_private",
					   "knode_bus", &priv)) ||
		    (err = rv_read_member(t, priv, "struct device_private",
					  "device", &dev)) ||
		    (err = rv_container_of(t, dev, "struct virtio_device",
					   "dev", &vdev)))
			break;
		bool keep;
		jv o = decode_device(d, l, lerr, vdev, 0, &keep);
		// klist_node.n_klist bit 0: KNODE_DEAD (being removed).
		uint64_t nk;
		struct rv_error *kerr = rv_read_member(t, knode, "struct klist_node",
						       "n_klist", &nk);
		if (kerr)
			o = rv_jv_set_error(o, rv_error_wrap(kerr, "klist_node.n_klist"));
		else if (nk & 1)
			o = rv_jv_set(o, "klist_node_dead", jv_true());
		if (keep)
			devs = jv_array_append(devs, o);
		else
			jv_free(o);
	}
	if (err)
		*sec = rv_jv_set_error(*sec, rv_error_wrap(err, "virtio_bus devices"));
	return devs;
}

// A vq address the user gave: decode its device with just that queue.
static jv decode_selected_vq(struct vdecode *d, const struct vq_layout *l,
			     rv_addr_t vq, jv *sec)
{
	struct rv_target *t = d->t;
	jv devs = jv_array();
	uint64_t vdev;
	char name[64];
	struct rv_error *err = rv_read_member(t, vq, "struct virtqueue", "vdev",
					      &vdev);
	// A plausible virtqueue has a name and a kernel vdev pointer.
	if (!err && !rv_addr_kernel(vdev))
		err = rv_error_format(RV_ERR_CORRUPT, "vq->vdev is %#" PRIx64,
				      vdev);
	if (!err)
		err = rv_read_member_str(t, vq, "struct virtqueue", "name", name,
					 sizeof(name));
	if (err) {
		*sec = rv_jv_set_error(*sec, rv_error_wrap(err,
			"%#" PRIx64 " is not a virtio device on virtio_bus nor "
			"a readable virtqueue", vq));
		return devs;
	}
	bool keep;
	return jv_array_append(devs, decode_device(d, l, NULL, vdev, vq, &keep));
}


static struct rv_error *decode(struct rv_target *t, const char *select,
			       jv *ret)
{
	jv sec = jv_object();
	jv missing = jv_array();
	for (int i = 0; virtio_modules[i]; i++) {
		struct rv_error *err = rv_module_debuginfo(t, virtio_modules[i]);
		if (err && err->code == RV_ERR_ABSENT)
			rv_error_destroy(err);	// built in, or not loaded
		else if (err)
			missing = jv_array_append(missing, rv_jv_error(err));
	}
	rv_addr_t bus;
	struct rv_error *err = rv_symbol(t, "virtio_bus", &bus);
	if (err) {
		rv_error_destroy(err);
		sec = rv_jv_set(sec, "present", jv_false());
		sec = rv_jv_set(sec, "reason", jv_string(
			"no virtio_bus symbol: virtio is neither built in nor "
			"loaded as a module"));
		if (jv_array_length(jv_copy(missing)))
			sec = rv_jv_set(sec, "debuginfo_missing", missing);
		else
			jv_free(missing);
		*ret = sec;
		return NULL;
	}
	sec = rv_jv_set(sec, "present", jv_true());
	sec = rv_jv_set(sec, "bus_addr", rv_jv_addr(bus));
	if (jv_array_length(jv_copy(missing)))
		sec = rv_jv_set(sec, "debuginfo_missing", missing);
	else
		jv_free(missing);

	struct vdecode d = { .t = t, .select = select };
	// No pci_bus_type (CONFIG_PCI=n): no device is on the PCI transport.
	if (!rv_ok(rv_symbol(t, "pci_bus_type", &d.pci_bus_type)))
		d.pci_bus_type = 0;
	struct vq_layout l;
	struct rv_error *lerr = vq_layout_init(t, &l);
	if (select && rv_parse_addr(select, &d.select_addr))
		sec = rv_jv_set(sec, "select", rv_jv_addr(d.select_addr));
	else if (select)
		sec = rv_jv_set(sec, "select", jv_string(select));

	jv devs = walk_bus(&d, &l, lerr, bus, &sec);
	if (d.select_addr && jv_array_length(jv_copy(devs)) == 0 && !lerr)
		devs = jv_array_concat(devs,
				       decode_selected_vq(&d, &l, d.select_addr,
							  &sec));
	else if (select && jv_array_length(jv_copy(devs)) == 0)
		sec = rv_jv_set_error(sec, rv_error_format(RV_ERR_ABSENT,
			"no virtio device, disk or virtqueue matches '%s'",
			select));
	sec = rv_jv_set(sec, "devices", devs);
	rv_error_destroy(lerr);
	irq_desc_map_deinit(&d.irqs);
	*ret = sec;
	return NULL;
}

const struct rv_decoder rv_decoder_virtio = {
	.name = "virtio",
	.summary = "virtio devices, virtqueue ring indices, MSI-X vectors",
	.modules = NULL,	// loaded by decode(): see virtio_modules[]
	.decode = decode,
};

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check one dump's `raidvirt facts --json` against the guest's ground truth.

    facts_truth.py FACTS.json GROUND-TRUTH.json FACTS.txt

For kernels whose dumps crash cannot open (Debian 13's 6.12 with crash
8.0.2) the truth is what the guest said before the dump (dumps/rig.py):
/proc/interrupts, /proc/irq/N/*affinity*, /sys/kernel/irq/N/*, /proc/mdstat
and md sysfs, /sys/block/*/inflight, the PCI devices' msi_irqs, the tasks'
wchan. Prints one "ok - ..." or "not ok - ..." line per check.
"""

import json
import re
import sys


def out(ok, what):
    print(("ok - " if ok else "not ok - ") + what)


def eq(what, want, got):
    out(want == got, "%s = %r" % (what, got) if want == got
        else "%s (expected %r, got %r)" % (what, want, got))


def cpulist(cpus):
    """[0, 1, 3] -> "0-1,3" (the kernel's %*pbl)."""
    parts, i, cpus = [], 0, sorted(cpus)
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        parts.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(parts)


def errors(node, path=""):
    """Every error the facts document records, with its path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if (key in ("error", "errors") or key.endswith("_error")) and value:
                yield path + "." + key
            yield from errors(value, path + "." + key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from errors(value, "%s[%d]" % (path, i))


def sys_irq(truth):
    """/sys/kernel/irq/N/FIELD as {N: {FIELD: value}} (raw "N/field:value")."""
    result = {}
    for line in truth["raw"].get("sys_irq", "").splitlines():
        m = re.match(r"^(\d+)/(\w+):(.*)$", line)
        if m:
            result.setdefault(int(m.group(1)), {})[m.group(2)] = m.group(3)
    return result


def check_irqs(facts, truth):
    irq = facts["irq"]
    descs = {d["irq"]: d for d in irq.get("descs", [])}
    sysirq = sys_irq(truth)
    out(bool(sysirq), "ground truth has /sys/kernel/irq (%d irqs)" % len(sysirq))
    eq("irq descriptors = /sys/kernel/irq entries", sorted(sysirq), sorted(descs))
    eq("nr_descs = /sys/kernel/irq entries", len(sysirq), irq.get("nr_descs"))
    bad = [n for n, f in sysirq.items() if n in descs and (
        descs[n]["chip"] != f.get("chip_name", "")
        # hwirq_show() prints nothing for an irq without a domain (XT-PIC)
        or ("hwirq" in f and str(descs[n]["hwirq"]) != f["hwirq"])
        or ("actions" in f and descs[n]["owner"] != f["actions"]))]
    eq("chip, hwirq, actions of every descriptor = /sys/kernel/irq", [], bad)
    # /proc/irq/N: "N/smp_affinity_list:L" and "N/effective_affinity_list:L"
    # lines (older rig runs: "N affinity effective_affinity").
    aff = {}
    for line in truth["raw"].get("irq_affinity", "").splitlines():
        m = re.match(r"^(\d+)/(\w+):(.*)$", line)
        fields = line.split()
        if m:
            a, e = aff.get(int(m.group(1)), ("", ""))
            if m.group(2) == "smp_affinity_list":
                a = m.group(3)
            elif m.group(2) == "effective_affinity_list":
                e = m.group(3)
            aff[int(m.group(1))] = (a, e)
        elif fields and fields[0].isdigit():
            aff[int(fields[0])] = (fields[1] if len(fields) > 1 else "",
                                   fields[2] if len(fields) > 2 else "")
    out(len(aff) > 0, "ground truth has /proc/irq affinities (%d irqs)" % len(aff))
    bad = [n for n, (a, e) in aff.items() if n not in descs
           or descs[n]["affinity"] != a
           or (e and descs[n]["effective_affinity"] != e)]
    eq("affinity, effective_affinity = /proc/irq/N", [], bad)
    # /proc/interrupts: numbered lines, name = the actions.
    procint = {int(n): v for n, v in truth.get("irqs", {}).items() if n.isdigit()}
    out(len(procint) > 0, "ground truth has /proc/interrupts (%d irqs)" % len(procint))
    bad = [n for n, v in procint.items() if n not in descs
           or descs[n]["owner"] != v["name"] or descs[n]["chip"] != v["chip"]
           or not v["hwirq"].startswith("%d-" % descs[n]["hwirq"])
           or ("affinity" in v and descs[n]["affinity"] != cpulist(v["affinity"]))]
    eq("owner, chip, hwirq, affinity = /proc/interrupts", [], bad)
    return procint


def check_virtio(facts, truth, procint):
    by_name = {v["name"]: n for n, v in procint.items()}
    devices = facts["virtio"].get("devices", [])
    disks = {d["virtio"]: d["guest"] for d in truth.get("disks", {}).values()}
    # The decoder names the disk of virtio_blk devices (vdev->priv); other
    # drivers' (rvblk) disks are not joined to their device.
    drivers = {n: v.get("driver") for n, v in truth.get("virtio_drivers", {}).items()}
    out(len(devices) >= len(disks) > 0,
        "virtio devices decoded (%d) cover the rig's disks (%d)" % (len(devices), len(disks)))
    managed = {d["device"]: d for d in facts["irq"].get("by_device", [])}
    for dev in devices:
        name = dev["name"]
        if name not in disks:
            continue
        eq("%s driver" % name, drivers.get(name) or None, dev.get("driver"))
        blk = drivers.get(name) == "virtio_blk"
        if blk:
            eq("%s disk" % name, disks[name], dev.get("disk"))
        pci = dev.get("pci", {})
        msi = truth.get("pci", {}).get(pci.get("pci_name"), {}).get("msi_irqs")
        eq("%s MSI-X vector -> irq = the PCI device's msi_irqs" % name, msi,
           [v.get("irq") for v in pci.get("vectors", [])])
        # Per-vq vectors: "virtioN-<vq>"; a shared vector (vp_find_vqs
        # fell back): every vq on "virtioN-virtqueues".
        shared = not pci.get("per_vq_vectors")
        for vq in dev.get("vqs", []):
            irq_name = "%s-%s" % (name, "virtqueues" if shared else vq["name"])
            eq("%s %s irq = /proc/interrupts %s" % (name, vq["name"], irq_name),
               by_name.get(irq_name), vq.get("irq"))
        queue_irqs = sorted(n for v, n in by_name.items() if v.startswith(name + "-req."))
        eq("%s managed reservations: irq_list = its queue irqs" % name, queue_irqs,
           managed.get(name, {}).get("irq_list", []))
        if blk:
            eq("%s managed reservations: disk" % name, disks[name],
               managed.get(name, {}).get("disk"))


def check_md(facts, truth):
    arrays = {a.get("name"): a for a in facts["md"].get("arrays", [])}
    eq("md arrays = mdstat/sysfs", sorted(truth.get("md", {})), sorted(arrays))
    for name, want in truth.get("md", {}).items():
        a = arrays.get(name, {})
        eq("%s personality" % name, want["level"], a.get("personality"))
        eq("%s raid_disks" % name, want["raid_disks"], a.get("raid_disks"))
        eq("%s degraded" % name, want["degraded"], a.get("degraded"))
        members = {m["device"]: m for m in a.get("members", [])}
        eq("%s members" % name, sorted(want["members"]), sorted(members))
        for dev, m in want["members"].items():
            got = members.get(dev, {})
            eq("%s %s slot" % (name, dev), m["slot"], got.get("raid_disk"))
            eq("%s %s In_sync = sysfs state in_sync" % (name, dev),
               "in_sync" in m["state"].split(","), "In_sync" in got.get("flags", []))
        eq("%s sync_action idle = no recovery bit running" % name,
           want["sync_action"] == "idle", "MD_RECOVERY_RUNNING" not in a.get("recovery", []))
        eq("%s flags have no unnamed bit" % name, [],
           [f for f in a.get("flags", []) + a.get("recovery", []) if f.startswith("bit ")])
        inflight = truth.get("inflight", {}).get(name)
        active = a.get("active_io", {})
        if inflight is not None and active.get("layout") == "percpu_ref":
            # A live ref holds its initial reference; mddev_suspend()
            # dropped it when it killed the ref.
            base = 0 if active.get("dead") else 1
            eq("%s active_io count = /sys/block/%s/inflight (+ the live ref)" % (name, name),
               sum(inflight) + base, active.get("count"))
        waiters = {w.get("pid") for w in a.get("sb_wait", [])}
        quiesce = truth.get("background_pids", {}).get("quiesce")
        blocked = truth.get("set", {}).get("quiesce", {}).get("blocked_in")
        if quiesce and blocked == "mddev_suspend":
            out(quiesce in waiters,
                "%s: the quiesce task %d (wchan mddev_suspend) is on sb_wait %s"
                % (name, quiesce, sorted(waiters)))
            eq("%s active_io killed (mddev_suspend)" % name, True, active.get("dead"))
            eq("%s suspended (incremented after the drain)" % name, 0, a.get("suspended"))
        expect = truth.get("set", {}).get("expect", {})
        if "array_frozen" in expect:
            eq("%s array_frozen = the scenario's" % name, expect["array_frozen"],
               a.get("conf", {}).get("array_frozen"))


def check_log(facts, truth):
    """Every line of the guest's dmesg (taken before the dump) is a decoded
    record, with its timestamp."""
    decoded = {"[%5d.%06d] %s" % (r["ts_nsec"] // 10**9, r["ts_nsec"] % 10**9 // 1000, line)
               for r in facts["log"].get("lines", []) if "ts_nsec" in r and "text" in r
               for line in r["text"].split("\n")}	# dmesg prints one line each
    dmesg = [l for l in truth["raw"].get("dmesg", "").splitlines() if l.startswith("[")]
    out(len(dmesg) > 0, "ground truth has dmesg (%d lines)" % len(dmesg))
    eq("dmesg lines missing from the decoded log", [], [l for l in dmesg if l not in decoded][:3])


def check_queues(facts, truth):
    """hctx count and tags per disk = /sys/block/D/mq/N/{cpu_list,nr_tags}."""
    disks = {d["name"]: d for d in facts["blk"].get("disks", [])}
    for disk, tags in truth.get("mq_nr_tags", {}).items():
        d = disks.get(disk, {})
        got = {str(h.get("index")): h.get("nr_tags") for h in d.get("hctx", [])}
        eq("%s hctx nr_tags = /sys/block/%s/mq/*/nr_tags" % (disk, disk), tags, got)


def check_inflight(facts, truth):
    if truth.get("panic"):
        return	# the panic step ran after the truth was read
    disks = {d["name"]: d for d in facts["blk"].get("disks", [])}
    for disk, counts in truth.get("inflight", {}).items():
        d = disks.get(disk)
        if d is None:
            out(False, "blk disk %s decoded" % disk)
            continue
        if not d.get("mq"):
            continue	# bio-based (md0): no blk-mq requests
        eq("%s blk-mq in flight = /sys/block/%s/inflight" % (disk, disk), sum(counts),
           d.get("in_flight"))


def check_timeline(facts, truth):
    """On a scenario with a timeline (raid1-frozen-nohold: the guest's
    /proc/uptime when the member was throttled, stalled and right before the
    dump; CLOCK_MONOTONIC = uptime, no suspend): every request of the
    throttled disk started between throttle and stall, the dump's now is
    after before_dump, the oldest age is at least before_dump - stalled_at,
    and the dump says QEMU took it of a paused guest."""
    t = truth.get("truth", {})
    if "throttled_at" not in t:
        return
    up = {k: float(t[k].split()[0]) for k in ("throttled_at", "stalled_at", "before_dump")}
    disk = truth["set"]["throttled"]["guest"]
    d = {x["name"]: x for x in facts["blk"].get("disks", [])}.get(disk, {})
    reqs = d.get("requests", [])
    out(len(reqs) > 0, "%s: requests in flight listed (%d)" % (disk, len(reqs)))
    starts = [r.get("start_time_ns", 0) / 1e9 for r in reqs]
    eq("%s: every request started between throttle (%.2f s) and stall (%.2f s)"
       % (disk, up["throttled_at"], up["stalled_at"]), True,
       bool(starts) and all(up["throttled_at"] - 0.5 <= s <= up["stalled_at"] + 0.5
                            for s in starts))
    now = facts["blk"].get("now", {}).get("ns", 0) / 1e9
    eq("dump's now (%.2f s) after the guest's before_dump (%.2f s)" % (now, up["before_dump"]),
       True, now >= up["before_dump"])
    eq("%s: oldest_age_ms >= (before_dump - stalled_at) s" % disk, True,
       (d.get("oldest_age_ms") or 0) >= (up["before_dump"] - up["stalled_at"]) * 1000)
    eq("%s: oldest_age_ms = the oldest request's age" % disk,
       max((r.get("age_ms") or 0 for r in reqs), default=None), d.get("oldest_age_ms"))
    prov = facts["dump"].get("provenance", {})
    eq("provenance: method", "hypervisor", prov.get("method"))
    eq("provenance: guest_state", "paused", prov.get("guest_state"))


def main():
    facts = json.load(open(sys.argv[1]))
    truth = json.load(open(sys.argv[2]))
    text = open(sys.argv[3]).read()
    eq("facts record no error", [], list(errors(facts)))
    eq("text report has no error line", [],
       [line for line in text.splitlines() if re.search(r"error|not supported", line, re.I)])
    eq("release", truth["release"], facts["dump"].get("release"))
    procint = check_irqs(facts, truth)
    check_virtio(facts, truth, procint)
    check_md(facts, truth)
    check_inflight(facts, truth)
    check_log(facts, truth)
    check_timeline(facts, truth)
    if not truth.get("panic"):
        check_queues(facts, truth)


if __name__ == "__main__":
    main()

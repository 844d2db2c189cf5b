#!/usr/bin/env python3
"""Open one rig dump in crash and compare what crash reads with the ground truth.

    tests/rig/check_dump.py DUMP_DIR [--dump vmcore|vmcore.elf] [--basic]

DUMP_DIR is a directory written by dumps/rig.py (vmcore, meta.json,
ground-truth.json).  Each assertion prints `ok - ...` or
`not ok - ... (expected X, got Y)`; the exit status is 1 if any failed.
--basic only checks that the dump opens (release, KASLR offset, CPUs, one
md field): used for the ELF variant.

crash runs in batch mode, twice: pass 1 finds objects through gdb
expressions (no addresses needed); pass 2 reads them again the way an
engineer would, with `struct` and `rd` on the addresses pass 1 printed.
crash's task table is not used (Debian's crash 8.0.2 cannot build it for
these 6.1 dumps).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

CRASH_TIMEOUT = 300
MARK = "@@q:"

# The first array on all_mddevs: container_of(all_mddevs.next, struct mddev, all_mddevs).
# crash drops a lone "-" argument, so the subtraction is written without spaces.
MDDEV = "((struct mddev *)((char *)all_mddevs.next-(unsigned long)&((struct mddev *)0)->all_mddevs))"
CONF = "((struct r1conf *)%s->private)" % MDDEV


class CrashSession:
    """Runs a list of named crash commands in one batch session and splits the output by name."""

    def __init__(self, vmlinux, dump, module_debug_dir):
        self.vmlinux = vmlinux
        self.dump = dump
        self.module_debug_dir = module_debug_dir

    def run(self, queries):
        lines = ["mod -S %s" % self.module_debug_dir]
        for name, command in queries:
            lines += ["gdb echo %s%s\\n" % (MARK, name), command]
        lines += ["gdb echo %send\\n" % MARK, "quit"]
        with tempfile.NamedTemporaryFile("w", prefix="rig-crash-", suffix=".cmd") as script:
            script.write("\n".join(lines) + "\n")
            script.flush()
            result = subprocess.run(["crash", "-s", self.vmlinux, self.dump, "-i", script.name],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, errors="replace",
                                    timeout=CRASH_TIMEOUT)
        return self.split(result.stdout)

    @staticmethod
    def split(output):
        sections, name = {"_preamble": []}, "_preamble"
        for line in output.splitlines():
            if line.startswith(MARK):
                name = line[len(MARK):].strip()
                sections[name] = []
            else:
                sections[name].append(line)
        return {key: "\n".join(value) for key, value in sections.items()}


# -- parsing crash / gdb output ---------------------------------------------

def gdb_value(text):
    """The value of the first `$N = ...` line (int, bool, pointer or string)."""
    match = re.search(r"^\$\d+ = (.*)$", text, re.M)
    if not match:
        raise ValueError(text.strip().splitlines()[-1] if text.strip() else "no output")
    value = match.group(1).strip()
    pointer = re.match(r"^\([^)]*\*\)\s+(0x[0-9a-f]+)", value)
    if pointer:
        return int(pointer.group(1), 16)
    if value.startswith('"'):
        return value[1:].split("\\000")[0].rstrip('"')
    if value in ("true", "false"):
        return int(value == "true")
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    if re.fullmatch(r"0x[0-9a-f]+", value):
        return int(value, 16)
    return value


def rd_sum(text):
    """Sum of the words `rd -d` printed (address: value value ...)."""
    total = 0
    for line in text.splitlines():
        address, colon, values = line.partition(":")
        if colon and re.fullmatch(r"\s*[0-9a-f]+", address):
            total += sum(int(word) for word in values.split() if re.fullmatch(r"-?\d+", word))
    return total


def struct_member(text, member):
    match = re.search(r"^\s*%s = (-?\w+)," % re.escape(member), text, re.M)
    if not match:
        raise ValueError("no %s in struct output" % member)
    return int(match.group(1), 0)


def sys_field(text, field):
    match = re.search(r"^\s*%s: (.*)$" % field, text, re.M)
    return match.group(1).strip() if match else None


# -- assertions ---------------------------------------------------------------

class Report:
    def __init__(self, label):
        self.label = label
        self.passed = 0
        self.failed = 0

    def equal(self, what, expected, read):
        """read is a zero-argument function, so a parse error becomes a failed assertion."""
        try:
            got = read()
        except (ValueError, KeyError, IndexError) as err:
            got = "error: %s" % err
        self.record(got == expected, what, "expected %r, got %r" % (expected, got))

    def at_least(self, what, minimum, read):
        try:
            got = read()
            good = got >= minimum
        except (ValueError, KeyError, IndexError, TypeError) as err:
            got, good = "error: %s" % err, False
        self.record(good, what, "expected >= %r, got %r" % (minimum, got))

    def true(self, what, condition, detail):
        self.record(bool(condition), what, detail)

    def fail(self, what, detail):
        self.record(False, what, detail)

    def record(self, good, what, detail):
        if good:
            self.passed += 1
            print("ok - %s: %s" % (self.label, what))
        else:
            self.failed += 1
            print("not ok - %s: %s (%s)" % (self.label, what, detail))


# -- the checks ---------------------------------------------------------------

def member_slots(truth, array):
    return {name: info["slot"] for name, info in truth["md"][array]["members"].items()
            if isinstance(info["slot"], int)}


def discovery_queries(truth):
    """Pass 1: gdb expressions for everything the ground truth can be compared with."""
    queries = [("sys", "sys"), ("text", "p/x &_text"), ("online_maps", "p vector_matrix->online_maps"),
               ("mddevs", "list -H all_mddevs -o mddev.all_mddevs -s mddev.md_minor,private"),
               ("pagesize", "help -m"), ("atomic_size", "p sizeof(atomic_t)"),
               ("mddev", "p %s" % MDDEV), ("conf", "p %s" % CONF),
               ("mddev_raid_disks", "p %s->raid_disks" % MDDEV),
               ("mddev_degraded", "p %s->degraded" % MDDEV),
               ("conf_raid_disks", "p %s->raid_disks" % CONF),
               ("array_frozen", "p %s->array_frozen" % CONF),
               ("nr_pending_ptr", "p %s->nr_pending" % CONF),
               ("nr_queued_ptr", "p %s->nr_queued" % CONF)]
    if "md0" not in truth["md"]:
        return queries
    for slot in range(truth["md"]["md0"]["raid_disks"]):
        rdev = "%s->mirrors[%d].rdev" % (CONF, slot)
        queries.append(("rdev%d" % slot, "p %s" % rdev))
    for name, slot in member_slots(truth, "md0").items():
        disk = "%s->mirrors[%d].rdev->bdev->bd_disk" % (CONF, slot)
        blk = "((struct virtio_blk *)%s->private_data)" % disk
        queries += [("name%d" % slot, "p %s->disk_name" % disk),
                    ("num_vqs.%s" % name, "p %s->num_vqs" % blk)]
        for index in range(len(truth["mq_cpu_list"].get(name, {}))):
            vq = "((struct vring_virtqueue *)%s->vqs[%d].vq)" % (blk, index)
            queries += [("avail.%s.%d" % (name, index), "p %s->split.vring.avail->idx" % vq),
                        ("used.%s.%d" % (name, index), "p %s->split.vring.used->idx" % vq),
                        ("last_used.%s.%d" % (name, index), "p %s->last_used_idx" % vq)]
    return queries


def check_common(report, truth, out):
    report.equal("crash reports the release", truth["release"], lambda: sys_field(out["sys"], "RELEASE"))
    report.equal("_text relocated like the guest's kallsyms (KASLR)", int(truth["kallsyms"]["_text"], 16),
                 lambda: gdb_value(out["text"]))
    report.equal("vector_matrix->online_maps equals the online CPUs", truth["cpus"]["online_count"],
                 lambda: gdb_value(out["online_maps"]))


def check_md(report, truth, out):
    md = truth["md"]["md0"]
    expect = truth["set"].get("expect", {})
    report.equal("all_mddevs lists one array per md device", len(truth["md"]),
                 lambda: len(re.findall(r"md_minor = ", out["mddevs"])))
    report.equal("mddev->raid_disks equals sysfs raid_disks", md["raid_disks"],
                 lambda: gdb_value(out["mddev_raid_disks"]))
    report.equal("mddev->degraded equals sysfs degraded", md["degraded"],
                 lambda: gdb_value(out["mddev_degraded"]))
    report.equal("r1conf.raid_disks equals mdadm Raid Devices", truth["mdadm_detail"]["md0"]["Raid Devices"],
                 lambda: gdb_value(out["conf_raid_disks"]))
    if "array_frozen" in expect:
        report.equal("r1conf.array_frozen", expect["array_frozen"], lambda: gdb_value(out["array_frozen"]))
    slots = member_slots(truth, "md0")
    for name, slot in sorted(slots.items()):
        report.equal("mirrors[%d] is %s" % (slot, name), name, lambda slot=slot: gdb_value(out["name%d" % slot]))
    for slot in range(md["raid_disks"]):
        if slot not in slots.values():
            report.equal("mirrors[%d].rdev is empty (no member in that slot)" % slot, 0,
                         lambda slot=slot: gdb_value(out["rdev%d" % slot]))


def held_by_rig(truth):
    """Whether the scenario's `hold` step kept QEMU from draining I/O at the dump."""
    scn = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "dumps", "scenarios",
                       "%s.scn" % truth["scenario"])
    with open(scn) as f:
        return any(line.split()[:1] == ["hold"] for line in f)


def check_virtio(report, truth, out):
    """Per md member: requests the device holds (avail - used) equal the guest's in-flight count."""
    for name in sorted(member_slots(truth, "md0")):
        queues = len(truth["mq_cpu_list"].get(name, {}))
        report.equal("%s: virtio_blk.num_vqs equals the blk-mq hardware queues" % name, queues,
                     lambda name=name: gdb_value(out["num_vqs.%s" % name]))
        def ring_sum(a, b, name=name, queues=queues):
            return sum((gdb_value(out["%s.%s.%d" % (a, name, index)]) -
                        gdb_value(out["%s.%s.%d" % (b, name, index)])) & 0xffff for index in range(queues))
        inflight = sum(truth["inflight"].get(name, []))
        if held_by_rig(truth):
            report.equal("%s: requests in the device (avail.idx - used.idx) equal the guest's in-flight" % name,
                         inflight, lambda: ring_sum("avail", "used"))
            report.equal("%s: no completion left unreaped (used.idx == last_used_idx)" % name, 0,
                         lambda: ring_sum("used", "last_used"))
        else:
            # No `hold`: QEMU drains the outstanding requests into the used
            # rings while the vCPUs are paused for the dump (issue 12), so
            # the device holds none and the guest has not reaped them.
            report.equal("%s: requests the guest has not reaped (avail.idx - last_used_idx) "
                         "equal its in-flight" % name, inflight, lambda: ring_sum("avail", "last_used"))
            report.equal("%s: QEMU drained the device (avail.idx == used.idx)" % name, 0,
                         lambda: ring_sum("avail", "used"))


def inspection_queries(out):
    """Pass 2: the engineer's way, `struct` and `rd` on the addresses pass 1 printed."""
    conf = gdb_value(out["conf"])
    buckets = int(sys_field(out["pagesize"], "pagesize")) // gdb_value(out["atomic_size"])
    return [("struct", "struct r1conf.array_frozen,raid_disks,nr_waiting,nr_sync_pending %#x" % conf),
            ("pending", "rd -d -32 %#x %d" % (gdb_value(out["nr_pending_ptr"]), buckets)),
            ("queued", "rd -d -32 %#x %d" % (gdb_value(out["nr_queued_ptr"]), buckets))]


def check_inspection(report, truth, out2):
    expect = truth["set"].get("expect", {})
    if "array_frozen" in expect:
        report.equal("struct r1conf.array_frozen <addr>", expect["array_frozen"],
                     lambda: struct_member(out2["struct"], "array_frozen"))
    report.equal("struct r1conf.raid_disks <addr>", truth["md"]["md0"]["raid_disks"],
                 lambda: struct_member(out2["struct"], "raid_disks"))
    unqueued = lambda: rd_sum(out2["pending"]) - rd_sum(out2["queued"])
    if "unqueued_pending_min" in expect:
        report.at_least("unqueued pending (sum nr_pending - sum nr_queued)", expect["unqueued_pending_min"],
                        unqueued)
    report.equal("unqueued pending equals md0's in-flight I/O in the guest",
                 sum(truth["inflight"].get("md0", [])), unqueued)


def check_dump(dump_dir, dump_name, basic):
    meta = json.load(open(os.path.join(dump_dir, "meta.json")))
    truth = json.load(open(os.path.join(dump_dir, "ground-truth.json")))
    report = Report("%s/%s" % (truth["scenario"], dump_name))
    crash = CrashSession(meta["vmlinux"], os.path.join(dump_dir, dump_name), meta["module_debuginfo_dir"])
    try:
        out = crash.run(discovery_queries(truth))
        check_common(report, truth, out)
        if "md0" not in truth["md"]:
            return report
        if basic:
            report.equal("mddev->raid_disks", truth["md"]["md0"]["raid_disks"],
                         lambda: gdb_value(out["mddev_raid_disks"]))
            return report
        check_md(report, truth, out)
        check_virtio(report, truth, out)
        check_inspection(report, truth, crash.run(inspection_queries(out)))
    except (subprocess.TimeoutExpired, OSError, ValueError, KeyError) as err:
        report.fail("crash session", "%s: %s" % (type(err).__name__, err))
    return report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump_dir")
    parser.add_argument("--dump", default="vmcore", help="dump file inside DUMP_DIR (vmcore or vmcore.elf)")
    parser.add_argument("--basic", action="store_true", help="only check that the dump opens correctly")
    arguments = parser.parse_args()
    report = check_dump(arguments.dump_dir, arguments.dump, arguments.basic)
    print("# %s: %d passed, %d failed" % (report.label, report.passed, report.failed))
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())

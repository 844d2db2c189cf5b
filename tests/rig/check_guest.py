#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Guest-verified checks of one rig dump: for kernels whose dumps the installed
crash cannot open (Debian 13's 6.12 with Debian 12's crash 8.0.2).

    tests/rig/check_guest.py DUMP_DIR --cli build/cli/raidvirt

The ground truth the guest gave (ground-truth.json) must be complete (every
capture finished, every device and irq described) and consistent (its
captures agree with each other and with what the scenario set up), and the
CLI's `dump` section must open the vmcore and agree with the guest's uname
and CPUs. Each assertion prints `ok - ...` or `not ok - ... (expected X, got
Y)`; the exit status is 1 if any failed. The facts-vs-truth checks of the
other sections are tests/cli/facts612.sh (kernels-dec).
"""

import argparse
import json
import os
import re
import subprocess
import sys

from check_dump import Report, held_by_rig   # same ok / not ok lines as the crash-verified checks

CLI_TIMEOUT = 120


def load(path):
    with open(path) as handle:
        return json.load(handle)


def check_complete(report, truth, meta):
    report.equal("no ground-truth capture timed out", [], lambda: truth["timed_out"])
    report.equal("guest uname is the release the rig booted", meta["release"], lambda: truth["uname"])
    report.equal("ground truth names the same release", meta["release"], lambda: truth["release"])
    report.equal("online CPUs are the scenario's", meta["cpus"], lambda: truth["cpus"]["online_count"])
    for key in ("mdstat", "interrupts", "modules", "kallsyms_text", "sys_irq", "virtio_sysfs", "dmesg"):
        report.true("capture %s is there" % key, truth["raw"].get(key, "").strip(),
                    "empty or missing")
    report.true("kallsyms gives _text", re.fullmatch(r"0x[0-9a-f]{16}", truth["kallsyms"].get("_text", "")),
                "got %r" % truth["kallsyms"].get("_text"))


def check_irqs(report, truth):
    """Every numbered /proc/interrupts line has its /sys/kernel/irq/N twin with the same chip and hwirq."""
    proc, sysfs = truth["irqs"], truth["sys_irqs"]
    report.true("/proc/interrupts lists irqs", len(proc) >= 3, "got %d" % len(proc))
    missing = sorted(set(proc) - set(sysfs), key=int)
    report.equal("every /proc/interrupts irq has /sys/kernel/irq/N", [], lambda: missing)
    chips = [n for n in proc if n in sysfs and sysfs[n].get("chip_name") != proc[n]["chip"]]
    report.equal("chip_name agrees with /proc/interrupts", [], lambda: chips)
    # /proc/interrupts prints "HWIRQ-TRIGGER" (e.g. 2-edge), sysfs the number alone.
    hwirqs = [n for n in proc if n in sysfs and str(sysfs[n].get("hwirq")) != proc[n]["hwirq"].split("-")[0]]
    report.equal("hwirq agrees with /proc/interrupts", [], lambda: hwirqs)
    counts = [n for n in proc if n in sysfs and len(sysfs[n]["per_cpu_count"]) != len(proc[n]["counts"])]
    report.equal("per_cpu_count has one count per CPU", [], lambda: counts)
    names = [n for n in proc if n in sysfs and sysfs[n]["actions"] and
             not proc[n]["name"].endswith(",".join(sysfs[n]["actions"]).split(",")[-1])]
    report.equal("the last action of each irq ends its /proc/interrupts line", [], lambda: names)
    affinity = [n for n in proc if "affinity" in proc[n] and
                not set(proc[n]["effective_affinity"]) <= set(truth["cpus"]["online"])]
    report.equal("effective affinities are online CPUs", [], lambda: affinity)


def check_virtio(report, truth):
    virtio, drivers = truth["virtio"], truth["virtio_drivers"]
    report.equal("virtio sysfs describes every virtio device", sorted(drivers), lambda: sorted(virtio))
    for disk in truth["disks"].values():
        name = disk["virtio"]
        report.equal("%s (%s) is a virtio block device" % (name, disk["qemu_id"]), "0x0002",
                     lambda: virtio[name]["device"])
        report.true("%s has a feature string" % name, re.fullmatch(r"[01]{64}", virtio[name].get("features", "")),
                    "got %r" % virtio[name].get("features"))
        if drivers.get(name, {}).get("driver") == "virtio_blk":
            report.equal("%s features equal its block device's" % name, virtio[name]["features"],
                         lambda: truth["virtio_features"][disk["guest"]])
        if drivers.get(name, {}).get("driver") == "rvblk":
            state = truth["rvblk"].get(name, {})
            queues = state.get("queues", [])
            # sysfs shows one page: rvblk's state of a 96-queue disk ends after ~75 queues.
            raw = truth["raw"].get("rvblk_state", "").split("device %s\n" % name, 1)[-1].split("\ndevice ")[0]
            listed = [q.get("queue") for q in queues]
            report.true("rvblk state of %s lists its queues from 0 (all, or a full sysfs page)" % name,
                        listed == list(range(len(listed))) and listed and
                        (len(listed) == state.get("nr_queues") or len(raw) >= 4000),
                        "nr_queues %r, listed %d" % (state.get("nr_queues"), len(listed)))
            irqs = sorted({str(q["irq"]) for q in queues if q.get("irq", 0) > 0} - set(truth["sys_irqs"]))
            report.equal("rvblk %s queue irqs exist in /sys/kernel/irq" % name, [], lambda: irqs)


def check_md(report, truth):
    settings = truth["set"]
    expect = settings.get("expect", {})
    mdstat = truth["raw"]["mdstat"]
    if "array" not in settings:
        report.equal("no md array", {}, lambda: truth["md"])
        return
    array = settings["array"]
    md = truth["md"].get(array["device"], {})
    report.true("%s in /proc/mdstat" % array["device"], re.search(r"^%s : active" % array["device"], mdstat, re.M),
                mdstat.strip()[:200])
    report.equal("md level", array["level"], lambda: md["level"])
    if "raid_disks" in array:
        report.equal("md raid_disks", array["raid_disks"], lambda: md["raid_disks"])
        report.equal("mdadm Raid Devices", array["raid_disks"],
                     lambda: truth["mdadm_detail"][array["device"]]["Raid Devices"])
    members = sorted(name for name, info in md.get("members", {}).items() if isinstance(info["slot"], int))
    report.equal("md members in slots", sorted(array["members"]), lambda: members)
    for name in array["members"]:
        report.true("mdstat lists member %s" % name, re.search(r"\b%s\[\d+\]" % re.escape(name), mdstat),
                    mdstat.strip()[:200])
    report.equal("md degraded", expect.get("degraded", 0), lambda: md["degraded"])
    report.true("md suspend range is readable", isinstance(md.get("suspend_lo"), int) and
                isinstance(md.get("suspend_hi"), int), "got %r %r" % (md.get("suspend_lo"), md.get("suspend_hi")))
    report.true("md array_state is given", md.get("array_state") in ("clean", "active", "active-idle",
                                                                      "write-pending", "read-auto", "inactive",
                                                                      "suspended", "clear", "readonly"),
                "got %r" % md.get("array_state"))
    if expect.get("idle"):
        busy = {dev: value for dev, value in truth["inflight"].items() if sum(value)}
        report.equal("nothing in flight anywhere", {}, lambda: busy)


def check_stuck(report, truth):
    """A quiesce blocked behind a member: its wait, the writes held on the member, QEMU's held errors."""
    settings = truth["set"]
    expect = settings.get("expect", {})
    quiesce = settings.get("quiesce")
    if not quiesce:
        return
    pid = str(truth["background_pids"]["quiesce"])
    task = truth["tasks"].get(pid, {})
    # mddev_suspend() may sleep interruptibly (S), freeze_array() does not (D).
    report.true("quiesce task (pid %s) sleeps" % pid, task.get("state") in ("D", "S"), "state %r" % task.get("state"))
    report.equal("quiesce task waits in", quiesce["blocked_in"], lambda: task["wchan"])
    report.true("quiesce stack holds %s" % quiesce["blocked_in"],
                any(frame.startswith(quiesce["blocked_in"] + "+") for frame in task.get("stack", [])),
                "stack %r" % task.get("stack"))
    report.equal("wchan capture agrees with the task table", quiesce["blocked_in"],
                 lambda: truth["truth"]["quiesce_wchan"])
    member = expect.get("stuck_in_device") or expect.get("lost_interrupt_disk")
    if member:
        writes = truth["inflight"].get(member, [0, 0])[1]
        report.true("%s holds at least %d writes" % (member, expect.get("unqueued_pending_min", 1)),
                    writes >= expect.get("unqueued_pending_min", 1), "in flight %r" % truth["inflight"].get(member))
        array = settings["array"]["device"]
        report.equal("%s writes in flight equal %s's" % (array, member), writes,
                     lambda: truth["inflight"][array][1])
        blocked = [p for p, t in truth["tasks"].items() if t["background"] and t["background"].startswith("writer")
                   and t["state"] == "D"]
        report.true("writers are blocked", len(blocked) >= 1, "tasks %r" % truth["tasks"])
    held = settings.get("throttled")
    if held and member and held_by_rig(truth):
        drive = "drive-" + held["disk"]
        report.equal("QEMU held as many write errors as %s had in flight" % member,
                     truth["inflight"][member][1], lambda: truth["qemu"]["block_io_errors"][drive])
    elif held and member:
        # No `hold` step (raid1-frozen-nohold): nothing is held as an error;
        # QEMU's stop drains the throttled writes into the used rings.
        report.equal("no `hold`: QEMU held no write errors", {},
                     lambda: truth["qemu"]["block_io_errors"])


def check_panic(report, truth):
    expect = truth["set"].get("expect", {})
    if not expect.get("panic"):
        report.equal("no panic", None, lambda: truth["panic"])
        return
    report.equal("guest panicked", "guest-panicked", lambda: truth["panic"]["run_state"])
    report.true("oops in %s" % expect["oops_in"], expect["oops_in"] in truth["panic"]["console"],
                truth["panic"]["console"][:300])


def check_cli(report, cli, dump_dir, truth, meta):
    """The CLI opens the vmcore and its dump section matches the guest."""
    command = [cli, "facts", "--json", "--vmlinux", meta["vmlinux"], "--debuginfo",
               meta["module_debuginfo_dir"], os.path.join(dump_dir, "vmcore")]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT)
        facts = json.loads(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError) as err:
        report.record(False, "raidvirt facts --json opens the vmcore", "%s: %s" % (" ".join(command), err))
        return
    dump = facts.get("dump") or {}
    report.equal("CLI dump.release is the guest's uname", truth["uname"], lambda: dump["release"])
    report.equal("CLI dump.cpus.possible is the guest's", truth["cpus"]["possible_count"],
                 lambda: dump["cpus"]["possible"])
    expect = truth["set"].get("expect", {})
    report.equal("CLI dump.panic agrees with the scenario", bool(expect.get("panic")),
                 lambda: dump["panic"] is not None)
    if not expect.get("panic"):
        report.equal("CLI dump.cpus.online is the guest's", truth["cpus"]["online_count"],
                     lambda: dump["cpus"]["online"])
        report.equal("CLI dump.cpus.online_list is the guest's", truth["raw"]["cpu_online"].strip(),
                     lambda: dump["cpus"]["online_list"])
        return
    # The panicking CPU stops the others (they leave cpu_online_mask): only it is online.
    console = truth["panic"]["console"]
    where = re.search(r"CPU: (\d+) (?:UID: \d+ )?PID: (\d+) Comm: (\S+)", console)
    report.true("the guest console names the panicking CPU and task", where, console[:200])
    if not where:
        return
    report.equal("CLI dump.panic.cpu is the console's", int(where.group(1)), lambda: dump["panic"]["cpu"])
    report.equal("CLI dump.panic.task is the console's", (int(where.group(2)), where.group(3)),
                 lambda: (dump["panic"]["task"]["pid"], dump["panic"]["task"]["comm"]))
    report.equal("CLI dump.cpus.online_list after the panic is the panicking CPU", where.group(1),
                 lambda: dump["cpus"]["online_list"])
    report.true("CLI dump.panic.rip is in %s" % expect["oops_in"],
                ":%s+" % expect["oops_in"] in (dump.get("panic") or {}).get("rip", ""),
                "rip %r" % (dump.get("panic") or {}).get("rip"))


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump_dir")
    parser.add_argument("--cli", required=True)
    arguments = parser.parse_args(argv)
    dump_dir = os.path.abspath(arguments.dump_dir)
    meta = load(os.path.join(dump_dir, "meta.json"))
    truth = load(os.path.join(dump_dir, "ground-truth.json"))
    report = Report("%s (%s, guest-verified)" % (meta["scenario"], meta["release"]))
    for check in (check_complete, check_irqs, check_virtio, check_md, check_stuck, check_panic):
        try:
            check(report, truth) if check is not check_complete else check(report, truth, meta)
        except (KeyError, TypeError, ValueError) as err:
            report.record(False, check.__name__, "ground truth incomplete: %r" % err)
    check_cli(report, arguments.cli, dump_dir, truth, meta)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
"""raidvirt dump rig: boot a Debian cloud kernel (dumps/kernels/*.kernel) under
QEMU, drive a scenario in the guest and write a real vmcore with known ground truth.

    dumps/rig.py list [--kernel NAME]
    dumps/rig.py build SCENARIO [--kernel NAME] [--out DIR] [--elf] [--memory MB] [--force]
    dumps/rig.py build-all [--kernel NAME] [--no-elf] [--force]
    dumps/rig.py path SCENARIO [--kernel NAME]
    dumps/rig.py kernels

--kernel (or RIG_KERNEL) names a kernel file; the default is debian12-cloud.

Everything generated lands under build/ (sockets in a private /tmp directory).
docs/rig.md describes the scenario format and the layout of a dump directory.
Python standard library only.
"""

import argparse
import contextlib
import ctypes
import fcntl
import gzip
import hashlib
import json
import lzma
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import kernels

DUMPS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(DUMPS_DIR)
SCENARIO_DIR = os.path.join(DUMPS_DIR, "scenarios")
INIT_TEMPLATE = os.path.join(DUMPS_DIR, "init.sh.in")
BUILD_DIR = os.path.join(REPO_ROOT, "build")
DRIVER_DIR = os.path.join(REPO_ROOT, "driver")
# Out-of-tree modules a scenario may ask for (`module NAME`): name -> source dir.
PROJECT_MODULES = {"rvblk": DRIVER_DIR}
DRIVER_BUILD_TIMEOUT = 300  # make -C driver
PANIC_TIMEOUT = 60          # a `panic` step: command sent until QEMU reports guest-panicked

GUEST_MODULES = ["virtio_pci", "virtio_blk", "raid1", "qemu_fw_cfg", "pvpanic_pci"]
GUEST_BINARIES = ["/sbin/mdadm"]

BOOT_TIMEOUT = 180          # QEMU start until the guest shell answers
DEFAULT_STEP_TIMEOUT = 60   # one guest command, unless the scenario says otherwise
TRUTH_TIMEOUT = 10          # one guarded ground-truth capture (may block on a frozen array)
STANDARD_TRUTH_TIMEOUT = 20  # the standard captures, run together (slow under TCG)
DUMP_TIMEOUT = 300          # one dump-guest-memory
QMP_TIMEOUT = 30            # one QMP command
QUIT_TIMEOUT = 15           # QEMU exit after "quit" before it is killed
LOCK_TIMEOUT = 900          # another build of the same dump in progress

TRUTH_SCHEMA = "raidvirt.rig-truth/1"
META_SCHEMA = "raidvirt.rig-meta/1"


class RigError(Exception):
    """A step of the rig failed; the message names the step."""


def resolve_kernel(name):
    """The kernel a build boots (dumps/kernels/NAME.kernel; fetched into build/ if needed)."""
    try:
        kernel = kernels.resolve(name)
        kernel.check()
    except kernels.KernelError as err:
        raise RigError(str(err))
    return kernel


class RigTimeout(RigError):
    """A wait ran out of time."""


def log(message):
    print("rig: " + message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Host kernel and files
# --------------------------------------------------------------------------

def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_bytes(path):
    with open(path, "rb") as handle:
        return handle.read()


def read_module_file(path):
    """Contents of a kernel module, decompressed when the distribution compresses them."""
    if path.endswith(".xz"):
        return lzma.decompress(read_bytes(path))
    if path.endswith(".gz"):
        return gzip.decompress(read_bytes(path))
    if path.endswith(".zst"):
        raise RigError("zstd-compressed module %s: not supported by the stdlib" % path)
    return read_bytes(path)


def module_load_order(kernel, names):
    """Module files in insmod order (dependencies first), without duplicates or parameters."""
    order = []
    root = ["-d", kernel.root] if kernel.root else []
    for name in names:
        result = subprocess.run(["modprobe", "--show-depends", "-S", kernel.release] + root + [name],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RigError("modprobe --show-depends %s: %s" % (name, result.stderr.strip()))
        for line in result.stdout.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "insmod" and words[1] not in order:
                order.append(words[1])
    return order


def shared_libraries(binary):
    """Absolute paths of the libraries and loader a dynamic executable needs (from ldd)."""
    result = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        return []       # static
    libraries = []
    for line in result.stdout.splitlines():
        match = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if match:
            libraries.append(match.group(1))
    return libraries


def busybox_path():
    for path in ("/bin/busybox", "/usr/bin/busybox"):
        if os.path.exists(path):
            return path
    raise RigError("busybox not found (install busybox-static)")


def busybox_applets(busybox):
    result = subprocess.run([busybox, "--list-full"], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RigError("busybox --list-full failed")
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


# --------------------------------------------------------------------------
# initramfs: a cpio "newc" archive written directly (no staging directory,
# so device nodes need no privileges and the bytes are reproducible)
# --------------------------------------------------------------------------

class CpioArchive:
    """Entries kept in memory; to_bytes() writes them sorted, owned by root, with mtime 0."""

    def __init__(self):
        self.entries = {}       # path -> (mode, data, (rdev major, rdev minor))

    def _add(self, path, mode, data=b"", rdev=(0, 0)):
        path = path.strip("/")
        self._add_parents(path)
        self.entries[path] = (mode, data, rdev)

    def _add_parents(self, path):
        parent = os.path.dirname(path)
        while parent and parent not in self.entries:
            self.entries[parent] = (stat.S_IFDIR | 0o755, b"", (0, 0))
            parent = os.path.dirname(parent)

    def add_dir(self, path):
        self._add(path, stat.S_IFDIR | 0o755)

    def add_file(self, path, data, mode=0o644):
        self._add(path, stat.S_IFREG | mode, data)

    def add_symlink(self, path, target):
        self._add(path, stat.S_IFLNK | 0o777, target.encode())

    def add_char_device(self, path, major, minor, mode=0o600):
        self._add(path, stat.S_IFCHR | mode, rdev=(major, minor))

    @staticmethod
    def _pad(length):
        return b"\0" * (-length % 4)

    def _record(self, inode, name, mode, data, rdev):
        name_bytes = name.encode() + b"\0"
        fields = (inode, mode, 0, 0, 2 if stat.S_ISDIR(mode) else 1, 0, len(data),
                  0, 0, rdev[0], rdev[1], len(name_bytes), 0)
        header = b"070701" + b"".join(b"%08X" % value for value in fields)
        return header + name_bytes + self._pad(len(header) + len(name_bytes)) + data + self._pad(len(data))

    def to_bytes(self):
        parts = []
        for inode, path in enumerate(sorted(self.entries), start=1):
            mode, data, rdev = self.entries[path]
            parts.append(self._record(inode, path, mode, data, rdev))
        parts.append(self._record(0, "TRAILER!!!", 0, b"", (0, 0)))
        return b"".join(parts)


def project_module_sources(name):
    """The files a project module is built from (they key the dump cache)."""
    source_dir = PROJECT_MODULES[name]
    return sorted(os.path.join(source_dir, entry) for entry in os.listdir(source_dir)
                  if entry in ("Kbuild", "Makefile") or re.fullmatch(r"[\w-]+\.[ch]", entry))


def build_project_module(kernel, name):
    """Build a copy of driver/ under build/modules/RELEASE/ (Kbuild, against this
    kernel's headers, so that kernels do not share objects) and return the .ko path."""
    source_dir = os.path.join(BUILD_DIR, "modules", kernel.release, name)
    os.makedirs(source_dir, exist_ok=True)
    for path in project_module_sources(name):
        destination = os.path.join(source_dir, os.path.basename(path))
        if not os.path.exists(destination) or read_bytes(destination) != read_bytes(path):
            shutil.copyfile(path, destination)
    try:
        result = subprocess.run(["make", "-C", kernel.headers_dir, "M=" + source_dir, "modules"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, timeout=DRIVER_BUILD_TIMEOUT,
                                preexec_fn=kill_with_parent)
    except subprocess.TimeoutExpired:
        raise RigTimeout("building %s took over %ds" % (name, DRIVER_BUILD_TIMEOUT))
    output = result.stdout.decode(errors="replace")
    if result.returncode != 0:
        raise RigError("building module %s failed:\n%s" % (name, output[-3000:]))
    path = os.path.join(source_dir, name + ".ko")
    if not os.path.exists(path):
        raise RigError("building module %s made no %s" % (name, path))
    return path


def project_module_guest_path(kernel, name):
    return "/lib/modules/%s/extra/%s.ko" % (kernel.release, name)


def assemble_initramfs(kernel, extra_modules=()):
    """The initramfs contents for a kernel: busybox, mdadm, modules, /init.

    extra_modules: {name: built .ko} of project modules, stored under
    /lib/modules/REL/extra/ but not loaded: the scenario insmods them with
    its parameters.
    """
    archive = CpioArchive()
    for directory in ("dev", "proc", "sys", "tmp", "run", "root", "etc/rig"):
        archive.add_dir(directory)
    archive.add_char_device("dev/console", 5, 1)
    archive.add_char_device("dev/null", 1, 3, 0o666)

    busybox = busybox_path()
    archive.add_file("bin/busybox", read_bytes(busybox), 0o755)
    for applet in busybox_applets(busybox):
        if applet != "bin/busybox":
            archive.add_symlink(applet, "/bin/busybox")

    for binary in GUEST_BINARIES:
        archive.add_file(binary, read_bytes(binary), 0o755)
        for library in shared_libraries(binary):
            archive.add_file(library, read_bytes(library), 0o755)

    guest_module_paths = []
    for path in module_load_order(kernel, GUEST_MODULES):
        name = re.sub(r"\.(xz|gz|zst)$", "", os.path.basename(path))
        guest_path = "/lib/modules/%s/%s" % (kernel.release, name)
        archive.add_file(guest_path, read_module_file(path))
        guest_module_paths.append(guest_path)
    archive.add_file("etc/rig/modules", ("\n".join(guest_module_paths) + "\n").encode())
    for name, path in sorted(dict(extra_modules).items()):
        archive.add_file(project_module_guest_path(kernel, name).lstrip("/"), read_bytes(path))

    init = read_bytes(INIT_TEMPLATE).replace(b"@RELEASE@", kernel.release.encode())
    archive.add_file("init", init, 0o755)
    return archive, guest_module_paths


def build_initramfs(kernel, extra_modules=()):
    """Path of the cached gzip'ed initramfs for this kernel, built when its content changed."""
    archive, modules = assemble_initramfs(kernel, extra_modules)
    data = archive.to_bytes()
    key = hashlib.sha256(kernel.release.encode() + b"\0" + data).hexdigest()[:16]
    cache_dir = os.path.join(BUILD_DIR, "initramfs", kernel.release)
    path = os.path.join(cache_dir, "initramfs-%s.cpio.gz" % key)
    if not os.path.exists(path):
        os.makedirs(cache_dir, exist_ok=True)
        partial = path + ".%d.tmp" % os.getpid()
        with open(partial, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
            packed.write(data)
        os.replace(partial, path)
        log("initramfs built: %s (%d KiB)" % (path, os.path.getsize(path) // 1024))
    return path, modules


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------

class Step:
    def __init__(self, kind, args, line_no, text):
        self.kind = kind
        self.args = args
        self.line_no = line_no
        self.text = text

    def describe(self):
        return "line %d: %s" % (self.line_no, self.text)


class Scenario:
    """A parsed .scn file: settings plus an ordered list of steps ending with `dump`."""

    SETTINGS = ("description", "memory", "cpus", "disks", "timeout", "hold", "module", "device",
                "append")
    STEP_KINDS = ("guest", "guest-bg", "wait-guest", "sleep", "qmp", "set", "truth", "panic", "dump")

    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.description = ""
        self.memory_mb = 256
        self.cpus = 2
        self.disk_count = 0
        self.disk_bytes = 64 << 20
        self.step_timeout = DEFAULT_STEP_TIMEOUT
        self.held_disks = []
        self.modules = []           # project modules (`module rvblk`)
        self.device_props = {}      # diskN -> extra virtio-blk-pci properties
        self.append = ""            # extra kernel command line
        self.steps = []

    @classmethod
    def load(cls, name):
        """A scenario by name (dumps/scenarios/NAME.scn) or by the path of a .scn file."""
        path = os.path.join(SCENARIO_DIR, name + ".scn")
        if name.endswith(".scn"):
            path, name = os.path.abspath(name), os.path.basename(name)[:-4]
        if not os.path.exists(path):
            raise RigError("no scenario %r (%s); try `rig.py list`" % (name, path))
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name):
            raise RigError("scenario name %r: use letters, digits, - and _" % name)
        scenario = cls(name, path)
        for line_no, text in logical_lines(read_text(path)):
            scenario._parse_line(line_no, text)
        scenario._finish()
        return scenario

    def _parse_line(self, line_no, text):
        keyword, _, rest = text.partition(" ")
        rest = rest.strip()
        where = "%s line %d" % (os.path.basename(self.path), line_no)
        try:
            if keyword in self.SETTINGS:
                self._parse_setting(keyword, rest)
            elif keyword in self.STEP_KINDS:
                self.steps.append(Step(keyword, parse_step_args(keyword, rest), line_no, text))
            else:
                raise ValueError("unknown keyword %r" % keyword)
        except ValueError as err:
            raise RigError("%s: %s" % (where, err))

    def _parse_setting(self, keyword, rest):
        if keyword == "description":
            self.description = rest
        elif keyword == "memory":
            self.memory_mb = int(rest)
        elif keyword == "cpus":
            self.cpus = int(rest)
        elif keyword == "timeout":
            self.step_timeout = float(rest)
        elif keyword == "hold":
            if not re.fullmatch(r"disk\d+", rest):
                raise ValueError("hold needs a disk id such as disk1")
            self.held_disks.append(rest)
        elif keyword == "module":
            if rest not in PROJECT_MODULES:
                raise ValueError("module: known project modules are %s" % sorted(PROJECT_MODULES))
            self.modules.append(rest)
        elif keyword == "device":
            disk, _, props = rest.partition(" ")
            if not re.fullmatch(r"disk\d+", disk) or not re.fullmatch(r"[\w.-]+=[\w.-]+(,[\w.-]+=[\w.-]+)*",
                                                                    props.strip()):
                raise ValueError("device needs a disk id and virtio-blk-pci properties "
                                 "(device disk1 num-queues=8,vectors=9)")
            self.device_props.setdefault(disk, []).append(props.strip())
        elif keyword == "append":
            self.append = (self.append + " " + rest).strip()
        elif keyword == "disks":
            count, _, size = rest.partition(" ")
            self.disk_count = int(count)
            self.disk_bytes = parse_size(size.strip() or "64M")

    def _finish(self):
        dumps = [step for step in self.steps if step.kind == "dump"]
        if len(dumps) > 1 or (dumps and self.steps[-1].kind != "dump"):
            raise RigError("%s: `dump` must appear once, as the last step" % self.path)
        if not dumps:
            self.steps.append(Step("dump", {}, 0, "dump (implicit)"))
        known = ["disk%d" % index for index in range(self.disk_count)]
        for disk in self.held_disks + list(self.device_props):
            if disk not in known:
                raise RigError("%s: %s: the scenario has disks %s" % (self.path, disk, known))


def logical_lines(text):
    """(line number, text) of non-empty, non-comment lines; a trailing backslash continues a line."""
    pending, start = "", 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if not pending:
            start = line_no
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        yield start, (pending + stripped).strip()
        pending = ""
    if pending:
        yield start, pending.strip()


def parse_step_args(kind, rest):
    if kind == "guest":
        return {"command": required(rest, "a shell command")}
    if kind == "guest-bg":
        name, _, command = rest.partition(" ")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ValueError("guest-bg needs a NAME (identifier) then a command")
        return {"name": name, "command": required(command.strip(), "a shell command")}
    if kind == "panic":
        timeout, _, command = rest.partition(" ")
        return {"timeout": float(timeout), "command": required(command.strip(), "a shell command")}
    if kind == "wait-guest":
        timeout, _, condition = rest.partition(" ")
        return {"timeout": float(timeout), "condition": required(condition.strip(), "a condition")}
    if kind == "sleep":
        return {"seconds": float(rest)}
    if kind == "qmp":
        command, _, arguments = rest.partition(" ")
        return {"command": required(command, "a QMP command"), "arguments": arguments.strip()}
    if kind in ("set", "truth"):
        key, _, value = rest.partition(" ")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", key):
            raise ValueError("%s needs a KEY then a value" % kind)
        return {"key": key, "value": required(value.strip(), "a value")}
    if kind == "dump":
        if rest:
            raise ValueError("dump takes no arguments")
        return {}
    raise ValueError("unknown step %r" % kind)


def required(value, what):
    if not value:
        raise ValueError("missing %s" % what)
    return value


def parse_size(text):
    match = re.fullmatch(r"(\d+)([KMG]?)", text.upper())
    if not match:
        raise ValueError("bad size %r (e.g. 64M)" % text)
    return int(match.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[match.group(2)]


def scenario_names():
    if not os.path.isdir(SCENARIO_DIR):
        return []
    return sorted(name[:-4] for name in os.listdir(SCENARIO_DIR) if name.endswith(".scn"))


# --------------------------------------------------------------------------
# Processes and sockets with deadlines
# --------------------------------------------------------------------------

class Deadline:
    def __init__(self, seconds, what):
        self.end = time.monotonic() + seconds
        self.seconds = seconds
        self.what = what

    def remaining(self):
        return self.end - time.monotonic()

    def check(self):
        if self.remaining() <= 0:
            raise RigTimeout("timed out after %gs: %s" % (self.seconds, self.what))


def kill_with_parent():
    """preexec hook: the child gets SIGKILL if the rig dies without cleaning up."""
    PR_SET_PDEATHSIG = 1
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def connect_unix(path, deadline, alive):
    """Connect to a UNIX socket QEMU is about to create."""
    while True:
        if not alive():
            raise RigError("QEMU exited before %s was ready" % deadline.what)
        try:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
        deadline.check()
        time.sleep(0.1)


class LineSocket:
    """A stream socket read with deadlines while watching that QEMU is still alive."""

    def __init__(self, sock, alive):
        self.sock = sock
        self.alive = alive
        self.buffer = b""

    def send(self, data):
        self.sock.sendall(data)

    def read_more(self, deadline):
        """Append whatever arrives within 0.5 s to the buffer; raise on timeout or EOF."""
        deadline.check()
        if not self.alive():
            raise RigError("QEMU exited while waiting for %s" % deadline.what)
        self.sock.settimeout(max(0.05, min(0.5, deadline.remaining())))
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return b""
        if not chunk:
            raise RigError("connection closed while waiting for %s" % deadline.what)
        self.buffer += chunk
        return chunk

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()


class Qmp:
    """Minimal QMP client: one command at a time, events kept for later waits."""

    def __init__(self, path, alive, timeout=BOOT_TIMEOUT):
        deadline = Deadline(timeout, "QMP socket")
        self.stream = LineSocket(connect_unix(path, deadline, alive), alive)
        self.events = []
        self.next_id = 0
        greeting = self._read_message(deadline)
        if "QMP" not in greeting:
            raise RigError("unexpected QMP greeting: %r" % greeting)
        self.execute("qmp_capabilities")

    def _read_message(self, deadline):
        while b"\n" not in self.stream.buffer:
            self.stream.read_more(deadline)
        line, _, self.stream.buffer = self.stream.buffer.partition(b"\n")
        return json.loads(line)

    def execute(self, command, arguments=None, timeout=QMP_TIMEOUT):
        self.next_id += 1
        request = {"execute": command, "id": self.next_id}
        if arguments:
            request["arguments"] = arguments
        self.stream.send(json.dumps(request).encode() + b"\n")
        deadline = Deadline(timeout, "QMP %s" % command)
        while True:
            message = self._read_message(deadline)
            if "event" in message:
                self.events.append(message)
            elif message.get("id") == self.next_id:
                if "error" in message:
                    raise RigError("QMP %s failed: %s" % (command, message["error"].get("desc")))
                return message.get("return")

    def close(self):
        self.stream.close()


class GuestShell:
    """The guest's command shell on its second serial port.

    A command is sent as one group followed by an end marker carrying its exit
    status; output is everything between a begin marker and the end marker.
    The markers are typed in a form that differs from what echo prints, so the
    protocol works even if the terminal echoes input.
    """

    def __init__(self, path, alive, transcript_path, timeout=BOOT_TIMEOUT):
        deadline = Deadline(timeout, "guest shell socket")
        self.stream = LineSocket(connect_unix(path, deadline, alive), alive)
        self.transcript = open(transcript_path, "a", errors="replace")
        self.started = time.monotonic()
        self.counter = 0

    def _marker_id(self):
        self.counter += 1
        return "%d_%d" % (os.getpid(), self.counter)

    def _wait_for(self, pattern, deadline):
        """Read until `pattern` (bytes regex) appears; returns (text before it, match)."""
        regex = re.compile(pattern)
        while True:
            match = regex.search(self.stream.buffer)
            if match:
                before = self.stream.buffer[:match.start()].decode(errors="replace")
                self.stream.buffer = self.stream.buffer[match.end():]
                return before, match
            self.stream.read_more(deadline)

    def sync(self, timeout):
        """Wait until the shell answers, discarding anything typed before it existed."""
        deadline = Deadline(timeout, "guest shell to answer")
        while True:
            marker = self._marker_id()
            self.stream.send(("echo __RIG_PING_%s_\"\"_\n" % marker).encode())
            try:
                self._wait_for(b"__RIG_PING_%s__" % marker.encode(),
                               Deadline(min(3, max(0.1, deadline.remaining())), deadline.what))
                self.stream.buffer = b""
                return
            except RigTimeout:
                deadline.check()

    def run(self, command, timeout):
        """Run a command in the guest shell; returns (exit status, output)."""
        marker = self._marker_id()
        wire = "echo __RIG_B%s_\"\"_; { %s\n} </dev/null 2>&1; echo __RIG_E%s_$?_\n" % (
            marker, command, marker)
        self.transcript.write("[%7.2f] $ %s\n" % (time.monotonic() - self.started, command))
        self.transcript.flush()
        self.stream.send(wire.encode())
        deadline = Deadline(timeout, "guest command: %s" % command)
        self._wait_for(b"__RIG_B%s__\r?\n" % marker.encode(), deadline)
        output, match = self._wait_for(rb"__RIG_E%s_(\d+)_\r?\n" % marker.encode(), deadline)
        output = output.replace("\r\n", "\n")
        status = int(match.group(1))
        self.transcript.write(output + "[exit %d]\n" % status)
        self.transcript.flush()
        return status, output

    def send(self, command):
        """Type a command that is not expected to return (it panics the guest)."""
        self.transcript.write("[%7.2f] $ %s (not waited for)\n" % (time.monotonic() - self.started, command))
        self.transcript.flush()
        self.stream.send(("{ %s\n} </dev/null 2>&1\n" % command).encode())

    def check(self, command, timeout):
        status, output = self.run(command, timeout)
        if status != 0:
            raise RigError("guest command exited %d: %s\n%s" % (status, command, output.rstrip()))
        return output

    def capture(self, commands, timeout):
        """Run several commands concurrently, each detached, and collect what finished in time.

        Returns {key: {"status": int or None, "output": str}}; None means the
        command was still running (e.g. blocked on a frozen array) at the timeout.
        """
        directory = "/tmp/rig/capture-%s" % self._marker_id()
        self.check("mkdir -p %s" % directory, DEFAULT_STEP_TIMEOUT)
        keys = list(commands)
        for index, key in enumerate(keys):
            out = "%s/%d" % (directory, index)
            self.check("( { ( %s\n) </dev/null >%s.out 2>&1; echo $? >%s.rc; } & )"
                       % (commands[key], out, out), DEFAULT_STEP_TIMEOUT)
        deadline = Deadline(timeout, "ground-truth capture")
        while deadline.remaining() > 0:
            done = self.check("ls %s | grep -c 'rc$' || true" % directory, DEFAULT_STEP_TIMEOUT)
            if int(done.strip() or 0) >= len(keys):
                break
            time.sleep(0.3)
        results = {}
        for index, key in enumerate(keys):
            out = "%s/%d" % (directory, index)
            status = self.run("cat %s.rc" % out, DEFAULT_STEP_TIMEOUT)[1].strip()
            output = self.run("cat %s.out" % out, DEFAULT_STEP_TIMEOUT)[1]
            results[key] = {"status": int(status) if status.isdigit() else None, "output": output}
        return results

    def close(self):
        self.stream.close()
        self.transcript.close()


# blkdebug rules of a held disk: a flush moves it to state 2, where every write fails with EIO.
BLKDEBUG_HOLD_RULES = """[set-state]
event = "flush_to_os"
state = "1"
new_state = "2"

[inject-error]
event = "write_aio"
state = "2"
errno = "5"
once = "off"
immediately = "off"
"""


class QemuVm:
    """One QEMU process with a console log, a shell serial port and QMP."""

    def __init__(self, kernel, initramfs, scenario, memory_mb, work_dir, accel):
        self.kernel = kernel
        self.initramfs = initramfs
        self.scenario = scenario
        self.memory_mb = memory_mb
        self.work_dir = work_dir
        self.accel = accel
        self.socket_dir = make_socket_dir()
        self.console_log = os.path.join(work_dir, "console.log")
        self.qemu_log = os.path.join(work_dir, "qemu.log")
        self.disk_images = []
        self.process = None
        self.qmp = None
        self.shell = None

    def disk_id(self, index):
        return "disk%d" % index

    def create_disks(self):
        """Sparse raw images, plus the blkdebug rules of held disks."""
        for index in range(self.scenario.disk_count):
            path = os.path.join(self.work_dir, "%s.raw" % self.disk_id(index))
            with open(path, "wb") as image:
                image.truncate(self.scenario.disk_bytes)
            self.disk_images.append(path)
        for disk in self.scenario.held_disks:
            with open(self.blkdebug_config(disk), "w") as config:
                config.write(BLKDEBUG_HOLD_RULES)

    def command_line(self):
        append = "console=ttyS0,115200 panic=0 rig.scenario=%s" % self.scenario.name
        if self.scenario.append:
            append += " " + self.scenario.append
        args = ["qemu-system-x86_64", "-machine", "q35", "-accel", self.accel,
                "-smp", str(self.scenario.cpus), "-m", str(self.memory_mb),
                "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                "-action", "panic=pause",
                "-kernel", self.kernel.vmlinuz, "-initrd", self.initramfs, "-append", append,
                "-chardev", "file,id=console,path=%s" % self.console_log, "-serial", "chardev:console",
                "-chardev", "socket,id=shell,path=%s,server=on,wait=off" % self.shell_socket(),
                "-serial", "chardev:shell",
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_socket(),
                "-device", "vmcoreinfo"]
        for index, image in enumerate(self.disk_images):
            disk = self.disk_id(index)
            device = "virtio-blk-pci,drive=drive-%s,id=%s,serial=rig-%s" % (disk, disk, disk)
            for props in self.scenario.device_props.get(disk, []):
                device += "," + props
            args += ["-drive", self.drive_options(disk, image), "-device", device]
        args += ["-device", "pvpanic-pci"]
        return args

    def drive_options(self, disk, image):
        """-drive value of a disk; a held disk sits on a blkdebug layer (see arm_holds)."""
        common = "if=none,id=drive-%s,format=raw,cache=writeback" % disk
        if disk not in self.scenario.held_disks:
            return "%s,file=%s" % (common, image)
        return ("%s,werror=stop,rerror=stop,file.driver=blkdebug,file.config=%s,"
                "file.image.driver=file,file.image.filename=%s" % (common, self.blkdebug_config(disk), image))

    def blkdebug_config(self, disk):
        return os.path.join(self.work_dir, "%s.blkdebug" % disk)

    def arm_holds(self):
        """Arm the held disks with a host-side flush (the guest never flushes them).

        From now on a write that reaches a held disk's image fails, and
        werror=stop keeps the failed request inside virtio-blk instead of
        completing it, so requests that QEMU's throttle still queues when the
        VM stops (stopping drains the block layer) stay uncompleted in the
        guest's virtqueue.
        """
        for disk in self.scenario.held_disks:
            reply = self.qmp.execute("human-monitor-command",
                                     {"command-line": 'qemu-io drive-%s "flush"' % disk})
            if reply.strip():
                raise RigError("arming %s failed: %s" % (disk, reply.strip()))

    def shell_socket(self):
        return os.path.join(self.socket_dir, "shell.sock")

    def qmp_socket(self):
        return os.path.join(self.socket_dir, "qmp.sock")

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def start(self):
        self.create_disks()
        with open(self.qemu_log, "wb") as output:
            self.process = subprocess.Popen(self.command_line(), stdin=subprocess.DEVNULL, stdout=output,
                                            stderr=subprocess.STDOUT, start_new_session=True,
                                            preexec_fn=kill_with_parent)
        self.qmp = Qmp(self.qmp_socket(), self.alive)
        self.shell = GuestShell(self.shell_socket(), self.alive, os.path.join(self.work_dir, "shell.log"))

    def wait_for_console(self, text, timeout):
        """Wait until the kernel console log shows `text`; fail early on a guest panic."""
        deadline = Deadline(timeout, "console line %r" % text)
        while True:
            console = read_text(self.console_log)
            if text in console:
                return
            if "Kernel panic" in console:
                raise RigError("guest kernel panicked during boot")
            if not self.alive():
                raise RigError("QEMU exited during boot")
            deadline.check()
            time.sleep(0.2)

    def quit(self):
        if self.alive() and self.qmp:
            with contextlib.suppress(Exception):
                self.qmp.execute("quit", timeout=5)
        self.stop()

    def stop(self):
        """Make sure QEMU is gone and the temporary files are removed (idempotent)."""
        for channel in (self.shell, self.qmp):
            if channel:
                channel.close()
        self.shell = self.qmp = None
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(QUIT_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(QUIT_TIMEOUT)
        for image in self.disk_images:
            with contextlib.suppress(OSError):
                os.unlink(image)
        shutil.rmtree(self.socket_dir, ignore_errors=True)


SOCKET_DIR_PREFIX = "raidvirt-rig-"


def make_socket_dir():
    """A private /tmp directory for QEMU's sockets (UNIX socket paths must be short).

    Its name carries our pid, so directories left behind by a killed rig are removed here.
    """
    base = tempfile.gettempdir()
    for name in os.listdir(base):
        match = re.fullmatch(re.escape(SOCKET_DIR_PREFIX) + r"(\d+)-\w+", name)
        if match and not os.path.exists("/proc/" + match.group(1)):
            shutil.rmtree(os.path.join(base, name), ignore_errors=True)
    return tempfile.mkdtemp(prefix="%s%d-" % (SOCKET_DIR_PREFIX, os.getpid()), dir=base)


def read_text(path):
    try:
        with open(path, errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def tail(path, lines=30):
    return "\n".join(read_text(path).splitlines()[-lines:])


# --------------------------------------------------------------------------
# Ground truth: what the guest says about itself
# --------------------------------------------------------------------------

# Ground truth read from the guest for kernels whose dumps crash cannot open
# (docs/rig.md, "guest-verified"): one line per value, "KEY FIELD VALUE".
SYS_IRQ_FIELDS = ("actions", "chip_name", "hwirq", "name", "type", "per_cpu_count", "wakeup")
VIRTIO_FIELDS = ("device", "vendor", "status", "features")
MD_FIELDS = ("level", "raid_disks", "degraded", "array_state", "sync_action", "suspend_lo",
             "suspend_hi", "metadata_version", "safe_mode_delay", "bitmap/location")


def task_truth_command(background):
    """wchan, state and kernel stack of the scenario's background tasks and of every task in D state."""
    pids = " ".join(str(pid) for pid in sorted(background.values()))
    return ("for p in %s $(grep -l ') D ' /proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3); do "
            "[ -d /proc/$p ] || continue; "
            "echo \"task $p $(awk '{print $3}' /proc/$p/stat) $(cat /proc/$p/wchan) $(cat /proc/$p/comm)\"; "
            "sed 's/^/stack /' /proc/$p/stack; done" % pids)


def standard_truth_commands(block_devices, background=None):
    """Commands whose output goes into ground-truth.json for every scenario."""
    commands = {
        "tasks": task_truth_command(background or {}),
        # One grep each (forks are slow under TCG): "/sys/.../N/FIELD:VALUE" lines.
        "sys_irq": "cd /sys/kernel/irq && grep -H '' %s" % " ".join("*/" + f for f in SYS_IRQ_FIELDS),
        "virtio_sysfs": "cd /sys/bus/virtio/devices && grep -H '' %s" % " ".join("*/" + f for f in VIRTIO_FIELDS),
        "uname": "uname -r",
        "cmdline": "cat /proc/cmdline",
        "cpu_online": "cat /sys/devices/system/cpu/online",
        "cpu_possible": "cat /sys/devices/system/cpu/possible",
        "interrupts": "cat /proc/interrupts",
        "irq_affinity": "cd /proc/irq && grep -H '' */smp_affinity_list */effective_affinity_list",
        "mdstat": "cat /proc/mdstat",
        "modules": "cat /proc/modules",
        "kallsyms_text": "grep -E ' (_text|_stext)$' /proc/kallsyms",
        "meminfo": "head -n 3 /proc/meminfo",
        "dmesg": "dmesg",
        "virtio_drivers": ("for d in /sys/bus/virtio/devices/*; do echo \"${d##*/} "
                           "$(basename \"$(readlink $d/driver 2>/dev/null)\") $(cat $d/device)\"; done"),
        "rvblk_state": ("for f in /sys/bus/virtio/devices/*/rvblk/state; do [ -e \"$f\" ] || continue; "
                        "d=${f%/rvblk/state}; echo \"device ${d##*/}\"; cat \"$f\"; done"),
        "pci": ("for d in /sys/bus/pci/devices/*; do echo \"${d##*/} $(cat $d/vendor) $(cat $d/device) "
                "$(cat $d/class) $(ls $d/msi_irqs 2>/dev/null | tr '\\n' ' ')\"; done"),
    }
    for device in block_devices:
        if device.startswith("md"):
            commands["mdadm_detail." + device] = "mdadm --detail /dev/" + device
            commands["md_sysfs." + device] = (
                "cd /sys/block/%s/md && for f in %s; "
                "do echo \"$f $(cat $f)\"; done; for d in dev-*; do "
                "echo \"$d $(cat $d/slot) $(cat $d/state)\"; done" % (device, " ".join(MD_FIELDS)))
        if device.startswith(("vd", "md", "rvblk")):
            commands["inflight." + device] = "cat /sys/block/%s/inflight" % device
        if device.startswith(("vd", "rvblk")):
            commands["mq." + device] = ("cd /sys/block/%s/mq && for q in *; do "
                                        "echo \"$q $(cat $q/nr_tags) $(cat $q/cpu_list)\"; done" % device)
            commands["virtio_features." + device] = "cat /sys/block/%s/device/features" % device
    return commands


def parse_int_list(text):
    return [int(word) for word in re.findall(r"\d+", text)]


def parse_cpu_ranges(text):
    cpus = []
    for part in text.strip().split(","):
        if "-" in part:
            low, high = part.split("-")
            cpus.extend(range(int(low), int(high) + 1))
        elif part.strip():
            cpus.append(int(part))
    return cpus


def parse_field_lines(text, numeric=()):
    """grep -H lines "KEY/FIELD:VALUE" -> {KEY: {FIELD: VALUE}} (VALUE may be empty or hold spaces)."""
    table = {}
    for line in text.splitlines():
        match = re.match(r"([^/:]+)/([^:]+):(.*)$", line)
        if not match:
            continue
        key, field, value = match.group(1), match.group(2), match.group(3).strip()
        if field in numeric and value.isdigit():
            value = int(value)
        table.setdefault(key, {})[field] = value
    return table


def parse_sys_irq(text):
    """irq -> /sys/kernel/irq/N fields; per_cpu_count as a list, actions as a list."""
    irqs = parse_field_lines(text, numeric=("hwirq",))
    for fields in irqs.values():
        fields["per_cpu_count"] = parse_int_list(fields.get("per_cpu_count", ""))
        fields["actions"] = [name for name in fields.get("actions", "").split(",") if name]
    return irqs


def parse_tasks(text, background):
    """pid -> state, wchan, comm, stack (function+offset lines), background name."""
    names = {pid: name for name, pid in background.items()}
    tasks, current = {}, None
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] == "task":
            pid = int(words[1])
            if str(pid) in tasks:       # a background task in D state is listed twice
                current = None
                continue
            current = tasks.setdefault(str(pid), {
                "state": words[2], "wchan": words[3] if len(words) > 4 else "",
                "comm": words[-1], "stack": [], "background": names.get(pid)})
        elif current is not None and words[:1] == ["stack"]:
            match = re.match(r"stack \[<[0-9a-f]+>\] (\S+)", line)     # "[<0>] func+0x1f/0x60 [mod]"
            if match:
                current["stack"].append(match.group(1))
    return tasks


def parse_md_sysfs(text):
    values, members = {}, {}
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        if words[0].startswith("dev-"):
            slot = words[1] if len(words) > 1 else "none"
            members[words[0][4:]] = {"slot": int(slot) if slot.isdigit() else slot,
                                     "state": words[2] if len(words) > 2 else ""}
        elif len(words) >= 2:
            values[words[0]] = int(words[1]) if words[1].isdigit() else words[1]
    values["members"] = members
    return values


def parse_mdadm_detail(text):
    fields = {}
    for line in text.splitlines():
        key, separator, value = line.partition(" : ")
        if separator and key.strip():
            value = value.strip()
            fields[key.strip()] = int(value) if value.isdigit() else value
    return fields


def parse_interrupts(text, affinity_text):
    """Numbered lines of /proc/interrupts, with the affinities from /proc/irq/N."""
    lines = text.splitlines()
    if not lines:
        return {}
    cpus = len(lines[0].split())
    irqs = {}
    for line in lines[1:]:
        number, colon, rest = line.partition(":")
        if not colon or not number.strip().isdigit():
            continue
        words = rest.split()
        irqs[number.strip()] = {"counts": [int(word) for word in words[:cpus]],
                                "chip": words[cpus] if len(words) > cpus else "",
                                "hwirq": words[cpus + 1] if len(words) > cpus + 1 else "",
                                "name": " ".join(words[cpus + 2:])}
    for irq, fields in parse_field_lines(affinity_text).items():
        if irq in irqs and "smp_affinity_list" in fields and "effective_affinity_list" in fields:
            irqs[irq]["affinity"] = parse_cpu_ranges(fields["smp_affinity_list"])
            irqs[irq]["effective_affinity"] = parse_cpu_ranges(fields["effective_affinity_list"])
    return irqs


def parse_pci(text):
    """address -> vendor, device, class and the MSI irqs of each PCI function."""
    devices = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 4:
            devices[words[0]] = {"vendor": words[1], "device": words[2], "class": words[3],
                                 "msi_irqs": sorted(int(word) for word in words[4:] if word.isdigit())}
    return devices


def parse_modules(text):
    modules = {}
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 6:
            modules[words[0]] = {"size": int(words[1]), "address": words[5]}
    return modules


def build_ground_truth(scenario, release, disks, settings, custom, standard, background):
    """ground-truth.json: the scenario's own values, raw captures and their parsed forms."""
    raw = {key: result["output"] for key, result in standard.items()}
    truth = {
        "schema": TRUTH_SCHEMA,
        "release": release,
        "scenario": scenario.name,
        "disks": disks,
        "set": settings,
        "background_pids": background,
        "truth": {key: result["output"].rstrip("\n") for key, result in custom.items()},
        "timed_out": sorted(key for key, result in list(standard.items()) + list(custom.items())
                            if result["status"] is None),
        "raw": raw,
    }
    online = parse_cpu_ranges(raw.get("cpu_online", ""))
    truth["cpus"] = {"online": online, "online_count": len(online),
                     "possible_count": len(parse_cpu_ranges(raw.get("cpu_possible", "")))}
    truth.update(parse_device_captures(standard))
    truth["modules"] = parse_modules(raw.get("modules", ""))
    truth["irqs"] = parse_interrupts(raw.get("interrupts", ""), raw.get("irq_affinity", ""))
    truth["pci"] = parse_pci(raw.get("pci", ""))
    # "virtioN DRIVER DEVICE_ID"; an unbound device (failed probe) has no driver.
    truth["virtio_drivers"] = {words[0]: {"driver": words[1] if len(words) == 3 else "",
                                          "device_id": words[-1]}
                               for words in (line.split() for line in raw.get("virtio_drivers", "").splitlines())
                               if len(words) in (2, 3)}
    truth["rvblk"] = parse_rvblk_state(raw.get("rvblk_state", ""))
    truth["sys_irqs"] = parse_sys_irq(raw.get("sys_irq", ""))
    truth["virtio"] = parse_field_lines(raw.get("virtio_sysfs", ""))
    truth["tasks"] = parse_tasks(raw.get("tasks", ""), background)
    truth["uname"] = raw.get("uname", "").strip()
    truth["kallsyms"] = {line.split()[2]: "0x" + line.split()[0]
                         for line in raw.get("kallsyms_text", "").splitlines() if len(line.split()) == 3}
    return truth


def parse_rvblk_state(text):
    """virtioN -> the rvblk driver's view (its sysfs `state`): disk, irq mode, per-queue irqs."""
    devices, current = {}, None
    for line in text.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == "device":
            current = devices.setdefault(words[1], {"queues": []})
        elif current is not None and words[:1] == ["disk"]:
            fields = dict(zip(words[0::2], words[1::2]))
            current.update({"disk": fields.get("disk"), "nr_queues": int(fields.get("queues", 0)),
                            "irq_mode": fields.get("irq_mode"), "managed": fields.get("managed") == "1",
                            "vectors": int(fields.get("vectors", 0))})
        elif current is not None and words[:1] == ["queue"]:
            fields = dict(zip(words[0::2], words[1::2]))
            current["queues"].append({key: int(value) for key, value in fields.items()})
    return devices


def parse_device_captures(standard):
    """The per-device captures ("KIND.DEVICE" keys) that completed, parsed by kind."""
    parsed = {"md": {}, "mdadm_detail": {}, "inflight": {}, "mq_cpu_list": {}, "mq_nr_tags": {},
              "virtio_features": {}}
    for key, result in standard.items():
        kind, _, device = key.partition(".")
        text = result["output"]
        if not device or result["status"] != 0:
            continue
        if kind == "md_sysfs":
            parsed["md"][device] = parse_md_sysfs(text)
        elif kind == "mdadm_detail":
            parsed["mdadm_detail"][device] = parse_mdadm_detail(text)
        elif kind == "inflight":
            parsed["inflight"][device] = parse_int_list(text)
        elif kind == "mq":
            rows = [line.split() for line in text.splitlines() if len(line.split()) >= 2]
            parsed["mq_nr_tags"][device] = {row[0]: int(row[1]) for row in rows}
            parsed["mq_cpu_list"][device] = {row[0]: parse_int_list(" ".join(row[2:])) for row in rows}
        elif kind == "virtio_features":
            parsed["virtio_features"][device] = text.strip()
    return parsed


# --------------------------------------------------------------------------
# Running a scenario
# --------------------------------------------------------------------------

class ScenarioRun:
    """Drives one booted guest through a scenario's steps and writes the dump."""

    def __init__(self, scenario, vm, kernel, work_dir, elf):
        self.scenario = scenario
        self.vm = vm
        self.kernel = kernel
        self.work_dir = work_dir
        self.elf = elf
        self.disks = {}
        self.settings = {}
        self.custom_truth = {}
        self.background = {}
        self.timings = {}

    # -- boot ---------------------------------------------------------------
    def boot(self):
        started = time.monotonic()
        self.vm.start()
        self.vm.wait_for_console("rig-init: shell on ttyS1", BOOT_TIMEOUT)
        self.vm.shell.sync(BOOT_TIMEOUT)
        self.timings["boot_seconds"] = round(time.monotonic() - started, 2)
        self.discover_disks()
        self.prepare_held_disks()

    def discover_disks(self):
        """Map QEMU disk ids to guest names through the serial numbers the rig gave them."""
        expected = self.scenario.disk_count
        shell = self.vm.shell
        deadline = Deadline(60, "%d virtio disks to appear in the guest" % expected)
        while int(shell.check("ls /sys/block | grep -c '^vd' || true", 30).strip() or 0) < expected:
            deadline.check()
            time.sleep(0.5)
        listing = shell.check("for d in /sys/block/vd*; do echo \"${d##*/} $(cat $d/serial) "
                              "$(readlink -f $d/device)\"; done", 30)
        for line in listing.splitlines():
            words = line.split()
            if len(words) != 3 or not words[1].startswith("rig-"):
                continue
            qemu_id = words[1][len("rig-"):]
            pci = re.findall(r"/(\d{4}:[0-9a-f]{2}:[0-9a-f]{2}\.\d)", words[2])
            self.disks[qemu_id] = {
                "guest": words[0], "qemu_id": qemu_id, "serial": words[1],
                "qdev": "/machine/peripheral/%s/virtio-backend" % qemu_id, "drive": "drive-" + qemu_id,
                "virtio": os.path.basename(words[2]), "pci": pci[-1] if pci else None,
                "index": int(os.path.basename(words[2])[len("virtio"):]),
                "size_bytes": self.scenario.disk_bytes}
        if len(self.disks) != expected:
            raise RigError("expected %d rig disks, guest shows:\n%s" % (expected, listing))

    def prepare_held_disks(self):
        """The guest must never flush a held disk: a flush is what arms it (QemuVm.arm_holds)."""
        for disk in self.scenario.held_disks:
            self.vm.shell.check("echo 'write through' >/sys/block/%s/queue/write_cache"
                                % self.disks[disk]["guest"], 30)
            self.disks[disk]["held"] = True

    # -- steps --------------------------------------------------------------
    def expand(self, text):
        """Replace {{diskN}} (guest name), {{diskN.field}} and {{kernel.FACT}} placeholders."""
        def replace(match):
            disk, _, field = match.group(1).partition(".")
            if disk == "kernel":
                if field not in self.kernel.spec.facts:
                    raise RigError("kernel %s has no fact %r (%s)" % (self.kernel.name, field,
                                                                      self.kernel.spec.path))
                return self.kernel.spec.facts[field]
            if disk not in self.disks:
                raise RigError("unknown disk %r in placeholder %s" % (disk, match.group(0)))
            value = self.disks[disk].get(field or "guest")
            if value is None:
                raise RigError("unknown placeholder %s" % match.group(0))
            return str(value)
        return re.sub(r"\{\{(\w+(?:\.\w+)?)\}\}", replace, text)

    def run_steps(self):
        started = time.monotonic()
        for step in self.scenario.steps:
            try:
                getattr(self, "step_" + step.kind.replace("-", "_"))(step.args)
            except (RigError, ValueError) as err:     # ValueError: bad JSON in a set/qmp line
                raise RigError("step failed (%s): %s" % (step.describe(), err))
        self.timings["scenario_seconds"] = round(time.monotonic() - started - self.timings.get(
            "dump_seconds", 0), 2)

    def step_guest(self, args):
        self.vm.shell.check(self.expand(args["command"]), self.scenario.step_timeout)

    def step_guest_bg(self, args):
        name, command = args["name"], self.expand(args["command"])
        self.vm.shell.check("mkdir -p /tmp/rig", 30)
        output = self.vm.shell.check("( ( %s\n) </dev/null >/tmp/rig/bg-%s.log 2>&1 & echo $! )"
                                     % (command, name), self.scenario.step_timeout)
        pid = int(output.strip().splitlines()[-1])
        self.vm.shell.check("%s=%d" % (name, pid), 30)
        self.background[name] = pid

    def step_wait_guest(self, args):
        condition = self.expand(args["condition"])
        deadline = Deadline(args["timeout"], "guest condition: %s" % condition)
        while self.vm.shell.run(condition, max(5, self.scenario.step_timeout))[0] != 0:
            deadline.check()
            time.sleep(0.5)

    def step_sleep(self, args):
        time.sleep(args["seconds"])

    def step_qmp(self, args):
        arguments = json.loads(self.expand(args["arguments"])) if args["arguments"] else None
        result = self.vm.qmp.execute(args["command"], arguments)
        log("qmp %s -> %s" % (args["command"], json.dumps(result)))

    def step_set(self, args):
        self.settings[args["key"]] = json.loads(self.expand(args["value"]))

    def step_truth(self, args):
        result = self.vm.shell.capture({args["key"]: self.expand(args["value"])}, TRUTH_TIMEOUT)
        self.custom_truth.update(result)

    def step_panic(self, args):
        """Capture the standard truth, then run a command that panics the guest.

        The guest (panic_on_oops=1, pvpanic) must report the panic: QEMU runs
        with -action panic=pause, so it stops in state guest-panicked and the
        `dump` step writes the panicked kernel's memory.
        """
        command = self.expand(args["command"])
        self.pre_panic_truth = self.collect_standard_truth()
        self.vm.shell.send(command)
        deadline = Deadline(args["timeout"], "guest panic after: %s" % command)
        while True:
            status = self.vm.qmp.execute("query-status")["status"]
            if status == "guest-panicked":
                break
            if not self.vm.alive():
                raise RigError("QEMU exited instead of pausing on the guest panic")
            deadline.check()
            time.sleep(0.5)
        self.panic = {"run_state": status, "command": command,
                      "events": [event for event in self.vm.qmp.events
                                 if event["event"] == "GUEST_PANICKED"],
                      "console": panic_console_text(read_text(self.vm.console_log))}

    def step_dump(self, args):
        standard = getattr(self, "pre_panic_truth", None) or self.collect_standard_truth()
        truth = build_ground_truth(self.scenario, self.kernel.release, self.disks, self.settings,
                                   self.custom_truth, standard, self.background)
        truth["panic"] = getattr(self, "panic", None)
        started = time.monotonic()
        self.vm.arm_holds()
        self.vm.qmp.execute("stop")
        truth["qemu"] = self.collect_qemu_truth()
        self.check_holds(truth)
        write_json(os.path.join(self.work_dir, "ground-truth.json"), truth)
        self.write_dump("kdump-zlib", "vmcore")
        if self.elf:
            self.write_dump("elf", "vmcore.elf")
        self.timings["dump_seconds"] = round(time.monotonic() - started, 2)
        self.vm.quit()

    def collect_standard_truth(self):
        devices = self.vm.shell.check("ls /sys/block", 30).split()
        return self.vm.shell.capture(standard_truth_commands(devices, self.background), STANDARD_TRUTH_TIMEOUT)

    def collect_qemu_truth(self):
        """What QEMU says after the stop: run state, per-drive I/O status, I/O errors it held."""
        qmp = self.vm.qmp
        previous, deadline = -1, Deadline(5, "BLOCK_IO_ERROR events to settle")
        while deadline.remaining() > 0:      # errors from the stop's drain arrive as events
            count = sum(1 for event in qmp.events if event["event"] == "BLOCK_IO_ERROR")
            if count == previous:
                break
            previous = count
            time.sleep(0.5)
            qmp.execute("query-status")
        held = {}
        for event in qmp.events:
            if event["event"] == "BLOCK_IO_ERROR":
                device = event["data"].get("device", "")
                held[device] = held.get(device, 0) + 1
        return {
            "run_state": qmp.execute("query-status")["status"],
            "io_status": {block["device"]: block.get("io-status", "n/a")
                          for block in qmp.execute("query-block")},
            "block_io_errors": held,
        }

    def check_holds(self, truth):
        """A held disk with writes in flight must show held I/O errors, else the hold failed."""
        for disk in self.scenario.held_disks:
            guest = self.disks[disk]["guest"]
            in_flight = sum(truth["inflight"].get(guest, []))
            errors = truth["qemu"]["block_io_errors"].get("drive-" + disk, 0)
            if in_flight and not errors:
                raise RigError("%s (%s) had %d requests in flight but QEMU completed them while "
                               "stopping: the hold did not take" % (disk, guest, in_flight))

    def write_dump(self, format_name, file_name):
        path = os.path.join(self.work_dir, file_name)
        qmp = self.vm.qmp
        qmp.execute("dump-guest-memory", {"paging": False, "protocol": "file:" + path,
                                          "detach": True, "format": format_name})
        deadline = Deadline(DUMP_TIMEOUT, "dump-guest-memory %s" % format_name)
        while True:
            status = qmp.execute("query-dump")
            if status["status"] == "completed":
                return
            if status["status"] == "failed":
                raise RigError("dump-guest-memory %s failed" % format_name)
            deadline.check()
            time.sleep(0.2)


def panic_console_text(console):
    """The guest console from the first oops line to the end of the panic."""
    lines = console.splitlines()
    start = next((index for index, line in enumerate(lines)
                  if re.search(r"BUG:|Oops|general protection fault|kernel BUG|Kernel panic", line)),
                 None)
    return "\n".join(lines[start:]) if start is not None else ""


def write_json(path, value):
    with open(path, "w") as handle:
        json.dump(value, handle, indent=2, sort_keys=True)
        handle.write("\n")


# --------------------------------------------------------------------------
# Cache layout
# --------------------------------------------------------------------------

def scenario_hash(kernel, scenario, memory_mb):
    """Key of a dump in the cache: the scenario, the rig, the kernel file (its facts), the module sources."""
    digest = hashlib.sha256()
    paths = [scenario.path, os.path.abspath(__file__), INIT_TEMPLATE, kernel.spec.path]
    for name in scenario.modules:
        paths += project_module_sources(name)
    for path in paths:
        digest.update(sha256_file(path).encode())
    digest.update(("memory=%d" % memory_mb).encode())
    return digest.hexdigest()[:12]


def cache_root(release):
    return os.path.join(BUILD_DIR, "dumps", release)


def default_dump_dir(kernel, scenario, memory_mb):
    return os.path.join(cache_root(kernel.release), "%s-%s" % (scenario.name,
                                                              scenario_hash(kernel, scenario, memory_mb)))


def is_complete(dump_dir, elf):
    needed = ["vmcore", "ground-truth.json", "meta.json"] + (["vmcore.elf"] if elf else [])
    return all(os.path.exists(os.path.join(dump_dir, name)) for name in needed)


def prune_old_builds(release, scenario_name, keep_dir):
    """Remove the cached builds of a scenario made by older recipes (other hashes),
    unless another rig process is building one of them right now."""
    root = cache_root(release)
    pattern = re.compile(r"%s-[0-9a-f]{12}$" % re.escape(scenario_name))
    for name in os.listdir(root):
        path = os.path.join(root, name)
        if not pattern.match(name) or path == keep_dir:
            continue
        lock_path = os.path.join(root, ".%s.lock" % name)
        with open(lock_path, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(path, ignore_errors=True)
            shutil.rmtree(path + ".partial", ignore_errors=True)
            os.unlink(lock_path)


def point_latest_link(release, scenario_name, dump_dir):
    link = os.path.join(cache_root(release), scenario_name)
    if os.path.dirname(os.path.abspath(dump_dir)) != cache_root(release):
        return
    partial = link + ".%d.tmp" % os.getpid()
    os.symlink(os.path.basename(dump_dir), partial)
    os.replace(partial, link)


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------

class BuildLock:
    """Exclusive lock on one dump directory, so concurrent builds of a scenario do not collide."""

    def __init__(self, dump_dir, timeout):
        self.path = os.path.join(os.path.dirname(dump_dir), ".%s.lock" % os.path.basename(dump_dir))
        self.timeout = timeout
        self.handle = None

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.handle = open(self.path, "w")
        deadline = Deadline(self.timeout, "another build of %s to finish (%s)" % (
            os.path.basename(self.path)[1:-5], self.path))
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                deadline.check()
                time.sleep(1)

    def __exit__(self, *exc):
        self.handle.close()


def check_applies(kernel, scenario_name):
    """A scenario by name must be in its kernel's list (a .scn path is the user's own)."""
    if not scenario_name.endswith(".scn") and scenario_name not in kernel.spec.scenarios:
        raise RigError("scenario %s does not apply to kernel %s (%s lists: %s; docs/rig.md)" % (
            scenario_name, kernel.name, os.path.relpath(kernel.spec.path, REPO_ROOT),
            " ".join(kernel.spec.scenarios)))


def build(scenario_name, out_dir=None, elf=False, memory_mb=None, force=False, accel="tcg",
          kernel_name=None):
    """Build (or reuse) the dump of a scenario; prints the dump directory on success."""
    kernel = resolve_kernel(kernel_name)
    check_applies(kernel, scenario_name)
    scenario = Scenario.load(scenario_name)
    memory_mb = memory_mb or scenario.memory_mb
    dump_dir = os.path.abspath(out_dir or default_dump_dir(kernel, scenario, memory_mb))
    with BuildLock(dump_dir, LOCK_TIMEOUT):
        if force or not is_complete(dump_dir, elf):
            status = build_dump(kernel, scenario, memory_mb, dump_dir, elf, accel)
            if status != 0:
                return status
    if not out_dir:
        prune_old_builds(kernel.release, scenario.name, dump_dir)
        point_latest_link(kernel.release, scenario.name, dump_dir)
    print(dump_dir)
    return 0


def build_dump(kernel, scenario, memory_mb, dump_dir, elf, accel):
    """Boot, run the scenario, dump; the result appears in dump_dir only when complete."""
    started = time.monotonic()
    extra_modules = {}
    for name in scenario.modules:
        extra_modules[name] = build_project_module(kernel, name)
    initramfs, modules = build_initramfs(kernel, extra_modules)
    work_dir = dump_dir + ".partial"
    shutil.rmtree(work_dir, ignore_errors=True)
    os.makedirs(work_dir)
    vm = QemuVm(kernel, initramfs, scenario, memory_mb, work_dir, accel)
    run = ScenarioRun(scenario, vm, kernel, work_dir, elf)
    log("building %s (%s, %d MB, %d disks) in %s" % (scenario.name, kernel.release, memory_mb,
                                                     scenario.disk_count, dump_dir))
    try:
        run.boot()
        run.run_steps()
    except KeyboardInterrupt:
        report_failure("interrupted", vm)
        return 130
    except Exception as err:        # any failure: report it with the guest's last words
        report_failure(err if isinstance(err, RigError) else "%s: %s" % (type(err).__name__, err), vm)
        return 1
    finally:
        vm.stop()
    # The module with its debug info, for `mod -s NAME DUMP_DIR/NAME.ko` in crash.
    for name, path in extra_modules.items():
        shutil.copyfile(path, os.path.join(work_dir, name + ".ko"))
    meta = build_meta(kernel, scenario, memory_mb, vm, run, initramfs, modules, accel,
                      time.monotonic() - started, dump_dir)
    meta["project_modules"] = {name: {"path": name + ".ko",
                                      "guest_path": project_module_guest_path(kernel, name),
                                      "sources": [os.path.relpath(source, REPO_ROOT)
                                                  for source in project_module_sources(name)]}
                               for name in extra_modules}
    write_json(os.path.join(work_dir, "meta.json"), meta)
    shutil.rmtree(dump_dir, ignore_errors=True)
    os.replace(work_dir, dump_dir)
    log("done in %.1fs: %s" % (meta["build_seconds"], ", ".join(
        "%s %d KiB" % (name, info["bytes"] // 1024) for name, info in meta["dumps"].items())))
    return 0


def build_meta(kernel, scenario, memory_mb, vm, run, initramfs, modules, accel, seconds, dump_dir):
    command = [arg.replace(vm.work_dir, dump_dir) for arg in vm.command_line()]
    return {
        "schema": META_SCHEMA,
        "scenario": scenario.name,
        "description": scenario.description,
        "hash": scenario_hash(kernel, scenario, memory_mb),
        "release": kernel.release,
        "kernel": kernel.name,
        "kernel_package_version": kernel.version,
        "verified_by": kernel.spec.truth,
        "vmlinux": kernel.vmlinux,
        "vmlinuz": kernel.vmlinuz,
        "module_debuginfo_dir": kernel.debug_module_dir,
        "module_dir": kernel.module_dir,
        "guest_modules": modules,
        "initramfs": initramfs,
        "initramfs_bytes": os.path.getsize(initramfs),
        "qemu_command": command,
        "qemu_command_line": " ".join(shlex.quote(arg) for arg in command),
        "memory_mb": memory_mb,
        "cpus": scenario.cpus,
        "accel": accel,
        "build_seconds": round(seconds, 2),
        "timings": run.timings,
        "dumps": {name: {"path": name, "format": fmt, "bytes": os.path.getsize(os.path.join(vm.work_dir, name))}
                  for name, fmt in (("vmcore", "kdump-zlib"), ("vmcore.elf", "elf"))
                  if os.path.exists(os.path.join(vm.work_dir, name))},
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def report_failure(err, vm):
    """Say which step failed and show the end of the guest console and shell transcript."""
    log("FAILED: %s" % err)
    log("last lines of the guest console (%s):" % vm.console_log)
    print(tail(vm.console_log), file=sys.stderr)
    shell_log = os.path.join(vm.work_dir, "shell.log")
    if os.path.exists(shell_log):
        log("last lines of the guest shell transcript (%s):" % shell_log)
        print(tail(shell_log, 20), file=sys.stderr)


def build_all(elf, force, accel, kernel_name=None):
    """Build every scenario of a kernel, carrying on after a failure; non-zero if any failed."""
    failed = []
    for name in resolve_kernel(kernel_name).spec.scenarios:
        try:
            status = build(name, elf=elf, force=force, accel=accel, kernel_name=kernel_name)
        except RigError as err:
            log("error: %s: %s" % (name, err))
            status = 1
        if status == 130:
            return status
        if status != 0:
            failed.append(name)
    if failed:
        log("failed: %s" % ", ".join(failed))
    return 1 if failed else 0


def list_scenarios(kernel_name=None):
    kernel = resolve_kernel(kernel_name)
    release = kernel.release
    for name in scenario_names():
        if name not in kernel.spec.scenarios:
            print("%-16s %-6s (does not apply to %s)" % (name, "n/a", kernel.name))
            continue
        try:
            scenario = Scenario.load(name)
        except RigError as err:
            print("%-16s  (invalid: %s)" % (name, err))
            continue
        built = is_complete(default_dump_dir(kernel, scenario, scenario.memory_mb), False)
        print("%-16s %-6s %s" % (name, "built" if built else "-", scenario.description))
    return 0


def print_path(scenario_name, memory_mb=None, kernel_name=None):
    kernel = resolve_kernel(kernel_name)
    check_applies(kernel, scenario_name)
    release = kernel.release
    scenario = Scenario.load(scenario_name)
    dump_dir = default_dump_dir(kernel, scenario, memory_mb or scenario.memory_mb)
    if not is_complete(dump_dir, False):
        log("%s is not built (expected at %s); run: dumps/rig.py build %s" % (
            scenario_name, dump_dir, scenario_name + (" --kernel " + kernel.name if kernel_name else "")))
        return 1
    print(dump_dir)
    return 0


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="rig.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="build (or reuse) the dump of a scenario")
    build_parser.add_argument("scenario")
    build_parser.add_argument("--out", help="dump directory (default: the cache under build/dumps)")
    build_parser.add_argument("--elf", action="store_true", help="also write an ELF dump (vmcore.elf)")
    build_parser.add_argument("--memory", type=int, help="guest memory in MB (default: the scenario's)")
    build_parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    build_parser.add_argument("--accel", default=os.environ.get("RIG_ACCEL", "tcg"),
                              help="QEMU accelerator (default tcg; RIG_ACCEL overrides)")
    all_parser = commands.add_parser("build-all", help="build (or reuse) every scenario's dumps, ELF included")
    all_parser.add_argument("--no-elf", action="store_true", help="kdump-compressed dumps only")
    all_parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    all_parser.add_argument("--accel", default=os.environ.get("RIG_ACCEL", "tcg"))
    list_parser = commands.add_parser("list", help="list scenarios and whether they are built")
    path_parser = commands.add_parser("path", help="print the cached dump directory of a scenario")
    path_parser.add_argument("scenario")
    path_parser.add_argument("--memory", type=int)
    commands.add_parser("kernels", help="list the kernels the rig boots (dumps/kernels)")
    for sub in (build_parser, all_parser, list_parser, path_parser):
        sub.add_argument("--kernel", default=None,
                         help="kernel file name (default: RIG_KERNEL, else %s)" % kernels.DEFAULT_KERNEL)
    return parser.parse_args(argv)


def interrupt_on_sigterm(signum, frame):
    raise KeyboardInterrupt()


def main(argv):
    signal.signal(signal.SIGTERM, interrupt_on_sigterm)
    arguments = parse_arguments(argv)
    try:
        if arguments.command == "build":
            return build(arguments.scenario, arguments.out, arguments.elf, arguments.memory,
                         arguments.force, arguments.accel, arguments.kernel)
        if arguments.command == "build-all":
            return build_all(not arguments.no_elf, arguments.force, arguments.accel, arguments.kernel)
        if arguments.command == "list":
            return list_scenarios(arguments.kernel)
        if arguments.command == "kernels":
            return kernels.main(["list"])
        return print_path(arguments.scenario, arguments.memory, arguments.kernel)
    except RigError as err:
        log("error: %s" % err)
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

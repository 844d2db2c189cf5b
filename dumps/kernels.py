#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Kernels the rig boots, as data: one dumps/kernels/NAME.kernel file each.

    dumps/kernels.py list
    dumps/kernels.py resolve NAME      # fetch if needed; print the kernel's paths (JSON)
    dumps/kernels.py release [NAME]    # print its release only
    dumps/kernels.py fetch NAME [--update]

A kernel file is line based like a scenario (`#` comments):

    description TEXT
    source installed | apt     installed: the host's packages (`make deps`);
                               apt: fetched into build/kernels/ (never installed)
    suite SUITE                apt only: the Debian suite (trixie)
    component COMPONENT        apt only (main)
    metapackage NAME           the metapackage whose linux-image-* dependency
                               names the release (the ABI is never hardcoded)
    truth crash | guest        who verifies the dumps: crash (it opens them) or
                               the guest's own /proc and /sys (it cannot)
    scenarios NAME...          the scenarios that apply to this kernel
    fact KEY VALUE             what a scenario may say through {{kernel.KEY}}:
                               how this kernel behaves where kernels differ

Fetched kernels: a private apt state (its own sources list naming the archive
URI the host's apt sources use, suite from the file, Debian's archive keyring)
under build/kernels/apt/SUITE; `apt-get download` of the image, -dbg, headers,
headers -common and linux-kbuild into build/kernels/debs; `dpkg-deb -x` into
build/kernels/NAME/RELEASE_VERSION/root (cached by package version), `depmod -b`,
and the fixes the headers need to build modules with the host's gcc
(docs/rig.md). Python standard library only.
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import time

DUMPS_DIR = os.path.dirname(os.path.abspath(__file__))
KERNEL_DIR = os.path.join(DUMPS_DIR, "kernels")
BUILD_DIR = os.path.join(os.path.dirname(DUMPS_DIR), "build")
FETCH_DIR = os.path.join(BUILD_DIR, "kernels")
DEFAULT_KERNEL = "debian12-cloud"
HOST_SOURCES = ("/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list")
ARCHIVE_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
APT_TIMEOUT = 1800          # one apt-get call (the -dbg package is ~320 MB)
FETCH_SCHEMA = "raidvirt.rig-kernel-fetch/1"


class KernelError(Exception):
    """A kernel file is invalid or its kernel cannot be resolved or fetched."""


def log(message):
    print("kernels: " + message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Kernel files
# --------------------------------------------------------------------------

class KernelSpec:
    KEYS = ("description", "source", "suite", "component", "metapackage", "truth", "scenarios", "fact")

    def __init__(self, name, path):
        self.name = name
        self.path = path
        self.description = ""
        self.source = None
        self.suite = None
        self.component = "main"
        self.metapackage = None
        self.truth = None
        self.scenarios = []
        self.facts = {}

    @classmethod
    def load(cls, name):
        path = os.path.join(KERNEL_DIR, name + ".kernel")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name) or not os.path.exists(path):
            raise KernelError("no kernel %r (%s); known: %s" % (name, path, ", ".join(kernel_names())))
        spec = cls(name, path)
        with open(path) as handle:
            for line_no, line in enumerate(handle, start=1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                key, _, value = line.partition(" ")
                if key not in cls.KEYS:
                    raise KernelError("%s line %d: unknown key %r" % (path, line_no, key))
                value = value.strip()
                if key == "scenarios":
                    spec.scenarios += value.split()
                elif key == "fact":
                    fact, _, text = value.partition(" ")
                    spec.facts[fact] = text.strip()
                else:
                    setattr(spec, key, value)
        if spec.source not in ("installed", "apt"):
            raise KernelError("%s: source must be installed or apt" % path)
        if spec.truth not in ("crash", "guest"):
            raise KernelError("%s: truth must be crash or guest" % path)
        if not spec.metapackage or (spec.source == "apt" and not spec.suite):
            raise KernelError("%s: needs metapackage (and suite for source apt)" % path)
        return spec


def kernel_names():
    if not os.path.isdir(KERNEL_DIR):
        return []
    return sorted(name[:-len(".kernel")] for name in os.listdir(KERNEL_DIR) if name.endswith(".kernel"))


def selected_name(name=None):
    """The kernel named on the command line, else RIG_KERNEL, else Debian 12's."""
    return name or os.environ.get("RIG_KERNEL") or DEFAULT_KERNEL


class Kernel:
    """Paths of one kernel release; root is "" for the host's own files."""

    def __init__(self, spec, release, root="", version=None):
        self.spec = spec
        self.name = spec.name
        self.release = release
        self.root = root
        self.version = version
        self.vmlinuz = root + "/boot/vmlinuz-" + release
        self.vmlinux = root + "/usr/lib/debug/boot/vmlinux-" + release
        self.module_dir = root + "/lib/modules/" + release
        self.debug_module_dir = root + "/usr/lib/debug/lib/modules/" + release
        self.headers_dir = root + "/usr/src/linux-headers-" + release if root else \
            "/lib/modules/%s/build" % release

    def check(self):
        for path in (self.vmlinuz, self.module_dir):
            if not os.path.exists(path):
                raise KernelError("kernel %s: %s is missing" % (self.release, path))
        if not os.path.exists(self.vmlinux):
            log("warning: no debug vmlinux at %s" % self.vmlinux)

    def describe(self):
        return {"kernel": self.name, "release": self.release, "package_version": self.version,
                "root": self.root, "vmlinuz": self.vmlinuz, "vmlinux": self.vmlinux,
                "module_dir": self.module_dir, "module_debuginfo_dir": self.debug_module_dir,
                "headers_dir": self.headers_dir, "truth": self.spec.truth, "facts": self.spec.facts,
                "scenarios": self.spec.scenarios}


def image_dependency(depends, what):
    for dependency in depends.split(","):
        name = dependency.strip().split(" ")[0]
        if name.startswith("linux-image-"):
            return name[len("linux-image-"):]
    raise KernelError("no linux-image-* dependency in %s: %r" % (what, depends))


def resolve(name=None, fetch=True):
    """The Kernel of a kernel file, fetching an apt kernel into build/ if needed."""
    spec = KernelSpec.load(selected_name(name))
    if spec.source == "installed":
        forced = os.environ.get("RIG_KERNEL_RELEASE")
        if forced:
            return Kernel(spec, forced)
        try:
            depends = subprocess.run(["dpkg-query", "-W", "-f=${Depends}", spec.metapackage],
                                     check=True, capture_output=True, text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError) as err:
            raise KernelError("cannot query %s (run: make deps): %s" % (spec.metapackage, err))
        return Kernel(spec, image_dependency(depends, spec.metapackage))
    return AptKernel(spec).kernel(fetch)


# --------------------------------------------------------------------------
# Fetching a kernel with apt-get download through a private apt state
# --------------------------------------------------------------------------

def host_archive_uri():
    """The first Debian archive URI the host's apt sources name (not -security/-updates)."""
    for path in HOST_SOURCES:
        try:
            with open(path) as handle:
                text = handle.read()
        except OSError:
            continue
        if path.endswith(".sources"):
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.M))
                suites = fields.get("Suites", "").split()
                if "deb" in fields.get("Types", "").split() and \
                        any(not s.endswith(("-security", "-updates")) for s in suites):
                    return fields["URIs"].split()[0]
        else:
            for line in text.splitlines():
                words = re.sub(r"\[[^]]*\]", "", line).split()
                if len(words) >= 3 and words[0] == "deb" and \
                        not words[2].endswith(("-security", "-updates")):
                    return words[1]
    raise KernelError("no Debian archive URI in %s" % " or ".join(HOST_SOURCES))


class AptState:
    """A private apt state under @state (lists, cache, status, sources list):
    apt-get and apt-cache of another suite without touching the host's apt.
    Also tools/libjq.py's (deb-src of unstable)."""

    def __init__(self, state):
        self.state = state

    def options(self):
        state = self.state
        return ["-o", "Dir::State::Lists=" + os.path.join(state, "lists"),
                "-o", "Dir::State::status=" + os.path.join(state, "status"),
                "-o", "Dir::Cache=" + os.path.join(state, "cache"),
                "-o", "Dir::Etc::sourcelist=" + os.path.join(state, "sources.list"),
                "-o", "Dir::Etc::sourceparts=" + os.path.join(state, "sources.list.d"),
                "-o", "Debug::NoLocking=1"]

    def apt(self, tool, *args, cwd=None):
        command = [tool] + self.options() + list(args)
        try:
            result = subprocess.run(command, capture_output=True, text=True, cwd=cwd,
                                    timeout=APT_TIMEOUT, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.SubprocessError) as err:
            raise KernelError("%s: %s" % (" ".join(command), err))
        if result.returncode != 0:
            raise KernelError("%s failed:\n%s" % (" ".join(command), result.stderr.strip()[-2000:]))
        return result.stdout

    def update_from(self, kind, suite, component):
        """Write the sources list (KIND: deb or deb-src; the host's archive
        URI, Debian's archive keyring) and run apt-get update."""
        for directory in ("lists/partial", "cache/archives/partial", "sources.list.d"):
            os.makedirs(os.path.join(self.state, directory), exist_ok=True)
        open(os.path.join(self.state, "status"), "a").close()
        with open(os.path.join(self.state, "sources.list"), "w") as handle:
            handle.write("%s [signed-by=%s] %s %s %s\n" % (
                kind, ARCHIVE_KEYRING, host_archive_uri(), suite, component))
        log("apt-get update (%s %s %s)" % (kind, suite, component))
        self.apt("apt-get", "update")


class AptKernel(AptState):
    def __init__(self, spec):
        super().__init__(os.path.join(FETCH_DIR, "apt", spec.suite))
        self.spec = spec
        self.debs = os.path.join(FETCH_DIR, "debs")

    def update(self):
        self.update_from("deb", self.spec.suite, self.spec.component)

    def has_lists(self):
        lists = os.path.join(self.state, "lists")
        return os.path.isdir(lists) and any("_Packages" in name for name in os.listdir(lists))

    def show(self, package):
        """Fields of the candidate version of a package."""
        text = self.apt("apt-cache", "show", "--no-all-versions", package)
        return dict(re.findall(r"^([A-Za-z-]+): (.*)$", text, re.M))

    def packages(self, release):
        """The packages of a release: image, -dbg, headers, headers -common, kbuild,
        and the suite's C library (the kbuild tools may need a newer one than the host's)."""
        headers = "linux-headers-" + release
        names = ["linux-image-%s-unsigned" % release, "linux-image-%s-dbg" % release, headers]
        for dependency in self.show(headers).get("Depends", "").split(","):
            name = dependency.strip().split(" ")[0]
            if re.fullmatch(r"linux-headers-.*-common|linux-kbuild-.*", name):
                names.append(name)
        if len(names) != 5:
            raise KernelError("%s: expected -common and linux-kbuild dependencies, got %s" % (headers, names))
        return names + ["libc6"]

    def kernel(self, fetch=True, update=False):
        if update or not self.has_lists():
            if not fetch:
                raise KernelError("kernel %s is not fetched (run: dumps/kernels.py fetch %s)"
                                  % (self.spec.name, self.spec.name))
            self.update()
        meta = self.show(self.spec.metapackage)
        release = image_dependency(meta.get("Depends", ""), self.spec.metapackage)
        version = meta.get("Version", "")
        top = os.path.join(FETCH_DIR, self.spec.name, "%s_%s" % (release, version))
        root = os.path.join(top, "root")
        kernel = Kernel(self.spec, release, root, version)
        if not os.path.exists(os.path.join(top, "fetch.json")):
            if not fetch:
                raise KernelError("kernel %s %s is not fetched" % (self.spec.name, release))
            self.fetch(kernel, top)
        return kernel

    def fetch(self, kernel, top):
        names = self.packages(kernel.release)
        os.makedirs(self.debs, exist_ok=True)
        started = time.monotonic()
        wanted = {}
        for name in names:
            version = self.show(name)["Version"]
            wanted[name] = version
        missing = [name for name, version in wanted.items() if not self.deb_path(name, version)]
        if missing:
            log("apt-get download %s" % " ".join(missing))
            self.apt("apt-get", "download", *["%s=%s" % (name, wanted[name]) for name in missing],
                     cwd=self.debs)
        downloaded = time.monotonic()
        root = kernel.root
        partial = top + ".partial"
        subprocess.run(["rm", "-rf", partial], check=True)
        os.makedirs(partial)
        for name, version in wanted.items():
            subprocess.run(["dpkg-deb", "-x", self.deb_path(name, version), os.path.join(partial, "root")],
                           check=True, timeout=APT_TIMEOUT)
        fix_tree(os.path.join(partial, "root"), kernel.release)
        os.rename(os.path.join(partial, "root", "usr/lib/x86_64-linux-gnu"),
                  os.path.join(partial, "root", SUITE_LIBC_DIR))
        unpacked = time.monotonic()
        subprocess.run(["rm", "-rf", top], check=True)
        os.replace(partial, top)
        fix_headers(root, kernel.release)    # absolute paths: after the move
        wrap_kbuild_tools(root)
        info = {"schema": FETCH_SCHEMA, "kernel": kernel.name, "release": kernel.release,
                "packages": wanted, "archive": host_archive_uri(), "suite": self.spec.suite,
                "download_seconds": round(downloaded - started, 1) if missing else 0,
                "unpack_seconds": round(unpacked - downloaded, 1),
                "deb_bytes": sum(os.path.getsize(self.deb_path(n, v)) for n, v in wanted.items()),
                "root_bytes": tree_bytes(root),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        with open(os.path.join(top, "fetch.json"), "w") as handle:
            json.dump(info, handle, indent=2, sort_keys=True)
            handle.write("\n")
        log("fetched %s in %.0f s download + %.0f s unpack (%d MB of .deb, %d MB unpacked)" % (
            kernel.release, info["download_seconds"], info["unpack_seconds"],
            info["deb_bytes"] >> 20, info["root_bytes"] >> 20))

    def deb_path(self, name, version):
        """The downloaded .deb of a package version (apt escapes ':' and '+' in file names)."""
        quoted = version.replace(":", "%3a")
        for candidate in (quoted, quoted.replace("+", "%2b")):
            for arch in ("amd64", "all"):
                path = os.path.join(self.debs, "%s_%s_%s.deb" % (name, candidate, arch))
                if os.path.exists(path):
                    return path
        return None


def tree_bytes(root):
    total = 0
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total


def fix_tree(root, release):
    """Module tree where depmod and modprobe look (merged /usr), with its indexes."""
    usr_modules = os.path.join(root, "usr/lib/modules", release)
    modules = os.path.join(root, "lib/modules", release)
    if os.path.isdir(usr_modules) and not os.path.exists(modules):
        os.makedirs(os.path.dirname(modules), exist_ok=True)
        os.symlink(os.path.relpath(usr_modules, os.path.dirname(modules)), modules)
    usr_boot = os.path.join(root, "usr/boot")
    if not os.path.isdir(os.path.join(root, "boot")) and os.path.isdir(usr_boot):
        os.symlink("usr/boot", os.path.join(root, "boot"))
    subprocess.run(["depmod", "-b", root, release], check=True, timeout=300)


# The suite's C library, unpacked aside (not where anything looks for libraries).
SUITE_LIBC_DIR = "usr/lib/suite-libc"
def wrap_kbuild_tools(root):
    """Run the kbuild tools the host's C library cannot run with the suite's own.

    Debian 13's objtool and modpost binaries need glibc 2.38 (Debian 12 has
    2.36); fixdep and Debian's small dispatchers (objtool, modpost, which exec
    TOOL.real-ARCH) run as they are. A wrapped tool becomes a script that starts
    the real binary (TOOL.suite) through the suite's dynamic loader, with the
    suite's libc first and the host's libraries (libelf, zlib) after it.
    """
    libc = os.path.join(root, SUITE_LIBC_DIR)
    for kbuild in sorted(glob.glob(os.path.join(root, "usr/lib/linux-kbuild-*"))):
        for directory, _, files in os.walk(kbuild):
            for name in sorted(files):
                path = os.path.join(directory, name)
                if name.endswith(".suite") or os.path.islink(path) or not os.access(path, os.X_OK) \
                        or not is_elf(path) \
                        or runs_on_host(path):
                    continue
                os.rename(path, path + ".suite")
                with open(path, "w") as handle:
                    handle.write("#!/bin/sh\n# raidvirt rig (dumps/kernels.py): the host's libc is too old "
                                 "for %s\nexec %s/ld-linux-x86-64.so.2 --library-path %s:/lib/x86_64-linux-gnu "
                                 "%s.suite \"$@\"\n" % (name, libc, libc, path))
                os.chmod(path, 0o755)


def is_elf(path):
    with open(path, "rb") as handle:
        return handle.read(4) == b"\x7fELF"


def runs_on_host(path):
    """False when the dynamic loader refuses the binary (e.g. GLIBC_2.38 not found)."""
    try:
        result = subprocess.run([path, "--help"], capture_output=True, text=True, timeout=10,
                                stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return True
    return "version `GLIBC_" not in result.stderr


def fix_headers(root, release):
    """Make the unpacked headers build out-of-tree modules on the host.

    - the headers' Makefile includes the -common tree by its absolute
      /usr/src path: point it at the unpacked copy;
    - their scripts/tools symlinks into linux-kbuild are absolute too;
    - the headers name the compiler Debian built the kernel with
      (x86_64-linux-gnu-gcc-14): use the host's gcc when that one is missing;
    - the host's gcc may not know -fmin-function-alignment (gcc 14 does, gcc 12
      not): drop CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT from auto.conf so
      kbuild falls back on -falign-functions;
    - without a pahole as new as the kernel's (CONFIG_PAHOLE_VERSION), modules
      get no BTF: drop CONFIG_DEBUG_INFO_BTF_MODULES (their DWARF is kept).
    """
    headers = os.path.join(root, "usr/src/linux-headers-" + release)
    makefile = os.path.join(headers, "Makefile")
    with open(makefile) as handle:
        text = handle.read()
    text = re.sub(r"(?<![\w/])/usr/src/", root + "/usr/src/", text)
    with open(makefile, "w") as handle:
        handle.write(text)
    for directory, dirs, files in os.walk(os.path.join(root, "usr/src")):
        for name in dirs + files:
            path = os.path.join(directory, name)
            if os.path.islink(path) and os.readlink(path).startswith("/"):
                target = root + os.readlink(path)
                os.unlink(path)
                os.symlink(os.path.relpath(target, directory), path)
    build = os.path.join(root, "lib/modules", release, "build")
    if os.path.islink(build) and os.readlink(build).startswith("/"):
        target = root + os.readlink(build)
        os.unlink(build)
        os.symlink(target, build)
    variables = os.path.join(headers, ".kernelvariables")
    with open(variables) as handle:
        text = handle.read()
    compiler = re.search(r"^CC = .*?(\S*gcc\S*)\s*$", text, re.M)
    if compiler and not shutil.which(compiler.group(1).replace("$(CROSS_COMPILE)", "x86_64-linux-gnu-")):
        with open(variables, "w") as handle:
            handle.write(re.sub(r"^CC = .*$", "CC = gcc", text, flags=re.M))
    auto_conf = os.path.join(headers, "include/config/auto.conf")
    with open(auto_conf) as handle:
        lines = handle.readlines()
    drop = []
    if subprocess.run(["gcc", "-fmin-function-alignment=16", "-x", "c", "-c", "-o", "/dev/null",
                       "/dev/null"], capture_output=True).returncode != 0:
        drop.append("CONFIG_CC_HAS_MIN_FUNCTION_ALIGNMENT=")
    wanted = next((int(line.split("=")[1]) for line in lines if line.startswith("CONFIG_PAHOLE_VERSION=")), 0)
    if wanted and pahole_version() < wanted:
        drop.append("CONFIG_DEBUG_INFO_BTF_MODULES=")
    with open(auto_conf, "w") as handle:
        handle.writelines(line for line in lines if not line.startswith(tuple(drop) or ("\0",)))


def pahole_version():
    """The host's pahole as kbuild counts it (1.24 -> 124); 0 when there is none."""
    try:
        text = subprocess.run(["pahole", "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return 0
    match = re.search(r"v?(\d+)\.(\d+)", text)
    return int(match.group(1)) * 100 + int(match.group(2)) if match else 0


def main(argv):
    if not argv or argv[0] not in ("list", "resolve", "fetch", "release"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        if argv[0] == "list":
            for name in kernel_names():
                spec = KernelSpec.load(name)
                print("%-16s %-9s %-5s %s" % (name, spec.source, spec.truth, spec.description))
            return 0
        name = argv[1] if len(argv) > 1 and not argv[1].startswith("-") else None
        if argv[0] == "fetch":
            spec = KernelSpec.load(selected_name(name))
            kernel = AptKernel(spec).kernel(update="--update" in argv) if spec.source == "apt" \
                else resolve(spec.name)
        else:
            kernel = resolve(name)
        if argv[0] == "release":
            print(kernel.release)
            return 0
        print(json.dumps(kernel.describe(), indent=2, sort_keys=True))
        return 0
    except KernelError as err:
        log("error: %s" % err)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

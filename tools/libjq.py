#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Build the libjq raidvirt links: the newest jq source Debian's archive has
(suite unstable), as a static, position-independent library under
build/deps/jq (a link to build/deps/jq-VERSION). `make deps` runs it; the
Makefile links build/deps/jq when it is there and the system's -ljq when not
(a Debian package build, say).

    tools/libjq.py [--update]     # --update: look for a newer jq even if one is built

Why not Debian 12's libjq 1.6: its compiler walks the whole program once per
builtin, about 800 times per instruction, so each rule's condition costs
~2 ms to compile on every run (docs/performance.md, "Rule engine"); jq 1.8
drops the unused builtins in the bind itself and skips what is already
bound, and the rule engine is three times faster. Debian 13's 1.7.1 cannot be built from here with its security
fixes (this archive has its upstream tarball, not its Debian changes);
unstable carries the newest upstream release, whose Debian changes are
packaging only, so its upstream tarball is what Debian builds.

How: a private apt state (build/deps/apt: its own sources list, deb-src,
naming the archive URI the host's apt sources use, Debian's archive
keyring), `apt-get update`, the candidate version and the tarball's SHA-256
from the signed Sources index, the tarball from the archive checked against
it, then jq's own configure and make (oniguruma from the system, no docs,
no shared library). Python standard library only.
"""

import hashlib
import os
import re
import shutil
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dumps"))
from kernels import AptState, KernelError, host_archive_uri  # noqa: E402  (one private apt state)
from rig import sha256_file  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEPS = os.path.join(ROOT, "build", "deps")
APT = AptState(os.path.join(DEPS, "apt"))
LINK = os.path.join(DEPS, "jq")
SUITE = "unstable"
TIMEOUT = 900                   # one download or build step
TARBALL_MAX = 64 << 20          # jq's tarball is ~2 MB


class Failure(Exception):
    pass


def log(message):
    print("libjq: " + message, file=sys.stderr, flush=True)


def candidate():
    """(version, directory, tarball name, sha256, size) of the newest jq source."""
    text = APT.apt("apt-cache", "showsrc", "--only-source", "jq")
    best = None
    for stanza in re.split(r"\n(?=Package: )", text):
        version = re.search(r"^Version: (\S+)$", stanza, re.M)
        directory = re.search(r"^Directory: (\S+)$", stanza, re.M)
        sums = re.search(r"^Checksums-Sha256:\n((?: .*\n?)+)", stanza, re.M)
        if not (version and directory and sums):
            continue
        for line in sums.group(1).splitlines():
            digest, size, name = line.split()
            if re.fullmatch(r"jq_[^_]+\.orig\.tar\.gz", name):
                entry = (version.group(1), directory.group(1), name, digest, int(size))
                if best is None or newer(entry[0], best[0]):
                    best = entry
    if best is None:
        raise Failure("no jq source with an upstream tarball in %s" % SUITE)
    return best


def newer(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b]).returncode == 0


def download(url, path, digest, size):
    if os.path.exists(path) and sha256_file(path) == digest:
        return
    log("downloading %s" % url)
    partial = path + ".partial"
    got = hashlib.sha256()
    total = 0
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as response, open(partial, "wb") as out:
            while True:
                block = response.read(1 << 16)
                if not block:
                    break
                total += len(block)
                if total > min(size, TARBALL_MAX):
                    raise Failure("%s: larger than the %d bytes the index gives" % (url, size))
                got.update(block)
                out.write(block)
        if total != size or got.hexdigest() != digest:
            raise Failure("%s: %d bytes, sha256 %s; the signed index says %d bytes, sha256 %s"
                          % (url, total, got.hexdigest(), size, digest))
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


def run(command, cwd, logfile):
    with open(logfile, "a") as out:
        out.write("$ %s\n" % " ".join(command))
        out.flush()
        result = subprocess.run(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, timeout=TIMEOUT)
    if result.returncode != 0:
        raise Failure("%s failed in %s (log: %s)" % (" ".join(command), cwd, logfile))


def build(version, tarball, prefix):
    upstream = re.sub(r"-[^-]*$", "", version.split(":")[-1])
    work = prefix + ".build"
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(prefix, ignore_errors=True)
    os.makedirs(work)
    run(["tar", "-xzf", tarball, "--no-same-owner", "-C", work], DEPS, os.devnull)
    tops = os.listdir(work)
    if len(tops) != 1:
        raise Failure("%s: expected one top directory, got %s" % (tarball, tops))
    src = os.path.join(work, tops[0])
    logfile = os.path.join(DEPS, "jq-%s.log" % version)
    open(logfile, "w").close()
    log("building jq %s (log: %s)" % (upstream, logfile))
    run(["./configure", "--prefix=" + prefix, "--disable-shared", "--enable-static", "--with-pic",
         "--with-oniguruma=yes", "--disable-docs", "--disable-maintainer-mode",
         "--disable-valgrind", "CFLAGS=-O2 -g"], src, logfile)
    run(["make", "-j%d" % max(1, os.cpu_count() or 1)], src, logfile)
    run(["make", "install"], src, logfile)
    if not os.path.exists(os.path.join(prefix, "lib", "libjq.a")):
        raise Failure("no %s/lib/libjq.a after make install" % prefix)
    shutil.rmtree(work, ignore_errors=True)


def main():
    refresh = "--update" in sys.argv[1:]
    if os.path.exists(os.path.join(LINK, "lib", "libjq.a")) and not refresh:
        return 0
    try:
        APT.update_from("deb-src", SUITE, "main")
        version, directory, name, digest, size = candidate()
        prefix = os.path.join(DEPS, "jq-" + version)
        if not os.path.exists(os.path.join(prefix, "lib", "libjq.a")):
            tarball = os.path.join(DEPS, name)
            download("%s/%s/%s" % (host_archive_uri().rstrip("/"), directory, name),
                     tarball, digest, size)
            build(version, tarball, prefix)
        tmp = LINK + ".new"
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(os.path.basename(prefix), tmp)
        os.replace(tmp, LINK)
        log("build/deps/jq is jq %s (Debian %s)" % (version, SUITE))
        return 0
    except (Failure, KernelError, OSError, urllib.error.URLError,
            subprocess.SubprocessError) as err:
        log(str(err))
        return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of tests/cli/report_html.sh (Debian's python3 and python3-pil):
#   report_check.py png FILE      "WIDTH HEIGHT NONWHITE MANAGED AVAILABLE RED":
#                                 pixel counts of the screenshot: not white, and
#                                 of the colours of the managed-reserved and
#                                 available bar parts and of the 0-available
#                                 marker (report_html.c's CSS)
#   report_check.py netlog FILE   every URL the page (a file:// page) asked
#                                 the network for, one a line: requests whose
#                                 network isolation key is the page's file://
#                                 site, other than file: and data: URLs.
#                                 Chromium's own background requests (updates,
#                                 accounts) have other keys and are not the
#                                 page's.
import json
import sys

# report_html.c: .m{fill:#f28e2b} .v{fill:#8cd17d} .x{fill:#d62728}
MANAGED = (0xF2, 0x8E, 0x2B)
AVAILABLE = (0x8C, 0xD1, 0x7D)
RED = (0xD6, 0x27, 0x28)


def near(p, c):
    return all(abs(a - b) <= 6 for a, b in zip(p, c))


def png(path):
    from PIL import Image

    im = Image.open(path).convert("RGB")
    w, h = im.size
    nonwhite = managed = available = red = 0
    for p in im.getdata():
        if p != (255, 255, 255):
            nonwhite += 1
            if near(p, MANAGED):
                managed += 1
            elif near(p, AVAILABLE):
                available += 1
            elif near(p, RED):
                red += 1
    print(w, h, nonwhite, managed, available, red)


def netlog(path):
    with open(path) as f:
        d = json.load(f)
    types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
    urls = set()
    for e in d.get("events", []):
        if types.get(e.get("type")) != "URL_REQUEST_START_JOB":
            continue
        p = e.get("params") or {}
        url = p.get("url", "")
        if "file://" not in p.get("network_isolation_key", ""):
            continue
        if url.startswith(("file:", "data:")):
            continue
        urls.add(url)
    for u in sorted(urls):
        print(u)


if __name__ == "__main__":
    {"png": png, "netlog": netlog}[sys.argv[1]](sys.argv[2])

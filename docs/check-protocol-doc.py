#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the hand-written protocol reference in docs/design.md against the
library (meson test docs_protocol): every structure name and every field the
protocol's build and parse functions use is documented in a table of
design.md, and no table documents a field the code does not have.

    check-protocol-doc.py SOURCE_ROOT
"""

import os
import re
import sys


def code_names(source_root):
    base = os.path.join(source_root, "gst-libs", "gst", "imgcompress", "gstimgcompressprotocol")
    with open(base + ".c", encoding="utf-8") as f:
        src = f.read()
    with open(base + ".h", encoding="utf-8") as f:
        header = f.read()
    structures = set(re.findall(r'#define GST_IMGCOMPRESS_\w+_NAME "([a-z-]+)"', header))
    fields = set(re.findall(r'"([a-z][a-z0-9-]*)",\s*G_TYPE_', src))
    fields |= set(re.findall(r'gst_structure_\w+\s*\(\s*\w+,\s*"([a-z][a-z0-9-]*)"', src))
    fields |= set(re.findall(r'_field\s*\(\s*\w+,\s*"([a-z][a-z0-9-]*)"', src))
    return structures, fields


def doc_names(design_md):
    with open(design_md, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## The protocol", 1)[-1].split("\n## ", 1)[0]
    structures = set(re.findall(r"^### The `([a-z-]+)`", section, re.M))
    fields = set()
    for row in re.findall(r"^\| (`[^|]+) \|", section, re.M):
        fields |= set(re.findall(r"`([a-z][a-z0-9-]*)`", row))
    return structures, fields


def main(argv):
    root = argv[1]
    design = os.path.join(root, "docs", "design.md")
    cs, cf = code_names(root)
    ds, df = doc_names(design)
    problems = []
    problems += ["%s: not documented in %s" % (n, design) for n in sorted(cs - ds)]
    problems += ["field %s: not documented in %s" % (n, design) for n in sorted(cf - df)]
    problems += ["%s: documented, but the protocol has no such structure" % n for n in sorted(ds - cs)]
    problems += ["field %s: documented, but the protocol code does not use it" % n
                 for n in sorted(df - cf)]
    for p in problems:
        print(p)
    if not cs or not cf:
        problems.append("found nothing in the protocol's sources")
    print("%d structures, %d fields checked" % (len(cs), len(cf)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs docs/examples/read-metrics on a real photo (meson test
docs_read_metrics) and checks what it printed against the files on disk:
one metrics line per variant and format (6 with the defaults), each naming a
file that exists with the reported size, fitted into the variant's box.

    check-read-metrics.py READ_METRICS FETCH_CORPUS_SCRIPT
"""

import os
import re
import subprocess
import sys
import tempfile

BOXES = {"thumbnail": 150, "preview": 500, "full": 2048}
PHOTO = "FreshFlower.jpg"  # 1600x1203: full keeps its size
LINE = re.compile(r"^(\S+) (\S+) (jpeg|webp) (\d+)x(\d+) q(-?\d+) (\d+) bytes "
                  r"\(([\d.]+) % of (\d+)\) encode [\d.]+ ms, done after [\d.]+ ms: (.+)$")


def excerpt_problems(design_md, source):
    """The C excerpt in docs/design.md must be the example's own code."""
    with open(design_md, encoding="utf-8") as f:
        text = f.read()
    with open(source, encoding="utf-8") as f:
        code = [l.strip() for l in f]
    block = re.search(r"```c\n(.*?)```", text, re.S)
    if not block:
        return ["no C excerpt in %s" % design_md]
    return ["%s: excerpt line not in %s: %r" % (design_md, source, l.strip())
            for l in block.group(1).splitlines()
            if l.strip() and l.strip() != "..." and l.strip() not in code]


def main(argv):
    example, fetch = argv[1], argv[2]
    docs = os.path.dirname(os.path.abspath(__file__))
    excerpt = excerpt_problems(os.path.join(docs, "design.md"),
                               os.path.join(docs, "examples", "read-metrics.c"))
    r = subprocess.run([fetch], capture_output=True, text=True)
    if r.returncode != 0:
        for p in excerpt:
            print("FAIL:", p)
        print("SKIPPING the run: the photo corpus is not available")
        return 1 if excerpt else 77
    photo = os.path.join(r.stdout.strip(), PHOTO)
    problems = list(excerpt)
    with tempfile.TemporaryDirectory() as out:
        r = subprocess.run([example, photo, out], capture_output=True, text=True,
                           timeout=100)
        sys.stdout.write(r.stdout + r.stderr)
        if r.returncode != 0:
            problems.append("exit status %d" % r.returncode)
        seen = set()
        for line in r.stdout.splitlines():
            m = LINE.match(line)
            if not m:
                continue
            image, variant, fmt = m.group(1), m.group(2), m.group(3)
            w, h, nbytes, insize = int(m.group(4)), int(m.group(5)), int(m.group(7)), int(m.group(9))
            location = m.group(10)
            seen.add((variant, fmt))
            if image != "FreshFlower":
                problems.append("%s: image name %r" % (line, image))
            if not os.path.isfile(location):
                problems.append("%s: no such file" % location)
            elif os.path.getsize(location) != nbytes:
                problems.append("%s: %d bytes on disk, %d reported"
                                % (location, os.path.getsize(location), nbytes))
            if insize != os.path.getsize(photo):
                problems.append("%s: input-bytes %d, the photo has %d"
                                % (line, insize, os.path.getsize(photo)))
            box = BOXES.get(variant)
            if box is None or max(w, h) != min(box, 1600):
                problems.append("%s: %dx%d does not fit the %s box" % (line, w, h, variant))
        expected = {(v, f) for v in BOXES for f in ("jpeg", "webp")}
        if seen != expected:
            problems.append("metrics for %s, expected %s" % (sorted(seen), sorted(expected)))
    for p in problems:
        print("FAIL:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

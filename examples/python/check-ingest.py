#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""meson test examples_python_ingest: runs ingest.py on three uploads of
mixed formats (a corpus photo as JPEG, PNG and WebP, made here with Pillow;
a generated picture when the corpus is missing) and checks what it prints:
every upload done with six outputs, each output a buffer of the right
upload, and the exit status 0.

    check-ingest.py INGEST_PY
"""

import glob
import os
import re
import subprocess
import sys
import tempfile

from PIL import Image


def source_picture():
    corpus = os.environ.get("IMGCOMPRESS_CORPUS_DIR", "")
    photos = sorted(glob.glob(os.path.join(corpus, "*.jpg"))) if corpus else []
    if photos:
        im = Image.open(photos[0]).convert("RGB")
        im.thumbnail((1600, 1600))
        return im
    print("check-ingest: no corpus photo, using a generated picture",
          file=sys.stderr)
    im = Image.linear_gradient("L").resize((800, 600)).convert("RGB")
    return im


def main(argv):
    ingest = argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        im = source_picture()
        paths = [os.path.join(tmp, n) for n in ("photo.jpg", "drawing.png",
                                                 "browser.webp")]
        im.save(paths[0], quality=90)
        im.resize((im.width // 2, im.height // 2)).save(paths[1])
        im.save(paths[2], quality=80)
        proc = subprocess.run([sys.executable, ingest] + paths,
                              capture_output=True, text=True, timeout=120)
    print(proc.stdout)
    print(proc.stderr, file=sys.stderr)
    problems = []
    if proc.returncode != 0:
        problems.append("exit status %d" % proc.returncode)
    done = re.findall(r"^done +(upload-\d) +(\w+): (\w+) .* (\d+) outputs$",
                      proc.stdout, re.M)
    want = [("upload-0", "photo", "jpeg"), ("upload-1", "drawing", "png"),
            ("upload-2", "browser", "webp")]
    if sorted(d[:3] for d in done) != want:
        problems.append("done lines %s, expected %s" % (done, want))
    if any(d[3] != "6" for d in done):
        problems.append("an upload did not give 6 outputs: %s" % done)
    buffers = re.findall(r"^buffer +(upload-\d) +(\w+) +(\w+) +\d+x\d+ +q\d+ +"
                         r"(\d+) bytes$", proc.stdout, re.M)
    if len(buffers) != 18 or len(set(b[:3] for b in buffers)) != 18:
        problems.append("%d distinct buffers, expected 18" %
                        len(set(b[:3] for b in buffers)))
    if any(int(b[3]) == 0 for b in buffers):
        problems.append("an empty buffer")
    for p in problems:
        print("check-ingest: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

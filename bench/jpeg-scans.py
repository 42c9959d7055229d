#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""Progressive JPEG scan scripts: bytes and encode time on real photos.

    bench/jpeg-scans.py [--repeat 3] [--cpu 1]

Builds bench/jpeg-scans.c against the system's libjpeg and encodes the same
RGB pixels with four scripts: baseline (optimised Huffman tables), libjpeg's
standard progressive script, the six-scan script with a successive
approximation of luma that turbojpegenc used until December 2026, and
turbojpegenc's spectral-selection script.  The image sets, resized with
Pillow's Lanczos:

  - the corpus photos fitted into 2048 px (the full variant), q90 and q75;
  - the first 30 images of the phone workload (1280x960), q90 and q80;
  - the same fitted into 500 px (preview), q85, and 150 px (thumbnail), q80.

For each set and script it prints the bytes against baseline and the CPU
time per image over baseline's (the fastest of REPEAT passes, pinned to
one CPU), as a Markdown table (docs/tuning.md).
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from harness import workload  # noqa: E402

SCRIPTS = ("baseline", "standard", "luma-sa", "spectral")


def build(tmp):
    exe = os.path.join(tmp, "jpeg-scans")
    subprocess.check_call(["cc", "-O2", "-I", os.path.join(ROOT, "ext",
                                                          "turbojpeg"),
                           "-o", exe, os.path.join(HERE, "jpeg-scans.c"),
                           "-ljpeg"])
    return exe


def fitted(paths, box, directory):
    os.makedirs(directory, exist_ok=True)
    out = []
    for i, path in enumerate(paths):
        ppm = os.path.join(directory, "%03d.ppm" % i)
        with Image.open(path) as im:
            im = im.convert("RGB")
            im.thumbnail((box, box), Image.LANCZOS)
            im.save(ppm)
        out.append(ppm)
    return out


def corpus_dir():
    return subprocess.run([os.path.join(ROOT, "tests", "files",
                                        "fetch-corpus.sh")],
                          capture_output=True, text=True,
                          check=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cpu", type=int, default=1)
    args = ap.parse_args()

    corpus = corpus_dir()
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME",
                                        os.path.expanduser("~/.cache")),
                         "gst-imgcompress")
    _, phone, _ = workload.load_image_set(
        workload.image_set("phone"), corpus, workload.load_corpus(corpus),
        cache, lambda m: print(m, file=sys.stderr))
    phone = sorted(image.path for image in phone)[:30]
    photos = sorted(glob.glob(os.path.join(corpus, "*.jpg")))

    with tempfile.TemporaryDirectory(prefix="jpeg-scans-") as tmp:
        exe = build(tmp)
        large = fitted(photos, 2048, os.path.join(tmp, "large"))
        phone_ppm = fitted(phone, 1280, os.path.join(tmp, "phone"))
        preview = fitted(phone, 500, os.path.join(tmp, "preview"))
        thumb = fitted(phone, 150, os.path.join(tmp, "thumb"))
        sets = [
            ("%d corpus photos, 2048 px, q90" % len(large), large, 90),
            ("the same, q75", large, 75),
            ("30 phone photos, 1280x960, q90", phone_ppm, 90),
            ("the same, q80", phone_ppm, 80),
            ("the same at 500 px, q85", preview, 85),
            ("the same at 150 px, q80", thumb, 80),
        ]
        print("| images | " + " | ".join(SCRIPTS[1:]) + " |")
        print("|---" * len(SCRIPTS) + "|")
        for label, files, quality in sets:
            figures = {}
            for script in SCRIPTS:
                out = subprocess.check_output(
                    ["taskset", "-c", str(args.cpu), exe, script,
                     str(quality), str(args.repeat)] + files, text=True)
                size, ms = out.split()
                figures[script] = (int(size), float(ms))
            base_bytes, base_ms = figures["baseline"]
            cells = ["%+.2f %%, %.1fx" % ((b / base_bytes - 1) * 100,
                                          ms / base_ms)
                     for b, ms in (figures[s] for s in SCRIPTS[1:])]
            print("| %s | %s |" % (label, " | ".join(cells)))


if __name__ == "__main__":
    main()

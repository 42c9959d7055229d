#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the example launch line of every element's SECTION comment (meson
test docs_launch_lines), as the element pages show it, in a scratch
directory holding photo.jpg (a real photo when the corpus is available) and
photo.webp, photo.png, photo.heic (heif-enc), old.bmp, scan.tif, anim.gif and
p3.jpg (with an Adobe RGB profile) made from it; autovideosink becomes fakesink.  Each line must
exit 0 within a minute.

    check-launch-lines.py SOURCE_ROOT FETCH_CORPUS_SCRIPT
"""

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("gen_element_pages",
                                               os.path.join(HERE, "gen-element-pages.py"))
pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pages)


def make_photos(work, fetch):
    jpg = os.path.join(work, "photo.jpg")
    r = subprocess.run([fetch], capture_output=True, text=True)
    if r.returncode == 0:
        shutil.copy(os.path.join(r.stdout.strip(), "FreshFlower.jpg"), jpg)
    else:
        print("no corpus: using a synthetic photo")
        from PIL import Image
        img = Image.new("RGB", (1600, 1200))
        img.putdata([(x % 256, y % 256, (x * y) % 256) for y in range(1200) for x in range(1600)])
        img.save(jpg, "JPEG", quality=90)
    from PIL import Image
    Image.open(jpg).save(os.path.join(work, "photo.webp"), "WEBP", quality=80)
    Image.open(jpg).save(os.path.join(work, "photo.png"), "PNG")
    small = Image.open(jpg).convert("RGB")
    small.thumbnail((640, 640))
    small.save(os.path.join(work, "old.bmp"), "BMP")
    small.save(os.path.join(work, "scan.tif"), "TIFF", compression="tiff_lzw")
    small.save(os.path.join(work, "anim.gif"), "GIF", save_all=True,
               append_images=[small.rotate(180)])
    # a wide-gamut profile, as phones' Display P3 ones (Debian libgs-common)
    with open("/usr/share/color/icc/ghostscript/a98.icc", "rb") as f:
        small.save(os.path.join(work, "p3.jpg"), "JPEG", quality=90,
                   icc_profile=f.read())
    small.save(os.path.join(work, "heif-src.png"), "PNG")
    subprocess.run(["heif-enc", "-q", "60", "-o", os.path.join(work, "photo.heic"),
                    os.path.join(work, "heif-src.png")], check=True,
                   capture_output=True)


def main(argv):
    root, fetch = argv[1], argv[2]
    sections = pages.find_sections(root)
    failed = []
    with tempfile.TemporaryDirectory() as work:
        make_photos(work, fetch)
        for name in sorted(sections):
            rel, lines = sections[name]
            doc = pages.parse_section(lines, "")
            if not doc["launch"]:
                failed.append("%s (%s): no example launch line" % (name, rel))
                continue
            cmd = doc["launch"].replace("autovideosink", "fakesink")
            if not cmd.startswith("gst-launch-1.0 "):
                failed.append("%s: the example is not a gst-launch-1.0 line" % name)
                continue
            # gst-launch-1.0's own argument splitting, through the shell as
            # a user would paste it
            try:
                r = subprocess.run(["/bin/sh", "-c", cmd], cwd=work, capture_output=True,
                                   text=True, timeout=60)
                ok = r.returncode == 0
                out = (r.stdout + r.stderr)[-1500:]
            except subprocess.TimeoutExpired:
                ok, out = False, "timed out after 60 s"
            print("%s %s: %s" % ("ok  " if ok else "FAIL", name, cmd))
            if not ok:
                print(out)
                failed.append(name)
    if failed:
        print("\nfailed: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs every launch line of the documentation (meson test
docs_launch_lines): the example of every element's SECTION comment, as the
element pages show it, and every gst-launch-1.0 line in the shell blocks of
docs/*.md and README.md.  Each runs through /bin/sh, as pasted, in a scratch
directory of its own holding photo.jpg (a real photo when the corpus is
available), photo.webp, photo.png, photo.gif, photo.tif, photo.bmp and
photo.heic, and old.bmp, scan.tif, anim.gif and p3.jpg (an Adobe RGB
profile) made from it, and clip.avi (Motion JPEG).  Each line must exit 0
within a minute, without a display (no autovideosink).  The explicit graph
of docs/index.md must write the same files, byte for byte, as the
imgcompressbin line before it.

    check-launch-lines.py SOURCE_ROOT FETCH_CORPUS_SCRIPT
"""

import filecmp
import glob
import importlib.util
import os
import re
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
    photo = Image.open(jpg).convert("RGB")
    photo.quantize(256).save(os.path.join(work, "photo.gif"))
    photo.save(os.path.join(work, "photo.tif"), compression="tiff_lzw")
    photo.save(os.path.join(work, "photo.bmp"))
    subprocess.run(["heif-enc", "-q", "80", "-o",
                    os.path.join(work, "photo.heic"),
                    os.path.join(work, "photo.png")],
                   check=True, stdout=subprocess.DEVNULL)
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
    subprocess.run(["heif-enc", "-q", "60", "-o", os.path.join(work, "photo-small.heic"),
                    os.path.join(work, "heif-src.png")], check=True,
                   capture_output=True)


def make_clip(work):
    """clip.avi: 30 frames of Motion JPEG, with stock elements."""
    subprocess.run(["gst-launch-1.0", "-q", "videotestsrc", "num-buffers=30", "!",
                    "video/x-raw,width=320,height=240,framerate=30/1", "!", "jpegenc",
                    "!", "avimux", "!", "filesink",
                    "location=" + os.path.join(work, "clip.avi")], check=True)


DISPLAY_SINKS = ("autovideosink", "ximagesink", "xvimagesink", "glimagesink",
                 "waylandsink")


def doc_launch_lines(root):
    """(file, line) for every gst-launch-1.0 command in a ```sh block of
    docs/*.md and README.md, continuation lines joined."""
    found = []
    files = sorted(glob.glob(os.path.join(root, "docs", "*.md"))) + \
        [os.path.join(root, "README.md")]
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for block in re.findall(r"^```sh\n(.*?)^```", text, re.S | re.M):
            for command in block.replace("\\\n", " ").splitlines():
                if re.match(r"^(\w+=\S+ )*gst-launch-1\.0 ", command):
                    found.append((os.path.relpath(path, root), command))
    return found


def run_line(cmd, photos, name):
    """Runs @cmd in a fresh directory with the photos; (ok, dir, output)."""
    work = tempfile.mkdtemp(dir=photos)
    for f in os.listdir(photos):
        if os.path.isfile(os.path.join(photos, f)):
            shutil.copy(os.path.join(photos, f), work)
    if any(sink in cmd for sink in DISPLAY_SINKS):
        return False, work, "needs a display"
    try:
        r = subprocess.run(["/bin/sh", "-c", cmd], cwd=work, capture_output=True,
                           text=True, timeout=60)
        ok, out = r.returncode == 0, (r.stdout + r.stderr)[-1500:]
    except subprocess.TimeoutExpired:
        ok, out = False, "timed out after 60 s"
    print("%s %s: %s" % ("ok  " if ok else "FAIL", name, cmd))
    if not ok:
        print(out)
    return ok, work, out


def same_files(a, b):
    """The relative paths under @a and @b that differ or exist in one only."""
    def files(top):
        return sorted(os.path.relpath(os.path.join(d, f), top)
                      for d, _, fs in os.walk(top) for f in fs)
    fa, fb = files(a), files(b)
    if not fa:
        return ["no file written"]
    diff = sorted(set(fa) ^ set(fb))
    diff += [f for f in fa if f in fb and
             not filecmp.cmp(os.path.join(a, f), os.path.join(b, f), shallow=False)]
    return diff


def main(argv):
    root, fetch = argv[1], argv[2]
    sections = pages.find_sections(root)
    failed = []
    with tempfile.TemporaryDirectory() as photos:
        make_photos(photos, fetch)
        make_clip(photos)
        for name in sorted(sections):
            rel, lines = sections[name]
            doc = pages.parse_section(lines, "")
            if not doc["launch"]:
                failed.append("%s (%s): no example launch line" % (name, rel))
                continue
            cmd = doc["launch"]
            if not cmd.startswith("gst-launch-1.0 "):
                failed.append("%s: the example is not a gst-launch-1.0 line" % name)
                continue
            if not run_line(cmd, photos, name)[0]:
                failed.append(name)
        bin_out = explicit_out = None
        for rel, cmd in doc_launch_lines(root):
            ok, work, _ = run_line(cmd, photos, rel)
            if not ok:
                failed.append("%s: %s" % (rel, cmd))
            elif rel == os.path.join("docs", "index.md") and "variantsplit" in cmd:
                explicit_out = os.path.join(work, "out")
            elif rel == os.path.join("docs", "index.md") and "imgcompressbin" in cmd:
                bin_out = os.path.join(work, "out")
        if bin_out is None or explicit_out is None:
            failed.append("docs/index.md: the imgcompressbin line or the explicit graph is gone")
        else:
            diff = same_files(bin_out, explicit_out)
            print("explicit graph against imgcompressbin: %s" %
                  ("byte for byte equal" if not diff else "DIFFERENT: %s" % diff))
            if diff:
                failed.append("docs/index.md: the explicit graph is not the bin")
    if failed:
        print("\nfailed: %s" % ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

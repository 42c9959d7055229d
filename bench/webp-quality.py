#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""WebP encoders on the same pixels: imgwebpenc vs cwebp vs stock webpenc.

Every corpus photo is decoded and fitted into the box (default 2048) with
Pillow's Lanczos, then turned into one I420 frame (BT.601 full range, the
JPEG YCbCr, chroma averaged 2x2), so all three encoders code exactly the
same planes:

  imgwebpenc   filesrc ! rawvideoparse ! imgwebpenc quality=Q ! filesink
  cwebp        cwebp -q Q -m 4 -s W H frame.yuv   (raw YUV input)
  webpenc      filesrc ! rawvideoparse ! webpenc quality=Q ! filesink
               (gst-plugins-bad, its defaults otherwise)

For each it reports bytes, luma SSIM of the decoded output (dwebp -yuv, no
colour conversion) against the input Y plane (mean over 8x8 windows every
4 pixels, as tests/check/common/imgcheck.c), and the encode time: what
cwebp -v prints for "Time to encode picture", and the GStreamer latency
tracer's element latency for the two elements (time from a frame entering
the encoder to its output leaving).  One run; times depend on the load.
The raw frames are labelled with GStreamer's default (limited-range)
colorimetry, so imgwebpenc passes the planes to libwebp unchanged.

A second table shows what a viewer gets in the real pipeline: the same
planes labelled full range (colorimetry 1:4:0:0, as turbojpegdec and
jpegdec output them) go to imgwebpenc and webpenc; Pillow encodes the
resized RGB itself (Image.save(format="WEBP", quality=Q), libwebp's
RGB path).  Every output is decoded to RGB (dwebp -ppm, as a browser does)
and its luma (Pillow "L") compared with the luma of the resized RGB.

Usage: bench/webp-quality.py [--box 2048] [--quality 85] [--build build]
       [--corpus DIR] [--out results.md]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fit_box(w, h, box):
    """Same rounding as gst_imgcompress_fit_box()."""
    if w <= box and h <= box:
        return w, h
    if w >= h:
        return box, max(1, int(np.floor(h * box / w + 0.5)))
    return max(1, int(np.floor(w * box / h + 0.5))), box


def to_i420(img):
    ycc = np.asarray(img.convert("YCbCr")).astype(np.float64)

    def average_2x2(c):
        h, w = c.shape
        if w % 2:
            c = np.concatenate([c, c[:, -1:]], 1)
        if h % 2:
            c = np.concatenate([c, c[-1:, :]], 0)
        s = c[0::2, 0::2] + c[1::2, 0::2] + c[0::2, 1::2] + c[1::2, 1::2]
        return np.floor((s + 2) / 4).astype(np.uint8)

    y = ycc[:, :, 0].astype(np.uint8)
    return y, average_2x2(ycc[:, :, 1]), average_2x2(ycc[:, :, 2])


def luma_ssim(a, b):
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    c1 = (0.01 * 255) ** 2
    c2 = (0.03 * 255) ** 2

    def window_sums(x):
        s = np.pad(x.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        return (s[8:, 8:] - s[:-8, 8:] - s[8:, :-8] + s[:-8, :-8])[::4, ::4]

    n = 64.0
    ma = window_sums(a) / n
    mb = window_sums(b) / n
    va = window_sums(a * a) / n - ma * ma
    vb = window_sums(b * b) / n - mb * mb
    cov = window_sums(a * b) / n - ma * mb
    ssim = ((2 * ma * mb + c1) * (2 * cov + c2)) / (
        (ma * ma + mb * mb + c1) * (va + vb + c2))
    return float(ssim.mean())


def decoded_luma(path, w, h, tmp):
    out = os.path.join(tmp, "decoded.yuv")
    subprocess.run(["dwebp", "-quiet", "-yuv", path, "-o", out], check=True)
    return np.fromfile(out, np.uint8, count=w * h).reshape(h, w)


def gst_i420_layout(y, u, v):
    """The planes padded as GstVideoInfo lays out I420 (strides rounded up
    to 4, luma rows to an even count), which rawvideoparse expects."""
    def pad(plane, stride, rows):
        out = np.zeros((rows, stride), np.uint8)
        out[:plane.shape[0], :plane.shape[1]] = plane
        return out.tobytes()

    h, w = y.shape
    cstride = (u.shape[1] + 3) // 4 * 4
    return (pad(y, (w + 3) // 4 * 4, (h + 1) // 2 * 2) +
            pad(u, cstride, u.shape[0]) + pad(v, cstride, v.shape[0]))


def gst_encode(element, props, yuv, w, h, out, env, colorimetry=None):
    size = os.path.getsize(yuv)
    parse = ["rawvideoparse", "format=i420", "width=%d" % w, "height=%d" % h,
             "framerate=0/1"]
    if colorimetry:
        parse.append("colorimetry=" + colorimetry)
    cmd = ["gst-launch-1.0", "-q", "filesrc", "location=" + yuv,
           "blocksize=%d" % size, "!"] + parse + ["!", element] + props + [
           "!", "filesink", "location=" + out]
    tenv = dict(env, GST_TRACERS="latency(flags=element)",
                GST_DEBUG="GST_TRACER:7", GST_DEBUG_NO_COLOR="1")
    r = subprocess.run(cmd, env=tenv, capture_output=True, text=True,
                       check=True)
    for line in r.stderr.splitlines():
        m = re.search(r"element-latency, .*element=\(string\)%s0, .*"
                      r"time=\(guint64\)(\d+)" % element, line)
        if m:
            return int(m.group(1)) / 1e9
    raise RuntimeError("no latency record for %s" % element)


def decoded_rgb_luma(path, tmp):
    out = os.path.join(tmp, "decoded.ppm")
    subprocess.run(["dwebp", "-quiet", "-ppm", path, "-o", out], check=True)
    return np.asarray(Image.open(out).convert("L"))


def cwebp_encode(quality, yuv, w, h, out):
    r = subprocess.run(["cwebp", "-v", "-q", str(quality), "-m", "4", "-s",
                        str(w), str(h), yuv, "-o", out],
                       capture_output=True, text=True, check=True)
    m = re.search(r"Time to encode picture: ([0-9.]+)s", r.stderr)
    return float(m.group(1))


def corpus_dir(arg):
    if arg:
        return arg
    r = subprocess.run([os.path.join(ROOT, "tests", "files",
                                     "fetch-corpus.sh")],
                       capture_output=True, text=True, check=True)
    return r.stdout.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--box", type=int, default=2048)
    ap.add_argument("--quality", type=int, default=85)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--corpus")
    ap.add_argument("--out")
    args = ap.parse_args()

    env = dict(os.environ)
    env["GST_PLUGIN_PATH_1_0"] = os.path.join(args.build, "ext", "webp")
    corpus = corpus_dir(args.corpus)
    files = sorted(f for f in os.listdir(corpus)
                   if f.lower().endswith((".jpg", ".jpeg")))
    encoders = ["imgwebpenc", "cwebp", "webpenc"]
    rows = []
    totals = {e: [0, 0.0, 0.0] for e in encoders}
    viewers = ["imgwebpenc", "webpenc", "pillow"]
    view_rows = []
    view_totals = {e: [0, 0.0] for e in viewers}
    q = args.quality

    with tempfile.TemporaryDirectory() as tmp:
        for name in files:
            img = Image.open(os.path.join(corpus, name)).convert("RGB")
            w, h = fit_box(img.width, img.height, args.box)
            img = img.resize((w, h), Image.LANCZOS)
            y, u, v = to_i420(img)
            yuv = os.path.join(tmp, "frame.yuv")
            with open(yuv, "wb") as f:
                f.write(y.tobytes() + u.tobytes() + v.tobytes())
            gst_yuv = os.path.join(tmp, "frame-gst.yuv")
            with open(gst_yuv, "wb") as f:
                f.write(gst_i420_layout(y, u, v))

            res = {}
            for enc in encoders:
                out = os.path.join(tmp, enc + ".webp")
                if enc == "cwebp":
                    t = cwebp_encode(q, yuv, w, h, out)
                elif enc == "imgwebpenc":
                    t = gst_encode("imgwebpenc", ["quality=%d" % q], gst_yuv,
                                   w, h, out, env)
                else:
                    t = gst_encode("webpenc", ["quality=%d" % q], gst_yuv, w,
                                   h, out, env)
                size = os.path.getsize(out)
                ssim = luma_ssim(y, decoded_luma(out, w, h, tmp))
                res[enc] = (size, ssim, t)
                totals[enc][0] += size
                totals[enc][1] += ssim
                totals[enc][2] += t
            same = "yes" if open(os.path.join(tmp, "imgwebpenc.webp"),
                                 "rb").read() == open(
                os.path.join(tmp, "cwebp.webp"), "rb").read() else "no"
            rows.append((name, w, h, res, same))

            ref_luma = np.asarray(img.convert("L"))
            view = {}
            for enc in viewers:
                out = os.path.join(tmp, "view-" + enc + ".webp")
                if enc == "pillow":
                    img.save(out, format="WEBP", quality=q)
                else:
                    gst_encode(enc, ["quality=%d" % q], gst_yuv, w, h, out,
                               env, colorimetry="1:4:0:0")
                size = os.path.getsize(out)
                ssim = luma_ssim(ref_luma, decoded_rgb_luma(out, tmp))
                view[enc] = (size, ssim)
                view_totals[enc][0] += size
                view_totals[enc][1] += ssim
            view_rows.append((name, w, h, view))
            print("%-40s %5dx%-5d " % (name, w, h) + "  ".join(
                "%s %8d %.5f %.3fs" % ((e,) + res[e]) for e in encoders)
                + "  identical=" + same, file=sys.stderr)

    lines = []
    lines.append("WebP at quality %d, images fitted into %d px "
                 "(Pillow Lanczos), same I420 frame for all; %s" %
                 (q, args.box, time.strftime("%Y-%m-%d %H:%M UTC",
                                             time.gmtime())))
    lines.append("")
    lines.append("| image | size | imgwebpenc bytes | SSIM | ms | cwebp bytes "
                 "| SSIM | ms | webpenc bytes | SSIM | ms | ours == cwebp |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, w, h, res, same in rows:
        cells = []
        for e in encoders:
            size, ssim, t = res[e]
            cells += ["%d" % size, "%.5f" % ssim, "%.0f" % (t * 1000)]
        lines.append("| %s | %dx%d | %s | %s |" % (name, w, h,
                                                     " | ".join(cells), same))
    n = max(len(rows), 1)
    cells = []
    for e in encoders:
        size, ssim, t = totals[e]
        cells += ["%d" % size, "%.5f" % (ssim / n), "%.0f" % (t * 1000)]
    lines.append("| **total / mean SSIM / total ms** | | %s | |" %
                 " | ".join(cells))
    lines.append("")
    lines.append("Viewer's side: full-range frame (as from a JPEG decoder), "
                 "output decoded to RGB, luma SSIM against the resized RGB")
    lines.append("")
    lines.append("| image | imgwebpenc bytes | SSIM | webpenc bytes | SSIM "
                 "| Pillow bytes | SSIM |")
    lines.append("|---|---|---|---|---|---|---|")
    for name, w, h, view in view_rows:
        lines.append("| %s | %s |" % (name, " | ".join(
            "%d | %.5f" % view[e] for e in viewers)))
    lines.append("| **total / mean SSIM** | %s |" % " | ".join(
        "%d | %.5f" % (view_totals[e][0], view_totals[e][1] / n)
        for e in viewers))
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The seed's Python/Pillow image service, as the anchor of the benchmark.

Reproduces what ../shared/design.md describes: a thread pool of max_threads,
Image.thumbnail(box, LANCZOS) on a copy per variant, JPEG optimize=True, WebP
with Pillow's default method; sequential below 5 images.

    pillow_service.py -j THREADS -o OUTDIR IMAGE...
"""

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

VARIANTS = [
    ("thumbnail", 150, 80, 75),
    ("preview", 500, 85, 80),
    ("full", 2048, 90, 85),
]


def process(path, outdir):
    name = os.path.splitext(os.path.basename(path))[0]
    written = 0
    with Image.open(path) as im:
        im.load()
        if im.mode not in ("RGB", "L"):
            im = im.convert("RGB")
        for variant, box, jq, wq in VARIANTS:
            copy = im.copy()
            copy.thumbnail((box, box), Image.LANCZOS)
            vdir = os.path.join(outdir, variant)
            os.makedirs(vdir, exist_ok=True)
            jpg = os.path.join(vdir, name + ".jpg")
            copy.save(jpg, "JPEG", quality=jq, optimize=True)
            webp = os.path.join(vdir, name + ".webp")
            copy.save(webp, "WEBP", quality=wq)
            written += os.path.getsize(jpg) + os.path.getsize(webp)
    return written


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", "--threads", type=int, default=os.cpu_count())
    ap.add_argument("-o", "--outdir", required=True)
    ap.add_argument("images", nargs="+")
    args = ap.parse_args()

    if len(args.images) < 5:
        total = sum(process(p, args.outdir) for p in args.images)
    else:
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            total = sum(pool.map(lambda p: process(p, args.outdir), args.images))
    print(f"pillow: {len(args.images)} images, {total} bytes written", file=sys.stderr)


if __name__ == "__main__":
    main()

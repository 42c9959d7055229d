#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.0-or-later
"""Small valid images of the formats whose hostile cases are too big to seed
the fuzzers (fuzz/run keeps seeds under 100 KiB):

    fuzz/make-small-seeds.py OUTDIR

The hostile cases (tests/check/pipelines/make-hostile.py) are 640x480
photos; a TIFF of that size is over 100 KiB in every compression, so the
TIFF decoder's fuzzer had nothing valid to start from.  These are 48x32
versions of the same kind of picture, in each layout the decoders handle
differently: TIFF by compression, sample layout and bit depth, and GIF and
BMP by palette and depth.
"""

import io
import os
import sys

import numpy
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "check",
                                "pipelines"))
from importlib import import_module  # noqa: E402

photo_like = import_module("make-hostile").photo_like


def encoded(image, kind, **kwargs):
    out = io.BytesIO()
    image.save(out, kind, **kwargs)
    return out.getvalue()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rgb = photo_like(48, 32, 3)
    rgba = rgb.copy()
    rgba.putalpha(Image.linear_gradient("L").resize(rgb.size))
    grey = rgb.convert("L")
    grey16 = Image.fromarray(numpy.asarray(grey, dtype=numpy.uint16) * 257)
    palette = rgb.quantize(16)
    seeds = {
        "small-lzw.tif": (rgb, "TIFF", {"compression": "tiff_lzw"}),
        "small-deflate.tif": (rgb, "TIFF",
                              {"compression": "tiff_adobe_deflate"}),
        "small-packbits.tif": (rgb, "TIFF", {"compression": "packbits"}),
        "small-jpeg.tif": (rgb, "TIFF", {"compression": "jpeg"}),
        "small-raw-rgba.tif": (rgba, "TIFF", {"compression": "raw"}),
        "small-grey-lzw.tif": (grey, "TIFF", {"compression": "tiff_lzw"}),
        "small-grey16.tif": (grey16, "TIFF", {"compression": "tiff_lzw"}),
        "small-palette.tif": (palette, "TIFF", {"compression": "packbits"}),
        "small-bilevel-g4.tif": (grey.convert("1"), "TIFF",
                                 {"compression": "group4"}),
        "small.gif": (palette, "GIF", {}),
        "small-rgba.bmp": (rgba, "BMP", {}),
        "small-palette.bmp": (palette, "BMP", {}),
    }
    for name, (image, kind, kwargs) in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(encoded(image, kind, **kwargs))


if __name__ == "__main__":
    main()

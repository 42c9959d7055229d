#!/usr/bin/python3
# Writes PNG test images and their reference decodes for
# tests/check/elements/imgpngdec.c, generated at test time:
#
#   make-png.py OUTDIR
#
# Each case NAME gives OUTDIR/NAME.png (written here from numpy arrays with
# zlib, so every colour type, bit depth, interlacing and tRNS form is
# possible) and OUTDIR/NAME.rgba: Pillow's decode of that file as 8-bit
# RGBA rows (width * height * 4 bytes). Pillow reduces 16-bit samples by
# truncation, imgpngdec rounds: the test allows one level there. Cases with
# an eXIf orientation also give NAME.upright.rgba, Pillow's
# ImageOps.exif_transpose of the decode; cases with an iCCP chunk give
# NAME.icc, the profile's bytes.

import os
import struct
import sys
import zlib

import numpy
from PIL import Image, ImageOps

ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
         (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xffffffff
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def pack_rows(samples, depth):
    """Scanlines (filter byte 0) from an (h, w*channels) array."""
    rows = []
    for row in samples:
        if depth == 16:
            data = row.astype(">u2").tobytes()
        elif depth == 8:
            data = row.astype(numpy.uint8).tobytes()
        else:
            data = numpy.packbits(
                numpy.unpackbits(row.astype(numpy.uint8)[:, None], axis=1)
                [:, 8 - depth:].reshape(-1)).tobytes()
        rows.append(b"\0" + data)
    return b"".join(rows)


def png(samples, depth, colour_type, interlace=False, extra=(), after=()):
    """@samples: (h, w, channels) array of sample values."""
    h, w, c = samples.shape
    flat = samples.reshape(h, w * c)
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.size:
                raw += pack_rows(sub.reshape(sub.shape[0], -1), depth)
    else:
        raw = pack_rows(flat, depth)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0,
                       1 if interlace else 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(extra) +
            chunk(b"IDAT", zlib.compress(raw, 6)) + b"".join(after) +
            chunk(b"IEND", b""))


def exif_orientation(value):
    """Big-endian TIFF with IFD0 holding the orientation."""
    return (b"MM\0\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1) +
            struct.pack(">HHIHH", 0x0112, 3, 1, value, 0) + b"\0\0\0\0")


def pattern(w, h, channels, maxval, seed):
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0:h, 0:w]
    base = [(x * maxval) // max(w - 1, 1), (y * maxval) // max(h - 1, 1),
            ((x + y) * maxval) // max(w + h - 2, 1),
            ((x * 7 + y * 3) % (maxval + 1))]
    planes = []
    for i in range(channels):
        noise = rng.integers(0, maxval + 1, size=(h, w))
        planes.append(numpy.where((x + y + i) % 5 == 0, noise, base[i]))
    return numpy.stack(planes, axis=-1).astype(numpy.int64)


def cases():
    w, h = 37, 23
    out = {}
    for depth in (1, 2, 4, 8, 16):
        g = pattern(w, h, 1, (1 << depth) - 1, depth)
        out["grey%d" % depth] = png(g, depth, 0)
        out["grey%d-interlaced" % depth] = png(g, depth, 0, interlace=True)
    for depth in (8, 16):
        m = (1 << depth) - 1
        out["greyalpha%d" % depth] = png(pattern(w, h, 2, m, 20 + depth),
                                         depth, 4)
        out["rgb%d" % depth] = png(pattern(w, h, 3, m, 30 + depth), depth, 2)
        out["rgb%d-interlaced" % depth] = png(
            pattern(w, h, 3, m, 30 + depth), depth, 2, interlace=True)
        out["rgba%d" % depth] = png(pattern(w, h, 4, m, 40 + depth), depth, 6)
        out["rgba%d-interlaced" % depth] = png(
            pattern(w, h, 4, m, 40 + depth), depth, 6, interlace=True)
    for depth in (1, 2, 4, 8):
        n = 1 << depth
        pal = b"".join(bytes((i * 37 % 256, i * 91 % 256, (255 - i) % 256))
                       for i in range(n))
        idx = pattern(w, h, 1, n - 1, 50 + depth)
        out["palette%d" % depth] = png(idx, depth, 3,
                                       extra=(chunk(b"PLTE", pal),))
        trns = bytes((i * 53) % 256 for i in range(max(n // 2, 1)))
        out["palette%d-trns" % depth] = png(
            idx, depth, 3, extra=(chunk(b"PLTE", pal), chunk(b"tRNS", trns)))
    # colour keys: some pixels of the pattern have exactly the key
    g8 = pattern(w, h, 1, 255, 60)
    out["grey8-trns"] = png(g8, 8, 0, extra=(chunk(b"tRNS",
                                                   struct.pack(">H", g8[0, 0, 0])),))
    g16 = pattern(w, h, 1, 65535, 61)
    g16[::3, ::2, 0] = 12345
    out["grey16-trns"] = png(g16, 16, 0, extra=(chunk(b"tRNS",
                                                      struct.pack(">H", 12345)),))
    c8 = pattern(w, h, 3, 255, 62)
    c8[::2, ::3] = (10, 200, 30)
    out["rgb8-trns"] = png(c8, 8, 2, extra=(chunk(b"tRNS",
                                                  struct.pack(">HHH", 10, 200, 30)),))
    c16 = pattern(w, h, 3, 65535, 63)
    c16[1::2, ::4] = (1000, 40000, 65535)
    out["rgb16-trns"] = png(c16, 16, 2, extra=(chunk(
        b"tRNS", struct.pack(">HHH", 1000, 40000, 65535)),))
    # Pillow compares a 16-bit colour key with its 8-bit samples, and so
    # never finds it: the alpha it should give is made here
    KEY_ALPHA["rgb16-trns"] = numpy.where(
        (c16 == (1000, 40000, 65535)).all(axis=-1), 0, 255)
    # odd and even sizes for the I420 chroma edges
    out["rgb8-even"] = png(pattern(40, 30, 3, 255, 70), 8, 2)
    out["rgb8-1x1"] = png(pattern(1, 1, 3, 255, 71), 8, 2)
    # eXIf orientation 6 (a quarter turn), before and after the image data
    photo = pattern(48, 32, 3, 255, 80)
    out["exif6"] = png(photo, 8, 2, extra=(chunk(b"eXIf",
                                                 exif_orientation(6)),))
    out["exif6-after-idat"] = png(photo, 8, 2,
                                  after=(chunk(b"eXIf", exif_orientation(6)),))
    # 16-bit values whose high byte is not the nearest 8-bit value
    levels = numpy.array([0, 511, 65280, 65535, 32767, 32896, 257, 128])
    out["grey16-rounding"] = png(levels.reshape(1, -1, 1), 16, 0)
    out["iccp"] = png(photo, 8, 2, extra=(chunk(
        b"iCCP", b"test profile\0\0" + zlib.compress(ICC_PROFILE)),))
    out["srgb"] = png(photo, 8, 2, extra=(chunk(b"sRGB", b"\1"),))
    # a damaged profile is passed over for the sRGB chunk after it
    out["iccp-damaged"] = png(photo, 8, 2, extra=(chunk(
        b"iCCP", b"broken\0\0" + zlib.compress(DAMAGED_ICC_PROFILE)),
        chunk(b"sRGB", b"\0")))
    return out


KEY_ALPHA = {}

# A real RGB profile (Adobe RGB (1998) as Ghostscript ships it, Debian
# libgs-common): the decoder checks it with lcms2 and hands it on whole.
with open("/usr/share/color/icc/ghostscript/a98.icc", "rb") as f:
    ICC_PROFILE = f.read()
# Not an ICC profile at all: the decoder warns and passes it over.
DAMAGED_ICC_PROFILE = bytes(range(256)) * 3


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name, data in cases().items():
        path = os.path.join(outdir, name + ".png")
        with open(path, "wb") as f:
            f.write(data)
        with Image.open(path) as im:
            im.load()
            if im.mode in ("I;16", "I;16B", "I"):
                # Pillow keeps 16-bit grey whole: take its high byte, as
                # it does for 16-bit colour
                a = numpy.asarray(im, dtype=numpy.uint32) >> 8
                a = a.astype(numpy.uint8)
                if "transparency" in im.info:
                    key = im.info["transparency"]
                    alpha = numpy.where(numpy.asarray(im) == key, 0, 255)
                else:
                    alpha = numpy.full(a.shape, 255)
                rgba = numpy.stack([a, a, a, alpha.astype(numpy.uint8)],
                                   axis=-1)
            else:
                rgba = numpy.array(im.convert("RGBA"))
                if name in KEY_ALPHA:
                    rgba[..., 3] = KEY_ALPHA[name]
            if name.startswith("exif"):
                upright = ImageOps.exif_transpose(im).convert("RGBA")
                with open(os.path.join(outdir, name + ".upright.rgba"),
                          "wb") as f:
                    f.write(upright.tobytes())
        with open(os.path.join(outdir, name + ".rgba"), "wb") as f:
            f.write(numpy.ascontiguousarray(rgba, dtype=numpy.uint8)
                    .tobytes())
        if name == "iccp":
            with open(os.path.join(outdir, name + ".icc"), "wb") as f:
                f.write(ICC_PROFILE)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# PNGs that stock pngdec ! videoconvert got wrong (16-bit RGB, 16-bit RGBA,
# a tRNS colour key), and the check of their six outputs against Pillow:
#
#   png-fidelity.py make DIR          writes DIR/{rgb16,rgba16,trns-key}.png
#   png-fidelity.py check PNG OUTDIR  checks OUTDIR/VARIANT/NAME.{jpg,webp}
#
# check prints one line per output (size, mean colour difference to
# Pillow's decode resized the same way, alpha) and exits 1 when an output
# has the wrong size, differs by more than MAX_MEAN_DIFF levels, or has
# alpha where the source has none (or none where it has).

import os
import struct
import sys
import zlib

import numpy
from PIL import Image

VARIANTS = (("thumbnail", 150), ("preview", 500), ("full", 2048))
# lossy outputs (q80..q90) of a smooth picture: the 16-bit bug of stock
# pngdec (R,G,B read as 255,R,G) differs by about 100
MAX_MEAN_DIFF = 4.0
WIDTH, HEIGHT = 640, 400


def chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xffffffff
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(samples, depth, colour_type, extra=()):
    h, w, c = samples.shape
    dtype = ">u2" if depth == 16 else numpy.uint8
    raw = b"".join(b"\0" + row.astype(dtype).tobytes()
                   for row in samples.reshape(h, w * c))
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + b"".join(extra) +
            chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def smooth(maxval):
    """A smooth colour picture (a sky, a gradient), with distinct R, G, B
    so that a channel shift shows."""
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH].astype(numpy.float64)
    r = 0.15 + 0.7 * x / WIDTH
    g = 0.4 + 0.3 * numpy.sin(y / 60.0)
    b = 0.9 - 0.5 * y / HEIGHT
    return numpy.rint(numpy.stack([r, g, b], axis=-1) * maxval).astype(
        numpy.int64)


def make(outdir):
    os.makedirs(outdir, exist_ok=True)
    rgb16 = smooth(65535)
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH]
    # alpha: opaque left, a ramp in the middle, transparent right
    alpha = numpy.clip((WIDTH * 0.75 - x) * 65535 // (WIDTH // 2), 0, 65535)
    rgba16 = numpy.concatenate([rgb16, alpha[..., None]], axis=-1)
    rgb8 = smooth(255)
    # a colour-keyed block in the lower right quarter
    key = (1, 2, 3)
    rgb8[HEIGHT // 2:, WIDTH // 2:] = key
    files = {
        "rgb16.png": png(rgb16, 16, 2),
        "rgba16.png": png(rgba16, 16, 6),
        "trns-key.png": png(rgb8, 8, 2,
                            extra=(chunk(b"tRNS", struct.pack(">HHH", *key)),)),
    }
    for name, data in files.items():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(data)


def reference(path):
    """Pillow's decode as straight RGBA; a 16-bit or colour-keyed source
    is read from its samples, where Pillow would lose the alpha."""
    with Image.open(path) as im:
        im.load()
        rgba = numpy.array(im.convert("RGBA"))
        key = im.info.get("transparency")
    if isinstance(key, tuple):
        rgb = numpy.array(Image.open(path).convert("RGB"))
        rgba[..., 3] = numpy.where((rgb == key).all(axis=-1), 0, 255)
    return Image.fromarray(rgba, "RGBA")


def fitted(ref, box):
    out = ref.copy()
    out.thumbnail((box, box), Image.LANCZOS)
    return out


def flatten(rgba, background=(255, 255, 255)):
    a = rgba[..., 3:4] / 255.0
    return rgba[..., :3] * a + numpy.array(background) * (1 - a)


def check(png_path, outdir):
    name = os.path.splitext(os.path.basename(png_path))[0]
    ref = reference(png_path)
    source_alpha = bool((numpy.array(ref)[..., 3] < 255).any())
    ok = True
    for variant, box in VARIANTS:
        want = numpy.array(fitted(ref, box), dtype=numpy.float64)
        for ext in ("jpg", "webp"):
            path = os.path.join(outdir, variant, "%s.%s" % (name, ext))
            with Image.open(path) as im:
                im.load()
                size, has_alpha = im.size, im.mode == "RGBA"
                got = numpy.array(im.convert("RGBA"), dtype=numpy.float64)
            line = "%s %s/%s.%s %dx%d" % (name, variant, name, ext, size[0],
                                          size[1])
            if size != (want.shape[1], want.shape[0]):
                print(line, "WRONG SIZE, Pillow gives %dx%d" %
                      (want.shape[1], want.shape[0]))
                ok = False
                continue
            if ext == "jpg" or not has_alpha:
                diff = numpy.abs(flatten(got) - flatten(want)).mean()
                alpha_diff = 0.0
            else:
                # colour where it is opaque (under partial alpha the
                # colour of a lossy encode is loose), and alpha
                opaque = want[..., 3] == 255
                diff = numpy.abs(got[..., :3] - want[..., :3])[opaque].mean()
                alpha_diff = numpy.abs(got[..., 3] - want[..., 3]).mean()
            print("%s mean colour difference %.2f, alpha %s (difference "
                  "%.2f)" % (line, diff, "yes" if has_alpha else "no",
                             alpha_diff))
            if diff > MAX_MEAN_DIFF or alpha_diff > MAX_MEAN_DIFF:
                ok = False
            if ext == "webp" and has_alpha != source_alpha:
                print(line, "alpha channel %s, source alpha %s" %
                      (has_alpha, source_alpha))
                ok = False
    return ok


def main():
    if sys.argv[1] == "make":
        make(sys.argv[2])
        return 0
    return 0 if check(sys.argv[2], sys.argv[3]) else 1


if __name__ == "__main__":
    sys.exit(main())

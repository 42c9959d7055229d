#!/usr/bin/python3
# imgbmpdec on BMP layouts that gdk-pixbuf's BMP loader gets silently wrong
# (bmpsuite's pal8offs, pal8os2sp, rgb16-565pal, rgb16-231, rgba16-4444,
# Pillow's mmap_error), written here with struct, decoded by the element
# alone and compared pixel by pixel (alpha included) against the pixels
# the test computed: within 1 level for bit fields (rounding), exactly for
# palettes.  Files the element must refuse are refused with a message
# naming the fault.
#
#   imgbmpdec.py WORKDIR
#
# Environment: IMGCOMPRESS_TOOL (the refusals go through the tool) and the
# GStreamer variables of the test suite.

import os
import shutil
import struct
import subprocess
import sys

WIDTH = 13  # odd: rows need padding at every depth
HEIGHT = 7
BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS = 0, 3, 6


def raw_value(x, y, bits):
    """A pixel value that reaches every bit of a pixel of `bits` bits."""
    return ((x * 2654435761 + y * 40503 + x * y * 97) >> 3) & ((1 << bits) - 1)


def palette_colours(n):
    return [((i * 37) & 255, (i * 91 + 13) & 255, (255 - i * 53) & 255)
            for i in range(n)]


def pack_rows(values, bits, top_down):
    """Rows (top first) of pixel values into BMP rows, padded to 4 bytes,
    bottom-up unless top_down."""
    out = []
    for row in values:
        if bits >= 8:
            data = b"".join(v.to_bytes(bits // 8, "little") for v in row)
        else:
            acc, n, data = 0, 0, bytearray()
            for v in row:
                acc, n = (acc << bits) | v, n + bits
                if n == 8:
                    data.append(acc)
                    acc, n = 0, 0
            if n:
                data.append(acc << (8 - n))
            data = bytes(data)
        out.append(data + b"\0" * (-len(data) % 4))
    return b"".join(out if top_down else out[::-1])


def info_header(size, bits, compression=BI_RGB, colours=0, masks=(),
                top_down=False):
    if size == 12:
        return struct.pack("<IHHHH", 12, WIDTH, HEIGHT, 1, bits)
    h = struct.pack("<IiiHHIIiiII", size, WIDTH,
                    -HEIGHT if top_down else HEIGHT, 1, bits, compression, 0,
                    2835, 2835, colours, 0)
    if size >= 52:
        h += b"".join(struct.pack("<I", m) for m in masks)
    return h + b"\0" * (size - len(h))


def bmp_file(info, after_info, palette, gap, pixels, offset=None):
    """File header, information header, what follows it (masks), the
    colour table, a gap of garbage, the pixels."""
    head = len(info) + len(after_info) + len(palette)
    if offset is None:
        offset = 14 + head + len(gap)
    body = info + after_info + palette + gap + pixels
    return b"BM" + struct.pack("<III", 14 + len(body), 0, offset) + body


def expected_palette(indices, colours):
    return [[colours[i] + (255,) for i in row] for row in indices]


def scale(v, mask):
    """The channel under mask, scaled to 0..255, rounded."""
    if mask == 0:
        return None
    shift = (mask & -mask).bit_length() - 1
    top = mask >> shift
    return (((v & mask) >> shift) * 255 * 2 + top) // (2 * top)


def expected_fields(values, masks):
    out = []
    for row in values:
        line = []
        for v in row:
            r, g, b = (scale(v, m) or 0 for m in masks[:3])
            a = scale(v, masks[3]) if len(masks) > 3 and masks[3] else 255
            line.append((r, g, b, a))
        out.append(line)
    return out


def grid(bits):
    return [[raw_value(x, y, bits) for x in range(WIDTH)]
            for y in range(HEIGHT)]


def paletted_case(bits, entries, info_size=40, gap=b"", top_down=False,
                  offset=None, cut=0):
    colours = palette_colours(entries)
    entry = 3 if info_size == 12 else 4
    palette = b"".join(bytes((b, g, r)) + b"\0" * (entry - 3)
                       for r, g, b in colours)
    indices = [[raw_value(x, y, 16) % entries for x in range(WIDTH)]
               for y in range(HEIGHT)]
    info = info_header(info_size, bits, colours=entries
                       if info_size != 12 else 0, top_down=top_down)
    data = bmp_file(info, b"", palette, gap, pack_rows(indices, bits,
                                                       top_down), offset)
    return data[:len(data) - cut], expected_palette(indices, colours), 0


def fields_case(bits, masks, info_size=40, compression=BI_BITFIELDS,
                colour_table=0, gap=b"", top_down=False):
    """Masks in the header from 52 bytes on, else after it (4 with
    BI_ALPHABITFIELDS); colour_table unused entries before the pixels."""
    after = b""
    if info_size == 40 and compression != BI_RGB:
        n = 4 if compression == BI_ALPHABITFIELDS else 3
        after = b"".join(struct.pack("<I", m) for m in masks[:n])
    info = info_header(info_size, bits, compression, colour_table, masks,
                       top_down)
    values = grid(bits)
    table = bytes(range(256)) * (colour_table * 4 // 256 + 1)
    data = bmp_file(info, after, table[:colour_table * 4], gap,
                    pack_rows(values, bits, top_down))
    return data, expected_fields(values, masks), 1


GAP = bytes((0xa5,)) * 100
CASES = {
    # bmpsuite q/pal8offs: 100 bytes between colour table and pixels
    "pal8-gap": lambda: paletted_case(8, 252, gap=GAP),
    "pal4-gap-topdown": lambda: paletted_case(4, 12, gap=GAP, top_down=True),
    "pal1-v5-gap": lambda: paletted_case(1, 2, info_size=124, gap=GAP[:8]),
    # bmpsuite q/pal8os2sp: OS/2 1.x, colour table of 252 entries, not 256
    "pal8-os2-short-table": lambda: paletted_case(8, 252, info_size=12),
    "pal8-os2-short-table-gap": lambda: paletted_case(8, 200, info_size=12,
                                                      gap=GAP[:12]),
    # Pillow's mmap_error.bmp: bfOffBits at the colour table, the last
    # row's padding cut
    "pal8-offset-at-table": lambda: paletted_case(8, 252, offset=54, cut=3),
    # bmpsuite g/rgb16-565pal: an unused colour table after the masks
    "rgb16-565-table": lambda: fields_case(16, (0xf800, 0x07e0, 0x001f),
                                           colour_table=256),
    "rgb16-565-table-topdown": lambda: fields_case(
        16, (0xf800, 0x07e0, 0x001f), colour_table=16, top_down=True),
    # bmpsuite q/rgb16-231
    "rgb16-231": lambda: fields_case(16, (0x30, 0x0e, 0x01)),
    # bmpsuite q/rgba16-4444
    "rgba16-4444-v5": lambda: fields_case(
        16, (0x0f00, 0x00f0, 0x000f, 0xf000), info_size=124),
    "rgba16-1555-v4-topdown": lambda: fields_case(
        16, (0x7c00, 0x03e0, 0x001f, 0x8000), info_size=108, top_down=True),
    "rgba32-10-10-10-2-v5": lambda: fields_case(
        32, (0x3ff00000, 0x000ffc00, 0x000003ff, 0xc0000000),
        info_size=124),
    "rgb32-11-11-10-gap": lambda: fields_case(
        32, (0xffe00000, 0x001ffc00, 0x000003ff), gap=GAP[:16]),
    "rgba32-alphabitfields-topdown": lambda: fields_case(
        32, (0x000000ff, 0x0000ff00, 0x00ff0000, 0xff000000),
        compression=BI_ALPHABITFIELDS, top_down=True),
    "rgba32-h56-3-bit-alpha": lambda: fields_case(
        32, (0x00ff0000, 0x0000ff00, 0x000000ff, 0x07000000), info_size=56),
}

REFUSED = {
    "rgb16-mask-with-hole": (
        lambda: fields_case(16, (0xf801, 0x07e0, 0x001e)),
        "is not one run of bits"),
    "rgb16-mask-beyond-pixel": (
        lambda: fields_case(16, (0x1f0000, 0x07e0, 0x001f)),
        "is not one run of bits"),
    "pal8-offset-in-header": (
        lambda: paletted_case(8, 16, offset=40), "inside its headers"),
}


def decode(path, out):
    """The element alone; None when gst-launch does not answer (it may
    hang when an element fails while prerolling)."""
    try:
        return subprocess.run(
            ["gst-launch-1.0", "-q", "filesrc", "location=" + path, "!",
             "imgbmpdec", "!", "videoconvert", "!",
             "video/x-raw,format=RGBA", "!", "filesink", "location=" + out],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20,
            text=True)
    except subprocess.TimeoutExpired:
        return None


def check_case(d, name, make):
    data, expected, tolerance = make()
    path = os.path.join(d, name + ".bmp")
    out = os.path.join(d, name + ".rgba")
    with open(path, "wb") as f:
        f.write(data)
    result = decode(path, out)
    if result is None or result.returncode != 0:
        print("FAIL %s: refused: %s" % (
            name, result.stdout.strip() if result else "no answer"))
        return False
    with open(out, "rb") as f:
        got = f.read()
    if len(got) != WIDTH * HEIGHT * 4:
        print("FAIL %s: %d bytes decoded, %d expected" % (
            name, len(got), WIDTH * HEIGHT * 4))
        return False
    worst, where = 0, None
    for y in range(HEIGHT):
        for x in range(WIDTH):
            px = got[(y * WIDTH + x) * 4:(y * WIDTH + x) * 4 + 4]
            diff = max(abs(a - b) for a, b in zip(px, expected[y][x]))
            if diff > worst:
                worst, where = diff, (x, y, tuple(px), expected[y][x])
    ok = worst <= tolerance
    print("%s %s: largest difference %d (allowed %d)%s" % (
        "ok" if ok else "FAIL", name, worst, tolerance,
        "" if ok else ", at x=%d y=%d: got %s, expected %s" % where))
    return ok


def check_refused(d, name, make, message):
    """Through the tool, as a user sees it: refused, the message naming
    the file and the fault, nothing written."""
    data = make()[0]
    path = os.path.join(d, name + ".bmp")
    out = os.path.join(d, "out-" + name)
    with open(path, "wb") as f:
        f.write(data)
    result = subprocess.run(
        [os.environ["IMGCOMPRESS_TOOL"], "-o", out, "-j", "1", path],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60,
        text=True)
    line = next((s for s in result.stderr.splitlines() if path in s), "")
    written = [f for _, _, files in os.walk(out) for f in files]
    ok = result.returncode == 1 and message in line and not written
    print("%s %s: exit %d, %s%s" % (
        "ok" if ok else "FAIL", name, result.returncode,
        line or "no message naming the file",
        ", wrote %s" % written if written else ""))
    return ok


def main():
    d = sys.argv[1]
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    ok = True
    for name, make in CASES.items():
        ok = check_case(d, name, make) and ok
    for name, (make, message) in REFUSED.items():
        ok = check_refused(d, name, make, message) and ok
    if ok:
        shutil.rmtree(d)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

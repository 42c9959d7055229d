#!/usr/bin/python3
# Writes the JPEG framing cases of tests/check/pipelines/jpegframing.c into
# OUTDIR, with Pillow's decode of each as the reference (nothing binary is
# committed):
#
#   make-jpeg-cases.py OUTDIR
#
# NAME.jpg is a case; NAME.y is Pillow's luma of the image the case must
# decode to (width x height bytes, the IDCT output before any colour
# conversion), NAME.rgb its RGB (CMYK through the default CMYK profile);
# NAME.size holds "WIDTH HEIGHT".

import importlib.util
import io
import os
import struct
import sys

from PIL import Image

# photo_like() and jpeg_bytes() are the hostile suite's.
_spec = importlib.util.spec_from_file_location(
    "make_hostile", os.path.join(os.path.dirname(__file__), "make-hostile.py"))
_hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_hostile)
photo_like = _hostile.photo_like
jpeg_bytes = _hostile.jpeg_bytes


def segment(marker, payload):
    return bytes((0xff, marker)) + struct.pack(">H", len(payload) + 2) + payload


def after_soi(jpeg, *segments):
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def without_segment(jpeg, marker):
    """The JPEG without its header segments of type @marker."""
    out, pos = bytearray(jpeg[:2]), 2
    while jpeg[pos + 1] != 0xda:
        length = struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        if jpeg[pos + 1] != marker:
            out += jpeg[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out + jpeg[pos:])


def mpf_segment():
    """APP2 "MPF\\0" with a big-endian MP index IFD of two entries (the
    offsets are not checked by anyone here)."""
    entries = struct.pack(">HHI4s", 0xb000, 7, 4, b"0100")
    entries += struct.pack(">HHII", 0xb001, 4, 1, 2)
    ifd = struct.pack(">H", 2) + entries + struct.pack(">I", 0)
    return segment(0xe2, b"MPF\0" + b"MM\0*" + struct.pack(">I", 8) + ifd)


def exif_with_thumbnail(thumbnail):
    """APP1 Exif: an empty IFD0 linked to an IFD1 that points at a JPEG
    thumbnail inside the segment, with its own SOI and EOI."""
    ifd1_offset = 8 + 6
    thumb_offset = ifd1_offset + 2 + 2 * 12 + 4
    tiff = b"MM\0*" + struct.pack(">I", 8)
    tiff += struct.pack(">HI", 0, ifd1_offset)
    tiff += struct.pack(">H", 2)
    tiff += struct.pack(">HHII", 0x0201, 4, 1, thumb_offset)
    tiff += struct.pack(">HHII", 0x0202, 4, 1, len(thumbnail))
    tiff += struct.pack(">I", 0)
    return segment(0xe1, b"Exif\0\0" + tiff + thumbnail)


# CMYK without an embedded profile goes through this one (turbojpegdec,
# docs/tuning.md "Colour"): relative colorimetric, black point compensation
CMYK_PROFILE = "/usr/share/color/icc/ghostscript/default_cmyk.icc"


def to_rgb(image):
    if image.mode != "CMYK" or not os.path.exists(CMYK_PROFILE):
        return image.convert("RGB")
    from PIL import ImageCms
    return ImageCms.profileToProfile(
        image, CMYK_PROFILE, ImageCms.createProfile("sRGB"),
        renderingIntent=1, outputMode="RGB", flags=0x2000)


def write_reference(out, name, jpeg):
    """Pillow's decode of the first image of @jpeg."""
    image = Image.open(io.BytesIO(jpeg))
    with open(os.path.join(out, name + ".size"), "w") as f:
        f.write("%d %d\n" % image.size)
    with open(os.path.join(out, name + ".rgb"), "wb") as f:
        f.write(to_rgb(image).tobytes())
    image = Image.open(io.BytesIO(jpeg))
    if image.mode != "CMYK":
        image.draft("YCbCr", image.size)
        with open(os.path.join(out, name + ".y"), "wb") as f:
            f.write(image.getchannel(0).tobytes())


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def write(name, data, reference=None):
        with open(os.path.join(out, name + ".jpg"), "wb") as f:
            f.write(data)
        write_reference(out, name, reference or data)

    images = [jpeg_bytes(photo_like(w, h, seed), quality=90)
              for seed, (w, h) in enumerate(((320, 240), (200, 150),
                                              (257, 131), (64, 64)))]
    for i, jpeg in enumerate(images):
        write("image%d" % i, jpeg)
    first, second = images[0], images[1]

    write("two-jpegs", first + second, first)
    write("mpf", after_soi(first, mpf_segment()) + second, first)
    write("trailing-bytes", first + b"\0" * 3000 + b"\xff\xd8", first)
    thumbnail = jpeg_bytes(photo_like(40, 30, 7), quality=70)
    write("exif-thumbnail", after_soi(first, exif_with_thumbnail(thumbnail)),
          first)
    with open(os.path.join(out, "stream4.jpg"), "wb") as f:
        f.write(b"".join(images))
    # the header of an image whose entropy-coded data never ends
    sos = first.index(b"\xff\xda")
    sos_end = sos + 2 + struct.unpack(">H", first[sos + 2:sos + 4])[0]
    with open(os.path.join(out, "endless-head.jpg"), "wb") as f:
        f.write(first[:sos_end])

    # WebP, for imgwebpdec's max-input-bytes
    for name, size in (("webp-big", (320, 240)), ("webp-small", (64, 48))):
        data = io.BytesIO()
        photo_like(size[0], size[1], 3).save(data, "WEBP", quality=90)
        with open(os.path.join(out, name + ".webp"), "wb") as f:
            f.write(data.getvalue())

    cmyk = jpeg_bytes(photo_like(96, 64, 5).convert("CMYK"), quality=95)
    assert b"Adobe" in cmyk
    write("cmyk", cmyk)
    plain = without_segment(cmyk, 0xee)
    assert b"Adobe" not in plain
    write("cmyk-no-adobe", plain)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# Writes the hostile-input cases of tests/check/pipelines/hostile.c into
# OUTDIR, generated at test time (nothing binary is committed):
#
#   make-hostile.py OUTDIR
#
# Every case is built from small valid images made here with PIL and the
# system libjpeg-turbo / libwebp, then damaged on purpose. The expected
# outcome of each case is written in hostile.c, not here.

import ctypes
import ctypes.util
import io
import os
import random
import struct
import sys
import zlib

import numpy
from PIL import Image


def photo_like(width, height, seed=1):
    """A smooth gradient with noise: compresses like a photo, not a flat."""
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0:height, 0:width]
    rgb = numpy.stack([x * 255 // max(width - 1, 1),
                       y * 255 // max(height - 1, 1),
                       (x + y) * 255 // max(width + height - 2, 1)], axis=-1)
    rgb = rgb + rng.integers(-12, 12, size=rgb.shape)
    return Image.fromarray(numpy.clip(rgb, 0, 255).astype(numpy.uint8), "RGB")


def jpeg_bytes(image, **kwargs):
    out = io.BytesIO()
    image.save(out, "JPEG", **kwargs)
    return out.getvalue()


def webp_bytes(image, **kwargs):
    out = io.BytesIO()
    image.save(out, "WEBP", **kwargs)
    return out.getvalue()


def png_chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xffffffff
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bytes(width, height, bit_depth, colour_type, rows, extra=()):
    """A PNG from raw scanlines (filter byte 0 added here)."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0,
                       0, 0)
    raw = b"".join(b"\0" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
            b"".join(extra) + png_chunk(b"IDAT", zlib.compress(raw, 9)) +
            png_chunk(b"IEND", b""))


def jpeg_segments(data):
    """(marker, offset) of each marker segment before the first SOS."""
    pos, found = 2, []
    while pos + 4 <= len(data):
        marker = data[pos + 1]
        found.append((marker, pos))
        if marker == 0xda:
            break
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return found


def find_marker(data, marker, start=0):
    pos = data.index(bytes([0xff, marker]), start)
    return pos


def with_sof_size(jpeg, width, height):
    sof = [p for m, p in jpeg_segments(jpeg) if m in (0xc0, 0xc1, 0xc2)][0]
    b = bytearray(jpeg)
    b[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(b)


def with_app1_exif(jpeg, tiff):
    app1 = b"Exif\0\0" + tiff
    seg = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    return jpeg[:2] + seg + jpeg[2:]


def tiff_ifd0(entries, count=None, ifd_offset=8):
    """Big-endian TIFF with IFD0 holding (tag, type, count, value) entries."""
    n = len(entries) if count is None else count
    out = b"MM\0\x2a" + struct.pack(">I", ifd_offset)
    out += struct.pack(">H", n)
    for tag, kind, cnt, value in entries:
        out += struct.pack(">HHIHH", tag, kind, cnt, value, 0)
    return out + b"\0\0\0\0"


def many_scans(count):
    """A 2048x2048 flat grey progressive JPEG whose last scan (an AC
    refinement, a few bytes long for a flat image) is repeated: every scan
    walks all 65536 blocks."""
    flat = Image.new("L", (2048, 2048), 128)
    data = jpeg_bytes(flat, progressive=True, quality=90)
    eoi = data.rindex(b"\xff\xd9")
    last_sos = data.rindex(b"\xff\xda", 0, eoi)
    scan = data[last_sos:eoi]
    return data[:eoi] + scan * (count - 1) + data[eoi:]


def ycck_jpeg(image):
    """libjpeg-turbo's TurboJPEG API writes CMYK input as YCCK, with an
    Adobe marker."""
    lib = ctypes.CDLL(ctypes.util.find_library("turbojpeg") or
                      "libturbojpeg.so.0")
    lib.tjInitCompress.restype = ctypes.c_void_p
    lib.tjCompress2.argtypes = [
        ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int,
        ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_void_p),
        ctypes.POINTER(ctypes.c_ulong), ctypes.c_int, ctypes.c_int,
        ctypes.c_int]
    lib.tjFree.argtypes = [ctypes.c_void_p]
    lib.tjDestroy.argtypes = [ctypes.c_void_p]
    # Adobe (Photoshop) CMYK and YCCK JPEGs store inverted ink values, as
    # PIL's CMYK JPEG writer does.
    cmyk = Image.eval(image.convert("CMYK"), lambda v: 255 - v)
    handle = lib.tjInitCompress()
    buf, size = ctypes.c_void_p(), ctypes.c_ulong(0)
    TJPF_CMYK, TJSAMP_420 = 11, 2
    if lib.tjCompress2(handle, cmyk.tobytes(), cmyk.width, 0, cmyk.height,
                       TJPF_CMYK, ctypes.byref(buf), ctypes.byref(size),
                       TJSAMP_420, 90, 0) != 0:
        raise RuntimeError("tjCompress2 failed")
    data = ctypes.string_at(buf, size.value)
    lib.tjFree(buf)
    lib.tjDestroy(handle)
    return data


def png_bomb():
    """30000x30000 8-bit grey of zeros: 900 MB of pixels in under 1 MB."""
    width = height = 30000
    comp = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    block = row * 500
    parts = [comp.compress(block) for _ in range(height // 500)]
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
            png_chunk(b"IDAT", b"".join(parts)) + png_chunk(b"IEND", b""))


def with_chunk_byte(png, kind, offset, xor):
    """@png with one byte of chunk @kind flipped; @offset from the chunk's
    start (0 is its length, 8 its data), negative from its CRC's end."""
    b = bytearray(png)
    at = b.index(kind) - 4
    length = struct.unpack(">I", b[at:at + 4])[0]
    b[at + offset if offset >= 0 else at + 12 + length + offset] ^= xor
    return bytes(b)


def png_zlib_bomb():
    """100x100 grey whose IDAT inflates to 1 GiB: the image needs 10,100
    bytes of it, the rest is a bomb for a decoder that inflates it all."""
    comp = zlib.compressobj(9)
    rows = b"".join(b"\0" + bytes((x + y) % 256 for x in range(100))
                    for y in range(100))
    parts = [comp.compress(rows)]
    block = b"\0" * (1 << 20)
    parts += [comp.compress(block) for _ in range(1024)]
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", 100, 100, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) +
            png_chunk(b"IDAT", b"".join(parts)) + png_chunk(b"IEND", b""))


def write_png_cases(write, png, grey_rows):
    """The PNG faults imgpngdec names, and valid PNGs stock decoders got
    wrong."""
    write("png-bad-crc-ihdr.png", with_chunk_byte(png, b"IHDR", -1, 0xff))
    idat = png.index(b"IDAT") - 4
    length = struct.unpack(">I", png[idat:idat + 4])[0]
    cut = png[:idat] + png_chunk(b"IDAT", png[idat + 8:idat + 8 +
                                               length // 2])
    write("png-idat-truncated.png", cut + png_chunk(b"IEND", b""))
    write("png-zlib-bomb.png", png_zlib_bomb())
    b = bytearray(png)
    b[idat:idat + 4] = struct.pack(">I", 0xfffffff0)
    write("png-chunk-length-fffffff0.png", bytes(b))
    palette = b"".join(bytes((i, 255 - i, 7 * i % 256)) for i in range(16))
    pal_rows = [bytes((x // 4) for x in range(64)) for _ in range(48)]
    write("png-trns-longer-than-plte.png",
          png_bytes(64, 48, 8, 3, pal_rows,
                    extra=(png_chunk(b"PLTE", palette),
                           png_chunk(b"tRNS", bytes(range(20))))))
    rows16 = [b"".join(struct.pack(">H", x * 1000) for x in range(64))
              for _ in range(48)]
    write("png-16bit-palette.png",
          png_bytes(64, 48, 16, 3, rows16,
                    extra=(png_chunk(b"PLTE", palette),)))
    # a valid image no converter limit may refuse: 40000 pixels wide
    wide = [bytes((x // 157) % 256 for x in range(40000)) for _ in range(2)]
    write("png-40000x2.png", png_bytes(40000, 2, 8, 0, wide))
    # 16-bit colour, 16-bit alpha and a colour key, decoded right
    rgb16 = [b"".join(struct.pack(">HHH", x * 1000, y * 1300, 30000)
                      for x in range(64)) for y in range(48)]
    write("png-16bit-rgb.png", png_bytes(64, 48, 16, 2, rgb16))
    key_rows = [b"".join(bytes((10, 200, 30)) if (x + y) % 3 == 0 else
                         bytes((x * 4, y * 5, 128)) for x in range(64))
                for y in range(48)]
    write("png-trns-colour-key.png",
          png_bytes(64, 48, 8, 2, key_rows,
                    extra=(png_chunk(b"tRNS", struct.pack(">HHH", 10, 200,
                                                          30)),)))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261127)

    def write(name, data):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    photo = photo_like(640, 480)
    jpeg = jpeg_bytes(photo, quality=90)
    write("valid.jpg", jpeg)
    write("valid-small.webp", webp_bytes(photo_like(400, 300, 2), quality=80))

    write("zero-bytes.jpg", b"")
    write("soi-only.jpg", b"\xff\xd8")
    write("jpeg-magic-random.jpg",
          b"\xff\xd8\xff" + bytes(rng.getrandbits(8) for _ in range(4096)))
    for pct in (10, 50, 90):
        write("truncated-%d.jpg" % pct, jpeg[:len(jpeg) * pct // 100])

    sos = find_marker(jpeg, 0xda)
    body = bytearray(jpeg)
    for i in range(sos + 40, len(body) - 2):
        if rng.random() < 0.05:
            body[i] = rng.getrandbits(8)
    write("corrupt-entropy.jpg", bytes(body))

    write("sof-65535x65535.jpg", with_sof_size(jpeg, 65535, 65535))
    write("sof-60000x60000.jpg", with_sof_size(jpeg, 60000, 60000))
    write("sof-width-0.jpg", with_sof_size(jpeg, 0, 480))
    write("progressive-5000-scans.jpg", many_scans(5000))
    # libjpeg's scan script (DC, five AC scans, DC refinement, ...); cut
    # inside its first AC scan, the DC of every component is there
    prog = jpeg_bytes(photo, quality=90, progressive=True)
    write("progressive.jpg", prog)
    first_ac = find_marker(prog, 0xda, find_marker(prog, 0xda) + 2)
    write("progressive-cut-after-dc.jpg", prog[:first_ac + 200])

    # One file is one image: what follows the primary JPEG is skipped (a
    # second JPEG, an MPF secondary image, trailing bytes).
    other = jpeg_bytes(photo_like(320, 200, 9), quality=85)
    write("two-jpegs.jpg", jpeg + other)
    mpf = b"MPF\0MM\0*" + struct.pack(">IH", 8, 0) + bytes(4)
    write("mpf.jpg", jpeg[:2] + b"\xff\xe2" + struct.pack(">H", len(mpf) + 2) +
          mpf + jpeg[2:] + other)
    write("trailing-bytes.jpg", jpeg + bytes(4096))

    # Damaged headers, refused as such: a frame header too short for its
    # three components, a segment running past the end of the file.
    sof = [p for m, p in jpeg_segments(jpeg) if m == 0xc0][0]
    b = bytearray(jpeg)
    b[sof + 2:sof + 4] = struct.pack(">H", 11)
    write("sof-short.jpg", bytes(b))
    write("segment-past-end.jpg",
          jpeg[:2] + b"\xff\xe1\xff\xf0Exif\0\0" + bytes(100))

    write("cmyk.jpg", jpeg_bytes(photo.convert("CMYK"), quality=90))
    write("ycck.jpg", ycck_jpeg(photo))

    write("exif-ifd-count-ffff.jpg",
          with_app1_exif(jpeg, tiff_ifd0([(0x0112, 3, 1, 6)], count=0xffff)))
    write("exif-offset-past-end.jpg",
          with_app1_exif(jpeg, tiff_ifd0([(0x0112, 3, 1, 6)],
                                         ifd_offset=0x7ffffff0)))
    write("exif-orientation-0.jpg",
          with_app1_exif(jpeg, tiff_ifd0([(0x0112, 3, 1, 0)])))
    write("exif-orientation-9.jpg",
          with_app1_exif(jpeg, tiff_ifd0([(0x0112, 3, 1, 9)])))

    # Arithmetic coding, then a 12-bit frame header (libjpeg-turbo is built
    # for 8-bit samples: the precision byte of a valid file is raised).
    write("arithmetic.jpg", arithmetic_jpeg(out, photo))
    sof = [p for m, p in jpeg_segments(jpeg) if m == 0xc0][0]
    b = bytearray(jpeg)
    b[sof + 4] = 12
    write("precision-12.jpg", bytes(b))

    grey_rows = [bytes((x + y) % 256 for x in range(64)) for y in range(48)]
    png = png_bytes(64, 48, 8, 0, grey_rows)
    write("valid.png", png)
    write("png-truncated.png", png[:len(png) * 2 // 3])
    bad = bytearray(png)
    idat = bad.index(b"IDAT")
    length = struct.unpack(">I", bad[idat - 4:idat])[0]
    bad[idat + 4 + length] ^= 0xff  # first CRC byte of IDAT
    write("png-bad-crc.png", bytes(bad))
    write("png-bomb-30000x30000.png", png_bomb())
    bad = bytearray(png)
    bad[29] ^= 0xff  # first CRC byte of IHDR
    write("png-ihdr-bad-crc.png", bytes(bad))
    write("png-ihdr-truncated.png", png[:24])

    rgba16 = [b"".join(struct.pack(">HHHH", x * 1000, y * 1300, 30000,
                                   65535 - x * 900) for x in range(64))
              for y in range(48)]
    write("png-16bit-alpha.png", png_bytes(64, 48, 16, 6, rgba16))

    palette = b"".join(bytes((i, 255 - i, (i * 7) % 256)) for i in range(16))
    trns = bytes(i * 16 for i in range(16))
    pal_rows = [bytes((x // 4) for x in range(64)) for _ in range(48)]
    write("png-palette-trns.png",
          png_bytes(64, 48, 8, 3, pal_rows,
                    extra=(png_chunk(b"PLTE", palette),
                           png_chunk(b"tRNS", trns))))

    texts = [png_chunk(b"tEXt", b"Comment\0number %d" % i)
             for i in range(10000)]
    write("png-10000-text-chunks.png",
          png_bytes(64, 48, 8, 0, grey_rows, extra=texts))

    write_png_cases(write, png, grey_rows)

    webp = webp_bytes(photo, quality=80)
    huge = bytearray(webp)
    huge[4:8] = struct.pack("<I", 0xfffffff0)
    write("webp-riff-size-fffffff0.webp", bytes(huge))
    write("webp-truncated.webp", webp[:len(webp) // 2])
    vp8 = bytearray(webp)
    assert vp8[12:16] == b"VP8 "
    # VP8 key frame: 3-byte frame tag, start code 9d 01 2a, then 14-bit
    # width and height (the top two bits are the scale).
    vp8[26:30] = struct.pack("<HH", 16383, 16383)
    write("vp8-16383x16383.webp", bytes(vp8))
    frames = [photo_like(160, 120, s) for s in (3, 4, 5)]
    anim = io.BytesIO()
    frames[0].save(anim, "WEBP", save_all=True, append_images=frames[1:],
                   duration=100, loop=0, quality=80)
    write("animated.webp", anim.getvalue())

    write_still_cases(write, out, photo, rng)

    write("png-named.jpg", png)
    write("jpeg-named.png", jpeg)
    os.makedirs(os.path.join(out, "directory.jpg"), exist_ok=True)
    write("mode-000.jpg", jpeg)
    os.chmod(os.path.join(out, "mode-000.jpg"), 0)


def heif_bytes(workdir, image, avif=False):
    """heif-enc (libheif-examples) or avifenc (libavif-bin) on a PNG."""
    import subprocess
    src = os.path.join(workdir, ".heif-src.png")
    dst = os.path.join(workdir, ".heif-out." + ("avif" if avif else "heic"))
    image.save(src)
    try:
        if avif:
            subprocess.run(["avifenc", "-s", "8", src, dst], check=True,
                           stdout=subprocess.DEVNULL)
        else:
            subprocess.run(["heif-enc", "-q", "80", "-o", dst, src],
                           check=True, stdout=subprocess.DEVNULL)
        with open(dst, "rb") as f:
            return f.read()
    finally:
        for p in (src, dst):
            if os.path.exists(p):
                os.unlink(p)


def with_ispe(heif, width, height):
    """Every ispe property (the primary image's, its tiles') says
    @width x @height."""
    b = bytearray(heif)
    pos = b.find(b"ispe")
    assert pos > 0
    while pos > 0:
        b[pos + 8:pos + 16] = struct.pack(">II", width, height)
        pos = b.find(b"ispe", pos + 4)
    return bytes(b)


def with_meta_size_zero(heif):
    """The meta box's size field 0: "to the end of the file"."""
    b = bytearray(heif)
    pos = b.find(b"meta")
    assert pos >= 4
    b[pos - 4:pos] = struct.pack(">I", 0)
    return bytes(b)


def with_nclx_primaries(heif, primaries):
    """The nclx colour box says colour primaries @primaries."""
    b = bytearray(heif)
    pos = b.find(b"colrnclx")
    assert pos > 0
    b[pos + 8:pos + 10] = struct.pack(">H", primaries)
    return bytes(b)


def damage(data, start, rng, rate=0.05):
    b = bytearray(data)
    for i in range(start, len(b)):
        if rng.random() < rate:
            b[i] = rng.getrandbits(8)
    return bytes(b)


def image_bytes(image, kind, **kwargs):
    out = io.BytesIO()
    image.save(out, kind, **kwargs)
    return out.getvalue()


def write_still_cases(write, out, photo, rng):
    """HEIF, AVIF, GIF, TIFF and BMP: truncated, bomb-sized headers,
    corrupt data, mislabelled."""
    heif = heif_bytes(out, photo)
    write("ok.heic", heif)
    write("heif-truncated.heic", heif[:len(heif) // 2])
    write("heif-ispe-60000x60000.heic", with_ispe(heif, 60000, 60000))
    mdat = heif.find(b"mdat")
    write("heif-corrupt.heic", heif[:mdat + 8] + bytes(
        rng.getrandbits(8) for _ in range(len(heif) - mdat - 8)))
    write("heif-named.jpg", heif)
    avif = heif_bytes(out, photo, avif=True)
    write("ok.avif", avif)
    write("avif-truncated.avif", avif[:len(avif) // 2])
    write("avif-ispe-60000x60000.avif", with_ispe(avif, 60000, 60000))
    write("avif-meta-size-0.avif", with_meta_size_zero(avif))
    # primaries 3 are reserved: libheif refuses the colour description (and,
    # in 1.15, keeps what it allocated for it), the pixels are still fine
    write("avif-nclx-reserved.avif", with_nclx_primaries(avif, 3))

    gif = image_bytes(photo.quantize(256), "GIF")
    write("ok.gif", gif)
    write("gif-truncated.gif", gif[:len(gif) // 2])
    b = bytearray(gif)
    b[6:10] = struct.pack("<HH", 65535, 65535)
    write("gif-screen-65535x65535.gif", bytes(b))
    # a 30000x30000 frame on a 640x480 screen: the frame's own size counts
    frame = gif.find(b"\x2c\x00\x00\x00\x00")
    b = bytearray(gif)
    b[frame + 5:frame + 9] = struct.pack("<HH", 30000, 30000)
    write("gif-frame-30000x30000.gif", bytes(b))
    write("gif-corrupt.gif", damage(gif, frame + 12, rng, 0.2))
    write("gif-named.png", gif)

    tiff = image_bytes(photo, "TIFF", compression="tiff_lzw")
    write("ok.tif", tiff)
    write("tiff-truncated.tif", tiff[:len(tiff) // 2])
    # ImageWidth and ImageLength in the first directory (Pillow writes it
    # after the header)
    b = bytearray(tiff)
    ifd = struct.unpack("<I", b[4:8])[0]
    for i in range(struct.unpack("<H", b[ifd:ifd + 2])[0]):
        e = ifd + 2 + 12 * i
        tag, kind = struct.unpack("<HH", b[e:e + 4])
        if tag in (256, 257):
            if kind == 3:
                b[e + 8:e + 10] = struct.pack("<H", 60000)
            else:
                b[e + 8:e + 12] = struct.pack("<I", 60000)
    write("tiff-60000x60000.tif", bytes(b))
    write("tiff-corrupt.tif", damage(tiff, 8, rng, 0.01))
    write("tiff-ifd-past-end.tif", b"II*\0" + struct.pack("<I", 1 << 30) +
          bytes(64))

    bmp = image_bytes(photo, "BMP")
    write("ok.bmp", bmp)
    write("bmp-truncated.bmp", bmp[:len(bmp) // 2])
    b = bytearray(bmp)
    b[18:26] = struct.pack("<ii", 60000, 60000)
    write("bmp-60000x60000.bmp", bytes(b))
    b = bytearray(bmp)
    b[18:22] = struct.pack("<i", -640)
    write("bmp-negative-width.bmp", bytes(b))
    write("bmp-named.gif", bmp)


def arithmetic_jpeg(workdir, image):
    """cjpeg -arithmetic (libjpeg-turbo-progs) from a PPM of @image."""
    import subprocess
    ppm = os.path.join(workdir, ".arith-src.ppm")
    image.save(ppm)
    try:
        return subprocess.run(["cjpeg", "-arithmetic", "-quality", "90", ppm],
                              check=True, stdout=subprocess.PIPE).stdout
    finally:
        os.unlink(ppm)


if __name__ == "__main__":
    main()

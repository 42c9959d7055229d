#!/usr/bin/python3
# Images with embedded colour profiles, made at test time, and the checks
# of what imgcompressbin made of them (tests/check/pipelines/colour.c):
#
#   make-colour.py make DIR
#       DIR holds p3.icc, prophoto.icc, lab.icc and generic.icc (made by
#       the C test with lcms2); writes PROFILE.{jpg,png,webp} of a
#       saturated picture, the sRGB-tagged and untagged ones, CMYK JPEGs,
#       the damaged-profile cases (dmg-*), the metadata cases (meta.*)
#       and CMYK and Lab TIFFs (8 and 16 bits, planes, tiles, ICCLab,
#       alpha; ITULAB and an ink set imgtiffdec refuses)
#   make-colour.py check SRC OUTDIR
#       the outputs of SRC (OUTDIR/convert-*) against those of ref-SRC.png
#       (OUTDIR/ref-*), SRC converted to sRGB by Pillow's ImageCms (lcms2,
#       relative colorimetric with black point compensation; a CMYK SRC
#       without a profile through Ghostscript's default CMYK profile) and
#       made by the same pipeline; prints the mean difference per channel
#       before (OUTDIR/ignore-*: profile ignored) and after, fails above
#       MAX_MEAN_DIFF
#   make-colour.py same DIR_A DIR_B
#       the outputs of the two runs are byte-identical
#   make-colour.py keep SRC OUTDIR
#       the outputs in OUTDIR/keep-* embed SRC's profile and have the
#       pixels of those in OUTDIR/ignore-*, which have none
#   make-colour.py meta OUTDIR none|copyright
#       no EXIF/XMP at all, or the artist and copyright and nothing else
#   make-colour.py alpha SRC OUTDIR
#       the full-size WebP of SRC (a TIFF with the alpha ramp) has that
#       alpha and, where opaque, the colours of its reference

import io
import os
import struct
import subprocess
import sys

import numpy
from PIL import Image, ImageCms

MAX_MEAN_DIFF = 1.5
# ... but for the 150-pixel thumbnails: the picture is saturated well past
# sRGB's gamut (ProPhoto, P3), and colours clipped after the reduction
# (imgcompressbin converts the reduced frames) differ from colours clipped
# before it by up to 1.6 levels (ProPhoto, blue; the same pipeline on an
# untagged JPEG and PNG of one picture already differs by 0.75 there);
# docs/tuning.md, "Colour", gives the figures
MAX_MEAN_DIFF_THUMBNAIL = 2.0
WIDTH, HEIGHT = 640, 400
PROFILES = ("p3", "prophoto", "lab", "generic")
ARTIST, COPYRIGHT = "Jane Example", "(c) 2026 Jane Example"
# Pillow 9 (Debian 12) has the constants, later ones the enums only
INTENT = 1  # relative colorimetric
BPC = 0x2000  # cmsFLAGS_BLACKPOINTCOMPENSATION
GS_CMYK = "/usr/share/color/icc/ghostscript/"


def picture():
    """Saturated smooth colours, where a wide gamut shows most."""
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH].astype(numpy.float64)
    r = 255 * x / WIDTH
    g = 255 * (0.5 + 0.5 * numpy.sin(y / 50.0))
    b = 255 * (1 - (x + y) / (WIDTH + HEIGHT))
    return Image.fromarray(numpy.rint(numpy.stack([r, g, b], -1)).astype(
        numpy.uint8))


def cmyk_picture():
    y, x = numpy.mgrid[0:HEIGHT, 0:WIDTH].astype(numpy.float64)
    c = 255 * x / WIDTH
    m = 255 * y / HEIGHT
    ye = 255 * (1 - x / WIDTH)
    k = 60 * (0.5 + 0.5 * numpy.sin(x / 40.0))
    return Image.fromarray(numpy.rint(numpy.stack([c, m, ye, k], -1)).astype(
        numpy.uint8), "CMYK")


def app2_chunks(icc, seqs, count, size=60000):
    parts = [icc[i:i + size] for i in range(0, len(icc), size)]
    out = b""
    for s in seqs:
        payload = b"ICC_PROFILE\0" + bytes([s, count]) + parts[(s - 1) % len(parts)]
        out += b"\xff\xe2" + struct.pack(">H", len(payload) + 2) + payload
    return out


def with_segments(jpeg, segments):
    """@segments right after SOI."""
    return jpeg[:2] + segments + jpeg[2:]


def png_chunk(kind, data):
    import zlib
    crc = zlib.crc32(kind + data) & 0xffffffff
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_with_iccp(png, icc):
    import zlib
    iccp = png_chunk(b"iCCP", b"bad\0\0" + zlib.compress(icc))
    return png[:33] + iccp + png[33:]


def webp_with_iccp(webp, iccp_payload):
    """An extended WebP: VP8X with the ICC flag, ICCP, then the image."""
    width, height = WIDTH, HEIGHT
    vp8x = (b"VP8X" + struct.pack("<I", 10) + bytes([0x20, 0, 0, 0]) +
            (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"))
    iccp = b"ICCP" + struct.pack("<I", len(iccp_payload)) + iccp_payload
    if len(iccp_payload) & 1:
        iccp += b"\0"
    body = b"WEBP" + vp8x + iccp + webp[12:]
    return b"RIFF" + struct.pack("<I", len(body)) + body


def damaged_profiles(good):
    """(name, profile bytes) of each damage of the profile's own bytes."""
    n_tags = struct.unpack(">I", good[128:132])[0]
    out = [("truncated", good[:len(good) // 2])]
    out.append(("size", struct.pack(">I", len(good) - 8) + good[4:]))
    out.append(("tagcount", good[:128] + struct.pack(">I", 0x10000000) + good[132:]))
    bad = bytearray(good)
    bad[132 + 4:132 + 8] = struct.pack(">I", len(good) + 1000)
    out.append(("tagoffset", bytes(bad)))
    bad = bytearray(good)
    for i in range(0, n_tags):
        off = struct.unpack(">I", good[132 + 12 * i + 4:132 + 12 * i + 8])[0]
        bad[off:off + 4] = b"zzzz"
    out.append(("garbage", bytes(bad)))
    return out


def bmp_v5(im, icc):
    """A 24-bit BMP with a BITMAPV5HEADER whose profile is embedded
    (PROFILE_EMBEDDED, after the pixels), which Pillow does not write."""
    w, h = im.size
    stride = (w * 3 + 3) & ~3
    rows = numpy.asarray(im.convert("RGB"))[::-1, :, ::-1]
    pixels = b"".join(r.tobytes() + bytes(stride - w * 3) for r in rows)
    info = struct.pack("<IiiHHIIiiII", 124, w, h, 1, 24, 0, len(pixels),
                       2835, 2835, 0, 0)
    info += bytes(16) + struct.pack("<I", 0x4d424544) + bytes(36 + 12)
    info += struct.pack("<IIII", 4, 124 + len(pixels), len(icc), 0)
    body = info + pixels + icc
    return b"BM" + struct.pack("<IHHI", 14 + len(body), 0, 0, 14 + 124) + body


# Sources whose colour description Pillow cannot read: their references
# are made from the PNG of the same picture and profile (nclx primaries 12
# with transfer 13 are Display P3, p3.icc); the TIFFs Pillow cannot read
# from the 8-bit TIFF of the same samples
REFERENCE_SOURCE = {"p3.bmp": "p3.png", "p3.heic": "p3.png",
                    "nclx-p3.avif": "p3.png", "cmyk16-planes.tif": "cmyk.tif",
                    "lab16.tif": "lab.tif", "icclab.tif": "lab.tif",
                    "icclab16.tif": "lab.tif", "lab-alpha.tif": "lab.tif",
                    "cmyk-alpha.tif": "cmyk.tif"}
# TIFF tags and values
PHOTOMETRIC_SEPARATED, PHOTOMETRIC_CIELAB = 5, 8
PHOTOMETRIC_ICCLAB, PHOTOMETRIC_ITULAB = 9, 10
EXTRASAMPLE_UNASSALPHA = 2


def heif_enc(src, dst, *options):
    """Lossless, in RGB: the HEVC coding costs no difference to the PNG."""
    subprocess.run(["heif-enc", "-L", "--matrix_coefficients=0"] +
                   list(options) + ["-o", dst, src], check=True,
                   capture_output=True)


def save(im, path, **kw):
    im.save(path, **kw)


def raw_tiff(path, samples, photometric, bits=8, planar=1, tags=()):
    """An uncompressed little-endian TIFF of @samples (HxW arrays, one
    per sample), one strip per plane, with extra (tag, type, values): the
    layouts Pillow does not write (16-bit CMYK and Lab, ICCLab, separate
    planes, alpha, ink sets)."""
    h, w = samples[0].shape
    arr = numpy.stack(samples, -1).astype("<u2" if bits == 16 else "u1")
    if planar == 1:
        strips = [arr.tobytes()]
    else:
        strips = [numpy.ascontiguousarray(arr[..., i]).tobytes()
                  for i in range(len(samples))]
    data = bytearray(b"II*\0" + bytes(4))
    offsets = []
    for s in strips:
        offsets.append(len(data))
        data += s
    n = len(samples)
    entries = sorted([(256, 4, [w]), (257, 4, [h]), (258, 3, [bits] * n),
                      (259, 3, [1]), (262, 3, [photometric]),
                      (273, 4, offsets), (277, 3, [n]), (278, 4, [h]),
                      (279, 4, [len(s) for s in strips]),
                      (284, 3, [planar])] + list(tags))
    ifd = len(data) + (len(data) & 1)
    data += bytes(ifd - len(data))
    struct.pack_into("<I", data, 4, ifd)
    values = ifd + 2 + 12 * len(entries) + 4
    table, tail = struct.pack("<H", len(entries)), b""
    for tag, typ, vals in entries:
        packed = struct.pack("<%d%s" % (len(vals), "H" if typ == 3 else "I"),
                             *vals)
        if len(packed) <= 4:
            field = packed + bytes(4 - len(packed))
        else:
            field = struct.pack("<I", values + len(tail))
            tail += packed
        table += struct.pack("<HHI", tag, typ, len(vals)) + field
    data += table + bytes(4) + tail
    with open(path, "wb") as f:
        f.write(data)


def alpha_ramp():
    """Opaque on the left half, fading to transparent on the right."""
    x = numpy.arange(WIDTH)
    ramp = numpy.clip((WIDTH - x) * 255 // (WIDTH // 2), 0, 255)
    return numpy.tile(ramp, (HEIGHT, 1)).astype(numpy.uint8)


def make_tiffs(d, pic, cmyk):
    """CMYK and Lab TIFFs: through the default CMYK profile, an embedded
    one, 16 bits in planes, JPEG tiles; CIELab and ICCLab in 8 and 16 bits;
    both with alpha; ITULAB and a non-CMYK ink set, refused."""
    save(cmyk, os.path.join(d, "cmyk.tif"), compression="tiff_lzw")
    if os.path.exists(GS_CMYK + "ps_cmyk.icc"):
        save(cmyk, os.path.join(d, "cmyk-icc.tif"),
             icc_profile=open(GS_CMYK + "ps_cmyk.icc", "rb").read())
    subprocess.run(["convert", os.path.join(d, "cmyk.tif"), "-compress",
                    "jpeg", "-quality", "95", "-define",
                    "tiff:tile-geometry=128x128",
                    os.path.join(d, "cmyk-jpeg-tiles.tif")], check=True,
                   capture_output=True)
    c = [a.astype(numpy.uint32) for a in
         numpy.moveaxis(numpy.asarray(cmyk), -1, 0)]
    raw_tiff(os.path.join(d, "cmyk16-planes.tif"), [a * 257 for a in c],
             PHOTOMETRIC_SEPARATED, bits=16, planar=2)
    raw_tiff(os.path.join(d, "cmyk-alpha.tif"), c + [alpha_ramp()],
             PHOTOMETRIC_SEPARATED, planar=2,
             tags=[(338, 3, [EXTRASAMPLE_UNASSALPHA])])
    raw_tiff(os.path.join(d, "inks.tif"), c, PHOTOMETRIC_SEPARATED,
             tags=[(332, 3, [2])])

    lab = ImageCms.profileToProfile(
        pic, ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"),
        renderingIntent=INTENT, outputMode="LAB")
    save(lab, os.path.join(d, "lab.tif"))
    # Pillow's LAB holds TIFF's CIELab bytes: a* and b* signed; the ICC
    # encoding is them plus 128
    L, a, b = [x.astype(numpy.int32) for x in
               numpy.moveaxis(numpy.asarray(lab), -1, 0)]
    signed8 = [L, a, b]
    a, b = (a ^ 0x80), (b ^ 0x80)
    raw_tiff(os.path.join(d, "lab16.tif"),
             [L * 257, ((a - 128) * 256) & 0xffff, ((b - 128) * 256) & 0xffff],
             PHOTOMETRIC_CIELAB, bits=16)
    raw_tiff(os.path.join(d, "icclab.tif"), [L, a, b], PHOTOMETRIC_ICCLAB)
    raw_tiff(os.path.join(d, "icclab16.tif"), [L * 256, a * 256, b * 256],
             PHOTOMETRIC_ICCLAB, bits=16)
    raw_tiff(os.path.join(d, "lab-alpha.tif"), signed8 + [alpha_ramp()],
             PHOTOMETRIC_CIELAB, tags=[(338, 3, [EXTRASAMPLE_UNASSALPHA])])
    raw_tiff(os.path.join(d, "itulab.tif"), signed8, PHOTOMETRIC_ITULAB)


def make(d):
    pic = picture()
    for p in PROFILES:
        icc = open(os.path.join(d, p + ".icc"), "rb").read()
        save(pic, os.path.join(d, p + ".jpg"), quality=95, icc_profile=icc)
        save(pic, os.path.join(d, p + ".png"), icc_profile=icc)
        save(pic, os.path.join(d, p + ".webp"), lossless=True, icc_profile=icc)
    # the other decoders' profiles: TIFF tag 34675, BMP V5, HEIF colr
    p3 = open(os.path.join(d, "p3.icc"), "rb").read()
    save(pic, os.path.join(d, "p3.tif"), icc_profile=p3)
    with open(os.path.join(d, "p3.bmp"), "wb") as f:
        f.write(bmp_v5(pic, p3))
    # lossless, in RGB: the HEVC coding costs no difference to the PNG
    heif_enc(os.path.join(d, "p3.png"), os.path.join(d, "p3.heic"))
    # no profile, an nclx box: Display P3 primaries, sRGB's curve (libheif
    # 1.15's heif-enc writes no nclx box: libavif's encoder, lossless in RGB)
    save(pic, os.path.join(d, "plain-nclx.png"))
    subprocess.run(["avifenc", "-l", "--cicp", "12/13/0",
                    os.path.join(d, "plain-nclx.png"),
                    os.path.join(d, "nclx-p3.avif")], check=True,
                   capture_output=True)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    save(pic, os.path.join(d, "srgb.jpg"), quality=95, icc_profile=srgb)
    save(pic, os.path.join(d, "srgb.webp"), lossless=True, icc_profile=srgb)
    # grey, with an RGB profile whose grey axis is sRGB's (P3: D65, sRGB
    # curve): converted, it must stay the same grey
    save(pic.convert("L"), os.path.join(d, "grey-p3.jpg"), quality=95,
         icc_profile=open(os.path.join(d, "p3.icc"), "rb").read())
    save(pic, os.path.join(d, "plain.jpg"), quality=95)
    save(pic, os.path.join(d, "plain.png"))
    save(pic, os.path.join(d, "plain.webp"), lossless=True)

    # CMYK: without a profile (the default one applies), and with one
    cmyk = cmyk_picture()
    save(cmyk, os.path.join(d, "cmyk.jpg"), quality=95)
    if os.path.exists(GS_CMYK + "ps_cmyk.icc"):
        save(cmyk, os.path.join(d, "cmyk-icc.jpg"), quality=95,
             icc_profile=open(GS_CMYK + "ps_cmyk.icc", "rb").read())

    make_tiffs(d, pic, cmyk)

    # Damaged profiles: the plain picture's bytes plus the damage, so that
    # every output must equal plain.*'s
    p3 = open(os.path.join(d, "p3.icc"), "rb").read()
    big = open(os.path.join(d, "lab.icc"), "rb").read()
    plain_jpg = open(os.path.join(d, "plain.jpg"), "rb").read()
    plain_webp = open(os.path.join(d, "plain.webp"), "rb").read()
    plain_png = open(os.path.join(d, "plain.png"), "rb").read()
    cases = {}
    for name, bad in damaged_profiles(p3):
        cases["dmg-%s.jpg" % name] = with_segments(plain_jpg,
                                                   app2_chunks(bad, [1], 1))
    n = (len(big) + 59999) // 60000
    assert n >= 2, "the Lab profile must take two chunks"
    cases["dmg-missing.jpg"] = with_segments(plain_jpg,
                                             app2_chunks(big, range(1, n), n))
    cases["dmg-duplicate.jpg"] = with_segments(
        plain_jpg, app2_chunks(big, [1] + list(range(1, n + 1)), n))
    cases["dmg-seq0.jpg"] = with_segments(plain_jpg, app2_chunks(p3, [0], 1))
    cases["dmg-counts.jpg"] = with_segments(
        plain_jpg, app2_chunks(big, [1], n) + app2_chunks(big, [2], n + 1))
    cases["dmg-truncated.png"] = png_with_iccp(plain_png, p3[:300])
    cases["dmg-truncated.webp"] = webp_with_iccp(plain_webp, p3[:300])
    cases["dmg-tagcount.webp"] = webp_with_iccp(
        plain_webp, dict(damaged_profiles(p3))["tagcount"])
    cases["dmg-100mb.webp"] = webp_with_iccp(
        plain_webp, p3 + bytes(100 * 1024 * 1024 - len(p3)))
    # chunks out of order in the file, numbered right: joined in order
    cases["order.jpg"] = with_segments(plain_jpg,
                                       app2_chunks(big, range(n, 0, -1), n))
    for name, data in cases.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)

    # the references: each converted by ImageCms, untagged and lossless
    for p in PROFILES:
        for ext in ("jpg", "png", "webp"):
            name = "%s.%s" % (p, ext)
            reference(os.path.join(d, name)).save(
                os.path.join(d, "ref-%s.png" % name))
    for name in ("p3.tif", "p3.bmp", "p3.heic", "nclx-p3.avif"):
        reference(os.path.join(d, name)).save(
            os.path.join(d, "ref-%s.png" % name))
    for name in ("cmyk.jpg", "cmyk-icc.jpg", "cmyk.tif", "cmyk-icc.tif",
                 "cmyk-jpeg-tiles.tif", "cmyk16-planes.tif", "lab.tif",
                 "lab16.tif", "icclab.tif", "icclab16.tif"):
        if os.path.exists(os.path.join(d, name)):
            reference(os.path.join(d, name)).save(
                os.path.join(d, "ref-%s.png" % name))

    # Metadata: EXIF artist, copyright, camera and GPS; XMP creator, rights
    exif = Image.Exif()
    exif[0x013B] = ARTIST
    exif[0x8298] = COPYRIGHT
    exif[0x010F] = "ExampleCam"
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 30.0)}
    save(pic, os.path.join(d, "meta.jpg"), quality=95, exif=exif.tobytes())
    save(pic, os.path.join(d, "meta.webp"), lossless=True, exif=exif.tobytes())


def outputs(outdir):
    for root, _, files in sorted(os.walk(outdir)):
        for f in sorted(files):
            yield os.path.join(root, f)


def rgb(path, size=None):
    im = Image.open(path)
    im.draft("RGB", im.size)
    im = im.convert("RGB")
    if size is not None and im.size != size:
        im = im.resize(size, Image.LANCZOS)
    return numpy.asarray(im, dtype=numpy.float64)


def reference(src):
    d, name = os.path.split(src)
    im = Image.open(os.path.join(d, REFERENCE_SOURCE.get(name, name)))
    srgb = ImageCms.createProfile("sRGB")
    if im.mode == "LAB":
        # the PCS, D50; relative colorimetric: the white point drops out
        return ImageCms.profileToProfile(
            im, ImageCms.createProfile("LAB", 5000), srgb,
            renderingIntent=INTENT, outputMode="RGB")
    icc = im.info.get("icc_profile") or open(GS_CMYK + "default_cmyk.icc",
                                             "rb").read()
    return ImageCms.profileToProfile(
        im, ImageCms.ImageCmsProfile(io.BytesIO(icc)), srgb,
        renderingIntent=INTENT, outputMode="RGB", flags=BPC)


def by_output(outdir):
    """{(variant, extension): path} of a run's outputs."""
    return {(os.path.basename(os.path.dirname(p)), p.rsplit(".", 1)[1]): p
            for p in outputs(outdir)}


def check(src, outdir):
    """OUTDIR/convert-*: SRC converted; OUTDIR/ignore-*: SRC with its
    profile ignored; OUTDIR/ref-*: SRC converted by ImageCms, untagged,
    through the same pipeline, so that resampling and encoding, common to
    all three, cancel out."""
    import glob
    runs = {k: by_output(glob.glob(os.path.join(outdir, k + "-*"))[0])
            for k in ("convert", "ignore", "ref")}
    ref = reference(src)
    ok = len(runs["ref"]) == 6
    for key, path in sorted(runs["ref"].items()):
        r = rgb(path)
        after = numpy.abs(rgb(runs["convert"][key]) - r).mean(axis=(0, 1))
        before = numpy.abs(rgb(runs["ignore"][key]) - r).mean(axis=(0, 1))
        # for information: against ImageCms's output resized by Pillow
        o = Image.open(runs["convert"][key])
        direct = numpy.abs(rgb(runs["convert"][key]) - numpy.asarray(
            ref.resize(o.size, Image.LANCZOS), numpy.float64)).mean(axis=(0, 1))
        limit = (MAX_MEAN_DIFF_THUMBNAIL if key[0] == "thumbnail" else
                 MAX_MEAN_DIFF)
        bad = (after.max() > limit or o.info.get("icc_profile") is not None)
        print("%s %s/%s %dx%d: mean difference R G B before %s after %s "
              "(direct %s)%s" % (
                  os.path.basename(src), key[0], key[1], o.size[0], o.size[1],
                  before.round(2), after.round(2), direct.round(2),
                  "  <-- FAIL" if bad else ""))
        ok = ok and not bad
    return ok


def same(a, b):
    fa, fb = list(outputs(a)), list(outputs(b))
    ok = len(fa) == len(fb) and len(fa) > 0
    for x, y in zip(fa, fb):
        eq = open(x, "rb").read() == open(y, "rb").read()
        print("%s %s" % (x, "identical" if eq else "DIFFERS"))
        ok = ok and eq
    return ok


def keep(src, outdir):
    import glob
    kept = glob.glob(os.path.join(outdir, "keep-*"))[0]
    ignored = glob.glob(os.path.join(outdir, "ignore-*"))[0]
    icc = Image.open(src).info["icc_profile"]
    fk, fi = list(outputs(kept)), list(outputs(ignored))
    ok = len(fk) == len(fi) and len(fk) > 0
    for x, y in zip(fk, fi):
        embedded = Image.open(x).info.get("icc_profile") == icc
        equal = numpy.array_equal(rgb(x), rgb(y))
        none = Image.open(y).info.get("icc_profile") is None
        print("%s: profile embedded %s, pixels as ignored %s, ignored has "
              "none %s" % (x, embedded, equal, none))
        ok = ok and embedded and equal and none
    return ok


def meta(outdir, mode):
    ok = True
    for out in outputs(outdir):
        raw = open(out, "rb").read()
        exif = dict(Image.open(out).getexif())
        has_xmp = b"<x:xmpmeta" in raw
        if mode == "none":
            good = not exif and not has_xmp and b"Exif\0\0" not in raw
        else:
            good = (exif == {0x013B: ARTIST, 0x8298: COPYRIGHT} and has_xmp
                    and ARTIST.encode() in raw.split(b"<x:xmpmeta")[1]
                    and b"dc:rights" in raw and b"dc:creator" in raw
                    and b"ExampleCam" not in raw and 0x8825 not in exif)
        print("%s: EXIF %s, XMP %s: %s" % (out, exif, has_xmp,
                                           "ok" if good else "WRONG"))
        ok = ok and good
    return ok


def alpha(src, outdir):
    full = by_output(outdir)[("full", "webp")]
    with Image.open(full) as im:
        got = numpy.asarray(im.convert("RGBA"), dtype=numpy.float64)
    want = numpy.asarray(reference(src), dtype=numpy.float64)
    ramp = alpha_ramp().astype(numpy.float64)
    alpha_diff = numpy.abs(got[..., 3] - ramp).mean()
    opaque = ramp == 255
    colour_diff = numpy.abs(got[..., :3][opaque] - want[opaque]).mean(axis=0)
    ok = got.shape[:2] == ramp.shape and alpha_diff <= 2 and \
        colour_diff.max() <= MAX_MEAN_DIFF
    print("%s: alpha difference %.2f, opaque colours R G B %s: %s" % (
        full, alpha_diff, colour_diff.round(2), "ok" if ok else "WRONG"))
    return ok


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2])
        return 0
    if cmd == "check":
        return 0 if check(sys.argv[2], sys.argv[3]) else 1
    if cmd == "same":
        return 0 if same(sys.argv[2], sys.argv[3]) else 1
    if cmd == "keep":
        return 0 if keep(sys.argv[2], sys.argv[3]) else 1
    if cmd == "meta":
        return 0 if meta(sys.argv[2], sys.argv[3]) else 1
    if cmd == "alpha":
        return 0 if alpha(sys.argv[2], sys.argv[3]) else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())

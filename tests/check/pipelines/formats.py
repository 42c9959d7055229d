#!/usr/bin/python3
# HEIF, AVIF, GIF, TIFF and BMP inputs made at test time from a corpus
# photo (heif-enc, avifenc, make-heif for what heif-enc cannot write,
# Pillow and ImageMagick), through imgcompressbin and the decoders:
#
#   formats.py WORKDIR
#
# For each sample:
# - the decoder alone, at full size, against a reference decode (Pillow;
#   heif-convert for HEIF and AVIF): SSIM of the luma at least 0.99, alpha
#   within 2 levels;
# - imgcompressbin's six outputs: the sizes of the reference fitted into
#   each box (upright: HEIF irot/imir and the TIFF Orientation tag applied
#   once), each at SSIM at least 0.95 against the reference resized the
#   same way (the floor of lossy q75..q90 encodes at 150 pixels: a PNG of
#   the reference itself gets 0.97 to 0.998; a picture turned the wrong way
#   gets below 0.5), alpha kept in WebP where the source has it.
# A stored HEIF thumbnail is decoded instead when it covers twice the box.
# An animated GIF gives its first frame and a warning.
# Then the tool on a directory of them beside a text file: every image
# made, the text file reported as skipped.
#
# Environment: IMGCOMPRESS_CORPUS_SCRIPT (prints the corpus directory),
# MAKE_HEIF (tests/check/pipelines/make-heif.c), IMGCOMPRESS_TOOL, and the
# GStreamer variables of the test suite.  Exits 77 when the corpus or a
# sample tool is missing.

import os
import shutil
import subprocess
import sys

import numpy
from PIL import Image, ImageCms, ImageOps, TiffImagePlugin

VARIANTS = (("thumbnail", 150), ("preview", 500), ("full", 2048))
DECODE_SSIM = 0.99
OUTPUT_SSIM = 0.95
SOURCE = "FreshFlower.jpg"
WIDTH = 960
SKIP = 77
DEFAULT_CMYK = "/usr/share/color/icc/ghostscript/default_cmyk.icc"


def run(args, **kwargs):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=120, **kwargs)


def luma(im):
    return numpy.array(im.convert("RGB").convert("L"), dtype=numpy.float64)


def box_mean(a, r=3):
    k = 2 * r + 1
    c = numpy.cumsum(numpy.cumsum(numpy.pad(a, ((1, 0), (1, 0))), 0), 1)
    return (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)


def ssim(x, y):
    """Mean SSIM over 7x7 windows (Wang et al., uniform window)."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mx, my = box_mean(x), box_mean(y)
    sxx = box_mean(x * x) - mx * mx
    syy = box_mean(y * y) - my * my
    sxy = box_mean(x * y) - mx * my
    m = ((2 * mx * my + c1) * (2 * sxy + c2)) / (
        (mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(m.mean())


def flatten(im):
    """RGBA over white, as the JPEG outputs are."""
    if im.mode != "RGBA":
        return im.convert("RGB")
    white = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, im).convert("RGB")


def write_rgb(im, path):
    with open(path, "wb") as f:
        f.write(im.tobytes())


def tiff_with_orientation(im, path, orientation):
    ifd = TiffImagePlugin.ImageFileDirectory_v2()
    ifd[274] = orientation
    im.save(path, tiffinfo=ifd, compression="tiff_deflate")


def alpha_of(im):
    """A horizontal ramp: opaque left, transparent right."""
    w, h = im.size
    ramp = numpy.clip((w * 0.8 - numpy.arange(w)) * 255 // (w // 2), 0, 255)
    a = Image.fromarray(numpy.tile(ramp.astype(numpy.uint8), (h, 1)), "L")
    out = im.convert("RGBA")
    out.putalpha(a)
    return out


def make_heif_samples(d, photo, make_heif):
    """(file, reference) pairs; references are made by heif-convert."""
    w, h = photo.size
    photo.save(os.path.join(d, "src.png"))
    alpha_of(photo).save(os.path.join(d, "src-alpha.png"))
    run(["heif-enc", "-q", "90", "-o", os.path.join(d, "photo.heic"),
         os.path.join(d, "src.png")])
    run(["heif-enc", "-q", "90", "-o", os.path.join(d, "alpha.heic"),
         os.path.join(d, "src-alpha.png")])
    # 10 bits per sample from a 16-bit PNG
    run(["convert", os.path.join(d, "src.png"), "-depth", "16",
         os.path.join(d, "src16.png")])
    run(["heif-enc", "-q", "90", "-b", "10", "-o",
         os.path.join(d, "deep.heic"), os.path.join(d, "src16.png")])
    run(["avifenc", "-s", "8", os.path.join(d, "src.png"),
         os.path.join(d, "photo.avif")])
    rgb = os.path.join(d, "src.rgb")
    write_rgb(photo, rgb)
    # irot and Exif orientation 6 both: turned once
    run([make_heif, rgb, str(w), str(h), "3", os.path.join(d, "rot90.heic"),
         "hevc", "6"])
    # imir + irot (transverse), AV1
    run([make_heif, rgb, str(w), str(h), "3", os.path.join(d, "rot270.avif"),
         "av1", "8"])
    files = ["photo.heic", "alpha.heic", "deep.heic", "photo.avif",
             "rot90.heic", "rot270.avif"]
    samples = []
    for f in files:
        ref = os.path.join(d, f + ".ref.png")
        run(["heif-convert", os.path.join(d, f), ref])
        samples.append((f, ref))
    return samples


def make_pillow_samples(d, photo):
    """(file, reference) pairs; references are Pillow's decode, upright."""
    files = {}
    files["photo.gif"] = lambda p: photo.quantize(256).save(p)
    # transparency as alpha: palette index 0 made transparent
    files["transparent.gif"] = lambda p: photo.quantize(255).save(
        p, transparency=0)
    frames = [photo.quantize(256), ImageOps.invert(photo).quantize(256)]
    files["animated.gif"] = lambda p: frames[0].save(
        p, save_all=True, append_images=frames[1:], duration=100, loop=0)
    files["strips.tif"] = lambda p: photo.save(p, compression="tiff_lzw")
    files["grey.tif"] = lambda p: photo.convert("L").save(p)
    files["palette.tif"] = lambda p: photo.quantize(256).save(p)
    files["cmyk.tif"] = lambda p: photo.convert("CMYK").save(p)
    files["alpha.tif"] = lambda p: alpha_of(photo).save(p)
    files["rot90.tif"] = lambda p: tiff_with_orientation(photo, p, 6)
    files["photo.bmp"] = lambda p: photo.save(p)
    files["palette.bmp"] = lambda p: photo.quantize(256).save(p)
    samples = []
    for name, write in files.items():
        path = os.path.join(d, name)
        write(path)
        samples.append((name, path))
    # tiles and 16 bits: ImageMagick
    src = os.path.join(d, "src.png")
    run(["convert", src, "-define", "tiff:tile-geometry=128x128",
         "-compress", "zip", os.path.join(d, "tiles.tif")])
    run(["convert", src, "-depth", "16", os.path.join(d, "deep.tif")])
    samples += [("tiles.tif", os.path.join(d, "tiles.tif")),
                ("deep.tif", os.path.join(d, "deep.tif"))]
    return samples


# EXIF orientation to Pillow's transposition
TRANSPOSE = {2: Image.FLIP_LEFT_RIGHT, 3: Image.ROTATE_180,
             4: Image.FLIP_TOP_BOTTOM, 5: Image.TRANSPOSE,
             6: Image.ROTATE_270, 7: Image.TRANSVERSE, 8: Image.ROTATE_90}


def reference_images(path, orientation):
    """The reference decode as stored, and upright.  heif-convert's PNG is
    upright already (and carries the file's Exif orientation, which must
    not be applied again)."""
    with Image.open(path) as im:
        im.load()
        has_alpha = im.mode in ("RGBA", "LA", "PA") or (
            im.mode == "P" and "transparency" in im.info)
        if im.mode == "CMYK":
            # imgtiffdec converts CMYK through the default CMYK profile
            stored = ImageCms.profileToProfile(
                im, ImageCms.getOpenProfile(DEFAULT_CMYK),
                ImageCms.createProfile("sRGB"), renderingIntent=1,
                outputMode="RGB", flags=0x2000)
        else:
            stored = im.convert("RGBA" if has_alpha else "RGB")
    upright = stored
    if orientation in TRANSPOSE:
        upright = stored.transpose(TRANSPOSE[orientation])
    return stored, upright


def decoder_for(name):
    ext = name.rsplit(".", 1)[1]
    return {"heic": "imgheifdec", "avif": "imgheifdec", "gif": "imggifdec",
            "tif": "imgtiffdec", "bmp": "imgbmpdec"}[ext]


def check_decode(d, name, ref):
    """The decoder alone at full size against the reference, as stored
    (imgtiffdec leaves the orientation to imgsizer, libheif applies
    irot and imir)."""
    out = os.path.join(d, name + ".decoded.png")
    run(["gst-launch-1.0", "-q", "filesrc", "location=" + os.path.join(
        d, name), "!", decoder_for(name), "!", "videoconvert", "!",
        "video/x-raw,format=RGBA", "!", "pngenc", "!", "filesink",
        "location=" + out])
    with Image.open(out) as im:
        got = im.convert("RGBA")
    ok = got.size == ref.size
    score = ssim(luma(flatten(got)), luma(flatten(ref))) if ok else 0.0
    alpha_diff = 0.0
    if ok and ref.mode == "RGBA":
        alpha_diff = float(numpy.abs(
            numpy.array(got, dtype=numpy.float64)[..., 3] -
            numpy.array(ref, dtype=numpy.float64)[..., 3]).mean())
    print("%s: decoded %dx%d (reference %dx%d), SSIM %.4f, alpha "
          "difference %.2f" % (name, got.size[0], got.size[1], ref.size[0],
                               ref.size[1], score, alpha_diff))
    return ok and score >= DECODE_SSIM and alpha_diff <= 2.0


def check_outputs(d, name, ref):
    stem = name.replace(".", "-")  # photo.heic and photo.gif apart
    out = os.path.join(d, "out")
    src = os.path.join(d, stem + "." + name.rsplit(".", 1)[1])
    shutil.copyfile(os.path.join(d, name), src)
    result = subprocess.run(["gst-launch-1.0", "filesrc", "location=" + src,
                             "!", "imgcompressbin", "output-dir=" + out],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=120, universal_newlines=True)
    if result.returncode != 0:
        print("%s: imgcompressbin failed: %s" % (name, result.stderr))
        return False
    ok = True
    # only the first frame of an animation is used, and the user is told
    if name == "animated.gif" and "Animated GIF: only its first frame" not in (
            result.stdout + result.stderr):
        print("%s: no warning that only the first frame is used" % name)
        ok = False
    for variant, box in VARIANTS:
        want = ref.copy()
        want.thumbnail((box, box), Image.LANCZOS)
        for ext in ("jpg", "webp"):
            path = os.path.join(out, variant, "%s.%s" % (stem, ext))
            with Image.open(path) as im:
                im.load()
                got = im.copy()
            score = ssim(luma(flatten(got)), luma(flatten(want))) \
                if got.size == want.size else 0.0
            alpha = got.mode == "RGBA"
            line = "%s: %s.%s %dx%d (want %dx%d) SSIM %.4f alpha %s" % (
                name, variant, ext, got.size[0], got.size[1], want.size[0],
                want.size[1], score, alpha)
            bad = got.size != want.size or score < OUTPUT_SSIM or (
                ext == "webp" and alpha != (ref.mode == "RGBA"))
            print(line + (" FAILED" if bad else ""))
            ok = ok and not bad
    return ok


def check_thumbnail(d, photo, make_heif):
    """Shrink on load: a 150-pixel box takes the stored thumbnail (here
    another picture, the negative, so that its use shows), a 400-pixel
    box the primary image."""
    w, h = photo.size
    write_rgb(ImageOps.invert(photo), os.path.join(d, "negative.rgb"))
    path = os.path.join(d, "thumb.heic")
    run([make_heif, os.path.join(d, "src.rgb"), str(w), str(h), "3", path,
         "hevc", "1", os.path.join(d, "negative.rgb"), "400"])
    ok = True
    for box, picture in ((150, ImageOps.invert(photo)), (400, photo)):
        out = os.path.join(d, "thumb-%d.png" % box)
        run(["gst-launch-1.0", "-q", "filesrc", "location=" + path, "!",
             "imgheifdec", "max-dimension=%d" % box, "!", "videoconvert", "!",
             "pngenc", "!", "filesink", "location=" + out])
        with Image.open(out) as im:
            got = im.convert("RGB")
        want = picture.resize(got.size, Image.LANCZOS)
        score = ssim(luma(got), luma(want))
        print("thumb.heic in a %d box: decoded %dx%d, SSIM %.4f against "
              "the %s" % (box, got.size[0], got.size[1], score,
                          "negative" if box == 150 else "photo"))
        ok = ok and score >= 0.9 and (
            got.size[0] <= 400 if box == 150 else got.size == photo.size)
    return ok


def check_tool(d, names):
    """The tool on a directory of the samples and a text file."""
    tool = os.environ.get("IMGCOMPRESS_TOOL")
    if not tool:
        return True
    indir = os.path.join(d, "tool-in")
    os.makedirs(indir)
    for n in names:
        stem, ext = n.rsplit(".", 1)
        shutil.copyfile(os.path.join(d, n),
                        os.path.join(indir, "%s-%s.%s" % (stem, ext, ext)))
    with open(os.path.join(indir, "notes.txt"), "w") as f:
        f.write("not an image\n")
    result = subprocess.run([tool, "-o", os.path.join(d, "tool-out"), indir],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            timeout=300, universal_newlines=True,
                            env=dict(os.environ, LANGUAGE="C", LANG="C"))
    made = sum(len(files) for _, _, files in
               os.walk(os.path.join(d, "tool-out")))
    print("tool: exit %d, %d files for %d images; stderr: %s" % (
        result.returncode, made, len(names), result.stderr.strip()))
    return (result.returncode == 0 and made == 6 * len(names) and
            "skipped 1 file that is not an image: " in result.stderr and
            "notes.txt" in result.stderr)


def main():
    d = sys.argv[1]
    script = os.environ.get("IMGCOMPRESS_CORPUS_SCRIPT")
    corpus = run([script]).stdout.decode().strip() if script else ""
    if not corpus or not os.path.exists(os.path.join(corpus, SOURCE)):
        print("SKIP: the photo corpus is not available")
        return SKIP
    for tool in ("heif-enc", "heif-convert", "avifenc", "convert"):
        if shutil.which(tool) is None:
            print("SKIP: %s is not installed (tools/bootstrap.sh)" % tool)
            return SKIP
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with Image.open(os.path.join(corpus, SOURCE)) as im:
        photo = im.convert("RGB")
    photo = photo.resize((WIDTH, WIDTH * photo.size[1] // photo.size[0]),
                         Image.LANCZOS)
    photo.save(os.path.join(d, "src.png"))
    samples = make_heif_samples(d, photo, os.environ["MAKE_HEIF"])
    samples += make_pillow_samples(d, photo)

    ok = True
    for name, ref_path in samples:
        # Pillow turns a TIFF by its Orientation tag as it loads it (some
        # versions): the reference of rot90.tif is the picture it was
        # written from
        orientation = 1
        if name == "rot90.tif":
            ref_path, orientation = os.path.join(d, "src.png"), 6
        stored, upright = reference_images(ref_path, orientation)
        ok = check_decode(d, name, stored) and ok
        ok = check_outputs(d, name, upright) and ok
    ok = check_thumbnail(d, photo, os.environ["MAKE_HEIF"]) and ok
    ok = check_tool(d, [n for n, _ in samples]) and ok
    print("all right" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

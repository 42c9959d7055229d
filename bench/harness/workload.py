"""The workload every tool performs, and the images it runs on: the corpus
itself (large) or JPEGs of one size made from it (phone, small)."""

import math
import os
import sys
from collections import namedtuple

from PIL import Image

from . import derive

Variant = namedtuple("Variant", "name box jpeg_quality webp_quality")
Format = namedtuple("Format", "name ext")

VARIANTS = (
    Variant("thumbnail", 150, 80, 75),
    Variant("preview", 500, 85, 80),
    Variant("full", 2048, 90, 85),
)
FORMATS = (Format("jpeg", "jpg"), Format("webp", "webp"))

# Ours must write the variants above, at these qualities, whatever its
# defaults; the argument matches the tool's --variants syntax.
VARIANTS_ARG = ",".join(
    "%s:%d:%d:%d" % (v.name, v.box, v.jpeg_quality, v.webp_quality) for v in VARIANTS
)

# The image sets: size None is the corpus as it is; the others are made
# from it by derive.py (100 images from the 20 photos).
ImageSet = namedtuple("ImageSet", "name size description")
IMAGE_SETS = (
    ImageSet("large", None, "the corpus photos as they are"),
    ImageSet("phone", (1280, 960), "phone-size photos"),
    ImageSet("small", (320, 240), "small images (avatars, screenshots, browser-resized uploads)"),
)
IMAGE_SET_NAMES = tuple(s.name for s in IMAGE_SETS)

CorpusImage = namedtuple("CorpusImage", "path name width height bytes progressive")


def quality_for(variant, fmt):
    return variant.jpeg_quality if fmt.name == "jpeg" else variant.webp_quality


def fit_box(width, height, box):
    """Size of a width x height image fitted into box x box, as
    gst_imgcompress_fit_box() computes it: the bounding axis gets exactly the
    box, the other is rounded half up (never below 1), no enlargement."""
    if width <= box and height <= box:
        return width, height
    sx = box / width
    sy = box / height
    if sx <= sy:
        return box, max(1, math.floor(height * sx + 0.5))
    return max(1, math.floor(width * sy + 0.5)), box


def output_path(outdir, image, variant, fmt):
    return os.path.join(outdir, variant.name, image.name + "." + fmt.ext)


def expected_outputs(outdir, images):
    """(image, variant, format, path) of every file a tool must write."""
    return [
        (image, variant, fmt, output_path(outdir, image, variant, fmt))
        for image in images
        for variant in VARIANTS
        for fmt in FORMATS
    ]


def load_corpus(directory):
    """Every JPEG of directory (not recursive), sorted by name."""
    images = []
    for entry in sorted(os.listdir(directory)):
        if not entry.lower().endswith((".jpg", ".jpeg")):
            continue
        path = os.path.join(directory, entry)
        if not os.path.isfile(path):
            continue
        try:
            with Image.open(path) as im:
                width, height = im.size
                progressive = bool(im.info.get("progressive") or im.info.get("progression"))
        except (OSError, SyntaxError, ValueError) as e:
            print("bench: ignoring %s: %s" % (path, e), file=sys.stderr)
            continue
        images.append(
            CorpusImage(
                path=path,
                name=os.path.splitext(entry)[0],
                width=width,
                height=height,
                bytes=os.path.getsize(path),
                progressive=progressive,
            )
        )
    return images


def quick_subset(images, count=3):
    """The count smallest images by pixel count: a fast but real sample
    (the corpus's smallest are a mix of baseline and progressive)."""
    return sorted(images, key=lambda i: (i.width * i.height, i.name))[:count]


def image_set(name):
    return next(s for s in IMAGE_SETS if s.name == name)


def load_image_set(spec, corpus_dir, corpus_images, cache_root, log):
    """(directory, images, recipe) of spec: the corpus itself, or its
    derived JPEGs, made into cache_root when missing."""
    if spec.size is None:
        return corpus_dir, corpus_images, "the corpus photos as they are"
    directory = derive.ensure(cache_root, spec.name, corpus_images, *spec.size, log)
    return directory, load_corpus(directory), derive.recipe_text(*spec.size)

"""The phone and small workloads: JPEGs of one fixed size made from the
corpus photos with Pillow, deterministically, and cached.

Recipe (RECIPE_VERSION 1), for each corpus photo, in pixels as stored
(EXIF orientation neither applied nor copied), converted to RGB:
- the largest region of the target's aspect ratio (4:3) the photo holds
  is the frame;
- CROPS gives five regions of it: the whole frame centred, 3/4 of it at
  the top-left and bottom-right corners, 1/2 of it at a quarter and three
  quarters of the free space across and down (never smaller than the
  target, so nothing is enlarged unless the photo itself is smaller; the
  positions differ on both axes, so a photo only a little larger than the
  target still gives five different images);
- each region is resized to exactly the target size with
  Image.resize(LANCZOS, box=region, reducing_gap=None) and saved as a
  baseline JPEG, quality 85, 4:2:0, standard Huffman tables, no metadata,
  as NAME-K.jpg (K = 1..5).

20 photos give 100 images.  The directory is complete when its marker
file holds the description of what made it (recipe, size, the source
files' names and sizes, Pillow's version); anything else is made again."""

import json
import os
import shutil
import tempfile

import PIL
from PIL import Image

RECIPE_VERSION = 1
MARKER = ".complete"
JPEG_QUALITY = 85

# (fraction of the frame's width, horizontal position, vertical position):
# a position is where the region sits in the frame's free space, 0 = left
# or top, 1 = right or bottom.
CROPS = (
    (1.0, 0.5, 0.5),
    (0.75, 0.0, 0.0),
    (0.75, 1.0, 1.0),
    (0.5, 0.75, 0.25),
    (0.5, 0.25, 0.75),
)


def recipe_text(width, height):
    return (
        "each corpus photo (pixels as stored, RGB): the largest %d:%d region it holds, "
        "centred, 3/4 of it at the top-left and bottom-right corners, 1/2 of it at 3/4 "
        "across 1/4 down and 1/4 across 3/4 down (never below %dx%d); each resized to "
        "exactly %dx%d with Pillow's Image.resize(LANCZOS, reducing_gap=None) and saved "
        "as a baseline JPEG q%d 4:2:0 without metadata (bench/harness/derive.py, recipe %d)"
        % (_aspect(width, height) + (width, height, width, height, JPEG_QUALITY,
                                      RECIPE_VERSION))
    )


def _aspect(width, height):
    a, b = width, height
    while b:
        a, b = b, a % b
    return width // a, height // a


def _frame(photo_w, photo_h, width, height):
    """Largest width:height region of a photo_w x photo_h photo."""
    if photo_w * height >= photo_h * width:
        return round(photo_h * width / height), photo_h
    return photo_w, round(photo_w * height / width)


def regions(photo_w, photo_h, width, height):
    """The (left, top, right, bottom) boxes CROPS gives for one photo."""
    frame_w, frame_h = _frame(photo_w, photo_h, width, height)
    boxes = []
    for scale, fx, fy in CROPS:
        w = min(frame_w, max(width, round(frame_w * scale)))
        h = min(frame_h, max(height, round(frame_h * scale)))
        left = round(fx * (photo_w - w))
        top = round(fy * (photo_h - h))
        boxes.append((left, top, left + w, top + h))
    return boxes


def _description(sources, width, height):
    return {
        "recipe": RECIPE_VERSION,
        "size": [width, height],
        "crops": [list(c) for c in CROPS],
        "jpeg_quality": JPEG_QUALITY,
        "pillow": PIL.__version__,
        "sources": [[os.path.basename(s.path), s.bytes] for s in sources],
    }


def _is_complete(directory, description):
    try:
        with open(os.path.join(directory, MARKER)) as f:
            return json.load(f) == description
    except (OSError, ValueError):
        return False


def _make(directory, sources, width, height):
    for source in sources:
        with Image.open(source.path) as im:
            photo = im.convert("RGB")
        for k, box in enumerate(regions(photo.width, photo.height, width, height), 1):
            out = photo.resize((width, height), Image.LANCZOS, box=box, reducing_gap=None)
            out.save(os.path.join(directory, "%s-%d.jpg" % (source.name, k)), "JPEG",
                     quality=JPEG_QUALITY, subsampling="4:2:0", optimize=False,
                     progressive=False)


def ensure(cache_root, name, sources, width, height, log):
    """The directory of workload name under cache_root, made from sources
    (corpus images) when missing or made otherwise; returns its path."""
    directory = os.path.join(cache_root, "workloads", name)
    description = _description(sources, width, height)
    if _is_complete(directory, description):
        return directory
    log("making the %s workload (%d images of %dx%d) in %s"
        % (name, len(sources) * len(CROPS), width, height, directory))
    os.makedirs(os.path.dirname(directory), exist_ok=True)
    # Made aside and renamed into place: an interrupted run leaves no half
    # directory that looks complete.
    tmp = tempfile.mkdtemp(prefix=".%s-" % name, dir=os.path.dirname(directory))
    try:
        _make(tmp, sources, width, height)
        with open(os.path.join(tmp, MARKER), "w") as f:
            json.dump(description, f)
        shutil.rmtree(directory, ignore_errors=True)
        os.rename(tmp, directory)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return directory

#!/usr/bin/python3
"""Resize speed of imgsizer against stock videoscale and Pillow.

Every corpus photo given is decoded once (jpegdec) to a raw frame on disk.
Then, for each box, that raw frame is read once and pushed FRAMES times
(imagefreeze, the same buffer every time) through

  * identity (the baseline: start-up and reading, subtracted from the rest)
  * imgsizer max-dimension=BOX                     (n-threads=1)
  * imgsizer max-dimension=BOX n-threads=2
  * videoscale method=lanczos ! video/x-raw,width=W,height=H   (same W x H)

each in its own gst-launch-1.0 process, the fastest of REPEATS runs; and
Pillow's Image.thumbnail((BOX, BOX), LANCZOS) (its default reducing_gap=2.0,
timed as the resize() it performs) runs in this process on the same photo
decoded to RGB, as the seed service uses it.  Speeds are
megapixels of SOURCE pixels per second, of CPU time (user + system, which
other load on the machine disturbs least) and of wall time (what the
2-thread run is about); GStreamer runs are planar YUV as decoded (1.5 bytes
a pixel for I420), Pillow runs are RGB.

    bench/imgsizer-speed.py [--build DIR] [--frames N] [--repeats N]
                            [--boxes B,B,...] [PHOTO.jpg ...]

--boxes picks the boxes, e.g. --boxes 2742: a 2.2x reduction of a
6028-pixel-wide photo, the factor the full variant is left with after the
decoder's shrink-on-load.

Timings are only comparable within one run; say how loaded the machine was.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_PHOTOS = ["Kleiber_by_Lukas_Baubkus.jpg", "Elephants_5640x3172.jpg",
                  "Infinite-Sea_by_Aury88.jpg", "FreshFlower.jpg"]
BOXES = [150, 500, 2048]


def corpus_dir():
    script = os.path.join(ROOT, "tests", "files", "fetch-corpus.sh")
    return subprocess.run([script], check=True, capture_output=True,
                          text=True).stdout.strip()


def fit_box(w, h, box):
    """gst_imgcompress_fit_box() for square pixels, no enlargement."""
    if w <= box and h <= box:
        return w, h
    if w >= h:
        return box, max(1, int(h * box / w + 0.5))
    return max(1, int(w * box / h + 0.5)), box


def decode_to_raw(photo, out_path):
    """Decodes once with jpegdec; returns the raw caps string and size."""
    cmd = ["gst-launch-1.0", "-v", "filesrc", "location=" + photo, "!",
           "jpegparse", "!", "jpegdec", "idct-method=islow", "!",
           "filesink", "location=" + out_path]
    out = subprocess.run(cmd, check=True, capture_output=True,
                         text=True).stdout
    m = re.search(r"jpegdec0\.GstPad:src: caps = (video/x-raw.*)", out)
    if not m:
        sys.exit("no caps from jpegdec for " + photo)
    caps = m.group(1)
    fmt = re.search(r"format=\(string\)(\w+)", caps).group(1)
    w = int(re.search(r"width=\(int\)(\d+)", caps).group(1))
    h = int(re.search(r"height=\(int\)(\d+)", caps).group(1))
    return fmt, w, h


def run_gst(raw, fmt, w, h, frames, scaler, env, repeats):
    """(wall, cpu) seconds, each the least of @repeats runs: the least
    disturbed by other load."""
    runs = [run_gst_once(raw, fmt, w, h, frames, scaler, env)
            for _ in range(repeats)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def run_gst_once(raw, fmt, w, h, frames, scaler, env):
    # The frame is read once; imagefreeze pushes that same buffer @frames
    # times, so the run is start-up + one read + @frames resizes.
    # Square pixels said explicitly: left open, negotiation fixates the
    # pixel-aspect-ratio to 1/2147483647 and the scalers shrink a sliver.
    caps = ("video/x-raw,format=%s,width=%d,height=%d,framerate=1/1,"
            "pixel-aspect-ratio=1/1" % (fmt, w, h))
    cmd = ["gst-launch-1.0", "-q", "multifilesrc", "location=" + raw,
           "stop-index=0", "caps=" + caps, "!", "imagefreeze",
           "num-buffers=%d" % frames, "!"]
    cmd += scaler + ["!", "fakesink", "sync=false"]
    before = os.times()
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.monotonic() - t0
    after = os.times()
    cpu = (after.children_user - before.children_user +
           after.children_system - before.children_system)
    return wall, cpu


def pillow_thumbnail_speed(photo, box, frames, repeats):
    return min(pillow_thumbnail_once(photo, box, frames)
               for _ in range(repeats))


def pillow_thumbnail_once(photo, box, frames):
    from PIL import Image
    im = Image.open(photo)
    im.load()
    im = im.convert("RGB")
    # What Image.thumbnail((box, box), LANCZOS) does on a loaded image
    # (reducing_gap=2.0: an integer reduce(), then Lanczos), without the
    # copy the seed makes first, which is not resizing.
    size = fit_box(im.width, im.height, box)
    t0 = time.process_time()
    for _ in range(frames):
        im.resize(size, Image.LANCZOS, reducing_gap=2.0)
    return time.process_time() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"),
                    help="build directory holding gst/imgcompress")
    ap.add_argument("--frames", type=int, default=20,
                    help="frames per measurement (default 20)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="runs per measurement, the fastest counts "
                    "(default 3)")
    ap.add_argument("--boxes", default=",".join(str(b) for b in BOXES),
                    help="comma-separated boxes (default %(default)s)")
    ap.add_argument("photos", nargs="*", help="corpus photos (basenames or "
                    "paths); default: " + " ".join(DEFAULT_PHOTOS))
    args = ap.parse_args()
    boxes = [int(b) for b in args.boxes.split(",") if b]

    env = dict(os.environ)
    env["GST_PLUGIN_PATH_1_0"] = os.path.join(args.build, "gst", "imgcompress")
    env["GST_REGISTRY_1_0"] = os.path.join(tempfile.gettempdir(),
                                           "imgsizer-speed-registry.bin")
    corpus = corpus_dir()
    photos = [p if os.path.sep in p else os.path.join(corpus, p)
              for p in (args.photos or DEFAULT_PHOTOS)]

    print("load average at start: %.2f %.2f %.2f" % os.getloadavg())
    head = "%-28s %-9s %4s %-9s %7s %7s %7s %7s %7s %7s %6s"
    print(head % ("photo", "source", "box", "output", "sizer", "sizer",
                  "sizer2t", "vscale", "vscale", "pillow", "x vs"))
    print(head % ("", "", "", "", "cpu", "wall", "wall", "cpu", "wall",
                  "cpu", "vscale"))
    print(head % ("", "", "", "", "MP/s", "MP/s", "MP/s", "MP/s", "MP/s",
                  "MP/s", "cpu"))
    keys = ("sizer_cpu", "sizer_wall", "sizer2_wall", "vscale_cpu",
            "vscale_wall", "pillow_cpu")
    totals = dict.fromkeys(keys, 0.0)
    mp_total = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        # Builds the registry once, outside the measurements.
        subprocess.run(["gst-inspect-1.0", "imgsizer"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        for photo in photos:
            raw = os.path.join(tmp, "frame.raw")
            fmt, w, h = decode_to_raw(photo, raw)
            mp = w * h / 1e6 * args.frames
            for box in boxes:
                ow, oh = fit_box(w, h, box)
                name = os.path.basename(photo)[:28]
                if (ow, oh) == (w, h):
                    print("%-28s %-9s %4d fits: imgsizer is passthrough" % (
                        name, "%dx%d" % (w, h), box))
                    continue

                def gst(scaler):
                    return run_gst(raw, fmt, w, h, args.frames, scaler, env,
                                   args.repeats)

                base = gst(["identity"])
                sizer = gst(["imgsizer", "max-dimension=%d" % box])
                sizer2 = gst(["imgsizer", "max-dimension=%d" % box,
                              "n-threads=2"])
                vscale = gst(["videoscale", "method=lanczos", "!",
                              "video/x-raw,width=%d,height=%d,"
                              "pixel-aspect-ratio=1/1" % (ow, oh)])
                net = {
                    "sizer_wall": sizer[0] - base[0],
                    "sizer_cpu": sizer[1] - base[1],
                    "sizer2_wall": sizer2[0] - base[0],
                    "vscale_wall": vscale[0] - base[0],
                    "vscale_cpu": vscale[1] - base[1],
                    "pillow_cpu": pillow_thumbnail_speed(photo, box,
                                                         args.frames,
                                                         args.repeats),
                }
                net = {k: max(v, 1e-6) for k, v in net.items()}
                for k in keys:
                    totals[k] += net[k]
                mp_total += mp
                print((head.replace("7s", "7.0f").replace("6s", "6.1f")) % (
                    (name, "%dx%d" % (w, h), box, "%dx%d" % (ow, oh)) +
                    tuple(mp / net[k] for k in keys) +
                    (net["vscale_cpu"] / net["sizer_cpu"],)))
                sys.stdout.flush()
    print((head.replace("7s", "7.0f").replace("6s", "6.1f")) % (
        ("all: source MP / summed time", "", "", "") +
        tuple(mp_total / totals[k] for k in keys) +
        (totals["vscale_cpu"] / totals["sizer_cpu"],)))
    print("load average at end: %.2f %.2f %.2f" % os.getloadavg())


if __name__ == "__main__":
    main()

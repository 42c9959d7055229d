#!/usr/bin/python3
# PNG decode CPU time: imgpngdec against the stock pngdec, on 8-bit and
# 16-bit RGB PNGs made from three corpus photos, in one run:
#
#   bench/png-decode-speed.py [BUILD_DIR]     (default: build)
#
# Each configuration decodes each file in its own gst-launch-1.0 process
# (filesrc ! DECODER ! fakesink), REPEAT times; the figure is the median
# user + system CPU time of a process, less that of `filesrc ! fakesink`
# on the same file (process start, registry, reading). Configurations:
#   pngdec                    stock, its own output (RGB, or RGB 16-bit)
#   pngdec ! videoconvert     what imgcompressbin used before imgpngdec
#                             (to 8-bit RGB for imgsizer)
#   imgpngdec                 full size, I420 out
#   imgpngdec max-dimension=2048   with the block shrink on load
# Timings are only comparable within one run on an otherwise quiet machine.

import os
import statistics
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy
from PIL import Image

PHOTOS = ("Storm.jpg", "Garden.jpg", "Elephants_3840x2160.jpg")
REPEAT = 5
CONFIGS = (
    ("baseline (filesrc ! fakesink)", ""),
    ("pngdec", "pngdec !"),
    ("pngdec ! videoconvert (old chain)",
     "pngdec ! videoconvert ! video/x-raw,format={RGBA,RGB,GRAY8} !"),
    ("imgpngdec", "imgpngdec !"),
    ("imgpngdec max-dimension=2048", "imgpngdec max-dimension=2048 !"),
)


def make_pngs(corpus, outdir):
    files = []
    for photo in PHOTOS:
        rgb = Image.open(os.path.join(corpus, photo)).convert("RGB")
        stem = os.path.splitext(photo)[0]
        p8 = os.path.join(outdir, stem + "-8bit.png")
        rgb.save(p8, "PNG")
        # 16-bit: each 8-bit level spread over the 16-bit range
        a16 = numpy.asarray(rgb, dtype=numpy.uint16) * 257
        p16 = os.path.join(outdir, stem + "-16bit.png")
        write_png16(a16, p16)
        files += [p8, p16]
    return files


def write_png16(a16, path):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))

    h, w, _ = a16.shape
    raw = b"".join(b"\0" + row.astype(">u2").tobytes() for row in a16)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" +
                chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)) +
                chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def cpu_seconds(pipeline):
    proc = subprocess.Popen(["gst-launch-1.0", "-q"] + pipeline.split(),
                            stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(proc.pid, 0)
    if status != 0:
        raise RuntimeError("failed: " + pipeline)
    return ru.ru_utime + ru.ru_stime


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build")
    os.environ["GST_PLUGIN_PATH_1_0"] = os.path.join(build, "ext", "png")
    os.environ["GST_REGISTRY_1_0"] = os.path.join(tempfile.gettempdir(),
                                                  "png-decode-speed.registry")
    corpus = subprocess.run(
        [os.path.join(root, "tests", "files", "fetch-corpus.sh")],
        check=True, capture_output=True, text=True).stdout.strip()
    print("nproc %d, load %s" % (os.cpu_count(),
                                 open("/proc/loadavg").read().split()[:3]))
    with tempfile.TemporaryDirectory() as tmp:
        files = make_pngs(corpus, tmp)
        subprocess.run(["gst-inspect-1.0", "imgpngdec"], check=True,
                       stdout=subprocess.DEVNULL)
        results = {}
        for path in files:
            for label, element in CONFIGS:
                line = "filesrc location=%s ! %s fakesink" % (path, element)
                results[(path, label)] = statistics.median(
                    cpu_seconds(line) for _ in range(REPEAT))
        for path in files:
            with Image.open(path) as im:
                size = "%dx%d" % im.size
            base = results[(path, CONFIGS[0][0])]
            print("%s (%s, %d bytes)" % (os.path.basename(path), size,
                                         os.path.getsize(path)))
            for label, _ in CONFIGS[1:]:
                print("  %-36s %7.1f ms CPU" %
                      (label, (results[(path, label)] - base) * 1000))


if __name__ == "__main__":
    main()

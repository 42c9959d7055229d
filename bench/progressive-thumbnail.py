#!/usr/bin/python3
"""The first thumbnail of a progressive JPEG from its DC scans (issue 20).

    bench/progressive-thumbnail.py [--build-dir DIR] [--before-build DIR]
                                   [--runs N] [--only table|ssim]
                                   [--json FILE]

Two measurements, in one run:

table   time from the tool's start to its first thumbnail file with
        --thumbnails-first (the smallest written_at_s of a thumbnail output
        in --metrics-json), N runs each (default 5), one image per run,
        -j 1, default variants and formats, a fresh output directory every
        run; with the CPU time of the whole process (getrusage of the
        child).  The images are made from the corpus photo
        Kleiber_by_Lukas_Baubkus.jpg (6028x3391): resized by Pillow
        (Lanczos) to 2560x1600 and 5120x2880, saved as PPM and encoded by
        cjpeg -quality 90, baseline and -progressive (libjpeg's scan
        script).  With --before-build, the progressive rows are run again
        with that build tree's tool and plugins (e.g. the main branch's).

ssim    over every corpus photo: a progressive and a baseline version of
        the same DCT coefficients (jpegtran -progressive, libjpeg's scan
        script / jpegtran, both lossless), decoded by turbojpegdec at scale
        1/8 (max-dimension max(w, h) / 16 - 1).  The baseline decode is the
        whole decode's thumbnail; the progressive one comes from the DC
        scans (scans-read says how many).  A third decode reads the
        progressive file cut inside its first AC scan (strict=false), that
        is without the DC refinement scan, which that script sends after
        the AC scans: what is lost when it is not read.  Luma SSIM (8x8
        windows, bench/webp-quality.py's), the largest difference over all
        planes and the mean luma difference.  Also the CPU time of
        turbojpegdec at 1/8 on the 5120x2880 images (progressive: DC scans
        with the refinement, and cut before it; baseline), in one process
        (median of 15 pipelines, each with its file read).

Prints a summary to stderr and the JSON to stdout (or FILE)."""

import argparse
import datetime
import importlib.util
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SOURCE_PHOTO = "Kleiber_by_Lukas_Baubkus.jpg"
TABLE_IMAGES = [
    ("baseline", 2560, 1600),
    ("baseline", 5120, 2880),
    ("progressive", 2560, 1600),
    ("progressive", 5120, 2880),
]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def plugin_env(build):
    env = dict(os.environ)
    env["GST_PLUGIN_PATH_1_0"] = ":".join(
        os.path.join(build, d) for d in ("gst/imgcompress", "ext/turbojpeg", "ext/webp", "ext/png")
    )
    env["GST_REGISTRY_1_0"] = os.path.join(
        tempfile.gettempdir(), "progressive-thumbnail-%s.bin" % abs(hash(build))
    )
    env.pop("GST_DEBUG", None)
    return env


def corpus_dir():
    out = subprocess.run(
        [os.path.join(ROOT, "tests", "files", "fetch-corpus.sh")],
        capture_output=True, text=True, check=True,
    )
    return out.stdout.strip()


def make_table_images(corpus, work):
    from PIL import Image

    src = Image.open(os.path.join(corpus, SOURCE_PHOTO)).convert("RGB")
    paths = {}
    for kind, w, h in TABLE_IMAGES:
        ppm = os.path.join(work, "%dx%d.ppm" % (w, h))
        if not os.path.exists(ppm):
            src.resize((w, h), Image.LANCZOS).save(ppm)
        out = os.path.join(work, "%s-%dx%d.jpg" % (kind, w, h))
        args = ["cjpeg", "-quality", "90"]
        if kind == "progressive":
            args.append("-progressive")
        subprocess.run(args + ["-outfile", out, ppm], check=True)
        paths[(kind, w, h)] = out
    return paths


def first_thumbnail(binary, env, image, work):
    out = tempfile.mkdtemp(dir=work)
    metrics = os.path.join(out, "m.json")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(
        [binary, "-q", "-j", "1", "--thumbnails-first", "--metrics-json", metrics,
         "-o", os.path.join(out, "o"), image],
        env=env, check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    with open(metrics) as f:
        data = json.load(f)
    shutil.rmtree(out)
    # metrics JSON schema 2: absolute RFC 3339 times, from the run's start
    started = datetime.datetime.fromisoformat(data["started_at"])
    first = min(
        datetime.datetime.fromisoformat(o["written_at"])
        for i in data["images"] for o in i["outputs"] if o["variant"] == "thumbnail"
    )
    return (first - started).total_seconds(), cpu


def table(build, before_build, images, runs, work):
    rows = []
    builds = [("this", build)]
    if before_build:
        builds.append(("before", before_build))
    for label, b in builds:
        binary = os.path.join(b, "tools", "imgcompress", "imgcompress")
        env = plugin_env(b)
        # one unmeasured run makes the registry
        first_thumbnail(binary, env, images[TABLE_IMAGES[0]], work)
        for key in TABLE_IMAGES:
            if label == "before" and key[0] != "progressive":
                continue
            firsts, cpus = [], []
            for _ in range(runs):
                t, c = first_thumbnail(binary, env, images[key], work)
                firsts.append(t * 1000)
                cpus.append(c * 1000)
            row = {
                "build": label, "input": "%s JPEG, %dx%d" % key,
                "bytes": os.path.getsize(images[key]),
                "first_thumbnail_ms": firsts, "process_cpu_ms": cpus,
            }
            rows.append(row)
            log("%-6s %-30s first thumbnail %4.0f to %4.0f ms (median %4.0f), "
                "process CPU median %4.0f ms" % (
                    label, row["input"], min(firsts), max(firsts),
                    statistics.median(firsts), statistics.median(cpus)))
    return rows


class Decoder:
    """turbojpegdec in a pipeline of its own, through GObject-Introspection."""

    def __init__(self, build):
        os.environ.update({k: v for k, v in plugin_env(build).items() if k.startswith("GST_")})
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstVideo", "1.0")
        from gi.repository import Gst, GstVideo

        Gst.init(None)
        self.Gst, self.GstVideo = Gst, GstVideo

    def decode(self, path, box, strict=True):
        """Returns (planes as numpy arrays, scans-read, warning text)."""
        import numpy as np

        Gst = self.Gst
        pipe = Gst.parse_launch(
            "filesrc location=\"%s\" ! turbojpegdec name=d max-dimension=%d strict=%s ! "
            "appsink name=sink sync=false" % (path, box, "true" if strict else "false")
        )
        sink = pipe.get_by_name("sink")
        pipe.set_state(Gst.State.PLAYING)
        sample = sink.emit("pull-sample")
        bus = pipe.get_bus()
        warning = None
        msg = bus.pop_filtered(Gst.MessageType.WARNING)
        if msg is not None:
            warning = msg.parse_warning()[0].message
        scans = pipe.get_by_name("d").get_property("scans-read")
        pipe.set_state(Gst.State.NULL)
        if sample is None:
            raise RuntimeError("%s: no frame" % path)
        info = self.GstVideo.VideoInfo.new_from_caps(sample.get_caps())
        data = sample.get_buffer().extract_dup(0, sample.get_buffer().get_size())
        buf = np.frombuffer(data, np.uint8)
        planes = []
        for c in range(info.finfo.n_components):
            w, h = comp_size(info, c)
            off, stride = info.offset[c], info.stride[c]
            planes.append(buf[off:off + stride * h].reshape(h, stride)[:, :w])
        return planes, scans, warning

    def cpu_ms(self, path, box, strict, n):
        times = []
        for _ in range(n):
            t = time.process_time()
            self.decode(path, box, strict)
            times.append((time.process_time() - t) * 1000)
        return statistics.median(times)


def comp_size(info, c):
    finfo = info.finfo
    ws, hs = finfo.w_sub[c], finfo.h_sub[c]
    return (-((-info.width) >> ws), -((-info.height) >> hs))


def load_luma_ssim():
    spec = importlib.util.spec_from_file_location(
        "webp_quality", os.path.join(ROOT, "bench", "webp-quality.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.luma_ssim


def scan_offsets(data):
    """Offsets of the SOS markers (stuffed zeros and RSTn never match)."""
    out, pos = [], 0
    while True:
        pos = data.find(b"\xff\xda", pos)
        if pos < 0:
            return out
        out.append(pos)
        pos += 2


def write_cut(data, path):
    """The progressive file cut inside its second scan (the first AC scan
    in libjpeg's script)."""
    sos = scan_offsets(data)
    with open(path, "wb") as f:
        f.write(data[:(sos[1] + sos[2]) // 2])


def ssim_corpus(dec, corpus, work):
    import numpy as np
    from PIL import Image

    luma_ssim = load_luma_ssim()
    rows = []
    for name in sorted(os.listdir(corpus)):
        if not name.lower().endswith((".jpg", ".jpeg")):
            continue
        src = os.path.join(corpus, name)
        w, h = Image.open(src).size
        prog = os.path.join(work, "p-" + name)
        base = os.path.join(work, "b-" + name)
        subprocess.run(["jpegtran", "-copy", "none", "-progressive", "-outfile", prog, src], check=True)
        subprocess.run(["jpegtran", "-copy", "none", "-outfile", base, src], check=True)
        cut = os.path.join(work, "c-" + name)
        with open(prog, "rb") as f:
            data = f.read()
        scans = len(scan_offsets(data))
        write_cut(data, cut)
        box = max(w, h) // 16 - 1
        whole, whole_scans, _ = dec.decode(base, box)
        early, early_scans, _ = dec.decode(prog, box)
        short, short_scans, _ = dec.decode(cut, box, strict=False)
        row = {
            "photo": name, "size": "%dx%d" % (w, h),
            "thumbnail": "%dx%d" % (whole[0].shape[1], whole[0].shape[0]),
            "scans": scans, "scans_read": early_scans, "whole_scans_read": whole_scans,
            "ssim": luma_ssim(early[0], whole[0]),
            "identical": all(np.array_equal(a, b) for a, b in zip(early, whole)),
            "max_diff": int(max(np.abs(a.astype(int) - b).max() for a, b in zip(early, whole))),
            "mean_luma_diff": float(np.abs(early[0].astype(int) - whole[0]).mean()),
            "no_refinement_scans_read": short_scans,
            "no_refinement_ssim": luma_ssim(short[0], whole[0]),
            "no_refinement_max_diff": int(max(
                np.abs(a.astype(int) - b).max() for a, b in zip(short, whole))),
            "no_refinement_mean_luma_diff": float(np.abs(short[0].astype(int) - whole[0]).mean()),
        }
        rows.append(row)
        log("%-40s %9s -> %7s: %d of %2d scans, luma SSIM %.6f, max diff %d%s; "
            "without the DC refinement: SSIM %.6f, max diff %d, mean luma diff %.3f" % (
                name, row["size"], row["thumbnail"], early_scans, scans, row["ssim"],
                row["max_diff"], " (identical)" if row["identical"] else "",
                row["no_refinement_ssim"], row["no_refinement_max_diff"],
                row["no_refinement_mean_luma_diff"]))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--before-build", help="another build tree for the progressive rows")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", choices=("table", "ssim"))
    ap.add_argument("--json")
    args = ap.parse_args()

    build = os.path.join(ROOT, args.build_dir)
    corpus = corpus_dir()
    work = tempfile.mkdtemp(prefix="progressive-thumbnail-")
    try:
        images = make_table_images(corpus, work)
        result = {}
        if args.only != "ssim":
            result["table"] = table(build, args.before_build, images, args.runs, work)
        if args.only == "table":
            return finish(result, args, work)
        dec = Decoder(build)
        p5120 = images[("progressive", 5120, 2880)]
        with open(p5120, "rb") as f:
            write_cut(f.read(), os.path.join(work, "cut-5120.jpg"))
        result["decode_cpu_ms"] = {
            "progressive_dc_scans": dec.cpu_ms(p5120, 150, True, 15),
            "progressive_cut_before_dc_refinement": dec.cpu_ms(
                os.path.join(work, "cut-5120.jpg"), 150, False, 15),
            "baseline": dec.cpu_ms(images[("baseline", 5120, 2880)], 150, True, 15),
        }
        log("5120x2880 at 1/8 in turbojpegdec, CPU median of 15 (ms): %s" % result["decode_cpu_ms"])
        result["ssim"] = ssim_corpus(dec, corpus, work)
        rows = result["ssim"]
        log("early vs whole-decode thumbnails over %d photos: luma SSIM min %.6f mean %.6f, "
            "max diff %d, %d identical; without the DC refinement: SSIM min %.6f mean %.6f, "
            "max diff %d" % (
                len(rows), min(r["ssim"] for r in rows), statistics.mean(r["ssim"] for r in rows),
                max(r["max_diff"] for r in rows), sum(r["identical"] for r in rows),
                min(r["no_refinement_ssim"] for r in rows),
                statistics.mean(r["no_refinement_ssim"] for r in rows),
                max(r["no_refinement_max_diff"] for r in rows)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    finish(result, args, work)


def finish(result, args, work):
    shutil.rmtree(work, ignore_errors=True)
    result["machine"] = {"loadavg": os.getloadavg(), "cpus": os.cpu_count()}
    out = json.dumps(result, indent=1)
    if args.json:
        with open(args.json, "w") as f:
            f.write(out + "\n")
    else:
        print(out)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The fixed cost of one image: CPU time of a 64x64 JPEG through all six
outputs (thumbnail, preview, full; JPEG and WebP, none enlarged, so all
six are 64x64), with the benchmark's fixed qualities.

    bench/fixed-cost.py [--build-dir DIR] [-n N] [--passes P] [-j THREADS]
                        [--json FILE]

Three figures, each the median over P passes:

in-process  one long-lived `appsrc ! imgcompressbin output=pads
            on-error=skip` pipeline with a fakesink per source pad, fed
            from Python through GObject-Introspection: each upload preceded
            by gst_imgcompress_image_start_event_new() and flagged MARKER,
            the next pushed once the imgcompress-image-done of the previous
            arrived.  Process CPU (getrusage) over N images after a warm-up,
            minus the CPU of the same loop into `appsrc ! fakesink` (what
            feeding from Python costs), per image.
tool        the batch tool on N copies of the image minus the tool on one
            copy, divided by N - 1: CPU of the process, each run into a
            fresh output directory, so it includes creating 6 N files.
files       what creating those files costs by itself: for N images, 6
            files of 1 KiB each written to a temporary name and renamed,
            from Python, into a fresh directory on the same file system.

Prints the JSON to stdout (or FILE) and a summary to stderr."""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import namedtuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))

from harness import machine, procmon, tools, workload  # noqa: E402

SIDE = 64
WARM_UP = 50
FILE_BYTES = 1024
# A stuck pipeline must not hang the benchmark: generous per image.
IMAGE_TIMEOUT_S = 10

Image64 = namedtuple("Image64", "path name")


def log(message):
    print("fixed-cost: " + message, file=sys.stderr, flush=True)


def _cpu_s(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def make_image(path):
    """A 64x64 baseline JPEG q85 of smooth gradients with some detail: the
    same bytes on every run (no corpus needed)."""
    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:SIDE, 0:SIDE]
    rgb = np.stack([x * 4, y * 4, (x + y) * 2 + 16 * ((x // 8 + y // 8) % 2)], axis=-1)
    Image.fromarray((rgb % 256).astype("uint8")).save(path, "JPEG", quality=85)


# -- in-process, in a child process with GStreamer -------------------------------


class InProcess:
    """The child's measurement: GStreamer is imported only here."""

    def __init__(self, data):
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstApp", "1.0")
        gi.require_version("GstImgcompress", "1.0")
        from gi.repository import Gst, GstApp, GstImgcompress

        # GstApp loaded gives appsrc its push_buffer().
        self.Gst, self.GstApp, self.GstImgcompress = Gst, GstApp, GstImgcompress
        Gst.init(None)
        self.data = data

    def _pipeline(self, with_bin):
        Gst = self.Gst
        pipeline = Gst.Pipeline.new(None)
        appsrc = Gst.ElementFactory.make("appsrc", None)
        appsrc.set_property("format", Gst.Format.BYTES)
        pipeline.add(appsrc)
        sinks = []
        if with_bin:
            bin_ = Gst.ElementFactory.make("imgcompressbin", None)
            if bin_ is None:
                raise RuntimeError("no imgcompressbin (plugins not found)")
            for name, value in (("output", "pads"), ("on-error", "skip"), ("adaptive", "off"),
                                ("variants", workload.VARIANTS_ARG), ("formats", "jpeg,webp")):
                Gst.util_set_object_arg(bin_, name, value)
            pipeline.add(bin_)
            appsrc.link(bin_)
            # The source pads exist once the branches are built, in READY.
            pipeline.set_state(Gst.State.READY)
            pads = list(bin_.srcpads)
            if len(pads) != 6:
                raise RuntimeError("imgcompressbin has %d source pads, not 6" % len(pads))
        else:
            pads = [appsrc.get_static_pad("src")]
        for pad in pads:
            sink = Gst.ElementFactory.make("fakesink", None)
            sink.set_property("sync", False)
            sink.set_property("async", False)
            pipeline.add(sink)
            pad.link(sink.get_static_pad("sink"))
            sinks.append(sink)
        return pipeline, appsrc, sinks

    def _push(self, appsrc, n):
        Gst = self.Gst
        appsrc.send_event(self.GstImgcompress.image_start_event_new("i%d" % n, "upload-%d" % n))
        buf = Gst.Buffer.new_wrapped(self.data)
        buf.set_flags(Gst.BufferFlags.MARKER)
        if appsrc.push_buffer(buf) != Gst.FlowReturn.OK:
            raise RuntimeError("push-buffer refused image %d" % n)

    def _wait_done(self, bus, n):
        Gst = self.Gst
        kinds = Gst.MessageType.ELEMENT | Gst.MessageType.ERROR | Gst.MessageType.WARNING
        while True:
            msg = bus.timed_pop_filtered(IMAGE_TIMEOUT_S * Gst.SECOND, kinds)
            if msg is None:
                raise RuntimeError("no imgcompress-image-done for image %d" % n)
            if msg.type == Gst.MessageType.ERROR or msg.type == Gst.MessageType.WARNING:
                err, _ = msg.parse_error() if msg.type == Gst.MessageType.ERROR \
                    else msg.parse_warning()
                raise RuntimeError("image %d: %s" % (n, err.message))
            if msg.get_structure().get_name() != "imgcompress-image-done":
                continue
            _, image, outputs = self.GstImgcompress.image_done_message_parse(msg)
            if outputs != 6 or image.id != "upload-%d" % n:
                raise RuntimeError("image %d: %d outputs, id %s" % (n, outputs, image.id))
            return

    def measure(self, images, warm_up, with_bin):
        """(CPU s, wall s) of images uploads after warm_up unmeasured ones."""
        import threading

        Gst = self.Gst
        pipeline, appsrc, sinks = self._pipeline(with_bin)
        bus = pipeline.get_bus()
        if with_bin:
            def wait(n):
                self._wait_done(bus, n)
        else:
            # Nothing posts a message per buffer here: the fakesink's
            # handoff says the buffer went through.
            arrived = threading.Event()
            sinks[0].set_property("signal-handoffs", True)
            sinks[0].connect("handoff", lambda *a: arrived.set())

            def wait(n):
                if not arrived.wait(IMAGE_TIMEOUT_S):
                    raise RuntimeError("buffer %d never reached the fakesink" % n)
                arrived.clear()
        if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError("pipeline does not start")
        try:
            for n in range(warm_up):
                self._push(appsrc, n)
                wait(n)
            cpu0, wall0 = _cpu_s(resource.RUSAGE_SELF), time.perf_counter()
            for n in range(warm_up, warm_up + images):
                self._push(appsrc, n)
                wait(n)
            return _cpu_s(resource.RUSAGE_SELF) - cpu0, time.perf_counter() - wall0
        finally:
            pipeline.set_state(Gst.State.NULL)


def child_main(args):
    with open(args.image, "rb") as f:
        data = f.read()
    runner = InProcess(data)
    passes = []
    for _ in range(args.passes):
        # Alternating, so that a change of load hits both alike.
        bin_cpu, bin_wall = runner.measure(args.images, args.warm_up, True)
        feed_cpu, _ = runner.measure(args.images, args.warm_up, False)
        passes.append({"bin_cpu_s": bin_cpu, "bin_wall_s": bin_wall, "feeding_cpu_s": feed_cpu})
    json.dump(passes, sys.stdout)
    return 0


def in_process(args, image, env):
    argv = [sys.executable, os.path.abspath(__file__), "--child", "--image", image,
            "-n", str(args.images), "--passes", str(args.passes),
            "--warm-up", str(args.warm_up)]
    timeout = 60 + 2 * IMAGE_TIMEOUT_S + args.passes * 2 * (args.images + args.warm_up) * 0.1
    try:
        out = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after %.0f s" % timeout}
    if out.returncode != 0:
        tail = " / ".join(out.stderr.strip().splitlines()[-3:])
        return {"error": "exit %d: %s" % (out.returncode, tail)}
    passes = json.loads(out.stdout)
    n = args.images
    per_image = [(p["bin_cpu_s"] - p["feeding_cpu_s"]) * 1000 / n for p in passes]
    return {
        "images": n,
        "warm_up": args.warm_up,
        "passes": passes,
        "cpu_ms_per_image": statistics.median(per_image),
        "bin_cpu_ms_per_image": statistics.median(p["bin_cpu_s"] * 1000 / n for p in passes),
        "feeding_cpu_ms_per_image": statistics.median(
            p["feeding_cpu_s"] * 1000 / n for p in passes),
        "bin_wall_ms_per_image": statistics.median(p["bin_wall_s"] * 1000 / n for p in passes),
    }


# -- the tool ----------------------------------------------------------------------


def _run_tool(ours, inputs, outdir, threads, workdir):
    job = procmon.run_job([ours.argv(inputs, outdir, threads)], env=ours.env(threads),
                          timeout_s=60 + len(inputs), log_path=os.path.join(workdir, "tool.log"))
    if not job.ok:
        raise RuntimeError("%s (log %s)" % (job.error, os.path.join(workdir, "tool.log")))
    written = sum(len(files) for _, _, files in os.walk(outdir))
    if written != 6 * len(inputs):
        raise RuntimeError("%d of %d output files written" % (written, 6 * len(inputs)))
    return job


def tool(args, image, workdir):
    ours = tools.Ours(ROOT, args.build_dir)
    if not os.access(ours.binary, os.X_OK):
        return {"error": "%s is missing" % os.path.relpath(ours.binary, ROOT)}
    indir = os.path.join(workdir, "inputs")
    os.makedirs(indir)
    inputs = []
    for n in range(args.images):
        path = os.path.join(indir, "i%05d.jpg" % n)
        shutil.copyfile(image, path)
        inputs.append(Image64(path, "i%05d" % n))
    passes = []
    try:
        for p in range(args.passes):
            runs = {}
            for count in (args.images, 1):
                outdir = os.path.join(workdir, "out-%d-%d" % (p, count))
                runs[count] = _run_tool(ours, inputs[:count], outdir, args.threads, workdir)
                shutil.rmtree(outdir)
            passes.append({"cpu_s_n": runs[args.images].user_s + runs[args.images].sys_s,
                           "cpu_s_1": runs[1].user_s + runs[1].sys_s,
                           "wall_s_n": runs[args.images].wall_s, "wall_s_1": runs[1].wall_s})
    except RuntimeError as e:
        return {"error": str(e)}
    per_image = [(p["cpu_s_n"] - p["cpu_s_1"]) * 1000 / (args.images - 1) for p in passes]
    return {
        "images": args.images,
        "threads": args.threads,
        "passes": passes,
        "cpu_ms_per_image": statistics.median(per_image),
        "wall_ms_per_image": statistics.median(
            (p["wall_s_n"] - p["wall_s_1"]) * 1000 / (args.images - 1) for p in passes),
    }


# -- creating files alone ----------------------------------------------------------


def file_creation(args, workdir):
    payload = b"\xa5" * FILE_BYTES
    per_image = []
    for p in range(args.passes):
        top = os.path.join(workdir, "files-%d" % p)
        dirs = [os.path.join(top, v.name) for v in workload.VARIANTS]
        for d in dirs:
            os.makedirs(d)
        cpu0 = _cpu_s(resource.RUSAGE_SELF)
        for n in range(args.images):
            for d in dirs:
                for ext in ("jpg", "webp"):
                    final = os.path.join(d, "i%05d.%s" % (n, ext))
                    temp = final + ".tmp"
                    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    os.write(fd, payload)
                    os.close(fd)
                    os.rename(temp, final)
        per_image.append((_cpu_s(resource.RUSAGE_SELF) - cpu0) * 1000 / args.images)
        shutil.rmtree(top)
    return {"images": args.images, "files_per_image": 6, "file_bytes": FILE_BYTES,
            "cpu_ms_per_image": statistics.median(per_image), "passes_ms": per_image}


# -- main ----------------------------------------------------------------------------


def gi_env(ours):
    env = ours.env(1)
    lib = os.path.join(ours.build, "gst-libs", "gst", "imgcompress")
    for var in ("GI_TYPELIB_PATH", "LD_LIBRARY_PATH"):
        env[var] = lib + (":" + env[var] if env.get(var) else "")
    return env, os.path.join(lib, "GstImgcompress-1.0.typelib")


def measure(args):
    ours = tools.Ours(ROOT, args.build_dir)
    workdir = tempfile.mkdtemp(prefix="imgcompress-fixed-cost-")
    result = {"image": {"width": SIDE, "height": SIDE}, "variants": workload.VARIANTS_ARG,
              "load_average_start": machine.load_average()}
    try:
        image = os.path.join(workdir, "i.jpg")
        make_image(image)
        result["image"]["bytes"] = os.path.getsize(image)
        env, typelib = gi_env(ours)
        if not os.path.exists(typelib):
            result["in_process"] = {"error": "no %s (GObject-Introspection not built)"
                                    % os.path.relpath(typelib, ROOT)}
        else:
            log("in-process: %d passes of %d images" % (args.passes, args.images))
            result["in_process"] = in_process(args, image, env)
        log("tool: %d passes of %d and 1 images" % (args.passes, args.images))
        result["tool"] = tool(args, image, workdir)
        result["file_creation"] = file_creation(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result["load_average_end"] = machine.load_average()
    return result


def summary(result):
    lines = []
    for key, what in (("in_process", "in-process, ms CPU per image"),
                      ("tool", "tool, ms CPU per image"),
                      ("file_creation", "creating 6 files, ms CPU per image")):
        part = result.get(key) or {}
        value = part.get("cpu_ms_per_image")
        lines.append("%-36s %s" % (what, "%.3f" % value if value is not None
                                   else "not measured: %s" % part.get("error")))
    return lines


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/fixed-cost.py",
                                 description="CPU cost of one 64x64 image through all outputs.")
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR") or "build",
                    help="meson build directory, relative to the source root (default build)")
    ap.add_argument("-n", "--images", type=int, default=1000,
                    help="images per measured pass (default 1000)")
    ap.add_argument("--passes", type=int, default=3, help="passes, median reported (default 3)")
    ap.add_argument("--warm-up", type=int, default=WARM_UP,
                    help="unmeasured uploads before each in-process pass (default %d)" % WARM_UP)
    ap.add_argument("-j", "--threads", type=int, default=2,
                    help="the tool's -j (default 2)")
    ap.add_argument("--json", metavar="FILE", help="write the JSON here instead of stdout")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--image", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.images < 2 or args.passes < 1 or args.warm_up < 0 or args.threads < 1:
        ap.error("need -n >= 2, --passes >= 1, --warm-up >= 0, -j >= 1")
    return args


def main(argv):
    args = parse_args(argv)
    if args.child:
        return child_main(args)
    result = measure(args)
    for line in summary(result):
        log(line)
    text = json.dumps(result, indent=1) + "\n"
    if args.json:
        with open(args.json, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

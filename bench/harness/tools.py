"""The four tools the benchmark compares, each able to say whether it can run
here and to give the processes that do the workload on a set of images.

Every tool writes OUTDIR/{thumbnail,preview,full}/NAME.{jpg,webp}."""

import json
import os
import shutil
import subprocess
import sys

from . import workload
from .workload import FORMATS, VARIANTS

SHARP_SPEC = "sharp@0.34"


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache"
    )
    return os.path.join(base, "gst-imgcompress")


def _registry(name):
    """A GStreamer registry file of the harness's own, per tool."""
    os.makedirs(cache_dir(), exist_ok=True)
    return os.path.join(cache_dir(), "bench-registry-%s.bin" % name)


def _base_env():
    env = dict(os.environ)
    for var in ("GST_PLUGIN_PATH", "GST_PLUGIN_PATH_1_0", "GST_DEBUG", "GST_DEBUG_FILE"):
        env.pop(var, None)
    return env


class Tool:
    name = ""
    label = ""

    def __init__(self, root):
        self.root = root
        self.status = "ok"
        self.reason = ""
        self.versions = {}

    def prepare(self, threads, log):
        """Checks (and for sharp installs) what the tool needs; sets status
        to "skipped" with a reason when it cannot run here."""

    def env(self, threads):
        return _base_env()

    def job(self, images, outdir, threads):
        """(list of argv, how many of them run at once)."""
        raise NotImplementedError

    def skip(self, reason):
        self.status = "skipped"
        self.reason = reason


class Ours(Tool):
    """The batch tool, build/tools/imgcompress/imgcompress, with the
    build-tree plugins.  Adaptive quality is turned off and the variants
    given explicitly so it does exactly the workload of the others."""

    name = "ours"
    label = "imgcompress (ours)"

    def __init__(self, root, build_dir):
        super().__init__(root)
        self.build = os.path.join(root, build_dir)
        self.binary = os.path.join(self.build, "tools", "imgcompress", "imgcompress")

    def prepare(self, threads, log):
        if not os.access(self.binary, os.X_OK):
            self.status = "failed"
            self.reason = "%s is missing (build the tree first)" % os.path.relpath(
                self.binary, self.root
            )
            return
        try:
            out = subprocess.run(
                [self.binary, "--version"],
                env=self.env(threads),
                capture_output=True,
                text=True,
                timeout=60,
            )
            self.versions["imgcompress"] = (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, subprocess.SubprocessError, IndexError) as e:
            self.versions["imgcompress"] = "unknown (%s)" % e

    def env(self, threads):
        env = _base_env()
        env["GST_PLUGIN_PATH_1_0"] = ":".join(
            os.path.join(self.build, d) for d in ("gst/imgcompress", "ext/turbojpeg", "ext/webp", "ext/png",
                      "ext/heif", "ext/gif", "ext/tiff", "ext/bmp")
        )
        # A registry of its own: alternating with stock gst-launch-1.0 on one
        # registry file would rewrite it (plugin set differs) on every run.
        env["GST_REGISTRY_1_0"] = _registry("ours")
        return env

    def argv(self, images, outdir, threads, metrics_json=None, extra=()):
        argv = [
            self.binary,
            "-q",
            *extra,
            "-j",
            str(threads),
            "--adaptive-quality",
            "off",
            "--variants",
            workload.VARIANTS_ARG,
            "--formats",
            "jpeg,webp",
            "--layout",
            "flat",
            "-o",
            outdir,
        ]
        if metrics_json:
            argv += ["--metrics-json", metrics_json]
        return argv + [i.path for i in images]

    def job(self, images, outdir, threads):
        return [self.argv(images, outdir, threads)], 1


class Pillow(Tool):
    """The seed's service, bench/pillow_service.py, on Debian's python3-pil."""

    name = "pillow"
    label = "Pillow (seed service)"

    def prepare(self, threads, log):
        import PIL
        from PIL import features

        self.versions = {
            "pillow": PIL.__version__,
            "python": sys.version.split()[0],
            "pillow_libjpeg": features.version("jpg"),
            "pillow_libwebp": features.version("webp"),
        }

    def job(self, images, outdir, threads):
        script = os.path.join(self.root, "bench", "pillow_service.py")
        return [
            [sys.executable, script, "-j", str(threads), "-o", outdir]
            + [i.path for i in images]
        ], 1


class StockGst(Tool):
    """Stock GStreamer: one gst-launch-1.0 per image, threads of them at a
    time, jpegdec, videoscale method=lanczos into the size the harness
    computes (same rounding as ours), tee/queue branches, jpegenc, webpenc."""

    name = "gst"
    label = "stock GStreamer"

    def prepare(self, threads, log):
        launch = shutil.which("gst-launch-1.0")
        if not launch:
            self.skip("gst-launch-1.0 not found")
            return
        self.launch = launch
        out = subprocess.run([launch, "--version"], capture_output=True, text=True)
        lines = out.stdout.strip().splitlines()
        self.versions["gstreamer"] = lines[1] if len(lines) > 1 else out.stdout.strip()
        inspect = shutil.which("gst-inspect-1.0")
        if inspect:
            missing = [
                e
                for e in ("jpegdec", "videoconvert", "videoscale", "jpegenc", "webpenc")
                if subprocess.run(
                    [inspect, "--exists", e], env=self.env(threads)
                ).returncode
                != 0
            ]
            if missing:
                self.skip("stock elements missing: " + ", ".join(missing))

    def env(self, threads):
        env = _base_env()
        env["GST_REGISTRY_1_0"] = _registry("stock")
        return env

    def pipeline(self, image, outdir):
        args = ["filesrc", "location=" + image.path, "!", "jpegdec", "!", "videoconvert"]
        args += ["!", "tee", "name=t"]
        for n, variant in enumerate(VARIANTS):
            width, height = workload.fit_box(image.width, image.height, variant.box)
            os.makedirs(os.path.join(outdir, variant.name), exist_ok=True)
            args += ["t.", "!", "queue", "!", "videoscale", "method=lanczos", "!"]
            args += ["video/x-raw,width=%d,height=%d" % (width, height), "!"]
            args += ["tee", "name=v%d" % n]
            for fmt in FORMATS:
                encoder = "jpegenc" if fmt.name == "jpeg" else "webpenc"
                location = workload.output_path(outdir, image, variant, fmt)
                args += ["v%d." % n, "!", "queue", "!", encoder]
                args += ["quality=%d" % workload.quality_for(variant, fmt), "!"]
                args += ["filesink", "location=" + location]
        return [self.launch, "-q"] + args

    def job(self, images, outdir, threads):
        return [self.pipeline(image, outdir) for image in images], threads


class Sharp(Tool):
    """sharp (libvips) via bench/sharp_service.js; sharp is npm-installed
    into the cache directory, never into the tree."""

    name = "sharp"
    label = "sharp (libvips)"

    def __init__(self, root):
        super().__init__(root)
        self.prefix = os.path.join(cache_dir(), "sharp")
        self.module = os.path.join(self.prefix, "node_modules", "sharp")
        self.script = os.path.join(root, "bench", "sharp_service.js")

    def _probe(self, node):
        out = subprocess.run(
            [node, self.script, "--versions"],
            env=self.env(1),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if out.returncode != 0:
            return None
        return json.loads(out.stdout)

    def prepare(self, threads, log):
        node, npm = shutil.which("node"), shutil.which("npm")
        if not node or not npm:
            self.skip("Node.js (node and npm) not installed")
            return
        self.node = node
        try:
            versions = self._probe(node)
            if versions is None:
                log("sharp: npm install %s into %s" % (SHARP_SPEC, self.prefix))
                os.makedirs(self.prefix, exist_ok=True)
                # Few, short retries: without network the harness must
                # still finish --quick in CI's time.
                install = subprocess.run(
                    [npm, "install", "--prefix", self.prefix, "--no-audit", "--no-fund",
                     "--loglevel=error", "--fetch-retries=1", "--fetch-retry-mintimeout=2000",
                     "--fetch-retry-maxtimeout=5000", "--fetch-timeout=60000", SHARP_SPEC],
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                if install.returncode != 0:
                    tail = (install.stderr or install.stdout).strip().splitlines()[-3:]
                    self.skip("npm install %s failed: %s" % (SHARP_SPEC, " / ".join(tail)))
                    return
                versions = self._probe(node)
            if versions is None:
                self.skip("sharp installed but does not load")
                return
        except (OSError, subprocess.SubprocessError, ValueError) as e:
            self.skip("sharp unavailable: %s" % e)
            return
        node_version = subprocess.run([node, "--version"], capture_output=True, text=True)
        self.versions = {
            "sharp": versions.get("sharp"),
            "libvips": versions.get("vips"),
            "sharp_libwebp": versions.get("webp"),
            "sharp_mozjpeg": versions.get("mozjpeg"),
            "node": node_version.stdout.strip(),
        }

    def env(self, threads):
        env = _base_env()
        env["SHARP_MODULE"] = self.module
        env["UV_THREADPOOL_SIZE"] = str(max(1, threads))
        return env

    def job(self, images, outdir, threads):
        return [
            [self.node, self.script, "-j", str(threads), "-o", outdir]
            + [i.path for i in images]
        ], 1


def make_tools(root, names, build_dir):
    factories = {
        "ours": lambda: Ours(root, build_dir),
        "pillow": lambda: Pillow(root),
        "gst": lambda: StockGst(root),
        "sharp": lambda: Sharp(root),
    }
    unknown = [n for n in names if n not in factories]
    if unknown:
        raise ValueError("unknown tool(s): %s (known: %s)" % (", ".join(unknown), ", ".join(factories)))
    return [factories[n]() for n in names]

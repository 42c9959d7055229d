"""The benchmark's course: warm-up, alternating rounds, ours' own figures,
quality, and the result dictionary report.py turns into files."""

import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time

from . import machine, procmon, quality, workload
from .workload import FORMATS, VARIANTS

TTFT_IMAGE = "Kleiber_by_Lukas_Baubkus"

# Generous for a loaded 2-core machine (every tool does the smallest image
# in well under a second), short enough that a hung tool costs little.
WARM_UP_TIMEOUT_S = 30


def default_timeout_s(n_images):
    return 30 + 10 * n_images


def log(message):
    print("bench: " + message, file=sys.stderr, flush=True)


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _log_tail(path, lines=5):
    try:
        with open(path, "rb") as f:
            text = f.read()[-4000:].decode("utf-8", "replace")
    except OSError:
        return ""
    return " / ".join(text.strip().splitlines()[-lines:])


def _rm(path):
    shutil.rmtree(path, ignore_errors=True)


class Bench:
    def __init__(self, root, tools, images, threads, rounds, quick, workdir, timeout_s,
                 ttft_image):
        self.root = root
        self.ttft_image = ttft_image
        self.tools = tools
        self.images = images
        self.threads = threads
        self.rounds = rounds
        self.quick = quick
        self.workdir = workdir
        self.timeout_s = timeout_s
        self.results = {t.name: {"rounds": []} for t in tools}
        self.kept = {}

    # -- measuring one run --------------------------------------------------

    def _measure(self, tool, images, outdir, threads, tag, timeout_s=None, metrics_json=None):
        _rm(outdir)
        os.makedirs(outdir)
        if metrics_json:
            argvs, concurrency = [tool.argv(images, outdir, threads, metrics_json)], 1
        else:
            argvs, concurrency = tool.job(images, outdir, threads)
        log_path = os.path.join(self.workdir, "%s-%s.log" % (tool.name, tag))
        job = procmon.run_job(
            argvs,
            concurrency=concurrency,
            env=tool.env(threads),
            timeout_s=timeout_s or self.timeout_s,
            log_path=log_path,
        )
        expected = workload.expected_outputs(outdir, images)
        sizes = {}
        missing = 0
        for image, variant, fmt, path in expected:
            try:
                size = os.path.getsize(path)
            except OSError:
                missing += 1
                continue
            key = "%s/%s" % (variant.name, fmt.name)
            sizes[key] = sizes.get(key, 0) + size
        error = job.error
        if error:
            tail = _log_tail(log_path)
            if tail:
                error += ": " + tail
        elif missing:
            error = "%d of %d output files missing" % (missing, len(expected))
        return {
            "ok": error is None,
            "error": error,
            "images": len(images),
            "threads": threads,
            "wall_s": job.wall_s,
            "user_s": job.user_s,
            "sys_s": job.sys_s,
            "cpu_s": job.user_s + job.sys_s,
            "peak_rss_bytes": job.peak_rss_bytes,
            "rss_samples": job.rss_samples,
            "output_bytes": sum(sizes.values()),
            "output_bytes_by_variant_format": sizes,
            "missing_outputs": missing,
        }

    def _fail(self, tool, reason):
        tool.status = "failed"
        tool.reason = reason
        log("%s: FAILED: %s" % (tool.name, reason))

    # -- phases ---------------------------------------------------------------

    def prepare(self):
        for tool in self.tools:
            try:
                tool.prepare(self.threads, log)
            except Exception as e:  # a tool's set-up must not stop the others
                self._fail(tool, "preparation failed: %s: %s" % (type(e).__name__, e))
            if tool.status != "ok":
                log("%s: %s (%s)" % (tool.name, tool.status, tool.reason))

    def warm_up(self):
        """One unmeasured run per tool on the smallest image: fills the page
        cache, builds the GStreamer registries, loads node's modules -- and
        finds a broken tool before the rounds."""
        for path in [i.path for i in self.images] + [self.ttft_image.path]:
            with open(path, "rb") as f:
                while f.read(1 << 20):
                    pass
        smallest = workload.quick_subset(self.images, 1)
        for tool in self.active():
            run = self._measure(tool, smallest, os.path.join(self.workdir, tool.name, "warm-up"),
                                self.threads, "warm-up", timeout_s=WARM_UP_TIMEOUT_S)
            if not run["ok"]:
                self._fail(tool, "warm-up run failed: %s" % run["error"])

    def active(self):
        return [t for t in self.tools if t.status == "ok"]

    def run_rounds(self):
        for r in range(self.rounds):
            tools = self.active()
            if not tools:
                return
            shift = r % len(tools)
            order = tools[shift:] + tools[:shift]
            log("round %d/%d: %s" % (r + 1, self.rounds, " ".join(t.name for t in order)))
            for position, tool in enumerate(order):
                outdir = os.path.join(self.workdir, tool.name, "round-%d" % r)
                run = self._measure(tool, self.images, outdir, self.threads, "round-%d" % r)
                run["round"] = r
                run["position"] = position
                self.results[tool.name]["rounds"].append(run)
                log("  %-6s %s" % (tool.name, _run_summary(run)))
                if not run["ok"]:
                    self._fail(tool, "round %d: %s" % (r + 1, run["error"]))
                    _rm(outdir)
                    continue
                previous = self.kept.get(tool.name)
                if previous:
                    _rm(previous)
                self.kept[tool.name] = outdir

    def summarize(self):
        for tool in self.tools:
            res = self.results[tool.name]
            res.update(
                label=tool.label, status=tool.status, reason=tool.reason, versions=tool.versions
            )
            ok = [r for r in res["rounds"] if r["ok"]]
            if tool.status != "ok" or not ok:
                res["median"] = None
                continue
            res["median"] = {
                key: _median([r[key] for r in ok])
                for key in ("wall_s", "cpu_s", "user_s", "sys_s", "peak_rss_bytes", "output_bytes")
            }
            res["median"]["rounds"] = len(ok)
            res["output_bytes_by_variant_format"] = ok[-1]["output_bytes_by_variant_format"]

    # -- ours' own figures ------------------------------------------------------

    def ours_extras(self):
        ours = next((t for t in self.tools if t.name == "ours"), None)
        if ours is None or ours.status != "ok":
            return None
        extras = {}
        one_thread = {}
        for name, fn in (
            ("time_to_first_thumbnail", lambda: self._ttft(ours)),
            ("throughput", lambda: self._throughput(ours, one_thread)),
            ("per_image_cost", lambda: self._per_image_cost(ours, one_thread)),
        ):
            try:
                extras[name] = fn()
            except Exception as e:  # one failed extra must not lose the rest
                extras[name] = {"error": "%s: %s" % (type(e).__name__, e)}
                log("ours: %s failed: %s" % (name, extras[name]["error"]))
        return extras

    def _ttft(self, ours):
        image = self.ttft_image
        reps = 3
        times, walls = [], []
        for rep in range(reps):
            outdir = os.path.join(self.workdir, "ours", "ttft-%d" % rep)
            _rm(outdir)
            os.makedirs(outdir)
            paths = [
                workload.output_path(outdir, image, VARIANTS[0], fmt) for fmt in FORMATS
            ]
            start = time.perf_counter()
            first, rc = procmon.time_to_file(
                # The seed's progressive loading: a thumbnail pass first.
                ours.argv([image], outdir, self.threads,
                          extra=("--thumbnails-first",)),
                paths,
                env=ours.env(self.threads),
                timeout_s=WARM_UP_TIMEOUT_S,
                log_path=os.path.join(self.workdir, "ours-ttft.log"),
            )
            walls.append(time.perf_counter() - start)
            _rm(outdir)
            if rc != 0 or first is None:
                return {
                    "error": "run failed (exit %s, thumbnail %s)"
                    % (rc, "written" if first is not None else "never written"),
                    "image": image.name,
                }
            times.append(first)
        result = {
            "image": image.name,
            "width": image.width,
            "height": image.height,
            "progressive": image.progressive,
            "runs_s": times,
            "median_s": _median(times),
            "process_wall_median_s": _median(walls),
        }
        log("ours: time to first thumbnail %.0f ms (%s)" % (result["median_s"] * 1000, image.name))
        return result

    def _single_thread_run(self, ours):
        outdir = os.path.join(self.workdir, "ours", "one-thread")
        metrics = os.path.join(self.workdir, "ours-one-thread-metrics.json")
        run = self._measure(ours, self.images, outdir, 1, "one-thread", metrics_json=metrics)
        _rm(outdir)
        run["metrics_json"] = metrics if os.path.exists(metrics) else None
        return run

    def _throughput(self, ours, one_thread):
        result = {}
        one_thread.update(self._single_thread_run(ours))
        for threads in (1, 2):
            if threads == self.threads and self.results["ours"].get("median"):
                wall = self.results["ours"]["median"]["wall_s"]
                source = "median of the rounds"
            elif threads == 1:
                run = one_thread
                if not run["ok"]:
                    result["1"] = {"error": run["error"]}
                    continue
                wall, source = run["wall_s"], "one extra run (with --metrics-json)"
            else:
                run = self._measure(ours, self.images, os.path.join(self.workdir, "ours", "t2"),
                                    threads, "throughput-%d" % threads)
                _rm(os.path.join(self.workdir, "ours", "t2"))
                if not run["ok"]:
                    result[str(threads)] = {"error": run["error"]}
                    continue
                wall, source = run["wall_s"], "one extra run"
            result[str(threads)] = {
                "wall_s": wall,
                "images_per_s": len(self.images) / wall,
                "source": source,
            }
            log("ours: %d thread(s): %.2f images/s" % (threads, len(self.images) / wall))
        return result

    def _per_image_cost(self, ours, one_thread):
        points = _points_from_metrics(one_thread.get("metrics_json"), self.images)
        method = "processing_time_s per image from --metrics-json of a 1-thread run"
        if len(points) < len(self.images):
            method = "wall time of ours run alone on each image, 1 thread, process start included"
            points = []
            for image in self.images:
                run = self._measure(ours, [image], os.path.join(self.workdir, "ours", "alone"), 1,
                                    "alone", timeout_s=WARM_UP_TIMEOUT_S)
                if run["ok"]:
                    points.append((image.name, image.width * image.height / 1e6, run["wall_s"]))
            _rm(os.path.join(self.workdir, "ours", "alone"))
        progressive = {i.name: i.progressive for i in self.images}
        fit = _fit_line([(mp, s * 1000) for _, mp, s in points])
        # Baseline JPEGs can be decoded at reduced DCT scale, progressive
        # ones (so far) not: two populations, so each gets its own line too.
        fits_by_kind = {
            kind: _fit_line([(mp, s * 1000) for n, mp, s in points
                             if progressive.get(n, False) == (kind == "progressive")])
            for kind in ("baseline", "progressive")
        }
        if fit:
            log("ours: per-image cost %.1f ms/MP + %.1f ms (r2 %.3f)"
                % (fit["slope_ms_per_mp"], fit["intercept_ms"], fit["r2"]))
        for kind, kfit in fits_by_kind.items():
            if kfit:
                log("ours:   %s only: %.1f ms/MP + %.1f ms (r2 %.3f, %d images)"
                    % (kind, kfit["slope_ms_per_mp"], kfit["intercept_ms"], kfit["r2"], kfit["n"]))
        return {
            "fit_baseline": fits_by_kind["baseline"],
            "fit_progressive": fits_by_kind["progressive"],
            "method": method,
            "points": [
                {"image": n, "megapixels": mp, "time_ms": s * 1000,
                 "progressive": progressive.get(n, False)}
                for n, mp, s in points
            ],
            "fit": fit,
        }

    # -- quality ------------------------------------------------------------------

    def measure_quality(self):
        jobs = []
        for image in self.images:
            outputs = []
            for tool_name, outdir in self.kept.items():
                for _, variant, fmt, path in workload.expected_outputs(outdir, [image]):
                    outputs.append(((tool_name, image.name, variant.name, fmt.name), path))
            if outputs:
                jobs.append((image.path, outputs))
        if not jobs:
            return
        start = time.perf_counter()
        scores = quality.evaluate(jobs, workers=max(1, min(self.threads, os.cpu_count() or 1)))
        log("quality: %d outputs scored in %.1f s" % (len(scores), time.perf_counter() - start))
        by_image = {i.name: i for i in self.images}
        for tool_name in self.kept:
            table = {}
            for variant in VARIANTS:
                for fmt in FORMATS:
                    values, mismatches, errors = [], [], []
                    for image_name, image in by_image.items():
                        s = scores.get((tool_name, image_name, variant.name, fmt.name))
                        if s is None:
                            continue
                        if "error" in s:
                            errors.append("%s: %s" % (image_name, s["error"]))
                            continue
                        values.append(s["ssim"])
                        want = workload.fit_box(image.width, image.height, variant.box)
                        if (s["width"], s["height"]) != want:
                            mismatches.append(
                                "%s: %dx%d, expected %dx%d"
                                % (image_name, s["width"], s["height"], want[0], want[1])
                            )
                    table["%s/%s" % (variant.name, fmt.name)] = {
                        "mean_ssim": statistics.fmean(values) if values else None,
                        "min_ssim": min(values) if values else None,
                        "n": len(values),
                        "size_mismatches": mismatches,
                        "errors": errors,
                    }
            self.results[tool_name]["quality"] = table

    def cleanup(self):
        for outdir in self.kept.values():
            _rm(outdir)


def _run_summary(run):
    if not run["ok"]:
        return "failed: %s" % run["error"]
    return "%.2f s wall, %.2f s CPU, %.0f MiB peak, %.2f MB" % (
        run["wall_s"],
        run["cpu_s"],
        run["peak_rss_bytes"] / 2**20,
        run["output_bytes"] / 1e6,
    )


def _points_from_metrics(path, images):
    import json

    if not path:
        return []
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError):
        return []
    by_path = {os.path.realpath(i.path): i for i in images}
    points = []
    for entry in data.get("images", []):
        image = by_path.get(os.path.realpath(str(entry.get("input", ""))))
        t = entry.get("processing_time_s")
        if image is None or not entry.get("ok") or not isinstance(t, (int, float)) or t <= 0:
            continue
        points.append((image.name, image.width * image.height / 1e6, float(t)))
    return points


def _fit_line(points):
    """Least-squares line through (x, y) points: slope, intercept, r^2."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in points)
    slope = sxy / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for _, y in points)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in points)
    return {
        "slope_ms_per_mp": slope,
        "intercept_ms": intercept,
        "r2": 1 - ss_res / ss_tot if ss_tot else 1.0,
        "n": n,
    }


def ttft_image(images):
    """The image time to first thumbnail is measured on: the corpus's
    largest baseline JPEG (Kleiber, 6028x3391), chosen from the whole corpus
    even under --quick."""
    named = [i for i in images if i.name == TTFT_IMAGE]
    if named:
        return named[0]
    baseline = [i for i in images if not i.progressive] or images
    return max(baseline, key=lambda i: i.width * i.height)


def run(root, args, tools, image_set, corpus_images, images):
    """One workload measured on images (all of the set's images, or the
    quick subset).  image_set describes the set for the results: name,
    size, description, dir, images (how many it holds), recipe,
    source_corpus.  Ours' own figures (time to first thumbnail on the
    corpus's largest baseline JPEG, throughput, per-image cost against
    megapixels) belong to the large set, whose images differ in size: the
    others skip them."""
    workdir = tempfile.mkdtemp(prefix="imgcompress-bench-")
    started = datetime.datetime.now(datetime.timezone.utc)
    bench = Bench(
        root,
        tools,
        images,
        args.threads,
        args.rounds,
        args.quick,
        workdir,
        timeout_s=args.timeout or default_timeout_s(len(images)),
        ttft_image=ttft_image(corpus_images),
    )
    info = machine.describe(root)
    try:
        bench.prepare()
        bench.warm_up()
        bench.run_rounds()
        bench.summarize()
        extras = bench.ours_extras() if image_set["name"] == "large" else None
        bench.measure_quality()
    finally:
        if args.keep_outputs:
            log("outputs kept in %s" % workdir)
        else:
            bench.cleanup()
            _rm(workdir)
    info["load_average_end"] = machine.load_average()
    versions = {}
    for tool in tools:
        versions.update(tool.versions or {})
    return {
        "schema": 2,
        "started": started.isoformat(timespec="seconds"),
        "duration_s": (datetime.datetime.now(datetime.timezone.utc) - started).total_seconds(),
        "quick": args.quick,
        "threads": args.threads,
        "rounds": args.rounds,
        "note": args.note,
        "command": args.command_line,
        "workload": image_set,
        "corpus": {
            "dir": image_set["dir"],
            "images_in_corpus": image_set["images"],
            "images": [
                {
                    "name": i.name,
                    "width": i.width,
                    "height": i.height,
                    "bytes": i.bytes,
                    "progressive": i.progressive,
                }
                for i in images
            ],
        },
        "variants": [v._asdict() for v in VARIANTS],
        "machine": info,
        "versions": versions,
        "tools": bench.results,
        "ours_extra": extras,
    }


def fixed_cost(root, args):
    """bench/fixed-cost.py with args.fixed_cost images per pass (3 passes,
    1 with --quick); its JSON, or {"error": why}."""
    import json
    import subprocess

    passes = 1 if args.quick else 3
    fd, out_path = tempfile.mkstemp(prefix="imgcompress-fixed-cost-", suffix=".json")
    os.close(fd)
    argv = [sys.executable, os.path.join(root, "bench", "fixed-cost.py"),
            "--build-dir", args.build_dir, "-n", str(args.fixed_cost),
            "--passes", str(passes), "--warm-up", "5" if args.quick else "50",
            "-j", str(args.threads), "--json", out_path]
    log("fixed cost: %s" % " ".join(os.path.relpath(a, root) if a.startswith(root) else a
                                    for a in argv[1:]))
    # A bound for a hung part only (fixed-cost.py's own limits: 0.1 s per
    # image in process, 1 s per image for the tool); normally a few ms each.
    timeout = 300 + passes * (2 * (args.fixed_cost + 50) * 0.1 + 2 * (args.fixed_cost + 61))
    proc = None
    try:
        # A session of its own, so that a timeout or Ctrl-C ends its
        # children (the in-process pipeline, the tool) too.
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        _, stderr = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            tail = " / ".join(stderr.strip().splitlines()[-3:])
            return {"error": "bench/fixed-cost.py exit %d: %s" % (proc.returncode, tail)}
        with open(out_path) as f:
            result = json.load(f)
    except (OSError, ValueError, subprocess.SubprocessError) as e:
        return {"error": "bench/fixed-cost.py: %s: %s" % (type(e).__name__, e)}
    finally:
        if proc is not None and proc.returncode is None:
            _interrupt_then_kill(proc)
        if os.path.exists(out_path):
            os.unlink(out_path)
    for line in stderr.strip().splitlines()[-3:]:
        log(line)
    result["command"] = " ".join(["bench/fixed-cost.py"] + argv[2:-2])
    return result


def _interrupt_then_kill(proc):
    """SIGINT first: fixed-cost.py then ends the tool it runs in a session
    of the tool's own; SIGKILL if that takes more than 5 s."""
    import signal
    import subprocess

    try:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        procmon.kill_group(proc)
        proc.wait()

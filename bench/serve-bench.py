#!/usr/bin/python3
"""`imgcompress serve` against the seed's Python/Pillow upload service.

    bench/serve-bench.py [--build-dir build] [--cpus 0,1] [--latency-n 30]
                         [--uploads 100] [--clients 8] [--tools ours,pillow]
                         [--rounds 3]

Both services run pinned to the same CPUs (taskset, default 0,1: "2
cores"), on loopback, in fresh output directories, with the same three
variants (thumbnail 150, preview 500, full 2048; JPEG and WebP):

- latency: the time from sending an upload to its 201 answer (the thumbnail
  made), p50 and p95, for a 12 MP and a 1 MP JPEG, one upload at a time,
  each after the previous upload's task is done;
- throughput, per workload of --workloads (default phone,large): UPLOADS
  uploads of its images (`phone`: 1280x960 JPEGs made from the corpus by
  bench/harness/derive.py; `large`: the corpus photos, 1.3 to 24 MP) from
  CLIENTS concurrent clients; uploads/s is UPLOADS over the time from the
  first upload to the last task done.  The service's CPU time (user + system, from
  /proc/PID/stat) is told beside it: on a shared machine it is the steadier
  figure.

Each of ROUNDS rounds starts every service afresh and measures it, the
services taking turns first (ours, pillow; then pillow, ours; ...), so a
change of the machine's speed during the run falls on both: latency
percentiles are over the uploads of every round, throughput figures are the
medians of the rounds.

The 12 MP and 1 MP JPEGs are made from the corpus's Kleiber photo (the
centre 4:3 region, LANCZOS, quality 90, baseline) into the workload cache.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from harness import workload  # noqa: E402

VARIANTS = "thumbnail:150:80:75,preview:500:85:80,full:2048:90:85"


def corpus_dir():
    out = subprocess.run([os.path.join(ROOT, "tests", "files",
                                       "fetch-corpus.sh")],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def cache_root():
    base = os.environ.get("XDG_CACHE_HOME",
                          os.path.expanduser("~/.cache"))
    return os.path.join(base, "gst-imgcompress")


def make_sized(corpus, directory):
    """12 MP and 1 MP JPEGs of one real photo."""
    os.makedirs(directory, exist_ok=True)
    out = {}
    src = os.path.join(corpus, "Kleiber_by_Lukas_Baubkus.jpg")
    for name, size in (("12mp", (4000, 3000)), ("1mp", (1156, 867))):
        path = os.path.join(directory, name + ".jpg")
        if not os.path.exists(path):
            with Image.open(src) as im:
                im = im.convert("RGB")
                w, h = im.size
                cw = min(w, h * 4 // 3)
                ch = cw * 3 // 4
                box = ((w - cw) // 2, (h - ch) // 2, (w + cw) // 2,
                       (h + ch) // 2)
                im.resize(size, Image.LANCZOS, box=box).save(
                    path + ".tmp", "JPEG", quality=90)
            os.rename(path + ".tmp", path)
        with open(path, "rb") as f:
            out[name] = f.read()
    return out


class Service:
    def __init__(self, tool, argv, cpus, env=None):
        self.tool = tool
        self.out = tempfile.mkdtemp(prefix="serve-bench-%s-" % tool)
        cmd = ["taskset", "-c", cpus] + argv + ["-o", self.out]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True,
                                     env=env)
        line = self.proc.stdout.readline()
        m = re.search(r"http://([0-9.]+):(\d+)/", line)
        if not m:
            raise RuntimeError("%s did not start: %r" % (tool, line))
        self.host, self.port = m.group(1), int(m.group(2))

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600)
        try:
            conn.request(method, path, body=body)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def upload(self, data):
        while True:
            status, hdrs, body = self.request("POST", "/v1/images", data)
            if status == 503 and "Retry-After" in hdrs:
                time.sleep(float(hdrs["Retry-After"]))
                continue
            if status != 201:
                raise RuntimeError("%s: upload %d %r" % (self.tool, status,
                                                         body[:200]))
            return json.loads(body)["task"]["id"]

    def wait(self, task_id):
        while True:
            status, _, body = self.request("GET",
                                           "/v1/tasks/%s?wait=60" % task_id)
            doc = json.loads(body)
            if doc["status"] == "done":
                return
            if doc["status"] not in ("queued", "running"):
                raise RuntimeError("%s: task %s" % (self.tool, doc))

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.out, ignore_errors=True)


def percentile(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo = int(k)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def latency(service, data, n):
    times = []
    cpu0 = service.cpu_seconds()
    for _ in range(n):
        t0 = time.monotonic()
        task = service.upload(data)
        times.append(time.monotonic() - t0)
        service.wait(task)
    return {"times": times, "cpu_s": service.cpu_seconds() - cpu0}


def pooled_latency(rounds):
    """Percentiles over the uploads of every round."""
    times = [t for r in rounds for t in r["times"]]
    return {"p50_ms": percentile(times, 0.5) * 1000,
            "p95_ms": percentile(times, 0.95) * 1000,
            "cpu_per_upload_s": sum(r["cpu_s"] for r in rounds) / len(times),
            "n": len(times)}


def median_throughput(rounds):
    """The median of each figure over the rounds, and the rounds."""
    keys = ("uploads_per_s", "answers_per_s", "seconds", "cpu_s",
            "cpu_per_upload_s")
    out = {k: statistics.median(r[k] for r in rounds) for k in keys}
    out.update(uploads=rounds[0]["uploads"], clients=rounds[0]["clients"],
               rounds=rounds)
    return out


def measure(tool, command, args, env, sized, sets):
    """One round of one service: latency, then each workload's throughput."""
    service = Service(tool, command, args.cpus, env)
    try:
        r = {}
        if args.latency_n > 0:
            for name in ("12mp", "1mp"):
                r["latency_" + name] = latency(service, sized[name],
                                               args.latency_n)
        for name, images in sets.items():
            t = throughput(service, images, args.uploads, args.clients)
            r["throughput_" + name] = t
            print("%-6s %s: %5.2f uploads/s (%.3f CPU-s/upload)" % (
                tool, name, t["uploads_per_s"], t["cpu_per_upload_s"]),
                file=sys.stderr, flush=True)
        return r
    finally:
        service.stop()


def throughput(service, images, uploads, clients):
    lock = threading.Lock()
    next_i = [0]
    tasks = []
    errors = []

    def client():
        while True:
            with lock:
                if next_i[0] >= uploads:
                    return
                i = next_i[0]
                next_i[0] += 1
            try:
                task = service.upload(images[i % len(images)])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(str(e))
                return
            with lock:
                tasks.append(task)

    cpu0 = service.cpu_seconds()
    t0 = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answered = time.monotonic() - t0
    for task in tasks:
        service.wait(task)
    elapsed = time.monotonic() - t0
    cpu = service.cpu_seconds() - cpu0
    if errors:
        raise RuntimeError("%s: %s" % (service.tool, errors[:3]))
    return {"uploads": uploads, "clients": clients,
            "uploads_per_s": uploads / elapsed,
            "answers_per_s": uploads / answered,
            "seconds": elapsed, "cpu_s": cpu, "cpu_per_upload_s": cpu / uploads}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR",
                                                          "build"))
    ap.add_argument("--cpus", default="0,1")
    ap.add_argument("--latency-n", type=int, default=30)
    ap.add_argument("--uploads", type=int, default=100)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--tools", default="ours,pillow")
    ap.add_argument("--workloads", default="phone,large")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--results", help="write the figures as JSON")
    args = ap.parse_args()

    build = os.path.join(ROOT, args.build_dir)
    corpus = corpus_dir()
    sized = make_sized(corpus, os.path.join(cache_root(), "workloads",
                                            "serve"))
    sets = {}
    for name in args.workloads.split(","):
        _, images, _ = workload.load_image_set(
            workload.image_set(name), corpus, workload.load_corpus(corpus),
            cache_root(), lambda m: print(m, file=sys.stderr))
        sets[name] = []
        for image in images:
            with open(image.path, "rb") as fh:
                sets[name].append(fh.read())

    env = dict(os.environ)
    env["GST_PLUGIN_PATH_1_0"] = ":".join(
        os.path.join(build, d) for d in ("gst/imgcompress", "ext/turbojpeg",
                                         "ext/webp", "ext/png"))
    env["GST_REGISTRY_1_0"] = os.path.join(tempfile.gettempdir(),
                                           "serve-bench-registry.bin")
    n_cpus = len(args.cpus.split(","))
    commands = {
        "ours": [os.path.join(build, "tools", "imgcompress", "imgcompress"),
                 "serve", "--listen", "127.0.0.1:0", "--queue-size", "1024",
                 "--adaptive-quality", "off", "--variants", VARIANTS,
                 "--formats", "jpeg,webp"],
        "pillow": ["/usr/bin/python3", os.path.join(HERE, "pillow_service.py"),
                   "-j", str(n_cpus), "--http", "127.0.0.1:0"],
    }
    results = {"cpus": args.cpus, "load_before": os.getloadavg()}
    tools = args.tools.split(",")
    rounds = {tool: [] for tool in tools}
    for i in range(args.rounds):
        for tool in (tools if i % 2 == 0 else tools[::-1]):
            print("round %d: %s" % (i + 1, tool), file=sys.stderr, flush=True)
            rounds[tool].append(measure(tool, commands[tool], args, env,
                                        sized, sets))
    for tool in tools:
        r = {}
        if args.latency_n > 0:
            for name in ("12mp", "1mp"):
                r["latency_" + name] = pooled_latency(
                    [x["latency_" + name] for x in rounds[tool]])
            print("%-6s 12 MP answer p50 %6.1f ms p95 %6.1f ms (%.3f "
                  "CPU-s/upload) | 1 MP p50 %5.1f ms p95 %5.1f ms" % (
                      tool, r["latency_12mp"]["p50_ms"],
                      r["latency_12mp"]["p95_ms"],
                      r["latency_12mp"]["cpu_per_upload_s"],
                      r["latency_1mp"]["p50_ms"], r["latency_1mp"]["p95_ms"]))
        for name in sets:
            t = median_throughput([x["throughput_" + name]
                                   for x in rounds[tool]])
            r["throughput_" + name] = t
            print("%-6s %s: %5.2f uploads/s (%.3f CPU-s/upload), median of "
                  "%d" % (tool, name, t["uploads_per_s"],
                          t["cpu_per_upload_s"], args.rounds))
        results[tool] = r
    results["load_after"] = os.getloadavg()
    if "ours" in results and "pillow" in results:
        for name in sets:
            ours = results["ours"]["throughput_" + name]
            pil = results["pillow"]["throughput_" + name]
            results["speedup_" + name] = {
                "uploads_per_s": ours["uploads_per_s"] / pil["uploads_per_s"],
                "cpu": pil["cpu_per_upload_s"] / ours["cpu_per_upload_s"]}
            print("ours / pillow, %s: %.2fx uploads/s, %.2fx less CPU per "
                  "upload" % (name, results["speedup_" + name]["uploads_per_s"],
                              results["speedup_" + name]["cpu"]))
        print("load average %.1f before, %.1f after" % (
            results["load_before"][0], results["load_after"][0]))
    if args.results:
        with open(args.results, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()

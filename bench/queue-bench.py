#!/usr/bin/python3
"""`imgcompress worker` on a Redis Stream: throughput with 1, 2 and 4
workers, and the queue's cost per job against local processing.

    bench/queue-bench.py [--build-dir build] [--workload phone]
                         [--workers 1,2,4] [--rounds 3] [--results FILE]

A redis-server of its own runs on a free loopback port (no persistence).
Per round and worker count: the workers are started and ready, every image
of the workload is enqueued (`imgcompress enqueue`), and the time runs from
the enqueue to the last result in the results stream.  The local reference
is `imgcompress -q -j 1` (one pipeline, as one worker has) on the same
files; the queue's cost per job is (one worker's time - the batch's time) /
jobs.  Medians of --rounds.  Workers and batch use the same variants
(thumbnail 150, preview 500, full 2048; JPEG and WebP), --adaptive-quality
off, and the build tree's plugins.

Not a test: on a shared machine the figures move with the neighbours' load;
the CPU time of the workers (user + system) is printed beside the wall time.
"""

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from harness import workload  # noqa: E402

import redis  # noqa: E402  (python3-redis)

VARIANTS = "thumbnail:150:80:75,preview:500:85:80,full:2048:90:85"
COMMON = ["--variants", VARIANTS, "--formats", "jpeg,webp",
          "--adaptive-quality", "off"]


def cache_root():
    base = os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache"))
    return os.path.join(base, "gst-imgcompress")


def corpus_dir():
    out = subprocess.run([os.path.join(ROOT, "tests", "files",
                                       "fetch-corpus.sh")],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def cpu_seconds(pid):
    """user + system time of a finished child, from /proc (while alive)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def run_workers(tool, env, url, files, n, tmp, rnd, server_pid):
    stream = "bench%d-%d" % (n, rnd)
    outdir = os.path.join(tmp, stream)
    client = redis.Redis.from_url(url, decode_responses=True)
    workers = []
    for i in range(n):
        p = subprocess.Popen([tool, "worker", "--redis", url, "--stream",
                              stream, "--consumer", "w%d" % i] + COMMON,
                             env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        p.stderr.readline()  # "... reads STREAM": the group exists
        workers.append(p)
    server_cpu0 = cpu_seconds(server_pid)
    t0 = time.monotonic()
    subprocess.run([tool, "enqueue", "-q", "--redis", url, "--stream", stream,
                    "-o", outdir, "-"], input="\n".join(files), text=True,
                   check=True, env=env)
    while client.xlen(stream + ":results") < len(files):
        time.sleep(0.005)
    wall = time.monotonic() - t0
    cpu = sum(cpu_seconds(p.pid) for p in workers)
    server_cpu = cpu_seconds(server_pid) - server_cpu0
    for p in workers:
        p.terminate()
    for p in workers:
        p.communicate(timeout=60)
    failed = [f for _, f in client.xrange(stream + ":results")
              if f["status"] != "done"]
    if failed:
        sys.exit("failed jobs: %r" % failed[:3])
    shutil.rmtree(outdir, ignore_errors=True)
    return wall, cpu, server_cpu


def run_batch(tool, env, files, tmp, rnd):
    outdir = os.path.join(tmp, "batch%d" % rnd)
    t0 = time.monotonic()
    r = subprocess.run(["/usr/bin/time", "-f", "%U %S", tool, "-q", "-j", "1",
                        "-o", outdir] + COMMON + files, env=env,
                       capture_output=True, text=True)
    wall = time.monotonic() - t0
    if r.returncode != 0:
        sys.exit("batch failed: %s" % r.stderr)
    user, sys_ = r.stderr.strip().splitlines()[-1].split()
    shutil.rmtree(outdir, ignore_errors=True)
    return wall, float(user) + float(sys_)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default="build")
    ap.add_argument("--workload", default="phone")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--results", help="write the figures as JSON")
    args = ap.parse_args()

    build = os.path.join(ROOT, args.build_dir)
    tool = os.path.join(build, "tools", "imgcompress", "imgcompress")
    corpus = corpus_dir()
    _, images, _ = workload.load_image_set(
        workload.image_set(args.workload), corpus,
        workload.load_corpus(corpus), cache_root(),
        lambda m: print(m, file=sys.stderr))
    files = [im.path for im in images]
    env = dict(os.environ)
    env["GST_REGISTRY_1_0"] = os.path.join(tempfile.gettempdir(),
                                           "queue-bench-registry.bin")

    tmp = tempfile.mkdtemp(prefix="queue-bench-")
    port = free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind",
                               "127.0.0.1", "--dir", tmp, "--save", "",
                               "--appendonly", "no"],
                              stdout=subprocess.DEVNULL)
    url = "redis://127.0.0.1:%d/0" % port
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)

    figures = {"workload": args.workload, "jobs": len(files),
               "cores": os.cpu_count(), "workers": {}}
    try:
        # rounds interleave the batch and the worker counts, so that a
        # change of the machine's load hits them alike
        counts = [int(x) for x in args.workers.split(",")]
        batch, runs = [], {n: [] for n in counts}
        for r in range(args.rounds):
            batch.append(run_batch(tool, env, files, tmp, r))
            for n in counts:
                runs[n].append(run_workers(tool, env, url, files, n, tmp, r,
                                           server.pid))
        b_wall = statistics.median(w for w, _ in batch)
        b_cpu = statistics.median(c for _, c in batch)
        figures["batch_j1"] = {"wall_s": b_wall, "cpu_s": b_cpu,
                               "images_per_s": len(files) / b_wall}
        print("batch -j 1: %.2f s wall, %.2f s CPU, %.1f images/s" %
              (b_wall, b_cpu, len(files) / b_wall))
        for n in counts:
            wall = statistics.median(x[0] for x in runs[n])
            cpu = statistics.median(x[1] for x in runs[n])
            rcpu = statistics.median(x[2] for x in runs[n])
            figures["workers"][n] = {"wall_s": wall, "cpu_s": cpu,
                                     "redis_cpu_s": rcpu,
                                     "images_per_s": len(files) / wall}
            print("%d worker(s): %.2f s wall, %.2f s CPU (+ redis-server "
                  "%.2f s), %.1f images/s" %
                  (n, wall, cpu, rcpu, len(files) / wall))
        one = figures["workers"].get(1)
        if one:
            cost = (one["wall_s"] - b_wall) / len(files) * 1000
            cpu_cost = ((one["cpu_s"] + one["redis_cpu_s"] - b_cpu) /
                        len(files) * 1000)
            figures["queue_cost_ms_per_job"] = {"wall": cost, "cpu": cpu_cost}
            print("queue cost per job: %.2f ms wall, %.2f ms CPU with "
                  "redis-server's (1 worker against imgcompress -j 1)" %
                  (cost, cpu_cost))
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    if args.results:
        with open(args.results, "w") as f:
            json.dump(figures, f, indent=2)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""`imgcompress worker` and `imgcompress enqueue` on a real redis-server.

    redis_queue.py TOOL SOURCE_ROOT kill|poison|restart|errors|sigterm|producer

Each case starts its own redis-server on a free loopback port, in a
temporary directory, and stops it.  Images are made with Pillow at test
time; every file the workers write is decoded with Pillow and compared with
the result the workers published.  Exit 77 (skipped) only when redis-server
or python3-redis is not installed (tools/bootstrap.sh installs both).
"""

import glob
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

TOOL = sys.argv[1]
SOURCE_ROOT = sys.argv[2]
CASE = sys.argv[3]
VARIANTS = {"thumbnail": 150, "preview": 500, "full": 2048}
FORMATS = {"jpeg": "JPEG", "webp": "WEBP"}
TEMP_RE = re.compile(r"imgcompress-tmp")

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
try:
    import redis
except ImportError:
    redis = None
if redis is None or not os.access(REDIS_SERVER, os.X_OK):
    print("SKIP: redis-server or python3-redis is missing "
          "(tools/bootstrap.sh installs redis-server and python3-redis)",
          file=sys.stderr)
    sys.exit(77)

from PIL import Image  # noqa: E402

PROCS = []  # every process started, stopped at the end whatever happens


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    fail("timed out after %d s waiting for %s" % (timeout, what))


class RedisServer:
    """redis-server on 127.0.0.1, its data in a directory of its own."""

    def __init__(self, tmp, appendonly=False):
        self.dir = os.path.join(tmp, "redis")
        os.makedirs(self.dir)
        self.port = free_port()
        self.appendonly = appendonly
        self.proc = None
        self.start()

    def start(self):
        self.log = open(os.path.join(self.dir, "log"), "a")
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--save", "", "--appendonly",
             "yes" if self.appendonly else "no"],
            stdout=self.log, stderr=subprocess.STDOUT)
        PROCS.append(self.proc)
        self.client = redis.Redis(host="127.0.0.1", port=self.port,
                                  decode_responses=True)

        def up():
            try:
                return self.client.ping()
            except redis.exceptions.ConnectionError:
                return False
        wait_until(up, 20, "redis-server to answer")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            # SIGTERM: redis-server writes its append-only file and exits
            self.proc.terminate()
            self.proc.wait(20)
        self.log.close()

    @property
    def url(self):
        return "redis://127.0.0.1:%d/0" % self.port


class Worker:
    def __init__(self, server, name, *args, stream="jobs"):
        cmd = [TOOL, "worker", "--redis", server.url, "--stream", stream,
               "--consumer", name] + list(args)
        self.name = name
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        PROCS.append(self.proc)
        self.lines = []
        self._t = threading.Thread(target=self._drain, daemon=True)
        self._t.start()

    def _drain(self):
        for line in self.proc.stderr:
            self.lines.append(line)

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self._t.join(5)

    def stop(self):
        """SIGTERM: the worker finishes its job and exits 0."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("%s did not stop on SIGTERM" % self.name)
        self._t.join(5)
        return rc

    def text(self):
        return "".join(self.lines)

    def claimed(self):
        m = re.search(r"(\d+) claimed from silent workers", self.text())
        return int(m.group(1)) if m else 0


def pending_of(server, consumer):
    """The entries @consumer holds ([] before the group exists)."""
    try:
        return server.client.xpending_range("jobs", "imgcompress", "-", "+",
                                            10, consumername=consumer)
    except redis.exceptions.ResponseError:
        return []


def photo(w, h, seed):
    rnd = random.Random(seed)
    small = Image.new("RGB", (8, 6))
    small.putdata([(rnd.randrange(256), rnd.randrange(256),
                    rnd.randrange(256)) for _ in range(48)])
    return small.resize((w, h), Image.BICUBIC)


def make_images(d, n):
    """Small JPEG, PNG and WebP images of different sizes."""
    os.makedirs(d)
    paths = {}
    rnd = random.Random(1)
    for i in range(n):
        w, h = rnd.randrange(160, 700), rnd.randrange(120, 560)
        fmt, ext = [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")][i % 3]
        p = os.path.join(d, "img%03d.%s" % (i, ext))
        photo(w, h, i).save(p, fmt)
        paths[p] = (w, h)
    return paths


def enqueue(server, outdir, files, stream="jobs", extra=()):
    r = subprocess.run([TOOL, "enqueue", "--redis", server.url, "--stream",
                        stream, "-o", outdir] + list(extra) + ["-"],
                       input="\n".join(files) + "\n", capture_output=True,
                       text=True)
    check(r.returncode == 0, "enqueue failed: %r" % r.stderr)
    ids = r.stdout.split()
    check(len(ids) == len(files), "enqueue printed %d ids for %d files"
          % (len(ids), len(files)))
    return ids


def results(server, stream="jobs:results"):
    return [f for _, f in server.client.xrange(stream)]


def expected_size(w, h, box):
    if max(w, h) <= box:
        return w, h
    s = box / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def check_outputs(outdir, paths, res):
    """Every image its six complete decodable files, as its result says;
    no temporary file anywhere."""
    by_input = {}
    for f in res:
        by_input.setdefault(f["input"], []).append(f)
    for p, (w, h) in paths.items():
        got = by_input.get(p, [])
        check(len(got) == 1, "%s: %d results" % (p, len(got)))
        f = got[0]
        check(f["status"] == "done", "%s: %r" % (p, f))
        outs = json.loads(f["outputs"])
        check(len(outs) == 6, "%s: %d outputs" % (p, len(outs)))
        seen = set()
        for o in outs:
            seen.add((o["variant"], o["format"]))
            with Image.open(o["path"]) as im:
                im.load()
                check(im.format == FORMATS[o["format"]],
                      "%s is %s" % (o["path"], im.format))
                check(im.size == (o["width"], o["height"]),
                      "%s: %r, result says %r" % (o["path"], im.size,
                                                  (o["width"], o["height"])))
                ew, eh = expected_size(w, h, VARIANTS[o["variant"]])
                check(abs(im.size[0] - ew) <= 1 and abs(im.size[1] - eh) <= 1,
                      "%s: %r from %dx%d, expected %dx%d" %
                      (o["path"], im.size, w, h, ew, eh))
            check(os.path.getsize(o["path"]) == o["bytes"],
                  "%s: size differs from the result" % o["path"])
        check(len(seen) == 6, "%s: outputs %r" % (p, seen))
    temps = [os.path.join(dp, n) for dp, _, ns in os.walk(outdir)
             for n in ns if TEMP_RE.search(n)]
    check(not temps, "temporary files left: %r" % temps[:5])


def check_one_result_per_job(res, ids):
    got = [f["id"] for f in res]
    check(sorted(got) == sorted(ids),
          "%d results for %d jobs; duplicates: %r, missing: %d" %
          (len(got), len(ids),
           sorted({i for i in got if got.count(i) > 1})[:5],
           len(set(ids) - set(got))))


def check_queue_empty(server):
    info = server.client.xinfo_groups("jobs")
    check(info and info[0]["pending"] == 0, "entries still pending: %r" % info)
    check(server.client.xlen("jobs") == 0, "finished jobs left in the stream")


# --- cases -----------------------------------------------------------------


def case_kill(tmp):
    """3 workers, 300 jobs, one worker SIGKILLed while it holds a job."""
    server = RedisServer(tmp)
    outdir = os.path.join(tmp, "out")
    paths = make_images(os.path.join(tmp, "in"), 300)
    ids = enqueue(server, outdir, sorted(paths))
    workers = [Worker(server, "w%d" % i, "--claim-after", "2")
               for i in range(3)]
    victim = workers[0]

    def victim_holds_a_job():
        return (server.client.xlen("jobs:results") >= 30 and
                pending_of(server, "w0"))
    wait_until(victim_holds_a_job, 40, "w0 to hold a job after 30 results")
    victim.kill()
    orphans = pending_of(server, "w0")
    wait_until(lambda: server.client.xlen("jobs:results") >= len(ids), 50,
               "300 results")
    time.sleep(0.5)
    rcs = [w.stop() for w in workers[1:]]
    check(rcs == [0, 0], "workers exited %r after SIGTERM" % rcs)
    res = results(server)
    check_one_result_per_job(res, ids)
    check_outputs(outdir, paths, res)
    check_queue_empty(server)
    claimed = sum(w.claimed() for w in workers[1:])
    if orphans:
        check(claimed >= len(orphans), "w0 left %d jobs, %d were claimed" %
              (len(orphans), claimed))
        redone = [f for f in res if f["entry"] == orphans[0]["message_id"]]
        check(redone and redone[0]["worker"] != "w0" and
              int(redone[0]["tries"]) >= 2,
              "the killed worker's job: %r" % redone)
    print("kill: %d jobs, %d results, killed w0 holding %d job(s), %d claimed"
          % (len(ids), len(res), len(orphans), claimed))
    server.stop()


def big_png(path):
    """An image that takes its worker about a second: 8000x8000 pixels."""
    im = Image.new("RGB", (8000, 8000), (90, 120, 200))
    im.paste((200, 60, 40), (1000, 1000, 5000, 3000))
    im.save(path, compress_level=1)


def case_poison(tmp):
    """A corrupt input fails at once; a job that kills its worker every
    time ends in the dead-letter stream after --max-tries deliveries."""
    server = RedisServer(tmp)
    outdir = os.path.join(tmp, "out")
    os.makedirs(os.path.join(tmp, "in"))
    bad = os.path.join(tmp, "in", "corrupt.jpg")
    with open(bad, "wb") as f:
        f.write(b"\xff\xd8\xff\xe0" + bytes(random.Random(2).randrange(256)
                                            for _ in range(3000)))
    [bad_id] = enqueue(server, outdir, [bad])
    w = Worker(server, "plain", "--claim-after", "1", "--max-tries", "3")
    wait_until(lambda: server.client.xlen("jobs:results") >= 1, 20,
               "the corrupt input's result")
    check(w.stop() == 0, "worker did not exit 0 on SIGTERM")
    [r] = results(server)
    check(r["id"] == bad_id and r["status"] == "failed" and
          r["reason"] == "invalid_image" and r["tries"] == "1" and
          r["error"], "corrupt input: %r" % r)
    check(server.client.xlen("jobs:dead") == 0, "a bad image dead-lettered")

    # The crashing job: its worker is killed (as the OOM killer or a
    # segfault would) each time it holds the job, so the job never gets a
    # result from a try; the delivery count grows with every claim.
    big = os.path.join(tmp, "in", "crasher.png")
    big_png(big)
    [crash_id] = enqueue(server, outdir, [big])
    for t in range(3):
        w = Worker(server, "doomed%d" % t, "--claim-after", "1",
                   "--max-tries", "3")
        wait_until(lambda: pending_of(server, "doomed%d" % t), 20,
                   "doomed%d to take the job" % t)
        w.kill()
        check(server.client.xlen("jobs:results") == 1,
              "the crashing job got a result on try %d" % (t + 1))
    pending = server.client.xpending_range("jobs", "imgcompress", "-", "+", 1)
    check(pending and pending[0]["times_delivered"] == 3,
          "after three crashes: %r" % pending)
    w = Worker(server, "last", "--claim-after", "1", "--max-tries", "3")
    wait_until(lambda: server.client.xlen("jobs:dead") >= 1, 20,
               "the dead-letter entry")
    check(w.stop() == 0, "worker did not exit 0 on SIGTERM")
    [dead] = [f for _, f in server.client.xrange("jobs:dead")]
    check(dead["id"] == crash_id and dead["status"] == "failed" and
          dead["reason"] == "too_many_tries" and dead["tries"] == "4",
          "dead letter: %r" % dead)
    res = results(server)
    check(len(res) == 2 and res[1] == dead, "results: %r" % res)
    check_queue_empty(server)
    left = [p for p in glob.glob(os.path.join(outdir, "**"), recursive=True)
            if os.path.isfile(p)]
    check(not left, "files of failed jobs left: %r" % left)
    check("dead-letter" in w.text(), "no log line: %r" % w.text())
    print("poison: corrupt input failed at once; crashing job dead-lettered "
          "after %s deliveries" % dead["tries"])
    server.stop()


def case_restart(tmp):
    """redis-server (append-only file on) restarted mid-run."""
    server = RedisServer(tmp, appendonly=True)
    outdir = os.path.join(tmp, "out")
    paths = make_images(os.path.join(tmp, "in"), 150)
    ids = enqueue(server, outdir, sorted(paths))
    workers = [Worker(server, "w%d" % i, "--claim-after", "3")
               for i in range(2)]
    wait_until(lambda: server.client.xlen("jobs:results") >= 30, 30,
               "30 results")
    server.stop()
    time.sleep(2)
    server.start()
    wait_until(lambda: server.client.xlen("jobs:results") >= len(ids), 50,
               "150 results after the restart")
    time.sleep(0.5)
    rcs = [w.stop() for w in workers]
    check(rcs == [0, 0], "workers exited %r" % rcs)
    res = results(server)
    check_one_result_per_job(res, ids)
    check_outputs(outdir, paths, res)
    check_queue_empty(server)
    for w in workers:
        check("reconnected to Redis at 127.0.0.1:%d" % server.port in
              w.text(), "%s did not log its reconnection: %s" %
              (w.name, w.text()[-2000:]))
        check("trying again in" in w.text(),
              "%s did not log its attempts" % w.name)
    print("restart: %d jobs, %d results after a restart of redis-server"
          % (len(ids), len(res)))
    server.stop()


def case_sigterm(tmp):
    """SIGTERM while a job is in flight: the job is finished, its result
    published, no further job taken, exit 0."""
    server = RedisServer(tmp)
    outdir = os.path.join(tmp, "out")
    os.makedirs(os.path.join(tmp, "in"))
    big = os.path.join(tmp, "in", "big.png")
    big_png(big)
    small = os.path.join(tmp, "in", "small.jpg")
    photo(320, 240, 3).save(small)
    ids = enqueue(server, outdir, [big, small])
    w = Worker(server, "w0")
    wait_until(lambda: pending_of(server, "w0"), 20,
               "w0 to take the big image")
    check(server.client.xlen("jobs:results") == 0, "done before SIGTERM")
    rc = w.stop()
    check(rc == 0, "exit %d after SIGTERM: %s" % (rc, w.text()))
    res = results(server)
    check(len(res) == 1 and res[0]["id"] == ids[0] and
          res[0]["status"] == "done" and
          len(json.loads(res[0]["outputs"])) == 6,
          "after SIGTERM: %r" % res)
    check(server.client.xlen("jobs") == 1, "the second job was taken")
    check("0 dead-lettered" in w.text() and "1 done" in w.text(),
          "no summary: %s" % w.text())
    print("sigterm: the job in flight finished and published, exit 0")
    server.stop()


def run_tool(*args, stdin=None):
    return subprocess.run([TOOL] + list(args), capture_output=True,
                          text=True, input=stdin, timeout=60)


def case_errors(tmp):
    """A bad URL and an unreachable server: exit 2, the address named."""
    img = os.path.join(tmp, "a.jpg")
    photo(64, 48, 0).save(img)
    port = free_port()
    for cmd in (["worker", "--stream", "s"],
                ["enqueue", "--stream", "s", "-o", tmp, img]):
        r = run_tool(*cmd[:1], "--redis", "http://127.0.0.1/", *cmd[1:])
        check(r.returncode == 2 and "http://127.0.0.1/" in r.stderr,
              "bad URL: %d %r" % (r.returncode, r.stderr))
        r = run_tool(*cmd[:1], "--redis", "redis://127.0.0.1:%d/0" % port,
                     *cmd[1:])
        check(r.returncode == 2 and "127.0.0.1:%d" % port in r.stderr and
              "cannot connect" in r.stderr,
              "unreachable: %d %r" % (r.returncode, r.stderr))
        r = run_tool(*cmd[:1], *cmd[1:])
        check(r.returncode == 2 and "--redis" in r.stderr,
              "no --redis: %d %r" % (r.returncode, r.stderr))
    # a password in a URL that does not parse is not shown
    r = run_tool("enqueue", "--redis", "redis://user:s3cret@host:port:x/0",
                 "--stream", "s", "-o", tmp, img)
    check(r.returncode == 2 and "s3cret" not in r.stderr and
          "redis://***@host" in r.stderr,
          "password shown: %d %r" % (r.returncode, r.stderr))
    server = RedisServer(tmp)
    r = run_tool("enqueue", "--redis", server.url, "--stream", "jobs",
                 "--max-queue", "1", "-o", tmp, img, img)
    check(r.returncode == 1 and "--max-queue" in r.stderr and
          server.client.xlen("jobs") == 0,
          "--max-queue: %d %r" % (r.returncode, r.stderr))
    r = run_tool("enqueue", "--redis", server.url, "--stream", "jobs",
                 "-o", tmp, os.path.join(tmp, "missing.jpg"))
    check(r.returncode == 1 and "missing.jpg" in r.stderr,
          "missing file: %d %r" % (r.returncode, r.stderr))
    print("errors: exit 2 and the address for bad URLs and unreachable "
          "servers")
    server.stop()


def case_producer(tmp):
    """examples/python/redis_producer.py against one worker; its
    --prometheus file checked with promtool when installed."""
    server = RedisServer(tmp)
    paths = make_images(os.path.join(tmp, "in"), 6)
    prom = os.path.join(tmp, "worker.prom")
    w = Worker(server, "w0", "--prometheus", prom)
    script = os.path.join(SOURCE_ROOT, "examples", "python",
                          "redis_producer.py")
    r = subprocess.run([sys.executable, script, "--redis", server.url,
                        "--stream", "jobs", "-o", os.path.join(tmp, "out"),
                        "--timeout", "40"] + sorted(paths),
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "producer: %d %r %r" % (r.returncode, r.stdout,
                                                     r.stderr))
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    check(len(lines) == 6 and all(x["status"] == "done" for x in lines),
          "producer printed %r" % lines)
    check(w.stop() == 0, "worker did not exit 0")
    text = open(prom).read()
    check("imgcompress_worker_jobs_done_total 6" in text, text)
    promtool = shutil.which("promtool")
    if promtool:
        c = subprocess.run([promtool, "check", "metrics"], input=text,
                           capture_output=True, text=True)
        check(c.returncode == 0, "promtool: %s %s" % (c.stdout, c.stderr))
    print("producer: 6 results; metrics %s" %
          ("checked by promtool" if promtool else "read"))
    server.stop()


def serve_request(port, method, path, body=None, timeout=60):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def start_serve(server, outdir, *extra):
    proc = subprocess.Popen([TOOL, "serve", "--listen", "127.0.0.1:0", "-o",
                             outdir, "--redis", server.url, "--stream",
                             "jobs"] + list(extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    PROCS.append(proc)
    m = re.search(r"http://127\.0\.0\.1:(\d+)/", proc.stdout.readline())
    check(m is not None, "serve --redis did not start: %r" %
          (proc.stderr.read() if proc.poll() is not None else ""))
    return proc, int(m.group(1))


def case_serve(tmp):
    """`imgcompress serve --redis`: the thumbnail in the answer, the larger
    variants made by a worker through the stream, the task done from the
    results stream; with no worker running the job waits on the stream,
    not on the service."""
    server = RedisServer(tmp)
    outdir = os.path.join(tmp, "out")
    paths = make_images(os.path.join(tmp, "in"), 3)
    proc, port = start_serve(server, outdir, "--queue-size", "3")
    tasks = {}
    for p in sorted(paths):
        status, body = serve_request(port, "POST", "/v1/images",
                                     open(p, "rb").read())
        check(status == 201, "upload %s: %d %r" % (p, status, body))
        doc = json.loads(body)
        check(doc["task"]["status"] == "queued" and
              {o["variant"] for o in doc["thumbnail"]} == {"thumbnail"},
              "answer: %r" % doc)
        tasks[doc["id"]] = p
    # nobody reads the stream yet: the jobs wait there, and count against
    # --queue-size (each holds a spooled upload)
    check(server.client.xlen("jobs") == 3, "jobs on the stream: %d" %
          server.client.xlen("jobs"))
    status, body = serve_request(port, "POST", "/v1/images",
                                 open(sorted(paths)[0], "rb").read())
    check(status == 503 and json.loads(body)["error"]["reason"] ==
          "queue_full", "a 4th upload with 3 jobs waiting: %d %r" %
          (status, body))
    time.sleep(0.5)
    status, body = serve_request(port, "GET", "/v1/tasks/%s" % next(iter(tasks)))
    check(json.loads(body)["status"] == "queued", "made without a worker: %r"
          % body)
    w = Worker(server, "w0")
    for tid, p in tasks.items():
        status, body = serve_request(port, "GET", "/v1/tasks/%s?wait=60" % tid,
                                     timeout=90)
        doc = json.loads(body)
        check(status == 200 and doc["status"] == "done", "task %s: %r" %
              (tid, doc))
        w0, h0 = paths[p]
        got = {(o["variant"], o["format"]) for o in doc["outputs"]}
        check(len(got) == 6, "task %s outputs: %r" % (tid, got))
        for o in doc["outputs"]:
            status, data = serve_request(port, "GET", o["url"])
            check(status == 200, "%s: %d" % (o["url"], status))
            with Image.open(io.BytesIO(data)) as im:
                im.load()
                ew, eh = expected_size(w0, h0, VARIANTS[o["variant"]])
                check(abs(im.size[0] - ew) <= 1 and abs(im.size[1] - eh) <= 1,
                      "%s: %r, expected %dx%d" % (o["url"], im.size, ew, eh))
    # the uploads' spool went with their results, nothing temporary left
    spool = os.path.join(outdir, ".uploads")
    check(not os.listdir(spool), "spool left: %r" % os.listdir(spool))
    temps = [n for _, _, ns in os.walk(outdir) for n in ns
             if TEMP_RE.search(n)]
    check(not temps, "temporary files left: %r" % temps)
    status, body = serve_request(port, "GET", "/metrics")
    text = body.decode()
    check(re.search(r"^imgcompress_redis_jobs_waiting 0$", text, re.M),
          "metrics: %s" % text)
    # the workers' files count in the compression ratio histogram too
    m = re.search(r'^imgcompress_output_compression_ratio_sum\{[^}]*'
                  r'variant="full"[^}]*\} (\S+)$', text, re.M)
    check(m is not None and float(m.group(1)) > 0,
          "no compression ratio for the workers' files: %s" % text)
    made = sum(float(v) for v in re.findall(
        r"^imgcompress_images_processed_total\S* (\S+)$", text, re.M))
    check(made == 3, "images processed: %s" % made)
    check(w.stop() == 0, "worker did not exit 0")
    # Redis gone: the next upload's variants are made by the service itself
    server.stop()
    p = sorted(paths)[0]
    status, body = serve_request(port, "POST", "/v1/images",
                                 open(p, "rb").read())
    check(status == 201, "upload without Redis: %d %r" % (status, body))
    tid = json.loads(body)["id"]
    status, body = serve_request(port, "GET", "/v1/tasks/%s?wait=60" % tid,
                                 timeout=90)
    doc = json.loads(body)
    check(doc["status"] == "done" and len(doc["outputs"]) == 6,
          "made here without Redis: %r" % doc)
    proc.send_signal(signal.SIGTERM)
    check(proc.wait(30) == 0, "serve did not exit 0")
    check("made here" in proc.stderr.read(), "the fallback is not logged")
    # an unreachable Redis: exit 2, the address named
    port2 = free_port()
    r = run_tool("serve", "--listen", "127.0.0.1:0", "-o", outdir, "--redis",
                 "redis://127.0.0.1:%d/0" % port2, "--stream", "jobs")
    check(r.returncode == 2 and "127.0.0.1:%d" % port2 in r.stderr,
          "unreachable: %d %r" % (r.returncode, r.stderr))
    print("serve --redis: 3 uploads, thumbnails answered, 6 files each made "
          "by a worker, tasks done from the results stream; with Redis "
          "gone, made by the service")


def main():
    tmp = tempfile.mkdtemp(prefix="queue-test-")
    cases = {"kill": case_kill, "poison": case_poison,
             "restart": case_restart, "errors": case_errors,
             "sigterm": case_sigterm,
             "producer": case_producer, "serve": case_serve}
    try:
        cases[CASE](tmp)
    finally:
        # servers and workers of a failed case are not left running
        for p in PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


main()

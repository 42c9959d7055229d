#!/usr/bin/python3
"""`imgcompress serve` driven over loopback HTTP, as a client drives it.

    serve.py TOOL formats|metrics|errors|load|sigterm

Each case starts its own server on a port the kernel picks (--listen
127.0.0.1:0, the URL read from its stdout) in a fresh output directory, and
stops it.  Images are made with Pillow at test time; every file the service
writes is decoded with Pillow and compared with what the service said.
"""

import http.client
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
import urllib.parse

from PIL import Image

TOOL = sys.argv[1]
CASE = sys.argv[2]
VARIANTS = {"thumbnail": 150, "preview": 500, "full": 2048}
TEMP_RE = re.compile(r"^\..*\.[A-Za-z0-9]{6}\.imgcompress-tmp$")


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def photo(w, h, seed=0):
    """A photo-like image: smooth gradients with some noise."""
    rnd = random.Random(seed)
    small = Image.new("RGB", (16, 12))
    small.putdata([(rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
                   for _ in range(16 * 12)])
    im = small.resize((w, h), Image.BICUBIC)
    noise = Image.effect_noise((w, h), 24).convert("RGB")
    return Image.blend(im, noise, 0.15)


def encode(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


class Server:
    def __init__(self, *args, outdir=None, env=None):
        self.tmp = tempfile.mkdtemp(prefix="serve-test-")
        self.outdir = outdir or os.path.join(self.tmp, "out")
        cmd = [TOOL, "serve", "--listen", "127.0.0.1:0", "-o", self.outdir]
        cmd += list(args)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True,
                                     env=env)
        line = self.proc.stdout.readline()
        m = re.search(r"http://([0-9.]+):(\d+)/", line)
        if not m:
            err = self.proc.stderr.read()
            fail("no URL from the server: %r %r" % (line, err))
        self.host, self.port = m.group(1), int(m.group(2))
        self.stderr = []
        self._t = threading.Thread(target=self._drain, daemon=True)
        self._t.start()

    def _drain(self):
        for line in self.proc.stderr:
            self.stderr.append(line)

    def request(self, method, path, body=None, headers=None, timeout=120):
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, dict(resp.getheaders()), data
        finally:
            conn.close()

    def upload(self, data, name=None, headers=None):
        path = "/v1/images"
        if name:
            path += "?name=" + urllib.parse.quote(name)
        status, hdrs, body = self.request("POST", path, data, headers)
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        return status, hdrs, doc

    def wait_task(self, task_id, headers=None):
        deadline = time.time() + 240
        while time.time() < deadline:
            status, _, body = self.request(
                "GET", "/v1/tasks/%s?wait=30" % task_id, headers=headers)
            check(status == 200, "task %s: status %d" % (task_id, status))
            doc = json.loads(body)
            if doc["status"] in ("done", "failed"):
                return doc
        fail("task %s never finished" % task_id)

    def metrics(self):
        status, hdrs, body = self.request("GET", "/metrics")
        check(status == 200, "/metrics: %d" % status)
        return body.decode()

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.proc.pid))

    def stop(self, timeout=120):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            fail("the server did not stop after SIGTERM")
        self._t.join(5)
        return rc

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def files_under(root):
    found = []
    for d, _, names in os.walk(root):
        for n in names:
            found.append(os.path.relpath(os.path.join(d, n), root))
    return sorted(found)


def check_no_leftovers(server):
    """No temporary file and no spooled upload anywhere."""
    for rel in files_under(server.outdir):
        check(not TEMP_RE.match(os.path.basename(rel)),
              "temporary file left: %s" % rel)
    spool = os.path.join(server.outdir, ".uploads")
    check(not os.path.isdir(spool) or not os.listdir(spool),
          "spooled uploads left: %s" % (os.listdir(spool),))


def leftovers(server):
    temps = [rel for rel in files_under(server.outdir)
             if TEMP_RE.match(os.path.basename(rel))]
    spool = os.path.join(server.outdir, ".uploads")
    return temps + (os.listdir(spool) if os.path.isdir(spool) else [])


def wait_no_leftovers(server, seconds):
    """As check_no_leftovers, for cleanup that follows an event the client
    sees first (its connection closed)."""
    deadline = time.time() + seconds
    while leftovers(server) and time.time() < deadline:
        time.sleep(0.05)
    check_no_leftovers(server)


def check_output(server, out, src_size):
    """The file is where the service says, decodes, and is as described."""
    path = out["path"]
    check(os.path.isfile(path), "missing %s" % path)
    check(os.path.getsize(path) == out["bytes"], "size of %s" % path)
    with Image.open(path) as im:
        im.load()
        check(im.format == {"jpeg": "JPEG", "webp": "WEBP"}[out["format"]],
              "format of %s: %s" % (path, im.format))
        check(im.size == (out["width"], out["height"]),
              "%s is %s, said %dx%d" % (path, im.size, out["width"],
                                        out["height"]))
    box = VARIANTS[out["variant"]]
    w, h = src_size
    scale = min(1.0, box / max(w, h))
    check(abs(out["width"] - w * scale) <= 1 and
          abs(out["height"] - h * scale) <= 1,
          "%s: %dx%d for %dx%d in a %d box" % (path, out["width"],
                                               out["height"], w, h, box))


def check_done_task(server, doc, src_size):
    check(doc["status"] == "done", "task %s: %s" % (doc["id"], doc))
    outs = doc["outputs"]
    got = sorted((o["variant"], o["format"]) for o in outs)
    want = sorted((v, f) for v in VARIANTS for f in ("jpeg", "webp"))
    check(got == want, "outputs of %s: %s" % (doc["id"], got))
    for o in outs:
        check_output(server, o, src_size)


def plant_temps(outdir):
    """Temporary files a killed service left: two over an hour old (a
    spooled upload, an output being written), one fresh."""
    old = time.time() - 2 * 3600
    stale = [os.path.join(outdir, ".uploads", ".%s.AbC123.imgcompress-tmp"
                          % ("0" * 32)),
             os.path.join(outdir, "full", ".x.jpg.XyZ789.imgcompress-tmp")]
    fresh = os.path.join(outdir, ".uploads", ".%s.QwE456.imgcompress-tmp"
                         % ("1" * 32))
    for path in stale + [fresh]:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(b"partial")
    for path in stale:
        os.utime(path, (old, old))
    return stale, fresh


def case_formats():
    tmp = tempfile.mkdtemp(prefix="serve-test-out-")
    stale, fresh = plant_temps(tmp)
    srv = Server(outdir=tmp)
    try:
        for path in stale:
            check(not os.path.exists(path), "stale %s not removed" % path)
        check(os.path.exists(fresh), "a fresh temporary file was removed")
        os.unlink(fresh)
        im = photo(1200, 800, 1)
        uploads = {
            "cat.jpg": (encode(im, "JPEG", quality=90), "jpeg"),
            "cat.png": (encode(im, "PNG"), "png"),
            "cat.webp": (encode(im, "WEBP", quality=85), "webp"),
        }
        for name, (data, fmt) in uploads.items():
            status, hdrs, doc = srv.upload(
                data, name, {"Content-Type": "application/octet-stream"})
            check(status == 201, "%s: status %d %s" % (name, status, doc))
            check(doc["name"] == name, "name %s" % doc["name"])
            check(doc["input"] == {"format": fmt, "width": 1200,
                                   "height": 800, "bytes": len(data)},
                  "input of %s: %s" % (name, doc["input"]))
            check(hdrs.get("Location") == "/v1/tasks/" + doc["id"],
                  "Location %s" % hdrs.get("Location"))
            thumbs = doc["thumbnail"]
            check(sorted(t["format"] for t in thumbs) == ["jpeg", "webp"],
                  "thumbnails of %s: %s" % (name, thumbs))
            for t in thumbs:
                check(t["variant"] == "thumbnail" and 0 < t["quality"] <= 100,
                      "thumbnail %s" % t)
                # in place when the answer comes, not later
                check_output(srv, t, (1200, 800))
                status, h, body = srv.request("GET", t["url"])
                check(status == 200, "GET %s: %d" % (t["url"], status))
                check(h["Content-Type"] == {"jpeg": "image/jpeg",
                                            "webp": "image/webp"}[t["format"]],
                      "Content-Type %s" % h["Content-Type"])
                with open(t["path"], "rb") as f:
                    check(body == f.read(), "body of %s" % t["url"])
                etag = h.get("ETag")
                check(etag, "no ETag")
                status, _, body = srv.request("GET", t["url"],
                                              headers={"If-None-Match": etag})
                check(status == 304 and body == b"", "If-None-Match: %d" %
                      status)
            check(doc["task"]["status"] == "queued", "task %s" % doc["task"])
            task = srv.wait_task(doc["task"]["id"])
            check_done_task(srv, task, (1200, 800))
            print("%s: %s, 6 files decode" % (name, doc["id"]))
        status, _, body = srv.request("GET", "/healthz")
        check(status == 200 and json.loads(body)["status"] == "ok", "healthz")
        check(srv.stop() == 0, "exit status")
        check_no_leftovers(srv)
    finally:
        srv.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def parse_metrics(text):
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value = line.rsplit(" ", 1)
        values[key] = float(value)
    return values


SEED_NAMES = {
    "imgcompress_image_processing_seconds": "image_processing_seconds",
    "imgcompress_output_compression_ratio": "image_compression_ratio",
}


def check_seed_names(promtool, tmp, text):
    """examples/prometheus/seed-names.rules.yml, evaluated by `promtool test
    rules` on the series of a live /metrics: every series of the two
    histograms comes out under the seed's name, labels and value kept."""
    rules = os.path.join(os.environ["IMGCOMPRESS_SOURCE_ROOT"], "examples",
                         "prometheus", "seed-names.rules.yml")
    series, expected = [], []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, value = line.rsplit(" ", 1)
        name, brace, labels = key.partition("{")
        for ours, seed in SEED_NAMES.items():
            suffix = name[len(ours):]
            if name.startswith(ours) and suffix in ("_bucket", "_sum",
                                                     "_count"):
                series.append({"series": key, "values": value})
                expected.append({"expr": key.replace(ours, seed, 1),
                                 "eval_time": "0m",
                                 "exp_samples": [{"labels":
                                                  seed + suffix + brace +
                                                  labels,
                                                  "value": float(value)}]})
    check(len(series) > 10, "only %d histogram series" % len(series))
    test = {"rule_files": [rules], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": series,
                       "promql_expr_test": expected}]}
    path = os.path.join(tmp, "seed-names.test.yml")
    with open(path, "w") as f:
        json.dump(test, f)  # YAML is a superset of JSON
    p = subprocess.run([promtool, "test", "rules", path],
                       capture_output=True, text=True)
    check(p.returncode == 0, "promtool test rules: %s %s" % (p.stdout,
                                                             p.stderr))


def case_metrics():
    promtool = shutil.which("promtool")
    if promtool is None:
        print("SKIP: promtool (Debian prometheus) is not installed; "
              "tools/bootstrap.sh installs it", file=sys.stderr)
        sys.exit(77)
    srv = Server()
    try:
        im = photo(900, 600, 2)
        jpegs = [encode(photo(900, 600, s), "JPEG", quality=90)
                 for s in range(3)]
        for data in jpegs:
            status, _, doc = srv.upload(data)
            check(status == 201, "upload: %d" % status)
            srv.wait_task(doc["id"])
        status, _, doc = srv.upload(encode(im, "PNG"))
        check(status == 201, "png upload: %d" % status)
        srv.wait_task(doc["id"])
        status, _, _ = srv.upload(b"hello, not an image\n" * 10)
        check(status == 415, "text: %d" % status)
        damaged = bytearray(jpegs[0][:2000])
        damaged[2:200] = b"\xff" * 198
        status, _, _ = srv.upload(bytes(damaged))
        check(status == 422, "damaged: %d" % status)

        text = srv.metrics()
        path = os.path.join(srv.tmp, "metrics.txt")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([promtool, "check", "metrics"], input=text,
                           capture_output=True, text=True)
        check(p.returncode == 0, "promtool: %s %s" % (p.stdout, p.stderr))
        m = parse_metrics(text)
        P = "imgcompress_"
        expect = {
            P + 'images_processed_total{format="jpeg"}': 3,
            P + 'images_processed_total{format="png"}': 1,
            P + 'image_processing_seconds_count{format="jpeg"}': 3,
            P + 'image_processing_seconds_bucket{format="jpeg",le="+Inf"}': 3,
            P + 'output_compression_ratio_count{variant="thumbnail",'
                'format="jpeg"}': 4,
            P + 'output_compression_ratio_count{variant="full",'
                'format="webp"}': 4,
            P + 'image_failures_total{reason="invalid_image"}': 1,
            P + 'requests_rejected_total{reason="not_an_image"}': 1,
            P + 'images_in_flight': 0,
            P + 'queue_depth': 0,
        }
        for key, want in expect.items():
            check(m.get(key) == want, "%s = %s, want %s" % (key, m.get(key),
                                                             want))
        buckets = [m[P + 'image_processing_seconds_bucket{format="jpeg",'
                     'le="%s"}' % le] for le in ("0.1", "0.5", "1", "2", "5")]
        check(buckets == sorted(buckets), "buckets not cumulative")
        ratio = [m[P + 'output_compression_ratio_bucket{variant="full",'
                   'format="jpeg",le="%s"}' % le]
                 for le in ("0.3", "0.5", "0.7", "0.9")]
        check(ratio == sorted(ratio), "ratio buckets not cumulative")
        check_seed_names(promtool, srv.tmp, text)
        print("promtool accepts /metrics; counts match 4 images, 2 refused; "
              "the seed's histogram names come out of the example rules")
        check(srv.stop() == 0, "exit status")
        check_no_leftovers(srv)
    finally:
        srv.cleanup()


def expect_error(srv, status, reason, got):
    code, hdrs, doc = got
    check(code == status, "want %d %s, got %d %s" % (status, reason, code,
                                                       doc))
    check(doc and doc["error"]["reason"] == reason and
          doc["error"]["status"] == status and doc["error"]["message"],
          "error body %s" % doc)
    return hdrs, doc


def image_files(server):
    return [f for f in files_under(server.outdir)
            if not f.startswith(".uploads")]


def case_errors():
    token_dir = tempfile.mkdtemp(prefix="serve-token-")
    token_file = os.path.join(token_dir, "token")
    with open(token_file, "w") as f:
        f.write("s3cret-token\n")
    auth = {"Authorization": "Bearer s3cret-token"}
    srv = Server("--max-body-bytes", "300000", "--max-pixels", "1000000",
                 "--read-timeout", "2", "--auth-token-file", token_file)
    try:
        small = encode(photo(800, 600, 3), "JPEG", quality=85)
        # 401: no token, a wrong one; /healthz is open
        expect_error(srv, 401, "unauthorized", srv.upload(small))
        expect_error(srv, 401, "unauthorized", srv.upload(
            small, headers={"Authorization": "Bearer s3cret-tokeX"}))
        status, _, _ = srv.request("GET", "/metrics")
        check(status == 401, "/metrics without a token: %d" % status)
        status, _, _ = srv.request("GET", "/healthz")
        check(status == 200, "/healthz: %d" % status)
        # 413, with Content-Length and chunked
        big = encode(photo(1000, 1000, 4), "PNG")
        check(len(big) > 300000, "test image too small: %d" % len(big))
        expect_error(srv, 413, "body_too_large", srv.upload(big,
                                                            headers=auth))
        code, _, doc = chunked_upload(srv, big, auth)
        check(code == 413 and doc["error"]["reason"] == "body_too_large",
              "chunked 413: %d %s" % (code, doc))
        # 422: more pixels than allowed, said by the pipeline
        over = encode(photo(1200, 900, 5), "JPEG", quality=80)
        _, _, doc = srv.upload(over, headers=auth)
        check(doc["error"]["status"] == 422 and
              doc["error"]["reason"] == "limit_exceeded" and
              "1200" in doc["error"]["message"],
              "max-pixels: %s" % doc)
        # 415: not an image; 422: a JPEG with a damaged header
        expect_error(srv, 415, "not_an_image",
                     srv.upload(b"%PDF-1.4\n" + b"\0" * 100, headers=auth))
        damaged = bytearray(small[:3000])
        damaged[2:300] = b"\xff" * 298
        english_damaged = expect_error(
            srv, 422, "invalid_image",
            srv.upload(bytes(damaged), headers=auth))[1]["error"]["message"]
        # a truncated upload of a real JPEG: damaged, nothing kept
        code, _, doc = srv.upload(small[:len(small) // 3], headers=auth)
        check(code in (201, 422), "truncated: %d" % code)
        truncated_ok = code == 201
        if truncated_ok:
            srv.wait_task(doc["id"], headers=auth)
        check(srv.request("GET", "/v1/tasks/" + "0" * 32,
                          headers=auth)[0] == 404, "unknown task")
        check(srv.request("GET", "/v1/images/%s/../x.jpg" % ("0" * 32),
                          headers=auth)[0] == 404, "image path")
        # a client that stalls mid-body is dropped after the read timeout
        s = socket.create_connection((srv.host, srv.port))
        s.sendall(b"POST /v1/images HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer s3cret-token\r\n"
                  b"Content-Length: 100000\r\n\r\n" + small[:5000])
        s.settimeout(20)
        t0 = time.time()
        try:
            data = s.recv(100)
        except (ConnectionResetError, socket.timeout):
            data = b""
        elapsed = time.time() - t0
        s.close()
        check(data == b"" and 1.5 < elapsed < 15,
              "stalled client: %r after %.1f s" % (data, elapsed))
        print("stalled client dropped after %.1f s" % elapsed)
        # nothing of the refused requests on disk
        check(image_files(srv) == [] or truncated_ok,
              "files left: %s" % image_files(srv))
        # the dropped upload's spool goes with its message, which libsoup
        # releases just after it closed the socket: give it a moment
        wait_no_leftovers(srv, 5)
        # and a good upload still goes through
        status, _, doc = srv.upload(small, headers=auth)
        check(status == 201, "good upload: %d" % status)
        check_done_task(srv, srv.wait_task(doc["id"], headers=auth),
                        (800, 600))
        check(srv.stop() == 0, "exit status")
        check_no_leftovers(srv)
    finally:
        srv.cleanup()
        shutil.rmtree(token_dir, ignore_errors=True)

    # 503 with Retry-After: one image in the background, one queued
    srv = Server("--threads", "1", "--queue-size", "1", "--variants",
                 "thumbnail:150:80:75,full:4096:90:85")
    try:
        slow = encode(photo(4000, 3000, 6), "JPEG", quality=95)
        status, _, first = srv.upload(slow)
        check(status == 201, "first: %d" % status)
        status, _, second = srv.upload(slow)
        check(status == 201, "second: %d" % status)
        hdrs, _ = expect_error(srv, 503, "queue_full", srv.upload(slow))
        check(int(hdrs.get("Retry-After", "0")) >= 1,
              "Retry-After %s" % hdrs.get("Retry-After"))
        for doc in (first, second):
            srv.wait_task(doc["id"])
        check(len(image_files(srv)) == 2 * 2 * 2, "files: %s" %
              image_files(srv))
        check(srv.stop() == 0, "exit status")
        check_no_leftovers(srv)
        print("queue full: 503, Retry-After %s" % hdrs["Retry-After"])
    finally:
        srv.cleanup()

    # uploads still being received count against the queue: two clients
    # that send half a body hold both places, a third upload gets 503
    srv = Server("--queue-size", "2", "--read-timeout", "30")
    try:
        small = encode(photo(400, 300, 7), "JPEG", quality=85)
        held = []
        for _ in range(2):
            s = socket.create_connection((srv.host, srv.port))
            s.sendall(b"POST /v1/images HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(small) +
                      small[:len(small) // 2])
            held.append(s)
        time.sleep(0.5)
        hdrs, _ = expect_error(srv, 503, "queue_full", srv.upload(small))
        for s in held:
            s.close()
        time.sleep(0.5)
        status, _, doc = srv.upload(small)
        check(status == 201, "after the stalled uploads left: %d" % status)
        srv.wait_task(doc["id"])
        check(srv.stop() == 0, "exit status")
        check_no_leftovers(srv)
        print("uploads being received bounded by --queue-size")
    finally:
        srv.cleanup()

    # the messages in the service's language (the build tree's catalogue)
    if not os.environ.get("IMGCOMPRESS_LOCALEDIR"):
        print("no IMGCOMPRESS_LOCALEDIR: translated answers not checked")
        return
    env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE="de")
    srv = Server(env=env)
    try:
        _, _, doc = srv.upload(b"no image at all")
        check(doc["error"]["message"] ==
              "Der Upload ist kein JPEG-, PNG- oder WebP-Bild.",
              "German 415: %s" % doc)
        damaged = bytearray(encode(photo(300, 200, 7), "JPEG")[:3000])
        damaged[2:300] = b"\xff" * 298
        code, _, doc = srv.upload(bytes(damaged))
        check(code == 422 and "JPEG" in doc["error"]["message"] and
              doc["error"]["message"] != english_damaged,
              "German 422: %s" % doc)
        print("LANGUAGE=de: %s" % doc["error"]["message"])
        check(srv.stop() == 0, "exit status")
        check_no_leftovers(srv)
    finally:
        srv.cleanup()


def chunked_upload(srv, data, headers):
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=60)
    try:
        conn.putrequest("POST", "/v1/images")
        conn.putheader("Transfer-Encoding", "chunked")
        for k, v in headers.items():
            conn.putheader(k, v)
        conn.endheaders()
        for i in range(0, len(data), 65536):
            part = data[i:i + 65536]
            conn.send(b"%x\r\n%s\r\n" % (len(part), part))
        conn.send(b"0\r\n\r\n")
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), json.loads(resp.read())
    finally:
        conn.close()


def make_load_images():
    images = []
    for i in range(8):
        im = photo(640 + 16 * i, 480, 100 + i)
        fmt = ("JPEG", "PNG", "WEBP")[i % 3]
        images.append((encode(im, fmt), im.size))
    return images


def run_clients(srv, images, n_uploads, n_clients, results, stop=None):
    lock = threading.Lock()
    counter = [0]

    def client():
        while True:
            with lock:
                if counter[0] >= n_uploads or (stop and stop.is_set()):
                    return
                i = counter[0]
                counter[0] += 1
            data, size = images[i % len(images)]
            try:
                status, _, doc = srv.upload(data, "img%d" % i)
            except (ConnectionError, OSError) as e:
                status, doc = None, str(e)
            with lock:
                results.append((status, doc, size))
            if status is None:
                return  # the server stopped listening

    threads = [threading.Thread(target=client) for _ in range(n_clients)]
    for t in threads:
        t.start()
    return threads


def case_load():
    srv = Server("--queue-size", "256")
    try:
        images = make_load_images()
        warm = []
        for t in run_clients(srv, images, 16, 16, warm):
            t.join()
        for status, doc, _ in warm:
            check(status == 201, "warm-up: %s %s" % (status, doc))
            srv.wait_task(doc["id"])
        fds_before = srv.fds()
        results = []
        t0 = time.time()
        for t in run_clients(srv, images, 200, 16, results):
            t.join()
        answered = time.time() - t0
        check(len(results) == 200, "%d answers" % len(results))
        bad = [(s, d) for s, d, _ in results if s != 201]
        check(not bad, "%d uploads not created: %s" % (len(bad), bad[:3]))
        for status, doc, size in results:
            check_done_task(srv, srv.wait_task(doc["id"]), size)
        done = time.time() - t0
        fds_after = srv.fds()
        check(fds_after <= fds_before + 4,
              "open fds grew from %d to %d" % (fds_before, fds_after))
        ids = {doc["id"] for _, doc, _ in results + warm}
        check(len(ids) == 216, "ids not unique")
        check(len(image_files(srv)) == 216 * 6, "%d files" %
              len(image_files(srv)))
        check_no_leftovers(srv)
        print("200 uploads from 16 clients: all 201 in %.1f s, all 1200 "
              "files decode after %.1f s; fds %d -> %d" %
              (answered, done, fds_before, fds_after))
        check(srv.stop() == 0, "exit status")
        check_no_leftovers(srv)
    finally:
        srv.cleanup()


def case_adaptive():
    """The seed's adaptive configuration on the service: with memory over
    80 % used (IMGCOMPRESS_MEMORY_USED stands in for /proc/meminfo), each
    finished image takes one pipeline of each kind off the limit, down to
    one, and each change is logged and shown in /metrics."""
    env = dict(os.environ, IMGCOMPRESS_MEMORY_USED="0.9")
    srv = Server("--threads", "2", env=env)
    try:
        m = parse_metrics(srv.metrics())
        check(m["imgcompress_in_flight_limit"] == 2,
              "limit before: %s" % m["imgcompress_in_flight_limit"])
        for seed in range(3):
            status, _, doc = srv.upload(encode(photo(600, 400, seed), "JPEG"))
            check(status == 201, "upload: %d" % status)
            check(srv.wait_task(doc["id"])["status"] == "done", "task")
        m = parse_metrics(srv.metrics())
        check(m["imgcompress_in_flight_limit"] == 1,
              "limit after: %s" % m["imgcompress_in_flight_limit"])
        check(srv.stop() == 0, "exit status")
        changes = [line.strip() for line in srv.stderr
                   if "in-flight limit" in line]
        check(len(changes) == 1 and "2 -> 1" in changes[0] and
              "memory 90 % used" in changes[0],
              "logged changes: %r" % changes)
        print("memory 90 %% used: %s" % changes[0])
    finally:
        srv.cleanup()

def case_sigterm():
    srv = Server("--queue-size", "256")
    try:
        images = make_load_images()
        results = []
        stop = threading.Event()
        threads = run_clients(srv, images, 10 ** 6, 8, results, stop)
        deadline = time.time() + 120
        while sum(1 for s, _, _ in results if s == 201) < 20:
            check(time.time() < deadline, "no load")
            time.sleep(0.05)
        m = parse_metrics(srv.metrics())
        pending = m["imgcompress_images_in_flight"] + \
            m["imgcompress_queue_depth"]
        srv.proc.send_signal(signal.SIGTERM)
        rc = srv.proc.wait(180)
        stop.set()
        for t in threads:
            t.join()
        check(rc == 0, "exit status %d" % rc)
        created = [(d, size) for s, d, size in results if s == 201]
        refused = [s for s, _, _ in results if s != 201]
        check(all(s in (None, 503) for s in refused),
              "refusals: %s" % refused)
        # every accepted upload is complete, and nothing else is there
        want = set()
        for doc, size in created:
            for v in VARIANTS:
                for ext in ("jpg", "webp"):
                    rel = os.path.join(v, doc["id"] + "." + ext)
                    want.add(rel)
                    path = os.path.join(srv.outdir, rel)
                    check(os.path.isfile(path), "missing %s" % rel)
                    with Image.open(path) as im:
                        im.load()
        check(set(image_files(srv)) == want, "unexpected files: %s" %
              sorted(set(image_files(srv)) ^ want)[:5])
        check_no_leftovers(srv)
        check(pending > 0, "nothing to drain at SIGTERM")
        print("SIGTERM under load with %d images in flight or queued: %d "
              "accepted uploads complete (%d files), %d refused or cut while "
              "stopping" % (pending, len(created), len(want), len(refused)))
    finally:
        srv.cleanup()


CASES = {"formats": case_formats, "metrics": case_metrics,
         "errors": case_errors, "load": case_load, "sigterm": case_sigterm,
         "adaptive": case_adaptive}

if __name__ == "__main__":
    CASES[CASE]()

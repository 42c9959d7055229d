#!/usr/bin/python3
"""The seed's Python/Pillow image service, as the anchor of the benchmark.

Reproduces what ../shared/design.md describes: a thread pool of max_threads,
Image.thumbnail(box, LANCZOS) on a copy per variant, JPEG optimize=True, WebP
with Pillow's default method; sequential below 5 images.

    pillow_service.py -j THREADS -o OUTDIR IMAGE...
    pillow_service.py -j THREADS -o OUTDIR --http ADDR:PORT

With --http it is the seed's upload service, the anchor of
bench/serve-bench.py: http.server (ThreadingHTTPServer), POST /v1/images
(the body is the image) answers 201 with the thumbnail made and a task id,
the preview and full variants go to the thread pool; GET /v1/tasks/ID
(?wait=SECONDS) tells the task.  It prints "listening on http://ADDR:PORT/"
on stdout.
"""

import argparse
import io
import json
import os
import sys
import threading
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

VARIANTS = [
    ("thumbnail", 150, 80, 75),
    ("preview", 500, 85, 80),
    ("full", 2048, 90, 85),
]


def make_variants(im, name, outdir, variants):
    written = 0
    for variant, box, jq, wq in variants:
        copy = im.copy()
        copy.thumbnail((box, box), Image.LANCZOS)
        vdir = os.path.join(outdir, variant)
        os.makedirs(vdir, exist_ok=True)
        jpg = os.path.join(vdir, name + ".jpg")
        copy.save(jpg, "JPEG", quality=jq, optimize=True)
        webp = os.path.join(vdir, name + ".webp")
        copy.save(webp, "WEBP", quality=wq)
        written += os.path.getsize(jpg) + os.path.getsize(webp)
    return written


def open_image(source):
    im = Image.open(source)
    im.load()
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    return im


def process(path, outdir):
    name = os.path.splitext(os.path.basename(path))[0]
    return make_variants(open_image(path), name, outdir, VARIANTS)


def serve(address, outdir, threads):
    pool = ThreadPoolExecutor(max_workers=threads)
    tasks = {}
    cond = threading.Condition()

    def background(task_id, im):
        try:
            make_variants(im, task_id, outdir, VARIANTS[1:])
            status = "done"
        except Exception as e:  # noqa: BLE001 - told to the client
            status = "failed: %s" % e
        with cond:
            tasks[task_id] = status
            cond.notify_all()

    class Handler(BaseHTTPRequestHandler):
        def answer(self, code, doc):
            body = json.dumps(doc).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 - http.server's name
            if urllib.parse.urlsplit(self.path).path != "/v1/images":
                return self.answer(404, {"error": "not found"})
            data = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                im = open_image(io.BytesIO(data))
            except Exception as e:  # noqa: BLE001 - told to the client
                return self.answer(422, {"error": str(e)})
            task_id = uuid.uuid4().hex
            make_variants(im, task_id, outdir, VARIANTS[:1])
            with cond:
                tasks[task_id] = "queued"
            pool.submit(background, task_id, im)
            self.answer(201, {"id": task_id, "width": im.width,
                              "height": im.height,
                              "task": {"id": task_id, "status": "queued"}})

        def do_GET(self):  # noqa: N802 - http.server's name
            url = urllib.parse.urlsplit(self.path)
            task_id = url.path.rsplit("/", 1)[-1]
            wait = float(urllib.parse.parse_qs(url.query).get("wait",
                                                               ["0"])[0])
            with cond:
                if task_id not in tasks:
                    return self.answer(404, {"error": "no such task"})
                cond.wait_for(lambda: tasks[task_id] != "queued", wait)
                status = tasks[task_id]
            self.answer(200, {"id": task_id, "status": status})

        def log_message(self, *args):
            pass

    host, port = address.rsplit(":", 1)
    httpd = ThreadingHTTPServer((host, int(port)), Handler)
    print("listening on http://%s:%d/" % httpd.server_address, flush=True)
    httpd.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-j", "--threads", type=int, default=os.cpu_count())
    ap.add_argument("-o", "--outdir", required=True)
    ap.add_argument("--http", metavar="ADDR:PORT",
                    help="serve uploads instead of processing IMAGEs")
    ap.add_argument("images", nargs="*")
    args = ap.parse_args()

    if args.http:
        serve(args.http, args.outdir, args.threads)
        return
    if not args.images:
        ap.error("give IMAGEs or --http")

    if len(args.images) < 5:
        total = sum(process(p, args.outdir) for p in args.images)
    else:
        with ThreadPoolExecutor(max_workers=args.threads) as pool:
            total = sum(pool.map(lambda p: process(p, args.outdir), args.images))
    print(f"pillow: {len(args.images)} images, {total} bytes written", file=sys.stderr)


if __name__ == "__main__":
    main()

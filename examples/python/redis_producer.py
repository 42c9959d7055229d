#!/usr/bin/python3
"""Enqueue images for `imgcompress worker` and wait for their results.

    redis_producer.py --redis redis://HOST:PORT/DB --stream jobs \\
        -o /shared/out [--layout flat|date] [--timeout 300] FILE...

The job format (docs/scale-out.md) is a plain stream entry, so any Redis
client can produce jobs; this is the whole protocol, with python3-redis:

- XADD STREAM * id ID input /abs/in.jpg outdir /abs/out layout flat
- the workers XADD one entry per job to STREAM:results with the fields
  id, entry, status (done|failed), reason, error, input, outputs (a JSON
  list of {variant, format, path, width, height, bytes, quality}), worker
  and tries.

Prints one JSON line per result; exit status 0 all done, 1 some failed,
2 some results did not come within --timeout.
"""

import argparse
import json
import os
import sys
import time
import uuid

import redis


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    ap.add_argument("--stream", default="jobs")
    ap.add_argument("--results-stream")
    ap.add_argument("-o", "--outdir", required=True)
    ap.add_argument("--layout", default="flat")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    results_stream = args.results_stream or args.stream + ":results"

    r = redis.Redis.from_url(args.redis, decode_responses=True)
    # Results are read from the last entry before our jobs on: no result of
    # ours can be missed, earlier ones are not read.
    last = r.xrevrange(results_stream, count=1)
    cursor = last[0][0] if last else "0-0"

    waiting = {}
    for f in args.files:
        job_id = str(uuid.uuid4())
        r.xadd(args.stream, {"id": job_id, "input": os.path.abspath(f),
                             "outdir": os.path.abspath(args.outdir),
                             "layout": args.layout})
        waiting[job_id] = f

    failed = False
    deadline = time.monotonic() + args.timeout
    while waiting and time.monotonic() < deadline:
        got = r.xread({results_stream: cursor}, count=100, block=1000)
        for _, entries in got:
            for entry_id, fields in entries:
                cursor = entry_id
                if fields.get("id") not in waiting:
                    continue  # another producer's job
                del waiting[fields["id"]]
                fields["outputs"] = json.loads(fields.get("outputs") or "[]")
                failed |= fields["status"] != "done"
                print(json.dumps(fields), flush=True)
    if waiting:
        print("no result within %g s for: %s" %
              (args.timeout, ", ".join(sorted(waiting.values()))),
              file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

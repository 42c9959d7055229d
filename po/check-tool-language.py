#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the built imgcompress tool on a truncated JPEG under LANGUAGE=de
and LANGUAGE=fr and asserts the translated messages: the decoder's error
(from the turbojpeg plugin, loaded in the tool's process) and the tool's own
summary.  The catalogues are the build tree's (IMGCOMPRESS_LOCALEDIR), so a
message that is not translated, or a catalogue that is not found, fails.
The --metrics-json and --metrics-jsonl records (docs/metrics.md) carry the
translated message beside a stable error_code that no language changes.

    check-tool-language.py IMGCOMPRESS LOCALEDIR
"""

import datetime
import io
import json
import os
import subprocess
import sys
import tempfile

# The English text is what the tool prints without a catalogue; the test
# asserts it is gone, so a silently English run cannot pass.
EXPECTED = {
    "de": [
        "Das JPEG-Bild ist abgeschnitten oder beschädigt.",
        "Bilder: 0 fertig, 1 fehlgeschlagen",
    ],
    "fr": [
        "L’image JPEG est tronquée ou corrompue.",
        "images\u00a0: 0 réussies, 1 en échec",
    ],
}
ENGLISH = ["The JPEG image is truncated or corrupt.", "images: 0 ok, 1 failed"]


def truncated_jpeg(path):
    """A real baseline JPEG of a gradient, cut in the middle of its scan."""
    from PIL import Image

    img = Image.new("RGB", (320, 240))
    img.putdata([(x % 256, y % 256, (x + y) % 256) for y in range(240) for x in range(320)])
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    with open(path, "wb") as f:
        f.write(data[: len(data) // 2])


def rfc3339(text):
    """A UTC RFC 3339 time as the tool writes it, e.g. ...T18:04:05.123456Z."""
    assert text.endswith("Z"), text
    return datetime.datetime.fromisoformat(text[:-1] + "+00:00")


def check_record(image, lang):
    """The failed image's record: what a machine reads is the same in every
    language, the message is translated."""
    problems = []
    want = {"ok": False, "skipped": False, "error_code": "invalid_image",
            "input_format": "jpeg", "input_width": 320, "input_height": 240,
            "name": "cut", "outputs": []}
    for key, value in want.items():
        if image.get(key) != value:
            problems.append("%s: %s is %r, not %r" % (lang, key, image.get(key), value))
    if image.get("error") != EXPECTED[lang][0]:
        problems.append("%s: error is %r" % (lang, image.get("error")))
    return problems


def check_json(json_path, jsonl_path, lang, before):
    problems = []
    with open(json_path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("schema_version") != 2:
        problems.append("%s: schema_version %r" % (lang, doc.get("schema_version")))
    started = rfc3339(doc["started_at"])
    finished = rfc3339(doc["totals"]["finished_at"])
    if not before <= started <= finished <= datetime.datetime.now(datetime.timezone.utc):
        problems.append("%s: times %s %s" % (lang, started, finished))
    problems += check_record(doc["images"][0], lang)
    with open(jsonl_path, encoding="utf-8") as f:
        lines = [json.loads(line) for line in f]
    if [r["record"] for r in lines] != ["run", "image", "totals"]:
        problems.append("%s: jsonl records %r" % (lang, lines))
    elif lines[1]["image"] != doc["images"][0]:
        problems.append("%s: jsonl image differs from the JSON's" % lang)
    if any(r.get("schema_version") != 2 for r in lines):
        problems.append("%s: jsonl schema_version" % lang)
    return problems


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: %s IMGCOMPRESS LOCALEDIR\n" % argv[0])
        return 2
    tool, localedir = argv[1], argv[2]
    failed = False
    with tempfile.TemporaryDirectory() as work:
        photo = os.path.join(work, "cut.jpg")
        truncated_jpeg(photo)
        for lang, expected in sorted(EXPECTED.items()):
            env = dict(os.environ, LC_ALL="C.UTF-8", LANGUAGE=lang,
                       IMGCOMPRESS_LOCALEDIR=localedir)
            json_path = os.path.join(work, lang + ".json")
            jsonl_path = os.path.join(work, lang + ".jsonl")
            before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
            r = subprocess.run([tool, "--metrics-json", json_path, "--metrics-jsonl",
                                jsonl_path, photo, "-o", os.path.join(work, "out-" + lang)],
                               env=env, capture_output=True, text=True, timeout=60)
            print("LANGUAGE=%s: exit %d\n%s" % (lang, r.returncode, r.stderr))
            if r.returncode != 1:
                print("expected exit status 1 (an image failed)")
                failed = True
            for text in expected:
                if text not in r.stderr:
                    print("MISSING %s: %r" % (lang, text))
                    failed = True
            for text in ENGLISH:
                if text in r.stderr:
                    print("UNTRANSLATED %s: %r" % (lang, text))
                    failed = True
            for problem in check_json(json_path, jsonl_path, lang, before):
                print("JSON " + problem)
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the built imgcompress tool on a truncated JPEG under LANGUAGE=de
and LANGUAGE=fr and asserts the translated messages: the decoder's error
(from the turbojpeg plugin, loaded in the tool's process) and the tool's own
summary.  The catalogues are the build tree's (IMGCOMPRESS_LOCALEDIR), so a
message that is not translated, or a catalogue that is not found, fails.

    check-tool-language.py IMGCOMPRESS LOCALEDIR
"""

import io
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
            r = subprocess.run([tool, photo, "-o", os.path.join(work, "out-" + lang)],
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

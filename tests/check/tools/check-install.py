#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""meson test tools_install: the tool finds the plugins it was installed
with.  Lays out an install tree (PREFIX/bin/imgcompress,
PREFIX/LIBDIR/gstreamer-1.0/*.so) in a temporary directory, as a package
unpacked under a prefix that GStreamer does not scan, and runs the tool
with no GST_PLUGIN_PATH: it must make the six files of a photo.  With the
plugin directory empty it must say once that the plugins are missing and
exit 2, before touching any image.

    check-install.py TOOL LIBDIR PLUGIN.so...
"""

import os
import shutil
import subprocess
import sys
import tempfile

from PIL import Image


def run_tool(prefix, env, photo, out):
    tool = os.path.join(prefix, "bin", "imgcompress")
    return subprocess.run([tool, "-o", out, photo], env=env,
                          capture_output=True, text=True, timeout=120)


def main(argv):
    tool, libdir, plugins = argv[1], argv[2], argv[3:]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "prefix")
        bindir = os.path.join(prefix, "bin")
        plugindir = os.path.join(prefix, libdir, "gstreamer-1.0")
        os.makedirs(bindir)
        os.makedirs(plugindir)
        shutil.copy2(tool, bindir)
        for p in plugins:
            shutil.copy2(p, plugindir)
        photo = os.path.join(tmp, "photo.jpg")
        Image.radial_gradient("L").resize((640, 480)).convert("RGB").save(
            photo, quality=90)

        env = {k: v for k, v in os.environ.items()
               if not k.startswith("GST_PLUGIN_PATH")}
        env["GST_REGISTRY_1_0"] = os.path.join(tmp, "registry.bin")
        env.pop("GST_REGISTRY", None)
        env.pop("GST_PLUGIN_LOADING_WHITELIST", None)

        found = run_tool(prefix, env, photo, os.path.join(tmp, "out"))
        written = sum(len(files) for _, _, files in
                      os.walk(os.path.join(tmp, "out")))
        if found.returncode != 0 or written != 6:
            problems.append("with the plugins beside it: exit %d, %d files, "
                            "stderr %r" % (found.returncode, written,
                                           found.stderr))

        for p in os.listdir(plugindir):
            os.unlink(os.path.join(plugindir, p))
        os.unlink(env["GST_REGISTRY_1_0"])
        missing = run_tool(prefix, env, photo, os.path.join(tmp, "out2"))
        lines = [ln for ln in missing.stderr.splitlines() if ln.strip()]
        if missing.returncode != 2:
            problems.append("without plugins: exit %d, expected 2" %
                            missing.returncode)
        if len(lines) != 1 or "not installed" not in lines[0]:
            problems.append("without plugins: stderr %r, expected one line "
                            "saying they are not installed" % missing.stderr)
        if os.path.exists(os.path.join(tmp, "out2")):
            problems.append("without plugins: the output directory was made")
        print(found.stderr + missing.stderr)
    for p in problems:
        print("tools_install: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks of the message catalogue (meson tests po_pot_current and
po_translations).

  check-po.py pot SOURCE_ROOT BUILD_DIR PACKAGE
      Regenerates the template from po/POTFILES exactly as meson's
      PACKAGE-pot target does and fails, with a diff, when the committed
      po/PACKAGE.pot differs in its messages (the POT-Creation-Date and the
      "#: file:line" references are ignored); also when a source with
      _() or N_() is missing from po/POTFILES, or a msgid is cut short.

  check-po.py translations SOURCE_ROOT PACKAGE
      For every language of po/LINGUAS: msgfmt --check passes (printf
      formats of every translation match their msgid), and every message of
      the committed template is translated, none fuzzy.
"""

import ast
import difflib
import os
import re
import subprocess
import sys

# meson's i18n.gettext(preset : 'glib') arguments, read from meson itself
# when it is importable; the copy is meson 1.0's.
GLIB_PRESET = [
    "--from-code=UTF-8", "--add-comments",
    "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3",
    "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format",
    "--flag=NC_:2:pass-c-format", "--flag=g_dngettext:2:pass-c-format",
    "--flag=g_strdup_printf:1:c-format", "--flag=g_string_printf:2:c-format",
    "--flag=g_string_append_printf:2:c-format", "--flag=g_error_new:3:c-format",
    "--flag=g_set_error:4:c-format", "--flag=g_markup_printf_escaped:1:c-format",
    "--flag=g_log:3:c-format", "--flag=g_print:1:c-format",
    "--flag=g_printerr:1:c-format", "--flag=g_printf:1:c-format",
    "--flag=g_fprintf:2:c-format", "--flag=g_sprintf:2:c-format",
    "--flag=g_snprintf:3:c-format",
]
try:
    from mesonbuild.modules.i18n import PRESET_ARGS
    GLIB_PRESET = list(dict.fromkeys(PRESET_ARGS["glib"]))
except Exception:  # noqa: BLE001 - any meson layout: keep the copy
    pass


def without_date(text):
    """The template without its creation date and without the source
    references ("#: file.c:123"), which move with every edit of a source
    and do not make the template stale: only its messages do."""
    return [l for l in text.splitlines(True)
            if not l.startswith('"POT-Creation-Date:') and not l.startswith("#: ")]


def msgids(pot_text):
    """The msgids of a catalogue, continuation lines joined."""
    ids, current = [], None
    for line in pot_text.splitlines():
        if line.startswith("msgid "):
            current = [line[6:]]
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            if current is not None:
                ids.append("".join(ast.literal_eval(part) for part in current))
            current = None
    return [i for i in ids if i]


SOURCE_DIRS = ("gst", "ext", "gst-libs", "tools")
# Defines _() and N_() rather than using them.
NOT_SOURCES = {"gst-libs/gst/imgcompress/gst-i18n-plugin.h"}


def unlisted_sources(source_root, po_dir):
    """Sources that mark messages with _() or N_() but are not in POTFILES."""
    with open(os.path.join(po_dir, "POTFILES"), encoding="utf-8") as f:
        listed = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    missing = []
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(source_root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, source_root)
                if rel in listed or rel in NOT_SOURCES:
                    continue
                with open(path, encoding="utf-8", errors="replace") as f:
                    if re.search(r"\bN?_ ?\(\s*\"", f.read()):
                        missing.append(rel)
    return missing


def check_pot(source_root, build_dir, package):
    po_dir = os.path.join(source_root, "po")
    status = 0
    for rel in unlisted_sources(source_root, po_dir):
        print("%s has translatable messages but is not in po/POTFILES" % rel)
        status = 1
    out_dir = os.path.join(build_dir, "po")
    os.makedirs(out_dir, exist_ok=True)
    built = os.path.join(out_dir, package + ".pot")
    cmd = ["xgettext", "--package-name=" + package, "-p", out_dir,
           "-f", os.path.join(po_dir, "POTFILES"), "-D", source_root, "-k_",
           "-o", built] + GLIB_PRESET
    result = subprocess.run(cmd, capture_output=True, text=True)
    sys.stdout.write(result.stderr)
    if result.returncode != 0:
        print("xgettext failed")
        return 1
    committed = os.path.join(po_dir, package + ".pot")
    try:
        with open(committed, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    with open(built, encoding="utf-8") as f:
        new = f.read()
    lines = list(difflib.unified_diff(without_date(old), without_date(new),
                                      committed, built))
    if lines:
        sys.stdout.writelines(lines)
        print("\n%s is stale: run `ninja -C <builddir> %s-pot`, then "
              "`ninja -C <builddir> %s-update-po`, translate, and commit"
              % (committed, package, package))
        status = 1
    # A msgid cut short by a macro (G_GUINT64_FORMAT inside _()) can never
    # match the string the program looks up at run time.
    broken = [m for m in msgids(new) if re.search(r"(?<!%)(%%)*%$", m)]
    for m in broken:
        print("cut short: %r" % m)
    if broken:
        print("\n%d message(s) cannot be translated: a format macro such as "
              "G_GUINT64_FORMAT inside _() cuts the msgid short; format the "
              "number into a string and use %%s" % len(broken))
        status = 1
    return status


def linguas(po_dir):
    langs = []
    with open(os.path.join(po_dir, "LINGUAS"), encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0]
            langs += line.split()
    return langs


def check_translations(source_root, package):
    po_dir = os.path.join(source_root, "po")
    pot = os.path.join(po_dir, package + ".pot")
    status = 0
    langs = linguas(po_dir)
    if not langs:
        print("po/LINGUAS lists no language")
        return 1
    for lang in langs:
        po = os.path.join(po_dir, lang + ".po")
        r = subprocess.run(["msgfmt", "--check", "--statistics", "-o", os.devnull, po],
                           capture_output=True, text=True, env=dict(os.environ, LC_ALL="C"))
        stats = r.stderr.strip()
        print("%s: %s" % (lang, stats))
        if r.returncode != 0:
            print("%s: msgfmt --check failed" % lang)
            status = 1
        if re.search(r"fuzzy|untranslated", stats):
            print("%s: has fuzzy or untranslated messages" % lang)
            status = 1
        # Every message of the template has a (non-fuzzy) translation.
        r = subprocess.run(["msgcmp", po, pot], capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C"))
        if r.returncode != 0:
            sys.stdout.write(r.stderr)
            print("%s: not every message of the template is translated; run "
                  "`ninja -C <builddir> %s-update-po` and translate" % (lang, package))
            status = 1
    return status


def main(argv):
    if len(argv) == 5 and argv[1] == "pot":
        return check_pot(argv[2], argv[3], argv[4])
    if len(argv) == 4 and argv[1] == "translations":
        return check_translations(argv[2], argv[3])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the hand-written man page against the built tool (meson test
docs_manpage):

- every option of `imgcompress --help` (long and short) is documented in the
  OPTIONS section, with the same short/long pairing;
- the OPTIONS section documents no option the tool does not have;
- the version in the .TH line is the one `imgcompress --version` prints.

    check-manpage.py IMGCOMPRESS MANPAGE
"""

import os
import re
import subprocess
import sys


def help_options(tool):
    env = dict(os.environ, LC_ALL="C", LANGUAGE="C")
    out = subprocess.run([tool, "--help"], env=env, check=True,
                         capture_output=True, text=True).stdout
    options = {}
    for line in out.splitlines():
        m = re.match(r"\s+(?:-(\w), )?--([a-z0-9][a-z0-9-]*)", line)
        if m:
            options[m.group(2)] = m.group(1)
    return options


def version(tool):
    out = subprocess.run([tool, "--version"], check=True, capture_output=True,
                         text=True).stdout
    m = re.match(r"imgcompress (\S+)", out)
    return m.group(1) if m else None


def man_options(path):
    """{long: short or None} from the .TP headers of the OPTIONS section."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    options = {}
    section = None
    th_version = None
    for i, line in enumerate(lines):
        if line.startswith(".TH "):
            m = re.search(r'"gst-imgcompress (\S+)"', line)
            th_version = m.group(1) if m else None
        if line.startswith(".SH "):
            section = line[4:].strip().strip('"')
            continue
        if section != "OPTIONS" or line != ".TP" or i + 1 >= len(lines):
            continue
        head = lines[i + 1].replace("\\-", "-")
        longs = re.findall(r"(?<![\w-])--([a-z0-9][a-z0-9-]*)", head)
        shorts = re.findall(r"(?<![\w-])-(\w)\b(?!-)", head)
        for n, name in enumerate(longs):
            # "-o, --output": the short option precedes its long one
            options[name] = shorts[n] if n < len(shorts) and len(longs) == 1 else None
    return options, th_version


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: %s IMGCOMPRESS MANPAGE\n" % argv[0])
        return 2
    tool, page = argv[1], argv[2]
    helped = help_options(tool)
    documented, th_version = man_options(page)
    problems = []
    if not helped:
        problems.append("no option found in `imgcompress --help`")
    for name, short in sorted(helped.items()):
        if name not in documented:
            problems.append("--%s is in --help but not in the man page" % name)
        elif short and documented[name] != short:
            problems.append("--%s: --help says -%s, the man page -%s"
                            % (name, short, documented[name]))
    for name in sorted(documented):
        if name not in helped:
            problems.append("the man page documents --%s, which --help does not list"
                            % name)
    tool_version = version(tool)
    if th_version != tool_version:
        problems.append("the man page is for version %s, the tool is %s"
                        % (th_version, tool_version))
    for p in problems:
        print(p)
    if problems:
        print("\nupdate %s" % page)
        return 1
    print("%d options of --help documented in %s" % (len(helped), page))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

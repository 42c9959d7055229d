#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Regenerates the generated docs and compares them with the committed
ones (meson tests docs_plugins_cache and docs_element_pages), or rewrites
the committed ones (--update, the update-docs run target).

Cache:  --gen-cache EXE --plugins SO... --cache COMMITTED [--built-cache OUT]
Pages:  --source-root DIR --cache COMMITTED --pages DIR [--built-pages OUT]

A difference fails with a unified diff and the command that fixes it.  The
cache check also fails when one of our elements has a property without a
description a user can act on.
"""

import argparse
import difflib
import json
import os
import subprocess
import sys

import importlib.util

_spec = importlib.util.spec_from_file_location(
    "gen_element_pages", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                      "gen-element-pages.py"))
gen_element_pages = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen_element_pages)

FIX = "run `ninja -C <builddir> update-docs` and commit the result"


def diff(committed_text, built_text, committed_name, built_name):
    return list(difflib.unified_diff(committed_text.splitlines(True),
                                     built_text.splitlines(True),
                                     committed_name, built_name))


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def generate_cache(exe, plugins, out):
    subprocess.run([exe, out] + plugins, check=True)


def weak_blurbs(cache):
    """Properties whose blurb says no more than the name."""
    problems = []
    for pname, plugin in sorted(cache.items()):
        for ename, el in sorted(plugin["elements"].items()):
            for prop, p in sorted(el["properties"].items()):
                blurb = (p.get("blurb") or "").strip()
                if (len(blurb.split()) < 4 or blurb.lower() == p.get("nick", "").lower()
                        or blurb.lower() == prop.replace("-", " ")):
                    problems.append("%s:%s: blurb too thin: %r" % (ename, prop, blurb))
    return problems


def check_cache(args):
    os.makedirs(os.path.dirname(os.path.abspath(args.built_cache)), exist_ok=True)
    generate_cache(args.gen_cache, args.plugins, args.built_cache)
    built = read(args.built_cache)
    lines = diff(read(args.cache), built, args.cache, args.built_cache)
    failed = False
    if lines:
        sys.stdout.writelines(lines)
        print("\ndocs/plugins_cache.json is stale: %s" % FIX)
        failed = True
    problems = weak_blurbs(json.loads(built))
    for p in problems:
        print(p)
    if problems:
        print("\nevery property needs a description a user can act on "
              "(what it does, its unit or format, its default)")
        failed = True
    return 1 if failed else 0


def check_pages(args):
    pages = gen_element_pages.generate(args.cache, args.source_root)
    gen_element_pages.write_pages(pages, args.built_pages)
    committed = sorted(f for f in os.listdir(args.pages) if f.endswith(".md")) \
        if os.path.isdir(args.pages) else []
    failed = False
    for name in sorted(set(committed) | set(pages)):
        cpath = os.path.join(args.pages, name)
        lines = diff(read(cpath), pages.get(name, ""), cpath,
                     os.path.join(args.built_pages, name))
        if lines:
            sys.stdout.writelines(lines)
            failed = True
    if failed:
        print("\ndocs/elements/ is stale: %s" % FIX)
    return 1 if failed else 0


def update(args):
    generate_cache(args.gen_cache, args.plugins, args.cache)
    gen_element_pages.write_pages(
        gen_element_pages.generate(args.cache, args.source_root), args.pages)
    print("updated %s and %s" % (args.cache, args.pages))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", action="store_true")
    ap.add_argument("--gen-cache")
    ap.add_argument("--plugins", nargs="+", default=[])
    ap.add_argument("--source-root")
    ap.add_argument("--cache", required=True)
    ap.add_argument("--built-cache")
    ap.add_argument("--pages")
    ap.add_argument("--built-pages")
    args = ap.parse_args()
    if args.update:
        return update(args)
    status = 0
    if args.built_cache:
        status |= check_cache(args)
    if args.built_pages:
        status |= check_pages(args)
    return status


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# gst-imgcompress
# Copyright (C) 2026 gst-imgcompress authors
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes docs/elements/<element>.md for every element of
docs/plugins_cache.json, plus docs/elements/index.md.

    gen-element-pages.py CACHE.json SOURCE_ROOT OUTDIR

The reference (pads, properties, types) comes from the cache, which
gen-plugins-cache.c generates from the built plugins; the prose (title,
description, example launch line) from the element's `SECTION:element-NAME`
comment in its C file.  Only the standard library is used, and the output
depends on nothing but those inputs, so it can be regenerated and compared.
"""

import json
import os
import re
import sys

SOURCE_DIRS = ("gst", "ext")

TYPE_NAMES = {
    "gboolean": "boolean",
    "gchararray": "string",
    "gint": "int",
    "guint": "unsigned int",
    "gint64": "int64",
    "guint64": "unsigned int64",
    "glong": "long",
    "gulong": "unsigned long",
    "gfloat": "float",
    "gdouble": "double",
}

MUTABILITY = {
    "playing": "can be changed in any state, also while PLAYING",
    "paused": "can be changed up to the PAUSED state",
    "ready": "can be changed only in the NULL or READY state",
    "null": "set it before the element starts (no mutability flag)",
}


def find_sections(source_root):
    """Maps element name -> (relative path, comment lines) of every
    SECTION:element-NAME comment under gst/ and ext/."""
    sections = {}
    for top in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(os.path.join(source_root, top)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(".c"):
                    continue
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for m in re.finditer(r"/\*\*\s*\n(.*?)\*/", text, re.S):
                    lines = [re.sub(r"^\s*\* ?", "", l) for l in m.group(1).split("\n")]
                    head = re.match(r"SECTION:element-(\S+)", lines[0].strip())
                    if head:
                        rel = os.path.relpath(path, source_root)
                        sections[head.group(1)] = (rel, lines[1:])
    return sections


def inline_markup(text, own_class):
    """gtk-doc inline markup to Markdown, leaving `code spans` alone."""
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 1:
            out.append(part)
            continue
        # One pass, so that a link made here is not rewritten again.
        def replace(m):
            if m.group("cls"):
                cls, prop = m.group("cls"), m.group("prop")
                # this project's base classes' properties are on the page
                if cls == own_class or cls.startswith("GstImgcompress"):
                    return "[`%s`](#%s)" % (prop, prop)
                return "`%s:%s`" % (cls, prop)
            if m.group("sym"):
                return "`%s`" % m.group("sym")
            if m.group("const"):
                return "`%s`" % m.group("const")
            return "`%s()`" % m.group("func")

        part = re.sub(r"#(?P<cls>\w+):(?P<prop>[\w-]+)|#(?P<sym>\w+)"
                      r"|%(?P<const>[A-Z]\w+)|(?<![\w`])(?P<func>\w+)\(\)",
                      replace, part)
        out.append(part)
    return "".join(out)


def join_launch_line(code_lines):
    """The example's lines as one runnable command: clang-format may have
    wrapped it without backslashes, so lines are joined with spaces."""
    words = " ".join(l.strip() for l in code_lines).split()
    return " ".join(w for w in words if w != "\\")


def parse_section(lines, own_class):
    """Returns dict(title, short, body (Markdown lines), launch, caption)."""
    doc = {"title": None, "short": None, "body": [], "launch": None, "caption": ""}
    i = 0
    # @title / @short_description (which may continue on indented lines)
    while i < len(lines):
        l = lines[i]
        m = re.match(r"@(\w+):\s*(.*)", l.strip())
        if not m:
            break
        key, value = m.group(1), m.group(2)
        i += 1
        while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
            value += " " + lines[i].strip()
            i += 1
        if key == "title":
            doc["title"] = value
        elif key == "short_description":
            doc["short"] = value
    in_example = False
    while i < len(lines):
        l = lines[i]
        if l.strip() == "## Example launch line":
            in_example = True
            i += 1
            continue
        if l.strip().startswith("|["):
            code = []
            i += 1
            while i < len(lines) and "]|" not in lines[i]:
                code.append(lines[i])
                i += 1
            tail = lines[i].split("]|", 1)[1].strip() if i < len(lines) else ""
            i += 1
            if in_example and doc["launch"] is None:
                caption = [tail] if tail else []
                while i < len(lines) and lines[i].strip():
                    caption.append(lines[i].strip())
                    i += 1
                doc["launch"] = join_launch_line(code)
                doc["caption"] = inline_markup(" ".join(caption), own_class)
            else:
                doc["body"].append("```")
                doc["body"].extend(c.rstrip() for c in code)
                doc["body"].append("```")
                if tail:
                    doc["body"].append(inline_markup(tail, own_class))
            continue
        if not in_example:
            doc["body"].append(inline_markup(l.rstrip(), own_class))
        i += 1
    while doc["body"] and not doc["body"][-1].strip():
        doc["body"].pop()
    while doc["body"] and not doc["body"][0].strip():
        doc["body"].pop(0)
    return doc


def type_name(t):
    return TYPE_NAMES.get(t, t)


def describe_property(name, p, other_types):
    out = ["### `%s`" % name, ""]
    blurb = p.get("blurb") or ""
    out.append(blurb if blurb.endswith(".") else blurb + ".")
    out.append("")
    facts = ["Type: %s" % type_name(p["type"])]
    if "min" in p:
        facts.append("range: %s to %s" % (p["min"], p["max"]))
    if p.get("default") is not None:
        facts.append("default: `%s`" % p["default"])
    access = [a for a in ("readable", "writable") if p.get(a)]
    if p.get("construct-only"):
        access.append("construct-only")
    if p.get("controllable"):
        access.append("controllable")
    facts.append(", ".join(access) or "no access")
    if p.get("writable"):
        facts.append(MUTABILITY.get(p.get("mutable", "null"), p.get("mutable")))
    out.append("- " + "; ".join(facts) + ".")
    enum = other_types.get(p["type"])
    if enum:
        out.append("- Values (%s `%s`):" % (enum["kind"], p["type"]))
        for v in enum["values"]:
            out.append("  - `%s` (%d): %s" % (v["nick"], v["value"], v["name"]))
    out.append("")
    return out


def format_caps(caps):
    return "\n".join(s.strip() for s in caps.split(";")) if caps else "ANY"


def element_page(name, el, plugin_name, plugin, section):
    own_class = el["hierarchy"][0]
    rel, lines = section if section else (None, [])
    doc = parse_section(lines, own_class)
    out = []
    out.append("<!-- Generated by docs/gen-element-pages.py from docs/plugins_cache.json")
    if rel:
        out.append("     and the SECTION comment of %s. Do not edit: run" % rel)
    else:
        out.append("     (no SECTION comment found). Do not edit: run")
    out.append("     `ninja -C build update-docs`. -->")
    out.append("")
    out.append("# %s" % name)
    out.append("")
    out.append("**%s**: %s" % (el["long-name"], el["description"]))
    out.append("")
    out.append("| | |")
    out.append("|---|---|")
    out.append("| Plugin | `%s` (%s) |" % (plugin_name, plugin["filename"]))
    out.append("| Klass | %s |" % el["klass"])
    out.append("| Rank | %s |" % el["rank"])
    out.append("| Author | %s |" % el["author"].replace("|", "\\|"))
    out.append("| Hierarchy | %s |" % " → ".join(reversed(el["hierarchy"])))
    if el["interfaces"]:
        out.append("| Interfaces | %s |" % ", ".join(el["interfaces"]))
    out.append("")
    if doc["short"]:
        out.append("_%s_" % inline_markup(doc["short"], own_class))
        out.append("")
    if doc["body"]:
        out.extend(doc["body"])
        out.append("")
    out.append("## Example launch line")
    out.append("")
    if doc["launch"]:
        out.append("```sh")
        out.append(doc["launch"])
        out.append("```")
        out.append("")
        if doc["caption"]:
            out.append(doc["caption"])
            out.append("")
    else:
        out.append("None in the element's documentation.")
        out.append("")
    out.append("## Pad templates")
    out.append("")
    for tname in sorted(el["pad-templates"]):
        t = el["pad-templates"][tname]
        out.append("### `%s`" % tname)
        out.append("")
        out.append("Direction: %s; presence: %s." % (t["direction"], t["presence"]))
        out.append("")
        out.append("```")
        out.append(format_caps(t["caps"]))
        out.append("```")
        out.append("")
    out.append("## Properties")
    out.append("")
    # this project's base classes (GstImgcompressImageDecoder) are
    # documented here, GStreamer's with GStreamer
    ours = [t for t in el["hierarchy"][1:] if t.startswith("GstImgcompress")]
    gst_base = [t for t in el["hierarchy"][1:]
                if not t.startswith("GstImgcompress")][0]
    if el["properties"]:
        if ours:
            out.append("The element's own properties and those of its base "
                       "class %s; those it inherits from GStreamer are "
                       "documented with %s." % (", ".join(ours), gst_base))
        else:
            out.append("The element's own properties; those it inherits are "
                       "documented with %s." % el["hierarchy"][1])
        out.append("")
        for pname in sorted(el["properties"]):
            out.extend(describe_property(pname, el["properties"][pname],
                                         plugin.get("other-types", {})))
    else:
        out.append("None of its own; see %s." % el["hierarchy"][1])
        out.append("")
    if el["signals"]:
        out.append("## Signals")
        out.append("")
        for sname in sorted(el["signals"]):
            s = el["signals"][sname]
            args = ", ".join("%s %s" % (type_name(a["type"]), a["name"]) for a in s["args"])
            out.append("- `%s` (%s) → %s%s" % (sname, args, type_name(s["return-type"]),
                                              ", action signal" if s["action"] else ""))
        out.append("")
    out.append("See also: [the protocol](../design.md#the-protocol), "
               "[all elements](index.md).")
    return "\n".join(out) + "\n"


def index_page(cache):
    out = ["<!-- Generated by docs/gen-element-pages.py from docs/plugins_cache.json.",
           "     Do not edit: run `ninja -C build update-docs`. -->", "",
           "# Element reference", "",
           "One page per element, generated from the built plugins "
           "([plugins_cache.json](../plugins_cache.json)) and each element's "
           "documentation comment. `gst-inspect-1.0 ELEMENT` shows the same "
           "properties.", ""]
    for pname in sorted(cache):
        plugin = cache[pname]
        out.append("## Plugin `%s`" % pname)
        out.append("")
        out.append(plugin["description"] + ".")
        out.append("")
        out.append("| Element | Long name | Klass | Rank |")
        out.append("|---|---|---|---|")
        for ename in sorted(plugin["elements"]):
            el = plugin["elements"][ename]
            out.append("| [%s](%s.md) | %s | %s | %s |" % (ename, ename, el["long-name"],
                                                          el["klass"], el["rank"]))
        out.append("")
    return "\n".join(out)


def generate(cache_path, source_root):
    """Returns {file name: text} of every page."""
    with open(cache_path, encoding="utf-8") as f:
        cache = json.load(f)
    sections = find_sections(source_root)
    pages = {"index.md": index_page(cache)}
    for pname, plugin in cache.items():
        for ename, el in plugin["elements"].items():
            pages[ename + ".md"] = element_page(ename, el, pname, plugin, sections.get(ename))
    return pages


def write_pages(pages, outdir):
    os.makedirs(outdir, exist_ok=True)
    for old in os.listdir(outdir):
        if old.endswith(".md") and old not in pages:
            os.unlink(os.path.join(outdir, old))
    for name, text in pages.items():
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            f.write(text)


def main(argv):
    if len(argv) != 4:
        sys.stderr.write("usage: %s CACHE.json SOURCE_ROOT OUTDIR\n" % argv[0])
        return 2
    write_pages(generate(argv[1], argv[2]), argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

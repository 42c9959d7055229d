"""Turns a result dictionary into the targets verdict, the JSON file,
the Markdown page and the gnuplot chart."""

import json
import os
import shutil
import subprocess
import tempfile

from .workload import FORMATS, VARIANTS

MIB = 2**20

# Targets of issue 7 (medians, same run, 2 threads on the 2-core machine),
# on the large workload.
WALL_TARGETS = (("pillow", 0.5), ("gst", 0.3), ("sharp", 0.25))
SSIM_TOLERANCE = 0.002
RSS_TARGET_MIB = 128
TTFT_TARGET_S = 0.080
# Targets of issue 16: ours' wall time against Pillow's per workload (large:
# no worse than the last recorded run, bench/results/2026-11-27b-vm.json),
# peak RSS on large with 2 threads, the fixed cost of one 64x64 image.
WALL_VS_PILLOW_16 = {"small": 0.5, "phone": 0.35, "large": 0.47}
LARGE_BEFORE = "2026-11-27b-vm.json"
RSS_TARGET_16_MIB = 160
FIXED_COST_TARGET_MS = 3.0
TOOL_ORDER = ("ours", "pillow", "gst", "sharp")


def _median(result, tool, key):
    t = result["tools"].get(tool)
    if not t or not t.get("median"):
        return None
    return t["median"].get(key)


def _ssim(result, tool, key):
    t = result["tools"].get(tool) or {}
    q = (t.get("quality") or {}).get(key) or {}
    return q.get("mean_ssim")


def _target(tid, description, value, target, met, detail, issue=7):
    return {
        "id": tid,
        "issue": issue,
        "description": description,
        "value": value,
        "target": target,
        "met": met,
        "detail": detail,
    }


def _why(result, *names):
    """Why a figure of names is missing: their statuses."""
    parts = []
    for name in names:
        t = result["tools"].get(name)
        if t is None:
            parts.append("%s not run (--tools)" % name)
        elif t.get("status") != "ok" or not t.get("median"):
            parts.append("%s %s" % (name, t.get("status") or "failed"))
    return ", ".join(parts) or "no figure"


def _ratio_target(result, tid, description, ours, anchor, limit, what, anchor_name):
    if ours is None or anchor is None or anchor <= 0:
        return _target(tid, description, None, limit, None, _why(result, "ours", anchor_name))
    ratio = ours / anchor
    if ratio <= limit:
        detail = "%.2fx (limit %.2fx)" % (ratio, limit)
    else:
        detail = "%.2fx, limit %.2fx: ours needs %.0f%% less %s" % (
            ratio,
            limit,
            100 * (1 - limit / ratio),
            what,
        )
    return _target(tid, description, ratio, limit, ratio <= limit, detail)


def evaluate_targets(result):
    """The targets of result's workload: equal bytes and SSIM everywhere;
    on large those of issue 7 and issue 16's no-worse wall time and peak
    RSS; on phone and small issue 16's wall time against Pillow."""
    name = (result.get("workload") or {}).get("name", "large")
    targets = []
    ours_wall = _median(result, "ours", "wall_s")
    if name == "large":
        for anchor, limit in WALL_TARGETS:
            targets.append(_wall_target(result, ours_wall, anchor, limit, 7))
    # Issue 7 set them on large; issue 16's speed targets assume them too.
    targets += _equal_output_targets(result, 7 if name == "large" else 16)
    if name == "large":
        targets.append(_rss_target(result, RSS_TARGET_MIB, 7))
        targets.append(_ttft_target(result))
    limit = WALL_VS_PILLOW_16.get(name)
    if limit is not None:
        target = _wall_target(result, ours_wall, "pillow", limit, 16)
        if name == "large":
            target["id"] = "wall_vs_pillow_as_before"
            target["description"] = "wall time: ours <= %.2f x pillow (as in %s)" % (
                limit, LARGE_BEFORE)
        targets.append(target)
    if name == "large":
        if result.get("threads") == 2:
            targets.append(_rss_target(result, RSS_TARGET_16_MIB, 16))
        else:
            targets.append(_target("peak_rss_16", "peak RSS <= %d MiB, 2 threads"
                                   % RSS_TARGET_16_MIB, None, RSS_TARGET_16_MIB, None,
                                   "run with %s threads" % result.get("threads"), 16))
    return targets


def _wall_target(result, ours_wall, anchor, limit, issue):
    target = _ratio_target(
        result,
        "wall_vs_" + anchor,
        "wall time: ours <= %.2f x %s" % (limit, anchor),
        ours_wall,
        _median(result, anchor, "wall_s"),
        limit,
        "wall time",
        anchor,
    )
    target["issue"] = issue
    return target


def _equal_output_targets(result, issue):
    """Total bytes no more than Pillow's, SSIM per output no lower than
    Pillow's by more than SSIM_TOLERANCE: what every speed target assumes."""
    targets = [
        _ratio_target(
            result,
            "bytes_vs_pillow",
            "total bytes: ours <= Pillow's",
            _median(result, "ours", "output_bytes"),
            _median(result, "pillow", "output_bytes"),
            1.0,
            "output bytes",
            "pillow",
        )
    ]
    for variant in VARIANTS:
        for fmt in FORMATS:
            key = "%s/%s" % (variant.name, fmt.name)
            ours, pillow = _ssim(result, "ours", key), _ssim(result, "pillow", key)
            desc = "SSIM %s: ours >= Pillow's - %.3f" % (key, SSIM_TOLERANCE)
            if ours is None or pillow is None:
                targets.append(_target("ssim_" + key, desc, None, None, None,
                                       _why(result, "ours", "pillow")))
                continue
            diff = ours - pillow
            met = diff >= -SSIM_TOLERANCE
            detail = "%.4f vs %.4f (%+.4f)" % (ours, pillow, diff)
            if not met:
                detail += ", short by %.4f" % (-SSIM_TOLERANCE - diff)
            targets.append(_target("ssim_" + key, desc, diff, -SSIM_TOLERANCE, met, detail))
    for target in targets:
        target["issue"] = issue
    return targets


def _rss_target(result, limit_mib, issue):
    tid = "peak_rss" if issue == 7 else "peak_rss_%d" % issue
    desc = "peak RSS <= %d MiB" % limit_mib + (", 2 threads" if issue == 16 else "")
    rss = _median(result, "ours", "peak_rss_bytes")
    if rss is None:
        return _target(tid, desc, None, limit_mib, None, _why(result, "ours"), issue)
    mib = rss / MIB
    met = mib <= limit_mib
    detail = "%.0f MiB" % mib
    if not met:
        detail += ", %.0f MiB over" % (mib - limit_mib)
    return _target(tid, desc, mib, limit_mib, met, detail, issue)


def _ttft_target(result):
    ttft = ((result.get("ours_extra") or {}).get("time_to_first_thumbnail") or {}).get("median_s")
    if ttft is None:
        why = _why(result, "ours")
        if why == "no figure":
            why = ((result.get("ours_extra") or {}).get("time_to_first_thumbnail") or {}).get(
                "error", why)
        return _target("ttft", "time to first thumbnail <= 80 ms", None, TTFT_TARGET_S,
                       None, why)
    met = ttft <= TTFT_TARGET_S
    detail = "%.0f ms" % (ttft * 1000)
    if not met:
        detail += ", %.0f ms over" % ((ttft - TTFT_TARGET_S) * 1000)
    return _target("ttft", "time to first thumbnail <= 80 ms", ttft, TTFT_TARGET_S, met, detail)


def evaluate_fixed_cost_targets(fixed):
    """Issue 16's fixed cost of one image, in-process and through the tool
    (the latter includes creating its 6 files)."""
    targets = []
    for key, tid, desc in (
        ("in_process", "fixed_cost", "fixed cost of a 64x64 image, in-process: <= %.0f ms CPU"),
        ("tool", "fixed_cost_tool",
         "fixed cost of a 64x64 image, the tool (writes 6 files): <= %.0f ms CPU"),
    ):
        part = fixed.get(key) or {}
        value = part.get("cpu_ms_per_image")
        desc = desc % FIXED_COST_TARGET_MS
        if value is None:
            why = part.get("error") or fixed.get("error") or "no figure"
            targets.append(_target(tid, desc, None, FIXED_COST_TARGET_MS, None, why, 16))
            continue
        met = value <= FIXED_COST_TARGET_MS
        detail = "%.2f ms" % value
        if not met:
            detail += ", %.2f ms over" % (value - FIXED_COST_TARGET_MS)
        targets.append(_target(tid, desc, value, FIXED_COST_TARGET_MS, met, detail, 16))
    return targets


def verdict_word(target, markdown=False):
    word = {True: "met", False: "missed", None: "not measured"}[target["met"]]
    return "**%s**" % word if markdown and target["met"] is not None else word


def write_json(result, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)


# -- chart ---------------------------------------------------------------------


def write_chart(result, path):
    """Bar charts of median wall time and output bytes per tool, and, when
    measured, ours' per-image cost against megapixels with its fitted line.
    Returns None on success, else why no chart was drawn."""
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        return "gnuplot not installed (Debian package gnuplot-nox)"
    rows = []
    for name in _tools_in_order(result):
        median = result["tools"][name].get("median")
        if median:
            rows.append((result["tools"][name].get("label") or name, median["wall_s"],
                         median["output_bytes"] / 1e6))
    if not rows:
        return "no tool finished"
    cost = ((result.get("ours_extra") or {}).get("per_image_cost") or {})
    points, fit = cost.get("points") or [], cost.get("fit")
    panels = 3 if points and fit else 2
    listing = subprocess.run([gnuplot, "-e", "set terminal"], capture_output=True, text=True)
    size = "%d,420" % (500 * panels)
    terminal = ("pngcairo size %s font 'sans,10'" % size
                if "pngcairo" in listing.stdout + listing.stderr else "png size " + size)
    title = "%s: %d images, %d threads, %s" % (
        (result.get("workload") or {}).get("name", "large"),
        len(result["corpus"]["images"]),
        result["threads"],
        "quick run" if result["quick"] else
        "median of %d rounds" % result["rounds"] if result["rounds"] > 1 else "1 round",
    )
    with tempfile.TemporaryDirectory() as tmp:
        bars = os.path.join(tmp, "bars")
        with open(bars, "w") as f:
            for label, wall, mb in rows:
                f.write('"%s" %.4f %.4f\n' % (label.replace('"', "'"), wall, mb))
        script = [
            "set terminal " + terminal,
            "set output '%s'" % path.replace("'", "''"),
            "set multiplot layout 1,%d title '%s'" % (panels, title),
            "set style fill solid 0.7 border -1",
            "set boxwidth 0.6 absolute",
            "set xrange [-0.6:%f]" % (len(rows) - 0.4),
            "set grid ytics",
            "unset key",
            "set xtics rotate by -20 scale 0",
            "set title 'Wall time (s, lower is better)'",
            "set yrange [0:%f]" % (1.15 * max(r[1] for r in rows)),
            "plot '%s' using 0:2:xtic(1) with boxes lc rgb '#3b6ea5', "
            "'' using 0:2:(sprintf('%%.2f', $2)) with labels offset 0,0.7 notitle" % bars,
            "set title 'Output (MB, all 6 files per image)'",
            "set yrange [0:%f]" % (1.15 * max(r[2] for r in rows)),
            "plot '%s' using 0:3:xtic(1) with boxes lc rgb '#c8702a', "
            "'' using 0:3:(sprintf('%%.2f', $3)) with labels offset 0,0.7 notitle" % bars,
        ]
        if panels == 3:
            scatter = os.path.join(tmp, "cost")
            with open(scatter, "w") as f:
                for p in points:
                    f.write("%.4f %.3f %d\n" % (p["megapixels"], p["time_ms"],
                                                 1 if p.get("progressive") else 0))
            script += [
                "set title 'Ours: per-image time vs megapixels (1 thread)'",
                "set xtics norotate autofreq",
                "set xlabel 'megapixels'",
                "set ylabel 'ms'",
                "set grid xtics ytics",
                "set xrange [0:*]",
                "set yrange [0:*]",
                "set key top left",
                "plot '%s' using 1:($3 == 0 ? $2 : 1/0) with points pt 7 lc rgb '#3b6ea5' "
                "title 'baseline', '' using 1:($3 == 1 ? $2 : 1/0) with points pt 5 "
                "lc rgb '#c8702a' title 'progressive', %f + %f * x with lines "
                "lc rgb '#888888' title 'fit, all'"
                % (scatter, fit["intercept_ms"], fit["slope_ms_per_mp"])
                + "".join(
                    ", %f + %f * x with lines dt 2 lc rgb '%s' title 'fit, %s'"
                    % (k["intercept_ms"], k["slope_ms_per_mp"], colour, kind)
                    for kind, colour in (("baseline", "#3b6ea5"), ("progressive", "#c8702a"))
                    for k in [cost.get("fit_" + kind)]
                    if k
                ),
            ]
        script.append("unset multiplot")
        out = subprocess.run([gnuplot], input="\n".join(script), capture_output=True, text=True)
    if out.returncode != 0 or not os.path.exists(path):
        return "gnuplot failed: %s" % out.stderr.strip()[-300:]
    return None


# -- Markdown ------------------------------------------------------------------


def _tools_in_order(result):
    names = [n for n in TOOL_ORDER if n in result["tools"]]
    return names + [n for n in result["tools"] if n not in names]


def _fmt(value, spec, scale=1.0):
    return "-" if value is None else format(value / scale, spec)


def _versions_line(result):
    v = result.get("versions") or {}
    pk = (result.get("machine") or {}).get("packages") or {}
    parts = []
    if v.get("gstreamer"):
        parts.append(v["gstreamer"])
    if pk.get("libturbojpeg0"):
        parts.append("libjpeg-turbo %s (Debian libturbojpeg0)" % pk["libturbojpeg0"])
    if pk.get("libwebp7"):
        parts.append("libwebp %s (Debian libwebp7)" % pk["libwebp7"])
    if v.get("pillow"):
        parts.append(
            "Pillow %s (libjpeg-turbo %s, libwebp %s), Python %s"
            % (v["pillow"], v.get("pillow_libjpeg"), v.get("pillow_libwebp"), v.get("python"))
        )
    if v.get("sharp"):
        parts.append(
            "sharp %s (libvips %s, mozjpeg %s, libwebp %s), Node.js %s"
            % (v["sharp"], v.get("libvips"), v.get("sharp_mozjpeg"), v.get("sharp_libwebp"),
               v.get("node"))
        )
    if v.get("imgcompress"):
        parts.append(v["imgcompress"])
    return "; ".join(parts)


def render_markdown(results, chart_names, chart_errors):
    """The page of one invocation: its workloads (results, in run order)
    side by side, then each in full, the fixed cost, the method."""
    first, last = results[0], results[-1]
    m = first["machine"]
    lines = [
        "# Performance",
        "",
        "<!-- Generated by bench/run from %s; do not edit by hand. -->"
        % ", ".join(r.get("results_file", "its JSON results") for r in results),
        "",
        "Run of %s UTC on `%s`, source %s:" % (first["started"].replace("T", " ")[:16],
                                               m.get("hostname"), m.get("git") or "unknown"),
        "",
        "    " + first["command"],
        "",
    ]
    if first["quick"]:
        lines += [
            "> **Quick run** (CI smoke test: %d images per workload, %d round). Its figures "
            "say the harness works, not how fast anything is."
            % (len(first["corpus"]["images"]), first["rounds"]),
            "",
        ]
    if first.get("note"):
        lines += ["> **Note:** " + first["note"], ""]
    load0 = m.get("load_average_start")
    load1 = (last.get("machine") or {}).get("load_average_end")
    lines += [
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        "| CPU | %s, %s cores |" % (m.get("cpu_model"), m.get("nproc")),
        "| Memory | %s GiB |" % _fmt(m.get("memory_bytes"), ".1f", 2**30),
        "| System | %s, kernel %s |" % (m.get("os"), m.get("kernel")),
        "| Load average (1/5/15 min) | at start %s, at end %s |"
        % (" ".join(map(str, load0 or [])), " ".join(map(str, load1 or []))),
        "| Versions | %s |" % _versions_line(first),
        "",
    ]
    lines += _summary(results)
    for result in results:
        name = result["workload"]["name"]
        lines += _workload_section(result, chart_names.get(name), chart_errors.get(name))
    lines += _fixed_cost_section(first.get("fixed_cost"))
    lines += _method(first)
    return "\n".join(lines) + "\n"


def _ratio(a, b):
    return "-" if a is None or not b else "%.2fx" % (a / b)


def _summary(results):
    lines = [
        "## Summary: ours against Pillow per workload",
        "",
        "| Workload | Images | Ours wall s | Pillow wall s | **Wall ours / Pillow** | "
        "Ours CPU s | Pillow CPU s | **CPU ours / Pillow** | Ours peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        w = r["workload"]
        ours_wall, pil_wall = _median(r, "ours", "wall_s"), _median(r, "pillow", "wall_s")
        ours_cpu, pil_cpu = _median(r, "ours", "cpu_s"), _median(r, "pillow", "cpu_s")
        lines.append("| %s (%s) | %d | %s | %s | **%s** | %s | %s | **%s** | %s |" % (
            w["name"], "%dx%d" % tuple(w["size"]) if w.get("size") else "corpus photos",
            len(r["corpus"]["images"]), _fmt(ours_wall, ".2f"), _fmt(pil_wall, ".2f"),
            _ratio(ours_wall, pil_wall), _fmt(ours_cpu, ".2f"), _fmt(pil_cpu, ".2f"),
            _ratio(ours_cpu, pil_cpu), _fmt(_median(r, "ours", "peak_rss_bytes"), ".0f", MIB)))
    fixed = results[0].get("fixed_cost")
    lines += ["", "### Targets of issue 16", "", "| Target | Verdict |", "|---|---|"]
    for r in results:
        for t in r.get("targets", []):
            if t.get("issue") == 16 and not _is_equal_output(t):
                lines.append("| %s: %s | %s |" % (r["workload"]["name"], t["description"],
                                                  _verdict_cell(t)))
        lines.append("| %s: equal output (bytes, SSIM of each output) | %s |"
                     % (r["workload"]["name"], _equal_output_cell(r)))
    for t in (fixed or {}).get("targets", []):
        lines.append("| %s | %s |" % (t["description"], _verdict_cell(t)))
    if not fixed:
        lines.append("| fixed cost of a 64x64 image | not measured (--fixed-cost 0, or ours "
                     "not among the tools) |")
    lines += ["", "Speed targets hold at equal output; each workload's section below gives "
              "its bytes and SSIM in full.", ""]
    return lines


def _is_equal_output(target):
    return target["id"] == "bytes_vs_pillow" or target["id"].startswith("ssim_")


def _equal_output_cell(result):
    """The bytes and SSIM targets of result in one cell: met, or which not."""
    targets = [t for t in result.get("targets", []) if _is_equal_output(t)]
    missed = [t for t in targets if t["met"] is False]
    unmeasured = [t for t in targets if t["met"] is None]
    if unmeasured:
        return "not measured (%s)" % unmeasured[0]["detail"]
    if not missed:
        return "**met**: bytes %s, SSIM within %.3f of Pillow's on all %d outputs" % (
            targets[0]["detail"].split(" ")[0], SSIM_TOLERANCE, len(targets) - 1)
    return "**missed**: " + "; ".join(
        "%s %s" % (t["id"].replace("ssim_", "SSIM ").replace("bytes_vs_pillow", "bytes"),
                   t["detail"]) for t in missed)


def _verdict_cell(target):
    if target["met"] is None:
        return "not measured (%s)" % target["detail"]
    return "%s: %s" % (verdict_word(target, markdown=True), target["detail"])


def _workload_section(result, chart_name, chart_error):
    w = result["workload"]
    corpus = result["corpus"]
    images = corpus["images"]
    subset = "all" if len(images) == corpus["images_in_corpus"] else "a subset"
    if w.get("size"):
        what = (
            "%d JPEGs of %dx%d (%s of the %d), %s, made from the %s photos of the corpus "
            "as *How it is measured* says and cached in `%s`. "
            % (len(images), w["size"][0], w["size"][1], subset, corpus["images_in_corpus"],
               w["description"], w.get("source_photos", "the"), _home(w["dir"]))
        )
    else:
        what = (
            "%d JPEG photos (%s of the corpus's %d), %d progressive, from %s to %s pixels: "
            "the JPEGs of the Debian packages mate-backgrounds and lomiri-wallpapers-20.04 "
            "(`tests/files/fetch-corpus.sh`; the design brief counts 19 JPEGs, the packages "
            "hold 20). "
            % (
                len(images),
                subset,
                corpus["images_in_corpus"],
                sum(1 for i in images if i["progressive"]),
                _dims(min(images, key=lambda i: i["width"] * i["height"])) if images else "-",
                _dims(max(images, key=lambda i: i["width"] * i["height"])) if images else "-",
            )
        )
    lines = [
        "## Workload %s" % w["name"],
        "",
        what
        + "Each image becomes 6 files: "
        + ", ".join(
            "%s %d px (JPEG q%d, WebP q%d)" % (v["name"], v["box"], v["jpeg_quality"],
                                              v["webp_quality"])
            for v in result["variants"]
        )
        + ", never enlarged. Every tool gets %d threads; %s." % (
            result["threads"],
            "1 round" if result["rounds"] == 1 else
            "%d rounds, tools alternating (the order rotates each round), medians reported"
            % result["rounds"],
        ),
        "",
        "| Tool | Wall s | CPU s | Peak RSS MiB | Output MB | Wall / ours | Status |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    ours_wall = _median(result, "ours", "wall_s")
    for name in _tools_in_order(result):
        t = result["tools"][name]
        med = t.get("median") or {}
        status = t.get("status")
        if status != "ok":
            status = "%s: %s" % (status, (t.get("reason") or "").replace("|", "\\|")[:300])
        ratio = "-"
        if med.get("wall_s") and ours_wall and name != "ours":
            ratio = "%.2fx" % (med["wall_s"] / ours_wall)
        lines.append(
            "| %s | %s | %s | %s | %s | %s | %s |"
            % (
                t.get("label") or name,
                _fmt(med.get("wall_s"), ".2f"),
                _fmt(med.get("cpu_s"), ".2f"),
                _fmt(med.get("peak_rss_bytes"), ".0f", MIB),
                _fmt(med.get("output_bytes"), ".2f", 1e6),
                ratio,
                status,
            )
        )
    spreads = []
    for name in _tools_in_order(result):
        t = result["tools"][name]
        walls = ["%.2f" % r["wall_s"] for r in t.get("rounds", []) if r.get("ok")]
        if len(walls) > 1:
            spreads.append("%s %s" % (t.get("label") or name, ", ".join(walls)))
    if spreads:
        lines += ["", "Wall time of each round (s), in round order: " + "; ".join(spreads) + "."]
    lines += _quality_table(result)
    lines += ["", "### Targets", "", "| Target | Issue | Verdict |", "|---|---|---|"]
    for target in result.get("targets", []):
        lines.append("| %s | %s | %s |" % (target["description"], target.get("issue", 7),
                                            _verdict_cell(target)))
    if w["name"] == "large":
        lines += ["", "### Ours alone", ""]
        lines += _ours_alone(result)
    lines += [""]
    if chart_error:
        lines += ["(No chart: %s.)" % chart_error, ""]
    elif chart_name:
        lines += ["![%s: wall time and output bytes per tool%s](%s)"
                  % (w["name"], "; ours' per-image cost" if w["name"] == "large" else "",
                     chart_name), ""]
    return lines


def _home(path):
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if home and home != "/" and path.startswith(home + "/") \
        else path


def _quality_table(result):
    keys = ["%s/%s" % (v.name, f.name) for v in VARIANTS for f in FORMATS]
    heads = ["%s %s" % (v.name, "JPEG" if f.name == "jpeg" else "WebP")
             for v in VARIANTS for f in FORMATS]
    lines = [
        "",
        "Mean luma SSIM against a Lanczos resize of the full-resolution original "
        "(higher is better), and output MB per (variant, format):",
        "",
        "| Tool | " + " | ".join(heads) + " |",
        "|---|" + "---:|" * len(heads),
    ]
    notes = []
    for name in _tools_in_order(result):
        t = result["tools"][name]
        q = t.get("quality")
        if not q:
            continue
        by = t.get("output_bytes_by_variant_format") or {}
        cells = []
        for key in keys:
            entry = q.get(key) or {}
            cells.append("%s (%s MB)" % (_fmt(entry.get("mean_ssim"), ".4f"),
                                          _fmt(by.get(key), ".2f", 1e6)))
            if entry.get("size_mismatches"):
                notes.append("%s %s: %d output(s) not at the expected size, e.g. %s"
                             % (t.get("label") or name, key, len(entry["size_mismatches"]),
                                entry["size_mismatches"][0]))
            if entry.get("errors"):
                notes.append("%s %s: %d output(s) could not be scored, e.g. %s"
                             % (t.get("label") or name, key, len(entry["errors"]),
                                entry["errors"][0]))
        lines.append("| %s | %s |" % (t.get("label") or name, " | ".join(cells)))
    if notes:
        lines += [""] + ["- " + n for n in notes]
    return lines


def _fixed_cost_section(fixed):
    lines = ["## Fixed cost of one image", ""]
    if not fixed:
        return lines + ["Not measured in this run (`--fixed-cost 0`, or ours not among the "
                        "tools).", ""]
    if fixed.get("error"):
        return lines + ["Not measured: %s." % fixed["error"], ""]
    image = fixed.get("image") or {}
    lines += [
        "CPU time of one %dx%d JPEG (%s bytes) through all six outputs (all %dx%d: nothing "
        "is enlarged), fixed qualities, measured by `%s` (medians over its passes; load "
        "average %s at its start, %s at its end):"
        % (image.get("width", 64), image.get("height", 64), image.get("bytes", "?"),
           image.get("width", 64), image.get("height", 64), fixed.get("command"),
           " ".join(map(str, fixed.get("load_average_start") or [])),
           " ".join(map(str, fixed.get("load_average_end") or []))),
        "",
    ]
    lines.append(_part_line(fixed, "in_process", "In-process", lambda p: (
        "- **In-process: %.2f ms per image** (%d images per pass after %d unmeasured): "
        "one long-lived `appsrc ! imgcompressbin output=pads on-error=skip` pipeline "
        "with fakesinks, fed from Python, one upload at a time, %.2f ms of process CPU "
        "per image, minus %.2f ms for the same loop into `appsrc ! fakesink` (Python "
        "feeding the pipeline); %.2f ms of wall time per image."
        % (p["cpu_ms_per_image"], p["images"], p["warm_up"], p["bin_cpu_ms_per_image"],
           p["feeding_cpu_ms_per_image"], p["bin_wall_ms_per_image"]))))
    lines.append(_part_line(fixed, "tool", "The tool", lambda p: (
        "- **The tool: %.2f ms per image**: `imgcompress -j %d` on %d copies of the image "
        "minus on 1 copy, divided by %d, CPU of the process; each run writes into a "
        "fresh directory, so this includes creating 6 files per image."
        % (p["cpu_ms_per_image"], p["threads"], p["images"], p["images"] - 1))))
    lines.append(_part_line(fixed, "file_creation", "Creating files", lambda p: (
        "- Creating files costs a lot on this machine's ext4: %d files of %d bytes, each "
        "written to a temporary name and renamed (what the tool does, without fsync), "
        "take **%.2f ms** of CPU per image from Python alone, into a fresh directory."
        % (p["files_per_image"], p["file_bytes"], p["cpu_ms_per_image"]))))
    return lines + [""]


def _part_line(fixed, key, label, describe):
    """The bullet of one part of the fixed cost: describe(part) when it was
    measured, else why not."""
    part = fixed.get(key) or {}
    if part.get("cpu_ms_per_image") is None:
        return "- %s: not measured (%s)." % (label, part.get("error"))
    return describe(part)


def _dims(image):
    return "%dx%d" % (image["width"], image["height"])


def _ours_alone(result):
    extra = result.get("ours_extra")
    if not extra:
        return ["Not measured: ours did not run (see its status above)."]
    lines = []
    ttft = extra.get("time_to_first_thumbnail") or {}
    if ttft.get("median_s") is not None:
        lines.append(
            "- Time to first thumbnail: **%.0f ms** (median of %d; runs %s ms) for %s "
            "(%dx%d, %s), run with `--thumbnails-first` (the seed's progressive "
            "loading), from just before the process is started until the first "
            "thumbnail file (JPEG or WebP) exists; the whole process took %.0f ms."
            % (
                ttft["median_s"] * 1000,
                len(ttft["runs_s"]),
                ", ".join("%.0f" % (t * 1000) for t in ttft["runs_s"]),
                ttft["image"],
                ttft["width"],
                ttft["height"],
                "progressive" if ttft["progressive"] else "baseline",
                ttft["process_wall_median_s"] * 1000,
            )
        )
    else:
        lines.append("- Time to first thumbnail: not measured (%s)." % ttft.get("error"))
    cost = extra.get("per_image_cost") or {}
    fit = cost.get("fit")
    if fit:
        lines.append(
            "- Per-image cost: **%.1f ms per megapixel + %.1f ms** (least-squares line "
            "over %d images, r^2 = %.3f; %s)."
            % (fit["slope_ms_per_mp"], fit["intercept_ms"], fit["n"], fit["r2"],
               cost.get("method"))
        )
        for kind in ("baseline", "progressive"):
            kfit = cost.get("fit_" + kind)
            if kfit:
                lines.append(
                    "  - %s JPEGs only: %.1f ms per megapixel + %.1f ms (%d images, r^2 = %.3f)."
                    % (kind.capitalize(), kfit["slope_ms_per_mp"], kfit["intercept_ms"],
                       kfit["n"], kfit["r2"])
                )
    else:
        lines.append("- Per-image cost: not measured (%s)."
                     % (cost.get("error") or "too few points"))
    tp = extra.get("throughput") or {}
    parts = []
    for threads in ("1", "2"):
        entry = tp.get(threads) or {}
        if entry.get("images_per_s"):
            parts.append("%s thread%s **%.2f images/s** (%.2f s, %s)"
                         % (threads, "" if threads == "1" else "s", entry["images_per_s"],
                            entry["wall_s"], entry["source"]))
        else:
            parts.append("%s thread(s): not measured (%s)" % (threads, entry.get("error")))
    if (tp.get("1") or {}).get("images_per_s") and (tp.get("2") or {}).get("images_per_s"):
        parts.append("speed-up %.2fx" % (tp["2"]["images_per_s"] / tp["1"]["images_per_s"]))
    lines.append("- Throughput: " + "; ".join(parts) + ".")
    return lines


def _method(result):
    return [
        "## How it is measured",
        "",
        "- **Tools.** *ours*: `build/tools/imgcompress/imgcompress -q -j N "
        "--adaptive-quality off --variants ... --formats jpeg,webp --layout flat -o OUT FILES...` with the "
        "build-tree plugins (adaptive quality off and the variants spelled out so it does "
        "exactly the others' workload). *Pillow*: `bench/pillow_service.py -j N` (the seed's "
        "service: thread pool, `Image.thumbnail(box, LANCZOS)` per variant, JPEG "
        "`optimize=True`, WebP default method; sequential below 5 images). *stock "
        "GStreamer*: one `gst-launch-1.0` per image, N at a time: `filesrc ! jpegdec ! "
        "videoconvert ! tee`, per variant `queue ! videoscale method=lanczos ! "
        "video/x-raw,width=W,height=H ! tee`, per format `queue ! jpegenc quality=Q ! "
        "filesink` / `queue ! webpenc quality=Q ! filesink`, with W x H computed like "
        "`gst_imgcompress_fit_box()`. *sharp*: `bench/sharp_service.js` (npm-installed "
        "into `~/.cache/gst-imgcompress/sharp`): one `sharp(input)` per image, `clone()` "
        "per variant and format, `resize(d, d, {fit: 'inside', withoutEnlargement: true})`, "
        "`jpeg({quality})` / `webp({quality})`, N images in flight with "
        "`sharp.concurrency(1)` and `UV_THREADPOOL_SIZE=N`.",
        "- **Rounds.** One unmeasured warm-up run per tool on the smallest image (page "
        "cache, GStreamer registries -- one registry file per GStreamer tool, so "
        "alternating never triggers a rescan), then the rounds; within a round the tools "
        "run one after another, the order rotating each round. Figures are medians over "
        "the rounds.",
        "- **Wall time**: first process start to last exit. **CPU time**: user + system "
        "of all the tool's processes (`getrusage(RUSAGE_CHILDREN)` before/after). **Peak "
        "RSS**: the largest sum of resident memory (`/proc/PID/statm`) over the tool's "
        "processes and their descendants, sampled every 20 ms (short spikes between "
        "samples can be missed). **Output**: bytes of the 6 files per image.",
        "- **Quality**: luma = BT.601 Y (0.299 R + 0.587 G + 0.114 B) of the RGB Pillow "
        "decodes; SSIM over 8x8 windows every 4 pixels, uniform weights, C1 = (0.01*255)^2, "
        "C2 = (0.03*255)^2 (the definition of `imgcheck_luma_ssim()` in the unit tests); "
        "reference: `Image.resize(size, LANCZOS, reducing_gap=None)` of the original "
        "decoded at full resolution, to each output's own size. The mean is over images. "
        "Output sizes are also checked against the expected fit (bounding axis = box, "
        "other rounded half up, no enlargement).",
        "- **Workloads** (`--workload large|phone|small|all`): *large* is the corpus as it "
        "is; *phone* (1280x960) and *small* (320x240) are 100 JPEGs each made from its 20 "
        "photos by `bench/harness/derive.py`: per photo, in pixels as stored (EXIF "
        "orientation neither applied nor copied), the largest 4:3 region centred, 3/4 of it "
        "at the top-left and bottom-right corners, 1/2 of it at a quarter and three quarters "
        "of the free space across and down (never smaller than the target size), each "
        "resized to exactly the target size with Pillow's `Image.resize(LANCZOS, "
        "reducing_gap=None)` and saved as a baseline JPEG, quality 85, 4:2:0, without "
        "metadata. They are cached in `~/.cache/gst-imgcompress/workloads/NAME/` with a "
        "marker file describing what made them (recipe, size, source files, Pillow version) "
        "and made again when it is missing or differs. Every tool runs the same images.",
        "- **Ours alone** (large only): time to first thumbnail polls for the file every "
        "0.5 ms; throughput is images / wall time; the per-image cost line is fitted to the "
        "tool's own per-image processing time in a 1-thread run (`--metrics-json`).",
        "- **Fixed cost of one image** (`bench/fixed-cost.py`, after the workloads): a 64x64 "
        "baseline JPEG made with Pillow from a fixed pattern, through all six outputs. "
        "*In-process*: a child `/usr/bin/python3` with the build tree's typelib "
        "(`GI_TYPELIB_PATH`, `LD_LIBRARY_PATH`) builds one `appsrc format=bytes ! "
        "imgcompressbin output=pads on-error=skip adaptive=off` pipeline with a fakesink "
        "(sync=false, async=false) on each of the 6 source pads, and for each upload sends "
        "`GstImgcompress.image_start_event_new(name, id)`, pushes the bytes as one buffer "
        "flagged MARKER and waits for its `imgcompress-image-done` (6 outputs, its id) "
        "before the next; process CPU (`getrusage(RUSAGE_SELF)`, every thread) over N "
        "uploads after a warm-up, minus the CPU of the same loop into `appsrc ! fakesink` "
        "(waiting on the fakesink's handoff signal instead of the message), divided by N. "
        "*The tool*: `imgcompress -j THREADS` with the workloads' options on N copies of the "
        "image, minus on 1 copy, divided by N - 1 (`getrusage(RUSAGE_CHILDREN)`), each into "
        "a fresh output directory: it includes creating 6 N files, which on this machine's "
        "ext4 costs a lot; *creating files* measures that alone (6 files of 1 KiB per "
        "image, written to a temporary name and renamed, from Python). Each figure is the "
        "median over passes (3; 1 with `--quick`), the passes of the in-process pipeline "
        "and of its feeding loop alternating.",
        "- The machine may have been shared while this ran (see the load average); "
        "only figures from one run are comparable with each other.",
        "",
    ]


def chart_path(md_path, workload_name):
    """The chart of a workload next to the page: NAME-chart.png for large
    (its name before there were workloads), NAME-chart-WORKLOAD.png else."""
    stem = os.path.splitext(md_path)[0]
    return stem + ("-chart.png" if workload_name == "large" else "-chart-%s.png" % workload_name)


def write_markdown(results, md_path, chart_paths):
    """Writes the page and each workload's chart; returns {workload: why
    its chart is missing, or None}."""
    os.makedirs(os.path.dirname(os.path.abspath(md_path)), exist_ok=True)
    chart_errors, chart_names = {}, {}
    for result in results:
        name = result["workload"]["name"]
        chart_errors[name] = write_chart(result, chart_paths[name])
        chart_names[name] = os.path.relpath(chart_paths[name],
                                            os.path.dirname(os.path.abspath(md_path)))
    text = render_markdown(results, chart_names, chart_errors)
    tmp = md_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, md_path)
    return chart_errors

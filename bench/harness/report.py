"""Turns a result dictionary into the targets verdict, the JSON file,
the Markdown page and the gnuplot chart."""

import json
import os
import shutil
import subprocess
import tempfile

from .workload import FORMATS, VARIANTS

MIB = 2**20

# Targets of issue 7 (medians, same run, 2 threads on the 2-core machine).
WALL_TARGETS = (("pillow", 0.5), ("gst", 0.3), ("sharp", 0.25))
SSIM_TOLERANCE = 0.002
RSS_TARGET_MIB = 128
TTFT_TARGET_S = 0.080
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


def _target(tid, description, value, target, met, detail):
    return {
        "id": tid,
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
    targets = []
    ours_wall = _median(result, "ours", "wall_s")
    for anchor, limit in WALL_TARGETS:
        targets.append(
            _ratio_target(
                result,
                "wall_vs_" + anchor,
                "wall time: ours <= %.2f x %s" % (limit, anchor),
                ours_wall,
                _median(result, anchor, "wall_s"),
                limit,
                "wall time",
                anchor,
            )
        )
    targets.append(
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
    )
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
    rss = _median(result, "ours", "peak_rss_bytes")
    if rss is None:
        targets.append(_target("peak_rss", "peak RSS <= 128 MiB", None, RSS_TARGET_MIB, None,
                               _why(result, "ours")))
    else:
        mib = rss / MIB
        met = mib <= RSS_TARGET_MIB
        detail = "%.0f MiB" % mib
        if not met:
            detail += ", %.0f MiB over" % (mib - RSS_TARGET_MIB)
        targets.append(_target("peak_rss", "peak RSS <= %d MiB" % RSS_TARGET_MIB, mib,
                               RSS_TARGET_MIB, met, detail))
    ttft = ((result.get("ours_extra") or {}).get("time_to_first_thumbnail") or {}).get("median_s")
    if ttft is None:
        why = _why(result, "ours")
        if why == "no figure":
            why = ((result.get("ours_extra") or {}).get("time_to_first_thumbnail") or {}).get(
                "error", why)
        targets.append(_target("ttft", "time to first thumbnail <= 80 ms", None, TTFT_TARGET_S,
                               None, why))
    else:
        met = ttft <= TTFT_TARGET_S
        detail = "%.0f ms" % (ttft * 1000)
        if not met:
            detail += ", %.0f ms over" % ((ttft - TTFT_TARGET_S) * 1000)
        targets.append(_target("ttft", "time to first thumbnail <= 80 ms", ttft, TTFT_TARGET_S,
                               met, detail))
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
    title = "%d images, %d threads, %s" % (
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


def render_markdown(result, chart_name, chart_error):
    m = result["machine"]
    corpus = result["corpus"]
    images = corpus["images"]
    lines = [
        "# Performance",
        "",
        "<!-- Generated by bench/run from %s; do not edit by hand. -->"
        % result.get("results_file", "its JSON results"),
        "",
        "Run of %s UTC on `%s`, source %s:" % (result["started"].replace("T", " ")[:16],
                                               m.get("hostname"), m.get("git") or "unknown"),
        "",
        "    " + result["command"],
        "",
    ]
    if result["quick"]:
        lines += [
            "> **Quick run** (CI smoke test: %d images, %d round). Its figures say the "
            "harness works, not how fast anything is." % (len(images), result["rounds"]),
            "",
        ]
    if result.get("note"):
        lines += ["> **Note:** " + result["note"], ""]
    load0, load1 = m.get("load_average_start"), m.get("load_average_end")
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
        "| Versions | %s |" % _versions_line(result),
        "",
        "## Workload",
        "",
        "%d JPEG photos (%s of the corpus's %d), %d progressive, from %s to %s pixels: "
        "the JPEGs of the Debian packages mate-backgrounds and lomiri-wallpapers-20.04 "
        "(`tests/files/fetch-corpus.sh`; the design brief counts 19 JPEGs, the packages "
        "hold 20). Each image becomes 6 files: "
        % (
            len(images),
            "all" if len(images) == corpus["images_in_corpus"] else "a subset",
            corpus["images_in_corpus"],
            sum(1 for i in images if i["progressive"]),
            _dims(min(images, key=lambda i: i["width"] * i["height"])) if images else "-",
            _dims(max(images, key=lambda i: i["width"] * i["height"])) if images else "-",
        )
        + ", ".join(
            "%s %d px (JPEG q%d, WebP q%d)" % (v["name"], v["box"], v["jpeg_quality"],
                                              v["webp_quality"])
            for v in result["workload"]
        )
        + ", never enlarged. Every tool gets %d threads; %s." % (
            result["threads"],
            "1 round" if result["rounds"] == 1 else
            "%d rounds, tools alternating (the order rotates each round), medians reported"
            % result["rounds"],
        ),
        "",
        "## Results",
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
    keys = ["%s/%s" % (v.name, f.name) for v in VARIANTS for f in FORMATS]
    heads = ["%s %s" % (v.name, "JPEG" if f.name == "jpeg" else "WebP")
             for v in VARIANTS for f in FORMATS]
    lines += [
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
    lines += ["", "## Targets (issue 7): ours against the anchors", ""]
    lines += ["| Target | Verdict |", "|---|---|"]
    for target in result.get("targets", []):
        verdict = "%s: %s" % (verdict_word(target, markdown=True), target["detail"])
        if target["met"] is None:
            verdict = "not measured (%s)" % target["detail"]
        lines.append("| %s | %s |" % (target["description"], verdict))
    lines += ["", "## Ours alone", ""]
    lines += _ours_alone(result)
    lines += [""]
    if chart_error:
        lines += ["(No chart: %s.)" % chart_error, ""]
    else:
        lines += ["![Wall time and output bytes per tool; ours' per-image cost](%s)"
                  % chart_name, ""]
    lines += _method(result)
    return "\n".join(lines) + "\n"


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
        "- **Ours alone**: time to first thumbnail polls for the file every 0.5 ms; "
        "throughput is images / wall time; the per-image cost line is fitted to the tool's "
        "own per-image processing time in a 1-thread run (`--metrics-json`).",
        "- The machine may have been shared while this ran (see the load average); "
        "only figures from one run are comparable with each other.",
        "",
    ]


def write_markdown(result, md_path, chart_path):
    os.makedirs(os.path.dirname(os.path.abspath(md_path)), exist_ok=True)
    chart_error = write_chart(result, chart_path)
    chart_name = os.path.relpath(chart_path, os.path.dirname(os.path.abspath(md_path)))
    text = render_markdown(result, chart_name, chart_error)
    tmp = md_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, md_path)
    return chart_error

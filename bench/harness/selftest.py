"""Checks of the harness's own arithmetic (bench/run --self-test): the fit
rounding, SSIM, the line fit, the derived workloads' crops, the target
verdicts and the page.  Seconds, no tools."""

import numpy as np

from . import derive, quality, report, runner, workload


def _check(condition, what):
    if not condition:
        raise AssertionError(what)


def check_fit_box():
    # The examples of gst_imgcompress_fit_box()'s documentation.
    _check(workload.fit_box(5640, 3172, 2048) == (2048, 1152), "5640x3172 into 2048")
    _check(workload.fit_box(6028, 3391, 150) == (150, 84), "6028x3391 into 150")
    _check(workload.fit_box(4096, 4096, 500) == (500, 500), "square")
    _check(workload.fit_box(1200, 1600, 500) == (375, 500), "portrait")
    _check(workload.fit_box(1600, 1203, 2048) == (1600, 1203), "no enlargement")
    _check(workload.fit_box(3000, 1, 150) == (150, 1), "never below 1")


def check_ssim():
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 255, (96, 80))
    _check(abs(quality.ssim(a, a) - 1.0) < 1e-12, "identical planes score 1")
    noisy = np.clip(a + rng.normal(0, 20, a.shape), 0, 255)
    s = quality.ssim(a, noisy)
    _check(0.3 < s < 0.99, "noise lowers SSIM (%f)" % s)
    _check(quality.ssim(a, noisy) == quality.ssim(noisy, a), "symmetric")
    # The block-sum windows must agree with a direct window loop.
    direct = []
    for y in range(0, a.shape[0] - 7, 4):
        for x in range(0, a.shape[1] - 7, 4):
            wa, wb = a[y : y + 8, x : x + 8], noisy[y : y + 8, x : x + 8]
            ma, mb = wa.mean(), wb.mean()
            va, vb = wa.var(), wb.var()
            cov = ((wa - ma) * (wb - mb)).mean()
            direct.append(
                ((2 * ma * mb + quality.C1) * (2 * cov + quality.C2))
                / ((ma * ma + mb * mb + quality.C1) * (va + vb + quality.C2))
            )
    _check(abs(np.mean(direct) - s) < 1e-9, "windows match a direct loop")


def check_line_fit():
    fit = runner._fit_line([(1, 30), (2, 50), (4, 90)])
    _check(abs(fit["slope_ms_per_mp"] - 20) < 1e-9 and abs(fit["intercept_ms"] - 10) < 1e-9,
           "exact line")
    _check(abs(fit["r2"] - 1) < 1e-12, "r2 of an exact line")


def check_crops():
    # Only a little larger than the target: five different vertical offsets.
    _check(derive.regions(1280, 1024, 1280, 960) == [
        (0, 32, 1280, 992), (0, 0, 1280, 960), (0, 64, 1280, 1024), (0, 16, 1280, 976),
        (0, 48, 1280, 1008)], "1280x1024 into 1280x960")
    # Wider than 4:3: the frame is 5333x4000, centred; the halves 2666x2000
    # (round() rounds half to even), a quarter and three quarters of the
    # free 3334x2000 across and down.
    _check(derive.regions(6000, 4000, 320, 240) == [
        (334, 0, 5667, 4000), (0, 0, 4000, 3000), (2000, 1000, 6000, 4000),
        (2500, 500, 5166, 2500), (834, 1500, 3500, 3500)], "6000x4000 into 320x240")
    for w, h in ((6028, 3391), (1200, 1600), (3000, 3000), (1280, 1024)):
        boxes = derive.regions(w, h, 320, 240)
        _check(len(set(boxes)) == 5, "five different crops of %dx%d" % (w, h))
        for left, top, right, bottom in boxes:
            _check(0 <= left < right <= w and 0 <= top < bottom <= h, "inside %dx%d" % (w, h))
            _check(abs((right - left) * 3 - (bottom - top) * 4) <= 4, "4:3 in %dx%d" % (w, h))
            _check(right - left >= 320, "never below the target")


def _tool(wall, nbytes, rss, ssim):
    q = {"%s/%s" % (v.name, f.name): {"mean_ssim": ssim}
         for v in workload.VARIANTS for f in workload.FORMATS}
    return {"status": "ok", "median": {"wall_s": wall, "cpu_s": 2 * wall, "output_bytes": nbytes,
                                       "peak_rss_bytes": rss}, "quality": q}


def check_targets():
    result = {
        "threads": 2,
        "tools": {
            "ours": _tool(1.0, 100, 100 * 2**20, 0.950),
            "pillow": _tool(2.5, 100, 500 * 2**20, 0.951),
            "gst": _tool(3.0, 120, 200 * 2**20, 0.930),
        },
        "ours_extra": {"time_to_first_thumbnail": {"median_s": 0.081}},
    }
    verdicts = {t["id"]: t["met"] for t in report.evaluate_targets(result)}
    _check(verdicts["wall_vs_pillow"] is True, "0.4x pillow meets 0.5x")
    _check(verdicts["wall_vs_gst"] is False, "0.33x gst misses 0.3x")
    _check(verdicts["wall_vs_sharp"] is None, "sharp not run: not measured")
    _check(verdicts["bytes_vs_pillow"] is True, "equal bytes meet")
    _check(verdicts["ssim_full/webp"] is True, "-0.001 is within tolerance")
    _check(verdicts["peak_rss"] is True and verdicts["ttft"] is False, "rss, ttft")
    _check(verdicts["wall_vs_pillow_as_before"] is True, "0.40x is no worse than 0.47x")
    _check(verdicts["peak_rss_16"] is True, "100 MiB within 160")
    result["threads"] = 1
    verdicts = {t["id"]: t["met"] for t in report.evaluate_targets(result)}
    _check(verdicts["peak_rss_16"] is None, "issue 16's RSS is for 2 threads")

    small = {"threads": 2, "workload": {"name": "small"},
             "tools": {"ours": _tool(1.0, 100, 1, 0.95), "pillow": _tool(1.9, 99, 1, 0.95)}}
    targets = {t["id"]: t for t in report.evaluate_targets(small)}
    _check(targets["wall_vs_pillow"]["met"] is False and targets["wall_vs_pillow"]["issue"] == 16,
           "small: 0.53x misses 0.5x")
    _check(targets["bytes_vs_pillow"]["met"] is False, "small: more bytes than Pillow")
    _check("ttft" not in targets and "wall_vs_gst" not in targets, "small: no issue 7 targets")
    phone = dict(small, workload={"name": "phone"},
                 tools={"ours": _tool(0.35, 1, 1, 0.9), "pillow": _tool(1.0, 1, 1, 0.9)})
    verdicts = {t["id"]: t["met"] for t in report.evaluate_targets(phone)}
    _check(verdicts["wall_vs_pillow"] is True, "phone: 0.35x meets 0.35x")

    fixed = report.evaluate_fixed_cost_targets(
        {"in_process": {"cpu_ms_per_image": 2.9}, "tool": {"error": "missing"}})
    _check([t["met"] for t in fixed] == [True, None], "fixed cost verdicts")


def check_page():
    """Two workloads and a fixed cost render, ratios side by side."""
    def result(name, ours, pillow):
        image = {"name": "a", "width": 320, "height": 240, "bytes": 1, "progressive": False}
        r = {
            "started": "2026-12-02T15:00:00+00:00", "command": "bench/run", "quick": False,
            "note": "", "threads": 2, "rounds": 1, "machine": {"hostname": "h"},
            "workload": {"name": name, "size": [320, 240] if name == "small" else None,
                         "description": "d", "dir": "/x", "recipe": "r", "source_photos": 20},
            "corpus": {"images": [image], "images_in_corpus": 1},
            "variants": [v._asdict() for v in workload.VARIANTS],
            "tools": {"ours": _tool(ours, 1, 2**20, 0.9), "pillow": _tool(pillow, 1, 1, 0.9)},
            "fixed_cost": {"in_process": {"cpu_ms_per_image": 2.5, "images": 10, "warm_up": 1,
                                          "bin_cpu_ms_per_image": 2.6,
                                          "feeding_cpu_ms_per_image": 0.1,
                                          "bin_wall_ms_per_image": 2.0},
                           "tool": {"error": "missing"}},
        }
        r["targets"] = report.evaluate_targets(r)
        r["fixed_cost"]["targets"] = report.evaluate_fixed_cost_targets(r["fixed_cost"])
        return r

    page = report.render_markdown([result("large", 1.0, 2.0), result("small", 1.0, 4.0)],
                                  {}, {"large": "no gnuplot", "small": "no gnuplot"})
    _check("| large (corpus photos) | 1 | 1.00 | 2.00 | **0.50x** |" in page, "large row")
    _check("| small (320x240) | 1 | 1.00 | 4.00 | **0.25x** |" in page, "small row")
    _check("| small: wall time: ours <= 0.50 x pillow | **met**: 0.25x" in page, "small target")
    _check("| small: equal output (bytes, SSIM of each output) | **met**: bytes 1.00x, SSIM "
           "within 0.002 of Pillow's on all 6 outputs |" in page, "equal output")
    _check("**In-process: 2.50 ms per image**" in page, "fixed cost")
    _check("The tool: not measured (missing)" in page, "fixed cost error")


def run(verbose=True):
    """Raises AssertionError on the first failed check."""
    for check in (check_fit_box, check_ssim, check_line_fit, check_crops, check_targets,
                  check_page):
        check()
        if verbose:
            print("bench: self-test %s: ok" % check.__name__[len("check_"):])
    return 0

"""Checks of the harness's own arithmetic (bench/run --self-test): the fit
rounding, SSIM, the line fit and the target verdicts.  Seconds, no tools."""

import numpy as np

from . import quality, report, runner, workload


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


def check_targets():
    def tool(wall, nbytes, rss, ssim):
        q = {"%s/%s" % (v.name, f.name): {"mean_ssim": ssim}
             for v in workload.VARIANTS for f in workload.FORMATS}
        return {"status": "ok", "median": {"wall_s": wall, "output_bytes": nbytes,
                                           "peak_rss_bytes": rss}, "quality": q}

    result = {
        "tools": {
            "ours": tool(1.0, 100, 100 * 2**20, 0.950),
            "pillow": tool(2.5, 100, 500 * 2**20, 0.951),
            "gst": tool(3.0, 120, 200 * 2**20, 0.930),
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


def run(verbose=True):
    """Raises AssertionError on the first failed check."""
    for check in (check_fit_box, check_ssim, check_line_fit, check_targets):
        check()
        if verbose:
            print("bench: self-test %s: ok" % check.__name__[len("check_"):])
    return 0

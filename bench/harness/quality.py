"""Quality of the outputs: luma SSIM against a Lanczos resize of the
full-resolution original.

- luma: BT.601 Y = 0.299 R + 0.587 G + 0.114 B of the RGB that Pillow
  decodes (output and reference alike), in floating point;
- SSIM: mean over 8x8 windows placed every 4 pixels, uniform weights,
  C1 = (0.01 * 255)^2, C2 = (0.03 * 255)^2 -- the same definition as
  imgcheck_luma_ssim() in tests/check/common/imgcheck.c;
- reference: PIL Image.resize(size, LANCZOS, reducing_gap=None) of the
  original decoded at full resolution, to the output's own dimensions (so
  a tool that rounds a dimension differently is still compared fairly; the
  dimension check is separate).
"""

import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image

C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2
BT601 = np.array([0.299, 0.587, 0.114], dtype=np.float64)


def luma(image):
    rgb = np.asarray(image.convert("RGB"), dtype=np.float64)
    return rgb @ BT601


def _window_sums(plane):
    """Sums over 8x8 windows every 4 pixels: sums of 4x4 blocks, then of
    2x2 neighbouring blocks.  Windows start at 0, 4, ... while they fit."""
    h4, w4 = plane.shape[0] // 4, plane.shape[1] // 4
    blocks = plane[: h4 * 4, : w4 * 4].reshape(h4, 4, w4, 4).sum(axis=(1, 3))
    return blocks[:-1, :-1] + blocks[1:, :-1] + blocks[:-1, 1:] + blocks[1:, 1:]


def ssim(a, b):
    """Mean SSIM of two luma planes of the same shape (see module doc)."""
    if a.shape != b.shape:
        raise ValueError("shapes differ: %s vs %s" % (a.shape, b.shape))
    if a.shape[0] < 8 or a.shape[1] < 8:
        mse = float(np.mean((a - b) ** 2))
        return 1.0 if mse == 0 or 10 * np.log10(255.0**2 / mse) >= 40 else 0.0
    n = 64.0
    ma = _window_sums(a) / n
    mb = _window_sums(b) / n
    va = _window_sums(a * a) / n - ma * ma
    vb = _window_sums(b * b) / n - mb * mb
    cov = _window_sums(a * b) / n - ma * mb
    s = ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2))
    return float(s.mean())


def evaluate_image(original_path, outputs):
    """Decodes original_path once and scores each output against the
    reference resize of its own size (cached per size).

    outputs: list of (key, path).  Returns {key: {width, height, ssim} or
    {error}}."""
    results = {}
    references = {}
    with Image.open(original_path) as im:
        original = im.convert("RGB")
    for key, path in outputs:
        try:
            with Image.open(path) as out:
                out.load()
                size = out.size
                out_luma = luma(out)
            if size not in references:
                references[size] = luma(
                    original.resize(size, Image.LANCZOS, reducing_gap=None)
                )
            results[key] = {
                "width": size[0],
                "height": size[1],
                "ssim": ssim(references[size], out_luma),
            }
        except Exception as e:  # a broken output is a finding, not a crash
            results[key] = {"error": "%s: %s" % (type(e).__name__, e)}
    return results


def evaluate(jobs, workers):
    """jobs: list of (original_path, outputs) as evaluate_image takes.
    Runs them on a pool of worker processes (one decoded original per
    worker at a time keeps memory bounded).  Returns the merged dict."""
    merged = {}
    if workers <= 1 or len(jobs) <= 1:
        for original, outputs in jobs:
            merged.update(evaluate_image(original, outputs))
        return merged
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(evaluate_image, original, outputs) for original, outputs in jobs]
        for future in futures:
            merged.update(future.result())
    return merged


def self_test():
    """Identical planes score 1, a shifted plane less; cheap sanity check."""
    rng = np.random.default_rng(1)
    a = rng.uniform(0, 255, (64, 48))
    assert abs(ssim(a, a) - 1.0) < 1e-12
    assert ssim(a, np.roll(a, 3, axis=1)) < 0.5
    return True


if __name__ == "__main__":
    print("ok" if self_test() else "failed", os.getpid())

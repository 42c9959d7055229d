/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* turbojpegenc's progressive scan scripts, in a header of their own so
 * that bench/jpeg-scans.c measures these very tables.  Include after
 * jpeglib.h. */

#ifndef __GST_TURBOJPEG_SCANS_H__
#define __GST_TURBOJPEG_SCANS_H__

/* Progressive scan scripts: spectral selection only, no successive
 * approximation.  Refining scans (four of the ten of libjpeg's standard
 * script) cost a pass over the coefficients each, and on photos that are
 * already JPEGs (most uploads) the low bits they refine are mostly zero.
 * Splitting luma into four bands and chroma into two gives each band
 * Huffman tables of its own, which is where most of progressive's saving
 * comes from.  bench/jpeg-scans.py (the whole table in docs/tuning.md):
 * bytes against baseline with optimised tables, and encode CPU time over
 * baseline's, for libjpeg's standard script / the earlier script, which
 * kept a successive approximation of luma / these:
 *
 *   corpus photos at 2048 px, q90   -4.40 % 2.1x / -4.29 % 1.5x / -4.23 % 1.5x
 *   phone photos 1280x960, q90      -3.86 % 2.5x / -1.46 % 2.0x / -5.40 % 1.5x
 *   the same at 500 px, q85         -4.78 % 2.1x / -4.43 % 1.6x / -5.12 % 1.3x
 *
 * The coefficients, so the pictures, are those of baseline. */
static const jpeg_scan_info ycc_scans[] = {
  { 3, { 0, 1, 2 }, 0, 0, 0, 0 },
  { 1, { 0 }, 1, 2, 0, 0 },
  { 1, { 2 }, 1, 2, 0, 0 },
  { 1, { 2 }, 3, 63, 0, 0 },
  { 1, { 1 }, 1, 2, 0, 0 },
  { 1, { 1 }, 3, 63, 0, 0 },
  { 1, { 0 }, 3, 5, 0, 0 },
  { 1, { 0 }, 6, 20, 0, 0 },
  { 1, { 0 }, 21, 63, 0, 0 },
};

static const jpeg_scan_info gray_scans[] = {
  { 1, { 0 }, 0, 0, 0, 0 },
  { 1, { 0 }, 1, 2, 0, 0 },
  { 1, { 0 }, 3, 5, 0, 0 },
  { 1, { 0 }, 6, 20, 0, 0 },
  { 1, { 0 }, 21, 63, 0, 0 },
};

#endif /* __GST_TURBOJPEG_SCANS_H__ */

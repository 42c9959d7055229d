/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Writes a Display P3 ICC profile (P3 primaries, D65, the sRGB curve) to
 * stdout, made by lcms2, for bench/colour-cost.py:
 *   cc bench/make-p3-icc.c $(pkg-config --cflags --libs lcms2) */

#include <lcms2.h>
#include <stdio.h>
#include <stdlib.h>

int
main (void)
{
  static const cmsCIExyY d65 = { 0.3127, 0.3290, 1.0 };
  static const cmsCIExyYTRIPLE p3 = { { 0.680, 0.320, 1.0 },
    { 0.265, 0.690, 1.0 }, { 0.150, 0.060, 1.0 } };
  static const cmsFloat64Number srgb_trc[5] = { 2.4, 1.0 / 1.055, 0.055 / 1.055,
    1.0 / 12.92, 0.04045 };
  cmsToneCurve *curve = cmsBuildParametricToneCurve (NULL, 4, srgb_trc);
  cmsToneCurve *curves[3] = { curve, curve, curve };
  cmsHPROFILE profile = cmsCreateRGBProfile (&d65, &p3, curves);
  cmsUInt32Number size = 0;
  void *data;

  if (profile == NULL || !cmsSaveProfileToMem (profile, NULL, &size))
    return 1;
  data = malloc (size);
  if (data == NULL || !cmsSaveProfileToMem (profile, data, &size))
    return 1;
  fwrite (data, 1, size, stdout);
  return 0;
}

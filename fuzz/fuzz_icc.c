/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* libFuzzer target: the ICC profile path every decoder runs on an
 * embedded profile.  The input is taken three ways: as a profile (the
 * structure check, lcms2's reading, the transform to sRGB and a row of
 * pixels through it), as JPEG APP2 payloads (split at every 0xFF 0xE2
 * pair, then joined by sequence number) and as a WebP file (its ICCP
 * chunk). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/imgcompress/imgcompress.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
through_transform (GBytes *icc)
{
  GstImgcompressIccTransform *t;
  const gchar *problem;
  guint8 in[64 * 4], out[64 * 3];
  guint i;

  t = gst_imgcompress_icc_transform_lookup (icc, &problem);
  if (t == NULL)
    return;
  for (i = 0; i < sizeof (in); i++)
    in[i] = i * 37;
  /* CMYK takes 4 bytes a pixel, grey 1, RGB 3: 64 pixels fit each */
  gst_imgcompress_icc_transform_pixels (t, in, out, 64);
  gst_imgcompress_icc_transform_is_srgb (t);
  gst_imgcompress_icc_transform_unref (t);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  GstImgcompressIccChunks chunks = { NULL, NULL };
  const gchar *problem;
  GBytes *icc;
  gsize start = 0, i;

  icc = g_bytes_new (data, size);
  through_transform (icc);
  g_bytes_unref (icc);

  for (i = 0; i + 1 < size; i++) {
    if (data[i] == 0xff && data[i + 1] == 0xe2) {
      gst_imgcompress_icc_chunks_add (&chunks, data + start, i - start);
      start = i + 2;
    }
  }
  gst_imgcompress_icc_chunks_add (&chunks, data + start, size - start);
  icc = gst_imgcompress_icc_chunks_finish (&chunks, &problem);
  if (icc != NULL) {
    through_transform (icc);
    g_bytes_unref (icc);
  }

  icc = gst_imgcompress_icc_from_webp (data, size, &problem);
  if (icc != NULL)
    g_bytes_unref (icc);
  return 0;
}

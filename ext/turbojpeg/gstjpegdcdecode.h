/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_JPEG_DC_DECODE_H__
#define __GST_JPEG_DC_DECODE_H__

#include <gst/video/video.h>

G_BEGIN_DECLS

/* A progressive JPEG has at most this many components (libjpeg's limit is
 * 10, but the DC path serves Y'CbCr and grayscale only). */
#define GST_JPEG_DC_MAX_COMPONENTS 4

/* Pieces of the data given to libjpeg: the headers and the DC scans, an
 * EOI after them.  Every AC scan's header and entropy-coded data are left
 * out, so that libjpeg never reads them. */
#define GST_JPEG_DC_MAX_RANGES 64

typedef struct
{
  const guint8 *data;
  gsize size;
} GstJpegDcRange;

/**
 * GstJpegDcPlan:
 * @usable: the image is progressive (Huffman) and its scans up to the
 *   first AC scan carry the DC of every component
 * @scans_total: scans found in the data walked
 * @scans_read: scans that libjpeg is given (the DC scans)
 * @dc_shift: bits of the DC still missing (0: the DC is complete, the
 *   image is the whole decode's; 1 when the data ends before the DC
 *   refinement scan of libjpeg's script)
 * @truncated: the data ends before the image's EOI marker
 *
 * What a walk of a JPEG's markers found about its DC scans.
 */
typedef struct
{
  gboolean usable;
  guint scans_total;
  guint scans_read;
  guint dc_shift;
  gboolean truncated;

  /*< private >*/
  GstJpegDcRange ranges[GST_JPEG_DC_MAX_RANGES];
  guint n_ranges;
} GstJpegDcPlan;

void gst_jpeg_dc_plan (const guint8 *data, gsize size, gboolean want_dc,
    GstJpegDcPlan *plan);

gboolean gst_jpeg_dc_decode (const GstJpegDcPlan *plan, GstVideoFrame *frame,
    gboolean strict, gchar **error);

G_END_DECLS

#endif /* __GST_JPEG_DC_DECODE_H__ */

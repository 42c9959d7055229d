/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_JPEG_H__
#define __GST_IMGCOMPRESS_JPEG_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/* Default for every element's max-input-bytes property: 256 MiB. */
#define GST_IMGCOMPRESS_DEFAULT_MAX_INPUT_BYTES G_GUINT64_CONSTANT (268435456)

/**
 * GstImgcompressJpegScanner:
 *
 * Finds where a JPEG image ends (its EOI marker) in bytes that arrive in
 * pieces of any size, walking the marker structure: segments are skipped
 * by their length (an Exif thumbnail inside APP1 has SOI and EOI markers
 * of its own), entropy-coded data by its 0xFF00 stuffing and RSTn markers.
 * Initialise with gst_imgcompress_jpeg_scanner_init() at the image's SOI.
 * The fields are private.
 */
typedef struct
{
  /*< private >*/
  guint state;
  guint8 marker;
  guint segment_left;
} GstImgcompressJpegScanner;

GST_IMGCOMPRESS_API
void gst_imgcompress_jpeg_scanner_init (GstImgcompressJpegScanner *scanner);

GST_IMGCOMPRESS_API
gsize gst_imgcompress_jpeg_scanner_scan (GstImgcompressJpegScanner *scanner,
    const guint8 *data, gsize size, gboolean *end);

GST_IMGCOMPRESS_API
gssize gst_imgcompress_jpeg_find_soi (const guint8 *data, gsize size);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_JPEG_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_ADAPTIVE_QUALITY_H__
#define __GST_ADAPTIVE_QUALITY_H__

#include <gst/gst.h>
#include <gst/base/gstadapter.h>
#include <gst/imgcompress/imgcompress.h>

G_BEGIN_DECLS

#define GST_TYPE_ADAPTIVE_QUALITY (gst_adaptive_quality_get_type ())
G_DECLARE_FINAL_TYPE (GstAdaptiveQuality, gst_adaptive_quality, GST,
    ADAPTIVE_QUALITY, GstElement)

/**
 * GstAdaptiveQualityMode:
 * @GST_ADAPTIVE_QUALITY_MODE_OFF: send no quality hints
 * @GST_ADAPTIVE_QUALITY_MODE_FILE_SIZE: hints from the input's file size
 *     and the `bands` property
 */
typedef enum
{
  GST_ADAPTIVE_QUALITY_MODE_OFF,
  GST_ADAPTIVE_QUALITY_MODE_FILE_SIZE,
} GstAdaptiveQualityMode;

struct _GstAdaptiveQuality
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  /* properties, under the object lock */
  gchar *image_name;
  guint64 max_pixels;
  guint64 max_input_bytes;
  GstAdaptiveQualityMode mode;
  gchar *bands_str;
  GArray *bands; /* the last valid bands */
  gchar *bands_error; /* why bands_str is not valid, or NULL */

  /* streaming state, touched by the streaming thread only */
  GstAdapter *header_adapter; /* held-back buffers until the header is read */
  gsize header_needed; /* bytes to gather before sniffing again */
  gboolean sniffing; /* the current image's header is incomplete */
  gboolean refused; /* the current image was refused */
  gboolean boundary; /* the next buffer starts a new image */
  guint64 upstream_bytes; /* upstream's byte size, 0 when unknown */
  guint64 image_bytes; /* bytes of the current image seen so far */
  guint64 kept_bytes; /* ... held back or passed on */
  GstImgcompressJpegScanner scanner; /* a JPEG's walk to its EOI */
  gboolean past_end; /* the JPEG's EOI has gone by: the rest is skipped */
  guint64 skipped_bytes; /* bytes skipped after the EOI */
  gboolean skipped_jpeg; /* ... and they start with an SOI */
  guint image_index; /* images since stream start */
  guint64 sequence; /* images since READY: the image event's index */
  gchar *next_name; /* from upstream's image event, for the next image */
  gchar *next_id;
  gboolean announced; /* upstream announced an image, no byte came yet */
  GstImgcompressImageInfo info; /* the current image */
  GstEvent *held_segment; /* upstream's segment while the caps are unknown */
  gboolean seen_data; /* a buffer arrived since stream start */
};

G_END_DECLS

#endif /* __GST_ADAPTIVE_QUALITY_H__ */

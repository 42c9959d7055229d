/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_BIN_H__
#define __GST_IMGCOMPRESS_BIN_H__

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_IMGCOMPRESS_BIN (gst_imgcompress_bin_get_type ())
G_DECLARE_FINAL_TYPE (GstImgcompressBin, gst_imgcompress_bin, GST,
    IMGCOMPRESS_BIN, GstBin)

typedef enum
{
  GST_IMGCOMPRESS_BIN_ADAPTIVE_OFF,
  GST_IMGCOMPRESS_BIN_ADAPTIVE_FILE_SIZE,
} GstImgcompressBinAdaptive;

struct _GstImgcompressBin
{
  GstBin parent;

  GstPad *sinkpad;
  GstElement *adaptivequality;
  GstElement *decoder;
  GstElement *variantsplit;
  gboolean branches_built;

  /* properties, under the object lock */
  gchar *variants;
  gchar *formats;
  gchar *output_dir;
  gchar *location;
  GstImgcompressBinAdaptive adaptive;
  gchar *bands;
  guint64 max_pixels;
  guint64 max_input_bytes;
  gboolean overwrite;
  guint background;
  guint progressive_from;
  gint webp_method;
};

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_BIN_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_VARIANT_SPLIT_H__
#define __GST_VARIANT_SPLIT_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress.h>

G_BEGIN_DECLS

#define GST_TYPE_VARIANT_SPLIT (gst_variant_split_get_type ())
G_DECLARE_FINAL_TYPE (GstVariantSplit, gst_variant_split, GST, VARIANT_SPLIT,
    GstElement)

struct _GstVariantSplit
{
  GstElement parent;

  GstPad *sinkpad;

  /* properties, under the object lock */
  gchar *variants_str;
  GArray *variants; /* the last valid variant list */
  gchar *variants_error; /* why variants_str is not valid, or NULL */
  gboolean allow_not_linked;

  /* streaming thread only: the name of an image announced by an
   * imgcompress-image event and not yet followed by a picture */
  gchar *awaited_image;
};

G_END_DECLS

#endif /* __GST_VARIANT_SPLIT_H__ */

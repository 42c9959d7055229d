/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_SIZE_H__
#define __GST_IMGCOMPRESS_SIZE_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/* Default for every element's max-pixels property. */
#define GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS G_GUINT64_CONSTANT (100000000)

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_size_mul (gsize a, gsize b, gsize *result);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_size_add (gsize a, gsize b, gsize *result);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_frame_bytes (guint width, guint height,
    guint bytes_per_pixel, gsize *result);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_pixels_allowed (guint width, guint height,
    guint64 max_pixels);

GST_IMGCOMPRESS_API
void gst_imgcompress_fit_box (guint width, guint height, gint par_n, gint par_d,
    guint box_width, guint box_height, gboolean enlarge, guint *out_width,
    guint *out_height);

GST_IMGCOMPRESS_API
guint gst_imgcompress_scaled_dimension (guint dimension, guint num,
    guint denom);

GST_IMGCOMPRESS_API
guint gst_imgcompress_pick_scale_eighths (guint width, guint height,
    guint box_width, guint box_height);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_SIZE_H__ */

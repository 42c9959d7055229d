/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_EXIF_H__
#define __GST_IMGCOMPRESS_EXIF_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/* No orientation, or an invalid one. */
#define GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE 0

GST_IMGCOMPRESS_API
guint gst_imgcompress_exif_parse_orientation (const guint8 *app1, gsize size);

GST_IMGCOMPRESS_API
guint gst_imgcompress_exif_parse_tiff_orientation (const guint8 *tiff,
    gsize size);

GST_IMGCOMPRESS_API
const gchar *gst_imgcompress_exif_orientation_to_tag (guint orientation);

GST_IMGCOMPRESS_API
GstTagList *gst_imgcompress_exif_orientation_tags (guint orientation,
    gboolean *posted);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_EXIF_H__ */

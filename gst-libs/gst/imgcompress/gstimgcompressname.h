/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_NAME_H__
#define __GST_IMGCOMPRESS_NAME_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/**
 * GST_IMGCOMPRESS_NAME_MAX_BYTES:
 *
 * Longest path component made from a name (image or variant), in bytes:
 * leaves room for the rest of a file name within NAME_MAX (255).
 */
#define GST_IMGCOMPRESS_NAME_MAX_BYTES 200

/**
 * GstImgcompressLocationFields:
 * @name: the `{name}` component, already made safe (see
 *     gst_imgcompress_name_component())
 * @variant: the `{variant}` component, already made safe
 * @ext: the `{ext}` component ("jpg", "webp")
 * @index: `{index}`
 * @time: the local time `%Y %m %d %H` expand to
 *
 * What a location template's fields expand to for one file.
 */
typedef struct
{
  const gchar *name;
  const gchar *variant;
  const gchar *ext;
  guint64 index;
  GDateTime *time;
} GstImgcompressLocationFields;

GST_IMGCOMPRESS_API
gchar *gst_imgcompress_clean_component (const gchar *raw,
    const gchar *fallback);

GST_IMGCOMPRESS_API
gchar *gst_imgcompress_name_component (const gchar *image_name);

GST_IMGCOMPRESS_API
gchar *gst_imgcompress_location_expand (const gchar *location_template,
    const GstImgcompressLocationFields *fields, GError **error);

GST_IMGCOMPRESS_API
gchar *gst_imgcompress_escape_for_display (const gchar *text);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_NAME_H__ */

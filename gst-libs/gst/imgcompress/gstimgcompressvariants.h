/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_VARIANTS_H__
#define __GST_IMGCOMPRESS_VARIANTS_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>
#include <gst/imgcompress/gstimgcompressprotocol.h>

G_BEGIN_DECLS

/* The seed's high-memory variant set and its file-size quality bands. */
#define GST_IMGCOMPRESS_DEFAULT_VARIANTS                                       \
  "thumbnail:150:80:75,preview:500:85:80,full:2048:90:85"
#define GST_IMGCOMPRESS_DEFAULT_QUALITY_BANDS "1MiB:85:80,5MiB:80:75,*:75:70"

/**
 * GstImgcompressParseError:
 * @GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX: the string does not follow the
 *     grammar, or a value is out of range
 *
 * Error codes of %GST_IMGCOMPRESS_PARSE_ERROR.
 */
typedef enum
{
  GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX,
} GstImgcompressParseError;

#define GST_IMGCOMPRESS_PARSE_ERROR (gst_imgcompress_parse_error_quark ())
GST_IMGCOMPRESS_API
GQuark gst_imgcompress_parse_error_quark (void);

GST_IMGCOMPRESS_API
GArray *gst_imgcompress_variants_parse (const gchar *str, GError **error);

GST_IMGCOMPRESS_API
const GstImgcompressVariantInfo *gst_imgcompress_variants_find (const GArray
                                                                    *variants,
    const gchar *name);

/**
 * GstImgcompressQualityBand:
 * @below_bytes: the band holds inputs smaller than this many bytes;
 *     %G_MAXUINT64 for the catch-all band `*`
 * @jpeg_quality: JPEG quality hint for inputs in the band
 * @webp_quality: WebP quality hint for inputs in the band
 *
 * One band of the file-size to quality table.
 */
typedef struct
{
  guint64 below_bytes;
  gint jpeg_quality;
  gint webp_quality;
} GstImgcompressQualityBand;

GST_IMGCOMPRESS_API
GArray *gst_imgcompress_quality_bands_parse (const gchar *str, GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_quality_bands_lookup (const GArray *bands,
    guint64 input_bytes, gint *jpeg_quality, gint *webp_quality);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_VARIANTS_H__ */

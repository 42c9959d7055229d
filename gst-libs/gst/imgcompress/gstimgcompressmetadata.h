/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_METADATA_H__
#define __GST_IMGCOMPRESS_METADATA_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/**
 * GstImgcompressOutputMetadata:
 * @icc: (nullable): the source's ICC profile, to embed
 * @exif: (nullable): a TIFF structure (no "Exif\0\0") with the EXIF Artist
 *     and Copyright
 * @xmp: (nullable): an XMP packet with dc:creator and dc:rights
 *
 * What an encoder writes into its output besides the pixels.
 */
typedef struct
{
  GBytes *icc;
  GBytes *exif;
  GBytes *xmp;
} GstImgcompressOutputMetadata;

GST_IMGCOMPRESS_API
GstTagList *gst_imgcompress_copyright_tags_add (GstTagList *tags,
    const guint8 *exif_tiff, gsize exif_size, const guint8 *xmp, gsize xmp_size,
    gboolean *posted);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_output_metadata_from_tags (GstImgcompressOutputMetadata
                                                        *metadata,
    const GstTagList *tags, gboolean icc, gboolean copyright);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_output_metadata_from_pad (GstImgcompressOutputMetadata
                                                       *metadata,
    GstPad *sinkpad, gboolean icc, gboolean copyright);

GST_IMGCOMPRESS_API
void gst_imgcompress_metadata_install_properties (GObjectClass *klass,
    guint prop_embed_icc, guint prop_copyright);

GST_IMGCOMPRESS_API
void gst_imgcompress_output_metadata_clear (GstImgcompressOutputMetadata
        *metadata);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_METADATA_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_ICC_H__
#define __GST_IMGCOMPRESS_ICC_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/**
 * GST_IMGCOMPRESS_ICC_MAX_BYTES:
 *
 * The largest ICC profile read (8 MiB): real profiles, CMYK ones with
 * large tables included, stay well under it; a larger one is taken as
 * damaged.
 */
#define GST_IMGCOMPRESS_ICC_MAX_BYTES (8 * 1024 * 1024)

/**
 * GstImgcompressIccSpace:
 * @GST_IMGCOMPRESS_ICC_SPACE_RGB: an RGB profile
 * @GST_IMGCOMPRESS_ICC_SPACE_GRAY: a grey profile
 * @GST_IMGCOMPRESS_ICC_SPACE_CMYK: a CMYK profile
 * @GST_IMGCOMPRESS_ICC_SPACE_LAB: CIELab pixels
 *     (gst_imgcompress_icc_transform_lab())
 *
 * The colour space of the pixels a profile describes.
 */
typedef enum
{
  GST_IMGCOMPRESS_ICC_SPACE_RGB,
  GST_IMGCOMPRESS_ICC_SPACE_GRAY,
  GST_IMGCOMPRESS_ICC_SPACE_CMYK,
  GST_IMGCOMPRESS_ICC_SPACE_LAB,
} GstImgcompressIccSpace;

/**
 * GstImgcompressIccChunks:
 *
 * The ICC_PROFILE APP2 segments of a JPEG as a marker walk meets them,
 * joined in sequence order by gst_imgcompress_icc_chunks_finish().
 * Zero-initialise it; the segments' bytes must stay valid until then.
 */
typedef struct
{
  /*< private >*/
  GArray *chunks;
  const gchar *problem;
} GstImgcompressIccChunks;

typedef struct _GstImgcompressIccTransform GstImgcompressIccTransform;

#define GST_TYPE_IMGCOMPRESS_ICC_TRANSFORM                                     \
  (gst_imgcompress_icc_transform_get_type ())

GST_IMGCOMPRESS_API
GType gst_imgcompress_icc_transform_get_type (void);

GST_IMGCOMPRESS_API
void gst_imgcompress_icc_chunks_add (GstImgcompressIccChunks *chunks,
    const guint8 *app2, gsize size);

GST_IMGCOMPRESS_API
GBytes *gst_imgcompress_icc_chunks_finish (GstImgcompressIccChunks *chunks,
    const gchar **problem);

GST_IMGCOMPRESS_API
GBytes *gst_imgcompress_icc_from_webp (const guint8 *data, gsize size,
    const gchar **problem);

GST_IMGCOMPRESS_API
GBytes *gst_imgcompress_icc_from_nclx (guint colour_primaries,
    guint transfer_characteristics);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_icc_check (const guint8 *icc, gsize size,
    const gchar **problem);

GST_IMGCOMPRESS_API
GstImgcompressIccTransform *gst_imgcompress_icc_transform_lookup (GBytes *icc,
    const gchar **problem);

GST_IMGCOMPRESS_API
GstImgcompressIccTransform *gst_imgcompress_icc_transform_default_cmyk (void);

GST_IMGCOMPRESS_API
GstImgcompressIccTransform *gst_imgcompress_icc_transform_lab (guint bits);

GST_IMGCOMPRESS_API
GstImgcompressIccTransform *
gst_imgcompress_icc_transform_ref (GstImgcompressIccTransform *transform);

GST_IMGCOMPRESS_API
void gst_imgcompress_icc_transform_unref (GstImgcompressIccTransform
        *transform);

GST_IMGCOMPRESS_API
GstImgcompressIccSpace gst_imgcompress_icc_transform_get_space (
    const GstImgcompressIccTransform *transform);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_icc_transform_is_srgb (const GstImgcompressIccTransform
        *transform);

GST_IMGCOMPRESS_API
void gst_imgcompress_icc_transform_pixels (GstImgcompressIccTransform
                                               *transform,
    const guint8 *src, guint8 *dst, gsize n_pixels);

GST_IMGCOMPRESS_API
GstSample *gst_imgcompress_icc_sample_new (GstElement *element, GstPad *sinkpad,
    GBytes *icc, const gchar *problem, const gchar *source);

GST_IMGCOMPRESS_API
GstImgcompressIccTransform *gst_imgcompress_icc_transform_from_sample (GstSample
        *sample);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstImgcompressIccTransform,
    gst_imgcompress_icc_transform_unref)

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_ICC_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_DECODER_H__
#define __GST_IMGCOMPRESS_DECODER_H__

#include <gst/gst.h>
#include <gst/imgcompress/gstimgcompressicc.h>
#include <gst/imgcompress/imgcompress-prelude.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_IMGCOMPRESS_IMAGE_DECODER                                     \
  (gst_imgcompress_image_decoder_get_type ())
#define GST_IMGCOMPRESS_IMAGE_DECODER(obj)                                     \
  (G_TYPE_CHECK_INSTANCE_CAST ((obj), GST_TYPE_IMGCOMPRESS_IMAGE_DECODER,      \
      GstImgcompressImageDecoder))
#define GST_IMGCOMPRESS_IMAGE_DECODER_CLASS(klass)                             \
  (G_TYPE_CHECK_CLASS_CAST ((klass), GST_TYPE_IMGCOMPRESS_IMAGE_DECODER,       \
      GstImgcompressImageDecoderClass))
#define GST_IMGCOMPRESS_IMAGE_DECODER_GET_CLASS(obj)                           \
  (G_TYPE_INSTANCE_GET_CLASS ((obj), GST_TYPE_IMGCOMPRESS_IMAGE_DECODER,       \
      GstImgcompressImageDecoderClass))
#define GST_IS_IMGCOMPRESS_IMAGE_DECODER(obj)                                  \
  (G_TYPE_CHECK_INSTANCE_TYPE ((obj), GST_TYPE_IMGCOMPRESS_IMAGE_DECODER))

typedef struct _GstImgcompressImageDecoder GstImgcompressImageDecoder;
typedef struct _GstImgcompressImageDecoderClass GstImgcompressImageDecoderClass;
typedef struct _GstImgcompressImageDecoderPrivate
    GstImgcompressImageDecoderPrivate;

/**
 * GST_IMGCOMPRESS_CAPS_HEADER_FIELD:
 *
 * Boolean field of encoded image caps (`image/jpeg, width=1600,
 * height=1200, imgcompress-header=true`): the caps' width and height were
 * read from the image's header upstream (adaptivequality), so a decoder
 * need not read them again.  Unlike `parsed`, it says nothing about how
 * the bytes are cut into buffers.
 */
#define GST_IMGCOMPRESS_CAPS_HEADER_FIELD "imgcompress-header"

/* Output formats a subclass may list, in order of preference. */
#define GST_IMGCOMPRESS_IMAGE_MAX_FORMATS 4

/**
 * GstImgcompressImageScaling:
 * @GST_IMGCOMPRESS_IMAGE_SCALING_NONE: the decoder decodes at full size only
 * @GST_IMGCOMPRESS_IMAGE_SCALING_EIGHTHS: at n/8, n = 1..8 (libjpeg-turbo's
 *     DCT scaling, libwebp's scaled decode)
 * @GST_IMGCOMPRESS_IMAGE_SCALING_DIVISOR: at 1/k, k = 1 ..
 *     #GstImgcompressImageHeader.max_divisor (averaging k x k blocks)
 *
 * The shrink-on-load scales a decoder supports; the base class picks the
 * smallest that leaves the image at least twice its size in the box.
 */
typedef enum
{
  GST_IMGCOMPRESS_IMAGE_SCALING_NONE = 0,
  GST_IMGCOMPRESS_IMAGE_SCALING_EIGHTHS,
  GST_IMGCOMPRESS_IMAGE_SCALING_DIVISOR,
} GstImgcompressImageScaling;

/**
 * GstImgcompressImageHeader:
 * @width: the image's width in pixels (of an animation: its canvas)
 * @height: the image's height in pixels
 * @has_alpha: whether the image has transparency
 * @orientation: the EXIF orientation (1..8), 0 when the image has none
 * @formats: the output formats the decoder can write for this image, in
 *     order of preference, ending at the first %GST_VIDEO_FORMAT_UNKNOWN
 * @yuv_range: the range of a YUV or grey output (JFIF is full range,
 *     libwebp's YUV limited)
 * @scaling: the scales the decoder supports for this image
 * @max_divisor: with %GST_IMGCOMPRESS_IMAGE_SCALING_DIVISOR, the largest k
 * @from_caps: set by the base class before read_header when the sink caps
 *     (adaptivequality's `imgcompress-header`, or jpegparse's `parsed`)
 *     already gave @width and @height: the subclass need not look for them
 * @decode_data: what the subclass keeps from read_header for decode (a
 *     library context...), freed with @decode_data_free after the image
 *     whatever happened
 * @decode_data_free: frees @decode_data
 *
 * What a subclass reads from an image's header in
 * #GstImgcompressImageDecoderClass.read_header(), before anything of the
 * image's size is allocated.
 */
typedef struct
{
  guint width;
  guint height;
  gboolean has_alpha;
  guint orientation;
  GstVideoFormat formats[GST_IMGCOMPRESS_IMAGE_MAX_FORMATS];
  GstVideoColorRange yuv_range;
  GstImgcompressImageScaling scaling;
  guint max_divisor;
  gboolean from_caps;
  gpointer decode_data;
  GDestroyNotify decode_data_free;

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
} GstImgcompressImageHeader;

/**
 * GstImgcompressImageScale:
 * @num: the scale's numerator
 * @denom: the scale's denominator (8 for eighths, k for a divisor, 1 at full
 *     size)
 * @width: the output frame's width
 * @height: the output frame's height
 * @box_width: the box the image will be fitted into downstream, 0 for none
 * @box_height: the box's height, 0 for none
 *
 * The size the base class chose for an image: the output frame is
 * @width x @height, the image's size scaled by @num / @denom (rounded up).
 */
typedef struct
{
  guint num;
  guint denom;
  guint width;
  guint height;
  guint box_width;
  guint box_height;
} GstImgcompressImageScale;

/**
 * GstImgcompressImageDecoder:
 *
 * The base class of the project's still-image decoders; see the
 * section documentation.
 */
struct _GstImgcompressImageDecoder
{
  GstVideoDecoder parent;

  /*< private >*/
  GstImgcompressImageDecoderPrivate *priv;
  gpointer _gst_reserved[GST_PADDING];
};

/**
 * GstImgcompressImageDecoderClass:
 * @parent_class: the parent class
 * @format_name: the format as users write it in messages (`JPEG`, `PNG`,
 *     `WebP`): set it in class_init
 * @read_header: reads the header of the whole image in @data into
 *     @header, before anything of the image's size is allocated.  Returns
 *     %GST_FLOW_OK, or a failure after posting an error that names the
 *     fault.  Required.
 * @choose_scale: optional: picks the output size for @header in the box
 *     @scale->box_width x @scale->box_height, filling @scale (the default
 *     follows @header's scaling).  For formats with their own means of
 *     shrinking (a stored thumbnail).
 * @decode: decodes the image into @vframe, mapped for writing at
 *     @scale->width x @scale->height in one of @header's formats.  Returns
 *     %GST_FLOW_OK, or a failure after posting an error.  Required.
 *
 * Virtual methods of #GstImgcompressImageDecoder.  A subclass also frames
 * its images (GstVideoDecoderClass.parse()) when its input is not
 * packetized, and may override the other #GstVideoDecoderClass methods,
 * chaining up.
 */
struct _GstImgcompressImageDecoderClass
{
  GstVideoDecoderClass parent_class;

  const gchar *format_name;

  GstFlowReturn (*read_header) (GstImgcompressImageDecoder *decoder,
      GstVideoCodecFrame *frame, const guint8 *data, gsize size,
      GstImgcompressImageHeader *header);
  void (*choose_scale) (GstImgcompressImageDecoder *decoder,
      const GstImgcompressImageHeader *header, GstImgcompressImageScale *scale);
  GstFlowReturn (*decode) (GstImgcompressImageDecoder *decoder,
      GstVideoCodecFrame *frame, const guint8 *data, gsize size,
      GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
      GstVideoFrame *vframe);

  /*< private >*/
  gpointer _gst_reserved[GST_PADDING];
};

GST_IMGCOMPRESS_API
GType gst_imgcompress_image_decoder_get_type (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstImgcompressImageDecoder, gst_object_unref)

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_decoder_check_size (GstImgcompressImageDecoder
                                                       *decoder,
    guint width, guint height);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_decoder_check_input_bytes (
    GstImgcompressImageDecoder *decoder, guint64 bytes, const gchar *debug);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_decoder_get_caps_size (GstImgcompressImageDecoder
                                                          *decoder,
    guint *width, guint *height);

GST_IMGCOMPRESS_API
void gst_imgcompress_image_decoder_set_orientation (GstImgcompressImageDecoder
                                                        *decoder,
    guint orientation);

GST_IMGCOMPRESS_API
void gst_imgcompress_image_decoder_set_colour_profile (
    GstImgcompressImageDecoder *decoder, GstSample *colour);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_decoder_set_icc_profile (
    GstImgcompressImageDecoder *decoder, const guint8 *icc, gsize size,
    const gchar *source);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_decoder_set_icc_profile_bytes (
    GstImgcompressImageDecoder *decoder, GBytes *icc, const gchar *problem,
    const gchar *source, const gchar *name);

GST_IMGCOMPRESS_API
GstImgcompressIccTransform *gst_imgcompress_image_decoder_get_cmyk_transform (
    GstImgcompressImageDecoder *decoder, GBytes *icc, const gchar *problem,
    const gchar *source);

GST_IMGCOMPRESS_API
void gst_imgcompress_image_decoder_add_copyright (GstImgcompressImageDecoder
                                                      *decoder,
    const guint8 *exif_tiff, gsize exif_size, const guint8 *xmp,
    gsize xmp_size);

GST_IMGCOMPRESS_API
void gst_imgcompress_image_decoder_add_tags (GstImgcompressImageDecoder
                                                 *decoder,
    const GstTagList *tags);

GST_IMGCOMPRESS_API
GstFlowReturn gst_imgcompress_image_decoder_fail (GstImgcompressImageDecoder
        *decoder);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_decoder_has_failed (GstImgcompressImageDecoder
        *decoder);

GST_IMGCOMPRESS_API
void gst_imgcompress_image_decoder_discard_frame (GstImgcompressImageDecoder
        *decoder);

GST_IMGCOMPRESS_API
void gst_imgcompress_image_decoder_saw_data (GstImgcompressImageDecoder
        *decoder);

GST_IMGCOMPRESS_API
guint gst_imgcompress_image_decoder_get_images_seen (GstImgcompressImageDecoder
        *decoder);

GST_IMGCOMPRESS_API
GstVideoCodecState *gst_imgcompress_image_decoder_get_input_state (
    GstImgcompressImageDecoder *decoder);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_DECODER_H__ */

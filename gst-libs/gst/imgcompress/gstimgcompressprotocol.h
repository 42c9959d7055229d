/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_PROTOCOL_H__
#define __GST_IMGCOMPRESS_PROTOCOL_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/* Structure names of the protocol's events, query and message. */
#define GST_IMGCOMPRESS_IMAGE_EVENT_NAME "imgcompress-image"
#define GST_IMGCOMPRESS_VARIANT_EVENT_NAME "imgcompress-variant"
#define GST_IMGCOMPRESS_SIZE_HINT_QUERY_NAME "imgcompress-size-hint"
#define GST_IMGCOMPRESS_METRICS_MESSAGE_NAME "imgcompress-metrics"
#define GST_IMGCOMPRESS_IMAGE_DONE_MESSAGE_NAME "imgcompress-image-done"

/* A quality field that was not given. */
#define GST_IMGCOMPRESS_QUALITY_UNSET (-1)

/**
 * GstImgcompressFormat:
 * @GST_IMGCOMPRESS_FORMAT_UNKNOWN: not recognised
 * @GST_IMGCOMPRESS_FORMAT_JPEG: JPEG (JFIF/Exif/Adobe)
 * @GST_IMGCOMPRESS_FORMAT_PNG: PNG
 * @GST_IMGCOMPRESS_FORMAT_WEBP: WebP (VP8, VP8L or VP8X)
 *
 * Container formats of input and output images.
 */
typedef enum
{
  GST_IMGCOMPRESS_FORMAT_UNKNOWN = 0,
  GST_IMGCOMPRESS_FORMAT_JPEG,
  GST_IMGCOMPRESS_FORMAT_PNG,
  GST_IMGCOMPRESS_FORMAT_WEBP,
} GstImgcompressFormat;

GST_IMGCOMPRESS_API
const gchar *gst_imgcompress_format_to_string (GstImgcompressFormat format);

GST_IMGCOMPRESS_API
GstImgcompressFormat gst_imgcompress_format_from_string (const gchar *str);

GST_IMGCOMPRESS_API
const gchar *gst_imgcompress_format_extension (GstImgcompressFormat format);

GST_IMGCOMPRESS_API
const gchar *gst_imgcompress_format_display_name (GstImgcompressFormat format);

GST_IMGCOMPRESS_API
GstImgcompressFormat gst_imgcompress_format_from_caps (const GstCaps *caps);

GST_IMGCOMPRESS_API
GstCaps *gst_imgcompress_format_to_caps (GstImgcompressFormat format);

/**
 * GstImgcompressImageInfo:
 * @name: the image's name: the input's file name without directories and
 *     without its extension ("photo" for /in/photo.jpg)
 * @input_bytes: size of the encoded input in bytes
 * @width: width in pixels, from the header
 * @height: height in pixels, from the header
 * @format: container format of the input
 * @start_time: monotonic time (ns, g_get_monotonic_time() * 1000) at which
 *     the image entered the pipeline
 * @jpeg_quality: quality hint (cap) for JPEG output, or
 *     %GST_IMGCOMPRESS_QUALITY_UNSET
 * @webp_quality: quality hint (cap) for WebP output, or
 *     %GST_IMGCOMPRESS_QUALITY_UNSET
 *
 * Content of the sticky `imgcompress-image` event that adaptivequality sends
 * before each image's first buffer.
 */
typedef struct
{
  gchar *name;
  gchar *id;
  guint64 index;
  guint64 input_bytes;
  guint width;
  guint height;
  GstImgcompressFormat format;
  GstClockTime start_time;
  gint jpeg_quality;
  gint webp_quality;
} GstImgcompressImageInfo;

GST_IMGCOMPRESS_API
void gst_imgcompress_image_info_init (GstImgcompressImageInfo *info);

GST_IMGCOMPRESS_API
void gst_imgcompress_image_info_clear (GstImgcompressImageInfo *info);

GST_IMGCOMPRESS_API
GstEvent *gst_imgcompress_image_event_new (const GstImgcompressImageInfo *info);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_event_parse (GstEvent *event,
    GstImgcompressImageInfo *info);

GST_IMGCOMPRESS_API
GstEvent *gst_imgcompress_image_start_event_new (const gchar *name,
    const gchar *id);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_pad_get_image_info (GstPad *pad,
    GstImgcompressImageInfo *info);

/**
 * GstImgcompressVariantInfo:
 * @variant: the variant's name ("thumbnail", "preview", "full", ...)
 * @max_dimension: the box the variant must fit, in pixels
 * @jpeg_quality: the variant's JPEG quality, or
 *     %GST_IMGCOMPRESS_QUALITY_UNSET
 * @webp_quality: the variant's WebP quality, or
 *     %GST_IMGCOMPRESS_QUALITY_UNSET
 *
 * Content of the sticky `imgcompress-variant` event that variantsplit sends
 * on each source pad.
 */
typedef struct
{
  gchar *variant;
  guint max_dimension;
  gint jpeg_quality;
  gint webp_quality;
} GstImgcompressVariantInfo;

GST_IMGCOMPRESS_API
void gst_imgcompress_variant_info_init (GstImgcompressVariantInfo *info);

GST_IMGCOMPRESS_API
void gst_imgcompress_variant_info_clear (GstImgcompressVariantInfo *info);

GST_IMGCOMPRESS_API
GstEvent *gst_imgcompress_variant_event_new (const GstImgcompressVariantInfo
        *info);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_variant_event_parse (GstEvent *event,
    GstImgcompressVariantInfo *info);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_pad_get_variant_info (GstPad *pad,
    GstImgcompressVariantInfo *info);

GST_IMGCOMPRESS_API
gint gst_imgcompress_effective_quality (gint variant_quality,
    gint hint_quality);

GST_IMGCOMPRESS_API
gint gst_imgcompress_pad_get_quality (GstPad *pad, GstImgcompressFormat format,
    gint fallback);

/* imgcompress-size-hint: a custom downstream query, asked by decoders,
 * answered by variantsplit (largest linked variant) and imgsizer (its box). */
GST_IMGCOMPRESS_API
GstQuery *gst_imgcompress_size_hint_query_new (void);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_query_is_size_hint (GstQuery *query);

GST_IMGCOMPRESS_API
void gst_imgcompress_size_hint_query_set (GstQuery *query, guint max_width,
    guint max_height);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_size_hint_query_parse (GstQuery *query,
    guint *max_width, guint *max_height);

GST_IMGCOMPRESS_API
void gst_imgcompress_pad_get_decode_box (GstPad *srcpad, guint max_dimension,
    guint *box_width, guint *box_height);

GST_IMGCOMPRESS_API
GstEvent *gst_imgcompress_segment_to_time (GstEvent *event);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_pad_query_size_hint (GstPad *srcpad, guint *max_width,
    guint *max_height);

/**
 * GstImgcompressEncodeMeta:
 * @meta: parent
 * @quality: the quality the encoder used
 * @encode_time: how long the encoder took for this buffer, in ns
 *
 * Attached by turbojpegenc and imgwebpenc to each output buffer so that
 * metricsink can report what was used.
 */
typedef struct
{
  GstMeta meta;
  gint quality;
  GstClockTime encode_time;
} GstImgcompressEncodeMeta;

GST_IMGCOMPRESS_API
GType gst_imgcompress_encode_meta_api_get_type (void);
#define GST_IMGCOMPRESS_ENCODE_META_API_TYPE                                   \
  (gst_imgcompress_encode_meta_api_get_type ())

GST_IMGCOMPRESS_API
const GstMetaInfo *gst_imgcompress_encode_meta_get_info (void);
#define GST_IMGCOMPRESS_ENCODE_META_INFO                                       \
  (gst_imgcompress_encode_meta_get_info ())

GST_IMGCOMPRESS_API
GstImgcompressEncodeMeta *gst_buffer_add_imgcompress_encode_meta (GstBuffer
                                                                      *buffer,
    gint quality, GstClockTime encode_time);

GST_IMGCOMPRESS_API
GstImgcompressEncodeMeta *gst_buffer_get_imgcompress_encode_meta (GstBuffer
        *buffer);

/**
 * GstImgcompressMetrics:
 * @image: name of the input image
 * @variant: variant name
 * @format: output format ("jpeg" or "webp")
 * @location: path of the file written
 * @width: output width in pixels
 * @height: output height in pixels
 * @quality: encoder quality used, or %GST_IMGCOMPRESS_QUALITY_UNSET
 * @input_bytes: size of the encoded input
 * @output_bytes: size of the file written
 * @compression_ratio: output_bytes / input_bytes (0 when unknown)
 * @processing_time: ns from the image's start-time to the file's rename
 * @encode_time: ns the encoder spent on this output
 * @held_location: the temporary file holding the output until the
 *     application commits it (metricsink's hold), or %NULL
 *
 * Fields of the `imgcompress-metrics` element message, one per file written.
 */
typedef struct
{
  gchar *image;
  gchar *image_id;
  guint64 image_index;
  gchar *variant;
  gchar *format;
  gchar *location;
  guint width;
  guint height;
  gint quality;
  guint64 input_bytes;
  guint64 output_bytes;
  gdouble compression_ratio;
  GstClockTime processing_time;
  GstClockTime encode_time;
  gchar *held_location;
} GstImgcompressMetrics;

GST_IMGCOMPRESS_API
void gst_imgcompress_metrics_init (GstImgcompressMetrics *metrics);

GST_IMGCOMPRESS_API
void gst_imgcompress_metrics_clear (GstImgcompressMetrics *metrics);

GST_IMGCOMPRESS_API
GstMessage *gst_imgcompress_metrics_message_new (GstObject *src,
    const GstImgcompressMetrics *metrics);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_metrics_message_parse (GstMessage *message,
    GstImgcompressMetrics *metrics);

GST_IMGCOMPRESS_API
GstMessage *gst_imgcompress_image_done_message_new (GstObject *src,
    const GstImgcompressImageInfo *image, const GstImgcompressMetrics *outputs,
    guint n_outputs, const GError *error, const gchar *debug);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_done_message_parse (GstMessage *message,
    GstImgcompressImageInfo *image, guint *n_outputs);

GST_IMGCOMPRESS_API
GError *gst_imgcompress_image_done_message_get_error (GstMessage *message,
    gchar **debug);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_image_done_message_get_output (GstMessage *message,
    guint index, GstImgcompressMetrics *metrics);

/**
 * GstImgcompressImageMeta:
 * @meta: parent
 * @id: the image's identity (the application's id, else its name)
 * @name: the image's name
 * @index: the image's position in the stream, from 0
 * @variant: the variant this buffer is
 * @format: the buffer's format, `jpeg` or `webp`
 *
 * Which image and output an encoded buffer is: imgcompressbin puts it on
 * every buffer of its source pads in `pads` mode.
 */
typedef struct
{
  GstMeta meta;
  gchar *id;
  gchar *name;
  guint64 index;
  gchar *variant;
  gchar *format;
} GstImgcompressImageMeta;

GST_IMGCOMPRESS_API
GType gst_imgcompress_image_meta_api_get_type (void);
#define GST_IMGCOMPRESS_IMAGE_META_API_TYPE                                    \
  (gst_imgcompress_image_meta_api_get_type ())

GST_IMGCOMPRESS_API
const GstMetaInfo *gst_imgcompress_image_meta_get_info (void);
#define GST_IMGCOMPRESS_IMAGE_META_INFO (gst_imgcompress_image_meta_get_info ())

GST_IMGCOMPRESS_API
GstImgcompressImageMeta *gst_buffer_add_imgcompress_image_meta (GstBuffer
                                                                    *buffer,
    const gchar *id, const gchar *name, guint64 index, const gchar *variant,
    const gchar *format);

GST_IMGCOMPRESS_API
GstImgcompressImageMeta *gst_buffer_get_imgcompress_image_meta (GstBuffer
        *buffer);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_PROTOCOL_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressprotocol
 * @title: imgcompress protocol
 * @short_description: events, query, meta and message shared by the
 *     imgcompress elements
 *
 * The elements talk to each other through two sticky custom downstream
 * events (`imgcompress-image`, `imgcompress-variant`), one custom query
 * (`imgcompress-size-hint`), one buffer meta (#GstImgcompressEncodeMeta) and
 * one element message (`imgcompress-metrics`).  Applications read the
 * metrics with gst_imgcompress_metrics_message_parse() rather than by field
 * names.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressprotocol.h"

#include <string.h>

static const struct
{
  GstImgcompressFormat format;
  const gchar *name;
  const gchar *extension;
  const gchar *media_type;
} format_table[] = {
  { GST_IMGCOMPRESS_FORMAT_JPEG, "jpeg", "jpg", "image/jpeg" },
  { GST_IMGCOMPRESS_FORMAT_PNG, "png", "png", "image/png" },
  { GST_IMGCOMPRESS_FORMAT_WEBP, "webp", "webp", "image/webp" },
};

/**
 * gst_imgcompress_format_to_string:
 * @format: a #GstImgcompressFormat
 *
 * Returns: "jpeg", "png", "webp", or "unknown"
 */
const gchar *
gst_imgcompress_format_to_string (GstImgcompressFormat format)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (format_table); i++)
    if (format_table[i].format == format)
      return format_table[i].name;
  return "unknown";
}

/**
 * gst_imgcompress_format_from_string:
 * @str: (nullable): "jpeg", "png" or "webp"
 *
 * Returns: the format, or %GST_IMGCOMPRESS_FORMAT_UNKNOWN
 */
GstImgcompressFormat
gst_imgcompress_format_from_string (const gchar *str)
{
  guint i;

  if (str == NULL)
    return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
  for (i = 0; i < G_N_ELEMENTS (format_table); i++)
    if (g_ascii_strcasecmp (format_table[i].name, str) == 0)
      return format_table[i].format;
  if (g_ascii_strcasecmp (str, "jpg") == 0)
    return GST_IMGCOMPRESS_FORMAT_JPEG;
  return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
}

/**
 * gst_imgcompress_format_extension:
 * @format: a #GstImgcompressFormat
 *
 * Returns: the file name extension without the dot ("jpg", "png", "webp"),
 *     or "bin" for an unknown format
 */
const gchar *
gst_imgcompress_format_extension (GstImgcompressFormat format)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (format_table); i++)
    if (format_table[i].format == format)
      return format_table[i].extension;
  return "bin";
}

/**
 * gst_imgcompress_format_display_name:
 * @format: a format
 *
 * Returns: the format's name as users write it in messages (`JPEG`, `PNG`,
 *     `WebP`), `?` when unknown
 */
const gchar *
gst_imgcompress_format_display_name (GstImgcompressFormat format)
{
  switch (format) {
    case GST_IMGCOMPRESS_FORMAT_JPEG:
      return "JPEG";
    case GST_IMGCOMPRESS_FORMAT_PNG:
      return "PNG";
    case GST_IMGCOMPRESS_FORMAT_WEBP:
      return "WebP";
    default:
      return "?";
  }
}

/**
 * gst_imgcompress_format_from_caps:
 * @caps: fixed caps
 *
 * Returns: the format named by the caps' media type
 */
GstImgcompressFormat
gst_imgcompress_format_from_caps (const GstCaps *caps)
{
  const gchar *media_type;
  guint i;

  if (caps == NULL || gst_caps_is_empty (caps) || gst_caps_is_any (caps))
    return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
  media_type = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  for (i = 0; i < G_N_ELEMENTS (format_table); i++)
    if (strcmp (format_table[i].media_type, media_type) == 0)
      return format_table[i].format;
  return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
}

/**
 * gst_imgcompress_format_to_caps:
 * @format: a known #GstImgcompressFormat
 *
 * Returns: (transfer full) (nullable): "image/jpeg", "image/png" or
 *     "image/webp" caps, or %NULL for an unknown format
 */
GstCaps *
gst_imgcompress_format_to_caps (GstImgcompressFormat format)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (format_table); i++)
    if (format_table[i].format == format)
      return gst_caps_new_empty_simple (format_table[i].media_type);
  return NULL;
}

static void
set_quality_field (GstStructure *s, const gchar *field, gint quality)
{
  if (quality != GST_IMGCOMPRESS_QUALITY_UNSET)
    gst_structure_set (s, field, G_TYPE_INT, quality, NULL);
}

static gint
get_quality_field (const GstStructure *s, const gchar *field)
{
  gint quality;

  if (gst_structure_get_int (s, field, &quality))
    return quality;
  return GST_IMGCOMPRESS_QUALITY_UNSET;
}

static const GstStructure *
custom_event_structure (GstEvent *event, const gchar *name)
{
  const GstStructure *s;

  if (event == NULL ||
      GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY)
    return NULL;
  s = gst_event_get_structure (event);
  if (s == NULL || !gst_structure_has_name (s, name))
    return NULL;
  return s;
}

/**
 * gst_imgcompress_image_info_init:
 * @info: an uninitialised #GstImgcompressImageInfo
 *
 * Sets every field to "unknown".
 */
void
gst_imgcompress_image_info_init (GstImgcompressImageInfo *info)
{
  memset (info, 0, sizeof (*info));
  info->start_time = GST_CLOCK_TIME_NONE;
  info->jpeg_quality = GST_IMGCOMPRESS_QUALITY_UNSET;
  info->webp_quality = GST_IMGCOMPRESS_QUALITY_UNSET;
}

/**
 * gst_imgcompress_image_info_clear:
 * @info: a #GstImgcompressImageInfo
 *
 * Frees the strings and resets @info.
 */
void
gst_imgcompress_image_info_clear (GstImgcompressImageInfo *info)
{
  g_free (info->name);
  g_free (info->id);
  gst_imgcompress_image_info_init (info);
}

/**
 * gst_imgcompress_image_event_new:
 * @info: what is known of the image
 *
 * Returns: (transfer full): a sticky `imgcompress-image` event
 */
GstEvent *
gst_imgcompress_image_event_new (const GstImgcompressImageInfo *info)
{
  GstStructure *s;

  g_return_val_if_fail (info != NULL, NULL);

  s = gst_structure_new (GST_IMGCOMPRESS_IMAGE_EVENT_NAME, "name",
      G_TYPE_STRING, info->name ? info->name : "", "input-bytes", G_TYPE_UINT64,
      info->input_bytes, "width", G_TYPE_UINT, info->width, "height",
      G_TYPE_UINT, info->height, "format", G_TYPE_STRING,
      gst_imgcompress_format_to_string (info->format), "start-time",
      G_TYPE_UINT64, (guint64) info->start_time, "index", G_TYPE_UINT64,
      info->index, NULL);
  if (info->id)
    gst_structure_set (s, "id", G_TYPE_STRING, info->id, NULL);
  set_quality_field (s, "jpeg-quality", info->jpeg_quality);
  set_quality_field (s, "webp-quality", info->webp_quality);

  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, s);
}

/**
 * gst_imgcompress_image_start_event_new:
 * @name: (nullable): the image's name, used in output file names
 * @id: (nullable): the application's identity of the image, returned in
 *     every message about it (%NULL: the name)
 *
 * What an application sends before each image it pushes into
 * adaptivequality or imgcompressbin (with gst_element_send_event() on
 * appsrc, which queues it in order with the buffers): the image that
 * follows starts here and carries this name and id.  adaptivequality
 * completes the event with what it reads from the header.
 *
 * Returns: (transfer full): a sticky `imgcompress-image` event
 */
GstEvent *
gst_imgcompress_image_start_event_new (const gchar *name, const gchar *id)
{
  GstStructure *s = gst_structure_new_empty (GST_IMGCOMPRESS_IMAGE_EVENT_NAME);

  if (name)
    gst_structure_set (s, "name", G_TYPE_STRING, name, NULL);
  if (id)
    gst_structure_set (s, "id", G_TYPE_STRING, id, NULL);
  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, s);
}

/**
 * gst_imgcompress_image_event_parse:
 * @event: an event
 * @info: (out caller-allocates): filled when @event is an image event; clear
 *     it with gst_imgcompress_image_info_clear()
 *
 * Returns: %TRUE when @event is an `imgcompress-image` event
 */
gboolean
gst_imgcompress_image_event_parse (GstEvent *event,
    GstImgcompressImageInfo *info)
{
  const GstStructure *s;
  guint64 start_time = GST_CLOCK_TIME_NONE;

  g_return_val_if_fail (info != NULL, FALSE);

  s = custom_event_structure (event, GST_IMGCOMPRESS_IMAGE_EVENT_NAME);
  if (s == NULL)
    return FALSE;

  gst_imgcompress_image_info_init (info);
  info->name = g_strdup (gst_structure_get_string (s, "name"));
  info->id = g_strdup (gst_structure_get_string (s, "id"));
  gst_structure_get_uint64 (s, "index", &info->index);
  gst_structure_get_uint64 (s, "input-bytes", &info->input_bytes);
  gst_structure_get_uint (s, "width", &info->width);
  gst_structure_get_uint (s, "height", &info->height);
  info->format =
      gst_imgcompress_format_from_string (gst_structure_get_string (s,
          "format"));
  if (gst_structure_get_uint64 (s, "start-time", &start_time))
    info->start_time = start_time;
  info->jpeg_quality = get_quality_field (s, "jpeg-quality");
  info->webp_quality = get_quality_field (s, "webp-quality");
  return TRUE;
}

/**
 * gst_imgcompress_pad_get_image_info:
 * @pad: a pad holding sticky events
 * @info: (out caller-allocates): filled from the pad's image event
 *
 * Returns: %TRUE when @pad has an `imgcompress-image` sticky event
 */
gboolean
gst_imgcompress_pad_get_image_info (GstPad *pad, GstImgcompressImageInfo *info)
{
  GstEvent *event;
  gboolean found = FALSE;
  guint i;

  for (i = 0;; i++) {
    event =
        gst_pad_get_sticky_event (pad, GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, i);
    if (event == NULL)
      break;
    found = gst_imgcompress_image_event_parse (event, info);
    gst_event_unref (event);
    if (found)
      break;
  }
  return found;
}

/**
 * gst_imgcompress_variant_info_init:
 * @info: an uninitialised #GstImgcompressVariantInfo
 */
void
gst_imgcompress_variant_info_init (GstImgcompressVariantInfo *info)
{
  memset (info, 0, sizeof (*info));
  info->jpeg_quality = GST_IMGCOMPRESS_QUALITY_UNSET;
  info->webp_quality = GST_IMGCOMPRESS_QUALITY_UNSET;
}

/**
 * gst_imgcompress_variant_info_clear:
 * @info: a #GstImgcompressVariantInfo
 */
void
gst_imgcompress_variant_info_clear (GstImgcompressVariantInfo *info)
{
  g_free (info->variant);
  gst_imgcompress_variant_info_init (info);
}

/**
 * gst_imgcompress_variant_event_new:
 * @info: the variant
 *
 * Returns: (transfer full): a sticky `imgcompress-variant` event
 */
GstEvent *
gst_imgcompress_variant_event_new (const GstImgcompressVariantInfo *info)
{
  GstStructure *s;

  g_return_val_if_fail (info != NULL, NULL);

  s = gst_structure_new (GST_IMGCOMPRESS_VARIANT_EVENT_NAME, "variant",
      G_TYPE_STRING, info->variant ? info->variant : "", "max-dimension",
      G_TYPE_UINT, info->max_dimension, NULL);
  set_quality_field (s, "jpeg-quality", info->jpeg_quality);
  set_quality_field (s, "webp-quality", info->webp_quality);

  return gst_event_new_custom (GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, s);
}

/**
 * gst_imgcompress_variant_event_parse:
 * @event: an event
 * @info: (out caller-allocates): filled when @event is a variant event
 *
 * Returns: %TRUE when @event is an `imgcompress-variant` event
 */
gboolean
gst_imgcompress_variant_event_parse (GstEvent *event,
    GstImgcompressVariantInfo *info)
{
  const GstStructure *s;

  g_return_val_if_fail (info != NULL, FALSE);

  s = custom_event_structure (event, GST_IMGCOMPRESS_VARIANT_EVENT_NAME);
  if (s == NULL)
    return FALSE;

  gst_imgcompress_variant_info_init (info);
  info->variant = g_strdup (gst_structure_get_string (s, "variant"));
  gst_structure_get_uint (s, "max-dimension", &info->max_dimension);
  info->jpeg_quality = get_quality_field (s, "jpeg-quality");
  info->webp_quality = get_quality_field (s, "webp-quality");
  return TRUE;
}

/**
 * gst_imgcompress_pad_get_variant_info:
 * @pad: a pad holding sticky events
 * @info: (out caller-allocates): filled from the pad's variant event
 *
 * Returns: %TRUE when @pad has an `imgcompress-variant` sticky event
 */
gboolean
gst_imgcompress_pad_get_variant_info (GstPad *pad,
    GstImgcompressVariantInfo *info)
{
  GstEvent *event;
  gboolean found = FALSE;
  guint i;

  for (i = 0;; i++) {
    event =
        gst_pad_get_sticky_event (pad, GST_EVENT_CUSTOM_DOWNSTREAM_STICKY, i);
    if (event == NULL)
      break;
    found = gst_imgcompress_variant_event_parse (event, info);
    gst_event_unref (event);
    if (found)
      break;
  }
  return found;
}

/**
 * gst_imgcompress_effective_quality:
 * @variant_quality: the variant's quality, or %GST_IMGCOMPRESS_QUALITY_UNSET
 * @hint_quality: the image's quality hint, or %GST_IMGCOMPRESS_QUALITY_UNSET
 *
 * The image hint caps the variant: the result is the smaller of the two
 * that are set.
 *
 * Returns: the quality to use, or %GST_IMGCOMPRESS_QUALITY_UNSET when
 *     neither is set
 */
gint
gst_imgcompress_effective_quality (gint variant_quality, gint hint_quality)
{
  if (variant_quality == GST_IMGCOMPRESS_QUALITY_UNSET)
    return hint_quality;
  if (hint_quality == GST_IMGCOMPRESS_QUALITY_UNSET)
    return variant_quality;
  return MIN (variant_quality, hint_quality);
}

/**
 * gst_imgcompress_pad_get_quality:
 * @pad: an encoder's sink pad
 * @format: %GST_IMGCOMPRESS_FORMAT_JPEG or %GST_IMGCOMPRESS_FORMAT_WEBP
 * @fallback: the encoder's own quality property
 *
 * The quality an encoder should use for the image now on @pad: the
 * variant event's quality for @format capped by the image event's hint,
 * or @fallback when there is no variant event.  Without a variant event the
 * image hint still caps @fallback.
 *
 * Returns: the quality to use
 */
gint
gst_imgcompress_pad_get_quality (GstPad *pad, GstImgcompressFormat format,
    gint fallback)
{
  GstImgcompressImageInfo image;
  GstImgcompressVariantInfo variant;
  gint variant_quality = fallback, hint = GST_IMGCOMPRESS_QUALITY_UNSET;

  if (gst_imgcompress_pad_get_variant_info (pad, &variant)) {
    gint q = format == GST_IMGCOMPRESS_FORMAT_WEBP ? variant.webp_quality :
                                                     variant.jpeg_quality;
    if (q != GST_IMGCOMPRESS_QUALITY_UNSET)
      variant_quality = q;
    gst_imgcompress_variant_info_clear (&variant);
  }
  if (gst_imgcompress_pad_get_image_info (pad, &image)) {
    hint = format == GST_IMGCOMPRESS_FORMAT_WEBP ? image.webp_quality :
                                                   image.jpeg_quality;
    gst_imgcompress_image_info_clear (&image);
  }
  return gst_imgcompress_effective_quality (variant_quality, hint);
}

/**
 * gst_imgcompress_size_hint_query_new:
 *
 * Returns: (transfer full): an unanswered `imgcompress-size-hint` query
 */
GstQuery *
gst_imgcompress_size_hint_query_new (void)
{
  return gst_query_new_custom (GST_QUERY_CUSTOM,
      gst_structure_new_empty (GST_IMGCOMPRESS_SIZE_HINT_QUERY_NAME));
}

/**
 * gst_imgcompress_query_is_size_hint:
 * @query: a query
 *
 * Returns: %TRUE when @query is an `imgcompress-size-hint` query
 */
gboolean
gst_imgcompress_query_is_size_hint (GstQuery *query)
{
  const GstStructure *s;

  if (query == NULL || GST_QUERY_TYPE (query) != GST_QUERY_CUSTOM)
    return FALSE;
  s = gst_query_get_structure (query);
  return s != NULL &&
      gst_structure_has_name (s, GST_IMGCOMPRESS_SIZE_HINT_QUERY_NAME);
}

/**
 * gst_imgcompress_size_hint_query_set:
 * @query: a writable `imgcompress-size-hint` query
 * @max_width: the widest output needed downstream, in pixels
 * @max_height: the tallest output needed downstream, in pixels
 *
 * Answers the query.  The `max-dimension` field holds the larger of the
 * two.
 */
void
gst_imgcompress_size_hint_query_set (GstQuery *query, guint max_width,
    guint max_height)
{
  GstStructure *s;

  g_return_if_fail (gst_imgcompress_query_is_size_hint (query));

  s = gst_query_writable_structure (query);
  gst_structure_set (s, "max-dimension", G_TYPE_UINT,
      MAX (max_width, max_height), "max-width", G_TYPE_UINT, max_width,
      "max-height", G_TYPE_UINT, max_height, NULL);
}

/**
 * gst_imgcompress_size_hint_query_parse:
 * @query: an `imgcompress-size-hint` query
 * @max_width: (out) (optional): the box width
 * @max_height: (out) (optional): the box height
 *
 * Returns: %TRUE when the query was answered with a non-zero box
 */
gboolean
gst_imgcompress_size_hint_query_parse (GstQuery *query, guint *max_width,
    guint *max_height)
{
  const GstStructure *s;
  guint w = 0, h = 0, d = 0;

  if (!gst_imgcompress_query_is_size_hint (query))
    return FALSE;
  s = gst_query_get_structure (query);
  gst_structure_get_uint (s, "max-dimension", &d);
  if (!gst_structure_get_uint (s, "max-width", &w))
    w = d;
  if (!gst_structure_get_uint (s, "max-height", &h))
    h = d;
  if (max_width)
    *max_width = w;
  if (max_height)
    *max_height = h;
  return w > 0 && h > 0;
}

/**
 * gst_imgcompress_pad_query_size_hint:
 * @srcpad: a source pad
 * @max_width: (out): the box width downstream needs
 * @max_height: (out): the box height downstream needs
 *
 * Asks downstream of @srcpad how large the decoded image needs to be.
 *
 * Returns: %TRUE when downstream answered with a box
 */
gboolean
gst_imgcompress_pad_query_size_hint (GstPad *srcpad, guint *max_width,
    guint *max_height)
{
  GstQuery *query = gst_imgcompress_size_hint_query_new ();
  gboolean answered;

  answered = gst_pad_peer_query (srcpad, query) &&
      gst_imgcompress_size_hint_query_parse (query, max_width, max_height);
  gst_query_unref (query);
  return answered;
}

/**
 * gst_imgcompress_pad_get_decode_box:
 * @srcpad: a decoder's source pad
 * @max_dimension: the decoder's own max-dimension property, 0 for none
 * @box_width: (out): the box to decode for, 0 for full size
 * @box_height: (out): the box to decode for, 0 for full size
 *
 * The box a decoder shrinks on load for: its property when set, else
 * downstream's answer to the `imgcompress-size-hint` query, else none.
 */
void
gst_imgcompress_pad_get_decode_box (GstPad *srcpad, guint max_dimension,
    guint *box_width, guint *box_height)
{
  *box_width = *box_height = max_dimension;
  if (max_dimension == 0 &&
      !gst_imgcompress_pad_query_size_hint (srcpad, box_width, box_height))
    *box_width = *box_height = 0;
}

/* GstImgcompressEncodeMeta */

GType
gst_imgcompress_encode_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType _type =
        gst_meta_api_type_register ("GstImgcompressEncodeMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

static gboolean
encode_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  GstImgcompressEncodeMeta *emeta = (GstImgcompressEncodeMeta *) meta;

  emeta->quality = GST_IMGCOMPRESS_QUALITY_UNSET;
  emeta->encode_time = GST_CLOCK_TIME_NONE;
  return TRUE;
}

static gboolean
encode_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  GstImgcompressEncodeMeta *emeta = (GstImgcompressEncodeMeta *) meta;

  /* Only whole copies keep the meta: a sub-buffer is no longer the
   * encoder's output. */
  if (GST_META_TRANSFORM_IS_COPY (type)) {
    GstMetaTransformCopy *copy = data;
    if (!copy->region) {
      gst_buffer_add_imgcompress_encode_meta (dest, emeta->quality,
          emeta->encode_time);
    }
  }
  return TRUE;
}

const GstMetaInfo *
gst_imgcompress_encode_meta_get_info (void)
{
  static const GstMetaInfo *meta_info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) &meta_info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_IMGCOMPRESS_ENCODE_META_API_TYPE,
            "GstImgcompressEncodeMeta", sizeof (GstImgcompressEncodeMeta),
            encode_meta_init, NULL, encode_meta_transform);
    g_once_init_leave ((GstMetaInfo **) &meta_info, (GstMetaInfo *) mi);
  }
  return meta_info;
}

/**
 * gst_buffer_add_imgcompress_encode_meta:
 * @buffer: an encoder's output buffer
 * @quality: the quality used
 * @encode_time: ns spent encoding
 *
 * Returns: (transfer none): the meta added
 */
GstImgcompressEncodeMeta *
gst_buffer_add_imgcompress_encode_meta (GstBuffer *buffer, gint quality,
    GstClockTime encode_time)
{
  GstImgcompressEncodeMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  meta = (GstImgcompressEncodeMeta *) gst_buffer_add_meta (buffer,
      GST_IMGCOMPRESS_ENCODE_META_INFO, NULL);
  meta->quality = quality;
  meta->encode_time = encode_time;
  return meta;
}

/**
 * gst_buffer_get_imgcompress_encode_meta:
 * @buffer: a buffer
 *
 * Returns: (transfer none) (nullable): the quality and encode time of an
 *     encoder's output buffer
 */
GstImgcompressEncodeMeta *
gst_buffer_get_imgcompress_encode_meta (GstBuffer *buffer)
{
  return (GstImgcompressEncodeMeta *) gst_buffer_get_meta (buffer,
      GST_IMGCOMPRESS_ENCODE_META_API_TYPE);
}

/* imgcompress-metrics */

static GstStructure *
metrics_to_structure (const gchar *name, const GstImgcompressMetrics *metrics)
{
  GstStructure *s = gst_structure_new (name, "image", G_TYPE_STRING,
      metrics->image ? metrics->image : "", "image-id", G_TYPE_STRING,
      metrics->image_id ? metrics->image_id : "", "image-index", G_TYPE_UINT64,
      metrics->image_index, "variant", G_TYPE_STRING,
      metrics->variant ? metrics->variant : "", "format", G_TYPE_STRING,
      metrics->format ? metrics->format : "", "location", G_TYPE_STRING,
      metrics->location ? metrics->location : "", "width", G_TYPE_UINT,
      metrics->width, "height", G_TYPE_UINT, metrics->height, "quality",
      G_TYPE_INT, metrics->quality, "input-bytes", G_TYPE_UINT64,
      metrics->input_bytes, "output-bytes", G_TYPE_UINT64,
      metrics->output_bytes, "compression-ratio", G_TYPE_DOUBLE,
      metrics->compression_ratio, "processing-time", G_TYPE_UINT64,
      (guint64) metrics->processing_time, "encode-time", G_TYPE_UINT64,
      (guint64) metrics->encode_time, NULL);

  if (metrics->held_location != NULL)
    gst_structure_set (s, "held-location", G_TYPE_STRING,
        metrics->held_location, NULL);
  return s;
}

static void
metrics_from_structure (const GstStructure *s, GstImgcompressMetrics *metrics)
{
  guint64 t;

  gst_imgcompress_metrics_init (metrics);
  metrics->image = g_strdup (gst_structure_get_string (s, "image"));
  metrics->image_id = g_strdup (gst_structure_get_string (s, "image-id"));
  gst_structure_get_uint64 (s, "image-index", &metrics->image_index);
  metrics->variant = g_strdup (gst_structure_get_string (s, "variant"));
  metrics->format = g_strdup (gst_structure_get_string (s, "format"));
  metrics->location = g_strdup (gst_structure_get_string (s, "location"));
  gst_structure_get_uint (s, "width", &metrics->width);
  gst_structure_get_uint (s, "height", &metrics->height);
  gst_structure_get_int (s, "quality", &metrics->quality);
  gst_structure_get_uint64 (s, "input-bytes", &metrics->input_bytes);
  gst_structure_get_uint64 (s, "output-bytes", &metrics->output_bytes);
  gst_structure_get_double (s, "compression-ratio",
      &metrics->compression_ratio);
  if (gst_structure_get_uint64 (s, "processing-time", &t))
    metrics->processing_time = t;
  if (gst_structure_get_uint64 (s, "encode-time", &t))
    metrics->encode_time = t;
  metrics->held_location =
      g_strdup (gst_structure_get_string (s, "held-location"));
}

/* The structure of @message when it is an element message called @name. */
static const GstStructure *
element_message_structure (GstMessage *message, const gchar *name)
{
  const GstStructure *s;

  if (message == NULL || GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT)
    return NULL;
  s = gst_message_get_structure (message);
  if (s == NULL || !gst_structure_has_name (s, name))
    return NULL;
  return s;
}

/**
 * gst_imgcompress_metrics_init:
 * @metrics: an uninitialised #GstImgcompressMetrics
 */
void
gst_imgcompress_metrics_init (GstImgcompressMetrics *metrics)
{
  memset (metrics, 0, sizeof (*metrics));
  metrics->quality = GST_IMGCOMPRESS_QUALITY_UNSET;
  metrics->processing_time = GST_CLOCK_TIME_NONE;
  metrics->encode_time = GST_CLOCK_TIME_NONE;
}

/**
 * gst_imgcompress_metrics_clear:
 * @metrics: a #GstImgcompressMetrics
 */
void
gst_imgcompress_metrics_clear (GstImgcompressMetrics *metrics)
{
  g_free (metrics->image);
  g_free (metrics->image_id);
  g_free (metrics->variant);
  g_free (metrics->format);
  g_free (metrics->location);
  g_free (metrics->held_location);
  gst_imgcompress_metrics_init (metrics);
}

/**
 * gst_imgcompress_metrics_message_new:
 * @src: the posting element
 * @metrics: what was written
 *
 * Returns: (transfer full): an `imgcompress-metrics` element message
 */
GstMessage *
gst_imgcompress_metrics_message_new (GstObject *src,
    const GstImgcompressMetrics *metrics)
{
  g_return_val_if_fail (metrics != NULL, NULL);

  return gst_message_new_element (src,
      metrics_to_structure (GST_IMGCOMPRESS_METRICS_MESSAGE_NAME, metrics));
}

/**
 * gst_imgcompress_metrics_message_parse:
 * @message: a bus message
 * @metrics: (out caller-allocates): filled when @message is a metrics
 *     message; clear with gst_imgcompress_metrics_clear()
 *
 * Returns: %TRUE when @message is an `imgcompress-metrics` message
 */
gboolean
gst_imgcompress_metrics_message_parse (GstMessage *message,
    GstImgcompressMetrics *metrics)
{
  const GstStructure *s;

  g_return_val_if_fail (metrics != NULL, FALSE);

  s = element_message_structure (message, GST_IMGCOMPRESS_METRICS_MESSAGE_NAME);
  if (s == NULL)
    return FALSE;
  metrics_from_structure (s, metrics);
  return TRUE;
}

/* imgcompress-image-done */

/**
 * gst_imgcompress_image_done_message_new:
 * @src: the posting element
 * @image: the image, as its image event said
 * @outputs: (array length=n_outputs) (nullable): what was made of it
 * @n_outputs: number of @outputs
 * @error: (nullable): why the image failed; %NULL when it succeeded
 * @debug: (nullable): technical detail of @error
 *
 * Returns: (transfer full): an `imgcompress-image-done` element message
 */
GstMessage *
gst_imgcompress_image_done_message_new (GstObject *src,
    const GstImgcompressImageInfo *image, const GstImgcompressMetrics *outputs,
    guint n_outputs, const GError *error, const gchar *debug)
{
  GstStructure *s;
  GValue list = G_VALUE_INIT, item = G_VALUE_INIT;
  guint i;

  g_return_val_if_fail (image != NULL, NULL);

  s = gst_structure_new (GST_IMGCOMPRESS_IMAGE_DONE_MESSAGE_NAME, "id",
      G_TYPE_STRING, image->id ? image->id : (image->name ? image->name : ""),
      "name", G_TYPE_STRING, image->name ? image->name : "", "index",
      G_TYPE_UINT64, image->index, "format", G_TYPE_STRING,
      gst_imgcompress_format_to_string (image->format), "width", G_TYPE_UINT,
      image->width, "height", G_TYPE_UINT, image->height, "input-bytes",
      G_TYPE_UINT64, image->input_bytes, "ok", G_TYPE_BOOLEAN, error == NULL,
      NULL);
  if (error)
    gst_structure_set (s, "error", G_TYPE_ERROR, error, "debug", G_TYPE_STRING,
        debug, NULL);

  gst_value_array_init (&list, n_outputs);
  for (i = 0; i < n_outputs; i++) {
    g_value_init (&item, GST_TYPE_STRUCTURE);
    g_value_take_boxed (&item,
        metrics_to_structure ("imgcompress-output", &outputs[i]));
    gst_value_array_append_and_take_value (&list, &item);
  }
  gst_structure_take_value (s, "outputs", &list);
  return gst_message_new_element (src, s);
}

/**
 * gst_imgcompress_image_done_message_parse:
 * @message: a bus message
 * @image: (out caller-allocates) (optional): the image's name, id, index,
 *     format, dimensions and input bytes; clear with
 *     gst_imgcompress_image_info_clear()
 * @n_outputs: (out) (optional): how many outputs were made
 *
 * Returns: %TRUE when @message is an `imgcompress-image-done` message
 */
gboolean
gst_imgcompress_image_done_message_parse (GstMessage *message,
    GstImgcompressImageInfo *image, guint *n_outputs)
{
  const GstStructure *s;
  const GValue *outputs;

  s = element_message_structure (message,
      GST_IMGCOMPRESS_IMAGE_DONE_MESSAGE_NAME);
  if (s == NULL)
    return FALSE;

  if (image) {
    gst_imgcompress_image_info_init (image);
    image->name = g_strdup (gst_structure_get_string (s, "name"));
    image->id = g_strdup (gst_structure_get_string (s, "id"));
    gst_structure_get_uint64 (s, "index", &image->index);
    image->format =
        gst_imgcompress_format_from_string (gst_structure_get_string (s,
            "format"));
    gst_structure_get_uint (s, "width", &image->width);
    gst_structure_get_uint (s, "height", &image->height);
    gst_structure_get_uint64 (s, "input-bytes", &image->input_bytes);
  }
  if (n_outputs) {
    outputs = gst_structure_get_value (s, "outputs");
    *n_outputs = outputs ? gst_value_array_get_size (outputs) : 0;
  }
  return TRUE;
}

/**
 * gst_imgcompress_image_done_message_get_error:
 * @message: an `imgcompress-image-done` message
 * @debug: (out) (optional) (nullable) (transfer full): the technical detail
 *
 * Returns: (transfer full) (nullable): why the image failed (its message is
 *     translated), or %NULL when it succeeded or @message is no image-done
 *     message
 */
GError *
gst_imgcompress_image_done_message_get_error (GstMessage *message,
    gchar **debug)
{
  const GstStructure *s;
  GError *error = NULL;

  if (debug)
    *debug = NULL;
  s = element_message_structure (message,
      GST_IMGCOMPRESS_IMAGE_DONE_MESSAGE_NAME);
  if (s == NULL || !gst_structure_has_field_typed (s, "error", G_TYPE_ERROR))
    return NULL;
  gst_structure_get (s, "error", G_TYPE_ERROR, &error, NULL);
  if (debug)
    *debug = g_strdup (gst_structure_get_string (s, "debug"));
  return error;
}

/**
 * gst_imgcompress_image_done_message_get_output:
 * @message: an `imgcompress-image-done` message
 * @index: which output, from 0
 * @metrics: (out caller-allocates): filled with the output's variant,
 *     format, location (files only), dimensions, quality, bytes and times;
 *     clear with gst_imgcompress_metrics_clear()
 *
 * Returns: %TRUE when @message is an image-done message with that output
 */
gboolean
gst_imgcompress_image_done_message_get_output (GstMessage *message, guint index,
    GstImgcompressMetrics *metrics)
{
  const GstStructure *s;
  const GValue *outputs;

  g_return_val_if_fail (metrics != NULL, FALSE);

  s = element_message_structure (message,
      GST_IMGCOMPRESS_IMAGE_DONE_MESSAGE_NAME);
  if (s == NULL)
    return FALSE;
  outputs = gst_structure_get_value (s, "outputs");
  if (outputs == NULL || index >= gst_value_array_get_size (outputs))
    return FALSE;
  metrics_from_structure (
      gst_value_get_structure (gst_value_array_get_value (outputs, index)),
      metrics);
  return TRUE;
}

/* GstImgcompressImageMeta */

GType
gst_imgcompress_image_meta_api_get_type (void)
{
  static GType type = 0;
  static const gchar *tags[] = { NULL };

  if (g_once_init_enter (&type)) {
    GType _type =
        gst_meta_api_type_register ("GstImgcompressImageMetaAPI", tags);
    g_once_init_leave (&type, _type);
  }
  return type;
}

static gboolean
image_meta_init (GstMeta *meta, gpointer params, GstBuffer *buffer)
{
  GstImgcompressImageMeta *imeta = (GstImgcompressImageMeta *) meta;

  imeta->id = imeta->name = imeta->variant = imeta->format = NULL;
  imeta->index = 0;
  return TRUE;
}

static void
image_meta_free (GstMeta *meta, GstBuffer *buffer)
{
  GstImgcompressImageMeta *imeta = (GstImgcompressImageMeta *) meta;

  g_free (imeta->id);
  g_free (imeta->name);
  g_free (imeta->variant);
  g_free (imeta->format);
}

static gboolean
image_meta_transform (GstBuffer *dest, GstMeta *meta, GstBuffer *buffer,
    GQuark type, gpointer data)
{
  GstImgcompressImageMeta *imeta = (GstImgcompressImageMeta *) meta;

  if (GST_META_TRANSFORM_IS_COPY (type))
    gst_buffer_add_imgcompress_image_meta (dest, imeta->id, imeta->name,
        imeta->index, imeta->variant, imeta->format);
  return TRUE;
}

const GstMetaInfo *
gst_imgcompress_image_meta_get_info (void)
{
  static const GstMetaInfo *meta_info = NULL;

  if (g_once_init_enter ((GstMetaInfo **) &meta_info)) {
    const GstMetaInfo *mi =
        gst_meta_register (GST_IMGCOMPRESS_IMAGE_META_API_TYPE,
            "GstImgcompressImageMeta", sizeof (GstImgcompressImageMeta),
            image_meta_init, image_meta_free, image_meta_transform);
    g_once_init_leave ((GstMetaInfo **) &meta_info, (GstMetaInfo *) mi);
  }
  return meta_info;
}

/**
 * gst_buffer_add_imgcompress_image_meta:
 * @buffer: an encoded output buffer
 * @id: (nullable): the image's identity
 * @name: (nullable): the image's name
 * @index: the image's position in the stream
 * @variant: (nullable): the variant
 * @format: (nullable): `jpeg` or `webp`
 *
 * Returns: (transfer none): the meta added
 */
GstImgcompressImageMeta *
gst_buffer_add_imgcompress_image_meta (GstBuffer *buffer, const gchar *id,
    const gchar *name, guint64 index, const gchar *variant, const gchar *format)
{
  GstImgcompressImageMeta *meta;

  g_return_val_if_fail (GST_IS_BUFFER (buffer), NULL);

  meta = (GstImgcompressImageMeta *) gst_buffer_add_meta (buffer,
      GST_IMGCOMPRESS_IMAGE_META_INFO, NULL);
  meta->id = g_strdup (id);
  meta->name = g_strdup (name);
  meta->index = index;
  meta->variant = g_strdup (variant);
  meta->format = g_strdup (format);
  return meta;
}

/**
 * gst_buffer_get_imgcompress_image_meta:
 * @buffer: a buffer
 *
 * Returns: (transfer none) (nullable): which image and output @buffer is
 */
GstImgcompressImageMeta *
gst_buffer_get_imgcompress_image_meta (GstBuffer *buffer)
{
  return (GstImgcompressImageMeta *) gst_buffer_get_meta (buffer,
      GST_IMGCOMPRESS_IMAGE_META_API_TYPE);
}

/**
 * gst_imgcompress_segment_to_time:
 * @event: (transfer full): an event reaching a decoder's sink pad
 *
 * A source that reads bytes (filesrc) starts the stream with a BYTES
 * segment, which GstVideoDecoder drops, then warns at the first buffer that
 * it has no segment.  A still image starts at 0 whatever the byte offsets
 * were, so a decoder hands its base class a TIME segment from 0 instead.
 *
 * Returns: (transfer full): @event, or a TIME segment with its seqnum in
 *     place of a segment of another format
 */
GstEvent *
gst_imgcompress_segment_to_time (GstEvent *event)
{
  const GstSegment *in;
  GstSegment segment;
  GstEvent *time;

  if (GST_EVENT_TYPE (event) != GST_EVENT_SEGMENT)
    return event;
  gst_event_parse_segment (event, &in);
  if (in->format == GST_FORMAT_TIME)
    return event;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  time = gst_event_new_segment (&segment);
  gst_event_set_seqnum (time, gst_event_get_seqnum (event));
  gst_event_unref (event);
  return time;
}

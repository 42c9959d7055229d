/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressmetadata
 * @title: Output metadata
 * @short_description: the artist and copyright an output may keep, and
 *     the source profile it may embed
 *
 * Outputs carry no EXIF, XMP or GPS by default (docs/tuning.md,
 * "Metadata").  Decoders post an image's artist and copyright as the
 * standard %GST_TAG_ARTIST and %GST_TAG_COPYRIGHT tags, read from its EXIF
 * (Artist, Copyright) and XMP (dc:creator, dc:rights) with libgsttag; an
 * encoder asked to keep them writes them back as a minimal EXIF and XMP,
 * made from those two tags only, so nothing else of the source's
 * metadata (GPS, camera serial numbers, thumbnails) can follow.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressmetadata.h"

#include "gstimgcompresscolour.h"

#include <gst/tag/tag.h>
#include <string.h>

/* The tags that may leave with an image, when asked. */
static const gchar *const kept_tags[] = { GST_TAG_ARTIST, GST_TAG_COPYRIGHT };

static void
copy_kept (GstTagList *to, const GstTagList *from)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (kept_tags); i++) {
    const gchar *value = NULL;

    if (gst_tag_list_peek_string_index (from, kept_tags[i], 0, &value) &&
        value != NULL && *value != '\0')
      gst_tag_list_add (to, GST_TAG_MERGE_KEEP, kept_tags[i], value, NULL);
  }
}

/* The kept tags of what libgsttag's @parse reads in @data. */
static void
keep_parsed (GstTagList *found, const guint8 *data, gsize size,
    GstTagList *(*parse) (GstBuffer *buffer))
{
  GstBuffer *buf = gst_buffer_new_memdup (data, size);
  GstTagList *parsed = parse (buf);

  gst_buffer_unref (buf);
  if (parsed != NULL) {
    copy_kept (found, parsed);
    gst_tag_list_unref (parsed);
  }
}

/* A copy of @buf's bytes; @buf is unreffed. */
static GBytes *
take_bytes (GstBuffer *buf)
{
  GstMapInfo map;
  GBytes *bytes = NULL;

  if (buf == NULL)
    return NULL;
  if (gst_buffer_map (buf, &map, GST_MAP_READ)) {
    bytes = g_bytes_new (map.data, map.size);
    gst_buffer_unmap (buf, &map);
  }
  gst_buffer_unref (buf);
  return bytes;
}

/**
 * gst_imgcompress_copyright_tags_add:
 * @tags: (transfer full) (nullable): the tags a decoder is about to merge
 * @exif_tiff: (array length=exif_size) (nullable): the image's EXIF, as a
 *     TIFF structure
 * @exif_size: its length
 * @xmp: (array length=xmp_size) (nullable): the image's XMP packet
 * @xmp_size: its length
 * @posted: (inout): whether the last tags held an artist or copyright
 *
 * Adds the image's artist and copyright (EXIF first, then XMP) to @tags;
 * after an image that had them, makes sure @tags exists so that they do
 * not carry over.
 *
 * Returns: (transfer full) (nullable): the tags, %NULL when there is
 *     nothing to say
 */
GstTagList *
gst_imgcompress_copyright_tags_add (GstTagList *tags, const guint8 *exif_tiff,
    gsize exif_size, const guint8 *xmp, gsize xmp_size, gboolean *posted)
{
  GstTagList *found = gst_tag_list_new_empty ();
  gboolean any;

  if (exif_tiff != NULL && exif_size >= 8)
    keep_parsed (found, exif_tiff, exif_size,
        gst_tag_list_from_exif_buffer_with_tiff_header);
  /* libgsttag's XMP reader builds every tag of the packet: only a packet
   * that names these is read */
  if (xmp != NULL && xmp_size > 0 &&
      (g_strstr_len ((const gchar *) xmp, xmp_size, "dc:creator") != NULL ||
          g_strstr_len ((const gchar *) xmp, xmp_size, "dc:rights") != NULL))
    keep_parsed (found, xmp, xmp_size, gst_tag_list_from_xmp_buffer);

  any = !gst_tag_list_is_empty (found);
  if (any || *posted) {
    if (tags == NULL)
      tags = gst_tag_list_new_empty ();
    gst_tag_list_insert (tags, found, GST_TAG_MERGE_REPLACE);
  }
  *posted = any;
  gst_tag_list_unref (found);
  return tags;
}

/**
 * gst_imgcompress_output_metadata_from_tags:
 * @metadata: (out caller-allocates): what to write
 * @tags: (nullable): the image's tags, as they reach the encoder
 * @icc: whether to embed the source's ICC profile
 * @copyright: whether to keep the artist and copyright
 *
 * Returns: whether there is anything to write
 */
gboolean
gst_imgcompress_output_metadata_from_tags (GstImgcompressOutputMetadata
                                               *metadata,
    const GstTagList *tags, gboolean icc, gboolean copyright)
{
  static const gchar *schemas[] = { "dc", NULL };
  GstSample *sample = NULL;
  GstTagList *kept;
  GstBuffer *buf;

  memset (metadata, 0, sizeof (*metadata));
  if (tags == NULL)
    return FALSE;

  if (icc) {
    gst_imgcompress_colour_tag_register ();
    if (gst_tag_list_get_sample (tags, GST_IMGCOMPRESS_TAG_COLOUR_PROFILE,
            &sample)) {
      buf = gst_sample_get_buffer (sample);
      metadata->icc = buf ? take_bytes (gst_buffer_ref (buf)) : NULL;
      gst_sample_unref (sample);
    }
  }

  if (copyright) {
    kept = gst_tag_list_new_empty ();
    copy_kept (kept, tags);
    if (!gst_tag_list_is_empty (kept)) {
      metadata->exif =
          take_bytes (gst_tag_list_to_exif_buffer_with_tiff_header (kept));
      metadata->xmp =
          take_bytes (gst_tag_list_to_xmp_buffer (kept, TRUE, schemas));
    }
    gst_tag_list_unref (kept);
  }
  return metadata->icc || metadata->exif || metadata->xmp;
}

/**
 * gst_imgcompress_output_metadata_from_pad:
 * @metadata: (out caller-allocates): what to write
 * @sinkpad: the encoder's sink pad, whose sticky stream tags are the
 *     image's
 * @icc: whether to embed the source's ICC profile
 * @copyright: whether to keep the artist and copyright
 *
 * Returns: whether there is anything to write
 */
gboolean
gst_imgcompress_output_metadata_from_pad (GstImgcompressOutputMetadata
                                              *metadata,
    GstPad *sinkpad, gboolean icc, gboolean copyright)
{
  GstTagList *tags = NULL;
  GstEvent *event;
  gboolean any;
  guint i;

  memset (metadata, 0, sizeof (*metadata));
  if (!icc && !copyright)
    return FALSE;
  /* the stream-scope tag event (a global one is stored beside it) */
  for (i = 0; tags == NULL &&
       (event = gst_pad_get_sticky_event (sinkpad, GST_EVENT_TAG, i)) != NULL;
       i++) {
    GstTagList *list;

    gst_event_parse_tag (event, &list);
    if (gst_tag_list_get_scope (list) == GST_TAG_SCOPE_STREAM)
      tags = gst_tag_list_ref (list);
    gst_event_unref (event);
  }
  any = gst_imgcompress_output_metadata_from_tags (metadata, tags, icc,
      copyright);
  if (tags != NULL)
    gst_tag_list_unref (tags);
  return any;
}

/**
 * gst_imgcompress_metadata_install_properties:
 * @klass: an encoder's class
 * @prop_embed_icc: the id of its `embed-icc` property
 * @prop_copyright: the id of its `copyright` property
 *
 * The two boolean properties (default %FALSE) by which every encoder of
 * ours is told what its outputs carry besides pixels.
 */
void
gst_imgcompress_metadata_install_properties (GObjectClass *klass,
    guint prop_embed_icc, guint prop_copyright)
{
  g_object_class_install_property (klass, prop_embed_icc,
      g_param_spec_boolean ("embed-icc", "Embed ICC profile",
          "Embed the image's ICC profile (the imgcompress-colour-profile "
          "tag), for images whose pixels were not converted to sRGB "
          "(default FALSE)",
          FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (klass, prop_copyright,
      g_param_spec_boolean ("copyright", "Copyright",
          "Write the image's artist and copyright tags as EXIF (Artist, "
          "Copyright) and XMP (dc:creator, dc:rights), and no other "
          "metadata; without it the output carries no EXIF or XMP "
          "(default FALSE)",
          FALSE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
}

/**
 * gst_imgcompress_output_metadata_clear:
 * @metadata: what to free
 */
void
gst_imgcompress_output_metadata_clear (GstImgcompressOutputMetadata *metadata)
{
  g_clear_pointer (&metadata->icc, g_bytes_unref);
  g_clear_pointer (&metadata->exif, g_bytes_unref);
  g_clear_pointer (&metadata->xmp, g_bytes_unref);
}

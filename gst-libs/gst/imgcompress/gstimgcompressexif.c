/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressexif
 * @title: EXIF orientation
 * @short_description: the orientation of a JPEG's Exif APP1 segment, a
 *     WebP EXIF chunk or a PNG eXIf chunk
 *
 * Decoders read the EXIF orientation (TIFF tag 0x0112 in IFD0) and post it
 * as the standard %GST_TAG_IMAGE_ORIENTATION string; imgsizer applies it.
 * The parser reads only what it needs and checks every offset against the
 * segment, so a hostile segment can at worst yield "no orientation".
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressexif.h"
#include "gstimgcompressbytes.h"

#include <string.h>

#define EXIF_HEADER "Exif\0\0"
#define EXIF_HEADER_LEN 6
#define TIFF_HEADER_LEN 8
#define IFD_ENTRY_LEN 12
#define TIFF_TAG_ORIENTATION 0x0112
#define TIFF_TYPE_SHORT 3

static guint
read_u16 (const guint8 *p, gboolean little_endian)
{
  return little_endian ? gst_imgcompress_read_uint16_le (p) :
                         gst_imgcompress_read_uint16_be (p);
}

static guint32
read_u32 (const guint8 *p, gboolean little_endian)
{
  return little_endian ? gst_imgcompress_read_uint32_le (p) :
                         gst_imgcompress_read_uint32_be (p);
}

/* Looks for the orientation entry in IFD0 of the TIFF structure @tiff. */
static guint
tiff_ifd0_orientation (const guint8 *tiff, gsize size)
{
  gboolean le;
  guint32 ifd_offset;
  guint n_entries, i;

  if (size < TIFF_HEADER_LEN)
    return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
  if (tiff[0] == 'I' && tiff[1] == 'I')
    le = TRUE;
  else if (tiff[0] == 'M' && tiff[1] == 'M')
    le = FALSE;
  else
    return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
  if (read_u16 (tiff + 2, le) != 42)
    return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;

  ifd_offset = read_u32 (tiff + 4, le);
  if (ifd_offset < TIFF_HEADER_LEN || ifd_offset > size - 2)
    return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;

  n_entries = read_u16 (tiff + ifd_offset, le);
  /* Never read past the segment, whatever the count claims. */
  n_entries = MIN (n_entries, (size - ifd_offset - 2) / IFD_ENTRY_LEN);

  for (i = 0; i < n_entries; i++) {
    const guint8 *entry = tiff + ifd_offset + 2 + (gsize) i * IFD_ENTRY_LEN;
    guint value;

    if (read_u16 (entry, le) != TIFF_TAG_ORIENTATION)
      continue;
    if (read_u16 (entry + 2, le) != TIFF_TYPE_SHORT ||
        read_u32 (entry + 4, le) < 1)
      return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
    /* A single SHORT sits left-justified in the value field. */
    value = read_u16 (entry + 8, le);
    if (value < 1 || value > 8)
      return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
    return value;
  }
  return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
}

/**
 * gst_imgcompress_exif_parse_orientation:
 * @app1: (array length=size): payload of a JPEG APP1 segment (the bytes
 *     after the segment length), starting with "Exif\0\0", or the TIFF
 *     structure alone, as a WebP EXIF chunk or a PNG eXIf chunk holds it
 *     ("II" or "MM" first)
 * @size: size of @app1 in bytes
 *
 * Returns: the EXIF orientation, 1..8, or
 *     %GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE when the segment is not Exif,
 *     is malformed or has no valid orientation
 */
guint
gst_imgcompress_exif_parse_orientation (const guint8 *app1, gsize size)
{
  if (app1 == NULL)
    return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
  if (size >= EXIF_HEADER_LEN &&
      memcmp (app1, EXIF_HEADER, EXIF_HEADER_LEN) == 0)
    return tiff_ifd0_orientation (app1 + EXIF_HEADER_LEN,
        size - EXIF_HEADER_LEN);
  /* tiff_ifd0_orientation() refuses anything but a TIFF header */
  return tiff_ifd0_orientation (app1, size);
}

/**
 * gst_imgcompress_exif_parse_tiff_orientation:
 * @tiff: (array length=size): Exif data as a TIFF structure, as a PNG eXIf
 *     chunk holds it; an "Exif\0\0" prefix (written by some tools) is
 *     skipped
 * @size: its length
 *
 * Returns: the orientation (1..8), or %GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE
 */
guint
gst_imgcompress_exif_parse_tiff_orientation (const guint8 *tiff, gsize size)
{
  if (tiff == NULL)
    return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
  if (size >= EXIF_HEADER_LEN &&
      memcmp (tiff, EXIF_HEADER, EXIF_HEADER_LEN) == 0)
    return gst_imgcompress_exif_parse_orientation (tiff, size);
  return tiff_ifd0_orientation (tiff, size);
}

/**
 * gst_imgcompress_exif_orientation_to_tag:
 * @orientation: an EXIF orientation, 1..8
 *
 * Maps the EXIF value to the %GST_TAG_IMAGE_ORIENTATION string, as
 * libgsttag does: the rotation (clockwise) and flip that display the image
 * upright.
 *
 * Returns: (nullable): "rotate-0", "flip-rotate-0", "rotate-180",
 *     "flip-rotate-180", "flip-rotate-270", "rotate-90", "flip-rotate-90" or
 *     "rotate-270", or %NULL for an invalid value
 */
const gchar *
gst_imgcompress_exif_orientation_to_tag (guint orientation)
{
  static const gchar *tags[] = { NULL, "rotate-0", "flip-rotate-0",
    "rotate-180", "flip-rotate-180", "flip-rotate-270", "rotate-90",
    "flip-rotate-90", "rotate-270" };

  if (orientation >= G_N_ELEMENTS (tags))
    return NULL;
  return tags[orientation];
}

/**
 * gst_imgcompress_exif_orientation_tags:
 * @orientation: the image's EXIF orientation, 0 when it has none
 * @posted: (inout): whether the last tags said an orientation; updated
 *
 * What a decoder merges into its tags for an image of a stream: its
 * orientation, or "rotate-0" after an image that had one, so that a tag
 * does not carry over to the next image.
 *
 * Returns: (transfer full) (nullable): the tags, %NULL when there is
 *     nothing to say
 */
GstTagList *
gst_imgcompress_exif_orientation_tags (guint orientation, gboolean *posted)
{
  const gchar *tag = gst_imgcompress_exif_orientation_to_tag (orientation);

  if (tag == NULL && !*posted)
    return NULL;
  *posted = tag != NULL;
  return gst_tag_list_new (GST_TAG_IMAGE_ORIENTATION,
      tag != NULL ? tag : "rotate-0", NULL);
}

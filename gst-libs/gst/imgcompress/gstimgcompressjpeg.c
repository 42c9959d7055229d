/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressjpeg
 * @title: JPEG framing
 * @short_description: where a JPEG image starts and ends in a byte stream
 *
 * One JPEG file is one image, but many files hold more than the image:
 * MPF secondary images and Ultra HDR gain maps after the primary image's
 * EOI, appended previews, trailing bytes.  The scanner finds the primary
 * image's EOI, so that what follows it can be skipped; it keeps no data,
 * only its place in the marker structure, so the bytes may come in pieces
 * as small as one byte.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressjpeg.h"

#include <string.h>

/* Where the scanner is within the JPEG marker structure. */
enum
{
  SCAN_SOI_FF,
  SCAN_SOI_D8,
  SCAN_MARKER_FF,
  SCAN_MARKER_CODE,
  SCAN_LENGTH_HI,
  SCAN_LENGTH_LO,
  SCAN_SEGMENT,
  SCAN_ENTROPY,
  SCAN_ENTROPY_FF,
};

#define MARKER_SOI 0xd8
#define MARKER_EOI 0xd9
#define MARKER_SOS 0xda
#define MARKER_TEM 0x01

static gboolean
marker_is_rst (guint8 marker)
{
  return marker >= 0xd0 && marker <= 0xd7;
}

/* SOI, EOI, RSTn and TEM stand alone; every other marker has a length. */
static gboolean
marker_has_length (guint8 marker)
{
  return !(marker == MARKER_SOI || marker == MARKER_EOI ||
      marker == MARKER_TEM || marker_is_rst (marker));
}

/**
 * gst_imgcompress_jpeg_scanner_init:
 * @scanner: a scanner
 *
 * Places @scanner before an image's SOI marker: the first bytes given to
 * gst_imgcompress_jpeg_scanner_scan() are the image's first.
 */
void
gst_imgcompress_jpeg_scanner_init (GstImgcompressJpegScanner *scanner)
{
  g_return_if_fail (scanner != NULL);

  scanner->state = SCAN_SOI_FF;
  scanner->marker = 0;
  scanner->segment_left = 0;
}

/* A marker code after 0xFF; returns TRUE at EOI. */
static gboolean
scan_marker_code (GstImgcompressJpegScanner *scanner, guint8 b)
{
  if (b == 0xff)
    return FALSE; /* fill byte before a marker */
  if (scanner->state == SCAN_ENTROPY_FF && (b == 0x00 || marker_is_rst (b))) {
    /* stuffed zero or restart marker: still entropy-coded data */
    scanner->state = SCAN_ENTROPY;
    return FALSE;
  }
  if (b == MARKER_EOI)
    return TRUE;
  scanner->marker = b;
  scanner->state = marker_has_length (b) ? SCAN_LENGTH_HI : SCAN_MARKER_FF;
  return FALSE;
}

/**
 * gst_imgcompress_jpeg_scanner_scan:
 * @scanner: a scanner
 * @data: (array length=size): the image's next bytes
 * @size: how many bytes @data holds
 * @end: (out): set to %TRUE when the bytes consumed end with the image's
 *     EOI marker
 *
 * Walks @data.  Bytes that are not where a marker belongs (junk between
 * segments) are passed over, as libjpeg does with a warning.
 *
 * Returns: how many bytes of @data belong to the image: @size, or fewer
 *     when the image ends inside @data
 */
gsize
gst_imgcompress_jpeg_scanner_scan (GstImgcompressJpegScanner *scanner,
    const guint8 *data, gsize size, gboolean *end)
{
  gsize i = 0;

  g_return_val_if_fail (scanner != NULL, 0);
  g_return_val_if_fail (data != NULL || size == 0, 0);
  g_return_val_if_fail (end != NULL, 0);

  *end = FALSE;
  while (i < size) {
    guint8 b = data[i];

    switch (scanner->state) {
      case SCAN_SOI_FF:
        scanner->state = b == 0xff ? SCAN_SOI_D8 : SCAN_MARKER_FF;
        i++;
        break;
      case SCAN_SOI_D8:
        scanner->state = SCAN_MARKER_FF;
        i++;
        break;
      case SCAN_MARKER_FF:
        if (b == 0xff)
          scanner->state = SCAN_MARKER_CODE;
        i++;
        break;
      case SCAN_MARKER_CODE:
      case SCAN_ENTROPY_FF:
        i++;
        if (scan_marker_code (scanner, b)) {
          *end = TRUE;
          return i;
        }
        break;
      case SCAN_LENGTH_HI:
        scanner->segment_left = b << 8;
        scanner->state = SCAN_LENGTH_LO;
        i++;
        break;
      case SCAN_LENGTH_LO:
        scanner->segment_left |= b;
        /* the length counts its own two bytes */
        scanner->segment_left =
            scanner->segment_left >= 2 ? scanner->segment_left - 2 : 0;
        scanner->state = SCAN_SEGMENT;
        i++;
        if (scanner->segment_left == 0)
          scanner->state =
              scanner->marker == MARKER_SOS ? SCAN_ENTROPY : SCAN_MARKER_FF;
        break;
      case SCAN_SEGMENT: {
        gsize n = MIN (scanner->segment_left, size - i);

        i += n;
        scanner->segment_left -= n;
        if (scanner->segment_left == 0)
          scanner->state =
              scanner->marker == MARKER_SOS ? SCAN_ENTROPY : SCAN_MARKER_FF;
        break;
      }
      case SCAN_ENTROPY: {
        const guint8 *ff = memchr (data + i, 0xff, size - i);

        if (ff == NULL) {
          i = size;
        } else {
          i = ff - data + 1;
          scanner->state = SCAN_ENTROPY_FF;
        }
        break;
      }
      default:
        g_assert_not_reached ();
    }
  }
  return i;
}

/**
 * gst_imgcompress_jpeg_find_soi:
 * @data: (array length=size): bytes
 * @size: how many bytes @data holds
 *
 * Finds the first SOI marker (FF D8) in @data.
 *
 * Returns: its offset, or -1 when there is none
 */
gssize
gst_imgcompress_jpeg_find_soi (const guint8 *data, gsize size)
{
  const guint8 *p = data, *end = data + size;

  g_return_val_if_fail (data != NULL || size == 0, -1);

  while (p + 1 < end && (p = memchr (p, 0xff, end - p - 1)) != NULL) {
    if (p[1] == MARKER_SOI)
      return p - data;
    p++;
  }
  return -1;
}

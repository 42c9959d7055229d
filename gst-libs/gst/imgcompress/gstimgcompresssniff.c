/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompresssniff
 * @title: header sniffing
 * @short_description: format and dimensions from an image's first bytes
 *
 * gst_imgcompress_sniff_header() reads the JPEG frame header (SOFn), the
 * PNG IHDR chunk or the WebP VP8, VP8L or VP8X header from the first bytes
 * of a file, without decoding anything, so that an image can be refused
 * (too many pixels, broken header) before a decoder allocates memory for
 * it.  It is incremental: when the bytes given end before the dimensions,
 * it says how many bytes it needs and never reads past @size.  A JPEG frame
 * header can come after large APPn segments (Exif thumbnails, ICC
 * profiles), so the number of bytes needed grows as the segments are
 * walked.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompresssniff.h"
#include "gstimgcompressbytes.h"
#include "gst-i18n-plugin.h"
#include "gstimgcompresssize.h"

#include <string.h>

static const guint8 png_signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
  '\n' };

/* The IHDR chunk's length (13) and type, right after the signature. */
static const guint8 png_ihdr_start[] = { 0, 0, 0, 13, 'I', 'H', 'D', 'R' };

static const guint8 vp8_start_code[] = { 0x9d, 0x01, 0x2a };

/* signature 8 + chunk length 4 + type 4 + IHDR data 13 + CRC 4 */
#define PNG_HEADER_BYTES 33
#define PNG_IHDR_TYPE_OFFSET 12
#define PNG_IHDR_DATA_BYTES 13
#define PNG_IHDR_CRC_OFFSET 29

/* "RIFF" size "WEBP", then the first chunk's fourcc and size. */
#define WEBP_CHUNK_OFFSET 12
#define WEBP_PAYLOAD_OFFSET 20
#define WEBP_VP8_HEADER_BYTES 10
#define WEBP_VP8L_HEADER_BYTES 5
#define WEBP_VP8X_HEADER_BYTES 10

static GstImgcompressSniffResult
need_more (GstImgcompressHeaderInfo *info, gsize needed)
{
  info->needed = needed;
  return GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA;
}

static GstImgcompressSniffResult
invalid (GstImgcompressHeaderInfo *info, const gchar *why)
{
  info->error = why;
  return GST_IMGCOMPRESS_SNIFF_INVALID;
}

static GstImgcompressSniffResult
found (GstImgcompressHeaderInfo *info, guint width, guint height,
    gboolean has_alpha)
{
  if (width == 0 || height == 0)
    return invalid (info, N_ ("width or height 0"));
  info->width = width;
  info->height = height;
  info->has_alpha = has_alpha;
  return GST_IMGCOMPRESS_SNIFF_OK;
}

/* Whether the bytes of @data available at @offset agree with @expected;
 * bytes beyond @size are not looked at. */
static gboolean
available_bytes_match (const guint8 *data, gsize size, gsize offset,
    const guint8 *expected, gsize expected_len)
{
  gsize i;

  for (i = 0; i < expected_len && offset + i < size; i++)
    if (data[offset + i] != expected[i])
      return FALSE;
  return TRUE;
}

/* JPEG */

/* SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC) which share the
 * range. */
static gboolean
jpeg_marker_is_sof (guint8 marker)
{
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 &&
      marker != 0xcc;
}

/* Markers that cannot come before the frame header: entropy-coded data
 * (SOS, RSTn), a second SOI, EOI, and a stuffed zero. */
static gboolean
jpeg_marker_forbidden_before_sof (guint8 marker)
{
  return marker == 0x00 || marker == 0xd8 || marker == 0xd9 || marker == 0xda ||
      (marker >= 0xd0 && marker <= 0xd7);
}

/* The frame header: FF Cn, length (2), precision (1), height (2),
 * width (2), number of components (1), then 3 bytes per component. */
static GstImgcompressSniffResult
read_jpeg_sof (const guint8 *data, gsize size, gsize pos,
    GstImgcompressHeaderInfo *info)
{
  guint length, height, width, components;

  if (size < pos + 10)
    return need_more (info, pos + 10);

  length = gst_imgcompress_read_uint16_be (data + pos + 2);
  height = gst_imgcompress_read_uint16_be (data + pos + 5);
  width = gst_imgcompress_read_uint16_be (data + pos + 7);
  components = data[pos + 9];

  if (components == 0 || length < 8 + 3 * components)
    return invalid (info, N_ ("frame header too short for its components"));
  if (height == 0)
    return invalid (info,
        N_ ("height 0, to be given by a DNL marker (not supported)"));
  info->progressive = (data[pos + 1] & 0x03) == 0x02;
  info->components = components;
  info->bit_depth = data[pos + 4];
  return found (info, width, height, FALSE);
}

static GstImgcompressSniffResult
sniff_jpeg (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  gsize pos = 2;

  if (size < 2)
    return need_more (info, 2);
  if (data[1] != 0xd8)
    return invalid (info, "no JPEG start-of-image marker");
  info->format = GST_IMGCOMPRESS_FORMAT_JPEG;

  for (;;) {
    guint8 marker;
    guint length;

    if (size < pos + 2)
      return need_more (info, pos + 2);
    if (data[pos] != 0xff)
      return invalid (info,
          N_ ("no marker where the next segment should start"));

    marker = data[pos + 1];
    if (marker == 0xff) {
      /* fill byte before a marker */
      pos++;
      continue;
    }
    if (jpeg_marker_is_sof (marker))
      return read_jpeg_sof (data, size, pos, info);
    if (jpeg_marker_forbidden_before_sof (marker))
      return invalid (info, N_ ("no frame header (SOF) before the image data"));
    if (marker == 0x01) {
      /* TEM stands alone, without a length */
      pos += 2;
      continue;
    }

    if (size < pos + 4)
      return need_more (info, pos + 4);
    length = gst_imgcompress_read_uint16_be (data + pos + 2);
    if (length < 2)
      return invalid (info, N_ ("segment length below 2"));
    /* pos grows by at most 65537 per segment and stays below size + 65537:
     * no overflow. */
    pos += 2 + length;
  }
}

/* PNG */

/* CRC-32 of ISO 3309 as PNG uses it (reflected, polynomial 0xedb88320),
 * bit by bit: it only ever runs over the 17 bytes of IHDR. */
static guint32
png_crc32 (const guint8 *data, gsize len)
{
  guint32 crc = 0xffffffff;
  gsize i;
  gint bit;

  for (i = 0; i < len; i++) {
    crc ^= data[i];
    for (bit = 0; bit < 8; bit++)
      crc = (crc >> 1) ^ (0xedb88320 & (0u - (crc & 1)));
  }
  return crc ^ 0xffffffff;
}

static gboolean
png_depth_allowed (guint colour_type, guint depth)
{
  switch (colour_type) {
    case 0:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8 ||
          depth == 16;
    case 3:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6:
      return depth == 8 || depth == 16;
    default:
      return FALSE;
  }
}

/* Samples per pixel of a PNG colour type (palette entries are RGB). */
static guint
png_components (guint colour_type)
{
  static const guint components[] = { 1, 0, 3, 3, 2, 0, 4 };

  return colour_type < G_N_ELEMENTS (components) ? components[colour_type] : 0;
}

static GstImgcompressSniffResult
sniff_png (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  guint32 width, height;
  guint depth, colour_type;

  if (!available_bytes_match (data, size, 0, png_signature,
          sizeof (png_signature)))
    return invalid (info, "no PNG signature");
  if (size < sizeof (png_signature))
    return need_more (info, sizeof (png_signature));

  info->format = GST_IMGCOMPRESS_FORMAT_PNG;
  if (!available_bytes_match (data, size, sizeof (png_signature),
          png_ihdr_start, sizeof (png_ihdr_start)))
    return invalid (info, N_ ("the first chunk is not a 13-byte IHDR"));
  if (size < PNG_HEADER_BYTES)
    return need_more (info, PNG_HEADER_BYTES);

  if (png_crc32 (data + PNG_IHDR_TYPE_OFFSET, 4 + PNG_IHDR_DATA_BYTES) !=
      gst_imgcompress_read_uint32_be (data + PNG_IHDR_CRC_OFFSET))
    return invalid (info, N_ ("CRC error in chunk IHDR"));

  width = gst_imgcompress_read_uint32_be (data + 16);
  height = gst_imgcompress_read_uint32_be (data + 20);
  depth = data[24];
  colour_type = data[25];
  if (width > G_MAXINT32 || height > G_MAXINT32)
    return invalid (info, N_ ("width or height above 2^31 - 1"));
  if (!png_depth_allowed (colour_type, depth))
    return invalid (info, N_ ("colour type and bit depth do not match"));
  if (data[26] != 0 || data[27] != 0 || data[28] > 1)
    return invalid (info,
        N_ ("unknown compression, filter or interlace method"));

  info->components = png_components (colour_type);
  info->bit_depth = depth;
  return found (info, width, height, colour_type == 4 || colour_type == 6);
}

/* WebP */

static GstImgcompressSniffResult
read_webp_vp8 (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  const gsize p = WEBP_PAYLOAD_OFFSET;
  guint32 frame_tag;

  if (size >= p + 3) {
    frame_tag = GST_READ_UINT24_LE (data + p);
    /* bit 0 clear means key frame; a still image is one key frame */
    if (frame_tag & 1)
      return invalid (info, N_ ("VP8 data does not start with a key frame"));
  }
  if (!available_bytes_match (data, size, p + 3, vp8_start_code,
          sizeof (vp8_start_code)))
    return invalid (info, N_ ("VP8 start code missing"));
  if (size < p + WEBP_VP8_HEADER_BYTES)
    return need_more (info, p + WEBP_VP8_HEADER_BYTES);

  info->components = 3;
  /* 14 bits of size, 2 bits of upscaling hint */
  return found (info, gst_imgcompress_read_uint16_le (data + p + 6) & 0x3fff,
      gst_imgcompress_read_uint16_le (data + p + 8) & 0x3fff, FALSE);
}

static GstImgcompressSniffResult
read_webp_vp8l (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  const gsize p = WEBP_PAYLOAD_OFFSET;
  guint32 bits;

  if (size >= p + 1 && data[p] != 0x2f)
    return invalid (info, N_ ("VP8L signature byte missing"));
  if (size < p + WEBP_VP8L_HEADER_BYTES)
    return need_more (info, p + WEBP_VP8L_HEADER_BYTES);

  bits = gst_imgcompress_read_uint32_le (data + p + 1);
  if (bits >> 29 != 0)
    return invalid (info, N_ ("unknown VP8L version"));
  info->lossless = TRUE;
  info->components = (bits >> 28) & 1 ? 4 : 3;
  return found (info, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1,
      (bits >> 28) & 1);
}

static GstImgcompressSniffResult
read_webp_vp8x (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  const gsize p = WEBP_PAYLOAD_OFFSET;
  guint32 width, height;

  if (size < p + WEBP_VP8X_HEADER_BYTES)
    return need_more (info, p + WEBP_VP8X_HEADER_BYTES);

  width = GST_READ_UINT24_LE (data + p + 4) + 1;
  height = GST_READ_UINT24_LE (data + p + 7) + 1;
  /* the format caps the canvas area at 2^32 - 1 */
  if ((guint64) width * height > G_MAXUINT32)
    return invalid (info, N_ ("canvas area above 2^32 - 1"));
  /* its image chunks come later, lossy or lossless */
  info->lossless = TRUE;
  info->animated = (data[p] & 0x02) != 0;
  info->components = (data[p] & 0x10) != 0 || info->animated ? 4 : 3;
  return found (info, width, height, (data[p] & 0x10) != 0);
}

static GstImgcompressSniffResult
sniff_webp (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  guint32 chunk_size;

  if (!available_bytes_match (data, size, 0, (const guint8 *) "RIFF", 4) ||
      !available_bytes_match (data, size, 8, (const guint8 *) "WEBP", 4))
    return invalid (info, "no RIFF WEBP signature");
  if (size < WEBP_CHUNK_OFFSET)
    return need_more (info, WEBP_CHUNK_OFFSET);

  info->format = GST_IMGCOMPRESS_FORMAT_WEBP;
  info->bit_depth = 8;
  if (gst_imgcompress_read_uint32_le (data + 4) < 4 + 8)
    return invalid (info, N_ ("RIFF size too small for a chunk"));
  if (size < WEBP_PAYLOAD_OFFSET)
    return need_more (info, WEBP_PAYLOAD_OFFSET);

  chunk_size = gst_imgcompress_read_uint32_le (data + WEBP_CHUNK_OFFSET + 4);
  if (memcmp (data + WEBP_CHUNK_OFFSET, "VP8 ", 4) == 0) {
    if (chunk_size < WEBP_VP8_HEADER_BYTES)
      return invalid (info, N_ ("VP8 chunk too small"));
    return read_webp_vp8 (data, size, info);
  }
  if (memcmp (data + WEBP_CHUNK_OFFSET, "VP8L", 4) == 0) {
    if (chunk_size < WEBP_VP8L_HEADER_BYTES)
      return invalid (info, N_ ("VP8L chunk too small"));
    return read_webp_vp8l (data, size, info);
  }
  if (memcmp (data + WEBP_CHUNK_OFFSET, "VP8X", 4) == 0) {
    if (chunk_size < WEBP_VP8X_HEADER_BYTES)
      return invalid (info, N_ ("VP8X chunk too small"));
    return read_webp_vp8x (data, size, info);
  }
  return invalid (info, N_ ("first chunk is not VP8, VP8L or VP8X"));
}

/**
 * gst_imgcompress_sniff_header:
 * @data: (array length=size) (nullable): the first bytes of an image file
 * @size: how many bytes @data holds
 * @info: (out caller-allocates): what the header says
 *
 * Reads the format and dimensions from the start of a JPEG, PNG or WebP
 * file.  Never reads beyond @size bytes: when the dimensions come later it
 * returns %GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA and sets @info->needed to
 * the length of the prefix it needs next (for a JPEG with large APPn
 * segments this can take several calls, each asking for more).
 *
 * Returns: the outcome
 */
GstImgcompressSniffResult
gst_imgcompress_sniff_header (const guint8 *data, gsize size,
    GstImgcompressHeaderInfo *info)
{
  g_return_val_if_fail (info != NULL, GST_IMGCOMPRESS_SNIFF_INVALID);
  g_return_val_if_fail (data != NULL || size == 0,
      GST_IMGCOMPRESS_SNIFF_INVALID);

  memset (info, 0, sizeof (*info));
  info->format = GST_IMGCOMPRESS_FORMAT_UNKNOWN;

  if (size == 0)
    return need_more (info, 1);

  switch (data[0]) {
    case 0xff:
      return sniff_jpeg (data, size, info);
    case 0x89:
      return sniff_png (data, size, info);
    case 'R':
      return sniff_webp (data, size, info);
    default:
      return invalid (info, "not a JPEG, PNG or WebP file");
  }
}

/**
 * gst_imgcompress_sniff_signature:
 * @data: (array length=size) (nullable): bytes
 * @size: how many bytes @data holds
 *
 * Whether @data starts with a complete JPEG (FF D8 FF), PNG (8-byte
 * signature) or WebP (RIFF....WEBP) signature.  Elements that get one
 * image per buffer use it to tell a new image from the continuation of
 * the previous one.
 *
 * Returns: the format whose signature @data starts with, or
 *     %GST_IMGCOMPRESS_FORMAT_UNKNOWN
 */
GstImgcompressFormat
gst_imgcompress_sniff_signature (const guint8 *data, gsize size)
{
  static const guint8 jpeg_signature[] = { 0xff, 0xd8, 0xff };

  if (data == NULL)
    return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
  if (size >= sizeof (jpeg_signature) &&
      memcmp (data, jpeg_signature, sizeof (jpeg_signature)) == 0)
    return GST_IMGCOMPRESS_FORMAT_JPEG;
  if (size >= sizeof (png_signature) &&
      memcmp (data, png_signature, sizeof (png_signature)) == 0)
    return GST_IMGCOMPRESS_FORMAT_PNG;
  if (size >= WEBP_CHUNK_OFFSET && memcmp (data, "RIFF", 4) == 0 &&
      memcmp (data + 8, "WEBP", 4) == 0)
    return GST_IMGCOMPRESS_FORMAT_WEBP;
  return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
}

/* What one image costs beyond the fixed: encoders, queues, the bin's
 * elements; measured on the corpus, rounded up. */
#define WORKING_SET_BASE (24 * 1024 * 1024)

/* Bytes per pixel of a decoded 8-bit frame: RGBA, the widest a decoder
 * outputs (I420 takes 1.5, GRAY8 1). */
#define FRAME_BYTES_PER_PIXEL 4

/* A PNG's sides reach 2^31 - 1: products of its sizes can overflow. */
static guint64
mul_saturated (guint64 a, guint64 b)
{
  guint64 product;

  return g_uint64_checked_mul (&product, a, b) ? product : G_MAXUINT64;
}

static guint64
add_saturated (guint64 a, guint64 b)
{
  guint64 sum;

  return g_uint64_checked_add (&sum, a, b) ? sum : G_MAXUINT64;
}

/* A batch adds up the estimates of the images in flight: none is larger
 * than this (far more than any machine has), so those sums cannot wrap. */
#define WORKING_SET_MAX (G_MAXUINT64 / 1024)

/* The frame a PNG decoder holds at the file's own sample size before the
 * reduction to 8 bits.  The assumption: 16-bit PNGs (bytes per sample from
 * IHDR) are decoded whole at 16 bits, as the stock pngdec outputs them (and
 * videoconvert reduces them into a second frame), or as a decoder that
 * de-interlaces at the file's depth holds them; a decoder that reduces
 * each row as it comes needs less, so this bounds both.  8-bit and smaller
 * depths come out as the 8-bit frame itself. */
static guint64
png_deep_frame_bytes (const GstImgcompressHeaderInfo *info)
{
  if (info->bit_depth <= 8)
    return 0;
  return mul_saturated ((guint64) info->width * info->height,
      MAX (info->components, 1) * ((info->bit_depth + 7) / 8));
}

/* What libwebp allocates at full size whatever the scale: lossless data
 * is decoded into an ARGB buffer of the whole image (or of an animation
 * frame, which may cover the canvas); lossy data is decoded a few rows at a
 * time. */
static guint64
webp_full_size_bytes (const GstImgcompressHeaderInfo *info)
{
  if (!info->lossless)
    return 0;
  /* a WebP's sides are below 2^24 */
  return (guint64) info->width * info->height * 4;
}

/**
 * gst_imgcompress_estimate_working_set:
 * @info: a header read with %GST_IMGCOMPRESS_SNIFF_OK
 * @input_bytes: the size of the encoded file (0 when not known)
 * @max_dimension: the largest variant's box
 *
 * Estimates the memory that making the variants of this image needs at
 * its peak:
 * - the encoded bytes: the decoder holds the whole file while it decodes
 *   (the buffers it was read in are gone by then, or are that very
 *   memory);
 * - the decoded 8-bit frame at the scale the decoder will choose, twice
 *   (decoder output and resize); for an animated WebP the frame is the
 *   canvas;
 * - what the decoder holds besides at full size: for a progressive JPEG
 *   the DCT coefficients of the whole image (2 bytes per sample, counted at
 *   4:4:4); for a PNG of 16 bits per sample the frame at 16 bits; for a
 *   lossless (or extended) WebP libwebp's full-size ARGB buffer;
 * - the encoders and the pipeline.
 *
 * A batch tool schedules images so that the estimates of those in flight
 * stay within its memory budget.
 *
 * Returns: the estimate in bytes, at most %G_MAXUINT64 / 1024 so that the
 *     estimates of many images add up without overflow
 */
guint64
gst_imgcompress_estimate_working_set (const GstImgcompressHeaderInfo *info,
    guint64 input_bytes, guint max_dimension)
{
  guint64 w = info->width, h = info->height, frame, decoder_extra = 0, sum;
  guint n = 8, out_w, out_h;

  /* libjpeg-turbo and libwebp shrink on load; PNG is decoded whole. */
  if (info->format != GST_IMGCOMPRESS_FORMAT_PNG)
    n = gst_imgcompress_pick_scale_eighths (info->width, info->height,
        max_dimension, max_dimension);
  out_w = gst_imgcompress_scaled_dimension (info->width, n, 8);
  out_h = gst_imgcompress_scaled_dimension (info->height, n, 8);
  frame = mul_saturated ((guint64) out_w * out_h, FRAME_BYTES_PER_PIXEL);

  switch (info->format) {
    case GST_IMGCOMPRESS_FORMAT_JPEG:
      /* a JPEG's sides are below 2^16 */
      if (info->progressive)
        decoder_extra = w * h * MAX (info->components, 1) * 2;
      break;
    case GST_IMGCOMPRESS_FORMAT_PNG:
      decoder_extra = png_deep_frame_bytes (info);
      break;
    case GST_IMGCOMPRESS_FORMAT_WEBP:
      decoder_extra = webp_full_size_bytes (info);
      break;
    default:
      break;
  }
  sum = add_saturated (WORKING_SET_BASE, input_bytes);
  sum = add_saturated (sum, mul_saturated (frame, 2));
  sum = add_saturated (sum, decoder_extra);
  return MIN (sum, WORKING_SET_MAX);
}

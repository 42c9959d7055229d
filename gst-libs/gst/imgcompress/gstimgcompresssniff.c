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
 * PNG IHDR chunk, the WebP VP8, VP8L or VP8X header, the HEIF or AVIF
 * primary image's size property (ispe, in the meta box), the GIF logical
 * screen, the TIFF first directory or the BMP information header from the
 * first bytes of a file, without decoding anything, so that an image can be
 * refused (too many pixels, broken header) before a decoder allocates memory
 * for it.  It is incremental: when the bytes given end before the dimensions,
 * it says how many bytes it needs and never reads past @size.  A JPEG frame
 * header can come after large APPn segments (Exif thumbnails, ICC
 * profiles), so the number of bytes needed grows as the segments are
 * walked; a TIFF's first directory may be at the end of the file, after
 * the image data (libtiff writes it there), and a HEIF's meta box after
 * the media data.
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

/* GIF */

/* "GIF87a" or "GIF89a", then the logical screen: width, height (16 bits,
 * little-endian), flags, background, aspect. */
#define GIF_SCREEN_BYTES 13

static GstImgcompressSniffResult
sniff_gif (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  if (!available_bytes_match (data, size, 0, (const guint8 *) "GIF8", 4) ||
      (size > 4 && data[4] != '7' && data[4] != '9') ||
      !available_bytes_match (data, size, 5, (const guint8 *) "a", 1))
    return invalid (info, "no GIF signature");
  if (size < 6)
    return need_more (info, 6);

  info->format = GST_IMGCOMPRESS_FORMAT_GIF;
  if (size < GIF_SCREEN_BYTES)
    return need_more (info, GIF_SCREEN_BYTES);
  /* palette entries are RGB; transparency comes in a later extension */
  info->components = 3;
  info->bit_depth = 8;
  return found (info, gst_imgcompress_read_uint16_le (data + 6),
      gst_imgcompress_read_uint16_le (data + 8), FALSE);
}

/* TIFF */

#define TIFF_TAG_IMAGE_WIDTH 256
#define TIFF_TAG_IMAGE_LENGTH 257
#define TIFF_TAG_BITS_PER_SAMPLE 258
#define TIFF_TAG_SAMPLES_PER_PIXEL 277
#define TIFF_TAG_EXTRA_SAMPLES 338

#define TIFF_TYPE_SHORT 3
#define TIFF_TYPE_LONG 4
#define TIFF_TYPE_LONG8 16

/* A first directory with more entries is not a real file's. */
#define TIFF_MAX_ENTRIES 4096

typedef struct
{
  gboolean big_endian;
  gboolean big; /* BigTIFF: 8-byte offsets and counts, 20-byte entries */
} TiffLayout;

static guint32
tiff_u16 (const TiffLayout *t, const guint8 *p)
{
  return t->big_endian ? gst_imgcompress_read_uint16_be (p) :
                         gst_imgcompress_read_uint16_le (p);
}

static guint32
tiff_u32 (const TiffLayout *t, const guint8 *p)
{
  return t->big_endian ? gst_imgcompress_read_uint32_be (p) :
                         gst_imgcompress_read_uint32_le (p);
}

static guint64
tiff_u64 (const TiffLayout *t, const guint8 *p)
{
  guint64 first = tiff_u32 (t, p), second = tiff_u32 (t, p + 4);

  return t->big_endian ? first << 32 | second : second << 32 | first;
}

static guint64
tiff_offset (const TiffLayout *t, const guint8 *p)
{
  return t->big ? tiff_u64 (t, p) : tiff_u32 (t, p);
}

/* The first value of a SHORT, LONG or LONG8 field: in the entry itself
 * when all its values fit there, else at the offset the entry holds (in
 * @data when @size reaches it, else *@needed says how far it is).
 * G_MAXUINT64 for another type. */
static guint64
tiff_entry_value (const TiffLayout *t, const guint8 *data, gsize size,
    const guint8 *entry, guint64 *needed)
{
  const guint8 *value = entry + (t->big ? 12 : 8);
  guint64 count = t->big ? tiff_u64 (t, entry + 4) : tiff_u32 (t, entry + 4);
  guint type = tiff_u16 (t, entry + 2);
  guint width = type == TIFF_TYPE_SHORT ? 2 : type == TIFF_TYPE_LONG ? 4 : 8;
  guint64 offset;

  if (type != TIFF_TYPE_SHORT && type != TIFF_TYPE_LONG &&
      (type != TIFF_TYPE_LONG8 || !t->big))
    return G_MAXUINT64;
  if (count > (t->big ? 8u : 4u) / width) {
    offset = tiff_offset (t, value);
    if (offset > G_MAXUINT32 * (guint64) 16)
      return G_MAXUINT64;
    if (size < offset + width) {
      *needed = MAX (*needed, offset + width);
      return 0;
    }
    value = data + offset;
  }
  return width == 2 ? tiff_u16 (t, value) :
      width == 4    ? tiff_u32 (t, value) :
                      tiff_u64 (t, value);
}

/* The header: byte order, 42 (or 43 for BigTIFF, with its offset size 8),
 * then the offset of the first directory. */
static GstImgcompressSniffResult
read_tiff_header (const guint8 *data, gsize size, TiffLayout *t, guint64 *ifd,
    GstImgcompressHeaderInfo *info)
{
  static const guint8 le[] = { 'I', 'I' }, be[] = { 'M', 'M' };
  guint version;

  if (!available_bytes_match (data, size, 0, data[0] == 'I' ? le : be, 2))
    return invalid (info, "no TIFF byte order mark");
  if (size < 4)
    return need_more (info, 4);
  t->big_endian = data[0] == 'M';
  version = tiff_u16 (t, data + 2);
  if (version != 42 && version != 43)
    return invalid (info, "no TIFF version 42 or 43");
  info->format = GST_IMGCOMPRESS_FORMAT_TIFF;
  t->big = version == 43;
  if (size < (t->big ? 16u : 8u))
    return need_more (info, t->big ? 16 : 8);
  if (t->big && (tiff_u16 (t, data + 4) != 8 || tiff_u16 (t, data + 6) != 0))
    return invalid (info, N_ ("BigTIFF offset size is not 8"));
  *ifd = tiff_offset (t, data + (t->big ? 8 : 4));
  if (*ifd < (t->big ? 16u : 8u))
    return invalid (info,
        N_ ("the first directory's offset points into "
            "the header"));
  /* bounds every sum below; no file of the allowed size gets there */
  if (*ifd > G_MAXUINT32 * (guint64) 16)
    return invalid (info,
        N_ ("the first directory's offset is beyond any "
            "file"));
  return GST_IMGCOMPRESS_SNIFF_OK;
}

static GstImgcompressSniffResult
sniff_tiff (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  TiffLayout t;
  GstImgcompressSniffResult res;
  guint64 ifd, count, entries, i, width = 0, height = 0, needed = 0;
  gsize entry_size, count_size;

  res = read_tiff_header (data, size, &t, &ifd, info);
  if (res != GST_IMGCOMPRESS_SNIFF_OK)
    return res;
  count_size = t.big ? 8 : 2;
  entry_size = t.big ? 20 : 12;
  if (size < ifd + count_size)
    return need_more (info, ifd + count_size);
  count = t.big ? tiff_u64 (&t, data + ifd) : tiff_u16 (&t, data + ifd);
  if (count == 0 || count > TIFF_MAX_ENTRIES)
    return invalid (info,
        N_ ("the first directory has no entries, or "
            "more than 4096"));
  entries = ifd + count_size;
  if (size < entries + count * entry_size)
    return need_more (info, entries + count * entry_size);

  info->components = 1;
  info->bit_depth = 1;
  for (i = 0; i < count; i++) {
    const guint8 *e = data + entries + i * entry_size;
    guint64 value = tiff_entry_value (&t, data, size, e, &needed);

    switch (tiff_u16 (&t, e)) {
      case TIFF_TAG_IMAGE_WIDTH:
        width = value;
        break;
      case TIFF_TAG_IMAGE_LENGTH:
        height = value;
        break;
      case TIFF_TAG_SAMPLES_PER_PIXEL:
        info->components = value <= G_MAXUINT16 ? value : 0;
        break;
      case TIFF_TAG_BITS_PER_SAMPLE:
        /* one value per sample: the first is in the entry itself when
         * they fit there (one or two of them; all the same in practice) */
        info->bit_depth = value <= G_MAXUINT16 ? value : 0;
        break;
      case TIFF_TAG_EXTRA_SAMPLES:
        /* 1 associated, 2 unassociated alpha */
        info->has_alpha = value == 1 || value == 2;
        break;
      default:
        break;
    }
  }
  if (needed > 0)
    return need_more (info, needed);
  if (width == 0 || height == 0)
    return invalid (info,
        N_ ("no ImageWidth or ImageLength in the first "
            "directory"));
  if (width > G_MAXUINT32 || height > G_MAXUINT32)
    return invalid (info, N_ ("width or height above 2^32 - 1"));
  return found (info, width, height, info->has_alpha);
}

/* BMP */

#define BMP_FILE_HEADER_BYTES 14
#define BMP_CORE_HEADER_SIZE 12

static gboolean
bmp_info_size_known (guint32 size)
{
  /* BITMAPCOREHEADER, OS/2 2.x (short and full), BITMAPINFOHEADER, its
   * two Adobe extensions, BITMAPV4HEADER, BITMAPV5HEADER */
  return size == 12 || size == 16 || size == 64 || size == 40 || size == 52 ||
      size == 56 || size == 108 || size == 124;
}

/* @layout, when given, gets the bits per pixel and the row order. */
static GstImgcompressSniffResult
sniff_bmp (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info,
    GstImgcompressBmpLayout *layout)
{
  guint32 info_size, bits;
  gint32 width, height;

  if (!available_bytes_match (data, size, 0, (const guint8 *) "BM", 2))
    return invalid (info, "no BMP signature");
  if (size < BMP_FILE_HEADER_BYTES + 4)
    return need_more (info, BMP_FILE_HEADER_BYTES + 4);
  info_size = gst_imgcompress_read_uint32_le (data + BMP_FILE_HEADER_BYTES);
  /* "BM" alone is too little to call a file a bitmap */
  if (!bmp_info_size_known (info_size))
    return invalid (info, "no BMP information header");
  info->format = GST_IMGCOMPRESS_FORMAT_BMP;

  if (info_size == BMP_CORE_HEADER_SIZE) {
    if (size < 26)
      return need_more (info, 26);
    width = gst_imgcompress_read_uint16_le (data + 18);
    height = gst_imgcompress_read_uint16_le (data + 20);
    bits = gst_imgcompress_read_uint16_le (data + 24);
  } else {
    if (size < 30)
      return need_more (info, 30);
    width = (gint32) gst_imgcompress_read_uint32_le (data + 18);
    height = (gint32) gst_imgcompress_read_uint32_le (data + 22);
    bits = gst_imgcompress_read_uint16_le (data + 28);
  }
  if (width < 0)
    return invalid (info, N_ ("negative width"));
  /* a negative height means the rows are stored top-down */
  if (height == G_MININT32)
    return invalid (info, N_ ("height -2^31"));
  if (bits != 1 && bits != 2 && bits != 4 && bits != 8 && bits != 16 &&
      bits != 24 && bits != 32)
    return invalid (info, N_ ("bits per pixel not 1, 2, 4, 8, 16, 24 or 32"));
  info->components = bits == 32 ? 4 : 3;
  info->bit_depth = 8;
  if (layout) {
    layout->info_size = info_size;
    layout->bits_per_pixel = bits;
    layout->top_down = height < 0;
  }
  return found (info, width, ABS (height), FALSE);
}

#define BMP_PIXELS_OFFSET 10
#define BMP_COMPRESSION_OFFSET 30
#define BMP_COLOURS_USED_OFFSET 46
#define BMP_INFO_MASKS_OFFSET 54
#define BMP_INFO_V3_SIZE 40
#define BMP_INFO_RGB_MASKS_SIZE 52
#define BMP_INFO_RGBA_MASKS_SIZE 56
#define BMP_OS2_V2_SIZE 64
#define BMP_BI_RGB 0
#define BMP_BI_BITFIELDS 3
#define BMP_BI_ALPHABITFIELDS 6

/* The masks of BI_RGB pixels of 16 bits (5:5:5) and 32 bits (8:8:8, the
 * fourth byte unused). */
static void
set_default_bmp_masks (GstImgcompressBmpLayout *layout)
{
  static const guint32 masks16[4] = { 0x7c00, 0x03e0, 0x001f, 0 };
  static const guint32 masks32[4] = { 0xff0000, 0xff00, 0xff, 0 };

  if (layout->bits_per_pixel == 16)
    memcpy (layout->masks, masks16, sizeof (masks16));
  else if (layout->bits_per_pixel == 32)
    memcpy (layout->masks, masks32, sizeof (masks32));
}

/* BI_BITFIELDS and BI_ALPHABITFIELDS masks: in the information header from
 * its 52-byte form on (alpha from the 56-byte one), else right after a
 * 40-byte header, where they push the colour table back. */
static GstImgcompressSniffResult
read_bmp_masks (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info,
    GstImgcompressBmpLayout *layout)
{
  guint n = layout->compression == BMP_BI_ALPHABITFIELDS ? 4 : 3, i;

  if (layout->info_size >= BMP_INFO_RGBA_MASKS_SIZE &&
      layout->info_size != BMP_OS2_V2_SIZE)
    n = 4;
  else if (layout->info_size == BMP_INFO_V3_SIZE)
    layout->palette_offset += n * 4;
  else if (layout->info_size != BMP_INFO_RGB_MASKS_SIZE)
    return invalid (info, N_ ("bit field masks in an OS/2 header"));
  if (size < BMP_INFO_MASKS_OFFSET + n * 4)
    return need_more (info, BMP_INFO_MASKS_OFFSET + n * 4);
  for (i = 0; i < n; i++)
    layout->masks[i] =
        gst_imgcompress_read_uint32_le (data + BMP_INFO_MASKS_OFFSET + i * 4);
  return GST_IMGCOMPRESS_SNIFF_OK;
}

/**
 * gst_imgcompress_sniff_bmp_layout:
 * @data: (array length=size): the first bytes of a BMP file
 * @size: how many bytes @data holds
 * @info: (out caller-allocates): what the header says, as from
 *     gst_imgcompress_sniff_header()
 * @layout: (out caller-allocates): where the file keeps its colour table
 *     and pixels, and how the pixels are coded
 *
 * Reads a BMP file's headers further than gst_imgcompress_sniff_header()
 * does, up to and including BI_BITFIELDS masks, for a decoder.  The
 * offsets are the file's own: they are not checked against each other nor
 * against @size.
 *
 * Returns: the outcome; %GST_IMGCOMPRESS_SNIFF_INVALID too for data that
 *     is not a BMP file (@info->format is then
 *     %GST_IMGCOMPRESS_FORMAT_UNKNOWN)
 */
GstImgcompressSniffResult
gst_imgcompress_sniff_bmp_layout (const guint8 *data, gsize size,
    GstImgcompressHeaderInfo *info, GstImgcompressBmpLayout *layout)
{
  GstImgcompressSniffResult result;

  g_return_val_if_fail (info != NULL, GST_IMGCOMPRESS_SNIFF_INVALID);
  g_return_val_if_fail (layout != NULL, GST_IMGCOMPRESS_SNIFF_INVALID);
  g_return_val_if_fail (data != NULL || size == 0,
      GST_IMGCOMPRESS_SNIFF_INVALID);

  memset (info, 0, sizeof (*info));
  memset (layout, 0, sizeof (*layout));
  info->format = GST_IMGCOMPRESS_FORMAT_UNKNOWN;
  result = sniff_bmp (data, size, info, layout);
  if (result != GST_IMGCOMPRESS_SNIFF_OK)
    return result;
  /* known header sizes are at most 124: no overflow */
  if (size < BMP_FILE_HEADER_BYTES + layout->info_size)
    return need_more (info, BMP_FILE_HEADER_BYTES + layout->info_size);

  layout->pixels_offset =
      gst_imgcompress_read_uint32_le (data + BMP_PIXELS_OFFSET);
  layout->palette_offset = BMP_FILE_HEADER_BYTES + layout->info_size;
  layout->palette_entry_size = 4;
  if (layout->info_size == BMP_CORE_HEADER_SIZE)
    layout->palette_entry_size = 3;
  if (layout->info_size >= BMP_INFO_V3_SIZE) {
    layout->compression =
        gst_imgcompress_read_uint32_le (data + BMP_COMPRESSION_OFFSET);
    layout->colours_used =
        gst_imgcompress_read_uint32_le (data + BMP_COLOURS_USED_OFFSET);
  }
  if (layout->bits_per_pixel <= 8)
    layout->palette_entries = layout->colours_used ?
        layout->colours_used :
        1u << layout->bits_per_pixel;

  if (layout->compression == BMP_BI_RGB)
    set_default_bmp_masks (layout);
  else if ((layout->compression == BMP_BI_BITFIELDS ||
               layout->compression == BMP_BI_ALPHABITFIELDS) &&
      (layout->bits_per_pixel == 16 || layout->bits_per_pixel == 32))
    return read_bmp_masks (data, size, info, layout);
  return GST_IMGCOMPRESS_SNIFF_OK;
}

/* HEIF and AVIF (ISO base media file format) */

/* Brands of the file type box. */
static const gchar *const heif_brands[] = { "heic", "heix", "heim", "heis",
  "hevc", "hevx", "hevm", "hevs", "mif1", "msf1", "mif2" };
static const gchar *const avif_brands[] = { "avif", "avis" };

/* The meta box of a still image holds item information and properties,
 * not pixels (those are in mdat): more than this is not a real file's. */
#define HEIF_MAX_META_BYTES (16 * 1024 * 1024)
#define HEIF_BOX_HEADER 8
#define HEIF_FULL_BOX_HEADER 12

static gboolean
brand_in (const guint8 *brand, const gchar *const *brands, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    if (memcmp (brand, brands[i], 4) == 0)
      return TRUE;
  return FALSE;
}

/* The major brand decides; a generic one (mif1, msf1) is looked up among
 * the compatible brands, AVIF's first. */
static GstImgcompressFormat
isobmff_format (const guint8 *ftyp, gsize ftyp_size)
{
  gsize i;

  if (brand_in (ftyp + 8, avif_brands, G_N_ELEMENTS (avif_brands)))
    return GST_IMGCOMPRESS_FORMAT_AVIF;
  for (i = 16; i + 4 <= ftyp_size; i += 4)
    if (brand_in (ftyp + i, avif_brands, G_N_ELEMENTS (avif_brands)))
      return GST_IMGCOMPRESS_FORMAT_AVIF;
  if (brand_in (ftyp + 8, heif_brands, G_N_ELEMENTS (heif_brands)))
    return GST_IMGCOMPRESS_FORMAT_HEIF;
  for (i = 16; i + 4 <= ftyp_size; i += 4)
    if (brand_in (ftyp + i, heif_brands, G_N_ELEMENTS (heif_brands)))
      return GST_IMGCOMPRESS_FORMAT_HEIF;
  return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
}

/* One box in [@pos, @end): its type and where its payload and it end.
 * FALSE when the size field is impossible. */
typedef struct
{
  const guint8 *type;
  guint64 payload;
  guint64 end;
} IsoBox;

static gboolean
read_box (const guint8 *data, guint64 pos, guint64 end, IsoBox *box)
{
  guint64 size;

  if (end - pos < HEIF_BOX_HEADER)
    return FALSE;
  size = gst_imgcompress_read_uint32_be (data + pos);
  box->type = data + pos + 4;
  box->payload = pos + HEIF_BOX_HEADER;
  if (size == 1) {
    if (end - pos < 16)
      return FALSE;
    size = (guint64) gst_imgcompress_read_uint32_be (data + pos + 8) << 32 |
        gst_imgcompress_read_uint32_be (data + pos + 12);
    box->payload += 8;
  } else if (size == 0) {
    size = end - pos;
  }
  if (size < box->payload - pos || size > end - pos)
    return FALSE;
  box->end = pos + size;
  return TRUE;
}

/* The first child of type @type in [@pos, @end). */
static gboolean
find_box (const guint8 *data, guint64 pos, guint64 end, const gchar *type,
    IsoBox *box)
{
  while (pos < end && read_box (data, pos, end, box)) {
    if (memcmp (box->type, type, 4) == 0)
      return TRUE;
    pos = box->end;
  }
  return FALSE;
}

/* What the meta box says of the primary image. */
typedef struct
{
  guint32 primary;
  guint width, height;
  guint channels, bit_depth;
} HeifPrimary;

/* The property at 1-based @index of ipco, when it is ispe or pixi. */
static void
read_property (const guint8 *data, const IsoBox *ipco, guint index,
    HeifPrimary *p)
{
  guint64 pos = ipco->payload;
  IsoBox prop;
  guint i;

  for (i = 1; pos < ipco->end && read_box (data, pos, ipco->end, &prop); i++) {
    if (i == index) {
      if (memcmp (prop.type, "ispe", 4) == 0 && prop.end - prop.payload >= 12) {
        p->width = gst_imgcompress_read_uint32_be (data + prop.payload + 4);
        p->height = gst_imgcompress_read_uint32_be (data + prop.payload + 8);
      } else if (memcmp (prop.type, "pixi", 4) == 0 &&
          prop.end - prop.payload >= 6) {
        p->channels = data[prop.payload + 4];
        p->bit_depth = data[prop.payload + 5];
      }
      return;
    }
    pos = prop.end;
  }
}

/* ipma: for each item, the indices of its properties in ipco. */
static void
read_primary_properties (const guint8 *data, const IsoBox *ipma,
    const IsoBox *ipco, HeifPrimary *p)
{
  guint64 pos = ipma->payload, end = ipma->end, n, i, j;
  guint version, flags, item, count;

  if (end - pos < 8)
    return;
  version = data[pos];
  flags = data[pos + 3];
  n = gst_imgcompress_read_uint32_be (data + pos + 4);
  pos += 8;
  for (i = 0; i < n; i++) {
    if (end - pos < (version < 1 ? 3u : 5u))
      return;
    item = version < 1 ? gst_imgcompress_read_uint16_be (data + pos) :
                         gst_imgcompress_read_uint32_be (data + pos);
    pos += version < 1 ? 2 : 4;
    count = data[pos++];
    for (j = 0; j < count; j++) {
      guint index;

      if (end - pos < ((flags & 1) ? 2u : 1u))
        return;
      index = (flags & 1) ?
          gst_imgcompress_read_uint16_be (data + pos) & 0x7fff :
          data[pos] & 0x7f;
      pos += (flags & 1) ? 2 : 1;
      if (item == p->primary)
        read_property (data, ipco, index, p);
    }
  }
}

static GstImgcompressSniffResult
read_heif_meta (const guint8 *data, const IsoBox *meta,
    GstImgcompressHeaderInfo *info)
{
  HeifPrimary p = {
    0,
  };
  IsoBox pitm, iprp, ipco, ipma;
  guint64 children = meta->payload + 4;

  if (meta->end < children)
    return invalid (info, N_ ("meta box too short"));
  if (!find_box (data, children, meta->end, "pitm", &pitm) ||
      pitm.end - pitm.payload < 6)
    return invalid (info, N_ ("no primary item (pitm)"));
  p.primary = data[pitm.payload] == 0 ?
      gst_imgcompress_read_uint16_be (data + pitm.payload + 4) :
      (pitm.end - pitm.payload >= 8 ?
              gst_imgcompress_read_uint32_be (data + pitm.payload + 4) :
              0);
  if (!find_box (data, children, meta->end, "iprp", &iprp) ||
      !find_box (data, iprp.payload, iprp.end, "ipco", &ipco) ||
      !find_box (data, iprp.payload, iprp.end, "ipma", &ipma))
    return invalid (info, N_ ("no item properties (iprp)"));
  read_primary_properties (data, &ipma, &ipco, &p);
  if (p.width == 0 || p.height == 0)
    return invalid (info, N_ ("no size (ispe) for the primary image"));
  info->components = p.channels ? p.channels : 3;
  info->bit_depth = p.bit_depth ? p.bit_depth : 8;
  return found (info, p.width, p.height, FALSE);
}

/* ftyp first, then the boxes up to meta, which must be complete. */
static GstImgcompressSniffResult
sniff_isobmff (const guint8 *data, gsize size, GstImgcompressHeaderInfo *info)
{
  IsoBox box;
  guint64 pos, declared;

  if (size < HEIF_BOX_HEADER)
    return need_more (info, HEIF_BOX_HEADER);
  declared = gst_imgcompress_read_uint32_be (data);
  if (declared < 16 || declared > 4096)
    return invalid (info, "not an ISO base media file type box");
  if (size < declared)
    return need_more (info, declared);
  info->format = isobmff_format (data, declared);
  if (info->format == GST_IMGCOMPRESS_FORMAT_UNKNOWN)
    return invalid (info, "not a HEIF or AVIF brand");

  pos = declared;
  for (;;) {
    if (size < pos + 16)
      return need_more (info, pos + 16);
    /* a box whose size is 0 runs to the end of the file, which is not
     * known here: only meta is read, and it cannot be open-ended */
    if (!read_box (data, pos, G_MAXUINT64 / 2, &box))
      return invalid (info, N_ ("a top-level box has an invalid size"));
    if (memcmp (box.type, "meta", 4) == 0) {
      if (gst_imgcompress_read_uint32_be (data + pos) == 0)
        return invalid (info,
            N_ ("meta box of size 0 (to the end of the file), which libheif "
                "does not read"));
      if (box.end - pos > HEIF_MAX_META_BYTES)
        return invalid (info, N_ ("meta box larger than 16 MiB"));
      if (size < box.end)
        return need_more (info, box.end);
      return read_heif_meta (data, &box, info);
    }
    if (gst_imgcompress_read_uint32_be (data + pos) == 0)
      return invalid (info, N_ ("no meta box"));
    pos = box.end;
  }
}

static gboolean
is_isobmff (const guint8 *data, gsize size)
{
  return available_bytes_match (data, size, 4, (const guint8 *) "ftyp", 4);
}

/**
 * gst_imgcompress_sniff_header:
 * @data: (array length=size) (nullable): the first bytes of an image file
 * @size: how many bytes @data holds
 * @info: (out caller-allocates): what the header says
 *
 * Reads the format and dimensions from the start of a JPEG, PNG, WebP,
 * HEIF, AVIF, GIF, TIFF or BMP file.  Never reads beyond @size bytes: when the
 * dimensions come later it returns %GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA and
 * sets @info->needed to the length of the prefix it needs next (for a JPEG with
 * large APPn segments this can take several calls, each asking for more).
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
    case 'G':
      return sniff_gif (data, size, info);
    case 'I':
    case 'M':
      return sniff_tiff (data, size, info);
    case 'B':
      return sniff_bmp (data, size, info, NULL);
    default:
      if (is_isobmff (data, size))
        return sniff_isobmff (data, size, info);
      return invalid (info, "not an image file of a known format");
  }
}

/**
 * gst_imgcompress_header_may_follow_data:
 * @format: a format
 *
 * Whether the part of a @format file that gst_imgcompress_sniff_header()
 * reads may come after the image data, so that the whole file may be
 * needed: a TIFF's first directory (libtiff writes it after the strips), a
 * HEIF's or AVIF's meta box (after mdat in some files).  For the other
 * formats the header is at the start.
 *
 * Returns: %TRUE for TIFF, HEIF and AVIF
 */
gboolean
gst_imgcompress_header_may_follow_data (GstImgcompressFormat format)
{
  return format == GST_IMGCOMPRESS_FORMAT_TIFF ||
      format == GST_IMGCOMPRESS_FORMAT_HEIF ||
      format == GST_IMGCOMPRESS_FORMAT_AVIF;
}

/* A BMP file header is "BM", the file size, 4 reserved bytes and the
 * offset of the pixels; "BM" alone starts too much other data. */
static gboolean
bmp_signature (const guint8 *data, gsize size)
{
  return size >= BMP_FILE_HEADER_BYTES + 4 && memcmp (data, "BM", 2) == 0 &&
      bmp_info_size_known (gst_imgcompress_read_uint32_le (data +
          BMP_FILE_HEADER_BYTES));
}

static GstImgcompressFormat
isobmff_signature (const guint8 *data, gsize size)
{
  guint32 ftyp_size;

  if (size < 12 || memcmp (data + 4, "ftyp", 4) != 0)
    return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
  ftyp_size = gst_imgcompress_read_uint32_be (data);
  if (ftyp_size < 16)
    return GST_IMGCOMPRESS_FORMAT_UNKNOWN;
  return isobmff_format (data, MIN (ftyp_size, size));
}

/**
 * gst_imgcompress_sniff_signature:
 * @data: (array length=size) (nullable): bytes
 * @size: how many bytes @data holds
 *
 * Whether @data starts with a complete signature: JPEG (FF D8 FF), PNG
 * (8-byte signature), WebP (RIFF....WEBP), GIF (GIF87a, GIF89a), TIFF (II*0,
 * MM0*, and BigTIFF's), BMP ("BM" and a known information header size: 18
 * bytes), HEIF or AVIF (a file type box with one of their brands, at least
 * 16 bytes: the major brand and the first compatible one).  Elements that
 * get one image per buffer use it to tell a new image from the
 * continuation of the previous one.
 *
 * Returns: the format whose signature @data starts with, or
 *     %GST_IMGCOMPRESS_FORMAT_UNKNOWN
 */
GstImgcompressFormat
gst_imgcompress_sniff_signature (const guint8 *data, gsize size)
{
  static const guint8 jpeg_signature[] = { 0xff, 0xd8, 0xff };
  static const guint8 tiff_signatures[][4] = { { 'I', 'I', 42, 0 },
    { 'M', 'M', 0, 42 }, { 'I', 'I', 43, 0 }, { 'M', 'M', 0, 43 } };
  guint i;

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
  if (size >= 6 &&
      (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0))
    return GST_IMGCOMPRESS_FORMAT_GIF;
  for (i = 0; i < G_N_ELEMENTS (tiff_signatures) && size >= 4; i++)
    if (memcmp (data, tiff_signatures[i], 4) == 0)
      return GST_IMGCOMPRESS_FORMAT_TIFF;
  if (bmp_signature (data, size))
    return GST_IMGCOMPRESS_FORMAT_BMP;
  return isobmff_signature (data, size);
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

/* What libheif (its decoded YCbCr planes, up to 16 bits, and the RGBA
 * conversion), libtiff's RGBA raster and gdk-pixbuf's pixbuf hold besides
 * the output frame: an RGBA image at full size, and for HEIF the planes
 * too (counted as another). */
static guint64
full_size_raster_bytes (const GstImgcompressHeaderInfo *info)
{
  guint64 raster = mul_saturated ((guint64) info->width * info->height, 4);

  if (info->format == GST_IMGCOMPRESS_FORMAT_HEIF ||
      info->format == GST_IMGCOMPRESS_FORMAT_AVIF)
    return mul_saturated (raster, 2);
  return raster;
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
 *   lossless (or extended) WebP libwebp's full-size ARGB buffer; for a
 *   HEIF or AVIF libheif's planes and RGBA image, for a TIFF libtiff's
 *   RGBA raster, for a BMP gdk-pixbuf's pixbuf;
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

  /* libjpeg-turbo and libwebp shrink on load; the others are decoded
   * whole (a HEIF's stored thumbnail is not counted on). */
  if (info->format == GST_IMGCOMPRESS_FORMAT_JPEG ||
      info->format == GST_IMGCOMPRESS_FORMAT_WEBP)
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
    case GST_IMGCOMPRESS_FORMAT_HEIF:
    case GST_IMGCOMPRESS_FORMAT_AVIF:
    case GST_IMGCOMPRESS_FORMAT_TIFF:
    case GST_IMGCOMPRESS_FORMAT_BMP:
      decoder_extra = full_size_raster_bytes (info);
      break;
    default:
      break;
  }
  sum = add_saturated (WORKING_SET_BASE, input_bytes);
  sum = add_saturated (sum, mul_saturated (frame, 2));
  sum = add_saturated (sum, decoder_extra);
  return MIN (sum, WORKING_SET_MAX);
}

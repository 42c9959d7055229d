/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_SNIFF_H__
#define __GST_IMGCOMPRESS_SNIFF_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>
#include <gst/imgcompress/gstimgcompressprotocol.h>

G_BEGIN_DECLS

/**
 * GstImgcompressSniffResult:
 * @GST_IMGCOMPRESS_SNIFF_OK: the header was read, the info is filled
 * @GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA: the bytes given are a valid start
 *     of an image, but the dimensions come later; call again with at least
 *     #GstImgcompressHeaderInfo.needed bytes
 * @GST_IMGCOMPRESS_SNIFF_INVALID: not a header of a known format, or a
 *     header that contradicts itself (#GstImgcompressHeaderInfo.error says
 *     why)
 *
 * Outcome of gst_imgcompress_sniff_header().
 */
typedef enum
{
  GST_IMGCOMPRESS_SNIFF_OK = 0,
  GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA,
  GST_IMGCOMPRESS_SNIFF_INVALID,
} GstImgcompressSniffResult;

/**
 * GstImgcompressHeaderInfo:
 * @format: the container format, known as soon as the signature is
 *     complete
 * @width: width in pixels (WebP VP8X: the canvas; GIF: the logical
 *     screen; HEIF, AVIF: the primary image as coded, before its
 *     rotation and crop), on
 *     %GST_IMGCOMPRESS_SNIFF_OK
 * @height: height in pixels, on %GST_IMGCOMPRESS_SNIFF_OK
 * @has_alpha: whether the header announces an alpha channel (PNG colour
 *     types 4 and 6, VP8L's alpha hint, VP8X's alpha flag, a TIFF's
 *     ExtraSamples; a PNG tRNS chunk, a GIF's transparent colour and a
 *     HEIF's alpha item are not looked at)
 * @progressive: a progressive JPEG (SOF2, SOF6, SOF10, SOF14), whose decoder
 *     keeps every DCT coefficient of the image in memory
 * @components: samples per pixel as the file stores them: the JPEG frame
 *     header's components; for PNG 1 (grey), 2 (grey and alpha), 3 (RGB,
 *     and palette, whose entries are RGB) or 4 (RGBA); for WebP 3, or 4
 *     with alpha; for TIFF its SamplesPerPixel; for HEIF and AVIF the
 *     channels of its pixi property (3 without one); for GIF 3; for BMP 4
 *     at 32 bits per pixel, else 3
 * @bit_depth: bits per sample: the JPEG sample precision, the PNG IHDR bit
 *     depth (1, 2, 4, 8 or 16), 8 for WebP, GIF and BMP, the TIFF's first
 *     BitsPerSample, the HEIF's pixi depth (8 without one)
 * @lossless: a WebP whose image data may be lossless (VP8L, or an extended
 *     file whose chunks were not looked at): libwebp decodes lossless data
 *     into a full-size ARGB buffer whatever the output scale
 * @animated: a WebP animation (VP8X animation flag); @width and @height are
 *     its canvas
 * @needed: on %GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA, the number of bytes
 *     from the start of the file needed to go further (always more than
 *     were given)
 * @error: on %GST_IMGCOMPRESS_SNIFF_INVALID, a static English description
 *     of the first problem found.  When @format is known (the signature
 *     was complete) it names a fault of that format's header, marked for
 *     translation in the project's gettext domain (`gst-imgcompress-1.0`):
 *     pass it to dgettext() for users
 *
 * What the first bytes of an image say about it.
 */
typedef struct
{
  GstImgcompressFormat format;
  guint width;
  guint height;
  gboolean has_alpha;
  gboolean progressive;
  guint components;
  guint bit_depth;
  gboolean lossless;
  gboolean animated;
  gsize needed;
  const gchar *error;
} GstImgcompressHeaderInfo;

GST_IMGCOMPRESS_API
GstImgcompressSniffResult gst_imgcompress_sniff_header (const guint8 *data,
    gsize size, GstImgcompressHeaderInfo *info);

/**
 * GstImgcompressBmpLayout:
 * @info_size: the information header's size (12 for OS/2 1.x, 16 or 64
 *     for OS/2 2.x, 40, 52, 56, 108 or 124 for Windows')
 * @bits_per_pixel: 1, 2, 4, 8, 16, 24 or 32
 * @top_down: the rows are stored top first (a negative height)
 * @compression: biCompression (BI_RGB 0, BI_RLE8 1, BI_RLE4 2,
 *     BI_BITFIELDS 3, BI_ALPHABITFIELDS 6...), 0 when the header has none
 * @colours_used: biClrUsed, 0 when the header has none
 * @palette_offset: where the colour table starts: after the information
 *     header, and after the masks that follow a 40-byte one
 * @palette_entry_size: bytes per colour table entry (3 in an OS/2 1.x
 *     file, else 4)
 * @palette_entries: the colour table's entries at 8 bits per pixel and
 *     less (@colours_used, or 2^@bits_per_pixel when it is 0), else 0
 * @pixels_offset: bfOffBits, where the file header says the pixels start
 * @masks: the red, green, blue and alpha masks of a pixel of 16 or 32 bits:
 *     the file's with BI_BITFIELDS and BI_ALPHABITFIELDS (alpha 0 where
 *     the file has none), BI_RGB's implied ones (5:5:5, 8:8:8, no alpha)
 *     with BI_RGB; all 0 otherwise
 *
 * How a BMP file stores its image, from gst_imgcompress_sniff_bmp_layout().
 */
typedef struct
{
  guint32 info_size;
  guint bits_per_pixel;
  gboolean top_down;
  guint32 compression;
  guint32 colours_used;
  guint32 palette_offset;
  guint palette_entry_size;
  guint32 palette_entries;
  guint32 pixels_offset;
  guint32 masks[4];
} GstImgcompressBmpLayout;

GST_IMGCOMPRESS_API
GstImgcompressSniffResult gst_imgcompress_sniff_bmp_layout (const guint8 *data,
    gsize size, GstImgcompressHeaderInfo *info,
    GstImgcompressBmpLayout *layout);

GST_IMGCOMPRESS_API
guint64 gst_imgcompress_estimate_working_set (const GstImgcompressHeaderInfo
                                                  *info,
    guint64 input_bytes, guint max_dimension);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_header_may_follow_data (GstImgcompressFormat format);

GST_IMGCOMPRESS_API
GstImgcompressFormat gst_imgcompress_sniff_signature (const guint8 *data,
    gsize size);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_SNIFF_H__ */

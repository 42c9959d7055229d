/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgpngdec
 * @title: imgpngdec
 * @short_description: decodes PNG images with libspng, row by row
 *
 * Decodes PNG images of every colour type and bit depth (1, 2, 4, 8 and
 * 16-bit grey, grey with alpha, RGB, RGBA and palette, interlaced or not).
 * It takes the bytes straight from a file source: it finds each image's end
 * (its IEND chunk) itself, so several images may follow one another in a
 * stream, each with its own size.
 *
 * Opaque images leave planar, as turbojpegdec's do, so nothing downstream
 * converts colours again: grey images as GRAY8, colour images as I420
 * (full-range BT.601, as JFIF, chroma averaged over each 2x2 block).
 * Images with transparency, an alpha channel or a tRNS chunk (palette
 * alpha or colour key), leave as RGBA with straight alpha.  16-bit samples
 * are rounded to 8 bits (v * 255 / 65535, to nearest), not truncated.
 *
 * Shrink on load: when #GstImgcompressImageDecoder:max-dimension is set, or
 * else when downstream answers the `imgcompress-size-hint` query, each k x k
 * block of pixels is averaged as the rows are decoded (premultiplied by alpha
 * where there is alpha), with k the largest integer that leaves the image at
 * least twice the size it will have in that box, the margin turbojpegdec
 * leaves to imgsizer's filter.  The full-size image is then never held in
 * memory (except for interlaced images, whose passes need it).
 *
 * The EXIF orientation of an eXIf chunk is posted as the
 * %GST_TAG_IMAGE_ORIENTATION tag, never applied (imgsizer applies it).  The
 * colour space (iCCP profile, sRGB or gAMA chunk) is posted as the
 * `imgcompress-colour-profile` tag (see docs/design.md); a damaged iCCP
 * profile gets a warning and the sRGB or gAMA chunk is taken instead.  The
 * artist and copyright of the eXIf chunk and of the XMP packet (iTXt
 * `XML:com.adobe.xmp`) are posted as %GST_TAG_ARTIST and
 * %GST_TAG_COPYRIGHT.
 *
 * Before anything is allocated for an image the dimensions in its IHDR are
 * checked against #GstImgcompressImageDecoder:max-pixels, its bytes against
 * #GstImgcompressImageDecoder:max-input-bytes as the chunks are walked, and
 * libspng works within limits: ancillary chunks of at most 8 MiB each and 32
 * MiB in all, at most 1000 stored chunks (text, profiles, ...), and image data
 * inflated only as far as the rows IHDR announces (a compression bomb costs
 * nothing).  A damaged image posts an error that names the fault (a CRC error
 * and its chunk, the row where the image data ends, the invalid IHDR field,
 * ...); nothing of it is output.
 *
 * The properties and behaviour every image decoder shares (limits, shrink
 * on load, tags, errors) are those of the #GstImgcompressImageDecoder base
 * class.
 *
 * Its rank is MARGINAL, so that it does not replace pngdec in decodebin
 * behind other applications' backs.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.png ! imgpngdec max-dimension=500 ! \
 *     videoconvert ! pngenc ! filesink location=decoded.png
 * ]| Decodes photo.png, averaging blocks of pixels as it goes so that it
 * comes out no smaller than twice a 500x500 box, and writes what came out
 * to decoded.png (no display needed).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgpngdec.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/tag/tag.h>
#include <spng.h>
#include <string.h>
#include <zlib.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_png_dec_debug);
#define GST_CAT_DEFAULT gst_img_png_dec_debug

#define PNG_SIGNATURE_SIZE 8
#define CHUNK_HEADER_SIZE 8
#define CHUNK_CRC_SIZE 4
#define IHDR_SIZE 13
/* PNG lengths and dimensions are at most 2^31 - 1 */
#define PNG_MAX_UINT G_MAXINT32

/* libspng's limits for ancillary data (ICC profiles, text, Exif): one
 * chunk, decompressed; all chunks together.  The number of chunks it
 * stores stays at its default, 1000 (libspng 0.7.3's
 * spng_set_option (SPNG_CHUNK_COUNT_LIMIT) refuses any other value). */
#define CHUNK_SIZE_LIMIT (8 * 1024 * 1024)
#define CHUNK_CACHE_LIMIT (32 * 1024 * 1024)

/* Block shrink factor bound: keeps the premultiplied sums in 32 bits. */
#define MAX_SHRINK 64

#define ADAM7_PASSES 7

static const guint8 png_signature[PNG_SIGNATURE_SIZE] = { 0x89, 'P', 'N', 'G',
  '\r', '\n', 0x1a, '\n' };

/* The IHDR fields, as read by the stream parser. */
typedef struct
{
  guint32 width;
  guint32 height;
  guint8 bit_depth;
  guint8 colour_type;
  guint8 compression;
  guint8 filter;
  guint8 interlace;
} PngHeader;

struct _GstImgPngDec
{
  GstImgcompressImageDecoder parent;

  /* parse() state for the image being assembled */
  gboolean in_image;
  guint64 next_chunk; /* offset of the next chunk header */
  gboolean have_header;
  guint8 colour_type;
  guint32 palette_entries;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/png"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ I420, GRAY8, RGBA }")));

#define gst_img_png_dec_parent_class parent_class
G_DEFINE_TYPE (GstImgPngDec, gst_img_png_dec,
    GST_TYPE_IMGCOMPRESS_IMAGE_DECODER);
GST_ELEMENT_REGISTER_DEFINE (imgpngdec, "imgpngdec", GST_RANK_MARGINAL,
    GST_TYPE_IMG_PNG_DEC);

static void
reset_parse (GstImgPngDec *self)
{
  self->in_image = FALSE;
  self->next_chunk = 0;
  self->have_header = FALSE;
  self->palette_entries = 0;
}

static gboolean
gst_img_png_dec_start (GstVideoDecoder *decoder)
{
  GstImgPngDec *self = GST_IMG_PNG_DEC (decoder);

  reset_parse (self);
  return GST_VIDEO_DECODER_CLASS (parent_class)->start (decoder);
}

static gboolean
gst_img_png_dec_flush (GstVideoDecoder *decoder)
{
  GstImgPngDec *self = GST_IMG_PNG_DEC (decoder);

  reset_parse (self);
  return GST_VIDEO_DECODER_CLASS (parent_class)->flush (decoder);
}

/* A chunk type for a message: four letters, anything else as '?' (the
 * bytes come from the file). */
static void
chunk_name (const guint8 *type, gchar name[5])
{
  guint i;

  for (i = 0; i < 4; i++)
    name[i] = g_ascii_isalpha (type[i]) ? (gchar) type[i] : '?';
  name[4] = '\0';
}

/* One bad file gives one error message: the rest of the stream is not
 * looked at. */
static GstFlowReturn
post_error (GstImgPngDec *self, const gchar *message, const gchar *debug)
{
  GST_ELEMENT_ERROR (self, STREAM, DECODE, ("%s", message), ("%s", debug));
  return gst_imgcompress_image_decoder_fail (
      GST_IMGCOMPRESS_IMAGE_DECODER (self));
}

static gboolean
bit_depth_allowed (guint8 colour_type, guint8 depth)
{
  switch (colour_type) {
    case SPNG_COLOR_TYPE_GRAYSCALE:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8 ||
          depth == 16;
    case SPNG_COLOR_TYPE_INDEXED:
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case SPNG_COLOR_TYPE_TRUECOLOR:
    case SPNG_COLOR_TYPE_GRAYSCALE_ALPHA:
    case SPNG_COLOR_TYPE_TRUECOLOR_ALPHA:
      return depth == 8 || depth == 16;
    default:
      return FALSE;
  }
}

/* Checks the IHDR payload field by field, so the message names the one
 * that is wrong, then the pixel limit. */
static GstFlowReturn
check_header (GstImgPngDec *self, const guint8 *data, PngHeader *h)
{
  gchar *msg;
  GstFlowReturn ret = GST_FLOW_OK;

  h->width = gst_imgcompress_read_uint32_be (data);
  h->height = gst_imgcompress_read_uint32_be (data + 4);
  h->bit_depth = data[8];
  h->colour_type = data[9];
  h->compression = data[10];
  h->filter = data[11];
  h->interlace = data[12];

  if (h->width == 0 || h->width > PNG_MAX_UINT) {
    msg = g_strdup_printf (_ ("The PNG header is damaged: IHDR: width %u."),
        h->width);
  } else if (h->height == 0 || h->height > PNG_MAX_UINT) {
    msg = g_strdup_printf (_ ("The PNG header is damaged: IHDR: height %u."),
        h->height);
  } else if (!bit_depth_allowed (h->colour_type, h->bit_depth)) {
    msg = g_strdup_printf (_ ("The PNG header is damaged: IHDR: bit depth %u "
                              "with colour type %u."),
        h->bit_depth, h->colour_type);
  } else if (h->compression != 0 || h->filter != 0 || h->interlace > 1) {
    msg = g_strdup_printf (_ ("The PNG header is damaged: IHDR: compression "
                              "method %u, filter method %u, interlace method "
                              "%u."),
        h->compression, h->filter, h->interlace);
  } else {
    msg = NULL;
  }
  if (msg != NULL) {
    ret = post_error (self, msg, "invalid IHDR");
    g_free (msg);
    return ret;
  }

  if (!gst_imgcompress_image_decoder_check_size (
          GST_IMGCOMPRESS_IMAGE_DECODER (self), h->width, h->height))
    return gst_imgcompress_image_decoder_fail (
        GST_IMGCOMPRESS_IMAGE_DECODER (self));
  return GST_FLOW_OK;
}

/* A tRNS whose size does not fit the colour type would be dropped by
 * libspng, and the image would lose its transparency without a word. */
static GstFlowReturn
check_trns_length (GstImgPngDec *self, guint32 length)
{
  guint32 expected;
  gchar *msg;
  GstFlowReturn ret;

  if (self->colour_type == SPNG_COLOR_TYPE_INDEXED) {
    if (length <= self->palette_entries)
      return GST_FLOW_OK;
    msg = g_strdup_printf (_ ("The PNG image is damaged: its tRNS chunk has "
                              "%u entries, more than the %u of its palette."),
        length, self->palette_entries);
  } else if (self->colour_type == SPNG_COLOR_TYPE_GRAYSCALE ||
      self->colour_type == SPNG_COLOR_TYPE_TRUECOLOR) {
    expected = self->colour_type == SPNG_COLOR_TYPE_GRAYSCALE ? 2 : 6;
    if (length == expected)
      return GST_FLOW_OK;
    msg = g_strdup_printf (_ ("The PNG image is damaged: its tRNS chunk has "
                              "%u bytes, not %u."),
        length, expected);
  } else {
    /* not allowed with an alpha channel; ignored as everyone does */
    return GST_FLOW_OK;
  }
  ret = post_error (self, msg, "invalid tRNS");
  g_free (msg);
  return ret;
}

/* Looks at one chunk header (and IHDR's payload); *@end is where the next
 * chunk starts. */
static GstFlowReturn
check_chunk (GstImgPngDec *self, const guint8 *header, GstAdapter *adapter,
    guint64 offset, guint64 *end)
{
  guint32 length = gst_imgcompress_read_uint32_be (header);
  const guint8 *type = header + 4;
  gchar name[5];

  chunk_name (type, name);
  if (length > PNG_MAX_UINT) {
    gchar *msg =
        g_strdup_printf (_ ("The PNG image is damaged: chunk %s has "
                            "a length of %u bytes, more than PNG allows."),
            name, length);
    GstFlowReturn ret = post_error (self, msg, "chunk length over 2^31 - 1");

    g_free (msg);
    return ret;
  }
  *end = offset + CHUNK_HEADER_SIZE + length + CHUNK_CRC_SIZE;

  if (!self->have_header) {
    guint8 payload[IHDR_SIZE];
    PngHeader ihdr;

    if (memcmp (type, "IHDR", 4) != 0 || length != IHDR_SIZE) {
      gchar *msg =
          g_strdup_printf (_ ("The PNG header is damaged: the first "
                              "chunk is %s of %u bytes, not a 13-byte IHDR."),
              name, length);
      GstFlowReturn ret = post_error (self, msg, "no IHDR");

      g_free (msg);
      return ret;
    }
    if (gst_adapter_available (adapter) <
        offset + CHUNK_HEADER_SIZE + IHDR_SIZE)
      return GST_VIDEO_DECODER_FLOW_NEED_DATA;
    gst_adapter_copy (adapter, payload, offset + CHUNK_HEADER_SIZE, IHDR_SIZE);
    self->have_header = TRUE;
    self->colour_type = payload[9];
    return check_header (self, payload, &ihdr);
  }
  if (memcmp (type, "PLTE", 4) == 0)
    self->palette_entries = length / 3;
  else if (memcmp (type, "tRNS", 4) == 0)
    return check_trns_length (self, length);
  return GST_FLOW_OK;
}

static GstFlowReturn
post_too_many_bytes (GstImgPngDec *self, guint64 bytes)
{
  gchar *debug = g_strdup_printf ("%" G_GUINT64_FORMAT " bytes", bytes);
  GstFlowReturn ret = post_error (self,
      _ ("The PNG file is larger than this element handles (2 GiB)."), debug);

  g_free (debug);
  return ret;
}

/* Walks the chunk headers of the image at the start of the adapter up to
 * its IEND, then hands the whole image over as one frame. */
static GstFlowReturn
collect_image (GstImgPngDec *self, GstAdapter *adapter, gboolean at_eos)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  gsize avail = gst_adapter_available (adapter);
  guint8 header[CHUNK_HEADER_SIZE];
  GstFlowReturn ret;

  while (self->next_chunk + CHUNK_HEADER_SIZE <= avail) {
    guint64 end = 0;

    gst_adapter_copy (adapter, header, self->next_chunk, CHUNK_HEADER_SIZE);
    ret = check_chunk (self, header, adapter, self->next_chunk, &end);
    if (ret == GST_VIDEO_DECODER_FLOW_NEED_DATA)
      break;
    if (ret != GST_FLOW_OK)
      return ret;
    if (!gst_imgcompress_image_decoder_check_input_bytes (
            GST_IMGCOMPRESS_IMAGE_DECODER (self), end, "up to this chunk"))
      return gst_imgcompress_image_decoder_fail (
          GST_IMGCOMPRESS_IMAGE_DECODER (self));
    if (end > G_MAXINT)
      return post_too_many_bytes (self, end);
    if (memcmp (header + 4, "IEND", 4) == 0 && end <= avail) {
      gst_video_decoder_add_to_frame (decoder, (gint) end);
      reset_parse (self);
      return gst_video_decoder_have_frame (decoder);
    }
    self->next_chunk = end;
  }

  if (!at_eos)
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  if (!self->have_header)
    return post_error (self,
        _ ("The PNG file is truncated: it ends before its header (IHDR)."),
        "end of stream");
  if (avail > G_MAXINT)
    return post_too_many_bytes (self, avail);
  /* The image ends early: the decoder says where. */
  GST_DEBUG_OBJECT (self,
      "stream ended inside the image (%" G_GSIZE_FORMAT " bytes)", avail);
  gst_video_decoder_add_to_frame (decoder, (gint) avail);
  reset_parse (self);
  return gst_video_decoder_have_frame (decoder);
}

/* Returns TRUE when the adapter starts with a PNG signature; bytes after
 * an image that do not start another one are dropped. */
static GstFlowReturn
find_signature (GstImgPngDec *self, GstAdapter *adapter, gboolean at_eos)
{
  gsize avail = gst_adapter_available (adapter);
  guint8 sig[PNG_SIGNATURE_SIZE];

  if (avail < PNG_SIGNATURE_SIZE && !at_eos)
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  if (avail >= PNG_SIGNATURE_SIZE) {
    gst_adapter_copy (adapter, sig, 0, PNG_SIGNATURE_SIZE);
    if (memcmp (sig, png_signature, PNG_SIGNATURE_SIZE) == 0) {
      self->in_image = TRUE;
      self->next_chunk = PNG_SIGNATURE_SIZE;
      return GST_FLOW_OK;
    }
  }
  if (gst_imgcompress_image_decoder_get_images_seen (
          GST_IMGCOMPRESS_IMAGE_DECODER (self)) > 0) {
    GST_DEBUG_OBJECT (self,
        "skipping %" G_GSIZE_FORMAT " bytes after the "
        "last image's IEND",
        avail);
    gst_adapter_flush (adapter, avail);
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  }
  if (avail < PNG_SIGNATURE_SIZE)
    return post_error (self,
        _ ("The PNG file is truncated: it ends before its header (IHDR)."),
        "shorter than the PNG signature");
  return post_error (self, _ ("The data is not a PNG image."),
      "no PNG signature");
}

static GstFlowReturn
gst_img_png_dec_parse (GstVideoDecoder *decoder, GstVideoCodecFrame *frame,
    GstAdapter *adapter, gboolean at_eos)
{
  GstImgPngDec *self = GST_IMG_PNG_DEC (decoder);
  GstImgcompressImageDecoder *base = GST_IMGCOMPRESS_IMAGE_DECODER (decoder);
  GstFlowReturn ret;

  if (gst_imgcompress_image_decoder_has_failed (base)) {
    gst_adapter_clear (adapter);
    return GST_FLOW_ERROR;
  }
  if (gst_adapter_available (adapter) > 0)
    gst_imgcompress_image_decoder_saw_data (base);

  if (!self->in_image) {
    ret = find_signature (self, adapter, at_eos);
    if (ret != GST_FLOW_OK)
      return ret;
  }
  return collect_image (self, adapter, at_eos);
}

/* What the decode of one image needs, from its header and chunks. */
typedef struct
{
  struct spng_ihdr ihdr;
  gboolean alpha; /* alpha channel or tRNS */
  int spng_fmt; /* what libspng decodes to */
  guint spng_bpp; /* bytes per pixel of spng_fmt */
  guint channels; /* of the 8-bit rows: 1 grey, 3 RGB, 4 RGBA */
  GstVideoFormat format;
  guint shrink; /* k: each k x k block becomes a pixel */
  guint out_w, out_h;
} PngLayout;

/* Row pipeline state: libspng's rows, reduced to 8 bits, block-shrunk,
 * written to the frame. */
typedef struct
{
  const PngLayout *layout;
  GstVideoFrame *frame;
  gsize spng_row_bytes;
  guint8 *spng_row; /* one decoded row, or NULL */
  guint8 *image; /* the whole decoded image (interlaced) */
  guint8 *row8; /* one row of 8-bit samples, source width */
  guint8 *out8; /* one shrunk row, output width */
  guint8 *pair; /* the first row of an I420 row pair */
  guint32 *acc; /* block sums, output width */
  guint acc_rows;
  guint out_row;
} RowPipe;

static void
choose_layout (const struct spng_ihdr *ihdr, gboolean has_trns,
    PngLayout *layout)
{
  guint8 ct = ihdr->color_type;

  layout->ihdr = *ihdr;
  layout->alpha = has_trns || ct == SPNG_COLOR_TYPE_GRAYSCALE_ALPHA ||
      ct == SPNG_COLOR_TYPE_TRUECOLOR_ALPHA;
  if (layout->alpha) {
    layout->channels = 4;
    layout->format = GST_VIDEO_FORMAT_RGBA;
  } else if (ct == SPNG_COLOR_TYPE_GRAYSCALE) {
    layout->channels = 1;
    layout->format = GST_VIDEO_FORMAT_GRAY8;
  } else {
    layout->channels = 3;
    layout->format = GST_VIDEO_FORMAT_I420;
  }

  if (ihdr->bit_depth == 16) {
    /* reduced to 8 bits here, rounded (libspng would truncate) */
    layout->spng_fmt = SPNG_FMT_RGBA16;
    layout->spng_bpp = 8;
  } else if (ihdr->bit_depth == 8 && ct != SPNG_COLOR_TYPE_INDEXED &&
      ct != SPNG_COLOR_TYPE_GRAYSCALE_ALPHA && !has_trns) {
    /* the file's own layout is the one wanted: no conversion (libspng
     * converts sample by sample otherwise) */
    layout->spng_fmt = SPNG_FMT_PNG;
    layout->spng_bpp = layout->channels;
  } else if (layout->channels == 1) {
    layout->spng_fmt = SPNG_FMT_G8;
    layout->spng_bpp = 1;
  } else if (layout->channels == 3) {
    layout->spng_fmt = SPNG_FMT_RGB8;
    layout->spng_bpp = 3;
  } else {
    layout->spng_fmt = SPNG_FMT_RGBA8;
    layout->spng_bpp = 4;
  }
}

/* The colour space the image declares, for the colour-management stage:
 * an ICC profile wins over sRGB, which wins over a bare gamma.  A damaged
 * profile (the base class warns) leaves the chunks after it. */
static void
set_colour (GstImgcompressImageDecoder *decoder, spng_ctx *ctx)
{
  struct spng_iccp iccp;
  GstStructure *info;
  guint8 intent;
  guint32 gamma;
  GstSample *sample;
  GBytes *icc;
  gboolean set;

  if (spng_get_iccp (ctx, &iccp) == 0 && iccp.profile_len > 0) {
    icc = g_bytes_new (iccp.profile, iccp.profile_len);
    set = gst_imgcompress_image_decoder_set_icc_profile_bytes (decoder, icc,
        NULL, "iCCP", iccp.profile_name);
    g_bytes_unref (icc);
    if (set)
      return;
  }
  info = gst_structure_new_empty ("imgcompress-colour");
  if (spng_get_srgb (ctx, &intent) == 0) {
    gst_structure_set (info, "source", G_TYPE_STRING, "sRGB",
        "rendering-intent", G_TYPE_UINT, (guint) intent, NULL);
  } else if (spng_get_gama_int (ctx, &gamma) == 0) {
    /* the file's encoding gamma: 45455 means 1/2.2 */
    gst_structure_set (info, "source", G_TYPE_STRING, "gAMA", "gamma",
        G_TYPE_DOUBLE, gamma / 100000.0, NULL);
  } else {
    gst_structure_free (info);
    return;
  }
  sample = gst_sample_new (NULL, NULL, NULL, info);
  gst_imgcompress_image_decoder_set_colour_profile (decoder, sample);
  gst_sample_unref (sample);
}

static guint
read_orientation (spng_ctx *ctx)
{
  struct spng_exif exif;

  if (spng_get_exif (ctx, &exif) != 0)
    return GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
  return gst_imgcompress_exif_parse_tiff_orientation ((const guint8 *)
                                                          exif.data,
      exif.length);
}

/* The XMP packet of the iTXt chunk Adobe's XMP specification names. */
static void
find_xmp (spng_ctx *ctx, const guint8 **xmp, gsize *xmp_size)
{
  struct spng_text *text;
  guint32 n = 0, i;

  if (spng_get_text (ctx, NULL, &n) != 0 || n == 0)
    return;
  text = g_new0 (struct spng_text, n);
  if (spng_get_text (ctx, text, &n) == 0) {
    for (i = 0; i < n && *xmp == NULL; i++) {
      if (strcmp (text[i].keyword, "XML:com.adobe.xmp") == 0) {
        /* the text stays libspng's until the context is freed */
        *xmp = (const guint8 *) text[i].text;
        *xmp_size = text[i].length;
      }
    }
  }
  g_free (text);
}

/* The artist and copyright of the eXIf chunk and of the XMP packet. */
static void
add_copyright (GstImgcompressImageDecoder *decoder, spng_ctx *ctx)
{
  struct spng_exif exif;
  const guint8 *xmp = NULL;
  gsize xmp_size = 0;
  gboolean has_exif = spng_get_exif (ctx, &exif) == 0;

  find_xmp (ctx, &xmp, &xmp_size);
  gst_imgcompress_image_decoder_add_copyright (decoder,
      has_exif ? (const guint8 *) exif.data : NULL, has_exif ? exif.length : 0,
      xmp, xmp_size);
}

/* 16-bit to 8-bit, to nearest. */
static inline guint8
round16 (guint16 v)
{
  return (guint8) (((guint32) v * 255 + 32767) / 65535);
}

/* libspng's RGBA16 row to 8-bit samples of @channels per pixel. */
static void
row16_to_8 (const guint16 *src, guint8 *dst, guint width, guint channels)
{
  guint x, c;

  for (x = 0; x < width; x++, src += 4, dst += channels)
    for (c = 0; c < channels; c++)
      dst[c] = round16 (src[c]);
}

/* Full-range BT.601 (JFIF) with libjpeg's 16-bit coefficients. */
#define Y_R 19595
#define Y_G 38470
#define Y_B 7471
#define CB_R 11059
#define CB_G 21709
#define CR_G 27439
#define CR_B 5329
#define C_HALF 32768

static inline guint8
luma (const guint8 *p)
{
  return (Y_R * p[0] + Y_G * p[1] + Y_B * p[2] + C_HALF) >> 16;
}

/* One I420 chroma pair from the sums of @n (4) pixels' R, G and B. */
static inline void
chroma4 (guint r, guint g, guint b, guint8 *u, guint8 *v)
{
  /* rounding by half less one, as libjpeg: pure blue stays at 255 */
  const gint offset = (128 << 18) + (1 << 17) - 1;

  *u = (guint8) ((gint) (-CB_R * (gint) r - CB_G * (gint) g +
                     C_HALF * (gint) b + offset) >>
      18);
  *v = (guint8) ((gint) (C_HALF * (gint) r - CR_G * (gint) g - CR_B * (gint) b +
                     offset) >>
      18);
}

/* Two packed RGB rows (the second may be the first again, for an odd last
 * row) to two luma rows and one chroma row of I420 row @y. */
static void
rgb_pair_to_i420 (const guint8 *r0, const guint8 *r1, GstVideoFrame *frame,
    guint y)
{
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint8 *y0 = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 0) +
      (gsize) y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
  guint8 *y1 = y0 + GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
  guint8 *u = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 1) +
      (gsize) (y / 2) * GST_VIDEO_FRAME_COMP_STRIDE (frame, 1);
  guint8 *v = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 2) +
      (gsize) (y / 2) * GST_VIDEO_FRAME_COMP_STRIDE (frame, 2);
  gboolean second = y + 1 < height;
  guint x;

  for (x = 0; x < width; x += 2) {
    /* an odd last column repeats itself, as libjpeg's edge expansion */
    guint nx = x + 1 < width ? 3 : 0;
    const guint8 *a = r0 + x * 3, *b = r1 + x * 3;

    y0[x] = luma (a);
    if (nx)
      y0[x + 1] = luma (a + 3);
    if (second) {
      y1[x] = luma (b);
      if (nx)
        y1[x + 1] = luma (b + 3);
    }
    chroma4 (a[0] + a[nx] + b[0] + b[nx], a[1] + a[nx + 1] + b[1] + b[nx + 1],
        a[2] + a[nx + 2] + b[2] + b[nx + 2], &u[x / 2], &v[x / 2]);
  }
}

/* Writes one 8-bit output row to the frame. */
static void
emit_row (RowPipe *pipe, const guint8 *row)
{
  GstVideoFrame *frame = pipe->frame;
  const PngLayout *layout = pipe->layout;
  guint y = pipe->out_row++;

  if (layout->format != GST_VIDEO_FORMAT_I420) {
    memcpy ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (frame, 0) +
            (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0),
        row, (gsize) layout->out_w * layout->channels);
    return;
  }
  if (y % 2 == 0 && y + 1 < layout->out_h) {
    memcpy (pipe->pair, row, (gsize) layout->out_w * 3);
    return;
  }
  if (y % 2 == 0)
    rgb_pair_to_i420 (row, row, frame, y);
  else
    rgb_pair_to_i420 (pipe->pair, row, frame, y - 1);
}

/* Adds one 8-bit source row to the block sums: premultiplied by alpha
 * where there is alpha, so transparent pixels lend no colour. */
static void
accumulate_row (RowPipe *pipe, const guint8 *row)
{
  const PngLayout *layout = pipe->layout;
  guint width = layout->ihdr.width, ch = layout->channels, k = layout->shrink;
  guint x, c;

  for (x = 0; x < width; x++, row += ch) {
    guint32 *acc = pipe->acc + (gsize) (x / k) * ch;

    if (ch == 4) {
      guint a = row[3];

      for (c = 0; c < 3; c++)
        acc[c] += row[c] * a;
      acc[3] += a;
    } else {
      for (c = 0; c < ch; c++)
        acc[c] += row[c];
    }
  }
}

/* The averages of the block sums of @rows source rows, then cleared. */
static void
flush_blocks (RowPipe *pipe, guint rows)
{
  const PngLayout *layout = pipe->layout;
  guint width = layout->ihdr.width, ch = layout->channels, k = layout->shrink;
  guint ox, c;

  for (ox = 0; ox < layout->out_w; ox++) {
    guint32 *acc = pipe->acc + (gsize) ox * ch;
    guint8 *out = pipe->out8 + (gsize) ox * ch;
    guint cols = MIN (k, width - ox * k);
    guint32 n = cols * rows;

    if (ch == 4) {
      guint32 a = acc[3];

      for (c = 0; c < 3; c++)
        out[c] = a ? (acc[c] + a / 2) / a : 0;
      out[3] = (a + n / 2) / n;
    } else {
      for (c = 0; c < ch; c++)
        out[c] = (acc[c] + n / 2) / n;
    }
  }
  memset (pipe->acc, 0, (gsize) layout->out_w * ch * sizeof (guint32));
  emit_row (pipe, pipe->out8);
}

/* One decoded source row @y (libspng's format) through the pipeline. */
static void
push_row (RowPipe *pipe, const guint8 *src, guint y)
{
  const PngLayout *layout = pipe->layout;
  const guint8 *row8 = src;

  if (layout->spng_fmt == SPNG_FMT_RGBA16) {
    row16_to_8 ((const guint16 *) src, pipe->row8, layout->ihdr.width,
        layout->channels);
    row8 = pipe->row8;
  }
  if (layout->shrink == 1) {
    emit_row (pipe, row8);
    return;
  }
  accumulate_row (pipe, row8);
  pipe->acc_rows++;
  if (pipe->acc_rows == layout->shrink || y + 1 == layout->ihdr.height) {
    flush_blocks (pipe, pipe->acc_rows);
    pipe->acc_rows = 0;
  }
}

static void
row_pipe_clear (RowPipe *pipe)
{
  g_free (pipe->spng_row);
  g_free (pipe->image);
  g_free (pipe->row8);
  g_free (pipe->out8);
  g_free (pipe->pair);
  g_free (pipe->acc);
}

/* Allocates the pipeline's rows (sizes overflow-checked; the image size
 * itself was checked against max-pixels). */
static gboolean
row_pipe_init (RowPipe *pipe, const PngLayout *layout, spng_ctx *ctx,
    GstVideoFrame *frame)
{
  guint width = layout->ihdr.width, ch = layout->channels;
  gsize row8_bytes, out_bytes, acc_bytes, image_bytes;

  memset (pipe, 0, sizeof (*pipe));
  pipe->layout = layout;
  pipe->frame = frame;
  if (!gst_imgcompress_frame_bytes (width, 1, layout->spng_bpp,
          &pipe->spng_row_bytes) ||
      !gst_imgcompress_frame_bytes (width, 1, ch, &row8_bytes) ||
      !gst_imgcompress_frame_bytes (layout->out_w, 1, ch, &out_bytes) ||
      !gst_imgcompress_size_mul (out_bytes, sizeof (guint32), &acc_bytes))
    return FALSE;

  if (layout->ihdr.interlace_method == SPNG_INTERLACE_ADAM7) {
    if (spng_decoded_image_size (ctx, layout->spng_fmt, &image_bytes) != 0 ||
        (pipe->image = g_try_malloc (image_bytes)) == NULL)
      return FALSE;
  } else if ((pipe->spng_row = g_try_malloc (pipe->spng_row_bytes)) == NULL) {
    return FALSE;
  }
  if (layout->spng_fmt == SPNG_FMT_RGBA16 &&
      (pipe->row8 = g_try_malloc (row8_bytes)) == NULL)
    return FALSE;
  if (layout->shrink > 1 &&
      ((pipe->out8 = g_try_malloc (out_bytes)) == NULL ||
          (pipe->acc = g_try_malloc0 (acc_bytes)) == NULL))
    return FALSE;
  if (layout->format == GST_VIDEO_FORMAT_I420 &&
      (pipe->pair = g_try_malloc (out_bytes)) == NULL)
    return FALSE;
  return TRUE;
}

/* libspng's error codes for damaged files, in words for users. */
static const gchar *
damage_description (int error)
{
  switch (error) {
    case SPNG_EZLIB:
    case SPNG_EIDAT_STREAM:
      return N_ ("the compressed image data (IDAT) is corrupt");
    case SPNG_EFILTER:
      return N_ ("a row of the image data has an invalid filter type");
    case SPNG_ECHUNK_POS:
      return N_ ("a chunk is out of order");
    case SPNG_ECHUNK_SIZE:
    case SPNG_ECHUNK_STDLEN:
      return N_ ("a chunk has an invalid length");
    case SPNG_ECHUNK_TYPE:
      return N_ ("a chunk has an invalid type");
    case SPNG_ECHUNK_UNKNOWN_CRITICAL:
      return N_ ("it has a critical chunk this decoder does not know");
    case SPNG_EDUP_PLTE:
      return N_ ("it has two palettes (PLTE)");
    case SPNG_ENOPLTE:
      return N_ ("its palette (PLTE) is missing");
    default:
      return N_ ("its data is invalid");
  }
}

/* The first chunk whose CRC does not match, for the message. */
static void
find_bad_crc_chunk (const guint8 *data, gsize size, gchar name[5])
{
  gsize pos = PNG_SIGNATURE_SIZE;

  strcpy (name, "?");
  while (pos + CHUNK_HEADER_SIZE + CHUNK_CRC_SIZE <= size) {
    guint32 length = gst_imgcompress_read_uint32_be (data + pos);
    gsize crc_at;

    if (length > size - pos - CHUNK_HEADER_SIZE - CHUNK_CRC_SIZE)
      return;
    crc_at = pos + CHUNK_HEADER_SIZE + length;
    if (crc32 (0, data + pos + 4, length + 4) !=
        gst_imgcompress_read_uint32_be (data + crc_at)) {
      chunk_name (data + pos + 4, name);
      return;
    }
    pos = crc_at + CHUNK_CRC_SIZE;
  }
}

static gboolean
error_is_truncation (int error)
{
  return error == SPNG_IO_EOF || error == SPNG_IO_ERROR ||
      error == SPNG_EIDAT_TOO_SHORT || error == SPNG_EOF;
}

/* Names the fault behind libspng's @error. */
static GstFlowReturn
post_spng_error (GstImgPngDec *self, int error, const guint8 *data, gsize size,
    const gchar *where)
{
  gchar *debug = g_strdup_printf ("%s: %s (libspng error %d)", where,
      spng_strerror (error), error);
  gchar *msg;
  GstFlowReturn ret;

  if (error == SPNG_ECHUNK_CRC) {
    gchar name[5];

    find_bad_crc_chunk (data, size, name);
    msg = g_strdup_printf (_ ("The PNG image is damaged: CRC error in chunk "
                              "%s."),
        name);
  } else if (error_is_truncation (error)) {
    msg = g_strdup (_ ("The PNG file is truncated."));
  } else if (error == SPNG_ECHUNK_LIMITS) {
    msg = g_strdup (_ ("The PNG image has more metadata (chunks, text, "
                       "profiles) than allowed."));
  } else if (error == SPNG_EMEM) {
    msg = g_strdup (_ ("Not enough memory to decode the PNG image."));
  } else {
    msg = g_strdup_printf (_ ("The PNG image is damaged: %s."),
        _ (damage_description (error)));
  }
  ret = post_error (self, msg, debug);
  g_free (msg);
  g_free (debug);
  return ret;
}

/* The image data ended, or went bad, before the last row. */
static GstFlowReturn
post_row_error (GstImgPngDec *self, int error, const guint8 *data, gsize size,
    const PngLayout *layout, guint rows_done, guint pass)
{
  gchar *msg, *debug;
  GstFlowReturn ret;

  if (!error_is_truncation (error))
    return post_spng_error (self, error, data, size, "decoding the rows");

  if (layout->ihdr.interlace_method == SPNG_INTERLACE_ADAM7)
    msg = g_strdup_printf (_ ("The PNG image is truncated: interlaced image "
                              "data ends in pass %u of 7."),
        pass + 1);
  else
    msg = g_strdup_printf (_ ("The PNG image is truncated: image data ends "
                              "after %u of %u rows."),
        rows_done, layout->ihdr.height);
  debug =
      g_strdup_printf ("%s (libspng error %d)", spng_strerror (error), error);
  ret = post_error (self, msg, debug);
  g_free (msg);
  g_free (debug);
  return ret;
}

/* Decodes the rows into the frame through the pipeline. */
static GstFlowReturn
decode_rows (GstImgPngDec *self, spng_ctx *ctx, const PngLayout *layout,
    RowPipe *pipe, const guint8 *data, gsize size)
{
  struct spng_row_info info = {
    0,
  };
  guint rows_done = 0, y;
  int err;

  err = spng_decode_image (ctx, NULL, 0, layout->spng_fmt,
      SPNG_DECODE_TRNS | SPNG_DECODE_PROGRESSIVE);
  if (err != 0)
    return post_row_error (self, err, data, size, layout, 0, 0);

  if (pipe->image == NULL) {
    do {
      err = spng_decode_row (ctx, pipe->spng_row, pipe->spng_row_bytes);
      if (err == 0 || err == SPNG_EOI)
        push_row (pipe, pipe->spng_row, rows_done++);
    } while (err == 0);
  } else {
    /* Adam7 passes fill the rows in several visits */
    do {
      err = spng_get_row_info (ctx, &info);
      if (err == 0)
        err = spng_decode_row (ctx,
            pipe->image + (gsize) info.row_num * pipe->spng_row_bytes,
            pipe->spng_row_bytes);
    } while (err == 0);
    if (err == SPNG_EOI)
      for (y = 0; y < layout->ihdr.height; y++)
        push_row (pipe, pipe->image + (gsize) y * pipe->spng_row_bytes, y);
  }
  if (err != SPNG_EOI)
    return post_row_error (self, err, data, size, layout, rows_done, info.pass);
  return GST_FLOW_OK;
}

/* Reads the header and the chunks before the image data. */
static GstFlowReturn
read_layout (GstImgPngDec *self, spng_ctx *ctx, const guint8 *data, gsize size,
    PngLayout *layout)
{
  struct spng_ihdr ihdr;
  struct spng_trns trns;
  int err;

  err = spng_get_ihdr (ctx, &ihdr);
  if (err != 0)
    return post_spng_error (self, err, data, size, "reading IHDR");
  /* reads every chunk before IDAT: errors there surface now */
  err = spng_get_trns (ctx, &trns);
  if (err != 0 && err != SPNG_ECHUNKAVAIL)
    return post_spng_error (self, err, data, size, "reading the chunks");

  choose_layout (&ihdr, err == 0, layout);
  GST_DEBUG_OBJECT (self, "%ux%u, %u-bit colour type %u%s%s -> %s", ihdr.width,
      ihdr.height, ihdr.bit_depth, ihdr.color_type,
      ihdr.interlace_method ? ", interlaced" : "",
      layout->alpha ? ", alpha" : "",
      gst_video_format_to_string (layout->format));
  return GST_FLOW_OK;
}

/* The image's bytes, read by libspng as a stream. */
typedef struct
{
  const guint8 *data;
  gsize size;
  gsize pos;
} PngSource;

static int
read_source (spng_ctx *ctx, void *user, void *dest, size_t length)
{
  PngSource *src = user;

  if (length > src->size - src->pos)
    return SPNG_IO_EOF;
  memcpy (dest, src->data + src->pos, length);
  src->pos += length;
  return 0;
}

/* A stream rather than a buffer: libspng then takes the image data in
 * pieces and decodes the rows there are, where with a buffer it wants each
 * IDAT chunk whole, and a cut in the middle would give no row at all. */
static spng_ctx *
new_context (PngSource *src)
{
  spng_ctx *ctx = spng_ctx_new (0);

  if (ctx == NULL)
    return NULL;
  /* dimensions were checked by the parser against max-pixels */
  if (spng_set_image_limits (ctx, PNG_MAX_UINT, PNG_MAX_UINT) != 0 ||
      spng_set_chunk_limits (ctx, CHUNK_SIZE_LIMIT, CHUNK_CACHE_LIMIT) != 0 ||
      spng_set_png_stream (ctx, read_source, src) != 0) {
    spng_ctx_free (ctx);
    return NULL;
  }
  return ctx;
}

/* What read_header keeps for decode: libspng's context, reading the
 * image's bytes, and the layout chosen from its header. */
typedef struct
{
  PngSource src;
  spng_ctx *ctx;
  PngLayout layout;
} PngImage;

static void
png_image_free (gpointer data)
{
  PngImage *image = data;

  if (image->ctx != NULL)
    spng_ctx_free (image->ctx);
  g_free (image);
}

static GstFlowReturn
gst_img_png_dec_read_header (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header)
{
  GstImgPngDec *self = GST_IMG_PNG_DEC (decoder);
  PngImage *image = g_new0 (PngImage, 1);
  GstFlowReturn ret;

  header->decode_data = image;
  header->decode_data_free = png_image_free;
  image->src.data = data;
  image->src.size = size;
  image->ctx = new_context (&image->src);
  if (image->ctx == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("could not set up a libspng context"));
    return GST_FLOW_ERROR;
  }

  ret = read_layout (self, image->ctx, data, size, &image->layout);
  if (ret != GST_FLOW_OK)
    return ret;
  header->width = image->layout.ihdr.width;
  header->height = image->layout.ihdr.height;
  header->has_alpha = image->layout.alpha;
  header->formats[0] = image->layout.format;
  /* as turbojpegdec's JFIF YCbCr: full-range BT.601 */
  header->yuv_range = GST_VIDEO_COLOR_RANGE_0_255;
  /* each k x k block averaged as the rows are decoded */
  header->scaling = GST_IMGCOMPRESS_IMAGE_SCALING_DIVISOR;
  header->max_divisor = MAX_SHRINK;
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_img_png_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  GstImgPngDec *self = GST_IMG_PNG_DEC (decoder);
  PngImage *image = header->decode_data;
  PngLayout *layout = &image->layout;
  RowPipe pipe;
  GstFlowReturn ret;
  int err;

  layout->shrink = scale->denom;
  layout->out_w = scale->width;
  layout->out_h = scale->height;
  if (!row_pipe_init (&pipe, layout, image->ctx, vframe)) {
    row_pipe_clear (&pipe);
    return post_spng_error (self, SPNG_EMEM, data, size, "row buffers");
  }
  ret = decode_rows (self, image->ctx, layout, &pipe, data, size);
  row_pipe_clear (&pipe);
  if (ret != GST_FLOW_OK)
    return ret;

  /* The rest of the file up to IEND: the last IDAT's CRC, eXIf after the
   * image data.  A file cut short or damaged there is refused too. */
  err = spng_decode_chunks (image->ctx);
  if (err != 0)
    return post_spng_error (self, err, data, size, "after the image data");
  gst_imgcompress_image_decoder_set_orientation (decoder,
      read_orientation (image->ctx));
  set_colour (decoder, image->ctx);
  add_copyright (decoder, image->ctx);
  return GST_FLOW_OK;
}

static void
gst_img_png_dec_class_init (GstImgPngDecClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);
  GstImgcompressImageDecoderClass *image_class =
      GST_IMGCOMPRESS_IMAGE_DECODER_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "PNG image decoder",
      "Codec/Decoder/Image",
      "Decodes PNG images with libspng to planar YUV, grey or RGBA",
      "gst-imgcompress authors");

  vdec_class->start = GST_DEBUG_FUNCPTR (gst_img_png_dec_start);
  vdec_class->flush = GST_DEBUG_FUNCPTR (gst_img_png_dec_flush);
  vdec_class->parse = GST_DEBUG_FUNCPTR (gst_img_png_dec_parse);

  image_class->format_name = "PNG";
  image_class->read_header = GST_DEBUG_FUNCPTR (gst_img_png_dec_read_header);
  image_class->decode = GST_DEBUG_FUNCPTR (gst_img_png_dec_decode);

  GST_DEBUG_CATEGORY_INIT (gst_img_png_dec_debug, "imgpngdec", 0,
      "PNG image decoder");
}

static void
gst_img_png_dec_init (GstImgPngDec *self)
{
}

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgbmpdec
 * @title: imgbmpdec
 * @short_description: decodes BMP images with gdk-pixbuf's BMP loader
 *
 * Decodes Windows and OS/2 bitmaps (1, 4, 8, 16, 24 and 32 bits per pixel,
 * RLE4 and RLE8, bit fields, bottom-up and top-down) with gdk-pixbuf's BMP
 * loader, and that loader only: a file is never handed to another of
 * gdk-pixbuf's loaders by its content.  The file is one image: the element
 * takes everything up to the end of the stream (imgcompressbin ends each
 * image of a stream so).
 *
 * Why not the stock gdkpixbufdec: it has no pixel limit (a forged header
 * makes gdk-pixbuf allocate the whole announced bitmap before a single
 * row is read), it lets gdk-pixbuf pick any of its loaders by content, its
 * errors do not say what is wrong with the file, and it knows nothing of
 * the size-hint query or of the project's limits.  Here the BMP header is
 * read first, and its width and height are checked against
 * #GstImgcompressImageDecoder:max-pixels before gdk-pixbuf sees a byte.
 *
 * 24-bit and smaller images leave as RGB; 32-bit and RLE images, which may
 * carry transparency, as RGBA.  The ICC profile a BITMAPV5HEADER embeds
 * (`PROFILE_EMBEDDED`) is posted as the `imgcompress-colour-profile` tag
 * (`source` `MBED`), for imgiccconvert.  A damaged file posts an error with
 * gdk-pixbuf's description of the fault; nothing of it is output.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.bmp ! imgbmpdec ! videoconvert ! \
 *     pngenc ! filesink location=bitmap.png
 * ]| Converts photo.bmp to a PNG.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgbmpdec.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <gst/imgcompress/imgcompress.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_bmp_dec_debug);
#define GST_CAT_DEFAULT gst_img_bmp_dec_debug

/* file header 14 bytes (the pixels' offset at 10), then the information
 * header */
#define BMP_PIXELS_OFFSET 10
#define BMP_INFO_OFFSET 14
#define BMP_COMPRESSION_OFFSET 30
#define BMP_CORE_HEADER_SIZE 12
#define BI_RGB 0
#define BI_BITFIELDS 3
#define BI_RLE8 1
#define BI_RLE4 2
/* BITMAPV5HEADER: bV5CSType, bV5ProfileData (from the information header's
 * start) and bV5ProfileSize */
#define BMP_V5_INFO_SIZE 124
#define BMP_V5_CS_TYPE 56
#define BMP_V5_PROFILE_DATA 112
#define BMP_V5_PROFILE_SIZE 116
#define BMP_PROFILE_EMBEDDED 0x4d424544 /* 'MBED' */

struct _GstImgBmpDec
{
  GstImgcompressImageDecoder parent;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/bmp"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGB, RGBA }")));

#define gst_img_bmp_dec_parent_class parent_class
G_DEFINE_TYPE (GstImgBmpDec, gst_img_bmp_dec,
    GST_TYPE_IMGCOMPRESS_IMAGE_DECODER);
GST_ELEMENT_REGISTER_DEFINE (imgbmpdec, "imgbmpdec", GST_RANK_MARGINAL,
    GST_TYPE_IMG_BMP_DEC);

/* RLE images may skip pixels, which gdk-pixbuf leaves transparent. */
static gboolean
may_be_transparent (const guint8 *data, gsize size,
    const GstImgcompressHeaderInfo *info)
{
  guint32 info_size, compression;

  if (info->components == 4)
    return TRUE;
  info_size = gst_imgcompress_read_uint32_le (data + BMP_INFO_OFFSET);
  if (info_size < 40 || size < BMP_COMPRESSION_OFFSET + 4)
    return FALSE;
  compression = gst_imgcompress_read_uint32_le (data + BMP_COMPRESSION_OFFSET);
  return compression == BI_RLE8 || compression == BI_RLE4;
}

/* gdk-pixbuf fills the rows of a cut uncompressed bitmap with black and
 * says nothing: the rows the file holds are counted here.  (RLE data
 * ends with its own end-of-bitmap code, which gdk-pixbuf checks.) */
static gboolean
check_complete (GstImgBmpDec *self, const guint8 *data, gsize size,
    const GstImgcompressHeaderInfo *info)
{
  guint32 info_size = gst_imgcompress_read_uint32_le (data + BMP_INFO_OFFSET);
  guint32 compression = BI_RGB, bits, offset;
  guint64 row_bytes, rows;

  if (info_size > BMP_CORE_HEADER_SIZE)
    compression =
        gst_imgcompress_read_uint32_le (data + BMP_COMPRESSION_OFFSET);
  if (compression != BI_RGB && compression != BI_BITFIELDS)
    return TRUE;
  bits = info_size == BMP_CORE_HEADER_SIZE ?
      gst_imgcompress_read_uint16_le (data + 24) :
      gst_imgcompress_read_uint16_le (data + 28);
  offset = gst_imgcompress_read_uint32_le (data + BMP_PIXELS_OFFSET);
  /* rows are padded to 4 bytes; widths below 2^31 keep this in 64 bits */
  row_bytes = ((guint64) bits * info->width + 31) / 32 * 4;
  rows = size > offset ? (size - offset) / row_bytes : 0;
  if (rows >= info->height)
    return TRUE;
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The BMP file is truncated: its pixels end after %u of %u rows."),
          (guint) rows, info->height),
      ("%" G_GSIZE_FORMAT " bytes, pixels at %u, %" G_GUINT64_FORMAT
       " bytes per row",
          size, offset, row_bytes));
  return FALSE;
}

/* A BITMAPV5HEADER's embedded ICC profile, which gdk-pixbuf ignores. */
static void
set_icc_profile (GstImgcompressImageDecoder *decoder, const guint8 *data,
    gsize size)
{
  const guint8 *info = data + BMP_INFO_OFFSET;
  guint32 offset, length;

  if (size < BMP_INFO_OFFSET + BMP_V5_INFO_SIZE ||
      gst_imgcompress_read_uint32_le (info) < BMP_V5_INFO_SIZE ||
      gst_imgcompress_read_uint32_le (info + BMP_V5_CS_TYPE) !=
          BMP_PROFILE_EMBEDDED)
    return;
  offset = gst_imgcompress_read_uint32_le (info + BMP_V5_PROFILE_DATA);
  length = gst_imgcompress_read_uint32_le (info + BMP_V5_PROFILE_SIZE);
  if (length == 0 || offset > size - BMP_INFO_OFFSET ||
      length > size - BMP_INFO_OFFSET - offset)
    gst_imgcompress_image_decoder_set_icc_profile_bytes (decoder, NULL,
        "the embedded ICC profile lies outside the file", "MBED", NULL);
  else
    gst_imgcompress_image_decoder_set_icc_profile (decoder, info + offset,
        length, "MBED");
}

/* The header is the library's to read (adaptivequality read the same):
 * the limit is checked before gdk-pixbuf sees a byte. */
static GstFlowReturn
gst_img_bmp_dec_read_header (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header)
{
  GstImgBmpDec *self = GST_IMG_BMP_DEC (decoder);
  GstImgcompressHeaderInfo info;

  switch (gst_imgcompress_sniff_header (data, size, &info)) {
    case GST_IMGCOMPRESS_SNIFF_OK:
      if (info.format == GST_IMGCOMPRESS_FORMAT_BMP)
        break;
      GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
          (_ ("The data is not a BMP image.")),
          ("a %s header", gst_imgcompress_format_to_string (info.format)));
      return GST_FLOW_ERROR;
    case GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA:
      GST_ELEMENT_ERROR (self, STREAM, DECODE,
          (_ ("The BMP file is truncated: it ends inside its header.")),
          ("%" G_GSIZE_FORMAT " bytes, the header needs %" G_GSIZE_FORMAT, size,
              info.needed));
      return GST_FLOW_ERROR;
    default:
      if (info.format == GST_IMGCOMPRESS_FORMAT_BMP)
        GST_ELEMENT_ERROR (self, STREAM, DECODE,
            (_ ("The BMP header is damaged: %s."), _ (info.error)),
            ("%s", info.error));
      else
        GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
            (_ ("The data is not a BMP image.")), ("%s", info.error));
      return GST_FLOW_ERROR;
  }
  if (!check_complete (self, data, size, &info))
    return GST_FLOW_ERROR;
  header->width = info.width;
  header->height = info.height;
  header->has_alpha = may_be_transparent (data, size, &info);
  header->formats[0] =
      header->has_alpha ? GST_VIDEO_FORMAT_RGBA : GST_VIDEO_FORMAT_RGB;
  header->scaling = GST_IMGCOMPRESS_IMAGE_SCALING_NONE;
  set_icc_profile (decoder, data, size);
  return GST_FLOW_OK;
}

static GstFlowReturn
post_pixbuf_error (GstImgBmpDec *self, GError *error, const gchar *where)
{
  const gchar *detail = error ? error->message : "?";

  if (error && error->domain == GDK_PIXBUF_ERROR &&
      error->code == GDK_PIXBUF_ERROR_INSUFFICIENT_MEMORY)
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("Not enough memory to decode the BMP image.")),
        ("%s: %s", where, detail));
  else
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The BMP image is damaged or truncated: %s."), detail),
        ("%s", where));
  return GST_FLOW_ERROR;
}

/* gdk-pixbuf's rows (RGB or RGBA) into the frame's (RGB or RGBA). */
static void
copy_pixbuf (GdkPixbuf *pixbuf, GstVideoFrame *vframe)
{
  const guint8 *src = gdk_pixbuf_read_pixels (pixbuf);
  guint src_bpp = gdk_pixbuf_get_n_channels (pixbuf);
  gsize src_stride = gdk_pixbuf_get_rowstride (pixbuf);
  guint dst_bpp = GST_VIDEO_FRAME_COMP_PSTRIDE (vframe, 0);
  guint width = GST_VIDEO_FRAME_WIDTH (vframe), x, y;

  for (y = 0; y < (guint) GST_VIDEO_FRAME_HEIGHT (vframe); y++) {
    const guint8 *s = src + y * src_stride;
    guint8 *d = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (vframe, 0) +
        (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0);

    if (src_bpp == dst_bpp) {
      memcpy (d, s, (gsize) width * dst_bpp);
      continue;
    }
    for (x = 0; x < width; x++, s += src_bpp, d += dst_bpp) {
      d[0] = s[0];
      d[1] = s[1];
      d[2] = s[2];
      if (dst_bpp == 4)
        d[3] = 255;
    }
  }
}

static GstFlowReturn
gst_img_bmp_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  GstImgBmpDec *self = GST_IMG_BMP_DEC (decoder);
  GdkPixbufLoader *loader;
  GdkPixbuf *pixbuf;
  GError *error = NULL;
  GstFlowReturn ret = GST_FLOW_OK;

  /* the BMP loader only, whatever the bytes look like */
  loader = gdk_pixbuf_loader_new_with_type ("bmp", &error);
  if (loader == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        (_ ("gdk-pixbuf's BMP loader is not installed.")),
        ("%s", error ? error->message : "?"));
    g_clear_error (&error);
    return GST_FLOW_ERROR;
  }
  if (!gdk_pixbuf_loader_write (loader, data, size, &error)) {
    ret = post_pixbuf_error (self, error, "writing to the loader");
    gdk_pixbuf_loader_close (loader, NULL);
    goto done;
  }
  if (!gdk_pixbuf_loader_close (loader, &error)) {
    ret = post_pixbuf_error (self, error, "closing the loader");
    goto done;
  }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (pixbuf == NULL ||
      (guint) gdk_pixbuf_get_width (pixbuf) != header->width ||
      (guint) gdk_pixbuf_get_height (pixbuf) != header->height ||
      gdk_pixbuf_get_bits_per_sample (pixbuf) != 8 ||
      gdk_pixbuf_get_n_channels (pixbuf) < 3) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The BMP image is damaged: its pixels do not match its "
            "header.")),
        ("pixbuf %dx%d, header %ux%u",
            pixbuf ? gdk_pixbuf_get_width (pixbuf) : 0,
            pixbuf ? gdk_pixbuf_get_height (pixbuf) : 0, header->width,
            header->height));
    ret = GST_FLOW_ERROR;
    goto done;
  }
  copy_pixbuf (pixbuf, vframe);

done:
  g_clear_error (&error);
  g_object_unref (loader);
  return ret;
}

static void
gst_img_bmp_dec_class_init (GstImgBmpDecClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);
  GstImgcompressImageDecoderClass *image_class =
      GST_IMGCOMPRESS_IMAGE_DECODER_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "BMP image decoder",
      "Codec/Decoder/Image",
      "Decodes BMP images with gdk-pixbuf's BMP loader to RGB or RGBA",
      "gst-imgcompress authors");

  /* a BMP file has no end marker */
  vdec_class->parse =
      GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_parse_to_end);
  image_class->format_name = "BMP";
  image_class->read_header = GST_DEBUG_FUNCPTR (gst_img_bmp_dec_read_header);
  image_class->decode = GST_DEBUG_FUNCPTR (gst_img_bmp_dec_decode);

  GST_DEBUG_CATEGORY_INIT (gst_img_bmp_dec_debug, "imgbmpdec", 0,
      "BMP image decoder");
}

static void
gst_img_bmp_dec_init (GstImgBmpDec *self)
{
}

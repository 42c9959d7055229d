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
 * RLE4 and RLE8, bit fields, bottom-up and top-down).  Pixels of 16 and 32
 * bits (BI_RGB, BI_BITFIELDS and BI_ALPHABITFIELDS, any masks that are one
 * run of bits, alpha where the header has an alpha mask) are decoded here;
 * the others with gdk-pixbuf's BMP loader, and that loader only: a file is
 * never handed to another of gdk-pixbuf's loaders by its content.  That
 * loader loses the pixels that do not follow the colour table right away,
 * and expects a full colour table in an OS/2 1.x file: it is handed the
 * headers, the colour table as it expects it, then the pixels from where
 * the file says they start.  The file is one image: the element takes
 * everything up to the end of the stream (imgcompressbin ends each image
 * of a stream so).
 *
 * Why not the stock gdkpixbufdec: it has no pixel limit (a forged header
 * makes gdk-pixbuf allocate the whole announced bitmap before a single
 * row is read), it lets gdk-pixbuf pick any of its loaders by content, its
 * errors do not say what is wrong with the file, and it knows nothing of
 * the size-hint query or of the project's limits.  Here the BMP header is
 * read first, and its width and height are checked against
 * #GstImgcompressImageDecoder:max-pixels before gdk-pixbuf sees a byte.
 *
 * Images with an alpha mask, and RLE images (which may skip pixels, left
 * transparent), leave as RGBA; the others as RGB.  The ICC profile a
 * BITMAPV5HEADER embeds
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
#include <gst/imgcompress/gstimgcompresssniff.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_bmp_dec_debug);
#define GST_CAT_DEFAULT gst_img_bmp_dec_debug

/* file header 14 bytes (the pixels' offset at 10), then the information
 * header */
#define BMP_PIXELS_OFFSET 10
#define BMP_INFO_OFFSET 14
#define BI_RGB 0
#define BI_RLE8 1
#define BI_RLE4 2
#define BI_BITFIELDS 3
#define BI_ALPHABITFIELDS 6
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

/* What read_header learnt for decode. */
typedef struct
{
  GstImgcompressBmpLayout layout;
  /* where the pixels really start: bfOffBits, or the colour table's end
   * when bfOffBits points at its start */
  gsize pixels_start;
  /* the colour table bytes the file holds before its pixels */
  gsize palette_bytes;
  /* pixels of 16 or 32 bits, decoded here rather than by gdk-pixbuf */
  gboolean own_decode;
} BmpImage;

/* One channel of a bit-field pixel: its mask's lowest bit, and its
 * largest value (0: no such channel). */
typedef struct
{
  guint shift;
  guint32 max;
} BmpChannel;

static gboolean
is_rle (const GstImgcompressBmpLayout *layout)
{
  return layout->compression == BI_RLE8 || layout->compression == BI_RLE4;
}

/* A mask is one run of set bits, within the pixel. */
static gboolean
channel_from_mask (guint32 mask, guint bits, BmpChannel *channel)
{
  channel->shift = 0;
  channel->max = 0;
  if (mask == 0)
    return TRUE;
  if (bits < 32 && (mask >> bits) != 0)
    return FALSE;
  while ((mask & 1) == 0) {
    mask >>= 1;
    channel->shift++;
  }
  channel->max = mask;
  /* mask + 1 is a power of two (0xffffffff + 1 wraps to 0) */
  return (mask & (mask + 1)) == 0;
}

/* Refuses what neither decoder reads.  Pixels of 16 and 32 bits are
 * decoded here: gdk-pixbuf reads masks of fewer than 4 bits wrongly, drops
 * a 16-bit image's alpha, refuses BI_ALPHABITFIELDS and reads the pixels
 * right after BI_BITFIELDS masks whatever bfOffBits says. */
static gboolean
choose_decoder (GstImgBmpDec *self, BmpImage *image)
{
  const GstImgcompressBmpLayout *layout = &image->layout;
  BmpChannel channel;
  guint i;

  /* Windows CE's 2 bits per pixel: gdk-pixbuf would only call the header
   * bogus */
  if (layout->bits_per_pixel == 2) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("BMP images of 2 bits per pixel are not supported.")), (NULL));
    return FALSE;
  }
  if (layout->bits_per_pixel != 16 && layout->bits_per_pixel != 32)
    return TRUE;
  if (layout->compression != BI_RGB && layout->compression != BI_BITFIELDS &&
      layout->compression != BI_ALPHABITFIELDS) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The BMP image's compression %u is not supported at %u bits "
            "per pixel."),
            layout->compression, layout->bits_per_pixel),
        (NULL));
    return FALSE;
  }
  for (i = 0; i < G_N_ELEMENTS (layout->masks); i++) {
    if (!channel_from_mask (layout->masks[i], layout->bits_per_pixel,
            &channel)) {
      GST_ELEMENT_ERROR (self, STREAM, DECODE,
          (_ ("The BMP header is damaged: its bit field mask 0x%08x is not "
              "one run of bits within a pixel of %u bits."),
              layout->masks[i], layout->bits_per_pixel),
          (NULL));
      return FALSE;
    }
  }
  image->own_decode = TRUE;
  return TRUE;
}

/* bfOffBits against the headers.  The pixels may start after a gap, or
 * (a common mistake, which Pillow accepts too) bfOffBits may point at the
 * colour table's start.  An OS/2 1.x colour table may hold fewer than
 * 2^bits entries: bfOffBits ends it. */
static gboolean
locate_pixels (GstImgBmpDec *self, BmpImage *image, gsize size)
{
  const GstImgcompressBmpLayout *layout = &image->layout;
  guint64 palette_end = layout->palette_offset;

  if (layout->bits_per_pixel <= 8) {
    if (layout->palette_entries > (1u << layout->bits_per_pixel)) {
      GST_ELEMENT_ERROR (self, STREAM, DECODE,
          (_ ("The BMP header is damaged: its colour table of %u entries "
              "is larger than %u bits per pixel can index."),
              layout->palette_entries, layout->bits_per_pixel),
          (NULL));
      return FALSE;
    }
    /* at most 256 entries of 4 bytes */
    palette_end +=
        (guint64) layout->palette_entries * layout->palette_entry_size;
  }
  if (layout->pixels_offset < layout->palette_offset) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The BMP header is damaged: its pixels would start at byte %u, "
            "inside its headers."),
            layout->pixels_offset),
        ("the headers end at %u", layout->palette_offset));
    return FALSE;
  }
  image->pixels_start = layout->pixels_offset;
  if (layout->pixels_offset == layout->palette_offset)
    image->pixels_start = palette_end;
  if (image->pixels_start > size) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The BMP file is truncated: its pixels would start after its "
            "end.")),
        ("%" G_GSIZE_FORMAT " bytes, pixels at %" G_GSIZE_FORMAT, size,
            image->pixels_start));
    return FALSE;
  }
  image->palette_bytes =
      MIN (palette_end, image->pixels_start) - layout->palette_offset;
  return TRUE;
}

/* Bytes per row, padded to 4 bytes; widths below 2^31 keep this in 64
 * bits. */
static guint64
row_bytes (const BmpImage *image, guint width)
{
  return ((guint64) image->layout.bits_per_pixel * width + 31) / 32 * 4;
}

/* gdk-pixbuf fills the rows of a cut uncompressed bitmap with black and
 * says nothing: the rows the file holds are counted here, which also
 * bounds what the own decoder reads.  The last row's padding may be
 * missing (as Pillow, we do without).  (RLE data ends with its own
 * end-of-bitmap code, which gdk-pixbuf checks.) */
static gboolean
check_complete (GstImgBmpDec *self, const BmpImage *image, gsize size,
    guint width, guint height)
{
  guint64 stride = row_bytes (image, width), rows;
  guint64 last = ((guint64) image->layout.bits_per_pixel * width + 7) / 8;
  guint64 available = size - image->pixels_start;

  if (is_rle (&image->layout))
    return TRUE;
  /* divided, not multiplied: stride * height may pass 2^64 before the
   * pixel limit is checked */
  if (available >= last && (available - last) / stride >= height - 1)
    return TRUE;
  rows = available / stride;
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The BMP file is truncated: its pixels end after %u of %u rows."),
          (guint) rows, height),
      ("%" G_GSIZE_FORMAT " bytes, pixels at %" G_GSIZE_FORMAT
       ", %" G_GUINT64_FORMAT " bytes per row",
          size, image->pixels_start, stride));
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
  BmpImage *image = g_new0 (BmpImage, 1);

  header->decode_data = image;
  header->decode_data_free = g_free;
  switch (gst_imgcompress_sniff_bmp_layout (data, size, &info,
      &image->layout)) {
    case GST_IMGCOMPRESS_SNIFF_OK:
      break;
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
  if (!choose_decoder (self, image) || !locate_pixels (self, image, size) ||
      !check_complete (self, image, size, info.width, info.height))
    return GST_FLOW_ERROR;
  header->width = info.width;
  header->height = info.height;
  /* RLE images may skip pixels, which gdk-pixbuf leaves transparent */
  header->has_alpha = is_rle (&image->layout) ||
      (image->own_decode && image->layout.masks[3] != 0);
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

/* v (0..max) to 0..255, rounded */
static inline guint8
scale_channel (guint32 value, const BmpChannel *channel)
{
  return (guint8) (((guint64) value * 255 + channel->max / 2) / channel->max);
}

/* Uncompressed pixels of 16 or 32 bits, each channel by its mask;
 * check_complete made sure every row is in the file. */
static void
decode_bit_fields (const BmpImage *image, const guint8 *data,
    GstVideoFrame *vframe)
{
  const GstImgcompressBmpLayout *layout = &image->layout;
  guint width = GST_VIDEO_FRAME_WIDTH (vframe);
  guint height = GST_VIDEO_FRAME_HEIGHT (vframe);
  guint dst_bpp = GST_VIDEO_FRAME_COMP_PSTRIDE (vframe, 0);
  guint bytes = layout->bits_per_pixel / 8, x, y, c;
  gsize stride = row_bytes (image, width);
  BmpChannel channels[4];

  for (c = 0; c < 4; c++)
    channel_from_mask (layout->masks[c], layout->bits_per_pixel, &channels[c]);
  for (y = 0; y < height; y++) {
    guint row = layout->top_down ? y : height - 1 - y;
    const guint8 *s = data + image->pixels_start + row * stride;
    guint8 *d = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (vframe, 0) +
        (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0);

    for (x = 0; x < width; x++, s += bytes, d += dst_bpp) {
      guint32 v = bytes == 2 ? gst_imgcompress_read_uint16_le (s) :
                               gst_imgcompress_read_uint32_le (s);

      for (c = 0; c < dst_bpp; c++)
        d[c] = channels[c].max == 0 ?
            (c == 3 ? 255 : 0) :
            scale_channel ((v >> channels[c].shift) & channels[c].max,
                &channels[c]);
    }
  }
}

/* gdk-pixbuf's loader gets the headers, the colour table it expects
 * (2^bits entries in an OS/2 1.x file, else biClrUsed's; what the file
 * lacks zero-filled) and bfOffBits pointing right after it, then the
 * pixels from where the file has them, and the last row's padding if the
 * file lacks it (gdk-pixbuf would leave that row out). */
static gboolean
write_normalized (GdkPixbufLoader *loader, const BmpImage *image,
    const guint8 *data, gsize size, guint width, guint height, GError **error)
{
  static const guint8 padding[4] = { 0 };
  const GstImgcompressBmpLayout *layout = &image->layout;
  /* at most 124 bytes of headers and masks, and 256 entries of 4 bytes */
  gsize headers = layout->palette_offset;
  gsize palette = (gsize) layout->palette_entries * layout->palette_entry_size;
  gsize pixels = size - image->pixels_start;
  guint64 expected = row_bytes (image, width) * height;
  guint8 *prefix = g_malloc0 (headers + palette);
  gboolean ok;

  memcpy (prefix, data, headers);
  memcpy (prefix + headers, data + headers, image->palette_bytes);
  gst_imgcompress_write_uint32_le (prefix + BMP_PIXELS_OFFSET,
      headers + palette);
  ok = gdk_pixbuf_loader_write (loader, prefix, headers + palette, error) &&
      (pixels == 0 ||
          gdk_pixbuf_loader_write (loader, data + image->pixels_start, pixels,
              error));
  /* check_complete: at most 3 bytes of padding are missing */
  if (ok && !is_rle (layout) && pixels < expected)
    ok = gdk_pixbuf_loader_write (loader, padding, expected - pixels, error);
  g_free (prefix);
  return ok;
}

static GstFlowReturn
gst_img_bmp_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  GstImgBmpDec *self = GST_IMG_BMP_DEC (decoder);
  const BmpImage *image = header->decode_data;
  GdkPixbufLoader *loader;
  GdkPixbuf *pixbuf;
  GError *error = NULL;
  GstFlowReturn ret = GST_FLOW_OK;

  if (image->own_decode) {
    decode_bit_fields (image, data, vframe);
    return GST_FLOW_OK;
  }
  /* the BMP loader only, whatever the bytes look like */
  loader = gdk_pixbuf_loader_new_with_type ("bmp", &error);
  if (loader == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        (_ ("gdk-pixbuf's BMP loader is not installed.")),
        ("%s", error ? error->message : "?"));
    g_clear_error (&error);
    return GST_FLOW_ERROR;
  }
  if (!write_normalized (loader, image, data, size, header->width,
          header->height, &error)) {
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
      "Decodes BMP images to RGB or RGBA (gdk-pixbuf's BMP loader for "
      "palettes, RLE and 24 bits)",
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

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgtiffdec
 * @title: imgtiffdec
 * @short_description: decodes the first page of TIFF images with libtiff
 *
 * Decodes the first page (directory) of a TIFF or BigTIFF file: strips or
 * tiles, any compression libtiff reads (none, LZW, Deflate, PackBits, JPEG,
 * ...), 1 to 16 bits per sample, grey (min-is-black or min-is-white),
 * palette, RGB, YCbCr and CMYK (the naive conversion; an embedded ICC
 * profile is posted for the colour stage), with or without alpha.  The
 * file is one image: the element takes everything up to the end of the
 * stream (imgcompressbin ends each image of a stream so).
 *
 * Grey images leave as GRAY8, opaque colour images as RGB, images with an
 * alpha sample as RGBA with straight alpha; 16-bit samples are reduced to
 * 8 bits.  The rows leave in the order the file stores them: the
 * Orientation tag is posted as the `image-orientation` tag (imgsizer
 * applies it), and the ICC profile (tag 34675) as the
 * `imgcompress-colour-profile` tag (`source` `ICCProfile`; that of a CMYK
 * image is not posted, its pixels being RGB already), the Artist and
 * Copyright tags (or the XMP packet's) as %GST_TAG_ARTIST and
 * %GST_TAG_COPYRIGHT.
 *
 * Before anything of the image's size is allocated its ImageWidth and
 * ImageLength are checked against #GstImgcompressImageDecoder:max-pixels,
 * and libtiff allocates no single block larger than 256 MiB.  A damaged
 * file posts an error naming the fault with libtiff's own words (a strip
 * that ends early, an invalid tag, an unsupported layout); nothing of it is
 * output.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.tif ! imgtiffdec ! videoconvert ! \
 *     pngenc ! filesink location=page.png
 * ]| Writes the first page of photo.tif as a PNG.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgtiffdec.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <string.h>
#include <tiffio.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_tiff_dec_debug);
#define GST_CAT_DEFAULT gst_img_tiff_dec_debug

/* The largest single block libtiff may allocate (a strip, a tile, a tag's
 * values): more than a real file's, far less than a forged one asks. */
#define MAX_SINGLE_ALLOC (256 * 1024 * 1024)

struct _GstImgTiffDec
{
  GstImgcompressImageDecoder parent;
};

/* What read_header() opened for decode(). */
typedef struct
{
  const guint8 *data;
  gsize size;
  gsize pos;
  TIFF *tif;
  /* libtiff's first error, for the messages */
  gchar *error;
} TiffImage;

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/tiff"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGB, RGBA, GRAY8 }")));

#define gst_img_tiff_dec_parent_class parent_class
G_DEFINE_TYPE (GstImgTiffDec, gst_img_tiff_dec,
    GST_TYPE_IMGCOMPRESS_IMAGE_DECODER);
GST_ELEMENT_REGISTER_DEFINE (imgtiffdec, "imgtiffdec", GST_RANK_MARGINAL,
    GST_TYPE_IMG_TIFF_DEC);

/* libtiff reads the file from memory. */

static tmsize_t
tiff_read (thandle_t handle, void *buf, tmsize_t size)
{
  TiffImage *img = handle;
  gsize n;

  if (size <= 0)
    return 0;
  n = MIN ((gsize) size, img->size - img->pos);
  memcpy (buf, img->data + img->pos, n);
  img->pos += n;
  return (tmsize_t) n;
}

static tmsize_t
tiff_write (thandle_t handle, void *buf, tmsize_t size)
{
  return -1;
}

static toff_t
tiff_seek (thandle_t handle, toff_t offset, int whence)
{
  TiffImage *img = handle;
  guint64 base = whence == SEEK_CUR ? img->pos :
      whence == SEEK_END            ? img->size :
                                      0;

  /* a position past the end reads nothing */
  if (offset > G_MAXUINT64 - base)
    return (toff_t) -1;
  img->pos = MIN (base + offset, (guint64) img->size);
  return base + offset;
}

static int
tiff_close (thandle_t handle)
{
  return 0;
}

static toff_t
tiff_size (thandle_t handle)
{
  return ((TiffImage *) handle)->size;
}

static int
tiff_map (thandle_t handle, void **base, toff_t *size)
{
  return 0;
}

static void
tiff_unmap (thandle_t handle, void *base, toff_t size)
{
}

/* libtiff's errors go to the image, not to stderr. */
static int
tiff_error (TIFF *tif, void *user_data, const char *module, const char *fmt,
    va_list args)
{
  TiffImage *img = user_data;

  if (img->error == NULL)
    img->error = g_strdup_vprintf (fmt, args);
  return 1;
}

static int
tiff_warning (TIFF *tif, void *user_data, const char *module, const char *fmt,
    va_list args)
{
  gchar *msg = g_strdup_vprintf (fmt, args);

  GST_DEBUG ("libtiff: %s: %s", GST_STR_NULL (module), msg);
  g_free (msg);
  return 1;
}

static void
tiff_image_free (gpointer data)
{
  TiffImage *img = data;

  if (img->tif)
    TIFFClose (img->tif);
  g_free (img->error);
  g_free (img);
}

/* The fault in libtiff's words (English), inside a translated sentence. */
static GstFlowReturn
post_tiff_error (GstImgTiffDec *self, TiffImage *img, const gchar *what,
    const gchar *where)
{
  const gchar *detail = img->error ? img->error : what;
  gboolean truncated = img->error &&
      (strstr (img->error, "Read error") ||
          strstr (img->error, "Cannot read") ||
          strstr (img->error, "past end") ||
          strstr (img->error, "Unexpected end"));

  if (truncated)
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The TIFF file is truncated: %s."), detail), ("%s", where));
  else
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The TIFF image is damaged or not supported: %s."), detail),
        ("%s", where));
  return GST_FLOW_ERROR;
}

static gboolean
is_grey (TIFF *tif)
{
  guint16 photometric = PHOTOMETRIC_RGB, spp = 1;

  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetField (tif, TIFFTAG_PHOTOMETRIC, &photometric);
  return spp == 1 &&
      (photometric == PHOTOMETRIC_MINISBLACK ||
          photometric == PHOTOMETRIC_MINISWHITE);
}

static gboolean
has_alpha (TIFF *tif)
{
  guint16 count = 0, *types = NULL, i;

  if (!TIFFGetField (tif, TIFFTAG_EXTRASAMPLES, &count, &types))
    return FALSE;
  for (i = 0; i < count; i++)
    if (types[i] == EXTRASAMPLE_ASSOCALPHA ||
        types[i] == EXTRASAMPLE_UNASSALPHA)
      return TRUE;
  return FALSE;
}

static void
set_icc_profile (GstImgcompressImageDecoder *decoder, TIFF *tif)
{
  guint32 size = 0;
  void *icc = NULL;

  if (TIFFGetField (tif, TIFFTAG_ICCPROFILE, &size, &icc) && size > 0 && icc)
    gst_imgcompress_image_decoder_set_icc_profile (decoder, icc, size,
        "ICCProfile");
}

/* The Artist and Copyright tags, over the XMP packet's (tag 700). */
static void
add_copyright (GstImgcompressImageDecoder *decoder, TIFF *tif)
{
  static const struct
  {
    guint32 field;
    const gchar *tag;
  } fields[] = { { TIFFTAG_ARTIST, GST_TAG_ARTIST },
    { TIFFTAG_COPYRIGHT, GST_TAG_COPYRIGHT } };
  GstTagList *tags = gst_tag_list_new_empty ();
  guint32 xmp_size = 0;
  void *xmp = NULL;
  guint i;

  if (!TIFFGetField (tif, TIFFTAG_XMLPACKET, &xmp_size, &xmp))
    xmp_size = 0;
  gst_imgcompress_image_decoder_add_copyright (decoder, NULL, 0, xmp, xmp_size);
  for (i = 0; i < G_N_ELEMENTS (fields); i++) {
    const char *value = NULL;

    if (TIFFGetField (tif, fields[i].field, &value) && value != NULL &&
        *value != '\0' && g_utf8_validate (value, -1, NULL))
      gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, fields[i].tag, value,
          NULL);
  }
  if (!gst_tag_list_is_empty (tags))
    gst_imgcompress_image_decoder_add_tags (decoder, tags);
  gst_tag_list_unref (tags);
}

static GstFlowReturn
open_tiff (GstImgTiffDec *self, TiffImage *img)
{
  TIFFOpenOptions *opts = TIFFOpenOptionsAlloc ();

  TIFFOpenOptionsSetMaxSingleMemAlloc (opts, MAX_SINGLE_ALLOC);
  TIFFOpenOptionsSetErrorHandlerExtR (opts, tiff_error, img);
  TIFFOpenOptionsSetWarningHandlerExtR (opts, tiff_warning, img);
  /* "m": never map the memory (it is already) */
  img->tif = TIFFClientOpenExt ("image", "rm", img, tiff_read, tiff_write,
      tiff_seek, tiff_close, tiff_size, tiff_map, tiff_unmap, opts);
  TIFFOpenOptionsFree (opts);
  if (img->tif == NULL)
    return post_tiff_error (self, img, "no first directory", "opening");
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_img_tiff_dec_read_header (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header)
{
  GstImgTiffDec *self = GST_IMG_TIFF_DEC (decoder);
  TiffImage *img = g_new0 (TiffImage, 1);
  guint32 width = 0, height = 0;
  guint16 orientation = ORIENTATION_TOPLEFT;
  char why[1024] = "";
  GstFlowReturn ret;

  header->decode_data = img;
  header->decode_data_free = tiff_image_free;
  img->data = data;
  img->size = size;
  ret = open_tiff (self, img);
  if (ret != GST_FLOW_OK)
    return ret;

  if (!TIFFGetField (img->tif, TIFFTAG_IMAGEWIDTH, &width) ||
      !TIFFGetField (img->tif, TIFFTAG_IMAGELENGTH, &height) || width == 0 ||
      height == 0)
    return post_tiff_error (self, img, "no ImageWidth or ImageLength",
        "first directory");
  if (!gst_imgcompress_image_decoder_check_size (decoder, width, height))
    return GST_FLOW_ERROR;
  if (!TIFFRGBAImageOK (img->tif, why))
    return post_tiff_error (self, img, why, "TIFFRGBAImageOK");

  TIFFGetFieldDefaulted (img->tif, TIFFTAG_ORIENTATION, &orientation);
  header->width = width;
  header->height = height;
  header->has_alpha = has_alpha (img->tif);
  header->orientation = orientation >= 1 && orientation <= 8 ? orientation : 0;
  if (header->has_alpha) {
    header->formats[0] = GST_VIDEO_FORMAT_RGBA;
  } else if (is_grey (img->tif)) {
    header->formats[0] = GST_VIDEO_FORMAT_GRAY8;
    header->formats[1] = GST_VIDEO_FORMAT_RGB;
  } else {
    header->formats[0] = GST_VIDEO_FORMAT_RGB;
  }
  header->scaling = GST_IMGCOMPRESS_IMAGE_SCALING_NONE;
  set_icc_profile (decoder, img->tif);
  add_copyright (decoder, img->tif);
  GST_DEBUG_OBJECT (self, "%ux%u, orientation %u%s", width, height, orientation,
      header->has_alpha ? ", alpha" : "");
  return GST_FLOW_OK;
}

/* libtiff's premultiplied ABGR words (R first in memory) to the frame. */
static void
put_raster (const guint32 *raster, GstVideoFrame *vframe)
{
  GstVideoFormat format = GST_VIDEO_FRAME_FORMAT (vframe);
  guint width = GST_VIDEO_FRAME_WIDTH (vframe), x, y;

  for (y = 0; y < (guint) GST_VIDEO_FRAME_HEIGHT (vframe); y++) {
    const guint32 *src = raster + (gsize) y * width;
    guint8 *dst = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (vframe, 0) +
        (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0);

    for (x = 0; x < width; x++) {
      guint32 p = src[x];
      guint r = TIFFGetR (p), g = TIFFGetG (p), b = TIFFGetB (p);
      guint a = TIFFGetA (p);

      if (format == GST_VIDEO_FORMAT_GRAY8) {
        dst[x] = r;
      } else if (format == GST_VIDEO_FORMAT_RGB) {
        dst[3 * x] = r;
        dst[3 * x + 1] = g;
        dst[3 * x + 2] = b;
      } else {
        /* straight alpha, as the other decoders give */
        if (a > 0 && a < 255) {
          r = MIN (255, (r * 255 + a / 2) / a);
          g = MIN (255, (g * 255 + a / 2) / a);
          b = MIN (255, (b * 255 + a / 2) / a);
        }
        dst[4 * x] = r;
        dst[4 * x + 1] = g;
        dst[4 * x + 2] = b;
        dst[4 * x + 3] = a;
      }
    }
  }
}

static GstFlowReturn
gst_img_tiff_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  GstImgTiffDec *self = GST_IMG_TIFF_DEC (decoder);
  TiffImage *img = header->decode_data;
  TIFFRGBAImage rgba;
  guint32 *raster;
  char why[1024] = "";
  GstFlowReturn ret = GST_FLOW_OK;

  /* the base class checked width x height x 4 for overflow */
  raster = g_try_malloc ((gsize) header->width * header->height * 4);
  if (raster == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
        (_ ("Not enough memory to decode the TIFF image.")),
        ("%ux%u RGBA raster", header->width, header->height));
    return GST_FLOW_ERROR;
  }
  /* stop at the first error, not a half image */
  if (!TIFFRGBAImageBegin (&rgba, img->tif, 1, why)) {
    ret = post_tiff_error (self, img, why, "TIFFRGBAImageBegin");
    goto done;
  }
  /* the rows as stored: the orientation is applied downstream */
  rgba.req_orientation = rgba.orientation;
  if (!TIFFRGBAImageGet (&rgba, raster, header->width, header->height))
    ret = post_tiff_error (self, img, "the image data cannot be read",
        "TIFFRGBAImageGet");
  else
    put_raster (raster, vframe);
  TIFFRGBAImageEnd (&rgba);

done:
  g_free (raster);
  return ret;
}

static void
gst_img_tiff_dec_class_init (GstImgTiffDecClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);
  GstImgcompressImageDecoderClass *image_class =
      GST_IMGCOMPRESS_IMAGE_DECODER_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "TIFF image decoder",
      "Codec/Decoder/Image",
      "Decodes the first page of TIFF images with libtiff to RGB, RGBA or "
      "grey",
      "gst-imgcompress authors");

  /* a TIFF file has no end marker */
  vdec_class->parse =
      GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_parse_to_end);
  image_class->format_name = "TIFF";
  image_class->read_header = GST_DEBUG_FUNCPTR (gst_img_tiff_dec_read_header);
  image_class->decode = GST_DEBUG_FUNCPTR (gst_img_tiff_dec_decode);

  GST_DEBUG_CATEGORY_INIT (gst_img_tiff_dec_debug, "imgtiffdec", 0,
      "TIFF image decoder");
}

static void
gst_img_tiff_dec_init (GstImgTiffDec *self)
{
}

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
 * palette, RGB, YCbCr, CMYK and CIELab, with or without alpha.  The file
 * is one image: the element takes everything up to the end of the stream
 * (imgcompressbin ends each image of a stream so).
 *
 * CMYK (8 or 16 bits, InkSet CMYK) is converted to sRGB here, as
 * turbojpegdec converts CMYK JPEGs: through the embedded ICC profile when
 * it is a CMYK one, else the default CMYK profile (meson option
 * `cmyk-profile`, environment `IMGCOMPRESS_CMYK_PROFILE`); the naive
 * formula only when that is not installed.  CIELab and ICCLab (8 or 16
 * bits, as the ICC profile connection space relative to D50) are
 * converted to sRGB with lcms2, relative colorimetric.  Other ink sets,
 * ITU-T T.42 Lab (ITULAB) and floating-point samples are refused.
 *
 * Grey images leave as GRAY8, opaque colour images as RGB, images with an
 * alpha sample as RGBA with straight alpha; 16-bit samples are reduced to
 * 8 bits.  The rows leave in the order the file stores them: the
 * Orientation tag is posted as the `image-orientation` tag (imgsizer
 * applies it), and the ICC profile (tag 34675) as the
 * `imgcompress-colour-profile` tag (`source` `ICCProfile`; that of a CMYK
 * or Lab image is not posted, its pixels being sRGB already), the Artist and
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
/* More samples per pixel than a CMYK or Lab image with its alpha and a
 * few spare extra samples has: the raw samples are held whole. */
#define MAX_RAW_SAMPLES 16
/* The widest pixel the transforms take: 16-bit Lab. */
#define MAX_PACKED_BYTES 6

struct _GstImgTiffDec
{
  GstImgcompressImageDecoder parent;
};

/* How decode() reads the pixels. */
typedef enum
{
  /* libtiff's RGBA interface: grey, palette, RGB, YCbCr... */
  TIFF_PIXELS_RGBA,
  /* the raw samples, converted to sRGB through a CMYK profile */
  TIFF_PIXELS_CMYK,
  /* the raw samples, converted from Lab to sRGB */
  TIFF_PIXELS_LAB,
} TiffPixels;

/* What read_header() opened for decode(). */
typedef struct
{
  const guint8 *data;
  gsize size;
  gsize pos;
  TIFF *tif;
  /* libtiff's first error, for the messages */
  gchar *error;
  TiffPixels pixels;
  /* the raw samples' layout (CMYK and Lab) */
  guint16 photometric;
  guint16 samples; /* per pixel */
  guint16 bits; /* per sample: 8 or 16 */
  guint16 colours; /* colour samples: 4 (CMYK), 1 or 3 (Lab) */
  gint alpha; /* the alpha sample, -1 without */
  gboolean premultiplied;
  GBytes *icc; /* a CMYK image's embedded profile */
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
  if (img->icc)
    g_bytes_unref (img->icc);
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

/* The embedded profile describes the pixels that leave for RGB images;
 * a CMYK image's is kept for decode(), which converts through it; the
 * pixels of a Lab image need none. */
static void
set_icc_profile (GstImgcompressImageDecoder *decoder, TiffImage *img)
{
  guint32 size = 0;
  void *icc = NULL;

  if (!TIFFGetField (img->tif, TIFFTAG_ICCPROFILE, &size, &icc) || size == 0 ||
      icc == NULL)
    return;
  if (img->pixels == TIFF_PIXELS_RGBA)
    gst_imgcompress_image_decoder_set_icc_profile (decoder, icc, size,
        "ICCProfile");
  else if (img->pixels == TIFF_PIXELS_CMYK)
    img->icc = g_bytes_new (icc, size);
  else
    GST_DEBUG_OBJECT (decoder, "Lab image: its ICC profile is not used");
}

/* The refusals of CMYK and Lab layouts that are not handled. */
static GstFlowReturn
refuse_layout (GstImgTiffDec *self, TiffImage *img, guint16 inkset)
{
  const gchar *kind = img->pixels == TIFF_PIXELS_CMYK ? "CMYK" : "Lab";

  if (img->photometric == PHOTOMETRIC_ITULAB)
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The TIFF image's colours are ITU-T T.42 Lab (ITULAB), which "
            "are not supported.")),
        ("PhotometricInterpretation %u", img->photometric));
  else if (img->pixels == TIFF_PIXELS_CMYK)
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The TIFF image's inks are not CMYK (InkSet %u, %u inks), which "
            "is not supported."),
            inkset, img->colours),
        ("separated image"));
  else
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The TIFF image's %u-bit %s samples are not supported: only 8-bit "
            "and 16-bit integers are."),
            img->bits, kind),
        ("SampleFormat not integer or BitsPerSample %u", img->bits));
  return GST_FLOW_ERROR;
}

/* Which way decode() reads the pixels, and the raw samples' layout when it
 * reads them itself: libtiff's RGBA interface converts CMYK with the naive
 * formula and Lab without adapting D50 to sRGB's D65 white (a yellow
 * cast). */
static GstFlowReturn
choose_pixels (GstImgTiffDec *self, TiffImage *img)
{
  guint16 spp = 1, bits = 1, format = SAMPLEFORMAT_UINT, inkset = INKSET_CMYK;
  guint16 n_extra = 0, *extra = NULL, i;
  gboolean bad_bits;

  TIFFGetField (img->tif, TIFFTAG_PHOTOMETRIC, &img->photometric);
  switch (img->photometric) {
    case PHOTOMETRIC_SEPARATED:
      img->pixels = TIFF_PIXELS_CMYK;
      break;
    case PHOTOMETRIC_CIELAB:
    case PHOTOMETRIC_ICCLAB:
    case PHOTOMETRIC_ITULAB:
      img->pixels = TIFF_PIXELS_LAB;
      break;
    default:
      img->pixels = TIFF_PIXELS_RGBA;
      return GST_FLOW_OK;
  }
  TIFFGetFieldDefaulted (img->tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
  TIFFGetFieldDefaulted (img->tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted (img->tif, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted (img->tif, TIFFTAG_INKSET, &inkset);
  if (!TIFFGetField (img->tif, TIFFTAG_EXTRASAMPLES, &n_extra, &extra))
    n_extra = 0;
  if (spp > MAX_RAW_SAMPLES || n_extra > spp)
    return post_tiff_error (self, img, "too many samples per pixel",
        "SamplesPerPixel");
  img->samples = spp;
  img->bits = bits;
  img->colours = spp - n_extra;
  img->alpha = -1;
  for (i = 0; i < n_extra && img->alpha < 0; i++) {
    if (extra[i] == EXTRASAMPLE_ASSOCALPHA ||
        extra[i] == EXTRASAMPLE_UNASSALPHA) {
      img->alpha = img->colours + i;
      img->premultiplied = extra[i] == EXTRASAMPLE_ASSOCALPHA;
    }
  }
  bad_bits = (bits != 8 && bits != 16) || format == SAMPLEFORMAT_IEEEFP ||
      format >= SAMPLEFORMAT_COMPLEXINT;
  if (img->photometric == PHOTOMETRIC_ITULAB || bad_bits ||
      (img->pixels == TIFF_PIXELS_CMYK &&
          (inkset != INKSET_CMYK || img->colours != 4)))
    return refuse_layout (self, img, inkset);
  if (img->pixels == TIFF_PIXELS_LAB && img->colours != 1 && img->colours != 3)
    return post_tiff_error (self, img, "a Lab image has 1 or 3 colour samples",
        "SamplesPerPixel");
  return GST_FLOW_OK;
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
  ret = choose_pixels (self, img);
  if (ret != GST_FLOW_OK)
    return ret;
  if (img->pixels == TIFF_PIXELS_RGBA && !TIFFRGBAImageOK (img->tif, why))
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
  set_icc_profile (decoder, img);
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
post_no_memory (GstImgTiffDec *self, const GstImgcompressImageHeader *header,
    const gchar *what)
{
  GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
      (_ ("Not enough memory to decode the TIFF image.")),
      ("%ux%u %s", header->width, header->height, what));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
decode_rgba (GstImgTiffDec *self, TiffImage *img,
    GstImgcompressImageHeader *header, GstVideoFrame *vframe)
{
  TIFFRGBAImage rgba;
  guint32 *raster;
  char why[1024] = "";
  GstFlowReturn ret = GST_FLOW_OK;

  /* the base class checked width x height x 4 for overflow */
  raster = g_try_malloc ((gsize) header->width * header->height * 4);
  if (raster == NULL)
    return post_no_memory (self, header, "RGBA raster");
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

/* One strip or tile of @plane (-1: every sample, interleaved) into the
 * image's interleaved samples, clipped to the image. */
static void
copy_block (const TiffImage *img, const guint8 *block, gsize block_row,
    guint32 x, guint32 y, guint32 cols, guint32 rows, gint plane,
    guint8 *samples, guint width)
{
  gsize sample_bytes = img->bits / 8;
  gsize pixel_bytes = img->samples * sample_bytes;
  guint32 r, c;

  for (r = 0; r < rows; r++) {
    const guint8 *src = block + r * block_row;
    guint8 *dst = samples + ((gsize) (y + r) * width + x) * pixel_bytes;

    if (plane < 0) {
      memcpy (dst, src, cols * pixel_bytes);
      continue;
    }
    for (c = 0; c < cols; c++)
      memcpy (dst + c * pixel_bytes + plane * sample_bytes,
          src + c * sample_bytes, sample_bytes);
  }
}

/* Every sample of the image, interleaved, rows as stored: strips or
 * tiles, one plane or one per sample.  Stops at the first block libtiff
 * cannot read. */
static GstFlowReturn
read_samples (GstImgTiffDec *self, TiffImage *img, guint width, guint height,
    guint8 *samples)
{
  gboolean tiled = TIFFIsTiled (img->tif);
  guint16 planar = PLANARCONFIG_CONTIG;
  guint32 block_w = width, block_h = height, x, y;
  tmsize_t block_size, n;
  guint plane, planes;
  gsize block_row = 0;
  guint8 *block = NULL;
  GstFlowReturn ret = GST_FLOW_OK;

  TIFFGetFieldDefaulted (img->tif, TIFFTAG_PLANARCONFIG, &planar);
  planes = planar == PLANARCONFIG_SEPARATE ? img->samples : 1;
  if (tiled) {
    TIFFGetField (img->tif, TIFFTAG_TILEWIDTH, &block_w);
    TIFFGetField (img->tif, TIFFTAG_TILELENGTH, &block_h);
    block_size = TIFFTileSize (img->tif);
  } else {
    TIFFGetFieldDefaulted (img->tif, TIFFTAG_ROWSPERSTRIP, &block_h);
    block_h = MIN (block_h, height);
    block_size = TIFFStripSize (img->tif);
  }
  if (block_w == 0 || block_h == 0 || block_size <= 0 ||
      block_size > MAX_SINGLE_ALLOC ||
      !g_size_checked_mul (&block_row, block_w,
          (planes > 1 ? 1 : img->samples) * (img->bits / 8)) ||
      (block = g_try_malloc (block_size)) == NULL)
    return post_tiff_error (self, img, "the strip or tile size is invalid",
        tiled ? "TIFFTileSize" : "TIFFStripSize");

  for (plane = 0; plane < planes; plane++) {
    for (y = 0; y < height; y += block_h) {
      for (x = 0; x < width; x += block_w) {
        guint32 rows = MIN (block_h, height - y);

        n = tiled ?
            TIFFReadEncodedTile (img->tif,
                TIFFComputeTile (img->tif, x, y, 0, plane), block, block_size) :
            TIFFReadEncodedStrip (img->tif,
                TIFFComputeStrip (img->tif, y, plane), block, block_size);
        if (n < 0 || (gsize) n / block_row < rows) {
          ret = post_tiff_error (self, img, "a strip or tile ends early",
              tiled ? "TIFFReadEncodedTile" : "TIFFReadEncodedStrip");
          goto done;
        }
        copy_block (img, block, block_row, x, y, MIN (block_w, width - x), rows,
            planes > 1 ? (gint) plane : -1, samples, width);
      }
    }
  }

done:
  g_free (block);
  return ret;
}

static inline guint
sample_at (const guint8 *pixel, guint i, guint bits)
{
  return bits == 16 ? ((const guint16 *) pixel)[i] : pixel[i];
}

/* A premultiplied (associated alpha) value back to straight. */
static inline gint
unpremultiply (gint v, guint alpha, guint max)
{
  if (alpha == 0 || alpha >= max)
    return v;
  return ((gint64) v * max + (v < 0 ? -(gint) alpha : (gint) alpha) / 2) /
      (gint) alpha;
}

static inline guint
to_8_bits (guint v, guint bits)
{
  return bits == 16 ? (v * 255 + 32767) / 65535 : v;
}

/* A row of CMYK as the CMYK transforms take it: 8 bits, inverted as
 * libjpeg hands out Adobe CMYK (TIFF's 0 is no ink). */
static void
pack_cmyk_row (const TiffImage *img, const guint8 *src, guint width,
    guint8 *dst)
{
  guint max = img->bits == 16 ? 65535 : 255;
  gsize pixel_bytes = img->samples * (img->bits / 8);
  guint x, i;

  for (x = 0; x < width; x++, src += pixel_bytes, dst += 4) {
    guint alpha =
        img->alpha >= 0 ? sample_at (src, img->alpha, img->bits) : max;

    for (i = 0; i < 4; i++) {
      gint v = sample_at (src, i, img->bits);

      if (img->premultiplied)
        v = MIN ((gint) max, unpremultiply (v, alpha, max));
      dst[i] = 255 - to_8_bits (v, img->bits);
    }
  }
}

/* A row of Lab in the encodings gst_imgcompress_icc_transform_lab()
 * takes.  TIFF's CIELab has signed a* and b* (8 bits: a*; 16 bits:
 * a* x 256) and L* 0..100 over the whole range; ICCLab is the ICC
 * encoding already (a* and b* offset by 128, 16 bits ICC version 2). */
static void
pack_lab_row (const TiffImage *img, const guint8 *src, guint width, guint8 *dst)
{
  gboolean deep = img->bits == 16, icc = img->photometric == PHOTOMETRIC_ICCLAB;
  guint max = deep ? 65535 : 255;
  gint zero = deep ? 32768 : 128;
  gsize pixel_bytes = img->samples * (img->bits / 8);
  guint16 *dst16 = (guint16 *) dst;
  guint x, i;

  for (x = 0; x < width; x++, src += pixel_bytes) {
    guint alpha =
        img->alpha >= 0 ? sample_at (src, img->alpha, img->bits) : max;
    gint lab[3] = { sample_at (src, 0, img->bits), 0, 0 };

    for (i = 1; i < 3 && img->colours == 3; i++) {
      gint v = sample_at (src, i, img->bits);

      /* signed, 0 for neutral */
      lab[i] = icc ? v - zero : (deep ? (gint16) v : (gint8) v);
    }
    if (img->premultiplied)
      for (i = 0; i < 3; i++)
        lab[i] = unpremultiply (lab[i], alpha, max);
    lab[0] = CLAMP (lab[0], 0, (gint) max);
    /* CIELab's 16-bit L* spans 0..65535, ICC version 2's 0..0xff00 */
    if (deep && !icc)
      lab[0] = ((gint64) lab[0] * 65280 + 32767) / 65535;
    for (i = 1; i < 3; i++)
      lab[i] = CLAMP (lab[i], -zero, zero - 1) + zero;
    for (i = 0; i < 3; i++) {
      if (deep)
        dst16[3 * x + i] = lab[i];
      else
        dst[3 * x + i] = lab[i];
    }
  }
}

/* R = C' x K' / 255 on inverted CMYK, as turbojpegdec's last resort. */
static void
naive_cmyk_row (const guint8 *cmyk, guint width, guint8 *rgb)
{
  guint x, i;

  for (x = 0; x < width; x++, cmyk += 4, rgb += 3)
    for (i = 0; i < 3; i++)
      rgb[i] = (cmyk[i] * cmyk[3] + 127) / 255;
}

/* sRGB pixels, and the alpha of the raw samples, to a frame row. */
static void
put_row (const TiffImage *img, const guint8 *src, const guint8 *rgb,
    guint width, GstVideoFrame *vframe, guint y)
{
  guint8 *dst = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (vframe, 0) +
      (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0);
  gsize pixel_bytes = img->samples * (img->bits / 8);
  guint x;

  if (GST_VIDEO_FRAME_FORMAT (vframe) == GST_VIDEO_FORMAT_RGB) {
    memcpy (dst, rgb, (gsize) width * 3);
    return;
  }
  for (x = 0; x < width; x++, src += pixel_bytes) {
    memcpy (dst + 4 * x, rgb + 3 * x, 3);
    dst[4 * x + 3] = img->alpha >= 0 ?
        to_8_bits (sample_at (src, img->alpha, img->bits), img->bits) :
        255;
  }
}

/* CMYK and Lab: the raw samples, converted here to sRGB. */
static GstFlowReturn
decode_samples (GstImgTiffDec *self, TiffImage *img,
    GstImgcompressImageHeader *header, GstVideoFrame *vframe)
{
  GstImgcompressImageDecoder *decoder = GST_IMGCOMPRESS_IMAGE_DECODER (self);
  guint width = header->width, height = header->height, y;
  gsize pixel_bytes = img->samples * (img->bits / 8), all, packed_row;
  GstImgcompressIccTransform *xf = NULL;
  guint8 *samples = NULL, *packed = NULL, *rgb = NULL;
  GstFlowReturn ret;

  if (!gst_imgcompress_frame_bytes (width, height, pixel_bytes, &all) ||
      !gst_imgcompress_frame_bytes (width, 1, MAX_PACKED_BYTES, &packed_row) ||
      (samples = g_try_malloc (all)) == NULL ||
      (packed = g_try_malloc (packed_row)) == NULL ||
      (rgb = g_try_malloc ((gsize) width * 3)) == NULL) {
    ret = post_no_memory (self, header, "raw samples");
    goto done;
  }
  ret = read_samples (self, img, width, height, samples);
  if (ret != GST_FLOW_OK)
    goto done;
  if (img->pixels == TIFF_PIXELS_CMYK)
    xf = gst_imgcompress_image_decoder_get_cmyk_transform (decoder, img->icc,
        NULL, "ICCProfile");
  else
    xf = gst_imgcompress_icc_transform_lab (img->bits);
  if (xf == NULL && img->pixels == TIFF_PIXELS_LAB) {
    ret = post_tiff_error (self, img, "lcms2 cannot convert from Lab",
        "gst_imgcompress_icc_transform_lab");
    goto done;
  }
  for (y = 0; y < height; y++) {
    const guint8 *row = samples + (gsize) y * width * pixel_bytes;

    if (img->pixels == TIFF_PIXELS_CMYK)
      pack_cmyk_row (img, row, width, packed);
    else
      pack_lab_row (img, row, width, packed);
    if (xf != NULL)
      gst_imgcompress_icc_transform_pixels (xf, packed, rgb, width);
    else
      naive_cmyk_row (packed, width, rgb);
    put_row (img, row, rgb, width, vframe, y);
  }

done:
  if (xf != NULL)
    gst_imgcompress_icc_transform_unref (xf);
  g_free (samples);
  g_free (packed);
  g_free (rgb);
  return ret;
}

static GstFlowReturn
gst_img_tiff_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  GstImgTiffDec *self = GST_IMG_TIFF_DEC (decoder);
  TiffImage *img = header->decode_data;

  if (img->pixels == TIFF_PIXELS_RGBA)
    return decode_rgba (self, img, header, vframe);
  return decode_samples (self, img, header, vframe);
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

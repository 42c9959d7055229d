/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgheifdec
 * @title: imgheifdec
 * @short_description: decodes HEIF (HEIC) and AVIF still images with
 *     libheif
 *
 * Decodes the primary image of a HEIF file (HEIC, as phones write them:
 * HEVC through libheif's libde265 decoder) or of an AVIF file (AV1 through
 * libaom or dav1d), grids of tiles included.  The file is one image: the
 * element takes everything up to the end of the stream (imgcompressbin
 * ends each image of a stream so).
 *
 * libheif applies the file's transformations, once: the rotation (irot),
 * the mirror (imir) and the crop (clap).  The picture therefore leaves
 * upright, and the element posts the `image-orientation` tag `rotate-0`,
 * so that nothing downstream turns it again by an Exif orientation the file
 * may also carry (HEIF says irot and imir win; phones write both).
 *
 * Opaque images leave as RGB, images with an alpha plane as RGBA
 * (straight alpha); 10- and 12-bit images are reduced to 8 bits by
 * libheif.  The colour description is posted as the
 * `imgcompress-colour-profile` tag (docs/design.md, "Image metadata"): the
 * ICC profile of a colr box (`source` `colr`), else its nclx values
 * (`source` `nclx`, with `colour-primaries`, `transfer-characteristics`,
 * `matrix-coefficients` and `full-range`, and, for primaries other than
 * sRGB's, the ICC profile they amount to, made with lcms2, so that
 * imgiccconvert converts a Display P3 or BT.2020 image to sRGB); the artist and
 * copyright of its Exif and XMP blocks as %GST_TAG_ARTIST and
 * %GST_TAG_COPYRIGHT.
 *
 * Shrink on load: when #GstImgcompressImageDecoder:max-dimension is set,
 * or downstream answers the `imgcompress-size-hint` query, the smallest
 * thumbnail the file stores that still covers twice the box (the margin
 * the other decoders leave to imgsizer's filter) and has the primary
 * image's shape is decoded instead of the primary image.
 *
 * Before anything of the image's size is decoded, the primary image's
 * size, as coded (ispe) and as shown, is checked against
 * #GstImgcompressImageDecoder:max-pixels.  A damaged file posts an error
 * naming the fault (truncated, an invalid box, a coded picture the codec
 * refuses, an unsupported feature, a missing codec); nothing of it is
 * output.
 *
 * Its rank is MARGINAL, so that it does not replace other decoders in
 * decodebin behind other applications' backs.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.heic ! imgheifdec ! videoconvert ! \
 *     pngenc ! filesink location=upright.png
 * ]| Decodes photo.heic, upright, to upright.png.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgheifdec.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/tag/tag.h>
#include <libheif/heif.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_heif_dec_debug);
#define GST_CAT_DEFAULT gst_img_heif_dec_debug

/* Shrink no further than twice the fitted size, as the other decoders. */
#define THUMBNAIL_MARGIN 2
/* A thumbnail whose shape differs from the image's by more than this
 * (per mille, of either side) is a crop, not a smaller copy. */
#define THUMBNAIL_SHAPE_TOLERANCE 20
/* Thumbnails looked at, at most: files store one or two. */
#define MAX_THUMBNAILS 8
/* Exif and XMP blocks looked at: a file has one of each */
#define MAX_METADATA_BLOCKS 8

struct _GstImgHeifDec
{
  GstImgcompressImageDecoder parent;
};

/* What read_header() opens for decode(). */
typedef struct
{
  struct heif_context *ctx;
  struct heif_image_handle *primary;
  /* the thumbnail chosen by choose_scale(), or NULL */
  struct heif_image_handle *thumbnail;
} HeifImage;

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/heif; image/avif"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGB, RGBA }")));

#define gst_img_heif_dec_parent_class parent_class
G_DEFINE_TYPE (GstImgHeifDec, gst_img_heif_dec,
    GST_TYPE_IMGCOMPRESS_IMAGE_DECODER);
GST_ELEMENT_REGISTER_DEFINE (imgheifdec, "imgheifdec", GST_RANK_MARGINAL,
    GST_TYPE_IMG_HEIF_DEC);

static void
heif_image_free (gpointer data)
{
  HeifImage *img = data;

  if (img->thumbnail)
    heif_image_handle_release (img->thumbnail);
  if (img->primary)
    heif_image_handle_release (img->primary);
  if (img->ctx)
    heif_context_free (img->ctx);
  g_free (img);
}

/* AVIF is a HEIF, but users know it by its own name. */
static const gchar *
format_name (GstImgHeifDec *self)
{
  GstVideoCodecState *state = gst_imgcompress_image_decoder_get_input_state (
      GST_IMGCOMPRESS_IMAGE_DECODER (self));
  const gchar *name = "HEIF";

  if (state && state->caps &&
      gst_imgcompress_format_from_caps (state->caps) ==
          GST_IMGCOMPRESS_FORMAT_AVIF)
    name = "AVIF";
  if (state)
    gst_video_codec_state_unref (state);
  return name;
}

/* The codec of the primary image, for the message when libheif has no
 * decoder for it. */
static const gchar *
missing_codec (void)
{
  if (!heif_have_decoder_for_format (heif_compression_HEVC))
    return "HEVC";
  if (!heif_have_decoder_for_format (heif_compression_AV1))
    return "AV1";
  return NULL;
}

/* libheif's error in words for users; its own message, in English, is
 * named in them and in the debug string. */
static GstFlowReturn
post_heif_error (GstImgHeifDec *self, struct heif_error err, const gchar *where)
{
  const gchar *format = format_name (self);
  const gchar *detail = err.message ? err.message : "";
  gchar *msg;

  switch (err.code) {
    case heif_error_Invalid_input:
      if (err.subcode == heif_suberror_End_of_data)
        msg = g_strdup_printf (_ ("The %s file is truncated."), format);
      else if (err.subcode == heif_suberror_Security_limit_exceeded)
        msg = g_strdup_printf (_ ("The %s image exceeds the decoder's "
                                  "security limits: %s."),
            format, detail);
      else
        msg = g_strdup_printf (_ ("The %s image is damaged: %s."), format,
            detail);
      break;
    case heif_error_Unsupported_filetype:
    case heif_error_Unsupported_feature:
      if (err.subcode == heif_suberror_Unsupported_codec && missing_codec ())
        msg = g_strdup_printf (_ ("No %s decoder is installed for libheif: "
                                  "install its libde265 (HEVC) or dav1d/aom "
                                  "(AV1) plugin."),
            missing_codec ());
      else
        msg = g_strdup_printf (_ ("The %s image uses a feature this decoder "
                                  "does not support: %s."),
            format, detail);
      break;
    case heif_error_Memory_allocation_error:
      msg = g_strdup_printf (_ ("Not enough memory to decode the %s image."),
          format);
      break;
    case heif_error_Decoder_plugin_error:
      msg = g_strdup_printf (_ ("The %s image is damaged: its coded picture "
                                "cannot be decoded (%s)."),
          format, detail);
      break;
    default:
      msg = g_strdup_printf (_ ("The %s image could not be decoded: %s."),
          format, detail);
      break;
  }
  GST_ELEMENT_ERROR (self, STREAM, DECODE, ("%s", msg),
      ("%s: libheif error %d.%d: %s", where, err.code, err.subcode, detail));
  g_free (msg);
  return GST_FLOW_ERROR;
}

/* nclx values, or an ICC profile, of the primary image: what the colour
 * stage needs to convert to sRGB. */
static void
set_colour (GstImgHeifDec *self, const struct heif_image_handle *handle)
{
  GstImgcompressImageDecoder *dec = GST_IMGCOMPRESS_IMAGE_DECODER (self);
  struct heif_color_profile_nclx *nclx = NULL;
  gsize size = heif_image_handle_get_raw_color_profile_size (handle);
  GstBuffer *profile = NULL;
  GstCaps *caps = NULL;
  GstSample *sample;
  GBytes *icc;

  if (size > 0) {
    guint8 *raw = g_try_malloc (size);
    gboolean set = raw &&
        heif_image_handle_get_raw_color_profile (handle, raw).code ==
            heif_error_Ok &&
        gst_imgcompress_image_decoder_set_icc_profile (dec, raw, size, "colr");

    g_free (raw);
    /* a damaged profile (the base class warned) leaves the nclx box, if
     * the file has both */
    if (set)
      return;
  }
  /* libheif 1.15 allocates the profile before it checks the primaries and
   * keeps it when it refuses them: free it on error too */
  if (heif_image_handle_get_nclx_color_profile (handle, &nclx).code !=
      heif_error_Ok) {
    g_clear_pointer (&nclx, heif_nclx_color_profile_free);
    return;
  }
  if (nclx == NULL)
    return;
  /* primaries other than sRGB's (Display P3, BT.2020) get the profile
   * they amount to, which imgiccconvert converts as an embedded one */
  icc = gst_imgcompress_icc_from_nclx (nclx->color_primaries,
      nclx->transfer_characteristics);
  if (icc != NULL) {
    profile = gst_buffer_new_wrapped_bytes (icc);
    caps = gst_caps_new_empty_simple (GST_IMGCOMPRESS_ICC_PROFILE_CAPS);
    g_bytes_unref (icc);
  }
  sample = gst_sample_new (profile, caps, NULL,
      gst_structure_new ("imgcompress-colour", "source", G_TYPE_STRING, "nclx",
          "colour-primaries", G_TYPE_UINT, (guint) nclx->color_primaries,
          "transfer-characteristics", G_TYPE_UINT,
          (guint) nclx->transfer_characteristics, "matrix-coefficients",
          G_TYPE_UINT, (guint) nclx->matrix_coefficients, "full-range",
          G_TYPE_BOOLEAN, nclx->full_range_flag != 0, NULL));
  gst_imgcompress_image_decoder_set_colour_profile (dec, sample);
  gst_sample_unref (sample);
  gst_clear_buffer (&profile);
  gst_clear_caps (&caps);
  heif_nclx_color_profile_free (nclx);
}

/* The first metadata block of @type (and @content_type, for "mime"), in a
 * new buffer; NULL without one. */
static guint8 *
read_metadata_block (const struct heif_image_handle *handle, const gchar *type,
    const gchar *content_type, gsize *size)
{
  heif_item_id ids[MAX_METADATA_BLOCKS];
  gint n, i;
  guint8 *block = NULL;

  n = heif_image_handle_get_list_of_metadata_block_IDs (handle, type, ids,
      MAX_METADATA_BLOCKS);
  for (i = 0; i < n && block == NULL; i++) {
    const gchar *ct =
        heif_image_handle_get_metadata_content_type (handle, ids[i]);

    if (content_type != NULL && g_strcmp0 (ct, content_type) != 0)
      continue;
    *size = heif_image_handle_get_metadata_size (handle, ids[i]);
    block = *size > 0 ? g_try_malloc (*size) : NULL;
    if (block != NULL &&
        heif_image_handle_get_metadata (handle, ids[i], block).code !=
            heif_error_Ok)
      g_clear_pointer (&block, g_free);
  }
  return block;
}

/* The artist and copyright of the Exif block (a 4-byte offset, then the
 * TIFF structure) and of the XMP block. */
static void
add_copyright (GstImgHeifDec *self, const struct heif_image_handle *handle)
{
  gsize exif_size = 0, xmp_size = 0, offset;
  guint8 *exif = read_metadata_block (handle, "Exif", NULL, &exif_size);
  guint8 *xmp =
      read_metadata_block (handle, "mime", "application/rdf+xml", &xmp_size);
  const guint8 *tiff = NULL;
  gsize tiff_size = 0;

  if (exif != NULL && exif_size >= 4) {
    offset = gst_imgcompress_read_uint32_be (exif);
    if (offset <= exif_size - 4) {
      tiff = exif + 4 + offset;
      tiff_size = exif_size - 4 - offset;
    }
  }
  gst_imgcompress_image_decoder_add_copyright (
      GST_IMGCOMPRESS_IMAGE_DECODER (self), tiff, tiff_size, xmp, xmp_size);
  g_free (exif);
  g_free (xmp);
}

/* The picture leaves upright (libheif applied irot and imir): an Exif
 * orientation must not turn it again downstream. */
static void
set_upright (GstImgHeifDec *self)
{
  GstTagList *tags =
      gst_tag_list_new (GST_TAG_IMAGE_ORIENTATION, "rotate-0", NULL);

  gst_imgcompress_image_decoder_add_tags (GST_IMGCOMPRESS_IMAGE_DECODER (self),
      tags);
  gst_tag_list_unref (tags);
}

static GstFlowReturn
gst_img_heif_dec_read_header (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header)
{
  GstImgHeifDec *self = GST_IMG_HEIF_DEC (decoder);
  HeifImage *img = g_new0 (HeifImage, 1);
  struct heif_error err;

  header->decode_data = img;
  header->decode_data_free = heif_image_free;
  img->ctx = heif_context_alloc ();
  if (img->ctx == NULL)
    return post_heif_error (self,
        (struct heif_error){ heif_error_Memory_allocation_error,
            heif_suberror_Unspecified, "no context" },
        "heif_context_alloc");
  /* the bytes stay mapped until the image is done */
  err = heif_context_read_from_memory_without_copy (img->ctx, data, size, NULL);
  if (err.code != heif_error_Ok)
    return post_heif_error (self, err, "reading the boxes");
  err = heif_context_get_primary_image_handle (img->ctx, &img->primary);
  if (err.code != heif_error_Ok)
    return post_heif_error (self, err, "the primary image");

  /* the coded size is what the codec allocates, the shown one (rotated,
   * cropped) what leaves */
  if (!gst_imgcompress_image_decoder_check_size (decoder,
          heif_image_handle_get_ispe_width (img->primary),
          heif_image_handle_get_ispe_height (img->primary)))
    return GST_FLOW_ERROR;
  header->width = heif_image_handle_get_width (img->primary);
  header->height = heif_image_handle_get_height (img->primary);
  header->has_alpha = heif_image_handle_has_alpha_channel (img->primary);
  header->formats[0] =
      header->has_alpha ? GST_VIDEO_FORMAT_RGBA : GST_VIDEO_FORMAT_RGB;
  header->scaling = GST_IMGCOMPRESS_IMAGE_SCALING_NONE;
  GST_DEBUG_OBJECT (self, "primary image %ux%u (coded %dx%d), %d-bit%s",
      header->width, header->height,
      heif_image_handle_get_ispe_width (img->primary),
      heif_image_handle_get_ispe_height (img->primary),
      heif_image_handle_get_luma_bits_per_pixel (img->primary),
      header->has_alpha ? ", alpha" : "");

  set_colour (self, img->primary);
  add_copyright (self, img->primary);
  set_upright (self);
  return GST_FLOW_OK;
}

static gboolean
same_shape (guint w, guint h, guint tw, guint th)
{
  guint64 expected_h = ((guint64) h * tw + w / 2) / w;
  guint64 diff = expected_h > th ? expected_h - th : th - expected_h;

  return diff * 1000 <= (guint64) th * THUMBNAIL_SHAPE_TOLERANCE + 1000;
}

/* The smallest stored thumbnail that covers twice the box, with the image's
 * shape; the primary image when there is none. */
static void
gst_img_heif_dec_choose_scale (GstImgcompressImageDecoder *decoder,
    const GstImgcompressImageHeader *header, GstImgcompressImageScale *scale)
{
  HeifImage *img = header->decode_data;
  heif_item_id ids[MAX_THUMBNAILS];
  guint fit_w, fit_h, best_w = header->width, best_h = header->height;
  gint i, n;

  scale->num = scale->denom = 1;
  scale->width = header->width;
  scale->height = header->height;
  if (scale->box_width == 0 && scale->box_height == 0)
    return;
  gst_imgcompress_fit_box (header->width, header->height, 1, 1,
      scale->box_width, scale->box_height, FALSE, &fit_w, &fit_h);

  n = heif_image_handle_get_list_of_thumbnail_IDs (img->primary, ids,
      MAX_THUMBNAILS);
  for (i = 0; i < n; i++) {
    struct heif_image_handle *thumb = NULL;
    guint tw, th;

    if (heif_image_handle_get_thumbnail (img->primary, ids[i], &thumb).code !=
        heif_error_Ok)
      continue;
    tw = heif_image_handle_get_width (thumb);
    th = heif_image_handle_get_height (thumb);
    GST_DEBUG_OBJECT (decoder, "thumbnail %u: %ux%u", ids[i], tw, th);
    if (tw >= THUMBNAIL_MARGIN * fit_w && th >= THUMBNAIL_MARGIN * fit_h &&
        tw < best_w && th < best_h &&
        same_shape (header->width, header->height, tw, th) &&
        heif_image_handle_has_alpha_channel (thumb) == header->has_alpha) {
      if (img->thumbnail)
        heif_image_handle_release (img->thumbnail);
      img->thumbnail = thumb;
      best_w = tw;
      best_h = th;
    } else {
      heif_image_handle_release (thumb);
    }
  }
  scale->num = best_w;
  scale->denom = header->width;
  scale->width = best_w;
  scale->height = best_h;
}

/* libheif's interleaved rows into the frame's. */
static void
copy_rows (const struct heif_image *image, GstVideoFrame *vframe)
{
  guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA (vframe, 0);
  gint dst_stride = GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0);
  gsize row_bytes = (gsize) GST_VIDEO_FRAME_WIDTH (vframe) *
      GST_VIDEO_FRAME_COMP_PSTRIDE (vframe, 0);
  const guint8 *src;
  gint src_stride;
  guint y;

  src = heif_image_get_plane_readonly (image, heif_channel_interleaved,
      &src_stride);
  for (y = 0; y < (guint) GST_VIDEO_FRAME_HEIGHT (vframe); y++)
    memcpy (dst + (gsize) y * dst_stride, src + (gsize) y * src_stride,
        row_bytes);
}

static GstFlowReturn
gst_img_heif_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  GstImgHeifDec *self = GST_IMG_HEIF_DEC (decoder);
  HeifImage *img = header->decode_data;
  struct heif_image_handle *handle =
      img->thumbnail ? img->thumbnail : img->primary;
  gboolean alpha = GST_VIDEO_FRAME_FORMAT (vframe) == GST_VIDEO_FORMAT_RGBA;
  struct heif_decoding_options *options = heif_decoding_options_alloc ();
  struct heif_image *image = NULL;
  struct heif_error err;
  GstFlowReturn ret = GST_FLOW_OK;

  /* transformations applied (the default), deep images to 8 bits, and a
   * damaged file refused rather than half decoded */
  options->ignore_transformations = 0;
  options->convert_hdr_to_8bit = 1;
  options->strict_decoding = 1;
  err = heif_decode_image (handle, &image, heif_colorspace_RGB,
      alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB,
      options);
  heif_decoding_options_free (options);
  if (err.code != heif_error_Ok) {
    ret = post_heif_error (self, err,
        img->thumbnail ? "decoding the "
                         "thumbnail" :
                         "decoding the primary image");
    goto done;
  }
  /* what came out must be what the frame was made for */
  if ((guint) heif_image_get_width (image, heif_channel_interleaved) !=
          scale->width ||
      (guint) heif_image_get_height (image, heif_channel_interleaved) !=
          scale->height ||
      heif_image_get_bits_per_pixel_range (image, heif_channel_interleaved) !=
          8) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The %s image is damaged: its decoded size differs from the one "
            "its header gives."),
            format_name (self)),
        ("decoded %dx%d at %d bits, expected %ux%u",
            heif_image_get_width (image, heif_channel_interleaved),
            heif_image_get_height (image, heif_channel_interleaved),
            heif_image_get_bits_per_pixel_range (image,
                heif_channel_interleaved),
            scale->width, scale->height));
    ret = GST_FLOW_ERROR;
    goto done;
  }
  copy_rows (image, vframe);

done:
  if (image)
    heif_image_release (image);
  return ret;
}

static void
gst_img_heif_dec_class_init (GstImgHeifDecClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);
  GstImgcompressImageDecoderClass *image_class =
      GST_IMGCOMPRESS_IMAGE_DECODER_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "HEIF and AVIF image decoder", "Codec/Decoder/Image",
      "Decodes the primary image of HEIF (HEIC) and AVIF files with libheif, "
      "upright, to RGB or RGBA",
      "gst-imgcompress authors");

  /* a HEIF file has no end marker */
  vdec_class->parse =
      GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_parse_to_end);
  image_class->format_name = "HEIF";
  image_class->read_header = GST_DEBUG_FUNCPTR (gst_img_heif_dec_read_header);
  image_class->choose_scale = GST_DEBUG_FUNCPTR (gst_img_heif_dec_choose_scale);
  image_class->decode = GST_DEBUG_FUNCPTR (gst_img_heif_dec_decode);

  GST_DEBUG_CATEGORY_INIT (gst_img_heif_dec_debug, "imgheifdec", 0,
      "HEIF and AVIF image decoder");
}

static void
gst_img_heif_dec_init (GstImgHeifDec *self)
{
}

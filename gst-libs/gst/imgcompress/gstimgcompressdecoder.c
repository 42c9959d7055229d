/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressdecoder
 * @title: GstImgcompressImageDecoder
 * @short_description: base class of the still-image decoders
 *
 * What every decoder of the project shares, as libvips' loaders share
 * theirs: a subclass reads an image's header and decodes it into a frame
 * at a scale; the base class does the rest, the same way for every format:
 *
 * - the #GstImgcompressImageDecoder:max-pixels limit, checked from the
 *   header (or from the sink caps, when adaptivequality or jpegparse
 *   already read it) before anything of the image's size is allocated, and
 *   the translated "too large" error;
 * - #GstImgcompressImageDecoder:max-input-bytes, for the subclass's framing
 *   (gst_imgcompress_image_decoder_check_input_bytes());
 * - shrink on load: the box from #GstImgcompressImageDecoder:max-dimension
 *   or the `imgcompress-size-hint` query, and the smallest scale the
 *   subclass supports that leaves the image at least twice its size in
 *   that box (the last reduction is a real filter's, downstream);
 * - the output format (the first of the subclass's that downstream takes),
 *   the output state with its colorimetry (sRGB for RGB, BT.601 of the
 *   subclass's range for YUV and grey), the allocation and mapping of the
 *   output frame;
 * - the TIME segment a BYTES stream (filesrc) needs;
 * - the image's metadata as tags before its buffer: the orientation
 *   (`image-orientation`), the colour description
 *   (%GST_IMGCOMPRESS_TAG_COLOUR_PROFILE: an embedded ICC profile checked
 *   with lcms2, a damaged one warned about in one message naming the image,
 *   whatever the format), the artist and copyright of the image's EXIF and
 *   XMP (%GST_TAG_ARTIST, %GST_TAG_COPYRIGHT) and any other tags, reset for
 *   an image without them after one with them;
 * - the end of a stream without any image, an error.
 *
 * Subclasses implement #GstImgcompressImageDecoderClass.read_header() and
 * #GstImgcompressImageDecoderClass.decode(), and frame their input in
 * GstVideoDecoderClass.parse() when it is not packetized.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressdecoder.h"

#include "gst-i18n-plugin.h"
#include "gstimgcompresscolour.h"
#include "gstimgcompressexif.h"
#include "gstimgcompressicc.h"
#include "gstimgcompressjpeg.h"
#include "gstimgcompressmetadata.h"
#include "gstimgcompressprotocol.h"
#include "gstimgcompresssize.h"
#include <gst/tag/tag.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (imgcompress_decoder_debug);
#define GST_CAT_DEFAULT imgcompress_decoder_debug

#define DEFAULT_MAX_DIMENSION 0
#define DEFAULT_MAX_PIXELS GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS
#define DEFAULT_MAX_INPUT_BYTES GST_IMGCOMPRESS_DEFAULT_MAX_INPUT_BYTES

/* Shrink no further than twice the fitted size: the last factor of two is
 * left to a real filter downstream (imgsizer), as libvips' thumbnail. */
#define SHRINK_MARGIN 2

enum
{
  PROP_0,
  PROP_MAX_DIMENSION,
  PROP_MAX_PIXELS,
  PROP_MAX_INPUT_BYTES,
};

struct _GstImgcompressImageDecoderPrivate
{
  /* properties, under the object lock */
  guint max_dimension;
  guint64 max_pixels;
  guint64 max_input_bytes;

  GstVideoCodecState *input_state;
  /* width and height from the sink caps, 0 when they do not say */
  guint caps_width;
  guint caps_height;

  guint images_seen;
  gboolean saw_data;
  gboolean failed;
  gboolean discard_frame;

  /* the image being decoded: its metadata, posted before its buffer */
  guint orientation;
  GstSample *colour;
  GstTagList *tags;
  /* the last image posted tags, which the next one must replace */
  gboolean tags_posted;
};

#define gst_imgcompress_image_decoder_parent_class parent_class
G_DEFINE_ABSTRACT_TYPE_WITH_CODE (
    GstImgcompressImageDecoder, gst_imgcompress_image_decoder,
    GST_TYPE_VIDEO_DECODER, G_ADD_PRIVATE (GstImgcompressImageDecoder);
    GST_DEBUG_CATEGORY_INIT (imgcompress_decoder_debug, "imgcompressdecoder", 0,
        "imgcompress still-image decoder base class"));

static const gchar *
format_name (GstImgcompressImageDecoder *self)
{
  const gchar *name =
      GST_IMGCOMPRESS_IMAGE_DECODER_GET_CLASS (self)->format_name;

  return name ? name : "?";
}

static void
gst_imgcompress_image_decoder_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstImgcompressImageDecoder *self = GST_IMGCOMPRESS_IMAGE_DECODER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_DIMENSION:
      self->priv->max_dimension = g_value_get_uint (value);
      break;
    case PROP_MAX_PIXELS:
      self->priv->max_pixels = g_value_get_uint64 (value);
      break;
    case PROP_MAX_INPUT_BYTES:
      self->priv->max_input_bytes = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imgcompress_image_decoder_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec)
{
  GstImgcompressImageDecoder *self = GST_IMGCOMPRESS_IMAGE_DECODER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_DIMENSION:
      g_value_set_uint (value, self->priv->max_dimension);
      break;
    case PROP_MAX_PIXELS:
      g_value_set_uint64 (value, self->priv->max_pixels);
      break;
    case PROP_MAX_INPUT_BYTES:
      g_value_set_uint64 (value, self->priv->max_input_bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
clear_image_metadata (GstImgcompressImageDecoder *self)
{
  self->priv->orientation = GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;
  g_clear_pointer (&self->priv->colour, gst_sample_unref);
  gst_clear_tag_list (&self->priv->tags);
}

static gboolean
gst_imgcompress_image_decoder_start (GstVideoDecoder *decoder)
{
  GstImgcompressImageDecoder *self = GST_IMGCOMPRESS_IMAGE_DECODER (decoder);

  self->priv->images_seen = 0;
  self->priv->saw_data = FALSE;
  self->priv->failed = FALSE;
  self->priv->discard_frame = FALSE;
  self->priv->tags_posted = FALSE;
  self->priv->caps_width = self->priv->caps_height = 0;
  clear_image_metadata (self);
  return TRUE;
}

/* What the decoder holds between start and stop. */
static void
release_stream (GstImgcompressImageDecoder *self)
{
  g_clear_pointer (&self->priv->input_state, gst_video_codec_state_unref);
  clear_image_metadata (self);
}

static gboolean
gst_imgcompress_image_decoder_stop (GstVideoDecoder *decoder)
{
  release_stream (GST_IMGCOMPRESS_IMAGE_DECODER (decoder));
  return TRUE;
}

static gboolean
gst_imgcompress_image_decoder_flush (GstVideoDecoder *decoder)
{
  GstImgcompressImageDecoder *self = GST_IMGCOMPRESS_IMAGE_DECODER (decoder);

  self->priv->failed = FALSE;
  self->priv->discard_frame = FALSE;
  return TRUE;
}

/* The width and height of caps that say they were read from the image's
 * header: adaptivequality's (imgcompress-header) or a parser's (parsed,
 * jpegparse). */
static void
read_caps_size (GstImgcompressImageDecoder *self, GstCaps *caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  gboolean header = FALSE, parsed = FALSE;
  gint width = 0, height = 0;

  self->priv->caps_width = self->priv->caps_height = 0;
  gst_structure_get_boolean (s, GST_IMGCOMPRESS_CAPS_HEADER_FIELD, &header);
  gst_structure_get_boolean (s, "parsed", &parsed);
  if (!(header || parsed) || !gst_structure_get_int (s, "width", &width) ||
      !gst_structure_get_int (s, "height", &height) || width <= 0 ||
      height <= 0)
    return;
  self->priv->caps_width = width;
  self->priv->caps_height = height;
  GST_DEBUG_OBJECT (self, "caps say the image is %dx%d", width, height);
}

static gboolean
gst_imgcompress_image_decoder_set_format (GstVideoDecoder *decoder,
    GstVideoCodecState *state)
{
  GstImgcompressImageDecoder *self = GST_IMGCOMPRESS_IMAGE_DECODER (decoder);

  g_clear_pointer (&self->priv->input_state, gst_video_codec_state_unref);
  self->priv->input_state = gst_video_codec_state_ref (state);
  read_caps_size (self, state->caps);
  return TRUE;
}

/* filesrc's BYTES segment would be dropped by the base class, which then
 * warns about a buffer without a segment. */
static gboolean
gst_imgcompress_image_decoder_sink_event (GstVideoDecoder *decoder,
    GstEvent *event)
{
  return GST_VIDEO_DECODER_CLASS (parent_class)
      ->sink_event (decoder, gst_imgcompress_segment_to_time (event));
}

/* The limit is formatted on its own: G_GUINT64_FORMAT inside _() would cut
 * the msgid short for xgettext, and the message would never be translated. */
static void
post_too_large (GstImgcompressImageDecoder *self, guint width, guint height,
    guint64 max_pixels, const gchar *debug)
{
  gchar *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, max_pixels);

  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The %s image is too large: %ux%u pixels, more than the %s pixels "
          "allowed."),
          format_name (self), width, height, limit),
      ("%s", debug));
  g_free (limit);
}

/**
 * gst_imgcompress_image_decoder_check_size:
 * @decoder: a #GstImgcompressImageDecoder
 * @width: the image's width from its header
 * @height: the image's height from its header
 *
 * Checks an image's dimensions against max-pixels as soon as a subclass
 * has read them, before its bytes are all collected; the base class checks
 * them again before decoding.  Posts the error on refusal.
 *
 * Returns: %TRUE when the image may be decoded
 */
gboolean
gst_imgcompress_image_decoder_check_size (GstImgcompressImageDecoder *decoder,
    guint width, guint height)
{
  guint64 max_pixels;

  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), FALSE);

  if (width == 0 || height == 0) {
    GST_ELEMENT_ERROR (decoder, STREAM, DECODE,
        (_ ("The %s image has invalid dimensions %ux%u."),
            format_name (decoder), width, height),
        ("an image has at least one pixel per side"));
    return FALSE;
  }
  GST_OBJECT_LOCK (decoder);
  max_pixels = decoder->priv->max_pixels;
  GST_OBJECT_UNLOCK (decoder);
  if (gst_imgcompress_pixels_allowed (width, height, max_pixels))
    return TRUE;
  post_too_large (decoder, width, height, max_pixels,
      "raise the max-pixels property to accept it");
  return FALSE;
}

/**
 * gst_imgcompress_image_decoder_check_input_bytes:
 * @decoder: a #GstImgcompressImageDecoder
 * @bytes: the encoded bytes of the image, as far as known
 * @debug: (nullable): the technical detail for the error message
 *
 * Checks the encoded size of an image against max-input-bytes, as the
 * subclass frames it, and posts the error on refusal.
 *
 * Returns: %TRUE when the image is within the limit
 */
gboolean
gst_imgcompress_image_decoder_check_input_bytes (GstImgcompressImageDecoder
                                                     *decoder,
    guint64 bytes, const gchar *debug)
{
  guint64 limit;
  gchar *limit_str;

  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), FALSE);

  GST_OBJECT_LOCK (decoder);
  limit = decoder->priv->max_input_bytes;
  GST_OBJECT_UNLOCK (decoder);
  if (limit == 0 || bytes <= limit)
    return TRUE;

  limit_str = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);
  GST_ELEMENT_ERROR (decoder, STREAM, DECODE,
      (_ ("The %s image is larger than the %s bytes allowed."),
          format_name (decoder), limit_str),
      ("%" G_GUINT64_FORMAT " bytes%s%s; raise the max-input-bytes property "
       "to accept it",
          bytes, debug ? ": " : "", debug ? debug : ""));
  g_free (limit_str);
  return FALSE;
}

/**
 * gst_imgcompress_image_decoder_get_caps_size:
 * @decoder: a #GstImgcompressImageDecoder
 * @width: (out): the image's width
 * @height: (out): the image's height
 *
 * Whether the sink caps already give the current image's size, read from
 * its header upstream (adaptivequality's `imgcompress-header=true`,
 * jpegparse's `parsed=true`): a subclass then need not walk its header
 * for it.  The base class has checked it against max-pixels.
 *
 * Returns: %TRUE when the caps give the size
 */
gboolean
gst_imgcompress_image_decoder_get_caps_size (GstImgcompressImageDecoder
                                                 *decoder,
    guint *width, guint *height)
{
  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), FALSE);

  *width = decoder->priv->caps_width;
  *height = decoder->priv->caps_height;
  return *width != 0;
}

/**
 * gst_imgcompress_image_decoder_set_orientation:
 * @decoder: a #GstImgcompressImageDecoder
 * @orientation: the EXIF orientation (1..8), 0 for none
 *
 * Sets the orientation of the image being decoded, posted as the
 * `image-orientation` tag before its buffer (never applied).  For a format
 * whose orientation comes after the image data; others set
 * #GstImgcompressImageHeader.orientation.
 */
void
gst_imgcompress_image_decoder_set_orientation (GstImgcompressImageDecoder
                                                   *decoder,
    guint orientation)
{
  g_return_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder));

  decoder->priv->orientation = orientation;
}

/**
 * gst_imgcompress_image_decoder_set_colour_profile:
 * @decoder: a #GstImgcompressImageDecoder
 * @colour: (transfer none) (nullable): the colour description, as the
 *     %GST_IMGCOMPRESS_TAG_COLOUR_PROFILE tag holds it
 *
 * Sets the colour description of the image being decoded (docs/design.md,
 * "Image metadata"), posted as a tag before its buffer.
 */
void
gst_imgcompress_image_decoder_set_colour_profile (GstImgcompressImageDecoder
                                                      *decoder,
    GstSample *colour)
{
  g_return_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder));

  g_clear_pointer (&decoder->priv->colour, gst_sample_unref);
  if (colour != NULL)
    decoder->priv->colour = gst_sample_ref (colour);
}

/**
 * gst_imgcompress_image_decoder_set_icc_profile_bytes:
 * @decoder: a #GstImgcompressImageDecoder
 * @icc: (nullable): the embedded ICC profile, whole
 * @problem: (nullable): why the embedded profile could not be extracted
 *     (chunks missing, a chunk larger than the file...), %NULL when it
 *     could
 * @source: where it came from, for the info structure's `source` field
 *     (`APP2`, `ICCP`, `iCCP`, `colr`, ...)
 * @name: (nullable): the name the file gives the profile (PNG's iCCP), for
 *     the info structure's `name` field
 *
 * Sets an embedded ICC profile as the colour description of the image
 * being decoded, once checked (gst_imgcompress_icc_sample_new(): its
 * structure, then lcms2 must make its transform to sRGB, which stays
 * cached for the colour-management stage): the sample holds @icc with
 * caps `application/vnd.iccprofile` and an info structure with `source`,
 * `srgb` (the profile is sRGB under another name) and `name`.
 *
 * A damaged profile, or one that could not be extracted (@problem), gets
 * a warning naming the image, and the image is taken as sRGB.  A CMYK
 * profile is passed over: it describes pixels the decoder has already
 * turned into RGB (turbojpegdec converts CMYK through it itself).
 *
 * Returns: whether the profile was set
 */
gboolean
gst_imgcompress_image_decoder_set_icc_profile_bytes (GstImgcompressImageDecoder
                                                         *decoder,
    GBytes *icc, const gchar *problem, const gchar *source, const gchar *name)
{
  GstImgcompressIccTransform *t;
  GstStructure *info;
  GstSample *sample;
  gboolean cmyk;

  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), FALSE);
  g_return_val_if_fail (source != NULL, FALSE);

  sample = gst_imgcompress_icc_sample_new (GST_ELEMENT (decoder),
      GST_VIDEO_DECODER_SINK_PAD (decoder), icc, problem, source);
  if (sample == NULL)
    return FALSE;
  t = gst_imgcompress_icc_transform_from_sample (sample);
  cmyk = t != NULL &&
      gst_imgcompress_icc_transform_get_space (t) ==
          GST_IMGCOMPRESS_ICC_SPACE_CMYK;
  g_clear_pointer (&t, gst_imgcompress_icc_transform_unref);
  if (cmyk) {
    GST_INFO_OBJECT (decoder, "CMYK profile (%s) on RGB pixels: not posted",
        source);
    gst_sample_unref (sample);
    return FALSE;
  }
  if (name != NULL) {
    info = gst_structure_copy (gst_sample_get_info (sample));
    gst_structure_set (info, "name", G_TYPE_STRING, name, NULL);
    gst_sample_set_info (sample, info);
  }
  gst_imgcompress_image_decoder_set_colour_profile (decoder, sample);
  gst_sample_unref (sample);
  return TRUE;
}

/**
 * gst_imgcompress_image_decoder_get_cmyk_transform:
 * @decoder: a #GstImgcompressImageDecoder
 * @icc: (nullable): the CMYK image's embedded ICC profile, whole
 * @problem: (nullable): why the embedded profile could not be extracted
 * @source: where it came from (`APP2`, `ICCProfile`, ...)
 *
 * The transform a decoder converts the pixels of a CMYK image through,
 * before anything downstream sees them (they leave as sRGB, and the
 * profile is not posted): the embedded profile when it is a usable CMYK
 * one, else the default CMYK profile
 * (gst_imgcompress_icc_transform_default_cmyk()). A damaged embedded profile
 * gets the warning every decoder's does.
 *
 * Returns: (transfer full) (nullable): the transform, %NULL when there
 *     is no usable embedded profile and the default one is not installed
 *     (the decoder then falls back on the naive formula)
 */
GstImgcompressIccTransform *
gst_imgcompress_image_decoder_get_cmyk_transform (GstImgcompressImageDecoder
                                                      *decoder,
    GBytes *icc, const gchar *problem, const gchar *source)
{
  GstSample *sample;
  GstImgcompressIccTransform *t;

  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), NULL);

  sample = gst_imgcompress_icc_sample_new (GST_ELEMENT (decoder),
      GST_VIDEO_DECODER_SINK_PAD (decoder), icc, problem, source);
  t = gst_imgcompress_icc_transform_from_sample (sample);
  if (sample != NULL)
    gst_sample_unref (sample);
  if (t != NULL &&
      gst_imgcompress_icc_transform_get_space (t) !=
          GST_IMGCOMPRESS_ICC_SPACE_CMYK)
    g_clear_pointer (&t, gst_imgcompress_icc_transform_unref);
  return t != NULL ? t : gst_imgcompress_icc_transform_default_cmyk ();
}

/**
 * gst_imgcompress_image_decoder_set_icc_profile:
 * @decoder: a #GstImgcompressImageDecoder
 * @icc: (array length=size): the embedded ICC profile, whole
 * @size: its size in bytes
 * @source: where it came from, for the info structure's `source` field
 *     (`APP2`, `ICCP`, `iCCP`, ...)
 *
 * gst_imgcompress_image_decoder_set_icc_profile_bytes() for a profile the
 * decoder extracted whole: a copy of @icc is checked and set.
 *
 * Returns: whether the profile was set
 */
gboolean
gst_imgcompress_image_decoder_set_icc_profile (GstImgcompressImageDecoder
                                                   *decoder,
    const guint8 *icc, gsize size, const gchar *source)
{
  GBytes *bytes;
  gboolean set;

  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), FALSE);
  g_return_val_if_fail (icc != NULL && size > 0 && source != NULL, FALSE);

  bytes = g_bytes_new (icc, size);
  set = gst_imgcompress_image_decoder_set_icc_profile_bytes (decoder, bytes,
      NULL, source, NULL);
  g_bytes_unref (bytes);
  return set;
}

/**
 * gst_imgcompress_image_decoder_add_copyright:
 * @decoder: a #GstImgcompressImageDecoder
 * @exif_tiff: (array length=exif_size) (nullable): the image's EXIF, as a
 *     TIFF structure (without JPEG's `Exif\0\0`)
 * @exif_size: its length
 * @xmp: (array length=xmp_size) (nullable): the image's XMP packet
 * @xmp_size: its length
 *
 * Reads the image's artist and copyright (EXIF Artist and Copyright first,
 * then XMP dc:creator and dc:rights) and adds them as %GST_TAG_ARTIST and
 * %GST_TAG_COPYRIGHT to the tags of the image being decoded: what an
 * encoder asked to keep them (its `copyright` property) writes back, and
 * nothing else of the source's metadata.
 */
void
gst_imgcompress_image_decoder_add_copyright (GstImgcompressImageDecoder
                                                 *decoder,
    const guint8 *exif_tiff, gsize exif_size, const guint8 *xmp, gsize xmp_size)
{
  gboolean posted = FALSE;
  GstTagList *tags;

  g_return_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder));

  /* the base class resets the tags of an image without them */
  tags = gst_imgcompress_copyright_tags_add (NULL, exif_tiff, exif_size, xmp,
      xmp_size, &posted);
  if (tags == NULL)
    return;
  gst_imgcompress_image_decoder_add_tags (decoder, tags);
  gst_tag_list_unref (tags);
}

/**
 * gst_imgcompress_image_decoder_add_tags:
 * @decoder: a #GstImgcompressImageDecoder
 * @tags: (transfer none): metadata of the image being decoded
 *
 * Adds tags of the image being decoded, posted with its orientation and
 * colour description before its buffer.
 */
void
gst_imgcompress_image_decoder_add_tags (GstImgcompressImageDecoder *decoder,
    const GstTagList *tags)
{
  g_return_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder));
  g_return_if_fail (GST_IS_TAG_LIST (tags));

  if (decoder->priv->tags == NULL)
    decoder->priv->tags = gst_tag_list_copy (tags);
  else
    gst_tag_list_insert (decoder->priv->tags, tags, GST_TAG_MERGE_REPLACE);
}

/**
 * gst_imgcompress_image_decoder_fail:
 * @decoder: a #GstImgcompressImageDecoder
 *
 * Marks the stream as failed after the subclass posted an error: the end
 * of the stream then returns %GST_FLOW_ERROR without another message, so
 * one bad file gives one error.  A flush clears it.
 *
 * Returns: %GST_FLOW_ERROR
 */
GstFlowReturn
gst_imgcompress_image_decoder_fail (GstImgcompressImageDecoder *decoder)
{
  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder),
      GST_FLOW_ERROR);

  decoder->priv->failed = TRUE;
  return GST_FLOW_ERROR;
}

/**
 * gst_imgcompress_image_decoder_has_failed:
 * @decoder: a #GstImgcompressImageDecoder
 *
 * Returns: whether gst_imgcompress_image_decoder_fail() was called since
 *     the start or the last flush
 */
gboolean
gst_imgcompress_image_decoder_has_failed (GstImgcompressImageDecoder *decoder)
{
  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), FALSE);

  return decoder->priv->failed;
}

/**
 * gst_imgcompress_image_decoder_discard_frame:
 * @decoder: a #GstImgcompressImageDecoder
 *
 * The next frame the subclass hands over (gst_video_decoder_have_frame())
 * was refused while framing, its error posted: it is dropped, not decoded.
 */
void
gst_imgcompress_image_decoder_discard_frame (GstImgcompressImageDecoder
        *decoder)
{
  g_return_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder));

  decoder->priv->discard_frame = TRUE;
}

/**
 * gst_imgcompress_image_decoder_saw_data:
 * @decoder: a #GstImgcompressImageDecoder
 *
 * Tells that the stream holds bytes: a stream without any image is then
 * said to hold no image, rather than to be empty.
 */
void
gst_imgcompress_image_decoder_saw_data (GstImgcompressImageDecoder *decoder)
{
  g_return_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder));

  decoder->priv->saw_data = TRUE;
}

/**
 * gst_imgcompress_image_decoder_get_images_seen:
 * @decoder: a #GstImgcompressImageDecoder
 *
 * Returns: the number of images handed to handle_frame since the start
 */
guint
gst_imgcompress_image_decoder_get_images_seen (GstImgcompressImageDecoder
        *decoder)
{
  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), 0);

  return decoder->priv->images_seen;
}

/**
 * gst_imgcompress_image_decoder_get_input_state:
 * @decoder: a #GstImgcompressImageDecoder
 *
 * Returns: (transfer full) (nullable): the input state of the last caps
 */
GstVideoCodecState *
gst_imgcompress_image_decoder_get_input_state (GstImgcompressImageDecoder
        *decoder)
{
  g_return_val_if_fail (GST_IS_IMGCOMPRESS_IMAGE_DECODER (decoder), NULL);

  return decoder->priv->input_state ?
      gst_video_codec_state_ref (decoder->priv->input_state) :
      NULL;
}

/* Tells downstream the image's orientation, colour description and other
 * metadata; an image without them after one with them resets them. */
static void
post_tags (GstImgcompressImageDecoder *self)
{
  GstImgcompressImageDecoderPrivate *priv = self->priv;
  const gchar *rotation =
      gst_imgcompress_exif_orientation_to_tag (priv->orientation);
  GstTagList *tags;

  if (rotation == NULL && priv->colour == NULL && priv->tags == NULL &&
      !priv->tags_posted)
    return;
  GST_DEBUG_OBJECT (self, "orientation %u, colour profile %" GST_PTR_FORMAT,
      priv->orientation,
      priv->colour ? gst_sample_get_info (priv->colour) : NULL);
  tags =
      priv->tags ? gst_tag_list_copy (priv->tags) : gst_tag_list_new_empty ();
  gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE, GST_TAG_IMAGE_ORIENTATION,
      rotation ? rotation : "rotate-0", NULL);
  if (priv->colour != NULL)
    gst_tag_list_add (tags, GST_TAG_MERGE_REPLACE,
        GST_IMGCOMPRESS_TAG_COLOUR_PROFILE, priv->colour, NULL);
  gst_video_decoder_merge_tags (GST_VIDEO_DECODER (self), tags,
      GST_TAG_MERGE_REPLACE);
  gst_tag_list_unref (tags);
  priv->tags_posted =
      rotation != NULL || priv->colour != NULL || priv->tags != NULL;
}

/* The box the image must still cover: max-dimension, else downstream's
 * answer to the size-hint query, else none (0x0). */
static void
get_target_box (GstImgcompressImageDecoder *self, guint *box_w, guint *box_h)
{
  guint max_dimension;

  GST_OBJECT_LOCK (self);
  max_dimension = self->priv->max_dimension;
  GST_OBJECT_UNLOCK (self);
  gst_imgcompress_pad_get_decode_box (GST_VIDEO_DECODER_SRC_PAD (self),
      max_dimension, box_w, box_h);
}

/* The largest k that leaves the image at least twice its size in the box. */
static guint
pick_divisor (guint width, guint height, guint box_w, guint box_h,
    guint max_divisor)
{
  guint fit_w, fit_h;
  guint64 k;

  if (box_w == 0 && box_h == 0)
    return 1;
  gst_imgcompress_fit_box (width, height, 1, 1, box_w, box_h, FALSE, &fit_w,
      &fit_h);
  k = MIN (width / (SHRINK_MARGIN * (guint64) fit_w),
      height / (SHRINK_MARGIN * (guint64) fit_h));
  return CLAMP (k, 1, MAX (max_divisor, 1));
}

static void
default_choose_scale (GstImgcompressImageDecoder *self,
    const GstImgcompressImageHeader *header, GstImgcompressImageScale *scale)
{
  switch (header->scaling) {
    case GST_IMGCOMPRESS_IMAGE_SCALING_EIGHTHS:
      scale->num = gst_imgcompress_pick_scale_eighths (header->width,
          header->height, scale->box_width, scale->box_height);
      scale->denom = 8;
      break;
    case GST_IMGCOMPRESS_IMAGE_SCALING_DIVISOR:
      scale->num = 1;
      scale->denom = pick_divisor (header->width, header->height,
          scale->box_width, scale->box_height, header->max_divisor);
      break;
    case GST_IMGCOMPRESS_IMAGE_SCALING_NONE:
    default:
      scale->num = scale->denom = 1;
      break;
  }
  scale->width = gst_imgcompress_scaled_dimension (header->width, scale->num,
      scale->denom);
  scale->height = gst_imgcompress_scaled_dimension (header->height, scale->num,
      scale->denom);
}

static void
choose_scale (GstImgcompressImageDecoder *self,
    const GstImgcompressImageHeader *header, GstImgcompressImageScale *scale)
{
  GstImgcompressImageDecoderClass *klass =
      GST_IMGCOMPRESS_IMAGE_DECODER_GET_CLASS (self);

  memset (scale, 0, sizeof (*scale));
  get_target_box (self, &scale->box_width, &scale->box_height);
  if (klass->choose_scale)
    klass->choose_scale (self, header, scale);
  else
    default_choose_scale (self, header, scale);
  GST_INFO_OBJECT (self, "decoding %ux%u at scale %u/%u -> %ux%u (box %ux%u)",
      header->width, header->height, scale->num, scale->denom, scale->width,
      scale->height, scale->box_width, scale->box_height);
}

/* The first of the subclass's formats that downstream takes; the last one
 * when downstream takes none (negotiation then says so). */
static GstVideoFormat
choose_format (GstImgcompressImageDecoder *self,
    const GstImgcompressImageHeader *header)
{
  GstCaps *allowed;
  GstVideoFormat chosen = GST_VIDEO_FORMAT_UNKNOWN;
  guint i;

  allowed = gst_pad_get_allowed_caps (GST_VIDEO_DECODER_SRC_PAD (self));
  for (i = 0; i < GST_IMGCOMPRESS_IMAGE_MAX_FORMATS &&
       header->formats[i] != GST_VIDEO_FORMAT_UNKNOWN;
       i++) {
    GstCaps *want;
    gboolean ok;

    chosen = header->formats[i];
    if (allowed == NULL)
      break;
    want = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
        gst_video_format_to_string (chosen), NULL);
    ok = gst_caps_can_intersect (allowed, want);
    gst_caps_unref (want);
    if (ok)
      break;
    GST_INFO_OBJECT (self, "downstream refuses %s",
        gst_video_format_to_string (chosen));
  }
  gst_clear_caps (&allowed);
  return chosen;
}

/* Sets new output caps when the format, size or range differs from the
 * current ones (a new image mid-stream). */
static gboolean
ensure_output_state (GstImgcompressImageDecoder *self, GstVideoFormat format,
    guint width, guint height, GstVideoColorRange range)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  const GstVideoFormatInfo *finfo = gst_video_format_get_info (format);
  gboolean rgb = GST_VIDEO_FORMAT_INFO_IS_RGB (finfo);
  GstVideoCodecState *state;

  state = gst_video_decoder_get_output_state (decoder);
  if (state != NULL && GST_VIDEO_INFO_FORMAT (&state->info) == format &&
      GST_VIDEO_INFO_WIDTH (&state->info) == (gint) width &&
      GST_VIDEO_INFO_HEIGHT (&state->info) == (gint) height &&
      (rgb || state->info.colorimetry.range == range)) {
    gst_video_codec_state_unref (state);
    return TRUE;
  }
  g_clear_pointer (&state, gst_video_codec_state_unref);

  state = gst_video_decoder_set_output_state (decoder, format, width, height,
      self->priv->input_state);
  if (state == NULL)
    return FALSE;
  if (rgb) {
    /* the colorimetry of the (caps-less) input would leave the matrix
     * unknown, which RGB caps cannot carry */
    gst_video_colorimetry_from_string (&state->info.colorimetry,
        GST_VIDEO_COLORIMETRY_SRGB);
  } else {
    /* BT.601 whatever the size (GstVideoInfo would guess BT.709 above 576
     * lines): JFIF's full range, or libwebp's limited one */
    state->info.colorimetry.range = range;
    state->info.colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT601;
    state->info.colorimetry.transfer = GST_VIDEO_TRANSFER_UNKNOWN;
    state->info.colorimetry.primaries = GST_VIDEO_COLOR_PRIMARIES_UNKNOWN;
    state->info.chroma_site = GST_VIDEO_CHROMA_SITE_JPEG;
  }
  gst_video_codec_state_unref (state);
  return gst_video_decoder_negotiate (decoder);
}

/* Allocates the output frame and maps it for the subclass. */
static GstFlowReturn
map_output (GstImgcompressImageDecoder *self, GstVideoCodecFrame *frame,
    GstVideoFrame *vframe)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  GstVideoCodecState *state;
  GstFlowReturn ret;
  gboolean mapped;

  ret = gst_video_decoder_allocate_output_frame (decoder, frame);
  if (ret != GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "no output buffer: %s", gst_flow_get_name (ret));
    return ret;
  }
  state = gst_video_decoder_get_output_state (decoder);
  mapped = gst_video_frame_map (vframe, &state->info, frame->output_buffer,
      GST_MAP_WRITE);
  gst_video_codec_state_unref (state);
  if (!mapped) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, (NULL),
        ("could not map the output frame"));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* From the header to the output: size limit, scale, format, caps, frame,
 * then the subclass's decode. */
static GstFlowReturn
decode_image (GstImgcompressImageDecoder *self, GstVideoCodecFrame *frame,
    const guint8 *data, gsize size, GstImgcompressImageHeader *header)
{
  GstImgcompressImageDecoderClass *klass =
      GST_IMGCOMPRESS_IMAGE_DECODER_GET_CLASS (self);
  GstImgcompressImageScale scale;
  GstVideoFrame vframe;
  GstVideoFormat format;
  gsize frame_bytes;
  guint64 max_pixels;
  GstFlowReturn ret;

  if (!gst_imgcompress_image_decoder_check_size (self, header->width,
          header->height))
    return GST_FLOW_ERROR;
  choose_scale (self, header, &scale);
  /* max-pixels 0 lets any size through: the frame must still fit (every
   * output format has at most 4 bytes per pixel) */
  if (!gst_imgcompress_frame_bytes (scale.width, scale.height, 4,
          &frame_bytes)) {
    GST_OBJECT_LOCK (self);
    max_pixels = self->priv->max_pixels;
    GST_OBJECT_UNLOCK (self);
    post_too_large (self, header->width, header->height, max_pixels,
        "frame size overflows");
    return GST_FLOW_ERROR;
  }

  format = choose_format (self, header);
  if (format == GST_VIDEO_FORMAT_UNKNOWN ||
      !ensure_output_state (self, format, scale.width, scale.height,
          header->yuv_range)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("could not negotiate %s %ux%u downstream",
            gst_video_format_to_string (format), scale.width, scale.height));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  ret = map_output (self, frame, &vframe);
  if (ret != GST_FLOW_OK)
    return ret;
  ret = klass->decode (self, frame, data, size, header, &scale, &vframe);
  gst_video_frame_unmap (&vframe);
  return ret;
}

static GstFlowReturn
gst_imgcompress_image_decoder_handle_frame (GstVideoDecoder *decoder,
    GstVideoCodecFrame *frame)
{
  GstImgcompressImageDecoder *self = GST_IMGCOMPRESS_IMAGE_DECODER (decoder);
  GstImgcompressImageDecoderClass *klass =
      GST_IMGCOMPRESS_IMAGE_DECODER_GET_CLASS (self);
  GstImgcompressImageHeader header;
  GstMapInfo map;
  GstFlowReturn ret;
  guint i;

  self->priv->images_seen++;
  if (self->priv->discard_frame) {
    /* refused while framing, the error posted */
    self->priv->discard_frame = FALSE;
    gst_video_decoder_release_frame (decoder, frame);
    return GST_FLOW_OK;
  }
  if (!gst_buffer_map (frame->input_buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
        ("could not map the input buffer"));
    gst_video_decoder_release_frame (decoder, frame);
    return gst_imgcompress_image_decoder_fail (self);
  }

  clear_image_metadata (self);
  memset (&header, 0, sizeof (header));
  for (i = 0; i < GST_IMGCOMPRESS_IMAGE_MAX_FORMATS; i++)
    header.formats[i] = GST_VIDEO_FORMAT_UNKNOWN;
  header.yuv_range = GST_VIDEO_COLOR_RANGE_0_255;
  header.max_divisor = 1;

  /* What the caps say is checked before the subclass reads anything. */
  if (gst_imgcompress_image_decoder_get_caps_size (self, &header.width,
          &header.height)) {
    header.from_caps = TRUE;
    if (!gst_imgcompress_image_decoder_check_size (self, header.width,
            header.height)) {
      ret = GST_FLOW_ERROR;
      goto done;
    }
  }

  ret = klass->read_header (self, frame, map.data, map.size, &header);
  if (ret == GST_FLOW_OK) {
    if (self->priv->orientation == GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE)
      self->priv->orientation = header.orientation;
    ret = decode_image (self, frame, map.data, map.size, &header);
  }

done:
  if (header.decode_data_free != NULL && header.decode_data != NULL)
    header.decode_data_free (header.decode_data);
  gst_buffer_unmap (frame->input_buffer, &map);
  if (ret != GST_FLOW_OK) {
    if (ret == GST_FLOW_ERROR)
      gst_imgcompress_image_decoder_fail (self);
    gst_video_decoder_release_frame (decoder, frame);
    return ret;
  }
  post_tags (self);
  return gst_video_decoder_finish_frame (decoder, frame);
}

/* A stream that ends without a single image is an error, not silence. */
static GstFlowReturn
gst_imgcompress_image_decoder_finish (GstVideoDecoder *decoder)
{
  GstImgcompressImageDecoder *self = GST_IMGCOMPRESS_IMAGE_DECODER (decoder);

  if (self->priv->failed)
    return GST_FLOW_ERROR;
  if (self->priv->images_seen > 0)
    return GST_FLOW_OK;
  if (!self->priv->saw_data)
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The %s input is empty."), format_name (self)),
        ("end of stream before any data"));
  else
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("No %s image found in the stream."), format_name (self)),
        ("end of stream before any complete image"));
  return gst_imgcompress_image_decoder_fail (self);
}

/* Every image is decoded as soon as it is complete: nothing to drain. */
static GstFlowReturn
gst_imgcompress_image_decoder_drain (GstVideoDecoder *decoder)
{
  return GST_FLOW_OK;
}

/* Video meta when downstream takes it: the output frames' strides are the
 * pool's.  Nothing is allocated ahead: a still image needs one frame, and
 * the minimum downstream asks for (three, through a tee and queues) cost
 * two idle frames of the image's size each time the size changes. */
static gboolean
gst_imgcompress_image_decoder_decide_allocation (GstVideoDecoder *decoder,
    GstQuery *query)
{
  GstBufferPool *pool = NULL;
  GstStructure *config;
  GstCaps *caps = NULL;
  guint size = 0, min = 0, max = 0;

  if (!GST_VIDEO_DECODER_CLASS (parent_class)
           ->decide_allocation (decoder, query))
    return FALSE;

  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  if (pool == NULL)
    return FALSE;

  config = gst_buffer_pool_get_config (pool);
  gst_buffer_pool_config_get_params (config, &caps, &size, &min, &max);
  gst_buffer_pool_config_set_params (config, caps, size, 0, max);
  if (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_set_config (pool, config);
  gst_object_unref (pool);
  return TRUE;
}

static void
gst_imgcompress_image_decoder_finalize (GObject *object)
{
  release_stream (GST_IMGCOMPRESS_IMAGE_DECODER (object));
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_imgcompress_image_decoder_class_init (GstImgcompressImageDecoderClass
        *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);

  gobject_class->set_property = gst_imgcompress_image_decoder_set_property;
  gobject_class->get_property = gst_imgcompress_image_decoder_get_property;
  gobject_class->finalize = gst_imgcompress_image_decoder_finalize;

  /**
   * GstImgcompressImageDecoder:max-dimension:
   *
   * The box the image will be fitted into downstream; see the section
   * documentation.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_DIMENSION,
      g_param_spec_uint ("max-dimension", "Maximum dimension",
          "Decode at the smallest scale the format offers whose output is "
          "still at least twice the image fitted into a box of this many "
          "pixels per side; 0 asks downstream (imgcompress-size-hint query) "
          "and decodes at full size when nobody answers (default 0)",
          0, G_MAXINT, DEFAULT_MAX_DIMENSION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstImgcompressImageDecoder:max-pixels:
   *
   * The largest image accepted, checked from the header before anything
   * of the image's size is allocated.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_PIXELS,
      g_param_spec_uint64 ("max-pixels", "Maximum pixels",
          "Refuse images with more pixels (width x height, from the header, "
          "before any allocation); 0 for no limit (default 100000000)",
          0, G_MAXUINT64, DEFAULT_MAX_PIXELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstImgcompressImageDecoder:max-input-bytes:
   *
   * The largest encoded image accepted, checked as the decoder frames it.
   */
  g_object_class_install_property (gobject_class, PROP_MAX_INPUT_BYTES,
      g_param_spec_uint64 ("max-input-bytes", "Maximum input bytes",
          "Refuse images whose encoded data is larger, before more of it is "
          "kept, and skip them (0 = no limit; default 268435456, 256 MiB)",
          0, G_MAXUINT64, DEFAULT_MAX_INPUT_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  vdec_class->start = GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_start);
  vdec_class->stop = GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_stop);
  vdec_class->flush = GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_flush);
  vdec_class->set_format =
      GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_set_format);
  vdec_class->sink_event =
      GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_sink_event);
  vdec_class->handle_frame =
      GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_handle_frame);
  vdec_class->finish = GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_finish);
  vdec_class->drain = GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_drain);
  vdec_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_decide_allocation);

  gst_imgcompress_colour_tag_register ();
  gst_type_mark_as_plugin_api (GST_TYPE_IMGCOMPRESS_IMAGE_DECODER, 0);
}

static void
gst_imgcompress_image_decoder_init (GstImgcompressImageDecoder *self)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);

  self->priv = gst_imgcompress_image_decoder_get_instance_private (self);
  self->priv->max_dimension = DEFAULT_MAX_DIMENSION;
  self->priv->max_pixels = DEFAULT_MAX_PIXELS;
  self->priv->max_input_bytes = DEFAULT_MAX_INPUT_BYTES;

  /* Raw file bytes come in; the subclass's parse() finds each image's end. */
  gst_video_decoder_set_packetized (decoder, FALSE);
  gst_video_decoder_set_use_default_pad_acceptcaps (decoder, TRUE);
  GST_PAD_SET_ACCEPT_TEMPLATE (GST_VIDEO_DECODER_SINK_PAD (decoder));
}

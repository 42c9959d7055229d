/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgwebpdec
 * @title: imgwebpdec
 * @short_description: decodes WebP images with libwebp, shrinking on load
 *
 * Decodes WebP images (simple lossy, lossless, extended with alpha).  It
 * takes the bytes straight from a file source: it finds each image's end
 * from the RIFF header's size field, so several images may follow one
 * another in a stream, each with its own size.  Bytes after an image that
 * do not open another RIFF file (padding, data appended to the file) are
 * skipped, with a debug line.
 *
 * Opaque lossy images come out as I420, decoded straight to YUV without a
 * colour conversion; images with alpha as RGBA; lossless opaque images as
 * RGB (RGBA or I420 when downstream takes only those).  Of an animated
 * WebP only the first frame is decoded, and a warning says so: as RGBA, on
 * its canvas (transparent where the frame does not cover it), scaled as a
 * still image is.
 *
 * The EXIF orientation of an extended file's EXIF chunk is posted as the
 * %GST_TAG_IMAGE_ORIENTATION tag, as turbojpegdec does for JPEG; imgsizer
 * turns the image upright from it.
 *
 * Shrink on load: when #GstImgWebpDec:max-dimension is set, or else when
 * downstream answers the `imgcompress-size-hint` query, libwebp's scaled
 * decode outputs the smallest n/8 of the image (n = 1..8) that is still at
 * least twice the image fitted into that box, the same rule turbojpegdec
 * uses, so the last reduction is done by a real filter (imgsizer's Lanczos)
 * downstream and a JPEG and a WebP of the same photo arrive there at the
 * same size.
 *
 * Before any pixel buffer is allocated the image's dimensions (of an
 * extended file: its canvas, which holds every frame) are checked against
 * #GstImgWebpDec:max-pixels.  A stream that is empty, not WebP,
 * truncated, has a wrong RIFF size or corrupt data ends in an error
 * message; no buffer is output for it.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.webp ! imgwebpdec max-dimension=500 ! \
 *     videoconvert ! autovideosink
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgwebpdec.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/tag/tag.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/demux.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_webp_dec_debug);
#define GST_CAT_DEFAULT gst_img_webp_dec_debug

#define DEFAULT_MAX_DIMENSION 0
#define DEFAULT_MAX_PIXELS GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS
#define DEFAULT_MAX_INPUT_BYTES GST_IMGCOMPRESS_DEFAULT_MAX_INPUT_BYTES

/* "RIFF", size, "WEBP" */
#define RIFF_HEADER_SIZE 12
#define CHUNK_HEADER_SIZE 8
/* The headers WebPGetFeatures needs sit near the start; look no further
 * than this before the whole image has arrived (metadata chunks may push
 * them later; the full check runs on the complete image anyway). */
#define HEADER_PROBE_MAX 65536

enum
{
  PROP_0,
  PROP_MAX_DIMENSION,
  PROP_MAX_PIXELS,
  PROP_MAX_INPUT_BYTES,
};

struct _GstImgWebpDec
{
  GstVideoDecoder parent;

  GstVideoCodecState *input_state;

  /* parse() state for the image being assembled */
  gboolean header_checked;
  gboolean saw_data;
  /* an image was framed: bytes after it that open no RIFF file are
   * trailing bytes, not a bad image */
  gboolean framed_image;
  /* an error was posted: the rest of the stream is not looked at, so one
   * bad file gives one error message */
  gboolean failed;
  /* bytes of a refused image still to be skipped */
  guint64 skip_bytes;
  /* an orientation tag went downstream for an earlier image */
  gboolean orientation_posted;
  gboolean colour_posted;
  gboolean copyright_posted;

  /* properties */
  guint max_dimension;
  guint64 max_pixels;
  guint64 max_input_bytes;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/webp"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ I420, RGBA, RGB }")));

#define gst_img_webp_dec_parent_class parent_class
G_DEFINE_TYPE (GstImgWebpDec, gst_img_webp_dec, GST_TYPE_VIDEO_DECODER);
GST_ELEMENT_REGISTER_DEFINE (imgwebpdec, "imgwebpdec", GST_RANK_NONE,
    GST_TYPE_IMG_WEBP_DEC);

static void gst_img_webp_dec_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec);
static void gst_img_webp_dec_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec);
static gboolean gst_img_webp_dec_start (GstVideoDecoder *decoder);
static gboolean gst_img_webp_dec_stop (GstVideoDecoder *decoder);
static void gst_img_webp_dec_reset_parse (GstImgWebpDec *self);
static gboolean gst_img_webp_dec_flush (GstVideoDecoder *decoder);
static gboolean gst_img_webp_dec_set_format (GstVideoDecoder *decoder,
    GstVideoCodecState *state);
static GstFlowReturn gst_img_webp_dec_parse (GstVideoDecoder *decoder,
    GstVideoCodecFrame *frame, GstAdapter *adapter, gboolean at_eos);
static GstFlowReturn gst_img_webp_dec_handle_frame (GstVideoDecoder *decoder,
    GstVideoCodecFrame *frame);
static GstFlowReturn gst_img_webp_dec_finish (GstVideoDecoder *decoder);

/* filesrc's BYTES segment would be dropped by the base class, which then
 * warns about a buffer without a segment. */
static gboolean
gst_img_webp_dec_sink_event (GstVideoDecoder *decoder, GstEvent *event)
{
  return GST_VIDEO_DECODER_CLASS (parent_class)
      ->sink_event (decoder, gst_imgcompress_segment_to_time (event));
}

static void
gst_img_webp_dec_class_init (GstImgWebpDecClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);

  gobject_class->set_property = gst_img_webp_dec_set_property;
  gobject_class->get_property = gst_img_webp_dec_get_property;

  g_object_class_install_property (gobject_class, PROP_MAX_DIMENSION,
      g_param_spec_uint ("max-dimension", "Max dimension",
          "Box (pixels) the image will be fitted into downstream; the decode "
          "shrinks to the smallest n/8 that is still at least twice the "
          "fitted size (0 = ask downstream with the imgcompress-size-hint "
          "query) (default 0)",
          0, G_MAXINT, DEFAULT_MAX_DIMENSION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_PIXELS,
      g_param_spec_uint64 ("max-pixels", "Max pixels",
          "Refuse images with more pixels than this (0 = no limit) "
          "(default 100000000)",
          0, G_MAXUINT64, DEFAULT_MAX_PIXELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_INPUT_BYTES,
      g_param_spec_uint64 ("max-input-bytes", "Maximum input bytes",
          "Refuse images whose RIFF size says they are larger, before their "
          "bytes are kept, and skip them (0 = no limit; default 268435456, "
          "256 MiB)",
          0, G_MAXUINT64, DEFAULT_MAX_INPUT_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "WebP image decoder",
      "Codec/Decoder/Image",
      "Decodes WebP images with libwebp, shrinking on load",
      "gst-imgcompress authors");

  vdec_class->start = GST_DEBUG_FUNCPTR (gst_img_webp_dec_start);
  vdec_class->stop = GST_DEBUG_FUNCPTR (gst_img_webp_dec_stop);
  vdec_class->flush = GST_DEBUG_FUNCPTR (gst_img_webp_dec_flush);
  vdec_class->set_format = GST_DEBUG_FUNCPTR (gst_img_webp_dec_set_format);
  vdec_class->parse = GST_DEBUG_FUNCPTR (gst_img_webp_dec_parse);
  vdec_class->sink_event = GST_DEBUG_FUNCPTR (gst_img_webp_dec_sink_event);
  vdec_class->handle_frame = GST_DEBUG_FUNCPTR (gst_img_webp_dec_handle_frame);
  vdec_class->finish = GST_DEBUG_FUNCPTR (gst_img_webp_dec_finish);

  GST_DEBUG_CATEGORY_INIT (gst_img_webp_dec_debug, "imgwebpdec", 0,
      "WebP image decoder");
}

static void
gst_img_webp_dec_init (GstImgWebpDec *self)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);

  self->max_dimension = DEFAULT_MAX_DIMENSION;
  self->max_pixels = DEFAULT_MAX_PIXELS;
  self->max_input_bytes = DEFAULT_MAX_INPUT_BYTES;

  /* Raw file bytes come in; parse() finds each image's end. */
  gst_video_decoder_set_packetized (decoder, FALSE);
  gst_video_decoder_set_use_default_pad_acceptcaps (decoder, TRUE);
  GST_PAD_SET_ACCEPT_TEMPLATE (GST_VIDEO_DECODER_SINK_PAD (decoder));
}

static void
gst_img_webp_dec_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_DIMENSION:
      self->max_dimension = g_value_get_uint (value);
      break;
    case PROP_MAX_PIXELS:
      self->max_pixels = g_value_get_uint64 (value);
      break;
    case PROP_MAX_INPUT_BYTES:
      self->max_input_bytes = g_value_get_uint64 (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_img_webp_dec_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_DIMENSION:
      g_value_set_uint (value, self->max_dimension);
      break;
    case PROP_MAX_PIXELS:
      g_value_set_uint64 (value, self->max_pixels);
      break;
    case PROP_MAX_INPUT_BYTES:
      g_value_set_uint64 (value, self->max_input_bytes);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_img_webp_dec_reset_parse (GstImgWebpDec *self)
{
  self->header_checked = FALSE;
  self->skip_bytes = 0;
}

static gboolean
gst_img_webp_dec_start (GstVideoDecoder *decoder)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);

  gst_img_webp_dec_reset_parse (self);
  self->saw_data = FALSE;
  self->framed_image = FALSE;
  self->failed = FALSE;
  self->orientation_posted = FALSE;
  self->colour_posted = FALSE;
  self->copyright_posted = FALSE;
  return TRUE;
}

static gboolean
gst_img_webp_dec_stop (GstVideoDecoder *decoder)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);

  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  return TRUE;
}

static gboolean
gst_img_webp_dec_flush (GstVideoDecoder *decoder)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);

  gst_img_webp_dec_reset_parse (self);
  self->framed_image = FALSE;
  self->failed = FALSE;
  return TRUE;
}

static gboolean
gst_img_webp_dec_set_format (GstVideoDecoder *decoder,
    GstVideoCodecState *state)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);

  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  self->input_state = gst_video_codec_state_ref (state);
  return TRUE;
}

static const gchar *
status_to_string (VP8StatusCode status)
{
  switch (status) {
    case VP8_STATUS_OK:
      return "ok";
    case VP8_STATUS_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_STATUS_INVALID_PARAM:
      return "invalid parameter";
    case VP8_STATUS_BITSTREAM_ERROR:
      return "bitstream error";
    case VP8_STATUS_UNSUPPORTED_FEATURE:
      return "unsupported feature";
    case VP8_STATUS_SUSPENDED:
      return "suspended";
    case VP8_STATUS_USER_ABORT:
      return "aborted";
    case VP8_STATUS_NOT_ENOUGH_DATA:
      return "not enough data";
    default:
      return "unknown status";
  }
}

static GstFlowReturn
post_truncated_error (GstImgWebpDec *self, gsize have, guint64 want)
{
  self->failed = TRUE;
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The WebP file is shorter than its RIFF header says: it is "
          "truncated or its size field is wrong.")),
      ("stream ended after %" G_GSIZE_FORMAT " of %" G_GUINT64_FORMAT " bytes",
          have, want));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
post_not_webp_error (GstImgWebpDec *self, const guint8 *header)
{
  self->failed = TRUE;
  GST_ELEMENT_ERROR (self, STREAM, FORMAT,
      (_ ("The data is not a WebP image.")),
      ("no RIFF/WEBP signature: starts with %02x %02x %02x %02x", header[0],
          header[1], header[2], header[3]));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
post_bad_riff_size_error (GstImgWebpDec *self, guint64 riff_size,
    const gchar *why)
{
  self->failed = TRUE;
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The WebP file's RIFF size field is invalid.")),
      ("RIFF size %" G_GUINT64_FORMAT ": %s", riff_size, why));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
post_corrupt_error (GstImgWebpDec *self, VP8StatusCode status,
    const gchar *where)
{
  self->failed = TRUE;
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The WebP image data is corrupt.")),
      ("%s: %s", where, status_to_string (status)));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
check_pixels (GstImgWebpDec *self, const WebPBitstreamFeatures *features)
{
  guint64 max_pixels;

  GST_OBJECT_LOCK (self);
  max_pixels = self->max_pixels;
  GST_OBJECT_UNLOCK (self);

  if (features->width <= 0 || features->height <= 0) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The WebP image data is corrupt.")),
        ("dimensions %dx%d", features->width, features->height));
    return GST_FLOW_ERROR;
  }
  if (!gst_imgcompress_pixels_allowed (features->width, features->height,
          max_pixels)) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The WebP image has more pixels than allowed.")),
        ("%dx%d is more than max-pixels %" G_GUINT64_FORMAT, features->width,
            features->height, max_pixels));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* libwebp reads a chunk that overruns the RIFF payload as corrupt data;
 * walking the chunk headers in the first @len bytes of a file of @total
 * bytes lets us name the real problem. */
static GstFlowReturn
check_chunk_layout (GstImgWebpDec *self, const guint8 *data, gsize len,
    guint64 total)
{
  guint64 offset = RIFF_HEADER_SIZE;

  while (offset + CHUNK_HEADER_SIZE <= len) {
    guint64 chunk_size = gst_imgcompress_read_uint32_le (data + offset + 4);
    guint64 end = offset + CHUNK_HEADER_SIZE + chunk_size;

    if (end > total)
      return post_bad_riff_size_error (self, total - CHUNK_HEADER_SIZE,
          "a chunk extends past the end of the RIFF payload");
    offset = end + (chunk_size & 1);
  }
  return GST_FLOW_OK;
}

/* Reads the headers from the image's first bytes, so an image that is too
 * large or is not WebP fails before all its bytes are collected. */
static GstFlowReturn
gst_img_webp_dec_probe_header (GstImgWebpDec *self, GstAdapter *adapter,
    gsize avail, guint64 total)
{
  WebPBitstreamFeatures features;
  VP8StatusCode status;
  gsize probe_len = MIN (avail, MIN (total, HEADER_PROBE_MAX));
  const guint8 *data;

  data = gst_adapter_map (adapter, probe_len);
  if (check_chunk_layout (self, data, probe_len, total) != GST_FLOW_OK) {
    gst_adapter_unmap (adapter);
    return GST_FLOW_ERROR;
  }
  status = WebPGetFeatures (data, probe_len, &features);
  gst_adapter_unmap (adapter);

  if (status == VP8_STATUS_NOT_ENOUGH_DATA) {
    if (probe_len == MIN (total, HEADER_PROBE_MAX))
      self->header_checked = TRUE; /* leave it to handle_frame */
    return GST_FLOW_OK;
  }
  self->header_checked = TRUE;
  if (status != VP8_STATUS_OK)
    return post_corrupt_error (self, status, "reading the headers");
  return check_pixels (self, &features);
}

/* The RIFF size says how large the image is before its bytes are kept: a
 * larger one than max-input-bytes is refused and its bytes skipped, and
 * the image after it goes on. */
static GstFlowReturn
refuse_oversized (GstImgWebpDec *self, guint64 total)
{
  guint64 limit;
  gchar *limit_str;

  GST_OBJECT_LOCK (self);
  limit = self->max_input_bytes;
  GST_OBJECT_UNLOCK (self);
  if (limit == 0 || total <= limit)
    return GST_FLOW_OK;

  limit_str = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The WebP image is larger than the %s bytes allowed."), limit_str),
      ("RIFF size says %" G_GUINT64_FORMAT " bytes; raise the "
       "max-input-bytes property to accept it",
          total));
  g_free (limit_str);
  self->skip_bytes = total;
  return GST_FLOW_ERROR;
}

static void
skip_refused_bytes (GstImgWebpDec *self, GstAdapter *adapter)
{
  gsize n = MIN (gst_adapter_available (adapter), self->skip_bytes);

  gst_adapter_flush (adapter, n);
  self->skip_bytes -= n;
}

/* Drops what follows an image up to the next "RIFF" (a stream of files
 * goes on there), or all of it at the end of the stream: padding or data
 * appended after the RIFF chunk, which the RIFF size leaves out. */
static GstFlowReturn
skip_trailing_bytes (GstImgWebpDec *self, GstAdapter *adapter, gboolean at_eos)
{
  gsize avail = gst_adapter_available (adapter);
  gssize next_riff;
  gsize skip;

  /* from 1: a "RIFF" at 0 without "WEBP" after it is not a file */
  next_riff = avail > 1 ? gst_adapter_masked_scan_uint32 (adapter, 0xffffffff,
                              0x52494646 /* "RIFF" */, 1, avail - 1) :
                          -1;
  if (next_riff > 0)
    skip = next_riff;
  else if (at_eos)
    skip = avail;
  else /* "RIF" may end this buffer */
    skip = avail > 3 ? avail - 3 : 0;

  if (skip == 0)
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  GST_DEBUG_OBJECT (self, "skipping %" G_GSIZE_FORMAT " trailing bytes", skip);
  gst_adapter_flush (adapter, skip);
  return next_riff > 0 ? GST_FLOW_OK : GST_VIDEO_DECODER_FLOW_NEED_DATA;
}

/* Collects one whole RIFF file from the adapter into the frame. */
static GstFlowReturn
gst_img_webp_dec_collect_image (GstImgWebpDec *self, GstAdapter *adapter,
    gboolean at_eos)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  gsize avail = gst_adapter_available (adapter);
  guint8 header[RIFF_HEADER_SIZE];
  guint64 riff_size, total;
  GstFlowReturn ret;

  if (avail < RIFF_HEADER_SIZE) {
    if (at_eos && self->framed_image)
      return skip_trailing_bytes (self, adapter, at_eos);
    if (at_eos)
      return post_truncated_error (self, avail, RIFF_HEADER_SIZE);
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  }

  gst_adapter_copy (adapter, header, 0, RIFF_HEADER_SIZE);
  if (memcmp (header, "RIFF", 4) != 0 || memcmp (header + 8, "WEBP", 4) != 0) {
    if (self->framed_image)
      return skip_trailing_bytes (self, adapter, at_eos);
    return post_not_webp_error (self, header);
  }

  riff_size = gst_imgcompress_read_uint32_le (header + 4);
  /* "WEBP" and at least one chunk header */
  if (riff_size < 4 + CHUNK_HEADER_SIZE)
    return post_bad_riff_size_error (self, riff_size, "too small for a chunk");
  total = riff_size + CHUNK_HEADER_SIZE;
  if (total > G_MAXINT)
    return post_bad_riff_size_error (self, riff_size,
        "larger than this element handles");
  if (refuse_oversized (self, total) != GST_FLOW_OK)
    return GST_FLOW_ERROR;

  if (!self->header_checked) {
    ret = gst_img_webp_dec_probe_header (self, adapter, avail, total);
    if (ret != GST_FLOW_OK)
      return ret;
  }

  if (avail < total) {
    if (at_eos)
      return post_truncated_error (self, avail, total);
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  }

  gst_video_decoder_add_to_frame (decoder, (gint) total);
  gst_img_webp_dec_reset_parse (self);
  self->framed_image = TRUE;
  return gst_video_decoder_have_frame (decoder);
}

static GstFlowReturn
gst_img_webp_dec_parse (GstVideoDecoder *decoder, GstVideoCodecFrame *frame,
    GstAdapter *adapter, gboolean at_eos)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);
  GstFlowReturn ret;

  if (self->skip_bytes > 0) {
    skip_refused_bytes (self, adapter);
    if (self->skip_bytes > 0 || gst_adapter_available (adapter) == 0)
      return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  }
  if (self->failed) {
    gst_adapter_clear (adapter);
    return GST_FLOW_ERROR;
  }
  if (gst_adapter_available (adapter) > 0)
    self->saw_data = TRUE;

  ret = gst_img_webp_dec_collect_image (self, adapter, at_eos);
  if (ret == GST_FLOW_ERROR && self->skip_bytes > 0)
    skip_refused_bytes (self, adapter);
  else if (ret == GST_FLOW_ERROR)
    self->failed = TRUE;
  return ret;
}

/* Output formats in order of preference for the kind of image. */
static GstVideoFormat
pick_output_format (GstImgWebpDec *self, const WebPBitstreamFeatures *f)
{
#define N_OUTPUT_FORMATS 3
  static const GstVideoFormat lossy[N_OUTPUT_FORMATS] = { GST_VIDEO_FORMAT_I420,
    GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_RGB };
  static const GstVideoFormat lossless[N_OUTPUT_FORMATS] = {
    GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_I420
  };
  const GstVideoFormat *prefs = f->format == 2 ? lossless : lossy;
  GstCaps *allowed;
  GstVideoFormat chosen = prefs[0];
  guint i;

  if (f->has_alpha)
    return GST_VIDEO_FORMAT_RGBA;

  allowed = gst_pad_get_allowed_caps (GST_VIDEO_DECODER_SRC_PAD (self));
  if (allowed == NULL)
    return chosen;

  for (i = 0; i < N_OUTPUT_FORMATS; i++) {
    GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
        gst_video_format_to_string (prefs[i]), NULL);
    gboolean ok = gst_caps_can_intersect (caps, allowed);

    gst_caps_unref (caps);
    if (ok) {
      chosen = prefs[i];
      break;
    }
  }
  gst_caps_unref (allowed);
  return chosen;
}

/* The decode size: the smallest n/8 of the image that is at least twice
 * its size fitted in the box from max-dimension or, when that is 0, from the
 * size-hint query (see the element documentation for why eighths). */
static void
pick_output_size (GstImgWebpDec *self, guint width, guint height,
    guint *out_width, guint *out_height)
{
  guint max_dimension, box_w, box_h, n;

  GST_OBJECT_LOCK (self);
  max_dimension = self->max_dimension;
  GST_OBJECT_UNLOCK (self);

  gst_imgcompress_pad_get_decode_box (GST_VIDEO_DECODER_SRC_PAD (self),
      max_dimension, &box_w, &box_h);

  n = gst_imgcompress_pick_scale_eighths (width, height, box_w, box_h);
  *out_width = gst_imgcompress_scaled_dimension (width, n, 8);
  *out_height = gst_imgcompress_scaled_dimension (height, n, 8);
  GST_DEBUG_OBJECT (self, "%ux%u into box %ux%u: decode at %u/8, %ux%u", width,
      height, box_w, box_h, n, *out_width, *out_height);
}

/* Sets new output caps when the format or size differs from the current
 * ones (a new image mid-stream). */
static gboolean
gst_img_webp_dec_update_output (GstImgWebpDec *self, GstVideoFormat format,
    guint width, guint height)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  GstVideoCodecState *state;
  gboolean same = FALSE;

  state = gst_video_decoder_get_output_state (decoder);
  if (state != NULL) {
    same = GST_VIDEO_INFO_FORMAT (&state->info) == format &&
        GST_VIDEO_INFO_WIDTH (&state->info) == (gint) width &&
        GST_VIDEO_INFO_HEIGHT (&state->info) == (gint) height;
    gst_video_codec_state_unref (state);
  }
  if (same)
    return TRUE;

  state = gst_video_decoder_set_output_state (decoder, format, width, height,
      self->input_state);
  if (state == NULL)
    return FALSE;
  if (format == GST_VIDEO_FORMAT_I420) {
    /* libwebp's YUV is limited-range BT.601 with centred chroma, whatever
     * the size (GstVideoInfo would guess BT.709 above 576 lines). */
    state->info.colorimetry.range = GST_VIDEO_COLOR_RANGE_16_235;
    state->info.colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT601;
    state->info.colorimetry.transfer = GST_VIDEO_TRANSFER_UNKNOWN;
    state->info.colorimetry.primaries = GST_VIDEO_COLOR_PRIMARIES_UNKNOWN;
    state->info.chroma_site = GST_VIDEO_CHROMA_SITE_JPEG;
  } else {
    /* the colorimetry of the (caps-less) input would leave the matrix
     * unknown, which RGB caps cannot carry */
    gst_video_colorimetry_from_string (&state->info.colorimetry,
        GST_VIDEO_COLORIMETRY_SRGB);
  }
  gst_video_codec_state_unref (state);
  return gst_video_decoder_negotiate (decoder);
}

static GstFlowReturn
post_not_negotiated (GstImgWebpDec *self, GstVideoFormat format, guint width,
    guint height)
{
  GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
      ("could not negotiate %s %ux%u downstream",
          gst_video_format_to_string (format), width, height));
  return GST_FLOW_NOT_NEGOTIATED;
}

/* Allocates the output frame and points libwebp's output at it. */
static GstFlowReturn
prepare_output (GstImgWebpDec *self, GstVideoCodecFrame *frame,
    GstVideoFormat format, GstVideoFrame *vframe, WebPDecBuffer *output)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  GstVideoCodecState *state;
  GstFlowReturn ret;
  gboolean mapped;

  ret = gst_video_decoder_allocate_output_frame (decoder, frame);
  if (ret != GST_FLOW_OK)
    return ret;

  state = gst_video_decoder_get_output_state (decoder);
  mapped = gst_video_frame_map (vframe, &state->info, frame->output_buffer,
      GST_MAP_WRITE);
  gst_video_codec_state_unref (state);
  if (!mapped) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, (NULL),
        ("could not map the output frame"));
    return GST_FLOW_ERROR;
  }

  output->is_external_memory = 1;
  if (format == GST_VIDEO_FORMAT_I420) {
    WebPYUVABuffer *yuv = &output->u.YUVA;

    output->colorspace = MODE_YUV;
    yuv->y = GST_VIDEO_FRAME_COMP_DATA (vframe, 0);
    yuv->u = GST_VIDEO_FRAME_COMP_DATA (vframe, 1);
    yuv->v = GST_VIDEO_FRAME_COMP_DATA (vframe, 2);
    yuv->y_stride = GST_VIDEO_FRAME_COMP_STRIDE (vframe, 0);
    yuv->u_stride = GST_VIDEO_FRAME_COMP_STRIDE (vframe, 1);
    yuv->v_stride = GST_VIDEO_FRAME_COMP_STRIDE (vframe, 2);
    yuv->y_size =
        (gsize) yuv->y_stride * GST_VIDEO_FRAME_COMP_HEIGHT (vframe, 0);
    yuv->u_size =
        (gsize) yuv->u_stride * GST_VIDEO_FRAME_COMP_HEIGHT (vframe, 1);
    yuv->v_size =
        (gsize) yuv->v_stride * GST_VIDEO_FRAME_COMP_HEIGHT (vframe, 2);
  } else {
    WebPRGBABuffer *rgba = &output->u.RGBA;

    output->colorspace = format == GST_VIDEO_FORMAT_RGBA ? MODE_RGBA : MODE_RGB;
    rgba->rgba = GST_VIDEO_FRAME_PLANE_DATA (vframe, 0);
    rgba->stride = GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0);
    rgba->size = (gsize) rgba->stride * GST_VIDEO_FRAME_HEIGHT (vframe);
  }
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_img_webp_dec_decode_still (GstImgWebpDec *self, GstVideoCodecFrame *frame,
    const guint8 *data, gsize size, WebPDecoderConfig *config)
{
  const WebPBitstreamFeatures *f = &config->input;
  GstVideoFormat format = pick_output_format (self, f);
  GstVideoFrame vframe;
  guint out_w, out_h;
  gsize frame_bytes;
  VP8StatusCode status;
  GstFlowReturn ret;

  pick_output_size (self, f->width, f->height, &out_w, &out_h);
  if (!gst_imgcompress_frame_bytes (out_w, out_h, 4, &frame_bytes)) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The WebP image has more pixels than allowed.")),
        ("%ux%u frame size overflows", out_w, out_h));
    return GST_FLOW_ERROR;
  }
  if (!gst_img_webp_dec_update_output (self, format, out_w, out_h))
    return post_not_negotiated (self, format, out_w, out_h);

  ret = prepare_output (self, frame, format, &vframe, &config->output);
  if (ret != GST_FLOW_OK)
    return ret;

  if (out_w != (guint) f->width || out_h != (guint) f->height) {
    config->options.use_scaling = 1;
    config->options.scaled_width = out_w;
    config->options.scaled_height = out_h;
  }

  status = WebPDecode (data, size, config);
  gst_video_frame_unmap (&vframe);
  WebPFreeDecBuffer (&config->output);

  if (status == VP8_STATUS_NOT_ENOUGH_DATA) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The WebP file is truncated.")),
        ("the image data ends early (%" G_GSIZE_FORMAT " bytes)", size));
    return GST_FLOW_ERROR;
  }
  if (status != VP8_STATUS_OK)
    return post_corrupt_error (self, status, "decoding");
  return GST_FLOW_OK;
}

/* Where a frame at @offset of @length on a canvas of @canvas pixels lands
 * on that canvas scaled to @scaled pixels: rounded to the nearest pixel,
 * at least one pixel wide, inside the scaled canvas. */
static void
scale_frame_span (guint offset, guint length, guint canvas, guint scaled,
    guint *scaled_offset, guint *scaled_length)
{
  guint64 start = ((guint64) offset * scaled + canvas / 2) / canvas;
  guint64 end = ((guint64) (offset + length) * scaled + canvas / 2) / canvas;

  start = MIN (start, scaled - 1);
  end = CLAMP (end, start + 1, scaled);
  *scaled_offset = start;
  *scaled_length = end - start;
}

/* Points libwebp's RGBA output, set up for the whole frame, at the
 * @width x @height rectangle at (@x, @y) of it. */
static void
narrow_rgba_output (WebPDecBuffer *output, guint x, guint y, guint width,
    guint height)
{
  WebPRGBABuffer *rgba = &output->u.RGBA;

  rgba->rgba += (gsize) y * rgba->stride + (gsize) x * 4;
  rgba->size = (gsize) rgba->stride * (height - 1) + (gsize) width * 4;
}

static void
clear_frame (GstVideoFrame *vframe)
{
  memset (GST_VIDEO_FRAME_PLANE_DATA (vframe, 0), 0,
      (gsize) GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0) *
          GST_VIDEO_FRAME_HEIGHT (vframe));
}

static void
post_animation_warning (GstImgWebpDec *self, guint n_frames, guint canvas_w,
    guint canvas_h)
{
  GST_ELEMENT_WARNING (self, STREAM, DECODE,
      (_ ("Animated WebP: only the first of its %u frames is used."), n_frames),
      ("%u frames on a %ux%u canvas", n_frames, canvas_w, canvas_h));
}

/* The first frame of an animation, on its canvas, scaled as a still image
 * is.  Nothing lies beneath a first frame to blend with: the canvas is
 * transparent black where the frame does not cover it and the frame's own
 * pixels where it does, as libwebp's WebPAnimDecoder (and so Pillow) make
 * it.  Decoding the frame straight into the output costs one canvas at the
 * decode scale, where WebPAnimDecoder keeps two full-size canvases of its
 * own besides the copy. */
static GstFlowReturn
gst_img_webp_dec_decode_first_frame (GstImgWebpDec *self,
    GstVideoCodecFrame *frame, WebPDemuxer *demux, WebPDecoderConfig *config)
{
  guint canvas_w = WebPDemuxGetI (demux, WEBP_FF_CANVAS_WIDTH);
  guint canvas_h = WebPDemuxGetI (demux, WEBP_FF_CANVAS_HEIGHT);
  guint out_w, out_h, x, y, w, h;
  GstVideoFrame vframe;
  WebPIterator iter;
  VP8StatusCode status;
  GstFlowReturn ret;

  if (!WebPDemuxGetFrame (demux, 1, &iter))
    return post_corrupt_error (self, VP8_STATUS_BITSTREAM_ERROR,
        "reading the first animation frame");

  pick_output_size (self, canvas_w, canvas_h, &out_w, &out_h);
  scale_frame_span (iter.x_offset, iter.width, canvas_w, out_w, &x, &w);
  scale_frame_span (iter.y_offset, iter.height, canvas_h, out_h, &y, &h);
  GST_DEBUG_OBJECT (self, "first frame %dx%d at %d,%d: %ux%u at %u,%u",
      iter.width, iter.height, iter.x_offset, iter.y_offset, w, h, x, y);

  if (!gst_img_webp_dec_update_output (self, GST_VIDEO_FORMAT_RGBA, out_w,
          out_h)) {
    WebPDemuxReleaseIterator (&iter);
    return post_not_negotiated (self, GST_VIDEO_FORMAT_RGBA, out_w, out_h);
  }
  ret = prepare_output (self, frame, GST_VIDEO_FORMAT_RGBA, &vframe,
      &config->output);
  if (ret != GST_FLOW_OK) {
    WebPDemuxReleaseIterator (&iter);
    return ret;
  }
  clear_frame (&vframe);
  narrow_rgba_output (&config->output, x, y, w, h);
  if (w != (guint) iter.width || h != (guint) iter.height) {
    config->options.use_scaling = 1;
    config->options.scaled_width = w;
    config->options.scaled_height = h;
  }

  status = WebPDecode (iter.fragment.bytes, iter.fragment.size, config);
  gst_video_frame_unmap (&vframe);
  WebPFreeDecBuffer (&config->output);
  WebPDemuxReleaseIterator (&iter);
  if (status != VP8_STATUS_OK)
    return post_corrupt_error (self, status, "decoding the first frame");
  post_animation_warning (self, WebPDemuxGetI (demux, WEBP_FF_FRAME_COUNT),
      canvas_w, canvas_h);
  return GST_FLOW_OK;
}

/* The EXIF orientation of an extended file's EXIF chunk, which holds the
 * TIFF structure (some writers put JPEG's "Exif\0\0" before it). */
static guint
exif_orientation (WebPDemuxer *demux)
{
  WebPChunkIterator chunk;
  guint orientation = GST_IMGCOMPRESS_EXIF_ORIENTATION_NONE;

  if (demux == NULL || !WebPDemuxGetChunk (demux, "EXIF", 1, &chunk))
    return orientation;
  orientation = gst_imgcompress_exif_parse_orientation (chunk.chunk.bytes,
      chunk.chunk.size);
  WebPDemuxReleaseChunkIterator (&chunk);
  return orientation;
}

/* The ICCP chunk's profile, checked (a damaged one gets a warning). */
static GstSample *
read_colour_profile (GstImgWebpDec *self, const guint8 *data, gsize size)
{
  const gchar *problem;
  GBytes *icc = gst_imgcompress_icc_from_webp (data, size, &problem);
  GstSample *sample = gst_imgcompress_icc_sample_new (GST_ELEMENT (self),
      GST_VIDEO_DECODER_SINK_PAD (self), icc, problem, "ICCP");

  if (icc != NULL)
    g_bytes_unref (icc);
  return sample;
}

/* Tells downstream how to display the image (imgsizer applies it) and its
 * colour profile; an image without them after one with them resets the
 * tags. */
/* The artist and copyright of the EXIF and XMP chunks. */
static GstTagList *
add_copyright (GstImgWebpDec *self, GstTagList *tags, WebPDemuxer *demux)
{
  WebPChunkIterator exif, xmp;
  gboolean has_exif = demux && WebPDemuxGetChunk (demux, "EXIF", 1, &exif);
  gboolean has_xmp = demux && WebPDemuxGetChunk (demux, "XMP ", 1, &xmp);
  const guint8 *tiff = has_exif ? exif.chunk.bytes : NULL;
  gsize tiff_size = has_exif ? exif.chunk.size : 0;

  /* some writers put JPEG's "Exif\0\0" before the TIFF structure */
  if (tiff_size >= 6 && memcmp (tiff, "Exif\0\0", 6) == 0) {
    tiff += 6;
    tiff_size -= 6;
  }
  tags = gst_imgcompress_copyright_tags_add (tags, tiff, tiff_size,
      has_xmp ? xmp.chunk.bytes : NULL, has_xmp ? xmp.chunk.size : 0,
      &self->copyright_posted);
  if (has_exif)
    WebPDemuxReleaseChunkIterator (&exif);
  if (has_xmp)
    WebPDemuxReleaseChunkIterator (&xmp);
  return tags;
}

static void
post_tags (GstImgWebpDec *self, WebPDemuxer *demux, GstSample *colour)
{
  GstTagList *tags =
      gst_imgcompress_exif_orientation_tags (exif_orientation (demux),
          &self->orientation_posted);

  tags = gst_imgcompress_colour_tags_add (tags, colour, &self->colour_posted);
  tags = add_copyright (self, tags, demux);
  if (tags == NULL)
    return;
  GST_DEBUG_OBJECT (self, "tags %" GST_PTR_FORMAT, tags);
  gst_video_decoder_merge_tags (GST_VIDEO_DECODER (self), tags,
      GST_TAG_MERGE_REPLACE);
  gst_tag_list_unref (tags);
}

static GstFlowReturn
gst_img_webp_dec_handle_frame (GstVideoDecoder *decoder,
    GstVideoCodecFrame *frame)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);
  WebPDecoderConfig config;
  WebPDemuxer *demux;
  WebPData webp_data;
  GstMapInfo map;
  VP8StatusCode status;
  GstFlowReturn ret;
  GstSample *colour;

  if (!gst_buffer_map (frame->input_buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
        ("could not map the input buffer"));
    gst_video_decoder_release_frame (decoder, frame);
    return GST_FLOW_ERROR;
  }
  webp_data.bytes = map.data;
  webp_data.size = map.size;

  if (!WebPInitDecoderConfig (&config)) {
    ret = post_corrupt_error (self, VP8_STATUS_INVALID_PARAM,
        "libwebp version mismatch");
    goto done;
  }

  ret = check_chunk_layout (self, map.data, map.size, map.size);
  if (ret != GST_FLOW_OK)
    goto done;

  status = WebPGetFeatures (map.data, map.size, &config.input);
  if (status != VP8_STATUS_OK) {
    ret = post_corrupt_error (self, status, "reading the headers");
    goto done;
  }
  ret = check_pixels (self, &config.input);
  if (ret != GST_FLOW_OK)
    goto done;

  GST_DEBUG_OBJECT (self, "%dx%d, alpha %d, animation %d, format %d",
      config.input.width, config.input.height, config.input.has_alpha,
      config.input.has_animation, config.input.format);

  /* The demuxer indexes the chunks (no pixel data): the EXIF chunk and the
   * animation's frames.  A still image it refuses is left to WebPDecode,
   * which names the fault. */
  demux = WebPDemux (&webp_data);
  colour = read_colour_profile (self, map.data, map.size);
  post_tags (self, demux, colour);
  if (colour != NULL)
    gst_sample_unref (colour);

  if (config.input.has_animation) {
    if (demux == NULL)
      ret = post_corrupt_error (self, VP8_STATUS_BITSTREAM_ERROR,
          "reading the animation");
    else
      ret = gst_img_webp_dec_decode_first_frame (self, frame, demux, &config);
  } else {
    ret = gst_img_webp_dec_decode_still (self, frame, map.data, map.size,
        &config);
  }
  WebPDemuxDelete (demux);

done:
  gst_buffer_unmap (frame->input_buffer, &map);
  if (ret == GST_FLOW_ERROR)
    self->failed = TRUE;
  if (ret != GST_FLOW_OK) {
    gst_video_decoder_release_frame (decoder, frame);
    return ret;
  }
  return gst_video_decoder_finish_frame (decoder, frame);
}

static GstFlowReturn
gst_img_webp_dec_finish (GstVideoDecoder *decoder)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);

  if (self->failed)
    return GST_FLOW_ERROR;
  /* stock webpdec ends an empty file silently; here it is an error */
  if (!self->saw_data) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE, (_ ("The WebP input is empty.")),
        ("end of stream before any data"));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

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
 * turns the image upright from it.  The ICC profile of the ICCP chunk is
 * posted as the `imgcompress-colour-profile` tag (`source` `ICCP`, checked:
 * a damaged one gets a warning), the artist and copyright of the EXIF and
 * XMP chunks as %GST_TAG_ARTIST and %GST_TAG_COPYRIGHT.
 *
 * Shrink on load: when #GstImgcompressImageDecoder:max-dimension is set, or
 * else when downstream answers the `imgcompress-size-hint` query, libwebp's
 * scaled decode outputs the smallest n/8 of the image (n = 1..8) that is still
 * at least twice the image fitted into that box, the same rule turbojpegdec
 * uses, so the last reduction is done by a real filter (imgsizer's Lanczos)
 * downstream and a JPEG and a WebP of the same photo arrive there at the
 * same size.
 *
 * Before any pixel buffer is allocated the image's dimensions (of an
 * extended file: its canvas, which holds every frame) are checked against
 * #GstImgcompressImageDecoder:max-pixels (behind adaptivequality, the
 * dimensions its caps carry, read once from the header upstream).  A stream
 * that is empty, not WebP, truncated, has a wrong RIFF size or corrupt data
 * ends in an error message; no buffer is output for it.
 *
 * The properties and behaviour every image decoder shares (limits, shrink
 * on load, tags, errors) are those of the #GstImgcompressImageDecoder base
 * class.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.webp ! imgwebpdec max-dimension=500 ! \
 *     videoconvert ! pngenc ! filesink location=decoded.png
 * ]| Decodes photo.webp to no smaller than twice a 500x500 box and writes
 * what came out to decoded.png (no display needed).
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

/* "RIFF", size, "WEBP" */
#define RIFF_HEADER_SIZE 12
#define CHUNK_HEADER_SIZE 8
/* The headers WebPGetFeatures needs sit near the start; look no further
 * than this before the whole image has arrived (metadata chunks may push
 * them later; the full check runs on the complete image anyway). */
#define HEADER_PROBE_MAX 65536

struct _GstImgWebpDec
{
  GstImgcompressImageDecoder parent;

  /* parse() state for the image being assembled */
  gboolean header_checked;
  /* an image was framed: bytes after it that open no RIFF file are
   * trailing bytes, not a bad image */
  gboolean framed_image;
  /* bytes of a refused image still to be skipped */
  guint64 skip_bytes;
};

/* What read_header keeps for decode: libwebp's view of the image and the
 * demuxer's index of its chunks. */
typedef struct
{
  WebPDecoderConfig config;
  WebPDemuxer *demux;
} WebpImage;

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/webp"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ I420, RGBA, RGB }")));

#define gst_img_webp_dec_parent_class parent_class
G_DEFINE_TYPE (GstImgWebpDec, gst_img_webp_dec,
    GST_TYPE_IMGCOMPRESS_IMAGE_DECODER);
GST_ELEMENT_REGISTER_DEFINE (imgwebpdec, "imgwebpdec", GST_RANK_NONE,
    GST_TYPE_IMG_WEBP_DEC);

static gboolean gst_img_webp_dec_start (GstVideoDecoder *decoder);
static void gst_img_webp_dec_reset_parse (GstImgWebpDec *self);
static gboolean gst_img_webp_dec_flush (GstVideoDecoder *decoder);
static GstFlowReturn gst_img_webp_dec_parse (GstVideoDecoder *decoder,
    GstVideoCodecFrame *frame, GstAdapter *adapter, gboolean at_eos);
static GstFlowReturn gst_img_webp_dec_read_header (GstImgcompressImageDecoder
                                                       *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header);
static GstFlowReturn gst_img_webp_dec_decode (GstImgcompressImageDecoder
                                                  *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe);

static void
gst_img_webp_dec_class_init (GstImgWebpDecClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);
  GstImgcompressImageDecoderClass *image_class =
      GST_IMGCOMPRESS_IMAGE_DECODER_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "WebP image decoder",
      "Codec/Decoder/Image",
      "Decodes WebP images with libwebp, shrinking on load",
      "gst-imgcompress authors");

  vdec_class->start = GST_DEBUG_FUNCPTR (gst_img_webp_dec_start);
  vdec_class->flush = GST_DEBUG_FUNCPTR (gst_img_webp_dec_flush);
  vdec_class->parse = GST_DEBUG_FUNCPTR (gst_img_webp_dec_parse);

  image_class->format_name = "WebP";
  image_class->read_header = GST_DEBUG_FUNCPTR (gst_img_webp_dec_read_header);
  image_class->decode = GST_DEBUG_FUNCPTR (gst_img_webp_dec_decode);

  GST_DEBUG_CATEGORY_INIT (gst_img_webp_dec_debug, "imgwebpdec", 0,
      "WebP image decoder");
}

static void
gst_img_webp_dec_init (GstImgWebpDec *self)
{
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
  self->framed_image = FALSE;
  return GST_VIDEO_DECODER_CLASS (parent_class)->start (decoder);
}

static gboolean
gst_img_webp_dec_flush (GstVideoDecoder *decoder)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);

  gst_img_webp_dec_reset_parse (self);
  self->framed_image = FALSE;
  return GST_VIDEO_DECODER_CLASS (parent_class)->flush (decoder);
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
  gst_imgcompress_image_decoder_fail (GST_IMGCOMPRESS_IMAGE_DECODER (self));
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
  gst_imgcompress_image_decoder_fail (GST_IMGCOMPRESS_IMAGE_DECODER (self));
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
  gst_imgcompress_image_decoder_fail (GST_IMGCOMPRESS_IMAGE_DECODER (self));
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The WebP file's RIFF size field is invalid.")),
      ("RIFF size %" G_GUINT64_FORMAT ": %s", riff_size, why));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
post_corrupt_error (GstImgWebpDec *self, VP8StatusCode status,
    const gchar *where)
{
  gst_imgcompress_image_decoder_fail (GST_IMGCOMPRESS_IMAGE_DECODER (self));
  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The WebP image data is corrupt.")),
      ("%s: %s", where, status_to_string (status)));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
check_pixels (GstImgWebpDec *self, const WebPBitstreamFeatures *features)
{
  if (features->width <= 0 || features->height <= 0) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The WebP image data is corrupt.")),
        ("dimensions %dx%d", features->width, features->height));
    return GST_FLOW_ERROR;
  }
  if (!gst_imgcompress_image_decoder_check_size (
          GST_IMGCOMPRESS_IMAGE_DECODER (self), features->width,
          features->height))
    return GST_FLOW_ERROR;
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
  if (gst_imgcompress_image_decoder_check_input_bytes (
          GST_IMGCOMPRESS_IMAGE_DECODER (self), total, "the RIFF size"))
    return GST_FLOW_OK;
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

/* Behind adaptivequality the caps say the image's size, read from its
 * header upstream: it is checked from them, and the header is read once,
 * in handle_frame.  Else the first bytes are probed. */
static GstFlowReturn
check_header_early (GstImgWebpDec *self, GstAdapter *adapter, gsize avail,
    guint64 total)
{
  GstImgcompressImageDecoder *base = GST_IMGCOMPRESS_IMAGE_DECODER (self);
  guint width, height;

  if (!gst_imgcompress_image_decoder_get_caps_size (base, &width, &height))
    return gst_img_webp_dec_probe_header (self, adapter, avail, total);
  self->header_checked = TRUE;
  if (!gst_imgcompress_image_decoder_check_size (base, width, height))
    return GST_FLOW_ERROR;
  return GST_FLOW_OK;
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
    ret = check_header_early (self, adapter, avail, total);
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
  GstImgcompressImageDecoder *base = GST_IMGCOMPRESS_IMAGE_DECODER (decoder);
  GstFlowReturn ret;

  if (self->skip_bytes > 0) {
    skip_refused_bytes (self, adapter);
    if (self->skip_bytes > 0 || gst_adapter_available (adapter) == 0)
      return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  }
  if (gst_imgcompress_image_decoder_has_failed (base)) {
    gst_adapter_clear (adapter);
    return GST_FLOW_ERROR;
  }
  if (gst_adapter_available (adapter) > 0)
    gst_imgcompress_image_decoder_saw_data (base);

  ret = gst_img_webp_dec_collect_image (self, adapter, at_eos);
  if (ret == GST_FLOW_ERROR && self->skip_bytes > 0)
    skip_refused_bytes (self, adapter);
  else if (ret == GST_FLOW_ERROR)
    gst_imgcompress_image_decoder_fail (base);
  return ret;
}

/* Output formats in order of preference for the kind of image. */
static void
list_output_formats (const WebPBitstreamFeatures *f,
    GstImgcompressImageHeader *header)
{
#define N_OUTPUT_FORMATS 3
  static const GstVideoFormat lossy[N_OUTPUT_FORMATS] = { GST_VIDEO_FORMAT_I420,
    GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_RGB };
  static const GstVideoFormat lossless[N_OUTPUT_FORMATS] = {
    GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_RGBA, GST_VIDEO_FORMAT_I420
  };
  const GstVideoFormat *prefs = f->format == 2 ? lossless : lossy;
  guint i;

  /* an animation's first frame lands on its canvas, transparent around */
  if (f->has_alpha || f->has_animation) {
    header->formats[0] = GST_VIDEO_FORMAT_RGBA;
    return;
  }
  for (i = 0; i < N_OUTPUT_FORMATS; i++)
    header->formats[i] = prefs[i];
}

/* Points libwebp's output at the output frame. */
static void
prepare_output (GstVideoFrame *vframe, WebPDecBuffer *output)
{
  GstVideoFormat format = GST_VIDEO_FRAME_FORMAT (vframe);

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
}

static GstFlowReturn
gst_img_webp_dec_decode_still (GstImgWebpDec *self, GstVideoFrame *vframe,
    const guint8 *data, gsize size, WebPDecoderConfig *config)
{
  const WebPBitstreamFeatures *f = &config->input;
  guint out_w = GST_VIDEO_FRAME_WIDTH (vframe);
  guint out_h = GST_VIDEO_FRAME_HEIGHT (vframe);
  VP8StatusCode status;

  prepare_output (vframe, &config->output);
  if (out_w != (guint) f->width || out_h != (guint) f->height) {
    config->options.use_scaling = 1;
    config->options.scaled_width = out_w;
    config->options.scaled_height = out_h;
  }

  status = WebPDecode (data, size, config);
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
gst_img_webp_dec_decode_first_frame (GstImgWebpDec *self, GstVideoFrame *vframe,
    WebPDemuxer *demux, WebPDecoderConfig *config)
{
  guint canvas_w = WebPDemuxGetI (demux, WEBP_FF_CANVAS_WIDTH);
  guint canvas_h = WebPDemuxGetI (demux, WEBP_FF_CANVAS_HEIGHT);
  guint out_w = GST_VIDEO_FRAME_WIDTH (vframe);
  guint out_h = GST_VIDEO_FRAME_HEIGHT (vframe);
  guint x, y, w, h;
  WebPIterator iter;
  VP8StatusCode status;

  if (!WebPDemuxGetFrame (demux, 1, &iter))
    return post_corrupt_error (self, VP8_STATUS_BITSTREAM_ERROR,
        "reading the first animation frame");

  scale_frame_span (iter.x_offset, iter.width, canvas_w, out_w, &x, &w);
  scale_frame_span (iter.y_offset, iter.height, canvas_h, out_h, &y, &h);
  GST_DEBUG_OBJECT (self, "first frame %dx%d at %d,%d: %ux%u at %u,%u",
      iter.width, iter.height, iter.x_offset, iter.y_offset, w, h, x, y);

  prepare_output (vframe, &config->output);
  clear_frame (vframe);
  narrow_rgba_output (&config->output, x, y, w, h);
  if (w != (guint) iter.width || h != (guint) iter.height) {
    config->options.use_scaling = 1;
    config->options.scaled_width = w;
    config->options.scaled_height = h;
  }

  status = WebPDecode (iter.fragment.bytes, iter.fragment.size, config);
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

/* The ICCP chunk's profile, and the artist and copyright of the EXIF and
 * XMP chunks, for the base class to post. */
static void
read_metadata (GstImgcompressImageDecoder *decoder, WebPDemuxer *demux,
    const guint8 *data, gsize size)
{
  const gchar *problem;
  GBytes *icc = gst_imgcompress_icc_from_webp (data, size, &problem);
  WebPChunkIterator exif, xmp;
  gboolean has_exif = demux && WebPDemuxGetChunk (demux, "EXIF", 1, &exif);
  gboolean has_xmp = demux && WebPDemuxGetChunk (demux, "XMP ", 1, &xmp);
  const guint8 *tiff = has_exif ? exif.chunk.bytes : NULL;
  gsize tiff_size = has_exif ? exif.chunk.size : 0;

  if (icc != NULL || problem != NULL)
    gst_imgcompress_image_decoder_set_icc_profile_bytes (decoder, icc, problem,
        "ICCP", NULL);
  g_clear_pointer (&icc, g_bytes_unref);

  /* some writers put JPEG's "Exif\0\0" before the TIFF structure */
  if (tiff_size >= 6 && memcmp (tiff, "Exif\0\0", 6) == 0) {
    tiff += 6;
    tiff_size -= 6;
  }
  gst_imgcompress_image_decoder_add_copyright (decoder, tiff, tiff_size,
      has_xmp ? xmp.chunk.bytes : NULL, has_xmp ? xmp.chunk.size : 0);
  if (has_exif)
    WebPDemuxReleaseChunkIterator (&exif);
  if (has_xmp)
    WebPDemuxReleaseChunkIterator (&xmp);
}

static void
webp_image_free (gpointer data)
{
  WebpImage *image = data;

  WebPDemuxDelete (image->demux);
  g_free (image);
}

static GstFlowReturn
gst_img_webp_dec_read_header (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);
  WebpImage *image;
  WebPData webp_data = { data, size };
  VP8StatusCode status;
  GstFlowReturn ret;

  image = g_new0 (WebpImage, 1);
  header->decode_data = image;
  header->decode_data_free = webp_image_free;
  if (!WebPInitDecoderConfig (&image->config))
    return post_corrupt_error (self, VP8_STATUS_INVALID_PARAM,
        "libwebp version mismatch");

  ret = check_chunk_layout (self, data, size, size);
  if (ret != GST_FLOW_OK)
    return ret;

  status = WebPGetFeatures (data, size, &image->config.input);
  if (status != VP8_STATUS_OK)
    return post_corrupt_error (self, status, "reading the headers");
  ret = check_pixels (self, &image->config.input);
  if (ret != GST_FLOW_OK)
    return ret;

  GST_DEBUG_OBJECT (self, "%dx%d, alpha %d, animation %d, format %d",
      image->config.input.width, image->config.input.height,
      image->config.input.has_alpha, image->config.input.has_animation,
      image->config.input.format);

  /* The demuxer indexes the chunks (no pixel data): the EXIF chunk and the
   * animation's frames.  A still image it refuses is left to WebPDecode,
   * which names the fault. */
  image->demux = WebPDemux (&webp_data);
  if (image->config.input.has_animation && image->demux == NULL)
    return post_corrupt_error (self, VP8_STATUS_BITSTREAM_ERROR,
        "reading the animation");

  header->width = image->config.input.width;
  header->height = image->config.input.height;
  header->has_alpha = image->config.input.has_alpha;
  header->orientation = exif_orientation (image->demux);
  read_metadata (decoder, image->demux, data, size);
  header->scaling = GST_IMGCOMPRESS_IMAGE_SCALING_EIGHTHS;
  /* libwebp's YUV is limited-range BT.601 with centred chroma */
  header->yuv_range = GST_VIDEO_COLOR_RANGE_16_235;
  list_output_formats (&image->config.input, header);
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_img_webp_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  GstImgWebpDec *self = GST_IMG_WEBP_DEC (decoder);
  WebpImage *image = header->decode_data;

  if (image->config.input.has_animation)
    return gst_img_webp_dec_decode_first_frame (self, vframe, image->demux,
        &image->config);
  return gst_img_webp_dec_decode_still (self, vframe, data, size,
      &image->config);
}

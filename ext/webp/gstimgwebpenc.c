/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgwebpenc
 * @title: imgwebpenc
 * @short_description: encodes still images to WebP with libwebp
 *
 * Encodes each raw frame into one WebP image.  I420 frames are handed to
 * libwebp plane by plane, without a colour conversion; Y42B, Y444 and
 * GRAY8 frames get their chroma averaged down to 4:2:0 here; RGBA, BGRA,
 * RGB, BGRx and RGBx frames are converted by libwebp, keeping alpha.
 * WebP stores limited-range BT.601 YUV, so full-range YUV input (what JPEG
 * decoders output, colorimetry range 0-255) is scaled into that range.
 *
 * The quality comes from the `imgcompress-variant` event's webp-quality
 * capped by the `imgcompress-image` event's hint when they are present,
 * else from #GstImgWebpEnc:quality.  Every output buffer carries a
 * #GstImgcompressEncodeMeta with the quality used and the encode time.
 *
 * The defaults are libwebp's own, those of `cwebp -q N -m 4`: for the same
 * limited-range I420 planes the files are byte for byte what cwebp writes.
 * The "photo" preset saves bytes but loses luma SSIM at the same quality.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=1 ! video/x-raw,format=I420 ! \
 *     imgwebpenc quality=85 ! filesink location=test.webp
 * ]|
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgwebpenc.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <math.h>
#include <string.h>
#include <webp/encode.h>
#include <webp/mux.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_webp_enc_debug);
#define GST_CAT_DEFAULT gst_img_webp_enc_debug

#define DEFAULT_QUALITY 80.0f
#define DEFAULT_METHOD 4
#define DEFAULT_PRESET WEBP_PRESET_DEFAULT
#define DEFAULT_SHARP_YUV FALSE
#define DEFAULT_ALPHA_QUALITY 100
#define DEFAULT_LOSSLESS FALSE
#define DEFAULT_NEAR_LOSSLESS 100
#define DEFAULT_THREADS FALSE
#define DEFAULT_TARGET_SIZE 0

/* libwebp needs several passes to converge on a target size. */
#define TARGET_SIZE_PASSES 6

enum
{
  PROP_0,
  PROP_QUALITY,
  PROP_METHOD,
  PROP_PRESET,
  PROP_SHARP_YUV,
  PROP_ALPHA_QUALITY,
  PROP_LOSSLESS,
  PROP_NEAR_LOSSLESS,
  PROP_THREADS,
  PROP_TARGET_SIZE,
  PROP_EMBED_ICC,
  PROP_COPYRIGHT,
};

/* A copy of the properties, taken under the object lock once per frame. */
typedef struct
{
  gfloat quality;
  gint method;
  WebPPreset preset;
  gboolean sharp_yuv;
  gint alpha_quality;
  gboolean lossless;
  gint near_lossless;
  gboolean threads;
  gint target_size;
  gboolean embed_icc;
  gboolean copyright;
} EncodeSettings;

struct _GstImgWebpEnc
{
  GstVideoEncoder parent;

  GstVideoCodecState *input_state;
  /* full-range YUV input, scaled to WebP's limited range */
  gboolean full_range;

  EncodeSettings settings;
};

#define SINK_FORMATS "{ I420, Y42B, Y444, GRAY8, RGBA, BGRA, RGB, RGBx, BGRx }"

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("video/x-raw, format = (string) " SINK_FORMATS
                         ", width = (int) [ 1, 16383 ], height = (int) [ 1, "
                         "16383 ]"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("image/webp, width = (int) [ 1, 16383 ], "
                         "height = (int) [ 1, 16383 ]"));

#define gst_img_webp_enc_parent_class parent_class
G_DEFINE_TYPE (GstImgWebpEnc, gst_img_webp_enc, GST_TYPE_VIDEO_ENCODER);
GST_ELEMENT_REGISTER_DEFINE (imgwebpenc, "imgwebpenc", GST_RANK_NONE,
    GST_TYPE_IMG_WEBP_ENC);

static void gst_img_webp_enc_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec);
static void gst_img_webp_enc_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec);
static gboolean gst_img_webp_enc_stop (GstVideoEncoder *encoder);
static gboolean gst_img_webp_enc_set_format (GstVideoEncoder *encoder,
    GstVideoCodecState *state);
static gboolean gst_img_webp_enc_propose_allocation (GstVideoEncoder *encoder,
    GstQuery *query);
static GstFlowReturn gst_img_webp_enc_handle_frame (GstVideoEncoder *encoder,
    GstVideoCodecFrame *frame);

GType
gst_img_webp_enc_preset_get_type (void)
{
  static GType type = 0;
  /* Distinct type name from gst-plugins-bad's GstWebpEncPreset, so both
   * plugins can be loaded in one process. */
  static const GEnumValue values[] = {
    { WEBP_PRESET_DEFAULT, "libwebp's defaults (as cwebp)", "default" },
    { WEBP_PRESET_PICTURE, "Digital picture, indoor shot", "picture" },
    { WEBP_PRESET_PHOTO, "Outdoor photo, natural lighting", "photo" },
    { WEBP_PRESET_DRAWING, "Drawing with high-contrast details", "drawing" },
    { WEBP_PRESET_ICON, "Small colourful image", "icon" },
    { WEBP_PRESET_TEXT, "Text-like image", "text" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImgWebpEncPreset", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

static void
gst_img_webp_enc_class_init (GstImgWebpEncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoEncoderClass *venc_class = GST_VIDEO_ENCODER_CLASS (klass);

  gobject_class->set_property = gst_img_webp_enc_set_property;
  gobject_class->get_property = gst_img_webp_enc_get_property;

  g_object_class_install_property (gobject_class, PROP_QUALITY,
      g_param_spec_float ("quality", "Quality",
          "Quality 0 (smallest) to 100 (best) when no imgcompress-variant "
          "event sets one; for lossless, the effort (default 80)",
          0.0f, 100.0f, DEFAULT_QUALITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_int ("method", "Method",
          "libwebp method: 0 (fastest) to 6 (slowest, smallest) (default 4, "
          "as cwebp)",
          0, 6, DEFAULT_METHOD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PRESET,
      g_param_spec_enum ("preset", "Preset",
          "libwebp preset that tunes noise shaping and filtering (default "
          "'default', libwebp's and cwebp's settings; 'photo' saves bytes but "
          "loses luma SSIM at the same quality)",
          GST_TYPE_IMG_WEBP_ENC_PRESET, DEFAULT_PRESET,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SHARP_YUV,
      g_param_spec_boolean ("sharp-yuv", "Sharp YUV",
          "Sharper, slower RGB to YUV conversion for RGB input (default "
          "false)",
          DEFAULT_SHARP_YUV,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ALPHA_QUALITY,
      g_param_spec_int ("alpha-quality", "Alpha quality",
          "Quality of the alpha plane, 0 to 100 (100 is lossless) "
          "(default 100)",
          0, 100, DEFAULT_ALPHA_QUALITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LOSSLESS,
      g_param_spec_boolean ("lossless", "Lossless",
          "Encode losslessly (VP8L) (default false)", DEFAULT_LOSSLESS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_NEAR_LOSSLESS,
      g_param_spec_int ("near-lossless", "Near lossless",
          "With lossless: pre-processing level, 0 (most) to 100 (off) "
          "(default 100)",
          0, 100, DEFAULT_NEAR_LOSSLESS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_THREADS,
      g_param_spec_boolean ("threads", "Threads",
          "libwebp's thread_level: a second thread for one large image; "
          "leave off when the pipeline already runs branches in parallel "
          "(default false)",
          DEFAULT_THREADS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_TARGET_SIZE,
      g_param_spec_int ("target-size", "Target size",
          "Aim for this many bytes per image, overriding quality "
          "(lossy only; 0 = off) (default 0)",
          0, G_MAXINT, DEFAULT_TARGET_SIZE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  gst_imgcompress_metadata_install_properties (gobject_class, PROP_EMBED_ICC,
      PROP_COPYRIGHT);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "WebP image encoder",
      "Codec/Encoder/Image", "Encodes images to WebP with libwebp",
      "gst-imgcompress authors");

  venc_class->stop = GST_DEBUG_FUNCPTR (gst_img_webp_enc_stop);
  venc_class->set_format = GST_DEBUG_FUNCPTR (gst_img_webp_enc_set_format);
  venc_class->propose_allocation =
      GST_DEBUG_FUNCPTR (gst_img_webp_enc_propose_allocation);
  venc_class->handle_frame = GST_DEBUG_FUNCPTR (gst_img_webp_enc_handle_frame);

  GST_DEBUG_CATEGORY_INIT (gst_img_webp_enc_debug, "imgwebpenc", 0,
      "WebP image encoder");

  gst_type_mark_as_plugin_api (GST_TYPE_IMG_WEBP_ENC_PRESET, 0);
}

static void
gst_img_webp_enc_init (GstImgWebpEnc *self)
{
  self->settings.quality = DEFAULT_QUALITY;
  self->settings.method = DEFAULT_METHOD;
  self->settings.preset = DEFAULT_PRESET;
  self->settings.sharp_yuv = DEFAULT_SHARP_YUV;
  self->settings.alpha_quality = DEFAULT_ALPHA_QUALITY;
  self->settings.lossless = DEFAULT_LOSSLESS;
  self->settings.near_lossless = DEFAULT_NEAR_LOSSLESS;
  self->settings.threads = DEFAULT_THREADS;
  self->settings.target_size = DEFAULT_TARGET_SIZE;
}

static void
gst_img_webp_enc_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstImgWebpEnc *self = GST_IMG_WEBP_ENC (object);
  EncodeSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_QUALITY:
      s->quality = g_value_get_float (value);
      break;
    case PROP_METHOD:
      s->method = g_value_get_int (value);
      break;
    case PROP_PRESET:
      s->preset = g_value_get_enum (value);
      break;
    case PROP_SHARP_YUV:
      s->sharp_yuv = g_value_get_boolean (value);
      break;
    case PROP_ALPHA_QUALITY:
      s->alpha_quality = g_value_get_int (value);
      break;
    case PROP_LOSSLESS:
      s->lossless = g_value_get_boolean (value);
      break;
    case PROP_NEAR_LOSSLESS:
      s->near_lossless = g_value_get_int (value);
      break;
    case PROP_THREADS:
      s->threads = g_value_get_boolean (value);
      break;
    case PROP_TARGET_SIZE:
      s->target_size = g_value_get_int (value);
      break;
    case PROP_EMBED_ICC:
      s->embed_icc = g_value_get_boolean (value);
      break;
    case PROP_COPYRIGHT:
      s->copyright = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_img_webp_enc_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstImgWebpEnc *self = GST_IMG_WEBP_ENC (object);
  EncodeSettings *s = &self->settings;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_QUALITY:
      g_value_set_float (value, s->quality);
      break;
    case PROP_METHOD:
      g_value_set_int (value, s->method);
      break;
    case PROP_PRESET:
      g_value_set_enum (value, s->preset);
      break;
    case PROP_SHARP_YUV:
      g_value_set_boolean (value, s->sharp_yuv);
      break;
    case PROP_ALPHA_QUALITY:
      g_value_set_int (value, s->alpha_quality);
      break;
    case PROP_LOSSLESS:
      g_value_set_boolean (value, s->lossless);
      break;
    case PROP_NEAR_LOSSLESS:
      g_value_set_int (value, s->near_lossless);
      break;
    case PROP_THREADS:
      g_value_set_boolean (value, s->threads);
      break;
    case PROP_TARGET_SIZE:
      g_value_set_int (value, s->target_size);
      break;
    case PROP_EMBED_ICC:
      g_value_set_boolean (value, s->embed_icc);
      break;
    case PROP_COPYRIGHT:
      g_value_set_boolean (value, s->copyright);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_img_webp_enc_stop (GstVideoEncoder *encoder)
{
  GstImgWebpEnc *self = GST_IMG_WEBP_ENC (encoder);

  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  return TRUE;
}

static gboolean
gst_img_webp_enc_set_format (GstVideoEncoder *encoder,
    GstVideoCodecState *state)
{
  GstImgWebpEnc *self = GST_IMG_WEBP_ENC (encoder);
  GstVideoCodecState *output_state;

  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  self->input_state = gst_video_codec_state_ref (state);
  self->full_range = !GST_VIDEO_INFO_IS_RGB (&state->info) &&
      state->info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255;
  GST_DEBUG_OBJECT (self, "%s input%s",
      gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&state->info)),
      self->full_range ? ", full range: scaled to limited" : "");

  output_state = gst_video_encoder_set_output_state (encoder,
      gst_caps_new_empty_simple ("image/webp"), state);
  gst_video_codec_state_unref (output_state);

  return gst_video_encoder_negotiate (encoder);
}

static gboolean
gst_img_webp_enc_propose_allocation (GstVideoEncoder *encoder, GstQuery *query)
{
  /* Strided frames are fine: libwebp takes a stride per plane. */
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);

  return GST_VIDEO_ENCODER_CLASS (parent_class)
      ->propose_allocation (encoder, query);
}

static const gchar *
encoding_error_to_string (WebPEncodingError error)
{
  switch (error) {
    case VP8_ENC_OK:
      return "no error";
    case VP8_ENC_ERROR_OUT_OF_MEMORY:
      return "out of memory";
    case VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY:
      return "out of memory flushing bits";
    case VP8_ENC_ERROR_NULL_PARAMETER:
      return "NULL parameter";
    case VP8_ENC_ERROR_INVALID_CONFIGURATION:
      return "invalid configuration";
    case VP8_ENC_ERROR_BAD_DIMENSION:
      return "bad picture dimension";
    case VP8_ENC_ERROR_PARTITION0_OVERFLOW:
      return "partition 0 larger than 512 KiB";
    case VP8_ENC_ERROR_PARTITION_OVERFLOW:
      return "partition larger than 16 MiB";
    case VP8_ENC_ERROR_BAD_WRITE:
      return "write error";
    case VP8_ENC_ERROR_FILE_TOO_BIG:
      return "file larger than 4 GiB";
    case VP8_ENC_ERROR_USER_ABORT:
      return "aborted";
    default:
      return "unknown error";
  }
}

/* The quality for this frame: the protocol's (variant capped by the image
 * hint) when present, else the property.  *webp_quality keeps the
 * property's fraction when nothing overrode it. */
static gint
gst_img_webp_enc_pick_quality (GstImgWebpEnc *self, gfloat property_quality,
    gfloat *webp_quality)
{
  gint fallback = (gint) floorf (property_quality + 0.5f);
  gint quality;

  quality = gst_imgcompress_pad_get_quality (GST_VIDEO_ENCODER_SINK_PAD (self),
      GST_IMGCOMPRESS_FORMAT_WEBP, fallback);
  quality = CLAMP (quality, 0, 100);
  *webp_quality = quality == fallback ? property_quality : (gfloat) quality;
  return quality;
}

static gboolean
gst_img_webp_enc_make_config (const EncodeSettings *s, gfloat quality,
    WebPConfig *config)
{
  if (!WebPConfigPreset (config, s->preset, quality))
    return FALSE;

  config->method = s->method;
  config->use_sharp_yuv = s->sharp_yuv ? 1 : 0;
  config->alpha_quality = s->alpha_quality;
  config->lossless = s->lossless ? 1 : 0;
  config->near_lossless = s->near_lossless;
  config->thread_level = s->threads ? 1 : 0;
  config->target_size = s->target_size;
  if (s->target_size > 0 && config->pass < TARGET_SIZE_PASSES)
    config->pass = TARGET_SIZE_PASSES;

  return WebPValidateConfig (config);
}

/* Averages a chroma plane down to 4:2:0.  @x_factor is 2 when the source
 * chroma has full width (Y444), 1 when it is already halved (Y42B); the
 * source always has full height here.  Samples past the edge repeat the
 * last row/column, so odd sizes keep the right weight.  A box average is
 * also what libwebp does for RGB input and matches centred chroma siting. */
static void
average_chroma_to_420 (const guint8 *src, gint src_stride, gint src_width,
    gint src_height, gint x_factor, guint8 *dst, gint dst_stride,
    gint dst_width, gint dst_height)
{
  gint x, y, i, j;
  const gint count = x_factor * 2;

  for (y = 0; y < dst_height; y++) {
    for (x = 0; x < dst_width; x++) {
      guint sum = 0;

      for (j = 0; j < 2; j++) {
        gint sy = MIN (y * 2 + j, src_height - 1);
        const guint8 *row = src + (gsize) sy * src_stride;

        for (i = 0; i < x_factor; i++)
          sum += row[MIN (x * x_factor + i, src_width - 1)];
      }
      dst[(gsize) y * dst_stride + x] = (sum + count / 2) / count;
    }
  }
}

/* WebP's YUV is BT.601 with limited range (luma 16-235, chroma 16-240),
 * which every WebP decoder assumes when it converts to RGB; JPEG decoders
 * hand out full-range samples.  Coding those unchanged would crush blacks,
 * clip whites and oversaturate on display, so full-range input is scaled
 * into the limited range, sample by sample, not a colour conversion
 * (JPEG's matrix is BT.601 too).  The multiply-shifts equal
 * 16 + round (v * 219 / 255) and 128 + round ((v - 128) * 224 / 255) for
 * every byte value (checked exhaustively) and, unlike a table lookup,
 * vectorise. */
static inline guint8
luma_to_limited (guint v)
{
  return (guint8) (16 + ((v * 3518u + 2012u) >> 12));
}

static inline guint8
chroma_to_limited (guint v)
{
  return (guint8) (16 + ((v * 3598u + 250u) >> 12));
}

/* Loop counts are split into whole blocks of 32 and a rest: gcc's cheap
 * vectorisation model (-O2) only takes loops that need no epilogue. */
#define RANGE_BLOCK 32

/* Not inlined: the loops keep their restrict pointers, which they need to
 * be vectorised. */
G_GNUC_NO_INLINE static void
row_to_limited (guint8 *restrict d, const guint8 *restrict s, gsize n,
    gboolean chroma)
{
  gsize x, blocks = n & ~(gsize) (RANGE_BLOCK - 1);

  if (chroma) {
    for (x = 0; x < blocks; x++)
      d[x] = chroma_to_limited (s[x]);
    for (; x < n; x++)
      d[x] = chroma_to_limited (s[x]);
  } else {
    for (x = 0; x < blocks; x++)
      d[x] = luma_to_limited (s[x]);
    for (; x < n; x++)
      d[x] = luma_to_limited (s[x]);
  }
}

static void
copy_plane_to_limited (const guint8 *src, gint src_stride, guint8 *dst,
    gint dst_stride, gint width, gint height, gboolean chroma)
{
  gint y;

  for (y = 0; y < height; y++)
    row_to_limited (dst + (gsize) y * dst_stride, src + (gsize) y * src_stride,
        width, chroma);
}

static void
chroma_to_limited_in_place (guint8 *plane, gsize size)
{
  gsize i, blocks = size & ~(gsize) (RANGE_BLOCK - 1);

  for (i = 0; i < blocks; i++)
    plane[i] = chroma_to_limited (plane[i]);
  for (; i < size; i++)
    plane[i] = chroma_to_limited (plane[i]);
}

/* Points the picture at the frame's planes where libwebp can take them as
 * they are (limited-range I420), else at 4:2:0 planes made here in
 * @scratch (freed by the caller): averaged chroma for Y42B / Y444, neutral
 * chroma for GRAY8, range-scaled samples for full-range input.  libwebp
 * only reads the planes for lossy coding, and converts to its own ARGB copy
 * for lossless. */
static gboolean
picture_from_yuv (GstVideoFrame *frame, gboolean full_range, WebPPicture *pic,
    guint8 **scratch)
{
  GstVideoFormat format = GST_VIDEO_FRAME_FORMAT (frame);
  gint width = GST_VIDEO_FRAME_WIDTH (frame);
  gint height = GST_VIDEO_FRAME_HEIGHT (frame);
  gint cw = (width + 1) / 2, ch = (height + 1) / 2;
  gboolean own_chroma = full_range || format != GST_VIDEO_FORMAT_I420;
  gsize luma_size = 0, chroma_size = 0, chroma_total = 0, total = 0;

  if ((full_range &&
          !gst_imgcompress_frame_bytes (width, height, 1, &luma_size)) ||
      (own_chroma &&
          (!gst_imgcompress_frame_bytes (cw, ch, 1, &chroma_size) ||
              !gst_imgcompress_size_mul (chroma_size, 2, &chroma_total))) ||
      !gst_imgcompress_size_add (luma_size, chroma_total, &total))
    return FALSE;
  if (total > 0) {
    *scratch = g_try_malloc (total);
    if (*scratch == NULL)
      return FALSE;
  }

  pic->use_argb = 0;
  pic->colorspace = WEBP_YUV420;

  if (full_range) {
    pic->y = *scratch;
    pic->y_stride = width;
    copy_plane_to_limited (GST_VIDEO_FRAME_COMP_DATA (frame, 0),
        GST_VIDEO_FRAME_COMP_STRIDE (frame, 0), pic->y, width, width, height,
        FALSE);
  } else {
    pic->y = GST_VIDEO_FRAME_COMP_DATA (frame, 0);
    pic->y_stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
  }

  if (!own_chroma) {
    pic->u = GST_VIDEO_FRAME_COMP_DATA (frame, 1);
    pic->v = GST_VIDEO_FRAME_COMP_DATA (frame, 2);
    pic->uv_stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 1);
    /* libwebp takes one stride for both chroma planes. */
    return GST_VIDEO_FRAME_COMP_STRIDE (frame, 2) == pic->uv_stride;
  }

  pic->u = *scratch + luma_size;
  pic->v = pic->u + chroma_size;
  pic->uv_stride = cw;

  if (format == GST_VIDEO_FORMAT_GRAY8) {
    /* 128 is neutral in both ranges */
    memset (pic->u, 128, chroma_total);
  } else if (format == GST_VIDEO_FORMAT_I420) {
    copy_plane_to_limited (GST_VIDEO_FRAME_COMP_DATA (frame, 1),
        GST_VIDEO_FRAME_COMP_STRIDE (frame, 1), pic->u, cw, cw, ch, TRUE);
    copy_plane_to_limited (GST_VIDEO_FRAME_COMP_DATA (frame, 2),
        GST_VIDEO_FRAME_COMP_STRIDE (frame, 2), pic->v, cw, cw, ch, TRUE);
  } else {
    gint x_factor = format == GST_VIDEO_FORMAT_Y444 ? 2 : 1;
    guint c;

    for (c = 1; c <= 2; c++) {
      average_chroma_to_420 (GST_VIDEO_FRAME_COMP_DATA (frame, c),
          GST_VIDEO_FRAME_COMP_STRIDE (frame, c),
          GST_VIDEO_FRAME_COMP_WIDTH (frame, c),
          GST_VIDEO_FRAME_COMP_HEIGHT (frame, c), x_factor,
          c == 1 ? pic->u : pic->v, cw, cw, ch);
    }
    if (full_range)
      chroma_to_limited_in_place (pic->u, chroma_total);
  }
  return TRUE;
}

/* Fills @pic from the mapped frame: planar YUV as above, packed RGB
 * imported (copied) by libwebp, which converts it with its own filter. */
static gboolean
gst_img_webp_enc_fill_picture (GstVideoFrame *frame, gboolean full_range,
    WebPPicture *pic, guint8 **scratch)
{
  GstVideoFormat format = GST_VIDEO_FRAME_FORMAT (frame);
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);

  pic->width = GST_VIDEO_FRAME_WIDTH (frame);
  pic->height = GST_VIDEO_FRAME_HEIGHT (frame);

  switch (format) {
    case GST_VIDEO_FORMAT_I420:
    case GST_VIDEO_FORMAT_Y42B:
    case GST_VIDEO_FORMAT_Y444:
    case GST_VIDEO_FORMAT_GRAY8:
      return picture_from_yuv (frame, full_range, pic, scratch);
    case GST_VIDEO_FORMAT_RGBA:
      pic->use_argb = 1;
      return WebPPictureImportRGBA (pic, data, stride);
    case GST_VIDEO_FORMAT_BGRA:
      pic->use_argb = 1;
      return WebPPictureImportBGRA (pic, data, stride);
    case GST_VIDEO_FORMAT_RGB:
      pic->use_argb = 1;
      return WebPPictureImportRGB (pic, data, stride);
    case GST_VIDEO_FORMAT_RGBx:
      pic->use_argb = 1;
      return WebPPictureImportRGBX (pic, data, stride);
    case GST_VIDEO_FORMAT_BGRx:
      pic->use_argb = 1;
      return WebPPictureImportBGRX (pic, data, stride);
    default:
      return FALSE;
  }
}

static gboolean
set_chunk (WebPMux *mux, const char *fourcc, GBytes *bytes)
{
  WebPData data;

  if (bytes == NULL)
    return TRUE;
  data.bytes = g_bytes_get_data (bytes, &data.size);
  return WebPMuxSetChunk (mux, fourcc, &data, 1) == WEBP_MUX_OK;
}

/* The ICC profile (ICCP), EXIF and XMP chunks, in an extended (VP8X) file
 * made by libwebp's mux; the bitstream is not touched. */
static GstBuffer *
add_metadata (GstImgWebpEnc *self, GstBuffer *webp,
    const EncodeSettings *settings)
{
  GstImgcompressOutputMetadata m;
  WebPData in, out = { NULL, 0 };
  WebPMux *mux = NULL;
  GstMapInfo map;
  gboolean ok;

  if (!gst_imgcompress_output_metadata_from_pad (&m,
          GST_VIDEO_ENCODER_SINK_PAD (self), settings->embed_icc,
          settings->copyright) ||
      !gst_buffer_map (webp, &map, GST_MAP_READ)) {
    gst_imgcompress_output_metadata_clear (&m);
    return webp;
  }
  in.bytes = map.data;
  in.size = map.size;
  mux = WebPMuxCreate (&in, 0);
  ok = mux != NULL && set_chunk (mux, "ICCP", m.icc) &&
      set_chunk (mux, "EXIF", m.exif) && set_chunk (mux, "XMP ", m.xmp) &&
      WebPMuxAssemble (mux, &out) == WEBP_MUX_OK;
  WebPMuxDelete (mux);
  gst_buffer_unmap (webp, &map);
  gst_imgcompress_output_metadata_clear (&m);
  if (!ok) {
    GST_WARNING_OBJECT (self, "libwebp's mux could not add the metadata");
    WebPDataClear (&out);
    return webp;
  }
  gst_buffer_unref (webp);
  return gst_buffer_new_wrapped_full (0, (guint8 *) out.bytes, out.size, 0,
      out.size, (gpointer) out.bytes, (GDestroyNotify) WebPFree);
}

static GstFlowReturn
gst_img_webp_enc_handle_frame (GstVideoEncoder *encoder,
    GstVideoCodecFrame *frame)
{
  GstImgWebpEnc *self = GST_IMG_WEBP_ENC (encoder);
  EncodeSettings settings;
  WebPConfig config;
  WebPPicture pic;
  WebPMemoryWriter writer;
  GstVideoFrame vframe;
  guint8 *scratch = NULL;
  gfloat webp_quality;
  gint quality;
  gint64 start;
  GstClockTime encode_time;
  gboolean filled, ok;

  if (self->input_state == NULL) {
    gst_video_encoder_finish_frame (encoder, frame);
    return GST_FLOW_NOT_NEGOTIATED;
  }

  GST_OBJECT_LOCK (self);
  settings = self->settings;
  GST_OBJECT_UNLOCK (self);

  quality =
      gst_img_webp_enc_pick_quality (self, settings.quality, &webp_quality);

  if (!gst_img_webp_enc_make_config (&settings, webp_quality, &config)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_ ("The WebP encoder settings are invalid.")),
        ("libwebp rejected the configuration (quality %.1f, method %d)",
            webp_quality, settings.method));
    gst_video_encoder_finish_frame (encoder, frame);
    return GST_FLOW_ERROR;
  }

  if (!gst_video_frame_map (&vframe, &self->input_state->info,
          frame->input_buffer, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, ENCODE,
        (_ ("Could not read the image to encode.")),
        ("failed to map the input frame"));
    gst_video_encoder_finish_frame (encoder, frame);
    return GST_FLOW_ERROR;
  }

  start = g_get_monotonic_time ();

  if (!WebPPictureInit (&pic)) {
    gst_video_frame_unmap (&vframe);
    GST_ELEMENT_ERROR (self, LIBRARY, INIT,
        (_ ("Could not initialise the WebP encoder.")),
        ("WebPPictureInit failed: libwebp version mismatch"));
    gst_video_encoder_finish_frame (encoder, frame);
    return GST_FLOW_ERROR;
  }
  WebPMemoryWriterInit (&writer);
  pic.writer = WebPMemoryWrite;
  pic.custom_ptr = &writer;

  filled =
      gst_img_webp_enc_fill_picture (&vframe, self->full_range, &pic, &scratch);
  ok = filled && WebPEncode (&config, &pic);

  encode_time = (GstClockTime) (g_get_monotonic_time () - start) * GST_USECOND;

  gst_video_frame_unmap (&vframe);
  g_free (scratch);

  if (!ok) {
    GST_ELEMENT_ERROR (self, STREAM, ENCODE,
        (_ ("Could not encode the image as WebP.")),
        ("%dx%d %s: %s", pic.width, pic.height,
            gst_video_format_to_string (
                GST_VIDEO_INFO_FORMAT (&self->input_state->info)),
            filled ? encoding_error_to_string (pic.error_code) :
                     "could not prepare the picture"));
    WebPPictureFree (&pic);
    WebPMemoryWriterClear (&writer);
    gst_video_encoder_finish_frame (encoder, frame);
    return GST_FLOW_ERROR;
  }
  GST_DEBUG_OBJECT (self,
      "%dx%d at quality %.1f: %" G_GSIZE_FORMAT " bytes in %" GST_TIME_FORMAT,
      pic.width, pic.height, webp_quality, writer.size,
      GST_TIME_ARGS (encode_time));
  WebPPictureFree (&pic);

  /* The writer's block becomes the output buffer without a copy. */
  frame->output_buffer = gst_buffer_new_wrapped_full (0, writer.mem,
      writer.size, 0, writer.size, writer.mem, (GDestroyNotify) WebPFree);
  frame->output_buffer = add_metadata (self, frame->output_buffer, &settings);
  gst_buffer_add_imgcompress_encode_meta (frame->output_buffer, quality,
      encode_time);
  GST_VIDEO_CODEC_FRAME_SET_SYNC_POINT (frame);

  return gst_video_encoder_finish_frame (encoder, frame);
}

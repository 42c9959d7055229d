/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-turbojpegenc
 * @title: turbojpegenc
 * @short_description: JPEG encoder for planar YUV, on libjpeg-turbo
 *
 * Encodes each raw frame into one JPEG image.  Planar input (I420, Y42B,
 * Y444, GRAY8) is handed to libjpeg-turbo as raw YUV planes, without any
 * colour conversion; packed RGB input (RGB, RGBx, BGRx, xRGB) is converted
 * by libjpeg-turbo.  The YUV planes are taken as JPEG (full-range BT.601)
 * YCbCr, which is what turbojpegdec and jpegdec produce; input whose caps say
 * limited range (colorimetry range 16-235, as imgwebpdec outputs) is
 * stretched to full range on the way in.  Input with alpha (RGBA, BGRA,
 * ARGB, ABGR) is flattened on #GstTurbojpegEnc:background, JPEG having no
 * alpha.
 *
 * Huffman tables are optimised by default (#GstTurbojpegEnc:optimize-coding),
 * which makes the files smaller than jpegenc's at the same quality.
 *
 * The quality used for a frame is the `imgcompress-variant` event's
 * jpeg-quality capped by the `imgcompress-image` event's hint when those
 * events are present, else #GstTurbojpegEnc:quality (also capped by the
 * hint).  Each output buffer carries a #GstImgcompressEncodeMeta with the
 * quality used and the time spent encoding.
 *
 * #GstTurbojpegEnc:subsampling "auto" keeps the input's chroma layout (and
 * makes 4:2:0 from packed RGB).  A layout that differs from the input's is
 * made by libjpeg: to reduce chroma (4:2:0 from Y444) it averages each 2x2
 * (or 2x1) block, the box filter cjpeg uses; to enlarge chroma (4:4:4 from
 * I420) it repeats samples, which costs bytes and adds no detail.  GRAY8 is
 * always encoded as grayscale.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=1 !
 * video/x-raw,format=I420,width=1280,height=720 ! turbojpegenc quality=90 !
 * filesink location=frame.jpg
 * ]| Encodes one I420 frame as a baseline JPEG with optimised Huffman tables.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstturbojpegenc.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
/* jpeglib.h needs stdio.h first */
#include <jpeglib.h>

#include "gstturbojpegscans.h"

GST_DEBUG_CATEGORY_STATIC (turbojpegenc_debug);
#define GST_CAT_DEFAULT turbojpegenc_debug

#define DEFAULT_QUALITY 85
#define DEFAULT_PROGRESSIVE FALSE
#define DEFAULT_OPTIMIZE_CODING TRUE
#define DEFAULT_SUBSAMPLING GST_TURBOJPEG_SUBSAMPLING_AUTO
#define DEFAULT_RESTART_INTERVAL 0
#define DEFAULT_BACKGROUND 0xffffffff

#define SOF_MARKER_BASELINE 0
#define SOF_MARKER_PROGRESSIVE 2

enum
{
  PROP_0,
  PROP_QUALITY,
  PROP_PROGRESSIVE,
  PROP_OPTIMIZE_CODING,
  PROP_SUBSAMPLING,
  PROP_RESTART_INTERVAL,
  PROP_BACKGROUND,
  PROP_EMBED_ICC,
  PROP_COPYRIGHT,
};

/* libjpeg reports errors by longjmp to the encode call. */
typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf setjmp_buffer;
  gchar message[JMSG_LENGTH_MAX];
} EncErrorMgr;

struct _GstTurbojpegEnc
{
  GstVideoEncoder parent;

  /* properties, under the object lock */
  gint quality;
  gboolean progressive;
  gboolean optimize_coding;
  GstTurbojpegSubsampling subsampling;
  guint restart_interval;
  guint background;
  gboolean embed_icc;
  gboolean copyright;

  GstVideoCodecState *input_state;

  /* what the JPEG being written carries besides pixels; a member so that
   * the error longjmp frees it */
  GstImgcompressOutputMetadata metadata;

  struct jpeg_compress_struct cinfo;
  EncErrorMgr jerr;
  gboolean cinfo_created;

  /* the JPEG being written, malloc'ed and grown by libjpeg-turbo; a member
   * so that it survives the error longjmp */
  unsigned char *out;
  unsigned long out_size;

  /* limited-range YUV input, expanded with the tables below */
  gboolean expand_range;
  guint8 luma_lut[256];
  guint8 chroma_lut[256];

  /* padded rows handed to jpeg_write_raw_data / jpeg_write_scanlines */
  guint8 *scratch;
  gsize scratch_size;
};

/* Settings read once per frame, so a property change mid-frame is safe. */
typedef struct
{
  gint quality;
  gboolean progressive;
  gboolean optimize_coding;
  GstTurbojpegSubsampling subsampling;
  guint restart_interval;
  guint background;
  gboolean embed_icc;
  gboolean copyright;
} EncSettings;

#define SINK_FORMATS                                                           \
  "{ I420, Y42B, Y444, GRAY8, RGB, RGBx, BGRx, xRGB, RGBA, BGRA, ARGB, ABGR }"

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("video/x-raw, format = (string) " SINK_FORMATS
                         ", width = (int) [ 1, 65500 ], height = (int) [ 1, "
                         "65500 ], "
                         "framerate = " GST_VIDEO_FPS_RANGE));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("image/jpeg, width = (int) [ 1, 65500 ], "
                         "height = (int) [ 1, 65500 ], framerate "
                         "= " GST_VIDEO_FPS_RANGE ", "
                         "sof-marker = (int) { 0, 2 }"));

GType
gst_turbojpeg_subsampling_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_TURBOJPEG_SUBSAMPLING_AUTO,
        "Keep the input's chroma layout (4:2:0 for RGB input)", "auto" },
    { GST_TURBOJPEG_SUBSAMPLING_420, "4:2:0", "420" },
    { GST_TURBOJPEG_SUBSAMPLING_422, "4:2:2", "422" },
    { GST_TURBOJPEG_SUBSAMPLING_444, "4:4:4 (no chroma subsampling)", "444" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstTurbojpegSubsampling", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define gst_turbojpeg_enc_parent_class parent_class
G_DEFINE_TYPE (GstTurbojpegEnc, gst_turbojpeg_enc, GST_TYPE_VIDEO_ENCODER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (turbojpegenc, "turbojpegenc",
    GST_RANK_MARGINAL, GST_TYPE_TURBOJPEG_ENC,
    GST_DEBUG_CATEGORY_INIT (turbojpegenc_debug, "turbojpegenc", 0,
        "libjpeg-turbo JPEG encoder"));

static void
gst_turbojpeg_enc_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstTurbojpegEnc *self = GST_TURBOJPEG_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_QUALITY:
      self->quality = g_value_get_int (value);
      break;
    case PROP_PROGRESSIVE:
      self->progressive = g_value_get_boolean (value);
      break;
    case PROP_OPTIMIZE_CODING:
      self->optimize_coding = g_value_get_boolean (value);
      break;
    case PROP_SUBSAMPLING:
      self->subsampling = g_value_get_enum (value);
      break;
    case PROP_RESTART_INTERVAL:
      self->restart_interval = g_value_get_uint (value);
      break;
    case PROP_BACKGROUND:
      self->background = g_value_get_uint (value);
      break;
    case PROP_EMBED_ICC:
      self->embed_icc = g_value_get_boolean (value);
      break;
    case PROP_COPYRIGHT:
      self->copyright = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_turbojpeg_enc_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstTurbojpegEnc *self = GST_TURBOJPEG_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_QUALITY:
      g_value_set_int (value, self->quality);
      break;
    case PROP_PROGRESSIVE:
      g_value_set_boolean (value, self->progressive);
      break;
    case PROP_OPTIMIZE_CODING:
      g_value_set_boolean (value, self->optimize_coding);
      break;
    case PROP_SUBSAMPLING:
      g_value_set_enum (value, self->subsampling);
      break;
    case PROP_RESTART_INTERVAL:
      g_value_set_uint (value, self->restart_interval);
      break;
    case PROP_BACKGROUND:
      g_value_set_uint (value, self->background);
      break;
    case PROP_EMBED_ICC:
      g_value_set_boolean (value, self->embed_icc);
      break;
    case PROP_COPYRIGHT:
      g_value_set_boolean (value, self->copyright);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
enc_error_exit (j_common_ptr cinfo)
{
  EncErrorMgr *err = (EncErrorMgr *) cinfo->err;

  (*cinfo->err->format_message) (cinfo, err->message);
  longjmp (err->setjmp_buffer, 1);
}

static void
enc_output_message (j_common_ptr cinfo)
{
  gchar buffer[JMSG_LENGTH_MAX];

  (*cinfo->err->format_message) (cinfo, buffer);
  GST_DEBUG ("libjpeg: %s", buffer);
}

static void
free_output (GstTurbojpegEnc *self)
{
  free (self->out);
  self->out = NULL;
  self->out_size = 0;
}

static gboolean
gst_turbojpeg_enc_start (GstVideoEncoder *encoder)
{
  GstTurbojpegEnc *self = GST_TURBOJPEG_ENC (encoder);

  self->cinfo.err = jpeg_std_error (&self->jerr.pub);
  self->jerr.pub.error_exit = enc_error_exit;
  self->jerr.pub.output_message = enc_output_message;
  if (setjmp (self->jerr.setjmp_buffer)) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("jpeg_create_compress failed: %s", self->jerr.message));
    return FALSE;
  }
  jpeg_create_compress (&self->cinfo);
  self->cinfo_created = TRUE;
  return TRUE;
}

static gboolean
gst_turbojpeg_enc_stop (GstVideoEncoder *encoder)
{
  GstTurbojpegEnc *self = GST_TURBOJPEG_ENC (encoder);

  if (self->cinfo_created) {
    jpeg_destroy_compress (&self->cinfo);
    self->cinfo_created = FALSE;
  }
  g_clear_pointer (&self->scratch, g_free);
  self->scratch_size = 0;
  free_output (self);
  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  return TRUE;
}

static void
read_settings (GstTurbojpegEnc *self, EncSettings *settings)
{
  GST_OBJECT_LOCK (self);
  settings->quality = self->quality;
  settings->progressive = self->progressive;
  settings->optimize_coding = self->optimize_coding;
  settings->subsampling = self->subsampling;
  settings->restart_interval = self->restart_interval;
  settings->background = self->background;
  settings->embed_icc = self->embed_icc;
  settings->copyright = self->copyright;
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_turbojpeg_enc_set_format (GstVideoEncoder *encoder,
    GstVideoCodecState *state)
{
  GstTurbojpegEnc *self = GST_TURBOJPEG_ENC (encoder);
  GstVideoCodecState *output;
  EncSettings settings;
  GstCaps *caps;

  read_settings (self, &settings);
  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  self->input_state = gst_video_codec_state_ref (state);
  /* JPEG's YCbCr is full range; limited-range input (imgwebpdec) is
   * stretched on the way in so it does not come out washed out. */
  self->expand_range = (GST_VIDEO_INFO_IS_YUV (&state->info) ||
                           GST_VIDEO_INFO_IS_GRAY (&state->info)) &&
      state->info.colorimetry.range == GST_VIDEO_COLOR_RANGE_16_235;

  caps = gst_caps_new_simple ("image/jpeg", "width", G_TYPE_INT,
      GST_VIDEO_INFO_WIDTH (&state->info), "height", G_TYPE_INT,
      GST_VIDEO_INFO_HEIGHT (&state->info), "sof-marker", G_TYPE_INT,
      settings.progressive ? SOF_MARKER_PROGRESSIVE : SOF_MARKER_BASELINE,
      NULL);
  output = gst_video_encoder_set_output_state (encoder, caps, state);
  gst_video_codec_state_unref (output);
  return gst_video_encoder_negotiate (encoder);
}

/* Chroma layout of a planar input as libjpeg luma sampling factors. */
static gboolean
input_luma_factors (GstVideoFormat format, gint *h, gint *v)
{
  switch (format) {
    case GST_VIDEO_FORMAT_I420:
      *h = 2;
      *v = 2;
      return TRUE;
    case GST_VIDEO_FORMAT_Y42B:
      *h = 2;
      *v = 1;
      return TRUE;
    case GST_VIDEO_FORMAT_Y444:
      *h = 1;
      *v = 1;
      return TRUE;
    default:
      return FALSE;
  }
}

static void
target_luma_factors (GstTurbojpegSubsampling subsampling, gint input_h,
    gint input_v, gint *h, gint *v)
{
  switch (subsampling) {
    case GST_TURBOJPEG_SUBSAMPLING_420:
      *h = 2;
      *v = 2;
      break;
    case GST_TURBOJPEG_SUBSAMPLING_422:
      *h = 2;
      *v = 1;
      break;
    case GST_TURBOJPEG_SUBSAMPLING_444:
      *h = 1;
      *v = 1;
      break;
    case GST_TURBOJPEG_SUBSAMPLING_AUTO:
    default:
      *h = input_h;
      *v = input_v;
      break;
  }
}

static J_COLOR_SPACE
packed_color_space (GstVideoFormat format, gint *components)
{
  *components = 4;
  switch (format) {
    case GST_VIDEO_FORMAT_RGB:
      *components = 3;
      return JCS_EXT_RGB;
    case GST_VIDEO_FORMAT_RGBx:
      return JCS_EXT_RGBX;
    case GST_VIDEO_FORMAT_BGRx:
      return JCS_EXT_BGRX;
    case GST_VIDEO_FORMAT_xRGB:
      return JCS_EXT_XRGB;
    default:
      return JCS_UNKNOWN;
  }
}

static gboolean
ensure_scratch (GstTurbojpegEnc *self, gsize size)
{
  if (self->scratch_size >= size)
    return TRUE;
  g_free (self->scratch);
  self->scratch = g_try_malloc (size);
  self->scratch_size = self->scratch ? size : 0;
  return self->scratch != NULL;
}

static void
apply_lut (guint8 *row, guint n, const guint8 *lut)
{
  guint i;

  for (i = 0; i < n; i++)
    row[i] = lut[row[i]];
}

/* 16-235 luma and 16-240 chroma to 0-255, rounded and clamped. */
static void
init_range_luts (GstTurbojpegEnc *self)
{
  gint i;

  for (i = 0; i < 256; i++) {
    gint y = ((i - 16) * 255 + 219 / 2) / 219;
    gint c = 128 + (gint) floor ((i - 128) * 255.0 / 224.0 + 0.5);
    self->luma_lut[i] = CLAMP (y, 0, 255);
    self->chroma_lut[i] = CLAMP (c, 0, 255);
  }
}

/* Copies one iMCU row of each plane into the scratch area, padded to
 * whole DCT blocks by repeating the last column and row (padding with
 * edge samples keeps the edge blocks cheap to code). */
static void
fill_raw_rows (GstTurbojpegEnc *self, GstVideoFrame *frame, guint imcu_row,
    JSAMPARRAY *planes, guint *padded_w, guint *rows)
{
  struct jpeg_compress_struct *cinfo = &self->cinfo;
  guint8 *p = self->scratch;
  gint c;

  for (c = 0; c < cinfo->num_components; c++) {
    guint comp_w = GST_VIDEO_FRAME_COMP_WIDTH (frame, c);
    guint comp_h = GST_VIDEO_FRAME_COMP_HEIGHT (frame, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
    const guint8 *src = GST_VIDEO_FRAME_COMP_DATA (frame, c);
    guint r;

    for (r = 0; r < rows[c]; r++) {
      guint y = MIN (imcu_row * rows[c] + r, comp_h - 1);

      planes[c][r] = p;
      memcpy (p, src + (gsize) y * stride, comp_w);
      if (self->expand_range)
        apply_lut (p, comp_w, c == 0 ? self->luma_lut : self->chroma_lut);
      if (padded_w[c] > comp_w)
        memset (p + comp_w, p[comp_w - 1], padded_w[c] - comp_w);
      p += padded_w[c];
    }
  }
}

/* Planar input in the layout being written: no conversion at all. */
static gboolean
write_raw_planes (GstTurbojpegEnc *self, GstVideoFrame *frame)
{
  struct jpeg_compress_struct *cinfo = &self->cinfo;
  JSAMPROW rows_y[4 * DCTSIZE], rows_u[4 * DCTSIZE], rows_v[4 * DCTSIZE];
  JSAMPARRAY planes[3] = { rows_y, rows_u, rows_v };
  guint padded_w[3], rows[3], imcu_rows, i;
  gsize total = 0;
  gint c;

  for (c = 0; c < cinfo->num_components; c++) {
    jpeg_component_info *comp = &cinfo->comp_info[c];

    padded_w[c] = comp->width_in_blocks * DCTSIZE;
    rows[c] = comp->v_samp_factor * DCTSIZE;
    total += (gsize) padded_w[c] * rows[c];
  }
  if (!ensure_scratch (self, total))
    return FALSE;

  imcu_rows = (cinfo->image_height + cinfo->max_v_samp_factor * DCTSIZE - 1) /
      (cinfo->max_v_samp_factor * DCTSIZE);
  for (i = 0; i < imcu_rows; i++) {
    fill_raw_rows (self, frame, i, planes, padded_w, rows);
    jpeg_write_raw_data (cinfo, planes, cinfo->max_v_samp_factor * DCTSIZE);
  }
  return TRUE;
}

/* Planar input in another layout: libjpeg resamples the chroma from
 * interleaved 4:4:4 rows (chroma repeated over its subsampled block). */
static gboolean
write_resampled_planes (GstTurbojpegEnc *self, GstVideoFrame *frame)
{
  struct jpeg_compress_struct *cinfo = &self->cinfo;
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  guint hs = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, 1);
  guint vs = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, 1);
  JSAMPROW row;
  guint x;

  if (!ensure_scratch (self, (gsize) width * 3))
    return FALSE;
  row = self->scratch;

  while (cinfo->next_scanline < cinfo->image_height) {
    guint y = cinfo->next_scanline;
    const guint8 *py = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 0) +
        (gsize) y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
    const guint8 *pu = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 1) +
        (gsize) (y >> vs) * GST_VIDEO_FRAME_COMP_STRIDE (frame, 1);
    const guint8 *pv = (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 2) +
        (gsize) (y >> vs) * GST_VIDEO_FRAME_COMP_STRIDE (frame, 2);

    for (x = 0; x < width; x++) {
      row[3 * x] = py[x];
      row[3 * x + 1] = pu[x >> hs];
      row[3 * x + 2] = pv[x >> hs];
    }
    if (self->expand_range) {
      for (x = 0; x < width; x++) {
        row[3 * x] = self->luma_lut[row[3 * x]];
        row[3 * x + 1] = self->chroma_lut[row[3 * x + 1]];
        row[3 * x + 2] = self->chroma_lut[row[3 * x + 2]];
      }
    }
    jpeg_write_scanlines (cinfo, &row, 1);
  }
  return TRUE;
}

static void
write_packed (GstTurbojpegEnc *self, GstVideoFrame *frame)
{
  struct jpeg_compress_struct *cinfo = &self->cinfo;
  guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  JSAMPROW rows[16];

  while (cinfo->next_scanline < cinfo->image_height) {
    guint n =
        MIN (G_N_ELEMENTS (rows), cinfo->image_height - cinfo->next_scanline);
    guint i;

    for (i = 0; i < n; i++)
      rows[i] = data + (gsize) (cinfo->next_scanline + i) * stride;
    jpeg_write_scanlines (cinfo, rows, n);
  }
}

/* Byte offsets of R, G, B and A in a packed alpha format. */
static gboolean
alpha_layout (GstVideoFormat format, guint offsets[4])
{
  static const struct
  {
    GstVideoFormat format;
    guint r, g, b, a;
  } layouts[] = {
    { GST_VIDEO_FORMAT_RGBA, 0, 1, 2, 3 },
    { GST_VIDEO_FORMAT_BGRA, 2, 1, 0, 3 },
    { GST_VIDEO_FORMAT_ARGB, 1, 2, 3, 0 },
    { GST_VIDEO_FORMAT_ABGR, 3, 2, 1, 0 },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (layouts); i++) {
    if (layouts[i].format == format) {
      offsets[0] = layouts[i].r;
      offsets[1] = layouts[i].g;
      offsets[2] = layouts[i].b;
      offsets[3] = layouts[i].a;
      return TRUE;
    }
  }
  return FALSE;
}

/* JPEG has no alpha: each pixel is composited over the background colour
 * (straight alpha, as PNG and the alpha formats here carry it). */
static gboolean
write_flattened (GstTurbojpegEnc *self, GstVideoFrame *frame, guint background)
{
  struct jpeg_compress_struct *cinfo = &self->cinfo;
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  const guint8 bg[3] = { (background >> 16) & 0xff, (background >> 8) & 0xff,
    background & 0xff };
  guint off[4], x, k;
  JSAMPROW row;

  if (!alpha_layout (GST_VIDEO_FRAME_FORMAT (frame), off) ||
      !ensure_scratch (self, (gsize) width * 3))
    return FALSE;
  row = self->scratch;

  while (cinfo->next_scanline < cinfo->image_height) {
    const guint8 *src = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (frame, 0) +
        (gsize) cinfo->next_scanline * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);

    for (x = 0; x < width; x++, src += 4) {
      guint a = src[off[3]];
      for (k = 0; k < 3; k++)
        row[3 * x + k] = (src[off[k]] * a + bg[k] * (255 - a) + 127) / 255;
    }
    jpeg_write_scanlines (cinfo, &row, 1);
  }
  return TRUE;
}

typedef enum
{
  INPUT_RAW,
  INPUT_RESAMPLED,
  INPUT_PACKED,
  INPUT_ALPHA,
} InputPath;

static void
set_progressive_scans (struct jpeg_compress_struct *cinfo)
{
  if (cinfo->num_components == 3 && cinfo->jpeg_color_space == JCS_YCbCr) {
    cinfo->scan_info = ycc_scans;
    cinfo->num_scans = G_N_ELEMENTS (ycc_scans);
  } else if (cinfo->num_components == 1) {
    cinfo->scan_info = gray_scans;
    cinfo->num_scans = G_N_ELEMENTS (gray_scans);
  } else {
    jpeg_simple_progression (cinfo);
  }
}

/* Sets up cinfo for the frame; returns how the rows are handed over. */
static InputPath
configure_compressor (GstTurbojpegEnc *self, const GstVideoInfo *info,
    const EncSettings *settings, gint quality)
{
  struct jpeg_compress_struct *cinfo = &self->cinfo;
  GstVideoFormat format = GST_VIDEO_INFO_FORMAT (info);
  gint in_h = 2, in_v = 2, out_h, out_v, components;
  InputPath path;

  cinfo->image_width = GST_VIDEO_INFO_WIDTH (info);
  cinfo->image_height = GST_VIDEO_INFO_HEIGHT (info);

  if (format == GST_VIDEO_FORMAT_GRAY8) {
    cinfo->in_color_space = JCS_GRAYSCALE;
    cinfo->input_components = 1;
    path = INPUT_RAW;
  } else if (input_luma_factors (format, &in_h, &in_v)) {
    cinfo->in_color_space = JCS_YCbCr;
    cinfo->input_components = 3;
    path = INPUT_RAW;
  } else if (GST_VIDEO_INFO_HAS_ALPHA (info)) {
    cinfo->in_color_space = JCS_EXT_RGB;
    cinfo->input_components = 3;
    path = INPUT_ALPHA;
  } else {
    cinfo->in_color_space = packed_color_space (format, &components);
    cinfo->input_components = components;
    path = INPUT_PACKED;
  }

  jpeg_set_defaults (cinfo);
  target_luma_factors (settings->subsampling, in_h, in_v, &out_h, &out_v);
  if (cinfo->num_components == 3) {
    cinfo->comp_info[0].h_samp_factor = out_h;
    cinfo->comp_info[0].v_samp_factor = out_v;
    if (path == INPUT_RAW && (out_h != in_h || out_v != in_v))
      path = INPUT_RESAMPLED;
  }
  cinfo->raw_data_in = path == INPUT_RAW;
  cinfo->dct_method = JDCT_ISLOW;
  cinfo->optimize_coding = settings->optimize_coding;
  cinfo->restart_interval = settings->restart_interval;
  jpeg_set_quality (cinfo, quality, TRUE);
  if (settings->progressive)
    set_progressive_scans (cinfo);
  return path;
}

/* Writes a marker whose payload is @id then @bytes, when it fits one. */
static void
write_app_marker (j_compress_ptr cinfo, int marker, const gchar *id,
    gsize id_size, GBytes *bytes)
{
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);
  guint8 *payload;

  if (size > 65533 - id_size)
    return;
  payload = g_malloc (id_size + size);
  memcpy (payload, id, id_size);
  memcpy (payload + id_size, data, size);
  jpeg_write_marker (cinfo, marker, payload, id_size + size);
  g_free (payload);
}

/* EXIF and XMP (APP1), then the ICC profile (APP2, in as many chunks as
 * it takes), after the JFIF header. */
static void
write_metadata (j_compress_ptr cinfo, const GstImgcompressOutputMetadata *m)
{
  gsize size;
  const guint8 *icc;

  if (m->exif != NULL)
    write_app_marker (cinfo, JPEG_APP0 + 1, "Exif\0\0", 6, m->exif);
  if (m->xmp != NULL)
    write_app_marker (cinfo, JPEG_APP0 + 1, "http://ns.adobe.com/xap/1.0/", 29,
        m->xmp);
  if (m->icc != NULL) {
    icc = g_bytes_get_data (m->icc, &size);
    jpeg_write_icc_profile (cinfo, icc, size);
  }
}

static GstFlowReturn
gst_turbojpeg_enc_handle_frame (GstVideoEncoder *encoder,
    GstVideoCodecFrame *frame)
{
  GstTurbojpegEnc *self = GST_TURBOJPEG_ENC (encoder);
  GstVideoFrame vframe;
  EncSettings settings;
  gint quality;
  gint64 start;
  GstClockTime encode_time;
  GstBuffer *outbuf;
  /* set after setjmp, read after a longjmp: must be volatile */
  volatile gboolean mapped = FALSE;
  InputPath path;
  gboolean ok = TRUE;

  read_settings (self, &settings);
  quality = gst_imgcompress_pad_get_quality (GST_VIDEO_ENCODER_SINK_PAD (self),
      GST_IMGCOMPRESS_FORMAT_JPEG, settings.quality);
  quality = CLAMP (quality, 1, 100);

  if (self->input_state == NULL) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL), ("frame before caps"));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  if (setjmp (self->jerr.setjmp_buffer)) {
    jpeg_abort_compress (&self->cinfo);
    if (mapped)
      gst_video_frame_unmap (&vframe);
    free_output (self);
    gst_imgcompress_output_metadata_clear (&self->metadata);
    GST_ELEMENT_ERROR (self, LIBRARY, ENCODE,
        (_ ("Could not encode the frame as JPEG.")),
        ("libjpeg: %s", self->jerr.message));
    gst_video_encoder_finish_frame (encoder, frame);
    return GST_FLOW_ERROR;
  }

  if (!gst_video_frame_map (&vframe, &self->input_state->info,
          frame->input_buffer, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
        ("could not map the input frame"));
    gst_video_encoder_finish_frame (encoder, frame);
    return GST_FLOW_ERROR;
  }
  mapped = TRUE;

  start = g_get_monotonic_time ();
  path =
      configure_compressor (self, &self->input_state->info, &settings, quality);
  free_output (self);
  jpeg_mem_dest (&self->cinfo, &self->out, &self->out_size);
  jpeg_start_compress (&self->cinfo, TRUE);
  if (gst_imgcompress_output_metadata_from_pad (&self->metadata,
          GST_VIDEO_ENCODER_SINK_PAD (self), settings.embed_icc,
          settings.copyright))
    write_metadata (&self->cinfo, &self->metadata);
  gst_imgcompress_output_metadata_clear (&self->metadata);
  switch (path) {
    case INPUT_RAW:
      ok = write_raw_planes (self, &vframe);
      break;
    case INPUT_RESAMPLED:
      ok = write_resampled_planes (self, &vframe);
      break;
    case INPUT_PACKED:
      write_packed (self, &vframe);
      break;
    case INPUT_ALPHA:
      ok = write_flattened (self, &vframe, settings.background);
      break;
  }
  if (ok)
    jpeg_finish_compress (&self->cinfo);
  else
    jpeg_abort_compress (&self->cinfo);
  encode_time = (g_get_monotonic_time () - start) * GST_USECOND;
  gst_video_frame_unmap (&vframe);
  mapped = FALSE;

  if (!ok) {
    free_output (self);
    GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT, (NULL),
        ("could not allocate the encoder's row buffer"));
    gst_video_encoder_finish_frame (encoder, frame);
    return GST_FLOW_ERROR;
  }

  GST_LOG_OBJECT (self, "%ux%u at quality %d: %lu bytes in %" GST_TIME_FORMAT,
      self->cinfo.image_width, self->cinfo.image_height, quality,
      self->out_size, GST_TIME_ARGS (encode_time));

  /* the buffer takes the JPEG over */
  outbuf = gst_buffer_new_wrapped_full (0, self->out, self->out_size, 0,
      self->out_size, self->out, free);
  self->out = NULL;
  self->out_size = 0;
  gst_buffer_add_imgcompress_encode_meta (outbuf, quality, encode_time);
  frame->output_buffer = outbuf;
  GST_VIDEO_CODEC_FRAME_SET_SYNC_POINT (frame);
  return gst_video_encoder_finish_frame (encoder, frame);
}

static void
gst_turbojpeg_enc_finalize (GObject *object)
{
  GstTurbojpegEnc *self = GST_TURBOJPEG_ENC (object);

  if (self->cinfo_created)
    jpeg_destroy_compress (&self->cinfo);
  g_free (self->scratch);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_turbojpeg_enc_class_init (GstTurbojpegEncClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoEncoderClass *venc_class = GST_VIDEO_ENCODER_CLASS (klass);

  gobject_class->set_property = gst_turbojpeg_enc_set_property;
  gobject_class->get_property = gst_turbojpeg_enc_get_property;
  gobject_class->finalize = gst_turbojpeg_enc_finalize;

  g_object_class_install_property (gobject_class, PROP_QUALITY,
      g_param_spec_int ("quality", "Quality",
          "JPEG quality (1-100), used when no imgcompress-variant event sets "
          "one; capped by the imgcompress-image event's hint",
          1, 100, DEFAULT_QUALITY,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_PROGRESSIVE,
      g_param_spec_boolean ("progressive", "Progressive",
          "Write progressive JPEG (SOF2), which browsers show coarse to fine, "
          "instead of baseline (SOF0); slower to encode and decode "
          "(default FALSE)",
          DEFAULT_PROGRESSIVE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_OPTIMIZE_CODING,
      g_param_spec_boolean ("optimize-coding", "Optimize coding",
          "Compute optimal Huffman tables for each image (smaller files, "
          "a little slower)",
          DEFAULT_OPTIMIZE_CODING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SUBSAMPLING,
      g_param_spec_enum ("subsampling", "Subsampling",
          "Chroma subsampling of the JPEG: auto keeps the input's layout "
          "(4:2:0 for RGB input)",
          GST_TYPE_TURBOJPEG_SUBSAMPLING, DEFAULT_SUBSAMPLING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_RESTART_INTERVAL,
      g_param_spec_uint ("restart-interval", "Restart interval",
          "Write a restart marker every this many MCUs, so that a decoder "
          "can resume after damaged data, at a few bytes per marker "
          "(0 = none, default 0)",
          0, 65535, DEFAULT_RESTART_INTERVAL,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_BACKGROUND,
      g_param_spec_uint ("background", "Background",
          "Colour (0xAARRGGBB, alpha ignored) that images with alpha are "
          "flattened on, since JPEG has no alpha; default white",
          0, G_MAXUINT32, DEFAULT_BACKGROUND,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  gst_imgcompress_metadata_install_properties (gobject_class, PROP_EMBED_ICC,
      PROP_COPYRIGHT);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "JPEG encoder (libjpeg-turbo, planar YUV)", "Codec/Encoder/Image",
      "Encodes planar YUV and RGB frames as JPEG with optimised Huffman "
      "tables",
      "gst-imgcompress authors");

  venc_class->start = GST_DEBUG_FUNCPTR (gst_turbojpeg_enc_start);
  venc_class->stop = GST_DEBUG_FUNCPTR (gst_turbojpeg_enc_stop);
  venc_class->set_format = GST_DEBUG_FUNCPTR (gst_turbojpeg_enc_set_format);
  venc_class->handle_frame = GST_DEBUG_FUNCPTR (gst_turbojpeg_enc_handle_frame);

  gst_type_mark_as_plugin_api (GST_TYPE_TURBOJPEG_SUBSAMPLING, 0);
}

static void
gst_turbojpeg_enc_init (GstTurbojpegEnc *self)
{
  self->quality = DEFAULT_QUALITY;
  self->progressive = DEFAULT_PROGRESSIVE;
  self->optimize_coding = DEFAULT_OPTIMIZE_CODING;
  self->subsampling = DEFAULT_SUBSAMPLING;
  self->restart_interval = DEFAULT_RESTART_INTERVAL;
  self->background = DEFAULT_BACKGROUND;
  init_range_luts (self);

  GST_PAD_SET_ACCEPT_TEMPLATE (GST_VIDEO_ENCODER_SINK_PAD (self));
}

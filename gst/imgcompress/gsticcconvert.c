/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgiccconvert
 * @title: imgiccconvert
 * @short_description: converts images with an embedded ICC profile to sRGB
 *
 * Reads the image's colour profile from the `imgcompress-colour-profile`
 * tag the decoders post (docs/design.md, "Image metadata") and converts
 * the pixels to sRGB in place, with lcms2 (relative colorimetric intent
 * with black point compensation; see docs/tuning.md, "Colour").  The tag
 * is then dropped from the stream: the pixels are sRGB.
 *
 * Untagged images, images tagged sRGB (a PNG sRGB chunk, or a profile
 * that describes sRGB under any name) and images whose profile was
 * damaged pass through untouched, without their buffers even being
 * mapped.  Transforms are cached per profile across images and
 * pipelines.
 *
 * Planar YUV (I420, Y42B, Y444) is converted through RGB, block of chroma
 * by block: each pixel's RGB is converted and the block's new chroma is
 * the mean of its pixels'; grey frames stay grey.
 *
 * imgcompressbin puts it after imgsizer in each variant branch, so that
 * it converts the reduced frames rather than the decoded one (its `icc`
 * property).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.jpg ! turbojpegdec ! imgsizer
 * max-dimension=500 ! imgiccconvert ! turbojpegenc ! filesink
 * location=photo-srgb.jpg
 * ]| Reduces a photo and writes it as sRGB: converted if it carries a
 * profile other than sRGB (Display P3, Adobe RGB, ...), untouched if not.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gsticcconvert.h"
#include "gstimgcompresselements.h"

#include <gst/imgcompress/imgcompress.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (img_icc_convert_debug);
#define GST_CAT_DEFAULT img_icc_convert_debug

#define VIDEO_FORMATS                                                          \
  "{ I420, Y42B, Y444, GRAY8, RGB, BGR, RGBA, BGRA, ARGB, ABGR, RGBx, BGRx, "  \
  "xRGB, xBGR }"

struct _GstImgIccConvert
{
  GstVideoFilter parent;

  /* streaming thread only */
  GstImgcompressIccTransform *transform;
  guint8 *rgb; /* one block row of RGB pixels */
  gsize rgb_size;
};

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (VIDEO_FORMATS)));

#define gst_img_icc_convert_parent_class parent_class
G_DEFINE_TYPE (GstImgIccConvert, gst_img_icc_convert, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (imgiccconvert, "imgiccconvert",
    GST_RANK_NONE, GST_TYPE_IMG_ICC_CONVERT,
    GST_DEBUG_CATEGORY_INIT (img_icc_convert_debug, "imgiccconvert", 0,
        "ICC profile to sRGB"));

static void
set_transform (GstImgIccConvert *self, GstImgcompressIccTransform *transform)
{
  if (self->transform != NULL)
    gst_imgcompress_icc_transform_unref (self->transform);
  self->transform = transform;
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self),
      transform == NULL);
}

/* The colour profile of the image that follows.  A profile for other
 * pixels than the frames' (CMYK, which the decoder converts itself, or a
 * grey profile on a colour image) is not applied. */
static GstEvent *
handle_tag_event (GstImgIccConvert *self, GstEvent *event)
{
  GstTagList *list, *rest;
  GstSample *sample = NULL;
  GstImgcompressIccTransform *t;
  GstImgcompressIccSpace space;

  gst_event_parse_tag (event, &list);
  if (gst_tag_list_get_scope (list) != GST_TAG_SCOPE_STREAM)
    return event;
  gst_tag_list_get_sample (list, GST_IMGCOMPRESS_TAG_COLOUR_PROFILE, &sample);
  t = gst_imgcompress_icc_transform_from_sample (sample);
  if (sample != NULL)
    gst_sample_unref (sample);
  if (t != NULL) {
    space = gst_imgcompress_icc_transform_get_space (t);
    if (space == GST_IMGCOMPRESS_ICC_SPACE_CMYK) {
      GST_DEBUG_OBJECT (self, "CMYK profile on decoded pixels: not applied");
      g_clear_pointer (&t, gst_imgcompress_icc_transform_unref);
    }
  }
  GST_DEBUG_OBJECT (self, "%s", t ? "converting to sRGB" : "passthrough");
  set_transform (self, t);
  if (t == NULL)
    return event;

  /* the output is sRGB: its profile is not the source's any more */
  rest = gst_tag_list_copy (list);
  gst_tag_list_remove_tag (rest, GST_IMGCOMPRESS_TAG_COLOUR_PROFILE);
  gst_event_unref (event);
  return gst_event_new_tag (rest);
}

static gboolean
gst_img_icc_convert_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstImgIccConvert *self = GST_IMG_ICC_CONVERT (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_TAG:
      event = handle_tag_event (self, event);
      break;
    case GST_EVENT_STREAM_START:
      set_transform (self, NULL);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_img_icc_convert_set_info (GstVideoFilter *filter, GstCaps *incaps,
    GstVideoInfo *in_info, GstCaps *outcaps, GstVideoInfo *out_info)
{
  GstImgIccConvert *self = GST_IMG_ICC_CONVERT (filter);
  guint rows = 1 << GST_VIDEO_FORMAT_INFO_H_SUB (in_info->finfo, 1);
  gsize pixels;

  /* width <= G_MAXINT, rows <= 2: no overflow in 64 bits */
  pixels = (gsize) GST_VIDEO_INFO_WIDTH (in_info) * rows;
  g_free (self->rgb);
  self->rgb_size = pixels * 3;
  self->rgb = g_try_malloc (self->rgb_size);
  return self->rgb != NULL;
}

static gboolean
gst_img_icc_convert_stop (GstBaseTransform *trans)
{
  GstImgIccConvert *self = GST_IMG_ICC_CONVERT (trans);

  set_transform (self, NULL);
  g_clear_pointer (&self->rgb, g_free);
  return TRUE;
}

static inline guint8
clamp_u8 (gfloat v)
{
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : (guint8) (v + 0.5f);
}

/* YCbCr <-> R'G'B' of the frame's matrix and range (JFIF: full-range
 * BT.601, as every decoder of ours outputs). */
typedef struct
{
  gfloat kr, kb, kg;
  gfloat yoff, yscale, coff, cscale;
} YuvCoefs;

static void
yuv_coefs (const GstVideoInfo *info, YuvCoefs *c)
{
  gdouble kr = 0.299, kb = 0.114;
  gint offset[4], scale[4];

  gst_video_color_matrix_get_Kr_Kb (info->colorimetry.matrix, &kr, &kb);
  gst_video_color_range_offsets (info->colorimetry.range, info->finfo, offset,
      scale);
  c->kr = kr;
  c->kb = kb;
  c->kg = 1.0 - kr - kb;
  c->yoff = offset[0];
  c->yscale = scale[0] / 255.0f;
  c->coff = offset[1];
  c->cscale = scale[1] / 255.0f;
  /* GRAY8 has no chroma component: its scale comes out as 0 */
  if (GST_VIDEO_FORMAT_INFO_N_COMPONENTS (info->finfo) < 3) {
    c->coff = 0.0f;
    c->cscale = 1.0f;
  }
}

static inline void
yuv_to_rgb (const YuvCoefs *c, guint8 y, guint8 u, guint8 v, guint8 *rgb)
{
  gfloat fy = (y - c->yoff) / c->yscale;
  gfloat fu = (u - c->coff) / c->cscale;
  gfloat fv = (v - c->coff) / c->cscale;
  gfloat r = fy + 2.0f * (1.0f - c->kr) * fv;
  gfloat b = fy + 2.0f * (1.0f - c->kb) * fu;
  gfloat g = (fy - c->kr * r - c->kb * b) / c->kg;

  rgb[0] = clamp_u8 (r);
  rgb[1] = clamp_u8 (g);
  rgb[2] = clamp_u8 (b);
}

static inline gfloat
luma (const YuvCoefs *c, const guint8 *rgb)
{
  return c->kr * rgb[0] + c->kg * rgb[1] + c->kb * rgb[2];
}

/* Planar YUV (and GRAY8, without chroma), by rows of chroma blocks: the
 * block's pixels to RGB with its chroma, converted, back to luma each and
 * to the mean chroma of the block. */
static void
convert_yuv (GstImgIccConvert *self, GstVideoFrame *frame)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  gboolean has_chroma = GST_VIDEO_FORMAT_INFO_N_COMPONENTS (finfo) >= 3;
  guint wsub = has_chroma ? GST_VIDEO_FORMAT_INFO_W_SUB (finfo, 1) : 0;
  guint hsub = has_chroma ? GST_VIDEO_FORMAT_INFO_H_SUB (finfo, 1) : 0;
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint bh = 1 << hsub, by, r, x;
  guint8 neutral;
  YuvCoefs c;

  yuv_coefs (&frame->info, &c);
  neutral = (guint8) c.coff;
  for (by = 0; by < height; by += bh) {
    guint rows = MIN (bh, height - by);
    guint8 *u = NULL, *v = NULL;

    if (has_chroma) {
      u = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 1) +
          (gsize) (by >> hsub) * GST_VIDEO_FRAME_COMP_STRIDE (frame, 1);
      v = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 2) +
          (gsize) (by >> hsub) * GST_VIDEO_FRAME_COMP_STRIDE (frame, 2);
    }
    for (r = 0; r < rows; r++) {
      const guint8 *y = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 0) +
          (gsize) (by + r) * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
      guint8 *rgb = self->rgb + (gsize) r * width * 3;

      /* a grey frame: neutral chroma, whatever its range's offset */
      for (x = 0; x < width; x++, rgb += 3)
        yuv_to_rgb (&c, y[x], u ? u[x >> wsub] : neutral,
            v ? v[x >> wsub] : neutral, rgb);
    }
    gst_imgcompress_icc_transform_pixels (self->transform, self->rgb, self->rgb,
        (gsize) rows * width);
    for (r = 0; r < rows; r++) {
      guint8 *y = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 0) +
          (gsize) (by + r) * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
      const guint8 *rgb = self->rgb + (gsize) r * width * 3;

      for (x = 0; x < width; x++, rgb += 3)
        y[x] = clamp_u8 (luma (&c, rgb) * c.yscale + c.yoff);
    }
    if (!has_chroma)
      continue;
    for (x = 0; x < width; x += 1u << wsub) {
      guint cols = MIN (1u << wsub, width - x), i, j;
      gfloat su = 0, sv = 0, n = rows * cols;

      for (j = 0; j < rows; j++) {
        const guint8 *rgb = self->rgb + ((gsize) j * width + x) * 3;

        for (i = 0; i < cols; i++, rgb += 3) {
          gfloat l = luma (&c, rgb);

          su += (rgb[2] - l) / (2.0f * (1.0f - c.kb));
          sv += (rgb[0] - l) / (2.0f * (1.0f - c.kr));
        }
      }
      u[x >> wsub] = clamp_u8 (su / n * c.cscale + c.coff);
      v[x >> wsub] = clamp_u8 (sv / n * c.cscale + c.coff);
    }
  }
}

/* Packed RGB in any component order, alpha left alone. */
static void
convert_packed (GstImgIccConvert *self, GstVideoFrame *frame)
{
  const GstVideoFormatInfo *finfo = frame->info.finfo;
  guint pstride = GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0);
  guint ro = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, 0);
  guint go = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, 1);
  guint bo = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, 2);
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint y, x;

  for (y = 0; y < height; y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (frame, 0) +
        (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
    guint8 *p = row, *rgb = self->rgb;

    for (x = 0; x < width; x++, p += pstride, rgb += 3) {
      rgb[0] = p[ro];
      rgb[1] = p[go];
      rgb[2] = p[bo];
    }
    gst_imgcompress_icc_transform_pixels (self->transform, self->rgb, self->rgb,
        width);
    for (x = 0, p = row, rgb = self->rgb; x < width;
         x++, p += pstride, rgb += 3) {
      p[ro] = rgb[0];
      p[go] = rgb[1];
      p[bo] = rgb[2];
    }
  }
}

/* A grey profile on a grey frame: its table, on the luma plane. */
static void
convert_gray (GstImgIccConvert *self, GstVideoFrame *frame)
{
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint y;

  for (y = 0; y < height; y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (frame, 0) +
        (gsize) y * GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);

    gst_imgcompress_icc_transform_pixels (self->transform, row, row, width);
  }
}

static GstFlowReturn
gst_img_icc_convert_transform_frame_ip (GstVideoFilter *filter,
    GstVideoFrame *frame)
{
  GstImgIccConvert *self = GST_IMG_ICC_CONVERT (filter);
  GstImgcompressIccSpace space;
  gboolean gray_frame =
      GST_VIDEO_FRAME_FORMAT (frame) == GST_VIDEO_FORMAT_GRAY8;

  if (self->transform == NULL)
    return GST_FLOW_OK;
  space = gst_imgcompress_icc_transform_get_space (self->transform);
  if (space == GST_IMGCOMPRESS_ICC_SPACE_GRAY) {
    /* a grey profile says nothing about a colour image's colours */
    if (gray_frame)
      convert_gray (self, frame);
    else
      GST_DEBUG_OBJECT (self, "grey profile on a colour image: not applied");
  } else if (GST_VIDEO_INFO_IS_YUV (&frame->info) || gray_frame) {
    convert_yuv (self, frame);
  } else {
    convert_packed (self, frame);
  }
  return GST_FLOW_OK;
}

static void
gst_img_icc_convert_finalize (GObject *object)
{
  GstImgIccConvert *self = GST_IMG_ICC_CONVERT (object);

  if (self->transform != NULL)
    gst_imgcompress_icc_transform_unref (self->transform);
  g_free (self->rgb);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_img_icc_convert_class_init (GstImgIccConvertClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);

  gst_imgcompress_colour_tag_register ();
  gobject_class->finalize = gst_img_icc_convert_finalize;

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "ICC profile to sRGB",
      "Filter/Converter/Video",
      "Converts images with an embedded ICC profile to sRGB (lcms2)",
      "gst-imgcompress authors");

  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_img_icc_convert_sink_event);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_img_icc_convert_stop);
  /* untagged images: not even mapped */
  trans_class->transform_ip_on_passthrough = FALSE;
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_img_icc_convert_set_info);
  filter_class->transform_frame_ip =
      GST_DEBUG_FUNCPTR (gst_img_icc_convert_transform_frame_ip);
}

static void
gst_img_icc_convert_init (GstImgIccConvert *self)
{
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), TRUE);
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

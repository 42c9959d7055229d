/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgsizer
 * @title: imgsizer
 *
 * Fits each image into a box (#GstImgSizer:max-dimension, or
 * #GstImgSizer:max-width x #GstImgSizer:max-height) keeping its display
 * aspect ratio, never enlarging unless #GstImgSizer:enlarge is set, and
 * turns it upright from its `image-orientation` tag
 * (#GstImgSizer:auto-orient).  The orientation is applied after the
 * reduction, where it is cheap, and the tag sent downstream says
 * `rotate-0` so that nothing applies it twice.
 *
 * The output size is the one gst_imgcompress_fit_box() gives: the bounding
 * axis gets exactly the box size, the other is rounded to the nearest
 * pixel (6028x3391 into 150 gives 150x84), never below one pixel.  When an
 * `imgcompress-variant` event carries a max-dimension, that square box
 * replaces the properties' box.  When nothing needs doing the element is
 * passthrough (no copy).
 *
 * imgsizer answers the `imgcompress-size-hint` query with its box, so a
 * decoder upstream can decode at a reduced scale.
 *
 * Planar YUV (I420, Y42B, Y444) and GRAY8 are resampled plane by plane at
 * each plane's own resolution, keeping the chroma siting; RGBA, BGRA and
 * ARGB are resampled with premultiplied alpha, so transparent areas do not
 * darken the edges of opaque ones.
 *
 * The filter is a separable Lanczos-3 (#GstImgSizer:method), after an
 * integer box pre-shrink for reductions of 4x and more, as libvips'
 * thumbnail does it.  Planes reduced less than that are filtered in bands
 * that stay in the CPU's caches; where the CPU has AVX2 they are computed
 * in 16-bit fixed point, within one level of the portable float code,
 * which `GST_IMGCOMPRESS_NO_SIMD=1` in the environment forces.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.jpg ! jpegparse ! jpegdec ! imgsizer
 * max-dimension=500 ! jpegenc ! filesink location=preview.jpg
 * ]| Writes a copy of photo.jpg that fits in 500x500 pixels.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgsizer.h"
#include "gstimgcompresselements.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/tag/tag.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_sizer_debug);
#define GST_CAT_DEFAULT gst_img_sizer_debug

#define DEFAULT_MAX_DIMENSION 0
#define DEFAULT_MAX_WIDTH 0
#define DEFAULT_MAX_HEIGHT 0
#define DEFAULT_ENLARGE FALSE
#define DEFAULT_AUTO_ORIENT TRUE
#define DEFAULT_METHOD GST_IMG_SIZER_METHOD_LANCZOS3
#define DEFAULT_N_THREADS 1

#define MAX_THREADS 64

/* No orientation tag seen (in that scope). */
#define ORIENTATION_NONE (-1)

enum
{
  PROP_0,
  PROP_MAX_DIMENSION,
  PROP_MAX_WIDTH,
  PROP_MAX_HEIGHT,
  PROP_ENLARGE,
  PROP_AUTO_ORIENT,
  PROP_METHOD,
  PROP_N_THREADS,
};

struct _GstImgSizer
{
  GstVideoFilter parent;

  /* Properties, under the object lock. */
  guint max_dimension;
  guint max_width;
  guint max_height;
  gboolean enlarge;
  gboolean auto_orient;
  GstImgSizerMethod method;
  guint n_threads;

  /* Stream state, under the object lock. */
  guint variant_max_dimension;
  gint stream_orientation;
  gint global_orientation;

  /* Streaming thread only. */
  ImgResamplePlan *plans[GST_VIDEO_MAX_PLANES];
  guint n_plans;
  GstVideoOrientationMethod plans_orientation;
  GstImgSizerMethod plans_method;
  GThreadPool *pool;
};

#define IMG_SIZER_FORMATS                                                      \
  "{ I420, Y42B, Y444, GRAY8, RGBA, BGRA, ARGB, RGB, BGR }"

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (IMG_SIZER_FORMATS)));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (IMG_SIZER_FORMATS)));

#define gst_img_sizer_parent_class parent_class
G_DEFINE_TYPE (GstImgSizer, gst_img_sizer, GST_TYPE_VIDEO_FILTER);
GST_ELEMENT_REGISTER_DEFINE (imgsizer, "imgsizer", GST_RANK_NONE,
    GST_TYPE_IMG_SIZER);

GType
gst_img_sizer_method_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_IMG_SIZER_METHOD_LANCZOS3,
        "Lanczos-3 after an integer box pre-shrink", "lanczos3" },
    { GST_IMG_SIZER_METHOD_BILINEAR, "Bilinear (triangle) filter", "bilinear" },
    { GST_IMG_SIZER_METHOD_BOX, "Box (area average)", "box" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImgSizerMethod", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

/* --- Geometry -------------------------------------------------------- */

static gboolean
orientation_transposes (GstVideoOrientationMethod m)
{
  return m == GST_VIDEO_ORIENTATION_90R || m == GST_VIDEO_ORIENTATION_90L ||
      m == GST_VIDEO_ORIENTATION_UL_LR || m == GST_VIDEO_ORIENTATION_UR_LL;
}

/* The orientation to apply now.  Call with the object lock held. */
static GstVideoOrientationMethod
applied_orientation_locked (GstImgSizer *self)
{
  if (!self->auto_orient)
    return GST_VIDEO_ORIENTATION_IDENTITY;
  if (self->stream_orientation != ORIENTATION_NONE)
    return (GstVideoOrientationMethod) self->stream_orientation;
  if (self->global_orientation != ORIENTATION_NONE)
    return (GstVideoOrientationMethod) self->global_orientation;
  return GST_VIDEO_ORIENTATION_IDENTITY;
}

static GstVideoOrientationMethod
applied_orientation (GstImgSizer *self)
{
  GstVideoOrientationMethod m;

  GST_OBJECT_LOCK (self);
  m = applied_orientation_locked (self);
  GST_OBJECT_UNLOCK (self);
  return m;
}

/* The box in the source's own orientation (0 = unbounded on that axis):
 * the box bounds the upright image, so a quarter turn swaps its sides. */
static void
source_box_locked (GstImgSizer *self, guint *box_width, guint *box_height)
{
  guint bw, bh;

  if (self->variant_max_dimension > 0) {
    bw = bh = self->variant_max_dimension;
  } else {
    bw = self->max_width ? self->max_width : self->max_dimension;
    bh = self->max_height ? self->max_height : self->max_dimension;
  }
  if (orientation_transposes (applied_orientation_locked (self))) {
    *box_width = bh;
    *box_height = bw;
  } else {
    *box_width = bw;
    *box_height = bh;
  }
}

/* Output frame size for an input frame, orientation included. */
static void
compute_output_size (GstImgSizer *self, guint width, guint height, gint par_n,
    gint par_d, guint *out_width, guint *out_height)
{
  guint bw, bh, sw, sh;
  gboolean enlarge, transpose;

  GST_OBJECT_LOCK (self);
  source_box_locked (self, &bw, &bh);
  enlarge = self->enlarge;
  transpose = orientation_transposes (applied_orientation_locked (self));
  GST_OBJECT_UNLOCK (self);

  gst_imgcompress_fit_box (width, height, par_n, par_d, bw, bh, enlarge, &sw,
      &sh);
  *out_width = transpose ? sh : sw;
  *out_height = transpose ? sw : sh;
}

static void
update_passthrough (GstImgSizer *self, const GstVideoInfo *in,
    const GstVideoInfo *out)
{
  gboolean passthrough;

  passthrough = GST_VIDEO_INFO_FORMAT (in) == GST_VIDEO_INFO_FORMAT (out) &&
      GST_VIDEO_INFO_WIDTH (in) == GST_VIDEO_INFO_WIDTH (out) &&
      GST_VIDEO_INFO_HEIGHT (in) == GST_VIDEO_INFO_HEIGHT (out) &&
      applied_orientation (self) == GST_VIDEO_ORIENTATION_IDENTITY;

  GST_DEBUG_OBJECT (self, "passthrough %d", passthrough);
  gst_base_transform_set_passthrough (GST_BASE_TRANSFORM (self), passthrough);
}

/* Where sample 0 of a plane sits, in luma pixels from the frame's edge. */
static gdouble
siting_offset (guint sub_shift, gboolean cosited)
{
  gdouble factor = (gdouble) (1 << sub_shift);

  return (sub_shift == 0 || cosited) ? 0.5 : factor / 2.0;
}

/* One axis of one plane: output sample i sits at luma coordinate
 * f_out * i + o_out of the output, which is S times that in the input's
 * luma coordinates, from which the input plane coordinate follows. */
static void
plane_axis (ImgResampleAxis *axis, guint in_luma, guint out_luma,
    guint in_plane, guint out_plane, guint in_shift, guint out_shift,
    gboolean in_cosited, gboolean out_cosited)
{
  gdouble s = (gdouble) in_luma / out_luma;
  gdouble f_in = (gdouble) (1 << in_shift), f_out = (gdouble) (1 << out_shift);
  gdouble o_in = siting_offset (in_shift, in_cosited);
  gdouble o_out = siting_offset (out_shift, out_cosited);

  axis->in_size = in_plane;
  axis->out_size = out_plane;
  axis->scale = f_out * s / f_in;
  axis->offset = (o_out * s - o_in) / f_in + 0.5;
}

static void
clear_plans (GstImgSizer *self)
{
  guint i;

  for (i = 0; i < self->n_plans; i++)
    img_resample_plan_free (self->plans[i]);
  memset (self->plans, 0, sizeof (self->plans));
  self->n_plans = 0;
}

static gboolean
format_is_packed (const GstVideoInfo *info)
{
  return GST_VIDEO_INFO_N_PLANES (info) == 1 &&
      GST_VIDEO_INFO_N_COMPONENTS (info) > 1;
}

/* One plan per plane, in the source orientation: the output frame's sizes,
 * subsampling and siting are read through the orientation. */
static gboolean
build_plans (GstImgSizer *self, const GstVideoInfo *in, const GstVideoInfo *out,
    GstVideoOrientationMethod orientation, GstImgSizerMethod method)
{
  const GstVideoFormatInfo *finfo = in->finfo;
  gboolean transpose = orientation_transposes (orientation);
  gboolean packed = format_is_packed (in);
  guint n = GST_VIDEO_INFO_N_PLANES (in);
  guint in_w = GST_VIDEO_INFO_WIDTH (in), in_h = GST_VIDEO_INFO_HEIGHT (in);
  guint sw, sh, p;
  gboolean in_hcos, in_vcos, out_hcos, out_vcos;

  clear_plans (self);

  sw = transpose ? GST_VIDEO_INFO_HEIGHT (out) : GST_VIDEO_INFO_WIDTH (out);
  sh = transpose ? GST_VIDEO_INFO_WIDTH (out) : GST_VIDEO_INFO_HEIGHT (out);

  in_hcos = (in->chroma_site & GST_VIDEO_CHROMA_SITE_H_COSITED) != 0;
  in_vcos = (in->chroma_site & GST_VIDEO_CHROMA_SITE_V_COSITED) != 0;
  out_hcos = (out->chroma_site & GST_VIDEO_CHROMA_SITE_H_COSITED) != 0;
  out_vcos = (out->chroma_site & GST_VIDEO_CHROMA_SITE_V_COSITED) != 0;
  if (transpose) {
    gboolean t = out_hcos;
    out_hcos = out_vcos;
    out_vcos = t;
  }

  for (p = 0; p < n; p++) {
    ImgResampleAxis ha, va;
    guint comp = packed ? 0 : p;
    guint nc = packed ? GST_VIDEO_FORMAT_INFO_PSTRIDE (finfo, 0) : 1;
    gint alpha = -1;
    guint out_cw = GST_VIDEO_INFO_COMP_WIDTH (out, comp);
    guint out_ch = GST_VIDEO_INFO_COMP_HEIGHT (out, comp);
    guint in_wsub = GST_VIDEO_FORMAT_INFO_W_SUB (finfo, comp);
    guint in_hsub = GST_VIDEO_FORMAT_INFO_H_SUB (finfo, comp);
    guint out_wsub = GST_VIDEO_FORMAT_INFO_W_SUB (out->finfo, comp);
    guint out_hsub = GST_VIDEO_FORMAT_INFO_H_SUB (out->finfo, comp);

    if (packed && GST_VIDEO_FORMAT_INFO_HAS_ALPHA (finfo))
      alpha = GST_VIDEO_FORMAT_INFO_POFFSET (finfo, GST_VIDEO_COMP_A);

    if (transpose) {
      plane_axis (&ha, in_w, sw, GST_VIDEO_INFO_COMP_WIDTH (in, comp), out_ch,
          in_wsub, out_hsub, in_hcos, out_hcos);
      plane_axis (&va, in_h, sh, GST_VIDEO_INFO_COMP_HEIGHT (in, comp), out_cw,
          in_hsub, out_wsub, in_vcos, out_vcos);
    } else {
      plane_axis (&ha, in_w, sw, GST_VIDEO_INFO_COMP_WIDTH (in, comp), out_cw,
          in_wsub, out_wsub, in_hcos, out_hcos);
      plane_axis (&va, in_h, sh, GST_VIDEO_INFO_COMP_HEIGHT (in, comp), out_ch,
          in_hsub, out_hsub, in_vcos, out_vcos);
    }

    self->plans[p] =
        img_resample_plan_new (&ha, &va, nc, alpha, (ImgResampleMethod) method);
    if (self->plans[p] == NULL) {
      clear_plans (self);
      return FALSE;
    }
    self->n_plans = p + 1;
    GST_DEBUG_OBJECT (self, "plane %u: %ux%u -> %ux%u, box %ux%u, taps %ux%u",
        p, ha.in_size, va.in_size, ha.out_size, va.out_size,
        img_resample_plan_get_shrink (self->plans[p], FALSE),
        img_resample_plan_get_shrink (self->plans[p], TRUE),
        img_resample_plan_get_taps (self->plans[p], FALSE),
        img_resample_plan_get_taps (self->plans[p], TRUE));
  }

  self->plans_orientation = orientation;
  self->plans_method = method;
  return TRUE;
}

/* --- Running the plans ------------------------------------------------- */

typedef struct
{
  const ImgResamplePlan *plan;
  const guint8 *src;
  gsize src_stride;
  guint8 *dst;
  gssize pixel_step;
  gssize row_step;
  guint rows;
} PlaneJob;

typedef struct
{
  PlaneJob planes[GST_VIDEO_MAX_PLANES];
  guint n_planes;
  guint n_bands;
  GMutex lock;
  GCond done;
  guint pending;
} FrameJob;

typedef struct
{
  FrameJob *job;
  guint band;
} BandTask;

static void
run_band (FrameJob *job, guint band)
{
  guint p;

  for (p = 0; p < job->n_planes; p++) {
    const PlaneJob *pj = &job->planes[p];
    guint first = (guint) ((guint64) pj->rows * band / job->n_bands);
    guint end = (guint) ((guint64) pj->rows * (band + 1) / job->n_bands);

    img_resample_plan_run (pj->plan, pj->src, pj->src_stride, pj->dst,
        pj->pixel_step, pj->row_step, first, end);
  }
}

static void
band_task_func (gpointer data, gpointer user_data)
{
  BandTask *task = data;
  FrameJob *job = task->job;

  run_band (job, task->band);

  g_mutex_lock (&job->lock);
  if (--job->pending == 0)
    g_cond_signal (&job->done);
  g_mutex_unlock (&job->lock);
}

/* Pointer to the output sample that source-oriented (0, 0) lands on, and
 * the steps for +1 in x and y there, for a plane of @w x @h samples (source
 * orientation) written with @ps bytes per pixel and @stride per row. */
static void
orient_plane (GstVideoOrientationMethod m, guint8 *data, gssize ps,
    gssize stride, guint w, guint h, guint8 **origin, gssize *xstep,
    gssize *ystep)
{
  gssize last_x = (gssize) w - 1, last_y = (gssize) h - 1;

  switch (m) {
    case GST_VIDEO_ORIENTATION_90R:
      *origin = data + last_y * ps;
      *xstep = stride;
      *ystep = -ps;
      break;
    case GST_VIDEO_ORIENTATION_180:
      *origin = data + last_x * ps + last_y * stride;
      *xstep = -ps;
      *ystep = -stride;
      break;
    case GST_VIDEO_ORIENTATION_90L:
      *origin = data + last_x * stride;
      *xstep = -stride;
      *ystep = ps;
      break;
    case GST_VIDEO_ORIENTATION_HORIZ:
      *origin = data + last_x * ps;
      *xstep = -ps;
      *ystep = stride;
      break;
    case GST_VIDEO_ORIENTATION_VERT:
      *origin = data + last_y * stride;
      *xstep = ps;
      *ystep = -stride;
      break;
    case GST_VIDEO_ORIENTATION_UL_LR:
      *origin = data;
      *xstep = stride;
      *ystep = ps;
      break;
    case GST_VIDEO_ORIENTATION_UR_LL:
      *origin = data + last_y * ps + last_x * stride;
      *xstep = -stride;
      *ystep = -ps;
      break;
    case GST_VIDEO_ORIENTATION_IDENTITY:
    default:
      *origin = data;
      *xstep = ps;
      *ystep = stride;
      break;
  }
}

static guint
effective_threads (GstImgSizer *self)
{
  guint n;

  GST_OBJECT_LOCK (self);
  n = self->n_threads;
  GST_OBJECT_UNLOCK (self);
  if (n == 0)
    n = g_get_num_processors ();
  return CLAMP (n, 1, MAX_THREADS);
}

static void
run_job (GstImgSizer *self, FrameJob *job)
{
  BandTask tasks[MAX_THREADS];
  guint b;

  if (job->n_bands > 1 && self->pool == NULL) {
    self->pool =
        g_thread_pool_new (band_task_func, NULL, MAX_THREADS - 1, FALSE, NULL);
  }
  if (job->n_bands == 1 || self->pool == NULL) {
    job->n_bands = 1;
    run_band (job, 0);
    return;
  }

  g_mutex_init (&job->lock);
  g_cond_init (&job->done);
  job->pending = job->n_bands - 1;
  for (b = 1; b < job->n_bands; b++) {
    tasks[b].job = job;
    tasks[b].band = b;
    g_thread_pool_push (self->pool, &tasks[b], NULL);
  }
  run_band (job, 0);

  g_mutex_lock (&job->lock);
  while (job->pending > 0)
    g_cond_wait (&job->done, &job->lock);
  g_mutex_unlock (&job->lock);
  g_cond_clear (&job->done);
  g_mutex_clear (&job->lock);
}

static GstFlowReturn
gst_img_sizer_transform_frame (GstVideoFilter *filter, GstVideoFrame *in_frame,
    GstVideoFrame *out_frame)
{
  GstImgSizer *self = GST_IMG_SIZER (filter);
  GstVideoOrientationMethod orientation = applied_orientation (self);
  gboolean transpose = orientation_transposes (orientation);
  gboolean packed = format_is_packed (&in_frame->info);
  GstImgSizerMethod method;
  FrameJob job;
  guint p, min_rows = G_MAXUINT;

  GST_OBJECT_LOCK (self);
  method = self->method;
  GST_OBJECT_UNLOCK (self);

  if (self->n_plans == 0 || self->plans_orientation != orientation ||
      self->plans_method != method) {
    if (!build_plans (self, &in_frame->info, &out_frame->info, orientation,
            method)) {
      GST_ELEMENT_ERROR (self, STREAM, FORMAT,
          (_ ("Cannot resize this image.")),
          ("no resampling tables for %dx%d -> %dx%d",
              GST_VIDEO_FRAME_WIDTH (in_frame),
              GST_VIDEO_FRAME_HEIGHT (in_frame),
              GST_VIDEO_FRAME_WIDTH (out_frame),
              GST_VIDEO_FRAME_HEIGHT (out_frame)));
      return GST_FLOW_ERROR;
    }
  }

  memset (&job, 0, sizeof (job));
  job.n_planes = self->n_plans;
  for (p = 0; p < job.n_planes; p++) {
    PlaneJob *pj = &job.planes[p];
    guint comp = packed ? 0 : p;
    gssize ps = packed ? GST_VIDEO_FRAME_COMP_PSTRIDE (out_frame, 0) : 1;
    guint ow = GST_VIDEO_FRAME_COMP_WIDTH (out_frame, comp);
    guint oh = GST_VIDEO_FRAME_COMP_HEIGHT (out_frame, comp);

    pj->plan = self->plans[p];
    pj->src = GST_VIDEO_FRAME_PLANE_DATA (in_frame, p);
    pj->src_stride = GST_VIDEO_FRAME_PLANE_STRIDE (in_frame, p);
    pj->rows = transpose ? ow : oh;
    orient_plane (orientation, GST_VIDEO_FRAME_PLANE_DATA (out_frame, p), ps,
        GST_VIDEO_FRAME_PLANE_STRIDE (out_frame, p), transpose ? oh : ow,
        transpose ? ow : oh, &pj->dst, &pj->pixel_step, &pj->row_step);
    min_rows = MIN (min_rows, pj->rows);
  }
  /* Bands narrower than a few rows would mostly recompute filter windows. */
  job.n_bands = MAX (1, MIN (effective_threads (self), min_rows / 16));

  run_job (self, &job);
  return GST_FLOW_OK;
}

/* --- Negotiation ----------------------------------------------------- */

/* Planar YUV with more chroma than 4:2:0 may come out as I420: its chroma
 * planes are resampled anyway, so reducing them costs nothing extra and
 * spares the encoders a conversion.  The input's own format is preferred. */
static const gchar *chroma_reducible[] = { "Y444", "Y42B" };

static gboolean
format_reduces_to_i420 (const gchar *format)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (chroma_reducible); i++)
    if (g_strcmp0 (format, chroma_reducible[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The formats on the other side for one format on this side. */
static void
append_other_formats (GValue *list, const gchar *format,
    GstPadDirection direction)
{
  GValue v = G_VALUE_INIT;
  guint i;

  g_value_init (&v, G_TYPE_STRING);
  g_value_set_string (&v, format);
  gst_value_list_append_value (list, &v);
  if (direction == GST_PAD_SINK && format_reduces_to_i420 (format)) {
    g_value_set_string (&v, "I420");
    gst_value_list_append_value (list, &v);
  } else if (direction == GST_PAD_SRC && g_strcmp0 (format, "I420") == 0) {
    for (i = 0; i < G_N_ELEMENTS (chroma_reducible); i++) {
      g_value_set_string (&v, chroma_reducible[i]);
      gst_value_list_append_value (list, &v);
    }
  }
  g_value_unset (&v);
}

static void
widen_format (GstStructure *s, GstPadDirection direction)
{
  const GValue *formats = gst_structure_get_value (s, "format");
  GValue list = G_VALUE_INIT;
  guint i;

  if (formats == NULL)
    return;
  g_value_init (&list, GST_TYPE_LIST);
  if (GST_VALUE_HOLDS_LIST (formats)) {
    for (i = 0; i < gst_value_list_get_size (formats); i++)
      append_other_formats (&list,
          g_value_get_string (gst_value_list_get_value (formats, i)),
          direction);
  } else if (G_VALUE_HOLDS_STRING (formats)) {
    append_other_formats (&list, g_value_get_string (formats), direction);
  }
  if (gst_value_list_get_size (&list) == 1)
    gst_structure_set_value (s, "format", gst_value_list_get_value (&list, 0));
  else if (gst_value_list_get_size (&list) > 1)
    gst_structure_set_value (s, "format", &list);
  g_value_unset (&list);
}

static GstCaps *
gst_img_sizer_transform_caps (GstBaseTransform *trans,
    GstPadDirection direction, GstCaps *caps, GstCaps *filter)
{
  GstCaps *ret = gst_caps_new_empty ();
  guint i, n = gst_caps_get_size (caps);

  for (i = 0; i < n; i++) {
    GstStructure *s = gst_caps_get_structure (caps, i);
    GstCapsFeatures *f = gst_caps_get_features (caps, i);

    if (i > 0 && gst_caps_is_subset_structure_full (ret, s, f))
      continue;

    s = gst_structure_copy (s);
    /* Any size: the size is chosen in fixate_caps. */
    gst_structure_set (s, "width", GST_TYPE_INT_RANGE, 1, G_MAXINT, "height",
        GST_TYPE_INT_RANGE, 1, G_MAXINT, NULL);
    if (gst_structure_has_field (s, "pixel-aspect-ratio"))
      gst_structure_set (s, "pixel-aspect-ratio", GST_TYPE_FRACTION_RANGE, 1,
          G_MAXINT, G_MAXINT, 1, NULL);
    widen_format (s, direction);
    gst_caps_append_structure_full (ret, s, gst_caps_features_copy (f));
  }

  if (filter != NULL) {
    GstCaps *tmp =
        gst_caps_intersect_full (filter, ret, GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (ret);
    ret = tmp;
  }
  GST_DEBUG_OBJECT (trans, "%" GST_PTR_FORMAT " -> %" GST_PTR_FORMAT, caps,
      ret);
  return ret;
}

static GstCaps *
gst_img_sizer_fixate_caps (GstBaseTransform *trans, GstPadDirection direction,
    GstCaps *caps, GstCaps *othercaps)
{
  GstImgSizer *self = GST_IMG_SIZER (trans);
  GstStructure *ins, *outs;
  gint w = 0, h = 0, par_n = 1, par_d = 1;
  guint ow, oh;

  othercaps = gst_caps_truncate (othercaps);
  if (direction != GST_PAD_SINK)
    return gst_caps_fixate (othercaps);

  othercaps = gst_caps_make_writable (othercaps);
  ins = gst_caps_get_structure (caps, 0);
  outs = gst_caps_get_structure (othercaps, 0);

  if (!gst_structure_get_int (ins, "width", &w) ||
      !gst_structure_get_int (ins, "height", &h) || w <= 0 || h <= 0)
    return gst_caps_fixate (othercaps);
  if (!gst_structure_get_fraction (ins, "pixel-aspect-ratio", &par_n, &par_d))
    par_n = par_d = 1;

  compute_output_size (self, w, h, par_n, par_d, &ow, &oh);
  GST_DEBUG_OBJECT (self, "%dx%d (par %d/%d) -> %ux%u", w, h, par_n, par_d, ow,
      oh);

  gst_structure_fixate_field_nearest_int (outs, "width", ow);
  gst_structure_fixate_field_nearest_int (outs, "height", oh);
  if (gst_structure_has_field (outs, "pixel-aspect-ratio"))
    gst_structure_fixate_field_nearest_fraction (outs, "pixel-aspect-ratio", 1,
        1);

  return gst_caps_fixate (othercaps);
}

static gboolean
gst_img_sizer_set_info (GstVideoFilter *filter, GstCaps *incaps,
    GstVideoInfo *in_info, GstCaps *outcaps, GstVideoInfo *out_info)
{
  GstImgSizer *self = GST_IMG_SIZER (filter);

  if (GST_VIDEO_INFO_FORMAT (in_info) != GST_VIDEO_INFO_FORMAT (out_info) &&
      !(GST_VIDEO_INFO_FORMAT (out_info) == GST_VIDEO_FORMAT_I420 &&
          format_reduces_to_i420 (GST_VIDEO_INFO_NAME (in_info)))) {
    GST_WARNING_OBJECT (self, "cannot convert %s to %s",
        GST_VIDEO_INFO_NAME (in_info), GST_VIDEO_INFO_NAME (out_info));
    return FALSE;
  }

  clear_plans (self);
  update_passthrough (self, in_info, out_info);
  GST_INFO_OBJECT (self, "%dx%d -> %dx%d %s", GST_VIDEO_INFO_WIDTH (in_info),
      GST_VIDEO_INFO_HEIGHT (in_info), GST_VIDEO_INFO_WIDTH (out_info),
      GST_VIDEO_INFO_HEIGHT (out_info), GST_VIDEO_INFO_NAME (in_info));
  return TRUE;
}

/* Something the output size depends on changed: negotiate again before
 * the next frame, and leave passthrough now if an orientation appeared
 * (the caps may stay the same, e.g. for a 180 degree turn). */
static void
output_changed (GstImgSizer *self)
{
  GstVideoFilter *filter = GST_VIDEO_FILTER (self);

  if (filter->negotiated)
    update_passthrough (self, &filter->in_info, &filter->out_info);
  gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
}

/* --- Events and queries ------------------------------------------------ */

static GstEvent *
handle_tag_event (GstImgSizer *self, GstEvent *event)
{
  GstTagList *list = NULL;
  GstVideoOrientationMethod method;
  gboolean has, auto_orient, changed;
  GstVideoOrientationMethod before;
  gint value;

  gst_event_parse_tag (event, &list);
  has = gst_video_orientation_from_tag (list, &method);
  value = has ? (gint) method : ORIENTATION_NONE;

  GST_OBJECT_LOCK (self);
  before = applied_orientation_locked (self);
  /* A tag event replaces the earlier tags of its scope. */
  if (gst_tag_list_get_scope (list) == GST_TAG_SCOPE_GLOBAL)
    self->global_orientation = value;
  else
    self->stream_orientation = value;
  changed = applied_orientation_locked (self) != before;
  auto_orient = self->auto_orient;
  GST_OBJECT_UNLOCK (self);

  if (changed) {
    GST_INFO_OBJECT (self, "orientation now %d", value);
    output_changed (self);
  }

  if (auto_orient && has) {
    GstTagList *upright = gst_tag_list_copy (list);

    /* We turn the pixels; downstream must not turn them again. */
    gst_tag_list_add (upright, GST_TAG_MERGE_REPLACE, GST_TAG_IMAGE_ORIENTATION,
        "rotate-0", NULL);
    gst_event_unref (event);
    event = gst_event_new_tag (upright);
  }
  return event;
}

static void
handle_variant_event (GstImgSizer *self, GstEvent *event)
{
  GstImgcompressVariantInfo info;
  gboolean changed;

  if (!gst_imgcompress_variant_event_parse (event, &info))
    return;

  GST_OBJECT_LOCK (self);
  changed = self->variant_max_dimension != info.max_dimension;
  self->variant_max_dimension = info.max_dimension;
  GST_OBJECT_UNLOCK (self);

  GST_DEBUG_OBJECT (self, "variant %s, max-dimension %u",
      GST_STR_NULL (info.variant), info.max_dimension);
  if (changed)
    output_changed (self);
  gst_imgcompress_variant_info_clear (&info);
}

static gboolean
gst_img_sizer_sink_event (GstBaseTransform *trans, GstEvent *event)
{
  GstImgSizer *self = GST_IMG_SIZER (trans);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_TAG:
      event = handle_tag_event (self, event);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY:
      handle_variant_event (self, event);
      break;
    case GST_EVENT_STREAM_START:
      GST_OBJECT_LOCK (self);
      self->stream_orientation = ORIENTATION_NONE;
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      break;
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)->sink_event (trans, event);
}

static gboolean
gst_img_sizer_query (GstBaseTransform *trans, GstPadDirection direction,
    GstQuery *query)
{
  GstImgSizer *self = GST_IMG_SIZER (trans);

  if (direction == GST_PAD_SINK && gst_imgcompress_query_is_size_hint (query)) {
    guint bw, bh;

    GST_OBJECT_LOCK (self);
    source_box_locked (self, &bw, &bh);
    GST_OBJECT_UNLOCK (self);

    if (bw > 0 || bh > 0) {
      /* An unbounded side does not limit the decoder. */
      gst_imgcompress_size_hint_query_set (query, bw ? bw : G_MAXINT,
          bh ? bh : G_MAXINT);
      GST_DEBUG_OBJECT (self, "answered size hint %ux%u", bw, bh);
      return TRUE;
    }
  }
  return GST_BASE_TRANSFORM_CLASS (parent_class)
      ->query (trans, direction, query);
}

static gboolean
gst_img_sizer_stop (GstBaseTransform *trans)
{
  GstImgSizer *self = GST_IMG_SIZER (trans);

  clear_plans (self);
  GST_OBJECT_LOCK (self);
  self->variant_max_dimension = 0;
  self->stream_orientation = ORIENTATION_NONE;
  self->global_orientation = ORIENTATION_NONE;
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

/* --- GObject --------------------------------------------------------- */

static void
gst_img_sizer_set_property (GObject *object, guint prop_id, const GValue *value,
    GParamSpec *pspec)
{
  GstImgSizer *self = GST_IMG_SIZER (object);
  gboolean reconfigure = TRUE;

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_DIMENSION:
      self->max_dimension = g_value_get_uint (value);
      break;
    case PROP_MAX_WIDTH:
      self->max_width = g_value_get_uint (value);
      break;
    case PROP_MAX_HEIGHT:
      self->max_height = g_value_get_uint (value);
      break;
    case PROP_ENLARGE:
      self->enlarge = g_value_get_boolean (value);
      break;
    case PROP_AUTO_ORIENT:
      self->auto_orient = g_value_get_boolean (value);
      break;
    case PROP_METHOD:
      self->method = g_value_get_enum (value);
      reconfigure = FALSE;
      break;
    case PROP_N_THREADS:
      self->n_threads = g_value_get_uint (value);
      reconfigure = FALSE;
      break;
    default:
      reconfigure = FALSE;
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);

  if (reconfigure)
    output_changed (self);
}

static void
gst_img_sizer_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstImgSizer *self = GST_IMG_SIZER (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_DIMENSION:
      g_value_set_uint (value, self->max_dimension);
      break;
    case PROP_MAX_WIDTH:
      g_value_set_uint (value, self->max_width);
      break;
    case PROP_MAX_HEIGHT:
      g_value_set_uint (value, self->max_height);
      break;
    case PROP_ENLARGE:
      g_value_set_boolean (value, self->enlarge);
      break;
    case PROP_AUTO_ORIENT:
      g_value_set_boolean (value, self->auto_orient);
      break;
    case PROP_METHOD:
      g_value_set_enum (value, self->method);
      break;
    case PROP_N_THREADS:
      g_value_set_uint (value, self->n_threads);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_img_sizer_finalize (GObject *object)
{
  GstImgSizer *self = GST_IMG_SIZER (object);

  clear_plans (self);
  if (self->pool != NULL)
    g_thread_pool_free (self->pool, FALSE, TRUE);
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_img_sizer_class_init (GstImgSizerClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);
  GstVideoFilterClass *filter_class = GST_VIDEO_FILTER_CLASS (klass);
  const GParamFlags flags =
      G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING;

  GST_DEBUG_CATEGORY_INIT (gst_img_sizer_debug, "imgsizer", 0,
      "Photo downscaling and orientation");

  gobject_class->set_property = gst_img_sizer_set_property;
  gobject_class->get_property = gst_img_sizer_get_property;
  gobject_class->finalize = gst_img_sizer_finalize;

  g_object_class_install_property (gobject_class, PROP_MAX_DIMENSION,
      g_param_spec_uint ("max-dimension", "Max dimension",
          "Fit the image into a square box of this many pixels; an "
          "imgcompress-variant event's max-dimension replaces it "
          "(0 = no limit, default 0)",
          0, G_MAXINT, DEFAULT_MAX_DIMENSION, flags));
  g_object_class_install_property (gobject_class, PROP_MAX_WIDTH,
      g_param_spec_uint ("max-width", "Max width",
          "Box width in pixels, overriding max-dimension for the width "
          "(0 = use max-dimension, default 0)",
          0, G_MAXINT, DEFAULT_MAX_WIDTH, flags));
  g_object_class_install_property (gobject_class, PROP_MAX_HEIGHT,
      g_param_spec_uint ("max-height", "Max height",
          "Box height in pixels, overriding max-dimension for the height "
          "(0 = use max-dimension, default 0)",
          0, G_MAXINT, DEFAULT_MAX_HEIGHT, flags));
  g_object_class_install_property (gobject_class, PROP_ENLARGE,
      g_param_spec_boolean ("enlarge", "Enlarge",
          "Scale images smaller than the box up to it (default FALSE)",
          DEFAULT_ENLARGE, flags));
  g_object_class_install_property (gobject_class, PROP_AUTO_ORIENT,
      g_param_spec_boolean ("auto-orient", "Auto orient",
          "Turn the image upright from its image-orientation tag, and tag "
          "the output rotate-0 (default TRUE)",
          DEFAULT_AUTO_ORIENT, flags));
  g_object_class_install_property (gobject_class, PROP_METHOD,
      g_param_spec_enum ("method", "Method",
          "Resampling filter (default lanczos3)", GST_TYPE_IMG_SIZER_METHOD,
          DEFAULT_METHOD, flags));
  g_object_class_install_property (gobject_class, PROP_N_THREADS,
      g_param_spec_uint ("n-threads", "Threads",
          "Threads sharing the rows of each image (0 = one per core, "
          "default 1)",
          0, MAX_THREADS, DEFAULT_N_THREADS, flags));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "Image sizer",
      "Filter/Effect/Converter/Video/Scaler",
      "Fits photos into a box with a Lanczos-3 reduction and applies their "
      "EXIF orientation",
      "gst-imgcompress authors");

  trans_class->transform_caps =
      GST_DEBUG_FUNCPTR (gst_img_sizer_transform_caps);
  trans_class->fixate_caps = GST_DEBUG_FUNCPTR (gst_img_sizer_fixate_caps);
  trans_class->sink_event = GST_DEBUG_FUNCPTR (gst_img_sizer_sink_event);
  trans_class->query = GST_DEBUG_FUNCPTR (gst_img_sizer_query);
  trans_class->stop = GST_DEBUG_FUNCPTR (gst_img_sizer_stop);
  filter_class->set_info = GST_DEBUG_FUNCPTR (gst_img_sizer_set_info);
  filter_class->transform_frame =
      GST_DEBUG_FUNCPTR (gst_img_sizer_transform_frame);

  gst_type_mark_as_plugin_api (GST_TYPE_IMG_SIZER_METHOD, 0);
}

static void
gst_img_sizer_init (GstImgSizer *self)
{
  self->max_dimension = DEFAULT_MAX_DIMENSION;
  self->max_width = DEFAULT_MAX_WIDTH;
  self->max_height = DEFAULT_MAX_HEIGHT;
  self->enlarge = DEFAULT_ENLARGE;
  self->auto_orient = DEFAULT_AUTO_ORIENT;
  self->method = DEFAULT_METHOD;
  self->n_threads = DEFAULT_N_THREADS;
  self->stream_orientation = ORIENTATION_NONE;
  self->global_orientation = ORIENTATION_NONE;
  self->plans_orientation = GST_VIDEO_ORIENTATION_IDENTITY;
}

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgsizer: output sizes, passthrough, odd chroma, orientation, alpha,
 * quality against Pillow's Lanczos on real photos, renegotiation. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <gst/imgcompress/imgcompress.h>

#include <glib/gstdio.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgcheck.h"

#define PYTHON "/usr/bin/python3"

/* --- Helpers ----------------------------------------------------------- */

static GstHarness *
sizer_new (guint max_dimension)
{
  GstHarness *h = gst_harness_new ("imgsizer");

  g_object_set (h->element, "max-dimension", max_dimension, NULL);
  return h;
}

static void
set_caps (GstHarness *h, const gchar *format, gint width, gint height,
    gint par_n, gint par_d)
{
  GstCaps *caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
      format, "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
      "framerate", GST_TYPE_FRACTION, 0, 1, NULL);

  if (par_n > 0)
    gst_caps_set_simple (caps, "pixel-aspect-ratio", GST_TYPE_FRACTION, par_n,
        par_d, NULL);
  gst_harness_set_src_caps (h, caps);
}

static void
push_orientation (GstHarness *h, const gchar *orientation)
{
  GstTagList *tags =
      gst_tag_list_new (GST_TAG_IMAGE_ORIENTATION, orientation, NULL);

  gst_tag_list_set_scope (tags, GST_TAG_SCOPE_STREAM);
  fail_unless (gst_harness_push_event (h, gst_event_new_tag (tags)));
}

/* A frame of the harness' current input caps; each sample is fill(). */
typedef guint8 (*SampleFunc) (guint plane, guint x, guint y, guint c);

static GstBuffer *
make_frame (GstHarness *h, SampleFunc fill)
{
  GstCaps *caps = gst_pad_get_current_caps (h->srcpad);
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
  guint p, x, y, c;

  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  fail_unless (gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE));
  for (p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++) {
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);
    guint comp = GST_VIDEO_FRAME_N_PLANES (&frame) == 1 ? 0 : p;
    guint w = GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp);
    guint hh = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp);
    guint ps = GST_VIDEO_FRAME_N_PLANES (&frame) == 1 ?
        GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0) :
        1;

    for (y = 0; y < hh; y++)
      for (x = 0; x < w; x++)
        for (c = 0; c < ps; c++)
          data[y * stride + x * ps + c] = fill (p, x, y, c);
  }
  gst_video_frame_unmap (&frame);
  return buf;
}

static guint8
fill_mid_grey (guint plane, guint x, guint y, guint c)
{
  return 128;
}

/* Output caps after pushing one frame. */
static void
output_size (GstHarness *h, gint *width, gint *height)
{
  GstCaps *caps;
  GstStructure *s;
  GstBuffer *out;

  fail_unless_equals_int (gst_harness_push (h, make_frame (h, fill_mid_grey)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  caps = gst_pad_get_current_caps (h->sinkpad);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_get_int (s, "width", width));
  fail_unless (gst_structure_get_int (s, "height", height));
  {
    GstVideoInfo info;
    fail_unless (gst_video_info_from_caps (&info, caps));
    fail_unless (gst_buffer_get_size (out) >= GST_VIDEO_INFO_SIZE (&info));
  }
  gst_caps_unref (caps);
  gst_buffer_unref (out);
}

/* The output frame as a plane-by-plane copy, to compare sample by
 * sample. */
typedef struct
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf;
} OutFrame;

static void
pull_frame (GstHarness *h, OutFrame *of)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);

  of->buf = gst_harness_pull (h);
  fail_unless (of->buf != NULL);
  fail_unless (gst_video_info_from_caps (&of->info, caps));
  gst_caps_unref (caps);
  fail_unless (gst_video_frame_map (&of->frame, &of->info, of->buf,
      GST_MAP_READ));
}

static void
out_frame_clear (OutFrame *of)
{
  gst_video_frame_unmap (&of->frame);
  gst_buffer_unref (of->buf);
}

static guint8
sample_at (OutFrame *of, guint plane, guint x, guint y, guint c)
{
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&of->frame, plane);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&of->frame, plane);
  guint ps = GST_VIDEO_FRAME_N_PLANES (&of->frame) == 1 ?
      GST_VIDEO_FRAME_COMP_PSTRIDE (&of->frame, 0) :
      1;

  return data[y * stride + x * ps + c];
}

/* --- Output sizes ------------------------------------------------------ */

typedef struct
{
  gint width, height, par_n, par_d;
  guint box, max_width, max_height;
  gboolean enlarge;
  const gchar *orientation;
  gint expect_width, expect_height;
} SizeCase;

static const SizeCase size_cases[] = {
  { 6028, 3391, 0, 0, 150, 0, 0, FALSE, NULL, 150, 84 },
  { 5640, 3172, 0, 0, 2048, 0, 0, FALSE, NULL, 2048, 1152 },
  { 3391, 6028, 0, 0, 500, 0, 0, FALSE, NULL, 281, 500 },
  { 1, 1, 0, 0, 150, 0, 0, FALSE, NULL, 1, 1 },
  { 1, 10000, 0, 0, 150, 0, 0, FALSE, NULL, 1, 150 },
  { 10000, 1, 0, 0, 150, 0, 0, FALSE, NULL, 150, 1 },
  { 10000, 1, 0, 0, 150, 0, 0, FALSE, "rotate-90", 1, 150 },
  { 640, 480, 0, 0, 150, 0, 0, FALSE, "rotate-90", 113, 150 },
  { 640, 480, 0, 0, 150, 0, 0, FALSE, "rotate-180", 150, 113 },
  { 640, 480, 0, 0, 150, 0, 0, FALSE, "rotate-270", 113, 150 },
  { 640, 480, 0, 0, 150, 0, 0, FALSE, "flip-rotate-90", 113, 150 },
  { 640, 480, 0, 0, 150, 0, 0, FALSE, "flip-rotate-270", 113, 150 },
  { 640, 480, 0, 0, 150, 0, 0, FALSE, "flip-rotate-0", 150, 113 },
  { 100, 50, 0, 0, 150, 0, 0, FALSE, NULL, 100, 50 },
  { 100, 50, 0, 0, 150, 0, 0, FALSE, "rotate-90", 50, 100 },
  { 100, 50, 0, 0, 150, 0, 0, TRUE, NULL, 150, 75 },
  { 1000, 500, 0, 0, 0, 300, 100, FALSE, NULL, 200, 100 },
  /* The box bounds the upright image. */
  { 1000, 500, 0, 0, 0, 300, 100, FALSE, "rotate-90", 50, 100 },
  { 400, 300, 2, 1, 1000, 0, 0, FALSE, NULL, 800, 300 },
  { 400, 300, 2, 1, 400, 0, 0, FALSE, NULL, 400, 150 },
  { 3, 3, 0, 0, 1, 0, 0, FALSE, NULL, 1, 1 },
};

GST_START_TEST (test_output_caps_table)
{
  const gchar *formats[] = { "I420", "GRAY8", "RGBA" };
  guint i, f;

  for (f = 0; f < G_N_ELEMENTS (formats); f++) {
    for (i = 0; i < G_N_ELEMENTS (size_cases); i++) {
      const SizeCase *sc = &size_cases[i];
      GstHarness *h = sizer_new (sc->box);
      gint w = 0, hh = 0;

      g_object_set (h->element, "max-width", sc->max_width, "max-height",
          sc->max_height, "enlarge", sc->enlarge, NULL);
      set_caps (h, formats[f], sc->width, sc->height, sc->par_n, sc->par_d);
      if (sc->orientation)
        push_orientation (h, sc->orientation);
      output_size (h, &w, &hh);
      GST_INFO ("%s %dx%d box %u %s -> %dx%d", formats[f], sc->width,
          sc->height, sc->box, GST_STR_NULL (sc->orientation), w, hh);
      fail_unless (w == sc->expect_width && hh == sc->expect_height,
          "%s case %u: %dx%d box %u (%ux%u) %s gave %dx%d, expected %dx%d",
          formats[f], i, sc->width, sc->height, sc->box, sc->max_width,
          sc->max_height, GST_STR_NULL (sc->orientation), w, hh,
          sc->expect_width, sc->expect_height);
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

GST_START_TEST (test_orientation_known_before_caps)
{
  GstHarness *h = sizer_new (150);
  GstTagList *tags =
      gst_tag_list_new (GST_TAG_IMAGE_ORIENTATION, "rotate-270", NULL);
  gint w, hh;

  /* Tags may also come first (e.g. from a parser); same result. */
  gst_harness_play (h);
  fail_unless (gst_pad_push_event (h->srcpad,
      gst_event_new_stream_start ("tags-first")));
  fail_unless (gst_pad_push_event (h->srcpad, gst_event_new_tag (tags)));
  set_caps (h, "I420", 640, 480, 0, 0);
  output_size (h, &w, &hh);
  fail_unless_equals_int (w, 113);
  fail_unless_equals_int (hh, 150);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* --- Passthrough ------------------------------------------------------- */

GST_START_TEST (test_passthrough_when_it_fits)
{
  GstHarness *h = sizer_new (150);
  GstBuffer *in, *out;

  set_caps (h, "I420", 120, 90, 0, 0);
  in = make_frame (h, fill_mid_grey);
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  /* The very same buffer: no copy. */
  fail_unless (out == in);
  fail_unless (
      gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (h->element)));
  gst_buffer_unref (out);
  gst_buffer_unref (in);

  /* An orientation makes it work again, though the size may not change. */
  push_orientation (h, "rotate-180");
  in = make_frame (h, fill_mid_grey);
  gst_buffer_ref (in);
  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != in);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* --- Odd I420 sizes ---------------------------------------------------- */

static guint8
fill_constant_yuv (guint plane, guint x, guint y, guint c)
{
  static const guint8 value[] = { 90, 60, 200 };
  return value[plane];
}

/* Luma bright right of x = 100, chroma likewise (chroma column 50 starts
 * at luma 100): the edge must land at the same place in every plane. */
static guint8
fill_vertical_edge (guint plane, guint x, guint y, guint c)
{
  guint edge = plane == 0 ? 100 : 50;
  static const guint8 dark[] = { 16, 64, 64 }, bright[] = { 235, 192, 192 };

  return x < edge ? dark[plane] : bright[plane];
}

/* Where a row crosses the middle value, in luma pixels from the left edge;
 * @scale is luma pixels per sample, @offset the luma position of sample 0's
 * centre. */
static gdouble
row_crossing (OutFrame *of, guint plane, guint y, guint width, gdouble scale,
    gdouble offset)
{
  gdouble lo = sample_at (of, plane, 0, y, 0);
  gdouble hi = sample_at (of, plane, width - 1, y, 0);
  gdouble mid = (lo + hi) / 2;
  guint x;

  for (x = 0; x + 1 < width; x++) {
    gdouble a = sample_at (of, plane, x, y, 0);
    gdouble b = sample_at (of, plane, x + 1, y, 0);
    if (a < mid && b >= mid)
      return (x + (mid - a) / (b - a)) * scale + offset;
  }
  return -1;
}

GST_START_TEST (test_odd_i420_sizes)
{
  static const gint sizes[][3] = {
    { 101, 75, 50 },
    { 75, 101, 50 },
    { 33, 17, 10 },
    { 9, 7, 3 },
    { 5, 3, 1 },
    { 2001, 1, 100 },
    { 1, 2001, 100 },
  };
  guint i, p, x, y;

  /* Every sample of every plane, edges included, keeps a flat colour. */
  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstHarness *h = sizer_new (sizes[i][2]);
    OutFrame of;

    set_caps (h, "I420", sizes[i][0], sizes[i][1], 0, 0);
    fail_unless_equals_int (gst_harness_push (h,
                                make_frame (h, fill_constant_yuv)),
        GST_FLOW_OK);
    pull_frame (h, &of);
    for (p = 0; p < 3; p++) {
      guint cw = GST_VIDEO_FRAME_COMP_WIDTH (&of.frame, p);
      guint ch = GST_VIDEO_FRAME_COMP_HEIGHT (&of.frame, p);

      if (p > 0) {
        /* Chroma planes of odd frames round up. */
        fail_unless_equals_int (cw,
            (GST_VIDEO_FRAME_WIDTH (&of.frame) + 1) / 2);
        fail_unless_equals_int (ch,
            (GST_VIDEO_FRAME_HEIGHT (&of.frame) + 1) / 2);
      }
      for (y = 0; y < ch; y++)
        for (x = 0; x < cw; x++)
          fail_unless_equals_int (sample_at (&of, p, x, y, 0),
              fill_constant_yuv (p, 0, 0, 0));
    }
    out_frame_clear (&of);
    gst_harness_teardown (h);
  }

  /* Siting: 201x101 reduced 3x to 67x34 (odd, chroma 34x17).  With
   * centred chroma (JPEG) the chroma edge lies at luma 100 like the luma
   * edge; co-sited (MPEG-2) chroma sample j sits on luma 2j, so there it
   * lies at 99.5.  Both must land at a third of that in the output. */
  for (i = 0; i < 2; i++) {
    gboolean cosited = i == 1;
    GstHarness *h = sizer_new (67);
    GstCaps *caps = gst_caps_from_string (cosited ?
            "video/x-raw,format=I420,width=201,height=101,framerate=0/1,"
            "colorimetry=bt601,chroma-site=mpeg2" :
            "video/x-raw,format=I420,width=201,height=101,framerate=0/1,"
            "colorimetry=bt601,chroma-site=jpeg");
    OutFrame of;
    gdouble luma, chroma;

    gst_harness_set_src_caps (h, caps);
    fail_unless_equals_int (gst_harness_push (h,
                                make_frame (h, fill_vertical_edge)),
        GST_FLOW_OK);
    pull_frame (h, &of);
    fail_unless_equals_int (GST_VIDEO_FRAME_WIDTH (&of.frame), 67);
    fail_unless_equals_int (of.info.chroma_site,
        cosited ? GST_VIDEO_CHROMA_SITE_MPEG2 : GST_VIDEO_CHROMA_SITE_JPEG);
    luma = row_crossing (&of, 0, 10, 67, 1.0, 0.5);
    chroma = row_crossing (&of, 1, 5, 34, 2.0, cosited ? 0.5 : 1.0);
    GST_INFO ("edge at luma %.3f, chroma %.3f", luma, chroma);
    fail_unless (fabs (luma - 100.0 / 3) < 0.1, "luma edge at %f", luma);
    fail_unless (fabs (chroma - (cosited ? 99.5 : 100.0) / 3) < 0.15,
        "chroma edge at %f (%s)", chroma, cosited ? "mpeg2" : "jpeg");
    out_frame_clear (&of);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* 4:2:2 turned a quarter: the chroma planes, half width before, must come
 * out half width of the turned frame, so they are resampled, not just
 * moved; flat colour stays flat, every sample of every plane. */
/* Y444 (chroma edge at luma 101) into a box that wants I420 downstream:
 * chroma is reduced by the resampler, not dropped, and the edge stays where
 * it was; flat areas keep their value.  Same size too (no resize, still a
 * conversion, so no passthrough). */
static guint8
fill_y444_edge (guint plane, guint x, guint y, guint c)
{
  static const guint8 dark[] = { 40, 70, 180 }, bright[] = { 200, 170, 60 };

  return x < 101 ? dark[plane] : bright[plane];
}

GST_START_TEST (test_chroma_reduced_to_i420)
{
  static const guint boxes[] = { 100, 0 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (boxes); i++) {
    GstHarness *h = gst_harness_new_parse ("imgsizer ! capsfilter "
                                           "caps=video/x-raw,format=I420");
    GstElement *sizer = gst_harness_find_element (h, "imgsizer");
    OutFrame of;
    gint ow, ew = boxes[i] ? 100 : 201;
    gdouble scale = boxes[i] ? 201.0 / 100.0 : 1.0;
    gdouble crossing;

    g_object_set (sizer, "max-dimension", boxes[i], NULL);
    gst_object_unref (sizer);
    set_caps (h, "Y444", 201, 81, 0, 0);
    fail_unless_equals_int (gst_harness_push (h,
                                make_frame (h, fill_y444_edge)),
        GST_FLOW_OK);
    pull_frame (h, &of);
    fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&of.info),
        GST_VIDEO_FORMAT_I420);
    ow = GST_VIDEO_INFO_WIDTH (&of.info);
    fail_unless_equals_int (ow, ew);
    fail_unless_equals_int (GST_VIDEO_INFO_COMP_WIDTH (&of.info, 1),
        (ow + 1) / 2);
    /* Flat areas keep their chroma. */
    fail_unless (ABS (sample_at (&of, 1, 2, 2, 0) - 70) <= 1);
    fail_unless (ABS (sample_at (&of, 2, (ow + 1) / 2 - 2, 2, 0) - 60) <= 1);
    /* The edge is at luma 101 of the source in both planes (the centre of
     * JPEG-sited I420 chroma sample 0 is luma 1 of the output). */
    crossing = row_crossing (&of, 0, 2, ow, scale, 0.5 * scale);
    fail_unless (fabs (crossing - 101) < 1.5, "luma edge at %f", crossing);
    crossing = row_crossing (&of, 1, 2, (ow + 1) / 2, 2 * scale, scale);
    fail_unless (fabs (crossing - 101) < 2.5, "chroma edge at %f", crossing);
    out_frame_clear (&of);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_y42b_quarter_turn)
{
  /* width, height, box, turned width, turned height */
  static const gint sizes[][5] = { { 9, 5, 0, 5, 9 }, { 101, 60, 40, 24, 40 },
    { 8, 8, 0, 8, 8 } };
  guint i, p, x, y;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstHarness *h = sizer_new (sizes[i][2]);
    OutFrame of;

    set_caps (h, "Y42B", sizes[i][0], sizes[i][1], 0, 0);
    push_orientation (h, "rotate-90");
    fail_unless_equals_int (gst_harness_push (h,
                                make_frame (h, fill_constant_yuv)),
        GST_FLOW_OK);
    pull_frame (h, &of);
    fail_unless_equals_int (GST_VIDEO_FRAME_WIDTH (&of.frame), sizes[i][3]);
    fail_unless_equals_int (GST_VIDEO_FRAME_HEIGHT (&of.frame), sizes[i][4]);
    for (p = 0; p < 3; p++) {
      guint cw = GST_VIDEO_FRAME_COMP_WIDTH (&of.frame, p);
      guint ch = GST_VIDEO_FRAME_COMP_HEIGHT (&of.frame, p);

      if (p > 0) {
        fail_unless_equals_int (cw,
            (GST_VIDEO_FRAME_WIDTH (&of.frame) + 1) / 2);
        fail_unless_equals_int (ch, GST_VIDEO_FRAME_HEIGHT (&of.frame));
      }
      for (y = 0; y < ch; y++)
        for (x = 0; x < cw; x++)
          fail_unless_equals_int (sample_at (&of, p, x, y, 0),
              fill_constant_yuv (p, 0, 0, 0));
    }
    out_frame_clear (&of);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* --- Orientation ------------------------------------------------------- */

/* A small plane held as rows of @nc-byte pixels. */
typedef struct
{
  guint w, h, nc;
  guint8 px[64 * 4];
} Plane;

/* The display transforms the tag names, built from two primitives. */
static Plane
rotate_clockwise (const Plane *in)
{
  Plane out = { in->h, in->w, in->nc, { 0 } };
  guint x, y, c;

  /* Input row y becomes output column h - 1 - y. */
  for (y = 0; y < in->h; y++)
    for (x = 0; x < in->w; x++)
      for (c = 0; c < in->nc; c++)
        out.px[(x * out.w + (in->h - 1 - y)) * in->nc + c] =
            in->px[(y * in->w + x) * in->nc + c];
  return out;
}

static Plane
mirror (const Plane *in)
{
  Plane out = *in;
  guint x, y, c;

  for (y = 0; y < in->h; y++)
    for (x = 0; x < in->w; x++)
      for (c = 0; c < in->nc; c++)
        out.px[(y * in->w + (in->w - 1 - x)) * in->nc + c] =
            in->px[(y * in->w + x) * in->nc + c];
  return out;
}

static Plane
display_transform (const Plane *in, const gchar *orientation)
{
  Plane p = *in;
  guint quarter_turns, i;

  if (g_str_has_prefix (orientation, "flip-")) {
    p = mirror (&p);
    orientation += strlen ("flip-");
  }
  quarter_turns = atoi (orientation + strlen ("rotate-")) / 90;
  for (i = 0; i < quarter_turns; i++)
    p = rotate_clockwise (&p);
  return p;
}

static guint8
fill_unique (guint plane, guint x, guint y, guint c)
{
  return (guint8) (1 + plane * 60 + y * 13 + x * 3 + c);
}

static void
check_orientation (const gchar *format, gint width, gint height,
    const gchar *orientation)
{
  GstHarness *h = sizer_new (0);
  OutFrame of;
  GstEvent *ev;
  gboolean saw_upright_tag = FALSE;
  guint p, x, y, c;

  set_caps (h, format, width, height, 0, 0);
  push_orientation (h, orientation);
  fail_unless_equals_int (gst_harness_push (h, make_frame (h, fill_unique)),
      GST_FLOW_OK);
  pull_frame (h, &of);

  for (p = 0; p < GST_VIDEO_FRAME_N_PLANES (&of.frame); p++) {
    gboolean packed = GST_VIDEO_FRAME_N_PLANES (&of.frame) == 1;
    Plane src = { 0 }, want;
    const GstVideoFormatInfo *finfo = of.info.finfo;
    guint comp = packed ? 0 : p;

    src.nc = packed ? GST_VIDEO_FRAME_COMP_PSTRIDE (&of.frame, 0) : 1;
    src.w =
        GST_VIDEO_SUB_SCALE (GST_VIDEO_FORMAT_INFO_W_SUB (finfo, comp), width);
    src.h =
        GST_VIDEO_SUB_SCALE (GST_VIDEO_FORMAT_INFO_H_SUB (finfo, comp), height);
    for (y = 0; y < src.h; y++)
      for (x = 0; x < src.w; x++)
        for (c = 0; c < src.nc; c++)
          src.px[(y * src.w + x) * src.nc + c] = fill_unique (p, x, y, c);

    want = display_transform (&src, orientation);
    fail_unless_equals_int (GST_VIDEO_FRAME_COMP_WIDTH (&of.frame, comp),
        want.w);
    fail_unless_equals_int (GST_VIDEO_FRAME_COMP_HEIGHT (&of.frame, comp),
        want.h);
    for (y = 0; y < want.h; y++)
      for (x = 0; x < want.w; x++)
        for (c = 0; c < want.nc; c++)
          fail_unless (sample_at (&of, p, x, y, c) ==
                  want.px[(y * want.w + x) * want.nc + c],
              "%s %s plane %u (%u,%u).%u: got %u want %u", format, orientation,
              p, x, y, c, sample_at (&of, p, x, y, c),
              want.px[(y * want.w + x) * want.nc + c]);
  }
  out_frame_clear (&of);

  /* Downstream is told the pixels are upright now. */
  while ((ev = gst_harness_try_pull_event (h)) != NULL) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_TAG) {
      GstTagList *tags;
      gchar *value = NULL;

      gst_event_parse_tag (ev, &tags);
      fail_unless (gst_tag_list_get_string (tags, GST_TAG_IMAGE_ORIENTATION,
          &value));
      fail_unless_equals_string (value, "rotate-0");
      g_free (value);
      saw_upright_tag = TRUE;
    }
    gst_event_unref (ev);
  }
  fail_unless (saw_upright_tag);
  gst_harness_teardown (h);
}

static const gchar *orientations[] = {
  "rotate-0",
  "rotate-90",
  "rotate-180",
  "rotate-270",
  "flip-rotate-0",
  "flip-rotate-90",
  "flip-rotate-180",
  "flip-rotate-270",
};

GST_START_TEST (test_each_orientation_pixel_by_pixel)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (orientations); i++) {
    check_orientation ("GRAY8", 5, 3, orientations[i]);
    check_orientation ("I420", 6, 4, orientations[i]);
    check_orientation ("Y444", 3, 2, orientations[i]);
    check_orientation ("RGB", 4, 3, orientations[i]);
    check_orientation ("ARGB", 3, 2, orientations[i]);
  }
}

GST_END_TEST;

GST_START_TEST (test_auto_orient_off)
{
  GstHarness *h = sizer_new (150);
  GstEvent *ev;
  gint w, hh;

  g_object_set (h->element, "auto-orient", FALSE, NULL);
  set_caps (h, "I420", 640, 480, 0, 0);
  push_orientation (h, "rotate-90");
  output_size (h, &w, &hh);
  fail_unless_equals_int (w, 150);
  fail_unless_equals_int (hh, 113);
  /* The tag goes on untouched, for someone else to apply. */
  while ((ev = gst_harness_try_pull_event (h)) != NULL) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_TAG) {
      GstTagList *tags;
      gchar *value = NULL;

      gst_event_parse_tag (ev, &tags);
      fail_unless (gst_tag_list_get_string (tags, GST_TAG_IMAGE_ORIENTATION,
          &value));
      fail_unless_equals_string (value, "rotate-90");
      g_free (value);
    }
    gst_event_unref (ev);
  }
  gst_harness_teardown (h);
}

GST_END_TEST;

/* --- Alpha ------------------------------------------------------------- */

/* Left half transparent black, right half opaque white. */
static guint8
fill_half_transparent (guint plane, guint x, guint y, guint c)
{
  if (x < 32)
    return 0;
  return 255;
}

GST_START_TEST (test_alpha_edge_does_not_darken)
{
  static const struct
  {
    const gchar *format;
    guint alpha;
  } cases[] = { { "RGBA", 3 }, { "BGRA", 3 }, { "ARGB", 0 } };
  guint i, x, y, c, method;

  for (method = 0; method < 3; method++) {
    for (i = 0; i < G_N_ELEMENTS (cases); i++) {
      GstHarness *h = sizer_new (16);
      OutFrame of;
      guint partial = 0;

      g_object_set (h->element, "method", method, NULL);
      set_caps (h, cases[i].format, 64, 64, 0, 0);
      fail_unless_equals_int (gst_harness_push (h,
                                  make_frame (h, fill_half_transparent)),
          GST_FLOW_OK);
      pull_frame (h, &of);
      for (y = 0; y < 16; y++) {
        for (x = 0; x < 16; x++) {
          guint a = sample_at (&of, 0, x, y, cases[i].alpha);

          if (a > 0 && a < 255)
            partial++;
          if (a < 8)
            continue;
          /* Any visible pixel is white, however transparent. */
          for (c = 0; c < 4; c++) {
            if (c != cases[i].alpha)
              fail_unless (sample_at (&of, 0, x, y, c) >= 250,
                  "%s method %u (%u,%u) alpha %u colour %u", cases[i].format,
                  method, x, y, a, sample_at (&of, 0, x, y, c));
          }
        }
      }
      /* The edge really was blended (else the test proves nothing). */
      if (method != 2)
        fail_unless (partial > 0);
      out_frame_clear (&of);
      gst_harness_teardown (h);
    }
  }
}

GST_END_TEST;

/* --- Real photos against Pillow --------------------------------------- */

static const gchar *pil_script =
    "import sys\n"
    "from PIL import Image\n"
    "im = Image.open(sys.argv[1])\n"
    "im.draft('YCbCr', im.size)\n"
    "y = im if im.mode == 'L' else im.getchannel(0)\n"
    "args = sys.argv[2:]\n"
    "for i in range(0, len(args), 3):\n"
    "    size = (int(args[i]), int(args[i + 1]))\n"
    "    r = y.resize(size, Image.LANCZOS, reducing_gap=None)\n"
    "    open(args[i + 2], 'wb').write(r.tobytes())\n";

static gboolean
have_pil (void)
{
  gchar *argv[] = { (gchar *) PYTHON, (gchar *) "-c",
    (gchar *) "import PIL.Image", NULL };
  gint status = 0;

  if (!g_spawn_sync (NULL, argv, NULL,
          G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
          NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

static GstSample *
decode_jpeg (const gchar *path)
{
  GError *err = NULL;
  GstElement *pipeline, *src, *sink;
  GstSample *sample;

  /* islow: the IDCT Pillow's libjpeg-turbo uses too. */
  pipeline = gst_parse_launch ("filesrc name=src ! jpegparse ! "
                               "jpegdec idct-method=islow ! appsink name=sink "
                               "sync=false",
      &err);
  fail_unless (pipeline != NULL, "%s", err ? err->message : "");
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "location", path, NULL);
  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (src);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return sample;
}

GST_START_TEST (test_ssim_against_pillow_lanczos)
{
  static const gchar *photos[] = {
    "Kleiber_by_Lukas_Baubkus.jpg",
    "Elephants_5640x3172.jpg",
    "Infinite-Sea_by_Aury88.jpg",
  };
  static const guint boxes[] = { 150, 500, 2048 };
  gchar *tmpdir;
  guint i, b;

  if (!have_pil ()) {
    fprintf (stderr,
        "\n*** SKIPPING SSIM check: " PYTHON
        " with PIL is not available ***\n\n");
    return;
  }
  tmpdir = g_dir_make_tmp ("imgsizer-XXXXXX", NULL);
  fail_unless (tmpdir != NULL);

  for (i = 0; i < G_N_ELEMENTS (photos); i++) {
    gchar *path = imgcheck_corpus_file (photos[i]);
    GPtrArray *argv;
    GstBuffer *outs[G_N_ELEMENTS (boxes)];
    GstVideoInfo out_infos[G_N_ELEMENTS (boxes)];
    GstVideoInfo in_info;
    GstSample *sample;
    gint status = 0;

    if (path == NULL)
      continue;
    sample = decode_jpeg (path);
    fail_unless (sample != NULL, "could not decode %s", path);
    fail_unless (gst_video_info_from_caps (&in_info,
        gst_sample_get_caps (sample)));

    argv = g_ptr_array_new_with_free_func (g_free);
    g_ptr_array_add (argv, g_strdup (PYTHON));
    g_ptr_array_add (argv, g_strdup ("-c"));
    g_ptr_array_add (argv, g_strdup (pil_script));
    g_ptr_array_add (argv, g_strdup (path));

    for (b = 0; b < G_N_ELEMENTS (boxes); b++) {
      GstHarness *h = sizer_new (boxes[b]);
      GstCaps *caps;

      gst_harness_set_src_caps (h,
          gst_caps_copy (gst_sample_get_caps (sample)));
      fail_unless_equals_int (
          gst_harness_push (h, gst_buffer_ref (gst_sample_get_buffer (sample))),
          GST_FLOW_OK);
      outs[b] = gst_harness_pull (h);
      caps = gst_pad_get_current_caps (h->sinkpad);
      fail_unless (gst_video_info_from_caps (&out_infos[b], caps));
      gst_caps_unref (caps);
      gst_harness_teardown (h);

      g_ptr_array_add (argv,
          g_strdup_printf ("%d", GST_VIDEO_INFO_WIDTH (&out_infos[b])));
      g_ptr_array_add (argv,
          g_strdup_printf ("%d", GST_VIDEO_INFO_HEIGHT (&out_infos[b])));
      g_ptr_array_add (argv, g_strdup_printf ("%s/ref-%u-%u.y", tmpdir, i, b));
    }
    g_ptr_array_add (argv, NULL);

    fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
        G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status, NULL));
    fail_unless (g_spawn_check_wait_status (status, NULL),
        "Pillow failed on %s", path);

    for (b = 0; b < G_N_ELEMENTS (boxes); b++) {
      gchar *ref_path = g_strdup_printf ("%s/ref-%u-%u.y", tmpdir, i, b);
      gint w = GST_VIDEO_INFO_WIDTH (&out_infos[b]);
      gint hh = GST_VIDEO_INFO_HEIGHT (&out_infos[b]);
      GstVideoFrame frame;
      gchar *ref;
      gsize ref_len;
      gdouble ssim;

      fail_unless (g_file_get_contents (ref_path, &ref, &ref_len, NULL));
      fail_unless_equals_uint64 (ref_len, (guint64) w * hh);
      fail_unless (gst_video_frame_map (&frame, &out_infos[b], outs[b],
          GST_MAP_READ));
      ssim = imgcheck_luma_ssim (GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
          GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0), (const guint8 *) ref, w, w,
          hh);
      gst_video_frame_unmap (&frame);
      /* Not GST_INFO: the figure is part of what this test reports. */
      fprintf (stderr, "imgsizer SSIM %s %dx%d -> box %u %dx%d: %.5f\n",
          photos[i], GST_VIDEO_INFO_WIDTH (&in_info),
          GST_VIDEO_INFO_HEIGHT (&in_info), boxes[b], w, hh, ssim);
      fail_unless (ssim >= 0.995, "%s box %u: luma SSIM %.5f < 0.995",
          photos[i], boxes[b], ssim);
      g_unlink (ref_path);
      g_free (ref_path);
      g_free (ref);
      gst_buffer_unref (outs[b]);
    }

    g_ptr_array_unref (argv);
    gst_sample_unref (sample);
    g_free (path);
  }
  g_rmdir (tmpdir);
  g_free (tmpdir);
}

GST_END_TEST;

/* --- Renegotiation, variant event, size hint --------------------------- */

GST_START_TEST (test_second_image_of_another_size)
{
  GstHarness *h = sizer_new (500);
  gint w, hh;

  set_caps (h, "I420", 800, 600, 0, 0);
  output_size (h, &w, &hh);
  fail_unless_equals_int (w, 500);
  fail_unless_equals_int (hh, 375);

  set_caps (h, "I420", 600, 1000, 0, 0);
  output_size (h, &w, &hh);
  fail_unless_equals_int (w, 300);
  fail_unless_equals_int (hh, 500);

  /* And one that already fits: passthrough again. */
  set_caps (h, "I420", 320, 200, 0, 0);
  output_size (h, &w, &hh);
  fail_unless_equals_int (w, 320);
  fail_unless_equals_int (hh, 200);
  fail_unless (
      gst_base_transform_is_passthrough (GST_BASE_TRANSFORM (h->element)));
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_variant_event_overrides_box)
{
  GstHarness *h = sizer_new (2048);
  GstImgcompressVariantInfo info;
  gint w, hh;

  set_caps (h, "I420", 4000, 3000, 0, 0);
  output_size (h, &w, &hh);
  fail_unless_equals_int (w, 2048);
  fail_unless_equals_int (hh, 1536);

  gst_imgcompress_variant_info_init (&info);
  info.variant = g_strdup ("thumbnail");
  info.max_dimension = 150;
  fail_unless (gst_harness_push_event (h,
      gst_imgcompress_variant_event_new (&info)));
  gst_imgcompress_variant_info_clear (&info);
  output_size (h, &w, &hh);
  fail_unless_equals_int (w, 150);
  fail_unless_equals_int (hh, 113);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_answers_size_hint)
{
  GstHarness *h = sizer_new (500);
  GstQuery *q;
  guint mw = 0, mh = 0;

  set_caps (h, "I420", 4000, 3000, 0, 0);
  q = gst_imgcompress_size_hint_query_new ();
  fail_unless (gst_pad_peer_query (h->srcpad, q));
  fail_unless (gst_imgcompress_size_hint_query_parse (q, &mw, &mh));
  fail_unless_equals_int (mw, 500);
  fail_unless_equals_int (mh, 500);
  gst_query_unref (q);

  /* A non-square box is given in the source's orientation. */
  g_object_set (h->element, "max-width", 400, "max-height", 100, NULL);
  push_orientation (h, "rotate-90");
  q = gst_imgcompress_size_hint_query_new ();
  fail_unless (gst_pad_peer_query (h->srcpad, q));
  fail_unless (gst_imgcompress_size_hint_query_parse (q, &mw, &mh));
  fail_unless_equals_int (mw, 100);
  fail_unless_equals_int (mh, 400);
  gst_query_unref (q);
  gst_harness_teardown (h);

  /* With no box there is nothing to say. */
  h = sizer_new (0);
  set_caps (h, "I420", 4000, 3000, 0, 0);
  q = gst_imgcompress_size_hint_query_new ();
  gst_pad_peer_query (h->srcpad, q);
  fail_if (gst_imgcompress_size_hint_query_parse (q, NULL, NULL));
  gst_query_unref (q);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_threads_give_same_pixels)
{
  GstHarness *h1 = sizer_new (97), *h4 = sizer_new (97);
  GstBuffer *in;
  OutFrame a, b;
  guint p, x, y;

  g_object_set (h4->element, "n-threads", 4, NULL);
  set_caps (h1, "I420", 1001, 777, 0, 0);
  set_caps (h4, "I420", 1001, 777, 0, 0);
  in = make_frame (h1, fill_unique);
  fail_unless_equals_int (gst_harness_push (h1, gst_buffer_ref (in)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h4, in), GST_FLOW_OK);
  pull_frame (h1, &a);
  pull_frame (h4, &b);
  for (p = 0; p < 3; p++)
    for (y = 0; y < (guint) GST_VIDEO_FRAME_COMP_HEIGHT (&a.frame, p); y++)
      for (x = 0; x < (guint) GST_VIDEO_FRAME_COMP_WIDTH (&a.frame, p); x++)
        fail_unless_equals_int (sample_at (&a, p, x, y, 0),
            sample_at (&b, p, x, y, 0));
  out_frame_clear (&a);
  out_frame_clear (&b);
  gst_harness_teardown (h1);
  gst_harness_teardown (h4);
}

GST_END_TEST;

/* A vertical ramp with a bump, the same in every channel. */
static guint8
fill_ramp (guint plane, guint x, guint y, guint c)
{
  if (c == 3)
    return 255;
  return (guint8) MIN (255, y * 9 + (y % 3 == 1 ? 40 : 0) + x);
}

/* Enlarging, a window may start a row before the previous one's: every
 * row it reads must still be the source row, not one the resampler has
 * moved on to.  Opaque RGBA (resampled by the row ring) must give the
 * picture of GRAY8 (the direct path), level for level. */
GST_START_TEST (test_enlarging_reads_the_right_rows)
{
  static const gint heights[][2] = { { 7, 100 }, { 10, 137 }, { 13, 250 },
    { 17, 403 }, { 23, 333 }, { 29, 1000 } };
  guint i, x, y;

  for (i = 0; i < G_N_ELEMENTS (heights); i++) {
    gint in_h = heights[i][0], box = heights[i][1];
    GstHarness *hg = sizer_new (box), *hr = sizer_new (box);
    OutFrame g, r;

    g_object_set (hg->element, "enlarge", TRUE, NULL);
    g_object_set (hr->element, "enlarge", TRUE, NULL);
    set_caps (hg, "GRAY8", 5, in_h, 0, 0);
    set_caps (hr, "RGBA", 5, in_h, 0, 0);
    fail_unless_equals_int (gst_harness_push (hg, make_frame (hg, fill_ramp)),
        GST_FLOW_OK);
    fail_unless_equals_int (gst_harness_push (hr, make_frame (hr, fill_ramp)),
        GST_FLOW_OK);
    pull_frame (hg, &g);
    pull_frame (hr, &r);
    fail_unless_equals_int (GST_VIDEO_FRAME_HEIGHT (&g.frame),
        GST_VIDEO_FRAME_HEIGHT (&r.frame));
    for (y = 0; y < (guint) GST_VIDEO_FRAME_HEIGHT (&g.frame); y++)
      for (x = 0; x < (guint) GST_VIDEO_FRAME_WIDTH (&g.frame); x++) {
        gint a = sample_at (&g, 0, x, y, 0), b = sample_at (&r, 0, x, y, 1);
        fail_unless (ABS (a - b) <= 1,
            "%d rows to %d: (%u, %u) is %d in GRAY8, %d in RGBA", in_h, box, x,
            y, a, b);
      }
    out_frame_clear (&g);
    out_frame_clear (&r);
    gst_harness_teardown (hg);
    gst_harness_teardown (hr);
  }
}

GST_END_TEST;

static Suite *
imgsizer_suite (void)
{
  Suite *s = suite_create ("imgsizer");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_output_caps_table);
  tcase_add_test (tc, test_orientation_known_before_caps);
  tcase_add_test (tc, test_passthrough_when_it_fits);
  tcase_add_test (tc, test_odd_i420_sizes);
  tcase_add_test (tc, test_y42b_quarter_turn);
  tcase_add_test (tc, test_each_orientation_pixel_by_pixel);
  tcase_add_test (tc, test_auto_orient_off);
  tcase_add_test (tc, test_alpha_edge_does_not_darken);
  tcase_add_test (tc, test_second_image_of_another_size);
  tcase_add_test (tc, test_variant_event_overrides_box);
  tcase_add_test (tc, test_answers_size_hint);
  tcase_add_test (tc, test_threads_give_same_pixels);
  tcase_add_test (tc, test_enlarging_reads_the_right_rows);
  tcase_add_test (tc, test_ssim_against_pillow_lanczos);
  tcase_add_test (tc, test_chroma_reduced_to_i420);
  return s;
}

GST_CHECK_MAIN (imgsizer);

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgpngdec: every PNG colour type and bit depth (made at test time by
 * make-png.py) against Pillow's decode; the output format of each kind;
 * 16-bit rounding; eXIf orientation and the colour-profile tag; shrink on
 * load; images of changing kind in one stream; and an error naming the
 * fault (never a buffer) for every kind of damage. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "imgcheck.h"

/* pushed in pieces of this size, as from filesrc */
#define PIECE 1000

static gchar *cases_dir;

typedef struct
{
  const gchar *name;
  GstVideoFormat format;
  gboolean sixteen; /* Pillow truncates, we round: 1 level */
} PngCase;

/* *INDENT-OFF* */
static const PngCase cases[] = {
  { "grey1", GST_VIDEO_FORMAT_GRAY8 },
  { "grey2", GST_VIDEO_FORMAT_GRAY8 },
  { "grey4", GST_VIDEO_FORMAT_GRAY8 },
  { "grey8", GST_VIDEO_FORMAT_GRAY8 },
  { "grey16", GST_VIDEO_FORMAT_GRAY8, TRUE },
  { "grey1-interlaced", GST_VIDEO_FORMAT_GRAY8 },
  { "grey2-interlaced", GST_VIDEO_FORMAT_GRAY8 },
  { "grey4-interlaced", GST_VIDEO_FORMAT_GRAY8 },
  { "grey8-interlaced", GST_VIDEO_FORMAT_GRAY8 },
  { "grey16-interlaced", GST_VIDEO_FORMAT_GRAY8, TRUE },
  { "greyalpha8", GST_VIDEO_FORMAT_RGBA },
  { "greyalpha16", GST_VIDEO_FORMAT_RGBA, TRUE },
  { "rgb8", GST_VIDEO_FORMAT_I420 },
  { "rgb16", GST_VIDEO_FORMAT_I420, TRUE },
  { "rgb8-interlaced", GST_VIDEO_FORMAT_I420 },
  { "rgb16-interlaced", GST_VIDEO_FORMAT_I420, TRUE },
  { "rgb8-even", GST_VIDEO_FORMAT_I420 },
  { "rgb8-1x1", GST_VIDEO_FORMAT_I420 },
  { "rgba8", GST_VIDEO_FORMAT_RGBA },
  { "rgba16", GST_VIDEO_FORMAT_RGBA, TRUE },
  { "rgba8-interlaced", GST_VIDEO_FORMAT_RGBA },
  { "rgba16-interlaced", GST_VIDEO_FORMAT_RGBA, TRUE },
  { "palette1", GST_VIDEO_FORMAT_I420 },
  { "palette2", GST_VIDEO_FORMAT_I420 },
  { "palette4", GST_VIDEO_FORMAT_I420 },
  { "palette8", GST_VIDEO_FORMAT_I420 },
  { "palette1-trns", GST_VIDEO_FORMAT_RGBA },
  { "palette2-trns", GST_VIDEO_FORMAT_RGBA },
  { "palette4-trns", GST_VIDEO_FORMAT_RGBA },
  { "palette8-trns", GST_VIDEO_FORMAT_RGBA },
  { "grey8-trns", GST_VIDEO_FORMAT_RGBA },
  { "grey16-trns", GST_VIDEO_FORMAT_RGBA, TRUE },
  { "rgb8-trns", GST_VIDEO_FORMAT_RGBA },
  { "rgb16-trns", GST_VIDEO_FORMAT_RGBA, TRUE },
};
/* *INDENT-ON* */

static gchar *
case_path (const gchar *name, const gchar *ext)
{
  gchar *file = g_strconcat (name, ext, NULL);
  gchar *path = g_build_filename (cases_dir, file, NULL);

  g_free (file);
  return path;
}

static GBytes *
read_case (const gchar *name, const gchar *ext)
{
  gchar *path = case_path (name, ext), *data;
  gsize size;

  fail_unless (g_file_get_contents (path, &data, &size, NULL), "no %s", path);
  g_free (path);
  return g_bytes_new_take (data, size);
}

static GstHarness *
new_decoder (const gchar *launch)
{
  GstHarness *h = gst_harness_new_parse (launch ? launch : "imgpngdec");

  gst_harness_set_src_caps_str (h, "image/png");
  return h;
}

/* Pushes @bytes in pieces, then EOS. */
static void
push_bytes (GstHarness *h, GBytes *bytes)
{
  gsize size, off;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  for (off = 0; off < size; off += PIECE)
    fail_unless_equals_int (gst_harness_push (h,
                                gst_buffer_new_memdup (data + off,
                                    MIN (PIECE, size - off))),
        GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
}

/* Decodes case @name: one frame, its caps in @info. */
static GstBuffer *
decode_case (const gchar *launch, const gchar *name, GstVideoInfo *info)
{
  GstHarness *h = new_decoder (launch);
  GBytes *bytes = read_case (name, ".png");
  GstBuffer *out;
  GstCaps *caps;

  push_bytes (h, bytes);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  out = gst_harness_pull (h);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
  g_bytes_unref (bytes);
  gst_harness_teardown (h);
  return out;
}

static gint
jfif_luma (const guint8 *p)
{
  return (gint) floor (0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] + 0.5);
}

/* The JFIF chroma of the average of up to four reference pixels. */
static void
jfif_chroma (const guint8 *ref, gint w, gint h, gint x, gint y, gint *cb,
    gint *cr)
{
  gdouble r = 0, g = 0, b = 0;
  gint dx, dy, n = 0;

  for (dy = 0; dy < 2; dy++)
    for (dx = 0; dx < 2; dx++) {
      /* the edge repeats itself */
      const guint8 *p =
          ref + ((gsize) MIN (y + dy, h - 1) * w + MIN (x + dx, w - 1)) * 4;
      r += p[0];
      g += p[1];
      b += p[2];
      n++;
    }
  r /= n;
  g /= n;
  b /= n;
  *cb = (gint) floor (128 - 0.168736 * r - 0.331264 * g + 0.5 * b + 0.5);
  *cr = (gint) floor (128 + 0.5 * r - 0.418688 * g - 0.081312 * b + 0.5);
  *cb = MIN (*cb, 255);
  *cr = MIN (*cr, 255);
}

#define CHECK_LEVEL(got, want, tol, what, x, y)                                \
  fail_unless (ABS ((gint) (got) - (gint) (want)) <= (tol),                    \
      "%s: %s at %d,%d is %d, Pillow says %d", c->name, what, x, y, got, want)

/* Every pixel of @vframe against Pillow's RGBA decode @ref. */
static void
compare_frame (const PngCase *c, GstVideoFrame *vf, const guint8 *ref)
{
  gint w = GST_VIDEO_FRAME_WIDTH (vf), h = GST_VIDEO_FRAME_HEIGHT (vf);
  gint tol = c->sixteen ? 1 : 0, x, y;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++) {
      const guint8 *r = ref + ((gsize) y * w + x) * 4;

      if (c->format == GST_VIDEO_FORMAT_GRAY8) {
        const guint8 *p = GST_VIDEO_FRAME_PLANE_DATA (vf, 0);
        gint got = p[y * GST_VIDEO_FRAME_PLANE_STRIDE (vf, 0) + x];

        CHECK_LEVEL (got, r[0], tol, "grey", x, y);
        fail_unless_equals_int (r[3], 255);
      } else if (c->format == GST_VIDEO_FORMAT_RGBA) {
        const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (vf, 0) +
            y * GST_VIDEO_FRAME_PLANE_STRIDE (vf, 0) + x * 4;

        CHECK_LEVEL (p[0], r[0], tol, "red", x, y);
        CHECK_LEVEL (p[1], r[1], tol, "green", x, y);
        CHECK_LEVEL (p[2], r[2], tol, "blue", x, y);
        /* a colour key is all or nothing, whatever the depth */
        CHECK_LEVEL (p[3], r[3], strstr (c->name, "trns") ? 0 : tol, "alpha", x,
            y);
      } else {
        const guint8 *yp = GST_VIDEO_FRAME_COMP_DATA (vf, 0);
        gint cb, cr;

        fail_unless_equals_int (r[3], 255);
        /* fixed point against floating point: one level */
        CHECK_LEVEL (yp[y * GST_VIDEO_FRAME_COMP_STRIDE (vf, 0) + x],
            jfif_luma (r), 1 + tol, "luma", x, y);
        if (x % 2 == 0 && y % 2 == 0) {
          const guint8 *u = GST_VIDEO_FRAME_COMP_DATA (vf, 1);
          const guint8 *v = GST_VIDEO_FRAME_COMP_DATA (vf, 2);
          gint off = (y / 2) * GST_VIDEO_FRAME_COMP_STRIDE (vf, 1) + x / 2;

          jfif_chroma (ref, w, h, x, y, &cb, &cr);
          CHECK_LEVEL (u[off], cb, 1 + tol, "Cb", x, y);
          CHECK_LEVEL (v[off], cr, 1 + tol, "Cr", x, y);
        }
      }
    }
}

/* Each colour type and depth: the format of its kind, and Pillow's
 * pixels. */
GST_START_TEST (test_against_pillow)
{
  const PngCase *c = &cases[__i__];
  GstVideoInfo info;
  GstVideoFrame vf;
  GstBuffer *out = decode_case (NULL, c->name, &info);
  GBytes *ref = read_case (c->name, ".rgba");

  fail_unless (GST_VIDEO_INFO_FORMAT (&info) == c->format, "%s: %s", c->name,
      gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)));
  fail_unless_equals_int (g_bytes_get_size (ref),
      GST_VIDEO_INFO_WIDTH (&info) * GST_VIDEO_INFO_HEIGHT (&info) * 4);
  if (c->format != GST_VIDEO_FORMAT_RGBA) {
    fail_unless (info.colorimetry.range == GST_VIDEO_COLOR_RANGE_0_255);
    fail_unless (info.colorimetry.matrix == GST_VIDEO_COLOR_MATRIX_BT601);
  }
  fail_unless (gst_video_frame_map (&vf, &info, out, GST_MAP_READ));
  compare_frame (c, &vf, g_bytes_get_data (ref, NULL));
  gst_video_frame_unmap (&vf);
  g_bytes_unref (ref);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* 16-bit samples are rounded to the nearest 8-bit level: 65280 is 254.0
 * (its high byte, 255, is wrong), 511 is 2.0 (not 1). */
GST_START_TEST (test_16bit_rounding)
{
  static const guint16 levels[] = { 0, 511, 65280, 65535, 32767, 32896, 257,
    128 };
  GstVideoInfo info;
  GstMapInfo map;
  GstBuffer *out = decode_case (NULL, "grey16-rounding", &info);
  guint i;

  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), G_N_ELEMENTS (levels));
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  for (i = 0; i < G_N_ELEMENTS (levels); i++) {
    guint want = (levels[i] * 255u + 32767) / 65535;

    fail_unless_equals_int (map.data[i], want);
    fail_unless_equals_int (map.data[i],
        (guint) floor (levels[i] / 257.0 + 0.5));
  }
  fail_unless_equals_int (map.data[1], 2);
  fail_unless_equals_int (map.data[2], 254);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* The tags the decoder sent downstream for the image. */
/* The last tag list the decoder sent, NULL for none. */
static GstTagList *
pull_last_tags (GstHarness *h)
{
  GstTagList *tags = NULL;
  GstEvent *ev;

  while ((ev = gst_harness_try_pull_event (h)) != NULL) {
    if (GST_EVENT_TYPE (ev) == GST_EVENT_TAG) {
      GstTagList *t;

      gst_event_parse_tag (ev, &t);
      gst_clear_tag_list (&tags);
      tags = gst_tag_list_copy (t);
    }
    gst_event_unref (ev);
  }
  return tags;
}

static GstTagList *
decode_tags (const gchar *name)
{
  GstHarness *h = new_decoder (NULL);
  GBytes *bytes = read_case (name, ".png");
  GstTagList *tags;

  push_bytes (h, bytes);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  tags = pull_last_tags (h);
  g_bytes_unref (bytes);
  gst_harness_teardown (h);
  return tags;
}

GST_START_TEST (test_exif_orientation_tag)
{
  const gchar *names[] = { "exif6", "exif6-after-idat" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstTagList *tags = decode_tags (names[i]);
    gchar *orientation = NULL;

    fail_unless (tags != NULL, "%s: no tags", names[i]);
    fail_unless (gst_tag_list_get_string (tags, GST_TAG_IMAGE_ORIENTATION,
        &orientation));
    fail_unless_equals_string (orientation, "rotate-90");
    g_free (orientation);
    gst_tag_list_unref (tags);
  }
}

GST_END_TEST;

/* imgpngdec ! imgsizer turns the image upright: 32x48 from 48x32, with
 * the pixels of Pillow's ImageOps.exif_transpose. */
GST_START_TEST (test_exif_orientation_applied)
{
  GstVideoInfo info;
  GstVideoFrame vf;
  GstBuffer *out = decode_case ("imgpngdec ! imgsizer", "exif6", &info);
  GBytes *ref = read_case ("exif6", ".upright.rgba");
  const guint8 *r = g_bytes_get_data (ref, NULL);
  gint x, y;

  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 32);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 48);
  fail_unless_equals_int (g_bytes_get_size (ref), 32 * 48 * 4);
  fail_unless (gst_video_frame_map (&vf, &info, out, GST_MAP_READ));
  for (y = 0; y < 48; y++)
    for (x = 0; x < 32; x++) {
      const guint8 *yp = GST_VIDEO_FRAME_COMP_DATA (&vf, 0);
      gint got = yp[y * GST_VIDEO_FRAME_COMP_STRIDE (&vf, 0) + x];
      gint want = jfif_luma (r + ((gsize) y * 32 + x) * 4);

      fail_unless (ABS (got - want) <= 1, "luma at %d,%d is %d, not %d", x, y,
          got, want);
    }
  gst_video_frame_unmap (&vf);
  g_bytes_unref (ref);
  gst_buffer_unref (out);
}

GST_END_TEST;

static GstSample *
colour_sample (const gchar *name)
{
  GstTagList *tags = decode_tags (name);
  GstSample *sample = NULL;

  fail_unless (tags != NULL, "%s: no tags", name);
  fail_unless (gst_tag_list_get_sample (tags,
                   GST_IMGCOMPRESS_TAG_COLOUR_PROFILE, &sample),
      "%s: no profile tag", name);
  gst_tag_list_unref (tags);
  return sample;
}

GST_START_TEST (test_colour_profile_tag)
{
  GstSample *sample = colour_sample ("iccp");
  const GstStructure *info = gst_sample_get_info (sample);
  GBytes *icc = read_case ("iccp", ".icc");
  GstBuffer *profile = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  guint intent = 0;
  gboolean srgb = TRUE;

  fail_unless_equals_string (gst_structure_get_string (info, "source"), "iCCP");
  fail_unless_equals_string (gst_structure_get_string (info, "name"),
      "test profile");
  fail_unless (profile != NULL);
  fail_unless (gst_buffer_memcmp (profile, 0, g_bytes_get_data (icc, NULL),
                   g_bytes_get_size (icc)) == 0);
  fail_unless_equals_int (gst_buffer_get_size (profile),
      g_bytes_get_size (icc));
  fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
      GST_IMGCOMPRESS_ICC_PROFILE_CAPS));
  /* Adobe RGB is not sRGB: the colour stage converts it */
  fail_unless (gst_structure_get_boolean (info, "srgb", &srgb));
  fail_unless (!srgb);
  g_bytes_unref (icc);
  gst_sample_unref (sample);

  sample = colour_sample ("srgb");
  info = gst_sample_get_info (sample);
  fail_unless_equals_string (gst_structure_get_string (info, "source"), "sRGB");
  fail_unless (gst_structure_get_uint (info, "rendering-intent", &intent));
  fail_unless_equals_int (intent, 1);
  fail_unless (gst_sample_get_buffer (sample) == NULL);
  gst_sample_unref (sample);

  /* none without a colour chunk */
  {
    GstTagList *tags = decode_tags ("rgb8");

    fail_unless (tags == NULL ||
        !gst_tag_list_get_sample (tags, GST_IMGCOMPRESS_TAG_COLOUR_PROFILE,
            &sample));
    if (tags)
      gst_tag_list_unref (tags);
  }
}

GST_END_TEST;

/* A damaged iCCP profile: a warning naming the image (here the element,
 * without an image event), the image decoded, and the sRGB chunk taken
 * instead. */
GST_START_TEST (test_colour_profile_damaged)
{
  GstHarness *h = new_decoder (NULL);
  GBytes *bytes = read_case ("iccp-damaged", ".png");
  GstBus *bus = gst_bus_new ();
  GstTagList *tags;
  GstSample *sample = NULL;
  GError *warning = NULL;
  GstMessage *msg;

  gst_element_set_bus (h->element, bus);
  push_bytes (h, bytes);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning for the damaged profile");
  gst_message_parse_warning (msg, &warning, NULL);
  fail_unless (strstr (warning->message, "colour profile") != NULL &&
          strstr (warning->message, "damaged") != NULL,
      "'%s' does not say the profile is damaged", warning->message);
  fail_unless (strstr (warning->message, "\"imgpngdec") != NULL,
      "'%s' does not name the image", warning->message);
  g_error_free (warning);
  gst_message_unref (msg);
  tags = pull_last_tags (h);
  fail_unless (tags != NULL);
  fail_unless (gst_tag_list_get_sample (tags,
      GST_IMGCOMPRESS_TAG_COLOUR_PROFILE, &sample));
  fail_unless_equals_string (
      gst_structure_get_string (gst_sample_get_info (sample), "source"),
      "sRGB");
  fail_unless (gst_sample_get_buffer (sample) == NULL);
  gst_sample_unref (sample);
  gst_tag_list_unref (tags);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  g_bytes_unref (bytes);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstPadProbeReturn
answer_size_hint (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  guint box = GPOINTER_TO_UINT (user_data);

  if (!gst_imgcompress_query_is_size_hint (query))
    return GST_PAD_PROBE_OK;
  gst_imgcompress_size_hint_query_set (query, box, box);
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_OK;
  return GST_PAD_PROBE_HANDLED;
}

/* 37x23 into a 5-pixel box (5x3): shrunk by 3, to 13x8, each pixel the
 * average of its block of Pillow's pixels (premultiplied by alpha). */
static void
check_shrunk (const gchar *name, const gchar *launch, gboolean hint)
{
  GstHarness *h = new_decoder (launch);
  GBytes *bytes = read_case (name, ".png"), *ref = read_case (name, ".rgba");
  const guint8 *r = g_bytes_get_data (ref, NULL);
  GstVideoInfo info;
  GstVideoFrame vf;
  GstBuffer *out;
  GstCaps *caps;
  gint ox, oy, x, y;

  if (hint)
    gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
        answer_size_hint, GUINT_TO_POINTER (5), NULL);
  push_bytes (h, bytes);
  out = gst_harness_pull (h);
  caps = gst_pad_get_current_caps (h->sinkpad);
  fail_unless (gst_video_info_from_caps (&info, caps));
  gst_caps_unref (caps);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 13);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 8);
  fail_unless (gst_video_frame_map (&vf, &info, out, GST_MAP_READ));
  for (oy = 0; oy < 8; oy++)
    for (ox = 0; ox < 13; ox++) {
      gdouble sum[4] = { 0, 0, 0, 0 }, n = 0;
      const guint8 *p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&vf, 0) +
          oy * GST_VIDEO_FRAME_PLANE_STRIDE (&vf, 0) + ox * 4;
      gint c;

      for (y = oy * 3; y < MIN (oy * 3 + 3, 23); y++)
        for (x = ox * 3; x < MIN (ox * 3 + 3, 37); x++) {
          const guint8 *q = r + ((gsize) y * 37 + x) * 4;
          for (c = 0; c < 3; c++)
            sum[c] += q[c] * q[3];
          sum[3] += q[3];
          n++;
        }
      /* colour under (nearly) no alpha says nothing */
      for (c = 0; c < 3; c++)
        if (sum[3] >= 8 * n)
          fail_unless (fabs (p[c] - sum[c] / sum[3]) <= 1.0,
              "%s: channel %d at %d,%d is %d, not %.1f", name, c, ox, oy, p[c],
              sum[c] / sum[3]);
      fail_unless (fabs (p[3] - sum[3] / n) <= 1.0, "%s: alpha %d, not %.1f",
          name, p[3], sum[3] / n);
    }
  gst_video_frame_unmap (&vf);
  gst_buffer_unref (out);
  g_bytes_unref (bytes);
  g_bytes_unref (ref);
  gst_harness_teardown (h);
}

GST_START_TEST (test_shrink_size_hint)
{
  check_shrunk ("rgba8", NULL, TRUE);
  check_shrunk ("rgba8-interlaced", NULL, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_shrink_property)
{
  check_shrunk ("palette4-trns", "imgpngdec max-dimension=5", FALSE);
}

GST_END_TEST;

/* Three images of different kinds in one stream, in pieces, with bytes
 * after the last IEND: three frames, each with its own caps. */
GST_START_TEST (test_images_mid_stream)
{
  const gchar *names[] = { "rgb8", "grey16", "rgba8-interlaced" };
  const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_I420,
    GST_VIDEO_FORMAT_GRAY8, GST_VIDEO_FORMAT_RGBA };
  GstHarness *h = new_decoder (NULL);
  GByteArray *all = g_byte_array_new ();
  GBytes *bytes;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    bytes = read_case (names[i], ".png");
    g_byte_array_append (all, g_bytes_get_data (bytes, NULL),
        g_bytes_get_size (bytes));
    g_bytes_unref (bytes);
  }
  g_byte_array_append (all, (const guint8 *) "trailing", 8);
  bytes = g_byte_array_free_to_bytes (all);
  push_bytes (h, bytes);
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstBuffer *out = gst_harness_pull (h);
    GstEvent *ev;
    GstVideoInfo info;

    /* the caps event that precedes this buffer */
    while ((ev = gst_harness_try_pull_event (h)) != NULL) {
      if (GST_EVENT_TYPE (ev) == GST_EVENT_CAPS) {
        GstCaps *caps;

        gst_event_parse_caps (ev, &caps);
        fail_unless (gst_video_info_from_caps (&info, caps));
        gst_event_unref (ev);
        break;
      }
      gst_event_unref (ev);
    }
    fail_unless (GST_VIDEO_INFO_FORMAT (&info) == formats[i], "image %u: %s", i,
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)));
    gst_buffer_unref (out);
  }
  g_bytes_unref (bytes);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Pushes @data and EOS into a fresh decoder: the error posted (NULL if
 * none) and how many buffers came out. */
static GError *
harness_decode (const guint8 *data, gsize size, const gchar *launch,
    guint *n_buffers)
{
  GstHarness *h = new_decoder (launch);
  GstBus *bus = gst_bus_new ();
  GError *error = NULL;
  GstMessage *msg;

  gst_element_set_bus (h->element, bus);
  if (size > 0)
    gst_harness_push (h, gst_buffer_new_memdup (data, size));
  gst_harness_push_event (h, gst_event_new_eos ());
  *n_buffers = gst_harness_buffers_received (h);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  if (msg) {
    gst_message_parse_error (msg, &error, NULL);
    gst_message_unref (msg);
  }
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  return error;
}

/* The error names the fault (the tests run without a catalogue). */
static void
expect_error (const guint8 *data, gsize size, const gchar *launch,
    const gchar *what, const gchar *words)
{
  guint n_buffers = 0;
  GError *error = harness_decode (data, size, launch, &n_buffers);

  fail_unless (error != NULL, "%s: no error", what);
  GST_INFO ("%s: %s", what, error->message);
  fail_unless (error->domain == GST_STREAM_ERROR, "%s: %s", what,
      error->message);
  fail_unless (strstr (error->message, words) != NULL,
      "%s: '%s' does not say '%s'", what, error->message, words);
  fail_unless_equals_int (n_buffers, 0);
  g_error_free (error);
}

/* A copy of case @name's file. */
static guint8 *
copy_case (const gchar *name, gsize *size)
{
  GBytes *bytes = read_case (name, ".png");
  const guint8 *data = g_bytes_get_data (bytes, size);
  guint8 *copy = g_memdup2 (data, *size);

  g_bytes_unref (bytes);
  return copy;
}

/* Offset of the first chunk of type @type. */
static gsize
find_chunk (const guint8 *data, gsize size, const gchar *type)
{
  gsize pos = 8;

  while (pos + 12 <= size) {
    if (memcmp (data + pos + 4, type, 4) == 0)
      return pos;
    pos += 12 + gst_imgcompress_read_uint32_be (data + pos);
  }
  fail ("no %s chunk", type);
  return 0;
}

static void
fix_crc (guint8 *data, gsize chunk)
{
  guint32 len = gst_imgcompress_read_uint32_be (data + chunk);

  gst_imgcompress_write_uint32_be (data + chunk + 8 + len,
      crc32 (0, data + chunk + 4, len + 4));
}

GST_START_TEST (test_good_file_decodes)
{
  gsize size;
  guint8 *data = copy_case ("rgb8", &size);
  guint n_buffers = 0;
  GError *error = harness_decode (data, size, NULL, &n_buffers);

  fail_unless (error == NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (n_buffers, 1);
  g_free (data);
}

GST_END_TEST;

GST_START_TEST (test_error_not_png)
{
  expect_error ((const guint8 *) "", 0, NULL, "empty", "empty");
  expect_error ((const guint8 *) "GIF89a and more bytes", 21, NULL, "GIF",
      "not a PNG");
}

GST_END_TEST;

GST_START_TEST (test_error_ihdr_fields)
{
  gsize size;
  guint8 *data = copy_case ("rgb8", &size);
  guint8 *ihdr = data + 16;

  gst_imgcompress_write_uint32_be (ihdr, 0);
  fix_crc (data, 8);
  expect_error (data, size, NULL, "width 0", "IHDR: width 0");
  gst_imgcompress_write_uint32_be (ihdr, 37);
  gst_imgcompress_write_uint32_be (ihdr + 4, 0x80000000u);
  fix_crc (data, 8);
  expect_error (data, size, NULL, "height 2^31", "IHDR: height 2147483648");
  gst_imgcompress_write_uint32_be (ihdr + 4, 23);
  ihdr[8] = 16;
  ihdr[9] = 3;
  fix_crc (data, 8);
  expect_error (data, size, NULL, "16-bit palette",
      "IHDR: bit depth 16 with colour type 3");
  ihdr[8] = 8;
  ihdr[9] = 2;
  ihdr[12] = 2;
  fix_crc (data, 8);
  expect_error (data, size, NULL, "interlace 2", "interlace method 2");
  g_free (data);
}

GST_END_TEST;

GST_START_TEST (test_error_crc)
{
  gsize size, idat;
  guint8 *data = copy_case ("rgb8", &size);

  data[29] ^= 1; /* IHDR's CRC */
  expect_error (data, size, NULL, "IHDR CRC", "CRC error in chunk IHDR");
  data[29] ^= 1;
  idat = find_chunk (data, size, "IDAT");
  data[idat + 8 + gst_imgcompress_read_uint32_be (data + idat)] ^= 1;
  expect_error (data, size, NULL, "IDAT CRC", "CRC error in chunk IDAT");
  g_free (data);
}

GST_END_TEST;

/* IDAT cut short (its length fixed up, so the chunks stay valid): the
 * message says how many rows there were. */
GST_START_TEST (test_error_idat_truncated)
{
  gsize size, idat;
  guint8 *data = copy_case ("grey8", &size);
  guint8 *cut;
  guint32 len;

  idat = find_chunk (data, size, "IDAT");
  len = gst_imgcompress_read_uint32_be (data + idat);
  /* half the compressed data, then a valid IEND */
  cut = g_malloc (size);
  memcpy (cut, data, idat + 8 + len / 2);
  gst_imgcompress_write_uint32_be (cut + idat, len / 2);
  fix_crc (cut, idat);
  memcpy (cut + idat + 12 + len / 2, data + size - 12, 12);
  expect_error (cut, idat + 24 + len / 2, NULL, "IDAT cut",
      "image data ends after");
  expect_error (cut, idat + 24 + len / 2, NULL, "IDAT cut", "of 23 rows");
  g_free (cut);
  g_free (data);
}

GST_END_TEST;

GST_START_TEST (test_error_every_truncation)
{
  gsize size, len;
  guint8 *data = copy_case ("rgba8-interlaced", &size);

  for (len = 0; len < size - 12; len += 7) {
    guint n_buffers;
    GError *error = harness_decode (data, len, NULL, &n_buffers);

    fail_unless (error != NULL,
        "no error for the first %" G_GSIZE_FORMAT " bytes", len);
    fail_unless_equals_int (n_buffers, 0);
    g_error_free (error);
  }
  g_free (data);
}

GST_END_TEST;

GST_START_TEST (test_error_chunks)
{
  gsize size, at;
  guint8 *data = copy_case ("palette4-trns", &size);

  /* tRNS of 9 entries for 16 palette entries is fine; of 17 it is not */
  at = find_chunk (data, size, "tRNS");
  gst_imgcompress_write_uint32_be (data + at, 17);
  expect_error (data, size, NULL, "tRNS longer than PLTE",
      "tRNS chunk has 17 entries, more than the 16");
  gst_imgcompress_write_uint32_be (data + at, 0x90000000u);
  expect_error (data, size, NULL, "chunk length 2^31+",
      "chunk tRNS has a length of 2415919104 bytes");
  g_free (data);
}

GST_END_TEST;

GST_START_TEST (test_error_max_pixels)
{
  gsize size;
  guint8 *data = copy_case ("rgb8", &size);

  expect_error (data, size, "imgpngdec max-pixels=850", "max-pixels",
      "too large: 37x23 pixels");
  g_free (data);
}

GST_END_TEST;

static Suite *
imgpngdec_suite (void)
{
  Suite *s = suite_create ("imgpngdec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_loop_test (tc, test_against_pillow, 0, G_N_ELEMENTS (cases));
  tcase_add_test (tc, test_16bit_rounding);
  tcase_add_test (tc, test_exif_orientation_tag);
  tcase_add_test (tc, test_exif_orientation_applied);
  tcase_add_test (tc, test_colour_profile_tag);
  tcase_add_test (tc, test_colour_profile_damaged);
  tcase_add_test (tc, test_shrink_size_hint);
  tcase_add_test (tc, test_shrink_property);
  tcase_add_test (tc, test_images_mid_stream);
  tcase_add_test (tc, test_good_file_decodes);
  tcase_add_test (tc, test_error_not_png);
  tcase_add_test (tc, test_error_ihdr_fields);
  tcase_add_test (tc, test_error_crc);
  tcase_add_test (tc, test_error_idat_truncated);
  tcase_add_test (tc, test_error_every_truncation);
  tcase_add_test (tc, test_error_chunks);
  tcase_add_test (tc, test_error_max_pixels);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;
  int failed;

  gst_check_init (&argc, &argv);
  cases_dir =
      imgcheck_generate_cases ("elements/make-png.py", "imgpngdec-XXXXXX");
  if (cases_dir == NULL)
    return 1;
  s = imgpngdec_suite ();
  failed = gst_check_run_suite (s, "imgpngdec", __FILE__);
  imgcheck_remove_tree (cases_dir);
  g_free (cases_dir);
  return failed;
}

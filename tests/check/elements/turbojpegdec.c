/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* turbojpegdec: layouts, shrink-on-load, CMYK, EXIF orientation, damaged
 * input and real photos.  The JPEGs are made here with the libjpeg API. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <glib/gstdio.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/tag/tag.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>

#include "imgcheck.h"

/* What a generated test JPEG looks like. */
typedef struct
{
  guint width;
  guint height;
  J_COLOR_SPACE space; /* JCS_YCbCr, JCS_GRAYSCALE or JCS_CMYK */
  gint h_samp; /* luma sampling factors */
  gint v_samp;
  gboolean progressive;
  guint restart_interval;
  guint orientation; /* EXIF, 0 for no APP1 */
} JpegSpec;

/* Smooth source planes, with some detail, in full resolution. */
static guint8
pattern_y (guint x, guint y)
{
  return (guint8) (16 + (x * 200) / 97 % 200 + ((x / 8 + y / 8) % 2) * 20);
}

static guint8
pattern_u (guint x, guint y)
{
  return (guint8) (64 + (x + 2 * y) % 128);
}

static guint8
pattern_v (guint x, guint y)
{
  return (guint8) (192 - (2 * x + y) % 128);
}

static GstBuffer *
make_jpeg (const JpegSpec *spec)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *out = NULL;
  unsigned long out_size = 0;
  guint8 *row;
  guint x, comps;
  GstBuffer *buf;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &out, &out_size);
  cinfo.image_width = spec->width;
  cinfo.image_height = spec->height;
  comps = spec->space == JCS_GRAYSCALE ? 1 : spec->space == JCS_CMYK ? 4 : 3;
  cinfo.input_components = comps;
  cinfo.in_color_space = spec->space;
  jpeg_set_defaults (&cinfo);
  if (spec->space == JCS_CMYK)
    jpeg_set_colorspace (&cinfo, JCS_YCCK);
  if (spec->space != JCS_GRAYSCALE) {
    cinfo.comp_info[0].h_samp_factor = spec->h_samp;
    cinfo.comp_info[0].v_samp_factor = spec->v_samp;
  }
  jpeg_set_quality (&cinfo, 95, TRUE);
  if (spec->progressive)
    jpeg_simple_progression (&cinfo);
  cinfo.restart_interval = spec->restart_interval;
  jpeg_start_compress (&cinfo, TRUE);

  if (spec->orientation) {
    guint8 exif[] = { 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0, 0, 0, 8, 0,
      1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (guint8) spec->orientation, 0, 0, 0,
      0, 0, 0 };
    jpeg_write_marker (&cinfo, JPEG_APP0 + 1, exif, sizeof (exif));
  }

  row = g_malloc (spec->width * comps);
  while (cinfo.next_scanline < cinfo.image_height) {
    guint y = cinfo.next_scanline;

    for (x = 0; x < spec->width; x++) {
      if (spec->space == JCS_CMYK) {
        /* Adobe inverted CMYK of the RGB (Y, U, V) pattern, K = 0:
         * stored C' = R, M' = G, Y' = B, K' = 255 (what PIL writes) */
        row[4 * x] = pattern_y (x, y);
        row[4 * x + 1] = pattern_u (x, y);
        row[4 * x + 2] = pattern_v (x, y);
        row[4 * x + 3] = 255;
      } else if (comps == 1) {
        row[x] = pattern_y (x, y);
      } else {
        row[3 * x] = pattern_y (x, y);
        row[3 * x + 1] = pattern_u (x, y);
        row[3 * x + 2] = pattern_v (x, y);
      }
    }
    jpeg_write_scanlines (&cinfo, &row, 1);
  }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  g_free (row);

  buf = gst_buffer_new_memdup (out, out_size);
  free (out);
  return buf;
}

static GstHarness *
make_harness (gboolean parsed, GstBus **bus)
{
  GstHarness *h = gst_harness_new ("turbojpegdec");

  gst_harness_set_src_caps_str (h,
      parsed ? "image/jpeg, parsed=(boolean)true" : "image/jpeg");
  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  return h;
}

/* What a decode through a harness gave. */
typedef struct
{
  GstBuffer *frame; /* NULL when none came out */
  GstVideoInfo info;
  guint scans_read;
  gchar *error; /* the ERROR message, or NULL */
  gchar *warning; /* the first WARNING message, or NULL */
} Decoded;

/* The first ERROR and WARNING messages posted. */
static void
pop_messages (GstBus *bus, Decoded *d)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus,
              GST_MESSAGE_ERROR | GST_MESSAGE_WARNING)) != NULL) {
    GError *err = NULL;
    gchar **text = &d->warning;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, NULL);
      text = &d->error;
    } else {
      gst_message_parse_warning (msg, &err, NULL);
    }
    if (*text == NULL)
      *text = g_strdup (err->message);
    g_error_free (err);
    gst_message_unref (msg);
  }
}

static void
decode_into (GstBuffer *jpeg, gboolean parsed, const gchar *max_dimension,
    gboolean strict, Decoded *d)
{
  GstHarness *h;
  GstBus *bus;
  GstCaps *caps;

  memset (d, 0, sizeof (*d));
  h = make_harness (parsed, &bus);
  if (max_dimension)
    gst_util_set_object_arg (G_OBJECT (h->element), "max-dimension",
        max_dimension);
  g_object_set (h->element, "strict", strict, NULL);
  gst_harness_push (h, jpeg);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  pop_messages (bus, d);
  g_object_get (h->element, "scans-read", &d->scans_read, NULL);
  if (gst_harness_buffers_received (h) > 0) {
    fail_unless_equals_int (gst_harness_buffers_received (h), 1);
    d->frame = gst_harness_pull (h);
    caps = gst_pad_get_current_caps (h->sinkpad);
    fail_unless (gst_video_info_from_caps (&d->info, caps));
    gst_caps_unref (caps);
  }
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

static void
decoded_clear (Decoded *d)
{
  gst_clear_buffer (&d->frame);
  g_clear_pointer (&d->error, g_free);
  g_clear_pointer (&d->warning, g_free);
}

/* Decodes one JPEG through a harness; returns the frame and its info. */
static GstBuffer *
decode_one (GstBuffer *jpeg, gboolean parsed, const gchar *props,
    GstVideoInfo *info)
{
  Decoded d;
  GstBuffer *out;

  decode_into (jpeg, parsed, props, TRUE, &d);
  fail_unless (d.error == NULL, "unexpected error: %s", d.error);
  fail_unless (d.frame != NULL);
  out = g_steal_pointer (&d.frame);
  *info = d.info;
  decoded_clear (&d);
  return out;
}

/* Luma of the decoded frame against the source pattern. */
static gdouble
luma_ssim_vs_pattern (GstBuffer *buf, GstVideoInfo *info)
{
  GstVideoFrame frame;
  guint w = GST_VIDEO_INFO_WIDTH (info), h = GST_VIDEO_INFO_HEIGHT (info);
  guint8 *ref = g_malloc (w * h);
  guint x, y;
  gdouble ssim;

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      ref[y * w + x] = pattern_y (x, y);
  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_READ));
  ssim = imgcheck_luma_ssim (ref, w, GST_VIDEO_FRAME_COMP_DATA (&frame, 0),
      GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0), w, h);
  gst_video_frame_unmap (&frame);
  g_free (ref);
  return ssim;
}

/* Chroma plane @comp against the source averaged over each chroma block,
 * including the partial blocks at odd right and bottom edges. */
static gdouble
chroma_psnr_vs_pattern (GstBuffer *buf, GstVideoInfo *info, guint comp,
    guint hs, guint vs)
{
  GstVideoFrame frame;
  guint w = GST_VIDEO_INFO_WIDTH (info), h = GST_VIDEO_INFO_HEIGHT (info);
  guint cw = (w + hs - 1) / hs, ch = (h + vs - 1) / vs;
  guint8 *ref = g_malloc (cw * ch);
  guint x, y, dx, dy;
  gdouble psnr;

  for (y = 0; y < ch; y++) {
    for (x = 0; x < cw; x++) {
      guint sum = 0, n = 0;
      for (dy = 0; dy < vs; dy++)
        for (dx = 0; dx < hs; dx++) {
          guint sx = MIN (x * hs + dx, w - 1), sy = MIN (y * vs + dy, h - 1);
          sum += comp == 1 ? pattern_u (sx, sy) : pattern_v (sx, sy);
          n++;
        }
      ref[y * cw + x] = (sum + n / 2) / n;
    }
  }
  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_READ));
  fail_unless_equals_int (GST_VIDEO_FRAME_COMP_WIDTH (&frame, comp), cw);
  fail_unless_equals_int (GST_VIDEO_FRAME_COMP_HEIGHT (&frame, comp), ch);
  psnr = imgcheck_psnr (ref, cw, GST_VIDEO_FRAME_COMP_DATA (&frame, comp),
      GST_VIDEO_FRAME_COMP_STRIDE (&frame, comp), cw, ch);
  gst_video_frame_unmap (&frame);
  g_free (ref);
  return psnr;
}

static void
check_layout (guint w, guint h, J_COLOR_SPACE space, gint hs, gint vs,
    GstVideoFormat expected, gboolean parsed)
{
  JpegSpec spec = { w, h, space, hs, vs, FALSE, 0, 0 };
  GstVideoInfo info;
  GstBuffer *out;
  gdouble ssim;

  out = decode_one (make_jpeg (&spec), parsed, NULL, &info);
  fail_unless_equals_string (
      gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)),
      gst_video_format_to_string (expected));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), w);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), h);
  fail_unless_equals_int (gst_buffer_get_size (out),
      GST_VIDEO_INFO_SIZE (&info));
  ssim = luma_ssim_vs_pattern (out, &info);
  GST_INFO ("%ux%u %s: luma SSIM %f", w, h,
      gst_video_format_to_string (expected), ssim);
  fail_unless (ssim > 0.97, "luma SSIM %f", ssim);
  if (space == JCS_YCbCr) {
    gdouble pu = chroma_psnr_vs_pattern (out, &info, 1, hs, vs);
    gdouble pv = chroma_psnr_vs_pattern (out, &info, 2, hs, vs);
    GST_INFO ("chroma PSNR %f %f", pu, pv);
    fail_unless (pu > 30 && pv > 30, "chroma PSNR %f / %f", pu, pv);
  }
  gst_buffer_unref (out);
}

GST_START_TEST (test_decode_layouts)
{
  /* odd sizes: chroma planes round up */
  check_layout (101, 67, JCS_YCbCr, 2, 2, GST_VIDEO_FORMAT_I420, FALSE);
  check_layout (101, 67, JCS_YCbCr, 2, 1, GST_VIDEO_FORMAT_Y42B, FALSE);
  check_layout (101, 67, JCS_YCbCr, 1, 1, GST_VIDEO_FORMAT_Y444, TRUE);
  check_layout (101, 67, JCS_GRAYSCALE, 1, 1, GST_VIDEO_FORMAT_GRAY8, TRUE);
  check_layout (128, 96, JCS_YCbCr, 2, 2, GST_VIDEO_FORMAT_I420, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_decode_progressive_and_restart)
{
  JpegSpec prog = { 203, 151, JCS_YCbCr, 2, 2, TRUE, 0, 0 };
  JpegSpec rst = { 203, 151, JCS_YCbCr, 2, 2, FALSE, 3, 0 };
  GstVideoInfo info;
  GstBuffer *out;

  out = decode_one (make_jpeg (&prog), FALSE, NULL, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 203);
  fail_unless (luma_ssim_vs_pattern (out, &info) > 0.97);
  gst_buffer_unref (out);

  out = decode_one (make_jpeg (&rst), FALSE, NULL, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 151);
  fail_unless (luma_ssim_vs_pattern (out, &info) > 0.97);
  gst_buffer_unref (out);
}

GST_END_TEST;

GST_START_TEST (test_decode_cmyk)
{
  JpegSpec spec = { 64, 48, JCS_CMYK, 2, 2, FALSE, 0, 0 };
  GstImgcompressIccTransform *xf;
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *out;
  guint8 *ref;
  guint x, y;
  gdouble psnr;

  out = decode_one (make_jpeg (&spec), FALSE, NULL, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), GST_VIDEO_FORMAT_RGB);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 64);

  /* the inverted CMYK written, through the default CMYK profile (the
   * naive R = C' K' / 255 without it); pipelines_colour checks the
   * profile's colours against Pillow's ImageCms */
  xf = gst_imgcompress_icc_transform_default_cmyk ();
  ref = g_malloc (64 * 48 * 3);
  for (y = 0; y < 48; y++)
    for (x = 0; x < 64; x++) {
      guint8 cmyk[4] = { pattern_y (x, y), pattern_u (x, y), pattern_v (x, y),
        255 };

      if (xf != NULL) {
        gst_imgcompress_icc_transform_pixels (xf, cmyk, ref + (y * 64 + x) * 3,
            1);
      } else {
        ref[(y * 64 + x) * 3] = cmyk[0];
        ref[(y * 64 + x) * 3 + 1] = cmyk[1];
        ref[(y * 64 + x) * 3 + 2] = cmyk[2];
      }
    }
  if (xf != NULL)
    gst_imgcompress_icc_transform_unref (xf);
  fail_unless (gst_video_frame_map (&frame, &info, out, GST_MAP_READ));
  psnr = imgcheck_psnr (ref, 64 * 3, GST_VIDEO_FRAME_PLANE_DATA (&frame, 0),
      GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0), 64 * 3, 48);
  gst_video_frame_unmap (&frame);
  GST_INFO ("CMYK -> RGB PSNR %f", psnr);
  fail_unless (psnr > 28, "CMYK decoded wrongly: PSNR %f", psnr);
  g_free (ref);
  gst_buffer_unref (out);
}

GST_END_TEST;

/* (image size, box) -> the n/8 the decoder must pick, worked out by hand:
 * the smallest n with ceil(size * n / 8) at least twice the box fit. */
static const struct
{
  guint w, h, box, n;
} scale_table[] = {
  { 1600, 1200, 500, 5 }, /* fit 500x375; 4/8 = 800 < 1000 */
  { 1600, 1200, 150, 2 }, /* 400x300 >= 300x226; 1/8 = 200 */
  { 1600, 1200, 400, 4 }, /* exactly 800x600 */
  { 1600, 1200, 2048, 8 }, /* never enlarge: full size */
  { 1000, 200, 300, 5 }, /* fit 300x60; 4/8 = 500 < 600 */
  { 333, 999, 100, 2 }, /* fit 33x100; 1/8 = 125 < 200 */
  { 640, 480, 639, 8 }, /* 7/8 = 560 < 1278 */
};

GST_START_TEST (test_shrink_on_load_property)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (scale_table); i++) {
    JpegSpec spec = { scale_table[i].w, scale_table[i].h, JCS_YCbCr, 2, 2,
      FALSE, 0, 0 };
    gchar *box = g_strdup_printf ("%u", scale_table[i].box);
    GstVideoInfo info;
    GstBuffer *out;
    guint n = scale_table[i].n;

    out = decode_one (make_jpeg (&spec), TRUE, box, &info);
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info),
        (scale_table[i].w * n + 7) / 8);
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info),
        (scale_table[i].h * n + 7) / 8);
    fail_unless_equals_int (gst_buffer_get_size (out),
        GST_VIDEO_INFO_SIZE (&info));
    gst_buffer_unref (out);
    g_free (box);
  }
}

GST_END_TEST;

static guint hint_box;
static GstPadQueryFunction harness_query;

static gboolean
answer_size_hint (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (gst_imgcompress_query_is_size_hint (query)) {
    gst_imgcompress_size_hint_query_set (query, hint_box, hint_box);
    return TRUE;
  }
  return harness_query (pad, parent, query);
}

GST_START_TEST (test_shrink_on_load_size_hint)
{
  JpegSpec spec = { 1600, 1200, JCS_YCbCr, 2, 1, FALSE, 0, 0 };
  GstBuffer *jpeg = make_jpeg (&spec);
  guint i;

  /* downstream's box, asked per image; the second image sees a new box */
  for (i = 0; i < 2; i++) {
    GstHarness *h = gst_harness_new ("turbojpegdec");
    GstBuffer *out;
    GstCaps *caps;
    GstVideoInfo info;

    harness_query = GST_PAD_QUERYFUNC (h->sinkpad);
    gst_pad_set_query_function (h->sinkpad, answer_size_hint);
    gst_harness_set_src_caps_str (h, "image/jpeg");
    hint_box = i == 0 ? 500 : 150;
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (jpeg)),
        GST_FLOW_OK);
    gst_harness_push_event (h, gst_event_new_eos ());
    out = gst_harness_pull (h);
    fail_unless (out != NULL);
    caps = gst_pad_get_current_caps (h->sinkpad);
    gst_video_info_from_caps (&info, caps);
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), i == 0 ? 1000 : 400);
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), i == 0 ? 750 : 300);
    gst_caps_unref (caps);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
  gst_buffer_unref (jpeg);
}

GST_END_TEST;

GST_START_TEST (test_exif_orientation_tag)
{
  JpegSpec spec = { 64, 48, JCS_YCbCr, 2, 2, FALSE, 0, 6 };
  GstHarness *h;
  GstBus *bus;
  GstEvent *event;
  gchar *orientation = NULL;

  h = make_harness (FALSE, &bus);
  fail_unless_equals_int (gst_harness_push (h, make_jpeg (&spec)), GST_FLOW_OK);
  while ((event = gst_harness_try_pull_event (h)) != NULL) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_TAG) {
      GstTagList *tags;
      gst_event_parse_tag (event, &tags);
      gst_tag_list_get_string (tags, GST_TAG_IMAGE_ORIENTATION, &orientation);
    }
    gst_event_unref (event);
  }
  fail_unless_equals_string (orientation, "rotate-90");
  /* the decoder does not rotate */
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  g_free (orientation);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_exif_parser)
{
  guint8 le[] = { 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0,
    0x12, 0x01, 3, 0, 1, 0, 0, 0, 8, 0, 0, 0 };
  guint8 bad_offset[] = { 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 0xff, 0xff,
    0, 0, 1, 0 };

  fail_unless_equals_int (gst_imgcompress_exif_parse_orientation (le,
                              sizeof (le)),
      8);
  fail_unless_equals_string (gst_imgcompress_exif_orientation_to_tag (8),
      "rotate-270");
  fail_unless_equals_string (gst_imgcompress_exif_orientation_to_tag (5),
      "flip-rotate-270");
  /* a count that runs past the end, a wild offset, a short segment */
  le[14] = 0xff;
  le[15] = 0xff;
  fail_unless_equals_int (gst_imgcompress_exif_parse_orientation (le,
                              sizeof (le) - 4),
      0);
  fail_unless_equals_int (gst_imgcompress_exif_parse_orientation (bad_offset,
                              sizeof (bad_offset)),
      0);
  fail_unless_equals_int (gst_imgcompress_exif_parse_orientation (le, 9), 0);
  fail_unless (gst_imgcompress_exif_orientation_to_tag (9) == NULL);
}

GST_END_TEST;

/* Pushes @data (may be empty) and EOS; the decoder must post an ERROR that
 * mentions @needle (or any error when NULL) and output nothing. */
static void
check_decode_error (GstBuffer *data, gboolean parsed, const gchar *props,
    const gchar *needle)
{
  GstHarness *h;
  GstBus *bus;
  GstMessage *msg;
  GError *err = NULL;
  gchar *debug = NULL;

  h = make_harness (parsed, &bus);
  if (props)
    gst_util_set_object_arg (G_OBJECT (h->element), "strict", props);
  if (data)
    gst_harness_push (h, data);
  gst_harness_push_event (h, gst_event_new_eos ());

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no error message");
  gst_message_parse_error (msg, &err, &debug);
  GST_INFO ("error: %s (%s)", err->message, debug);
  if (needle)
    fail_unless (strstr (err->message, needle) != NULL,
        "error '%s' does not mention '%s'", err->message, needle);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

static GstBuffer *
patched_copy (GstBuffer *src, gsize size)
{
  GstMapInfo map;
  GstBuffer *buf;

  gst_buffer_map (src, &map, GST_MAP_READ);
  buf = gst_buffer_new_memdup (map.data, MIN (size, map.size));
  gst_buffer_unmap (src, &map);
  return buf;
}

static gsize
find_marker (GstBuffer *buf, guint8 marker, gsize from)
{
  GstMapInfo map;
  gsize i, found = 0;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  for (i = from; i + 1 < map.size; i++)
    if (map.data[i] == 0xff && map.data[i + 1] == marker) {
      found = i;
      break;
    }
  gst_buffer_unmap (buf, &map);
  return found;
}

static GstBuffer *
with_sof_size (GstBuffer *jpeg, guint w, guint h)
{
  GstBuffer *buf = patched_copy (jpeg, G_MAXSIZE);
  gsize sof = find_marker (buf, 0xc0, 0);
  GstMapInfo map;

  fail_unless (sof > 0);
  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  /* byte by byte: the SOF fields sit at odd offsets */
  map.data[sof + 5] = h >> 8;
  map.data[sof + 6] = h & 0xff;
  map.data[sof + 7] = w >> 8;
  map.data[sof + 8] = w & 0xff;
  gst_buffer_unmap (buf, &map);
  return buf;
}

GST_START_TEST (test_damaged_inputs)
{
  static const gchar not_jpeg[] = "\x89PNG\r\n\x1a\n garbage";
  JpegSpec spec = { 160, 120, JCS_YCbCr, 2, 2, FALSE, 0, 0 };
  GstBuffer *jpeg = make_jpeg (&spec);
  gsize size = gst_buffer_get_size (jpeg), sos, pos;
  GstBuffer *garbled;
  GstMapInfo map;
  GRand *rand;
  gsize i;

  /* truncated, as one parsed buffer and as a stream */
  check_decode_error (patched_copy (jpeg, size / 2), TRUE, NULL, NULL);
  check_decode_error (patched_copy (jpeg, size / 2), FALSE, NULL, NULL);
  /* zero bytes: nothing, and an empty buffer */
  check_decode_error (NULL, FALSE, NULL, "JPEG input is empty");
  check_decode_error (gst_buffer_new (), TRUE, NULL, NULL);
  /* not a JPEG at all */
  check_decode_error (gst_buffer_new_memdup (not_jpeg, sizeof (not_jpeg) - 1),
      TRUE, NULL, "not a JPEG");
  /* garbled entropy-coded data */
  garbled = patched_copy (jpeg, G_MAXSIZE);
  sos = find_marker (garbled, 0xda, 0);
  rand = g_rand_new_with_seed (42);
  gst_buffer_map (garbled, &map, GST_MAP_WRITE);
  for (i = sos + 20; i < map.size - 2; i++)
    map.data[i] = g_rand_int_range (rand, 0, 255);
  gst_buffer_unmap (garbled, &map);
  g_rand_free (rand);
  check_decode_error (gst_buffer_ref (garbled), TRUE, NULL, NULL);
  check_decode_error (garbled, FALSE, NULL, NULL);
  /* garbled header: the quantisation table's marker destroyed */
  garbled = patched_copy (jpeg, G_MAXSIZE);
  pos = find_marker (garbled, 0xdb, 0);
  fail_unless (pos > 0);
  gst_buffer_map (garbled, &map, GST_MAP_WRITE);
  memset (map.data + pos, 0x42, 40);
  gst_buffer_unmap (garbled, &map);
  check_decode_error (garbled, TRUE, NULL, NULL);
  /* oversized headers */
  check_decode_error (with_sof_size (jpeg, 65535, 65535), TRUE, NULL,
      "invalid dimensions");
  check_decode_error (with_sof_size (jpeg, 60000, 60000), TRUE, NULL,
      "too large");
  gst_buffer_unref (jpeg);
}

GST_END_TEST;

/* strict=false: a truncated image is decoded as far as it goes (libjpeg
 * fills the rest), without an error. */
GST_START_TEST (test_truncated_not_strict)
{
  JpegSpec spec = { 160, 120, JCS_YCbCr, 2, 2, FALSE, 0, 0 };
  GstBuffer *jpeg = make_jpeg (&spec);
  GstHarness *h;
  GstBus *bus;
  GstMessage *msg;

  h = make_harness (TRUE, &bus);
  g_object_set (h->element, "strict", FALSE, NULL);
  fail_unless_equals_int (gst_harness_push (h,
                              patched_copy (jpeg,
                                  gst_buffer_get_size (jpeg) * 3 / 4)),
      GST_FLOW_OK);
  gst_harness_push_event (h, gst_event_new_eos ());
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg == NULL, "unexpected error");
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  gst_buffer_unref (jpeg);
}

GST_END_TEST;

/* A progressive JPEG whose last scan is repeated 5000 times: libjpeg would
 * spend ages on it; the decoder must stop at its scan limit, even when not
 * strict about the warnings such repeats cause. */
GST_START_TEST (test_many_scans)
{
  JpegSpec spec = { 64, 64, JCS_YCbCr, 2, 2, TRUE, 0, 0 };
  GstBuffer *jpeg = make_jpeg (&spec), *evil;
  GstMapInfo map;
  GByteArray *bytes = g_byte_array_new ();
  gsize last_sos = 0, eoi, pos = 0;
  guint i;

  while ((pos = find_marker (jpeg, 0xda, pos + 1)) != 0)
    last_sos = pos;
  eoi = find_marker (jpeg, 0xd9, last_sos);
  fail_unless (last_sos > 0 && eoi > last_sos);

  gst_buffer_map (jpeg, &map, GST_MAP_READ);
  g_byte_array_append (bytes, map.data, eoi);
  for (i = 0; i < 5000; i++)
    g_byte_array_append (bytes, map.data + last_sos, eoi - last_sos);
  g_byte_array_append (bytes, map.data + eoi, 2);
  gst_buffer_unmap (jpeg, &map);
  evil = gst_buffer_new_wrapped (bytes->data, bytes->len);
  g_byte_array_free (bytes, FALSE);

  check_decode_error (gst_buffer_ref (evil), TRUE, "false", "scans");
  check_decode_error (evil, FALSE, NULL, NULL);
  gst_buffer_unref (jpeg);
}

GST_END_TEST;

static void
write_file (GstBuffer *buf, const gchar *path)
{
  GstMapInfo map;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  fail_unless (g_file_set_contents (path, (gchar *) map.data, map.size, NULL));
  gst_buffer_unmap (buf, &map);
}

/* Runs @desc (ending in "appsink name=sink") and returns the sizes of the
 * frames it produced, as "WxH" strings joined by spaces; the first frame
 * and its info in @first / @first_info when given. */
static gchar *
run_pipeline (const gchar *desc, GstBuffer **first, GstVideoInfo *first_info)
{
  GstElement *pipeline, *sink;
  GString *sizes = g_string_new (NULL);
  GstSample *sample;

  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  while ((sample = gst_app_sink_pull_sample (GST_APP_SINK (sink))) != NULL) {
    GstVideoInfo info;
    gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
    if (first && sizes->len == 0) {
      *first = gst_buffer_ref (gst_sample_get_buffer (sample));
      *first_info = info;
    }
    g_string_append_printf (sizes, "%s%dx%d", sizes->len ? " " : "",
        GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return g_string_free (sizes, FALSE);
}

static gchar *
run_pipeline_sizes (const gchar *desc)
{
  return run_pipeline (desc, NULL, NULL);
}

GST_START_TEST (test_pipelines_filesrc_multifilesrc)
{
  JpegSpec a = { 321, 123, JCS_YCbCr, 2, 2, FALSE, 0, 0 };
  JpegSpec b = { 77, 200, JCS_YCbCr, 1, 1, TRUE, 0, 0 };
  gchar *pa, *pb, *pattern, *desc, *sizes;
  GstBuffer *ja = make_jpeg (&a), *jb = make_jpeg (&b);
  gchar *dir = g_dir_make_tmp ("turbojpegdec-XXXXXX", NULL);

  pa = g_build_filename (dir, "img-0.jpg", NULL);
  pb = g_build_filename (dir, "img-1.jpg", NULL);
  write_file (ja, pa);
  write_file (jb, pb);

  /* filesrc hands out 4096-byte chunks; the decoder finds the image */
  desc = g_strdup_printf ("filesrc location=%s blocksize=4096 ! turbojpegdec "
                          "! appsink name=sink sync=false",
      pa);
  sizes = run_pipeline_sizes (desc);
  fail_unless_equals_string (sizes, "321x123");
  g_free (sizes);
  g_free (desc);

  /* a new size and layout from one image to the next */
  pattern = g_build_filename (dir, "img-%d.jpg", NULL);
  desc = g_strdup_printf ("multifilesrc location=%s stop-index=1 "
                          "caps=image/jpeg ! turbojpegdec ! appsink name=sink "
                          "sync=false",
      pattern);
  sizes = run_pipeline_sizes (desc);
  fail_unless_equals_string (sizes, "321x123 77x200");
  g_free (sizes);
  g_free (desc);

  g_unlink (pa);
  g_unlink (pb);
  g_rmdir (dir);
  g_free (pattern);
  g_free (pa);
  g_free (pb);
  g_free (dir);
  gst_buffer_unref (ja);
  gst_buffer_unref (jb);
}

GST_END_TEST;

GST_START_TEST (test_real_photos)
{
  gchar *kleiber = imgcheck_corpus_file ("Kleiber_by_Lukas_Baubkus.jpg");
  gchar *elephants = imgcheck_corpus_file ("Elephants_5640x3172.jpg");
  gchar *flower = imgcheck_corpus_file ("FreshFlower.jpg");
  gchar *desc, *sizes, *stock_sizes;
  GstBuffer *ours = NULL, *stock = NULL;
  GstVideoInfo ours_info, stock_info;
  gdouble ssim;

  if (kleiber == NULL || elephants == NULL || flower == NULL) {
    g_free (kleiber);
    g_free (elephants);
    g_free (flower);
    return;
  }
  /* 6028x3391 into a 2048 box: 5/8 gives 3768 < 4096, so 6/8 */
  desc = g_strdup_printf ("filesrc location=%s ! turbojpegdec "
                          "max-dimension=2048 ! appsink name=sink sync=false",
      kleiber);
  sizes = run_pipeline_sizes (desc);
  fail_unless_equals_string (sizes, "4521x2544");
  g_free (sizes);
  g_free (desc);

  /* progressive 5640x3172 into 2048: 6/8 */
  desc = g_strdup_printf ("filesrc location=%s ! jpegparse ! turbojpegdec "
                          "max-dimension=2048 ! appsink name=sink sync=false",
      elephants);
  sizes = run_pipeline_sizes (desc);
  fail_unless_equals_string (sizes, "4230x2379");
  g_free (sizes);
  g_free (desc);

  /* progressive 1600x1203 at full size straight after filesrc: the same
   * luma as stock jpegdec gives */
  desc = g_strdup_printf ("filesrc location=%s ! turbojpegdec ! "
                          "appsink name=sink sync=false",
      flower);
  sizes = run_pipeline (desc, &ours, &ours_info);
  g_free (desc);
  desc = g_strdup_printf ("filesrc location=%s ! jpegdec ! "
                          "appsink name=sink sync=false",
      flower);
  stock_sizes = run_pipeline (desc, &stock, &stock_info);
  fail_unless_equals_string (sizes, "1600x1203");
  fail_unless_equals_string (stock_sizes, sizes);
  ssim = imgcheck_frame_luma_ssim (ours, &ours_info, stock, &stock_info);
  GST_INFO ("FreshFlower: luma SSIM vs jpegdec %f", ssim);
  fail_unless (ssim > 0.995, "luma SSIM vs jpegdec %f", ssim);
  gst_buffer_unref (ours);
  gst_buffer_unref (stock);
  g_free (stock_sizes);
  g_free (sizes);
  g_free (desc);
  g_free (kleiber);
  g_free (elephants);
  g_free (flower);
}

GST_END_TEST;

/* Progressive JPEGs as encoders write them, made by libjpeg-turbo's own
 * programs (cjpeg -progressive, cjpeg -scans SCRIPT, jpegtran) from the
 * test pattern, in a directory of the test's own. */
#define DC_WIDTH 1024
#define DC_HEIGHT 768
/* 1/8 is 128x96, at least twice the 64x48 the image has in this box */
#define DC_BOX "64"

static gchar *
write_pattern_ppm (const gchar *dir, gboolean gray)
{
  gchar *path = g_build_filename (dir, gray ? "in.pgm" : "in.ppm", NULL);
  guint comps = gray ? 1 : 3, x, y;
  GString *ppm = g_string_new (NULL);
  GError *err = NULL;

  g_string_printf (ppm, "P%c\n%u %u\n255\n", gray ? '5' : '6', DC_WIDTH,
      DC_HEIGHT);
  for (y = 0; y < DC_HEIGHT; y++)
    for (x = 0; x < DC_WIDTH; x++) {
      g_string_append_c (ppm, pattern_y (x, y));
      if (comps == 3) {
        g_string_append_c (ppm, pattern_u (x, y));
        g_string_append_c (ppm, pattern_v (x, y));
      }
    }
  fail_unless (g_file_set_contents (path, ppm->str, ppm->len, &err), "%s",
      err ? err->message : "");
  g_string_free (ppm, TRUE);
  return path;
}

/* Runs @tool with @args, then "-outfile @out @in"; returns what it wrote. */
static GstBuffer *
run_jpeg_tool (const gchar *tool, const gchar *args, const gchar *in,
    const gchar *out)
{
  gchar *cmd, *std_err = NULL, *found = g_find_program_in_path (tool);
  gint status = 0;
  GError *err = NULL;
  GstBuffer *buf;

  fail_unless (found != NULL,
      "%s is missing (Debian package libjpeg-turbo-progs)", tool);
  g_free (found);
  cmd = g_strdup_printf ("%s %s -outfile '%s' '%s'", tool, args, out, in);
  fail_unless (g_spawn_command_line_sync (cmd, NULL, &std_err, &status, &err),
      "%s: %s", cmd, err ? err->message : "");
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s: %s", cmd,
      std_err);
  buf = imgcheck_buffer_from_file (out);
  fail_unless (buf != NULL);
  g_free (cmd);
  g_free (std_err);
  return buf;
}

/* A progressive JPEG of the pattern: cjpeg @args; *@path is the file. */
static GstBuffer *
make_progressive (const gchar *dir, const gchar *args, gboolean gray,
    const gchar *name, gchar **path)
{
  gchar *in = write_pattern_ppm (dir, gray);
  gchar *out = g_build_filename (dir, name, NULL);
  gchar *all =
      g_strdup_printf ("-quality 90 %s%s", gray ? "-grayscale " : "", args);
  GstBuffer *buf = run_jpeg_tool ("cjpeg", all, in, out);

  g_free (all);
  g_free (in);
  if (path)
    *path = out;
  else
    g_free (out);
  return buf;
}

/* The same coefficients as a baseline JPEG (jpegtran is lossless): its
 * 1/8-scale decode is today's, from every coefficient. */
static GstBuffer *
baseline_of (const gchar *dir, GstBuffer *jpeg)
{
  gchar *in = g_build_filename (dir, "prog.jpg", NULL);
  gchar *out = g_build_filename (dir, "base.jpg", NULL);
  GstMapInfo map;
  GstBuffer *buf;

  gst_buffer_map (jpeg, &map, GST_MAP_READ);
  fail_unless (g_file_set_contents (in, (const gchar *) map.data, map.size,
      NULL));
  gst_buffer_unmap (jpeg, &map);
  buf = run_jpeg_tool ("jpegtran", "-copy none", in, out);
  g_free (in);
  g_free (out);
  return buf;
}

static gchar *
write_scan_script (const gchar *dir, const gchar *script)
{
  gchar *path = g_build_filename (dir, "scans.txt", NULL);

  fail_unless (g_file_set_contents (path, script, -1, NULL));
  return path;
}

/* Every pixel of every plane, padding left out. */
static gboolean
frames_equal (GstBuffer *a, GstVideoInfo *ia, GstBuffer *b, GstVideoInfo *ib)
{
  GstVideoFrame fa, fb;
  gboolean equal = GST_VIDEO_INFO_FORMAT (ia) == GST_VIDEO_INFO_FORMAT (ib) &&
      GST_VIDEO_INFO_WIDTH (ia) == GST_VIDEO_INFO_WIDTH (ib) &&
      GST_VIDEO_INFO_HEIGHT (ia) == GST_VIDEO_INFO_HEIGHT (ib);
  guint c, y;

  if (!equal)
    return FALSE;
  fail_unless (gst_video_frame_map (&fa, ia, a, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, ib, b, GST_MAP_READ));
  for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&fa); c++)
    for (y = 0; y < (guint) GST_VIDEO_FRAME_COMP_HEIGHT (&fa, c); y++)
      equal = equal &&
          memcmp (GST_VIDEO_FRAME_COMP_DATA (&fa, c) +
                  y * GST_VIDEO_FRAME_COMP_STRIDE (&fa, c),
              GST_VIDEO_FRAME_COMP_DATA (&fb, c) +
                  y * GST_VIDEO_FRAME_COMP_STRIDE (&fb, c),
              GST_VIDEO_FRAME_COMP_WIDTH (&fa, c)) == 0;
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  return equal;
}

/* The thumbnail-sized decode of @prog: its size, the scans read, and how
 * it compares with the whole decode's (of the same coefficients, as a
 * baseline JPEG).  Returns whether the two are identical. */
static gboolean
check_dc_thumbnail (const gchar *dir, GstBuffer *prog, GstBuffer *decode_this,
    gboolean strict, guint expect_scans, const gchar *expect_warning)
{
  Decoded early, whole;
  gdouble ssim;
  gboolean equal;

  decode_into (baseline_of (dir, prog), TRUE, DC_BOX, TRUE, &whole);
  fail_unless (whole.error == NULL, "%s", whole.error);
  fail_unless_equals_int (whole.scans_read, 1);

  decode_into (decode_this, TRUE, DC_BOX, strict, &early);
  fail_unless (early.error == NULL, "%s", early.error);
  fail_unless (early.frame != NULL);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&early.info), DC_WIDTH / 8);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&early.info), DC_HEIGHT / 8);
  fail_unless_equals_int (early.scans_read, expect_scans);
  if (expect_warning)
    fail_unless (early.warning != NULL &&
            strstr (early.warning, expect_warning) != NULL,
        "warning '%s' does not mention '%s'", early.warning, expect_warning);
  else
    fail_unless (early.warning == NULL, "unexpected warning %s", early.warning);

  ssim = imgcheck_frame_luma_ssim (early.frame, &early.info, whole.frame,
      &whole.info);
  equal = frames_equal (early.frame, &early.info, whole.frame, &whole.info);
  GST_INFO ("%u scans read: luma SSIM %f against the whole decode%s",
      early.scans_read, ssim, equal ? ", identical" : "");
  fail_unless (ssim >= 0.99, "luma SSIM %f", ssim);
  decoded_clear (&early);
  decoded_clear (&whole);
  return equal;
}

/* cjpeg -progressive: one DC scan (Al=1), five AC scans, the DC's last bit,
 * three AC refinements.  The thumbnail reads the two DC scans only, and is
 * the whole decode's; any larger decode reads all ten. */
GST_START_TEST (test_dc_scans_progressive)
{
  gchar *dir = g_dir_make_tmp ("turbojpegdec-dc-XXXXXX", NULL);
  GstBuffer *prog;
  Decoded d;

  prog = make_progressive (dir, "-progressive", FALSE, "p.jpg", NULL);
  fail_unless (check_dc_thumbnail (dir, prog, gst_buffer_ref (prog), TRUE, 2,
      NULL));
  /* 2/8 and full size: every scan */
  decode_into (gst_buffer_ref (prog), TRUE, "100", TRUE, &d);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&d.info), DC_WIDTH / 4);
  fail_unless_equals_int (d.scans_read, 10);
  decoded_clear (&d);
  decode_into (gst_buffer_ref (prog), FALSE, NULL, TRUE, &d);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&d.info), DC_WIDTH);
  fail_unless_equals_int (d.scans_read, 10);
  decoded_clear (&d);
  /* grayscale: the same script on one component */
  gst_buffer_unref (prog);
  prog = make_progressive (dir, "-progressive", TRUE, "g.jpg", NULL);
  fail_unless (check_dc_thumbnail (dir, prog, gst_buffer_ref (prog), TRUE, 2,
      NULL));
  gst_buffer_unref (prog);
  imgcheck_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* Scan scripts (cjpeg -scans): the DC split over three scans per
 * component, the DC whole in one scan, an AC scan before the other
 * components' DC (every scan read), two DC refinements after AC scans. */
GST_START_TEST (test_dc_scans_scripts)
{
  static const struct
  {
    const gchar *script;
    guint scans_read;
    gboolean identical;
  } cases[] = {
    { "0: 0-0, 0, 2;\n1,2: 0-0, 0, 2;\n0,1,2: 0-0, 2, 1;\n"
      "0,1,2: 0-0, 1, 0;\n0: 1-63, 0, 0;\n1: 1-63, 0, 0;\n2: 1-63, 0, 0;\n",
        4, TRUE },
    { "0,1,2: 0-0, 0, 0;\n0: 1-63, 0, 0;\n1: 1-63, 0, 0;\n2: 1-63, 0, 0;\n", 1,
        TRUE },
    { "0: 0-0, 0, 0;\n0: 1-63, 0, 0;\n1: 0-0, 0, 0;\n2: 0-0, 0, 0;\n"
      "1: 1-63, 0, 0;\n2: 1-63, 0, 0;\n",
        6, TRUE },
    { "0,1,2: 0-0, 0, 2;\n0: 1-63, 0, 0;\n0,1,2: 0-0, 2, 1;\n"
      "1: 1-63, 0, 0;\n2: 1-63, 0, 0;\n0,1,2: 0-0, 1, 0;\n",
        3, TRUE },
  };
  gchar *dir = g_dir_make_tmp ("turbojpegdec-dc-XXXXXX", NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *script = write_scan_script (dir, cases[i].script);
    gchar *args = g_strdup_printf ("-scans '%s'", script);
    GstBuffer *prog = make_progressive (dir, args, FALSE, "s.jpg", NULL);

    fail_unless_equals_int (check_dc_thumbnail (dir, prog,
                                gst_buffer_ref (prog), TRUE,
                                cases[i].scans_read, NULL),
        cases[i].identical);
    gst_buffer_unref (prog);
    g_free (args);
    g_free (script);
  }
  imgcheck_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* Offset of the @n-th (from 1) scan's SOS marker. */
static gsize
nth_scan (GstBuffer *jpeg, guint n)
{
  gsize pos = 0;

  while (n-- > 0) {
    pos = find_marker (jpeg, 0xda, pos + 1);
    fail_unless (pos > 0);
  }
  return pos;
}

/* Cut short after its DC scans, a progressive JPEG still gives its
 * thumbnail, with a warning; under strict it fails as before. */
GST_START_TEST (test_dc_scans_truncated)
{
  gchar *dir = g_dir_make_tmp ("turbojpegdec-dc-XXXXXX", NULL);
  GstBuffer *prog =
      make_progressive (dir, "-progressive", FALSE, "t.jpg", NULL);
  gsize in_2nd = (nth_scan (prog, 2) + nth_scan (prog, 3)) / 2;
  gsize in_8th = (nth_scan (prog, 8) + nth_scan (prog, 9)) / 2;
  Decoded d;

  /* inside the AC scans after the DC refinement: the same thumbnail */
  fail_unless (check_dc_thumbnail (dir, prog, patched_copy (prog, in_8th),
      FALSE, 2, "truncated"));
  /* inside the first AC scan: the DC one bit short, within 1 of it */
  check_dc_thumbnail (dir, prog, patched_copy (prog, in_2nd), FALSE, 1,
      "truncated");
  /* strict */
  decode_into (patched_copy (prog, in_8th), TRUE, DC_BOX, TRUE, &d);
  fail_unless (d.frame == NULL);
  fail_unless (d.error != NULL && strstr (d.error, "truncated") != NULL,
      "error %s", d.error);
  decoded_clear (&d);
  /* the larger decode: today's, from every scan that arrived */
  decode_into (patched_copy (prog, in_8th), TRUE, "100", TRUE, &d);
  fail_unless (d.frame == NULL && d.error != NULL);
  decoded_clear (&d);
  gst_buffer_unref (prog);
  imgcheck_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static void
keep_decoder (GstBin *bin, GstBin *sub, GstElement *element, gpointer user)
{
  GstElementFactory *f = gst_element_get_factory (element);

  if (f && g_str_equal (GST_OBJECT_NAME (f), "turbojpegdec"))
    gst_object_replace ((GstObject **) user, GST_OBJECT (element));
}

/* imgcompressbin (the tool's --thumbnails-first pass runs it with the
 * thumbnail alone) tells the decoder the largest box through the size-hint
 * query: a thumbnail-only run reads the DC scans, one with a larger
 * variant every scan. */
static guint
bin_scans_read (const gchar *input, const gchar *dir, const gchar *variants)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! imgcompressbin "
                                 "output-dir=\"%s\" overwrite=true "
                                 "formats=jpeg variants=%s",
      input, dir, variants);
  GstElement *pipeline = gst_parse_launch (desc, NULL), *decoder = NULL;
  GstBus *bus;
  GstMessage *msg;
  guint scans = 0;

  fail_unless (pipeline != NULL);
  g_signal_connect (pipeline, "deep-element-added", G_CALLBACK (keep_decoder),
      &decoder);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    GError *err = NULL;
    gchar *debug = NULL;

    gst_message_parse_error (msg, &err, &debug);
    fail ("%s: %s (%s)", variants, err->message, debug);
  }
  gst_message_unref (msg);
  fail_unless (decoder != NULL);
  g_object_get (decoder, "scans-read", &scans, NULL);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (decoder);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
  return scans;
}

GST_START_TEST (test_dc_scans_imgcompressbin)
{
  gchar *dir = g_dir_make_tmp ("turbojpegdec-dc-XXXXXX", NULL);
  gchar *path;
  GstBuffer *prog =
      make_progressive (dir, "-progressive", FALSE, "b.jpg", &path);

  fail_unless_equals_int (bin_scans_read (path, dir, "thumbnail:64:80:75"), 2);
  fail_unless_equals_int (bin_scans_read (path, dir,
                              "thumbnail:64:80:75,full:2048:90:85"),
      10);
  gst_buffer_unref (prog);
  g_free (path);
  imgcheck_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static Suite *
turbojpegdec_suite (void)
{
  Suite *s = suite_create ("turbojpegdec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_decode_layouts);
  tcase_add_test (tc, test_decode_progressive_and_restart);
  tcase_add_test (tc, test_decode_cmyk);
  tcase_add_test (tc, test_shrink_on_load_property);
  tcase_add_test (tc, test_shrink_on_load_size_hint);
  tcase_add_test (tc, test_exif_orientation_tag);
  tcase_add_test (tc, test_exif_parser);
  tcase_add_test (tc, test_damaged_inputs);
  tcase_add_test (tc, test_truncated_not_strict);
  tcase_add_test (tc, test_many_scans);
  tcase_add_test (tc, test_pipelines_filesrc_multifilesrc);
  tcase_add_test (tc, test_real_photos);
  tcase_add_test (tc, test_dc_scans_progressive);
  tcase_add_test (tc, test_dc_scans_scripts);
  tcase_add_test (tc, test_dc_scans_truncated);
  tcase_add_test (tc, test_dc_scans_imgcompressbin);
  return s;
}

GST_CHECK_MAIN (turbojpegdec);

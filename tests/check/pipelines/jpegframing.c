/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Where a JPEG image begins and ends: one file is one image (MPF secondary
 * images, appended JPEGs and trailing bytes skipped, an Exif thumbnail
 * inside APP1 not taken for an image), a stream of JPEGs gives every image
 * whatever the chunk size, max-input-bytes bounds an endless image, damaged
 * headers are named, and CMYK without an Adobe marker is not a negative.
 * The cases and Pillow's decode of each are made at test time by
 * make-jpeg-cases.py. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "imgcheck.h"

static gchar *cases_dir;

/* The primary image is image0.jpg; @tail is what follows its EOI. */
static const struct
{
  const gchar *name;
  gsize tail; /* 0, or the length of the image1.jpg appended */
  gsize extra_tail;
} one_image_cases[] = {
  { "two-jpegs", 1, 0 },
  { "mpf", 1, 0 },
  { "trailing-bytes", 0, 3002 },
  { "exif-thumbnail", 0, 0 },
};

static gchar *
case_path (const gchar *name, const gchar *ext)
{
  gchar *file = g_strconcat (name, ".", ext, NULL);
  gchar *path = g_build_filename (cases_dir, file, NULL);

  g_free (file);
  return path;
}

static GstBuffer *
case_buffer (const gchar *name, const gchar *ext)
{
  gchar *path = case_path (name, ext);
  GstBuffer *buf = imgcheck_buffer_from_file (path);

  fail_unless (buf != NULL, "cannot read %s", path);
  g_free (path);
  return buf;
}

static void
case_size (const gchar *name, guint *width, guint *height)
{
  gchar *path = case_path (name, "size"), *text;

  fail_unless (g_file_get_contents (path, &text, NULL, NULL));
  fail_unless (sscanf (text, "%u %u", width, height) == 2);
  g_free (text);
  g_free (path);
}

/* The bytes after the primary image's EOI in case @i. */
static gsize
case_tail (guint i)
{
  gsize tail = one_image_cases[i].extra_tail;

  if (one_image_cases[i].tail) {
    GstBuffer *second = case_buffer ("image1", "jpg");
    tail += gst_buffer_get_size (second);
    gst_buffer_unref (second);
  }
  return tail;
}

typedef struct
{
  guint worst; /* largest difference of a sample */
  gdouble mean; /* mean absolute difference */
} Difference;

/* The frame's first plane (the luma, or packed RGB of @bpp bytes a pixel)
 * against Pillow's decode of @name in NAME.@ext. */
static Difference
diff_to_pillow (GstBuffer *buf, const GstVideoInfo *info, const gchar *name,
    const gchar *ext, guint bpp)
{
  GstBuffer *ref = case_buffer (name, ext);
  Difference d = { 0, 0.0 };
  GstVideoFrame frame;
  GstMapInfo map;
  guint w, h, x, y;
  guint64 sum = 0;

  case_size (name, &w, &h);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (info), w);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (info), h);
  fail_unless (gst_buffer_map (ref, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, (gsize) w * h * bpp);
  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_READ));
  for (y = 0; y < h; y++) {
    const guint8 *row =
        (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    const guint8 *ref_row = map.data + (gsize) y * w * bpp;

    for (x = 0; x < w * bpp; x++) {
      guint diff = ABS (row[x] - ref_row[x]);
      d.worst = MAX (d.worst, diff);
      sum += diff;
    }
  }
  d.mean = (gdouble) sum / ((gdouble) w * h * bpp);
  gst_video_frame_unmap (&frame);
  gst_buffer_unmap (ref, &map);
  gst_buffer_unref (ref);
  return d;
}

static guint
luma_diff_to_pillow (GstBuffer *buf, const GstVideoInfo *info,
    const gchar *name)
{
  return diff_to_pillow (buf, info, name, "y", 1).worst;
}

static gchar *
pop_error (GstBus *bus)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *text;

  if (msg == NULL)
    return NULL;
  gst_message_parse_error (msg, &err, NULL);
  text = g_strdup (err->message);
  g_error_free (err);
  gst_message_unref (msg);
  return text;
}

/* @buffer pushed in pieces of @chunk bytes (0: whole). */
static void
push_in_chunks (GstHarness *h, GstBuffer *buffer, gsize chunk)
{
  gsize size = gst_buffer_get_size (buffer), pos;

  if (chunk == 0)
    chunk = size;
  for (pos = 0; pos < size; pos += chunk) {
    GstBuffer *piece = gst_buffer_copy_region (buffer, GST_BUFFER_COPY_MEMORY,
        pos, MIN (chunk, size - pos));
    fail_unless_equals_int (gst_harness_push (h, piece), GST_FLOW_OK);
  }
}

typedef struct
{
  GstHarness *h;
  GstBus *bus;
} Decoder;

static void
decoder_start (Decoder *d, const gchar *launch, const gchar *caps)
{
  d->h = gst_harness_new_parse (launch);
  gst_harness_set_src_caps_str (d->h, caps);
  d->bus = gst_bus_new ();
  gst_element_set_bus (d->h->element, d->bus);
}

static void
decoder_stop (Decoder *d)
{
  gst_element_set_bus (d->h->element, NULL);
  gst_object_unref (d->bus);
  gst_harness_teardown (d->h);
}

static GstBuffer *
pull_frame (GstHarness *h, GstVideoInfo *info)
{
  GstBuffer *out = gst_harness_pull (h);
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);

  fail_unless (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
  return out;
}

/* The case decodes to one frame, Pillow's first image, pushed @chunk
 * bytes at a time through @launch. */
static void
check_one_image (const gchar *launch, const gchar *name, gsize chunk)
{
  GstBuffer *file = case_buffer (name, "jpg"), *out;
  GstVideoInfo info;
  Decoder d;
  gchar *error;
  guint diff;

  decoder_start (&d, launch, "image/jpeg");
  push_in_chunks (d.h, file, chunk);
  fail_unless (gst_harness_push_event (d.h, gst_event_new_eos ()));
  error = pop_error (d.bus);
  fail_unless (error == NULL, "%s through %s: %s", name, launch, error);
  fail_unless_equals_int (gst_harness_buffers_received (d.h), 1);
  out = pull_frame (d.h, &info);
  diff = luma_diff_to_pillow (out, &info, name);
  GST_INFO ("%s through %s in %" G_GSIZE_FORMAT "-byte chunks: luma differs "
            "from Pillow's by %u at most",
      name, launch, chunk, diff);
  fail_unless (diff <= 1, "%s: luma differs from Pillow's by %u", name, diff);
  gst_buffer_unref (out);
  gst_buffer_unref (file);
  decoder_stop (&d);
}

/* turbojpegdec with image framing, alone and after adaptivequality (whose
 * image event selects image framing in auto), whole and in pieces. */
GST_START_TEST (test_file_is_one_image)
{
  const gchar *name = one_image_cases[__i__].name;

  check_one_image ("turbojpegdec framing=image", name, 0);
  check_one_image ("turbojpegdec framing=image", name, 1000);
  check_one_image ("adaptivequality ! turbojpegdec", name, 0);
  check_one_image ("adaptivequality ! turbojpegdec", name, 777);
}

GST_END_TEST;

/* adaptivequality passes on exactly the primary image's bytes. */
GST_START_TEST (test_adaptivequality_cuts_at_eoi)
{
  const gchar *name = one_image_cases[__i__].name;
  GstBuffer *file = case_buffer (name, "jpg"), *out;
  gsize expected = gst_buffer_get_size (file) - case_tail (__i__);
  GByteArray *got = g_byte_array_new ();
  GstMapInfo map;
  Decoder d;
  gsize chunk;

  for (chunk = 0; chunk <= 4096; chunk += 4096) {
    decoder_start (&d, "adaptivequality", "image/jpeg");
    push_in_chunks (d.h, file, chunk);
    while ((out = gst_harness_try_pull (d.h)) != NULL) {
      gst_buffer_map (out, &map, GST_MAP_READ);
      g_byte_array_append (got, map.data, map.size);
      gst_buffer_unmap (out, &map);
      gst_buffer_unref (out);
    }
    fail_unless_equals_int (got->len, expected);
    fail_unless (gst_buffer_memcmp (file, 0, got->data, got->len) == 0);
    g_byte_array_set_size (got, 0);
    decoder_stop (&d);
  }
  g_byte_array_unref (got);
  gst_buffer_unref (file);
}

GST_END_TEST;

/* The Exif thumbnail's SOI and EOI are inside APP1: even when every JPEG
 * found is an image, the main image is the one decoded. */
GST_START_TEST (test_exif_thumbnail_is_not_an_image)
{
  check_one_image ("turbojpegdec framing=stream", "exif-thumbnail", 0);
  check_one_image ("turbojpegdec", "exif-thumbnail", 5);
}

GST_END_TEST;

/* Whole-buffer decodes of image0..3.jpg, the reference of the streams. */
static GstBuffer *
decode_whole (guint i, GstVideoInfo *info)
{
  gchar *name = g_strdup_printf ("image%u", i);
  GstBuffer *out;
  Decoder d;

  decoder_start (&d, "turbojpegdec", "image/jpeg");
  fail_unless_equals_int (gst_harness_push (d.h, case_buffer (name, "jpg")),
      GST_FLOW_OK);
  out = pull_frame (d.h, info);
  fail_unless (luma_diff_to_pillow (out, info, name) <= 1);
  decoder_stop (&d);
  g_free (name);
  return out;
}

/* Same picture: every component's visible samples are equal (padding at
 * the end of rows is not looked at). */
static gboolean
frames_equal (GstBuffer *a, const GstVideoInfo *info, GstBuffer *b)
{
  GstVideoFrame fa, fb;
  gboolean equal = TRUE;
  guint c, y;

  fail_unless (gst_video_frame_map (&fa, info, a, GST_MAP_READ));
  fail_unless (gst_video_frame_map (&fb, info, b, GST_MAP_READ));
  for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&fa) && equal; c++) {
    gsize row = (gsize) GST_VIDEO_FRAME_COMP_WIDTH (&fa, c) *
        GST_VIDEO_FRAME_COMP_PSTRIDE (&fa, c);

    for (y = 0; y < (guint) GST_VIDEO_FRAME_COMP_HEIGHT (&fa, c) && equal; y++)
      equal = memcmp ((const guint8 *) GST_VIDEO_FRAME_COMP_DATA (&fa, c) +
                      y * GST_VIDEO_FRAME_COMP_STRIDE (&fa, c),
                  (const guint8 *) GST_VIDEO_FRAME_COMP_DATA (&fb, c) +
                      y * GST_VIDEO_FRAME_COMP_STRIDE (&fb, c),
                  row) == 0;
  }
  gst_video_frame_unmap (&fa);
  gst_video_frame_unmap (&fb);
  return equal;
}

/* Frames from appsink match the whole-buffer decodes, in order. */
static void
check_stream_frames (GstElement *pipeline, const gchar *what)
{
  GstElement *sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  GstSample *sample;
  guint i;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  for (i = 0; i < 4; i++) {
    GstVideoInfo info, ref_info;
    GstBuffer *ref = decode_whole (i, &ref_info), *buf;

    sample =
        gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
    fail_unless (sample != NULL, "%s: image %u missing", what, i);
    fail_unless (gst_video_info_from_caps (&info,
        gst_sample_get_caps (sample)));
    buf = gst_sample_get_buffer (sample);
    fail_unless (gst_video_info_is_equal (&info, &ref_info),
        "%s: image %u is %dx%d", what, i, GST_VIDEO_INFO_WIDTH (&info),
        GST_VIDEO_INFO_HEIGHT (&info));
    fail_unless (frames_equal (buf, &info, ref), "%s: image %u differs", what,
        i);
    gst_sample_unref (sample);
    gst_buffer_unref (ref);
  }
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS,
      "%s: no EOS", what);
  gst_message_unref (msg);
  fail_unless (gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0) == NULL,
      "%s: more than 4 images", what);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (sink);
}

static const guint blocksizes[] = { 1, 2, 3, 4, 5, 7, 3571 };

/* Four JPEGs one after another, read in chunks of every size: every image
 * is decoded, as it is from a whole buffer. */
GST_START_TEST (test_stream_in_tiny_chunks)
{
  gchar *path = case_path ("stream4", "jpg"), *desc;
  GstElement *pipeline;

  desc = g_strdup_printf ("filesrc location=\"%s\" blocksize=%u ! "
                          "turbojpegdec ! appsink name=sink sync=false",
      path, blocksizes[__i__]);
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  check_stream_frames (pipeline, desc);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (path);
}

GST_END_TEST;

/* A stream of images, one file (multifilesrc) or one buffer (appsrc) each,
 * through adaptivequality: every image, each one with its event. */
GST_START_TEST (test_stream_of_files)
{
  gchar *desc = g_strdup_printf ("multifilesrc location=\"%s/image%%u.jpg\" "
                                 "stop-index=3 ! adaptivequality ! "
                                 "turbojpegdec ! appsink name=sink "
                                 "sync=false",
      cases_dir);
  GstElement *pipeline = gst_parse_launch (desc, NULL), *src;
  guint i;

  fail_unless (pipeline != NULL);
  check_stream_frames (pipeline, desc);
  gst_object_unref (pipeline);
  g_free (desc);

  pipeline = gst_parse_launch ("appsrc name=src format=bytes ! "
                               "adaptivequality ! turbojpegdec ! appsink "
                               "name=sink sync=false",
      NULL);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  for (i = 0; i < 4; i++) {
    gchar *name = g_strdup_printf ("image%u", i);
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (src),
                                case_buffer (name, "jpg")),
        GST_FLOW_OK);
    g_free (name);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  check_stream_frames (pipeline, "appsrc");
  gst_object_unref (src);
  gst_object_unref (pipeline);
}

GST_END_TEST;

/* Refused over max-input-bytes, with the limit in the message; the next
 * image of the stream goes through. */
static void
check_limit (const gchar *launch, gsize chunk)
{
  GstBuffer *big = case_buffer ("image0", "jpg");
  GstBuffer *next = case_buffer ("image1", "jpg");
  gsize size = gst_buffer_get_size (big), pos;
  GstFlowReturn last = GST_FLOW_OK;
  GstVideoInfo info;
  GstBuffer *out;
  gchar *error;
  Decoder d;

  fail_unless (size > 15000 && gst_buffer_get_size (next) < 15000);
  decoder_start (&d, launch, "image/jpeg");
  for (pos = 0; pos < size && last == GST_FLOW_OK; pos += chunk)
    last = gst_harness_push (d.h,
        gst_buffer_copy_region (big, GST_BUFFER_COPY_MEMORY, pos,
            MIN (chunk, size - pos)));
  fail_unless_equals_int (last, GST_FLOW_ERROR);
  error = pop_error (d.bus);
  fail_unless (error != NULL, "%s: no error", launch);
  fail_unless (strstr (error, "larger than the 15000 bytes allowed") != NULL,
      "%s: %s", launch, error);
  g_free (error);
  fail_unless_equals_int (gst_harness_buffers_received (d.h), 0);

  /* (the decoder may say that it got part of the refused image only) */
  fail_unless_equals_int (gst_harness_push (d.h, next), GST_FLOW_OK);
  fail_unless (gst_harness_push_event (d.h, gst_event_new_eos ()));
  fail_unless_equals_int (gst_harness_buffers_received (d.h), 1);
  out = pull_frame (d.h, &info);
  fail_unless (luma_diff_to_pillow (out, &info, "image1") <= 1);
  gst_buffer_unref (out);
  while ((error = pop_error (d.bus)) != NULL) {
    GST_INFO ("%s: then %s", launch, error);
    fail_if (strstr (error, "allowed") != NULL, "%s: %s", launch, error);
    g_free (error);
  }
  gst_buffer_unref (big);
  decoder_stop (&d);
}

GST_START_TEST (test_max_input_bytes)
{
  check_limit ("adaptivequality max-input-bytes=15000 ! turbojpegdec", 4096);
  check_limit ("adaptivequality max-input-bytes=15000 ! turbojpegdec", 100000);
  check_limit ("turbojpegdec max-input-bytes=15000", 4096);
  check_limit ("turbojpegdec max-input-bytes=15000", 100000);
}

GST_END_TEST;

/* imgwebpdec knows an image's size from its RIFF header: one over the
 * limit is refused before its bytes are kept, and skipped. */
GST_START_TEST (test_webp_max_input_bytes)
{
  GstBuffer *big = case_buffer ("webp-big", "webp");
  GstBuffer *small = case_buffer ("webp-small", "webp");
  gchar *launch =
      g_strdup_printf ("imgwebpdec max-input-bytes=%" G_GSIZE_FORMAT,
          gst_buffer_get_size (small));
  GstVideoInfo info;
  GstBuffer *out;
  gchar *error;
  Decoder d;

  fail_unless (gst_buffer_get_size (big) > gst_buffer_get_size (small));
  decoder_start (&d, launch, "image/webp");
  fail_unless_equals_int (gst_harness_push (d.h,
                              gst_buffer_copy_region (big,
                                  GST_BUFFER_COPY_MEMORY, 0, 100)),
      GST_FLOW_ERROR);
  error = pop_error (d.bus);
  fail_unless (error != NULL && strstr (error, "larger than the") != NULL, "%s",
      error);
  g_free (error);
  /* the rest of the refused image, then the next one in the same buffer */
  fail_unless_equals_int (gst_harness_push (d.h,
                              gst_buffer_append (gst_buffer_copy_region (big,
                                                     GST_BUFFER_COPY_MEMORY,
                                                     100, -1),
                                  gst_buffer_ref (small))),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (d.h, gst_event_new_eos ()));
  fail_unless_equals_int (gst_harness_buffers_received (d.h), 1);
  out = pull_frame (d.h, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 64);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 48);
  gst_buffer_unref (out);
  error = pop_error (d.bus);
  fail_unless (error == NULL, "%s", error);
  decoder_stop (&d);
  gst_buffer_unref (big);
  gst_buffer_unref (small);
  g_free (launch);
}

GST_END_TEST;

static guint64
rss_kib (void)
{
  gchar *status = NULL, *line;
  guint64 kib = 0;

  fail_unless (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "VmRSS:");
  if (line)
    kib = g_ascii_strtoull (line + 6, NULL, 10);
  g_free (status);
  return kib;
}

#define LIMIT_MIB 16

/* An image whose data never ends, pushed into imgcompressbin with no size
 * known: refused once it passes max-input-bytes, memory bounded. */
GST_START_TEST (test_endless_stream_bounded)
{
  GstHarness *h =
      gst_harness_new_with_padnames ("imgcompressbin", "sink", NULL);
  gchar *outdir = g_dir_make_tmp ("jpegframing-XXXXXX", NULL), *error;
  GstBuffer *chunk = gst_buffer_new_allocate (NULL, 1024 * 1024, NULL);
  GstBus *bus = gst_bus_new ();
  GstFlowReturn ret;
  guint64 before, pushed = 0, peak = 0;

  gst_buffer_memset (chunk, 0, 0x55, 1024 * 1024);
  g_object_set (h->element, "output-dir", outdir, "max-input-bytes",
      (guint64) LIMIT_MIB * 1024 * 1024, NULL);
  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "image/jpeg");
  gst_harness_play (h);
  before = rss_kib ();

  ret = gst_harness_push (h, case_buffer ("endless-head", "jpg"));
  while (ret == GST_FLOW_OK && pushed < 20 * LIMIT_MIB) {
    /* a copy each time, as a source fills new memory */
    ret = gst_harness_push (h, gst_buffer_copy_deep (chunk));
    pushed++;
    peak = MAX (peak, rss_kib ());
  }
  GST_INFO ("refused after %" G_GUINT64_FORMAT " MiB, RSS %" G_GUINT64_FORMAT
            " -> peak %" G_GUINT64_FORMAT " KiB",
      pushed, before, peak);
  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  fail_unless (pushed <= LIMIT_MIB + 1,
      "refused after %" G_GUINT64_FORMAT " MiB", pushed);
  /* the decoder holds at most the limit; its frame is not decoded */
  fail_unless (peak < before + 3 * LIMIT_MIB * 1024,
      "RSS grew from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " KiB",
      before, peak);
  error = pop_error (bus);
  fail_unless (error != NULL);
  fail_unless (strstr (error, "larger than the 16777216 bytes allowed") != NULL,
      "%s", error);
  fail_unless_equals_int (imgcheck_count_files (outdir, ""), 0);

  g_free (error);
  gst_buffer_unref (chunk);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  imgcheck_remove_tree (outdir);
  g_free (outdir);
}

GST_END_TEST;

/* The tool refuses a file over --max-input-bytes alone, names it, and 0
 * lifts the limit; a multi-picture file gives its primary photo's six
 * files. */
GST_START_TEST (test_tool_max_input_bytes)
{
  const gchar *tool = g_getenv ("IMGCOMPRESS_TOOL");
  gchar *outdir = g_dir_make_tmp ("jpegframing-XXXXXX", NULL);
  gchar *input = case_path ("mpf", "jpg");
  gchar *argv[] = { (gchar *) tool, (gchar *) "-q", (gchar *) "-o", outdir,
    NULL, input, NULL };
  gchar *err = NULL;
  gint status;

  fail_unless (tool != NULL);
  argv[4] = (gchar *) "--max-input-bytes=1000";
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
      NULL, NULL, &err, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL) == FALSE);
  fail_unless (WEXITSTATUS (status) == 1, "exit %d", WEXITSTATUS (status));
  fail_unless (strstr (err, "larger than the 1000 bytes allowed") != NULL, "%s",
      err);
  fail_unless_equals_int (imgcheck_count_files (outdir, ""), 0);
  g_free (err);

  argv[4] = (gchar *) "--max-input-bytes=0";
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
      NULL, NULL, &err, &status, NULL));
  fail_unless (g_spawn_check_wait_status (status, NULL), "%s", err);
  fail_unless_equals_int (imgcheck_count_files (outdir, "mpf."), 6);
  g_free (err);

  imgcheck_remove_tree (outdir);
  g_free (outdir);
  g_free (input);
}

GST_END_TEST;

/* Damaged headers: the format and the first problem found, from the
 * ingest gate and from the decoder alone. */
static const struct
{
  const gchar *launch;
  const guint8 *data;
  gsize size;
  const gchar *message;
} damaged[] = {
  { "adaptivequality", (const guint8 *) "\xff\xd8\xff\xe0\x00\x01", 6,
      "has a damaged JPEG header: segment length below 2." },
  { "adaptivequality", (const guint8 *) "\xff\xd8\xff\xe0\x00\x10JFIF", 10,
      "has a damaged JPEG header: it ends after 10 bytes, where the header "
      "needs 22." },
  { "adaptivequality",
      (const guint8 *) "\xff\xd8\xff\xc0\x00\x08\x08\x00\x10\x00\x10\x03", 12,
      "has a damaged JPEG header: frame header too short for its "
      "components." },
  { "adaptivequality", (const guint8 *) "\xff\xd8\xff\xe0\x00\x04\0\0\x12\x34",
      10,
      "has a damaged JPEG header: no marker where the next segment should "
      "start." },
  { "adaptivequality",
      (const guint8 *) "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x10\0\0\0\x10"
                       "\x08\x02\0\0\0\0\0\0\0",
      33, "has a damaged PNG header: CRC error in chunk IHDR." },
  { "adaptivequality", (const guint8 *) "\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0",
      18,
      "has a damaged PNG header: it ends after 18 bytes, where the header "
      "needs 33." },
  { "adaptivequality", (const guint8 *) "\x89PNG\r\n\x1a\n\0\0\0\x0cIHDR", 16,
      "has a damaged PNG header: the first chunk is not a 13-byte IHDR." },
  { "turbojpegdec", (const guint8 *) "\xff\xd8\xff\xe0\x00\x01\xff\xd9", 8,
      "Damaged JPEG header: segment length below 2." },
  { "turbojpegdec", (const guint8 *) "\xff\xd8\xff\xda\x00\x02\x55\xff\xd9", 9,
      "Damaged JPEG header: no frame header (SOF) before the image data." },
};

GST_START_TEST (test_damaged_header_named)
{
  Decoder d;
  gchar *error;

  decoder_start (&d, damaged[__i__].launch,
      damaged[__i__].data[0] == 0xff ? "image/jpeg" : "image/png");
  gst_harness_push (d.h,
      gst_buffer_new_memdup (damaged[__i__].data, damaged[__i__].size));
  gst_harness_push_event (d.h, gst_event_new_eos ());
  error = pop_error (d.bus);
  fail_unless (error != NULL, "case %d: no error", __i__);
  GST_INFO ("case %d: %s", __i__, error);
  fail_unless (g_str_has_suffix (error, damaged[__i__].message),
      "case %d: '%s' does not end with '%s'", __i__, error,
      damaged[__i__].message);
  fail_unless (strstr (error, "not a valid") == NULL);
  g_free (error);
  decoder_stop (&d);
}

GST_END_TEST;

/* A CMYK JPEG is read with Adobe's inverted polarity whether or not it has
 * the APP14 marker, as Pillow reads it. */
GST_START_TEST (test_cmyk_without_adobe_marker)
{
  const gchar *names[] = { "cmyk", "cmyk-no-adobe" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstBuffer *out;
    GstVideoInfo info;
    gdouble error;
    Decoder d;

    decoder_start (&d, "turbojpegdec", "image/jpeg");
    fail_unless_equals_int (gst_harness_push (d.h,
                                case_buffer (names[i], "jpg")),
        GST_FLOW_OK);
    out = pull_frame (d.h, &info);
    fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info),
        GST_VIDEO_FORMAT_RGB);
    error = diff_to_pillow (out, &info, names[i], "rgb", 3).mean;
    GST_INFO ("%s: mean error to Pillow %.3f", names[i], error);
    fail_unless (error < 1.0, "%s: mean error to Pillow %.3f", names[i], error);
    gst_buffer_unref (out);
    decoder_stop (&d);
  }
}

GST_END_TEST;

static Suite *
jpegframing_suite (void)
{
  Suite *s = suite_create ("jpegframing");
  TCase *tc = tcase_create ("framing");
  TCase *limits = tcase_create ("limits");
  TCase *faults = tcase_create ("faults");

  suite_add_tcase (s, tc);
  suite_add_tcase (s, limits);
  suite_add_tcase (s, faults);
  tcase_add_loop_test (tc, test_file_is_one_image, 0,
      G_N_ELEMENTS (one_image_cases));
  tcase_add_loop_test (tc, test_adaptivequality_cuts_at_eoi, 0,
      G_N_ELEMENTS (one_image_cases));
  tcase_add_test (tc, test_exif_thumbnail_is_not_an_image);
  tcase_add_loop_test (tc, test_stream_in_tiny_chunks, 0,
      G_N_ELEMENTS (blocksizes));
  tcase_add_test (tc, test_stream_of_files);
  tcase_add_test (limits, test_max_input_bytes);
  tcase_add_test (limits, test_webp_max_input_bytes);
  tcase_add_test (limits, test_endless_stream_bounded);
  tcase_add_test (limits, test_tool_max_input_bytes);
  tcase_add_loop_test (faults, test_damaged_header_named, 0,
      G_N_ELEMENTS (damaged));
  tcase_add_test (faults, test_cmyk_without_adobe_marker);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;
  int failed;

  gst_check_init (&argc, &argv);
  cases_dir = imgcheck_generate_cases ("pipelines/make-jpeg-cases.py",
      "jpeg-cases-XXXXXX");
  if (cases_dir == NULL)
    return 1;
  s = jpegframing_suite ();
  failed = gst_check_run_suite (s, "jpegframing", __FILE__);
  imgcheck_remove_tree (cases_dir);
  g_free (cases_dir);
  return failed;
}

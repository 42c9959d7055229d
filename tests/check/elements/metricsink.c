/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* metricsink: templated paths, exact bytes, atomic writes, overwrite
 * refusal, metrics messages, stats; and the library's atomic file module
 * it writes through (no-replace commit, stale temporary file cleanup). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/imgcompress/imgcompress.h>
#include <glib/gstdio.h>

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>
#include <sys/xattr.h>
#include <zlib.h>

#define JPEG_CAPS "image/jpeg, width=(int)500, height=(int)281"

/* Helpers */

static gchar *
make_test_dir (void)
{
  gchar *dir = g_dir_make_tmp ("metricsink-XXXXXX", NULL);

  fail_unless (dir != NULL);
  return dir;
}

static void
remove_tree (const gchar *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode)) {
    GDir *d = g_dir_open (path, 0, NULL);
    const gchar *entry;

    /* a test may have made it read-only */
    g_chmod (path, 0755);
    while (d != NULL && (entry = g_dir_read_name (d)) != NULL) {
      gchar *child = g_build_filename (path, entry, NULL);
      remove_tree (child);
      g_free (child);
    }
    if (d != NULL)
      g_dir_close (d);
    g_rmdir (path);
  } else {
    g_unlink (path);
  }
}

/* Number of regular files (all, or only temporary ones) under @dir. */
static guint
count_files (const gchar *dir, gboolean only_temps)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *entry;
  guint n = 0;

  if (d == NULL)
    return 0;
  while ((entry = g_dir_read_name (d)) != NULL) {
    gchar *child = g_build_filename (dir, entry, NULL);
    GStatBuf st;

    if (g_lstat (child, &st) == 0) {
      if (S_ISDIR (st.st_mode))
        n += count_files (child, only_temps);
      else if (!only_temps || gst_imgcompress_file_is_temp_name (entry))
        n++;
    }
    g_free (child);
  }
  g_dir_close (d);
  return n;
}

/* Deterministic, position-dependent bytes, starting like a JPEG. */
static GstBuffer *
make_image_buffer (gsize size, guint seed, gint quality,
    GstClockTime encode_time)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, size, NULL);
  GstMapInfo map;
  gsize i;

  fail_unless (gst_buffer_map (buf, &map, GST_MAP_WRITE));
  for (i = 0; i < size; i++)
    map.data[i] = (guint8) ((i * 131 + seed * 17 + (i >> 8)) & 0xff);
  if (size >= 2) {
    map.data[0] = 0xff;
    map.data[1] = 0xd8;
  }
  gst_buffer_unmap (buf, &map);
  if (quality != GST_IMGCOMPRESS_QUALITY_UNSET)
    gst_buffer_add_imgcompress_encode_meta (buf, quality, encode_time);
  return buf;
}

static void
assert_file_equals_buffer (const gchar *path, GstBuffer *buf)
{
  gchar *contents = NULL;
  gsize length = 0;
  GstMapInfo map;

  fail_unless (g_file_get_contents (path, &contents, &length, NULL),
      "%s was not written", path);
  fail_unless (gst_buffer_map (buf, &map, GST_MAP_READ));
  fail_unless_equals_uint64 (length, map.size);
  fail_unless (memcmp (contents, map.data, length) == 0,
      "%s does not hold the buffer's bytes", path);
  gst_buffer_unmap (buf, &map);
  g_free (contents);
}

static GstClockTime
monotonic_now (void)
{
  return g_get_monotonic_time () * GST_USECOND;
}

static GstEvent *
image_event (const gchar *name, guint64 input_bytes, GstClockTime start_time)
{
  GstImgcompressImageInfo info;
  GstEvent *event;

  gst_imgcompress_image_info_init (&info);
  info.name = g_strdup (name);
  info.input_bytes = input_bytes;
  info.width = 6028;
  info.height = 3391;
  info.format = GST_IMGCOMPRESS_FORMAT_JPEG;
  info.start_time = start_time;
  info.jpeg_quality = 85;
  info.webp_quality = 80;
  event = gst_imgcompress_image_event_new (&info);
  gst_imgcompress_image_info_clear (&info);
  return event;
}

static GstEvent *
variant_event (const gchar *variant)
{
  GstImgcompressVariantInfo info;
  GstEvent *event;

  gst_imgcompress_variant_info_init (&info);
  info.variant = g_strdup (variant);
  info.max_dimension = 500;
  info.jpeg_quality = 85;
  info.webp_quality = 80;
  event = gst_imgcompress_variant_event_new (&info);
  gst_imgcompress_variant_info_clear (&info);
  return event;
}

/* A metricsink in @dir with its own bus, driven by a harness. Extra
 * properties are set before it starts. */
static GstHarness *
setup_sink (const gchar *dir, GstBus **bus, const gchar *first_property, ...)
{
  GstElement *sink = gst_element_factory_make ("metricsink", NULL);
  GstHarness *h;
  va_list args;

  fail_unless (sink != NULL, "metricsink is not available");
  g_object_set (sink, "output-dir", dir, NULL);
  if (first_property != NULL) {
    va_start (args, first_property);
    g_object_set_valist (G_OBJECT (sink), first_property, args);
    va_end (args);
  }
  *bus = gst_bus_new ();
  gst_element_set_bus (sink, *bus);

  h = gst_harness_new_with_element (sink, "sink", NULL);
  gst_object_unref (sink);
  return h;
}

static void
teardown_sink (GstHarness *h, GstBus *bus)
{
  gst_harness_teardown (h);
  gst_bus_set_flushing (bus, TRUE);
  gst_object_unref (bus);
}

/* The next metrics message on @bus; fails on an error message. */
static void
pop_metrics (GstBus *bus, GstImgcompressMetrics *metrics)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus,
              GST_MESSAGE_ELEMENT | GST_MESSAGE_ERROR)) != NULL) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_error (msg, &err, &debug);
      fail ("unexpected error: %s (%s)", err->message, debug);
    }
    if (gst_imgcompress_metrics_message_parse (msg, metrics)) {
      gst_message_unref (msg);
      return;
    }
    gst_message_unref (msg);
  }
  fail ("no imgcompress-metrics message on the bus");
}

static void
assert_no_metrics (GstBus *bus)
{
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    GstImgcompressMetrics m;

    fail_if (gst_imgcompress_metrics_message_parse (msg, &m),
        "unexpected metrics message for %s", m.location);
    gst_message_unref (msg);
  }
}

/* Pops the error message and returns its GError (caller frees). */
static GError *
pop_error (GstBus *bus, gchar **debug)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *err = NULL;

  fail_unless (msg != NULL, "no error message on the bus");
  gst_message_parse_error (msg, &err, debug);
  gst_message_unref (msg);
  return err;
}

static void
push_image (GstHarness *h, const gchar *name, const gchar *variant,
    guint64 input_bytes, GstClockTime start_time)
{
  fail_unless (gst_harness_push_event (h,
      image_event (name, input_bytes, start_time)));
  if (variant != NULL)
    fail_unless (gst_harness_push_event (h, variant_event (variant)));
}

/* Tests of the element */

GST_START_TEST (test_writes_exact_bytes_at_templated_path)
{
  gchar *dir = make_test_dir ();
  gchar *expected, *variant_dir;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *buf;
  GStatBuf st;
  mode_t mask;

  mask = umask (022);
  h = setup_sink (dir, &bus, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "photo.jpg", "preview", 100000, monotonic_now ());
  buf = make_image_buffer (23456, 1, 85, 1000);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);

  expected = g_build_filename (dir, "preview", "photo.jpg", NULL);
  assert_file_equals_buffer (expected, buf);
  /* directories are created with 0755 */
  variant_dir = g_build_filename (dir, "preview", NULL);
  fail_unless (g_stat (variant_dir, &st) == 0);
  fail_unless_equals_int (st.st_mode & 0777, 0755);
  /* nothing else: no temporary file left behind */
  fail_unless_equals_int (count_files (dir, FALSE), 1);

  umask (mask);
  gst_buffer_unref (buf);
  g_free (variant_dir);
  g_free (expected);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_metrics_message_fields)
{
  const GstClockTime age = 200 * GST_MSECOND;
  gchar *dir = make_test_dir ();
  gchar *expected;
  GstImgcompressMetrics m;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *buf;
  gsize size = 31337;

  h = setup_sink (dir, &bus, NULL);
  gst_harness_set_src_caps_str (h,
      "image/webp, width=(int)150, height=(int)84");
  push_image (h, "Kleiber_by_Lukas_Baubkus.jpg", "thumbnail", 4379037,
      monotonic_now () - age);
  buf = make_image_buffer (size, 2, 75, 1234567);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);

  pop_metrics (bus, &m);
  expected = g_build_filename (dir, "thumbnail",
      "Kleiber_by_Lukas_Baubkus.webp", NULL);
  fail_unless (g_file_test (expected, G_FILE_TEST_IS_REGULAR));
  fail_unless_equals_string (m.image, "Kleiber_by_Lukas_Baubkus.jpg");
  fail_unless_equals_string (m.variant, "thumbnail");
  fail_unless_equals_string (m.format, "webp");
  fail_unless_equals_string (m.location, expected);
  fail_unless_equals_int (m.width, 150);
  fail_unless_equals_int (m.height, 84);
  fail_unless_equals_int (m.quality, 75);
  fail_unless_equals_uint64 (m.encode_time, 1234567);
  fail_unless_equals_uint64 (m.input_bytes, 4379037);
  fail_unless_equals_uint64 (m.output_bytes, size);
  fail_unless_equals_float (m.compression_ratio, (gdouble) size / 4379037);
  fail_unless (GST_CLOCK_TIME_IS_VALID (m.processing_time));
  fail_unless (m.processing_time >= age,
      "processing-time %" GST_TIME_FORMAT " shorter than the image's age",
      GST_TIME_ARGS (m.processing_time));
  fail_unless (m.processing_time < age + 60 * GST_SECOND);
  gst_imgcompress_metrics_clear (&m);
  assert_no_metrics (bus);

  g_free (expected);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_without_events_uses_fallbacks)
{
  gchar *dir = make_test_dir ();
  gchar *expected;
  GstImgcompressMetrics m;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *buf;

  h = setup_sink (dir, &bus, "image-name", "upload.png", NULL);
  gst_harness_set_src_caps_str (h, "image/jpeg");
  buf = make_image_buffer (1000, 3, GST_IMGCOMPRESS_QUALITY_UNSET, 0);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);

  expected = g_build_filename (dir, "image", "upload.jpg", NULL);
  assert_file_equals_buffer (expected, buf);
  pop_metrics (bus, &m);
  fail_unless_equals_string (m.image, "upload.png");
  fail_unless_equals_string (m.variant, "image");
  fail_unless_equals_string (m.format, "jpeg");
  fail_unless_equals_string (m.location, expected);
  /* unknown, and said so */
  fail_unless_equals_int (m.width, 0);
  fail_unless_equals_int (m.height, 0);
  fail_unless_equals_int (m.quality, GST_IMGCOMPRESS_QUALITY_UNSET);
  fail_unless_equals_uint64 (m.encode_time, GST_CLOCK_TIME_NONE);
  fail_unless_equals_uint64 (m.input_bytes, 0);
  fail_unless_equals_uint64 (m.output_bytes, 1000);
  fail_unless_equals_float (m.compression_ratio, 0.0);
  fail_unless_equals_uint64 (m.processing_time, GST_CLOCK_TIME_NONE);
  gst_imgcompress_metrics_clear (&m);

  gst_buffer_unref (buf);
  g_free (expected);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static gchar *
dated_path (const gchar *dir, GDateTime *t)
{
  gchar *date = g_date_time_format (t, "%Y/%m/%d/%H");
  gchar *path = g_build_filename (dir, date, "full", "photo-0.jpg", NULL);

  g_free (date);
  return path;
}

GST_START_TEST (test_date_template)
{
  gchar *dir = make_test_dir ();
  gchar *before_path, *after_path, *written;
  GDateTime *before, *after;
  GstImgcompressMetrics m;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *buf;

  h = setup_sink (dir, &bus, "location",
      "%Y/%m/%d/%H/{variant}/{name}-{index}.{ext}", NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "photo.jpeg", "full", 5000, monotonic_now ());
  buf = make_image_buffer (777, 4, 90, 10);
  before = g_date_time_new_now_local ();
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);
  after = g_date_time_new_now_local ();

  /* the hour may turn during the push: either side is right */
  before_path = dated_path (dir, before);
  after_path = dated_path (dir, after);
  written =
      g_file_test (before_path, G_FILE_TEST_EXISTS) ? before_path : after_path;
  assert_file_equals_buffer (written, buf);
  pop_metrics (bus, &m);
  fail_unless_equals_string (m.location, written);
  gst_imgcompress_metrics_clear (&m);

  gst_buffer_unref (buf);
  g_date_time_unref (before);
  g_date_time_unref (after);
  g_free (before_path);
  g_free (after_path);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_two_images_in_one_stream)
{
  gchar *dir = make_test_dir ();
  gchar *first_path, *second_path;
  GstImgcompressMetrics m;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *buf_a, *buf_b;

  h = setup_sink (dir, &bus, "location", "{variant}/{name}-{index}.{ext}",
      NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "buf_a.jpg", "preview", 40000, monotonic_now ());
  buf_a = make_image_buffer (12000, 5, 85, 100);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf_a)),
      GST_FLOW_OK);

  /* the next image: new event, new (portrait) caps, other size */
  gst_harness_set_src_caps_str (h,
      "image/jpeg, width=(int)281, height=(int)500");
  push_image (h, "buf_b.jpg", NULL, 90000, monotonic_now ());
  buf_b = make_image_buffer (20000, 6, 80, 200);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf_b)),
      GST_FLOW_OK);

  first_path = g_build_filename (dir, "preview", "buf_a-0.jpg", NULL);
  second_path = g_build_filename (dir, "preview", "buf_b-1.jpg", NULL);
  assert_file_equals_buffer (first_path, buf_a);
  assert_file_equals_buffer (second_path, buf_b);
  fail_unless_equals_int (count_files (dir, FALSE), 2);

  pop_metrics (bus, &m);
  fail_unless_equals_string (m.image, "buf_a.jpg");
  fail_unless_equals_string (m.location, first_path);
  fail_unless_equals_int (m.width, 500);
  fail_unless_equals_int (m.height, 281);
  fail_unless_equals_uint64 (m.input_bytes, 40000);
  fail_unless_equals_int (m.quality, 85);
  gst_imgcompress_metrics_clear (&m);
  pop_metrics (bus, &m);
  fail_unless_equals_string (m.image, "buf_b.jpg");
  /* the variant event is sticky: still the preview */
  fail_unless_equals_string (m.variant, "preview");
  fail_unless_equals_string (m.location, second_path);
  fail_unless_equals_int (m.width, 281);
  fail_unless_equals_int (m.height, 500);
  fail_unless_equals_uint64 (m.input_bytes, 90000);
  fail_unless_equals_uint64 (m.output_bytes, 20000);
  fail_unless_equals_int (m.quality, 80);
  gst_imgcompress_metrics_clear (&m);

  gst_buffer_unref (buf_a);
  gst_buffer_unref (buf_b);
  g_free (first_path);
  g_free (second_path);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_name_loses_only_an_image_extension)
{
  static const struct
  {
    const gchar *event_name;
    const gchar *file_name;
  } cases[] = {
    { "Holiday.JPEG", "Holiday.jpg" },
    { "IMG_2024.01.05", "IMG_2024.01.05.jpg" },
    { "scan.v2.png", "scan.v2.jpg" },
    { "noext", "noext.jpg" },
  };
  gchar *dir = make_test_dir ();
  GstHarness *h;
  GstBus *bus;
  guint i;

  h = setup_sink (dir, &bus, "location", "{name}.{ext}", NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    GstBuffer *buf = make_image_buffer (100 + i, 20 + i, 85, 1);
    gchar *path = g_build_filename (dir, cases[i].file_name, NULL);

    push_image (h, cases[i].event_name, NULL, 1000, monotonic_now ());
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
        GST_FLOW_OK);
    assert_file_equals_buffer (path, buf);
    g_free (path);
    gst_buffer_unref (buf);
  }
  fail_unless_equals_int (count_files (dir, FALSE), G_N_ELEMENTS (cases));

  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static gchar *
write_existing (const gchar *dir, const gchar *content)
{
  gchar *variant_dir = g_build_filename (dir, "preview", NULL);
  gchar *path = g_build_filename (variant_dir, "photo.jpg", NULL);

  fail_unless (g_mkdir_with_parents (variant_dir, 0755) == 0);
  fail_unless (g_file_set_contents (path, content, -1, NULL));
  g_free (variant_dir);
  return path;
}

GST_START_TEST (test_refuses_to_overwrite)
{
  gchar *dir = make_test_dir ();
  gchar *path, *contents = NULL, *debug = NULL;
  GstHarness *h;
  GstBus *bus;
  GError *err;

  path = write_existing (dir, "the old file");
  h = setup_sink (dir, &bus, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "photo.jpg", "preview", 100000, monotonic_now ());
  fail_unless_equals_int (gst_harness_push (h,
                              make_image_buffer (5000, 7, 85, 1)),
      GST_FLOW_ERROR);

  err = pop_error (bus, &debug);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_OPEN_WRITE),
      "%s", err->message);
  fail_unless (strstr (err->message, "already exists") != NULL, "%s",
      err->message);
  fail_unless (strstr (err->message, path) != NULL, "%s", err->message);
  g_error_free (err);
  g_free (debug);
  assert_no_metrics (bus);

  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  fail_unless_equals_string (contents, "the old file");
  fail_unless_equals_int (count_files (dir, FALSE), 1);

  g_free (contents);
  g_free (path);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_overwrite_true_replaces)
{
  gchar *dir = make_test_dir ();
  gchar *path;
  GstImgcompressMetrics m;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *buf;

  path = write_existing (dir, "the old file");
  h = setup_sink (dir, &bus, "overwrite", TRUE, "fsync", TRUE, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "photo.jpg", "preview", 100000, monotonic_now ());
  buf = make_image_buffer (5000, 8, 85, 1);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);

  assert_file_equals_buffer (path, buf);
  fail_unless_equals_int (count_files (dir, FALSE), 1);
  pop_metrics (bus, &m);
  fail_unless_equals_string (m.location, path);
  gst_imgcompress_metrics_clear (&m);

  gst_buffer_unref (buf);
  g_free (path);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* A file size limit makes write() fail with EFBIG after the first bytes:
 * the image is cut mid-way, as on a full disk. */
GST_START_TEST (test_failed_write_leaves_no_file)
{
  gchar *dir = make_test_dir ();
  gchar *path, *variant_dir, *debug = NULL;
  struct rlimit old_limit, limit;
  void (*old_handler) (int);
  GstFlowReturn ret;
  GstHarness *h;
  GstBus *bus;
  GError *err;

  h = setup_sink (dir, &bus, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "photo.jpg", "preview", 100000, monotonic_now ());

  fail_unless (getrlimit (RLIMIT_FSIZE, &old_limit) == 0);
  limit = old_limit;
  limit.rlim_cur = 4096;
  old_handler = signal (SIGXFSZ, SIG_IGN);
  fail_unless (setrlimit (RLIMIT_FSIZE, &limit) == 0);
  ret = gst_harness_push (h, make_image_buffer (64 * 1024, 9, 85, 1));
  setrlimit (RLIMIT_FSIZE, &old_limit);
  signal (SIGXFSZ, old_handler);

  fail_unless_equals_int (ret, GST_FLOW_ERROR);
  err = pop_error (bus, &debug);
  fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
                   GST_RESOURCE_ERROR_NO_SPACE_LEFT),
      "%s (%s)", err->message, debug);
  g_error_free (err);
  g_free (debug);
  assert_no_metrics (bus);

  path = g_build_filename (dir, "preview", "photo.jpg", NULL);
  variant_dir = g_build_filename (dir, "preview", NULL);
  fail_if (g_file_test (path, G_FILE_TEST_EXISTS));
  /* the directory was made, the temporary file is gone */
  fail_unless (g_file_test (variant_dir, G_FILE_TEST_IS_DIR));
  fail_unless_equals_int (count_files (dir, FALSE), 0);

  g_free (variant_dir);
  g_free (path);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_invalid_template_refused_at_start)
{
  static const gchar *bad[] = {
    "{variant}/{nmae}.{ext}", /* typo */
    "{variant/{name}.{ext}", /* unterminated */
    "%Y/%M/{name}.{ext}", /* %M is not supported */
    "{name}.{ext}%", /* dangling % */
    "../{name}.{ext}", /* leaves output-dir */
    "{variant}/../../{name}.{ext}", "/tmp/{name}.{ext}", /* absolute */
    "{variant}/", /* no file name */
  };
  gchar *dir = make_test_dir ();
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GstElement *sink = gst_element_factory_make ("metricsink", NULL);
    GstBus *bus = gst_bus_new ();
    gchar *debug = NULL;
    GError *err;

    g_object_set (sink, "output-dir", dir, "location", bad[i], NULL);
    gst_element_set_bus (sink, bus);
    fail_unless_equals_int (gst_element_set_state (sink, GST_STATE_PAUSED),
        GST_STATE_CHANGE_FAILURE);
    err = pop_error (bus, &debug);
    fail_unless (g_error_matches (err, GST_RESOURCE_ERROR,
                     GST_RESOURCE_ERROR_SETTINGS),
        "%s: %s", bad[i], err->message);
    fail_unless (strstr (err->message, bad[i]) != NULL, "%s", err->message);
    GST_INFO ("%s: %s (%s)", bad[i], err->message, debug);
    g_error_free (err);
    g_free (debug);
    gst_element_set_state (sink, GST_STATE_NULL);
    gst_bus_set_flushing (bus, TRUE);
    gst_object_unref (bus);
    gst_object_unref (sink);
  }
  fail_unless_equals_int (count_files (dir, FALSE), 0);

  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_hostile_names_stay_inside_output_dir)
{
  gchar *parent = make_test_dir ();
  gchar *dir = g_build_filename (parent, "out", NULL);
  gchar *expected;
  GstImgcompressMetrics m;
  GstHarness *h;
  GstBus *bus;
  GstBuffer *buf;

  h = setup_sink (dir, &bus, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "../../escaped.jpg", "..", 1000, monotonic_now ());
  buf = make_image_buffer (300, 10, 85, 1);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
      GST_FLOW_OK);

  /* separators and leading dots become '_', and the cleaned names carry a
   * hash of the raw ones */
  {
    gchar *variant = gst_imgcompress_clean_component ("..", "image");
    gchar *name = gst_imgcompress_name_component ("../../escaped.jpg");
    gchar *file = g_strconcat (name, ".jpg", NULL);

    fail_unless (g_str_has_prefix (variant, "_.~"), "%s", variant);
    fail_unless (g_str_has_prefix (name, "_._.._escaped~"), "%s", name);
    fail_unless_equals_int (strlen (name), strlen ("_._.._escaped~") + 12);
    expected = g_build_filename (dir, variant, file, NULL);
    g_free (file);
    g_free (name);
    g_free (variant);
  }
  assert_file_equals_buffer (expected, buf);
  pop_metrics (bus, &m);
  fail_unless_equals_string (m.location, expected);
  fail_unless_equals_string (m.image, "../../escaped.jpg");
  gst_imgcompress_metrics_clear (&m);
  /* the only file under the parent is the one inside out/ */
  fail_unless_equals_int (count_files (parent, FALSE), 1);

  gst_buffer_unref (buf);
  g_free (expected);
  teardown_sink (h, bus);
  remove_tree (parent);
  g_free (parent);
  g_free (dir);
}

GST_END_TEST;

static void
assert_uint64_array (const GstStructure *s, const gchar *field,
    const guint64 *expected, guint n)
{
  const GValue *array = gst_structure_get_value (s, field);
  guint i;

  fail_unless (array != NULL && GST_VALUE_HOLDS_ARRAY (array), "%s", field);
  fail_unless_equals_int (gst_value_array_get_size (array), n);
  for (i = 0; i < n; i++)
    fail_unless_equals_uint64 (
        g_value_get_uint64 (gst_value_array_get_value (array, i)), expected[i]);
}

static void
assert_double_array (const GstStructure *s, const gchar *field,
    const gdouble *expected, guint n)
{
  const GValue *array = gst_structure_get_value (s, field);
  guint i;

  fail_unless (array != NULL && GST_VALUE_HOLDS_ARRAY (array), "%s", field);
  fail_unless_equals_int (gst_value_array_get_size (array), n);
  for (i = 0; i < n; i++)
    fail_unless_equals_float (
        g_value_get_double (gst_value_array_get_value (array, i)), expected[i]);
}

GST_START_TEST (test_stats_property)
{
  static const gdouble time_bounds[] = { 0.1, 0.5, 1.0, 2.0, 5.0 };
  static const gdouble ratio_bounds[] = { 0.3, 0.5, 0.7, 0.9 };
  /* image a: 0.2 s old, ratio 0.25; image b: 3 s old, ratio 0.8 */
  static const guint64 time_counts[] = { 0, 1, 1, 1, 2 };
  static const guint64 ratio_counts[] = { 1, 1, 1, 2 };
  gchar *dir = make_test_dir ();
  GstStructure *stats = NULL;
  guint64 u;
  gdouble d;
  GstHarness *h;
  GstBus *bus;

  h = setup_sink (dir, &bus, "post-messages", FALSE, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);

  g_object_get (h->element, "stats", &stats, NULL);
  fail_unless (gst_structure_get_uint64 (stats, "files", &u));
  fail_unless_equals_uint64 (u, 0);
  gst_structure_free (stats);

  push_image (h, "a.jpg", "preview", 10000,
      monotonic_now () - 200 * GST_MSECOND);
  fail_unless_equals_int (gst_harness_push (h,
                              make_image_buffer (2500, 11, 85, 1)),
      GST_FLOW_OK);
  push_image (h, "b.jpg", NULL, 10000, monotonic_now () - 3 * GST_SECOND);
  fail_unless_equals_int (gst_harness_push (h,
                              make_image_buffer (8000, 12, 85, 1)),
      GST_FLOW_OK);
  /* post-messages=false: files but no messages */
  assert_no_metrics (bus);
  fail_unless_equals_int (count_files (dir, FALSE), 2);

  g_object_get (h->element, "stats", &stats, NULL);
  fail_unless (stats != NULL);
  GST_INFO ("stats: %" GST_PTR_FORMAT, stats);
  fail_unless (gst_structure_get_uint64 (stats, "files", &u));
  fail_unless_equals_uint64 (u, 2);
  fail_unless (gst_structure_get_uint64 (stats, "input-bytes", &u));
  fail_unless_equals_uint64 (u, 20000);
  fail_unless (gst_structure_get_uint64 (stats, "output-bytes", &u));
  fail_unless_equals_uint64 (u, 10500);
  fail_unless (gst_structure_get_double (stats, "mean-ratio", &d));
  fail_unless_equals_float (d, (0.25 + 0.8) / 2);
  assert_double_array (stats, "processing-time-buckets", time_bounds, 5);
  assert_uint64_array (stats, "processing-time-counts", time_counts, 5);
  fail_unless (gst_structure_get_uint64 (stats, "processing-time-count", &u));
  fail_unless_equals_uint64 (u, 2);
  fail_unless (gst_structure_get_double (stats, "processing-time-sum", &d));
  fail_unless (d >= 3.2 && d < 3.2 + 60, "sum %f", d);
  assert_double_array (stats, "compression-ratio-buckets", ratio_bounds, 4);
  assert_uint64_array (stats, "compression-ratio-counts", ratio_counts, 4);
  fail_unless (gst_structure_get_uint64 (stats, "compression-ratio-count", &u));
  fail_unless_equals_uint64 (u, 2);
  fail_unless (gst_structure_get_double (stats, "compression-ratio-sum", &d));
  fail_unless_equals_float (d, 1.05);
  gst_structure_free (stats);

  /* the totals outlive the stream, for reading at the end */
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_empty_buffer_is_an_error)
{
  gchar *dir = make_test_dir ();
  gchar *debug = NULL;
  GstHarness *h;
  GstBus *bus;
  GError *err;

  h = setup_sink (dir, &bus, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "photo.jpg", "preview", 100000, monotonic_now ());
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_new ()),
      GST_FLOW_ERROR);
  err = pop_error (bus, &debug);
  fail_unless (g_error_matches (err, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT),
      "%s", err->message);
  g_error_free (err);
  g_free (debug);
  fail_unless_equals_int (count_files (dir, FALSE), 0);

  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

GST_START_TEST (test_buffer_without_caps_is_an_error)
{
  gchar *dir = make_test_dir ();
  gchar *debug = NULL;
  GstHarness *h;
  GstBus *bus;
  GstSegment segment;
  GError *err;

  h = setup_sink (dir, &bus, NULL);
  gst_segment_init (&segment, GST_FORMAT_TIME);
  fail_unless (gst_harness_push_event (h,
      gst_event_new_stream_start ("no-caps")));
  fail_unless (gst_harness_push_event (h, gst_event_new_segment (&segment)));
  fail_unless_equals_int (gst_harness_push (h,
                              make_image_buffer (100, 13, 85, 1)),
      GST_FLOW_NOT_NEGOTIATED);
  err = pop_error (bus, &debug);
  fail_unless (g_error_matches (err, GST_CORE_ERROR,
                   GST_CORE_ERROR_NEGOTIATION),
      "%s", err->message);
  g_error_free (err);
  g_free (debug);
  fail_unless_equals_int (count_files (dir, FALSE), 0);

  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* Tests of the atomic file module */

GST_START_TEST (test_set_contents_creates_and_refuses)
{
  gchar *dir = make_test_dir ();
  gchar *path = g_build_filename (dir, "a", "b", "metrics.json", NULL);
  gchar *contents = NULL;
  GError *err = NULL;

  fail_unless (gst_imgcompress_file_set_contents (path, "{}", 2,
      GST_IMGCOMPRESS_FILE_FLAG_SYNC, &err));
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  fail_unless_equals_string (contents, "{}");
  g_free (contents);

  fail_if (gst_imgcompress_file_set_contents (path, "[]", 2,
      GST_IMGCOMPRESS_FILE_FLAG_NONE, &err));
  fail_unless (g_error_matches (err, GST_IMGCOMPRESS_FILE_ERROR,
      GST_IMGCOMPRESS_FILE_ERROR_EXISTS));
  g_clear_error (&err);

  fail_unless (gst_imgcompress_file_set_contents (path, "[1]", 3,
      GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE, &err));
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  fail_unless_equals_string (contents, "[1]");
  g_free (contents);
  fail_unless_equals_int (count_files (dir, FALSE), 1);

  g_free (path);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* Another writer creates the file while we write: the commit must keep
 * theirs, not replace it. */
GST_START_TEST (test_commit_never_replaces_a_file_created_meanwhile)
{
  gchar *dir = make_test_dir ();
  gchar *path = g_build_filename (dir, "photo.jpg", NULL);
  gchar *temp, *contents = NULL;
  GstImgcompressAtomicFile *file;
  GError *err = NULL;

  file = gst_imgcompress_atomic_file_open (path, GST_IMGCOMPRESS_FILE_FLAG_NONE,
      &err);
  fail_unless (file != NULL);
  temp = g_strdup (gst_imgcompress_atomic_file_get_temp_path (file));
  fail_unless (g_file_test (temp, G_FILE_TEST_IS_REGULAR));
  {
    gchar *base = g_path_get_basename (temp);
    fail_unless (gst_imgcompress_file_is_temp_name (base), "%s", base);
    fail_unless (g_str_has_prefix (base, ".photo.jpg."), "%s", base);
    g_free (base);
  }
  fail_unless (gst_imgcompress_atomic_file_write (file, "ours", 4, &err));
  fail_unless_equals_uint64 (gst_imgcompress_atomic_file_get_size (file), 4);
  fail_unless (g_file_set_contents (path, "theirs", -1, NULL));

  fail_if (gst_imgcompress_atomic_file_commit (file, &err));
  fail_unless (g_error_matches (err, GST_IMGCOMPRESS_FILE_ERROR,
                   GST_IMGCOMPRESS_FILE_ERROR_EXISTS),
      "%s", err->message);
  g_clear_error (&err);
  fail_unless (g_file_get_contents (path, &contents, NULL, NULL));
  fail_unless_equals_string (contents, "theirs");
  fail_if (g_file_test (temp, G_FILE_TEST_EXISTS));

  /* abort leaves nothing either */
  g_unlink (path);
  file = gst_imgcompress_atomic_file_open (path, GST_IMGCOMPRESS_FILE_FLAG_NONE,
      &err);
  fail_unless (file != NULL);
  fail_unless (gst_imgcompress_atomic_file_write (file, "half", 4, &err));
  gst_imgcompress_atomic_file_abort (file);
  fail_unless_equals_int (count_files (dir, FALSE), 0);

  g_free (contents);
  g_free (temp);
  g_free (path);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static gchar *
make_file (const gchar *dir, const gchar *name, gint64 age_seconds)
{
  gchar *path = g_build_filename (dir, name, NULL);
  struct utimbuf times;

  fail_unless (g_file_set_contents (path, "x", 1, NULL));
  if (age_seconds > 0) {
    times.actime = times.modtime = time (NULL) - age_seconds;
    fail_unless (utime (path, &times) == 0);
  }
  return path;
}

GST_START_TEST (test_remove_stale_temps)
{
  gchar *dir = make_test_dir ();
  gchar *outside = make_test_dir ();
  gchar *nested = g_build_filename (dir, "2026", "11", "27", "preview", NULL);
  gchar *link_path = g_build_filename (dir, "link", NULL);
  gchar *old_top, *old_nested, *fresh, *not_temp, *near_miss, *kept_outside;
  GError *err = NULL;
  guint n = 0;

  fail_unless (g_mkdir_with_parents (nested, 0755) == 0);
  old_top = make_file (dir, ".a.jpg.Ab12Cd.imgcompress-tmp", 7200);
  old_nested = make_file (nested, ".b.webp.zz99ZZ.imgcompress-tmp", 7200);
  fresh = make_file (nested, ".c.jpg.QwErTy.imgcompress-tmp", 0);
  not_temp = make_file (nested, "old.jpg", 7200);
  near_miss = make_file (nested, ".d.jpg.Ab12C.imgcompress-tmp", 7200);
  /* a link out of the tree is not followed */
  kept_outside = make_file (outside, ".e.jpg.Ab12Cd.imgcompress-tmp", 7200);
  fail_unless (symlink (outside, link_path) == 0);

  fail_unless (gst_imgcompress_file_remove_stale_temps (dir, 3600, &n, &err));
  fail_unless_equals_int (n, 2);
  fail_if (g_file_test (old_top, G_FILE_TEST_EXISTS));
  fail_if (g_file_test (old_nested, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (fresh, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (not_temp, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (near_miss, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (kept_outside, G_FILE_TEST_EXISTS));

  /* age 0 removes every temporary file, still nothing else */
  fail_unless (gst_imgcompress_file_remove_stale_temps (dir, 0, &n, &err));
  fail_unless_equals_int (n, 1);
  fail_if (g_file_test (fresh, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (not_temp, G_FILE_TEST_EXISTS));

  /* nothing to clean in a missing tree */
  g_free (nested);
  nested = g_build_filename (dir, "missing", NULL);
  fail_unless (gst_imgcompress_file_remove_stale_temps (nested, 0, &n, &err));
  fail_unless_equals_int (n, 0);

  fail_unless (gst_imgcompress_file_is_temp_name (".x.XXXXXX.imgcompress-tmp"));
  fail_if (gst_imgcompress_file_is_temp_name ("x.Ab12Cd.imgcompress-tmp"));
  fail_if (gst_imgcompress_file_is_temp_name (".Ab12Cd.imgcompress-tmp"));
  fail_if (gst_imgcompress_file_is_temp_name (".x.Ab12Cd.imgcompress-tmp~"));

  g_unlink (link_path);
  g_free (link_path);
  g_free (old_top);
  g_free (old_nested);
  g_free (fresh);
  g_free (not_temp);
  g_free (near_miss);
  g_free (kept_outside);
  g_free (nested);
  remove_tree (dir);
  remove_tree (outside);
  g_free (dir);
  g_free (outside);
}

GST_END_TEST;

/* Names that differ give different files, even when cleaning changed
 * them: each pair below collided when unsafe bytes were just replaced. */
GST_START_TEST (test_cleaned_names_never_collide)
{
  gchar *dir = make_test_dir ();
  gchar long_a[301], long_b[301];
  /* (names that are not UTF-8 cannot travel in an event: the batch tool
   * escapes them first, tests/check/tools/imgcompress.c) */
  const gchar *names[] = { "a\nb.jpg", "a_b.jpg", ".x.jpg", "_x.jpg", "a%d.jpg",
    "a0.jpg", "image.jpg", long_a, long_b, "a\\xff.jpg",
    "a_b~0123456789ab.jpg" };
  GHashTable *seen =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GstHarness *h;
  GstBus *bus;
  guint i;

  memset (long_a, 'p', 300);
  memset (long_b, 'p', 300);
  long_a[300] = long_b[300] = '\0';
  long_b[299] = 'q';

  h = setup_sink (dir, &bus, "overwrite", TRUE, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstImgcompressMetrics m;
    GstBuffer *buf = make_image_buffer (100 + i, i, 85, 1);
    gchar *base;

    push_image (h, names[i], "thumbnail", 1000, monotonic_now ());
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (buf)),
        GST_FLOW_OK);
    pop_metrics (bus, &m);
    base = g_path_get_basename (m.location);
    fail_unless (g_utf8_validate (base, -1, NULL), "%s", base);
    fail_unless (strlen (base) <= 255);
    fail_if (base[0] == '.', "%s", base);
    fail_unless (g_hash_table_add (seen, g_strdup (m.location)),
        "name %u collides at %s", i, m.location);
    /* none replaced another */
    assert_file_equals_buffer (m.location, buf);
    g_free (base);
    gst_imgcompress_metrics_clear (&m);
    gst_buffer_unref (buf);
  }
  /* safe names are kept as they are */
  {
    gchar *kept = g_build_filename (dir, "thumbnail", "a_b.jpg", NULL);
    fail_unless (g_hash_table_contains (seen, kept));
    g_free (kept);
  }
  fail_unless_equals_int (count_files (dir, FALSE), G_N_ELEMENTS (names));

  g_hash_table_unref (seen);
  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* A directory symlink inside output-dir (out/preview -> ../elsewhere) is
 * refused with a clear error; nothing lands where it points. */
GST_START_TEST (test_directory_symlink_refused)
{
  gchar *parent = make_test_dir ();
  gchar *dir = g_build_filename (parent, "out", NULL);
  gchar *elsewhere = g_build_filename (parent, "elsewhere", NULL);
  gchar *link_path = g_build_filename (dir, "preview", NULL);
  gchar *debug = NULL;
  GstHarness *h;
  GstBus *bus;
  GError *err;

  fail_unless (g_mkdir_with_parents (dir, 0755) == 0);
  fail_unless (g_mkdir_with_parents (elsewhere, 0755) == 0);
  fail_unless (symlink ("../elsewhere", link_path) == 0);

  h = setup_sink (dir, &bus, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "photo.jpg", "preview", 1000, monotonic_now ());
  fail_unless_equals_int (gst_harness_push (h,
                              make_image_buffer (300, 1, 85, 1)),
      GST_FLOW_ERROR);
  err = pop_error (bus, &debug);
  fail_unless (strstr (err->message, "symbolic link") != NULL, "%s",
      err->message);
  fail_unless (strstr (debug, "preview") != NULL, "%s", debug);
  fail_unless_equals_int (count_files (elsewhere, FALSE), 0);
  assert_no_metrics (bus);
  g_error_free (err);
  g_free (debug);

  teardown_sink (h, bus);
  remove_tree (parent);
  g_free (link_path);
  g_free (elsewhere);
  g_free (dir);
  g_free (parent);
}

GST_END_TEST;

/* The metrics message names the very file written (device, inode, mtime),
 * and gst_imgcompress_file_remove_if_same() removes it only while it is
 * that file. */
GST_START_TEST (test_file_identity_in_metrics)
{
  gchar *dir = make_test_dir ();
  GstImgcompressFileId id;
  GstMessage *msg;
  GstHarness *h;
  GstBus *bus;
  struct stat st;
  const gchar *location;
  gchar *path;

  h = setup_sink (dir, &bus, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  push_image (h, "x.jpg", "thumbnail", 1000, monotonic_now ());
  fail_unless_equals_int (gst_harness_push (h,
                              make_image_buffer (300, 1, 85, 1)),
      GST_FLOW_OK);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
  fail_unless (msg != NULL);
  fail_unless (gst_imgcompress_file_id_from_structure (
      gst_message_get_structure (msg), &id));
  location =
      gst_structure_get_string (gst_message_get_structure (msg), "location");
  path = g_strdup (location);
  gst_message_unref (msg);
  fail_unless (stat (path, &st) == 0);
  fail_unless_equals_uint64 (id.device, st.st_dev);
  fail_unless_equals_uint64 (id.inode, st.st_ino);

  /* another writer replaces it: not ours any more */
  {
    gchar *other = g_strconcat (path, ".other", NULL);
    fail_unless (g_file_set_contents (other, "other", 5, NULL));
    fail_unless (g_rename (other, path) == 0);
    g_free (other);
  }
  fail_if (gst_imgcompress_file_remove_if_same (path, &id));
  fail_unless (g_file_test (path, G_FILE_TEST_EXISTS));
  fail_unless (g_unlink (path) == 0);

  teardown_sink (h, bus);
  remove_tree (dir);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* hold=true: the file is complete under its temporary name, the metrics
 * say where, nothing is at the final path until the application commits;
 * the commit refuses a file that appeared there meanwhile. */
GST_START_TEST (test_hold_then_commit)
{
  gchar *dir = make_test_dir ();
  GstImgcompressMetrics m;
  GstImgcompressFileId id;
  GError *error = NULL;
  GstMessage *msg;
  GstHarness *h;
  GstBus *bus;
  struct stat st;
  gchar *contents = NULL, *held[2], *final[2];
  gsize len = 0;
  guint i;

  h = setup_sink (dir, &bus, "hold", TRUE, NULL);
  gst_harness_set_src_caps_str (h, JPEG_CAPS);
  for (i = 0; i < 2; i++) {
    gchar *name = g_strdup_printf ("x%u.jpg", i);

    push_image (h, name, "preview", 1000, monotonic_now ());
    fail_unless_equals_int (gst_harness_push (h,
                                make_image_buffer (300 + i, 1, 85, 1)),
        GST_FLOW_OK);
    msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT);
    fail_unless (gst_imgcompress_metrics_message_parse (msg, &m));
    fail_unless (m.held_location != NULL);
    fail_if (gst_imgcompress_file_id_from_structure (
        gst_message_get_structure (msg), &id));
    held[i] = g_strdup (m.held_location);
    final[i] = g_strdup (m.location);
    gst_imgcompress_metrics_clear (&m);
    gst_message_unref (msg);
    g_free (name);

    fail_if (g_file_test (final[i], G_FILE_TEST_EXISTS));
    fail_unless (g_file_get_contents (held[i], &contents, &len, NULL));
    fail_unless_equals_int (len, 300 + i);
    g_free (contents);
  }
  teardown_sink (h, bus);

  fail_unless (gst_imgcompress_file_commit_held (held[0], final[0],
      GST_IMGCOMPRESS_FILE_FLAG_NONE, &id, &error));
  fail_unless (stat (final[0], &st) == 0);
  fail_unless_equals_int (st.st_size, 300);
  fail_unless_equals_uint64 (id.inode, st.st_ino);
  fail_unless_equals_int (gst_imgcompress_file_check (final[0]),
      GST_IMGCOMPRESS_FILE_CHECK_OK);

  /* another writer took the second name: kept, and the held file goes */
  fail_unless (g_file_set_contents (final[1], "other", 5, NULL));
  fail_if (gst_imgcompress_file_commit_held (held[1], final[1],
      GST_IMGCOMPRESS_FILE_FLAG_NONE, NULL, &error));
  fail_unless (g_error_matches (error, GST_IMGCOMPRESS_FILE_ERROR,
      GST_IMGCOMPRESS_FILE_ERROR_EXISTS));
  g_clear_error (&error);
  fail_unless (g_file_get_contents (final[1], &contents, &len, NULL));
  fail_unless_equals_int (len, 5);
  g_free (contents);
  fail_unless_equals_int (count_files (dir, TRUE), 0);

  /* discarding touches only temporary files */
  gst_imgcompress_file_discard_held (final[1]);
  fail_unless (g_file_test (final[1], G_FILE_TEST_EXISTS));

  for (i = 0; i < 2; i++) {
    g_free (held[i]);
    g_free (final[i]);
  }
  remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* A committed file records its size and CRC-32 as "SIZE:HEX": the check
 * finds it OK; zeroing the middle (end bytes kept) makes it DAMAGED; a copy
 * without the record, or with only the SHA-256 record of earlier builds,
 * is UNRECORDED. */
GST_START_TEST (test_file_check_finds_damage)
{
  gchar *dir = make_test_dir ();
  gchar *path = g_build_filename (dir, "v", "a.jpg", NULL);
  gchar *copy = g_build_filename (dir, "copy.jpg", NULL);
  guint8 data[4096];
  gchar *contents, *record, value[64];
  gssize xlen;
  gsize len;
  FILE *f;
  guint i;

  for (i = 0; i < sizeof (data); i++)
    data[i] = i * 7;
  fail_unless (gst_imgcompress_file_set_contents (path, data, sizeof (data),
      GST_IMGCOMPRESS_FILE_FLAG_NONE, NULL));
  fail_unless_equals_int (gst_imgcompress_file_check (path),
      GST_IMGCOMPRESS_FILE_CHECK_OK);
  record = g_strdup_printf ("4096:%08lx", crc32 (0, data, sizeof (data)));
  xlen = getxattr (path, "user.imgcompress.crc32", value, sizeof (value) - 1);
  fail_unless (xlen > 0);
  value[xlen] = '\0';
  fail_unless_equals_string (value, record);

  f = fopen (path, "r+b");
  fail_unless (f != NULL);
  fseek (f, 1000, SEEK_SET);
  memset (data, 0, 2000);
  fwrite (data, 1, 2000, f);
  fclose (f);
  fail_unless_equals_int (gst_imgcompress_file_check (path),
      GST_IMGCOMPRESS_FILE_CHECK_DAMAGED);

  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless (g_file_set_contents (copy, contents, len, NULL));
  fail_unless_equals_int (gst_imgcompress_file_check (copy),
      GST_IMGCOMPRESS_FILE_CHECK_UNRECORDED);
  fail_unless (setxattr (copy, "user.imgcompress.sha256", "4096:00", 7, 0) ==
      0);
  fail_unless_equals_int (gst_imgcompress_file_check (copy),
      GST_IMGCOMPRESS_FILE_CHECK_UNRECORDED);
  g_unlink (copy);
  fail_unless_equals_int (gst_imgcompress_file_check (copy),
      GST_IMGCOMPRESS_FILE_CHECK_MISSING);

  g_free (contents);
  g_free (record);
  remove_tree (dir);
  g_free (copy);
  g_free (path);
  g_free (dir);
}

GST_END_TEST;

/* The targeted sweep: only the temporary files of the given final paths,
 * only in their directories, never through a link or into another file
 * system. */
GST_START_TEST (test_remove_stale_temps_of_targets)
{
  gchar *dir = make_test_dir ();
  gchar *outside = make_test_dir ();
  gchar *preview = g_build_filename (dir, "preview", NULL);
  gchar *deep = g_build_filename (dir, "preview", "deep", NULL);
  gchar *link_dir = g_build_filename (dir, "full", NULL);
  const gchar *targets[] = { "preview/a.jpg", "full/a.jpg", NULL };
  gchar *ours, *other_name, *deeper, *fresh, *via_link;
  guint n = 0;

  fail_unless (g_mkdir_with_parents (deep, 0755) == 0);
  fail_unless (symlink (outside, link_dir) == 0);
  ours = make_file (preview, ".a.jpg.Ab12Cd.imgcompress-tmp", 7200);
  other_name = make_file (preview, ".b.jpg.Ab12Cd.imgcompress-tmp", 7200);
  deeper = make_file (deep, ".a.jpg.Ab12Cd.imgcompress-tmp", 7200);
  fresh = make_file (preview, ".a.jpg.Zz12Cd.imgcompress-tmp", 0);
  via_link = make_file (outside, ".a.jpg.Ab12Cd.imgcompress-tmp", 7200);

  fail_unless (gst_imgcompress_file_remove_stale_temps_of (dir, targets, 3600,
      &n, NULL));
  fail_unless_equals_int (n, 1);
  fail_if (g_file_test (ours, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (other_name, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (deeper, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (fresh, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (via_link, G_FILE_TEST_EXISTS));

  g_unlink (link_dir);
  remove_tree (dir);
  remove_tree (outside);
  g_free (ours);
  g_free (other_name);
  g_free (deeper);
  g_free (fresh);
  g_free (via_link);
  g_free (link_dir);
  g_free (deep);
  g_free (preview);
  g_free (outside);
  g_free (dir);
}

GST_END_TEST;

/* The recursive sweep does not enter another file system mounted inside
 * the tree (needs mount(2): root in a mount namespace). */
GST_START_TEST (test_remove_stale_temps_stays_on_one_file_system)
{
  gchar *dir = make_test_dir ();
  gchar *mnt = g_build_filename (dir, "mnt", NULL);
  gchar *argv[] = { (gchar *) "mount", (gchar *) "-t", (gchar *) "tmpfs",
    (gchar *) "none", mnt, NULL };
  gchar *umount_argv[] = { (gchar *) "umount", mnt, NULL };
  const gchar *targets[] = { "mnt/a.jpg", NULL };
  gchar *inside;
  gint status = -1;
  guint n = 0;

  fail_unless (g_mkdir (mnt, 0755) == 0);
  if (!g_spawn_sync (NULL, argv, NULL,
          G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
          NULL, &status, NULL) ||
      !g_spawn_check_wait_status (status, NULL)) {
    g_printerr ("SKIPPED test_remove_stale_temps_stays_on_one_file_system: "
                "cannot mount a tmpfs here\n");
    remove_tree (dir);
    g_free (mnt);
    g_free (dir);
    return;
  }
  inside = make_file (mnt, ".a.jpg.Ab12Cd.imgcompress-tmp", 7200);
  fail_unless (gst_imgcompress_file_remove_stale_temps (dir, 3600, &n, NULL));
  fail_unless_equals_int (n, 0);
  fail_unless (g_file_test (inside, G_FILE_TEST_EXISTS));
  /* nor the targeted sweep, even for a path it was given */
  fail_unless (gst_imgcompress_file_remove_stale_temps_of (dir, targets, 3600,
      &n, NULL));
  fail_unless_equals_int (n, 0);
  fail_unless (g_file_test (inside, G_FILE_TEST_EXISTS));
  g_spawn_sync (NULL, umount_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
      NULL, &status, NULL);
  remove_tree (dir);
  g_free (inside);
  g_free (mnt);
  g_free (dir);
}

GST_END_TEST;

static Suite *
metricsink_suite (void)
{
  Suite *s = suite_create ("metricsink");
  TCase *tc_sink = tcase_create ("sink");
  TCase *tc_file = tcase_create ("atomic-file");

  suite_add_tcase (s, tc_sink);
  tcase_add_test (tc_sink, test_writes_exact_bytes_at_templated_path);
  tcase_add_test (tc_sink, test_metrics_message_fields);
  tcase_add_test (tc_sink, test_without_events_uses_fallbacks);
  tcase_add_test (tc_sink, test_date_template);
  tcase_add_test (tc_sink, test_two_images_in_one_stream);
  tcase_add_test (tc_sink, test_name_loses_only_an_image_extension);
  tcase_add_test (tc_sink, test_refuses_to_overwrite);
  tcase_add_test (tc_sink, test_overwrite_true_replaces);
  tcase_add_test (tc_sink, test_failed_write_leaves_no_file);
  tcase_add_test (tc_sink, test_invalid_template_refused_at_start);
  tcase_add_test (tc_sink, test_hostile_names_stay_inside_output_dir);
  tcase_add_test (tc_sink, test_stats_property);
  tcase_add_test (tc_sink, test_empty_buffer_is_an_error);
  tcase_add_test (tc_sink, test_buffer_without_caps_is_an_error);
  tcase_add_test (tc_sink, test_cleaned_names_never_collide);
  tcase_add_test (tc_sink, test_directory_symlink_refused);
  tcase_add_test (tc_sink, test_file_identity_in_metrics);
  tcase_add_test (tc_sink, test_hold_then_commit);

  suite_add_tcase (s, tc_file);
  tcase_add_test (tc_file, test_set_contents_creates_and_refuses);
  tcase_add_test (tc_file, test_commit_never_replaces_a_file_created_meanwhile);
  tcase_add_test (tc_file, test_remove_stale_temps);
  tcase_add_test (tc_file, test_file_check_finds_damage);
  tcase_add_test (tc_file, test_remove_stale_temps_of_targets);
  tcase_add_test (tc_file, test_remove_stale_temps_stays_on_one_file_system);

  return s;
}

GST_CHECK_MAIN (metricsink);

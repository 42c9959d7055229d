/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgcompressbin end to end: real photos in, six decodable files of the
 * right sizes out, metrics on the bus; bad input refused, nothing left. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <string.h>
#include <gst/imgcompress/imgcompress.h>

#include "imgcheck.h"

typedef struct
{
  GList *metrics; /* GstImgcompressMetrics * */
  gchar *error;
  gchar *warning; /* the first one */
  gboolean eos;
} RunResult;

static void
run_result_clear (RunResult *r)
{
  GList *l;

  for (l = r->metrics; l != NULL; l = l->next) {
    gst_imgcompress_metrics_clear (l->data);
    g_free (l->data);
  }
  g_list_free (r->metrics);
  g_free (r->error);
  g_free (r->warning);
  memset (r, 0, sizeof (*r));
}

/* Runs `filesrc location=input ! imgcompressbin output-dir=outdir extra`
 * to EOS or error and collects what was posted. */
static void
run_bin (const gchar *input, const gchar *outdir, const gchar *extra,
    RunResult *result)
{
  GstElement *pipeline;
  GstBus *bus;
  gchar *desc;
  gboolean done = FALSE;

  memset (result, 0, sizeof (*result));
  desc = g_strdup_printf ("filesrc location=\"%s\" ! imgcompressbin "
                          "output-dir=\"%s\" %s",
      input, outdir, extra ? extra : "");
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  fail_unless (pipeline != NULL);

  bus = gst_element_get_bus (pipeline);
  /* A refused input may fail the state change; the bus says why. */
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, 60 * GST_SECOND);
    GstImgcompressMetrics m;

    fail_unless (msg != NULL, "pipeline hung on %s", input);
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        result->eos = TRUE;
        done = TRUE;
        break;
      case GST_MESSAGE_ERROR: {
        GError *err = NULL;
        gst_message_parse_error (msg, &err, NULL);
        result->error = g_strdup (err->message);
        g_error_free (err);
        done = TRUE;
        break;
      }
      case GST_MESSAGE_WARNING:
        if (result->warning == NULL) {
          GError *err = NULL;
          gst_message_parse_warning (msg, &err, NULL);
          result->warning = g_strdup (err->message);
          g_error_free (err);
        }
        break;
      case GST_MESSAGE_ELEMENT:
        if (gst_imgcompress_metrics_message_parse (msg, &m))
          result->metrics =
              g_list_append (result->metrics, g_memdup2 (&m, sizeof (m)));
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

/* The SOFn marker of a JPEG file (0xC0 baseline, 0xC2 progressive), by
 * walking its segments. */
static gint
jpeg_sof_marker (const gchar *path)
{
  gchar *data;
  gsize size, pos = 2;
  gint marker = -1;

  fail_unless (g_file_get_contents (path, &data, &size, NULL));
  while (pos + 4 <= size && (guint8) data[pos] == 0xff) {
    guint8 m = data[pos + 1];
    gsize len = ((guint8) data[pos + 2] << 8) | (guint8) data[pos + 3];

    if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
      marker = m;
      break;
    }
    pos += 2 + len;
  }
  g_free (data);
  return marker;
}

static void
check_photo_variants (const gchar *basename, guint full_w, guint full_h)
{
  static const struct
  {
    const gchar *variant;
    guint box;
  } variants[] = { { "thumbnail", 150 }, { "preview", 500 }, { "full", 2048 } };
  gchar *input, *outdir, *stem;
  RunResult r;
  guint i, f;

  input = imgcheck_corpus_file (basename);
  if (input == NULL)
    return;
  outdir = g_dir_make_tmp ("imgcompressbin-XXXXXX", NULL);
  run_bin (input, outdir, NULL, &r);
  fail_unless (r.error == NULL, "error on %s: %s", basename, r.error);
  fail_unless (r.eos);
  fail_unless_equals_int (g_list_length (r.metrics), 6);
  fail_unless_equals_int (imgcheck_count_files (outdir, NULL), 6);

  stem = g_strndup (basename, strrchr (basename, '.') - basename);
  for (i = 0; i < G_N_ELEMENTS (variants); i++) {
    static const gchar *ext[] = { "jpg", "webp" };
    guint ew, eh;

    gst_imgcompress_fit_box (full_w, full_h, 1, 1, variants[i].box,
        variants[i].box, FALSE, &ew, &eh);
    for (f = 0; f < 2; f++) {
      gchar *path = g_strdup_printf ("%s/%s/%s.%s", outdir, variants[i].variant,
          stem, ext[f]);
      GstVideoInfo out_info, ref_info;
      GstBuffer *out, *ref;
      gdouble ssim;

      fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR), "no %s", path);
      /* Progressive from 400 px up: smaller there, larger below. */
      if (f == 0)
        fail_unless_equals_int (jpeg_sof_marker (path),
            variants[i].box >= 400 ? 0xc2 : 0xc0);
      out = imgcheck_decode_gray (path, 0, 0, &out_info);
      fail_unless (out != NULL, "%s does not decode", path);
      fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), ew);
      fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), eh);
      ref = imgcheck_decode_gray (input, ew, eh, &ref_info);
      fail_unless (ref != NULL);
      ssim = imgcheck_frame_luma_ssim (out, &out_info, ref, &ref_info);
      GST_INFO ("%s: SSIM %.4f", path, ssim);
      fail_unless (ssim > 0.90, "%s: SSIM %.4f against a Lanczos reference",
          path, ssim);
      gst_buffer_unref (out);
      gst_buffer_unref (ref);
      g_free (path);
    }
  }

  /* Every file was reported once, with sizes that match the file. */
  {
    GList *l;

    for (l = r.metrics; l != NULL; l = l->next) {
      GstImgcompressMetrics *m = l->data;
      GStatBuf st;

      fail_unless_equals_string (m->image, stem);
      fail_unless (g_stat (m->location, &st) == 0, "%s", m->location);
      fail_unless_equals_uint64 (m->output_bytes, st.st_size);
      fail_unless (m->input_bytes > 0);
      fail_unless (m->quality > 0);
      fail_unless (GST_CLOCK_TIME_IS_VALID (m->processing_time));
    }
  }

  run_result_clear (&r);
  imgcheck_remove_tree (outdir);
  g_free (stem);
  g_free (outdir);
  g_free (input);
}

/* A sink by its class (its files are its output), taking exactly the
 * formats it decodes: no ANY, and one decoder per structure. */
GST_START_TEST (test_sink_klass_and_caps)
{
  GstElementFactory *factory = gst_element_factory_find ("imgcompressbin");
  const GList *l;
  GstCaps *caps = NULL;
  guint i;

  fail_unless (factory != NULL);
  fail_unless (gst_element_factory_list_is_type (factory,
      GST_ELEMENT_FACTORY_TYPE_SINK));
  for (l = gst_element_factory_get_static_pad_templates (factory); l;
       l = l->next) {
    GstStaticPadTemplate *t = l->data;

    if (t->direction == GST_PAD_SINK)
      caps = gst_static_pad_template_get_caps (t);
  }
  fail_unless (caps != NULL);
  fail_if (gst_caps_is_any (caps));
  fail_unless (gst_caps_get_size (caps) >= 3);
  for (i = 0; i < gst_caps_get_size (caps); i++) {
    GstCaps *one = gst_caps_copy_nth (caps, i);

    fail_if (gst_imgcompress_format_from_caps (one) ==
            GST_IMGCOMPRESS_FORMAT_UNKNOWN,
        "%" GST_PTR_FORMAT, one);
    gst_caps_unref (one);
  }
  gst_caps_unref (caps);
  gst_object_unref (factory);
}

GST_END_TEST;

GST_START_TEST (test_baseline_photo)
{
  check_photo_variants ("Kleiber_by_Lukas_Baubkus.jpg", 6028, 3391);
}

GST_END_TEST;

GST_START_TEST (test_progressive_photo)
{
  check_photo_variants ("FreshFlower.jpg", 1600, 1203);
}

GST_END_TEST;

/* Progressive loading: a slow full variant (WebP method 6, about a second)
 * must not hold the thumbnail back; a sink waiting for preroll would. */
GST_START_TEST (test_thumbnail_not_held_back)
{
  GstClockTime thumbnail = GST_CLOCK_TIME_NONE, full = GST_CLOCK_TIME_NONE;
  GstClockTime full_encode = 0;
  gchar *input, *outdir;
  RunResult r;
  GList *l;

  input = imgcheck_corpus_file ("Kleiber_by_Lukas_Baubkus.jpg");
  if (input == NULL)
    return;
  outdir = g_dir_make_tmp ("imgcompressbin-XXXXXX", NULL);
  run_bin (input, outdir,
      "formats=webp webp-method=6 "
      "variants=thumbnail:150:80:75,full:2048:90:85",
      &r);
  fail_unless (r.error == NULL, "%s", r.error);
  for (l = r.metrics; l != NULL; l = l->next) {
    GstImgcompressMetrics *m = l->data;
    if (g_str_equal (m->variant, "thumbnail")) {
      thumbnail = m->processing_time;
    } else {
      full = m->processing_time;
      full_encode = m->encode_time;
    }
  }
  fail_unless (GST_CLOCK_TIME_IS_VALID (thumbnail) &&
      GST_CLOCK_TIME_IS_VALID (full));
  fail_unless (thumbnail + full_encode / 2 < full,
      "thumbnail written at %" GST_TIME_FORMAT ", full at %" GST_TIME_FORMAT
      " after %" GST_TIME_FORMAT " of encoding",
      GST_TIME_ARGS (thumbnail), GST_TIME_ARGS (full),
      GST_TIME_ARGS (full_encode));
  run_result_clear (&r);
  imgcheck_remove_tree (outdir);
  g_free (outdir);
  g_free (input);
}

GST_END_TEST;

/* Runs a launch line ending in an appsink named "out" and returns the
 * bytes of its first buffer. */
static GBytes *
pull_one_buffer (const gchar *desc)
{
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink;
  GstSample *sample;
  GstBuffer *buffer;
  GstMapInfo map;
  GBytes *bytes;

  fail_unless (pipeline != NULL, "%s", desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 60 * GST_SECOND);
  fail_unless (sample != NULL, "nothing from %s", desc);
  buffer = gst_sample_get_buffer (sample);
  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  bytes = g_bytes_new (map.data, map.size);
  gst_buffer_unmap (buffer, &map);
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return bytes;
}

/* With webp-method -1 the method is the variant's, by its box: method 2
 * for boxes from 1000 px (the full variant), whatever the picture's own
 * size, 4 below.  Both methods are encoded for reference and must differ,
 * so the comparison tells them apart. */
static void
check_webp_method (guint width, guint height, const gchar *variant, guint box,
    gint expected)
{
  gchar *outdir = g_dir_make_tmp ("imgcompressbin-XXXXXX", NULL);
  gchar *input = g_build_filename (outdir, "in.jpg", NULL);
  gchar *output = g_build_filename (outdir, variant, "in.webp", NULL);
  gchar *desc, *contents;
  GBytes *made, *by_method[2];
  gsize size;
  RunResult r;
  guint i;

  desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=zone-plate "
                          "kx2=20 ky2=20 kt=1 ! video/x-raw,format=I420,"
                          "width=%u,height=%u ! turbojpegenc quality=92 ! "
                          "appsink name=out",
      width, height);
  made = pull_one_buffer (desc);
  g_free (desc);
  fail_unless (g_file_set_contents (input, g_bytes_get_data (made, NULL),
      g_bytes_get_size (made), NULL));
  g_bytes_unref (made);

  desc = g_strdup_printf ("variants=%s:%u:90:85 formats=webp adaptive=off",
      variant, box);
  run_bin (input, outdir, desc, &r);
  g_free (desc);
  fail_unless (r.error == NULL, "%s", r.error);
  fail_unless (g_file_get_contents (output, &contents, &size, NULL));
  made = g_bytes_new_take (contents, size);

  for (i = 0; i < 2; i++) {
    desc =
        g_strdup_printf ("filesrc location=\"%s\" ! turbojpegdec ! "
                         "imgwebpenc quality=85 method=%d ! appsink name=out",
            input, i == 0 ? 4 : 2);
    by_method[i] = pull_one_buffer (desc);
    g_free (desc);
  }
  fail_if (g_bytes_equal (by_method[0], by_method[1]));
  fail_unless (g_bytes_equal (made, by_method[expected == 4 ? 0 : 1]),
      "%ux%u in a %u px box: the WebP is not method %d's", width, height, box,
      expected);

  for (i = 0; i < 2; i++)
    g_bytes_unref (by_method[i]);
  g_bytes_unref (made);
  run_result_clear (&r);
  imgcheck_remove_tree (outdir);
  g_free (output);
  g_free (input);
  g_free (outdir);
}

GST_START_TEST (test_webp_method_by_variant_box)
{
  check_webp_method (320, 240, "full", 2048, 2);
  check_webp_method (320, 240, "preview", 500, 4);
  check_webp_method (1200, 900, "full", 2048, 2);
}

GST_END_TEST;

GST_START_TEST (test_bad_input_leaves_nothing)
{
  static const gchar *contents[] = {
    "", /* zero bytes */
    "\xff\xd8\xff\xe0 garbage that is not a JPEG at all ..........",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (contents); i++) {
    gchar *outdir = g_dir_make_tmp ("imgcompressbin-XXXXXX", NULL);
    gchar *input = g_build_filename (outdir, "in.jpg", NULL);
    gchar *out = g_build_filename (outdir, "out", NULL);
    RunResult r;

    fail_unless (g_file_set_contents (input, contents[i], -1, NULL));
    run_bin (input, out, NULL, &r);
    fail_unless (r.error != NULL, "case %u: no error", i);
    GST_INFO ("case %u: %s", i, r.error);
    fail_unless_equals_int (imgcheck_count_files (out, NULL), 0);
    fail_unless (r.metrics == NULL);
    run_result_clear (&r);
    imgcheck_remove_tree (outdir);
    g_free (out);
    g_free (input);
    g_free (outdir);
  }
}

GST_END_TEST;

/* Writes a 400x300 RGBA PNG: left half transparent, right half opaque
 * red. */
static void
write_alpha_png (const gchar *path)
{
  GstHarness *h = gst_harness_new ("pngenc");
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *buf, *png;
  GstMapInfo map;
  guint x, y;

  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=RGBA,width=400,"
      "height=300,framerate=0/1");
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_RGBA, 400, 300);
  buf = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_video_frame_map (&frame, &info, buf, GST_MAP_WRITE);
  for (y = 0; y < 300; y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    for (x = 0; x < 400; x++) {
      guint8 *p = row + 4 * x;
      p[0] = 220;
      p[1] = 20;
      p[2] = 20;
      p[3] = x < 200 ? 0 : 255;
    }
  }
  gst_video_frame_unmap (&frame);
  fail_unless_equals_int (gst_harness_push (h, buf), GST_FLOW_OK);
  png = gst_harness_pull (h);
  gst_buffer_map (png, &map, GST_MAP_READ);
  fail_unless (g_file_set_contents (path, (gchar *) map.data, map.size, NULL));
  gst_buffer_unmap (png, &map);
  gst_buffer_unref (png);
  gst_harness_teardown (h);
}

/* Pixel (x, y) of an image file decoded to RGBA by the stock decoders. */
static void
decoded_rgba_pixel (const gchar *path, guint x, guint y, guint8 rgba[4])
{
  GstElement *pipeline, *sink;
  GstSample *sample;
  GstVideoFrame frame;
  GstVideoInfo info;
  gchar *desc;

  desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
                          "videoconvert ! video/x-raw,format=RGBA ! appsink "
                          "name=sink",
      path);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
  fail_unless (sample != NULL, "%s does not decode", path);
  gst_video_info_from_caps (&info, gst_sample_get_caps (sample));
  gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample),
      GST_MAP_READ);
  memcpy (rgba,
      (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
          y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + 4 * x,
      4);
  gst_video_frame_unmap (&frame);
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

GST_START_TEST (test_png_alpha_to_webp_alpha_and_flat_jpeg)
{
  gchar *dir = g_dir_make_tmp ("imgcompressbin-XXXXXX", NULL);
  gchar *input = g_build_filename (dir, "logo.png", NULL);
  gchar *out = g_build_filename (dir, "out", NULL);
  gchar *jpg = g_build_filename (out, "preview", "logo.jpg", NULL);
  gchar *webp = g_build_filename (out, "preview", "logo.webp", NULL);
  guint8 px[4];
  RunResult r;

  write_alpha_png (input);
  run_bin (input, out, "background=0xff0000ff", &r);
  fail_unless (r.error == NULL, "%s", r.error);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 6);

  /* JPEG: the transparent half is the background (blue here). */
  decoded_rgba_pixel (jpg, 20, 150, px);
  fail_unless (px[2] > 240 && px[0] < 15 && px[1] < 15, "got %u,%u,%u", px[0],
      px[1], px[2]);
  decoded_rgba_pixel (jpg, 380, 150, px);
  fail_unless (px[0] > 200 && px[2] < 40, "got %u,%u,%u", px[0], px[1], px[2]);
  /* WebP keeps the alpha. */
  decoded_rgba_pixel (webp, 20, 150, px);
  fail_unless_equals_int (px[3], 0);
  decoded_rgba_pixel (webp, 380, 150, px);
  fail_unless_equals_int (px[3], 255);
  fail_unless (px[0] > 200 && px[2] < 40);

  run_result_clear (&r);
  imgcheck_remove_tree (dir);
  g_free (webp);
  g_free (jpg);
  g_free (out);
  g_free (input);
  g_free (dir);
}

GST_END_TEST;

/* Pillow writes @script's files into a new directory; NULL (the test
 * skips loudly) without Pillow. */
static gchar *
run_pillow (const gchar *script)
{
  gchar *dir;

  if (!imgcheck_have_pillow ())
    return NULL;
  dir = g_dir_make_tmp ("imgcompressbin-pil-XXXXXX", NULL);
  fail_unless (dir != NULL);
  fail_unless (imgcheck_run_python (script, dir), "the Pillow script failed");
  return dir;
}

/* Every metrics message of @r has @width x @height for the full variant
 * (no enlargement: the image is smaller than every box). */
static void
check_six_outputs (const RunResult *r, const gchar *outdir, guint width,
    guint height)
{
  GList *l;

  fail_unless (r->eos, "no EOS: %s", r->error ? r->error : "");
  fail_unless (r->error == NULL, "%s", r->error);
  fail_unless_equals_int (g_list_length (r->metrics), 6);
  fail_unless_equals_int (imgcheck_count_files (outdir, NULL), 6);
  for (l = r->metrics; l != NULL; l = l->next) {
    GstImgcompressMetrics *m = l->data;

    if (g_strcmp0 (m->variant, "thumbnail") == 0)
      continue;
    fail_unless_equals_int (m->width, width);
    fail_unless_equals_int (m->height, height);
  }
}

/* Runs imgcompressbin on the file @name that Pillow's @script writes and
 * checks its six outputs (@width x @height but the thumbnail); FALSE when
 * the test skips.  @r keeps what was posted. */
static gboolean
run_bin_on_pillow_file (const gchar *script, const gchar *name, guint width,
    guint height, RunResult *r)
{
  gchar *dir = run_pillow (script);
  gchar *input, *out;

  if (dir == NULL)
    return FALSE;
  input = g_build_filename (dir, name, NULL);
  out = g_build_filename (dir, "out", NULL);
  run_bin (input, out, NULL, r);
  check_six_outputs (r, out, width, height);
  imgcheck_remove_tree (dir);
  g_free (out);
  g_free (input);
  g_free (dir);
  return TRUE;
}

/* An animated WebP gives the six files of its first frame, on its canvas,
 * and a warning; no error (it used to be a second image of the stream). */
GST_START_TEST (test_animated_webp_first_frame)
{
  RunResult r;

  if (!run_bin_on_pillow_file ("import sys\n"
                               "from PIL import Image, ImageDraw\n"
                               "frames = []\n"
                               "for i in range(4):\n"
                               "    im = Image.new('RGBA', (400, 300))\n"
                               "    ImageDraw.Draw(im).ellipse(\n"
                               "        (40 * i, 50, 40 * i + 100, 150),\n"
                               "        fill=(250, 40, 40, 255))\n"
                               "    frames.append(im)\n"
                               "frames[0].save(sys.argv[1] + '/anim.webp',\n"
                               "    save_all=True, append_images=frames[1:],\n"
                               "    duration=80, loop=0)\n",
          "anim.webp", 400, 300, &r))
    return;
  fail_unless (r.warning != NULL, "no warning");
  fail_unless (strstr (r.warning, "first of its 4 frames") != NULL, "%s",
      r.warning);
  run_result_clear (&r);
}

GST_END_TEST;

/* EXIF orientation 6 in a WebP's EXIF chunk: every output is upright
 * (portrait). */
GST_START_TEST (test_webp_exif_orientation)
{
  RunResult r;

  if (!run_bin_on_pillow_file ("import sys\n"
                               "from PIL import Image\n"
                               "exif = Image.Exif()\n"
                               "exif[0x0112] = 6\n"
                               "Image.new('RGB', (400, 300), (30, 90, 200))"
                               ".save(\n"
                               "    sys.argv[1] + '/rotated.webp', "
                               "exif=exif)\n",
          "rotated.webp", 300, 400, &r))
    return;
  run_result_clear (&r);
}

GST_END_TEST;

/* 16-bit RGB, 16-bit RGBA and a tRNS colour key (stock pngdec !
 * videoconvert shifted the channels of the first two and dropped the key):
 * six outputs each, of Pillow's sizes and colours, the WebP with alpha
 * exactly where the source has it (png-fidelity.py). */
GST_START_TEST (test_png_16bit_and_colour_key)
{
  static const gchar *names[] = { "rgb16.png", "rgba16.png", "trns-key.png" };
  gchar *dir = g_dir_make_tmp ("imgcompressbin-XXXXXX", NULL);
  gchar *out = g_build_filename (dir, "out", NULL);
  guint i;

  fail_unless (imgcheck_run_script ("pipelines/png-fidelity.py", "make", dir,
      NULL, NULL));
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *input = g_build_filename (dir, names[i], NULL);
    gchar *report = NULL;
    gboolean ok;
    RunResult r;

    run_bin (input, out, NULL, &r);
    fail_unless (r.error == NULL, "%s: %s", names[i], r.error);
    ok = imgcheck_run_script ("pipelines/png-fidelity.py", "check", input, out,
        &report);
    GST_INFO ("%s", report);
    fail_unless (ok, "%s:\n%s", names[i], report);
    g_free (report);
    run_result_clear (&r);
    g_free (input);
  }
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 18);
  imgcheck_remove_tree (dir);
  g_free (out);
  g_free (dir);
}

GST_END_TEST;

static Suite *
imgcompressbin_suite (void)
{
  Suite *s = suite_create ("imgcompressbin");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_test (tc, test_sink_klass_and_caps);
  tcase_add_test (tc, test_baseline_photo);
  tcase_add_test (tc, test_progressive_photo);
  tcase_add_test (tc, test_thumbnail_not_held_back);
  tcase_add_test (tc, test_webp_method_by_variant_box);
  tcase_add_test (tc, test_bad_input_leaves_nothing);
  tcase_add_test (tc, test_png_alpha_to_webp_alpha_and_flat_jpeg);
  tcase_add_test (tc, test_animated_webp_first_frame);
  tcase_add_test (tc, test_webp_exif_orientation);
  tcase_add_test (tc, test_png_16bit_and_colour_key);
  return s;
}

GST_CHECK_MAIN (imgcompressbin);

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "imgcheck.h"

#include <gst/app/gstappsink.h>
#include <string.h>

#include <math.h>
#include <stdio.h>

#define SSIM_WINDOW 8
#define SSIM_STEP 4

static gdouble
window_ssim (const guint8 *a, gint stride_a, const guint8 *b, gint stride_b)
{
  const gdouble c1 = (0.01 * 255) * (0.01 * 255);
  const gdouble c2 = (0.03 * 255) * (0.03 * 255);
  const gdouble n = SSIM_WINDOW * SSIM_WINDOW;
  gdouble sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  gdouble ma, mb, va, vb, cov;
  gint x, y;

  for (y = 0; y < SSIM_WINDOW; y++) {
    for (x = 0; x < SSIM_WINDOW; x++) {
      gdouble pa = a[y * stride_a + x], pb = b[y * stride_b + x];
      sa += pa;
      sb += pb;
      saa += pa * pa;
      sbb += pb * pb;
      sab += pa * pb;
    }
  }
  ma = sa / n;
  mb = sb / n;
  va = saa / n - ma * ma;
  vb = sbb / n - mb * mb;
  cov = sab / n - ma * mb;
  return ((2 * ma * mb + c1) * (2 * cov + c2)) /
      ((ma * ma + mb * mb + c1) * (va + vb + c2));
}

/* Mean SSIM over 8x8 windows every 4 pixels (as the bench computes it);
 * planes smaller than a window are compared as a whole by PSNR instead. */
gdouble
imgcheck_luma_ssim (const guint8 *a, gint stride_a, const guint8 *b,
    gint stride_b, gint width, gint height)
{
  gdouble sum = 0;
  guint count = 0;
  gint x, y;

  if (width < SSIM_WINDOW || height < SSIM_WINDOW)
    return imgcheck_psnr (a, stride_a, b, stride_b, width, height) >= 40 ? 1.0 :
                                                                           0.0;

  for (y = 0; y + SSIM_WINDOW <= height; y += SSIM_STEP) {
    for (x = 0; x + SSIM_WINDOW <= width; x += SSIM_STEP) {
      sum += window_ssim (a + y * stride_a + x, stride_a, b + y * stride_b + x,
          stride_b);
      count++;
    }
  }
  return sum / count;
}

gdouble
imgcheck_psnr (const guint8 *a, gint stride_a, const guint8 *b, gint stride_b,
    gint width, gint height)
{
  gdouble se = 0, mse;
  gint x, y;

  for (y = 0; y < height; y++) {
    for (x = 0; x < width; x++) {
      gdouble d = (gdouble) a[y * stride_a + x] - b[y * stride_b + x];
      se += d * d;
    }
  }
  mse = se / ((gdouble) width * height);
  if (mse == 0)
    return 99.0;
  return 10 * log10 (255.0 * 255.0 / mse);
}

/* Luma SSIM of two frames of the same size; both must be planar YUV or
 * GRAY8 (component 0 is luma). */
gdouble
imgcheck_frame_luma_ssim (GstBuffer *a, const GstVideoInfo *info_a,
    GstBuffer *b, const GstVideoInfo *info_b)
{
  GstVideoFrame fa, fb;
  gdouble ssim;

  g_return_val_if_fail (GST_VIDEO_INFO_WIDTH (info_a) ==
          GST_VIDEO_INFO_WIDTH (info_b),
      0.0);
  g_return_val_if_fail (GST_VIDEO_INFO_HEIGHT (info_a) ==
          GST_VIDEO_INFO_HEIGHT (info_b),
      0.0);
  g_return_val_if_fail (GST_VIDEO_INFO_IS_YUV (info_a) ||
          GST_VIDEO_INFO_IS_GRAY (info_a),
      0.0);
  g_return_val_if_fail (GST_VIDEO_INFO_IS_YUV (info_b) ||
          GST_VIDEO_INFO_IS_GRAY (info_b),
      0.0);

  if (!gst_video_frame_map (&fa, (GstVideoInfo *) info_a, a, GST_MAP_READ))
    return 0.0;
  if (!gst_video_frame_map (&fb, (GstVideoInfo *) info_b, b, GST_MAP_READ)) {
    gst_video_frame_unmap (&fa);
    return 0.0;
  }
  ssim = imgcheck_luma_ssim (GST_VIDEO_FRAME_COMP_DATA (&fa, 0),
      GST_VIDEO_FRAME_COMP_STRIDE (&fa, 0), GST_VIDEO_FRAME_COMP_DATA (&fb, 0),
      GST_VIDEO_FRAME_COMP_STRIDE (&fb, 0), GST_VIDEO_INFO_WIDTH (info_a),
      GST_VIDEO_INFO_HEIGHT (info_a));
  gst_video_frame_unmap (&fb);
  gst_video_frame_unmap (&fa);
  return ssim;
}

/* The real-photo corpus directory: $IMGCOMPRESS_CORPUS_DIR when it holds
 * one, else what the corpus script fetches.  NULL, said loudly on stderr,
 * when it cannot be had; callers then skip their real-photo checks. */
gchar *
imgcheck_corpus_dir (void)
{
  const gchar *dir = g_getenv ("IMGCOMPRESS_CORPUS_DIR");
  const gchar *script = g_getenv ("IMGCOMPRESS_CORPUS_SCRIPT");
  gchar *out = NULL, *err = NULL;
  gint status = 0;

  if (dir != NULL && *dir != '\0' && g_file_test (dir, G_FILE_TEST_IS_DIR))
    return g_strdup (dir);

  if (script != NULL) {
    gchar *argv[] = { (gchar *) script, NULL };
    if (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
            &status, NULL) &&
        g_spawn_check_wait_status (status, NULL)) {
      g_strstrip (out);
      if (g_file_test (out, G_FILE_TEST_IS_DIR)) {
        g_free (err);
        return out;
      }
    }
  }
  fprintf (stderr,
      "\n*** SKIPPING real-photo checks: corpus unavailable "
      "(%s) ***\n\n",
      err ? g_strstrip (err) : "no corpus script");
  g_free (out);
  g_free (err);
  return NULL;
}

/* Path of one corpus photo, or NULL (loudly) when the corpus is missing. */
gchar *
imgcheck_corpus_file (const gchar *basename)
{
  gchar *dir = imgcheck_corpus_dir ();
  gchar *path;

  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, basename, NULL);
  g_free (dir);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
    fprintf (stderr, "\n*** SKIPPING: %s not in the corpus ***\n\n", path);
    g_free (path);
    return NULL;
  }
  return path;
}

GstBuffer *
imgcheck_buffer_from_file (const gchar *path)
{
  gchar *data;
  gsize size;

  if (!g_file_get_contents (path, &data, &size, NULL))
    return NULL;
  return gst_buffer_new_wrapped (data, size);
}

/* Every regular file below @dir, recursively, as paths added to @out. */
void
imgcheck_list_files (const gchar *dir, GPtrArray *out)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL) {
    gchar *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR)) {
      imgcheck_list_files (path, out);
      g_free (path);
    } else {
      g_ptr_array_add (out, path);
    }
  }
  g_dir_close (d);
}

/* Files below @dir whose path contains @needle (all when NULL). */
guint
imgcheck_count_files (const gchar *dir, const gchar *needle)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  guint i, n = 0;

  imgcheck_list_files (dir, files);
  for (i = 0; i < files->len; i++)
    if (needle == NULL || strstr (g_ptr_array_index (files, i), needle))
      n++;
  g_ptr_array_unref (files);
  return n;
}

void
imgcheck_remove_tree (const gchar *dir)
{
  gchar *argv[] = { (gchar *) "rm", (gchar *) "-rf", (gchar *) dir, NULL };

  g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
      NULL, NULL);
}

/* Runs the Python script tests/check/@script with the arguments @a, @b, @c
 * (each may be NULL, which ends the list); its stdout in *@out when @out is
 * not NULL.  Returns whether it exited 0. */
gboolean
imgcheck_run_script (const gchar *script, const gchar *a, const gchar *b,
    const gchar *c, gchar **out)
{
  gchar *path = g_build_filename (IMGCOMPRESS_SOURCE_ROOT, "tests", "check",
      script, NULL);
  gchar *argv[] = { (gchar *) "/usr/bin/python3", path, (gchar *) a,
    (gchar *) b, (gchar *) c, NULL };
  gchar *err = NULL;
  gint status = -1;
  gboolean ok;

  ok = g_spawn_sync (NULL, argv, NULL,
           out ? G_SPAWN_DEFAULT : G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, out,
           &err, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL);
  if (!ok)
    g_printerr ("%s failed: %s\n", script, err ? err : "");
  g_free (err);
  g_free (path);
  return ok;
}

/* A fresh temporary directory (named from @template) filled by @script,
 * which takes it as its one argument; NULL when the script fails. */
gchar *
imgcheck_generate_cases (const gchar *script, const gchar *template)
{
  gchar *dir = g_dir_make_tmp (template, NULL);

  if (dir != NULL && imgcheck_run_script (script, dir, NULL, NULL, NULL))
    return dir;
  g_free (dir);
  return NULL;
}

/* Decodes @path with the stock decoders to GRAY8, resized with stock
 * videoscale's Lanczos to @width x @height unless @width is 0; NULL when
 * it does not decode. */
GstBuffer *
imgcheck_decode_gray (const gchar *path, guint width, guint height,
    GstVideoInfo *info)
{
  GstElement *pipeline, *sink;
  GstSample *sample;
  GstBuffer *buf = NULL;
  gchar *desc, *scale;

  scale = width ? g_strdup_printf (",width=%u,height=%u,pixel-aspect-ratio=1/1",
                      width, height) :
                  g_strdup ("");
  desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
                          "videoconvert ! videoscale method=lanczos ! "
                          "video/x-raw,format=GRAY8%s ! appsink name=sink",
      path, scale);
  g_free (scale);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  if (pipeline == NULL)
    return NULL;
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 30 * GST_SECOND);
  if (sample) {
    if (gst_video_info_from_caps (info, gst_sample_get_caps (sample)))
      buf = gst_buffer_ref (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return buf;
}

/* Runs the Python @script (python3 -c) with @arg as sys.argv[1]; TRUE when
 * it exits 0.  Tests make their inputs and references with Pillow this
 * way. */
gboolean
imgcheck_run_python (const gchar *script, const gchar *arg)
{
  gchar *argv[] = { (gchar *) IMGCHECK_PYTHON, (gchar *) "-c", (gchar *) script,
    (gchar *) arg, NULL };
  gint status = 0;

  return g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
             NULL, NULL, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL);
}

/* Whether Pillow can be imported; a test that needs it skips loudly
 * without it, and fails when its script fails. */
gboolean
imgcheck_have_pillow (void)
{
  if (imgcheck_run_python ("import PIL.Image, numpy", NULL))
    return TRUE;
  fprintf (stderr,
      "\n*** SKIPPING: " IMGCHECK_PYTHON " without PIL or numpy "
      "***\n\n");
  return FALSE;
}

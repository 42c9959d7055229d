/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* libFuzzer target: the whole imgcompressbin (typefind, adaptivequality,
 * the decoder picked, variantsplit, imgsizer, both encoders, metricsink)
 * fed from appsrc. One small variant keeps an iteration short; the files
 * written go to a private directory that is emptied each time. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>

#include "fuzz-gst.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static gchar *outdir;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_gst_init ();
  outdir = g_dir_make_tmp ("fuzz-imgcompressbin-XXXXXX", NULL);
  g_assert (outdir != NULL);
  return 0;
}

static void
empty_dir (const gchar *dir, gboolean remove_self)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL) {
    gchar *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      empty_dir (path, TRUE);
    else
      g_unlink (path);
    g_free (path);
  }
  g_dir_close (d);
  if (remove_self)
    g_rmdir (dir);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  GstElement *pipeline, *src, *bin;
  GstMessage *msg;
  GstBus *bus;

  pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("appsrc", NULL);
  bin = gst_element_factory_make ("imgcompressbin", NULL);
  g_assert (src != NULL && bin != NULL);
  g_object_set (bin, "output-dir", outdir, "variants", "thumbnail:64:80:75",
      "max-pixels", (guint64) 16 * 1024 * 1024, "overwrite", TRUE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, bin, NULL);
  g_assert (gst_element_link (src, bin));

  /* gst_buffer_new_memdup () wants at least one byte */
  gst_app_src_push_buffer (GST_APP_SRC (src),
      size ? gst_buffer_new_memdup (data, size) : gst_buffer_new ());
  gst_app_src_end_of_stream (GST_APP_SRC (src));

  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* a hang is a finding: libFuzzer's -timeout reports it */
  msg = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  empty_dir (outdir, FALSE);
  return 0;
}

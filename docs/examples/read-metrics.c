/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* read-metrics: makes the variants of one photo with imgcompressbin and
 * prints the imgcompress-metrics message of every file written, read from
 * the bus with the library's parse helper.
 *
 *   read-metrics PHOTO OUTDIR
 *
 * Build against an installed gst-imgcompress:
 *   cc read-metrics.c -o read-metrics \
 *     $(pkg-config --cflags --libs gstreamer-imgcompress-1.0)
 *
 * Exit status 0 when the image was made, 1 on an error message. */

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress.h>

typedef struct
{
  GMainLoop *loop;
  guint files;
  gboolean failed;
} App;

static void
print_metrics (const GstImgcompressMetrics *m)
{
  /* One line per file; quality is GST_IMGCOMPRESS_QUALITY_UNSET when the
   * encoder did not say. */
  g_print ("%s %s %s %ux%u q%d %" G_GUINT64_FORMAT
           " bytes (%.1f %% of %" G_GUINT64_FORMAT
           ") encode %.1f ms, done after %.1f ms: %s\n",
      m->image, m->variant, m->format, m->width, m->height, m->quality,
      m->output_bytes, 100.0 * m->compression_ratio, m->input_bytes,
      (gdouble) m->encode_time / GST_MSECOND,
      (gdouble) m->processing_time / GST_MSECOND, m->location);
}

static gboolean
on_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  App *app = user_data;
  GstImgcompressMetrics metrics;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      /* FALSE for every other element message */
      if (gst_imgcompress_metrics_message_parse (msg, &metrics)) {
        print_metrics (&metrics);
        gst_imgcompress_metrics_clear (&metrics);
        app->files++;
      }
      break;
    case GST_MESSAGE_ERROR: {
      /* a refused or damaged image: err->message says why, translated */
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_error (msg, &err, &debug);
      g_printerr ("error from %s: %s\n(%s)\n", GST_OBJECT_NAME (msg->src),
          err->message, debug ? debug : "no details");
      g_clear_error (&err);
      g_free (debug);
      app->failed = TRUE;
      g_main_loop_quit (app->loop);
      break;
    }
    case GST_MESSAGE_EOS:
      g_main_loop_quit (app->loop);
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

static GstElement *
make_pipeline (const gchar *photo, const gchar *outdir)
{
  GstElement *pipeline = gst_pipeline_new ("read-metrics");
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *bin = gst_element_factory_make ("imgcompressbin", NULL);

  if (src == NULL || bin == NULL) {
    g_printerr ("filesrc or imgcompressbin is missing (GST_PLUGIN_PATH?)\n");
    gst_clear_object (&src);
    gst_clear_object (&bin);
    gst_object_unref (pipeline);
    return NULL;
  }
  g_object_set (src, "location", photo, NULL);
  g_object_set (bin, "output-dir", outdir, "overwrite", TRUE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, bin, NULL);
  gst_element_link (src, bin);
  return pipeline;
}

int
main (int argc, char **argv)
{
  App app = { NULL, 0, FALSE };
  GstElement *pipeline;
  GstBus *bus;
  guint watch;

  gst_init (&argc, &argv);
  if (argc != 3) {
    g_printerr ("usage: %s PHOTO OUTDIR\n", argv[0]);
    return 2;
  }
  pipeline = make_pipeline (argv[1], argv[2]);
  if (pipeline == NULL)
    return 1;

  app.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (pipeline);
  watch = gst_bus_add_watch (bus, on_message, &app);
  gst_object_unref (bus);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    /* The reason is an error message on the bus: print it. */
    while (g_main_context_iteration (NULL, FALSE))
      ;
    app.failed = TRUE;
  } else {
    g_main_loop_run (app.loop);
  }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_source_remove (watch);
  gst_object_unref (pipeline);
  g_main_loop_unref (app.loop);
  g_print ("%u files written\n", app.files);
  return app.failed ? 1 : 0;
}

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The long-lived image pipelines shared by the batch and the service: one
 * image at a time in, its files and its end out through the bus (the
 * protocol of docs/design.md, "Streams of images"). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/app/gstappsrc.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgcompress-worker.h"

struct _ImgcompressWorker
{
  GstElement *pipeline;
  GstElement *src;
  GstElement *bin;
  gchar *location; /* the template its files are written with */
  guint watch_id;
  ImgcompressWorkerCallbacks callbacks;
  gpointer user_data;
  gchar *image_id; /* the image in flight, NULL when idle */
  guint64 seq;
  gboolean broken; /* a pipeline error: it makes no further image */
};

void
imgcompress_output_free (gpointer data)
{
  ImgcompressOutput *o = data;

  g_free (o->variant);
  g_free (o->format);
  g_free (o->location);
  if (o->held_location != NULL)
    gst_imgcompress_file_discard_held (o->held_location);
  g_free (o->held_location);
  g_free (o);
}

static gboolean
is_for_current_image (ImgcompressWorker *worker, const gchar *image_id)
{
  return worker->image_id != NULL &&
      g_strcmp0 (image_id, worker->image_id) == 0;
}

static void
report_output (ImgcompressWorker *worker, GstMessage *msg,
    const GstImgcompressMetrics *m)
{
  ImgcompressOutput *o;

  if (!is_for_current_image (worker, m->image_id))
    return;
  o = g_new0 (ImgcompressOutput, 1);
  o->variant = g_strdup (m->variant);
  o->format = g_strdup (m->format);
  o->location = g_strdup (m->location);
  o->held_location = g_strdup (m->held_location);
  o->width = m->width;
  o->height = m->height;
  o->quality = m->quality;
  o->bytes = m->output_bytes;
  o->input_bytes = m->input_bytes;
  o->ratio = m->compression_ratio;
  o->processing_time = m->processing_time;
  o->written_at_us = g_get_real_time ();
  o->has_id =
      gst_imgcompress_file_id_from_structure (gst_message_get_structure (msg),
          &o->id);
  worker->callbacks.output (worker, o, worker->user_data);
}

/* The image is over; the callback may push the next one or free the
 * worker, so nothing of the worker is touched after it. */
static void
end_image (ImgcompressWorker *worker, const GstImgcompressImageInfo *info,
    const GError *error, const gchar *debug)
{
  g_clear_pointer (&worker->image_id, g_free);
  worker->callbacks.done (worker, info, error, debug, worker->user_data);
}

/* The image's files come one metrics message each as they are written; its
 * image-done message, after the last of them, ends it. */
static void
on_element_message (ImgcompressWorker *worker, GstMessage *msg)
{
  GstImgcompressImageInfo image;
  GstImgcompressMetrics m;

  if (gst_imgcompress_metrics_message_parse (msg, &m)) {
    report_output (worker, msg, &m);
    gst_imgcompress_metrics_clear (&m);
  } else if (gst_imgcompress_image_done_message_parse (msg, &image, NULL)) {
    if (is_for_current_image (worker, image.id)) {
      gchar *debug = NULL;
      GError *error =
          gst_imgcompress_image_done_message_get_error (msg, &debug);

      end_image (worker, &image, error, debug);
      g_clear_error (&error);
      g_free (debug);
    }
    gst_imgcompress_image_info_clear (&image);
  }
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  ImgcompressWorker *worker = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      on_element_message (worker, msg);
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (msg, &err, &debug);
      if (worker->image_id && worker->callbacks.warning)
        worker->callbacks.warning (worker, err, debug, worker->user_data);
      break;
    case GST_MESSAGE_ERROR:
      /* The pipeline has stopped: the image it was making fails. */
      gst_message_parse_error (msg, &err, &debug);
      worker->broken = TRUE;
      if (worker->image_id) {
        imgcompress_worker_stop (worker);
        end_image (worker, NULL, err, debug);
      }
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

ImgcompressWorker *
imgcompress_worker_new (const gchar *name,
    const ImgcompressWorkerSettings *settings,
    const ImgcompressWorkerCallbacks *callbacks, gpointer user_data,
    GError **error)
{
  const ImgcompressConfig *config = settings->config;
  ImgcompressWorker *worker;
  GstElement *bin;
  GstBus *bus;

  bin = gst_element_factory_make ("imgcompressbin", NULL);
  if (bin == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        _ ("The imgcompress GStreamer plugins are not installed "
           "(imgcompressbin not found)."));
    return NULL;
  }
  worker = g_new0 (ImgcompressWorker, 1);
  worker->callbacks = *callbacks;
  worker->user_data = user_data;
  worker->pipeline = gst_pipeline_new (name);
  worker->bin = bin;
  worker->location = g_strdup (settings->location_template);
  worker->src = gst_element_factory_make ("appsrc", NULL);
  g_object_set (worker->src, "format", GST_FORMAT_BYTES, "max-bytes",
      (guint64) 0, NULL);
  g_object_set (bin, "output-dir", settings->outdir, "location",
      settings->location_template, "variants", settings->variants,
      "hold-variants", settings->hold_variants ? settings->hold_variants : "",
      "formats", config->formats, "max-pixels", config->max_pixels,
      "max-input-bytes", config->max_input_bytes, "overwrite",
      settings->overwrite, NULL);
  gst_util_set_object_arg (G_OBJECT (bin), "adaptive",
      config->adaptive ? "file-size" : "off");
  gst_util_set_object_arg (G_OBJECT (bin), "on-error", "skip");
  gst_util_set_object_arg (G_OBJECT (bin), "icc", config->icc);
  gst_util_set_object_arg (G_OBJECT (bin), "metadata", config->metadata);
  gst_bin_add_many (GST_BIN (worker->pipeline), worker->src, bin, NULL);
  gst_element_link (worker->src, bin);

  bus = gst_element_get_bus (worker->pipeline);
  worker->watch_id = gst_bus_add_watch (bus, on_bus_message, worker);
  gst_object_unref (bus);
  if (gst_element_set_state (worker->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        _ ("Could not start the image pipeline."));
    imgcompress_worker_free (worker);
    return NULL;
  }
  return worker;
}

/* The image goes into the stream under its own name (not one
 * adaptivequality derives from a URI), with an id its messages carry
 * back.  Takes @input. */
void
imgcompress_worker_push (ImgcompressWorker *worker, const gchar *stream_name,
    GstBuffer *input)
{
  g_return_if_fail (worker->image_id == NULL && !worker->broken);

  worker->image_id = g_strdup_printf ("%" G_GUINT64_FORMAT, worker->seq++);
  gst_element_send_event (worker->src,
      gst_imgcompress_image_start_event_new (stream_name, worker->image_id));
  gst_app_src_push_buffer (GST_APP_SRC (worker->src), input);
}

/* An image with a template of its own (--layout tree, a suffixed name)
 * has it set on the idle worker's bin, for the branches it builds, and on
 * the metricsinks it has built, which read it at each file. */
static void
set_location (const GValue *item, gpointer location)
{
  g_object_set (g_value_get_object (item), "location", location, NULL);
}

void
imgcompress_worker_set_location (ImgcompressWorker *worker,
    const gchar *location)
{
  GstIterator *it;

  if (g_strcmp0 (worker->location, location) == 0)
    return;
  g_free (worker->location);
  worker->location = g_strdup (location);
  g_object_set (worker->bin, "location", location, NULL);
  it = gst_bin_iterate_all_by_element_factory_name (GST_BIN (worker->bin),
      "metricsink");
  while (gst_iterator_foreach (it, set_location, (gpointer) location) ==
      GST_ITERATOR_RESYNC)
    gst_iterator_resync (it);
  gst_iterator_free (it);
}

gboolean
imgcompress_worker_is_busy (ImgcompressWorker *worker)
{
  return worker->image_id != NULL;
}

gboolean
imgcompress_worker_is_broken (ImgcompressWorker *worker)
{
  return worker->broken;
}

/* READY stops the streaming threads (metricsink removes its temporary
 * file) but keeps the bus: the files written meanwhile are still
 * announced there, and must be known before the image is rolled back.
 * The worker makes no further image. */
void
imgcompress_worker_stop (ImgcompressWorker *worker)
{
  GstBus *bus = gst_element_get_bus (worker->pipeline);
  GstMessage *msg;

  gst_element_set_state (worker->pipeline, GST_STATE_READY);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    GstImgcompressMetrics m;

    if (gst_imgcompress_metrics_message_parse (msg, &m)) {
      report_output (worker, msg, &m);
      gst_imgcompress_metrics_clear (&m);
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  worker->broken = TRUE;
}

void
imgcompress_worker_free (ImgcompressWorker *worker)
{
  g_source_remove (worker->watch_id);
  gst_element_set_state (worker->pipeline, GST_STATE_NULL);
  gst_object_unref (worker->pipeline);
  g_free (worker->image_id);
  g_free (worker->location);
  g_free (worker);
}

/* Opens the input without blocking (a FIFO or a device would hang the
 * open, and with it the main loop and its signal handling) and accepts
 * only a regular file.  Returns the fd, or -1 with @error set. */
gint
imgcompress_open_input (const gchar *path, GError **error)
{
  gchar *shown = gst_imgcompress_escape_for_display (path);
  struct stat st;
  gint fd, err;

  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    err = errno;
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        _ ("cannot open %s: %s"), shown, g_strerror (err));
  } else if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
        _ ("%s is not a regular file (a FIFO, device or directory); only "
           "regular files are read"),
        shown);
    close (fd);
    fd = -1;
  }
  g_free (shown);
  return fd;
}

/* The whole file, from the descriptor imgcompress_open_input() checked, in
 * one buffer flagged as the last of its image: the decoders need all of it
 * before they start, one read saves a thousand small buffers and the copy
 * that would join them, and a damaged image is reported at once. */
GstBuffer *
imgcompress_read_input (const gchar *path, gint fd, guint64 size_hint,
    guint64 max_bytes, GError **error)
{
  /* One byte past max-input-bytes is enough for adaptivequality to refuse
   * the image with its own message: a huge file is not read whole. */
  gsize cap =
      max_bytes > 0 && max_bytes < G_MAXSIZE ? max_bytes + 1 : G_MAXSIZE;
  /* One byte more than the file's size: the read that finds its end
   * fits, instead of doubling the buffer for it. */
  gsize alloc = MIN (MAX (size_hint + 1, 4096), cap);
  guint8 *data = g_malloc (alloc);
  gsize size = 0;
  GstBuffer *buffer;
  gssize got;

  while (size < cap) {
    if (size == alloc) {
      alloc = alloc > cap / 2 ? cap : alloc * 2;
      data = g_realloc (data, alloc);
    }
    got = read (fd, data + size, alloc - size);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0) {
      gint err = errno;
      gchar *shown = gst_imgcompress_escape_for_display (path);

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
          _ ("cannot read %s: %s"), shown, g_strerror (err));
      g_free (shown);
      g_free (data);
      return NULL;
    }
    if (got == 0)
      break;
    size += got;
  }
  buffer = gst_buffer_new_wrapped (data, size);
  GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_MARKER);
  return buffer;
}

static gdouble
load_average (void)
{
  gchar *contents = NULL;
  gdouble load = 0;

  if (g_file_get_contents ("/proc/loadavg", &contents, NULL, NULL))
    load = g_ascii_strtod (contents, NULL);
  g_free (contents);
  return load;
}

/* imgcompress_adapted_limit() on this machine's memory and load.  Returns
 * the new limit; a change is logged when @verbose. */
guint
imgcompress_adapt_limit (guint limit, guint max_limit, gdouble mean_s,
    gboolean verbose)
{
  gdouble memory = imgcompress_memory_used_fraction ();
  guint adapted = imgcompress_adapted_limit (limit, max_limit, mean_s, memory,
      load_average (), g_get_num_processors ());

  if (adapted != limit && verbose)
    g_printerr (_ ("imgcompress: in-flight limit %u -> %u (mean %.2f s per "
                   "image, memory %.0f %% used)\n"),
        limit, adapted, mean_s, memory * 100);
  return adapted;
}

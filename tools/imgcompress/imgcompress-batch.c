/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Runs imgcompressbin pipelines in-process, a bounded number at once, on
 * one main loop: long-lived pipelines (one per image in flight) fed one
 * image after another, results from their buses. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/app/gstappsrc.h>
#include <gst/imgcompress/imgcompress.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "imgcompress-batch.h"
#include "imgcompress-outputs.h"

/* Bytes read for the header first, and at most (a JPEG's SOF can follow a
 * large Exif block). */
#define HEADER_READ_FIRST (64 * 1024)
#define HEADER_READ_MAX (8 * 1024 * 1024)

struct _ImgcompressBatch
{
  ImgcompressBatchOptions options;
  GPtrArray *images; /* ImgcompressImage, owned by the caller */
  GPtrArray *order; /* the same images, in the order they run */
  gchar *variants; /* every variant, for imgcompressbin */
  gchar *hold_variants; /* those held until every thumbnail exists */
  GPtrArray *held; /* made images whose held files wait for the others */
  guint next; /* next image to start */
  guint running;
  guint64 in_flight_bytes; /* estimated working sets of the running jobs */
  guint in_flight_limit;
  guint max_in_flight;
  GList *jobs;
  GPtrArray *workers; /* Worker */
  guint64 job_seq;
  GMainLoop *loop;
  gboolean interrupted;
  guint finished;
  GstClockTime total_processing;
};

/* A long-lived pipeline, `appsrc ! imgcompressbin on-error=skip`, that
 * makes one image at a time: built when first needed, fed image after
 * image, torn down at the end of the run.  Building, negotiating and
 * tearing down a pipeline per image cost more than a small image's whole
 * processing. */
typedef struct _Worker Worker;

typedef struct
{
  ImgcompressBatch *batch;
  ImgcompressImage *image;
  Worker *worker;
  gchar *id; /* the image's id in its worker's stream */
} Job;

struct _Worker
{
  ImgcompressBatch *batch;
  GstElement *pipeline;
  GstElement *src;
  guint watch_id;
  Job *job; /* the image being made, NULL when idle */
  gboolean broken; /* a pipeline error: it makes no further image */
};

static void
output_free (gpointer data)
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

/* The image travels under its file name.  An event carries only UTF-8,
 * so the name is escaped first (injectively: a backslash is doubled), and
 * metricsink makes {name} of it by the library's rule. */
ImgcompressImage *
imgcompress_image_new (const gchar *path, guint64 input_bytes)
{
  ImgcompressImage *image = g_new0 (ImgcompressImage, 1);
  gchar *base = g_path_get_basename (path);

  image->path = g_strdup (path);
  image->stream_name = gst_imgcompress_escape_for_display (base);
  image->name = gst_imgcompress_name_component (image->stream_name);
  image->planned = g_ptr_array_new_with_free_func (g_free);
  image->input_bytes = input_bytes;
  image->outputs = g_ptr_array_new_with_free_func (output_free);
  g_free (base);
  return image;
}

void
imgcompress_image_free (ImgcompressImage *image)
{
  g_free (image->path);
  g_free (image->stream_name);
  g_free (image->name);
  g_ptr_array_unref (image->planned);
  g_free (image->error);
  g_free (image->warning);
  g_ptr_array_unref (image->outputs);
  g_free (image);
}

/* With --thumbnails-first every image is decoded once for all its
 * variants, but the files of the larger ones are held under their temporary
 * names (metricsink's hold) until every image has its thumbnail: then they
 * are renamed into place, image by image.  No larger file is visible
 * before every thumbnail exists, and no image is decoded twice. */
static void
plan_variants (ImgcompressBatch *batch)
{
  const ImgcompressConfig *config = batch->options.config;
  GString *hold = g_string_new (NULL);
  guint i;

  batch->variants = imgcompress_config_variants_string (config);
  if (batch->options.thumbnails_first) {
    for (i = 1; i < config->variants->len; i++)
      g_string_append_printf (hold, "%s%s", i > 1 ? "," : "",
          g_array_index (config->variants, GstImgcompressVariantInfo, i)
              .variant);
  }
  batch->hold_variants = g_string_free (hold, FALSE);
}

/* The header tells what an image will cost; an unreadable one is left to
 * the pipeline to refuse, at the default estimate. */
static guint64
estimate_image_memory (const gchar *path, guint64 input_bytes,
    guint max_dimension)
{
  GstImgcompressHeaderInfo info;
  GstImgcompressSniffResult res = GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA;
  gsize want = HEADER_READ_FIRST;
  guint8 *data = NULL;
  gssize got = 0;
  int fd;

  /* A pipe or device would give its bytes to this read, not to the image. */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    return IMGCOMPRESS_BYTES_PER_IMAGE;
  fd = g_open (path, O_RDONLY, 0);
  if (fd < 0)
    return IMGCOMPRESS_BYTES_PER_IMAGE;
  while (res == GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA &&
      want <= HEADER_READ_MAX) {
    data = g_realloc (data, want);
    if (lseek (fd, 0, SEEK_SET) != 0)
      break;
    got = read (fd, data, want);
    if (got <= 0)
      break;
    res = gst_imgcompress_sniff_header (data, got, &info);
    if (res != GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA || (gsize) got < want)
      break;
    want = MAX (info.needed, want * 2);
  }
  close (fd);
  g_free (data);
  if (res != GST_IMGCOMPRESS_SNIFF_OK)
    return IMGCOMPRESS_BYTES_PER_IMAGE;
  return gst_imgcompress_estimate_working_set (&info, input_bytes,
      max_dimension);
}

static void
estimate_working_sets (ImgcompressBatch *batch)
{
  const GArray *variants = batch->options.config->variants;
  guint max_dimension, i;

  /* Variants are ordered smallest first. */
  max_dimension =
      g_array_index (variants, GstImgcompressVariantInfo, variants->len - 1)
          .max_dimension;
  for (i = 0; i < batch->images->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (batch->images, i);
    image->working_set =
        estimate_image_memory (image->path, image->input_bytes, max_dimension);
  }
}

static gint
compare_input_bytes_desc (gconstpointer a, gconstpointer b)
{
  const ImgcompressImage *ia = *(ImgcompressImage **) a;
  const ImgcompressImage *ib = *(ImgcompressImage **) b;

  return (ia->input_bytes < ib->input_bytes) -
      (ia->input_bytes > ib->input_bytes);
}

/* In parallel, the largest images start first, so that no big image is
 * left running alone at the end (longest-processing-time-first); one at a
 * time, the given order is kept. */
static void
plan_order (ImgcompressBatch *batch)
{
  guint i;

  batch->order = g_ptr_array_sized_new (batch->images->len);
  for (i = 0; i < batch->images->len; i++)
    g_ptr_array_add (batch->order, g_ptr_array_index (batch->images, i));
  if (batch->in_flight_limit > 1)
    g_ptr_array_sort (batch->order, compare_input_bytes_desc);
}

ImgcompressBatch *
imgcompress_batch_new (const ImgcompressBatchOptions *options,
    GPtrArray *images)
{
  ImgcompressBatch *batch = g_new0 (ImgcompressBatch, 1);
  guint limit;

  batch->options = *options;
  batch->images = images;
  batch->workers = g_ptr_array_new ();
  batch->held = g_ptr_array_new ();
  batch->loop = g_main_loop_new (NULL, FALSE);

  /* The seed: fewer than 5 images run one after another. */
  limit = images->len < 5 ? 1 : MAX (options->threads, 1);
  if (options->chunk_size > 0)
    limit = MIN (limit, options->chunk_size);
  batch->in_flight_limit = limit;
  /* Adapting may go up to the core count, never past the chunk size. */
  batch->max_in_flight = MAX (g_get_num_processors (), limit);
  if (options->chunk_size > 0)
    batch->max_in_flight = MIN (batch->max_in_flight, options->chunk_size);
  if (images->len < 5)
    batch->max_in_flight = 1;

  plan_variants (batch);
  estimate_working_sets (batch);
  plan_order (batch);
  return batch;
}

void
imgcompress_batch_free (ImgcompressBatch *batch)
{
  g_free (batch->variants);
  g_free (batch->hold_variants);
  g_ptr_array_unref (batch->held);
  g_ptr_array_unref (batch->order);
  g_ptr_array_unref (batch->workers);
  g_main_loop_unref (batch->loop);
  g_free (batch);
}

guint
imgcompress_batch_in_flight_limit (ImgcompressBatch *batch)
{
  return batch->in_flight_limit;
}

gboolean
imgcompress_batch_was_interrupted (ImgcompressBatch *batch)
{
  return batch->interrupted;
}

static void
record_output (Job *job, GstMessage *msg, const GstImgcompressMetrics *m)
{
  ImgcompressOutput *o = g_new0 (ImgcompressOutput, 1);
  ImgcompressBatch *batch = job->batch;

  o->variant = g_strdup (m->variant);
  o->format = g_strdup (m->format);
  o->location = g_strdup (m->location);
  o->held_location = g_strdup (m->held_location);
  o->width = m->width;
  o->height = m->height;
  o->quality = m->quality;
  o->bytes = m->output_bytes;
  o->ratio = m->compression_ratio;
  o->processing_time = m->processing_time;
  o->written_at_us = g_get_monotonic_time ();
  o->has_id =
      gst_imgcompress_file_id_from_structure (gst_message_get_structure (msg),
          &o->id);
  g_ptr_array_add (job->image->outputs, o);

  if (GST_CLOCK_TIME_IS_VALID (m->processing_time))
    job->image->processing_time =
        MAX (job->image->processing_time, m->processing_time);
  if (m->input_bytes > 0)
    job->image->input_bytes = m->input_bytes;

  /* a held file is announced when it is in place */
  if (batch->options.on_output && o->held_location == NULL)
    batch->options.on_output (batch, job->image, batch->options.user_data);
}

static void schedule (ImgcompressBatch *batch);
static void destroy_worker (Worker *worker);
static void stop_worker_pipeline (Worker *worker);

static gdouble
memory_used_fraction (void)
{
  gchar *contents = NULL, *p;
  guint64 total = 0, avail = 0;

  if (!g_file_get_contents ("/proc/meminfo", &contents, NULL, NULL))
    return 0;
  if ((p = strstr (contents, "MemTotal:")))
    total = g_ascii_strtoull (p + 9, NULL, 10);
  if ((p = strstr (contents, "MemAvailable:")))
    avail = g_ascii_strtoull (p + 13, NULL, 10);
  g_free (contents);
  return total ? 1.0 - (gdouble) avail / total : 0;
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

/* The seed's AdaptiveCompressionService: slow images and idle cores call
 * for more parallelism, memory pressure for less. */
static void
adapt_in_flight_limit (ImgcompressBatch *batch)
{
  guint old = batch->in_flight_limit;
  gdouble mean_s;

  if (batch->finished == 0)
    return;
  mean_s = (gdouble) batch->total_processing / batch->finished / GST_SECOND;

  if (memory_used_fraction () > 0.8 && batch->in_flight_limit > 1) {
    batch->in_flight_limit--;
  } else if (mean_s > 1.0 && batch->in_flight_limit < batch->max_in_flight &&
      load_average () < g_get_num_processors () * 0.9) {
    batch->in_flight_limit++;
  }

  if (batch->in_flight_limit != old && batch->options.verbose)
    g_printerr (_ ("imgcompress: in-flight limit %u -> %u (mean %.2f s per "
                   "image, memory %.0f %% used)\n"),
        old, batch->in_flight_limit, mean_s, memory_used_fraction () * 100);
}

/* Another hand may have removed files (or the whole output directory)
 * while the image was being made: then it is not done, and what is left of
 * it goes too. */
static void
check_outputs_exist (ImgcompressImage *image)
{
  guint i;

  for (i = 0; i < image->outputs->len; i++) {
    ImgcompressOutput *o = g_ptr_array_index (image->outputs, i);
    const gchar *path = o->held_location ? o->held_location : o->location;

    if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
      gchar *shown = gst_imgcompress_escape_for_display (o->location);

      image->failed = TRUE;
      g_free (image->error);
      image->error = g_strdup_printf (_ ("%s disappeared while the image was "
                                         "being made"),
          shown);
      g_free (shown);
      return;
    }
  }
}

static gboolean
has_held_outputs (const ImgcompressImage *image)
{
  guint i;

  for (i = 0; i < image->outputs->len; i++) {
    ImgcompressOutput *o = g_ptr_array_index (image->outputs, i);

    if (o->held_location != NULL)
      return TRUE;
  }
  return FALSE;
}

static void
report_image_done (ImgcompressBatch *batch, ImgcompressImage *image)
{
  if (image->failed) {
    imgcompress_outputs_remove_own (image);
    /* the failure, reported again as a warning by imgcompressbin */
    if (g_strcmp0 (image->warning, image->error) == 0)
      g_clear_pointer (&image->warning, g_free);
  }
  image->done = TRUE;
  batch->finished++;
  if (!image->failed)
    batch->total_processing += image->processing_time;
  if (batch->options.on_image_done)
    batch->options.on_image_done (batch, image, batch->options.user_data);
  adapt_in_flight_limit (batch);
}

static void
finish_job (Job *job)
{
  ImgcompressBatch *batch = job->batch;
  ImgcompressImage *image = job->image;
  Worker *worker = job->worker;

  worker->job = NULL;
  if (worker->broken)
    destroy_worker (worker);
  batch->jobs = g_list_remove (batch->jobs, job);
  batch->running--;
  batch->in_flight_bytes -= image->working_set;

  if (!image->failed)
    check_outputs_exist (image);
  if (!image->failed && has_held_outputs (image))
    g_ptr_array_add (batch->held, image);
  else
    report_image_done (batch, image);
  g_free (job->id);
  g_free (job);

  schedule (batch);
}

/* Puts an image's held files in place, in the order they were made; the
 * first that cannot be (another writer took its name meanwhile) fails the
 * image, and what it had made goes. */
static void
commit_held_outputs (ImgcompressBatch *batch, ImgcompressImage *image)
{
  GstImgcompressFileFlags flags = GST_IMGCOMPRESS_FILE_FLAG_NONE;
  GError *error = NULL;
  guint i;

  if (batch->options.overwrite || batch->options.skip_existing)
    flags |= GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE;
  for (i = 0; i < image->outputs->len && !image->failed; i++) {
    ImgcompressOutput *o = g_ptr_array_index (image->outputs, i);

    if (o->held_location == NULL)
      continue;
    if (!gst_imgcompress_file_commit_held (o->held_location, o->location, flags,
            &o->id, &error)) {
      image->failed = TRUE;
      g_free (image->error);
      image->error = g_strdup (error->message);
      g_clear_error (&error);
    } else {
      o->has_id = TRUE;
      o->written_at_us = g_get_monotonic_time ();
      if (batch->options.on_output)
        batch->options.on_output (batch, image, batch->options.user_data);
    }
    /* committed, or removed by the failed commit */
    g_clear_pointer (&o->held_location, g_free);
  }
  report_image_done (batch, image);
}

/* An interrupted run puts no held file in place: the images that waited
 * keep the files already visible (their thumbnails) and are not done. */
static void
discard_all_held (ImgcompressBatch *batch)
{
  guint i, j;

  for (i = 0; i < batch->held->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (batch->held, i);

    for (j = image->outputs->len; j > 0; j--) {
      ImgcompressOutput *o = g_ptr_array_index (image->outputs, j - 1);

      /* output_free() removes the held file */
      if (o->held_location != NULL)
        g_ptr_array_remove_index (image->outputs, j - 1);
    }
  }
  g_ptr_array_set_size (batch->held, 0);
}

/* Every image has its thumbnail: the held files follow. */
static void
commit_all_held (ImgcompressBatch *batch)
{
  guint i;

  for (i = 0; i < batch->held->len; i++)
    commit_held_outputs (batch, g_ptr_array_index (batch->held, i));
  g_ptr_array_set_size (batch->held, 0);
}

static void
fail_job (Job *job, const gchar *error)
{
  job->image->failed = TRUE;
  g_free (job->image->error);
  job->image->error = g_strdup (error);
}

static gboolean
message_is_for_job (const gchar *image_id, const Job *job)
{
  return job != NULL && g_strcmp0 (image_id, job->id) == 0;
}

/* The image's files come one metrics message each as they are written; its
 * image-done message, after the last of them, ends it. */
static void
on_worker_element_message (Worker *worker, GstMessage *msg)
{
  Job *job = worker->job;
  GstImgcompressImageInfo image;
  GstImgcompressMetrics m;
  GError *error;

  if (gst_imgcompress_metrics_message_parse (msg, &m)) {
    if (message_is_for_job (m.image_id, job))
      record_output (job, msg, &m);
    gst_imgcompress_metrics_clear (&m);
  } else if (gst_imgcompress_image_done_message_parse (msg, &image, NULL)) {
    if (message_is_for_job (image.id, job)) {
      error = gst_imgcompress_image_done_message_get_error (msg, NULL);
      if (error)
        fail_job (job, error->message);
      g_clear_error (&error);
      finish_job (job);
    }
    gst_imgcompress_image_info_clear (&image);
  }
}

static void
print_debug (Worker *worker, const gchar *debug)
{
  gchar *shown, *shown_debug;

  if (!worker->batch->options.verbose || debug == NULL || worker->job == NULL)
    return;
  shown = gst_imgcompress_escape_for_display (worker->job->image->path);
  shown_debug = gst_imgcompress_escape_for_display (debug);
  g_printerr ("imgcompress: %s: %s\n", shown, shown_debug);
  g_free (shown_debug);
  g_free (shown);
}

static gboolean
on_worker_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Worker *worker = user_data;
  GError *err = NULL;
  gchar *debug = NULL;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      on_worker_element_message (worker, msg);
      break;
    case GST_MESSAGE_WARNING:
      /* e.g. the first frame of an animation stands for the image; a
       * failed image's warning is dropped when it fails */
      gst_message_parse_warning (msg, &err, &debug);
      print_debug (worker, debug);
      if (worker->job && worker->job->image->warning == NULL)
        worker->job->image->warning = g_strdup (err->message);
      break;
    case GST_MESSAGE_ERROR:
      /* Not an image's fault (disk full, output directory gone): the
       * pipeline has stopped, and the image it was making fails. */
      gst_message_parse_error (msg, &err, &debug);
      worker->broken = TRUE;
      if (worker->job) {
        print_debug (worker, debug);
        fail_job (worker->job, err->message);
        stop_worker_pipeline (worker);
        finish_job (worker->job);
      }
      break;
    default:
      break;
  }
  g_clear_error (&err);
  g_free (debug);
  return G_SOURCE_CONTINUE;
}

static Worker *
make_worker (ImgcompressBatch *batch, GError **error)
{
  const ImgcompressConfig *config = batch->options.config;
  Worker *worker;
  GstElement *bin;
  GstBus *bus;
  gchar *name;

  bin = gst_element_factory_make ("imgcompressbin", NULL);
  if (bin == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        _ ("The imgcompress GStreamer plugins are not installed "
           "(imgcompressbin not found)."));
    return NULL;
  }
  worker = g_new0 (Worker, 1);
  worker->batch = batch;
  name = g_strdup_printf ("worker%u", batch->workers->len);
  worker->pipeline = gst_pipeline_new (name);
  g_free (name);
  worker->src = gst_element_factory_make ("appsrc", NULL);
  g_object_set (worker->src, "format", GST_FORMAT_BYTES, "max-bytes",
      (guint64) 0, NULL);
  g_object_set (bin, "output-dir", batch->options.outdir, "location",
      batch->options.location_template, "variants", batch->variants,
      "hold-variants", batch->hold_variants, "formats", config->formats,
      "max-pixels", config->max_pixels, "max-input-bytes",
      config->max_input_bytes, "overwrite",
      batch->options.overwrite || batch->options.skip_existing, NULL);
  gst_util_set_object_arg (G_OBJECT (bin), "adaptive",
      config->adaptive ? "file-size" : "off");
  gst_util_set_object_arg (G_OBJECT (bin), "on-error", "skip");
  gst_util_set_object_arg (G_OBJECT (bin), "icc", config->icc);
  gst_util_set_object_arg (G_OBJECT (bin), "metadata", config->metadata);
  gst_bin_add_many (GST_BIN (worker->pipeline), worker->src, bin, NULL);
  gst_element_link (worker->src, bin);

  bus = gst_element_get_bus (worker->pipeline);
  worker->watch_id = gst_bus_add_watch (bus, on_worker_message, worker);
  gst_object_unref (bus);
  g_ptr_array_add (batch->workers, worker);
  if (gst_element_set_state (worker->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE,
        _ ("Could not start the image pipeline."));
    destroy_worker (worker);
    return NULL;
  }
  return worker;
}

/* READY stops the streaming threads (metricsink removes its temporary
 * file) but keeps the bus: the files written meanwhile are still
 * announced there, and must be known before the image is rolled back. */
static void
stop_worker_pipeline (Worker *worker)
{
  GstBus *bus = gst_element_get_bus (worker->pipeline);
  GstMessage *msg;

  gst_element_set_state (worker->pipeline, GST_STATE_READY);
  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    GstImgcompressMetrics m;

    if (worker->job && gst_imgcompress_metrics_message_parse (msg, &m)) {
      if (message_is_for_job (m.image_id, worker->job))
        record_output (worker->job, msg, &m);
      gst_imgcompress_metrics_clear (&m);
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
  worker->broken = TRUE;
}

static void
destroy_worker (Worker *worker)
{
  g_source_remove (worker->watch_id);
  gst_element_set_state (worker->pipeline, GST_STATE_NULL);
  gst_object_unref (worker->pipeline);
  g_ptr_array_remove (worker->batch->workers, worker);
  g_free (worker);
}

static void
destroy_idle_workers (ImgcompressBatch *batch)
{
  guint i = 0;

  while (i < batch->workers->len) {
    Worker *worker = g_ptr_array_index (batch->workers, i);

    if (worker->job == NULL)
      destroy_worker (worker);
    else
      i++;
  }
}

static Worker *
idle_worker (ImgcompressBatch *batch, GError **error)
{
  guint i;

  for (i = 0; i < batch->workers->len; i++) {
    Worker *worker = g_ptr_array_index (batch->workers, i);

    if (worker->job == NULL && !worker->broken)
      return worker;
  }
  return make_worker (batch, error);
}

/* Opens the input without blocking (a FIFO or a device would hang the
 * open, and with it the main loop and its signal handling) and accepts
 * only a regular file.  Returns the fd, or -1 with @error set. */
static gint
open_input (const ImgcompressImage *image, GError **error)
{
  gchar *shown = gst_imgcompress_escape_for_display (image->path);
  struct stat st;
  gint fd, err;

  fd = open (image->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
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

/* The whole file, from the descriptor open_input() checked, in one buffer
 * flagged as the last of its image: the decoders need all of it before
 * they start, one read saves a thousand small buffers and the copy that
 * would join them, and a damaged image is reported at once. */
static GstBuffer *
read_input (const ImgcompressImage *image, gint fd, guint64 max_bytes,
    GError **error)
{
  /* One byte past max-input-bytes is enough for adaptivequality to refuse
   * the image with its own message: a huge file is not read whole. */
  gsize cap =
      max_bytes > 0 && max_bytes < G_MAXSIZE ? max_bytes + 1 : G_MAXSIZE;
  /* One byte more than the file's size: the read that finds its end
   * fits, instead of doubling the buffer for it. */
  gsize alloc = MIN (MAX (image->input_bytes + 1, 4096), cap);
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
      gchar *shown = gst_imgcompress_escape_for_display (image->path);

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

/* An image that fails before any pipeline runs (refused up front, an input
 * that cannot be read): reported as done. */
static void
report_failed_early (ImgcompressBatch *batch, ImgcompressImage *image)
{
  image->failed = TRUE;
  image->done = TRUE;
  batch->finished++;
  if (batch->options.on_image_done)
    batch->options.on_image_done (batch, image, batch->options.user_data);
}

/* The image goes into an idle worker's stream under its own name (not one
 * adaptivequality derives from a URI), so that metricsink writes the
 * planned paths, with an id that its messages carry back. */
static void
start_job (ImgcompressBatch *batch, ImgcompressImage *image)
{
  GError *error = NULL;
  GstBuffer *input = NULL;
  Worker *worker = NULL;
  Job *job;
  gint fd;

  fd = open_input (image, &error);
  if (fd >= 0) {
    input =
        read_input (image, fd, batch->options.config->max_input_bytes, &error);
    close (fd);
  }
  if (input != NULL) {
    worker = idle_worker (batch, &error);
    if (worker == NULL)
      gst_clear_buffer (&input);
  }
  if (input == NULL) {
    g_free (image->error);
    image->error = g_strdup (error->message);
    g_error_free (error);
    report_failed_early (batch, image);
    return;
  }

  job = g_new0 (Job, 1);
  job->batch = batch;
  job->image = image;
  job->worker = worker;
  job->id = g_strdup_printf ("%" G_GUINT64_FORMAT, batch->job_seq++);
  worker->job = job;
  batch->jobs = g_list_prepend (batch->jobs, job);
  batch->running++;
  batch->in_flight_bytes += image->working_set;

  gst_element_send_event (worker->src,
      gst_imgcompress_image_start_event_new (image->stream_name, job->id));
  gst_app_src_push_buffer (GST_APP_SRC (worker->src), input);
}

static gboolean
image_fits_in_budget (ImgcompressBatch *batch, ImgcompressImage *image)
{
  return batch->options.memory_budget == 0 || batch->running == 0 ||
      batch->in_flight_bytes + image->working_set <=
      batch->options.memory_budget;
}

/* Memory decides which image starts: the first of the remaining ones (the
 * largest, in parallel runs) whose estimated working set fits beside those
 * in flight is moved to the front.  FALSE when none fits now: a job must
 * finish first. */
static gboolean
bring_fitting_image_forward (ImgcompressBatch *batch)
{
  guint i;

  for (i = batch->next; i < batch->order->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (batch->order, i);

    if (image->done || image_fits_in_budget (batch, image)) {
      if (i != batch->next) {
        batch->order->pdata[i] = batch->order->pdata[batch->next];
        batch->order->pdata[batch->next] = image;
      }
      return TRUE;
    }
  }
  return FALSE;
}

static void
schedule (ImgcompressBatch *batch)
{
  if (batch->interrupted) {
    if (batch->running == 0)
      g_main_loop_quit (batch->loop);
    return;
  }

  while (batch->running < batch->in_flight_limit) {
    ImgcompressImage *image;

    if (batch->next >= batch->images->len) {
      if (batch->running > 0)
        return;
      destroy_idle_workers (batch);
      commit_all_held (batch);
      g_main_loop_quit (batch->loop);
      return;
    }
    if (!bring_fitting_image_forward (batch))
      return;
    image = g_ptr_array_index (batch->order, batch->next++);
    if (image->done)
      continue;
    /* refused before the run (imgcompress_outputs_refuse_collisions) */
    if (image->failed) {
      report_failed_early (batch, image);
      continue;
    }
    /* An image with only some of its files (an interrupted run) is made
     * again, its files replaced: make_worker() sets overwrite. */
    if (batch->options.skip_existing &&
        imgcompress_outputs_complete (batch->options.outdir, image,
            batch->options.days)) {
      if (batch->options.verbose) {
        gchar *shown = gst_imgcompress_escape_for_display (image->path);

        g_printerr (_ ("imgcompress: %s: every file exists, skipped\n"), shown);
        g_free (shown);
      }
      image->done = image->skipped = TRUE;
      batch->finished++;
      continue;
    }
    start_job (batch, image);
  }
}

static gboolean
start_in_idle (gpointer data)
{
  schedule (data);
  return G_SOURCE_REMOVE;
}

/* Runs every image; returns FALSE when any failed or the run was
 * interrupted. */
gboolean
imgcompress_batch_run (ImgcompressBatch *batch)
{
  guint i;

  g_idle_add (start_in_idle, batch);
  g_main_loop_run (batch->loop);
  destroy_idle_workers (batch);

  for (i = 0; i < batch->images->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (batch->images, i);
    if (image->failed || !image->done)
      return FALSE;
  }
  return !batch->interrupted;
}

/* Stops every running pipeline (each removes its temporary file on the
 * way down) and drops what the in-flight images had written. */
void
imgcompress_batch_interrupt (ImgcompressBatch *batch)
{
  GList *jobs, *l;

  batch->interrupted = TRUE;
  jobs = g_list_copy (batch->jobs);
  for (l = jobs; l != NULL; l = l->next) {
    Job *job = l->data;

    fail_job (job, _ ("interrupted"));
    stop_worker_pipeline (job->worker);
    finish_job (job);
  }
  g_list_free (jobs);
  destroy_idle_workers (batch);
  discard_all_held (batch);
  if (batch->running == 0)
    g_main_loop_quit (batch->loop);
}

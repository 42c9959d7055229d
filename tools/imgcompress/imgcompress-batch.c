/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Runs imgcompressbin pipelines in-process, a bounded number at once, on
 * one main loop: one pipeline per image (and pass), results from the bus. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
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
  gchar **pass_variants; /* variant string per pass */
  guint n_passes;
  guint pass;
  guint next; /* next image of the pass */
  guint running;
  guint64 in_flight_bytes; /* estimated working sets of the running jobs */
  guint in_flight_limit;
  guint max_in_flight;
  GList *jobs;
  GMainLoop *loop;
  gboolean interrupted;
  guint finished;
  GstClockTime total_processing;
};

typedef struct
{
  ImgcompressBatch *batch;
  ImgcompressImage *image;
  GstElement *pipeline;
  guint watch_id;
  gint input_fd; /* the input, opened and checked before the pipeline */
} Job;

static void
output_free (gpointer data)
{
  ImgcompressOutput *o = data;

  g_free (o->variant);
  g_free (o->format);
  g_free (o->location);
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

/* With --thumbnails-first the smallest variant of every image is made in a
 * first pass, the others in a second: no larger variant is written before
 * every thumbnail exists. */
static void
plan_passes (ImgcompressBatch *batch)
{
  const ImgcompressConfig *config = batch->options.config;
  ImgcompressConfig first = *config, rest = *config;

  if (!batch->options.thumbnails_first || config->variants->len < 2) {
    batch->pass_variants = g_new0 (gchar *, 2);
    batch->pass_variants[0] = imgcompress_config_variants_string (config);
    batch->n_passes = 1;
    return;
  }

  first.variants =
      g_array_sized_new (FALSE, TRUE, sizeof (GstImgcompressVariantInfo), 1);
  g_array_append_vals (first.variants, config->variants->data, 1);
  rest.variants = g_array_sized_new (FALSE, TRUE,
      sizeof (GstImgcompressVariantInfo), config->variants->len - 1);
  g_array_append_vals (rest.variants,
      &g_array_index (config->variants, GstImgcompressVariantInfo, 1),
      config->variants->len - 1);

  batch->pass_variants = g_new0 (gchar *, 3);
  batch->pass_variants[0] = imgcompress_config_variants_string (&first);
  batch->pass_variants[1] = imgcompress_config_variants_string (&rest);
  batch->n_passes = 2;
  /* The arrays share the config's strings: free only the containers. */
  g_array_free (first.variants, TRUE);
  g_array_free (rest.variants, TRUE);
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

  plan_passes (batch);
  estimate_working_sets (batch);
  plan_order (batch);
  return batch;
}

void
imgcompress_batch_free (ImgcompressBatch *batch)
{
  g_strfreev (batch->pass_variants);
  g_ptr_array_unref (batch->order);
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

  if (batch->options.on_output)
    batch->options.on_output (batch, job->image, batch->options.user_data);
}

static void schedule (ImgcompressBatch *batch);

/* Files the streaming threads wrote while the main loop was busy are
 * still on the bus: they must be known before a failed image is rolled
 * back. */
static void
collect_pending_outputs (Job *job)
{
  GstBus *bus = gst_element_get_bus (job->pipeline);
  GstMessage *msg;

  while ((msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ELEMENT)) != NULL) {
    GstImgcompressMetrics m;

    if (gst_imgcompress_metrics_message_parse (msg, &m)) {
      record_output (job, msg, &m);
      gst_imgcompress_metrics_clear (&m);
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
}

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

    if (!g_file_test (o->location, G_FILE_TEST_IS_REGULAR)) {
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

static void
finish_job (Job *job)
{
  ImgcompressBatch *batch = job->batch;
  ImgcompressImage *image = job->image;
  gboolean last_pass = batch->pass + 1 == batch->n_passes;

  g_source_remove (job->watch_id);
  /* READY stops the streaming threads but keeps the bus; NULL flushes it. */
  gst_element_set_state (job->pipeline, GST_STATE_READY);
  collect_pending_outputs (job);
  gst_element_set_state (job->pipeline, GST_STATE_NULL);
  gst_object_unref (job->pipeline);
  close (job->input_fd);
  batch->jobs = g_list_remove (batch->jobs, job);
  batch->running--;
  batch->in_flight_bytes -= image->working_set;

  if (!image->failed && last_pass)
    check_outputs_exist (image);
  if (image->failed)
    imgcompress_outputs_remove_own (image);
  if (image->failed || last_pass) {
    image->done = TRUE;
    batch->finished++;
    if (!image->failed)
      batch->total_processing += image->processing_time;
    if (batch->options.on_image_done)
      batch->options.on_image_done (batch, image, batch->options.user_data);
    adapt_in_flight_limit (batch);
  }
  g_free (job);

  schedule (batch);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  Job *job = user_data;
  GstImgcompressMetrics m;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_EOS:
      finish_job (job);
      return G_SOURCE_REMOVE;
    case GST_MESSAGE_ERROR: {
      GError *err = NULL;
      gchar *debug = NULL;

      gst_message_parse_error (msg, &err, &debug);
      job->image->failed = TRUE;
      g_free (job->image->error);
      job->image->error = g_strdup (err->message);
      if (job->batch->options.verbose && debug) {
        gchar *shown = gst_imgcompress_escape_for_display (job->image->path);
        gchar *shown_debug = gst_imgcompress_escape_for_display (debug);

        g_printerr ("imgcompress: %s: %s\n", shown, shown_debug);
        g_free (shown_debug);
        g_free (shown);
      }
      g_error_free (err);
      g_free (debug);
      finish_job (job);
      return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_WARNING:
      /* e.g. the first frame of an animation stands for the image */
      if (job->image->warning == NULL) {
        GError *err = NULL;

        gst_message_parse_warning (msg, &err, NULL);
        job->image->warning = g_strdup (err->message);
        g_error_free (err);
      }
      break;
    case GST_MESSAGE_ELEMENT:
      if (gst_imgcompress_metrics_message_parse (msg, &m)) {
        record_output (job, msg, &m);
        gst_imgcompress_metrics_clear (&m);
      }
      break;
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* The decoders need the whole file before they start: one read of it
 * saves a thousand 4 KiB buffers through the pipeline and the copy that
 * joins them (10 ms before the first thumbnail of a 4 MB photo).  A pipe
 * or an unknown size keeps filesrc's default. */
#define READ_WHOLE_FILE_UP_TO (64 * 1024 * 1024)

static void
set_read_block_size (GstElement *src, const ImgcompressImage *image)
{
  if (image->input_bytes == 0)
    return;
  g_object_set (src, "blocksize",
      (guint) MIN (image->input_bytes, READ_WHOLE_FILE_UP_TO), NULL);
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

/* filesrc reads the very file open_input() checked, through /proc, so
 * that a file swapped for a FIFO meanwhile cannot block it. */
static gchar *
checked_input_location (const ImgcompressImage *image, gint fd)
{
  gchar *proc = g_strdup_printf ("/proc/self/fd/%d", fd);

  if (g_file_test (proc, G_FILE_TEST_EXISTS))
    return proc;
  g_free (proc);
  return g_strdup (image->path);
}

/* The image travels under its own name (not one adaptivequality derives
 * from the URI), so that metricsink writes the planned paths. */
static void
set_stream_name (GstElement *bin, const ImgcompressImage *image)
{
  GstIterator *it = gst_bin_iterate_all_by_element_factory_name (GST_BIN (bin),
      "adaptivequality");
  GValue item = G_VALUE_INIT;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK) {
    g_object_set (g_value_get_object (&item), "image-name", image->stream_name,
        NULL);
    g_value_reset (&item);
  }
  g_value_unset (&item);
  gst_iterator_free (it);
}

static GstElement *
make_pipeline (ImgcompressBatch *batch, ImgcompressImage *image, gint fd,
    GError **error)
{
  const ImgcompressConfig *config = batch->options.config;
  GstElement *pipeline, *src, *bin;
  gchar *location;

  pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("filesrc", NULL);
  bin = gst_element_factory_make ("imgcompressbin", NULL);
  if (src == NULL || bin == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        _ ("The imgcompress GStreamer plugins are not installed "
           "(imgcompressbin not found)."));
    gst_clear_object (&src);
    gst_clear_object (&bin);
    gst_object_unref (pipeline);
    return NULL;
  }
  location = checked_input_location (image, fd);
  g_object_set (src, "location", location, NULL);
  g_free (location);
  set_read_block_size (src, image);
  g_object_set (bin, "output-dir", batch->options.outdir, "location",
      batch->options.location_template, "variants",
      batch->pass_variants[batch->pass], "formats", config->formats,
      "max-pixels", config->max_pixels, "max-input-bytes",
      config->max_input_bytes, "overwrite",
      batch->options.overwrite || batch->options.skip_existing, NULL);
  gst_util_set_object_arg (G_OBJECT (bin), "adaptive",
      config->adaptive ? "file-size" : "off");
  set_stream_name (bin, image);
  gst_bin_add_many (GST_BIN (pipeline), src, bin, NULL);
  gst_element_link (src, bin);
  return pipeline;
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

static void
start_job (ImgcompressBatch *batch, ImgcompressImage *image)
{
  Job *job;
  GError *error = NULL;
  GstElement *pipeline = NULL;
  GstBus *bus;
  gint fd;

  fd = open_input (image, &error);
  if (fd >= 0) {
    pipeline = make_pipeline (batch, image, fd, &error);
    if (pipeline == NULL)
      close (fd);
  }
  if (pipeline == NULL) {
    g_free (image->error);
    image->error = g_strdup (error->message);
    g_error_free (error);
    report_failed_early (batch, image);
    return;
  }

  job = g_new0 (Job, 1);
  job->batch = batch;
  job->image = image;
  job->pipeline = pipeline;
  job->input_fd = fd;
  bus = gst_element_get_bus (job->pipeline);
  job->watch_id = gst_bus_add_watch (bus, on_bus_message, job);
  gst_object_unref (bus);

  batch->jobs = g_list_prepend (batch->jobs, job);
  batch->running++;
  batch->in_flight_bytes += image->working_set;
  /* A refused input may fail the state change; its error is on the bus. */
  gst_element_set_state (job->pipeline, GST_STATE_PLAYING);
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
      /* A new pass starts once every image is through the previous one. */
      if (batch->running > 0)
        return;
      if (batch->pass + 1 >= batch->n_passes) {
        g_main_loop_quit (batch->loop);
        return;
      }
      batch->pass++;
      batch->next = 0;
      continue;
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
     * again, its files replaced: make_pipeline() sets overwrite. */
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
    job->image->failed = TRUE;
    g_free (job->image->error);
    job->image->error = g_strdup (_ ("interrupted"));
    finish_job (job);
  }
  g_list_free (jobs);
  if (batch->running == 0)
    g_main_loop_quit (batch->loop);
}

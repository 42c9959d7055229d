/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Runs imgcompressbin pipelines in-process, a bounded number at once, on
 * one main loop: long-lived pipelines (one per image in flight, and pass)
 * fed one image after another, results from their buses. */

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
#include "imgcompress-worker.h"

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
  GPtrArray *workers; /* Worker */
  GMainLoop *loop;
  gboolean interrupted;
  guint finished;
  GstClockTime total_processing;
};

/* One long-lived pipeline per image in flight and pass, fed one image
 * after another (imgcompress-worker.c). */
typedef struct _Worker Worker;

typedef struct
{
  ImgcompressBatch *batch;
  ImgcompressImage *image;
  Worker *worker;
} Job;

struct _Worker
{
  ImgcompressBatch *batch;
  ImgcompressWorker *pipeline;
  guint pass;
  Job *job; /* the image being made, NULL when idle */
};

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
  image->subdir = g_strdup ("");
  image->planned = g_ptr_array_new_with_free_func (g_free);
  image->input_bytes = input_bytes;
  image->outputs = g_ptr_array_new_with_free_func (imgcompress_output_free);
  g_free (base);
  return image;
}

/* The last failure of an image is the one told. */
void
imgcompress_image_fail (ImgcompressImage *image, ImgcompressFailure failure,
    const gchar *message)
{
  image->failed = TRUE;
  image->failure = failure;
  g_free (image->error);
  image->error = g_strdup (message);
}

void
imgcompress_image_free (ImgcompressImage *image)
{
  g_free (image->path);
  g_free (image->stream_name);
  g_free (image->name);
  g_free (image->subdir);
  g_free (image->location);
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
  batch->workers = g_ptr_array_new ();
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
on_output (ImgcompressWorker *pipeline, ImgcompressOutput *o,
    gpointer user_data)
{
  Worker *worker = user_data;
  Job *job = worker->job;
  ImgcompressBatch *batch = job->batch;

  g_ptr_array_add (job->image->outputs, o);
  if (GST_CLOCK_TIME_IS_VALID (o->processing_time))
    job->image->processing_time =
        MAX (job->image->processing_time, o->processing_time);
  if (o->input_bytes > 0)
    job->image->input_bytes = o->input_bytes;

  if (batch->options.on_output)
    batch->options.on_output (batch, job->image, batch->options.user_data);
}

static void schedule (ImgcompressBatch *batch);
static void destroy_worker (Worker *worker);

/* The seed's AdaptiveCompressionService, on the mean time per image. */
static void
adapt_in_flight_limit (ImgcompressBatch *batch)
{
  if (batch->finished == 0)
    return;
  batch->in_flight_limit =
      imgcompress_adapt_limit (batch->in_flight_limit, batch->max_in_flight,
          (gdouble) batch->total_processing / batch->finished / GST_SECOND,
          batch->options.verbose);
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
      gchar *message = g_strdup_printf (_ ("%s disappeared while the image "
                                           "was being made"),
          shown);

      imgcompress_image_fail (image, IMGCOMPRESS_FAILURE_OUTPUT_WRITE, message);
      g_free (message);
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
  Worker *worker = job->worker;
  gboolean last_pass = batch->pass + 1 == batch->n_passes;

  worker->job = NULL;
  if (imgcompress_worker_is_broken (worker->pipeline))
    destroy_worker (worker);
  batch->jobs = g_list_remove (batch->jobs, job);
  batch->running--;
  batch->in_flight_bytes -= image->working_set;

  if (!image->failed && last_pass)
    check_outputs_exist (image);
  if (image->failed) {
    imgcompress_outputs_remove_own (image);
    /* the failure, reported again as a warning by imgcompressbin */
    if (g_strcmp0 (image->warning, image->error) == 0)
      g_clear_pointer (&image->warning, g_free);
  }
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

static void
fail_job (Job *job, const GError *error)
{
  imgcompress_image_fail (job->image, imgcompress_failure_from_error (error),
      error->message);
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

/* e.g. the first frame of an animation stands for the image; a failed
 * image's warning is dropped when it fails */
static void
on_warning (ImgcompressWorker *pipeline, const GError *warning,
    const gchar *debug, gpointer user_data)
{
  Worker *worker = user_data;

  print_debug (worker, debug);
  if (worker->job->image->warning == NULL)
    worker->job->image->warning = g_strdup (warning->message);
}

static void
on_done (ImgcompressWorker *pipeline, const GstImgcompressImageInfo *info,
    const GError *error, const gchar *debug, gpointer user_data)
{
  Worker *worker = user_data;

  if (info) {
    if (info->format != GST_IMGCOMPRESS_FORMAT_UNKNOWN)
      worker->job->image->input_format =
          gst_imgcompress_format_to_string (info->format);
    worker->job->image->width = info->width;
    worker->job->image->height = info->height;
  }
  if (error) {
    if (imgcompress_worker_is_broken (pipeline))
      print_debug (worker, debug);
    fail_job (worker->job, error);
  }
  finish_job (worker->job);
}

static const ImgcompressWorkerCallbacks worker_callbacks = {
  on_output,
  on_warning,
  on_done,
};

static Worker *
make_worker (ImgcompressBatch *batch, GError **error)
{
  ImgcompressWorkerSettings settings = { 0 };
  Worker *worker = g_new0 (Worker, 1);
  gchar *name;

  settings.config = batch->options.config;
  settings.outdir = batch->options.outdir;
  settings.location_template = batch->options.location_template;
  settings.variants = batch->pass_variants[batch->pass];
  settings.overwrite = batch->options.overwrite || batch->options.skip_existing;
  worker->batch = batch;
  worker->pass = batch->pass;
  name = g_strdup_printf ("worker%u-pass%u", batch->workers->len, batch->pass);
  worker->pipeline = imgcompress_worker_new (name, &settings, &worker_callbacks,
      worker, error);
  g_free (name);
  if (worker->pipeline == NULL) {
    g_free (worker);
    return NULL;
  }
  g_ptr_array_add (batch->workers, worker);
  return worker;
}

static void
destroy_worker (Worker *worker)
{
  imgcompress_worker_free (worker->pipeline);
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

    if (worker->job == NULL &&
        !imgcompress_worker_is_broken (worker->pipeline) &&
        worker->pass == batch->pass)
      return worker;
  }
  return make_worker (batch, error);
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

  fd = imgcompress_open_input (image->path, &error);
  if (fd >= 0) {
    input = imgcompress_read_input (image->path, fd, image->input_bytes,
        batch->options.config->max_input_bytes, &error);
    close (fd);
  }
  if (input != NULL) {
    worker = idle_worker (batch, &error);
    if (worker == NULL)
      gst_clear_buffer (&input);
  }
  if (input == NULL) {
    imgcompress_image_fail (image, imgcompress_failure_from_error (error),
        error->message);
    g_error_free (error);
    report_failed_early (batch, image);
    return;
  }

  job = g_new0 (Job, 1);
  job->batch = batch;
  job->image = image;
  job->worker = worker;
  worker->job = job;
  imgcompress_worker_set_location (worker->pipeline,
      image->location ? image->location : batch->options.location_template);
  batch->jobs = g_list_prepend (batch->jobs, job);
  batch->running++;
  batch->in_flight_bytes += image->working_set;

  imgcompress_worker_push (worker->pipeline, image->stream_name, input);
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
      destroy_idle_workers (batch);
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

    imgcompress_image_fail (job->image, IMGCOMPRESS_FAILURE_INTERRUPTED,
        _ ("interrupted"));
    imgcompress_worker_stop (job->worker->pipeline);
    finish_job (job);
  }
  g_list_free (jobs);
  destroy_idle_workers (batch);
  if (batch->running == 0)
    g_main_loop_quit (batch->loop);
}

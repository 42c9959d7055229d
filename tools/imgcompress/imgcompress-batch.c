/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Runs imgcompressbin pipelines in-process, a bounded number at once, on
 * one main loop: long-lived pipelines (one per image in flight and kind)
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

/* What a long-lived pipeline makes of each image.  With
 * --thumbnails-first an image is made in one pass by a WORKER_ALL that
 * holds its larger files until every thumbnail exists; a progressive JPEG
 * instead has its thumbnail made first by a WORKER_FIRST from its DC scans
 * alone (turbojpegdec reads nothing else at that scale), and its other
 * variants in a second pass by a WORKER_REST.  No image is decoded twice
 * over: the DC scans are a small part of a progressive file. */
typedef enum
{
  WORKER_ALL,
  WORKER_FIRST,
  WORKER_REST,
  N_WORKER_KINDS
} WorkerKind;

struct _ImgcompressBatch
{
  ImgcompressBatchOptions options;
  GPtrArray *images; /* ImgcompressImage, owned by the caller */
  GPtrArray *order; /* the same images, in the order they run */
  gchar *variants[N_WORKER_KINDS]; /* the variant string of each kind */
  gchar *hold_variants; /* --thumbnails-first: the files held */
  guint n_passes;
  guint pass;
  guint next; /* next image of the pass */
  GPtrArray *held; /* made images whose held files wait for the others */
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

/* One long-lived pipeline per image in flight and kind, fed one image
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
  WorkerKind kind;
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

/* The variant string of @config's variants from @first to @last. */
static gchar *
variants_string (const ImgcompressConfig *config, guint first, guint last)
{
  ImgcompressConfig part = *config;
  gchar *str;

  part.variants = g_array_sized_new (FALSE, TRUE,
      sizeof (GstImgcompressVariantInfo), last - first + 1);
  g_array_append_vals (part.variants,
      &g_array_index (config->variants, GstImgcompressVariantInfo, first),
      last - first + 1);
  str = imgcompress_config_variants_string (&part);
  /* the array shares the config's strings: free only the container */
  g_array_free (part.variants, TRUE);
  return str;
}

static void
plan_variants (ImgcompressBatch *batch)
{
  const ImgcompressConfig *config = batch->options.config;
  guint last = config->variants->len - 1, i;
  GString *hold = g_string_new (NULL);

  batch->variants[WORKER_ALL] = imgcompress_config_variants_string (config);
  batch->n_passes = 1;
  if (batch->options.thumbnails_first && last > 0) {
    batch->variants[WORKER_FIRST] = variants_string (config, 0, 0);
    batch->variants[WORKER_REST] = variants_string (config, 1, last);
    for (i = 1; i <= last; i++)
      g_string_append_printf (hold, "%s%s", i > 1 ? "," : "",
          g_array_index (config->variants, GstImgcompressVariantInfo, i)
              .variant);
    batch->n_passes = 2;
  }
  batch->hold_variants = g_string_free (hold, FALSE);
}

/* The header tells what an image will cost; an unreadable one is left to
 * the pipeline to refuse, at the default estimate. */
static guint64
estimate_image_memory (const gchar *path, guint64 input_bytes,
    guint max_dimension, gboolean *progressive_jpeg)
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
  *progressive_jpeg =
      info.format == GST_IMGCOMPRESS_FORMAT_JPEG && info.progressive;
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
    gboolean progressive_jpeg = FALSE;

    image->working_set = estimate_image_memory (image->path, image->input_bytes,
        max_dimension, &progressive_jpeg);
    image->thumbnail_apart = batch->n_passes > 1 && progressive_jpeg;
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
  guint i;

  for (i = 0; i < N_WORKER_KINDS; i++)
    g_free (batch->variants[i]);
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

  /* a held file is announced when it is in place */
  if (batch->options.on_output && o->held_location == NULL)
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

    const gchar *path = o->held_location ? o->held_location : o->location;

    if (!g_file_test (path, G_FILE_TEST_IS_REGULAR)) {
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

/* Whether the job was the image's last: a thumbnail made apart is
 * followed by the rest in the next pass. */
static gboolean
is_last_job (const Job *job)
{
  return job->worker->kind != WORKER_FIRST;
}

static void
finish_job (Job *job)
{
  ImgcompressBatch *batch = job->batch;
  ImgcompressImage *image = job->image;
  Worker *worker = job->worker;
  gboolean last = is_last_job (job);

  worker->job = NULL;
  if (imgcompress_worker_is_broken (worker->pipeline))
    destroy_worker (worker);
  batch->jobs = g_list_remove (batch->jobs, job);
  batch->running--;
  batch->in_flight_bytes -= image->working_set;

  if (!image->failed && last)
    check_outputs_exist (image);
  if (!image->failed && last && has_held_outputs (image))
    g_ptr_array_add (batch->held, image);
  else if (image->failed || last)
    report_image_done (batch, image);
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
      imgcompress_image_fail (image, IMGCOMPRESS_FAILURE_OUTPUT_WRITE,
          error->message);
      g_clear_error (&error);
    } else {
      o->has_id = TRUE;
      o->written_at_us = g_get_real_time ();
      if (batch->options.on_output)
        batch->options.on_output (batch, image, batch->options.user_data);
    }
    /* committed, or removed by the failed commit */
    g_clear_pointer (&o->held_location, g_free);
  }
  report_image_done (batch, image);
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

      /* imgcompress_output_free() removes the held file */
      if (o->held_location != NULL)
        g_ptr_array_remove_index (image->outputs, j - 1);
    }
  }
  g_ptr_array_set_size (batch->held, 0);
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
make_worker (ImgcompressBatch *batch, WorkerKind kind, GError **error)
{
  ImgcompressWorkerSettings settings = { 0 };
  Worker *worker = g_new0 (Worker, 1);
  gchar *name;

  settings.config = batch->options.config;
  settings.outdir = batch->options.outdir;
  settings.location_template = batch->options.location_template;
  settings.variants = batch->variants[kind];
  if (kind == WORKER_ALL)
    settings.hold_variants = batch->hold_variants;
  settings.overwrite = batch->options.overwrite || batch->options.skip_existing;
  worker->batch = batch;
  worker->kind = kind;
  name = g_strdup_printf ("worker%u-kind%u", batch->workers->len, kind);
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
idle_worker (ImgcompressBatch *batch, WorkerKind kind, GError **error)
{
  guint i;

  for (i = 0; i < batch->workers->len; i++) {
    Worker *worker = g_ptr_array_index (batch->workers, i);

    if (worker->job == NULL &&
        !imgcompress_worker_is_broken (worker->pipeline) &&
        worker->kind == kind)
      return worker;
  }
  return make_worker (batch, kind, error);
}

/* An image that fails before its pipeline runs (refused up front, an input
 * that cannot be read): reported as done, without what an earlier pass
 * made of it. */
static void
report_failed_early (ImgcompressBatch *batch, ImgcompressImage *image)
{
  image->failed = TRUE;
  report_image_done (batch, image);
}

/* The image goes into an idle worker's stream under its own name (not one
 * adaptivequality derives from a URI), so that metricsink writes the
 * planned paths, with an id that its messages carry back. */
static void
start_job (ImgcompressBatch *batch, ImgcompressImage *image, WorkerKind kind)
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
    worker = idle_worker (batch, kind, &error);
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
  batch->jobs = g_list_prepend (batch->jobs, job);
  batch->running++;
  batch->in_flight_bytes += image->working_set;

  imgcompress_worker_set_location (worker->pipeline,
      image->location ? image->location : batch->options.location_template);
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
      /* A new pass starts once every image is through the previous one:
       * then every thumbnail exists, and the held files follow. */
      if (batch->running > 0)
        return;
      destroy_idle_workers (batch);
      commit_all_held (batch);
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
    /* the second pass is for the thumbnails made apart */
    if (image->done || (batch->pass > 0 && !image->thumbnail_apart))
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
    if (batch->pass > 0)
      start_job (batch, image, WORKER_REST);
    else
      start_job (batch, image,
          image->thumbnail_apart ? WORKER_FIRST : WORKER_ALL);
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
  discard_all_held (batch);
  if (batch->running == 0)
    g_main_loop_quit (batch->loop);
}

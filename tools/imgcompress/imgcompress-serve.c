/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgcompress serve: the seed's upload service on libsoup 3.
 *
 * An upload is spooled to OUTDIR/.uploads as it arrives (one copy of it,
 * on disk), its thumbnail is made by a long-lived thumbnail pipeline
 * before the answer, and its larger variants by background pipelines fed
 * from a bounded queue.  Everything runs on one main loop: libsoup's
 * connections, the pipelines' buses, the timers.  docs/service.md is the
 * API reference. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgcompress-outputs.h"
#include "imgcompress-prometheus.h"
#include "imgcompress-queue.h"
#include "imgcompress-redis.h"
#include "imgcompress-report.h"
#include "imgcompress-serve.h"
#include "imgcompress-worker.h"

#define STALE_TEMP_AGE_S 3600
#define SWEEP_INTERVAL_S 3600
#define SPOOL_DIR ".uploads"
#define ID_LEN 32
#define MAX_WAIT_S 300
#define ADAPT_WINDOW 16
#define RESULTS_POLL_MS 100
#define RESULTS_PER_READ "100"
#define REDIS_TIMEOUT_S 2

typedef enum
{
  TASK_THUMBNAIL, /* its thumbnail is being made, the upload waits */
  TASK_QUEUED,
  TASK_RUNNING,
  TASK_DONE,
  TASK_FAILED,
} TaskStatus;

static const gchar *const status_names[] = { "thumbnail", "queued", "running",
  "done", "failed" };

typedef enum
{
  REJECT_UNAUTHORIZED,
  REJECT_BODY_TOO_LARGE,
  REJECT_QUEUE_FULL,
  REJECT_NOT_AN_IMAGE,
  REJECT_SHUTTING_DOWN,
  REJECT_N
} Rejection;

static const gchar *const rejection_names[REJECT_N] = { "unauthorized",
  "body_too_large", "queue_full", "not_an_image", "shutting_down" };

typedef struct _Server Server;

/* A request paused until its answer is known; libsoup may abort it (the
 * client went away) meanwhile. */
typedef struct
{
  SoupServerMessage *msg;
  gboolean gone;
} Paused;

typedef struct
{
  Server *server;
  gchar *id;
  gchar *name;
  gchar *spool; /* the upload, until its last pass */
  guint64 input_bytes;
  GstImgcompressFormat input_format;
  guint width;
  guint height;
  TaskStatus status;
  gchar *error;
  ImgcompressFailure failure;
  GPtrArray *outputs; /* ImgcompressOutput, the thumbnail's first */
  guint n_thumbnail_outputs;
  GstClockTime pass_time; /* the longest output of the running pass */
  GstClockTime processing_time; /* both passes */
  Paused *upload; /* the POST waiting for the thumbnail */
  GList *waiters; /* Waiter: GET ?wait= */
  gint64 finished_us;
  gboolean remote; /* its background variants are a job on Redis */
} Task;

typedef struct
{
  Server *server;
  ImgcompressWorker *pipeline;
  gboolean thumbnail;
  Task *task;
} ServeWorker;

typedef struct
{
  Task *task;
  Paused *paused;
  guint timeout_id;
} Waiter;

struct _Server
{
  const ImgcompressServeOptions *opts;
  const ImgcompressConfig *config;
  gchar *outdir;
  gchar *spooldir;
  gchar *token;
  gchar *variants[2]; /* thumbnail pass, background pass (NULL: none) */
  gchar *location_template;
  SoupServer *soup;
  GMainLoop *loop;
  GPtrArray *workers; /* ServeWorker */
  GQueue thumbnails; /* Task waiting for a thumbnail pipeline */
  GQueue queue; /* Task waiting for a background pipeline */
  GHashTable *tasks; /* id -> Task */
  guint running[2]; /* thumbnail, background */
  guint limit;
  guint max_limit;
  gdouble recent_s[ADAPT_WINDOW]; /* processing seconds of the last images */
  guint n_recent;
  guint64 rejections[REJECT_N];
  ImgcompressPrometheus *prom;
  guint n_spools; /* uploads being read */
  gboolean draining;
  gboolean quitting;
  ImgcompressRedis *redis; /* --redis: the background pass's workers */
  gchar *results_stream;
  gchar *results_last; /* the last result entry read */
  guint n_remote; /* tasks whose result has not come */
  gboolean redis_down_logged;
};

/* --- options ----------------------------------------------------------- */

/* The service's own options, beside the batch's shared ones in
 * `imgcompress serve --help`; a copy to add to a context's main entries
 * (g_free it after parsing). */
GOptionEntry *
imgcompress_serve_option_entries (ImgcompressServeOptions *opts)
{
  const GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING, &opts->listen,
        N_ ("Address and port to listen on (default 127.0.0.1:8080; port 0 "
            "picks a free one)"),
        "ADDR:PORT" },
    { "auth-token-file", 0, 0, G_OPTION_ARG_FILENAME, &opts->auth_token_file,
        N_ ("Require 'Authorization: Bearer TOKEN', TOKEN read from this "
            "file"),
        "FILE" },
    { "max-body-bytes", 0, 0, G_OPTION_ARG_INT64, &opts->max_body_bytes,
        N_ ("Refuse larger uploads with 413 (default 52428800, 50 MiB)"),
        "BYTES" },
    { "queue-size", 0, 0, G_OPTION_ARG_INT, &opts->queue_size,
        N_ ("Uploads being received or waiting for a pipeline, at most; "
            "more get 503 (default 64)"),
        "N" },
    { "read-timeout", 0, 0, G_OPTION_ARG_INT, &opts->read_timeout_s,
        N_ ("Drop a client silent for this many seconds (default 30)"),
        "SECONDS" },
    { "redis", 0, 0, G_OPTION_ARG_STRING, &opts->redis_url,
        N_ ("Put the background variants on a Redis stream for 'imgcompress "
            "worker' (redis://HOST[:PORT][/DB] or unix:///PATH; OUTDIR on "
            "storage the workers share)"),
        "URL" },
    { "stream", 0, 0, G_OPTION_ARG_STRING, &opts->stream,
        N_ ("With --redis: the workers' job stream (required)"), "NAME" },
    { "results-stream", 0, 0, G_OPTION_ARG_STRING, &opts->results_stream,
        N_ ("With --redis: the stream the workers add results to (default "
            "STREAM:results)"),
        "NAME" },
    { NULL }
  };

  opts->max_body_bytes = IMGCOMPRESS_SERVE_DEFAULT_MAX_BODY;
  opts->queue_size = IMGCOMPRESS_SERVE_DEFAULT_QUEUE;
  opts->read_timeout_s = IMGCOMPRESS_SERVE_DEFAULT_READ_TIMEOUT;
  return g_memdup2 (entries, sizeof (entries));
}

void
imgcompress_serve_options_clear (ImgcompressServeOptions *opts)
{
  g_free (opts->listen);
  g_free (opts->auth_token_file);
  g_free (opts->redis_url);
  g_free (opts->stream);
  g_free (opts->results_stream);
}

/* --- tasks -------------------------------------------------------------- */

static gchar *
new_id (void)
{
  GString *s = g_string_sized_new (ID_LEN);
  guint i;

  for (i = 0; i < ID_LEN / 8; i++)
    g_string_append_printf (s, "%08x", g_random_int ());
  return g_string_free (s, FALSE);
}

static gboolean
is_id (const gchar *s, gsize len)
{
  gsize i;

  if (len != ID_LEN)
    return FALSE;
  for (i = 0; i < len; i++)
    if (!g_ascii_isxdigit (s[i]) || g_ascii_isupper (s[i]))
      return FALSE;
  return TRUE;
}

static void
remove_spool (Task *task)
{
  if (task->spool)
    g_unlink (task->spool);
  g_clear_pointer (&task->spool, g_free);
}

static void
task_free (gpointer data)
{
  Task *task = data;

  g_assert (task->waiters == NULL && task->upload == NULL);
  /* a job still on Redis reads its upload after this process has gone;
   * the hourly sweep of stale temporary files removes it in the end */
  if (task->remote && task->status == TASK_QUEUED)
    g_clear_pointer (&task->spool, g_free);
  remove_spool (task);
  g_free (task->id);
  g_free (task->name);
  g_free (task->error);
  g_ptr_array_unref (task->outputs);
  g_free (task);
}

/* Files of a failed pass go, those of a pass that succeeded stay: each
 * removed only if it is still the file this pass wrote. */
static void
remove_outputs_from (Task *task, guint first)
{
  while (task->outputs->len > first) {
    ImgcompressOutput *o = g_ptr_array_index (task->outputs, first);

    if (o->has_id)
      gst_imgcompress_file_remove_if_same (o->location, &o->id);
    g_ptr_array_remove_index (task->outputs, first);
  }
}

/* --- JSON answers ------------------------------------------------------- */

static void
set_json (SoupServerMessage *msg, guint status, JsonBuilder *builder)
{
  JsonNode *root = json_builder_get_root (builder);
  gsize len;
  gchar *text = json_to_string (root, TRUE);

  len = strlen (text);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
      text, len);
  json_node_unref (root);
  g_object_unref (builder);
}

static void
set_error (SoupServerMessage *msg, guint status, const gchar *reason,
    const gchar *message)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_int_value (b, status);
  json_builder_set_member_name (b, "reason");
  json_builder_add_string_value (b, reason);
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  set_json (msg, status, b);
}

static void
reject (Server *server, SoupServerMessage *msg, Rejection why, guint status,
    const gchar *message)
{
  server->rejections[why]++;
  set_error (msg, status, rejection_names[why], message);
}

static gchar *
output_url (const Task *task, const ImgcompressOutput *o)
{
  const gchar *ext = gst_imgcompress_format_extension (
      gst_imgcompress_format_from_string (o->format));

  return g_strdup_printf ("/v1/images/%s/%s.%s", task->id, o->variant, ext);
}

static void
add_outputs (JsonBuilder *b, const Task *task, guint first, guint last)
{
  guint i;

  json_builder_begin_array (b);
  for (i = first; i < last; i++) {
    const ImgcompressOutput *o = g_ptr_array_index (task->outputs, i);
    gchar *url = output_url (task, o);

    json_builder_begin_object (b);
    imgcompress_report_add_output_members (b, o);
    json_builder_set_member_name (b, "url");
    json_builder_add_string_value (b, url);
    json_builder_end_object (b);
    g_free (url);
  }
  json_builder_end_array (b);
}

static void
add_task_head (JsonBuilder *b, const Task *task)
{
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, task->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, task->name);
  json_builder_set_member_name (b, "input");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b,
      gst_imgcompress_format_to_string (task->input_format));
  json_builder_set_member_name (b, "width");
  json_builder_add_int_value (b, task->width);
  json_builder_set_member_name (b, "height");
  json_builder_add_int_value (b, task->height);
  json_builder_set_member_name (b, "bytes");
  json_builder_add_int_value (b, task->input_bytes);
  json_builder_end_object (b);
}

/* GET /v1/tasks/ID */
static void
answer_task (SoupServerMessage *msg, const Task *task)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  add_task_head (b, task);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, status_names[task->status]);
  if (task->status == TASK_FAILED) {
    json_builder_set_member_name (b, "reason");
    json_builder_add_string_value (b,
        imgcompress_failure_to_string (task->failure));
    json_builder_set_member_name (b, "message");
    json_builder_add_string_value (b, task->error);
  }
  if (task->status == TASK_DONE) {
    json_builder_set_member_name (b, "processing_time_s");
    json_builder_add_double_value (b,
        (gdouble) task->processing_time / GST_SECOND);
  }
  json_builder_set_member_name (b, "outputs");
  add_outputs (b, task, 0, task->outputs->len);
  json_builder_end_object (b);
  set_json (msg, SOUP_STATUS_OK, b);
}

/* 201 to POST /v1/images: the thumbnail's files and the background task */
static void
answer_created (SoupServerMessage *msg, const Task *task)
{
  JsonBuilder *b = json_builder_new ();
  gchar *url = g_strdup_printf ("/v1/tasks/%s", task->id);

  json_builder_begin_object (b);
  add_task_head (b, task);
  json_builder_set_member_name (b, "thumbnail");
  add_outputs (b, task, 0, task->n_thumbnail_outputs);
  json_builder_set_member_name (b, "task");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, task->id);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, status_names[task->status]);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url);
  json_builder_end_object (b);
  json_builder_end_object (b);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Location", url);
  set_json (msg, SOUP_STATUS_CREATED, b);
  g_free (url);
}

/* --- paused requests ---------------------------------------------------- */

static Paused *
pause_message (SoupServerMessage *msg)
{
  Paused *paused = g_new0 (Paused, 1);

  paused->msg = g_object_ref (msg);
  g_object_set_data (G_OBJECT (msg), "imgcompress-paused", paused);
  soup_server_message_pause (msg);
  return paused;
}

/* The answer is set (unless the client is gone) and the request goes on. */
static void
resume_message (Paused *paused)
{
  g_object_set_data (G_OBJECT (paused->msg), "imgcompress-paused", NULL);
  if (!paused->gone)
    soup_server_message_unpause (paused->msg);
  g_object_unref (paused->msg);
  g_free (paused);
}

static void
on_request_aborted (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  Paused *paused = g_object_get_data (G_OBJECT (msg), "imgcompress-paused");

  if (paused)
    paused->gone = TRUE;
}

static void
answer_waiter (Waiter *waiter)
{
  Task *task = waiter->task;

  task->waiters = g_list_remove (task->waiters, waiter);
  if (waiter->timeout_id)
    g_source_remove (waiter->timeout_id);
  if (!waiter->paused->gone)
    answer_task (waiter->paused->msg, task);
  resume_message (waiter->paused);
  g_free (waiter);
}

static gboolean
on_wait_timeout (gpointer data)
{
  Waiter *waiter = data;

  waiter->timeout_id = 0;
  answer_waiter (waiter);
  return G_SOURCE_REMOVE;
}

static void
wake_waiters (Task *task)
{
  while (task->waiters)
    answer_waiter (task->waiters->data);
}

/* --- scheduling --------------------------------------------------------- */

static void schedule (Server *server);

static void
on_output (ImgcompressWorker *pipeline, ImgcompressOutput *o,
    gpointer user_data)
{
  ServeWorker *worker = user_data;
  Task *task = worker->task;

  g_ptr_array_add (task->outputs, o);
  if (GST_CLOCK_TIME_IS_VALID (o->processing_time))
    task->pass_time = MAX (task->pass_time, o->processing_time);
}

#define log_line(...) imgcompress_log_line ("imgcompress serve", __VA_ARGS__)

/* The seed's adaptive configuration, on the mean of the last images. */
static void
adapt (Server *server, gdouble seconds)
{
  gdouble sum = 0;
  guint i, n;

  server->recent_s[server->n_recent++ % ADAPT_WINDOW] = seconds;
  n = MIN (server->n_recent, ADAPT_WINDOW);
  for (i = 0; i < n; i++)
    sum += server->recent_s[i];
  server->limit =
      imgcompress_adapt_limit (server->limit, server->max_limit, sum / n, TRUE);
}

static guint
http_status_of (const Task *task)
{
  switch (task->failure) {
    case IMGCOMPRESS_FAILURE_INVALID_IMAGE:
    case IMGCOMPRESS_FAILURE_LIMIT_EXCEEDED:
      return SOUP_STATUS_UNPROCESSABLE_ENTITY;
    case IMGCOMPRESS_FAILURE_INTERRUPTED:
      return SOUP_STATUS_SERVICE_UNAVAILABLE;
    default:
      return SOUP_STATUS_INTERNAL_SERVER_ERROR;
  }
}

static void
fail_task (Task *task, ImgcompressFailure failure, const gchar *message)
{
  task->status = TASK_FAILED;
  task->failure = failure;
  g_free (task->error);
  task->error = g_strdup (message);
}

static gboolean enqueue_remote (Server *server, Task *task);

/* The thumbnail pass is over: the upload gets its answer, and the task
 * goes to the background queue, or is done when there is no other
 * variant.  A failed upload leaves nothing behind, task included. */
static void
end_thumbnail_pass (Server *server, Task *task)
{
  Paused *upload = task->upload;

  task->upload = NULL;
  task->n_thumbnail_outputs = task->outputs->len;
  if (task->status == TASK_FAILED) {
    remove_outputs_from (task, 0);
    if (!upload->gone)
      set_error (upload->msg, http_status_of (task),
          imgcompress_failure_to_string (task->failure), task->error);
    resume_message (upload);
    g_hash_table_remove (server->tasks, task->id);
    return;
  }
  if (server->variants[1]) {
    task->status = TASK_QUEUED;
    if (!enqueue_remote (server, task))
      g_queue_push_tail (&server->queue, task);
  } else {
    task->status = TASK_DONE;
    task->finished_us = g_get_monotonic_time ();
    remove_spool (task);
  }
  if (!upload->gone)
    answer_created (upload->msg, task);
  resume_message (upload);
}

static void
end_background_pass (Server *server, Task *task)
{
  if (task->status == TASK_FAILED) {
    remove_outputs_from (task, task->n_thumbnail_outputs);
  } else {
    task->status = TASK_DONE;
  }
  task->finished_us = g_get_monotonic_time ();
  remove_spool (task);
  wake_waiters (task);
}

static void
count_image (Server *server, Task *task, gboolean last_pass)
{
  guint i;

  if (task->status == TASK_FAILED) {
    imgcompress_prometheus_add_failure (server->prom, task->failure);
    return;
  }
  for (i = last_pass ? task->n_thumbnail_outputs : 0; i < task->outputs->len;
       i++) {
    ImgcompressOutput *o = g_ptr_array_index (task->outputs, i);

    imgcompress_prometheus_add_output (server->prom, o->variant, o->format,
        o->bytes, o->ratio);
  }
  if (last_pass) {
    gdouble seconds = (gdouble) task->processing_time / GST_SECOND;

    imgcompress_prometheus_add_image (server->prom,
        gst_imgcompress_format_to_string (task->input_format),
        task->input_bytes, seconds);
    adapt (server, seconds);
  }
}

static void
destroy_worker (ServeWorker *worker)
{
  g_ptr_array_remove (worker->server->workers, worker);
  imgcompress_worker_free (worker->pipeline);
  g_free (worker);
}

static guint
count_workers (Server *server, gboolean thumbnail)
{
  guint i, n = 0;

  for (i = 0; i < server->workers->len; i++) {
    ServeWorker *w = g_ptr_array_index (server->workers, i);
    n += w->thumbnail == thumbnail;
  }
  return n;
}

static void
on_done (ImgcompressWorker *pipeline, const GstImgcompressImageInfo *info,
    const GError *error, const gchar *debug, gpointer user_data)
{
  ServeWorker *worker = user_data;
  Server *server = worker->server;
  Task *task = worker->task;
  gboolean thumbnail = worker->thumbnail;

  worker->task = NULL;
  server->running[thumbnail ? 0 : 1]--;
  if (info && info->format != GST_IMGCOMPRESS_FORMAT_UNKNOWN) {
    task->input_format = info->format;
    task->width = info->width;
    task->height = info->height;
  }
  if (error) {
    fail_task (task, imgcompress_failure_from_error (error), error->message);
    if (debug && imgcompress_worker_is_broken (pipeline))
      log_line ("%s: %s", task->id, debug);
  }
  /* a broken pipeline, or one more than the limit now asks for */
  if (imgcompress_worker_is_broken (pipeline) ||
      count_workers (server, thumbnail) > server->limit)
    destroy_worker (worker);

  task->processing_time += task->pass_time;
  if (thumbnail) {
    count_image (server, task,
        task->status == TASK_FAILED || server->variants[1] == NULL);
    end_thumbnail_pass (server, task);
  } else {
    count_image (server, task, TRUE);
    end_background_pass (server, task);
  }
  schedule (server);
}

static const ImgcompressWorkerCallbacks worker_callbacks = {
  on_output,
  NULL,
  on_done,
};

static ServeWorker *
idle_worker (Server *server, gboolean thumbnail, GError **error)
{
  ImgcompressWorkerSettings settings = { 0 };
  ServeWorker *worker;
  guint i;

  for (i = 0; i < server->workers->len; i++) {
    worker = g_ptr_array_index (server->workers, i);
    if (worker->thumbnail == thumbnail && worker->task == NULL &&
        !imgcompress_worker_is_broken (worker->pipeline))
      return worker;
  }
  settings.config = server->config;
  settings.outdir = server->outdir;
  settings.location_template = server->location_template;
  settings.variants = server->variants[thumbnail ? 0 : 1];
  /* ids are unique: a file in the way is a leftover */
  settings.overwrite = TRUE;
  worker = g_new0 (ServeWorker, 1);
  worker->server = server;
  worker->thumbnail = thumbnail;
  worker->pipeline =
      imgcompress_worker_new (thumbnail ? "thumbnails" : "variants", &settings,
          &worker_callbacks, worker, error);
  if (worker->pipeline == NULL) {
    g_free (worker);
    return NULL;
  }
  g_ptr_array_add (server->workers, worker);
  return worker;
}

/* The spooled upload, read whole into one buffer, into an idle pipeline. */
static void
start_pass (Server *server, Task *task, gboolean thumbnail)
{
  GError *error = NULL;
  GstBuffer *input = NULL;
  ServeWorker *worker = NULL;
  gint fd;

  fd = imgcompress_open_input (task->spool, &error);
  if (fd >= 0) {
    input = imgcompress_read_input (task->spool, fd, task->input_bytes,
        server->config->max_input_bytes, &error);
    close (fd);
  }
  if (input)
    worker = idle_worker (server, thumbnail, &error);
  if (worker == NULL) {
    gst_clear_buffer (&input);
    fail_task (task, imgcompress_failure_from_error (error), error->message);
    g_error_free (error);
    count_image (server, task, TRUE);
    if (thumbnail)
      end_thumbnail_pass (server, task);
    else
      end_background_pass (server, task);
    return;
  }
  worker->task = task;
  task->pass_time = 0;
  if (!thumbnail)
    task->status = TASK_RUNNING;
  server->running[thumbnail ? 0 : 1]++;
  imgcompress_worker_push (worker->pipeline, task->id, input);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* Thumbnails and background variants have a limit each: an upload's
 * answer does not wait behind the large variants of earlier ones. */
static void
schedule (Server *server)
{
  while (server->running[0] < server->limit &&
      !g_queue_is_empty (&server->thumbnails))
    start_pass (server, g_queue_pop_head (&server->thumbnails), TRUE);
  while (server->running[1] < server->limit &&
      !g_queue_is_empty (&server->queue))
    start_pass (server, g_queue_pop_head (&server->queue), FALSE);

  /* uploads still being read are accepted work too */
  if (server->draining && !server->quitting &&
      server->running[0] + server->running[1] == 0 && server->n_spools == 0 &&
      g_queue_is_empty (&server->thumbnails) &&
      g_queue_is_empty (&server->queue)) {
    server->quitting = TRUE;
    /* after the answers in flight are written */
    g_timeout_add (100, quit_loop, server->loop);
  }
}

/* --- uploads ------------------------------------------------------------ */

/* The spool file of a request being read; removed with the request unless
 * a task took it. */
typedef struct
{
  Server *server;
  gint fd;
  gchar *path;
  guint64 bytes;
  guint64 limit;
  gboolean too_large;
  gint write_errno;
} Spool;

static void
spool_close (Spool *spool)
{
  if (spool->fd >= 0)
    close (spool->fd);
  spool->fd = -1;
}

static void
spool_free (gpointer data)
{
  Spool *spool = data;

  spool_close (spool);
  if (spool->path)
    g_unlink (spool->path);
  g_free (spool->path);
  spool->server->n_spools--;
  schedule (spool->server);
  g_free (spool);
}

static void
on_got_chunk (SoupServerMessage *msg, GBytes *chunk, gpointer data)
{
  Spool *spool = data;
  gsize size;
  const guint8 *bytes = g_bytes_get_data (chunk, &size);

  if (spool->fd < 0)
    return;
  if (spool->bytes + size > spool->limit) {
    /* a body without Content-Length: the rest is read and dropped */
    spool->too_large = TRUE;
    spool_close (spool);
    g_unlink (spool->path);
    return;
  }
  while (size > 0) {
    gssize n = write (spool->fd, bytes, size);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      spool->write_errno = errno;
      spool_close (spool);
      g_unlink (spool->path);
      return;
    }
    bytes += n;
    size -= n;
    spool->bytes += n;
  }
}

static gboolean
start_spool (Server *server, SoupServerMessage *msg, GError **error)
{
  Spool *spool = g_new0 (Spool, 1);
  gchar *id = new_id ();

  spool->server = server;
  server->n_spools++;
  spool->limit = server->opts->max_body_bytes;
  /* the project's temporary name: stale ones are swept with the others */
  spool->path = g_strdup_printf ("%s/.%s.XXXXXX" GST_IMGCOMPRESS_TEMP_SUFFIX,
      server->spooldir, id);
  g_free (id);
  spool->fd = g_mkstemp_full (spool->path, O_RDWR | O_CLOEXEC, 0600);
  if (spool->fd < 0) {
    gint err = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        _ ("cannot create %s: %s"), server->spooldir, g_strerror (err));
    g_clear_pointer (&spool->path, g_free);
    spool_free (spool);
    return FALSE;
  }
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg),
      FALSE);
  g_object_set_data_full (G_OBJECT (msg), "imgcompress-spool", spool,
      spool_free);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (on_got_chunk), spool);
  return TRUE;
}

static gboolean
queue_is_full (Server *server)
{
  /* uploads still being received count too: each holds a connection, an
   * fd and a spool file, so they are bounded with the rest; so do jobs on
   * Redis (--redis), the background queue of the workers, each holding a
   * spooled upload until its result comes */
  return g_queue_get_length (&server->queue) +
      g_queue_get_length (&server->thumbnails) + server->n_spools +
      server->n_remote >=
      (guint) server->opts->queue_size;
}

static void
answer_queue_full (Server *server, SoupServerMessage *msg)
{
  gdouble mean = 1;
  gchar *after;
  guint i, n = MIN (server->n_recent, ADAPT_WINDOW);

  if (n > 0) {
    for (mean = 0, i = 0; i < n; i++)
      mean += server->recent_s[i] / n;
  }
  /* the time the queue takes to halve, at least a second */
  after = g_strdup_printf ("%u",
      (guint) MAX (1,
          g_queue_get_length (&server->queue) * mean / 2 /
              MAX (server->limit, 1)));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Retry-After", after);
  reject (server, msg, REJECT_QUEUE_FULL, SOUP_STATUS_SERVICE_UNAVAILABLE,
      _ ("The queue of images is full; try again later."));
  g_free (after);
}

static gboolean
is_upload (SoupServerMessage *msg, const gchar *path)
{
  return strcmp (path, "/v1/images") == 0 &&
      strcmp (soup_server_message_get_method (msg), "POST") == 0;
}

static gboolean
authorized (Server *server, SoupServerMessage *msg)
{
  const gchar *auth;
  gsize i, n;
  guint diff = 0;

  if (server->token == NULL)
    return TRUE;
  auth = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "Authorization");
  if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    return FALSE;
  auth += 7;
  n = strlen (server->token);
  if (strlen (auth) != n)
    return FALSE;
  /* in constant time: a byte-wise comparison would tell the prefix */
  for (i = 0; i < n; i++)
    diff |= (guint8) auth[i] ^ (guint8) server->token[i];
  return diff == 0;
}

/* Before the body is read: refusals that need no body get their answer
 * at once (libsoup then reads nothing), an upload starts its spool. */
static void
early_handler (SoupServer *soup, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer data)
{
  Server *server = data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GError *error = NULL;
  goffset length;

  /* libsoup 3.2 does not watch a kept-alive connection between requests:
   * a client that closed it left it in CLOSE_WAIT for good (an fd per
   * upload), and one that idles is never timed out.  One request per
   * connection, then. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Connection", "close");
  if (server->draining) {
    reject (server, msg, REJECT_SHUTTING_DOWN, SOUP_STATUS_SERVICE_UNAVAILABLE,
        _ ("The service is shutting down."));
    return;
  }
  if (strcmp (path, "/healthz") != 0 && !authorized (server, msg)) {
    soup_message_headers_replace (
        soup_server_message_get_response_headers (msg), "WWW-Authenticate",
        "Bearer");
    reject (server, msg, REJECT_UNAUTHORIZED, SOUP_STATUS_UNAUTHORIZED,
        _ ("A valid bearer token is required."));
    return;
  }
  if (!is_upload (msg, path))
    return;
  length = soup_message_headers_get_content_length (headers);
  if (soup_message_headers_get_encoding (headers) ==
          SOUP_ENCODING_CONTENT_LENGTH &&
      length > server->opts->max_body_bytes) {
    reject (server, msg, REJECT_BODY_TOO_LARGE,
        SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
        _ ("The upload is larger than the service accepts."));
    return;
  }
  if (queue_is_full (server)) {
    answer_queue_full (server, msg);
    return;
  }
  if (!start_spool (server, msg, &error)) {
    set_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "spool_failed",
        error->message);
    g_error_free (error);
  }
}

static void
post_image (Server *server, SoupServerMessage *msg, GHashTable *query)
{
  Spool *spool = g_object_get_data (G_OBJECT (msg), "imgcompress-spool");
  const gchar *name = query ? g_hash_table_lookup (query, "name") : NULL;
  guint8 head[16];
  gssize got;
  Task *task;

  if (spool->too_large) {
    reject (server, msg, REJECT_BODY_TOO_LARGE,
        SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
        _ ("The upload is larger than the service accepts."));
    return;
  }
  if (spool->write_errno) {
    set_error (msg, SOUP_STATUS_INSUFFICIENT_STORAGE, "spool_failed",
        g_strerror (spool->write_errno));
    return;
  }
  /* The content decides, not the Content-Type: what is no JPEG, PNG or
   * WebP at all never reaches a pipeline. */
  got = pread (spool->fd, head, sizeof (head), 0);
  if (got <= 0 ||
      gst_imgcompress_sniff_signature (head, got) ==
          GST_IMGCOMPRESS_FORMAT_UNKNOWN) {
    reject (server, msg, REJECT_NOT_AN_IMAGE,
        SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
        _ ("The upload is not a JPEG, PNG or WebP image."));
    return;
  }
  spool_close (spool);

  task = g_new0 (Task, 1);
  task->server = server;
  task->id = g_path_get_basename (spool->path);
  /* ".ID.XXXXXX.imgcompress-tmp": the id is the spool's */
  memmove (task->id, task->id + 1, ID_LEN);
  task->id[ID_LEN] = '\0';
  task->name = g_strdup (name ? name : task->id);
  task->spool = g_steal_pointer (&spool->path);
  task->input_bytes = spool->bytes;
  task->outputs = g_ptr_array_new_with_free_func (imgcompress_output_free);
  task->status = TASK_THUMBNAIL;
  task->upload = pause_message (msg);
  g_hash_table_insert (server->tasks, task->id, task);
  g_queue_push_tail (&server->thumbnails, task);
  schedule (server);
}

/* --- other endpoints ---------------------------------------------------- */

static void
get_task (Server *server, SoupServerMessage *msg, const gchar *id,
    GHashTable *query)
{
  Task *task = g_hash_table_lookup (server->tasks, id);
  const gchar *wait = query ? g_hash_table_lookup (query, "wait") : NULL;
  guint64 seconds = 0;
  Waiter *waiter;

  if (task == NULL || task->status == TASK_THUMBNAIL) {
    set_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _ ("No such task."));
    return;
  }
  if (wait &&
      !g_ascii_string_to_unsigned (wait, 10, 0, MAX_WAIT_S, &seconds, NULL)) {
    gchar *text =
        g_strdup_printf (_ ("wait must be from 0 to %d seconds."), MAX_WAIT_S);

    set_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", text);
    g_free (text);
    return;
  }
  if (seconds == 0 || task->status == TASK_DONE ||
      task->status == TASK_FAILED) {
    answer_task (msg, task);
    return;
  }
  waiter = g_new0 (Waiter, 1);
  waiter->task = task;
  waiter->paused = pause_message (msg);
  waiter->timeout_id =
      g_timeout_add_seconds ((guint) seconds, on_wait_timeout, waiter);
  task->waiters = g_list_prepend (task->waiters, waiter);
}

static const gchar *
content_type_of (const gchar *ext)
{
  if (strcmp (ext, "jpg") == 0)
    return "image/jpeg";
  if (strcmp (ext, "webp") == 0)
    return "image/webp";
  return NULL;
}

/* GET /v1/images/ID/VARIANT.EXT: the file where the flat layout puts it,
 * mapped (an atomic replacement leaves the mapping whole). */
static void
get_image (Server *server, SoupServerMessage *msg, const gchar *rest)
{
  gchar **parts = g_strsplit (rest, "/", -1);
  gchar *variant = NULL, *relative = NULL, *path = NULL, *etag = NULL;
  const gchar *ext = NULL, *type = NULL, *match;
  GMappedFile *mapped = NULL;
  GStatBuf st;

  if (g_strv_length (parts) == 2 && is_id (parts[0], strlen (parts[0])) &&
      (ext = strrchr (parts[1], '.')) != NULL && ext != parts[1]) {
    type = content_type_of (ext + 1);
    variant = g_strndup (parts[1], ext - parts[1]);
  }
  if (type) {
    /* only a name the flat layout could have made: no "..", no "/" */
    gchar *clean = gst_imgcompress_clean_component (variant, "image");

    if (strcmp (clean, variant) == 0)
      relative = g_strdup_printf ("%s/%s%s", variant, parts[0], ext);
    g_free (clean);
  }
  if (relative)
    path = g_build_filename (server->outdir, relative, NULL);
  if (path && g_lstat (path, &st) == 0 && S_ISREG (st.st_mode))
    mapped = g_mapped_file_new (path, FALSE, NULL);
  if (mapped == NULL) {
    set_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", _ ("No such image."));
    goto out;
  }
  etag = g_strdup_printf ("\"%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER
                          "x-%" G_GINT64_MODIFIER "x\"",
      (gint64) st.st_ino, (gint64) st.st_size, (gint64) st.st_mtime);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "ETag", etag);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
      "Cache-Control", "public, max-age=31536000, immutable");
  match = soup_message_headers_get_one (
      soup_server_message_get_request_headers (msg), "If-None-Match");
  if (match && strcmp (match, etag) == 0) {
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_MODIFIED, NULL);
  } else {
    GBytes *bytes = g_mapped_file_get_bytes (mapped);

    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    soup_message_headers_set_content_type (
        soup_server_message_get_response_headers (msg), type, NULL);
    soup_message_body_append_bytes (soup_server_message_get_response_body (msg),
        bytes);
    g_bytes_unref (bytes);
  }
  g_mapped_file_unref (mapped);
out:
  g_free (etag);
  g_free (path);
  g_free (relative);
  g_free (variant);
  g_strfreev (parts);
}

static void
append_gauge (GString *s, const gchar *name, const gchar *help, guint64 value)
{
  imgcompress_prometheus_append_metric (s, name, "gauge", help, value);
}

/* The tool's metrics (imgcompress-prometheus.c), live, and the service's:
 * what waits, what runs, what was refused before any image was made. */
static void
get_metrics (Server *server, SoupServerMessage *msg)
{
  gchar *common = imgcompress_prometheus_format (server->prom);
  GString *s = g_string_new (common);
  guint i;

  g_free (common);
  append_gauge (s, "images_in_flight",
      "Images being made now (thumbnails and background variants)",
      server->running[0] + server->running[1]);
  append_gauge (s, "queue_depth",
      "Uploads waiting for a pipeline (thumbnail or background)",
      g_queue_get_length (&server->thumbnails) +
          g_queue_get_length (&server->queue));
  append_gauge (s, "redis_jobs_waiting",
      "Uploads whose larger variants are jobs on Redis (--redis), their "
      "result not read yet",
      server->n_remote);
  append_gauge (s, "in_flight_limit",
      "Images of each kind made at once, as adapted", server->limit);
  g_string_append (s,
      "# HELP " IMGCOMPRESS_METRIC_PREFIX "requests_rejected_total "
      "Requests refused before any image was made, by reason\n"
      "# TYPE " IMGCOMPRESS_METRIC_PREFIX "requests_rejected_total counter\n");
  for (i = 0; i < REJECT_N; i++)
    g_string_append_printf (s,
        IMGCOMPRESS_METRIC_PREFIX "requests_rejected_total{reason=\"%s\"} "
                                  "%" G_GUINT64_FORMAT "\n",
        rejection_names[i], server->rejections[i]);
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4",
      SOUP_MEMORY_TAKE, s->str, s->len);
  g_string_free (s, FALSE);
}

static void
get_health (Server *server, SoupServerMessage *msg)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, "ok");
  json_builder_set_member_name (b, "in_flight");
  json_builder_add_int_value (b, server->running[0] + server->running[1]);
  json_builder_set_member_name (b, "queue_depth");
  json_builder_add_int_value (b, g_queue_get_length (&server->queue));
  json_builder_end_object (b);
  set_json (msg, SOUP_STATUS_OK, b);
}

static void
handler (SoupServer *soup, SoupServerMessage *msg, const char *path,
    GHashTable *query, gpointer data)
{
  Server *server = data;
  const gchar *method = soup_server_message_get_method (msg);
  gboolean get = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;

  /* answered by the early handler */
  if (soup_server_message_get_status (msg) != 0)
    return;
  if (is_upload (msg, path))
    post_image (server, msg, query);
  else if (get && g_str_has_prefix (path, "/v1/tasks/"))
    get_task (server, msg, path + strlen ("/v1/tasks/"), query);
  else if (get && g_str_has_prefix (path, "/v1/images/"))
    get_image (server, msg, path + strlen ("/v1/images/"));
  else if (get && strcmp (path, "/metrics") == 0)
    get_metrics (server, msg);
  else if (get && strcmp (path, "/healthz") == 0)
    get_health (server, msg);
  else
    set_error (msg, SOUP_STATUS_NOT_FOUND, "not_found",
        _ ("No such resource."));
}

/* A client that sends nothing for the read timeout is dropped: the socket
 * times out, libsoup's read fails and the request is aborted (its spool
 * goes with it).  A paused request is not read, so a long ?wait= or a
 * slow thumbnail does not time out. */
static void
on_request_started (SoupServer *soup, SoupServerMessage *msg, gpointer data)
{
  Server *server = data;
  GSocket *socket = soup_server_message_get_socket (msg);

  if (socket && !g_getenv ("NOTIMEOUT"))
    g_socket_set_timeout (socket, server->opts->read_timeout_s);
}

/* --- the background variants on Redis (--redis) ------------------------ */

/* After the thumbnail pass, the larger variants become a job for the
 * workers of docs/scale-out.md: the spooled upload is its input, the same
 * flat layout and names its outputs, so GET /v1/images finds them
 * whoever made them.  When Redis cannot take the job, this machine makes
 * the variants itself: the upload is not lost for it. */
static gboolean
enqueue_remote (Server *server, Task *task)
{
  ImgcompressJob job = { 0 };
  GError *error = NULL;
  gchar *entry;

  if (server->redis == NULL)
    return FALSE;
  job.id = task->id;
  job.input = task->spool;
  job.outdir = server->outdir;
  job.layout = "flat";
  job.variants = server->variants[1];
  job.name = task->id;
  if (!imgcompress_redis_is_connected (server->redis))
    imgcompress_redis_connect (server->redis, &error);
  entry = error ? NULL :
                  imgcompress_queue_add_job (server->redis,
                      server->opts->stream, &job, &error);
  if (entry == NULL) {
    log_line (_ ("%s: made here: the job could not go to Redis: %s"), task->id,
        error->message);
    g_error_free (error);
    return FALSE;
  }
  task->remote = TRUE;
  server->n_remote++;
  g_free (entry);
  return TRUE;
}

static guint64
json_uint (JsonObject *o, const gchar *member)
{
  return (guint64) MAX (json_object_get_int_member_with_default (o, member, 0),
      0);
}

/* A worker's output ("variant", "format", "path", "width", "height",
 * "bytes", "quality") as one of ours. */
static ImgcompressOutput *
output_from_json (JsonObject *o, guint64 input_bytes)
{
  ImgcompressOutput *out = g_new0 (ImgcompressOutput, 1);

  out->variant =
      g_strdup (json_object_get_string_member_with_default (o, "variant", ""));
  out->format =
      g_strdup (json_object_get_string_member_with_default (o, "format", ""));
  out->location =
      g_strdup (json_object_get_string_member_with_default (o, "path", ""));
  out->width = (guint) json_uint (o, "width");
  out->height = (guint) json_uint (o, "height");
  out->bytes = json_uint (o, "bytes");
  /* as metricsink's: the compression ratio histogram counts it */
  out->input_bytes = input_bytes;
  out->ratio = input_bytes ? (gdouble) out->bytes / input_bytes : 0.0;
  out->quality =
      (gint) json_object_get_int_member_with_default (o, "quality", -1);
  out->processing_time = GST_CLOCK_TIME_NONE;
  out->written_at_us = g_get_real_time ();
  return out;
}

static gboolean
add_remote_outputs (Task *task, const gchar *outputs)
{
  JsonParser *parser = json_parser_new ();
  JsonNode *root;
  gboolean ok = FALSE;
  guint i;

  if (outputs && json_parser_load_from_data (parser, outputs, -1, NULL) &&
      (root = json_parser_get_root (parser)) != NULL &&
      JSON_NODE_HOLDS_ARRAY (root)) {
    JsonArray *array = json_node_get_array (root);

    for (i = 0; i < json_array_get_length (array); i++) {
      JsonNode *node = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (task->outputs,
            output_from_json (json_node_get_object (node), task->input_bytes));
    }
    ok = TRUE;
  }
  g_object_unref (parser);
  return ok;
}

static const gchar *
field_of (const redisReply *fields, const gchar *name)
{
  gsize i;

  for (i = 0; i + 1 < imgcompress_redis_reply_length (fields); i += 2)
    if (g_strcmp0 (imgcompress_redis_reply_string (
                       imgcompress_redis_reply_element (fields, i)),
            name) == 0)
      return imgcompress_redis_reply_string (
          imgcompress_redis_reply_element (fields, i + 1));
  return NULL;
}

/* A result of the results stream: ours when it names a task of ours
 * still waiting for it (several services may share the stream). */
static void
apply_result (Server *server, const redisReply *fields)
{
  Task *task = g_hash_table_lookup (server->tasks,
      field_of (fields, "id") ? field_of (fields, "id") : "");
  const gchar *status = field_of (fields, "status");

  if (task == NULL || !task->remote || task->status != TASK_QUEUED)
    return;
  server->n_remote--;
  if (g_strcmp0 (status, "done") != 0) {
    const gchar *error = field_of (fields, "error");

    fail_task (task,
        imgcompress_failure_from_string (field_of (fields, "reason")),
        error ? error : _ ("The workers failed the image."));
  } else if (!add_remote_outputs (task, field_of (fields, "outputs"))) {
    fail_task (task, IMGCOMPRESS_FAILURE_INTERNAL,
        _ ("The workers' result could not be read."));
  }
  if (task->status != TASK_FAILED)
    task->status = TASK_DONE;
  task->finished_us = g_get_monotonic_time ();
  remove_spool (task);
  count_image (server, task, TRUE);
  wake_waiters (task);
}

static void
log_redis_trouble (Server *server, const GError *error)
{
  if (server->redis_down_logged)
    return;
  server->redis_down_logged = TRUE;
  log_line ("%s", error->message);
}

/* XREAD without blocking, on the main loop, while results are awaited:
 * one round trip per poll, none when nothing is awaited. */
static gboolean
poll_results (gpointer data)
{
  Server *server = data;
  const redisReply *streams, *entries;
  redisReply *reply;
  GError *error = NULL;
  gsize i;

  if (server->n_remote == 0)
    return G_SOURCE_CONTINUE;
  if (!imgcompress_redis_is_connected (server->redis) &&
      !imgcompress_redis_connect (server->redis, &error)) {
    log_redis_trouble (server, error);
    g_error_free (error);
    return G_SOURCE_CONTINUE;
  }
  reply = imgcompress_redis_command (server->redis, &error, "XREAD", "COUNT",
      RESULTS_PER_READ, "STREAMS", server->results_stream, server->results_last,
      NULL);
  if (reply == NULL) {
    log_redis_trouble (server, error);
    g_error_free (error);
    return G_SOURCE_CONTINUE;
  }
  server->redis_down_logged = FALSE;
  /* [[stream, [[entry id, [field, value, ...]], ...]]], or nil */
  streams = imgcompress_redis_reply_element (reply, 0);
  entries = imgcompress_redis_reply_element (streams, 1);
  for (i = 0; i < imgcompress_redis_reply_length (entries); i++) {
    const redisReply *entry = imgcompress_redis_reply_element (entries, i);
    const gchar *id =
        imgcompress_redis_reply_string (imgcompress_redis_reply_element (entry,
            0));

    if (id == NULL)
      continue;
    g_free (server->results_last);
    server->results_last = g_strdup (id);
    apply_result (server, imgcompress_redis_reply_element (entry, 1));
  }
  freeReplyObject (reply);
  return G_SOURCE_CONTINUE;
}

/* Results are read from the newest entry at start: older ones belong to
 * tasks this process never had. */
static gboolean
start_redis (Server *server, GError **error)
{
  const ImgcompressServeOptions *opts = server->opts;
  redisReply *reply;
  const gchar *last;

  if (opts->redis_url == NULL)
    return TRUE;
  if (opts->stream == NULL) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--redis needs --stream"));
    return FALSE;
  }
  server->redis = imgcompress_redis_new (opts->redis_url, error);
  if (server->redis == NULL)
    return FALSE;
  /* its commands run on the main loop: a Redis that hangs stalls every
   * request for this long, then the upload is made here */
  imgcompress_redis_set_timeout (server->redis, REDIS_TIMEOUT_S);
  if (!imgcompress_redis_connect (server->redis, error))
    return FALSE;
  server->results_stream = opts->results_stream ?
      g_strdup (opts->results_stream) :
      g_strdup_printf ("%s:results", opts->stream);
  reply = imgcompress_redis_command (server->redis, error, "XREVRANGE",
      server->results_stream, "+", "-", "COUNT", "1", NULL);
  if (reply == NULL)
    return FALSE;
  last = imgcompress_redis_reply_string (imgcompress_redis_reply_element (
      imgcompress_redis_reply_element (reply, 0), 0));
  server->results_last = g_strdup (last ? last : "0-0");
  freeReplyObject (reply);
  g_timeout_add (RESULTS_POLL_MS, poll_results, server);
  return TRUE;
}

/* --- lifetime ----------------------------------------------------------- */

static void
sweep (Server *server)
{
  GHashTableIter iter;
  gpointer value;
  GError *error = NULL;
  guint removed = 0;
  gint64 now = g_get_monotonic_time ();

  if (!gst_imgcompress_file_remove_stale_temps (server->outdir,
          STALE_TEMP_AGE_S, &removed, &error)) {
    log_line ("%s", error->message);
    g_clear_error (&error);
  } else if (removed > 0) {
    log_line (_ ("removed %u stale temporary files"), removed);
  }
  /* finished tasks are told for an hour */
  g_hash_table_iter_init (&iter, server->tasks);
  while (g_hash_table_iter_next (&iter, NULL, &value)) {
    Task *task = value;

    if (task->finished_us > 0 && task->waiters == NULL &&
        now - task->finished_us > (gint64) STALE_TEMP_AGE_S * G_USEC_PER_SEC)
      g_hash_table_iter_remove (&iter);
  }
}

static gboolean
on_sweep (gpointer data)
{
  sweep (data);
  return G_SOURCE_CONTINUE;
}

/* Stop accepting (the listening sockets close; connections that are open
 * get 503), finish what was accepted, then quit. */
static gboolean
on_signal (gpointer data)
{
  Server *server = data;
  GSList *l;

  if (server->draining)
    return G_SOURCE_CONTINUE;
  log_line (_ ("stopping: finishing %u images in flight and %u queued"),
      server->running[0] + server->running[1],
      g_queue_get_length (&server->thumbnails) +
          g_queue_get_length (&server->queue));
  server->draining = TRUE;
  for (l = soup_server_get_listeners (server->soup); l; l = l->next)
    g_socket_close (l->data, NULL);
  schedule (server);
  return G_SOURCE_CONTINUE;
}

static gboolean
read_token (Server *server, const gchar *path, GError **error)
{
  gchar *contents;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  server->token = g_strdup (g_strstrip (contents));
  g_free (contents);
  if (server->token[0] == '\0') {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_CONFIG,
        _ ("the token file %s is empty"), path);
    return FALSE;
  }
  return TRUE;
}

static gboolean
parse_listen (const gchar *listen, GInetSocketAddress **address, GError **error)
{
  GSocketConnectable *c = g_network_address_parse (listen, 8080, error);
  GSocketAddressEnumerator *e;
  GSocketAddress *a;

  if (c == NULL)
    return FALSE;
  e = g_socket_connectable_enumerate (c);
  a = g_socket_address_enumerator_next (e, NULL, error);
  g_object_unref (e);
  g_object_unref (c);
  if (a == NULL)
    return FALSE;
  *address = G_INET_SOCKET_ADDRESS (a);
  return TRUE;
}

/* on stdout, for whoever started it with port 0: once this line is out,
 * the service listens and stale files are gone */
static void
print_uris (Server *server)
{
  GSList *uris, *l;

  uris = soup_server_get_uris (server->soup);
  for (l = uris; l; l = l->next) {
    gchar *uri = g_uri_to_string (l->data);

    g_print ("imgcompress serve: listening on %s\n", uri);
    fflush (stdout);
    g_free (uri);
  }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
}

static gboolean
server_start (Server *server, GError **error)
{
  GInetSocketAddress *address = NULL;

  if (!parse_listen (server->opts->listen ? server->opts->listen :
                                            IMGCOMPRESS_SERVE_DEFAULT_LISTEN,
          &address, error))
    return FALSE;
  server->soup = soup_server_new ("server-header", "imgcompress ", NULL);
  soup_server_add_early_handler (server->soup, NULL, early_handler, server,
      NULL);
  soup_server_add_handler (server->soup, NULL, handler, server, NULL);
  g_signal_connect (server->soup, "request-started",
      G_CALLBACK (on_request_started), server);
  g_signal_connect (server->soup, "request-aborted",
      G_CALLBACK (on_request_aborted), server);
  if (!soup_server_listen (server->soup, G_SOCKET_ADDRESS (address), 0,
          error)) {
    g_object_unref (address);
    return FALSE;
  }
  g_object_unref (address);
  return TRUE;
}

static void
plan_variants (Server *server)
{
  const ImgcompressConfig *config = server->config;
  ImgcompressConfig part = *config;

  /* The smallest variant before the answer, the others after it. */
  part.variants =
      g_array_sized_new (FALSE, TRUE, sizeof (GstImgcompressVariantInfo), 1);
  g_array_append_vals (part.variants, config->variants->data, 1);
  server->variants[0] = imgcompress_config_variants_string (&part);
  if (config->variants->len > 1) {
    g_array_set_size (part.variants, 0);
    g_array_append_vals (part.variants,
        &g_array_index (config->variants, GstImgcompressVariantInfo, 1),
        config->variants->len - 1);
    server->variants[1] = imgcompress_config_variants_string (&part);
  }
  /* the array shares the config's strings: free only the container */
  g_array_free (part.variants, TRUE);
}

static void
server_clear (Server *server)
{
  while (server->workers->len > 0)
    destroy_worker (g_ptr_array_index (server->workers, 0));
  g_ptr_array_unref (server->workers);
  g_hash_table_unref (server->tasks);
  if (server->soup) {
    soup_server_disconnect (server->soup);
    g_object_unref (server->soup);
  }
  imgcompress_prometheus_free (server->prom);
  g_clear_pointer (&server->redis, imgcompress_redis_free);
  g_free (server->results_stream);
  g_free (server->results_last);
  g_main_loop_unref (server->loop);
  g_free (server->variants[0]);
  g_free (server->variants[1]);
  g_free (server->location_template);
  g_free (server->spooldir);
  g_free (server->outdir);
  g_free (server->token);
}

int
imgcompress_serve_run (const ImgcompressServeOptions *opts,
    const ImgcompressConfig *config, const gchar *outdir, gboolean verbose)
{
  Server server = { 0 };
  GError *error = NULL;
  int status = 0;

  server.opts = opts;
  server.config = config;
  /* absolute: with --redis it is a job's outdir, on other machines */
  server.outdir = g_canonicalize_filename (outdir, NULL);
  server.spooldir = g_build_filename (outdir, SPOOL_DIR, NULL);
  /* ids name the files: OUTDIR/VARIANT/ID.EXT, whatever the layout */
  server.location_template =
      imgcompress_outputs_location_template (IMGCOMPRESS_LAYOUT_FLAT, NULL);
  server.loop = g_main_loop_new (NULL, FALSE);
  server.workers = g_ptr_array_new ();
  server.tasks =
      g_hash_table_new_full (g_str_hash, g_str_equal, NULL, task_free);
  server.prom = imgcompress_prometheus_new ();
  server.limit = config->threads ?
      config->threads :
      imgcompress_threads_for_cores (g_get_num_processors ());
  server.max_limit = MAX (server.limit, g_get_num_processors ());
  g_queue_init (&server.thumbnails);
  g_queue_init (&server.queue);
  plan_variants (&server);

  if (opts->max_body_bytes <= 0 || opts->queue_size <= 0 ||
      opts->read_timeout_s <= 0) {
    g_set_error (&error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--max-body-bytes, --queue-size and --read-timeout must be "
           "positive"));
    status = 2;
  } else if (g_mkdir_with_parents (server.spooldir, 0700) != 0) {
    gint err = errno;

    g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (err),
        _ ("cannot create %s: %s"), server.spooldir, g_strerror (err));
    status = 1;
  } else if (opts->auth_token_file &&
      !read_token (&server, opts->auth_token_file, &error)) {
    status = 2;
  } else if (!start_redis (&server, &error)) {
    status = 2;
  } else if (!server_start (&server, &error)) {
    status = 1;
  }
  if (status != 0) {
    log_line ("%s", error->message);
    g_error_free (error);
    server_clear (&server);
    return status;
  }
  /* over a file size limit, write() fails with EFBIG */
  signal (SIGXFSZ, SIG_IGN);
  sweep (&server);
  print_uris (&server);
  g_timeout_add_seconds (SWEEP_INTERVAL_S, on_sweep, &server);
  g_unix_signal_add (SIGTERM, on_signal, &server);
  g_unix_signal_add (SIGINT, on_signal, &server);
  if (verbose)
    log_line (_ ("%u images of each kind at once, queue of %d"), server.limit,
        opts->queue_size);

  g_main_loop_run (server.loop);

  log_line (_ ("stopped"));
  server_clear (&server);
  return 0;
}

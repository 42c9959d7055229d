/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgcompress worker and imgcompress enqueue: jobs on a Redis Stream,
 * consumed through a consumer group by any number of workers on any
 * number of machines (docs/scale-out.md).
 *
 * A worker takes one job at a time, makes it in its long-lived pipeline
 * (imgcompress-worker.c), then publishes the result and acknowledges the
 * job in one Lua script: a crash before the script leaves the job pending
 * (it is redone), a crash after it leaves nothing to redo, and a done
 * marker set in the script makes a second finish of the same entry (a
 * redo after a claim) add no second result.  Outputs are written
 * atomically under fixed names, so a redo replaces its own files. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgcompress-batch.h"
#include "imgcompress-outputs.h"
#include "imgcompress-prometheus.h"
#include "imgcompress-queue.h"
#include "imgcompress-report.h"
#include "imgcompress-worker.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

#define READ_BLOCK_MS 1000
#define DONE_MARKER_TTL_S (7 * 24 * 3600)

/* KEYS: the job stream, the results stream, the job's done marker, the
 * dead-letter stream.  ARGV: the group, the job's entry id, the marker's
 * TTL, "1" to dead-letter the job too, then the result's fields and
 * values.  The first finish of an entry sets the marker and adds the
 * result; any finish acknowledges the entry and deletes it, so that the
 * job stream holds only jobs not yet finished.  Returns 1 when the result
 * was added, 0 when an earlier finish had added it. */
static const gchar finish_script[] =
    "local added = 0\n"
    "if redis.call('SET', KEYS[3], ARGV[2], 'NX', 'EX', tonumber(ARGV[3])) "
    "then\n"
    "  local result = {}\n"
    "  for i = 5, #ARGV do result[#result + 1] = ARGV[i] end\n"
    "  redis.call('XADD', KEYS[2], '*', unpack(result))\n"
    "  if ARGV[4] == '1' then\n"
    "    redis.call('XADD', KEYS[4], '*', unpack(result))\n"
    "  end\n"
    "  added = 1\n"
    "end\n"
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])\n"
    "redis.call('XDEL', KEYS[1], ARGV[2])\n"
    "return added\n";

/* --- options ----------------------------------------------------------- */

static void
set_defaults (ImgcompressQueueOptions *opts)
{
  opts->claim_after_s = IMGCOMPRESS_QUEUE_DEFAULT_CLAIM_AFTER;
  opts->max_tries = IMGCOMPRESS_QUEUE_DEFAULT_MAX_TRIES;
  opts->job_timeout_s = IMGCOMPRESS_QUEUE_DEFAULT_JOB_TIMEOUT;
}

/* A copy to add to a context's main entries (g_free it after parsing). */
GOptionEntry *
imgcompress_queue_worker_option_entries (ImgcompressQueueOptions *opts)
{
  const GOptionEntry entries[] = {
    { "redis", 0, 0, G_OPTION_ARG_STRING, &opts->redis_url,
        N_ ("Redis server: redis://HOST[:PORT][/DB] or unix:///PATH "
            "(required)"),
        "URL" },
    { "stream", 0, 0, G_OPTION_ARG_STRING, &opts->stream,
        N_ ("Stream the jobs are read from (required)"), "NAME" },
    { "group", 0, 0, G_OPTION_ARG_STRING, &opts->group,
        N_ ("Consumer group the workers share (default imgcompress)"), "NAME" },
    { "consumer", 0, 0, G_OPTION_ARG_STRING, &opts->consumer,
        N_ ("This worker's name in the group (default HOST-PID)"), "NAME" },
    { "claim-after", 0, 0, G_OPTION_ARG_INT, &opts->claim_after_s,
        N_ ("Redo the jobs of a worker silent for this many seconds "
            "(default 60)"),
        "SECONDS" },
    { "max-tries", 0, 0, G_OPTION_ARG_INT, &opts->max_tries,
        N_ ("A job delivered more often goes to the dead-letter stream "
            "(default 3)"),
        "N" },
    { "job-timeout", 0, 0, G_OPTION_ARG_INT, &opts->job_timeout_s,
        N_ ("Give up an image after this many seconds and leave it to a "
            "retry (default 600)"),
        "SECONDS" },
    { "results-stream", 0, 0, G_OPTION_ARG_STRING, &opts->results_stream,
        N_ ("Stream the results are added to (default STREAM:results)"),
        "NAME" },
    { "dead-stream", 0, 0, G_OPTION_ARG_STRING, &opts->dead_stream,
        N_ ("Dead-letter stream (default STREAM:dead)"), "NAME" },
    { NULL }
  };

  set_defaults (opts);
  return g_memdup2 (entries, sizeof (entries));
}

GOptionEntry *
imgcompress_queue_enqueue_option_entries (ImgcompressQueueOptions *opts)
{
  const GOptionEntry entries[] = {
    { "redis", 0, 0, G_OPTION_ARG_STRING, &opts->redis_url,
        N_ ("Redis server: redis://HOST[:PORT][/DB] or unix:///PATH "
            "(required)"),
        "URL" },
    { "stream", 0, 0, G_OPTION_ARG_STRING, &opts->stream,
        N_ ("Stream the jobs are added to (required)"), "NAME" },
    { "max-queue", 0, 0, G_OPTION_ARG_INT64, &opts->max_queue,
        N_ ("Refuse to add jobs when the stream would hold more unfinished "
            "jobs than this (default 0: no limit)"),
        "N" },
    { NULL }
  };

  set_defaults (opts);
  return g_memdup2 (entries, sizeof (entries));
}

void
imgcompress_queue_options_clear (ImgcompressQueueOptions *opts)
{
  g_free (opts->redis_url);
  g_free (opts->stream);
  g_free (opts->group);
  g_free (opts->consumer);
  g_free (opts->results_stream);
  g_free (opts->dead_stream);
}

#define log_line(...) imgcompress_log_line ("imgcompress worker", __VA_ARGS__)

/* --- jobs --------------------------------------------------------------- */

gchar *
imgcompress_queue_add_job (ImgcompressRedis *redis, const gchar *stream,
    const ImgcompressJob *job, GError **error)
{
  GPtrArray *args = g_ptr_array_new ();
  redisReply *reply;
  gchar *entry = NULL;

  g_ptr_array_add (args, "XADD");
  g_ptr_array_add (args, (gpointer) stream);
  g_ptr_array_add (args, "*");
#define ADD_FIELD(field)                                                       \
  if (job->field != NULL) {                                                    \
    g_ptr_array_add (args, #field);                                            \
    g_ptr_array_add (args, (gpointer) job->field);                             \
  }
  ADD_FIELD (id);
  ADD_FIELD (input);
  ADD_FIELD (outdir);
  ADD_FIELD (layout);
  ADD_FIELD (variants);
  ADD_FIELD (name);
#undef ADD_FIELD
  reply = imgcompress_redis_commandv (redis, args, error);
  if (reply != NULL) {
    const gchar *id = imgcompress_redis_reply_string (reply);

    if (id != NULL)
      entry = g_strdup (id);
    else
      g_set_error (error, IMGCOMPRESS_REDIS_ERROR,
          IMGCOMPRESS_REDIS_ERROR_REPLY,
          _ ("Redis at %s answered XADD "
             "without an entry id"),
          imgcompress_redis_address (redis));
    freeReplyObject (reply);
  }
  g_ptr_array_unref (args);
  return entry;
}

/* A job taken from the stream, and what became of it. */
typedef struct
{
  gchar *entry; /* the stream entry's id */
  GHashTable *fields; /* NULL: the entry was deleted meanwhile */
  gint64 deliveries;
  gboolean redo; /* tried before, by a worker now silent (or this one) */
  ImgcompressImage *image;
  gchar *outdir;
  gchar *location;
  gchar *variants;
  ImgcompressConfig config; /* the worker's, with the job's variants */
  GError *error; /* a failure that is final: the job fails */
  ImgcompressFailure failure;
  const gchar *reason; /* instead of the failure's name */
  gboolean done; /* the image is over */
  guint timeout_id; /* --job-timeout's source, 0 once it ran */
  gboolean retry; /* not the job's fault: no result, it is redone */
  gchar *retry_reason;
} Job;

static void
job_free (Job *job)
{
  g_free (job->entry);
  if (job->fields)
    g_hash_table_unref (job->fields);
  if (job->image)
    imgcompress_image_free (job->image);
  g_free (job->outdir);
  g_free (job->location);
  g_free (job->variants);
  if (job->config.variants)
    g_array_unref (job->config.variants);
  g_clear_error (&job->error);
  g_free (job->retry_reason);
  g_free (job);
}

static const gchar *
job_field (const Job *job, const gchar *name)
{
  const gchar *v = job->fields ? g_hash_table_lookup (job->fields, name) : NULL;

  return v && *v ? v : NULL;
}

/* [id, [field, value, ...]] or [id, nil] (deleted), as XREADGROUP and
 * XAUTOCLAIM give entries. */
static Job *
job_from_entry (const redisReply *entry)
{
  const redisReply *fields = imgcompress_redis_reply_element (entry, 1);
  const gchar *id =
      imgcompress_redis_reply_string (imgcompress_redis_reply_element (entry,
          0));
  Job *job;
  gsize i, n;

  if (id == NULL)
    return NULL;
  job = g_new0 (Job, 1);
  job->entry = g_strdup (id);
  job->deliveries = 1;
  if (fields == NULL || fields->type != REDIS_REPLY_ARRAY)
    return job;
  job->fields = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  n = imgcompress_redis_reply_length (fields);
  for (i = 0; i + 1 < n; i += 2) {
    const gchar *k = imgcompress_redis_reply_string (fields->element[i]);
    const gchar *v = imgcompress_redis_reply_string (fields->element[i + 1]);

    if (k && v)
      g_hash_table_replace (job->fields, g_strdup (k), g_strdup (v));
  }
  return job;
}

static void fail_job (Job *job, ImgcompressFailure failure, const gchar *format,
    ...) G_GNUC_PRINTF (3, 4);

static void
fail_job (Job *job, ImgcompressFailure failure, const gchar *format, ...)
{
  va_list args;
  gchar *message;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_clear_error (&job->error);
  job->error =
      g_error_new_literal (IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE, message);
  job->failure = failure;
  g_free (message);
}

/* The job's variants: the configuration's, some of them by name, or a
 * list of its own in --variants syntax. */
static gchar *
job_variants (const ImgcompressConfig *config, const gchar *spec,
    GError **error)
{
  gchar **names;
  GString *s;
  guint i, j;

  if (spec == NULL)
    return imgcompress_config_variants_string (config);
  if (strchr (spec, ':') != NULL)
    return g_strdup (spec);
  names = g_strsplit (spec, ",", -1);
  s = g_string_new (NULL);
  for (i = 0; names[i] != NULL; i++) {
    gboolean found = FALSE;

    for (j = 0; j < config->variants->len && !found; j++) {
      const GstImgcompressVariantInfo *v =
          &g_array_index (config->variants, GstImgcompressVariantInfo, j);

      if (strcmp (g_strstrip (names[i]), v->variant) == 0) {
        g_string_append_printf (s, "%s%s:%u:%d:%d", s->len ? "," : "",
            v->variant, v->max_dimension, v->jpeg_quality, v->webp_quality);
        found = TRUE;
      }
    }
    if (!found) {
      gchar *shown = gst_imgcompress_escape_for_display (names[i]);

      g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_CONFIG,
          _ ("the job asks for the variant '%s', which the configuration "
             "does not have"),
          shown);
      g_free (shown);
      g_strfreev (names);
      g_string_free (s, TRUE);
      return NULL;
    }
  }
  g_strfreev (names);
  return g_string_free (s, FALSE);
}

/* flat or date (the day the job was enqueued, from its entry id, so that a
 * redo writes the same files), or a location template of its own. */
static gchar *
job_location (const Job *job, const gchar *layout)
{
  ImgcompressLayout l;
  GDateTime *day;
  gchar *location;

  if (layout == NULL)
    layout = "flat";
  if (strchr (layout, '{') != NULL)
    return g_strdup (layout);
  if (!imgcompress_layout_from_string (layout, &l) ||
      l == IMGCOMPRESS_LAYOUT_TREE)
    return NULL;
  day = g_date_time_new_from_unix_utc (g_ascii_strtoll (job->entry, NULL, 10) /
      1000);
  location = imgcompress_outputs_location_template (l, day);
  g_date_time_unref (day);
  return location;
}

/* An absolute directory, below @root when the worker has one. */
static gchar *
job_outdir (const gchar *outdir, const gchar *root)
{
  gchar *path;

  if (root == NULL)
    return g_path_is_absolute (outdir) ? g_canonicalize_filename (outdir, "/") :
                                         NULL;
  path = g_canonicalize_filename (outdir, root);
  if (strcmp (path, root) != 0 &&
      !(g_str_has_prefix (path, root) &&
          (path[strlen (root)] == '/' || g_str_has_suffix (root, "/")))) {
    g_free (path);
    return NULL;
  }
  return path;
}

/* What the job asks for, checked: a job that cannot be made as asked
 * fails at once, it is not retried. */
static gboolean check_job (Job *job, const ImgcompressConfig *config,
    const gchar *root);

/* A job that cannot be made as asked fails at once ("invalid_job"). */
static gboolean
prepare_job (Job *job, const ImgcompressConfig *config, const gchar *root)
{
  if (check_job (job, config, root))
    return TRUE;
  job->reason = "invalid_job";
  return FALSE;
}

static gboolean
check_job (Job *job, const ImgcompressConfig *config, const gchar *root)
{
  const gchar *input = job_field (job, "input");
  const gchar *outdir = job_field (job, "outdir");
  const gchar *name = job_field (job, "name");
  GError *error = NULL;
  GStatBuf st;

  if (input == NULL || outdir == NULL) {
    fail_job (job, IMGCOMPRESS_FAILURE_INTERNAL, _ ("the job has no %s field"),
        input == NULL ? "input" : "outdir");
    return FALSE;
  }
  job->outdir = job_outdir (outdir, root);
  if (job->outdir == NULL) {
    fail_job (job, IMGCOMPRESS_FAILURE_OUTPUT_WRITE,
        root ? _ ("the job's outdir %s is not below the worker's -o %s") :
               _ ("the job's outdir %s is not an absolute path"),
        outdir, root);
    return FALSE;
  }
  job->location = job_location (job, job_field (job, "layout"));
  if (job->location == NULL) {
    fail_job (job, IMGCOMPRESS_FAILURE_INTERNAL,
        _ ("the job's layout must be flat, date or a location template, "
           "not '%s'"),
        job_field (job, "layout"));
    return FALSE;
  }
  job->variants = job_variants (config, job_field (job, "variants"), &error);
  job->config = *config;
  job->config.variants = NULL;
  if (job->variants == NULL ||
      !imgcompress_config_set_variants (&job->config, job->variants, "variants",
          &error)) {
    fail_job (job, IMGCOMPRESS_FAILURE_INTERNAL, "%s", error->message);
    g_error_free (error);
    return FALSE;
  }
  job->image = imgcompress_image_new (input,
      g_stat (input, &st) == 0 ? (guint64) st.st_size : 0);
  if (name != NULL) {
    g_free (job->image->stream_name);
    job->image->stream_name = gst_imgcompress_escape_for_display (name);
    g_free (job->image->name);
    job->image->name = gst_imgcompress_name_component (name);
  }
  if (!imgcompress_outputs_plan (job->image, job->location, &job->config, NULL,
          &error)) {
    fail_job (job, IMGCOMPRESS_FAILURE_INTERNAL, "%s", error->message);
    g_error_free (error);
    return FALSE;
  }
  return TRUE;
}

/* --- the worker --------------------------------------------------------- */

typedef struct
{
  const ImgcompressQueueOptions *opts;
  const ImgcompressConfig *config;
  const gchar *root;
  const gchar *prometheus;
  gboolean verbose;
  gboolean quiet;
  ImgcompressRedis *redis;
  const gchar *group;
  gchar *consumer;
  gchar *results;
  gchar *dead;
  gchar *claim_cursor;
  gint64 next_claim_us;
  ImgcompressWorker *pipeline;
  gchar *pipeline_outdir;
  gchar *pipeline_variants;
  Job *job; /* in flight */
  guint signals;
  ImgcompressPrometheus *prom;
  guint64 processed;
  guint64 failed;
  guint64 claimed;
  guint64 dead_lettered;
  gint64 backlog; /* entries in the stream: waiting or pending */
  gint64 pending; /* delivered, not yet finished */
} QueueWorker;

static gboolean
stopping (gpointer data)
{
  QueueWorker *w = data;

  return w->signals > 0;
}

static gboolean
give_up_publishing (gpointer data)
{
  QueueWorker *w = data;

  /* a second signal: the job stays pending and is redone elsewhere */
  return w->signals > 1;
}

static gboolean
on_signal (gpointer data)
{
  QueueWorker *w = data;

  if (w->signals++ == 0)
    log_line (_ ("stopping: no new job is taken; the one in flight is "
                 "finished"));
  else
    log_line (_ ("stopping at once: the job in flight is left to another "
                 "worker"));
  return G_SOURCE_CONTINUE;
}

/* Runs @fn until it gets an answer: a lost connection is made again (with
 * backoff, every attempt logged) and the command repeated.  Gives up when
 * @give_up says so; another error is returned at once. */
static redisReply *
command_retrying (QueueWorker *w, GPtrArray *args,
    gboolean (*give_up) (gpointer), GError **error)
{
  for (;;) {
    GError *err = NULL;
    redisReply *reply = imgcompress_redis_commandv (w->redis, args, &err);

    if (reply != NULL)
      return reply;
    if (!imgcompress_redis_is_connection_error (err) || give_up (w)) {
      g_propagate_error (error, err);
      return NULL;
    }
    log_line ("%s", err->message);
    g_error_free (err);
    if (!imgcompress_redis_reconnect (w->redis, "imgcompress worker", give_up,
            w)) {
      g_set_error (error, IMGCOMPRESS_REDIS_ERROR,
          IMGCOMPRESS_REDIS_ERROR_CONNECTION,
          _ ("no connection to Redis at %s"),
          imgcompress_redis_address (w->redis));
      return NULL;
    }
  }
}

static GPtrArray *args_new (const gchar *first, ...) G_GNUC_NULL_TERMINATED;

static GPtrArray *
args_new (const gchar *first, ...)
{
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  const gchar *a;
  va_list ap;

  va_start (ap, first);
  for (a = first; a != NULL; a = va_arg (ap, const gchar *))
    g_ptr_array_add (args, g_strdup (a));
  va_end (ap);
  return args;
}

/* The group starts at the stream's first entry: jobs enqueued before any
 * worker ran are not skipped. */
static gboolean
ensure_group (QueueWorker *w, GError **error)
{
  GError *err = NULL;
  redisReply *reply = imgcompress_redis_command (w->redis, &err, "XGROUP",
      "CREATE", w->opts->stream, w->group, "0", "MKSTREAM", NULL);

  if (reply != NULL) {
    freeReplyObject (reply);
    return TRUE;
  }
  if (strstr (err->message, "BUSYGROUP") != NULL) {
    g_error_free (err);
    return TRUE;
  }
  g_propagate_error (error, err);
  return FALSE;
}

static gint64
deliveries_of (QueueWorker *w, const gchar *entry)
{
  GPtrArray *args =
      args_new ("XPENDING", w->opts->stream, w->group, entry, entry, "1", NULL);
  redisReply *reply = command_retrying (w, args, stopping, NULL);
  const redisReply *row = imgcompress_redis_reply_element (reply, 0);
  gint64 n = 1;

  if (!imgcompress_redis_reply_integer (imgcompress_redis_reply_element (row,
                                            3),
          &n))
    n = 1;
  if (reply)
    freeReplyObject (reply);
  g_ptr_array_unref (args);
  return n;
}

/* The first entry of XREADGROUP's answer [[stream, [entry...]]], or NULL
 * (none, the block timed out). */
static Job *
read_entry (QueueWorker *w, const gchar *from, GError **error)
{
  GPtrArray *args = args_new ("XREADGROUP", "GROUP", w->group, w->consumer,
      "COUNT", "1", NULL);
  redisReply *reply;
  Job *job = NULL;

  if (strcmp (from, ">") == 0) {
    g_ptr_array_add (args, g_strdup ("BLOCK"));
    g_ptr_array_add (args, g_strdup_printf ("%d", READ_BLOCK_MS));
  }
  g_ptr_array_add (args, g_strdup ("STREAMS"));
  g_ptr_array_add (args, g_strdup (w->opts->stream));
  g_ptr_array_add (args, g_strdup (from));
  reply = imgcompress_redis_commandv (w->redis, args, error);
  if (reply != NULL) {
    const redisReply *stream = imgcompress_redis_reply_element (reply, 0);
    const redisReply *entries = imgcompress_redis_reply_element (stream, 1);

    job = job_from_entry (imgcompress_redis_reply_element (entries, 0));
    freeReplyObject (reply);
  }
  g_ptr_array_unref (args);
  return job;
}

/* One entry idle for longer than --claim-after, now ours: its worker died
 * or hangs.  The scan goes on from its cursor at the next call; when it
 * has gone round, the next one waits half --claim-after. */
static Job *
claim_entry (QueueWorker *w, GError **error)
{
  gchar *idle = g_strdup_printf ("%" G_GINT64_FORMAT,
      (gint64) w->opts->claim_after_s * 1000);
  GPtrArray *args = args_new ("XAUTOCLAIM", w->opts->stream, w->group,
      w->consumer, idle, w->claim_cursor, "COUNT", "1", NULL);
  redisReply *reply = imgcompress_redis_commandv (w->redis, args, error);
  const gchar *cursor;
  Job *job = NULL;

  g_free (idle);
  g_ptr_array_unref (args);
  if (reply == NULL)
    return NULL;
  cursor =
      imgcompress_redis_reply_string (imgcompress_redis_reply_element (reply,
          0));
  job = job_from_entry (imgcompress_redis_reply_element (
      imgcompress_redis_reply_element (reply, 1), 0));
  g_free (w->claim_cursor);
  w->claim_cursor = g_strdup (cursor ? cursor : "0-0");
  if (job == NULL && strcmp (w->claim_cursor, "0-0") == 0)
    w->next_claim_us = g_get_monotonic_time () +
        MAX (1, w->opts->claim_after_s) * G_USEC_PER_SEC / 2;
  freeReplyObject (reply);
  if (job != NULL) {
    job->redo = TRUE;
    job->deliveries = deliveries_of (w, job->entry);
    w->claimed++;
    log_line (_ ("claimed entry %s of a silent worker (delivery %u)"),
        job->entry, (guint) CLAMP (job->deliveries, 0, G_MAXUINT));
  }
  return job;
}

/* --- results ------------------------------------------------------------ */

/* metricsink tells the path it wrote, under the output directory */
static gchar *
output_path (const Job *job, const ImgcompressOutput *o)
{
  return g_path_is_absolute (o->location) ?
      g_strdup (o->location) :
      g_build_filename (job->outdir, o->location, NULL);
}

static gchar *
outputs_json (const Job *job)
{
  JsonBuilder *b = json_builder_new ();
  JsonGenerator *gen;
  JsonNode *root;
  gchar *text;
  guint i;

  json_builder_begin_array (b);
  for (i = 0; job->image && i < job->image->outputs->len; i++) {
    const ImgcompressOutput *o = g_ptr_array_index (job->image->outputs, i);
    gchar *path = output_path (job, o);

    json_builder_begin_object (b);
    json_builder_set_member_name (b, "variant");
    json_builder_add_string_value (b, o->variant);
    json_builder_set_member_name (b, "format");
    json_builder_add_string_value (b, o->format);
    json_builder_set_member_name (b, "path");
    json_builder_add_string_value (b, path);
    json_builder_set_member_name (b, "width");
    json_builder_add_int_value (b, o->width);
    json_builder_set_member_name (b, "height");
    json_builder_add_int_value (b, o->height);
    json_builder_set_member_name (b, "bytes");
    json_builder_add_int_value (b, (gint64) o->bytes);
    json_builder_set_member_name (b, "quality");
    json_builder_add_int_value (b, o->quality);
    json_builder_end_object (b);
    g_free (path);
  }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  gen = json_generator_new ();
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}

static void
add_pair (GPtrArray *args, const gchar *field, const gchar *value)
{
  g_ptr_array_add (args, g_strdup (field));
  g_ptr_array_add (args, g_strdup (value ? value : ""));
}

/* The result and the acknowledgement, in one script; a lost connection is
 * made again and the script sent again (the marker makes a repeat of a
 * script that did run harmless).  Returns FALSE when the result could not
 * be published: the job stays pending and is redone. */
static gboolean
finish_job (QueueWorker *w, Job *job, gboolean dead)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);
  gchar *outputs = outputs_json (job);
  gchar *tries = g_strdup_printf ("%" G_GINT64_FORMAT, job->deliveries);
  gboolean ok = FALSE;
  gint64 added = 0;

  g_ptr_array_add (keys, g_strdup (w->opts->stream));
  g_ptr_array_add (keys, g_strdup (w->results));
  g_ptr_array_add (keys,
      g_strdup_printf ("%s:done:%s", w->opts->stream, job->entry));
  g_ptr_array_add (keys, g_strdup (w->dead));
  g_ptr_array_add (args, g_strdup (w->group));
  g_ptr_array_add (args, g_strdup (job->entry));
  g_ptr_array_add (args, g_strdup_printf ("%d", DONE_MARKER_TTL_S));
  g_ptr_array_add (args, g_strdup (dead ? "1" : "0"));
  add_pair (args, "id", job_field (job, "id"));
  add_pair (args, "entry", job->entry);
  add_pair (args, "status", job->error ? "failed" : "done");
  add_pair (args, "reason",
      job->reason    ? job->reason :
          job->error ? imgcompress_failure_to_string (job->failure) :
                       "");
  add_pair (args, "error", job->error ? job->error->message : "");
  add_pair (args, "input", job_field (job, "input"));
  add_pair (args, "outputs", outputs);
  add_pair (args, "worker", w->consumer);
  add_pair (args, "tries", tries);

  for (;;) {
    GError *err = NULL;
    redisReply *reply =
        imgcompress_redis_eval (w->redis, finish_script, keys, args, &err);

    if (reply != NULL) {
      ok = imgcompress_redis_reply_integer (reply, &added);
      freeReplyObject (reply);
      break;
    }
    log_line ("%s", err->message);
    if (!imgcompress_redis_is_connection_error (err) ||
        !imgcompress_redis_reconnect (w->redis, "imgcompress worker",
            give_up_publishing, w)) {
      g_error_free (err);
      break;
    }
    g_error_free (err);
  }
  if (ok && !added)
    log_line (_ ("entry %s had been finished by another worker; its result "
                 "stands"),
        job->entry);
  g_free (tries);
  g_free (outputs);
  g_ptr_array_unref (keys);
  g_ptr_array_unref (args);
  return ok;
}

/* --- making the image --------------------------------------------------- */

static void
on_output (ImgcompressWorker *pipeline, ImgcompressOutput *o,
    gpointer user_data)
{
  QueueWorker *w = user_data;

  if (w->job)
    g_ptr_array_add (w->job->image->outputs, o);
  else
    imgcompress_output_free (o);
}

static void
on_done (ImgcompressWorker *pipeline, const GstImgcompressImageInfo *info,
    const GError *error, const gchar *debug, gpointer user_data)
{
  QueueWorker *w = user_data;
  Job *job = w->job;

  if (job == NULL)
    return;
  job->done = TRUE;
  if (info && info->format != GST_IMGCOMPRESS_FORMAT_UNKNOWN)
    job->image->input_format = gst_imgcompress_format_to_string (info->format);
  if (error == NULL)
    return;
  if (imgcompress_worker_is_broken (pipeline)) {
    /* the pipeline's fault (disk full, directory gone), not the image's */
    job->retry = TRUE;
    job->retry_reason = g_strdup (error->message);
  } else {
    g_clear_error (&job->error);
    job->error = g_error_copy (error);
    job->failure = imgcompress_failure_from_error (error);
  }
}

static const ImgcompressWorkerCallbacks pipeline_callbacks = {
  on_output,
  NULL,
  on_done,
};

/* The pipeline for the job's output directory and variants; one
 * deployment has one of each, so it is built once and kept. */
static ImgcompressWorker *
pipeline_for (QueueWorker *w, Job *job, GError **error)
{
  ImgcompressWorkerSettings settings = { 0 };

  if (w->pipeline && !imgcompress_worker_is_broken (w->pipeline) &&
      strcmp (w->pipeline_outdir, job->outdir) == 0 &&
      strcmp (w->pipeline_variants, job->variants) == 0)
    return w->pipeline;
  g_clear_pointer (&w->pipeline, imgcompress_worker_free);
  g_clear_pointer (&w->pipeline_outdir, g_free);
  g_clear_pointer (&w->pipeline_variants, g_free);
  settings.config = &job->config;
  settings.outdir = job->outdir;
  settings.location_template = job->location;
  settings.variants = job->variants;
  /* a redo replaces the files of the earlier try */
  settings.overwrite = TRUE;
  w->pipeline = imgcompress_worker_new (w->consumer, &settings,
      &pipeline_callbacks, w, error);
  if (w->pipeline) {
    w->pipeline_outdir = g_strdup (job->outdir);
    w->pipeline_variants = g_strdup (job->variants);
  }
  return w->pipeline;
}

/* Claims the entry again for this worker (XCLAIM JUSTID resets its idle
 * time without counting a delivery), so that a long image is not taken
 * away by another worker's XAUTOCLAIM.  A lost connection is only tried
 * once here: the image goes on meanwhile. */
static gboolean
on_heartbeat (gpointer data)
{
  QueueWorker *w = data;
  GError *error = NULL;
  redisReply *reply;

  if (w->job == NULL)
    return G_SOURCE_REMOVE;
  reply =
      imgcompress_redis_command (w->redis, &error, "XCLAIM", w->opts->stream,
          w->group, w->consumer, "0", w->job->entry, "JUSTID", NULL);
  if (reply)
    freeReplyObject (reply);
  else {
    if (w->verbose)
      log_line ("%s", error->message);
    g_error_free (error);
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_job_timeout (gpointer data)
{
  QueueWorker *w = data;
  Job *job = w->job;

  if (job == NULL)
    return G_SOURCE_REMOVE;
  job->timeout_id = 0;
  if (!job->done) {
    job->retry = TRUE;
    job->retry_reason = g_strdup_printf (_ ("not done after %d s "
                                            "(--job-timeout)"),
        w->opts->job_timeout_s);
    /* metricsink removes its temporary file; the pipeline is rebuilt */
    imgcompress_worker_stop (w->pipeline);
    job->done = TRUE;
  }
  return G_SOURCE_REMOVE;
}

static void
remove_orphan_temps (Job *job)
{
  GError *error = NULL;
  guint removed = 0;

  g_ptr_array_add (job->image->planned, NULL);
  if (!gst_imgcompress_file_remove_stale_temps_of (job->outdir,
          (const gchar *const *) job->image->planned->pdata, 0, &removed,
          &error)) {
    log_line ("%s", error->message);
    g_error_free (error);
  } else if (removed > 0) {
    log_line (_ ("removed %u temporary files of entry %s's earlier try"),
        removed, job->entry);
  }
  g_ptr_array_remove_index (job->image->planned, job->image->planned->len - 1);
}

/* A failed image leaves none of its files. */
static void
remove_outputs (Job *job)
{
  guint i;

  for (i = 0; i < job->image->outputs->len; i++) {
    ImgcompressOutput *o = g_ptr_array_index (job->image->outputs, i);
    gchar *path = output_path (job, o);

    if (o->has_id)
      gst_imgcompress_file_remove_if_same (path, &o->id);
    g_free (path);
  }
  g_ptr_array_set_size (job->image->outputs, 0);
}

/* Reads the input and runs the image through the pipeline, the main
 * context turning (bus, heartbeat, timeout, signals) until it is over. */
static void
make_image (QueueWorker *w, Job *job)
{
  ImgcompressWorker *pipeline;
  GError *error = NULL;
  GstBuffer *input = NULL;
  guint heartbeat;
  gint fd;

  if (job->redo)
    remove_orphan_temps (job);
  fd = imgcompress_open_input (job->image->path, &error);
  if (fd >= 0) {
    input = imgcompress_read_input (job->image->path, fd,
        job->image->input_bytes, job->config.max_input_bytes, &error);
    close (fd);
  }
  if (input == NULL) {
    job->error = error;
    job->failure = imgcompress_failure_from_error (error);
    return;
  }
  pipeline = pipeline_for (w, job, &error);
  if (pipeline == NULL) {
    gst_buffer_unref (input);
    job->retry = TRUE;
    job->retry_reason = g_strdup (error->message);
    g_error_free (error);
    return;
  }
  imgcompress_worker_set_location (pipeline, job->location);
  heartbeat = g_timeout_add (MAX (1, w->opts->claim_after_s) * 1000 / 3,
      on_heartbeat, w);
  job->timeout_id = g_timeout_add_seconds (MAX (1, w->opts->job_timeout_s),
      on_job_timeout, w);
  imgcompress_worker_push (pipeline, job->image->stream_name, input);
  /* a second signal does not wait for the image */
  while (!job->done && w->signals < 2)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (heartbeat);
  if (job->timeout_id)
    g_source_remove (job->timeout_id);
  if (!job->done) {
    imgcompress_worker_stop (pipeline);
    job->retry = TRUE;
    job->retry_reason = g_strdup (_ ("interrupted"));
  }
  /* a failed image, or one left to a retry, leaves none of its files */
  if (job->error || job->retry)
    remove_outputs (job);
}

static void
count_job (QueueWorker *w, Job *job)
{
  guint i;

  if (job->error) {
    w->failed++;
    imgcompress_prometheus_add_failure (w->prom, job->failure);
    return;
  }
  w->processed++;
  for (i = 0; i < job->image->outputs->len; i++) {
    ImgcompressOutput *o = g_ptr_array_index (job->image->outputs, i);

    if (GST_CLOCK_TIME_IS_VALID (o->processing_time))
      job->image->processing_time =
          MAX (job->image->processing_time, o->processing_time);
    imgcompress_prometheus_add_output (w->prom, o->variant, o->format, o->bytes,
        o->ratio);
  }
  imgcompress_prometheus_add_image (w->prom,
      job->image->input_format ? job->image->input_format : "unknown",
      job->image->input_bytes,
      (gdouble) job->image->processing_time / GST_SECOND);
}

/* Too many deliveries: its workers died on it (or timed out) each time. */
static void
dead_letter (QueueWorker *w, Job *job)
{
  /* the files its crashed tries left, complete or not, go: a job without
   * a result has no files */
  if (prepare_job (job, w->config, w->root)) {
    guint i;

    remove_orphan_temps (job);
    for (i = 0; i < job->image->planned->len; i++) {
      gchar *path = g_build_filename (job->outdir,
          (const gchar *) g_ptr_array_index (job->image->planned, i), NULL);

      g_unlink (path);
      g_free (path);
    }
  }
  job->reason = "too_many_tries";
  fail_job (job, IMGCOMPRESS_FAILURE_INTERNAL,
      _ ("delivered %u times without a result (its workers crashed or "
         "timed out each time); --max-tries is %d"),
      (guint) CLAMP (job->deliveries, 0, G_MAXUINT), w->opts->max_tries);
  if (finish_job (w, job, TRUE)) {
    w->dead_lettered++;
    log_line (_ ("entry %s (job %s) went to the dead-letter stream %s"),
        job->entry, job_field (job, "id") ? job_field (job, "id") : "-",
        w->dead);
  }
}

static void
run_job (QueueWorker *w, Job *job)
{
  const gchar *id;

  if (job->fields == NULL) {
    /* deleted from the stream while pending: nothing to make */
    GError *error = NULL;
    redisReply *reply = imgcompress_redis_command (w->redis, &error, "XACK",
        w->opts->stream, w->group, job->entry, NULL);

    if (reply)
      freeReplyObject (reply);
    g_clear_error (&error);
    return;
  }
  if (job->deliveries > w->opts->max_tries) {
    dead_letter (w, job);
    return;
  }
  id = job_field (job, "id") ? job_field (job, "id") : job->entry;
  w->job = job;
  if (prepare_job (job, w->config, w->root))
    make_image (w, job);
  w->job = NULL;
  if (job->retry) {
    /* no result: after --claim-after it is redone, and counted */
    log_line (_ ("job %s (entry %s) is left to a retry: %s"), id, job->entry,
        job->retry_reason);
    g_clear_pointer (&w->pipeline, imgcompress_worker_free);
    return;
  }
  if (!finish_job (w, job, FALSE))
    return;
  count_job (w, job);
  if (job->error)
    log_line (_ ("job %s failed: %s"), id, job->error->message);
  else if (w->verbose)
    log_line (_ ("job %s done: %u files"), id, job->image->outputs->len);
}

/* --- metrics ------------------------------------------------------------ */

/* XINFO GROUPS answers a flat list of names and values per group. */
static void
update_queue_stats (QueueWorker *w)
{
  redisReply *reply = imgcompress_redis_command (w->redis, NULL, "XINFO",
      "GROUPS", w->opts->stream, NULL);
  gsize i, j;

  for (i = 0; i < imgcompress_redis_reply_length (reply); i++) {
    const redisReply *g = imgcompress_redis_reply_element (reply, i);
    gsize n = imgcompress_redis_reply_length (g);
    gboolean ours = FALSE;

    for (j = 0; j + 1 < n; j += 2)
      if (g_strcmp0 (imgcompress_redis_reply_string (g->element[j]), "name") ==
              0 &&
          g_strcmp0 (imgcompress_redis_reply_string (g->element[j + 1]),
              w->group) == 0)
        ours = TRUE;
    for (j = 0; ours && j + 1 < n; j += 2) {
      const gchar *key = imgcompress_redis_reply_string (g->element[j]);

      if (g_strcmp0 (key, "pending") == 0)
        imgcompress_redis_reply_integer (g->element[j + 1], &w->pending);
    }
  }
  if (reply)
    freeReplyObject (reply);
  reply =
      imgcompress_redis_command (w->redis, NULL, "XLEN", w->opts->stream, NULL);
  imgcompress_redis_reply_integer (reply, &w->backlog);
  if (reply)
    freeReplyObject (reply);
}

static void
append_worker_metrics (GString *s, QueueWorker *w)
{
  imgcompress_prometheus_append_metric (s, "worker_jobs_done_total", "counter",
      "Jobs this worker made and published", w->processed);
  imgcompress_prometheus_append_metric (s, "worker_jobs_failed_total",
      "counter", "Jobs this worker published as failed (bad image, bad job)",
      w->failed);
  imgcompress_prometheus_append_metric (s, "worker_jobs_claimed_total",
      "counter", "Jobs this worker took over from silent (dead) workers",
      w->claimed);
  imgcompress_prometheus_append_metric (s, "worker_jobs_dead_lettered_total",
      "counter", "Jobs this worker sent to the dead-letter stream",
      w->dead_lettered);
  imgcompress_prometheus_append_metric (s, "worker_queue_backlog", "gauge",
      "Jobs in the stream not yet finished (waiting or in flight)",
      (guint64) MAX (w->backlog, 0));
  imgcompress_prometheus_append_metric (s, "worker_queue_pending", "gauge",
      "Jobs delivered to the group's workers and not yet finished",
      (guint64) MAX (w->pending, 0));
}

static void
write_prometheus (QueueWorker *w)
{
  GString *extra = g_string_new (NULL);
  GError *error = NULL;

  update_queue_stats (w);
  append_worker_metrics (extra, w);
  if (!imgcompress_prometheus_write_file_with (w->prom, w->prometheus,
          extra->str, &error)) {
    log_line ("%s", error->message);
    g_error_free (error);
  }
  g_string_free (extra, TRUE);
}

static void
log_summary (QueueWorker *w)
{
  /* the numbers apart: G_GUINT64_FORMAT inside _() cuts the msgid */
  gchar *n[6];
  guint i;

  update_queue_stats (w);
  n[0] = g_strdup_printf ("%" G_GUINT64_FORMAT, w->processed);
  n[1] = g_strdup_printf ("%" G_GUINT64_FORMAT, w->failed);
  n[2] = g_strdup_printf ("%" G_GUINT64_FORMAT, w->claimed);
  n[3] = g_strdup_printf ("%" G_GUINT64_FORMAT, w->dead_lettered);
  n[4] = g_strdup_printf ("%" G_GINT64_FORMAT, w->backlog);
  n[5] = g_strdup_printf ("%" G_GINT64_FORMAT, w->pending);
  g_printerr (_ ("imgcompress worker: %s: %s done, %s failed, %s claimed "
                 "from silent workers, %s dead-lettered; queue: %s "
                 "unfinished, %s in flight\n"),
      w->consumer, n[0], n[1], n[2], n[3], n[4], n[5]);
  for (i = 0; i < G_N_ELEMENTS (n); i++)
    g_free (n[i]);
}

/* --- the loop ----------------------------------------------------------- */

/* The next job: first what this consumer had pending when it started (a
 * restart under the same name), then a claim when one is due, then a new
 * entry (blocking a second).  NULL: none now, or stopping. */
static Job *
next_job (QueueWorker *w, gchar **own_cursor)
{
  GError *error = NULL;
  Job *job = NULL;

  if (*own_cursor) {
    job = read_entry (w, *own_cursor, &error);
    if (job) {
      g_free (*own_cursor);
      *own_cursor = g_strdup (job->entry);
      job->deliveries = deliveries_of (w, job->entry);
      job->redo = TRUE;
      return job;
    }
    if (error == NULL)
      g_clear_pointer (own_cursor, g_free);
  }
  if (error == NULL && g_get_monotonic_time () >= w->next_claim_us)
    job = claim_entry (w, &error);
  if (job == NULL && error == NULL)
    job = read_entry (w, ">", &error);
  if (error == NULL)
    return job;

  log_line ("%s", error->message);
  if (imgcompress_redis_is_connection_error (error)) {
    imgcompress_redis_reconnect (w->redis, "imgcompress worker", stopping, w);
  } else if (strstr (error->message, "NOGROUP") != NULL) {
    /* the stream or the group is gone (a server without persistence was
     * restarted): made again */
    GError *group_error = NULL;

    if (!ensure_group (w, &group_error)) {
      log_line ("%s", group_error->message);
      g_error_free (group_error);
      g_usleep (G_USEC_PER_SEC);
    }
  } else {
    g_usleep (G_USEC_PER_SEC);
  }
  g_error_free (error);
  return NULL;
}

static void
worker_loop (QueueWorker *w)
{
  gchar *own_cursor = g_strdup ("0");

  while (w->signals == 0) {
    Job *job = next_job (w, &own_cursor);

    while (g_main_context_iteration (NULL, FALSE))
      ;
    if (job) {
      run_job (w, job);
      job_free (job);
      if (w->prometheus)
        write_prometheus (w);
    }
  }
  g_free (own_cursor);
}

static gchar *
default_consumer (void)
{
  return g_strdup_printf ("%s-%d", g_get_host_name (), (gint) getpid ());
}

static gboolean
check_options (const ImgcompressQueueOptions *opts, gboolean worker,
    GError **error)
{
  if (opts->redis_url == NULL || opts->stream == NULL) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--redis and --stream are required"));
    return FALSE;
  }
  if (worker &&
      (opts->claim_after_s < 1 || opts->max_tries < 1 ||
          opts->job_timeout_s < 1)) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--claim-after, --max-tries and --job-timeout must be at least "
           "1"));
    return FALSE;
  }
  if (opts->max_queue < 0) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--max-queue must not be negative"));
    return FALSE;
  }
  return TRUE;
}

/* Parses the URL and connects: either failure is a usage error (exit 2)
 * that names the address. */
static ImgcompressRedis *
connect_redis (const ImgcompressQueueOptions *opts, const gchar *who)
{
  GError *error = NULL;
  ImgcompressRedis *redis = imgcompress_redis_new (opts->redis_url, &error);

  if (redis && !imgcompress_redis_connect (redis, &error))
    g_clear_pointer (&redis, imgcompress_redis_free);
  if (redis == NULL) {
    g_printerr ("%s: %s\n", who, error->message);
    g_error_free (error);
  }
  return redis;
}

int
imgcompress_queue_worker_run (const ImgcompressQueueOptions *opts,
    const ImgcompressConfig *config, const gchar *root, const gchar *prometheus,
    gboolean verbose, gboolean quiet)
{
  QueueWorker w = { 0 };
  GError *error = NULL;
  gchar *root_abs = NULL;
  guint sigint, sigterm;
  int status;

  if (!check_options (opts, TRUE, &error)) {
    g_printerr ("imgcompress worker: %s\n", error->message);
    g_error_free (error);
    return EXIT_USAGE;
  }
  w.redis = connect_redis (opts, "imgcompress worker");
  if (w.redis == NULL)
    return EXIT_USAGE;
  /* XREADGROUP blocks a second; an answer later than this is a hung
   * server, and the connection is made again */
  imgcompress_redis_set_timeout (w.redis, 10 + READ_BLOCK_MS / 1000);
  w.opts = opts;
  w.config = config;
  if (root)
    root_abs = g_canonicalize_filename (root, NULL);
  w.root = root_abs;
  w.prometheus = prometheus;
  w.verbose = verbose && !quiet;
  w.quiet = quiet;
  w.group = opts->group ? opts->group : IMGCOMPRESS_QUEUE_DEFAULT_GROUP;
  w.consumer = opts->consumer ? g_strdup (opts->consumer) : default_consumer ();
  w.results = opts->results_stream ?
      g_strdup (opts->results_stream) :
      g_strdup_printf ("%s:results", opts->stream);
  w.dead = opts->dead_stream ? g_strdup (opts->dead_stream) :
                               g_strdup_printf ("%s:dead", opts->stream);
  w.claim_cursor = g_strdup ("0-0");
  w.prom = imgcompress_prometheus_new ();

  if (!ensure_group (&w, &error)) {
    g_printerr ("imgcompress worker: %s\n", error->message);
    g_error_free (error);
    status = EXIT_USAGE;
  } else {
    if (!quiet)
      log_line (_ ("%s reads %s (group %s) at %s"), w.consumer, opts->stream,
          w.group, imgcompress_redis_address (w.redis));
    sigint = g_unix_signal_add (SIGINT, on_signal, &w);
    sigterm = g_unix_signal_add (SIGTERM, on_signal, &w);
    signal (SIGXFSZ, SIG_IGN);
    worker_loop (&w);
    status = w.signals > 1 ? EXIT_INTERRUPTED : 0;
    g_source_remove (sigint);
    g_source_remove (sigterm);
    if (w.prometheus)
      write_prometheus (&w);
    log_summary (&w);
  }

  g_clear_pointer (&w.pipeline, imgcompress_worker_free);
  g_free (w.pipeline_outdir);
  g_free (w.pipeline_variants);
  imgcompress_prometheus_free (w.prom);
  imgcompress_redis_free (w.redis);
  g_free (w.consumer);
  g_free (w.results);
  g_free (w.dead);
  g_free (w.claim_cursor);
  g_free (root_abs);
  return status;
}

/* --- enqueue ------------------------------------------------------------ */

static gboolean
check_room (ImgcompressRedis *redis, const ImgcompressQueueOptions *opts,
    guint n, GError **error)
{
  redisReply *reply;
  gint64 len = 0;

  if (opts->max_queue == 0)
    return TRUE;
  reply = imgcompress_redis_command (redis, error, "XLEN", opts->stream, NULL);
  if (reply == NULL)
    return FALSE;
  imgcompress_redis_reply_integer (reply, &len);
  freeReplyObject (reply);
  if (len + n > opts->max_queue) {
    gchar *held = g_strdup_printf ("%" G_GINT64_FORMAT, len);
    gchar *max = g_strdup_printf ("%" G_GINT64_FORMAT, opts->max_queue);

    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("the stream %s holds %s unfinished jobs; %u more would pass "
           "--max-queue %s"),
        opts->stream, held, n, max);
    g_free (held);
    g_free (max);
    return FALSE;
  }
  return TRUE;
}

int
imgcompress_queue_enqueue_run (const ImgcompressQueueOptions *opts,
    GPtrArray *inputs, const gchar *outdir, const gchar *layout,
    const gchar *variants, gboolean quiet)
{
  ImgcompressRedis *redis;
  GError *error = NULL;
  gchar *outdir_abs;
  int status = 0;
  guint i;

  if (!check_options (opts, FALSE, &error)) {
    g_printerr ("imgcompress enqueue: %s\n", error->message);
    g_error_free (error);
    return EXIT_USAGE;
  }
  if (layout && strchr (layout, '{') == NULL && strcmp (layout, "flat") != 0 &&
      strcmp (layout, "date") != 0) {
    g_printerr (_ ("imgcompress enqueue: --layout must be flat, date or a "
                   "location template, not '%s'\n"),
        layout);
    return EXIT_USAGE;
  }
  redis = connect_redis (opts, "imgcompress enqueue");
  if (redis == NULL)
    return EXIT_USAGE;
  if (!check_room (redis, opts, inputs->len, &error)) {
    g_printerr ("imgcompress enqueue: %s\n", error->message);
    g_error_free (error);
    imgcompress_redis_free (redis);
    return EXIT_FAILED;
  }
  outdir_abs = g_canonicalize_filename (outdir, NULL);
  for (i = 0; i < inputs->len; i++) {
    gchar *input =
        g_canonicalize_filename (g_ptr_array_index (inputs, i), NULL);
    gchar *id = g_uuid_string_random ();
    ImgcompressJob job = { id, input, outdir_abs, layout, variants, NULL };
    gchar *entry = NULL;

    if (!g_file_test (input, G_FILE_TEST_IS_REGULAR)) {
      gchar *shown = gst_imgcompress_escape_for_display (input);

      g_printerr (_ ("imgcompress enqueue: %s is not a file; not enqueued\n"),
          shown);
      g_free (shown);
      status = EXIT_FAILED;
    } else if ((entry = imgcompress_queue_add_job (redis, opts->stream, &job,
                    &error)) == NULL) {
      g_printerr ("imgcompress enqueue: %s\n", error->message);
      g_clear_error (&error);
      status = EXIT_FAILED;
    } else if (!quiet) {
      g_print ("%s\n", id);
    }
    g_free (entry);
    g_free (id);
    g_free (input);
  }
  g_free (outdir_abs);
  imgcompress_redis_free (redis);
  return status;
}

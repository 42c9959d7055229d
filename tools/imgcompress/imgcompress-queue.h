/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_QUEUE_H__
#define __IMGCOMPRESS_QUEUE_H__

#include <glib.h>

#include "imgcompress-config.h"
#include "imgcompress-redis.h"

G_BEGIN_DECLS

#define IMGCOMPRESS_QUEUE_DEFAULT_GROUP "imgcompress"
#define IMGCOMPRESS_QUEUE_DEFAULT_CLAIM_AFTER 60
#define IMGCOMPRESS_QUEUE_DEFAULT_MAX_TRIES 3
#define IMGCOMPRESS_QUEUE_DEFAULT_JOB_TIMEOUT 600

/* `imgcompress worker` and `imgcompress enqueue` (docs/scale-out.md). */
typedef struct
{
  gchar *redis_url;
  gchar *stream;
  gchar *group;
  gchar *consumer;
  gchar *results_stream; /* NULL: STREAM:results */
  gchar *dead_stream; /* NULL: STREAM:dead */
  gint claim_after_s;
  gint max_tries;
  gint job_timeout_s;
  gint64 max_queue; /* enqueue: refuse beyond this many jobs, 0: no limit */
} ImgcompressQueueOptions;

GOptionEntry *imgcompress_queue_worker_option_entries (ImgcompressQueueOptions
        *opts);
GOptionEntry *imgcompress_queue_enqueue_option_entries (ImgcompressQueueOptions
        *opts);
void imgcompress_queue_options_clear (ImgcompressQueueOptions *opts);

/* A job, the fields of its stream entry: docs/scale-out.md. */
typedef struct
{
  const gchar *id; /* the producer's id, returned in the result */
  const gchar *input; /* absolute path on the shared storage */
  const gchar *outdir; /* absolute path on the shared storage */
  const gchar *layout; /* flat, date or a location template; NULL: flat */
  const gchar *variants; /* names or NAME:DIM:JQ:WQ list; NULL: config's */
  const gchar *name; /* output stem; NULL: the input's file name */
} ImgcompressJob;

gchar *imgcompress_queue_add_job (ImgcompressRedis *redis, const gchar *stream,
    const ImgcompressJob *job, GError **error);

int imgcompress_queue_worker_run (const ImgcompressQueueOptions *opts,
    const ImgcompressConfig *config, const gchar *root, const gchar *prometheus,
    gboolean verbose, gboolean quiet);
int imgcompress_queue_enqueue_run (const ImgcompressQueueOptions *opts,
    GPtrArray *inputs, const gchar *outdir, const gchar *layout,
    const gchar *variants, gboolean quiet);

G_END_DECLS

#endif /* __IMGCOMPRESS_QUEUE_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_WORKER_H__
#define __IMGCOMPRESS_WORKER_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress.h>

#include "imgcompress-config.h"

G_BEGIN_DECLS

/* One file written, as its imgcompress-metrics message told it. */
typedef struct
{
  gchar *variant;
  gchar *format;
  gchar *location;
  gchar *held_location; /* until committed (metricsink's hold), or NULL */
  guint width;
  guint height;
  gint quality;
  guint64 bytes;
  guint64 input_bytes;
  gdouble ratio;
  GstClockTime processing_time;
  gint64 written_at_us; /* g_get_real_time () when reported */
  GstImgcompressFileId id; /* the file metricsink put in place */
  gboolean has_id;
} ImgcompressOutput;

void imgcompress_output_free (gpointer output);

/* A long-lived pipeline, `appsrc ! imgcompressbin on-error=skip`, that
 * makes one image at a time, fed image after image.  Building, negotiating
 * and tearing down a pipeline per image cost more than a small image's
 * whole processing. */
typedef struct _ImgcompressWorker ImgcompressWorker;

typedef struct
{
  /* A file of the image in flight was written. */
  void (*output) (ImgcompressWorker *worker, ImgcompressOutput *output,
      gpointer user_data);
  /* The image's pipeline warned (the first frame of an animation stands
   * for the image; a failed image's error comes again as a warning). */
  void (*warning) (ImgcompressWorker *worker, const GError *warning,
      const gchar *debug, gpointer user_data);
  /* The image in flight is over: @error is NULL when it was made.  A
   * pipeline error (not the image's fault: disk full, output directory
   * gone) also ends it, and leaves the worker broken; @info is what the
   * header said (NULL after a pipeline error). */
  void (*done) (ImgcompressWorker *worker, const GstImgcompressImageInfo *info,
      const GError *error, const gchar *debug, gpointer user_data);
} ImgcompressWorkerCallbacks;

typedef struct
{
  const ImgcompressConfig *config;
  const gchar *outdir;
  const gchar *location_template;
  const gchar *variants; /* imgcompress_config_variants_string () */
  const gchar *hold_variants; /* those whose files are held, or NULL */
  gboolean overwrite;
} ImgcompressWorkerSettings;

ImgcompressWorker *imgcompress_worker_new (const gchar *name,
    const ImgcompressWorkerSettings *settings,
    const ImgcompressWorkerCallbacks *callbacks, gpointer user_data,
    GError **error);
void imgcompress_worker_push (ImgcompressWorker *worker,
    const gchar *stream_name, GstBuffer *input);
void imgcompress_worker_set_location (ImgcompressWorker *worker,
    const gchar *location);
gboolean imgcompress_worker_is_busy (ImgcompressWorker *worker);
gboolean imgcompress_worker_is_broken (ImgcompressWorker *worker);
void imgcompress_worker_stop (ImgcompressWorker *worker);
void imgcompress_worker_free (ImgcompressWorker *worker);

gint imgcompress_open_input (const gchar *path, GError **error);
GstBuffer *imgcompress_read_input (const gchar *path, gint fd,
    guint64 size_hint, guint64 max_bytes, GError **error);

guint imgcompress_adapt_limit (guint limit, guint max_limit, gdouble mean_s,
    gboolean verbose);

G_END_DECLS

#endif /* __IMGCOMPRESS_WORKER_H__ */

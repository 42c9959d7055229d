/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_BATCH_H__
#define __IMGCOMPRESS_BATCH_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress.h>

#include "imgcompress-config.h"

G_BEGIN_DECLS

typedef struct
{
  gchar *variant;
  gchar *format;
  gchar *location;
  gchar *held_location; /* until committed (--thumbnails-first), or NULL */
  guint width;
  guint height;
  gint quality;
  guint64 bytes;
  gdouble ratio;
  GstClockTime processing_time;
  gint64 written_at_us; /* g_get_monotonic_time () when reported */
  GstImgcompressFileId id; /* the file metricsink put in place */
  gboolean has_id;
} ImgcompressOutput;

typedef struct
{
  gchar *path;
  gchar *stream_name; /* the name the image travels under (the file name,
                       * escaped to valid UTF-8) */
  gchar *name; /* output stem: {name} as metricsink makes it */
  GPtrArray *planned; /* relative paths of the files it will write */
  guint64 input_bytes;
  guint64 working_set; /* estimated peak memory, from the header */
  gboolean done;
  gboolean failed;
  gboolean skipped; /* --skip-existing found every file complete */
  gchar *error;
  gchar *warning; /* the first warning of its pipeline (made anyway) */
  GstClockTime processing_time; /* from start to its last file */
  GPtrArray *outputs; /* ImgcompressOutput */
} ImgcompressImage;

typedef struct _ImgcompressBatch ImgcompressBatch;

typedef void (*ImgcompressImageDone) (ImgcompressBatch *batch,
    ImgcompressImage *image, gpointer user_data);

typedef struct
{
  const ImgcompressConfig *config;
  const gchar *outdir;
  guint threads;
  guint chunk_size;
  gboolean overwrite;
  gboolean thumbnails_first;
  guint64 memory_budget; /* bytes the images in flight may take, 0: any */
  gboolean skip_existing; /* images whose every file is complete are not run */
  gboolean verbose;
  const gchar
      *location_template; /* from imgcompress_outputs_location_template */
  GPtrArray *days; /* --skip-existing with --layout date: date folders */
  ImgcompressImageDone on_image_done; /* called per finished image */
  ImgcompressImageDone on_output; /* called per file written */
  gpointer user_data;
} ImgcompressBatchOptions;

ImgcompressBatch *imgcompress_batch_new (const ImgcompressBatchOptions *options,
    GPtrArray *images);
gboolean imgcompress_batch_run (ImgcompressBatch *batch);
void imgcompress_batch_interrupt (ImgcompressBatch *batch);
gboolean imgcompress_batch_was_interrupted (ImgcompressBatch *batch);
guint imgcompress_batch_in_flight_limit (ImgcompressBatch *batch);
void imgcompress_batch_free (ImgcompressBatch *batch);

ImgcompressImage *imgcompress_image_new (const gchar *path,
    guint64 input_bytes);
void imgcompress_image_free (ImgcompressImage *image);

G_END_DECLS

#endif /* __IMGCOMPRESS_BATCH_H__ */

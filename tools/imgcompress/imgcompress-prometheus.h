/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_PROMETHEUS_H__
#define __IMGCOMPRESS_PROMETHEUS_H__

#include <glib.h>

G_BEGIN_DECLS

/* Every metric name starts with this. */
#define IMGCOMPRESS_METRIC_PREFIX "imgcompress_"

/**
 * ImgcompressFailure:
 *
 * Why an image failed, as a small fixed set: the `reason` label of
 * imgcompress_image_failures_total and the `error_code` of the metrics
 * JSON.  The strings (imgcompress_failure_to_string()) are stable; the
 * translated message is told beside them.
 */
typedef enum
{
  IMGCOMPRESS_FAILURE_NONE = 0,
  IMGCOMPRESS_FAILURE_INPUT_UNREADABLE, /* "input_unreadable" */
  IMGCOMPRESS_FAILURE_INVALID_IMAGE, /* "invalid_image" */
  IMGCOMPRESS_FAILURE_LIMIT_EXCEEDED, /* "limit_exceeded" */
  IMGCOMPRESS_FAILURE_ENCODE, /* "encode_failed" */
  IMGCOMPRESS_FAILURE_OUTPUT_WRITE, /* "output_write_failed" */
  IMGCOMPRESS_FAILURE_OUTPUT_EXISTS, /* "output_exists" */
  IMGCOMPRESS_FAILURE_NAME_COLLISION, /* "name_collision" */
  IMGCOMPRESS_FAILURE_INTERRUPTED, /* "interrupted" */
  IMGCOMPRESS_FAILURE_INTERNAL, /* "internal" */
  IMGCOMPRESS_FAILURE_N
} ImgcompressFailure;

const gchar *imgcompress_failure_to_string (ImgcompressFailure failure);
ImgcompressFailure imgcompress_failure_from_error (const GError *error);
ImgcompressFailure imgcompress_failure_from_string (const gchar *reason);

typedef struct _ImgcompressPrometheus ImgcompressPrometheus;

ImgcompressPrometheus *imgcompress_prometheus_new (void);
void imgcompress_prometheus_free (ImgcompressPrometheus *prom);

void imgcompress_prometheus_add_image (ImgcompressPrometheus *prom,
    const gchar *input_format, guint64 input_bytes, gdouble processing_s);
void imgcompress_prometheus_add_output (ImgcompressPrometheus *prom,
    const gchar *variant, const gchar *format, guint64 output_bytes,
    gdouble compression_ratio);
void imgcompress_prometheus_add_failure (ImgcompressPrometheus *prom,
    ImgcompressFailure reason);

gchar *imgcompress_prometheus_format (ImgcompressPrometheus *prom);
gboolean imgcompress_prometheus_check_directory (const gchar *path,
    GError **error);
gboolean imgcompress_prometheus_write_file (ImgcompressPrometheus *prom,
    const gchar *path, GError **error);
gboolean imgcompress_prometheus_write_file_with (ImgcompressPrometheus *prom,
    const gchar *path, const gchar *extra, GError **error);
void imgcompress_prometheus_append_metric (GString *s, const gchar *name,
    const gchar *type, const gchar *help, guint64 value);

G_END_DECLS

#endif /* __IMGCOMPRESS_PROMETHEUS_H__ */

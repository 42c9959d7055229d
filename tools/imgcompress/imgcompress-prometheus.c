/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The tool's Prometheus metrics, in one place: their names, labels,
 * buckets and failure reasons, the counters they accumulate and the text
 * exposition format (0.0.4) they are written in, for the node_exporter
 * textfile of `imgcompress --prometheus` as for a live /metrics endpoint.
 * The counters are behind a mutex: one thread may add while another
 * formats.  docs/metrics.md describes every metric. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <string.h>

#include "imgcompress-prometheus.h"

#define P IMGCOMPRESS_METRIC_PREFIX

/* The seed's buckets. */
static const gdouble time_buckets[] = { 0.1, 0.5, 1, 2, 5 };
static const gdouble ratio_buckets[] = { 0.3, 0.5, 0.7, 0.9 };

#define MAX_BUCKETS 5

static const gchar *const failure_names[IMGCOMPRESS_FAILURE_N] = {
  [IMGCOMPRESS_FAILURE_NONE] = "none",
  [IMGCOMPRESS_FAILURE_INPUT_UNREADABLE] = "input_unreadable",
  [IMGCOMPRESS_FAILURE_INVALID_IMAGE] = "invalid_image",
  [IMGCOMPRESS_FAILURE_LIMIT_EXCEEDED] = "limit_exceeded",
  [IMGCOMPRESS_FAILURE_ENCODE] = "encode_failed",
  [IMGCOMPRESS_FAILURE_OUTPUT_WRITE] = "output_write_failed",
  [IMGCOMPRESS_FAILURE_OUTPUT_EXISTS] = "output_exists",
  [IMGCOMPRESS_FAILURE_NAME_COLLISION] = "name_collision",
  [IMGCOMPRESS_FAILURE_INTERRUPTED] = "interrupted",
  [IMGCOMPRESS_FAILURE_INTERNAL] = "internal",
};

typedef struct
{
  guint64 counts[MAX_BUCKETS + 1]; /* per bucket, not cumulative; last +Inf */
  guint64 count;
  gdouble sum;
} Histogram;

/* One label set: {format} of the inputs, or {variant, format} of the
 * files written. */
typedef struct
{
  gchar *variant; /* NULL for input series */
  gchar *format;
  Histogram hist; /* processing seconds, or compression ratio */
  guint64 bytes;
  guint64 items; /* images made, or files written */
} Series;

struct _ImgcompressPrometheus
{
  GMutex lock;
  GTree *inputs; /* Series by {format} */
  GTree *outputs; /* Series by {variant, format} */
  guint64 failures[IMGCOMPRESS_FAILURE_N];
  gint64 last_success_us; /* g_get_real_time (), 0: none yet */
};

const gchar *
imgcompress_failure_to_string (ImgcompressFailure failure)
{
  g_return_val_if_fail (failure < IMGCOMPRESS_FAILURE_N, "internal");
  return failure_names[failure];
}

/* A reason told as a string (a worker's result); anything else is
 * internal. */
ImgcompressFailure
imgcompress_failure_from_string (const gchar *reason)
{
  guint i;

  for (i = IMGCOMPRESS_FAILURE_NONE + 1; i < IMGCOMPRESS_FAILURE_N; i++)
    if (g_strcmp0 (reason, failure_names[i]) == 0)
      return i;
  return IMGCOMPRESS_FAILURE_INTERNAL;
}

static ImgcompressFailure
failure_from_resource_error (gint code)
{
  switch (code) {
    case GST_RESOURCE_ERROR_NOT_FOUND:
    case GST_RESOURCE_ERROR_OPEN_READ:
    case GST_RESOURCE_ERROR_READ:
      return IMGCOMPRESS_FAILURE_INPUT_UNREADABLE;
    case GST_RESOURCE_ERROR_OPEN_WRITE:
    case GST_RESOURCE_ERROR_OPEN_READ_WRITE:
    case GST_RESOURCE_ERROR_WRITE:
    case GST_RESOURCE_ERROR_CLOSE:
    case GST_RESOURCE_ERROR_SYNC:
    case GST_RESOURCE_ERROR_NO_SPACE_LEFT:
      return IMGCOMPRESS_FAILURE_OUTPUT_WRITE;
    default:
      return IMGCOMPRESS_FAILURE_INTERNAL;
  }
}

static ImgcompressFailure
failure_from_stream_error (gint code)
{
  switch (code) {
    case GST_STREAM_ERROR_FAILED:
      /* adaptivequality's max-pixels and max-input-bytes refusals */
      return IMGCOMPRESS_FAILURE_LIMIT_EXCEEDED;
    case GST_STREAM_ERROR_ENCODE:
      return IMGCOMPRESS_FAILURE_ENCODE;
    case GST_STREAM_ERROR_NOT_IMPLEMENTED:
    case GST_STREAM_ERROR_TYPE_NOT_FOUND:
    case GST_STREAM_ERROR_WRONG_TYPE:
    case GST_STREAM_ERROR_CODEC_NOT_FOUND:
    case GST_STREAM_ERROR_DECODE:
    case GST_STREAM_ERROR_DEMUX:
    case GST_STREAM_ERROR_FORMAT:
    case GST_STREAM_ERROR_DECRYPT:
    case GST_STREAM_ERROR_DECRYPT_NOKEY:
      return IMGCOMPRESS_FAILURE_INVALID_IMAGE;
    default:
      return IMGCOMPRESS_FAILURE_INTERNAL;
  }
}

/* The reason of an error as GStreamer and the library post them: the
 * domain and code, never the (translated) text. */
ImgcompressFailure
imgcompress_failure_from_error (const GError *error)
{
  if (error == NULL)
    return IMGCOMPRESS_FAILURE_INTERNAL;
  if (error->domain == G_FILE_ERROR)
    return IMGCOMPRESS_FAILURE_INPUT_UNREADABLE;
  if (error->domain == GST_IMGCOMPRESS_FILE_ERROR)
    return error->code == GST_IMGCOMPRESS_FILE_ERROR_EXISTS ?
        IMGCOMPRESS_FAILURE_OUTPUT_EXISTS :
        IMGCOMPRESS_FAILURE_OUTPUT_WRITE;
  if (error->domain == GST_RESOURCE_ERROR)
    return failure_from_resource_error (error->code);
  if (error->domain == GST_STREAM_ERROR)
    return failure_from_stream_error (error->code);
  if (error->domain == GST_LIBRARY_ERROR &&
      error->code == GST_LIBRARY_ERROR_ENCODE)
    return IMGCOMPRESS_FAILURE_ENCODE;
  return IMGCOMPRESS_FAILURE_INTERNAL;
}

static gint
compare_series (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const Series *sa = a, *sb = b;
  gint c = g_strcmp0 (sa->variant, sb->variant);

  return c != 0 ? c : g_strcmp0 (sa->format, sb->format);
}

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->variant);
  g_free (s->format);
  g_free (s);
}

ImgcompressPrometheus *
imgcompress_prometheus_new (void)
{
  ImgcompressPrometheus *prom = g_new0 (ImgcompressPrometheus, 1);

  g_mutex_init (&prom->lock);
  /* key and value are the same Series: freed once, as the key */
  prom->inputs = g_tree_new_full (compare_series, NULL, series_free, NULL);
  prom->outputs = g_tree_new_full (compare_series, NULL, series_free, NULL);
  return prom;
}

void
imgcompress_prometheus_free (ImgcompressPrometheus *prom)
{
  if (prom == NULL)
    return;
  g_tree_unref (prom->inputs);
  g_tree_unref (prom->outputs);
  g_mutex_clear (&prom->lock);
  g_free (prom);
}

/* Called with the lock held. */
static Series *
get_series (GTree *tree, const gchar *variant, const gchar *format)
{
  Series key = { (gchar *) variant, (gchar *) (format ? format : "unknown") };
  Series *s = g_tree_lookup (tree, &key);

  if (s == NULL) {
    s = g_new0 (Series, 1);
    s->variant = g_strdup (key.variant);
    s->format = g_strdup (key.format);
    g_tree_insert (tree, s, s);
  }
  return s;
}

static void
histogram_observe (Histogram *h, const gdouble *bounds, guint n_bounds,
    gdouble value)
{
  guint i;

  for (i = 0; i < n_bounds && value > bounds[i]; i++)
    ;
  h->counts[i]++;
  h->count++;
  h->sum += value;
}

/* An image made: its input's format and size, and the seconds from its
 * arrival to its last file.  Its files come with add_output(). */
void
imgcompress_prometheus_add_image (ImgcompressPrometheus *prom,
    const gchar *input_format, guint64 input_bytes, gdouble processing_s)
{
  Series *s;

  g_mutex_lock (&prom->lock);
  s = get_series (prom->inputs, NULL, input_format);
  s->items++;
  s->bytes += input_bytes;
  histogram_observe (&s->hist, time_buckets, G_N_ELEMENTS (time_buckets),
      processing_s);
  prom->last_success_us = g_get_real_time ();
  g_mutex_unlock (&prom->lock);
}

void
imgcompress_prometheus_add_output (ImgcompressPrometheus *prom,
    const gchar *variant, const gchar *format, guint64 output_bytes,
    gdouble compression_ratio)
{
  Series *s;

  g_mutex_lock (&prom->lock);
  s = get_series (prom->outputs, variant ? variant : "", format);
  s->items++;
  s->bytes += output_bytes;
  histogram_observe (&s->hist, ratio_buckets, G_N_ELEMENTS (ratio_buckets),
      compression_ratio);
  g_mutex_unlock (&prom->lock);
}

void
imgcompress_prometheus_add_failure (ImgcompressPrometheus *prom,
    ImgcompressFailure reason)
{
  if (reason == IMGCOMPRESS_FAILURE_NONE || reason >= IMGCOMPRESS_FAILURE_N)
    reason = IMGCOMPRESS_FAILURE_INTERNAL;
  g_mutex_lock (&prom->lock);
  prom->failures[reason]++;
  g_mutex_unlock (&prom->lock);
}

/* A label value as the text format wants it: UTF-8, with backslash,
 * double quote and newline escaped. */
static void
append_label (GString *s, const gchar *name, const gchar *value)
{
  gchar *valid = g_utf8_make_valid (value, -1);
  const gchar *p;

  g_string_append_printf (s, "%s=\"", name);
  for (p = valid; *p != '\0'; p++) {
    if (*p == '\\')
      g_string_append (s, "\\\\");
    else if (*p == '"')
      g_string_append (s, "\\\"");
    else if (*p == '\n')
      g_string_append (s, "\\n");
    else
      g_string_append_c (s, *p);
  }
  g_string_append_c (s, '"');
  g_free (valid);
}

/* "{variant="..",format=".."" without the closing brace, so that le can
 * follow. */
static void
append_series_labels (GString *s, const Series *series)
{
  g_string_append_c (s, '{');
  if (series->variant) {
    append_label (s, "variant", series->variant);
    g_string_append_c (s, ',');
  }
  append_label (s, "format", series->format);
}

static void
append_header (GString *s, const gchar *name, const gchar *type,
    const gchar *help)
{
  g_string_append_printf (s, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
      type);
}

typedef struct
{
  GString *s;
  const gchar *name;
  const gdouble *bounds;
  guint n_bounds;
} HistogramFormat;

static gboolean
append_histogram_series (gpointer key, gpointer value, gpointer data)
{
  const HistogramFormat *f = data;
  const Series *series = value;
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];
  guint64 cumulative = 0;
  guint i;

  for (i = 0; i <= f->n_bounds; i++) {
    cumulative += series->hist.counts[i];
    g_string_append_printf (f->s, "%s_bucket", f->name);
    append_series_labels (f->s, series);
    if (i < f->n_bounds)
      g_ascii_formatd (num, sizeof (num), "%g", f->bounds[i]);
    else
      g_strlcpy (num, "+Inf", sizeof (num));
    g_string_append_printf (f->s, ",le=\"%s\"} %" G_GUINT64_FORMAT "\n", num,
        cumulative);
  }
  g_string_append_printf (f->s, "%s_sum", f->name);
  append_series_labels (f->s, series);
  g_string_append_printf (f->s, "} %s\n",
      g_ascii_dtostr (num, sizeof (num), series->hist.sum));
  g_string_append_printf (f->s, "%s_count", f->name);
  append_series_labels (f->s, series);
  g_string_append_printf (f->s, "} %" G_GUINT64_FORMAT "\n",
      series->hist.count);
  return FALSE;
}

static void
append_histogram (GString *s, GTree *tree, const gchar *name, const gchar *help,
    const gdouble *bounds, guint n_bounds)
{
  HistogramFormat f = { s, name, bounds, n_bounds };

  append_header (s, name, "histogram", help);
  g_tree_foreach (tree, append_histogram_series, &f);
}

typedef struct
{
  GString *s;
  const gchar *name;
  gboolean items; /* the item count, else the bytes */
} CounterFormat;

static gboolean
append_counter_series (gpointer key, gpointer value, gpointer data)
{
  const CounterFormat *f = data;
  const Series *series = value;

  g_string_append (f->s, f->name);
  append_series_labels (f->s, series);
  g_string_append_printf (f->s, "} %" G_GUINT64_FORMAT "\n",
      f->items ? series->items : series->bytes);
  return FALSE;
}

static void
append_counter (GString *s, GTree *tree, const gchar *name, const gchar *help,
    gboolean items)
{
  CounterFormat f = { s, name, items };

  append_header (s, name, "counter", help);
  g_tree_foreach (tree, append_counter_series, &f);
}

static void
append_failures (GString *s, const guint64 *failures)
{
  guint i;

  append_header (s, P "image_failures_total", "counter",
      "Images that failed, by reason");
  /* every reason, 0 included: a rate() needs the series before its first
   * failure */
  for (i = IMGCOMPRESS_FAILURE_NONE + 1; i < IMGCOMPRESS_FAILURE_N; i++)
    g_string_append_printf (s,
        P "image_failures_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
        failure_names[i], failures[i]);
}

/* The text exposition format, version 0.0.4; a family without a sample
 * yet is told by its HELP and TYPE alone. */
gchar *
imgcompress_prometheus_format (ImgcompressPrometheus *prom)
{
  GString *s = g_string_new (NULL);
  gchar num[G_ASCII_DTOSTR_BUF_SIZE];

  g_mutex_lock (&prom->lock);
  append_histogram (s, prom->inputs, P "image_processing_seconds",
      "Seconds from an image's arrival to its last file, by input format",
      time_buckets, G_N_ELEMENTS (time_buckets));
  append_histogram (s, prom->outputs, P "output_compression_ratio",
      "Output bytes over input bytes, per file written, by variant and "
      "output format",
      ratio_buckets, G_N_ELEMENTS (ratio_buckets));
  append_counter (s, prom->inputs, P "images_processed_total",
      "Images made, by input format", TRUE);
  append_failures (s, prom->failures);
  append_counter (s, prom->inputs, P "input_bytes_total",
      "Bytes read from the images made, by input format", FALSE);
  append_counter (s, prom->outputs, P "output_bytes_total",
      "Bytes written, by variant and output format", FALSE);
  append_header (s, P "last_success_timestamp_seconds", "gauge",
      "Unix time at which the last image was made, 0 before the first");
  g_string_append_printf (s, P "last_success_timestamp_seconds %s\n",
      g_ascii_formatd (num, sizeof (num), "%.3f",
          prom->last_success_us / (gdouble) G_USEC_PER_SEC));
  g_mutex_unlock (&prom->lock);
  return g_string_free (s, FALSE);
}

/* The file's directory must exist: it is the collector's (node_exporter's
 * textfile directory), and a missing one means a mistyped path that a
 * silently created directory would hide. */
gboolean
imgcompress_prometheus_check_directory (const gchar *path, GError **error)
{
  gchar *dir = g_path_get_dirname (path);
  gboolean ok = g_file_test (dir, G_FILE_TEST_IS_DIR);

  if (!ok) {
    gchar *shown = gst_imgcompress_escape_for_display (dir);

    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        _ ("the directory %s does not exist (it is not created)"), shown);
    g_free (shown);
  }
  g_free (dir);
  return ok;
}

/* Replaced atomically, so that a collector never reads a half-written
 * file. */
gboolean
imgcompress_prometheus_write_file (ImgcompressPrometheus *prom,
    const gchar *path, GError **error)
{
  return imgcompress_prometheus_write_file_with (prom, path, NULL, error);
}

/* The same, with @extra (series of the caller's own) after the tool's. */
gboolean
imgcompress_prometheus_write_file_with (ImgcompressPrometheus *prom,
    const gchar *path, const gchar *extra, GError **error)
{
  gchar *common, *text;
  gboolean ok;

  if (!imgcompress_prometheus_check_directory (path, error))
    return FALSE;
  common = imgcompress_prometheus_format (prom);
  text = g_strconcat (common, extra, NULL);
  ok = gst_imgcompress_file_set_contents (path, text, strlen (text),
      GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE, error);
  g_free (text);
  g_free (common);
  return ok;
}

/* One series without labels: @type is "counter" or "gauge", @name without
 * the imgcompress_ prefix. */
void
imgcompress_prometheus_append_metric (GString *s, const gchar *name,
    const gchar *type, const gchar *help, guint64 value)
{
  g_string_append_printf (s,
      "# HELP " P "%s %s\n"
      "# TYPE " P "%s %s\n" P "%s %" G_GUINT64_FORMAT "\n",
      name, help, name, type, name, value);
}

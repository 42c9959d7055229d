/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* What the tool tells: progress while running, the summary, the metrics
 * JSON and the Prometheus text file. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "imgcompress-prometheus.h"
#include "imgcompress-report.h"

struct _ImgcompressReport
{
  GPtrArray *images;
  gboolean quiet;
  gboolean verbose;
  gboolean tty;
  gchar *prometheus_path;
  gint jsonl_fd; /* --metrics-jsonl, -1 without */
  gint64 start_us;
  gint64 start_real_us; /* g_get_real_time () at the start */
  gint64 last_line_us;
  guint done;
  guint failed;
  guint64 bytes_in;
  guint64 bytes_out;
  ImgcompressPrometheus *prometheus;
};

static void report_jsonl_image (ImgcompressReport *report,
    ImgcompressImage *image);

ImgcompressReport *
imgcompress_report_new (GPtrArray *images, gboolean quiet, gboolean verbose,
    const gchar *prometheus_path)
{
  ImgcompressReport *report = g_new0 (ImgcompressReport, 1);

  report->images = images;
  report->quiet = quiet;
  report->verbose = verbose && !quiet;
  report->tty = isatty (STDERR_FILENO);
  report->prometheus_path = g_strdup (prometheus_path);
  report->prometheus = imgcompress_prometheus_new ();
  report->start_us = g_get_monotonic_time ();
  report->start_real_us = g_get_real_time ();
  report->jsonl_fd = -1;
  return report;
}

void
imgcompress_report_free (ImgcompressReport *report)
{
  g_free (report->prometheus_path);
  imgcompress_prometheus_free (report->prometheus);
  if (report->jsonl_fd >= 0)
    close (report->jsonl_fd);
  g_free (report);
}

static void
print_progress (ImgcompressReport *report, gboolean force)
{
  gint64 now = g_get_monotonic_time ();
  gdouble elapsed = (now - report->start_us) / 1e6;
  gdouble rate = elapsed > 0 ? report->done / elapsed : 0;
  guint total = report->images->len;
  gdouble eta = rate > 0 ? (total - report->done) / rate : 0;

  if (report->quiet)
    return;
  /* Without a terminal, a plain line every five seconds. */
  if (!report->tty && !force && now - report->last_line_us < 5 * G_USEC_PER_SEC)
    return;
  report->last_line_us = now;

  fprintf (stderr,
      _ ("%s%u/%u images, %.1f images/s, %.1f MB in, %.1f MB "
         "out, ETA %.0f s%s"),
      report->tty ? "\r\033[K" : "", report->done, total, rate,
      report->bytes_in / 1e6, report->bytes_out / 1e6, eta,
      report->tty ? "" : "\n");
  fflush (stderr);
}

/* Each file is told as soon as it exists (with --verbose), so a caller
 * following the output sees thumbnails first with --thumbnails-first. */
void
imgcompress_report_output (ImgcompressReport *report, ImgcompressImage *image)
{
  ImgcompressOutput *o;

  o = g_ptr_array_index (image->outputs, image->outputs->len - 1);
  if (report->verbose) {
    /* the number apart: G_GUINT64_FORMAT inside _() cuts the msgid */
    gchar *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, o->bytes);
    gchar *shown;

    if (report->tty)
      fprintf (stderr, "\r\033[K");
    shown = gst_imgcompress_escape_for_display (o->location);
    fprintf (stderr, _ ("wrote %s (%s bytes)\n"), shown, bytes);
    g_free (shown);
    g_free (bytes);
  }
}

void
imgcompress_report_image_done (ImgcompressReport *report,
    ImgcompressImage *image)
{
  GError *error = NULL;
  guint i;

  report->done++;
  if (image->failed) {
    gchar *path, *reason;

    report->failed++;
    if (report->tty && !report->quiet)
      fprintf (stderr, "\r\033[K");
    /* a name with a newline must not forge a line of the report */
    path = gst_imgcompress_escape_for_display (image->path);
    reason = gst_imgcompress_escape_for_display (image->error ? image->error :
                                                                _ ("failed"));

    fprintf (stderr, _ ("imgcompress: %s: %s\n"), path, reason);
    g_free (reason);
    g_free (path);
    imgcompress_prometheus_add_failure (report->prometheus, image->failure);
  } else {
    if (image->warning && !report->quiet) {
      if (report->tty)
        fprintf (stderr, "\r\033[K");
      fprintf (stderr, _ ("imgcompress: %s: warning: %s\n"), image->path,
          image->warning);
    }
    report->bytes_in += image->input_bytes;
    imgcompress_prometheus_add_image (report->prometheus, image->input_format,
        image->input_bytes, (gdouble) image->processing_time / GST_SECOND);
    for (i = 0; i < image->outputs->len; i++) {
      ImgcompressOutput *o = g_ptr_array_index (image->outputs, i);
      report->bytes_out += o->bytes;
      imgcompress_prometheus_add_output (report->prometheus, o->variant,
          o->format, o->bytes, o->ratio);
    }
  }
  print_progress (report, FALSE);
  report_jsonl_image (report, image);

  if (report->prometheus_path &&
      !imgcompress_report_write_prometheus (report, &error)) {
    fprintf (stderr, "imgcompress: %s\n", error->message);
    g_clear_error (&error);
  }
}

static gint
compare_times (gconstpointer a, gconstpointer b)
{
  GstClockTime ta = *(const GstClockTime *) a;
  GstClockTime tb = *(const GstClockTime *) b;

  return (ta > tb) - (ta < tb);
}

static gdouble
percentile_s (GArray *times, gdouble p)
{
  guint idx;

  if (times->len == 0)
    return 0;
  idx = (guint) (p * (times->len - 1) + 0.5);
  return (gdouble) g_array_index (times, GstClockTime, idx) / GST_SECOND;
}

void
imgcompress_report_summary (ImgcompressReport *report)
{
  GArray *times = g_array_new (FALSE, FALSE, sizeof (GstClockTime));
  GHashTable *per_format =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GList *keys, *l;
  gchar *in_str, *out_str;
  guint i, j;

  if (report->quiet) {
    g_array_unref (times);
    g_hash_table_unref (per_format);
    return;
  }
  /* The terminal's line is completed; plain output has had its lines. */
  if (report->tty) {
    print_progress (report, TRUE);
    fprintf (stderr, "\n");
  }

  for (i = 0; i < report->images->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (report->images, i);
    if (image->failed || !image->done)
      continue;
    g_array_append_val (times, image->processing_time);
    for (j = 0; j < image->outputs->len; j++) {
      ImgcompressOutput *o = g_ptr_array_index (image->outputs, j);
      gchar *key = g_strdup_printf ("%s %s", o->format, o->variant);
      guint64 *sums = g_hash_table_lookup (per_format, key);
      if (sums == NULL) {
        sums = g_new0 (guint64, 2);
        g_hash_table_insert (per_format, key, sums);
      } else {
        g_free (key);
      }
      sums[0] += o->bytes;
      sums[1] += image->input_bytes;
    }
  }
  g_array_sort (times, compare_times);

  fprintf (stderr, _ ("images: %u ok, %u failed\n"),
      report->done - report->failed, report->failed);
  /* Numbers formatted apart: G_GUINT64_FORMAT inside _() cuts the msgid. */
  in_str = g_strdup_printf ("%" G_GUINT64_FORMAT, report->bytes_in);
  out_str = g_strdup_printf ("%" G_GUINT64_FORMAT, report->bytes_out);
  fprintf (stderr, _ ("bytes: %s in, %s out\n"), in_str, out_str);
  g_free (in_str);
  g_free (out_str);
  keys = g_list_sort (g_hash_table_get_keys (per_format),
      (GCompareFunc) g_strcmp0);
  for (l = keys; l != NULL; l = l->next) {
    guint64 *sums = g_hash_table_lookup (per_format, l->data);
    gchar *bytes = g_strdup_printf ("%" G_GUINT64_FORMAT, sums[0]);

    fprintf (stderr, _ ("%s: %s bytes, %.1f %% smaller than the inputs\n"),
        (gchar *) l->data, bytes,
        sums[1] ? 100.0 * (1.0 - (gdouble) sums[0] / sums[1]) : 0);
    g_free (bytes);
  }
  g_list_free (keys);
  fprintf (stderr, _ ("processing time per image: p50 %.3f s, p95 %.3f s\n"),
      percentile_s (times, 0.5), percentile_s (times, 0.95));
  fprintf (stderr, _ ("wall time: %.2f s\n"),
      (g_get_monotonic_time () - report->start_us) / 1e6);

  g_array_unref (times);
  g_hash_table_unref (per_format);
}

/* One member of an object being built. */
static void
add_int_member (JsonBuilder *b, const gchar *member, gint64 value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_int_value (b, value);
}

static void
add_double_member (JsonBuilder *b, const gchar *member, gdouble value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_double_value (b, value);
}

static void
add_string_member (JsonBuilder *b, const gchar *member, const gchar *value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, value);
}

static void
add_boolean_member (JsonBuilder *b, const gchar *member, gboolean value)
{
  json_builder_set_member_name (b, member);
  json_builder_add_boolean_value (b, value);
}

/* JSON holds UTF-8 only: a string that is not (a file name in another
 * encoding) is written escaped as on stderr, and its raw bytes in hex in
 * the member @member_hex, so that a reader can still find the file. */
static void
add_file_name_member (JsonBuilder *b, const gchar *member,
    const gchar *member_hex, const gchar *value)
{
  json_builder_set_member_name (b, member);
  if (g_utf8_validate (value, -1, NULL)) {
    json_builder_add_string_value (b, value);
  } else {
    gchar *escaped = gst_imgcompress_escape_for_display (value);
    GString *hex = g_string_new (NULL);
    const guchar *p;

    json_builder_add_string_value (b, escaped);
    for (p = (const guchar *) value; *p != '\0'; p++)
      g_string_append_printf (hex, "%02x", *p);
    json_builder_set_member_name (b, member_hex);
    json_builder_add_string_value (b, hex->str);
    g_string_free (hex, TRUE);
    g_free (escaped);
  }
}

/* RFC 3339 in UTC with microseconds, e.g. 2026-12-02T18:04:05.123456Z. */
static void
add_time_member (JsonBuilder *b, const gchar *member, gint64 real_us)
{
  GDateTime *t = g_date_time_new_from_unix_utc (real_us / G_USEC_PER_SEC);
  gchar *day = g_date_time_format (t, "%Y-%m-%dT%H:%M:%S");
  gchar *text =
      g_strdup_printf ("%s.%06dZ", day, (gint) (real_us % G_USEC_PER_SEC));

  json_builder_set_member_name (b, member);
  json_builder_add_string_value (b, text);
  g_free (text);
  g_free (day);
  g_date_time_unref (t);
}

static void
add_uint_or_null (JsonBuilder *b, const gchar *member, guint64 value)
{
  json_builder_set_member_name (b, member);
  if (value > 0)
    json_builder_add_int_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_outcome_members (JsonBuilder *b, ImgcompressImage *image)
{
  add_boolean_member (b, "ok", image->done && !image->failed);
  add_boolean_member (b, "skipped", image->skipped);
  /* an image not done is one the interrupted run never finished */
  if (image->failed || !image->done) {
    add_string_member (b, "error_code",
        imgcompress_failure_to_string (image->failed ?
                image->failure :
                IMGCOMPRESS_FAILURE_INTERRUPTED));
  }
  if (image->warning)
    add_file_name_member (b, "warning", "warning_hex", image->warning);
  if (image->error)
    add_file_name_member (b, "error", "error_hex", image->error);
}

/* One file written, as the metrics JSON and the service tell it. */
void
imgcompress_report_add_output_members (JsonBuilder *b,
    const ImgcompressOutput *o)
{
  add_string_member (b, "variant", o->variant);
  add_string_member (b, "format", o->format);
  add_file_name_member (b, "path", "path_hex", o->location);
  add_int_member (b, "width", o->width);
  add_int_member (b, "height", o->height);
  add_int_member (b, "bytes", o->bytes);
  add_int_member (b, "quality", o->quality);
  add_double_member (b, "ratio", o->ratio);
  add_double_member (b, "processing_time_s",
      GST_CLOCK_TIME_IS_VALID (o->processing_time) ?
          (gdouble) o->processing_time / GST_SECOND :
          0);
  add_time_member (b, "written_at", o->written_at_us);
}

static void
add_output (JsonBuilder *b, const ImgcompressOutput *o)
{
  json_builder_begin_object (b);
  imgcompress_report_add_output_members (b, o);
  json_builder_end_object (b);
}

/* One image's record, the same in --metrics-json and --metrics-jsonl
 * (docs/metrics.md). */
static JsonNode *
image_to_json (ImgcompressImage *image)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *node;
  guint i;

  json_builder_begin_object (b);
  add_file_name_member (b, "input", "input_hex", image->path);
  add_string_member (b, "name", image->name);
  json_builder_set_member_name (b, "input_format");
  if (image->input_format)
    json_builder_add_string_value (b, image->input_format);
  else
    json_builder_add_null_value (b);
  add_uint_or_null (b, "input_width", image->width);
  add_uint_or_null (b, "input_height", image->height);
  add_int_member (b, "input_bytes", image->input_bytes);
  add_outcome_members (b, image);
  add_double_member (b, "processing_time_s",
      (gdouble) image->processing_time / GST_SECOND);
  json_builder_set_member_name (b, "outputs");
  json_builder_begin_array (b);
  for (i = 0; i < image->outputs->len; i++)
    add_output (b, g_ptr_array_index (image->outputs, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  g_object_unref (b);
  return node;
}

static void
add_run_members (ImgcompressReport *report, JsonBuilder *b)
{
  add_int_member (b, "schema_version", IMGCOMPRESS_METRICS_SCHEMA_VERSION);
  add_time_member (b, "started_at", report->start_real_us);
}

static JsonNode *
totals_to_json (ImgcompressReport *report)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *node;

  json_builder_begin_object (b);
  add_int_member (b, "images", report->images->len);
  add_int_member (b, "ok", report->done - report->failed);
  add_int_member (b, "failed", report->failed);
  add_int_member (b, "input_bytes", report->bytes_in);
  add_int_member (b, "output_bytes", report->bytes_out);
  add_double_member (b, "wall_time_s",
      (g_get_monotonic_time () - report->start_us) / 1e6);
  add_time_member (b, "finished_at", g_get_real_time ());
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  g_object_unref (b);
  return node;
}

static gchar *
json_to_text (JsonNode *root, gboolean pretty)
{
  JsonGenerator *gen = json_generator_new ();
  gchar *text;

  json_generator_set_pretty (gen, pretty);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, NULL);
  g_object_unref (gen);
  return text;
}

/* One record of --metrics-jsonl: {"record": @kind, @kind: @node} plus the
 * schema version, on one line written at once (O_APPEND), so that what
 * was done survives a crash. */
static gboolean
write_jsonl_record (ImgcompressReport *report, const gchar *kind,
    JsonNode *node, GError **error)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  gchar *text, *line;
  gboolean ok = TRUE;
  gsize done = 0, len;

  json_builder_begin_object (b);
  add_run_members (report, b);
  add_string_member (b, "record", kind);
  if (node) {
    json_builder_set_member_name (b, kind);
    json_builder_add_value (b, node);
  }
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  text = json_to_text (root, FALSE);
  line = g_strconcat (text, "\n", NULL);
  len = strlen (line);
  while (ok && done < len) {
    gssize n = write (report->jsonl_fd, line + done, len - done);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      gint err = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
          _ ("cannot write the --metrics-jsonl file: %s"), g_strerror (err));
      ok = FALSE;
    } else {
      done += n;
    }
  }
  g_free (line);
  g_free (text);
  json_node_unref (root);
  g_object_unref (b);
  return ok;
}

/* --metrics-jsonl: the file is created (or emptied) now, and gets a "run"
 * record; each image adds its record when it is done, the run ends with
 * "totals". */
gboolean
imgcompress_report_open_jsonl (ImgcompressReport *report, const gchar *path,
    GError **error)
{
  gint fd =
      g_open (path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);

  if (fd < 0) {
    gint err = errno;
    gchar *shown = gst_imgcompress_escape_for_display (path);

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        _ ("--metrics-jsonl %s: %s"), shown, g_strerror (err));
    g_free (shown);
    return FALSE;
  }
  report->jsonl_fd = fd;
  return write_jsonl_record (report, "run", NULL, error);
}

static void
report_jsonl_image (ImgcompressReport *report, ImgcompressImage *image)
{
  GError *error = NULL;

  if (report->jsonl_fd < 0)
    return;
  if (!write_jsonl_record (report, "image", image_to_json (image), &error)) {
    fprintf (stderr, "imgcompress: %s\n", error->message);
    g_clear_error (&error);
  }
}

gboolean
imgcompress_report_close_jsonl (ImgcompressReport *report, GError **error)
{
  gboolean ok;

  if (report->jsonl_fd < 0)
    return TRUE;
  ok = write_jsonl_record (report, "totals", totals_to_json (report), error);
  if (close (report->jsonl_fd) != 0 && ok) {
    gint err = errno;

    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (err),
        _ ("cannot write the --metrics-jsonl file: %s"), g_strerror (err));
    ok = FALSE;
  }
  report->jsonl_fd = -1;
  return ok;
}

gboolean
imgcompress_report_write_json (ImgcompressReport *report, const gchar *path,
    GError **error)
{
  JsonBuilder *b = json_builder_new ();
  JsonNode *root;
  gchar *text;
  gboolean ok;
  guint i;

  json_builder_begin_object (b);
  add_run_members (report, b);
  json_builder_set_member_name (b, "images");
  json_builder_begin_array (b);
  for (i = 0; i < report->images->len; i++)
    json_builder_add_value (b,
        image_to_json (g_ptr_array_index (report->images, i)));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "totals");
  json_builder_add_value (b, totals_to_json (report));
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  text = json_to_text (root, TRUE);
  ok = gst_imgcompress_file_set_contents (path, text, strlen (text),
      GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE, error);
  g_free (text);
  json_node_unref (root);
  g_object_unref (b);
  return ok;
}

/* Replaced atomically so node_exporter's textfile collector never reads a
 * half-written file. */
gboolean
imgcompress_report_write_prometheus (ImgcompressReport *report, GError **error)
{
  return imgcompress_prometheus_write_file (report->prometheus,
      report->prometheus_path, error);
}

void
imgcompress_log_line (const gchar *who, const gchar *format, ...)
{
  va_list args;
  gchar *text, *shown;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  shown = gst_imgcompress_escape_for_display (text);
  g_printerr ("%s: %s\n", who, shown);
  g_free (shown);
  g_free (text);
}

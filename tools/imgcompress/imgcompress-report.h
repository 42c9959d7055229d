/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_REPORT_H__
#define __IMGCOMPRESS_REPORT_H__

#include <glib.h>
#include <json-glib/json-glib.h>

#include "imgcompress-batch.h"

G_BEGIN_DECLS

/* The "schema_version" of --metrics-json and --metrics-jsonl
 * (docs/metrics.md): 2 added it, input_format/width/height, error_code,
 * skipped and RFC 3339 times (written_at in place of written_at_s). */
#define IMGCOMPRESS_METRICS_SCHEMA_VERSION 2

typedef struct _ImgcompressReport ImgcompressReport;

ImgcompressReport *imgcompress_report_new (GPtrArray *images, gboolean quiet,
    gboolean verbose, const gchar *prometheus_path);
void imgcompress_report_image_done (ImgcompressReport *report,
    ImgcompressImage *image);
void imgcompress_report_output (ImgcompressReport *report,
    ImgcompressImage *image);
void imgcompress_report_summary (ImgcompressReport *report);
gboolean imgcompress_report_write_json (ImgcompressReport *report,
    const gchar *path, GError **error);
gboolean imgcompress_report_open_jsonl (ImgcompressReport *report,
    const gchar *path, GError **error);
gboolean imgcompress_report_close_jsonl (ImgcompressReport *report,
    GError **error);
gboolean imgcompress_report_write_prometheus (ImgcompressReport *report,
    GError **error);
void imgcompress_report_free (ImgcompressReport *report);

/* A line on stderr for a long-running command (serve, worker), names in it
 * escaped for display: "WHO: TEXT". */
void imgcompress_log_line (const gchar *who, const gchar *format, ...)
    G_GNUC_PRINTF (2, 3);

void imgcompress_report_add_output_members (JsonBuilder *b,
    const ImgcompressOutput *o);

G_END_DECLS

#endif /* __IMGCOMPRESS_REPORT_H__ */

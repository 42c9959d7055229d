/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_METRIC_SINK_H__
#define __GST_METRIC_SINK_H__

#include <gst/gst.h>
#include <gst/base/gstbasesink.h>
#include <gst/imgcompress/imgcompress.h>

G_BEGIN_DECLS

#define GST_TYPE_METRIC_SINK (gst_metric_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstMetricSink, gst_metric_sink, GST, METRIC_SINK,
    GstBaseSink)

/* Upper bounds of the histograms in the `stats` property: the seed's
 * Prometheus buckets. */
#define GST_METRIC_SINK_N_TIME_BUCKETS 5
#define GST_METRIC_SINK_N_RATIO_BUCKETS 4

typedef struct
{
  guint64 files;
  guint64 input_bytes;
  guint64 output_bytes;
  /* cumulative: counts[i] = files whose value is <= bound i */
  guint64 time_counts[GST_METRIC_SINK_N_TIME_BUCKETS];
  guint64 time_count;
  gdouble time_sum;
  guint64 ratio_counts[GST_METRIC_SINK_N_RATIO_BUCKETS];
  guint64 ratio_count;
  gdouble ratio_sum;
} GstMetricSinkStats;

struct _GstMetricSink
{
  GstBaseSink parent;

  /* properties, under the object lock */
  gchar *output_dir;
  gchar *location;
  gchar *image_name;
  gboolean overwrite;
  gboolean fsync;
  gboolean post_messages;
  gboolean hold;

  /* streaming thread only */
  GstImgcompressImageInfo image;
  gboolean have_image;
  gchar *variant;
  GstImgcompressFormat format;
  gint width;
  gint height;
  guint64 index;

  /* under the object lock */
  GstMetricSinkStats stats;
};

G_END_DECLS

#endif /* __GST_METRIC_SINK_H__ */

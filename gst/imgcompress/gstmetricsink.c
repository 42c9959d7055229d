/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-metricsink
 * @title: metricsink
 * @short_description: writes each encoded image atomically to a templated
 *     path and posts its metrics
 *
 * metricsink takes encoded images (image/jpeg or image/webp, one buffer per
 * image) and writes each one to its own file under #GstMetricSink:output-dir.
 * The path comes from the #GstMetricSink:location template:
 *
 * * `{name}`: the image's name without its image extension (.jpg, .png,
 *   .webp, ...; other dots are kept), from the `imgcompress-image` event
 *   (else #GstMetricSink:image-name)
 * * `{variant}`: the variant's name from the `imgcompress-variant` event
 *   (else "image")
 * * `{ext}`: "jpg" or "webp", from the caps
 * * `{index}`: the number of images this sink received before this one
 *   since it started (0, 1, 2, ...)
 * * `%Y`, `%m`, `%d`, `%H`: year, month, day and hour (local time at the
 *   write); `%%` is a literal `%`
 *
 * Any other `{field}` or `%` sequence is refused when the element starts.
 * The template is relative to output-dir and may not leave it (no absolute
 * paths, no `..`).  Names from the events become path components by an
 * injective rule (gst_imgcompress_clean_component()): a name that is
 * already safe is kept; in any other a `/`, a `\`, a control character or a
 * leading dot becomes `_`, it is cut to 187 bytes, and `~` and 12 hex
 * digits of the SHA-256 of the raw name are appended.  So no image name can
 * escape, and two different names never share a file (`a\nb` and `a_b`,
 * `.x` and `_x`).  Missing directories are created (mode 0755); the
 * directories below output-dir are opened without following symbolic links
 * (openat() with O_NOFOLLOW): a link among them is an error, and no file
 * lands outside output-dir's tree.
 *
 * Every image is written to a temporary file in its target directory
 * (`.<name>.XXXXXX.imgcompress-tmp`), optionally fsync()ed
 * (#GstMetricSink:fsync), then renamed: a file under its final name is always
 * complete.  Any failure removes the temporary file.  A flush or a state
 * change waits for the write in progress, which happens within one buffer,
 * so they cannot leave a temporary file either; temporary files of a
 * crashed process are removed by gst_imgcompress_file_remove_stale_temps().
 * An existing file is never replaced unless #GstMetricSink:overwrite is set,
 * not even one created by another writer while this one was writing.  Each
 * file records its size and CRC-32 in the `user.imgcompress.crc32`
 * extended attribute where the file system has them
 * (gst_imgcompress_file_check() compares a file with it).
 *
 * With #GstMetricSink:hold the file is written, recorded and synced in the
 * same way but left under its temporary name: the metrics message gives
 * that name as held-location beside the final location, and the
 * application puts the file in place when it chooses, with
 * gst_imgcompress_file_commit_held() (or drops it with
 * gst_imgcompress_file_discard_held()).  The batch tool holds the larger
 * variants so that every thumbnail of a batch exists before any of them,
 * with one decode per image.
 *
 * After each file, metricsink posts an `imgcompress-metrics` element message
 * (read it with gst_imgcompress_metrics_message_parse()): image, variant,
 * format, location, width, height, quality and encode-time (from the
 * encoder's #GstImgcompressEncodeMeta), input-bytes (from the image event),
 * output-bytes, compression-ratio (output / input) and processing-time (ns
 * from the image event's start-time to the rename); and file-device,
 * file-inode and file-mtime-ns, the identity of the file put in place
 * (gst_imgcompress_file_id_from_structure()), so that an application rolling
 * an image back removes only this file and not one another writer put at
 * the same path since (gst_imgcompress_file_remove_if_same()).  Running totals
 * are in #GstMetricSink:stats.
 *
 * The element does not synchronise on the clock (#GstBaseSink:sync is FALSE
 * by default, as in filesink).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 -m videotestsrc num-buffers=3 ! jpegenc ! \
 *     metricsink output-dir=out location="%Y/%m/%d/{name}-{index}.{ext}"
 * ]| writes out/YYYY/MM/DD/image-0.jpg, image-1.jpg and image-2.jpg and
 * prints an imgcompress-metrics message for each.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstmetricsink.h"
#include "gstimgcompresselements.h"

#include <gst/imgcompress/gst-i18n-plugin.h>

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_metric_sink_debug);
#define GST_CAT_DEFAULT gst_metric_sink_debug

#define DEFAULT_OUTPUT_DIR "."
#define DEFAULT_LOCATION "{variant}/{name}.{ext}"
#define DEFAULT_IMAGE_NAME "image"
#define DEFAULT_VARIANT "image"
#define DEFAULT_OVERWRITE FALSE
#define DEFAULT_FSYNC FALSE
#define DEFAULT_POST_MESSAGES TRUE
#define DEFAULT_HOLD FALSE

enum
{
  PROP_0,
  PROP_OUTPUT_DIR,
  PROP_LOCATION,
  PROP_IMAGE_NAME,
  PROP_OVERWRITE,
  PROP_FSYNC,
  PROP_POST_MESSAGES,
  PROP_HOLD,
  PROP_STATS,
};

/* The seed's Prometheus buckets: image_processing_seconds and
 * image_compression_ratio. */
static const gdouble time_buckets[GST_METRIC_SINK_N_TIME_BUCKETS] = { 0.1, 0.5,
  1.0, 2.0, 5.0 };

static const gdouble ratio_buckets[GST_METRIC_SINK_N_RATIO_BUCKETS] = { 0.3,
  0.5, 0.7, 0.9 };

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/jpeg; image/webp"));

#define gst_metric_sink_parent_class parent_class
G_DEFINE_TYPE (GstMetricSink, gst_metric_sink, GST_TYPE_BASE_SINK);
GST_ELEMENT_REGISTER_DEFINE (metricsink, "metricsink", GST_RANK_NONE,
    GST_TYPE_METRIC_SINK);

static void gst_metric_sink_finalize (GObject *object);
static void gst_metric_sink_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec);
static void gst_metric_sink_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec);
static gboolean gst_metric_sink_start (GstBaseSink *bsink);
static gboolean gst_metric_sink_stop (GstBaseSink *bsink);
static gboolean gst_metric_sink_set_caps (GstBaseSink *bsink, GstCaps *caps);
static gboolean gst_metric_sink_event (GstBaseSink *bsink, GstEvent *event);
static GstFlowReturn gst_metric_sink_render (GstBaseSink *bsink,
    GstBuffer *buffer);

static void
gst_metric_sink_class_init (GstMetricSinkClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);

  gobject_class->finalize = gst_metric_sink_finalize;
  gobject_class->set_property = gst_metric_sink_set_property;
  gobject_class->get_property = gst_metric_sink_get_property;

  g_object_class_install_property (gobject_class, PROP_OUTPUT_DIR,
      g_param_spec_string ("output-dir", "Output directory",
          "Directory under which the location template is expanded; "
          "created when missing (default \"" DEFAULT_OUTPUT_DIR "\")",
          DEFAULT_OUTPUT_DIR,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location template",
          "Path of each file, relative to output-dir: {name} {variant} {ext} "
          "{index} and %Y %m %d %H (local time) are replaced; "
          "no absolute path, no \"..\" "
          "(default \"" DEFAULT_LOCATION "\")",
          DEFAULT_LOCATION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_IMAGE_NAME,
      g_param_spec_string ("image-name", "Image name",
          "Name used for {name} and the metrics when no imgcompress-image "
          "event names the image (default \"" DEFAULT_IMAGE_NAME "\")",
          DEFAULT_IMAGE_NAME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_OVERWRITE,
      g_param_spec_boolean ("overwrite", "Overwrite",
          "Replace existing files; when FALSE an existing file is an error "
          "and is left untouched (default FALSE)",
          DEFAULT_OVERWRITE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_FSYNC,
      g_param_spec_boolean ("fsync", "fsync",
          "fsync() each file before renaming it into place, and its "
          "directory after (durable across power loss, slower) "
          "(default FALSE)",
          DEFAULT_FSYNC,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_POST_MESSAGES,
      g_param_spec_boolean ("post-messages", "Post messages",
          "Post an imgcompress-metrics element message per file written "
          "(default TRUE)",
          DEFAULT_POST_MESSAGES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_HOLD,
      g_param_spec_boolean ("hold", "Hold",
          "Leave each file under its temporary name for the application to "
          "rename with gst_imgcompress_file_commit_held(); the metrics "
          "message names it held-location (default FALSE)",
          DEFAULT_HOLD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  /**
   * GstMetricSink:stats:
   *
   * Totals since the element last started (they survive going back to
   * READY or NULL, so they can be read at the end), as an
   * `imgcompress-stats` structure:
   *
   * * files (guint64), input-bytes (guint64), output-bytes (guint64): sums
   *   over the files written; input-bytes counts an input once per file
   *   made from it
   * * mean-ratio (gdouble): mean of the files' compression ratios, over the
   *   files whose input size was known (0 when none)
   * * processing-time-buckets (array of gdouble): upper bounds in seconds,
   *   0.1 0.5 1 2 5; processing-time-counts (array of guint64): cumulative
   *   counts as in a Prometheus histogram, entry i = files whose processing
   *   time was <= bound i; processing-time-count (guint64, the +Inf bucket)
   *   and processing-time-sum (gdouble, seconds), over the files whose
   *   image event had a start-time
   * * compression-ratio-buckets (0.3 0.5 0.7 0.9), compression-ratio-counts,
   *   compression-ratio-count, compression-ratio-sum: the same for the
   *   ratios
   */
  g_object_class_install_property (gobject_class, PROP_STATS,
      g_param_spec_boxed ("stats", "Statistics",
          "Files, input-bytes, output-bytes, mean-ratio and cumulative "
          "histograms of processing time and compression ratio since start",
          GST_TYPE_STRUCTURE, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Image file sink with metrics", "Sink/File/Image",
      "Writes each encoded image atomically to a path made from a template "
      "and posts imgcompress-metrics messages",
      "gst-imgcompress authors");

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_metric_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_metric_sink_stop);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_metric_sink_set_caps);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_metric_sink_event);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_metric_sink_render);

  GST_DEBUG_CATEGORY_INIT (gst_metric_sink_debug, "metricsink", 0,
      "imgcompress file sink with metrics");
}

static void
gst_metric_sink_init (GstMetricSink *self)
{
  self->output_dir = g_strdup (DEFAULT_OUTPUT_DIR);
  self->location = g_strdup (DEFAULT_LOCATION);
  self->image_name = g_strdup (DEFAULT_IMAGE_NAME);
  self->overwrite = DEFAULT_OVERWRITE;
  self->fsync = DEFAULT_FSYNC;
  self->post_messages = DEFAULT_POST_MESSAGES;
  gst_imgcompress_image_info_init (&self->image);

  /* Writing files has nothing to wait for on the clock. */
  gst_base_sink_set_sync (GST_BASE_SINK (self), FALSE);
}

static void
gst_metric_sink_finalize (GObject *object)
{
  GstMetricSink *self = GST_METRIC_SINK (object);

  g_free (self->output_dir);
  g_free (self->location);
  g_free (self->image_name);
  gst_imgcompress_image_info_clear (&self->image);
  g_free (self->variant);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* NULL or "" restores the default rather than producing odd paths. */
static gchar *
string_or_default (const GValue *value, const gchar *fallback)
{
  const gchar *s = g_value_get_string (value);

  return g_strdup (s != NULL && *s != '\0' ? s : fallback);
}

static void
gst_metric_sink_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstMetricSink *self = GST_METRIC_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_OUTPUT_DIR:
      g_free (self->output_dir);
      self->output_dir = string_or_default (value, DEFAULT_OUTPUT_DIR);
      break;
    case PROP_LOCATION:
      g_free (self->location);
      self->location = string_or_default (value, DEFAULT_LOCATION);
      break;
    case PROP_IMAGE_NAME:
      g_free (self->image_name);
      self->image_name = string_or_default (value, DEFAULT_IMAGE_NAME);
      break;
    case PROP_OVERWRITE:
      self->overwrite = g_value_get_boolean (value);
      break;
    case PROP_FSYNC:
      self->fsync = g_value_get_boolean (value);
      break;
    case PROP_POST_MESSAGES:
      self->post_messages = g_value_get_boolean (value);
      break;
    case PROP_HOLD:
      self->hold = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static GValue *
double_array_value (const gdouble *values, guint n)
{
  GValue *array = g_new0 (GValue, 1);
  GValue v = G_VALUE_INIT;
  guint i;

  g_value_init (array, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_DOUBLE);
  for (i = 0; i < n; i++) {
    g_value_set_double (&v, values[i]);
    gst_value_array_append_value (array, &v);
  }
  g_value_unset (&v);
  return array;
}

static GValue *
uint64_array_value (const guint64 *values, guint n)
{
  GValue *array = g_new0 (GValue, 1);
  GValue v = G_VALUE_INIT;
  guint i;

  g_value_init (array, GST_TYPE_ARRAY);
  g_value_init (&v, G_TYPE_UINT64);
  for (i = 0; i < n; i++) {
    g_value_set_uint64 (&v, values[i]);
    gst_value_array_append_value (array, &v);
  }
  g_value_unset (&v);
  return array;
}

/* Takes ownership of @value (a heap GValue from the *_array_value helpers). */
static void
structure_take_array (GstStructure *s, const gchar *field, GValue *value)
{
  gst_structure_take_value (s, field, value);
  g_free (value);
}

static GstStructure *
stats_to_structure (const GstMetricSinkStats *stats)
{
  GstStructure *s;

  s = gst_structure_new ("imgcompress-stats", "files", G_TYPE_UINT64,
      stats->files, "input-bytes", G_TYPE_UINT64, stats->input_bytes,
      "output-bytes", G_TYPE_UINT64, stats->output_bytes, "mean-ratio",
      G_TYPE_DOUBLE,
      stats->ratio_count > 0 ? stats->ratio_sum / stats->ratio_count : 0.0,
      "processing-time-count", G_TYPE_UINT64, stats->time_count,
      "processing-time-sum", G_TYPE_DOUBLE, stats->time_sum,
      "compression-ratio-count", G_TYPE_UINT64, stats->ratio_count,
      "compression-ratio-sum", G_TYPE_DOUBLE, stats->ratio_sum, NULL);
  structure_take_array (s, "processing-time-buckets",
      double_array_value (time_buckets, GST_METRIC_SINK_N_TIME_BUCKETS));
  structure_take_array (s, "processing-time-counts",
      uint64_array_value (stats->time_counts, GST_METRIC_SINK_N_TIME_BUCKETS));
  structure_take_array (s, "compression-ratio-buckets",
      double_array_value (ratio_buckets, GST_METRIC_SINK_N_RATIO_BUCKETS));
  structure_take_array (s, "compression-ratio-counts",
      uint64_array_value (stats->ratio_counts,
          GST_METRIC_SINK_N_RATIO_BUCKETS));
  return s;
}

static void
gst_metric_sink_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstMetricSink *self = GST_METRIC_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_OUTPUT_DIR:
      g_value_set_string (value, self->output_dir);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_IMAGE_NAME:
      g_value_set_string (value, self->image_name);
      break;
    case PROP_OVERWRITE:
      g_value_set_boolean (value, self->overwrite);
      break;
    case PROP_FSYNC:
      g_value_set_boolean (value, self->fsync);
      break;
    case PROP_POST_MESSAGES:
      g_value_set_boolean (value, self->post_messages);
      break;
    case PROP_HOLD:
      g_value_set_boolean (value, self->hold);
      break;
    case PROP_STATS:
      g_value_take_boxed (value, stats_to_structure (&self->stats));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
gst_metric_sink_start (GstBaseSink *bsink)
{
  GstMetricSink *self = GST_METRIC_SINK (bsink);
  GstImgcompressLocationFields fields = { DEFAULT_IMAGE_NAME, DEFAULT_VARIANT,
    "jpg", 0, NULL };
  GError *error = NULL;
  gchar *location, *checked;

  GST_OBJECT_LOCK (self);
  location = g_strdup (self->location);
  memset (&self->stats, 0, sizeof (self->stats));
  GST_OBJECT_UNLOCK (self);

  self->index = 0;
  self->format = GST_IMGCOMPRESS_FORMAT_UNKNOWN;
  self->width = self->height = 0;

  /* A bad template is the user's mistake: say so before any image comes. */
  fields.time = g_date_time_new_now_local ();
  checked = gst_imgcompress_location_expand (location, &fields, &error);
  g_date_time_unref (fields.time);
  if (checked == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_ ("Invalid location template \"%s\"."), location),
        ("%s", error->message));
    g_clear_error (&error);
    g_free (location);
    return FALSE;
  }
  g_free (checked);
  g_free (location);
  return TRUE;
}

static gboolean
gst_metric_sink_stop (GstBaseSink *bsink)
{
  GstMetricSink *self = GST_METRIC_SINK (bsink);

  gst_imgcompress_image_info_clear (&self->image);
  self->have_image = FALSE;
  g_clear_pointer (&self->variant, g_free);
  return TRUE;
}

static gboolean
gst_metric_sink_set_caps (GstBaseSink *bsink, GstCaps *caps)
{
  GstMetricSink *self = GST_METRIC_SINK (bsink);
  GstStructure *s = gst_caps_get_structure (caps, 0);

  self->format = gst_imgcompress_format_from_caps (caps);
  if (self->format != GST_IMGCOMPRESS_FORMAT_JPEG &&
      self->format != GST_IMGCOMPRESS_FORMAT_WEBP) {
    GST_WARNING_OBJECT (self, "unsupported caps %" GST_PTR_FORMAT, caps);
    return FALSE;
  }
  /* Encoded caps may lack the dimensions; 0 reports them as unknown. */
  if (!gst_structure_get_int (s, "width", &self->width))
    self->width = 0;
  if (!gst_structure_get_int (s, "height", &self->height))
    self->height = 0;
  GST_DEBUG_OBJECT (self, "format %s, %dx%d",
      gst_imgcompress_format_to_string (self->format), self->width,
      self->height);
  return TRUE;
}

static gboolean
gst_metric_sink_event (GstBaseSink *bsink, GstEvent *event)
{
  GstMetricSink *self = GST_METRIC_SINK (bsink);
  GstImgcompressImageInfo image;
  GstImgcompressVariantInfo variant;

  if (gst_imgcompress_image_event_parse (event, &image)) {
    gchar *shown = gst_imgcompress_escape_for_display (image.name);

    GST_DEBUG_OBJECT (self, "image \"%s\", %" G_GUINT64_FORMAT " bytes", shown,
        image.input_bytes);
    g_free (shown);
    gst_imgcompress_image_info_clear (&self->image);
    self->image = image;
    self->have_image = TRUE;
  } else if (gst_imgcompress_variant_event_parse (event, &variant)) {
    gchar *shown = gst_imgcompress_escape_for_display (variant.variant);

    GST_DEBUG_OBJECT (self, "variant \"%s\"", shown);
    g_free (shown);
    g_free (self->variant);
    self->variant = variant.variant;
    variant.variant = NULL;
    gst_imgcompress_variant_info_clear (&variant);
  }

  return GST_BASE_SINK_CLASS (parent_class)->event (bsink, event);
}

static void post_file_error_escaped (GstMetricSink *self, const gchar *path,
    const GError *error);

static void
post_file_error (GstMetricSink *self, const gchar *raw_path,
    const GError *error)
{
  /* the path may hold an output-dir with control characters */
  gchar *path = gst_imgcompress_escape_for_display (raw_path);

  post_file_error_escaped (self, path, error);
  g_free (path);
}

static void
post_file_error_escaped (GstMetricSink *self, const gchar *path,
    const GError *error)
{
  if (error->domain != GST_IMGCOMPRESS_FILE_ERROR) {
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
        (_ ("Could not write to file \"%s\"."), path), ("%s", error->message));
    return;
  }

  switch (error->code) {
    case GST_IMGCOMPRESS_FILE_ERROR_EXISTS:
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          (_ ("Could not write \"%s\": the file already exists "
              "(set overwrite=true to replace it)."),
              path),
          ("%s", error->message));
      break;
    case GST_IMGCOMPRESS_FILE_ERROR_NO_SPACE:
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT,
          (_ ("No space left to write \"%s\"."), path), ("%s", error->message));
      break;
    case GST_IMGCOMPRESS_FILE_ERROR_MKDIR:
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          (_ ("Could not create the directory for \"%s\"."), path),
          ("%s", error->message));
      break;
    case GST_IMGCOMPRESS_FILE_ERROR_OPEN:
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          (_ ("Could not open file \"%s\" for writing."), path),
          ("%s", error->message));
      break;
    case GST_IMGCOMPRESS_FILE_ERROR_SYMLINK:
      GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
          (_ ("Could not write \"%s\": a directory on the way is a symbolic "
              "link, and links inside output-dir are not followed."),
              path),
          ("%s", error->message));
      break;
    case GST_IMGCOMPRESS_FILE_ERROR_SYNC:
      GST_ELEMENT_ERROR (self, RESOURCE, SYNC,
          (_ ("Could not sync file \"%s\" to disk."), path),
          ("%s", error->message));
      break;
    default:
      GST_ELEMENT_ERROR (self, RESOURCE, WRITE,
          (_ ("Could not write to file \"%s\"."), path),
          ("%s", error->message));
      break;
  }
}

/* Writes the buffer's memories one by one: no merge copy for buffers made of
 * several chunks. */
/* With @held_path the file is held (left under its temporary name, whose
 * path goes there) rather than committed. */
static gboolean
write_buffer_atomically (const gchar *output_dir, const gchar *relative,
    GstBuffer *buffer, GstImgcompressFileFlags flags, GstImgcompressFileId *id,
    gchar **held_path, GError **error)
{
  GstImgcompressAtomicFile *file;
  guint i, n = gst_buffer_n_memory (buffer);

  /* No link below output-dir is followed: a file lands in its tree. */
  file = gst_imgcompress_atomic_file_open_under (output_dir, relative, flags,
      error);
  if (file == NULL)
    return FALSE;

  for (i = 0; i < n; i++) {
    GstMemory *mem = gst_buffer_peek_memory (buffer, i);
    GstMapInfo map;
    gboolean ok;

    if (!gst_memory_map (mem, &map, GST_MAP_READ)) {
      g_set_error (error, GST_IMGCOMPRESS_FILE_ERROR,
          GST_IMGCOMPRESS_FILE_ERROR_WRITE, "could not map memory %u of %u", i,
          n);
      gst_imgcompress_atomic_file_abort (file);
      return FALSE;
    }
    ok = gst_imgcompress_atomic_file_write (file, map.data, map.size, error);
    gst_memory_unmap (mem, &map);
    if (!ok) {
      gst_imgcompress_atomic_file_abort (file);
      return FALSE;
    }
  }
  if (held_path != NULL) {
    *held_path = gst_imgcompress_atomic_file_hold (file, error);
    return *held_path != NULL;
  }
  return gst_imgcompress_atomic_file_commit_with_id (file, id, error);
}

static void
histogram_add (guint64 *counts, const gdouble *bounds, guint n, gdouble value)
{
  guint i;

  for (i = 0; i < n; i++)
    if (value <= bounds[i])
      counts[i]++;
}

static void
update_stats (GstMetricSink *self, const GstImgcompressMetrics *m)
{
  GstMetricSinkStats *stats = &self->stats;

  GST_OBJECT_LOCK (self);
  stats->files++;
  stats->input_bytes += m->input_bytes;
  stats->output_bytes += m->output_bytes;
  if (GST_CLOCK_TIME_IS_VALID (m->processing_time)) {
    gdouble seconds = (gdouble) m->processing_time / GST_SECOND;

    histogram_add (stats->time_counts, time_buckets,
        GST_METRIC_SINK_N_TIME_BUCKETS, seconds);
    stats->time_count++;
    stats->time_sum += seconds;
  }
  if (m->input_bytes > 0) {
    histogram_add (stats->ratio_counts, ratio_buckets,
        GST_METRIC_SINK_N_RATIO_BUCKETS, m->compression_ratio);
    stats->ratio_count++;
    stats->ratio_sum += m->compression_ratio;
  }
  GST_OBJECT_UNLOCK (self);
}

/* The properties one file is written with, read once under the lock. */
typedef struct
{
  gchar *output_dir;
  gchar *location;
  gchar *image_name;
  GstImgcompressFileFlags flags;
  gboolean post_messages;
  gboolean hold;
} FileSettings;

static void
file_settings_read (GstMetricSink *self, FileSettings *settings)
{
  GST_OBJECT_LOCK (self);
  settings->output_dir = g_strdup (self->output_dir);
  settings->location = g_strdup (self->location);
  /* the image event names the image; the property stands in without one */
  if (self->have_image && self->image.name != NULL && *self->image.name)
    settings->image_name = g_strdup (self->image.name);
  else
    settings->image_name = g_strdup (self->image_name);
  settings->flags = GST_IMGCOMPRESS_FILE_FLAG_NONE;
  if (self->overwrite)
    settings->flags |= GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE;
  if (self->fsync)
    settings->flags |= GST_IMGCOMPRESS_FILE_FLAG_SYNC;
  settings->post_messages = self->post_messages;
  settings->hold = self->hold;
  GST_OBJECT_UNLOCK (self);
}

static void
file_settings_clear (FileSettings *settings)
{
  g_free (settings->output_dir);
  g_free (settings->location);
  g_free (settings->image_name);
}

/* The path of the next file relative to output-dir; posts an error and
 * returns NULL when the template (changed while playing) is invalid. */
static gchar *
next_relative_path (GstMetricSink *self, const FileSettings *settings,
    const gchar *variant)
{
  GstImgcompressLocationFields fields;
  GError *error = NULL;
  gchar *name, *relative;

  name = gst_imgcompress_name_component (settings->image_name);
  fields.name = name;
  fields.variant = variant;
  fields.ext = gst_imgcompress_format_extension (self->format);
  fields.index = self->index++;
  fields.time = g_date_time_new_now_local ();
  relative =
      gst_imgcompress_location_expand (settings->location, &fields, &error);
  g_date_time_unref (fields.time);
  g_free (name);

  if (relative == NULL) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        (_ ("Invalid location template \"%s\"."), settings->location),
        ("%s", error->message));
    g_clear_error (&error);
  }
  return relative;
}

/* The variant event's name, or the stand-in without one. */
static const gchar *
current_variant (GstMetricSink *self)
{
  if (self->variant != NULL && *self->variant != '\0')
    return self->variant;
  return DEFAULT_VARIANT;
}

/* Fills @m for the file at @path; takes ownership of the strings. */
static void
fill_metrics (GstMetricSink *self, GstBuffer *buffer, gchar *image_name,
    gchar *variant, gchar *path, GstClockTime done, GstImgcompressMetrics *m)
{
  GstImgcompressEncodeMeta *meta;
  GstClockTime start_time;

  gst_imgcompress_metrics_init (m);
  m->image = image_name;
  m->variant = variant;
  m->format = g_strdup (gst_imgcompress_format_to_string (self->format));
  m->location = path;
  m->width = self->width;
  m->height = self->height;
  meta = gst_buffer_get_imgcompress_encode_meta (buffer);
  if (meta != NULL) {
    m->quality = meta->quality;
    m->encode_time = meta->encode_time;
  }
  m->output_bytes = gst_buffer_get_size (buffer);
  if (self->have_image) {
    m->image_id = g_strdup (self->image.id);
    m->image_index = self->image.index;
    m->input_bytes = self->image.input_bytes;
    start_time = self->image.start_time;
    if (GST_CLOCK_TIME_IS_VALID (start_time) && done >= start_time)
      m->processing_time = done - start_time;
  }
  if (m->input_bytes > 0)
    m->compression_ratio = (gdouble) m->output_bytes / m->input_bytes;
}

/* The message carries the written file's identity too, so that an
 * application can later remove exactly this file and no other writer's; a
 * held file has none until it is committed. */
static void
post_metrics (GstMetricSink *self, const GstImgcompressMetrics *m,
    const GstImgcompressFileId *id)
{
  GstMessage *msg = gst_imgcompress_metrics_message_new (GST_OBJECT (self), m);

  if (id != NULL)
    gst_imgcompress_file_id_to_structure (id,
        gst_message_writable_structure (msg));
  gst_element_post_message (GST_ELEMENT (self), msg);
}

static GstFlowReturn
gst_metric_sink_render (GstBaseSink *bsink, GstBuffer *buffer)
{
  GstMetricSink *self = GST_METRIC_SINK (bsink);
  GstImgcompressMetrics m;
  FileSettings settings;
  GstImgcompressFileId id = {
    0,
  };
  GError *error = NULL;
  gchar *variant, *relative = NULL, *path = NULL, *held_path = NULL;
  GstClockTime done;

  if (gst_buffer_get_size (buffer) == 0) {
    GST_ELEMENT_ERROR (self, STREAM, FORMAT,
        (_ ("Received an empty image; there is nothing to write.")),
        ("zero-size buffer %" GST_PTR_FORMAT, buffer));
    return GST_FLOW_ERROR;
  }

  if (self->format == GST_IMGCOMPRESS_FORMAT_UNKNOWN) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        (_ ("Received an image before its format (no caps).")),
        ("buffer %" GST_PTR_FORMAT " without caps", buffer));
    return GST_FLOW_NOT_NEGOTIATED;
  }

  file_settings_read (self, &settings);
  variant =
      gst_imgcompress_clean_component (current_variant (self), DEFAULT_VARIANT);
  relative = next_relative_path (self, &settings, variant);
  if (relative == NULL)
    goto failed;
  path = g_build_filename (settings.output_dir, relative, NULL);

  if (!write_buffer_atomically (settings.output_dir, relative, buffer,
          settings.flags, &id, settings.hold ? &held_path : NULL, &error)) {
    post_file_error (self, path, error);
    g_clear_error (&error);
    goto failed;
  }
  done = g_get_monotonic_time () * GST_USECOND;
  GST_DEBUG_OBJECT (self, "wrote %" G_GSIZE_FORMAT " bytes",
      gst_buffer_get_size (buffer));

  /* the metrics name the image as the event did, not as sanitised */
  fill_metrics (self, buffer, g_strdup (settings.image_name),
      g_strdup (current_variant (self)), path, done, &m);
  m.held_location = held_path;
  path = NULL;
  update_stats (self, &m);
  if (settings.post_messages)
    post_metrics (self, &m, m.held_location ? NULL : &id);
  gst_imgcompress_metrics_clear (&m);
  g_free (relative);
  g_free (variant);
  file_settings_clear (&settings);
  return GST_FLOW_OK;

failed:
  g_free (path);
  g_free (relative);
  g_free (variant);
  file_settings_clear (&settings);
  return GST_FLOW_ERROR;
}

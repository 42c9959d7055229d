/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgcompressbin as an application uses it: one long-lived pipeline fed
 * uploads through appsrc, in any mix of formats, each announced with its
 * name and id; outputs as files or on source pads; one image-done message
 * per image; a damaged upload reported and skipped. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/check/gstcheck.h>
#include <gst/imgcompress/imgcompress.h>
#include <string.h>

#include "imgcheck.h"

#define N_STREAM_IMAGES 50
#define DAMAGED_IMAGE 25
#define VARIANTS "thumbnail:32:80:75,preview:96:85:80"

static const struct
{
  const gchar *variant;
  guint box;
} variants[] = { { "thumbnail", 32 }, { "preview", 96 } };

static const gchar *formats[] = { "jpeg", "webp" };

/* A distinct colour per image, far from its neighbours', so that an output
 * carrying another image's pixels is caught. */
static void
image_colour (guint i, guint8 rgb[3])
{
  rgb[0] = (i * 53 + 20) % 256;
  rgb[1] = (i * 97 + 90) % 256;
  rgb[2] = (i * 151 + 160) % 256;
}

static GstImgcompressFormat
image_format (guint i)
{
  static const GstImgcompressFormat order[] = { GST_IMGCOMPRESS_FORMAT_JPEG,
    GST_IMGCOMPRESS_FORMAT_PNG, GST_IMGCOMPRESS_FORMAT_WEBP };

  return order[i % 3];
}

static void
image_size (guint i, guint *width, guint *height)
{
  *width = 64 + (i * 7) % 90;
  *height = 48 + (i * 11) % 70;
}

/* Encodes a solid-colour frame (turbojpegenc: the stock jpegenc writes
 * limited-range YUV as full-range JFIF, which shifts colours). */
static GstBuffer *
make_image (guint i)
{
  const gchar *encoders[] = { NULL, "turbojpegenc quality=95", "pngenc",
    "webpenc quality=95" };
  GstElement *pipeline, *sink;
  GstSample *sample;
  GstBuffer *buffer;
  guint8 rgb[3];
  guint w, h;
  gchar *desc;

  image_colour (i, rgb);
  image_size (i, &w, &h);
  desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=solid-color "
                          "foreground-color=0xff%02x%02x%02x ! "
                          "video/x-raw,format=I420,width=%u,"
                          "height=%u ! videoconvert ! %s ! appsink name=sink",
      rgb[0], rgb[1], rgb[2], w, h, encoders[image_format (i)]);
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL, "cannot build %s", desc);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  fail_unless (sample != NULL);
  buffer = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  return buffer;
}

/* A JPEG cut inside its entropy-coded data. */
static GstBuffer *
make_damaged_image (guint i)
{
  GstBuffer *whole = make_image (i * 3); /* a JPEG */
  GstBuffer *cut = gst_buffer_copy_region (whole, GST_BUFFER_COPY_MEMORY, 0,
      gst_buffer_get_size (whole) / 2);

  gst_buffer_unref (whole);
  return cut;
}

static gchar *
image_name (guint i)
{
  return g_strdup_printf ("upload-%02u", i);
}

static gchar *
image_id (guint i)
{
  return g_strdup_printf ("id-%u", i);
}

typedef struct
{
  GPtrArray *done; /* GstMessage: imgcompress-image-done */
  guint warnings;
  gchar *error;
} StreamResult;

/* @marker: each upload's buffer is flagged as the last of its image, so
 * that a damaged one is reported at once rather than when the next one
 * comes; both must work. */
static void
push_images (GstElement *appsrc, guint n, gint damaged, gboolean marker)
{
  guint i;

  for (i = 0; i < n; i++) {
    gchar *name = image_name (i), *id = image_id (i);
    GstBuffer *image =
        (gint) i == damaged ? make_damaged_image (i) : make_image (i);

    if (marker)
      GST_BUFFER_FLAG_SET (image, GST_BUFFER_FLAG_MARKER);
    fail_unless (gst_element_send_event (appsrc,
        gst_imgcompress_image_start_event_new (name, id)));
    fail_unless_equals_int (gst_app_src_push_buffer (GST_APP_SRC (appsrc),
                                image),
        GST_FLOW_OK);
    g_free (name);
    g_free (id);
  }
  gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
}

static void
collect_until_eos (GstElement *pipeline, StreamResult *result)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  gboolean done = FALSE;

  result->done =
      g_ptr_array_new_with_free_func ((GDestroyNotify) gst_message_unref);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, 60 * GST_SECOND);
    GError *err = NULL;

    fail_unless (msg != NULL, "the stream hung");
    switch (GST_MESSAGE_TYPE (msg)) {
      case GST_MESSAGE_EOS:
        done = TRUE;
        break;
      case GST_MESSAGE_ERROR:
        gst_message_parse_error (msg, &err, NULL);
        result->error = g_strdup (err->message);
        g_error_free (err);
        done = TRUE;
        break;
      case GST_MESSAGE_WARNING:
        result->warnings++;
        break;
      case GST_MESSAGE_ELEMENT:
        if (gst_imgcompress_image_done_message_parse (msg, NULL, NULL))
          g_ptr_array_add (result->done, gst_message_ref (msg));
        break;
      default:
        break;
    }
    gst_message_unref (msg);
  }
  gst_object_unref (bus);
}

static void
stream_result_clear (StreamResult *result)
{
  g_ptr_array_unref (result->done);
  g_free (result->error);
}

/* Decodes an output file with the stock decoders and returns the colour at
 * its centre. */
static void
centre_colour (const gchar *path, guint *width, guint *height, guint8 rgb[3])
{
  GstElement *pipeline, *sink;
  GstSample *sample;
  GstVideoInfo info;
  GstVideoFrame frame;
  gchar *desc;
  const guint8 *p;

  desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! videoconvert "
                          "! video/x-raw,format=RGB ! appsink name=sink",
      path);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  fail_unless (sample != NULL, "%s does not decode", path);
  fail_unless (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  fail_unless (gst_video_frame_map (&frame, &info,
      gst_sample_get_buffer (sample), GST_MAP_READ));
  *width = info.width;
  *height = info.height;
  p = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
      (info.height / 2) * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) +
      (info.width / 2) * 3;
  memcpy (rgb, p, 3);
  gst_video_frame_unmap (&frame);
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
}

static void
check_colour (const gchar *what, const guint8 got[3], const guint8 want[3])
{
  guint c;

  for (c = 0; c < 3; c++)
    fail_unless (ABS ((gint) got[c] - (gint) want[c]) <= 12,
        "%s: colour (%u,%u,%u), expected (%u,%u,%u)", what, got[0], got[1],
        got[2], want[0], want[1], want[2]);
}

static void
expected_size (guint i, guint box, guint *w, guint *h)
{
  guint iw, ih;

  image_size (i, &iw, &ih);
  gst_imgcompress_fit_box (iw, ih, 1, 1, box, box, FALSE, w, h);
}

/* The image-done message of image @i is right, and so is every file it
 * lists. */
static void
check_done_image (GstMessage *msg, guint i, const gchar *outdir)
{
  GstImgcompressImageInfo image;
  GstImgcompressMetrics m;
  GError *error = NULL;
  guint n, k;
  gchar *name = image_name (i), *id = image_id (i);

  fail_unless (gst_imgcompress_image_done_message_parse (msg, &image, &n));
  error = gst_imgcompress_image_done_message_get_error (msg, NULL);
  fail_unless (error == NULL, "%s failed: %s", name,
      error ? error->message : "");
  fail_unless_equals_string (image.name, name);
  fail_unless_equals_string (image.id, id);
  fail_unless_equals_int (image.format, image_format (i));
  fail_unless_equals_int (n, G_N_ELEMENTS (variants) * G_N_ELEMENTS (formats));

  for (k = 0; k < n; k++) {
    guint8 want[3], got[3];
    guint w, h, fw, fh, v;
    gchar *expected_location, *what;

    fail_unless (gst_imgcompress_image_done_message_get_output (msg, k, &m));
    for (v = 0; v < G_N_ELEMENTS (variants); v++)
      if (g_str_equal (m.variant, variants[v].variant))
        break;
    fail_unless (v < G_N_ELEMENTS (variants), "unknown variant %s", m.variant);
    expected_size (i, variants[v].box, &w, &h);
    fail_unless_equals_int (m.width, w);
    fail_unless_equals_int (m.height, h);
    fail_unless_equals_string (m.image_id, id);

    if (outdir) {
      expected_location = g_strdup_printf ("%s/%s/%s.%s", outdir, m.variant,
          name, g_str_equal (m.format, "jpeg") ? "jpg" : "webp");
      fail_unless_equals_string (m.location, expected_location);
      what = g_strdup_printf ("%s (%s)", expected_location, id);
      centre_colour (m.location, &fw, &fh, got);
      fail_unless_equals_int (fw, w);
      fail_unless_equals_int (fh, h);
      image_colour (i, want);
      check_colour (what, got, want);
      g_free (what);
      g_free (expected_location);
    }
    gst_imgcompress_metrics_clear (&m);
  }
  gst_imgcompress_image_info_clear (&image);
  g_free (name);
  g_free (id);
}

GST_START_TEST (test_mixed_stream_to_files)
{
  gchar *outdir = g_dir_make_tmp ("imgcompress-stream-XXXXXX", NULL);
  GstElement *pipeline, *appsrc;
  StreamResult result = { 0 };
  gchar *desc, *name;
  guint i, ok = 0;

  desc = g_strdup_printf ("appsrc name=src format=bytes max-bytes=0 ! "
                          "imgcompressbin on-error=skip variants=" VARIANTS
                          " output-dir=\"%s\"",
      outdir);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  appsrc = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);

  push_images (appsrc, N_STREAM_IMAGES, DAMAGED_IMAGE, FALSE);
  collect_until_eos (pipeline, &result);

  fail_unless (result.error == NULL, "stream stopped: %s", result.error);
  fail_unless_equals_int (result.done->len, N_STREAM_IMAGES);
  fail_unless_equals_int (result.warnings, 1);

  for (i = 0; i < result.done->len; i++) {
    GstMessage *msg = g_ptr_array_index (result.done, i);
    GstImgcompressImageInfo image;
    GError *error = NULL;
    guint n;

    fail_unless (gst_imgcompress_image_done_message_parse (msg, &image, &n));
    error = gst_imgcompress_image_done_message_get_error (msg, NULL);
    if (image.index == DAMAGED_IMAGE) {
      fail_unless (error != NULL, "the damaged image was not reported");
      fail_unless_equals_string (image.id, "id-25");
      fail_unless (strstr (error->message, "upload-25") != NULL ||
              strstr (error->message, "JPEG") != NULL,
          "unclear reason: %s", error->message);
      fail_unless_equals_int (n, 0);
      g_error_free (error);
    } else {
      check_done_image (msg, image.index, outdir);
      ok++;
    }
    gst_imgcompress_image_info_clear (&image);
  }
  fail_unless_equals_int (ok, N_STREAM_IMAGES - 1);

  /* nothing of the damaged image was written */
  name = image_name (DAMAGED_IMAGE);
  fail_unless_equals_int (imgcheck_count_files (outdir, name), 0);
  g_free (name);
  fail_unless_equals_int (imgcheck_count_files (outdir, "upload-"),
      (N_STREAM_IMAGES - 1) * 4);

  stream_result_clear (&result);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (appsrc);
  gst_object_unref (pipeline);
  imgcheck_remove_tree (outdir);
  g_free (outdir);
}

GST_END_TEST;

typedef struct
{
  GMutex lock;
  GPtrArray *buffers[4]; /* per output, in arrival order */
  gchar *caps[4];
} PadOutputs;

static GstFlowReturn
on_new_sample (GstAppSink *sink, gpointer user_data)
{
  PadOutputs *outputs = user_data;
  guint slot = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sink), "slot"));
  GstSample *sample = gst_app_sink_pull_sample (sink);
  GstStructure *s = gst_caps_get_structure (gst_sample_get_caps (sample), 0);
  gint w = 0, h = 0;

  gst_structure_get_int (s, "width", &w);
  gst_structure_get_int (s, "height", &h);
  g_mutex_lock (&outputs->lock);
  g_ptr_array_add (outputs->buffers[slot],
      gst_buffer_ref (gst_sample_get_buffer (sample)));
  g_free (outputs->caps[slot]);
  outputs->caps[slot] =
      g_strdup_printf ("%s %dx%d", gst_structure_get_name (s), w, h);
  g_mutex_unlock (&outputs->lock);
  gst_sample_unref (sample);
  return GST_FLOW_OK;
}

GST_START_TEST (test_pads_to_appsinks)
{
  const guint n_images = 7;
  GstAppSinkCallbacks callbacks = { NULL, NULL, on_new_sample };
  PadOutputs outputs;
  GstElement *pipeline, *bin, *appsrc;
  StreamResult result = { 0 };
  guint v, f, i;

  memset (&outputs, 0, sizeof (outputs));
  g_mutex_init (&outputs.lock);
  pipeline = gst_pipeline_new (NULL);
  appsrc = gst_element_factory_make ("appsrc", NULL);
  bin = gst_element_factory_make ("imgcompressbin", NULL);
  g_object_set (bin, "variants", VARIANTS, "on-error", 1, NULL);
  gst_util_set_object_arg (G_OBJECT (bin), "output", "pads");
  gst_util_set_object_arg (G_OBJECT (appsrc), "format", "bytes");
  gst_bin_add_many (GST_BIN (pipeline), appsrc, bin, NULL);
  fail_unless (gst_element_link (appsrc, bin));
  /* the pads exist once the branches are built, in READY */
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);

  for (v = 0; v < G_N_ELEMENTS (variants); v++) {
    for (f = 0; f < G_N_ELEMENTS (formats); f++) {
      guint slot = v * 2 + f;
      gchar *pad_name =
          g_strdup_printf ("src_%s_%s", variants[v].variant, formats[f]);
      GstElement *sink = gst_element_factory_make ("appsink", NULL);

      outputs.buffers[slot] =
          g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
      g_object_set_data (G_OBJECT (sink), "slot", GUINT_TO_POINTER (slot));
      /* not async: the thumbnail does not wait for the largest variant */
      g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
      gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, &outputs,
          NULL);
      gst_bin_add (GST_BIN (pipeline), sink);
      fail_unless (gst_element_link_pads (bin, pad_name, sink, "sink"),
          "no pad %s", pad_name);
      gst_element_sync_state_with_parent (sink);
      g_free (pad_name);
    }
  }
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);

  push_images (appsrc, n_images, 4, TRUE);
  collect_until_eos (pipeline, &result);
  fail_unless (result.error == NULL, "stream stopped: %s", result.error);
  fail_unless_equals_int (result.done->len, n_images);

  for (i = 0; i < result.done->len; i++) {
    GstMessage *msg = g_ptr_array_index (result.done, i);
    GstImgcompressImageInfo image;
    GError *error = NULL;

    fail_unless (gst_imgcompress_image_done_message_parse (msg, &image, NULL));
    error = gst_imgcompress_image_done_message_get_error (msg, NULL);
    if (image.index == 4)
      fail_unless (error != NULL);
    else
      check_done_image (msg, image.index, NULL);
    g_clear_error (&error);
    gst_imgcompress_image_info_clear (&image);
  }

  /* every pad gave one buffer per good image, in order, each saying which
   * image and output it is, with the encoder's quality */
  for (v = 0; v < G_N_ELEMENTS (variants); v++) {
    for (f = 0; f < G_N_ELEMENTS (formats); f++) {
      GPtrArray *buffers = outputs.buffers[v * 2 + f];
      guint k = 0;

      fail_unless_equals_int (buffers->len, n_images - 1);
      for (i = 0; i < n_images; i++) {
        GstImgcompressImageMeta *meta;
        GstImgcompressEncodeMeta *emeta;
        gchar *id;

        if (i == 4)
          continue;
        meta =
            gst_buffer_get_imgcompress_image_meta (g_ptr_array_index (buffers,
                k));
        emeta =
            gst_buffer_get_imgcompress_encode_meta (g_ptr_array_index (buffers,
                k));
        k++;
        fail_unless (meta != NULL && emeta != NULL);
        id = image_id (i);
        fail_unless_equals_string (meta->id, id);
        fail_unless_equals_string (meta->variant, variants[v].variant);
        fail_unless_equals_string (meta->format, formats[f]);
        fail_unless_equals_int (meta->index, i);
        fail_unless (emeta->quality > 0);
        g_free (id);
      }
      g_ptr_array_unref (buffers);
      g_free (outputs.caps[v * 2 + f]);
    }
  }

  stream_result_clear (&result);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_mutex_clear (&outputs.lock);
}

GST_END_TEST;

/* A damaged JPEG between two good ones: the decoder that failed is
 * replaced, and the next JPEG, of the same format, is made whole; with and
 * without the MARKER flag that ends each upload. */
GST_START_TEST (test_damaged_then_same_format)
{
  /* image numbers: 0, 3 and 6 are JPEGs, 1 a PNG (see image_format()) */
  static const guint images[] = { 0, 3, 6, 1 };
  const guint damaged = 1;
  guint pass;

  for (pass = 0; pass < 2; pass++) {
    gchar *outdir = g_dir_make_tmp ("imgcompress-stream-XXXXXX", NULL);
    GstElement *pipeline, *appsrc;
    StreamResult result = { 0 };
    gchar *desc;
    guint i, failed = 0;

    desc = g_strdup_printf ("appsrc name=src format=bytes ! imgcompressbin "
                            "on-error=skip variants=" VARIANTS
                            " output-dir=\"%s\"",
        outdir);
    pipeline = gst_parse_launch (desc, NULL);
    g_free (desc);
    appsrc = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    for (i = 0; i < G_N_ELEMENTS (images); i++) {
      gchar *name = image_name (images[i]), *id = image_id (images[i]);
      GstBuffer *image = i == damaged ? make_damaged_image (images[i] / 3) :
                                        make_image (images[i]);

      if (pass == 1)
        GST_BUFFER_FLAG_SET (image, GST_BUFFER_FLAG_MARKER);
      gst_element_send_event (appsrc,
          gst_imgcompress_image_start_event_new (name, id));
      gst_app_src_push_buffer (GST_APP_SRC (appsrc), image);
      g_free (name);
      g_free (id);
    }
    gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
    collect_until_eos (pipeline, &result);
    fail_unless (result.error == NULL, "stream stopped: %s", result.error);
    fail_unless_equals_int (result.done->len, G_N_ELEMENTS (images));

    for (i = 0; i < result.done->len; i++) {
      GstMessage *msg = g_ptr_array_index (result.done, i);
      GstImgcompressImageInfo image;
      GError *error;

      fail_unless (gst_imgcompress_image_done_message_parse (msg, &image,
          NULL));
      error = gst_imgcompress_image_done_message_get_error (msg, NULL);
      if (image.index == damaged) {
        fail_unless (error != NULL, "pass %u: the damaged JPEG passed", pass);
        failed++;
      } else {
        fail_unless (error == NULL, "pass %u: %s failed: %s", pass, image.name,
            error ? error->message : "");
        check_done_image (msg, images[image.index], outdir);
      }
      g_clear_error (&error);
      gst_imgcompress_image_info_clear (&image);
    }
    fail_unless_equals_int (failed, 1);

    stream_result_clear (&result);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (appsrc);
    gst_object_unref (pipeline);
    imgcheck_remove_tree (outdir);
    g_free (outdir);
  }
}

GST_END_TEST;

/* Without on-error=skip a damaged image stops the stream with an error, as
 * a stock decoder does. */
GST_START_TEST (test_damaged_image_stops_by_default)
{
  gchar *outdir = g_dir_make_tmp ("imgcompress-stream-XXXXXX", NULL);
  GstElement *pipeline, *appsrc;
  StreamResult result = { 0 };
  gchar *desc;

  desc = g_strdup_printf ("appsrc name=src format=bytes ! imgcompressbin "
                          "variants=" VARIANTS " output-dir=\"%s\"",
      outdir);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  appsrc = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  push_images (appsrc, 3, 1, TRUE);
  collect_until_eos (pipeline, &result);
  fail_unless (result.error != NULL, "a damaged image did not stop the stream");

  stream_result_clear (&result);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (appsrc);
  gst_object_unref (pipeline);
  imgcheck_remove_tree (outdir);
  g_free (outdir);
}

GST_END_TEST;

/* An input refused at once (its header is damaged) races the bin's own
 * change to PLAYING: the sinks end while the bin is still changing state.
 * Whichever wins, the error is followed by EOS, or an application waiting
 * for the end waits forever.  Repeated, since the race is a narrow one. */
GST_START_TEST (test_refused_at_start_still_ends)
{
  static const guint8 damaged[] = { 0xff, 0xd8, 0xff, 0xe0, 0x7f, 0xff, 'J',
    'F', 'I', 'F', 0 };
  gchar *outdir = g_dir_make_tmp ("imgcompress-stream-XXXXXX", NULL);
  guint i;

  for (i = 0; i < 300; i++) {
    GstElement *pipeline, *appsrc;
    GstMessage *msg;
    GstBus *bus;
    gchar *desc;

    desc = g_strdup_printf ("appsrc name=src format=bytes ! imgcompressbin "
                            "variants=" VARIANTS " output-dir=\"%s\"",
        outdir);
    pipeline = gst_parse_launch (desc, NULL);
    g_free (desc);
    appsrc = gst_bin_get_by_name (GST_BIN (pipeline), "src");
    gst_app_src_push_buffer (GST_APP_SRC (appsrc),
        gst_buffer_new_memdup (damaged, sizeof (damaged)));
    gst_app_src_end_of_stream (GST_APP_SRC (appsrc));
    bus = gst_element_get_bus (pipeline);
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
    fail_unless (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
        "run %u: the damaged header was not refused", i);
    gst_message_unref (msg);
    msg = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_EOS);
    fail_unless (msg != NULL, "run %u: no EOS after the error", i);
    gst_message_unref (msg);
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (bus);
    gst_object_unref (appsrc);
    gst_object_unref (pipeline);
  }
  imgcheck_remove_tree (outdir);
  g_free (outdir);
}

GST_END_TEST;

static Suite *
stream_suite (void)
{
  Suite *s = suite_create ("imgcompressbin-stream");
  TCase *tc = tcase_create ("general");

  tcase_set_timeout (tc, 240);
  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_mixed_stream_to_files);
  tcase_add_test (tc, test_pads_to_appsinks);
  tcase_add_test (tc, test_damaged_then_same_format);
  tcase_add_test (tc, test_damaged_image_stops_by_default);
  tcase_add_test (tc, test_refused_at_start_still_ends);
  return s;
}

GST_CHECK_MAIN (stream);

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* GstImgcompressImageDecoder, the decoders' base class, through real
 * subclasses (turbojpegdec: n/8 scales; imgpngdec: 1/k): the pixel limit
 * from the header or the caps before anything is negotiated or allocated,
 * the scale chosen from the size-hint query, the caps' size trusted and
 * still checked against what the library reads, the tags reset from one
 * image to the next, and the shared end-of-stream errors. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/tag/tag.h>
#include <string.h>

#define WIDTH 640
#define HEIGHT 480

/* One encoded frame of videotestsrc, made by @encoder. */
static GstBuffer *
encode_test_image (const gchar *format, const gchar *encoder)
{
  gchar *desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=smpte ! "
                                 "video/x-raw,format=%s,width=%d,height=%d ! "
                                 "%s ! appsink name=sink",
      format, WIDTH, HEIGHT, encoder);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstElement *sink;
  GstSample *sample;
  GstBuffer *buffer;

  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  sample = gst_app_sink_pull_sample (GST_APP_SINK (sink));
  fail_unless (sample != NULL);
  buffer = gst_buffer_ref (gst_sample_get_buffer (sample));
  gst_sample_unref (sample);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  return buffer;
}

static GstBuffer *
make_jpeg (void)
{
  return encode_test_image ("I420", "turbojpegenc");
}

/* @jpeg with an EXIF APP1 segment saying @orientation after its SOI. */
static GstBuffer *
with_exif_orientation (GstBuffer *jpeg, guint orientation)
{
  /* APP1: "Exif\0\0", big-endian TIFF header, one IFD entry (0x0112,
   * SHORT, 1, value), no next IFD */
  guint8 app1[] = { 0xff, 0xe1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M',
    0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, 0x00, 0x01, 0x01, 0x12, 0x00, 0x03,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };
  GstMapInfo map;
  GByteArray *out = g_byte_array_new ();

  app1[29] = orientation;
  fail_unless (gst_buffer_map (jpeg, &map, GST_MAP_READ));
  g_byte_array_append (out, map.data, 2);
  g_byte_array_append (out, app1, sizeof (app1));
  g_byte_array_append (out, map.data + 2, map.size - 2);
  gst_buffer_unmap (jpeg, &map);
  return gst_buffer_new_wrapped (g_byte_array_free (out, FALSE),
      sizeof (app1) + gst_buffer_get_size (jpeg));
}

/* A decoder in a harness, with its bus to read its errors. */
typedef struct
{
  GstHarness *h;
  GstBus *bus;
  guint box; /* the size-hint answer, 0 for none */
} Dec;

static GstPadProbeReturn
answer_size_hint (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Dec *dec = user_data;
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);

  if (dec->box == 0 || !gst_imgcompress_query_is_size_hint (query))
    return GST_PAD_PROBE_OK;
  gst_imgcompress_size_hint_query_set (query, dec->box, dec->box);
  return GST_PAD_PROBE_HANDLED;
}

static void
dec_init (Dec *dec, const gchar *launch, const gchar *caps, guint box)
{
  dec->h = gst_harness_new_parse (launch);
  dec->bus = gst_bus_new ();
  dec->box = box;
  gst_element_set_bus (dec->h->element, dec->bus);
  gst_pad_add_probe (dec->h->sinkpad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      answer_size_hint, dec, NULL);
  gst_harness_set_src_caps_str (dec->h, caps);
}

static void
dec_clear (Dec *dec)
{
  gst_element_set_bus (dec->h->element, NULL);
  gst_object_unref (dec->bus);
  gst_harness_teardown (dec->h);
}

/* The error the decoder posted, which must contain @needle. */
static void
expect_error (Dec *dec, const gchar *needle)
{
  GstMessage *msg = gst_bus_pop_filtered (dec->bus, GST_MESSAGE_ERROR);
  GError *err = NULL;
  gchar *debug = NULL;

  fail_unless (msg != NULL, "no error posted");
  gst_message_parse_error (msg, &err, &debug);
  fail_unless (strstr (err->message, needle) != NULL, "'%s' not in '%s' (%s)",
      needle, err->message, debug);
  g_error_free (err);
  g_free (debug);
  gst_message_unref (msg);
}

/* Nothing went downstream: no caps were set (so no pool, no frame was
 * allocated) and no buffer. */
static void
expect_nothing_out (Dec *dec)
{
  GstCaps *caps = gst_pad_get_current_caps (dec->h->sinkpad);

  fail_unless (caps == NULL, "output caps %" GST_PTR_FORMAT, caps);
  fail_unless_equals_int (gst_harness_buffers_received (dec->h), 0);
}

/* The size of the one frame decoded. */
static void
expect_frame (Dec *dec, gint width, gint height)
{
  GstCaps *caps = gst_pad_get_current_caps (dec->h->sinkpad);
  GstVideoInfo info;
  GstBuffer *out;

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (&info, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), width);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), height);
  out = gst_harness_pull (dec->h);
  fail_unless (out != NULL);
  fail_unless (gst_buffer_get_size (out) >= GST_VIDEO_INFO_SIZE (&info));
  gst_buffer_unref (out);
  gst_caps_unref (caps);
}

/* A PNG of videotestsrc through imgpngdec with @caps, downstream answering
 * the size-hint query with @box: one frame of @width x @height. */
static void
check_png_frame (const gchar *caps, guint box, gint width, gint height)
{
  Dec dec;

  dec_init (&dec, "imgpngdec", caps, box);
  fail_unless_equals_int (gst_harness_push (dec.h,
                              encode_test_image ("RGB", "pngenc")),
      GST_FLOW_OK);
  expect_frame (&dec, width, height);
  dec_clear (&dec);
}

/* The header says 640x480, over the limit: refused before anything is
 * negotiated or allocated, in the base class's words. */
GST_START_TEST (test_max_pixels_from_header)
{
  Dec dec;

  dec_init (&dec, "turbojpegdec max-pixels=300000", "image/jpeg", 0);
  fail_unless_equals_int (gst_harness_push (dec.h, make_jpeg ()),
      GST_FLOW_ERROR);
  expect_error (&dec,
      "The JPEG image is too large: 640x480 pixels, more "
      "than the 300000 pixels allowed.");
  expect_nothing_out (&dec);
  dec_clear (&dec);
}

GST_END_TEST;

/* adaptivequality's caps say the image is 30000x30000: the base class
 * refuses it from them, before the subclass reads a byte of the header
 * (which says 640x480). */
GST_START_TEST (test_max_pixels_from_caps)
{
  Dec dec;

  dec_init (&dec, "imgpngdec",
      "image/png, width=30000, height=30000, imgcompress-header=true", 0);
  fail_unless_equals_int (gst_harness_push (dec.h,
                              encode_test_image ("RGB", "pngenc")),
      GST_FLOW_ERROR);
  expect_error (&dec, "The PNG image is too large: 30000x30000 pixels");
  expect_nothing_out (&dec);
  dec_clear (&dec);
}

GST_END_TEST;

/* imgwebpdec refuses from the caps while it collects the image's bytes:
 * the first 64 bytes of it are enough, the rest never arrives. */
GST_START_TEST (test_max_pixels_from_caps_while_framing)
{
  GstBuffer *webp = encode_test_image ("I420", "imgwebpenc");
  Dec dec;

  dec_init (&dec, "imgwebpdec",
      "image/webp, width=30000, height=30000, imgcompress-header=true", 0);
  fail_unless_equals_int (gst_harness_push (dec.h,
                              gst_buffer_copy_region (webp,
                                  GST_BUFFER_COPY_MEMORY, 0, 64)),
      GST_FLOW_ERROR);
  expect_error (&dec, "The WebP image is too large: 30000x30000 pixels");
  expect_nothing_out (&dec);
  gst_buffer_unref (webp);
  dec_clear (&dec);
}

GST_END_TEST;

/* Caps without imgcompress-header (or parsed) say nothing of the image. */
GST_START_TEST (test_caps_size_needs_header_flag)
{
  check_png_frame ("image/png, width=30000, height=30000", 0, WIDTH, HEIGHT);
}

GST_END_TEST;

/* Caps that contradict what libjpeg reads are an error, not a frame of
 * the wrong size. */
GST_START_TEST (test_caps_size_checked_against_library)
{
  Dec dec;

  dec_init (&dec, "turbojpegdec",
      "image/jpeg, width=320, height=240, imgcompress-header=true", 0);
  fail_unless_equals_int (gst_harness_push (dec.h, make_jpeg ()),
      GST_FLOW_ERROR);
  expect_error (&dec, "header is damaged");
  expect_nothing_out (&dec);
  dec_clear (&dec);
}

GST_END_TEST;

/* Shrink on load: downstream will fit the image into 100x100; the smallest
 * n/8 that leaves at least twice that (200x150) is 3/8, 240x180. */
GST_START_TEST (test_size_hint_eighths)
{
  Dec dec;

  dec_init (&dec, "turbojpegdec",
      "image/jpeg, width=640, height=480, imgcompress-header=true", 100);
  fail_unless_equals_int (gst_harness_push (dec.h, make_jpeg ()), GST_FLOW_OK);
  expect_frame (&dec, 240, 180);
  dec_clear (&dec);

  /* the property wins over the query */
  dec_init (&dec, "turbojpegdec max-dimension=320", "image/jpeg", 100);
  fail_unless_equals_int (gst_harness_push (dec.h, make_jpeg ()), GST_FLOW_OK);
  expect_frame (&dec, 640, 480);
  dec_clear (&dec);
}

GST_END_TEST;

/* The same box through a 1/k decoder: k = 3 (640/3 = 214 >= 200),
 * rounded up. */
GST_START_TEST (test_size_hint_divisor)
{
  check_png_frame ("image/png", 100, 214, 160);
}

GST_END_TEST;

static gchar *
pull_orientation (Dec *dec)
{
  GstEvent *event;
  gchar *orientation = NULL;

  while ((event = gst_harness_try_pull_event (dec->h)) != NULL) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_TAG) {
      GstTagList *tags;

      gst_event_parse_tag (event, &tags);
      g_free (orientation);
      orientation = NULL;
      gst_tag_list_get_string (tags, GST_TAG_IMAGE_ORIENTATION, &orientation);
    }
    gst_event_unref (event);
  }
  return orientation;
}

/* With the size from the caps, the EXIF orientation is still read and
 * handed on; the next image, without one, resets it. */
GST_START_TEST (test_orientation_with_caps_size)
{
  GstBuffer *jpeg = make_jpeg ();
  GstBuffer *out;
  gchar *orientation;
  Dec dec;

  dec_init (&dec, "turbojpegdec framing=image",
      "image/jpeg, width=640, height=480, imgcompress-header=true", 0);
  fail_unless_equals_int (gst_harness_push (dec.h,
                              with_exif_orientation (jpeg, 6)),
      GST_FLOW_OK);
  out = gst_harness_pull (dec.h);
  gst_buffer_unref (out);
  orientation = pull_orientation (&dec);
  fail_unless_equals_string (orientation, "rotate-90");
  g_free (orientation);

  /* a new image: caps again, then the bytes */
  gst_harness_set_src_caps_str (dec.h,
      "image/jpeg, width=640, height=480, imgcompress-header=true, next=1");
  fail_unless_equals_int (gst_harness_push (dec.h, jpeg), GST_FLOW_OK);
  out = gst_harness_pull (dec.h);
  gst_buffer_unref (out);
  orientation = pull_orientation (&dec);
  fail_unless_equals_string (orientation, "rotate-0");
  g_free (orientation);
  dec_clear (&dec);
}

GST_END_TEST;

/* @jpeg with an APP@n segment holding @id (with its NUL when
 * @with_nul) and @payload after its SOI. */
static GstBuffer *
with_segment (GstBuffer *jpeg, guint n, const gchar *id, gboolean with_nul,
    const guint8 *payload, gsize size)
{
  gsize id_len = strlen (id) + (with_nul ? 1 : 0);
  guint16 len = 2 + id_len + size;
  guint8 head[4] = { 0xff, 0xe0 + n, len >> 8, len & 0xff };
  GByteArray *out = g_byte_array_new ();
  GstMapInfo map;
  gsize total;

  fail_unless (gst_buffer_map (jpeg, &map, GST_MAP_READ));
  g_byte_array_append (out, map.data, 2);
  g_byte_array_append (out, head, sizeof (head));
  g_byte_array_append (out, (const guint8 *) id, id_len);
  g_byte_array_append (out, payload, size);
  g_byte_array_append (out, map.data + 2, map.size - 2);
  gst_buffer_unmap (jpeg, &map);
  gst_buffer_unref (jpeg);
  total = out->len;
  return gst_buffer_new_wrapped (g_byte_array_free (out, FALSE), total);
}

/* The last stream tags the decoder sent. */
static GstTagList *
pull_tags (Dec *dec)
{
  GstTagList *last = NULL;
  GstEvent *event;

  while ((event = gst_harness_try_pull_event (dec->h)) != NULL) {
    if (GST_EVENT_TYPE (event) == GST_EVENT_TAG) {
      GstTagList *tags;

      gst_event_parse_tag (event, &tags);
      gst_clear_tag_list (&last);
      last = gst_tag_list_copy (tags);
    }
    gst_event_unref (event);
  }
  return last;
}

/* With the size from the caps, the marker walk still goes on past the
 * EXIF segment to the ICC profile's APP2 chunk and the XMP segment: the
 * base class posts the profile (checked: `srgb` FALSE for Adobe RGB) and
 * the copyright; the next image, without them, resets both. */
GST_START_TEST (test_colour_and_copyright_with_caps_size)
{
  static const gchar xmp[] =
      "<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
      "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
      "<rdf:Description rdf:about=\"\" "
      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:rights><rdf:Alt>"
      "<rdf:li xml:lang=\"x-default\">(c) 2026 Jane Example</rdf:li>"
      "</rdf:Alt></dc:rights></rdf:Description></rdf:RDF></x:xmpmeta>"
      "<?xpacket end=\"w\"?>";
  const gchar *caps =
      "image/jpeg, width=640, height=480, imgcompress-header=true";
  GstBuffer *jpeg = make_jpeg (), *tagged;
  gchar *icc = NULL, *copyright = NULL, *chunk;
  gsize icc_size = 0;
  GstSample *sample = NULL;
  GstTagList *tags;
  gboolean srgb = TRUE;
  Dec dec;

  fail_unless (g_file_get_contents ("/usr/share/color/icc/ghostscript/a98.icc",
      &icc, &icc_size, NULL));
  /* sequence 1 of 1, then the profile */
  chunk = g_malloc (icc_size + 2);
  chunk[0] = chunk[1] = 1;
  memcpy (chunk + 2, icc, icc_size);
  /* EXIF first: the walk must not stop there */
  tagged = with_segment (jpeg, 2, "ICC_PROFILE", TRUE, (const guint8 *) chunk,
      icc_size + 2);
  tagged = with_segment (tagged, 1, "http://ns.adobe.com/xap/1.0/", TRUE,
      (const guint8 *) xmp, strlen (xmp));
  jpeg = tagged;
  tagged = with_exif_orientation (jpeg, 6);
  gst_buffer_unref (jpeg);

  dec_init (&dec, "turbojpegdec framing=image", caps, 0);
  fail_unless_equals_int (gst_harness_push (dec.h, tagged), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (dec.h));
  tags = pull_tags (&dec);
  fail_unless (tags != NULL);
  fail_unless (gst_tag_list_get_sample (tags,
      GST_IMGCOMPRESS_TAG_COLOUR_PROFILE, &sample));
  fail_unless_equals_string (
      gst_structure_get_string (gst_sample_get_info (sample), "source"),
      "APP2");
  fail_unless (gst_structure_get_boolean (gst_sample_get_info (sample), "srgb",
      &srgb));
  fail_unless (!srgb);
  fail_unless (gst_buffer_memcmp (gst_sample_get_buffer (sample), 0, icc,
                   icc_size) == 0);
  fail_unless (gst_tag_list_get_string (tags, GST_TAG_COPYRIGHT, &copyright));
  fail_unless_equals_string (copyright, "(c) 2026 Jane Example");
  g_free (copyright);
  gst_sample_unref (sample);
  gst_tag_list_unref (tags);

  /* a new image without them */
  gst_harness_set_src_caps_str (dec.h,
      "image/jpeg, width=640, height=480, "
      "imgcompress-header=true, next=1");
  fail_unless_equals_int (gst_harness_push (dec.h, make_jpeg ()), GST_FLOW_OK);
  gst_buffer_unref (gst_harness_pull (dec.h));
  tags = pull_tags (&dec);
  fail_unless (tags != NULL);
  fail_if (gst_tag_list_get_sample (tags, GST_IMGCOMPRESS_TAG_COLOUR_PROFILE,
      &sample));
  fail_if (gst_tag_list_get_string (tags, GST_TAG_COPYRIGHT, &copyright));
  gst_tag_list_unref (tags);
  dec_clear (&dec);
  g_free (chunk);
  g_free (icc);
}

GST_END_TEST;

/* The end of a stream without any image: the base class says which. */
GST_START_TEST (test_empty_and_imageless_streams)
{
  static const guint8 junk[] = "not an image at all";
  Dec dec;

  dec_init (&dec, "imgpngdec", "image/png", 0);
  gst_harness_push_event (dec.h, gst_event_new_eos ());
  expect_error (&dec, "The PNG input is empty.");
  dec_clear (&dec);

  dec_init (&dec, "turbojpegdec", "image/jpeg", 0);
  fail_unless_equals_int (gst_harness_push (dec.h,
                              gst_buffer_new_memdup (junk, sizeof (junk))),
      GST_FLOW_OK);
  gst_harness_push_event (dec.h, gst_event_new_eos ());
  expect_error (&dec, "No JPEG image found in the stream.");
  expect_nothing_out (&dec);
  dec_clear (&dec);
}

GST_END_TEST;

/* The properties live in the base class, once for every decoder. */
GST_START_TEST (test_properties_in_base_class)
{
  const gchar *names[] = { "turbojpegdec", "imgwebpdec", "imgpngdec" };
  const gchar *props[] = { "max-dimension", "max-pixels", "max-input-bytes" };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    GstElement *e = gst_element_factory_make (names[i], NULL);

    fail_unless (e != NULL, "%s", names[i]);
    fail_unless (GST_IS_IMGCOMPRESS_IMAGE_DECODER (e));
    for (j = 0; j < G_N_ELEMENTS (props); j++) {
      GParamSpec *spec =
          g_object_class_find_property (G_OBJECT_GET_CLASS (e), props[j]);

      fail_unless (spec != NULL);
      fail_unless (spec->owner_type == GST_TYPE_IMGCOMPRESS_IMAGE_DECODER);
    }
    gst_object_unref (e);
  }
}

GST_END_TEST;

static Suite *
imgdecoder_suite (void)
{
  Suite *s = suite_create ("imgdecoder");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_max_pixels_from_header);
  tcase_add_test (tc, test_max_pixels_from_caps);
  tcase_add_test (tc, test_max_pixels_from_caps_while_framing);
  tcase_add_test (tc, test_caps_size_needs_header_flag);
  tcase_add_test (tc, test_caps_size_checked_against_library);
  tcase_add_test (tc, test_size_hint_eighths);
  tcase_add_test (tc, test_size_hint_divisor);
  tcase_add_test (tc, test_orientation_with_caps_size);
  tcase_add_test (tc, test_colour_and_copyright_with_caps_size);
  tcase_add_test (tc, test_empty_and_imageless_streams);
  tcase_add_test (tc, test_properties_in_base_class);
  return s;
}

GST_CHECK_MAIN (imgdecoder);

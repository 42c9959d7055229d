/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The shared library: protocol round trips and size arithmetic. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <gst/imgcompress/imgcompress.h>
#include <string.h>

GST_START_TEST (test_image_event_round_trip)
{
  GstImgcompressImageInfo in, out;
  GstEvent *event;

  gst_imgcompress_image_info_init (&in);
  in.name = g_strdup ("photo.jpg");
  in.input_bytes = 4379037;
  in.width = 6028;
  in.height = 3391;
  in.format = GST_IMGCOMPRESS_FORMAT_JPEG;
  in.start_time = 123456789;
  in.jpeg_quality = 80;

  event = gst_imgcompress_image_event_new (&in);
  fail_unless_equals_int (GST_EVENT_TYPE (event),
      GST_EVENT_CUSTOM_DOWNSTREAM_STICKY);
  fail_unless (GST_EVENT_IS_STICKY (event));
  fail_unless (gst_imgcompress_image_event_parse (event, &out));
  fail_unless_equals_string (out.name, "photo.jpg");
  fail_unless_equals_uint64 (out.input_bytes, 4379037);
  fail_unless_equals_int (out.width, 6028);
  fail_unless_equals_int (out.height, 3391);
  fail_unless_equals_int (out.format, GST_IMGCOMPRESS_FORMAT_JPEG);
  fail_unless_equals_uint64 (out.start_time, 123456789);
  fail_unless_equals_int (out.jpeg_quality, 80);
  fail_unless_equals_int (out.webp_quality, GST_IMGCOMPRESS_QUALITY_UNSET);

  gst_imgcompress_image_info_clear (&out);
  gst_imgcompress_image_info_clear (&in);
  gst_event_unref (event);
}

GST_END_TEST;

GST_START_TEST (test_variant_event_is_not_image_event)
{
  GstImgcompressVariantInfo v, out;
  GstImgcompressImageInfo image;
  GstEvent *event;

  gst_imgcompress_variant_info_init (&v);
  v.variant = g_strdup ("preview");
  v.max_dimension = 500;
  v.jpeg_quality = 85;
  v.webp_quality = 80;

  event = gst_imgcompress_variant_event_new (&v);
  fail_if (gst_imgcompress_image_event_parse (event, &image));
  fail_unless (gst_imgcompress_variant_event_parse (event, &out));
  fail_unless_equals_string (out.variant, "preview");
  fail_unless_equals_int (out.max_dimension, 500);
  fail_unless_equals_int (out.jpeg_quality, 85);
  fail_unless_equals_int (out.webp_quality, 80);

  gst_imgcompress_variant_info_clear (&out);
  gst_imgcompress_variant_info_clear (&v);
  gst_event_unref (event);
}

GST_END_TEST;

GST_START_TEST (test_pad_quality_capped_by_hint)
{
  GstImgcompressImageInfo image;
  GstImgcompressVariantInfo variant;
  GstPad *src, *sink;

  src = gst_pad_new ("src", GST_PAD_SRC);
  sink = gst_pad_new ("sink", GST_PAD_SINK);
  gst_pad_set_active (src, TRUE);
  gst_pad_set_active (sink, TRUE);
  fail_unless_equals_int (gst_pad_link (src, sink), GST_PAD_LINK_OK);
  gst_pad_push_event (src, gst_event_new_stream_start ("test"));

  /* Nothing known: the element's own property. */
  fail_unless_equals_int (gst_imgcompress_pad_get_quality (sink,
                              GST_IMGCOMPRESS_FORMAT_JPEG, 85),
      85);

  gst_imgcompress_variant_info_init (&variant);
  variant.variant = g_strdup ("full");
  variant.max_dimension = 2048;
  variant.jpeg_quality = 90;
  variant.webp_quality = 85;
  gst_pad_push_event (src, gst_imgcompress_variant_event_new (&variant));
  fail_unless_equals_int (gst_imgcompress_pad_get_quality (sink,
                              GST_IMGCOMPRESS_FORMAT_JPEG, 50),
      90);
  fail_unless_equals_int (gst_imgcompress_pad_get_quality (sink,
                              GST_IMGCOMPRESS_FORMAT_WEBP, 50),
      85);

  gst_imgcompress_image_info_init (&image);
  image.name = g_strdup ("big.jpg");
  image.jpeg_quality = 75;
  image.webp_quality = 70;
  gst_pad_push_event (src, gst_imgcompress_image_event_new (&image));
  fail_unless_equals_int (gst_imgcompress_pad_get_quality (sink,
                              GST_IMGCOMPRESS_FORMAT_JPEG, 50),
      75);
  fail_unless_equals_int (gst_imgcompress_pad_get_quality (sink,
                              GST_IMGCOMPRESS_FORMAT_WEBP, 50),
      70);

  gst_imgcompress_image_info_clear (&image);
  gst_imgcompress_variant_info_clear (&variant);
  gst_object_unref (src);
  gst_object_unref (sink);
}

GST_END_TEST;

static gboolean
answer_size_hint (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (gst_imgcompress_query_is_size_hint (query)) {
    gst_imgcompress_size_hint_query_set (query, 500, 300);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

GST_START_TEST (test_size_hint_query)
{
  GstPad *src, *sink;
  guint w = 0, h = 0;
  GstQuery *query;

  query = gst_imgcompress_size_hint_query_new ();
  fail_unless (gst_imgcompress_query_is_size_hint (query));
  fail_if (gst_imgcompress_size_hint_query_parse (query, &w, &h));
  gst_query_unref (query);

  src = gst_pad_new ("src", GST_PAD_SRC);
  sink = gst_pad_new ("sink", GST_PAD_SINK);
  fail_if (gst_imgcompress_pad_query_size_hint (src, &w, &h));
  gst_pad_set_query_function (sink, answer_size_hint);
  fail_unless_equals_int (gst_pad_link (src, sink), GST_PAD_LINK_OK);
  fail_unless (gst_imgcompress_pad_query_size_hint (src, &w, &h));
  fail_unless_equals_int (w, 500);
  fail_unless_equals_int (h, 300);
  gst_object_unref (src);
  gst_object_unref (sink);
}

GST_END_TEST;

GST_START_TEST (test_encode_meta_survives_copy)
{
  GstBuffer *buf, *copy;
  GstImgcompressEncodeMeta *meta;

  buf = gst_buffer_new_allocate (NULL, 16, NULL);
  gst_buffer_add_imgcompress_encode_meta (buf, 82, 1500000);
  copy = gst_buffer_copy (buf);
  meta = gst_buffer_get_imgcompress_encode_meta (copy);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->quality, 82);
  fail_unless_equals_uint64 (meta->encode_time, 1500000);
  gst_buffer_unref (copy);
  gst_buffer_unref (buf);
}

GST_END_TEST;

GST_START_TEST (test_metrics_message_round_trip)
{
  GstImgcompressMetrics in, out;
  GstMessage *msg;

  gst_imgcompress_metrics_init (&in);
  in.image = g_strdup ("a.jpg");
  in.variant = g_strdup ("thumbnail");
  in.format = g_strdup ("webp");
  in.location = g_strdup ("out/thumbnail/a.webp");
  in.width = 150;
  in.height = 84;
  in.quality = 75;
  in.input_bytes = 1000;
  in.output_bytes = 300;
  in.compression_ratio = 0.3;
  in.processing_time = 42;
  in.encode_time = 7;

  msg = gst_imgcompress_metrics_message_new (NULL, &in);
  fail_unless (gst_imgcompress_metrics_message_parse (msg, &out));
  fail_unless_equals_string (out.location, "out/thumbnail/a.webp");
  fail_unless_equals_string (out.variant, "thumbnail");
  fail_unless_equals_int (out.width, 150);
  fail_unless_equals_int (out.height, 84);
  fail_unless_equals_int (out.quality, 75);
  fail_unless_equals_uint64 (out.output_bytes, 300);
  fail_unless_equals_float (out.compression_ratio, 0.3);
  fail_unless_equals_uint64 (out.processing_time, 42);
  fail_unless_equals_uint64 (out.encode_time, 7);
  gst_imgcompress_metrics_clear (&out);
  gst_imgcompress_metrics_clear (&in);
  gst_message_unref (msg);
}

GST_END_TEST;

GST_START_TEST (test_fit_box_table)
{
  static const struct
  {
    guint w, h, box;
    gboolean enlarge;
    guint ow, oh;
  } cases[] = {
    { 5640, 3172, 2048, FALSE, 2048, 1152 },
    { 6028, 3391, 150, FALSE, 150, 84 },
    { 3391, 6028, 150, FALSE, 84, 150 },
    { 1920, 1080, 2048, FALSE, 1920, 1080 },
    { 1920, 1080, 2048, TRUE, 2048, 1152 },
    { 1, 1, 150, FALSE, 1, 1 },
    { 1, 10000, 150, FALSE, 1, 150 },
    { 10000, 1, 150, FALSE, 150, 1 },
    { 4096, 4096, 500, FALSE, 500, 500 },
  };
  guint i, ow, oh;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gst_imgcompress_fit_box (cases[i].w, cases[i].h, 1, 1, cases[i].box,
        cases[i].box, cases[i].enlarge, &ow, &oh);
    fail_unless (ow == cases[i].ow && oh == cases[i].oh,
        "case %u: %ux%u into %u gave %ux%u, expected %ux%u", i, cases[i].w,
        cases[i].h, cases[i].box, ow, oh, cases[i].ow, cases[i].oh);
  }

  /* Anamorphic 2:1 pixels display twice as wide. */
  gst_imgcompress_fit_box (1000, 1000, 2, 1, 500, 500, FALSE, &ow, &oh);
  fail_unless_equals_int (ow, 500);
  fail_unless_equals_int (oh, 250);
}

GST_END_TEST;

GST_START_TEST (test_pick_scale_table)
{
  static const struct
  {
    guint w, h, box, n;
  } cases[] = {
    /* the smallest n/8 giving at least twice the fitted size */
    { 6028, 3391, 2048, 6 }, /* 4521x2544 >= 4096x2304; 5/8 = 3768 */
    { 6028, 3391, 500, 2 }, /* 1507x848 >= 1000x562 */
    { 6028, 3391, 150, 1 }, /* 754x424 >= 300x168 */
    { 1920, 1080, 2048, 8 }, /* fits: full size */
    { 1920, 1080, 500, 5 }, /* 1200x675 >= 1000x562; 4/8 = 960 */
    { 2560, 1600, 500, 4 }, /* 1280x800 >= 1000x626 */
    { 4096, 4096, 2048, 8 },
    { 8193, 8193, 2048, 4 }, /* ceil(8193/2) = 4097 >= 4096 */
    { 100, 100, 0, 8 },
  };
  guint i, n;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    n = gst_imgcompress_pick_scale_eighths (cases[i].w, cases[i].h,
        cases[i].box, cases[i].box);
    fail_unless (n == cases[i].n,
        "case %u: %ux%u into %u gave %u/8, "
        "expected %u/8",
        i, cases[i].w, cases[i].h, cases[i].box, n, cases[i].n);
  }
}

GST_END_TEST;

/* At any offset: GST_WRITE_UINT16_LE stores through a guint16 pointer,
 * which UBSan calls misaligned. */
static void
put_uint16_le (guint8 *p, guint16 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

/* A BMP header: OS/2 1.x (12), or 40 bytes with 4 masks after it (the
 * first 3 are BI_BITFIELDS', all 4 BI_ALPHABITFIELDS'). */
static guint8 *
make_bmp_header (gsize *size, guint32 info_size, guint16 bits,
    guint32 compression, guint32 colours)
{
  guint8 *data = g_malloc0 (200);

  memcpy (data, "BM", 2);
  gst_imgcompress_write_uint32_le (data + 10, 300);
  gst_imgcompress_write_uint32_le (data + 14, info_size);
  if (info_size == 12) {
    put_uint16_le (data + 18, 5);
    put_uint16_le (data + 20, 3);
    put_uint16_le (data + 24, bits);
  } else {
    gst_imgcompress_write_uint32_le (data + 18, 5);
    gst_imgcompress_write_uint32_le (data + 22, (guint32) -3);
    put_uint16_le (data + 28, bits);
    gst_imgcompress_write_uint32_le (data + 30, compression);
    gst_imgcompress_write_uint32_le (data + 46, colours);
    gst_imgcompress_write_uint32_le (data + 54, 0x30);
    gst_imgcompress_write_uint32_le (data + 58, 0x0e);
    gst_imgcompress_write_uint32_le (data + 62, 0x01);
    gst_imgcompress_write_uint32_le (data + 66, 0xf000);
  }
  *size = 200;
  return data;
}

GST_START_TEST (test_sniff_bmp_layout)
{
  GstImgcompressHeaderInfo info;
  GstImgcompressBmpLayout layout;
  gsize size;
  guint8 *data;

  /* BI_BITFIELDS after a 40-byte header: 3 masks, the colour table after */
  data = make_bmp_header (&size, 40, 16, 3, 256);
  fail_unless_equals_int (gst_imgcompress_sniff_bmp_layout (data, size, &info,
                              &layout),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless_equals_int (info.width, 5);
  fail_unless_equals_int (info.height, 3);
  fail_unless (layout.top_down);
  fail_unless_equals_int (layout.bits_per_pixel, 16);
  fail_unless_equals_int (layout.masks[0], 0x30);
  fail_unless_equals_int (layout.masks[2], 0x01);
  fail_unless_equals_int (layout.masks[3], 0);
  fail_unless_equals_int (layout.palette_offset, 66);
  fail_unless_equals_int (layout.palette_entries, 0);
  fail_unless_equals_int (layout.pixels_offset, 300);
  /* the masks are part of the header */
  fail_unless_equals_int (gst_imgcompress_sniff_bmp_layout (data, 60, &info,
                              &layout),
      GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA);
  fail_unless_equals_int (info.needed, 66);
  /* BI_ALPHABITFIELDS: 4 masks */
  gst_imgcompress_write_uint32_le (data + 30, 6);
  fail_unless_equals_int (gst_imgcompress_sniff_bmp_layout (data, size, &info,
                              &layout),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless_equals_int (layout.masks[3], 0xf000);
  fail_unless_equals_int (layout.palette_offset, 70);
  g_free (data);

  /* BI_RGB: the implied 5:5:5 masks */
  data = make_bmp_header (&size, 40, 16, 0, 0);
  fail_unless_equals_int (gst_imgcompress_sniff_bmp_layout (data, size, &info,
                              &layout),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless_equals_int (layout.masks[0], 0x7c00);
  fail_unless_equals_int (layout.palette_offset, 54);
  g_free (data);

  /* OS/2 1.x: 3-byte entries, 2^bits of them */
  data = make_bmp_header (&size, 12, 8, 0, 0);
  fail_unless_equals_int (gst_imgcompress_sniff_bmp_layout (data, size, &info,
                              &layout),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless (!layout.top_down);
  fail_unless_equals_int (layout.palette_entry_size, 3);
  fail_unless_equals_int (layout.palette_entries, 256);
  fail_unless_equals_int (layout.palette_offset, 26);
  g_free (data);

  /* not a BMP */
  fail_unless_equals_int (
      gst_imgcompress_sniff_bmp_layout ((const guint8 *) "\xff\xd8\xff", 3,
          &info, &layout),
      GST_IMGCOMPRESS_SNIFF_INVALID);
}

GST_END_TEST;

GST_START_TEST (test_size_overflow)
{
  gsize r;

  fail_unless (gst_imgcompress_frame_bytes (6028, 3391, 4, &r));
  fail_unless_equals_uint64 (r, (guint64) 6028 * 3391 * 4);
  fail_if (gst_imgcompress_frame_bytes (0, 10, 1, &r));
  fail_if (gst_imgcompress_size_mul (G_MAXSIZE / 2 + 1, 2, &r));
  fail_if (gst_imgcompress_size_add (G_MAXSIZE, 1, &r));

  fail_unless (gst_imgcompress_pixels_allowed (10000, 10000,
      GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS));
  fail_if (gst_imgcompress_pixels_allowed (10000, 10001,
      GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS));
  fail_if (gst_imgcompress_pixels_allowed (65535, 65535,
      GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS));
  fail_if (gst_imgcompress_pixels_allowed (0, 100, 0));
  fail_unless (gst_imgcompress_pixels_allowed (G_MAXUINT, G_MAXUINT, 0));
}

GST_END_TEST;

static Suite *
protocol_suite (void)
{
  Suite *s = suite_create ("imgcompress-protocol");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_image_event_round_trip);
  tcase_add_test (tc, test_variant_event_is_not_image_event);
  tcase_add_test (tc, test_pad_quality_capped_by_hint);
  tcase_add_test (tc, test_size_hint_query);
  tcase_add_test (tc, test_encode_meta_survives_copy);
  tcase_add_test (tc, test_metrics_message_round_trip);
  tcase_add_test (tc, test_fit_box_table);
  tcase_add_test (tc, test_pick_scale_table);
  tcase_add_test (tc, test_size_overflow);
  tcase_add_test (tc, test_sniff_bmp_layout);
  return s;
}

GST_CHECK_MAIN (protocol);

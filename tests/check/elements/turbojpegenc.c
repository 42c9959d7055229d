/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* turbojpegenc: every input format round-trips (decoded with libjpeg here),
 * caps, meta, quality from the protocol events, progressive, restart
 * markers, subsampling, and size against stock jpegenc. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <math.h>
#include <string.h>
#include <jpeglib.h>

#include <glib/gstdio.h>

#include "imgcheck.h"

#define W 203
#define H 117

/* The source picture as luma plus chroma, full resolution. */
static guint8
src_y (guint x, guint y)
{
  return (guint8) (20 + (x * 180) / W + ((x / 6 + y / 6) % 2) * 30);
}

static guint8
src_u (guint x, guint y)
{
  /* chequered too, so that chroma has AC coefficients beyond the lowest */
  return (guint8) (90 + (y * 60) / H + ((x / 4 + y / 3) % 2) * 20);
}

static guint8
src_v (guint x, guint y)
{
  return (guint8) (150 - (x * 50) / W + ((x / 3 + y / 4) % 2) * 20);
}

/* JFIF YCbCr -> RGB, to feed the packed formats the same picture. */
static void
ycc_to_rgb (guint8 y, guint8 cb, guint8 cr, guint8 *rgb)
{
  gdouble r = y + 1.402 * (cr - 128);
  gdouble g = y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128);
  gdouble b = y + 1.772 * (cb - 128);

  rgb[0] = (guint8) CLAMP (r + 0.5, 0, 255);
  rgb[1] = (guint8) CLAMP (g + 0.5, 0, 255);
  rgb[2] = (guint8) CLAMP (b + 0.5, 0, 255);
}

static GstBuffer *
make_frame (GstVideoInfo *info)
{
  GstBuffer *buf = gst_buffer_new_allocate (NULL, info->size, NULL);
  GstVideoFrame frame;
  GstVideoFormat format = GST_VIDEO_INFO_FORMAT (info);
  guint x, y, c;

  /* stride padding too: jpegenc reads it */
  gst_buffer_memset (buf, 0, 0, info->size);
  fail_unless (gst_video_frame_map (&frame, info, buf, GST_MAP_WRITE));
  if (GST_VIDEO_INFO_IS_RGB (info)) {
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    guint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0);

    for (y = 0; y < H; y++)
      for (x = 0; x < W; x++) {
        guint8 rgb[3];
        guint8 *p = data + y * stride + x * pstride;
        ycc_to_rgb (src_y (x, y), src_u (x, y), src_v (x, y), rgb);
        for (c = 0; c < 3; c++)
          p[GST_VIDEO_FRAME_COMP_POFFSET (&frame, c)] = rgb[c];
      }
  } else {
    for (c = 0; c < GST_VIDEO_FRAME_N_COMPONENTS (&frame); c++) {
      guint8 *data = GST_VIDEO_FRAME_COMP_DATA (&frame, c);
      gint stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);
      guint cw = GST_VIDEO_FRAME_COMP_WIDTH (&frame, c);
      guint ch = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c);
      guint xs = W / cw > 1 ? 2 : 1, ys = H / ch > 1 ? 2 : 1;

      for (y = 0; y < ch; y++)
        for (x = 0; x < cw; x++) {
          guint sx = MIN (x * xs, W - 1), sy = MIN (y * ys, H - 1);
          data[y * stride + x] = c == 0 ? src_y (sx, sy) :
              c == 1                    ? src_u (sx, sy) :
                                          src_v (sx, sy);
        }
    }
  }
  gst_video_frame_unmap (&frame);
  (void) format;
  return buf;
}

/* What the test learns from decoding an output JPEG with libjpeg. */
typedef struct
{
  guint width;
  guint height;
  gint h_samp;
  gint v_samp;
  gboolean progressive;
  guint8 *luma;
} Decoded;

static void
decode_jpeg (GstBuffer *jpeg, Decoded *d)
{
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  GstMapInfo map;

  gst_buffer_map (jpeg, &map, GST_MAP_READ);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_decompress (&cinfo);
  jpeg_mem_src (&cinfo, map.data, map.size);
  fail_unless_equals_int (jpeg_read_header (&cinfo, TRUE), JPEG_HEADER_OK);
  d->width = cinfo.image_width;
  d->height = cinfo.image_height;
  d->h_samp = cinfo.comp_info[0].h_samp_factor;
  d->v_samp = cinfo.comp_info[0].v_samp_factor;
  d->progressive = cinfo.progressive_mode;
  cinfo.out_color_space = JCS_GRAYSCALE;
  jpeg_start_decompress (&cinfo);
  d->luma = g_malloc ((gsize) d->width * d->height);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = d->luma + (gsize) cinfo.output_scanline * d->width;
    jpeg_read_scanlines (&cinfo, &row, 1);
  }
  fail_unless_equals_int (jerr.num_warnings, 0);
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  gst_buffer_unmap (jpeg, &map);
}

static gdouble
luma_ssim (const Decoded *d)
{
  guint8 *ref = g_malloc (W * H);
  guint x, y;
  gdouble ssim;

  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      ref[y * W + x] = src_y (x, y);
  ssim = imgcheck_luma_ssim (ref, W, d->luma, d->width, W, H);
  g_free (ref);
  return ssim;
}

/* Encodes one frame of @format; returns the JPEG, its caps in @caps. */
static GstBuffer *
encode (const gchar *element, GstVideoFormat format, const gchar *props,
    GstCaps **caps)
{
  GstHarness *h;
  GstVideoInfo info;
  GstBuffer *out;
  gchar *caps_str;

  if (props) {
    gchar *desc = g_strdup_printf ("%s %s", element, props);
    h = gst_harness_new_parse (desc);
    g_free (desc);
  } else {
    h = gst_harness_new (element);
  }
  gst_video_info_set_format (&info, format, W, H);
  /* Full-range YCbCr, as the JPEG decoders deliver it. */
  caps_str = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
                              "framerate=0/1%s",
      gst_video_format_to_string (format), W, H,
      GST_VIDEO_FORMAT_INFO_IS_RGB (gst_video_format_get_info (format)) ?
          "" :
          ",colorimetry=1:4:0:0");
  gst_harness_set_src_caps_str (h, caps_str);
  g_free (caps_str);
  fail_unless_equals_int (gst_harness_push (h, make_frame (&info)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  out = gst_harness_pull (h);
  if (caps)
    *caps = gst_pad_get_current_caps (h->sinkpad);
  gst_harness_teardown (h);
  return out;
}

static gint
caps_int (GstCaps *caps, const gchar *field)
{
  gint v = -1;

  gst_structure_get_int (gst_caps_get_structure (caps, 0), field, &v);
  return v;
}

GST_START_TEST (test_formats_round_trip)
{
  static const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_I420,
    GST_VIDEO_FORMAT_Y42B, GST_VIDEO_FORMAT_Y444, GST_VIDEO_FORMAT_GRAY8,
    GST_VIDEO_FORMAT_RGB, GST_VIDEO_FORMAT_RGBx, GST_VIDEO_FORMAT_BGRx,
    GST_VIDEO_FORMAT_xRGB };
  /* luma sampling factors auto keeps (4:2:0 for RGB) */
  static const gint expected_h[] = { 2, 2, 1, 1, 2, 2, 2, 2 };
  static const gint expected_v[] = { 2, 1, 1, 1, 2, 2, 2, 2 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstCaps *caps;
    GstBuffer *jpeg = encode ("turbojpegenc", formats[i], "quality=90", &caps);
    GstImgcompressEncodeMeta *meta;
    Decoded d;
    gdouble ssim;

    fail_unless (gst_structure_has_name (gst_caps_get_structure (caps, 0),
        "image/jpeg"));
    fail_unless_equals_int (caps_int (caps, "width"), W);
    fail_unless_equals_int (caps_int (caps, "height"), H);
    fail_unless_equals_int (caps_int (caps, "sof-marker"), 0);
    meta = gst_buffer_get_imgcompress_encode_meta (jpeg);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->quality, 90);
    fail_unless (GST_CLOCK_TIME_IS_VALID (meta->encode_time));

    decode_jpeg (jpeg, &d);
    fail_unless_equals_int (d.width, W);
    fail_unless_equals_int (d.height, H);
    fail_unless_equals_int (d.h_samp, expected_h[i]);
    fail_unless_equals_int (d.v_samp, expected_v[i]);
    ssim = luma_ssim (&d);
    GST_INFO ("%s: %" G_GSIZE_FORMAT " bytes, luma SSIM %f",
        gst_video_format_to_string (formats[i]), gst_buffer_get_size (jpeg),
        ssim);
    fail_unless (ssim > 0.97, "%s: luma SSIM %f",
        gst_video_format_to_string (formats[i]), ssim);
    g_free (d.luma);
    gst_caps_unref (caps);
    gst_buffer_unref (jpeg);
  }
}

GST_END_TEST;

GST_START_TEST (test_progressive)
{
  GstCaps *caps;
  GstBuffer *jpeg =
      encode ("turbojpegenc", GST_VIDEO_FORMAT_I420, "progressive=true", &caps);
  Decoded d;

  fail_unless_equals_int (caps_int (caps, "sof-marker"), 2);
  decode_jpeg (jpeg, &d);
  fail_unless (d.progressive);
  fail_unless (luma_ssim (&d) > 0.97);
  g_free (d.luma);
  gst_caps_unref (caps);
  gst_buffer_unref (jpeg);
}

GST_END_TEST;

/* Every sample of @jpeg as libjpeg decodes it, in the JPEG's own colour
 * space (YCbCr or grey, no conversion), row after row; @size gets the
 * byte count. */
static guint8 *
decode_samples (GstBuffer *jpeg, gboolean *progressive, gsize *size)
{
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr jerr;
  GstMapInfo map;
  guint8 *samples;
  gsize stride;

  gst_buffer_map (jpeg, &map, GST_MAP_READ);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_decompress (&cinfo);
  jpeg_mem_src (&cinfo, map.data, map.size);
  fail_unless_equals_int (jpeg_read_header (&cinfo, TRUE), JPEG_HEADER_OK);
  *progressive = cinfo.progressive_mode;
  cinfo.out_color_space = cinfo.jpeg_color_space;
  jpeg_start_decompress (&cinfo);
  stride = (gsize) cinfo.output_width * cinfo.output_components;
  *size = stride * cinfo.output_height;
  samples = g_malloc (*size);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = samples + (gsize) cinfo.output_scanline * stride;
    jpeg_read_scanlines (&cinfo, &row, 1);
  }
  fail_unless_equals_int (jerr.num_warnings, 0);
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  gst_buffer_unmap (jpeg, &map);
  return samples;
}

/* The scan script only reorders the coefficients: a progressive JPEG
 * decodes to the very samples of the baseline one, luma and chroma (a
 * script that left out some chroma coefficients would still be accepted
 * by libjpeg, which only checks that DC is sent). */
GST_START_TEST (test_progressive_same_picture_as_baseline)
{
  const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_I420,
    GST_VIDEO_FORMAT_Y444, GST_VIDEO_FORMAT_GRAY8 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    GstBuffer *progressive =
        encode ("turbojpegenc", formats[i], "progressive=true", NULL);
    GstBuffer *baseline = encode ("turbojpegenc", formats[i], NULL, NULL);
    gboolean p_progressive, b_progressive;
    gsize p_size, b_size;
    guint8 *p = decode_samples (progressive, &p_progressive, &p_size);
    guint8 *b = decode_samples (baseline, &b_progressive, &b_size);

    fail_unless (p_progressive && !b_progressive);
    fail_unless_equals_uint64 (p_size, b_size);
    fail_unless (memcmp (p, b, p_size) == 0,
        "%s: progressive samples differ from baseline",
        gst_video_format_to_string (formats[i]));
    g_free (p);
    g_free (b);
    gst_buffer_unref (progressive);
    gst_buffer_unref (baseline);
  }
}

GST_END_TEST;

static gboolean
has_marker (GstBuffer *buf, guint8 marker)
{
  GstMapInfo map;
  gsize i;
  gboolean found = FALSE;

  gst_buffer_map (buf, &map, GST_MAP_READ);
  for (i = 0; i + 1 < map.size && !found; i++)
    found = map.data[i] == 0xff && map.data[i + 1] == marker;
  gst_buffer_unmap (buf, &map);
  return found;
}

GST_START_TEST (test_restart_interval)
{
  GstBuffer *plain = encode ("turbojpegenc", GST_VIDEO_FORMAT_Y42B, NULL, NULL);
  GstBuffer *rst = encode ("turbojpegenc", GST_VIDEO_FORMAT_Y42B,
      "restart-interval=2", NULL);
  Decoded d;

  fail_if (has_marker (plain, 0xdd));
  fail_unless (has_marker (rst, 0xdd)); /* DRI */
  fail_unless (has_marker (rst, 0xd0)); /* RST0 */
  decode_jpeg (rst, &d);
  fail_unless (luma_ssim (&d) > 0.97);
  g_free (d.luma);
  gst_buffer_unref (plain);
  gst_buffer_unref (rst);
}

GST_END_TEST;

GST_START_TEST (test_subsampling_conversion)
{
  GstBuffer *a =
      encode ("turbojpegenc", GST_VIDEO_FORMAT_Y444, "subsampling=420", NULL);
  GstBuffer *b =
      encode ("turbojpegenc", GST_VIDEO_FORMAT_I420, "subsampling=444", NULL);
  Decoded d;

  decode_jpeg (a, &d);
  fail_unless_equals_int (d.h_samp, 2);
  fail_unless_equals_int (d.v_samp, 2);
  fail_unless (luma_ssim (&d) > 0.97);
  g_free (d.luma);
  decode_jpeg (b, &d);
  fail_unless_equals_int (d.h_samp, 1);
  fail_unless_equals_int (d.v_samp, 1);
  fail_unless (luma_ssim (&d) > 0.97);
  g_free (d.luma);
  gst_buffer_unref (a);
  gst_buffer_unref (b);
}

GST_END_TEST;

GST_START_TEST (test_optimized_not_larger_than_jpegenc)
{
  static const gint qualities[] = { 50, 85, 95 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (qualities); i++) {
    gchar *props = g_strdup_printf ("quality=%d", qualities[i]);
    gchar *props_plain =
        g_strdup_printf ("quality=%d optimize-coding=false", qualities[i]);
    GstBuffer *ours =
        encode ("turbojpegenc", GST_VIDEO_FORMAT_I420, props, NULL);
    GstBuffer *plain =
        encode ("turbojpegenc", GST_VIDEO_FORMAT_I420, props_plain, NULL);
    GstBuffer *stock = encode ("jpegenc", GST_VIDEO_FORMAT_I420, props, NULL);

    GST_INFO ("q%d: optimised %" G_GSIZE_FORMAT ", plain %" G_GSIZE_FORMAT
              ", jpegenc %" G_GSIZE_FORMAT,
        qualities[i], gst_buffer_get_size (ours), gst_buffer_get_size (plain),
        gst_buffer_get_size (stock));
    fail_unless (gst_buffer_get_size (ours) < gst_buffer_get_size (plain));
    fail_unless (gst_buffer_get_size (ours) <= gst_buffer_get_size (stock));
    gst_buffer_unref (ours);
    gst_buffer_unref (plain);
    gst_buffer_unref (stock);
    g_free (props);
    g_free (props_plain);
  }
}

GST_END_TEST;

GST_START_TEST (test_quality_from_events)
{
  GstHarness *h = gst_harness_new ("turbojpegenc");
  GstImgcompressImageInfo image;
  GstImgcompressVariantInfo variant;
  GstVideoInfo info;
  GstBuffer *out;
  GstImgcompressEncodeMeta *meta;

  gst_harness_set_src_caps_str (h,
      "video/x-raw,format=I420,width=203,"
      "height=117,framerate=0/1");
  gst_imgcompress_image_info_init (&image);
  image.name = g_strdup ("a.jpg");
  image.jpeg_quality = 70;
  gst_imgcompress_variant_info_init (&variant);
  variant.variant = g_strdup ("preview");
  variant.max_dimension = 500;
  variant.jpeg_quality = 80;
  variant.webp_quality = 75;
  fail_unless (gst_harness_push_event (h,
      gst_imgcompress_image_event_new (&image)));
  fail_unless (gst_harness_push_event (h,
      gst_imgcompress_variant_event_new (&variant)));

  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, W, H);
  fail_unless_equals_int (gst_harness_push (h, make_frame (&info)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  meta = gst_buffer_get_imgcompress_encode_meta (out);
  fail_unless (meta != NULL);
  /* the variant's 80, capped by the image's hint of 70 */
  fail_unless_equals_int (meta->quality, 70);
  gst_buffer_unref (out);

  gst_imgcompress_image_info_clear (&image);
  gst_imgcompress_variant_info_clear (&variant);
  gst_harness_teardown (h);
}

GST_END_TEST;

static gboolean
djpeg_decodes (GstBuffer *jpeg)
{
  gchar *djpeg = g_find_program_in_path ("djpeg");
  gchar *path, *argv[5];
  GstMapInfo map;
  gint status = -1;
  gboolean ok;

  if (djpeg == NULL) {
    fprintf (stderr, "\n*** SKIPPING djpeg check: djpeg not installed ***\n");
    return TRUE;
  }
  path = g_build_filename (g_get_tmp_dir (), "turbojpegenc-check.jpg", NULL);
  gst_buffer_map (jpeg, &map, GST_MAP_READ);
  fail_unless (g_file_set_contents (path, (gchar *) map.data, map.size, NULL));
  gst_buffer_unmap (jpeg, &map);
  argv[0] = djpeg;
  argv[1] = (gchar *) "-outfile";
  argv[2] = (gchar *) "/dev/null";
  argv[3] = path;
  argv[4] = NULL;
  ok = g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
           NULL, NULL, &status, NULL) &&
      g_spawn_check_wait_status (status, NULL);
  g_unlink (path);
  g_free (path);
  g_free (djpeg);
  return ok;
}

GST_START_TEST (test_decodable_by_djpeg_and_jpegdec)
{
  GstBuffer *jpeg =
      encode ("turbojpegenc", GST_VIDEO_FORMAT_Y444, "progressive=true", NULL);
  GstHarness *h;
  GstBuffer *out;

  fail_unless (djpeg_decodes (jpeg));

  h = gst_harness_new ("jpegdec");
  gst_harness_set_src_caps_str (h, "image/jpeg,parsed=true");
  fail_unless_equals_int (gst_harness_push (h, jpeg), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Encodes one uniform @format frame of @caps_extra whose every byte of
 * plane 0 is @value (and chroma neutral); returns the decoded mean luma. */
static gdouble
encode_uniform (GstVideoFormat format, const gchar *caps_extra,
    const gchar *props, const guint8 *pixel, guint pixel_size)
{
  GstHarness *h;
  GstVideoInfo info;
  GstVideoFrame frame;
  GstBuffer *in, *out;
  Decoded d;
  gchar *caps_str, *desc;
  gdouble sum = 0;
  guint x, y, i;

  desc = g_strdup_printf ("turbojpegenc %s", props ? props : "");
  h = gst_harness_new_parse (desc);
  g_free (desc);
  gst_video_info_set_format (&info, format, W, H);
  caps_str = g_strdup_printf ("video/x-raw,format=%s,width=%d,height=%d,"
                              "framerate=0/1%s",
      gst_video_format_to_string (format), W, H, caps_extra);
  gst_harness_set_src_caps_str (h, caps_str);
  g_free (caps_str);

  in = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&info), NULL);
  gst_video_frame_map (&frame, &info, in, GST_MAP_WRITE);
  if (GST_VIDEO_INFO_IS_YUV (&info)) {
    for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (&frame); i++)
      memset (GST_VIDEO_FRAME_PLANE_DATA (&frame, i), i == 0 ? pixel[0] : 128,
          GST_VIDEO_FRAME_PLANE_STRIDE (&frame, i) *
              GST_VIDEO_FRAME_COMP_HEIGHT (&frame, i));
  } else {
    for (y = 0; y < H; y++)
      for (x = 0; x < W; x++)
        memcpy ((guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
                y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0) + x * pixel_size,
            pixel, pixel_size);
  }
  gst_video_frame_unmap (&frame);

  fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  decode_jpeg (out, &d);
  for (i = 0; i < d.width * d.height; i++)
    sum += d.luma[i];
  g_free (d.luma);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
  return sum / (W * H);
}

GST_START_TEST (test_limited_range_input_expanded)
{
  const guint8 black = 16, white = 235;

  /* imgwebpdec delivers limited-range I420: its black and white must stay
   * black and white in the JPEG. */
  fail_unless (encode_uniform (GST_VIDEO_FORMAT_I420, ",colorimetry=2:4:0:0",
                   NULL, &black, 1) < 2.0);
  fail_unless (encode_uniform (GST_VIDEO_FORMAT_I420, ",colorimetry=2:4:0:0",
                   NULL, &white, 1) > 253.0);
  /* Full-range input is written as it is. */
  fail_unless (fabs (encode_uniform (GST_VIDEO_FORMAT_I420,
                         ",colorimetry=1:4:0:0", NULL, &black, 1) -
                   16) < 2.0);
}

GST_END_TEST;

GST_START_TEST (test_alpha_flattened_on_background)
{
  const guint8 transparent_red[4] = { 255, 0, 0, 0 };
  const guint8 opaque_black[4] = { 0, 0, 0, 255 };
  const guint8 half_black_bgra[4] = { 0, 0, 0, 128 };

  /* Fully transparent shows the background, whatever its colour. */
  fail_unless (encode_uniform (GST_VIDEO_FORMAT_RGBA, "", NULL, transparent_red,
                   4) > 253.0);
  fail_unless (encode_uniform (GST_VIDEO_FORMAT_RGBA, "",
                   "background=0xff000000", transparent_red, 4) < 2.0);
  fail_unless (encode_uniform (GST_VIDEO_FORMAT_RGBA, "", NULL, opaque_black,
                   4) < 2.0);
  /* Half-transparent black over white is mid grey. */
  fail_unless (fabs (encode_uniform (GST_VIDEO_FORMAT_BGRA, "", NULL,
                         half_black_bgra, 4) -
                   127) < 3.0);
}

GST_END_TEST;

static Suite *
turbojpegenc_suite (void)
{
  Suite *s = suite_create ("turbojpegenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_formats_round_trip);
  tcase_add_test (tc, test_progressive);
  tcase_add_test (tc, test_progressive_same_picture_as_baseline);
  tcase_add_test (tc, test_restart_interval);
  tcase_add_test (tc, test_subsampling_conversion);
  tcase_add_test (tc, test_optimized_not_larger_than_jpegenc);
  tcase_add_test (tc, test_quality_from_events);
  tcase_add_test (tc, test_decodable_by_djpeg_and_jpegdec);
  tcase_add_test (tc, test_limited_range_input_expanded);
  tcase_add_test (tc, test_alpha_flattened_on_background);
  return s;
}

GST_CHECK_MAIN (turbojpegenc);

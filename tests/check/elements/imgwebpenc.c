/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgwebpenc: what comes out decodes (with libwebp itself and with the
 * stock webpdec) to the same picture, at the size given, with alpha, with
 * the quality the protocol asks for, and smaller at lower quality. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/video/video.h>
#include <math.h>
#include <string.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include "imgcheck.h"

/* A smooth but textured picture, so lossy coding keeps it well and the
 * coded size depends on quality. */
static guint8
pattern_luma (gint x, gint y)
{
  return (guint8) CLAMP (128 + 60 * sin (x / 7.0) + 50 * cos (y / 5.0), 0, 255);
}

static guint8
pattern_chroma (gint x, gint y, gint plane)
{
  return (guint8) (plane == 1 ? 128 + 40 * sin (x / 13.0) :
                                128 + 40 * cos (y / 11.0));
}

static guint8
pattern_alpha (gint x, gint y)
{
  return (guint8) ((x * 37 + y * 11) % 256);
}

/* A frame of @format filled with the pattern; the chroma of subsampled
 * formats is sampled at the chroma sample's position. */
static GstBuffer *
make_frame (GstVideoFormat format, gint width, gint height, GstVideoInfo *info)
{
  GstBuffer *buffer;
  GstVideoFrame frame;
  gint x, y;
  guint c;

  gst_video_info_set_format (info, format, width, height);
  buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info), NULL);
  fail_unless (gst_video_frame_map (&frame, info, buffer, GST_MAP_WRITE));

  if (GST_VIDEO_INFO_IS_YUV (info) || GST_VIDEO_INFO_IS_GRAY (info)) {
    for (c = 0; c < GST_VIDEO_INFO_N_COMPONENTS (info); c++) {
      guint8 *data = GST_VIDEO_FRAME_COMP_DATA (&frame, c);
      gint stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);
      gint cw = GST_VIDEO_FRAME_COMP_WIDTH (&frame, c);
      gint ch = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c);
      gint sx = 1 << GST_VIDEO_FORMAT_INFO_W_SUB (info->finfo, c);
      gint sy = 1 << GST_VIDEO_FORMAT_INFO_H_SUB (info->finfo, c);

      for (y = 0; y < ch; y++)
        for (x = 0; x < cw; x++)
          data[y * stride + x] =
              c == 0 ? pattern_luma (x, y) : pattern_chroma (x * sx, y * sy, c);
    }
  } else {
    guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (&frame, 0);
    gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    gint pstride = GST_VIDEO_FRAME_COMP_PSTRIDE (&frame, 0);

    for (y = 0; y < height; y++) {
      for (x = 0; x < width; x++) {
        guint8 *p = data + y * stride + x * pstride;
        guint8 l = pattern_luma (x, y);

        p[GST_VIDEO_FRAME_COMP_OFFSET (&frame, 0)] = l;
        p[GST_VIDEO_FRAME_COMP_OFFSET (&frame, 1)] = 255 - l;
        p[GST_VIDEO_FRAME_COMP_OFFSET (&frame, 2)] = l / 2 + 60;
        if (GST_VIDEO_INFO_HAS_ALPHA (info))
          p[GST_VIDEO_FRAME_COMP_OFFSET (&frame, 3)] = pattern_alpha (x, y);
      }
    }
  }
  gst_video_frame_unmap (&frame);
  return buffer;
}

static void
set_encoder_property (GstHarness *h, const gchar *name, const gchar *value)
{
  GstElement *enc = gst_harness_find_element (h, "imgwebpenc");

  fail_unless (enc != NULL);
  gst_util_set_object_arg (G_OBJECT (enc), name, value);
  gst_object_unref (enc);
}

/* Adds fine pseudo-random texture to the luma, so the coded size spans a
 * wide range with quality (a smooth picture costs little at any quality). */
static void
add_texture (GstBuffer *buffer, const GstVideoInfo *info)
{
  GstVideoFrame frame;
  GRand *rand = g_rand_new_with_seed (7);
  gint x, y;

  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buffer,
      GST_MAP_WRITE));
  for (y = 0; y < GST_VIDEO_INFO_HEIGHT (info); y++) {
    guint8 *row = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&frame, 0) +
        y * GST_VIDEO_FRAME_COMP_STRIDE (&frame, 0);
    for (x = 0; x < GST_VIDEO_INFO_WIDTH (info); x++)
      row[x] = CLAMP (row[x] + g_rand_int_range (rand, -25, 26), 0, 255);
  }
  gst_video_frame_unmap (&frame);
  g_rand_free (rand);
}

static GstHarness *
new_encoder (const GstVideoInfo *info, const gchar *props)
{
  GstHarness *h;
  GstCaps *caps;
  gchar *desc = g_strdup_printf ("imgwebpenc %s", props ? props : "");

  h = gst_harness_new_parse (desc);
  g_free (desc);
  caps = gst_video_info_to_caps (info);
  gst_harness_set_src_caps (h, caps);
  return h;
}

/* Encodes one frame and returns the WebP bytes (caller unrefs). */
static GstBuffer *
encode_one (GstHarness *h, GstBuffer *frame)
{
  fail_unless_equals_int (gst_harness_push (h, frame), GST_FLOW_OK);
  return gst_harness_pull (h);
}

static void
check_output_caps (GstHarness *h, gint width, gint height)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);
  GstStructure *s;
  gint w = 0, ht = 0;

  fail_unless (caps != NULL);
  s = gst_caps_get_structure (caps, 0);
  fail_unless (gst_structure_has_name (s, "image/webp"));
  fail_unless (gst_structure_get_int (s, "width", &w));
  fail_unless (gst_structure_get_int (s, "height", &ht));
  fail_unless_equals_int (w, width);
  fail_unless_equals_int (ht, height);
  gst_caps_unref (caps);
}

/* Luma PSNR of the WebP in @webp against plane 0 of @frame (I420). */
static gdouble
decoded_luma_psnr (GstBuffer *webp, GstBuffer *frame, const GstVideoInfo *info)
{
  GstMapInfo map;
  GstVideoFrame vf;
  guint8 *y, *u, *v;
  gint w = 0, h = 0, stride = 0, uv_stride = 0;
  gdouble psnr;

  fail_unless (gst_buffer_map (webp, &map, GST_MAP_READ));
  y = WebPDecodeYUV (map.data, map.size, &w, &h, &u, &v, &stride, &uv_stride);
  gst_buffer_unmap (webp, &map);
  fail_unless (y != NULL, "libwebp could not decode the output");
  fail_unless_equals_int (w, GST_VIDEO_INFO_WIDTH (info));
  fail_unless_equals_int (h, GST_VIDEO_INFO_HEIGHT (info));

  fail_unless (gst_video_frame_map (&vf, (GstVideoInfo *) info, frame,
      GST_MAP_READ));
  psnr = imgcheck_psnr (GST_VIDEO_FRAME_COMP_DATA (&vf, 0),
      GST_VIDEO_FRAME_COMP_STRIDE (&vf, 0), y, stride, w, h);
  gst_video_frame_unmap (&vf);
  WebPFree (y);
  return psnr;
}

static const gint sizes[][2] = { { 1, 1 }, { 3, 5 }, { 4097, 3 },
  { 640, 480 } };

GST_START_TEST (test_i420_sizes_decode)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    GstVideoInfo info;
    GstBuffer *frame =
        make_frame (GST_VIDEO_FORMAT_I420, sizes[i][0], sizes[i][1], &info);
    GstHarness *h = new_encoder (&info, "quality=95");
    GstBuffer *webp = encode_one (h, gst_buffer_ref (frame));
    GstImgcompressEncodeMeta *meta;
    gdouble psnr;

    check_output_caps (h, sizes[i][0], sizes[i][1]);
    meta = gst_buffer_get_imgcompress_encode_meta (webp);
    fail_unless (meta != NULL);
    fail_unless_equals_int (meta->quality, 95);
    fail_unless (GST_CLOCK_TIME_IS_VALID (meta->encode_time));
    fail_unless (GST_BUFFER_FLAG_IS_SET (webp, GST_BUFFER_FLAG_DELTA_UNIT) ==
        FALSE);

    psnr = decoded_luma_psnr (webp, frame, &info);
    GST_INFO ("%dx%d: %" G_GSIZE_FORMAT " bytes, luma PSNR %.2f", sizes[i][0],
        sizes[i][1], gst_buffer_get_size (webp), psnr);
    fail_unless (psnr > 35.0, "%dx%d: luma PSNR %.2f", sizes[i][0], sizes[i][1],
        psnr);

    gst_buffer_unref (webp);
    gst_buffer_unref (frame);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_rgba_alpha_survives)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gint width = sizes[i][0], height = sizes[i][1];
    GstVideoInfo info;
    GstBuffer *frame = make_frame (GST_VIDEO_FORMAT_RGBA, width, height, &info);
    GstHarness *h = new_encoder (&info, "quality=95");
    GstBuffer *webp = encode_one (h, gst_buffer_ref (frame));
    GstMapInfo map;
    WebPBitstreamFeatures features;
    guint8 *rgba;
    gint w = 0, ht = 0, x, y;

    check_output_caps (h, width, height);
    fail_unless (gst_buffer_map (webp, &map, GST_MAP_READ));
    fail_unless_equals_int (WebPGetFeatures (map.data, map.size, &features),
        VP8_STATUS_OK);
    rgba = WebPDecodeRGBA (map.data, map.size, &w, &ht);
    gst_buffer_unmap (webp, &map);
    fail_unless (rgba != NULL);
    fail_unless_equals_int (w, width);
    fail_unless_equals_int (ht, height);
    if (width * height > 1)
      fail_unless (features.has_alpha, "%dx%d lost its alpha", width, height);

    /* alpha-quality 100 keeps alpha losslessly */
    for (y = 0; y < height; y++)
      for (x = 0; x < width; x++)
        fail_unless_equals_int (rgba[(y * width + x) * 4 + 3],
            pattern_alpha (x, y));

    WebPFree (rgba);
    gst_buffer_unref (webp);
    gst_buffer_unref (frame);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_size_grows_with_quality)
{
  static const gint qualities[] = { 10, 30, 50, 70, 90 };
  gsize previous = 0;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (qualities); i++) {
    GstVideoInfo info;
    GstBuffer *frame = make_frame (GST_VIDEO_FORMAT_I420, 512, 384, &info);
    gchar *props = g_strdup_printf ("quality=%d", qualities[i]);
    GstHarness *h = new_encoder (&info, props);
    GstBuffer *webp;
    gsize size;

    add_texture (frame, &info);
    webp = encode_one (h, frame);
    size = gst_buffer_get_size (webp);

    GST_INFO ("quality %d: %" G_GSIZE_FORMAT " bytes", qualities[i], size);
    fail_unless (size > previous,
        "quality %d gave %" G_GSIZE_FORMAT
        " bytes, quality %d gave %" G_GSIZE_FORMAT,
        qualities[i], size, i > 0 ? qualities[i - 1] : 0, previous);
    previous = size;

    g_free (props);
    gst_buffer_unref (webp);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* The variant's quality, capped by the image's hint, beats the property. */
GST_START_TEST (test_protocol_quality)
{
  GstImgcompressImageInfo image;
  GstImgcompressVariantInfo variant;
  GstVideoInfo info;
  GstBuffer *frame = make_frame (GST_VIDEO_FORMAT_I420, 320, 240, &info);
  GstHarness *h = new_encoder (&info, "quality=90");
  GstBuffer *webp;
  GstImgcompressEncodeMeta *meta;

  gst_imgcompress_variant_info_init (&variant);
  variant.variant = g_strdup ("preview");
  variant.max_dimension = 500;
  variant.webp_quality = 60;
  fail_unless (gst_harness_push_event (h,
      gst_imgcompress_variant_event_new (&variant)));
  gst_imgcompress_variant_info_clear (&variant);

  webp = encode_one (h, gst_buffer_ref (frame));
  meta = gst_buffer_get_imgcompress_encode_meta (webp);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->quality, 60);
  gst_buffer_unref (webp);

  gst_imgcompress_image_info_init (&image);
  image.name = g_strdup ("a.jpg");
  image.width = 320;
  image.height = 240;
  image.webp_quality = 40;
  fail_unless (gst_harness_push_event (h,
      gst_imgcompress_image_event_new (&image)));
  gst_imgcompress_image_info_clear (&image);

  webp = encode_one (h, frame);
  meta = gst_buffer_get_imgcompress_encode_meta (webp);
  fail_unless (meta != NULL);
  fail_unless_equals_int (meta->quality, 40);
  gst_buffer_unref (webp);

  gst_harness_teardown (h);
}

GST_END_TEST;

/* The quality property may change while playing and applies to the next
 * frame. */
GST_START_TEST (test_quality_mutable)
{
  GstVideoInfo info;
  GstBuffer *frame = make_frame (GST_VIDEO_FORMAT_I420, 320, 240, &info);
  GstHarness *h = new_encoder (&info, "quality=90");
  GstBuffer *high, *low;

  high = encode_one (h, gst_buffer_ref (frame));
  set_encoder_property (h, "quality", "20");
  low = encode_one (h, frame);
  fail_unless_equals_int (gst_buffer_get_imgcompress_encode_meta (low)->quality,
      20);
  fail_unless (gst_buffer_get_size (low) < gst_buffer_get_size (high));
  gst_buffer_unref (high);
  gst_buffer_unref (low);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Chroma that alternates every sample (checkerboard) averages to flat
 * grey; keeping every other sample would give 100 or 156. */
static void
fill_alternating_chroma (GstBuffer *buffer, const GstVideoInfo *info)
{
  GstVideoFrame frame;
  guint c;
  gint x, y;

  fail_unless (gst_video_frame_map (&frame, (GstVideoInfo *) info, buffer,
      GST_MAP_WRITE));
  for (c = 1; c < GST_VIDEO_INFO_N_COMPONENTS (info); c++) {
    guint8 *data = GST_VIDEO_FRAME_COMP_DATA (&frame, c);
    gint stride = GST_VIDEO_FRAME_COMP_STRIDE (&frame, c);

    for (y = 0; y < GST_VIDEO_FRAME_COMP_HEIGHT (&frame, c); y++)
      for (x = 0; x < GST_VIDEO_FRAME_COMP_WIDTH (&frame, c); x++)
        data[y * stride + x] = (x + y) % 2 ? 156 : 100;
  }
  gst_video_frame_unmap (&frame);
}

/* Y42B / Y444 / GRAY8 come out as 4:2:0 with the same luma and chroma
 * that is the box average of the input's, not every other sample. */
GST_START_TEST (test_planar_formats_to_420)
{
  static const GstVideoFormat formats[] = { GST_VIDEO_FORMAT_Y42B,
    GST_VIDEO_FORMAT_Y444, GST_VIDEO_FORMAT_GRAY8 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (formats); i++) {
    /* even size: no edge block, where repeating the last sample would
     * legitimately tilt the average */
    GstVideoInfo info;
    GstBuffer *frame = make_frame (formats[i], 160, 120, &info);
    GstHarness *h;
    GstBuffer *webp;
    GstVideoFrame vf;
    GstMapInfo map;
    guint8 *y, *u, *v;
    gint w, ht, stride, uv_stride, x, yy;
    gdouble luma;

    fill_alternating_chroma (frame, &info);
    /* limited range (GRAY8 defaults to full), so the luma is coded as it
     * is; range scaling has its own test */
    info.colorimetry.range = GST_VIDEO_COLOR_RANGE_16_235;
    h = new_encoder (&info, "quality=95");
    webp = encode_one (h, gst_buffer_ref (frame));

    fail_unless (gst_buffer_map (webp, &map, GST_MAP_READ));
    y = WebPDecodeYUV (map.data, map.size, &w, &ht, &u, &v, &stride,
        &uv_stride);
    gst_buffer_unmap (webp, &map);
    fail_unless (y != NULL);
    fail_unless_equals_int (w, 160);
    fail_unless_equals_int (ht, 120);

    fail_unless (gst_video_frame_map (&vf, &info, frame, GST_MAP_READ));
    luma = imgcheck_psnr (GST_VIDEO_FRAME_COMP_DATA (&vf, 0),
        GST_VIDEO_FRAME_COMP_STRIDE (&vf, 0), y, stride, w, ht);
    gst_video_frame_unmap (&vf);
    fail_unless (luma > 35.0, "%s: luma PSNR %.2f",
        gst_video_format_to_string (formats[i]), luma);

    for (yy = 0; yy < ht / 2; yy++)
      for (x = 0; x < w / 2; x++)
        fail_unless (ABS (u[yy * uv_stride + x] - 128) <= 3 &&
                ABS (v[yy * uv_stride + x] - 128) <= 3,
            "%s: chroma %d,%d at %d,%d is not the average 128",
            gst_video_format_to_string (formats[i]), u[yy * uv_stride + x],
            v[yy * uv_stride + x], x, yy);

    WebPFree (y);
    gst_buffer_unref (webp);
    gst_buffer_unref (frame);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* Full-range YUV (as JPEG decoders give it) lands in WebP's limited range:
 * black decodes as luma 16 and white as 235, the extreme chroma as 16/240;
 * limited-range input is coded as it is. */
GST_START_TEST (test_full_range_scaled)
{
  static const GstVideoColorRange ranges[] = { GST_VIDEO_COLOR_RANGE_0_255,
    GST_VIDEO_COLOR_RANGE_16_235 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (ranges); i++) {
    gboolean full = ranges[i] == GST_VIDEO_COLOR_RANGE_0_255;
    GstVideoInfo info;
    GstBuffer *frame = make_frame (GST_VIDEO_FORMAT_I420, 128, 64, &info);
    GstVideoFrame vf;
    GstHarness *h;
    GstBuffer *webp;
    GstMapInfo map;
    guint8 *y, *u, *v;
    gint w, ht, stride, uv_stride, row;

    /* left half black, right half white; U at its minimum, V at its max */
    fail_unless (gst_video_frame_map (&vf, &info, frame, GST_MAP_WRITE));
    for (row = 0; row < 64; row++) {
      guint8 *l = (guint8 *) GST_VIDEO_FRAME_COMP_DATA (&vf, 0) +
          row * GST_VIDEO_FRAME_COMP_STRIDE (&vf, 0);
      memset (l, full ? 0 : 16, 64);
      memset (l + 64, full ? 255 : 235, 64);
    }
    memset (GST_VIDEO_FRAME_COMP_DATA (&vf, 1), full ? 0 : 16,
        GST_VIDEO_FRAME_COMP_STRIDE (&vf, 1) * 32);
    memset (GST_VIDEO_FRAME_COMP_DATA (&vf, 2), full ? 255 : 240,
        GST_VIDEO_FRAME_COMP_STRIDE (&vf, 2) * 32);
    gst_video_frame_unmap (&vf);

    info.colorimetry.range = ranges[i];
    info.colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT601;
    h = new_encoder (&info, "quality=95");
    webp = encode_one (h, frame);

    fail_unless (gst_buffer_map (webp, &map, GST_MAP_READ));
    y = WebPDecodeYUV (map.data, map.size, &w, &ht, &u, &v, &stride,
        &uv_stride);
    gst_buffer_unmap (webp, &map);
    fail_unless (y != NULL);
    /* sample away from the edge, where coding ringing could blur */
    fail_unless (ABS (y[32 * stride + 16] - 16) <= 2, "%s: black is %d",
        full ? "full" : "limited", y[32 * stride + 16]);
    fail_unless (ABS (y[32 * stride + 112] - 235) <= 2, "%s: white is %d",
        full ? "full" : "limited", y[32 * stride + 112]);
    fail_unless (ABS (u[16 * uv_stride + 8] - 16) <= 2, "%s: U is %d",
        full ? "full" : "limited", u[16 * uv_stride + 8]);
    fail_unless (ABS (v[16 * uv_stride + 8] - 240) <= 2, "%s: V is %d",
        full ? "full" : "limited", v[16 * uv_stride + 8]);

    WebPFree (y);
    gst_buffer_unref (webp);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_lossless_exact)
{
  GstVideoInfo info;
  GstBuffer *frame = make_frame (GST_VIDEO_FORMAT_RGBA, 97, 41, &info);
  GstHarness *h = new_encoder (&info, "lossless=true");
  GstBuffer *webp = encode_one (h, gst_buffer_ref (frame));
  GstMapInfo map, fmap;
  WebPBitstreamFeatures features;
  guint8 *rgba;
  gint w, ht, x, y;

  fail_unless (gst_buffer_map (webp, &map, GST_MAP_READ));
  fail_unless_equals_int (WebPGetFeatures (map.data, map.size, &features),
      VP8_STATUS_OK);
  fail_unless_equals_int (features.format, 2);
  rgba = WebPDecodeRGBA (map.data, map.size, &w, &ht);
  gst_buffer_unmap (webp, &map);
  fail_unless (rgba != NULL);

  /* Every pixel that is not fully transparent comes back unchanged. */
  fail_unless (gst_buffer_map (frame, &fmap, GST_MAP_READ));
  for (y = 0; y < ht; y++)
    for (x = 0; x < w; x++) {
      const guint8 *a =
          fmap.data + y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x * 4;
      const guint8 *b = rgba + (y * w + x) * 4;
      if (a[3] != 0)
        fail_unless (memcmp (a, b, 4) == 0, "pixel %d,%d differs", x, y);
    }
  gst_buffer_unmap (frame, &fmap);

  WebPFree (rgba);
  gst_buffer_unref (webp);
  gst_buffer_unref (frame);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_target_size)
{
  GstVideoInfo info;
  GstBuffer *frame = make_frame (GST_VIDEO_FORMAT_I420, 512, 384, &info);
  GstHarness *h = new_encoder (&info, "quality=95");
  GstBuffer *free_size, *sized;
  gchar *target_str;
  gsize target;

  add_texture (frame, &info);
  free_size = encode_one (h, gst_buffer_ref (frame));
  target = gst_buffer_get_size (free_size) / 3;
  target_str = g_strdup_printf ("%" G_GSIZE_FORMAT, target);
  set_encoder_property (h, "target-size", target_str);
  g_free (target_str);
  sized = encode_one (h, frame);
  GST_INFO ("q95 %" G_GSIZE_FORMAT " bytes; target %" G_GSIZE_FORMAT
            " gave %" G_GSIZE_FORMAT,
      gst_buffer_get_size (free_size), target, gst_buffer_get_size (sized));
  /* libwebp converges within a few percent of the target */
  fail_unless (gst_buffer_get_size (sized) < target * 13 / 10);
  gst_buffer_unref (free_size);
  gst_buffer_unref (sized);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The defaults are libwebp's (cwebp's): the same planes at the same
 * quality give the same bytes as WebPEncode with WebPConfigInit, method 4. */
GST_START_TEST (test_same_bytes_as_libwebp_defaults)
{
  GstVideoInfo info;
  GstBuffer *frame = make_frame (GST_VIDEO_FORMAT_I420, 333, 251, &info);
  GstHarness *h;
  GstBuffer *webp;
  GstVideoFrame vf;
  WebPConfig config;
  WebPPicture pic;
  WebPMemoryWriter writer;
  GstMapInfo map;

  add_texture (frame, &info);
  h = new_encoder (&info, "quality=85");
  webp = encode_one (h, gst_buffer_ref (frame));

  fail_unless (WebPConfigInit (&config));
  config.quality = 85;
  config.method = 4;
  fail_unless (WebPPictureInit (&pic));
  fail_unless (gst_video_frame_map (&vf, &info, frame, GST_MAP_READ));
  pic.width = 333;
  pic.height = 251;
  pic.y = GST_VIDEO_FRAME_COMP_DATA (&vf, 0);
  pic.u = GST_VIDEO_FRAME_COMP_DATA (&vf, 1);
  pic.v = GST_VIDEO_FRAME_COMP_DATA (&vf, 2);
  pic.y_stride = GST_VIDEO_FRAME_COMP_STRIDE (&vf, 0);
  pic.uv_stride = GST_VIDEO_FRAME_COMP_STRIDE (&vf, 1);
  WebPMemoryWriterInit (&writer);
  pic.writer = WebPMemoryWrite;
  pic.custom_ptr = &writer;
  fail_unless (WebPEncode (&config, &pic));
  gst_video_frame_unmap (&vf);

  fail_unless (gst_buffer_map (webp, &map, GST_MAP_READ));
  fail_unless_equals_int (map.size, writer.size);
  fail_unless (memcmp (map.data, writer.mem, writer.size) == 0);
  gst_buffer_unmap (webp, &map);

  WebPMemoryWriterClear (&writer);
  WebPPictureFree (&pic);
  gst_buffer_unref (webp);
  gst_buffer_unref (frame);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* Output decodes with gst-plugins-bad's webpdec too, when installed. */
GST_START_TEST (test_stock_webpdec_decodes)
{
  GstElementFactory *factory = gst_element_factory_find ("webpdec");
  GstVideoInfo info;
  GstBuffer *frame, *webp, *decoded;
  GstHarness *h, *dec;
  GstCaps *caps;
  GstVideoInfo out;

  if (factory == NULL) {
    GST_WARNING ("stock webpdec not installed, skipping");
    return;
  }
  gst_object_unref (factory);

  frame = make_frame (GST_VIDEO_FORMAT_I420, 333, 222, &info);
  h = new_encoder (&info, NULL);
  webp = encode_one (h, frame);

  dec = gst_harness_new ("webpdec");
  gst_harness_set_src_caps_str (dec, "image/webp");
  fail_unless_equals_int (gst_harness_push (dec, webp), GST_FLOW_OK);
  gst_harness_push_event (dec, gst_event_new_eos ());
  decoded = gst_harness_pull (dec);
  fail_unless (decoded != NULL);
  caps = gst_pad_get_current_caps (dec->sinkpad);
  fail_unless (gst_video_info_from_caps (&out, caps));
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out), 333);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out), 222);
  gst_caps_unref (caps);
  gst_buffer_unref (decoded);
  gst_harness_teardown (dec);
  gst_harness_teardown (h);
}

GST_END_TEST;

static Suite *
imgwebpenc_suite (void)
{
  Suite *s = suite_create ("imgwebpenc");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_i420_sizes_decode);
  tcase_add_test (tc, test_rgba_alpha_survives);
  tcase_add_test (tc, test_size_grows_with_quality);
  tcase_add_test (tc, test_protocol_quality);
  tcase_add_test (tc, test_quality_mutable);
  tcase_add_test (tc, test_planar_formats_to_420);
  tcase_add_test (tc, test_full_range_scaled);
  tcase_add_test (tc, test_lossless_exact);
  tcase_add_test (tc, test_target_size);
  tcase_add_test (tc, test_same_bytes_as_libwebp_defaults);
  tcase_add_test (tc, test_stock_webpdec_decodes);
  return s;
}

GST_CHECK_MAIN (imgwebpenc);

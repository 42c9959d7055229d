/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgwebpdec: round trips through imgwebpenc, output formats, scaled
 * decode, images of changing size in one stream, the first frame of an
 * animation, and an error (never a buffer) for every kind of bad input. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/video/video.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <webp/encode.h>

#include "imgcheck.h"

static guint8
pattern_luma (gint x, gint y)
{
  return (guint8) CLAMP (128 + 60 * sin (x / 7.0) + 50 * cos (y / 5.0), 0, 255);
}

static guint8
pattern_alpha (gint x, gint y)
{
  return (guint8) ((x * 37 + y * 11) % 256);
}

/* Packed RGBA with the pattern; @alpha FALSE makes it opaque. */
static guint8 *
make_rgba (gint width, gint height, gboolean alpha)
{
  guint8 *rgba = g_malloc ((gsize) width * height * 4);
  gint x, y;

  for (y = 0; y < height; y++)
    for (x = 0; x < width; x++) {
      guint8 *p = rgba + ((gsize) y * width + x) * 4;
      guint8 l = pattern_luma (x, y);
      p[0] = l;
      p[1] = 255 - l;
      p[2] = l / 2 + 60;
      p[3] = alpha ? pattern_alpha (x, y) : 255;
    }
  return rgba;
}

/* Encodes test input with libwebp itself, so the decoder is tested
 * independently of imgwebpenc. */
static GstBuffer *
libwebp_encode (gint width, gint height, gboolean alpha, gboolean lossless)
{
  guint8 *rgba = make_rgba (width, height, alpha);
  guint8 *out = NULL;
  gsize size;

  if (lossless)
    size = WebPEncodeLosslessRGBA (rgba, width, height, width * 4, &out);
  else
    size = WebPEncodeRGBA (rgba, width, height, width * 4, 90, &out);
  g_free (rgba);
  fail_unless (size > 0);
  return gst_buffer_new_wrapped_full (0, out, size, 0, size, out,
      (GDestroyNotify) WebPFree);
}

static void
get_output_info (GstHarness *h, GstVideoInfo *info)
{
  GstCaps *caps = gst_pad_get_current_caps (h->sinkpad);

  fail_unless (caps != NULL);
  fail_unless (gst_video_info_from_caps (info, caps));
  gst_caps_unref (caps);
}

static GstHarness *
new_decoder (const gchar *props)
{
  gchar *desc = g_strdup_printf ("imgwebpdec %s", props ? props : "");
  GstHarness *h = gst_harness_new_parse (desc);

  g_free (desc);
  gst_harness_set_src_caps_str (h, "image/webp");
  return h;
}

/* imgwebpenc ! imgwebpdec: an I420 frame comes back as I420 of the same
 * size and nearly the same luma. */
GST_START_TEST (test_roundtrip_i420)
{
  static const gint sizes[][2] = { { 1, 1 }, { 3, 5 }, { 4097, 3 },
    { 640, 480 } };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gint width = sizes[i][0], height = sizes[i][1];
    GstHarness *h = gst_harness_new_parse ("imgwebpenc quality=95 ! "
                                           "imgwebpdec");
    GstVideoInfo in_info, out_info;
    GstBuffer *in, *out;
    GstVideoFrame in_frame, out_frame;
    GstCaps *caps;
    gint x, y;
    gdouble psnr;

    gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_I420, width, height);
    in = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (&in_info), NULL);
    fail_unless (gst_video_frame_map (&in_frame, &in_info, in, GST_MAP_WRITE));
    for (y = 0; y < height; y++)
      for (x = 0; x < width; x++)
        ((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&in_frame,
            0))[y * GST_VIDEO_FRAME_COMP_STRIDE (&in_frame, 0) + x] =
            pattern_luma (x, y);
    memset (GST_VIDEO_FRAME_COMP_DATA (&in_frame, 1), 100,
        GST_VIDEO_FRAME_COMP_STRIDE (&in_frame, 1) *
            GST_VIDEO_FRAME_COMP_HEIGHT (&in_frame, 1));
    memset (GST_VIDEO_FRAME_COMP_DATA (&in_frame, 2), 150,
        GST_VIDEO_FRAME_COMP_STRIDE (&in_frame, 2) *
            GST_VIDEO_FRAME_COMP_HEIGHT (&in_frame, 2));
    gst_video_frame_unmap (&in_frame);

    caps = gst_video_info_to_caps (&in_info);
    gst_harness_set_src_caps (h, caps);
    fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)),
        GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (out != NULL);
    get_output_info (h, &out_info);
    fail_unless_equals_string (
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&out_info)), "I420");
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), width);
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), height);

    fail_unless (gst_video_frame_map (&in_frame, &in_info, in, GST_MAP_READ));
    fail_unless (gst_video_frame_map (&out_frame, &out_info, out,
        GST_MAP_READ));
    psnr = imgcheck_psnr (GST_VIDEO_FRAME_COMP_DATA (&in_frame, 0),
        GST_VIDEO_FRAME_COMP_STRIDE (&in_frame, 0),
        GST_VIDEO_FRAME_COMP_DATA (&out_frame, 0),
        GST_VIDEO_FRAME_COMP_STRIDE (&out_frame, 0), width, height);
    fail_unless (psnr > 35.0, "%dx%d: luma PSNR %.2f", width, height, psnr);
    if (width >= 8 && height >= 8)
      fail_unless (imgcheck_frame_luma_ssim (in, &in_info, out, &out_info) >
          0.95);
    /* flat chroma stays flat */
    fail_unless (ABS (((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&out_frame,
                          1))[0] -
                     100) <= 3);
    fail_unless (ABS (((guint8 *) GST_VIDEO_FRAME_COMP_DATA (&out_frame,
                          2))[0] -
                     150) <= 3);
    gst_video_frame_unmap (&out_frame);
    gst_video_frame_unmap (&in_frame);

    gst_buffer_unref (in);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

/* imgwebpenc ! imgwebpdec with alpha: RGBA out, alpha exactly back. */
GST_START_TEST (test_roundtrip_rgba_alpha)
{
  static const gint sizes[][2] = { { 1, 1 }, { 3, 5 }, { 4097, 3 },
    { 300, 200 } };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++) {
    gint width = sizes[i][0], height = sizes[i][1];
    GstHarness *h = gst_harness_new_parse ("imgwebpenc quality=95 ! "
                                           "imgwebpdec");
    GstVideoInfo in_info, out_info;
    guint8 *rgba = make_rgba (width, height, TRUE);
    GstBuffer *in, *out;
    GstVideoFrame out_frame;
    GstCaps *caps;
    gint x, y;

    /* a 1x1 image needs a non-opaque pixel to keep alpha at all */
    if (width * height == 1)
      rgba[3] = 77;

    gst_video_info_set_format (&in_info, GST_VIDEO_FORMAT_RGBA, width, height);
    in = gst_buffer_new_wrapped (rgba, (gsize) width * height * 4);
    caps = gst_video_info_to_caps (&in_info);
    gst_harness_set_src_caps (h, caps);
    fail_unless_equals_int (gst_harness_push (h, in), GST_FLOW_OK);
    out = gst_harness_pull (h);
    fail_unless (out != NULL);

    get_output_info (h, &out_info);
    fail_unless_equals_string (
        gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&out_info)), "RGBA");
    fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&out_info), width);
    fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&out_info), height);

    fail_unless (gst_video_frame_map (&out_frame, &out_info, out,
        GST_MAP_READ));
    for (y = 0; y < height; y++)
      for (x = 0; x < width; x++) {
        const guint8 *p =
            (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&out_frame, 0) +
            y * GST_VIDEO_FRAME_PLANE_STRIDE (&out_frame, 0) + x * 4;
        guint8 want = width * height == 1 ? 77 : pattern_alpha (x, y);

        fail_unless_equals_int (p[3], want);
        /* colour of visible pixels close to the input's red */
        if (want > 0)
          fail_unless (ABS (p[0] - pattern_luma (x, y)) < 40,
              "%dx%d: red %d vs %d at %d,%d", width, height, p[0],
              pattern_luma (x, y), x, y);
      }
    gst_video_frame_unmap (&out_frame);
    gst_buffer_unref (out);
    gst_harness_teardown (h);
  }
}

GST_END_TEST;

GST_START_TEST (test_lossless_opaque_is_rgb)
{
  GstHarness *h = new_decoder (NULL);
  GstBuffer *out;
  GstVideoInfo info;
  GstMapInfo map;
  guint8 *rgba = make_rgba (33, 17, FALSE);
  gint x, y;

  fail_unless_equals_int (gst_harness_push (h,
                              libwebp_encode (33, 17, FALSE, TRUE)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  get_output_info (h, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), GST_VIDEO_FORMAT_RGB);
  fail_unless (gst_buffer_map (out, &map, GST_MAP_READ));
  for (y = 0; y < 17; y++)
    for (x = 0; x < 33; x++)
      fail_unless (memcmp (map.data +
                           y * GST_VIDEO_INFO_PLANE_STRIDE (&info, 0) + x * 3,
                       rgba + (y * 33 + x) * 4, 3) == 0);
  gst_buffer_unmap (out, &map);
  g_free (rgba);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* WebP's YUV is limited-range BT.601 at any size; the caps say so (left
 * to GstVideoInfo, 800 lines would be labelled BT.709). */
GST_START_TEST (test_i420_colorimetry)
{
  GstHarness *h = new_decoder (NULL);
  GstBuffer *out;
  GstVideoInfo info;

  fail_unless_equals_int (gst_harness_push (h,
                              libwebp_encode (1024, 800, FALSE, FALSE)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  get_output_info (h, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), GST_VIDEO_FORMAT_I420);
  fail_unless_equals_int (info.colorimetry.range, GST_VIDEO_COLOR_RANGE_16_235);
  fail_unless_equals_int (info.colorimetry.matrix,
      GST_VIDEO_COLOR_MATRIX_BT601);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
check_scaled_size (GstHarness *h, gint width, gint height, guint box)
{
  GstBuffer *out;
  GstVideoInfo info;
  guint n, fit_w, fit_h;

  fail_unless_equals_int (gst_harness_push (h,
                              libwebp_encode (width, height, FALSE, FALSE)),
      GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  get_output_info (h, &info);

  n = gst_imgcompress_pick_scale_eighths (width, height, box, box);
  fail_unless (n < 8, "test size does not shrink");
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info),
      gst_imgcompress_scaled_dimension (width, n, 8));
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info),
      gst_imgcompress_scaled_dimension (height, n, 8));
  /* it still covers the fitted size, so the final resize only reduces */
  gst_imgcompress_fit_box (width, height, 1, 1, box, box, FALSE, &fit_w,
      &fit_h);
  fail_unless (GST_VIDEO_INFO_WIDTH (&info) >= (gint) fit_w);
  fail_unless (GST_VIDEO_INFO_HEIGHT (&info) >= (gint) fit_h);
  fail_unless (GST_VIDEO_INFO_WIDTH (&info) < width);
  fail_unless_equals_int (gst_buffer_get_size (out),
      GST_VIDEO_INFO_SIZE (&info));
  gst_buffer_unref (out);
}

GST_START_TEST (test_scaled_decode_property)
{
  GstHarness *h = new_decoder ("max-dimension=300");

  check_scaled_size (h, 1000, 750, 300);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstPadProbeReturn
answer_size_hint (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstQuery *query = GST_PAD_PROBE_INFO_QUERY (info);
  guint box = GPOINTER_TO_UINT (user_data);

  if (!gst_imgcompress_query_is_size_hint (query))
    return GST_PAD_PROBE_OK;
  gst_imgcompress_size_hint_query_set (query, box, box);
  GST_PAD_PROBE_INFO_FLOW_RETURN (info) = GST_FLOW_OK;
  return GST_PAD_PROBE_HANDLED;
}

GST_START_TEST (test_scaled_decode_size_hint)
{
  GstHarness *h = new_decoder (NULL);

  gst_pad_add_probe (h->sinkpad, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
      answer_size_hint, GUINT_TO_POINTER (150), NULL);
  check_scaled_size (h, 1201, 803, 150);
  gst_harness_teardown (h);
}

GST_END_TEST;

static GstBuffer *
concat (GstBuffer *a, GstBuffer *b)
{
  return gst_buffer_append (a, b);
}

/* Two images of different sizes, one after the other in one stream and
 * in small pieces (as from filesrc): two frames, each with its own caps. */
GST_START_TEST (test_new_size_mid_stream)
{
  GstHarness *h = new_decoder (NULL);
  GstBuffer *stream = concat (libwebp_encode (64, 48, FALSE, FALSE),
      libwebp_encode (31, 77, TRUE, FALSE));
  gsize size = gst_buffer_get_size (stream), offset;
  GstBuffer *out;
  GstVideoInfo info;

  /* small pieces so parse() must assemble each image from several */
  for (offset = 0; offset < size; offset += 100) {
    GstBuffer *piece = gst_buffer_copy_region (stream, GST_BUFFER_COPY_MEMORY,
        offset, MIN (100, size - offset));
    fail_unless_equals_int (gst_harness_push (h, piece), GST_FLOW_OK);
    if (offset == 0) {
      /* nothing is decoded from a partial image */
      fail_unless_equals_int (gst_harness_buffers_received (h), 0);
    }
  }
  gst_buffer_unref (stream);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));

  fail_unless_equals_int (gst_harness_buffers_received (h), 2);
  out = gst_harness_pull (h);
  gst_video_info_set_format (&info, GST_VIDEO_FORMAT_I420, 64, 48);
  fail_unless_equals_int (gst_buffer_get_size (out),
      GST_VIDEO_INFO_SIZE (&info));
  gst_buffer_unref (out);

  out = gst_harness_pull (h);
  get_output_info (h, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), GST_VIDEO_FORMAT_RGBA);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 31);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 77);
  fail_unless_equals_int (gst_buffer_get_size (out),
      GST_VIDEO_INFO_SIZE (&info));
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

GST_END_TEST;

static void
put_chunk_header (GByteArray *a, const gchar *fourcc, guint32 size)
{
  guint8 le[4];

  g_byte_array_append (a, (const guint8 *) fourcc, 4);
  GST_WRITE_UINT32_LE (le, size);
  g_byte_array_append (a, le, 4);
}

static void
put_le24 (GByteArray *a, guint32 v)
{
  guint8 b[3] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff };

  g_byte_array_append (a, b, 3);
}

/* An animated WebP of two lossy frames on a @w x @h canvas, written by
 * hand from simple WebP files (VP8X + ANIM + ANMF chunks). */
static GstBuffer *
make_animation (gint w, gint h)
{
  GByteArray *a = g_byte_array_new ();
  guint8 zero[6] = {
    0,
  };
  guint8 flags = 0x02; /* animation */
  guint len;
  gint i;

  g_byte_array_append (a, (const guint8 *) "RIFF\0\0\0\0WEBP", 12);
  put_chunk_header (a, "VP8X", 10);
  g_byte_array_append (a, &flags, 1);
  g_byte_array_append (a, zero, 3);
  put_le24 (a, w - 1);
  put_le24 (a, h - 1);
  put_chunk_header (a, "ANIM", 6);
  g_byte_array_append (a, zero, 6); /* background, loop count */

  for (i = 0; i < 2; i++) {
    GstBuffer *simple = libwebp_encode (w, h, FALSE, FALSE);
    GstMapInfo map;
    guint8 frame_flags = 0;
    gsize vp8_len;

    fail_unless (gst_buffer_map (simple, &map, GST_MAP_READ));
    /* the simple file's VP8 chunk, after its 12-byte RIFF header */
    vp8_len = map.size - 12;
    put_chunk_header (a, "ANMF", 16 + vp8_len);
    put_le24 (a, 0);
    put_le24 (a, 0);
    put_le24 (a, w - 1);
    put_le24 (a, h - 1);
    put_le24 (a, 100);
    g_byte_array_append (a, &frame_flags, 1);
    g_byte_array_append (a, map.data + 12, vp8_len);
    if (vp8_len & 1)
      g_byte_array_append (a, zero, 1);
    gst_buffer_unmap (simple, &map);
    gst_buffer_unref (simple);
  }
  GST_WRITE_UINT32_LE (a->data + 4, a->len - 8);
  len = a->len;
  return gst_buffer_new_wrapped (g_byte_array_free (a, FALSE), len);
}

GST_START_TEST (test_animation_first_frame)
{
  GstHarness *h = new_decoder (NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  GstBuffer *anim, *out;
  GstVideoInfo info;

  gst_element_set_bus (h->element, bus);
  anim = make_animation (40, 30);
  fail_unless_equals_int (gst_harness_push (h, anim), GST_FLOW_OK);
  out = gst_harness_pull (h);
  fail_unless (out != NULL);
  get_output_info (h, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (&info), GST_VIDEO_FORMAT_RGBA);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 40);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 30);
  gst_buffer_unref (out);

  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL, "no warning about the animation");
  gst_message_unref (msg);
  fail_if (gst_bus_have_pending (bus) &&
      gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) != NULL);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* --- Against Pillow: files it writes, its decode as the reference --- */

/* Writes, into argv[1]: an animation whose first frame (lossless, with
 * alpha) Pillow's encoder crops to a rectangle at an offset of the canvas,
 * with Pillow's first frame as raw RGBA; and an image with EXIF orientation
 * 6, with Pillow's ImageOps.exif_transpose() of it. */
static const gchar *pil_script =
    "import sys\n"
    "from PIL import Image, ImageDraw, ImageOps\n"
    "out = sys.argv[1]\n"
    "frames = []\n"
    "for i in range(3):\n"
    "    im = Image.new('RGBA', (120, 90), (0, 0, 0, 0))\n"
    "    d = ImageDraw.Draw(im)\n"
    "    d.rectangle((30 + 10 * i, 20, 90 + 10 * i, 70),\n"
    "                fill=(200, 60 + 40 * i, 30, 160))\n"
    "    d.ellipse((50, 30, 80, 60), fill=(20, 120, 250, 255))\n"
    "    frames.append(im)\n"
    "frames[0].save(out + '/anim.webp', save_all=True,\n"
    "               append_images=frames[1:], duration=100, loop=0,\n"
    "               lossless=True)\n"
    "im = Image.open(out + '/anim.webp')\n"
    "im.seek(0)\n"
    "first = im.convert('RGBA')\n"
    "open(out + '/anim.rgba', 'wb').write(first.tobytes())\n"
    "small = first.resize((75, 57), Image.BOX)\n"
    "open(out + '/anim-75x57.rgba', 'wb').write(small.tobytes())\n"
    "im = Image.new('RGBA', (64, 40))\n"
    "im.putdata([(x * 4, y * 6, 255 - x * 2, 200 + (x + y) % 50)\n"
    "            for y in range(40) for x in range(64)])\n"
    "exif = Image.Exif()\n"
    "exif[0x0112] = 6\n"
    "im.save(out + '/exif6.webp', lossless=True, exact=True, exif=exif)\n"
    "ref = ImageOps.exif_transpose(Image.open(out + '/exif6.webp'))\n"
    "open(out + '/exif6.rgba', 'wb').write(ref.convert('RGBA').tobytes())\n";

/* The directory Pillow wrote the files into, or NULL (the test skips
 * loudly) without Pillow. */
static gchar *
make_pillow_files (void)
{
  gchar *dir;

  if (!imgcheck_have_pillow ())
    return NULL;
  dir = g_dir_make_tmp ("imgwebpdec-pil-XXXXXX", NULL);
  fail_unless (dir != NULL);
  fail_unless (imgcheck_run_python (pil_script, dir),
      "the Pillow script failed");
  return dir;
}

static gchar *
read_pillow_file (const gchar *dir, const gchar *name, gsize *size)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *data = NULL;

  fail_unless (g_file_get_contents (path, &data, size, NULL), "%s", path);
  g_free (path);
  return data;
}

/* Runs the file @name of @dir through @desc (a harness around the decoder)
 * and returns the single output; @info gets its caps. */
static GstBuffer *
decode_pillow_file (const gchar *dir, const gchar *name, const gchar *desc,
    GstVideoInfo *info)
{
  GstHarness *h = gst_harness_new_parse (desc);
  GstBuffer *out;
  gchar *data;
  gsize size;

  gst_harness_set_src_caps_str (h, "image/webp");
  data = read_pillow_file (dir, name, &size);
  fail_unless_equals_int (gst_harness_push (h,
                              gst_buffer_new_wrapped (data, size)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  out = gst_harness_pull (h);
  get_output_info (h, info);
  gst_harness_teardown (h);
  return out;
}

/* Packed RGBA @buffer of @info against Pillow's RGBA bytes; returns the
 * mean absolute difference per channel and the largest. */
static gdouble
rgba_difference (GstBuffer *buffer, const GstVideoInfo *info, const guint8 *ref,
    gint *max_diff)
{
  GstVideoFrame frame;
  gint x, y, c, w = GST_VIDEO_INFO_WIDTH (info);
  gint h = GST_VIDEO_INFO_HEIGHT (info);
  gdouble sum = 0;

  fail_unless_equals_int (GST_VIDEO_INFO_FORMAT (info), GST_VIDEO_FORMAT_RGBA);
  fail_unless (gst_video_frame_map (&frame, info, buffer, GST_MAP_READ));
  *max_diff = 0;
  for (y = 0; y < h; y++) {
    const guint8 *row =
        (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0) +
        y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    for (x = 0; x < w * 4; x++) {
      c = ABS (row[x] - ref[((gsize) y * w) * 4 + x]);
      *max_diff = MAX (*max_diff, c);
      sum += c;
    }
  }
  gst_video_frame_unmap (&frame);
  return sum / ((gdouble) w * h * 4);
}

/* Decodes the file @name of @dir through @desc and checks it is Pillow's
 * @ref_name, @width x @height, pixel for pixel. */
static void
check_as_pillow (const gchar *dir, const gchar *name, const gchar *desc,
    const gchar *ref_name, gint width, gint height)
{
  GstVideoInfo info;
  GstBuffer *out;
  gchar *ref;
  gsize ref_size;
  gint max_diff;

  ref = read_pillow_file (dir, ref_name, &ref_size);
  fail_unless_equals_int (ref_size, width * height * 4);
  out = decode_pillow_file (dir, name, desc, &info);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), width);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), height);
  rgba_difference (out, &info, (const guint8 *) ref, &max_diff);
  fail_unless_equals_int (max_diff, 0);
  gst_buffer_unref (out);
  g_free (ref);
}

/* The first frame of an animation is the canvas Pillow (libwebp's
 * WebPAnimDecoder) shows: the frame at its offset, transparent around it,
 * pixel for pixel. */
GST_START_TEST (test_animation_first_frame_as_pillow)
{
  gchar *dir = make_pillow_files ();
  GstVideoInfo info;
  GstBuffer *out;
  gchar *ref;
  gsize ref_size;
  gint max_diff;
  gdouble mean;

  if (dir == NULL)
    return;
  check_as_pillow (dir, "anim.webp", "imgwebpdec", "anim.rgba", 120, 90);

  /* scaled decode: 5/8 of the canvas (the rule of stills), the frame
   * scaled into its place: close to Pillow's frame box-filtered */
  fail_unless_equals_int (gst_imgcompress_pick_scale_eighths (120, 90, 30, 30),
      5);
  ref = read_pillow_file (dir, "anim-75x57.rgba", &ref_size);
  out = decode_pillow_file (dir, "anim.webp", "imgwebpdec max-dimension=30",
      &info);
  fail_unless_equals_int (GST_VIDEO_INFO_WIDTH (&info), 75);
  fail_unless_equals_int (GST_VIDEO_INFO_HEIGHT (&info), 57);
  mean = rgba_difference (out, &info, (const guint8 *) ref, &max_diff);
  GST_INFO ("scaled first frame: mean difference %.2f, largest %d", mean,
      max_diff);
  fail_unless (mean < 4.0, "mean difference %.2f", mean);
  gst_buffer_unref (out);

  g_free (ref);
  imgcheck_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

/* EXIF orientation 6 in the EXIF chunk: imgsizer turns the image upright,
 * as Pillow's exif_transpose() does, pixel for pixel. */
GST_START_TEST (test_exif_orientation_as_pillow)
{
  gchar *dir = make_pillow_files ();

  if (dir == NULL)
    return;
  check_as_pillow (dir, "exif6.webp",
      "imgwebpdec ! imgsizer max-dimension=1000", "exif6.rgba", 40, 64);
  imgcheck_remove_tree (dir);
  g_free (dir);
}

GST_END_TEST;

static void
count_buffer (GstElement *sink, GstBuffer *buffer, GstPad *pad,
    gpointer user_data)
{
  g_atomic_int_inc ((gint *) user_data);
}

/* Runs filesrc ! imgwebpdec ! fakesink on @bytes and returns the bus
 * error (NULL on EOS); *n_buffers counts what reached the sink. */
static GError *
decode_file_bytes (const guint8 *bytes, gsize size, const gchar *dec_props,
    gint *n_buffers)
{
  gchar *path = NULL;
  gint fd = g_file_open_tmp ("imgwebpdec-XXXXXX.webp", &path, NULL);
  gchar *desc;
  GstElement *pipeline, *sink;
  GstBus *bus;
  GstMessage *msg;
  GError *error = NULL;

  fail_unless (fd >= 0);
  g_close (fd, NULL);
  fail_unless (g_file_set_contents (path, (const gchar *) bytes, size, NULL));

  desc = g_strdup_printf ("filesrc location=\"%s\" blocksize=64 ! "
                          "imgwebpdec name=dec %s ! fakesink name=sink "
                          "signal-handoffs=true",
      path, dec_props ? dec_props : "");
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  *n_buffers = 0;
  g_signal_connect (sink, "handoff", G_CALLBACK (count_buffer), n_buffers);
  gst_object_unref (sink);

  fail_if (gst_element_set_state (pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
  fail_unless (msg != NULL, "neither error nor EOS");
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
    fail_unless (g_str_has_prefix (GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
                     "dec"),
        "error from %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)));
    gst_message_parse_error (msg, &error, NULL);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (pipeline);
  g_unlink (path);
  g_free (path);
  g_free (desc);
  return error;
}

/* The error names the problem (@topic is part of the untranslated
 * message; the tests run without a catalogue). */
static void
expect_error (const guint8 *bytes, gsize size, const gchar *props,
    const gchar *what, const gchar *topic)
{
  gint n_buffers = 0;
  GError *error = decode_file_bytes (bytes, size, props, &n_buffers);

  fail_unless (error != NULL, "%s: no error", what);
  GST_INFO ("%s: %s", what, error->message);
  fail_unless (error->domain == GST_STREAM_ERROR, "%s: %s", what,
      error->message);
  fail_unless (strstr (error->message, topic) != NULL,
      "%s: '%s' does not mention '%s'", what, error->message, topic);
  fail_unless_equals_int (n_buffers, 0);
  g_error_free (error);
}

static GstMapInfo good_map;

static GstBuffer *
map_good_file (gint w, gint h)
{
  GstBuffer *good = libwebp_encode (w, h, FALSE, FALSE);

  fail_unless (gst_buffer_map (good, &good_map, GST_MAP_READ));
  return good;
}

static void
unmap_good_file (GstBuffer *good)
{
  gst_buffer_unmap (good, &good_map);
  gst_buffer_unref (good);
}

/* The good file decodes through the same pipeline (so the errors below
 * come from the damage, not the harness). */
GST_START_TEST (test_good_file_from_filesrc)
{
  GstBuffer *good = map_good_file (120, 90);
  gint n_buffers = 0;
  GError *error =
      decode_file_bytes (good_map.data, good_map.size, NULL, &n_buffers);

  fail_unless (error == NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (n_buffers, 1);
  unmap_good_file (good);
}

GST_END_TEST;

GST_START_TEST (test_error_empty)
{
  expect_error ((const guint8 *) "", 0, NULL, "zero-byte file", "empty");
}

GST_END_TEST;

GST_START_TEST (test_error_truncated)
{
  GstBuffer *good = map_good_file (120, 90);

  expect_error (good_map.data, good_map.size / 2, NULL, "half a file",
      "truncated");
  expect_error (good_map.data, 7, NULL, "7 bytes", "truncated");
  unmap_good_file (good);
}

GST_END_TEST;

/* Bytes after the RIFF chunk (padding, appended data) are not part of
 * the image: it decodes, once, without an error. */
GST_START_TEST (test_trailing_bytes_ignored)
{
  static const struct
  {
    const gchar *bytes;
    gsize len;
  } tails[] = {
    { "\n", 1 },
    { "ab", 2 },
    { "0123456789a", 11 },
    { "0123456789ab", 12 },
    { "RIFF", 4 },
    /* a RIFF header of another kind */
    { "RIFF\x10\0\0\0AVI junk", 16 },
    /* padding to a block size */
    { "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16 },
  };
  GstBuffer *good = map_good_file (120, 90);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (tails); i++) {
    gsize tail_len = tails[i].len;
    GByteArray *a = g_byte_array_new ();
    gint n_buffers = 0;
    GError *error;

    g_byte_array_append (a, good_map.data, good_map.size);
    g_byte_array_append (a, (const guint8 *) tails[i].bytes, tail_len);
    error = decode_file_bytes (a->data, a->len, NULL, &n_buffers);
    fail_unless (error == NULL, "%u trailing bytes: %s", (guint) tail_len,
        error ? error->message : "");
    fail_unless_equals_int (n_buffers, 1);
    g_byte_array_unref (a);
  }
  unmap_good_file (good);
}

GST_END_TEST;

/* Trailing bytes between two files of a stream are dropped, the second
 * file decodes; a second file cut short is still called truncated. */
GST_START_TEST (test_trailing_bytes_between_images)
{
  GstBuffer *good = map_good_file (120, 90);
  GByteArray *a = g_byte_array_new ();
  gint n_buffers = 0;
  GError *error;

  g_byte_array_append (a, good_map.data, good_map.size);
  g_byte_array_append (a, (const guint8 *) "some junk", 9);
  g_byte_array_append (a, good_map.data, good_map.size);
  error = decode_file_bytes (a->data, a->len, NULL, &n_buffers);
  fail_unless (error == NULL, "%s", error ? error->message : "");
  fail_unless_equals_int (n_buffers, 2);

  g_byte_array_set_size (a, good_map.size);
  g_byte_array_append (a, good_map.data, good_map.size / 2);
  error = decode_file_bytes (a->data, a->len, NULL, &n_buffers);
  fail_unless (error != NULL);
  fail_unless (strstr (error->message, "truncated") != NULL, "%s",
      error->message);
  fail_unless_equals_int (n_buffers, 1);
  g_error_free (error);

  g_byte_array_unref (a);
  unmap_good_file (good);
}

GST_END_TEST;

GST_START_TEST (test_error_bad_riff_size)
{
  GstBuffer *good = map_good_file (120, 90);
  guint8 *copy = g_memdup2 (good_map.data, good_map.size);

  /* larger than the file */
  GST_WRITE_UINT32_LE (copy + 4, good_map.size * 4);
  expect_error (copy, good_map.size, NULL, "RIFF size too large", "size field");
  /* smaller than the image chunk inside */
  GST_WRITE_UINT32_LE (copy + 4, good_map.size - 8 - 40);
  expect_error (copy, good_map.size, NULL, "RIFF size too small", "RIFF size");
  /* too small to hold a chunk */
  GST_WRITE_UINT32_LE (copy + 4, 2);
  expect_error (copy, good_map.size, NULL, "RIFF size 2", "RIFF size");
  g_free (copy);
  unmap_good_file (good);
}

GST_END_TEST;

GST_START_TEST (test_error_garbled)
{
  GstBuffer *good = map_good_file (120, 90);
  guint8 *copy = g_memdup2 (good_map.data, good_map.size);
  GRand *rand = g_rand_new_with_seed (42);
  gsize i;

  /* keep the RIFF header and chunk header, scramble the VP8 data */
  for (i = 20; i < good_map.size; i++)
    copy[i] = g_rand_int (rand) & 0xff;
  expect_error (copy, good_map.size, NULL, "garbled VP8 data", "corrupt");

  /* not WebP at all */
  memcpy (copy, "\xff\xd8\xff\xe0", 4);
  expect_error (copy, good_map.size, NULL, "JPEG signature", "not a WebP");

  g_rand_free (rand);
  g_free (copy);
  unmap_good_file (good);
}

GST_END_TEST;

GST_START_TEST (test_error_max_pixels)
{
  GstBuffer *good = map_good_file (120, 90);

  expect_error (good_map.data, good_map.size, "max-pixels=10000",
      "over max-pixels", "too large");
  unmap_good_file (good);
}

GST_END_TEST;

/* Pushes @size bytes and EOS into a fresh decoder; returns whether an
 * error was posted and how many buffers came out. */
static gboolean
harness_decode (const guint8 *bytes, gsize size, guint *n_buffers)
{
  GstHarness *h = new_decoder (NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  gboolean error;

  gst_element_set_bus (h->element, bus);
  if (size > 0)
    gst_harness_push (h, gst_buffer_new_memdup (bytes, size));
  gst_harness_push_event (h, gst_event_new_eos ());
  *n_buffers = gst_harness_buffers_received (h);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  error = msg != NULL;
  if (msg)
    gst_message_unref (msg);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
  return error;
}

/* Every prefix of a good file is an error without output. */
GST_START_TEST (test_every_truncation)
{
  GstBuffer *good = map_good_file (64, 48);
  gsize len;

  for (len = 0; len < good_map.size; len += 3) {
    guint n_buffers;

    fail_unless (harness_decode (good_map.data, len, &n_buffers),
        "no error for the first %" G_GSIZE_FORMAT " bytes", len);
    fail_unless_equals_int (n_buffers, 0);
  }
  unmap_good_file (good);
}

GST_END_TEST;

/* Random damage to the headers never crashes and never passes silently:
 * either an error, or one decoded frame (some bits do not matter). */
GST_START_TEST (test_damaged_headers)
{
  GstBuffer *good = map_good_file (64, 48);
  guint8 *copy = g_malloc (good_map.size);
  GRand *rand = g_rand_new_with_seed (1234);
  guint i, errors = 0;

  for (i = 0; i < 300; i++) {
    guint n_buffers, j;
    gboolean error;

    memcpy (copy, good_map.data, good_map.size);
    for (j = 0; j < 3; j++)
      copy[g_rand_int_range (rand, 0, 40)] ^= 1
          << g_rand_int_range (rand, 0, 8);
    error = harness_decode (copy, good_map.size, &n_buffers);
    fail_unless (error != (n_buffers == 1), "round %u: error %d and %u buffers",
        i, error, n_buffers);
    errors += error;
  }
  GST_INFO ("%u of 300 damaged files were errors", errors);
  fail_unless (errors > 0);

  g_rand_free (rand);
  g_free (copy);
  unmap_good_file (good);
}

GST_END_TEST;

static Suite *
imgwebpdec_suite (void)
{
  Suite *s = suite_create ("imgwebpdec");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_roundtrip_i420);
  tcase_add_test (tc, test_roundtrip_rgba_alpha);
  tcase_add_test (tc, test_lossless_opaque_is_rgb);
  tcase_add_test (tc, test_i420_colorimetry);
  tcase_add_test (tc, test_scaled_decode_property);
  tcase_add_test (tc, test_scaled_decode_size_hint);
  tcase_add_test (tc, test_new_size_mid_stream);
  tcase_add_test (tc, test_animation_first_frame);
  tcase_add_test (tc, test_animation_first_frame_as_pillow);
  tcase_add_test (tc, test_exif_orientation_as_pillow);
  tcase_add_test (tc, test_good_file_from_filesrc);
  tcase_add_test (tc, test_error_empty);
  tcase_add_test (tc, test_error_truncated);
  tcase_add_test (tc, test_trailing_bytes_ignored);
  tcase_add_test (tc, test_trailing_bytes_between_images);
  tcase_add_test (tc, test_error_bad_riff_size);
  tcase_add_test (tc, test_error_garbled);
  tcase_add_test (tc, test_error_max_pixels);
  tcase_add_test (tc, test_every_truncation);
  tcase_add_test (tc, test_damaged_headers);
  return s;
}

GST_CHECK_MAIN (imgwebpdec);

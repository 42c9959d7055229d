/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* adaptivequality and the library parts it stands on: header sniffing
 * (every format, every truncation point), quality bands, the max-pixels
 * refusal, the image event, image boundaries in a stream. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/check/gstharness.h>
#include <gst/app/gstappsink.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <glib/gstdio.h>
#include <string.h>

#include "imgcheck.h"

#define MIB (1024 * 1024)

/* ---- building headers ---- */

/* CRC-32 as zlib computes it, kept apart from the library's. */
static guint32
test_crc32 (const guint8 *data, gsize len)
{
  guint32 table[256], crc = 0xffffffff;
  guint i, k;

  for (i = 0; i < 256; i++) {
    guint32 c = i;
    for (k = 0; k < 8; k++)
      c = (c & 1) ? 0xedb88320 ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  for (i = 0; i < len; i++)
    crc = table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc ^ 0xffffffff;
}

static void
put_be16 (GByteArray *a, guint v)
{
  guint8 b[2] = { v >> 8, v & 0xff };
  g_byte_array_append (a, b, 2);
}

static void
put_be32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff };
  g_byte_array_append (a, b, 4);
}

static void
put_le16 (GByteArray *a, guint v)
{
  guint8 b[2] = { v & 0xff, v >> 8 };
  g_byte_array_append (a, b, 2);
}

static void
put_le24 (GByteArray *a, guint32 v)
{
  guint8 b[3] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff };
  g_byte_array_append (a, b, 3);
}

static void
put_le32 (GByteArray *a, guint32 v)
{
  guint8 b[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24 };
  g_byte_array_append (a, b, 4);
}

static void
put_bytes (GByteArray *a, const gchar *s, gsize n)
{
  g_byte_array_append (a, (const guint8 *) s, n);
}

static void
put_fill (GByteArray *a, guint8 value, gsize n)
{
  gsize i;
  for (i = 0; i < n; i++)
    g_byte_array_append (a, &value, 1);
}

/* A JPEG: SOI, APP0 JFIF, @exif_bytes of APP1 segments, DQT, SOF0 with the
 * size, DHT, SOS, @tail_bytes of entropy data, EOI.  @header_len receives
 * the length of the prefix that holds the SOF0 dimensions. */
static GByteArray *
make_jpeg (guint width, guint height, gsize exif_bytes, gsize tail_bytes,
    gsize *header_len)
{
  GByteArray *a = g_byte_array_new ();

  put_bytes (a, "\xff\xd8", 2);
  put_bytes (a, "\xff\xe0", 2);
  put_be16 (a, 16);
  put_bytes (a, "JFIF\0\x01\x01\0\0\x01\0\x01\0\0", 14);
  while (exif_bytes > 0) {
    gsize seg = MIN (exif_bytes, 65533 - 6);
    put_bytes (a, "\xff\xe1", 2);
    put_be16 (a, seg + 6 + 2);
    put_bytes (a, "Exif\0\0", 6);
    /* looks like markers, must be skipped by length */
    put_fill (a, 0xff, seg / 2);
    put_fill (a, 0xd8, seg - seg / 2);
    exif_bytes -= seg;
  }
  put_bytes (a, "\xff\xdb", 2);
  put_be16 (a, 67);
  put_fill (a, 1, 65);
  put_bytes (a, "\xff\xc0", 2);
  put_be16 (a, 17);
  put_fill (a, 8, 1);
  put_be16 (a, height);
  put_be16 (a, width);
  if (header_len)
    *header_len = a->len + 1;
  put_bytes (a, "\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  put_bytes (a, "\xff\xc4", 2);
  put_be16 (a, 31);
  put_fill (a, 0, 29);
  put_bytes (a, "\xff\xda", 2);
  put_be16 (a, 12);
  put_bytes (a, "\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00", 10);
  put_fill (a, 0x55, tail_bytes);
  put_bytes (a, "\xff\xd9", 2);
  return a;
}

/* A PNG signature and IHDR with a correct CRC, then @tail_bytes of IDAT.
 * The header is the first 33 bytes. */
static GByteArray *
make_png (guint32 width, guint32 height, guint depth, guint colour_type,
    gsize tail_bytes)
{
  GByteArray *a = g_byte_array_new ();

  put_bytes (a, "\x89PNG\r\n\x1a\n", 8);
  put_be32 (a, 13);
  put_bytes (a, "IHDR", 4);
  put_be32 (a, width);
  put_be32 (a, height);
  put_fill (a, depth, 1);
  put_fill (a, colour_type, 1);
  put_fill (a, 0, 3);
  put_be32 (a, test_crc32 (a->data + 12, 17));
  put_be32 (a, tail_bytes);
  put_bytes (a, "IDAT", 4);
  put_fill (a, 0x78, tail_bytes);
  put_be32 (a, 0);
  return a;
}

static void
put_riff_header (GByteArray *a, const gchar *fourcc, gsize chunk_size)
{
  put_bytes (a, "RIFF", 4);
  put_le32 (a, 4 + 8 + chunk_size);
  put_bytes (a, "WEBP", 4);
  put_bytes (a, fourcc, 4);
  put_le32 (a, chunk_size);
}

/* Simple lossy WebP: key frame tag, start code, 14-bit sizes with a scale
 * hint in the top bits.  The header is the first 30 bytes. */
static GByteArray *
make_webp_vp8 (guint width, guint height, gsize tail_bytes)
{
  GByteArray *a = g_byte_array_new ();

  put_riff_header (a, "VP8 ", 10 + tail_bytes);
  /* key frame (bit 0 clear), version 0, shown, first partition 100 */
  put_le24 (a, (1 << 4) | (100 << 5));
  put_bytes (a, "\x9d\x01\x2a", 3);
  put_le16 (a, width | (1 << 14));
  put_le16 (a, height | (2 << 14));
  put_fill (a, 0x11, tail_bytes);
  return a;
}

/* Lossless WebP.  The header is the first 25 bytes. */
static GByteArray *
make_webp_vp8l (guint width, guint height, gboolean alpha, gsize tail_bytes)
{
  GByteArray *a = g_byte_array_new ();

  put_riff_header (a, "VP8L", 5 + tail_bytes);
  put_fill (a, 0x2f, 1);
  put_le32 (a, (width - 1) | ((height - 1) << 14) | ((alpha ? 1u : 0u) << 28));
  put_fill (a, 0x22, tail_bytes);
  return a;
}

/* Extended WebP.  The header is the first 30 bytes. */
static GByteArray *
make_webp_vp8x (guint32 width, guint32 height, gboolean alpha, gsize tail_bytes)
{
  GByteArray *a = g_byte_array_new ();

  put_riff_header (a, "VP8X", 10);
  put_fill (a, alpha ? 0x10 : 0, 1);
  put_fill (a, 0, 3);
  put_le24 (a, width - 1);
  put_le24 (a, height - 1);
  put_fill (a, 0x33, tail_bytes);
  return a;
}

/* Sniffs exactly @len bytes copied to a buffer of that size, so that a read
 * past the end is a read past an allocation. */
static GstImgcompressSniffResult
sniff_prefix (const GByteArray *a, gsize len, GstImgcompressHeaderInfo *info)
{
  guint8 *copy = len ? g_memdup2 (a->data, len) : NULL;
  GstImgcompressSniffResult r;

  r = gst_imgcompress_sniff_header (copy, len, info);
  g_free (copy);
  return r;
}

/* Every prefix shorter than @header_len needs more data, asking for a
 * length beyond the prefix and no further than the header; the full
 * header gives the dimensions. */
static void
check_every_truncation (GByteArray *a, gsize header_len,
    GstImgcompressFormat format, guint width, guint height, gboolean has_alpha)
{
  GstImgcompressHeaderInfo info;
  gsize n;

  fail_unless (header_len <= a->len);
  for (n = 0; n < header_len; n++) {
    GstImgcompressSniffResult r = sniff_prefix (a, n, &info);
    fail_unless_equals_int (r, GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA);
    fail_unless (info.needed > n,
        "prefix %" G_GSIZE_FORMAT " asks for %" G_GSIZE_FORMAT, n, info.needed);
    fail_unless (info.needed <= header_len,
        "prefix %" G_GSIZE_FORMAT " asks for %" G_GSIZE_FORMAT
        " > %" G_GSIZE_FORMAT,
        n, info.needed, header_len);
  }
  for (n = header_len; n <= a->len; n += MAX (1, (a->len - header_len) / 7)) {
    fail_unless_equals_int (sniff_prefix (a, n, &info),
        GST_IMGCOMPRESS_SNIFF_OK);
    fail_unless_equals_int (info.format, format);
    fail_unless_equals_int (info.width, width);
    fail_unless_equals_int (info.height, height);
    fail_unless_equals_int (info.has_alpha, has_alpha);
  }
}

GST_START_TEST (test_sniff_jpeg_every_truncation)
{
  gsize header_len;
  GByteArray *a = make_jpeg (6028, 3391, 0, 100, &header_len);

  check_every_truncation (a, header_len, GST_IMGCOMPRESS_FORMAT_JPEG, 6028,
      3391, FALSE);
  g_byte_array_unref (a);

  /* progressive (SOF2) after a few Exif bytes */
  a = make_jpeg (1600, 1203, 3000, 10, &header_len);
  a->data[header_len - 9] = 0xc2;
  check_every_truncation (a, header_len, GST_IMGCOMPRESS_FORMAT_JPEG, 1600,
      1203, FALSE);
  g_byte_array_unref (a);
}

GST_END_TEST;

/* A frame header after 200 KiB of Exif: each call asks for the next
 * segment, a handful of calls reach the dimensions. */
GST_START_TEST (test_sniff_jpeg_after_big_exif)
{
  GstImgcompressHeaderInfo info;
  gsize header_len, n = 0;
  GByteArray *a = make_jpeg (4000, 3000, 200 * 1024, 10, &header_len);
  guint calls = 0;
  GstImgcompressSniffResult r;

  while ((r = sniff_prefix (a, n, &info)) ==
      GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA) {
    fail_unless (info.needed > n);
    fail_unless (info.needed <= header_len);
    n = info.needed;
    calls++;
    fail_unless (calls < 50);
  }
  fail_unless_equals_int (r, GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless_equals_int (info.width, 4000);
  fail_unless_equals_int (info.height, 3000);
  fail_unless (header_len > 200 * 1024);
  /* 4 Exif segments, APP0, DQT, SOF: about one call per segment */
  fail_unless (calls <= 16, "%u calls", calls);
  g_byte_array_unref (a);
}

GST_END_TEST;

GST_START_TEST (test_sniff_png_every_truncation)
{
  GByteArray *a = make_png (640, 480, 8, 2, 50);

  check_every_truncation (a, 33, GST_IMGCOMPRESS_FORMAT_PNG, 640, 480, FALSE);
  g_byte_array_unref (a);

  a = make_png (30000, 30000, 16, 6, 50);
  check_every_truncation (a, 33, GST_IMGCOMPRESS_FORMAT_PNG, 30000, 30000,
      TRUE);
  g_byte_array_unref (a);
}

GST_END_TEST;

GST_START_TEST (test_sniff_webp_every_truncation)
{
  GByteArray *a = make_webp_vp8 (1024, 768, 40);

  check_every_truncation (a, 30, GST_IMGCOMPRESS_FORMAT_WEBP, 1024, 768, FALSE);
  g_byte_array_unref (a);

  a = make_webp_vp8l (16384, 1, TRUE, 40);
  check_every_truncation (a, 25, GST_IMGCOMPRESS_FORMAT_WEBP, 16384, 1, TRUE);
  g_byte_array_unref (a);

  a = make_webp_vp8x (70000, 20000, TRUE, 40);
  check_every_truncation (a, 30, GST_IMGCOMPRESS_FORMAT_WEBP, 70000, 20000,
      TRUE);
  g_byte_array_unref (a);
}

GST_END_TEST;

static void
check_invalid (GByteArray *a, const gchar *what)
{
  GstImgcompressHeaderInfo info;

  fail_unless_equals_int (sniff_prefix (a, a->len, &info),
      GST_IMGCOMPRESS_SNIFF_INVALID);
  fail_unless (info.error != NULL, "%s: no reason given", what);
  GST_INFO ("%s: %s", what, info.error);
  g_byte_array_unref (a);
}

GST_START_TEST (test_sniff_invalid_headers)
{
  GByteArray *a;
  gsize header_len;

  a = g_byte_array_new ();
  put_bytes (a, "P6\n1 1\n255\n\0\0\0", 14);
  check_invalid (a, "PPM");

  a = g_byte_array_new ();
  put_bytes (a,
      "BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"
      "\x00\xfe\xff\xff\x01\0\0\0\x01\0\x18\0",
      30);
  check_invalid (a, "BMP negative width");

  a = g_byte_array_new ();
  put_bytes (a,
      "II*\0\x08\0\0\0\x01\0\x02\x01\x03\0\x01\0\0\0"
      "\x08\0\0\0\0\0\0\0",
      26);
  check_invalid (a, "TIFF without ImageWidth");

  /* wrong start of every signature, at every byte */
  a = make_png (10, 10, 8, 2, 0);
  a->data[3] = 'X';
  check_invalid (a, "PNG signature");

  a = make_png (10, 10, 8, 2, 0);
  a->data[20] ^= 1; /* height changed, CRC kept */
  check_invalid (a, "PNG CRC");

  a = make_png (10, 10, 3, 2, 0); /* RGB at 3 bits */
  check_invalid (a, "PNG depth");

  a = make_png (0, 10, 8, 2, 0);
  check_invalid (a, "PNG zero width");

  a = make_jpeg (100, 100, 0, 0, &header_len);
  a->data[4] = 0; /* APP0 length 16 -> 1 */
  a->data[5] = 1;
  check_invalid (a, "JPEG segment length 1");

  a = g_byte_array_new ();
  put_bytes (a, "\xff\xd8\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00", 12);
  check_invalid (a, "JPEG scan before frame header");

  a = make_jpeg (0, 100, 0, 0, NULL);
  check_invalid (a, "JPEG zero width");

  a = make_jpeg (100, 0, 0, 0, NULL);
  check_invalid (a, "JPEG DNL height");

  a = make_webp_vp8 (100, 100, 10);
  a->data[20] |= 1; /* interframe */
  check_invalid (a, "VP8 not a key frame");

  a = make_webp_vp8 (100, 100, 10);
  a->data[24] = 0;
  check_invalid (a, "VP8 start code");

  a = make_webp_vp8l (100, 100, FALSE, 10);
  a->data[20] = 0x2e;
  check_invalid (a, "VP8L signature");

  a = make_webp_vp8l (100, 100, FALSE, 10);
  a->data[24] |= 0x20; /* version 1 */
  check_invalid (a, "VP8L version");

  a = make_webp_vp8x (1 << 24, 1 << 24, FALSE, 0);
  check_invalid (a, "VP8X area");

  a = make_webp_vp8 (100, 100, 10);
  memcpy (a->data + 12, "ALPH", 4);
  check_invalid (a, "WebP unknown first chunk");

  a = make_webp_vp8 (100, 100, 10);
  memcpy (a->data + 8, "WAVE", 4);
  check_invalid (a, "RIFF but not WebP");
}

GST_END_TEST;

/* GIF logical screen, BMP information header, TIFF first directory (after
 * the image data, as libtiff writes it): every prefix asks for more. */
GST_START_TEST (test_sniff_still_formats)
{
  GByteArray *a = g_byte_array_new ();

  put_bytes (a, "GIF89a\x80\x02\xe0\x01\xf7\0\0", 13);
  put_fill (a, 0, 20);
  check_every_truncation (a, 13, GST_IMGCOMPRESS_FORMAT_GIF, 640, 480, FALSE);
  g_byte_array_unref (a);

  a = g_byte_array_new ();
  /* BITMAPINFOHEADER, 300 x -200 (top-down), 24 bits */
  put_bytes (a,
      "BM\0\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0"
      "\x2c\x01\0\0\x38\xff\xff\xff\x01\0\x18\0",
      30);
  put_fill (a, 0, 24);
  check_every_truncation (a, 30, GST_IMGCOMPRESS_FORMAT_BMP, 300, 200, FALSE);
  g_byte_array_unref (a);

  a = g_byte_array_new ();
  /* big-endian; 100 bytes of "strips", then the directory: width
   * 5000 (LONG), height 4000 (SHORT), ExtraSamples 2 (alpha) */
  put_bytes (a, "MM\0*\0\0\0\x6c", 8);
  put_fill (a, 0x55, 100);
  put_bytes (a,
      "\0\x03"
      "\x01\x00\0\x04\0\0\0\x01\0\0\x13\x88"
      "\x01\x01\0\x03\0\0\0\x01\x0f\xa0\0\0"
      "\x01\x52\0\x03\0\0\0\x01\0\x02\0\0"
      "\0\0\0\0",
      42);
  check_every_truncation (a, 146, GST_IMGCOMPRESS_FORMAT_TIFF, 5000, 4000,
      TRUE);
  fail_unless (
      gst_imgcompress_header_may_follow_data (GST_IMGCOMPRESS_FORMAT_TIFF));
  fail_unless_equals_int (gst_imgcompress_sniff_signature (a->data, 4),
      GST_IMGCOMPRESS_FORMAT_TIFF);
  g_byte_array_unref (a);
}

GST_END_TEST;

GST_START_TEST (test_sniff_signature)
{
  GByteArray *j = make_jpeg (10, 10, 0, 0, NULL);
  GByteArray *p = make_png (10, 10, 8, 2, 0);
  GByteArray *w = make_webp_vp8l (10, 10, FALSE, 0);

  fail_unless_equals_int (gst_imgcompress_sniff_signature (j->data, j->len),
      GST_IMGCOMPRESS_FORMAT_JPEG);
  fail_unless_equals_int (gst_imgcompress_sniff_signature (p->data, p->len),
      GST_IMGCOMPRESS_FORMAT_PNG);
  fail_unless_equals_int (gst_imgcompress_sniff_signature (w->data, w->len),
      GST_IMGCOMPRESS_FORMAT_WEBP);
  /* too short to be sure */
  fail_unless_equals_int (gst_imgcompress_sniff_signature (p->data, 7),
      GST_IMGCOMPRESS_FORMAT_UNKNOWN);
  fail_unless_equals_int (gst_imgcompress_sniff_signature (w->data, 11),
      GST_IMGCOMPRESS_FORMAT_UNKNOWN);
  fail_unless_equals_int (gst_imgcompress_sniff_signature (j->data + 2, 9),
      GST_IMGCOMPRESS_FORMAT_UNKNOWN);
  g_byte_array_unref (j);
  g_byte_array_unref (p);
  g_byte_array_unref (w);
}

GST_END_TEST;

/* Real encoders' output, so that the synthetic headers above are not the
 * only reference. */
static GstBuffer *
encode_test_image (const gchar *format, const gchar *encoder, guint width,
    guint height)
{
  /* half-transparent, so that encoders keep the alpha channel */
  gchar *desc =
      g_strdup_printf ("videotestsrc num-buffers=1 "
                       "pattern=solid-color foreground-color=0x80ff8040 ! "
                       "video/x-raw,format=%s,width=%u,height=%u ! %s ! "
                       "appsink name=sink",
          format, width, height, encoder);
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstElement *sink;
  GstSample *sample;
  GstBuffer *buffer = NULL;

  fail_unless (error == NULL, "%s: %s", desc, error ? error->message : "");
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  fail_unless_equals_int (gst_element_set_state (pipeline, GST_STATE_PLAYING),
      GST_STATE_CHANGE_ASYNC);
  sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND);
  if (sample) {
    buffer = gst_buffer_ref (gst_sample_get_buffer (sample));
    gst_sample_unref (sample);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  fail_unless (buffer != NULL, "%s gave no output", encoder);
  return buffer;
}

static void
check_real_header (GstBuffer *buffer, GstImgcompressFormat format, guint width,
    guint height, gboolean has_alpha)
{
  GstImgcompressHeaderInfo info;
  GstMapInfo map;

  fail_unless (gst_buffer_map (buffer, &map, GST_MAP_READ));
  fail_unless_equals_int (gst_imgcompress_sniff_header (map.data, map.size,
                              &info),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless_equals_int (info.format, format);
  fail_unless_equals_int (info.width, width);
  fail_unless_equals_int (info.height, height);
  fail_unless_equals_int (info.has_alpha, has_alpha);
  gst_buffer_unmap (buffer, &map);
  gst_buffer_unref (buffer);
}

GST_START_TEST (test_sniff_real_encoders)
{
  /* Whole MCUs: jpegenc would read (and valgrind flag) the uninitialised
   * row padding of videotestsrc's frames at other sizes. */
  check_real_header (encode_test_image ("I420", "jpegenc", 128, 48),
      GST_IMGCOMPRESS_FORMAT_JPEG, 128, 48, FALSE);
  check_real_header (encode_test_image ("RGB", "pngenc", 77, 301),
      GST_IMGCOMPRESS_FORMAT_PNG, 77, 301, FALSE);
  check_real_header (encode_test_image ("RGBA", "pngenc", 64, 33),
      GST_IMGCOMPRESS_FORMAT_PNG, 64, 33, TRUE);
  check_real_header (encode_test_image ("I420", "webpenc", 250, 99),
      GST_IMGCOMPRESS_FORMAT_WEBP, 250, 99, FALSE);
  check_real_header (encode_test_image ("RGBA", "webpenc lossless=true", 31,
                         17),
      GST_IMGCOMPRESS_FORMAT_WEBP, 31, 17, TRUE);
}

GST_END_TEST;

GST_START_TEST (test_sniff_corpus_photo)
{
  gchar *path = imgcheck_corpus_file ("Kleiber_by_Lukas_Baubkus.jpg");
  GstImgcompressHeaderInfo info;
  gchar *contents;
  gsize len;

  if (path == NULL)
    return;
  fail_unless (g_file_get_contents (path, &contents, &len, NULL));
  fail_unless_equals_int (gst_imgcompress_sniff_header ((guint8 *) contents,
                              len, &info),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless_equals_int (info.width, 6028);
  fail_unless_equals_int (info.height, 3391);
  g_free (contents);
  g_free (path);
}

GST_END_TEST;

/* What the memory estimate needs: bytes per sample, channels, an
 * animation's canvas; and the estimate counts them. */
GST_START_TEST (test_sniff_memory_inputs)
{
  GstImgcompressHeaderInfo info8, info16, anim;
  GByteArray *png8 = make_png (10000, 10000, 8, 2, 10);
  GByteArray *png16 = make_png (10000, 10000, 16, 2, 10);
  GByteArray *webp = make_webp_vp8x (10000, 10000, FALSE, 0);
  guint64 e8, e16;

  fail_unless_equals_int (sniff_prefix (png8, png8->len, &info8),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless_equals_int (sniff_prefix (png16, png16->len, &info16),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless_equals_int (info16.bit_depth, 16);
  fail_unless_equals_int (info16.components, 3);
  fail_unless_equals_int (info8.bit_depth, 8);

  /* the 16-bit frame is held before the reduction to 8 bits */
  e8 = gst_imgcompress_estimate_working_set (&info8, 0, 2048);
  e16 = gst_imgcompress_estimate_working_set (&info16, 0, 2048);
  fail_unless (e16 - e8 == (guint64) 10000 * 10000 * 3 * 2,
      "16-bit: %" G_GUINT64_FORMAT " 8-bit: %" G_GUINT64_FORMAT, e16, e8);
  /* 100 MP RGBA at 8 bits, decoded and resized, plus the 16-bit frame */
  fail_unless (e16 > (guint64) 10000 * 10000 * (2 * 4 + 6));
  /* the encoded bytes are held too */
  fail_unless_equals_uint64 (gst_imgcompress_estimate_working_set (&info8,
                                 300 * 1000 * 1000, 2048) -
          e8,
      300 * 1000 * 1000);

  /* animation flag: the dimensions are the canvas; its first frame may be
   * lossless data covering it, which libwebp decodes at full size */
  webp->data[20] = 0x02;
  fail_unless_equals_int (sniff_prefix (webp, webp->len, &anim),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless (anim.animated);
  fail_unless_equals_int (anim.width, 10000);
  fail_unless_equals_int (anim.bit_depth, 8);
  fail_unless (gst_imgcompress_estimate_working_set (&anim, 140, 2048) >=
      (guint64) 10000 * 10000 * 4);

  /* no overflow at PNG's largest sides */
  gst_imgcompress_write_uint32_be (png16->data + 16, G_MAXINT32);
  gst_imgcompress_write_uint32_be (png16->data + 20, G_MAXINT32);
  gst_imgcompress_write_uint32_be (png16->data + 29,
      test_crc32 (png16->data + 12, 17));
  fail_unless_equals_int (sniff_prefix (png16, png16->len, &info16),
      GST_IMGCOMPRESS_SNIFF_OK);
  fail_unless (gst_imgcompress_estimate_working_set (&info16, G_MAXUINT64,
                   2048) >= G_MAXUINT64 / 1024);
  fail_unless (gst_imgcompress_estimate_working_set (&info16, G_MAXUINT64,
                   2048) <= G_MAXUINT64 / 1024);

  g_byte_array_unref (png8);
  g_byte_array_unref (png16);
  g_byte_array_unref (webp);
}

GST_END_TEST;

/* ---- quality bands ---- */

static void
check_band (const GArray *bands, guint64 bytes, gint jq, gint wq)
{
  gint j, w;

  fail_unless (gst_imgcompress_quality_bands_lookup (bands, bytes, &j, &w));
  fail_unless_equals_int (j, jq);
  fail_unless_equals_int (w, wq);
}

GST_START_TEST (test_bands_default)
{
  GArray *bands = gst_imgcompress_quality_bands_parse (
      GST_IMGCOMPRESS_DEFAULT_QUALITY_BANDS, NULL);

  fail_unless (bands != NULL);
  fail_unless_equals_int (bands->len, 3);
  check_band (bands, 0, 85, 80);
  check_band (bands, MIB - 1, 85, 80);
  check_band (bands, MIB, 80, 75);
  check_band (bands, 5 * MIB - 1, 80, 75);
  check_band (bands, 5 * MIB, 75, 70);
  check_band (bands, G_MAXUINT64, 75, 70);
  g_array_unref (bands);
}

GST_END_TEST;

GST_START_TEST (test_bands_units_and_no_catch_all)
{
  GArray *bands =
      gst_imgcompress_quality_bands_parse ("500KiB:90:88, 2MB:70:60", NULL);
  gint j, w;

  fail_unless (bands != NULL);
  check_band (bands, 500 * 1024 - 1, 90, 88);
  check_band (bands, 500 * 1024, 70, 60);
  check_band (bands, 1999999, 70, 60);
  fail_if (gst_imgcompress_quality_bands_lookup (bands, 2000000, &j, &w));
  fail_unless_equals_int (j, GST_IMGCOMPRESS_QUALITY_UNSET);
  fail_unless_equals_int (w, GST_IMGCOMPRESS_QUALITY_UNSET);
  g_array_unref (bands);

  bands = gst_imgcompress_quality_bands_parse ("1000:50:40,1k:40:30,"
                                               "1001B:30:20",
      NULL);
  fail_unless (bands == NULL);

  bands = gst_imgcompress_quality_bands_parse ("1000:50:40,1kib:40:30,"
                                               "1gib:30:20,*:1:100",
      NULL);
  fail_unless (bands != NULL);
  check_band (bands, 999, 50, 40);
  check_band (bands, 1023, 40, 30);
  check_band (bands, 1024, 30, 20);
  check_band (bands, 1024 * 1024 * 1024, 1, 100);
  g_array_unref (bands);
}

GST_END_TEST;

GST_START_TEST (test_bands_errors)
{
  const gchar *bad[] = {
    "",
    ",",
    "1MiB:85",
    "1MiB:85:80:1",
    "1MiB:85:80,",
    "1MiB:85:80,,*:1:1",
    "5MiB:80:75,1MiB:85:80",
    "1MiB:85:80,1MiB:80:75",
    "*:75:70,1MiB:85:80",
    "*:1:1,*:1:1",
    "1XB:85:80",
    "1MiB:0:80",
    "1MiB:85:101",
    "abc:1:1",
    "-1:1:1",
    "0:1:1",
    "1.5MiB:80:70",
    "1MiB:8a:80",
    "18446744073709551615:1:1",
    "99999999999GiB:1:1",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *error = NULL;
    GArray *bands = gst_imgcompress_quality_bands_parse (bad[i], &error);
    fail_unless (bands == NULL, "'%s' was accepted", bad[i]);
    fail_unless (g_error_matches (error, GST_IMGCOMPRESS_PARSE_ERROR,
                     GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX),
        "'%s'", bad[i]);
    fail_unless (error->message && *error->message);
    g_error_free (error);
  }
}

GST_END_TEST;

/* ---- the element ---- */

static GstBuffer *
buffer_from_array (GByteArray *a)
{
  GstBuffer *buffer = gst_buffer_new_memdup (a->data, a->len);
  g_byte_array_unref (a);
  return buffer;
}

/* The image event among the events the harness received, NULL if none. */
static gboolean
pull_image_event (GstHarness *h, GstImgcompressImageInfo *info)
{
  GstEvent *event;

  while ((event = gst_harness_try_pull_event (h)) != NULL) {
    gboolean found = gst_imgcompress_image_event_parse (event, info);
    gst_event_unref (event);
    if (found)
      return TRUE;
  }
  return FALSE;
}

static GstHarness *
harness_with_bus (const gchar *caps, GstBus **bus)
{
  GstHarness *h = gst_harness_new ("adaptivequality");

  *bus = gst_bus_new ();
  gst_element_set_bus (h->element, *bus);
  gst_harness_set_src_caps_str (h, caps);
  return h;
}

GST_START_TEST (test_image_event_fields)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/png", &bus);
  GstImgcompressImageInfo info;
  GByteArray *png = make_png (3000, 2000, 8, 2, 2 * MIB);
  guint64 before = g_get_monotonic_time () * 1000, after;
  gsize len = png->len;
  GstBuffer *in = buffer_from_array (png), *out;

  g_object_set (h->element, "image-name", "holiday", NULL);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (in)),
      GST_FLOW_OK);
  after = g_get_monotonic_time () * 1000;

  fail_unless (pull_image_event (h, &info));
  fail_unless_equals_string (info.name, "holiday");
  fail_unless_equals_uint64 (info.input_bytes, len);
  fail_unless_equals_int (info.width, 3000);
  fail_unless_equals_int (info.height, 2000);
  fail_unless_equals_int (info.format, GST_IMGCOMPRESS_FORMAT_PNG);
  fail_unless (info.start_time >= before && info.start_time <= after);
  /* 2 MiB: the seed's middle band */
  fail_unless_equals_int (info.jpeg_quality, 80);
  fail_unless_equals_int (info.webp_quality, 75);
  gst_imgcompress_image_info_clear (&info);

  /* passthrough: the very same buffer */
  out = gst_harness_pull (h);
  fail_unless (out == in);
  gst_buffer_unref (out);
  gst_buffer_unref (in);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_mode_off_and_custom_bands)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/jpeg", &bus);
  GstImgcompressImageInfo info;

  g_object_set (h->element, "bands", "100:60:50,*:40:30", NULL);
  fail_unless_equals_int (gst_harness_push (h,
                              buffer_from_array (make_jpeg (10, 20, 0, 10,
                                  NULL))),
      GST_FLOW_OK);
  fail_unless (pull_image_event (h, &info));
  fail_unless_equals_int (info.jpeg_quality, 40);
  fail_unless_equals_int (info.webp_quality, 30);
  gst_imgcompress_image_info_clear (&info);

  gst_util_set_object_arg (G_OBJECT (h->element), "mode", "off");
  fail_unless_equals_int (gst_harness_push (h,
                              buffer_from_array (make_jpeg (30, 40, 0, 10,
                                  NULL))),
      GST_FLOW_OK);
  fail_unless (pull_image_event (h, &info));
  fail_unless_equals_int (info.width, 30);
  fail_unless_equals_int (info.jpeg_quality, GST_IMGCOMPRESS_QUALITY_UNSET);
  fail_unless_equals_int (info.webp_quality, GST_IMGCOMPRESS_QUALITY_UNSET);
  gst_imgcompress_image_info_clear (&info);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_invalid_bands_fail_ready)
{
  GstElement *aq = gst_element_factory_make ("adaptivequality", NULL);
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  gchar *str;

  gst_element_set_bus (aq, bus);
  g_object_set (aq, "bands", "5MiB:80:75,1MiB:85:80", NULL);
  g_object_get (aq, "bands", &str, NULL);
  fail_unless_equals_string (str, "5MiB:80:75,1MiB:85:80");
  g_free (str);
  fail_unless_equals_int (gst_element_set_state (aq, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_unref (msg);

  g_object_set (aq, "bands", "1MiB:85:80,*:75:70", NULL);
  fail_unless_equals_int (gst_element_set_state (aq, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (aq, GST_STATE_NULL);
  gst_element_set_bus (aq, NULL);
  gst_object_unref (bus);
  gst_object_unref (aq);
}

GST_END_TEST;

/* Pops the error and checks it names the image and has the domain. */
static void
check_error (GstBus *bus, GQuark domain, gint code, const gchar *name)
{
  GstMessage *msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  GError *error = NULL;

  fail_unless (msg != NULL, "no error on the bus");
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (g_error_matches (error, domain, code), "%s", error->message);
  fail_unless (strstr (error->message, name) != NULL, "'%s' lacks '%s'",
      error->message, name);
  g_error_free (error);
  gst_message_unref (msg);
}

static guint
count_image_events (GstHarness *h)
{
  GstImgcompressImageInfo info;
  guint n = 0;

  while (pull_image_event (h, &info)) {
    gst_imgcompress_image_info_clear (&info);
    n++;
  }
  return n;
}

static GstBuffer *
zeroed_buffer (gsize size)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (buffer, 0, 0, size);
  return buffer;
}

GST_START_TEST (test_png_bomb_refused)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/png", &bus);

  g_object_set (h->element, "image-name", "bomb", NULL);
  fail_unless_equals_int (gst_harness_push (h,
                              buffer_from_array (make_png (30000, 30000, 8, 6,
                                  1000))),
      GST_FLOW_ERROR);
  check_error (bus, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "bomb");
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_int (count_image_events (h), 0);

  /* the rest of the refused image is refused too */
  fail_unless_equals_int (gst_harness_push (h, zeroed_buffer (100)),
      GST_FLOW_ERROR);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_max_pixels_boundary)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/webp", &bus);

  g_object_set (h->element, "max-pixels", (guint64) 1000 * 1000, NULL);
  /* exactly at the limit passes */
  fail_unless_equals_int (gst_harness_push (h,
                              buffer_from_array (make_webp_vp8 (1000, 1000,
                                  100))),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  /* one row more is refused */
  fail_unless_equals_int (gst_harness_push (h,
                              buffer_from_array (make_webp_vp8x (1000, 1001,
                                  FALSE, 100))),
      GST_FLOW_ERROR);
  check_error (bus, GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED, "image-1");
  fail_unless_equals_int (gst_harness_buffers_received (h), 1);
  fail_unless_equals_int (count_image_events (h), 1);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_unreadable_header_refused)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/jpeg", &bus);
  GByteArray *a = make_jpeg (100, 100, 0, 10, NULL);

  g_object_set (h->element, "image-name", "broken", NULL);
  a->data[3] = 0xda; /* scan before frame header */
  fail_unless_equals_int (gst_harness_push (h, buffer_from_array (a)),
      GST_FLOW_ERROR);
  check_error (bus, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, "broken");
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_int (count_image_events (h), 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

GST_START_TEST (test_caps_format_mismatch_refused)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/jpeg", &bus);

  fail_unless_equals_int (gst_harness_push (h,
                              buffer_from_array (make_png (10, 10, 8, 2, 10))),
      GST_FLOW_ERROR);
  check_error (bus, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, "image-0");
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);

  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* The header arrives in pieces: nothing goes out until the dimensions are
 * known, then everything, in order; a stream that ends before is an
 * error. */
GST_START_TEST (test_header_held_back_then_truncated)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/jpeg", &bus);
  gsize header_len;
  GByteArray *a = make_jpeg (640, 480, 70000, 1000, &header_len);
  GstBuffer *piece1 = gst_buffer_new_memdup (a->data, 5000);
  GstBuffer *piece2 = gst_buffer_new_memdup (a->data + 5000, 60000);
  GstBuffer *piece3 = gst_buffer_new_memdup (a->data + 65000, a->len - 65000);
  GstImgcompressImageInfo info;
  GstBuffer *out;

  g_object_set (h->element, "image-name", "cut", NULL);
  fail_unless (header_len > 65000);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (piece1)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (piece2)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_int (count_image_events (h), 0);
  fail_unless_equals_int (gst_harness_push (h, gst_buffer_ref (piece3)),
      GST_FLOW_OK);
  fail_unless (pull_image_event (h, &info));
  fail_unless_equals_int (info.width, 640);
  fail_unless_equals_int (info.height, 480);
  /* one buffer per image is assumed without a size from upstream: the
   * input bytes are those received when the header was complete */
  fail_unless_equals_uint64 (info.input_bytes, a->len);
  gst_imgcompress_image_info_clear (&info);
  out = gst_harness_pull (h);
  fail_unless (out == piece1);
  gst_buffer_unref (out);
  out = gst_harness_pull (h);
  fail_unless (out == piece2);
  gst_buffer_unref (out);
  out = gst_harness_pull (h);
  fail_unless (out == piece3);
  gst_buffer_unref (out);

  /* a piece2 image whose header never completes */
  fail_unless_equals_int (gst_harness_push (h,
                              gst_buffer_new_memdup (a->data, 3000)),
      GST_FLOW_OK);
  fail_unless (gst_harness_push_event (h, gst_event_new_eos ()));
  check_error (bus, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, "cut");
  fail_unless_equals_int (gst_harness_buffers_received (h), 3);

  gst_buffer_unref (piece1);
  gst_buffer_unref (piece2);
  gst_buffer_unref (piece3);
  g_byte_array_unref (a);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* One buffer per image: an image cut inside its Exif is refused when the
 * next image arrives, instead of taking the next image's header. */
GST_START_TEST (test_cut_image_then_next_image)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/jpeg", &bus);
  GByteArray *cut = make_jpeg (640, 480, 20000, 100, NULL);
  GByteArray *next = make_jpeg (800, 600, 0, 100, NULL);

  fail_unless_equals_int (gst_harness_push (h,
                              gst_buffer_new_memdup (cut->data, 5000)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h, buffer_from_array (next)),
      GST_FLOW_ERROR);
  check_error (bus, GST_STREAM_ERROR, GST_STREAM_ERROR_FORMAT, "image-0");
  fail_unless_equals_int (gst_harness_buffers_received (h), 0);
  fail_unless_equals_int (count_image_events (h), 0);

  g_byte_array_unref (cut);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* multifilesrc / appsrc: one buffer is one image; a buffer without a
 * signature continues the image before it. */
GST_START_TEST (test_two_images_in_one_stream)
{
  GstBus *bus;
  GstHarness *h = harness_with_bus ("image/jpeg", &bus);
  GByteArray *big = make_jpeg (6000, 4000, 0, 6 * MIB, NULL);
  GByteArray *small = make_jpeg (800, 600, 0, 1000, NULL);
  gsize big_len = big->len, small_len = small->len;
  GstImgcompressImageInfo info;

  fail_unless_equals_int (gst_harness_push (h, buffer_from_array (big)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h,
                              gst_buffer_new_memdup (small->data, 100)),
      GST_FLOW_OK);
  fail_unless_equals_int (gst_harness_push (h,
                              gst_buffer_new_memdup (small->data + 100,
                                  small_len - 100)),
      GST_FLOW_OK);

  fail_unless (pull_image_event (h, &info));
  fail_unless_equals_int (info.width, 6000);
  fail_unless_equals_int (info.height, 4000);
  fail_unless_equals_uint64 (info.input_bytes, big_len);
  fail_unless_equals_int (info.jpeg_quality, 75);
  fail_unless_equals_int (info.webp_quality, 70);
  fail_unless_equals_string (info.name, "image-0");
  gst_imgcompress_image_info_clear (&info);

  fail_unless (pull_image_event (h, &info));
  fail_unless_equals_int (info.width, 800);
  fail_unless_equals_int (info.height, 600);
  fail_unless_equals_int (info.jpeg_quality, 85);
  fail_unless_equals_int (info.webp_quality, 80);
  fail_unless_equals_string (info.name, "image-1");
  gst_imgcompress_image_info_clear (&info);
  fail_if (pull_image_event (h, &info));

  fail_unless_equals_int (gst_harness_buffers_received (h), 3);
  fail_unless (gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR) == NULL);
  g_byte_array_unref (small);
  gst_element_set_bus (h->element, NULL);
  gst_object_unref (bus);
  gst_harness_teardown (h);
}

GST_END_TEST;

/* filesrc: the name comes from the URI, the size from the duration in
 * bytes, the header spans many small buffers, the event comes before the
 * first buffer and the bytes come out unchanged.  filesrc sends no caps:
 * they come from the header, before the segment (T stream-start, C caps,
 * S segment, I image event, B buffers). */
typedef struct
{
  GString *order;
  GstImgcompressImageInfo info;
  GByteArray *bytes;
  GstImgcompressFormat caps_format;
  gint caps_width, caps_height;
  gboolean caps_header;
} Recorder;

static GstPadProbeReturn
record_probe (GstPad *pad, GstPadProbeInfo *pinfo, gpointer user_data)
{
  Recorder *rec = user_data;

  if (GST_PAD_PROBE_INFO_TYPE (pinfo) & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (pinfo);
    GstMapInfo map;

    if (rec->order->len == 0 || rec->order->str[rec->order->len - 1] != 'B')
      g_string_append_c (rec->order, 'B');
    gst_buffer_map (buffer, &map, GST_MAP_READ);
    g_byte_array_append (rec->bytes, map.data, map.size);
    gst_buffer_unmap (buffer, &map);
  } else {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (pinfo);
    GstImgcompressImageInfo info;

    if (gst_imgcompress_image_event_parse (event, &info)) {
      g_string_append_c (rec->order, 'I');
      gst_imgcompress_image_info_clear (&rec->info);
      rec->info = info;
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START) {
      g_string_append_c (rec->order, 'T');
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
      g_string_append_c (rec->order, 'S');
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS) {
      GstCaps *caps;
      GstStructure *s;

      gst_event_parse_caps (event, &caps);
      g_string_append_c (rec->order, 'C');
      rec->caps_format = gst_imgcompress_format_from_caps (caps);
      s = gst_caps_get_structure (caps, 0);
      gst_structure_get_int (s, "width", &rec->caps_width);
      gst_structure_get_int (s, "height", &rec->caps_height);
      gst_structure_get_boolean (s, GST_IMGCOMPRESS_CAPS_HEADER_FIELD,
          &rec->caps_header);
    }
  }
  return GST_PAD_PROBE_OK;
}

static GstMessage *
run_pipeline (GstElement *pipeline)
{
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;

  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  fail_unless (msg != NULL, "pipeline timed out");
  return msg;
}

GST_START_TEST (test_filesrc_name_size_and_order)
{
  GByteArray *a = make_jpeg (1280, 1024, 90000, 1500 * 1024, NULL);
  gchar *dir = g_dir_make_tmp ("aq-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "summer.photo.jpg", NULL);
  gchar *desc;
  GstElement *pipeline, *sink;
  GstPad *pad;
  GstMessage *msg;
  Recorder rec = { g_string_new (NULL),
    {
        0,
    },
    g_byte_array_new () };

  gst_imgcompress_image_info_init (&rec.info);
  fail_unless (g_file_set_contents (path, (gchar *) a->data, a->len, NULL));
  desc = g_strdup_printf ("filesrc location=\"%s\" blocksize=4096 ! "
                          "adaptivequality ! fakesink name=sink",
      path);
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      record_probe, &rec, NULL);

  msg = run_pipeline (pipeline);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  fail_unless_equals_string (rec.order->str, "TCSIB");
  fail_unless_equals_int (rec.caps_format, GST_IMGCOMPRESS_FORMAT_JPEG);
  /* the header is read once: its size travels in the caps */
  fail_unless_equals_int (rec.caps_width, 1280);
  fail_unless_equals_int (rec.caps_height, 1024);
  fail_unless (rec.caps_header);
  fail_unless_equals_string (rec.info.name, "summer.photo");
  fail_unless_equals_uint64 (rec.info.input_bytes, a->len);
  fail_unless_equals_int (rec.info.width, 1280);
  fail_unless_equals_int (rec.info.height, 1024);
  fail_unless_equals_int (rec.info.jpeg_quality, 80);
  fail_unless_equals_int (rec.bytes->len, a->len);
  fail_unless (memcmp (rec.bytes->data, a->data, a->len) == 0);

  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_unlink (path);
  g_rmdir (dir);
  g_free (desc);
  g_free (path);
  g_free (dir);
  g_byte_array_unref (a);
  g_byte_array_unref (rec.bytes);
  g_string_free (rec.order, TRUE);
  gst_imgcompress_image_info_clear (&rec.info);
}

GST_END_TEST;

GST_START_TEST (test_corpus_photo_event)
{
  gchar *path = imgcheck_corpus_file ("Kleiber_by_Lukas_Baubkus.jpg");
  gchar *desc;
  GstElement *pipeline, *sink;
  GstPad *pad;
  GstMessage *msg;
  GStatBuf st;
  Recorder rec = { g_string_new (NULL),
    {
        0,
    },
    g_byte_array_new () };

  gst_imgcompress_image_info_init (&rec.info);
  if (path == NULL)
    goto done;
  fail_unless (g_stat (path, &st) == 0);
  desc = g_strdup_printf ("filesrc location=\"%s\" ! typefind ! "
                          "adaptivequality ! fakesink name=sink",
      path);
  pipeline = gst_parse_launch (desc, NULL);
  g_free (desc);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      record_probe, &rec, NULL);
  msg = run_pipeline (pipeline);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);

  /* upstream's caps, then the image's with its size from the header */
  fail_unless_equals_string (rec.order->str, "TCSCIB");
  fail_unless_equals_string (rec.info.name, "Kleiber_by_Lukas_Baubkus");
  fail_unless_equals_uint64 (rec.info.input_bytes, st.st_size);
  fail_unless_equals_uint64 (rec.bytes->len, st.st_size);
  fail_unless_equals_int (rec.info.width, 6028);
  fail_unless_equals_int (rec.info.height, 3391);
  fail_unless_equals_int (rec.info.format, GST_IMGCOMPRESS_FORMAT_JPEG);
  /* 4.2 MiB: between 1 and 5 MiB */
  fail_unless_equals_int (rec.info.jpeg_quality, 80);
  fail_unless_equals_int (rec.info.webp_quality, 75);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);

done:
  g_free (path);
  g_byte_array_unref (rec.bytes);
  g_string_free (rec.order, TRUE);
  gst_imgcompress_image_info_clear (&rec.info);
}

GST_END_TEST;

/* A file cut inside its Exif: filesrc says how long it is, so the element
 * knows the header cannot complete. */
GST_START_TEST (test_filesrc_truncated_file)
{
  GByteArray *a = make_jpeg (1280, 1024, 90000, 10, NULL);
  gchar *dir = g_dir_make_tmp ("aq-XXXXXX", NULL);
  gchar *path = g_build_filename (dir, "cut.jpg", NULL);
  gchar *desc;
  GstElement *pipeline;
  GstMessage *msg;
  GError *error = NULL;

  fail_unless (g_file_set_contents (path, (gchar *) a->data, 50000, NULL));
  desc = g_strdup_printf ("filesrc location=\"%s\" ! adaptivequality ! "
                          "fakesink",
      path);
  pipeline = gst_parse_launch (desc, NULL);
  msg = run_pipeline (pipeline);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &error, NULL);
  fail_unless (g_error_matches (error, GST_STREAM_ERROR,
      GST_STREAM_ERROR_FORMAT));
  fail_unless (strstr (error->message, "cut") != NULL);
  g_error_free (error);
  gst_message_unref (msg);

  gst_object_unref (pipeline);
  g_unlink (path);
  g_rmdir (dir);
  g_free (desc);
  g_free (path);
  g_free (dir);
  g_byte_array_unref (a);
}

GST_END_TEST;

/* multifilesrc: one file per buffer, named from the pattern. */
GST_START_TEST (test_multifilesrc_images)
{
  gchar *dir = g_dir_make_tmp ("aq-XXXXXX", NULL);
  gchar *desc, *path;
  GstElement *pipeline, *sink;
  GstPad *pad;
  GstMessage *msg;
  GByteArray *a;
  Recorder rec = { g_string_new (NULL),
    {
        0,
    },
    g_byte_array_new () };
  guint i;

  gst_imgcompress_image_info_init (&rec.info);
  for (i = 0; i < 3; i++) {
    gchar name[32];
    g_snprintf (name, sizeof (name), "img%03u.png", i);
    path = g_build_filename (dir, name, NULL);
    a = make_png (100 + i, 50 + i, 8, 2, 10);
    fail_unless (g_file_set_contents (path, (gchar *) a->data, a->len, NULL));
    g_byte_array_unref (a);
    g_free (path);
  }
  desc = g_strdup_printf ("multifilesrc location=\"%s/img%%03d.png\" "
                          "stop-index=2 caps=image/png ! adaptivequality ! "
                          "fakesink name=sink",
      dir);
  pipeline = gst_parse_launch (desc, NULL);
  fail_unless (pipeline != NULL);
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      record_probe, &rec, NULL);

  msg = run_pipeline (pipeline);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  /* each image's caps carry its size, ahead of its image event */
  fail_unless_equals_string (rec.order->str, "TCSCIBCIBCIB");
  /* the last image */
  fail_unless_equals_string (rec.info.name, "img002");
  fail_unless_equals_int (rec.info.width, 102);
  fail_unless_equals_int (rec.info.height, 52);
  fail_unless_equals_int (rec.caps_width, 102);
  fail_unless_equals_int (rec.caps_height, 52);

  for (i = 0; i < 3; i++) {
    gchar name[32];
    g_snprintf (name, sizeof (name), "img%03u.png", i);
    path = g_build_filename (dir, name, NULL);
    g_unlink (path);
    g_free (path);
  }
  g_rmdir (dir);
  gst_object_unref (pad);
  gst_object_unref (sink);
  gst_object_unref (pipeline);
  g_free (desc);
  g_free (dir);
  g_byte_array_unref (rec.bytes);
  g_string_free (rec.order, TRUE);
  gst_imgcompress_image_info_clear (&rec.info);
}

GST_END_TEST;

static Suite *
adaptivequality_suite (void)
{
  Suite *s = suite_create ("adaptivequality");
  TCase *tc_sniff = tcase_create ("sniff");
  TCase *tc_bands = tcase_create ("bands");
  TCase *tc_element = tcase_create ("element");

  suite_add_tcase (s, tc_sniff);
  tcase_add_test (tc_sniff, test_sniff_jpeg_every_truncation);
  tcase_add_test (tc_sniff, test_sniff_jpeg_after_big_exif);
  tcase_add_test (tc_sniff, test_sniff_png_every_truncation);
  tcase_add_test (tc_sniff, test_sniff_webp_every_truncation);
  tcase_add_test (tc_sniff, test_sniff_invalid_headers);
  tcase_add_test (tc_sniff, test_sniff_signature);
  tcase_add_test (tc_sniff, test_sniff_still_formats);
  tcase_add_test (tc_sniff, test_sniff_real_encoders);
  tcase_add_test (tc_sniff, test_sniff_corpus_photo);
  tcase_add_test (tc_sniff, test_sniff_memory_inputs);

  suite_add_tcase (s, tc_bands);
  tcase_add_test (tc_bands, test_bands_default);
  tcase_add_test (tc_bands, test_bands_units_and_no_catch_all);
  tcase_add_test (tc_bands, test_bands_errors);

  suite_add_tcase (s, tc_element);
  tcase_add_test (tc_element, test_image_event_fields);
  tcase_add_test (tc_element, test_mode_off_and_custom_bands);
  tcase_add_test (tc_element, test_invalid_bands_fail_ready);
  tcase_add_test (tc_element, test_png_bomb_refused);
  tcase_add_test (tc_element, test_max_pixels_boundary);
  tcase_add_test (tc_element, test_unreadable_header_refused);
  tcase_add_test (tc_element, test_caps_format_mismatch_refused);
  tcase_add_test (tc_element, test_header_held_back_then_truncated);
  tcase_add_test (tc_element, test_two_images_in_one_stream);
  tcase_add_test (tc_element, test_cut_image_then_next_image);
  tcase_add_test (tc_element, test_filesrc_name_size_and_order);
  tcase_add_test (tc_element, test_corpus_photo_event);
  tcase_add_test (tc_element, test_filesrc_truncated_file);
  tcase_add_test (tc_element, test_multifilesrc_images);

  return s;
}

GST_CHECK_MAIN (adaptivequality);

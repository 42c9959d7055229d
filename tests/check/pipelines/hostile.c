/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Hostile uploads: every case of make-hostile.py (generated at test time)
 * goes through imgcompressbin and through the batch tool next to a valid
 * image. Each case states its outcome: decoded (six files of the right
 * sizes, the same picture as the valid image where it is one), or refused
 * with an error domain and words of the message, leaving no file at all.
 * Each run must stay within 5 s and 256 MiB peak RSS. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/app/gstappsink.h>
#include <gst/check/gstcheck.h>
#include <gst/imgcompress/imgcompress.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imgcheck.h"

#define TIME_CAP_S 5
#define MEMORY_CAP_KIB (256 * 1024)

/* The instrumented builds are slower and bigger: CI stretches the time cap
 * by CK_TIMEOUT_MULTIPLIER and does not apply the memory cap there. */
#if defined(__SANITIZE_ADDRESS__)
#define MEASURE_MEMORY FALSE
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MEASURE_MEMORY FALSE
#endif
#endif
#ifndef MEASURE_MEMORY
#define MEASURE_MEMORY TRUE
#endif

typedef enum
{
  DECODED, /* six files, sizes from width x height */
  REFUSED, /* error of @domain mentioning @words, no file */
} Outcome;

typedef struct
{
  const gchar *file;
  Outcome outcome;
  /* DECODED: the picture's size as the user sees it */
  guint width, height;
  gboolean same_as_valid; /* the picture of valid.jpg */
  /* REFUSED */
  GQuark (*domain) (void);
  const gchar *words[2];
} HostileCase;

/* *INDENT-OFF* */
static const HostileCase cases[] = {
  { "zero-bytes.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "is empty", NULL } },
  { "soi-only.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "soi-only", "header" } },
  { "jpeg-magic-random.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "header", NULL } },
  { "truncated-10.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "jpeg", "truncated" } },
  { "truncated-50.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "jpeg", "truncated" } },
  { "truncated-90.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "jpeg", "truncated" } },
  { "corrupt-entropy.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "jpeg", "corrupt" } },
  { "sof-65535x65535.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "65535 x 65535", "allowed" } },
  { "sof-60000x60000.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "60000 x 60000", "allowed" } },
  { "sof-width-0.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "damaged jpeg header", "width or height 0" } },
  { "sof-short.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "damaged jpeg header: frame header too short", NULL } },
  { "segment-past-end.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "damaged jpeg header: it ends after", NULL } },
  /* one file is one image: the primary photo, what follows it skipped */
  { "two-jpegs.jpg", DECODED, 640, 480, TRUE },
  { "mpf.jpg", DECODED, 640, 480, TRUE },
  { "trailing-bytes.jpg", DECODED, 640, 480, TRUE },
  /* libjpeg-turbo warns of a bogus progression long before scan 500; the
   * decoder stops on the warning (strict), so the CPU is never spent */
  { "progressive-5000-scans.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "jpeg", "corrupt" } },
  { "progressive.jpg", DECODED, 640, 480, TRUE },
  /* strict: refused though the thumbnail's DC scans are whole */
  { "progressive-cut-after-dc.jpg", REFUSED, 0, 0, FALSE,
      gst_stream_error_quark, { "jpeg", "truncated" } },
  { "cmyk.jpg", DECODED, 640, 480, TRUE },
  { "ycck.jpg", DECODED, 640, 480, TRUE },
  /* an IFD that claims 65535 entries: the entry that is there (orientation
   * 6, a quarter turn) is read, nothing past the segment */
  { "exif-ifd-count-ffff.jpg", DECODED, 480, 640, FALSE },
  { "exif-offset-past-end.jpg", DECODED, 640, 480, TRUE },
  { "exif-orientation-0.jpg", DECODED, 640, 480, TRUE },
  { "exif-orientation-9.jpg", DECODED, 640, 480, TRUE },
  { "arithmetic.jpg", DECODED, 640, 480, TRUE },
  { "precision-12.jpg", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "decode", "jpeg" } },
  { "png-truncated.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "truncated", NULL } },
  { "png-bad-crc.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "crc error in chunk idat", NULL } },
  /* adaptivequality reads the header first */
  { "png-bad-crc-ihdr.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "header", NULL } },
  { "png-idat-truncated.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "image data ends after 6 of 48 rows", NULL } },
  /* 1 GiB of zeros after the rows: never inflated */
  { "png-zlib-bomb.png", DECODED, 100, 100, FALSE },
  { "png-chunk-length-fffffff0.png", REFUSED, 0, 0, FALSE,
      gst_stream_error_quark,
      { "chunk idat has a length of 4294967280", NULL } },
  { "png-trns-longer-than-plte.png", REFUSED, 0, 0, FALSE,
      gst_stream_error_quark,
      { "trns chunk has 20 entries", "16 of its palette" } },
  { "png-16bit-palette.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "header", NULL } },
  /* over videoconvert's 32767: valid, so decoded */
  { "png-40000x2.png", DECODED, 40000, 2, FALSE },
  { "png-16bit-rgb.png", DECODED, 64, 48, FALSE },
  { "png-trns-colour-key.png", DECODED, 64, 48, FALSE },
  { "png-bomb-30000x30000.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "30000 x 30000", "allowed" } },
  { "png-ihdr-bad-crc.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "damaged png header: crc error in chunk ihdr", NULL } },
  { "png-ihdr-truncated.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "damaged png header: it ends after 24 bytes", NULL } },
  { "png-16bit-alpha.png", DECODED, 64, 48, FALSE },
  { "png-palette-trns.png", DECODED, 64, 48, FALSE },
  /* libspng stores at most 1000 chunks */
  { "png-10000-text-chunks.png", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "more metadata", NULL } },
  { "webp-riff-size-fffffff0.webp", REFUSED, 0, 0, FALSE,
      gst_stream_error_quark, { "riff", "size" } },
  { "webp-truncated.webp", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "webp", "truncated" } },
  { "vp8-16383x16383.webp", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "16383 x 16383", "allowed" } },
  /* the first frame */
  { "animated.webp", DECODED, 160, 120, FALSE },
  /* HEIF, AVIF, GIF, TIFF, BMP: the valid picture, then truncated,
   * bomb-sized headers (adaptivequality refuses them), corrupt, and
   * mislabelled (the content decides) */
  { "ok.heic", DECODED, 640, 480, TRUE },
  { "heif-truncated.heic", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "heif", "truncated" } },
  { "heif-ispe-60000x60000.heic", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "60000 x 60000", "allowed" } },
  { "heif-corrupt.heic", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "heif image is damaged", NULL } },
  { "heif-named.jpg", DECODED, 640, 480, TRUE },
  { "ok.avif", DECODED, 640, 480, TRUE },
  { "avif-truncated.avif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "avif", "truncated" } },
  { "avif-ispe-60000x60000.avif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "60000 x 60000", "allowed" } },
  { "avif-meta-size-0.avif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "size 0", NULL } },
  { "avif-nclx-reserved.avif", DECODED, 640, 480, TRUE },
  { "ok.gif", DECODED, 640, 480, TRUE },
  { "gif-truncated.gif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "gif file is truncated", NULL } },
  { "gif-screen-65535x65535.gif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "65535 x 65535", "allowed" } },
  /* the frame, not only the screen, is held to max-pixels */
  { "gif-frame-30000x30000.gif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "30000x30000", "allowed" } },
  { "gif-corrupt.gif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "gif image is damaged", NULL } },
  { "gif-named.png", DECODED, 640, 480, TRUE },
  { "ok.tif", DECODED, 640, 480, TRUE },
  /* Pillow writes the directory after the strips: the header is cut */
  { "tiff-truncated.tif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "damaged tiff header", "ends after" } },
  { "tiff-60000x60000.tif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "60000 x 60000", "allowed" } },
  { "tiff-corrupt.tif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "tiff", "damaged" } },
  { "tiff-ifd-past-end.tif", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "damaged tiff header", NULL } },
  { "ok.bmp", DECODED, 640, 480, TRUE },
  /* gdk-pixbuf alone would fill the missing rows with black */
  { "bmp-truncated.bmp", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "bmp file is truncated", "239 of 480 rows" } },
  { "bmp-60000x60000.bmp", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "60000 x 60000", "allowed" } },
  { "bmp-negative-width.bmp", REFUSED, 0, 0, FALSE, gst_stream_error_quark,
      { "damaged bmp header: negative width", NULL } },
  { "bmp-named.gif", DECODED, 640, 480, TRUE },
  { "png-named.jpg", DECODED, 64, 48, FALSE },
  { "jpeg-named.png", DECODED, 640, 480, TRUE },
  /* the tool takes a directory as a folder of inputs: see tool_case () */
  { "directory.jpg", REFUSED, 0, 0, FALSE, gst_resource_error_quark,
      { "directory", NULL } },
  /* refused unless the tests run as root, who may read it: see
   * effective_case () */
  { "mode-000.jpg", REFUSED, 0, 0, FALSE, gst_resource_error_quark,
      { "reading", NULL } },
};
/* *INDENT-ON* */

static const struct
{
  const gchar *name;
  guint box;
} variants[] = { { "thumbnail", 150 }, { "preview", 500 }, { "full", 2048 } };

static const gchar *exts[] = { "jpg", "webp" };

static gchar *cases_dir;

static gchar *
case_path (const gchar *file)
{
  return g_build_filename (cases_dir, file, NULL);
}

static gchar *
stem_of (const gchar *file)
{
  return g_strndup (file, strrchr (file, '.') - file);
}

static HostileCase
effective_case (const HostileCase *c)
{
  HostileCase e = *c;
  gchar *path = case_path (c->file);

  /* root reads a mode 000 file: it is then the valid picture */
  if (g_str_equal (c->file, "mode-000.jpg") && access (path, R_OK) == 0) {
    e.outcome = DECODED;
    e.width = 640;
    e.height = 480;
    e.same_as_valid = TRUE;
  }
  g_free (path);
  return e;
}

static gdouble
time_cap_us (void)
{
  const gchar *m = g_getenv ("CK_TIMEOUT_MULTIPLIER");
  gdouble mult = m ? g_ascii_strtod (m, NULL) : 1.0;

  return TIME_CAP_S * G_USEC_PER_SEC * MAX (mult, 1.0);
}

static gboolean
contains_word (const gchar *message, const gchar *word)
{
  gchar *m = g_ascii_strdown (message, -1);
  gboolean found = strstr (m, word) != NULL;

  g_free (m);
  return found;
}

/* The six files of a decoded case: present, decodable by the stock
 * decoders, of the fitted size, and the valid picture where it is one. */
static void
check_variants (const gchar *outdir, const HostileCase *c, const gchar *stem)
{
  gchar *valid = case_path ("valid.jpg");
  guint v, f;

  for (v = 0; v < G_N_ELEMENTS (variants); v++) {
    guint ew, eh;

    gst_imgcompress_fit_box (c->width, c->height, 1, 1, variants[v].box,
        variants[v].box, FALSE, &ew, &eh);
    for (f = 0; f < G_N_ELEMENTS (exts); f++) {
      gchar *path = g_strdup_printf ("%s/%s/%s.%s", outdir, variants[v].name,
          stem, exts[f]);
      GstVideoInfo info, ref_info;
      GstBuffer *out, *ref;

      fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR), "%s: no %s",
          c->file, path);
      out = imgcheck_decode_gray (path, 0, 0, &info);
      fail_unless (out != NULL, "%s: %s does not decode", c->file, path);
      fail_unless (GST_VIDEO_INFO_WIDTH (&info) == (gint) ew &&
              GST_VIDEO_INFO_HEIGHT (&info) == (gint) eh,
          "%s: %s is %dx%d, not %ux%u", c->file, path,
          GST_VIDEO_INFO_WIDTH (&info), GST_VIDEO_INFO_HEIGHT (&info), ew, eh);
      /* at thumbnail size, where the generated image's noise averages
       * out: the same picture, the right way up and not inverted */
      if (c->same_as_valid && variants[v].box == 150) {
        gdouble ssim;

        ref = imgcheck_decode_gray (valid, ew, eh, &ref_info);
        fail_unless (ref != NULL);
        ssim = imgcheck_frame_luma_ssim (out, &info, ref, &ref_info);
        fail_unless (ssim > 0.9, "%s: %s has SSIM %.3f against valid.jpg",
            c->file, path, ssim);
        gst_buffer_unref (ref);
      }
      gst_buffer_unref (out);
      g_free (path);
    }
  }
  g_free (valid);
}

/* Peak RSS of this process, which check forked for this case alone; -1
 * where it says nothing (no fork, instrumented build). */
static glong
check_own_memory (const gchar *file)
{
  struct rusage ru;

  if (!MEASURE_MEMORY || g_strcmp0 (g_getenv ("CK_FORK"), "no") == 0)
    return -1;
  fail_unless (getrusage (RUSAGE_SELF, &ru) == 0);
  fail_unless (ru.ru_maxrss < MEMORY_CAP_KIB, "%s: peak RSS %ld KiB", file,
      ru.ru_maxrss);
  return ru.ru_maxrss;
}

/* One line per case for the record (the report's table). */
static void
print_result (const gchar *path, const gchar *file, const gchar *outcome,
    gint64 elapsed_us, glong maxrss_kib)
{
  g_print ("hostile: %-5s %-30s %-8s %6.3f s %7ld KiB\n", path, file, outcome,
      elapsed_us / 1e6, maxrss_kib);
}

/* A refusal in the stream ends the stream too, as a source ends it after
 * its error: an application that waits for EOS alone (gst-launch, when
 * the error came before its main loop ran) must not wait forever. */
static void
check_stream_ends (GstBus *bus, GstMessage *first,
    GstStateChangeReturn state_ret, const gchar *file)
{
  GstMessage *eos;

  if (GST_MESSAGE_TYPE (first) != GST_MESSAGE_ERROR ||
      state_ret == GST_STATE_CHANGE_FAILURE)
    return;
  eos = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_EOS);
  fail_unless (eos != NULL, "%s: no EOS after the error", file);
  gst_message_unref (eos);
}

/* `filesrc ! imgcompressbin`, one case per forked test. */
GST_START_TEST (test_bin_case)
{
  HostileCase c = effective_case (&cases[__i__]);
  gchar *input = case_path (c.file), *stem = stem_of (c.file);
  gchar *outdir = g_dir_make_tmp ("hostile-bin-XXXXXX", NULL);
  GstElement *pipeline, *bin, *src;
  GstStateChangeReturn state_ret;
  GstMessage *msg;
  GstBus *bus;
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  gint64 start, elapsed;

  pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("filesrc", NULL);
  bin = gst_element_factory_make ("imgcompressbin", NULL);
  fail_unless (src && bin);
  g_object_set (src, "location", input, NULL);
  g_object_set (bin, "output-dir", outdir, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, bin, NULL);
  fail_unless (gst_element_link (src, bin));

  start = g_get_monotonic_time ();
  bus = gst_element_get_bus (pipeline);
  /* A refused input may fail the state change; the bus says why. */
  state_ret = gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  elapsed = g_get_monotonic_time () - start;
  fail_unless (msg != NULL, "%s: no EOS and no error", c.file);
  check_stream_ends (bus, msg, state_ret, c.file);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  GST_INFO ("%s: %s after %.3f s", c.file, GST_MESSAGE_TYPE_NAME (msg),
      elapsed / 1e6);
  fail_unless (elapsed < time_cap_us (), "%s: %.2f s", c.file, elapsed / 1e6);
  print_result ("bin", c.file,
      GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS ? "decoded" : "refused",
      elapsed, check_own_memory (c.file));

  imgcheck_list_files (outdir, files);
  if (c.outcome == DECODED) {
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gst_message_parse_error (msg, &err, NULL);
      fail ("%s: refused: %s", c.file, err->message);
    }
    fail_unless_equals_int (files->len, 6);
    check_variants (outdir, &c, stem);
  } else {
    GError *err = NULL;
    guint w;

    fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR,
        "%s: decoded, but it must be refused", c.file);
    gst_message_parse_error (msg, &err, NULL);
    fail_unless (err->domain == c.domain (), "%s: error of domain %s: %s",
        c.file, g_quark_to_string (err->domain), err->message);
    for (w = 0; w < G_N_ELEMENTS (c.words) && c.words[w]; w++)
      fail_unless (contains_word (err->message, c.words[w]),
          "%s: '%s' not in '%s'", c.file, c.words[w], err->message);
    fail_unless (files->len == 0, "%s: refused but left %s", c.file,
        (gchar *) g_ptr_array_index (files, 0));
    g_error_free (err);
  }

  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_ptr_array_unref (files);
  imgcheck_remove_tree (outdir);
  g_free (outdir);
  g_free (stem);
  g_free (input);
}

GST_END_TEST;

/* Runs the tool with @argv, returns its exit status and its stderr, with
 * the wall time and its peak RSS (wait4). */
static gint
run_tool (gchar **argv, gchar **err_out, gint64 *elapsed_us, glong *maxrss_kib)
{
  GPid pid;
  gint err_fd, status = 0;
  GString *err = g_string_new (NULL);
  struct rusage ru;
  gchar buf[4096];
  gssize n;
  gint64 start = g_get_monotonic_time ();

  fail_unless (g_spawn_async_with_pipes (NULL, argv, NULL,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
      NULL, NULL, &err_fd, NULL));
  while ((n = read (err_fd, buf, sizeof (buf))) > 0)
    g_string_append_len (err, buf, n);
  close (err_fd);
  fail_unless (wait4 (pid, &status, 0, &ru) == pid);
  g_spawn_close_pid (pid);
  *elapsed_us = g_get_monotonic_time () - start;
  *maxrss_kib = ru.ru_maxrss;
  *err_out = g_string_free (err, FALSE);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* The tool, on the case and valid.jpg in one batch. A directory named like
 * an image is given inside a folder of inputs, where the tool must not take
 * it for an image. */
GST_START_TEST (test_tool_case)
{
  HostileCase c = effective_case (&cases[__i__]);
  gboolean as_folder = g_str_equal (c.file, "directory.jpg");
  gchar *input = case_path (c.file), *valid = case_path ("valid.jpg");
  gchar *stem = stem_of (c.file);
  gchar *outdir = g_dir_make_tmp ("hostile-tool-XXXXXX", NULL);
  gchar *folder = NULL, *err = NULL;
  GPtrArray *argv = g_ptr_array_new ();
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  gint64 elapsed;
  glong maxrss;
  gint status;
  guint expected_files, w, i;

  if (g_getenv ("IMGCOMPRESS_TOOL") == NULL) {
    g_printerr ("SKIPPING: IMGCOMPRESS_TOOL is not set\n");
    return;
  }
  g_ptr_array_add (argv, (gpointer) g_getenv ("IMGCOMPRESS_TOOL"));
  g_ptr_array_add (argv, (gpointer) "-q");
  g_ptr_array_add (argv, (gpointer) "-o");
  g_ptr_array_add (argv, outdir);
  if (as_folder) {
    gchar *dir_copy, *valid_copy;

    folder = g_dir_make_tmp ("hostile-in-XXXXXX", NULL);
    dir_copy = g_build_filename (folder, c.file, NULL);
    valid_copy = g_build_filename (folder, "valid.jpg", NULL);
    fail_unless (g_mkdir (dir_copy, 0755) == 0);
    fail_unless (link (valid, valid_copy) == 0 ||
        symlink (valid, valid_copy) == 0);
    g_ptr_array_add (argv, folder);
    g_free (dir_copy);
    g_free (valid_copy);
  } else {
    g_ptr_array_add (argv, input);
    g_ptr_array_add (argv, valid);
  }
  g_ptr_array_add (argv, NULL);

  status = run_tool ((gchar **) argv->pdata, &err, &elapsed, &maxrss);
  GST_INFO ("%s: exit %d after %.3f s, peak RSS %ld KiB\n%s", c.file, status,
      elapsed / 1e6, maxrss, err);
  print_result ("tool", c.file,
      status == 0     ? "exit 0" :
          status == 1 ? "exit 1" :
                        "exit ?",
      elapsed, MEASURE_MEMORY ? maxrss : -1);
  fail_unless (elapsed < time_cap_us (), "%s: %.2f s", c.file, elapsed / 1e6);
  if (MEASURE_MEMORY)
    fail_unless (maxrss < MEMORY_CAP_KIB, "%s: peak RSS %ld KiB", c.file,
        maxrss);

  imgcheck_list_files (outdir, files);
  if (as_folder) {
    fail_unless_equals_int (status, 0);
    expected_files = 6;
  } else if (c.outcome == DECODED) {
    fail_unless (status == 0, "%s: exit %d: %s", c.file, status, err);
    check_variants (outdir, &c, stem);
    expected_files = 12;
  } else {
    fail_unless (status == 1, "%s: exit %d: %s", c.file, status, err);
    fail_unless (strstr (err, input) != NULL, "%s: not named in: %s", c.file,
        err);
    for (w = 0; w < G_N_ELEMENTS (c.words) && c.words[w]; w++)
      fail_unless (contains_word (err, c.words[w]), "%s: '%s' not in '%s'",
          c.file, c.words[w], err);
    expected_files = 6;
  }

  /* the valid image is complete, and nothing else (no temporary file) */
  {
    HostileCase v = { "valid.jpg", DECODED, 640, 480, TRUE };
    check_variants (outdir, &v, "valid");
  }
  for (i = 0; i < files->len; i++)
    GST_LOG ("left: %s", (gchar *) g_ptr_array_index (files, i));
  fail_unless (files->len == expected_files, "%s: %u files left, not %u",
      c.file, files->len, expected_files);

  if (folder) {
    imgcheck_remove_tree (folder);
    g_free (folder);
  }
  imgcheck_remove_tree (outdir);
  g_free (outdir);
  g_free (err);
  g_free (stem);
  g_free (valid);
  g_free (input);
  g_ptr_array_unref (files);
  g_ptr_array_unref (argv);
}

GST_END_TEST;

/* fuzz_imgcompressbin's first finding: an empty buffer from appsrc, then
 * EOS, ended in neither EOS nor an error (a g_critical in adaptivequality,
 * then a pipeline waiting for ever). */
GST_START_TEST (test_appsrc_empty_buffer)
{
  gchar *outdir = g_dir_make_tmp ("hostile-appsrc-XXXXXX", NULL);
  GstElement *pipeline, *src, *bin;
  GstMessage *msg;
  GError *err = NULL;
  GstBus *bus;
  GstFlowReturn flow;

  pipeline = gst_pipeline_new (NULL);
  src = gst_element_factory_make ("appsrc", NULL);
  bin = gst_element_factory_make ("imgcompressbin", NULL);
  fail_unless (src && bin);
  g_object_set (bin, "output-dir", outdir, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, bin, NULL);
  fail_unless (gst_element_link (src, bin));
  g_signal_emit_by_name (src, "push-buffer", gst_buffer_new (), &flow);
  g_signal_emit_by_name (src, "end-of-stream", &flow);

  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, TIME_CAP_S * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL, "no EOS and no error within %d s", TIME_CAP_S);
  fail_unless (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR);
  gst_message_parse_error (msg, &err, NULL);
  fail_unless (err->domain == GST_STREAM_ERROR, "%s", err->message);
  fail_unless (contains_word (err->message, "empty"), "%s", err->message);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_error_free (err);
  gst_message_unref (msg);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  imgcheck_remove_tree (outdir);
  g_free (outdir);
}

GST_END_TEST;

static Suite *
hostile_suite (void)
{
  Suite *s = suite_create ("hostile");
  TCase *bin = tcase_create ("imgcompressbin");
  TCase *tool = tcase_create ("tool");

  suite_add_tcase (s, bin);
  suite_add_tcase (s, tool);
  tcase_add_loop_test (bin, test_bin_case, 0, G_N_ELEMENTS (cases));
  tcase_add_loop_test (tool, test_tool_case, 0, G_N_ELEMENTS (cases));
  tcase_add_test (bin, test_appsrc_empty_buffer);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;
  int failed;

  gst_check_init (&argc, &argv);
  cases_dir = imgcheck_generate_cases ("pipelines/make-hostile.py",
      "hostile-cases-XXXXXX");
  if (cases_dir == NULL)
    return 1;
  s = hostile_suite ();
  failed = gst_check_run_suite (s, "hostile", __FILE__);
  imgcheck_remove_tree (cases_dir);
  g_free (cases_dir);
  return failed;
}

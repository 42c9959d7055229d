/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The batch tool, driven as a user drives it: its rules, its config file,
 * its outputs, exit status, metrics files and behaviour on bad input and
 * on Ctrl-C. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/imgcompress/imgcompress.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>

#include "imgcheck.h"
#include "imgcompress-config.h"

static const gchar *small_photos[] = { "FreshFlower.jpg", "GreenMeadow.jpg",
  "Aqua.jpg", "GreenTraditional.jpg", "Garden.jpg", "YellowFlower.jpg" };

static gchar *workdir;

static void
setup (void)
{
  workdir = g_dir_make_tmp ("imgcompress-tool-XXXXXX", NULL);
}

static void
teardown (void)
{
  imgcheck_remove_tree (workdir);
  g_free (workdir);
}

/* Runs the tool with @args (NULL-terminated), returns its exit status. */
static gint
run_tool (gchar **stderr_out, const gchar *first, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;
  gchar *err = NULL;
  gint status = -1;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("IMGCOMPRESS_TOOL"));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  fail_unless (g_spawn_sync (NULL, (gchar **) argv->pdata, NULL,
      G_SPAWN_DEFAULT, NULL, NULL, NULL, &err, &status, NULL));
  g_ptr_array_unref (argv);
  GST_INFO ("tool stderr:\n%s", err);
  if (stderr_out)
    *stderr_out = err;
  else
    g_free (err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* Copies @n corpus photos into a fresh input directory; NULL (test skips
 * loudly) when the corpus is unavailable. */
static gchar *
make_input_dir (guint n, const gchar *suffix)
{
  gchar *corpus = imgcheck_corpus_dir ();
  gchar *dir;
  guint i;

  if (corpus == NULL)
    return NULL;
  dir = g_build_filename (workdir, "in", NULL);
  g_mkdir_with_parents (dir, 0755);
  for (i = 0; i < n; i++) {
    const gchar *photo = small_photos[i % G_N_ELEMENTS (small_photos)];
    gchar *src = g_build_filename (corpus, photo, NULL);
    gchar *dst_name = g_strdup_printf ("%02u-%s%s", i, photo, suffix);
    gchar *dst = g_build_filename (dir, dst_name, NULL);
    gchar *data;
    gsize size;

    fail_unless (g_file_get_contents (src, &data, &size, NULL), "%s", src);
    fail_unless (g_file_set_contents (dst, data, size, NULL));
    g_free (data);
    g_free (dst);
    g_free (dst_name);
    g_free (src);
  }
  g_free (corpus);
  return dir;
}

GST_START_TEST (test_thread_rule)
{
  fail_unless_equals_int (imgcompress_threads_for_cores (1), 1);
  fail_unless_equals_int (imgcompress_threads_for_cores (2), 2);
  fail_unless_equals_int (imgcompress_threads_for_cores (4), 4);
  fail_unless_equals_int (imgcompress_threads_for_cores (8), 6);
  fail_unless_equals_int (imgcompress_threads_for_cores (16), 14);
}

GST_END_TEST;

GST_START_TEST (test_chunk_size_from_memory)
{
  const guint64 mb = 1024 * 1024;

  /* 50 % of what is available, 30 MB an image, clamped to 5..30. */
  fail_unless_equals_int (imgcompress_chunk_size_for_memory (100 * mb, 30 * mb),
      5);
  fail_unless_equals_int (imgcompress_chunk_size_for_memory (600 * mb, 30 * mb),
      10);
  fail_unless_equals_int (imgcompress_chunk_size_for_memory (24000 * mb,
                              30 * mb),
      30);
  fail_unless_equals_int (imgcompress_chunk_size_for_memory (0, 30 * mb), 5);
}

GST_END_TEST;

static gchar *
write_config (const gchar *text)
{
  gchar *path = g_build_filename (workdir, "test.ini", NULL);

  fail_unless (g_file_set_contents (path, text, -1, NULL));
  return path;
}

GST_START_TEST (test_config_valid)
{
  ImgcompressConfig config;
  const GstImgcompressVariantInfo *small, *big;
  GError *error = NULL;
  gchar *path;

  path =
      write_config ("[general]\nmax_threads = 3\nchunk_size = 7\n"
                    "formats = webp\nlayout = date\nadaptive = false\n"
                    "[variant small]\nmax_dimension = 100\njpeg_quality = 70\n"
                    "webp_quality = 60\n[variant big]\nmax_dimension = 900\n"
                    "jpeg_quality = 88\nwebp_quality = 82\n");
  imgcompress_config_init (&config);
  fail_unless (imgcompress_config_load_file (&config, path, &error), "%s",
      error ? error->message : "");
  fail_unless_equals_int (config.threads, 3);
  fail_unless_equals_int (config.chunk_size, 7);
  fail_unless_equals_string (config.formats, "webp");
  fail_unless_equals_int (config.layout, IMGCOMPRESS_LAYOUT_DATE);
  fail_unless (!config.adaptive);
  fail_unless_equals_int (config.variants->len, 2);
  small = &g_array_index (config.variants, GstImgcompressVariantInfo, 0);
  big = &g_array_index (config.variants, GstImgcompressVariantInfo, 1);
  fail_unless_equals_string (small->variant, "small");
  fail_unless_equals_int (big->max_dimension, 900);
  fail_unless_equals_int (big->jpeg_quality, 88);
  fail_unless_equals_int (big->webp_quality, 82);
  imgcompress_config_clear (&config);
  g_free (path);
}

GST_END_TEST;

GST_START_TEST (test_shipped_configs_load)
{
  static const struct
  {
    const gchar *file;
    guint n_variants;
  } configs[] = { { "low-memory.ini", 2 }, { "high-memory.ini", 3 } };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (configs); i++) {
    ImgcompressConfig config;
    GError *error = NULL;
    gchar *path = g_build_filename (IMGCOMPRESS_SOURCE_ROOT, "examples",
        "config", configs[i].file, NULL);

    imgcompress_config_init (&config);
    fail_unless (imgcompress_config_load_file (&config, path, &error), "%s: %s",
        path, error ? error->message : "");
    fail_unless_equals_int (config.variants->len, configs[i].n_variants);
    fail_unless_equals_string (g_array_index (config.variants,
                                   GstImgcompressVariantInfo, 0)
                                   .variant,
        "thumbnail");
    imgcompress_config_clear (&config);
    g_free (path);
  }
}

GST_END_TEST;

GST_START_TEST (test_config_invalid_cases)
{
  static const struct
  {
    const gchar *text;
    const gchar *words[3];
  } cases[] = {
    { "[general]\nmax_threads = 0\n", { "[general]", "max_threads", "1 to" } },
    { "[general]\nchunk_size = 31\n", { "[general]", "chunk_size", "30" } },
    { "[general]\ncolour = blue\n", { "[general]", "colour", "known" } },
    { "[general]\nlayout = tree\n", { "layout", "flat", "date" } },
    { "[general]\nformats = gif\n", { "formats", "jpeg", "webp" } },
    { "[variant x]\nmax_dimension = 0\njpeg_quality = 80\n"
      "webp_quality = 75\n",
        { "[variant x]", "max_dimension", "65535" } },
    { "[variant x]\nmax_dimension = 10\njpeg_quality = 101\n"
      "webp_quality = 75\n",
        { "[variant x]", "jpeg_quality", "100" } },
    { "[variant x]\nmax_dimension = 10\njpeg_quality = 80\n",
        { "[variant x]", "webp_quality", "required" } },
    { "[variant x]\nmax_dimension = 10\njpeg_quality = 80\n"
      "webp_quality = 75\nsharpen = 1\n",
        { "[variant x]", "sharpen", "known" } },
    { "[output]\ndir = x\n", { "[output]", "no such group", NULL } },
    { "[general\n", { "cannot read", NULL, NULL } },
  };
  guint i, w;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *path = write_config (cases[i].text);
    gchar *err = NULL;
    gint status;

    status = run_tool (&err, "-c", path, "-o", workdir, path, NULL);
    fail_unless_equals_int (status, 2);
    fail_unless (strstr (err, path) != NULL, "case %u: file not named: %s", i,
        err);
    for (w = 0; w < G_N_ELEMENTS (cases[i].words) && cases[i].words[w]; w++)
      fail_unless (strstr (err, cases[i].words[w]) != NULL,
          "case %u: '%s' not in: %s", i, cases[i].words[w], err);
    g_free (err);
    g_free (path);
  }
}

GST_END_TEST;

GST_START_TEST (test_usage_errors)
{
  gchar *err = NULL;

  fail_unless_equals_int (run_tool (&err, "--help", NULL), 0);
  g_free (err);
  fail_unless_equals_int (run_tool (&err, "-o", workdir, NULL), 2);
  g_free (err);
  fail_unless_equals_int (run_tool (&err, "--threads", "0", "-o", workdir,
                              workdir, NULL),
      2);
  g_free (err);
  fail_unless_equals_int (run_tool (&err, "--variants", "a:b:c", "-o", workdir,
                              workdir, NULL),
      2);
  fail_unless (strstr (err, "--variants") != NULL);
  g_free (err);
  fail_unless_equals_int (run_tool (&err, "--no-such-option", NULL), 2);
  g_free (err);
}

GST_END_TEST;

GST_START_TEST (test_sequential_below_five)
{
  gchar *in, *out, *err = NULL;

  in = make_input_dir (4, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (&err, "-v", "-j", "2", "-o", out, in, NULL),
      0);
  fail_unless (strstr (err, "1 in flight") != NULL, "%s", err);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 4 * 6);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

GST_START_TEST (test_parallel_from_five_and_json)
{
  gchar *in, *out, *json, *err = NULL;
  JsonParser *parser;
  JsonObject *root, *totals;
  JsonArray *images;
  guint i;

  in = make_input_dir (6, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  json = g_build_filename (workdir, "metrics.json", NULL);
  g_setenv ("IMGCOMPRESS_MEM_AVAILABLE", "629145600", TRUE); /* 600 MiB */
  fail_unless_equals_int (run_tool (&err, "-v", "-j", "2", "--metrics-json",
                              json, "-o", out, in, NULL),
      0);
  g_unsetenv ("IMGCOMPRESS_MEM_AVAILABLE");
  fail_unless (strstr (err, "chunk size 10") != NULL, "%s", err);
  fail_unless (strstr (err, "2 in flight") != NULL, "%s", err);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 6 * 6);

  parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (parser, json, NULL));
  root = json_node_get_object (json_parser_get_root (parser));
  images = json_object_get_array_member (root, "images");
  fail_unless_equals_int (json_array_get_length (images), 6);
  for (i = 0; i < 6; i++) {
    JsonObject *img = json_array_get_object_element (images, i);
    JsonArray *outputs = json_object_get_array_member (img, "outputs");
    guint j;

    fail_unless (json_object_get_boolean_member (img, "ok"));
    fail_unless_equals_int (json_array_get_length (outputs), 6);
    for (j = 0; j < 6; j++) {
      JsonObject *o = json_array_get_object_element (outputs, j);
      GStatBuf st;
      fail_unless (g_stat (json_object_get_string_member (o, "path"), &st) ==
          0);
      fail_unless_equals_int64 (json_object_get_int_member (o, "bytes"),
          st.st_size);
    }
  }
  totals = json_object_get_object_member (root, "totals");
  fail_unless_equals_int (json_object_get_int_member (totals, "ok"), 6);
  fail_unless_equals_int (json_object_get_int_member (totals, "failed"), 0);
  g_object_unref (parser);
  g_free (err);
  g_free (json);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* A memory budget smaller than any image runs them one at a time even with
 * two threads: no two images' processing overlaps. */
GST_START_TEST (test_memory_budget_serialises)
{
  gchar *in, *out, *json;
  JsonParser *parser;
  JsonArray *images;
  gdouble start[6], end[6];
  guint i, j, n;

  in = make_input_dir (6, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  json = g_build_filename (workdir, "metrics.json", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "-j", "2", "--memory-budget",
                              "1", "--metrics-json", json, "-o", out, in, NULL),
      0);

  parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (parser, json, NULL));
  images = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (parser)), "images");
  n = json_array_get_length (images);
  fail_unless_equals_int (n, 6);
  for (i = 0; i < n; i++) {
    JsonArray *outputs =
        json_object_get_array_member (json_array_get_object_element (images, i),
            "outputs");
    start[i] = G_MAXDOUBLE;
    end[i] = 0;
    for (j = 0; j < json_array_get_length (outputs); j++) {
      JsonObject *o = json_array_get_object_element (outputs, j);
      gdouble w = json_object_get_double_member (o, "written_at_s");
      gdouble p = json_object_get_double_member (o, "processing_time_s");
      start[i] = MIN (start[i], w - p);
      end[i] = MAX (end[i], w);
    }
  }
  for (i = 0; i < n; i++)
    for (j = i + 1; j < n; j++)
      fail_unless (end[i] <= start[j] + 0.002 || end[j] <= start[i] + 0.002,
          "images %u [%.3f, %.3f] and %u [%.3f, %.3f] overlap", i, start[i],
          end[i], j, start[j], end[j]);
  g_object_unref (parser);
  g_free (json);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

GST_START_TEST (test_thumbnails_first)
{
  gchar *in, *out, *json;
  JsonParser *parser;
  JsonArray *images;
  gdouble last_thumb = 0, first_other = G_MAXDOUBLE;
  guint i, j;

  in = make_input_dir (6, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  json = g_build_filename (workdir, "metrics.json", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "--thumbnails-first",
                              "--metrics-json", json, "-o", out, in, NULL),
      0);

  parser = json_parser_new ();
  fail_unless (json_parser_load_from_file (parser, json, NULL));
  images = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (parser)), "images");
  for (i = 0; i < json_array_get_length (images); i++) {
    JsonArray *outputs =
        json_object_get_array_member (json_array_get_object_element (images, i),
            "outputs");
    fail_unless_equals_int (json_array_get_length (outputs), 6);
    for (j = 0; j < json_array_get_length (outputs); j++) {
      JsonObject *o = json_array_get_object_element (outputs, j);
      gdouble t = json_object_get_double_member (o, "written_at_s");
      if (g_str_equal (json_object_get_string_member (o, "variant"),
              "thumbnail"))
        last_thumb = MAX (last_thumb, t);
      else
        first_other = MIN (first_other, t);
    }
  }
  fail_unless (last_thumb < first_other,
      "a larger variant (%.3f s) came before the last thumbnail (%.3f s)",
      first_other, last_thumb);
  g_object_unref (parser);
  g_free (json);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* --thumbnails-first makes every file of an image from one decode: each
 * input is read for its pixels once (the tool opens it with O_NONBLOCK for
 * that; the header sniff opens it without), not once per pass. */
GST_START_TEST (test_thumbnails_first_reads_once)
{
  gchar *in, *out, *trace, *log = NULL, *strace, **lines;
  gchar *argv[] = { NULL, (gchar *) "-f", (gchar *) "-e",
    (gchar *) "trace=openat", (gchar *) "-o", NULL,
    (gchar *) g_getenv ("IMGCOMPRESS_TOOL"), (gchar *) "-q",
    (gchar *) "--thumbnails-first", (gchar *) "-o", NULL, NULL, NULL };
  gint status = -1;
  guint i, reads = 0;

  strace = g_find_program_in_path ("strace");
  if (strace == NULL) {
    g_printerr ("SKIPPED test_thumbnails_first_reads_once: no strace "
                "(Debian package strace)\n");
    return;
  }
  in = make_input_dir (6, "");
  if (in == NULL) {
    g_free (strace);
    return;
  }
  out = g_build_filename (workdir, "out", NULL);
  trace = g_build_filename (workdir, "openat.txt", NULL);
  argv[0] = strace;
  argv[5] = trace;
  argv[10] = out;
  argv[11] = in;
  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
      NULL, NULL, NULL, &status, NULL));
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0, "status %d",
      status);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 36);

  fail_unless (g_file_get_contents (trace, &log, NULL, NULL));
  lines = g_strsplit (log, "\n", -1);
  for (i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], in) != NULL && strstr (lines[i], "O_NONBLOCK") &&
        !strstr (lines[i], "O_DIRECTORY"))
      reads++;
  fail_unless_equals_int (reads, 6);

  g_strfreev (lines);
  g_free (log);
  g_free (trace);
  g_free (out);
  g_free (in);
  g_free (strace);
}

GST_END_TEST;

GST_START_TEST (test_date_layout)
{
  gchar *in, *out, *dated;
  GDateTime *now;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "--layout", "date", "-o", out,
                              in, NULL),
      0);
  now = g_date_time_new_now_local ();
  dated = g_date_time_format (now, "%Y/%m/%d");
  fail_unless_equals_int (imgcheck_count_files (out, dated), 6);
  {
    gchar *thumb =
        g_strdup_printf ("%s/%s/thumbnail/00-FreshFlower.jpg", out, dated);
    fail_unless (g_file_test (thumb, G_FILE_TEST_IS_REGULAR), "%s", thumb);
    g_free (thumb);
  }
  g_date_time_unref (now);
  g_free (dated);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

#define LIBFAKETIME "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"

/* A run that crosses midnight (libfaketime: the wall clock starts 8 s
 * before midnight and runs 10 times as fast) keeps every file of the run in
 * one date folder: the date is fixed once per run. */
GST_START_TEST (test_date_layout_across_midnight)
{
  gchar *in, *out, *err = NULL, **envp, *month;
  gchar *argv[] = { (gchar *) g_getenv ("IMGCOMPRESS_TOOL"), (gchar *) "-q",
    (gchar *) "--thumbnails-first", (gchar *) "--layout", (gchar *) "date",
    (gchar *) "-o", NULL, NULL, NULL };
  gint status = -1;
  GDir *d;
  const gchar *name, *asan = g_getenv ("IMGCOMPRESS_ASAN_RUNTIME");
  guint n_days = 0;

  /* libfaketime cannot come before the ASan runtime, and after it the run
   * hangs (seen: over 400 s); the plain build runs this test. */
  if (asan != NULL && *asan != '\0') {
    g_printerr ("SKIPPED test_date_layout_across_midnight: libfaketime does "
                "not work under AddressSanitizer\n");
    return;
  }
  if (!g_file_test (LIBFAKETIME, G_FILE_TEST_EXISTS)) {
    g_printerr ("SKIPPED test_date_layout_across_midnight: no libfaketime "
                "(Debian package faketime)\n");
    return;
  }
  in = make_input_dir (12, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  argv[6] = out;
  argv[7] = in;
  envp = g_environ_setenv (g_get_environ (), "LD_PRELOAD", LIBFAKETIME, TRUE);
  envp = g_environ_setenv (envp, "FAKETIME", "@2026-12-02 23:59:52 x10", TRUE);
  envp = g_environ_setenv (envp, "FAKETIME_DONT_FAKE_MONOTONIC", "1", TRUE);
  fail_unless (g_spawn_sync (NULL, argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
      NULL, &err, &status, NULL));
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0, "%s", err);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 12 * 6);
  /* one date folder holds them all */
  month = g_build_filename (out, "2026", "12", NULL);
  d = g_dir_open (month, 0, NULL);
  fail_unless (d != NULL, "no %s", month);
  while ((name = g_dir_read_name (d)) != NULL)
    n_days++;
  g_dir_close (d);
  fail_unless_equals_int (n_days, 1);
  g_free (month);
  g_strfreev (envp);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

GST_START_TEST (test_bad_files_in_batch)
{
  gchar *in, *out, *err = NULL, *path;
  static const struct
  {
    const gchar *name;
    const gchar *data;
    gsize size;
  } bad[] = {
    { "empty.jpg", "", 0 },
    { "garbage.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF garbage garbage", 26 },
    { "text.png", "this is not a png", 17 },
  };
  guint i;

  in = make_input_dir (5, "");
  if (in == NULL)
    return;
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    path = g_build_filename (in, bad[i].name, NULL);
    fail_unless (g_file_set_contents (path, bad[i].data, bad[i].size, NULL));
    g_free (path);
  }
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (&err, "-j", "2", "-o", out, in, NULL), 1);
  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    gchar *stem =
        g_strndup (bad[i].name, strchr (bad[i].name, '.') - bad[i].name);
    fail_unless (strstr (err, bad[i].name) != NULL, "%s not reported: %s",
        bad[i].name, err);
    fail_unless_equals_int (imgcheck_count_files (out, stem), 0);
    g_free (stem);
  }
  /* The good images are complete; nothing temporary is left. */
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 5 * 6);
  fail_unless_equals_int (imgcheck_count_files (out, "imgcompress-tmp"), 0);
  fail_unless (strstr (err, "5 ok, 3 failed") != NULL, "%s", err);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Copies the corpus photo @photo to @dir/@name (raw bytes). */
static void
copy_photo (const gchar *photo, const gchar *dir, const gchar *name)
{
  gchar *corpus = imgcheck_corpus_file (photo);
  gchar *dst = g_build_filename (dir, name, NULL);
  gchar *data;
  gsize size;

  fail_unless (g_file_get_contents (corpus, &data, &size, NULL), "%s", corpus);
  fail_unless (g_file_set_contents (dst, data, size, NULL), "%s", dst);
  g_free (data);
  g_free (dst);
  g_free (corpus);
}

/* A clash (a.jpg beside a.jpeg) fails the two images involved, exit 1; the
 * others are made. */
GST_START_TEST (test_name_clash_fails_only_its_images)
{
  gchar *in, *out, *err = NULL;

  in = make_input_dir (5, "");
  if (in == NULL)
    return;
  copy_photo ("Aqua.jpg", in, "a.jpg");
  copy_photo ("Aqua.jpg", in, "a.jpeg");
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (&err, "-o", out, in, NULL), 1);
  fail_unless (strstr (err, "same file") != NULL, "%s", err);
  fail_unless (strstr (err, "a.jpg") && strstr (err, "a.jpeg"), "%s", err);
  fail_unless (strstr (err, "5 ok, 2 failed") != NULL, "%s", err);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 5 * 6);
  fail_unless_equals_int (imgcheck_count_files (out, "/a."), 0);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Names that differ never share an output after cleaning, even with
 * --overwrite; the JSON is valid UTF-8 and reports every true path. */
GST_START_TEST (test_cleaned_names_stay_apart)
{
  gchar long_a[231], long_b[231];
  const gchar *names[] = { "a\nb.jpg", "a_b.jpg", ".x.jpg", "_x.jpg", "a%d.jpg",
    "a0.jpg", "\xff.jpg", "\xfe.jpg", long_a, long_b };
  gchar *corpus, *in, *out, *json, *err = NULL, *text;
  GHashTable *paths =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonParser *parser;
  JsonArray *images;
  gsize len;
  guint i, j, n_hex = 0;

  corpus = imgcheck_corpus_dir ();
  if (corpus == NULL)
    return;
  g_free (corpus);
  /* two 226-byte stems that differ only in their last byte */
  memset (long_a, 'n', 226);
  memcpy (long_a + 226, ".jpg", 5);
  memcpy (long_b, long_a, sizeof (long_a));
  long_b[225] = 'm';
  in = g_build_filename (workdir, "in", NULL);
  g_mkdir (in, 0755);
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    copy_photo (small_photos[i % G_N_ELEMENTS (small_photos)], in, names[i]);
  out = g_build_filename (workdir, "out", NULL);
  json = g_build_filename (workdir, "metrics.json", NULL);
  fail_unless_equals_int (run_tool (&err, "--overwrite", "--metrics-json", json,
                              "-o", out, in, NULL),
      0);
  fail_unless (strstr (err, "10 ok, 0 failed") != NULL, "%s", err);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 10 * 6);

  fail_unless (g_file_get_contents (json, &text, &len, NULL));
  fail_unless (g_utf8_validate (text, len, NULL), "the JSON is not UTF-8");
  parser = json_parser_new ();
  fail_unless (json_parser_load_from_data (parser, text, len, NULL));
  images = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (parser)), "images");
  fail_unless_equals_int (json_array_get_length (images), 10);
  for (i = 0; i < 10; i++) {
    JsonObject *img = json_array_get_object_element (images, i);
    JsonArray *outputs = json_object_get_array_member (img, "outputs");

    fail_unless (json_object_get_boolean_member (img, "ok"));
    /* a name that is not UTF-8 keeps its raw bytes in hex */
    n_hex += json_object_has_member (img, "input_hex");
    for (j = 0; j < json_array_get_length (outputs); j++) {
      const gchar *path =
          json_object_get_string_member (json_array_get_object_element (outputs,
                                             j),
              "path");
      fail_unless (g_file_test (path, G_FILE_TEST_IS_REGULAR), "%s", path);
      fail_unless (g_hash_table_add (paths, g_strdup (path)),
          "two images reported at %s", path);
    }
  }
  fail_unless_equals_int (n_hex, 2);
  fail_unless_equals_int (g_hash_table_size (paths), 10 * 6);
  /* a name that needs no cleaning is kept as it is */
  {
    gchar *kept = g_build_filename (out, "full", "a_b.jpg", NULL);
    fail_unless (g_hash_table_contains (paths, kept), "%s", kept);
    g_free (kept);
  }
  g_object_unref (parser);
  g_hash_table_unref (paths);
  g_free (text);
  g_free (json);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

static guint
count_lines_starting (const gchar *text, const gchar *prefix)
{
  gchar **lines = g_strsplit (text, "\n", -1);
  guint i, n = 0;

  for (i = 0; lines[i] != NULL; i++)
    n += g_str_has_prefix (lines[i], prefix);
  g_strfreev (lines);
  return n;
}

/* A file name with a newline cannot forge a line of the report: control
 * characters are escaped in every message. */
GST_START_TEST (test_names_escaped_in_messages)
{
  const gchar *forged = "x\nimages: 2 ok, 0 failed\n\x1b[2J.jpg";
  gchar *in, *out, *path, *err = NULL;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  path = g_build_filename (in, forged, NULL);
  fail_unless (g_file_set_contents (path, "not an image", 12, NULL));
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (&err, "-v", "-o", out, in, NULL), 1);
  fail_unless_equals_int (count_lines_starting (err, "images:"), 1);
  fail_unless (strstr (err, "images: 1 ok, 1 failed") != NULL, "%s", err);
  fail_unless (strstr (err, "x\\nimages: 2 ok, 0 failed\\n\\x1b[2J.jpg"), "%s",
      err);
  fail_if (strchr (err, '\x1b') != NULL, "an escape sequence reached stderr");
  g_free (err);
  g_free (path);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Zeroes @len bytes at @offset of @path, in place (xattrs stay). */
static void
zero_bytes (const gchar *path, glong offset, gsize len)
{
  gchar *zeros = g_malloc0 (len);
  FILE *f = fopen (path, "r+b");

  fail_unless (f != NULL, "%s", path);
  fail_unless (fseek (f, offset, SEEK_SET) == 0);
  fail_unless_equals_int (fwrite (zeros, 1, len, f), len);
  fclose (f);
  g_free (zeros);
}

static guint
count_occurrences (const gchar *text, const gchar *needle)
{
  guint n = 0;

  for (; (text = strstr (text, needle)) != NULL; text++)
    n++;
  return n;
}

/* --skip-existing: a damaged file (its middle zeroed, its end kept) is
 * made again; an image whose name was cleaned is found and skipped. */
GST_START_TEST (test_skip_existing_finds_damage_and_cleaned_names)
{
  gchar *in, *out, *full, *err = NULL, *before, *after;
  gsize len_before, len_after;
  GStatBuf st;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  copy_photo ("Aqua.jpg", in, ".x.jpg");
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "-o", out, in, NULL), 0);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 2 * 6);

  full = g_build_filename (out, "full", "00-FreshFlower.jpg", NULL);
  fail_unless (g_file_get_contents (full, &before, &len_before, NULL));
  fail_unless (g_stat (full, &st) == 0 && st.st_size > 4096);
  zero_bytes (full, st.st_size / 4, st.st_size / 2);

  fail_unless_equals_int (run_tool (&err, "-v", "--skip-existing", "-o", out,
                              in, NULL),
      0);
  /* .x.jpg skipped, the damaged one made again */
  fail_unless_equals_int (count_occurrences (err, "skipped"), 1);
  fail_unless (strstr (err, ".x.jpg: every file exists, skipped"), "%s", err);
  fail_unless (g_file_get_contents (full, &after, &len_after, NULL));
  fail_unless_equals_uint64 (len_after, len_before);
  fail_unless (memcmp (before, after, len_before) == 0,
      "the damaged file was not made again");
  g_free (before);
  g_free (after);
  g_free (full);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Rewrites @path with the same bytes, as a copy does: a new file without
 * the checksum record. */
static void
copy_without_record (const gchar *path, gsize keep)
{
  gchar *data;
  gsize len;

  fail_unless (g_file_get_contents (path, &data, &len, NULL), "%s", path);
  fail_unless (g_unlink (path) == 0);
  fail_unless (g_file_set_contents (path, data, MIN (len, keep), NULL));
  g_free (data);
}

/* Files without a checksum record (copied, or on a file system without
 * user xattrs) are judged by decoding them: whole copies are skipped, a
 * copy cut short is made again. */
GST_START_TEST (test_skip_existing_decodes_unrecorded_files)
{
  const gchar *files[] = { "thumbnail/00-FreshFlower.jpg",
    "thumbnail/00-FreshFlower.webp", "preview/00-FreshFlower.jpg",
    "preview/00-FreshFlower.webp", "full/00-FreshFlower.jpg",
    "full/00-FreshFlower.webp" };
  gchar *in, *out, *err = NULL, *path;
  GStatBuf st;
  guint i;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "-o", out, in, NULL), 0);
  for (i = 0; i < G_N_ELEMENTS (files); i++) {
    path = g_build_filename (out, files[i], NULL);
    copy_without_record (path, G_MAXSIZE);
    g_free (path);
  }
  fail_unless_equals_int (run_tool (&err, "-v", "--skip-existing", "-o", out,
                              in, NULL),
      0);
  fail_unless (strstr (err, "skipped") != NULL, "%s", err);
  g_free (err);

  path = g_build_filename (out, "full", "00-FreshFlower.webp", NULL);
  fail_unless (g_stat (path, &st) == 0);
  copy_without_record (path, st.st_size / 2);
  fail_unless_equals_int (run_tool (&err, "-v", "--skip-existing", "-o", out,
                              in, NULL),
      0);
  fail_if (strstr (err, "skipped") != NULL, "%s", err);
  fail_unless (strstr (err, "wrote") != NULL, "%s", err);
  fail_unless_equals_int (gst_imgcompress_file_check (path),
      GST_IMGCOMPRESS_FILE_CHECK_OK);
  g_free (path);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* --layout date with --skip-existing finds an image's files in an earlier
 * date folder (all of them in one folder) and makes nothing today. */
GST_START_TEST (test_skip_existing_finds_earlier_days)
{
  gchar *in, *out, *today_dir, *old_dir, *err = NULL, *dated;
  GDateTime *now;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "--layout", "date", "-o", out,
                              in, NULL),
      0);
  now = g_date_time_new_now_local ();
  dated = g_date_time_format (now, "%Y/%m/%d");
  today_dir = g_build_filename (out, dated, NULL);
  old_dir = g_build_filename (out, "2020", "01", "01", NULL);
  g_mkdir_with_parents (old_dir, 0755);
  g_rmdir (old_dir);
  /* an earlier day's run, as far as the tool can tell */
  fail_unless (g_rename (today_dir, old_dir) == 0);

  fail_unless_equals_int (run_tool (&err, "-v", "--skip-existing", "--layout",
                              "date", "-o", out, in, NULL),
      0);
  fail_unless (strstr (err, "skipped") != NULL, "%s", err);
  fail_unless_equals_int (imgcheck_count_files (out, dated), 0);
  fail_unless_equals_int (imgcheck_count_files (out, "2020/01/01"), 6);

  g_date_time_unref (now);
  g_free (dated);
  g_free (old_dir);
  g_free (today_dir);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* -r with the output directory inside the input directory: later runs,
 * --skip-existing included, do not take the outputs for inputs. */
GST_START_TEST (test_output_dir_inside_input_dir)
{
  gchar *in, *out, *err = NULL;

  in = make_input_dir (2, "");
  if (in == NULL)
    return;
  out = g_build_filename (in, "out", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "-r", "-o", out, in, NULL), 0);
  fail_unless_equals_int (run_tool (&err, "-v", "-r", "--skip-existing", "-o",
                              out, in, NULL),
      0);
  fail_unless_equals_int (count_occurrences (err, "skipped"), 2);
  fail_unless (strstr (err, " 0 failed") != NULL, "%s", err);
  fail_unless_equals_int (run_tool (NULL, "-q", "-r", "--overwrite", "-o", out,
                              in, NULL),
      0);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 2 * 6);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

GST_START_TEST (test_prometheus_file)
{
  gchar *in, *out, *prom, *text;
  gchar **lines;
  guint i, n_buckets = 0;
  gdouble last = -1;
  gboolean have_count = FALSE;

  in = make_input_dir (2, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  prom = g_build_filename (workdir, "metrics.prom", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "--prometheus", prom, "-o", out,
                              in, NULL),
      0);
  fail_unless (g_file_get_contents (prom, &text, NULL, NULL));

  /* Text format: comments, then `name{labels} value`; histogram buckets
   * cumulative, ending with +Inf equal to _count. */
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    gchar *line = lines[i], *space;
    gdouble value;

    if (*line == '\0' || g_str_has_prefix (line, "# HELP ") ||
        g_str_has_prefix (line, "# TYPE "))
      continue;
    fail_if (*line == '#', "bad comment: %s", line);
    space = strrchr (line, ' ');
    fail_unless (space != NULL, "no value: %s", line);
    value = g_ascii_strtod (space + 1, NULL);
    if (g_str_has_prefix (line, "image_processing_seconds_bucket")) {
      fail_unless (value >= last, "buckets not cumulative: %s", line);
      last = value;
      n_buckets++;
    }
    if (g_str_has_prefix (line, "image_processing_seconds_count ")) {
      fail_unless_equals_float (value, 2);
      fail_unless_equals_float (last, 2);
      have_count = TRUE;
    }
    if (g_str_has_prefix (line, "imgcompress_images_total "))
      fail_unless_equals_float (value, 2);
  }
  fail_unless_equals_int (n_buckets, 6);
  fail_unless (have_count);
  fail_unless (strstr (text, "image_compression_ratio_bucket{le=\"0.3\"}"));
  fail_unless (strstr (text, "# TYPE image_processing_seconds histogram"));
  g_strfreev (lines);
  g_free (text);
  g_free (prom);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* The stale-temporary sweep removes only what this run could have left:
 * temporary files of its own outputs, in the directories it writes. */
GST_START_TEST (test_stale_temps_removed)
{
  gchar *in, *out, *dir, *other_dir, *stale, *fresh, *unrelated, *elsewhere;
  struct utimbuf old;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  dir = g_build_filename (out, "preview", NULL);
  other_dir = g_build_filename (out, "archive", "preview", NULL);
  g_mkdir_with_parents (dir, 0755);
  g_mkdir_with_parents (other_dir, 0755);
  stale = g_build_filename (dir, ".00-FreshFlower.jpg.a1b2c3.imgcompress-tmp",
      NULL);
  fresh = g_build_filename (dir, ".00-FreshFlower.jpg.d4e5f6.imgcompress-tmp",
      NULL);
  unrelated = g_build_filename (dir, ".old.jpg.a1b2c3.imgcompress-tmp", NULL);
  elsewhere = g_build_filename (other_dir,
      ".00-FreshFlower.jpg.a1b2c3.imgcompress-tmp", NULL);
  fail_unless (g_file_set_contents (stale, "x", 1, NULL));
  fail_unless (g_file_set_contents (fresh, "x", 1, NULL));
  fail_unless (g_file_set_contents (unrelated, "x", 1, NULL));
  fail_unless (g_file_set_contents (elsewhere, "x", 1, NULL));
  old.actime = old.modtime = time (NULL) - 2 * 3600;
  fail_unless (utime (stale, &old) == 0);
  fail_unless (utime (unrelated, &old) == 0);
  fail_unless (utime (elsewhere, &old) == 0);

  fail_unless_equals_int (run_tool (NULL, "-q", "-o", out, in, NULL), 0);
  fail_if (g_file_test (stale, G_FILE_TEST_EXISTS));
  /* Another run may be writing that one right now. */
  fail_unless (g_file_test (fresh, G_FILE_TEST_EXISTS));
  /* not a file this run writes, or not where it writes */
  fail_unless (g_file_test (unrelated, G_FILE_TEST_EXISTS));
  fail_unless (g_file_test (elsewhere, G_FILE_TEST_EXISTS));
  g_free (stale);
  g_free (fresh);
  g_free (unrelated);
  g_free (elsewhere);
  g_free (other_dir);
  g_free (dir);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

GST_START_TEST (test_sigint_leaves_no_temporaries)
{
  gchar *in, *out;
  gchar *argv[6];
  GPid pid;
  gint status;

  in = make_input_dir (12, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  argv[0] = (gchar *) g_getenv ("IMGCOMPRESS_TOOL");
  argv[1] = (gchar *) "-q";
  argv[2] = (gchar *) "-o";
  argv[3] = out;
  argv[4] = in;
  argv[5] = NULL;
  fail_unless (g_spawn_async (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
      NULL, &pid, NULL));
  /* Interrupt once the first files exist, mid-batch. */
  while (imgcheck_count_files (out, NULL) < 2 &&
      waitpid (pid, &status, WNOHANG) == 0)
    g_usleep (10000);
  kill (pid, SIGINT);
  fail_unless (waitpid (pid, &status, 0) == pid);
  fail_unless (WIFEXITED (status));
  fail_unless_equals_int (WEXITSTATUS (status), 130);
  fail_unless_equals_int (imgcheck_count_files (out, "imgcompress-tmp"), 0);
  /* Every image left is whole: all six files or none. */
  {
    guint i;
    for (i = 0; i < 12; i++) {
      gchar *prefix = g_strdup_printf ("/%02u-", i);
      guint n = imgcheck_count_files (out, prefix);
      fail_unless (n == 0 || n == 6, "image %u has %u files", i, n);
      g_free (prefix);
    }
  }
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Pillow (python3-pil) writes an animated WebP to @path; FALSE (the test
 * skips loudly) without it. */
static gboolean
write_animated_webp (const gchar *path)
{
  if (!imgcheck_have_pillow ())
    return FALSE;
  fail_unless (imgcheck_run_python (
                   "import sys\n"
                   "from PIL import Image\n"
                   "frames = [Image.new('RGB', (320, 200), c) for c in\n"
                   "          ((200, 30, 30), (30, 200, 30), (30, 30, 200))]\n"
                   "frames[0].save(sys.argv[1], save_all=True,\n"
                   "               append_images=frames[1:], duration=100)\n",
                   path),
      "the Pillow script failed");
  return TRUE;
}

/* An animated WebP: its first frame's six files, exit 0, and a warning
 * that names the file. */
GST_START_TEST (test_animated_webp)
{
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *input = g_build_filename (in, "anim.webp", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *err = NULL;

  g_mkdir_with_parents (in, 0755);
  if (write_animated_webp (input)) {
    fail_unless_equals_int (run_tool (&err, "-o", out, in, NULL), 0);
    fail_unless_equals_int (imgcheck_count_files (out, "anim."), 6);
    fail_unless (strstr (err,
                     "anim.webp: warning: Animated WebP: only the "
                     "first of its 3 frames is used") != NULL,
        "%s", err);
    fail_unless (strstr (err, "1 ok, 0 failed") != NULL, "%s", err);
    g_free (err);
  }
  g_free (out);
  g_free (input);
  g_free (in);
}

GST_END_TEST;

/* The tool on 16-bit RGB, 16-bit RGBA and a tRNS colour key: Pillow's
 * sizes and colours, alpha in WebP exactly where the source has it. */
GST_START_TEST (test_png_16bit_and_colour_key)
{
  static const gchar *names[] = { "rgb16.png", "rgba16.png", "trns-key.png" };
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *paths[G_N_ELEMENTS (names)];
  guint i;

  fail_unless (imgcheck_run_script ("pipelines/png-fidelity.py", "make", in,
      NULL, NULL));
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    paths[i] = g_build_filename (in, names[i], NULL);
  fail_unless_equals_int (run_tool (NULL, "--layout", "flat", "-o", out,
                              paths[0], paths[1], paths[2], NULL),
      0);
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *report = NULL;
    gboolean ok = imgcheck_run_script ("pipelines/png-fidelity.py", "check",
        paths[i], out, &report);

    GST_INFO ("%s", report);
    fail_unless (ok, "%s:\n%s", names[i], report);
    g_free (report);
    g_free (paths[i]);
  }
  g_free (out);
  g_free (in);
}

GST_END_TEST;

static Suite *
imgcompress_tool_suite (void)
{
  Suite *s = suite_create ("imgcompress-tool");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 120);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_thread_rule);
  tcase_add_test (tc, test_chunk_size_from_memory);
  tcase_add_test (tc, test_config_valid);
  tcase_add_test (tc, test_shipped_configs_load);
  tcase_add_test (tc, test_config_invalid_cases);
  tcase_add_test (tc, test_usage_errors);
  tcase_add_test (tc, test_sequential_below_five);
  tcase_add_test (tc, test_parallel_from_five_and_json);
  tcase_add_test (tc, test_memory_budget_serialises);
  tcase_add_test (tc, test_thumbnails_first);
  tcase_add_test (tc, test_thumbnails_first_reads_once);
  tcase_add_test (tc, test_date_layout);
  tcase_add_test (tc, test_date_layout_across_midnight);
  tcase_add_test (tc, test_bad_files_in_batch);
  tcase_add_test (tc, test_animated_webp);
  tcase_add_test (tc, test_png_16bit_and_colour_key);
  tcase_add_test (tc, test_name_clash_fails_only_its_images);
  tcase_add_test (tc, test_cleaned_names_stay_apart);
  tcase_add_test (tc, test_names_escaped_in_messages);
  tcase_add_test (tc, test_skip_existing_finds_damage_and_cleaned_names);
  tcase_add_test (tc, test_skip_existing_decodes_unrecorded_files);
  tcase_add_test (tc, test_skip_existing_finds_earlier_days);
  tcase_add_test (tc, test_output_dir_inside_input_dir);
  tcase_add_test (tc, test_prometheus_file);
  tcase_add_test (tc, test_stale_temps_removed);
  tcase_add_test (tc, test_sigint_leaves_no_temporaries);
  return s;
}

GST_CHECK_MAIN (imgcompress_tool);

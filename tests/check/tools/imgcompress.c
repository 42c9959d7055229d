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

/* Runs the tool with @args, @input (nullable) on its standard input;
 * returns its exit status. */
static gint
run_tool_va (GBytes *input, gchar **stderr_out, const gchar *first, va_list ap)
{
  GPtrArray *argv = g_ptr_array_new ();
  GSubprocess *proc;
  GBytes *err_bytes = NULL;
  const gchar *arg;
  gchar *err;
  gint status;

  g_ptr_array_add (argv, (gpointer) g_getenv ("IMGCOMPRESS_TOOL"));
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const gchar *const *) argv->pdata,
      (input ? G_SUBPROCESS_FLAGS_STDIN_PIPE : G_SUBPROCESS_FLAGS_NONE) |
          G_SUBPROCESS_FLAGS_STDERR_PIPE,
      NULL);
  fail_unless (proc != NULL);
  fail_unless (g_subprocess_communicate (proc, input, NULL, NULL, &err_bytes,
      NULL));
  g_ptr_array_unref (argv);
  err = g_strndup (g_bytes_get_data (err_bytes, NULL),
      g_bytes_get_size (err_bytes));
  g_bytes_unref (err_bytes);
  GST_INFO ("tool stderr:\n%s", err);
  if (stderr_out)
    *stderr_out = err;
  else
    g_free (err);
  status = g_subprocess_get_if_exited (proc) ?
      g_subprocess_get_exit_status (proc) :
      128 + g_subprocess_get_term_sig (proc);
  g_object_unref (proc);
  return status;
}

/* Runs the tool with @args (NULL-terminated), returns its exit status. */
static gint
run_tool (gchar **stderr_out, const gchar *first, ...)
{
  va_list ap;
  gint status;

  va_start (ap, first);
  status = run_tool_va (NULL, stderr_out, first, ap);
  va_end (ap);
  return status;
}

/* The same, with @input (@size bytes) on standard input. */
static gint
run_tool_with_input (const gchar *input, gsize size, gchar **stderr_out,
    const gchar *first, ...)
{
  GBytes *bytes = g_bytes_new (input, size);
  va_list ap;
  gint status;

  va_start (ap, first);
  status = run_tool_va (bytes, stderr_out, first, ap);
  va_end (ap);
  g_bytes_unref (bytes);
  return status;
}

static guint
count_occurrences (const gchar *text, const gchar *needle)
{
  guint n = 0;

  for (; (text = strstr (text, needle)) != NULL; text++)
    n++;
  return n;
}

/* Copies corpus photo @photo to @dir/@name (directories made); FALSE (the
 * test skips loudly) without the corpus. */
static gboolean
copy_photo (const gchar *photo, const gchar *dir, const gchar *name)
{
  gchar *src = imgcheck_corpus_file (photo);
  gchar *dst = g_build_filename (dir, name, NULL);
  gchar *parent = g_path_get_dirname (dst);
  gboolean found = src != NULL;
  gchar *data;
  gsize size;

  if (found) {
    fail_unless (g_file_get_contents (src, &data, &size, NULL), "%s", src);
    fail_unless (g_mkdir_with_parents (parent, 0755) == 0);
    fail_unless (g_file_set_contents (dst, data, size, NULL), "%s", dst);
    g_free (data);
  }
  g_free (parent);
  g_free (dst);
  g_free (src);
  return found;
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

/* An RFC 3339 member of the metrics JSON, in Unix seconds. */
static gdouble
json_time (JsonObject *o, const gchar *member)
{
  const gchar *text = json_object_get_string_member (o, member);
  GDateTime *t = g_date_time_new_from_iso8601 (text, NULL);
  gdouble s;

  fail_unless (t != NULL, "%s: %s is not RFC 3339", member, text);
  fail_unless (g_str_has_suffix (text, "Z"), "%s", text);
  s = g_date_time_to_unix (t) + g_date_time_get_microsecond (t) / 1e6;
  g_date_time_unref (t);
  return s;
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

/* The seed's adaptive configuration: over 80 % of memory used, one image
 * fewer in flight (never none); images slower than 1 s on average, one
 * more (up to the maximum) while the cores are not all busy; else as is.
 * Memory comes first: slow images on a full machine still mean fewer. */
GST_START_TEST (test_adaptive_limit)
{
  /* limit, max, mean s, memory used, load, cpus */
  fail_unless_equals_int (imgcompress_adapted_limit (2, 4, 0.2, 0.5, 0, 2), 2);
  fail_unless_equals_int (imgcompress_adapted_limit (2, 4, 0.2, 0.85, 0, 2), 1);
  fail_unless_equals_int (imgcompress_adapted_limit (1, 4, 0.2, 0.95, 0, 2), 1);
  fail_unless_equals_int (imgcompress_adapted_limit (2, 4, 1.5, 0.85, 0, 2), 1);
  fail_unless_equals_int (imgcompress_adapted_limit (2, 4, 1.5, 0.5, 0.5, 2),
      3);
  fail_unless_equals_int (imgcompress_adapted_limit (4, 4, 1.5, 0.5, 0.5, 2),
      4);
  fail_unless_equals_int (imgcompress_adapted_limit (2, 4, 1.5, 0.5, 1.9, 2),
      2);
  fail_unless_equals_int (imgcompress_adapted_limit (2, 4, 1.0, 0.5, 0, 2), 2);
  fail_unless_equals_int (imgcompress_adapted_limit (2, 4, 1.5, 0.8, 0, 2), 3);
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
    { "[general]\nlayout = forest\n", { "layout", "flat", "tree" } },
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
      gdouble w = json_time (o, "written_at");
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
      gdouble t = json_time (o, "written_at");
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

/* Whether the JPEG at @path is progressive, by the library's sniffer. */
static gboolean
is_progressive_jpeg (const gchar *path)
{
  GstImgcompressHeaderInfo info;
  gchar *data = NULL;
  gsize size = 0;
  gboolean progressive = FALSE;

  if (g_file_get_contents (path, &data, &size, NULL) &&
      gst_imgcompress_sniff_header ((const guint8 *) data, size, &info) ==
          GST_IMGCOMPRESS_SNIFF_OK)
    progressive =
        info.format == GST_IMGCOMPRESS_FORMAT_JPEG && info.progressive;
  g_free (data);
  return progressive;
}

/* --thumbnails-first makes every file of an image from one decode: each
 * input is read for its pixels once (the tool opens it with O_NONBLOCK for
 * that; the header sniff opens it without), not once per pass.  A
 * progressive JPEG is read twice: its thumbnail comes first from its DC
 * scans alone, the rest after. */
GST_START_TEST (test_thumbnails_first_reads_once)
{
  gchar *in, *out, *trace, *log = NULL, *strace, **lines;
  gchar *argv[] = { NULL, (gchar *) "-f", (gchar *) "-e",
    (gchar *) "trace=openat", (gchar *) "-o", NULL,
    (gchar *) g_getenv ("IMGCOMPRESS_TOOL"), (gchar *) "-q",
    (gchar *) "--thumbnails-first", (gchar *) "-o", NULL, NULL, NULL };
  gint status = -1;
  guint i, reads = 0, expected = 0;

  /* LeakSanitizer cannot run under ptrace: the plain build runs this */
  if (g_getenv ("IMGCOMPRESS_ASAN_RUNTIME") != NULL &&
      *g_getenv ("IMGCOMPRESS_ASAN_RUNTIME") != '\0') {
    g_printerr ("SKIPPED test_thumbnails_first_reads_once: strace and "
                "LeakSanitizer exclude each other\n");
    return;
  }
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
  for (i = 0; i < 6; i++) {
    gchar *name = g_strdup_printf ("%02u-%s", i, small_photos[i]);
    gchar *path = g_build_filename (in, name, NULL);

    expected += is_progressive_jpeg (path) ? 2 : 1;
    g_free (path);
    g_free (name);
  }
  fail_unless (expected > 6, "no progressive JPEG among the inputs");
  fail_unless_equals_int (reads, expected);

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

/* With --on-collision refuse, a clash (a.jpg beside a.jpeg) fails the two
 * images involved, exit 1, code name_collision; the others are made. */
GST_START_TEST (test_name_clash_fails_only_its_images)
{
  gchar *in, *out, *json, *text, *err = NULL;

  in = make_input_dir (5, "");
  if (in == NULL)
    return;
  copy_photo ("Aqua.jpg", in, "a.jpg");
  copy_photo ("Aqua.jpg", in, "a.jpeg");
  out = g_build_filename (workdir, "out", NULL);
  json = g_build_filename (workdir, "metrics.json", NULL);
  fail_unless_equals_int (run_tool (&err, "--on-collision", "refuse",
                              "--metrics-json", json, "-o", out, in, NULL),
      1);
  fail_unless (strstr (err, "same file") != NULL, "%s", err);
  fail_unless (strstr (err, "a.jpg") && strstr (err, "a.jpeg"), "%s", err);
  fail_unless (strstr (err, "5 ok, 2 failed") != NULL, "%s", err);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), 5 * 6);
  fail_unless_equals_int (imgcheck_count_files (out, "/a."), 0);
  fail_unless (g_file_get_contents (json, &text, NULL, NULL));
  fail_unless_equals_int (count_occurrences (text, "\"name_collision\""), 2);
  g_free (text);
  g_free (json);
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

/* The value of the sample @series ("name{labels}") in a text-format file,
 * -1 when absent. */
static gdouble
prometheus_value (const gchar *text, const gchar *series)
{
  gchar *needle = g_strdup_printf ("\n%s ", series);
  const gchar *p = strstr (text, needle);
  gdouble value = p ? g_ascii_strtod (p + strlen (needle), NULL) : -1;

  g_free (needle);
  return value;
}

/* The sum of the samples of metric @name, whatever their labels. */
static gdouble
prometheus_sum (const gchar *text, const gchar *name)
{
  gchar **lines = g_strsplit (text, "\n", -1);
  gchar *prefix = g_strdup_printf ("%s{", name);
  gdouble sum = 0;
  guint i;

  for (i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      sum += g_ascii_strtod (strrchr (lines[i], ' ') + 1, NULL);
  g_free (prefix);
  g_strfreev (lines);
  return sum;
}

static guint64
tree_bytes (const gchar *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  guint64 total = 0;
  guint i;

  imgcheck_list_files (dir, files);
  for (i = 0; i < files->len; i++) {
    GStatBuf st;

    fail_unless (g_stat (g_ptr_array_index (files, i), &st) == 0);
    total += st.st_size;
  }
  g_ptr_array_unref (files);
  return total;
}

/* promtool, from Debian's prometheus package (tools/bootstrap.sh), judges
 * names, types, units and the format; the values are checked against the
 * files. */
GST_START_TEST (test_prometheus_file)
{
  gchar *in, *out, *prom, *text, *bad, *cmd, *promtool_out = NULL;
  gchar *promtool = g_find_program_in_path ("promtool");
  gchar **lines;
  guint i, n_buckets = 0;
  gint promtool_status = -1;
  gdouble last = -1, stamp;
  gint64 before = g_get_real_time () / G_USEC_PER_SEC;
  GStatBuf st;

  in = make_input_dir (2, "");
  if (in == NULL)
    return;
  fail_unless (promtool != NULL,
      "promtool not found: install Debian's prometheus package "
      "(tools/bootstrap.sh does)");
  bad = g_build_filename (in, "zz-bad.jpg", NULL);
  fail_unless (g_file_set_contents (bad, "not a JPEG at all", -1, NULL));
  out = g_build_filename (workdir, "out", NULL);
  prom = g_build_filename (workdir, "metrics.prom", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "--prometheus", prom, "-o", out,
                              in, NULL),
      1);
  fail_unless (g_file_get_contents (prom, &text, NULL, NULL));

  /* stderr joined to stdout by the shell: one output to read and free */
  cmd = g_strdup_printf ("sh -c '%s check metrics < %s 2>&1'", promtool, prom);
  fail_unless (g_spawn_command_line_sync (cmd, &promtool_out, NULL,
      &promtool_status, NULL));
  fail_unless (g_spawn_check_wait_status (promtool_status, NULL),
      "promtool check metrics: %s", promtool_out);
  fail_unless_equals_string (promtool_out, "");

  /* one prefix; buckets cumulative, ending with +Inf equal to _count */
  lines = g_strsplit (text, "\n", -1);
  for (i = 0; lines[i] != NULL; i++) {
    const gchar *line = lines[i];

    if (*line == '\0' || g_str_has_prefix (line, "# HELP imgcompress_") ||
        g_str_has_prefix (line, "# TYPE imgcompress_"))
      continue;
    fail_unless (g_str_has_prefix (line, "imgcompress_"), "%s", line);
    if (g_str_has_prefix (line,
            "imgcompress_image_processing_seconds_bucket{format=\"jpeg\",")) {
      gdouble value = g_ascii_strtod (strrchr (line, ' ') + 1, NULL);

      fail_unless (value >= last, "buckets not cumulative: %s", line);
      last = value;
      n_buckets++;
    }
  }
  g_strfreev (lines);
  fail_unless_equals_int (n_buckets, 6);
  fail_unless_equals_float (last, 2);
  fail_unless_equals_float (prometheus_value (text,
                                "imgcompress_image_processing_seconds_count{"
                                "format=\"jpeg\"}"),
      2);
  fail_unless_equals_float (prometheus_value (text,
                                "imgcompress_images_processed_total{format="
                                "\"jpeg\"}"),
      2);
  fail_unless_equals_float (prometheus_value (text,
                                "imgcompress_image_failures_total{reason="
                                "\"invalid_image\"}"),
      1);
  fail_unless_equals_float (prometheus_value (text,
                                "imgcompress_image_failures_total{reason="
                                "\"name_collision\"}"),
      0);
  fail_unless_equals_float (prometheus_value (text,
                                "imgcompress_output_compression_ratio_count{"
                                "variant=\"thumbnail\","
                                "format=\"webp\"}"),
      2);
  fail_unless (prometheus_value (text,
                   "imgcompress_output_compression_ratio_bucket{variant="
                   "\"full\",format=\"jpeg\",le=\"0.3\"}") >= 0);
  /* the bytes of the two good inputs, and of every file written */
  fail_unless (g_stat (bad, &st) == 0);
  fail_unless_equals_uint64 ((guint64) prometheus_value (text,
                                 "imgcompress_input_bytes_total{format="
                                 "\"jpeg\"}"),
      tree_bytes (in) - st.st_size);
  fail_unless_equals_uint64 ((guint64) prometheus_sum (text,
                                 "imgcompress_output_bytes_total"),
      tree_bytes (out));
  stamp = prometheus_value (text, "imgcompress_last_success_timestamp_seconds");
  fail_unless (stamp >= before && stamp <= g_get_real_time () / 1e6 + 1,
      "timestamp %f", stamp);

  g_free (cmd);
  g_free (promtool_out);
  g_free (promtool);
  g_free (text);
  g_free (prom);
  g_free (bad);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* A collector's directory is not created: a mistyped one is told before
 * the run, which makes nothing. */
GST_START_TEST (test_prometheus_missing_directory)
{
  gchar *in, *out, *dir, *prom, *err = NULL;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  dir = g_build_filename (workdir, "node_exporter", NULL);
  prom = g_build_filename (dir, "imgcompress.prom", NULL);
  fail_unless_equals_int (run_tool (&err, "-q", "--prometheus", prom, "-o", out,
                              in, NULL),
      2);
  fail_unless (strstr (err, "--prometheus") != NULL, "%s", err);
  fail_unless (strstr (err, "does not exist") != NULL, "%s", err);
  fail_if (g_file_test (dir, G_FILE_TEST_EXISTS));
  fail_if (g_file_test (out, G_FILE_TEST_EXISTS));
  g_free (err);
  g_free (prom);
  g_free (dir);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

/* The files under @dir, relative to it, sorted, joined by spaces. */
static gchar *
tree_listing (const gchar *dir)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  guint i;

  imgcheck_list_files (dir, files);
  g_ptr_array_sort (files, compare_paths);
  for (i = 0; i < files->len; i++) {
    const gchar *path = g_ptr_array_index (files, i);

    g_string_append_printf (out, "%s%s", i ? " " : "", path + strlen (dir) + 1);
  }
  g_ptr_array_unref (files);
  return g_string_free (out, FALSE);
}

/* The "name" the metrics JSON gives each input, as "input=name ...". */
static gchar *
json_names (const gchar *json, const gchar *strip)
{
  JsonParser *parser = json_parser_new ();
  GString *out = g_string_new (NULL);
  JsonArray *images;
  guint i;

  fail_unless (json_parser_load_from_file (parser, json, NULL));
  images = json_object_get_array_member (
      json_node_get_object (json_parser_get_root (parser)), "images");
  for (i = 0; i < json_array_get_length (images); i++) {
    JsonObject *img = json_array_get_object_element (images, i);
    const gchar *input = json_object_get_string_member (img, "input");

    fail_unless (g_str_has_prefix (input, strip), "%s", input);
    g_string_append_printf (out, "%s%s=%s", i ? " " : "",
        input + strlen (strip) + 1,
        json_object_get_string_member (img, "name"));
  }
  g_object_unref (parser);
  return g_string_free (out, FALSE);
}

/* Names that meet in a flat layout (IMG.jpg beside IMG.jpeg, IMG.jpg in a
 * subfolder) get the documented suffix, in input order (sorted), never
 * one an input already has (IMG-2.jpg); the run succeeds, and again alike. */
GST_START_TEST (test_collisions_suffixed)
{
  gchar *in, *out, *json, *names, *listing;
  const gchar *const files[] = { "IMG-2.jpg", "IMG.jpeg", "IMG.jpg",
    "sub/IMG.jpg" };
  guint i, run;

  in = g_build_filename (workdir, "in", NULL);
  for (i = 0; i < G_N_ELEMENTS (files); i++)
    if (!copy_photo (small_photos[i], in, files[i]))
      return;
  json = g_build_filename (workdir, "metrics.json", NULL);
  for (run = 0; run < 2; run++) {
    out = g_build_filename (workdir, run ? "out2" : "out1", NULL);
    fail_unless_equals_int (run_tool (NULL, "-q", "-r", "--variants",
                                "thumbnail:150:80:75", "--formats", "jpeg",
                                "--metrics-json", json, "-o", out, in, NULL),
        0);
    listing = tree_listing (out);
    fail_unless_equals_string (listing,
        "thumbnail/IMG-2.jpg thumbnail/IMG-3.jpg thumbnail/IMG-4.jpg "
        "thumbnail/IMG.jpg");
    names = json_names (json, in);
    fail_unless_equals_string (names,
        "IMG-2.jpg=IMG-2 IMG.jpeg=IMG IMG.jpg=IMG-3 sub/IMG.jpg=IMG-4");
    g_free (names);
    g_free (listing);
    g_free (out);
  }
  g_free (json);
  g_free (in);
}

GST_END_TEST;

/* A camera roll, two folders with the same names: --layout tree mirrors
 * it under each variant, and --skip-existing finds every file again. */
GST_START_TEST (test_layout_tree)
{
  gchar *in, *out, *listing, *err = NULL;

  in = g_build_filename (workdir, "roll", NULL);
  if (!copy_photo ("Aqua.jpg", in, "2023/IMG_0001.jpg") ||
      !copy_photo ("Garden.jpg", in, "2023/IMG_0002.jpg") ||
      !copy_photo ("Dune.jpg", in, "2024/IMG_0001.jpg") ||
      !copy_photo ("FreshFlower.jpg", in, "2024/IMG_0002.jpg") ||
      !copy_photo ("GreenMeadow.jpg", in, "2024/trip/100%/IMG_0001.jpg"))
    return;
  out = g_build_filename (workdir, "out", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "-r", "--layout", "tree",
                              "--formats", "webp", "-o", out, in, NULL),
      0);
  listing = tree_listing (out);
  fail_unless_equals_string (listing,
      "full/2023/IMG_0001.webp full/2023/IMG_0002.webp "
      "full/2024/IMG_0001.webp full/2024/IMG_0002.webp "
      "full/2024/trip/100%/IMG_0001.webp "
      "preview/2023/IMG_0001.webp preview/2023/IMG_0002.webp "
      "preview/2024/IMG_0001.webp preview/2024/IMG_0002.webp "
      "preview/2024/trip/100%/IMG_0001.webp "
      "thumbnail/2023/IMG_0001.webp thumbnail/2023/IMG_0002.webp "
      "thumbnail/2024/IMG_0001.webp thumbnail/2024/IMG_0002.webp "
      "thumbnail/2024/trip/100%/IMG_0001.webp");
  fail_unless_equals_int (run_tool (&err, "-v", "-r", "--layout", "tree",
                              "--formats", "webp", "--skip-existing", "-o", out,
                              in, NULL),
      0);
  fail_unless_equals_int (count_occurrences (err, "every file exists, skipped"),
      5);
  g_free (err);
  g_free (listing);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Inputs from standard input ("-", one per line; -0 NUL-separated, which
 * carries a name with a newline) and from --files-from. */
GST_START_TEST (test_input_lists)
{
  gchar *in, *out, *list, *listing, *text;
  const gchar *const names[] = { "a.jpg", "b c.jpg", "new\nline.jpg" };
  GString *nul = g_string_new (NULL);
  guint i;

  in = g_build_filename (workdir, "in", NULL);
  for (i = 0; i < G_N_ELEMENTS (names); i++)
    if (!copy_photo (small_photos[i], in, names[i]))
      return;
  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *path = g_build_filename (in, names[i], NULL);

    g_string_append_len (nul, path, strlen (path) + 1);
    g_free (path);
  }

  /* "-": one per line, empty lines skipped */
  out = g_build_filename (workdir, "out-lines", NULL);
  text = g_strdup_printf ("%s/a.jpg\n\n%s/b c.jpg\n", in, in);
  fail_unless_equals_int (run_tool_with_input (text, strlen (text), NULL, "-q",
                              "--formats", "jpeg", "-o", out, "-", NULL),
      0);
  listing = tree_listing (out);
  fail_unless_equals_string (listing,
      "full/a.jpg full/b c.jpg preview/a.jpg preview/b c.jpg "
      "thumbnail/a.jpg thumbnail/b c.jpg");
  g_free (listing);
  g_free (text);
  g_free (out);

  /* -0 on standard input, as find -print0 writes it */
  out = g_build_filename (workdir, "out-nul", NULL);
  fail_unless_equals_int (run_tool_with_input (nul->str, nul->len, NULL, "-q",
                              "-0", "--formats", "jpeg", "--variants",
                              "thumbnail:150:80:75", "-o", out, "-", NULL),
      0);
  listing = tree_listing (out);
  /* one entry, its name cleaned as the library cleans names */
  fail_unless (g_str_has_prefix (listing,
                   "thumbnail/a.jpg thumbnail/b c.jpg thumbnail/new_nline~"),
      "%s", listing);
  g_free (listing);
  g_free (out);

  /* --files-from with -0, and with a missing list: a usage error */
  list = g_build_filename (workdir, "list", NULL);
  fail_unless (g_file_set_contents (list, nul->str, nul->len, NULL));
  out = g_build_filename (workdir, "out-file", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "-0", "--files-from", list,
                              "--formats", "webp", "--variants",
                              "thumbnail:150:80:75", "-o", out, NULL),
      0);
  fail_unless_equals_int (imgcheck_count_files (out, ".webp"), 3);
  g_unlink (list);
  fail_unless_equals_int (run_tool (NULL, "-q", "--files-from", list, "-o", out,
                              NULL),
      2);
  g_free (out);
  g_free (list);
  g_string_free (nul, TRUE);
  g_free (in);
}

GST_END_TEST;

/* A second run without --overwrite refuses each image whose file exists,
 * in the tool's words (its options, not the element's properties), with
 * the code output_exists. */
GST_START_TEST (test_existing_output_names_options)
{
  gchar *in, *out, *json, *text, *err = NULL;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  json = g_build_filename (workdir, "metrics.json", NULL);
  fail_unless_equals_int (run_tool (NULL, "-q", "-o", out, in, NULL), 0);
  fail_unless_equals_int (run_tool (&err, "-q", "--metrics-json", json, "-o",
                              out, in, NULL),
      1);
  fail_unless (strstr (err, "--overwrite") != NULL, "%s", err);
  fail_unless (strstr (err, "--skip-existing") != NULL, "%s", err);
  fail_if (strstr (err, "overwrite=true") != NULL, "%s", err);
  fail_unless (g_file_get_contents (json, &text, NULL, NULL));
  fail_unless (strstr (text, "\"error_code\" : \"output_exists\""), "%s", text);
  g_free (text);
  g_free (err);
  g_free (json);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* The tool run from the build tree finds the plugins built beside it,
 * with no GST_PLUGIN_PATH_1_0 and a registry that has never seen them. */
GST_START_TEST (test_build_tree_finds_plugins)
{
  GSubprocessLauncher *launcher;
  GSubprocess *proc;
  gchar *in, *out, *registry;
  GError *error = NULL;

  in = make_input_dir (1, "");
  if (in == NULL)
    return;
  out = g_build_filename (workdir, "out", NULL);
  registry = g_build_filename (workdir, "fresh.registry", NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_unsetenv (launcher, "GST_PLUGIN_PATH_1_0");
  g_subprocess_launcher_unsetenv (launcher, "GST_PLUGIN_PATH");
  g_subprocess_launcher_setenv (launcher, "GST_REGISTRY", registry, TRUE);
  g_subprocess_launcher_setenv (launcher, "GST_REGISTRY_1_0", registry, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error,
      g_getenv ("IMGCOMPRESS_TOOL"), "-q", "--formats", "jpeg", "-o", out, in,
      NULL);
  fail_unless (proc != NULL, "%s", error ? error->message : "");
  fail_unless (g_subprocess_wait_check (proc, NULL, NULL));
  fail_unless_equals_int (imgcheck_count_files (out, ".jpg"), 3);
  g_object_unref (proc);
  g_object_unref (launcher);
  g_free (registry);
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
  tcase_add_test (tc, test_adaptive_limit);
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
  tcase_add_test (tc, test_prometheus_missing_directory);
  tcase_add_test (tc, test_collisions_suffixed);
  tcase_add_test (tc, test_layout_tree);
  tcase_add_test (tc, test_input_lists);
  tcase_add_test (tc, test_existing_output_names_options);
  tcase_add_test (tc, test_build_tree_finds_plugins);
  tcase_add_test (tc, test_stale_temps_removed);
  tcase_add_test (tc, test_sigint_leaves_no_temporaries);
  return s;
}

GST_CHECK_MAIN (imgcompress_tool);

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The batch tool under faults: a full disk (RLIMIT_FSIZE), a read-only
 * output directory, SIGKILL mid-batch then the same command again with
 * --skip-existing, an input that ends while it is being read. Each time:
 * a clear error, exit status 1 where something failed, no partial file,
 * and the other images complete. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <gst/imgcompress/imgcompress.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "imgcheck.h"

static const gchar *variants[] = { "thumbnail", "preview", "full" };
static const gchar *exts[] = { "jpg", "webp" };

static gchar *workdir;

static void
setup (void)
{
  workdir = g_dir_make_tmp ("imgcompress-faults-XXXXXX", NULL);
  fail_unless (workdir != NULL);
  /* readable by the unprivileged user of test_read_only_output */
  g_chmod (workdir, 0755);
}

static void
teardown (void)
{
  imgcheck_remove_tree (workdir);
  g_clear_pointer (&workdir, g_free);
}

/* Writes generated valid images (tests/check/pipelines/make-hostile.py)
 * into @dir: big.jpg 640x480, small.webp 400x300, tiny.png 64x48. */
static void
make_valid_images (const gchar *dir)
{
  gchar *script = g_build_filename (IMGCOMPRESS_SOURCE_ROOT, "tests", "check",
      "pipelines", "make-hostile.py", NULL);
  gchar *all = g_build_filename (workdir, "generated", NULL);
  gchar *argv[] = { (gchar *) "/usr/bin/python3", script, all, NULL };
  static const gchar *keep[][2] = { { "valid.jpg", "big.jpg" },
    { "valid-small.webp", "small.webp" }, { "valid.png", "tiny.png" } };
  gint status = -1;
  guint i;

  if (!g_file_test (all, G_FILE_TEST_IS_DIR))
    fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL) &&
            g_spawn_check_wait_status (status, NULL),
        "make-hostile.py failed");
  g_mkdir_with_parents (dir, 0755);
  for (i = 0; i < G_N_ELEMENTS (keep); i++) {
    gchar *from = g_build_filename (all, keep[i][0], NULL);
    gchar *to = g_build_filename (dir, keep[i][1], NULL);
    gchar *data;
    gsize len;

    fail_unless (g_file_get_contents (from, &data, &len, NULL));
    fail_unless (g_file_set_contents (to, data, len, NULL));
    g_chmod (to, 0644);
    g_free (data);
    g_free (from);
    g_free (to);
  }
  g_free (all);
  g_free (script);
}

static gchar *
output_path (const gchar *outdir, const gchar *variant, const gchar *stem,
    const gchar *ext)
{
  gchar *file = g_strdup_printf ("%s.%s", stem, ext);
  gchar *path = g_build_filename (outdir, variant, file, NULL);

  g_free (file);
  return path;
}

/* The file decodes with the stock decoders (and so is complete). */
static gboolean
decodes (const gchar *path)
{
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! decodebin ! "
                                 "fakesink",
      path);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus = gst_element_get_bus (pipeline);
  GstMessage *msg;
  gboolean ok;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  if (msg)
    gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
  return ok;
}

/* Every variant file of @stem: all complete (TRUE) or none there. */
static gboolean
image_complete (const gchar *outdir, const gchar *stem)
{
  guint v, f, present = 0;

  for (v = 0; v < G_N_ELEMENTS (variants); v++)
    for (f = 0; f < G_N_ELEMENTS (exts); f++) {
      gchar *path = output_path (outdir, variants[v], stem, exts[f]);
      if (g_file_test (path, G_FILE_TEST_EXISTS)) {
        fail_unless (decodes (path), "%s is not complete", path);
        present++;
      }
      g_free (path);
    }
  return present == G_N_ELEMENTS (variants) * G_N_ELEMENTS (exts);
}

static gboolean
image_absent (const gchar *outdir, const gchar *stem)
{
  guint v, f, present = 0;

  for (v = 0; v < G_N_ELEMENTS (variants); v++)
    for (f = 0; f < G_N_ELEMENTS (exts); f++) {
      gchar *path = output_path (outdir, variants[v], stem, exts[f]);
      present += g_file_test (path, G_FILE_TEST_EXISTS);
      g_free (path);
    }
  return present == 0;
}

/* Files named as the project's temporary files, anywhere under @dir. */
static guint
count_temp_files (const gchar *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;
  guint n = 0;

  if (d == NULL)
    return 0;
  while ((name = g_dir_read_name (d)) != NULL) {
    gchar *path = g_build_filename (dir, name, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      n += count_temp_files (path);
    else if (gst_imgcompress_file_is_temp_name (name))
      n++;
    g_free (path);
  }
  g_dir_close (d);
  return n;
}

typedef struct
{
  rlim_t fsize_limit; /* 0: none */
  gboolean drop_root;
} ChildLimits;

static void
child_setup (gpointer data)
{
  const ChildLimits *limits = data;

  if (limits && limits->fsize_limit) {
    struct rlimit rl = { limits->fsize_limit, limits->fsize_limit };
    setrlimit (RLIMIT_FSIZE, &rl);
  }
  /* root ignores directory permissions: run as nobody */
  if (limits && limits->drop_root && geteuid () == 0) {
    if (setgid (65534) != 0 || setuid (65534) != 0)
      _exit (126);
  }
}

static gchar **
tool_argv (const gchar *first, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  const gchar *arg;
  va_list ap;

  g_ptr_array_add (argv, g_strdup (g_getenv ("IMGCOMPRESS_TOOL")));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  return (gchar **) g_ptr_array_free (argv, FALSE);
}

static gint
run_tool (gchar **argv, gchar **envp, ChildLimits *limits, gchar **err_out)
{
  gchar *err = NULL;
  gint status = -1;

  fail_unless (g_spawn_sync (NULL, argv, envp, G_SPAWN_STDOUT_TO_DEV_NULL,
      child_setup, limits, NULL, &err, &status, NULL));
  GST_INFO ("tool stderr:\n%s", err);
  *err_out = err;
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
}

/* Output over the file size limit: that image fails with a clear error and
 * leaves nothing, the small ones complete, exit 1 (not SIGXFSZ). */
GST_START_TEST (test_disk_full)
{
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar **argv, *err = NULL;
  /* big.jpg's full variant (640x480) is larger; the others are not */
  ChildLimits limits = { 40 * 1024, FALSE };
  gint status;

  make_valid_images (in);
  argv = tool_argv ("-q", "-o", out, in, NULL);
  status = run_tool (argv, NULL, &limits, &err);
  fail_unless_equals_int (status, 1);
  fail_unless (strstr (err, "big.jpg") && strstr (err, "No space left"), "%s",
      err);
  fail_unless (image_absent (out, "big"));
  fail_unless (image_complete (out, "small"));
  fail_unless (image_complete (out, "tiny"));
  fail_unless_equals_int (count_temp_files (out), 0);
  g_strfreev (argv);
  g_free (err);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* An output directory the tool may not write: every image fails with a
 * message naming the place, nothing is written, exit 1. */
GST_START_TEST (test_read_only_output)
{
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *regdir = g_build_filename (workdir, "registry", NULL);
  gchar *reg = g_build_filename (regdir, "registry.bin", NULL);
  gchar **argv, **envp, *err = NULL;
  ChildLimits limits = { 0, TRUE };
  GDir *d;
  gint status;

  make_valid_images (in);
  g_chmod (in, 0755);
  fail_unless (g_mkdir (out, 0555) == 0);
  g_chmod (out, 0555);
  /* the unprivileged user keeps a registry of its own */
  g_mkdir (regdir, 0777);
  g_chmod (regdir, 0777);
  envp = g_environ_setenv (g_get_environ (), "GST_REGISTRY_1_0", reg, TRUE);
  envp = g_environ_setenv (envp, "GST_REGISTRY", reg, TRUE);

  argv = tool_argv ("-q", "-o", out, in, NULL);
  status = run_tool (argv, envp, &limits, &err);
  fail_unless_equals_int (status, 1);
  fail_unless (strstr (err, "Could not create") && strstr (err, out), "%s",
      err);
  d = g_dir_open (out, 0, NULL);
  fail_unless (d != NULL);
  fail_unless (g_dir_read_name (d) == NULL, "something was written");
  g_dir_close (d);
  g_chmod (out, 0755);

  g_strfreev (envp);
  g_strfreev (argv);
  g_free (err);
  g_free (reg);
  g_free (regdir);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Whether some image of @stems has all its files under final names. */
static gboolean
some_image_written (const gchar *outdir, GPtrArray *stems)
{
  guint i, v, f, present;

  for (i = 0; i < stems->len; i++) {
    present = 0;
    for (v = 0; v < G_N_ELEMENTS (variants); v++)
      for (f = 0; f < G_N_ELEMENTS (exts); f++) {
        gchar *path = output_path (outdir, variants[v],
            g_ptr_array_index (stems, i), exts[f]);
        present += g_file_test (path, G_FILE_TEST_EXISTS);
        g_free (path);
      }
    if (present == G_N_ELEMENTS (variants) * G_N_ELEMENTS (exts))
      return TRUE;
  }
  return FALSE;
}

/* SIGKILL in the middle of a batch, then the same command again with
 * --skip-existing: the batch completes, the images that were complete are
 * not made again, no image is left partial. */
GST_START_TEST (test_sigkill_then_skip_existing)
{
  gchar *corpus = imgcheck_corpus_dir ();
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar **argv, **argv2, *err = NULL;
  GDir *d;
  const gchar *name;
  GPtrArray *stems = g_ptr_array_new_with_free_func (g_free);
  GHashTable *before =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GPid pid;
  gint status, waited;
  guint i, complete_before = 0, skipped = 0;

  if (corpus == NULL)
    return;
  /* real photos: each takes long enough to be caught mid-batch */
  g_mkdir (in, 0755);
  d = g_dir_open (corpus, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL && stems->len < 10) {
    gchar *from = g_build_filename (corpus, name, NULL);
    gchar *to = g_build_filename (in, name, NULL);
    if (g_str_has_suffix (name, ".jpg") && symlink (from, to) == 0)
      g_ptr_array_add (stems, g_strndup (name, strlen (name) - 4));
    g_free (from);
    g_free (to);
  }
  g_dir_close (d);
  fail_unless (stems->len >= 6);

  argv = tool_argv ("-q", "-j", "2", "-o", out, in, NULL);
  fail_unless (g_spawn_async (NULL, argv, NULL,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL,
      NULL, NULL, &pid, NULL));
  /* kill once the first image is written, well before the last */
  for (waited = 0; waited < 60000; waited += 10) {
    if (some_image_written (out, stems))
      break;
    g_usleep (10 * 1000);
  }
  kill (pid, SIGKILL);
  fail_unless (waitpid (pid, &status, 0) == pid);
  g_spawn_close_pid (pid);
  fail_unless (WIFSIGNALED (status), "the batch ended before the kill");

  for (i = 0; i < stems->len; i++) {
    const gchar *stem = g_ptr_array_index (stems, i);
    if (image_complete (out, stem)) {
      gchar *path = output_path (out, "full", stem, "jpg");
      GStatBuf st;

      fail_unless (g_stat (path, &st) == 0);
      g_hash_table_insert (before, g_strdup (stem),
          GSIZE_TO_POINTER ((gsize) st.st_ino));
      complete_before++;
      g_free (path);
    }
  }
  GST_INFO ("%u of %u images complete when killed", complete_before,
      stems->len);
  fail_unless (complete_before > 0 && complete_before < stems->len,
      "%u of %u images complete when killed", complete_before, stems->len);
  g_print ("faults: %u of %u images complete when killed\n", complete_before,
      stems->len);

  argv2 = tool_argv ("-v", "--skip-existing", "-j", "2", "-o", out, in, NULL);
  status = run_tool (argv2, NULL, NULL, &err);
  fail_unless_equals_int (status, 0);
  for (i = 0; i < stems->len; i++) {
    const gchar *stem = g_ptr_array_index (stems, i);
    gpointer ino;

    fail_unless (image_complete (out, stem), "%s is not complete", stem);
    if (g_hash_table_lookup_extended (before, stem, NULL, &ino)) {
      gchar *path = output_path (out, "full", stem, "jpg");
      GStatBuf st;

      /* not made again: the same file */
      fail_unless (g_stat (path, &st) == 0);
      fail_unless_equals_uint64 (st.st_ino, GPOINTER_TO_SIZE (ino));
      g_free (path);
    }
  }
  for (name = err; (name = strstr (name, "skipped")) != NULL; name++)
    skipped++;
  fail_unless_equals_int (skipped, complete_before);
  /* The killed process's temporary files stay until they are an hour
   * old (the tool's stale-temp cleanup): no final name is partial. */
  g_print ("faults: %u skipped on the second run, %u temporary files of the "
           "killed run left\n",
      skipped, count_temp_files (out));

  g_strfreev (argv);
  g_strfreev (argv2);
  g_hash_table_unref (before);
  g_ptr_array_unref (stems);
  g_free (err);
  g_free (out);
  g_free (in);
  g_free (corpus);
}

GST_END_TEST;

/* The output directory removed while images are being made: the images in
 * flight are reported failed and leave nothing, the others are whole; no
 * image is left partial. */
GST_START_TEST (test_output_removed_mid_run)
{
  gchar *corpus = imgcheck_corpus_dir ();
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  GPtrArray *stems = g_ptr_array_new_with_free_func (g_free);
  gchar **argv;
  GDir *d;
  const gchar *name;
  GPid pid;
  gint status, waited;
  guint i;

  if (corpus == NULL)
    return;
  g_mkdir (in, 0755);
  d = g_dir_open (corpus, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL && stems->len < 10) {
    gchar *from = g_build_filename (corpus, name, NULL);
    gchar *to = g_build_filename (in, name, NULL);
    if (g_str_has_suffix (name, ".jpg") && symlink (from, to) == 0)
      g_ptr_array_add (stems, g_strndup (name, strlen (name) - 4));
    g_free (from);
    g_free (to);
  }
  g_dir_close (d);

  argv = tool_argv ("-q", "-j", "2", "-o", out, in, NULL);
  fail_unless (g_spawn_async (NULL, argv, NULL,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
          G_SPAWN_STDERR_TO_DEV_NULL,
      NULL, NULL, &pid, NULL));
  for (waited = 0; waited < 60000; waited += 5) {
    if (imgcheck_count_files (out, NULL) > 0)
      break;
    g_usleep (5 * 1000);
  }
  imgcheck_remove_tree (out);
  fail_unless (waitpid (pid, &status, 0) == pid);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) <= 1,
      "exit status %d", status);
  for (i = 0; i < stems->len; i++) {
    const gchar *stem = g_ptr_array_index (stems, i);
    fail_unless (image_complete (out, stem) || image_absent (out, stem),
        "%s is partial", stem);
  }
  fail_unless_equals_int (count_temp_files (out), 0);

  g_strfreev (argv);
  g_ptr_array_unref (stems);
  g_free (out);
  g_free (in);
  g_free (corpus);
}

GST_END_TEST;

static gpointer
write_half (gpointer data)
{
  const gchar *fifo = data;
  gchar *valid = g_build_filename (workdir, "in", "big.jpg", NULL);
  gchar *contents;
  gsize len;
  FILE *f;

  fail_unless (g_file_get_contents (valid, &contents, &len, NULL));
  /* blocks until the tool opens it for reading */
  f = g_fopen (fifo, "wb");
  if (f) {
    fwrite (contents, 1, len / 2, f);
    fclose (f);
  }
  g_free (contents);
  g_free (valid);
  return NULL;
}

/* The input ends while it is read (its writer stops halfway: a FIFO): a
 * clear error for that image, nothing of it written, the other complete. */
GST_START_TEST (test_input_cut_while_read)
{
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *fifo = g_build_filename (workdir, "cut.jpg", NULL);
  gchar *valid = g_build_filename (in, "small.webp", NULL);
  gchar **argv, *err = NULL;
  GThread *writer;
  gint status;

  make_valid_images (in);
  fail_unless (mkfifo (fifo, 0644) == 0, "%s", g_strerror (errno));
  writer = g_thread_new ("writer", write_half, fifo);
  argv = tool_argv ("-q", "-o", out, fifo, valid, NULL);
  status = run_tool (argv, NULL, NULL, &err);
  g_thread_join (writer);
  fail_unless_equals_int (status, 1);
  fail_unless (strstr (err, "cut.jpg") && strstr (err, "truncated"), "%s", err);
  fail_unless (image_absent (out, "cut"));
  fail_unless (image_complete (out, "small"));
  fail_unless_equals_int (count_temp_files (out), 0);
  g_strfreev (argv);
  g_free (err);
  g_free (valid);
  g_free (fifo);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

static Suite *
faults_suite (void)
{
  Suite *s = suite_create ("faults");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_disk_full);
  tcase_add_test (tc, test_read_only_output);
  tcase_add_test (tc, test_sigkill_then_skip_existing);
  tcase_add_test (tc, test_input_cut_while_read);
  tcase_add_test (tc, test_output_removed_mid_run);
  return s;
}

GST_CHECK_MAIN (faults);

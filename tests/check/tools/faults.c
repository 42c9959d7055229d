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
#include <fcntl.h>
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

/* The input ends early (a file cut halfway, as a copy or upload that
 * stopped): a clear error for that image, nothing of it written, the other
 * complete. */
GST_START_TEST (test_input_cut_while_read)
{
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *cut = g_build_filename (workdir, "cut.jpg", NULL);
  gchar *big = g_build_filename (in, "big.jpg", NULL);
  gchar *valid = g_build_filename (in, "small.webp", NULL);
  gchar **argv, *err = NULL, *contents;
  gsize len;
  gint status;

  make_valid_images (in);
  fail_unless (g_file_get_contents (big, &contents, &len, NULL));
  fail_unless (g_file_set_contents (cut, contents, len / 2, NULL));
  argv = tool_argv ("-q", "-o", out, cut, valid, NULL);
  status = run_tool (argv, NULL, NULL, &err);
  fail_unless_equals_int (status, 1);
  fail_unless (strstr (err, "cut.jpg") && strstr (err, "truncated"), "%s", err);
  fail_unless (image_absent (out, "cut"));
  fail_unless (image_complete (out, "small"));
  fail_unless_equals_int (count_temp_files (out), 0);
  g_strfreev (argv);
  g_free (contents);
  g_free (err);
  g_free (big);
  g_free (valid);
  g_free (cut);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Waits up to @timeout_ms for @pid; TRUE (and @status) when it ended. */
static gboolean
wait_for_exit (GPid pid, guint timeout_ms, gint *status)
{
  guint waited;

  for (waited = 0; waited <= timeout_ms; waited += 20) {
    if (waitpid (pid, status, WNOHANG) == pid)
      return TRUE;
    g_usleep (20 * 1000);
  }
  return FALSE;
}

/* Runs the tool in the background, its stderr into @err_path. */
static GPid
spawn_tool (gchar **argv, const gchar *err_path)
{
  gint err_fd = g_open (err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  GPid pid;

  fail_unless (err_fd >= 0);
  fail_unless (g_spawn_async_with_fds (NULL, argv, NULL,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
      -1, -1, err_fd, NULL));
  close (err_fd);
  return pid;
}

/* A FIFO named like an image (nobody writes it): refused at once as not a
 * regular file, the other image made, exit 1; never a hang that ignores
 * SIGTERM. */
GST_START_TEST (test_fifo_input_refused)
{
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *fifo = g_build_filename (workdir, "wait.jpg", NULL);
  gchar *valid = g_build_filename (in, "small.webp", NULL);
  gchar *err_path = g_build_filename (workdir, "stderr.txt", NULL);
  gchar **argv, *err = NULL;
  gint status;
  GPid pid;

  make_valid_images (in);
  fail_unless (mkfifo (fifo, 0644) == 0, "%s", g_strerror (errno));
  argv = tool_argv ("-q", "-o", out, fifo, valid, NULL);
  pid = spawn_tool (argv, err_path);
  if (!wait_for_exit (pid, 20000, &status)) {
    kill (pid, SIGTERM);
    if (!wait_for_exit (pid, 5000, &status)) {
      kill (pid, SIGKILL);
      waitpid (pid, &status, 0);
      fail ("the batch hung on a FIFO and ignored SIGTERM");
    }
    fail ("the batch hung on a FIFO until SIGTERM");
  }
  g_spawn_close_pid (pid);
  fail_unless (g_file_get_contents (err_path, &err, NULL, NULL));
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 1, "status %d: %s",
      status, err);
  fail_unless (strstr (err, "wait.jpg") && strstr (err, "not a regular file"),
      "%s", err);
  fail_unless (image_absent (out, "wait"));
  fail_unless (image_complete (out, "small"));
  g_strfreev (argv);
  g_free (err);
  g_free (err_path);
  g_free (valid);
  g_free (fifo);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* A subdirectory the user may not read (the tool runs as nobody: root
 * reads everything) is reported, exit 1; the readable images are made. */
GST_START_TEST (test_unreadable_subdirectory_reported)
{
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *locked = g_build_filename (in, "locked", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *regdir = g_build_filename (workdir, "registry", NULL);
  gchar *reg = g_build_filename (regdir, "registry.bin", NULL);
  gchar **argv, **envp, *err = NULL;
  ChildLimits limits = { 0, TRUE };
  gint status;

  if (geteuid () != 0) {
    g_printerr ("SKIPPED test_unreadable_subdirectory_reported: needs root "
                "to run the tool as another user\n");
    goto done;
  }
  make_valid_images (in);
  make_valid_images (locked);
  g_chmod (locked, 0000);
  g_mkdir (out, 0777);
  g_chmod (out, 0777);
  g_mkdir (regdir, 0777);
  g_chmod (regdir, 0777);
  envp = g_environ_setenv (g_get_environ (), "GST_REGISTRY_1_0", reg, TRUE);
  envp = g_environ_setenv (envp, "GST_REGISTRY", reg, TRUE);

  argv = tool_argv ("-q", "-r", "-o", out, in, NULL);
  status = run_tool (argv, envp, &limits, &err);
  fail_unless_equals_int (status, 1);
  fail_unless (strstr (err, "cannot read directory") && strstr (err, locked),
      "%s", err);
  fail_unless (image_complete (out, "big"));
  fail_unless (image_complete (out, "small"));
  fail_unless (image_complete (out, "tiny"));
  g_chmod (locked, 0755);
  g_strfreev (envp);
  g_strfreev (argv);
  g_free (err);
done:
  g_free (reg);
  g_free (regdir);
  g_free (out);
  g_free (locked);
  g_free (in);
}

GST_END_TEST;

/* out/preview -> ../elsewhere: the tool refuses to write through the
 * link, says why, and nothing lands in elsewhere/. */
GST_START_TEST (test_directory_symlink_in_output_refused)
{
  gchar *in = g_build_filename (workdir, "in", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *elsewhere = g_build_filename (workdir, "elsewhere", NULL);
  gchar *link_path = g_build_filename (out, "preview", NULL);
  gchar **argv, *err = NULL;
  gint status;

  make_valid_images (in);
  g_mkdir (out, 0755);
  g_mkdir (elsewhere, 0755);
  fail_unless (symlink ("../elsewhere", link_path) == 0);
  argv = tool_argv ("-q", "-o", out, in, NULL);
  status = run_tool (argv, NULL, NULL, &err);
  fail_unless_equals_int (status, 1);
  fail_unless (strstr (err, "symbolic link") != NULL, "%s", err);
  fail_unless_equals_int (imgcheck_count_files (elsewhere, NULL), 0);
  /* no image is left partial: the thumbnails went with them */
  fail_unless (image_absent (out, "big"));
  fail_unless (image_absent (out, "small"));
  g_strfreev (argv);
  g_free (err);
  g_free (link_path);
  g_free (elsewhere);
  g_free (out);
  g_free (in);
}

GST_END_TEST;

/* Writes a 6000x6000 PNG (gradients and blocks of noise: small on disk,
 * seconds to make) to @path with Pillow. */
static void
make_big_png (const gchar *path)
{
  gchar *script =
      g_strdup_printf ("from PIL import Image\n"
                       "n = 6000\n"
                       "r = Image.linear_gradient('L').resize((n, n))\n"
                       "b = Image.effect_noise((n // 8, n // 8), "
                       "60).resize((n, n), "
                       "Image.NEAREST)\n"
                       "Image.merge('RGB', (r, r.rotate(90), b)).save('%s', "
                       "compress_level=1)\n",
          path);
  gchar *argv[] = { (gchar *) "/usr/bin/python3", (gchar *) "-c", script,
    NULL };
  gint status = -1;

  fail_unless (g_spawn_sync (NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                   NULL, NULL, &status, NULL) &&
          g_spawn_check_wait_status (status, NULL),
      "Pillow failed");
  g_free (script);
}

/* The inode of each variant file of @stem under @outdir (0: missing). */
static void
variant_inodes (const gchar *outdir, const gchar *stem, guint64 *inodes)
{
  guint v, f;

  for (v = 0; v < G_N_ELEMENTS (variants); v++)
    for (f = 0; f < G_N_ELEMENTS (exts); f++) {
      gchar *path = output_path (outdir, variants[v], stem, exts[f]);
      GStatBuf st;

      inodes[v * G_N_ELEMENTS (exts) + f] =
          g_stat (path, &st) == 0 ? (guint64) st.st_ino : 0;
      g_free (path);
    }
}

/* Two runs on one output directory.  A (--thumbnails-first, a big image
 * named x) has written its thumbnails and works on the rest; B writes all
 * six files of another x; A is interrupted: its rollback must remove only
 * files it wrote itself, and B's stay. */
GST_START_TEST (test_rollback_keeps_other_runs_files)
{
  const gchar *variant_spec =
      "thumbnail:150:80:80,preview:5000:85:80,full:6000:85:80";
  gchar *in_a = g_build_filename (workdir, "a", NULL);
  gchar *in_b = g_build_filename (workdir, "b", NULL);
  gchar *png = g_build_filename (in_a, "x.png", NULL);
  gchar *jpg = g_build_filename (in_b, "x.jpg", NULL);
  gchar *out = g_build_filename (workdir, "out", NULL);
  gchar *err_path = g_build_filename (workdir, "a-stderr.txt", NULL);
  gchar *thumb_jpg = output_path (out, "thumbnail", "x", "jpg");
  gchar *thumb_webp = output_path (out, "thumbnail", "x", "webp");
  gchar **argv_a, **argv_b, *err = NULL, *big;
  guint64 after_b[6], before_int[6], after_int[6];
  gint status, waited;
  GPid pid;
  guint i;

  make_valid_images (in_b);
  big = g_build_filename (in_b, "big.jpg", NULL);
  fail_unless (g_rename (big, jpg) == 0);
  g_free (big);
  g_mkdir (in_a, 0755);
  make_big_png (png);

  argv_a = tool_argv ("-q", "--overwrite", "--thumbnails-first", "--variants",
      variant_spec, "-o", out, png, NULL);
  pid = spawn_tool (argv_a, err_path);
  /* A's first pass is over once both thumbnails exist */
  for (waited = 0; waited < 60000; waited += 5) {
    if (g_file_test (thumb_jpg, G_FILE_TEST_EXISTS) &&
        g_file_test (thumb_webp, G_FILE_TEST_EXISTS))
      break;
    g_usleep (5 * 1000);
  }
  fail_unless (waited < 60000, "A wrote no thumbnails");

  argv_b = tool_argv ("-q", "--overwrite", "--variants", variant_spec, "-o",
      out, jpg, NULL);
  fail_unless_equals_int (run_tool (argv_b, NULL, NULL, &err), 0);
  variant_inodes (out, "x", after_b);
  for (i = 0; i < 6; i++)
    fail_unless (after_b[i] != 0, "B's file %u is missing", i);

  variant_inodes (out, "x", before_int);
  fail_unless (waitpid (pid, &status, WNOHANG) == 0,
      "A ended before the interrupt: make its image larger");
  fail_unless (memcmp (before_int, after_b, sizeof (after_b)) == 0,
      "A replaced B's files before the interrupt: make its image larger");
  kill (pid, SIGINT);
  fail_unless (waitpid (pid, &status, 0) == pid);
  g_spawn_close_pid (pid);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 130,
      "A's status %d", status);

  variant_inodes (out, "x", after_int);
  for (i = 0; i < 6; i++)
    fail_unless_equals_uint64 (after_int[i], after_b[i]);
  fail_unless (image_complete (out, "x"));
  fail_unless_equals_int (count_temp_files (out), 0);

  g_strfreev (argv_a);
  g_strfreev (argv_b);
  g_free (err);
  g_free (thumb_jpg);
  g_free (thumb_webp);
  g_free (err_path);
  g_free (out);
  g_free (jpg);
  g_free (png);
  g_free (in_b);
  g_free (in_a);
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
  tcase_add_test (tc, test_fifo_input_refused);
  tcase_add_test (tc, test_unreadable_subdirectory_reported);
  tcase_add_test (tc, test_directory_symlink_in_output_refused);
  tcase_add_test (tc, test_rollback_keeps_other_runs_files);
  return s;
}

GST_CHECK_MAIN (faults);

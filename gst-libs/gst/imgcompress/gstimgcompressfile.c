/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressfile
 * @title: atomic file writing
 * @short_description: write output files so that no reader ever sees a
 *     partial one
 *
 * Every file the project writes (images from metricsink, the batch tool's
 * JSON and Prometheus files) goes through this module: the data is written
 * to a temporary file in the target's own directory (so the final rename
 * never crosses a file system), optionally fsync()ed, then renamed to its
 * final name.  On any failure the temporary file is removed, so a final
 * name only ever holds a complete file.  Without
 * %GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE an existing file is never replaced,
 * even when another process creates it while we write (the rename itself
 * refuses to replace).
 *
 * Temporary files are named `.<final name>.XXXXXX.imgcompress-tmp`; the ones
 * a crash leaves behind are removed by
 * gst_imgcompress_file_remove_stale_temps().
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

/* renameat2() and RENAME_NOREPLACE (glibc >= 2.28) */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "gstimgcompressfile.h"
#include "gst-i18n-plugin.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Leaves room for the ".", ".XXXXXX" and the suffix within NAME_MAX. */
#define TEMP_NAME_MAX_BYTES 64
#define TEMP_RANDOM_LEN 6
/* Directory depth the stale-temp sweep descends to; output trees are a few
 * levels deep (YYYY/MM/DD/variant). */
#define SWEEP_MAX_DEPTH 32

struct _GstImgcompressAtomicFile
{
  gchar *path;
  gchar *temp_path;
  gint fd;
  guint64 size;
  GstImgcompressFileFlags flags;
};

/**
 * gst_imgcompress_file_error_quark:
 *
 * Returns: the domain of #GstImgcompressFileError
 */
GQuark
gst_imgcompress_file_error_quark (void)
{
  return g_quark_from_static_string ("gst-imgcompress-file-error-quark");
}

static gboolean
errno_is_no_space (gint err)
{
  return err == ENOSPC || err == EFBIG
#ifdef EDQUOT
      || err == EDQUOT
#endif
      ;
}

/* @format takes the path, then the system's reason for @err. */
static void set_errno_error (GError **error, GstImgcompressFileError code,
    gint err, const gchar *format, ...) G_GNUC_PRINTF (4, 5);

static void
set_errno_error (GError **error, GstImgcompressFileError code, gint err,
    const gchar *format, ...)
{
  va_list args;
  gchar *message;

  if (error == NULL)
    return;
  if (errno_is_no_space (err))
    code = GST_IMGCOMPRESS_FILE_ERROR_NO_SPACE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, GST_IMGCOMPRESS_FILE_ERROR, code, message);
  g_free (message);
}

/* A prefix of @basename no longer than @max_bytes that does not cut a UTF-8
 * character in two (file names are usually UTF-8; others are cut bytewise). */
static gchar *
truncated_name (const gchar *basename, gsize max_bytes)
{
  gsize len = strlen (basename);
  const gchar *end;

  if (len <= max_bytes)
    return g_strdup (basename);
  end = basename + max_bytes;
  if (g_utf8_validate (basename, -1, NULL)) {
    while (end > basename && (((guchar) *end) & 0xC0) == 0x80)
      end--;
  }
  return g_strndup (basename, end - basename);
}

/* The target's existence is checked before anything is written so that a
 * refusal costs nothing; the no-replace rename at commit closes the race. */
static gboolean
check_may_write (const gchar *path, GstImgcompressFileFlags flags,
    GError **error)
{
  GStatBuf st;

  if (flags & GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE)
    return TRUE;
  if (g_lstat (path, &st) == 0) {
    g_set_error (error, GST_IMGCOMPRESS_FILE_ERROR,
        GST_IMGCOMPRESS_FILE_ERROR_EXISTS, _ ("\"%s\" already exists"), path);
    return FALSE;
  }
  return TRUE;
}

/**
 * gst_imgcompress_atomic_file_open:
 * @path: the final path of the file
 * @flags: #GstImgcompressFileFlags
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * Creates the directories leading to @path (mode %GST_IMGCOMPRESS_DIR_MODE)
 * and a new temporary file next to it (O_EXCL, mode 0666 minus the umask).
 * Without %GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE an existing @path is an error
 * (%GST_IMGCOMPRESS_FILE_ERROR_EXISTS).
 *
 * Write with gst_imgcompress_atomic_file_write(), then end with exactly one
 * of gst_imgcompress_atomic_file_commit() or
 * gst_imgcompress_atomic_file_abort(); both free the object.
 *
 * Returns: (transfer full) (nullable): the open file, or %NULL on error
 */
GstImgcompressAtomicFile *
gst_imgcompress_atomic_file_open (const gchar *path,
    GstImgcompressFileFlags flags, GError **error)
{
  GstImgcompressAtomicFile *file;
  gchar *dir, *base, *short_base, *temp_path;
  gint fd;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  base = g_path_get_basename (path);
  if (g_str_has_suffix (path, G_DIR_SEPARATOR_S) || strcmp (base, ".") == 0 ||
      strcmp (base, "..") == 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_OPEN, EISDIR,
        _ ("Not a file name \"%s\": %s"), path, g_strerror (EISDIR));
    g_free (base);
    return NULL;
  }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, GST_IMGCOMPRESS_DIR_MODE) != 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_MKDIR, errno,
        _ ("Could not create directory \"%s\": %s"), dir, g_strerror (errno));
    g_free (dir);
    g_free (base);
    return NULL;
  }

  if (!check_may_write (path, flags, error)) {
    g_free (dir);
    g_free (base);
    return NULL;
  }

  short_base = truncated_name (base, TEMP_NAME_MAX_BYTES);
  temp_path = g_strdup_printf ("%s" G_DIR_SEPARATOR_S ".%s.XXXXXX%s", dir,
      short_base, GST_IMGCOMPRESS_TEMP_SUFFIX);
  g_free (short_base);
  g_free (base);
  g_free (dir);

  /* g_mkstemp_full() adds O_CREAT | O_EXCL and replaces the last XXXXXX. */
  fd = g_mkstemp_full (temp_path, O_WRONLY | O_CLOEXEC, 0666);
  if (fd < 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_OPEN, errno,
        _ ("Could not create a temporary file for \"%s\": %s"), path,
        g_strerror (errno));
    g_free (temp_path);
    return NULL;
  }

  file = g_new0 (GstImgcompressAtomicFile, 1);
  file->path = g_strdup (path);
  file->temp_path = temp_path;
  file->fd = fd;
  file->flags = flags;
  return file;
}

/**
 * gst_imgcompress_atomic_file_write:
 * @file: an open #GstImgcompressAtomicFile
 * @data: (array length=size): bytes to append
 * @size: number of bytes
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * Appends @data to the temporary file, retrying short and interrupted
 * writes.  A full device or an exceeded file size limit is
 * %GST_IMGCOMPRESS_FILE_ERROR_NO_SPACE.  After an error, call
 * gst_imgcompress_atomic_file_abort().
 *
 * Returns: %TRUE when everything was written
 */
gboolean
gst_imgcompress_atomic_file_write (GstImgcompressAtomicFile *file,
    gconstpointer data, gsize size, GError **error)
{
  const guint8 *p = data;

  g_return_val_if_fail (file != NULL && file->fd >= 0, FALSE);
  g_return_val_if_fail (data != NULL || size == 0, FALSE);

  while (size > 0) {
    gssize n = write (file->fd, p, MIN (size, (gsize) G_MAXSSIZE));

    if (n < 0) {
      if (errno == EINTR)
        continue;
      set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_WRITE, errno,
          _ ("Could not write to \"%s\": %s"), file->temp_path,
          g_strerror (errno));
      return FALSE;
    }
    if (n == 0) {
      /* Regular files never do this; treat it as the device being full
       * rather than looping forever. */
      set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_WRITE, ENOSPC,
          _ ("Could not write to \"%s\": %s"), file->temp_path,
          g_strerror (ENOSPC));
      return FALSE;
    }
    p += n;
    size -= n;
    file->size += n;
  }
  return TRUE;
}

static gint
fsync_retry (gint fd)
{
  gint ret;

  do {
    ret = fsync (fd);
  } while (ret < 0 && errno == EINTR);
  return ret;
}

/* Makes the rename itself durable.  Some file systems cannot fsync a
 * directory (EINVAL); the data is safe anyway, so this is best effort. */
static void
sync_directory_of (const gchar *path)
{
  gchar *dir = g_path_get_dirname (path);
  gint fd = g_open (dir,
      O_RDONLY | O_CLOEXEC
#ifdef O_DIRECTORY
          | O_DIRECTORY
#endif
      ,
      0);

  if (fd >= 0) {
    fsync_retry (fd);
    close (fd);
  }
  g_free (dir);
}

/* Renames @from to @to unless @to exists, without a window in which another
 * writer's file could be replaced. */
static gint
rename_noreplace (const gchar *from, const gchar *to)
{
  GStatBuf st;

#ifdef RENAME_NOREPLACE
  if (renameat2 (AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    return -1;
#endif
  /* A hard link fails with EEXIST just as atomically. */
  if (link (from, to) == 0) {
    g_unlink (from);
    return 0;
  }
  if (errno == EEXIST)
    return -1;
  if (errno != EPERM && errno != ENOTSUP && errno != ENOSYS &&
      errno != EOPNOTSUPP && errno != EMLINK)
    return -1;
  /* File systems without hard links (FAT, some FUSE): check, then rename.
   * The window is tiny and such targets are rare. */
  if (g_lstat (to, &st) == 0) {
    errno = EEXIST;
    return -1;
  }
  return g_rename (from, to);
}

static void
free_file (GstImgcompressAtomicFile *file)
{
  g_free (file->path);
  g_free (file->temp_path);
  g_free (file);
}

/**
 * gst_imgcompress_atomic_file_commit:
 * @file: (transfer full): an open #GstImgcompressAtomicFile
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * Closes the temporary file (fsync()ing it first with
 * %GST_IMGCOMPRESS_FILE_FLAG_SYNC) and renames it to its final path.
 * Without %GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE a file that appeared at the
 * final path in the meantime is kept and this fails with
 * %GST_IMGCOMPRESS_FILE_ERROR_EXISTS.  On failure the temporary file is
 * removed.  Frees @file in every case.
 *
 * Returns: %TRUE when the file is in place under its final name
 */
gboolean
gst_imgcompress_atomic_file_commit (GstImgcompressAtomicFile *file,
    GError **error)
{
  gboolean sync;
  gint fd, ret;

  g_return_val_if_fail (file != NULL && file->fd >= 0, FALSE);

  sync = (file->flags & GST_IMGCOMPRESS_FILE_FLAG_SYNC) != 0;
  fd = file->fd;
  file->fd = -1;

  if (sync && fsync_retry (fd) < 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_SYNC, errno,
        _ ("Could not sync \"%s\": %s"), file->temp_path, g_strerror (errno));
    close (fd);
    goto failed;
  }
  /* close() reports delayed write errors on some file systems (NFS); it
   * is not retried on EINTR because Linux has released the fd by then. */
  if (close (fd) < 0 && errno != EINTR) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_WRITE, errno,
        _ ("Could not write to \"%s\": %s"), file->temp_path,
        g_strerror (errno));
    goto failed;
  }

  if (file->flags & GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE)
    ret = g_rename (file->temp_path, file->path);
  else
    ret = rename_noreplace (file->temp_path, file->path);
  if (ret < 0) {
    gint err = errno;

    if (err == EEXIST)
      g_set_error (error, GST_IMGCOMPRESS_FILE_ERROR,
          GST_IMGCOMPRESS_FILE_ERROR_EXISTS, _ ("\"%s\" already exists"),
          file->path);
    else
      set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_RENAME, err,
          _ ("Could not rename the temporary file to \"%s\": %s"), file->path,
          g_strerror (err));
    goto failed;
  }

  if (sync)
    sync_directory_of (file->path);
  free_file (file);
  return TRUE;

failed:
  g_unlink (file->temp_path);
  free_file (file);
  return FALSE;
}

/**
 * gst_imgcompress_atomic_file_abort:
 * @file: (transfer full) (nullable): a #GstImgcompressAtomicFile
 *
 * Closes and removes the temporary file, leaving the final path untouched,
 * and frees @file.
 */
void
gst_imgcompress_atomic_file_abort (GstImgcompressAtomicFile *file)
{
  if (file == NULL)
    return;
  if (file->fd >= 0)
    close (file->fd);
  g_unlink (file->temp_path);
  free_file (file);
}

/**
 * gst_imgcompress_atomic_file_get_path:
 * @file: a #GstImgcompressAtomicFile
 *
 * Returns: the final path
 */
const gchar *
gst_imgcompress_atomic_file_get_path (GstImgcompressAtomicFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->path;
}

/**
 * gst_imgcompress_atomic_file_get_temp_path:
 * @file: a #GstImgcompressAtomicFile
 *
 * Returns: the path of the temporary file being written
 */
const gchar *
gst_imgcompress_atomic_file_get_temp_path (GstImgcompressAtomicFile *file)
{
  g_return_val_if_fail (file != NULL, NULL);
  return file->temp_path;
}

/**
 * gst_imgcompress_atomic_file_get_size:
 * @file: a #GstImgcompressAtomicFile
 *
 * Returns: the number of bytes written so far
 */
guint64
gst_imgcompress_atomic_file_get_size (GstImgcompressAtomicFile *file)
{
  g_return_val_if_fail (file != NULL, 0);
  return file->size;
}

/**
 * gst_imgcompress_file_set_contents:
 * @path: the final path
 * @data: (array length=size): the whole content
 * @size: its size in bytes
 * @flags: #GstImgcompressFileFlags
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * Writes @data to @path atomically: open, write, commit in one call.
 *
 * Returns: %TRUE on success
 */
gboolean
gst_imgcompress_file_set_contents (const gchar *path, gconstpointer data,
    gsize size, GstImgcompressFileFlags flags, GError **error)
{
  GstImgcompressAtomicFile *file;

  file = gst_imgcompress_atomic_file_open (path, flags, error);
  if (file == NULL)
    return FALSE;
  if (!gst_imgcompress_atomic_file_write (file, data, size, error)) {
    gst_imgcompress_atomic_file_abort (file);
    return FALSE;
  }
  return gst_imgcompress_atomic_file_commit (file, error);
}

static gboolean
is_mkstemp_char (gchar c)
{
  return g_ascii_isalnum (c);
}

/**
 * gst_imgcompress_file_is_temp_name:
 * @basename: a file name without directories
 *
 * Returns: %TRUE when @basename has the form of this project's temporary
 *     files, `.<name>.XXXXXX.imgcompress-tmp`
 */
gboolean
gst_imgcompress_file_is_temp_name (const gchar *basename)
{
  gsize len, suffix_len = strlen (GST_IMGCOMPRESS_TEMP_SUFFIX);
  const gchar *random;
  guint i;

  g_return_val_if_fail (basename != NULL, FALSE);

  len = strlen (basename);
  /* "." name "." XXXXXX suffix, with a name of at least one byte */
  if (len < 1 + 1 + 1 + TEMP_RANDOM_LEN + suffix_len)
    return FALSE;
  if (basename[0] != '.' ||
      !g_str_has_suffix (basename, GST_IMGCOMPRESS_TEMP_SUFFIX))
    return FALSE;
  random = basename + len - suffix_len - TEMP_RANDOM_LEN;
  if (random[-1] != '.')
    return FALSE;
  for (i = 0; i < TEMP_RANDOM_LEN; i++)
    if (!is_mkstemp_char (random[i]))
      return FALSE;
  return TRUE;
}

static void
sweep_directory (const gchar *dir, gint64 now, guint64 max_age, guint depth,
    guint *n_removed)
{
  GDir *d;
  const gchar *entry;

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;

  while ((entry = g_dir_read_name (d)) != NULL) {
    gchar *child = g_build_filename (dir, entry, NULL);
    GStatBuf st;

    /* lstat: symbolic links are neither followed nor removed, so the sweep
     * never leaves the tree it was given. */
    if (g_lstat (child, &st) == 0) {
      if (S_ISDIR (st.st_mode)) {
        if (depth < SWEEP_MAX_DEPTH)
          sweep_directory (child, now, max_age, depth + 1, n_removed);
      } else if (S_ISREG (st.st_mode) &&
          gst_imgcompress_file_is_temp_name (entry) &&
          now - (gint64) st.st_mtime >= 0 &&
          (guint64) (now - (gint64) st.st_mtime) >= max_age) {
        if (g_unlink (child) == 0)
          (*n_removed)++;
      }
    }
    g_free (child);
  }
  g_dir_close (d);
}

/**
 * gst_imgcompress_file_remove_stale_temps:
 * @dir: root of an output tree
 * @max_age_seconds: remove temporary files whose modification time is at
 *     least this many seconds ago (0 removes them all)
 * @n_removed: (out) (optional): number of files removed
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * Removes the temporary files (see gst_imgcompress_file_is_temp_name())
 * that interrupted writers left in @dir and its subdirectories.  Symbolic
 * links are not followed; other files are never touched.  Subdirectories
 * that cannot be read are skipped.  A missing @dir has nothing to clean.
 *
 * Do not pass a small @max_age_seconds while writers are running on the
 * tree: their temporary files are young but in use.
 *
 * Returns: %FALSE when @dir exists but cannot be read
 */
gboolean
gst_imgcompress_file_remove_stale_temps (const gchar *dir,
    guint64 max_age_seconds, guint *n_removed, GError **error)
{
  GStatBuf st;
  guint removed = 0;

  g_return_val_if_fail (dir != NULL, FALSE);

  if (n_removed)
    *n_removed = 0;

  if (g_stat (dir, &st) != 0) {
    gint err = errno;

    if (err == ENOENT)
      return TRUE;
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_READ_DIR, err,
        _ ("Could not read directory \"%s\": %s"), dir, g_strerror (err));
    return FALSE;
  }
  if (!S_ISDIR (st.st_mode)) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_READ_DIR, ENOTDIR,
        _ ("Could not read directory \"%s\": %s"), dir, g_strerror (ENOTDIR));
    return FALSE;
  }
  if (g_access (dir, R_OK | X_OK) != 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_READ_DIR, errno,
        _ ("Could not read directory \"%s\": %s"), dir, g_strerror (errno));
    return FALSE;
  }

  sweep_directory (dir, g_get_real_time () / G_USEC_PER_SEC, max_age_seconds, 0,
      &removed);
  if (n_removed)
    *n_removed = removed;
  return TRUE;
}

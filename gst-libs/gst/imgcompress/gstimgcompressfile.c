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
#include <dirent.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>

/* Leaves room for the ".", ".XXXXXX" and the suffix within NAME_MAX. */
#define TEMP_NAME_MAX_BYTES 64
#define TEMP_RANDOM_LEN 6
/* Directory depth the stale-temp sweep descends to; output trees are a few
 * levels deep (YYYY/MM/DD/variant). */
#define SWEEP_MAX_DEPTH 32

struct _GstImgcompressAtomicFile
{
  gchar *path; /* final path, for messages */
  gchar *temp_path; /* for messages */
  gint dir_fd; /* the directory both names live in */
  gchar *base; /* final name within dir_fd */
  gchar *temp_base;
  gint fd;
  guint64 size;
  guint32 crc; /* CRC-32 of the bytes written, recorded at commit */
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

/* ".<name>." : what the temporary files of the final name @base start
 * with. */
static gchar *
temp_prefix_of (const gchar *base)
{
  gchar *short_base = truncated_name (base, TEMP_NAME_MAX_BYTES);
  gchar *prefix = g_strdup_printf (".%s.", short_base);

  g_free (short_base);
  return prefix;
}

static gint
open_directory_at (gint at_fd, const gchar *name, gboolean follow)
{
  return openat (at_fd, name,
      O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW));
}

/* Why @name in @at_fd could not be opened as a directory without following
 * a link: a symbolic link gets an error of its own. */
static void
set_walk_error (GError **error, gint at_fd, const gchar *name,
    const gchar *shown, gint err)
{
  struct stat st;

  if ((err == ELOOP || err == ENOTDIR) &&
      fstatat (at_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
      S_ISLNK (st.st_mode)) {
    g_set_error (error, GST_IMGCOMPRESS_FILE_ERROR,
        GST_IMGCOMPRESS_FILE_ERROR_SYMLINK,
        _ ("\"%s\" is a symbolic link; links inside the output directory "
           "are not followed"),
        shown);
    return;
  }
  set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_MKDIR, err,
      _ ("Could not create directory \"%s\": %s"), shown, g_strerror (err));
}

/* Opens (creating when missing and @create) the directory @relative below
 * the open directory @root_fd, one component at a time and never through
 * a symbolic link.  @root_name only names places in messages.  With
 * @same_dev, every directory must be on the file system of @root_fd.
 * Returns the directory's fd, or -1 with @error set. */
static gint
walk_directories (gint root_fd, const gchar *root_name, const gchar *relative,
    gboolean create, gboolean same_dev, GError **error)
{
  gchar **parts = g_strsplit (relative, G_DIR_SEPARATOR_S, -1);
  GString *shown = g_string_new (root_name);
  struct stat root_st, st;
  gint fd = dup (root_fd);
  guint i;

  if (fd < 0 || fstat (root_fd, &root_st) != 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_OPEN, errno,
        _ ("Could not read directory \"%s\": %s"), root_name,
        g_strerror (errno));
    goto failed;
  }
  for (i = 0; parts[i] != NULL; i++) {
    const gchar *part = parts[i];
    gint next;

    if (*part == '\0' || strcmp (part, ".") == 0)
      continue;
    g_string_append_printf (shown, G_DIR_SEPARATOR_S "%s", part);
    next = open_directory_at (fd, part, FALSE);
    if (next < 0 && errno == ENOENT && create) {
      if (mkdirat (fd, part, GST_IMGCOMPRESS_DIR_MODE) != 0 &&
          errno != EEXIST) {
        set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_MKDIR, errno,
            _ ("Could not create directory \"%s\": %s"), shown->str,
            g_strerror (errno));
        goto failed;
      }
      next = open_directory_at (fd, part, FALSE);
    }
    if (next < 0) {
      set_walk_error (error, fd, part, shown->str, errno);
      goto failed;
    }
    close (fd);
    fd = next;
    if (same_dev && (fstat (fd, &st) != 0 || st.st_dev != root_st.st_dev)) {
      set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_READ_DIR, EXDEV,
          _ ("Could not read directory \"%s\": %s"), shown->str,
          g_strerror (EXDEV));
      goto failed;
    }
  }
  g_string_free (shown, TRUE);
  g_strfreev (parts);
  return fd;

failed:
  if (fd >= 0)
    close (fd);
  g_string_free (shown, TRUE);
  g_strfreev (parts);
  return -1;
}

/* The target's existence is checked before anything is written so that a
 * refusal costs nothing; the no-replace rename at commit closes the race. */
static gboolean
check_may_write (gint dir_fd, const gchar *base, const gchar *path,
    GstImgcompressFileFlags flags, GError **error)
{
  struct stat st;

  if (flags & GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE)
    return TRUE;
  if (fstatat (dir_fd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    g_set_error (error, GST_IMGCOMPRESS_FILE_ERROR,
        GST_IMGCOMPRESS_FILE_ERROR_EXISTS, _ ("\"%s\" already exists"), path);
    return FALSE;
  }
  return TRUE;
}

static const gchar mkstemp_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* mkstemp() within @dir_fd: a new file named @prefix, TEMP_RANDOM_LEN random
 * letters or digits and the suffix.  Returns the fd and sets @name_out. */
static gint
create_temp_at (gint dir_fd, const gchar *prefix, gchar **name_out)
{
  guint attempt, i;

  for (attempt = 0; attempt < 100; attempt++) {
    GString *name = g_string_new (prefix);
    gint fd;

    for (i = 0; i < TEMP_RANDOM_LEN; i++)
      g_string_append_c (name,
          mkstemp_chars[g_random_int_range (0, sizeof (mkstemp_chars) - 1)]);
    g_string_append (name, GST_IMGCOMPRESS_TEMP_SUFFIX);
    fd = openat (dir_fd, name->str,
        O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd >= 0) {
      *name_out = g_string_free (name, FALSE);
      return fd;
    }
    g_string_free (name, TRUE);
    if (errno != EEXIST)
      return -1;
  }
  errno = EEXIST;
  return -1;
}

static gboolean
is_file_name (const gchar *path, const gchar *base)
{
  return !g_str_has_suffix (path, G_DIR_SEPARATOR_S) &&
      strcmp (base, ".") != 0 && strcmp (base, "..") != 0 && *base != '\0';
}

/* The common part of both open functions: @dir_fd (taken) holds the
 * file's directory. */
static GstImgcompressAtomicFile *
open_in_directory (gint dir_fd, const gchar *path, const gchar *base,
    GstImgcompressFileFlags flags, GError **error)
{
  GstImgcompressAtomicFile *file;
  gchar *prefix, *temp_base = NULL, *dir;
  gint fd;

  if (!check_may_write (dir_fd, base, path, flags, error)) {
    close (dir_fd);
    return NULL;
  }
  prefix = temp_prefix_of (base);
  fd = create_temp_at (dir_fd, prefix, &temp_base);
  g_free (prefix);
  if (fd < 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_OPEN, errno,
        _ ("Could not create a temporary file for \"%s\": %s"), path,
        g_strerror (errno));
    close (dir_fd);
    return NULL;
  }

  file = g_new0 (GstImgcompressAtomicFile, 1);
  file->path = g_strdup (path);
  dir = g_path_get_dirname (path);
  file->temp_path = g_build_filename (dir, temp_base, NULL);
  g_free (dir);
  file->dir_fd = dir_fd;
  file->base = g_strdup (base);
  file->temp_base = temp_base;
  file->fd = fd;
  file->flags = flags;
  return file;
}

/**
 * gst_imgcompress_atomic_file_open: (skip)
 * @path: the final path of the file
 * @flags: #GstImgcompressFileFlags
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * Creates the directories leading to @path (mode %GST_IMGCOMPRESS_DIR_MODE)
 * and a new temporary file next to it (O_EXCL, mode 0666 minus the umask).
 * Without %GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE an existing @path is an error
 * (%GST_IMGCOMPRESS_FILE_ERROR_EXISTS).  Symbolic links on the way to @path
 * are followed; gst_imgcompress_atomic_file_open_under() does not.
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
  GstImgcompressAtomicFile *file = NULL;
  gchar *dir, *base;
  gint dir_fd;

  g_return_val_if_fail (path != NULL && *path != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  base = g_path_get_basename (path);
  if (!is_file_name (path, base)) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_OPEN, EISDIR,
        _ ("Not a file name \"%s\": %s"), path, g_strerror (EISDIR));
    g_free (base);
    return NULL;
  }

  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, GST_IMGCOMPRESS_DIR_MODE) != 0 ||
      (dir_fd = open_directory_at (AT_FDCWD, dir, TRUE)) < 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_MKDIR, errno,
        _ ("Could not create directory \"%s\": %s"), dir, g_strerror (errno));
  } else {
    file = open_in_directory (dir_fd, path, base, flags, error);
  }
  g_free (dir);
  g_free (base);
  return file;
}

/**
 * gst_imgcompress_atomic_file_open_under: (skip)
 * @root: a directory, created when missing (a link to it is followed)
 * @relative: the file's path below @root, without `..`
 * @flags: #GstImgcompressFileFlags
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * As gst_imgcompress_atomic_file_open() for `root/relative`, but the
 * directories below @root are opened one by one without following symbolic
 * links (openat() with O_NOFOLLOW | O_DIRECTORY): a link among them is an
 * error (%GST_IMGCOMPRESS_FILE_ERROR_SYMLINK), so no file ever lands outside
 * @root's tree.  The file is renamed into place within the directory that
 * was opened, even if a path component is swapped meanwhile.
 *
 * Returns: (transfer full) (nullable): the open file, or %NULL on error
 */
GstImgcompressAtomicFile *
gst_imgcompress_atomic_file_open_under (const gchar *root,
    const gchar *relative, GstImgcompressFileFlags flags, GError **error)
{
  GstImgcompressAtomicFile *file = NULL;
  gchar *path, *base, *reldir;
  gint root_fd, dir_fd;

  g_return_val_if_fail (root != NULL && relative != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  path = g_build_filename (root, relative, NULL);
  base = g_path_get_basename (relative);
  if (!is_file_name (relative, base) || g_path_is_absolute (relative)) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_OPEN, EISDIR,
        _ ("Not a file name \"%s\": %s"), path, g_strerror (EISDIR));
    goto done;
  }
  if (g_mkdir_with_parents (root, GST_IMGCOMPRESS_DIR_MODE) != 0 ||
      (root_fd = open_directory_at (AT_FDCWD, root, TRUE)) < 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_MKDIR, errno,
        _ ("Could not create directory \"%s\": %s"), root, g_strerror (errno));
    goto done;
  }
  reldir = g_path_get_dirname (relative);
  dir_fd = walk_directories (root_fd, root, reldir, TRUE, FALSE, error);
  close (root_fd);
  g_free (reldir);
  if (dir_fd >= 0)
    file = open_in_directory (dir_fd, path, base, flags, error);

done:
  g_free (base);
  g_free (path);
  return file;
}

/**
 * gst_imgcompress_atomic_file_write:
 * @file: an open #GstImgcompressAtomicFile
 * @data: (array length=size) (element-type guint8): bytes to append
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
    file->crc = crc32_z (file->crc, p, n);
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

/* Renames @from to @to within @dir_fd unless @to exists, without a window
 * in which another writer's file could be replaced. */
static gint
rename_noreplace_at (gint dir_fd, const gchar *from, const gchar *to)
{
  struct stat st;

#ifdef RENAME_NOREPLACE
  if (renameat2 (dir_fd, from, dir_fd, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
    return -1;
#endif
  /* A hard link fails with EEXIST just as atomically. */
  if (linkat (dir_fd, from, dir_fd, to, 0) == 0) {
    unlinkat (dir_fd, from, 0);
    return 0;
  }
  if (errno == EEXIST)
    return -1;
  if (errno != EPERM && errno != ENOTSUP && errno != ENOSYS &&
      errno != EOPNOTSUPP && errno != EMLINK)
    return -1;
  /* File systems without hard links (FAT, some FUSE): check, then rename.
   * The window is tiny and such targets are rare. */
  if (fstatat (dir_fd, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
    errno = EEXIST;
    return -1;
  }
  return renameat (dir_fd, from, dir_fd, to);
}

static void
free_file (GstImgcompressAtomicFile *file)
{
  if (file->dir_fd >= 0)
    close (file->dir_fd);
  g_free (file->path);
  g_free (file->temp_path);
  g_free (file->base);
  g_free (file->temp_base);
  g_free (file);
}

/* "SIZE:CRC32HEX", the value of GST_IMGCOMPRESS_FILE_XATTR.  The record
 * is there to find files cut or zero-filled by a crash, not to resist
 * tampering (whoever can change the file can change its xattr too), so a
 * CRC-32 does: zlib's is about 15 times faster than GLib's SHA-256, which
 * took 2 % of the CPU time of a phone-size upload's six outputs. */
static gchar *
checksum_record (guint64 size, guint32 crc)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT ":%08x", size, crc);
}

/* Best effort: a file system without user xattrs (tmpfs before 6.6, FAT,
 * NFS) gets none, and gst_imgcompress_file_check() then says so. */
static void
record_checksum (GstImgcompressAtomicFile *file)
{
  gchar *value = checksum_record (file->size, file->crc);

  fsetxattr (file->fd, GST_IMGCOMPRESS_FILE_XATTR, value, strlen (value), 0);
  g_free (value);
}

static void
file_id_from_stat (const struct stat *st, GstImgcompressFileId *id)
{
  id->device = st->st_dev;
  id->inode = st->st_ino;
  id->mtime_ns = (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) +
      st->st_mtim.tv_nsec;
}

/* Records the checksum, syncs (with %GST_IMGCOMPRESS_FILE_FLAG_SYNC) and
 * closes the temporary file; its identity goes to @id.  The temporary file
 * stays, under its temporary name. */
static gboolean
close_temp (GstImgcompressAtomicFile *file, GstImgcompressFileId *id,
    GError **error)
{
  struct stat st;
  gint fd;

  record_checksum (file);
  fd = file->fd;
  file->fd = -1;

  if ((file->flags & GST_IMGCOMPRESS_FILE_FLAG_SYNC) && fsync_retry (fd) < 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_SYNC, errno,
        _ ("Could not sync \"%s\": %s"), file->temp_path, g_strerror (errno));
    close (fd);
    return FALSE;
  }
  /* The identity of this very inode: the rename keeps it. */
  if (id != NULL && fstat (fd, &st) == 0)
    file_id_from_stat (&st, id);
  /* close() reports delayed write errors on some file systems (NFS); it
   * is not retried on EINTR because Linux has released the fd by then. */
  if (close (fd) < 0 && errno != EINTR) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_WRITE, errno,
        _ ("Could not write to \"%s\": %s"), file->temp_path,
        g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

/* Renames @temp_base to @base within @dir_fd (@path names the final file
 * in messages), without replacing an existing file unless @flags say so;
 * with %GST_IMGCOMPRESS_FILE_FLAG_SYNC the rename itself is made durable. */
static gboolean
rename_into_place (gint dir_fd, const gchar *temp_base, const gchar *base,
    const gchar *path, GstImgcompressFileFlags flags, GError **error)
{
  gint ret;

  if (flags & GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE)
    ret = renameat (dir_fd, temp_base, dir_fd, base);
  else
    ret = rename_noreplace_at (dir_fd, temp_base, base);
  if (ret < 0) {
    gint err = errno;

    if (err == EEXIST)
      g_set_error (error, GST_IMGCOMPRESS_FILE_ERROR,
          GST_IMGCOMPRESS_FILE_ERROR_EXISTS, _ ("\"%s\" already exists"), path);
    else
      set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_RENAME, err,
          _ ("Could not rename the temporary file to \"%s\": %s"), path,
          g_strerror (err));
    return FALSE;
  }

  /* Some file systems cannot fsync a directory (EINVAL); the data is safe
   * anyway, so this is best effort. */
  if (flags & GST_IMGCOMPRESS_FILE_FLAG_SYNC)
    fsync_retry (dir_fd);
  return TRUE;
}

/**
 * gst_imgcompress_atomic_file_commit_with_id:
 * @file: (transfer full): an open #GstImgcompressAtomicFile
 * @id: (out caller-allocates) (optional): the identity of the file put in
 *     place, for gst_imgcompress_file_remove_if_same()
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * Records the size and CRC-32 of what was written in the file's
 * %GST_IMGCOMPRESS_FILE_XATTR extended attribute (where the file system
 * has them), closes the temporary file (fsync()ing it first with
 * %GST_IMGCOMPRESS_FILE_FLAG_SYNC) and renames it to its final path.
 * Without %GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE a file that appeared at the
 * final path in the meantime is kept and this fails with
 * %GST_IMGCOMPRESS_FILE_ERROR_EXISTS.  On failure the temporary file is
 * removed.  Frees @file in every case.
 *
 * Returns: %TRUE when the file is in place under its final name
 */
gboolean
gst_imgcompress_atomic_file_commit_with_id (GstImgcompressAtomicFile *file,
    GstImgcompressFileId *id, GError **error)
{
  gboolean ok;

  g_return_val_if_fail (file != NULL && file->fd >= 0, FALSE);

  ok = close_temp (file, id, error) &&
      rename_into_place (file->dir_fd, file->temp_base, file->base, file->path,
          file->flags, error);
  if (!ok)
    unlinkat (file->dir_fd, file->temp_base, 0);
  free_file (file);
  return ok;
}

/**
 * gst_imgcompress_atomic_file_hold:
 * @file: (transfer full): an open #GstImgcompressAtomicFile
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * The first half of gst_imgcompress_atomic_file_commit_with_id(): records
 * the checksum, syncs and closes the temporary file, but leaves it under
 * its temporary name, so that an application can decide when the file
 * appears (all thumbnails of a batch before any larger file, say).  End
 * with exactly one of gst_imgcompress_file_commit_held() or
 * gst_imgcompress_file_discard_held().  A process that dies meanwhile
 * leaves a temporary file that gst_imgcompress_file_remove_stale_temps()
 * removes.  On failure the temporary file is removed.  Frees @file in every
 * case.
 *
 * Returns: (transfer full) (nullable): the path of the held temporary file,
 *     or %NULL on error
 */
gchar *
gst_imgcompress_atomic_file_hold (GstImgcompressAtomicFile *file,
    GError **error)
{
  gchar *temp_path = NULL;

  g_return_val_if_fail (file != NULL && file->fd >= 0, NULL);

  if (close_temp (file, NULL, error))
    temp_path = g_strdup (file->temp_path);
  else
    unlinkat (file->dir_fd, file->temp_base, 0);
  free_file (file);
  return temp_path;
}

/* The directory of @held_path opened, and its base name, when @held_path is
 * a temporary file of ours for @path in the same directory. */
static gint
open_held_directory (const gchar *held_path, const gchar *path,
    gchar **held_base, GError **error)
{
  gchar *dir = g_path_get_dirname (path);
  gchar *held_dir = g_path_get_dirname (held_path);
  gchar *base = g_path_get_basename (held_path);
  gint dir_fd = -1;

  if (strcmp (dir, held_dir) != 0 ||
      !gst_imgcompress_file_is_temp_name (base)) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_RENAME, EINVAL,
        _ ("Could not rename the temporary file to \"%s\": %s"), path,
        g_strerror (EINVAL));
  } else if ((dir_fd = open_directory_at (AT_FDCWD, dir, TRUE)) < 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_RENAME, errno,
        _ ("Could not rename the temporary file to \"%s\": %s"), path,
        g_strerror (errno));
  }
  if (dir_fd >= 0)
    *held_base = g_steal_pointer (&base);
  g_free (base);
  g_free (held_dir);
  g_free (dir);
  return dir_fd;
}

/**
 * gst_imgcompress_file_commit_held:
 * @held_path: what gst_imgcompress_atomic_file_hold() returned
 * @path: the final path the file was opened for
 * @flags: #GstImgcompressFileFlags, as the file was opened with
 * @id: (out caller-allocates) (optional): the identity of the file put in
 *     place, for gst_imgcompress_file_remove_if_same()
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * The second half of gst_imgcompress_atomic_file_commit_with_id(): renames
 * the held temporary file to @path, in the same directory, with the same
 * refusal to replace an existing file unless @flags say so.  On failure
 * the temporary file is removed.
 *
 * Returns: %TRUE when the file is in place under its final name
 */
gboolean
gst_imgcompress_file_commit_held (const gchar *held_path, const gchar *path,
    GstImgcompressFileFlags flags, GstImgcompressFileId *id, GError **error)
{
  gchar *held_base = NULL, *base;
  struct stat st = {
    0,
  };
  gboolean ok = FALSE;
  gint dir_fd;

  g_return_val_if_fail (held_path != NULL && path != NULL, FALSE);

  dir_fd = open_held_directory (held_path, path, &held_base, error);
  if (dir_fd < 0)
    return FALSE;
  base = g_path_get_basename (path);
  if (fstatat (dir_fd, held_base, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG (st.st_mode)) {
    gint err = S_ISREG (st.st_mode) ? errno : EINVAL;

    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_RENAME, err,
        _ ("Could not rename the temporary file to \"%s\": %s"), path,
        g_strerror (err));
  } else {
    if (id != NULL)
      file_id_from_stat (&st, id);
    ok = rename_into_place (dir_fd, held_base, base, path, flags, error);
  }
  if (!ok)
    unlinkat (dir_fd, held_base, 0);
  close (dir_fd);
  g_free (base);
  g_free (held_base);
  return ok;
}

/**
 * gst_imgcompress_file_discard_held:
 * @held_path: what gst_imgcompress_atomic_file_hold() returned
 *
 * Removes a held temporary file that is not to be committed.  A path that
 * does not name one of our temporary files is left alone.
 */
void
gst_imgcompress_file_discard_held (const gchar *held_path)
{
  gchar *base;

  g_return_if_fail (held_path != NULL);

  base = g_path_get_basename (held_path);
  if (gst_imgcompress_file_is_temp_name (base))
    g_unlink (held_path);
  g_free (base);
}

/**
 * gst_imgcompress_atomic_file_commit:
 * @file: (transfer full): an open #GstImgcompressAtomicFile
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * gst_imgcompress_atomic_file_commit_with_id() without the identity.
 *
 * Returns: %TRUE when the file is in place under its final name
 */
gboolean
gst_imgcompress_atomic_file_commit (GstImgcompressAtomicFile *file,
    GError **error)
{
  return gst_imgcompress_atomic_file_commit_with_id (file, NULL, error);
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
  unlinkat (file->dir_fd, file->temp_base, 0);
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
 * @data: (array length=size) (element-type guint8): the whole content
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

/* Whether the temporary file @st is old enough to be a crash's leftover. */
static gboolean
is_stale (const struct stat *st, gint64 now, guint64 max_age)
{
  return S_ISREG (st->st_mode) && now - (gint64) st->st_mtime >= 0 &&
      (guint64) (now - (gint64) st->st_mtime) >= max_age;
}

static void
sweep_directory (const gchar *dir, dev_t dev, gint64 now, guint64 max_age,
    guint depth, guint *n_removed)
{
  GDir *d;
  const gchar *entry;

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;

  while ((entry = g_dir_read_name (d)) != NULL) {
    gchar *child = g_build_filename (dir, entry, NULL);
    struct stat st;

    /* lstat: symbolic links are neither followed nor removed, and another
     * file system mounted inside is not entered, so the sweep never leaves
     * the tree it was given. */
    if (lstat (child, &st) == 0 && st.st_dev == dev) {
      if (S_ISDIR (st.st_mode)) {
        if (depth < SWEEP_MAX_DEPTH)
          sweep_directory (child, dev, now, max_age, depth + 1, n_removed);
      } else if (gst_imgcompress_file_is_temp_name (entry) &&
          is_stale (&st, now, max_age)) {
        if (g_unlink (child) == 0)
          (*n_removed)++;
      }
    }
    g_free (child);
  }
  g_dir_close (d);
}

/* Errors of a directory that must be readable to be swept. */
static gboolean
check_sweep_root (const gchar *dir, struct stat *st, GError **error)
{
  gint err;

  if (stat (dir, st) != 0) {
    err = errno;
  } else if (!S_ISDIR (st->st_mode)) {
    err = ENOTDIR;
  } else if (g_access (dir, R_OK | X_OK) != 0) {
    err = errno;
  } else {
    return TRUE;
  }
  set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_READ_DIR, err,
      _ ("Could not read directory \"%s\": %s"), dir, g_strerror (err));
  return FALSE;
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
 * links are not followed and file systems mounted inside @dir are not
 * entered; other files are never touched.  Subdirectories that cannot be
 * read are skipped.  A missing @dir has nothing to clean.
 * gst_imgcompress_file_remove_stale_temps_of() is narrower: only the
 * temporary files of given final paths.
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
  struct stat st;
  guint removed = 0;

  g_return_val_if_fail (dir != NULL, FALSE);

  if (n_removed)
    *n_removed = 0;
  if (g_access (dir, F_OK) != 0 && errno == ENOENT)
    return TRUE;
  if (!check_sweep_root (dir, &st, error))
    return FALSE;

  sweep_directory (dir, st.st_dev, g_get_real_time () / G_USEC_PER_SEC,
      max_age_seconds, 0, &removed);
  if (n_removed)
    *n_removed = removed;
  return TRUE;
}

/* Temporary-name prefixes (".<final name>.") of @relative_paths, per
 * directory: relative directory -> GPtrArray of prefixes. */
static GHashTable *
temp_prefixes_by_directory (const gchar *const *relative_paths)
{
  GHashTable *dirs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) g_ptr_array_unref);
  guint i;

  for (i = 0; relative_paths[i] != NULL; i++) {
    gchar *dir = g_path_get_dirname (relative_paths[i]);
    gchar *base = g_path_get_basename (relative_paths[i]);
    GPtrArray *prefixes = g_hash_table_lookup (dirs, dir);

    if (prefixes == NULL) {
      prefixes = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (dirs, g_strdup (dir), prefixes);
    }
    g_ptr_array_add (prefixes, temp_prefix_of (base));
    g_free (base);
    g_free (dir);
  }
  return dirs;
}

static gboolean
has_any_prefix (const gchar *name, GPtrArray *prefixes)
{
  guint i;

  for (i = 0; i < prefixes->len; i++)
    if (g_str_has_prefix (name, g_ptr_array_index (prefixes, i)))
      return TRUE;
  return FALSE;
}

/* Removes the stale temporary files of @prefixes in the open directory
 * @dir_fd (taken), which is on @dev. */
static guint
sweep_temps_of (gint dir_fd, dev_t dev, GPtrArray *prefixes, gint64 now,
    guint64 max_age)
{
  DIR *d = fdopendir (dir_fd);
  struct dirent *entry;
  guint removed = 0;

  if (d == NULL) {
    close (dir_fd);
    return 0;
  }
  while ((entry = readdir (d)) != NULL) {
    struct stat st;

    if (!gst_imgcompress_file_is_temp_name (entry->d_name) ||
        !has_any_prefix (entry->d_name, prefixes))
      continue;
    if (fstatat (dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        st.st_dev == dev && is_stale (&st, now, max_age) &&
        unlinkat (dir_fd, entry->d_name, 0) == 0)
      removed++;
  }
  closedir (d);
  return removed;
}

/**
 * gst_imgcompress_file_remove_stale_temps_of:
 * @root: the output directory
 * @relative_paths: (array zero-terminated=1): final paths below @root that a
 *     writer is about to make
 * @max_age_seconds: remove temporary files whose modification time is at
 *     least this many seconds ago
 * @n_removed: (out) (optional): number of files removed
 * @error: (out) (optional): where to put a #GST_IMGCOMPRESS_FILE_ERROR
 *
 * Removes the stale temporary files that writers of @relative_paths could
 * have left: only in the directories of those paths, only files named as
 * their temporary files.  Directories are reached without following
 * symbolic links and must be on @root's file system; missing ones have
 * nothing to clean.
 *
 * Returns: %FALSE when @root exists but cannot be read
 */
gboolean
gst_imgcompress_file_remove_stale_temps_of (const gchar *root,
    const gchar *const *relative_paths, guint64 max_age_seconds,
    guint *n_removed, GError **error)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GHashTable *dirs;
  GHashTableIter iter;
  gpointer dir, prefixes;
  struct stat st;
  guint removed = 0;
  gint root_fd;

  g_return_val_if_fail (root != NULL && relative_paths != NULL, FALSE);

  if (n_removed)
    *n_removed = 0;
  if (g_access (root, F_OK) != 0 && errno == ENOENT)
    return TRUE;
  if (!check_sweep_root (root, &st, error))
    return FALSE;
  root_fd = open_directory_at (AT_FDCWD, root, TRUE);
  if (root_fd < 0) {
    set_errno_error (error, GST_IMGCOMPRESS_FILE_ERROR_READ_DIR, errno,
        _ ("Could not read directory \"%s\": %s"), root, g_strerror (errno));
    return FALSE;
  }

  dirs = temp_prefixes_by_directory (relative_paths);
  g_hash_table_iter_init (&iter, dirs);
  while (g_hash_table_iter_next (&iter, &dir, &prefixes)) {
    gint dir_fd = walk_directories (root_fd, root, dir, FALSE, TRUE, NULL);

    if (dir_fd >= 0)
      removed +=
          sweep_temps_of (dir_fd, st.st_dev, prefixes, now, max_age_seconds);
  }
  g_hash_table_unref (dirs);
  close (root_fd);
  if (n_removed)
    *n_removed = removed;
  return TRUE;
}

/**
 * gst_imgcompress_file_remove_if_same:
 * @path: a file to remove
 * @id: the identity it had when it was put in place (from
 *     gst_imgcompress_atomic_file_commit_with_id())
 *
 * Removes @path only if it is still the file @id describes (same device,
 * inode and modification time): a file another writer put there since is
 * left alone.
 *
 * Returns: %TRUE when the file was removed
 */
gboolean
gst_imgcompress_file_remove_if_same (const gchar *path,
    const GstImgcompressFileId *id)
{
  GstImgcompressFileId now;
  struct stat st;

  g_return_val_if_fail (path != NULL && id != NULL, FALSE);

  if (lstat (path, &st) != 0 || !S_ISREG (st.st_mode))
    return FALSE;
  file_id_from_stat (&st, &now);
  if (now.device != id->device || now.inode != id->inode ||
      now.mtime_ns != id->mtime_ns)
    return FALSE;
  return g_unlink (path) == 0;
}

/* The size and CRC-32 of @fd's contents; FALSE on a read error. */
static gboolean
checksum_contents (gint fd, guint64 *size, guint32 *crc)
{
  guint8 buf[65536];
  gssize n;

  *size = 0;
  *crc = crc32_z (0, NULL, 0);
  while ((n = read (fd, buf, sizeof (buf))) != 0) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    *crc = crc32_z (*crc, buf, n);
    *size += n;
  }
  return TRUE;
}

/**
 * gst_imgcompress_file_check:
 * @path: a file written through this module
 *
 * Compares the file with the size and CRC-32 recorded in its
 * %GST_IMGCOMPRESS_FILE_XATTR attribute when it was written.  A file that
 * was cut, zeroed or otherwise changed since is
 * %GST_IMGCOMPRESS_FILE_CHECK_DAMAGED.  A copy that lost its extended
 * attributes, a file written by an older version, or a file system without
 * user xattrs gives %GST_IMGCOMPRESS_FILE_CHECK_UNRECORDED: the caller must
 * judge it another way (decode it).  Only regular files are opened (no
 * link is followed, no FIFO blocks).
 *
 * Returns: the #GstImgcompressFileCheck
 */
GstImgcompressFileCheck
gst_imgcompress_file_check (const gchar *path)
{
  GstImgcompressFileCheck result = GST_IMGCOMPRESS_FILE_CHECK_DAMAGED;
  gchar value[128], *expected;
  struct stat st;
  guint64 size;
  guint32 crc;
  gssize len;
  gint fd;

  g_return_val_if_fail (path != NULL, GST_IMGCOMPRESS_FILE_CHECK_MISSING);

  fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return errno == ENOENT ? GST_IMGCOMPRESS_FILE_CHECK_MISSING :
                             GST_IMGCOMPRESS_FILE_CHECK_DAMAGED;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    close (fd);
    return GST_IMGCOMPRESS_FILE_CHECK_DAMAGED;
  }
  len = fgetxattr (fd, GST_IMGCOMPRESS_FILE_XATTR, value, sizeof (value) - 1);
  if (len < 0) {
    close (fd);
    return GST_IMGCOMPRESS_FILE_CHECK_UNRECORDED;
  }
  value[len] = '\0';
  if (checksum_contents (fd, &size, &crc)) {
    expected = checksum_record (size, crc);
    if (strcmp (expected, value) == 0)
      result = GST_IMGCOMPRESS_FILE_CHECK_OK;
    g_free (expected);
  }
  close (fd);
  return result;
}

/**
 * gst_imgcompress_file_id_to_structure:
 * @id: a file's identity
 * @s: a writable structure, e.g. of an `imgcompress-metrics` message
 *
 * Sets the fields `file-device`, `file-inode` (guint64) and
 * `file-mtime-ns` (gint64) of @s.
 */
void
gst_imgcompress_file_id_to_structure (const GstImgcompressFileId *id,
    GstStructure *s)
{
  g_return_if_fail (id != NULL && s != NULL);

  gst_structure_set (s, "file-device", G_TYPE_UINT64, id->device, "file-inode",
      G_TYPE_UINT64, id->inode, "file-mtime-ns", G_TYPE_INT64, id->mtime_ns,
      NULL);
}

/**
 * gst_imgcompress_file_id_from_structure:
 * @s: a structure with the fields of gst_imgcompress_file_id_to_structure()
 * @id: (out caller-allocates): the identity
 *
 * Returns: %TRUE when @s has all three fields
 */
gboolean
gst_imgcompress_file_id_from_structure (const GstStructure *s,
    GstImgcompressFileId *id)
{
  g_return_val_if_fail (s != NULL && id != NULL, FALSE);

  return gst_structure_get_uint64 (s, "file-device", &id->device) &&
      gst_structure_get_uint64 (s, "file-inode", &id->inode) &&
      gst_structure_get_int64 (s, "file-mtime-ns", &id->mtime_ns);
}

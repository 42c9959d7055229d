/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_FILE_H__
#define __GST_IMGCOMPRESS_FILE_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/**
 * GST_IMGCOMPRESS_TEMP_SUFFIX:
 *
 * Every temporary file this project creates is named
 * `.<final name>.XXXXXX.imgcompress-tmp` and lives in the directory of the
 * file it will become, so gst_imgcompress_file_remove_stale_temps() can
 * find the ones a crash left behind.
 */
#define GST_IMGCOMPRESS_TEMP_SUFFIX ".imgcompress-tmp"

/**
 * GST_IMGCOMPRESS_DIR_MODE:
 *
 * Mode of the directories created on the way to an output file (before the
 * umask).
 */
#define GST_IMGCOMPRESS_DIR_MODE 0755

#define GST_IMGCOMPRESS_FILE_ERROR (gst_imgcompress_file_error_quark ())

/**
 * GstImgcompressFileError:
 * @GST_IMGCOMPRESS_FILE_ERROR_EXISTS: the target exists and overwriting was
 *     not allowed
 * @GST_IMGCOMPRESS_FILE_ERROR_NO_SPACE: the device is full, the file is too
 *     large (EFBIG) or the quota is exhausted
 * @GST_IMGCOMPRESS_FILE_ERROR_MKDIR: a directory could not be created
 * @GST_IMGCOMPRESS_FILE_ERROR_OPEN: the temporary file could not be created
 * @GST_IMGCOMPRESS_FILE_ERROR_WRITE: writing or closing failed
 * @GST_IMGCOMPRESS_FILE_ERROR_SYNC: fsync() failed
 * @GST_IMGCOMPRESS_FILE_ERROR_RENAME: the temporary file could not be
 *     renamed to its final name
 * @GST_IMGCOMPRESS_FILE_ERROR_READ_DIR: a directory could not be listed
 *
 * Which step of writing a file failed.  The message holds the path and the
 * system's reason.
 */
typedef enum
{
  GST_IMGCOMPRESS_FILE_ERROR_EXISTS,
  GST_IMGCOMPRESS_FILE_ERROR_NO_SPACE,
  GST_IMGCOMPRESS_FILE_ERROR_MKDIR,
  GST_IMGCOMPRESS_FILE_ERROR_OPEN,
  GST_IMGCOMPRESS_FILE_ERROR_WRITE,
  GST_IMGCOMPRESS_FILE_ERROR_SYNC,
  GST_IMGCOMPRESS_FILE_ERROR_RENAME,
  GST_IMGCOMPRESS_FILE_ERROR_READ_DIR,
} GstImgcompressFileError;

/**
 * GstImgcompressFileFlags:
 * @GST_IMGCOMPRESS_FILE_FLAG_NONE: refuse to replace an existing file, no
 *     fsync
 * @GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE: replace an existing file (atomically)
 * @GST_IMGCOMPRESS_FILE_FLAG_SYNC: fsync the data before the rename and the
 *     directory after it
 */
typedef enum
{
  GST_IMGCOMPRESS_FILE_FLAG_NONE = 0,
  GST_IMGCOMPRESS_FILE_FLAG_OVERWRITE = (1 << 0),
  GST_IMGCOMPRESS_FILE_FLAG_SYNC = (1 << 1),
} GstImgcompressFileFlags;

typedef struct _GstImgcompressAtomicFile GstImgcompressAtomicFile;

GST_IMGCOMPRESS_API
GQuark gst_imgcompress_file_error_quark (void);

GST_IMGCOMPRESS_API
GstImgcompressAtomicFile *gst_imgcompress_atomic_file_open (const gchar *path,
    GstImgcompressFileFlags flags, GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_atomic_file_write (GstImgcompressAtomicFile *file,
    gconstpointer data, gsize size, GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_atomic_file_commit (GstImgcompressAtomicFile *file,
    GError **error);

GST_IMGCOMPRESS_API
void gst_imgcompress_atomic_file_abort (GstImgcompressAtomicFile *file);

GST_IMGCOMPRESS_API
const gchar *gst_imgcompress_atomic_file_get_path (GstImgcompressAtomicFile
        *file);

GST_IMGCOMPRESS_API
const gchar *gst_imgcompress_atomic_file_get_temp_path (GstImgcompressAtomicFile
        *file);

GST_IMGCOMPRESS_API
guint64 gst_imgcompress_atomic_file_get_size (GstImgcompressAtomicFile *file);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_file_set_contents (const gchar *path,
    gconstpointer data, gsize size, GstImgcompressFileFlags flags,
    GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_file_is_temp_name (const gchar *basename);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_file_remove_stale_temps (const gchar *dir,
    guint64 max_age_seconds, guint *n_removed, GError **error);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_FILE_H__ */

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
 * @GST_IMGCOMPRESS_FILE_ERROR_SYMLINK: a directory below the root given to
 *     gst_imgcompress_atomic_file_open_under() is a symbolic link
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
  GST_IMGCOMPRESS_FILE_ERROR_SYMLINK,
} GstImgcompressFileError;

/**
 * GST_IMGCOMPRESS_FILE_XATTR:
 *
 * The extended attribute in which every committed file records its size
 * and the CRC-32 (zlib's) of its bytes, as `SIZE:HEX`, HEX being eight
 * lowercase digits (where the file system has user xattrs).
 * gst_imgcompress_file_check() compares a file with it.  Earlier builds
 * recorded a SHA-256 in `user.imgcompress.sha256` instead; that is not
 * read, so their files are unrecorded.
 */
#define GST_IMGCOMPRESS_FILE_XATTR "user.imgcompress.crc32"

/**
 * GstImgcompressFileId:
 * @device: st_dev
 * @inode: st_ino
 * @mtime_ns: the modification time, in ns since the epoch
 *
 * Which file a path held when it was written: a later file at the same
 * path (or a reused inode number) differs in one of these.
 */
typedef struct
{
  guint64 device;
  guint64 inode;
  gint64 mtime_ns;
} GstImgcompressFileId;

/**
 * GstImgcompressFileCheck:
 * @GST_IMGCOMPRESS_FILE_CHECK_OK: the file holds the bytes recorded when it
 *     was written
 * @GST_IMGCOMPRESS_FILE_CHECK_DAMAGED: it differs from the record, or is not
 *     a regular file
 * @GST_IMGCOMPRESS_FILE_CHECK_UNRECORDED: it has no record (no xattr
 *     support, a copy, an older writer)
 * @GST_IMGCOMPRESS_FILE_CHECK_MISSING: there is no such file
 *
 * What gst_imgcompress_file_check() found.
 */
typedef enum
{
  GST_IMGCOMPRESS_FILE_CHECK_OK,
  GST_IMGCOMPRESS_FILE_CHECK_DAMAGED,
  GST_IMGCOMPRESS_FILE_CHECK_UNRECORDED,
  GST_IMGCOMPRESS_FILE_CHECK_MISSING,
} GstImgcompressFileCheck;

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
GstImgcompressAtomicFile *gst_imgcompress_atomic_file_open_under (const gchar
                                                                      *root,
    const gchar *relative, GstImgcompressFileFlags flags, GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_atomic_file_write (GstImgcompressAtomicFile *file,
    gconstpointer data, gsize size, GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_atomic_file_commit (GstImgcompressAtomicFile *file,
    GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_atomic_file_commit_with_id (GstImgcompressAtomicFile
                                                         *file,
    GstImgcompressFileId *id, GError **error);

GST_IMGCOMPRESS_API
gchar *gst_imgcompress_atomic_file_hold (GstImgcompressAtomicFile *file,
    GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_file_commit_held (const gchar *held_path,
    const gchar *path, GstImgcompressFileFlags flags, GstImgcompressFileId *id,
    GError **error);

GST_IMGCOMPRESS_API
void gst_imgcompress_file_discard_held (const gchar *held_path);

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

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_file_remove_stale_temps_of (const gchar *root,
    const gchar *const *relative_paths, guint64 max_age_seconds,
    guint *n_removed, GError **error);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_file_remove_if_same (const gchar *path,
    const GstImgcompressFileId *id);

GST_IMGCOMPRESS_API
void gst_imgcompress_file_id_to_structure (const GstImgcompressFileId *id,
    GstStructure *s);

GST_IMGCOMPRESS_API
gboolean gst_imgcompress_file_id_from_structure (const GstStructure *s,
    GstImgcompressFileId *id);

GST_IMGCOMPRESS_API
GstImgcompressFileCheck gst_imgcompress_file_check (const gchar *path);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_FILE_H__ */

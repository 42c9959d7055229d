/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Helpers every test suite shares: image quality measures, the real-photo
 * corpus, files. */

#ifndef __IMGCHECK_H__
#define __IMGCHECK_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

gdouble imgcheck_luma_ssim (const guint8 *a, gint stride_a, const guint8 *b,
    gint stride_b, gint width, gint height);

gdouble imgcheck_psnr (const guint8 *a, gint stride_a, const guint8 *b,
    gint stride_b, gint width, gint height);

gdouble imgcheck_frame_luma_ssim (GstBuffer *a, const GstVideoInfo *info_a,
    GstBuffer *b, const GstVideoInfo *info_b);

gchar *imgcheck_corpus_dir (void);

gchar *imgcheck_corpus_file (const gchar *basename);

GstBuffer *imgcheck_buffer_from_file (const gchar *path);

void imgcheck_list_files (const gchar *dir, GPtrArray *out);

guint imgcheck_count_files (const gchar *dir, const gchar *needle);

void imgcheck_remove_tree (const gchar *dir);

gchar *imgcheck_generate_cases (const gchar *script, const gchar *template);

GstBuffer *imgcheck_decode_gray (const gchar *path, guint width, guint height,
    GstVideoInfo *info);

#define IMGCHECK_PYTHON "/usr/bin/python3"

gboolean imgcheck_run_python (const gchar *script, const gchar *arg);

gboolean imgcheck_have_pillow (void);

gboolean imgcheck_run_script (const gchar *script, const gchar *a,
    const gchar *b, const gchar *c, gchar **out);

G_END_DECLS

#endif /* __IMGCHECK_H__ */

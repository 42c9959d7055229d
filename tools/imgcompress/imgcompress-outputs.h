/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_OUTPUTS_H__
#define __IMGCOMPRESS_OUTPUTS_H__

#include <gst/gst.h>

#include "imgcompress-batch.h"
#include "imgcompress-config.h"

G_BEGIN_DECLS

/* What two images that would write one file get (--on-collision). */
typedef enum
{
  IMGCOMPRESS_COLLISIONS_SUFFIX, /* the later one's name gets -2, -3... */
  IMGCOMPRESS_COLLISIONS_REFUSE, /* both fail, exit status 1 */
} ImgcompressCollisions;

gchar *imgcompress_outputs_location_template (ImgcompressLayout layout,
    GDateTime *run_time);

gboolean imgcompress_outputs_plan (ImgcompressImage *image,
    const gchar *location_template, const ImgcompressConfig *config,
    GDateTime *run_time, GError **error);

gboolean imgcompress_outputs_plan_all (GPtrArray *images, const gchar *base,
    ImgcompressLayout layout, ImgcompressCollisions collisions,
    const ImgcompressConfig *config, GDateTime *run_time, GError **error);

guint imgcompress_outputs_refuse_collisions (GPtrArray *images);

void imgcompress_outputs_refuse_existing (GPtrArray *images,
    const gchar *outdir);

gchar **imgcompress_outputs_all_planned (GPtrArray *images);

GPtrArray *imgcompress_outputs_list_days (const gchar *outdir);

gboolean imgcompress_outputs_complete (const gchar *outdir,
    const ImgcompressImage *image, GPtrArray *days);

void imgcompress_outputs_remove_own (ImgcompressImage *image);

G_END_DECLS

#endif /* __IMGCOMPRESS_OUTPUTS_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_CONFIG_H__
#define __IMGCOMPRESS_CONFIG_H__

#include <glib.h>
#include <gst/imgcompress/imgcompress.h>

G_BEGIN_DECLS

#define IMGCOMPRESS_ERROR (imgcompress_error_quark ())
GQuark imgcompress_error_quark (void);

typedef enum
{
  IMGCOMPRESS_ERROR_CONFIG,
  IMGCOMPRESS_ERROR_USAGE,
} ImgcompressError;

typedef enum
{
  IMGCOMPRESS_LAYOUT_FLAT,
  IMGCOMPRESS_LAYOUT_DATE,
  IMGCOMPRESS_LAYOUT_TREE, /* VARIANT/SUBDIR/NAME.EXT, mirroring the inputs */
} ImgcompressLayout;

gboolean imgcompress_layout_from_string (const gchar *name,
    ImgcompressLayout *layout);

typedef struct
{
  guint threads; /* 0: the seed's rule from the core count */
  guint chunk_size; /* 0: memory-aware */
  gchar *formats; /* "jpeg,webp" */
  ImgcompressLayout layout;
  gboolean adaptive; /* file-size bands */
  GArray *variants; /* ImgcompressVariant, smallest first */
  guint64 max_pixels;
  guint64 max_input_bytes; /* 0: no limit */
  const gchar *icc; /* imgcompressbin's icc: convert, keep, ignore */
  const gchar *metadata; /* imgcompressbin's metadata: none, copyright */
} ImgcompressConfig;

/* Limits every setting is checked against, shared by the config file and
 * the command line. */
#define IMGCOMPRESS_MAX_THREADS 256
#define IMGCOMPRESS_MIN_CHUNK 5
#define IMGCOMPRESS_MAX_CHUNK 30
#define IMGCOMPRESS_MAX_DIMENSION 65535

/* Estimated peak memory of one image in flight (measured by bench/ on the
 * corpus; the seed assumed 30 MB) and the share of available memory the
 * tool may plan for (the seed's 50 % buffer). */
#define IMGCOMPRESS_BYTES_PER_IMAGE (30 * 1024 * 1024)

void imgcompress_config_init (ImgcompressConfig *config);
void imgcompress_config_clear (ImgcompressConfig *config);

gboolean imgcompress_config_load_file (ImgcompressConfig *config,
    const gchar *path, GError **error);

gboolean imgcompress_config_set_variants (ImgcompressConfig *config,
    const gchar *spec, const gchar *origin, GError **error);

gboolean imgcompress_config_set_formats (ImgcompressConfig *config,
    const gchar *formats, const gchar *origin, GError **error);

gchar *imgcompress_config_variants_string (const ImgcompressConfig *config);

guint imgcompress_threads_for_cores (guint cores);

guint imgcompress_chunk_size_for_memory (guint64 mem_available_bytes,
    guint64 bytes_per_image);

guint64 imgcompress_mem_available (void);

gdouble imgcompress_memory_used_fraction (void);

guint imgcompress_adapted_limit (guint limit, guint max_limit, gdouble mean_s,
    gdouble memory_used, gdouble load, guint n_cpus);

G_END_DECLS

#endif /* __IMGCOMPRESS_CONFIG_H__ */

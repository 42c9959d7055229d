/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_SERVE_H__
#define __IMGCOMPRESS_SERVE_H__

#include <glib.h>

#include "imgcompress-config.h"

G_BEGIN_DECLS

#define IMGCOMPRESS_SERVE_DEFAULT_LISTEN "127.0.0.1:8080"
#define IMGCOMPRESS_SERVE_DEFAULT_MAX_BODY (50 * 1024 * 1024)
#define IMGCOMPRESS_SERVE_DEFAULT_QUEUE 64
#define IMGCOMPRESS_SERVE_DEFAULT_READ_TIMEOUT 30

typedef struct
{
  gchar *listen; /* ADDR:PORT; port 0 picks a free one */
  gchar *auth_token_file; /* NULL: no authentication */
  gint64 max_body_bytes;
  gint queue_size; /* background images waiting, at most */
  gint read_timeout_s; /* a client silent this long is dropped */
  gchar *redis_url; /* the background variants go to workers on Redis */
  gchar *stream; /* their job stream */
  gchar *results_stream; /* NULL: STREAM:results */
} ImgcompressServeOptions;

GOptionEntry *imgcompress_serve_option_entries (ImgcompressServeOptions *opts);
void imgcompress_serve_options_clear (ImgcompressServeOptions *opts);

int imgcompress_serve_run (const ImgcompressServeOptions *opts,
    const ImgcompressConfig *config, const gchar *outdir, gboolean verbose);

G_END_DECLS

#endif /* __IMGCOMPRESS_SERVE_H__ */

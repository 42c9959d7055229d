/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_REDIS_H__
#define __IMGCOMPRESS_REDIS_H__

#include <glib.h>
#include <hiredis/hiredis.h>

G_BEGIN_DECLS

#define IMGCOMPRESS_REDIS_ERROR (imgcompress_redis_error_quark ())
GQuark imgcompress_redis_error_quark (void);

typedef enum
{
  IMGCOMPRESS_REDIS_ERROR_URL, /* the URL is not one we understand */
  IMGCOMPRESS_REDIS_ERROR_CONNECTION, /* cannot connect, or connection lost */
  IMGCOMPRESS_REDIS_ERROR_REPLY, /* the server refused the command */
} ImgcompressRedisError;

/* A connection to one Redis server, redis://HOST:PORT/DB or
 * unix:///PATH?db=DB, made again when it was lost. */
typedef struct _ImgcompressRedis ImgcompressRedis;

ImgcompressRedis *imgcompress_redis_new (const gchar *url, GError **error);
void imgcompress_redis_free (ImgcompressRedis *redis);
const gchar *imgcompress_redis_address (ImgcompressRedis *redis);
void imgcompress_redis_set_timeout (ImgcompressRedis *redis, guint seconds);

gboolean imgcompress_redis_connect (ImgcompressRedis *redis, GError **error);
gboolean imgcompress_redis_is_connected (ImgcompressRedis *redis);
gboolean imgcompress_redis_reconnect (ImgcompressRedis *redis, const gchar *who,
    gboolean (*give_up) (gpointer data), gpointer data);

redisReply *imgcompress_redis_command (ImgcompressRedis *redis, GError **error,
    const gchar *first_arg, ...) G_GNUC_NULL_TERMINATED;
redisReply *imgcompress_redis_commandv (ImgcompressRedis *redis,
    GPtrArray *args, GError **error);
redisReply *imgcompress_redis_eval (ImgcompressRedis *redis,
    const gchar *script, GPtrArray *keys, GPtrArray *args, GError **error);

gboolean imgcompress_redis_is_connection_error (const GError *error);

/* Reply helpers: NULL-safe, type-checked. */
const gchar *imgcompress_redis_reply_string (const redisReply *reply);
const redisReply *imgcompress_redis_reply_element (const redisReply *reply,
    gsize i);
gsize imgcompress_redis_reply_length (const redisReply *reply);
gboolean imgcompress_redis_reply_integer (const redisReply *reply,
    gint64 *value);

G_END_DECLS

#endif /* __IMGCOMPRESS_REDIS_H__ */

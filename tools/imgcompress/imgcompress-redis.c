/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The Redis connection of `imgcompress worker` and `imgcompress enqueue`,
 * on hiredis's blocking API: URL parsing, commands whose every reply is
 * checked, Lua scripts by SHA with the source as fallback, and reconnection
 * with capped exponential backoff.  A reply of the wrong type or a NULL
 * reply (the connection is gone) is an error, never a crash. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "imgcompress-redis.h"

#define DEFAULT_PORT 6379
#define CONNECT_TIMEOUT_S 5
#define BACKOFF_FIRST_MS 100
#define BACKOFF_MAX_MS 5000

G_DEFINE_QUARK (imgcompress - redis - error - quark, imgcompress_redis_error);

struct _ImgcompressRedis
{
  gchar *host; /* NULL for a Unix socket */
  gint port;
  gchar *socket_path;
  gchar *password;
  gchar *user;
  gint db;
  gchar *address; /* as told in messages: HOST:PORT or the socket's path */
  guint timeout_s; /* a command's answer waited for, at most */
  redisContext *ctx;
};

/* --- URL ---------------------------------------------------------------- */

static gboolean
parse_db (const gchar *text, gint *db)
{
  gchar *end = NULL;
  guint64 v;

  if (text == NULL || *text == '\0')
    return TRUE;
  if (!g_ascii_isdigit (*text))
    return FALSE;
  v = g_ascii_strtoull (text, &end, 10);
  if (*end != '\0' || v > G_MAXINT)
    return FALSE;
  *db = (gint) v;
  return TRUE;
}

static gboolean
parse_unix (ImgcompressRedis *redis, GUri *uri)
{
  const gchar *query = g_uri_get_query (uri);
  const gchar *path = g_uri_get_path (uri);

  if (path == NULL || !g_path_is_absolute (path))
    return FALSE;
  redis->socket_path = g_strdup (path);
  redis->address = g_strdup (path);
  if (query != NULL) {
    if (!g_str_has_prefix (query, "db="))
      return FALSE;
    return parse_db (query + 3, &redis->db);
  }
  return TRUE;
}

static gboolean
parse_tcp (ImgcompressRedis *redis, GUri *uri)
{
  const gchar *host = g_uri_get_host (uri);
  const gchar *path = g_uri_get_path (uri);
  gint port = g_uri_get_port (uri);

  if (host == NULL || *host == '\0' || port == 0 || port > 65535)
    return FALSE;
  redis->host = g_strdup (host);
  redis->port = port > 0 ? port : DEFAULT_PORT;
  redis->address = strchr (host, ':') ?
      g_strdup_printf ("[%s]:%d", host, redis->port) :
      g_strdup_printf ("%s:%d", host, redis->port);
  if (path != NULL && *path == '/')
    path++;
  if (g_uri_get_password (uri) != NULL) {
    redis->password = g_strdup (g_uri_get_password (uri));
    if (g_uri_get_user (uri) != NULL && *g_uri_get_user (uri) != '\0')
      redis->user = g_strdup (g_uri_get_user (uri));
  }
  return parse_db (path, &redis->db);
}

/* A URL as messages show it: whatever stands before an "@" in its
 * authority (a password, say) becomes "***", even in a URL that does not
 * parse. */
static gchar *
url_for_display (const gchar *url)
{
  const gchar *authority = strstr (url, "://");
  const gchar *end, *at;
  gchar *redacted, *shown;

  if (authority == NULL)
    return gst_imgcompress_escape_for_display (url);
  authority += 3;
  end = authority + strcspn (authority, "/?#");
  at = g_strrstr_len (authority, end - authority, "@");
  if (at == NULL)
    return gst_imgcompress_escape_for_display (url);
  redacted = g_strdup_printf ("%.*s***%s", (int) (authority - url), url, at);
  shown = gst_imgcompress_escape_for_display (redacted);
  g_free (redacted);
  return shown;
}

/* redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or unix:///PATH[?db=DB]. */
ImgcompressRedis *
imgcompress_redis_new (const gchar *url, GError **error)
{
  ImgcompressRedis *redis = g_new0 (ImgcompressRedis, 1);
  GUri *uri = g_uri_parse (url,
      G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_QUERY, NULL);
  gboolean ok = FALSE;

  redis->timeout_s = 30;
  if (uri != NULL) {
    const gchar *scheme = g_uri_get_scheme (uri);

    if (g_ascii_strcasecmp (scheme, "unix") == 0)
      ok = parse_unix (redis, uri);
    else if (g_ascii_strcasecmp (scheme, "redis") == 0)
      ok = parse_tcp (redis, uri);
    g_uri_unref (uri);
  }
  if (!ok) {
    gchar *shown = url_for_display (url);

    g_set_error (error, IMGCOMPRESS_REDIS_ERROR, IMGCOMPRESS_REDIS_ERROR_URL,
        _ ("the Redis URL %s is not redis://HOST[:PORT][/DB] or "
           "unix:///PATH[?db=DB]"),
        shown);
    g_free (shown);
    imgcompress_redis_free (redis);
    return NULL;
  }
  return redis;
}

void
imgcompress_redis_free (ImgcompressRedis *redis)
{
  if (redis == NULL)
    return;
  if (redis->ctx)
    redisFree (redis->ctx);
  g_free (redis->host);
  g_free (redis->socket_path);
  if (redis->password)
    memset (redis->password, 0, strlen (redis->password));
  g_free (redis->password);
  g_free (redis->user);
  g_free (redis->address);
  g_free (redis);
}

const gchar *
imgcompress_redis_address (ImgcompressRedis *redis)
{
  return redis->address;
}

void
imgcompress_redis_set_timeout (ImgcompressRedis *redis, guint seconds)
{
  redis->timeout_s = seconds;
  if (redis->ctx) {
    struct timeval tv = { seconds, 0 };
    redisSetTimeout (redis->ctx, tv);
  }
}

/* --- commands ----------------------------------------------------------- */

gboolean
imgcompress_redis_is_connection_error (const GError *error)
{
  return g_error_matches (error, IMGCOMPRESS_REDIS_ERROR,
      IMGCOMPRESS_REDIS_ERROR_CONNECTION);
}

static void
drop_connection (ImgcompressRedis *redis)
{
  if (redis->ctx)
    redisFree (redis->ctx);
  redis->ctx = NULL;
}

/* Sends one command on the open connection.  A NULL reply means the
 * connection is broken: hiredis's context cannot be used again, so it is
 * dropped, and the next command connects anew. */
static redisReply *
send_argv (ImgcompressRedis *redis, gint argc, const gchar **argv,
    const gsize *lens, GError **error)
{
  redisReply *reply;

  reply = redisCommandArgv (redis->ctx, argc, argv, lens);
  if (reply == NULL) {
    g_set_error (error, IMGCOMPRESS_REDIS_ERROR,
        IMGCOMPRESS_REDIS_ERROR_CONNECTION,
        _ ("lost the connection to Redis at %s: %s"), redis->address,
        redis->ctx->errstr[0] ? redis->ctx->errstr : g_strerror (EIO));
    drop_connection (redis);
    return NULL;
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    gchar *shown = gst_imgcompress_escape_for_display (reply->str);

    g_set_error (error, IMGCOMPRESS_REDIS_ERROR, IMGCOMPRESS_REDIS_ERROR_REPLY,
        _ ("Redis at %s refused %s: %s"), redis->address, argv[0], shown);
    g_free (shown);
    freeReplyObject (reply);
    return NULL;
  }
  return reply;
}

static gboolean
check_ok (ImgcompressRedis *redis, const gchar **argv, gint argc,
    GError **error)
{
  redisReply *reply = send_argv (redis, argc, argv, NULL, error);

  if (reply == NULL)
    return FALSE;
  freeReplyObject (reply);
  return TRUE;
}

/* Connects (AUTH and SELECT included) if not connected. */
gboolean
imgcompress_redis_connect (ImgcompressRedis *redis, GError **error)
{
  struct timeval connect_tv = { CONNECT_TIMEOUT_S, 0 };
  struct timeval tv = { redis->timeout_s, 0 };
  redisContext *ctx;
  gchar *db;
  gboolean ok = TRUE;

  if (redis->ctx)
    return TRUE;
  ctx = redis->socket_path ?
      redisConnectUnixWithTimeout (redis->socket_path, connect_tv) :
      redisConnectWithTimeout (redis->host, redis->port, connect_tv);
  if (ctx == NULL || ctx->err) {
    g_set_error (error, IMGCOMPRESS_REDIS_ERROR,
        IMGCOMPRESS_REDIS_ERROR_CONNECTION,
        _ ("cannot connect to Redis at %s: %s"), redis->address,
        ctx ? ctx->errstr : g_strerror (ENOMEM));
    if (ctx)
      redisFree (ctx);
    return FALSE;
  }
  redisSetTimeout (ctx, tv);
  redis->ctx = ctx;
  if (redis->password) {
    const gchar *auth[] = { "AUTH", redis->user ? redis->user : redis->password,
      redis->password };
    ok = check_ok (redis, auth, redis->user ? 3 : 2, error);
  }
  db = g_strdup_printf ("%d", redis->db);
  if (ok && redis->db != 0) {
    const gchar *select[] = { "SELECT", db };
    ok = check_ok (redis, select, 2, error);
  }
  g_free (db);
  if (!ok)
    drop_connection (redis);
  return ok;
}

gboolean
imgcompress_redis_is_connected (ImgcompressRedis *redis)
{
  return redis->ctx != NULL;
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits @ms while the default main context runs (signals are handled). */
static void
wait_ms (guint ms)
{
  gboolean over = FALSE;
  g_timeout_add (ms, set_flag, &over);

  while (!over)
    g_main_context_iteration (NULL, TRUE);
}

/* Tries again and again, waiting 100 ms, 200 ms... up to 5 s between
 * attempts, each one logged as "@who: ...", until connected or @give_up
 * says so.  Returns TRUE when connected. */
gboolean
imgcompress_redis_reconnect (ImgcompressRedis *redis, const gchar *who,
    gboolean (*give_up) (gpointer data), gpointer data)
{
  guint delay = BACKOFF_FIRST_MS, attempt = 0;

  while (!imgcompress_redis_is_connected (redis)) {
    GError *error = NULL;

    if (give_up && give_up (data))
      return FALSE;
    attempt++;
    if (imgcompress_redis_connect (redis, &error)) {
      g_printerr (_ ("%s: reconnected to Redis at %s (attempt %u)\n"), who,
          redis->address, attempt);
      return TRUE;
    }
    g_printerr (_ ("%s: %s; trying again in %u ms (attempt %u)\n"), who,
        error->message, delay, attempt);
    g_error_free (error);
    wait_ms (delay);
    delay = MIN (delay * 2, BACKOFF_MAX_MS);
  }
  return TRUE;
}

redisReply *
imgcompress_redis_commandv (ImgcompressRedis *redis, GPtrArray *args,
    GError **error)
{
  if (!imgcompress_redis_connect (redis, error))
    return NULL;
  return send_argv (redis, (gint) args->len, (const gchar **) args->pdata, NULL,
      error);
}

redisReply *
imgcompress_redis_command (ImgcompressRedis *redis, GError **error,
    const gchar *first_arg, ...)
{
  GPtrArray *args = g_ptr_array_new ();
  redisReply *reply;
  const gchar *arg;
  va_list ap;

  va_start (ap, first_arg);
  for (arg = first_arg; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  reply = imgcompress_redis_commandv (redis, args, error);
  g_ptr_array_unref (args);
  return reply;
}

static redisReply *
eval_as (ImgcompressRedis *redis, const gchar *command, const gchar *body,
    GPtrArray *keys, GPtrArray *args, GError **error)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar *nkeys = g_strdup_printf ("%u", keys->len);
  redisReply *reply;
  guint i;

  g_ptr_array_add (argv, (gpointer) command);
  g_ptr_array_add (argv, (gpointer) body);
  g_ptr_array_add (argv, nkeys);
  for (i = 0; i < keys->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (keys, i));
  for (i = 0; i < args->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (args, i));
  reply = imgcompress_redis_commandv (redis, argv, error);
  g_ptr_array_unref (argv);
  g_free (nkeys);
  return reply;
}

/* EVALSHA first (the script is sent once per server); a server that does
 * not know it (restarted, SCRIPT FLUSH) gets the source with EVAL. */
redisReply *
imgcompress_redis_eval (ImgcompressRedis *redis, const gchar *script,
    GPtrArray *keys, GPtrArray *args, GError **error)
{
  gchar *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA1, script, -1);
  GError *sha_error = NULL;
  redisReply *reply;

  reply = eval_as (redis, "EVALSHA", sha, keys, args, &sha_error);
  if (reply == NULL &&
      g_error_matches (sha_error, IMGCOMPRESS_REDIS_ERROR,
          IMGCOMPRESS_REDIS_ERROR_REPLY) &&
      strstr (sha_error->message, "NOSCRIPT") != NULL) {
    g_clear_error (&sha_error);
    reply = eval_as (redis, "EVAL", script, keys, args, error);
  } else if (reply == NULL) {
    g_propagate_error (error, sha_error);
  }
  g_free (sha);
  return reply;
}

/* --- replies ------------------------------------------------------------ */

const gchar *
imgcompress_redis_reply_string (const redisReply *reply)
{
  if (reply == NULL ||
      (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS))
    return NULL;
  return reply->str;
}

gsize
imgcompress_redis_reply_length (const redisReply *reply)
{
  return reply && reply->type == REDIS_REPLY_ARRAY ? reply->elements : 0;
}

const redisReply *
imgcompress_redis_reply_element (const redisReply *reply, gsize i)
{
  if (i >= imgcompress_redis_reply_length (reply))
    return NULL;
  return reply->element[i];
}

gboolean
imgcompress_redis_reply_integer (const redisReply *reply, gint64 *value)
{
  if (reply == NULL)
    return FALSE;
  if (reply->type == REDIS_REPLY_INTEGER) {
    *value = reply->integer;
    return TRUE;
  }
  if (reply->type == REDIS_REPLY_STRING) {
    gchar *end = NULL;

    *value = g_ascii_strtoll (reply->str, &end, 10);
    return end != reply->str && *end == '\0';
  }
  return FALSE;
}

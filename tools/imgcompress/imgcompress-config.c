/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The batch tool's settings: the seed's INI config, the --variants syntax,
 * and the seed's rules for threads and chunk size. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "imgcompress-config.h"

G_DEFINE_QUARK (imgcompress - error - quark, imgcompress_error);

void
imgcompress_config_init (ImgcompressConfig *config)
{
  memset (config, 0, sizeof (*config));
  config->formats = g_strdup ("jpeg,webp");
  config->layout = IMGCOMPRESS_LAYOUT_FLAT;
  config->adaptive = TRUE;
  config->max_pixels = G_GUINT64_CONSTANT (100000000);
  config->max_input_bytes = GST_IMGCOMPRESS_DEFAULT_MAX_INPUT_BYTES;
  config->icc = "convert";
  config->metadata = "none";
  imgcompress_config_set_variants (config, GST_IMGCOMPRESS_DEFAULT_VARIANTS,
      NULL, NULL);
}

void
imgcompress_config_clear (ImgcompressConfig *config)
{
  g_free (config->formats);
  g_array_unref (config->variants);
  memset (config, 0, sizeof (*config));
}

static gboolean
parse_uint_in_range (const gchar *str, guint64 min, guint64 max, guint64 *value)
{
  gchar *end = NULL;
  guint64 v;

  if (str == NULL || !g_ascii_isdigit (*str))
    return FALSE;
  errno = 0;
  v = g_ascii_strtoull (str, &end, 10);
  if (errno != 0 || end == str || *end != '\0' || v < min || v > max)
    return FALSE;
  *value = v;
  return TRUE;
}

static gboolean
valid_variant_name (const gchar *name)
{
  const gchar *p;

  if (name == NULL || *name == '\0')
    return FALSE;
  for (p = name; *p; p++) {
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  }
  return TRUE;
}

static GArray *
new_variant_array (void)
{
  GArray *variants =
      g_array_new (FALSE, TRUE, sizeof (GstImgcompressVariantInfo));

  g_array_set_clear_func (variants,
      (GDestroyNotify) gst_imgcompress_variant_info_clear);
  return variants;
}

static gint
compare_variants (gconstpointer a, gconstpointer b)
{
  const GstImgcompressVariantInfo *va = a, *vb = b;

  return (va->max_dimension > vb->max_dimension) -
      (va->max_dimension < vb->max_dimension);
}

static gboolean
add_variant (GArray *variants, const gchar *name, guint max_dimension, gint jq,
    gint wq, const gchar *origin, GError **error)
{
  GstImgcompressVariantInfo v;

  if (gst_imgcompress_variants_find (variants, name)) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_CONFIG,
        _ ("%s: variant '%s' is given twice"), origin, name);
    return FALSE;
  }
  gst_imgcompress_variant_info_init (&v);
  v.variant = g_strdup (name);
  v.max_dimension = max_dimension;
  v.jpeg_quality = jq;
  v.webp_quality = wq;
  g_array_append_val (variants, v);
  return TRUE;
}

/* "name:max-dimension:jpeg-quality:webp-quality,...", as the elements
 * parse it; the tool orders the variants smallest first. */
gboolean
imgcompress_config_set_variants (ImgcompressConfig *config, const gchar *spec,
    const gchar *origin, GError **error)
{
  GError *err = NULL;
  GArray *variants;

  variants = gst_imgcompress_variants_parse (spec, &err);
  if (variants == NULL) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_CONFIG, "%s: %s",
        origin ? origin : "--variants", err->message);
    g_error_free (err);
    return FALSE;
  }
  g_array_sort (variants, compare_variants);
  if (config->variants)
    g_array_unref (config->variants);
  config->variants = variants;
  return TRUE;
}

gboolean
imgcompress_config_set_formats (ImgcompressConfig *config, const gchar *formats,
    const gchar *origin, GError **error)
{
  gchar **items = g_strsplit (formats, ",", -1);
  gboolean jpeg = FALSE, webp = FALSE, ok = TRUE;
  guint i;

  for (i = 0; ok && items[i] != NULL; i++) {
    const gchar *f = g_strstrip (items[i]);
    if (g_ascii_strcasecmp (f, "jpeg") == 0 ||
        g_ascii_strcasecmp (f, "jpg") == 0)
      jpeg = TRUE;
    else if (g_ascii_strcasecmp (f, "webp") == 0)
      webp = TRUE;
    else
      ok = FALSE;
  }
  g_strfreev (items);
  if (!ok || (!jpeg && !webp)) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_CONFIG,
        _ ("%s: formats must be jpeg, webp or jpeg,webp, not '%s'"),
        origin ? origin : "--formats", formats);
    return FALSE;
  }
  g_free (config->formats);
  config->formats = g_strdup (jpeg && webp ? "jpeg,webp" :
          jpeg                             ? "jpeg" :
                                             "webp");
  return TRUE;
}

gchar *
imgcompress_config_variants_string (const ImgcompressConfig *config)
{
  GString *s = g_string_new (NULL);
  guint i;

  for (i = 0; i < config->variants->len; i++) {
    const GstImgcompressVariantInfo *v =
        &g_array_index (config->variants, GstImgcompressVariantInfo, i);
    g_string_append_printf (s, "%s%s:%u:%d:%d", i ? "," : "", v->variant,
        v->max_dimension, v->jpeg_quality, v->webp_quality);
  }
  return g_string_free (s, FALSE);
}

static gboolean
config_error (GError **error, const gchar *path, const gchar *group,
    const gchar *key, const gchar *allowed)
{
  g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_CONFIG,
      _ ("%s: [%s] %s: allowed: %s"), path, group, key, allowed);
  return FALSE;
}

static gboolean
read_uint_key (GKeyFile *kf, const gchar *path, const gchar *group,
    const gchar *key, guint64 min, guint64 max, guint64 *value, GError **error)
{
  gchar *str = g_key_file_get_value (kf, group, key, NULL);
  gchar *allowed, *lo, *hi;
  gboolean ok;

  ok = parse_uint_in_range (str ? g_strstrip (str) : NULL, min, max, value);
  g_free (str);
  if (ok)
    return TRUE;
  /* Numbers formatted apart: G_GUINT64_FORMAT inside _() cuts the msgid. */
  lo = g_strdup_printf ("%" G_GUINT64_FORMAT, min);
  hi = g_strdup_printf ("%" G_GUINT64_FORMAT, max);
  allowed = g_strdup_printf (_ ("a whole number from %s to %s"), lo, hi);
  config_error (error, path, group, key, allowed);
  g_free (allowed);
  g_free (lo);
  g_free (hi);
  return FALSE;
}

gboolean
imgcompress_layout_from_string (const gchar *name, ImgcompressLayout *layout)
{
  static const gchar *const names[] = { "flat", "date", "tree" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    if (g_strcmp0 (name, names[i]) == 0) {
      *layout = (ImgcompressLayout) i;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
load_general_group (ImgcompressConfig *config, GKeyFile *kf, const gchar *path,
    GError **error)
{
  static const gchar group[] = "general";
  gchar **keys;
  gboolean ok = TRUE;
  guint i;

  keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (i = 0; ok && keys && keys[i]; i++) {
    const gchar *key = keys[i];
    gchar *value = g_key_file_get_string (kf, group, key, NULL);
    guint64 n;

    if (value)
      g_strstrip (value);
    if (strcmp (key, "max_threads") == 0) {
      ok = read_uint_key (kf, path, group, key, 1, IMGCOMPRESS_MAX_THREADS, &n,
          error);
      config->threads = n;
    } else if (strcmp (key, "chunk_size") == 0) {
      ok = read_uint_key (kf, path, group, key, IMGCOMPRESS_MIN_CHUNK,
          IMGCOMPRESS_MAX_CHUNK, &n, error);
      config->chunk_size = n;
    } else if (strcmp (key, "formats") == 0) {
      ok = imgcompress_config_set_formats (config, value ? value : "", NULL,
               NULL) ||
          config_error (error, path, group, key, "jpeg, webp, jpeg,webp");
    } else if (strcmp (key, "layout") == 0) {
      if (!imgcompress_layout_from_string (value, &config->layout))
        ok = config_error (error, path, group, key, "flat, date, tree");
    } else if (strcmp (key, "adaptive") == 0) {
      if (g_strcmp0 (value, "true") == 0 || g_strcmp0 (value, "file-size") == 0)
        config->adaptive = TRUE;
      else if (g_strcmp0 (value, "false") == 0 || g_strcmp0 (value, "off") == 0)
        config->adaptive = FALSE;
      else
        ok = config_error (error, path, group, key,
            "true, false, file-size, off");
    } else {
      ok = config_error (error, path, group, key,
          _ ("no such key; known: max_threads, chunk_size, formats, "
             "layout, adaptive"));
    }
    g_free (value);
  }
  g_strfreev (keys);
  return ok;
}

static gboolean
load_variant_group (GArray *variants, GKeyFile *kf, const gchar *path,
    const gchar *group, GError **error)
{
  const gchar *name = group + strlen ("variant ");
  guint64 dim = 0, jq = 0, wq = 0;
  gboolean have_dim = FALSE, have_jq = FALSE, have_wq = FALSE;
  gchar **keys;
  gboolean ok = TRUE;
  guint i;

  if (!valid_variant_name (name))
    return config_error (error, path, group, "",
        _ ("a variant name of letters, digits, '-' and '_'"));

  keys = g_key_file_get_keys (kf, group, NULL, NULL);
  for (i = 0; ok && keys && keys[i]; i++) {
    if (strcmp (keys[i], "max_dimension") == 0)
      ok = have_dim = read_uint_key (kf, path, group, keys[i], 1,
          IMGCOMPRESS_MAX_DIMENSION, &dim, error);
    else if (strcmp (keys[i], "jpeg_quality") == 0)
      ok = have_jq =
          read_uint_key (kf, path, group, keys[i], 1, 100, &jq, error);
    else if (strcmp (keys[i], "webp_quality") == 0)
      ok = have_wq =
          read_uint_key (kf, path, group, keys[i], 1, 100, &wq, error);
    else
      ok = config_error (error, path, group, keys[i],
          _ ("no such key; known: max_dimension, jpeg_quality, "
             "webp_quality"));
  }
  g_strfreev (keys);
  if (ok && !(have_dim && have_jq && have_wq))
    ok = config_error (error, path, group,
        !have_dim    ? "max_dimension" :
            !have_jq ? "jpeg_quality" :
                       "webp_quality",
        _ ("required in every variant group"));
  if (ok)
    ok = add_variant (variants, name, dim, jq, wq, path, error);
  return ok;
}

gboolean
imgcompress_config_load_file (ImgcompressConfig *config, const gchar *path,
    GError **error)
{
  GKeyFile *kf = g_key_file_new ();
  GError *err = NULL;
  GArray *variants;
  gchar **groups;
  gboolean ok = TRUE;
  guint i;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &err)) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_CONFIG,
        _ ("%s: cannot read the configuration: %s"), path, err->message);
    g_error_free (err);
    g_key_file_free (kf);
    return FALSE;
  }

  variants = new_variant_array ();
  groups = g_key_file_get_groups (kf, NULL);
  for (i = 0; ok && groups[i]; i++) {
    if (strcmp (groups[i], "general") == 0)
      ok = load_general_group (config, kf, path, error);
    else if (g_str_has_prefix (groups[i], "variant "))
      ok = load_variant_group (variants, kf, path, groups[i], error);
    else
      ok = config_error (error, path, groups[i], "",
          _ ("no such group; known: [general], [variant NAME]"));
  }
  g_strfreev (groups);
  g_key_file_free (kf);

  if (ok && variants->len > 0) {
    g_array_sort (variants, compare_variants);
    g_array_unref (config->variants);
    config->variants = variants;
  } else {
    g_array_unref (variants);
  }
  return ok;
}

/* The seed's rule: 1, 2 and 4 cores use them all; from 8 cores up two are
 * left to the rest of the machine.  Counts in between use all cores but
 * never fewer than the rule gives to the next smaller step. */
guint
imgcompress_threads_for_cores (guint cores)
{
  if (cores == 0)
    return 1;
  if (cores >= 8)
    return cores - 2;
  return cores;
}

/* Images in flight that the available memory carries with the seed's 50 %
 * buffer, clamped to the seed's 5..30. */
guint
imgcompress_chunk_size_for_memory (guint64 mem_available_bytes,
    guint64 bytes_per_image)
{
  guint64 n;

  if (bytes_per_image == 0)
    bytes_per_image = IMGCOMPRESS_BYTES_PER_IMAGE;
  n = (mem_available_bytes / 2) / bytes_per_image;
  return (guint) CLAMP (n, IMGCOMPRESS_MIN_CHUNK, IMGCOMPRESS_MAX_CHUNK);
}

/* A field of /proc/meminfo in kB, or 0 when unknown. */
static guint64
meminfo_kb (const gchar *contents, const gchar *field)
{
  const gchar *line = strstr (contents, field);

  return line ? g_ascii_strtoull (line + strlen (field), NULL, 10) : 0;
}

/* MemAvailable from /proc/meminfo, or 0 when unknown.  The environment
 * variable IMGCOMPRESS_MEM_AVAILABLE (bytes) overrides it for tests. */
guint64
imgcompress_mem_available (void)
{
  const gchar *override = g_getenv ("IMGCOMPRESS_MEM_AVAILABLE");
  gchar *contents = NULL;
  guint64 kb;

  if (override)
    return g_ascii_strtoull (override, NULL, 10);
  if (!g_file_get_contents ("/proc/meminfo", &contents, NULL, NULL))
    return 0;
  kb = meminfo_kb (contents, "MemAvailable:");
  g_free (contents);
  return kb * 1024;
}

/* The share of memory in use (1 - MemAvailable / MemTotal), or 0 when
 * unknown.  IMGCOMPRESS_MEMORY_USED (a fraction) overrides it for tests
 * of the adaptive configuration. */
gdouble
imgcompress_memory_used_fraction (void)
{
  const gchar *override = g_getenv ("IMGCOMPRESS_MEMORY_USED");
  gchar *contents = NULL;
  guint64 total, avail;

  if (override)
    return g_ascii_strtod (override, NULL);
  if (!g_file_get_contents ("/proc/meminfo", &contents, NULL, NULL))
    return 0;
  total = meminfo_kb (contents, "MemTotal:");
  avail = meminfo_kb (contents, "MemAvailable:");
  g_free (contents);
  return total ? 1.0 - (gdouble) avail / total : 0;
}

/* The seed's AdaptiveCompressionService: memory over 80 % used calls for
 * fewer images in flight (never none), images slower than 1 s on average
 * for more (up to max_limit), unless the cores are busy already (a load
 * average of 90 % of them), where more would only queue for CPU. */
guint
imgcompress_adapted_limit (guint limit, guint max_limit, gdouble mean_s,
    gdouble memory_used, gdouble load, guint n_cpus)
{
  if (memory_used > 0.8)
    return limit > 1 ? limit - 1 : limit;
  if (mean_s > 1.0 && limit < max_limit && load < n_cpus * 0.9)
    return limit + 1;
  return limit;
}

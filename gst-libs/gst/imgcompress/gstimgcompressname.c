/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressname
 * @title: output names
 * @short_description: image names made into path components, location
 *     templates expanded, names made safe to print
 *
 * metricsink and the batch tool compute an output path with the same code,
 * so the tool knows before a run which file each image will write.
 *
 * Names become path components by an injective rule: a name that is
 * already a safe component (valid UTF-8, at most
 * %GST_IMGCOMPRESS_NAME_MAX_BYTES bytes, no `/`, `\`, control character or
 * leading `.`, not ending like a cleaned name) is kept as it is.  Any other
 * name is cleaned (each unsafe byte becomes `_`, a leading `.` too, and it
 * is cut to leave room) and gets `~` and 12 hex digits of the SHA-256 of
 * its raw bytes appended.  Two different names thus never give the same
 * component (up to a 48-bit hash collision): `a\nb` and `a_b`, `.x` and
 * `_x`, or two long names sharing their first 200 bytes stay apart.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressname.h"

#include <string.h>

#define HASH_HEX_DIGITS 12
/* "~" and the digits */
#define HASH_SUFFIX_BYTES (1 + HASH_HEX_DIGITS)

static gboolean
is_unsafe_byte (guchar c)
{
  return c == '/' || c == '\\' || c < 0x20 || c == 0x7f;
}

/* Whether @s ends as a cleaned name does: "~" and HASH_HEX_DIGITS lowercase
 * hex digits.  Such a name is cleaned too, so that no kept name can equal a
 * cleaned one. */
static gboolean
has_hash_suffix (const gchar *s, gsize len)
{
  const gchar *p;
  guint i;

  if (len < HASH_SUFFIX_BYTES)
    return FALSE;
  p = s + len - HASH_SUFFIX_BYTES;
  if (*p != '~')
    return FALSE;
  for (i = 1; i < HASH_SUFFIX_BYTES; i++)
    if (!g_ascii_isxdigit (p[i]) || g_ascii_isupper (p[i]))
      return FALSE;
  return TRUE;
}

static gboolean
is_safe_component (const gchar *raw)
{
  gsize len = strlen (raw);
  const gchar *p;

  if (len == 0 || len > GST_IMGCOMPRESS_NAME_MAX_BYTES || raw[0] == '.')
    return FALSE;
  if (!g_utf8_validate (raw, len, NULL))
    return FALSE;
  for (p = raw; *p != '\0'; p++)
    if (is_unsafe_byte ((guchar) *p))
      return FALSE;
  return !has_hash_suffix (raw, len);
}

/* Valid UTF-8 of at most @max_bytes: unsafe and invalid bytes become '_',
 * the cut never splits a character. */
static GString *
cleaned_prefix (const gchar *raw, gsize max_bytes)
{
  GString *out = g_string_new (NULL);
  const gchar *p = raw, *end = raw + strlen (raw);

  while (p < end) {
    gunichar c = g_utf8_get_char_validated (p, end - p);
    gsize n;

    if (c == (gunichar) -1 || c == (gunichar) -2) {
      n = 1;
      if (out->len + 1 > max_bytes)
        break;
      g_string_append_c (out, '_');
    } else {
      n = g_utf8_skip[*(const guchar *) p];
      if (out->len + n > max_bytes)
        break;
      if (n == 1 && is_unsafe_byte ((guchar) *p))
        g_string_append_c (out, '_');
      else
        g_string_append_len (out, p, n);
    }
    p += n;
  }
  if (out->len > 0 && out->str[0] == '.')
    out->str[0] = '_';
  return out;
}

/**
 * gst_imgcompress_clean_component:
 * @raw: (nullable): a name from an event or a file name
 * @fallback: the name used when @raw is %NULL
 *
 * Makes @raw one safe path component by the injective rule of this
 * section: kept when already safe, otherwise cleaned with a hash of its raw
 * bytes appended.  An empty @raw is cleaned too (it becomes `_~` and the
 * hash), so it never equals @fallback.
 *
 * Returns: (transfer full): the component
 */
gchar *
gst_imgcompress_clean_component (const gchar *raw, const gchar *fallback)
{
  GString *out;
  gchar *digest;

  g_return_val_if_fail (fallback != NULL, NULL);

  if (raw == NULL)
    raw = fallback;
  if (is_safe_component (raw))
    return g_strdup (raw);

  out =
      cleaned_prefix (raw, GST_IMGCOMPRESS_NAME_MAX_BYTES - HASH_SUFFIX_BYTES);
  if (out->len == 0)
    g_string_append_c (out, '_');
  digest = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) raw,
      strlen (raw));
  g_string_append_printf (out, "~%.*s", HASH_HEX_DIGITS, digest);
  g_free (digest);
  return g_string_free (out, FALSE);
}

/* Extensions stripped from the image's name for {name}.  Only image
 * extensions: "IMG_2024.01.05" must not lose its ".05". */
static const gchar *const image_extensions[] = {
  "jpg",
  "jpeg",
  "jpe",
  "jfif",
  "png",
  "webp",
  "gif",
  "tif",
  "tiff",
  "bmp",
  "heic",
  "heif",
  "avif",
};

/* "photo.jpg" -> "photo"; a leading dot is not an extension. */
static gchar *
name_without_extension (const gchar *name)
{
  const gchar *dot = strrchr (name, '.');
  guint i;

  if (dot == NULL || dot == name)
    return g_strdup (name);
  for (i = 0; i < G_N_ELEMENTS (image_extensions); i++) {
    if (g_ascii_strcasecmp (dot + 1, image_extensions[i]) == 0)
      return g_strndup (name, dot - name);
  }
  return g_strdup (name);
}

/**
 * gst_imgcompress_name_component:
 * @image_name: (nullable): the image's name, e.g. its file name
 *
 * The `{name}` of a location template: @image_name without an image
 * extension (.jpg, .jpeg, .png, .webp, ...; other dots are kept), made a
 * safe path component with gst_imgcompress_clean_component().  %NULL
 * gives "image".
 *
 * Returns: (transfer full): the component
 */
gchar *
gst_imgcompress_name_component (const gchar *image_name)
{
  gchar *bare, *name;

  if (image_name == NULL)
    return g_strdup ("image");
  bare = name_without_extension (image_name);
  name = gst_imgcompress_clean_component (bare, "image");
  g_free (bare);
  return name;
}

static gboolean
append_field (GString *out, const gchar *field, gsize len,
    const GstImgcompressLocationFields *f)
{
  if (len == 4 && strncmp (field, "name", 4) == 0)
    g_string_append (out, f->name);
  else if (len == 7 && strncmp (field, "variant", 7) == 0)
    g_string_append (out, f->variant);
  else if (len == 3 && strncmp (field, "ext", 3) == 0)
    g_string_append (out, f->ext);
  else if (len == 5 && strncmp (field, "index", 5) == 0)
    g_string_append_printf (out, "%" G_GUINT64_FORMAT, f->index);
  else
    return FALSE;
  return TRUE;
}

static gboolean
append_time_field (GString *out, gchar conversion, GDateTime *time)
{
  switch (conversion) {
    case 'Y':
      g_string_append_printf (out, "%04d", g_date_time_get_year (time));
      break;
    case 'm':
      g_string_append_printf (out, "%02d", g_date_time_get_month (time));
      break;
    case 'd':
      g_string_append_printf (out, "%02d", g_date_time_get_day_of_month (time));
      break;
    case 'H':
      g_string_append_printf (out, "%02d", g_date_time_get_hour (time));
      break;
    case '%':
      g_string_append_c (out, '%');
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

/* The expanded path must stay under output-dir and name a file. */
static gboolean
check_relative_path (const gchar *path, GError **error)
{
  gchar **parts;
  const gchar *last;
  gboolean ok = TRUE;
  guint i, n;

  if (*path == '\0' || g_path_is_absolute (path)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "the location expands to \"%s\": not a relative path under "
        "output-dir",
        path);
    return FALSE;
  }
  parts = g_strsplit (path, G_DIR_SEPARATOR_S, -1);
  n = g_strv_length (parts);
  for (i = 0; i < n && ok; i++) {
    if (strcmp (parts[i], "..") == 0) {
      g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
          "the location expands to \"%s\": \"..\" would leave output-dir",
          path);
      ok = FALSE;
    }
  }
  last = n > 0 ? parts[n - 1] : "";
  if (ok && (*last == '\0' || strcmp (last, ".") == 0)) {
    g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
        "the location expands to \"%s\": no file name at the end", path);
    ok = FALSE;
  }
  g_strfreev (parts);
  return ok;
}

/**
 * gst_imgcompress_location_expand:
 * @location_template: a template of `{name}`, `{variant}`, `{ext}`,
 *     `{index}`, `%Y`, `%m`, `%d`, `%H` and `%%`
 * @fields: what the fields expand to
 * @error: (out) (optional): a #GST_RESOURCE_ERROR_SETTINGS
 *
 * Expands @location_template as metricsink does.  The result must be a
 * relative path that stays where it starts (no absolute path, no `..`) and
 * ends in a file name.
 *
 * Returns: (transfer full) (nullable): the relative path, or %NULL when the
 *     template has an unknown field or leaves its directory
 */
gchar *
gst_imgcompress_location_expand (const gchar *location_template,
    const GstImgcompressLocationFields *f, GError **error)
{
  const gchar *template = location_template;
  GString *out;
  const gchar *p;

  g_return_val_if_fail (location_template != NULL && f != NULL, NULL);

  out = g_string_new (NULL);
  p = template;
  while (*p != '\0') {
    if (*p == '{') {
      const gchar *end = strchr (p + 1, '}');

      if (end == NULL) {
        g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
            "unterminated \"{\" in \"%s\"", template);
        goto failed;
      }
      if (!append_field (out, p + 1, end - p - 1, f)) {
        g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
            "unknown field \"%.*s\" in \"%s\" (known: {name} {variant} {ext} "
            "{index} %%Y %%m %%d %%H %%%%)",
            (gint) (end - p + 1), p, template);
        goto failed;
      }
      p = end + 1;
    } else if (*p == '%') {
      if (p[1] == '\0' || !append_time_field (out, p[1], f->time)) {
        g_set_error (error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_SETTINGS,
            "unknown field \"%%%c\" in \"%s\" (known: {name} {variant} {ext} "
            "{index} %%Y %%m %%d %%H %%%%)",
            p[1] != '\0' ? p[1] : ' ', template);
        goto failed;
      }
      p += 2;
    } else {
      g_string_append_c (out, *p);
      p++;
    }
  }

  if (!check_relative_path (out->str, error))
    goto failed;
  return g_string_free (out, FALSE);

failed:
  g_string_free (out, TRUE);
  return NULL;
}

/**
 * gst_imgcompress_escape_for_display:
 * @text: (nullable): a file name, a path or a message holding them
 *
 * Makes @text safe to print on one line of a terminal or a log: `\` becomes
 * `\\`, control characters (C0, DEL and C1) become `\n`, `\t`, `\r` or
 * `\xNN` / `\u00NN`, and bytes that are not UTF-8 become `\xNN`.  Other
 * characters are kept.  A name with a newline can then not forge a line of
 * output, and the result is valid UTF-8.
 *
 * Returns: (transfer full): the escaped text ("(null)" for %NULL)
 */
gchar *
gst_imgcompress_escape_for_display (const gchar *text)
{
  GString *out;
  const gchar *p, *end;

  if (text == NULL)
    return g_strdup ("(null)");
  out = g_string_sized_new (strlen (text));
  end = text + strlen (text);
  for (p = text; p < end;) {
    gunichar c = g_utf8_get_char_validated (p, end - p);

    if (c == (gunichar) -1 || c == (gunichar) -2) {
      g_string_append_printf (out, "\\x%02x", (guchar) *p);
      p++;
      continue;
    }
    if (c == '\\')
      g_string_append (out, "\\\\");
    else if (c == '\n')
      g_string_append (out, "\\n");
    else if (c == '\t')
      g_string_append (out, "\\t");
    else if (c == '\r')
      g_string_append (out, "\\r");
    else if (c < 0x20 || c == 0x7f)
      g_string_append_printf (out, "\\x%02x", c);
    else if (c >= 0x80 && c < 0xa0)
      g_string_append_printf (out, "\\u%04x", c);
    else
      g_string_append_len (out, p, g_utf8_skip[*(const guchar *) p]);
    p += g_utf8_skip[*(const guchar *) p];
  }
  return g_string_free (out, FALSE);
}

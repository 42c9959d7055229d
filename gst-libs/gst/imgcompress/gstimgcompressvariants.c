/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressvariants
 * @title: variant lists and quality bands
 * @short_description: parsing the `variants` and `bands` strings
 *
 * The same two strings configure variantsplit, adaptivequality,
 * imgcompressbin and the batch tool, so they are parsed in one place:
 *
 * - a variant list, `name:max-dimension:jpeg-quality:webp-quality,...`,
 *   e.g. #GST_IMGCOMPRESS_DEFAULT_VARIANTS.  Names are letters, digits,
 *   `-` and `_` (they become pad names and directories) and are unique;
 *   the dimension is 1..65535, the qualities 1..100.
 * - quality bands, `size:jpeg-quality:webp-quality,...`, e.g.
 *   #GST_IMGCOMPRESS_DEFAULT_QUALITY_BANDS: an input smaller than `size`
 *   gets the band's qualities; the first matching band wins, sizes must
 *   increase and `*` (any size) may only be the last band.  A size is a
 *   whole number with an optional unit: B, kB/KB/k (1000), KiB (1024),
 *   MB/M, MiB, GB/G, GiB (case is ignored).  Inputs larger than every
 *   band get no hint when there is no `*` band.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressvariants.h"
#include "gst-i18n-plugin.h"

#include <string.h>

#define MAX_DIMENSION G_MAXUINT16
#define MIN_QUALITY 1
#define MAX_QUALITY 100

G_DEFINE_QUARK (gst - imgcompress - parse - error - quark,
    gst_imgcompress_parse_error)

static gboolean
parse_uint (const gchar *text, guint64 min, guint64 max, guint64 *out)
{
  return text[0] != '\0' &&
      g_ascii_string_to_unsigned (text, 10, min, max, out, NULL);
}

static gboolean
parse_quality (const gchar *text, gint *quality)
{
  guint64 value;

  if (!parse_uint (text, MIN_QUALITY, MAX_QUALITY, &value))
    return FALSE;
  *quality = (gint) value;
  return TRUE;
}

static gboolean
variant_name_is_valid (const gchar *name)
{
  const gchar *c;

  if (name[0] == '\0')
    return FALSE;
  for (c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
      return FALSE;
  return TRUE;
}

/* Splits a comma-separated list into trimmed entries, refusing empty
 * entries. */
static gchar **
split_entries (const gchar *str, const gchar *what, GError **error)
{
  gchar **entries;
  guint i;

  if (str == NULL || *str == '\0') {
    g_set_error (error, GST_IMGCOMPRESS_PARSE_ERROR,
        GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX, _ ("The %s list is empty."), what);
    return NULL;
  }
  entries = g_strsplit (str, ",", -1);
  for (i = 0; entries[i] != NULL; i++) {
    if (*g_strstrip (entries[i]) == '\0') {
      g_set_error (error, GST_IMGCOMPRESS_PARSE_ERROR,
          GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX,
          _ ("The %s list '%s' has an empty entry."), what, str);
      g_strfreev (entries);
      return NULL;
    }
  }
  return entries;
}

static gboolean
parse_variant (const gchar *entry, GstImgcompressVariantInfo *variant,
    GError **error)
{
  gchar **fields = g_strsplit (entry, ":", -1);
  guint64 dimension = 0;
  gboolean ok;

  ok = g_strv_length (fields) == 4 && variant_name_is_valid (fields[0]) &&
      parse_uint (fields[1], 1, MAX_DIMENSION, &dimension) &&
      parse_quality (fields[2], &variant->jpeg_quality) &&
      parse_quality (fields[3], &variant->webp_quality);
  if (ok) {
    variant->variant = g_strdup (fields[0]);
    variant->max_dimension = (guint) dimension;
  } else {
    g_set_error (error, GST_IMGCOMPRESS_PARSE_ERROR,
        GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX,
        _ ("Invalid variant '%s': expected name:max-dimension:jpeg-quality:"
           "webp-quality, a name of letters, digits, '-' or '_', a "
           "dimension of 1 to %u and qualities of %d to %d."),
        entry, MAX_DIMENSION, MIN_QUALITY, MAX_QUALITY);
  }
  g_strfreev (fields);
  return ok;
}

/**
 * gst_imgcompress_variants_parse:
 * @str: a variant list such as #GST_IMGCOMPRESS_DEFAULT_VARIANTS
 * @error: return location for a %GST_IMGCOMPRESS_PARSE_ERROR
 *
 * Parses a variant list, keeping its order.
 *
 * Returns: (transfer full) (element-type GstImgcompressVariantInfo)
 *     (nullable): the variants, which clear themselves when the array is
 *     freed with g_array_unref(), or %NULL with @error set
 */
GArray *
gst_imgcompress_variants_parse (const gchar *str, GError **error)
{
  gchar **entries;
  GArray *variants;
  guint i;

  entries = split_entries (str, "variant", error);
  if (entries == NULL)
    return NULL;

  variants = g_array_new (FALSE, TRUE, sizeof (GstImgcompressVariantInfo));
  g_array_set_clear_func (variants,
      (GDestroyNotify) gst_imgcompress_variant_info_clear);

  for (i = 0; entries[i] != NULL; i++) {
    GstImgcompressVariantInfo variant;

    gst_imgcompress_variant_info_init (&variant);
    if (!parse_variant (entries[i], &variant, error))
      goto failed;
    if (gst_imgcompress_variants_find (variants, variant.variant)) {
      g_set_error (error, GST_IMGCOMPRESS_PARSE_ERROR,
          GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX,
          _ ("The variant name '%s' is used twice."), variant.variant);
      gst_imgcompress_variant_info_clear (&variant);
      goto failed;
    }
    g_array_append_val (variants, variant);
  }
  g_strfreev (entries);
  return variants;

failed:
  g_strfreev (entries);
  g_array_unref (variants);
  return NULL;
}

/**
 * gst_imgcompress_variants_find:
 * @variants: (element-type GstImgcompressVariantInfo): parsed variants
 * @name: a variant name
 *
 * Returns: (transfer none) (nullable): the variant called @name
 */
const GstImgcompressVariantInfo *
gst_imgcompress_variants_find (const GArray *variants, const gchar *name)
{
  guint i;

  g_return_val_if_fail (variants != NULL, NULL);

  if (name == NULL)
    return NULL;
  for (i = 0; i < variants->len; i++) {
    const GstImgcompressVariantInfo *v =
        &g_array_index (variants, GstImgcompressVariantInfo, i);
    if (g_strcmp0 (v->variant, name) == 0)
      return v;
  }
  return NULL;
}

static const struct
{
  const gchar *unit;
  guint64 multiplier;
} size_units[] = {
  { "", 1 },
  { "B", 1 },
  { "k", 1000 },
  { "kB", 1000 },
  { "KiB", 1024 },
  { "M", 1000 * 1000 },
  { "MB", 1000 * 1000 },
  { "MiB", 1024 * 1024 },
  { "G", 1000 * 1000 * 1000 },
  { "GB", 1000 * 1000 * 1000 },
  { "GiB", 1024 * 1024 * 1024 },
};

/* "5MiB" -> 5242880; "*" -> G_MAXUINT64. */
static gboolean
parse_band_size (const gchar *text, guint64 *bytes)
{
  const gchar *unit = text;
  gchar *digits;
  guint64 number;
  guint i;
  gboolean ok;

  if (strcmp (text, "*") == 0) {
    *bytes = G_MAXUINT64;
    return TRUE;
  }
  while (g_ascii_isdigit (*unit))
    unit++;
  if (unit == text)
    return FALSE;

  digits = g_strndup (text, unit - text);
  ok = parse_uint (digits, 1, G_MAXUINT64, &number);
  g_free (digits);
  if (!ok)
    return FALSE;

  for (i = 0; i < G_N_ELEMENTS (size_units); i++) {
    if (g_ascii_strcasecmp (unit, size_units[i].unit) == 0) {
      /* a band at G_MAXUINT64 bytes or more would mean "*" */
      if (number >= G_MAXUINT64 / size_units[i].multiplier)
        return FALSE;
      *bytes = number * size_units[i].multiplier;
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
parse_band (const gchar *entry, GstImgcompressQualityBand *band, GError **error)
{
  gchar **fields = g_strsplit (entry, ":", -1);
  gboolean ok;

  ok = g_strv_length (fields) == 3 &&
      parse_band_size (fields[0], &band->below_bytes) &&
      parse_quality (fields[1], &band->jpeg_quality) &&
      parse_quality (fields[2], &band->webp_quality);
  if (!ok) {
    g_set_error (error, GST_IMGCOMPRESS_PARSE_ERROR,
        GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX,
        _ ("Invalid quality band '%s': expected size:jpeg-quality:"
           "webp-quality, a size such as 500KiB, 1MiB, 2MB or * and "
           "qualities of %d to %d."),
        entry, MIN_QUALITY, MAX_QUALITY);
  }
  g_strfreev (fields);
  return ok;
}

/**
 * gst_imgcompress_quality_bands_parse:
 * @str: bands such as #GST_IMGCOMPRESS_DEFAULT_QUALITY_BANDS
 * @error: return location for a %GST_IMGCOMPRESS_PARSE_ERROR
 *
 * Parses file-size quality bands.  Sizes must increase strictly from one
 * band to the next and `*` may only be the last band.
 *
 * Returns: (transfer full) (element-type GstImgcompressQualityBand)
 *     (nullable): the bands in order, or %NULL with @error set
 */
GArray *
gst_imgcompress_quality_bands_parse (const gchar *str, GError **error)
{
  gchar **entries;
  GArray *bands;
  guint i;

  entries = split_entries (str, "quality band", error);
  if (entries == NULL)
    return NULL;

  bands = g_array_new (FALSE, TRUE, sizeof (GstImgcompressQualityBand));
  for (i = 0; entries[i] != NULL; i++) {
    GstImgcompressQualityBand band;

    if (!parse_band (entries[i], &band, error))
      goto failed;
    if (bands->len > 0 &&
        band.below_bytes <=
            g_array_index (bands, GstImgcompressQualityBand, bands->len - 1)
                .below_bytes) {
      g_set_error (error, GST_IMGCOMPRESS_PARSE_ERROR,
          GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX,
          _ ("Quality band '%s' is not larger than the band before it: "
             "sizes must increase and '*' must be last."),
          entries[i]);
      goto failed;
    }
    g_array_append_val (bands, band);
  }
  g_strfreev (entries);
  return bands;

failed:
  g_strfreev (entries);
  g_array_unref (bands);
  return NULL;
}

/**
 * gst_imgcompress_quality_bands_lookup:
 * @bands: (element-type GstImgcompressQualityBand): parsed bands
 * @input_bytes: the size of the encoded input
 * @jpeg_quality: (out): the band's JPEG quality, or
 *     %GST_IMGCOMPRESS_QUALITY_UNSET
 * @webp_quality: (out): the band's WebP quality, or
 *     %GST_IMGCOMPRESS_QUALITY_UNSET
 *
 * Returns: %TRUE when a band holds @input_bytes
 */
gboolean
gst_imgcompress_quality_bands_lookup (const GArray *bands, guint64 input_bytes,
    gint *jpeg_quality, gint *webp_quality)
{
  guint i;

  g_return_val_if_fail (bands != NULL, FALSE);
  g_return_val_if_fail (jpeg_quality != NULL && webp_quality != NULL, FALSE);

  for (i = 0; i < bands->len; i++) {
    const GstImgcompressQualityBand *band =
        &g_array_index (bands, GstImgcompressQualityBand, i);
    if (band->below_bytes == G_MAXUINT64 || input_bytes < band->below_bytes) {
      *jpeg_quality = band->jpeg_quality;
      *webp_quality = band->webp_quality;
      return TRUE;
    }
  }
  *jpeg_quality = GST_IMGCOMPRESS_QUALITY_UNSET;
  *webp_quality = GST_IMGCOMPRESS_QUALITY_UNSET;
  return FALSE;
}

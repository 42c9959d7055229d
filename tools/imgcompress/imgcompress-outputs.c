/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The files each image will write, known before the run: computed with
 * the library code metricsink writes them with, so that clashes,
 * --skip-existing and the stale-temporary sweep see the real paths. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <string.h>

#include "imgcompress-outputs.h"

/* "YYYY/MM/DD/" */
#define DAY_PREFIX_LEN 11

/* The template metricsink gets.  --layout date takes the date of the
 * run's start, once: a run that crosses midnight keeps every image's
 * variants in one folder. */
gchar *
imgcompress_outputs_location_template (ImgcompressLayout layout,
    GDateTime *run_time)
{
  gchar *day, *template;

  if (layout != IMGCOMPRESS_LAYOUT_DATE)
    return g_strdup ("{variant}/{name}.{ext}");
  day = g_date_time_format (run_time, "%Y/%m/%d");
  template = g_strdup_printf ("%s/{variant}/{name}.{ext}", day);
  g_free (day);
  return template;
}

/* Fills image->planned with the path of every file, relative to the
 * output directory, smallest variant first. */
gboolean
imgcompress_outputs_plan (ImgcompressImage *image,
    const gchar *location_template, const ImgcompressConfig *config,
    GDateTime *run_time, GError **error)
{
  gchar **formats =
      g_strsplit (config->formats ? config->formats : "jpeg,webp", ",", -1);
  gchar *name = gst_imgcompress_name_component (image->stream_name);
  gboolean ok = TRUE;
  guint v, f;

  g_ptr_array_set_size (image->planned, 0);
  for (v = 0; ok && v < config->variants->len; v++) {
    const GstImgcompressVariantInfo *info =
        &g_array_index (config->variants, GstImgcompressVariantInfo, v);
    gchar *variant = gst_imgcompress_clean_component (info->variant, "image");

    for (f = 0; ok && formats[f] != NULL; f++) {
      GstImgcompressLocationFields fields = { name, variant, NULL, 0,
        run_time };
      gchar *relative;

      fields.ext = gst_imgcompress_format_extension (
          gst_imgcompress_format_from_string (g_strstrip (formats[f])));
      if (fields.ext == NULL)
        continue;
      relative =
          gst_imgcompress_location_expand (location_template, &fields, error);
      if (relative == NULL)
        ok = FALSE;
      else
        g_ptr_array_add (image->planned, relative);
    }
    g_free (variant);
  }
  g_free (name);
  g_strfreev (formats);
  return ok;
}

static void
refuse_image (ImgcompressImage *image, const ImgcompressImage *other,
    const gchar *relative)
{
  gchar *a = gst_imgcompress_escape_for_display (image->path);
  gchar *b = gst_imgcompress_escape_for_display (other->path);
  gchar *file = gst_imgcompress_escape_for_display (relative);

  if (!image->failed) {
    gchar *message = g_strdup_printf (_ ("%s and %s would write the same file "
                                         "%s; rename one or process them in "
                                         "separate runs"),
        a, b, file);

    imgcompress_image_fail (image, IMGCOMPRESS_FAILURE_NAME_COLLISION, message);
    g_free (message);
  }
  g_free (file);
  g_free (b);
  g_free (a);
}

/* Two images that would write one file both fail, up front; the others
 * run.  Returns the number of images refused. */
guint
imgcompress_outputs_refuse_collisions (GPtrArray *images)
{
  GHashTable *owner = g_hash_table_new (g_str_hash, g_str_equal);
  guint i, j, refused = 0;

  for (i = 0; i < images->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (images, i);

    for (j = 0; j < image->planned->len; j++) {
      const gchar *relative = g_ptr_array_index (image->planned, j);
      ImgcompressImage *other = g_hash_table_lookup (owner, relative);

      if (other == NULL) {
        g_hash_table_insert (owner, (gpointer) relative, image);
      } else if (other != image) {
        refused += !other->failed;
        refuse_image (other, image, relative);
        refused += !image->failed;
        refuse_image (image, other, relative);
      }
    }
  }
  g_hash_table_unref (owner);
  return refused;
}

/* A directory of --layout tree, as literal text of a template: each
 * component made safe as image names are (gst_imgcompress_clean_component),
 * one holding "{" too (a field would start there), and "%" doubled. */
static gchar *
template_subdir (const gchar *subdir)
{
  gchar **parts = g_strsplit (subdir, "/", -1);
  GString *out = g_string_new (NULL);
  guint i;

  for (i = 0; parts[i] != NULL; i++) {
    gchar *clean, *p;

    if (*parts[i] == '\0' || strcmp (parts[i], ".") == 0)
      continue;
    clean = gst_imgcompress_clean_component (parts[i], "_");
    if (strchr (clean, '{') != NULL) {
      /* '/' is unsafe: the component is cleaned, with a hash */
      g_strdelimit (parts[i], "{", '/');
      g_free (clean);
      clean = gst_imgcompress_clean_component (parts[i], "_");
    }
    for (p = clean; *p != '\0'; p++) {
      if (*p == '%')
        g_string_append_c (out, '%');
      g_string_append_c (out, *p);
    }
    g_string_append_c (out, '/');
    g_free (clean);
  }
  g_strfreev (parts);
  return g_string_free (out, FALSE);
}

/* @base with the image's directory (--layout tree) before {name} and its
 * suffix ("-2") after it. */
static gchar *
image_template (const gchar *base, ImgcompressLayout layout,
    const ImgcompressImage *image, guint suffix)
{
  gchar *subdir = layout == IMGCOMPRESS_LAYOUT_TREE ?
      template_subdir (image->subdir) :
      g_strdup ("");
  gchar *name = suffix > 0 ? g_strdup_printf ("%s{name}-%u", subdir, suffix) :
                             g_strdup_printf ("%s{name}", subdir);
  gchar **parts = g_strsplit (base, "{name}", 2);
  gchar *template = g_strjoinv (name, parts);

  g_strfreev (parts);
  g_free (name);
  g_free (subdir);
  return template;
}

static gboolean
plan_with (ImgcompressImage *image, const gchar *base, ImgcompressLayout layout,
    guint suffix, const ImgcompressConfig *config, GDateTime *run_time,
    GError **error)
{
  gchar *template = image_template (base, layout, image, suffix);
  gboolean ok;

  ok = imgcompress_outputs_plan (image, template, config, run_time, error);
  g_free (image->location);
  image->location = strcmp (template, base) == 0 ? NULL : g_strdup (template);
  g_free (template);
  return ok;
}

static gboolean
any_in (GHashTable *set, const ImgcompressImage *image)
{
  guint i;

  for (i = 0; i < image->planned->len; i++)
    if (g_hash_table_contains (set, g_ptr_array_index (image->planned, i)))
      return TRUE;
  return FALSE;
}

static void
add_all (GHashTable *set, const ImgcompressImage *image)
{
  guint i;

  for (i = 0; i < image->planned->len; i++)
    g_hash_table_add (set, g_strdup (g_ptr_array_index (image->planned, i)));
}

/* The smallest suffix -2, -3... after the image's name that gives files
 * no earlier image writes (@claimed) and no image would write unsuffixed
 * (@natural): there is one, the sets are finite. */
static gboolean
take_suffix (ImgcompressImage *image, const gchar *base,
    ImgcompressLayout layout, GHashTable *natural, GHashTable *claimed,
    const ImgcompressConfig *config, GDateTime *run_time, GError **error)
{
  guint suffix;
  gchar *suffixed;

  for (suffix = 2;; suffix++) {
    if (!plan_with (image, base, layout, suffix, config, run_time, error))
      return FALSE;
    if (!any_in (claimed, image) && !any_in (natural, image))
      break;
  }
  suffixed = g_strdup_printf ("%s-%u", image->name, suffix);
  g_free (image->name);
  image->name = suffixed;
  return TRUE;
}

/* The documented rule: in input order, an image whose files an earlier
 * image already writes takes a suffix (take_suffix()). */
static gboolean
suffix_collisions (GPtrArray *images, const gchar *base,
    ImgcompressLayout layout, const ImgcompressConfig *config,
    GDateTime *run_time, GError **error)
{
  GHashTable *natural =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTable *claimed =
      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gboolean ok = TRUE;
  guint i;

  for (i = 0; i < images->len; i++)
    add_all (natural, g_ptr_array_index (images, i));
  for (i = 0; ok && i < images->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (images, i);

    if (any_in (claimed, image))
      ok = take_suffix (image, base, layout, natural, claimed, config, run_time,
          error);
    add_all (claimed, image);
  }
  g_hash_table_unref (claimed);
  g_hash_table_unref (natural);
  return ok;
}

/* Each image's files, as metricsink will name them.  Two images that would
 * write one file: with IMGCOMPRESS_COLLISIONS_SUFFIX the later one's name
 * is suffixed, with IMGCOMPRESS_COLLISIONS_REFUSE both are refused; the
 * others run either way. */
gboolean
imgcompress_outputs_plan_all (GPtrArray *images, const gchar *base,
    ImgcompressLayout layout, ImgcompressCollisions collisions,
    const ImgcompressConfig *config, GDateTime *run_time, GError **error)
{
  guint i;

  for (i = 0; i < images->len; i++)
    if (!plan_with (g_ptr_array_index (images, i), base, layout, 0, config,
            run_time, error))
      return FALSE;
  if (collisions == IMGCOMPRESS_COLLISIONS_SUFFIX &&
      !suffix_collisions (images, base, layout, config, run_time, error))
    return FALSE;
  imgcompress_outputs_refuse_collisions (images);
  return TRUE;
}

/* Without --overwrite or --skip-existing, an image any of whose files
 * exists is refused before it runs, in the tool's own words. */
void
imgcompress_outputs_refuse_existing (GPtrArray *images, const gchar *outdir)
{
  guint i, j;

  for (i = 0; i < images->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (images, i);

    for (j = 0; !image->failed && j < image->planned->len; j++) {
      gchar *path = g_build_filename (outdir,
          g_ptr_array_index (image->planned, j), NULL);

      if (g_file_test (path, G_FILE_TEST_EXISTS)) {
        gchar *shown = gst_imgcompress_escape_for_display (path);
        gchar *message = g_strdup_printf (_ ("%s already exists; give "
                                             "--overwrite to replace it, or "
                                             "--skip-existing to keep complete "
                                             "images"),
            shown);

        imgcompress_image_fail (image, IMGCOMPRESS_FAILURE_OUTPUT_EXISTS,
            message);
        g_free (message);
        g_free (shown);
      }
      g_free (path);
    }
  }
}

/* Every planned path of every image, for the stale-temporary sweep. */
gchar **
imgcompress_outputs_all_planned (GPtrArray *images)
{
  GPtrArray *all = g_ptr_array_new ();
  guint i, j;

  for (i = 0; i < images->len; i++) {
    ImgcompressImage *image = g_ptr_array_index (images, i);

    for (j = 0; j < image->planned->len; j++)
      g_ptr_array_add (all, g_strdup (g_ptr_array_index (image->planned, j)));
  }
  g_ptr_array_add (all, NULL);
  return (gchar **) g_ptr_array_free (all, FALSE);
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

static gboolean
is_digits (const gchar *s, guint n)
{
  guint i;

  if (strlen (s) != n)
    return FALSE;
  for (i = 0; i < n; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* Names of the subdirectories of @dir that are @n digits, sorted. */
static GPtrArray *
digit_subdirectories (const gchar *dir, guint n)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *entry;

  while (d != NULL && (entry = g_dir_read_name (d)) != NULL)
    if (is_digits (entry, n))
      g_ptr_array_add (names, g_strdup (entry));
  if (d != NULL)
    g_dir_close (d);
  g_ptr_array_sort (names, compare_names);
  return names;
}

/* The date folders (YYYY/MM/DD) under @outdir, newest first. */
GPtrArray *
imgcompress_outputs_list_days (const gchar *outdir)
{
  GPtrArray *days = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *years = digit_subdirectories (outdir, 4);
  guint y, m, d;

  for (y = years->len; y-- > 0;) {
    gchar *ydir = g_build_filename (outdir, years->pdata[y], NULL);
    GPtrArray *months = digit_subdirectories (ydir, 2);

    for (m = months->len; m-- > 0;) {
      gchar *mdir = g_build_filename (ydir, months->pdata[m], NULL);
      GPtrArray *mdays = digit_subdirectories (mdir, 2);

      for (d = mdays->len; d-- > 0;)
        g_ptr_array_add (days,
            g_strdup_printf ("%s/%s/%s", (gchar *) years->pdata[y],
                (gchar *) months->pdata[m], (gchar *) mdays->pdata[d]));
      g_ptr_array_unref (mdays);
      g_free (mdir);
    }
    g_ptr_array_unref (months);
    g_free (ydir);
  }
  g_ptr_array_unref (years);
  return days;
}

/* The fallback judgement of a file without a recorded checksum: one of our
 * decoders reads it to the end without an error. */
static gboolean
decodes_completely (const gchar *path)
{
  const gchar *decoder =
      g_str_has_suffix (path, ".webp") ? "imgwebpdec" : "turbojpegdec";
  GstElement *pipeline = gst_pipeline_new (NULL);
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *dec = gst_element_factory_make (decoder, NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstMessage *msg = NULL;
  gboolean ok = FALSE;
  GStatBuf st;

  if (src && dec && sink && g_stat (path, &st) == 0 && st.st_size > 0 &&
      st.st_size <= G_MAXINT) {
    GstBus *bus = gst_element_get_bus (pipeline);

    g_object_set (src, "location", path, "blocksize", (guint) st.st_size, NULL);
    gst_bin_add_many (GST_BIN (pipeline), src, dec, sink, NULL);
    gst_element_link_many (src, dec, sink, NULL);
    src = dec = sink = NULL;
    gst_element_set_state (pipeline, GST_STATE_PLAYING);
    msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
    ok = msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
    gst_element_set_state (pipeline, GST_STATE_NULL);
    gst_object_unref (bus);
  }
  if (msg)
    gst_message_unref (msg);
  gst_clear_object (&src);
  gst_clear_object (&dec);
  gst_clear_object (&sink);
  gst_object_unref (pipeline);
  return ok;
}

/* "Complete" for --skip-existing: the file holds the very bytes metricsink
 * recorded (size and CRC-32 in its xattr) when it was written; a file
 * without that record (a copy, a file system without user xattrs) must
 * decode to the end. */
static gboolean
output_file_is_complete (const gchar *path)
{
  switch (gst_imgcompress_file_check (path)) {
    case GST_IMGCOMPRESS_FILE_CHECK_OK:
      return TRUE;
    case GST_IMGCOMPRESS_FILE_CHECK_UNRECORDED:
      return decodes_completely (path);
    default:
      return FALSE;
  }
}

/* Whether every planned file of @image is complete, with @day in place of
 * the planned date folder (NULL: as planned). */
static gboolean
complete_on_day (const gchar *outdir, const ImgcompressImage *image,
    const gchar *day)
{
  guint i;

  for (i = 0; i < image->planned->len; i++) {
    const gchar *relative = g_ptr_array_index (image->planned, i);
    gchar *path;
    gboolean ok;

    if (day != NULL && strlen (relative) > DAY_PREFIX_LEN)
      path = g_build_filename (outdir, day, relative + DAY_PREFIX_LEN, NULL);
    else
      path = g_build_filename (outdir, relative, NULL);
    ok = output_file_is_complete (path);
    g_free (path);
    if (!ok)
      return FALSE;
  }
  return image->planned->len > 0;
}

/* --skip-existing: every file of the image is complete at its planned
 * path, or, with --layout date (@days, newest first), all of them in one
 * earlier date folder. */
gboolean
imgcompress_outputs_complete (const gchar *outdir,
    const ImgcompressImage *image, GPtrArray *days)
{
  guint i;

  if (complete_on_day (outdir, image, NULL))
    return TRUE;
  for (i = 0; days != NULL && i < days->len; i++)
    if (complete_on_day (outdir, image, g_ptr_array_index (days, i)))
      return TRUE;
  return FALSE;
}

/* A failed or abandoned image leaves no file behind, but only its own: a
 * file another run put at the same path since is kept. */
void
imgcompress_outputs_remove_own (ImgcompressImage *image)
{
  guint i;

  for (i = 0; i < image->outputs->len; i++) {
    ImgcompressOutput *o = g_ptr_array_index (image->outputs, i);

    if (o->held_location != NULL)
      gst_imgcompress_file_discard_held (o->held_location);
    else if (o->has_id)
      gst_imgcompress_file_remove_if_same (o->location, &o->id);
  }
  g_ptr_array_set_size (image->outputs, 0);
}

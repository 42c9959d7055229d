/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The tool finds the plugins it was installed with, wherever that is:
 * GStreamer's registry (its system directories and GST_PLUGIN_PATH_1_0)
 * first, then the plugin directory beside the executable (a relocated
 * install, e.g. unpacked under another prefix), then the one it was
 * configured for (a --prefix that Debian's GStreamer does not scan, such as
 * /usr/local or /opt).  Without them it says so once, before any image. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "imgcompress-plugins.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <string.h>

/* The elements the tool builds its pipelines from. */
static const gchar *required[] = { "imgcompressbin", "adaptivequality",
  "turbojpegdec", "turbojpegenc", "imgwebpdec", "imgwebpenc" };

/* The decoders of the other input formats: each is built only when its
 * library is there, and an image of a format without its decoder fails
 * alone.  They are looked for where the required ones are. */
static const gchar *optional[] = { "imgpngdec", "imgheifdec", "imggifdec",
  "imgtiffdec", "imgbmpdec" };

static const gchar *
first_missing (const gchar **names, guint n)
{
  guint i;

  for (i = 0; i < n; i++) {
    GstElementFactory *factory = gst_element_factory_find (names[i]);

    if (factory == NULL)
      return names[i];
    gst_object_unref (factory);
  }
  return NULL;
}

static const gchar *
first_missing_element (void)
{
  return first_missing (required, G_N_ELEMENTS (required));
}

static gboolean
all_found (void)
{
  return first_missing_element () == NULL &&
      first_missing (optional, G_N_ELEMENTS (optional)) == NULL;
}

static gchar *
plugin_dir_beside_executable (void)
{
#ifdef IMGCOMPRESS_PLUGINDIR_FROM_BINDIR
  gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  gchar *bindir, *dir;

  if (exe == NULL)
    return NULL;
  bindir = g_path_get_dirname (exe);
  dir = g_build_filename (bindir, IMGCOMPRESS_PLUGINDIR_FROM_BINDIR, NULL);
  g_free (bindir);
  g_free (exe);
  return dir;
#else
  return NULL;
#endif
}

static gboolean
scan_if_present (const gchar *dir)
{
  if (dir == NULL || !g_file_test (dir, G_FILE_TEST_IS_DIR))
    return FALSE;
  GST_DEBUG ("looking for the imgcompress plugins in %s", dir);
  return gst_registry_scan_path (gst_registry_get (), dir);
}

/* The tool run from its build tree (BUILD/tools/imgcompress/imgcompress)
 * takes the plugins built beside it, under BUILD/gst and BUILD/ext, so
 * that the build tree works without GST_PLUGIN_PATH_1_0.  An installed
 * copy lives elsewhere and skips this. */
static void
scan_build_tree (void)
{
#if defined(IMGCOMPRESS_BUILD_TOOL_DIR) && defined(IMGCOMPRESS_BUILD_ROOT_DIR)
  gchar *exe = g_file_read_link ("/proc/self/exe", NULL);
  gchar *dir = exe ? g_path_get_dirname (exe) : NULL;

  if (dir != NULL && strcmp (dir, IMGCOMPRESS_BUILD_TOOL_DIR) == 0) {
    scan_if_present (IMGCOMPRESS_BUILD_ROOT_DIR "/gst");
    scan_if_present (IMGCOMPRESS_BUILD_ROOT_DIR "/ext");
  }
  g_free (dir);
  g_free (exe);
#endif
}

gboolean
imgcompress_find_plugins (GError **error)
{
  gchar *beside;
  const gchar *missing;

  if (all_found ())
    return TRUE;

  scan_build_tree ();
  beside = plugin_dir_beside_executable ();
  scan_if_present (beside);
  g_free (beside);
  if (!all_found ())
    scan_if_present (IMGCOMPRESS_PLUGINDIR);

  missing = first_missing_element ();
  if (missing == NULL)
    return TRUE;
  g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
      _ ("The imgcompress GStreamer plugins are not installed: element '%s' "
         "is missing. Install them, or set GST_PLUGIN_PATH_1_0 to the "
         "directory that holds them (installed in %s)."),
      missing, IMGCOMPRESS_PLUGINDIR);
  return FALSE;
}

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* GStreamer set up once per fuzzing process: this build tree's plugins and
 * the system's, a registry of the fuzz build's own, scanned in-process (the
 * system's gst-plugin-scanner cannot load instrumented plugins). */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "fuzz-gst.h"

void
fuzz_gst_init (void)
{
  gchar *plugins = g_strjoin (G_SEARCHPATH_SEPARATOR_S,
      FUZZ_BUILD_ROOT "/gst/imgcompress", FUZZ_BUILD_ROOT "/ext/turbojpeg",
      FUZZ_BUILD_ROOT "/ext/webp", FUZZ_BUILD_ROOT "/ext/png",
      FUZZ_BUILD_ROOT "/ext/heif", FUZZ_BUILD_ROOT "/ext/gif",
      FUZZ_BUILD_ROOT "/ext/tiff", FUZZ_BUILD_ROOT "/ext/bmp", NULL);
  static const gchar *ours[] = { "imgcompress", "turbojpeg", "imgwebp",
    "imgpng", "imgheif", "imggif", "imgtiff", "imgbmp" };
  guint i;

  g_setenv ("GST_PLUGIN_PATH_1_0", plugins, TRUE);
  g_setenv ("GST_REGISTRY_1_0", FUZZ_BUILD_ROOT "/fuzz/registry.bin", TRUE);
  g_setenv ("GST_REGISTRY_FORK", "no", TRUE);
  /* a fuzzing run must not stop on a g_warning of a stock element */
  g_setenv ("G_DEBUG", "", TRUE);
  g_free (plugins);
  gst_init (NULL, NULL);
  /* loaded before fuzzing starts, so that libFuzzer counts their coverage
   * from the first input */
  for (i = 0; i < G_N_ELEMENTS (ours); i++) {
    GstPlugin *plugin = gst_plugin_load_by_name (ours[i]);
    if (plugin)
      gst_object_unref (plugin);
  }
}

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/gst.h>
#include <gst/imgcompress/gst-i18n-plugin.h>

#include "gstimgcompresselements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  GST_IMGCOMPRESS_BIND_TEXTDOMAIN ();

  /* One line per element. */
  ret |= GST_ELEMENT_REGISTER (adaptivequality, plugin);
  ret |= GST_ELEMENT_REGISTER (variantsplit, plugin);
  ret |= GST_ELEMENT_REGISTER (metricsink, plugin);
  ret |= GST_ELEMENT_REGISTER (imgsizer, plugin);
  ret |= GST_ELEMENT_REGISTER (imgiccconvert, plugin);
  ret |= GST_ELEMENT_REGISTER (imgcompressbin, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, imgcompress,
    "Photo variants: resizing, adaptive quality, fan-out and metrics",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)

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

#include "gstimgheifdec.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  GST_IMGCOMPRESS_BIND_TEXTDOMAIN ();

  return GST_ELEMENT_REGISTER (imgheifdec, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, imgheif,
    "HEIF and AVIF still image decoder on libheif, for photo variants",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompresscolour
 * @title: Colour profile tag
 * @short_description: how a decoder hands an image's colour space on
 *
 * A decoder that reads an embedded ICC profile or a colour-space chunk
 * posts it downstream in a tag event as %GST_IMGCOMPRESS_TAG_COLOUR_PROFILE,
 * once per image (docs/design.md, "Colour profile").  The tag is registered
 * by gst_imgcompress_colour_tag_register(), which the decoders call when
 * they register, and which an application may call to read the tag.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompresscolour.h"

/**
 * gst_imgcompress_colour_tag_register:
 *
 * Registers %GST_IMGCOMPRESS_TAG_COLOUR_PROFILE; safe to call many times.
 */
void
gst_imgcompress_colour_tag_register (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    gst_tag_register_static (GST_IMGCOMPRESS_TAG_COLOUR_PROFILE,
        GST_TAG_FLAG_META, GST_TYPE_SAMPLE, "colour profile",
        "the image's colour space: embedded ICC profile (buffer) and the "
        "chunk or marker it came from (info structure)",
        gst_tag_merge_use_first);
    g_once_init_leave (&done, 1);
  }
}

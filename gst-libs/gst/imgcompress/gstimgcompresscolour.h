/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_COLOUR_H__
#define __GST_IMGCOMPRESS_COLOUR_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

/**
 * GST_IMGCOMPRESS_TAG_COLOUR_PROFILE:
 *
 * Tag (#GstSample) with the colour space an image says it is in: the
 * sample's buffer is the embedded ICC profile, if any, and its info
 * structure (named `imgcompress-colour`) says where that came from.
 */
#define GST_IMGCOMPRESS_TAG_COLOUR_PROFILE "imgcompress-colour-profile"

/* Caps of the sample's buffer when it holds an ICC profile. */
#define GST_IMGCOMPRESS_ICC_PROFILE_CAPS "application/vnd.iccprofile"

GST_IMGCOMPRESS_API
void gst_imgcompress_colour_tag_register (void);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_COLOUR_H__ */

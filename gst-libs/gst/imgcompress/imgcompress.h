/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_H__
#define __GST_IMGCOMPRESS_H__

#include <gst/imgcompress/imgcompress-prelude.h>
#include <gst/imgcompress/gstimgcompressprotocol.h>
#include <gst/imgcompress/gstimgcompresssize.h>
#include <gst/imgcompress/gstimgcompresssniff.h>
#include <gst/imgcompress/gstimgcompressvariants.h>
#include <gst/imgcompress/gstimgcompressfile.h>
#include <gst/imgcompress/gstimgcompressexif.h>
#include <gst/imgcompress/gstimgcompressjpeg.h>
#include <gst/imgcompress/gstimgcompressname.h>
#include <gst/imgcompress/gstimgcompresscolour.h>
#include <gst/imgcompress/gstimgcompressdecoder.h>
#include <gst/imgcompress/gstimgcompressdecoderframing.h>
#include <gst/imgcompress/gstimgcompressicc.h>
#include <gst/imgcompress/gstimgcompressmetadata.h>

#endif /* __GST_IMGCOMPRESS_H__ */

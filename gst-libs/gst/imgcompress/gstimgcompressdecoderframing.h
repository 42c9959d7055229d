/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_DECODER_FRAMING_H__
#define __GST_IMGCOMPRESS_DECODER_FRAMING_H__

#include <gst/base/gstadapter.h>
#include <gst/imgcompress/gstimgcompressdecoder.h>
#include <gst/imgcompress/imgcompress-prelude.h>

G_BEGIN_DECLS

GST_IMGCOMPRESS_API
GstFlowReturn gst_imgcompress_image_decoder_parse_to_end (GstVideoDecoder
                                                              *decoder,
    GstVideoCodecFrame *frame, GstAdapter *adapter, gboolean at_eos);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_DECODER_FRAMING_H__ */

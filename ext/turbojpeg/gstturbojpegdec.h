/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_TURBOJPEG_DEC_H__
#define __GST_TURBOJPEG_DEC_H__

#include <gst/gst.h>
#include <gst/imgcompress/gstimgcompressdecoder.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

#define GST_TYPE_TURBOJPEG_DEC (gst_turbojpeg_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstTurbojpegDec, gst_turbojpeg_dec, GST, TURBOJPEG_DEC,
    GstImgcompressImageDecoder)

/**
 * GstTurbojpegDecFraming:
 * @GST_TURBOJPEG_DEC_FRAMING_AUTO: @GST_TURBOJPEG_DEC_FRAMING_IMAGE once an
 *     `imgcompress-image` event has arrived since the stream started,
 *     @GST_TURBOJPEG_DEC_FRAMING_STREAM before
 * @GST_TURBOJPEG_DEC_FRAMING_STREAM: every JPEG in the bytes is an image
 * @GST_TURBOJPEG_DEC_FRAMING_IMAGE: one JPEG per image: an image begins
 *     after stream-start, segment, caps or an `imgcompress-image` event,
 *     and what follows its EOI up to the next of these is skipped
 *
 * Where turbojpegdec's images begin and end in an unparsed stream.
 */
typedef enum
{
  GST_TURBOJPEG_DEC_FRAMING_AUTO,
  GST_TURBOJPEG_DEC_FRAMING_STREAM,
  GST_TURBOJPEG_DEC_FRAMING_IMAGE,
} GstTurbojpegDecFraming;

GST_ELEMENT_REGISTER_DECLARE (turbojpegdec);

G_END_DECLS

#endif /* __GST_TURBOJPEG_DEC_H__ */

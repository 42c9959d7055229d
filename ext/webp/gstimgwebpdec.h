/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMG_WEBP_DEC_H__
#define __GST_IMG_WEBP_DEC_H__

#include <gst/gst.h>
#include <gst/imgcompress/gstimgcompressdecoder.h>
#include <gst/video/video.h>
#include <gst/video/gstvideodecoder.h>

G_BEGIN_DECLS

#define GST_TYPE_IMG_WEBP_DEC (gst_img_webp_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstImgWebpDec, gst_img_webp_dec, GST, IMG_WEBP_DEC,
    GstImgcompressImageDecoder)

GST_ELEMENT_REGISTER_DECLARE (imgwebpdec);

G_END_DECLS

#endif /* __GST_IMG_WEBP_DEC_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMG_PNG_DEC_H__
#define __GST_IMG_PNG_DEC_H__

#include <gst/gst.h>
#include <gst/imgcompress/gstimgcompressdecoder.h>
#include <gst/video/video.h>
#include <gst/video/gstvideodecoder.h>

G_BEGIN_DECLS

#define GST_TYPE_IMG_PNG_DEC (gst_img_png_dec_get_type ())
G_DECLARE_FINAL_TYPE (GstImgPngDec, gst_img_png_dec, GST, IMG_PNG_DEC,
    GstImgcompressImageDecoder)

GST_ELEMENT_REGISTER_DECLARE (imgpngdec);

G_END_DECLS

#endif /* __GST_IMG_PNG_DEC_H__ */

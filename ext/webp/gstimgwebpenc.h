/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMG_WEBP_ENC_H__
#define __GST_IMG_WEBP_ENC_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideoencoder.h>

G_BEGIN_DECLS

#define GST_TYPE_IMG_WEBP_ENC (gst_img_webp_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstImgWebpEnc, gst_img_webp_enc, GST, IMG_WEBP_ENC,
    GstVideoEncoder)

#define GST_TYPE_IMG_WEBP_ENC_PRESET (gst_img_webp_enc_preset_get_type ())
GType gst_img_webp_enc_preset_get_type (void);

GST_ELEMENT_REGISTER_DECLARE (imgwebpenc);

G_END_DECLS

#endif /* __GST_IMG_WEBP_ENC_H__ */

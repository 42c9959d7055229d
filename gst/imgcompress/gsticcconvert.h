/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMG_ICC_CONVERT_H__
#define __GST_IMG_ICC_CONVERT_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_IMG_ICC_CONVERT (gst_img_icc_convert_get_type ())
G_DECLARE_FINAL_TYPE (GstImgIccConvert, gst_img_icc_convert, GST,
    IMG_ICC_CONVERT, GstVideoFilter)

G_END_DECLS

#endif /* __GST_IMG_ICC_CONVERT_H__ */

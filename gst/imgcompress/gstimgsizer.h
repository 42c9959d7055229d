/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMG_SIZER_H__
#define __GST_IMG_SIZER_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

#include "imgresample.h"

G_BEGIN_DECLS

/**
 * GstImgSizerMethod:
 * @GST_IMG_SIZER_METHOD_LANCZOS3: Lanczos-3 after an integer box
 *     pre-shrink (best quality)
 * @GST_IMG_SIZER_METHOD_BILINEAR: triangle filter scaled to the reduction
 *     (faster, softer)
 * @GST_IMG_SIZER_METHOD_BOX: area average (fastest)
 *
 * The filter imgsizer resamples with.
 */
typedef enum
{
  GST_IMG_SIZER_METHOD_LANCZOS3 = IMG_RESAMPLE_LANCZOS3,
  GST_IMG_SIZER_METHOD_BILINEAR = IMG_RESAMPLE_BILINEAR,
  GST_IMG_SIZER_METHOD_BOX = IMG_RESAMPLE_BOX,
} GstImgSizerMethod;

#define GST_TYPE_IMG_SIZER_METHOD (gst_img_sizer_method_get_type ())
GType gst_img_sizer_method_get_type (void);

#define GST_TYPE_IMG_SIZER (gst_img_sizer_get_type ())
G_DECLARE_FINAL_TYPE (GstImgSizer, gst_img_sizer, GST, IMG_SIZER,
    GstVideoFilter)

G_END_DECLS

#endif /* __GST_IMG_SIZER_H__ */

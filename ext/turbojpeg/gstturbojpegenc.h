/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_TURBOJPEG_ENC_H__
#define __GST_TURBOJPEG_ENC_H__

#include <gst/gst.h>
#include <gst/video/video.h>

G_BEGIN_DECLS

/**
 * GstTurbojpegSubsampling:
 * @GST_TURBOJPEG_SUBSAMPLING_AUTO: keep the input's chroma layout (4:2:0
 *     for packed RGB input)
 * @GST_TURBOJPEG_SUBSAMPLING_420: 4:2:0
 * @GST_TURBOJPEG_SUBSAMPLING_422: 4:2:2
 * @GST_TURBOJPEG_SUBSAMPLING_444: 4:4:4
 */
typedef enum
{
  GST_TURBOJPEG_SUBSAMPLING_AUTO,
  GST_TURBOJPEG_SUBSAMPLING_420,
  GST_TURBOJPEG_SUBSAMPLING_422,
  GST_TURBOJPEG_SUBSAMPLING_444,
} GstTurbojpegSubsampling;

#define GST_TYPE_TURBOJPEG_SUBSAMPLING (gst_turbojpeg_subsampling_get_type ())
GType gst_turbojpeg_subsampling_get_type (void);

#define GST_TYPE_TURBOJPEG_ENC (gst_turbojpeg_enc_get_type ())
G_DECLARE_FINAL_TYPE (GstTurbojpegEnc, gst_turbojpeg_enc, GST, TURBOJPEG_ENC,
    GstVideoEncoder)

GST_ELEMENT_REGISTER_DECLARE (turbojpegenc);

G_END_DECLS

#endif /* __GST_TURBOJPEG_ENC_H__ */

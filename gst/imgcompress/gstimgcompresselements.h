/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_ELEMENTS_H__
#define __GST_IMGCOMPRESS_ELEMENTS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

/* One GST_ELEMENT_REGISTER_DECLARE line per element of the plugin. */
GST_ELEMENT_REGISTER_DECLARE (adaptivequality);
GST_ELEMENT_REGISTER_DECLARE (variantsplit);
GST_ELEMENT_REGISTER_DECLARE (metricsink);
GST_ELEMENT_REGISTER_DECLARE (imgsizer);
GST_ELEMENT_REGISTER_DECLARE (imgiccconvert);
GST_ELEMENT_REGISTER_DECLARE (imgcompressbin);

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_ELEMENTS_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_PRELUDE_H__
#define __GST_IMGCOMPRESS_PRELUDE_H__

#include <gst/gst.h>

#ifndef GST_IMGCOMPRESS_API
#ifdef BUILDING_GST_IMGCOMPRESS
#define GST_IMGCOMPRESS_API GST_API_EXPORT
#else
#define GST_IMGCOMPRESS_API GST_API_IMPORT
#endif
#endif

#endif /* __GST_IMGCOMPRESS_PRELUDE_H__ */

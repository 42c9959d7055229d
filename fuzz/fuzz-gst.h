/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __FUZZ_GST_H__
#define __FUZZ_GST_H__

#include <gst/gst.h>

G_BEGIN_DECLS

void fuzz_gst_init (void);

G_END_DECLS

#endif /* __FUZZ_GST_H__ */

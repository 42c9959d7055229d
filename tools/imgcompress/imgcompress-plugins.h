/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __IMGCOMPRESS_PLUGINS_H__
#define __IMGCOMPRESS_PLUGINS_H__

#include <gst/gst.h>

G_BEGIN_DECLS

gboolean imgcompress_find_plugins (GError **error);

G_END_DECLS

#endif /* __IMGCOMPRESS_PLUGINS_H__ */

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private to the project (not installed): gettext for user-facing
 * messages, in the domain GETTEXT_PACKAGE from config.h. */

#ifndef __GST_IMGCOMPRESS_I18N_PLUGIN_H__
#define __GST_IMGCOMPRESS_I18N_PLUGIN_H__

#ifdef ENABLE_NLS
#include <glib/gi18n-lib.h>
#include <locale.h>
/* The environment variable IMGCOMPRESS_LOCALEDIR replaces the install
 * prefix's catalogues, so that the test suite uses the build tree's. */
#define GST_IMGCOMPRESS_LOCALEDIR()                                            \
  (g_getenv ("IMGCOMPRESS_LOCALEDIR") ? g_getenv ("IMGCOMPRESS_LOCALEDIR") :   \
                                        LOCALEDIR)
#define GST_IMGCOMPRESS_BIND_TEXTDOMAIN()                                      \
  G_STMT_START                                                                 \
  {                                                                            \
    bindtextdomain (GETTEXT_PACKAGE, GST_IMGCOMPRESS_LOCALEDIR ());            \
    bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");                        \
  }                                                                            \
  G_STMT_END
#else
#define _(String) (String)
#define N_(String) (String)
#define GST_IMGCOMPRESS_BIND_TEXTDOMAIN()                                      \
  G_STMT_START                                                                 \
  {                                                                            \
  }                                                                            \
  G_STMT_END
#endif

#endif /* __GST_IMGCOMPRESS_I18N_PLUGIN_H__ */

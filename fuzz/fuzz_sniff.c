/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* libFuzzer target: the header sniffer adaptivequality runs on every
 * upload before any decoding, and the EXIF orientation parser the JPEG
 * decoder runs on APP1 segments. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/imgcompress/imgcompress.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  GstImgcompressHeaderInfo info;
  gsize prefix;

  /* whole input, then every prefix a streaming caller could hold back */
  memset (&info, 0, sizeof (info));
  gst_imgcompress_sniff_header (data, size, &info);
  for (prefix = 0; prefix < MIN (size, 64); prefix++) {
    memset (&info, 0, sizeof (info));
    gst_imgcompress_sniff_header (data, prefix, &info);
  }
  gst_imgcompress_sniff_signature (data, size);
  gst_imgcompress_exif_parse_orientation (data, size);
  return 0;
}

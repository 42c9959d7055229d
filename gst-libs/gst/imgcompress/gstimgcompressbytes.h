/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Private, not installed: byte-order reads for header parsers.
 *
 * GST_READ_UINT16_BE () and friends load a whole guint16/guint32 through a
 * cast where the CPU allows unaligned access; header fields of untrusted
 * files sit at any offset, so that load is undefined behaviour (UBSan
 * reports it). These read byte by byte, which compilers turn into the same
 * single load where it is safe. */

#ifndef __GST_IMGCOMPRESS_BYTES_H__
#define __GST_IMGCOMPRESS_BYTES_H__

#include <glib.h>

G_BEGIN_DECLS

static inline guint16
gst_imgcompress_read_uint16_be (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static inline guint16
gst_imgcompress_read_uint16_le (const guint8 *p)
{
  return (guint16) ((p[1] << 8) | p[0]);
}

static inline guint32
gst_imgcompress_read_uint32_be (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) |
      ((guint32) p[2] << 8) | (guint32) p[3];
}

static inline guint32
gst_imgcompress_read_uint32_le (const guint8 *p)
{
  return ((guint32) p[3] << 24) | ((guint32) p[2] << 16) |
      ((guint32) p[1] << 8) | (guint32) p[0];
}

/* GStreamer's GST_WRITE_UINT32_BE stores through a guint32 pointer, which
 * UBSan rightly calls misaligned at an odd offset of a PNG chunk. */
static inline void
gst_imgcompress_write_uint32_be (guint8 *p, guint32 v)
{
  p[0] = (guint8) (v >> 24);
  p[1] = (guint8) (v >> 16);
  p[2] = (guint8) (v >> 8);
  p[3] = (guint8) v;
}

static inline void
gst_imgcompress_write_uint32_le (guint8 *p, guint32 v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
  p[2] = (guint8) (v >> 16);
  p[3] = (guint8) (v >> 24);
}

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_BYTES_H__ */

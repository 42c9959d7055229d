/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* libFuzzer target: one of our decoders (FUZZ_ELEMENT, e.g. turbojpegdec)
 * in a GstHarness, fed the input as one buffer of FUZZ_CAPS, then EOS. A
 * bad input must end in an error message or nothing, never in a crash, a
 * hang or a sanitizer report.
 *
 * With FUZZ_HEADER_CAPS, the input's first four bytes are the width and
 * height (16 bits each, big-endian) that the caps claim were read from the
 * header (imgcompress-header=true, as adaptivequality sends them): caps
 * that lie about the image must not be trusted further than the pixel
 * limit. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstharness.h>

#include "fuzz-gst.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_gst_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  GstHarness *h = gst_harness_new (FUZZ_ELEMENT);
  GstBuffer *out;

  /* small enough that a huge header is refused, not decoded */
  g_object_set (h->element, "max-pixels", (guint64) 16 * 1024 * 1024, NULL);
#ifdef FUZZ_HEADER_CAPS
  {
    gchar *caps;

    if (size < 4) {
      gst_harness_teardown (h);
      return 0;
    }
    caps = g_strdup_printf ("%s, width=%u, height=%u, imgcompress-header=true",
        FUZZ_CAPS, (guint) (data[0] << 8 | data[1]),
        (guint) (data[2] << 8 | data[3]));
    gst_harness_set_src_caps_str (h, caps);
    g_free (caps);
    data += 4;
    size -= 4;
  }
#else
  gst_harness_set_src_caps_str (h, FUZZ_CAPS);
#endif
  /* gst_buffer_new_memdup () wants at least one byte */
  gst_harness_push (h,
      size ? gst_buffer_new_memdup (data, size) : gst_buffer_new ());
  gst_harness_push_event (h, gst_event_new_eos ());
  while ((out = gst_harness_try_pull (h)) != NULL)
    gst_buffer_unref (out);
  gst_harness_teardown (h);
  return 0;
}

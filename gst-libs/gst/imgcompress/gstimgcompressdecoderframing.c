/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressdecoderframing
 * @title: framing to the end of the stream
 * @short_description: one image per stream, for formats whose end cannot
 *     be told from their bytes
 *
 * A TIFF's strips, a HEIF's boxes and a BMP's pixels may sit anywhere in
 * the file, and nothing in their bytes says where the file ends.  Their
 * decoders take everything up to the end of the stream (EOS) as one image.
 * imgcompressbin ends each image of a stream with an EOS to its decoder
 * (and plugs a fresh decoder for the next), and filesrc ends the stream
 * after the file.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressdecoderframing.h"
#include "gst-i18n-plugin.h"

/* GstVideoDecoder counts a frame's bytes in an int. */
static gboolean
check_frame_bytes (GstImgcompressImageDecoder *decoder, gsize bytes)
{
  if (bytes <= G_MAXINT)
    return TRUE;
  GST_ELEMENT_ERROR (decoder, STREAM, DECODE,
      (_ ("The %s file is larger than this element handles (2 GiB)."),
          GST_IMGCOMPRESS_IMAGE_DECODER_GET_CLASS (decoder)->format_name),
      ("%" G_GSIZE_FORMAT " bytes", bytes));
  return FALSE;
}

/**
 * gst_imgcompress_image_decoder_parse_to_end:
 * @decoder: a #GstImgcompressImageDecoder
 * @frame: the frame being assembled
 * @adapter: the bytes received
 * @at_eos: whether the stream has ended
 *
 * A GstVideoDecoderClass.parse() for decoders whose image is the whole
 * stream (set it as the subclass's parse): the bytes are kept, within the
 * decoder's max-input-bytes (the image is refused with the shared message as
 * soon as they pass it, and what comes after is dropped), and handed over as
 * one frame at the end of the stream.
 *
 * Returns: what parse() returns
 */
GstFlowReturn
gst_imgcompress_image_decoder_parse_to_end (GstVideoDecoder *decoder,
    GstVideoCodecFrame *frame, GstAdapter *adapter, gboolean at_eos)
{
  GstImgcompressImageDecoder *self = GST_IMGCOMPRESS_IMAGE_DECODER (decoder);
  gsize avail = gst_adapter_available (adapter);

  if (gst_imgcompress_image_decoder_has_failed (self)) {
    gst_adapter_clear (adapter);
    return GST_FLOW_ERROR;
  }
  if (avail > 0)
    gst_imgcompress_image_decoder_saw_data (self);
  if (!gst_imgcompress_image_decoder_check_input_bytes (self, avail,
          "while collecting the image") ||
      !check_frame_bytes (self, avail)) {
    gst_adapter_clear (adapter);
    return gst_imgcompress_image_decoder_fail (self);
  }
  if (!at_eos || avail == 0)
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  gst_video_decoder_add_to_frame (decoder, (gint) avail);
  return gst_video_decoder_have_frame (decoder);
}

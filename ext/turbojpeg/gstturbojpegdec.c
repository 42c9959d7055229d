/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-turbojpegdec
 * @title: turbojpegdec
 * @short_description: JPEG decoder with shrink-on-load, on libjpeg-turbo
 *
 * Decodes JPEG images into the JPEG's own planar layout, without colour
 * conversion: I420 for 4:2:0, Y42B for 4:2:2, Y444 for 4:4:4 and GRAY8 for
 * grayscale.  CMYK and YCCK images and images with other
 * layouts (RGB, 4:4:0, 4:1:1) come out as RGB, which is also the fallback
 * when downstream does not accept the planar layout.
 *
 * The decoder decodes as small as it may (libjpeg-turbo's DCT scaling by
 * n/8): it takes the smallest n whose output is still at least twice the
 * size the image will have in the box given by
 * #GstTurbojpegDec:max-dimension or, when that is 0, by the answer to the
 * `imgcompress-size-hint` query that it sends downstream before each
 * image.  The final reduction, by a factor of two or more, is left to a
 * real filter (imgsizer), which keeps the quality of a full decode.
 *
 * The EXIF orientation is posted as the %GST_TAG_IMAGE_ORIENTATION tag, never
 * applied.
 *
 * Damaged input is an error, not a dropped frame: a truncated or corrupt
 * image (libjpeg warnings, unless #GstTurbojpegDec:strict is %FALSE), an
 * image over #GstTurbojpegDec:max-pixels, a progressive image with more than
 * 500 scans or a stream without any image posts an ERROR message and stops
 * the pipeline.
 *
 * The element works straight after filesrc (it finds the images' ends
 * itself) and after jpegparse or multifilesrc; the image size may change
 * from one image to the next.  Where images begin and end in unparsed
 * bytes is #GstTurbojpegDec:framing:
 *
 * - `stream`: every JPEG found in the bytes is an image, whatever the
 *   chunks they arrive in (`cat *.jpg | ...` gives every photo);
 * - `image`: one JPEG per image.  An image begins after stream-start, a
 *   segment, caps or an `imgcompress-image` event, and what follows its
 *   EOI up to the next of these is skipped (MPF secondary images, Ultra HDR
 *   gain maps, appended previews, trailing bytes), with a debug line
 *   saying how many bytes and whether they start a second JPEG.  An image
 *   cut short before its EOI is decoded as far as it goes at the next
 *   boundary (and refused as truncated, unless #GstTurbojpegDec:strict is
 *   %FALSE);
 * - `auto` (the default): `image` as soon as an `imgcompress-image` event
 *   arrives, that is behind adaptivequality (and in imgcompressbin, which
 *   sets `image`), `stream` otherwise.
 *
 * In either case the EOI is found by walking the segments (an Exif
 * thumbnail inside APP1 has markers of its own) and the entropy-coded data.
 * An image whose data passes #GstTurbojpegDec:max-input-bytes is refused
 * with an error and skipped, without keeping more of it.
 *
 * A CMYK JPEG is read with Adobe's inverted polarity whether or not it
 * carries the Adobe APP14 marker, as Pillow and ImageMagick read it.
 *
 * Its rank is MARGINAL, so that it does not replace jpegdec in decodebin
 * behind other applications' backs.  To prefer it in decodebin, raise its
 * rank with the environment variable
 * `GST_PLUGIN_FEATURE_RANK=turbojpegdec:PRIMARY+1` (or
 * gst_plugin_feature_set_rank() in an application).
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.jpg ! turbojpegdec max-dimension=2048 !
 * videoconvert ! autovideosink
 * ]| Decodes photo.jpg at the smallest DCT scale that leaves at least a
 * factor of two to fit it into a 2048x2048 box, and shows it.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstturbojpegdec.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/tag/tag.h>
#include <string.h>
#include <turbojpeg.h>

GST_DEBUG_CATEGORY_STATIC (turbojpegdec_debug);
#define GST_CAT_DEFAULT turbojpegdec_debug

#define DEFAULT_MAX_DIMENSION 0
#define DEFAULT_MAX_PIXELS GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS
#define DEFAULT_STRICT TRUE
#define DEFAULT_MAX_INPUT_BYTES GST_IMGCOMPRESS_DEFAULT_MAX_INPUT_BYTES
#define DEFAULT_FRAMING GST_TURBOJPEG_DEC_FRAMING_AUTO

/* libjpeg-turbo refuses larger images; so do we, before asking it. */
#define JPEG_MAX_DIMENSION 65500

enum
{
  PROP_0,
  PROP_MAX_DIMENSION,
  PROP_MAX_PIXELS,
  PROP_STRICT,
  PROP_MAX_INPUT_BYTES,
  PROP_FRAMING,
};

/* Where the stream parser is: the marker walk itself is the library's
 * JPEG scanner. */
typedef enum
{
  PARSE_SEEK_SOI, /* before an image: junk is skipped up to an SOI */
  PARSE_IMAGE, /* inside an image, its bytes go to the frame */
  PARSE_SKIP_REST, /* after an image's EOI, up to the next image boundary */
} ParseState;

/* What the marker walk learns from an image's header before decoding. */
typedef struct
{
  guint width;
  guint height;
  guint orientation;
  GstImgcompressIccChunks icc; /* ICC_PROFILE APP2 segments */
  const guint8 *exif; /* the first EXIF APP1's TIFF structure */
  gsize exif_size;
  const guint8 *xmp; /* the first XMP APP1's packet */
  gsize xmp_size;
} HeaderInfo;

#define EXIF_ID "Exif\0\0"
#define EXIF_ID_BYTES 6
#define XMP_ID "http://ns.adobe.com/xap/1.0/"
#define XMP_ID_BYTES 29 /* with its NUL */

struct _GstTurbojpegDec
{
  GstVideoDecoder parent;

  /* properties, under the object lock */
  guint max_dimension;
  guint64 max_pixels;
  gboolean strict;
  guint64 max_input_bytes;
  GstTurbojpegDecFraming framing;

  tjhandle tj;
  GstVideoCodecState *input_state;

  /* stream parser */
  ParseState parse_state;
  GstImgcompressJpegScanner scanner;
  guint64 frame_bytes; /* bytes of the current image in the frame */
  guint64 skipped_bytes; /* bytes skipped after the current image's EOI */
  gboolean skipped_jpeg; /* ... and they start with an SOI */
  gboolean skipped_ff; /* the first byte skipped was 0xFF */
  gboolean image_events; /* an imgcompress-image event came since start */
  gboolean discard_frame; /* the frame being finished was refused */

  /* images handed to handle_frame since start */
  guint images_seen;
  gboolean orientation_posted;
  gboolean colour_posted;
  gboolean copyright_posted;
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/jpeg"));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ I420, Y42B, Y444, GRAY8, RGB }")));

#define GST_TYPE_TURBOJPEG_DEC_FRAMING (gst_turbojpeg_dec_framing_get_type ())
static GType
gst_turbojpeg_dec_framing_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_TURBOJPEG_DEC_FRAMING_AUTO,
        "Image framing once an imgcompress-image event arrives, else stream",
        "auto" },
    { GST_TURBOJPEG_DEC_FRAMING_STREAM,
        "Every JPEG in the bytes is an image of its own", "stream" },
    { GST_TURBOJPEG_DEC_FRAMING_IMAGE,
        "One JPEG per image: what follows its end up to the next image "
        "boundary is skipped",
        "image" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstTurbojpegDecFraming", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define gst_turbojpeg_dec_parent_class parent_class
G_DEFINE_TYPE (GstTurbojpegDec, gst_turbojpeg_dec, GST_TYPE_VIDEO_DECODER);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (turbojpegdec, "turbojpegdec",
    GST_RANK_MARGINAL, GST_TYPE_TURBOJPEG_DEC,
    GST_DEBUG_CATEGORY_INIT (turbojpegdec_debug, "turbojpegdec", 0,
        "libjpeg-turbo JPEG decoder"));

static void
gst_turbojpeg_dec_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_DIMENSION:
      self->max_dimension = g_value_get_uint (value);
      break;
    case PROP_MAX_PIXELS:
      self->max_pixels = g_value_get_uint64 (value);
      break;
    case PROP_STRICT:
      self->strict = g_value_get_boolean (value);
      break;
    case PROP_MAX_INPUT_BYTES:
      self->max_input_bytes = g_value_get_uint64 (value);
      break;
    case PROP_FRAMING:
      self->framing = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_turbojpeg_dec_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_MAX_DIMENSION:
      g_value_set_uint (value, self->max_dimension);
      break;
    case PROP_MAX_PIXELS:
      g_value_set_uint64 (value, self->max_pixels);
      break;
    case PROP_STRICT:
      g_value_set_boolean (value, self->strict);
      break;
    case PROP_MAX_INPUT_BYTES:
      g_value_set_uint64 (value, self->max_input_bytes);
      break;
    case PROP_FRAMING:
      g_value_set_enum (value, self->framing);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
reset_parser (GstTurbojpegDec *self)
{
  self->parse_state = PARSE_SEEK_SOI;
  self->frame_bytes = 0;
  self->skipped_bytes = 0;
  self->skipped_jpeg = FALSE;
  self->skipped_ff = FALSE;
}

static gboolean
gst_turbojpeg_dec_start (GstVideoDecoder *decoder)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);

  self->tj = tjInitDecompress ();
  if (self->tj == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, INIT, (NULL),
        ("tjInitDecompress failed: %s", tjGetErrorStr2 (NULL)));
    return FALSE;
  }
  reset_parser (self);
  self->images_seen = 0;
  self->image_events = FALSE;
  self->discard_frame = FALSE;
  self->orientation_posted = FALSE;
  self->colour_posted = FALSE;
  self->copyright_posted = FALSE;
  gst_video_decoder_set_packetized (decoder, FALSE);
  return TRUE;
}

static gboolean
gst_turbojpeg_dec_stop (GstVideoDecoder *decoder)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);

  if (self->tj) {
    tjDestroy (self->tj);
    self->tj = NULL;
  }
  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  return TRUE;
}

static gboolean
gst_turbojpeg_dec_flush (GstVideoDecoder *decoder)
{
  reset_parser (GST_TURBOJPEG_DEC (decoder));
  return TRUE;
}

/* Whole images from jpegparse ("parsed") need no parsing; anything else
 * (filesrc chunks, multifilesrc files) goes through parse(). */
static gboolean
gst_turbojpeg_dec_set_format (GstVideoDecoder *decoder,
    GstVideoCodecState *state)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);
  GstStructure *s = gst_caps_get_structure (state->caps, 0);
  gboolean parsed = FALSE;

  g_clear_pointer (&self->input_state, gst_video_codec_state_unref);
  self->input_state = gst_video_codec_state_ref (state);

  gst_structure_get_boolean (s, "parsed", &parsed);
  gst_video_decoder_set_packetized (decoder, parsed);
  return TRUE;
}

static gboolean
marker_has_length (guint8 marker)
{
  /* SOI, EOI, RSTn and TEM stand alone. */
  return !(marker == 0xd8 || marker == 0xd9 || marker == 0x01 ||
      (marker >= 0xd0 && marker <= 0xd7));
}

/* Skips anything before an SOI marker.  Returns TRUE when the adapter now
 * starts with an image. */
static gboolean
seek_soi (GstTurbojpegDec *self, GstAdapter *adapter, gboolean at_eos)
{
  gsize avail = gst_adapter_available (adapter), junk;
  const guint8 *data;
  gssize soi;

  if (avail < 2) {
    if (at_eos)
      gst_adapter_flush (adapter, avail);
    return FALSE;
  }
  data = gst_adapter_map (adapter, avail);
  soi = gst_imgcompress_jpeg_find_soi (data, avail);
  if (soi >= 0)
    junk = soi;
  else if (data[avail - 1] == 0xff && !at_eos)
    junk = avail - 1; /* perhaps the first half of an SOI */
  else
    junk = avail;
  gst_adapter_unmap (adapter);

  if (junk > 0) {
    GST_WARNING_OBJECT (self,
        "skipping %" G_GSIZE_FORMAT " bytes of non-JPEG "
        "data before an image",
        junk);
    gst_adapter_flush (adapter, junk);
  }
  return soi >= 0;
}

/* See the section documentation: with image framing, one JPEG per image
 * boundary. */
static gboolean
frames_by_image (GstTurbojpegDec *self)
{
  GstTurbojpegDecFraming framing;

  GST_OBJECT_LOCK (self);
  framing = self->framing;
  GST_OBJECT_UNLOCK (self);
  if (framing == GST_TURBOJPEG_DEC_FRAMING_AUTO)
    return self->image_events;
  return framing == GST_TURBOJPEG_DEC_FRAMING_IMAGE;
}

/* Where the parser goes after an image's EOI. */
static void
after_image (GstTurbojpegDec *self)
{
  reset_parser (self);
  if (frames_by_image (self))
    self->parse_state = PARSE_SKIP_REST;
}

/* MPF secondary images, gain maps, previews, trailing bytes: dropped, and
 * said so in the log when the next image begins. */
static void
skip_rest (GstTurbojpegDec *self, GstAdapter *adapter)
{
  gsize avail = gst_adapter_available (adapter);
  guint8 head[2];
  gsize n;

  if (avail == 0)
    return;
  n = MIN (avail, 2);
  gst_adapter_copy (adapter, head, 0, n);
  if (self->skipped_bytes == 0) {
    self->skipped_ff = head[0] == 0xff;
    self->skipped_jpeg = n == 2 && head[0] == 0xff && head[1] == 0xd8;
  } else if (self->skipped_bytes == 1 && self->skipped_ff) {
    self->skipped_jpeg = head[0] == 0xd8;
  }
  self->skipped_bytes += avail;
  gst_adapter_flush (adapter, avail);
}

static void
log_skipped (GstTurbojpegDec *self)
{
  if (self->parse_state == PARSE_SKIP_REST && self->skipped_bytes > 0)
    GST_DEBUG_OBJECT (self,
        "skipped %" G_GUINT64_FORMAT " bytes after the image's end%s",
        self->skipped_bytes, self->skipped_jpeg ? " (a second JPEG)" : "");
}

/* Whether @more bytes would take the image past max-input-bytes. */
static gboolean
image_too_large (GstTurbojpegDec *self, gsize more, guint64 *limit)
{
  GST_OBJECT_LOCK (self);
  *limit = self->max_input_bytes;
  GST_OBJECT_UNLOCK (self);
  return *limit > 0 &&
      (self->frame_bytes > *limit || more > *limit - self->frame_bytes);
}

/* The bytes received so far are handed over as a frame that handle_frame
 * drops.  The rest of the image is skipped as what follows an image is: up
 * to the next boundary with image framing, else up to the next SOI (the
 * entropy-coded data where the limit is passed holds none). */
static GstFlowReturn
refuse_oversized (GstTurbojpegDec *self, guint64 limit)
{
  gchar *limit_str = g_strdup_printf ("%" G_GUINT64_FORMAT, limit);

  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The JPEG image is larger than the %s bytes allowed."), limit_str),
      ("raise the max-input-bytes property to accept it"));
  g_free (limit_str);

  self->discard_frame = TRUE;
  gst_video_decoder_have_frame (GST_VIDEO_DECODER (self));
  after_image (self);
  return GST_FLOW_ERROR;
}

static GstFlowReturn
gst_turbojpeg_dec_parse (GstVideoDecoder *decoder, GstVideoCodecFrame *frame,
    GstAdapter *adapter, gboolean at_eos)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);
  gsize avail, consumed;
  const guint8 *data;
  gboolean eoi = FALSE;
  guint64 limit;

  if (self->parse_state == PARSE_SKIP_REST) {
    skip_rest (self, adapter);
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  }
  if (self->parse_state == PARSE_SEEK_SOI) {
    if (!seek_soi (self, adapter, at_eos))
      return GST_VIDEO_DECODER_FLOW_NEED_DATA;
    GST_VIDEO_CODEC_FRAME_SET_SYNC_POINT (frame);
    gst_imgcompress_jpeg_scanner_init (&self->scanner);
    self->frame_bytes = 0;
    self->parse_state = PARSE_IMAGE;
  }

  /* Everything available goes into the frame at once, SOI included: a
   * whole file read as one buffer reaches handle_frame as that buffer, not
   * as pieces joined by a copy. */
  avail = gst_adapter_available (adapter);
  if (avail == 0)
    return GST_VIDEO_DECODER_FLOW_NEED_DATA;
  data = gst_adapter_map (adapter, avail);
  consumed =
      gst_imgcompress_jpeg_scanner_scan (&self->scanner, data, avail, &eoi);
  gst_adapter_unmap (adapter);

  if (image_too_large (self, consumed, &limit)) {
    gst_adapter_flush (adapter, consumed);
    return refuse_oversized (self, limit);
  }

  gst_video_decoder_add_to_frame (decoder, consumed);
  self->frame_bytes += consumed;
  if (eoi) {
    after_image (self);
    return gst_video_decoder_have_frame (decoder);
  }
  if (at_eos) {
    /* An image without its end: let the decoder say what is wrong. */
    GST_WARNING_OBJECT (self, "stream ended inside an image");
    reset_parser (self);
    return gst_video_decoder_have_frame (decoder);
  }
  return GST_VIDEO_DECODER_FLOW_NEED_DATA;
}

static gboolean
marker_is_sof (guint8 marker)
{
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 &&
      marker != 0xcc;
}

/* EXIF (orientation, artist, copyright) and XMP (artist, copyright). */
static void
read_app1 (HeaderInfo *info, const guint8 *payload, gsize len)
{
  if (info->exif == NULL && len > EXIF_ID_BYTES &&
      memcmp (payload, EXIF_ID, EXIF_ID_BYTES) == 0) {
    info->orientation = gst_imgcompress_exif_parse_orientation (payload, len);
    info->exif = payload + EXIF_ID_BYTES;
    info->exif_size = len - EXIF_ID_BYTES;
  } else if (info->xmp == NULL && len > XMP_ID_BYTES &&
      memcmp (payload, XMP_ID, XMP_ID_BYTES) == 0) {
    info->xmp = payload + XMP_ID_BYTES;
    info->xmp_size = len - XMP_ID_BYTES;
  }
}

/* Walks the header segments up to the first SOS, bounds-checked: frame
 * size and EXIF orientation.  Returns FALSE without a frame
 * header. */
static gboolean
read_header_info (const guint8 *data, gsize size, HeaderInfo *info)
{
  gsize pos = 2;
  gboolean have_sof = FALSE;

  memset (info, 0, sizeof (*info));
  if (size < 4 || data[0] != 0xff || data[1] != 0xd8)
    return FALSE;

  while (pos + 4 <= size) {
    guint8 marker;
    guint len;
    const guint8 *payload;

    if (data[pos] != 0xff)
      return have_sof;
    marker = data[pos + 1];
    if (marker == 0xff) {
      pos++;
      continue;
    }
    if (!marker_has_length (marker)) {
      pos += 2;
      continue;
    }
    len = gst_imgcompress_read_uint16_be (data + pos + 2);
    if (len < 2 || pos + 2 + len > size)
      return have_sof;
    payload = data + pos + 4;
    len -= 2;

    if (marker == 0xda)
      break;
    if (marker_is_sof (marker) && len >= 6 && !have_sof) {
      info->height = gst_imgcompress_read_uint16_be (payload + 1);
      info->width = gst_imgcompress_read_uint16_be (payload + 3);
      have_sof = TRUE;
    } else if (marker == 0xe1) {
      read_app1 (info, payload, len);
    } else if (marker == 0xe2) {
      gst_imgcompress_icc_chunks_add (&info->icc, payload, len);
    }
    pos += 2 + 2 + len;
  }
  return have_sof;
}

/* The box the image must still cover: our property, else downstream's
 * answer to the size-hint query, else none (0x0). */
static void
get_target_box (GstTurbojpegDec *self, guint *box_w, guint *box_h)
{
  guint max_dimension;

  GST_OBJECT_LOCK (self);
  max_dimension = self->max_dimension;
  GST_OBJECT_UNLOCK (self);

  gst_imgcompress_pad_get_decode_box (GST_VIDEO_DECODER_SRC_PAD (self),
      max_dimension, box_w, box_h);
}

static GstVideoFormat
native_format (int subsamp, int colorspace)
{
  if (colorspace == TJCS_GRAY)
    return GST_VIDEO_FORMAT_GRAY8;
  if (colorspace != TJCS_YCbCr)
    return GST_VIDEO_FORMAT_UNKNOWN;
  switch (subsamp) {
    case TJSAMP_420:
      return GST_VIDEO_FORMAT_I420;
    case TJSAMP_422:
      return GST_VIDEO_FORMAT_Y42B;
    case TJSAMP_444:
      return GST_VIDEO_FORMAT_Y444;
    case TJSAMP_GRAY:
      return GST_VIDEO_FORMAT_GRAY8;
    default:
      return GST_VIDEO_FORMAT_UNKNOWN;
  }
}

/* The native planar layout if downstream takes it, else RGB. */
static GstVideoFormat
choose_output_format (GstTurbojpegDec *self, GstVideoFormat native)
{
  GstCaps *allowed, *want;
  gboolean ok;

  if (native == GST_VIDEO_FORMAT_UNKNOWN)
    return GST_VIDEO_FORMAT_RGB;

  allowed = gst_pad_get_allowed_caps (GST_VIDEO_DECODER_SRC_PAD (self));
  if (allowed == NULL)
    return native;
  want = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING,
      gst_video_format_to_string (native), NULL);
  ok = gst_caps_can_intersect (allowed, want);
  gst_caps_unref (want);
  gst_caps_unref (allowed);
  if (!ok)
    GST_INFO_OBJECT (self, "downstream refuses %s, decoding to RGB",
        gst_video_format_to_string (native));
  return ok ? native : GST_VIDEO_FORMAT_RGB;
}

static gboolean
ensure_output_state (GstTurbojpegDec *self, GstVideoFormat format, guint width,
    guint height)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);
  GstVideoCodecState *state;

  state = gst_video_decoder_get_output_state (decoder);
  if (state != NULL && GST_VIDEO_INFO_FORMAT (&state->info) == format &&
      GST_VIDEO_INFO_WIDTH (&state->info) == (gint) width &&
      GST_VIDEO_INFO_HEIGHT (&state->info) == (gint) height) {
    gst_video_codec_state_unref (state);
    return TRUE;
  }
  g_clear_pointer (&state, gst_video_codec_state_unref);

  state = gst_video_decoder_set_output_state (decoder, format, width, height,
      self->input_state);
  if (format != GST_VIDEO_FORMAT_RGB) {
    /* JFIF YCbCr: full-range BT.601 */
    state->info.colorimetry.range = GST_VIDEO_COLOR_RANGE_0_255;
    state->info.colorimetry.matrix = GST_VIDEO_COLOR_MATRIX_BT601;
    state->info.colorimetry.transfer = GST_VIDEO_TRANSFER_UNKNOWN;
    state->info.colorimetry.primaries = GST_VIDEO_COLOR_PRIMARIES_UNKNOWN;
    state->info.chroma_site = GST_VIDEO_CHROMA_SITE_JPEG;
  } else {
    /* CMYK made RGB here; the colorimetry of the (caps-less) input would
     * leave the matrix unknown, which RGB caps cannot carry. */
    gst_video_colorimetry_from_string (&state->info.colorimetry,
        GST_VIDEO_COLORIMETRY_SRGB);
  }
  gst_video_codec_state_unref (state);
  return gst_video_decoder_negotiate (decoder);
}

/* Tells downstream how to display the image and its colour profile; an
 * image without them after one with them resets the tags. */
static void
post_tags (GstTurbojpegDec *self, const HeaderInfo *header, GstSample *colour)
{
  GstTagList *tags = gst_imgcompress_exif_orientation_tags (header->orientation,
      &self->orientation_posted);

  tags = gst_imgcompress_colour_tags_add (tags, colour, &self->colour_posted);
  tags =
      gst_imgcompress_copyright_tags_add (tags, header->exif, header->exif_size,
          header->xmp, header->xmp_size, &self->copyright_posted);
  if (tags == NULL)
    return;
  GST_DEBUG_OBJECT (self, "tags %" GST_PTR_FORMAT, tags);
  gst_video_decoder_merge_tags (GST_VIDEO_DECODER (self), tags,
      GST_TAG_MERGE_REPLACE);
  gst_tag_list_unref (tags);
}

/* CMYK JPEGs store inverted values (C' = 255 - C), and are read so whether
 * or not they carry Adobe's APP14 marker, as Pillow and ImageMagick do:
 * Photoshop wrote them inverted before it wrote the marker, and what reads
 * them as plain CMYK shows a negative.  R = C' * K' / 255. */
static void
cmyk_to_rgb (const guint8 *cmyk, gsize cmyk_stride, GstVideoFrame *frame)
{
  guint width = GST_VIDEO_FRAME_WIDTH (frame);
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  guint x, y;

  for (y = 0; y < height; y++) {
    const guint8 *s = cmyk + y * cmyk_stride;
    guint8 *d = dst + (gsize) y * stride;

    for (x = 0; x < width; x++, s += 4, d += 3) {
      guint k = s[3];

      d[0] = (s[0] * k + 127) / 255;
      d[1] = (s[1] * k + 127) / 255;
      d[2] = (s[2] * k + 127) / 255;
    }
  }
}

/* Through the CMYK profile (embedded, else the default one) to sRGB. */
static void
cmyk_profile_to_rgb (GstImgcompressIccTransform *xf, const guint8 *cmyk,
    gsize cmyk_stride, GstVideoFrame *frame)
{
  guint height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint8 *dst = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  guint y;

  for (y = 0; y < height; y++)
    gst_imgcompress_icc_transform_pixels (xf, cmyk + y * cmyk_stride,
        dst + (gsize) y * stride, GST_VIDEO_FRAME_WIDTH (frame));
}

/* A CMYK image is converted here, before anything downstream sees it:
 * through its embedded CMYK profile, or, without a usable one, the
 * default CMYK profile; the naive formula only when that is not
 * installed. */
static GstImgcompressIccTransform *
cmyk_transform (GstTurbojpegDec *self, GBytes *icc, const gchar *problem)
{
  GstSample *sample = gst_imgcompress_icc_sample_new (GST_ELEMENT (self),
      GST_VIDEO_DECODER_SINK_PAD (self), icc, problem, "APP2");
  GstImgcompressIccTransform *t =
      gst_imgcompress_icc_transform_from_sample (sample);

  if (sample != NULL)
    gst_sample_unref (sample);
  if (t != NULL &&
      gst_imgcompress_icc_transform_get_space (t) !=
          GST_IMGCOMPRESS_ICC_SPACE_CMYK)
    g_clear_pointer (&t, gst_imgcompress_icc_transform_unref);
  return t != NULL ? t : gst_imgcompress_icc_transform_default_cmyk ();
}

static gboolean
tj_failed_on_warning (GstTurbojpegDec *self, gboolean strict)
{
  return tjGetErrorCode (self->tj) == TJERR_WARNING && !strict;
}

static GstFlowReturn
decode_error (GstTurbojpegDec *self, GstVideoCodecFrame *frame,
    const gchar *what)
{
  const gchar *detail = tjGetErrorStr2 (self->tj);

  if (strstr (detail, "scans") != NULL) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The progressive JPEG image has too many scans (more than 500).")),
        ("%s: %s", what, detail));
  } else if (tjGetErrorCode (self->tj) == TJERR_WARNING) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The JPEG image is truncated or corrupt.")),
        ("%s: %s (set strict=false to accept damaged images)", what, detail));
  } else {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("Could not decode the JPEG image.")), ("%s: %s", what, detail));
  }
  gst_video_decoder_release_frame (GST_VIDEO_DECODER (self), frame);
  return GST_FLOW_ERROR;
}

/* Decodes at @vframe's size, which selects the DCT scale.  On failure
 * *@what names the failed call, or is NULL when the error is posted. */
static gboolean
decode_into_frame (GstTurbojpegDec *self, const guint8 *data, gsize size,
    GstVideoFrame *vframe, int colorspace, GstImgcompressIccTransform *cmyk_xf,
    gboolean strict, const gchar **what)
{
  guint width = GST_VIDEO_FRAME_WIDTH (vframe);
  guint height = GST_VIDEO_FRAME_HEIGHT (vframe);
  int flags = TJFLAG_LIMITSCANS | (strict ? TJFLAG_STOPONWARNING : 0);
  int rc;

  if (GST_VIDEO_FRAME_FORMAT (vframe) != GST_VIDEO_FORMAT_RGB) {
    unsigned char *planes[3] = { NULL, NULL, NULL };
    int strides[3] = { 0, 0, 0 };
    guint i;

    for (i = 0; i < GST_VIDEO_FRAME_N_PLANES (vframe); i++) {
      planes[i] = GST_VIDEO_FRAME_PLANE_DATA (vframe, i);
      strides[i] = GST_VIDEO_FRAME_PLANE_STRIDE (vframe, i);
    }
    *what = "tjDecompressToYUVPlanes";
    rc = tjDecompressToYUVPlanes (self->tj, data, size, planes, width, strides,
        height, flags);
  } else if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
    gsize cmyk_size;
    guint8 *cmyk;

    /* sizes were checked against max-pixels; 4 bytes cannot overflow */
    if (!gst_imgcompress_frame_bytes (width, height, 4, &cmyk_size) ||
        (cmyk = g_try_malloc (cmyk_size)) == NULL) {
      GST_ELEMENT_ERROR (self, RESOURCE, NO_SPACE_LEFT, (NULL),
          ("could not allocate %ux%u CMYK pixels", width, height));
      *what = NULL;
      return FALSE;
    }
    *what = "tjDecompress2 (CMYK)";
    rc = tjDecompress2 (self->tj, data, size, cmyk, width, width * 4, height,
        TJPF_CMYK, flags);
    if ((rc == 0 || tj_failed_on_warning (self, strict)) && cmyk_xf != NULL)
      cmyk_profile_to_rgb (cmyk_xf, cmyk, width * 4, vframe);
    else if (rc == 0 || tj_failed_on_warning (self, strict))
      cmyk_to_rgb (cmyk, width * 4, vframe);
    g_free (cmyk);
  } else {
    *what = "tjDecompress2 (RGB)";
    rc = tjDecompress2 (self->tj, data, size,
        GST_VIDEO_FRAME_PLANE_DATA (vframe, 0), width,
        GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0), height, TJPF_RGB, flags);
  }

  if (rc != 0 && tj_failed_on_warning (self, strict)) {
    GST_WARNING_OBJECT (self, "damaged image decoded anyway: %s",
        tjGetErrorStr2 (self->tj));
    rc = 0;
  }
  return rc == 0;
}

/* The limit is formatted on its own: G_GUINT64_FORMAT inside _() would cut
 * the msgid short for xgettext, and the message would never be translated. */
static void
post_too_large (GstTurbojpegDec *self, guint width, guint height,
    guint64 max_pixels, const gchar *debug)
{
  gchar *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, max_pixels);

  GST_ELEMENT_ERROR (self, STREAM, DECODE,
      (_ ("The JPEG image is too large: %ux%u pixels, more than the %s "
          "pixels allowed."),
          width, height, limit),
      ("%s", debug));
  g_free (limit);
}

/* The message names the first problem the library's header reader finds. */
static void
post_damaged_header (GstTurbojpegDec *self, const guint8 *data, gsize size)
{
  GstImgcompressHeaderInfo info;
  GstImgcompressSniffResult res;
  gchar *received, *needed;

  res = gst_imgcompress_sniff_header (data, size, &info);
  if (res == GST_IMGCOMPRESS_SNIFF_INVALID &&
      info.format == GST_IMGCOMPRESS_FORMAT_JPEG) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("Damaged JPEG header: %s."), _ (info.error)), ("%s", info.error));
  } else if (res == GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA &&
      info.format == GST_IMGCOMPRESS_FORMAT_JPEG) {
    received = g_strdup_printf ("%" G_GSIZE_FORMAT, size);
    needed = g_strdup_printf ("%" G_GSIZE_FORMAT, info.needed);
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("Damaged JPEG header: the data ends after %s bytes, where the "
            "header needs %s."),
            received, needed),
        ("the data ends inside the header"));
    g_free (received);
    g_free (needed);
  } else {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The data is not a JPEG image or its header is damaged.")),
        ("no SOI marker or no frame header (SOF) in %" G_GSIZE_FORMAT " bytes",
            size));
  }
}

static GstFlowReturn
gst_turbojpeg_dec_handle_frame (GstVideoDecoder *decoder,
    GstVideoCodecFrame *frame)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);
  GstMapInfo map;
  GstVideoFrame vframe;
  GstVideoCodecState *state;
  GstFlowReturn ret;
  HeaderInfo header;
  guint64 max_pixels;
  gboolean strict;
  int width, height, subsamp, colorspace;
  guint box_w, box_h, n, out_w, out_h;
  GstVideoFormat format;
  const gchar *what = NULL;
  gsize frame_bytes;
  GBytes *icc = NULL;
  const gchar *icc_problem = NULL;
  GstSample *colour = NULL;
  GstImgcompressIccTransform *cmyk_xf = NULL;

  self->images_seen++;
  if (self->discard_frame) {
    /* refused by the parser, which posted the error */
    self->discard_frame = FALSE;
    gst_video_decoder_release_frame (decoder, frame);
    return GST_FLOW_OK;
  }

  GST_OBJECT_LOCK (self);
  max_pixels = self->max_pixels;
  strict = self->strict;
  GST_OBJECT_UNLOCK (self);

  if (!gst_buffer_map (frame->input_buffer, &map, GST_MAP_READ)) {
    GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
        ("could not map the input buffer"));
    gst_video_decoder_release_frame (decoder, frame);
    return GST_FLOW_ERROR;
  }

  if (!read_header_info (map.data, map.size, &header)) {
    g_bytes_unref (gst_imgcompress_icc_chunks_finish (&header.icc,
        &icc_problem));
    post_damaged_header (self, map.data, map.size);
    goto failed;
  }
  icc = gst_imgcompress_icc_chunks_finish (&header.icc, &icc_problem);
  if (header.width == 0 || header.height == 0 ||
      header.width > JPEG_MAX_DIMENSION || header.height > JPEG_MAX_DIMENSION) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The JPEG image has invalid dimensions %ux%u."), header.width,
            header.height),
        ("libjpeg-turbo decodes 1..%u pixels per side", JPEG_MAX_DIMENSION));
    goto failed;
  }
  if (!gst_imgcompress_pixels_allowed (header.width, header.height,
          max_pixels)) {
    post_too_large (self, header.width, header.height, max_pixels,
        "raise the max-pixels property to accept it");
    goto failed;
  }

  if (tjDecompressHeader3 (self->tj, map.data, map.size, &width, &height,
          &subsamp, &colorspace) != 0 &&
      !tj_failed_on_warning (self, strict)) {
    gst_buffer_unmap (frame->input_buffer, &map);
    g_clear_pointer (&icc, g_bytes_unref);
    return decode_error (self, frame, "tjDecompressHeader3");
  }
  /* libjpeg's view of the frame header must be the one we checked */
  if ((guint) width != header.width || (guint) height != header.height) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The data is not a JPEG image or its header is damaged.")),
        ("frame header says %ux%u, libjpeg-turbo read %dx%d", header.width,
            header.height, width, height));
    goto failed;
  }

  get_target_box (self, &box_w, &box_h);
  n = gst_imgcompress_pick_scale_eighths (width, height, box_w, box_h);
  out_w = gst_imgcompress_scaled_dimension (width, n, 8);
  out_h = gst_imgcompress_scaled_dimension (height, n, 8);
  GST_INFO_OBJECT (self, "decoding %dx%d at scale %u/8 -> %ux%u (box %ux%u)",
      width, height, n, out_w, out_h, box_w, box_h);

  /* every output format has at most 3 bytes per pixel */
  if (!gst_imgcompress_frame_bytes (out_w, out_h, 3, &frame_bytes)) {
    post_too_large (self, header.width, header.height, max_pixels,
        "frame size overflows");
    goto failed;
  }

  format = choose_output_format (self, native_format (subsamp, colorspace));
  if (!ensure_output_state (self, format, out_w, out_h)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
        ("downstream does not accept %s %ux%u",
            gst_video_format_to_string (format), out_w, out_h));
    gst_buffer_unmap (frame->input_buffer, &map);
    g_clear_pointer (&icc, g_bytes_unref);
    gst_video_decoder_release_frame (decoder, frame);
    return GST_FLOW_NOT_NEGOTIATED;
  }
  if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK)
    cmyk_xf = cmyk_transform (self, icc, icc_problem);
  else
    colour = gst_imgcompress_icc_sample_new (GST_ELEMENT (self),
        GST_VIDEO_DECODER_SINK_PAD (self), icc, icc_problem, "APP2");
  g_clear_pointer (&icc, g_bytes_unref);
  post_tags (self, &header, colour);
  if (colour != NULL)
    gst_sample_unref (colour);

  ret = gst_video_decoder_allocate_output_frame (decoder, frame);
  if (ret != GST_FLOW_OK) {
    GST_DEBUG_OBJECT (self, "no output buffer: %s", gst_flow_get_name (ret));
    gst_buffer_unmap (frame->input_buffer, &map);
    g_clear_pointer (&cmyk_xf, gst_imgcompress_icc_transform_unref);
    gst_video_decoder_release_frame (decoder, frame);
    return ret;
  }

  state = gst_video_decoder_get_output_state (decoder);
  if (!gst_video_frame_map (&vframe, &state->info, frame->output_buffer,
          GST_MAP_WRITE)) {
    gst_video_codec_state_unref (state);
    GST_ELEMENT_ERROR (self, RESOURCE, WRITE, (NULL),
        ("could not map the output buffer"));
    goto failed;
  }
  gst_video_codec_state_unref (state);

  if (!decode_into_frame (self, map.data, map.size, &vframe, colorspace,
          cmyk_xf, strict, &what)) {
    g_clear_pointer (&cmyk_xf, gst_imgcompress_icc_transform_unref);
    gst_video_frame_unmap (&vframe);
    gst_buffer_unmap (frame->input_buffer, &map);
    if (what == NULL) {
      gst_video_decoder_release_frame (decoder, frame);
      return GST_FLOW_ERROR;
    }
    return decode_error (self, frame, what);
  }
  g_clear_pointer (&cmyk_xf, gst_imgcompress_icc_transform_unref);
  gst_video_frame_unmap (&vframe);
  gst_buffer_unmap (frame->input_buffer, &map);

  return gst_video_decoder_finish_frame (decoder, frame);

failed:
  g_clear_pointer (&icc, g_bytes_unref);
  g_clear_pointer (&cmyk_xf, gst_imgcompress_icc_transform_unref);
  gst_buffer_unmap (frame->input_buffer, &map);
  gst_video_decoder_release_frame (decoder, frame);
  return GST_FLOW_ERROR;
}

/* A stream that ends without a single image is an error, not silence. */
static GstFlowReturn
gst_turbojpeg_dec_finish (GstVideoDecoder *decoder)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);

  /* The parser hands every byte to the frame as it goes, so an image cut
   * short by the end of the stream is still pending here. */
  if (self->parse_state == PARSE_IMAGE) {
    GST_WARNING_OBJECT (self, "stream ended inside an image");
    reset_parser (self);
    return gst_video_decoder_have_frame (decoder);
  }
  log_skipped (self);
  reset_parser (self);
  if (self->images_seen == 0) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("No JPEG image found in the stream.")),
        ("end of stream before any complete image"));
    return GST_FLOW_ERROR;
  }
  return GST_FLOW_OK;
}

/* Every image is decoded as soon as it is complete: nothing to drain. */
static GstFlowReturn
gst_turbojpeg_dec_drain (GstVideoDecoder *decoder)
{
  return GST_FLOW_OK;
}

static gboolean
gst_turbojpeg_dec_decide_allocation (GstVideoDecoder *decoder, GstQuery *query)
{
  GstBufferPool *pool = NULL;
  GstStructure *config;

  if (!GST_VIDEO_DECODER_CLASS (parent_class)
           ->decide_allocation (decoder, query))
    return FALSE;

  if (gst_query_get_n_allocation_pools (query) > 0)
    gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  if (pool == NULL)
    return FALSE;

  config = gst_buffer_pool_get_config (pool);
  if (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL))
    gst_buffer_pool_config_add_option (config,
        GST_BUFFER_POOL_OPTION_VIDEO_META);
  gst_buffer_pool_set_config (pool, config);
  gst_object_unref (pool);
  return TRUE;
}

/* Whether @event tells that a new image begins.  The image event is the
 * one that counts for the auto framing. */
static gboolean
is_image_boundary (GstTurbojpegDec *self, GstEvent *event)
{
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      self->image_events = FALSE;
      return TRUE;
    case GST_EVENT_SEGMENT:
    case GST_EVENT_CAPS:
      return TRUE;
    case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY:
      if (!gst_event_has_name (event, GST_IMGCOMPRESS_IMAGE_EVENT_NAME))
        return FALSE;
      self->image_events = TRUE;
      return TRUE;
    default:
      return FALSE;
  }
}

/* With image framing, an image ends at the next boundary whatever the
 * bytes said: one cut short before its EOI is decoded as it is (libjpeg
 * says what is wrong) instead of taking the next image's bytes. */
static void
end_image_at_boundary (GstTurbojpegDec *self)
{
  switch (self->parse_state) {
    case PARSE_IMAGE:
      GST_WARNING_OBJECT (self, "image ended before its EOI marker");
      reset_parser (self);
      gst_video_decoder_have_frame (GST_VIDEO_DECODER (self));
      break;
    case PARSE_SKIP_REST:
      log_skipped (self);
      /* fall through */
    case PARSE_SEEK_SOI:
      reset_parser (self);
      break;
  }
}

/* filesrc's BYTES segment would be dropped by the base class, which then
 * warns about a buffer without a segment. */
static gboolean
gst_turbojpeg_dec_sink_event (GstVideoDecoder *decoder, GstEvent *event)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);

  if (is_image_boundary (self, event) && frames_by_image (self))
    end_image_at_boundary (self);
  return GST_VIDEO_DECODER_CLASS (parent_class)
      ->sink_event (decoder, gst_imgcompress_segment_to_time (event));
}

static void
gst_turbojpeg_dec_class_init (GstTurbojpegDecClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);

  gobject_class->set_property = gst_turbojpeg_dec_set_property;
  gobject_class->get_property = gst_turbojpeg_dec_get_property;

  g_object_class_install_property (gobject_class, PROP_MAX_DIMENSION,
      g_param_spec_uint ("max-dimension", "Maximum dimension",
          "Decode at the smallest DCT scale (n/8) whose output is still at "
          "least twice the image fitted into a box of this many pixels per "
          "side; 0 asks downstream (imgcompress-size-hint query) and decodes "
          "at full size when nobody answers (default 0)",
          0, G_MAXINT, DEFAULT_MAX_DIMENSION,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_PIXELS,
      g_param_spec_uint64 ("max-pixels", "Maximum pixels",
          "Refuse images with more pixels (width x height, from the header, "
          "before any allocation); 0 for no limit",
          0, G_MAXUINT64, DEFAULT_MAX_PIXELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_STRICT,
      g_param_spec_boolean ("strict", "Strict",
          "Treat libjpeg warnings (truncated or corrupt data) as errors; "
          "when FALSE damaged images are decoded as far as possible",
          DEFAULT_STRICT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  g_object_class_install_property (gobject_class, PROP_MAX_INPUT_BYTES,
      g_param_spec_uint64 ("max-input-bytes", "Maximum input bytes",
          "Refuse images whose encoded data is larger, before more of it is "
          "kept (0 = no limit; default 268435456, 256 MiB)",
          0, G_MAXUINT64, DEFAULT_MAX_INPUT_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_FRAMING,
      g_param_spec_enum ("framing", "Framing",
          "Where images begin and end in an unparsed stream: stream (every "
          "JPEG found is an image), image (one JPEG per image boundary, what "
          "follows its EOI is skipped) or auto (image once an "
          "imgcompress-image event arrives, else stream; default auto)",
          GST_TYPE_TURBOJPEG_DEC_FRAMING, DEFAULT_FRAMING,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "JPEG decoder (libjpeg-turbo, shrink-on-load)", "Codec/Decoder/Image",
      "Decodes JPEG images to planar YUV at the smallest sufficient DCT scale",
      "gst-imgcompress authors");

  vdec_class->start = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_start);
  vdec_class->stop = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_stop);
  vdec_class->flush = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_flush);
  vdec_class->set_format = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_set_format);
  vdec_class->parse = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_parse);
  vdec_class->sink_event = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_sink_event);
  vdec_class->handle_frame = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_handle_frame);
  vdec_class->finish = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_finish);
  vdec_class->drain = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_drain);
  vdec_class->decide_allocation =
      GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_decide_allocation);

  gst_type_mark_as_plugin_api (GST_TYPE_TURBOJPEG_DEC_FRAMING, 0);
}

static void
gst_turbojpeg_dec_init (GstTurbojpegDec *self)
{
  GstVideoDecoder *decoder = GST_VIDEO_DECODER (self);

  self->max_dimension = DEFAULT_MAX_DIMENSION;
  self->max_pixels = DEFAULT_MAX_PIXELS;
  self->strict = DEFAULT_STRICT;
  self->max_input_bytes = DEFAULT_MAX_INPUT_BYTES;
  self->framing = DEFAULT_FRAMING;

  gst_video_decoder_set_use_default_pad_acceptcaps (decoder, TRUE);
  GST_PAD_SET_ACCEPT_TEMPLATE (GST_VIDEO_DECODER_SINK_PAD (decoder));
}

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
 * #GstImgcompressImageDecoder:max-dimension or, when that is 0, by the answer
 * to the `imgcompress-size-hint` query that it sends downstream before each
 * image.  The final reduction, by a factor of two or more, is left to a
 * real filter (imgsizer), which keeps the quality of a full decode.
 *
 * At scale 1/8 (a box of at most 1/16 of the image, as a thumbnail's), a
 * progressive JPEG is decoded from its DC scans alone: a block's DC
 * coefficient is its mean, all that a 1/8-scale decode uses, and encoders
 * send it first (libjpeg's script: one DC scan, its last bit in a
 * refinement scan after the largest AC scans).  The AC scans, most of the
 * file, are skipped without being entropy-decoded, and the image is the
 * one the whole decode gives.  Baseline JPEGs, progressive ones whose
 * first scans do not carry every component's DC, and RGB output take the
 * whole decode.  #GstTurbojpegDec:scans-read tells how many scans the last
 * image needed.  A progressive JPEG cut short after its first DC scans
 * gives its 1/8 image (about Q0/8 off without the DC's last bit) and a
 * WARNING when #GstTurbojpegDec:strict is %FALSE.
 *
 * The EXIF orientation is posted as the %GST_TAG_IMAGE_ORIENTATION tag, never
 * applied; the ICC profile of the ICC_PROFILE APP2 segments as the
 * `imgcompress-colour-profile` tag (`source` `APP2`), for imgiccconvert;
 * the artist and copyright of the EXIF and XMP APP1 segments as
 * %GST_TAG_ARTIST and %GST_TAG_COPYRIGHT (all through the base class).
 *
 * Damaged input is an error, not a dropped frame: a truncated or corrupt
 * image (libjpeg warnings, unless #GstTurbojpegDec:strict is %FALSE), an
 * image over #GstImgcompressImageDecoder:max-pixels, a progressive image with
 * more than 500 scans or a stream without any image posts an ERROR message and
 * stops the pipeline.
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
 * An image whose data passes #GstImgcompressImageDecoder:max-input-bytes is
 * refused with an error and skipped, without keeping more of it.
 *
 * The properties and behaviour every image decoder shares (limits,
 * shrink on load, tags, errors) are those of the #GstImgcompressImageDecoder
 * base class.  Behind adaptivequality, the caps carry the image's size read
 * from its header (`imgcompress-header=true`), and the marker walk looks
 * only for the metadata segments.
 *
 * A CMYK JPEG is read with Adobe's inverted polarity whether or not it
 * carries the Adobe APP14 marker, as Pillow and ImageMagick read it, and
 * converted to sRGB here, through its embedded CMYK profile or, without a
 * usable one, the default CMYK profile (Ghostscript's SWOP profile, meson
 * option `cmyk-profile`); the naive formula only when that is missing.
 *
 * Its rank is MARGINAL, so that it does not replace jpegdec in decodebin
 * behind other applications' backs: decodebin takes it only where jpegdec
 * is missing or ranked lower, and then for every `image/jpeg` stream,
 * Motion JPEG included (an MJPEG AVI decodes frame by frame, one JPEG per
 * buffer).  To prefer it in decodebin, raise its rank with the environment
 * variable `GST_PLUGIN_FEATURE_RANK=turbojpegdec:PRIMARY+1` (or
 * gst_plugin_feature_set_rank() in an application).  It applies no EXIF
 * orientation itself: it posts the orientation as an `image-orientation`
 * tag, which imgsizer applies; behind decodebin or uridecodebin nothing
 * does, so a rotated phone photo comes out sideways there.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.jpg ! turbojpegdec max-dimension=2048 !
 * videoconvert ! pngenc ! filesink location=decoded.png
 * ]| Decodes photo.jpg at the smallest DCT scale that leaves at least a
 * factor of two to fit it into a 2048x2048 box, and writes what came out
 * to decoded.png (no display needed).
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstturbojpegdec.h"
#include "gstjpegdcdecode.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/gstimgcompressbytes.h>
#include <gst/imgcompress/imgcompress.h>
#include <gst/tag/tag.h>
#include <string.h>
#include <turbojpeg.h>

GST_DEBUG_CATEGORY_STATIC (turbojpegdec_debug);
#define GST_CAT_DEFAULT turbojpegdec_debug

#define DEFAULT_STRICT TRUE
#define DEFAULT_FRAMING GST_TURBOJPEG_DEC_FRAMING_AUTO

/* libjpeg-turbo refuses larger images; so do we, before asking it. */
#define JPEG_MAX_DIMENSION 65500

enum
{
  PROP_0,
  PROP_STRICT,
  PROP_FRAMING,
  PROP_SCANS_READ,
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
  GstImgcompressImageDecoder parent;

  /* properties, under the object lock */
  gboolean strict;
  GstTurbojpegDecFraming framing;

  tjhandle tj;
  /* the image being decoded: libjpeg's colour space, and strict */
  int colorspace;
  gboolean image_strict;
  /* why its embedded ICC profile could not be extracted, else NULL */
  const gchar *icc_problem;

  /* stream parser */
  ParseState parse_state;
  GstImgcompressJpegScanner scanner;
  guint64 frame_bytes; /* bytes of the current image in the frame */
  guint64 skipped_bytes; /* bytes skipped after the current image's EOI */
  gboolean skipped_jpeg; /* ... and they start with an SOI */
  gboolean skipped_ff; /* the first byte skipped was 0xFF */
  gboolean image_events; /* an imgcompress-image event came since start */
  /* scans of the last image given to libjpeg, under the object lock */
  guint scans_read;
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
G_DEFINE_TYPE (GstTurbojpegDec, gst_turbojpeg_dec,
    GST_TYPE_IMGCOMPRESS_IMAGE_DECODER);
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
    case PROP_STRICT:
      self->strict = g_value_get_boolean (value);
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
    case PROP_STRICT:
      g_value_set_boolean (value, self->strict);
      break;
    case PROP_FRAMING:
      g_value_set_enum (value, self->framing);
      break;
    case PROP_SCANS_READ:
      g_value_set_uint (value, self->scans_read);
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
  self->image_events = FALSE;
  gst_video_decoder_set_packetized (decoder, FALSE);
  return GST_VIDEO_DECODER_CLASS (parent_class)->start (decoder);
}

static gboolean
gst_turbojpeg_dec_stop (GstVideoDecoder *decoder)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);

  if (self->tj) {
    tjDestroy (self->tj);
    self->tj = NULL;
  }
  return GST_VIDEO_DECODER_CLASS (parent_class)->stop (decoder);
}

static gboolean
gst_turbojpeg_dec_flush (GstVideoDecoder *decoder)
{
  reset_parser (GST_TURBOJPEG_DEC (decoder));
  return GST_VIDEO_DECODER_CLASS (parent_class)->flush (decoder);
}

/* Whole images from jpegparse ("parsed") need no parsing; anything else
 * (filesrc chunks, multifilesrc files) goes through parse(). */
static gboolean
gst_turbojpeg_dec_set_format (GstVideoDecoder *decoder,
    GstVideoCodecState *state)
{
  GstStructure *s = gst_caps_get_structure (state->caps, 0);
  gboolean parsed = FALSE;

  gst_structure_get_boolean (s, "parsed", &parsed);
  gst_video_decoder_set_packetized (decoder, parsed);
  return GST_VIDEO_DECODER_CLASS (parent_class)->set_format (decoder, state);
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

/* The bytes received so far are handed over as a frame that handle_frame
 * drops.  The rest of the image is skipped as what follows an image is: up
 * to the next boundary with image framing, else up to the next SOI (the
 * entropy-coded data where the limit is passed holds none). */
static GstFlowReturn
refuse_oversized (GstTurbojpegDec *self)
{
  gst_imgcompress_image_decoder_discard_frame (
      GST_IMGCOMPRESS_IMAGE_DECODER (self));
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

  if (gst_adapter_available (adapter) > 0)
    gst_imgcompress_image_decoder_saw_data (
        GST_IMGCOMPRESS_IMAGE_DECODER (self));
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

  if (!gst_imgcompress_image_decoder_check_input_bytes (
          GST_IMGCOMPRESS_IMAGE_DECODER (self), self->frame_bytes + consumed,
          NULL)) {
    gst_adapter_flush (adapter, consumed);
    return refuse_oversized (self);
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
 * size, EXIF and XMP, the ICC profile's chunks.  Returns FALSE without a
 * frame header, unless the caps gave the size (@need_size FALSE).  The
 * caller finishes @info->icc whatever the result. */
static gboolean
read_header_info (const guint8 *data, gsize size, gboolean need_size,
    HeaderInfo *info)
{
  gsize pos = 2;
  gboolean have_sof = !need_size;

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

static gboolean
tj_failed_on_warning (GstTurbojpegDec *self, gboolean strict)
{
  return tjGetErrorCode (self->tj) == TJERR_WARNING && !strict;
}

static GstFlowReturn
decode_error (GstTurbojpegDec *self, const gchar *what)
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
  return GST_FLOW_ERROR;
}

static void
set_scans_read (GstTurbojpegDec *self, guint scans)
{
  GST_OBJECT_LOCK (self);
  self->scans_read = scans;
  GST_OBJECT_UNLOCK (self);
}

/* Whether the 1/8-scale decode comes from the DC scans of a progressive
 * JPEG alone (gstjpegdcdecode.c): only scale 1/8 is the DC, and only the
 * planar layouts are the JPEG's components.  A truncated image fails under
 * strict, as the whole decode does.  Sets scans-read. */
static gboolean
plan_decode (GstTurbojpegDec *self, const guint8 *data, gsize size, guint n,
    GstVideoFormat format, gboolean strict, GstJpegDcPlan *dc)
{
  gboolean use_dc;

  gst_jpeg_dc_plan (data, size, n == 1 && format != GST_VIDEO_FORMAT_RGB, dc);
  use_dc = dc->usable && !(dc->truncated && strict);
  if (dc->usable && !use_dc)
    gst_jpeg_dc_plan (data, size, FALSE, dc); /* to count every scan */
  if (use_dc)
    GST_INFO_OBJECT (self, "decoding %u of the scans (the DC, %u bits short)",
        dc->scans_read, dc->dc_shift);
  set_scans_read (self, use_dc ? dc->scans_read : dc->scans_total);
  return use_dc;
}

/* The thumbnail of an image cut short in its AC scans, with a warning
 * (the tool names the file); if the DC scans themselves do not decode,
 * FALSE and the whole decode says what is wrong. */
static gboolean
decode_dc_scans (GstTurbojpegDec *self, const guint8 *data, gsize size,
    GstVideoFrame *vframe, const GstJpegDcPlan *dc, gboolean strict)
{
  GstJpegDcPlan count;
  gchar *error = NULL;

  if (gst_jpeg_dc_decode (dc, vframe, strict, &error)) {
    if (dc->truncated)
      GST_ELEMENT_WARNING (self, STREAM, DECODE,
          (_ ("The JPEG image is truncated; its thumbnail was made from the "
              "scans before the cut.")),
          ("progressive JPEG cut short after its DC scans: %u scans read, "
           "the DC %u bits short",
              dc->scans_read, dc->dc_shift));
    return TRUE;
  }
  GST_INFO_OBJECT (self, "the DC scans do not decode (%s): decoding them all",
      error);
  g_free (error);
  gst_jpeg_dc_plan (data, size, FALSE, &count);
  set_scans_read (self, count.scans_total);
  return FALSE;
}

/* Decodes at @vframe's size, which selects the DCT scale, from the DC
 * scans alone when @dc is given.  On failure *@what names the failed
 * call, or is NULL when the error is posted. */
static gboolean
decode_into_frame (GstTurbojpegDec *self, const guint8 *data, gsize size,
    GstVideoFrame *vframe, int colorspace, const GstJpegDcPlan *dc,
    GstImgcompressIccTransform *cmyk_xf, gboolean strict, const gchar **what)
{
  guint width = GST_VIDEO_FRAME_WIDTH (vframe);
  guint height = GST_VIDEO_FRAME_HEIGHT (vframe);
  int flags = TJFLAG_LIMITSCANS | (strict ? TJFLAG_STOPONWARNING : 0);
  int rc;

  if (dc != NULL && decode_dc_scans (self, data, size, vframe, dc, strict))
    return TRUE;
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

/* The header: the frame size (from the caps when adaptivequality read it
 * already), the EXIF orientation, and libjpeg's view of the layout. */
static GstFlowReturn
gst_turbojpeg_dec_read_header (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);
  HeaderInfo info;
  int width, height, subsamp, colorspace;
  GstVideoFormat native;
  const gchar *icc_problem;
  GBytes *icc;
  gboolean found;

  GST_OBJECT_LOCK (self);
  self->image_strict = self->strict;
  GST_OBJECT_UNLOCK (self);

  found = read_header_info (data, size, !header->from_caps, &info);
  icc = gst_imgcompress_icc_chunks_finish (&info.icc, &icc_problem);
  if (!found) {
    g_clear_pointer (&icc, g_bytes_unref);
    post_damaged_header (self, data, size);
    return GST_FLOW_ERROR;
  }
  /* kept for decode, where a CMYK image is converted through it */
  header->decode_data = icc;
  header->decode_data_free = (GDestroyNotify) g_bytes_unref;
  if (!header->from_caps) {
    header->width = info.width;
    header->height = info.height;
  }
  if (header->width == 0 || header->height == 0 ||
      header->width > JPEG_MAX_DIMENSION ||
      header->height > JPEG_MAX_DIMENSION) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The JPEG image has invalid dimensions %ux%u."), header->width,
            header->height),
        ("libjpeg-turbo decodes 1..%u pixels per side", JPEG_MAX_DIMENSION));
    return GST_FLOW_ERROR;
  }
  if (!gst_imgcompress_image_decoder_check_size (decoder, header->width,
          header->height))
    return GST_FLOW_ERROR;

  if (tjDecompressHeader3 (self->tj, data, size, &width, &height, &subsamp,
          &colorspace) != 0 &&
      !tj_failed_on_warning (self, self->image_strict))
    return decode_error (self, "tjDecompressHeader3");
  /* libjpeg's view of the frame header must be the one we checked */
  if ((guint) width != header->width || (guint) height != header->height) {
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The data is not a JPEG image or its header is damaged.")),
        ("frame header says %ux%u%s, libjpeg-turbo read %dx%d", header->width,
            header->height, header->from_caps ? " (from the caps)" : "", width,
            height));
    return GST_FLOW_ERROR;
  }

  header->orientation = info.orientation;
  gst_imgcompress_image_decoder_add_copyright (decoder, info.exif,
      info.exif_size, info.xmp, info.xmp_size);
  self->icc_problem = icc_problem;
  /* a CMYK image's profile is applied in decode: the pixels leave sRGB */
  if (colorspace != TJCS_CMYK && colorspace != TJCS_YCCK &&
      (icc != NULL || icc_problem != NULL))
    gst_imgcompress_image_decoder_set_icc_profile_bytes (decoder, icc,
        icc_problem, "APP2", NULL);
  header->scaling = GST_IMGCOMPRESS_IMAGE_SCALING_EIGHTHS;
  /* the native planar layout if downstream takes it, else RGB */
  native = native_format (subsamp, colorspace);
  header->formats[0] = native;
  header->formats[native != GST_VIDEO_FORMAT_UNKNOWN] = GST_VIDEO_FORMAT_RGB;
  self->colorspace = colorspace;
  return GST_FLOW_OK;
}

/* Decodes at the frame's size, which selects the DCT scale; at 1/8 a
 * progressive JPEG's DC scans may be enough. */
static GstFlowReturn
gst_turbojpeg_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);
  const gchar *what = NULL;
  guint n = scale->denom == 8 ? scale->num : 8;
  GstImgcompressIccTransform *cmyk_xf = NULL;
  GstJpegDcPlan dc;
  gboolean use_dc, ok;

  use_dc = plan_decode (self, data, size, n, GST_VIDEO_FRAME_FORMAT (vframe),
      self->image_strict, &dc);
  if (self->colorspace == TJCS_CMYK || self->colorspace == TJCS_YCCK)
    cmyk_xf = gst_imgcompress_image_decoder_get_cmyk_transform (decoder,
        header->decode_data, self->icc_problem, "APP2");
  ok = decode_into_frame (self, data, size, vframe, self->colorspace,
      use_dc ? &dc : NULL, cmyk_xf, self->image_strict, &what);
  g_clear_pointer (&cmyk_xf, gst_imgcompress_icc_transform_unref);
  if (!ok)
    return what == NULL ? GST_FLOW_ERROR : decode_error (self, what);
  return GST_FLOW_OK;
}

/* An image cut short by the end of the stream is still pending here: the
 * parser hands every byte to the frame as it goes.  A stream without a
 * single image is the base class's error. */
static GstFlowReturn
gst_turbojpeg_dec_finish (GstVideoDecoder *decoder)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);

  if (self->parse_state == PARSE_IMAGE) {
    GST_WARNING_OBJECT (self, "stream ended inside an image");
    reset_parser (self);
    return gst_video_decoder_have_frame (decoder);
  }
  log_skipped (self);
  reset_parser (self);
  return GST_VIDEO_DECODER_CLASS (parent_class)->finish (decoder);
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

/* Image boundaries end an image framed by image; the base class makes a
 * BYTES segment a TIME one. */
static gboolean
gst_turbojpeg_dec_sink_event (GstVideoDecoder *decoder, GstEvent *event)
{
  GstTurbojpegDec *self = GST_TURBOJPEG_DEC (decoder);

  if (is_image_boundary (self, event) && frames_by_image (self))
    end_image_at_boundary (self);
  return GST_VIDEO_DECODER_CLASS (parent_class)->sink_event (decoder, event);
}

static void
gst_turbojpeg_dec_class_init (GstTurbojpegDecClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);
  GstImgcompressImageDecoderClass *image_class =
      GST_IMGCOMPRESS_IMAGE_DECODER_CLASS (klass);

  gobject_class->set_property = gst_turbojpeg_dec_set_property;
  gobject_class->get_property = gst_turbojpeg_dec_get_property;

  g_object_class_install_property (gobject_class, PROP_STRICT,
      g_param_spec_boolean ("strict", "Strict",
          "Treat libjpeg warnings (truncated or corrupt data) as errors; "
          "when FALSE damaged images are decoded as far as possible",
          DEFAULT_STRICT,
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
  g_object_class_install_property (gobject_class, PROP_SCANS_READ,
      g_param_spec_uint ("scans-read", "Scans read",
          "Scans of the last image that were entropy-decoded: all of them, "
          "or only the DC scans when a 1/8-scale image came from those of a "
          "progressive JPEG (default 0, before any image)",
          0, G_MAXUINT, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

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
  vdec_class->finish = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_finish);

  image_class->format_name = "JPEG";
  image_class->read_header = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_read_header);
  image_class->decode = GST_DEBUG_FUNCPTR (gst_turbojpeg_dec_decode);

  gst_type_mark_as_plugin_api (GST_TYPE_TURBOJPEG_DEC_FRAMING, 0);
}

static void
gst_turbojpeg_dec_init (GstTurbojpegDec *self)
{
  self->strict = DEFAULT_STRICT;
  self->framing = DEFAULT_FRAMING;
}

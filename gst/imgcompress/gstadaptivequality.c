/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-adaptivequality
 * @title: adaptivequality
 * @short_description: ingest gate for encoded images: name, size,
 *     dimensions, pixel limit and quality hints
 *
 * adaptivequality sits on the encoded bytes, before the decoder, and passes
 * them through unchanged.  For every image it reads the JPEG frame header,
 * the PNG IHDR chunk, the WebP VP8/VP8L/VP8X header, the HEIF or AVIF meta
 * box (the primary image's ispe), the GIF logical screen, the TIFF first
 * directory or the BMP information header (holding back the first buffers
 * until the header is complete, nothing is decoded), then
 *
 * - refuses the image with an error when the header is unreadable or
 *   truncated (%GST_STREAM_ERROR_FORMAT: a file whose signature is that of
 *   a format it knows is said to have a damaged header of that format,
 *   with the first problem found) or when it has more than
 *   #GstAdaptiveQuality:max-pixels pixels (%GST_STREAM_ERROR_FAILED): a
 *   30000x30000 PNG never reaches the decoder.  Nothing of a refused image
 *   is pushed and the flow returns %GST_FLOW_ERROR;
 * - otherwise sends a sticky `imgcompress-image` event downstream before
 *   the image's first buffer, holding its name, input-bytes, width, height,
 *   format, start-time (monotonic ns) and, in `file-size` mode, the JPEG
 *   and WebP quality hints of the #GstAdaptiveQuality:bands band the input
 *   size falls in (by default the seed's: < 1 MiB 85/80, < 5 MiB 80/75,
 *   else 75/70).
 *
 * The hints are caps, not targets: the encoders use the smaller of the
 * variant's own quality and the hint (a thumbnail at q80 stays at q80 for a
 * small input, a 6 MB input brings the full variant's q90 down to q75).
 *
 * The name is the one of an `imgcompress-image` event that upstream sent
 * before the image (an application pushing uploads into appsrc sends
 * gst_imgcompress_image_start_event_new() before each, with the image's
 * name and its own id, which every message about the image then carries),
 * else the #GstAdaptiveQuality:image-name property when set (the
 * element's own #GstObject:name is its object name), else the
 * file name of the upstream URI without directories and extension
 * (`file:///photos/cat.jpg` gives `cat`; a multifilesrc pattern such as
 * `img%05d.jpg` gives `img00000`, `img00001`, ... counting the images of
 * the stream from 0), else `image-N`.
 *
 * Where one image ends and the next begins: a new image starts
 * - with the first buffer after stream-start, segment, caps, flush-stop or
 *   an upstream `imgcompress-image` event;
 * - when upstream knows the stream's size in bytes (filesrc, appsrc with
 *   its size set), after that many bytes; the image's input-bytes is that
 *   size;
 * - otherwise (multifilesrc, appsrc without a size: one buffer is one
 *   image) with each buffer that opens with the signature of a format it
 *   knows (gst_imgcompress_sniff_signature());
 *   buffers that do not are the continuation of the current image.  The
 *   input-bytes are then the bytes received by the time the header was read
 *   (the whole image when it arrives in one buffer);
 * - after a buffer flagged %GST_BUFFER_FLAG_MARKER: an application that
 *   pushes uploads sets it on the last (or only) buffer of each, so that a
 *   damaged upload is reported at once, not when the next one comes.
 * A signature also starts a new image while the current one's header is
 * still incomplete: that image was cut short and is refused, rather than
 * risking to read the next image's header as its own.  (A stream cut into
 * chunks with no size from upstream could, very rarely, have a chunk start
 * on the signature of an embedded Exif thumbnail; use a source that knows
 * the size, such as filesrc, for such input.)
 *
 * Every image event carries the image's `index`, its position in the
 * stream counted from 0 since the element went to PAUSED, and its `id`
 * when upstream gave one.  Refusals carry the image's `image-name`,
 * `image-id` and `image-index` in the error message's details
 * (gst_message_parse_error_details()), so that a bin that skips failed
 * images can say which one failed.
 *
 * One image is one JPEG: the bytes of a JPEG image end at its EOI marker
 * (found by walking its segments and entropy-coded data, so an Exif
 * thumbnail inside APP1 does not end it), and what follows up to the next
 * image is skipped, with a debug line saying how many bytes and whether
 * they start a second JPEG: MPF secondary images and Ultra HDR gain maps,
 * previews appended by cameras, `cat a.jpg b.jpg`, trailing bytes.  The
 * decoder gets the primary image only.  (A stream of JPEGs one after
 * another in bytes of one size, such as a `cat` of photos read by filesrc,
 * is therefore one image here; turbojpegdec alone reads every image of
 * such a stream.)
 *
 * An image is refused (%GST_STREAM_ERROR_FAILED) when it is larger than
 * #GstAdaptiveQuality:max-input-bytes: before its first byte is passed on
 * when upstream tells the size, else as soon as the bytes passed on and
 * held back pass the limit, so that an endless upload costs no more.
 *
 * A source that cannot tell the format (filesrc, multifilesrc) sends no
 * caps: adaptivequality then sends image/jpeg, image/png, image/webp,
 * image/heif, image/avif, image/gif, image/tiff or image/bmp caps from the
 * header, ahead of the segment, so that a decoder can be chosen
 * from them (imgcompressbin does) and `filesrc ! adaptivequality !
 * turbojpegdec` needs no typefind.  An empty input is refused.
 *
 * The header is read once per image: the caps of each image (upstream's,
 * or those from the header) carry its `width` and `height` from the header
 * and `imgcompress-header=true`, which the decoders
 * (#GstImgcompressImageDecoder) trust as they trust jpegparse's, instead of
 * walking the header again for them.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.jpg ! adaptivequality
 * max-pixels=50000000 ! turbojpegdec ! fakesink
 * ]| Refuses photos of more than 50 megapixels, and sends the image event
 * with quality hints from the file size.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstadaptivequality.h"
#include "gstimgcompresselements.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_adaptive_quality_debug);
#define GST_CAT_DEFAULT gst_adaptive_quality_debug

/* A JPEG whose frame header is not within the first 8 MiB (APPn segments
 * are at most 64 KiB each) is refused rather than buffered without end.
 * A TIFF's first directory and a HEIF's meta box may follow the image data
 * (libtiff writes the directory last): for them max-input-bytes bounds
 * what is held. */
#define MAX_HEADER_BYTES (8 * 1024 * 1024)

/* Every refusal says which image it is about (see the section docs). */
#define IMAGE_ERROR(self, domain, code, text, debug)                           \
  GST_ELEMENT_ERROR_WITH_DETAILS (self, domain, code, text, debug,             \
      ("image-name", G_TYPE_STRING, (self)->info.name, "image-id",             \
          G_TYPE_STRING, (self)->info.id, "image-index", G_TYPE_UINT64,        \
          (self)->info.index, NULL))

#define DEFAULT_IMAGE_NAME NULL
#define DEFAULT_MAX_PIXELS GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS
#define DEFAULT_MAX_INPUT_BYTES GST_IMGCOMPRESS_DEFAULT_MAX_INPUT_BYTES
#define DEFAULT_MODE GST_ADAPTIVE_QUALITY_MODE_FILE_SIZE
#define DEFAULT_BANDS GST_IMGCOMPRESS_DEFAULT_QUALITY_BANDS

enum
{
  PROP_0,
  PROP_IMAGE_NAME,
  PROP_MAX_PIXELS,
  PROP_MAX_INPUT_BYTES,
  PROP_MODE,
  PROP_BANDS,
};

#define IMAGE_CAPS                                                             \
  "image/jpeg; image/png; image/webp; image/heif; image/avif; image/gif; "     \
  "image/tiff; image/bmp"

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS (IMAGE_CAPS));

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS (IMAGE_CAPS));

#define GST_TYPE_ADAPTIVE_QUALITY_MODE (gst_adaptive_quality_mode_get_type ())
static GType
gst_adaptive_quality_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_ADAPTIVE_QUALITY_MODE_OFF, "No quality hints", "off" },
    { GST_ADAPTIVE_QUALITY_MODE_FILE_SIZE,
        "Quality hints from the input's file size", "file-size" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstAdaptiveQualityMode", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define gst_adaptive_quality_parent_class parent_class
G_DEFINE_TYPE (GstAdaptiveQuality, gst_adaptive_quality, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (adaptivequality, "adaptivequality", GST_RANK_NONE,
    GST_TYPE_ADAPTIVE_QUALITY);

static void gst_adaptive_quality_finalize (GObject *object);
static void gst_adaptive_quality_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec);
static void gst_adaptive_quality_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_adaptive_quality_change_state (GstElement
                                                                   *element,
    GstStateChange transition);
static GstFlowReturn gst_adaptive_quality_chain (GstPad *pad, GstObject *parent,
    GstBuffer *buffer);
static gboolean gst_adaptive_quality_sink_event (GstPad *pad, GstObject *parent,
    GstEvent *event);

static void
gst_adaptive_quality_class_init (GstAdaptiveQualityClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_adaptive_quality_debug, "adaptivequality", 0,
      "Image ingest gate and quality hints");

  gobject_class->finalize = gst_adaptive_quality_finalize;
  gobject_class->set_property = gst_adaptive_quality_set_property;
  gobject_class->get_property = gst_adaptive_quality_get_property;

  g_object_class_install_property (gobject_class, PROP_IMAGE_NAME,
      g_param_spec_string ("image-name", "Image name",
          "Name sent in the image event; when unset (default), the upstream "
          "URI's file name without directories and extension",
          DEFAULT_IMAGE_NAME,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_PIXELS,
      g_param_spec_uint64 ("max-pixels", "Maximum pixels",
          "Refuse images with more pixels than this, before decoding "
          "(0 = no limit; default 100000000)",
          0, G_MAXUINT64, DEFAULT_MAX_PIXELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MAX_INPUT_BYTES,
      g_param_spec_uint64 ("max-input-bytes", "Maximum input bytes",
          "Refuse images whose encoded data is larger: a size known from "
          "upstream (a file's) before the first byte, else as the bytes up "
          "to a JPEG's end arrive (0 = no limit; default 268435456, 256 MiB)",
          0, G_MAXUINT64, DEFAULT_MAX_INPUT_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Whether the image event carries quality hints from the file size "
          "(default file-size)",
          GST_TYPE_ADAPTIVE_QUALITY_MODE, DEFAULT_MODE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_BANDS,
      g_param_spec_string ("bands", "Quality bands",
          "Comma-separated size:jpeg-quality:webp-quality bands: inputs "
          "smaller than size get those hints, '*' matches any size "
          "(default " DEFAULT_BANDS ")",
          DEFAULT_BANDS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_adaptive_quality_change_state);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Adaptive image quality", "Filter/Image",
      "Reads each image's header, refuses oversized or broken images and "
      "sends quality hints from the file size",
      "gst-imgcompress authors");

  gst_type_mark_as_plugin_api (GST_TYPE_ADAPTIVE_QUALITY_MODE, 0);
}

static void
gst_adaptive_quality_init (GstAdaptiveQuality *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_adaptive_quality_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_adaptive_quality_sink_event));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);

  self->image_name = g_strdup (DEFAULT_IMAGE_NAME);
  self->max_pixels = DEFAULT_MAX_PIXELS;
  self->max_input_bytes = DEFAULT_MAX_INPUT_BYTES;
  self->mode = DEFAULT_MODE;
  self->bands_str = g_strdup (DEFAULT_BANDS);
  self->bands = gst_imgcompress_quality_bands_parse (DEFAULT_BANDS, NULL);
  g_assert (self->bands != NULL);

  self->header_adapter = gst_adapter_new ();
  gst_imgcompress_image_info_init (&self->info);
  self->boundary = TRUE;
}

static void
gst_adaptive_quality_finalize (GObject *object)
{
  GstAdaptiveQuality *self = GST_ADAPTIVE_QUALITY (object);

  g_free (self->image_name);
  g_free (self->bands_str);
  g_free (self->bands_error);
  g_array_unref (self->bands);
  g_object_unref (self->header_adapter);
  gst_imgcompress_image_info_clear (&self->info);
  gst_clear_event (&self->held_segment);
  g_free (self->next_name);
  g_free (self->next_id);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

/* Keeps the last valid bands when @str is invalid, and remembers why, so
 * that going to READY fails with a clear error. Called with the object
 * lock. */
static void
set_bands_locked (GstAdaptiveQuality *self, const gchar *str)
{
  GError *error = NULL;
  GArray *bands;

  g_free (self->bands_str);
  self->bands_str = g_strdup (str ? str : DEFAULT_BANDS);
  g_clear_pointer (&self->bands_error, g_free);

  bands = gst_imgcompress_quality_bands_parse (self->bands_str, &error);
  if (bands) {
    g_array_unref (self->bands);
    self->bands = bands;
  } else {
    GST_WARNING_OBJECT (self, "%s", error->message);
    self->bands_error = g_strdup (error->message);
    g_error_free (error);
  }
}

static void
gst_adaptive_quality_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstAdaptiveQuality *self = GST_ADAPTIVE_QUALITY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_IMAGE_NAME:
      g_free (self->image_name);
      self->image_name = g_value_dup_string (value);
      break;
    case PROP_MAX_PIXELS:
      self->max_pixels = g_value_get_uint64 (value);
      break;
    case PROP_MAX_INPUT_BYTES:
      self->max_input_bytes = g_value_get_uint64 (value);
      break;
    case PROP_MODE:
      self->mode = g_value_get_enum (value);
      break;
    case PROP_BANDS:
      set_bands_locked (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_adaptive_quality_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec)
{
  GstAdaptiveQuality *self = GST_ADAPTIVE_QUALITY (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_IMAGE_NAME:
      g_value_set_string (value, self->image_name);
      break;
    case PROP_MAX_PIXELS:
      g_value_set_uint64 (value, self->max_pixels);
      break;
    case PROP_MAX_INPUT_BYTES:
      g_value_set_uint64 (value, self->max_input_bytes);
      break;
    case PROP_MODE:
      g_value_set_enum (value, self->mode);
      break;
    case PROP_BANDS:
      g_value_set_string (value, self->bands_str);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
reset_stream (GstAdaptiveQuality *self)
{
  gst_adapter_clear (self->header_adapter);
  self->header_needed = 0;
  self->sniffing = FALSE;
  self->refused = FALSE;
  self->boundary = TRUE;
  self->upstream_bytes = 0;
  self->image_bytes = 0;
  self->kept_bytes = 0;
  self->past_end = FALSE;
  self->skipped_bytes = 0;
  self->seen_data = FALSE;
  self->announced = FALSE;
  g_clear_pointer (&self->next_name, g_free);
  g_clear_pointer (&self->next_id, g_free);
  gst_imgcompress_image_info_clear (&self->info);
  gst_clear_event (&self->held_segment);
}

/* Expands the first printf-style integer conversion (%d, %05d, ...) of a
 * multifilesrc pattern with @index, without handing the user's pattern to
 * printf.  Returns NULL when @pattern has none. */
static gchar *
expand_index_pattern (const gchar *pattern, guint index)
{
  const gchar *percent = strchr (pattern, '%');
  const gchar *p;
  guint width = 0;
  gchar *number, *result;

  if (percent == NULL)
    return NULL;
  p = percent + 1;
  while (g_ascii_isdigit (*p) && width < 20)
    width = width * 10 + (*p++ - '0');
  if (*p != 'd' && *p != 'u' && *p != 'i')
    return NULL;

  number = g_strdup_printf ("%0*u", (gint) width, index);
  result = g_strdup_printf ("%.*s%s%s", (gint) (percent - pattern), pattern,
      number, p + 1);
  g_free (number);
  return result;
}

/* "file:///photos/cat.jpg" -> "cat". */
static gchar *
name_from_uri (const gchar *uri, guint index)
{
  GstUri *parsed = gst_uri_from_string (uri);
  gchar *path, *base, *dot, *expanded;

  if (parsed == NULL)
    return NULL;
  path = gst_uri_get_path (parsed);
  gst_uri_unref (parsed);
  if (path == NULL)
    return NULL;

  base = g_path_get_basename (path);
  g_free (path);
  if (base[0] == '\0' || strcmp (base, "/") == 0 || strcmp (base, ".") == 0) {
    g_free (base);
    return NULL;
  }
  dot = strrchr (base, '.');
  if (dot && dot != base)
    *dot = '\0';

  expanded = expand_index_pattern (base, index);
  if (expanded) {
    g_free (base);
    base = expanded;
  }
  return base;
}

static gchar *
query_upstream_name (GstAdaptiveQuality *self)
{
  GstQuery *query = gst_query_new_uri ();
  gchar *uri = NULL, *name = NULL;

  if (gst_pad_peer_query (self->sinkpad, query))
    gst_query_parse_uri (query, &uri);
  gst_query_unref (query);

  if (uri) {
    name = name_from_uri (uri, self->image_index);
    GST_DEBUG_OBJECT (self, "upstream URI %s gives name %s", uri,
        GST_STR_NULL (name));
    g_free (uri);
  }
  return name;
}

static guint64
query_upstream_bytes (GstAdaptiveQuality *self)
{
  gint64 bytes = -1;

  if (gst_pad_peer_query_duration (self->sinkpad, GST_FORMAT_BYTES, &bytes) &&
      bytes > 0)
    return (guint64) bytes;
  return 0;
}

/* See the section documentation for the rule. */
static gboolean
buffer_starts_image (GstAdaptiveQuality *self, GstBuffer *buffer)
{
  GstImgcompressFormat format;
  /* the longest signature: an ISO file type box with one brand */
  guint8 head[32];
  gsize n;

  if (self->boundary)
    return TRUE;
  if (self->upstream_bytes > 0)
    return self->image_bytes >= self->upstream_bytes;

  n = gst_buffer_extract (buffer, 0, head, sizeof (head));
  format = gst_imgcompress_sniff_signature (head, n);
  return format != GST_IMGCOMPRESS_FORMAT_UNKNOWN;
}

static void
log_skipped (GstAdaptiveQuality *self)
{
  if (self->skipped_bytes > 0)
    GST_DEBUG_OBJECT (self,
        "image %s: skipped %" G_GUINT64_FORMAT " bytes after its JPEG's "
        "end%s",
        self->info.name, self->skipped_bytes,
        self->skipped_jpeg ? " (a second JPEG)" : "");
  self->skipped_bytes = 0;
}

static void
begin_image (GstAdaptiveQuality *self)
{
  gchar *name;

  log_skipped (self);
  gst_adapter_clear (self->header_adapter);
  gst_imgcompress_image_info_clear (&self->info);
  self->info.start_time = g_get_monotonic_time () * 1000;
  self->header_needed = 0;
  self->sniffing = TRUE;
  self->refused = FALSE;
  self->image_bytes = 0;
  self->kept_bytes = 0;
  self->past_end = FALSE;
  self->skipped_bytes = 0;
  gst_imgcompress_jpeg_scanner_init (&self->scanner);

  /* Upstream's size is the image's size only for the first image after a
   * boundary event; bytes beyond it are images of unknown size. */
  self->upstream_bytes = self->boundary ? query_upstream_bytes (self) : 0;
  self->boundary = FALSE;

  name = g_steal_pointer (&self->next_name);
  if (name == NULL) {
    GST_OBJECT_LOCK (self);
    name = g_strdup (self->image_name && *self->image_name ? self->image_name :
                                                             NULL);
    GST_OBJECT_UNLOCK (self);
  }
  if (name == NULL)
    name = query_upstream_name (self);
  if (name == NULL)
    name = g_strdup_printf ("image-%u", self->image_index);
  self->info.name = name;
  self->info.id = g_steal_pointer (&self->next_id);
  self->info.index = self->sequence++;
  self->announced = FALSE;
  self->image_index++;

  GST_DEBUG_OBJECT (self, "image %s starts, upstream size %" G_GUINT64_FORMAT,
      name, self->upstream_bytes);
}

/* Drops what was held back; the rest of the image will be dropped too. */
static GstFlowReturn
mark_refused (GstAdaptiveQuality *self)
{
  gst_adapter_clear (self->header_adapter);
  self->refused = TRUE;
  self->sniffing = FALSE;
  return GST_FLOW_ERROR;
}

/* The header says which format it is but contradicts itself: the message
 * names the format and the first problem found. */
static GstFlowReturn
refuse_damaged (GstAdaptiveQuality *self, const gchar *problem)
{
  IMAGE_ERROR (self, STREAM, FORMAT,
      (_ ("Image \"%s\" has a damaged %s header: %s."), self->info.name,
          gst_imgcompress_format_display_name (self->info.format), _ (problem)),
      ("%s", problem));
  return mark_refused (self);
}

static GstFlowReturn
refuse_unreadable (GstAdaptiveQuality *self,
    const GstImgcompressHeaderInfo *header)
{
  if (header->format != GST_IMGCOMPRESS_FORMAT_UNKNOWN) {
    self->info.format = header->format;
    return refuse_damaged (self, header->error);
  }
  IMAGE_ERROR (self, STREAM, FORMAT,
      (_ ("Could not read the header of image \"%s\": it is not a JPEG, "
          "PNG, WebP, HEIF, AVIF, GIF, TIFF or BMP file."),
          self->info.name),
      ("%s", header->error));
  return mark_refused (self);
}

static GstFlowReturn
refuse_truncated (GstAdaptiveQuality *self)
{
  gchar *received = g_strdup_printf ("%" G_GSIZE_FORMAT,
      gst_adapter_available (self->header_adapter));
  gchar *needed = g_strdup_printf ("%" G_GSIZE_FORMAT, self->header_needed);

  if (self->info.format != GST_IMGCOMPRESS_FORMAT_UNKNOWN)
    IMAGE_ERROR (self, STREAM, FORMAT,
        (_ ("Image \"%s\" has a damaged %s header: it ends after %s bytes, "
            "where the header needs %s."),
            self->info.name,
            gst_imgcompress_format_display_name (self->info.format), received,
            needed),
        ("the data ends inside the header"));
  else
    IMAGE_ERROR (self, STREAM, FORMAT,
        (_ ("Image \"%s\" ends before its header is complete."),
            self->info.name),
        ("%s bytes received, the header needs %s", received, needed));
  g_free (received);
  g_free (needed);
  return mark_refused (self);
}

static GstFlowReturn
refuse_oversized (GstAdaptiveQuality *self, guint64 max_input_bytes)
{
  gchar *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, max_input_bytes);

  IMAGE_ERROR (self, STREAM, FAILED,
      (_ ("Image \"%s\" is larger than the %s bytes allowed."), self->info.name,
          limit),
      ("max-input-bytes is %s", limit));
  g_free (limit);
  return mark_refused (self);
}

/* Whether @more bytes of the image may be held back or passed on, within
 * max-input-bytes; counts them when they may. */
static gboolean
keep_bytes (GstAdaptiveQuality *self, guint64 more, guint64 *limit)
{
  GST_OBJECT_LOCK (self);
  *limit = self->max_input_bytes;
  GST_OBJECT_UNLOCK (self);
  if (*limit > 0 &&
      (self->kept_bytes > *limit || more > *limit - self->kept_bytes))
    return FALSE;
  self->kept_bytes += more;
  return TRUE;
}

/* A size known from upstream refuses an image before its first byte is
 * kept: an endless or huge upload costs nothing. */
static gboolean
upstream_size_allowed (GstAdaptiveQuality *self, guint64 *limit)
{
  GST_OBJECT_LOCK (self);
  *limit = self->max_input_bytes;
  GST_OBJECT_UNLOCK (self);
  return *limit == 0 || self->upstream_bytes <= *limit;
}

static void
count_skipped (GstAdaptiveQuality *self, GstBuffer *buffer, gsize offset)
{
  guint8 head[2];

  if (self->skipped_bytes == 0)
    self->skipped_jpeg = gst_buffer_extract (buffer, offset, head, 2) == 2 &&
        head[0] == 0xff && head[1] == 0xd8;
  self->skipped_bytes += gst_buffer_get_size (buffer) - offset;
}

/* One file is one image: a JPEG ends at its EOI, and what follows (MPF
 * secondary images, Ultra HDR gain maps, appended previews, trailing
 * bytes) is skipped.  Returns the part of @buffer that belongs to the
 * image, or NULL. */
static GstBuffer *
trim_at_end (GstAdaptiveQuality *self, GstBuffer *buffer)
{
  GstMapInfo map;
  gboolean end = FALSE;
  gsize consumed;
  GstBuffer *kept;

  if (self->info.format != GST_IMGCOMPRESS_FORMAT_JPEG)
    return buffer;
  if (self->past_end) {
    count_skipped (self, buffer, 0);
    gst_buffer_unref (buffer);
    return NULL;
  }
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return buffer;
  consumed = gst_imgcompress_jpeg_scanner_scan (&self->scanner, map.data,
      map.size, &end);
  gst_buffer_unmap (buffer, &map);
  if (!end)
    return buffer;

  self->past_end = TRUE;
  if (consumed == gst_buffer_get_size (buffer))
    return buffer;
  count_skipped (self, buffer, consumed);
  kept = gst_buffer_copy_region (buffer, GST_BUFFER_COPY_ALL, 0, consumed);
  gst_buffer_unref (buffer);
  return kept;
}

static GstFlowReturn
refuse_too_large (GstAdaptiveQuality *self, guint64 max_pixels)
{
  gchar *limit = g_strdup_printf ("%" G_GUINT64_FORMAT, max_pixels);

  IMAGE_ERROR (self, STREAM, FAILED,
      (_ ("Image \"%s\" is %u x %u pixels, more than the %s pixels allowed."),
          self->info.name, self->info.width, self->info.height, limit),
      ("max-pixels is %s", limit));
  g_free (limit);
  return mark_refused (self);
}

/* The decoder is chosen from the caps: a PNG announced as JPEG would reach
 * the wrong one. */
static GstFlowReturn
refuse_format_mismatch (GstAdaptiveQuality *self,
    GstImgcompressFormat caps_format)
{
  IMAGE_ERROR (self, STREAM, FORMAT,
      (_ ("Image \"%s\" is a %s file, but the stream says %s."),
          self->info.name, gst_imgcompress_format_to_string (self->info.format),
          gst_imgcompress_format_to_string (caps_format)),
      (NULL));
  return mark_refused (self);
}

static void
pick_quality_hints (GstAdaptiveQuality *self)
{
  GST_OBJECT_LOCK (self);
  if (self->mode == GST_ADAPTIVE_QUALITY_MODE_FILE_SIZE)
    gst_imgcompress_quality_bands_lookup (self->bands, self->info.input_bytes,
        &self->info.jpeg_quality, &self->info.webp_quality);
  GST_OBJECT_UNLOCK (self);
}

static gboolean
upstream_caps_known (GstAdaptiveQuality *self)
{
  GstCaps *caps = gst_pad_get_current_caps (self->sinkpad);
  GstImgcompressFormat format = gst_imgcompress_format_from_caps (caps);

  if (caps)
    gst_caps_unref (caps);
  return format != GST_IMGCOMPRESS_FORMAT_UNKNOWN;
}

/* The caps of the image: upstream's when it sent some, else the format
 * the header says, with the header's size and imgcompress-header=true, so
 * that the decoder trusts them and does not read the header again. */
static GstCaps *
image_caps (GstAdaptiveQuality *self)
{
  GstCaps *caps = NULL;

  if (upstream_caps_known (self))
    caps = gst_pad_get_current_caps (self->sinkpad);
  if (caps == NULL)
    caps = gst_imgcompress_format_to_caps (self->info.format);
  caps = gst_caps_make_writable (caps);
  gst_caps_set_simple (caps, "width", G_TYPE_INT, (gint) self->info.width,
      "height", G_TYPE_INT, (gint) self->info.height,
      GST_IMGCOMPRESS_CAPS_HEADER_FIELD, G_TYPE_BOOLEAN, TRUE, NULL);
  return caps;
}

/* Sources that cannot tell the format (filesrc, multifilesrc) send no
 * caps: the header says it, so downstream gets caps from here, ahead of
 * the segment held back for the purpose, and a decoder can be chosen from
 * them.  Every image's caps carry its size from the header. */
static void
announce_format (GstAdaptiveQuality *self)
{
  GstCaps *caps, *current;

  caps = image_caps (self);
  current = gst_pad_get_current_caps (self->srcpad);
  if (current == NULL || !gst_caps_is_equal (current, caps))
    gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  if (current)
    gst_caps_unref (current);
  gst_caps_unref (caps);
  if (self->held_segment)
    gst_pad_push_event (self->srcpad, g_steal_pointer (&self->held_segment));
}

/* The header is read and the image accepted: announce it, then release
 * what was held back, in order. */
static GstFlowReturn
release_image (GstAdaptiveQuality *self)
{
  GList *held, *l;
  GstFlowReturn ret = GST_FLOW_OK;
  GstBuffer *buffer;

  self->sniffing = FALSE;
  self->info.input_bytes = self->upstream_bytes > 0 ?
      self->upstream_bytes :
      gst_adapter_available (self->header_adapter);
  pick_quality_hints (self);

  GST_INFO_OBJECT (self,
      "image %s: %s %ux%u, %" G_GUINT64_FORMAT " bytes, hints jpeg %d webp %d",
      self->info.name, gst_imgcompress_format_to_string (self->info.format),
      self->info.width, self->info.height, self->info.input_bytes,
      self->info.jpeg_quality, self->info.webp_quality);

  announce_format (self);
  gst_pad_push_event (self->srcpad,
      gst_imgcompress_image_event_new (&self->info));

  held = gst_adapter_take_list (self->header_adapter,
      gst_adapter_available (self->header_adapter));
  for (l = held; l; l = l->next) {
    buffer = trim_at_end (self, l->data);
    l->data = NULL;
    if (buffer && ret == GST_FLOW_OK)
      ret = gst_pad_push (self->srcpad, buffer);
    else if (buffer)
      gst_buffer_unref (buffer);
  }
  g_list_free (held);
  return ret;
}

static GstFlowReturn
check_header (GstAdaptiveQuality *self, const GstImgcompressHeaderInfo *header)
{
  guint64 max_pixels;
  GstCaps *caps;
  GstImgcompressFormat caps_format = GST_IMGCOMPRESS_FORMAT_UNKNOWN;

  self->info.format = header->format;
  self->info.width = header->width;
  self->info.height = header->height;

  caps = gst_pad_get_current_caps (self->sinkpad);
  if (caps) {
    caps_format = gst_imgcompress_format_from_caps (caps);
    gst_caps_unref (caps);
  }
  if (caps_format != GST_IMGCOMPRESS_FORMAT_UNKNOWN &&
      caps_format != header->format)
    return refuse_format_mismatch (self, caps_format);

  GST_OBJECT_LOCK (self);
  max_pixels = self->max_pixels;
  GST_OBJECT_UNLOCK (self);
  if (!gst_imgcompress_pixels_allowed (header->width, header->height,
          max_pixels))
    return refuse_too_large (self, max_pixels);

  return release_image (self);
}

static GstFlowReturn
sniff_held_bytes (GstAdaptiveQuality *self)
{
  GstImgcompressHeaderInfo header;
  GstImgcompressSniffResult result;
  gsize available = gst_adapter_available (self->header_adapter);
  const guint8 *data;

  if (available < self->header_needed)
    return GST_FLOW_OK;

  data = gst_adapter_map (self->header_adapter, available);
  result = gst_imgcompress_sniff_header (data, available, &header);
  gst_adapter_unmap (self->header_adapter);

  switch (result) {
    case GST_IMGCOMPRESS_SNIFF_OK:
      return check_header (self, &header);
    case GST_IMGCOMPRESS_SNIFF_NEED_MORE_DATA:
      self->header_needed = header.needed;
      self->info.format = header.format;
      if (header.needed > MAX_HEADER_BYTES &&
          !gst_imgcompress_header_may_follow_data (header.format)) {
        header.error = N_ ("no frame header in the first 8 MiB");
        return refuse_unreadable (self, &header);
      }
      if (self->upstream_bytes > 0 && header.needed > self->upstream_bytes)
        return refuse_truncated (self);
      GST_LOG_OBJECT (self, "header needs %" G_GSIZE_FORMAT " bytes",
          header.needed);
      return GST_FLOW_OK;
    case GST_IMGCOMPRESS_SNIFF_INVALID:
    default:
      return refuse_unreadable (self, &header);
  }
}

static GstFlowReturn
take_buffer (GstAdaptiveQuality *self, GstBuffer *buffer)
{
  guint64 limit;

  /* An empty buffer (appsrc may push one) holds no byte to sniff: it must
   * neither start an image nor count as data, else an empty upload ends
   * without an error (found by fuzz_imgcompressbin). */
  if (gst_buffer_get_size (buffer) == 0) {
    gst_buffer_unref (buffer);
    return GST_FLOW_OK;
  }
  self->seen_data = TRUE;
  if (buffer_starts_image (self, buffer)) {
    if (self->sniffing) {
      refuse_truncated (self);
      gst_buffer_unref (buffer);
      return GST_FLOW_ERROR;
    }
    begin_image (self);
    if (!upstream_size_allowed (self, &limit))
      refuse_oversized (self, limit);
  }
  self->image_bytes += gst_buffer_get_size (buffer);

  if (self->refused) {
    GST_DEBUG_OBJECT (self, "dropping a buffer of refused image %s",
        self->info.name);
    gst_buffer_unref (buffer);
    return GST_FLOW_ERROR;
  }
  if (!self->sniffing) {
    buffer = trim_at_end (self, buffer);
    if (buffer == NULL)
      return GST_FLOW_OK;
  }
  if (!keep_bytes (self, gst_buffer_get_size (buffer), &limit)) {
    gst_buffer_unref (buffer);
    return refuse_oversized (self, limit);
  }
  if (!self->sniffing)
    return gst_pad_push (self->srcpad, buffer);

  gst_adapter_push (self->header_adapter, buffer);
  return sniff_held_bytes (self);
}

static void end_image (GstAdaptiveQuality *self);
static void refuse_empty (GstAdaptiveQuality *self);

/* A buffer flagged MARKER is the last of its image (see the section
 * docs): the image ends there, rather than when the next one starts. */
static GstFlowReturn
gst_adaptive_quality_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstAdaptiveQuality *self = GST_ADAPTIVE_QUALITY (parent);
  gboolean last = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_MARKER);
  GstFlowReturn ret = take_buffer (self, buffer);

  if (last) {
    if (self->announced)
      refuse_empty (self);
    else if (self->sniffing)
      ret = GST_FLOW_ERROR;
    end_image (self);
  }
  return ret;
}

/* Called when the stream says no more bytes of the current image will
 * come: an image whose header is still incomplete is truncated. */
static void
end_image (GstAdaptiveQuality *self)
{
  if (self->sniffing && gst_adapter_available (self->header_adapter) > 0)
    refuse_truncated (self);
  log_skipped (self);
  self->sniffing = FALSE;
  self->boundary = TRUE;
}

/* An empty upload would otherwise end without a word: nothing would ever
 * be decoded or written. */
static void
refuse_empty (GstAdaptiveQuality *self)
{
  gst_imgcompress_image_info_clear (&self->info);
  self->info.name = g_steal_pointer (&self->next_name);
  self->info.id = g_steal_pointer (&self->next_id);
  if (self->info.name == NULL)
    self->info.name = query_upstream_name (self);
  if (self->info.name == NULL)
    self->info.name = g_strdup ("image");
  self->info.index = self->sequence++;
  self->announced = FALSE;
  IMAGE_ERROR (self, STREAM, FORMAT,
      (_ ("Image \"%s\" is empty."), self->info.name),
      ("no byte between the image's start and its end"));
}

/* An application announces each image with an image event carrying its
 * name and id; the image starts with the next buffer.  The event goes no
 * further: the complete one is sent once the header is read. */
static void
take_upstream_image_event (GstAdaptiveQuality *self, GstEvent *event)
{
  GstImgcompressImageInfo info;

  gst_imgcompress_image_event_parse (event, &info);
  end_image (self);
  if (self->announced)
    refuse_empty (self);
  g_free (self->next_name);
  g_free (self->next_id);
  self->next_name =
      info.name && *info.name ? g_steal_pointer (&info.name) : NULL;
  self->next_id = g_steal_pointer (&info.id);
  self->announced = TRUE;
  gst_imgcompress_image_info_clear (&info);
  GST_DEBUG_OBJECT (self, "upstream announces image %s (id %s)",
      GST_STR_NULL (self->next_name), GST_STR_NULL (self->next_id));
}

static gboolean
gst_adaptive_quality_sink_event (GstPad *pad, GstObject *parent,
    GstEvent *event)
{
  GstAdaptiveQuality *self = GST_ADAPTIVE_QUALITY (parent);

  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_STREAM_START:
      end_image (self);
      self->image_index = 0;
      self->seen_data = FALSE;
      break;
    case GST_EVENT_SEGMENT:
      end_image (self);
      /* Caps must go downstream before the segment. */
      if (!upstream_caps_known (self)) {
        gst_event_replace (&self->held_segment, event);
        gst_event_unref (event);
        return TRUE;
      }
      break;
    case GST_EVENT_EOS:
      end_image (self);
      if (!self->seen_data || self->announced)
        refuse_empty (self);
      break;
    case GST_EVENT_CAPS:
      end_image (self);
      break;
    case GST_EVENT_FLUSH_STOP:
      reset_stream (self);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY:
      if (gst_event_has_name (event, GST_IMGCOMPRESS_IMAGE_EVENT_NAME)) {
        take_upstream_image_event (self, event);
        gst_event_unref (event);
        return TRUE;
      }
      break;
    default:
      break;
  }
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
gst_adaptive_quality_change_state (GstElement *element,
    GstStateChange transition)
{
  GstAdaptiveQuality *self = GST_ADAPTIVE_QUALITY (element);
  GstStateChangeReturn ret;
  gchar *bands_error = NULL;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    GST_OBJECT_LOCK (self);
    bands_error = g_strdup (self->bands_error);
    GST_OBJECT_UNLOCK (self);
    if (bands_error) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          (_ ("Invalid quality bands: %s"), bands_error), (NULL));
      g_free (bands_error);
      return GST_STATE_CHANGE_FAILURE;
    }
  }
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED) {
    reset_stream (self);
    self->image_index = 0;
    self->sequence = 0;
  }

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    reset_stream (self);
  return ret;
}

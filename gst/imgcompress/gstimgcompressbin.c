/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imgcompressbin
 * @title: imgcompressbin
 *
 * Turns one encoded photo (JPEG, PNG, WebP, HEIF, AVIF, GIF, TIFF or BMP)
 * into every size variant in
 * every output format, written as files with metrics on the bus.  It builds
 * the graph of the design brief from its properties:
 *
 * |[
 * adaptivequality ! <decoder> ! variantsplit name=s
 *   s.src_<variant> ! queue ! imgsizer ! imgiccconvert ! tee name=t
 *     t. ! queue ! turbojpegenc ! metricsink
 *     t. ! queue ! imgwebpenc ! metricsink
 * ]|
 *
 * The decoder is picked from the detected type: turbojpegdec, imgwebpdec,
 * imgpngdec, imgheifdec (HEIF and AVIF), imggifdec, imgtiffdec or
 * imgbmpdec.  An image with alpha keeps it in WebP and is flattened on
 * #GstImgcompressBin:background for JPEG.
 *
 * Outputs are sRGB: an image with an embedded ICC profile is converted by
 * imgiccconvert after the reduction, untagged and sRGB images pass
 * untouched (#GstImgcompressBin:icc: `keep` embeds the profile instead,
 * `ignore` leaves imgiccconvert out).  Outputs carry no EXIF, XMP or GPS
 * unless #GstImgcompressBin:metadata asks for the artist and copyright.
 *
 * One file is one image: for a JPEG, what follows the primary image (MPF
 * secondary images, Ultra HDR gain maps, appended data) is skipped, and
 * turbojpegdec is set to image framing.  A stream of images is one image
 * per buffer (appsrc, multifilesrc) or per upstream size (filesrc); see
 * adaptivequality.  #GstImgcompressBin:max-input-bytes bounds the encoded
 * bytes of each image.
 *
 * `variants` and `formats` take effect when the bin goes to READY; the
 * other properties are passed to the elements at the same time.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.jpg ! imgcompressbin output-dir=out
 * ]| writes out/thumbnail/photo.jpg, out/thumbnail/photo.webp,
 * out/preview/..., out/full/... and posts one `imgcompress-metrics` message
 * per file.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/imgcompress/imgcompress.h>
#include <gst/imgcompress/gst-i18n-plugin.h>

#include "gstimgcompresselements.h"
#include "gstimgcompressbin.h"

GST_DEBUG_CATEGORY_STATIC (gst_imgcompress_bin_debug);
#define GST_CAT_DEFAULT gst_imgcompress_bin_debug

#define DEFAULT_VARIANTS GST_IMGCOMPRESS_DEFAULT_VARIANTS
#define DEFAULT_FORMATS "jpeg,webp"
#define DEFAULT_OUTPUT_DIR "."
#define DEFAULT_LOCATION "{variant}/{name}.{ext}"
#define DEFAULT_ADAPTIVE GST_IMGCOMPRESS_BIN_ADAPTIVE_FILE_SIZE
#define DEFAULT_BANDS GST_IMGCOMPRESS_DEFAULT_QUALITY_BANDS
#define DEFAULT_MAX_PIXELS GST_IMGCOMPRESS_DEFAULT_MAX_PIXELS
#define DEFAULT_MAX_INPUT_BYTES GST_IMGCOMPRESS_DEFAULT_MAX_INPUT_BYTES
#define DEFAULT_OVERWRITE FALSE
#define DEFAULT_BACKGROUND 0xffffffff
/* Measured on the corpus: progressive saves 4.4 % at 2048 px and 2.1 % at
 * 500 px, and costs 4.9 % at 150 px (its extra scan headers). */
#define DEFAULT_PROGRESSIVE_FROM 400
/* -1: libwebp's method 4 for variants whose box is below WEBP_FAST_FROM
 * pixels, method 2 from there (measured on the corpus at 2048 px: half the
 * encode time of the full variant, for 0.0016 luma SSIM and 2 % more
 * bytes).  By the box, not the picture's size: by size, 320x240 uploads'
 * full WebP was 4 % smaller but the whole job 32 % slower (docs/tuning.md). */
#define DEFAULT_WEBP_METHOD -1
#define WEBP_FAST_FROM 1000
#define WEBP_METHOD_SMALL 4
#define WEBP_METHOD_LARGE 2
#define DEFAULT_OUTPUT GST_IMGCOMPRESS_BIN_OUTPUT_FILES
#define DEFAULT_ON_ERROR GST_IMGCOMPRESS_BIN_ON_ERROR_STOP
#define DEFAULT_ICC GST_IMGCOMPRESS_BIN_ICC_CONVERT
#define DEFAULT_METADATA GST_IMGCOMPRESS_BIN_METADATA_NONE
#define DEFAULT_HOLD_VARIANTS ""

enum
{
  PROP_0,
  PROP_VARIANTS,
  PROP_FORMATS,
  PROP_OUTPUT_DIR,
  PROP_LOCATION,
  PROP_ADAPTIVE,
  PROP_BANDS,
  PROP_MAX_PIXELS,
  PROP_MAX_INPUT_BYTES,
  PROP_OVERWRITE,
  PROP_BACKGROUND,
  PROP_PROGRESSIVE_FROM,
  PROP_WEBP_METHOD,
  PROP_OUTPUT,
  PROP_ON_ERROR,
  PROP_ICC,
  PROP_METADATA,
  PROP_HOLD_VARIANTS,
};

/* The formats the bin takes, and the decoder of each: the one list the
 * sink template's caps and the choice of decoder come from, so that a
 * format added here is announced and decoded alike. */
static const struct
{
  GstImgcompressFormat format;
  const gchar *decoder;
} input_formats[] = {
  { GST_IMGCOMPRESS_FORMAT_JPEG, "turbojpegdec" },
  { GST_IMGCOMPRESS_FORMAT_PNG, "imgpngdec" },
  { GST_IMGCOMPRESS_FORMAT_WEBP, "imgwebpdec" },
  { GST_IMGCOMPRESS_FORMAT_HEIF, "imgheifdec" },
  { GST_IMGCOMPRESS_FORMAT_AVIF, "imgheifdec" },
  { GST_IMGCOMPRESS_FORMAT_GIF, "imggifdec" },
  { GST_IMGCOMPRESS_FORMAT_TIFF, "imgtiffdec" },
  { GST_IMGCOMPRESS_FORMAT_BMP, "imgbmpdec" },
};

static GstPadTemplate *make_sink_template (void);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src_%s_%s",
    GST_PAD_SRC, GST_PAD_SOMETIMES, GST_STATIC_CAPS ("image/jpeg; image/webp"));

#define GST_TYPE_IMGCOMPRESS_BIN_ADAPTIVE                                      \
  (gst_imgcompress_bin_adaptive_get_type ())
static GType
gst_imgcompress_bin_adaptive_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_IMGCOMPRESS_BIN_ADAPTIVE_OFF,
        "Use the variants' qualities as they are", "off" },
    { GST_IMGCOMPRESS_BIN_ADAPTIVE_FILE_SIZE,
        "Cap qualities by the input's file-size band", "file-size" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImgcompressBinAdaptive", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_IMGCOMPRESS_BIN_OUTPUT (gst_imgcompress_bin_output_get_type ())
static GType
gst_imgcompress_bin_output_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_IMGCOMPRESS_BIN_OUTPUT_FILES,
        "Write files under output-dir, through metricsink", "files" },
    { GST_IMGCOMPRESS_BIN_OUTPUT_PADS,
        "Push each output on a source pad src_VARIANT_FORMAT", "pads" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImgcompressBinOutput", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_IMGCOMPRESS_BIN_ON_ERROR                                      \
  (gst_imgcompress_bin_on_error_get_type ())
static GType
gst_imgcompress_bin_on_error_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_IMGCOMPRESS_BIN_ON_ERROR_STOP,
        "A failed image is an error: the stream stops", "stop" },
    { GST_IMGCOMPRESS_BIN_ON_ERROR_SKIP,
        "A failed image is reported (warning and image-done message) and "
        "skipped; the stream goes on",
        "skip" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImgcompressBinOnError", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_IMGCOMPRESS_BIN_ICC (gst_imgcompress_bin_icc_get_type ())
static GType
gst_imgcompress_bin_icc_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_IMGCOMPRESS_BIN_ICC_CONVERT,
        "Convert images with an embedded profile to sRGB", "convert" },
    { GST_IMGCOMPRESS_BIN_ICC_KEEP,
        "Keep the pixels and embed the source's profile in the outputs",
        "keep" },
    { GST_IMGCOMPRESS_BIN_ICC_IGNORE,
        "Ignore embedded profiles: pixels as they are, no profile", "ignore" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImgcompressBinIcc", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define GST_TYPE_IMGCOMPRESS_BIN_METADATA                                      \
  (gst_imgcompress_bin_metadata_get_type ())
static GType
gst_imgcompress_bin_metadata_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    { GST_IMGCOMPRESS_BIN_METADATA_NONE,
        "No EXIF, XMP or GPS metadata in the outputs", "none" },
    { GST_IMGCOMPRESS_BIN_METADATA_COPYRIGHT,
        "Keep the artist and copyright (EXIF Artist and Copyright, XMP "
        "dc:creator and dc:rights), nothing else",
        "copyright" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type)) {
    GType t = g_enum_register_static ("GstImgcompressBinMetadata", values);
    g_once_init_leave (&type, t);
  }
  return type;
}

#define gst_imgcompress_bin_parent_class parent_class
G_DEFINE_TYPE (GstImgcompressBin, gst_imgcompress_bin, GST_TYPE_BIN);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (imgcompressbin, "imgcompressbin",
    GST_RANK_NONE, GST_TYPE_IMGCOMPRESS_BIN,
    GST_DEBUG_CATEGORY_INIT (gst_imgcompress_bin_debug, "imgcompressbin", 0,
        "imgcompressbin"));

static void gst_imgcompress_bin_finalize (GObject *object);
static void gst_imgcompress_bin_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec);
static void gst_imgcompress_bin_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_imgcompress_bin_change_state (GstElement
                                                                  *element,
    GstStateChange transition);
static void gst_imgcompress_bin_handle_message (GstBin *bin,
    GstMessage *message);

static void
gst_imgcompress_bin_class_init (GstImgcompressBinClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBinClass *bin_class = GST_BIN_CLASS (klass);

  gobject_class->finalize = gst_imgcompress_bin_finalize;
  gobject_class->set_property = gst_imgcompress_bin_set_property;
  gobject_class->get_property = gst_imgcompress_bin_get_property;

  g_object_class_install_property (gobject_class, PROP_VARIANTS,
      g_param_spec_string ("variants", "Variants",
          "Comma-separated name:max-dimension:jpeg-quality:webp-quality "
          "variants, one output directory each; read when going to READY "
          "(default thumbnail:150:80:75,preview:500:85:80,full:2048:90:85)",
          DEFAULT_VARIANTS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_FORMATS,
      g_param_spec_string ("formats", "Formats",
          "Output formats: jpeg, webp or jpeg,webp; read when going to "
          "READY (default jpeg,webp)",
          DEFAULT_FORMATS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_OUTPUT_DIR,
      g_param_spec_string ("output-dir", "Output directory",
          "Directory the files are written under, created when missing; "
          "read when going to READY (default \".\", the current directory)",
          DEFAULT_OUTPUT_DIR, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location template",
          "Path of each file under output-dir, as metricsink's location: "
          "{name} {variant} {ext} {index} and %Y %m %d %H are replaced "
          "(default {variant}/{name}.{ext})",
          DEFAULT_LOCATION, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_ADAPTIVE,
      g_param_spec_enum ("adaptive", "Adaptive quality",
          "Whether the input's file size caps the variants' qualities, "
          "following bands (default file-size)",
          GST_TYPE_IMGCOMPRESS_BIN_ADAPTIVE, DEFAULT_ADAPTIVE,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_BANDS,
      g_param_spec_string ("bands", "Quality bands",
          "Comma-separated size:jpeg-quality:webp-quality bands: inputs "
          "smaller than size (e.g. 1MiB) get those quality caps, '*' matches "
          "any size (default 1MiB:85:80,5MiB:80:75,*:75:70)",
          DEFAULT_BANDS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MAX_PIXELS,
      g_param_spec_uint64 ("max-pixels", "Maximum pixels",
          "Images with more pixels are refused with an error before "
          "decoding (0 = no limit; default 100000000)",
          0, G_MAXUINT64, DEFAULT_MAX_PIXELS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_MAX_INPUT_BYTES,
      g_param_spec_uint64 ("max-input-bytes", "Maximum input bytes",
          "Images whose encoded data is larger are refused with an error, "
          "before more of it is kept (0 = no limit; default 268435456, "
          "256 MiB)",
          0, G_MAXUINT64, DEFAULT_MAX_INPUT_BYTES,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_OVERWRITE,
      g_param_spec_boolean ("overwrite", "Overwrite",
          "Replace existing files; when FALSE an existing file is an error "
          "and is left untouched (default FALSE)",
          DEFAULT_OVERWRITE, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_BACKGROUND,
      g_param_spec_uint ("background", "Background",
          "Colour (0xAARRGGBB, alpha ignored) that images with alpha are "
          "flattened on for JPEG, which has no alpha; WebP keeps the alpha "
          "(default 0xFFFFFFFF, white)",
          0, G_MAXUINT32, DEFAULT_BACKGROUND,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_PROGRESSIVE_FROM,
      g_param_spec_uint ("progressive-from", "Progressive from",
          "JPEG variants whose max-dimension is at least this many pixels "
          "are written progressive, which makes large images smaller and "
          "small ones larger (0 = every variant, G_MAXUINT = none; default "
          "400)",
          0, G_MAXUINT, DEFAULT_PROGRESSIVE_FROM,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_WEBP_METHOD,
      g_param_spec_int ("webp-method", "WebP method",
          "libwebp method (0 fast .. 6 slow and small) for every WebP "
          "variant, or -1 for 4 below 1000 px and 2 from 1000 px, which "
          "halves the time of large variants for 2 % more bytes (default -1)",
          -1, 6, DEFAULT_WEBP_METHOD,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_OUTPUT,
      g_param_spec_enum ("output", "Output",
          "Where the encoded images go: files under output-dir, or one "
          "source pad per variant and format (src_thumbnail_jpeg, ...), each "
          "buffer with its GstImgcompressImageMeta and encode meta; read "
          "when going to READY (default files)",
          GST_TYPE_IMGCOMPRESS_BIN_OUTPUT, DEFAULT_OUTPUT,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_ON_ERROR,
      g_param_spec_enum ("on-error", "On error",
          "What a failed image (unreadable, damaged, too large) does: stop "
          "the stream with an error, or be reported in a warning and an "
          "imgcompress-image-done message and skipped, the next image going "
          "on (default stop)",
          GST_TYPE_IMGCOMPRESS_BIN_ON_ERROR, DEFAULT_ON_ERROR,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_ICC,
      g_param_spec_enum ("icc", "ICC profiles",
          "What becomes of an embedded ICC profile: the image is converted "
          "to sRGB after the reduction (imgiccconvert), or keeps its pixels "
          "and its profile is embedded in the outputs, or the profile is "
          "ignored; untagged and sRGB images are untouched in every mode; "
          "read when going to READY (default convert)",
          GST_TYPE_IMGCOMPRESS_BIN_ICC, DEFAULT_ICC,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_METADATA,
      g_param_spec_enum ("metadata", "Metadata",
          "Which metadata of the input the outputs carry: none (no EXIF, "
          "XMP or GPS; the orientation is applied to the pixels) or the "
          "artist and copyright only; read when going to READY (default "
          "none)",
          GST_TYPE_IMGCOMPRESS_BIN_METADATA, DEFAULT_METADATA,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_HOLD_VARIANTS,
      g_param_spec_string ("hold-variants", "Hold variants",
          "Comma-separated variants whose files are left under their "
          "temporary names for the application to commit (metricsink's hold; "
          "the metrics name each held-location); output=files only, read "
          "when the branches are built (default \"\", none)",
          DEFAULT_HOLD_VARIANTS, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_pad_template (element_class, make_sink_template ());
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class,
      "Image variant compressor", "Sink/Encoder/Image/Bin",
      "Writes thumbnail, preview and full variants of an image as JPEG and "
      "WebP files, with metrics on the bus",
      "gst-imgcompress authors");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_imgcompress_bin_change_state);
  bin_class->handle_message =
      GST_DEBUG_FUNCPTR (gst_imgcompress_bin_handle_message);

  gst_type_mark_as_plugin_api (GST_TYPE_IMGCOMPRESS_BIN_ADAPTIVE, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_IMGCOMPRESS_BIN_OUTPUT, 0);
  gst_type_mark_as_plugin_api (GST_TYPE_IMGCOMPRESS_BIN_ON_ERROR, 0);
}

static GstElement *
make_child (GstImgcompressBin *self, const gchar *factory, const gchar *name)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        (_ ("Missing element '%s': check the GStreamer installation."),
            factory),
        (NULL));
    return NULL;
  }
  gst_bin_add (GST_BIN (self), element);
  return element;
}

/* Images in flight: each is recorded when its image event leaves
 * adaptivequality, collects one output per slot (a variant in a format),
 * and is reported in one imgcompress-image-done message when the last
 * output is in, or when it failed. */
typedef struct
{
  GstImgcompressImageInfo info;
  GArray *outputs; /* GstImgcompressMetrics */
  gboolean *seen; /* per slot */
  guint n_seen;
} ImageRecord;

static ImageRecord *
image_record_new (const GstImgcompressImageInfo *info, guint n_slots)
{
  ImageRecord *record = g_new0 (ImageRecord, 1);

  gst_imgcompress_image_info_init (&record->info);
  record->info = *info;
  record->info.name = g_strdup (info->name);
  record->info.id = g_strdup (info->id);
  record->outputs = g_array_new (FALSE, TRUE, sizeof (GstImgcompressMetrics));
  g_array_set_clear_func (record->outputs,
      (GDestroyNotify) gst_imgcompress_metrics_clear);
  record->seen = g_new0 (gboolean, MAX (n_slots, 1));
  return record;
}

static void
image_record_free (gpointer data)
{
  ImageRecord *record = data;

  gst_imgcompress_image_info_clear (&record->info);
  g_array_unref (record->outputs);
  g_free (record->seen);
  g_free (record);
}

static GQuark
slot_quark (void)
{
  static GQuark quark = 0;

  if (quark == 0)
    quark = g_quark_from_static_string ("imgcompressbin-slot");
  return quark;
}

/* The slot an output element serves, or -1 for other elements. */
static gint
slot_of (GstObject *element)
{
  return GPOINTER_TO_INT (g_object_get_qdata (G_OBJECT (element),
             slot_quark ())) -
      1;
}

static void
post_image_done (GstImgcompressBin *self, ImageRecord *record,
    const GError *error, const gchar *debug)
{
  GstMessage *msg = gst_imgcompress_image_done_message_new (GST_OBJECT (self),
      &record->info, (const GstImgcompressMetrics *) record->outputs->data,
      record->outputs->len, error, debug);

  GST_DEBUG_OBJECT (self, "image %" G_GUINT64_FORMAT " (%s) done: %s",
      record->info.index, record->info.name, error ? error->message : "ok");
  gst_element_post_message (GST_ELEMENT (self), msg);
}

static void
start_image_record (GstImgcompressBin *self,
    const GstImgcompressImageInfo *info)
{
  ImageRecord *record = image_record_new (info, self->slots->len);

  g_mutex_lock (&self->images_lock);
  self->images = g_list_append (self->images, record);
  g_mutex_unlock (&self->images_lock);
}

static ImageRecord *
take_record_locked (GstImgcompressBin *self, guint64 index)
{
  GList *l;

  for (l = self->images; l != NULL; l = l->next) {
    ImageRecord *record = l->data;

    if (record->info.index == index) {
      self->images = g_list_delete_link (self->images, l);
      return record;
    }
  }
  return NULL;
}

static void
report_missing_output (GstImgcompressBin *self, ImageRecord *record, guint slot)
{
  const GstImgcompressBinOutputSlot *s =
      &g_array_index (self->slots, GstImgcompressBinOutputSlot, slot);
  GError *error = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_FAILED,
      _ ("Image \"%s\" gave no %s %s output."), record->info.name, s->variant,
      gst_imgcompress_format_to_string (s->format));

  post_image_done (self, record, error, NULL);
  g_error_free (error);
}

/* Takes @metrics.  Each branch delivers the images in order, so an older
 * image still missing this slot's output will never get it. */
static void
record_output (GstImgcompressBin *self, guint slot,
    GstImgcompressMetrics *metrics)
{
  GList *l, *next, *lost = NULL;
  ImageRecord *done = NULL;

  g_mutex_lock (&self->images_lock);
  for (l = self->images; l != NULL; l = next) {
    ImageRecord *record = l->data;

    next = l->next;
    if (record->info.index < metrics->image_index && !record->seen[slot]) {
      self->images = g_list_delete_link (self->images, l);
      lost = g_list_append (lost, record);
    } else if (record->info.index == metrics->image_index &&
        slot < self->slots->len && !record->seen[slot]) {
      record->seen[slot] = TRUE;
      g_array_append_val (record->outputs, *metrics);
      gst_imgcompress_metrics_init (metrics);
      if (++record->n_seen == self->slots->len) {
        self->images = g_list_delete_link (self->images, l);
        done = record;
      }
      break;
    }
  }
  g_mutex_unlock (&self->images_lock);

  for (l = lost; l != NULL; l = l->next) {
    report_missing_output (self, l->data, slot);
    image_record_free (l->data);
  }
  g_list_free (lost);
  if (done) {
    post_image_done (self, done, NULL, NULL);
    image_record_free (done);
  }
  gst_imgcompress_metrics_clear (metrics);
}

/* Which image an error of the input side is about: adaptivequality says so
 * in the error's details; a decoder's error is about the image it was
 * given last. */
static gboolean
failed_image_index (GstImgcompressBin *self, GstMessage *msg,
    GstImgcompressImageInfo *info)
{
  const GstStructure *details = NULL;

  gst_imgcompress_image_info_init (info);
  gst_message_parse_error_details (msg, &details);
  if (details &&
      gst_structure_get_uint64 (details, "image-index", &info->index)) {
    info->name = g_strdup (gst_structure_get_string (details, "image-name"));
    info->id = g_strdup (gst_structure_get_string (details, "image-id"));
    return TRUE;
  }
  if (self->input_index == 0)
    return FALSE;
  info->index = self->input_index - 1;
  return TRUE;
}

/* The record of the image an input-side error is about, taken out of the
 * images in flight; NULL when there is none or it was reported already
 * (a decoder may say twice what is wrong with one image). */
static ImageRecord *
take_failed_record (GstImgcompressBin *self, GstMessage *msg)
{
  GstImgcompressImageInfo info;
  ImageRecord *record;

  if (!failed_image_index (self, msg, &info))
    return NULL;
  if (self->failed_index == info.index + 1) {
    gst_imgcompress_image_info_clear (&info);
    return NULL;
  }
  self->failed_index = info.index + 1;

  g_mutex_lock (&self->images_lock);
  record = take_record_locked (self, info.index);
  g_mutex_unlock (&self->images_lock);
  if (record == NULL)
    record = image_record_new (&info, self->slots->len);
  gst_imgcompress_image_info_clear (&info);
  return record;
}

static void
report_failed_record (GstImgcompressBin *self, ImageRecord *record,
    GstMessage *msg)
{
  GError *error = NULL;
  gchar *debug = NULL;

  gst_message_parse_error (msg, &error, &debug);
  post_image_done (self, record, error, debug);
  image_record_free (record);
  g_clear_error (&error);
  g_free (debug);
}

static void
fail_image (GstImgcompressBin *self, GstMessage *msg)
{
  ImageRecord *record = take_failed_record (self, msg);

  if (record)
    report_failed_record (self, record, msg);
}

/* variantsplit is on the input side too: it reports images whose picture
 * never came, which the bin has usually reported already. */
static gboolean
is_input_element (GstImgcompressBin *self, GstObject *src)
{
  return src == GST_OBJECT (self->adaptivequality) ||
      src == GST_OBJECT (self->variantsplit) ||
      (self->decoder != NULL &&
          (src == GST_OBJECT (self->decoder) ||
              gst_object_has_as_ancestor (src, GST_OBJECT (self->decoder))));
}

/* In skip mode the error becomes a warning with the same text, so that
 * gst-launch users still read it, and the stream goes on. */
static GstMessage *
error_to_warning (GstMessage *msg)
{
  const GstStructure *details = NULL;
  GstMessage *warning;
  GError *error = NULL;
  gchar *debug = NULL;

  gst_message_parse_error (msg, &error, &debug);
  gst_message_parse_error_details (msg, &details);
  warning = gst_message_new_warning_with_details (GST_MESSAGE_SRC (msg), error,
      debug, details ? gst_structure_copy (details) : NULL);
  g_error_free (error);
  g_free (debug);
  return warning;
}

/* In skip mode the warning comes first and the image-done message after
 * it, so that whoever ends the image on that message has seen why. */
static gboolean
handle_input_error (GstImgcompressBin *self, GstMessage *msg)
{
  GstImgcompressBinOnError on_error;
  ImageRecord *record;

  if (!is_input_element (self, GST_MESSAGE_SRC (msg)))
    return FALSE;
  record = take_failed_record (self, msg);

  GST_OBJECT_LOCK (self);
  on_error = self->on_error;
  GST_OBJECT_UNLOCK (self);
  if (on_error != GST_IMGCOMPRESS_BIN_ON_ERROR_SKIP) {
    if (record)
      report_failed_record (self, record, msg);
    return FALSE;
  }

  if (GST_MESSAGE_SRC (msg) != GST_OBJECT (self->adaptivequality))
    self->decoder_failed = TRUE;
  g_atomic_int_set (&self->swallow_errors, 1);
  if (record) {
    GST_BIN_CLASS (parent_class)
        ->handle_message (GST_BIN (self), error_to_warning (msg));
    report_failed_record (self, record, msg);
  }
  gst_message_unref (msg);
  return TRUE;
}

/* A sink with async=false that gets its first object (here the EOS of a
 * refused input) while it goes from PAUSED to PLAYING still posts
 * ASYNC_DONE, though it never posted ASYNC_START (basesink's commit_state
 * posts it whatever the async property).  GstBin, in the middle of its own
 * change to PLAYING, then takes it for a child's commit and completes
 * itself at PAUSED: it never reaches PLAYING, never forwards the sinks'
 * EOS, and the application waits for an EOS that does not come.  Our
 * sinks never go async, so an ASYNC_DONE of theirs says nothing. */
static gboolean
is_spurious_async_done (GstMessage *msg)
{
  GstObject *src = GST_MESSAGE_SRC (msg);

  return GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ASYNC_DONE &&
      GST_IS_BASE_SINK (src) &&
      !gst_base_sink_is_async_enabled (GST_BASE_SINK (src));
}

static void
gst_imgcompress_bin_handle_message (GstBin *bin, GstMessage *msg)
{
  GstImgcompressBin *self = GST_IMGCOMPRESS_BIN (bin);
  GstImgcompressMetrics metrics;
  gint slot;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ERROR:
      if (handle_input_error (self, msg))
        return;
      break;
    case GST_MESSAGE_ASYNC_DONE:
      if (is_spurious_async_done (msg)) {
        GST_DEBUG_OBJECT (self, "dropping ASYNC_DONE of non-async %s",
            GST_MESSAGE_SRC_NAME (msg));
        gst_message_unref (msg);
        return;
      }
      break;
    case GST_MESSAGE_ELEMENT:
      slot = slot_of (GST_MESSAGE_SRC (msg));
      if (slot >= 0 && gst_imgcompress_metrics_message_parse (msg, &metrics)) {
        GST_BIN_CLASS (parent_class)->handle_message (bin, msg);
        record_output (self, slot, &metrics);
        return;
      }
      break;
    default:
      break;
  }
  GST_BIN_CLASS (parent_class)->handle_message (bin, msg);
}

static GstFlowReturn
filter_flow (GstImgcompressBin *self, GstFlowReturn ret)
{
  if (ret == GST_FLOW_ERROR && g_atomic_int_get (&self->swallow_errors)) {
    GST_LOG_OBJECT (self, "the image failed and was skipped");
    return GST_FLOW_OK;
  }
  return ret;
}

static void check_input_image_decoded (GstImgcompressBin *self, gboolean drain);

/* The last buffer of an image (flagged MARKER) has gone through the
 * decoder: an image that gave no frame then is cut short, and is reported
 * at once rather than when the next image comes. */
static GstFlowReturn
sink_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstImgcompressBin *self = GST_IMGCOMPRESS_BIN (parent);
  gboolean last = GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_MARKER);
  GstFlowReturn ret = gst_proxy_pad_chain_default (pad, parent, buffer);

  if (last && ret == GST_FLOW_OK)
    check_input_image_decoded (self, TRUE);
  return filter_flow (self, ret);
}

static GstFlowReturn
sink_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  return filter_flow (GST_IMGCOMPRESS_BIN (parent),
      gst_proxy_pad_chain_list_default (pad, parent, list));
}

static GstPadProbeReturn on_input (GstPad *pad, GstPadProbeInfo *info,
    gpointer user_data);
static GstPadProbeReturn on_decoded (GstPad *pad, GstPadProbeInfo *info,
    gpointer user_data);
static GstFlowReturn sink_chain (GstPad *pad, GstObject *parent,
    GstBuffer *buffer);
static GstFlowReturn sink_chain_list (GstPad *pad, GstObject *parent,
    GstBufferList *list);

static void
gst_imgcompress_bin_init (GstImgcompressBin *self)
{
  GstPadTemplate *templ;
  GstPad *pad;

  self->variants = g_strdup (DEFAULT_VARIANTS);
  self->formats = g_strdup (DEFAULT_FORMATS);
  self->output_dir = g_strdup (DEFAULT_OUTPUT_DIR);
  self->location = g_strdup (DEFAULT_LOCATION);
  self->hold_variants = g_strdup (DEFAULT_HOLD_VARIANTS);
  self->adaptive = DEFAULT_ADAPTIVE;
  self->bands = g_strdup (DEFAULT_BANDS);
  self->max_pixels = DEFAULT_MAX_PIXELS;
  self->max_input_bytes = DEFAULT_MAX_INPUT_BYTES;
  self->overwrite = DEFAULT_OVERWRITE;
  self->background = DEFAULT_BACKGROUND;
  self->progressive_from = DEFAULT_PROGRESSIVE_FROM;
  self->webp_method = DEFAULT_WEBP_METHOD;
  self->output = DEFAULT_OUTPUT;
  self->on_error = DEFAULT_ON_ERROR;
  self->icc = DEFAULT_ICC;
  self->metadata = DEFAULT_METADATA;
  self->slots = g_array_new (FALSE, TRUE, sizeof (GstImgcompressBinOutputSlot));
  g_mutex_init (&self->images_lock);

  /* adaptivequality reads the header and gives the stream its caps, from
   * which the decoder is chosen. */
  self->adaptivequality =
      gst_element_factory_make ("adaptivequality", "adaptivequality");
  gst_bin_add (GST_BIN (self), self->adaptivequality);
  pad = gst_element_get_static_pad (self->adaptivequality, "src");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_BUFFER |
          GST_PAD_PROBE_TYPE_BUFFER_LIST,
      on_input, self, NULL);
  gst_object_unref (pad);

  /* the ghost pad takes its own reference to the template */
  templ =
      gst_element_class_get_pad_template (GST_ELEMENT_GET_CLASS (self), "sink");
  gst_object_ref (templ);
  pad = gst_element_get_static_pad (self->adaptivequality, "sink");
  self->sinkpad = gst_ghost_pad_new_from_template ("sink", pad, templ);
  gst_object_unref (pad);
  /* A failed image must not end the stream when it is skipped: its flow
   * error stops here. */
  gst_pad_set_chain_function (self->sinkpad, GST_DEBUG_FUNCPTR (sink_chain));
  gst_pad_set_chain_list_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (sink_chain_list));
  gst_object_unref (templ);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
}

static void
clear_slots (GstImgcompressBin *self)
{
  guint i;

  for (i = 0; i < self->slots->len; i++)
    g_free (g_array_index (self->slots, GstImgcompressBinOutputSlot, i)
                .variant);
  g_array_set_size (self->slots, 0);
}

static void
gst_imgcompress_bin_finalize (GObject *object)
{
  GstImgcompressBin *self = GST_IMGCOMPRESS_BIN (object);

  g_free (self->variants);
  g_free (self->formats);
  g_free (self->output_dir);
  g_free (self->location);
  g_free (self->hold_variants);
  g_free (self->bands);
  clear_slots (self);
  g_array_unref (self->slots);
  g_list_free_full (self->images, image_record_free);
  g_mutex_clear (&self->images_lock);
  g_free (self->input_name);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
replace_string (gchar **field, const GValue *value, const gchar *fallback)
{
  const gchar *s = g_value_get_string (value);

  g_free (*field);
  *field = g_strdup (s ? s : fallback);
}

static void
gst_imgcompress_bin_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstImgcompressBin *self = GST_IMGCOMPRESS_BIN (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VARIANTS:
      replace_string (&self->variants, value, DEFAULT_VARIANTS);
      break;
    case PROP_FORMATS:
      replace_string (&self->formats, value, DEFAULT_FORMATS);
      break;
    case PROP_OUTPUT_DIR:
      replace_string (&self->output_dir, value, DEFAULT_OUTPUT_DIR);
      break;
    case PROP_LOCATION:
      replace_string (&self->location, value, DEFAULT_LOCATION);
      break;
    case PROP_HOLD_VARIANTS:
      replace_string (&self->hold_variants, value, DEFAULT_HOLD_VARIANTS);
      break;
    case PROP_ADAPTIVE:
      self->adaptive = g_value_get_enum (value);
      break;
    case PROP_BANDS:
      replace_string (&self->bands, value, DEFAULT_BANDS);
      break;
    case PROP_MAX_PIXELS:
      self->max_pixels = g_value_get_uint64 (value);
      break;
    case PROP_MAX_INPUT_BYTES:
      self->max_input_bytes = g_value_get_uint64 (value);
      break;
    case PROP_OVERWRITE:
      self->overwrite = g_value_get_boolean (value);
      break;
    case PROP_BACKGROUND:
      self->background = g_value_get_uint (value);
      break;
    case PROP_PROGRESSIVE_FROM:
      self->progressive_from = g_value_get_uint (value);
      break;
    case PROP_WEBP_METHOD:
      self->webp_method = g_value_get_int (value);
      break;
    case PROP_OUTPUT:
      self->output = g_value_get_enum (value);
      break;
    case PROP_ON_ERROR:
      self->on_error = g_value_get_enum (value);
      break;
    case PROP_ICC:
      self->icc = g_value_get_enum (value);
      break;
    case PROP_METADATA:
      self->metadata = g_value_get_enum (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_imgcompress_bin_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstImgcompressBin *self = GST_IMGCOMPRESS_BIN (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VARIANTS:
      g_value_set_string (value, self->variants);
      break;
    case PROP_FORMATS:
      g_value_set_string (value, self->formats);
      break;
    case PROP_OUTPUT_DIR:
      g_value_set_string (value, self->output_dir);
      break;
    case PROP_LOCATION:
      g_value_set_string (value, self->location);
      break;
    case PROP_HOLD_VARIANTS:
      g_value_set_string (value, self->hold_variants);
      break;
    case PROP_ADAPTIVE:
      g_value_set_enum (value, self->adaptive);
      break;
    case PROP_BANDS:
      g_value_set_string (value, self->bands);
      break;
    case PROP_MAX_PIXELS:
      g_value_set_uint64 (value, self->max_pixels);
      break;
    case PROP_MAX_INPUT_BYTES:
      g_value_set_uint64 (value, self->max_input_bytes);
      break;
    case PROP_OVERWRITE:
      g_value_set_boolean (value, self->overwrite);
      break;
    case PROP_BACKGROUND:
      g_value_set_uint (value, self->background);
      break;
    case PROP_PROGRESSIVE_FROM:
      g_value_set_uint (value, self->progressive_from);
      break;
    case PROP_WEBP_METHOD:
      g_value_set_int (value, self->webp_method);
      break;
    case PROP_OUTPUT:
      g_value_set_enum (value, self->output);
      break;
    case PROP_ON_ERROR:
      g_value_set_enum (value, self->on_error);
      break;
    case PROP_ICC:
      g_value_set_enum (value, self->icc);
      break;
    case PROP_METADATA:
      g_value_set_enum (value, self->metadata);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static const gchar *
encoder_for_format (GstImgcompressFormat format)
{
  switch (format) {
    case GST_IMGCOMPRESS_FORMAT_JPEG:
      return "turbojpegenc";
    case GST_IMGCOMPRESS_FORMAT_WEBP:
      return "imgwebpenc";
    default:
      return NULL;
  }
}

static const gchar *
decoder_for_caps (GstCaps *caps)
{
  GstImgcompressFormat format = gst_imgcompress_format_from_caps (caps);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (input_formats); i++)
    if (input_formats[i].format == format)
      return input_formats[i].decoder;
  return NULL;
}

/* Exactly the input formats (a source without caps, such as filesrc,
 * sends none: adaptivequality finds the format in the header). */
static GstPadTemplate *
make_sink_template (void)
{
  GstCaps *caps = gst_caps_new_empty ();
  GstPadTemplate *templ;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (input_formats); i++)
    gst_caps_append (caps,
        gst_imgcompress_format_to_caps (input_formats[i].format));
  templ = gst_pad_template_new ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps);
  gst_caps_unref (caps);
  return templ;
}

static GstElement *
make_queue (GstImgcompressBin *self)
{
  GstElement *queue = make_child (self, "queue", NULL);

  /* One decoded frame may be tens of MB; bound by count only. */
  if (queue)
    g_object_set (queue, "max-size-bytes", 0, "max-size-time", (guint64) 0,
        "max-size-buffers", 2, NULL);
  return queue;
}

/* The settings every branch is built with, read once under the lock:
 * children are configured without it, since their notify reaches us. */
typedef struct
{
  gchar *output_dir;
  gchar *location;
  gchar **hold_variants;
  gboolean overwrite;
  guint background;
  guint progressive_from;
  gint webp_method;
  GstImgcompressBinOutput output;
  GstImgcompressBinIcc icc;
  GstImgcompressBinMetadata metadata;
} BranchSettings;

static void
read_branch_settings (GstImgcompressBin *self, BranchSettings *bs)
{
  GST_OBJECT_LOCK (self);
  bs->output_dir = g_strdup (self->output_dir);
  bs->location = g_strdup (self->location);
  bs->hold_variants = g_strsplit (self->hold_variants, ",", -1);
  bs->overwrite = self->overwrite;
  bs->background = self->background;
  bs->progressive_from = self->progressive_from;
  bs->webp_method = self->webp_method;
  bs->output = self->output;
  bs->icc = self->icc;
  bs->metadata = self->metadata;
  GST_OBJECT_UNLOCK (self);
}

static void
branch_settings_clear (BranchSettings *bs)
{
  g_free (bs->output_dir);
  g_free (bs->location);
  g_strfreev (bs->hold_variants);
}

static gint
webp_method_for (const GstImgcompressVariantInfo *variant,
    const BranchSettings *bs)
{
  if (bs->webp_method >= 0)
    return bs->webp_method;
  return variant->max_dimension >= WEBP_FAST_FROM ? WEBP_METHOD_LARGE :
                                                    WEBP_METHOD_SMALL;
}

/* In pads mode each output buffer says which image and output it is, and
 * counts for the image's image-done message. */
static GstPadProbeReturn
on_output_buffer (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstImgcompressBin *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstObject *encoder = GST_OBJECT_PARENT (pad);
  gint slot = slot_of (encoder);
  const GstImgcompressBinOutputSlot *s;
  GstImgcompressImageInfo image;
  GstImgcompressEncodeMeta *meta;
  GstImgcompressMetrics m;
  GstClockTime now = g_get_monotonic_time () * 1000;
  GstCaps *caps;

  if (slot < 0 || (guint) slot >= self->slots->len ||
      !gst_imgcompress_pad_get_image_info (pad, &image))
    return GST_PAD_PROBE_OK;
  s = &g_array_index (self->slots, GstImgcompressBinOutputSlot, slot);

  gst_imgcompress_metrics_init (&m);
  m.image = g_strdup (image.name);
  m.image_id = g_strdup (image.id);
  m.image_index = image.index;
  m.variant = g_strdup (s->variant);
  m.format = g_strdup (gst_imgcompress_format_to_string (s->format));
  caps = gst_pad_get_current_caps (pad);
  if (caps) {
    GstStructure *st = gst_caps_get_structure (caps, 0);
    gst_structure_get_int (st, "width", (gint *) &m.width);
    gst_structure_get_int (st, "height", (gint *) &m.height);
    gst_caps_unref (caps);
  }
  meta = gst_buffer_get_imgcompress_encode_meta (buffer);
  if (meta) {
    m.quality = meta->quality;
    m.encode_time = meta->encode_time;
  }
  m.input_bytes = image.input_bytes;
  m.output_bytes = gst_buffer_get_size (buffer);
  if (m.input_bytes > 0)
    m.compression_ratio = (gdouble) m.output_bytes / m.input_bytes;
  if (GST_CLOCK_TIME_IS_VALID (image.start_time) && now >= image.start_time)
    m.processing_time = now - image.start_time;

  buffer = gst_buffer_make_writable (buffer);
  gst_buffer_add_imgcompress_image_meta (buffer,
      image.id ? image.id : image.name, image.name, image.index, m.variant,
      m.format);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  gst_imgcompress_image_info_clear (&image);

  record_output (self, slot, &m);
  return GST_PAD_PROBE_OK;
}

static guint
add_slot (GstImgcompressBin *self, const gchar *variant,
    GstImgcompressFormat format)
{
  GstImgcompressBinOutputSlot slot = { g_strdup (variant), format };

  g_array_append_val (self->slots, slot);
  return self->slots->len - 1;
}

static gboolean
expose_output_pad (GstImgcompressBin *self, GstElement *encoder,
    const gchar *variant, GstImgcompressFormat format)
{
  GstPad *target = gst_element_get_static_pad (encoder, "src");
  gchar *name = g_strdup_printf ("src_%s_%s", variant,
      gst_imgcompress_format_to_string (format));
  GstPadTemplate *templ = gst_static_pad_template_get (&src_template);
  GstPad *ghost = gst_ghost_pad_new_from_template (name, target, templ);

  gst_pad_add_probe (target, GST_PAD_PROBE_TYPE_BUFFER, on_output_buffer, self,
      NULL);
  gst_object_unref (templ);
  gst_object_unref (target);
  g_free (name);
  gst_pad_set_active (ghost, TRUE);
  return gst_element_add_pad (GST_ELEMENT (self), ghost);
}

static gboolean
build_format_branch (GstImgcompressBin *self, GstElement *tee,
    const GstImgcompressVariantInfo *variant, GstImgcompressFormat format,
    const BranchSettings *bs)
{
  GstElement *queue, *encoder, *sink = NULL;
  gpointer slot =
      GUINT_TO_POINTER (add_slot (self, variant->variant, format) + 1);

  queue = make_queue (self);
  encoder = make_child (self, encoder_for_format (format), NULL);
  if (!queue || !encoder)
    return FALSE;
  if (format == GST_IMGCOMPRESS_FORMAT_JPEG)
    g_object_set (encoder, "background", bs->background, "progressive",
        variant->max_dimension >= bs->progressive_from, NULL);
  else
    g_object_set (encoder, "method", webp_method_for (variant, bs), NULL);
  if (bs->icc == GST_IMGCOMPRESS_BIN_ICC_KEEP)
    g_object_set (encoder, "embed-icc", TRUE, NULL);
  if (bs->metadata == GST_IMGCOMPRESS_BIN_METADATA_COPYRIGHT)
    g_object_set (encoder, "copyright", TRUE, NULL);

  if (bs->output == GST_IMGCOMPRESS_BIN_OUTPUT_PADS) {
    g_object_set_qdata (G_OBJECT (encoder), slot_quark (), slot);
    return gst_element_link (tee, queue) && gst_element_link (queue, encoder) &&
        expose_output_pad (self, encoder, variant->variant, format);
  }

  sink = make_child (self, "metricsink", NULL);
  if (!sink)
    return FALSE;
  g_object_set_qdata (G_OBJECT (sink), slot_quark (), slot);

  /* Not async: a sink waiting for preroll would hold its file until the
   * slowest branch had prerolled too, and thumbnails would come out with
   * the full variant instead of first. */
  g_object_set (sink, "output-dir", bs->output_dir, "location", bs->location,
      "overwrite", bs->overwrite, "async", FALSE, "hold",
      g_strv_contains ((const gchar *const *) bs->hold_variants,
          variant->variant),
      NULL);

  return gst_element_link_many (tee, queue, encoder, sink, NULL);
}

/* What a variant branch carries: planar 4:2:0 or grey for photos, packed
 * RGB(A) for PNG. */
static GstCaps *
branch_caps (void)
{
  static GstStaticCaps caps =
      GST_STATIC_CAPS ("video/x-raw, format = (string) "
                       "{ I420, GRAY8, RGBA, BGRA, ARGB, RGB, BGR }");

  return gst_static_caps_get (&caps);
}

static gboolean
build_variant_branch (GstImgcompressBin *self,
    const GstImgcompressVariantInfo *variant, GstImgcompressFormat *formats,
    guint n_formats, const BranchSettings *bs)
{
  GstElement *queue, *sizer, *tee, *last, *icc = NULL;
  GstCaps *caps;
  gchar *pad_name;
  gboolean linked;
  guint i;

  queue = make_queue (self);
  sizer = make_child (self, "imgsizer", NULL);
  tee = make_child (self, "tee", NULL);
  /* Converted after the reduction: three small frames rather than the
   * decoded one (docs/tuning.md, "Colour"). */
  if (bs->icc == GST_IMGCOMPRESS_BIN_ICC_CONVERT)
    icc = make_child (self, "imgiccconvert", NULL);
  if (!queue || !sizer || !tee ||
      (bs->icc == GST_IMGCOMPRESS_BIN_ICC_CONVERT && !icc))
    return FALSE;
  /* The box is known now: the branch negotiates once per image size,
   * rather than at full size first and again when the variant event
   * arrives. */
  g_object_set (sizer, "max-dimension", variant->max_dimension, NULL);

  pad_name = g_strdup_printf ("src_%s", variant->variant);
  linked = gst_element_link_pads (self->variantsplit, pad_name, queue, "sink");
  g_free (pad_name);
  /* 4:2:2 and 4:4:4 photos leave imgsizer as 4:2:0, as every web encoder
   * wants them: the chroma is resampled there at no extra cost. */
  caps = branch_caps ();
  last = icc ? icc : tee;
  linked = linked && gst_element_link (queue, sizer) &&
      gst_element_link_filtered (sizer, last, caps) &&
      (icc == NULL || gst_element_link (icc, tee));
  gst_caps_unref (caps);
  if (!linked)
    return FALSE;

  for (i = 0; i < n_formats; i++) {
    if (!build_format_branch (self, tee, variant, formats[i], bs))
      return FALSE;
  }
  return TRUE;
}

static gboolean
parse_formats (GstImgcompressBin *self, const gchar *str,
    GstImgcompressFormat *formats, guint *n_formats)
{
  gchar **names = g_strsplit (str, ",", -1);
  gboolean ok = TRUE;
  guint i;

  *n_formats = 0;
  for (i = 0; names[i] != NULL && ok; i++) {
    GstImgcompressFormat f =
        gst_imgcompress_format_from_string (g_strstrip (names[i]));
    if (encoder_for_format (f) == NULL || *n_formats >= 2) {
      GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
          (_ ("Unknown output format '%s': use jpeg and/or webp."), names[i]),
          (NULL));
      ok = FALSE;
    } else {
      formats[(*n_formats)++] = f;
    }
  }
  g_strfreev (names);
  if (ok && *n_formats == 0) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        (_ ("No output format given: use jpeg and/or webp.")), (NULL));
    ok = FALSE;
  }
  return ok;
}

static gboolean
build_variant_branches (GstImgcompressBin *self, const gchar *spec,
    GstImgcompressFormat *formats, guint n_formats)
{
  BranchSettings bs;
  GError *error = NULL;
  GArray *variants;
  gboolean ok = TRUE;
  guint i;

  variants = gst_imgcompress_variants_parse (spec, &error);
  if (variants == NULL) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", error->message),
        ("variants: %s", spec));
    g_error_free (error);
    return FALSE;
  }
  read_branch_settings (self, &bs);
  for (i = 0; ok && i < variants->len; i++) {
    const GstImgcompressVariantInfo *variant =
        &g_array_index (variants, GstImgcompressVariantInfo, i);

    ok = build_variant_branch (self, variant, formats, n_formats, &bs);
    if (!ok)
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          (_ ("Could not build the branch of variant '%s'."), variant->variant),
          (NULL));
  }
  branch_settings_clear (&bs);
  g_array_unref (variants);
  return ok;
}

static gboolean
build_branches (GstImgcompressBin *self)
{
  GstImgcompressFormat formats[2];
  guint n_formats;
  gchar *variants, *format_str, *bands;
  guint64 max_pixels, max_input_bytes;
  gboolean adaptive, ok;

  GST_OBJECT_LOCK (self);
  variants = g_strdup (self->variants);
  format_str = g_strdup (self->formats);
  bands = g_strdup (self->bands);
  max_pixels = self->max_pixels;
  max_input_bytes = self->max_input_bytes;
  adaptive = self->adaptive != GST_IMGCOMPRESS_BIN_ADAPTIVE_OFF;
  GST_OBJECT_UNLOCK (self);

  ok = parse_formats (self, format_str, formats, &n_formats);
  clear_slots (self);

  if (ok) {
    self->variantsplit = make_child (self, "variantsplit", "variantsplit");
    ok = self->variantsplit != NULL;
  }
  if (ok) {
    g_object_set (self->adaptivequality, "max-pixels", max_pixels,
        "max-input-bytes", max_input_bytes, "bands", bands, NULL);
    gst_util_set_object_arg (G_OBJECT (self->adaptivequality), "mode",
        adaptive ? "file-size" : "off");
    g_object_set (self->variantsplit, "variants", variants, NULL);
  }

  if (ok)
    ok = build_variant_branches (self, variants, formats, n_formats);
  g_free (variants);
  g_free (format_str);
  g_free (bands);

  self->branches_built = ok;
  return ok;
}

/* The limits are the bin's.  One file (one buffer, or what comes between
 * two image events from adaptivequality) is one image, so a decoder that
 * frames images itself takes the primary JPEG and skips what follows it:
 * MPF secondary images, gain maps, trailing bytes. */
static void
configure_decoder (GstImgcompressBin *self, GstElement *decoder)
{
  GObjectClass *klass = G_OBJECT_GET_CLASS (decoder);
  guint64 max_pixels, max_input_bytes;

  GST_OBJECT_LOCK (self);
  max_pixels = self->max_pixels;
  max_input_bytes = self->max_input_bytes;
  GST_OBJECT_UNLOCK (self);

  if (g_object_class_find_property (klass, "max-pixels"))
    g_object_set (decoder, "max-pixels", max_pixels, NULL);
  if (g_object_class_find_property (klass, "max-input-bytes"))
    g_object_set (decoder, "max-input-bytes", max_input_bytes, NULL);
  if (g_object_class_find_property (klass, "framing"))
    gst_util_set_object_arg (G_OBJECT (decoder), "framing", "image");
}

/* The decoder, in a bin of its own so that it is replaced as one piece. */
static GstElement *
make_decode_chain (GstImgcompressBin *self, const gchar *factory)
{
  GstElement *chain, *decoder;
  GstPad *pad;

  decoder = gst_element_factory_make (factory, NULL);
  if (decoder == NULL) {
    GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
        (_ ("Missing element '%s': check the GStreamer installation."),
            factory),
        (NULL));
    return NULL;
  }
  configure_decoder (self, decoder);

  chain = gst_bin_new ("decoder");
  gst_bin_add (GST_BIN (chain), decoder);

  pad = gst_element_get_static_pad (decoder, "sink");
  gst_element_add_pad (chain, gst_ghost_pad_new ("sink", pad));
  gst_object_unref (pad);
  pad = gst_element_get_static_pad (decoder, "src");
  gst_element_add_pad (chain, gst_ghost_pad_new ("src", pad));
  gst_object_unref (pad);
  return chain;
}

static gboolean
plug_decoder (GstImgcompressBin *self, GstCaps *caps)
{
  const gchar *factory = decoder_for_caps (caps);
  GstElement *decoder;
  GstPad *pad;

  GST_DEBUG_OBJECT (self, "input type %" GST_PTR_FORMAT, caps);

  if (factory == NULL) {
    gchar *desc = gst_caps_to_string (caps);
    GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
        (_ ("The input is not a JPEG, PNG, WebP, HEIF, AVIF, GIF, TIFF or "
            "BMP image.")),
        ("input caps %s", desc));
    g_free (desc);
    return FALSE;
  }

  decoder = make_decode_chain (self, factory);
  if (decoder == NULL)
    return FALSE;
  gst_bin_add (GST_BIN (self), decoder);
  if (!gst_element_link_many (self->adaptivequality, decoder,
          self->variantsplit, NULL)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        (_ ("Could not link the %s decoder."), factory), (NULL));
    return FALSE;
  }
  self->decoder = decoder;
  self->decoder_format = gst_imgcompress_format_from_caps (caps);
  self->decoder_failed = FALSE;
  pad = gst_element_get_static_pad (decoder, "src");
  gst_pad_add_probe (pad,
      GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
      on_decoded, self, NULL);
  gst_object_unref (pad);
  gst_element_sync_state_with_parent (decoder);
  return TRUE;
}

typedef struct
{
  GstEvent *stream_start;
  GstEvent *segment;
  GstEvent *eos;
} BranchEnd;

static void
end_branch (const GValue *item, gpointer user_data)
{
  GstPad *peer = gst_pad_get_peer (g_value_get_object (item));
  BranchEnd *end = user_data;

  if (peer == NULL)
    return;
  gst_pad_send_event (peer, gst_event_ref (end->stream_start));
  gst_pad_send_event (peer, gst_event_ref (end->segment));
  gst_pad_send_event (peer, gst_event_ref (end->eos));
  gst_object_unref (peer);
}

/* An input refused before its type was known gets no decoder, so its EOS
 * would stop at adaptivequality's unlinked pad and the sinks would never
 * end: an application waiting for EOS would wait forever (gst-launch does,
 * when the error came before its main loop ran).  The EOS is delivered to
 * every branch instead, past variantsplit, which would report a second
 * error for the picture that never came. */
static void
end_branches_without_decoder (GstImgcompressBin *self, GstPad *pad,
    GstEvent *eos)
{
  GstIterator *it;
  GstSegment segment;
  BranchEnd end;

  if (self->variantsplit == NULL)
    return;
  GST_DEBUG_OBJECT (self, "input ended with no decoder: ending the branches");
  end.stream_start = gst_pad_get_sticky_event (pad, GST_EVENT_STREAM_START, 0);
  if (end.stream_start == NULL) {
    gchar *id = gst_pad_create_stream_id (pad, GST_ELEMENT (self), NULL);
    end.stream_start = gst_event_new_stream_start (id);
    g_free (id);
  }
  gst_segment_init (&segment, GST_FORMAT_TIME);
  end.segment = gst_event_new_segment (&segment);
  end.eos = eos;

  it = gst_element_iterate_src_pads (self->variantsplit);
  while (gst_iterator_foreach (it, end_branch, &end) == GST_ITERATOR_RESYNC)
    gst_iterator_resync (it);
  gst_iterator_free (it);
  gst_event_unref (end.stream_start);
  gst_event_unref (end.segment);
}

/* The next input may be of another format: it gets its own decoder.
 * Called in the streaming thread, from the probe on adaptivequality's
 * source pad, while nothing flows into the decoder. */
static void
remove_decoder (GstImgcompressBin *self)
{
  GstElement *decoder = self->decoder;

  if (decoder == NULL)
    return;
  self->decoder = NULL;
  /* Locked, a state change of the bin under way in another thread (the
   * application stopping the pipeline) leaves it alone: it would set the
   * removed decoder back to PAUSED and drop it there. */
  gst_element_set_locked_state (decoder, TRUE);
  gst_element_unlink_many (self->adaptivequality, decoder, self->variantsplit,
      NULL);
  gst_element_set_state (decoder, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), decoder);
}

/* Each image gets the decoder of its format: the first caps plug one, caps
 * of another format replace it, and a decoder that failed on the last
 * image is replaced by a fresh one before the next. */
static void
choose_decoder (GstImgcompressBin *self, GstCaps *caps)
{
  GstImgcompressFormat format = gst_imgcompress_format_from_caps (caps);

  if (self->decoder != NULL &&
      (self->decoder_format != format || self->decoder_failed)) {
    GST_DEBUG_OBJECT (self, "replacing the %s decoder for a %s image",
        gst_imgcompress_format_to_string (self->decoder_format),
        gst_imgcompress_format_to_string (format));
    remove_decoder (self);
  }
  if (self->decoder == NULL)
    plug_decoder (self, caps);
}

/* An image that reached the decoder, gave no frame and no error before
 * the next image (or the end) came was cut short: its decoder still waits
 * for the rest, and would take the next image's bytes for it. */
/* The decoder still holds the image: an EOS makes it decode what it has or
 * say what is wrong (its own message is the most precise).  The EOS stops
 * at its source pad (on_decoded), and the decoder, ended, is replaced
 * before the next image. */
static void
drain_decoder (GstImgcompressBin *self)
{
  GstPad *sink;

  if (self->decoder == NULL)
    return;
  sink = gst_element_get_static_pad (self->decoder, "sink");
  self->draining = TRUE;
  gst_pad_send_event (sink, gst_event_new_eos ());
  self->draining = FALSE;
  gst_object_unref (sink);
  self->decoder_failed = TRUE;
}

static void
report_unfinished_image (GstImgcompressBin *self)
{
  GstImgcompressBinOnError on_error;
  GstMessage *msg;
  GError *error;
  gchar *debug;

  error = g_error_new (GST_STREAM_ERROR, GST_STREAM_ERROR_DECODE,
      _ ("The %s image \"%s\" is truncated or corrupt: its data ends before "
         "the image is complete."),
      gst_imgcompress_format_display_name (self->decoder_format),
      self->input_name);
  debug = g_strdup ("the decoder gave no frame and no error for the image");
  msg = gst_message_new_error_with_details (GST_OBJECT (self->decoder ?
                                                    self->decoder :
                                                    self->adaptivequality),
      error, debug,
      gst_structure_new ("details", "image-name", G_TYPE_STRING,
          self->input_name, "image-index", G_TYPE_UINT64, self->input_index - 1,
          NULL));
  g_error_free (error);
  g_free (debug);

  self->decoder_failed = TRUE;
  GST_OBJECT_LOCK (self);
  on_error = self->on_error;
  GST_OBJECT_UNLOCK (self);
  if (on_error == GST_IMGCOMPRESS_BIN_ON_ERROR_SKIP) {
    gst_imgcompress_bin_handle_message (GST_BIN (self), msg);
  } else {
    fail_image (self, msg);
    gst_element_post_message (GST_ELEMENT (self), msg);
  }
}

/* Called when the image at the input is over (its last buffer, the next
 * image, the end of the stream): an image that gave no frame and no error
 * by then is cut short or damaged.  @drain: the decoder has not seen an
 * EOS yet. */
static void
check_input_image_decoded (GstImgcompressBin *self, gboolean drain)
{
  if (self->input_index == 0 || self->input_decoded ||
      self->failed_index == self->input_index)
    return;
  if (drain)
    drain_decoder (self);
  if (!self->input_decoded && self->failed_index != self->input_index)
    report_unfinished_image (self);
}

static GstPadProbeReturn
on_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstImgcompressBin *self = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    self->input_decoded = TRUE;
  } else if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) ==
      GST_EVENT_EOS) {
    if (self->draining)
      return GST_PAD_PROBE_DROP;
    check_input_image_decoded (self, FALSE);
  }
  return GST_PAD_PROBE_OK;
}

static void
begin_input_image (GstImgcompressBin *self, GstPad *pad, GstEvent *event)
{
  GstImgcompressImageInfo info;
  GstCaps *caps;

  if (!gst_imgcompress_image_event_parse (event, &info))
    return;
  check_input_image_decoded (self, TRUE);
  if (self->decoder_failed) {
    caps = gst_pad_get_current_caps (pad);
    if (caps) {
      choose_decoder (self, caps);
      gst_caps_unref (caps);
    }
  }
  g_atomic_int_set (&self->swallow_errors, 0);
  self->input_index = info.index + 1;
  self->input_decoded = FALSE;
  g_free (self->input_name);
  self->input_name = g_strdup (info.name);
  start_image_record (self, &info);
  gst_imgcompress_image_info_clear (&info);
}

/* On adaptivequality's source pad: picks the decoder from the caps,
 * records each image as it enters, and drops what is left of an image
 * its decoder failed on. */
static GstPadProbeReturn
on_input (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstImgcompressBin *self = user_data;
  GstEvent *event;
  GstCaps *caps;

  if (!(info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM))
    return self->decoder_failed ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;

  event = GST_PAD_PROBE_INFO_EVENT (info);
  switch (GST_EVENT_TYPE (event)) {
    case GST_EVENT_CAPS:
      /* A new format ends the previous image too: it is checked by its own
       * decoder before that is replaced.  (Caps of the same format are
       * also what a new decoder is given again when it is linked.) */
      gst_event_parse_caps (event, &caps);
      if (self->decoder != NULL &&
          gst_imgcompress_format_from_caps (caps) != self->decoder_format)
        check_input_image_decoded (self, TRUE);
      choose_decoder (self, caps);
      break;
    case GST_EVENT_CUSTOM_DOWNSTREAM_STICKY:
      begin_input_image (self, pad, event);
      break;
    case GST_EVENT_EOS:
      if (self->decoder == NULL)
        end_branches_without_decoder (self, pad, event);
      break;
    default:
      break;
  }
  return GST_PAD_PROBE_OK;
}

static void
forget_images (GstImgcompressBin *self)
{
  g_mutex_lock (&self->images_lock);
  g_list_free_full (self->images, image_record_free);
  self->images = NULL;
  g_mutex_unlock (&self->images_lock);
  self->decoder_failed = FALSE;
  self->input_index = 0;
  self->input_decoded = FALSE;
  g_clear_pointer (&self->input_name, g_free);
  self->failed_index = 0;
  g_atomic_int_set (&self->swallow_errors, 0);
}

static GstStateChangeReturn
gst_imgcompress_bin_change_state (GstElement *element,
    GstStateChange transition)
{
  GstImgcompressBin *self = GST_IMGCOMPRESS_BIN (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY && !self->branches_built) {
    if (!build_branches (self))
      return GST_STATE_CHANGE_FAILURE;
  }
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    forget_images (self);

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY) {
    remove_decoder (self);
    forget_images (self);
  }

  return ret;
}

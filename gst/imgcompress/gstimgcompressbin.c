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
 * Turns one encoded photo (JPEG, PNG or WebP) into every size variant in
 * every output format, written as files with metrics on the bus.  It builds
 * the graph of the design brief from its properties:
 *
 * |[
 * adaptivequality ! <decoder> ! variantsplit name=s
 *   s.src_<variant> ! queue ! imgsizer ! tee name=t
 *     t. ! queue ! turbojpegenc ! metricsink
 *     t. ! queue ! imgwebpenc ! metricsink
 * ]|
 *
 * The decoder is picked from the detected type: turbojpegdec, imgwebpdec or
 * imgpngdec.  A PNG with alpha keeps it in WebP and is flattened on
 * #GstImgcompressBin:background for JPEG.
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
/* -1: libwebp's method 4 below WEBP_FAST_FROM pixels, method 2 from there
 * (measured on the corpus at 2048 px: half the encode time of the full
 * variant, for 0.0016 luma SSIM and 2 % more bytes). */
#define DEFAULT_WEBP_METHOD -1
#define WEBP_FAST_FROM 1000
#define WEBP_METHOD_SMALL 4
#define WEBP_METHOD_LARGE 2

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
};

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
        GST_STATIC_CAPS ("image/jpeg; image/png; image/webp; ANY"));

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

static void
gst_imgcompress_bin_class_init (GstImgcompressBinClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

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

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
      "Image variant compressor", "Codec/Encoder/Image/Bin",
      "Writes thumbnail, preview and full variants of an image as JPEG and "
      "WebP files, with metrics on the bus",
      "gst-imgcompress authors");

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_imgcompress_bin_change_state);

  gst_type_mark_as_plugin_api (GST_TYPE_IMGCOMPRESS_BIN_ADAPTIVE, 0);
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

static GstPadProbeReturn on_input_event (GstPad *pad, GstPadProbeInfo *info,
    gpointer user_data);

static void
gst_imgcompress_bin_init (GstImgcompressBin *self)
{
  GstPadTemplate *templ;
  GstPad *pad;

  self->variants = g_strdup (DEFAULT_VARIANTS);
  self->formats = g_strdup (DEFAULT_FORMATS);
  self->output_dir = g_strdup (DEFAULT_OUTPUT_DIR);
  self->location = g_strdup (DEFAULT_LOCATION);
  self->adaptive = DEFAULT_ADAPTIVE;
  self->bands = g_strdup (DEFAULT_BANDS);
  self->max_pixels = DEFAULT_MAX_PIXELS;
  self->max_input_bytes = DEFAULT_MAX_INPUT_BYTES;
  self->overwrite = DEFAULT_OVERWRITE;
  self->background = DEFAULT_BACKGROUND;
  self->progressive_from = DEFAULT_PROGRESSIVE_FROM;
  self->webp_method = DEFAULT_WEBP_METHOD;

  /* adaptivequality reads the header and gives the stream its caps, from
   * which the decoder is chosen. */
  self->adaptivequality =
      gst_element_factory_make ("adaptivequality", "adaptivequality");
  gst_bin_add (GST_BIN (self), self->adaptivequality);
  pad = gst_element_get_static_pad (self->adaptivequality, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_input_event,
      self, NULL);
  gst_object_unref (pad);

  /* the ghost pad takes its own reference to the template */
  templ = gst_static_pad_template_get (&sink_template);
  gst_object_ref_sink (templ);
  pad = gst_element_get_static_pad (self->adaptivequality, "sink");
  self->sinkpad = gst_ghost_pad_new_from_template ("sink", pad, templ);
  gst_object_unref (pad);
  gst_object_unref (templ);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);
}

static void
gst_imgcompress_bin_finalize (GObject *object)
{
  GstImgcompressBin *self = GST_IMGCOMPRESS_BIN (object);

  g_free (self->variants);
  g_free (self->formats);
  g_free (self->output_dir);
  g_free (self->location);
  g_free (self->bands);

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
  switch (gst_imgcompress_format_from_caps (caps)) {
    case GST_IMGCOMPRESS_FORMAT_JPEG:
      return "turbojpegdec";
    case GST_IMGCOMPRESS_FORMAT_WEBP:
      return "imgwebpdec";
    case GST_IMGCOMPRESS_FORMAT_PNG:
      return "imgpngdec";
    default:
      return NULL;
  }
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
  gboolean overwrite;
  guint background;
  guint progressive_from;
  gint webp_method;
} BranchSettings;

static void
read_branch_settings (GstImgcompressBin *self, BranchSettings *bs)
{
  GST_OBJECT_LOCK (self);
  bs->output_dir = g_strdup (self->output_dir);
  bs->location = g_strdup (self->location);
  bs->overwrite = self->overwrite;
  bs->background = self->background;
  bs->progressive_from = self->progressive_from;
  bs->webp_method = self->webp_method;
  GST_OBJECT_UNLOCK (self);
}

static void
branch_settings_clear (BranchSettings *bs)
{
  g_free (bs->output_dir);
  g_free (bs->location);
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

static gboolean
build_format_branch (GstImgcompressBin *self, GstElement *tee,
    const GstImgcompressVariantInfo *variant, GstImgcompressFormat format,
    const BranchSettings *bs)
{
  GstElement *queue, *encoder, *sink;

  queue = make_queue (self);
  encoder = make_child (self, encoder_for_format (format), NULL);
  sink = make_child (self, "metricsink", NULL);
  if (!queue || !encoder || !sink)
    return FALSE;

  /* Not async: a sink waiting for preroll would hold its file until the
   * slowest branch had prerolled too, and thumbnails would come out with
   * the full variant instead of first. */
  g_object_set (sink, "output-dir", bs->output_dir, "location", bs->location,
      "overwrite", bs->overwrite, "async", FALSE, NULL);
  if (format == GST_IMGCOMPRESS_FORMAT_JPEG)
    g_object_set (encoder, "background", bs->background, "progressive",
        variant->max_dimension >= bs->progressive_from, NULL);
  else
    g_object_set (encoder, "method", webp_method_for (variant, bs), NULL);

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
  GstElement *queue, *sizer, *tee;
  GstCaps *caps;
  gchar *pad_name;
  gboolean linked;
  guint i;

  queue = make_queue (self);
  sizer = make_child (self, "imgsizer", NULL);
  tee = make_child (self, "tee", NULL);
  if (!queue || !sizer || !tee)
    return FALSE;

  pad_name = g_strdup_printf ("src_%s", variant->variant);
  linked = gst_element_link_pads (self->variantsplit, pad_name, queue, "sink");
  g_free (pad_name);
  /* 4:2:2 and 4:4:4 photos leave imgsizer as 4:2:0, as every web encoder
   * wants them: the chroma is resampled there at no extra cost. */
  caps = branch_caps ();
  linked = linked && gst_element_link (queue, sizer) &&
      gst_element_link_filtered (sizer, tee, caps);
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

static void
plug_decoder (GstImgcompressBin *self, GstCaps *caps)
{
  const gchar *factory = decoder_for_caps (caps);
  GstElement *decoder;

  GST_DEBUG_OBJECT (self, "input type %" GST_PTR_FORMAT, caps);

  if (factory == NULL) {
    gchar *desc = gst_caps_to_string (caps);
    GST_ELEMENT_ERROR (self, STREAM, WRONG_TYPE,
        (_ ("The input is not a JPEG, PNG or WebP image.")),
        ("input caps %s", desc));
    g_free (desc);
    return;
  }

  decoder = make_decode_chain (self, factory);
  if (decoder == NULL)
    return;
  gst_bin_add (GST_BIN (self), decoder);
  if (!gst_element_link_many (self->adaptivequality, decoder,
          self->variantsplit, NULL)) {
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
        (_ ("Could not link the %s decoder."), factory), (NULL));
    return;
  }
  self->decoder = decoder;
  gst_element_sync_state_with_parent (decoder);
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

/* The first caps from adaptivequality plug the decoder, in the streaming
 * thread, before the caps go on to it. */
static GstPadProbeReturn
on_input_event (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstImgcompressBin *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS && self->decoder == NULL) {
    gst_event_parse_caps (event, &caps);
    plug_decoder (self, caps);
  } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->decoder == NULL) {
    end_branches_without_decoder (self, pad, event);
  }
  return GST_PAD_PROBE_OK;
}

/* The next input may be of another format: it gets its own decoder. */
static void
remove_decoder (GstImgcompressBin *self)
{
  if (self->decoder == NULL)
    return;
  gst_element_set_state (self->decoder, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), self->decoder);
  self->decoder = NULL;
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

  ret = GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    remove_decoder (self);

  return ret;
}

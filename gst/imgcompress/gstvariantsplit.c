/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-variantsplit
 * @title: variantsplit
 * @short_description: fans a decoded image out to one pad per size variant
 *
 * variantsplit is a tee that knows the size variants.  The
 * #GstVariantSplit:variants property lists them as
 * `name:max-dimension:jpeg-quality:webp-quality`; each request pad is
 * named `src_<name>` after a configured variant (`s.src_thumbnail` in
 * gst-launch-1.0; a pad requested without a name gets the first variant
 * that has none).  Requesting a variant that is not configured, or one
 * that already has a pad, fails with a warning on the bus.
 *
 * Each buffer goes to every pad without being copied (the same #GstBuffer,
 * one more reference per pad), smallest variant first so that thumbnails
 * come out first.  Before a pad's first buffer, and again after every caps
 * change, the pad gets a sticky `imgcompress-variant` event with its
 * variant's name, max-dimension and qualities, which imgsizer and the
 * encoders read.
 *
 * The sink pad answers the `imgcompress-size-hint` query with the largest
 * variant among the linked pads, so the decoder can decode at the smallest
 * scale that still serves every variant.  Allocation queries are
 * aggregated over the branches as tee does, and unlinked pads are handled
 * as in tee, see #GstVariantSplit:allow-not-linked.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.jpg ! turbojpegdec ! variantsplit
 * name=s \
 *     s.src_thumbnail ! queue ! imgsizer ! turbojpegenc ! filesink
 * location=thumb.jpg \ s.src_preview ! queue ! imgsizer ! turbojpegenc !
 * filesink location=preview.jpg
 * ]| Writes a 150 px thumbnail and a 500 px preview of a photo, decoding it
 * once at the scale the preview needs.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstvariantsplit.h"
#include "gstimgcompresselements.h"

#include <gst/imgcompress/gst-i18n-plugin.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_variant_split_debug);
#define GST_CAT_DEFAULT gst_variant_split_debug

#define DEFAULT_VARIANTS GST_IMGCOMPRESS_DEFAULT_VARIANTS
#define DEFAULT_ALLOW_NOT_LINKED FALSE

enum
{
  PROP_0,
  PROP_VARIANTS,
  PROP_ALLOW_NOT_LINKED,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src_%s",
    GST_PAD_SRC, GST_PAD_REQUEST, GST_STATIC_CAPS_ANY);

/* A source pad that knows its variant. */
#define GST_TYPE_VARIANT_SPLIT_PAD (gst_variant_split_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstVariantSplitPad, gst_variant_split_pad, GST,
    VARIANT_SPLIT_PAD, GstPad)

struct _GstVariantSplitPad
{
  GstPad parent;

  /* under the element's object lock */
  GstImgcompressVariantInfo variant;
  gboolean removed;
};

G_DEFINE_TYPE (GstVariantSplitPad, gst_variant_split_pad, GST_TYPE_PAD);

static void
gst_variant_split_pad_finalize (GObject *object)
{
  GstVariantSplitPad *pad = GST_VARIANT_SPLIT_PAD (object);

  gst_imgcompress_variant_info_clear (&pad->variant);
  G_OBJECT_CLASS (gst_variant_split_pad_parent_class)->finalize (object);
}

static void
gst_variant_split_pad_class_init (GstVariantSplitPadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_variant_split_pad_finalize;
}

static void
gst_variant_split_pad_init (GstVariantSplitPad *pad)
{
  gst_imgcompress_variant_info_init (&pad->variant);
}

#define gst_variant_split_parent_class parent_class
G_DEFINE_TYPE (GstVariantSplit, gst_variant_split, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (variantsplit, "variantsplit", GST_RANK_NONE,
    GST_TYPE_VARIANT_SPLIT);

static void gst_variant_split_dispose (GObject *object);
static void gst_variant_split_finalize (GObject *object);
static void gst_variant_split_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec);
static void gst_variant_split_get_property (GObject *object, guint prop_id,
    GValue *value, GParamSpec *pspec);
static GstStateChangeReturn gst_variant_split_change_state (GstElement *element,
    GstStateChange transition);
static GstPad *gst_variant_split_request_new_pad (GstElement *element,
    GstPadTemplate *templ, const gchar *name, const GstCaps *caps);
static void gst_variant_split_release_pad (GstElement *element, GstPad *pad);
static GstFlowReturn gst_variant_split_chain (GstPad *pad, GstObject *parent,
    GstBuffer *buffer);
static gboolean gst_variant_split_sink_event (GstPad *pad, GstObject *parent,
    GstEvent *event);
static gboolean gst_variant_split_sink_query (GstPad *pad, GstObject *parent,
    GstQuery *query);

static void
gst_variant_split_class_init (GstVariantSplitClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  GST_DEBUG_CATEGORY_INIT (gst_variant_split_debug, "variantsplit", 0,
      "Fan-out to size variants");

  gobject_class->dispose = gst_variant_split_dispose;
  gobject_class->finalize = gst_variant_split_finalize;
  gobject_class->set_property = gst_variant_split_set_property;
  gobject_class->get_property = gst_variant_split_get_property;

  g_object_class_install_property (gobject_class, PROP_VARIANTS,
      g_param_spec_string ("variants", "Variants",
          "Comma-separated name:max-dimension:jpeg-quality:webp-quality "
          "variants; pads are requested as src_<name> "
          "(default " DEFAULT_VARIANTS ")",
          DEFAULT_VARIANTS,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_ALLOW_NOT_LINKED,
      g_param_spec_boolean ("allow-not-linked", "Allow not linked",
          "Return GST_FLOW_OK even when no pad is linked, as tee does "
          "(default FALSE)",
          DEFAULT_ALLOW_NOT_LINKED,
          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
              GST_PARAM_MUTABLE_PLAYING));

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_variant_split_change_state);
  element_class->request_new_pad =
      GST_DEBUG_FUNCPTR (gst_variant_split_request_new_pad);
  element_class->release_pad =
      GST_DEBUG_FUNCPTR (gst_variant_split_release_pad);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template_with_gtype (element_class,
      &src_template, GST_TYPE_VARIANT_SPLIT_PAD);
  gst_element_class_set_static_metadata (element_class, "Variant split",
      "Generic",
      "Sends each image to one pad per size variant, smallest first, with "
      "the variant's size and qualities",
      "gst-imgcompress authors");

  gst_type_mark_as_plugin_api (GST_TYPE_VARIANT_SPLIT_PAD, 0);
}

static void
gst_variant_split_init (GstVariantSplit *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_variant_split_chain));
  gst_pad_set_event_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_variant_split_sink_event));
  gst_pad_set_query_function (self->sinkpad,
      GST_DEBUG_FUNCPTR (gst_variant_split_sink_query));
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->variants_str = g_strdup (DEFAULT_VARIANTS);
  self->variants = gst_imgcompress_variants_parse (DEFAULT_VARIANTS, NULL);
  g_assert (self->variants != NULL);
  self->allow_not_linked = DEFAULT_ALLOW_NOT_LINKED;
}

static void
gst_variant_split_dispose (GObject *object)
{
  GstElement *element = GST_ELEMENT (object);
  GstPad *pad;

  /* release the request pads, one at a time as the list changes */
  for (;;) {
    GST_OBJECT_LOCK (element);
    pad = element->srcpads ? gst_object_ref (element->srcpads->data) : NULL;
    GST_OBJECT_UNLOCK (element);
    if (pad == NULL)
      break;
    gst_element_release_request_pad (element, pad);
    gst_object_unref (pad);
  }

  G_OBJECT_CLASS (parent_class)->dispose (object);
}

static void
gst_variant_split_finalize (GObject *object)
{
  GstVariantSplit *self = GST_VARIANT_SPLIT (object);

  g_free (self->variants_str);
  g_free (self->variants_error);
  g_free (self->awaited_image);
  g_array_unref (self->variants);

  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static GstEvent *
variant_event_for_pad_locked (GstVariantSplitPad *pad)
{
  return gst_imgcompress_variant_event_new (&pad->variant);
}

/* Gives existing pads the new settings of their variant; a pad whose
 * variant was removed keeps its old settings. Called with the object
 * lock. */
static void
update_pads_locked (GstVariantSplit *self)
{
  GList *l;

  for (l = GST_ELEMENT (self)->srcpads; l; l = l->next) {
    GstVariantSplitPad *pad = GST_VARIANT_SPLIT_PAD (l->data);
    const GstImgcompressVariantInfo *v =
        gst_imgcompress_variants_find (self->variants, pad->variant.variant);

    if (v == NULL) {
      GST_WARNING_OBJECT (self,
          "pad %s has no variant any more, keeping "
          "its old settings",
          GST_PAD_NAME (pad));
      continue;
    }
    pad->variant.max_dimension = v->max_dimension;
    pad->variant.jpeg_quality = v->jpeg_quality;
    pad->variant.webp_quality = v->webp_quality;
    gst_pad_store_sticky_event (GST_PAD (pad),
        variant_event_for_pad_locked (pad));
  }
}

/* Keeps the last valid variants when @str is invalid and remembers why, so
 * that going to READY fails with a clear error. Called with the object
 * lock. */
static void
set_variants_locked (GstVariantSplit *self, const gchar *str)
{
  GError *error = NULL;
  GArray *variants;

  g_free (self->variants_str);
  self->variants_str = g_strdup (str ? str : DEFAULT_VARIANTS);
  g_clear_pointer (&self->variants_error, g_free);

  variants = gst_imgcompress_variants_parse (self->variants_str, &error);
  if (variants) {
    g_array_unref (self->variants);
    self->variants = variants;
    update_pads_locked (self);
  } else {
    GST_WARNING_OBJECT (self, "%s", error->message);
    self->variants_error = g_strdup (error->message);
    g_error_free (error);
  }
}

static void
gst_variant_split_set_property (GObject *object, guint prop_id,
    const GValue *value, GParamSpec *pspec)
{
  GstVariantSplit *self = GST_VARIANT_SPLIT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VARIANTS:
      set_variants_locked (self, g_value_get_string (value));
      break;
    case PROP_ALLOW_NOT_LINKED:
      self->allow_not_linked = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_variant_split_get_property (GObject *object, guint prop_id, GValue *value,
    GParamSpec *pspec)
{
  GstVariantSplit *self = GST_VARIANT_SPLIT (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_VARIANTS:
      g_value_set_string (value, self->variants_str);
      break;
    case PROP_ALLOW_NOT_LINKED:
      g_value_set_boolean (value, self->allow_not_linked);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static gboolean
variant_has_pad_locked (GstVariantSplit *self, const gchar *variant)
{
  GList *l;

  for (l = GST_ELEMENT (self)->srcpads; l; l = l->next)
    if (g_strcmp0 (GST_VARIANT_SPLIT_PAD (l->data)->variant.variant, variant) ==
        0)
      return TRUE;
  return FALSE;
}

/* The variant a pad request is for: the one named by @pad_name
 * ("src_<variant>"), or without a name the first one without a pad.
 * Called with the object lock. */
static const GstImgcompressVariantInfo *
variant_for_request_locked (GstVariantSplit *self, const gchar *pad_name)
{
  const GstImgcompressVariantInfo *v;
  guint i;

  if (pad_name == NULL) {
    for (i = 0; i < self->variants->len; i++) {
      v = &g_array_index (self->variants, GstImgcompressVariantInfo, i);
      if (!variant_has_pad_locked (self, v->variant))
        return v;
    }
    return NULL;
  }
  if (!g_str_has_prefix (pad_name, "src_"))
    return NULL;
  v = gst_imgcompress_variants_find (self->variants, pad_name + 4);
  if (v == NULL || variant_has_pad_locked (self, v->variant))
    return NULL;
  return v;
}

/* An upstream variantsplit's variant event must not replace the one each
 * of our pads carries (cascaded variants). */
static gboolean
is_variant_event (GstEvent *event)
{
  const GstStructure *s;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CUSTOM_DOWNSTREAM_STICKY)
    return FALSE;
  s = gst_event_get_structure (event);
  return s && gst_structure_has_name (s, GST_IMGCOMPRESS_VARIANT_EVENT_NAME);
}

static gboolean
forward_sticky_event (GstPad *pad, GstEvent **event, gpointer user_data)
{
  GstPad *srcpad = GST_PAD (user_data);

  if (is_variant_event (*event))
    return TRUE;
  if (gst_pad_store_sticky_event (srcpad, *event) != GST_FLOW_OK)
    GST_DEBUG_OBJECT (srcpad, "could not store %s",
        GST_EVENT_TYPE_NAME (*event));
  return TRUE;
}

static GstPad *
gst_variant_split_request_new_pad (GstElement *element, GstPadTemplate *templ,
    const gchar *name, const GstCaps *caps)
{
  GstVariantSplit *self = GST_VARIANT_SPLIT (element);
  const GstImgcompressVariantInfo *v;
  GstVariantSplitPad *pad;
  GstEvent *variant_event;
  gchar *pad_name, *configured;

  GST_OBJECT_LOCK (self);
  v = variant_for_request_locked (self, name);
  if (v == NULL) {
    configured = g_strdup (self->variants_str);
    GST_OBJECT_UNLOCK (self);
    GST_ELEMENT_WARNING (self, CORE, PAD,
        (_ ("Cannot make a pad \"%s\": its variant is not configured or "
            "already has a pad (variants: %s)."),
            name ? name : "src_%s", configured),
        (NULL));
    g_free (configured);
    return NULL;
  }
  pad_name = g_strdup_printf ("src_%s", v->variant);
  pad = g_object_new (GST_TYPE_VARIANT_SPLIT_PAD, "name", pad_name, "direction",
      templ->direction, "template", templ, NULL);
  g_free (pad_name);
  pad->variant.variant = g_strdup (v->variant);
  pad->variant.max_dimension = v->max_dimension;
  pad->variant.jpeg_quality = v->jpeg_quality;
  pad->variant.webp_quality = v->webp_quality;
  variant_event = variant_event_for_pad_locked (pad);
  GST_OBJECT_UNLOCK (self);

  GST_PAD_SET_PROXY_CAPS (pad);
  /* segments are only stored on active pads: activate first when
   * streaming, as tee does */
  if (GST_PAD_IS_ACTIVE (self->sinkpad))
    gst_pad_set_active (GST_PAD (pad), TRUE);
  gst_pad_sticky_events_foreach (self->sinkpad, forward_sticky_event, pad);
  gst_pad_store_sticky_event (GST_PAD (pad), variant_event);
  gst_event_unref (variant_event);

  GST_DEBUG_OBJECT (self, "new pad %s", GST_PAD_NAME (pad));
  gst_element_add_pad (element, GST_PAD (pad));
  return GST_PAD (pad);
}

static void
gst_variant_split_release_pad (GstElement *element, GstPad *pad)
{
  GST_DEBUG_OBJECT (element, "releasing pad %s", GST_PAD_NAME (pad));

  GST_OBJECT_LOCK (element);
  GST_VARIANT_SPLIT_PAD (pad)->removed = TRUE;
  GST_OBJECT_UNLOCK (element);

  gst_pad_set_active (pad, FALSE);
  gst_element_remove_pad (element, pad);
}

static gint
compare_pads_by_size (gconstpointer a, gconstpointer b)
{
  const GstVariantSplitPad *pa = *(GstVariantSplitPad *const *) a;
  const GstVariantSplitPad *pb = *(GstVariantSplitPad *const *) b;

  if (pa->variant.max_dimension != pb->variant.max_dimension)
    return pa->variant.max_dimension < pb->variant.max_dimension ? -1 : 1;
  return g_strcmp0 (pa->variant.variant, pb->variant.variant);
}

/* The source pads, reffed, smallest variant first. */
static GPtrArray *
pads_smallest_first (GstVariantSplit *self)
{
  GPtrArray *pads = g_ptr_array_new_with_free_func (gst_object_unref);
  GList *l;

  GST_OBJECT_LOCK (self);
  for (l = GST_ELEMENT (self)->srcpads; l; l = l->next)
    g_ptr_array_add (pads, gst_object_ref (l->data));
  g_ptr_array_sort (pads, compare_pads_by_size);
  GST_OBJECT_UNLOCK (self);
  return pads;
}

static GstFlowReturn
push_to_pad (GstVariantSplit *self, GstVariantSplitPad *pad, GstBuffer *buffer)
{
  GstFlowReturn ret = gst_pad_push (GST_PAD (pad), gst_buffer_ref (buffer));

  GST_OBJECT_LOCK (self);
  if (pad->removed)
    ret = GST_FLOW_NOT_LINKED;
  GST_OBJECT_UNLOCK (self);
  GST_LOG_OBJECT (pad, "pushed %p: %s", buffer, gst_flow_get_name (ret));
  return ret;
}

/* As tee: the first fatal flow return stops the fan-out; otherwise OK when
 * any pad took the buffer, else NOT_LINKED unless allow-not-linked. */
static GstFlowReturn
gst_variant_split_chain (GstPad *sinkpad, GstObject *parent, GstBuffer *buffer)
{
  GstVariantSplit *self = GST_VARIANT_SPLIT (parent);
  GPtrArray *pads = pads_smallest_first (self);
  GstFlowReturn ret, combined;
  gboolean allow_not_linked;
  guint i;

  GST_OBJECT_LOCK (self);
  allow_not_linked = self->allow_not_linked;
  GST_OBJECT_UNLOCK (self);
  g_clear_pointer (&self->awaited_image, g_free);

  combined = allow_not_linked ? GST_FLOW_OK : GST_FLOW_NOT_LINKED;
  for (i = 0; i < pads->len; i++) {
    ret = push_to_pad (self, g_ptr_array_index (pads, i), buffer);
    if (ret == GST_FLOW_OK) {
      combined = GST_FLOW_OK;
    } else if (ret != GST_FLOW_NOT_LINKED) {
      combined = ret;
      break;
    }
  }

  g_ptr_array_unref (pads);
  gst_buffer_unref (buffer);
  return combined;
}

/* Sends each pad its variant event again, after the caps that just went
 * out, so downstream sees "caps, variant" for every new format. */
static void
resend_variant_events (GstVariantSplit *self)
{
  GPtrArray *pads = pads_smallest_first (self);
  guint i;

  for (i = 0; i < pads->len; i++) {
    GstVariantSplitPad *pad = g_ptr_array_index (pads, i);
    GstEvent *event;

    GST_OBJECT_LOCK (self);
    event = variant_event_for_pad_locked (pad);
    GST_OBJECT_UNLOCK (self);
    gst_pad_push_event (GST_PAD (pad), event);
  }
  g_ptr_array_unref (pads);
}

/* A decoder that meets a truncated or corrupt file may end the stream
 * without a picture and without an error: the stock pngdec does, and drops
 * the image event with the unfinished frame. A stream, or an image announced
 * upstream, that ends without a picture is an error, not a silent drop.
 * awaited_image is "" for a stream whose image has no name (yet). */
static gboolean
check_awaited_image (GstVariantSplit *self)
{
  if (self->awaited_image == NULL)
    return TRUE;
  if (self->awaited_image[0] != '\0')
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("Image \"%s\" could not be decoded: it is truncated or "
            "corrupt."),
            self->awaited_image),
        ("no picture for the image before the end of the stream or the "
         "next image"));
  else
    GST_ELEMENT_ERROR (self, STREAM, DECODE,
        (_ ("The image could not be decoded: it is truncated or corrupt.")),
        ("the stream ended without a picture"));
  g_clear_pointer (&self->awaited_image, g_free);
  return FALSE;
}

static gboolean
note_image_event (GstVariantSplit *self, GstEvent *event)
{
  GstImgcompressImageInfo info;
  gboolean ok = TRUE;

  gst_imgcompress_image_info_init (&info);
  if (!gst_imgcompress_image_event_parse (event, &info))
    return TRUE;
  /* the previous image of the stream never came */
  if (self->awaited_image != NULL && self->awaited_image[0] != '\0')
    ok = check_awaited_image (self);
  g_free (self->awaited_image);
  self->awaited_image = g_strdup (info.name ? info.name : "");
  gst_imgcompress_image_info_clear (&info);
  return ok;
}

static gboolean
gst_variant_split_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstVariantSplit *self = GST_VARIANT_SPLIT (parent);
  gboolean is_caps = GST_EVENT_TYPE (event) == GST_EVENT_CAPS;
  gboolean res;

  if (is_variant_event (event)) {
    GST_DEBUG_OBJECT (self, "dropping upstream variant event");
    gst_event_unref (event);
    return TRUE;
  }
  /* After the error for a missing picture the EOS still goes on, as a
   * source sends one after its own error: the sinks end, and an
   * application waiting for EOS is not left waiting. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS)
    check_awaited_image (self);
  else if (!note_image_event (self, event)) {
    gst_event_unref (event);
    return FALSE;
  }
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    g_clear_pointer (&self->awaited_image, g_free);
  else if (GST_EVENT_TYPE (event) == GST_EVENT_STREAM_START &&
      self->awaited_image == NULL)
    self->awaited_image = g_strdup ("");
  res = gst_pad_event_default (pad, parent, event);
  if (is_caps)
    resend_variant_events (self);
  return res;
}

static gboolean
answer_size_hint (GstVariantSplit *self, GstQuery *query)
{
  GPtrArray *pads = pads_smallest_first (self);
  guint i, largest = 0;

  GST_OBJECT_LOCK (self);
  for (i = 0; i < pads->len; i++) {
    GstVariantSplitPad *pad = g_ptr_array_index (pads, i);
    if (gst_pad_is_linked (GST_PAD (pad)))
      largest = MAX (largest, pad->variant.max_dimension);
  }
  GST_OBJECT_UNLOCK (self);
  g_ptr_array_unref (pads);

  if (largest == 0)
    return FALSE;
  GST_DEBUG_OBJECT (self, "size hint: %u", largest);
  gst_imgcompress_size_hint_query_set (query, largest, largest);
  return TRUE;
}

/* What the branches' allocation answers have in common, as tee builds it:
 * the largest alignment, prefix, padding, pool size and minimum buffer
 * count, and the metas every branch supports. */
typedef struct
{
  GstAllocationParams params;
  guint size;
  guint min_buffers;
  guint n_answers;
} AllocationSummary;

static void
summarise_params (AllocationSummary *summary, GstQuery *answer)
{
  guint i, n = gst_query_get_n_allocation_params (answer);

  for (i = 0; i < n; i++) {
    GstAllocationParams params;

    gst_query_parse_nth_allocation_param (answer, i, NULL, &params);
    summary->params.align = MAX (summary->params.align, params.align);
    summary->params.prefix = MAX (summary->params.prefix, params.prefix);
    summary->params.padding = MAX (summary->params.padding, params.padding);
  }
  if (gst_query_get_n_allocation_pools (answer) > 0) {
    guint size, min;

    gst_query_parse_nth_allocation_pool (answer, 0, NULL, &size, &min, NULL);
    summary->size = MAX (summary->size, size);
    summary->min_buffers = MAX (summary->min_buffers, min);
  }
}

/* Keeps in @query only the metas every answer has (all of the first
 * answer's, with its parameters): a meta one branch cannot handle must not
 * be put on buffers every branch receives. */
static void
intersect_metas (GstQuery *query, GstQuery *answer, gboolean first)
{
  guint i, n;

  if (first) {
    n = gst_query_get_n_allocation_metas (answer);
    for (i = 0; i < n; i++) {
      const GstStructure *params;
      GType api = gst_query_parse_nth_allocation_meta (answer, i, &params);
      gst_query_add_allocation_meta (query, api, params);
    }
    return;
  }

  n = gst_query_get_n_allocation_metas (query);
  for (i = 0; i < n;) {
    GType api = gst_query_parse_nth_allocation_meta (query, i, NULL);
    if (!gst_query_find_allocation_meta (answer, api, NULL)) {
      gst_query_remove_nth_allocation_meta (query, i);
      n--;
    } else {
      i++;
    }
  }
}

static gboolean
aggregate_allocation (GstVariantSplit *self, GstQuery *query)
{
  GPtrArray *pads = pads_smallest_first (self);
  AllocationSummary summary = { {
                                    0,
                                },
    0, 0, 0 };
  gboolean allow_not_linked, ok = TRUE;
  GstCaps *caps;
  guint i;

  GST_OBJECT_LOCK (self);
  allow_not_linked = self->allow_not_linked;
  GST_OBJECT_UNLOCK (self);
  gst_allocation_params_init (&summary.params);
  gst_query_parse_allocation (query, &caps, NULL);

  for (i = 0; ok && i < pads->len; i++) {
    GstPad *pad = g_ptr_array_index (pads, i);
    GstQuery *answer;

    if (!gst_pad_is_linked (pad)) {
      ok = allow_not_linked;
      continue;
    }
    answer = gst_query_new_allocation (caps, FALSE);
    ok = gst_pad_peer_query (pad, answer);
    if (ok) {
      summarise_params (&summary, answer);
      intersect_metas (query, answer, summary.n_answers == 0);
      summary.n_answers++;
    }
    gst_query_unref (answer);
  }
  g_ptr_array_unref (pads);

  if (!ok) {
    while (gst_query_get_n_allocation_metas (query) > 0)
      gst_query_remove_nth_allocation_meta (query, 0);
    return FALSE;
  }
  /* one more buffer so that one branch does not starve the others */
  if (summary.n_answers > 1)
    summary.min_buffers++;
  if (summary.params.align || summary.params.prefix || summary.params.padding)
    gst_query_add_allocation_param (query, NULL, &summary.params);
  if (summary.size)
    gst_query_add_allocation_pool (query, NULL, summary.size,
        summary.min_buffers, 0);
  return TRUE;
}

static gboolean
gst_variant_split_sink_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  GstVariantSplit *self = GST_VARIANT_SPLIT (parent);

  if (gst_imgcompress_query_is_size_hint (query))
    return answer_size_hint (self, query);
  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION)
    return aggregate_allocation (self, query);
  return gst_pad_query_default (pad, parent, query);
}

static GstStateChangeReturn
gst_variant_split_change_state (GstElement *element, GstStateChange transition)
{
  GstVariantSplit *self = GST_VARIANT_SPLIT (element);
  gchar *variants_error = NULL;

  if (transition == GST_STATE_CHANGE_NULL_TO_READY) {
    GST_OBJECT_LOCK (self);
    variants_error = g_strdup (self->variants_error);
    GST_OBJECT_UNLOCK (self);
    if (variants_error) {
      GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
          (_ ("Invalid variants: %s"), variants_error), (NULL));
      g_free (variants_error);
      return GST_STATE_CHANGE_FAILURE;
    }
  }
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    g_clear_pointer (&self->awaited_image, g_free);
  return GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
}

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* variantsplit: the variant list, pad naming, smallest-first zero-copy
 * fan-out, the variant event on each pad, the size hint, allocation
 * aggregation and not-linked handling. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>
#include <gst/video/video.h>
#include <gst/imgcompress/imgcompress.h>
#include <string.h>

#include "imgcheck.h"

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* branches accept any caps, also after a change */
static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

/* ---- the variant list ---- */

GST_START_TEST (test_variants_parse_default)
{
  GArray *v =
      gst_imgcompress_variants_parse (GST_IMGCOMPRESS_DEFAULT_VARIANTS, NULL);
  const GstImgcompressVariantInfo *full;

  fail_unless (v != NULL);
  fail_unless_equals_int (v->len, 3);
  fail_unless_equals_string (g_array_index (v, GstImgcompressVariantInfo, 0)
                                 .variant,
      "thumbnail");
  fail_unless_equals_int (g_array_index (v, GstImgcompressVariantInfo, 0)
                              .max_dimension,
      150);
  fail_unless_equals_int (g_array_index (v, GstImgcompressVariantInfo, 1)
                              .jpeg_quality,
      85);
  full = gst_imgcompress_variants_find (v, "full");
  fail_unless (full != NULL);
  fail_unless_equals_int (full->max_dimension, 2048);
  fail_unless_equals_int (full->jpeg_quality, 90);
  fail_unless_equals_int (full->webp_quality, 85);
  fail_unless (gst_imgcompress_variants_find (v, "huge") == NULL);
  g_array_unref (v);

  /* spaces around entries, any order */
  v = gst_imgcompress_variants_parse (" big:4000:70:60 , tiny_1:32:50:40 ",
      NULL);
  fail_unless (v != NULL);
  fail_unless_equals_int (v->len, 2);
  fail_unless_equals_string (g_array_index (v, GstImgcompressVariantInfo, 1)
                                 .variant,
      "tiny_1");
  g_array_unref (v);
}

GST_END_TEST;

GST_START_TEST (test_variants_parse_errors)
{
  const gchar *bad[] = {
    "",
    ",",
    "thumbnail",
    "thumbnail:150:80",
    "thumbnail:150:80:75:1",
    "thumbnail:150:80:75,",
    "a:10:50:50,a:20:50:50",
    "th umb:150:80:75",
    "a/b:150:80:75",
    ":150:80:75",
    "a:0:80:75",
    "a:65536:80:75",
    "a:-5:80:75",
    "a:150:0:75",
    "a:150:80:101",
    "a:150:eighty:75",
    "a:150.5:80:75",
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++) {
    GError *error = NULL;
    GArray *v = gst_imgcompress_variants_parse (bad[i], &error);
    fail_unless (v == NULL, "'%s' was accepted", bad[i]);
    fail_unless (g_error_matches (error, GST_IMGCOMPRESS_PARSE_ERROR,
                     GST_IMGCOMPRESS_PARSE_ERROR_SYNTAX),
        "'%s'", bad[i]);
    g_error_free (error);
  }
}

GST_END_TEST;

/* ---- branches: test sink pads that record what they get ---- */

typedef struct
{
  gchar *variant;
  GstPad *sinkpad; /* ours */
  GstPad *srcpad; /* variantsplit's request pad */
  GQueue items; /* events and buffers, in arrival order */
  guint pool_size; /* allocation answer */
  guint pool_min;
  gsize align;
  gboolean crop_meta;
} Branch;

static GstElement *vs;
static GstPad *upstream;
static GString *arrivals; /* variant names, one per buffer */
static GMutex arrivals_lock;

static GstFlowReturn
branch_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  Branch *b = gst_pad_get_element_private (pad);

  g_mutex_lock (&arrivals_lock);
  g_string_append_printf (arrivals, "%s%s", arrivals->len ? "," : "",
      b->variant);
  g_mutex_unlock (&arrivals_lock);
  g_queue_push_tail (&b->items, buffer);
  return GST_FLOW_OK;
}

static gboolean
branch_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  Branch *b = gst_pad_get_element_private (pad);

  g_queue_push_tail (&b->items, event);
  return TRUE;
}

static gboolean
branch_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  Branch *b = gst_pad_get_element_private (pad);

  if (GST_QUERY_TYPE (query) == GST_QUERY_ALLOCATION) {
    GstAllocationParams params;

    gst_allocation_params_init (&params);
    params.align = b->align;
    gst_query_add_allocation_param (query, NULL, &params);
    gst_query_add_allocation_pool (query, NULL, b->pool_size, b->pool_min, 0);
    gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);
    if (b->crop_meta)
      gst_query_add_allocation_meta (query, GST_VIDEO_CROP_META_API_TYPE, NULL);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

static Branch *
branch_new (const gchar *variant, gboolean link)
{
  Branch *b = g_new0 (Branch, 1);
  gchar *name = g_strdup_printf ("src_%s", variant);

  b->variant = g_strdup (variant);
  b->srcpad = gst_element_request_pad_simple (vs, name);
  fail_unless (b->srcpad != NULL, "no pad %s", name);
  fail_unless_equals_string (GST_PAD_NAME (b->srcpad), name);
  g_free (name);

  b->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_element_private (b->sinkpad, b);
  gst_pad_set_chain_function (b->sinkpad, branch_chain);
  gst_pad_set_event_function (b->sinkpad, branch_event);
  gst_pad_set_query_function (b->sinkpad, branch_query);
  gst_pad_set_active (b->sinkpad, TRUE);
  if (link)
    fail_unless_equals_int (gst_pad_link (b->srcpad, b->sinkpad),
        GST_PAD_LINK_OK);
  g_queue_init (&b->items);
  return b;
}

static void
branch_free (Branch *b)
{
  if (gst_pad_is_linked (b->srcpad))
    gst_pad_unlink (b->srcpad, b->sinkpad);
  gst_pad_set_active (b->sinkpad, FALSE);
  gst_element_release_request_pad (vs, b->srcpad);
  gst_object_unref (b->srcpad);
  gst_object_unref (b->sinkpad);
  g_queue_clear_full (&b->items, (GDestroyNotify) gst_mini_object_unref);
  g_free (b->variant);
  g_free (b);
}

static void
setup (void)
{
  vs = gst_check_setup_element ("variantsplit");
  upstream = gst_check_setup_src_pad (vs, &src_template);
  gst_pad_set_active (upstream, TRUE);
  arrivals = g_string_new (NULL);
}

static void
teardown (void)
{
  gst_element_set_state (vs, GST_STATE_NULL);
  gst_pad_set_active (upstream, FALSE);
  gst_check_teardown_src_pad (vs);
  gst_check_teardown_element (vs);
  vs = NULL;
  g_string_free (arrivals, TRUE);
}

static void
start (const gchar *caps_str)
{
  GstCaps *caps = gst_caps_from_string (caps_str);

  fail_unless_equals_int (gst_element_set_state (vs, GST_STATE_PLAYING),
      GST_STATE_CHANGE_SUCCESS);
  gst_check_setup_events_with_stream_id (upstream, vs, caps, GST_FORMAT_TIME,
      "variantsplit-test");
  gst_caps_unref (caps);
}

/* Index in @b's items of the first variant event after @from, -1 if none;
 * fills @info. */
static gint
find_variant_event (Branch *b, guint from, GstImgcompressVariantInfo *info)
{
  guint i;

  for (i = from; i < b->items.length; i++) {
    GstMiniObject *item = g_queue_peek_nth (&b->items, i);
    if (GST_IS_EVENT (item) &&
        gst_imgcompress_variant_event_parse (GST_EVENT (item), info))
      return i;
  }
  return -1;
}

static gint
find_item (Branch *b, guint from, gboolean buffer, GstEventType type)
{
  guint i;

  for (i = from; i < b->items.length; i++) {
    GstMiniObject *item = g_queue_peek_nth (&b->items, i);
    if (buffer && GST_IS_BUFFER (item))
      return i;
    if (!buffer && GST_IS_EVENT (item) && GST_EVENT_TYPE (item) == type)
      return i;
  }
  return -1;
}

static void
check_variant (Branch *b, guint from, guint max_dimension, gint jq, gint wq)
{
  GstImgcompressVariantInfo info;
  gint caps_at = find_item (b, from, FALSE, GST_EVENT_CAPS);
  gint variant_at = find_variant_event (b, from, &info);
  gint buffer_at = find_item (b, from, TRUE, 0);

  fail_unless (variant_at >= 0, "%s: no variant event", b->variant);
  fail_unless (caps_at >= 0 && caps_at < variant_at,
      "%s: caps at %d, variant at %d", b->variant, caps_at, variant_at);
  fail_unless (buffer_at > variant_at, "%s: buffer at %d, variant at %d",
      b->variant, buffer_at, variant_at);
  fail_unless_equals_string (info.variant, b->variant);
  fail_unless_equals_int (info.max_dimension, max_dimension);
  fail_unless_equals_int (info.jpeg_quality, jq);
  fail_unless_equals_int (info.webp_quality, wq);
  gst_imgcompress_variant_info_clear (&info);
}

/* ---- pads ---- */

GST_START_TEST (test_pad_naming)
{
  GstBus *bus = gst_bus_new ();
  GstPadTemplate *templ;
  GstPad *thumb, *pad, *pad2;
  GstMessage *msg;
  GError *error = NULL;

  gst_element_set_bus (vs, bus);

  thumb = gst_element_request_pad_simple (vs, "src_thumbnail");
  fail_unless (thumb != NULL);
  fail_unless_equals_string (GST_PAD_NAME (thumb), "src_thumbnail");

  /* not configured */
  fail_unless (gst_element_request_pad_simple (vs, "src_huge") == NULL);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_parse_warning (msg, &error, NULL);
  fail_unless (strstr (error->message, "src_huge") != NULL, "%s",
      error->message);
  fail_unless (strstr (error->message, "thumbnail:150") != NULL, "%s",
      error->message);
  g_clear_error (&error);
  gst_message_unref (msg);

  /* without a name: the next configured variant without a pad */
  templ = gst_element_get_pad_template (vs, "src_%s");
  pad = gst_element_request_pad (vs, templ, NULL, NULL);
  fail_unless (pad != NULL);
  fail_unless_equals_string (GST_PAD_NAME (pad), "src_preview");
  pad2 = gst_element_request_pad (vs, templ, NULL, NULL);
  fail_unless (pad2 != NULL);
  fail_unless_equals_string (GST_PAD_NAME (pad2), "src_full");
  /* every variant has a pad */
  fail_unless (gst_element_request_pad (vs, templ, NULL, NULL) == NULL);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_WARNING);
  fail_unless (msg != NULL);
  gst_message_unref (msg);
  gst_element_release_request_pad (vs, pad);
  gst_object_unref (pad);
  gst_element_release_request_pad (vs, pad2);
  gst_object_unref (pad2);

  /* a released variant can be requested again */
  gst_element_release_request_pad (vs, thumb);
  gst_object_unref (thumb);
  thumb = gst_element_request_pad_simple (vs, "src_thumbnail");
  fail_unless (thumb != NULL);
  gst_element_release_request_pad (vs, thumb);
  gst_object_unref (thumb);

  /* a custom list */
  g_object_set (vs, "variants", "a:10:50:40,b-2:20:60:50", NULL);
  pad = gst_element_request_pad_simple (vs, "src_b-2");
  fail_unless (pad != NULL);
  gst_element_release_request_pad (vs, pad);
  gst_object_unref (pad);
  fail_unless (gst_element_request_pad_simple (vs, "src_thumbnail") == NULL);

  gst_element_set_bus (vs, NULL);
  gst_object_unref (bus);
}

GST_END_TEST;

GST_START_TEST (test_invalid_variants_fail_ready)
{
  GstBus *bus = gst_bus_new ();
  GstMessage *msg;
  gchar *str;

  gst_element_set_bus (vs, bus);
  g_object_set (vs, "variants", "thumbnail:150:80", NULL);
  g_object_get (vs, "variants", &str, NULL);
  fail_unless_equals_string (str, "thumbnail:150:80");
  g_free (str);
  fail_unless_equals_int (gst_element_set_state (vs, GST_STATE_READY),
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  gst_message_unref (msg);

  g_object_set (vs, "variants", "thumbnail:150:80:75", NULL);
  fail_unless_equals_int (gst_element_set_state (vs, GST_STATE_READY),
      GST_STATE_CHANGE_SUCCESS);
  gst_element_set_state (vs, GST_STATE_NULL);
  gst_element_set_bus (vs, NULL);
  gst_object_unref (bus);
}

GST_END_TEST;

/* Pads requested largest first still get buffers smallest first, the
 * same buffer on each, after caps and the pad's own variant event. */
GST_START_TEST (test_fan_out_order_zero_copy_and_events)
{
  Branch *full = branch_new ("full", TRUE);
  Branch *thumb = branch_new ("thumbnail", TRUE);
  Branch *preview = branch_new ("preview", TRUE);
  GstBuffer *in = gst_buffer_new_allocate (NULL, 640 * 480 * 3 / 2, NULL);
  GstMemory *mem = gst_buffer_peek_memory (in, 0);
  Branch *branches[] = { thumb, preview, full };
  guint i;

  start ("video/x-raw,format=I420,width=640,height=480,framerate=0/1");
  fail_unless_equals_int (gst_pad_push (upstream, gst_buffer_ref (in)),
      GST_FLOW_OK);

  fail_unless_equals_string (arrivals->str, "thumbnail,preview,full");
  for (i = 0; i < G_N_ELEMENTS (branches); i++) {
    gint at = find_item (branches[i], 0, TRUE, 0);
    GstBuffer *out = g_queue_peek_nth (&branches[i]->items, at);
    fail_unless (out == in, "%s got a copy", branches[i]->variant);
    fail_unless (gst_buffer_peek_memory (out, 0) == mem);
  }
  check_variant (thumb, 0, 150, 80, 75);
  check_variant (preview, 0, 500, 85, 80);
  check_variant (full, 0, 2048, 90, 85);
  gst_buffer_unref (in);

  branch_free (full);
  branch_free (thumb);
  branch_free (preview);
}

GST_END_TEST;

/* Two images of different sizes: new caps go out followed by the variant
 * event again on every pad, and upstream's image events reach every pad. */
GST_START_TEST (test_caps_change_and_image_events)
{
  Branch *thumb = branch_new ("thumbnail", TRUE);
  Branch *full = branch_new ("full", TRUE);
  Branch *branches[] = { thumb, full };
  GstImgcompressImageInfo image;
  GstImgcompressVariantInfo upstream_variant, own;
  GstCaps *caps;
  guint i, second[2];

  gst_imgcompress_image_info_init (&image);
  image.name = g_strdup ("second");
  image.width = 3000;
  image.height = 2000;

  start ("video/x-raw,format=I420,width=640,height=480,framerate=0/1");
  fail_unless_equals_int (gst_pad_push (upstream,
                              gst_buffer_new_allocate (NULL, 640 * 480 * 3 / 2,
                                  NULL)),
      GST_FLOW_OK);

  for (i = 0; i < 2; i++)
    second[i] = branches[i]->items.length;
  fail_unless (gst_pad_push_event (upstream,
      gst_imgcompress_image_event_new (&image)));
  /* an upstream variant event (cascaded split) does not replace ours */
  gst_imgcompress_variant_info_init (&upstream_variant);
  upstream_variant.variant = g_strdup ("upstream");
  upstream_variant.max_dimension = 999;
  fail_unless (gst_pad_push_event (upstream,
      gst_imgcompress_variant_event_new (&upstream_variant)));
  gst_imgcompress_variant_info_clear (&upstream_variant);
  caps = gst_caps_from_string ("video/x-raw,format=Y444,width=3000,"
                               "height=2000,framerate=0/1");
  fail_unless (gst_pad_push_event (upstream, gst_event_new_caps (caps)));
  gst_caps_unref (caps);
  fail_unless_equals_int (gst_pad_push (upstream,
                              gst_buffer_new_allocate (NULL, 3000 * 2000 * 3,
                                  NULL)),
      GST_FLOW_OK);
  fail_unless (gst_pad_push_event (upstream, gst_event_new_eos ()));

  fail_unless_equals_string (arrivals->str, "thumbnail,full,thumbnail,full");
  check_variant (thumb, second[0], 150, 80, 75);
  check_variant (full, second[1], 2048, 90, 85);
  for (i = 0; i < 2; i++) {
    GstImgcompressImageInfo got;
    GstPad *pad = branches[i]->sinkpad;

    fail_unless (gst_imgcompress_pad_get_variant_info (pad, &own));
    fail_unless_equals_string (own.variant, branches[i]->variant);
    gst_imgcompress_variant_info_clear (&own);
    fail_unless (gst_imgcompress_pad_get_image_info (pad, &got));
    fail_unless_equals_string (got.name, "second");
    fail_unless_equals_int (got.width, 3000);
    gst_imgcompress_image_info_clear (&got);
    fail_unless (find_item (branches[i], second[i], FALSE, GST_EVENT_EOS) > 0);
  }
  gst_imgcompress_image_info_clear (&image);
  branch_free (thumb);
  branch_free (full);
}

GST_END_TEST;

GST_START_TEST (test_size_hint)
{
  Branch *thumb = branch_new ("thumbnail", TRUE);
  Branch *preview = branch_new ("preview", TRUE);
  Branch *full = branch_new ("full", FALSE);
  guint w = 0, h = 0;

  /* the full pad exists but is not linked: it does not count */
  fail_unless (gst_imgcompress_pad_query_size_hint (upstream, &w, &h));
  fail_unless_equals_int (w, 500);
  fail_unless_equals_int (h, 500);

  fail_unless_equals_int (gst_pad_link (full->srcpad, full->sinkpad),
      GST_PAD_LINK_OK);
  fail_unless (gst_imgcompress_pad_query_size_hint (upstream, &w, &h));
  fail_unless_equals_int (w, 2048);

  gst_pad_unlink (full->srcpad, full->sinkpad);
  gst_pad_unlink (preview->srcpad, preview->sinkpad);
  fail_unless (gst_imgcompress_pad_query_size_hint (upstream, &w, &h));
  fail_unless_equals_int (w, 150);

  gst_pad_unlink (thumb->srcpad, thumb->sinkpad);
  fail_if (gst_imgcompress_pad_query_size_hint (upstream, &w, &h));

  branch_free (thumb);
  branch_free (preview);
  branch_free (full);
}

GST_END_TEST;

GST_START_TEST (test_not_linked)
{
  Branch *thumb = branch_new ("thumbnail", TRUE);
  Branch *preview = branch_new ("preview", FALSE);

  start ("video/x-raw,format=GRAY8,width=16,height=16,framerate=0/1");
  /* one linked pad is enough */
  fail_unless_equals_int (gst_pad_push (upstream,
                              gst_buffer_new_allocate (NULL, 256, NULL)),
      GST_FLOW_OK);
  fail_unless_equals_string (arrivals->str, "thumbnail");

  gst_pad_unlink (thumb->srcpad, thumb->sinkpad);
  fail_unless_equals_int (gst_pad_push (upstream,
                              gst_buffer_new_allocate (NULL, 256, NULL)),
      GST_FLOW_NOT_LINKED);
  g_object_set (vs, "allow-not-linked", TRUE, NULL);
  fail_unless_equals_int (gst_pad_push (upstream,
                              gst_buffer_new_allocate (NULL, 256, NULL)),
      GST_FLOW_OK);

  branch_free (thumb);
  branch_free (preview);

  /* no pads at all */
  fail_unless_equals_int (gst_pad_push (upstream,
                              gst_buffer_new_allocate (NULL, 256, NULL)),
      GST_FLOW_OK);
  g_object_set (vs, "allow-not-linked", FALSE, NULL);
  fail_unless_equals_int (gst_pad_push (upstream,
                              gst_buffer_new_allocate (NULL, 256, NULL)),
      GST_FLOW_NOT_LINKED);
}

GST_END_TEST;

GST_START_TEST (test_allocation_aggregated)
{
  Branch *thumb = branch_new ("thumbnail", TRUE);
  Branch *full = branch_new ("full", TRUE);
  Branch *preview;
  GstCaps *caps = gst_caps_from_string ("video/x-raw,format=I420,width=64,"
                                        "height=64,framerate=0/1");
  GstQuery *query;
  GstAllocationParams params;
  guint size, min, max;

  thumb->pool_size = 1000;
  thumb->pool_min = 2;
  thumb->align = 15;
  thumb->crop_meta = TRUE;
  full->pool_size = 6144;
  full->pool_min = 3;
  full->align = 63;
  full->crop_meta = FALSE;

  query = gst_query_new_allocation (caps, TRUE);
  fail_unless (gst_pad_peer_query (upstream, query));
  fail_unless_equals_int (gst_query_get_n_allocation_pools (query), 1);
  gst_query_parse_nth_allocation_pool (query, 0, NULL, &size, &min, &max);
  fail_unless_equals_int (size, 6144);
  /* the largest minimum, plus one for the fan-out */
  fail_unless_equals_int (min, 4);
  fail_unless (gst_query_get_n_allocation_params (query) >= 1);
  gst_query_parse_nth_allocation_param (query, 0, NULL, &params);
  fail_unless_equals_int (params.align, 63);
  /* only the metas both branches take */
  fail_unless (gst_query_find_allocation_meta (query, GST_VIDEO_META_API_TYPE,
      NULL));
  fail_if (gst_query_find_allocation_meta (query, GST_VIDEO_CROP_META_API_TYPE,
      NULL));
  gst_query_unref (query);

  /* an unlinked branch makes upstream allocate on its own, unless
   * unlinked pads are allowed */
  preview = branch_new ("preview", FALSE);
  query = gst_query_new_allocation (caps, TRUE);
  fail_if (gst_pad_peer_query (upstream, query));
  gst_query_unref (query);
  g_object_set (vs, "allow-not-linked", TRUE, NULL);
  query = gst_query_new_allocation (caps, TRUE);
  fail_unless (gst_pad_peer_query (upstream, query));
  gst_query_unref (query);

  gst_caps_unref (caps);
  branch_free (thumb);
  branch_free (full);
  branch_free (preview);
}

GST_END_TEST;

/* The gst-launch syntax of the documentation works. */
GST_START_TEST (test_launch_line)
{
  GError *error = NULL;
  GstElement *pipeline = gst_parse_launch (
      "videotestsrc num-buffers=3 ! "
      "video/x-raw,width=320,height=240 ! variantsplit name=s "
      "s.src_thumbnail ! queue ! fakesink s.src_full ! queue ! fakesink",
      &error);
  GstBus *bus;
  GstMessage *msg;

  fail_unless (error == NULL, "%s", error ? error->message : "");
  bus = gst_element_get_bus (pipeline);
  fail_unless (gst_element_set_state (pipeline, GST_STATE_PLAYING) !=
      GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 20 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  fail_unless (msg != NULL);
  fail_unless_equals_int (GST_MESSAGE_TYPE (msg), GST_MESSAGE_EOS);
  gst_message_unref (msg);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
}

GST_END_TEST;

static Suite *
variantsplit_suite (void)
{
  Suite *s = suite_create ("variantsplit");
  TCase *tc_parse = tcase_create ("parse");
  TCase *tc_pads = tcase_create ("pads");
  TCase *tc_launch = tcase_create ("launch");

  suite_add_tcase (s, tc_parse);
  tcase_add_test (tc_parse, test_variants_parse_default);
  tcase_add_test (tc_parse, test_variants_parse_errors);

  suite_add_tcase (s, tc_pads);
  tcase_add_checked_fixture (tc_pads, setup, teardown);
  tcase_add_test (tc_pads, test_pad_naming);
  tcase_add_test (tc_pads, test_invalid_variants_fail_ready);
  tcase_add_test (tc_pads, test_fan_out_order_zero_copy_and_events);
  tcase_add_test (tc_pads, test_caps_change_and_image_events);
  tcase_add_test (tc_pads, test_size_hint);
  tcase_add_test (tc_pads, test_not_linked);
  tcase_add_test (tc_pads, test_allocation_aggregated);

  suite_add_tcase (s, tc_launch);
  tcase_add_test (tc_launch, test_launch_line);

  return s;
}

GST_CHECK_MAIN (variantsplit);

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Cycles every element of this project's plugins through the states, on
 * its own and in each up/down order, as gstreamer's generic states test
 * does for its modules. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <gst/check/gstcheck.h>

static const gchar *project_plugins[] = { "imgcompress", "turbojpeg", "imgwebp",
  "imgpng", NULL };

static GList *elements = NULL;

static void
collect_project_elements (void)
{
  guint i;

  for (i = 0; project_plugins[i] != NULL; i++) {
    GList *features, *f;

    features = gst_registry_get_feature_list_by_plugin (gst_registry_get (),
        project_plugins[i]);
    for (f = features; f != NULL; f = f->next) {
      if (GST_IS_ELEMENT_FACTORY (f->data))
        elements =
            g_list_prepend (elements, g_strdup (GST_OBJECT_NAME (f->data)));
    }
    gst_plugin_feature_list_free (features);
  }
}

static void
setup (void)
{
  collect_project_elements ();
}

static void
teardown (void)
{
  g_list_free_full (elements, g_free);
  elements = NULL;
}

static void
cycle_states (const gchar *name, const GstState *states, guint n_states)
{
  GstElement *element;
  guint i;

  element = gst_element_factory_make (name, name);
  fail_unless (element != NULL, "could not make %s", name);

  for (i = 0; i < n_states; i++) {
    GstStateChangeReturn ret = gst_element_set_state (element, states[i]);
    fail_if (ret == GST_STATE_CHANGE_FAILURE, "%s failed to go to %s", name,
        gst_element_state_get_name (states[i]));
    if (ret == GST_STATE_CHANGE_ASYNC) {
      /* Sinks wait for preroll in PAUSED; none will come here. */
      continue;
    }
  }
  fail_unless_equals_int (gst_element_set_state (element, GST_STATE_NULL),
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (element);
}

GST_START_TEST (test_project_elements_exist)
{
  /* A missing plugin would make the cycling tests vacuous. */
  fail_unless (g_list_length (elements) >= 1,
      "no element of this project was found in the registry");
}

GST_END_TEST;

GST_START_TEST (test_state_changes_up_and_down_seq)
{
  static const GstState up_down[] = { GST_STATE_READY, GST_STATE_PAUSED,
    GST_STATE_PLAYING, GST_STATE_PAUSED, GST_STATE_READY, GST_STATE_NULL };
  GList *e;

  for (e = elements; e != NULL; e = e->next) {
    GST_DEBUG ("cycling %s", (const gchar *) e->data);
    cycle_states (e->data, up_down, G_N_ELEMENTS (up_down));
  }
}

GST_END_TEST;

GST_START_TEST (test_state_changes_up_seq)
{
  static const GstState ups[] = { GST_STATE_READY, GST_STATE_PAUSED,
    GST_STATE_READY, GST_STATE_PAUSED, GST_STATE_PLAYING, GST_STATE_PAUSED,
    GST_STATE_PLAYING, GST_STATE_NULL };
  GList *e;

  for (e = elements; e != NULL; e = e->next)
    cycle_states (e->data, ups, G_N_ELEMENTS (ups));
}

GST_END_TEST;

GST_START_TEST (test_state_changes_direct_jumps)
{
  static const GstState jumps[] = { GST_STATE_PLAYING, GST_STATE_NULL,
    GST_STATE_PAUSED, GST_STATE_NULL, GST_STATE_READY, GST_STATE_PLAYING,
    GST_STATE_READY, GST_STATE_NULL };
  GList *e;

  for (e = elements; e != NULL; e = e->next)
    cycle_states (e->data, jumps, G_N_ELEMENTS (jumps));
}

GST_END_TEST;

static Suite *
states_suite (void)
{
  Suite *s = suite_create ("states");
  TCase *tc_chain = tcase_create ("general");

  suite_add_tcase (s, tc_chain);
  tcase_add_checked_fixture (tc_chain, setup, teardown);
  tcase_add_test (tc_chain, test_project_elements_exist);
  tcase_add_test (tc_chain, test_state_changes_up_and_down_seq);
  tcase_add_test (tc_chain, test_state_changes_up_seq);
  tcase_add_test (tc_chain, test_state_changes_direct_jumps);

  return s;
}

GST_CHECK_MAIN (states);

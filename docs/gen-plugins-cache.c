/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* gen-plugins-cache: writes the reference of this project's plugins as
 * JSON, in the spirit of GStreamer's gst_plugins_cache.json.
 *
 *   gen-plugins-cache OUTPUT.json PLUGIN.so...
 *
 * Each plugin is loaded from the given file (the build tree), so the
 * installed copies, if any, play no part.  The output holds no path, no
 * address and no version, and every object's members are sorted, so it only
 * changes when what a user sees in gst-inspect-1.0 changes.  docs/meson.build
 * compares it with the committed docs/plugins_cache.json. */

#include <gst/gst.h>
#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

/* Enum and flags types met in properties and signals, documented once per
 * plugin under "other-types". */
typedef struct
{
  GHashTable *other_types; /* type name -> JsonObject */
} PluginContext;

static const gchar *
rank_name (guint rank)
{
  switch (rank) {
    case GST_RANK_NONE:
      return "none";
    case GST_RANK_MARGINAL:
      return "marginal";
    case GST_RANK_SECONDARY:
      return "secondary";
    case GST_RANK_PRIMARY:
      return "primary";
    default:
      return NULL;
  }
}

static void
set_rank (JsonObject *obj, guint rank)
{
  const gchar *name = rank_name (rank);

  if (name != NULL)
    json_object_set_string_member (obj, "rank", name);
  else
    json_object_set_int_member (obj, "rank", rank);
}

static JsonObject *
describe_enum_type (GType type)
{
  JsonObject *obj = json_object_new ();
  JsonArray *values = json_array_new ();

  if (G_TYPE_IS_ENUM (type)) {
    GEnumClass *klass = g_type_class_ref (type);
    guint i;

    json_object_set_string_member (obj, "kind", "enum");
    for (i = 0; i < klass->n_values; i++) {
      JsonObject *v = json_object_new ();
      json_object_set_string_member (v, "name", klass->values[i].value_name);
      json_object_set_string_member (v, "nick", klass->values[i].value_nick);
      json_object_set_int_member (v, "value", klass->values[i].value);
      json_array_add_object_element (values, v);
    }
    g_type_class_unref (klass);
  } else {
    GFlagsClass *klass = g_type_class_ref (type);
    guint i;

    json_object_set_string_member (obj, "kind", "flags");
    for (i = 0; i < klass->n_values; i++) {
      JsonObject *v = json_object_new ();
      json_object_set_string_member (v, "name", klass->values[i].value_name);
      json_object_set_string_member (v, "nick", klass->values[i].value_nick);
      json_object_set_int_member (v, "value", klass->values[i].value);
      json_array_add_object_element (values, v);
    }
    g_type_class_unref (klass);
  }
  json_object_set_array_member (obj, "values", values);
  return obj;
}

static void
note_type (PluginContext *ctx, GType type)
{
  const gchar *name = g_type_name (type);

  if ((G_TYPE_IS_ENUM (type) || G_TYPE_IS_FLAGS (type)) &&
      !g_hash_table_contains (ctx->other_types, name))
    g_hash_table_insert (ctx->other_types, g_strdup (name),
        describe_enum_type (type));
}

/* The value a user gets from a fresh element, as gst-inspect-1.0 shows it
 * (for enums the nick, for flags the nicks joined by '+'). */
static gchar *
serialize_value (const GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if (G_TYPE_IS_ENUM (type)) {
    GEnumClass *klass = g_type_class_ref (type);
    GEnumValue *v = g_enum_get_value (klass, g_value_get_enum (value));
    gchar *s = v ? g_strdup (v->value_nick) :
                   g_strdup_printf ("%d", g_value_get_enum (value));
    g_type_class_unref (klass);
    return s;
  }
  if (G_TYPE_IS_FLAGS (type)) {
    GFlagsClass *klass = g_type_class_ref (type);
    guint rest = g_value_get_flags (value);
    GString *s = g_string_new (NULL);
    guint i;

    for (i = 0; i < klass->n_values; i++) {
      guint bits = klass->values[i].value;
      if (bits != 0 && (rest & bits) == bits) {
        if (s->len > 0)
          g_string_append_c (s, '+');
        g_string_append (s, klass->values[i].value_nick);
        rest &= ~bits;
      }
    }
    if (rest != 0 || s->len == 0) {
      if (s->len > 0)
        g_string_append_c (s, '+');
      g_string_append_printf (s, "0x%08x", rest);
    }
    g_type_class_unref (klass);
    return g_string_free (s, FALSE);
  }
  if (type == G_TYPE_STRING) {
    const gchar *str = g_value_get_string (value);
    return str ? g_strdup (str) : NULL;
  }
  if (G_TYPE_IS_OBJECT (type) || G_TYPE_IS_INTERFACE (type))
    return NULL;
  if (G_TYPE_IS_BOXED (type) && g_value_get_boxed (value) == NULL)
    return NULL;
  /* gst_value_serialize() would quote and escape it as a string */
  if (type == GST_TYPE_STRUCTURE)
    return gst_structure_to_string (gst_value_get_structure (value));
  return gst_value_serialize (value);
}

static void
set_range (JsonObject *obj, GParamSpec *pspec)
{
  gchar *min = NULL, *max = NULL;

#define RANGE(PTYPE, CAST, FMT)                                                \
  if (G_IS_PARAM_SPEC_##PTYPE (pspec)) {                                       \
    min = g_strdup_printf (FMT, CAST (G_PARAM_SPEC_##PTYPE (pspec)->minimum)); \
    max = g_strdup_printf (FMT, CAST (G_PARAM_SPEC_##PTYPE (pspec)->maximum)); \
  }
  RANGE (INT, (gint), "%d");
  RANGE (UINT, (guint), "%u");
  RANGE (LONG, (glong), "%ld");
  RANGE (ULONG, (gulong), "%lu");
  RANGE (INT64, (gint64), "%" G_GINT64_FORMAT);
  RANGE (UINT64, (guint64), "%" G_GUINT64_FORMAT);
  RANGE (FLOAT, (gdouble), "%.9g");
  RANGE (DOUBLE, (gdouble), "%.17g");
#undef RANGE

  if (min != NULL) {
    json_object_set_string_member (obj, "min", min);
    json_object_set_string_member (obj, "max", max);
  }
  g_free (min);
  g_free (max);
}

static const gchar *
mutability (GParamSpec *pspec)
{
  if (pspec->flags & GST_PARAM_MUTABLE_PLAYING)
    return "playing";
  if (pspec->flags & GST_PARAM_MUTABLE_PAUSED)
    return "paused";
  if (pspec->flags & GST_PARAM_MUTABLE_READY)
    return "ready";
  return "null";
}

static JsonObject *
describe_property (PluginContext *ctx, GObject *instance, GParamSpec *pspec)
{
  JsonObject *obj = json_object_new ();
  GValue value = G_VALUE_INIT;
  gchar *def;

  json_object_set_string_member (obj, "blurb", g_param_spec_get_blurb (pspec));
  json_object_set_string_member (obj, "nick", g_param_spec_get_nick (pspec));
  json_object_set_string_member (obj, "type", g_type_name (pspec->value_type));
  json_object_set_boolean_member (obj, "readable",
      (pspec->flags & G_PARAM_READABLE) != 0);
  json_object_set_boolean_member (obj, "writable",
      (pspec->flags & G_PARAM_WRITABLE) != 0);
  json_object_set_boolean_member (obj, "construct",
      (pspec->flags & G_PARAM_CONSTRUCT) != 0);
  json_object_set_boolean_member (obj, "construct-only",
      (pspec->flags & G_PARAM_CONSTRUCT_ONLY) != 0);
  json_object_set_boolean_member (obj, "controllable",
      (pspec->flags & GST_PARAM_CONTROLLABLE) != 0);
  json_object_set_boolean_member (obj, "deprecated",
      (pspec->flags & G_PARAM_DEPRECATED) != 0);
  json_object_set_string_member (obj, "mutable", mutability (pspec));
  set_range (obj, pspec);
  note_type (ctx, pspec->value_type);

  g_value_init (&value, pspec->value_type);
  if (pspec->flags & G_PARAM_READABLE)
    g_object_get_property (instance, pspec->name, &value);
  else
    g_param_value_set_default (pspec, &value);
  def = serialize_value (&value);
  if (def != NULL)
    json_object_set_string_member (obj, "default", def);
  else
    json_object_set_null_member (obj, "default");
  g_free (def);
  g_value_unset (&value);
  return obj;
}

/* Whether @owner, which installed a property of @type, is @type or one of
 * this project's base classes (GstImgcompressImageDecoder). */
static gboolean
documented_here (GType type, GType owner)
{
  return owner == type ||
      g_str_has_prefix (g_type_name (owner), "GstImgcompress");
}

/* Only the properties the element's own class and this project's base
 * classes install: inherited ones (name, qos, sync, ...) are documented
 * with their GStreamer base class. */
static JsonObject *
describe_properties (PluginContext *ctx, GstElement *element)
{
  JsonObject *props = json_object_new ();
  GType type = G_OBJECT_TYPE (element);
  GParamSpec **specs;
  guint n, i;

  specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (element), &n);
  for (i = 0; i < n; i++) {
    if (!documented_here (type, specs[i]->owner_type))
      continue;
    json_object_set_object_member (props, specs[i]->name,
        describe_property (ctx, G_OBJECT (element), specs[i]));
  }
  g_free (specs);
  return props;
}

static JsonObject *
describe_signals (PluginContext *ctx, GType type)
{
  JsonObject *signals = json_object_new ();
  guint *ids, n, i, j;

  ids = g_signal_list_ids (type, &n);
  for (i = 0; i < n; i++) {
    GSignalQuery q;
    JsonObject *sig = json_object_new ();
    JsonArray *args = json_array_new ();

    g_signal_query (ids[i], &q);
    for (j = 0; j < q.n_params; j++) {
      JsonObject *arg = json_object_new ();
      GType ptype = q.param_types[j] & ~G_SIGNAL_TYPE_STATIC_SCOPE;
      gchar *name = g_strdup_printf ("arg%u", j);

      json_object_set_string_member (arg, "name", name);
      json_object_set_string_member (arg, "type", g_type_name (ptype));
      json_array_add_object_element (args, arg);
      note_type (ctx, ptype);
      g_free (name);
    }
    json_object_set_array_member (sig, "args", args);
    json_object_set_string_member (sig, "return-type",
        g_type_name (q.return_type & ~G_SIGNAL_TYPE_STATIC_SCOPE));
    json_object_set_string_member (sig, "when",
        (q.signal_flags & G_SIGNAL_RUN_FIRST)    ? "first" :
            (q.signal_flags & G_SIGNAL_RUN_LAST) ? "last" :
                                                   "cleanup");
    json_object_set_boolean_member (sig, "action",
        (q.signal_flags & G_SIGNAL_ACTION) != 0);
    json_object_set_object_member (signals, q.signal_name, sig);
  }
  g_free (ids);
  return signals;
}

static JsonObject *
describe_pad_templates (GstElementFactory *factory)
{
  JsonObject *templates = json_object_new ();
  const GList *l;

  for (l = gst_element_factory_get_static_pad_templates (factory); l;
       l = l->next) {
    GstStaticPadTemplate *t = l->data;
    JsonObject *obj = json_object_new ();
    GstCaps *caps = gst_static_caps_get (&t->static_caps);
    gchar *caps_str = gst_caps_to_string (caps);
    static const gchar *presence[] = { "always", "sometimes", "request" };
    static const gchar *direction[] = { "unknown", "src", "sink" };

    json_object_set_string_member (obj, "caps", caps_str);
    json_object_set_string_member (obj, "direction", direction[t->direction]);
    json_object_set_string_member (obj, "presence", presence[t->presence]);
    json_object_set_object_member (templates, t->name_template, obj);
    g_free (caps_str);
    gst_caps_unref (caps);
  }
  return templates;
}

static JsonArray *
describe_hierarchy (GType type)
{
  JsonArray *arr = json_array_new ();

  for (; type != 0; type = g_type_parent (type))
    json_array_add_string_element (arr, g_type_name (type));
  return arr;
}

static JsonArray *
describe_interfaces (GType type)
{
  JsonArray *arr = json_array_new ();
  GPtrArray *names = g_ptr_array_new ();
  GType *ifaces;
  guint n, i;

  ifaces = g_type_interfaces (type, &n);
  for (i = 0; i < n; i++)
    g_ptr_array_add (names, (gpointer) g_type_name (ifaces[i]));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (i = 0; i < names->len; i++)
    json_array_add_string_element (arr, g_ptr_array_index (names, i));
  g_ptr_array_unref (names);
  g_free (ifaces);
  return arr;
}

static JsonObject *
describe_element (PluginContext *ctx, GstElementFactory *factory,
    GError **error)
{
  JsonObject *obj;
  GstElement *element;
  GType type;
  static const gchar *keys[][2] = {
    { GST_ELEMENT_METADATA_LONGNAME, "long-name" },
    { GST_ELEMENT_METADATA_KLASS, "klass" },
    { GST_ELEMENT_METADATA_DESCRIPTION, "description" },
    { GST_ELEMENT_METADATA_AUTHOR, "author" },
  };
  guint i;

  element = gst_element_factory_create (factory, NULL);
  if (element == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_FAILED,
        "could not create element %s", GST_OBJECT_NAME (factory));
    return NULL;
  }
  gst_object_ref_sink (element);
  type = G_OBJECT_TYPE (element);

  obj = json_object_new ();
  for (i = 0; i < G_N_ELEMENTS (keys); i++)
    json_object_set_string_member (obj, keys[i][1],
        gst_element_factory_get_metadata (factory, keys[i][0]));
  set_rank (obj,
      gst_plugin_feature_get_rank (GST_PLUGIN_FEATURE_CAST (factory)));
  json_object_set_array_member (obj, "hierarchy", describe_hierarchy (type));
  json_object_set_array_member (obj, "interfaces", describe_interfaces (type));
  json_object_set_object_member (obj, "pad-templates",
      describe_pad_templates (factory));
  json_object_set_object_member (obj, "properties",
      describe_properties (ctx, element));
  json_object_set_object_member (obj, "signals", describe_signals (ctx, type));

  gst_object_unref (element);
  return obj;
}

static gint
compare_feature_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (GST_OBJECT_NAME (a), GST_OBJECT_NAME (b));
}

/* The plugin's file name without directory, "lib" and suffix, as GStreamer's
 * cache has it: "gstturbojpeg". */
static gchar *
plugin_file_stem (GstPlugin *plugin)
{
  gchar *base = g_path_get_basename (gst_plugin_get_filename (plugin));
  gchar *dot = strchr (base, '.');
  gchar *stem;

  if (dot != NULL)
    *dot = '\0';
  stem = g_strdup (g_str_has_prefix (base, "lib") ? base + 3 : base);
  g_free (base);
  return stem;
}

static JsonObject *
describe_plugin (GstPlugin *plugin, GError **error)
{
  PluginContext ctx;
  JsonObject *obj = json_object_new ();
  JsonObject *elements = json_object_new ();
  JsonObject *other = json_object_new ();
  GList *features, *l;
  GHashTableIter iter;
  gpointer key, value;
  gchar *stem = plugin_file_stem (plugin);
  gboolean ok = TRUE;

  ctx.other_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
      (GDestroyNotify) json_object_unref);

  json_object_set_string_member (obj, "description",
      gst_plugin_get_description (plugin));
  json_object_set_string_member (obj, "filename", stem);
  json_object_set_string_member (obj, "license",
      gst_plugin_get_license (plugin));
  json_object_set_string_member (obj, "package",
      gst_plugin_get_package (plugin));
  json_object_set_string_member (obj, "source", gst_plugin_get_source (plugin));
  json_object_set_string_member (obj, "url", gst_plugin_get_origin (plugin));

  features = gst_registry_get_feature_list_by_plugin (gst_registry_get (),
      gst_plugin_get_name (plugin));
  features = g_list_sort (features, compare_feature_names);
  for (l = features; l && ok; l = l->next) {
    GstPluginFeature *feature = l->data;
    JsonObject *el;

    if (!GST_IS_ELEMENT_FACTORY (feature))
      continue;
    el = describe_element (&ctx, GST_ELEMENT_FACTORY (feature), error);
    if (el == NULL)
      ok = FALSE;
    else
      json_object_set_object_member (elements, GST_OBJECT_NAME (feature), el);
  }
  gst_plugin_feature_list_free (features);

  g_hash_table_iter_init (&iter, ctx.other_types);
  while (g_hash_table_iter_next (&iter, &key, &value))
    json_object_set_object_member (other, key,
        json_object_ref ((JsonObject *) value));
  g_hash_table_unref (ctx.other_types);

  json_object_set_object_member (obj, "elements", elements);
  json_object_set_object_member (obj, "other-types", other);
  g_free (stem);
  if (!ok) {
    json_object_unref (obj);
    return NULL;
  }
  return obj;
}

/* A copy of @node with every object's members in byte order, so the output
 * does not depend on registration or hash order. */
static JsonNode *
sorted_copy (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node)) {
    JsonObject *in = json_node_get_object (node);
    JsonObject *out = json_object_new ();
    GList *members = json_object_get_members (in), *l;
    JsonNode *result;

    members = g_list_sort (members, (GCompareFunc) strcmp);
    for (l = members; l; l = l->next)
      json_object_set_member (out, l->data,
          sorted_copy (json_object_get_member (in, l->data)));
    g_list_free (members);
    result = json_node_new (JSON_NODE_OBJECT);
    json_node_take_object (result, out);
    return result;
  }
  if (JSON_NODE_HOLDS_ARRAY (node)) {
    JsonArray *in = json_node_get_array (node);
    JsonArray *out = json_array_new ();
    JsonNode *result;
    guint i;

    for (i = 0; i < json_array_get_length (in); i++)
      json_array_add_element (out,
          sorted_copy (json_array_get_element (in, i)));
    result = json_node_new (JSON_NODE_ARRAY);
    json_node_take_array (result, out);
    return result;
  }
  return json_node_copy (node);
}

static gboolean
write_json (JsonObject *root, const gchar *path, GError **error)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);
  JsonNode *sorted;
  JsonGenerator *gen = json_generator_new ();
  gchar *text;
  gchar *with_newline;
  gboolean ok;

  json_node_set_object (node, root);
  sorted = sorted_copy (node);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 4);
  json_generator_set_root (gen, sorted);
  text = json_generator_to_data (gen, NULL);
  with_newline = g_strconcat (text, "\n", NULL);
  ok = g_file_set_contents (path, with_newline, -1, error);
  g_free (with_newline);
  g_free (text);
  g_object_unref (gen);
  json_node_unref (sorted);
  json_node_unref (node);
  return ok;
}

int
main (int argc, char **argv)
{
  JsonObject *root;
  GError *error = NULL;
  int i;

  if (argc < 3) {
    g_printerr ("usage: %s OUTPUT.json PLUGIN.so...\n", argv[0]);
    return 2;
  }
  gst_init (NULL, NULL);

  root = json_object_new ();
  for (i = 2; i < argc; i++) {
    /* Absolute, as GST_PLUGIN_LOADING_WHITELIST matches directories. */
    gchar *path = g_canonicalize_filename (argv[i], NULL);
    GstPlugin *plugin = gst_plugin_load_file (path, &error);
    JsonObject *desc;

    g_free (path);
    if (plugin == NULL) {
      g_printerr ("%s: %s\n", argv[i], error->message);
      return 1;
    }
    desc = describe_plugin (plugin, &error);
    if (desc == NULL) {
      g_printerr ("%s: %s\n", argv[i], error->message);
      return 1;
    }
    json_object_set_object_member (root, gst_plugin_get_name (plugin), desc);
    gst_object_unref (plugin);
  }

  if (!write_json (root, argv[1], &error)) {
    g_printerr ("%s: %s\n", argv[1], error->message);
    return 1;
  }
  json_object_unref (root);
  gst_deinit ();
  return 0;
}

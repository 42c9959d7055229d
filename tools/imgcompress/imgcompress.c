/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This program is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* imgcompress: the seed service's whole job, on the imgcompress elements.
 *
 *   imgcompress [OPTIONS] INPUT... -o OUTDIR
 *
 * Exit status: 0 all images done, 1 some failed (or interrupted: 130),
 * 2 usage or configuration error. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib-unix.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <dirent.h>
#include <errno.h>
#include <locale.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "imgcompress-batch.h"
#include "imgcompress-config.h"
#include "imgcompress-plugins.h"
#include "imgcompress-outputs.h"
#include "imgcompress-prometheus.h"
#include "imgcompress-queue.h"
#include "imgcompress-report.h"
#include "imgcompress-serve.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

#define STALE_TEMP_AGE_S 3600

typedef struct
{
  gchar *config_file;
  gchar *outdir;
  gint threads;
  gint chunk_size;
  gint memory_budget_mib;
  gchar *variants;
  gchar *formats;
  gchar *layout;
  gchar *adaptive;
  gchar *icc;
  gchar *metadata;
  gint64 max_pixels;
  gint64 max_input_bytes; /* -1: not given */
  gboolean thumbnails_first;
  gboolean overwrite;
  gboolean skip_existing;
  gboolean recursive;
  ImgcompressCollisions collisions;
  gchar *files_from;
  gboolean null_separated;
  gchar *on_collision;
  gchar *metrics_json;
  gchar *metrics_jsonl;
  gchar *prometheus;
  gboolean quiet;
  gboolean verbose;
  gboolean version;
  gchar **inputs;
} Options;

static gboolean
is_image_name (const gchar *name)
{
  static const gchar *exts[] = { ".jpg", ".jpeg", ".jpe", ".png", ".webp",
    ".heic", ".heif", ".hif", ".avif", ".gif", ".tif", ".tiff", ".bmp",
    ".dib" };
  gchar *lower = g_ascii_strdown (name, -1);
  gboolean match = FALSE;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (exts) && !match; i++)
    match = g_str_has_suffix (lower, exts[i]);
  g_free (lower);
  return match;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const gchar **) a, *(const gchar **) b);
}

/* What the directory scan found besides images: directories it could not
 * read (each reported, the run then exits 1) and the output directory,
 * which it does not enter. */
typedef struct
{
  gboolean recursive;
  gboolean have_outdir;
  dev_t outdir_dev;
  ino_t outdir_ino;
  guint unreadable;
  /* files of the scanned directories that are not images, as shown */
  GPtrArray *skipped;
} ScanState;

static void
scan_state_init (ScanState *scan, const gchar *outdir, gboolean recursive)
{
  GStatBuf st;

  memset (scan, 0, sizeof (*scan));
  scan->recursive = recursive;
  scan->skipped = g_ptr_array_new_with_free_func (g_free);
  if (g_stat (outdir, &st) == 0) {
    scan->have_outdir = TRUE;
    scan->outdir_dev = st.st_dev;
    scan->outdir_ino = st.st_ino;
  }
}

/* The output directory inside an input directory holds the variants of an
 * earlier run, not inputs: compared by device and inode, whatever the
 * spelling of either path. */
static gboolean
is_output_directory (const ScanState *scan, const GStatBuf *st)
{
  return scan->have_outdir && st->st_dev == scan->outdir_dev &&
      st->st_ino == scan->outdir_ino;
}

static void
report_unreadable_directory (ScanState *scan, const gchar *dir, gint err)
{
  gchar *shown = gst_imgcompress_escape_for_display (dir);

  g_printerr (_ ("imgcompress: cannot read directory %s: %s\n"), shown,
      g_strerror (err));
  g_free (shown);
  scan->unreadable++;
}

/* An input found: its path, and its directory below the directory input
 * it was found in (--layout tree). */
typedef struct
{
  gchar *path;
  gchar *subdir;
} Found;

static void
found_free (gpointer data)
{
  Found *found = data;

  g_free (found->path);
  g_free (found->subdir);
  g_free (found);
}

static void
add_found (GPtrArray *found, gchar *path, gchar *subdir)
{
  Found *f = g_new0 (Found, 1);

  f->path = path;
  f->subdir = subdir;
  g_ptr_array_add (found, f);
}

static void
collect_directory (const gchar *dir, const gchar *subdir, ScanState *scan,
    GPtrArray *paths)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  struct dirent *entry;
  DIR *d;
  guint i;

  d = opendir (dir);
  if (d == NULL) {
    report_unreadable_directory (scan, dir, errno);
    g_ptr_array_unref (names);
    return;
  }
  while ((entry = readdir (d)) != NULL)
    if (strcmp (entry->d_name, ".") != 0 && strcmp (entry->d_name, "..") != 0)
      g_ptr_array_add (names, g_strdup (entry->d_name));
  closedir (d);
  /* Sorted, so runs are reproducible. */
  g_ptr_array_sort (names, compare_names);

  for (i = 0; i < names->len; i++) {
    const gchar *name = g_ptr_array_index (names, i);
    gchar *path = g_build_filename (dir, name, NULL);
    GStatBuf st;

    if (g_stat (path, &st) == 0 && S_ISDIR (st.st_mode)) {
      if (scan->recursive && !is_output_directory (scan, &st)) {
        gchar *below =
            *subdir ? g_build_filename (subdir, name, NULL) : g_strdup (name);

        collect_directory (path, below, scan, paths);
        g_free (below);
      }
      g_free (path);
    } else if (is_image_name (path)) {
      add_found (paths, path, g_strdup (subdir));
    } else {
      g_ptr_array_add (scan->skipped,
          gst_imgcompress_escape_for_display (path));
      g_free (path);
    }
  }
  g_ptr_array_unref (names);
}

/* How many names of skipped files a report lists; the rest are counted. */
#define SKIPPED_NAMES_SHOWN 5

/* A directory scan never skips a file silently: "skipped 3 files that are
 * not images: notes.txt, ...".  Files named on the command line are never
 * skipped (they fail as images if they are not). */
static void
report_skipped (const ScanState *scan)
{
  GString *names;
  guint i, n = scan->skipped->len;

  if (n == 0)
    return;
  names = g_string_new (NULL);
  for (i = 0; i < MIN (n, SKIPPED_NAMES_SHOWN); i++)
    g_string_append_printf (names, "%s%s", i ? ", " : "",
        (const gchar *) g_ptr_array_index (scan->skipped, i));
  if (n > SKIPPED_NAMES_SHOWN)
    g_string_append (names, ", ...");
  g_printerr (g_dngettext (GETTEXT_PACKAGE,
                  "imgcompress: skipped %u file that is not an image: %s\n",
                  "imgcompress: skipped %u files that are not images: %s\n", n),
      n, names->str);
  g_string_free (names, TRUE);
}

/* The directory a file input keeps under --layout tree: its own, when its
 * path is relative and stays below the current directory; none for an
 * absolute path or one with "..". */
static gchar *
file_input_subdir (const gchar *path)
{
  gchar *dir = g_path_get_dirname (path);
  gchar **parts;
  gboolean keep;
  guint i;

  keep = !g_path_is_absolute (path);
  parts = g_strsplit (dir, "/", -1);
  for (i = 0; keep && parts[i] != NULL; i++)
    keep = strcmp (parts[i], "..") != 0;
  g_strfreev (parts);
  if (!keep || strcmp (dir, ".") == 0) {
    g_free (dir);
    return g_strdup ("");
  }
  return dir;
}

static void
collect_input (const gchar *input, ScanState *scan, GPtrArray *found)
{
  if (g_file_test (input, G_FILE_TEST_IS_DIR))
    collect_directory (input, "", scan, found);
  else
    add_found (found, g_strdup (input), file_input_subdir (input));
}

/* Files and directories given on the command line or in lists, as images
 * to make.  A missing input is not a usage error: it fails like any bad
 * image. */
static GPtrArray *
collect_images (GPtrArray *inputs, ScanState *scan)
{
  GPtrArray *found = g_ptr_array_new_with_free_func (found_free);
  GPtrArray *images =
      g_ptr_array_new_with_free_func ((GDestroyNotify) imgcompress_image_free);
  guint i;

  for (i = 0; i < inputs->len; i++)
    collect_input (g_ptr_array_index (inputs, i), scan, found);
  for (i = 0; i < found->len; i++) {
    const Found *f = g_ptr_array_index (found, i);
    ImgcompressImage *image;
    GStatBuf st;

    image = imgcompress_image_new (f->path,
        g_stat (f->path, &st) == 0 ? (guint64) st.st_size : 0);
    g_free (image->subdir);
    image->subdir = g_strdup (f->subdir);
    g_ptr_array_add (images, image);
  }
  g_ptr_array_unref (found);
  return images;
}

/* Adds the entries of a list (--files-from, "-"), one per line or, with
 * -0, NUL-terminated as find -print0 writes them; empty entries are
 * skipped. */
static void
add_list_entries (GPtrArray *inputs, const gchar *data, gsize size,
    gboolean nul)
{
  const gchar *p = data, *end = data + size;

  while (p < end) {
    const gchar *stop = memchr (p, nul ? '\0' : '\n', end - p);

    if (stop == NULL)
      stop = end;
    if (stop > p)
      g_ptr_array_add (inputs, g_strndup (p, stop - p));
    p = stop + 1;
  }
}

static gboolean
read_stdin (GString *out, GError **error)
{
  gchar buf[65536];
  size_t got;

  while ((got = fread (buf, 1, sizeof (buf), stdin)) > 0)
    g_string_append_len (out, buf, got);
  if (ferror (stdin)) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "%s",
        g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

/* A list from @path, "-" for standard input (read once). */
static gboolean
read_list (GPtrArray *inputs, const gchar *path, gboolean nul,
    gboolean *stdin_read, GError **error)
{
  GError *read_error = NULL;
  gchar *contents = NULL;
  gsize size = 0;
  gboolean ok;

  if (strcmp (path, "-") == 0) {
    GString *s = g_string_new (NULL);

    ok = *stdin_read || read_stdin (s, &read_error);
    *stdin_read = TRUE;
    size = s->len;
    contents = g_string_free (s, FALSE);
  } else {
    ok = g_file_get_contents (path, &contents, &size, &read_error);
  }
  if (ok) {
    add_list_entries (inputs, contents, size, nul);
  } else {
    gchar *shown = gst_imgcompress_escape_for_display (path);

    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("cannot read the list of inputs %s: %s"), shown,
        read_error->message);
    g_free (shown);
    g_error_free (read_error);
  }
  g_free (contents);
  return ok;
}

/* The inputs in the order given: arguments, "-" standing for the paths
 * on standard input, then --files-from. */
static GPtrArray *
gather_inputs (Options *opts, GError **error)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func (g_free);
  gboolean stdin_read = FALSE, ok = TRUE;
  guint i;

  for (i = 0; ok && opts->inputs && opts->inputs[i] != NULL; i++) {
    if (strcmp (opts->inputs[i], "-") == 0)
      ok = read_list (inputs, "-", opts->null_separated, &stdin_read, error);
    else
      g_ptr_array_add (inputs, g_strdup (opts->inputs[i]));
  }
  if (ok && opts->files_from)
    ok = read_list (inputs, opts->files_from, opts->null_separated, &stdin_read,
        error);
  if (!ok)
    g_clear_pointer (&inputs, g_ptr_array_unref);
  return inputs;
}

/* A metrics file goes into a directory that exists: a mistyped collector
 * directory is told before the run, not created. */
static gboolean
check_metrics_paths (Options *opts, GError **error)
{
  GError *dir_error = NULL;

  if (opts->prometheus &&
      !imgcompress_prometheus_check_directory (opts->prometheus, &dir_error)) {
    gchar *shown = gst_imgcompress_escape_for_display (opts->prometheus);

    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--prometheus %s: %s"), shown, dir_error->message);
    g_free (shown);
    g_error_free (dir_error);
    return FALSE;
  }
  return TRUE;
}

static const gchar *const icc_modes[] = { "convert", "keep", "ignore", NULL };
static const gchar *const metadata_modes[] = { "none", "copyright", NULL };

/* @value, when given, must be one of @modes; *@mode then points at it. */
static gboolean
pick_mode (const gchar *value, const gchar *const *modes, const gchar **mode)
{
  guint i;

  if (value == NULL)
    return TRUE;
  for (i = 0; modes[i] != NULL; i++) {
    if (strcmp (value, modes[i]) == 0) {
      *mode = modes[i];
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
apply_options (ImgcompressConfig *config, Options *opts, GError **error)
{
  if (opts->config_file &&
      !imgcompress_config_load_file (config, opts->config_file, error))
    return FALSE;
  if (opts->threads != 0) {
    if (opts->threads < 1 || opts->threads > IMGCOMPRESS_MAX_THREADS) {
      g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
          _ ("--threads must be from 1 to %d"), IMGCOMPRESS_MAX_THREADS);
      return FALSE;
    }
    config->threads = opts->threads;
  }
  if (opts->chunk_size != 0) {
    if (opts->chunk_size < IMGCOMPRESS_MIN_CHUNK ||
        opts->chunk_size > IMGCOMPRESS_MAX_CHUNK) {
      g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
          _ ("--chunk-size must be from %d to %d"), IMGCOMPRESS_MIN_CHUNK,
          IMGCOMPRESS_MAX_CHUNK);
      return FALSE;
    }
    config->chunk_size = opts->chunk_size;
  }
  if (opts->variants &&
      !imgcompress_config_set_variants (config, opts->variants, "--variants",
          error))
    return FALSE;
  if (opts->formats &&
      !imgcompress_config_set_formats (config, opts->formats, "--formats",
          error))
    return FALSE;
  if (opts->layout &&
      !imgcompress_layout_from_string (opts->layout, &config->layout)) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--layout must be flat, date or tree, not '%s'"), opts->layout);
    return FALSE;
  }
  if (opts->on_collision) {
    if (strcmp (opts->on_collision, "suffix") == 0)
      opts->collisions = IMGCOMPRESS_COLLISIONS_SUFFIX;
    else if (strcmp (opts->on_collision, "refuse") == 0)
      opts->collisions = IMGCOMPRESS_COLLISIONS_REFUSE;
    else {
      g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
          _ ("--on-collision must be suffix or refuse, not '%s'"),
          opts->on_collision);
      return FALSE;
    }
  }
  if (opts->adaptive) {
    if (strcmp (opts->adaptive, "off") == 0)
      config->adaptive = FALSE;
    else if (strcmp (opts->adaptive, "file-size") == 0)
      config->adaptive = TRUE;
    else {
      g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
          _ ("--adaptive-quality must be off or file-size, not '%s'"),
          opts->adaptive);
      return FALSE;
    }
  }
  if (!pick_mode (opts->icc, icc_modes, &config->icc)) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--icc must be convert, keep or ignore, not '%s'"), opts->icc);
    return FALSE;
  }
  if (!pick_mode (opts->metadata, metadata_modes, &config->metadata)) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--metadata must be none or copyright, not '%s'"), opts->metadata);
    return FALSE;
  }
  if (opts->memory_budget_mib < 0) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--memory-budget must not be negative"));
    return FALSE;
  }
  if (opts->max_pixels < 0) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--max-pixels must not be negative"));
    return FALSE;
  }
  if (opts->max_pixels > 0)
    config->max_pixels = opts->max_pixels;
  if (opts->max_input_bytes < -1) {
    g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
        _ ("--max-input-bytes must not be negative"));
    return FALSE;
  }
  if (opts->max_input_bytes >= 0)
    config->max_input_bytes = opts->max_input_bytes;
  return check_metrics_paths (opts, error);
}

static void
on_image_done (ImgcompressBatch *batch, ImgcompressImage *image,
    gpointer user_data)
{
  imgcompress_report_image_done (user_data, image);
}

static void
on_output (ImgcompressBatch *batch, ImgcompressImage *image, gpointer user_data)
{
  imgcompress_report_output (user_data, image);
}

typedef enum
{
  COMMAND_BATCH,
  COMMAND_SERVE,
  COMMAND_WORKER,
  COMMAND_ENQUEUE,
} Command;

static const gchar *const command_names[] = { NULL, "serve", "worker",
  "enqueue" };

static Command
command_of (int argc, char **argv)
{
  guint i;

  for (i = 1; argc > 1 && i < G_N_ELEMENTS (command_names); i++)
    if (strcmp (argv[1], command_names[i]) == 0)
      return (Command) i;
  return COMMAND_BATCH;
}

static gboolean
is_named (const GOptionEntry *entry, const gchar *const *names, guint n)
{
  guint i;

  for (i = 0; i < n; i++)
    if (g_strcmp0 (entry->long_name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

/* What `imgcompress enqueue` takes of the batch's options: where the
 * files go and how the inputs are listed. */
static gboolean
is_for_enqueue (const GOptionEntry *entry)
{
  static const gchar *const names[] = { "output", "layout", "variants",
    "files-from", "null", "quiet", "verbose", "version", G_OPTION_REMAINING };

  return is_named (entry, names, G_N_ELEMENTS (names));
}

/* Options of the batch alone; `imgcompress serve` takes the others (the
 * configuration, the variants, the limits), `imgcompress worker` too, and
 * --prometheus. */
static gboolean
is_batch_only (const GOptionEntry *entry, Command command)
{
  static const gchar *const names[] = { "chunk-size", "layout", "on-collision",
    "thumbnails-first", "overwrite", "memory-budget", "skip-existing",
    "recursive", "files-from", "null", "metrics-json", "metrics-jsonl",
    "prometheus" };

  if (command == COMMAND_ENQUEUE)
    return !is_for_enqueue (entry);
  /* a worker makes one image at a time: more workers make more */
  if (command == COMMAND_WORKER)
    return g_strcmp0 (entry->long_name, "threads") == 0 ||
        (g_strcmp0 (entry->long_name, "prometheus") != 0 &&
            is_named (entry, names, G_N_ELEMENTS (names)));
  return is_named (entry, names, G_N_ELEMENTS (names));
}

static GOptionContext *
command_context (Command command)
{
  GOptionContext *ctx;

  switch (command) {
    case COMMAND_SERVE:
      ctx = g_option_context_new (_ ("serve -o OUTDIR"));
      g_option_context_set_summary (ctx,
          _ ("Serve uploads over HTTP: the thumbnail in the answer, the "
             "larger variants in the background (docs/service.md)."));
      break;
    case COMMAND_WORKER:
      ctx = g_option_context_new (_ ("worker --redis URL --stream NAME [-o "
                                     "ROOT]"));
      g_option_context_set_summary (ctx,
          _ ("Make the jobs of a Redis Stream, with any number of workers "
             "on any number of machines (docs/scale-out.md).  Each job's "
             "result goes to the results stream.  With -o, job output "
             "directories must lie below ROOT.\n\nExit status: 0 stopped "
             "by SIGTERM or SIGINT, 2 usage error or Redis unreachable at "
             "start."));
      break;
    case COMMAND_ENQUEUE:
      ctx = g_option_context_new (_ ("enqueue --redis URL --stream NAME -o "
                                     "OUTDIR FILE..."));
      g_option_context_set_summary (ctx,
          _ ("Add one job per image file to a Redis Stream for "
             "'imgcompress worker' and print the job ids "
             "(docs/scale-out.md); - reads the files from standard "
             "input.\n\nExit status: 0 all enqueued, 1 some not, 2 usage "
             "error or Redis unreachable."));
      break;
    default:
      ctx = g_option_context_new (_ ("INPUT... -o OUTDIR"));
      g_option_context_set_summary (ctx,
          _ ("Make thumbnail, preview and full variants of photos as JPEG "
             "and WebP.\nINPUT is an image file or a directory of them; - "
             "reads INPUTs from standard input, one per line (NUL-separated "
             "with -0).\n'imgcompress serve --help' tells the upload "
             "service, 'imgcompress worker --help' and 'imgcompress enqueue "
             "--help' the Redis queue.\n\nExit status: 0 all done, 1 some "
             "images failed, 2 usage or configuration error, 130 "
             "interrupted."));
      break;
  }
  return ctx;
}

/* @serve, @queue: the options of the subcommands */
static gboolean
parse_options (Options *opts, Command command, ImgcompressServeOptions *serve,
    ImgcompressQueueOptions *queue, int *argc, char ***argv, GError **error)
{
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &opts->outdir,
        N_ ("Directory the variants are written under (required)"), "OUTDIR" },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &opts->config_file,
        N_ ("INI file: [general] and [variant NAME] groups"), "FILE" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &opts->threads,
        N_ ("Images processed at once (default: all cores up to 4, "
            "cores - 2 from 8)"),
        "N" },
    { "chunk-size", 0, 0, G_OPTION_ARG_INT, &opts->chunk_size,
        N_ ("Upper bound of images in flight, 5-30 (default: from available "
            "memory)"),
        "N" },
    { "variants", 0, 0, G_OPTION_ARG_STRING, &opts->variants,
        N_ ("Variants as NAME:MAX-DIMENSION:JPEG-Q:WEBP-Q,..."), "LIST" },
    { "formats", 0, 0, G_OPTION_ARG_STRING, &opts->formats,
        N_ ("Output formats: jpeg, webp or jpeg,webp"), "LIST" },
    { "layout", 0, 0, G_OPTION_ARG_STRING, &opts->layout,
        N_ ("flat (VARIANT/NAME.EXT), date (YYYY/MM/DD/VARIANT/NAME.EXT) or "
            "tree (VARIANT/SUBDIR/NAME.EXT, mirroring the inputs)"),
        "LAYOUT" },
    { "on-collision", 0, 0, G_OPTION_ARG_STRING, &opts->on_collision,
        N_ ("Two images with one output name: suffix (the later one's name "
            "gets -2, -3..., the default) or refuse (both fail)"),
        "MODE" },
    { "adaptive-quality", 0, 0, G_OPTION_ARG_STRING, &opts->adaptive,
        N_ ("off or file-size (cap qualities by input size)"), "MODE" },
    { "icc", 0, 0, G_OPTION_ARG_STRING, &opts->icc,
        N_ ("Embedded ICC profiles: convert (to sRGB, default), keep (embed "
            "the profile, pixels as they are) or ignore"),
        "MODE" },
    { "metadata", 0, 0, G_OPTION_ARG_STRING, &opts->metadata,
        N_ ("Metadata the outputs carry: none (default) or copyright (the "
            "artist and copyright, as EXIF and XMP)"),
        "MODE" },
    { "max-pixels", 0, 0, G_OPTION_ARG_INT64, &opts->max_pixels,
        N_ ("Refuse images with more pixels (default 100000000)"), "N" },
    { "max-input-bytes", 0, 0, G_OPTION_ARG_INT64, &opts->max_input_bytes,
        N_ ("Refuse input files larger than this, 0 for no limit "
            "(default 268435456, 256 MiB)"),
        "BYTES" },
    { "thumbnails-first", 0, 0, G_OPTION_ARG_NONE, &opts->thumbnails_first,
        N_ ("Write every thumbnail before any larger variant"), NULL },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &opts->overwrite,
        N_ ("Replace existing output files"), NULL },
    { "memory-budget", 0, 0, G_OPTION_ARG_INT, &opts->memory_budget_mib,
        N_ ("MiB the images in flight may take together, by estimates "
            "from their headers (default: half the available memory)"),
        "MIB" },
    { "skip-existing", 0, 0, G_OPTION_ARG_NONE, &opts->skip_existing,
        N_ ("Skip images whose every file exists and is complete; remake "
            "the others (e.g. after an interrupted run)"),
        NULL },
    { "recursive", 'r', 0, G_OPTION_ARG_NONE, &opts->recursive,
        N_ ("Descend into subdirectories of directory inputs"), NULL },
    { "files-from", 0, 0, G_OPTION_ARG_FILENAME, &opts->files_from,
        N_ ("Read inputs from FILE, one per line (- for standard input)"),
        "FILE" },
    { "null", '0', 0, G_OPTION_ARG_NONE, &opts->null_separated,
        N_ ("Input lists are NUL-separated (find -print0)"), NULL },
    { "metrics-json", 0, 0, G_OPTION_ARG_FILENAME, &opts->metrics_json,
        N_ ("Write per-image metrics and totals as JSON"), "FILE" },
    { "metrics-jsonl", 0, 0, G_OPTION_ARG_FILENAME, &opts->metrics_jsonl,
        N_ ("Write one JSON line per image as each is done, then the "
            "totals"),
        "FILE" },
    { "prometheus", 0, 0, G_OPTION_ARG_FILENAME, &opts->prometheus,
        N_ ("Keep a Prometheus text-format file up to date"), "FILE" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &opts->quiet,
        N_ ("Print errors only"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opts->verbose,
        N_ ("Print each file written and each change of parallelism"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &opts->version,
        N_ ("Print the version and exit"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts->inputs,
        NULL, NULL },
    { NULL }
  };
  GOptionEntry *command_entries = NULL;
  GOptionContext *ctx;
  gboolean ok;
  guint i, n = 0;

  if (command != COMMAND_BATCH) {
    /* the batch's own options are dropped from the table */
    for (i = 0; entries[i].long_name != NULL; i++)
      if (!is_batch_only (&entries[i], command))
        entries[n++] = entries[i];
    memset (&entries[n], 0, sizeof (entries[n]));
  }
  if (command == COMMAND_SERVE)
    command_entries = imgcompress_serve_option_entries (serve);
  else if (command == COMMAND_WORKER)
    command_entries = imgcompress_queue_worker_option_entries (queue);
  else if (command == COMMAND_ENQUEUE)
    command_entries = imgcompress_queue_enqueue_option_entries (queue);
  ctx = command_context (command);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (command_entries)
    g_option_context_add_main_entries (ctx, command_entries, GETTEXT_PACKAGE);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
  g_free (command_entries);
  return ok;
}

static void
options_clear (Options *opts)
{
  g_free (opts->config_file);
  g_free (opts->outdir);
  g_free (opts->variants);
  g_free (opts->formats);
  g_free (opts->layout);
  g_free (opts->on_collision);
  g_free (opts->files_from);
  g_free (opts->adaptive);
  g_free (opts->icc);
  g_free (opts->metadata);
  g_free (opts->metrics_json);
  g_free (opts->metrics_jsonl);
  g_free (opts->prometheus);
  g_strfreev (opts->inputs);
}

/* glibc gives new threads arenas of their own, up to eight per core, and
 * an arena keeps the memory of its peak.  A batch runs its pipelines on
 * ever new streaming threads, so over a long run RSS climbed to the sum of
 * many arenas' peaks: tools/soak.sh 2000 went from a median of 325 MiB in
 * its first quarter to 603 MiB in its last.  As many arenas as images in
 * flight kept it at 266 -> 233 MiB, at the same 10.3 images/s.  An
 * explicit MALLOC_ARENA_MAX or glibc tunable is left to rule. */
static void
limit_malloc_arenas (guint images_in_flight)
{
#if defined(__GLIBC__) && defined(M_ARENA_MAX)
  const gchar *tunables = g_getenv ("GLIBC_TUNABLES");

  if (g_getenv ("MALLOC_ARENA_MAX") != NULL ||
      (tunables != NULL && strstr (tunables, "arena_max") != NULL))
    return;
  mallopt (M_ARENA_MAX, (int) MAX (images_in_flight, 1));
#endif
}

/* The seed's cleanup: temporaries older than an hour are what a killed run
 * left behind.  Only those of the files this run writes, in their
 * directories: other runs' and other trees' files are not ours to judge. */
static void
remove_stale_temps (const gchar *outdir, GPtrArray *images, gboolean verbose)
{
  gchar **planned = imgcompress_outputs_all_planned (images);
  GError *error = NULL;
  guint removed = 0;

  if (!gst_imgcompress_file_remove_stale_temps_of (outdir,
          (const gchar *const *) planned, STALE_TEMP_AGE_S, &removed, &error)) {
    gchar *shown = gst_imgcompress_escape_for_display (error->message);

    g_printerr ("imgcompress: %s\n", shown);
    g_free (shown);
    g_error_free (error);
  } else if (verbose && removed > 0) {
    g_printerr (_ ("imgcompress: removed %u stale temporary files\n"), removed);
  }
  g_strfreev (planned);
}

/* SIGINT and SIGTERM are handled on the main loop, where the batch rolls
 * back what the images in flight wrote.  Should the main loop ever be
 * stuck (a blocking open, a hung file system), a thread with a main
 * context of its own ends the process after SIGNAL_GRACE_S, or at once on
 * a second signal: a signal is never ignored. */
#define SIGNAL_GRACE_S 10

typedef struct
{
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
  gint handled; /* atomic: the main loop began the interrupt */
  guint signals; /* seen by the watchdog */
} SignalWatchdog;

static G_GNUC_NORETURN void
watchdog_exit (void)
{
  g_printerr (_ ("imgcompress: interrupted, but the run does not respond; "
                 "exiting without cleaning up\n"));
  _exit (EXIT_INTERRUPTED);
}

static gboolean
on_watchdog_timeout (gpointer data)
{
  SignalWatchdog *watchdog = data;

  if (!g_atomic_int_get (&watchdog->handled))
    watchdog_exit ();
  return G_SOURCE_REMOVE;
}

static gboolean
on_watchdog_signal (gpointer data)
{
  SignalWatchdog *watchdog = data;
  GSource *timeout;

  /* a second signal ends the run even while it rolls back */
  if (++watchdog->signals >= 2)
    watchdog_exit ();
  if (g_atomic_int_get (&watchdog->handled))
    return G_SOURCE_CONTINUE;
  timeout = g_timeout_source_new_seconds (SIGNAL_GRACE_S);
  g_source_set_callback (timeout, on_watchdog_timeout, watchdog, NULL);
  g_source_attach (timeout, watchdog->context);
  g_source_unref (timeout);
  return G_SOURCE_CONTINUE;
}

static gpointer
run_watchdog (gpointer data)
{
  SignalWatchdog *watchdog = data;

  g_main_context_push_thread_default (watchdog->context);
  g_main_loop_run (watchdog->loop);
  g_main_context_pop_thread_default (watchdog->context);
  return NULL;
}

static void
watchdog_start (SignalWatchdog *watchdog)
{
  static const gint signals[] = { SIGINT, SIGTERM };
  guint i;

  watchdog->context = g_main_context_new ();
  watchdog->loop = g_main_loop_new (watchdog->context, FALSE);
  for (i = 0; i < G_N_ELEMENTS (signals); i++) {
    GSource *source = g_unix_signal_source_new (signals[i]);

    g_source_set_callback (source, on_watchdog_signal, watchdog, NULL);
    g_source_attach (source, watchdog->context);
    g_source_unref (source);
  }
  watchdog->thread = g_thread_new ("signal-watchdog", run_watchdog, watchdog);
}

static gboolean
quit_watchdog (gpointer data)
{
  SignalWatchdog *watchdog = data;

  g_main_loop_quit (watchdog->loop);
  return G_SOURCE_REMOVE;
}

static void
watchdog_stop (SignalWatchdog *watchdog)
{
  GSource *idle = g_idle_source_new ();

  /* from within its loop: a quit before the loop runs would be lost */
  g_source_set_callback (idle, quit_watchdog, watchdog, NULL);
  g_source_attach (idle, watchdog->context);
  g_source_unref (idle);
  g_thread_join (watchdog->thread);
  g_main_loop_unref (watchdog->loop);
  g_main_context_unref (watchdog->context);
}

typedef struct
{
  ImgcompressBatch *batch;
  SignalWatchdog *watchdog;
} Interrupt;

static gboolean
on_sigint (gpointer data)
{
  Interrupt *interrupt = data;

  g_atomic_int_set (&interrupt->watchdog->handled, 1);
  imgcompress_batch_interrupt (interrupt->batch);
  return G_SOURCE_REMOVE;
}

static int
run (Options *opts, ImgcompressConfig *config)
{
  ImgcompressBatchOptions bopts = { 0 };
  SignalWatchdog watchdog = { 0 };
  Interrupt interrupt;
  ImgcompressReport *report;
  ImgcompressBatch *batch;
  GPtrArray *inputs, *images, *days = NULL;
  GDateTime *run_time;
  GError *error = NULL;
  ScanState scan;
  gchar *location_template;
  gboolean ok;
  int status;

  inputs = gather_inputs (opts, &error);
  if (inputs == NULL) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_error_free (error);
    return EXIT_USAGE;
  }
  scan_state_init (&scan, opts->outdir, opts->recursive);
  images = collect_images (inputs, &scan);
  g_ptr_array_unref (inputs);
  if (!opts->quiet)
    report_skipped (&scan);
  g_ptr_array_unref (scan.skipped);
  if (images->len == 0) {
    g_printerr (_ ("imgcompress: no image found in the inputs\n"));
    g_ptr_array_unref (images);
    return scan.unreadable > 0 ? EXIT_FAILED : EXIT_USAGE;
  }
  /* One date for the whole run (--layout date). */
  run_time = g_date_time_new_now_local ();
  location_template =
      imgcompress_outputs_location_template (config->layout, run_time);
  if (!imgcompress_outputs_plan_all (images, location_template, config->layout,
          opts->collisions, config, run_time, &error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_error_free (error);
    g_ptr_array_unref (images);
    g_free (location_template);
    g_date_time_unref (run_time);
    return EXIT_USAGE;
  }
  if (g_mkdir_with_parents (opts->outdir, 0755) != 0) {
    gchar *shown = gst_imgcompress_escape_for_display (opts->outdir);

    g_printerr (_ ("imgcompress: cannot create %s: %s\n"), shown,
        g_strerror (errno));
    g_free (shown);
    g_ptr_array_unref (images);
    g_free (location_template);
    g_date_time_unref (run_time);
    return EXIT_FAILED;
  }

  if (!opts->overwrite && !opts->skip_existing)
    imgcompress_outputs_refuse_existing (images, opts->outdir);
  remove_stale_temps (opts->outdir, images, opts->verbose && !opts->quiet);
  if (opts->skip_existing && config->layout == IMGCOMPRESS_LAYOUT_DATE)
    days = imgcompress_outputs_list_days (opts->outdir);

  report = imgcompress_report_new (images, opts->quiet, opts->verbose,
      opts->prometheus);
  if (opts->metrics_jsonl &&
      !imgcompress_report_open_jsonl (report, opts->metrics_jsonl, &error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_error_free (error);
    imgcompress_report_free (report);
    if (days)
      g_ptr_array_unref (days);
    g_ptr_array_unref (images);
    g_free (location_template);
    g_date_time_unref (run_time);
    return EXIT_USAGE;
  }

  bopts.config = config;
  bopts.outdir = opts->outdir;
  bopts.threads = config->threads ?
      config->threads :
      imgcompress_threads_for_cores (g_get_num_processors ());
  limit_malloc_arenas (MAX (bopts.threads, g_get_num_processors ()));
  bopts.chunk_size = config->chunk_size ?
      config->chunk_size :
      imgcompress_chunk_size_for_memory (imgcompress_mem_available (), 0);
  /* The seed's rule: plan for half of what is available. */
  bopts.memory_budget = opts->memory_budget_mib > 0 ?
      (guint64) opts->memory_budget_mib * 1024 * 1024 :
      imgcompress_mem_available () / 2;
  bopts.overwrite = opts->overwrite;
  bopts.skip_existing = opts->skip_existing;
  bopts.thumbnails_first = opts->thumbnails_first;
  bopts.verbose = opts->verbose && !opts->quiet;
  bopts.location_template = location_template;
  bopts.days = days;
  bopts.on_image_done = on_image_done;
  bopts.on_output = on_output;
  bopts.user_data = report;

  batch = imgcompress_batch_new (&bopts, images);
  if (bopts.verbose) {
    /* the number apart: G_GUINT64_FORMAT inside _() cuts the msgid */
    gchar *budget = g_strdup_printf ("%" G_GUINT64_FORMAT,
        bopts.memory_budget / (1024 * 1024));

    g_printerr (_ ("imgcompress: %u images, %u threads, chunk size %u, "
                   "%u in flight, memory budget %s MiB\n"),
        images->len, bopts.threads, bopts.chunk_size,
        imgcompress_batch_in_flight_limit (batch), budget);
    g_free (budget);
  }
  interrupt.batch = batch;
  interrupt.watchdog = &watchdog;
  watchdog_start (&watchdog);
  g_unix_signal_add (SIGINT, on_sigint, &interrupt);
  g_unix_signal_add (SIGTERM, on_sigint, &interrupt);
  /* Over a file size limit (RLIMIT_FSIZE) write() must fail with EFBIG, so
   * that the image fails cleanly, instead of SIGXFSZ killing the batch. */
  signal (SIGXFSZ, SIG_IGN);

  ok = imgcompress_batch_run (batch);
  imgcompress_report_summary (report);

  if (opts->metrics_json &&
      !imgcompress_report_write_json (report, opts->metrics_json, &error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_clear_error (&error);
    ok = FALSE;
  }
  if (!imgcompress_report_close_jsonl (report, &error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_clear_error (&error);
    ok = FALSE;
  }
  if (opts->prometheus &&
      !imgcompress_report_write_prometheus (report, &error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_clear_error (&error);
    ok = FALSE;
  }

  /* an unreadable directory may have hidden images */
  if (scan.unreadable > 0)
    ok = FALSE;
  status = imgcompress_batch_was_interrupted (batch) ? EXIT_INTERRUPTED :
      ok                                             ? 0 :
                                                       EXIT_FAILED;
  watchdog_stop (&watchdog);
  imgcompress_batch_free (batch);
  if (days)
    g_ptr_array_unref (days);
  g_free (location_template);
  g_date_time_unref (run_time);
  imgcompress_report_free (report);
  g_ptr_array_unref (images);
  return status;
}

/* The checks of each command's own arguments; FALSE with the message
 * printed. */
static gboolean
check_arguments (Command command, Options *opts)
{
  switch (command) {
    case COMMAND_SERVE:
      if (opts->outdir == NULL || opts->inputs != NULL) {
        g_printerr (_ ("imgcompress: serve takes -o OUTDIR and no INPUT\n"));
        g_printerr (_ ("Try 'imgcompress serve --help'.\n"));
        return FALSE;
      }
      return TRUE;
    case COMMAND_WORKER:
      if (opts->inputs != NULL) {
        g_printerr (_ ("imgcompress: worker takes no INPUT: its jobs come "
                       "from the stream\n"));
        g_printerr (_ ("Try 'imgcompress worker --help'.\n"));
        return FALSE;
      }
      return TRUE;
    case COMMAND_ENQUEUE:
      if (opts->outdir == NULL ||
          (opts->inputs == NULL && opts->files_from == NULL)) {
        g_printerr (_ ("imgcompress: enqueue takes -o OUTDIR and at least "
                       "one FILE\n"));
        g_printerr (_ ("Try 'imgcompress enqueue --help'.\n"));
        return FALSE;
      }
      return TRUE;
    default:
      if (opts->outdir == NULL ||
          (opts->inputs == NULL && opts->files_from == NULL)) {
        g_printerr (_ ("imgcompress: give at least one INPUT and -o "
                       "OUTDIR\n"));
        g_printerr (_ ("Try 'imgcompress --help'.\n"));
        return FALSE;
      }
      return TRUE;
  }
}

static int
run_enqueue (Options *opts, const ImgcompressQueueOptions *queue)
{
  GError *error = NULL;
  GPtrArray *inputs = gather_inputs (opts, &error);
  int status;

  if (inputs == NULL) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_error_free (error);
    return EXIT_USAGE;
  }
  status = imgcompress_queue_enqueue_run (queue, inputs, opts->outdir,
      opts->layout, opts->variants, opts->quiet);
  g_ptr_array_unref (inputs);
  return status;
}

static int
run_command (Command command, Options *opts, ImgcompressServeOptions *serve,
    ImgcompressQueueOptions *queue)
{
  ImgcompressConfig config;
  GError *error = NULL;
  int status;

  if (command == COMMAND_ENQUEUE)
    return run_enqueue (opts, queue);
  imgcompress_config_init (&config);
  if (!apply_options (&config, opts, &error) ||
      !imgcompress_find_plugins (&error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_error_free (error);
    imgcompress_config_clear (&config);
    return EXIT_USAGE;
  }
  switch (command) {
    case COMMAND_SERVE:
      limit_malloc_arenas (g_get_num_processors () * 2);
      status = imgcompress_serve_run (serve, &config, opts->outdir,
          opts->verbose && !opts->quiet);
      break;
    case COMMAND_WORKER:
      limit_malloc_arenas (g_get_num_processors ());
      status = imgcompress_queue_worker_run (queue, &config, opts->outdir,
          opts->prometheus, opts->verbose, opts->quiet);
      break;
    default:
      status = run (opts, &config);
      break;
  }
  imgcompress_config_clear (&config);
  return status;
}

int
main (int argc, char **argv)
{
  Options opts = { 0 };
  ImgcompressServeOptions serve_opts = { 0 };
  ImgcompressQueueOptions queue_opts = { 0 };
  GError *error = NULL;
  Command command = command_of (argc, argv);
  int status;

  opts.max_input_bytes = -1;
  if (command != COMMAND_BATCH) {
    /* `imgcompress serve ...`: the subcommand is not an input */
    argv[1] = argv[0];
    argc--;
    argv++;
  }

#ifdef ENABLE_NLS
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, GST_IMGCOMPRESS_LOCALEDIR ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
#endif

  if (!parse_options (&opts, command, &serve_opts, &queue_opts, &argc, &argv,
          &error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_printerr (_ ("Try 'imgcompress --help'.\n"));
    g_error_free (error);
    status = EXIT_USAGE;
  } else if (opts.version) {
    g_print ("imgcompress %s (%s)\n", VERSION, gst_version_string ());
    status = 0;
  } else if (!check_arguments (command, &opts)) {
    status = EXIT_USAGE;
  } else {
    status = run_command (command, &opts, &serve_opts, &queue_opts);
    gst_deinit ();
  }

  options_clear (&opts);
  imgcompress_serve_options_clear (&serve_opts);
  imgcompress_queue_options_clear (&queue_opts);
  return status;
}

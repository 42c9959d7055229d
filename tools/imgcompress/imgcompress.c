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
#include "imgcompress-report.h"

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
  gchar *metrics_json;
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

static void
collect_directory (const gchar *dir, ScanState *scan, GPtrArray *paths)
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
    gchar *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
    GStatBuf st;

    if (g_stat (path, &st) == 0 && S_ISDIR (st.st_mode)) {
      if (scan->recursive && !is_output_directory (scan, &st))
        collect_directory (path, scan, paths);
      g_free (path);
    } else if (is_image_name (path)) {
      g_ptr_array_add (paths, path);
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

/* Files and directories given on the command line, as images to make.  A
 * missing input is not a usage error: it fails like any bad image. */
static GPtrArray *
collect_images (gchar **inputs, ScanState *scan)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *images =
      g_ptr_array_new_with_free_func ((GDestroyNotify) imgcompress_image_free);
  guint i;

  for (i = 0; inputs[i] != NULL; i++) {
    if (g_file_test (inputs[i], G_FILE_TEST_IS_DIR))
      collect_directory (inputs[i], scan, paths);
    else
      g_ptr_array_add (paths, g_strdup (inputs[i]));
  }
  for (i = 0; i < paths->len; i++) {
    const gchar *path = g_ptr_array_index (paths, i);
    GStatBuf st;

    g_ptr_array_add (images,
        imgcompress_image_new (path,
            g_stat (path, &st) == 0 ? (guint64) st.st_size : 0));
  }
  g_ptr_array_unref (paths);
  return images;
}

/* Each image's files, as metricsink will name them; two images that would
 * write one file are both refused (the others run). */
static gboolean
plan_outputs (GPtrArray *images, const gchar *location_template,
    const ImgcompressConfig *config, GDateTime *run_time, GError **error)
{
  guint i;

  for (i = 0; i < images->len; i++)
    if (!imgcompress_outputs_plan (g_ptr_array_index (images, i),
            location_template, config, run_time, error))
      return FALSE;
  imgcompress_outputs_refuse_collisions (images);
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
  if (opts->layout) {
    if (strcmp (opts->layout, "flat") == 0)
      config->layout = IMGCOMPRESS_LAYOUT_FLAT;
    else if (strcmp (opts->layout, "date") == 0)
      config->layout = IMGCOMPRESS_LAYOUT_DATE;
    else {
      g_set_error (error, IMGCOMPRESS_ERROR, IMGCOMPRESS_ERROR_USAGE,
          _ ("--layout must be flat or date, not '%s'"), opts->layout);
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
  return TRUE;
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

static gboolean
parse_options (Options *opts, int *argc, char ***argv, GError **error)
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
        N_ ("flat (VARIANT/NAME.EXT) or date (YYYY/MM/DD/VARIANT/NAME.EXT)"),
        "LAYOUT" },
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
    { "metrics-json", 0, 0, G_OPTION_ARG_FILENAME, &opts->metrics_json,
        N_ ("Write per-image metrics and totals as JSON"), "FILE" },
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
  GOptionContext *ctx;
  gboolean ok;

  ctx = g_option_context_new (_ ("INPUT... -o OUTDIR"));
  g_option_context_set_summary (ctx,
      _ ("Make thumbnail, preview and full variants of photos as JPEG and "
         "WebP.\nINPUT is an image file or a directory of them.\n\n"
         "Exit status: 0 all done, 1 some images failed, 2 usage or "
         "configuration error, 130 interrupted."));
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  ok = g_option_context_parse (ctx, argc, argv, error);
  g_option_context_free (ctx);
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
  g_free (opts->adaptive);
  g_free (opts->icc);
  g_free (opts->metadata);
  g_free (opts->metrics_json);
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
  GPtrArray *images, *days = NULL;
  GDateTime *run_time;
  GError *error = NULL;
  ScanState scan;
  gchar *location_template;
  gboolean ok;
  int status;

  scan_state_init (&scan, opts->outdir, opts->recursive);
  images = collect_images (opts->inputs, &scan);
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
  if (!plan_outputs (images, location_template, config, run_time, &error)) {
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

  remove_stale_temps (opts->outdir, images, opts->verbose && !opts->quiet);
  if (opts->skip_existing && config->layout == IMGCOMPRESS_LAYOUT_DATE)
    days = imgcompress_outputs_list_days (opts->outdir);

  report = imgcompress_report_new (images, opts->quiet, opts->verbose,
      opts->prometheus);

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

int
main (int argc, char **argv)
{
  Options opts = { 0 };
  ImgcompressConfig config;
  GError *error = NULL;
  int status;

  opts.max_input_bytes = -1;

#ifdef ENABLE_NLS
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, GST_IMGCOMPRESS_LOCALEDIR ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
#endif

  if (!parse_options (&opts, &argc, &argv, &error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_printerr (_ ("Try 'imgcompress --help'.\n"));
    g_error_free (error);
    options_clear (&opts);
    return EXIT_USAGE;
  }
  if (opts.version) {
    g_print ("imgcompress %s (%s)\n", VERSION, gst_version_string ());
    options_clear (&opts);
    return 0;
  }
  if (opts.outdir == NULL || opts.inputs == NULL) {
    g_printerr (_ ("imgcompress: give at least one INPUT and -o OUTDIR\n"));
    g_printerr (_ ("Try 'imgcompress --help'.\n"));
    options_clear (&opts);
    return EXIT_USAGE;
  }

  imgcompress_config_init (&config);
  if (!apply_options (&config, &opts, &error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_error_free (error);
    imgcompress_config_clear (&config);
    options_clear (&opts);
    return EXIT_USAGE;
  }

  if (!imgcompress_find_plugins (&error)) {
    g_printerr ("imgcompress: %s\n", error->message);
    g_error_free (error);
    imgcompress_config_clear (&config);
    options_clear (&opts);
    return EXIT_USAGE;
  }

  status = run (&opts, &config);

  imgcompress_config_clear (&config);
  options_clear (&opts);
  gst_deinit ();
  return status;
}

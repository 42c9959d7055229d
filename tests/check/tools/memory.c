/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The batch tool keeps to --memory-budget on inputs whose decoded size
 * the file size does not tell: a tiny animated WebP with a huge canvas, a
 * 16-bit PNG.  Each runs several at -j 2 and the tool's peak RSS (wait4)
 * must stay within the budget plus a margin for the process itself. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "imgcheck.h"

/* What the process holds besides the images: GStreamer, the registry,
 * libraries, allocator slack (a run on one small image peaks at 13 MiB). */
#define MARGIN_MIB 100

/* Five copies: fewer images run one at a time whatever -j says. */
#define N_COPIES 5

/* A 16x16 animation of two frames, its VP8X canvas then set to
 * 10000x10000 (the frames stay inside it): 140 bytes. */
static const gchar *animated_canvas_script =
    "import sys, struct\n"
    "from PIL import Image\n"
    "frames = [Image.new('RGBA', (16, 16), (255, 0, 0, 255)),\n"
    "          Image.new('RGBA', (16, 16), (0, 255, 0, 255))]\n"
    "frames[0].save(sys.argv[1], save_all=True, append_images=frames[1:],\n"
    "               duration=100, loop=0, lossless=True, format='WEBP')\n"
    "d = bytearray(open(sys.argv[1], 'rb').read())\n"
    "assert d[12:16] == b'VP8X' and d[20] & 0x02\n"
    "d[24:27] = struct.pack('<I', 10000 - 1)[:3]\n"
    "d[27:30] = struct.pack('<I', 10000 - 1)[:3]\n"
    "open(sys.argv[1], 'wb').write(d)\n";

/* A 5900x5900 RGB PNG of 16 bits per sample, smooth gradients filtered
 * with Sub so that it compresses to about 10 MB. */
static const gchar *png16_script =
    "import sys, zlib, struct\n"
    "import numpy as np\n"
    "w = h = 5900\n"
    "def chunk(t, d):\n"
    "    c = struct.pack('>I', len(d)) + t + d\n"
    "    return c + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)\n"
    "comp = zlib.compressobj(1)\n"
    "idat = []\n"
    "xs = (np.arange(w, dtype=np.uint32) * 65535 // w).astype('>u2')\n"
    "for y0 in range(0, h, 64):\n"
    "    n = min(64, h - y0)\n"
    "    raw = np.empty((n, w * 6), dtype=np.uint8)\n"
    "    v = raw.view('>u2').reshape(n, w, 3)\n"
    "    v[:, :, 0] = xs\n"
    "    v[:, :, 1] = (np.arange(y0, y0 + n, dtype=np.uint32) * 65535\n"
    "                  // h)[:, None]\n"
    "    v[:, :, 2] = 4096\n"
    "    px = np.empty((n, w * 6 + 1), dtype=np.uint8)\n"
    "    px[:, 0] = 1\n"
    "    px[:, 1:7] = raw[:, :6]\n"
    "    px[:, 7:] = raw[:, 6:] - raw[:, :-6]\n"
    "    idat.append(comp.compress(px.tobytes()))\n"
    "idat.append(comp.flush())\n"
    "ihdr = struct.pack('>IIBBBBB', w, h, 16, 2, 0, 0, 0)\n"
    "open(sys.argv[1], 'wb').write(b'\\x89PNG\\r\\n\\x1a\\n' +\n"
    "    chunk(b'IHDR', ihdr) + chunk(b'IDAT', b''.join(idat)) +\n"
    "    chunk(b'IEND', b''))\n";

static gchar *workdir;

static void
setup (void)
{
  workdir = g_dir_make_tmp ("imgcompress-memory-XXXXXX", NULL);
}

static void
teardown (void)
{
  imgcheck_remove_tree (workdir);
  g_free (workdir);
}

/* Writes N_COPIES copies of what @script writes into an input directory;
 * NULL (the test skips loudly) without Python's PIL and numpy. */
static gchar *
make_inputs (const gchar *script, const gchar *ext)
{
  gchar *dir = g_build_filename (workdir, "in", NULL);
  gchar *source = g_build_filename (workdir, "source", NULL);
  gchar *data = NULL;
  gsize size;
  guint i;

  g_mkdir_with_parents (dir, 0755);
  if (!imgcheck_have_pillow ()) {
    g_free (source);
    g_free (dir);
    return NULL;
  }
  fail_unless (imgcheck_run_python (script, source), "the input script failed");
  fail_unless (g_file_get_contents (source, &data, &size, NULL));
  for (i = 0; i < N_COPIES; i++) {
    gchar *name = g_strdup_printf ("copy%u.%s", i, ext);
    gchar *path = g_build_filename (dir, name, NULL);

    fail_unless (g_file_set_contents (path, data, size, NULL));
    g_free (path);
    g_free (name);
  }
  g_unlink (source);
  g_free (data);
  g_free (source);
  return dir;
}

/* Runs the tool on @in with @args (NULL-terminated) after the output
 * options; checks it exits 0 having written @n_files files, and returns
 * its peak RSS in MiB. */
static guint64
run_tool_peak_mib (const gchar *in, guint n_files, const gchar *first, ...)
{
  GPtrArray *argv = g_ptr_array_new ();
  gchar *out = g_build_filename (workdir, "out", NULL);
  const gchar *arg;
  struct rusage usage;
  GPid pid;
  gint status;
  va_list ap;

  g_ptr_array_add (argv, (gpointer) g_getenv ("IMGCOMPRESS_TOOL"));
  g_ptr_array_add (argv, (gpointer) "-q");
  g_ptr_array_add (argv, (gpointer) "-o");
  g_ptr_array_add (argv, out);
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const gchar *))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (argv, (gpointer) in);
  g_ptr_array_add (argv, NULL);

  fail_unless (g_spawn_async (NULL, (gchar **) argv->pdata, NULL,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
      NULL));
  fail_unless (wait4 (pid, &status, 0, &usage) == pid);
  g_spawn_close_pid (pid);
  fail_unless (WIFEXITED (status) && WEXITSTATUS (status) == 0,
      "tool status %d", status);
  fail_unless_equals_int (imgcheck_count_files (out, NULL), n_files);
  g_ptr_array_unref (argv);
  g_free (out);
  /* ru_maxrss is in KiB */
  return (guint64) usage.ru_maxrss / 1024;
}

/* 140 bytes, a 10000x10000 canvas: the decoder used to hold three canvases
 * at full size (1.2 GB) and the estimate counted a scaled frame; five at
 * -j 2 reached 2.2 GB against a budget of 1000 MiB. */
GST_START_TEST (test_animated_canvas_within_budget)
{
  gchar *in = make_inputs (animated_canvas_script, "webp");
  guint64 peak;

  if (in == NULL)
    return;
  peak = run_tool_peak_mib (in, N_COPIES * 3, "-j", "2", "--memory-budget",
      "1000", "--formats", "jpeg", NULL);
  GST_INFO ("animated 10000x10000 canvas, budget 1000 MiB: peak "
            "%" G_GUINT64_FORMAT " MiB",
      peak);
  fail_unless (peak <= 1000 + MARGIN_MIB,
      "peak RSS %" G_GUINT64_FORMAT " MiB over the budget of 1000 MiB", peak);
  g_free (in);
}

GST_END_TEST;

/* 35 MP at 16 bits per sample: about 420 MiB each at its peak (the 16-bit
 * frame, the 8-bit frame, the input), where the estimate used to count 290
 * MiB, so two ran at once within a budget of 650 MiB and peaked at 830. */
GST_START_TEST (test_png16_within_budget)
{
  gchar *in = make_inputs (png16_script, "png");
  guint64 peak;

  if (in == NULL)
    return;
  peak = run_tool_peak_mib (in, N_COPIES, "-j", "2", "--memory-budget", "650",
      "--variants", "thumbnail:150:80:75", "--formats", "jpeg", NULL);
  GST_INFO ("16-bit PNG 5900x5900, budget 650 MiB: peak %" G_GUINT64_FORMAT
            " MiB",
      peak);
  fail_unless (peak <= 650 + MARGIN_MIB,
      "peak RSS %" G_GUINT64_FORMAT " MiB over the budget of 650 MiB", peak);
  g_free (in);
}

GST_END_TEST;

static Suite *
memory_suite (void)
{
  Suite *s = suite_create ("imgcompress-memory");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 180);
  tcase_add_checked_fixture (tc, setup, teardown);
  tcase_add_test (tc, test_animated_canvas_within_budget);
  tcase_add_test (tc, test_png16_within_budget);
  return s;
}

GST_CHECK_MAIN (memory);

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 * SPDX-License-Identifier: LGPL-2.0-or-later
 *
 * Progressive scan scripts compared on the same pixels, for
 * bench/jpeg-scans.py:
 *
 *   jpeg-scans SCRIPT QUALITY REPEAT FILE.ppm...
 *
 * encodes every binary PPM with libjpeg (RGB in, 4:2:0, optimised Huffman
 * tables, islow DCT as turbojpegenc) REPEAT times and prints the bytes of
 * one pass over the files and the CPU time of the fastest pass, in ms per
 * image.  SCRIPT: baseline, standard (jpeg_simple_progression), luma-sa
 * (turbojpegenc's script until December 2026) or spectral (turbojpegenc's
 * script now, from ext/turbojpeg/gstturbojpegscans.h).
 */

/* jpeglib.h needs size_t and FILE first */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jpeglib.h>

#include "gstturbojpegscans.h"

typedef struct
{
  const char *name;
  const jpeg_scan_info *scans;
  int n_scans;
} Script;

static const jpeg_scan_info luma_sa[] = {
  { 3, { 0, 1, 2 }, 0, 0, 0, 0 },
  { 1, { 0 }, 1, 2, 0, 1 },
  { 1, { 1 }, 1, 63, 0, 0 },
  { 1, { 2 }, 1, 63, 0, 0 },
  { 1, { 0 }, 3, 63, 0, 1 },
  { 1, { 0 }, 1, 63, 1, 0 },
};

static const Script scripts[] = {
  { "baseline", NULL, 0 },
  { "standard", NULL, -1 },
  { "luma-sa", luma_sa, sizeof (luma_sa) / sizeof (luma_sa[0]) },
  { "spectral", ycc_scans, sizeof (ycc_scans) / sizeof (ycc_scans[0]) },
};

typedef struct
{
  unsigned char *pixels;
  int width;
  int height;
} Image;

static int
read_ppm (const char *path, Image *image)
{
  FILE *f = fopen (path, "rb");
  int maxval, ok = 0;
  size_t size;

  if (f == NULL)
    return 0;
  if (fscanf (f, "P6 %d %d %d", &image->width, &image->height, &maxval) == 3 &&
      maxval == 255 && image->width > 0 && image->height > 0 &&
      image->width <= 65535 && image->height <= 65535 && fgetc (f) != EOF) {
    size = (size_t) image->width * image->height * 3;
    image->pixels = malloc (size);
    ok = image->pixels && fread (image->pixels, 1, size, f) == size;
  }
  fclose (f);
  return ok;
}

static double
cpu_seconds (void)
{
  struct timespec t;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned long
encode (const Script *script, int quality, const Image *image)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *out = NULL;
  unsigned long size = 0;

  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_mem_dest (&cinfo, &out, &size);
  cinfo.image_width = image->width;
  cinfo.image_height = image->height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults (&cinfo);
  cinfo.dct_method = JDCT_ISLOW;
  cinfo.optimize_coding = TRUE;
  jpeg_set_quality (&cinfo, quality, TRUE);
  if (script->n_scans < 0) {
    jpeg_simple_progression (&cinfo);
  } else if (script->n_scans > 0) {
    cinfo.scan_info = script->scans;
    cinfo.num_scans = script->n_scans;
  }
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row =
        image->pixels + (size_t) cinfo.next_scanline * image->width * 3;
    jpeg_write_scanlines (&cinfo, &row, 1);
  }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  free (out);
  return size;
}

int
main (int argc, char **argv)
{
  const Script *script = NULL;
  Image *images;
  int quality, repeat, n, i, r;
  unsigned long bytes = 0;
  double best = -1;

  if (argc < 5) {
    fprintf (stderr, "usage: %s SCRIPT QUALITY REPEAT FILE.ppm...\n", argv[0]);
    return 2;
  }
  for (i = 0; i < (int) (sizeof (scripts) / sizeof (scripts[0])); i++)
    if (strcmp (argv[1], scripts[i].name) == 0)
      script = &scripts[i];
  quality = atoi (argv[2]);
  repeat = atoi (argv[3]);
  if (script == NULL || quality < 1 || quality > 100 || repeat < 1) {
    fprintf (stderr, "%s: bad script, quality or repeat\n", argv[0]);
    return 2;
  }
  n = argc - 4;
  images = calloc (n, sizeof (Image));
  for (i = 0; i < n; i++) {
    if (!read_ppm (argv[4 + i], &images[i])) {
      fprintf (stderr, "%s: cannot read %s as a binary PPM\n", argv[0],
          argv[4 + i]);
      return 1;
    }
  }
  for (r = 0; r < repeat; r++) {
    double t0 = cpu_seconds (), t;
    unsigned long pass_bytes = 0;

    for (i = 0; i < n; i++)
      pass_bytes += encode (script, quality, &images[i]);
    t = cpu_seconds () - t0;
    if (best < 0 || t < best)
      best = t;
    bytes = pass_bytes;
  }
  printf ("%lu %.3f\n", bytes, best / n * 1000);
  for (i = 0; i < n; i++)
    free (images[i].pixels);
  free (images);
  return 0;
}

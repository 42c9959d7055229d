/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Writes the HEIF and AVIF files heif-enc cannot make (formats.py makes
 * the plain ones with heif-enc and avifenc): a rotation stored as irot/imir
 * boxes, with an Exif orientation beside it as phones write both, and a
 * stored thumbnail that is another picture, so that its use shows.
 *
 *   make-heif IN.rgb WIDTH HEIGHT CHANNELS OUT hevc|av1 ORIENTATION
 *       [THUMB.rgb THUMB_BOX]
 *
 * IN.rgb holds packed 8-bit RGB (CHANNELS 3) or RGBA (4) rows; THUMB.rgb
 * the same size of another picture, which libheif scales into a
 * THUMB_BOX box and stores as the thumbnail. */

#include <libheif/heif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A big-endian TIFF with one IFD entry: Orientation (274) = @o. */
static void
exif_orientation (unsigned char exif[30], int o)
{
  static const unsigned char head[] = { 'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 1,
    18, 0, 3, 0, 0, 0, 1 };

  memset (exif, 0, 30);
  memcpy (exif, head, sizeof (head));
  exif[18] = 0;
  exif[19] = (unsigned char) o;
}

static int
check (struct heif_error err, const char *what)
{
  if (err.code == heif_error_Ok)
    return 1;
  fprintf (stderr, "make-heif: %s: %s\n", what, err.message);
  return 0;
}

static struct heif_image *
load (const char *path, int w, int h, int channels)
{
  struct heif_image *img = NULL;
  FILE *f = fopen (path, "rb");
  unsigned char *plane;
  int stride, y;

  if (f == NULL ||
      !check (heif_image_create (w, h, heif_colorspace_RGB,
                  channels == 4 ? heif_chroma_interleaved_RGBA :
                                  heif_chroma_interleaved_RGB,
                  &img),
          "create") ||
      !check (heif_image_add_plane (img, heif_channel_interleaved, w, h, 8),
          "plane")) {
    if (f)
      fclose (f);
    return NULL;
  }
  plane = heif_image_get_plane (img, heif_channel_interleaved, &stride);
  for (y = 0; y < h; y++)
    if (fread (plane + (size_t) y * stride, 1, (size_t) w * channels, f) !=
        (size_t) w * channels) {
      fprintf (stderr, "make-heif: %s too short\n", path);
      fclose (f);
      heif_image_release (img);
      return NULL;
    }
  fclose (f);
  return img;
}

int
main (int argc, char **argv)
{
  struct heif_context *ctx = heif_context_alloc ();
  struct heif_encoder *enc = NULL;
  struct heif_encoding_options *opts = heif_encoding_options_alloc ();
  struct heif_image_handle *handle = NULL;
  struct heif_image *img, *thumb;
  unsigned char exif[30];
  int orientation;

  if (argc != 8 && argc != 10) {
    fprintf (stderr,
        "usage: make-heif IN.rgb W H CHANNELS OUT hevc|av1 "
        "ORIENTATION [THUMB.rgb THUMB_BOX]\n");
    return 2;
  }
  img = load (argv[1], atoi (argv[2]), atoi (argv[3]), atoi (argv[4]));
  orientation = atoi (argv[7]);
  if (img == NULL ||
      !check (heif_context_get_encoder_for_format (ctx,
                  strcmp (argv[6], "av1") == 0 ? heif_compression_AV1 :
                                                 heif_compression_HEVC,
                  &enc),
          "encoder"))
    return 1;
  heif_encoder_set_lossy_quality (enc, 90);
  opts->image_orientation = (enum heif_orientation) orientation;
  if (!check (heif_context_encode_image (ctx, img, enc, opts, &handle),
          "encode"))
    return 1;
  if (orientation != 1) {
    /* as phones: the Exif orientation says the same as irot/imir */
    exif_orientation (exif, orientation);
    if (!check (heif_context_add_exif_metadata (ctx, handle, exif,
                    sizeof (exif)),
            "exif"))
      return 1;
  }
  if (argc == 10) {
    struct heif_image_handle *thumb_handle = NULL;

    thumb = load (argv[8], atoi (argv[2]), atoi (argv[3]), atoi (argv[4]));
    if (thumb == NULL ||
        !check (heif_context_encode_thumbnail (ctx, thumb, handle, enc, opts,
                    atoi (argv[9]), &thumb_handle),
            "thumbnail") ||
        thumb_handle == NULL)
      return 1;
    heif_image_handle_release (thumb_handle);
    heif_image_release (thumb);
  }
  if (!check (heif_context_write_to_file (ctx, argv[5]), "write"))
    return 1;
  heif_image_handle_release (handle);
  heif_image_release (img);
  heif_encoder_release (enc);
  heif_encoding_options_free (opts);
  heif_context_free (ctx);
  return 0;
}

/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompresssize
 * @title: size arithmetic
 * @short_description: overflow-checked sizes, box fitting, decode scale
 *
 * Every element computes frame sizes, output dimensions and decode scales
 * with these functions, so the rounding is the same everywhere and no
 * multiplication can wrap.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompresssize.h"

#include <math.h>

/**
 * gst_imgcompress_size_mul:
 * @a: a size
 * @b: a size
 * @result: (out): @a * @b when it fits in a gsize
 *
 * Returns: %FALSE on overflow
 */
gboolean
gst_imgcompress_size_mul (gsize a, gsize b, gsize *result)
{
  return g_size_checked_mul (result, a, b);
}

/**
 * gst_imgcompress_size_add:
 * @a: a size
 * @b: a size
 * @result: (out): @a + @b when it fits in a gsize
 *
 * Returns: %FALSE on overflow
 */
gboolean
gst_imgcompress_size_add (gsize a, gsize b, gsize *result)
{
  return g_size_checked_add (result, a, b);
}

/**
 * gst_imgcompress_frame_bytes:
 * @width: pixels
 * @height: pixels
 * @bytes_per_pixel: bytes per pixel
 * @result: (out): width * height * bytes_per_pixel
 *
 * Returns: %FALSE when a dimension is 0 or the product overflows
 */
gboolean
gst_imgcompress_frame_bytes (guint width, guint height, guint bytes_per_pixel,
    gsize *result)
{
  gsize pixels;

  if (width == 0 || height == 0 || bytes_per_pixel == 0)
    return FALSE;
  return g_size_checked_mul (&pixels, width, height) &&
      g_size_checked_mul (result, pixels, bytes_per_pixel);
}

/**
 * gst_imgcompress_pixels_allowed:
 * @width: pixels
 * @height: pixels
 * @max_pixels: the limit, 0 for none
 *
 * Returns: %TRUE when both dimensions are non-zero and width * height is
 *     at most @max_pixels
 */
gboolean
gst_imgcompress_pixels_allowed (guint width, guint height, guint64 max_pixels)
{
  guint64 pixels;

  if (width == 0 || height == 0)
    return FALSE;
  /* Two 32-bit factors cannot overflow 64 bits. */
  pixels = (guint64) width * (guint64) height;
  return max_pixels == 0 || pixels <= max_pixels;
}

static guint
round_dimension (gdouble value)
{
  gdouble r = floor (value + 0.5);

  if (r < 1.0)
    return 1;
  if (r > (gdouble) G_MAXINT)
    return G_MAXINT;
  return (guint) r;
}

/**
 * gst_imgcompress_fit_box:
 * @width: source width in pixels
 * @height: source height in pixels
 * @par_n: pixel-aspect-ratio numerator (0 or 1:1 for square pixels)
 * @par_d: pixel-aspect-ratio denominator
 * @box_width: box width, 0 for unbounded
 * @box_height: box height, 0 for unbounded
 * @enlarge: whether an image smaller than the box is scaled up
 * @out_width: (out): output width, square pixels
 * @out_height: (out): output height, square pixels
 *
 * Fits the image's display size into the box keeping its aspect ratio.
 * The bounding axis gets exactly the box size; the other is rounded to the
 * nearest pixel (5640x3172 into 2048 gives 2048x1152, 6028x3391 into 150
 * gives 150x84), never below 1.  When the image already fits and @enlarge is
 * %FALSE the display size is returned unchanged.
 */
void
gst_imgcompress_fit_box (guint width, guint height, gint par_n, gint par_d,
    guint box_width, guint box_height, gboolean enlarge, guint *out_width,
    guint *out_height)
{
  gdouble dw, dh, sx, sy;

  g_return_if_fail (out_width != NULL && out_height != NULL);

  if (width == 0 || height == 0) {
    *out_width = width;
    *out_height = height;
    return;
  }

  dw = width;
  dh = height;
  if (par_n > 0 && par_d > 0 && par_n != par_d)
    dw = (gdouble) width * par_n / par_d;

  sx = box_width ? box_width / dw : G_MAXDOUBLE;
  sy = box_height ? box_height / dh : G_MAXDOUBLE;

  if ((!enlarge && sx >= 1.0 && sy >= 1.0) || (!box_width && !box_height)) {
    *out_width = round_dimension (dw);
    *out_height = round_dimension (dh);
    return;
  }

  if (sx <= sy) {
    *out_width = box_width;
    *out_height = round_dimension (dh * sx);
  } else {
    *out_width = round_dimension (dw * sy);
    *out_height = box_height;
  }
}

/**
 * gst_imgcompress_scaled_dimension:
 * @dimension: a source dimension
 * @num: scale numerator
 * @denom: scale denominator
 *
 * The size libjpeg-turbo produces when decoding with scale @num / @denom
 * (rounded up, as TJSCALED does).
 *
 * Returns: ceil(@dimension * @num / @denom)
 */
guint
gst_imgcompress_scaled_dimension (guint dimension, guint num, guint denom)
{
  g_return_val_if_fail (denom > 0, dimension);
  return (guint) (((guint64) dimension * num + denom - 1) / denom);
}

/* What the decode scale leaves to the final resize, at least. */
#define SCALE_MARGIN 2

/**
 * gst_imgcompress_pick_scale_eighths:
 * @width: source width
 * @height: source height
 * @box_width: the box the output must fit, 0 for unbounded
 * @box_height: the box the output must fit, 0 for unbounded
 *
 * Picks the smallest decode scale n/8 (n in 1..8) whose output is still at
 * least twice, on both axes, the size the image will have once fitted into
 * the box.  DCT scaling is a block shrink that adds sharpness and block
 * edges; leaving a factor of two to a real filter downstream (as libvips'
 * thumbnail does) keeps the result within 0.001 luma SSIM of a Lanczos
 * resize of the full decode, where covering the box alone lost 0.005 at
 * 2048 px on the corpus.
 *
 * Returns: n, the numerator over 8 (8 means full size)
 */
guint
gst_imgcompress_pick_scale_eighths (guint width, guint height, guint box_width,
    guint box_height)
{
  guint target_w, target_h, n;

  if (width == 0 || height == 0 || (box_width == 0 && box_height == 0))
    return 8;

  gst_imgcompress_fit_box (width, height, 1, 1, box_width, box_height, FALSE,
      &target_w, &target_h);

  for (n = 1; n < 8; n++) {
    if (gst_imgcompress_scaled_dimension (width, n, 8) >=
            (guint64) SCALE_MARGIN * target_w &&
        gst_imgcompress_scaled_dimension (height, n, 8) >=
            (guint64) SCALE_MARGIN * target_h)
      return n;
  }
  return 8;
}

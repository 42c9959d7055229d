/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The resampling kernel behind imgsizer: one 8-bit plane (1, 3 or 4
 * interleaved channels) is reduced by an integer box pre-shrink, then a
 * separable filter (vertical pass first, then horizontal) from precomputed
 * tables, and written through arbitrary pixel/row steps so that a flip or
 * a quarter turn costs nothing extra. */

#ifndef __IMG_RESAMPLE_H__
#define __IMG_RESAMPLE_H__

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  IMG_RESAMPLE_LANCZOS3,
  IMG_RESAMPLE_BILINEAR,
  IMG_RESAMPLE_BOX,
} ImgResampleMethod;

/**
 * ImgResampleAxis:
 * @in_size: input plane samples along the axis
 * @out_size: output plane samples along the axis
 * @scale: input samples per output sample
 * @offset: centre of output sample 0 in input edge coordinates (input
 *     sample i covers [i, i + 1)); output sample i is centred on
 *     i * @scale + @offset
 *
 * The geometry of one axis.  For a plain plane @offset is @scale / 2;
 * chroma planes of odd-sized or co-sited frames differ.
 */
typedef struct
{
  guint in_size;
  guint out_size;
  gdouble scale;
  gdouble offset;
} ImgResampleAxis;

typedef struct _ImgResamplePlan ImgResamplePlan;

ImgResamplePlan *img_resample_plan_new (const ImgResampleAxis *horizontal,
    const ImgResampleAxis *vertical, guint n_channels, gint alpha_channel,
    ImgResampleMethod method);

void img_resample_plan_free (ImgResamplePlan *plan);

guint img_resample_plan_get_shrink (const ImgResamplePlan *plan,
    gboolean vertical);

guint img_resample_plan_get_taps (const ImgResamplePlan *plan,
    gboolean vertical);

void img_resample_plan_run (const ImgResamplePlan *plan, const guint8 *src,
    gsize src_stride, guint8 *dst, gssize dst_pixel_step, gssize dst_row_step,
    guint first_row, guint end_row);

G_END_DECLS

#endif /* __IMG_RESAMPLE_H__ */

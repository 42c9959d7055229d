/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* How the reduction is organised (the libvips thumbnail scheme):
 *
 *  1. An integer box pre-shrink by k on each axis, chosen so that the
 *     filter is still left a reduction of at least SHRINK_GAP.  Averaging
 *     k x k blocks is cheap (one add per source sample) and, since the
 *     filter that follows still spans several shrunk samples, the result
 *     stays within a hair of a direct Lanczos-3 of the source.
 *     k = floor (scale / SHRINK_GAP), libvips' rule with its default gap
 *     of 2: a 2.9x reduction is all Lanczos, a 40x one is a 20x box then a
 *     2x Lanczos.
 *  2. The vertical filter pass, over whole shrunk rows: each output row is
 *     a weighted sum of `taps` rows held in a ring buffer, so every shrunk
 *     row is computed once.  This is the pass that touches the most data;
 *     it runs over blocks of V_BLOCK samples whose sums stay in registers
 *     across the taps (contiguous, branch-free, vectorised).
 *  3. The horizontal filter pass, on the already reduced rows only, as dot
 *     products over taps padded to whole vectors.
 *
 * Everything is in float, so no precision is lost between the passes.
 * Rows handed to the vectorised loops are padded to a multiple of
 * ROW_ALIGN floats and the loop counts are masked to that multiple, which
 * lets gcc's cheap vectorisation model (-O2) take them without epilogues.
 * Alpha is resampled premultiplied, so transparent pixels do not bleed
 * their (meaningless) colour into opaque neighbours.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "imgresample.h"

#include <math.h>
#include <string.h>

/* The box pre-shrink leaves at least this much reduction to the filter. */
#define SHRINK_GAP 2.0

#define ROW_ALIGN 32

/* The hot loops are compiled twice, for baseline x86-64 (SSE2) and for
 * x86-64-v3 (AVX2 + FMA), and the loader picks one (ifunc): twice the
 * vector width for the same portable C. */
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) &&          \
    !defined(__clang__) && __GNUC__ >= 11
#define IMG_HOT __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define IMG_HOT
#endif

/* Horizontal windows are padded to whole groups of this many taps. */
#define H_TAP_MULTIPLE 4

/* Weights below this (relative to their sum) are dropped from a window's
 * ends: they are the kernel's zeros hit at integer offsets. */
#define WEIGHT_EPSILON 1e-7

typedef struct
{
  guint shrink;
  guint shrunk_size;
  guint out_size;
  guint taps;
  gint *start;
  gfloat *weights;
} AxisFilter;

struct _ImgResamplePlan
{
  guint n_channels;
  gint alpha;
  guint in_width;
  guint in_height;
  AxisFilter h;
  AxisFilter v;
};

static gdouble
sinc (gdouble x)
{
  if (x == 0.0)
    return 1.0;
  x *= G_PI;
  return sin (x) / x;
}

static gdouble
kernel_support (ImgResampleMethod method)
{
  switch (method) {
    case IMG_RESAMPLE_BILINEAR:
      return 1.0;
    case IMG_RESAMPLE_BOX:
      return 0.5;
    case IMG_RESAMPLE_LANCZOS3:
    default:
      return 3.0;
  }
}

static gdouble
kernel_value (ImgResampleMethod method, gdouble x)
{
  switch (method) {
    case IMG_RESAMPLE_BILINEAR:
      x = fabs (x);
      return x < 1.0 ? 1.0 - x : 0.0;
    case IMG_RESAMPLE_BOX:
      return (x >= -0.5 && x < 0.5) ? 1.0 : 0.0;
    case IMG_RESAMPLE_LANCZOS3:
    default:
      if (x <= -3.0 || x >= 3.0)
        return 0.0;
      return sinc (x) * sinc (x / 3.0);
  }
}

static guint
pick_box_shrink (const ImgResampleAxis *axis)
{
  gdouble k = floor (axis->scale / SHRINK_GAP);

  if (k < 1.0)
    return 1;
  if (k > axis->in_size)
    return axis->in_size;
  return (guint) k;
}

static gsize
round_up_row (gsize n)
{
  return (n + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
}

static void
axis_filter_clear (AxisFilter *f)
{
  g_free (f->start);
  g_free (f->weights);
  f->start = NULL;
  f->weights = NULL;
}

/* Computes the weights of one output sample into @w (room for
 * @max_window), returns the first input sample and the window length. */
static guint
compute_window (ImgResampleMethod method, gdouble center, gdouble support,
    gdouble filter_scale, guint n_in, guint max_window, gdouble *w, gint *lo)
{
  gdouble sum = 0.0, lo_f, hi_f;
  gint first, end, x;
  guint len, trim;

  lo_f = floor (center - support + 0.5);
  hi_f = floor (center + support + 0.5);
  first = (gint) CLAMP (lo_f, 0.0, (gdouble) n_in);
  end = (gint) CLAMP (hi_f, 0.0, (gdouble) n_in);
  if (end - first > (gint) max_window)
    end = first + max_window;

  for (x = first; x < end; x++) {
    w[x - first] = kernel_value (method, (x - center + 0.5) / filter_scale);
    sum += w[x - first];
  }

  if (end <= first || fabs (sum) < WEIGHT_EPSILON) {
    /* Degenerate window (sample centre outside the input): nearest. */
    first = (gint) CLAMP (floor (center), 0.0, (gdouble) n_in - 1);
    w[0] = 1.0;
    *lo = first;
    return 1;
  }

  len = end - first;
  while (len > 1 && fabs (w[len - 1]) < WEIGHT_EPSILON * fabs (sum))
    len--;
  for (trim = 0; trim + 1 < len && fabs (w[trim]) < WEIGHT_EPSILON * fabs (sum);
       trim++)
    ;
  if (trim > 0) {
    memmove (w, w + trim, (len - trim) * sizeof (gdouble));
    len -= trim;
    first += trim;
  }

  sum = 0.0;
  for (x = 0; x < (gint) len; x++)
    sum += w[x];
  for (x = 0; x < (gint) len; x++)
    w[x] /= sum;

  *lo = first;
  return len;
}

/* Builds the tables of one axis.  Every output sample gets the same number
 * of taps (the widest window, zero-padded), so the filter loops have no
 * per-sample branches. */
static gboolean
axis_filter_init (AxisFilter *f, const ImgResampleAxis *axis,
    ImgResampleMethod method, guint tap_multiple)
{
  gdouble scale, filter_scale, support;
  gint *first = NULL;
  guint *len = NULL;
  gdouble *all = NULL;
  guint max_window, i, t;
  gsize n_all;
  gboolean ok = FALSE;

  memset (f, 0, sizeof (*f));
  if (axis->in_size == 0 || axis->out_size == 0 || !(axis->scale > 0.0))
    return FALSE;

  f->shrink = pick_box_shrink (axis);
  f->shrunk_size = (axis->in_size + f->shrink - 1) / f->shrink;
  f->out_size = axis->out_size;

  scale = axis->scale / f->shrink;
  filter_scale = MAX (scale, 1.0);
  support = kernel_support (method) * filter_scale;
  max_window =
      (guint) MIN (ceil (2.0 * support) + 2.0, (gdouble) f->shrunk_size);

  if (!g_size_checked_mul (&n_all, f->out_size, max_window))
    return FALSE;
  all = g_try_new (gdouble, n_all);
  first = g_try_new (gint, f->out_size);
  len = g_try_new (guint, f->out_size);
  if (all == NULL || first == NULL || len == NULL)
    goto done;

  f->taps = 1;
  for (i = 0; i < f->out_size; i++) {
    gdouble center = (i * axis->scale + axis->offset) / f->shrink;

    len[i] = compute_window (method, center, support, filter_scale,
        f->shrunk_size, max_window, all + (gsize) i * max_window, &first[i]);
    f->taps = MAX (f->taps, len[i]);
  }

  /* Rounded up so the dot products run in whole vectors; the extra weights
   * are zero and may reach into the zeroed padding past the last sample. */
  f->taps = (f->taps + tap_multiple - 1) / tap_multiple * tap_multiple;

  f->start = g_try_new (gint, f->out_size);
  f->weights = g_try_new0 (gfloat, (gsize) f->out_size * f->taps);
  if (f->start == NULL || f->weights == NULL)
    goto done;

  for (i = 0; i < f->out_size; i++) {
    /* Slide the window left where it would run past the last sample. */
    gint start =
        MAX (0, MIN (first[i], (gint) f->shrunk_size - (gint) f->taps));
    gfloat *w = f->weights + (gsize) i * f->taps + (first[i] - start);

    f->start[i] = start;
    for (t = 0; t < len[i]; t++)
      w[t] = (gfloat) all[(gsize) i * max_window + t];
  }
  ok = TRUE;

done:
  g_free (all);
  g_free (first);
  g_free (len);
  if (!ok)
    axis_filter_clear (f);
  return ok;
}

/**
 * img_resample_plan_new:
 * @horizontal: geometry of the rows
 * @vertical: geometry of the columns
 * @n_channels: interleaved 8-bit channels per pixel (1 to 4)
 * @alpha_channel: index of the alpha channel, or -1
 * @method: the filter
 *
 * Returns: (nullable): the plan, or %NULL when the geometry is invalid or
 *     the tables cannot be allocated
 */
ImgResamplePlan *
img_resample_plan_new (const ImgResampleAxis *horizontal,
    const ImgResampleAxis *vertical, guint n_channels, gint alpha_channel,
    ImgResampleMethod method)
{
  ImgResamplePlan *plan;
  gsize row;

  g_return_val_if_fail (n_channels >= 1 && n_channels <= 4, NULL);
  g_return_val_if_fail (alpha_channel < (gint) n_channels, NULL);

  /* Rows of floats must stay addressable. */
  if (!g_size_checked_mul (&row, horizontal->in_size, n_channels * 4 + 4))
    return NULL;

  plan = g_new0 (ImgResamplePlan, 1);
  plan->n_channels = n_channels;
  plan->alpha = alpha_channel;
  plan->in_width = horizontal->in_size;
  plan->in_height = vertical->in_size;

  if (!axis_filter_init (&plan->h, horizontal, method, H_TAP_MULTIPLE) ||
      !axis_filter_init (&plan->v, vertical, method, 1)) {
    img_resample_plan_free (plan);
    return NULL;
  }
  return plan;
}

void
img_resample_plan_free (ImgResamplePlan *plan)
{
  if (plan == NULL)
    return;
  axis_filter_clear (&plan->h);
  axis_filter_clear (&plan->v);
  g_free (plan);
}

guint
img_resample_plan_get_shrink (const ImgResamplePlan *plan, gboolean vertical)
{
  return vertical ? plan->v.shrink : plan->h.shrink;
}

guint
img_resample_plan_get_taps (const ImgResamplePlan *plan, gboolean vertical)
{
  return vertical ? plan->v.taps : plan->h.taps;
}

/* --- Source rows to float ---------------------------------------------- */

IMG_HOT static void
load_row (gfloat *restrict dst, const guint8 *restrict src, gsize n)
{
  gsize i, n8 = n & ~(gsize) (ROW_ALIGN - 1);

  for (i = 0; i < n8; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = src[i];
}

IMG_HOT static void
add_row (gfloat *restrict dst, const guint8 *restrict src, gsize n)
{
  gsize i, n8 = n & ~(gsize) (ROW_ALIGN - 1);

  for (i = 0; i < n8; i++)
    dst[i] += src[i];
  for (; i < n; i++)
    dst[i] += src[i];
}

/* 4-channel rows with alpha at @alpha: colour multiplied by alpha / 255. */
IMG_HOT static void
load_row_premultiplied (gfloat *restrict dst, const guint8 *restrict src,
    gsize n_pixels, gint alpha, gboolean add)
{
  const gfloat k = 1.0f / 255.0f;
  gsize p;
  guint c;

  for (p = 0; p < n_pixels; p++) {
    const guint8 *s = src + p * 4;
    gfloat *d = dst + p * 4;
    gfloat f = s[alpha] * k;
    gfloat v[4];

    for (c = 0; c < 4; c++)
      v[c] = s[c] * f;
    v[alpha] = s[alpha];
    if (add) {
      for (c = 0; c < 4; c++)
        d[c] += v[c];
    } else {
      for (c = 0; c < 4; c++)
        d[c] = v[c];
    }
  }
}

IMG_HOT static void
scale_row (gfloat *restrict row, gfloat factor, gsize n)
{
  gsize i;

  n &= ~(gsize) (ROW_ALIGN - 1);
  for (i = 0; i < n; i++)
    row[i] *= factor;
}

/* Averages groups of @k pixels of @src (@n_pixels wide) into @dst; the
 * last group may be partial and is averaged over what it has. */
IMG_HOT static void
box_shrink_row (gfloat *restrict dst, const gfloat *restrict src,
    guint n_pixels, guint nc, guint k, gfloat row_factor)
{
  guint full = n_pixels / k, rem = n_pixels % k;
  gfloat norm = row_factor / k;
  guint j, c, t;

  for (j = 0; j < full; j++) {
    const gfloat *s = src + (gsize) j * k * nc;
    for (c = 0; c < nc; c++) {
      gfloat sum = 0.0f;
      for (t = 0; t < k; t++)
        sum += s[t * nc + c];
      dst[(gsize) j * nc + c] = sum * norm;
    }
  }
  if (rem > 0) {
    const gfloat *s = src + (gsize) full * k * nc;
    for (c = 0; c < nc; c++) {
      gfloat sum = 0.0f;
      for (t = 0; t < rem; t++)
        sum += s[t * nc + c];
      dst[(gsize) full * nc + c] = sum * row_factor / rem;
    }
  }
}

typedef struct
{
  const ImgResamplePlan *plan;
  const guint8 *src;
  gsize src_stride;
  gfloat *sum;
} RowSource;

/* Shrunk row @j: the box average of its source rows and columns. */
static void
produce_shrunk_row (const RowSource *rs, guint j, gfloat *dst)
{
  const ImgResamplePlan *plan = rs->plan;
  guint nc = plan->n_channels;
  guint ky = plan->v.shrink, kx = plan->h.shrink;
  guint r0 = j * ky, r1 = MIN (r0 + ky, plan->in_height), r;
  gsize n = (gsize) plan->in_width * nc;
  gfloat *target = kx == 1 ? dst : rs->sum;
  gfloat row_factor = 1.0f / (r1 - r0);

  for (r = r0; r < r1; r++) {
    const guint8 *s = rs->src + r * rs->src_stride;

    if (plan->alpha >= 0)
      load_row_premultiplied (target, s, plan->in_width, plan->alpha, r > r0);
    else if (r == r0)
      load_row (target, s, n);
    else
      add_row (target, s, n);
  }

  if (kx == 1) {
    if (r1 - r0 > 1)
      scale_row (dst, row_factor, round_up_row (n));
  } else {
    box_shrink_row (dst, rs->sum, plan->in_width, nc, kx, row_factor);
  }
}

/* --- The filter passes ----------------------------------------------- */

/* Each block of V_BLOCK output samples is summed over all taps in
 * registers and stored once: the block loop is a fixed-size, contiguous
 * multiply-add that the compiler turns into vector code, and the
 * accumulator never goes back to memory between taps. */
#define V_BLOCK 32

/* Fully unrolled, the block's accumulators become registers. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define IMG_UNROLL _Pragma ("GCC unroll 32")
#elif defined(__clang__)
#define IMG_UNROLL _Pragma ("unroll")
#else
#define IMG_UNROLL
#endif

IMG_HOT static void
vertical_filter (gfloat *restrict acc, gfloat *const *rows,
    const gfloat *restrict w, guint taps, gsize n)
{
  gsize x;
  guint t, i;

  n &= ~(gsize) (V_BLOCK - 1);
  for (x = 0; x < n; x += V_BLOCK) {
    gfloat a[V_BLOCK];

    IMG_UNROLL
    for (i = 0; i < V_BLOCK; i++)
      a[i] = w[0] * rows[0][x + i];
    for (t = 1; t < taps; t++) {
      const gfloat *restrict r = rows[t] + x;
      gfloat wt = w[t];

      IMG_UNROLL
      for (i = 0; i < V_BLOCK; i++)
        a[i] += wt * r[i];
    }
    IMG_UNROLL
    for (i = 0; i < V_BLOCK; i++)
      acc[x + i] = a[i];
  }
}

/* The dot products keep independent partial sums (four taps at a time,
 * which the compiler turns into one vector operation) so that successive
 * additions do not wait on each other. */
IMG_HOT static void
horizontal_filter_1 (gfloat *restrict out, const gfloat *restrict in,
    const AxisFilter *f)
{
  guint x, t, taps = f->taps & ~(H_TAP_MULTIPLE - 1);

  for (x = 0; x < f->out_size; x++) {
    const gfloat *w = f->weights + (gsize) x * f->taps;
    const gfloat *p = in + f->start[x];
    gfloat s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;

    for (t = 0; t < taps; t += 4) {
      s0 += w[t] * p[t];
      s1 += w[t + 1] * p[t + 1];
      s2 += w[t + 2] * p[t + 2];
      s3 += w[t + 3] * p[t + 3];
    }
    out[x] = (s0 + s1) + (s2 + s3);
  }
}

IMG_HOT static void
horizontal_filter_3 (gfloat *restrict out, const gfloat *restrict in,
    const AxisFilter *f)
{
  guint x, t, c, taps = f->taps & ~(H_TAP_MULTIPLE - 1);

  for (x = 0; x < f->out_size; x++) {
    const gfloat *w = f->weights + (gsize) x * f->taps;
    const gfloat *p = in + (gsize) f->start[x] * 3;
    gfloat a[3] = { 0.0f, 0.0f, 0.0f }, b[3] = { 0.0f, 0.0f, 0.0f };

    for (t = 0; t < taps; t += 2) {
      for (c = 0; c < 3; c++) {
        a[c] += w[t] * p[t * 3 + c];
        b[c] += w[t + 1] * p[t * 3 + 3 + c];
      }
    }
    for (c = 0; c < 3; c++)
      out[x * 3 + c] = a[c] + b[c];
  }
}

IMG_HOT static void
horizontal_filter_4 (gfloat *restrict out, const gfloat *restrict in,
    const AxisFilter *f)
{
  guint x, t, c, taps = f->taps & ~(H_TAP_MULTIPLE - 1);

  for (x = 0; x < f->out_size; x++) {
    const gfloat *w = f->weights + (gsize) x * f->taps;
    const gfloat *p = in + (gsize) f->start[x] * 4;
    gfloat a[4] = { 0.0f, 0.0f, 0.0f, 0.0f }, b[4] = { 0.0f, 0.0f, 0.0f, 0.0f };

    for (t = 0; t < taps; t += 2) {
      for (c = 0; c < 4; c++) {
        a[c] += w[t] * p[t * 4 + c];
        b[c] += w[t + 1] * p[t * 4 + 4 + c];
      }
    }
    for (c = 0; c < 4; c++)
      out[x * 4 + c] = a[c] + b[c];
  }
}

static void
horizontal_filter (gfloat *out, const gfloat *in, const AxisFilter *f, guint nc)
{
  switch (nc) {
    case 1:
      horizontal_filter_1 (out, in, f);
      break;
    case 3:
      horizontal_filter_3 (out, in, f);
      break;
    case 4:
      horizontal_filter_4 (out, in, f);
      break;
    default:
      g_assert_not_reached ();
  }
}

/* Integer rounding and clamping, which vectorises (float compares would
 * become branches). */
static inline guint8
to_byte (gfloat v)
{
  gint i = (gint) (v + 0.5f);

  return (guint8) (i < 0 ? 0 : (i > 255 ? 255 : i));
}

IMG_HOT static void
store_row_contiguous (guint8 *restrict dst, const gfloat *restrict line,
    gsize n)
{
  gsize i, n16 = n & ~(gsize) (ROW_ALIGN - 1);

  for (i = 0; i < n16; i++)
    dst[i] = to_byte (line[i]);
  for (; i < n; i++)
    dst[i] = to_byte (line[i]);
}

static void
store_line (guint8 *dst, gssize step, const gfloat *line, guint n_pixels,
    guint nc)
{
  guint x, c;

  if (step == (gssize) nc) {
    store_row_contiguous (dst, line, (gsize) n_pixels * nc);
    return;
  }
  for (x = 0; x < n_pixels; x++) {
    guint8 *d = dst + x * step;
    for (c = 0; c < nc; c++)
      d[c] = to_byte (line[x * nc + c]);
  }
}

/* Back from premultiplied: colour = value * 255 / alpha. */
static void
store_line_unpremultiply (guint8 *dst, gssize step, const gfloat *line,
    guint n_pixels, gint alpha)
{
  guint x, c;

  for (x = 0; x < n_pixels; x++) {
    const gfloat *p = line + x * 4;
    guint8 *d = dst + x * step;
    gfloat a = p[alpha];
    gfloat inv = a > (1.0f / 512.0f) ? 255.0f / a : 0.0f;

    for (c = 0; c < 4; c++)
      d[c] = to_byte (p[c] * inv);
    d[alpha] = to_byte (a);
  }
}

/**
 * img_resample_plan_run:
 * @plan: the plan
 * @src: the input plane
 * @src_stride: bytes between input rows
 * @dst: where output pixel (0, 0) goes
 * @dst_pixel_step: bytes from output pixel (x, y) to (x + 1, y)
 * @dst_row_step: bytes from output pixel (x, y) to (x, y + 1)
 * @first_row: first output row to compute
 * @end_row: one past the last output row to compute
 *
 * Computes output rows [@first_row, @end_row).  Distinct row ranges of one
 * plan may run at the same time in different threads.  The steps may be
 * negative or swap the axes, which is how orientation is applied.
 */
void
img_resample_plan_run (const ImgResamplePlan *plan, const guint8 *src,
    gsize src_stride, guint8 *dst, gssize dst_pixel_step, gssize dst_row_step,
    guint first_row, guint end_row)
{
  const AxisFilter *v = &plan->v, *h = &plan->h;
  guint nc = plan->n_channels;
  /* One spare vector per row: rows a power of two apart would all map to
   * the same cache sets when the vertical pass reads them together. */
  gsize row_pad =
      round_up_row ((gsize) MAX (h->shrunk_size, h->taps) * nc) + ROW_ALIGN;
  gsize src_pad = round_up_row ((gsize) plan->in_width * nc);
  gfloat *ring, *acc, *line;
  gfloat **rows;
  RowSource rs;
  guint y, t, next;

  end_row = MIN (end_row, v->out_size);
  if (first_row >= end_row)
    return;

  /* Zero-filled so the padding the vector loops read is harmless. */
  ring = g_new0 (gfloat, row_pad * v->taps);
  acc = g_new0 (gfloat, row_pad);
  line = g_new0 (gfloat, round_up_row ((gsize) h->out_size * nc));
  rows = g_new (gfloat *, v->taps);
  rs.plan = plan;
  rs.src = src;
  rs.src_stride = src_stride;
  rs.sum = h->shrink > 1 ? g_new0 (gfloat, src_pad) : NULL;

  next = v->start[first_row];
  for (y = first_row; y < end_row; y++) {
    guint s = v->start[y];

    next = MAX (next, s);
    for (; next < s + v->taps; next++)
      produce_shrunk_row (&rs, next, ring + (next % v->taps) * row_pad);
    for (t = 0; t < v->taps; t++)
      rows[t] = ring + ((s + t) % v->taps) * row_pad;

    vertical_filter (acc, rows, v->weights + (gsize) y * v->taps, v->taps,
        row_pad);
    horizontal_filter (line, acc, h, nc);

    if (plan->alpha >= 0)
      store_line_unpremultiply (dst + (gssize) y * dst_row_step, dst_pixel_step,
          line, h->out_size, plan->alpha);
    else
      store_line (dst + (gssize) y * dst_row_step, dst_pixel_step, line,
          h->out_size, nc);
  }

  g_free (rs.sum);
  g_free (rows);
  g_free (line);
  g_free (acc);
  g_free (ring);
}

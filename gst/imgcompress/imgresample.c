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
 * Single-channel planes (planar YUV, the usual case) that need no box
 * pre-shrink, i.e. reductions under 2 x SHRINK_GAP where the filter does
 * all the work, take a direct path instead (run_direct), organised for
 * the cache and the vector units rather than for the least arithmetic:
 *  - output rows are made in bands of BAND_ROWS.  The vertical pass walks
 *    the band strip by strip: it converts the STRIP columns of all the
 *    band's source rows to float in a small buffer that stays in L1 (the
 *    rows shared by neighbouring bands are converted again, which is
 *    cheaper than a ring of float rows read from L2), then sums each
 *    output row's taps over it;
 *  - the horizontal pass makes H_GROUP outputs at once as one vector: each
 *    input sample is broadcast and multiplied by a column of weights laid
 *    out per group (zero where a sample is outside an output's window), so
 *    there is no gather and no horizontal addition, at the price of
 *    multiplying the zeros; doing the band's rows together loads each
 *    weight column once and gives independent chains of multiply-adds.
 *
 * Where the CPU has AVX2, the direct path runs in 16-bit fixed point
 * instead (run_direct_fixed, same structure; see plan_init_fixed).
 *
 * Everything else is in float, so no precision is lost between the passes.
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

#if defined(__x86_64__) && defined(__GNUC__) &&                                \
    (defined(__clang__) || __GNUC__ >= 6)
#define IMG_HAVE_AVX2 1
#include <immintrin.h>
#endif

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

/* The direct path's blocking (see the head comment).  The strip buffer,
 * (taps + (BAND_ROWS - 1) x scale) rows of STRIP floats, is about 10 KB at
 * a 3x reduction: L1.  BAND_ROWS x H_GROUP sums are the registers of the
 * horizontal pass.  Measured on Zen 4: a 64-column strip is 1.3x faster
 * than a 128-column one; 16-row bands are slower than 8 (the band's float
 * rows and the source rows it spans crowd L2). */
#define BAND_ROWS 8
#define STRIP 64
#define H_GROUP 8

/* Source rows are fetched this far ahead of the strip being converted:
 * a band reads dozens of rows at once, more streams than the hardware
 * prefetcher follows. */
#define PREFETCH_AHEAD (2 * STRIP)
#if defined(__GNUC__) || defined(__clang__)
#define IMG_PREFETCH(p) __builtin_prefetch ((p), 0, 3)
#else
#define IMG_PREFETCH(p)
#endif

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
  /* Direct path only, horizontal axis: outputs in groups of H_GROUP,
   * each group reading the union of its windows, @span samples from
   * @group_start, with weights laid out [sample][output in group]. */
  guint n_groups;
  guint span;
  gint *group_start;
  gfloat *group_weights;
} AxisFilter;

struct _ImgResamplePlan
{
  guint n_channels;
  gint alpha;
  guint in_width;
  guint in_height;
  AxisFilter h;
  AxisFilter v;
  /* The direct path in fixed point (see plan_init_fixed), or NULL. */
  guint v_pairs;
  guint h_pairs;
  gint16 *v_fixed;
  gint16 *h_fixed;
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
  g_free (f->group_start);
  g_free (f->group_weights);
  f->start = NULL;
  f->weights = NULL;
  f->group_start = NULL;
  f->group_weights = NULL;
}

/* The grouped layout of an initialised single-channel horizontal filter:
 * every output of a group becomes a column of weights over the samples the
 * group spans, zero outside its own window. */
static gboolean
axis_filter_init_groups (AxisFilter *f)
{
  guint g, j, t, x;
  gsize n;

  f->n_groups = (f->out_size + H_GROUP - 1) / H_GROUP;
  f->group_start = g_try_new (gint, f->n_groups);
  if (f->group_start == NULL)
    return FALSE;

  f->span = 1;
  for (g = 0; g < f->n_groups; g++) {
    gint lo = G_MAXINT;

    for (j = 0; j < H_GROUP && g * H_GROUP + j < f->out_size; j++)
      lo = MIN (lo, f->start[g * H_GROUP + j]);
    f->group_start[g] = lo;
    for (j = 0; j < H_GROUP && g * H_GROUP + j < f->out_size; j++) {
      x = g * H_GROUP + j;
      for (t = f->taps; t > 0 && f->weights[(gsize) x * f->taps + t - 1] == 0;
           t--)
        ;
      f->span = MAX (f->span, (guint) (f->start[x] - lo) + t);
    }
  }

  if (!g_size_checked_mul (&n, f->n_groups, f->span) ||
      !g_size_checked_mul (&n, n, H_GROUP))
    return FALSE;
  f->group_weights = g_try_new0 (gfloat, n);
  if (f->group_weights == NULL)
    return FALSE;

  for (x = 0; x < f->out_size; x++) {
    guint gg = x / H_GROUP;
    gfloat *w = f->group_weights + (gsize) gg * f->span * H_GROUP +
        (gsize) (f->start[x] - f->group_start[gg]) * H_GROUP + x % H_GROUP;

    for (t = 0; t < f->taps; t++) {
      if (f->start[x] - f->group_start[gg] + t >= f->span)
        break;
      w[(gsize) t * H_GROUP] = f->weights[(gsize) x * f->taps + t];
    }
  }
  return TRUE;
}

/* Lanczos-3 over a window, for samples @first to @end: the two sines are
 * turned from one sample to the next by a fixed rotation instead of being
 * computed afresh (two libm calls per tap were 1 % of a batch's time),
 * exact to about 1e-15, far below the float weights' precision. */
static void
lanczos3_window (gdouble *w, gint first, gint end, gdouble center,
    gdouble filter_scale)
{
  gdouble u0 = (first - center + 0.5) / filter_scale;
  gdouble step = G_PI / filter_scale;
  gdouble s1 = sin (G_PI * u0), c1 = cos (G_PI * u0);
  gdouble s3 = sin (G_PI * u0 / 3.0), c3 = cos (G_PI * u0 / 3.0);
  gdouble r1s = sin (step), r1c = cos (step);
  gdouble r3s = sin (step / 3.0), r3c = cos (step / 3.0);
  gint x;

  for (x = first; x < end; x++) {
    gdouble u = (x - center + 0.5) / filter_scale, t;

    if (u == 0.0)
      w[x - first] = 1.0;
    else if (u <= -3.0 || u >= 3.0)
      w[x - first] = 0.0;
    else
      w[x - first] = 3.0 * s1 * s3 / (G_PI * G_PI * u * u);

    t = s1 * r1c + c1 * r1s;
    c1 = c1 * r1c - s1 * r1s;
    s1 = t;
    t = s3 * r3c + c3 * r3s;
    c3 = c3 * r3c - s3 * r3s;
    s3 = t;
  }
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

  if (method == IMG_RESAMPLE_LANCZOS3 && end > first) {
    lanczos3_window (w, first, end, center, filter_scale);
  } else {
    for (x = first; x < end; x++)
      w[x - first] = kernel_value (method, (x - center + 0.5) / filter_scale);
  }
  for (x = first; x < end; x++)
    sum += w[x - first];

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

/* --- The direct path in 16-bit fixed point, for AVX2 ------------------- */

/* Where the CPU has AVX2 the direct path runs in integers instead: the
 * vector unit multiplies pairs of 16-bit samples by pairs of 16-bit
 * weights and adds each pair into 32 bits in one instruction (vpmaddwd),
 * twice the multiply-adds of a float FMA per instruction, on half the
 * bytes, and widening bytes to 16 bits is cheaper than converting them to
 * float.  The vertical pass reads its source rows two by two, interleaved,
 * and the horizontal one reads its input samples two by two.  gcc does
 * not find vpmaddwd in such loops by itself, hence the intrinsics.  The
 * float path is the portable one and the reference (outputs differ by at
 * most one level); GST_IMGCOMPRESS_NO_SIMD=1 in the environment makes
 * every plan use it, which is how it is tested on AVX2 machines. */

#ifdef IMG_HAVE_AVX2

/* Weights: 1.0 is 1 << Q_WEIGHT.  Vertical sums are rounded to the
 * intermediate rows' 1 << Q_MID per sample level (a Lanczos overshoot of
 * 1.3 x 255 still fits in 16 bits); horizontal sums, at
 * Q_WEIGHT + Q_MID, back to 8 bits. */
#define Q_WEIGHT 14
#define Q_MID 6

/* Columns per strip of the integer vertical pass. */
#define I_STRIP 64

/* Rows per horizontal pass: four sums, their four products and the
 * weights fit the 16 vector registers (with eight, gcc spills). */
#define H_FIXED_ROWS 4

/* Rounds @n weights to fixed point, the largest taking up the rounding so
 * that they still sum to exactly one (flat areas stay exact). */
static void
quantise_weights (gint16 *q, const gfloat *w, guint n)
{
  gint sum = 0;
  guint t, big = 0;

  for (t = 0; t < n; t++) {
    q[t] = (gint16) lrintf (w[t] * (1 << Q_WEIGHT));
    sum += q[t];
    if (ABS (q[t]) > ABS (q[big]))
      big = t;
  }
  if (n > 0)
    q[big] += (1 << Q_WEIGHT) - sum;
}

/* The fixed-point tables: vertically, per output row, v_pairs pairs of
 * weights from the even row at or before its window; horizontally, per
 * group, h_pairs pairs of samples from the group's start, the weights of
 * a pair for the group's outputs interleaved [output][sample of pair]. */
static gboolean
plan_init_fixed (ImgResamplePlan *plan)
{
  const AxisFilter *v = &plan->v, *h = &plan->h;
  gint16 *q;
  guint y, x, t;

  q = g_new (gint16, h->taps);
  plan->v_pairs = (v->taps + 2) / 2;
  plan->h_pairs = (h->span + 1) / 2;
  plan->v_fixed = g_try_new0 (gint16, (gsize) v->out_size * 2 * plan->v_pairs);
  plan->h_fixed =
      g_try_new0 (gint16, (gsize) h->n_groups * plan->h_pairs * 2 * H_GROUP);
  if (plan->v_fixed == NULL || plan->h_fixed == NULL) {
    g_free (q);
    return FALSE;
  }

  for (y = 0; y < v->out_size; y++) {
    gint16 *row = plan->v_fixed + (gsize) y * 2 * plan->v_pairs;

    quantise_weights (row + (v->start[y] & 1), v->weights + (gsize) y * v->taps,
        v->taps);
  }
  for (x = 0; x < h->out_size; x++) {
    guint g = x / H_GROUP, j = x % H_GROUP;
    guint off = h->start[x] - h->group_start[g];
    gint16 *gw = plan->h_fixed + (gsize) g * plan->h_pairs * 2 * H_GROUP;

    quantise_weights (q, h->weights + (gsize) x * h->taps, h->taps);
    for (t = 0; t < h->taps && off + t < 2 * plan->h_pairs; t++) {
      guint p = off + t;

      gw[(p / 2) * 2 * H_GROUP + j * 2 + p % 2] = q[t];
    }
  }
  g_free (q);
  return TRUE;
}

#endif /* IMG_HAVE_AVX2 */

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
      !axis_filter_init (&plan->v, vertical, method, 1) ||
      (n_channels == 1 && plan->h.shrink == 1 && plan->v.shrink == 1 &&
          !axis_filter_init_groups (&plan->h))) {
    img_resample_plan_free (plan);
    return NULL;
  }
#ifdef IMG_HAVE_AVX2
  if (plan->h.group_weights != NULL && __builtin_cpu_supports ("avx2") &&
      g_getenv ("GST_IMGCOMPRESS_NO_SIMD") == NULL && !plan_init_fixed (plan)) {
    img_resample_plan_free (plan);
    return NULL;
  }
#endif
  return plan;
}

void
img_resample_plan_free (ImgResamplePlan *plan)
{
  if (plan == NULL)
    return;
  axis_filter_clear (&plan->h);
  axis_filter_clear (&plan->v);
  g_free (plan->v_fixed);
  g_free (plan->h_fixed);
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

/* Single-channel planes (planar YUV, the usual case) add up their box in
 * integers: sixteen 16-bit lanes a vector instead of eight floats for the
 * rows, and one-cycle integer additions instead of waiting on float
 * latency for the columns.  The sums are exact either way, so the samples
 * are those of the float path.  257 rows of 255 still fit in 16 bits. */
#define MAX_INTEGER_BOX_ROWS 257

IMG_HOT static void
load_row_u16 (guint16 *restrict dst, const guint8 *restrict src, gsize n)
{
  gsize i, n8 = n & ~(gsize) (ROW_ALIGN - 1);

  for (i = 0; i < n8; i++)
    dst[i] = src[i];
  for (; i < n; i++)
    dst[i] = src[i];
}

IMG_HOT static void
add_row_u16 (guint16 *restrict dst, const guint8 *restrict src, gsize n)
{
  gsize i, n8 = n & ~(gsize) (ROW_ALIGN - 1);

  for (i = 0; i < n8; i++)
    dst[i] += src[i];
  for (; i < n; i++)
    dst[i] += src[i];
}

/* box_shrink_row () for one channel of integer sums, in the same float
 * operations once the sums are made. */
static void
box_shrink_row_u16 (gfloat *restrict dst, const guint16 *restrict src, guint n,
    guint k, gfloat row_factor)
{
  guint full = n / k, rem = n % k;
  gfloat norm = row_factor / k;
  guint j, t;

  for (j = 0; j < full; j++) {
    const guint16 *s = src + (gsize) j * k;
    guint32 sum = 0;

    for (t = 0; t < k; t++)
      sum += s[t];
    dst[j] = sum * norm;
  }
  if (rem > 0) {
    const guint16 *s = src + (gsize) full * k;
    guint32 sum = 0;

    for (t = 0; t < rem; t++)
      sum += s[t];
    dst[full] = sum * row_factor / rem;
  }
}

typedef struct
{
  const ImgResamplePlan *plan;
  const guint8 *src;
  gsize src_stride;
  gfloat *sum;
  guint16 *sum16; /* the integer sums, where they are used */
} RowSource;

static gboolean
box_sums_in_integers (const ImgResamplePlan *plan)
{
  return plan->n_channels == 1 && plan->alpha < 0 &&
      (plan->h.shrink > 1 || plan->v.shrink > 1) &&
      plan->v.shrink <= MAX_INTEGER_BOX_ROWS;
}

static void
produce_shrunk_row_integer (const RowSource *rs, guint j, gfloat *dst)
{
  const ImgResamplePlan *plan = rs->plan;
  guint ky = plan->v.shrink, kx = plan->h.shrink;
  guint r0 = j * ky, r1 = MIN (r0 + ky, plan->in_height), r, i;
  gfloat row_factor = 1.0f / (r1 - r0);

  load_row_u16 (rs->sum16, rs->src + (gsize) r0 * rs->src_stride,
      plan->in_width);
  for (r = r0 + 1; r < r1; r++)
    add_row_u16 (rs->sum16, rs->src + (gsize) r * rs->src_stride,
        plan->in_width);

  if (kx > 1) {
    box_shrink_row_u16 (dst, rs->sum16, plan->in_width, kx, row_factor);
  } else if (r1 - r0 > 1) {
    for (i = 0; i < plan->in_width; i++)
      dst[i] = rs->sum16[i] * row_factor;
  } else {
    for (i = 0; i < plan->in_width; i++)
      dst[i] = rs->sum16[i];
  }
}

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

  if (rs->sum16 != NULL) {
    produce_shrunk_row_integer (rs, j, dst);
    return;
  }

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
#define IMG_UNROLL _Pragma ("GCC unroll 64")
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

/* BAND_ROWS single-channel rows at once, H_GROUP outputs at a time: each
 * input sample is broadcast and multiplied by the group's column of
 * weights, so the sums of a group build up in vector registers with
 * neither gathers nor horizontal additions. */
IMG_HOT static void
horizontal_filter_grouped (gfloat *const *out, const gfloat *const *in,
    const AxisFilter *f)
{
  guint g, p, j, r;

  for (g = 0; g < f->n_groups; g++) {
    const gfloat *restrict w = f->group_weights + (gsize) g * f->span * H_GROUP;
    const gfloat *restrict src[BAND_ROWS];
    gfloat a[BAND_ROWS][H_GROUP];

    IMG_UNROLL
    for (r = 0; r < BAND_ROWS; r++) {
      src[r] = in[r] + f->group_start[g];
      IMG_UNROLL
      for (j = 0; j < H_GROUP; j++)
        a[r][j] = 0.0f;
    }
    for (p = 0; p < f->span; p++) {
      IMG_UNROLL
      for (r = 0; r < BAND_ROWS; r++) {
        gfloat v = src[r][p];

        IMG_UNROLL
        for (j = 0; j < H_GROUP; j++)
          a[r][j] += w[j] * v;
      }
      w += H_GROUP;
    }
    IMG_UNROLL
    for (r = 0; r < BAND_ROWS; r++) {
      gfloat *restrict o = out[r] + (gsize) g * H_GROUP;

      IMG_UNROLL
      for (j = 0; j < H_GROUP; j++)
        o[j] = a[r][j];
    }
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

  /* One bound at a time: each becomes a vector min or max. */
  i = i < 0 ? 0 : i;
  i = i > 255 ? 255 : i;
  return (guint8) i;
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

/* Columns [@x0, @x0 + STRIP) of @n_rows source rows into the strip
 * buffer, zero past the end of the rows (@width). */
IMG_HOT static void
load_strip (gfloat *restrict strip, const guint8 *src, gsize stride,
    guint n_rows, gsize x0, gsize width)
{
  gsize n = x0 < width ? MIN (STRIP, width - x0) : 0;
  guint u;
  gsize i;

  for (u = 0; u < n_rows; u++) {
    const guint8 *restrict s = src + u * stride + x0;
    gfloat *restrict d = strip + (gsize) u * STRIP;

    if (x0 + PREFETCH_AHEAD < width)
      IMG_PREFETCH (s + PREFETCH_AHEAD);
    if (n == STRIP) {
      for (i = 0; i < STRIP; i++)
        d[i] = s[i];
    } else {
      for (i = 0; i < n; i++)
        d[i] = s[i];
      for (; i < STRIP; i++)
        d[i] = 0.0f;
    }
  }
}

/* One strip of the band's vertical pass: output row r of the band sums
 * @taps strip rows from @first[r]. */
IMG_HOT static void
vertical_filter_strip (gfloat *const *acc, guint n_rows,
    const gfloat *restrict strip, const guint *first, const gfloat *w,
    guint taps)
{
  guint r, t, i;

  for (r = 0; r < n_rows; r++) {
    const gfloat *base = strip + (gsize) first[r] * STRIP;
    const gfloat *wr = w + (gsize) r * taps;
    gfloat a[STRIP];

    IMG_UNROLL
    for (i = 0; i < STRIP; i++)
      a[i] = wr[0] * base[i];
    for (t = 1; t < taps; t++) {
      const gfloat *restrict s = base + (gsize) t * STRIP;
      gfloat wt = wr[t];

      IMG_UNROLL
      for (i = 0; i < STRIP; i++)
        a[i] += wt * s[i];
    }
    IMG_UNROLL
    for (i = 0; i < STRIP; i++)
      acc[r][i] = a[i];
  }
}

/* The first and the last window start of output rows [@y, @y + @n): the
 * band's source rows are [*lo, *hi + taps).  Starts mostly increase, but
 * not always (trimmed zero weights, windows slid back from the edge). */
static void
band_starts (const AxisFilter *v, guint y, guint n, guint *lo, guint *hi)
{
  guint r;

  *lo = *hi = v->start[y];
  for (r = 1; r < n; r++) {
    *lo = MIN (*lo, (guint) v->start[y + r]);
    *hi = MAX (*hi, (guint) v->start[y + r]);
  }
}

/* The whole filter of a single-channel plane without box pre-shrink. */
static void
run_direct (const ImgResamplePlan *plan, const guint8 *src, gsize src_stride,
    guint8 *dst, gssize dst_pixel_step, gssize dst_row_step, guint first_row,
    guint end_row)
{
  const AxisFilter *v = &plan->v, *h = &plan->h;
  gsize width = plan->in_width, row_len = width, line_len, x0;
  guint y, r, g, n_rows, union_rows = 1;
  gfloat *strip, *accs, *lines;
  gfloat *acc[BAND_ROWS], *line[BAND_ROWS];
  guint first[BAND_ROWS];

  for (g = 0; g < h->n_groups; g++)
    row_len = MAX (row_len, (gsize) h->group_start[g] + h->span);
  row_len = (row_len + STRIP - 1) / STRIP * STRIP;
  line_len = round_up_row ((gsize) h->n_groups * H_GROUP);
  for (y = first_row; y < end_row; y += BAND_ROWS) {
    guint lo, hi;

    band_starts (v, y, MIN (BAND_ROWS, end_row - y), &lo, &hi);
    union_rows = MAX (union_rows, hi + v->taps - lo);
  }

  strip = g_new (gfloat, (gsize) union_rows * STRIP);
  accs = g_new0 (gfloat, row_len * BAND_ROWS);
  lines = g_new0 (gfloat, line_len * BAND_ROWS);
  for (r = 0; r < BAND_ROWS; r++) {
    acc[r] = accs + r * row_len;
    line[r] = lines + r * line_len;
  }

  for (y = first_row; y < end_row; y += n_rows) {
    guint s, hi, n_union;
    const guint8 *band_src;

    n_rows = MIN (BAND_ROWS, end_row - y);
    band_starts (v, y, n_rows, &s, &hi);
    band_src = src + (gsize) s * src_stride;
    n_union = hi + v->taps - s;
    for (r = 0; r < n_rows; r++)
      first[r] = v->start[y + r] - s;

    for (x0 = 0; x0 < row_len; x0 += STRIP) {
      gfloat *acc_x[BAND_ROWS];

      for (r = 0; r < n_rows; r++)
        acc_x[r] = acc[r] + x0;
      load_strip (strip, band_src, src_stride, n_union, x0, width);
      vertical_filter_strip (acc_x, n_rows, strip, first,
          v->weights + (gsize) y * v->taps, v->taps);
    }

    /* Rows past a short last band are filtered too, and not stored. */
    horizontal_filter_grouped (line, (const gfloat *const *) acc, h);
    for (r = 0; r < n_rows; r++)
      store_line (dst + (gssize) (y + r) * dst_row_step, dst_pixel_step,
          line[r], h->out_size, 1);
  }

  g_free (lines);
  g_free (accs);
  g_free (strip);
}

#ifdef IMG_HAVE_AVX2

/* I_STRIP columns from @a and @b, as 16-bit pairs: each 16 columns become
 * two vectors, (a, b) of columns 0-3 and 8-11, then of 4-7 and 12-15
 * (vpunpck works within 128-bit lanes; packing the sums of the two back
 * together restores the order). */
static inline __attribute__ ((target ("avx2"))) void
load_pair_strip (gint16 *dst, const guint8 *a, const guint8 *b)
{
  guint c;

  IMG_UNROLL
  for (c = 0; c < I_STRIP; c += 16) {
    __m256i va =
        _mm256_cvtepu8_epi16 (_mm_loadu_si128 ((const __m128i *) (a + c)));
    __m256i vb =
        _mm256_cvtepu8_epi16 (_mm_loadu_si128 ((const __m128i *) (b + c)));

    _mm256_storeu_si256 ((__m256i *) (dst + 2 * c),
        _mm256_unpacklo_epi16 (va, vb));
    _mm256_storeu_si256 ((__m256i *) (dst + 2 * c + 16),
        _mm256_unpackhi_epi16 (va, vb));
  }
}

/* The strip of @n_pairs pairs of @rows from column @x0, which must not
 * run past their end. */
__attribute__ ((target ("avx2"))) static void
load_pair_strips (gint16 *strip, const guint8 *const *rows, guint n_pairs,
    gsize x0, gboolean prefetch)
{
  guint k;

  for (k = 0; k < n_pairs; k++) {
    const guint8 *a = rows[2 * k] + x0, *b = rows[2 * k + 1] + x0;

    if (prefetch) {
      IMG_PREFETCH (a + I_STRIP + PREFETCH_AHEAD);
      IMG_PREFETCH (b + I_STRIP + PREFETCH_AHEAD);
    }
    load_pair_strip (strip + (gsize) k * 2 * I_STRIP, a, b);
  }
}

/* One strip of the band's vertical pass into the 16-bit rows @mid. */
__attribute__ ((target ("avx2"))) static void
vertical_filter_fixed (gint16 *const *mid, guint n_rows, const gint16 *strip,
    const guint *first_pair, const guint *n_pairs, const gint16 *w,
    guint w_pairs)
{
  const __m256i round = _mm256_set1_epi32 (1 << (Q_WEIGHT - Q_MID - 1));
  guint r, k, i;

  for (r = 0; r < n_rows; r++) {
    const gint16 *s = strip + (gsize) first_pair[r] * 2 * I_STRIP;
    const gint16 *wr = w + (gsize) r * 2 * w_pairs;
    __m256i acc[I_STRIP / 8];

    IMG_UNROLL
    for (i = 0; i < I_STRIP / 8; i++)
      acc[i] = round;
    for (k = 0; k < n_pairs[r]; k++) {
      gint32 pair;
      __m256i wv;

      memcpy (&pair, wr + 2 * k, sizeof (pair));
      wv = _mm256_set1_epi32 (pair);
      IMG_UNROLL
      for (i = 0; i < I_STRIP / 8; i++)
        acc[i] = _mm256_add_epi32 (acc[i],
            _mm256_madd_epi16 (_mm256_loadu_si256 ((const __m256i *) (s +
                                   16 * i)),
                wv));
      s += 2 * I_STRIP;
    }
    IMG_UNROLL
    for (i = 0; i < I_STRIP / 8; i += 2) {
      __m256i lo = _mm256_srai_epi32 (acc[i], Q_WEIGHT - Q_MID);
      __m256i hi = _mm256_srai_epi32 (acc[i + 1], Q_WEIGHT - Q_MID);

      _mm256_storeu_si256 ((__m256i *) (mid[r] + 8 * i),
          _mm256_packs_epi32 (lo, hi));
    }
  }
}

/* The band's horizontal pass: BAND_ROWS rows (@row_len samples apart
 * from @in), H_GROUP outputs at a time, two input samples per multiply,
 * to bytes; H_FIXED_ROWS rows at a time.  The first @n_out groups go to
 * @out, the others to @tail. */
__attribute__ ((target ("avx2"))) static void
horizontal_filter_fixed (guint8 *const *out, guint n_out, guint8 *const *tail,
    const gint16 *in, gsize row_len, const ImgResamplePlan *plan)
{
  const AxisFilter *h = &plan->h;
  const __m256i round = _mm256_set1_epi32 (1 << (Q_WEIGHT + Q_MID - 1));
  guint g, q, r, r0;

  for (g = 0; g < h->n_groups; g++) {
    for (r0 = 0; r0 < BAND_ROWS; r0 += H_FIXED_ROWS) {
      const gint16 *w = plan->h_fixed + (gsize) g * plan->h_pairs * 2 * H_GROUP;
      const gint16 *p = in + r0 * row_len + h->group_start[g];
      __m256i acc[H_FIXED_ROWS];

      IMG_UNROLL
      for (r = 0; r < H_FIXED_ROWS; r++)
        acc[r] = round;
      for (q = 0; q < plan->h_pairs; q++) {
        __m256i wv = _mm256_loadu_si256 ((const __m256i *) w);

        IMG_UNROLL
        for (r = 0; r < H_FIXED_ROWS; r++) {
          gint32 pair;

          memcpy (&pair, p + r * row_len, sizeof (pair));
          acc[r] = _mm256_add_epi32 (acc[r],
              _mm256_madd_epi16 (_mm256_set1_epi32 (pair), wv));
        }
        w += 2 * H_GROUP;
        p += 2;
      }
      IMG_UNROLL
      for (r = 0; r < H_FIXED_ROWS; r++) {
        __m256i v = _mm256_srai_epi32 (acc[r], Q_WEIGHT + Q_MID);
        __m128i s16 = _mm_packs_epi32 (_mm256_castsi256_si128 (v),
            _mm256_extracti128_si256 (v, 1));

        guint8 *o = g < n_out ? out[r0 + r] : tail[r0 + r];

        _mm_storel_epi64 ((__m128i *) (o + g * H_GROUP),
            _mm_packus_epi16 (s16, s16));
      }
    }
  }
}

__attribute__ ((target ("avx2"))) static void
run_direct_fixed (const ImgResamplePlan *plan, const guint8 *src,
    gsize src_stride, guint8 *dst, gssize dst_pixel_step, gssize dst_row_step,
    guint first_row, guint end_row)
{
  const AxisFilter *v = &plan->v, *h = &plan->h;
  gsize width = plan->in_width, row_len = width, line_len, x0;
  guint height = plan->in_height;
  guint y, r, g, n_rows, max_pairs = 1;
  gint16 *strip, *mids;
  guint8 *lines, *zero, *edge;
  const guint8 **rows;
  gint16 *mid[BAND_ROWS];
  guint8 *line[BAND_ROWS], *out[BAND_ROWS];
  guint first_pair[BAND_ROWS], row_pairs[BAND_ROWS], n_out;

  for (g = 0; g < h->n_groups; g++)
    row_len = MAX (row_len, (gsize) h->group_start[g] + 2 * plan->h_pairs);
  row_len = (row_len + I_STRIP - 1) / I_STRIP * I_STRIP;
  line_len = (gsize) h->n_groups * H_GROUP;
  for (y = first_row; y < end_row; y += BAND_ROWS) {
    guint lo, hi;

    band_starts (v, y, MIN (BAND_ROWS, end_row - y), &lo, &hi);
    max_pairs =
        MAX (max_pairs, ((hi & ~1u) + 2 * plan->v_pairs - (lo & ~1u)) / 2);
  }

  strip = g_new (gint16, (gsize) max_pairs * 2 * I_STRIP);
  mids = g_new0 (gint16, row_len * BAND_ROWS);
  lines = g_new0 (guint8, line_len * BAND_ROWS);
  /* Rows past the bottom (weight zero) and columns past the right edge
   * read zeros. */
  zero = g_new0 (guint8, row_len);
  edge = g_new0 (guint8, 2 * I_STRIP);
  rows = g_new (const guint8 *, 2 * max_pairs);
  for (r = 0; r < BAND_ROWS; r++) {
    mid[r] = mids + r * row_len;
    line[r] = lines + r * line_len;
  }

  for (y = first_row; y < end_row; y += n_rows) {
    guint base, hi, n_pairs;

    n_rows = MIN (BAND_ROWS, end_row - y);
    band_starts (v, y, n_rows, &base, &hi);
    base &= ~1u;
    n_pairs = ((hi & ~1u) + 2 * plan->v_pairs - base) / 2;
    /* A window starting on an odd row takes one pair more. */
    for (r = 0; r < n_rows; r++) {
      first_pair[r] = ((v->start[y + r] & ~1u) - base) / 2;
      row_pairs[r] = ((v->start[y + r] & 1) + v->taps + 1) / 2;
    }
    for (r = 0; r < 2 * n_pairs; r++)
      rows[r] =
          base + r < height ? src + (gsize) (base + r) * src_stride : zero;

    for (x0 = 0; x0 < row_len; x0 += I_STRIP) {
      gint16 *mid_x[BAND_ROWS];
      guint k;

      if (x0 + I_STRIP <= width) {
        load_pair_strips (strip, rows, n_pairs, x0,
            x0 + I_STRIP + PREFETCH_AHEAD < width);
      } else {
        gsize n = x0 < width ? width - x0 : 0;

        for (k = 0; k < n_pairs; k++) {
          memset (edge, 0, 2 * I_STRIP);
          if (n > 0) {
            memcpy (edge, rows[2 * k] + x0, n);
            memcpy (edge + I_STRIP, rows[2 * k + 1] + x0, n);
          }
          load_pair_strip (strip + (gsize) k * 2 * I_STRIP, edge,
              edge + I_STRIP);
        }
      }
      for (r = 0; r < n_rows; r++)
        mid_x[r] = mid[r] + x0;
      vertical_filter_fixed (mid_x, n_rows, strip, first_pair, row_pairs,
          plan->v_fixed + (gsize) y * 2 * plan->v_pairs, plan->v_pairs);
    }

    /* Whole groups go straight to contiguous output rows, the last
     * partial one through the line buffers.  Rows past a short last band
     * are filtered too, into the line buffers, and not stored. */
    for (r = 0; r < BAND_ROWS; r++)
      out[r] = dst_pixel_step == 1 && r < n_rows ?
          dst + (gssize) (y + r) * dst_row_step :
          line[r];
    n_out = dst_pixel_step == 1 ? h->out_size / H_GROUP : 0;
    horizontal_filter_fixed (out, n_out, line, mids, row_len, plan);
    for (r = 0; r < n_rows; r++) {
      guint8 *d = dst + (gssize) (y + r) * dst_row_step;

      if (dst_pixel_step == 1) {
        memcpy (d + n_out * H_GROUP, line[r] + n_out * H_GROUP,
            h->out_size - n_out * H_GROUP);
      } else {
        guint x;

        for (x = 0; x < h->out_size; x++)
          d[(gssize) x * dst_pixel_step] = line[r][x];
      }
    }
  }

  g_free (rows);
  g_free (edge);
  g_free (zero);
  g_free (lines);
  g_free (mids);
  g_free (strip);
}

#endif /* IMG_HAVE_AVX2 */

/* Enlarging, a window may start a row before the previous one's (the
 * kernel's zeros are trimmed off its ends): the ring then keeps that many
 * rows more than the taps, and a range of rows starts producing from its
 * lowest window, so that no window reads a row the ring has moved on from
 * or never made. */
static void
ring_geometry (const AxisFilter *v, guint first_row, guint end_row,
    guint *lowest, guint *ring_rows)
{
  gint top = v->start[first_row], low = top, back = 0;
  guint y;

  for (y = first_row; y < end_row; y++) {
    top = MAX (top, v->start[y]);
    back = MAX (back, top - v->start[y]);
    low = MIN (low, v->start[y]);
  }
  *lowest = low;
  *ring_rows = v->taps + back;
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
  guint y, t, next, ring_rows;

  end_row = MIN (end_row, v->out_size);
  if (first_row >= end_row)
    return;

#ifdef IMG_HAVE_AVX2
  if (plan->v_fixed != NULL) {
    run_direct_fixed (plan, src, src_stride, dst, dst_pixel_step, dst_row_step,
        first_row, end_row);
    return;
  }
#endif
  if (h->group_weights != NULL) {
    run_direct (plan, src, src_stride, dst, dst_pixel_step, dst_row_step,
        first_row, end_row);
    return;
  }

  ring_geometry (v, first_row, end_row, &next, &ring_rows);
  /* Zero-filled so the padding the vector loops read is harmless. */
  ring = g_new0 (gfloat, row_pad * ring_rows);
  acc = g_new0 (gfloat, row_pad);
  line = g_new0 (gfloat, round_up_row ((gsize) h->out_size * nc));
  rows = g_new (gfloat *, v->taps);
  rs.plan = plan;
  rs.src = src;
  rs.src_stride = src_stride;
  rs.sum16 = box_sums_in_integers (plan) ?
      g_new0 (guint16, round_up_row (plan->in_width)) :
      NULL;
  rs.sum = h->shrink > 1 && rs.sum16 == NULL ? g_new0 (gfloat, src_pad) : NULL;

  for (y = first_row; y < end_row; y++) {
    guint s = v->start[y];

    next = MAX (next, s);
    for (; next < s + v->taps; next++)
      produce_shrunk_row (&rs, next, ring + (next % ring_rows) * row_pad);
    for (t = 0; t < v->taps; t++)
      rows[t] = ring + ((s + t) % ring_rows) * row_pad;

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
  g_free (rs.sum16);
  g_free (rows);
  g_free (line);
  g_free (acc);
  g_free (ring);
}

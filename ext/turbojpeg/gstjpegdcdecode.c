/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* The 1/8-scale image of a progressive JPEG from its DC scans alone.
 *
 * A DCT block's DC coefficient is its mean: decoded at scale 1/8, a block
 * becomes one pixel of value DC * Q0 / 8 + 128 (libjpeg's 1x1 inverse
 * DCT).  A progressive JPEG sends every component's DC in its first scans,
 * so those few scans are the thumbnail, where a 1/8-scale decode of the
 * whole file entropy-decodes every scan.
 *
 * gst_jpeg_dc_plan() walks the markers and lists the pieces libjpeg is to
 * be given: the headers and the DC scans, then an EOI.  The AC scans are
 * left out: their data is only searched for the next marker, never
 * entropy-decoded.  gst_jpeg_dc_decode() hands the pieces to libjpeg's
 * coefficient reader (jpeg_read_coefficients()) and writes each block's
 * DC as one pixel of each plane.  The coefficients are read rather than
 * decoded to pixels because libjpeg's output pass smooths blocks whose AC
 * is missing (block smoothing estimates AC and, since libjpeg-turbo 2.1,
 * moves the DC too), which is not what the whole decode gives.
 *
 * libjpeg's own script (cjpeg -progressive, Pillow, most web exporters)
 * sends the DC's last bit in a refinement scan after the large luma AC
 * scans, about 70 % into the file.  It is read, so that the image is the
 * whole decode's: without it, each pixel is within 1 of it on the 20
 * corpus photos (luma SSIM 0.9975 at worst, 0.9994 on average), and
 * reading it costs a quarter more of the DC decode's CPU (17 against
 * 13.5 ms at 5120x2880, the walk over the AC scans 0.1 ms of it).  An
 * image cut short before it gives the DC without its last bit. */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstjpegdcdecode.h"

#include <gst/imgcompress/gstimgcompressbytes.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
/* after stdio.h, which jpeglib.h needs */
#include <jerror.h>
#include <jpeglib.h>

#define MARKER_SOF2 0xc2
#define MARKER_SOS 0xda
#define MARKER_EOI 0xd9

static const guint8 eoi_marker[2] = { 0xff, MARKER_EOI };

static gboolean
marker_is_sof (guint8 marker)
{
  return marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 &&
      marker != 0xcc;
}

/* SOI, EOI, RSTn and TEM stand alone. */
static gboolean
marker_stands_alone (guint8 marker)
{
  return marker == 0xd8 || marker == MARKER_EOI || marker == 0x01 ||
      (marker >= 0xd0 && marker <= 0xd7);
}

/* Where the entropy-coded data starting at @pos ends: the offset of the
 * next marker that is neither a stuffed zero nor a restart, or @size. */
static gsize
entropy_end (const guint8 *data, gsize size, gsize pos)
{
  while (pos < size) {
    const guint8 *ff = memchr (data + pos, 0xff, size - pos);
    gsize i;

    if (ff == NULL || (gsize) (ff - data) + 1 >= size)
      return size;
    i = ff - data;
    if (data[i + 1] == 0x00 || (data[i + 1] >= 0xd0 && data[i + 1] <= 0xd7))
      pos = i + 2;
    else if (data[i + 1] == 0xff)
      pos = i + 1; /* fill byte before a marker */
    else
      return i;
  }
  return size;
}

/* The walk's state, beside the plan it fills. */
typedef struct
{
  const guint8 *data;
  gsize size;
  gboolean want_dc; /* FALSE: count the scans only */
  gboolean progressive;
  gboolean have_sof;
  gboolean done; /* the DC pieces are chosen */
  guint n_components;
  guint8 ids[GST_JPEG_DC_MAX_COMPONENTS];
  gint dc_al[GST_JPEG_DC_MAX_COMPONENTS]; /* -1: no DC yet */
  gsize range_start;
} Walk;

static void
close_range (Walk *w, GstJpegDcPlan *plan, gsize end)
{
  if (end > w->range_start && plan->n_ranges < GST_JPEG_DC_MAX_RANGES - 1) {
    plan->ranges[plan->n_ranges].data = w->data + w->range_start;
    plan->ranges[plan->n_ranges].size = end - w->range_start;
    plan->n_ranges++;
  }
  w->range_start = end;
}

static gboolean
parse_sof (Walk *w, guint8 marker, const guint8 *seg, guint len)
{
  guint i;

  if (w->have_sof || len < 6)
    return FALSE;
  w->have_sof = TRUE;
  w->progressive = marker == MARKER_SOF2;
  w->n_components = seg[5];
  if (w->n_components == 0 || w->n_components > GST_JPEG_DC_MAX_COMPONENTS ||
      len < 6 + 3 * w->n_components) {
    w->progressive = FALSE; /* not for the DC path; libjpeg will say */
    return TRUE;
  }
  for (i = 0; i < w->n_components; i++) {
    w->ids[i] = seg[6 + 3 * i];
    w->dc_al[i] = -1;
  }
  return TRUE;
}

/* Index of component @id in the frame header, or -1. */
static gint
component_index (const Walk *w, guint8 id)
{
  guint i;

  for (i = 0; i < w->n_components; i++)
    if (w->ids[i] == id)
      return i;
  return -1;
}

static gboolean
all_dc_at (const Walk *w, gint at_most)
{
  guint i;

  for (i = 0; i < w->n_components; i++)
    if (w->dc_al[i] < 0 || w->dc_al[i] > at_most)
      return FALSE;
  return TRUE;
}

/* A DC scan (first or refinement) whose data is all there: what it adds
 * to each of its components, or FALSE when it does not follow from what
 * came before (a malformed progression is left to libjpeg). */
static gboolean
apply_dc_scan (Walk *w, const guint8 *seg, guint ns, guint ah, guint al)
{
  gint idx[GST_JPEG_DC_MAX_COMPONENTS];
  guint i;

  if (ns > GST_JPEG_DC_MAX_COMPONENTS)
    return FALSE;
  for (i = 0; i < ns; i++) {
    idx[i] = component_index (w, seg[1 + 2 * i]);
    if (idx[i] < 0)
      return FALSE;
    if (ah == 0 ? w->dc_al[idx[i]] >= 0 :
                  (w->dc_al[idx[i]] != (gint) ah || al + 1 != ah))
      return FALSE;
  }
  for (i = 0; i < ns; i++)
    w->dc_al[idx[i]] = al;
  return TRUE;
}

/* One scan, header at @pos, entropy-coded data from @data_pos to @end. */
static void
plan_scan (Walk *w, GstJpegDcPlan *plan, const guint8 *seg, guint len,
    gsize pos, gsize end)
{
  guint ns, ss, ah, al;
  gboolean complete = end < w->size;

  if (!w->want_dc || !w->progressive || w->done)
    return;
  ns = len >= 1 ? seg[0] : 0;
  if (ns == 0 || len < 1 + 2 * ns + 3) {
    w->done = TRUE;
    return;
  }
  ss = seg[1 + 2 * ns];
  ah = seg[3 + 2 * ns] >> 4;
  al = seg[3 + 2 * ns] & 0x0f;

  if (ss > 0) {
    /* An AC scan: before every component has its DC, the first scans do
     * not make the thumbnail; after, it is skipped unread, and the walk
     * goes on to the DC refinement scans. */
    if (!all_dc_at (w, 15)) {
      w->done = TRUE;
      return;
    }
    close_range (w, plan, pos);
    if (plan->n_ranges >= GST_JPEG_DC_MAX_RANGES - 2)
      w->done = TRUE; /* no room for more pieces: the DC so far */
    w->range_start = end;
    return;
  }
  if (!complete || !apply_dc_scan (w, seg, ns, ah, al)) {
    /* cut short or out of order: what came before is what there is */
    close_range (w, plan, pos);
    w->done = TRUE;
    return;
  }
  plan->scans_read++;
  if (all_dc_at (w, 0)) {
    close_range (w, plan, end);
    w->done = TRUE;
  }
}

/* Walks one marker segment or scan at @pos; returns where the next one
 * starts, or 0 at the image's end (EOI, end of data, broken structure). */
static gsize
walk_one (Walk *w, GstJpegDcPlan *plan, gsize pos)
{
  const guint8 *seg;
  guint8 marker;
  guint len;
  gsize next;

  if (pos + 2 > w->size || w->data[pos] != 0xff)
    return 0;
  marker = w->data[pos + 1];
  if (marker == 0xff)
    return pos + 1;
  if (marker == MARKER_EOI)
    return 0;
  if (marker_stands_alone (marker))
    return pos + 2;
  if (pos + 4 > w->size)
    return 0;
  len = gst_imgcompress_read_uint16_be (w->data + pos + 2);
  if (len < 2 || pos + 2 + len > w->size)
    return 0;
  seg = w->data + pos + 4;
  len -= 2;
  next = pos + 4 + len;

  if (marker_is_sof (marker)) {
    if (!parse_sof (w, marker, seg, len))
      return 0;
  } else if (marker == MARKER_SOS) {
    gsize end = entropy_end (w->data, w->size, next);

    plan->scans_total++;
    plan_scan (w, plan, seg, len, pos, end);
    return end;
  }
  return next;
}

/**
 * gst_jpeg_dc_plan:
 * @data: a whole JPEG image, from its SOI
 * @size: its size
 * @want_dc: choose the DC scans; when %FALSE only the scans are counted
 * @plan: (out): what was found
 *
 * Walks the image's markers.  With @want_dc, the walk ends once the DC of
 * every component is complete (an image with libjpeg's scan script is
 * walked up to its DC refinement scan, the AC scans before it skipped by
 * their markers) when the scans before the first AC scan carry every
 * component's DC, else at the image's end.
 */
void
gst_jpeg_dc_plan (const guint8 *data, gsize size, gboolean want_dc,
    GstJpegDcPlan *plan)
{
  Walk w;
  gsize pos = 2;
  guint i;

  memset (plan, 0, sizeof (*plan));
  memset (&w, 0, sizeof (w));
  plan->truncated =
      size < 4 || data[size - 2] != 0xff || data[size - 1] != MARKER_EOI;
  if (size < 4 || data[0] != 0xff || data[1] != 0xd8)
    return;
  w.data = data;
  w.size = size;
  w.want_dc = want_dc;

  /* An image the DC path cannot take is walked to its end, counting. */
  while (pos != 0 && !(w.done && all_dc_at (&w, 15)))
    pos = walk_one (&w, plan, pos);

  if (!want_dc || !w.progressive || !all_dc_at (&w, 15))
    return;
  if (!w.done)
    close_range (&w, plan, pos != 0 ? pos : size);
  plan->ranges[plan->n_ranges].data = eoi_marker;
  plan->ranges[plan->n_ranges].size = sizeof (eoi_marker);
  plan->n_ranges++;
  for (i = 0; i < w.n_components; i++)
    plan->dc_shift = MAX (plan->dc_shift, (guint) w.dc_al[i]);
  plan->usable = TRUE;
}

/* libjpeg reads the plan's pieces one after another. */
typedef struct
{
  struct jpeg_source_mgr pub;
  const GstJpegDcPlan *plan;
  guint next;
} RangeSource;

static void
range_init_source (j_decompress_ptr cinfo)
{
}

static boolean
range_fill_input_buffer (j_decompress_ptr cinfo)
{
  RangeSource *src = (RangeSource *) cinfo->src;

  if (src->next < src->plan->n_ranges) {
    const GstJpegDcRange *r = &src->plan->ranges[src->next++];

    src->pub.next_input_byte = r->data;
    src->pub.bytes_in_buffer = r->size;
    return TRUE;
  }
  /* past the EOI the plan ends with: damaged data, as jdatasrc.c does */
  WARNMS (cinfo, JWRN_JPEG_EOF);
  src->pub.next_input_byte = eoi_marker;
  src->pub.bytes_in_buffer = sizeof (eoi_marker);
  return TRUE;
}

static void
range_skip_input_data (j_decompress_ptr cinfo, long num_bytes)
{
  RangeSource *src = (RangeSource *) cinfo->src;

  if (num_bytes <= 0)
    return;
  while ((gsize) num_bytes > src->pub.bytes_in_buffer) {
    num_bytes -= (long) src->pub.bytes_in_buffer;
    range_fill_input_buffer (cinfo);
  }
  src->pub.next_input_byte += num_bytes;
  src->pub.bytes_in_buffer -= num_bytes;
}

static void
range_term_source (j_decompress_ptr cinfo)
{
}

/* libjpeg keeps a progressive image's coefficients in virtual arrays of
 * whole blocks, 128 bytes each: 44 MB for 5120x2880 4:2:0, whose page
 * faults and zeroing took longer than the DC scans' decode.  These arrays
 * keep the DC alone (2 bytes a block) and a window of the rows libjpeg
 * accesses, through the memory manager's virtual array methods (replaced,
 * as jpeglib.h allows).  libjpeg accesses a component's rows in order, one
 * iMCU row at a time; the rows it wrote are stored when it moves on.  Only
 * DC scans are given, so only each block's first coefficient is read or
 * written; the rest of the window stays zero. */
typedef struct
{
  JDIMENSION blocks_per_row;
  JDIMENSION n_rows;
  JDIMENSION max_access;
  JCOEF *dc; /* n_rows * blocks_per_row */
  JBLOCKARRAY window;
  JDIMENSION window_row; /* first row in the window */
  JDIMENSION window_rows; /* rows in the window, 0 before the first access */
  gboolean dirty;
} DcArray;

#define MAX_DC_ARRAYS MAX_COMPONENTS

typedef struct
{
  DcArray *arrays[MAX_DC_ARRAYS];
  guint n_arrays;
  void (*realize_parent) (j_common_ptr cinfo);
} DcArrays;

static jvirt_barray_ptr
dc_request_virt_barray (j_common_ptr cinfo, int pool_id, boolean pre_zero,
    JDIMENSION blocks_per_row, JDIMENSION n_rows, JDIMENSION max_access)
{
  DcArrays *all = cinfo->client_data;
  DcArray *a;

  if (all->n_arrays == MAX_DC_ARRAYS)
    ERREXIT (cinfo, JERR_BAD_VIRTUAL_ACCESS);
  a = (*cinfo->mem->alloc_small) (cinfo, JPOOL_IMAGE, sizeof (DcArray));
  memset (a, 0, sizeof (*a));
  a->blocks_per_row = blocks_per_row;
  a->n_rows = n_rows;
  a->max_access = max_access;
  all->arrays[all->n_arrays++] = a;
  return (jvirt_barray_ptr) a;
}

static void
dc_realize_virt_arrays (j_common_ptr cinfo)
{
  DcArrays *all = cinfo->client_data;
  guint i, r;

  for (i = 0; i < all->n_arrays; i++) {
    DcArray *a = all->arrays[i];
    gsize n;

    if (a->dc != NULL)
      continue;
    /* both below JPEG_MAX_DIMENSION / 8 + 1: no overflow */
    n = (gsize) a->n_rows * a->blocks_per_row;
    a->dc = (*cinfo->mem->alloc_large) (cinfo, JPOOL_IMAGE,
        MAX (n, 1) * sizeof (JCOEF));
    memset (a->dc, 0, MAX (n, 1) * sizeof (JCOEF));
    a->window = (*cinfo->mem->alloc_barray) (cinfo, JPOOL_IMAGE,
        MAX (a->blocks_per_row, 1), MAX (a->max_access, 1));
    for (r = 0; r < MAX (a->max_access, 1); r++)
      memset (a->window[r], 0, MAX (a->blocks_per_row, 1) * sizeof (JBLOCK));
  }
  all->realize_parent (cinfo);
}

static void
dc_store_window (DcArray *a)
{
  JDIMENSION r, b;

  if (!a->dirty)
    return;
  for (r = 0; r < a->window_rows; r++) {
    JCOEF *dc = a->dc + (gsize) (a->window_row + r) * a->blocks_per_row;

    for (b = 0; b < a->blocks_per_row; b++)
      dc[b] = a->window[r][b][0];
  }
  a->dirty = FALSE;
}

static JBLOCKARRAY
dc_access_virt_barray (j_common_ptr cinfo, jvirt_barray_ptr ptr,
    JDIMENSION start_row, JDIMENSION n_rows, boolean writable)
{
  DcArray *a = (DcArray *) ptr;
  JDIMENSION r, b;

  if (a->dc == NULL || n_rows > a->max_access || start_row > a->n_rows ||
      n_rows > a->n_rows - start_row)
    ERREXIT (cinfo, JERR_BAD_VIRTUAL_ACCESS);
  if (start_row != a->window_row || n_rows != a->window_rows) {
    dc_store_window (a);
    for (r = 0; r < n_rows; r++) {
      const JCOEF *dc = a->dc + (gsize) (start_row + r) * a->blocks_per_row;

      for (b = 0; b < a->blocks_per_row; b++)
        a->window[r][b][0] = dc[b];
    }
    a->window_row = start_row;
    a->window_rows = n_rows;
  }
  if (writable)
    a->dirty = TRUE;
  return a->window;
}

static void
use_dc_arrays (j_decompress_ptr cinfo, DcArrays *all)
{
  memset (all, 0, sizeof (*all));
  all->realize_parent = cinfo->mem->realize_virt_arrays;
  cinfo->client_data = all;
  cinfo->mem->request_virt_barray = dc_request_virt_barray;
  cinfo->mem->realize_virt_arrays = dc_realize_virt_arrays;
  cinfo->mem->access_virt_barray = dc_access_virt_barray;
}

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} ErrorMgr;

static void
error_exit (j_common_ptr cinfo)
{
  ErrorMgr *err = (ErrorMgr *) cinfo->err;

  (*cinfo->err->format_message) (cinfo, err->message);
  longjmp (err->jump, 1);
}

/* The first warning is kept for the caller instead of going to stderr. */
static void
output_message (j_common_ptr cinfo)
{
  ErrorMgr *err = (ErrorMgr *) cinfo->err;

  (*cinfo->err->format_message) (cinfo, err->message);
}

/* The frame's planes are the JPEG's components, one pixel per block. */
static gboolean
layout_matches (j_decompress_ptr cinfo, GstVideoFrame *frame)
{
  guint c, n = GST_VIDEO_FRAME_N_COMPONENTS (frame);

  if (!cinfo->progressive_mode || cinfo->arith_code ||
      (guint) cinfo->num_components != n ||
      cinfo->jpeg_color_space != (n == 1 ? JCS_GRAYSCALE : JCS_YCbCr) ||
      GST_VIDEO_FRAME_N_PLANES (frame) != n)
    return FALSE;
  for (c = 0; c < n; c++) {
    jpeg_component_info *comp = &cinfo->comp_info[c];

    if (comp->width_in_blocks < (guint) GST_VIDEO_FRAME_COMP_WIDTH (frame, c) ||
        comp->height_in_blocks < (guint) GST_VIDEO_FRAME_COMP_HEIGHT (frame, c))
      return FALSE;
  }
  return TRUE;
}

/* One pixel per block: DC * Q0 / 8 + 128, rounded and clamped as
 * libjpeg's 1x1 inverse DCT does.  A DC still missing its last bits is
 * taken as it is, as libjpeg does (taking it at the middle of what it may
 * be made no measurable difference on the corpus). */
static void
write_plane (j_decompress_ptr cinfo, jvirt_barray_ptr coefs, guint c,
    GstVideoFrame *frame)
{
  jpeg_component_info *comp = &cinfo->comp_info[c];
  guint width = GST_VIDEO_FRAME_COMP_WIDTH (frame, c);
  guint height = GST_VIDEO_FRAME_COMP_HEIGHT (frame, c);
  guint8 *plane = GST_VIDEO_FRAME_COMP_DATA (frame, c);
  gint stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);
  gint q0 = comp->quant_table->quantval[0];
  guint x, y;

  for (y = 0; y < height; y++) {
    JBLOCKARRAY rows = (*cinfo->mem->access_virt_barray) ((j_common_ptr) cinfo,
        coefs, y, 1, FALSE);
    guint8 *dst = plane + (gsize) y * stride;

    for (x = 0; x < width; x++) {
      /* |DC| < 2^15 and Q0 < 2^16: no overflow; an arithmetic shift, as
       * libjpeg's DESCALE */
      gint v = ((rows[0][x][0] * q0 + 4) >> 3) + 128;

      dst[x] = CLAMP (v, 0, 255);
    }
  }
}

/**
 * gst_jpeg_dc_decode:
 * @plan: a usable plan of the image
 * @frame: the 1/8-scale frame, in the JPEG's planar layout
 * @strict: fail on libjpeg's warnings (corrupt DC data)
 * @error: (out): libjpeg's message when it returns %FALSE
 *
 * Decodes the plan's DC scans into @frame.
 *
 * Returns: %TRUE when @frame holds the image
 */
gboolean
gst_jpeg_dc_decode (const GstJpegDcPlan *plan, GstVideoFrame *frame,
    gboolean strict, gchar **error)
{
  struct jpeg_decompress_struct cinfo;
  ErrorMgr err;
  RangeSource src;
  DcArrays arrays;
  jvirt_barray_ptr *coefs;
  volatile gboolean ok = FALSE;
  guint c;

  g_return_val_if_fail (plan->usable, FALSE);

  memset (&err, 0, sizeof (err));
  cinfo.err = jpeg_std_error (&err.pub);
  err.pub.error_exit = error_exit;
  err.pub.output_message = output_message;
  jpeg_create_decompress (&cinfo);
  use_dc_arrays (&cinfo, &arrays);
  if (setjmp (err.jump)) {
    *error = g_strdup (err.message);
    goto done;
  }

  memset (&src, 0, sizeof (src));
  src.pub.init_source = range_init_source;
  src.pub.fill_input_buffer = range_fill_input_buffer;
  src.pub.skip_input_data = range_skip_input_data;
  src.pub.resync_to_restart = jpeg_resync_to_restart;
  src.pub.term_source = range_term_source;
  src.plan = plan;
  cinfo.src = &src.pub;

  jpeg_read_header (&cinfo, TRUE);
  if (!layout_matches (&cinfo, frame)) {
    *error = g_strdup ("the components do not match the frame's planes");
    goto done;
  }
  coefs = jpeg_read_coefficients (&cinfo);
  if (coefs == NULL || (strict && err.pub.num_warnings > 0)) {
    *error = g_strdup (err.message[0] ? err.message : "no coefficients");
    goto done;
  }
  for (c = 0; c < (guint) cinfo.num_components; c++) {
    if (cinfo.comp_info[c].quant_table == NULL) {
      *error = g_strdup ("a component has no quantisation table");
      goto done;
    }
    write_plane (&cinfo, coefs[c], c, frame);
  }
  jpeg_finish_decompress (&cinfo);
  ok = TRUE;

done:
  jpeg_destroy_decompress (&cinfo);
  return ok;
}

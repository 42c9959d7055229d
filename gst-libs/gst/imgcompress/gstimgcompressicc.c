/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:gstimgcompressicc
 * @title: ICC profiles
 * @short_description: embedded profiles read, checked and turned into
 *     transforms to sRGB (lcms2)
 *
 * Decoders find an image's embedded ICC profile (a JPEG's ICC_PROFILE
 * APP2 segments with gst_imgcompress_icc_chunks_add(), a WebP's ICCP chunk
 * with gst_imgcompress_icc_from_webp(), a PNG's iCCP through libspng, a
 * HEIF's colr box, a TIFF's tag 34675...) and hand it to their base class
 * (gst_imgcompress_image_decoder_set_icc_profile()), which calls
 * gst_imgcompress_icc_sample_new(): it checks the profile, posts a warning
 * naming the image when it is damaged, and makes the sample of the
 * `imgcompress-colour-profile` tag (docs/design.md, "Image metadata").
 *
 * A profile is checked twice: its structure here (sizes, signature, tag
 * table) before lcms2 reads it, then by lcms2, which must be able to build
 * the transform to sRGB.  Transforms are cached by the profile's SHA-1,
 * since the profiles of a batch repeat (every photo of one phone carries
 * the same Display P3 profile); damaged profiles are cached too, so that
 * a second copy costs a hash.
 *
 * The rendering intent is relative colorimetric with black point
 * compensation: colours inside sRGB keep their values (what a
 * colour-managed browser shows for the source, it shows for the output),
 * colours outside are clipped to the gamut's edge, and the source's black
 * maps to sRGB's black.  Perceptual intent differs only for profiles with
 * perceptual tables (CMYK, some camera profiles); for the matrix profiles
 * that photos carry (Display P3, Adobe RGB, ProPhoto) lcms2 computes both
 * the same way.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimgcompressicc.h"

#include "gst-i18n-plugin.h"
#include "gstimgcompressbytes.h"
#include "gstimgcompresscolour.h"
#include "gstimgcompressname.h"
#include "gstimgcompressprotocol.h"

#include <lcms2.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (icc_debug);
#define GST_CAT_DEFAULT icc_debug

#define ICC_HEADER_BYTES 128
#define ICC_TAG_BYTES 12
#define JPEG_ICC_ID "ICC_PROFILE"
#define JPEG_ICC_ID_BYTES 12 /* with its NUL */
#define CACHE_MAX_ENTRIES 64
/* Grid of the test that finds profiles equivalent to sRGB: 9 levels per
 * channel, 729 colours. */
#define SRGB_TEST_LEVELS 9

struct _GstImgcompressIccTransform
{
  gint refcount;
  GstImgcompressIccSpace space;
  gboolean srgb;
  /* bytes of one source pixel */
  guint src_bytes;
  cmsHTRANSFORM xf;
  guint8 gray_lut[256];
};

typedef struct
{
  guint8 seq;
  guint8 count;
  const guint8 *data;
  gsize size;
} IccChunk;

typedef struct
{
  GstImgcompressIccTransform *transform; /* NULL: damaged */
  const gchar *problem;
} CacheEntry;

static GMutex cache_lock;
static GHashTable *cache; /* SHA-1 -> CacheEntry */
static cmsContext lcms_context;

G_DEFINE_BOXED_TYPE (GstImgcompressIccTransform, gst_imgcompress_icc_transform,
    gst_imgcompress_icc_transform_ref, gst_imgcompress_icc_transform_unref);

/* Dropping an entry drops the cache's reference; pipelines holding the
 * transform keep theirs. */
static void
cache_entry_free (gpointer data)
{
  CacheEntry *entry = data;

  if (entry->transform != NULL)
    gst_imgcompress_icc_transform_unref (entry->transform);
  g_free (entry);
}

static void
lcms_log (cmsContext ctx, cmsUInt32Number code, const char *text)
{
  GST_DEBUG ("lcms2 error %u: %s", code, text);
}

static void
icc_init_once (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    GST_DEBUG_CATEGORY_INIT (icc_debug, "imgcompressicc", 0,
        "imgcompress ICC profiles");
    lcms_context = cmsCreateContext (NULL, NULL);
    cmsSetLogErrorHandlerTHR (lcms_context, lcms_log);
    g_once_init_leave (&done, 1);
  }
}

/**
 * gst_imgcompress_icc_chunks_add:
 * @chunks: the collector
 * @app2: (array length=size): an APP2 segment's payload (after its length)
 * @size: its length
 *
 * Keeps the segment if it is an ICC_PROFILE chunk ("ICC_PROFILE\0",
 * sequence number from 1, chunk count, then a part of the profile); other
 * APP2 segments (FlashPix, MPF) are left alone.  A chunk numbered 0 or
 * beyond its count, or whose count differs from the first chunk's, marks
 * the profile damaged.
 */
void
gst_imgcompress_icc_chunks_add (GstImgcompressIccChunks *chunks,
    const guint8 *app2, gsize size)
{
  IccChunk c;

  if (size < JPEG_ICC_ID_BYTES + 2 ||
      memcmp (app2, JPEG_ICC_ID, JPEG_ICC_ID_BYTES) != 0)
    return;
  c.seq = app2[JPEG_ICC_ID_BYTES];
  c.count = app2[JPEG_ICC_ID_BYTES + 1];
  c.data = app2 + JPEG_ICC_ID_BYTES + 2;
  c.size = size - JPEG_ICC_ID_BYTES - 2;
  if (chunks->problem != NULL)
    return;
  if (c.seq == 0 || c.count == 0 || c.seq > c.count) {
    chunks->problem = "an ICC_PROFILE chunk's sequence number is outside "
                      "1..count";
    return;
  }
  if (chunks->chunks == NULL)
    chunks->chunks = g_array_new (FALSE, FALSE, sizeof (IccChunk));
  if (chunks->chunks->len > 0 &&
      g_array_index (chunks->chunks, IccChunk, 0).count != c.count) {
    chunks->problem = "the ICC_PROFILE chunks give different chunk counts";
    return;
  }
  g_array_append_val (chunks->chunks, c);
}

/**
 * gst_imgcompress_icc_chunks_finish:
 * @chunks: the collector, cleared
 * @problem: (out) (transfer none): why the profile is damaged, else %NULL
 *
 * Joins the chunks in sequence order (the order of the segments in the
 * file does not matter, as for libjpeg's jpeg_read_icc_profile()): each
 * number from 1 to the count must come exactly once, and the whole must
 * not pass %GST_IMGCOMPRESS_ICC_MAX_BYTES.
 *
 * Returns: (transfer full) (nullable): the profile, %NULL when there is
 *     none or it is damaged
 */
GBytes *
gst_imgcompress_icc_chunks_finish (GstImgcompressIccChunks *chunks,
    const gchar **problem)
{
  const IccChunk *by_seq[256] = { NULL };
  GByteArray *joined = NULL;
  gsize total = 0;
  guint i, count = 0;

  *problem = chunks->problem;
  if (chunks->chunks == NULL || *problem != NULL)
    goto done;

  count = g_array_index (chunks->chunks, IccChunk, 0).count;
  for (i = 0; i < chunks->chunks->len; i++) {
    const IccChunk *c = &g_array_index (chunks->chunks, IccChunk, i);

    if (by_seq[c->seq] != NULL) {
      *problem = "an ICC_PROFILE chunk number appears twice";
      goto done;
    }
    by_seq[c->seq] = c;
    total += c->size;
  }
  for (i = 1; i <= count; i++) {
    if (by_seq[i] == NULL) {
      *problem = "an ICC_PROFILE chunk is missing";
      goto done;
    }
  }
  /* 255 chunks of at most 65519 bytes: no overflow */
  if (total > GST_IMGCOMPRESS_ICC_MAX_BYTES) {
    *problem = "the ICC profile is larger than 8 MiB";
    goto done;
  }
  joined = g_byte_array_sized_new (total);
  for (i = 1; i <= count; i++)
    g_byte_array_append (joined, by_seq[i]->data, by_seq[i]->size);

done:
  if (chunks->chunks != NULL)
    g_array_free (chunks->chunks, TRUE);
  chunks->chunks = NULL;
  chunks->problem = NULL;
  return joined ? g_byte_array_free_to_bytes (joined) : NULL;
}

/**
 * gst_imgcompress_icc_from_webp:
 * @data: (array length=size): a WebP file
 * @size: its length
 * @problem: (out) (transfer none): why the profile is damaged, else %NULL
 *
 * The ICCP chunk of an extended (VP8X) WebP whose ICC flag is set, found
 * by walking the RIFF chunks.
 *
 * Returns: (transfer full) (nullable): a copy of the profile, %NULL when
 *     there is none or it is damaged
 */
GBytes *
gst_imgcompress_icc_from_webp (const guint8 *data, gsize size,
    const gchar **problem)
{
  gsize pos = 12;

  *problem = NULL;
  if (size < 30 || memcmp (data, "RIFF", 4) != 0 ||
      memcmp (data + 8, "WEBPVP8X", 8) != 0 || !(data[20] & 0x20))
    return NULL;
  while (pos + 8 <= size) {
    guint32 len = gst_imgcompress_read_uint32_le (data + pos + 4);

    if (len > size - pos - 8) {
      if (memcmp (data + pos, "ICCP", 4) == 0)
        *problem = "the ICCP chunk is larger than the file";
      return NULL;
    }
    if (memcmp (data + pos, "ICCP", 4) == 0) {
      if (len > GST_IMGCOMPRESS_ICC_MAX_BYTES) {
        *problem = "the ICC profile is larger than 8 MiB";
        return NULL;
      }
      return g_bytes_new (data + pos + 8, len);
    }
    /* chunks are padded to an even size */
    pos += 8 + (gsize) len + (len & 1);
  }
  *problem = "the ICC flag is set but there is no ICCP chunk";
  return NULL;
}

/* dateTimeNumber of the profiles made here: 2026-01-01 00:00:00 */
#define ICC_DATE_OFFSET 24
#define ICC_DATE_BYTES 12
static const guint8 nclx_profile_date[ICC_DATE_BYTES] = { 0x07, 0xea, 0, 1, 0,
  1, 0, 0, 0, 0, 0, 0 };

/* ITU-T H.273 colour primaries (x, y of red, green, blue) and white
 * points of the code points a still image may carry. */
typedef struct
{
  guint code;
  cmsCIExyY white;
  cmsCIExyYTRIPLE rgb;
} NclxPrimaries;

static const NclxPrimaries nclx_primaries[] = {
  { 1, { 0.3127, 0.3290, 1.0 }, /* BT.709, sRGB */
      { { 0.640, 0.330, 1.0 }, { 0.300, 0.600, 1.0 }, { 0.150, 0.060, 1.0 } } },
  { 5, { 0.3127, 0.3290, 1.0 }, /* BT.470 B/G, BT.601 625 */
      { { 0.640, 0.330, 1.0 }, { 0.290, 0.600, 1.0 }, { 0.150, 0.060, 1.0 } } },
  { 6, { 0.3127, 0.3290, 1.0 }, /* BT.601 525, SMPTE 170M */
      { { 0.630, 0.340, 1.0 }, { 0.310, 0.595, 1.0 }, { 0.155, 0.070, 1.0 } } },
  { 7, { 0.3127, 0.3290, 1.0 }, /* SMPTE 240M */
      { { 0.630, 0.340, 1.0 }, { 0.310, 0.595, 1.0 }, { 0.155, 0.070, 1.0 } } },
  { 9, { 0.3127, 0.3290, 1.0 }, /* BT.2020 */
      { { 0.708, 0.292, 1.0 }, { 0.170, 0.797, 1.0 }, { 0.131, 0.046, 1.0 } } },
  { 11, { 0.314, 0.351, 1.0 }, /* SMPTE RP 431-2, DCI-P3 */
      { { 0.680, 0.320, 1.0 }, { 0.265, 0.690, 1.0 }, { 0.150, 0.060, 1.0 } } },
  { 12, { 0.3127, 0.3290, 1.0 }, /* SMPTE EG 432-1, Display P3 */
      { { 0.680, 0.320, 1.0 }, { 0.265, 0.690, 1.0 }, { 0.150, 0.060, 1.0 } } },
};

/* The tone curve of an H.273 transfer characteristic, NULL for those not
 * handled (PQ, HLG, logarithmic: HDR is not converted).  The SDR video
 * curves (BT.709, BT.601, BT.2020) are taken as sRGB's, as browsers show
 * such still images. */
static cmsToneCurve *
nclx_curve (guint transfer)
{
  static const cmsFloat64Number srgb[5] = { 2.4, 1.0 / 1.055, 0.055 / 1.055,
    1.0 / 12.92, 0.04045 };

  switch (transfer) {
    case 1:
    case 2: /* unspecified */
    case 6:
    case 13:
    case 14:
    case 15:
      return cmsBuildParametricToneCurve (lcms_context, 4, srgb);
    case 4:
      return cmsBuildGamma (lcms_context, 2.2);
    case 5:
      return cmsBuildGamma (lcms_context, 2.8);
    case 8:
      return cmsBuildGamma (lcms_context, 1.0);
    default:
      return NULL;
  }
}

/**
 * gst_imgcompress_icc_from_nclx:
 * @colour_primaries: the ITU-T H.273 colour primaries (HEIF/AVIF nclx)
 * @transfer_characteristics: the H.273 transfer characteristics
 *
 * An RGB ICC profile made with lcms2 for what an nclx colour description
 * says, so that the colour-management stage converts such images to sRGB
 * as those with an embedded profile (Display P3, BT.2020 primaries...).
 *
 * Returns: (transfer full) (nullable): the profile; %NULL when the
 *     description is sRGB's (BT.709 primaries or unspecified ones, with an
 *     SDR curve), or one not handled (HDR curves, other primaries)
 */
GBytes *
gst_imgcompress_icc_from_nclx (guint colour_primaries,
    guint transfer_characteristics)
{
  const NclxPrimaries *p = NULL;
  cmsToneCurve *curve;
  cmsHPROFILE profile;
  cmsUInt32Number size = 0;
  guint8 *data = NULL;
  guint i;

  icc_init_once ();
  for (i = 0; i < G_N_ELEMENTS (nclx_primaries); i++)
    if (nclx_primaries[i].code == colour_primaries)
      p = &nclx_primaries[i];
  if (colour_primaries == 2) /* unspecified: sRGB's */
    p = &nclx_primaries[0];
  if (p == NULL)
    return NULL;
  if (p->code == 1 && transfer_characteristics != 4 &&
      transfer_characteristics != 5 && transfer_characteristics != 8)
    return NULL;
  curve = nclx_curve (transfer_characteristics);
  if (curve == NULL)
    return NULL;
  profile = cmsCreateRGBProfileTHR (lcms_context, &p->white, &p->rgb,
      (cmsToneCurve *[3]){ curve, curve, curve });
  cmsFreeToneCurve (curve);
  if (profile != NULL && cmsSaveProfileToMem (profile, NULL, &size) &&
      size > 0) {
    data = g_malloc (size);
    if (!cmsSaveProfileToMem (profile, data, &size) || size < ICC_HEADER_BYTES)
      g_clear_pointer (&data, g_free);
  }
  /* lcms2 stamps the time it made the profile: a fixed date keeps the
   * bytes, and so the transform cache's key and the outputs that embed
   * it, the same from one image and one run to the next */
  if (data != NULL)
    memcpy (data + ICC_DATE_OFFSET, nclx_profile_date, ICC_DATE_BYTES);
  if (profile != NULL)
    cmsCloseProfile (profile);
  return data ? g_bytes_new_take (data, size) : NULL;
}

/**
 * gst_imgcompress_icc_check:
 * @icc: (array length=size): an ICC profile
 * @size: its length
 * @problem: (out) (transfer none): why it is damaged, else %NULL
 *
 * Checks the structure lcms2 is about to trust: a size between the
 * header's and %GST_IMGCOMPRESS_ICC_MAX_BYTES and equal to the one the
 * header gives, the `acsp` signature, a tag count the profile can hold and
 * every tag inside the profile.
 *
 * Returns: whether the profile may be read
 */
gboolean
gst_imgcompress_icc_check (const guint8 *icc, gsize size, const gchar **problem)
{
  guint32 declared, n_tags, i;

  *problem = NULL;
  if (size < ICC_HEADER_BYTES + 4) {
    *problem = "the ICC profile is shorter than its header";
    return FALSE;
  }
  if (size > GST_IMGCOMPRESS_ICC_MAX_BYTES) {
    *problem = "the ICC profile is larger than 8 MiB";
    return FALSE;
  }
  declared = gst_imgcompress_read_uint32_be (icc);
  if (declared != size) {
    *problem = declared > size ? "the ICC profile is truncated" :
                                 "the ICC profile's size field is wrong";
    return FALSE;
  }
  if (memcmp (icc + 36, "acsp", 4) != 0) {
    *problem = "the ICC profile has no acsp signature";
    return FALSE;
  }
  n_tags = gst_imgcompress_read_uint32_be (icc + ICC_HEADER_BYTES);
  if (n_tags > (size - ICC_HEADER_BYTES - 4) / ICC_TAG_BYTES) {
    *problem = "the ICC profile's tag count is larger than the profile";
    return FALSE;
  }
  for (i = 0; i < n_tags; i++) {
    const guint8 *tag = icc + ICC_HEADER_BYTES + 4 + (gsize) i * ICC_TAG_BYTES;
    guint32 offset = gst_imgcompress_read_uint32_be (tag + 4);
    guint32 length = gst_imgcompress_read_uint32_be (tag + 8);

    if (offset < ICC_HEADER_BYTES || offset > size || length > size - offset) {
      *problem = "an ICC profile tag lies outside the profile";
      return FALSE;
    }
  }
  return TRUE;
}

static cmsHPROFILE
srgb_gray_profile (void)
{
  /* sRGB's transfer curve, as ICC parametric type 4 */
  static const cmsFloat64Number params[5] = { 2.4, 1.0 / 1.055, 0.055 / 1.055,
    1.0 / 12.92, 0.04045 };
  cmsToneCurve *curve = cmsBuildParametricToneCurve (lcms_context, 4, params);
  cmsHPROFILE p = NULL;

  if (curve != NULL) {
    p = cmsCreateGrayProfileTHR (lcms_context, cmsD50_xyY (), curve);
    cmsFreeToneCurve (curve);
  }
  return p;
}

/* Whether the transform leaves a grid of colours within one level: a
 * profile that describes sRGB under another name (many cameras', Windows')
 * then takes the fast path like an untagged image. */
static gboolean
transform_is_identity (GstImgcompressIccTransform *t)
{
  guint8 in[SRGB_TEST_LEVELS * SRGB_TEST_LEVELS * SRGB_TEST_LEVELS * 3];
  guint8 out[sizeof (in)];
  guint n = 0, r, g, b, i;

  if (t->space == GST_IMGCOMPRESS_ICC_SPACE_CMYK ||
      t->space == GST_IMGCOMPRESS_ICC_SPACE_LAB)
    return FALSE;
  if (t->space == GST_IMGCOMPRESS_ICC_SPACE_GRAY) {
    for (i = 0; i < 256; i++)
      if (ABS ((gint) t->gray_lut[i] - (gint) i) > 1)
        return FALSE;
    return TRUE;
  }
  for (r = 0; r < SRGB_TEST_LEVELS; r++)
    for (g = 0; g < SRGB_TEST_LEVELS; g++)
      for (b = 0; b < SRGB_TEST_LEVELS; b++, n += 3) {
        in[n] = MIN (255, r * 32);
        in[n + 1] = MIN (255, g * 32);
        in[n + 2] = MIN (255, b * 32);
      }
  cmsDoTransform (t->xf, in, out, n / 3);
  for (i = 0; i < n; i++)
    if (ABS ((gint) in[i] - (gint) out[i]) > 1)
      return FALSE;
  return TRUE;
}

static gboolean
space_of (cmsHPROFILE profile, GstImgcompressIccSpace *space)
{
  switch (cmsGetColorSpace (profile)) {
    case cmsSigRgbData:
      *space = GST_IMGCOMPRESS_ICC_SPACE_RGB;
      return TRUE;
    case cmsSigGrayData:
      *space = GST_IMGCOMPRESS_ICC_SPACE_GRAY;
      return TRUE;
    case cmsSigCmykData:
      *space = GST_IMGCOMPRESS_ICC_SPACE_CMYK;
      return TRUE;
    default:
      return FALSE;
  }
}

/* NOCACHE: one transform serves the branches of many pipelines at once,
 * and lcms2's one-pixel cache is not thread-safe. */
static cmsHTRANSFORM
transform_to_srgb (cmsHPROFILE in, cmsUInt32Number in_fmt, cmsHPROFILE out,
    cmsUInt32Number out_fmt)
{
  return cmsCreateTransformTHR (lcms_context, in, in_fmt, out, out_fmt,
      INTENT_RELATIVE_COLORIMETRIC,
      cmsFLAGS_BLACKPOINTCOMPENSATION | cmsFLAGS_NOCACHE);
}

static GstImgcompressIccTransform *
transform_wrap (cmsHTRANSFORM xf, GstImgcompressIccSpace space, guint src_bytes)
{
  GstImgcompressIccTransform *t = g_new0 (GstImgcompressIccTransform, 1);

  t->refcount = 1;
  t->space = space;
  t->src_bytes = src_bytes;
  t->xf = xf;
  return t;
}

/* lcms2's part of the check: it reads the profile and builds the
 * transform, or the profile is damaged for us too. */
static GstImgcompressIccTransform *
transform_new (const guint8 *icc, gsize size, const gchar **problem)
{
  GstImgcompressIccTransform *t = NULL;
  cmsHPROFILE in, out = NULL;
  GstImgcompressIccSpace space;
  cmsUInt32Number in_fmt, out_fmt;
  cmsHTRANSFORM xf;
  guint i;

  if (!gst_imgcompress_icc_check (icc, size, problem))
    return NULL;
  in = cmsOpenProfileFromMemTHR (lcms_context, icc, size);
  if (in == NULL) {
    *problem = "lcms2 cannot read the ICC profile";
    return NULL;
  }
  if (!space_of (in, &space)) {
    *problem = "the ICC profile is not for RGB, grey or CMYK pixels";
    goto done;
  }
  switch (space) {
    case GST_IMGCOMPRESS_ICC_SPACE_GRAY:
      out = srgb_gray_profile ();
      in_fmt = out_fmt = TYPE_GRAY_8;
      break;
    case GST_IMGCOMPRESS_ICC_SPACE_CMYK:
      out = cmsCreate_sRGBProfileTHR (lcms_context);
      /* Adobe's inverted CMYK, as libjpeg hands it out (0 is full ink) */
      in_fmt = TYPE_CMYK_8_REV;
      out_fmt = TYPE_RGB_8;
      break;
    default:
      out = cmsCreate_sRGBProfileTHR (lcms_context);
      in_fmt = out_fmt = TYPE_RGB_8;
      break;
  }
  if (out == NULL) {
    *problem = "lcms2 could not make the sRGB profile";
    goto done;
  }
  xf = transform_to_srgb (in, in_fmt, out, out_fmt);
  if (xf == NULL) {
    *problem = "lcms2 cannot convert from the ICC profile to sRGB";
    goto done;
  }
  t = transform_wrap (xf, space, T_BYTES (in_fmt) * T_CHANNELS (in_fmt));
  if (space == GST_IMGCOMPRESS_ICC_SPACE_GRAY) {
    guint8 ramp[256];

    for (i = 0; i < 256; i++)
      ramp[i] = i;
    cmsDoTransform (xf, ramp, t->gray_lut, 256);
  }
  t->srgb = transform_is_identity (t);

done:
  if (out != NULL)
    cmsCloseProfile (out);
  cmsCloseProfile (in);
  return t;
}

/* The transform cached under @key, made by @make (from @data) the first
 * time. */
static GstImgcompressIccTransform *
cache_lookup (const gchar *key,
    GstImgcompressIccTransform *(*make) (const guint8 *, gsize, const gchar **),
    const guint8 *data, gsize size, const gchar **problem)
{
  GstImgcompressIccTransform *t;
  CacheEntry *entry;

  g_mutex_lock (&cache_lock);
  if (cache == NULL)
    cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
        cache_entry_free);
  entry = g_hash_table_lookup (cache, key);
  if (entry == NULL) {
    /* made under the lock: two pipelines meeting a new profile at once
     * build it once */
    entry = g_new0 (CacheEntry, 1);
    entry->transform = make (data, size, &entry->problem);
    GST_DEBUG ("transform %s: %s", key,
        entry->problem             ? entry->problem :
            entry->transform->srgb ? "sRGB" :
                                     "converted");
    if (g_hash_table_size (cache) >= CACHE_MAX_ENTRIES)
      g_hash_table_remove_all (cache);
    /* the cache holds one reference, never dropped while cached */
    g_hash_table_insert (cache, g_strdup (key), entry);
  }
  t = entry->transform ? gst_imgcompress_icc_transform_ref (entry->transform) :
                         NULL;
  *problem = entry->problem;
  g_mutex_unlock (&cache_lock);
  return t;
}

/**
 * gst_imgcompress_icc_transform_lookup:
 * @icc: an ICC profile
 * @problem: (out) (transfer none): why it is damaged, else %NULL
 *
 * The transform from @icc to sRGB, from the cache or made (and checked)
 * now.
 *
 * Returns: (transfer full) (nullable): the transform, %NULL when the
 *     profile is damaged or cannot be converted
 */
GstImgcompressIccTransform *
gst_imgcompress_icc_transform_lookup (GBytes *icc, const gchar **problem)
{
  GstImgcompressIccTransform *t;
  gchar *key;
  gsize size;
  const guint8 *data = g_bytes_get_data (icc, &size);

  icc_init_once ();
  *problem = NULL;
  if (size > GST_IMGCOMPRESS_ICC_MAX_BYTES) {
    *problem = "the ICC profile is larger than 8 MiB";
    return NULL;
  }
  key = g_compute_checksum_for_data (G_CHECKSUM_SHA1, data, size);
  t = cache_lookup (key, transform_new, data, size, problem);
  g_free (key);
  return t;
}

/* The 8-bit or 16-bit transform from CIELab (D50, the ICC PCS) to sRGB:
 * @size says which, @data is unused. */
static GstImgcompressIccTransform *
transform_new_lab (const guint8 *data, gsize size, const gchar **problem)
{
  cmsUInt32Number in_fmt = size == 16 ? TYPE_LabV2_16 : TYPE_Lab_8;
  GstImgcompressIccTransform *t = NULL;
  cmsHPROFILE in = cmsCreateLab4ProfileTHR (lcms_context, cmsD50_xyY ());
  cmsHPROFILE out = cmsCreate_sRGBProfileTHR (lcms_context);
  cmsHTRANSFORM xf = NULL;

  if (in != NULL && out != NULL)
    xf = transform_to_srgb (in, in_fmt, out, TYPE_RGB_8);
  if (xf != NULL)
    t = transform_wrap (xf, GST_IMGCOMPRESS_ICC_SPACE_LAB,
        T_BYTES (in_fmt) * T_CHANNELS (in_fmt));
  else
    *problem = "lcms2 cannot convert from CIELab to sRGB";
  if (in != NULL)
    cmsCloseProfile (in);
  if (out != NULL)
    cmsCloseProfile (out);
  return t;
}

/**
 * gst_imgcompress_icc_transform_lab:
 * @bits: 8 or 16
 *
 * The transform from CIELab, relative to D50 as the ICC profile
 * connection space is, to sRGB (relative colorimetric, as embedded
 * profiles are converted), for pixels in the ICC encodings: 8 bits, L* 0
 * to 100 as 0 to 255, a* and b* plus 128; 16 bits (ICC version 2, native
 * byte order), L* as 0 to 0xff00, a* and b* as (value + 128) * 256.
 *
 * Returns: (transfer full) (nullable): the transform, %NULL when lcms2
 *     fails
 */
GstImgcompressIccTransform *
gst_imgcompress_icc_transform_lab (guint bits)
{
  const gchar *problem = NULL;

  g_return_val_if_fail (bits == 8 || bits == 16, NULL);
  icc_init_once ();
  /* no profile's SHA-1 looks like these */
  return cache_lookup (bits == 16 ? "CIELab-16" : "CIELab-8", transform_new_lab,
      NULL, bits, &problem);
}

/**
 * gst_imgcompress_icc_transform_default_cmyk:
 *
 * The transform from the CMYK profile used for CMYK images that carry
 * none: Ghostscript's "Artifex CMYK SWOP Profile" (Debian package
 * libgs-common, AGPL-3+), as libvips uses a built-in CMYK profile.
 *
 * Returns: (transfer full) (nullable): the transform, %NULL when the file
 *     is not installed
 */
GstImgcompressIccTransform *
gst_imgcompress_icc_transform_default_cmyk (void)
{
  static GBytes *profile = NULL;
  static gsize done = 0;
  const gchar *problem;

  if (g_once_init_enter (&done)) {
    gchar *contents = NULL;
    gsize length = 0;
    const gchar *path = g_getenv ("IMGCOMPRESS_CMYK_PROFILE");

    if (path == NULL)
      path = IMGCOMPRESS_CMYK_PROFILE;
    if (g_file_get_contents (path, &contents, &length, NULL))
      profile = g_bytes_new_take (contents, length);
    else
      GST_WARNING ("no default CMYK profile at %s", path);
    g_once_init_leave (&done, 1);
  }
  if (profile == NULL)
    return NULL;
  return gst_imgcompress_icc_transform_lookup (profile, &problem);
}

/**
 * gst_imgcompress_icc_transform_ref:
 * @transform: a transform
 *
 * Returns: (transfer full): @transform
 */
GstImgcompressIccTransform *
gst_imgcompress_icc_transform_ref (GstImgcompressIccTransform *transform)
{
  g_atomic_int_inc (&transform->refcount);
  return transform;
}

/**
 * gst_imgcompress_icc_transform_unref:
 * @transform: (transfer full): a transform
 */
void
gst_imgcompress_icc_transform_unref (GstImgcompressIccTransform *transform)
{
  if (g_atomic_int_dec_and_test (&transform->refcount)) {
    cmsDeleteTransform (transform->xf);
    g_free (transform);
  }
}

/**
 * gst_imgcompress_icc_transform_get_space:
 * @transform: a transform
 *
 * Returns: the colour space of the pixels it takes
 */
GstImgcompressIccSpace
gst_imgcompress_icc_transform_get_space (const GstImgcompressIccTransform
        *transform)
{
  return transform->space;
}

/**
 * gst_imgcompress_icc_transform_is_srgb:
 * @transform: a transform
 *
 * Returns: whether the profile is sRGB under any name (the transform
 *     moves no colour by more than one level): nothing to convert
 */
gboolean
gst_imgcompress_icc_transform_is_srgb (const GstImgcompressIccTransform
        *transform)
{
  return transform->srgb;
}

/**
 * gst_imgcompress_icc_transform_pixels:
 * @transform: a transform
 * @src: pixels in the profile's space: packed RGB (3 bytes), grey (1),
 *     inverted CMYK (4, as libjpeg decodes Adobe CMYK) or CIELab (3 or 6,
 *     see gst_imgcompress_icc_transform_lab())
 * @dst: sRGB pixels: RGB (3 bytes), grey (1) for a grey profile; may be
 *     @src when the sizes are the same
 * @n_pixels: how many
 *
 * Converts pixels to sRGB; safe to call from many threads at once.
 */
void
gst_imgcompress_icc_transform_pixels (GstImgcompressIccTransform *transform,
    const guint8 *src, guint8 *dst, gsize n_pixels)
{
  gsize i;

  if (transform->space == GST_IMGCOMPRESS_ICC_SPACE_GRAY) {
    for (i = 0; i < n_pixels; i++)
      dst[i] = transform->gray_lut[src[i]];
    return;
  }
  while (n_pixels > 0) {
    cmsUInt32Number n = MIN (n_pixels, G_MAXUINT32);

    cmsDoTransform (transform->xf, src, dst, n);
    src += n * transform->src_bytes;
    dst += n * 3;
    n_pixels -= n;
  }
}

static void
warn_damaged (GstElement *element, GstPad *sinkpad, const gchar *problem)
{
  GstImgcompressImageInfo info;
  gchar *shown;

  if (sinkpad != NULL && gst_imgcompress_pad_get_image_info (sinkpad, &info)) {
    shown = gst_imgcompress_escape_for_display (info.name);
    gst_imgcompress_image_info_clear (&info);
  } else {
    shown = g_strdup (GST_OBJECT_NAME (element));
  }
  GST_ELEMENT_WARNING (element, STREAM, DECODE,
      (_ ("The colour profile of image \"%s\" is damaged and is ignored: the "
          "image is taken as sRGB."),
          shown),
      ("%s", problem));
  g_free (shown);
}

/**
 * gst_imgcompress_icc_sample_new:
 * @element: the decoder, which posts the warning
 * @sinkpad: (nullable): its sink pad, whose image event names the image
 * @icc: (nullable): the embedded profile, if any
 * @problem: (nullable): why the embedded profile could not be extracted
 * @source: where it came from: `APP2`, `ICCP`, `iCCP`
 *
 * What a decoder posts as %GST_IMGCOMPRESS_TAG_COLOUR_PROFILE for an
 * image's embedded profile, after checking it (and making its transform,
 * which stays cached for the colour-management stage).  A damaged profile
 * gets a warning naming the image, and the image is taken as sRGB.
 *
 * Returns: (transfer full) (nullable): the sample, %NULL when there is no
 *     profile or it is damaged
 */
GstSample *
gst_imgcompress_icc_sample_new (GstElement *element, GstPad *sinkpad,
    GBytes *icc, const gchar *problem, const gchar *source)
{
  GstImgcompressIccTransform *t = NULL;
  GstStructure *info;
  GstBuffer *buffer;
  GstCaps *caps;
  GstSample *sample;

  if (problem == NULL && icc != NULL)
    t = gst_imgcompress_icc_transform_lookup (icc, &problem);
  if (problem != NULL) {
    warn_damaged (element, sinkpad, problem);
    return NULL;
  }
  if (t == NULL)
    return NULL;

  buffer = gst_buffer_new_wrapped_bytes (icc);
  caps = gst_caps_new_empty_simple (GST_IMGCOMPRESS_ICC_PROFILE_CAPS);
  info = gst_structure_new ("imgcompress-colour", "source", G_TYPE_STRING,
      source, "srgb", G_TYPE_BOOLEAN, t->srgb, NULL);
  sample = gst_sample_new (buffer, caps, NULL, info);
  gst_buffer_unref (buffer);
  gst_caps_unref (caps);
  gst_imgcompress_icc_transform_unref (t);
  return sample;
}

/**
 * gst_imgcompress_icc_transform_from_sample:
 * @sample: (nullable): a %GST_IMGCOMPRESS_TAG_COLOUR_PROFILE sample
 *
 * The transform the colour-management stage applies for the sample.
 *
 * Returns: (transfer full) (nullable): the transform, %NULL when there is
 *     nothing to convert: no profile, a profile equivalent to sRGB (the
 *     sample's `srgb` field), or a damaged one
 */
GstImgcompressIccTransform *
gst_imgcompress_icc_transform_from_sample (GstSample *sample)
{
  const GstStructure *info;
  GstBuffer *buffer;
  GstImgcompressIccTransform *t = NULL;
  gboolean srgb = FALSE;
  const gchar *problem;
  GstMapInfo map;
  GBytes *bytes;

  if (sample == NULL || (buffer = gst_sample_get_buffer (sample)) == NULL)
    return NULL;
  info = gst_sample_get_info (sample);
  if (info != NULL && gst_structure_get_boolean (info, "srgb", &srgb) && srgb)
    return NULL;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return NULL;
  bytes = g_bytes_new_static (map.data, map.size);
  t = gst_imgcompress_icc_transform_lookup (bytes, &problem);
  g_bytes_unref (bytes);
  gst_buffer_unmap (buffer, &map);
  if (t != NULL && t->srgb)
    g_clear_pointer (&t, gst_imgcompress_icc_transform_unref);
  return t;
}

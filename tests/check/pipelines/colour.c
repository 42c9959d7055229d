/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/* Colour management through imgcompressbin: images with Display P3,
 * ProPhoto, a Lab-based (LUT) and a Generic-RGB-like profile that lcms2
 * builds here, embedded in JPEG, PNG and WebP by make-colour.py, come out
 * as sRGB within 1.5 levels of Pillow's ImageCms; CMYK JPEGs with and
 * without a profile likewise, and CMYK and Lab TIFFs; sRGB and untagged images
 * byte-identical to icc=ignore (today's outputs); icc=keep embeds the profile
 * with the pixels untouched; metadata=copyright keeps the artist and copyright
 * only; every damaged profile gives a warning naming the image and the
 * outputs of the image without it. */

#include <gst/check/gstcheck.h>
#include <gst/imgcompress/imgcompress.h>
#include <glib/gstdio.h>
#include <lcms2.h>
#include <string.h>

#include "imgcheck.h"

#define SCRIPT "pipelines/make-colour.py"
/* the default boxes at quality 95: the conversion's error, not the
 * encoders', is measured */
#define VARIANTS "thumbnail:150:95:95,preview:500:95:95,full:2048:95:95"

static gchar *cases_dir;

static gboolean
save_profile (cmsHPROFILE profile, const gchar *name)
{
  gchar *path = g_build_filename (cases_dir, name, NULL);
  gboolean ok = profile != NULL && cmsSaveProfileToFile (profile, path);

  if (profile != NULL)
    cmsCloseProfile (profile);
  g_free (path);
  return ok;
}

static cmsHPROFILE
rgb_profile (const cmsCIExyY *white, const cmsCIExyYTRIPLE *primaries,
    cmsToneCurve *curve)
{
  cmsToneCurve *curves[3] = { curve, curve, curve };
  cmsHPROFILE p = cmsCreateRGBProfile (white, primaries, curves);

  cmsFreeToneCurve (curve);
  return p;
}

static cmsHPROFILE
p3_profile (void)
{
  static const cmsCIExyY d65 = { 0.3127, 0.3290, 1.0 };
  static const cmsCIExyYTRIPLE p3 = { { 0.680, 0.320, 1.0 },
    { 0.265, 0.690, 1.0 }, { 0.150, 0.060, 1.0 } };
  static const cmsFloat64Number srgb_trc[5] = { 2.4, 1.0 / 1.055, 0.055 / 1.055,
    1.0 / 12.92, 0.04045 };

  return rgb_profile (&d65, &p3,
      cmsBuildParametricToneCurve (NULL, 4, srgb_trc));
}

static cmsHPROFILE
prophoto_profile (void)
{
  static const cmsCIExyY d50 = { 0.3457, 0.3585, 1.0 };
  static const cmsCIExyYTRIPLE romm = { { 0.7347, 0.2653, 1.0 },
    { 0.1596, 0.8404, 1.0 }, { 0.0366, 0.0001, 1.0 } };

  return rgb_profile (&d50, &romm, cmsBuildGamma (NULL, 1.8));
}

/* Apple's Generic RGB: Trinitron-like primaries, gamma 1.8 */
static cmsHPROFILE
generic_profile (void)
{
  static const cmsCIExyY d65 = { 0.3127, 0.3290, 1.0 };
  static const cmsCIExyYTRIPLE trinitron = { { 0.630, 0.340, 1.0 },
    { 0.295, 0.605, 1.0 }, { 0.155, 0.077, 1.0 } };

  return rgb_profile (&d65, &trinitron, cmsBuildGamma (NULL, 1.8));
}

static cmsInt32Number
sample_lab (const cmsUInt16Number in[], cmsUInt16Number out[], void *cargo)
{
  cmsDoTransform ((cmsHTRANSFORM) cargo, in, out, 1);
  return TRUE;
}

/* A LUT-based RGB profile with a Lab PCS: P3 sampled into a 33^3 table
 * (about 215 kB, so the JPEG carries it in four APP2 chunks). */
static cmsHPROFILE
lab_profile (void)
{
  cmsHPROFILE p3 = p3_profile (), lab = cmsCreateLab4Profile (NULL);
  cmsHTRANSFORM xf = cmsCreateTransform (p3, TYPE_RGB_16, lab, TYPE_Lab_16,
      INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_NOCACHE);
  cmsHPROFILE p = cmsCreateProfilePlaceholder (NULL);
  cmsPipeline *lut = cmsPipelineAlloc (NULL, 3, 3);
  cmsStage *clut = cmsStageAllocCLut16bit (NULL, 33, 3, 3, NULL);
  cmsMLU *desc = cmsMLUalloc (NULL, 1);

  cmsStageSampleCLut16bit (clut, sample_lab, xf, 0);
  cmsPipelineInsertStage (lut, cmsAT_BEGIN, clut);
  /* v2: the table is written as lut16Type */
  cmsSetProfileVersion (p, 2.1);
  cmsSetDeviceClass (p, cmsSigInputClass);
  cmsSetColorSpace (p, cmsSigRgbData);
  cmsSetPCS (p, cmsSigLabData);
  cmsMLUsetASCII (desc, "en", "US", "Lab-based P3 (test)");
  cmsWriteTag (p, cmsSigProfileDescriptionTag, desc);
  cmsWriteTag (p, cmsSigMediaWhitePointTag, cmsD50_XYZ ());
  cmsWriteTag (p, cmsSigAToB0Tag, lut);
  cmsMLUfree (desc);
  cmsPipelineFree (lut);
  cmsDeleteTransform (xf);
  cmsCloseProfile (p3);
  cmsCloseProfile (lab);
  return p;
}

/* Collects what a run posts: errors fail the test, warnings are kept. */
typedef struct
{
  gchar *error;
  GString *warnings;
} RunResult;

static void
run_bin (const gchar *input, const gchar *outdir, const gchar *extra,
    RunResult *r)
{
  gchar *desc =
      g_strdup_printf ("filesrc location=\"%s\" ! imgcompressbin "
                       "output-dir=\"%s\" adaptive=off variants=\"%s\" %s",
          input, outdir, VARIANTS, extra);
  GstElement *pipeline = gst_parse_launch (desc, NULL);
  GstBus *bus;
  gboolean done = FALSE;

  fail_unless (pipeline != NULL, "%s", desc);
  r->error = NULL;
  r->warnings = g_string_new (NULL);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (!done) {
    GstMessage *msg = gst_bus_timed_pop (bus, 60 * GST_SECOND);
    GError *err = NULL;

    fail_unless (msg != NULL, "pipeline hung on %s", input);
    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR) {
      gst_message_parse_error (msg, &err, NULL);
      r->error = g_strdup (err->message);
      done = TRUE;
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_WARNING) {
      gst_message_parse_warning (msg, &err, NULL);
      g_string_append_printf (r->warnings, "%s\n", err->message);
    } else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS) {
      done = TRUE;
    }
    g_clear_error (&err);
    gst_message_unref (msg);
  }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (bus);
  gst_object_unref (pipeline);
  g_free (desc);
}

static void
run_result_clear (RunResult *r)
{
  g_free (r->error);
  g_string_free (r->warnings, TRUE);
}

/* Runs @name through imgcompressbin (@extra its settings) into
 * cases_dir/out-@tag/@subdir, which it returns; no error and, unless
 * @warning_expected, no warning. */
static gchar *
process (const gchar *name, const gchar *tag, const gchar *extra,
    gboolean warning_expected, gchar **warnings)
{
  gchar *input = g_build_filename (cases_dir, name, NULL);
  gchar *outdir = g_strdup_printf ("%s/out-%s/%s-XXXXXX", cases_dir, name, tag);
  RunResult r;

  /* a directory of its own: tests share the cases */
  fail_unless (g_mkdir_with_parents (cases_dir, 0755) == 0);
  {
    gchar *parent = g_path_get_dirname (outdir);
    fail_unless (g_mkdir_with_parents (parent, 0755) == 0);
    g_free (parent);
  }
  fail_unless (g_mkdtemp (outdir) != NULL);

  run_bin (input, outdir, extra ? extra : "", &r);
  fail_unless (r.error == NULL, "%s (%s): %s", name, tag, r.error);
  if (!warning_expected)
    fail_unless (r.warnings->len == 0, "%s (%s): %s", name, tag,
        r.warnings->str);
  if (warnings != NULL)
    *warnings = g_strdup (r.warnings->str);
  fail_unless_equals_int (imgcheck_count_files (outdir, NULL), 6);
  run_result_clear (&r);
  g_free (input);
  return outdir;
}

static void
script_ok (const gchar *cmd, const gchar *a, const gchar *b)
{
  gchar *report = NULL;
  gboolean ok = imgcheck_run_script (SCRIPT, cmd, a, b, &report);

  GST_INFO ("%s %s:\n%s", cmd, a, report);
  fail_unless (ok, "%s %s %s:\n%s", cmd, a, b, report);
  g_free (report);
}

/* @name converted, @name with its profile ignored, and ImageCms's
 * conversion of it (untagged), all three through the same pipeline and
 * side by side in one directory for the script. */
static void
check_converted (const gchar *name)
{
  gchar *input = g_build_filename (cases_dir, name, NULL);
  gchar *ref = g_strdup_printf ("ref-%s.png", name);
  gchar *conv = process (name, "convert", NULL, FALSE, NULL);
  gchar *ign = process (name, "ignore", "icc=ignore", FALSE, NULL);
  gchar *refout = process (ref, "ref", "icc=ignore", FALSE, NULL);
  gchar *base = g_path_get_dirname (conv);
  gchar *target = g_build_filename (base, "ref-run", NULL);

  fail_unless (g_rename (refout, target) == 0);
  script_ok ("check", input, base);
  g_free (target);
  g_free (base);
  g_free (refout);
  g_free (ign);
  g_free (conv);
  g_free (ref);
  g_free (input);
}

GST_START_TEST (test_profiles_converted)
{
  static const gchar *profiles[] = { "p3", "prophoto", "lab", "generic" };
  static const gchar *ext[] = { "jpg", "png", "webp" };
  guint i, j;

  for (i = 0; i < G_N_ELEMENTS (profiles); i++) {
    for (j = 0; j < G_N_ELEMENTS (ext); j++) {
      gchar *name = g_strdup_printf ("%s.%s", profiles[i], ext[j]);

      check_converted (name);
      g_free (name);
    }
  }
}

GST_END_TEST;

/* The decoders on the base class hand their profiles over the same way:
 * TIFF's ICCProfile tag, BMP's V5 embedded profile, HEIF's colr box, and
 * an AVIF's nclx box with Display P3 primaries. */
GST_START_TEST (test_other_formats_converted)
{
  static const gchar *names[] = { "p3.tif", "p3.bmp", "p3.heic",
    "nclx-p3.avif" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++)
    check_converted (names[i]);
}

GST_END_TEST;

/* CMYK JPEGs (Adobe's inverted polarity, as Pillow writes them): through
 * the default CMYK profile, and through an embedded one. */
GST_START_TEST (test_cmyk)
{
  check_converted ("cmyk.jpg");
  if (g_file_test ("/usr/share/color/icc/ghostscript/ps_cmyk.icc",
          G_FILE_TEST_EXISTS))
    check_converted ("cmyk-icc.jpg");
}

GST_END_TEST;

/* CMYK and Lab TIFFs, converted in imgtiffdec (libtiff's own conversions
 * are the naive CMYK formula and Lab without white-point adaptation, a
 * yellow cast): CMYK through the default and an embedded profile, in 16
 * bits and planes, in JPEG tiles; CIELab and ICCLab in 8 and 16 bits. */
GST_START_TEST (test_tiff_cmyk_and_lab)
{
  static const gchar *names[] = { "cmyk.tif", "cmyk-icc.tif",
    "cmyk-jpeg-tiles.tif", "cmyk16-planes.tif", "lab.tif", "lab16.tif",
    "icclab.tif", "icclab16.tif" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *path = g_build_filename (cases_dir, names[i], NULL);

    /* cmyk-icc.tif only where Ghostscript's ps_cmyk.icc is installed */
    if (g_file_test (path, G_FILE_TEST_EXISTS))
      check_converted (names[i]);
    g_free (path);
  }
}

GST_END_TEST;

/* Their alpha sample (ExtraSamples) is kept. */
GST_START_TEST (test_tiff_alpha)
{
  static const gchar *names[] = { "lab-alpha.tif", "cmyk-alpha.tif" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *input = g_build_filename (cases_dir, names[i], NULL);
    gchar *out = process (names[i], "convert", NULL, FALSE, NULL);

    script_ok ("alpha", input, out);
    g_free (out);
    g_free (input);
  }
}

GST_END_TEST;

/* What imgtiffdec cannot convert is refused, saying why, not shown in
 * the wrong colours. */
GST_START_TEST (test_tiff_refused)
{
  static const struct
  {
    const gchar *name, *message;
  } cases[] = {
    { "itulab.tif", "The TIFF image's colours are ITU-T T.42 Lab (ITULAB)" },
    { "inks.tif", "The TIFF image's inks are not CMYK (InkSet 2, 4 inks)" },
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *input = g_build_filename (cases_dir, cases[i].name, NULL);
    gchar *outdir = g_strdup_printf ("%s/out-%s", cases_dir, cases[i].name);
    RunResult r;

    run_bin (input, outdir, "", &r);
    fail_unless (r.error != NULL && strstr (r.error, cases[i].message),
        "%s: error \"%s\"", cases[i].name, GST_STR_NULL (r.error));
    fail_unless_equals_int (imgcheck_count_files (outdir, NULL), 0);
    run_result_clear (&r);
    g_free (outdir);
    g_free (input);
  }
}

GST_END_TEST;

/* The fast path: no conversion, the very bytes icc=ignore (no
 * colour-management stage at all) writes; and a grey image whose RGB
 * profile keeps sRGB's grey axis, converted to the same grey. */
GST_START_TEST (test_srgb_and_untagged_identical)
{
  static const gchar *names[] = { "plain.jpg", "plain.png", "plain.webp",
    "srgb.jpg", "srgb.webp", "grey-p3.jpg" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *conv = process (names[i], "convert", NULL, FALSE, NULL);
    gchar *ign = process (names[i], "ignore", "icc=ignore", FALSE, NULL);

    script_ok ("same", conv, ign);
    g_free (conv);
    g_free (ign);
  }
}

GST_END_TEST;

GST_START_TEST (test_keep_and_ignore)
{
  static const gchar *names[] = { "p3.jpg", "p3.webp", "lab.png" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *input = g_build_filename (cases_dir, names[i], NULL);
    gchar *keep = process (names[i], "keep", "icc=keep", FALSE, NULL);
    gchar *ign = process (names[i], "ignore", "icc=ignore", FALSE, NULL);
    gchar *base = g_path_get_dirname (keep);

    script_ok ("keep", input, base);
    g_free (base);
    g_free (keep);
    g_free (ign);
    g_free (input);
  }
}

GST_END_TEST;

GST_START_TEST (test_metadata)
{
  static const gchar *names[] = { "meta.jpg", "meta.webp" };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (names); i++) {
    gchar *none = process (names[i], "none", NULL, FALSE, NULL);
    gchar *kept =
        process (names[i], "copyright", "metadata=copyright", FALSE, NULL);

    script_ok ("meta", none, "none");
    script_ok ("meta", kept, "copyright");
    g_free (none);
    g_free (kept);
  }
}

GST_END_TEST;

/* Each damaged profile: a warning naming the image, then the outputs of
 * the same image without a profile. */
GST_START_TEST (test_damaged_profiles)
{
  static const struct
  {
    const gchar *name, *plain;
  } cases[] = {
    { "dmg-truncated.jpg", "plain.jpg" },
    { "dmg-size.jpg", "plain.jpg" },
    { "dmg-tagcount.jpg", "plain.jpg" },
    { "dmg-tagoffset.jpg", "plain.jpg" },
    { "dmg-garbage.jpg", "plain.jpg" },
    { "dmg-missing.jpg", "plain.jpg" },
    { "dmg-duplicate.jpg", "plain.jpg" },
    { "dmg-seq0.jpg", "plain.jpg" },
    { "dmg-counts.jpg", "plain.jpg" },
    { "dmg-truncated.png", "plain.png" },
    { "dmg-truncated.webp", "plain.webp" },
    { "dmg-tagcount.webp", "plain.webp" },
    { "dmg-100mb.webp", "plain.webp" },
  };
  gchar *plain_out[3] = { NULL, NULL, NULL };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    gchar *warnings = NULL, *stem, *expected;
    gchar *out = process (cases[i].name, "convert", NULL, TRUE, &warnings);
    guint k = g_str_has_suffix (cases[i].plain, "jpg") ? 0 :
        g_str_has_suffix (cases[i].plain, "png")       ? 1 :
                                                         2;

    stem =
        g_strndup (cases[i].name, strrchr (cases[i].name, '.') - cases[i].name);
    expected = g_strdup_printf ("The colour profile of image \"%s\" is "
                                "damaged and is ignored",
        stem);
    fail_unless (strstr (warnings, expected) != NULL, "%s: warnings \"%s\"",
        cases[i].name, warnings);
    if (plain_out[k] == NULL)
      plain_out[k] = process (cases[i].plain, "convert", NULL, FALSE, NULL);
    script_ok ("same", out, plain_out[k]);
    g_free (expected);
    g_free (stem);
    g_free (warnings);
    g_free (out);
  }
  for (i = 0; i < 3; i++)
    g_free (plain_out[i]);
}

GST_END_TEST;

/* Chunks in the file out of their numbered order are joined by number, as
 * libjpeg's jpeg_read_icc_profile() does: the image is converted. */
GST_START_TEST (test_chunks_joined_in_sequence_order)
{
  gchar *order = process ("order.jpg", "convert", NULL, FALSE, NULL);
  gchar *plain = process ("plain.jpg", "convert", NULL, FALSE, NULL);
  gchar *report = NULL;

  /* the Lab profile (P3 in a table) moves the colours */
  fail_if (imgcheck_run_script (SCRIPT, "same", order, plain, &report),
      "out-of-order chunks were not applied:\n%s", report);
  g_free (report);
  g_free (order);
  g_free (plain);
}

GST_END_TEST;

static void
make_cases (void)
{
  cases_dir = g_dir_make_tmp ("colour-XXXXXX", NULL);
  fail_unless (cases_dir != NULL);
  fail_unless (save_profile (p3_profile (), "p3.icc"));
  fail_unless (save_profile (prophoto_profile (), "prophoto.icc"));
  fail_unless (save_profile (generic_profile (), "generic.icc"));
  fail_unless (save_profile (lab_profile (), "lab.icc"));
  fail_unless (imgcheck_run_script (SCRIPT, "make", cases_dir, NULL, NULL));
}

static void
remove_cases (void)
{
  imgcheck_remove_tree (cases_dir);
  g_clear_pointer (&cases_dir, g_free);
}

static Suite *
colour_suite (void)
{
  Suite *s = suite_create ("colour");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_set_timeout (tc, 600);
  tcase_add_unchecked_fixture (tc, make_cases, remove_cases);
  tcase_add_test (tc, test_profiles_converted);
  tcase_add_test (tc, test_other_formats_converted);
  tcase_add_test (tc, test_cmyk);
  tcase_add_test (tc, test_tiff_cmyk_and_lab);
  tcase_add_test (tc, test_tiff_alpha);
  tcase_add_test (tc, test_tiff_refused);
  tcase_add_test (tc, test_srgb_and_untagged_identical);
  tcase_add_test (tc, test_keep_and_ignore);
  tcase_add_test (tc, test_metadata);
  tcase_add_test (tc, test_damaged_profiles);
  tcase_add_test (tc, test_chunks_joined_in_sequence_order);
  return s;
}

int
main (int argc, char **argv)
{
  Suite *s;

  gst_check_init (&argc, &argv);
  if (!imgcheck_have_pillow ())
    return 77;
  s = colour_suite ();
  return gst_check_run_suite (s, "colour", __FILE__);
}

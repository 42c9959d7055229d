/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

#ifndef __GST_IMGCOMPRESS_BIN_H__
#define __GST_IMGCOMPRESS_BIN_H__

#include <gst/gst.h>
#include <gst/imgcompress/imgcompress.h>

G_BEGIN_DECLS

#define GST_TYPE_IMGCOMPRESS_BIN (gst_imgcompress_bin_get_type ())
G_DECLARE_FINAL_TYPE (GstImgcompressBin, gst_imgcompress_bin, GST,
    IMGCOMPRESS_BIN, GstBin)

typedef enum
{
  GST_IMGCOMPRESS_BIN_ADAPTIVE_OFF,
  GST_IMGCOMPRESS_BIN_ADAPTIVE_FILE_SIZE,
} GstImgcompressBinAdaptive;

typedef enum
{
  GST_IMGCOMPRESS_BIN_OUTPUT_FILES,
  GST_IMGCOMPRESS_BIN_OUTPUT_PADS,
} GstImgcompressBinOutput;

typedef enum
{
  GST_IMGCOMPRESS_BIN_ON_ERROR_STOP,
  GST_IMGCOMPRESS_BIN_ON_ERROR_SKIP,
} GstImgcompressBinOnError;

typedef enum
{
  GST_IMGCOMPRESS_BIN_ICC_CONVERT,
  GST_IMGCOMPRESS_BIN_ICC_KEEP,
  GST_IMGCOMPRESS_BIN_ICC_IGNORE,
} GstImgcompressBinIcc;

typedef enum
{
  GST_IMGCOMPRESS_BIN_METADATA_NONE,
  GST_IMGCOMPRESS_BIN_METADATA_COPYRIGHT,
} GstImgcompressBinMetadata;

/* One output of every image: a variant in a format. */
typedef struct
{
  gchar *variant;
  GstImgcompressFormat format;
} GstImgcompressBinOutputSlot;

struct _GstImgcompressBin
{
  GstBin parent;

  GstPad *sinkpad;
  GstElement *adaptivequality;
  GstElement *decoder;
  GstImgcompressFormat decoder_format;
  GstElement *variantsplit;
  gboolean branches_built;
  GArray *slots; /* GstImgcompressBinOutputSlot, one per branch */

  /* the input side, streaming thread only */
  gboolean decoder_failed; /* replace the decoder before the next image */
  gint swallow_errors; /* atomic: the input's image failed and was reported */
  guint64 input_index; /* the index of the image at the input, plus one */
  gchar *input_name; /* and its name */
  gboolean input_decoded; /* the decoder gave its frame */
  gboolean draining; /* an EOS sent to the decoder stops at its source pad */

  /* images between their image event and their last output */
  GMutex images_lock;
  GList *images; /* ImageRecord, oldest first */
  guint64 failed_index; /* the last image reported as failed, plus one */

  /* properties, under the object lock */
  gchar *variants;
  gchar *formats;
  gchar *output_dir;
  gchar *location;
  gchar *hold_variants;
  GstImgcompressBinAdaptive adaptive;
  gchar *bands;
  guint64 max_pixels;
  guint64 max_input_bytes;
  GstImgcompressBinIcc icc;
  GstImgcompressBinMetadata metadata;
  gboolean overwrite;
  guint background;
  guint progressive_from;
  gint webp_method;
  GstImgcompressBinOutput output;
  GstImgcompressBinOnError on_error;
};

G_END_DECLS

#endif /* __GST_IMGCOMPRESS_BIN_H__ */

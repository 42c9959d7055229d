/* gst-imgcompress
 * Copyright (C) 2026 gst-imgcompress authors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */

/**
 * SECTION:element-imggifdec
 * @title: imggifdec
 * @short_description: decodes the first frame of GIF images with giflib
 *
 * Decodes the first frame of a GIF (87a or 89a) onto its logical screen.
 * The file is one image: the element takes everything up to the end of the
 * stream (imgcompressbin ends each image of a stream so).
 *
 * The frame's transparent colour (its graphic control extension) becomes
 * alpha, and so does the part of the screen the frame does not cover: such
 * images leave as RGBA, the others as RGB.  Interlaced frames are put back
 * in row order.  When more frames follow, a warning says that only the
 * first is used; they are not decoded.
 *
 * Before anything of the image's size is allocated the screen's size and
 * the first frame's are checked against
 * #GstImgcompressImageDecoder:max-pixels (a frame larger than its screen
 * is refused by its own size, and clipped to the screen otherwise).  A
 * damaged file posts an error naming the fault (where the image data ends,
 * a missing colour table, an invalid record); nothing of it is output.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 filesrc location=photo.gif ! imggifdec ! videoconvert ! \
 *     pngenc ! filesink location=first-frame.png
 * ]| Writes the first frame of photo.gif as a PNG.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstimggifdec.h"

#include <gif_lib.h>
#include <gst/imgcompress/gst-i18n-plugin.h>
#include <gst/imgcompress/imgcompress.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_img_gif_dec_debug);
#define GST_CAT_DEFAULT gst_img_gif_dec_debug

#define NO_TRANSPARENCY (-1)

struct _GstImgGifDec
{
  GstImgcompressImageDecoder parent;
};

/* The bytes giflib reads from. */
typedef struct
{
  const guint8 *data;
  gsize size;
  gsize pos;
} GifSource;

/* What read_header() opened for decode(): giflib stands at the first
 * frame's pixels. */
typedef struct
{
  GifSource src;
  GifFileType *gif;
  gint transparent;
} GifImage;

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("image/gif"));

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
        GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE ("{ RGB, RGBA }")));

#define gst_img_gif_dec_parent_class parent_class
G_DEFINE_TYPE (GstImgGifDec, gst_img_gif_dec,
    GST_TYPE_IMGCOMPRESS_IMAGE_DECODER);
GST_ELEMENT_REGISTER_DEFINE (imggifdec, "imggifdec", GST_RANK_MARGINAL,
    GST_TYPE_IMG_GIF_DEC);

static int
read_source (GifFileType *gif, GifByteType *dest, int length)
{
  GifSource *src = gif->UserData;
  gsize n = MIN ((gsize) MAX (length, 0), src->size - src->pos);

  memcpy (dest, src->data + src->pos, n);
  src->pos += n;
  return (int) n;
}

static void
gif_image_free (gpointer data)
{
  GifImage *img = data;

  if (img->gif)
    DGifCloseFile (img->gif, NULL);
  g_free (img);
}

/* giflib's error in words for users. */
static GstFlowReturn
post_gif_error (GstImgGifDec *self, int error, const gchar *where)
{
  const gchar *msg;

  switch (error) {
    case D_GIF_ERR_READ_FAILED:
    case D_GIF_ERR_EOF_TOO_SOON:
      msg = _ ("The GIF file is truncated.");
      break;
    case D_GIF_ERR_NOT_GIF_FILE:
      msg = _ ("The data is not a GIF image.");
      break;
    case D_GIF_ERR_NO_SCRN_DSCR:
      msg = _ ("The GIF header is damaged: its logical screen is missing.");
      break;
    case D_GIF_ERR_NO_IMAG_DSCR:
    case D_GIF_ERR_WRONG_RECORD:
      msg = _ ("The GIF image is damaged: it has an invalid record.");
      break;
    case D_GIF_ERR_NO_COLOR_MAP:
      msg = _ ("The GIF image is damaged: it has no colour table.");
      break;
    case D_GIF_ERR_NOT_ENOUGH_MEM:
      msg = _ ("Not enough memory to decode the GIF image.");
      break;
    default:
      msg = _ ("The GIF image is damaged: its compressed image data is "
               "invalid.");
      break;
  }
  GST_ELEMENT_ERROR (self, STREAM, DECODE, ("%s", msg),
      ("%s: giflib: %s", where,
          GifErrorString (error) ? GifErrorString (error) : "?"));
  return GST_FLOW_ERROR;
}

static GstFlowReturn
post_damaged (GstImgGifDec *self, const gchar *msg, const gchar *debug)
{
  GST_ELEMENT_ERROR (self, STREAM, DECODE, ("%s", msg), ("%s", debug));
  return GST_FLOW_ERROR;
}

/* The transparent colour of a graphic control extension. */
static void
read_extension (GifFileType *gif, GifImage *img, int *error)
{
  GifByteType *ext = NULL;
  int code;

  if (DGifGetExtension (gif, &code, &ext) == GIF_ERROR) {
    *error = gif->Error;
    return;
  }
  if (code == GRAPHICS_EXT_FUNC_CODE && ext != NULL && ext[0] >= 4) {
    GraphicsControlBlock gcb;

    if (DGifExtensionToGCB (ext[0], ext + 1, &gcb) == GIF_OK)
      img->transparent = gcb.TransparentColor;
  }
  while (ext != NULL) {
    if (DGifGetExtensionNext (gif, &ext) == GIF_ERROR) {
      *error = gif->Error;
      return;
    }
  }
}

/* Reads records up to the first frame's descriptor. */
static GstFlowReturn
find_first_frame (GstImgGifDec *self, GifImage *img)
{
  GifRecordType type;
  int error = 0;

  for (;;) {
    if (DGifGetRecordType (img->gif, &type) == GIF_ERROR)
      return post_gif_error (self, img->gif->Error, "reading a record");
    switch (type) {
      case EXTENSION_RECORD_TYPE:
        read_extension (img->gif, img, &error);
        if (error)
          return post_gif_error (self, error, "reading an extension");
        break;
      case IMAGE_DESC_RECORD_TYPE:
        if (DGifGetImageDesc (img->gif) == GIF_ERROR)
          return post_gif_error (self, img->gif->Error, "reading the frame");
        return GST_FLOW_OK;
      case TERMINATE_RECORD_TYPE:
        return post_damaged (self, _ ("The GIF file has no image."),
            "trailer before any image");
      default:
        return post_gif_error (self, D_GIF_ERR_WRONG_RECORD, "records");
    }
  }
}

static gboolean
frame_covers_screen (const GifFileType *gif)
{
  return gif->Image.Left == 0 && gif->Image.Top == 0 &&
      gif->Image.Width >= gif->SWidth && gif->Image.Height >= gif->SHeight;
}

static GstFlowReturn
gst_img_gif_dec_read_header (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header)
{
  GstImgGifDec *self = GST_IMG_GIF_DEC (decoder);
  GifImage *img = g_new0 (GifImage, 1);
  int error = 0;
  GstFlowReturn ret;

  header->decode_data = img;
  header->decode_data_free = gif_image_free;
  img->src.data = data;
  img->src.size = size;
  img->transparent = NO_TRANSPARENCY;
  img->gif = DGifOpen (&img->src, read_source, &error);
  if (img->gif == NULL)
    return post_gif_error (self, error, "opening");
  if (img->gif->SWidth <= 0 || img->gif->SHeight <= 0)
    return post_damaged (self,
        _ ("The GIF header is damaged: its logical screen is 0 pixels wide "
           "or high."),
        "screen width or height 0");
  /* the screen first: a bomb is refused before its records are read */
  if (!gst_imgcompress_image_decoder_check_size (decoder, img->gif->SWidth,
          img->gif->SHeight))
    return GST_FLOW_ERROR;
  ret = find_first_frame (self, img);
  if (ret != GST_FLOW_OK)
    return ret;
  /* giflib reads the frame's rows into a buffer of its width: a huge frame
   * in a small screen costs its whole decode */
  if (img->gif->Image.Width <= 0 || img->gif->Image.Height <= 0)
    return post_damaged (self,
        _ ("The GIF image is damaged: its first frame is 0 pixels wide or "
           "high."),
        "frame width or height 0");
  if (!gst_imgcompress_image_decoder_check_size (decoder, img->gif->Image.Width,
          img->gif->Image.Height))
    return GST_FLOW_ERROR;
  if (img->gif->Image.ColorMap == NULL && img->gif->SColorMap == NULL)
    return post_gif_error (self, D_GIF_ERR_NO_COLOR_MAP, "first frame");

  header->width = img->gif->SWidth;
  header->height = img->gif->SHeight;
  header->has_alpha =
      img->transparent != NO_TRANSPARENCY || !frame_covers_screen (img->gif);
  header->formats[0] =
      header->has_alpha ? GST_VIDEO_FORMAT_RGBA : GST_VIDEO_FORMAT_RGB;
  header->scaling = GST_IMGCOMPRESS_IMAGE_SCALING_NONE;
  GST_DEBUG_OBJECT (self, "screen %ux%u, frame %dx%d at %d,%d%s%s",
      header->width, header->height, img->gif->Image.Width,
      img->gif->Image.Height, img->gif->Image.Left, img->gif->Image.Top,
      img->gif->Image.Interlace ? ", interlaced" : "",
      header->has_alpha ? ", transparent" : "");
  return GST_FLOW_OK;
}

/* One row of colour indices into the frame row, clipped to the screen. */
static void
put_row (const GifFileType *gif, const GifImage *img, const guint8 *indices,
    GstVideoFrame *vframe, gint y)
{
  const ColorMapObject *map =
      gif->Image.ColorMap ? gif->Image.ColorMap : gif->SColorMap;
  guint bpp = GST_VIDEO_FRAME_COMP_PSTRIDE (vframe, 0);
  guint width = GST_VIDEO_FRAME_WIDTH (vframe);
  guint8 *row;
  gint x;

  if (y < 0 || y >= GST_VIDEO_FRAME_HEIGHT (vframe))
    return;
  row = (guint8 *) GST_VIDEO_FRAME_PLANE_DATA (vframe, 0) +
      (gsize) y * GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0);
  for (x = 0; x < gif->Image.Width; x++) {
    gint sx = gif->Image.Left + x;
    guint8 *p;
    guint i = indices[x];

    if (sx < 0 || sx >= (gint) width)
      continue;
    p = row + (gsize) sx * bpp;
    if ((gint) i == img->transparent) {
      memset (p, 0, bpp);
      continue;
    }
    /* an index past the table is black, as browsers show it */
    if ((gint) i < map->ColorCount) {
      p[0] = map->Colors[i].Red;
      p[1] = map->Colors[i].Green;
      p[2] = map->Colors[i].Blue;
    } else {
      p[0] = p[1] = p[2] = 0;
    }
    if (bpp == 4)
      p[3] = 255;
  }
}

/* Whether another frame follows the first: the rest is only walked, not
 * decoded, and a damaged tail does not matter. */
static gboolean
has_more_frames (GifFileType *gif, GifImage *img)
{
  GifRecordType type;
  int error = 0;

  while (DGifGetRecordType (gif, &type) == GIF_OK) {
    if (type == IMAGE_DESC_RECORD_TYPE)
      return TRUE;
    if (type != EXTENSION_RECORD_TYPE)
      return FALSE;
    read_extension (gif, img, &error);
    if (error)
      return FALSE;
  }
  return FALSE;
}

static GstFlowReturn
gst_img_gif_dec_decode (GstImgcompressImageDecoder *decoder,
    GstVideoCodecFrame *frame, const guint8 *data, gsize size,
    GstImgcompressImageHeader *header, const GstImgcompressImageScale *scale,
    GstVideoFrame *vframe)
{
  static const gint pass_start[] = { 0, 4, 2, 1 }, pass_step[] = { 8, 8, 4, 2 };
  GstImgGifDec *self = GST_IMG_GIF_DEC (decoder);
  GifImage *img = header->decode_data;
  GifFileType *gif = img->gif;
  gint passes = gif->Image.Interlace ? 4 : 1, pass, y, done = 0;
  guint8 *indices = g_try_malloc (gif->Image.Width);
  GstFlowReturn ret = GST_FLOW_OK;

  if (indices == NULL)
    return post_gif_error (self, D_GIF_ERR_NOT_ENOUGH_MEM, "row buffer");
  /* what the frame does not cover is transparent */
  memset (GST_VIDEO_FRAME_PLANE_DATA (vframe, 0), 0,
      (gsize) GST_VIDEO_FRAME_PLANE_STRIDE (vframe, 0) *
          GST_VIDEO_FRAME_HEIGHT (vframe));
  for (pass = 0; pass < passes && ret == GST_FLOW_OK; pass++) {
    gint start = passes > 1 ? pass_start[pass] : 0;
    gint step = passes > 1 ? pass_step[pass] : 1;

    for (y = start; y < gif->Image.Height; y += step, done++) {
      if (DGifGetLine (gif, indices, gif->Image.Width) == GIF_ERROR) {
        gchar *where = g_strdup_printf ("image data ends after %d of %d rows",
            done, gif->Image.Height);

        ret = post_gif_error (self, gif->Error, where);
        g_free (where);
        break;
      }
      put_row (gif, img, indices, vframe, gif->Image.Top + y);
    }
  }
  g_free (indices);

  if (ret == GST_FLOW_OK && has_more_frames (gif, img))
    GST_ELEMENT_WARNING (self, STREAM, DECODE,
        (_ ("Animated GIF: only its first frame is used.")),
        ("%ux%u screen", header->width, header->height));
  return ret;
}

static void
gst_img_gif_dec_class_init (GstImgGifDecClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstVideoDecoderClass *vdec_class = GST_VIDEO_DECODER_CLASS (klass);
  GstImgcompressImageDecoderClass *image_class =
      GST_IMGCOMPRESS_IMAGE_DECODER_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "GIF image decoder",
      "Codec/Decoder/Image",
      "Decodes the first frame of GIF images with giflib to RGB or RGBA",
      "gst-imgcompress authors");

  /* a GIF file has no end marker */
  vdec_class->parse =
      GST_DEBUG_FUNCPTR (gst_imgcompress_image_decoder_parse_to_end);
  image_class->format_name = "GIF";
  image_class->read_header = GST_DEBUG_FUNCPTR (gst_img_gif_dec_read_header);
  image_class->decode = GST_DEBUG_FUNCPTR (gst_img_gif_dec_decode);

  GST_DEBUG_CATEGORY_INIT (gst_img_gif_dec_debug, "imggifdec", 0,
      "GIF image decoder");
}

static void
gst_img_gif_dec_init (GstImgGifDec *self)
{
}

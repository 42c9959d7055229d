#!/bin/bash
# Thumbnail only, as fast as it gets: no fan-out, no tee.  imgsizer answers
# the decoder's size question with its 150 px box, so turbojpegdec decodes a
# 6028x3391 photo at 1/8 scale (754x424) and the resize has little left to do.
#
# Usage: 03-thumbnail-fast-path.sh PHOTO.jpg [OUTPUT_DIR]
#
# Writes OUTPUT_DIR/NAME.jpg, 150 px on its longer side, JPEG quality 80
# (lower when adaptivequality's file-size hint says so).
set -euo pipefail

photo=${1:?usage: $0 PHOTO.jpg [OUTPUT_DIR]}
out=${2:-out/thumbnail-fast-path}

gst-launch-1.0 -q filesrc location="$photo" ! adaptivequality \
  ! turbojpegdec ! imgsizer max-dimension=150 ! turbojpegenc quality=80 \
  ! metricsink output-dir="$out" location="{name}.{ext}"

find "$out" -type f | sort

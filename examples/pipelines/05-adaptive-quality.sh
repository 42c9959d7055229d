#!/bin/bash
# Adaptive quality: adaptivequality caps every variant's quality by a hint
# taken from the input's file size (the seed's bands by default:
# < 1 MiB -> JPEG 85 / WebP 80, < 5 MiB -> 80 / 75, else 75 / 70).  The
# effective quality is min(variant quality, hint).
#
# Usage: 05-adaptive-quality.sh PHOTO.jpg [OUTPUT_DIR]
#
# Encodes a 500 px preview (the variant asks for JPEG 85, WebP 80) three
# ways and prints the quality each file got from its metrics message:
#   default/   the seed's bands
#   strict/    custom bands: anything over 100 KiB gets 60 / 55
#   off/       mode=off: the variant's own qualities
set -euo pipefail

photo=${1:?usage: $0 PHOTO.jpg [OUTPUT_DIR]}
out=${2:-out/adaptive-quality}

preview() {
  # $1: output subdirectory, then adaptivequality properties
  local dir=$1
  shift
  gst-launch-1.0 -m filesrc location="$photo" ! adaptivequality "$@" \
    ! turbojpegdec ! variantsplit name=s \
    s.src_preview ! queue ! imgsizer ! tee name=t \
    t. ! queue ! turbojpegenc ! metricsink output-dir="$out/$dir" \
    t. ! queue ! imgwebpenc ! metricsink output-dir="$out/$dir" |
    grep -o 'imgcompress-metrics.*' |
    sed -E 's/.*format=\(string\)([a-z]+).*quality=\(int\)(-?[0-9]+).*output-bytes=\(guint64\)([0-9]+).*/\1 quality \2, \3 bytes/' |
    sed "s|^|$dir: |"
}

preview default
preview strict bands="100KiB:60:55,*:60:55"
preview off mode=off

find "$out" -type f | sort

#!/bin/bash
# The graph imgcompressbin builds, written out: what to start from when the
# bin's properties are not enough (another encoder, an extra branch, ...).
#
#   filesrc ! adaptivequality ! turbojpegdec ! variantsplit name=s
#     s.src_<variant> ! queue ! imgsizer ! tee name=t
#       t. ! queue ! turbojpegenc ! metricsink
#       t. ! queue ! imgwebpenc   ! metricsink
#
# Usage: 02-explicit-graph.sh PHOTO.jpg [OUTPUT_DIR]
#
# - adaptivequality reads the name, size and dimensions from the header and
#   sends them downstream with quality hints from the file size.
# - turbojpegdec asks downstream how large the image must be (variantsplit
#   answers with its largest linked variant) and decodes once, already
#   shrunk by libjpeg-turbo's DCT scaling.
# - variantsplit hands the same decoded frame to each branch without a copy,
#   thumbnail first, and tells each branch its box and qualities.
# - each imgsizer fits its branch's box, each encoder takes the branch's
#   quality, each metricsink writes {variant}/{name}.{ext} atomically.
# The queues give every branch its own thread.
set -euo pipefail

photo=${1:?usage: $0 PHOTO.jpg [OUTPUT_DIR]}
out=${2:-out/explicit-graph}

branch() {
  # $1: variant name
  echo "s.src_$1 ! queue ! imgsizer ! tee name=t_$1" \
    "t_$1. ! queue ! turbojpegenc ! metricsink output-dir=\"$out\"" \
    "t_$1. ! queue ! imgwebpenc ! metricsink output-dir=\"$out\""
}

# shellcheck disable=SC2046 # the branches are meant to split into words
gst-launch-1.0 -q filesrc location="$photo" ! adaptivequality ! turbojpegdec \
  ! variantsplit name=s \
  $(branch thumbnail) $(branch preview) $(branch full)

find "$out" -type f | sort

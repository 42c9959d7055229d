#!/bin/bash
# The seed's date-based layout, YYYY/MM/DD/{thumbnail,preview,full}/NAME.EXT,
# from metricsink's location template: %Y %m %d %H are the local date and
# hour at the write, {variant} {name} {ext} {index} come from the stream.
#
# Usage: 06-date-layout.sh PHOTO.jpg [OUTPUT_DIR]
#
# Then, e.g. from cron, temporary files that crashed writers left behind
# (.NAME.XXXXXX.imgcompress-tmp, never a final name) can be swept with the
# library's gst_imgcompress_file_remove_stale_temps() (the batch tool does).
set -euo pipefail

photo=${1:?usage: $0 PHOTO.jpg [OUTPUT_DIR]}
out=${2:-out/date-layout}
layout="%Y/%m/%d/{variant}/{name}.{ext}"

branch() {
  # $1: variant name; JPEG only, to keep the line short
  echo "s.src_$1 ! queue ! imgsizer ! turbojpegenc" \
    "! metricsink output-dir=\"$out\" location=\"$layout\""
}

# shellcheck disable=SC2046 # the branches are meant to split into words
gst-launch-1.0 -q filesrc location="$photo" ! adaptivequality ! turbojpegdec \
  ! variantsplit name=s $(branch thumbnail) $(branch preview) $(branch full)

find "$out" -type f | sort

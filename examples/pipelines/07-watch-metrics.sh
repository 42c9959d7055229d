#!/bin/bash
# Watching the metrics: every metricsink posts an imgcompress-metrics element
# message per file written, and `gst-launch-1.0 -m` prints bus messages.
# Applications read them with gst_imgcompress_metrics_message_parse().
#
# Usage: 07-watch-metrics.sh PHOTO.jpg [OUTPUT_DIR]
#
# Prints one line per file: variant, format, size, quality, the compression
# ratio (output / input bytes) and the processing time (from the moment
# adaptivequality saw the image to the file's rename), then the raw message.
set -euo pipefail

photo=${1:?usage: $0 PHOTO.jpg [OUTPUT_DIR]}
out=${2:-out/watch-metrics}

field() {
  # $1: message line, $2: field name -> its value
  sed -E "s/.*[ ,]$2=\\([a-z0-9]+\\)([^,;]*).*/\\1/" <<<"$1"
}

gst-launch-1.0 -m filesrc location="$photo" ! adaptivequality ! turbojpegdec \
  ! variantsplit name=s \
  s.src_thumbnail ! queue ! imgsizer ! tee name=t0 \
  t0. ! queue ! turbojpegenc ! metricsink output-dir="$out" \
  t0. ! queue ! imgwebpenc ! metricsink output-dir="$out" \
  s.src_preview ! queue ! imgsizer ! tee name=t1 \
  t1. ! queue ! turbojpegenc ! metricsink output-dir="$out" \
  t1. ! queue ! imgwebpenc ! metricsink output-dir="$out" |
  grep -o 'imgcompress-metrics.*' |
  while IFS= read -r msg; do
    ns=$(field "$msg" processing-time)
    printf '%-9s %-4s %4sx%-4s %7s bytes  q%-3s ratio %.4f  %s ms\n' \
      "$(field "$msg" variant)" "$(field "$msg" format)" \
      "$(field "$msg" width)" "$(field "$msg" height)" \
      "$(field "$msg" output-bytes)" "$(field "$msg" quality)" \
      "$(field "$msg" compression-ratio)" "$((ns / 1000000))"
    echo "  $msg"
  done

find "$out" -type f | sort

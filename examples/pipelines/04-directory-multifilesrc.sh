#!/bin/bash
# Many images through one pipeline: multifilesrc reads one file per buffer,
# and every element handles a new image (new name, size and caps) mid-stream,
# so there is no per-image process start or pipeline construction.
#
# Usage: 04-directory-multifilesrc.sh DIRECTORY|PHOTO.jpg [OUTPUT_DIR]
#
# Takes the JPEGs of DIRECTORY (or of PHOTO's directory), at most
# $MAX_IMAGES of them (default 8) in name order.  multifilesrc wants a printf
# pattern (img-%05d.jpg), so they are linked under numbered names first; the
# name in each output file and metrics message is that number.  Writes
# OUTPUT_DIR/img-NNNNN.jpg, 500 px, and prints which input each stands for.
set -euo pipefail

src=${1:?usage: $0 DIRECTORY|PHOTO.jpg [OUTPUT_DIR]}
out=${2:-out/directory-multifilesrc}
max=${MAX_IMAGES:-8}

[ -d "$src" ] || src=$(dirname "$src")
src=$(cd "$src" && pwd)

links=$(mktemp -d)
trap 'rm -rf "$links"' EXIT
i=0
for f in "$src"/*.jpg "$src"/*.jpeg "$src"/*.JPG; do
  if [ ! -f "$f" ] || [ "$i" -ge "$max" ]; then
    continue
  fi
  link=$(printf 'img-%05d.jpg' "$i")
  ln -s "$f" "$links/$link"
  echo "${link%.jpg} <- $f"
  i=$((i + 1))
done
[ "$i" -gt 0 ] || { echo "no JPEG in $src" >&2; exit 1; }

gst-launch-1.0 -q multifilesrc location="$links/img-%05d.jpg" index=0 \
  caps=image/jpeg ! adaptivequality ! turbojpegdec \
  ! imgsizer max-dimension=500 ! turbojpegenc quality=85 \
  ! metricsink output-dir="$out" location="{name}.{ext}"

find "$out" -type f | sort

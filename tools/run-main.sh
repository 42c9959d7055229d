#!/bin/sh
# README command 1: installs what is missing, builds, fetches the real-photo
# corpus and runs the main job on it.
set -eu
cd "$(dirname "$0")/.."
. tools/bootstrap.sh
corpus=$(tests/files/fetch-corpus.sh)
out="${1:-out}"
mkdir -p "$out"

export GST_PLUGIN_PATH_1_0="$PWD/$BUILD_DIR/gst/imgcompress:$PWD/$BUILD_DIR/ext/turbojpeg:$PWD/$BUILD_DIR/ext/webp"

photo="$corpus/Kleiber_by_Lukas_Baubkus.jpg"
echo "main: $photo -> $out/" >&2
gst-launch-1.0 -q filesrc location="$photo" ! turbojpegdec max-dimension=2048 \
  ! turbojpegenc quality=90 ! filesink location="$out/Kleiber_by_Lukas_Baubkus.jpg"
ls -l "$out"

#!/bin/sh
# README command 1: installs what is missing, builds, fetches the real-photo
# corpus and runs the batch tool on it: every photo becomes thumbnail,
# preview and full variants as JPEG and WebP under OUTDIR (default out/),
# with a summary at the end.
#
#   tools/run-main.sh [OUTDIR] [imgcompress options...]
set -eu
cd "$(dirname "$0")/.."
. tools/bootstrap.sh
corpus=$(tests/files/fetch-corpus.sh)
out="${1:-out}"
[ $# -gt 0 ] && shift

export GST_PLUGIN_PATH_1_0="$PWD/$BUILD_DIR/gst/imgcompress:$PWD/$BUILD_DIR/ext/turbojpeg:$PWD/$BUILD_DIR/ext/webp:$PWD/$BUILD_DIR/ext/png:$PWD/$BUILD_DIR/ext/heif:$PWD/$BUILD_DIR/ext/gif:$PWD/$BUILD_DIR/ext/tiff:$PWD/$BUILD_DIR/ext/bmp"
# Existing outputs of an earlier run are replaced.
exec "$BUILD_DIR/tools/imgcompress/imgcompress" --overwrite "$@" -o "$out" "$corpus"

#!/bin/bash
# The one-line form: imgcompressbin builds the whole graph (adaptive quality,
# a decoder chosen from the caps, the variant fan-out, a resizer, JPEG and
# WebP encoders and an atomic file writer per branch) from its properties.
#
# Usage: 01-one-liner-bin.sh PHOTO [OUTPUT_DIR]
#
# Writes OUTPUT_DIR/{thumbnail,preview,full}/NAME.{jpg,webp}: the seed's
# high-memory variant set (150 px q80/75, 500 px q85/80, 2048 px q90/85,
# never enlarged), qualities capped by the input's file size.  An existing
# output is an error (add overwrite=true to replace it).
#
# From the build tree, first:
#   export GST_PLUGIN_PATH_1_0=$PWD/build/gst/imgcompress:$PWD/build/ext/turbojpeg:$PWD/build/ext/webp:$PWD/build/ext/png:$PWD/build/ext/heif:$PWD/build/ext/gif:$PWD/build/ext/tiff:$PWD/build/ext/bmp
set -euo pipefail

photo=${1:?usage: $0 PHOTO [OUTPUT_DIR]}
out=${2:-out/one-liner-bin}

gst-launch-1.0 -q filesrc location="$photo" ! imgcompressbin output-dir="$out"

find "$out" -type f | sort

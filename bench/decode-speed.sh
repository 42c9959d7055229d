#!/bin/sh
# Decode time of the whole real-photo corpus, one process per decoder
# configuration (multifilesrc over the corpus, fakesink), one run each:
#   jpegdec        stock GStreamer decoder, full size (it cannot shrink)
#   turbojpegdec   full size
#   turbojpegdec   max-dimension=2048 (DCT-scaled to the smallest n/8 that
#                  leaves a factor of two to fit a 2048 box)
# Usage: bench/decode-speed.sh [BUILD_DIR]   (default: build)
# Prints wall, user and system seconds per configuration.  Timings are only
# comparable within one run on an otherwise quiet machine.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build}
corpus=$("$here/tests/files/fetch-corpus.sh")

export GST_PLUGIN_PATH_1_0="$build/ext/turbojpeg${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
export GST_REGISTRY_1_0="${TMPDIR:-/tmp}/decode-speed-registry.bin"

# multifilesrc wants numbered names: link the corpus as img-000.jpg ...
list=$(mktemp -d)
trap 'rm -rf "$list"' EXIT
i=0
bytes=0
for f in "$corpus"/*.jpg; do
  ln -s "$f" "$list/$(printf 'img-%03d.jpg' $i)"
  bytes=$((bytes + $(stat -c %s "$f")))
  i=$((i + 1))
done
last=$((i - 1))
echo "corpus: $i JPEGs, $bytes bytes, in $corpus"
echo "nproc: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg)"

# warm the registry and the page cache so neither is timed
gst-inspect-1.0 turbojpegdec >/dev/null
cat "$corpus"/*.jpg >/dev/null

run() {
  label=$1
  shift
  /usr/bin/time -f "$label: wall %e s, user %U s, sys %S s, max RSS %M kB" \
    gst-launch-1.0 -q multifilesrc location="$list/img-%03d.jpg" \
      stop-index=$last caps=image/jpeg ! "$@" ! fakesink sync=false
}

run "jpegdec (stock), full size           " jpegdec
run "turbojpegdec, full size              " turbojpegdec
run "turbojpegdec, max-dimension=2048     " turbojpegdec max-dimension=2048

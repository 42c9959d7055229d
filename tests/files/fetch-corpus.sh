#!/bin/sh
# Fetches the real-photo corpus from Debian packages into a cache directory
# outside the source tree and prints that directory on stdout.
#
#   tests/files/fetch-corpus.sh [DIR]
#
# DIR defaults to $IMGCOMPRESS_CORPUS_DIR, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/gst-imgcompress/corpus.  The JPEGs of
# mate-backgrounds and lomiri-wallpapers-20.04 (photos from 1280x1024 to
# 6028x3391, baseline and progressive) are kept, flattened into DIR.
# Exits non-zero, with the reason on stderr, when the packages cannot be had.
set -eu

default_dir="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/gst-imgcompress/corpus"
dir="${1:-${IMGCOMPRESS_CORPUS_DIR:-$default_dir}}"
packages="mate-backgrounds lomiri-wallpapers-20.04"

if [ -f "$dir/.complete" ]; then
  echo "$dir"
  exit 0
fi

mkdir -p "$dir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

download() {
  (cd "$work" && apt-get download $packages) >&2
}

# apt-get download needs package lists; a fresh machine may have none.
if ! download 2>/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q >&2 || true
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -q >&2 || true
  fi
  download || { echo "fetch-corpus: cannot download $packages" >&2; exit 1; }
fi

for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$work/root"
done

find "$work/root" -type f \( -iname '*.jpg' -o -iname '*.jpeg' \) \
  -exec cp {} "$dir/" \;

count=$(find "$dir" -maxdepth 1 -type f -iname '*.jp*g' | wc -l)
if [ "$count" -lt 10 ]; then
  echo "fetch-corpus: only $count JPEGs found in $packages" >&2
  exit 1
fi
touch "$dir/.complete"
echo "$dir"

#!/bin/bash
# Runs every example script on a real photo and checks that each one exits 0
# and leaves only complete, decodable images (no temporary files) behind.
#
# Usage: examples/pipelines/check-all.sh [PHOTO.jpg] [BUILD_DIR]
#
# PHOTO defaults to FreshFlower.jpg from the corpus
# (tests/files/fetch-corpus.sh); with BUILD_DIR the plugins are taken from
# that build tree instead of the installed ones.  Each script gets
# $EXAMPLE_TIMEOUT seconds (default 120).  Exits non-zero when any example
# fails, 77 (skipped) when no photo was given and the corpus is unavailable.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
photo=${1:-}
build=${2:-}
limit=${EXAMPLE_TIMEOUT:-120}

if [ -z "$photo" ]; then
  if ! corpus=$("$root/tests/files/fetch-corpus.sh"); then
    # 77: "skipped" for meson test
    echo "SKIPPING: the photo corpus is not available" >&2
    exit 77
  fi
  photo="$corpus/FreshFlower.jpg"
fi
[ -f "$photo" ] || { echo "no photo at $photo" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "$build" ]; then
  build=$(cd "$build" && pwd)
  export GST_PLUGIN_PATH_1_0="$build/gst/imgcompress:$build/ext/turbojpeg:$build/ext/webp:$build/ext/png:$build/ext/heif:$build/ext/gif:$build/ext/tiff:$build/ext/bmp"
  # a registry of our own, so the user's cache never sees the build tree
  export GST_REGISTRY_1_0="$work/registry.bin"
fi

decodes() {
  case $1 in
    *.jpg) djpeg -outfile /dev/null "$1" 2>/dev/null ;;
    *.webp) dwebp -quiet "$1" 2>/dev/null ;;
    *) return 1 ;;
  esac
}

failed=0
for script in "$here"/[0-9][0-9]-*.sh; do
  name=$(basename "$script" .sh)
  out="$work/$name"
  log="$work/$name.log"
  problem=
  start=$(date +%s%N)
  if ! timeout "$limit" "$script" "$photo" "$out" >"$log" 2>&1; then
    problem="exited non-zero (or ran over $limit s)"
  else
    n=0
    while IFS= read -r -d '' f; do
      n=$((n + 1))
      case $(basename "$f") in
        .*.imgcompress-tmp) problem="temporary file left: $f" ;;
        *) decodes "$f" || problem="does not decode: $f" ;;
      esac
    done < <(find "$out" -type f -print0 2>/dev/null)
    [ "$n" -gt 0 ] || problem="${problem:-wrote no file}"
  fi
  ms=$((($(date +%s%N) - start) / 1000000))
  if [ -n "$problem" ]; then
    printf 'FAIL %-28s %s\n' "$name" "$problem"
    sed 's/^/    /' "$log" | tail -n 15
    failed=1
  else
    printf 'ok   %-28s %2d files  %5d ms\n' "$name" "$n" "$ms"
  fi
done
exit $failed

#!/bin/bash
# Runs every example script on a real photo and checks that each one exits 0
# and leaves only complete, decodable images (no temporary files) behind.
#
# Usage: examples/pipelines/check-all.sh [PHOTO.jpg] [BUILD_DIR]
#
# PHOTO defaults to FreshFlower.jpg from the corpus
# (tests/files/fetch-corpus.sh); with BUILD_DIR the plugins are taken from
# that build tree instead of the installed ones.  Exits non-zero when any
# example fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
photo=${1:-}
build=${2:-}

if [ -z "$photo" ]; then
  photo="$("$root/tests/files/fetch-corpus.sh")/FreshFlower.jpg"
fi
[ -f "$photo" ] || { echo "no photo at $photo" >&2; exit 2; }
if [ -n "$build" ]; then
  build=$(cd "$build" && pwd)
  export GST_PLUGIN_PATH_1_0="$build/gst/imgcompress:$build/ext/turbojpeg:$build/ext/webp"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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
  if ! "$script" "$photo" "$out" >"$log" 2>&1; then
    problem="exited non-zero"
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

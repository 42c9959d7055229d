#!/bin/sh
# README command 2: installs what is missing, builds, runs every test suite.
set -eu
cd "$(dirname "$0")/.."
. tools/bootstrap.sh
# The corpus is fetched up front so the real-photo tests run rather than
# skip; they skip loudly when it cannot be had.
IMGCOMPRESS_CORPUS_DIR=$(tests/files/fetch-corpus.sh) || {
  echo "run-tests: WARNING: no real-photo corpus; those tests will skip" >&2
  IMGCOMPRESS_CORPUS_DIR=""
}
export IMGCOMPRESS_CORPUS_DIR
meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 2 "$@"

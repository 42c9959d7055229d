#!/bin/sh
# CI job: the whole `meson test` suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer; the first error (or leak) fails the test.
#
#   tools/run-sanitizers.sh [meson test args...]
#
# BUILD_DIR (default build-asan) is configured with
# -Db_sanitize=address,undefined -Db_lundef=false. Leaks of third-party
# libraries are suppressed by tests/check/lsan.supp, one commented entry each.
#
# Also used as the `meson test --wrapper` (first argument --wrap): a test
# program that is not itself instrumented (the examples' bash script that
# runs gst-launch-1.0, which loads our instrumented plugins) gets the ASan
# runtime preloaded, since ASan must be the first library of a process.
# Leak checking is off in such processes: their leaks are bash's and
# gst-launch's, and every plugin leak is caught by the instrumented suites.
set -eu

if [ "${1:-}" = "--wrap" ]; then
  shift
  if ! LC_ALL=C readelf -d "$1" 2>/dev/null | grep -q 'NEEDED.*libasan'; then
    LD_PRELOAD="$IMGCOMPRESS_ASAN_RUNTIME${LD_PRELOAD:+:$LD_PRELOAD}"
    ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
    export LD_PRELOAD ASAN_OPTIONS
  fi
  exec "$@"
fi

cd "$(dirname "$0")/.."
root=$PWD
: "${BUILD_DIR:=build-asan}"
: "${CC:=gcc}"
export CC

# No GObject-Introspection here: g-ir-scanner runs a dumper linked with the
# library, and LeakSanitizer fails the build on GLib's type system leaks in
# it.  The GIR is built and its example tested by the plain build.
if [ -f "$BUILD_DIR/build.ninja" ]; then
  meson configure "$BUILD_DIR" -Db_sanitize=address,undefined \
    -Db_lundef=false -Dwerror=true -Dintrospection=disabled >&2
else
  meson setup "$BUILD_DIR" -Db_sanitize=address,undefined -Db_lundef=false \
    -Dwerror=true -Dintrospection=disabled >&2
fi
ninja -C "$BUILD_DIR" >&2

IMGCOMPRESS_CORPUS_DIR=$(tests/files/fetch-corpus.sh) || {
  echo "run-sanitizers: WARNING: no real-photo corpus; those tests will skip" >&2
  IMGCOMPRESS_CORPUS_DIR=""
}
export IMGCOMPRESS_CORPUS_DIR

IMGCOMPRESS_ASAN_RUNTIME=$($CC -print-file-name=libasan.so)
export IMGCOMPRESS_ASAN_RUNTIME

# fast_unwind_on_malloc=0: full stacks through the uninstrumented GLib and
# GStreamer libraries, which the suppressions match on.
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
LSAN_OPTIONS=suppressions=$root/tests/check/lsan.supp:print_suppressions=0
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
# gst-plugin-scanner is not instrumented and cannot load our instrumented
# plugins: scan in the test process instead.
GST_REGISTRY_FORK=no
export GST_REGISTRY_FORK
# g_critical and g_warning abort, as in every gst-check run; the instrumented
# code is 2-3x slower, so per-case (check) and per-suite (meson) timeouts
# are stretched.
CK_TIMEOUT_MULTIPLIER=3
export CK_TIMEOUT_MULTIPLIER

# A registry written by an earlier run (or by the forking scanner) may list
# our plugins as failed to load.
rm -f "$BUILD_DIR"/tests/check/*.registry

exec meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 2 \
  --timeout-multiplier 3 \
  --wrapper "$root/tools/run-sanitizers.sh --wrap" "$@"

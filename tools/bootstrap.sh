#!/bin/sh
# Installs what a fresh Debian 12 machine lacks, configures and builds.
# Sourced by tools/run-main.sh and tools/run-tests.sh; BUILD_DIR (default
# build) and IMGCOMPRESS_WERROR=1 (CI: warnings are errors) are honoured.
set -eu

: "${BUILD_DIR:=build}"

deb_packages="build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad libturbojpeg0-dev libjpeg62-turbo-dev
  libwebp-dev libspng-dev zlib1g-dev libjson-glib-dev libjpeg-turbo-progs webp
  clang-format
  python3 python3-pil python3-numpy gnuplot-nox valgrind faketime strace
  gobject-introspection libgirepository1.0-dev python3-gi gir1.2-gstreamer-1.0
  gir1.2-gst-plugins-base-1.0 libsoup-3.0-dev prometheus
  libheif-dev libheif-examples libavif-bin libgif-dev libtiff-dev
  libgdk-pixbuf-2.0-dev liblcms2-dev libgs-common imagemagick
  libhiredis-dev redis-server python3-redis"

# HEIC and AVIF: Debian 12's libheif1 has its HEVC (libde265) and AV1
# (libaom, dav1d) codecs built in; from Debian 13 on they are plugins in
# packages of their own, without which every HEIC and AVIF is refused.
for p in libheif-plugin-libde265 libheif-plugin-dav1d; do
  if apt-cache show "$p" >/dev/null 2>&1; then
    deb_packages="$deb_packages $p"
  fi
done

missing=""
for p in $deb_packages; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing="$missing $p"
  fi
done

if [ -n "$missing" ]; then
  echo "bootstrap: installing$missing" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing >&2
fi

werror=false
[ "${IMGCOMPRESS_WERROR:-0}" = 1 ] && werror=true

if [ -d "$BUILD_DIR" ] && [ -f "$BUILD_DIR/build.ninja" ]; then
  meson configure "$BUILD_DIR" -Dwerror=$werror >&2
else
  meson setup "$BUILD_DIR" -Dwerror=$werror >&2
fi
ninja -C "$BUILD_DIR" >&2

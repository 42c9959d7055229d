#!/bin/bash
# Soak run of the batch tool, outside CI: the real-photo corpus repeated
# under distinct names (hard links, or symbolic links across file systems)
# up to N images, one run of the tool over all of them, with its RSS and
# open file descriptors sampled every second.
#
#   tools/soak.sh [N (default 2000)] [WORKDIR (default a temporary one)] [imgcompress options...]
#
# BUILD_DIR (default build) holds the tool and plugins. Prints per-quarter
# median RSS, the fd count range, throughput per quarter, and a verdict:
# the last quarter's median RSS within 5 % of the first quarter's, no fd
# growth (the last quarter's median count no higher than the first's).
# Samples go to WORKDIR/samples.tsv (seconds, RSS KiB, fds, files
# written). Throughput assumes the default six files per image. Outputs
# are deleted at the end unless KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
count=${1:-2000}
work=${2:-}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
: "${BUILD_DIR:=build}"
tool="$root/$BUILD_DIR/tools/imgcompress/imgcompress"
[ -x "$tool" ] || { echo "soak: no $tool; build first" >&2; exit 2; }

corpus=$(tests/files/fetch-corpus.sh)
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/imgcompress-soak-XXXXXX")
fi
in="$work/in"
out="$work/out"
samples="$work/samples.tsv"
rm -rf "$in" "$out"
mkdir -p "$in"

mapfile -t photos < <(find "$corpus" -maxdepth 1 -type f -iname '*.jpg' | sort)
[ ${#photos[@]} -gt 0 ] || { echo "soak: empty corpus" >&2; exit 2; }
for ((i = 0; i < count; i++)); do
  src=${photos[$((i % ${#photos[@]}))]}
  dst=$(printf '%s/%05d-%s' "$in" "$i" "$(basename "$src")")
  ln "$src" "$dst" 2>/dev/null || ln -s "$src" "$dst"
done

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

export GST_PLUGIN_PATH_1_0="$root/$BUILD_DIR/gst/imgcompress:$root/$BUILD_DIR/ext/turbojpeg:$root/$BUILD_DIR/ext/webp:$root/$BUILD_DIR/ext/png:$root/$BUILD_DIR/ext/heif:$root/$BUILD_DIR/ext/gif:$root/$BUILD_DIR/ext/tiff:$root/$BUILD_DIR/ext/bmp"
export GST_REGISTRY_1_0="$work/registry.bin"

echo "soak: $count images (${#photos[@]} photos repeated) into $out" >&2
start=$(date +%s.%N)
"$tool" -q -o "$out" "$@" "$in" &
pid=$!

printf 'seconds\trss_kib\tfds\tfiles\n' >"$samples"
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  # the tool may end between two reads: none of these may stop the script
  fds=$( (ls "/proc/$pid/fd" 2>/dev/null || true) | wc -l)
  files=$( (find "$out" -type f 2>/dev/null || true) | wc -l)
  now=$(date +%s.%N)
  if [ -n "$rss" ]; then
    printf '%s\t%s\t%s\t%s\n' "$(elapsed "$start" "$now")" "$rss" "$fds" \
      "$files" >>"$samples"
  fi
  sleep 1
done
status=0
wait "$pid" || status=$?
end=$(date +%s.%N)
files=$(find "$out" -type f | wc -l)

verdict=0
/usr/bin/python3 - "$samples" "$count" "$files" "$status" \
  "$(elapsed "$start" "$end")" <<'EOF' || verdict=$?
import statistics
import sys

path, count, files, status, wall = sys.argv[1:6]
rows = [line.split("\t") for line in open(path).read().split("\n")[1:] if line]
t = [float(r[0]) for r in rows]
rss = [int(r[1]) for r in rows]
fds = [int(r[2]) for r in rows]
written = [int(r[3]) for r in rows]
n = len(rows)
print("exit status %s, %s images, %s files, wall %.1f s, %.2f images/s"
      % (status, count, files, float(wall), int(count) / float(wall)))
if n < 8:
    print("too few samples for quarters")
    sys.exit(0)
q = n // 4
quarters = [range(i * q, (i + 1) * q if i < 3 else n) for i in range(4)]
for i, r in enumerate(quarters):
    idx = list(r)
    dt = t[idx[-1]] - t[idx[0]] or 1
    rate = (written[idx[-1]] - written[idx[0]]) / 6 / dt
    print("quarter %d: median RSS %.1f MiB, max %.1f MiB, fds %d-%d, "
          "%.2f images/s" % (i + 1, statistics.median(rss[r[0]:r[-1] + 1]) / 1024,
                             max(rss[r[0]:r[-1] + 1]) / 1024,
                             min(fds[r[0]:r[-1] + 1]), max(fds[r[0]:r[-1] + 1]),
                             rate))
first = statistics.median(rss[quarters[0][0]:quarters[0][-1] + 1])
last = statistics.median(rss[quarters[3][0]:quarters[3][-1] + 1])
growth = (last - first) / first * 100
# Growth is judged on the typical count: a sample may catch one more
# output file open for a moment (the maximum moves by one or two), where a
# leak would move the median up and keep it rising.
fd_first = statistics.median(fds[quarters[0][0]:quarters[0][-1] + 1])
fd_last = statistics.median(fds[quarters[3][0]:quarters[3][-1] + 1])
ok = growth <= 5 and fd_last <= fd_first
print("RSS last/first quarter median: %+.1f %% (limit +5 %%); fds median "
      "first quarter %g, last quarter %g -> %s"
      % (growth, fd_first, fd_last, "PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
[ "${KEEP:-0}" = 1 ] || rm -rf "$out" "$in"
exit $((status != 0 ? status : verdict))

#!/usr/bin/env bash
# Speed and memory check for `stridebeat analyze` (issue 3):
#  1. generates a 1-hour and a 10-hour 100 Hz tri-axial CSV (time,ax,ay,az in m/s², a 2.8 Hz
#     running bounce plus noise) in a scratch folder;
#  2. times `wc -l` and `stridebeat analyze` on the 1-hour file (best of N runs, warm cache)
#     and prints the ratio (target: within 2x of wc -l);
#  3. prints peak RSS of `stridebeat analyze` on 1 h vs 10 h (/usr/bin/time -v): it must not
#     grow with the recording's length (with --json it grows by the step list it prints).
# Usage: scripts/speed.sh [RUNS]    (env: STRIDEBEAT_BIN to use a prebuilt binary,
#                                    SPEED_DIR for the scratch folder, SKIP_10H=1)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
dir="${SPEED_DIR:-${TMPDIR:-/tmp}/stridebeat-speed}"
mkdir -p "$dir"

if [[ -z "${STRIDEBEAT_BIN:-}" ]]; then
  cargo build --release --quiet --bin stridebeat --example read_file
  bin="target/release/stridebeat"
else
  bin="$STRIDEBEAT_BIN"
fi
reader="$(dirname "$bin")/examples/read_file" # the reader alone, without step detection

make_csv() { # hours file
  local hours="$1" file="$2"
  [[ -s "$file" ]] && return
  echo "generating $file ($hours h at 100 Hz)" >&2
  awk -v n="$((hours * 360000))" 'BEGIN {
    srand(42); print "time,ax,ay,az";
    for (i = 0; i < n; i++) {
      t = i / 100; b = 6 * sin(6.2831853 * 2.8 * t);
      printf "%.2f,%.4f,%.4f,%.4f\n", t, 0.8 * b + rand() - 0.5, 1.5 + rand() - 0.5, 9.81 + b + rand() - 0.5
    }
  }' > "$file"
}

one="$dir/run-1h.csv"
ten="$dir/run-10h.csv"
make_csv 1 "$one"
[[ "${SKIP_10H:-0}" == 1 ]] || make_csv 10 "$ten"

# best wall and best CPU (user + sys) seconds over $runs runs: prints "WALL CPU"
best() {
  local out TIMEFORMAT='%R %U %S'
  out=$(for _ in $(seq "$runs"); do
    { time "$@" >/dev/null 2>&1; } 2>&1
  done)
  awk '{ w = $1; c = $2 + $3; if (NR == 1 || w < bw) bw = w; if (NR == 1 || c < bc) bc = c }
       END { printf "%.3f %.3f\n", bw, bc }' <<<"$out"
}

cat "$one" >/dev/null # warm the page cache
lines=$(wc -l < "$one")
size=$(du -m "$one" | cut -f1)
read -r wc_w wc_c <<<"$(best wc -l "$one")"
read -r sb_w sb_c <<<"$(best "$bin" analyze "$one")"
echo "1 h file: $lines lines, ${size} MB; best of $runs runs; load $(cut -d' ' -f1 /proc/loadavg)"
awk -v w="$wc_w" -v wc="$wc_c" -v s="$sb_w" -v sc="$sb_c" -v mb="$size" 'BEGIN {
  printf "wc -l:              wall %.3f s, cpu %.3f s\n", w, wc;
  printf "stridebeat analyze: wall %.3f s, cpu %.3f s (%.0f MB/s wall)\n", s, sc, mb / (s > 0 ? s : 0.001);
  printf "ratio (wall):       %.1fx wc -l (target <= 2x)\n", s / (w > 0 ? w : 0.001) }'
if [[ -x "$reader" ]]; then
  read -r rd_w rd_c <<<"$(best "$reader" "$one")"
  awk -v w="$wc_w" -v s="$rd_w" -v c="$rd_c" -v mb="$size" -v n="$lines" 'BEGIN {
    printf "reader alone:       wall %.3f s, cpu %.3f s (%.0f MB/s wall, %.0f ns cpu/row), %.1fx wc -l\n", s, c, mb / (s > 0 ? s : 0.001), c * 1e9 / n, s / (w > 0 ? w : 0.001) }'
fi

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}'; }
echo "peak RSS 1 h:  analyze $(rss "$bin" analyze "$one") KiB, reader alone $( [[ -x "$reader" ]] && rss "$reader" "$one") KiB"
if [[ "${SKIP_10H:-0}" != 1 ]]; then
  echo "peak RSS 10 h: analyze $(rss "$bin" analyze "$ten") KiB, reader alone $( [[ -x "$reader" ]] && rss "$reader" "$ten") KiB"
  # --json lists every step, so it keeps the step list (8 bytes a step) and the cadence track.
  echo "peak RSS --json: 1 h $(rss "$bin" analyze --json "$one") KiB, 10 h $(rss "$bin" analyze --json "$ten") KiB"
  read -r t10 c10 <<<"$(best "$bin" analyze "$ten")"
  echo "10 h analyze: wall ${t10} s, cpu ${c10} s"
fi

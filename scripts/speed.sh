#!/usr/bin/env bash
# Speed and memory check for `stridebeat analyze` (issue 3):
#  1. generates a 1-hour and a 10-hour 100 Hz tri-axial CSV (time,ax,ay,az in m/s², a 2.8 Hz
#     running bounce plus noise) in a scratch folder;
#  2. times `wc -l` and `stridebeat analyze` on the 1-hour file (best of N runs, warm cache)
#     and prints the ratio (target: within 2x of wc -l);
#  3. prints peak RSS of `stridebeat analyze` on 1 h vs 10 h (/usr/bin/time -v): it must not
#     grow with the recording's length.
# Usage: scripts/speed.sh [RUNS]    (env: STRIDEBEAT_BIN to use a prebuilt binary,
#                                    SPEED_DIR for the scratch folder, SKIP_10H=1)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
dir="${SPEED_DIR:-${TMPDIR:-/tmp}/stridebeat-speed}"
mkdir -p "$dir"

if [[ -z "${STRIDEBEAT_BIN:-}" ]]; then
  cargo build --release --quiet --bin stridebeat
  bin="target/release/stridebeat"
else
  bin="$STRIDEBEAT_BIN"
fi

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

best() { # command... → best wall time in seconds over $runs runs
  local best_s=""
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s.%N)
    "$@" >/dev/null
    e=$(date +%s.%N)
    best_s=$(awk -v a="$best_s" -v b="$(awk -v s="$s" -v e="$e" 'BEGIN{print e-s}')" \
      'BEGIN{ if (a == "" || b < a) print b; else print a }')
  done
  echo "$best_s"
}

cat "$one" >/dev/null # warm the page cache
lines=$(wc -l < "$one")
size=$(du -m "$one" | cut -f1)
wc_s=$(best wc -l "$one")
sb_s=$(best "$bin" analyze "$one")
echo "1 h file: $lines lines, ${size} MB"
awk -v w="$wc_s" -v s="$sb_s" -v mb="$size" 'BEGIN {
  printf "wc -l:              %.3f s\n", w;
  printf "stridebeat analyze: %.3f s  (%.0f MB/s)\n", s, mb / s;
  printf "ratio:              %.2fx wc -l (target <= 2x)\n", s / w }'

rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident/ {gsub(/ /, "", $2); print $2}'; }
echo "peak RSS 1 h:  $(rss "$bin" analyze "$one") KiB"
if [[ "${SKIP_10H:-0}" != 1 ]]; then
  echo "peak RSS 10 h: $(rss "$bin" analyze "$ten") KiB"
  t10=$(best "$bin" analyze "$ten")
  echo "10 h analyze: ${t10} s"
fi

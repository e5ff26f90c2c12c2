#!/usr/bin/env bash
# Memory over a long live session: streams HOURS (default 2) of the treadmill recording
# (../shared/data/soundtrack, looped, times shifted) as fast as the pipe takes it into
#   stridebeat play --input - --adapt --record SESSION
# on the headless audio device, samples the process's resident memory every 20 ms, and prints
# it at each tenth of the input plus the peak. Flat memory: the last tenths equal the first.
#
# Usage: scripts/live_memory.sh [HOURS] [BINARY]   (BINARY defaults to target/debug/stridebeat)
set -euo pipefail
cd "$(dirname "$0")/.."
hours="${1:-2}"
bin="${2:-target/debug/stridebeat}"
shared="${STRIDEBEAT_SHARED:-$PWD/../shared}"
rec="$shared/data/soundtrack/d17_P09_6_0_imu.csv"
[ -f "$rec" ] || { echo "live_memory: $rec is absent" >&2; exit 1; }
[ -x "$bin" ] || cargo build
if [ -z "${PULSE_SERVER:-}" ]; then
  # shellcheck source=/dev/null
  . "$shared/ci/headless-audio.sh"
  trap headless_audio_down EXIT
fi
out=$(mktemp -d)
python3 - "$rec" "$hours" > "$out/feed.csv" <<'PY'
import sys
path, hours = sys.argv[1], float(sys.argv[2])
rows = [l.strip().split(',', 1) for l in open(path) if l.strip()][1:]
t0 = float(rows[0][0]); span = float(rows[-1][0]) - t0 + 0.01
print("time,ax,ay,az")
k = 0
while k * span < hours * 3600:
    for t, rest in rows:
        print(f"{float(t) - t0 + k * span:.3f},{rest}")
    k += 1
PY
lines=$(wc -l < "$out/feed.csv")
"$bin" play --input - --adapt --record "$out/session.csv" < "$out/feed.csv" \
  > /dev/null 2> "$out/stderr.txt" &
pid=$!
peak=0
: > "$out/rss.txt"
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  pos=$(awk '/^pos:/ {print $2}' "/proc/$pid/fdinfo/0" 2>/dev/null || echo 0)
  [ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
  echo "$pos $rss" >> "$out/rss.txt"
  sleep 0.02
done
wait "$pid" || true
size=$(stat -c %s "$out/feed.csv")
echo "live_memory: $hours h of input ($lines lines, $((size / 1024 / 1024)) MiB) through play --input - --adapt --record"
awk -v size="$size" '$2 > 0 { tenth = int(10 * $1 / size); if (!(tenth in seen)) { seen[tenth] = 1; printf "  %3d %% of input read: RSS %6.1f MiB\n", 10 * tenth, $2 / 1024 } }' "$out/rss.txt"
echo "  peak RSS: $(awk -v p="$peak" 'BEGIN { printf "%.1f", p / 1024 }') MiB"
tail -n 3 "$out/stderr.txt"
grep -c '^sample,' "$out/session.csv" | sed 's/^/  samples recorded: /'
tail -n 1 "$out/session.csv" | sed 's/^/  last record: /'
rm -rf "$out"

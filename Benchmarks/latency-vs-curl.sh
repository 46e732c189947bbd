#!/usr/bin/env bash
# Latency-bound downloads, what a user meets on the real internet: FILES MP3s of 64 KiB from the
# loopback fault server, which waits DELAY_MS before each response (/delay/). `engine run
# --no-renditions --no-processors` (download + SHA-256 + probe + catalog + library) with
# --workers 8 and 32, against `curl -Z --parallel-immediate --parallel-max 8` fetching the same
# URLs, in the same run; and the default graph's processors too (loudness, peaks, fingerprint:
# a decode of each file) at 32. Prints the medians of ROUNDS and the ratios (goals: engine at
# 8 >= 0.9x curl at 8; 32 workers >= 3x 8 workers).
#   Benchmarks/latency-vs-curl.sh [FILES=200] [DELAY_MS=100] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-200}
DELAY_MS=${2:-100}
ROUNDS=${3:-3}
source Benchmarks/common.sh
distinct_mp3s "$FILES" "$work/files"
python3 scripts/fault-http-server.py --root "$work/files" > "$work/server" &
server_pid=$!
for _ in $(seq 100); do grep -q PORT "$work/server" && break; sleep 0.1; done
port=$(awk '/PORT/{print $2}' "$work/server")
: > "$work/urls.txt"
: > "$work/curl.cfg"
for i in $(seq 1 "$FILES"); do
  url="http://127.0.0.1:$port/delay/$DELAY_MS/f$i.mp3"
  echo "$url" >> "$work/urls.txt"
  printf 'url = "%s"\noutput = "%s/curl-out/f%s.mp3"\n' "$url" "$work" "$i" >> "$work/curl.cfg"
done

now() { date +%s.%N; }
engine() {  # engine WORKERS [FLAGS...]: one fresh ingest, prints its wall time
  rm -rf "$work/data"
  local t0 t1 stored workers=$1
  shift
  t0=$(now)
  "$ENGINE" run --input "$work/urls.txt" --data-dir "$work/data" --workers "$workers" --no-renditions --json "$@" > "$work/summary.json" 2>/dev/null || true
  t1=$(now)
  stored=$(python3 -c "import json; print(json.load(open('$work/summary.json'))['stored'])")
  [ "$stored" = "$FILES" ] || { echo "engine stored $stored of $FILES:" >&2; head -c 2000 "$work/summary.json" >&2; exit 1; }
  echo "$t1 - $t0" | bc
}
e8=() e32=() p32=() c8=()
for _ in $(seq 1 "$ROUNDS"); do
  rm -rf "$work/curl-out"; mkdir -p "$work/curl-out"
  t0=$(now); curl -Z --parallel-immediate --parallel-max 8 -s -f -K "$work/curl.cfg" 2>/dev/null; t1=$(now)
  [ "$(ls "$work/curl-out" | wc -l)" = "$FILES" ] || { echo "curl fetched too few files"; exit 1; }
  c8+=("$(echo "$t1 - $t0" | bc)")
  e8+=("$(engine 8 --no-processors)")
  e32+=("$(engine 32 --no-processors)")
  p32+=("$(engine 32)")
done
c=$(median "${c8[@]}") a=$(median "${e8[@]}") b=$(median "${e32[@]}") p=$(median "${p32[@]}")
echo "latency-bound: $FILES files x 64 KiB, the server waits ${DELAY_MS} ms before each response, median of $ROUNDS"
printf '  curl -Z --parallel-immediate --parallel-max 8:            %6.3f s\n' "$c"
printf '  engine run --workers 8 --no-renditions --no-processors:  %6.3f s  (%.2fx curl)\n' "$a" "$(echo "$c / $a" | bc -l)"
printf '  engine run --workers 32 --no-renditions --no-processors: %6.3f s  (%.2fx the engine at 8)\n' "$b" "$(echo "$a / $b" | bc -l)"
printf '  engine run --workers 32 --no-renditions (processors on):  %6.3f s\n' "$p"

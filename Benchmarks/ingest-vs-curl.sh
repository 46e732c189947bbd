#!/usr/bin/env bash
# The default graph (`engine run`: download + SHA-256 + probe + catalog + library, without and
# with its renditions) over N media
# files of 64 KiB served by nginx on loopback, against `curl -Z --parallel-max 8` fetching the
# same URLs to disk, in the same run. Prints both wall times (median of ROUNDS) and the ratio.
# Usage: Benchmarks/ingest-vs-curl.sh [N=1000] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
ROUNDS=${2:-3}
source Benchmarks/common.sh
distinct_mp3s "$N" "$work/files"

start_nginx "$work/files"

: > "$work/urls.txt"
: > "$work/curl.cfg"
for i in $(seq 1 "$N"); do
  echo "http://127.0.0.1:$port/f$i.mp3" >> "$work/urls.txt"
  printf 'url = "http://127.0.0.1:%s/f%s.mp3"\noutput = "%s/curl-out/f%s.mp3"\n' "$port" "$i" "$work" "$i" >> "$work/curl.cfg"
done

now() { date +%s.%N; }
engine() {  # engine [extra run flags...]: one fresh ingest, prints its wall time
  rm -rf "$work/data"; sync
  local t0 t1 stored
  t0=$(now); "$ENGINE" run --input "$work/urls.txt" --data-dir "$work/data" --workers 8 --json "$@" > "$work/summary.json" || true; t1=$(now)
  stored=$(python3 -c "import json; print(json.load(open('$work/summary.json'))['stored'])")
  [ "$stored" = "$N" ] || { echo "engine stored $stored of $N:" >&2; head -c 2000 "$work/summary.json" >&2; exit 1; }
  echo "$t1 - $t0" | bc
}
engine_times=()
full_times=()
curl_times=()
for round in $(seq 1 "$ROUNDS"); do
  engine_times+=("$(engine --no-renditions)")
  full_times+=("$(engine)")
  rm -rf "$work/curl-out"; mkdir -p "$work/curl-out"; sync
  t0=$(now); curl -Z --parallel-max 8 -s -f -K "$work/curl.cfg" 2>/dev/null; t1=$(now)
  curl_times+=("$(echo "$t1 - $t0" | bc)")
  [ "$(ls "$work/curl-out" | wc -l)" = "$N" ] || { echo "curl fetched too few files"; exit 1; }
done

e=$(median "${engine_times[@]}")
f=$(median "${full_times[@]}")
c=$(median "${curl_times[@]}")
mib=$(echo "scale=2; $N * 65536 / 1048576" | bc)
echo "ingest: $N files x 64 KiB ($mib MiB) from nginx on loopback, 8 parallel, median of $ROUNDS"
printf '  engine run --no-renditions (download+sha256+probe+catalog+library): %6.3f s  %7.0f files/s\n' "$e" "$(echo "$N / $e" | bc -l)"
printf '  engine run, default renditions (+ an AAC rendition of each):         %6.3f s  %7.0f files/s\n' "$f" "$(echo "$N / $f" | bc -l)"
printf '  curl -Z --parallel-max 8 (download only):                            %6.3f s  %7.0f files/s\n' "$c" "$(echo "$N / $c" | bc -l)"
printf '  ratio (curl time / engine --no-renditions time): %.2fx\n' "$(echo "$c / $e" | bc -l)"

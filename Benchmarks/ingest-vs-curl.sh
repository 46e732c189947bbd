#!/usr/bin/env bash
# Small files at full speed: N MP3s of 64 KiB served by nginx on loopback. `engine run
# --no-renditions --no-processors` (download + SHA-256 + probe + catalog + library) against
# `curl -Z --parallel-max 8` that only downloads the same URLs, in the same run (median of
# ROUNDS; goal 0.5x curl, stretch 1.0x). Then, once, the same work glued the way people do it
# today: curl -Z, then sha256sum, then ffprobe per file, then one sqlite3 insert per file.
# Each run writes to a directory of its own and nothing is deleted until the end: a file system
# that skips recently freed inodes (ext4 without a journal skips those freed in the last minute)
# made each round's file creation slower by what the round before it had deleted, for both
# tools alike. TMPDIR=/dev/shm runs it all on tmpfs (no disk at all).
# Last, the floor of this work on this machine, from the same run: a process that links libav
# starting (`engine --version`) plus, shared by the cores, the CPU of what any engine of this
# design must do for the files — the transfers (curl's own CPU), nginx serving them, SHA-256
# (openssl, as the engine) and the in-process probe (`engine probe --json` over the files).
# Its ratio is the best an engine could reach with a store, a library and scheduling that
# cost nothing.
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
  printf 'url = "http://127.0.0.1:%s/f%s.mp3"\noutput = "f%s.mp3"\n' "$port" "$i" "$i" >> "$work/curl.cfg"
done

now() { date +%s.%N; }
runs=0
engine() {  # one fresh ingest into a new data directory, prints its wall time
  runs=$((runs + 1)); sync
  local t0 t1 stored
  t0=$(now)
  "$ENGINE" run --input "$work/urls.txt" --data-dir "$work/data-$runs" --workers 8 --no-renditions --no-processors --json > "$work/summary.json" 2>/dev/null || true
  t1=$(now)
  stored=$(python3 -c "import json; print(json.load(open('$work/summary.json'))['stored'])")
  [ "$stored" = "$N" ] || { echo "engine stored $stored of $N:" >&2; head -c 2000 "$work/summary.json" >&2; exit 1; }
  echo "$t1 - $t0" | bc
}
fetch() {  # into a new directory: $out
  runs=$((runs + 1)); out="$work/curl-out-$runs"; mkdir -p "$out"
  curl -Z --parallel-max 8 -s -f --output-dir "$out" -K "$work/curl.cfg" 2>/dev/null
}
# timed COMMAND...: "WALL CPU" seconds of the command (CPU: user + system, children included).
timed() { local t; t=$( { TIMEFORMAT='%R %U %S'; time "$@" > /dev/null 2>&1; } 2>&1 ); echo "$t" | awk '{print $1, $2 + $3}'; }
# nginx_cpu: CPU seconds nginx (master and workers) has used so far.
nginx_cpu() {
  local pid ticks=0
  for pid in "$server_pid" $(cat "/proc/$server_pid/task/$server_pid/children"); do
    ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "scale=3; $ticks / $(getconf CLK_TCK)" | bc
}
engine_times=()
curl_times=()
curl_cpus=()
nginx_cpus=()
for round in $(seq 1 "$ROUNDS"); do
  engine > "$work/engine-time"; engine_times+=("$(cat "$work/engine-time")")
  sync
  n0=$(nginx_cpu)
  t0=$(now); { TIMEFORMAT='%U %S'; time fetch; } 2> "$work/curl-cpu"; t1=$(now)
  curl_times+=("$(echo "$t1 - $t0" | bc)")
  curl_cpus+=("$(awk '{print $1 + $2}' "$work/curl-cpu")")
  nginx_cpus+=("$(echo "$(nginx_cpu) - $n0" | bc)")
  [ "$(ls "$out" | wc -l)" = "$N" ] || { echo "curl fetched too few files"; exit 1; }
done

# The floor's other parts, over the files curl fetched last (median of ROUNDS each).
start_walls=(); start_cpus=(); probe_cpus=(); sha_cpus=()
for round in $(seq 1 "$ROUNDS"); do
  read -r wall cpu < <(timed "$ENGINE" --version)
  start_walls+=("$wall"); start_cpus+=("$cpu")
  read -r _ cpu < <(timed "$ENGINE" probe --json "$out"/*.mp3); probe_cpus+=("$cpu")
  read -r _ cpu < <(timed openssl dgst -sha256 "$out"/*.mp3); sha_cpus+=("$cpu")
done

# The glue: each step over the whole set, the way a cron script does it.
glue() {
  fetch
  (cd "$out" && sha256sum -- *.mp3 > "$work/sums.txt")
  rm -f "$work/glue.sqlite"
  sqlite3 "$work/glue.sqlite" "CREATE TABLE items (path TEXT PRIMARY KEY, sha256 TEXT, probe TEXT)"
  while read -r sum name; do
    probe=$(ffprobe -v error -show_format -show_streams -of json "$out/$name" | sed "s/'/''/g")
    sqlite3 "$work/glue.sqlite" "INSERT INTO items VALUES ('$name', '$sum', '$probe')"
  done < "$work/sums.txt"
}
t0=$(now); glue; t1=$(now)
g=$(echo "$t1 - $t0" | bc)
[ "$(sqlite3 "$work/glue.sqlite" 'SELECT count(*) FROM items')" = "$N" ] || { echo "the glue stored too few rows"; exit 1; }

e=$(median "${engine_times[@]}")
c=$(median "${curl_times[@]}")
mib=$(echo "scale=2; $N * 65536 / 1048576" | bc)
echo "ingest: $N files x 64 KiB ($mib MiB) from nginx on loopback, 8 parallel, median of $ROUNDS"
printf '  engine run --no-renditions --no-processors (download+sha256+probe+catalog+library): %7.3f s  %6.0f files/s\n' "$e" "$(echo "$N / $e" | bc -l)"
printf '  curl -Z --parallel-max 8 (download only):                                           %7.3f s  %6.0f files/s\n' "$c" "$(echo "$N / $c" | bc -l)"
printf '  ratio (curl time / engine time): %.2fx\n' "$(echo "$c / $e" | bc -l)"
sw=$(median "${start_walls[@]}")
probe_cpu=$(echo "$(median "${probe_cpus[@]}") - $(median "${start_cpus[@]}")" | bc)
cores=$(nproc)
floor=$(echo "scale=4; $sw + ($(median "${curl_cpus[@]}") + $(median "${nginx_cpus[@]}") + $(median "${sha_cpus[@]}") + $probe_cpu) / $cores" | bc)
printf '  floor: start %.3f s + (transfers %.3f + nginx %.3f + SHA-256 %.3f + probe %.3f s of CPU) / %s cores = %.3f s\n' \
  "$sw" "$(median "${curl_cpus[@]}")" "$(median "${nginx_cpus[@]}")" "$(median "${sha_cpus[@]}")" "$probe_cpu" "$cores" "$floor"
printf '  best ratio an engine could reach here (store, library, scheduling at no cost): %.2fx\n' "$(echo "$c / $floor" | bc -l)"
printf '  the glue (curl -Z; sha256sum; ffprobe per file; sqlite3 insert per file), once:     %7.3f s  (%.1fx the engine time)\n' "$g" "$(echo "$g / $e" | bc -l)"

#!/usr/bin/env bash
# The bandwidth cap: one WAV of SIZE_MIB MiB from the loopback fault server, fetched by
# `engine run --limit-rate RATE` (download + SHA-256 + probe + library) and by
# `curl --limit-rate RATE`, ROUNDS times each, in the same run. Prints the wall times, the
# rate each achieved against the cap, and the ratio (engine time / curl time: 1.00 = the same pace).
# Usage: Benchmarks/limit-rate-vs-curl.sh [SIZE_MIB=8] [RATE=2M] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${1:-8}
RATE=${2:-2M}
ROUNDS=${3:-3}
source Benchmarks/common.sh
mkdir -p "$work/files"
bytes=$((SIZE_MIB * 1024 * 1024))
make_wav "$work/files/capped.wav" "$bytes"
total=$(stat -c %s "$work/files/capped.wav")
python3 scripts/fault-http-server.py --root "$work/files" > "$work/port" &
server_pid=$!
while ! grep -q PORT "$work/port" 2>/dev/null; do sleep 0.05; done
url="http://127.0.0.1:$(awk '{print $2}' "$work/port")/files/capped.wav"
cap=$(python3 -c "
s='$RATE'.upper(); m={'K':1024,'M':1024**2,'G':1024**3}
print(int(float(s[:-1])*m[s[-1]]) if s[-1] in m else int(s))")

now() { date +%s.%N; }
engine_times=(); curl_times=()
for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$work/data"
  t0=$(now); "$ENGINE" run --no-renditions --limit-rate "$RATE" --data-dir "$work/data" "$url?round=$round" >/dev/null 2>&1; t1=$(now)
  engine_times+=("$(echo "$t1 - $t0" | bc)")
  t0=$(now); curl -s -f --limit-rate "$RATE" -o "$work/curl.wav" "$url?round=$round"; t1=$(now)
  curl_times+=("$(echo "$t1 - $t0" | bc)")
done
e=$(median "${engine_times[@]}"); c=$(median "${curl_times[@]}")
python3 -c "
total, cap, e, c = $total, $cap, $e, $c
print(f'{total} bytes at a cap of {cap} bytes/s, median of $ROUNDS')
print(f'  engine run --limit-rate $RATE: {e:.2f} s = {total/e/cap:.3f} of the cap')
print(f'  curl --limit-rate $RATE:       {c:.2f} s = {total/c/cap:.3f} of the cap')
print(f'  ratio (engine time / curl time): {e/c:.2f}')"

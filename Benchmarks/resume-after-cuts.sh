#!/usr/bin/env bash
# Resumed downloads: one large WAV (default 1 GiB) served on loopback by the fault server
# (ranges, ETag), `engine run` SIGKILLed CUTS times at random moments mid-file and resumed
# each time, then run to the end; the peer, `curl -C -` at the same rate, is cut at the same
# moments. Prints, for both, the bytes the server sent in all against the file's size (1.00x:
# nothing fetched twice), and checks the stored file's SHA-256.
# Usage: Benchmarks/resume-after-cuts.sh [SIZE_MIB=1024] [CUTS=3] [RATE=150M]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${1:-1024}
CUTS=${2:-3}
RATE=${3:-150M}
source Benchmarks/common.sh
mkdir -p "$work/files"
bytes=$((SIZE_MIB * 1024 * 1024))
make_wav "$work/files/big.wav" "$bytes"
total=$(stat -c %s "$work/files/big.wav")
want=$(sha256sum "$work/files/big.wav" | cut -d' ' -f1)

python3 scripts/fault-http-server.py --root "$work/files" --log "$work/requests.log" > "$work/port" &
server_pid=$!
while ! grep -q PORT "$work/port" 2>/dev/null; do sleep 0.05; done
port=$(awk '{print $2}' "$work/port")
echo "http://127.0.0.1:$port/ranged/big.wav" > "$work/list.txt"

data="$work/data"
args=(--no-renditions --limit-rate "$RATE" --data-dir "$data")
delays=()
for cut in $(seq 1 "$CUTS"); do
  if [ "$cut" -eq 1 ]; then "$ENGINE" run "${args[@]}" --input "$work/list.txt" >/dev/null 2>&1 &
  else "$ENGINE" run --resume --data-dir "$data" >/dev/null 2>&1 & fi
  pid=$!
  delay=$(python3 -c "import random; print(round(random.uniform(0.8, 3.0), 2))")
  delays+=("$delay")
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  have=$(stat -c %s "$data"/tmp/item-*.part 2>/dev/null | head -1 || echo 0)
  echo "cut $cut after ${delay} s: ${have:-0} bytes kept"
done
start=$(date +%s.%N)
"$ENGINE" run --resume --data-dir "$data" >/dev/null 2>&1
end=$(date +%s.%N)

# The peer: curl -C - (resume from the file's size), cut at the same moments.
for delay in "${delays[@]}"; do
  curl -s -C - --limit-rate "$RATE" -o "$work/curl.wav" "http://127.0.0.1:$port/ranged/big.wav?peer=curl" &
  pid=$!
  sleep "$delay"
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
curl -s -C - --limit-rate "$RATE" -o "$work/curl.wav" "http://127.0.0.1:$port/ranged/big.wav?peer=curl"
[ "$(sha256sum "$work/curl.wav" | cut -d' ' -f1)" = "$want" ] || echo "curl's file: SHA-256 MISMATCH"

sent=$(python3 -c "
import json, sys
print(sum(json.loads(l)['body_bytes'] for l in open('$work/requests.log') if l.strip() and 'peer=curl' not in l))")
curl_sent=$(python3 -c "
import json, sys
print(sum(json.loads(l)['body_bytes'] for l in open('$work/requests.log') if 'peer=curl' in l))")
requests=$(grep -vc 'peer=curl' "$work/requests.log")
got=$(sha256sum "$data"/library/127.0.0.1/*/big.wav 2>/dev/null | cut -d' ' -f1 || true)
[ -z "$got" ] && got=$(find "$data/library" -name 'big.wav' -exec sha256sum {} \; | cut -d' ' -f1)
python3 -c "print(f'file {$total} bytes; engine: {$requests} requests, server sent {$sent} bytes in all = {$sent/$total:.4f}x the file (last run {float($end)-float($start):.1f} s); curl -C -: {$curl_sent/$total:.4f}x')"
if [ "$got" = "$want" ]; then echo "stored file: SHA-256 matches"; else echo "stored file: SHA-256 MISMATCH ($got vs $want)"; exit 1; fi

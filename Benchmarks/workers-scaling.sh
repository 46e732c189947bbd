#!/usr/bin/env bash
# Scale-out on a download-bound job (issue 16): FILES WAVs of SIZE_KIB KiB from nginx, each
# connection capped at RATE (what a catalog source or a far server gives one connection), one
# ingest job through a PostgreSQL store run by 1, 2 and 3 `engine worker --until-idle`
# processes (their own data dirs, a shared library; 4 downloads each). Prints each wall time
# and the speed-up over one worker (goal: at least 1.8x with two).
#   Benchmarks/workers-scaling.sh [FILES=40] [SIZE_KIB=256] [RATE=128k]
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-40}
SIZE_KIB=${2:-256}
RATE=${3:-128k}
source Benchmarks/common.sh
export ENGINE_TEST_PG_PASSWORD="bench-$RANDOM$RANDOM" ENGINE_DOWNLOAD_WORKERS=4
python3 scripts/pg-cluster.py > "$work/pg" &
cluster=$!
trap 'kill $cluster 2>/dev/null; cleanup' EXIT
for _ in $(seq 300); do grep -q PORT "$work/pg" && break; sleep 0.1; done
store="postgres://engine@127.0.0.1:$(awk '/PORT/{print $2}' "$work/pg")/postgres?sslmode=disable"
export ENGINE_STORE_PASSWORD="$ENGINE_TEST_PG_PASSWORD"
mkdir -p "$work/files"
for i in $(seq "$FILES"); do make_wav "$work/files/f$i.wav" $((SIZE_KIB * 1024)); done
start_nginx "$work/files" "$RATE"
now() { date +%s.%N; }
declare -A took
for workers in 1 2 3; do
  profile="scale$workers"
  seq "$FILES" | sed "s|.*|http://127.0.0.1:$port/f&.wav|" > "$work/list-$workers.txt"
  "$ENGINE" jobs submit ingest --input "$work/list-$workers.txt" --no-renditions --store "$store" --profile "$profile" \
    --data-dir "$work/submit" >/dev/null
  pids=()
  t0=$(now)
  for n in $(seq "$workers"); do
    "$ENGINE" worker --until-idle --store "$store" --profile "$profile" --data-dir "$work/machine-$n" \
      --library-dir "$work/library-$workers" >/dev/null 2>"$work/worker-$workers-$n.log" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  took[$workers]=$(echo "$(now) - $t0" | bc)
  stored=$(find "$work/library-$workers" -type f | wc -l)
  [ "$stored" -eq "$FILES" ] || { echo "$workers worker(s) stored $stored of $FILES files"; cat "$work"/worker-$workers-*.log; exit 1; }
done
python3 -c "
t = {1: ${took[1]}, 2: ${took[2]}, 3: ${took[3]}}
print(f'$FILES files of $SIZE_KIB KiB, each connection capped at $RATE, 4 downloads per worker')
for n in (1, 2, 3): print(f'  {n} worker{\"s\" if n > 1 else \" \"}: {t[n]:6.2f} s  ({t[1] / t[n]:.2f}x one worker)')"

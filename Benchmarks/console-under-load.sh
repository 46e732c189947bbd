#!/usr/bin/env bash
# The console beside a running job: an ingest of N small files from nginx on loopback run by
# `engine serve`'s embedded runner (renditions off), measured as items/s
#   - with no console client,
#   - with PAGES dashboards open (each holds /api/events and refreshes its live region after
#     events, at most twice a second, as the page's script does),
#   - while /api/dashboard is hammered by CONCURRENCY keep-alive clients (for the job's
#     length, at most LOAD_SECONDS), with that load's latency p50/p99.
# Rounds alternate the first two (ABBA); the medians and the ratio are printed.
# Usage: Benchmarks/console-under-load.sh [N=10000] [ROUNDS=3] [PAGES=2] [CONCURRENCY=4] [LOAD_SECONDS=30]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
ROUNDS=${2:-3}
PAGES=${3:-2}
CONCURRENCY=${4:-4}
LOAD_SECONDS=${5:-30}
source Benchmarks/common.sh
start_nginx "$work/files"

python3 - "$work/files" "$N" "$work/list.m3u8" "$port" <<'PY'
import os, struct, sys
folder, n, playlist, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
header = b"RIFF" + struct.pack("<I", 36 + 4096) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 2, 48000, 192000, 4, 16) \
    + b"data" + struct.pack("<I", 4096)
with open(playlist, "w") as out:
    out.write("#EXTM3U\n")
    for i in range(1, n + 1):
        with open(os.path.join(folder, f"f{i}.wav"), "wb") as f:
            f.write(header + os.urandom(4096))
        out.write(f"#EXTINF:-1,Bench - Item {i}\nhttp://127.0.0.1:{port}/f{i}.wav\n")
PY

# One run: serve on a fresh data dir, the job submitted, the load (none, pages, hammer) started
# with it; prints "items/s [load output]".
run() {
  local mode=$1 data="$work/data-$RANDOM" serve_pid console load_out="$work/load-$RANDOM.txt" load_pid=""
  "$ENGINE" serve --port 0 --data-dir "$data" 2> "$work/serve.log" &
  serve_pid=$!
  for _ in $(seq 1 100); do
    console=$(sed -n 's|.*console on \(http://[^ ]*\) .*|\1|p' "$work/serve.log")
    [ -n "$console" ] && break
    sleep 0.1
  done
  [ -n "$console" ] || { echo "engine serve did not start: $(cat "$work/serve.log")" >&2; exit 1; }
  "$ENGINE" jobs submit ingest --no-renditions --input "$work/list.m3u8" --data-dir "$data" >/dev/null
  case $mode in
    pages) python3 Benchmarks/console-load.py pages "$console" 3600 "$PAGES" > "$load_out" & load_pid=$! ;;
    hammer) python3 Benchmarks/console-load.py hammer "$console/api/dashboard" "$LOAD_SECONDS" "$CONCURRENCY" > "$load_out" & load_pid=$! ;;
  esac
  until "$ENGINE" jobs list --json --data-dir "$data" | grep -Eq '"status": "(completed|completed_with_errors|failed|canceled)"'; do sleep 0.5; done
  # The load ends with the job (it reports when told to stop).
  if [ -n "$load_pid" ]; then kill "$load_pid" 2>/dev/null || true; fi
  if [ -n "$load_pid" ]; then wait "$load_pid" 2>/dev/null || true; fi
  kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true
  # Items a second between the job's start and end, as the store recorded them (not rounded).
  python3 - "$data/engine.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
started, finished = db.execute("SELECT started_at, finished_at FROM job_runs ORDER BY id LIMIT 1").fetchone()
done = db.execute("SELECT count(*) FROM job_items WHERE status = 'succeeded'").fetchone()[0]
print(f"{done / (finished - started):.0f}", end=" ")
PY
  cat "$load_out" 2>/dev/null || echo
  rm -rf "$data"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
: > "$work/none"; : > "$work/pages"
none() { r=$(run none); echo "round $round, no console client: $r items/s"; echo "$r" | awk '{print $1}' >> "$work/none"; }
pages() { r=$(run pages); echo "round $round, $PAGES dashboards open: $r"; echo "$r" | awk '{print $1}' >> "$work/pages"; }
for round in $(seq 1 "$ROUNDS"); do
  # ABBA: neither side always runs first (the machine warms up, files get cached).
  if [ $((round % 2)) -eq 1 ]; then none; pages; else pages; none; fi
done
none=$(median < "$work/none"); pages=$(median < "$work/pages")
echo "items/s, median of $ROUNDS: no console client $none, $PAGES dashboards open $pages (ratio $(python3 -c "print(f'{$pages / $none:.3f}')"))"
r=$(run hammer)
echo "with /api/dashboard under load ($CONCURRENCY clients, ${LOAD_SECONDS} s): ${r%% *} items/s; ${r#* }"

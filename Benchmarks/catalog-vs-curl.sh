#!/usr/bin/env bash
# Collecting a paged JSON catalog: PAGES pages of SIZE items from scripts/catalog-server.py on
# loopback (a `catalog:flat` source, page paging with has_more), against a plain curl loop that
# fetches the same pages one after another. Three ways for the engine:
#   - `engine collect catalog:flat --json` (the pages in memory, printed),
#   - a `collect_only` job (`jobs submit` + `worker --until-idle`): every page written to the
#     store with its items, checkpoint and progress event, each item catalogued.
# Rounds alternate the order (ABBA); medians are printed as items/s and as ratios to curl.
# Usage: Benchmarks/catalog-vs-curl.sh [PAGES=200] [SIZE=50] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${1:-200}
SIZE=${2:-50}
ROUNDS=${3:-3}
source Benchmarks/common.sh
mkdir -p "$work/root"
python3 scripts/catalog-server.py --root "$work/root" --flat-pages "$PAGES" --flat-size "$SIZE" > "$work/port" &
server_pid=$!
for _ in $(seq 1 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cut -d' ' -f2 "$work/port")
base="http://127.0.0.1:$port/catalog/flat/items"
cat > "$work/graph.yaml" <<YAML
graph: default
sources:
  flat:
    items:
      url: "$base?page={page}"
      paging: page
      list: tracks
      has_more: has_more
      fields: {id: id, title: title, creators: "artists[].name", duration: duration_ms, url: stream_url}
      duration_unit: ms
YAML
items=$((PAGES * SIZE))
now() { python3 -c 'import time; print(time.monotonic())'; }
rate() { python3 -c "print(f'{$items / ($2 - $1):.0f}')"; }

curl_loop() {
  local start end
  start=$(now)
  for page in $(seq 1 "$PAGES"); do curl -s -o /dev/null "$base?page=$page"; done
  end=$(now)
  rate "$start" "$end"
}

engine_collect() {
  local start end count
  start=$(now)
  count=$("$ENGINE" collect --json --graph "$work/graph.yaml" --data-dir "$work/data-collect" catalog:flat | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  end=$(now)
  [ "$count" -eq "$items" ] || { echo "engine collect found $count items, not $items" >&2; exit 1; }
  rate "$start" "$end"
}

engine_job() {
  local data="$work/data-$RANDOM" start end
  "$ENGINE" jobs submit collect_only --graph "$work/graph.yaml" --input catalog:flat --data-dir "$data" >/dev/null
  start=$(now)
  "$ENGINE" worker --until-idle --data-dir "$data" 2>/dev/null
  end=$(now)
  python3 - "$data/engine.sqlite" "$items" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
found = db.execute("SELECT count(*) FROM job_items").fetchone()[0]
pages = db.execute("SELECT count(*) FROM job_events WHERE kind = 'page'").fetchone()[0]
if found != int(sys.argv[2]): sys.exit(f"the job collected {found} items, not {sys.argv[2]}")
PY
  rm -rf "$data"
  rate "$start" "$end"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
: > "$work/curl"; : > "$work/collect"; : > "$work/job"
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then order="curl collect job"; else order="job collect curl"; fi
  for what in $order; do
    case $what in
      curl) r=$(curl_loop) ;;
      collect) r=$(engine_collect) ;;
      job) r=$(engine_job) ;;
    esac
    echo "round $round, $what: $r items/s"
    echo "$r" >> "$work/$what"
  done
done
c=$(median < "$work/curl"); e=$(median < "$work/collect"); j=$(median < "$work/job")
echo "$PAGES pages x $SIZE items, items/s (median of $ROUNDS): curl loop $c, engine collect $e ($(python3 -c "print(f'{$e / $c:.2f}')")x), collect_only job $j ($(python3 -c "print(f'{$j / $c:.2f}')")x)"

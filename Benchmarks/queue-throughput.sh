#!/usr/bin/env bash
# The shared store as a queue (issue 16): claim-and-complete throughput through PostgreSQL
# with 1, 2 and 4 workers beside SQLite's one runner, and the claim's latency with a million
# finished items. A throwaway cluster (scripts/pg-cluster.py) shares this machine's cores.
#   Benchmarks/queue-throughput.sh [ITEMS=20000]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null
export ENGINE_TEST_PG_PASSWORD="bench-$RANDOM$RANDOM"
out=$(mktemp)
python3 scripts/pg-cluster.py >"$out" &
cluster=$!
trap 'kill $cluster 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q PORT "$out" && break; sleep 0.1; done
port=$(awk '/PORT/{print $2}' "$out")
if ! built=$(swift build -c release --package-path Benchmarks --product QueueThroughput 2>&1); then echo "$built" | grep -E "error" -A3; exit 1; fi
ENGINE_STORE_PASSWORD="$ENGINE_TEST_PG_PASSWORD" "$(swift build -c release --package-path Benchmarks --show-bin-path)/QueueThroughput" \
  "postgres://engine@127.0.0.1:$port/postgres?sslmode=disable" "${1:-20000}"

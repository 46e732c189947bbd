#!/usr/bin/env bash
# Bit-rot checks against `sha256sum -c`, same files, same run: COUNT WAVs of random samples
# (SIZE_MIB in all, default 1 GiB) ingested once (not timed), then `engine maintenance verify
# --limit-rate 0` (every stored copy re-hashed, two at a time, each check recorded in the store)
# against `sha256sum -c` over a manifest of the same library files (one process, one file at a
# time). Both read from the page cache after a warm-up read. Best of ROUNDS each.
#   Benchmarks/verify-vs-sha256sum.sh [SIZE_MIB=1024] [COUNT=64] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
size_mib=${1:-1024}
count=${2:-64}
rounds=${3:-3}
stored_wavs "$size_mib" "$count"
data="$work/data"
(cd "$data/library" && find . -type f -name '*.wav' -print0 | xargs -0 sha256sum > "$work/manifest")
cat "$data"/library/*/*/*.wav > /dev/null  # warm the page cache

engine=$(best "$ENGINE" maintenance verify --limit-rate 0 --data-dir "$data")
"$ENGINE" maintenance verify --limit-rate 0 --data-dir "$data" | tail -1
peer=$(best sh -c "cd '$data/library' && sha256sum -c --quiet '$work/manifest'")
python3 - "$engine" "$peer" "$size_mib" <<'PY'
import sys
engine, peer, size = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"engine maintenance verify : {engine:6.2f} s  ({size / engine:6.0f} MiB/s)")
print(f"sha256sum -c              : {peer:6.2f} s  ({size / peer:6.0f} MiB/s)")
print(f"sha256sum / engine: {peer / engine:4.2f}x (goal: at least 2x)")
PY

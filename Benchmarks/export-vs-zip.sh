#!/usr/bin/env bash
# A collection's ZIP export against `zip -0 -r` (store only, as the engine writes media) of the
# same files, same run: COUNT WAVs of random samples (SIZE_MIB in all, default 1 GiB) ingested
# once (not timed), then `engine export COLLECTION --zip` (planned from the store, streamed
# front to back with zlib's CRC-32) against zip reading the collection's export folder (hard
# links to the same library files, so both read the same page cache). Best of ROUNDS each.
#   Benchmarks/export-vs-zip.sh [SIZE_MIB=1024] [COUNT=64] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
size_mib=${1:-1024}
count=${2:-64}
rounds=${3:-3}
stored_wavs "$size_mib" "$count"
data="$work/data"
"$ENGINE" export big --to "$work/folders" --data-dir "$data" >/dev/null

before_each="rm -f '$work/out.zip'"
engine=$(best "$ENGINE" export big --zip "$work/out.zip" --data-dir "$data")
python3 -c "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert len(z.namelist()) == $count + 1" "$work/out.zip"
peer=$(best sh -c "cd '$work/folders' && zip -0 -r -q '$work/out.zip' big")
python3 - "$engine" "$peer" "$size_mib" <<'PY'
import sys
engine, peer, size = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
print(f"engine export --zip : {engine:6.2f} s  ({size / engine:6.0f} MiB/s)")
print(f"zip -0 -r           : {peer:6.2f} s  ({size / peer:6.0f} MiB/s)")
print(f"zip / engine: {peer / engine:4.2f}x (goal: at least 1x)")
PY

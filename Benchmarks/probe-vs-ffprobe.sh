#!/usr/bin/env bash
# Times in-process probes of every fixture against ffprobe started once per file, same run.
# Usage: Benchmarks/probe-vs-ffprobe.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")"
../scripts/setup.sh
swift build -c release --product ProbeVsFFprobe >/dev/null
"$(swift build -c release --show-bin-path)/ProbeVsFFprobe" "$@"

#!/usr/bin/env bash
# In-process transcoding vs the ffmpeg command line, same settings, same run (see
# Sources/TranscodeVsFFmpeg/main.swift). Usage: Benchmarks/transcode-vs-ffmpeg.sh [CLIPS=200] [ROUNDS=3] [all|renditions]
set -euo pipefail
cd "$(dirname "$0")"
../scripts/setup.sh
(cd .. && swift build -c release --product engine >/dev/null)
swift build -c release --product TranscodeVsFFmpeg >/dev/null
"$(swift build -c release --show-bin-path)/TranscodeVsFFmpeg" "$(cd .. && swift build -c release --show-bin-path)/engine" "$@"

#!/usr/bin/env bash
# Times in-process probes of a real-world mix — every fixture (MP3 with and without cover art,
# M4A, FLAC, Ogg, WAV, MKV, WebM, a small MP4) and a 1080p H.264 MP4 made here — against
# ffprobe started once per file, same run; then each file with the named demuxer vs guessed.
# Usage: Benchmarks/probe-vs-ffprobe.sh [ROUNDS=20]
set -euo pipefail
cd "$(dirname "$0")"
../scripts/setup.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=10" \
  -f lavfi -i "sine=frequency=440:duration=10" -c:v libx264 -preset veryfast -pix_fmt yuv420p -c:a aac -b:a 128k \
  -movflags +faststart "$work/video-1080p.mp4"
swift build -c release --product ProbeVsFFprobe >/dev/null
"$(swift build -c release --show-bin-path)/ProbeVsFFprobe" "${1:-20}" "$work/video-1080p.mp4"

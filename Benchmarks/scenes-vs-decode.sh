#!/usr/bin/env bash
# Scene cuts against a decode alone, same file, same run: `engine analyze` on a video (one
# decode, scdet's score on each frame's luma, no posters) against ffmpeg decoding the same video
# to nothing (`-f null`, the lower bound of any scene detector) and ffmpeg's scdet filter. The
# file: 2 minutes of 720p H.264 at 25 fps, segments of different sources. Best of ROUNDS each;
# both decode with libav's default threads.
#   Benchmarks/scenes-vs-decode.sh [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
rounds=${1:-3}
video="$work/two-minutes.mp4"
inputs=()
for source in testsrc2 smptebars mandelbrot rgbtestsrc "cellauto=rule=110" testsrc; do
  sep="="; [[ "$source" == *=* ]] && sep=":"
  inputs+=(-f lavfi -i "${source}${sep}s=1280x720:r=25")
done
ffmpeg -v error "${inputs[@]}" -filter_complex \
  "$(for i in 0 1 2 3 4 5; do printf '[%d]trim=duration=20,setpts=PTS-STARTPTS,format=yuv420p[v%d];' "$i" "$i"; done)[v0][v1][v2][v3][v4][v5]concat=n=6:v=1:a=0" \
  -c:v libx264 -preset veryfast -crf 23 "$video"

engine=$(best "$ENGINE" analyze "$video")
decode=$(best ffmpeg -v error -i "$video" -an -f null -)
scdet=$(best ffmpeg -v error -i "$video" -an -vf scdet -f null -)
python3 - "$engine" "$decode" "$scdet" <<'PY'
import sys
engine, decode, scdet = map(float, sys.argv[1:])
print(f"engine analyze (scene cuts, one decode)  : {engine:6.2f} s  ({120 / engine:4.0f}x real time)")
print(f"ffmpeg -f null (the decode alone)        : {decode:6.2f} s")
print(f"ffmpeg -vf scdet                          : {scdet:6.2f} s")
print(f"engine / decode alone: {engine / decode:4.2f}x (goal: at most 1.1x); scdet / engine: {scdet / engine:4.2f}x")
PY

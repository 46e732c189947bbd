#!/usr/bin/env bash
# The processors in one decode (`engine analyze`: loudness with true peak, waveform peaks,
# Chromaprint fingerprint) against the peer tools run in sequence on the same file, same run:
# ffmpeg's ebur128 filter with true peak, fpcalc -length 120, and a peaks pass's decode
# (ffmpeg to s16le PCM, without even the min/max that would follow: the peers' lower bound).
# The file: 5 minutes of 44.1 kHz stereo FLAC. Best of ROUNDS each.
#   Benchmarks/analyze-vs-tools.sh [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/common.sh
rounds=${1:-3}
flac="$work/five-minutes.flac"
# Tones changing every third to half second over pink noise: a spectrum that keeps changing.
ffmpeg -v error -f lavfi -i "aevalsrc=exprs='0.3*sin(2*PI*(300+200*floor(mod(t*2,7)))*t)+0.2*sin(2*PI*(500+130*floor(mod(t*3,5)))*t)|0.3*sin(2*PI*(300+200*floor(mod(t*2,7)))*t)':s=44100:d=300" \
  -f lavfi -i "anoisesrc=color=pink:amplitude=0.05:sample_rate=44100:duration=300" -filter_complex "[0][1]amix=inputs=2:normalize=0" \
  -c:a flac "$flac"

engine=$(best "$ENGINE" analyze "$flac")
ebur128=$(best ffmpeg -nostats -i "$flac" -af ebur128=peak=true -f null -)
fpcalc=$(best fpcalc -length 120 "$flac")
pcm=$(best ffmpeg -v error -i "$flac" -f s16le -y /dev/null)
python3 - "$engine" "$ebur128" "$fpcalc" "$pcm" <<'PY'
import sys
engine, ebur128, fpcalc, pcm = map(float, sys.argv[1:])
tools = ebur128 + fpcalc + pcm
print(f"engine analyze (loudness + true peak, peaks, fingerprint; one decode): {engine:6.2f} s  ({300 / engine:5.0f}x real time)")
print(f"ffmpeg ebur128=peak=true                                       : {ebur128:6.2f} s")
print(f"fpcalc -length 120                                              : {fpcalc:6.2f} s")
print(f"ffmpeg -f s16le (the peaks pass's decode only)                  : {pcm:6.2f} s")
print(f"the tools in sequence: {tools:6.2f} s -> engine {tools / engine:4.2f}x faster")
PY

#!/usr/bin/env bash
# Regenerates fixtures/media (good media) and fixtures/bad (inputs every stage must reject
# cleanly) with Debian's ffmpeg. Output is committed; rerun only to change the set.
# Everything is synthetic (lavfi test sources), short and small: the whole set stays < 3 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
media=fixtures/media
bad=fixtures/bad
mkdir -p "$media" "$bad"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
video_src=(-f lavfi -i "testsrc2=size=320x240:rate=25:duration=2")
tone() { echo "sine=frequency=$1:sample_rate=${2:-44100}:duration=${3:-2}"; }
stereo=(-ac 2)

# MP4: H.264 (High) + AAC, tags, moov at the end (no faststart) so a truncated copy lacks it.
ff "${video_src[@]}" -f lavfi -i "$(tone 440)" -map 0:v -map 1:a \
  -c:v libx264 -preset veryfast -crf 28 -pix_fmt yuv420p -c:a aac -b:a 96k "${stereo[@]}" \
  -metadata title="Test Pattern" -metadata artist="MediaEngine Fixtures" -metadata album="Fixtures" \
  -shortest "$media/video-h264-aac.mp4"

# MKV: H.264 + FLAC audio, with a title.
ff "${video_src[@]}" -f lavfi -i "$(tone 330 48000)" -map 0:v -map 1:a \
  -c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv420p -c:a flac "${stereo[@]}" \
  -metadata title="Matroska Pattern" -shortest "$media/video-h264-flac.mkv"

# WebM: VP9 + Opus.
ff "${video_src[@]}" -f lavfi -i "$(tone 550 48000)" -map 0:v -map 1:a \
  -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -b:v 200k -c:a libopus -b:a 64k "${stereo[@]}" \
  -metadata title="WebM Pattern" -shortest "$media/video-vp9-opus.webm"

# MP3 with ID3v2 title/artist/album.
ff -f lavfi -i "$(tone 440 44100 3)" -c:a libmp3lame -b:a 128k "${stereo[@]}" -id3v2_version 3 \
  -metadata title="Sine 440" -metadata artist="Fixture Band" -metadata album="Fixture Album" \
  -metadata track="1" "$media/audio-id3.mp3"

# FLAC with Vorbis comments.
ff -f lavfi -i "$(tone 660 44100 2)" -c:a flac "${stereo[@]}" \
  -metadata TITLE="Sine 660" -metadata ARTIST="Fixture Band" -metadata ALBUM="Lossless Album" \
  "$media/audio-vorbis-comments.flac"

# WAV: PCM s16le, mono, one second.
ff -f lavfi -i "$(tone 880 22050 1)" -c:a pcm_s16le -ac 1 "$media/audio-pcm.wav"

# M4A: AAC-LC with iTunes-style tags.
ff -f lavfi -i "$(tone 220 44100 2)" -c:a aac -b:a 96k "${stereo[@]}" \
  -metadata title="Sine 220" -metadata artist="Fixture Band" -metadata album="AAC Album" \
  "$media/audio-aac.m4a"

# Ogg Vorbis.
ff -f lavfi -i "$(tone 770 44100 2)" -c:a libvorbis -q:a 2 "${stereo[@]}" \
  -metadata title="Sine 770" -metadata artist="Fixture Band" "$media/audio-vorbis.ogg"

# MP3 with a cover-art stream (attached JPEG picture).
ff -f lavfi -i "testsrc2=size=160x160:duration=1" -frames:v 1 "$tmp/cover.jpg"
ff -f lavfi -i "$(tone 500 44100 2)" -i "$tmp/cover.jpg" -map 0:a -map 1:v \
  -c:a libmp3lame -b:a 96k "${stereo[@]}" -c:v copy -id3v2_version 3 -disposition:v attached_pic \
  -metadata:s:v title="Album cover" -metadata:s:v comment="Cover (front)" \
  -metadata title="Sine with Cover" -metadata artist="Fixture Band" -metadata album="Covered" \
  "$media/audio-cover-art.mp3"

# Bad inputs.
size=$(stat -c %s "$media/video-h264-aac.mp4")
head -c $((size * 6 / 10)) "$media/video-h264-aac.mp4" > "$bad/truncated.mp4"
: > "$bad/empty.mp4"
printf 'This is a text file, not an MP3.\nIt only has the extension of one.\n' > "$bad/not-audio.mp3"

du -ch "$media" "$bad" | tail -1

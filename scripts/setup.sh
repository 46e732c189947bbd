#!/usr/bin/env bash
# Installs every Debian and PyPI package MediaEngine needs on a fresh Debian 12 machine.
# Idempotent: packages already present are skipped; `apt-get update` runs only when one is missing.
# Runs apt as root directly, through sudo otherwise.
set -euo pipefail

APT_PACKAGES=(
  pkg-config
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev
  libcurl4-openssl-dev libsqlite3-dev libssl-dev
  libtcmalloc-minimal4   # the engine's allocator (Package.swift links it: thread caches, ~10 % less CPU)
  zlib1g-dev        # CRC-32 for ZIP exports
  libebur128-dev    # the loudness processor (EBU R 128, ReplayGain 2.0)
  libchromaprint-dev libchromaprint-tools   # the fingerprint processor, and fpcalc as its reference in tests
  ffmpeg            # ffprobe/ffmpeg: the reference peers in tests and benchmarks
  chromium chromium-driver   # the real browser that drives the console in tests
  postgresql-15 postgresql-client-15   # the shared store's server: tests start throwaway clusters
  sqlite3           # the glue script the ingest benchmark compares with; release upgrades' database backups
  binutils          # objcopy: scripts/release.sh strips the program's debug info
  curl              # the release smoke test asks the console
  iproute2          # ip netns and veth links: the partition test gives each worker a machine of its own
)
PIP_PACKAGES=(
  "moto[server]"    # moto_server: a real S3-protocol server on loopback for storage tests
  boto3             # the reference S3 client and botocore's SigV4 signer, in tests
  awscli            # the peer in the upload benchmark
  selenium          # drives chromium through chromium-driver in the console test
)

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PY=$(command -v python3 || true)
if [ -z "$PY" ]; then
  echo "setup: python3 is missing; installing it"
  "${SUDO[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q python3 python3-pip
  PY=$(command -v python3)
fi
if ! command -v moto_server >/dev/null 2>&1 || ! command -v aws >/dev/null 2>&1 || ! "$PY" -c "import boto3, selenium" 2>/dev/null; then
  echo "setup: installing PyPI packages: ${PIP_PACKAGES[*]}"
  "$PY" -m pip install -q "${PIP_PACKAGES[@]}" 2>/dev/null \
    || "$PY" -m pip install -q --break-system-packages "${PIP_PACKAGES[@]}"
fi

# Sourced by the benchmark scripts: installs what is missing, builds the release engine into
# $ENGINE, makes $work (removed on exit, with the server whose pid is in $server_pid), and
# gives make_wav PATH DATA_BYTES: a WAV header for 16-bit stereo PCM and random samples.
./scripts/setup.sh >/dev/null
swift build -c release --product engine >/dev/null
ENGINE="$(swift build -c release --show-bin-path)/engine"

work=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

make_wav() {
  python3 - "$1" "$2" <<'PY'
import struct, sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    f.write(b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 2, 48000, 192000, 4, 16)
            + b"data" + struct.pack("<I", size))
PY
  head -c "$2" /dev/urandom >> "$1"
}

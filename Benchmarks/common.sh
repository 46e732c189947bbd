# Sourced by the benchmark scripts: installs what is missing, builds the release engine into
# $ENGINE, makes $work (removed on exit, with the server whose pid is in $server_pid), and
# gives make_wav PATH DATA_BYTES: a WAV header for 16-bit stereo PCM and random samples.
./scripts/setup.sh >/dev/null
if [ -z "${ENGINE:-}" ]; then  # ENGINE=path: measure another build of it
  swift build -c release --product engine >/dev/null
  ENGINE="$(swift build -c release --show-bin-path)/engine"
fi

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

# start_nginx DIR [RATE]: nginx (installed if missing) serving DIR on a free loopback port, in
# $port, each connection capped at RATE (nginx's limit_rate, e.g. 128k) when given; stopped on exit.
start_nginx() {
  if ! command -v nginx >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
    "${SUDO[@]}" apt-get install -y -q nginx-light >/dev/null || "${SUDO[@]}" apt-get install -y -q nginx >/dev/null
  fi
  mkdir -p "$1"
  chmod 755 "$work" "$1"  # nginx workers run as another user
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$work/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path $work/tmp-body;
  proxy_temp_path $work/tmp-proxy;
  fastcgi_temp_path $work/tmp-fastcgi;
  uwsgi_temp_path $work/tmp-uwsgi;
  scgi_temp_path $work/tmp-scgi;
  server { listen 127.0.0.1:$port; root $1; ${2:+limit_rate $2;} }
}
CONF
  nginx -c "$work/nginx.conf" &
  server_pid=$!
  for _ in $(seq 1 50); do curl -s "http://127.0.0.1:$port/" -o /dev/null && break; sleep 0.1; done
}

# best COMMAND...: the best wall time of $rounds runs of the command, in seconds (its output
# dropped; $before_each, when set, runs before each, untimed: removing a previous output, say).
best() {
  local best=""
  for _ in $(seq "$rounds"); do
    [ -n "${before_each:-}" ] && eval "$before_each"
    local start end
    start=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; end=$(date +%s.%N)
    best=$(python3 -c "a='$best'; t=$end-$start; print(t if not a else min(float(a), t))")
  done
  echo "$best"
}

# stored_wavs SIZE_MIB COUNT: COUNT WAVs of random samples, SIZE_MIB in all, in $work/media
# (listed in $work/big.m3u), ingested once into $work/data (renditions and processors off).
stored_wavs() {
  mkdir -p "$work/media"
  for i in $(seq -w 1 "$2"); do make_wav "$work/media/track-$i.wav" $(( $1 * 1048576 / $2 )); done
  ls "$work"/media/*.wav > "$work/big.m3u"
  "$ENGINE" run --no-renditions --no-processors --data-dir "$work/data" "$work/big.m3u" >/dev/null
}

# distinct_mp3s N DIR: N MP3s of 64 KiB in DIR (f1.mp3 …): one 5 s sine, each copy with a unique
# 8-byte tail (the checksum differs, the probe does not).
distinct_mp3s() {
  mkdir -p "$2"
  ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "sine=frequency=440:duration=5" \
    -c:a libmp3lame -b:a 128k "$work/base.mp3"
  head -c 65528 "$work/base.mp3" > "$work/body"
  for i in $(seq 1 "$1"); do { cat "$work/body"; printf '%08d' "$i"; } > "$2/f$i.mp3"; done
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

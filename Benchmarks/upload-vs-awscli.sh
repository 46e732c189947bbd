#!/usr/bin/env bash
# Uploads to one moto server, side by side in the same run: a BIG_MIB MiB file (multipart) and
# SMALL_COUNT files of 16 KiB, by `engine upload` (the files stored in a data directory first,
# not timed), by `aws s3 cp` / `aws s3 sync` and by `rclone copyto` / `rclone copy
# --s3-no-head` (Debian's rclone, installed here if missing) of the same files. Median of ROUNDS each, a
# new bucket per round. Also how much CPU moto itself spends per run (it is a Python server
# and much of each wall time is moto's): read from /proc before and after.
# Usage: Benchmarks/upload-vs-awscli.sh [BIG_MIB=256] [SMALL_COUNT=500] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
BIG_MIB=${1:-256}
SMALL_COUNT=${2:-500}
ROUNDS=${3:-3}
source Benchmarks/common.sh
if ! command -v rclone >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q rclone >/dev/null
fi
mkdir -p "$work/big" "$work/small"
make_wav "$work/big/big.wav" $((BIG_MIB * 1024 * 1024))
for i in $(seq 1 "$SMALL_COUNT"); do make_wav "$work/small/s$i.wav" $((16 * 1024 - 44)); done

python3 scripts/moto-server.py > "$work/port" 2>/dev/null &
server_pid=$!
moto_pid=$server_pid
while ! grep -q PORT "$work/port" 2>/dev/null; do sleep 0.05; done
endpoint="http://127.0.0.1:$(awk '{print $2}' "$work/port")"
# moto runs inside the launcher's Python process (a thread): that process's CPU is moto's.
export MOTO_ACCESS_KEY_ID=AKIABENCH MOTO_SECRET_ACCESS_KEY=bench AWS_ACCESS_KEY_ID=AKIABENCH AWS_SECRET_ACCESS_KEY=bench
export AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
aws configure set default.s3.multipart_chunksize 16MB >/dev/null 2>&1 || true
# rclone's remote `moto`, from the environment (no config file); 16 MiB parts as the others.
export RCLONE_CONFIG_MOTO_TYPE=s3 RCLONE_CONFIG_MOTO_PROVIDER=Other RCLONE_CONFIG_MOTO_ENDPOINT="$endpoint"
export RCLONE_CONFIG_MOTO_ACCESS_KEY_ID=AKIABENCH RCLONE_CONFIG_MOTO_SECRET_ACCESS_KEY=bench RCLONE_CONFIG_MOTO_REGION=us-east-1
export RCLONE_S3_CHUNK_SIZE=16M RCLONE_S3_UPLOAD_CUTOFF=16M RCLONE_CONFIG=/dev/null

for set in big small; do
  "$ENGINE" run --no-renditions --data-dir "$work/data-$set" "$work/$set" >/dev/null 2>&1
done

now() { date +%s.%N; }
moto_cpu() { awk '{print ($14 + $15) / 100}' "/proc/$moto_pid/stat"; }
bucket() { aws --endpoint-url "$endpoint" s3 mb "s3://$1" >/dev/null; }
declare -A times moto
run() {  # run LABEL COMMAND...: wall time and moto CPU of one command
  local label=$1; shift
  local c0 t0 t1 c1
  c0=$(moto_cpu); t0=$(now); "$@" >/dev/null 2>&1; t1=$(now); c1=$(moto_cpu)
  times[$label]+="$(echo "$t1 - $t0" | bc) "
  moto[$label]+="$(echo "$c1 - $c0" | bc) "
}
for round in $(seq 1 "$ROUNDS"); do
  for set in big small; do
    b="e-$set-$round"; bucket "$b"
    "$ENGINE" backend remove moto --force --data-dir "$work/data-$set" >/dev/null 2>&1 || true
    "$ENGINE" backend add s3 moto --bucket "$b" --endpoint "$endpoint" --credential-env-prefix MOTO --data-dir "$work/data-$set" >/dev/null
    run "engine-$set" "$ENGINE" upload --backend moto --workers 8 --data-dir "$work/data-$set"
  done
  b="a-big-$round"; bucket "$b"
  run aws-big aws --endpoint-url "$endpoint" s3 cp "$work/big/big.wav" "s3://$b/big.wav"
  b="a-small-$round"; bucket "$b"
  run aws-small aws --endpoint-url "$endpoint" s3 sync "$work/small" "s3://$b/small"
  b="r-big-$round"; bucket "$b"
  # (rclone 1.60 fails on AWS_CA_BUNDLE with a custom HTTP transport: not for plain http anyway.)
  run rclone-big env -u AWS_CA_BUNDLE rclone copyto --s3-no-head "$work/big/big.wav" "moto:$b/big.wav"
  b="r-small-$round"; bucket "$b"
  run rclone-small env -u AWS_CA_BUNDLE rclone copy --s3-no-head "$work/small" "moto:$b/small"
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
eb=$(median "${times[engine-big]}"); ab=$(median "${times[aws-big]}")
es=$(median "${times[engine-small]}"); as=$(median "${times[aws-small]}")
rb=$(median "${times[rclone-big]}"); rs=$(median "${times[rclone-small]}")
python3 -c "
eb, ab, rb, es, as_, rs = $eb, $ab, $rb, $es, $as, $rs
mb = {k: float(v) for k, v in [('eb', '$(median "${moto[engine-big]}")'), ('ab', '$(median "${moto[aws-big]}")'),
      ('rb', '$(median "${moto[rclone-big]}")'), ('es', '$(median "${moto[engine-small]}")'),
      ('as', '$(median "${moto[aws-small]}")'), ('rs', '$(median "${moto[rclone-small]}")')]}
print(f'moto on loopback, median of $ROUNDS (wall s; moto CPU s in brackets)')
print(f'  $BIG_MIB MiB file:   engine upload {eb:.2f} [{mb[\"eb\"]:.2f}]   aws s3 cp {ab:.2f} [{mb[\"ab\"]:.2f}]   rclone copyto {rb:.2f} [{mb[\"rb\"]:.2f}]')
print(f'      speed engine/aws {ab/eb:.2f}x   engine/rclone {rb/eb:.2f}x')
print(f'  $SMALL_COUNT x 16 KiB: engine upload {es:.2f} [{mb[\"es\"]:.2f}]   aws s3 sync {as_:.2f} [{mb[\"as\"]:.2f}]   rclone copy {rs:.2f} [{mb[\"rs\"]:.2f}]')
print(f'      speed engine/aws {as_/es:.2f}x   engine/rclone {rs/es:.2f}x')"

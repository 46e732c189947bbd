#!/usr/bin/env bash
# Installs MediaEngine into a program directory apart from its data directory, and writes a
# systemd unit for `engine worker` pointing at that data directory.
#
#   scripts/install.sh [--prefix DIR] [--data-dir DIR] [--profile NAME] [--binary PATH] [--unit-dir DIR]
#   scripts/install.sh --upgrade [--prefix DIR] [--binary PATH]    # the program only; the previous kept
#   scripts/install.sh --rollback [--prefix DIR]                   # the previous program back
#
# The program directory (default /opt/media-engine) gets bin/engine, the bundled graphs and the
# demo catalog (with the media it names), and VERSION. The unit goes to --unit-dir (default
# PREFIX/systemd; copy or link it into /etc/systemd/system). The data directory (default
# /var/lib/media-engine) is made if missing (0700) and never written to otherwise: an
# upgrade or a rollback leaves it as it is. Without --binary, a release build is made.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/opt/media-engine
data_dir=/var/lib/media-engine
profile=""
binary=""
unit_dir=""
mode=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --data-dir) data_dir=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --unit-dir) unit_dir=$2; shift 2 ;;
    --upgrade) mode=upgrade; shift ;;
    --rollback) mode=rollback; shift ;;
    *) echo "install.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
prefix=$(realpath -m "$prefix")
data_dir=$(realpath -m "$data_dir")
unit_dir=${unit_dir:-$prefix/systemd}

if [ "$mode" = rollback ]; then
  [ -x "$prefix/bin/engine.previous" ] || { echo "install.sh: no previous program in $prefix/bin to roll back to" >&2; exit 2; }
  mv -f "$prefix/bin/engine.previous" "$prefix/bin/engine"
  "$prefix/bin/engine" --version > "$prefix/VERSION"
  echo "rolled back: $(head -1 "$prefix/VERSION") in $prefix"
  echo "(a database the newer version migrated is refused by this one: its copy from before, engine.sqlite.bak-<migration>, is beside it)"
  exit 0
fi
if [ "$mode" = upgrade ] && [ ! -x "$prefix/bin/engine" ]; then
  echo "install.sh: nothing installed in $prefix to upgrade (install first)" >&2; exit 2
fi

if [ -z "$binary" ]; then
  swift build -c release --product engine >/dev/null
  binary="$(swift build -c release --show-bin-path)/engine"
fi
[ -x "$binary" ] || { echo "install.sh: $binary is not an executable" >&2; exit 2; }

# The program and its resources, each replaced whole (a new name, then a rename).
mkdir -p "$prefix/bin" "$prefix/graphs" "$prefix/fixtures"
if [ "$mode" = upgrade ]; then cp -p "$prefix/bin/engine" "$prefix/bin/engine.previous"; fi
cp "$binary" "$prefix/bin/engine.new" && chmod 755 "$prefix/bin/engine.new" && mv -f "$prefix/bin/engine.new" "$prefix/bin/engine"
cp graphs/*.yaml "$prefix/graphs/"
rm -rf "$prefix/fixtures/demo" "$prefix/fixtures/media"
cp -r fixtures/demo fixtures/media "$prefix/fixtures/"
"$prefix/bin/engine" --version > "$prefix/VERSION"

if [ "$mode" = upgrade ]; then
  echo "upgraded: $(head -1 "$prefix/VERSION") in $prefix (the previous: $prefix/bin/engine.previous; --rollback restores it)"
  exit 0
fi

if [ ! -d "$data_dir" ]; then mkdir -p "$data_dir" && chmod 700 "$data_dir"; fi
mkdir -p "$unit_dir"
name=media-engine-worker${profile:+-$profile}
profile_flag=${profile:+ --profile \"$profile\"}
cat > "$unit_dir/$name.service" <<UNIT
[Unit]
Description=MediaEngine worker (data dir $data_dir${profile:+, profile $profile})
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart="$prefix/bin/engine" worker --data-dir "$data_dir"$profile_flag
# S3 credentials and other ENGINE_* settings, if the file exists (KEY=value lines, root's only).
EnvironmentFile=-/etc/media-engine/${name}.env
Restart=on-failure
RestartSec=5
# SIGTERM: in-flight items get their grace, the rest stays queued for the next start.
KillSignal=SIGTERM
TimeoutStopSec=60
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT
echo "installed: $(head -1 "$prefix/VERSION") in $prefix; data in $data_dir; unit $unit_dir/$name.service"

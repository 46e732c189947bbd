#!/usr/bin/env bash
# Installs this MediaEngine release:
#
#   ./install.sh [--prefix DIR] [--data-dir DIR] [--profile NAME] [--port N] [--store S] [--no-start]
#
# Verifies every file against SHA256SUMS first (a damaged release writes nothing), installs the
# program into DIR (default /opt/media-engine, /opt/media-engine-NAME for a profile) apart from
# the data directory (default /var/lib/media-engine; `DIR/data` links to the profile's folder
# there), gives the profile its example config when it has none (config/dev.yaml for `dev`,
# config/prod.yaml otherwise; --port sets its console port, --store its store: a database file or
# a postgres:// URL, the password in ENGINE_STORE_PASSWORD), writes the systemd units, starts
# the service (systemd, else in the background) and runs the smoke test against it.
set -euo pipefail
SCRIPT=install.sh
release=$(cd "$(dirname "$0")" && pwd)
. "$release/lib/release-lib.sh"

prefix="" data_dir=/var/lib/media-engine profile="" port="" store="" start=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --data-dir) data_dir=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --no-start) start=0; shift ;;
    *) die "unknown argument '$1' (see the top of install.sh)" 2 ;;
  esac
done
[ "$profile" = default ] && profile=""
prefix=$(realpath -m "${prefix:-/opt/media-engine${profile:+-$profile}}")
data_dir=$(realpath -m "$data_dir")

verify_release "$release"
[ -f "$prefix/install.conf" ] && die "$prefix already holds an installation: upgrade it with upgrade.sh --prefix $prefix" 2
version=$(release_info "$release" version)

# The program (scripts/install.sh: bin/engine, graphs, demo catalog, the worker unit), then the
# rest of the release beside it.
"$release/scripts/install.sh" --prefix "$prefix" --data-dir "$data_dir" ${profile:+--profile "$profile"} --binary "$release/bin/engine" > /dev/null
install_program "$release" "$prefix"

DATA_DIR=$data_dir PROFILE=$profile
PROFILE_DIR=$data_dir${profile:+/profiles/$profile}
mkdir -p "$PROFILE_DIR" && chmod 700 "$PROFILE_DIR"
write_install_conf "$prefix"
read_install_conf "$prefix"
ln -sfn "$PROFILE_DIR" "$prefix/data"

# The profile's config: the release's example, never over one that is there.
if [ ! -f "$PROFILE_DIR/config.yaml" ]; then
  example=$release/config/prod.yaml
  [ "$profile" = dev ] && example=$release/config/dev.yaml
  sed ${port:+-e "s/^console_port: .*/console_port: $port/"} ${store:+-e "s|^store: .*|store: $store|"} "$example" > "$PROFILE_DIR/config.yaml"
  chmod 600 "$PROFILE_DIR/config.yaml"
fi

write_serve_unit "$prefix"
if systemd_runs; then
  # systemd runs this machine: the service is its unit, started now and at every boot.
  ln -sfn "$prefix/systemd/$(unit_name).service" "/etc/systemd/system/$(unit_name).service"
  systemctl daemon-reload
  if [ "$start" = 1 ]; then systemctl enable "$(unit_name).service" > /dev/null 2>&1; fi
fi
say "installed MediaEngine $version"
say "  program:  $prefix (bin/engine, graphs, demo catalog, test/smoke.sh, RELEASE_INFO.txt)"
say "  data:     $PROFILE_DIR ($prefix/data links to it; config $PROFILE_DIR/config.yaml)"
say "  units:    $prefix/systemd/$(unit_name).service (console and runner), media-engine-worker${profile:+-$profile}.service (runner only)"
if [ "$start" = 0 ]; then
  say "not started (--no-start): systemctl enable --now $(unit_name).service, or without systemd: nohup $prefix/bin/engine serve --data-dir $DATA_DIR${PROFILE:+ --profile $PROFILE} &"
  exit 0
fi
service_start "$prefix"
if uses_systemd; then
  say "  service:  $(unit_name).service (systemd), enabled and started"
else
  say "  service:  started in the background (no systemd here): pid $(cat "$prefix/run/serve.pid"), log $prefix/logs/serve.log"
fi
"$prefix/test/smoke.sh" --prefix "$prefix" || die "the smoke test failed against the new installation (see above; the service log: $prefix/logs/serve.log)"
say "  console:  http://127.0.0.1:$(setting "$prefix" console_port)/"

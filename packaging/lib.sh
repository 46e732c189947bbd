# Shared by install.sh, upgrade.sh and test/smoke.sh of a MediaEngine release (sourced, not run).
#
# An installation (PREFIX) holds the program — bin/, graphs/, fixtures/, scripts/, test/, lib/,
# config/, the schema files, RELEASE_INFO.txt, SHA256SUMS, install.sh, upgrade.sh — and, apart
# from it: `data` (a link to the profile's data directory), `install.conf` (where the data is,
# which profile), `systemd/` (the units), `run/` and `logs/` (the fallback service's pid and
# output) and `previous/` (the program before the last upgrade).

# What scripts/install.sh installs (the program and its resources), and the rest of a release
# that goes beside it; together, the program an upgrade keeps in previous/.
CORE_ENTRIES="bin graphs fixtures VERSION"
EXTRA_ENTRIES="scripts test lib config migration schema.sql schema-postgresql.sql RELEASE_INFO.txt SHA256SUMS install.sh upgrade.sh"

say() { echo "$SCRIPT: $*"; }
die() { echo "$SCRIPT: $*" >&2; exit "${2:-1}"; }

# A value of RELEASE_INFO.txt (`key: value` lines) in folder $1.
release_info() { sed -n "s/^$2: //p" "$1/RELEASE_INFO.txt" | head -1; }

# Checks every file of the release in $1 against its SHA256SUMS, and that no file is there
# that the list does not name: a damaged or altered release is refused before anything is written.
verify_release() {
  local dir=$1 listed present
  [ -f "$dir/SHA256SUMS" ] || die "$dir: no SHA256SUMS: not a MediaEngine release"
  if ! (cd "$dir" && sha256sum --quiet --strict -c SHA256SUMS) >&2; then
    die "$dir: the release is damaged or was altered (the files above do not match SHA256SUMS); nothing was installed"
  fi
  listed=$(sed 's/^[0-9a-f]*  //' "$dir/SHA256SUMS" | sort)
  present=$(cd "$dir" && find . ! -type d ! -name SHA256SUMS | sed 's|^\./||' | sort)
  if [ "$listed" != "$present" ]; then
    die "$dir: files not in SHA256SUMS: $(comm -13 <(echo "$listed") <(echo "$present") | tr '\n' ' ')— nothing was installed"
  fi
}

# The installation's settings: DATA_DIR, PROFILE, PROFILE_DIR; and the ENGINE_* settings the
# service's unit reads (/etc/media-engine/<unit>.env), so that these scripts see what it sees.
read_install_conf() {
  local prefix=$1 env_file
  [ -f "$prefix/install.conf" ] || die "$prefix: no MediaEngine installation there (no install.conf)" 2
  # shellcheck disable=SC1091
  . "$prefix/install.conf"
  PROFILE_ARGS=(--data-dir "$DATA_DIR")
  [ -n "$PROFILE" ] && PROFILE_ARGS+=(--profile "$PROFILE")
  env_file=/etc/media-engine/$(unit_name).env
  if [ -r "$env_file" ]; then
    set -a
    # shellcheck disable=SC1090
    . "$env_file"
    set +a
  fi
  return 0
}

# Writes install.conf (values quoted for the shell, whatever the paths hold).
write_install_conf() {
  {
    echo "# Written by install.sh: where this installation's data is (read by upgrade.sh and test/smoke.sh)."
    printf 'DATA_DIR=%q\nPROFILE=%q\nPROFILE_DIR=%q\n' "$DATA_DIR" "$PROFILE" "$PROFILE_DIR"
  } > "$1/install.conf"
}

# A setting's effective value for the installation's profile (as `engine config show` prints
# it: the key, the value, the layer); fails when the program cannot say.
setting() {
  local shown
  shown=$("$1/bin/engine" config show "${PROFILE_ARGS[@]}") || return 1
  echo "$shown" | awk -v key="$2" '$1 == key { $1 = ""; sub(/^ +/, ""); sub(/ +\[[^]]*\]$/, ""); print }'
}

unit_name() { echo "media-engine-serve${PROFILE:+-$PROFILE}"; }

# systemd when it runs this machine and knows the unit; otherwise the scripts' own fallback:
# `engine serve` started in the background, its pid in PREFIX/run/serve.pid.
uses_systemd() {
  systemd_runs && systemctl cat "$(unit_name).service" > /dev/null 2>&1
}

worker_unit() { echo "media-engine-worker${PROFILE:+-$PROFILE}.service"; }

# The fallback service's pid, if that process is still an `engine serve` of this data dir
# (not another process that got the number since).
service_pid() {
  local pid command
  pid=$(cat "$1/run/serve.pid" 2> /dev/null) || return 1
  command=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null) || return 1
  case "$command" in *" serve --data-dir $DATA_DIR"*) echo "$pid" ;; *) return 1 ;; esac
}

systemd_runs() {
  [ -z "${MEDIA_ENGINE_NO_SYSTEMD:-}" ] && [ -d /run/systemd/system ] && command -v systemctl > /dev/null
}

service_start() {
  local prefix=$1
  if uses_systemd; then
    systemctl daemon-reload
    systemctl start "$(unit_name).service"
    if [ -n "${WORKER_WAS_ACTIVE:-}" ]; then systemctl start "$(worker_unit)"; fi
    return 0
  fi
  mkdir -p "$prefix/run" "$prefix/logs"
  if service_pid "$prefix" > /dev/null; then return; fi
  (
    # A daemon holds none of its starter's descriptors beyond these (a caller that waits for
    # the script to close them would wait for the service instead).
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    exec nohup "$prefix/bin/engine" serve "${PROFILE_ARGS[@]}" >> "$prefix/logs/serve.log" 2>&1 < /dev/null
  ) &
  echo $! > "$prefix/run/serve.pid"
}

# SIGTERM: the service stops taking work, gives in-flight items their grace and leaves its jobs
# paused, resumable. Both ways it may run (the unit, a background process of these scripts) and
# the runner-only worker unit; waits until they are gone. WORKER_WAS_ACTIVE says to start it again.
service_stop() {
  local prefix=$1 pid
  WORKER_WAS_ACTIVE=""
  if systemd_runs; then
    systemctl is-active --quiet "$(worker_unit)" && WORKER_WAS_ACTIVE=1 && systemctl stop "$(worker_unit)"
    if uses_systemd; then systemctl stop "$(unit_name).service"; fi
  fi
  pid=$(service_pid "$prefix") || { rm -f "$prefix/run/serve.pid"; return 0; }
  kill -TERM "$pid" 2> /dev/null || true
  for _ in $(seq 1 900); do
    [ -e "/proc/$pid" ] || { rm -f "$prefix/run/serve.pid"; return 0; }
    sleep 0.1
  done
  die "the service (pid $pid) did not stop within 90 s"
}

# The console at host $1, port $2 answers /healthz (at most 30 s after a start).
wait_for_console() {
  for _ in $(seq 1 300); do
    curl -fsS "http://$1:$2/healthz" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# SQLite: a consistent copy with `VACUUM INTO` (sqlite3, else Python's sqlite3 module).
sqlite_copy() {
  local from=$1 to=$2
  rm -f "$to.partial"
  if command -v sqlite3 > /dev/null; then
    sqlite3 "$from" "VACUUM INTO '${to//\'/\'\'}.partial'"
  else
    python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("VACUUM INTO ?", (sys.argv[2],))' "$from" "$to.partial"
  fi
  chmod 600 "$to.partial" && mv -f "$to.partial" "$to"
}

sqlite_migration() {
  if command -v sqlite3 > /dev/null; then
    sqlite3 "$1" "SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1"
  else
    python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT identifier FROM grdb_migrations ORDER BY rowid DESC LIMIT 1").fetchone()[0])' "$1"
  fi
}

# The release's entries beyond the core (from $1 into the installation $2), each replaced whole.
install_program() {
  local from=$1 to=$2 entry
  for entry in $EXTRA_ENTRIES; do
    rm -rf "${to:?}/$entry.new" "$to/$entry"
    [ -e "$from/$entry" ] || continue
    cp -a "$from/$entry" "$to/$entry.new" && mv "$to/$entry.new" "$to/$entry"
  done
}

# The unit for `engine serve` (the console and its runner) of the installation $1.
write_serve_unit() {
  local prefix=$1 name
  name=$(unit_name)
  mkdir -p "$prefix/systemd"
  cat > "$prefix/systemd/$name.service" <<UNIT
[Unit]
Description=MediaEngine console and runner (data dir $DATA_DIR${PROFILE:+, profile $PROFILE})
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
ExecStart="$prefix/bin/engine" serve --data-dir "$DATA_DIR"${PROFILE:+ --profile "$PROFILE"}
# S3 credentials, the store's password and other ENGINE_* settings, if the file exists.
EnvironmentFile=-/etc/media-engine/$name.env
Restart=on-failure
RestartSec=5
# SIGTERM: in-flight items get their grace, running jobs are left paused, resumable.
KillSignal=SIGTERM
TimeoutStopSec=90
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT
}

#!/usr/bin/env bash
# Upgrades an installation to this release, or rolls it back:
#
#   ./upgrade.sh [--prefix DIR] [--profile NAME]     # from the unpacked new release
#   ./upgrade.sh --rollback [--prefix DIR] [--profile NAME]
#
# Upgrade: verifies this release (SHA256SUMS), stops the service (SIGTERM: running jobs pause,
# resumable), keeps the installed program as DIR/previous/, backs up the database
# (engine.sqlite.bak-<migration>; a PostgreSQL store: pg_dump of the profile's schema) before
# the new program's first start migrates it, installs this release, starts the service, resumes
# the jobs the stop paused, and runs the new smoke test. When the smoke test fails it rolls back
# by itself and says so (exit 1). --rollback does the same on demand: the previous program back,
# the database restored from the backup taken before the upgrade, the service started again.
# The default DIR is /opt/media-engine (/opt/media-engine-NAME with --profile NAME), so a dev
# installation is upgraded and tested while prod keeps running the old version.
set -euo pipefail
SCRIPT=upgrade.sh
release=$(cd "$(dirname "$0")" && pwd)
. "$release/lib/release-lib.sh"

prefix="" profile="" mode=upgrade
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --profile) profile=$2; shift 2 ;;
    --rollback) mode=rollback; shift ;;
    *) die "unknown argument '$1' (see the top of upgrade.sh)" 2 ;;
  esac
done
[ "$profile" = default ] && profile=""
prefix=$(realpath -m "${prefix:-/opt/media-engine${profile:+-$profile}}")
read_install_conf "$prefix"

# The store's backup: the SQLite file's copy beside it, or a pg_dump archive in the profile folder.
store_kind() {
  case "$(setting "$prefix" store)" in
    postgres://* | postgresql://*) echo postgres ;;
    *) echo sqlite ;;
  esac
}

sqlite_path() {
  local store
  store=$(setting "$prefix" store)
  if [ "$store" = sqlite ]; then echo "$PROFILE_DIR/engine.sqlite"; else echo "$store"; fi
}

postgres_env() {
  local url
  url=$(setting "$prefix" store)
  PG_URL=$url
  PG_SCHEMA=engine_${PROFILE:-default}
  case "$PG_SCHEMA" in *[!a-z0-9_]*) die "profile '$PROFILE': its PostgreSQL schema name is hashed; back the store up with pg_dump yourself" 2 ;; esac
  export PGPASSWORD=${ENGINE_STORE_PASSWORD:-${PGPASSWORD:-}}
}

# Sets BACKUP (empty: no database yet) and MIGRATION.
backup_store() {
  local db
  if [ "$(store_kind)" = postgres ]; then
    postgres_env
    MIGRATION=$(psql "$PG_URL" -XAtc "SELECT name FROM $PG_SCHEMA.engine_migrations ORDER BY applied_at DESC, length(name) DESC, name DESC LIMIT 1")
    BACKUP=$PROFILE_DIR/$PG_SCHEMA.pgdump.bak-$MIGRATION
    pg_dump "$PG_URL" --schema="$PG_SCHEMA" -Fc -f "$BACKUP.partial" && mv -f "$BACKUP.partial" "$BACKUP"
  else
    db=$(sqlite_path)
    [ -f "$db" ] || { BACKUP=""; return; }  # never started: nothing to keep
    MIGRATION=$(sqlite_migration "$db")
    BACKUP=$db.bak-$MIGRATION
    sqlite_copy "$db" "$BACKUP"
  fi
}

restore_store() {
  local backup=$1 db
  [ -n "$backup" ] || return 0
  [ -f "$backup" ] || die "the backup $backup is gone: the database was left as it is"
  if [ "$(store_kind)" = postgres ]; then
    postgres_env
    psql "$PG_URL" -Xqc "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE"
    pg_restore -d "$PG_URL" "$backup"
  else
    db=$(sqlite_path)
    cp -p "$backup" "$db.restoring" && rm -f "$db-wal" "$db-shm" && mv -f "$db.restoring" "$db"
  fi
}

# Jobs that are running now: the stop pauses them, and the new program resumes them.
running_jobs() {
  # shellcheck disable=SC2046
  "$prefix/bin/engine" jobs list $(profile_args) 2> /dev/null | awk -F '\t' '$3 == "running" { print $1 }' || true
}

resume_jobs() {
  local job
  for job in $1; do
    # shellcheck disable=SC2046
    "$prefix/bin/engine" jobs resume "$job" $(profile_args) > /dev/null 2>&1 && say "resumed job $job"
  done
}

rollback() {
  local state=$prefix/previous/upgrade.state
  [ -d "$prefix/previous" ] && [ -f "$state" ] || die "$prefix: no previous program to roll back to" 2
  # shellcheck disable=SC1090
  . "$state"
  local from_version
  from_version=$(release_info "$prefix" version)
  service_stop "$prefix"
  local entry
  for entry in $CORE_ENTRIES $EXTRA_ENTRIES; do
    rm -rf "${prefix:?}/$entry"
    if [ -e "$prefix/previous/$entry" ]; then mv "$prefix/previous/$entry" "$prefix/$entry"; fi
  done
  restore_store "$BACKUP"
  rm -rf "$prefix/previous"
  say "rolled back from $from_version to $PREVIOUS_VERSION${BACKUP:+ (database restored from $BACKUP)}"
  service_start "$prefix"
  resume_jobs "$PAUSED_JOBS"
  "$prefix/test/smoke.sh" --prefix "$prefix" || die "the smoke test of the restored $PREVIOUS_VERSION fails too"
}

if [ "$mode" = rollback ]; then
  rollback
  exit 0
fi

verify_release "$release"
new_version=$(release_info "$release" version)
old_version=$(release_info "$prefix" version)
[ -n "$old_version" ] || old_version=$(head -1 "$prefix/VERSION")
say "upgrading $prefix from $old_version to $new_version"

paused=$(running_jobs | tr '\n' ' ' | sed 's/ *$//')
service_stop "$prefix"
say "stopped the service${paused:+ (paused job(s) $paused)}"
backup_store
[ -n "$BACKUP" ] && say "backed up the database at migration $MIGRATION: $BACKUP"

# The installed program, kept whole as previous/ (replacing the one before it).
rm -rf "$prefix/previous.new"
mkdir -p "$prefix/previous.new"
for entry in $CORE_ENTRIES $EXTRA_ENTRIES; do
  if [ -e "$prefix/$entry" ]; then cp -a "$prefix/$entry" "$prefix/previous.new/$entry"; fi
done
cat > "$prefix/previous.new/upgrade.state" <<STATE
PREVIOUS_VERSION='$old_version'
BACKUP='$BACKUP'
PAUSED_JOBS='$paused'
STATE
rm -rf "$prefix/previous" && mv "$prefix/previous.new" "$prefix/previous"

"$release/scripts/install.sh" --upgrade --prefix "$prefix" --binary "$release/bin/engine" > /dev/null
rm -f "$prefix/bin/engine.previous"  # previous/ holds it
install_program "$release" "$prefix"
write_serve_unit "$prefix"
service_start "$prefix"
say "started $new_version"
resume_jobs "$paused"
if ! "$prefix/test/smoke.sh" --prefix "$prefix"; then
  say "the smoke test of $new_version failed: rolling back"
  rollback
  die "upgrade to $new_version failed its smoke test and was rolled back: $old_version runs again, the database as it was before"
fi
say "upgraded $prefix to $new_version (the previous program: $prefix/previous/; ./upgrade.sh --rollback --prefix $prefix restores it)"

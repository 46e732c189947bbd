#!/usr/bin/env bash
# Upgrades an installation to this release, or rolls it back:
#
#   ./upgrade.sh [--prefix DIR] [--profile NAME]     # from the unpacked new release
#   ./upgrade.sh --rollback [--prefix DIR] [--profile NAME]
#
# Upgrade: verifies this release (SHA256SUMS), stops the service (SIGTERM: running jobs pause,
# resumable), backs up the database (engine.sqlite.bak-<migration>; a PostgreSQL store: pg_dump
# of the profile's schema) before the new program's first start migrates it, keeps the installed
# program as DIR/previous/, installs this release, starts the service, resumes the jobs the stop
# paused, and runs the new smoke test. When anything fails after the stop — the smoke test
# included — it rolls back by itself and says so (exit 1): the previous program back, the
# database restored from the backup, the service started again. --rollback does the same on
# demand (what the newer program recorded since the upgrade is dropped with its database).
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
state=$prefix/previous/upgrade.state

# Where the store is (read before anything stops, so that a store this script cannot back up
# stops nothing): STORE_KIND sqlite with SQLITE_DB, or postgres with PG_URL and PG_SCHEMA.
locate_store() {
  local store
  store=$(setting "$prefix" store) || die "cannot read the profile's settings with $prefix/bin/engine config show" 2
  [ -n "$store" ] || die "the profile's store setting is empty" 2
  case "$store" in
    postgres://* | postgresql://*)
      # `config show` hides the URL's user: the URL as the profile sets it (ENGINE_STORE, else
      # the config file's `store:`).
      STORE_KIND=postgres PG_SCHEMA=engine_${PROFILE:-default}
      PG_URL=${ENGINE_STORE:-$(sed -n 's/^store:[[:space:]]*//p' "${ENGINE_CONFIG:-$PROFILE_DIR/config.yaml}" 2> /dev/null | sed "s/[[:space:]]*\$//; s/^[\"']//; s/[\"']\$//" | tail -1)}
      case "$PG_URL" in postgres://* | postgresql://*) ;; *) die "cannot read the profile's PostgreSQL URL (from ENGINE_STORE or its config file)" 2 ;; esac
      # The engine's name for the profile's schema; a profile name it maps (capitals, dashes,
      # long names) gets a hashed one that this script does not compute.
      case "${PROFILE:-default}" in *[!a-z0-9_]*) die "profile '$PROFILE': its PostgreSQL schema name is hashed; back the store up with pg_dump yourself" 2 ;; esac
      [ ${#PROFILE} -le 40 ] || die "profile '$PROFILE': its PostgreSQL schema name is hashed; back the store up with pg_dump yourself" 2
      export PGPASSWORD=${ENGINE_STORE_PASSWORD:-${PGPASSWORD:-}}
      psql "$PG_URL" -XAtw -c "SELECT 1" > /dev/null || die "cannot reach the PostgreSQL store ($PG_URL) with psql: nothing was changed" 2
      ;;
    sqlite) STORE_KIND=sqlite SQLITE_DB=$PROFILE_DIR/engine.sqlite ;;
    *) STORE_KIND=sqlite SQLITE_DB=$store ;;
  esac
}

# Sets BACKUP (empty: no database yet) and MIGRATION.
backup_store() {
  BACKUP="" MIGRATION=""
  if [ "$STORE_KIND" = postgres ]; then
    local exists
    exists=$(psql "$PG_URL" -XAtw -c "SELECT to_regclass('$PG_SCHEMA.engine_migrations') IS NOT NULL")
    [ "$exists" = t ] || return 0  # never started: nothing to keep
    MIGRATION=$(psql "$PG_URL" -XAtw -c "SELECT name FROM $PG_SCHEMA.engine_migrations ORDER BY substring(name FROM '^pg([0-9]+)')::int DESC LIMIT 1")
    BACKUP=$PROFILE_DIR/$PG_SCHEMA.pgdump.bak-$MIGRATION
    pg_dump "$PG_URL" -w --schema="$PG_SCHEMA" -Fc -f "$BACKUP.partial"
    chmod 600 "$BACKUP.partial" && mv -f "$BACKUP.partial" "$BACKUP"
  else
    [ -f "$SQLITE_DB" ] || return 0
    MIGRATION=$(sqlite_migration "$SQLITE_DB")
    BACKUP=$SQLITE_DB.bak-$MIGRATION
    sqlite_copy "$SQLITE_DB" "$BACKUP"
  fi
}

# The database as the backup has it: in one transaction for PostgreSQL (a failed restore leaves
# the schema as it was); the SQLite file replaced whole. With no backup (no database before the
# upgrade), the newer program's database is moved aside: the older one would refuse it.
restore_store() {
  if [ -z "$BACKUP" ]; then
    if [ "$STORE_KIND" = sqlite ] && [ -f "$SQLITE_DB" ]; then
      mv -f "$SQLITE_DB" "$SQLITE_DB.from-$NEW_VERSION" && rm -f "$SQLITE_DB-wal" "$SQLITE_DB-shm"
      say "the database $NEW_VERSION made is kept aside as $SQLITE_DB.from-$NEW_VERSION"
    fi
    return 0
  fi
  [ -f "$BACKUP" ] || die "the backup $BACKUP is gone: the database was left as it is"
  if [ "$STORE_KIND" = postgres ]; then
    { echo "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE;"; pg_restore --no-owner -f - "$BACKUP"; } |
      psql "$PG_URL" -Xqw -v ON_ERROR_STOP=1 --single-transaction > /dev/null
  else
    cp -p "$BACKUP" "$SQLITE_DB.restoring" && rm -f "$SQLITE_DB-wal" "$SQLITE_DB-shm" && mv -f "$SQLITE_DB.restoring" "$SQLITE_DB"
  fi
}

# Jobs that are running now: the stop pauses them, and the new program resumes them.
running_jobs() {
  "$prefix/bin/engine" jobs list "${PROFILE_ARGS[@]}" 2> /dev/null | awk -F '\t' '$3 == "running" { printf "%s ", $1 }' || true
}

resume_jobs() {
  local job
  for job in $1; do
    if "$prefix/bin/engine" jobs resume "$job" "${PROFILE_ARGS[@]}" > /dev/null 2>&1; then
      say "resumed job $job"
    else
      say "job $job was not paused any more (done, or queued again): left as it is"
    fi
  done
}

# The previous program back (copied in, each entry replaced whole: a rollback cut short can run
# again), the database restored, the service started; previous/ goes only when all that worked.
rollback() {
  [ -f "$state" ] && [ -x "$prefix/previous/bin/engine" ] || die "$prefix: no previous program to roll back to" 2
  # shellcheck disable=SC1090
  . "$state"
  local entry
  service_stop "$prefix"
  for entry in $CORE_ENTRIES $EXTRA_ENTRIES; do
    rm -rf "${prefix:?}/$entry.new"
    if [ -e "$prefix/previous/$entry" ]; then cp -a "$prefix/previous/$entry" "$prefix/$entry.new"; fi
  done
  for entry in $CORE_ENTRIES $EXTRA_ENTRIES; do
    rm -rf "${prefix:?}/$entry"
    if [ -e "$prefix/$entry.new" ]; then mv "$prefix/$entry.new" "$prefix/$entry"; fi
  done
  write_serve_unit "$prefix"
  restore_store
  say "rolled back from $NEW_VERSION to $PREVIOUS_VERSION${BACKUP:+ (database restored from $BACKUP)}"
  service_start "$prefix"
  resume_jobs "$PAUSED_JOBS"
  rm -rf "$prefix/previous"
  "$prefix/test/smoke.sh" --prefix "$prefix" || die "the smoke test of the restored $PREVIOUS_VERSION fails too"
}

if [ "$mode" = rollback ]; then
  locate_store
  say "rolling back $prefix: what the newer program recorded since the upgrade goes with its database"
  rollback
  exit 0
fi

verify_release "$release"
NEW_VERSION=$(release_info "$release" version)
PREVIOUS_VERSION=$(release_info "$prefix" version)
if [ -f "$state" ] && grep -q "^UPGRADE_DONE=''" "$state"; then
  die "an upgrade of $prefix was cut short: roll it back first (./upgrade.sh --rollback --prefix $prefix)" 2
fi
if cmp -s "$release/SHA256SUMS" "$prefix/SHA256SUMS"; then
  say "$prefix already runs this release ($NEW_VERSION): nothing to do"
  exit 0
fi
locate_store
say "upgrading $prefix from $PREVIOUS_VERSION to $NEW_VERSION"

PAUSED_JOBS=$(running_jobs)
service_stop "$prefix"
# From here on a failure brings the old version back: the service before the program changed,
# a rollback after.
phase=stopped
on_exit() {
  local status=$?
  trap - EXIT
  [ $status -eq 0 ] && return
  case $phase in
    stopped) say "the upgrade failed before the program changed: starting $PREVIOUS_VERSION again"; service_start "$prefix" ;;
    installed)
      say "the upgrade failed: rolling back"
      (rollback) || die "the rollback failed too: see above"
      die "upgrade to $NEW_VERSION failed and was rolled back: $PREVIOUS_VERSION runs again, the database as it was before"
      ;;
  esac
  exit 1
}
trap on_exit EXIT
say "stopped the service${PAUSED_JOBS:+ (paused job(s) ${PAUSED_JOBS% })}"
backup_store
if [ -n "$BACKUP" ]; then say "backed up the database at migration $MIGRATION: $BACKUP"; fi

# The installed program, kept whole as previous/ (replacing the one before it), with what a
# rollback needs; UPGRADE_DONE is set once the new program passed its smoke test.
rm -rf "$prefix/previous.new"
mkdir -p "$prefix/previous.new"
for entry in $CORE_ENTRIES $EXTRA_ENTRIES; do
  if [ -e "$prefix/$entry" ]; then cp -a "$prefix/$entry" "$prefix/previous.new/$entry"; fi
done
printf 'PREVIOUS_VERSION=%q\nNEW_VERSION=%q\nBACKUP=%q\nPAUSED_JOBS=%q\nUPGRADE_DONE=%q\n' \
  "$PREVIOUS_VERSION" "$NEW_VERSION" "$BACKUP" "$PAUSED_JOBS" "" > "$prefix/previous.new/upgrade.state"
rm -rf "$prefix/previous" && mv "$prefix/previous.new" "$prefix/previous"

phase=installed
"$release/scripts/install.sh" --upgrade --prefix "$prefix" --binary "$release/bin/engine" > /dev/null
rm -f "$prefix/bin/engine.previous"  # previous/ holds it
install_program "$release" "$prefix"
write_serve_unit "$prefix"
service_start "$prefix"
say "started $NEW_VERSION"
resume_jobs "$PAUSED_JOBS"
# A failing smoke test is a failure after the stop like any other: the EXIT trap rolls back.
"$prefix/test/smoke.sh" --prefix "$prefix" || die "the smoke test of $NEW_VERSION failed"
sed -i "s/^UPGRADE_DONE=.*/UPGRADE_DONE=1/" "$state"
trap - EXIT
say "upgraded $prefix to $NEW_VERSION (the previous program: $prefix/previous/; ./upgrade.sh --rollback --prefix $prefix restores it)"

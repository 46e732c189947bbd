#!/usr/bin/env bash
# The smoke test of an installation (its own, or --prefix DIR's):
#
#   test/smoke.sh [--prefix DIR]
#
# engine --version names this release's schema migration; engine doctor passes for the
# installation's profile; a demo ingest into a throwaway profile (a temporary data dir, removed
# after) completes with every item stored; the running console answers /healthz ("ok") and
# /api/dashboard. One line per check; exit 1 when any fails.
set -uo pipefail
SCRIPT=smoke.sh
prefix=$(cd "$(dirname "$0")/.." && pwd)
[ "${1:-}" = --prefix ] && prefix=$(realpath -m "$2")
. "$prefix/lib/release-lib.sh"
read_install_conf "$prefix"
engine=$prefix/bin/engine
failed=0
check() {  # check NAME COMMAND...: runs it, prints ok or FAIL with its output
  local name=$1 output
  shift
  if output=$("$@" 2>&1); then
    echo "smoke: ok    $name"
  else
    echo "smoke: FAIL  $name"
    echo "$output" | tail -15 | sed 's/^/smoke:         /'
    failed=1
  fi
}

version() {
  local text wanted
  text=$("$engine" --version) || return 1
  echo "$text"
  wanted=$(release_info "$prefix" schema_migration)
  echo "$text" | grep -qx "schema $wanted" || { echo "the program writes another schema than RELEASE_INFO.txt's $wanted"; return 1; }
}

doctor() { "$engine" doctor "${PROFILE_ARGS[@]}"; }

demo_ingest() {
  local scratch summary
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/media-engine-smoke.XXXXXX") || return 1
  # Nothing of the installation's own settings (its store, library, backends, hooks): only
  # the throwaway profile's defaults.
  local unset=() name
  for name in $(compgen -e | grep '^ENGINE_'); do unset+=(-u "$name"); done
  summary=$(env "${unset[@]}" "$engine" run --graph default --data-dir "$scratch" --profile smoke --json < /dev/null 2>&1)
  local status=$?
  rm -rf "$scratch"
  echo "$summary"
  [ $status -eq 0 ] && echo "$summary" | grep -q '"status" *: *"completed"'
}

console() {
  local host port body auth=()
  host=$(setting "$prefix" console_host) && port=$(setting "$prefix" console_port) || return 1
  [ -n "$port" ] && [ "$port" != 0 ] || { echo "the console has no fixed port (console_port: '$port')"; return 1; }
  case "$host" in "" | 0.0.0.0 | "::" | localhost) host=127.0.0.1 ;; *:*) host="[$host]" ;; esac
  # Off loopback the console wants its token (kept in the profile's folder, the owner's only).
  [ -r "$PROFILE_DIR/console.token" ] && auth=(-H "Authorization: Bearer $(cat "$PROFILE_DIR/console.token")")
  wait_for_console "$host" "$port" || { echo "nothing answers http://$host:$port/healthz"; return 1; }
  body=$(curl -fsS "http://$host:$port/healthz") || return 1
  echo "$body"
  echo "$body" | grep -q '"status" *: *"ok"' || return 1
  body=$(curl -fsS "${auth[@]}" "http://$host:$port/api/dashboard") || { echo "/api/dashboard failed"; return 1; }
  echo "$body" | grep -q '"jobs"' || { echo "/api/dashboard has no jobs: $body"; return 1; }
}

check "engine --version" version
check "engine doctor" doctor
check "demo ingest (a throwaway profile)" demo_ingest
check "console /healthz and /api/dashboard" console
exit $failed

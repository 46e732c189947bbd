#!/usr/bin/env bash
# Builds a release package of MediaEngine:
#
#   scripts/release.sh VERSION [--source DIR] [--binary PATH] [--out DIR]
#
# → OUT/media-engine-VERSION-linux-x86_64.tar.gz (OUT default: release/), holding the release
# binary (debug info stripped), the bundled graphs and demo catalog, install.sh and upgrade.sh
# (over scripts/install.sh), lib/, test/smoke.sh, the example dev and prod profile configs,
# RELEASE_INFO.txt (version, commit, build date, Swift and library versions, schema migration),
# schema.sql and schema-postgresql.sql (the full DDL of that migration), migration/ (the SQL from
# every earlier migration to it: <from>_to_<to>.sql, postgresql/ for PostgreSQL) and SHA256SUMS
# over every file. The same commit gives the same files and tarball apart from RELEASE_INFO.txt's
# build date: files sorted, owners and times fixed (the commit's time), gzip without a name.
#
# --source DIR packages another checkout (a worktree of an earlier commit) with this packaging;
# --binary PATH takes a program already built from it instead of `swift build -c release`.
# VERSION must be the program's own (`engine --version`), or it with a suffix (0.12.0-rc1).
set -euo pipefail
packaging=$(cd "$(dirname "$0")/.." && pwd)
version="" source=$packaging binary="" out=$packaging/release
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source=$(realpath "$2"); shift 2 ;;
    --binary) binary=$(realpath "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    -*) echo "release.sh: unknown option '$1'" >&2; exit 2 ;;
    *) version=$1; shift ;;
  esac
done
[ -n "$version" ] || { echo "usage: scripts/release.sh VERSION [--source DIR] [--binary PATH] [--out DIR]" >&2; exit 2; }

if [ -z "$binary" ]; then
  # The checkout's path mapped to `.` in every file name the compilers write into the program
  # (C's __FILE__ in the TLS libraries' asserts, Swift's #filePath, debug info).
  maps=(-Xcc "-ffile-prefix-map=$source=." -Xswiftc -file-prefix-map -Xswiftc "$source=.")
  swift build -c release --product engine --package-path "$source" "${maps[@]}" >&2
  binary="$(swift build -c release --show-bin-path --package-path "$source" "${maps[@]}")/engine"
fi
[ -x "$binary" ] || { echo "release.sh: $binary is not an executable" >&2; exit 2; }
program_version=$("$binary" --version)
number=$(echo "$program_version" | sed -n 's/^engine //p')
case "$version" in
  "$number" | "$number"-*) ;;
  *) echo "release.sh: version $version is not the program's ($number)" >&2; exit 2 ;;
esac

name=media-engine-$version-linux-x86_64
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/$name
mkdir -p "$stage/bin" "$stage/graphs" "$stage/fixtures" "$stage/scripts" "$stage/lib" "$stage/test" "$stage/config" "$out"

# The program: debug info (which names the build machine's paths) stripped.
if [ "$(head -c 4 "$binary" | od -An -c | tr -d ' ')" = '177ELF' ]; then
  objcopy --strip-debug "$binary" "$stage/bin/engine"
else
  cp "$binary" "$stage/bin/engine"  # a wrapper script (tests)
fi
cp "$source"/graphs/*.yaml "$stage/graphs/"
cp -r "$source/fixtures/demo" "$source/fixtures/media" "$stage/fixtures/"
cp "$packaging/scripts/install.sh" "$stage/scripts/install.sh"
cp "$packaging/packaging/install.sh" "$packaging/packaging/upgrade.sh" "$stage/"
cp "$packaging/packaging/lib.sh" "$stage/lib/release-lib.sh"
cp "$packaging/packaging/smoke.sh" "$stage/test/smoke.sh"
cp "$packaging/packaging/config/"*.yaml "$stage/config/"

# The schema this program writes, and the way to it from every earlier migration (a program
# older than `engine store schema` ships none).
scratch=$work/scratch
migration=$(echo "$program_version" | sed -n 's/^schema //p')
pg_migration=""
if "$binary" store --help 2>&1 | grep -qE '^ +schema( |$)'; then
  "$binary" store schema --sql --dialect sqlite --data-dir "$scratch" > "$stage/schema.sql"
  "$binary" store schema --sql --dialect postgresql --data-dir "$scratch" > "$stage/schema-postgresql.sql"
  mkdir -p "$stage/migration/postgresql"
  for dialect in sqlite postgresql; do
    file=$stage/schema.sql folder=$stage/migration table=grdb_migrations column=identifier
    [ $dialect = postgresql ] && file=$stage/schema-postgresql.sql folder=$stage/migration/postgresql table=engine_migrations column=name
    # The migrations the schema records as applied, in order; the last is the current one.
    known=$(sed -n "s/^INSERT INTO $table ($column) VALUES ('\\([^']*\\)');*\$/\\1/p" "$file")
    last=$(echo "$known" | tail -1)
    [ -n "$last" ] || { echo "release.sh: $file records no migration: the schema output is not what this script reads" >&2; exit 1; }
    [ $dialect = postgresql ] && pg_migration=$last
    for from in $(echo "$known" | sed '$d'); do
      "$binary" store schema --sql --dialect $dialect --from "$from" --data-dir "$scratch" > "$folder/${from}_to_${last}.sql"
    done
  done
else
  echo "release.sh: $binary has no 'store schema': the release carries no schema files" >&2
fi
rm -rf "$scratch"

commit=$(git -C "$source" rev-parse HEAD)
# What the package is made of, changed or added since the commit (the program's sources and
# resources, and this packaging's own scripts), marks the commit as not the whole story.
if [ -n "$(git -C "$source" status --porcelain -- Sources Package.swift graphs fixtures 2> /dev/null)" ] ||
  [ -n "$(git -C "$packaging" status --porcelain -- packaging scripts/install.sh scripts/release.sh 2> /dev/null)" ]; then
  commit="$commit (with uncommitted changes)"
fi
epoch=$(git -C "$source" log -1 --format=%ct)
{
  echo "version: $version"
  echo "commit: $commit"
  echo "build_date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "swift: $(swift --version 2> /dev/null | head -1)"
  echo "$program_version" | sed -n 's/^\(libav\|libcurl\|sqlite\) \(.*\)$/\1: \2/p'
  echo "schema_migration: $migration"
  echo "postgresql_migration: ${pg_migration:-unknown}"
  echo "platform: linux-x86_64 (Debian 12: libavformat59, libcurl4, libsqlite3-0, libtcmalloc-minimal4)"
} > "$stage/RELEASE_INFO.txt"

# Modes set, not inherited from the build machine's umask.
find "$stage" -type d -exec chmod 755 {} +
find "$stage" -type f -exec chmod 644 {} +
chmod 755 "$stage/bin/engine" "$stage/install.sh" "$stage/upgrade.sh" "$stage/scripts/install.sh" "$stage/test/smoke.sh"
(cd "$stage" && find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum) > "$work/SHA256SUMS"
mv "$work/SHA256SUMS" "$stage/SHA256SUMS"
chmod 644 "$stage/SHA256SUMS"

tarball=$out/$name.tar.gz
LC_ALL=C tar --format=gnu --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner -C "$work" -cf - "$name" | gzip -n > "$tarball.partial"
mv -f "$tarball.partial" "$tarball"
echo "$tarball"

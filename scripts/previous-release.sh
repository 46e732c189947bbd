#!/usr/bin/env bash
# The program of an earlier commit, for the release tests (an upgrade from it, a rollback to it):
#
#   scripts/previous-release.sh [COMMIT]
#
# makes .build/previous-release/src a git worktree at COMMIT (default: engine 0.11.0, the last
# commit whose store is at migration v11-processors / pg3-processors) and builds its `engine`
# there (debug: the tests package it with scripts/release.sh --source … --binary …).
set -euo pipefail
cd "$(dirname "$0")/.."
commit=${1:-6b6186bb9de50e0494f23c4c18239d6cd17a0a2f}
dir=.build/previous-release/src
if [ "$(git -C "$dir" rev-parse HEAD 2> /dev/null)" != "$commit" ]; then
  rm -rf "$dir"
  git worktree prune
  mkdir -p "$(dirname "$dir")"
  git worktree add --detach "$dir" "$commit" > /dev/null
fi
swift build --product engine --package-path "$dir"

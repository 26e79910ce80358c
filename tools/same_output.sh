#!/usr/bin/env bash
# same_output.sh [BASE] : are the records of this checkout's build byte-identical to those of
# commit BASE (default HEAD) on the BBC set (all five folders), PolNeAR dev and train, and
# corpus/? Builds BASE in a temporary worktree, runs both builds (JSON Lines, the explain
# format for the rule trail, --only entities, --only quotes) and prints the first differences.
# Sets whose data is not in ../shared/data are skipped. Exit 0 identical, 1 differences.
set -u
cd "$(dirname "$0")/.."
BASE=${1:-HEAD}
D=../shared/data
NEW=build/quarry
t=$(mktemp -d)
trap 'git worktree remove --force "$t/base" >/dev/null 2>&1; rm -rf "$t"' EXIT
make -s -j2 "$NEW" >/dev/null || { echo "same_output: build failed"; exit 2; }
git worktree add --detach "$t/base" "$BASE" >/dev/null 2>&1 || { echo "same_output: no commit $BASE"; exit 2; }
make -s -C "$t/base" -j2 build/quarry >/dev/null 2>&1 || { echo "same_output: $BASE does not build"; exit 2; }
rc=0
OLD=("$t/base/build/quarry" extract)
NEW=("$NEW" extract)
. tools/compare_sets.sh
compare_sets
exit $rc

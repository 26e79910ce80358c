#!/bin/sh
# `make run` (issue #32): what a person wants to see first, not 130 lines of JSON. Checks that
# it prints the seed article's summary (who said what, the people, places and organisations),
# no JSON record, fits a screen or two (under 60 lines), and says where the records are: the
# file it names holds exactly the JSON Lines of `quarry extract` on the seed.
# Usage: sh tests/run.sh MAKE BUILD
set -e
MAKE=${1:-make}
BUILD=${2:-build}
SEED=corpus/000_663e7d9d773130fa.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "run: FAIL: $*" >&2; exit 1; }

$MAKE -s run BUILD="$BUILD" > "$tmp/out" 2> "$tmp/err" || fail "make run failed: $(cat "$tmp/err")"
n=$(wc -l < "$tmp/out")
[ "$n" -lt 60 ] || fail "make run printed $n lines (a summary fits under 60)"
grep -q '^{"doc"' "$tmp/out" && fail "make run printed JSON records"
grep -q '^== 000_663e7d9d773130fa: [0-9]* quotes, ' "$tmp/out" || fail "no summary header: $(head -3 "$tmp/out")"
grep -q '^Who said what$' "$tmp/out" || fail "no 'Who said what' section"
grep -q '^People ([0-9]*): ' "$tmp/out" || fail "no people line"
grep -q '^Places ([0-9]*): ' "$tmp/out" || fail "no places line"
path=$(sed -n 's/^The records, one JSON object a line ([0-9]* lines): //p' "$tmp/out")
[ -n "$path" ] || fail "make run does not say where the records are"
[ -f "$path" ] || fail "the records file $path is missing"
"$BUILD/quarry" extract -q "$SEED" > "$tmp/want"
cmp -s "$tmp/want" "$path" || fail "$path is not the JSON Lines of quarry extract $SEED"
echo "run: make run: $n lines of summary; records in $path ($(wc -l < "$path") lines)"

#!/bin/sh
# Start-up (docs/PERFORMANCE.md, "Session 22: start-up"): every quarry command loads and
# compiles the built-in rules, 241,000 lexicon lines among them, before it reads a byte. On a
# one-word file, `quarry extract` must stay below STARTUP_RSS_MB (50) of peak RSS: the lexicon
# tables are sized once per file, not grown by doubling with the old and the new table alive
# at once (57 MB before session 22, 42 MB after). STARTUP_RSS_MB=0 skips the limit (make asan:
# ASan's shadow memory has its own cost). The records must be those of the same word with
# the rules read from rules/ on disk (a lexicon read in place from the embedded tree or from
# a file gives the same tries), and the shipped rules must compile without a warning.
# Usage: sh tests/startup.sh build/quarry build/peakrss
set -e
Q=${1:-build/quarry}
PEAK=${2:-build/peakrss}
LIMIT=${STARTUP_RSS_MB:-50}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "startup: FAIL: $*" >&2; exit 1; }

printf 'Baghdad\n' > "$tmp/one.txt"
"$PEAK" -o "$tmp/rss" "$Q" extract -q "$tmp/one.txt" > "$tmp/builtin.jsonl" ||
    fail "quarry extract failed: $(cat "$tmp/rss")"
kb=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$tmp/rss")
[ -n "$kb" ] || fail "no peak RSS: $(cat "$tmp/rss")"
echo "startup: quarry extract on a one-word file: peak RSS $kb kB (limit ${LIMIT} MB, 0: none)"
[ "$LIMIT" -eq 0 ] || [ "$kb" -lt $((LIMIT * 1024)) ] ||
    fail "peak RSS $kb kB at start-up, over $LIMIT MB"
grep -q '"type":"PLACE"' "$tmp/builtin.jsonl" || fail "no PLACE record for Baghdad: $(cat "$tmp/builtin.jsonl")"
"$Q" extract -q --rules rules "$tmp/one.txt" > "$tmp/disk.jsonl" 2> "$tmp/disk.err" ||
    fail "quarry extract --rules rules failed: $(cat "$tmp/disk.err")"
cmp -s "$tmp/builtin.jsonl" "$tmp/disk.jsonl" || fail "records differ between the built-in rules and --rules rules"
# the shipped rules compile without a warning (a rule author who copies rules/ starts clean)
"$Q" check --rules rules > /dev/null 2> "$tmp/check.err" || fail "quarry check --rules rules failed: $(cat "$tmp/check.err")"
[ ! -s "$tmp/check.err" ] || fail "quarry check --rules rules warns: $(head -3 "$tmp/check.err")"
echo "startup: ok"

#!/bin/sh
# Throughput benchmarks. Usage (from the repository root): sh bench/run.sh [build/quarry]
#
# Input: ../shared/data/bbc (BBC News, evaluation only, never copied here) when it exists,
# otherwise corpus/*.txt repeated to at least 10 MB. Prints one table row per benchmark;
# add rows for the full pipeline with `row NAME MBPS TOKPS` below.
set -eu

here=$(dirname "$0")
root=$(cd "$here/.." && pwd)
cd "$root"

QUARRY=${1:-build/quarry}       # the CLI, for the pipeline and start-up rows
CC=${CC:-cc}
REPS=${REPS:-7}
BUILD=${BUILD:-build}
mkdir -p "$BUILD"

pkg_cflags=$(pkg-config --cflags libutf8proc 2>/dev/null || true)
pkg_libs=$(pkg-config --libs libutf8proc 2>/dev/null || echo -lutf8proc)
# shellcheck disable=SC2086
$CC -std=c11 -O2 -g -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc $pkg_cflags \
    src/arena.c src/text.c src/token.c bench/bench_tokenize.c $pkg_libs -lm \
    -o "$BUILD/bench_tokenize"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
all="$tmp/all.txt"

bbc="$here/../../shared/data/bbc"
if [ -d "$bbc" ]; then
    input=$bbc
    label="BBC News ($bbc)"
    find "$bbc" -type f -name '*.txt' | LC_ALL=C sort | while IFS= read -r f; do
        cat "$f"
    done >"$all"
else
    set -- corpus/*.txt
    if [ ! -e "$1" ]; then
        echo "bench: no input (neither $bbc nor corpus/*.txt)" >&2
        exit 2
    fi
    : >"$all"
    while [ "$(wc -c <"$all")" -lt 10485760 ]; do
        cat "$@" >>"$all"
    done
    input=$all
    label="corpus/*.txt repeated to >= 10 MB"
fi
bytes=$(wc -c <"$all" | tr -d ' ')

echo "input: $label, $bytes bytes"

out=$("$BUILD/bench_tokenize" -n "$REPS" "$input")
result=$(printf '%s\n' "$out" | grep '^RESULT ')
tok_mbps=$(printf '%s\n' "$result" | sed 's/.* mbps=\([0-9.]*\).*/\1/')
tok_tps=$(printf '%s\n' "$result" | sed 's/.* tokps=\([0-9.]*\).*/\1/')
tok_n=$(printf '%s\n' "$result" | sed 's/.* tokens=\([0-9]*\).*/\1/')

# wc -w over the same bytes: REPS runs, median wall time.
times=""
r=0
while [ "$r" -lt "$REPS" ]; do
    t0=$(date +%s%N)
    wc -w <"$all" >/dev/null
    t1=$(date +%s%N)
    times="$times $((t1 - t0))"
    r=$((r + 1))
done
wc_ns=$(printf '%s\n' $times | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
wc_mbps=$(awk -v b="$bytes" -v ns="$wc_ns" 'BEGIN { printf "%.1f", b / ns * 1000 }')
wc_words=$(wc -w <"$all" | tr -d ' ')
wc_tps=$(awk -v w="$wc_words" -v ns="$wc_ns" 'BEGIN { printf "%.0f", w / ns * 1e9 }')

row() { printf '%-34s %10s %14s\n' "$1" "$2" "$3"; }

echo
row "benchmark (median of $REPS)" "MB/s" "tokens/s"
row "tokenizer (text_init+tokenize)" "$tok_mbps" "$tok_tps"
row "wc -w" "$wc_mbps" "$wc_tps"

# The full default pipeline, JSONL to /dev/null: one process over the same bytes as one
# JSONL stream would need parsing; run it over the input folder (or the repeated file).
median_ns() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
"$QUARRY" extract -q "$input" >/dev/null   # warm-up
times=""
r=0
while [ "$r" -lt "$REPS" ]; do
    t0=$(date +%s%N)
    "$QUARRY" extract -q "$input" >/dev/null
    t1=$(date +%s%N)
    times="$times $((t1 - t0))"
    r=$((r + 1))
done
full_ns=$(printf '%s\n' $times | median_ns)
full_mbps=$(awk -v b="$bytes" -v ns="$full_ns" 'BEGIN { printf "%.1f", b / ns * 1000 }')
full_tps=$(awk -v t="$tok_n" -v ns="$full_ns" 'BEGIN { printf "%.0f", t / ns * 1e9 }')
row "quarry extract (default rules)" "$full_mbps" "$full_tps"

# Start-up: compiling the embedded default rules (lexicons included), via `quarry check`.
times=""
r=0
while [ "$r" -lt "$REPS" ]; do
    t0=$(date +%s%N)
    "$QUARRY" check >/dev/null
    t1=$(date +%s%N)
    times="$times $((t1 - t0))"
    r=$((r + 1))
done
start_ns=$(printf '%s\n' $times | median_ns)
echo
awk -v ns="$start_ns" 'BEGIN { printf "start-up with the default rules (quarry check, whole process): %.1f ms\n", ns / 1e6 }'
awk -v a="$full_mbps" -v b="$wc_mbps" 'BEGIN { printf "ratio quarry extract/wc: %.2f\n", a / b }'

awk -v a="$tok_mbps" -v b="$wc_mbps" 'BEGIN { printf "ratio tokenizer/wc: %.2f\n", a / b }'
echo "tokens: $tok_n, wc words: $wc_words"

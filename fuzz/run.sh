#!/bin/sh
# Runs the libFuzzer targets built by `make fuzz`, each for SECONDS, side by side.
#   sh fuzz/run.sh BUILD_DIR SECONDS TARGET...
# Seeds are copied at fuzz time into fuzz/corpus-<target>/ (git-ignored; kept between runs so
# coverage accumulates): the kept findings in fuzz/regressions/<target>/ and, for rules, the
# shipped rule files and rule tests; for extract, corpus/*.txt and a few generated hostile
# documents. A crash lands in BUILD_DIR/artifacts-<target>/; copy it into
# fuzz/regressions/<target>/ once fixed. The log of each run is BUILD_DIR/fuzz-<target>.log.
set -u
B=${1:-build/fuzz}
S=${2:-60}
shift 2 || true
[ $# -gt 0 ] || set -- rules extract
cd "$(dirname "$0")/.." || exit 2
pids=""
for t in "$@"; do
    c=fuzz/corpus-$t
    mkdir -p "$c" "$B/artifacts-$t"
    cp fuzz/regressions/$t/* "$c/" 2>/dev/null
    case $t in
    rules)
        for f in rules/*.rules tests/rules/*.test; do
            [ -f "$f" ] && cp "$f" "$c/seed-$(basename "$f")"
        done ;;
    extract)
        for f in corpus/*.txt; do
            [ -f "$f" ] && { printf '\000' | cat - "$f" > "$c/seed-$(basename "$f")"; }
        done
        printf '\001\xef\xbb\xbf"Hi," he said.\r\n\r\n\xff\xfe\000 \xe2\x80\x9cA\xe2\x80\x9d' > "$c/seed-bad-bytes"
        printf '\002\xd0\x9c\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 \xe5\x8c\x97\xe4\xba\xac \xd8\xa8\xd8\xba\xd8\xaf\xd8\xa7\xd8\xaf' > "$c/seed-scripts"
        ;;
    esac
    dict=""   # fuzz_match draws choices from its bytes: no dictionary
    [ -f fuzz/$t.dict ] && dict="-dict=fuzz/$t.dict"
    echo "fuzz: $t for ${S}s (log $B/fuzz-$t.log)"
    "$B/fuzz_$t" -max_total_time="$S" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        $dict -artifact_prefix="$B/artifacts-$t/" -print_final_stats=1 \
        "$c" > "$B/fuzz-$t.log" 2>&1 &
    pids="$pids $!"
done
rc=0
for p in $pids; do wait "$p" || rc=1; done
for t in "$@"; do
    echo "== $t: $(grep -E '^#[0-9]+' "$B/fuzz-$t.log" | tail -1)"
    grep -E 'ERROR:|runtime error|Test unit written' "$B/fuzz-$t.log" | head -5
done
[ $rc = 0 ] && echo "fuzz: no crash" || echo "fuzz: a target crashed (see the artifacts above)"
exit $rc

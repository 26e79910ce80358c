#!/bin/sh
# make bench: one table of throughput, scaling, pathological-input and streaming rows
# (docs/PERFORMANCE.md describes each row). Usage, from the repository root:
#   sh bench/run.sh [build/quarry]
# Needs build/bench-gen (bench/gen.c) and build/peakrss (bench/peakrss.c); `make bench`
# builds them. Input: the BBC News articles in ../shared/data/bbc (evaluation data, read in
# place, never copied into the repository) when present, otherwise corpus/*.txt copied to
# at least 10 MB of documents in a temporary folder.
#
# Settings (environment, or make variables: make bench REPS=7):
#   REPS=5              timed runs per row (median, after a warm-up run)
#   JOBS="1 2"          thread counts of the quarry extract rows
#   SCALE_SIZES="1K 1M 10M"     one-document scaling rows; the issue's 100 MB row:
#                               SCALE_SIZES="1K 1M 100M" (slow: minutes at today's speed)
#   BIGDOC_MB=50        one document of that many MiB through quarry extract: peak RSS per
#                       input byte (limit 8; README "One large document"); 0 skips the row
#   LEX_MULTS="10 100"  extra synthetic lexicon of N x the shipped lexicon entries
#   PATH_MB=10          size of the '"' and no-punctuation documents
#   PATH_CAPS=100000 PATH_NESTED=50000 PATH_LEXHITS=100000   counts of the other shapes
#   STREAM_SIZES="16 64"        MB of JSONL streamed through quarry extract --input jsonl
#   STREAM_RSS_MB=64    the peak RSS limit of the streaming rows
#   ONLY=               stream: the streaming rows alone (make bench-stream)
#   QUARRY_DATA=../shared/data
set -eu

here=$(dirname "$0")
root=$(cd "$here/.." && pwd)
cd "$root"

QUARRY=${1:-build/quarry}
BUILD=${BUILD:-build}
GEN=${GEN:-$BUILD/bench-gen}
PEAK=${PEAK:-$BUILD/peakrss}
REPS=${REPS:-5}
JOBS=${JOBS-1 2}
SCALE_SIZES=${SCALE_SIZES-1K 1M 10M}
LEX_MULTS=${LEX_MULTS-10 100}
BIGDOC_MB=${BIGDOC_MB:-50}
PATH_MB=${PATH_MB:-10}
PATH_CAPS=${PATH_CAPS:-100000}
PATH_NESTED=${PATH_NESTED:-50000}
PATH_LEXHITS=${PATH_LEXHITS:-100000}
STREAM_SIZES=${STREAM_SIZES-16 64}
STREAM_RSS_MB=${STREAM_RSS_MB:-64}
ONLY=${ONLY:-}
DATA=${QUARRY_DATA:-$root/../shared/data}

for t in "$QUARRY" "$GEN" "$PEAK"; do
    if [ ! -x "$t" ]; then
        echo "bench: $t is missing (run make bench)" >&2
        exit 2
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
status=0

# ---- input ---------------------------------------------------------------------------
bbc="$DATA/bbc"
if [ -d "$bbc" ] && [ -n "$(find "$bbc" -mindepth 2 -name '*.txt' | head -1)" ]; then
    # the article folders only (the top level holds README files)
    srcs=$(find "$bbc" -mindepth 1 -maxdepth 1 -type d | LC_ALL=C sort | tr '\n' ' ')
    label="BBC News ($bbc)"
    srcname="BBC News"
else
    set -- corpus/*.txt
    if [ ! -e "$1" ]; then
        echo "bench: no input (neither $bbc nor corpus/*.txt)" >&2
        exit 2
    fi
    mkdir "$tmp/in"
    "$GEN" files 10M "$tmp/in" "$@"
    srcs="$tmp/in"
    label="corpus/*.txt copied to >= 10 MB ($bbc is absent)"
    srcname="corpus"
fi
# shellcheck disable=SC2086
find $srcs -type f -name '*.txt' | LC_ALL=C sort | while IFS= read -r f; do cat "$f"; done >"$tmp/all.txt"
bytes=$(wc -c <"$tmp/all.txt" | tr -d ' ')
ndocs=$(find $srcs -type f -name '*.txt' | wc -l | tr -d ' ')

# ---- helpers ---------------------------------------------------------------------------
# kv KEY TEXT: the value of KEY=value in TEXT (first match)
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'; }
div() { awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN { if (b + 0 == 0) print "-"; else printf f, a / b }'; }
now_ns() { date +%s%N; }

W1=46
hdr() {
    printf '\n%s\n' "$1"
    printf '%-*s %8s %9s %10s %7s %8s  %s\n' "$W1" "" "MB" "MB/s" "tokens/s" "vs wc" "RSS MB" "notes"
}
# row NAME MB MBPS TOKPS VSWC RSSMB NOTES
row() { printf '%-*s %8s %9s %10s %7s %8s  %s\n' "$W1" "$1" "$2" "$3" "$4" "$5" "$6" "$7"; }
human_tps() { awk -v t="$1" 'BEGIN { if (t == "" || t == "-") print "-"; else if (t >= 1e6) printf "%.2f M", t / 1e6; else printf "%.0f k", t / 1e3 }'; }
mb_of() { awk -v b="$1" 'BEGIN { if (b < 1e5) printf "%.4f", b / 1e6; else printf "%.2f", b / 1e6 }'; }
rss_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# bench_row NAME FILE_OR_DIRS... : quarry bench --raw --stage full over them; sets b_out
bench_full() {
    b_out=$("$QUARRY" bench --raw -n "$REPS" --stage full "$@") || {
        echo "bench: quarry bench $* failed" >&2
        status=1
        b_out=""
    }
}

echo "quarry bench, $(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') cores, load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
echo "input: $label: $ndocs documents, $bytes bytes"
[ "$ONLY" = stream ] || echo "every row: median of $REPS runs after a warm-up run, unless it says otherwise; MB = 10^6 bytes; RSS = peak resident set"

if [ "$ONLY" != stream ]; then
# ---- wc -w ---------------------------------------------------------------------------
times=""
wc -w <"$tmp/all.txt" >/dev/null
r=0
while [ "$r" -lt "$REPS" ]; do
    t0=$(now_ns)
    wc -w <"$tmp/all.txt" >/dev/null
    t1=$(now_ns)
    times="$times $((t1 - t0))"
    r=$((r + 1))
done
wc_ns=$(printf '%s\n' $times | median)
wc_mbps=$(awk -v b="$bytes" -v ns="$wc_ns" 'BEGIN { printf "%.1f", b / ns * 1000 }')
wc_words=$(wc -w <"$tmp/all.txt" | tr -d ' ')
wc_tps=$(awk -v w="$wc_words" -v ns="$wc_ns" 'BEGIN { printf "%.0f", w / ns * 1e9 }')
vs_wc() { div "$1" "$wc_mbps" "%.3f"; }
mb_all=$(mb_of "$bytes")

hdr "throughput, single thread unless -j"
row "wc -w (same bytes, same run)" "$mb_all" "$wc_mbps" "$(human_tps "$wc_tps")" "1" "-" "$wc_words words"

# ---- quarry bench: the three stages, in process ----------------------------------------
# shellcheck disable=SC2086
out=$("$QUARRY" bench --raw -n "$REPS" $srcs) || { echo "bench: quarry bench failed" >&2; exit 1; }
startup=$(kv startup_ms "$(printf '%s\n' "$out" | grep '^rules ')")
rss=$(rss_mb "$(kv rss_kb "$(printf '%s\n' "$out" | grep '^rss_kb=')")")
news_sec_mb=""
full_mbps=""
for st in tokens lexicon full; do
    line=$(printf '%s\n' "$out" | grep "^stage name=$st " || true)
    mbps=$(kv mbps "$line")
    tps=$(kv tokps "$line")
    case $st in
        tokens) name="(a) tokenizer"; note="$(kv tokens "$line") tokens" ;;
        lexicon) name="(b) tokenizer + lexicons"; note="$(kv hits "$line") lexicon hits" ;;
        full) name="(c) full pipeline, JSONL (in process)"; note="$(kv records "$line") records; $(kv busy "$line") cores busy"
              news_sec_mb=$(div 1 "$mbps" "%.6f"); full_mbps=$mbps ;;
    esac
    row "$name" "$mb_all" "$(fmt "$mbps" "%.2f")" "$(human_tps "$tps")" "$(vs_wc "$mbps")" "$rss" "$note"
done
# shellcheck disable=SC2086
out2=$("$QUARRY" bench --raw -n "$REPS" --stage full -j 2 $srcs) || status=1
line=$(printf '%s\n' "$out2" | grep '^stage name=full ' || true)
mbps=$(kv mbps "$line")
row "(c) full pipeline, -j 2 (in process)" "$mb_all" "$(fmt "$mbps" "%.2f")" "$(human_tps "$(kv tokps "$line")")" "$(vs_wc "$mbps")" \
    "$(rss_mb "$(kv rss_kb "$(printf '%s\n' "$out2" | grep '^rss_kb=')")")" "speed-up $(div "$mbps" "$full_mbps" "%.2f")x over -j 1 (target >= 1.8); $(kv busy "$line") cores busy"
# entity records alone: the default rules stop after their last entity phase
# shellcheck disable=SC2086
out3=$("$QUARRY" bench --raw -n "$REPS" --stage full --only entities $srcs) || status=1
line=$(printf '%s\n' "$out3" | grep '^stage name=full ' || true)
mbps=$(kv mbps "$line")
row "(c) full pipeline, --only entities" "$mb_all" "$(fmt "$mbps" "%.2f")" "$(human_tps "$(kv tokps "$line")")" "$(vs_wc "$mbps")" "" \
    "$(kv records "$line") records (no quote phases); $(div "$mbps" "$full_mbps" "%.2f")x row (c)"

# ---- quarry extract as a process: reading files, start-up, output to /dev/null -------------
ntok=$(kv tokens "$(printf '%s\n' "$out" | grep '^stage name=tokens ')")
# the thread counts take turns run by run, so that load from elsewhere on a shared machine
# falls on all of them alike
for j in $JOBS; do
    # shellcheck disable=SC2086
    "$QUARRY" extract -q -j "$j" $srcs >/dev/null   # warm-up
    : >"$tmp/runs.$j"
done
r=0
while [ "$r" -lt "$REPS" ]; do
    for j in $JOBS; do
        # shellcheck disable=SC2086
        "$PEAK" -o "$tmp/peak" "$QUARRY" extract -q -j "$j" $srcs >/dev/null || status=1
        cat "$tmp/peak" >>"$tmp/runs.$j"
    done
    r=$((r + 1))
done
j1_wall=""
for j in $JOBS; do
    wall=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' "$tmp/runs.$j" | median)
    cpu=$(sed -n 's/.*cpu_s=\([0-9.]*\).*/\1/p' "$tmp/runs.$j" | median)
    rk=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$tmp/runs.$j" | sort -n | tail -1)
    mbps=$(awk -v b="$bytes" -v s="$wall" 'BEGIN { printf "%.2f", b / s / 1e6 }')
    note="whole process, JSONL to /dev/null; $(div "$cpu" "$wall" "%.2f") cores busy"
    if [ -z "$j1_wall" ]; then j1_wall=$wall; else note="$note; speed-up $(div "$j1_wall" "$wall" "%.2f")x over -j $(echo $JOBS | cut -d' ' -f1)"; fi
    row "(c) quarry extract -j $j" "$mb_all" "$mbps" "$(human_tps "$(div "$ntok" "$wall" "%.0f")")" "$(vs_wc "$mbps")" "$(rss_mb "$rk")" "$note"
done

# start-up: in process (from quarry bench) and the whole `quarry check` process
times=""
r=0
while [ "$r" -lt "$REPS" ]; do
    t0=$(now_ns)
    "$QUARRY" check >/dev/null
    t1=$(now_ns)
    times="$times $((t1 - t0))"
    r=$((r + 1))
done
check_ms=$(printf '%s\n' $times | median | awk '{ printf "%.1f", $1 / 1e6 }')
echo
echo "start-up, default rules: $(fmt "$startup" "%.1f") ms compiling in process; $check_ms ms for the whole quarry check process (target < 50 ms)"

# ---- scaling: one document of each size, and rule sets with bigger lexicons --------------
hdr "scaling (full pipeline, one document of $srcname text cut to size)"
for size in $SCALE_SIZES; do
    # shellcheck disable=SC2086
    "$GEN" text "$size" $srcs >"$tmp/scale.txt"
    bench_full "$tmp/scale.txt"
    line=$(printf '%s\n' "$b_out" | grep '^stage name=full ' || true)
    [ -n "$line" ] || continue
    sec_mb=$(div "$(kv sec "$line")" "$(awk -v b="$(wc -c <"$tmp/scale.txt")" 'BEGIN { print b / 1e6 }')" "%.6f")
    row "one document of $size" "$(mb_of "$(wc -c <"$tmp/scale.txt")")" "$(fmt "$(kv mbps "$line")" "%.2f")" "$(human_tps "$(kv tokps "$line")")" \
        "$(vs_wc "$(kv mbps "$line")")" "$(rss_mb "$(kv rss_kb "$(printf '%s\n' "$b_out" | grep '^rss_kb=')")")" \
        "$(awk -v s="$sec_mb" 'BEGIN { printf "%.0f ms/MB", s * 1000 }'), $(div "$sec_mb" "$news_sec_mb" "%.2f")x the time/MB of row (c)"
done
rm -f "$tmp/scale.txt"
case " $SCALE_SIZES " in
    *" 100M "*) ;;
    *) echo "(the issue's 100 MB row is not run by default: SCALE_SIZES=\"1K 1M 100M\" make bench)" ;;
esac

# one large document: quarry extract's peak RSS per input byte (windows of QUARRY_WINDOW_BYTES)
if [ "$BIGDOC_MB" -gt 0 ]; then
    # shellcheck disable=SC2086
    "$GEN" text "${BIGDOC_MB}M" $srcs >"$tmp/big.txt"
    bb=$(wc -c <"$tmp/big.txt" | tr -d ' ')
    "$PEAK" -o "$tmp/peak" "$QUARRY" extract -q "$tmp/big.txt" >/dev/null || status=1
    p=$(cat "$tmp/peak")
    rk=$(kv maxrss_kb "$p")
    per=$(awk -v k="$rk" -v b="$bb" 'BEGIN { printf "%.2f", k * 1024 / b }')
    verdict=$(awk -v r="$per" 'BEGIN { print (r <= 8) ? "ok" : "OVER" }')
    [ "$verdict" = ok ] || status=1
    row "one document of $BIGDOC_MB MiB, quarry extract" "$(mb_of "$bb")" "$(awk -v b="$bb" -v s="$(kv wall_s "$p")" 'BEGIN { printf "%.2f", b / s / 1e6 }')" "-" "-" \
        "$(rss_mb "$rk")" "one run; peak RSS $per bytes per input byte (limit 8): $verdict"
    rm -f "$tmp/big.txt"
fi

shipped=$(cat rules/lexicons/*.txt | grep -v '^#' | grep -c -v '^[[:space:]]*$')
for m in $LEX_MULTS; do
    n=$((shipped * m))
    mkdir -p "$tmp/lex$m"
    "$GEN" lexicon "$n" >"$tmp/lex$m/extra.txt"
    {
        echo "# bench: the default rules and a synthetic lexicon of $n entries"
        echo "include \"$root/rules/quarry.rules\""
        echo "lexicon BENCHX \"extra.txt\""
        echo "rule bench.extra : @BENCHX -> ORG ;"
    } >"$tmp/lex$m/bench.rules"
    # shellcheck disable=SC2086
    bench_full --rules "$tmp/lex$m/bench.rules" $srcs
    line=$(printf '%s\n' "$b_out" | grep '^stage name=full ' || true)
    [ -n "$line" ] || continue
    su=$(kv startup_ms "$(printf '%s\n' "$b_out" | grep '^rules ')")
    row "rules + $m x lexicon ($n extra entries)" "$mb_all" "$(fmt "$(kv mbps "$line")" "%.2f")" "$(human_tps "$(kv tokps "$line")")" \
        "$(vs_wc "$(kv mbps "$line")")" "$(rss_mb "$(kv rss_kb "$(printf '%s\n' "$b_out" | grep '^rss_kb=')")")" \
        "start-up $(fmt "$su" "%.0f") ms; $(div "$(kv mbps "$line")" "$full_mbps" "%.2f")x the default rules' MB/s"
    rm -rf "$tmp/lex$m"
done

# ---- pathological inputs: time per MB beside news text's ------------------------------------
hdr "pathological inputs (full pipeline, one document each)"
lexfiles="rules/lexicons/countries.txt rules/lexicons/cities.txt rules/lexicons/given_names.txt rules/lexicons/titles.txt"
for shape in quotes nopunct caps nested lexhits; do
    case $shape in
        quotes) "$GEN" quotes "${PATH_MB}M" >"$tmp/p.txt"; name="$PATH_MB MB of '\"'" ;;
        nopunct) "$GEN" nopunct "${PATH_MB}M" $srcs >"$tmp/p.txt"; name="$PATH_MB MB paragraph, no punctuation" ;;
        caps) "$GEN" caps "$PATH_CAPS" >"$tmp/p.txt"; name="$PATH_CAPS capitalised words in a row" ;;
        nested) "$GEN" nested "$PATH_NESTED" >"$tmp/p.txt"; name="$PATH_NESTED nested/alternating quote marks" ;;
        lexhits) "$GEN" lexhits "$PATH_LEXHITS" $lexfiles >"$tmp/p.txt"; name="$PATH_LEXHITS lexicon hits in a row" ;;
    esac
    bench_full "$tmp/p.txt"
    line=$(printf '%s\n' "$b_out" | grep '^stage name=full ' || true)
    [ -n "$line" ] || continue
    pb=$(wc -c <"$tmp/p.txt" | tr -d ' ')
    sec_mb=$(div "$(kv sec "$line")" "$(awk -v b="$pb" 'BEGIN { print b / 1e6 }')" "%.6f")
    ratio=$(div "$sec_mb" "$news_sec_mb" "%.2f")
    verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 3) ? "ok" : "OVER 3x" }')
    row "$name" "$(mb_of "$pb")" "$(fmt "$(kv mbps "$line")" "%.2f")" "$(human_tps "$(kv tokps "$line")")" "$(vs_wc "$(kv mbps "$line")")" \
        "$(rss_mb "$(kv rss_kb "$(printf '%s\n' "$b_out" | grep '^rss_kb=')")")" \
        "time/MB ${ratio}x news text's (limit 3): $verdict; $(kv tokens "$line") tokens, $(kv steps "$line") VM steps"
done
rm -f "$tmp/p.txt"
fi

# ---- streaming: JSONL on stdin, memory flat in the stream's size ----------------------------
hdr "streaming: $srcname texts as JSONL on stdin (quarry extract --input jsonl, -j = cores, one run each)"
first_rss=""
for s in $STREAM_SIZES; do
    # shellcheck disable=SC2086
    "$GEN" jsonl "${s}M" $srcs | "$PEAK" -o "$tmp/peak" "$QUARRY" extract --input jsonl -q >/dev/null || status=1
    p=$(cat "$tmp/peak")
    rk=$(kv maxrss_kb "$p")
    wall=$(kv wall_s "$p")
    cpu=$(kv cpu_s "$p")
    sb=$((s * 1048576))
    over=$(awk -v k="$rk" -v l="$STREAM_RSS_MB" 'BEGIN { print (k / 1024 <= l) ? "ok" : "OVER" }')
    [ "$over" = ok ] || status=1
    [ -n "$first_rss" ] || first_rss=$rk
    row "$s MiB of JSONL" "$(mb_of "$sb")" "$(awk -v b="$sb" -v s="$wall" 'BEGIN { printf "%.2f", b / s / 1e6 }')" "-" "-" "$(rss_mb "$rk")" \
        "$(div "$cpu" "$wall" "%.2f") cores busy; peak RSS <= $STREAM_RSS_MB MB: $over; $(div "$rk" "$first_rss" "%.2f")x the first row's RSS"
done
exit "$status"

#!/bin/sh
# Output formats end to end on the seed article with the default rules:
#  - brat written with --out-dir, scored by `quarry eval --brat` against itself: every
#    score 100 and the counts equal the JSONL records (entities by type, quotes);
#  - brat on stdout: one "# doc: ID" line per document;
#  - --only entities / --only quotes: the lines of that kind of a full run;
#  - --matcher reference / QUARRY_MATCHER: the same output as the fast matcher; bad values
#    are usage errors (exit 2);
#  - `--input jsonl` through GNU parallel --pipe -N with several jobs: the sorted records
#    equal a single-process run (parallel is installed when missing, as root).
set -e
Q=${1:-build/quarry}
SEED=corpus/000_663e7d9d773130fa.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "formats: FAIL: $*" >&2; exit 1; }

# ---- brat -> quarry eval --brat ----------------------------------------------------------
"$Q" extract --format brat --out-dir "$tmp/brat" "$SEED"
[ -f "$tmp/brat/000_663e7d9d773130fa.ann" ] || fail "no .ann written"
cmp -s "$tmp/brat/000_663e7d9d773130fa.txt" "$SEED" || fail ".txt differs from the article"
grep -q '^# doc:' "$tmp/brat/000_663e7d9d773130fa.ann" && fail "--out-dir .ann has a '# doc:' line"
"$Q" eval --brat "$tmp/brat" --map PERSON=PERSON,PLACE=PLACE,ORG=ORG,ROLE=ROLE --json > "$tmp/score.json"
"$Q" extract "$SEED" > "$tmp/seed.jsonl"
nent=$(grep -c '"kind":"entity"' "$tmp/seed.jsonl")
nq=$(grep -c '"kind":"quote"' "$tmp/seed.jsonl")
# every p/r/f1/source_acc in the summary is 100
bad=$(tr ',' '\n' < "$tmp/score.json" | grep -E '"(p|r|f1|source_acc)":' | grep -v ':100.00' || true)
[ -z "$bad" ] || fail "brat scores below 100: $bad"
grep -q "\"entities\":{.*\"all\":{\"p\":100.00,\"r\":100.00,\"f1\":100.00,\"tp\":$nent,\"fp\":0,\"fn\":0}" "$tmp/score.json" ||
    fail "entity count differs from the JSONL ($nent): $(cat "$tmp/score.json")"
grep -q "\"quotes\":{.*\"all\":{\"p\":100.00,\"r\":100.00,\"f1\":100.00,\"tp\":$nq,\"fp\":0,\"fn\":0" "$tmp/score.json" ||
    fail "quote count differs from the JSONL ($nq): $(cat "$tmp/score.json")"
# without --map, quarry's own type names in the gold are read as the brat/CoNLL ones:
# PER, LOC, ORG all 100, with the counts of the PERSON, PLACE and ORG records
"$Q" eval --brat "$tmp/brat" --json > "$tmp/score0.json"
for t in PER:PERSON LOC:PLACE ORG:ORG; do
    n=$(grep -c "\"kind\":\"entity\",\"type\":\"${t#*:}\"" "$tmp/seed.jsonl")
    grep -q "\"${t%%:*}\":{\"p\":100.00,\"r\":100.00,\"f1\":100.00,\"tp\":$n,\"fp\":0,\"fn\":0}" "$tmp/score0.json" ||
        fail "eval --brat without --map on quarry's own brat: ${t%%:*} is not 100 on $n: $(cat "$tmp/score0.json")"
done

# ---- --only: the records of one kind, the same as in a full run ---------------------------
# (entities alone skip the quote phases; their records must not change)
grep '"kind":"entity"' "$tmp/seed.jsonl" > "$tmp/ent.want"
"$Q" extract --only entities "$SEED" > "$tmp/ent.got"
cmp -s "$tmp/ent.want" "$tmp/ent.got" || fail "--only entities differs from the entities of a full run"
grep '"kind":"quote"' "$tmp/seed.jsonl" > "$tmp/q.want"
"$Q" extract --only quotes "$SEED" > "$tmp/q.got"
cmp -s "$tmp/q.want" "$tmp/q.got" || fail "--only quotes differs from the quotes of a full run"
echo "formats: brat -> quarry eval --brat: 100 on $nent entities and $nq quotes"

# ---- --matcher: the reference matcher (the specification) gives the same records ----------
for fmt in jsonl explain; do
    "$Q" extract --matcher fast --format $fmt corpus/ > "$tmp/fast.$fmt"
    "$Q" extract --matcher reference --format $fmt corpus/ > "$tmp/ref.$fmt"
    cmp -s "$tmp/fast.$fmt" "$tmp/ref.$fmt" || fail "--matcher reference differs from fast on corpus/ ($fmt)"
done
QUARRY_MATCHER=reference "$Q" extract "$SEED" | cmp -s - "$tmp/seed.jsonl" ||
    fail "QUARRY_MATCHER=reference differs from the default matcher"
rc=0; "$Q" extract --matcher quick "$SEED" > /dev/null 2> "$tmp/err" || rc=$?
[ $rc = 2 ] && grep -q "quarry: --matcher must be reference or fast, not 'quick'" "$tmp/err" ||
    fail "--matcher quick: status $rc, $(cat "$tmp/err")"
rc=0; QUARRY_MATCHER=quick "$Q" extract "$SEED" > /dev/null 2> "$tmp/err" || rc=$?
[ $rc = 2 ] && grep -q "QUARRY_MATCHER must be reference or fast, not 'quick'" "$tmp/err" ||
    fail "QUARRY_MATCHER=quick: status $rc, $(cat "$tmp/err")"
echo "formats: --matcher reference: the same records and explain trail as fast on corpus/"

# ---- a JSONL batch: every paragraph of the seed, and the whole article, three times ------
awk '{ gsub(/\\/, "\\\\"); gsub(/"/, "\\\""); gsub(/\t/, "\\t"); gsub(/\r/, "\\r")
       if (length($0)) { n++; for (k = 1; k <= 3; k++) printf "{\"id\":\"p%03d-%d\",\"text\":\"%s\"}\n", n, k, $0 }
       all = all $0 "\\n" }
     END { for (k = 1; k <= 3; k++) printf "{\"id\":\"whole-%d\",\"text\":\"%s\"}\n", k, all }' "$SEED" > "$tmp/docs.jsonl"
ndocs=$(wc -l < "$tmp/docs.jsonl")
"$Q" extract --format brat --input jsonl "$tmp/docs.jsonl" > "$tmp/all.ann"
[ "$(grep -c '^# doc: ' "$tmp/all.ann")" -eq "$ndocs" ] || fail "brat on stdout: not one '# doc:' line per document"

# ---- GNU parallel --pipe ----------------------------------------------------------------
if ! command -v parallel > /dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "formats: installing GNU parallel" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq parallel > /dev/null 2>&1 || true
fi
if ! command -v parallel > /dev/null 2>&1 || ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
    echo "formats: SKIP GNU parallel test: GNU parallel is not installed (apt-get install parallel)"
else
    "$Q" extract -q --input jsonl -j 1 < "$tmp/docs.jsonl" | LC_ALL=C sort > "$tmp/one.jsonl"
    parallel --will-cite --pipe -N 7 -j 4 "$Q" extract -q --input jsonl -j 1 < "$tmp/docs.jsonl" |
        LC_ALL=C sort > "$tmp/par.jsonl"
    [ -s "$tmp/one.jsonl" ] || fail "no records"
    cmp -s "$tmp/one.jsonl" "$tmp/par.jsonl" || { diff "$tmp/one.jsonl" "$tmp/par.jsonl" | head >&2; fail "parallel --pipe records differ from one process"; }
    echo "formats: GNU parallel --pipe -N 7 -j 4 over $ndocs documents: $(wc -l < "$tmp/par.jsonl") records, same as one process"
fi
echo "formats: ok"

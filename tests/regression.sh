#!/bin/sh
# quarry test as a rule author uses it: bless a corpus, change one lexicon line, see the
# test fail naming the changed record and its rule, bless again, see it pass.
set -u
QUARRY=${1:-build/quarry}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-regr.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/rules" "$tmp/corpus"
printf 'Kirkuk\nBaghdad\n' > "$tmp/rules/places.txt"
cat > "$tmp/rules/main.rules" <<'R'
lexicon PLACE "places.txt"
rule place.lexicon : @PLACE -> PLACE ;
R
printf 'Gunmen struck in Kirkuk and in Baghdad on Monday.\n' > "$tmp/corpus/case.txt"
: > "$tmp/corpus/case.expected.jsonl"
fail() { echo "regression.sh: $*"; exit 1; }

"$QUARRY" test --rules "$tmp/rules/main.rules" --update --color never "$tmp/corpus" > "$tmp/out" ||
    fail "--update failed: $(cat "$tmp/out")"
grep -q 'expected files updated' "$tmp/out" || fail "--update did not say it updated: $(cat "$tmp/out")"
[ "$(wc -l < "$tmp/corpus/case.expected.jsonl")" -eq 2 ] || fail "expected 2 blessed records"
"$QUARRY" test --rules "$tmp/rules/main.rules" --color never "$tmp/corpus" > "$tmp/out" ||
    fail "a blessed corpus must pass: $(cat "$tmp/out")"

printf 'Kirkuk\n' > "$tmp/rules/places.txt"       # one lexicon line removed
"$QUARRY" test --rules "$tmp/rules/main.rules" --color never "$tmp/corpus" > "$tmp/out"
rc=$?
[ "$rc" -eq 1 ] || fail "exit status $rc after a lexicon change, want 1"
grep -q 'lost.*entity PLACE \[31,38) rule place.lexicon' "$tmp/out" ||
    fail "the diff does not name the lost record and its rule: $(cat "$tmp/out")"
grep -q '\[Baghdad\]' "$tmp/out" || fail "no context line: $(cat "$tmp/out")"

"$QUARRY" test --rules "$tmp/rules/main.rules" --update --color never "$tmp/corpus" > "$tmp/out" || fail "re-bless failed"
"$QUARRY" test --rules "$tmp/rules/main.rules" --color never "$tmp/corpus" > "$tmp/out" ||
    fail "after --update the corpus must pass: $(cat "$tmp/out")"

# partial expected files: a required subset of every kind, or of the named kinds only
printf 'Kirkuk\nBaghdad\n' > "$tmp/rules/places.txt"     # Baghdad back: two records again
head -n 1 "$tmp/corpus/case.expected.jsonl" > "$tmp/one"
{ echo '{"partial":true}'; cat "$tmp/one"; } > "$tmp/corpus/case.expected.jsonl"
"$QUARRY" test --rules "$tmp/rules/main.rules" --color never "$tmp/corpus" > "$tmp/out" ||
    fail "an extra record must not fail a {\"partial\":true} file: $(cat "$tmp/out")"
{ echo '{"partial":["quote"]}'; cat "$tmp/one"; } > "$tmp/corpus/case.expected.jsonl"
"$QUARRY" test --rules "$tmp/rules/main.rules" --color never "$tmp/corpus" > "$tmp/out"
rc=$?
[ "$rc" -eq 1 ] || fail "an extra entity must fail a file partial for quotes only (exit $rc)"
grep -q 'added.*entity PLACE' "$tmp/out" || fail "the extra entity is not shown: $(cat "$tmp/out")"
"$QUARRY" test --rules "$tmp/rules/main.rules" --update --color never "$tmp/corpus" > /dev/null
head -n 1 "$tmp/corpus/case.expected.jsonl" | grep -qx '{"partial":\["quote"\]}' ||
    fail "--update lost the partial line: $(head -n 1 "$tmp/corpus/case.expected.jsonl")"
[ "$(wc -l < "$tmp/corpus/case.expected.jsonl")" -eq 3 ] || fail "--update did not add the record"
{ echo '{"partial":["entity.PLACE"]}'; cat "$tmp/one"; } > "$tmp/corpus/case.expected.jsonl"
"$QUARRY" test --rules "$tmp/rules/main.rules" --color never "$tmp/corpus" > "$tmp/out" ||
    fail "entity.PLACE must make places a subset: $(cat "$tmp/out")"
echo "regression.sh: ok"

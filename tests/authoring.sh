#!/bin/sh
# What a rule author meets (issue #32): quarry test --update on a partial expected file keeps
# it partial; quarry test names a quote's type; quarry check reports every error of a rule
# set in one run with a count; an undeclared output type is an error.
set -u
Q=${1:-build/quarry}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-authoring.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "authoring.sh: FAIL: $*"; exit 1; }
SEED=000_663e7d9d773130fa

# ---- --update on the seed's partial gold (26 records of 121) ------------------------------
mkdir "$tmp/seed"
cp "corpus/$SEED.txt" "corpus/$SEED.entities.expected.jsonl" "$tmp/seed/"
E="$tmp/seed/$SEED.entities.expected.jsonl"
n0=$(wc -l < "$E")
# one listed record lost (a span nobody makes), one changed (its text), the rest untouched
sed -i '3s/"start": 35/"start": 34/; 4s/"text": "U.S. Ambassador"/"text": "U.S. Envoy"/' "$E"
grep -q '"start": 34' "$E" && grep -q 'U.S. Envoy' "$E" || fail "could not edit the seed's gold"
cp "$E" "$tmp/before"
"$Q" test --update --color never "$tmp/seed" > "$tmp/out"
rc=$?
[ "$rc" -eq 1 ] || fail "--update keeping a lost record must exit 1, not $rc: $(cat "$tmp/out")"
[ "$(wc -l < "$E")" -eq "$n0" ] ||
    fail "--update turned the $n0-line partial file into $(wc -l < "$E") lines"
head -n 1 "$E" | grep -qx '{"partial":true}' || fail "--update lost the partial line"
grep -q '"start": 34, "end": 39' "$E" || fail "--update dropped the lost listed record"
grep -q 'lost record kept in the partial expected file' "$tmp/out" ||
    fail "--update does not say it kept the lost record: $(cat "$tmp/out")"
grep -qx '{"doc":"000_663e7d9d773130fa","kind":"entity","type":"ROLE","start":486,"end":501,"text":"U.S. Ambassador"}' "$E" ||
    fail "the changed record was not updated with only its own fields: $(sed -n 4p "$E")"
[ "$(diff "$tmp/before" "$E" | grep -c '^>')" -eq 1 ] ||
    fail "--update rewrote more than the changed line: $(diff "$tmp/before" "$E")"
"$Q" test --color never "$tmp/seed" > "$tmp/out"
grep -q '1 lost, 0 added, 0 changed' "$tmp/out" || fail "after --update: $(tail -n 1 "$tmp/out")"

# ---- a file partial for entities only: its quotes are rewritten in full ------------------
mkdir "$tmp/sel"
cp corpus/speakers-none.txt "$tmp/sel/"
S="$tmp/sel/speakers-none.expected.jsonl"
"$Q" extract corpus/speakers-none.txt > "$tmp/all"
grep -c '"kind":"entity"' "$tmp/all" | grep -qv '^0$' || fail "speakers-none has no entity"
{ echo '{"partial":["entity"]}'
  grep '"kind":"entity"' "$tmp/all" | head -n 1
  grep '"kind":"quote"' "$tmp/all" | sed '1s/"start":94/"start":93/'; } > "$S"
"$Q" test --color never "$tmp/sel" > "$tmp/out"
grep -q '^  - lost    quote direct \[93,127)' "$tmp/out" ||
    fail "a lost quote is not shown with its type: $(cat "$tmp/out")"
"$Q" test --update --color never "$tmp/sel" > "$tmp/out" || fail "--update failed: $(cat "$tmp/out")"
[ "$(grep -c '"kind":"entity"' "$S")" -eq 1 ] || fail "--update added unlisted entities"
grep '"kind":"quote"' "$tmp/all" > "$tmp/q.want"
grep '"kind":"quote"' "$S" > "$tmp/q.got"
cmp -s "$tmp/q.want" "$tmp/q.got" || fail "the quotes (listed in full) are not rewritten as produced"
"$Q" test --color never "$tmp/sel" > /dev/null || fail "after --update the case must pass"

# ---- quarry check: every error of every kind in one run, in line order, with a count --------
cat > "$tmp/bad.rules" <<'R'
macro M = ( cap ;
rule a : "x" -> PERSON ;
rule b : @NOPE M -> PERSON ;
rule a : "y" -> PLACE ;
rule c : [cap] ( -> _MARK ;
rule d : <_MARK> @NOPE2 -> PERSN ;
R
"$Q" check --rules "$tmp/bad.rules" > /dev/null 2> "$tmp/err"
rc=$?
[ "$rc" -eq 3 ] || fail "quarry check on bad rules exited $rc, not 3"
grep -E '^quarry: .*bad.rules:[0-9]+:[0-9]+: error: ' "$tmp/err" | sed 's/^quarry: [^:]*bad.rules://; s/: error: .*//' > "$tmp/where"
printf '1:17\n3:10\n4:6\n5:18\n6:18\n6:28\n' | cmp -s - "$tmp/where" ||
    fail "quarry check did not report every error in line order: $(cat "$tmp/err")"
grep -q "unknown type 'PERSN' (did you mean 'PERSON'? a new type is declared with \`type PERSN;\`)" "$tmp/err" ||
    fail "no unknown-type error with a suggestion: $(cat "$tmp/err")"
grep -q '^    rule d : <_MARK> @NOPE2 -> PERSN ;$' "$tmp/err" || fail "no source line: $(cat "$tmp/err")"
grep -qx 'quarry: .*bad.rules: 6 errors' "$tmp/err" || fail "no final count: $(tail -n 1 "$tmp/err")"
# 60 errors: the first 50 are shown, all are counted
i=0; while [ $i -lt 60 ]; do echo "rule r$i : @NOPE$i -> PERSON ;"; i=$((i + 1)); done > "$tmp/many.rules"
"$Q" check --rules "$tmp/many.rules" > /dev/null 2> "$tmp/err"
[ $? -eq 3 ] || fail "quarry check on 60 errors did not exit 3"
[ "$(grep -c ': error: ' "$tmp/err")" -eq 50 ] || fail "not 50 errors shown: $(grep -c ': error: ' "$tmp/err")"
grep -q 'too many errors: the first 50 are shown' "$tmp/err" || fail "no note after 50 errors"
grep -qx 'quarry: .*many.rules: 60 errors' "$tmp/err" || fail "no count of all 60: $(tail -n 1 "$tmp/err")"
# a declared type compiles and makes records; the default rules declare their helper types
printf 'type HEADLINE;\nrule h : <p> [cap & !lower]{2,} </p> -> HEADLINE ;\n' > "$tmp/ok.rules"
printf 'TALKS END\n\nCrocker spoke.\n' > "$tmp/doc.txt"
"$Q" extract --rules "$tmp/ok.rules" "$tmp/doc.txt" | grep -q '"type":"HEADLINE","start":0,"end":9' ||
    fail "a declared type makes no record"
"$Q" check 2>&1 | grep -q '^built-in rules: .*: ok$' || fail "the built-in rules do not check"

echo "authoring.sh: ok"

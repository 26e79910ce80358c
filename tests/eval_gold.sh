#!/bin/sh
# quarry eval --gold on gold in the BBC quote gold's layout (lenient quote match, speaker
# names and roles, names per article): a small hand-made case always; then, when the
# evaluation data and its reference scorer are there (../shared/data, ../shared/tools),
# quarry eval's figures must equal shared/tools/bbcq.py's on the same build. Skips that part
# cleanly when they are absent (the data is never copied into the repository).
#   sh tests/eval_gold.sh [build/quarry] [SHARED_DIR]
set -u
Q=${1:-build/quarry}
SHARED=${2:-${QUARRY_SHARED:-../shared}}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/quarry-evalgold.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "eval_gold: $*"; exit 1; }

# ---- a hand-made article: one quote found with the right speaker, one found with the
# wrong one, one missed; records carry fields the reader must tolerate (id, part_of,
# quoted as objects, speaker.resolved) ----
mkdir -p "$tmp/texts/a"
printf '"We will win the election," said Tony Blair, the prime minister.\n\nThe weather was fine on Monday, officials said.\n' > "$tmp/texts/a/one.txt"
cat > "$tmp/gold.jsonl" <<'G'
{"doc":"a/one","kind":"quote","id":"q1","part_of":null,"type":"direct","start":1,"end":26,"text":"We will win the election,","speaker":{"name":"Mr. Tony Blair","role":"Prime Minister","mention":"Tony Blair","resolved":"mention"},"quoted":[{"start":1,"end":26,"text":"We will win the election,"}]}
{"doc":"a/one","kind":"quote","id":"q2","type":"partial","start":45,"end":63,"text":"the prime minister","speaker":{"name":"Tony Blair","role":null,"mention":"Tony Blair"},"quoted":[]}
{"doc":"a/one","kind":"quote","id":"q3","type":"indirect","start":66,"end":96,"text":"The weather was fine on Monday","speaker":{"name":"Met Office","role":null,"mention":"officials"},"quoted":[[66,70]]}
{"doc":"a/one","kind":"names","people":["Tony Blair","Gordon Brown"],"orgs":["Met Office"]}
G
"$Q" eval --gold "$tmp/gold.jsonl" --texts "$tmp/texts" --errors 10 > "$tmp/out" 2> "$tmp/err" ||
    fail "exit status $?: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && fail "unexpected stderr: $(cat "$tmp/err")"
row() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$tmp/out"; }
grep -q 'lenient match' "$tmp/out" || fail "the names record did not select the lenient match"
[ "$(row all)" = "100.0 66.7 80.0 2 0 1 50.0 2" ] || fail "quotes: $(row all)"
[ "$(row people)" = "100.0 50.0 66.7 1 0 1" ] || fail "people: $(row people)"
[ "$(row orgs)" = "0.0 0.0 0.0 0 0 1" ] || fail "orgs: $(row orgs)"
grep -q 'name exact *50.0% *(1 of 2' "$tmp/out" || fail "name accuracy: $(cat "$tmp/out")"
grep -q 'role *100.0% *(1 of 1' "$tmp/out" || fail "role accuracy: $(cat "$tmp/out")"
grep -q '^miss  *partial  *a/one \[45,63)' "$tmp/out" || fail "--errors: no miss line"
grep -q 'gold speaker "Tony Blair"' "$tmp/out" || fail "--errors: the miss does not show its speaker"
grep -q '^wrong-name  *indirect  *a/one \[66,96)' "$tmp/out" || fail "--errors: no wrong-name line"
grep -q 'gold speaker "Met Office", quarry.s "officials"' "$tmp/out" || fail "--errors: no names on the wrong-name line"
"$Q" eval --gold "$tmp/gold.jsonl" --texts "$tmp/texts" --json > "$tmp/json" || fail "--json failed"
grep -q '"match":"lenient"' "$tmp/json" && grep -q '"people":{"p":100.0,"r":50.0' "$tmp/json" ||
    fail "--json: $(cat "$tmp/json")"
"$Q" eval --gold "$tmp/gold.jsonl" --texts "$tmp/texts" --match strict > "$tmp/out" || fail "--match strict failed"
grep -q 'lenient' "$tmp/out" && fail "--match strict still lenient"
"$Q" eval --gold "$tmp/gold.jsonl" --match loose > /dev/null 2>&1
[ $? = 2 ] || fail "--match loose: want exit 2"
echo "eval_gold: the hand-made case scores as expected"

# ---- --errors on brat gold: a quote found with another source than the gold's is listed as
# wrong-source, with the gold source and quarry's speaker mention ----
mkdir -p "$tmp/brat"
printf 'Anna Berg met the press. "We will win," said Tony Blair.\n' > "$tmp/brat/b.txt"
printf 'T1\tSource 0 9\tAnna Berg\nT2\tCue 40 44\tsaid\nT3\tContent 26 38\tWe will win,\nT4\tAttribution 40 44\tsaid\nE1\tAttribution:T4 Cue:T2 Source:T1 Content:T3\n' > "$tmp/brat/b.ann"
"$Q" eval --brat "$tmp/brat" --errors 10 > "$tmp/bout" 2>&1 || fail "eval --brat failed: $(cat "$tmp/bout")"
grep -q '^wrong-source indirect  *b \[0,9)' "$tmp/bout" || fail "--errors: no wrong-source line: $(cat "$tmp/bout")"
grep -q "quarry's .*\[Tony Blair\]" "$tmp/bout" || fail "--errors: wrong-source does not show quarry's speaker"
echo "eval_gold: --errors lists a wrong source on brat gold"

# ---- PolNeAR counts a quote's marks as part of its content: a predicted quote is measured with
# the double marks next to it (here the gold content is 24 characters, "We will win," with its
# marks 14 of them, quarry's span without the marks 12: found only with the marks) ----
mkdir -p "$tmp/bratm"
cp "$tmp/brat/b.txt" "$tmp/bratm/m.txt"
printf 'T1\tSource 45 55\tTony Blair\nT2\tCue 40 44\tsaid\nT3\tContent 0 10;25 39\tAnna Berg  "We will win,"\nT4\tAttribution 40 44\tsaid\nE1\tAttribution:T4 Cue:T2 Source:T1 Content:T3\n' > "$tmp/bratm/m.ann"
"$Q" eval --brat "$tmp/bratm" > "$tmp/mout" 2>&1 || fail "eval --brat failed: $(cat "$tmp/mout")"
grep -q '^  direct  *100.00 100.00 ' "$tmp/mout" || fail "quote marks: the quote is not found: $(cat "$tmp/mout")"
echo "eval_gold: a predicted quote is scored with its quote marks on brat gold"

# ---- the dev set against the reference scorer ----
G=$SHARED/data/bbc-quotes/dev.jsonl
B=$SHARED/data/bbc
S=$SHARED/tools/bbcq.py
if [ ! -f "$G" ] || [ ! -d "$B" ] || [ ! -f "$S" ] || ! command -v python3 > /dev/null 2>&1; then
    echo "eval_gold: no BBC quote gold, bbcq.py or python3 under $SHARED; dev-set comparison skipped"
    exit 0
fi
python3 "$S" docs "$G" "$B" > "$tmp/docs.jsonl" || fail "bbcq.py docs failed"
"$Q" extract --input jsonl "$tmp/docs.jsonl" > "$tmp/pred.jsonl" 2> /dev/null
python3 "$S" score "$G" "$B" "$tmp/pred.jsonl" > "$tmp/ref.json" || fail "bbcq.py score failed"
want=$(python3 -c '
import json, sys; r = json.load(open(sys.argv[1])); q = r["thr0.3"]
print("%.1f %.1f %.1f %d %d %d %.1f %.1f %.1f %.1f" % (q["P"], q["R"], q["F1"], q["tp"], q["fp"], q["fn"],
      q["name_exact_acc"], q["name_acc"], q["role_acc"], q["end_to_end_F1"]))
for k in ("people", "orgs"):
    print("%.1f %.1f %d %d %d" % (r[k]["P"], r[k]["R"], r[k]["tp"], r[k]["fp"], r[k]["fn"]))' "$tmp/ref.json")
"$Q" eval --gold "$G" --texts "$B" --json > "$tmp/ours.json" || fail "quarry eval --gold failed"
got=$(python3 -c '
import json, sys; r = json.load(open(sys.argv[1])); q = r["quotes"]["all"]; s = r["speakers"]
print("%.1f %.1f %.1f %d %d %d %.1f %.1f %.1f %.1f" % (q["p"], q["r"], q["f1"], q["tp"], q["fp"], q["fn"],
      s["name_exact"], s["name_same_person"], s["role"], s["end_to_end_f1"]))
for k in ("people", "orgs"):
    n = r["names"][k]; print("%.1f %.1f %d %d %d" % (n["p"], n["r"], n["tp"], n["fp"], n["fn"]))' "$tmp/ours.json")
[ "$got" = "$want" ] || fail "quarry eval and bbcq.py differ:
  bbcq.py:     $(echo $want)
  quarry eval: $(echo $got)"
echo "eval_gold: dev set, quarry eval = bbcq.py: $(echo "$got" | head -1)"

#!/bin/sh
# Input and pipeline behaviour of quarry extract (issue #32), end to end through the CLI:
#   ids      files found in sub-folders keep distinct ids in every format, and --out-dir
#            writes them to distinct files (sub-folders of DIR), which eval --brat reads back;
#   encoding a Windows-1252 document is read as such (auto), one warning line; --encoding;
#   binary   a binary file is skipped with one error line, exit 2, the rest processed; the
#            real articles of ../shared/data (when present) and corpus/ are never skipped;
#   stream   with -j 2, a JSONL document's records come out before the next one is written;
#   jsonl    a .jsonl/.ndjson file is read as JSON Lines without --input; duplicate ids warn;
#   folder   a folder without .txt files is reported, exit 2.
#   sh tests/input.sh [build/quarry]
set -u
Q=${1:-build/quarry}
case $Q in /*) ;; *) Q=$(pwd)/$Q ;; esac
DATA=$(cd "$(dirname "$0")/.." && pwd)/../shared/data
CORPUS=$(cd "$(dirname "$0")/.." && pwd)/corpus
T=$(mktemp -d "${TMPDIR:-/tmp}/quarry-input.XXXXXX") || exit 2
STREAM_PID=
cleanup() {
    [ -n "$STREAM_PID" ] && kill "$STREAM_PID" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT INT TERM
cd "$T" || exit 2
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; [ -s err ] && sed 's/^/    stderr: /' err | head -5 >&2; }
lines() { wc -l < "$1" | tr -d ' '; }

# ---- ids across folders, every format, --out-dir -----------------------------------------
mkdir -p bbc/business bbc/sport
printf '"Profits rose," said Ryan Crocker.\n' > bbc/business/001.txt
printf '"We won," said John Smith.\n' > bbc/sport/001.txt
printf '"Later," said Maren Holt.\n' > bbc/business_001.txt   # '/' -> '_' would collide with it
"$Q" extract bbc > out 2> err; rc=$?
[ $rc = 0 ] || bad "ids: exit status $rc"
for id in business/001 sport/001 business_001; do
    grep -q "\"doc\":\"$id\"" out || bad "ids: jsonl has no doc $id"
done
"$Q" extract bbc/sport/001.txt > out 2> err
grep -q '"doc":"001"' out && ok || bad "ids: a file named on the command line should keep the id 001"
for fmt in inline html brat tsv; do
    "$Q" extract --format $fmt bbc > out 2> err || bad "ids: --format $fmt failed"
    for id in business/001 sport/001; do
        grep -q "$id" out || bad "ids: --format $fmt does not name $id"
    done
done
for fmt in jsonl inline html brat conll tsv explain; do
    rm -rf o
    "$Q" extract --format $fmt --out-dir o bbc > out 2> err || { bad "out-dir $fmt: exit status $?"; continue; }
    case $fmt in jsonl) e=jsonl ;; inline) e=xml ;; brat) e=ann ;; explain) e=explain.txt ;; *) e=$fmt ;; esac
    n=$(find o -type f -name "*.$e" | wc -l | tr -d ' ')
    [ "$n" = 3 ] || bad "out-dir $fmt: $n .$e files, expected 3 (one per document): $(find o -type f | tr '\n' ' ')"
    [ -f o/business/001.$e ] && [ -f o/sport/001.$e ] && [ -f o/business_001.$e ] ||
        bad "out-dir $fmt: expected o/business/001.$e, o/sport/001.$e and o/business_001.$e"
    case $fmt in
        jsonl|tsv|brat)
            grep -q 'Ryan Crocker' o/business/001.$e && grep -q 'John Smith' o/sport/001.$e &&
                grep -q 'Maren Holt' o/business_001.$e || bad "out-dir $fmt: a file holds another document's records" ;;
    esac
done
# the brat files of sub-folders are read back by eval --brat
rm -rf o
"$Q" extract --format brat --out-dir o bbc 2> err
[ -f o/sport/001.txt ] || bad "out-dir brat: no o/sport/001.txt beside the .ann"
"$Q" eval --brat o --map PERSON=PERSON > out 2> err
grep -q 'brat o: 3 documents' out && ok || bad "out-dir brat: eval --brat should read the 3 documents: $(head -1 out)"
# ids are file-name safe below DIR: nothing is written outside it
printf '{"id":"../up","text":"x"}\n{"id":"/abs","text":"y"}\n' > esc.jsonl
rm -rf o && mkdir sub
(cd sub && "$Q" extract --input jsonl --out-dir ../o ../esc.jsonl 2> ../err)
[ ! -e up.jsonl ] && [ ! -e /abs.jsonl ] && [ "$(find o -type f | wc -l | tr -d ' ')" = 2 ] && ok ||
    bad "out-dir: ids with .. or a leading / escaped DIR: $(find o -type f | tr '\n' ' ')"

# ---- encodings ------------------------------------------------------------------------------
printf 'Judge Ren\351e Dubois said the case was closed.\n' > x.txt
"$Q" extract x.txt > out 2> err; rc=$?
[ $rc = 0 ] || bad "encoding: exit status $rc"
grep -q '"type":"PERSON","start":6,"end":18,"text":"Renée Dubois","name":"Renée Dubois"' out &&
    grep -q '"speaker":{"start":6,"end":18,"text":"Renée Dubois","name":"Renée Dubois"' out && ok ||
    bad "encoding: cp1252 'Renée Dubois' not found as PERSON and speaker (offsets on the decoded text): $(head -3 out)"
[ "$(lines err)" = 1 ] && grep -q '^quarry: x: warning: not UTF-8 (1 byte, the first at byte offset 9): read as Windows-1252' err && ok ||
    bad "encoding: expected one warning line naming x"
# a document read in windows (over 512 KiB): each window's warning gives the byte offset in
# the input as given, not in the text decoded before it (4,000 bytes grew by one each)
python3 - <<'PY'
para = b"Judge Ren\xe9e Dubois said the case was closed on Monday morning.\n\n"
plain = b"The ferry left the harbour at noon and the crew waved to the crowd.\n\n"
open("win.txt", "wb").write(para * 4000 + plain * 6000 + b"Olav Ren\xe9 said it was fine.\n")
PY
"$Q" extract win.txt > out 2> err
[ "$(lines err)" = 2 ] && grep -q 'warning: not UTF-8 (1 byte, the first at byte offset 670008)' err && ok ||
    bad "encoding: the second window's warning should give the input's byte offset 670008"
"$Q" extract --offsets bytes x.txt > out 2> err
grep -q '"type":"PERSON","start":6,"end":19,' out && ok || bad "encoding: --offsets bytes should count the UTF-8 of the decoded text"
"$Q" extract --encoding cp1252 x.txt > out 2> err
[ ! -s err ] && grep -q '"name":"Renée Dubois"' out && ok || bad "encoding: --encoding cp1252 should decode without a warning"
"$Q" extract --encoding latin1 x.txt > out 2> err
[ ! -s err ] && grep -q '"name":"Renée Dubois"' out && ok || bad "encoding: --encoding latin1 should decode without a warning"
# utf-8: invalid bytes are U+FFFD, one warning line per document, never one per byte
printf 'Judge Ren\351e Dubois said \351\351\351 the case was closed.\n' > y.txt
"$Q" extract --encoding utf-8 y.txt > out 2> err; rc=$?
[ $rc = 0 ] && [ "$(lines err)" = 1 ] &&
    grep -q '^quarry: y: warning: 4 invalid UTF-8 bytes read as U+FFFD, the first at byte offset 9$' err && ok ||
    bad "encoding: --encoding utf-8 should give one warning with the count (status $rc)"
"$Q" extract --encoding ebcdic x.txt > out 2> err; rc=$?
[ $rc = 2 ] && grep -q "encoding must be auto, utf-8, cp1252 or latin1, not 'ebcdic'" err && ok ||
    bad "encoding: a bad --encoding should be a usage error (status $rc)"
# a JSONL text field with raw invalid bytes is decoded the same way
printf '{"id":"j","text":"Judge Ren\351e Dubois said the case was closed."}\n' > enc.jsonl
"$Q" extract enc.jsonl > out 2> err
grep -q '"name":"Renée Dubois"' out && [ "$(lines err)" = 1 ] && grep -q 'j: warning: not UTF-8' err && ok ||
    bad "encoding: a JSONL text with a cp1252 byte should be decoded, with one warning"
# a valid UTF-8 document is left alone
printf 'Judge Ren\303\251e Dubois said the case was closed.\n' > u.txt
"$Q" extract u.txt > out 2> err
[ ! -s err ] && grep -q '"name":"Renée Dubois"' out && ok || bad "encoding: valid UTF-8 changed or warned"

# ---- binary files ---------------------------------------------------------------------------
cp "$Q" prog.txt
printf '"Profits rose," said Ryan Crocker.\n' > good.txt
"$Q" extract prog.txt good.txt > out 2> err; rc=$?
[ $rc = 2 ] || bad "binary: exit status $rc, expected 2"
[ "$(lines err)" = 1 ] && grep -q '^quarry: prog: skipped: not text: ' err && ok ||
    bad "binary: expected one error line naming prog, got $(lines err) lines"
grep -q '"doc":"prog"' out && bad "binary: records of the binary file"
grep -q '"doc":"good"' out && ok || bad "binary: the other document was not processed"
# real articles are never skipped (corpus/, and the BBC and PolNeAR texts when present)
sets=$CORPUS
for s in "$DATA/bbc" "$DATA/polnear/dev/text" "$DATA/polnear/train/text"; do [ -d "$s" ] && sets="$sets $s"; done
# (an empty rule set: the text stage and the tokenizer run, no rule)
: > none.rules
# shellcheck disable=SC2086
"$Q" extract -j 2 --rules none.rules $sets > /dev/null 2> err
if grep -q 'not text' err; then bad "binary: a real article was skipped: $(grep 'not text' err | head -3)"; else ok; fi

# ---- streaming: a finished document is written before the next one arrives --------------
{
    printf '{"id":"one","text":"\\"Profits rose,\\" said Ryan Crocker."}\n'
    printf '{"id":"two","text":"\\"We won,\\" said John Smith."}\n'
} > docs.jsonl
mkfifo in.fifo
"$Q" extract --input jsonl -j 2 < in.fifo > stream.out 2> err &
STREAM_PID=$!
exec 3> in.fifo
head -1 docs.jsonl >&3
# up to 60 s for document one's records, while the input stays open (no timing race: a
# correct build answers in well under a second, a lagging one never before line two)
i=0
while [ $i -lt 600 ] && ! grep -q '"doc":"one"' stream.out; do sleep 0.1; i=$((i + 1)); done
if grep -q '"doc":"one"' stream.out; then ok; else bad "stream: document one's records did not appear before document two was written"; fi
sed -n 2p docs.jsonl >&3
exec 3>&-
wait "$STREAM_PID"; rc=$?
STREAM_PID=
[ $rc = 0 ] && grep -q '"doc":"two"' stream.out && [ "$(grep -n '"doc":"one"' stream.out | tail -1 | cut -d: -f1)" -lt "$(grep -n '"doc":"two"' stream.out | head -1 | cut -d: -f1)" ] && ok ||
    bad "stream: status $rc, or the records are not in input order"

# ---- JSONL by file name; duplicate ids --------------------------------------------------
{
    printf '{"id":"a","text":"\\"Profits rose,\\" said Ryan Crocker."}\n'
    printf '{"id":"b","text":"\\"We won,\\" said John Smith."}\n'
    printf '{"id":"a","text":"\\"Later,\\" said Maren Holt."}\n'
} > dup.jsonl
cp dup.jsonl dup.ndjson
"$Q" extract dup.jsonl > out 2> err; rc=$?
[ $rc = 0 ] && grep -q '"doc":"b"' out && ! grep -q '"doc":"dup"' out && ok ||
    bad "jsonl: a .jsonl file without --input should be read as JSON Lines (status $rc)"
[ "$(lines err)" = 1 ] && grep -q '^quarry: dup.jsonl:3: warning: duplicate id "a" (an earlier document of this run has it); its records are still written$' err && ok ||
    bad "jsonl: expected one duplicate-id warning for line 3"
[ "$(grep -c '"doc":"a"' out)" -ge 2 ] && grep -q 'Maren Holt' out && ok || bad "jsonl: the duplicate's records are missing"
"$Q" extract -q dup.jsonl > out 2> err
[ ! -s err ] && ok || bad "jsonl: -q should silence the duplicate-id warning"
"$Q" extract x.ndjson dup.ndjson > out 2> err
grep -q '"doc":"b"' out && ok || bad "jsonl: a .ndjson file should be read as JSON Lines"
"$Q" extract --input text dup.jsonl > out 2> err
grep -q '"doc":"dup"' out && ! grep -q '"doc":"b"' out && ok || bad "jsonl: --input text should read a .jsonl file as one text"

# ---- a folder with no .txt files ----------------------------------------------------------
mkdir -p empty notes
printf 'not a document\n' > notes/readme.md
"$Q" extract empty notes good.txt > out 2> err; rc=$?
[ $rc = 2 ] && grep -q '^quarry: empty: no .txt files$' err && grep -q '^quarry: notes: no .txt files$' err && ok ||
    bad "folder: expected 'quarry: empty: no .txt files' and exit 2 (status $rc)"
grep -q '"doc":"good"' out && ok || bad "folder: the other arguments were not processed"
"$Q" extract --input jsonl notes > out 2> err; rc=$?
[ $rc = 2 ] && grep -q '^quarry: notes: no .jsonl files$' err && ok || bad "folder: --input jsonl: expected 'no .jsonl files' (status $rc)"

echo "input: $pass passed, $fail failed"
[ $fail = 0 ]

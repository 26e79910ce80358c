#!/bin/sh
# Hostile inputs, end to end through the CLI: bad documents, bad folders, bad JSONL, bad rule
# files. Every input is generated here into a scratch folder (nothing large is committed).
# docs/HOSTILE.md is the table of cases and their expected outcome (records, error line,
# exit status). Run by `make test` and, under ASan+UBSan, by `make asan`.
#   sh tests/hostile.sh [build/quarry]
# QUARRY_HOSTILE_BIG=1 adds a 200 MB document of real news text (minutes; not in CI).
set -u
Q=${1:-build/quarry}
case $Q in /*) ;; *) Q=$(pwd)/$Q ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/quarry-hostile.XXXXXX") || exit 2
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT INT TERM
cd "$T" || exit 2
TO=""
command -v timeout >/dev/null 2>&1 && TO="timeout 300"
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; [ -s err ] && sed 's/^/    stderr: /' err | head -5 >&2; }

# run NAME CMD...: runs the command, stdout to out, stderr to err, status in $rc
run() {
    name=$1; shift
    $TO "$@" > out 2> err
    rc=$?
    if [ $rc -ge 124 ] && [ $rc -ne 126 ]; then
        bad "$name: status $rc (timeout or signal)"
        return 1
    fi
    if grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error|Segmentation' err; then
        bad "$name: sanitizer report"
        return 1
    fi
    return 0
}
records() { grep -c '"kind":' out; }
# check NAME STATUS MIN_RECORDS MAX_RECORDS [STDERR_REGEX [STDOUT_REGEX]]
check() {
    n=$1 st=$2 lo=$3 hi=$4 epat=${5:-} opat=${6:-}
    r=$(records)
    if [ "$rc" != "$st" ]; then bad "$n: exit status $rc, expected $st"; return; fi
    if [ "$r" -lt "$lo" ] || [ "$r" -gt "$hi" ]; then bad "$n: $r records, expected $lo..$hi"; return; fi
    if [ -n "$epat" ] && ! grep -q -E -e "$epat" err; then bad "$n: stderr lacks /$epat/"; return; fi
    if [ -z "$epat" ] && grep -q 'error' err; then bad "$n: unexpected error on stderr"; return; fi
    if [ -n "$opat" ] && ! grep -q -E -e "$opat" out; then bad "$n: stdout lacks /$opat/"; return; fi
    ok
}

SENT='"The talks were useful," said Ryan Crocker.'

# ---- documents -----------------------------------------------------------------------
: > empty.txt
run empty "$Q" extract empty.txt && check empty 0 0 0

printf '\357\273\277"Hello there," said John Smith.\r\n\r\nHe left.\r\n' > bom-crlf.txt
run bom-crlf "$Q" extract bom-crlf.txt &&
    check bom-crlf 0 2 9 '' '"type":"direct","id":"q1","start":2,"end":14,"text":"Hello there,"'

printf '"Hello," said Ryan Crocker.\r\r"Again," he said.\r' > cr-only.txt
run cr-only "$Q" extract cr-only.txt && check cr-only 0 2 9 '' '"text":"Again,"'

printf 'Ryan Crocker said\000 "no\377\376 way."\000\000 John Smith left.' > nul-invalid.txt
run nul-invalid "$Q" extract nul-invalid.txt &&
    check nul-invalid 0 1 9 'nul-invalid: warning: not UTF-8 \(2 bytes, the first at byte offset 22\): read as Windows-1252' '"text":"Ryan Crocker"'
[ "$(wc -l < err)" -eq 1 ] || bad "nul-invalid: $(wc -l < err) lines on stderr, expected one warning"
run nul-invalid-utf8 "$Q" extract --encoding utf-8 nul-invalid.txt &&
    check nul-invalid-utf8 0 1 9 'nul-invalid: warning: 2 invalid UTF-8 bytes read as U\+FFFD, the first at byte offset 22' '"text":"Ryan Crocker"'
[ "$(wc -l < err)" -eq 1 ] || bad "nul-invalid-utf8: $(wc -l < err) lines on stderr, expected one warning"
run nul-invalid-quiet "$Q" extract -q --offsets bytes nul-invalid.txt && check nul-invalid-quiet 0 1 9
[ -s err ] && bad "nul-invalid-quiet: -q printed warnings"

# pseudo-random bytes (every value, deterministic): no crash, every warning names the doc
LC_ALL=C awk 'BEGIN { srand(7); for (i = 0; i < 65536; i++) printf "%c", int(rand() * 256) }' > binary.txt
# binary data is skipped with one error line (not one warning per byte and junk records)
printf '%s\n' "$SENT" > good.txt
run binary "$Q" extract binary.txt good.txt && check binary 2 1 9 'binary: skipped: not text: [0-9]+ of its first [0-9]+ characters are control characters' '"doc":"good"'
[ "$(wc -l < err)" -eq 1 ] || bad "binary: $(wc -l < err) lines on stderr, expected one"
run binary-tokens "$Q" extract --format tokens --encoding utf-8 binary.txt && check binary-tokens 2 0 0 'binary: skipped: not text'
[ "$(wc -l < err)" -eq 1 ] || bad "binary-tokens: $(wc -l < err) lines on stderr, expected one"

printf 'Москва — столица. 北京是首都。 بغداد عاصمة العراق. %s «Да», сказал он. "שלום" אמר.\n' "$SENT" > scripts.txt
run scripts "$Q" extract scripts.txt &&
    check scripts 0 2 20 '' '"start":75,"end":87,"text":"Ryan Crocker"'

# one 5 MB token, then a sentence: the token is one sym/word, the sentence still yields
head -c 5000000 /dev/zero | tr '\000' 'a' > long-token.txt
printf ' %s\n' "$SENT" >> long-token.txt
run long-token "$Q" extract long-token.txt && check long-token 0 2 9 '' '"start":5000031,"end":5000043,"text":"Ryan Crocker"'

# 10,000 straight and 5,000 curly quote marks
awk 'BEGIN { for (i = 0; i < 10000; i++) printf "\""; print ""; for (i = 0; i < 5000; i++) printf "\342\200\234"; print " he said." }' > quotes.txt
printf '%s\n' "$SENT" >> quotes.txt
run quote-marks "$Q" extract quotes.txt && check quote-marks 0 1 100

# no spaces and no sentence end: 20,000 quotes in one sentence (linking was quadratic)
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "Crocker,said,\"hello\","; print "" }' > no-space.txt
run no-space "$Q" extract no-space.txt && check no-space 0 0 100000

# 20,000 different people and places (linking was quadratic in people)
awk 'BEGIN { srand(3); split("ka ro mi ten sa lo vi den ber ri to an gu pel zor quin da fe ho ju", s, " ");
     for (i = 0; i < 20000; i++) { n = ""; m = ""; for (k = 0; k < 4; k++) { n = n s[int(rand() * 20) + 1]; m = m s[int(rand() * 20) + 1] }
       printf "John %s%s of %s Corp said \"We are in Baghdad.\" ", toupper(substr(n, 1, 1)), substr(n, 2), toupper(substr(m, 1, 1)) substr(m, 2) } print "" }' > many-names.txt
run many-names "$Q" extract many-names.txt && check many-names 0 20000 1000000

# 20,000 attributed quotes, with explanations (records and explain were quadratic)
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "\"Hi there,\" said John Smith. \"Again.\" He left. "; print "" }' > many-quotes.txt
run many-quotes "$Q" extract many-quotes.txt && check many-quotes 0 60000 1000000 '' '"rule":"quote.continuation-cue-speaker"'
run many-quotes-explain "$Q" extract --format explain many-quotes.txt && check many-quotes-explain 0 0 0

# a 200 MB single line (one long token, then a sentence)
head -c 200000000 /dev/zero | tr '\000' 'a' > big.txt
printf ' %s\n' "$SENT" >> big.txt
run big-200MB "$Q" extract -j1 big.txt && check big-200MB 0 2 9 '' '"start":200000031,"end":200000043,"text":"Ryan Crocker"'
# the same file over --max-doc-bytes: skipped with a message naming it, not read
run max-doc-bytes "$Q" extract --max-doc-bytes 100M big.txt cr-only.txt &&
    check max-doc-bytes 2 2 9 'big.txt: skipped: 200000045 bytes, over --max-doc-bytes' '"doc":"cr-only"'
run max-doc-bytes-stdin sh -c "'$Q' extract --max-doc-bytes 1k - < long-token.txt" &&
    check max-doc-bytes-stdin 2 0 0 '-: document is 5000045 bytes, over the limit of 1024'
rm -f big.txt

if [ "${QUARRY_HOSTILE_BIG:-0}" = 1 ] && [ -f "$OLDPWD/corpus/000_663e7d9d773130fa.txt" ]; then
    i=0
    while [ $i -lt 33200 ]; do cat "$OLDPWD/corpus/000_663e7d9d773130fa.txt"; i=$((i + 1)); done > news200.txt
    run news-200MB "$Q" extract -q -j1 news200.txt && check news-200MB 0 100000 100000000
    rm -f news200.txt
fi

# ---- unreadable documents, folders ------------------------------------------------------
printf '%s\n' "$SENT" > good.txt
ln -s nowhere.txt dangling.txt
ln -s self-loop.txt self-loop.txt
run dangling "$Q" extract good.txt dangling.txt self-loop.txt good.txt/ missing.txt &&
    check dangling 2 2 9 'dangling.txt: No such file or directory' '"doc":"good"'
grep -q 'self-loop.txt: Too many levels of symbolic links' err || bad "dangling: no ELOOP line for self-loop.txt"
grep -q 'good.txt/: Not a directory' err || bad "dangling: no line for good.txt/"
grep -q 'missing.txt: No such file or directory' err || bad "dangling: no line for missing.txt"
if [ "$(id -u)" != 0 ]; then
    printf '%s\n' "$SENT" > locked.txt
    chmod 000 locked.txt
    run unreadable "$Q" extract locked.txt good.txt && check unreadable 2 2 9 'locked.txt: Permission denied' '"doc":"good"'
    chmod 644 locked.txt
fi

mkdir -p tree/sub tree/dir.txt tree/z
printf '%s\n' "$SENT" > tree/a.txt
printf '%s\n' "$SENT" > tree/sub/b.txt
printf '%s\n' "$SENT" > tree/dir.txt/c.txt
printf 'not a document' > tree/notes.md
cp binary.txt tree/z/bin.txt
ln -s .. tree/sub/up
ln -s gone.txt tree/dangling.txt
command -v mkfifo >/dev/null 2>&1 && mkfifo tree/fifo.txt
run folder "$Q" extract tree &&
    check folder 2 6 100000 'tree/dangling.txt: No such file or directory' '"doc":"dir.txt/c"'
grep -q 'tree/sub/up: skipped: symbolic link loop' err || bad "folder: no line for the link loop"
if [ -p tree/fifo.txt ]; then grep -q 'tree/fifo.txt: skipped: not a regular file' err || bad "folder: no line for the FIFO"; fi
# ids of files found in a folder are their paths below it, so sub-folders never collide
for d in a sub/b dir.txt/c z/bin; do grep -q "\"doc\":\"$d\"" out || [ $d = z/bin ] || bad "folder: no records of $d"; done

# bench, test and eval find files through the same walker as extract: a FIFO is skipped,
# a symbolic link loop is reported, the rest is still processed (status 2).
run bench-folder "$Q" bench -n 1 --min-time 0 --stage tokens --raw tree &&
    check bench-folder 2 0 0 'tree/sub/up: skipped: symbolic link loop' 'stage name=tokens'
if [ -p tree/fifo.txt ]; then grep -q 'tree/fifo.txt: skipped: not a regular file' err || bad "bench-folder: no line for the FIFO"; fi
grep -q 'input docs=3 ' out || bad "bench-folder: expected the 3 readable text documents"
grep -q 'z/bin: skipped: not text' err || bad "bench-folder: no line for the binary document"

mkdir -p tc
printf '%s\n' "$SENT" > tc/a.txt
"$Q" extract tc/a.txt > tc/a.expected.jsonl
ln -s l.txt tc/l.txt
: > tc/l.expected.jsonl
ln -s .. tc/up
if command -v mkfifo >/dev/null 2>&1; then
    mkfifo tc/f.txt tc/g.expected.jsonl
    : > tc/f.expected.jsonl
fi
run test-folder "$Q" test --color never tc &&
    check test-folder 2 0 0 'tc/l.txt: Too many levels of symbolic links' '1 cases, 0 with differences'
if [ -p tc/f.txt ]; then
    grep -q 'tc/f.txt: skipped: not a regular file' err || bad "test-folder: no line for the FIFO text"
    grep -q 'tc/g.expected.jsonl: skipped: not a regular file' err || bad "test-folder: no line for the FIFO expected file"
fi

mkdir -p eb
printf '%s\n' "$SENT" > eb/a.txt
printf 'T1\tPERSON 31 43\tRyan Crocker\n' > eb/a.ann
ln -s z.txt eb/z.txt
: > eb/z.ann
command -v mkfifo >/dev/null 2>&1 && mkfifo eb/f.txt eb/g.ann && : > eb/f.ann && printf 'x\n' > eb/g.txt
run eval-brat-folder "$Q" eval --brat eb --map PERSON=PERSON &&
    check eval-brat-folder 2 0 0 'eb/z.txt: Too many levels of symbolic links' 'brat eb: 1 documents'
if [ -p eb/f.txt ]; then
    grep -q 'eb/f.txt: skipped: not a regular file' err || bad "eval-brat-folder: no line for the FIFO text"
    grep -q 'eb/g.ann: skipped: not a regular file' err || bad "eval-brat-folder: no line for the FIFO .ann"
fi
if [ -p eb/f.txt ]; then
    printf '{"doc":"f","kind":"entity","type":"PERSON","start":0,"end":1}\n{"doc":"a","kind":"entity","type":"PERSON","start":31,"end":43}\n' > eb/gold.jsonl
    run eval-gold-fifo "$Q" eval --gold eb/gold.jsonl &&
        check eval-gold-fifo 2 0 0 'eb/f.txt: skipped: not a regular file' 'gold eb/gold.jsonl: 1 documents'
fi

run stdout-full sh -c "'$Q' extract good.txt > /dev/full"
[ -e /dev/full ] && { [ $rc = 2 ] && grep -q 'writing the output failed' err && ok || bad "stdout-full: status $rc"; }

# ---- JSONL -------------------------------------------------------------------------------
{
    printf '{"id":"a","text":"%s"}\n' 'Ryan Crocker said \"hi.\"'
    printf '{bad json\n'
    printf '\n'
    printf '{"id":"c"}\n'
    printf '{"id":"d","text":"John Smith said \\"no.\\" \\u0000 \\ud800 x"}\r\n'
    printf '{"id":"e","text":"\377\376 John Smith left."}\n'
    printf '{"id":"f","text":"unterminated\n'
    printf '{"id":7,"text":"Ryan Crocker left."}'
} > docs.jsonl
run jsonl "$Q" extract --input jsonl docs.jsonl &&
    check jsonl 2 4 20 'docs.jsonl:2: malformed JSON line skipped' '"doc":"7"'
grep -q 'docs.jsonl:4: line skipped: no "text" string' err || bad "jsonl: no line for line 4"
grep -q 'docs.jsonl:7: malformed JSON line skipped' err || bad "jsonl: no line for line 7"
for d in a d e 7; do grep -q "\"doc\":\"$d\"" out || bad "jsonl: no records of $d"; done

# ---- rule files ----------------------------------------------------------------------------
mkdir -p r
printf 'include "b.rules"\n' > r/a.rules
printf 'include "a.rules"\n' > r/b.rules
run include-cycle "$Q" check --rules r/a.rules &&
    check include-cycle 3 0 0 'r/b.rules:1:9: error: include cycle: r/a.rules -> r/b.rules -> r/a.rules'

: > r/empty.rules
run empty-rules "$Q" check --rules r/empty.rules && check empty-rules 0 0 0

printf 'rule x : "caf\351" -> PERSON ;\n' > r/badutf.rules
run rules-bad-utf8 "$Q" check --rules r/badutf.rules &&
    check rules-bad-utf8 3 0 0 'r/badutf.rules:1:14: error: invalid UTF-8 byte 0xE9'

printf 'lexicon L "bad.txt"\nrule x : n:@L -> PERSON on n ;\n' > r/lex.rules
printf 'good\nbad \377\376 here\n' > r/bad.txt
run lexicon-bad-utf8 "$Q" check --rules r/lex.rules &&
    check lexicon-bad-utf8 3 0 0 'r/bad.txt:2:5: error: invalid UTF-8 \(lexicon .L.\)'

: > r/bad.txt
run lexicon-empty "$Q" check --rules r/lex.rules && check lexicon-empty 0 0 0

awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "Name%d Surname%d\n", i, i }' > r/bad.txt
printf 'Name999999 Surname999999 said hi.\n' > lexdoc.txt
run lexicon-1M "$Q" extract --rules r/lex.rules lexdoc.txt &&
    check lexicon-1M 0 1 1 '' '"text":"Name999999 Surname999999"'

printf 'lexicon Z "/dev/zero"\nrule x : @Z -> PERSON ;\n' > r/dev.rules
run lexicon-device "$Q" check --rules r/dev.rules &&
    check lexicon-device 3 0 0 "r/dev.rules:1:9: error: cannot read lexicon '/dev/zero'"

printf 'rule evil : q:/(a+)+$/ -> PERSON on q ;\n' > r/evil.rules
awk 'BEGIN { for (k = 0; k < 50; k++) { for (i = 0; i < 60; i++) printf "a"; printf "b " } print "" }' > evil.txt
run regex-limit "$Q" extract --rules r/evil.rules evil.txt &&
    check regex-limit 0 0 0 "evil: warning: rule 'evil': regex /\(a\+\)\+\\$/ gave up on the token at byte 0: match limit exceeded"
[ "$(grep -c 'gave up' err)" = 1 ] || bad "regex-limit: one warning per rule and document expected"

printf 'rule x : "a" -> PERSON ;\nrule x : "b" -> PERSON ;\nrule y : ( -> PERSON ;\n' > r/errs.rules
run rules-errors "$Q" check --rules r/errs.rules && check rules-errors 3 0 0 "r/errs.rules:2:6: error: duplicate rule name 'x'"
grep -q 'r/errs.rules:3:12: error' err || bad "rules-errors: errors not reported all at once"

echo "hostile: $pass passed, $fail failed"
[ $fail = 0 ]

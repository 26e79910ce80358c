#!/bin/sh
# One large document (README "One large document", issue #32): quarry extract runs a document
# over QUARRY_WINDOW_BYTES (512 KiB) window by window, so its memory does not grow with it.
#  - peak RSS of `quarry extract` on a 20 MB document made of corpus/*.txt stays below
#    8 bytes per input byte (it was about 44 when the whole document was held at once);
#  - on a 3 MB document (six windows), every format writes one document: the JSONL
#    records' text is the document's at their offsets (code points and bytes), quote ids run
#    q1, q2, ... over the whole document and part_of names an earlier one, records come from
#    every window; inline stripped of its tags is the text, with one <doc> wrapper; brat has
#    one "# doc:" line and distinct T/E ids whose offsets give their text; conll one
#    -DOCSTART-; the tokens format numbers tokens across windows;
#  - a folder with a small article, a 1 MB document and another article: -j 2 writes what
#    -j 1 writes, in input order, and the articles' records are those of extracting them alone.
# Usage: sh tests/bigdoc.sh build/quarry build/bench-gen build/peakrss
set -e
Q=${1:-build/quarry}
GEN=${2:-build/bench-gen}
PEAK=${3:-build/peakrss}
MB=${BIGDOC_MB:-20}
# the limit, bytes of peak RSS per input byte: 8; under ASan (make asan sets BIGDOC_LIMIT)
# shadow memory and the quarantine add their own, so the check there is that memory stays
# bounded (19 measured, a whole-document run is far above)
LIMIT=${BIGDOC_LIMIT:-8}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "bigdoc: FAIL: $*" >&2; exit 1; }

# ---- memory ------------------------------------------------------------------------------
"$GEN" text "${MB}M" corpus/*.txt > "$tmp/big.txt"
bytes=$(wc -c < "$tmp/big.txt" | tr -d ' ')
"$PEAK" -o "$tmp/rss" "$Q" extract -q "$tmp/big.txt" > "$tmp/big.jsonl" || fail "quarry extract failed: $(cat "$tmp/rss")"
kb=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$tmp/rss")
[ -n "$kb" ] || fail "no peak RSS: $(cat "$tmp/rss")"
ratio=$(awk -v k="$kb" -v b="$bytes" 'BEGIN { printf "%.2f", k * 1024 / b }')
echo "bigdoc: $bytes bytes, peak RSS $kb kB: $ratio bytes per input byte (limit $LIMIT)"
awk -v r="$ratio" -v l="$LIMIT" 'BEGIN { exit !(r < l) }' || fail "peak RSS $ratio bytes per input byte, over $LIMIT"
[ -s "$tmp/big.jsonl" ] || fail "no records from the large document"

# ---- every format on a document of three windows -----------------------------------------
"$GEN" text 3M corpus/*.txt > "$tmp/doc.txt"
"$Q" extract -q "$tmp/doc.txt" > "$tmp/doc.jsonl"
"$Q" extract -q --offsets bytes "$tmp/doc.txt" > "$tmp/doc.bytes.jsonl"
"$Q" extract -q --format inline "$tmp/doc.txt" > "$tmp/doc.xml"
"$Q" extract -q --format brat "$tmp/doc.txt" > "$tmp/doc.ann"
"$Q" extract -q --format conll "$tmp/doc.txt" > "$tmp/doc.conll"
"$Q" extract -q --format tokens "$tmp/doc.txt" > "$tmp/doc.tokens"
[ "$(grep -c '^-DOCSTART-' "$tmp/doc.conll")" -eq 1 ] || fail "conll: not one -DOCSTART- line"
[ "$(grep -c '^# doc: ' "$tmp/doc.ann")" -eq 1 ] || fail "brat: not one '# doc:' line"
[ "$(grep -o '<doc id=' "$tmp/doc.xml" | wc -l)" -eq 1 ] || fail "inline: not one <doc> wrapper"
[ "$(grep -o '</doc>' "$tmp/doc.xml" | wc -l)" -eq 1 ] || fail "inline: not one </doc>"

# ---- a large document between small ones, with threads ------------------------------------
mkdir "$tmp/mix"
cp corpus/000_663e7d9d773130fa.txt "$tmp/mix/a.txt"
head -c 1048576 "$tmp/doc.txt" > "$tmp/mix/b.txt"
cp corpus/entities-cricket.txt "$tmp/mix/c.txt"
"$Q" extract -q -j 1 "$tmp/mix" > "$tmp/mix1.jsonl"
"$Q" extract -q -j 2 "$tmp/mix" > "$tmp/mix2.jsonl"
cmp -s "$tmp/mix1.jsonl" "$tmp/mix2.jsonl" || fail "-j 2 differs from -j 1 with a large document among small ones"
[ "$(grep -o '"doc":"[^"]*"' "$tmp/mix2.jsonl" | uniq | tr -d '\n')" = '"doc":"a""doc":"b""doc":"c"' ] ||
    fail "documents out of input order around a large one"
"$Q" extract -q corpus/000_663e7d9d773130fa.txt | sed 's/"doc":"000_663e7d9d773130fa"/"doc":"a"/' > "$tmp/a.want"
grep '"doc":"a"' "$tmp/mix2.jsonl" | cmp -s - "$tmp/a.want" || fail "the article before the large document changed"

if ! command -v python3 > /dev/null 2>&1; then
    echo "bigdoc: SKIP offset checks: no python3"
    exit 0
fi
python3 - "$tmp" <<'EOF' || fail "offset checks (above)"
import json, re, sys, html
d = sys.argv[1]
raw = open(d + "/doc.txt", "rb").read()
text = raw.decode("utf-8", "replace")
W = 1 << 19
errs = []
def check(cond, msg):
    if not cond and len(errs) < 10: errs.append(msg)
recs = [json.loads(l) for l in open(d + "/doc.jsonl", encoding="utf-8")]
brecs = [json.loads(l) for l in open(d + "/doc.bytes.jsonl", encoding="utf-8")]
check(len(recs) == len(brecs) and len(recs) > 100, "records: %d, with byte offsets %d" % (len(recs), len(brecs)))
ids = []
for r, b in zip(recs, brecs):
    check(text[r["start"]:r["end"]] == r["text"], "chars: %r" % r)
    check(raw[b["start"]:b["end"]].decode("utf-8", "replace") == b["text"], "bytes: %r" % b)
    if r["kind"] == "quote":
        ids.append(r["id"])
        if r["part_of"]: check(r["part_of"] in ids, "part_of of %s names no earlier quote" % r["id"])
        sp = r["speaker"]
        if sp and sp.get("start") is not None:
            check(text[sp["start"]:sp["end"]] == sp["text"], "speaker: %r" % r)
nums = sorted(int(i[1:]) for i in ids)
check(nums == list(range(1, len(nums) + 1)), "quote ids are not q1..q%d" % len(nums))
last = max(r["start"] for r in recs)
check(last > 5 * W, "no record in the last window (last start %d)" % last)
# inline: the text, once the tags are gone
xml = open(d + "/doc.xml", encoding="utf-8").read()
body = re.sub(r"^<doc id=\"[^\"]*\">", "", xml)
body = re.sub(r"</doc>\n$", "", body)
body = html.unescape(re.sub(r"<[^>]*>", "", body))
check(body == text, "inline without its tags is not the text")
# brat: distinct ids; each T line's offsets give its text (fragments joined by a space)
seen = set()
for line in open(d + "/doc.ann", encoding="utf-8"):
    if line.startswith("#"): continue
    f = line.rstrip("\n").split("\t")
    check(f[0] not in seen, "brat id %s twice" % f[0])
    seen.add(f[0])
    if f[0].startswith("T"):
        frags = f[1].split(" ", 1)[1].split(";")
        got = " ".join(text[int(a):int(b)] for a, b in (x.split() for x in frags))
        check(got.replace("\t", " ") == f[2], "brat %s: %r != %r" % (f[0], got, f[2]))
# tokens: numbered 0.. across the windows, offsets in the document
n = 0
for line in open(d + "/doc.tokens", encoding="utf-8"):
    t = json.loads(line)
    check(t["i"] == n, "token %d numbered %d" % (n, t["i"]))
    check(text[t["start"]:t["end"]] == t["text"], "token %r" % t)
    n += 1
if errs:
    print("\n".join(errs))
    sys.exit(1)
print("bigdoc: 3 MB document: %d records, %d quotes, %d tokens, formats agree" % (len(recs), len(ids), n))
EOF

#!/bin/sh
# The HTML page of the seed article, rendered by headless Chromium: a screenshot
# (BUILD/html-test.png, to look at) and the rendered DOM, whose text must hold every
# speaker name and every quote of the seed output. Chromium (Debian package `chromium`)
# is installed when missing, as root; otherwise the test is skipped with a message.
set -e
Q=${1:-build/quarry}
OUTDIR=${2:-build}
SEED=corpus/000_663e7d9d773130fa.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "html: FAIL: $*" >&2; exit 1; }

CHROME=
for c in chromium chromium-browser; do command -v $c > /dev/null 2>&1 && { CHROME=$c; break; }; done
if [ -z "$CHROME" ] && [ "$(id -u)" = 0 ]; then
    echo "html: installing chromium" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null 2>&1 || true
    command -v chromium > /dev/null 2>&1 && CHROME=chromium
fi
if [ -z "$CHROME" ]; then
    echo "html: SKIP: chromium is not installed and cannot be (run as root: apt-get install -y chromium)"
    exit 0
fi

"$Q" extract --format html "$SEED" > "$tmp/page.html"
grep -Eq '(src|href)="https?:' "$tmp/page.html" && fail "the page fetches from the network"
flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --window-size=1400,2000"
timeout 120 $CHROME $flags --user-data-dir="$(mktemp -d -p "$tmp")" --screenshot="$OUTDIR/html-test.png" \
    "file://$tmp/page.html" > "$tmp/shot.log" 2>&1 || { cat "$tmp/shot.log" >&2; fail "chromium --screenshot failed"; }
[ "$(wc -c < "$OUTDIR/html-test.png")" -gt 20000 ] || fail "screenshot too small"
timeout 120 $CHROME $flags --user-data-dir="$(mktemp -d -p "$tmp")" --dump-dom "file://$tmp/page.html" \
    > "$tmp/dom.html" 2> "$tmp/dom.log" || { cat "$tmp/dom.log" >&2; fail "chromium --dump-dom failed"; }
# the page's text: tags out, entities back, lines joined
sed -e 's/<[^>]*>//g' -e 's/&quot;/"/g' -e "s/&#39;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' \
    -e 's/&nbsp;/ /g' -e 's/&amp;/\&/g' "$tmp/dom.html" | tr '\n' ' ' > "$tmp/text"
# speaker names and quotes from the TSV records (fields 12: speaker_name, 6: text)
"$Q" extract --format tsv --only quotes "$SEED" | tail -n +2 > "$tmp/quotes.tsv"
nq=$(wc -l < "$tmp/quotes.tsv")
[ "$nq" -gt 0 ] || fail "the seed has no quotes"
missing=0
cut -f6 "$tmp/quotes.tsv" > "$tmp/q.txt"
cut -f10 "$tmp/quotes.tsv" | sort -u | grep -v '^$' > "$tmp/names.txt"
while IFS= read -r line; do
    grep -qF -- "$line" "$tmp/text" || { echo "html: not on the page: $line" >&2; missing=$((missing + 1)); }
done < "$tmp/q.txt"
while IFS= read -r line; do
    grep -qF -- "$line" "$tmp/text" || { echo "html: speaker not on the page: $line" >&2; missing=$((missing + 1)); }
done < "$tmp/names.txt"
[ "$missing" -eq 0 ] || fail "$missing quotes or speakers missing from the rendered page"
echo "html: ok ($nq quotes, $(wc -l < "$tmp/names.txt") speakers on the rendered page; screenshot $OUTDIR/html-test.png)"

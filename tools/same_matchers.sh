#!/usr/bin/env bash
# same_matchers.sh [QUARRY] : are the records of the fast matcher byte-identical to those of
# the reference matcher (--matcher reference, the specification) on the BBC set, PolNeAR dev
# and train, corpus/ and the CoNLL-2003 texts (through quarry eval --conll)? Every set in JSON Lines, the explain format
# (every match and what it beat), --only entities and --only quotes; the CoNLL files through
# `quarry eval --conll FILE --errors N` (the figures, every miss and false alarm). Sets whose data is not in ../shared/data are
# skipped. The reference matcher is many times slower: a run takes minutes.
# Exit 0 identical, 1 differences, 2 no build.
set -u
cd "$(dirname "$0")/.."
Q=${1:-build/quarry}
D=../shared/data
[ -x "$Q" ] || { echo "same_matchers: no $Q (make first)"; exit 2; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
rc=0
OLD=("$Q" extract --matcher reference)
NEW=("$Q" extract --matcher fast)
. tools/compare_sets.sh
compare_sets
for f in "$D"/conll2003/testa.txt "$D"/conll2003/testb.txt "$D"/conll2003/train.txt; do
    [ -f "$f" ] || continue
    # the figures, and every miss and false alarm with its context
    QUARRY_MATCHER=reference "$Q" eval --conll "$f" --errors 10000000 >"$t/ref" 2>&1
    QUARRY_MATCHER=fast "$Q" eval --conll "$f" --errors 10000000 >"$t/fast" 2>&1
    if cmp -s "$t/ref" "$t/fast"; then
        echo "same:      eval --conll $f ($(wc -l <"$t/ref") lines)"
    else
        echo "DIFFERENT: eval --conll $f"; diff "$t/ref" "$t/fast" | head -10; rc=1
    fi
done
exit $rc

#!/bin/sh
# make eval: scores the shipped rules on the evaluation data in ../shared/data, when present.
# The data is evaluation-only and is read in place, never copied into the repository.
# Usage: sh tools/eval.sh [QUARRY_BINARY] [DATA_DIR]
#   QUARRY_BINARY  default build/quarry
#   DATA_DIR       default $QUARRY_DATA or ../shared/data
# Runs, for each data set found: CoNLL-2003 testa (plus the --oracle check, which must score
# 100: it proves the detokenise/map-back path is lossless), PolNeAR dev (brat, quotes) and the
# re3d subsets (entities). Set EVAL_TRAIN=1 to add CoNLL train. Exit 0 when the data is absent.
set -u
Q=${1:-build/quarry}
DATA=${2:-${QUARRY_DATA:-../shared/data}}
if [ ! -d "$DATA" ]; then
    echo "eval: no data folder at $DATA; skipped"
    exit 0
fi
status=0
ran=0
section() { printf '\n== %s\n' "$1"; }

if [ -f "$DATA/conll2003/testa.txt" ]; then
    ran=1
    section "CoNLL-2003 testa, oracle (gold as predictions: must be 100)"
    out=$("$Q" eval --oracle --conll "$DATA/conll2003/testa.txt") || status=2
    printf '%s\n' "$out" | tail -1
    case "$out" in
        *"all              100.00 100.00 100.00"*) ;;
        *) echo "eval: the CoNLL oracle does not score 100: the map-back path loses entities"; status=1 ;;
    esac
    section "CoNLL-2003 testa (dev)"
    "$Q" eval --conll "$DATA/conll2003/testa.txt" || status=2
    if [ "${EVAL_TRAIN:-0}" = 1 ] && [ -f "$DATA/conll2003/train.txt" ]; then
        section "CoNLL-2003 train"
        "$Q" eval --conll "$DATA/conll2003/train.txt" || status=2
    fi
fi

if [ -d "$DATA/polnear/dev" ]; then
    ran=1
    section "PolNeAR dev (brat; one annotator file per article: the first by name)"
    "$Q" eval --brat "$DATA/polnear/dev" || status=2
fi

if [ -d "$DATA/re3d" ]; then
    for d in "$DATA"/re3d/*/; do
        d=${d%/}
        [ -f "$d/documents.json" ] && [ -f "$d/entities.json" ] || continue
        ran=1
        section "re3d $(basename "$d")"
        "$Q" eval --re3d "$d" || status=2
    done
fi

[ "$ran" = 1 ] || echo "eval: no evaluation data found under $DATA; skipped"
exit $status

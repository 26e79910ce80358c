#!/bin/sh
# Golden corpus: every corpus/NAME.txt with NAME.expected.jsonl must give those records.
set -e
QUARRY=${1:-build/quarry}
sh tests/regression.sh "$QUARRY"
exec "$QUARRY" test --color never corpus corpus/re3d

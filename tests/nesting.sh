#!/bin/sh
# One record per statement: no quote record lies inside another (same document), and every
# quote record has a unique id, with part_of naming an earlier record. Checked on corpus/
# always, and on the BBC set and PolNeAR dev and train when ../shared/data holds them.
set -eu
QUARRY=${1:-build/quarry}
D=../shared/data
command -v python3 >/dev/null 2>&1 || { echo "nesting: python3 missing, skipped"; exit 0; }
sets="corpus"
for s in "$D/bbc" "$D/polnear/dev/text" "$D/polnear/train/text"; do
    if [ -d "$s" ]; then sets="$sets $s"; else echo "nesting: $s not here, skipped"; fi
done
rc=0
for s in $sets; do
    "$QUARRY" extract -q --only quotes "$s" | python3 -c '
import json, sys, collections
docs = collections.defaultdict(list)
for line in sys.stdin:
    r = json.loads(line)
    if r["kind"] == "quote": docs[r["doc"]].append(r)
bad = 0
for d, qs in docs.items():
    ids = [q["id"] for q in qs]
    if len(set(ids)) != len(ids) or ids != ["q%d" % (i + 1) for i in range(len(ids))]:
        print("nesting: %s: ids not q1..qN in order: %s" % (d, ids[:10])); bad += 1
    seen = set()
    for q in qs:
        if q["part_of"] is not None and q["part_of"] not in seen:
            print("nesting: %s: %s is part of %s, not an earlier record" % (d, q["id"], q["part_of"])); bad += 1
        seen.add(q["id"])
    qs = sorted(qs, key=lambda q: (q["start"], -q["end"]))
    end, outer = -1, None
    for q in qs:
        if end >= 0 and q["end"] <= end and q["start"] >= outer["start"]:
            print("nesting: %s: %s [%d,%d) lies inside %s [%d,%d)" % (d, q["id"], q["start"], q["end"], outer["id"], outer["start"], outer["end"])); bad += 1
        if q["end"] > end: end, outer = q["end"], q
n = sum(len(v) for v in docs.values())
print("nesting: %s: %d quote records in %d documents, %s" % (sys.argv[1], n, len(docs), "%d problems" % bad if bad else "none nested, ids in order"))
sys.exit(1 if bad else 0)
' "$s" || rc=1
done
exit $rc

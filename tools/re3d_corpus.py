#!/usr/bin/env python3
"""Copies a few documents of the redistributable re3d subsets (US State Department: public
domain; UK Government: OGL v3) from ../shared/data/re3d into corpus/re3d/ as golden
regression cases, with each subset's LICENSE and ATTRIBUTION files. Expected records are
then made with `build/quarry test --update corpus/re3d` and reviewed by hand.
Skips cleanly when the data is absent."""
import json, os, shutil, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "..", "shared", "data", "re3d")
SUBSETS = {"US State Department": "state", "UK Government": "ukgov"}
PER_SUBSET = 3

def main():
    if not os.path.isdir(DATA):
        print("re3d_corpus: %s not found, nothing to do" % DATA)
        return 0
    out = os.path.join(ROOT, "corpus", "re3d")
    os.makedirs(out, exist_ok=True)
    for subset, short in SUBSETS.items():
        src = os.path.join(DATA, subset)
        for name in ("LICENSE", "ATTRIBUTION"):
            shutil.copy(os.path.join(src, name), os.path.join(out, "%s.%s" % (short, name)))
        docs = [json.loads(l) for l in open(os.path.join(src, "documents.json"), encoding="utf-8") if l.strip()]
        docs.sort(key=lambda d: d["_id"])
        for d in docs[:PER_SUBSET]:
            path = os.path.join(out, "%s-%s.txt" % (short, d["_id"][:12].lower()))
            with open(path, "w", encoding="utf-8") as f:
                f.write(d["text"])
            print("wrote", os.path.relpath(path, ROOT))
    return 0

if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# Licences (issue #32): LICENSE (MIT) and NOTICE exist; every file under rules/lexicons/ —
# all embedded in the binary — is named in NOTICE, so a new list cannot be embedded without
# its licence line; NOTICE carries the attributions its sources require (GeoNames CC BY 4.0,
# the WordNet notice, LGPL and Apache licence texts beside it); `quarry --version` names the
# licence and the data sources and points at NOTICE; no list comes from a research-only
# corpus (CoNLL-2003 / Reuters RCV1).
# Usage: sh tests/notice.sh build/quarry
set -e
Q=${1:-build/quarry}
fail() { echo "notice: FAIL: $*" >&2; exit 1; }
[ -f LICENSE ] || fail "no LICENSE file"
grep -q '^MIT License' LICENSE || fail "LICENSE is not the MIT licence"
[ -f NOTICE ] || fail "no NOTICE file"
missing=""
n=0
for f in $(find rules/lexicons -type f | LC_ALL=C sort); do
    n=$((n + 1))
    grep -qF "$f" NOTICE || missing="$missing $f"
done
[ -z "$missing" ] || fail "not named in NOTICE (add each with its source and licence):$missing"
# No list derived from a research-only corpus (issue #32: the CoNLL-2003 / Reuters RCV1 lists
# were replaced): a file whose "#" header names such a source would be embedded against its
# terms.
research=""
for f in $(find rules/lexicons -type f | LC_ALL=C sort); do
    if sed -n '/^#/p' "$f" | grep -qiE 'CoNLL|RCV1|Reuters Corpus|research[- ]use'; then
        research="$research $f"
    fi
done
[ -z "$research" ] || fail "derived from a research-only corpus (not redistributable):$research"
grep -q 'Contains data from GeoNames, https://www.geonames.org/' NOTICE || fail "no GeoNames attribution"
grep -q 'WordNet 3.0 Copyright 2006 by Princeton University' NOTICE || fail "no WordNet notice"
for l in LICENSES/LGPL-2.1.txt LICENSES/Apache-2.0.txt; do
    [ -s "$l" ] || fail "$l missing"
done
v=$("$Q" --version)
for w in 'MIT licence' NOTICE GeoNames 'CC BY 4.0' LGPL WordNet; do
    printf '%s\n' "$v" | grep -q "$w" || fail "quarry --version does not mention '$w'"
done
printf '%s\n' "$v" | grep -qiE 'research use|conll_' &&
    fail "quarry --version lists research-use data"
echo "notice: LICENSE, NOTICE naming all $n files of rules/lexicons/, quarry --version"

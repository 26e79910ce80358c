#!/bin/sh
# The shared library's contract is include/quarry.h: libquarry.so must export exactly the
# functions declared QUARRY_API there, and nothing else (internal names stay hidden).
set -eu
SO=${1:-build/libquarry.so}
command -v nm >/dev/null 2>&1 || { echo "exports: nm missing (binutils), skipped"; exit 0; }
got=$(nm -D --defined-only "$SO" | awk '$2 ~ /^[TtWwDdBbRr]$/ {print $3}' | sort)
want=$(sed -n 's/^QUARRY_API .*[ *]\(quarry_[a-z_]*\)(.*/\1/p' include/quarry.h | sort)
if [ "$got" != "$want" ]; then
    echo "exports: libquarry.so does not export exactly the QUARRY_API functions of include/quarry.h"
    echo "$got" > /tmp/quarry-exports-got.$$; echo "$want" > /tmp/quarry-exports-want.$$
    diff /tmp/quarry-exports-want.$$ /tmp/quarry-exports-got.$$ || true
    rm -f /tmp/quarry-exports-got.$$ /tmp/quarry-exports-want.$$
    exit 1
fi
echo "exports: libquarry.so exports the $(echo "$want" | wc -l) QUARRY_API functions and nothing else"

#!/bin/sh
# `make install` into a temporary prefix, the example program built through pkg-config
# against it and run with LD_LIBRARY_PATH, its counts checked against `quarry extract`,
# then `make uninstall` and nothing of quarry left under the prefix.
# Usage: tests/install.sh MAKE BUILD   (run from the top folder by `make install-check`)
set -e
MAKE_CMD=${1:-make}
BUILD=${2:-build}
SEED=corpus/000_663e7d9d773130fa.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "install: FAIL: $*" >&2; exit 1; }
prefix="$tmp/prefix"

$MAKE_CMD --no-print-directory -s install PREFIX="$prefix" BUILD="$BUILD" > "$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log" >&2; fail "make install"; }
for f in bin/quarry lib/libquarry.a lib/libquarry.so include/quarry.h lib/pkgconfig/quarry.pc \
         share/man/man1/quarry.1 share/quarry/rules share/doc/quarry/LICENSE share/doc/quarry/NOTICE \
         share/doc/quarry/LICENSES/LGPL-2.1.txt share/doc/quarry/LICENSES/Apache-2.0.txt; do
    [ -e "$prefix/$f" ] || fail "$f not installed"
done
cmp -s LICENSE "$prefix/share/doc/quarry/LICENSE" || fail "the installed LICENSE differs"
cmp -s NOTICE "$prefix/share/doc/quarry/NOTICE" || fail "the installed NOTICE differs"
grep -q "^prefix=$prefix\$" "$prefix/lib/pkgconfig/quarry.pc" || fail "quarry.pc has the wrong prefix"

# the example, built only from the installed header, library and pkg-config file
cp examples/count.c examples/Makefile "$tmp/"
env -u MAKEFLAGS -u MFLAGS $MAKE_CMD --no-print-directory -s -C "$tmp" PREFIX="$prefix" > "$tmp/build.log" 2>&1 ||
    { cat "$tmp/build.log" >&2; fail "building examples/count.c against the installed library"; }
# a sanitizer build of the library needs its runtime loaded first
lib="$prefix/lib/libquarry.so"
asan=$(ldd "$lib" 2>/dev/null | awk '/libasan/ { print $3 }')
if [ -n "$asan" ]; then
    LD_PRELOAD="$asan"; export LD_PRELOAD
    ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"; export ASAN_OPTIONS
fi
LD_LIBRARY_PATH="$prefix/lib" "$tmp/count" "$SEED" "$SEED" > "$tmp/count.out" || fail "count exited $?"
unset LD_PRELOAD
ldd "$tmp/count" | grep -q "$prefix/lib/libquarry.so" 2>/dev/null ||
    LD_LIBRARY_PATH="$prefix/lib" ldd "$tmp/count" | grep -q "$prefix/lib/libquarry.so" || fail "count is not linked to the installed libquarry.so"
# expected: the records of `quarry extract` on the seed, twice, counted per kind and type
"$BUILD/quarry" extract -q "$SEED" "$SEED" |
    sed -n 's/^.*"kind":"\([a-z]*\)","type":"\([^"]*\)".*$/\1 \2/p' | LC_ALL=C sort | uniq -c |
    awk '{ printf "%s %s\t%d\n", $2, $3, $1; n += $1 } END { printf "total\t%d\n", n }' > "$tmp/expect.out"
LC_ALL=C sort -o "$tmp/expect.sorted" "$tmp/expect.out"
LC_ALL=C sort -o "$tmp/count.sorted" "$tmp/count.out"
cmp -s "$tmp/expect.sorted" "$tmp/count.sorted" ||
    { diff "$tmp/expect.sorted" "$tmp/count.sorted" >&2; fail "count output differs from quarry extract"; }

$MAKE_CMD --no-print-directory -s uninstall PREFIX="$prefix" BUILD="$BUILD" > "$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log" >&2; fail "make uninstall"; }
left=$(find "$prefix" -type f -o -type l)
[ -z "$left" ] || fail "left after make uninstall: $left"
echo "install: ok (make install, examples/count via pkg-config: $(tail -1 "$tmp/count.out" | cut -f2) records, make uninstall clean)"

#!/bin/sh
# The Python binding's unit tests (bindings/python/test_*.py) against BUILD/libquarry.so;
# skipped with a message when python3 is missing. A sanitizer build of the library gets its
# runtime preloaded (leak checks off: the interpreter keeps memory on purpose).
BUILD=${1:-build}
if ! command -v python3 > /dev/null 2>&1; then
    echo "python: SKIP: python3 is not installed"
    exit 0
fi
QUARRY_LIB="$(pwd)/$BUILD/libquarry.so"; export QUARRY_LIB
asan=$(ldd "$QUARRY_LIB" 2>/dev/null | awk '/libasan/ { print $3 }')
if [ -n "$asan" ]; then
    LD_PRELOAD="$asan"; export LD_PRELOAD
    ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"; export ASAN_OPTIONS
fi
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE
exec python3 -m unittest discover -s bindings/python -p 'test_*.py'

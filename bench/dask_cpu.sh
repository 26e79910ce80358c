#!/bin/sh
# What Dask costs on top of quarry (docs/PIPELINES.md): CPU seconds (user + sys, robust on
# a shared machine where wall time is not) of `quarry extract -j 2` and of one quarry_dask
# run on a local `dask scheduler` + 2 `dask worker` processes (1 thread each, already
# started and warmed up), the client and the cluster apart, and the cluster's idle CPU
# over 20 s to set against it. Three rounds, side by side.
#   sh bench/dask_cpu.sh [BUILD] [ARCHIVE]     (default: build, ../shared/data/bbc)
# Needs /usr/bin/python3 with distributed (Debian python3-distributed).
BUILD=${1:-build}
DATA=${2:-../shared/data/bbc}
PY=${PY:-/usr/bin/python3}
ROOT=$(pwd)
[ -e "$DATA" ] || { echo "dask_cpu: $DATA: not found" >&2; exit 2; }
"$PY" -c 'import distributed' 2> /dev/null || { echo "dask_cpu: $PY cannot import distributed" >&2; exit 2; }
DASK="$(dirname "$PY")/dask"
tmp=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2> /dev/null; done; sleep 1; rm -rf "$tmp"' EXIT
PYTHONPATH=$ROOT/bindings/python; export PYTHONPATH
QUARRY_LIB=$ROOT/$BUILD/libquarry.so; export QUARRY_LIB
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE
port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADDR=tcp://127.0.0.1:$port
$DASK scheduler --host 127.0.0.1 --port "$port" --no-dashboard > "$tmp/sched.log" 2>&1 &
pids=$!
for w in 1 2; do
    $DASK worker "$ADDR" --nthreads 1 --no-dashboard --local-directory "$tmp/w$w" > "$tmp/w$w.log" 2>&1 &
    pids="$pids $!"
done
"$PY" -c 'import sys; from distributed import Client; Client(sys.argv[1], timeout="60s").wait_for_workers(2, timeout=60)' "$ADDR" ||
    { echo "dask_cpu: the cluster did not start" >&2; exit 2; }
tick=$(getconf CLK_TCK)
cpu() {   # CPU seconds so far of the cluster's processes (scheduler, nannies, workers)
    all="$pids"
    for p in $pids; do all="$all $(pgrep -P "$p" | tr '\n' ' ')"; done
    for p in $all; do awk '{ print $14 + $15 }' "/proc/$p/stat" 2> /dev/null; done |
        awk -v t="$tick" '{ s += $1 } END { printf "%.2f", s / t }'
}
now() { date +%s.%N; }
dask_run() { "$PY" -m quarry_dask -q --scheduler "$ADDR" --partition-bytes 256k "$DATA" "$tmp/out"; }
dask_run   # warm-up: each worker compiles the rules once
b=$(cpu); t=$(now); sleep 20
echo "idle cluster: $(echo "$(cpu) - $b" | bc) CPU s in $(echo "$(now) - $t" | bc | cut -c1-5) s"
for r in 1 2 3; do
    cli=$({ /usr/bin/time -f "%U %S" "$BUILD/quarry" extract -q -j 2 "$DATA" > /dev/null; } 2>&1 | awk '{ print $1 + $2 }')
    b=$(cpu); t=$(now)
    client=$({ /usr/bin/time -f "%U %S" "$PY" -m quarry_dask -q --scheduler "$ADDR" --partition-bytes 256k \
        "$DATA" "$tmp/out"; } 2>&1 | awk '{ print $1 + $2 }')
    echo "round $r: quarry extract -j 2: $cli CPU s | quarry_dask: client $client CPU s, cluster $(echo "$(cpu) - $b" | bc) CPU s in $(echo "$(now) - $t" | bc | cut -c1-5) s"
done

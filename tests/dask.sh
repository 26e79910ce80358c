#!/bin/sh
# quarry on Dask distributed (bindings/python/quarry_dask.py, docs/PIPELINES.md): a real
# `dask scheduler` on a free local port and two `dask worker` processes (one thread each)
# run an archive through the Python binding; the records must equal one `quarry extract`
# process on the same input after sorting. The archive is ../shared/data/bbc (2,225 BBC
# News articles in five folders) when it is there, else corpus/; the folder is run as it
# is and as a JSON Lines archive (with a line without id, a numeric id and a malformed
# line, whose number both must report). Debian's python3-distributed and python3-dask are
# installed when missing, as root; otherwise the test is skipped with the command to run.
# The interpreter is the first of /usr/bin/python3 and the python3 on PATH that imports
# distributed. Every process started here is stopped on exit; each step has a time limit.
# Then quarry_dask without --scheduler (a local cluster it starts), and last the GNU parallel
# over ssh recipe of docs/PIPELINES.md, with ssh stood in for.
set -e
BUILD=${1:-build}
Q=$BUILD/quarry
# A sanitizer build (make asan): the library needs its runtime preloaded into every dask
# process the scheduler starts; the binding itself is checked under the sanitizers by
# tests/python.sh, so this test of distribution runs on the normal build only.
if ldd "$BUILD/libquarry.so" 2>/dev/null | grep -q libasan; then
    echo "dask: SKIP on a sanitizer build ($BUILD): run by make test on the normal build"
    exit 0
fi
ROOT=$(pwd)
tmp=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill -TERM "$p" 2> /dev/null || true; done
    n=0
    for p in $pids; do
        while kill -0 "$p" 2> /dev/null && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
        # a nanny's worker process, then the nanny itself, if TERM was not enough
        pkill -KILL -P "$p" 2> /dev/null || true
        kill -KILL "$p" 2> /dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fail() { echo "dask: FAIL: $*" >&2; exit 1; }

find_python() {
    for py in /usr/bin/python3 "$(command -v python3 2> /dev/null || true)"; do
        [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import distributed' > /dev/null 2>&1 && { echo "$py"; return; }
    done
}
PY=$(find_python)
if [ -z "$PY" ] && [ "$(id -u)" = 0 ]; then
    echo "dask: installing python3-distributed python3-dask" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-distributed python3-dask > /dev/null 2>&1 || {
        (apt-get update -qq || true) > /dev/null 2>&1
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-distributed python3-dask > /dev/null 2>&1 || true; }
    PY=$(find_python)
fi
if [ -z "$PY" ]; then
    echo "dask: SKIP: Dask distributed is not installed (run as root: apt-get install -y python3-distributed python3-dask)"
    exit 0
fi
# the dask command of that interpreter's installation (Debian: /usr/bin/dask)
DASK="$(dirname "$PY")/dask"
if [ -x "$DASK" ] && "$DASK" scheduler --help > /dev/null 2>&1; then
    SCHED="$DASK scheduler"; WORKER="$DASK worker"
elif [ -x "$(dirname "$PY")/dask-scheduler" ]; then
    SCHED="$(dirname "$PY")/dask-scheduler"; WORKER="$(dirname "$PY")/dask-worker"
else
    SCHED="$PY -m distributed.cli.dask_scheduler"; WORKER="$PY -m distributed.cli.dask_worker"
fi

if [ -d ../shared/data/bbc ]; then DATA=$(cd ../shared/data/bbc && pwd); WHAT="BBC News (../shared/data/bbc)"
else DATA=$ROOT/corpus; WHAT="corpus/ (../shared/data/bbc is absent)"; fi

PYTHONPATH=$ROOT/bindings/python; export PYTHONPATH
QUARRY_LIB=$ROOT/$BUILD/libquarry.so; export QUARRY_LIB
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE

port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADDR=tcp://127.0.0.1:$port
cd "$tmp"
$SCHED --host 127.0.0.1 --port "$port" --no-dashboard > sched.log 2>&1 &
pids="$!"
for w in 1 2; do
    $WORKER "$ADDR" --nworkers 1 --nthreads 1 --no-dashboard --name "quarry-test-$w" \
        --local-directory "$tmp/w$w" > "worker$w.log" 2>&1 &
    pids="$pids $!"
done
# both workers registered with the scheduler, within a minute
timeout 90 "$PY" -c '
import sys
from distributed import Client
c = Client(sys.argv[1], timeout="60s")
c.wait_for_workers(2, timeout=60)
print(len(c.scheduler_info()["workers"]))
c.close()' "$ADDR" > nworkers 2> wait.log || { cat sched.log worker1.log worker2.log wait.log >&2; fail "the scheduler and two workers did not start"; }
[ "$(cat nworkers)" = 2 ] || fail "$(cat nworkers) workers registered, not 2"

# partitions of a sixteenth of the archive: enough for both workers on BBC or on corpus/
total=$(find "$DATA" -name '*.txt' -type f -exec cat {} + | wc -c)
PB=$((total / 16 > 1024 ? total / 16 : 1024))
run_dask() {   # run_dask EXPECTED_STATUS ARGS...
    want=$1; shift
    st=0
    timeout 900 "$PY" -m quarry_dask --scheduler "$ADDR" --connect-timeout 20 --partition-bytes "$PB" "$@" \
        2> dask.err || st=$?
    [ "$st" = "$want" ] || { cat dask.err >&2; fail "quarry_dask $* exited $st, not $want"; }
    grep -q 'run by 2 workers' dask.err || { cat dask.err >&2; fail "the partitions did not run on both workers"; }
}
same_sorted() {   # same_sorted ONE.jsonl OUTDIR WHAT
    cat "$2"/part-*.jsonl > "$2.all"
    LC_ALL=C sort "$1" > one.sorted
    LC_ALL=C sort "$2.all" > dask.sorted
    cmp -s one.sorted dask.sorted || { diff one.sorted dask.sorted | head -5 >&2; fail "$3: records differ from one quarry extract"; }
    cmp -s "$1" "$2.all" && order=", and in the same order" || order=""
    docs=$(sed 's/^{"doc":"\([^"]*\)".*/\1/' "$1" | sort -u | wc -l)
    echo "dask: $3 on $WHAT: $docs documents, $(wc -l < "$1") records from 2 dask workers ($(ls "$2" | wc -l) partitions), same as one quarry extract after sorting$order"
}

# ---- a folder of .txt files ---------------------------------------------------------
timeout 900 "$ROOT/$Q" extract -q -j 2 "$DATA" > one.jsonl || fail "quarry extract $DATA failed"
[ "$(wc -l < one.jsonl)" -gt 100 ] || fail "too few records from quarry extract"
run_dask 0 "$DATA" out-folder
same_sorted one.jsonl out-folder "folder"

# ---- the same documents as a JSON Lines archive, and three odd lines --------------------
"$PY" - "$DATA" > archive.jsonl <<'EOF'
import json, os, sys
root = sys.argv[1]
out = sys.stdout.buffer
def walk(d):
    for n in sorted((n for n in os.listdir(d) if not n.startswith(".")), key=os.fsencode):
        p = os.path.join(d, n)
        if os.path.isdir(p):
            yield from walk(p)
        elif n.endswith(".txt"):
            yield p
for i, p in enumerate(walk(root)):
    text = open(p, "rb").read().decode("utf-8", "surrogateescape")   # invalid bytes kept
    rec = json.dumps({"id": os.path.relpath(p, root)[:-4], "text": text}, ensure_ascii=False)
    out.write(rec.encode("utf-8", "surrogateescape") + b"\n")
    if i == 3:
        out.write(b'{"text":"Tony Blair said the plan was working."}\n\n')
    if i == 7:
        out.write(b'{"id":42,"text":"Gordon Brown said: \\"It is done.\\""}\nnot json at all\n')
EOF
bad=$(grep -n '^not json' archive.jsonl | cut -d: -f1)
st=0; timeout 900 "$ROOT/$Q" extract -q -j 2 --input jsonl archive.jsonl > one-jsonl.jsonl 2> one.err || st=$?
[ "$st" = 2 ] || fail "quarry extract of the archive exited $st, not 2"
grep -q '"doc":"archive.jsonl:5"' one-jsonl.jsonl || fail "the line without id is not archive.jsonl:5"
run_dask 2 --write-on-workers archive.jsonl out-jsonl
grep -q "^quarry: archive.jsonl:$bad: malformed JSON line skipped" dask.err ||
    { cat dask.err >&2; fail "the malformed line $bad is not reported"; }
same_sorted one-jsonl.jsonl out-jsonl "JSONL archive (byte ranges, parts written by the workers)"

# ---- a scheduler that is not there ------------------------------------------------------
st=0; timeout 120 "$PY" -m quarry_dask --scheduler tcp://127.0.0.1:1 --connect-timeout 2 archive.jsonl out-none 2> none.err || st=$?
[ "$st" = 2 ] && grep -q 'cannot reach the Dask scheduler tcp://127.0.0.1:1' none.err ||
    { cat none.err >&2; fail "an unreachable scheduler: exit $st"; }
# ---- a library the workers cannot load, a rule error ------------------------------------
st=0; timeout 120 "$PY" -m quarry_dask --scheduler "$ADDR" --lib /nonexistent/libquarry.so archive.jsonl out-nolib 2> nolib.err || st=$?
[ "$st" = 2 ] && grep -q 'a worker cannot load the quarry library .*/nonexistent/libquarry.so' nolib.err ||
    { cat nolib.err >&2; fail "--lib to a missing library: exit $st"; }
printf 'rule x : @NOPE -> PERSON ;\n' > bad.rules
st=0; timeout 120 "$PY" -m quarry_dask --scheduler "$ADDR" --rules bad.rules archive.jsonl out-bad 2> bad.err || st=$?
[ "$st" = 3 ] && grep -q "bad.rules:1:.*NOPE" bad.err || { cat bad.err >&2; fail "a rule error: exit $st"; }
mkdir -p empty
st=0; timeout 120 "$PY" -m quarry_dask --scheduler "$ADDR" empty out-empty 2> empty.err || st=$?
[ "$st" = 2 ] && grep -q 'empty: no .txt files' empty.err || { cat empty.err >&2; fail "a folder without .txt files: exit $st"; }
echo "dask: scheduler, 2 workers ($PY, $SCHED): ok; an unreachable scheduler, a missing library, a rule error, a folder without .txt files: exit 2, 2, 3, 2"

# ---- no --scheduler: quarry_dask starts a local cluster of --workers processes ----------
st=0; timeout 600 "$PY" -m quarry_dask --workers 2 --partition-bytes 2k "$ROOT/corpus" out-local 2> local.err || st=$?
[ "$st" = 0 ] && grep -q 'run by 2 workers' local.err || { cat local.err >&2; fail "a local cluster: exit $st"; }
"$ROOT/$Q" extract -q "$ROOT/corpus" > one-local.jsonl
cat out-local/part-*.jsonl | LC_ALL=C sort > local.sorted
LC_ALL=C sort one-local.jsonl | cmp -s - local.sorted || fail "a local cluster: records differ from one quarry extract"
echo "dask: a local cluster (--workers 2) on corpus/: $(wc -l < local.sorted) records in $(ls out-local | wc -l) partitions, same as one quarry extract"

# ---- docs/PIPELINES.md's other recipe: GNU parallel over ssh ----------------------------
# The command line of the docs, with a stand-in for ssh that runs each job here and notes
# the host it was meant for (no ssh server needed): every record comes back, both hosts work.
if ! command -v parallel > /dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq parallel > /dev/null 2>&1 || true
fi
if ! command -v parallel > /dev/null 2>&1 || ! parallel --version 2>/dev/null | grep -q 'GNU parallel'; then
    echo "dask: SKIP GNU parallel over ssh: GNU parallel is not installed (apt-get install parallel)"
    exit 0
fi
cat > fakessh <<'EOF'
#!/bin/sh
# ssh [OPTIONS] HOST [--] COMMAND: notes HOST, runs COMMAND here. sshd gives the remote
# command the login shell in SHELL, which GNU parallel's remote wrapper runs the job with;
# the caller's SHELL may be unset or nologin (a CI service account), so set it as sshd would.
while [ $# -gt 0 ]; do case "$1" in -*) shift ;; *) break ;; esac; done
echo "$1" >> "$FAKESSH_LOG"
shift; [ "$1" = "--" ] && shift
SHELL=/bin/sh; export SHELL
exec sh -c "$*"
EOF
chmod +x fakessh
head -n 400 archive.jsonl | grep '^{"id"' > ssh.jsonl   # ids of their own: no FILE:LINE
"$ROOT/$Q" extract -q --input jsonl ssh.jsonl > one-ssh.jsonl
FAKESSH_LOG=$tmp/hosts PATH="$ROOT/$BUILD:$PATH" timeout 900 parallel --ssh "$tmp/fakessh" \
    --sshlogin 2/node1,2/node2 --pipe --block $(($(wc -c < ssh.jsonl) / 8 + 1)) -j 2 --will-cite \
    quarry extract -q --input jsonl -j 1 < ssh.jsonl > par-ssh.jsonl 2> par-ssh.err ||
    { st=$?; cat par-ssh.err >&2; head -c 2000 par-ssh.jsonl >&2; fail "parallel --sshlogin failed: exit $st"; }   # (its block size warnings kept out)
LC_ALL=C sort one-ssh.jsonl > one.sorted
LC_ALL=C sort par-ssh.jsonl > par.sorted
cmp -s one.sorted par.sorted || fail "parallel --sshlogin: records differ from one quarry extract"
hosts=$(sort -u hosts | tr '\n' ' ')
[ "$hosts" = "node1 node2 " ] || fail "parallel --sshlogin did not use both hosts: $hosts"
echo "dask: GNU parallel --sshlogin 2/node1,2/node2 --pipe (ssh stood in for): $(wc -l < par-ssh.jsonl) records, same as one process after sorting"

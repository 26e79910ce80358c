"""quarry over Dask distributed: one archive, many worker processes, many machines.

    /usr/bin/python3 -m quarry_dask --scheduler tcp://HOST:8786 ARCHIVE OUTDIR

ARCHIVE is a JSON Lines file (one {"id":..,"text":..} a line, read as `quarry extract
--input jsonl` reads it) or a folder of .txt files (every .txt below it, as `quarry extract
FOLDER` finds them, with the same document ids: the path below the folder without .txt,
e.g. business/001). The archive is cut into partitions of about --partition-bytes: byte
ranges of the JSONL file (each line belongs to the range it starts in) or runs of files.
Each partition is one Dask task; a worker process compiles the rules once and runs the
Python binding (quarry.py, ctypes over libquarry.so) over the partition's documents. The
records, the JSON Lines `quarry extract` prints, byte for byte, go to OUTDIR/part-NNNNN.jsonl
(one file per partition, in archive order: `cat OUTDIR/part-*.jsonl` is what one `quarry
extract` process prints).

Workers read the archive themselves, at the path given here: it must be visible at that
path on every worker (a shared file system, or the same copy on each machine). The records
come back to this process, which writes OUTDIR (--write-on-workers: the workers write their
parts into OUTDIR themselves, which must then be shared). Workers need quarry.py and
quarry_dask.py importable (PYTHONPATH) and libquarry.so (QUARRY_LIB, --lib, or installed).

Without --scheduler, a local cluster of --workers processes (one thread each) is started.
Exit status: 0 every document processed; 2 a usage error, an unreachable scheduler, or a
document or partition that could not be read, parsed or extracted (reported on stderr, the
other partitions are still written); 3 the rules do not compile.

As a library: run(client, archive, outdir) -> Summary, or the task functions
partition_jsonl, partition_folder, extract_partition for your own Dask graphs.
"""

import argparse
import json
import os
import re
import socket
import stat
import sys
import threading
import time

__all__ = ["partition_jsonl", "partition_folder", "extract_partition", "run", "main",
           "Summary"]

DEFAULT_PARTITION_BYTES = 4 << 20
EXIT_OK, EXIT_USAGE, EXIT_RULES = 0, 2, 3
_MAX_DEPTH = 64


# ---- partitions (computed by the client) ----------------------------------------------

def partition_jsonl(path, partition_bytes=DEFAULT_PARTITION_BYTES):
    """Byte ranges [start, end) covering the JSONL file at path, each about partition_bytes
    long. A line belongs to the range it starts in; a task reads it to its end."""
    size = os.stat(path).st_size
    step = max(1, int(partition_bytes))
    parts = [{"kind": "jsonl", "path": path, "start": s, "end": min(s + step, size)}
             for s in range(0, size, step)]
    return parts or [{"kind": "jsonl", "path": path, "start": 0, "end": 0}]


def _walk(root, errors):
    """(path, size) of every .txt file below root, in the order `quarry extract ROOT`
    takes them: names sorted by their bytes in each folder, dot files left out, subfolders
    where they sort, symbolic link loops and non-regular files reported and skipped."""
    out = []

    def walk(d, seen, depth):
        try:
            st = os.stat(d)
        except OSError as e:
            errors.append("%s: %s" % (d, e.strerror))
            return
        key = (st.st_dev, st.st_ino)
        if key in seen:
            errors.append("%s: skipped: symbolic link loop" % d)
            return
        if depth > _MAX_DEPTH:
            errors.append("%s: skipped: folders nested too deeply" % d)
            return
        try:
            names = [n for n in os.listdir(d) if not n.startswith(".")]
        except OSError as e:
            errors.append("%s: %s" % (d, e.strerror))
            return
        names.sort(key=os.fsencode)
        for n in names:
            p = d + "/" + n
            try:
                s2 = os.stat(p)
            except OSError as e:
                errors.append("%s: %s" % (p, e.strerror))
                continue
            if stat.S_ISDIR(s2.st_mode):
                walk(p, seen | {key}, depth + 1)
            elif not (len(n) > 4 and n.endswith(".txt")):
                continue
            elif not stat.S_ISREG(s2.st_mode):
                errors.append("%s: skipped: not a regular file" % p)
            else:
                out.append((p, s2.st_size))

    walk(root, frozenset(), 0)
    return out


def partition_folder(root, partition_bytes=DEFAULT_PARTITION_BYTES, errors=None):
    """Runs of files below root of about partition_bytes each (at least one file), in the
    order `quarry extract ROOT` reads them. Problems met while listing (unreadable folders,
    loops) are appended to errors."""
    errors = [] if errors is None else errors
    root = root.rstrip("/") or "/"
    parts, cur, size = [], [], 0
    for path, n in _walk(root, errors):
        cur.append(path[len(root) + 1:])
        size += n
        if size >= partition_bytes:
            parts.append({"kind": "files", "root": root, "files": cur})
            cur, size = [], 0
    if cur:
        parts.append({"kind": "files", "root": root, "files": cur})
    return parts


# ---- the work of one partition (runs on a worker) -------------------------------------

_rules = {}
_rules_lock = threading.Lock()


def _worker_rules(rules_path, lib):
    """The compiled rules of this worker process: compiled on the first task, then kept."""
    key = (rules_path, lib)
    with _rules_lock:
        r = _rules.get(key)
        if r is None:
            if lib:
                os.environ["QUARRY_LIB"] = lib      # read when quarry is first imported
            import quarry
            r = _rules[key] = quarry.Rules(rules_path) if rules_path else quarry.Rules()
        return r


def _first_key(pairs):
    d = {}
    for k, v in pairs:
        d.setdefault(k, v)          # the first of duplicate keys, as quarry's reader
    return d


def _no_constant(name):
    raise ValueError("invalid number %s" % name)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _jsonl_docs(path, start, end, errors):
    """(lineno within the range, id or None, text bytes) of the lines that start in
    [start, end); malformed lines are reported in errors as (lineno, message)."""
    with open(path, "rb") as f:
        if start > 0:
            f.seek(start - 1)
            f.readline()                 # the line that started before us is not ours
        pos = f.tell()
        lineno = 0
        while pos < end:
            line = f.readline()
            if not line:
                break
            pos += len(line)
            lineno += 1
            body = line.rstrip(b"\r\n")
            if not body.strip(b" \t"):
                continue
            try:
                raw = body.decode("utf-8")
                escaped = False
            except UnicodeDecodeError:
                raw = body.decode("utf-8", "surrogateescape")   # bytes kept as they are
                escaped = True
            try:
                obj = json.loads(raw, object_pairs_hook=_first_key, parse_constant=_no_constant)
            except ValueError as e:
                col = getattr(e, "colno", None)
                msg = getattr(e, "msg", str(e))
                errors.append((lineno, "malformed JSON line skipped: %s%s" % (
                    msg, " at column %d" % col if col else "")))
                continue
            text = obj.get("text") if isinstance(obj, dict) else None
            if not isinstance(text, str):
                errors.append((lineno, 'line skipped: no "text" string'))
                continue
            did = obj.get("id")
            if isinstance(did, bool) or did is None or not isinstance(did, (str, int, float)):
                did = None
            elif not isinstance(did, str):
                try:
                    did = "%.17g" % float(did)
                except OverflowError:              # strtod's answer to 1e400
                    did = "inf" if did > 0 else "-inf"
            if escaped:     # the line's invalid bytes go to quarry as they are
                data = text.encode("utf-8", "surrogateescape")
                if did is not None:
                    did = did.encode("utf-8", "surrogateescape")
            else:
                # a lone surrogate escape (\ud800) is U+FFFD, as quarry's JSON reader has it
                data = _SURROGATE.sub("\ufffd", text).encode("utf-8")
                if did is not None:
                    did = _SURROGATE.sub("\ufffd", did)
            yield lineno, did, data


def count_line_starts(path, start, end):
    """How many lines of the file start in [start, end)."""
    n = 1 if start == 0 and end > 0 else 0
    with open(path, "rb") as f:
        if start > 0:
            f.seek(start - 1)
        todo = end - 1 - max(start - 1, 0)
        while todo > 0:
            b = f.read(min(todo, 1 << 20))
            if not b:
                break
            n += b.count(b"\n")
            todo -= len(b)
    return n


def extract_partition(part, rules_path=None, only=None, byte_offsets=False,
                      max_doc_bytes=0, lib=None, quiet=False, out_path=None):
    """Runs quarry over one partition (from partition_jsonl, with "first_line": the number
    of its first line, or from partition_folder). Returns a dict: "records" (the JSON Lines,
    or None when written to out_path), "docs", "records_count", "messages" (the lines quarry
    extract would print on stderr, in order), "failed"."""
    rules = _worker_rules(rules_path, lib)
    import quarry
    chunks, messages = [], []
    docs = failed = 0

    def one(did, data):
        nonlocal docs, failed
        docs += 1
        warnings = None if quiet else []
        error = None
        try:
            chunks.append(rules.extract_jsonl(data, id=did, bytes=byte_offsets, only=only,
                                              max_doc_bytes=max_doc_bytes, warnings=warnings))
        except quarry.QuarryError as e:
            error = "quarry: %s" % e
        if warnings:        # the document's warnings, then its error, as quarry extract
            messages.extend(warnings)
        if error:
            messages.append(error)
            failed = 1

    if part["kind"] == "jsonl":
        path, first = part["path"], part.get("first_line", 1)
        errors = []
        try:
            for lineno, did, data in _jsonl_docs(path, part["start"], part["end"], errors):
                while errors:
                    ln, msg = errors.pop(0)
                    messages.append("quarry: %s:%d: %s" % (path, first + ln - 1, msg))
                    failed = 1
                one(did if did is not None else "%s:%d" % (path, first + lineno - 1), data)
        except OSError as e:
            messages.append("quarry: %s: %s" % (path, e.strerror))
            failed = 1
        for ln, msg in errors:
            messages.append("quarry: %s:%d: %s" % (path, first + ln - 1, msg))
            failed = 1
    else:
        root = part["root"]
        for rel in part["files"]:
            p = root + "/" + rel
            try:
                if max_doc_bytes:
                    size = os.stat(p).st_size
                    if size > max_doc_bytes:
                        messages.append("quarry: %s: skipped: %d bytes, over --max-doc-bytes %d"
                                        % (p, size, max_doc_bytes))
                        failed = 1
                        continue
                with open(p, "rb") as f:
                    data = f.read()
            except OSError as e:
                messages.append("quarry: %s: %s" % (p, e.strerror))
                failed = 1
                continue
            one(rel[:-4] if rel.endswith(".txt") else rel, data)

    text = "".join(chunks)
    result = {"docs": docs, "records_count": text.count("\n"), "messages": messages,
              "failed": failed, "records": text,
              "worker": "%d@%s" % (os.getpid(), socket.gethostname())}
    if out_path is not None:
        _write_atomic(out_path, text)
        result["records"] = None
    return result


def _write_atomic(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def _probe(lib):
    """Run on each worker before the work: loads the library (lib, when given, must be the
    one loaded), returns its version and path."""
    if lib:
        loaded = getattr(sys.modules.get("quarry"), "_lib", None)
        if loaded is not None and os.path.realpath(loaded._name) != os.path.realpath(lib):
            raise RuntimeError("%s: this worker has already loaded %s; restart it to load %s"
                               % (socket.gethostname(), loaded._name, lib))
        if not os.path.exists(lib):
            raise FileNotFoundError("%s: %s: no such file" % (socket.gethostname(), lib))
        os.environ["QUARRY_LIB"] = lib     # read when quarry is first imported
    import quarry
    return "%s %s" % (quarry.version(), quarry._lib._name)


# ---- the client -------------------------------------------------------------------------

class Summary:
    def __init__(self):
        self.partitions = self.docs = self.records = 0
        self.failed = 0
        self.workers = 0            # worker processes that ran partitions
        self.seconds = 0.0

    def __repr__(self):
        return ("Summary(partitions=%d, docs=%d, records=%d, failed=%d, workers=%d)"
                % (self.partitions, self.docs, self.records, self.failed, self.workers))


def _part_name(i):
    return "part-%05d.jsonl" % i


def run(client, archive, outdir, partition_bytes=DEFAULT_PARTITION_BYTES, rules_path=None,
        only=None, byte_offsets=False, max_doc_bytes=0, lib=None, quiet=False,
        write_on_workers=False, input_format=None, stderr=sys.stderr):
    """Extracts every document of archive (JSONL file or folder) on the Dask client's
    workers into outdir/part-NNNNN.jsonl. Messages go to stderr as `quarry extract` prints
    them, partition by partition in archive order. Returns a Summary."""
    t0 = time.time()
    summary = Summary()
    listing_errors = []
    if input_format is None:
        input_format = "text" if os.path.isdir(archive) else "jsonl"
    if input_format == "text":
        if not os.path.isdir(archive):
            raise OSError("%s: not a folder (--input text reads a folder of .txt files)" % archive)
        parts = partition_folder(archive, partition_bytes, listing_errors)
        if not parts and not listing_errors:   # as quarry extract: nothing to read is an error
            raise OSError("%s: no .txt files" % archive)
    else:
        if os.path.isdir(archive):
            raise OSError("%s: is a folder (--input jsonl reads one JSON Lines file)" % archive)
        parts = partition_jsonl(archive, partition_bytes)
        # the line number each range starts at, for messages and for the ids of lines
        # without one ("PATH:LINE", as quarry extract names them): counted on the workers
        counts = client.gather(client.map(count_line_starts, [p["path"] for p in parts],
                                          [p["start"] for p in parts],
                                          [p["end"] for p in parts], pure=False))
        first = 1
        for p, n in zip(parts, counts):
            p["first_line"] = first
            first += n
    for m in listing_errors:
        print("quarry: " + m, file=stderr)
    summary.failed = 1 if listing_errors else 0
    os.makedirs(outdir, exist_ok=True)
    stale = [n for n in os.listdir(outdir) if re.fullmatch(r"part-\d{5,}\.jsonl", n)]
    for n in stale:                 # a previous run's parts would mix with ours
        os.remove(os.path.join(outdir, n))
    outdir_abs = os.path.abspath(outdir)
    futures = []
    for i, p in enumerate(parts):
        out_path = os.path.join(outdir_abs, _part_name(i)) if write_on_workers else None
        futures.append(client.submit(extract_partition, p, rules_path=rules_path, only=only,
                                     byte_offsets=byte_offsets, max_doc_bytes=max_doc_bytes,
                                     lib=lib, quiet=quiet, out_path=out_path, pure=False))
    summary.partitions = len(parts)
    index = {f.key: i for i, f in enumerate(futures)}
    results = [None] * len(parts)
    from distributed import as_completed
    for fut in as_completed(futures):
        i = index[fut.key]
        try:
            r = fut.result()
        except Exception as e:         # the task itself failed (after Dask's retries)
            r = {"docs": 0, "records_count": 0, "failed": 1, "records": None, "worker": None,
                 "messages": ["quarry: %s: partition %d failed on the workers: %s: %s"
                              % (archive, i, type(e).__name__, e)]}
        if r["records"] is not None:
            _write_atomic(os.path.join(outdir, _part_name(i)), r["records"])
            r["records"] = None
        results[i] = r
        fut.release()
    for r in results:                  # messages in archive order, like one process
        for m in r["messages"]:
            print(m, file=stderr)
        summary.docs += r["docs"]
        summary.records += r["records_count"]
        summary.failed |= r["failed"]
    summary.workers = len({r["worker"] for r in results if r.get("worker")})
    summary.seconds = time.time() - t0
    return summary


def _size(v):
    m = re.fullmatch(r"(\d+)([kKmMgG]?)", v)
    if not m:
        raise argparse.ArgumentTypeError("'%s' is not a size (a number, k, M or G suffix)" % v)
    return int(m.group(1)) << {"": 0, "k": 10, "m": 20, "g": 30}[m.group(2).lower()]


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python3 -m quarry_dask",
        description="Extract the records of a JSONL archive or a folder of .txt files on a "
                    "Dask cluster (records identical to `quarry extract`).",
        epilog="Exit status: 0 every document processed; 2 a usage error, an unreachable "
               "scheduler or a document or partition that failed (reported, the rest still "
               "written); 3 rule errors. See docs/PIPELINES.md.")
    ap.add_argument("archive", help="a JSON Lines file or a folder of .txt files")
    ap.add_argument("outdir", help="where part-NNNNN.jsonl files go (one per partition)")
    ap.add_argument("--scheduler", metavar="ADDR",
                    help="the Dask scheduler, e.g. tcp://10.0.0.1:8786 (default: a local "
                         "cluster of --workers processes)")
    ap.add_argument("--connect-timeout", type=float, default=30, metavar="SECONDS",
                    help="how long to try reaching the scheduler (default 30)")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                    help="processes of the local cluster (without --scheduler)")
    ap.add_argument("--input", choices=["text", "jsonl"],
                    help="text: a folder of .txt files; jsonl: one document a line "
                         "(default: by what ARCHIVE is)")
    ap.add_argument("--partition-bytes", type=_size, default=DEFAULT_PARTITION_BYTES,
                    metavar="N", help="input bytes per task (k, M, G suffixes; default 4M)")
    ap.add_argument("--rules", metavar="PATH", help="a rule file or folder, as seen by workers")
    ap.add_argument("--only", choices=["entities", "quotes"])
    ap.add_argument("--offsets", choices=["chars", "bytes"], default="chars")
    ap.add_argument("--max-doc-bytes", type=_size, default=0, metavar="N")
    ap.add_argument("--lib", metavar="PATH", help="libquarry.so on the workers (else their "
                    "QUARRY_LIB, or the one beside quarry.py, or the installed one)")
    ap.add_argument("--write-on-workers", action="store_true",
                    help="workers write the parts into OUTDIR (a shared folder) themselves")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="no warnings and no summary line on stderr")
    a = ap.parse_args(argv)
    if a.rules:     # a rule error is found here, before any work is sent out
        try:
            _worker_rules(os.path.abspath(a.rules), a.lib)
        except Exception as e:
            print("quarry: %s" % e, file=sys.stderr)
            return EXIT_RULES
        a.rules = os.path.abspath(a.rules)
    if not os.path.exists(a.archive):
        print("quarry: %s: No such file or directory" % a.archive, file=sys.stderr)
        return EXIT_USAGE
    try:
        from distributed import Client, LocalCluster
    except ImportError as e:
        print("quarry: Dask distributed is not installed for %s (%s); Debian: apt-get install "
              "python3-distributed, and run /usr/bin/python3" % (sys.executable, e),
              file=sys.stderr)
        return EXIT_USAGE
    cluster = None
    try:
        if a.scheduler:
            client = Client(a.scheduler, timeout="%gs" % a.connect_timeout)
        else:
            cluster = LocalCluster(n_workers=max(1, a.workers), threads_per_worker=1,
                                   processes=True, dashboard_address=None)
            client = Client(cluster)
    except (OSError, TimeoutError) as e:
        print("quarry: cannot reach the Dask scheduler %s: %s" % (a.scheduler or "(local)", e),
              file=sys.stderr)
        return EXIT_USAGE
    try:
        try:
            versions = client.run(_probe, a.lib)
        except Exception as e:
            print("quarry: a worker cannot load the quarry library (quarry.py and quarry_dask.py "
                  "on the workers' PYTHONPATH, libquarry.so through QUARRY_LIB or --lib): %s: %s"
                  % (type(e).__name__, e), file=sys.stderr)
            return EXIT_USAGE
        if not versions:
            print("quarry: the scheduler %s has no workers" % a.scheduler, file=sys.stderr)
            return EXIT_USAGE
        try:
            s = run(client, a.archive, a.outdir, partition_bytes=a.partition_bytes,
                    rules_path=a.rules, only=a.only, byte_offsets=a.offsets == "bytes",
                    max_doc_bytes=a.max_doc_bytes, lib=a.lib, quiet=a.quiet,
                    write_on_workers=a.write_on_workers, input_format=a.input)
        except OSError as e:
            print("quarry: %s" % (e.strerror and "%s: %s" % (e.filename, e.strerror) or e),
                  file=sys.stderr)
            return EXIT_USAGE
        if not a.quiet:
            print("quarry_dask: %d documents, %d records, %d partitions run by %d workers, %.1f s"
                  % (s.docs, s.records, s.partitions, s.workers, s.seconds), file=sys.stderr)
        return EXIT_USAGE if s.failed else EXIT_OK
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    # tasks must name functions of the module quarry_dask, not __main__, so that workers
    # import it (from their PYTHONPATH) instead of receiving copies of this file's code
    import quarry_dask
    sys.exit(quarry_dask.main())

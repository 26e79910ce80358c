"""The partitions and tasks of quarry_dask, run in this process without Dask (tests/dask.sh
runs them on a real scheduler and workers): whatever the cut, the records are those of one
`quarry extract` process, in the same order, and so are the messages."""
import json
import os
import subprocess
import tempfile
import unittest

import quarry_dask

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CLI = os.path.join(os.path.dirname(os.environ.get("QUARRY_LIB", os.path.join(ROOT, "build", "x"))), "quarry")
CORPUS = os.path.join(ROOT, "corpus")


def run_parts(parts, **kw):
    out, msgs = [], []
    for p in parts:
        r = quarry_dask.extract_partition(p, **kw)
        out.append(r["records"])
        msgs += r["messages"]
    return "".join(out), msgs


def number_lines(parts):
    first = 1
    for p in parts:
        p["first_line"] = first
        first += quarry_dask.count_line_starts(p["path"], p["start"], p["end"])
    return parts


@unittest.skipUnless(os.path.exists(CLI), "needs the quarry binary beside libquarry.so")
class DaskPartsTest(unittest.TestCase):
    def cli(self, *args):
        p = subprocess.run([CLI, "extract", "-q", "-j", "2"] + list(args), capture_output=True)
        return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode()

    def test_folder_any_partition_size_is_one_quarry_extract(self):
        st, want, _ = self.cli(CORPUS)
        self.assertEqual(st, 0)
        for size in (1, 5000, 1 << 30):
            parts = quarry_dask.partition_folder(CORPUS, size)
            if size == 1:
                self.assertTrue(len(parts) > 20 and all(len(p["files"]) == 1 for p in parts))
            if size == 1 << 30:
                self.assertEqual(len(parts), 1)
            got, msgs = run_parts(parts, quiet=True)
            self.assertEqual(got, want, "partition size %d" % size)
            self.assertEqual(msgs, [])

    def test_folder_ids_are_paths_below_the_folder(self):
        with tempfile.TemporaryDirectory() as d:
            for sub in ("sport", "business"):
                os.mkdir(os.path.join(d, sub))
                with open(os.path.join(d, sub, "001.txt"), "w") as f:
                    f.write("Tony Blair said the %s plan was working.\n" % sub)
            with open(os.path.join(d, ".hidden.txt"), "w") as f:
                f.write("Gordon Brown said no.\n")
            got, _ = run_parts(quarry_dask.partition_folder(d, 1))
            st, want, _ = self.cli(d)
            self.assertEqual(got, want)
            self.assertEqual(sorted({l.split('"')[3] for l in got.splitlines()}),
                             ["business/001", "sport/001"])

    def test_folder_problems_are_reported_as_quarry_extract_reports_them(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "a.txt"), "w") as f:
                f.write("Tony Blair said the plan was working.\n")
            os.symlink("/nonexistent/file.txt", os.path.join(d, "b.txt"))   # dangling
            os.mkfifo(os.path.join(d, "c.txt"))
            os.mkdir(os.path.join(d, "loop"))
            os.symlink("..", os.path.join(d, "loop", "up"))
            errors = []
            parts = quarry_dask.partition_folder(d, 1 << 20, errors)
            got, msgs = run_parts(parts, quiet=True)
            st, want, err = self.cli(d)
            self.assertEqual(st, 2)
            self.assertEqual(got, want)
            self.assertEqual(["quarry: " + e for e in errors] + msgs, err.splitlines())
            self.assertEqual(len(errors), 3)

    def test_jsonl_byte_ranges_cut_nowhere_and_number_lines_as_quarry(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "a.jsonl")
            lines = []
            for i, name in enumerate(sorted(os.listdir(CORPUS))):
                if name.endswith(".txt") and i < 40:
                    with open(os.path.join(CORPUS, name), encoding="utf-8") as f:
                        lines.append(json.dumps({"id": name[:-4], "text": f.read()}))
            lines[2:2] = ['{"text":"Tony Blair said it was fine."}', "", "  ",
                          '{"id":7.5,"text":"Mr Brown said \\ud800 so."}\r',
                          "not json", '{"id":"x"}', '{"id":"dup","id":"second","text":"Ed Miliband said so."}']
            with open(path, "wb") as f:
                f.write(("\n".join(lines) + "\n").encode("utf-8"))
                # invalid UTF-8 in an id and a text, a lone surrogate escape in an id
                f.write(b'{"id":"caf\xe9","text":"Judge Ren\xe9e Dubois said so."}\n'
                        b'{"id":"x\\ud800y","text":"Tony Blair said so."}\n')
            st, want, err = self.cli("--input", "jsonl", path)
            self.assertEqual(st, 2)
            self.assertTrue('"doc":"%s:3"' % path in want)
            for doc in ("7.5", "caf\ufffd", "x\ufffdy"):    # JSON output is valid UTF-8
                self.assertTrue('"doc":"%s"' % doc in want, doc)
            size = os.path.getsize(path)
            for step in (3, 97, 4096, size):
                parts = number_lines(quarry_dask.partition_jsonl(path, step))
                got, msgs = run_parts(parts, quiet=True)
                self.assertEqual(got, want, "byte ranges of %d" % step)
                self.assertEqual([m.split(": ")[1] for m in msgs],
                                 [l.split(": ")[1] for l in err.splitlines()])
                self.assertEqual(msgs[1], 'quarry: %s:8: line skipped: no "text" string' % path)


if __name__ == "__main__":
    unittest.main()

"""Unit tests of the Python binding (run by `make test`: tests/python.sh)."""
import json
import os
import subprocess
import tempfile
import threading
import unittest

import quarry

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SEED = os.path.join(ROOT, "corpus", "000_663e7d9d773130fa.txt")
CLI = os.path.join(os.path.dirname(os.environ.get("QUARRY_LIB", os.path.join(ROOT, "build", "x"))), "quarry")


class BindingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(SEED, encoding="utf-8") as f:
            cls.text = f.read()

    def test_extract_equals_cli_jsonl(self):
        recs = quarry.extract(self.text, id="000_663e7d9d773130fa")
        self.assertGreater(len(recs), 20)
        if os.path.exists(CLI):
            out = subprocess.run([CLI, "extract", "-q", SEED], check=True, capture_output=True).stdout
            cli = [json.loads(l) for l in out.decode("utf-8").splitlines()]
            self.assertEqual(recs, cli)

    def test_extract_jsonl_is_the_cli_output_byte_for_byte(self):
        with open(SEED, "rb") as f:
            data = f.read()
        out = quarry.Rules().extract_jsonl(data, id="000_663e7d9d773130fa")
        self.assertTrue(out.endswith("\n"))
        self.assertEqual(len(out.splitlines()), len(quarry.extract(self.text)))
        if os.path.exists(CLI):
            cli = subprocess.run([CLI, "extract", "-q", SEED], check=True, capture_output=True).stdout
            self.assertEqual(out.encode("utf-8"), cli)

    def test_extract_jsonl_warnings_and_size_limit(self):
        r = quarry.Rules()
        warnings = []
        r.extract_jsonl(b"Judge Ren\xe9e Dubois said so.", id="latin1", warnings=warnings)
        self.assertEqual(warnings, ["quarry: latin1: warning: not UTF-8 (1 byte, the first at byte offset 9): "
                                    "read as Windows-1252; offsets count the converted text"])
        with self.assertRaises(quarry.QuarryError) as cm:
            r.extract_jsonl("x" * 100, id="big", max_doc_bytes=10)
        self.assertIn("big: document is 100 bytes, over the limit of 10", str(cm.exception))

    def test_only_one_kind(self):
        recs = quarry.extract(self.text)
        ents = [r for r in recs if r["kind"] == "entity"]
        quotes = [r for r in recs if r["kind"] == "quote"]
        self.assertTrue(ents and quotes)
        self.assertEqual(quarry.extract(self.text, only="entities"), ents)
        self.assertEqual(quarry.extract(self.text, only="quotes"), quotes)
        with self.assertRaises(ValueError):
            quarry.extract(self.text, only="people")

    def test_offsets_index_the_str(self):
        for r in quarry.extract(self.text):
            self.assertEqual(self.text[r["start"]:r["end"]], r["text"])
            if r["kind"] == "quote" and r["speaker"] and r["speaker"].get("start") is not None:
                s = r["speaker"]
                self.assertEqual(self.text[s["start"]:s["end"]], s["text"])

    def test_non_ascii_code_points(self):
        text = "Café owner Zoë Müller said: \u201cIt\u2019s fine.\u201d"
        for r in quarry.extract(text):
            self.assertEqual(text[r["start"]:r["end"]], r["text"])

    def test_speaker_resolution(self):
        recs = quarry.extract(self.text)
        q = [r for r in recs if r["kind"] == "quote" and r["type"] == "direct"]
        self.assertTrue(q)
        names = {r["speaker"]["name"] for r in q if r["speaker"]}
        self.assertIn("Ryan Crocker", names)
        self.assertIn("Hassan Kazemi Qomi", names)

    def test_rules_object_default_and_path(self):
        r = quarry.Rules()
        a = r.extract(self.text, id="x")
        self.assertTrue(all(x["doc"] == "x" for x in a))
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "t.rules")
            with open(p, "w") as f:
                f.write('rule t.crocker : "Crocker" -> PERSON ;\n')
            r2 = quarry.Rules(p)
            b = r2.extract(self.text)
            self.assertTrue(b)
            self.assertTrue(all(x["rule"] == "t.crocker" for x in b))
            r2.close()

    def test_bad_rules_raise(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "bad.rules")
            with open(p, "w") as f:
                f.write("rule x : @NOPE -> PERSON ;\n")
            with self.assertRaises(quarry.QuarryError) as cm:
                quarry.Rules(p)
            self.assertIn("NOPE", str(cm.exception))

    def test_threads_share_rules(self):
        r = quarry.Rules()
        want = r.extract(self.text)
        got = []

        def work():
            for _ in range(3):
                got.append(r.extract(self.text) == want)

        ts = [threading.Thread(target=work) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(got, [True] * 12)

    def test_byte_offsets_and_bytes_input(self):
        data = self.text.encode("utf-8")
        for r in quarry.extract(data, bytes=True):
            self.assertEqual(data[r["start"]:r["end"]].decode("utf-8"), r["text"])

    def test_version(self):
        self.assertRegex(quarry.version(), r"^\d+\.\d+\.\d+")


if __name__ == "__main__":
    unittest.main()

"""quarry for Python: ctypes over libquarry.so, standard library only, no build step.

    import quarry
    quarry.extract("Ryan Crocker said ...", id="doc1")   # -> list of dict (JSONL records)
    rules = quarry.Rules()              # the default rules, compiled once (or Rules(path))
    rules.extract(text, id="doc1")      # thread-safe: the rules are shared, state is not

Each record is the dict of one JSON Lines record of `quarry extract` (same fields: doc,
kind, type, start, end, text, name, role, speaker, cue, rule), offsets in code points into
the str you passed (bytes=True on extract gives UTF-8 byte offsets).

The library is found through the environment variable QUARRY_LIB (a path to
libquarry.so), else ../../build/libquarry.so relative to this file, else the system's
libquarry.so.0 / libquarry.so.
"""

import ctypes
import json
import os
import threading

__all__ = ["extract", "Rules", "QuarryError", "version"]

_EMIT_BYTE_OFFSETS = 1 << 0
_ONLY = {None: 0, "entities": 1 << 1, "quotes": 1 << 2}   # QUARRY_EMIT_ENTITIES, _QUOTES


class QuarryError(Exception):
    """A rule set that does not compile, or a document the engine refused."""


class _Options(ctypes.Structure):   # quarry_options
    _fields_ = [
        ("max_doc_bytes", ctypes.c_size_t),
        ("tokens_only", ctypes.c_int),
        ("explain", ctypes.c_int),
        ("warn", ctypes.c_void_p),
        ("warn_userdata", ctypes.c_void_p),
        ("only", ctypes.c_uint),
        ("encoding", ctypes.c_uint),   # QUARRY_ENCODING_*: 0 = auto
        ("matcher", ctypes.c_int),
    ]


class _Error(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_int),
        ("is_warning", ctypes.c_int),
        ("message", ctypes.c_char * 512),
        ("file", ctypes.c_char * 512),
        ("line", ctypes.c_int),
        ("column", ctypes.c_int),
    ]

    def __str__(self):
        msg = self.message.decode("utf-8", "replace")
        f = self.file.decode("utf-8", "replace")
        if f and self.line:
            return "%s:%d:%d: %s" % (f, self.line, self.column, msg)
        if f:
            return "%s: %s" % (f, msg)
        return msg


# quarry_diag_fn: (const quarry_error *, const char *src_line, size_t len, void *userdata)
_DIAG_FN = ctypes.CFUNCTYPE(None, ctypes.POINTER(_Error), ctypes.c_char_p, ctypes.c_size_t,
                            ctypes.c_void_p)


def _load():
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = []
    if os.environ.get("QUARRY_LIB"):
        candidates.append(os.environ["QUARRY_LIB"])
    candidates.append(os.path.join(here, "..", "..", "build", "libquarry.so"))
    candidates += ["libquarry.so.0", "libquarry.so"]
    errors = []
    for c in candidates:
        if os.sep in c and not os.path.exists(c):
            errors.append("%s: not found" % c)
            continue
        try:
            return ctypes.CDLL(c)
        except OSError as e:
            errors.append(str(e))
    raise ImportError("quarry: cannot load libquarry.so (set QUARRY_LIB): " + "; ".join(errors))


_lib = _load()
_p = ctypes.c_void_p
_lib.quarry_version.restype = ctypes.c_char_p
_lib.quarry_rules_default.restype = _p
_lib.quarry_rules_default.argtypes = [ctypes.POINTER(_Error)]
_lib.quarry_rules_load.restype = _p
_lib.quarry_rules_load.argtypes = [ctypes.c_char_p, _p, _p, ctypes.POINTER(_Error)]
_lib.quarry_rules_free.argtypes = [_p]
_lib.quarry_rules_free.restype = None
_lib.quarry_doc_new.restype = _p
_lib.quarry_doc_free.argtypes = [_p]
_lib.quarry_doc_free.restype = None
_lib.quarry_extract.restype = ctypes.c_int
_lib.quarry_extract.argtypes = [_p, _p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t, _p,
                                ctypes.POINTER(_Error)]
_lib.quarry_doc_to_jsonl.restype = _p          # a char * we must free with quarry_free
_lib.quarry_doc_to_jsonl.argtypes = [_p, ctypes.c_uint]
_lib.quarry_free.argtypes = [_p]
_lib.quarry_free.restype = None


def version():
    """The library's version string, e.g. '0.1.0'."""
    return _lib.quarry_version().decode()


class Rules:
    """A compiled rule set: Rules() is the built-in default set, Rules(path) compiles a
    .rules file or a folder of them. Compiled once, immutable, shareable between threads."""

    def __init__(self, path=None):
        err = _Error()
        if path is None:
            h = _lib.quarry_rules_default(ctypes.byref(err))
        else:
            h = _lib.quarry_rules_load(os.fsencode(path), None, None, ctypes.byref(err))
        if not h:
            raise QuarryError(str(err) or "cannot load rules")
        self._h = h
        self._local = threading.local()   # one quarry_doc per thread, reused

    def _doc(self):
        d = getattr(self._local, "doc", None)
        if d is None:
            d = _lib.quarry_doc_new()
            if not d:
                raise MemoryError("quarry_doc_new")
            self._local.doc = d
            # freed with the thread-local storage
            self._local.guard = _DocGuard(d)
        return d

    def extract(self, text, id="-", bytes=False, only=None):
        """Records of text (str, or bytes taken as UTF-8) as a list of dicts. only="entities"
        or only="quotes" keeps the records of one kind; entities alone skip the rule phases
        after the last one that makes entities (the quote phases of the default rules)."""
        out = self.extract_jsonl(text, id=id, bytes=bytes, only=only)
        return [json.loads(line) for line in out.splitlines() if line]

    def extract_jsonl(self, text, id="-", bytes=False, only=None, max_doc_bytes=0, warnings=None):
        """The records of text as the JSON Lines `quarry extract` prints for it (a str, one
        record a line, each ending in a newline; "" when there are none), byte for byte.
        id is a str or bytes. max_doc_bytes > 0 refuses larger documents (QuarryError, as
        --max-doc-bytes). When warnings is a list, the document's warnings (invalid UTF-8,
        PCRE2 limits) are appended to it as the lines `quarry extract` prints on stderr."""
        if self._h is None:
            raise ValueError("Rules object is closed")
        if only not in _ONLY:
            raise ValueError("only must be None, 'entities' or 'quotes', not %r" % (only,))
        data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else builtins_bytes(text)
        bid = id if isinstance(id, builtins_bytes) else id.encode("utf-8", "surrogatepass")
        doc = self._doc()
        err = _Error()
        opts = _Options(only=_ONLY[only], max_doc_bytes=max_doc_bytes)
        if warnings is not None:
            def warn(e, line, n, ud):
                warnings.append("quarry: %s: warning: %s" % (
                    e.contents.file.decode("utf-8", "replace"),
                    e.contents.message.decode("utf-8", "replace")))
            cb = _DIAG_FN(warn)           # kept alive until quarry_extract returns
            opts.warn = ctypes.cast(cb, ctypes.c_void_p)
        st = _lib.quarry_extract(self._h, doc, bid, data, len(data),
                                 ctypes.byref(opts), ctypes.byref(err))
        if st != 0:
            raise QuarryError(str(err))
        buf = _lib.quarry_doc_to_jsonl(doc, _EMIT_BYTE_OFFSETS if bytes else 0)
        if not buf:
            raise MemoryError("quarry_doc_to_jsonl")
        try:
            return ctypes.string_at(buf).decode("utf-8", "surrogateescape")
        finally:
            _lib.quarry_free(buf)

    def close(self):
        """Frees the compiled rules (also done when the object is collected)."""
        if getattr(self, "_h", None):
            _lib.quarry_rules_free(self._h)
            self._h = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


builtins_bytes = bytes


class _DocGuard:
    def __init__(self, d):
        self.d = d

    def __del__(self):
        try:
            _lib.quarry_doc_free(self.d)
        except Exception:
            pass


_default = None
_default_lock = threading.Lock()


def extract(text, id="-", bytes=False, only=None):
    """Records of text with the default rules (compiled on first use, then kept)."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = Rules()
    return _default.extract(text, id=id, bytes=bytes, only=only)

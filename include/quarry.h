/* quarry — rule-driven extraction of people, roles, places, organisations and
 * attributed quotes from news text.
 *
 * The one public header. Two handle types carry all state:
 *   quarry_rules  compiled rule set: built once, immutable, safe to share between threads;
 *   quarry_doc    per-document working state and results: reuse it for document after
 *                 document (its memory is an arena reset on each quarry_extract call).
 * Every _new/_load has a _free that accepts NULL. Strings handed out by the library are
 * owned by the handle they came from and stay valid until that handle is reset or freed. */
#ifndef QUARRY_H
#define QUARRY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The symbols libquarry exports: these functions alone (everything else is hidden). */
#if defined(__GNUC__) && !defined(QUARRY_STATIC_ONLY)
#define QUARRY_API __attribute__((visibility("default")))
#else
#define QUARRY_API
#endif

#define QUARRY_VERSION_MAJOR 0
#define QUARRY_VERSION_MINOR 1
#define QUARRY_VERSION_PATCH 0
#define QUARRY_VERSION_STRING "0.1.0"

/* The library's version string, e.g. "0.1.0" (static storage). */
QUARRY_API const char *quarry_version(void);

/* ---- errors ------------------------------------------------------------------------ */

typedef enum quarry_status {
    QUARRY_OK = 0,
    QUARRY_ERR_NOMEM,     /* allocation failed */
    QUARRY_ERR_IO,        /* a file could not be read */
    QUARRY_ERR_RULES,     /* a rule file has errors (see the diagnostics callback) */
    QUARRY_ERR_LIMIT,     /* a configured limit was hit (document size, PCRE2 match limit) */
    QUARRY_ERR_USAGE,     /* bad argument */
    QUARRY_ERR_NOT_TEXT   /* the document is binary data, not text (NUL and other control
                             characters: see quarry_options.encoding) */
} quarry_status;

/* One error or warning with its position. file/line/column are empty/0 when the error has
 * no place in a file. line and column are 1-based; column counts code points. */
typedef struct quarry_error {
    quarry_status code;
    int is_warning;
    char message[512];
    char file[512];
    int line;
    int column;
} quarry_error;

/* Receives each diagnostic of a rule compile (errors and warnings) as it is found, together
 * with the source line it refers to (not NUL-terminated, may be NULL). */
typedef void (*quarry_diag_fn)(const quarry_error *diag, const char *src_line, size_t src_line_len,
                               void *userdata);

/* Turns a status code into a short English phrase (static storage). */
QUARRY_API const char *quarry_status_string(quarry_status code);

/* ---- rules ------------------------------------------------------------------------- */

typedef struct quarry_rules quarry_rules;

/* The rule set embedded in the library at build time. Returns NULL and fills *err (may be
 * NULL) only if memory runs out. The caller owns the result: quarry_rules_free(). */
QUARRY_API quarry_rules *quarry_rules_default(quarry_error *err);

/* Compiles the rules at path: a .rules file, or a directory whose top-level *.rules files are
 * loaded in name order. Every diagnostic goes to diag (may be NULL); on any error the result
 * is NULL and *err holds the first one. The caller owns the result. */
QUARRY_API quarry_rules *quarry_rules_load(const char *path, quarry_diag_fn diag, void *userdata,
                                quarry_error *err);

/* Same as quarry_rules_load for rule text in memory; name is used in diagnostics and as the
 * base for relative include/lexicon paths (its folder). */
QUARRY_API quarry_rules *quarry_rules_compile(const char *name, const char *text, size_t len,
                                   quarry_diag_fn diag, void *userdata, quarry_error *err);

QUARRY_API void quarry_rules_free(quarry_rules *rules);

/* Number of rules, phases and lexicons (for reports). */
QUARRY_API size_t quarry_rules_count(const quarry_rules *rules);
QUARRY_API size_t quarry_rules_phase_count(const quarry_rules *rules);
QUARRY_API size_t quarry_rules_lexicon_count(const quarry_rules *rules);

/* ---- documents and records ------------------------------------------------------- */

typedef struct quarry_doc quarry_doc;

typedef enum quarry_kind { QUARRY_ENTITY = 0, QUARRY_QUOTE = 1 } quarry_kind;

/* A span of the document. Offsets are end-exclusive; bytes index the original input (BOM
 * and invalid bytes included), chars count code points (an invalid byte counts as one).
 * A document read in another encoding (quarry_options.encoding) is converted to UTF-8
 * first: both offsets then index the converted text (quarry_emit_text writes it). */
typedef struct quarry_span {
    int present;            /* 0 when the span is absent (e.g. a continuation quote's cue) */
    size_t start, end;      /* byte offsets */
    size_t cstart, cend;    /* code-point offsets */
} quarry_span;

/* One output record. All strings are NUL-terminated UTF-8 owned by the quarry_doc; a NULL
 * string means "absent". */
typedef struct quarry_record {
    quarry_kind kind;
    const char *type;       /* PERSON, ROLE, PLACE, ORG; direct, partial, indirect */
    quarry_span span;
    const char *name;       /* canonical name, entities (and speakers) */
    const char *role;
    const char *rule;       /* name of the rule that made the record */
    /* quotes only */
    int has_speaker;        /* 0: speaker is null */
    quarry_span speaker;    /* the speaker mention; absent for a continuation (no mention) */
    const char *speaker_name;   /* NULL when unresolved (a pronoun with no antecedent) */
    const char *speaker_role;
    quarry_span cue;
    const char *id;         /* "q1", "q2", ... unique in the document, in text order */
    const char *part_of;    /* id of the statement's first part, NULL when this is the first */
    const quarry_span *quoted;  /* indirect: the fragments in quote marks inside the clause */
    size_t nquoted;
    /* how the speaker's name was found: "mention" (the mention is the name), "alias" (a
       shorter mention of a fuller name), "pronoun", "role", "apposition", "continuation"
       (the previous part's speaker), "none" (unresolved) */
    const char *speaker_resolved;
} quarry_record;

/* A token, for debugging the tokenizer (see quarry_doc_token). */
typedef struct quarry_token {
    quarry_span span;
    const char *kind;       /* "word", "num", "punct", "quote", "dash", "url", "email", "sym" */
    uint32_t flags;         /* QUARRY_TF_* below */
} quarry_token;

#define QUARRY_TF_CAP        (1u << 0)  /* first letter upper/title case */
#define QUARRY_TF_ALLCAPS    (1u << 1)  /* two or more letters, none lower case */
#define QUARRY_TF_LOWER      (1u << 2)  /* has letters, all lower case */
#define QUARRY_TF_DIGIT      (1u << 3)  /* contains a digit */
#define QUARRY_TF_SENT_START (1u << 4)
#define QUARRY_TF_PARA_START (1u << 5)
#define QUARRY_TF_QOPEN      (1u << 6)  /* quote mark that opens */
#define QUARRY_TF_QCLOSE     (1u << 7)  /* quote mark that closes */
#define QUARRY_TF_QAMBIG     (1u << 8)  /* quote mark whose direction the neighbours leave open */
#define QUARRY_TF_ABBREV     (1u << 9)  /* abbreviation or initials with their dot */
#define QUARRY_TF_SPACE_BEFORE (1u << 10)
#define QUARRY_TF_SPACE_AFTER  (1u << 11)
#define QUARRY_TF_ALPHA      (1u << 12) /* contains a letter */
#define QUARRY_TF_SENT_END   (1u << 13) /* last token of a sentence */
#define QUARRY_TF_PARA_END   (1u << 14) /* last token of a paragraph */
#define QUARRY_TF_NONASCII   (1u << 15)
#define QUARRY_TF_LINE_START (1u << 16) /* the whitespace before it holds a line end (or first token) */

/* Options for one extraction. Zero-initialise, then set what you need. */
typedef struct quarry_options {
    size_t max_doc_bytes;   /* 0 = no limit; larger documents fail with QUARRY_ERR_LIMIT */
    int tokens_only;        /* 1: stop after tokenizing (no rules run) */
    int explain;            /* 1: keep every match and what it beat (QUARRY_FORMAT_EXPLAIN) */
    /* Warnings about the document (invalid UTF-8, PCRE2 limits hit) go here when set,
     * otherwise they are dropped. */
    quarry_diag_fn warn;
    void *warn_userdata;
    /* The record kinds wanted: 0 for both, or one of QUARRY_EMIT_ENTITIES and
     * QUARRY_EMIT_QUOTES (below); the document then holds only records of that kind. With
     * entities alone, the rule phases after the last one that makes entity annotations do not
     * run (with the default rules: the quote phases, about three times faster); with quotes
     * alone every phase runs, since speakers are entities. Ignored when explaining. */
    unsigned only;
    /* How the bytes are read: QUARRY_ENCODING_AUTO (0, the default): UTF-8, but a document
     * that is not valid UTF-8 (and has no UTF-8 BOM) keeps its valid UTF-8 sequences and
     * reads every other byte as Windows-1252, converted to UTF-8 before tokenizing, with one
     * warning; QUARRY_ENCODING_UTF8: invalid bytes are U+FFFD (one warning per document);
     * QUARRY_ENCODING_CP1252, QUARRY_ENCODING_LATIN1: every byte is one character of that
     * encoding. Whatever the encoding, a document whose first 8 KiB are more than a tenth
     * control characters (NUL, other C0 controls but tab, LF, FF, CR; DEL; C1) is not text:
     * quarry_extract fails with QUARRY_ERR_NOT_TEXT. */
    unsigned encoding;
    /* The matcher (QUARRY_MATCHER_*): 0 takes the environment variable QUARRY_MATCHER
     * ("reference" or "fast"; unset or anything else: fast). The reference matcher is the
     * specification: it starts every rule of a phase at every token, with none of the fast
     * matcher's start indexes and guards, and so is many times slower. Both give the same
     * records for any rule set and document (tests/test_matcher_diff.c, fuzz/fuzz_match.c). */
    int matcher;
} quarry_options;

#define QUARRY_ENCODING_AUTO   0u
#define QUARRY_ENCODING_UTF8   1u
#define QUARRY_ENCODING_CP1252 2u
#define QUARRY_ENCODING_LATIN1 3u

#define QUARRY_MATCHER_DEFAULT   0
#define QUARRY_MATCHER_FAST      1
#define QUARRY_MATCHER_REFERENCE 2

/* A fresh, empty document state. The caller owns it: quarry_doc_free(). */
QUARRY_API quarry_doc *quarry_doc_new(void);
QUARRY_API void quarry_doc_free(quarry_doc *doc);

/* Runs the pipeline over text (any bytes) with rules (NULL = tokens only). id names the
 * document in records and warnings (copied). Previous results in doc are discarded first.
 * The text is not copied: it must outlive the use of doc's results. Returns QUARRY_OK, or
 * an error with *err filled (may be NULL). */
QUARRY_API quarry_status quarry_extract(const quarry_rules *rules, quarry_doc *doc, const char *id,
                             const char *text, size_t len, const quarry_options *opts,
                             quarry_error *err);

/* One large document in windows. quarry_extract holds a whole document's tokens, lexicon
 * hits, annotations and records at once, about 40 bytes per input byte; quarry_extract_part
 * bounds that for a document of any size. Call it with *pos = 0, emit or read the records,
 * and call it again while *pos < len: each call extracts the next window of text and sets
 * *pos to where the next one starts (len after the last). A document of at most
 * QUARRY_WINDOW_BYTES is one window whose records are exactly quarry_extract's. A longer one
 * is cut before a paragraph (a blank line), preferring one that does not open with a quote
 * mark; failing that at a line end, a space, or a character boundary. Each window is
 * extracted on its own: no quote, speaker chain (pronoun, alias, continuation) or linked name
 * crosses a cut. Records have document offsets, quote ids go on counting (q1, q2, ... over the
 * whole document) and tokens (quarry_doc_token) have document offsets too; quarry_emit
 * writes a format's document header with the first window and its footer with the last.
 * text must stay the same buffer for all the calls. */
#define QUARRY_WINDOW_BYTES ((size_t)1 << 19)
QUARRY_API quarry_status quarry_extract_part(const quarry_rules *rules, quarry_doc *doc,
                                             const char *id, const char *text, size_t len,
                                             size_t *pos, const quarry_options *opts,
                                             quarry_error *err);

QUARRY_API const char *quarry_doc_id(const quarry_doc *doc);
QUARRY_API size_t quarry_doc_record_count(const quarry_doc *doc);
/* The i-th record in document order (by start, then end descending), NULL past the end. */
QUARRY_API const quarry_record *quarry_doc_record(const quarry_doc *doc, size_t i);
QUARRY_API size_t quarry_doc_token_count(const quarry_doc *doc);
/* Fills *tok with the i-th token; returns 0 past the end. */
QUARRY_API int quarry_doc_token(const quarry_doc *doc, size_t i, quarry_token *tok);

/* ---- output ---------------------------------------------------------------------- */

typedef enum quarry_format {
    QUARRY_FORMAT_JSONL = 0,
    QUARRY_FORMAT_TOKENS,
    QUARRY_FORMAT_EXPLAIN,  /* for people: each annotation, its rule, captures and the
                               matches it beat (needs quarry_options.explain) */
    QUARRY_FORMAT_INLINE,   /* the text with XML-style tags in place: <doc id=".."> ..
                               <PERSON name=".." role=".." rule="..">..</PERSON> ..
                               <QUOTE type=".." speaker=".." ..>..</QUOTE> .. </doc> */
    QUARRY_FORMAT_HTML,     /* a self-contained page for people (needs the begin/end hooks) */
    QUARRY_FORMAT_BRAT,     /* brat standoff .ann, PolNeAR attribution layout (Source, Cue,
                               Content, Attribution event), code-point offsets */
    QUARRY_FORMAT_CONLL,    /* CoNLL-2003 style: token _ _ IOB2-tag, PER/LOC/ORG/ROLE */
    QUARRY_FORMAT_TSV,      /* one record per line under a header line (begin hook) */
    QUARRY_FORMAT_SUMMARY   /* for people: who said what (quotes grouped by speaker) and
                               the people, places, organisations by mentions */
} quarry_format;

#define QUARRY_EMIT_BYTE_OFFSETS (1u << 0) /* offsets in bytes instead of code points */
#define QUARRY_EMIT_ENTITIES     (1u << 1) /* with neither ENTITIES nor QUOTES: both */
#define QUARRY_EMIT_QUOTES       (1u << 2)
#define QUARRY_EMIT_NO_WRAPPER   (1u << 3) /* inline: no <doc id=".."> wrapper; brat: no
                                              "# doc: ID" line (a file per document) */

/* Writes doc's records (or tokens) to out in the given format. Returns 0, or -1 when writing
 * failed (errno set by stdio). */
QUARRY_API int quarry_emit(const quarry_doc *doc, quarry_format format, unsigned flags, FILE *out);

/* Call once before the first and once after the last quarry_emit of a run into out: the
 * HTML page's head and foot, the TSV header line; nothing for the other formats. Return 0,
 * or -1 when writing failed. */
QUARRY_API int quarry_emit_begin(quarry_format format, FILE *out);
QUARRY_API int quarry_emit_end(quarry_format format, FILE *out);

/* Writes doc's text as the emitters index it (after decoding: quarry_options.encoding;
 * invalid UTF-8 bytes left as U+FFFD, one code point each): the .txt beside a brat .ann.
 * Returns 0 or -1. */
QUARRY_API int quarry_emit_text(const quarry_doc *doc, FILE *out);

/* doc's records as JSON Lines (quarry_emit with QUARRY_FORMAT_JSONL) in one NUL-terminated
 * malloc'd string; NULL when memory runs out. Release it with quarry_free. */
QUARRY_API char *quarry_doc_to_jsonl(const quarry_doc *doc, unsigned flags);
/* Frees memory the library handed out (quarry_doc_to_jsonl); NULL is allowed. */
QUARRY_API void quarry_free(void *p);

#ifdef __cplusplus
}
#endif
#endif

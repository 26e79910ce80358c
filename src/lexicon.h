/* Lexicons: named phrase lists compiled into one phrase trie over token hashes.
 * An entry is tokenized exactly as document text is, so "U.S. Ambassador" or "Iran's" key the
 * same tokens. Case-insensitive lists key on the folded hash, case-sensitive ones on the raw
 * (NFC) hash. Trie edges live in one open-addressing table keyed by (node, token hash). */
#ifndef QUARRY_LEXICON_H
#define QUARRY_LEXICON_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

typedef struct lexdb lexdb;

/* One feature of an entry: "gender=f" gives key "gender", value "f". */
typedef struct lex_feature {
    const char *key;
    const char *value;
} lex_feature;

/* One hit of a lexicon at a token position. */
typedef struct lex_hit {
    uint32_t lex;      /* lexicon id */
    uint32_t len;      /* tokens covered, >= 1 */
    uint32_t entry;    /* entry id, for lexdb_entry_features */
} lex_hit;

lexdb *lexdb_new(const abbrev_set *abbrevs);
void lexdb_free(lexdb *db);

/* Declares a lexicon; returns its id (>= 0) or -1 on OOM. Names are unique per db: declaring
 * an existing name returns the existing id. */
int lexdb_declare(lexdb *db, const char *name, int case_sensitive);
int lexdb_find(const lexdb *db, const char *name);  /* -1 when unknown */
const char *lexdb_name(const lexdb *db, uint32_t lex);
size_t lexdb_count(const lexdb *db);
size_t lexdb_entries(const lexdb *db, uint32_t lex);

/* Adds one phrase with optional features ("key=value" items separated by tabs or spaces,
 * may be NULL). Returns 0, -1 on OOM; an empty phrase (no tokens) is ignored. */
int lexdb_add(lexdb *db, uint32_t lex, const char *phrase, size_t n, const char *features,
              size_t flen);

/* Loads a lexicon file: one phrase a line, optional TAB then features, '#' starts a comment
 * line, blank lines ignored, a "\r\n" end accepted. On a malformed line (invalid UTF-8, an
 * overlong line) reports through err_line (1-based) and err_msg and returns -1 after the
 * whole file was read; returns -2 when the file cannot be read (errno set). */
int lexdb_load_file(lexdb *db, uint32_t lex, const char *path, size_t *err_line,
                    const char **err_msg);
/* The same for text in memory. */
int lexdb_load_text(lexdb *db, uint32_t lex, const char *text, size_t len, size_t *err_line,
                    const char **err_msg);

/* Finds every lexicon entry starting at token i (all lexicons, all lengths). Writes up to
 * max hits into out, ordered by lexicon id then length descending, and returns the number
 * found (which may exceed max; the rest are dropped). */
size_t lexdb_match(const lexdb *db, const tokens *toks, const char *src, size_t i, lex_hit *out,
                   size_t max);

/* lexdb_match at every token of toks, at most max hits each (max >= 1): the hits starting at
 * token i are (*hits)[first[i] .. first[i+1]) for i < toks->n (first[] has toks->n entries
 * to fill; the caller sets the end), and lex1[i] has bit l set when an entry of lexicon l
 * (< 64) is token i alone. *hits is malloc'ed (the caller frees it), *nhits its count.
 * Returns 0, -1 on OOM. The document pass (lexicon_hits, doc.h) is the same walk. */
int lexdb_match_all(const lexdb *db, const tokens *toks, size_t max, uint32_t *first,
                    uint64_t *lex1, lex_hit **hits, size_t *nhits);

/* INTERNAL, for tests: lexdb_match by a plain walk of the trie from its roots (no first-token
 * table, no filters). */
size_t lexdb_match_trie(const lexdb *db, const tokens *toks, size_t i, lex_hit *out, size_t max);

/* Features of an entry; returns the count and sets *f (owned by db). */
size_t lexdb_entry_features(const lexdb *db, uint32_t entry, const lex_feature **f);
/* Value of feature key on entry, NULL when absent. */
const char *lexdb_entry_feature(const lexdb *db, uint32_t entry, const char *key);

/* Longest phrase in tokens over all lexicons. */
size_t lexdb_max_len(const lexdb *db);

#endif

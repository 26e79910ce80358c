/* Tokenizer, sentences and paragraphs: turns a validated text into tokens with byte
 * offsets, a kind, shape/case flags and hashes of the raw (NFC) and case-folded forms. */
#ifndef QUARRY_TOKEN_H
#define QUARRY_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "quarry.h"
#include "text.h"

typedef enum tok_kind {
    TK_WORD = 0,   /* letters, with internal apostrophes/hyphens/dots (al-Maliki, U.S.) */
    TK_NUM,        /* 150,000  1985-86  $5.2  3.5% */
    TK_PUNCT,      /* . , ; : ! ? ( ) [ ] etc. */
    TK_QUOTE,      /* " “ ” ‘ ’ « » „ and ' used as a quote mark */
    TK_DASH,       /* - – — used between words */
    TK_URL,
    TK_EMAIL,
    TK_SYM,        /* anything else: symbols, emoji, U+FFFD for invalid bytes */
    TK__COUNT
} tok_kind;

extern const char *const tok_kind_names[TK__COUNT];

/* Flags are the public QUARRY_TF_* bits. */
typedef struct token {
    uint32_t start, end;      /* byte offsets into text.src, end exclusive */
    uint32_t flags;
    uint16_t kind;
    uint16_t sent;            /* reserved */
    uint64_t hraw;            /* hash_bytes (hash.h) of the NFC form, never 0 */
    uint64_t hfold;           /* hash_bytes of the NFC case-folded form, never 0 */
} token;

/* The abbreviation list: case-sensitive strings including their final dot ("Sept.", "U.S.",
 * "Gen."), loaded from rules/abbreviations.txt. Tokens are matched against it when a word is
 * followed by '.'. An immutable, shareable object. */
typedef struct abbrev_set abbrev_set;
abbrev_set *abbrev_set_new(void);
/* Adds one entry (with its dot). Returns 0, -1 on OOM. */
int abbrev_set_add(abbrev_set *s, const char *w, size_t n);
int abbrev_set_has(const abbrev_set *s, const char *w, size_t n);
/* The sentence splitter's words (rules/abbreviations.txt, rules/sentence_starters.txt): an
 * abbreviation that comes before a name or number ("Gen.", "No.") is added as an entry and
 * never ends a sentence; a sentence starter ("The") after any other abbreviation means the
 * sentence ended with it. 0, -1 on OOM. */
int abbrev_set_add_prefix(abbrev_set *s, const char *w, size_t n);
int abbrev_set_add_starter(abbrev_set *s, const char *w, size_t n);
void abbrev_set_free(abbrev_set *s);

typedef struct tokens {
    token *v;
    size_t n;
} tokens;

/* Tokenizes t into toks (arena-allocated from a). abbrevs may be NULL (then only initials
 * like "J.R.R." and "U.S." shapes are recognised). Marks sentence and paragraph starts/ends
 * and quote-mark directions. Returns 0, -1 on OOM. */
int tokenize(const text *t, const abbrev_set *abbrevs, arena *a, tokens *toks);

/* The tokens of a plain phrase s[0..n) (words of ASCII letters and digits with single
 * hyphens between two of them, separated by spaces) without the tokenizer: writes each
 * token's raw and folded hashes, exactly as tokenize gives them, to hraw[k] and hfold[k]
 * and returns the count (0 for nothing but spaces); -1 when the phrase has any other shape
 * or more than max tokens (tokenize it then). s[0..readable) may be read (readable >= n).
 * Lexicons key their lines with it (lexicon.c). */
long tokenize_plain(const char *s, size_t n, size_t readable, uint64_t *hraw, uint64_t *hfold,
                    size_t max);

/* Computes the hashes for a string as the tokenizer would for a token with that text
 * (used by lexicons and rule literals so that keys agree). Every producer of token hashes
 * goes through hash_bytes / hash_bytes_lower (hash.h); see there before changing one. */
uint64_t token_hash_raw(const char *s, size_t n);
uint64_t token_hash_fold(const char *s, size_t n);

#endif

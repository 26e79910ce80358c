/* Text layer: one UTF-8 validation pass per document, BOM and line-end facts, and
 * byte <-> code-point offset conversion for the edges (emitters, tests).
 * An invalid byte counts as one code point (U+FFFD) so both offset systems stay exact. */
#ifndef QUARRY_TEXT_H
#define QUARRY_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define TEXT_BLOCK 256   /* bytes per offset-index block */

typedef struct text {
    const char *src;     /* the original bytes, not owned */
    size_t len;
    size_t body;         /* 3 when the text starts with a UTF-8 BOM, else 0 */
    size_t n_invalid;    /* invalid bytes found */
    size_t n_chars;      /* code points in the whole text, BOM and invalid bytes included */
    int ascii;           /* 1 when every byte is < 0x80: byte and char offsets coincide */
    /* For block k, the first character boundary at or after k*TEXT_BLOCK and the number of
     * code points before it; absent (NULL) for ASCII texts. */
    uint32_t *blk_byte;
    uint64_t *blk_char;
    size_t n_blocks;
} text;

/* Called once for each invalid byte, in order (offset = byte offset in src). */
typedef void (*text_invalid_fn)(size_t offset, void *userdata);

/* Validates and indexes src. Allocates from a (the document arena). Returns 0, -1 on OOM. */
int text_init(text *t, const char *src, size_t len, arena *a, text_invalid_fn on_invalid,
              void *userdata);

/* Decodes the character at byte offset i (< len). Sets *cp (U+FFFD for an invalid byte) and
 * returns its length in bytes (1 for an invalid byte). Deterministic: the validation pass
 * and every later decoder agree on character boundaries. */
size_t text_decode(const char *s, size_t len, size_t i, uint32_t *cp);

/* Code-point offset of byte offset b (b at a character boundary, or len). */
size_t text_char_offset(const text *t, size_t b);
/* Byte offset of code-point offset c (c <= n_chars). */
size_t text_byte_offset(const text *t, size_t c);

#endif

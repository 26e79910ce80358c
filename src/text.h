/* Text layer: one UTF-8 validation pass per document, BOM and line-end facts, and
 * byte <-> code-point offset conversion for the edges (emitters, tests).
 * An invalid byte counts as one code point (U+FFFD) so both offset systems stay exact. */
#ifndef QUARRY_TEXT_H
#define QUARRY_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define TEXT_BLOCK 64    /* bytes per offset-index block */

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

/* Encodings a document can be read in (the values of quarry_options.encoding). */
enum { TEXT_ENC_AUTO = 0, TEXT_ENC_UTF8, TEXT_ENC_CP1252, TEXT_ENC_LATIN1 };

/* Decodes src (len bytes) to UTF-8 in a buffer from a, NUL-terminated. TEXT_ENC_CP1252 and
 * TEXT_ENC_LATIN1 read every byte as one character of that encoding (cp1252's five
 * undefined bytes 0x81 0x8D 0x8F 0x90 0x9D as the C1 controls U+0081 ..., as WHATWG's
 * windows-1252 decoder does); TEXT_ENC_AUTO keeps every valid UTF-8 sequence and reads each
 * byte that is not part of one as Windows-1252. Returns the new length, or (size_t)-1 when
 * out of memory. */
size_t text_transcode(const char *src, size_t len, int enc, arena *a, char **out);

/* How much of a document's start is binary rather than text: looks at its first
 * TEXT_SNIFF bytes (UTF-8) and counts the characters and the control characters among them
 * (C0 controls but tab, line feed, form feed and carriage return; DEL; C1 controls). The
 * document is "not text" when controls are more than a tenth of the characters. */
#define TEXT_SNIFF 8192
int text_not_text(const char *s, size_t len, size_t *n_ctrl, size_t *n_chars);

/* Code-point offset of byte offset b (b at a character boundary, or len). */
size_t text_char_offset(const text *t, size_t b);
/* The same counted on from boundary b0 (b0 <= b), whose code-point offset is c0. */
size_t text_char_offset_from(const text *t, size_t b0, size_t c0, size_t b);
/* Byte offset of code-point offset c (c <= n_chars). */
size_t text_byte_offset(const text *t, size_t c);

#endif

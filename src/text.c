/* Text layer: UTF-8 validation, BOM, and byte <-> code-point offsets (see text.h).
 *
 * Decoding is strict UTF-8 (RFC 3629): overlong forms, surrogates, code points above
 * U+10FFFF and truncated sequences are invalid. Every offending byte is one invalid
 * character of length 1 (U+FFFD); a valid sequence that follows is decoded normally. The
 * validation pass and text_decode share the same rules, so character boundaries agree. */
#include "text.h"

#include <string.h>
#if defined(__SSE2__) && !defined(QUARRY_NO_SIMD)
#include <emmintrin.h>
#endif

#define HI8 0x8080808080808080ULL

static inline uint64_t load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Length of the valid sequence starting at s[i] (lead byte >= 0x80), 0 when s[i] is an
 * invalid byte. Sets *cp for a valid sequence. */
static inline size_t decode_multi(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
    unsigned c = s[i];
    size_t rem = len - i;
    if (c < 0xC2) return 0;               /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) {
        if (rem < 2 || (s[i + 1] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (s[i + 1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        if (rem < 3) return 0;
        unsigned c1 = s[i + 1];
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0) lo = 0xA0;         /* overlong */
        else if (c == 0xED) hi = 0x9F;    /* surrogates */
        if (c1 < lo || c1 > hi || (s[i + 2] & 0xC0) != 0x80) return 0;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(c1 & 0x3F) << 6) | (s[i + 2] & 0x3F);
        return 3;
    }
    if (c < 0xF5) {
        if (rem < 4) return 0;
        unsigned c1 = s[i + 1];
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0) lo = 0x90;         /* overlong */
        else if (c == 0xF4) hi = 0x8F;    /* > U+10FFFF */
        if (c1 < lo || c1 > hi || (s[i + 2] & 0xC0) != 0x80 || (s[i + 3] & 0xC0) != 0x80)
            return 0;
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(c1 & 0x3F) << 12) |
              ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
        return 4;
    }
    return 0;
}

size_t text_decode(const char *str, size_t len, size_t i, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (s[i] < 0x80) {
        *cp = s[i];
        return 1;
    }
    size_t n = decode_multi(s, len, i, cp);
    if (n) return n;
    *cp = 0xFFFD;
    return 1;
}

int text_init(text *t, const char *src, size_t len, arena *a, text_invalid_fn on_invalid,
              void *userdata)
{
    const unsigned char *s = (const unsigned char *)src;
    memset(t, 0, sizeof *t);
    t->src = src;
    t->len = len;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) t->body = 3;

    /* Fast scan for the first non-ASCII byte: 32 bytes a step with SSE2 (baseline on
     * x86-64; QUARRY_NO_SIMD turns it off), then 8, then 1. */
    size_t i = 0;
#if defined(__SSE2__) && !defined(QUARRY_NO_SIMD)
    while (i + 32 <= len) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16));
        if (_mm_movemask_epi8(_mm_or_si128(a, b))) break;
        i += 32;
    }
#endif
    while (i + 8 <= len && !(load8(s + i) & HI8)) i += 8;
    while (i < len && s[i] < 0x80) i++;
    if (i == len) {
        t->ascii = 1;
        t->n_chars = len;
        return 0;
    }

    size_t nb = len / TEXT_BLOCK + 1;     /* block k covers [k*B, (k+1)*B); one for len */
    t->blk_byte = arena_alloc(a, nb * sizeof *t->blk_byte);
    t->blk_char = arena_alloc(a, nb * sizeof *t->blk_char);
    if (!t->blk_byte || !t->blk_char) return -1;
    t->n_blocks = nb;

    /* The ASCII prefix [0, i): every byte is a character. */
    size_t k = 0;                          /* next block to fill */
    for (; k * TEXT_BLOCK <= i && k < nb; k++) {
        t->blk_byte[k] = (uint32_t)(k * TEXT_BLOCK);
        t->blk_char[k] = k * TEXT_BLOCK;
    }
    size_t nc = i;                         /* characters before i */
    size_t next_blk = k * TEXT_BLOCK;      /* byte where block k starts */

    while (i < len) {
        /* Fill blocks whose start is at or before the character boundary i. */
        while (next_blk <= i) {
            t->blk_byte[k] = (uint32_t)i;
            t->blk_char[k] = nc;   /* i is the first boundary at or after the block start */
            k++;
            next_blk += TEXT_BLOCK;
        }
        if (s[i] < 0x80) {
            /* ASCII run, 8 bytes at a time while clear of the next block start. */
            while (i + 8 <= len && i + 8 <= next_blk && !(load8(s + i) & HI8)) {
                i += 8;
                nc += 8;
            }
            if (i < len && s[i] < 0x80 && i < next_blk) {
                i++;
                nc++;
            }
            continue;
        }
        uint32_t cp;
        size_t n = decode_multi(s, len, i, &cp);
        if (!n) {
            t->n_invalid++;
            if (on_invalid) on_invalid(i, userdata);
            n = 1;
        }
        i += n;
        nc++;
    }
    for (; k < nb; k++) {                  /* blocks starting at or after len */
        t->blk_byte[k] = (uint32_t)len;
        t->blk_char[k] = nc;
    }
    t->n_chars = nc;
    return 0;
}

size_t text_char_offset(const text *t, size_t b)
{
    if (t->ascii) return b;
    if (b >= t->len) return t->n_chars;
    size_t k = b / TEXT_BLOCK;
    size_t pos = t->blk_byte[k];
    size_t c = (size_t)t->blk_char[k];
    if (pos > b) {
        /* b is inside the character that straddles the block start: not a boundary.
         * Answer the offset of that character (step back one block). */
        if (k == 0) return 0;
        pos = t->blk_byte[k - 1];
        c = (size_t)t->blk_char[k - 1];
    }
    const unsigned char *s = (const unsigned char *)t->src;
    size_t i = pos;
    while (i < b) {
        size_t l = 1;
        if (s[i] >= 0x80) {
            uint32_t cp;
            l = decode_multi(s, t->len, i, &cp);
            if (!l) l = 1;
        }
        if (i + l > b) break;             /* b not on a boundary: stay at the char start */
        i += l;
        c++;
    }
    return c;
}

size_t text_byte_offset(const text *t, size_t c)
{
    if (t->ascii) return c <= t->len ? c : t->len;
    if (c >= t->n_chars) return t->len;
    /* Last block whose first boundary holds at most c characters before it. */
    size_t lo = 0, hi = t->n_blocks;      /* blk_char[0] == 0 <= c */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->blk_char[mid] <= c) lo = mid;
        else hi = mid;
    }
    const unsigned char *s = (const unsigned char *)t->src;
    size_t i = t->blk_byte[lo];
    size_t n = (size_t)t->blk_char[lo];
    while (n < c && i < t->len) {
        size_t l = 1;
        if (s[i] >= 0x80) {
            uint32_t cp;
            l = decode_multi(s, t->len, i, &cp);
            if (!l) l = 1;
        }
        i += l;
        n++;
    }
    return i;
}

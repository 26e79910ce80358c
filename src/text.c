/* Text layer: UTF-8 validation, BOM, and byte <-> code-point offsets (see text.h).
 *
 * Decoding is strict UTF-8 (RFC 3629): overlong forms, surrogates, code points above
 * U+10FFFF and truncated sequences are invalid. Every offending byte is one invalid
 * character of length 1 (U+FFFD); a valid sequence that follows is decoded normally. The
 * validation pass and text_decode share the same rules, so character boundaries agree.
 *
 * The same stage reads documents in other encodings (text_transcode: Windows-1252, Latin-1,
 * or UTF-8 with Windows-1252 for the bytes that are not UTF-8) and tells text from binary
 * data (text_not_text); src/pipeline.c decides which applies (quarry_options.encoding). */
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
    return text_char_offset_from(t, pos, c, b);
}

size_t text_char_offset_from(const text *t, size_t b0, size_t c0, size_t b)
{
    const unsigned char *s = (const unsigned char *)t->src;
    size_t i = b0, c = c0;
    while (i < b) {
#if defined(__SSE2__) && !defined(QUARRY_NO_SIMD)
        if (i + 16 <= b &&   /* 16 ASCII bytes: 16 characters */
            !_mm_movemask_epi8(_mm_loadu_si128((const __m128i *)(s + i)))) {
            i += 16;
            c += 16;
            continue;
        }
#endif
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

/* ---- decoding other encodings ---------------------------------------------------------- */

/* Windows-1252 bytes 0x80..0x9F (WHATWG's table: the five undefined bytes map to the C1
 * controls of the same value). Bytes 0xA0..0xFF are Latin-1. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static size_t put_utf8(unsigned char *o, uint32_t cp)
{
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
}

size_t text_transcode(const char *src, size_t len, int enc, arena *a, char **out)
{
    const unsigned char *s = (const unsigned char *)src;
    /* a byte becomes at most 3 bytes (0x80 -> U+20AC); a kept UTF-8 sequence its own length */
    if (len > ((size_t)-1 - 1) / 3) return (size_t)-1;
    unsigned char *o = arena_alloc(a, len * 3 + 1);
    if (!o) return (size_t)-1;
    size_t k = 0;
    for (size_t i = 0; i < len;) {
        unsigned c = s[i];
        if (c < 0x80) { o[k++] = (unsigned char)c; i++; continue; }
        if (enc == TEXT_ENC_AUTO) {
            uint32_t cp;
            size_t n = decode_multi(s, len, i, &cp);
            if (n) { memcpy(o + k, s + i, n); k += n; i += n; continue; }
        }
        uint32_t cp = enc != TEXT_ENC_LATIN1 && c < 0xA0 ? cp1252_hi[c - 0x80] : c;
        k += put_utf8(o + k, cp);
        i++;
    }
    o[k] = '\0';
    *out = (char *)o;
    return k;
}

int text_not_text(const char *str, size_t len, size_t *n_ctrl, size_t *n_chars)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n = len < TEXT_SNIFF ? len : TEXT_SNIFF, chars = 0, ctrl = 0;
    size_t i = 0;
#if defined(__SSE2__) && !defined(QUARRY_NO_SIMD)
    const __m128i lo = _mm_set1_epi8(0x1F), hi = _mm_set1_epi8(0x7F);
#endif
    while (i < n) {
#if defined(__SSE2__) && !defined(QUARRY_NO_SIMD)
        /* 16 printable ASCII bytes (0x20..0x7E): 16 characters, no control */
        if (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(v, lo), _mm_cmplt_epi8(v, hi));
            if (_mm_movemask_epi8(ok) == 0xFFFF) {
                chars += 16;
                i += 16;
                continue;
            }
        }
#endif
        for (size_t end = i + 16 < n ? i + 16 : n; i < end; i++) {
            unsigned c = s[i];
            if ((c & 0xC0) == 0x80) continue;            /* continuation byte */
            chars++;
            if (c < 0x20) ctrl += c != '\t' && c != '\n' && c != '\f' && c != '\r';
            else if (c == 0x7F) ctrl++;
            else if (c == 0xC2 && i + 1 < len && s[i + 1] >= 0x80 && s[i + 1] < 0xA0) ctrl++;
        }
    }
    if (n_ctrl) *n_ctrl = ctrl;
    if (n_chars) *n_chars = chars;
    return ctrl * 10 > chars;
}

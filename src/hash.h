/* The 64-bit hash of token and lexicon keys (and of the few string tables keyed by text).
 *
 * Tokens are compared by their hashes (token.hraw, token.hfold), so every producer must use
 * this one function: the tokenizer's fast and slow paths, token_hash_raw/token_hash_fold
 * (lexicon entries, rule literals) and anything else keyed on a token's text. Nothing is
 * persisted, so the function may change as long as every side changes with it.
 *
 * Definition, for n bytes p[0..n-1], words read little-endian:
 *     h = QH_SEED
 *     for each full 8-byte block b:  h = qh_round(h ^ b)
 *     t = the last n % 8 bytes, zero-padded (0 when n % 8 == 0)
 *     h = qh_fin(h ^ t ^ (n << 56))           (n << 56 modulo 2^64: n's low byte)
 *     n >= 8 and h == 0:  h = 1               (0 is never a hash)
 * qh_round (xorshift, multiply, xorshift) and qh_fin (MurmurHash3's fmix64) are bijections,
 * so strings shorter than 8 bytes never collide: the padding and the length byte make
 * h ^ t ^ (n << 56) distinct for distinct strings, and its top byte (0xA0 ^ n) is never
 * 0, so neither is the hash. Longer strings get a well-mixed 64-bit value (every input bit
 * reaches every output bit). Words of fewer than 8 bytes, most of running text, cost one
 * qh_fin; the tokenizer computes them from one 8-byte load (qh_short).
 *
 * hash_bytes_lower is the hash of the same bytes with A-Z lower-cased (other bytes as they
 * are): the folded hash of an ASCII token; for a token without capitals it equals
 * hash_bytes. */
#ifndef QUARRY_HASH_H
#define QUARRY_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define QH_SEED 0xA0761D6478BD642FULL     /* top byte >= 0x80: see above */
#define QH_ONES8 0x0101010101010101ULL
#define QH_HI8 0x8080808080808080ULL

static inline uint64_t qh_round(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xE7037ED1A0B428DBULL;
    x ^= x >> 29;
    return x;
}

static inline uint64_t qh_fin(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDULL;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ULL;
    x ^= x >> 33;
    return x;
}

/* The hash of a string of n < 8 bytes whose little-endian value (zero-padded) is w. */
static inline uint64_t qh_short(uint64_t w, size_t n)
{
    return qh_fin(QH_SEED ^ w ^ ((uint64_t)n << 56));
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline uint64_t qh_load8(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t qh_load4(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
#else
static inline uint64_t qh_load8(const unsigned char *p)
{
    uint64_t v = 0;
    for (int k = 7; k >= 0; k--) v = v << 8 | p[k];
    return v;
}

static inline uint64_t qh_load4(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}
#endif

/* The last r = n % 8 bytes of p[0..n-1] as a little-endian value; reads only p[0..n-1]. */
static inline uint64_t qh_tail(const unsigned char *p, size_t n)
{
    size_t r = n & 7;
    if (!r) return 0;
    if (n >= 8) return qh_load8(p + n - 8) >> (8 * (8 - r));   /* the bytes before are ours */
    if (r >= 4) return qh_load4(p) | qh_load4(p + r - 4) << (8 * (r - 4));
    return (uint64_t)p[0] | (uint64_t)p[r >> 1] << (8 * (r >> 1)) | (uint64_t)p[r - 1] << (8 * (r - 1));
}

/* A-Z lower-cased in each byte of x; other bytes (>= 0x80 included) unchanged. */
static inline uint64_t qh_lower8(uint64_t x)
{
    uint64_t x7 = x & ~QH_HI8;
    uint64_t up = (x7 + QH_ONES8 * (0x80 - 'A')) & ~(x7 + QH_ONES8 * (0x7F - 'Z')) & ~x & QH_HI8;
    return x | up >> 2;     /* 0x80 >> 2 is 0x20, the bit that lower-cases a capital */
}

static inline uint64_t qh_hash(const unsigned char *p, size_t n, int lower)
{
    uint64_t h = QH_SEED;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t b = qh_load8(p + k);
        h = qh_round(h ^ (lower ? qh_lower8(b) : b));
    }
    uint64_t t = qh_tail(p, n);
    if (lower) t = qh_lower8(t);
    h = qh_fin(h ^ t ^ ((uint64_t)n << 56));
    return h + (h == 0);
}

static inline uint64_t hash_bytes(const void *p, size_t n)
{
    return qh_hash(p, n, 0);
}

static inline uint64_t hash_bytes_lower(const void *p, size_t n)
{
    return qh_hash(p, n, 1);
}

#endif

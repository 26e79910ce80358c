/* Tokenizer, sentences and paragraphs (see token.h).
 *
 * One left-to-right pass over the bytes produces tokens with kinds, quote directions,
 * space/paragraph facts and hashes; a second pass over the tokens marks sentences.
 * ASCII is handled through a 256-entry class table without any utf8proc call; other code
 * points are decoded with text_decode (so invalid bytes are the same single-byte
 * characters the text layer counted) and classified with utf8proc_category. */
#include "token.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

const char *const tok_kind_names[TK__COUNT] = {
    "word", "num", "punct", "quote", "dash", "url", "email", "sym",
};

/* ---- ASCII classes ------------------------------------------------------------------ */

enum {
    CL_UP = 1,      /* A-Z */
    CL_LO = 2,      /* a-z */
    CL_DIG = 4,     /* 0-9 */
    CL_WS = 8,      /* space \t \v \f \r \n */
    CL_NL = 16,     /* \r \n */
    CL_HI = 32,     /* >= 0x80 */
    CL_RP = 64,     /* , . ; : ! ? ) ] } -  (punctuation that may follow a closing quote) */
    CL_US = 128,    /* stops a URL: whitespace, controls, " < > ' */
    CL_ALPHA = CL_UP | CL_LO,
    CL_WORD = CL_UP | CL_LO | CL_DIG,
};

static const unsigned char CL[256] = {
    128, 128, 128, 128, 128, 128, 128, 128, 128, 136, 152, 136, 136, 152, 128, 128,
    128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128, 128,
    136,  64, 128,   0,   0,   0,   0, 128,   0,  64,   0,   0,  64,  64,  64,   0,
      4,   4,   4,   4,   4,   4,   4,   4,   4,   4,  64,  64, 128,   0, 128,  64,
      0,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,
      1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   1,   0,   0,  64,   0,   0,
      0,   2,   2,   2,   2,   2,   2,   2,   2,   2,   2,   2,   2,   2,   2,   2,
      2,   2,   2,   2,   2,   2,   2,   2,   2,   2,   2,   0,   0,  64,   0, 128,
     32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,
     32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,
     32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,
     32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,
     32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,
     32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,
     32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,
     32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,  32,
};

static inline unsigned lower_ascii(unsigned c) { return c + ((unsigned)(c - 'A' < 26u) << 5); }

/* utf8proc categories by range (see utf8proc.h): letters 1..5, marks 6..8, numbers 9..11. */
static inline int cat_letter(int cat) { return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO; }
static inline int cat_wordch(int cat) { return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO; }

/* Scripts written without spaces: Han, kana (and their punctuation-free letters). A run of
 * them is one token, split from Latin letters next to it. */
static inline int is_cjk(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x2FDF) || (cp >= 0x3040 && cp <= 0x30FF) ||
           (cp >= 0x3100 && cp <= 0x31FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFF66 && cp <= 0xFF9F) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

static inline int is_quote_cp(uint32_t cp)
{
    switch (cp) {
    case 0x00AB: case 0x00BB: case 0x2018: case 0x2019: case 0x201A: case 0x201B:
    case 0x201C: case 0x201D: case 0x201E: case 0x201F: case 0x2039: case 0x203A:
    case 0x300C: case 0x300D: case 0x300E: case 0x300F:
        return 1;
    default:
        return 0;
    }
}

/* +1 opening glyph, -1 closing glyph. */
static inline int quote_glyph_dir(uint32_t cp)
{
    switch (cp) {
    case 0x201C: case 0x201E: case 0x201F: case 0x00AB: case 0x2039: case 0x2018:
    case 0x201A: case 0x201B: case 0x300C: case 0x300E:
        return 1;
    default:
        return -1;
    }
}

static inline int is_dash_cp(uint32_t cp)
{
    return (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2E3A || cp == 0x2E3B || cp == 0xFE58 ||
           cp == 0xFE63 || cp == 0xFF0D;
}

/* Decodes s[i]; returns its length, 0 for an invalid byte (length 1, U+FFFD). */
static inline size_t dec(const unsigned char *s, size_t len, size_t i, uint32_t *cp)
{
    if (s[i] < 0x80) {
        *cp = s[i];
        return 1;
    }
    size_t n = text_decode((const char *)s, len, i, cp);
    return n == 1 ? 0 : n;
}

/* ---- abbreviation set --------------------------------------------------------------- */

struct abbrev_set {
    struct ab_slot { uint64_t h; uint32_t off, n; } *slots;
    size_t cap, count;
    char *pool;
    size_t pool_n, pool_cap;
    size_t maxlen;
    uint64_t bloom[16];       /* ab_bloom bits of the entries: most words miss without a hash */
    abbrev_set *prefix;       /* the entries that come before a name: never a sentence end */
    abbrev_set *starters;     /* words that open a sentence (not abbreviations) */
};

/* A bit from an entry's length, first byte and the byte before its last (its dot). */
static inline unsigned ab_bloom(const char *w, size_t n)
{
    uint32_t k = (uint32_t)(unsigned char)w[0] << 16 ^ (uint32_t)(unsigned char)w[n >= 2 ? n - 2 : 0] << 8 ^
                 (uint32_t)(n & 0xFF);
    return (k * 0x9E3779B1u) >> 22;          /* 0..1023 */
}

abbrev_set *abbrev_set_new(void)
{
    abbrev_set *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cap = 64;
    s->slots = calloc(s->cap, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    return s;
}

static uint64_t ab_hash(const char *w, size_t n)
{
    uint64_t h = hash_bytes(w, n);
    return h ? h : 1;
}

int abbrev_set_has(const abbrev_set *s, const char *w, size_t n)
{
    if (!s || n == 0 || n > s->maxlen) return 0;
    unsigned b = ab_bloom(w, n);
    if (!(s->bloom[b >> 6] >> (b & 63) & 1)) return 0;
    uint64_t h = ab_hash(w, n);
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        const struct ab_slot *e = &s->slots[i];
        if (!e->h) return 0;
        if (e->h == h && e->n == n && !memcmp(s->pool + e->off, w, n)) return 1;
    }
}

static int ab_insert(struct ab_slot *slots, size_t cap, struct ab_slot e)
{
    size_t mask = cap - 1;
    for (size_t i = (size_t)e.h & mask;; i = (i + 1) & mask) {
        if (!slots[i].h) {
            slots[i] = e;
            return 0;
        }
    }
}

int abbrev_set_add(abbrev_set *s, const char *w, size_t n)
{
    if (!s || n == 0 || n > 0xFFFF) return -1;
    if (abbrev_set_has(s, w, n)) return 0;
    if ((s->count + 1) * 2 > s->cap) {
        size_t ncap = s->cap * 2;
        struct ab_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns) return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i].h) ab_insert(ns, ncap, s->slots[i]);
        free(s->slots);
        s->slots = ns;
        s->cap = ncap;
    }
    if (s->pool_n + n > s->pool_cap) {
        size_t nc = s->pool_cap ? s->pool_cap * 2 : 1024;
        while (nc < s->pool_n + n) nc *= 2;
        char *np = realloc(s->pool, nc);
        if (!np) return -1;
        s->pool = np;
        s->pool_cap = nc;
    }
    memcpy(s->pool + s->pool_n, w, n);
    struct ab_slot e = {ab_hash(w, n), (uint32_t)s->pool_n, (uint32_t)n};
    s->pool_n += n;
    ab_insert(s->slots, s->cap, e);
    unsigned b = ab_bloom(w, n);
    s->bloom[b >> 6] |= 1ULL << (b & 63);
    s->count++;
    if (n > s->maxlen) s->maxlen = n;
    return 0;
}

static int ab_sub_add(abbrev_set **sub, const char *w, size_t n)
{
    if (!*sub && !(*sub = abbrev_set_new())) return -1;
    return abbrev_set_add(*sub, w, n);
}

int abbrev_set_add_prefix(abbrev_set *s, const char *w, size_t n)
{
    if (!s || abbrev_set_add(s, w, n)) return -1;
    return ab_sub_add(&s->prefix, w, n);
}

int abbrev_set_add_starter(abbrev_set *s, const char *w, size_t n)
{
    if (!s || n == 0 || n > 0xFFFF) return -1;
    return ab_sub_add(&s->starters, w, n);
}

void abbrev_set_free(abbrev_set *s)
{
    if (!s) return;
    abbrev_set_free(s->prefix);
    abbrev_set_free(s->starters);
    free(s->slots);
    free(s->pool);
    free(s);
}

/* ---- hashing ------------------------------------------------------------------------ */

#define HASH_STACK 256

/* NFC (and case-folded) form of s through utf8proc, hashed; raw bytes on invalid UTF-8. */
static uint64_t hash_utf8proc(const unsigned char *s, size_t n, utf8proc_option_t opt)
{
    utf8proc_int32_t stackbuf[HASH_STACK + 1];
    utf8proc_int32_t *wb = stackbuf;
    utf8proc_ssize_t r = utf8proc_decompose(s, (utf8proc_ssize_t)n, wb, HASH_STACK, opt);
    if (r < 0) return hash_bytes(s, n);
    if (r > HASH_STACK) {
        wb = malloc(((size_t)r + 1) * sizeof *wb);
        if (!wb) return hash_bytes(s, n);
        utf8proc_ssize_t r2 = utf8proc_decompose(s, (utf8proc_ssize_t)n, wb, r, opt);
        if (r2 < 0 || r2 > r) {
            free(wb);
            return hash_bytes(s, n);
        }
        r = r2;
    }
    r = utf8proc_reencode(wb, r, opt);
    uint64_t h = r < 0 ? hash_bytes(s, n) : hash_bytes(wb, (size_t)r);
    if (wb != stackbuf) free(wb);
    return h;
}

/* Both hashes of a string (hash_bytes, see hash.h). ASCII: bytes and lower-cased bytes.
 * Otherwise ’ becomes ' and the rest goes through utf8proc (NFC, NFC + case fold). */
static void hash_pair(const unsigned char *s, size_t n, uint64_t *hraw, uint64_t *hfold)
{
    /* ASCII, or ASCII with only the currency signs £ (C2 A3) and € (E2 82 AC) besides (the
     * "£5m" of news text): NFC and case folding change nothing but the ASCII capitals. */
    size_t i = 0;
    while (i < n) {
        if (s[i] < 0x80) i++;
        else if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0xA3) i += 2;
        else if (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x82 && s[i + 2] == 0xAC) i += 3;
        else break;
    }
    if (i == n) {
        *hraw = hash_bytes(s, n);
        *hfold = hash_bytes_lower(s, n);
        return;
    }
    /* Replace U+2019 (E2 80 99) by an ASCII apostrophe. */
    unsigned char stackb[HASH_STACK];
    unsigned char *b = stackb;
    if (n > sizeof stackb) {
        b = malloc(n);
        if (!b) {
            *hraw = hash_utf8proc(s, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
            *hfold = hash_utf8proc(s, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
            return;
        }
    }
    size_t m = 0;
    unsigned acc = 0;
    for (i = 0; i < n;) {
        if (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 && s[i + 2] == 0x99) {
            b[m++] = '\'';
            i += 3;
        } else {
            acc |= s[i];
            b[m++] = s[i++];
        }
    }
    if (!(acc & 0x80)) {
        *hraw = hash_bytes(b, m);
        *hfold = hash_bytes_lower(b, m);
    } else {
        *hraw = hash_utf8proc(b, m, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        *hfold = hash_utf8proc(b, m, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    }
    if (b != stackb) free(b);
}

uint64_t token_hash_raw(const char *s, size_t n)
{
    uint64_t r, f;
    hash_pair((const unsigned char *)s, n, &r, &f);
    return r;
}

uint64_t token_hash_fold(const char *s, size_t n)
{
    uint64_t r, f;
    hash_pair((const unsigned char *)s, n, &r, &f);
    return f;
}

/* ---- token finishing: hashes and shape flags --------------------------------------- */

#if defined(__SSE2__) && !defined(QUARRY_NO_SIMD) && defined(__GNUC__)
#define TOKEN_SSE2 1
#include <emmintrin.h>

/* Class masks of 16 bytes v (0xFF in each byte that is one): *al letters, *dg digits, *up
 * capitals; no byte >= 0x80 is any of them. */
static inline void classes16(__m128i v, __m128i *al, __m128i *dg, __m128i *up)
{
    __m128i b20 = _mm_set1_epi8(0x20);
    /* (b | 0x20) - 'a' < 26 and b - '0' < 10, unsigned, as signed compares after a bias */
    *al = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(v, b20), _mm_set1_epi8((char)(0x80 - 'a'))),
                         _mm_set1_epi8((char)(0x80 + 26)));
    *dg = _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8((char)(0x80 - '0'))),
                         _mm_set1_epi8((char)(0x80 + 10)));
    *up = _mm_andnot_si128(_mm_cmpeq_epi8(_mm_and_si128(v, b20), b20), *al);
}

/* hash_bytes and hash_bytes_lower of the first n (1..15) bytes of v, whose capitals are up
 * (any: hf is computed only then, otherwise it is h). n < 8: fin(SEED ^ tail ^ n<<56);
 * n >= 8: fin(round(SEED ^ b0) ^ tail ^ n<<56), the tail being the last n % 8 bytes (none
 * when n == 8). */
__attribute__((always_inline)) static inline void hash16(__m128i v, __m128i up, unsigned n,
                                                         int any, uint64_t *h, uint64_t *hf)
{
    __m128i lv = _mm_or_si128(v, _mm_and_si128(up, _mm_set1_epi8(0x20)));
    uint64_t x0 = (uint64_t)_mm_cvtsi128_si64(v), x1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(v, v));
    uint64_t l0 = (uint64_t)_mm_cvtsi128_si64(lv), l1 = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(lv, lv));
    uint64_t tkeep = (1ULL << (8 * (n & 7))) - 1, ln = (uint64_t)n << 56;
    uint64_t hr, hl;
    if (n < 8) {            /* never 0 (hash.h) */
        hr = hl = qh_fin(QH_SEED ^ (x0 & tkeep) ^ ln);
        if (any) hl = qh_fin(QH_SEED ^ (l0 & tkeep) ^ ln);
    } else {
        hr = qh_fin(qh_round(QH_SEED ^ x0) ^ (x1 & tkeep) ^ ln);
        hr += hr == 0;
        hl = hr;
        if (any) {
            hl = qh_fin(qh_round(QH_SEED ^ l0) ^ (l1 & tkeep) ^ ln);
            hl += hl == 0;
        }
    }
    *h = hr;
    *hf = hl;
}
#endif


static void finish_slow(const unsigned char *s, size_t len, token *tk)
{
    unsigned nup = 0, nlo = 0;
    int first = 0;          /* 1 upper/title, 2 lower, 3 uncased letter */
    uint32_t fl = QUARRY_TF_NONASCII;
    for (size_t i = tk->start; i < tk->end;) {
        uint32_t cp;
        size_t n = dec(s, len, i, &cp);
        if (!n) {
            i++;
            continue;
        }
        i += n;
        if (cp < 0x80) {
            unsigned m = CL[cp];
            if (m & CL_UP) { nup++; if (!first) first = 1; }
            else if (m & CL_LO) { nlo++; if (!first) first = 2; }
            else if (m & CL_DIG) fl |= QUARRY_TF_DIGIT;
            continue;
        }
        int cat = utf8proc_category((utf8proc_int32_t)cp);
        if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT) {
            nup++;
            if (!first) first = 1;
        } else if (cat == UTF8PROC_CATEGORY_LL) {
            nlo++;
            if (!first) first = 2;
        } else if (cat == UTF8PROC_CATEGORY_LM || cat == UTF8PROC_CATEGORY_LO) {
            if (!first) first = 3;
        } else if (cat == UTF8PROC_CATEGORY_ND) {
            fl |= QUARRY_TF_DIGIT;
        }
    }
    if (first) fl |= QUARRY_TF_ALPHA;
    if (first == 1) fl |= QUARRY_TF_CAP;
    if (nup >= 2 && !nlo) fl |= QUARRY_TF_ALLCAPS;
    if (nlo && !nup) fl |= QUARRY_TF_LOWER;
    tk->flags |= fl;
    hash_pair(s + tk->start, tk->end - tk->start, &tk->hraw, &tk->hfold);
}

static inline void finish(const unsigned char *s, size_t len, token *tk)
{
    if (tk->end - tk->start == 1 && s[tk->start] < 0x80) {
        /* one ASCII byte (punctuation, quote marks, most symbols): the loop below, unrolled */
        unsigned c = s[tk->start], m = CL[c];
        static const uint32_t BY_CL[8] = {
            0, QUARRY_TF_ALPHA | QUARRY_TF_CAP, QUARRY_TF_ALPHA | QUARRY_TF_LOWER, 0,
            QUARRY_TF_DIGIT, 0, 0, 0,
        };
        tk->flags |= BY_CL[m & (CL_UP | CL_LO | CL_DIG)];
        tk->hraw = qh_short(c, 1);
        tk->hfold = (m & CL_UP) ? qh_short(c | 0x20, 1) : tk->hraw;
        return;
    }
#ifdef TOKEN_SSE2
    if (tk->end - tk->start < 16 && tk->start + 16 <= len) {
        /* up to 15 bytes with 16 readable: the loop below from one load */
        unsigned n = tk->end - tk->start, keep = (1u << n) - 1;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + tk->start)), al, dg, up;
        if ((unsigned)_mm_movemask_epi8(v) & keep) {
            finish_slow(s, len, tk);
            return;
        }
        classes16(v, &al, &dg, &up);
        unsigned ma = (unsigned)_mm_movemask_epi8(al) & keep;
        unsigned mu = (unsigned)_mm_movemask_epi8(up) & keep, ml = ma & ~mu;
        unsigned md = (unsigned)_mm_movemask_epi8(dg) & keep;
        uint32_t fl = 0;
        if (ma) fl |= QUARRY_TF_ALPHA;
        if (md) fl |= QUARRY_TF_DIGIT;
        if (ma & -ma & mu) fl |= QUARRY_TF_CAP;              /* the first letter */
        if ((mu & (mu - 1)) && !ml) fl |= QUARRY_TF_ALLCAPS;
        if (ml && !mu) fl |= QUARRY_TF_LOWER;
        tk->flags |= fl;
        hash16(v, up, n, mu != 0, &tk->hraw, &tk->hfold);
        return;
    }
#endif
    unsigned acc = 0, nup = 0, nlo = 0, first = 0;
    for (size_t i = tk->start; i < tk->end; i++) {
        unsigned c = s[i];
        unsigned m = CL[c];
        acc |= m;
        nup += m & CL_UP;
        nlo += (m >> 1) & 1;
        if (!first) first = m & CL_ALPHA;
    }
    if (acc & CL_HI) {
        finish_slow(s, len, tk);
        return;
    }
    uint32_t fl = 0;
    if (acc & CL_ALPHA) fl |= QUARRY_TF_ALPHA;
    if (acc & CL_DIG) fl |= QUARRY_TF_DIGIT;
    if (first & CL_UP) fl |= QUARRY_TF_CAP;
    if (nup >= 2 && !nlo) fl |= QUARRY_TF_ALLCAPS;
    if (nlo && !nup) fl |= QUARRY_TF_LOWER;
    tk->flags |= fl;
    tk->hraw = hash_bytes(s + tk->start, tk->end - tk->start);
    tk->hfold = (acc & CL_UP) ? hash_bytes_lower(s + tk->start, tk->end - tk->start) : tk->hraw;
}

/* ---- plain phrases (lexicon lines) ------------------------------------------------- */

/* A lexicon line is keyed by the tokens a document would give (lexicon.c). Nearly all lines
 * are a few plain words, and for those the tokens are known without the tokenizer: a word of
 * ASCII letters and digits, with single hyphens between two of them, ended by a space or the
 * end, is one token (word_run and scan_word: a hyphen before a letter or digit continues a
 * word, a space ends it; nothing else can apply to such a phrase: it has no '.', '\'', '@',
 * ':', other whitespace or non-ASCII byte), and its hashes are those of its bytes, as finish
 * and scan_plain compute them. tests/test_lexicon.c checks this against tokenize on every
 * line of every shipped lexicon. */
long tokenize_plain(const char *str, size_t n, size_t readable, uint64_t *hraw, uint64_t *hfold,
                    size_t max)
{
    const unsigned char *s = (const unsigned char *)str;
#ifdef TOKEN_SSE2
    if (n > 0 && n < 16 && readable >= 16 && max > 0) {
        /* one word shorter than 16 bytes (most lines): classified and hashed from one load */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s), al, dg, up;
        classes16(v, &al, &dg, &up);
        unsigned keep = (1u << n) - 1;
        if (((unsigned)_mm_movemask_epi8(_mm_or_si128(al, dg)) & keep) == keep) {
            unsigned mu = (unsigned)_mm_movemask_epi8(up) & keep;
            hash16(v, up, (unsigned)n, mu != 0, &hraw[0], &hfold[0]);
            return 1;
        }
    }
#endif
    size_t k = 0, i = 0;
    while (i < n) {
        if (s[i] == ' ') {
            i++;
            continue;
        }
        size_t st = i;
        unsigned acc = 0;
        for (; i < n; i++) {
            unsigned m = CL[s[i]];
            if (m & CL_WORD) {
                acc |= m;
                continue;
            }
            /* a hyphen between two letters or digits (i > st: one came before) */
            if (s[i] != '-' || i == st || i + 1 >= n || !(CL[s[i + 1]] & CL_WORD)) break;
        }
        if (i == st || (i < n && s[i] != ' ') || k == max) return -1;
        hraw[k] = hash_bytes(s + st, i - st);
        hfold[k] = (acc & CL_UP) ? hash_bytes_lower(s + st, i - st) : hraw[k];
        k++;
    }
    return (long)k;
}

/* ---- scanning ----------------------------------------------------------------------- */

typedef struct tctx {
    const unsigned char *s;
    size_t len;
    const abbrev_set *ab;
    size_t next_at;           /* offset of the next '@' at or after the scan point, or len */
    size_t at_near;           /* words starting at or after this offset may be e-mail
                               * addresses: next_at - 64, or SIZE_MAX without a next '@' */
    size_t last_stop;         /* offset of the last byte that is not a letter or digit
                               * (0 when there is none): words before it end before len */
} tctx;

/* Is the character at i a letter, digit or mark (a word continues through it)? */
static int word_char_at(const tctx *c, size_t i)
{
    if (i >= c->len) return 0;
    unsigned ch = c->s[i];
    if (ch < 0x80) return (CL[ch] & CL_WORD) != 0;
    uint32_t cp;
    if (!dec(c->s, c->len, i, &cp)) return 0;
    return cat_wordch(utf8proc_category((utf8proc_int32_t)cp));
}

static int letter_at(const tctx *c, size_t i)
{
    if (i >= c->len) return 0;
    unsigned ch = c->s[i];
    if (ch < 0x80) return (CL[ch] & CL_ALPHA) != 0;
    uint32_t cp;
    if (!dec(c->s, c->len, i, &cp)) return 0;
    return cat_letter(utf8proc_category((utf8proc_int32_t)cp));
}

/* Is a single quote open before byte start, in its line: scanning back, an opening mark
 * (' or U+2018 or U+2019 after a non-letter, before a letter) comes before any closing one
 * (after a letter, digit or punctuation, before a non-letter)? Looks at most 400 bytes back. */
static int single_quote_open(const tctx *c, size_t start)
{
    const unsigned char *s = c->s;
    size_t lo = start > 400 ? start - 400 : 0;
    for (size_t k = start; k > lo; k--) {
        size_t q = k - 1, w;
        if (s[q] == '\n') return 0;
        if (s[q] == '\'') {
            w = 1;
        } else if (q >= 2 && s[q - 2] == 0xE2 && s[q - 1] == 0x80 && (s[q] == 0x98 || s[q] == 0x99)) {
            q -= 2;
            w = 3;
        } else {
            continue;
        }
        int before = q > 0 && (CL[s[q - 1]] & (CL_ALPHA | CL_DIG) || s[q - 1] >= 0x80 ||
                               s[q - 1] == '.' || s[q - 1] == ',' || s[q - 1] == '!' ||
                               s[q - 1] == '?');
        int after = q + w < c->len && ((CL[s[q + w]] & CL_ALPHA) || s[q + w] >= 0x80);
        if (!before && after) return 1;
        if (before && !after) return 0;
        k = q + 1;   /* the loop steps to the byte before the mark */
    }
    return 0;
}

/* An apostrophe (alen bytes) at i inside a word that began at start.
 * Returns 0: the word ends at i; 1: the word continues at *next (internal apostrophe,
 * n't); 2: the word ends at i and a clitic token ('s 're 'll 've 'd 'm) spans [i, *next). */
static int apostrophe(const tctx *c, size_t start, size_t i, size_t alen, size_t *next)
{
    const unsigned char *s = c->s;
    size_t len = c->len, j = i + alen;
    if (j >= len) return 0;
    if (!(CL[s[j]] & CL_ALPHA)) {
        if (s[j] >= 0x80 && letter_at(c, j)) {
            *next = j;
            return 1;
        }
        /* a plural possessive: the apostrophe is a clitic like 's, not a quote mark
           ("Sanders' campaign", "the states' rights": a word of two or more letters ending in
           s, then a space and a letter), unless a single quote is open before it ('the
           United States' closes one) */
        if (i >= start + 2 && lower_ascii(s[i - 1]) == 's' && s[j] == ' ' && j + 1 < len &&
            (CL[s[j + 1]] & CL_ALPHA) && !single_quote_open(c, start)) {
            *next = j;
            return 2;
        }
        return 0;
    }
    size_t k = j;
    while (k < len && (CL[s[k]] & CL_ALPHA)) k++;
    size_t rl = k - j;
    if (word_char_at(c, k)) {
        *next = j;
        return 1;
    }
    unsigned l0 = lower_ascii(s[j]), l1 = rl > 1 ? lower_ascii(s[j + 1]) : 0;
    if (rl == 1 && l0 == 't' && i > start && lower_ascii(s[i - 1]) == 'n') {
        *next = k;
        return 1;
    }
    if ((rl == 1 && (l0 == 's' || l0 == 'd' || l0 == 'm')) ||
        (rl == 2 && ((l0 == 'r' && l1 == 'e') || (l0 == 'l' && l1 == 'l') || (l0 == 'v' && l1 == 'e')))) {
        *next = k;
        return 2;
    }
    *next = j;
    return 1;
}

/* A '.' at i ends the word [start, i). Returns the end of the abbreviation token (past its
 * dot), or 0 when the dot is a separate token. */
static size_t abbrev_end(const tctx *c, size_t start, size_t i)
{
    const unsigned char *s = c->s;
    size_t len = c->len, wl = i - start;
    if (wl == 1 && (CL[s[start]] & CL_ALPHA)) {
        size_t k = i + 1;
        int cnt = 1;
        while (k + 1 < len && (CL[s[k]] & CL_ALPHA) && s[k + 1] == '.') {
            k += 2;
            cnt++;
        }
        if (cnt >= 2) return k;                      /* U.S.  J.R.R.  e.g.  p.m. */
        if (CL[s[start]] & CL_UP) return i + 1;      /* initial: J. */
        return abbrev_set_has(c->ab, (const char *)s + start, wl + 1) ? i + 1 : 0;
    }
    if (s[start] >= 0x80) {                           /* a single non-ASCII capital: É. */
        uint32_t cp;
        size_t n = dec(s, len, start, &cp);
        if (n == wl) {
            int cat = utf8proc_category((utf8proc_int32_t)cp);
            if (cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT) return i + 1;
        }
    }
    if (!c->ab || wl + 1 > c->ab->maxlen) return 0;
    if (i + 1 < len && (CL[s[i + 1]] & CL_ALPHA)) {  /* Ph.D. */
        size_t k = i + 1;
        while (k < len && (CL[s[k]] & CL_ALPHA)) k++;
        while (k < len && s[k] == '.') {
            if (abbrev_set_has(c->ab, (const char *)s + start, k + 1 - start)) return k + 1;
            k++;
            if (k >= len || !(CL[s[k]] & CL_ALPHA)) break;
            while (k < len && (CL[s[k]] & CL_ALPHA)) k++;
        }
    }
    return abbrev_set_has(c->ab, (const char *)s + start, wl + 1) ? i + 1 : 0;
}

/* Scans a word (num = 0) or number (num = 1) whose first character ends at i.
 * Returns its end; *clitic is set to the end of a clitic token that follows at the
 * returned end (0 if none); *fl gets QUARRY_TF_ABBREV. */
static size_t scan_word(const tctx *c, size_t start, size_t i, int num, int cjk, uint32_t *fl,
                        size_t *clitic)
{
    const unsigned char *s = c->s;
    size_t len = c->len, nx;
    for (;;) {
        if (!cjk)
            while (i < len && (CL[s[i]] & CL_WORD)) i++;
        if (i >= len) return i;
        unsigned ch = s[i];
        if (ch >= 0x80) {
            uint32_t cp;
            size_t n = dec(s, len, i, &cp);
            if (!n) return i;
            int cat = utf8proc_category((utf8proc_int32_t)cp);
            if (cat_wordch(cat)) {
                if (cat_letter(cat) && is_cjk(cp) != cjk) return i;
                i += n;
                continue;
            }
            if (cp == 0x00AD || cp == 0x200C || cp == 0x200D) {
                if (word_char_at(c, i + n)) {
                    i += n;
                    continue;
                }
                return i;
            }
            if (cjk) return i;
            if (cp == 0x2019) {
                int r = apostrophe(c, start, i, n, &nx);
                if (r == 1) { i = nx; continue; }
                if (r == 2) *clitic = nx;
                return i;
            }
            if (cp == 0x2010 || cp == 0x2011 || (num && cp == 0x2013)) {
                if (word_char_at(c, i + n)) {
                    i += n;
                    continue;
                }
            }
            return i;
        }
        if (cjk) return i;
        if (ch == '-') {
            if (word_char_at(c, i + 1)) {
                i++;
                continue;
            }
            return i;
        }
        if (ch == '\'') {
            int r = apostrophe(c, start, i, 1, &nx);
            if (r == 1) { i = nx; continue; }
            if (r == 2) *clitic = nx;
            return i;
        }
        if (num) {
            if ((ch == ',' || ch == '.' || ch == ':' || ch == '/') && i + 1 < len &&
                (CL[s[i + 1]] & CL_DIG) && (CL[s[i - 1]] & CL_DIG)) {
                i += 2;
                continue;
            }
            if (ch == '%') return i + 1;
            return i;
        }
        if (ch == '.') {
            size_t e = abbrev_end(c, start, i);
            if (e) {
                *fl |= QUARRY_TF_ABBREV;
                return e;
            }
        }
        return i;
    }
}

static int ci_prefix(const unsigned char *s, size_t len, size_t i, const char *p)
{
    for (; *p; p++, i++)
        if (i >= len || lower_ascii(s[i]) != (unsigned char)*p) return 0;
    return 1;
}

/* A URL starting at i (http://, https://, www.), or 0. */
static size_t scan_url(const tctx *c, size_t i)
{
    const unsigned char *s = c->s;
    size_t len = c->len, k;
    if (ci_prefix(s, len, i, "http://")) k = i + 7;
    else if (ci_prefix(s, len, i, "https://")) k = i + 8;
    else if (ci_prefix(s, len, i, "www.")) k = i + 4;
    else return 0;
    if (k >= len || !(CL[s[k]] & CL_WORD)) return 0;
    while (k < len && !(CL[s[k]] & (CL_US | CL_HI))) k++;
    /* Trailing punctuation belongs to the sentence; ')' only when unbalanced. */
    for (;;) {
        unsigned ch = s[k - 1];
        if (ch == '.' || ch == ',' || ch == ';' || ch == ':' || ch == '!' || ch == '?') {
            k--;
            continue;
        }
        if (ch == ')' || ch == ']') {
            unsigned open = ch == ')' ? '(' : '[';
            long bal = 0;
            for (size_t q = i; q < k; q++) bal += (s[q] == open) - (s[q] == ch);
            if (bal < 0) {
                k--;
                continue;
            }
        }
        break;
    }
    return k;
}

static inline int email_local(unsigned ch)
{
    return (CL[ch] & CL_WORD) || ch == '.' || ch == '_' || ch == '%' || ch == '+' || ch == '-';
}

static void at_refresh(tctx *c, size_t i)
{
    const unsigned char *p = i < c->len ? memchr(c->s + i, '@', c->len - i) : NULL;
    c->next_at = p ? (size_t)(p - c->s) : c->len;
    c->at_near = !p ? SIZE_MAX : c->next_at > 64 ? c->next_at - 64 : 0;
}

/* An e-mail address starting at i, or 0 (c->next_at is the next '@' at or after i). */
static size_t scan_email(const tctx *c, size_t i)
{
    const unsigned char *s = c->s;
    size_t len = c->len;
    size_t at = c->next_at;
    if (at >= len || at - i > 64) return 0;
    for (size_t k = i; k < at; k++)
        if (!email_local(s[k])) return 0;
    size_t k = at + 1, dots = 0, end = 0;
    for (;;) {
        size_t l0 = k;
        while (k < len && ((CL[s[k]] & CL_WORD) || s[k] == '-')) k++;
        if (k == l0) break;
        end = k;
        if (k + 1 < len && s[k] == '.' && (CL[s[k + 1]] & CL_WORD)) {
            dots++;
            k++;
            continue;
        }
        break;
    }
    return dots ? end : 0;
}

/* ---- the tokenizer ------------------------------------------------------------------ */

/* The token vector lives in locals of tokenize (v, n, cap) so that the compiler keeps them
 * in registers; growing doubles it in the arena. Returns the new vector, NULL on OOM. */
static token *tv_grow(arena *a, const token *v, size_t n, size_t *cap)
{
    size_t nc = *cap * 2;
    token *nv = arena_alloc(a, nc * sizeof *nv);
    if (!nv) return NULL;
    memcpy(nv, v, n * sizeof *nv);
    *cap = nc;
    return nv;
}

static inline int is_terminal_punct(const unsigned char *s, const token *tk)
{
    unsigned ch = s[tk->start];
    if (ch == '.' || ch == '!' || ch == '?') return 1;
    if (ch == 0xE2 && tk->end - tk->start == 3 && s[tk->start + 1] == 0x80 && s[tk->start + 2] == 0xA6)
        return 1;                                           /* … */
    return 0;
}

static inline int is_cjk_terminal(const unsigned char *s, size_t len, const token *tk)
{
    uint32_t cp;
    if (s[tk->start] < 0x80 || !dec(s, len, tk->start, &cp)) return 0;
    return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF0E;
}

/* ---- sentences ---------------------------------------------------------------------- */

static int is_closer(const unsigned char *s, const token *tk)
{
    if (tk->kind == TK_QUOTE) return (tk->flags & (QUARRY_TF_QCLOSE | QUARRY_TF_QAMBIG)) != 0;
    if (tk->kind == TK_PUNCT) {
        unsigned ch = s[tk->start];
        return ch == ')' || ch == ']' || ch == '}';
    }
    return 0;
}

static int starts_sentence(const token *tk)
{
    switch (tk->kind) {
    case TK_WORD:
        if (tk->flags & QUARRY_TF_CAP) return 1;
        /* uncased scripts (Arabic, CJK): a letter that is neither upper nor lower */
        return (tk->flags & (QUARRY_TF_NONASCII | QUARRY_TF_ALPHA | QUARRY_TF_LOWER |
                             QUARRY_TF_ALLCAPS)) == (QUARRY_TF_NONASCII | QUARRY_TF_ALPHA);
    case TK_NUM:
        return 1;
    case TK_QUOTE:
        return (tk->flags & QUARRY_TF_QOPEN) != 0;
    default:
        return 0;
    }
}

/* 0: not a sentence end candidate; 1: . ! ? …; 2: CJK full stop (always ends);
 * 3: an abbreviation that may end a sentence. */
static int terminal_type(const unsigned char *s, size_t len, const token *tk,
                         const abbrev_set *ab)
{
    if (tk->kind == TK_PUNCT) {
        if (is_terminal_punct(s, tk)) return 1;
        if (is_cjk_terminal(s, len, tk)) return 2;
        return 0;
    }
    if (tk->kind == TK_WORD && (tk->flags & QUARRY_TF_ABBREV) && s[tk->end - 1] == '.') {
        uint32_t cp;
        size_t n = dec(s, len, tk->start, &cp);
        if (n && tk->start + n + 1 == tk->end) return 0;     /* initial: J. */
        if (ab && abbrev_set_has(ab->prefix, (const char *)s + tk->start, tk->end - tk->start))
            return 0;
        return 3;
    }
    return 0;
}

typedef struct sstate {
    int pend;                 /* terminal_type of a token that may end a sentence, 0 if none */
    size_t last;              /* that token, or the last closer after it */
    const abbrev_set *ab;     /* prefix abbreviations and sentence starters, may be NULL */
} sstate;

/* Sentence and paragraph marks for token k (its flags are complete), given the earlier
 * tokens: a paragraph start ends the previous sentence; a pending terminal (with its
 * closing quotes/brackets) ends one when this token looks like a sentence start. */
static void sent_step(const unsigned char *s, size_t len, token *v, size_t k, sstate *st)
{
    token *tk = &v[k];
    if (tk->flags & QUARRY_TF_PARA_START) {
        if (k) v[k - 1].flags |= QUARRY_TF_PARA_END | QUARRY_TF_SENT_END;
        tk->flags |= QUARRY_TF_SENT_START;
        st->pend = 0;
    } else if (st->pend) {
        if (is_closer(s, tk)) {
            st->last = k;
            return;
        }
        int end;
        if (st->pend == 2) end = 1;
        /* "(R-S.C.)": a full stop with an abbreviation right after it, no space between,
           is inside the abbreviation */
        else if (st->pend == 1) end = starts_sentence(tk) &&
                                      !((tk->flags & QUARRY_TF_ABBREV) && tk->start == v[st->last].end &&
                                        st->last == k - 1);
        else
            end = (tk->kind == TK_QUOTE && (tk->flags & QUARRY_TF_QOPEN)) ||
                  (tk->kind == TK_WORD && st->ab &&
                   abbrev_set_has(st->ab->starters, (const char *)s + tk->start,
                                  tk->end - tk->start));
        if (end) {
            v[st->last].flags |= QUARRY_TF_SENT_END;
            tk->flags |= QUARRY_TF_SENT_START;
        }
        st->pend = 0;
    }
    if (tk->kind == TK_PUNCT || (tk->flags & QUARRY_TF_ABBREV)) {
        int tt = terminal_type(s, len, tk, st->ab);
        if (tt) {
            st->pend = tt;
            st->last = k;
        }
    }
}

/* Does the plain ASCII word [i, j) end at j with nothing more to look at (m2: class of s[j])?
 * Not when the stop byte may continue it (- ' non-ASCII), make it an abbreviation (.) or a
 * URL (www. http:), or when an '@' close by may make it part of an e-mail address. */
static inline int plain_word_end(tctx *c, size_t i, size_t j, unsigned m2)
{
    const unsigned char *s = c->s;
    size_t len = c->len;
    if (i >= c->at_near) {
        if (c->next_at < i) at_refresh(c, i);
        if (c->next_at < len && c->next_at - i <= 64) return 0;
    }
    if (j >= len) return 1;
    unsigned stop = s[j], ch = s[i];
    if (stop == ' ') return 1;
    if ((m2 & CL_HI) || stop == '-' || stop == '\'') return 0;
    if (stop == '.') return !((j - i == 3 && (ch | 0x20) == 'w') || abbrev_end(c, i, j));
    if (stop == ':') return (ch | 0x20) != 'h';
    return 1;
}

/* Shape flags of a plain ASCII word [i, j) starting with a letter (class m), acc the classes
 * of all its bytes OR-ed together: what finish() computes for the same bytes. */
static inline uint32_t ascii_word_flags(const unsigned char *s, size_t i, size_t j, unsigned m,
                                        unsigned acc)
{
    /* By acc & (CL_UP | CL_LO | CL_DIG): ALPHA always (it starts with a letter), DIGIT with
     * a digit, LOWER when every letter is lower case. */
    enum { A = QUARRY_TF_ALPHA, D = QUARRY_TF_DIGIT, L = QUARRY_TF_LOWER };
    static const uint32_t BY_ACC[8] = {A, A, A | L, A, A | D, A | D, A | D | L, A | D};
    uint32_t fl = BY_ACC[acc & (CL_UP | CL_LO | CL_DIG)];
    if (m & CL_UP) fl |= QUARRY_TF_CAP;
    if ((acc & CL_ALPHA) == CL_UP) {
        unsigned nup = 0;    /* ALLCAPS needs two letters */
        for (size_t q = i; q < j && nup < 2; q++) nup += CL[s[q]] & CL_UP;
        if (nup >= 2) fl |= QUARRY_TF_ALLCAPS;
    }
    return fl;
}

/* Does sent_step have anything to do for tk? Most tokens (a word inside a sentence) neither
 * start a paragraph, nor follow a possible sentence end, nor may end one themselves; for
 * them the call is skipped. Must stay in step with the tests at the top of sent_step. */
static inline int sent_needed(const token *tk, const sstate *st)
{
    return st->pend || tk->kind == TK_PUNCT ||
           (tk->flags & (QUARRY_TF_PARA_START | QUARRY_TF_ABBREV)) != 0;
}

/* Scanning a plain word: its letters and digits, the classes met (CL_UP, CL_LO, CL_DIG)
 * and both hashes. Words are short and of every length, so a byte loop mispredicts its exit
 * once a word; where the target allows (GCC or Clang, little-endian) a word shorter than 8
 * bytes is classified 8 bytes at a time (SWAR) and hashed from the same 8-byte load with
 * no branch on its length (qh_short, hash.h). Both ways give the same end, classes and
 * hashes (hash_bytes, hash_bytes_lower). */
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define PLAIN_SWAR 1

/* 0x80 in each byte of x (every byte < 0x80) that lies in [lo, hi]; no carry crosses bytes. */
static inline uint64_t bytes_in(uint64_t x, unsigned lo, unsigned hi)
{
    return (x + QH_ONES8 * (0x80 - lo)) & ~(x + QH_ONES8 * (0x7F - hi)) & QH_HI8;
}

/* Classes of the 8 bytes x: 0x80 in each byte of *up, *lo, *dg that is a capital, small
 * letter, digit; the result has 0x80 in each byte that is none (bytes >= 0x80 included:
 * their low 7 bits may look like letters). The masks are only meaningful below the first
 * such byte. */
static inline uint64_t classify8(uint64_t x, uint64_t *up, uint64_t *lo, uint64_t *dg)
{
    uint64_t x7 = x & ~QH_HI8;
    /* letters of either case: with bit 0x20 set, 'a'..'z'; bit 0x20 (<< 2: 0x80) tells which */
    uint64_t al = bytes_in(x7 | QH_ONES8 * 0x20, 'a', 'z'), small = x << 2;
    *up = al & ~small;
    *lo = al & small;
    *dg = bytes_in(x7, '0', '9');
    return (~(al | *dg) | x) & QH_HI8;
}

static inline unsigned classes8(uint64_t up, uint64_t lo, uint64_t dg)
{
    return (up ? CL_UP : 0) | (lo ? CL_LO : 0) | (dg ? CL_DIG : 0);
}
#endif

/* SSE2 (baseline on x86-64): a word shorter than 16 bytes, the common case, is classified
 * from one 16-byte load, with its shape flags from the class bit masks and both hashes with
 * no branch on its length (lengths 8..15 take one qh_round more than 1..7; both are
 * computed and one is picked). QUARRY_NO_SIMD turns this off (the SWAR and byte paths). */
#if defined(TOKEN_SSE2) && defined(PLAIN_SWAR)
#define PLAIN_SSE2 1

/* The word at s[i] (an ASCII letter) when s[i..i+16) is readable: returns its length 1..15,
 * or 16 when all 16 bytes are letters or digits (nothing else is set then). */
__attribute__((always_inline)) static inline unsigned scan16(const unsigned char *s, size_t i,
                                                            uint32_t *fl, uint64_t *h, uint64_t *hf)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i)), al, dg, up;
    classes16(v, &al, &dg, &up);
    unsigned mw = (unsigned)_mm_movemask_epi8(_mm_or_si128(al, dg));
    unsigned n = (unsigned)__builtin_ctz(~mw);          /* 1..16: s[i] is a letter */
    if (n == 16) return 16;
    unsigned keep = (1u << n) - 1;
    unsigned mu = (unsigned)_mm_movemask_epi8(up) & keep;
    unsigned ml = (unsigned)_mm_movemask_epi8(al) & keep & ~mu;
    unsigned md = (unsigned)_mm_movemask_epi8(dg) & keep;
    uint32_t f = QUARRY_TF_ALPHA;
    f |= md ? QUARRY_TF_DIGIT : 0;
    f |= (mu & 1) ? QUARRY_TF_CAP : 0;
    f |= (ml && !mu) ? QUARRY_TF_LOWER : 0;
    f |= (!ml && (mu & (mu - 1))) ? QUARRY_TF_ALLCAPS : 0;
    *fl = f;
    hash16(v, up, n, mu != 0, h, hf);
    return n;
}
#endif

/* scan_plain without the 16-byte path: the SWAR and byte loops. */
static inline size_t scan_plain_slow(const tctx *c, size_t i, unsigned *acc, uint64_t *h,
                                     uint64_t *hf)
{
    const unsigned char *s = c->s;
#ifdef PLAIN_SWAR
    if (i + 8 <= c->len) {
        uint64_t up, lo, dg;
        uint64_t x = qh_load8(s + i);
        uint64_t stop = classify8(x, &up, &lo, &dg);
        if (stop) {
            unsigned n = (unsigned)__builtin_ctzll(stop) >> 3;   /* 1..7: s[i] is a letter */
            uint64_t keep = (1ULL << (8 * n)) - 1;
            up &= keep;
            x &= keep;
            *acc = classes8(up, lo & keep, dg & keep);
            *h = qh_short(x, n);
            /* 0x80 >> 2 is 0x20, the bit that lower-cases an ASCII capital */
            *hf = up ? qh_short(x | (up >> 2), n) : *h;
            return i + n;
        }
        /* 8 letters or digits: hash_bytes and hash_bytes_lower block by block, both chains
         * (the folded one is kept only when a capital was met). */
        unsigned a = classes8(up, lo, dg);
        uint64_t hr = qh_round(QH_SEED ^ x), hl = qh_round(QH_SEED ^ (x | (up >> 2)));
        for (size_t p = i + 8; p + 8 <= c->len; p += 8) {
            x = qh_load8(s + p);
            stop = classify8(x, &up, &lo, &dg);
            if (stop) {
                unsigned n = (unsigned)__builtin_ctzll(stop) >> 3;   /* 0..7 */
                uint64_t keep = n ? (1ULL << (8 * n)) - 1 : 0;
                up &= keep;
                x &= keep;
                a |= classes8(up, lo & keep, dg & keep);
                uint64_t ln = (uint64_t)(p + n - i) << 56;
                hr = qh_fin(hr ^ x ^ ln);
                hr += hr == 0;
                *acc = a;
                *h = hr;
                if (a & CL_UP) {
                    hl = qh_fin(hl ^ (x | (up >> 2)) ^ ln);
                    hr = hl + (hl == 0);
                }
                *hf = hr;
                return p + n;
            }
            a |= classes8(up, lo, dg);
            hr = qh_round(hr ^ x);
            hl = qh_round(hl ^ (x | (up >> 2)));
        }
        /* the word reaches the last 8 bytes of the text: the byte loop below */
    }
#endif
    unsigned a = CL[s[i]];
    const unsigned char *p = s + i + 1;
    if (i < c->last_stop) {
        /* A byte that ends words lies ahead: the loop needs no length check. */
        for (; CL[*p] & CL_WORD; p++) a |= CL[*p];
    } else {
        for (; p < s + c->len && (CL[*p] & CL_WORD); p++) a |= CL[*p];
    }
    size_t j = (size_t)(p - s);
    *acc = a;
    *h = hash_bytes(s + i, j - i);
    /* the folded hash differs only with a capital */
    *hf = (a & CL_UP) ? hash_bytes_lower(s + i, j - i) : *h;
    return j;
}

/* s[i] is an ASCII letter. Returns the end of the run of ASCII letters and digits from i;
 * *fl gets its shape flags (ascii_word_flags), *h and *hf the raw and lower-cased hashes. */
static inline size_t scan_plain(const tctx *c, size_t i, uint32_t *fl, uint64_t *h,
                                uint64_t *hf)
{
    const unsigned char *s = c->s;
#ifdef PLAIN_SSE2
    if (i + 16 <= c->len) {
        unsigned n = scan16(s, i, fl, h, hf);
        if (n < 16) return i + n;
    }
#endif
    unsigned acc;
    size_t j = scan_plain_slow(c, i, &acc, h, hf);
    *fl = ascii_word_flags(s, i, j, CL[s[i]], acc);
    return j;
}

/* The token vector, handed to word_run; tokenize keeps it in locals (v, n, cap) otherwise so
 * that the compiler holds them in registers. */
typedef struct tvec {
    token *v;
    size_t n, cap;
    arena *a;
} tvec;

/* Hot path, most tokens of running text: a run of plain ASCII words (letters, digits), each
 * ended by a byte that needs no further look, separated by single spaces. s[i] is an ASCII
 * letter; f0 holds the SPACE_BEFORE and PARA_START flags of the first word (the caller's
 * gap and line facts); later words have exactly one space before them and so no paragraph
 * start. A comma or full stop right after a word is emitted here too (the run goes on
 * after it and a space). Emits the tokens with the same kinds, flags and hashes as the
 * general path of tokenize and returns where the run stopped: after the last token and,
 * when *gap is set, one space; at i itself when the first word is not plain (nothing
 * emitted). *term tells whether that last token was a full stop (tokenize's prev_term). */
static size_t word_run(tctx *c, tvec *tv, sstate *st, size_t i, uint32_t f0, int *gap,
                       int *term)
{
    const unsigned char *s = c->s;
    size_t len = c->len;
    token *v = tv->v;
    size_t n = tv->n, cap = tv->cap;
    int g = 0, t = 0;
    /* Whitespace before the first word: the previous token has SPACE_AFTER. The general path
     * would set it as well, with whichever token comes next, so this holds even when the
     * first word is left to it. Later words set their own SPACE_AFTER on their space. */
    if ((f0 & QUARRY_TF_SPACE_BEFORE) && n) v[n - 1].flags |= QUARRY_TF_SPACE_AFTER;
#ifdef PLAIN_SSE2
    /* Words starting before lim have 32 readable bytes (the word, its stop byte and the
     * byte after it all lie inside the text) and no '@' within 64 bytes after them. */
    size_t tail = len > 32 ? len - 32 : 0;
    size_t lim = c->at_near < tail ? c->at_near : tail;
#endif
    for (;;) {
        uint32_t wfl;
        uint64_t h, hf;
        size_t j;
#ifdef PLAIN_SSE2
        /* The common case in a loop of its own: words shorter than 16 bytes, each followed by
         * a space, starting before lim. t and g are set once after it. */
        if (i < lim) {
            size_t n0 = n;
            for (;;) {
                unsigned k = scan16(s, i, &wfl, &h, &hf);
                if (k == 16) {
                    j = 0;
                    break;
                }
                j = i + k;
                if (s[j] != ' ') break;
                if (cap - n < 2 && !(v = tv_grow(tv->a, v, n, &cap))) {
                    tv->v = NULL;
                    return i;
                }
                token *tk = &v[n++];
                tk->start = (uint32_t)i;
                tk->end = (uint32_t)j;
                tk->flags = f0 | wfl | QUARRY_TF_SPACE_AFTER;
                tk->kind = TK_WORD;
                tk->sent = 0;
                tk->hraw = h;
                tk->hfold = hf;
                if (st->pend || (f0 & QUARRY_TF_PARA_START)) sent_step(s, len, v, n - 1, st);
                f0 = QUARRY_TF_SPACE_BEFORE;
                i = j + 1;
                if (!(CL[s[i]] & CL_ALPHA)) {
                    t = 0;
                    g = 1;
                    goto done;
                }
                if (i >= lim) {
                    j = 0;
                    break;
                }
            }
            if (n != n0) {
                t = 0;
                g = 1;
            }
            if (j) goto scanned;
        }
#endif
        j = scan_plain(c, i, &wfl, &h, &hf);
#ifdef PLAIN_SSE2
    scanned:;
#endif
        unsigned m2 = j < len ? CL[s[j]] : 0;
        if (!plain_word_end(c, i, j, m2)) break;    /* the general path takes this word */
        if (cap - n < 2 && !(v = tv_grow(tv->a, v, n, &cap))) {
            tv->v = NULL;
            return i;
        }
        int space = j < len && s[j] == ' ';
        token *tk = &v[n++];
        tk->start = (uint32_t)i;
        tk->end = (uint32_t)j;
        tk->flags = f0 | wfl | (space ? QUARRY_TF_SPACE_AFTER : 0);
        tk->kind = TK_WORD;
        tk->sent = 0;
        tk->hraw = h;
        tk->hfold = hf;
        if (sent_needed(tk, st)) sent_step(s, len, v, n - 1, st);
        t = 0;
        if (!space) {
            /* A comma or a full stop (not "..") right after the word, as the general path
             * makes it: a TK_PUNCT token with no shape flags; room for it was reserved. */
            unsigned p = j < len ? s[j] : 0;
            if (!((p == ',' || p == '.') && !(j + 1 < len && s[j + 1] == '.'))) {
                i = j;
                g = 0;
                break;
            }
            tk = &v[n++];
            j++;
            space = j < len && s[j] == ' ';
            tk->start = (uint32_t)(j - 1);
            tk->end = (uint32_t)j;
            tk->flags = space ? QUARRY_TF_SPACE_AFTER : 0;
            tk->kind = TK_PUNCT;
            tk->sent = 0;
            tk->hraw = tk->hfold = qh_short(p, 1);
            sent_step(s, len, v, n - 1, st);
            t = p == '.';
            if (!space) {
                i = j;
                g = 0;
                break;
            }
        }
        i = j + 1;
        g = 1;
        if (i >= len || !(CL[s[i]] & CL_ALPHA)) break;
        f0 = QUARRY_TF_SPACE_BEFORE;
#ifdef PLAIN_SSE2
        lim = c->at_near < tail ? c->at_near : tail;     /* plain_word_end may move at_near */
#endif
    }
#ifdef PLAIN_SSE2
done:
#endif
    *term = t;
    *gap = g;
    tv->v = v;
    tv->n = n;
    tv->cap = cap;
    return i;
}

int tokenize(const text *t, const abbrev_set *abbrevs, arena *a, tokens *toks)
{
    const unsigned char *s = (const unsigned char *)t->src;
    size_t len = t->len;
    toks->v = NULL;
    toks->n = 0;
    if (len > (size_t)UINT32_MAX) return -1;
    /* News prose has about one token per 5 bytes; len/4 rarely needs to grow. */
    size_t cap = len / 4 + 16, n = 0;
    token *v = arena_alloc(a, cap * sizeof *v);
    if (!v) return -1;
    tctx c = {s, len, abbrevs, 0, 0, 0};
    at_refresh(&c, 0);
    for (size_t k = len; k > 0; k--)
        if (!(CL[s[k - 1]] & CL_WORD)) {
            c.last_stop = k - 1;
            break;
        }

    size_t i = t->body;
    unsigned nl = 0;          /* line ends in the current gap */
    int indent = 0, gap = 0;  /* whitespace after the last line end / any whitespace */
    int prev_term = 0;        /* previous token ends a sentence-like line */
    int prev_leftopen = 1;    /* previous token, when adjacent, acts as space before a quote */
    size_t clitic = 0;
    sstate sst = {0, 0, abbrevs};

    while (i < len) {
        unsigned ch = s[i];
        unsigned m = CL[ch];
        uint32_t cp = ch;
        size_t clen = 1;
        int cat = -1;
        if (m & CL_WS) {
            gap = 1;
            if (m & CL_NL) {
                nl++;
                indent = 0;
                if (ch == '\r' && i + 1 < len && s[i + 1] == '\n') i++;
            } else {
                indent = 1;
            }
            i++;
            continue;
        }
        if (m & CL_ALPHA) {
            uint32_t f0 = gap ? QUARRY_TF_SPACE_BEFORE : 0;
            if (n == 0 || (nl && (nl >= 2 || indent || prev_term))) f0 |= QUARRY_TF_PARA_START;
            if (n == 0 || nl) f0 |= QUARRY_TF_LINE_START;
            tvec tv = {v, n, cap, a};
            int g, term;
            size_t e = word_run(&c, &tv, &sst, i, f0, &g, &term);
            if (!tv.v) return -1;
            if (tv.n > n) {           /* at least one word: the state after its last token */
                v = tv.v;
                n = tv.n;
                cap = tv.cap;
                prev_term = term;
                prev_leftopen = 0;
                nl = 0;
                indent = 0;
                gap = g;
                i = e;
                continue;
            }
        }
        int invalid = 0;
        if (m & CL_HI) {
            clen = dec(s, len, i, &cp);
            if (!clen) {
                invalid = 1;
                clen = 1;
            } else {
                cat = utf8proc_category((utf8proc_int32_t)cp);
                if (cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
                    cat == UTF8PROC_CATEGORY_ZP || cp == 0x85) {
                    gap = 1;
                    if (cat == UTF8PROC_CATEGORY_ZS) {
                        indent = 1;
                    } else {
                        nl += cat == UTF8PROC_CATEGORY_ZP ? 2 : 1;
                        indent = 0;
                    }
                    i += clen;
                    continue;
                }
                if (cat == UTF8PROC_CATEGORY_CF) {     /* zero-width: ZWSP, BOM, joiners */
                    i += clen;
                    continue;
                }
            }
        }

        /* A token starts at i. */
        size_t start = i, end;
        uint32_t fl = 0;
        int kind;
        clitic = 0;
        if (invalid) {
            kind = TK_SYM;
            end = i + 1;
        } else if (ch < 0x80) {
            if (m & CL_ALPHA) {
                end = 0;
                kind = TK_WORD;
                if ((ch | 0x20) == 'h' || (ch | 0x20) == 'w') {
                    end = scan_url(&c, i);
                    if (end) kind = TK_URL;
                }
                if (!end) {
                    if (c.next_at < i) at_refresh(&c, i);
                    if (c.next_at < len && c.next_at - i <= 64 && (end = scan_email(&c, i)))
                        kind = TK_EMAIL;
                }
                if (!end) end = scan_word(&c, start, i + 1, 0, 0, &fl, &clitic);
            } else if (m & CL_DIG) {
                kind = TK_NUM;
                end = 0;
                if (c.next_at < i) at_refresh(&c, i);
                if (c.next_at < len && c.next_at - i <= 64 && (end = scan_email(&c, i)))
                    kind = TK_EMAIL;
                if (!end) end = scan_word(&c, start, i + 1, 1, 0, &fl, &clitic);
            } else if (ch == '$' && i + 1 < len && (CL[s[i + 1]] & CL_DIG)) {
                kind = TK_NUM;
                end = scan_word(&c, start, i + 2, 1, 0, &fl, &clitic);
            } else if (ch == '"' || ch == '\'') {
                kind = TK_QUOTE;
                end = i + 1;
            } else if (ch == '-') {
                kind = TK_DASH;
                end = i + 1;
                while (end < len && s[end] == '-') end++;
            } else if (ch == '.') {
                kind = TK_PUNCT;
                end = i + 1;
                while (end < len && s[end] == '.') end++;
            } else if (ch == ',' || ch == ';' || ch == ':' || ch == '!' || ch == '?' ||
                       ch == '(' || ch == ')' || ch == '[' || ch == ']' || ch == '{' || ch == '}') {
                kind = TK_PUNCT;
                end = i + 1;
            } else {
                kind = TK_SYM;
                end = i + 1;
            }
        } else {
            /* Non-ASCII start; cat is set. */
            if (cat_letter(cat) || (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME) ||
                cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO) {
                kind = TK_WORD;
                end = scan_word(&c, start, i + clen, 0, cat_letter(cat) && is_cjk(cp), &fl, &clitic);
            } else if (cat == UTF8PROC_CATEGORY_ND) {
                kind = TK_NUM;
                end = scan_word(&c, start, i + clen, 1, 0, &fl, &clitic);
            } else if (is_quote_cp(cp)) {
                kind = TK_QUOTE;
                end = i + clen;
            } else if (is_dash_cp(cp)) {
                kind = TK_DASH;
                end = i + clen;
                uint32_t cp2;
                size_t n2;
                while (end < len && (n2 = dec(s, len, end, &cp2)) && (cp2 == '-' || is_dash_cp(cp2)))
                    end += n2;
            } else if (cat == UTF8PROC_CATEGORY_SC && i + clen < len && (CL[s[i + clen]] & CL_DIG)) {
                kind = TK_NUM;
                end = scan_word(&c, start, i + clen + 1, 1, 0, &fl, &clitic);
            } else if (cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO) {
                kind = TK_PUNCT;
                end = i + clen;
            } else {
                kind = TK_SYM;
                end = i + clen;
                uint32_t cp2;
                size_t n2;
                while (end < len && s[end] >= 0x80 && (n2 = dec(s, len, end, &cp2))) {
                    int c2 = utf8proc_category((utf8proc_int32_t)cp2);
                    if (c2 < UTF8PROC_CATEGORY_MN || c2 > UTF8PROC_CATEGORY_ME) break;
                    end += n2;
                }
            }
        }

        /* Emit. */
        if (cap - n < 2 && !(v = tv_grow(a, v, n, &cap))) return -1;   /* token + clitic */
        token *tk = &v[n++];
        tk->start = (uint32_t)start;
        tk->end = (uint32_t)end;
        tk->kind = (uint16_t)kind;
        tk->sent = 0;
        if (gap) {
            fl |= QUARRY_TF_SPACE_BEFORE;
            if (n > 1) v[n - 2].flags |= QUARRY_TF_SPACE_AFTER;
        }
        if (n == 1 || nl >= 2 || (nl == 1 && (indent || prev_term)))
            fl |= QUARRY_TF_PARA_START;
        if (n == 1 || nl) fl |= QUARRY_TF_LINE_START;
        if (kind == TK_QUOTE) {
            int dir = 0;      /* 1 open, -1 close, 0 ambiguous */
            if (ch >= 0x80) {
                dir = quote_glyph_dir(cp);
            } else {
                int lsp = gap || n == 1 || prev_leftopen;
                int r;        /* 0 space/end, 1 punct, 2 quote, 3 other */
                if (end >= len) {
                    r = 0;
                } else {
                    unsigned nc = s[end];
                    unsigned nm = CL[nc];
                    if (nm & CL_WS) r = 0;
                    else if (nc == '"' || nc == '\'') r = 2;
                    else if (nm & CL_RP) r = 1;
                    else if (nm & CL_HI) {
                        uint32_t ncp;
                        if (!dec(s, len, end, &ncp)) {
                            r = 3;
                        } else {
                            int nct = utf8proc_category((utf8proc_int32_t)ncp);
                            if (nct >= UTF8PROC_CATEGORY_ZS && nct <= UTF8PROC_CATEGORY_ZP) r = 0;
                            else if (is_quote_cp(ncp)) r = 2;
                            else if (nct >= UTF8PROC_CATEGORY_PC && nct <= UTF8PROC_CATEGORY_PO &&
                                     nct != UTF8PROC_CATEGORY_PS)
                                r = 1;
                            else r = 3;
                        }
                    } else r = 3;
                }
                if (lsp && r >= 2) dir = 1;
                else if (!lsp && r <= 2) dir = -1;
                else dir = 0;
            }
            fl |= dir > 0 ? QUARRY_TF_QOPEN : dir < 0 ? QUARRY_TF_QCLOSE : QUARRY_TF_QAMBIG;
        }
        tk->flags = fl;
        finish(s, len, tk);
        if (sent_needed(tk, &sst)) sent_step(s, len, v, n - 1, &sst);

        /* Facts about this token for the next one. */
        if (kind == TK_PUNCT) {
            unsigned f = s[start];
            prev_term = f == '.' || f == '!' || f == '?' || f == ':' || is_terminal_punct(s, tk) ||
                        is_cjk_terminal(s, len, tk);
            prev_leftopen = f == '(' || f == '[' || f == '{';
            if (f >= 0x80) prev_leftopen = cat == UTF8PROC_CATEGORY_PS;
        } else if (kind == TK_QUOTE) {
            prev_term = (fl & QUARRY_TF_QCLOSE) != 0;
            prev_leftopen = (fl & QUARRY_TF_QOPEN) != 0;
        } else {
            prev_term = 0;
            prev_leftopen = kind == TK_DASH;
        }
        nl = 0;
        indent = gap = 0;
        i = end;
        if (i < len && s[i] == ' ') {     /* the usual single space, without a loop turn */
            gap = 1;
            i++;
        }

        if (clitic) {                     /* 's 're 'll 've 'd 'm, adjacent to the word */
            token *ct = &v[n++];                 /* room reserved above */
            ct->start = (uint32_t)end;
            ct->end = (uint32_t)clitic;
            ct->kind = TK_WORD;
            ct->sent = 0;
            ct->flags = 0;
            finish(s, len, ct);
            if (sent_needed(ct, &sst)) sent_step(s, len, v, n - 1, &sst);
            prev_term = 0;
            prev_leftopen = 0;
            i = clitic;
            gap = 0;
        }
    }
    if (gap && n) v[n - 1].flags |= QUARRY_TF_SPACE_AFTER;

    if (n) v[n - 1].flags |= QUARRY_TF_PARA_END | QUARRY_TF_SENT_END;

    toks->v = v;
    toks->n = n;
    return 0;
}

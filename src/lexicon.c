/* Lexicons: named phrase lists compiled into one phrase trie over token hashes (see
 * lexicon.h).
 *
 * Layout:
 *  - Node 0 is the root for case-insensitive lexicons (edges keyed on token.hfold), node 1
 *    the root for case-sensitive ones (edges keyed on token.hraw).
 *  - Every edge lives in one open-addressing table (linear probing, load <= 1/2) keyed by
 *    (parent node, token hash) -> child node. A lookup that misses usually touches one slot.
 *  - A node that ends a phrase heads a singly linked list of terminals (lexicon id, entry id)
 *    kept sorted by lexicon id, with at most one terminal per lexicon: adding the same phrase
 *    twice to one lexicon merges the features into the existing entry.
 *  - Entry ids are global to the db; an entry's features are a contiguous run of lex_feature
 *    whose strings are interned in the db arena.
 *
 * Loading keys each phrase by the tokens a document would give: a plain phrase (ASCII words,
 * most lines) through tokenize_plain, any other through the real tokenizer (text_init +
 * tokenize with the db's abbreviation set) into a scratch arena reset per such line, so the
 * keys agree with the tokens of a document. A file's lines and words are counted first and
 * the tables sized once for them. A match never crosses a line start
 * (QUARRY_TF_LINE_START, which every paragraph start (QUARRY_TF_PARA_START) also has).
 * After loading the db is never written: lexdb_match only reads
 * and is safe to call from several threads at once. */
#include "doc.h"
#include "lexicon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "text.h"

#if defined(__SSE2__) && defined(__GNUC__) && !defined(QUARRY_NO_SIMD)
#define LEX_SSE2 1
#include <emmintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

#define LEX_MAX_LINE 4096u
#define ROOT_FOLD 0u
#define ROOT_RAW 1u
#define NO_TERM 0u    /* terminal index 0 is a sentinel */
#define BITS_RAW_LOWER 2u

typedef struct lex_info {
    char *name;
    int case_sensitive;
    size_t n_entries;
} lex_info;

typedef struct edge {
    uint64_t h;        /* token hash */
    uint32_t parent;
    uint32_t child;    /* 0 = empty slot (node 0 is a root, never a child) */
} edge;

typedef struct term {
    uint32_t lex;
    uint32_t entry;
    uint32_t next;     /* next terminal of the same node, NO_TERM at the end */
} term;

typedef struct entry_rec {
    uint32_t feat;     /* first feature in db->feats */
    uint32_t nfeat;
} entry_rec;

/* The first token of entries, per root: one probe answers the one-token entries of a
 * token (up to FIRST_INLINE of them are copied here, in lexicon order) and says whether
 * longer entries continue from it, so that most look-ups touch one slot instead of an edge,
 * the node's terminal list and a probe for the next token. */
#define FIRST_INLINE 2
#define FIRST_LIST 0xFFu       /* nterm: more terminals than fit inline, walk the list */

typedef struct first_ent {
    uint64_t h;                /* first token hash, 0 = empty slot (hashes are never 0) */
    uint32_t node;             /* the trie node after this token */
    uint16_t lex[FIRST_INLINE];
    uint32_t entry[FIRST_INLINE];
    uint8_t nterm;             /* one-token entries inline in lex/entry, or FIRST_LIST */
    uint8_t more;              /* some entry is longer: walk on */
    uint16_t pad;
    uint32_t next;             /* bit (h >> 59) of every second token of a longer entry */
} first_ent;

typedef struct istr {
    const char *s;     /* NUL-terminated, in db->strs */
    uint32_t len;
    uint64_t h;
} istr;

struct lexdb {
    const abbrev_set *abbrevs;
    VEC(lex_info) lex;
    VEC(uint32_t) nodes;       /* per node: first terminal (NO_TERM when none) */
    VEC(term) terms;
    VEC(entry_rec) entries;
    VEC(lex_feature) feats;
    edge *edges;
    uint8_t edges_mapped;      /* table_alloc mapped it (else calloc) */
    uint8_t first_mapped[2];
    size_t edge_cap;           /* power of two */
    size_t edge_n;
    size_t root_children[2];   /* edges leaving each root: skip a walk when 0 */
    /* first tokens of entries, as a bit per top 16 bits of their hash: most tokens of a text
       start no entry, and these 8 KB answer that without touching a table of megabytes (a
       cache miss per look-up). [ROOT_FOLD]: every first token of the case-insensitive
       lexicons; [ROOT_RAW]: the first tokens of case-sensitive ones whose folded hash
       differs from the raw one (they have a capital), [BITS_RAW_LOWER]: those whose hashes
       agree. A text token can only equal an entry token whose hashes agree or differ as
       its own do, and most words of a text have no capital while most case-sensitive entries
       (names) have one, so each side is checked against its own, sparser bit set. */
    uint64_t rootbits[3][1024];
    /* edges below the first token, as a bit per top 19 bits of edge_key: a walk past the
       first token usually stops at the next one, and this 64 KB answers that without a
       probe of the edge table */
    uint64_t edgebits[1u << 13];
    first_ent *first[2];       /* per root, open addressing, load <= 1/2 */
    size_t first_cap[2], first_n[2];
    size_t max_len;
    istr *interned;            /* open-addressing set of feature strings */
    size_t int_cap, int_n;
    arena strs;                /* names and interned strings, lives as long as the db */
    arena scratch;             /* per-phrase tokenization, reset each time */
};

/* ---- big tables --------------------------------------------------------------------- */

/* The edge and first-token tables of the shipped lexicons take megabytes (8 MB and 16 MB
 * for the case-sensitive first tokens), and hashing spreads their entries over every page:
 * the kernel faulted them in 4 KB at a time, about 6,000 faults that cost more than building
 * the tables (docs/PERFORMANCE.md, session 22). On Linux a table of TABLE_HUGE bytes or more
 * is mapped on its own, aligned to 2 MB, and marked for transparent huge pages
 * (madvise(MADV_HUGEPAGE), a hint): one fault per 2 MB where the kernel has huge pages to
 * give, small pages as before where it has none or THP is off. Else, and when mapping
 * fails, calloc. Both give zeroed memory. */
#if defined(__linux__) && defined(MADV_HUGEPAGE) && defined(MAP_ANONYMOUS)
#define TABLE_HUGE ((size_t)2 << 20)
#endif

static void *table_alloc(size_t n, size_t size, uint8_t *mapped)
{
    *mapped = 0;
#ifdef TABLE_HUGE
    size_t b = n * size;
    if (n <= SIZE_MAX / size && b >= TABLE_HUGE && b % TABLE_HUGE == 0 && b <= SIZE_MAX - TABLE_HUGE) {
        char *p = mmap(NULL, b + TABLE_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (p != MAP_FAILED) {
            char *q = (char *)(((uintptr_t)p + TABLE_HUGE - 1) & ~(uintptr_t)(TABLE_HUGE - 1));
            /* keep [q, q + b): unmap the head before q and the tail after it */
            if (q > p) munmap(p, (size_t)(q - p));
            munmap(q + b, (size_t)(p + TABLE_HUGE - q));
            madvise(q, b, MADV_HUGEPAGE);
            *mapped = 1;
            return q;
        }
    }
#endif
    return calloc(n, size);
}

static void table_free(void *p, size_t n, size_t size, uint8_t mapped)
{
#ifdef TABLE_HUGE
    if (mapped) {
        munmap(p, n * size);
        return;
    }
#else
    (void)n;
    (void)size;
    (void)mapped;
#endif
    free(p);
}

/* ---- hashing ------------------------------------------------------------------------ */

static inline uint64_t edge_key(uint32_t parent, uint64_t h)
{
    uint64_t x = h ^ ((uint64_t)parent * 0x9E3779B97F4A7C15ULL);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 29;
    return x;
}

static inline uint32_t edge_find(const lexdb *db, uint32_t parent, uint64_t h)
{
    size_t mask = db->edge_cap - 1;
    size_t i = (size_t)edge_key(parent, h) & mask;
    for (;;) {
        const edge *e = &db->edges[i];
        if (e->child == 0) return 0;
        if (e->h == h && e->parent == parent) return e->child;
        i = (i + 1) & mask;
    }
}

/* Grows the edge table to at least min_cap slots (a power of two), at least doubling. */
static int edges_resize(lexdb *db, size_t min_cap)
{
    size_t ncap = db->edge_cap ? db->edge_cap * 2 : 1024;
    while (ncap < min_cap) ncap *= 2;
    uint8_t mapped;
    edge *ne = table_alloc(ncap, sizeof *ne, &mapped);
    if (!ne) return -1;
    size_t mask = ncap - 1;
    for (size_t k = 0; k < db->edge_cap; k++) {
        const edge *e = &db->edges[k];
        if (e->child == 0) continue;
        size_t i = (size_t)edge_key(e->parent, e->h) & mask;
        while (ne[i].child != 0) i = (i + 1) & mask;
        ne[i] = *e;
    }
    table_free(db->edges, db->edge_cap, sizeof *ne, db->edges_mapped);
    db->edges = ne;
    db->edges_mapped = mapped;
    db->edge_cap = ncap;
    return 0;
}

static int edges_grow(lexdb *db) { return edges_resize(db, 0); }

/* Child of parent by h, created when absent. Returns the node id, 0 on OOM. */
static uint32_t edge_get_or_add(lexdb *db, uint32_t parent, uint64_t h)
{
    size_t mask = db->edge_cap - 1;
    size_t i = (size_t)edge_key(parent, h) & mask;
    for (;;) {
        edge *e = &db->edges[i];
        if (e->child == 0) break;
        if (e->h == h && e->parent == parent) return e->child;
        i = (i + 1) & mask;
    }
    if (db->nodes.n >= UINT32_MAX) return 0;
    if ((db->edge_n + 1) * 2 > db->edge_cap) {
        if (edges_grow(db)) return 0;
        mask = db->edge_cap - 1;
        i = (size_t)edge_key(parent, h) & mask;
        while (db->edges[i].child != 0) i = (i + 1) & mask;
    }
    uint32_t child = (uint32_t)db->nodes.n;
    if (VEC_PUSH(&db->nodes, NO_TERM)) return 0;
    db->edges[i].h = h;
    db->edges[i].parent = parent;
    db->edges[i].child = child;
    db->edge_n++;
    if (parent <= ROOT_RAW) {
        db->root_children[parent]++;
    } else {
        uint64_t k = edge_key(parent, h);
        db->edgebits[k >> 51] |= (uint64_t)1 << ((k >> 45) & 63);
    }
    return child;
}

/* ---- first tokens ------------------------------------------------------------------ */

static inline const first_ent *first_find(const lexdb *db, uint32_t root, uint64_t h)
{
    size_t mask = db->first_cap[root] - 1;
    size_t i = (size_t)h & mask;
    for (;;) {
        const first_ent *e = &db->first[root][i];
        if (e->h == h) return e;
        if (e->h == 0) return NULL;
        i = (i + 1) & mask;
    }
}

/* Grows root's first-token table to at least min_cap slots (a power of two), at least
 * doubling. */
static int first_resize(lexdb *db, uint32_t root, size_t min_cap)
{
    size_t ncap = db->first_cap[root] ? db->first_cap[root] * 2 : 1024;
    while (ncap < min_cap) ncap *= 2;
    uint8_t mapped;
    first_ent *ne = table_alloc(ncap, sizeof *ne, &mapped);
    if (!ne) return -1;
    for (size_t k = 0; k < db->first_cap[root]; k++) {
        const first_ent *e = &db->first[root][k];
        if (e->h == 0) continue;
        size_t i = (size_t)e->h & (ncap - 1);
        while (ne[i].h != 0) i = (i + 1) & (ncap - 1);
        ne[i] = *e;
    }
    table_free(db->first[root], db->first_cap[root], sizeof *ne, db->first_mapped[root]);
    db->first[root] = ne;
    db->first_mapped[root] = mapped;
    db->first_cap[root] = ncap;
    return 0;
}

static int first_grow(lexdb *db, uint32_t root) { return first_resize(db, root, 0); }

/* The slot of first token h under root, created (for node) when absent; NULL on OOM. */
static first_ent *first_get_or_add(lexdb *db, uint32_t root, uint64_t h, uint32_t node)
{
    if ((db->first_n[root] + 1) * 2 > db->first_cap[root] && first_grow(db, root)) return NULL;
    size_t mask = db->first_cap[root] - 1;
    size_t i = (size_t)h & mask;
    while (db->first[root][i].h != 0) {
        if (db->first[root][i].h == h) return &db->first[root][i];
        i = (i + 1) & mask;
    }
    first_ent *e = &db->first[root][i];
    memset(e, 0, sizeof *e);
    e->h = h;
    e->node = node;
    db->first_n[root]++;
    return e;
}

/* Copies the terminals of e's node inline when they fit. */
static void first_sync(lexdb *db, first_ent *e)
{
    uint32_t n = 0;
    for (uint32_t t = db->nodes.v[e->node]; t != NO_TERM; t = db->terms.v[t].next, n++) {
        if (n >= FIRST_INLINE || db->terms.v[t].lex > UINT16_MAX) {
            e->nterm = FIRST_LIST;
            return;
        }
        e->lex[n] = (uint16_t)db->terms.v[t].lex;
        e->entry[n] = db->terms.v[t].entry;
    }
    e->nterm = (uint8_t)n;
}

/* ---- interned strings --------------------------------------------------------------- */

static int intern_grow(lexdb *db)
{
    size_t ncap = db->int_cap ? db->int_cap * 2 : 64;
    istr *ns = calloc(ncap, sizeof *ns);
    if (!ns) return -1;
    for (size_t k = 0; k < db->int_cap; k++) {
        if (!db->interned[k].s) continue;
        size_t i = (size_t)db->interned[k].h & (ncap - 1);
        while (ns[i].s) i = (i + 1) & (ncap - 1);
        ns[i] = db->interned[k];
    }
    free(db->interned);
    db->interned = ns;
    db->int_cap = ncap;
    return 0;
}

static const char *intern(lexdb *db, const char *s, size_t n)
{
    if (n > UINT32_MAX) return NULL;
    if ((db->int_n + 1) * 2 > db->int_cap && intern_grow(db)) return NULL;
    uint64_t h = hash_bytes(s, n);
    size_t mask = db->int_cap - 1;
    size_t i = (size_t)h & mask;
    while (db->interned[i].s) {
        const istr *e = &db->interned[i];
        if (e->h == h && e->len == n && memcmp(e->s, s, n) == 0) return e->s;
        i = (i + 1) & mask;
    }
    char *p = arena_strndup(&db->strs, s, n);
    if (!p) return NULL;
    db->interned[i].s = p;
    db->interned[i].len = (uint32_t)n;
    db->interned[i].h = h;
    db->int_n++;
    return p;
}

/* ---- db ----------------------------------------------------------------------------- */

lexdb *lexdb_new(const abbrev_set *abbrevs)
{
    lexdb *db = calloc(1, sizeof *db);
    if (!db) return NULL;
    db->abbrevs = abbrevs;
    arena_init(&db->strs);
    arena_init(&db->scratch);
    if (VEC_PUSH(&db->nodes, NO_TERM) || VEC_PUSH(&db->nodes, NO_TERM) ||
        VEC_PUSH(&db->terms, ((term){0, 0, NO_TERM})) || edges_grow(db) || first_grow(db, 0) ||
        first_grow(db, 1)) {
        lexdb_free(db);
        return NULL;
    }
    return db;
}

void lexdb_free(lexdb *db)
{
    if (!db) return;
    VEC_FREE(&db->lex);
    VEC_FREE(&db->nodes);
    VEC_FREE(&db->terms);
    VEC_FREE(&db->entries);
    VEC_FREE(&db->feats);
    table_free(db->edges, db->edge_cap, sizeof *db->edges, db->edges_mapped);
    table_free(db->first[0], db->first_cap[0], sizeof *db->first[0], db->first_mapped[0]);
    table_free(db->first[1], db->first_cap[1], sizeof *db->first[1], db->first_mapped[1]);
    free(db->interned);
    arena_free(&db->strs);
    arena_free(&db->scratch);
    free(db);
}

int lexdb_find(const lexdb *db, const char *name)
{
    for (size_t k = 0; k < db->lex.n; k++)
        if (strcmp(db->lex.v[k].name, name) == 0) return (int)k;
    return -1;
}

int lexdb_declare(lexdb *db, const char *name, int case_sensitive)
{
    int id = lexdb_find(db, name);
    if (id >= 0) return id;
    if (db->lex.n >= (size_t)INT32_MAX) return -1;
    char *nm = arena_strndup(&db->strs, name, strlen(name));
    if (!nm) return -1;
    lex_info li = {nm, case_sensitive ? 1 : 0, 0};
    if (VEC_PUSH(&db->lex, li)) return -1;
    return (int)(db->lex.n - 1);
}

const char *lexdb_name(const lexdb *db, uint32_t lex)
{
    return lex < db->lex.n ? db->lex.v[lex].name : NULL;
}

size_t lexdb_count(const lexdb *db) { return db->lex.n; }

size_t lexdb_entries(const lexdb *db, uint32_t lex)
{
    return lex < db->lex.n ? db->lex.v[lex].n_entries : 0;
}

size_t lexdb_max_len(const lexdb *db) { return db->max_len; }

/* ---- adding ------------------------------------------------------------------------- */

static int is_feat_sep(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Appends the features parsed from f[0..n) to the run of entry e (which must end the
 * feature array, or be empty: the caller moves it there first). Exact duplicates (same key
 * and value) are dropped. */
static int parse_features(lexdb *db, entry_rec *e, const char *f, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && is_feat_sep(f[i])) i++;
        if (i >= n) break;
        size_t s = i;
        while (i < n && !is_feat_sep(f[i])) i++;
        const char *item = f + s;
        size_t ilen = i - s;
        const char *eq = memchr(item, '=', ilen);
        size_t klen = eq ? (size_t)(eq - item) : ilen;
        const char *k = intern(db, item, klen);
        const char *v = eq ? intern(db, eq + 1, ilen - klen - 1) : intern(db, "", 0);
        if (!k || !v) return -1;
        int dup = 0;
        for (uint32_t j = 0; j < e->nfeat; j++) {
            const lex_feature *x = &db->feats.v[e->feat + j];
            if (x->key == k && x->value == v) { dup = 1; break; }
        }
        if (dup) continue;
        if (e->nfeat == 0) e->feat = (uint32_t)db->feats.n;
        if (db->feats.n >= UINT32_MAX) return -1;
        if (VEC_PUSH(&db->feats, ((lex_feature){k, v}))) return -1;
        e->nfeat++;
    }
    return 0;
}

static int has_feature_text(const char *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_feat_sep(f[i])) return 1;
    return 0;
}

#define PLAIN_MAX 64   /* tokens of a phrase keyed without the tokenizer (tokenize_plain) */

/* lexdb_add, with phrase[0..readable) readable (readable >= n: the rest of a file's text). */
static int add_phrase(lexdb *db, uint32_t lex, const char *phrase, size_t n, size_t readable,
                      const char *features, size_t flen)
{
    if (lex >= db->lex.n) return -1;
    if (n > UINT32_MAX) return -1;
    int cs = db->lex.v[lex].case_sensitive;

    /* The phrase's token hashes: a plain phrase (most lines) without the tokenizer, any other
     * through it, in the scratch arena. */
    uint64_t rawbuf[PLAIN_MAX], foldbuf[PLAIN_MAX];
    const uint64_t *hraw = rawbuf, *hfold = foldbuf;
    long got = tokenize_plain(phrase, n, readable, rawbuf, foldbuf, PLAIN_MAX);
    size_t ntok;
    if (got >= 0) {
        ntok = (size_t)got;
    } else {
        arena_reset(&db->scratch);
        text t;
        tokens toks = {NULL, 0};
        if (text_init(&t, phrase, n, &db->scratch, NULL, NULL)) return -1;
        if (tokenize(&t, db->abbrevs, &db->scratch, &toks)) return -1;
        ntok = toks.n;
        uint64_t *r = ntok > PLAIN_MAX ? arena_alloc(&db->scratch, ntok * sizeof *r) : rawbuf;
        uint64_t *f = ntok > PLAIN_MAX ? arena_alloc(&db->scratch, ntok * sizeof *f) : foldbuf;
        if (!r || !f) return -1;
        for (size_t k = 0; k < ntok; k++) {
            r[k] = toks.v[k].hraw;
            f[k] = toks.v[k].hfold;
        }
        hraw = r;
        hfold = f;
    }
    if (ntok == 0) return 0;

    uint32_t root = cs ? ROOT_RAW : ROOT_FOLD;
    uint32_t node = root;
    first_ent *fe = NULL;
    for (size_t k = 0; k < ntok; k++) {
        uint64_t h = cs ? hraw[k] : hfold[k];
        node = edge_get_or_add(db, node, h);
        if (!node) return -1;
        if (k == 0) {
            if (!(fe = first_get_or_add(db, root, h, node))) return -1;
            unsigned bits = cs && hraw[0] == hfold[0] ? BITS_RAW_LOWER : root;
            db->rootbits[bits][h >> 54] |= (uint64_t)1 << ((h >> 48) & 63);
        }
        if (k == 1) {
            fe->more = 1;
            fe->next |= (uint32_t)1 << (h >> 59);
        }
    }
    if (ntok > db->max_len) db->max_len = ntok;

    /* Find this lexicon's terminal on the node, or the terminal to insert it after
     * (prev == NO_TERM: at the head). */
    uint32_t prev = NO_TERM, cur = db->nodes.v[node];
    while (cur != NO_TERM && db->terms.v[cur].lex < lex) {
        prev = cur;
        cur = db->terms.v[cur].next;
    }
    int have_feats = features && has_feature_text(features, flen);

    if (cur != NO_TERM && db->terms.v[cur].lex == lex) {
        /* The same phrase again in this lexicon: merge features into the entry. */
        if (!have_feats) return 0;
        entry_rec *e = &db->entries.v[db->terms.v[cur].entry];
        if (e->nfeat > 0 && (size_t)e->feat + e->nfeat != db->feats.n) {
            /* Move the run to the end so it stays contiguous (rare: duplicates only). */
            if (VEC_RESERVE(&db->feats, db->feats.n + e->nfeat)) return -1;
            memcpy(db->feats.v + db->feats.n, db->feats.v + e->feat,
                   e->nfeat * sizeof(lex_feature));
            e->feat = (uint32_t)db->feats.n;
            db->feats.n += e->nfeat;
        }
        return parse_features(db, e, features, flen);
    }

    if (db->entries.n >= UINT32_MAX || db->terms.n >= UINT32_MAX) return -1;
    uint32_t eid = (uint32_t)db->entries.n;
    if (VEC_PUSH(&db->entries, ((entry_rec){0, 0}))) return -1;
    if (have_feats && parse_features(db, &db->entries.v[eid], features, flen)) {
        db->entries.n--;
        return -1;
    }
    uint32_t tid = (uint32_t)db->terms.n;
    if (VEC_PUSH(&db->terms, ((term){lex, eid, cur}))) {
        db->entries.n--;
        return -1;
    }
    if (prev == NO_TERM) db->nodes.v[node] = tid;
    else db->terms.v[prev].next = tid;
    db->lex.v[lex].n_entries++;
    if (ntok == 1) first_sync(db, fe);
    return 0;
}

int lexdb_add(lexdb *db, uint32_t lex, const char *phrase, size_t n, const char *features,
              size_t flen)
{
    return add_phrase(db, lex, phrase, n, n, features, flen);
}

/* ---- loading ------------------------------------------------------------------------ */

/* Strict UTF-8 check (no overlongs, surrogates or code points above U+10FFFF). */
static int utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path, 8 bytes at a time. */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ULL) break;
            i += 8;
        }
        if (i >= n) break;
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t need;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) need = 1;
        else if (c == 0xE0) { need = 2; lo = 0xA0; }
        else if (c >= 0xE1 && c <= 0xEC) need = 2;
        else if (c == 0xED) { need = 2; hi = 0x9F; }
        else if (c >= 0xEE && c <= 0xEF) need = 2;
        else if (c == 0xF0) { need = 3; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) need = 3;
        else if (c == 0xF4) { need = 3; hi = 0x8F; }
        else return 0;
        if (n - i - 1 < need) return 0;
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t k = 2; k <= need; k++)
            if ((s[i + k] & 0xC0) != 0x80) return 0;
        i += need + 1;
    }
    return 1;
}

/* The lines of t[0..n) (line ends, and a last line without one) and its spaces. */
static void count_lines(const char *t, size_t n, size_t *lines, size_t *spaces)
{
    size_t nl = 0, sp = 0, i = 0;
#ifdef LEX_SSE2
    /* 16 bytes a step, counted in byte lanes (at most 255 steps between sums) */
    const __m128i cn = _mm_set1_epi8('\n'), cs = _mm_set1_epi8(' '), z = _mm_setzero_si128();
    while (i + 16 <= n) {
        __m128i an = z, as = z;
        for (unsigned k = 0; k < 255 && i + 16 <= n; k++, i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
            an = _mm_sub_epi8(an, _mm_cmpeq_epi8(v, cn));
            as = _mm_sub_epi8(as, _mm_cmpeq_epi8(v, cs));
        }
        an = _mm_sad_epu8(an, z);
        as = _mm_sad_epu8(as, z);
        nl += (size_t)_mm_extract_epi16(an, 0) + (size_t)_mm_extract_epi16(an, 4);
        sp += (size_t)_mm_extract_epi16(as, 0) + (size_t)_mm_extract_epi16(as, 4);
    }
#endif
    for (; i < n; i++) {
        nl += t[i] == '\n';
        sp += t[i] == ' ';
    }
    *lines = nl + (n > 0 && t[n - 1] != '\n');
    *spaces = sp;
}

/* Sizes the tables once for a file of lines lines and words words (at most: a plain line
 * has one word more than spaces) to go into lexicon lex, instead of growing (rehashing,
 * copying) them several times on the way. */
static int reserve(lexdb *db, uint32_t lex, size_t lines, size_t words)
{
    uint32_t root = db->lex.v[lex].case_sensitive ? ROOT_RAW : ROOT_FOLD;
    size_t want = (db->edge_n + words) * 2;           /* a new edge per word, at most */
    if (want > db->edge_cap && edges_resize(db, want)) return -1;
    want = (db->first_n[root] + lines) * 2;           /* a new first token per line */
    if (want > db->first_cap[root] && first_resize(db, root, want)) return -1;
    if (VEC_RESERVE(&db->nodes, db->nodes.n + words) || VEC_RESERVE(&db->terms, db->terms.n + lines) ||
        VEC_RESERVE(&db->entries, db->entries.n + lines))
        return -1;
    return 0;
}

int lexdb_load_text(lexdb *db, uint32_t lex, const char *text_, size_t len, size_t *err_line,
                    const char **err_msg)
{
    if (lex >= db->lex.n) {
        if (err_line) *err_line = 0;
        if (err_msg) *err_msg = "unknown lexicon";
        return -1;
    }
    int rc = 0;
    size_t pos = 0, line = 0;
    if (len >= 3 && memcmp(text_, "\xEF\xBB\xBF", 3) == 0) pos = 3;
    size_t lines, spaces;
    count_lines(text_ + pos, len - pos, &lines, &spaces);
    if (reserve(db, lex, lines, lines + spaces)) {
        if (err_line) *err_line = 0;
        if (err_msg) *err_msg = "out of memory";
        return -1;
    }
    while (pos < len) {
        const char *s = text_ + pos;
        size_t n, avail = len - pos;
        const char *tab;
        int ascii;             /* no byte >= 0x80 in the line: valid UTF-8 */
#ifdef LEX_SSE2
        /* A line shorter than 16 bytes (most) from one load: its end, tab and bytes >= 0x80. */
        __m128i v = _mm_setzero_si128();
        unsigned mnl = 0;
        if (avail >= 16) {
            v = _mm_loadu_si128((const __m128i *)(const void *)s);
            mnl = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
        }
        if (mnl) {
            n = (size_t)__builtin_ctz(mnl);
            pos += n + 1;
            if (n > 0 && s[n - 1] == '\r') n--;
            unsigned keep = (1u << n) - 1;
            unsigned mt = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t'))) & keep;
            tab = mt ? s + __builtin_ctz(mt) : NULL;
            ascii = !((unsigned)_mm_movemask_epi8(v) & keep);
        } else
#endif
        {
            const char *nl = memchr(s, '\n', avail);
            n = nl ? (size_t)(nl - s) : avail;
            pos += n + (nl ? 1 : 0);
            if (n > 0 && s[n - 1] == '\r') n--;
            tab = n <= LEX_MAX_LINE ? memchr(s, '\t', n) : NULL;
            ascii = 0;
        }
        line++;
        if (n == 0 || s[0] == '#') continue;
        const char *msg = NULL;
        if (n > LEX_MAX_LINE) msg = "line too long";
        else if (!ascii && !utf8_valid((const unsigned char *)s, n)) msg = "invalid UTF-8";
        if (msg) {
            if (rc == 0) {
                if (err_line) *err_line = line;
                if (err_msg) *err_msg = msg;
            }
            rc = -1;
            continue;
        }
        size_t plen = tab ? (size_t)(tab - s) : n;
        const char *f = tab ? tab + 1 : NULL;
        size_t flen = tab ? n - plen - 1 : 0;
        if (add_phrase(db, lex, s, plen, avail, f, flen)) {
            if (err_line) *err_line = line;
            if (err_msg) *err_msg = "out of memory";
            return -1;
        }
    }
    arena_reset(&db->scratch);
    return rc;
}

int lexdb_load_file(lexdb *db, uint32_t lex, const char *path, size_t *err_line,
                    const char **err_msg)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return -2;
    buf b = {0};
    char tmp[65536];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, fp)) > 0) {
        if (buf_append(&b, tmp, got)) {
            fclose(fp);
            buf_free(&b);
            errno = ENOMEM;
            return -2;
        }
    }
    int bad = ferror(fp);
    int saved = errno;
    fclose(fp);
    if (bad) {
        buf_free(&b);
        errno = saved ? saved : EIO;
        return -2;
    }
    int rc = lexdb_load_text(db, lex, b.p ? b.p : "", b.n, err_line, err_msg);
    buf_free(&b);
    return rc;
}

/* ---- matching ----------------------------------------------------------------------- */

/* Inserts h into out[0..min(*count, max)) kept ordered by lexicon id, then length
 * descending; the element pushed past max is dropped. */
static inline void hit_insert(lex_hit *out, size_t max, size_t *count, lex_hit h)
{
    size_t have = *count < max ? *count : max;
    (*count)++;
    size_t at = have;
    while (at > 0 && (out[at - 1].lex > h.lex || (out[at - 1].lex == h.lex && out[at - 1].len < h.len)))
        at--;
    if (at >= max) return;
    size_t last = have < max ? have : max - 1;
    if (last > at) memmove(out + at + 1, out + at, (last - at) * sizeof *out);
    out[at] = h;
}

/* Hits of the longer entries from node, the trie node after token i (one token matched). */
static void walk_on(const lexdb *db, uint32_t root, uint32_t node, uint32_t next_bits,
                    const tokens *toks, size_t i, lex_hit *out, size_t max, size_t *count)
{
    for (size_t j = i + 1; j < toks->n; j++) {
        const token *tk = &toks->v[j];
        /* A phrase never spans a line break (nor so a paragraph break). */
        if (tk->flags & (QUARRY_TF_PARA_START | QUARRY_TF_LINE_START)) break;
        uint64_t h = root == ROOT_RAW ? tk->hraw : tk->hfold;
        if (j == i + 1 && !(next_bits >> (h >> 59) & 1)) break;
        uint64_t k = edge_key(node, h);
        if (!(db->edgebits[k >> 51] >> ((k >> 45) & 63) & 1)) break;
        node = edge_find(db, node, h);
        if (!node) break;
        for (uint32_t t = db->nodes.v[node]; t != NO_TERM; t = db->terms.v[t].next) {
            lex_hit hh = {db->terms.v[t].lex, (uint32_t)(j - i + 1), db->terms.v[t].entry};
            hit_insert(out, max, count, hh);
        }
    }
}

/* Which roots token t may start an entry under: bit r for root r (the first-token bit sets). */
static inline unsigned root_mask(const lexdb *db, const token *t)
{
    unsigned m = 0;
    uint64_t hf = t->hfold, hr = t->hraw;
    unsigned bits = hr == hf ? BITS_RAW_LOWER : ROOT_RAW;
    if (db->root_children[ROOT_FOLD] && (db->rootbits[ROOT_FOLD][hf >> 54] >> ((hf >> 48) & 63) & 1))
        m |= 1u << ROOT_FOLD;
    if (db->root_children[ROOT_RAW] && (db->rootbits[bits][hr >> 54] >> ((hr >> 48) & 63) & 1))
        m |= 1u << ROOT_RAW;
    return m;
}

/* lexdb_match at token i, the roots to try (root_mask) known. */
static inline size_t match_at(const lexdb *db, const tokens *toks, size_t i, unsigned roots,
                              lex_hit *out, size_t max)
{
    size_t count = 0;
    const token *t0 = &toks->v[i];
    for (uint32_t root = ROOT_FOLD; root <= ROOT_RAW; root++) {
        if (!(roots >> root & 1)) continue;
        const first_ent *fe = first_find(db, root, root == ROOT_RAW ? t0->hraw : t0->hfold);
        if (!fe) continue;
        if (fe->nterm != FIRST_LIST) {
            for (uint32_t k = 0; k < fe->nterm; k++) {
                lex_hit h = {fe->lex[k], 1, fe->entry[k]};
                if (count < max && (count == 0 || out[count - 1].lex < h.lex)) out[count++] = h;
                else hit_insert(out, max, &count, h);
            }
        } else {
            for (uint32_t t = db->nodes.v[fe->node]; t != NO_TERM; t = db->terms.v[t].next) {
                lex_hit h = {db->terms.v[t].lex, 1, db->terms.v[t].entry};
                hit_insert(out, max, &count, h);
            }
        }
        if (fe->more) walk_on(db, root, fe->node, fe->next, toks, i, out, max, &count);
    }
    return count;
}

size_t lexdb_match(const lexdb *db, const tokens *toks, const char *src, size_t i, lex_hit *out,
                   size_t max)
{
    (void)src;
    if (!toks || i >= toks->n) return 0;
    return match_at(db, toks, i, root_mask(db, &toks->v[i]), out, max);
}

/* INTERNAL, for tests: the same answer by walking the trie from the root. */
size_t lexdb_match_trie(const lexdb *db, const tokens *toks, size_t i, lex_hit *out, size_t max)
{
    size_t count = 0;
    if (!toks || i >= toks->n) return 0;
    for (uint32_t root = ROOT_FOLD; root <= ROOT_RAW; root++) {
        uint32_t node = root;
        for (size_t j = i; j < toks->n; j++) {
            const token *tk = &toks->v[j];
            if (j > i && (tk->flags & (QUARRY_TF_PARA_START | QUARRY_TF_LINE_START))) break;
            node = edge_find(db, node, root == ROOT_RAW ? tk->hraw : tk->hfold);
            if (!node) break;
            for (uint32_t t = db->nodes.v[node]; t != NO_TERM; t = db->terms.v[t].next) {
                lex_hit h = {db->terms.v[t].lex, (uint32_t)(j - i + 1), db->terms.v[t].entry};
                hit_insert(out, max, &count, h);
            }
        }
    }
    return count;
}

/* ---- features ----------------------------------------------------------------------- */

size_t lexdb_entry_features(const lexdb *db, uint32_t entry, const lex_feature **f)
{
    if (entry >= db->entries.n || db->entries.v[entry].nfeat == 0) {
        if (f) *f = NULL;
        return 0;
    }
    if (f) *f = db->feats.v + db->entries.v[entry].feat;
    return db->entries.v[entry].nfeat;
}

const char *lexdb_entry_feature(const lexdb *db, uint32_t entry, const char *key)
{
    const lex_feature *f;
    size_t n = lexdb_entry_features(db, entry, &f);
    for (size_t k = 0; k < n; k++)
        if (strcmp(f[k].key, key) == 0) return f[k].value;
    return NULL;
}

/* Finds every lexicon entry at every token, once per document. */
/* The walk over the tokens: the hits at each token into *hits (grown as needed; first[i] is
 * where token i's begin) and lex1; with doc (lexicon_hits), also what the rule phases read of
 * every token (doc->lexany, wid, sid, sfirst, xhits). Inlined into both callers, so that
 * lexdb_match_all pays nothing for the rest. */
static inline int hits_walk(const lexdb *db, const tokens *toks, size_t max, uint32_t *first,
                            uint64_t *lex1, lex_hit **hitsp, size_t *capp, size_t *nhits,
                            quarry_doc *doc, const u64map *words)
{
    size_t n = toks->n, used = 0, cap = *capp;
    const token *tv = toks->v;
    lex_hit *hits = *hitsp;
    uint32_t s = 0;
    uint32_t *sid = doc ? doc->sid : NULL, *sfirst = doc ? doc->sfirst : NULL;
    uint32_t *wid = doc ? doc->wid : NULL;
    uint64_t *lexany = doc ? doc->lexany : NULL;
    for (size_t i = 0; i < n; i++) {
        const token *tk = &tv[i];
        first[i] = (uint32_t)used;
        if (doc) {
            sid[i] = s;
            if (i == 0 || (tv[i - 1].flags & QUARRY_TF_SENT_END)) sfirst[s] = (uint32_t)i;
            uint32_t id = 0;
            if (words) u64map_get(words, tk->hfold, &id);
            wid[i] = id;
        }
        uint64_t l1 = 0, la = 0;
        unsigned m = db ? root_mask(db, tk) : 0;
        if (m) {
            int ends = (tk->flags & QUARRY_TF_SENT_END) != 0;   /* every hit here reaches it */
            if (used + max > cap) {
                while (used + max > cap) cap = cap ? cap * 2 : max + 16;
                lex_hit *nh = realloc(hits, cap * sizeof *hits);
                if (!nh) return -1;
                *hitsp = hits = nh;
                *capp = cap;
            }
            lex_hit *got = hits + used;   /* written in place */
            size_t k = match_at(db, toks, i, m, got, max);
            if (k > max) k = max;
            for (size_t h = 0; h < k; h++) {
                uint32_t len = got[h].len, lex = got[h].lex;
                if (lex < 64) {
                    la |= (uint64_t)1 << lex;
                    if (len == 1) l1 |= (uint64_t)1 << lex;
                }
                if (!doc || (!ends && len == 1)) continue;
                /* a hit whose tokens include a sentence end (its last one too) */
                int x = ends;
                for (size_t j = i + 1; !x && j < i + len && j < n; j++)
                    x = (tv[j].flags & QUARRY_TF_SENT_END) != 0;
                if (x && VEC_PUSH(&doc->xhits, ((lex_xhit){(uint32_t)i, (uint32_t)(used + h)})))
                    return -1;
            }
            used += k;
        }
        lex1[i] = l1;
        if (doc) {
            lexany[i] = la;
            if (tk->flags & QUARRY_TF_SENT_END) s++;
        }
    }
    if (doc) {
        doc->sid[n] = s;
        doc->nsent = s + (n && !(tv[n - 1].flags & QUARRY_TF_SENT_END));
        doc->sfirst[doc->nsent] = (uint32_t)n;
    }
    *nhits = used;
    return 0;
}

int lexdb_match_all(const lexdb *db, const tokens *toks, size_t max, uint32_t *first,
                    uint64_t *lex1, lex_hit **hitsp, size_t *nhits)
{
    size_t cap = toks->n / 2 + max + 16;
    *hitsp = malloc(cap * sizeof **hitsp);
    if (!*hitsp) return -1;
    if (hits_walk(db, toks, max, first, lex1, hitsp, &cap, nhits, NULL, NULL)) {
        free(*hitsp);
        *hitsp = NULL;
        return -1;
    }
    return 0;
}

/* One walk over the tokens (hits_walk), the hits into a buffer the document keeps across
 * documents. */
int lexicon_hits(const quarry_rules *r, quarry_doc *doc)
{
    size_t n = doc->toks.n;
    doc->hit_first = arena_alloc(&doc->mem, (n + 2) * sizeof *doc->hit_first);
    doc->lex1 = arena_alloc(&doc->mem, (n + 1) * sizeof *doc->lex1);
    doc->lexany = arena_alloc(&doc->mem, (n + 1) * sizeof *doc->lexany);
    doc->wid = arena_alloc(&doc->mem, (n + 1) * sizeof *doc->wid);
    doc->sid = arena_alloc(&doc->mem, (n + 1) * sizeof *doc->sid);
    doc->sfirst = arena_alloc(&doc->mem, (n + 2) * sizeof *doc->sfirst);
    if (!doc->hit_first || !doc->lex1 || !doc->lexany || !doc->wid || !doc->sid || !doc->sfirst)
        return -1;
    doc->xhits.n = 0;
    size_t used = 0;
    if (hits_walk(r ? r->lex : NULL, &doc->toks, 64, doc->hit_first, doc->lex1, &doc->hitbuf.v,
                  &doc->hitbuf.cap, &used, doc, r && r->nwords ? &r->word_ids : NULL))
        return -1;
    doc->hitbuf.n = used;
    doc->lex1[n] = 0;
    doc->lexany[n] = 0;
    doc->wid[n] = 0;
    doc->hit_first[n] = doc->hit_first[n + 1] = (uint32_t)used;
    if (VEC_RESERVE(&doc->hitbuf, used + 1)) return -1;
    doc->hits = doc->hitbuf.v;
    return 0;
}

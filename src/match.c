/* Matcher: runs each phase's rules over the tokens as one Pike VM (Thompson NFA
 * simulation over tokens, no backtracking), then resolves overlaps and turns the
 * winning matches into annotations that later phases can match on.
 *
 * Cost: per token, O(threads) <= O(instructions of the phase), plus one index look-up to
 * find the rules that can start there. Each single-token test (regex included) is evaluated
 * at most once per token and phase, through a cache stamped with the position. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sort.h"

typedef struct pend {          /* a thread waiting for a multi-token atom to end */
    uint32_t pos, seq;
    uint32_t pc, start;
    uint32_t slots;            /* offset in pool */
} pend;

typedef struct cand {          /* a complete match before overlap resolution */
    uint32_t rule;
    int32_t prio;
    uint32_t order;
    uint32_t cs, ce;           /* core span */
    uint32_t slots;            /* offset in cand pool */
} cand;

typedef struct cstack {        /* closure work stack entry */
    uint32_t pc;               /* UINT32_MAX: restore slot */
    int32_t slot, val;
} cstack;

/* Where a guard atom occurs, found lazily: no occurrence in [last query, lo) but nx; ci: where
 * its scan goes on in the phase's list of positions (kpos or lpos) when it scans one. */
typedef struct occ_state {
    uint32_t lo, nx;           /* nx: UINT32_MAX when none */
    uint32_t ci;
    uint64_t need;             /* a test atom that passes only on an entry of one of these
                                  lexicons (lex_need): it scans lpos */
} occ_state;

/* A unit that crosses a sentence end in this document: boundary b (between sentence b and
 * b + 1) is crossed by an occurrence of the unsure id (a lexicon entry, an annotation, a test
 * passing on sentence b's last token). */
typedef struct xev {
    uint32_t id, b;
} xev;

/* Regex results by token text: a token's regex test depends on its bytes only, and news
 * repeats its words; only ASCII tokens are cached (their bytes are their NFC form, which
 * the hash identifies). Direct-mapped; cleared when the rule set changes. */
#define RECACHE_BITS 12
typedef struct recache_ent {
    uint64_t h;
    uint32_t tid;              /* test id + 1, 0 = empty */
    uint8_t res;
} recache_ent;

/* Results of the tests that matter on sentence ends (send_tests, any number of them), by
 * token: sentence ends are nearly all the same few tokens ("." "?" a closing quote mark), and
 * the tests depend only on the token's bytes, kind and flags. Direct-mapped, ASCII tokens only
 * (like recache); each entry's bits (send_tests.n of them, in sendwords words) are in
 * sendbits; cleared when the rule set changes. */
#define SENDCACHE_BITS 6
typedef struct sendcache_ent {
    uint64_t h;
    uint32_t flags, kind, valid;
} sendcache_ent;

/* Results of the guard atoms that are test trees (test_at walks them node by node, at every
 * position a guard scans), by token: such a test depends only on the token's bytes, kind and
 * flags, and on the annotation types starting there when it tests annotations (the types
 * below 64, typeany; a test of a type beyond is not cached: ann_big). Direct-mapped, ASCII
 * tokens only (like recache); cleared when the rule set changes. */
#define ATCACHE_BITS 12
typedef struct atcache_ent {
    uint64_t h, anns;
    uint32_t flags;
    uint32_t tid;              /* test id + 1, 0 = empty */
    uint16_t kind;
    uint8_t res;
} atcache_ent;

struct match_scratch {
    size_t nprog, stride;
    unsigned char *cl, *nl, *xl;   /* thread lists: { uint32 pc, start; int32 slots[] }: the
                                  matches at p, the threads arriving at p, those at p + 1 */
    size_t ncl, nnl, nxl;
    uint32_t *mark;
    uint32_t gen;
    cstack *stack;
    int32_t *tmp;              /* scratch slots */
    int32_t *blank;            /* nblank slots all -1, the slots of a new thread (addthread
                                  restores them; refilled after it ran out of memory) */
    size_t nblank;
    /* test cache */
    uint32_t *tstamp;
    uint8_t *tres;
    uint8_t *twarned;
    size_t ntests;
    uint32_t pstamp;
    pcre2_match_data *md;
    recache_ent *recache;
    atcache_ent *atcache;
    uint8_t *ann_big;          /* per test: it tests an annotation type >= 64 */
    uint64_t recache_serial;   /* rule set the caches belong to */
    sendcache_ent sendcache[1u << SENDCACHE_BITS];
    uint64_t *sendbits;        /* (1 << SENDCACHE_BITS) + 1 entries of sendwords words; the
                                  last: a token that is not cached */
    size_t sendwords;
    /* pending threads: a binary heap on (pos, seq) */
    VEC(pend) heap;
    VEC(int32_t) ppool;
    uint32_t seq;
    /* candidates */
    VEC(cand) cands;
    VEC(int32_t) cpool;
    /* overlap resolution */
    uint64_t *taken;           /* overlap resolution: bit t, token t is an accepted match's */
    int32_t *owner;            /* accepted candidate covering each token (explain) */
    size_t ntok_cap;
    /* start guards (rules_guard.c) */
    const uint32_t *sid;       /* sentence index of each position (sentence ends before it) */
    const uint32_t *sfirst;    /* first position of each sentence, then n (doc->sid, sfirst) */
    uint32_t nsent;
    occ_state *occ;            /* per atom of the phase */
    size_t nocc;
    uint8_t *lexcross, *typecross;   /* lexicon / annotation type crosses a sentence end */
    size_t nlexcross, ntypecross;
    uint8_t *testcross;        /* test passes on a sentence's last token (send_tests only) */
    uint64_t *rcross;          /* per rule: its unsure_ids on a guard's paths (guard_unsure) that
                                  cross in this document */
    uint32_t *next_try;        /* per rule: no start before this position (guards) */
    uint32_t *pass_end;        /* per rule: its guards pass at every position below this one */
    size_t nrcross;
    uint32_t *lmin;            /* per start list of the phase: no start before this position */
    const uint32_t *wid;       /* per position: the token's word id (doc->wid) */
    const uint64_t *lexany;    /* per position: bit l, an entry of lexicon l (< 64) starts here
                                  (doc->lexany) */
    uint64_t *typeany;         /* per position: bit t, an annotation of type t (< 64) starts here */
    /* per phase: the positions whose word is a word of some keyed guard atom (word_keyed), and
       those where an entry of a guard atom's lexicon or an annotation of a guard atom's type
       (< 64) starts; each atom scans its list instead of every position */
    uint32_t *kpos, *lpos, *mpos;
    uint32_t nkpos, nlpos, nmpos;
    /* mpos: the positions of the token kinds that some guard atom of masks alone needs */
    size_t nlmin;
    /* Sentence groups of a rule whose unsure units cross sentence ends in this document: the
       sentences joined across every boundary one of its units crosses, so that its guards'
       sentence bounds hold in groups (gpool offsets; UINT32_MAX: the sentences themselves) */
    VEC(xev) xdoc;             /* lexicon and test crossings (once per document) */
    VEC(xev) xev;              /* those and the annotation crossings (per phase) */
    VEC(uint32_t) gpool;
    uint32_t *rgid, *rgfirst, *rng;
    uint8_t *bfree;
    uint32_t nslots;
    int oom;                   /* a thread could not be kept (out of memory) */
    int reference;             /* the reference matcher (quarry_options.matcher) */
    size_t nindexed;           /* the document's annotations that the annotation index holds */
    uint32_t *idxtype;         /* their types when indexed (linking may retype one) */
    size_t nidxtype;
    uint64_t *newann;          /* index_more: the new annotations, by start then index */
    size_t nnewann;
    uint64_t *sorttmp;         /* sort scratch (sort.h), nsorttmp bytes */
    size_t nsorttmp;
};

void match_scratch_free(match_scratch *ms)
{
    if (!ms) return;
    free(ms->cl); free(ms->nl); free(ms->xl); free(ms->mark); free(ms->stack); free(ms->tmp);
    free(ms->blank);
    free(ms->tstamp); free(ms->tres); free(ms->twarned);
    if (ms->md) pcre2_match_data_free(ms->md);
    VEC_FREE(&ms->heap); VEC_FREE(&ms->ppool); VEC_FREE(&ms->cands); VEC_FREE(&ms->cpool);
    free(ms->taken); free(ms->owner); free(ms->recache); free(ms->sendbits); free(ms->atcache); free(ms->ann_big);
    free(ms->occ); free(ms->lexcross); free(ms->typecross); free(ms->rcross); free(ms->testcross);
    free(ms->next_try); free(ms->pass_end); free(ms->lmin);
    free(ms->typeany); free(ms->kpos); free(ms->lpos); free(ms->mpos);
    VEC_FREE(&ms->xdoc); VEC_FREE(&ms->xev); VEC_FREE(&ms->gpool);
    free(ms->rgid); free(ms->rgfirst); free(ms->rng); free(ms->bfree); free(ms->newann); free(ms->idxtype);
    free(ms->sorttmp);
    free(ms);
}

#define TH(list, i) ((uint32_t *)((list) + (i) * ms->stride))
#define TH_SLOTS(t) ((int32_t *)((t) + 2))

/* A thread's capture slots, copied at every step of every thread: a copy of a fixed size
 * (inlined, no call) when the phase has at most FAST_SLOTS slots; the thread lists and the
 * scratch slots have room for that many (scratch_prepare). */
#define FAST_SLOTS 8
static inline void copy_slots(const match_scratch *ms, int32_t *dst, const int32_t *src)
{
    if (ms->nslots <= FAST_SLOTS) memcpy(dst, src, FAST_SLOTS * sizeof(int32_t));
    else memcpy(dst, src, ms->nslots * sizeof(int32_t));
}

/* Does test tid (as test_at walks it) test an annotation type >= 64? memo: 0 not known yet,
 * 1 no, 2 yes. */
static int ann_big_of(const quarry_rules *r, uint8_t *memo, uint32_t tid)
{
    if (memo[tid]) return memo[tid] == 2;
    const ctest *t = &r->tests.v[tid];
    int big = t->kind == TN_ANN && t->lex >= 64;
    if (t->clause)
        for (uint32_t k = 0; k < t->nresid; k++) big |= ann_big_of(r, memo, t->resid[k]);
    else if (t->kind == TN_NOT)
        big |= ann_big_of(r, memo, t->a);
    else if ((t->kind == TN_AND || t->kind == TN_OR) && !t->nset)
        big |= ann_big_of(r, memo, t->a) | ann_big_of(r, memo, t->b);
    memo[tid] = big ? 2 : 1;
    return big;
}

static void blank_reset(match_scratch *ms)
{
    for (size_t k = 0; k < ms->nblank; k++) ms->blank[k] = -1;
}

static int scratch_prepare(match_scratch *ms, const quarry_rules *r, size_t ntok)
{
    size_t maxslots = FAST_SLOTS;   /* room for copy_slots' fixed-size copy */
    for (size_t i = 0; i < r->phases.n; i++)
        if (r->phases.v[i].nslots > maxslots) maxslots = r->phases.v[i].nslots;
    size_t nprog = r->prog.n + 1;
    size_t stride = 8 + 4 * maxslots;
    if (nprog > ms->nprog || stride > ms->stride) {
        free(ms->cl); free(ms->nl); free(ms->xl); free(ms->mark); free(ms->stack); free(ms->tmp);
        free(ms->blank);
        ms->cl = malloc(nprog * stride);
        ms->nl = malloc(nprog * stride);
        ms->xl = malloc(nprog * stride);
        ms->mark = calloc(nprog, sizeof *ms->mark);
        ms->stack = malloc((2 * nprog + 16) * sizeof *ms->stack);
        ms->tmp = malloc(maxslots * sizeof *ms->tmp);
        ms->blank = malloc(maxslots * sizeof *ms->blank);
        if (!ms->cl || !ms->nl || !ms->xl || !ms->mark || !ms->stack || !ms->tmp || !ms->blank)
            return -1;
        ms->nblank = maxslots;
        blank_reset(ms);
        ms->nprog = nprog;
        ms->stride = stride;
        ms->gen = 0;
    }
    if (r->tests.n > ms->ntests) {
        free(ms->tstamp); free(ms->tres); free(ms->twarned); free(ms->testcross);
        free(ms->ann_big);
        ms->ann_big = calloc(r->tests.n, 1);
        ms->recache_serial = 0;   /* ann_big is filled for the rule set below */
        ms->tstamp = calloc(r->tests.n, sizeof *ms->tstamp);
        ms->tres = calloc(r->tests.n, 1);
        ms->twarned = calloc(r->tests.n, 1);
        ms->testcross = calloc(r->tests.n, 1);
        if (!ms->tstamp || !ms->tres || !ms->twarned || !ms->testcross || !ms->ann_big)
            return -1;
        ms->ntests = r->tests.n;
        ms->pstamp = 0;
    }
    if (ntok + 1 > ms->ntok_cap) {
        free(ms->taken); free(ms->owner); free(ms->bfree);
        free(ms->typeany); free(ms->kpos); free(ms->lpos); free(ms->mpos);
        ms->mpos = malloc((ntok + 2) * sizeof *ms->mpos);
        ms->kpos = malloc((ntok + 2) * sizeof *ms->kpos);
        ms->lpos = malloc((ntok + 2) * sizeof *ms->lpos);
        ms->typeany = malloc((ntok + 2) * sizeof *ms->typeany);
        ms->taken = malloc((ntok / 64 + 2) * sizeof *ms->taken);
        ms->owner = malloc((ntok + 2) * sizeof *ms->owner);
        ms->bfree = malloc(ntok + 2);
        if (!ms->taken || !ms->owner || !ms->bfree || !ms->typeany || !ms->kpos || !ms->lpos ||
            !ms->mpos)
            return -1;
        ms->ntok_cap = ntok + 1;
    }
    size_t natoms = 0;
    for (size_t i = 0; i < r->phases.n; i++)
        if (r->phases.v[i].atoms.n > natoms) natoms = r->phases.v[i].atoms.n;
    if (natoms > ms->nocc) {
        occ_state *o = realloc(ms->occ, natoms * sizeof *o);
        if (!o) return -1;
        ms->occ = o;
        ms->nocc = natoms;
    }
    size_t nlex = r->lex ? lexdb_count(r->lex) : 0;
    if (nlex > ms->nlexcross) {
        free(ms->lexcross);
        ms->lexcross = malloc(nlex);
        if (!ms->lexcross) return -1;
        ms->nlexcross = nlex;
    }
    if (r->types.n > ms->ntypecross) {
        free(ms->typecross);
        ms->typecross = malloc(r->types.n);
        if (!ms->typecross) return -1;
        ms->ntypecross = r->types.n;
    }
    if (r->rules.n > ms->nrcross) {
        free(ms->rcross); free(ms->next_try); free(ms->pass_end);
        free(ms->rgid); free(ms->rgfirst); free(ms->rng);
        ms->rcross = malloc(r->rules.n * sizeof *ms->rcross);
        ms->next_try = malloc(r->rules.n * sizeof *ms->next_try);
        ms->pass_end = malloc(r->rules.n * sizeof *ms->pass_end);
        ms->rgid = malloc(r->rules.n * sizeof *ms->rgid);
        ms->rgfirst = malloc(r->rules.n * sizeof *ms->rgfirst);
        ms->rng = malloc(r->rules.n * sizeof *ms->rng);
        if (!ms->rcross || !ms->next_try || !ms->pass_end || !ms->rgid || !ms->rgfirst ||
            !ms->rng) return -1;
        ms->nrcross = r->rules.n;
    }
    size_t nl = 0;
    for (size_t i = 0; i < r->phases.n; i++)
        if (r->phases.v[i].nstart_lists > nl) nl = r->phases.v[i].nstart_lists;
    if (nl > ms->nlmin) {
        free(ms->lmin);
        ms->lmin = malloc(nl * sizeof *ms->lmin);
        if (!ms->lmin) return -1;
        ms->nlmin = nl;
    }
    if (!ms->md) {
        ms->md = pcre2_match_data_create(1, NULL);
        if (!ms->md) return -1;
    }
    if (!ms->recache) {
        ms->recache = calloc((size_t)1 << RECACHE_BITS, sizeof *ms->recache);
        if (!ms->recache) return -1;
    }
    if (!ms->atcache) {
        ms->atcache = calloc((size_t)1 << ATCACHE_BITS, sizeof *ms->atcache);
        if (!ms->atcache) return -1;
    }
    size_t sw = (r->send_tests.n + 63) / 64;
    if (sw > ms->sendwords) {
        free(ms->sendbits);
        ms->sendbits = malloc((((size_t)1 << SENDCACHE_BITS) + 1) * sw * sizeof *ms->sendbits);
        if (!ms->sendbits) { ms->sendwords = 0; return -1; }
        ms->sendwords = sw;
        memset(ms->sendcache, 0, sizeof ms->sendcache);
    }
    if (ms->recache_serial != r->serial) {
        memset(ms->recache, 0, ((size_t)1 << RECACHE_BITS) * sizeof *ms->recache);
        memset(ms->atcache, 0, ((size_t)1 << ATCACHE_BITS) * sizeof *ms->atcache);
        if (r->tests.n) memset(ms->ann_big, 0, r->tests.n);   /* none allocated for no tests */
        for (size_t i = 0; i < r->tests.n; i++) ann_big_of(r, ms->ann_big, (uint32_t)i);
        memset(ms->sendcache, 0, sizeof ms->sendcache);
        ms->recache_serial = r->serial;
    }
    if (ms->ntests) memset(ms->twarned, 0, ms->ntests);
    return 0;
}

static uint32_t next_gen(match_scratch *ms)
{
    if (++ms->gen == 0) {
        memset(ms->mark, 0, ms->nprog * sizeof *ms->mark);
        ms->gen = 1;
    }
    return ms->gen;
}

/* ---- single-token tests ------------------------------------------------------------ */

static int feats_ok(const lexdb *db, uint32_t entry, const feat_test *ft)
{
    for (; ft; ft = ft->next) {
        const char *v = lexdb_entry_feature(db, entry, ft->key);
        int eq = v && strcmp(v, ft->value) == 0;
        if (eq == ft->negate) return 0;
    }
    return 1;
}

static inline __attribute__((always_inline)) int
eval_test(const quarry_rules *r, quarry_doc *doc, uint32_t tid, uint32_t p);

static int eval_regex(const quarry_rules *r, quarry_doc *doc, const ctest *t, uint32_t tid,
                      const token *tk)
{
    match_scratch *ms = doc->ms;
    recache_ent *ce = NULL;
    if (!(tk->flags & QUARRY_TF_NONASCII)) {
        uint64_t k = (tk->hraw ^ ((uint64_t)(tid + 1) * 0x9E3779B97F4A7C15ull)) * 0xff51afd7ed558ccdull;
        ce = &ms->recache[k >> (64 - RECACHE_BITS)];
        if (ce->tid == tid + 1 && ce->h == tk->hraw) return ce->res;
    }
    uint32_t opts = doc->txt.n_invalid ? 0 : PCRE2_NO_UTF_CHECK;
    PCRE2_SPTR subj = (PCRE2_SPTR)(doc->txt.src + tk->start);
    /* valid text and a JIT-compiled regex: what pcre2_match would call, without its checks */
    int rc = t->jit && opts ? pcre2_jit_match(t->re, subj, tk->end - tk->start, 0, opts, ms->md,
                                              r->mctx)
                            : pcre2_match(t->re, subj, tk->end - tk->start, 0, opts, ms->md,
                                          r->mctx);
    if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) {
        if (ce) *ce = (recache_ent){tk->hraw, tid + 1, rc >= 0};
        return rc >= 0;
    }
    if (!ms->twarned[tid]) {
        ms->twarned[tid] = 1;
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(rc, msg, sizeof msg);
        doc_warn(doc, "rule '%s': regex /%.*s/ gave up on the token at byte %u: %s",
                 r->rules.v[t->rule].name, (int)t->len, t->str, tk->start, (char *)msg);
    }
    return 0;
}

/* Does an annotation of type ty (made by an earlier phase) start at token p? */
static inline int ann_starts_at(const quarry_doc *doc, uint32_t ty, uint32_t p)
{
    if (!doc->ann_first) return 0;
    if (ty < 64) return (int)(doc->ms->typeany[p] >> ty & 1);
    for (uint32_t k = doc->ann_first[p]; k < doc->ann_first[p + 1]; k++)
        if (doc->anns.v[doc->ann_order[k]].type == ty) return 1;
    return 0;
}

/* A test decided from the token alone (word, flags, one-token lexicon entry, word set,
 * clause masks without residuals): 0 or 1; -1 for a regex or a tree (NOT, AND, OR, clause
 * residuals), which the callers evaluate their own way. Cheaper than the position cache. */
static inline __attribute__((always_inline)) int
leaf_test(const quarry_rules *r, const quarry_doc *doc, const ctest *t, uint32_t p)
{
    const token *tk = &doc->toks.v[p];
    if (t->clause) {
        if (!ctest_clause_masks(t, tk, doc->lex1[p], doc->ann_first ? &doc->ms->typeany[p] : NULL))
            return 0;
        return t->nresid ? -1 : 1;
    }
    switch (t->kind) {
    case TN_WORD: return tk->hfold == t->hash;
    case TN_EXACT: return tk->hraw == t->hash;
    case TN_FLAG:
        return (tk->flags & t->flag_mask) == t->flag_mask &&
               (!t->kind_mask || (t->kind_mask & (1u << tk->kind)));
    case TN_LEX1:
        if (!t->feats && t->lex >= 0 && t->lex < 64) return (int)((doc->lex1[p] >> t->lex) & 1);
        for (uint32_t h = doc->hit_first[p]; h < doc->hit_first[p + 1]; h++) {
            const lex_hit *hit = &doc->hits[h];
            if (hit->lex == (uint32_t)t->lex && hit->len == 1 && feats_ok(r->lex, hit->entry, t->feats))
                return 1;
        }
        return 0;
    case TN_ANN:   /* annotations of the phases before this one (type id in t->lex) */
        return t->lex >= 0 && ann_starts_at(doc, (uint32_t)t->lex, p);
    case TN_ANY: return 1;
    case TN_OR: return t->nset ? ctest_set_has(t, t->set_raw ? tk->hraw : tk->hfold) : -1;
    default: return -1;
    }
}

/* The tests leaf_test leaves open: clause residuals, regexes and trees, cached by position. */
static __attribute__((noinline)) int eval_tree(const quarry_rules *r, quarry_doc *doc,
                                               uint32_t tid, uint32_t p)
{
    match_scratch *ms = doc->ms;
    const ctest *t = &r->tests.v[tid];
    int res;
    if (t->clause) {   /* the masks passed: the residual tests, each cached */
        for (uint32_t i = 0; i < t->nresid; i++)
            if (!eval_test(r, doc, t->resid[i], p)) return 0;
        return 1;
    }
    if (ms->tstamp[tid] == ms->pstamp) return ms->tres[tid];
    switch (t->kind) {
    case TN_REGEX: res = eval_regex(r, doc, t, tid, &doc->toks.v[p]); break;
    case TN_NOT: res = !eval_test(r, doc, t->a, p); break;
    case TN_AND: res = eval_test(r, doc, t->a, p) && eval_test(r, doc, t->b, p); break;
    case TN_OR: res = eval_test(r, doc, t->a, p) || eval_test(r, doc, t->b, p); break;
    default: res = 0; break;
    }
    ms->tstamp[tid] = ms->pstamp;
    ms->tres[tid] = (uint8_t)res;
    return res;
}

/* Does test tid pass at p? Inline, so that a test decided by the token alone (word, flags,
 * one-token entry, word set, masks) costs no call. */
static inline __attribute__((always_inline)) int
eval_test(const quarry_rules *r, quarry_doc *doc, uint32_t tid, uint32_t p)
{
    const ctest *t = &r->tests.v[tid];
    int res = leaf_test(r, doc, t, p);
    if (res >= 0) return res;
    if (t->kind == TN_NOT && !t->clause) {   /* the negation of a leaf: no call, no cache */
        res = leaf_test(r, doc, &r->tests.v[t->a], p);
        if (res >= 0) return !res;
    }
    return eval_tree(r, doc, tid, p);
}

/* ---- the VM ------------------------------------------------------------------------- */

static int assert_ok(const quarry_doc *doc, assert_kind k, uint32_t p)
{
    size_t n = doc->toks.n;
    const token *t = doc->toks.v;
    switch (k) {
    case AS_SENT_START: return p == 0 || (p < n && (t[p].flags & QUARRY_TF_SENT_START));
    case AS_SENT_END: return p == n || (p > 0 && (t[p - 1].flags & QUARRY_TF_SENT_END));
    case AS_PARA_START: return p == 0 || (p < n && (t[p].flags & QUARRY_TF_PARA_START));
    case AS_PARA_END: return p == n || (p > 0 && (t[p - 1].flags & QUARRY_TF_PARA_END));
    }
    return 0;
}

static int heap_push(match_scratch *ms, uint32_t pos, uint32_t pc, uint32_t start,
                     const int32_t *slots);
static int feats_ok(const lexdb *db, uint32_t entry, const feat_test *ft);

/* Appends a thread to the list of the next position. */
static inline void next_push(match_scratch *ms, uint32_t pc, uint32_t start, const int32_t *slots)
{
    uint32_t *th = TH(ms->xl, ms->nxl);
    th[0] = pc;
    th[1] = start;
    copy_slots(ms, TH_SLOTS(th), slots);
    ms->nxl++;
}

/* Adds the thread (pc, start, slots) and its epsilon closure at position p. Its steps are
 * taken here, in the order of the closure (which is the threads' priority): a token or a
 * one-token lexicon entry moves it to the next position's list, a longer entry or an
 * annotation to the pending heap, and MATCH goes to the list of matches at p. 0, -1 OOM. */
static int addthread(const quarry_rules *r, quarry_doc *doc, uint32_t pc0, uint32_t start,
                     int32_t *slots, uint32_t p)
{
    match_scratch *ms = doc->ms;
    const inst *prog = r->prog.v;
    uint32_t n = (uint32_t)doc->toks.n;
    cstack *st = ms->stack;
    size_t sp = 0;
    uint64_t steps = 0;   /* a closure stays inside its rule's program */
    /* depth first: a JMP, the first branch of a SPLIT, a SAVE and a passing ASSERT go on to
       their next instruction without the stack (the order of pushing it and popping it at
       once); the second branch and the slot to restore wait on the stack */
    uint32_t pc = pc0;
    for (;;) {
        for (;;) {
            if (ms->mark[pc] == ms->gen) break;
            ms->mark[pc] = ms->gen;
            steps++;
            const inst *in = &prog[pc];
            switch (in->op) {
            case OP_JMP: pc = in->x; continue;
            case OP_SPLIT:
                st[sp++] = (cstack){in->y, 0, 0};
                pc = in->x;
                continue;
            case OP_SAVE:
                st[sp++] = (cstack){UINT32_MAX, (int32_t)in->arg, slots[in->arg]};
                slots[in->arg] = (int32_t)p;
                pc = in->x;
                continue;
            case OP_ASSERT:
                if (!assert_ok(doc, (assert_kind)in->arg, p)) break;
                pc = in->x;
                continue;
            case OP_TOKEN:
                if (p < n && eval_test(r, doc, in->arg, p)) next_push(ms, in->x, start, slots);
                break;
            case OP_LEX:
                if (p >= n || (in->arg < 64 && !(ms->lexany[p] >> in->arg & 1))) break;
                for (uint32_t h = doc->hit_first[p]; h < doc->hit_first[p + 1]; h++) {
                    const lex_hit *hit = &doc->hits[h];
                    if (hit->lex != in->arg || !feats_ok(r->lex, hit->entry, in->feats)) continue;
                    if (hit->len == 1)
                        next_push(ms, in->x, start, slots);   /* one entry per length */
                    else if (heap_push(ms, p + hit->len, in->x, start, slots))
                        return -1;
                }
                break;
            case OP_ANNOT:
                if (p >= n || !doc->ann_first ||
                    (in->arg < 64 && !(ms->typeany[p] >> in->arg & 1)))
                    break;
                for (uint32_t a = doc->ann_first[p]; a < doc->ann_first[p + 1]; a++) {
                    const annot *an = &doc->anns.v[doc->ann_order[a]];
                    if (an->type == in->arg && heap_push(ms, an->tend, in->x, start, slots))
                        return -1;
                }
                break;
            default: {   /* MATCH */
                uint32_t *th = TH(ms->cl, ms->ncl);
                th[0] = pc;
                th[1] = start;
                copy_slots(ms, TH_SLOTS(th), slots);
                ms->ncl++;
            }
            }
            break;
        }
        for (;;) {   /* the next waiting branch, restoring slots on the way */
            if (!sp) goto done;
            cstack e = st[--sp];
            if (e.pc != UINT32_MAX) { pc = e.pc; break; }
            slots[e.slot] = e.val;
        }
    }
done:
    doc->steps += steps;
    if (doc->prof) doc->prof[r->pc_rule[pc0]].steps += steps;
    return 0;
}

/* Pending threads are ordered by the position they resume at, then by start (earlier
 * starts have priority, as in the thread lists), then by age. */
static int heap_less(const pend *a, const pend *b)
{
    if (a->pos != b->pos) return a->pos < b->pos;
    if (a->start != b->start) return a->start < b->start;
    return a->seq < b->seq;
}

static int heap_push(match_scratch *ms, uint32_t pos, uint32_t pc, uint32_t start,
                     const int32_t *slots)
{
    size_t off = ms->ppool.n;
    if (VEC_RESERVE(&ms->ppool, off + ms->nslots)) return -1;
    memcpy(ms->ppool.v + off, slots, ms->nslots * sizeof(int32_t));
    ms->ppool.n += ms->nslots;
    pend e = {pos, ms->seq++, pc, start, (uint32_t)off};
    if (VEC_PUSH(&ms->heap, e)) return -1;
    size_t i = ms->heap.n - 1;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!heap_less(&ms->heap.v[i], &ms->heap.v[up])) break;
        pend tmp = ms->heap.v[i]; ms->heap.v[i] = ms->heap.v[up]; ms->heap.v[up] = tmp;
        i = up;
    }
    return 0;
}

static pend heap_pop(match_scratch *ms)
{
    pend top = ms->heap.v[0];
    ms->heap.v[0] = ms->heap.v[--ms->heap.n];
    size_t i = 0, n = ms->heap.n;
    for (;;) {
        size_t l = 2 * i + 1, rr = l + 1, m = i;
        if (l < n && heap_less(&ms->heap.v[l], &ms->heap.v[m])) m = l;
        if (rr < n && heap_less(&ms->heap.v[rr], &ms->heap.v[m])) m = rr;
        if (m == i) break;
        pend tmp = ms->heap.v[i]; ms->heap.v[i] = ms->heap.v[m]; ms->heap.v[m] = tmp;
        i = m;
    }
    if (n == 0) { ms->ppool.n = 0; }
    return top;
}

/* Does a guard atom occur at q? Tests are evaluated without the position cache (q is ahead
 * of the VM); guards never hold a regex (rules_guard.c). */
static int test_at(const quarry_rules *r, const quarry_doc *doc, uint32_t tid, uint32_t q)
{
    /* nothing here has side effects (no cache, no regex), so the order is free: the right
       operand of an AND or OR first (a chain 'a | b | c' nests to the left, its right
       operands are leaves), then on down the left one without a call */
    for (;;) {
        const ctest *t = &r->tests.v[tid];
        int res = leaf_test(r, doc, t, q);
        if (res >= 0) return res;
        if (t->clause) {
            for (uint32_t i = 0; i < t->nresid; i++)
                if (!test_at(r, doc, t->resid[i], q)) return 0;
            return 1;
        }
        switch (t->kind) {
        case TN_NOT: return !test_at(r, doc, t->a, q);
        case TN_AND:
            res = leaf_test(r, doc, &r->tests.v[t->b], q);
            if (!(res >= 0 ? res : test_at(r, doc, t->b, q))) return 0;
            tid = t->a;
            break;
        case TN_OR:
            res = leaf_test(r, doc, &r->tests.v[t->b], q);
            if (res >= 0 ? res : test_at(r, doc, t->b, q)) return 1;
            tid = t->a;
            break;
        default: return 1;   /* a regex would be taken to pass */
        }
    }
}

static int atom_at(const quarry_rules *r, const quarry_doc *doc, const atom *at, uint32_t q)
{
    if (at->kind == ATOM_TEST) {
        const ctest *t = &r->tests.v[at->id];
        const token *tk = &doc->toks.v[q];
        int res = leaf_test(r, doc, t, q);
        if (res >= 0) return res;
        if ((tk->flags & QUARRY_TF_NONASCII) || doc->ms->ann_big[at->id] == 2)
            return test_at(r, doc, at->id, q);
        uint64_t anns = t->has_ann && doc->ann_first ? doc->ms->typeany[q] : 0;
        uint64_t k = (tk->hraw ^ ((uint64_t)(at->id + 1) * 0x9E3779B97F4A7C15ull) ^
                      ((uint64_t)tk->flags << 32) ^ anns * 0xC2B2AE3D27D4EB4Full) *
                     0xff51afd7ed558ccdull;
        atcache_ent *ce = &doc->ms->atcache[k >> (64 - ATCACHE_BITS)];
        if (ce->tid == at->id + 1 && ce->h == tk->hraw && ce->anns == anns &&
            ce->flags == tk->flags && ce->kind == tk->kind)
            return ce->res;
        res = test_at(r, doc, at->id, q);
        *ce = (atcache_ent){tk->hraw, anns, tk->flags, at->id + 1, tk->kind, (uint8_t)res};
        return res;
    }
    if (at->kind == ATOM_LEX) {
        for (uint32_t h = doc->hit_first[q]; h < doc->hit_first[q + 1]; h++)
            if (doc->hits[h].lex == at->id) return 1;
        return 0;
    }
    return ann_starts_at(doc, at->id, q);
}

/* Lexicons (< 64) one of which has an entry starting at every token where test tid passes,
 * as test_at evaluates it; 0 when no such set is known. */
static uint64_t lex_need(const quarry_rules *r, uint32_t tid, int depth)
{
    const ctest *t = &r->tests.v[tid];
    if (depth > 32) return 0;
    if (t->clause) {
        if (t->lex_req) return t->lex_req & (0 - t->lex_req);
        for (uint32_t k = 0; k < t->nresid; k++) {
            uint64_t m = lex_need(r, t->resid[k], depth + 1);
            if (m) return m;
        }
        return 0;
    }
    switch (t->kind) {
    case TN_LEX1: return t->lex >= 0 && t->lex < 64 ? (uint64_t)1 << t->lex : 0;
    case TN_AND: {
        uint64_t m = lex_need(r, t->a, depth + 1);
        return m ? m : lex_need(r, t->b, depth + 1);
    }
    case TN_OR: {
        if (t->nset) return 0;
        uint64_t a = lex_need(r, t->a, depth + 1), b = a ? lex_need(r, t->b, depth + 1) : 0;
        return a && b ? a | b : 0;
    }
    default: return 0;
    }
}

/* Does a guard atom of masks alone without a lexicon (lex_req) pass only on tokens that are
 * not words (quote marks, numbers, punctuation: kind_ok), which mpos lists? Adds the kinds. */
static int mask_need(const ctest *t, uint32_t *kinds)
{
    uint32_t ko = t->kind_ok & ((1u << TK__COUNT) - 1);
    if (ko >> TK_WORD & 1) return 0;
    if (kinds) *kinds |= ko;
    return 1;
}

/* The first index of list[ci..nl) at or after position q. */
static inline uint32_t occ_skip(const uint32_t *list, uint32_t nl, uint32_t ci, uint32_t q)
{
    while (ci < nl && list[ci] < q) ci++;
    return ci;
}

/* Atom a occurs at q, found at index ci - 1 of the list scanned (ci unused for no list). */
static inline uint32_t occ_found(occ_state *o, uint32_t ci, uint32_t q)
{
    o->ci = ci;
    o->nx = q;
    o->lo = q + 1;
    return q;
}

/* The first position of list[o->ci..nl) at or after q where the masks of test t pass
 * (occ_next), else UINT32_MAX with the state at the list's end. */
static inline uint32_t occ_masks_listed(match_scratch *ms, const quarry_doc *doc, const ctest *t,
                                        occ_state *o, const uint32_t *list, uint32_t nl,
                                        uint32_t q)
{
    const token *tk = doc->toks.v;
    uint32_t ci = occ_skip(list, nl, o->ci, q);
    for (; ci < nl; ci++) {
        q = list[ci];
        if (ctest_clause_masks(t, &tk[q], doc->lex1[q], doc->ann_first ? &ms->typeany[q] : NULL))
            return occ_found(o, ci + 1, q);
    }
    o->ci = ci;
    o->lo = (uint32_t)doc->toks.n;
    o->nx = UINT32_MAX;
    return UINT32_MAX;
}

/* The first occurrence of atom a at or after p, else UINT32_MAX. Queries come with p
 * non-decreasing, so every position (or every entry of the phase's position list) is looked
 * at once per atom and phase at most. */
static uint32_t occ_next(const quarry_rules *r, const cphase *ph, quarry_doc *doc, uint32_t a,
                         uint32_t p)
{
    match_scratch *ms = doc->ms;
    occ_state *o = &ms->occ[a];
    if (o->nx != UINT32_MAX && o->nx >= p) return o->nx;
    uint32_t n = (uint32_t)doc->toks.n;
    uint32_t q = o->lo > p ? o->lo : p;
    const atom *at = &ph->atoms.v[a];
    if (at->keyed) {   /* only where the token is one of the atom's words */
        const uint32_t *wid = ms->wid, *kp = ms->kpos;
        const uint64_t *aw = ph->atom_words + at->kbit / 64;   /* the atom's column of bits */
        size_t stride = ph->awords;
        uint32_t ci = occ_skip(kp, ms->nkpos, o->ci, q), nk = ms->nkpos, bit = at->kbit % 64;
        if (stride == 1) {   /* at most 64 keyed atoms: one word a row, the common case */
            for (; ci < nk; ci++) {
                q = kp[ci];
                if ((aw[wid[q]] >> bit & 1) && atom_at(r, doc, at, q))
                    return occ_found(o, ci + 1, q);
            }
        } else {
            for (; ci < nk; ci++) {
                q = kp[ci];
                if ((aw[wid[q] * stride] >> bit & 1) && atom_at(r, doc, at, q))
                    return occ_found(o, ci + 1, q);
            }
        }
        o->ci = ci;
        q = n;
    } else {
        const ctest *t = at->kind == ATOM_TEST ? &r->tests.v[at->id] : NULL;
        if ((at->kind == ATOM_LEX || (at->kind == ATOM_TYPE && doc->ann_first)) &&
            at->id < 64) {   /* the lexicon or annotation bits, at the positions listed */
            const uint64_t *la = at->kind == ATOM_LEX ? ms->lexany : ms->typeany;
            const uint32_t *lp = ms->lpos;
            uint32_t ci = occ_skip(lp, ms->nlpos, o->ci, q), nl = ms->nlpos;
            for (; ci < nl; ci++)
                if (la[lp[ci]] >> at->id & 1) return occ_found(o, ci + 1, lp[ci]);
            o->ci = ci;
            q = n;
        } else if (t && t->clause && !t->nresid && t->lex_req) {
            /* masks alone that need a one-token lexicon entry: where lpos lists one */
            return occ_masks_listed(ms, doc, t, o, ms->lpos, ms->nlpos, q);
        } else if (t && t->clause && !t->nresid && mask_need(t, NULL)) {
            /* masks alone that need a kind of token that is not a word: where mpos lists one */
            return occ_masks_listed(ms, doc, t, o, ms->mpos, ms->nmpos, q);
        } else if (t && t->clause && !t->nresid) {   /* masks alone */
            const token *tk = doc->toks.v;
            for (; q < n; q++)
                if (ctest_clause_masks(t, &tk[q], doc->lex1[q],
                                       doc->ann_first ? &ms->typeany[q] : NULL))
                    return occ_found(o, o->ci, q);
        } else if (o->need) {   /* a test that needs an entry: where lpos lists one */
            const uint64_t *la = ms->lexany;
            const uint32_t *lp = ms->lpos;
            uint32_t ci = occ_skip(lp, ms->nlpos, o->ci, q), nl = ms->nlpos;
            for (; ci < nl; ci++) {
                q = lp[ci];
                if ((la[q] & o->need) && atom_at(r, doc, at, q)) return occ_found(o, ci + 1, q);
            }
            o->ci = ci;
            q = n;
        } else {
            for (; q < n; q++)
                if (atom_at(r, doc, at, q)) return occ_found(o, o->ci, q);
        }
    }
    o->lo = q;
    o->nx = UINT32_MAX;
    return UINT32_MAX;
}

/* Can a match of rule start at p, by its guards? (see rules_guard.c) When not, also notes
 * the first position where it might: the next occurrence q of an atom (or the first position
 * past the part scanned) is at least that far, and a start p' needs q - p' <= maxdist and
 * q in one of the maxsent sentences after p''s. */
static int guards_pass(const quarry_rules *r, const cphase *ph, quarry_doc *doc, uint32_t rule,
                       uint32_t p)
{
    match_scratch *ms = doc->ms;
    const crule *ru = &r->rules.v[rule];
    uint32_t n = (uint32_t)doc->toks.n;
    /* a start on a sentence's last token may consume it (rules_guard.c): count from the next
       sentence */
    uint32_t pb = p + 1 < n && (doc->toks.v[p].flags & QUARRY_TF_SENT_END) ? p + 1 : p;
    uint32_t end = n;   /* the occurrences found serve every start up to the first of them */
    for (uint32_t g = 0; g < ru->nguards; g++) {
        const guard *gd = &ru->guards[g];
        uint32_t retry = n;
        for (uint32_t k = 0; k < gd->n; k++) {
            const guard_alt *ga = &gd->alt[k];
            /* the next occurrence, even beyond the reach of a start at p: the retry is then
               no sooner than the first start in its reach (the scan goes on where it stopped:
               each position is looked at once per atom and phase) */
            uint32_t q = occ_next(r, ph, doc, ga->atom, p);
            if (q == UINT32_MAX) continue;   /* none left: this alternative never passes */
            /* sentences, or the rule's sentence groups when units on the paths to this
               atom cross sentence ends in this document */
            const uint32_t *gid = NULL, *gfirst = ms->sfirst;
            int sent = ga->maxsent != GUARD_INF;
            if (sent && (ga->unsure & ms->rcross[rule])) {
                if (ms->rgid[rule] == UINT32_MAX) {
                    sent = 0;   /* no groups made: no sentence bound (guards_prepare) */
                } else {
                    gid = ms->gpool.v + ms->rgid[rule];
                    gfirst = ms->gpool.v + ms->rgfirst[rule];
                }
            }
#define GROUP(pos) (gid ? gid[ms->sid[pos]] : ms->sid[pos])
            /* q (>= p) is in reach: at most maxdist tokens on, and in one of the maxsent
               sentences (groups) after pb's */
            if ((ga->maxdist == GUARD_INF || q - p <= ga->maxdist) &&
                (!sent || GROUP(q) <= (uint64_t)GROUP(pb) + ga->maxsent)) {
                if (q < end) end = q;
                goto next_guard;
            }
            uint32_t lo = p + 1;
            if (ga->maxdist != GUARD_INF && q > ga->maxdist && q - ga->maxdist > lo)
                lo = q - ga->maxdist;
            if (sent && GROUP(q) >= ga->maxsent) {
                uint32_t f = gfirst[GROUP(q) - ga->maxsent];
                if (f) f--;   /* the last token of the sentence before may start there too */
                if (f > lo) lo = f;
            }
            if (lo < retry) retry = lo;
        }
        ms->next_try[rule] = retry;
        return 0;
    next_guard:;
    }
    /* a start p' in (p, end] finds the same occurrences: each is at or after p', and p''s
       limits (distance, sentence group) are no nearer than p's */
    ms->pass_end[rule] = end + 1;
    return 1;
#undef GROUP
}

/* prof: doc->prof is set (a constant where inlined: the loop without a profile tests
 * nothing for it) */
static inline __attribute__((always_inline)) void
start_list_add_p(const quarry_rules *r, const cphase *ph, quarry_doc *doc, const start_list *sl,
                 uint32_t p, const int prof)
{
    match_scratch *ms = doc->ms;
    /* no rule of the list can start before lmin: every one is guarded and waits */
    if (p < ms->lmin[sl->id]) {
        if (prof)
            for (size_t i = 0; i < sl->n; i++) {
                doc->prof[sl->rules[i]].tried++;
                doc->prof[sl->rules[i]].skipped++;
            }
        return;
    }
    uint32_t lmin = UINT32_MAX;
    for (size_t i = 0; i < sl->n; i++) {
        uint32_t ru = sl->rules[i];
        if (prof) doc->prof[ru].tried++;
        if (r->rules.v[ru].nguards) {
            if (p >= ms->pass_end[ru] &&
                (p < ms->next_try[ru] || !guards_pass(r, ph, doc, ru, p))) {
                if (ms->next_try[ru] < lmin) lmin = ms->next_try[ru];
                if (prof) doc->prof[ru].skipped++;
                continue;
            }
            lmin = p + 1 < lmin ? p + 1 : lmin;
        } else {
            lmin = 0;
        }
        if (r->rules.v[ru].first_test != UINT32_MAX &&
            !eval_test(r, doc, r->rules.v[ru].first_test, p)) {
            if (prof) doc->prof[ru].skipped++;
            continue;
        }
        if (prof) doc->prof[ru].started++;
        if (addthread(r, doc, r->rules.v[ru].entry, p, ms->blank, p)) {
            ms->oom = 1;
            blank_reset(ms);
        }
    }
    ms->lmin[sl->id] = lmin;
}

static void start_list_add(const quarry_rules *r, const cphase *ph, quarry_doc *doc,
                           const start_list *sl, uint32_t p)
{
    if (doc->prof) start_list_add_p(r, ph, doc, sl, p, 1);
    else start_list_add_p(r, ph, doc, sl, p, 0);
}

/* Does the token pass the flags and kinds of a flag start list? */
static inline int flag_start_ok(const flag_start *fs, const token *tk)
{
    return (tk->flags & fs->flag_mask) == fs->flag_mask &&
           (!fs->kind_mask || (fs->kind_mask & (1u << tk->kind)));
}

/* Starts a thread for every rule of the phase whose first test may pass at p. */
static void add_starts(const quarry_rules *r, const cphase *ph, quarry_doc *doc, uint32_t p)
{
    const token *tk = &doc->toks.v[p];
    uint32_t li = ph->word_list[doc->ms->wid[p]];
    if (li != UINT32_MAX) start_list_add(r, ph, doc, &ph->lists.v[li], p);
    if (ph->by_lex.n)
        for (uint32_t h = doc->hit_first[p]; h < doc->hit_first[p + 1]; h++) {
            uint32_t lx = doc->hits[h].lex;
            li = lx < ph->nlex_list ? ph->lex_list[lx] : UINT32_MAX;
            if (li != UINT32_MAX) start_list_add(r, ph, doc, &ph->lists.v[li], p);
        }
    if (ph->by_type.n && doc->ann_first)
        for (uint32_t a = doc->ann_first[p]; a < doc->ann_first[p + 1]; a++) {
            uint32_t ty = doc->anns.v[doc->ann_order[a]].type;
            li = ty < ph->ntype_list ? ph->type_list[ty] : UINT32_MAX;
            if (li != UINT32_MAX) start_list_add(r, ph, doc, &ph->lists.v[li], p);
        }
    for (size_t i = 0; i < ph->by_flag.n; i++) {
        const flag_start *fs = &ph->by_flag.v[i];
        if (flag_start_ok(fs, tk)) start_list_add(r, ph, doc, &fs->rules, p);
    }
    start_list_add(r, ph, doc, &ph->always, p);
}

/* The first position at or after p where a rule of the phase may start: one whose token has
 * a word, lexicon entry or annotation with a start list, or passes the flags of a flag list
 * that is not waiting on its guards (lmin), or the always list's lmin. While no thread is
 * alive, the positions before it need no work: add_starts would start nothing there. */
static uint32_t next_start(const cphase *ph, const quarry_doc *doc, uint32_t p, uint32_t n)
{
    const match_scratch *ms = doc->ms;
    if (!ph->can_skip) return p;
    uint32_t stop = ph->always.n ? ms->lmin[ph->always.id] : n;
    if (stop > n) stop = n;
    const uint32_t *wl = ph->word_list, *wid = ms->wid;
    const uint64_t *la = ms->lexany, *ta = ms->typeany;
    uint64_t lm = ph->lex_starts, tm = ph->type_starts;
    const token *tk = doc->toks.v;
    size_t nf = ph->by_flag.n;
    for (; p < stop; p++) {
        if (wl[wid[p]] != UINT32_MAX || (la[p] & lm) || (ta[p] & tm)) return p;
        for (size_t i = 0; i < nf; i++) {
            const flag_start *fs = &ph->by_flag.v[i];
            if (p >= ms->lmin[fs->rules.id] && flag_start_ok(fs, &tk[p])) return p;
        }
    }
    return p;
}

static int record_match(const quarry_rules *r, quarry_doc *doc, const uint32_t *th, uint32_t p)
{
    match_scratch *ms = doc->ms;
    const int32_t *s = (const int32_t *)(th + 2);
    uint32_t rule = r->prog.v[th[0]].arg;
    uint32_t cs = s[0] >= 0 ? (uint32_t)s[0] : th[1];
    uint32_t ce = s[1] >= 0 ? (uint32_t)s[1] : p;
    if (ce <= cs) return 0;    /* empty matches make nothing */
    size_t off = ms->cpool.n;
    if (VEC_RESERVE(&ms->cpool, off + ms->nslots)) return -1;
    memcpy(ms->cpool.v + off, s, ms->nslots * sizeof(int32_t));
    ms->cpool.n += ms->nslots;
    cand c = {rule, r->rules.v[rule].priority, r->rules.v[rule].order, cs, ce, (uint32_t)off};
    if (doc->prof) doc->prof[rule].matches++;
    return VEC_PUSH(&ms->cands, c);
}

static void next_pstamp(match_scratch *ms)
{
    if (++ms->pstamp == 0) {
        memset(ms->tstamp, 0, ms->ntests * sizeof *ms->tstamp);
        ms->pstamp = 1;
    }
}

/* The sentence groups of rule ri: sentences joined across the boundaries that one of its
 * crossing unsure ids (bits of m) crosses. A path from a start to a guard atom crosses a
 * boundary through a weighed unit (counted in the guard's maxsent) or through an unsure unit
 * whose occurrence crosses it here, so counting groups instead of sentences keeps the bound. */
#define GMEMO_MAX 32
typedef struct gmemo {        /* the groups made for a set of ids, in this phase */
    uint32_t nid, ids[8];
    uint32_t off, ng;
} gmemo;

static int rule_groups(match_scratch *ms, const crule *ru, uint64_t m, uint32_t ri,
                       gmemo *memo, uint32_t *nmemo)
{
    uint32_t ns = ms->nsent, nb = ns + 1, ids[64], nid = 0;
    for (uint32_t k = 0; k < ru->nunsure; k++)
        if (m >> k & 1) {   /* in order, so that rules naming the same ids share their groups */
            uint32_t id = ru->unsure_ids[k], j = nid++;
            for (; j && ids[j - 1] > id; j--) ids[j] = ids[j - 1];
            ids[j] = id;
        }
    if (nid <= 8)
        for (uint32_t i = 0; i < *nmemo; i++)
            if (memo[i].nid == nid && !memcmp(memo[i].ids, ids, nid * sizeof *ids)) {
                ms->rgid[ri] = memo[i].off;
                ms->rgfirst[ri] = memo[i].off + nb;
                ms->rng[ri] = memo[i].ng;
                return 0;
            }
    memset(ms->bfree, 0, nb);
    for (size_t i = 0; i < ms->xev.n; i++) {
        const xev *e = &ms->xev.v[i];
        if (e->b >= nb || ms->bfree[e->b]) continue;
        for (uint32_t k = 0; k < nid; k++)
            if (ids[k] == e->id) { ms->bfree[e->b] = 1; break; }
    }
    size_t off = ms->gpool.n;
    if (VEC_RESERVE(&ms->gpool, off + 2 * (size_t)nb + 2)) return -1;
    uint32_t *gid = ms->gpool.v + off, *gfirst = gid + nb, g = 0;
    for (uint32_t s = 0; s < nb; s++) {
        if (s && !ms->bfree[s - 1]) g++;
        gid[s] = g;
        if ((!s || !ms->bfree[s - 1]) && s < ns) gfirst[g] = ms->sfirst[s];
    }
    uint32_t ng = ns ? gid[ns - 1] + 1 : 0;
    gfirst[ng] = ms->sfirst[ns];
    ms->gpool.n = off + 2 * (size_t)nb + 2;
    ms->rgid[ri] = (uint32_t)off;
    ms->rgfirst[ri] = (uint32_t)(off + nb);
    ms->rng[ri] = ng;
    if (nid <= 8 && *nmemo < GMEMO_MAX) {
        gmemo *gm = &memo[(*nmemo)++];
        gm->nid = nid;
        memcpy(gm->ids, ids, nid * sizeof *ids);
        gm->off = (uint32_t)off;
        gm->ng = ng;
    }
    return 0;
}

/* Before a phase: forget the atoms' occurrences, and decide which rules' sentence bounds
 * hold in this document. */
static int guards_prepare(const quarry_rules *r, const cphase *ph, quarry_doc *doc)
{
    match_scratch *ms = doc->ms;
    size_t na = ph->atoms.n;
    if (ph->nstart_lists) memset(ms->lmin, 0, ph->nstart_lists * sizeof *ms->lmin);
    if (!na) return 0;
    uint64_t lm = 0, tm = 0;   /* the guard atoms' lexicons and types that lpos lists */
    uint32_t mk = 0;   /* the token kinds that mpos lists */
    int keyed = 0;     /* some atom is found through kpos */
    for (size_t a = 0; a < na; a++) {
        ms->occ[a].lo = 0;
        ms->occ[a].nx = UINT32_MAX;
        ms->occ[a].ci = 0;
        ms->occ[a].need = 0;
        const atom *at = &ph->atoms.v[a];
        if (at->keyed) { keyed = 1; continue; }
        if (at->kind == ATOM_TEST) {   /* masks that need an entry: one of its lexicons */
            const ctest *t = &r->tests.v[at->id];
            if (t->clause && !t->nresid && t->lex_req) lm |= t->lex_req & (0 - t->lex_req);
            else if (t->clause && !t->nresid) mask_need(t, &mk);
            else lm |= ms->occ[a].need = lex_need(r, at->id, 0);
            continue;
        }
        if (at->id >= 64) continue;
        if (at->kind == ATOM_LEX) lm |= (uint64_t)1 << at->id;
        else if (at->kind == ATOM_TYPE && doc->ann_first) tm |= (uint64_t)1 << at->id;
    }
    {
        uint32_t n = (uint32_t)doc->toks.n, nk = 0, nl = 0;
        const uint32_t *wid = ms->wid;
        const uint8_t *kw = ph->word_keyed;
        const uint64_t *la = ms->lexany, *ta = ms->typeany;
        if (keyed)
            for (uint32_t q = 0; q < n; q++)
                if (kw[wid[q]]) ms->kpos[nk++] = q;
        if (tm) {
            for (uint32_t q = 0; q < n; q++)
                if ((la[q] & lm) | (ta[q] & tm)) ms->lpos[nl++] = q;
        } else if (lm) {
            for (uint32_t q = 0; q < n; q++)
                if (la[q] & lm) ms->lpos[nl++] = q;
        }
        ms->nkpos = nk;
        ms->nlpos = nl;
        uint32_t nm = 0;
        if (mk) {
            const token *tk = doc->toks.v;
            for (uint32_t q = 0; q < n; q++)
                if (mk >> tk[q].kind & 1) ms->mpos[nm++] = q;
        }
        ms->nmpos = nm;
    }
    /* annotation types with an annotation across a sentence end */
    memset(ms->typecross, 0, r->types.n);
    ms->xev.n = 0;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *an = &doc->anns.v[i];
        uint32_t a = ms->sid[an->tstart], e = ms->sid[an->tend];
        if (a == e) continue;
        ms->typecross[an->type] = 1;
        for (uint32_t b = a; b < e; b++)
            if (VEC_PUSH(&ms->xev, ((xev){an->type, b}))) return -1;
    }
    for (size_t i = 0; i < ms->xdoc.n; i++)
        if (VEC_PUSH(&ms->xev, ms->xdoc.v[i])) return -1;
    ms->gpool.n = 0;
    gmemo memo[GMEMO_MAX];
    uint32_t nmemo = 0;
    for (size_t i = 0; i < ph->nrules; i++) {
        uint32_t ri = ph->rules[i];
        const crule *ru = &r->rules.v[ri];
        /* only the ids on a guard's paths: guards_pass reads no other bit */
        uint64_t m = 0, gu = ru->nguards ? ru->guard_unsure : 0;
        for (; gu; gu &= gu - 1) {
            uint32_t k = (uint32_t)__builtin_ctzll(gu);
            uint32_t id = ru->unsure_ids[k], kind = id & UNSURE_KIND;
            id &= ~UNSURE_KIND;
            int cross = kind == UNSURE_LEX ? ms->lexcross[id]
                      : kind == UNSURE_TEST ? ms->testcross[id] : ms->typecross[id];
            if (cross) m |= (uint64_t)1 << k;
        }
        ms->rcross[ri] = m;
        ms->next_try[ri] = 0;
        ms->pass_end[ri] = 0;
        ms->rgid[ri] = UINT32_MAX;
        if (m && ru->nguards && rule_groups(ms, ru, m, ri, memo, &nmemo)) return -1;
    }
    return 0;
}

/* A test with its annotation tests unknown: 0 fails whatever the annotations, 1 passes, 2
 * may pass (it depends on them). */
static int test_maybe(const quarry_rules *r, quarry_doc *doc, uint32_t tid, uint32_t p)
{
    const ctest *t = &r->tests.v[tid];
    if (!t->has_ann) return eval_test(r, doc, tid, p);
    if (t->clause) {   /* the masks with the annotation bits taken as they must be */
        uint64_t want = t->ann_req;
        if (!ctest_clause_masks(t, &doc->toks.v[p], doc->lex1[p], &want)) return 0;
        int res = (t->ann_req | t->ann_forb) ? 2 : 1;
        for (uint32_t i = 0; i < t->nresid; i++) {
            int v = test_maybe(r, doc, t->resid[i], p);
            if (!v) return 0;
            if (v == 2) res = 2;
        }
        return res;
    }
    int a, b;
    switch (t->kind) {
    case TN_ANN: return 2;
    case TN_NOT: a = test_maybe(r, doc, t->a, p); return a == 2 ? 2 : !a;
    case TN_AND:
        if (!(a = test_maybe(r, doc, t->a, p)) || !(b = test_maybe(r, doc, t->b, p))) return 0;
        return a == 2 || b == 2 ? 2 : 1;
    case TN_OR:
        a = test_maybe(r, doc, t->a, p);
        if (a == 1) return 1;
        b = test_maybe(r, doc, t->b, p);
        return b == 1 ? 1 : a || b ? 2 : 0;
    default: return eval_test(r, doc, tid, p);
    }
}

/* Does a send test pass on the sentence end at p? Computed once per document, before the
 * phases make their annotations: a test that passes for some annotations is taken to pass
 * (the guards then assume a match may cross this sentence end), so the result depends on the
 * token alone and may be cached by it. */
static int send_test_passes(const quarry_rules *r, quarry_doc *doc, uint32_t tid, uint32_t p)
{
    return test_maybe(r, doc, tid, p) != 0;
}

/* Bit i (word i / 64): send_tests[i] passes on the token at p. */
static const uint64_t *send_results(const quarry_rules *r, quarry_doc *doc, uint32_t p)
{
    match_scratch *ms = doc->ms;
    const token *tk = &doc->toks.v[p];
    size_t sw = ms->sendwords, slot = (size_t)1 << SENDCACHE_BITS;   /* not cached */
    sendcache_ent *ce = NULL;
    if (!(tk->flags & QUARRY_TF_NONASCII)) {
        uint64_t k = (tk->hraw ^ tk->flags * 0x9E3779B97F4A7C15ull) * 0xff51afd7ed558ccdull;
        slot = k >> (64 - SENDCACHE_BITS);
        ce = &ms->sendcache[slot];
        if (ce->valid && ce->h == tk->hraw && ce->flags == tk->flags && ce->kind == tk->kind)
            return ms->sendbits + slot * sw;
    }
    uint64_t *mask = ms->sendbits + slot * sw;
    memset(mask, 0, sw * sizeof *mask);
    next_pstamp(ms);
    for (size_t i = 0; i < r->send_tests.n; i++)
        if (send_test_passes(r, doc, r->send_tests.v[i], p)) mask[i / 64] |= (uint64_t)1 << (i % 64);
    if (ce) *ce = (sendcache_ent){tk->hraw, tk->flags, tk->kind, 1};
    return mask;
}

/* Once per document: the tests that pass on the last token of a sentence and the lexicons
 * with an entry across a sentence end (the sentences and those entries are found by the
 * lexicon pass: doc->sid, doc->sfirst, doc->xhits). */
static int guards_doc(const quarry_rules *r, quarry_doc *doc)
{
    match_scratch *ms = doc->ms;
    uint32_t n = (uint32_t)doc->toks.n;
    size_t nst = r->send_tests.n;
    ms->xdoc.n = 0;
    for (size_t i = 0; i < nst; i++) ms->testcross[r->send_tests.v[i]] = 0;
    for (uint32_t s = 0; nst && s < ms->nsent; s++) {
        uint32_t p = ms->sfirst[s + 1] - 1;   /* the sentence's last token */
        if (!(doc->toks.v[p].flags & QUARRY_TF_SENT_END)) continue;
        const uint64_t *mask = send_results(r, doc, p);   /* by token, cached */
        for (size_t w = 0; w < (nst + 63) / 64; w++)   /* the passing tests, in order */
            for (uint64_t m = mask[w]; m; m &= m - 1) {
                uint32_t t = r->send_tests.v[w * 64 + (size_t)__builtin_ctzll(m)];
                ms->testcross[t] = 1;
                if (VEC_PUSH(&ms->xdoc, ((xev){t | UNSURE_TEST, s}))) return -1;
            }
    }
    if (ms->nlexcross) memset(ms->lexcross, 0, ms->nlexcross);
    if (!r->lex) return 0;
    for (size_t x = 0; x < doc->xhits.n; x++) {
        uint32_t p = doc->xhits.v[x].tok;
        const lex_hit *hit = &doc->hits[doc->xhits.v[x].hit];
        uint32_t e = p + hit->len <= n ? ms->sid[p + hit->len] : ms->sid[n];
        ms->lexcross[hit->lex] = 1;
        for (uint32_t b = ms->sid[p]; b < e; b++)
            if (VEC_PUSH(&ms->xdoc, ((xev){hit->lex | UNSURE_LEX, b}))) return -1;
    }
    return 0;
}

/* The reference matcher's starts: every rule of the phase, in file order, at every token. */
static void reference_starts(const quarry_rules *r, const cphase *ph, quarry_doc *doc,
                             uint32_t p)
{
    match_scratch *ms = doc->ms;
    for (size_t i = 0; i < ph->nrules; i++) {
        uint32_t ru = ph->rules[i];
        if (doc->prof) { doc->prof[ru].tried++; doc->prof[ru].started++; }
        if (addthread(r, doc, r->rules.v[ru].entry, p, ms->blank, p)) {
            ms->oom = 1;
            blank_reset(ms);
        }
    }
}

static int run_vm(const quarry_rules *r, const cphase *ph, quarry_doc *doc)
{
    match_scratch *ms = doc->ms;
    uint32_t n = (uint32_t)doc->toks.n;
    int ref = ms->reference;
    ms->ncl = ms->nnl = ms->nxl = 0;
    ms->oom = 0;
    ms->heap.n = 0;
    ms->ppool.n = 0;
    ms->nslots = ph->nslots;
    if (!ref && guards_prepare(r, ph, doc)) return -1;
    for (uint32_t p = 0; p <= n; p++) {
        if (!ref && !ms->nnl && !ms->heap.n && p < n) {   /* nothing alive: to the next start */
            p = next_start(ph, doc, p, n);
            if (p >= n) break;
        }
        /* The threads arriving at p (raw ones from single tokens, pending ones from longer
           atoms) are expanded in order of start, so the leftmost thread keeps a shared pc. */
        ms->ncl = 0;
        ms->nxl = 0;
        next_gen(ms);
        next_pstamp(ms);   /* test results of position p (closures and starts test tokens) */
        size_t ri = 0;
        while (ri < ms->nnl || (ms->heap.n && ms->heap.v[0].pos == p)) {
            uint32_t *raw = ri < ms->nnl ? TH(ms->nl, ri) : NULL;
            if (raw && !(ms->heap.n && ms->heap.v[0].pos == p && ms->heap.v[0].start < raw[1])) {
                if (addthread(r, doc, raw[0], raw[1], TH_SLOTS(raw), p)) return -1;
                ri++;
            } else {
                pend e = heap_pop(ms);
                memcpy(ms->tmp, ms->ppool.v + e.slots, ms->nslots * sizeof(int32_t));
                if (addthread(r, doc, e.pc, e.start, ms->tmp, p)) return -1;
            }
        }
        if (p < n) {
            if (ref) reference_starts(r, ph, doc, p);
            else add_starts(r, ph, doc, p);
        }
        if (ms->oom) return -1;
        for (size_t i = 0; i < ms->ncl; i++)   /* the matches, in the threads' order */
            if (record_match(r, doc, TH(ms->cl, i), p)) return -1;
        unsigned char *t = ms->nl;   /* the threads of p + 1 arrive */
        ms->nl = ms->xl;
        ms->xl = t;
        ms->nnl = ms->nxl;
    }
    return 0;
}

/* ---- overlap resolution and annotations -------------------------------------------- */

/* The order of overlap resolution: longer first, then higher priority, file order, start;
 * candidates equal in all of these keep the order they were found in (a stable sort). */
static inline int cand_before(const cand *x, const cand *y)
{
    uint32_t lx = x->ce - x->cs, ly = y->ce - y->cs;
    if (lx != ly) return lx > ly;
    if (x->prio != y->prio) return x->prio > y->prio;
    if (x->order != y->order) return x->order < y->order;
    return x->cs < y->cs;
}
/* keep_all phases: by rule, start, longer first. */
static inline int cand_before_all(const cand *x, const cand *y)
{
    if (x->rule != y->rule) return x->rule < y->rule;
    if (x->cs != y->cs) return x->cs < y->cs;
    return x->ce > y->ce;
}
SORT_DEFINE(cand_sort, cand, cand_before)
SORT_DEFINE(cand_sort_all, cand, cand_before_all)
#define U64_BEFORE(x, y) (*(x) < *(y))
SORT_DEFINE(u64_sort, uint64_t, U64_BEFORE)

/* Room for n elements of sort scratch (ms->sorttmp, 8-byte aligned). 0, -1 on OOM. */
static int sort_room(match_scratch *ms, size_t bytes)
{
    if (bytes <= ms->nsorttmp) return 0;
    size_t cap = bytes + bytes / 2 + 64;
    uint64_t *t = realloc(ms->sorttmp, cap);
    if (!t) return -1;
    ms->sorttmp = t;
    ms->nsorttmp = cap;
    return 0;
}

/* Is a bit of b set in [s, e)? A word at a time. */
static int range_taken(const uint64_t *b, uint32_t s, uint32_t e)
{
    if (s >= e) return 0;
    uint32_t ws = s >> 6, we = (e - 1) >> 6;
    uint64_t ms = ~(uint64_t)0 << (s & 63), me = ~(uint64_t)0 >> (63 - ((e - 1) & 63));
    if (ws == we) return (b[ws] & ms & me) != 0;
    if (b[ws] & ms) return 1;
    for (uint32_t w = ws + 1; w < we; w++)
        if (b[w]) return 1;
    return (b[we] & me) != 0;
}

static int make_annots(const quarry_rules *r, quarry_doc *doc, uint32_t phase, const cand *c,
                       uint32_t logi)
{
    const crule *ru = &r->rules.v[c->rule];
    const int32_t *s = doc->ms->cpool.v + c->slots;
    for (size_t i = 0; i < ru->nactions; i++) {
        const caction *ac = &ru->actions[i];
        annot an = {0};
        an.entity = -1;
        an.type = ac->type;
        an.rule = c->rule;
        an.phase = phase;
        an.match = logi;
        if (ac->label < 0) {
            an.tstart = c->cs; an.tend = c->ce;
        } else {
            int32_t a = s[2 + 2 * ac->label], b = s[3 + 2 * ac->label];
            if (a < 0 || b < 0 || b <= a) continue;   /* capture did not take part */
            an.tstart = (uint32_t)a; an.tend = (uint32_t)b;
        }
        if (ac->nfeats) {
            an.feats = arena_alloc(&doc->mem, ac->nfeats * sizeof *an.feats);
            if (!an.feats) return -1;
            for (size_t k = 0; k < ac->nfeats; k++) {
                const cfeat *cf = &ac->feats[k];
                afeat f = {cf->key, -1, -1, cf->literal};
                if (cf->slot >= 0) {
                    int32_t a = s[2 + 2 * cf->slot], b = s[3 + 2 * cf->slot];
                    if (a < 0 || b <= a) continue;
                    f.tstart = a; f.tend = b; f.literal = NULL;
                }
                an.feats[an.nfeats++] = f;
            }
        }
        if (VEC_PUSH(&doc->anns, an)) return -1;
    }
    return 0;
}

static int log_match(quarry_doc *doc, const cand *c, int32_t beaten_by, uint32_t *idx)
{
    match_log m = {c->rule, c->cs, c->ce, NULL, beaten_by};
    size_t ns = doc->ms->nslots;
    m.slots = arena_alloc(&doc->mem, ns * sizeof(int32_t));
    if (!m.slots) return -1;
    memcpy(m.slots, doc->ms->cpool.v + c->slots, ns * sizeof(int32_t));
    *idx = (uint32_t)doc->log.n;
    return VEC_PUSH(&doc->log, m);
}

static int resolve(const quarry_rules *r, const cphase *ph, uint32_t phase, quarry_doc *doc)
{
    match_scratch *ms = doc->ms;
    cand *cs = ms->cands.v;
    size_t nc = ms->cands.n;
    uint32_t n = (uint32_t)doc->toks.n;
    if (nc == 0) return 0;
    if (ph->keep_all) {
        if (sort_room(ms, nc * sizeof *cs)) return -1;
        cand_sort_all(cs, nc, (cand *)ms->sorttmp);
        for (size_t i = 0; i < nc; i++) {
            if (i && cs[i].rule == cs[i - 1].rule && cs[i].cs == cs[i - 1].cs) continue;
            uint32_t li = UINT32_MAX;
            if (doc->explain && log_match(doc, &cs[i], -1, &li)) return -1;
            if (doc->prof) doc->prof[cs[i].rule].kept++;
            if (make_annots(r, doc, phase, &cs[i], li)) return -1;
        }
        return 0;
    }
    if (sort_room(ms, nc * sizeof *cs)) return -1;
    cand_sort(cs, nc, (cand *)ms->sorttmp);
    uint64_t *tk = ms->taken;
    memset(tk, 0, (n / 64 + 1) * sizeof *tk);
    for (size_t i = 0; i < nc; i++) {
        const cand *c = &cs[i];
        if (range_taken(tk, c->cs, c->ce)) {
            if (doc->explain) {
                /* the winner it lost to: the owner of its first taken token */
                int32_t by = -1;
                for (uint32_t t = c->cs; t < c->ce && by < 0; t++)
                    if (tk[t >> 6] >> (t & 63) & 1) by = ms->owner[t];
                uint32_t li;
                if (log_match(doc, c, by, &li)) return -1;
            }
            continue;
        }
        uint32_t li = UINT32_MAX;
        if (doc->explain && log_match(doc, c, -1, &li)) return -1;
        for (uint32_t t = c->cs; t < c->ce; t++) {
            tk[t >> 6] |= (uint64_t)1 << (t & 63);
            ms->owner[t] = (int32_t)li;
        }
        if (doc->prof) doc->prof[c->rule].kept++;
        if (make_annots(r, doc, phase, c, li)) return -1;
    }
    return 0;
}

/* Rebuilds the start-token index of all annotations (counting sort). */
/* Notes the types of the annotations from `from` on as indexed (index_more). */
static int note_types(match_scratch *ms, const quarry_doc *doc, size_t from)
{
    size_t m = doc->anns.n;
    if (m > ms->nidxtype) {
        size_t cap = m + m / 2 + 16;
        uint32_t *t = realloc(ms->idxtype, cap * sizeof *t);
        if (!t) return -1;
        ms->idxtype = t;
        ms->nidxtype = cap;
    }
    for (size_t i = from; i < m; i++) ms->idxtype[i] = doc->anns.v[i].type;
    ms->nindexed = m;
    return 0;
}

static int index_annots(quarry_doc *doc)
{
    uint32_t n = (uint32_t)doc->toks.n;
    if (!doc->ann_first) {
        doc->ann_first = arena_alloc(&doc->mem, (n + 3) * sizeof(uint32_t));
        if (!doc->ann_first) return -1;
    }
    uint32_t *f = doc->ann_first;
    memset(f, 0, (n + 3) * sizeof(uint32_t));
    doc->ann_order = arena_alloc(&doc->mem, (doc->anns.n + 1) * sizeof(uint32_t));
    if (!doc->ann_order) return -1;
    /* a counting sort by start: counts at f[start + 2], sums so that f[p + 1] is where the
       annotations starting at p begin, then filled by moving f[p + 1] on to their end, which
       leaves f[p] at their beginning */
    for (size_t i = 0; i < doc->anns.n; i++) f[doc->anns.v[i].tstart + 2]++;
    for (uint32_t p = 0; p <= n; p++) f[p + 2] += f[p + 1];
    for (size_t i = 0; i < doc->anns.n; i++)
        doc->ann_order[f[doc->anns.v[i].tstart + 1]++] = (uint32_t)i;
    uint64_t *ta = doc->ms->typeany;   /* the types starting at each position, for the guards */
    memset(ta, 0, (n + 1) * sizeof *ta);
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *an = &doc->anns.v[i];
        if (an->type < 64) ta[an->tstart] |= (uint64_t)1 << an->type;
    }
    return note_types(doc->ms, doc, 0);
}

/* The index after a phase: annotations are only ever added (anns from nindexed on), so the
 * index of those before stays and the new ones are merged in: ann_first[p], the number of
 * annotations starting before p, grows by the new ones starting before p; ann_order, by
 * start and then by index, takes each new one after the older ones of its start; typeany
 * gains their types. The same arrays as index_annots builds, without its passes over every
 * position when a phase made few annotations or none. Linking may change the type of an
 * annotation made before (a look-up PLACE that is a known person's surname): then typeany
 * is built again, with the rest (index_annots). */
static int index_more(quarry_doc *doc)
{
    match_scratch *ms = doc->ms;
    size_t k = ms->nindexed, m = doc->anns.n;
    if (!doc->ann_first || k > m) return index_annots(doc);
    for (size_t i = 0; i < k; i++)
        if (doc->anns.v[i].type != ms->idxtype[i]) return index_annots(doc);
    if (k == m) return 0;
    size_t nn = m - k;
    if (nn > ms->nnewann) {
        uint64_t *a = realloc(ms->newann, nn * sizeof *a);
        if (!a) return -1;
        ms->newann = a;
        ms->nnewann = nn;
    }
    uint64_t *nw = ms->newann;
    int sorted = 1;
    for (size_t i = 0; i < nn; i++) {
        nw[i] = (uint64_t)doc->anns.v[k + i].tstart << 32 | (uint32_t)(k + i);
        if (i && nw[i] < nw[i - 1]) sorted = 0;
    }
    if (!sorted) {
        if (sort_room(ms, nn * sizeof *nw)) return -1;
        u64_sort(nw, nn, ms->sorttmp);
    }
    uint32_t *ord = arena_alloc(&doc->mem, (m + 1) * sizeof *ord);
    if (!ord) return -1;
    const uint32_t *old = doc->ann_order;
    size_t i = 0, j = 0, o = 0;
    while (j < nn) {   /* merge by start; an older annotation first at the same start */
        uint32_t s = (uint32_t)(nw[j] >> 32);
        while (i < k && doc->anns.v[old[i]].tstart <= s) ord[o++] = old[i++];
        ord[o++] = (uint32_t)nw[j++];
    }
    while (i < k) ord[o++] = old[i++];
    doc->ann_order = ord;
    uint32_t *f = doc->ann_first, n = (uint32_t)doc->toks.n, add = 0;
    /* f[p] grows by the new ones starting before p: by the same count from just after one
       new start up to the next */
    for (j = 0; j < nn;) {
        uint32_t s = (uint32_t)(nw[j] >> 32);
        while (j < nn && (uint32_t)(nw[j] >> 32) == s) { add++; j++; }
        uint32_t stop = j < nn ? (uint32_t)(nw[j] >> 32) + 1 : n + 3;
        for (uint32_t p = s + 1; p < stop; p++) f[p] += add;
    }
    uint64_t *ta = ms->typeany;
    for (size_t q = k; q < m; q++) {
        const annot *an = &doc->anns.v[q];
        if (an->type < 64) ta[an->tstart] |= (uint64_t)1 << an->type;
    }
    return note_types(ms, doc, k);
}

/* Did the annotations from index `from` on include a PERSON, PLACE or ORG? */
int match_made_entities(const quarry_rules *r, const quarry_doc *doc, size_t from)
{
    const int32_t *e = r->eng_type;   /* PERSON, PLACE, ORG */
    for (size_t i = from; i < doc->anns.n; i++) {
        int32_t t = (int32_t)doc->anns.v[i].type;
        if (t == e[0] || t == e[1] || t == e[2]) return 1;
    }
    return 0;
}

uint32_t match_phase_count(const quarry_rules *r, const quarry_doc *doc)
{
    /* with entity records alone wanted, the phases after the last that makes them are skipped */
    return doc_only(doc) == QUARRY_EMIT_ENTITIES ? r->entity_phases : (uint32_t)r->phases.n;
}

int match_begin(const quarry_rules *r, quarry_doc *doc)
{
    if (!doc->ms) {
        doc->ms = calloc(1, sizeof *doc->ms);
        if (!doc->ms) return -1;
    }
    if (scratch_prepare(doc->ms, r, doc->toks.n)) return -1;
    int m = doc->opts ? doc->opts->matcher : QUARRY_MATCHER_DEFAULT;
    if (m == QUARRY_MATCHER_DEFAULT) {   /* the environment decides */
        const char *e = getenv("QUARRY_MATCHER");
        m = e && !strcmp(e, "reference") ? QUARRY_MATCHER_REFERENCE : QUARRY_MATCHER_FAST;
    }
    doc->ms->reference = m == QUARRY_MATCHER_REFERENCE;
    /* what the lexicon pass found of every token (word ids, lexicons, sentences) */
    doc->ms->wid = doc->wid;
    doc->ms->lexany = doc->lexany;
    doc->ms->sid = doc->sid;
    doc->ms->sfirst = doc->sfirst;
    doc->ms->nsent = doc->nsent;
    if (index_annots(doc)) return -1;   /* built-in annotations (quote spans) */
    if (!doc->ms->reference && guards_doc(r, doc)) return -1;
    return 0;
}

int match_phase(const quarry_rules *r, quarry_doc *doc, uint32_t ph)
{
    doc->ms->cands.n = 0;
    doc->ms->cpool.n = 0;
    if (run_vm(r, &r->phases.v[ph], doc)) return -1;
    return resolve(r, &r->phases.v[ph], ph, doc);
}

int match_index(quarry_doc *doc) { return index_more(doc); }

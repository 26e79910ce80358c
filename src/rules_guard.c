/* Start guards: which tokens a rule's match must contain, and how far from its start.
 *
 * The matcher starts a rule at every token its first test may pass (the first-token index).
 * Many rules start often and rarely match: "a speaker noun phrase, a cue, then a quote mark"
 * starts at almost every word. A guard is an instruction that every path from the rule's
 * entry to its MATCH passes through (a dominator) and that consumes a token passing a test,
 * a lexicon entry or an annotation: its atom. Knowing the longest distance from the entry to
 * the guard, in tokens and in sentence ends crossed, the matcher skips a start at p when the
 * next occurrence of the atom at or after p lies farther. No thread started there could have
 * matched, so skipping it changes no output: a Pike-VM thread's future depends only on its
 * instruction and position, so the threads it would have shadowed could not match either.
 *
 * Two more kinds of guard: a branch point that every path passes whose branches each begin
 * with a consuming instruction (its alternatives at the branch point's own distance: the
 * token consumed next lies there), and one atom that several instructions consume, one of them
 * on every path though none on all (a cut of instructions with the same atom).
 *
 * Distances are longest paths over the rule's instruction graph (strongly connected
 * components, then the components in topological order): a token test weighs one token, and
 * one sentence end unless the test excludes sentence ends ([... & !send]); a lexicon entry
 * weighs the longest entry of any lexicon; an annotation weighs an unknown number of tokens.
 * Lexicon entries and annotations are assumed to stay inside a sentence; the matcher checks
 * that per document and drops the sentence bound of a guard whose paths hold an entry or
 * annotation type that crosses one there (guard.unsure, crule.unsure_ids). A cycle through an
 * instruction that weighs makes every distance after it unbounded.
 *
 * A phase holds any number of atoms (until session 20 it held 64, and the rules after them
 * silently lost their guards). A rule keeps at most MAX_GUARDS, the rarest first, and a guard
 * on flags alone only when it has no rarer one (see rule_guards). */
#include <stdlib.h>
#include <string.h>

#include "program.h"

#define BIG ((int64_t)1 << 40)   /* unbounded */
#define MAX_RULE_INSTS 8192u      /* larger rules get no guards (analysis is O(n^2) here) */
#define MAX_GUARDS 4
#define MAX_CANDS 64

/* Facts about a test that the analysis asks for at every instruction consuming it, each
 * computed once per test and kept (tests are shared by many rules and nest: recomputed per
 * question, the recursion over them cost 80 M instructions at every start-up with the
 * default rules; docs/PERFORMANCE.md, session 22). */
enum { K_XS = 1, K_RX = 2, K_RANK = 4, K_GUARD = 8 };

typedef struct tfact {
    uint8_t known;             /* K_ bits: which facts below are computed */
    uint8_t xs, rx;            /* excludes_send, has_regex */
    int8_t rank, grank;        /* test_rank; guard_test's *rank */
    int32_t gtest;             /* guard_test */
} tfact;

/* The rule set under analysis and its facts per test (written as they are computed). */
typedef struct gctx {
    quarry_rules *r;
    tfact *tf;
} gctx;

/* Does the test fail on every token that ends a sentence? */
static int excludes_send(const gctx *g, uint32_t tid)
{
    tfact *f = &g->tf[tid];
    if (f->known & K_XS) return f->xs;
    const ctest *t = &g->r->tests.v[tid];
    int v;
    switch (t->kind) {
    case TN_NOT: {
        const ctest *a = &g->r->tests.v[t->a];
        v = a->kind == TN_FLAG && a->flag_mask == QUARRY_TF_SENT_END && !a->kind_mask;
        break;
    }
    case TN_AND: v = excludes_send(g, t->a) || excludes_send(g, t->b); break;
    case TN_OR: v = !t->nset && excludes_send(g, t->a) && excludes_send(g, t->b); break;
    default: v = 0; break;
    }
    f->xs = (uint8_t)v;
    f->known |= K_XS;
    return v;
}

static int has_regex(const gctx *g, uint32_t tid)
{
    tfact *f = &g->tf[tid];
    if (f->known & K_RX) return f->rx;
    const ctest *t = &g->r->tests.v[tid];
    int v = 0;
    if (t->kind == TN_REGEX) v = 1;
    else if (t->kind == TN_NOT) v = has_regex(g, t->a);
    else if ((t->kind == TN_AND || t->kind == TN_OR) && !t->nset)
        v = has_regex(g, t->a) || has_regex(g, t->b);
    f->rx = (uint8_t)v;
    f->known |= K_RX;
    return v;
}

/* How rare a test is likely to be, as a guard: 1 words, word lists and lexicons, 2
 * punctuation words and quote marks, 3 other flags; -1 useless (passes at every sentence
 * end or nearly everywhere, or holds a regex: too dear to run at every token, and its limit
 * warnings must come from where the rule runs it). Annotations rank 0 (rules_guard). */
static int test_rank_of(const gctx *g, uint32_t tid);

static int test_rank(const gctx *g, uint32_t tid)
{
    tfact *f = &g->tf[tid];
    if (f->known & K_RANK) return f->rank;
    int v = test_rank_of(g, tid);
    f->rank = (int8_t)v;
    f->known |= K_RANK;
    return v;
}

static int test_rank_of(const gctx *g, uint32_t tid)
{
    if (has_regex(g, tid)) return -1;
    const ctest *t = &g->r->tests.v[tid];
    const uint32_t qflags = QUARRY_TF_QOPEN | QUARRY_TF_QCLOSE | QUARRY_TF_QAMBIG;
    const uint32_t bounds = QUARRY_TF_SENT_START | QUARRY_TF_SENT_END | QUARRY_TF_PARA_START |
                            QUARRY_TF_PARA_END;
    const uint32_t rare_kinds = (1u << TK_QUOTE) | (1u << TK_DASH) | (1u << TK_URL) |
                                (1u << TK_EMAIL) | (1u << TK_SYM);
    switch (t->kind) {
    case TN_WORD:
    case TN_EXACT: {
        unsigned char c0 = t->len ? (unsigned char)t->str[0] : 0;
        return (c0 >= 0x80 || (unsigned)((c0 | 0x20) - 'a') < 26u) ? 1 : 2;
    }
    case TN_LEX1: return 1;
    case TN_FLAG:
        if (t->flag_mask & qflags) return 2;
        if (t->kind_mask && !(t->kind_mask & ~rare_kinds)) return 2;
        if (!t->kind_mask && !(t->flag_mask & ~bounds)) return -1;
        return 3;
    case TN_AND: {
        int a = test_rank(g, t->a), b = test_rank(g, t->b);
        if (a < 0) return b;
        if (b < 0) return a;
        return a < b ? a : b;
    }
    case TN_OR: {
        if (t->nset) return 1;
        int a = test_rank(g, t->a), b = test_rank(g, t->b);
        if (a < 0 || b < 0) return -1;
        return a > b ? a : b;
    }
    default: return -1;
    }
}

/* The test a guard can look for in place of test tid: tid itself when it holds no regex,
 * else its best-ranked conjunct that holds none ([num & /^\d{1,3}$/] -> [num], [cap & word &
 * !@STOP & /.../] -> [cap & word & !@STOP]): every token that passes tid passes it, so a
 * start it skips could not have matched, and no regex runs where the rule does not. -1 when
 * there is none (*rank -1 then); *rank as test_rank. */
static int32_t guard_test(const gctx *g, uint32_t tid, int *rank)
{
    tfact *f = &g->tf[tid];
    if (f->known & K_GUARD) {
        *rank = f->grank;
        return f->gtest;
    }
    int32_t v = -1;
    int rk = -1;
    if (!has_regex(g, tid)) {
        rk = test_rank(g, tid);
        v = rk < 0 ? -1 : (int32_t)tid;
    } else {
        const ctest *t = &g->r->tests.v[tid];
        if (t->kind == TN_AND && !t->nset) {
            int ra = -1, rb = -1;
            int32_t a = guard_test(g, t->a, &ra), b = guard_test(g, t->b, &rb);
            if (a < 0 || (b >= 0 && rb < ra)) {
                rk = rb;
                v = b;
            } else {
                rk = ra;
                v = a;
            }
        }
    }
    f->gtest = v;
    f->grank = (int8_t)rk;
    f->known |= K_GUARD;
    *rank = rk;
    return v;
}

static int succs(const inst *in, uint32_t base, uint32_t i, uint32_t n, uint32_t out[2])
{
    int k = 0;
    switch (in->op) {
    case OP_MATCH: return 0;
    case OP_JMP: out[k++] = in->x - base; break;
    case OP_SPLIT: out[k++] = in->x - base; out[k++] = in->y - base; break;
    default: out[k++] = i + 1; break;
    }
    int m = 0;
    for (int j = 0; j < k; j++)
        if (out[j] < n) out[m++] = out[j];
    return m;
}

typedef struct member {
    uint32_t atom_kind, atom_id;
    int64_t d, k;
    uint64_t unsure;
} member;

typedef struct cand {
    member m[GUARD_ALTS];
    uint32_t n;
    int rank;                  /* of the commonest member */
    int64_t d, k;              /* largest over the members */
    uint32_t pc;
} cand;

static int cand_cmp(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    if ((x->d < BIG) != (y->d < BIG)) return x->d < BIG ? -1 : 1;   /* a bound in tokens first */
    if (x->n != y->n) return x->n < y->n ? -1 : 1;
    if (x->k != y->k) return x->k < y->k ? -1 : 1;
    if (x->d != y->d) return x->d < y->d ? -1 : 1;
    return x->pc < y->pc ? -1 : x->pc > y->pc;
}

static int same_members(const cand *x, const cand *y)
{
    if (x->n != y->n) return 0;
    for (uint32_t i = 0; i < x->n; i++) {
        int found = 0;
        for (uint32_t j = 0; j < y->n && !found; j++)
            found = x->m[i].atom_kind == y->m[j].atom_kind && x->m[i].atom_id == y->m[j].atom_id;
        if (!found) return 0;
    }
    return 1;
}

static int64_t sat_add(int64_t a, int64_t b) { return a >= BIG || b >= BIG ? BIG : a + b; }

typedef struct work {
    uint32_t n;
    uint32_t *idx, *low, *comp, *stk, *cs_node, *cs_next, *order, *mark;
    uint8_t *onstk;
    int64_t *d, *k;
    uint64_t *un;
} work;

static void work_free(work *w)
{
    free(w->idx); free(w->low); free(w->comp); free(w->stk); free(w->cs_node); free(w->cs_next);
    free(w->order); free(w->mark); free(w->onstk); free(w->d); free(w->k); free(w->un);
}

static int work_alloc(work *w, uint32_t n)
{
    memset(w, 0, sizeof *w);
    w->n = n;
    w->idx = malloc(n * sizeof *w->idx); w->low = malloc(n * sizeof *w->low);
    w->comp = malloc(n * sizeof *w->comp); w->stk = malloc(n * sizeof *w->stk);
    w->cs_node = malloc(n * sizeof *w->cs_node); w->cs_next = malloc(n * sizeof *w->cs_next);
    w->order = malloc(n * sizeof *w->order); w->mark = calloc(n, sizeof *w->mark);
    w->onstk = calloc(n, 1);
    w->d = malloc(n * sizeof *w->d); w->k = malloc(n * sizeof *w->k);
    w->un = calloc(n, sizeof *w->un);
    if (!w->idx || !w->low || !w->comp || !w->stk || !w->cs_node || !w->cs_next || !w->order ||
        !w->mark || !w->onstk || !w->d || !w->k || !w->un) {
        work_free(w);
        return -1;
    }
    return 0;
}

/* Tarjan's strongly connected components, iteratively. comp[] numbers components in reverse
 * topological order (a component's successors have smaller numbers). Returns the count. */
static uint32_t scc(const inst *prog, uint32_t base, work *w)
{
    uint32_t n = w->n, counter = 0, ncomp = 0, sp = 0, cp = 0;
    for (uint32_t i = 0; i < n; i++) w->idx[i] = UINT32_MAX;
    for (uint32_t root = 0; root < n; root++) {
        if (w->idx[root] != UINT32_MAX) continue;
        w->cs_node[cp] = root; w->cs_next[cp] = 0; cp++;
        w->idx[root] = w->low[root] = counter++;
        w->stk[sp++] = root; w->onstk[root] = 1;
        while (cp) {
            uint32_t v = w->cs_node[cp - 1];
            uint32_t out[2];
            int ns = succs(&prog[base + v], base, v, n, out);
            if (w->cs_next[cp - 1] < (uint32_t)ns) {
                uint32_t s = out[w->cs_next[cp - 1]++];
                if (w->idx[s] == UINT32_MAX) {
                    w->idx[s] = w->low[s] = counter++;
                    w->stk[sp++] = s; w->onstk[s] = 1;
                    w->cs_node[cp] = s; w->cs_next[cp] = 0; cp++;
                } else if (w->onstk[s] && w->idx[s] < w->low[v]) {
                    w->low[v] = w->idx[s];
                }
                continue;
            }
            if (w->low[v] == w->idx[v]) {
                uint32_t x;
                do {
                    x = w->stk[--sp];
                    w->onstk[x] = 0;
                    w->comp[x] = ncomp;
                } while (x != v);
                ncomp++;
            }
            cp--;
            if (cp) {
                uint32_t u = w->cs_node[cp - 1];
                if (w->low[v] < w->low[u]) w->low[u] = w->low[v];
            }
        }
    }
    return ncomp;
}

/* The id under which a consumed unit may cross a sentence end (a test that does not exclude
 * sentence ends, a lexicon, an annotation type), or UINT32_MAX when it cannot. */
static uint32_t unsure_id(const gctx *g, const inst *in)
{
    switch (in->op) {
    case OP_TOKEN:   /* a regex is weighed statically: it is not run where the rule did not */
        return excludes_send(g, in->arg) || has_regex(g, in->arg) ? UINT32_MAX
                                                                  : in->arg | UNSURE_TEST;
    case OP_LEX: return in->arg | UNSURE_LEX;
    case OP_ANNOT: return in->arg;
    default: return UINT32_MAX;
    }
}

/* Weights of an instruction: tokens, sentence ends (0 but for a regex that does not exclude
 * them: whether a unit crosses one is decided per document, through the bit of its unsure
 * id). */
static void weigh(const gctx *g, const inst *in, const uint32_t *uids, uint32_t nuids,
                  int64_t *wd, int64_t *wk, uint64_t *bit)
{
    *wd = 0; *wk = 0; *bit = 0;
    switch (in->op) {
    case OP_TOKEN:
        *wd = 1;
        if (!excludes_send(g, in->arg) && has_regex(g, in->arg)) *wk = 1;
        break;
    case OP_LEX: {
        size_t ml = lexdb_max_len(g->r->lex);
        *wd = ml ? (int64_t)ml : 1;
        break;
    }
    case OP_ANNOT: *wd = BIG; break;
    default: return;
    }
    uint32_t id = unsure_id(g, in);
    if (id == UINT32_MAX) return;
    for (uint32_t j = 0; j < nuids; j++)
        if (uids[j] == id) { *bit = (uint64_t)1 << j; return; }
    *bit = ~(uint64_t)0;   /* more than 64 distinct: unsure about everything */
}

/* Is MATCH (the last instruction) reachable from the entry without passing through an
 * instruction i with blocked[i] set? */
static int reaches_avoiding(const inst *prog, uint32_t base, work *w, const uint8_t *blocked,
                            uint32_t stamp)
{
    uint32_t n = w->n, sp = 0;
    if (blocked[0]) return 0;
    w->stk[sp++] = 0;
    w->mark[0] = stamp;
    while (sp) {
        uint32_t v = w->stk[--sp];
        if (v == n - 1) return 1;
        uint32_t out[2];
        int ns = succs(&prog[base + v], base, v, n, out);
        for (int j = 0; j < ns; j++) {
            uint32_t s = out[j];
            if (blocked[s] || w->mark[s] == stamp) continue;
            w->mark[s] = stamp;
            w->stk[sp++] = s;
        }
    }
    return 0;
}

/* The index of the atom among its phase's (any number of them: the matcher's structures
 * grow with the count), -1 out of memory. */
static int64_t phase_atom(cphase *ph, uint32_t kind, uint32_t id)
{
    for (size_t i = 0; i < ph->atoms.n; i++)
        if (ph->atoms.v[i].kind == kind && ph->atoms.v[i].id == id) return (int64_t)i;
    atom a = {(uint8_t)kind, 0, id, 0};
    if (VEC_PUSH(&ph->atoms, a)) return -1;
    return (int64_t)(ph->atoms.n - 1);
}

/* Adds instruction i as a member of c if it consumes an atom at a bounded distance past the
 * first token; 0 when it cannot serve. at: the instruction whose distances bound i's where
 * the candidate counts them (i itself, or the branch point i is a first consumer after). */
static int member_of(const gctx *g, const inst *prog, uint32_t base, const work *w,
                     uint32_t i, uint32_t at, cand *c)
{
    const inst *in = &prog[base + i];
    if (w->d[at] <= 0) return 0;                /* unreachable, or possibly the first token */
    if (w->d[at] >= BIG && w->k[at] >= BIG) return 0;
    if (c->n == GUARD_ALTS) return 0;
    member m = {0, in->arg, w->d[at], w->k[at], w->un[at]};
    int rank;
    if (in->op == OP_TOKEN) {
        int32_t gt = guard_test(g, in->arg, &rank);
        if (gt < 0 || rank < 0) return 0;
        m.atom_kind = ATOM_TEST;
        m.atom_id = (uint32_t)gt;
    } else if (in->op == OP_LEX) {
        rank = 1;
        m.atom_kind = ATOM_LEX;
    } else if (in->op == OP_ANNOT) {
        rank = 0;
        m.atom_kind = ATOM_TYPE;
    } else {
        return 0;
    }
    for (uint32_t j = 0; j < c->n; j++)
        if (c->m[j].atom_kind == m.atom_kind && c->m[j].atom_id == m.atom_id) {
            if (m.d > c->m[j].d) c->m[j].d = m.d;
            if (m.k > c->m[j].k) c->m[j].k = m.k;
            c->m[j].unsure |= m.unsure;
            goto bounds;
        }
    c->m[c->n++] = m;
    if (c->n == 1 || rank > c->rank) c->rank = rank;
bounds:
    if (m.d > c->d) c->d = m.d;
    if (m.k > c->k) c->k = m.k;
    return 1;
}

/* The first consuming instructions after branch point x (through jumps, branches, captures
 * and assertions), each a member of c; 0 when MATCH is among them or one cannot serve.
 * Every path through x consumes one of them next, at x's distance from the entry (no token
 * is consumed in between): their distances are x's, not their own, which count the longest
 * path to them from anywhere ("SNP APPOS? said": "said" lies any number of words on through
 * the appositive, but the first of ",", "(" and "said" at most SNP's length). */
static int first_consumers(const gctx *g, const inst *prog, uint32_t base, work *w,
                           uint32_t x, cand *c)
{
    uint32_t todo[2 * GUARD_ALTS + 8], nt = 0, seen[4 * GUARD_ALTS + 8], ns = 0;
    todo[nt++] = x;
    while (nt) {
        uint32_t v = todo[--nt];
        int dup = 0;
        for (uint32_t j = 0; j < ns && !dup; j++) dup = seen[j] == v;
        if (dup) continue;
        if (ns == sizeof seen / sizeof *seen) return 0;
        seen[ns++] = v;
        const inst *in = &prog[base + v];
        if (in->op == OP_TOKEN || in->op == OP_LEX || in->op == OP_ANNOT) {
            if (!member_of(g, prog, base, w, v, x, c)) return 0;
            continue;
        }
        if (in->op == OP_MATCH) return 0;
        uint32_t out[2];
        int k = succs(in, base, v, w->n, out);
        if (nt + (uint32_t)k > sizeof todo / sizeof *todo) return 0;
        for (int j = 0; j < k; j++) todo[nt++] = out[j];
    }
    return c->n >= 1;
}

static int rule_guards(const gctx *g, uint32_t ri, work *w)
{
    quarry_rules *r = g->r;
    crule *ru = &r->rules.v[ri];
    const inst *prog = r->prog.v;
    uint32_t base = ru->entry;
    uint32_t n = w->n;
    if (prog[base + n - 1].op != OP_MATCH) return 0;

    /* the lexicons and annotation types the rule consumes */
    uint32_t uids[64], nu = 0;
    int overflow = 0;   /* more than 64: no sentence bounds at all */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t id = unsure_id(g, &prog[base + i]);
        if (id == UINT32_MAX) continue;
        uint32_t j = 0;
        while (j < nu && uids[j] != id) j++;
        if (j < nu) continue;
        if (nu == 64) overflow = 1;
        else uids[nu++] = id;
    }

    uint32_t ncomp = scc(prog, base, w);
    /* nodes grouped by component, components in topological order (highest number first) */
    uint32_t *start = calloc(ncomp + 1, sizeof *start);
    if (!start) return -1;
    for (uint32_t i = 0; i < n; i++) start[ncomp - 1 - w->comp[i] + 1]++;
    for (uint32_t c = 0; c < ncomp; c++) start[c + 1] += start[c];
    for (uint32_t i = 0; i < n; i++) w->order[start[ncomp - 1 - w->comp[i]]++] = i;
    for (uint32_t c = ncomp; c > 0; c--) start[c] = start[c - 1];
    start[0] = 0;

    for (uint32_t i = 0; i < n; i++) { w->d[i] = -1; w->k[i] = -1; w->un[i] = 0; }
    w->d[0] = 0; w->k[0] = 0;
    for (uint32_t c = 0; c < ncomp; c++) {
        uint32_t a = start[c], b = start[c + 1];
        int cyclic = b - a > 1;
        if (!cyclic) {
            uint32_t v = w->order[a], out[2];
            int ns = succs(&prog[base + v], base, v, n, out);
            for (int j = 0; j < ns; j++) cyclic |= out[j] == v;
        }
        if (cyclic) {
            int64_t ind = -1, ink = -1, wdsum = 0, wksum = 0;
            uint64_t inu = 0;
            for (uint32_t m = a; m < b; m++) {
                uint32_t v = w->order[m];
                int64_t wd, wk;
                uint64_t bit;
                weigh(g, &prog[base + v], uids, nu, &wd, &wk, &bit);
                wdsum = sat_add(wdsum, wd);
                wksum = sat_add(wksum, wk);
                inu |= bit;
                if (w->d[v] < 0) continue;
                if (w->d[v] > ind) ind = w->d[v];
                if (w->k[v] > ink) ink = w->k[v];
                inu |= w->un[v];
            }
            if (ind < 0) continue;   /* unreachable */
            for (uint32_t m = a; m < b; m++) {
                uint32_t v = w->order[m];
                w->d[v] = wdsum > 0 ? BIG : ind;
                w->k[v] = wksum > 0 ? BIG : ink;
                w->un[v] = inu;
            }
        }
        for (uint32_t m = a; m < b; m++) {
            uint32_t v = w->order[m], out[2];
            if (w->d[v] < 0) continue;
            int64_t wd, wk;
            uint64_t bit;
            weigh(g, &prog[base + v], uids, nu, &wd, &wk, &bit);
            /* a token test reached before any token is consumed runs on the start token:
               the matcher counts sentences from the token after a start that ends one */
            if (w->d[v] == 0 && prog[base + v].op == OP_TOKEN) bit = 0;
            int ns = succs(&prog[base + v], base, v, n, out);
            for (int j = 0; j < ns; j++) {
                uint32_t s = out[j];
                if (w->comp[s] == w->comp[v]) continue;
                int64_t nd = sat_add(w->d[v], wd), nk = sat_add(w->k[v], wk);
                if (nd > w->d[s]) w->d[s] = nd;
                if (nk > w->k[s]) w->k[s] = nk;
                w->un[s] |= w->un[v] | bit;
            }
        }
    }
    free(start);

    /* candidate guards: consuming instructions past the first token with a bound that every
       path passes through, and branch points every path passes through whose branches each
       begin with such an instruction */
    cand cands[MAX_CANDS];
    size_t nc = 0;
    uint32_t stamp = 0;
    uint8_t *blocked = calloc(n, 1);
    if (!blocked) return -1;
    for (uint32_t i = 1; i < n && nc < MAX_CANDS; i++) {
        const inst *in = &prog[base + i];
        cand c;
        memset(&c, 0, sizeof c);
        c.pc = i;
        if (in->op == OP_SPLIT) {
            if (w->d[i] < 0 || !first_consumers(g, prog, base, w, i, &c)) continue;
        } else if (!member_of(g, prog, base, w, i, i, &c)) {
            continue;
        }
        int dup = 0;
        for (size_t j = 0; j < nc && !dup; j++) dup = same_members(&cands[j], &c);
        if (dup) continue;
        blocked[i] = 1;
        int reaches = reaches_avoiding(prog, base, w, blocked, ++stamp);
        blocked[i] = 0;
        if (reaches) continue;
        cands[nc++] = c;
    }
    /* an atom that several instructions consume, one on every path though none on all
       ("the" TITLE | "his" TITLE): all of them together are a cut, at the farthest of their
       distances */
    for (uint32_t i = 1; i < n && nc < MAX_CANDS; i++) {
        const inst *in = &prog[base + i];
        if (in->op != OP_TOKEN && in->op != OP_LEX && in->op != OP_ANNOT) continue;
        uint32_t j = 1, cnt = 0;
        for (; j < i; j++)   /* handled at its first instruction */
            if (prog[base + j].op == in->op && prog[base + j].arg == in->arg) break;
        if (j < i) continue;
        cand c;
        memset(&c, 0, sizeof c);
        c.pc = i;
        int ok = 1;
        memset(blocked, 0, n);
        for (j = i; j < n && ok; j++)
            if (prog[base + j].op == in->op && prog[base + j].arg == in->arg) {
                blocked[j] = 1;
                cnt++;
                if (!member_of(g, prog, base, w, j, j, &c)) ok = 0;
            }
        if (!ok || cnt < 2 || c.n != 1) continue;
        int dup = 0;
        for (size_t k = 0; k < nc && !dup; k++) dup = same_members(&cands[k], &c);
        if (dup) continue;
        if (reaches_avoiding(prog, base, w, blocked, ++stamp)) continue;
        cands[nc++] = c;
    }
    free(blocked);
    if (!nc) return 0;
    qsort(cands, nc, sizeof *cands, cand_cmp);
    cphase *ph = &r->phases.v[ru->phase];
    ru->guards = arena_zalloc(&r->ast.mem, MAX_GUARDS * sizeof *ru->guards);
    ru->unsure_ids = arena_alloc(&r->ast.mem, (nu + 1) * sizeof *ru->unsure_ids);
    if (!ru->guards || !ru->unsure_ids) return -1;
    memcpy(ru->unsure_ids, uids, nu * sizeof *uids);
    ru->nunsure = nu;
    for (size_t j = 0; j < nc && ru->nguards < MAX_GUARDS; j++) {
        /* a guard on flags alone (rank 3: its atom is looked for at every token) after one
           on a word, lexicon, annotation, punctuation or quote mark prunes little more and
           costs a scan of every token: on the default rules, 2.3 M instructions more than
           the 20 k VM steps it saves on BBC (docs/PERFORMANCE.md, session 20) */
        if (j && cands[j].rank >= 3 && cands[0].rank < 3) continue;
        guard g;
        memset(&g, 0, sizeof g);
        for (uint32_t k = 0; k < cands[j].n; k++) {
            const member *m = &cands[j].m[k];
            int64_t a = phase_atom(ph, m->atom_kind, m->atom_id);
            if (a < 0) return -1;
            guard_alt *ga = &g.alt[g.n++];
            ga->atom = (uint32_t)a;
            ga->maxdist = m->d >= BIG ? GUARD_INF : (uint32_t)m->d;
            ga->maxsent = m->k >= BIG || overflow ? GUARD_INF : (uint32_t)m->k;
            ga->unsure = m->unsure;
        }
        if (g.n) ru->guards[ru->nguards++] = g;
    }
    return 0;
}

static int guards_all(quarry_rules *r)
{
    gctx g = {r, calloc(r->tests.n + 1, sizeof(tfact))};
    if (!g.tf) return -1;
    int rc = 0;
    for (uint32_t ri = 0; ri < r->rules.n && !rc; ri++) {
        uint32_t end = ri + 1 < r->rules.n ? r->rules.v[ri + 1].entry : (uint32_t)r->prog.n;
        uint32_t n = end - r->rules.v[ri].entry;
        if (n < 2 || n > MAX_RULE_INSTS) continue;
        work w;
        if (work_alloc(&w, n)) {
            rc = -1;
            break;
        }
        rc = rule_guards(&g, ri, &w);
        work_free(&w);
    }
    free(g.tf);
    return rc ? -1 : 0;
}

int rules_guards(quarry_rules *r)
{
    /* QUARRY_NO_GUARDS=1: start every rule wherever its first token allows (for comparing
       outputs and costs with and without guards; docs/PERFORMANCE.md) */
    const char *off = getenv("QUARRY_NO_GUARDS");
    if (off && *off && strcmp(off, "0")) return 0;
    if (guards_all(r)) return -1;
    /* the tests whose passing on a sentence end must be known per document */
    for (uint32_t ri = 0; ri < r->rules.n; ri++) {
        crule *ru = &r->rules.v[ri];
        ru->guard_unsure = 0;   /* the unsure ids on the paths to some guard's atom */
        for (uint32_t g = 0; g < ru->nguards; g++)
            for (uint32_t k = 0; k < ru->guards[g].n; k++)
                ru->guard_unsure |= ru->guards[g].alt[k].unsure;
        for (uint32_t k = 0; k < ru->nunsure; k++) {
            uint32_t id = ru->unsure_ids[k];
            if ((id & UNSURE_KIND) != UNSURE_TEST || !(ru->guard_unsure >> k & 1)) continue;
            id &= ~UNSURE_KIND;
            size_t j = 0;
            while (j < r->send_tests.n && r->send_tests.v[j] != id) j++;
            if (j == r->send_tests.n && VEC_PUSH(&r->send_tests, id)) return -1;
        }
    }
    return 0;
}

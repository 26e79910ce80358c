/* Rule compiler: resolves names in the parsed rule set (lexicons, macros, labels,
 * annotation types), loads lexicons, compiles regex atoms with PCRE2, emits one Pike-VM
 * program per rule and indexes each phase's rules by the tests they can start with. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>

#include "embed.h"
#include "program.h"

#define MAX_PROG 2000000u     /* instructions in one rule set */
#define MAX_LABELS 32

/* ---- small tables ---------------------------------------------------------------- */

int u64map_put(u64map *m, uint64_t key, uint32_t val)
{
    if (key == 0) key = 0x9e3779b97f4a7c15ULL;   /* 0 marks an empty slot */
    if ((m->n + 1) * 2 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 16;
        uint64_t *nk = calloc(nc, sizeof *nk);
        uint32_t *nv = calloc(nc, sizeof *nv);
        if (!nk || !nv) { free(nk); free(nv); return -1; }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i]) continue;
            size_t j = u64map_mix(m->keys[i]) & (nc - 1);
            while (nk[j]) j = (j + 1) & (nc - 1);
            nk[j] = m->keys[i];
            nv[j] = m->vals[i];
        }
        free(m->keys); free(m->vals);
        m->keys = nk; m->vals = nv; m->cap = nc;
    }
    size_t j = u64map_mix(key) & (m->cap - 1);
    while (m->keys[j] && m->keys[j] != key) j = (j + 1) & (m->cap - 1);
    if (!m->keys[j]) { m->keys[j] = key; m->n++; }
    m->vals[j] = val;
    return 0;
}

void u64map_free(u64map *m) { free(m->keys); free(m->vals); memset(m, 0, sizeof *m); }

int32_t rules_intern(strvec *tab, arena *a, const char *name)
{
    for (size_t i = 0; i < tab->n; i++)
        if (strcmp(tab->v[i], name) == 0) return (int32_t)i;
    const char *copy = arena_strndup(a, name, strlen(name));
    if (!copy || VEC_PUSH(tab, copy)) return -1;
    return (int32_t)(tab->n - 1);
}

int32_t rules_type_id(const quarry_rules *r, const char *name)
{
    for (size_t i = 0; i < r->types.n; i++)
        if (strcmp(r->types.v[i], name) == 0) return (int32_t)i;
    return -1;
}

/* Annotation types the pipeline makes before the rule phases (quote.c). */
/* The engine's names (engine.h). */
const char *const eng_type_names[ENG_NTYPES] = {"PERSON", "PLACE", "ORG", "QUOTE", "QSPAN",
                                                "_QTITLE", "ROLE"};
const char *const eng_key_names[ENG_NKEYS] = {"type", "speaker", "cue", "speaker_name",
                                              "speaker_role", "speaker_is", "name", "role"};
const eng_lex_def eng_lexicons[ENG_NLEX] = {
    {"GIVEN", "rules/lexicons/given_names.txt", 1},
    {"HONORIFIC", "rules/lexicons/honorifics.txt", 1},
    {"PRONOUN", "rules/lexicons/pronouns.txt", 0},
    {"TITLESMALL", "rules/lexicons/title_small_words.txt", 0},
    {"GENDERED", "rules/lexicons/gendered_nouns.txt", 0},
    {"ORGNOUN", "rules/lexicons/org_nouns.txt", 0},
    {"DETERMINER", "rules/lexicons/determiners.txt", 0},
    {"TITLE", "rules/lexicons/titles.txt", 0},
    {"ROLENOUN", "rules/lexicons/role_nouns.txt", 0},
    {"DEMONYM", "rules/lexicons/demonyms.txt", 0},
    {"CUE", "rules/lexicons/speech_verbs.txt", 0},
    {"STOP", "rules/lexicons/stopwords.txt", 1},
    {"COUNTRY", "rules/lexicons/countries.txt", 0},
};

/* Types the engine makes itself (quote.c), present in every rule set. */
static const eng_type builtin_types[] = {ENG_QSPAN, ENG_QTITLE};
#define N_BUILTIN_TYPES 2

/* ---- compiler state ---------------------------------------------------------------- */

typedef struct comp {
    quarry_rules *r;
    rule_diags *d;
    uint32_t rule;            /* rule being compiled */
    const char *labels[MAX_LABELS];
    uint32_t nlabels;
    const char *macro_stack[64];
    int macro_depth;
    int32_t *type_phase;      /* first phase making each type */
    u64map test_cons;         /* structural hash -> test id: equal tests are one test */
    u64map test_of;           /* tnode address -> test id: a macro's tests are compiled once
                                 however often it is expanded, so they share one cache slot */
    u64map macro_of;          /* hash_bytes of a macro's name -> its first declaration */
    int macro_map;            /* macro_of holds every macro (else look them up one by one) */
    int oom;
} comp;

#define ERR(c, pos, ...) rule_diag((c)->d, &(c)->r->ast, (pos), 0, __VA_ARGS__)

static uint32_t emit(comp *c, opcode op, uint32_t arg, uint32_t x, uint32_t y)
{
    inst in = {(uint8_t)op, arg, x, y, NULL};
    if (c->r->prog.n >= MAX_PROG) { c->oom = 2; return 0; }
    if (VEC_PUSH(&c->r->prog, in)) { c->oom = 1; return 0; }
    return (uint32_t)(c->r->prog.n - 1);
}

static int label_index(comp *c, const char *name)
{
    for (uint32_t i = 0; i < c->nlabels; i++)
        if (strcmp(c->labels[i], name) == 0) return (int)i;
    return -1;
}

/* The first macro declared as name, or NULL: by its name's hash (every macro reference of
 * every rule looks one up as its body is expanded), else one by one. */
static macro_decl *find_macro(comp *c, const char *name)
{
    quarry_rules *r = c->r;
    if (c->macro_map) {
        uint32_t i;
        if (!u64map_get(&c->macro_of, hash_bytes(name, strlen(name)), &i)) return NULL;
        if (strcmp(r->ast.macros.v[i].name, name) == 0) return &r->ast.macros.v[i];
    }
    for (size_t i = 0; i < r->ast.macros.n; i++)   /* no map, or two names with one hash */
        if (strcmp(r->ast.macros.v[i].name, name) == 0) return &r->ast.macros.v[i];
    return NULL;
}

/* Fills c->macro_of (the first declaration of each name); leaves it off when out of memory. */
static void map_macros(comp *c)
{
    const quarry_rules *r = c->r;
    for (size_t i = 0; i < r->ast.macros.n; i++) {
        const char *nm = r->ast.macros.v[i].name;
        uint64_t h = hash_bytes(nm, strlen(nm));
        uint32_t j;
        if (u64map_get(&c->macro_of, h, &j)) continue;   /* a repeat, or one hash for two */
        if (u64map_put(&c->macro_of, h, (uint32_t)i)) return;
    }
    c->macro_map = 1;
}

/* Whether name is one that a statement left out for an error would have defined (its use
 * is then no error of its own: rule_ast.broken). */
static int is_broken(const quarry_rules *r, const char *name)
{
    for (size_t i = 0; i < r->ast.broken.n; i++)
        if (!strcmp(r->ast.broken.v[i], name)) return 1;
    return 0;
}

/* Column (code points) of byte offset off within s. */
static uint32_t cp_count(const char *s, size_t off)
{
    uint32_t n = 0;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

static int32_t compile_test_new(comp *c, const tnode *t);

/* Adds a compiled test, or returns an equal one already there: "," written in three rules is
 * one test, evaluated once per token, and one atom for the guards. Regexes are not shared
 * (their source positions differ in messages). */
static int32_t push_test(comp *c, ctest *ct)
{
    quarry_rules *r = c->r;
    uint64_t h = 0;
    if (ct->kind != TN_REGEX) {
        h = ((uint64_t)ct->kind + 1) * 0x9E3779B97F4A7C15ull;
        h = (h ^ ct->hash) * 0xff51afd7ed558ccdull;
        h = (h ^ ((uint64_t)ct->flag_mask << 32 | ct->kind_mask)) * 0xc4ceb9fe1a85ec53ull;
        h = (h ^ (uint64_t)(uint32_t)ct->lex ^ (uint64_t)(uintptr_t)ct->feats) * 0xff51afd7ed558ccdull;
        h = (h ^ ((uint64_t)ct->a << 32 | ct->b)) * 0xc4ceb9fe1a85ec53ull;
        for (uint32_t i = 0; i < ct->nset; i++) h = (h ^ ct->set[i]) * 0xff51afd7ed558ccdull;
        h ^= ct->set_raw;
        h ^= h >> 29;
        if (!h) h = 1;
        uint32_t id;
        if (u64map_get(&c->test_cons, h, &id)) {
            const ctest *o = &r->tests.v[id];
            if (o->kind == ct->kind && o->hash == ct->hash && o->flag_mask == ct->flag_mask &&
                o->kind_mask == ct->kind_mask && o->lex == ct->lex && o->feats == ct->feats &&
                o->a == ct->a && o->b == ct->b && o->nset == ct->nset &&
                o->set_raw == ct->set_raw &&
                (!ct->nset || !memcmp(o->set, ct->set, ct->nset * sizeof *ct->set)) &&
                o->len == ct->len && (!ct->len || !memcmp(o->str, ct->str, ct->len)))
                return (int32_t)id;
        }
    }
    if (ct->nset) {   /* a hash table for the look-up (the sorted array keeps the index) */
        uint32_t cap = 8;
        while (cap < 2 * ct->nset) cap *= 2;
        uint64_t *tab = arena_zalloc(&r->ast.mem, cap * sizeof *tab);
        if (!tab) { c->oom = 1; return -1; }
        for (uint32_t i = 0; i < ct->nset; i++) {
            uint64_t k = ct->set[i];
            if (!k) { ct->set_has0 = 1; continue; }
            uint32_t j = (uint32_t)(k ^ k >> 29) & (cap - 1);
            while (tab[j] && tab[j] != k) j = (j + 1) & (cap - 1);
            tab[j] = k;
        }
        ct->hset = tab;
        ct->hmask = cap - 1;
    }
    if (VEC_PUSH(&r->tests, *ct)) {
        if (ct->re) pcre2_code_free(ct->re);
        c->oom = 1;
        return -1;
    }
    int32_t id = (int32_t)(r->tests.n - 1);
    if (h && u64map_put(&c->test_cons, h, (uint32_t)id)) c->oom = 1;
    return id;
}

/* The id of annotation type name, which the rule being compiled reads (<TYPE> in a pattern
 * or a token test): an error unless a rule of an earlier phase makes it (or it is built in). */
static int32_t read_type(comp *c, const char *name, srcpos pos)
{
    quarry_rules *r = c->r;
    int32_t ty = rules_type_id(r, name);
    uint32_t ph = r->rules.v[c->rule].phase;
    if (ty < 0 && is_broken(r, name))
        ;   /* made by a rule left out for an error, already reported */
    else if (ty < 0)
        ERR(c, pos, "unknown annotation type '%s': no rule makes it", name);
    else if (c->type_phase[ty] == -2)
        ;   /* built in: made before the first phase */
    else if (c->type_phase[ty] < 0 || (uint32_t)c->type_phase[ty] >= ph)
        ERR(c, pos, "annotation type '%s' is made in phase '%s', not before this "
            "rule's phase '%s'", name,
            c->type_phase[ty] < 0 ? "?" : r->ast.phases.v[c->type_phase[ty]].name,
            r->ast.phases.v[ph].name);
    return ty;
}

/* The annotation tests (<TYPE> inside [...]) of t, checked by read_type for every rule that
 * uses them, as a macro's tests are compiled once (deep: the whole tree, else t alone). */
static void ann_phases_ok(comp *c, const tnode *t, int deep)
{
    if (!t) return;
    if (deep && (t->kind == TN_NOT || t->kind == TN_AND || t->kind == TN_OR)) {
        ann_phases_ok(c, t->a, 1);
        ann_phases_ok(c, t->b, 1);
    } else if (t->kind == TN_ANN) {
        read_type(c, t->str, t->pos);
    }
}

static int32_t compile_test(comp *c, const tnode *t)
{
    uint32_t id;
    /* a test compiled before (a macro's) is checked whole; a new one node by node, as its
       children are compiled through here */
    if (u64map_get(&c->test_of, (uint64_t)(uintptr_t)t, &id)) {
        /* has_ann: the tree holds an annotation test (none to check otherwise) */
        if (c->r->tests.v[id].has_ann) ann_phases_ok(c, t, 1);
        return (int32_t)id;
    }
    ann_phases_ok(c, t, 0);
    int32_t nid = compile_test_new(c, t);
    if (nid >= 0 && u64map_put(&c->test_of, (uint64_t)(uintptr_t)t, (uint32_t)nid)) c->oom = 1;
    return nid;
}

/* An OR of plain folded words ("said" | "says" | ...): collects their hashes; -1 if the
 * tree holds anything else. */
static int word_leaves(const tnode *t, uint64_t *out, int n, int max)
{
    if (t->kind == TN_WORD) {
        if (n >= max) return -1;
        out[n] = token_hash_fold(t->str, t->len);
        return n + 1;
    }
    if (t->kind != TN_OR) return -1;
    n = word_leaves(t->a, out, n, max);
    return n < 0 ? -1 : word_leaves(t->b, out, n, max);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int32_t compile_test_new(comp *c, const tnode *t)
{
    quarry_rules *r = c->r;
    ctest ct;
    memset(&ct, 0, sizeof ct);
    ct.kind = t->kind;
    ct.rule = c->rule;
    ct.lex = -1;
    switch (t->kind) {
    case TN_WORD:
    case TN_EXACT:
        for (size_t i = 0; i < t->len; i++)
            if (t->str[i] == ' ' || t->str[i] == '\t' || t->str[i] == '\n') {
                ERR(c, t->pos, "\"%.*s\" holds a space, but a word test matches one token; "
                    "write one test per word", (int)t->len, t->str);
                break;
            }
        ct.hash = t->kind == TN_WORD ? token_hash_fold(t->str, t->len)
                                     : token_hash_raw(t->str, t->len);
        ct.str = t->str;
        ct.len = t->len;
        break;
    case TN_REGEX: {
        uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_ANCHORED | PCRE2_ENDANCHORED;
#ifdef PCRE2_MATCH_INVALID_UTF
        opts |= PCRE2_MATCH_INVALID_UTF;   /* a token of invalid bytes is no match, not an error */
#endif
        for (const char *f = t->re_flags ? t->re_flags : ""; *f; f++) {
            if (*f == 'i') opts |= PCRE2_CASELESS;
            else if (*f == 'x') opts |= PCRE2_EXTENDED;
            else if (*f == 'u') continue;
            else ERR(c, t->pos, "unknown regex flag '%c' (use i or x)", *f);
        }
        int ec;
        PCRE2_SIZE eo;
        ct.re = pcre2_compile((PCRE2_SPTR)t->str, t->len, opts, &ec, &eo, NULL);
        if (!ct.re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof msg);
            srcpos p = t->pos;
            p.col += 1 + cp_count(t->str, eo < t->len ? eo : t->len);
            ERR(c, p, "bad regex /%.*s/: %s", (int)t->len, t->str, (char *)msg);
        } else if (r->jit) {
            /* falls back to the interpreter when JIT compiling fails */
            ct.jit = pcre2_jit_compile(ct.re, PCRE2_JIT_COMPLETE) == 0;
        }
        ct.str = t->str;
        ct.len = t->len;
        break;
    }
    case TN_FLAG: ct.flag_mask = t->flag_mask; ct.kind_mask = t->kind_mask; break;
    case TN_LEX1:
        ct.lex = lexdb_find(r->lex, t->str);
        if (ct.lex < 0 && !is_broken(r, t->str)) ERR(c, t->pos, "unknown lexicon '%s'", t->str);
        ct.feats = t->feats;
        break;
    case TN_ANN:   /* the type's phase is checked per rule (ann_phases_ok) */
        ct.lex = rules_type_id(r, t->str);
        ct.str = t->str;
        ct.len = t->len;
        ct.has_ann = 1;
        break;
    case TN_ANY: break;
    case TN_NOT: {
        int32_t a = compile_test(c, t->a);
        if (a < 0) return -1;
        ct.a = (uint32_t)a;
        ct.has_ann = r->tests.v[a].has_ann;
        break;
    }
    case TN_OR: {
        /* a word list is one sorted-set test instead of a chain of compares */
        uint64_t hs[512];
        int nh = word_leaves(t, hs, 0, 512);
        if (nh >= 4) {
            qsort(hs, (size_t)nh, sizeof *hs, cmp_u64);
            uint64_t *set = arena_alloc(&r->ast.mem, (size_t)nh * sizeof *set);
            if (!set) { c->oom = 1; return -1; }
            memcpy(set, hs, (size_t)nh * sizeof *set);
            ct.set = set;
            ct.nset = (uint32_t)nh;
            break;
        }
    }
    /* fall through */
    case TN_AND: {
        int32_t a = compile_test(c, t->a), b = compile_test(c, t->b);
        if (a < 0 || b < 0) return -1;
        ct.a = (uint32_t)a;
        ct.b = (uint32_t)b;
        ct.has_ann = r->tests.v[a].has_ann | r->tests.v[b].has_ann;
        break;
    }
    }
    return push_test(c, &ct);
}

static void collect_labels(comp *c, const pnode *n, int depth)
{
    if (!n || depth > 64) return;
    if (n->kind == PN_CAPTURE && label_index(c, n->name) < 0) {
        if (c->nlabels == MAX_LABELS)
            ERR(c, n->pos, "too many labels in one rule (at most %d)", MAX_LABELS);
        else
            c->labels[c->nlabels++] = n->name;
    }
    if (n->kind == PN_MACRO) {
        macro_decl *m = find_macro(c, n->name);
        if (m) collect_labels(c, m->body, depth + 1);
    }
    for (size_t i = 0; i < n->nkids; i++) collect_labels(c, n->kids[i], depth);
}

static void compile_node(comp *c, const pnode *n);

/* The single-token test of a pattern node, or NULL: a token, or a macro naming one. */
static const tnode *single_test(comp *c, const pnode *n)
{
    for (int depth = 0; depth < 64 && n; depth++) {
        if (n->kind == PN_TOKEN) return n->test;
        if (n->kind == PN_SEQ && n->nkids == 1) { n = n->kids[0]; continue; }
        if (n->kind != PN_MACRO) return NULL;
        macro_decl *m = find_macro(c, n->name);
        if (!m) return NULL;
        for (int i = 0; i < c->macro_depth; i++)
            if (c->macro_stack[i] == m->name) return NULL;
        m->used = 1;
        n = m->body;
    }
    return NULL;
}

/* ("said" | "says" | [quote]): alternatives of single tokens match exactly what one OR test
 * over them matches, with the same captures (there are none inside), so they compile to one
 * instruction: one thread instead of one per alternative, and a guard the matcher can use
 * (rules_guard.c). Returns the test, or -1 when the alternatives are not all single tokens. */
static int32_t alt_as_test(comp *c, const pnode *n)
{
    quarry_rules *r = c->r;
    if (n->nkids < 2 || n->nkids > 512) return -1;
    uint32_t id;
    uint64_t key = (uint64_t)(uintptr_t)n | 1;   /* tnode addresses are even */
    if (u64map_get(&c->test_of, key, &id)) return (int32_t)id;
    const tnode *ts[512];
    int words = 1, exact = 1;
    for (size_t i = 0; i < n->nkids; i++) {
        ts[i] = single_test(c, n->kids[i]);
        if (!ts[i]) return -1;
        words &= ts[i]->kind == TN_WORD;
        exact &= ts[i]->kind == TN_EXACT;
    }
    ctest ct;
    memset(&ct, 0, sizeof ct);
    ct.kind = TN_OR;
    ct.rule = c->rule;
    ct.lex = -1;
    if (words) {
        uint64_t *set = arena_alloc(&r->ast.mem, n->nkids * sizeof *set);
        if (!set) { c->oom = 1; return -1; }
        for (size_t i = 0; i < n->nkids; i++) set[i] = token_hash_fold(ts[i]->str, ts[i]->len);
        qsort(set, n->nkids, sizeof *set, cmp_u64);
        ct.set = set;
        ct.nset = (uint32_t)n->nkids;
    } else if (exact) {
        /* exact words ('al' | 'bin' | ...): a set of raw hashes, and their fold hashes for
           the start index */
        uint64_t *set = arena_alloc(&r->ast.mem, n->nkids * sizeof *set);
        uint64_t *fk = arena_alloc(&r->ast.mem, n->nkids * sizeof *fk);
        if (!set || !fk) { c->oom = 1; return -1; }
        for (size_t i = 0; i < n->nkids; i++) {
            set[i] = token_hash_raw(ts[i]->str, ts[i]->len);
            fk[i] = token_hash_fold(ts[i]->str, ts[i]->len);
        }
        qsort(set, n->nkids, sizeof *set, cmp_u64);
        ct.set = set;
        ct.nset = (uint32_t)n->nkids;
        ct.set_raw = 1;
        ct.fkeys = fk;
    } else {
        /* a right-leaning chain of ORs over the alternatives' own tests */
        int32_t acc = compile_test(c, ts[n->nkids - 1]);
        if (acc < 0) return -1;
        for (size_t i = n->nkids - 1; i-- > 1;) {
            int32_t a = compile_test(c, ts[i]);
            if (a < 0) return -1;
            ctest o = ct;
            o.a = (uint32_t)a;
            o.b = (uint32_t)acc;
            acc = push_test(c, &o);
            if (acc < 0) return -1;
        }
        int32_t a = compile_test(c, ts[0]);
        if (a < 0) return -1;
        ct.a = (uint32_t)a;
        ct.b = (uint32_t)acc;
    }
    int32_t nid = push_test(c, &ct);
    if (nid < 0) return -1;
    if (u64map_put(&c->test_of, key, (uint32_t)nid)) c->oom = 1;
    return nid;
}

static void compile_repeat(comp *c, const pnode *n)
{
    const pnode *body = n->kids[0];
    for (int i = 0; i < n->min; i++) compile_node(c, body);
    if (n->max < 0) {
        uint32_t split = emit(c, OP_SPLIT, 0, 0, 0);
        compile_node(c, body);
        emit(c, OP_JMP, 0, split, 0);
        if (!c->oom) {
            c->r->prog.v[split].x = split + 1;
            c->r->prog.v[split].y = (uint32_t)c->r->prog.n;
        }
        return;
    }
    /* x{m,n}: after the m copies, n-m nested optional copies: (x(x(x)?)?)? */
    uint32_t holes[1000];
    int nh = 0;
    for (int i = n->min; i < n->max && !c->oom; i++) {
        holes[nh++] = emit(c, OP_SPLIT, 0, 0, 0);
        if (!c->oom) c->r->prog.v[holes[nh - 1]].x = holes[nh - 1] + 1;
        compile_node(c, body);
    }
    for (int i = 0; i < nh && !c->oom; i++) c->r->prog.v[holes[i]].y = (uint32_t)c->r->prog.n;
}

static void compile_node(comp *c, const pnode *n)
{
    quarry_rules *r = c->r;
    if (c->oom) return;
    switch (n->kind) {
    case PN_TOKEN: {
        int32_t t = compile_test(c, n->test);
        emit(c, OP_TOKEN, t < 0 ? 0 : (uint32_t)t, 0, 0);
        break;
    }
    case PN_LEX: {
        int lex = lexdb_find(r->lex, n->name);
        if (lex < 0 && !is_broken(r, n->name)) ERR(c, n->pos, "unknown lexicon '%s'", n->name);
        uint32_t pc = emit(c, OP_LEX, lex < 0 ? 0 : (uint32_t)lex, 0, 0);
        if (!c->oom) r->prog.v[pc].feats = n->feats;
        break;
    }
    case PN_ANNOT: {
        int32_t ty = read_type(c, n->name, n->pos);
        emit(c, OP_ANNOT, ty < 0 ? 0 : (uint32_t)ty, 0, 0);
        break;
    }
    case PN_ASSERT: emit(c, OP_ASSERT, (uint32_t)n->assert, 0, 0); break;
    case PN_SEQ:
        for (size_t i = 0; i < n->nkids; i++) compile_node(c, n->kids[i]);
        break;
    case PN_ALT: {
        int32_t one = alt_as_test(c, n);
        if (one >= 0) { emit(c, OP_TOKEN, (uint32_t)one, 0, 0); break; }
        uint32_t jumps[256];
        size_t nj = 0;
        for (size_t i = 0; i < n->nkids && !c->oom; i++) {
            if (i + 1 < n->nkids) {
                uint32_t split = emit(c, OP_SPLIT, 0, 0, 0);
                compile_node(c, n->kids[i]);
                if (nj < 256) jumps[nj++] = emit(c, OP_JMP, 0, 0, 0);
                if (!c->oom) {
                    r->prog.v[split].x = split + 1;
                    r->prog.v[split].y = (uint32_t)r->prog.n;
                }
            } else {
                compile_node(c, n->kids[i]);
            }
        }
        if (n->nkids > 257) ERR(c, n->pos, "too many alternatives (at most 256)");
        for (size_t i = 0; i < nj && !c->oom; i++) r->prog.v[jumps[i]].x = (uint32_t)r->prog.n;
        break;
    }
    case PN_REPEAT: compile_repeat(c, n); break;
    case PN_CAPTURE: {
        int k = label_index(c, n->name);
        if (k < 0) { compile_node(c, n->kids[0]); break; }
        emit(c, OP_SAVE, 2 + 2 * (uint32_t)k, 0, 0);
        compile_node(c, n->kids[0]);
        emit(c, OP_SAVE, 3 + 2 * (uint32_t)k, 0, 0);
        break;
    }
    case PN_MACRO: {
        macro_decl *m = find_macro(c, n->name);
        if (!m) {
            if (!is_broken(r, n->name)) ERR(c, n->pos, "unknown macro or flag '%s'", n->name);
            break;
        }
        m->used = 1;
        for (int i = 0; i < c->macro_depth; i++)
            if (c->macro_stack[i] == m->name) {
                ERR(c, n->pos, "macro '%s' refers to itself", n->name);
                return;
            }
        if (c->macro_depth == 64) { ERR(c, n->pos, "macros nested too deeply"); return; }
        c->macro_stack[c->macro_depth++] = m->name;
        compile_node(c, m->body);
        c->macro_depth--;
        break;
    }
    case PN_BEFORE:
    case PN_AFTER:
        ERR(c, n->pos, "%s(...) may only open or close a rule's pattern",
            n->kind == PN_BEFORE ? "before" : "after");
        break;
    }
}

/* A QUOTE action's feature must be one quote assembly reads, and its type one of the three
 * quote types: a misspelt key would otherwise be dropped without a word. */
static void check_quote_feature(comp *c, const rule_decl *rd, const feat_set *fs)
{
    static const eng_key quote_keys[] = {ENG_K_TYPE, ENG_K_SPEAKER, ENG_K_CUE,
                                         ENG_K_SPEAKER_NAME, ENG_K_SPEAKER_ROLE, ENG_K_SPEAKER_IS};
    int known = 0;
    for (size_t i = 0; i < sizeof quote_keys / sizeof *quote_keys; i++)
        if (!strcmp(fs->key, eng_key_names[quote_keys[i]])) known = 1;
    if (!known)
        ERR(c, fs->pos, "QUOTE feature '%s' in rule '%s' is read by no stage (quote records "
            "read type, speaker, cue, speaker_name, speaker_role, speaker_is)", fs->key, rd->name);
    else if (!strcmp(fs->key, eng_key_names[ENG_K_TYPE]) && fs->literal &&
             strcmp(fs->literal, "direct") && strcmp(fs->literal, "partial") &&
             strcmp(fs->literal, "indirect"))
        ERR(c, fs->pos, "QUOTE type '%s' in rule '%s': a quote is direct, partial or indirect",
            fs->literal, rd->name);
    else if (!strcmp(fs->key, eng_key_names[ENG_K_SPEAKER_IS]) &&
             (!fs->literal || strcmp(fs->literal, "subject")))
        ERR(c, fs->pos, "QUOTE speaker_is in rule '%s': its one value is \"subject\" (the "
            "subject of the cue's sentence)", rd->name);
}

/* ---- declared types ------------------------------------------------------------------ */

static int is_declared_type(const quarry_rules *r, const char *name)
{
    for (int i = 0; i < ENG_NTYPES; i++)
        if (!strcmp(eng_type_names[i], name)) return 1;
    for (size_t i = 0; i < r->ast.types.n; i++)
        if (!strcmp(r->ast.types.v[i].name, name)) return 1;
    return 0;
}

/* Edit distance of a and b, letters compared without case; capped at 3. */
static int type_distance(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 63 || nb > 63 || (na > nb ? na - nb : nb - na) > 2) return 3;
    int row[64];
    for (size_t j = 0; j <= nb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= na; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= nb; j++) {
            int up = row[j];
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            int best = diag + !same;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb] < 3 ? row[nb] : 3;
}

/* The known type closest to name (built in or declared), or NULL when none is close: at most
 * one edit for names of up to four letters, two for longer ones. */
static const char *close_type(const quarry_rules *r, const char *name)
{
    const char *best = NULL;
    int bd = strlen(name) <= 4 ? 2 : 3;
    for (size_t i = 0; i < ENG_NTYPES + r->ast.types.n; i++) {
        const char *t = i < ENG_NTYPES ? eng_type_names[i] : r->ast.types.v[i - ENG_NTYPES].name;
        int d = type_distance(name, t);
        if (d < bd) { bd = d; best = t; }
    }
    return best;
}

/* Every action's type is built in (engine.h) or declared with "type NAME;": a misspelt type
 * would otherwise make records no stage or reader expects. */
static void check_action_type(comp *c, const action_decl *ad)
{
    const quarry_rules *r = c->r;
    if (is_declared_type(r, ad->type)) return;
    const char *near = close_type(r, ad->type);
    if (near)
        ERR(c, ad->pos, "unknown type '%s' (did you mean '%s'? a new type is declared with "
            "`type %s;`)", ad->type, near, ad->type);
    else
        ERR(c, ad->pos, "unknown type '%s' (declare it with `type %s;`)", ad->type, ad->type);
}

static void compile_rule(comp *c, uint32_t ri)
{
    quarry_rules *r = c->r;
    rule_decl *rd = &r->ast.rules.v[ri];
    crule *cr = &r->rules.v[ri];
    c->rule = ri;
    c->nlabels = 0;
    collect_labels(c, rd->pattern, 0);
    cr->entry = (uint32_t)r->prog.n;
    const pnode *p = rd->pattern;
    const pnode *const *kids = (const pnode *const *)&p;
    size_t nk = 1;
    if (p->kind == PN_SEQ) { kids = (const pnode *const *)p->kids; nk = p->nkids; }
    size_t first = 0, last = nk;
    if (nk && kids[0]->kind == PN_BEFORE) {
        compile_node(c, kids[0]->kids[0]);
        emit(c, OP_SAVE, 0, 0, 0);
        first = 1;
    }
    int has_after = nk > first && kids[nk - 1]->kind == PN_AFTER;
    if (has_after) last = nk - 1;
    for (size_t i = first; i < last; i++) compile_node(c, kids[i]);
    if (has_after) {
        emit(c, OP_SAVE, 1, 0, 0);
        compile_node(c, kids[nk - 1]->kids[0]);
    }
    emit(c, OP_MATCH, ri, 0, 0);
    cr->nlabels = c->nlabels;
    cr->labels = arena_alloc(&r->ast.mem, (c->nlabels + 1) * sizeof *cr->labels);
    if (!cr->labels) { c->oom = 1; return; }
    memcpy(cr->labels, c->labels, c->nlabels * sizeof *cr->labels);

    cr->nactions = rd->nactions;
    cr->actions = arena_zalloc(&r->ast.mem, (rd->nactions + 1) * sizeof *cr->actions);
    if (!cr->actions) { c->oom = 1; return; }
    for (size_t i = 0; i < rd->nactions; i++) {
        const action_decl *ad = &rd->actions[i];
        caction *ca = &cr->actions[i];
        check_action_type(c, ad);
        ca->type = (uint32_t)rules_type_id(r, ad->type);
        ca->label = -1;
        if (ad->on) {
            ca->label = label_index(c, ad->on);
            if (ca->label < 0)
                ERR(c, ad->pos, "unknown label '%s' in rule '%s'", ad->on, rd->name);
        }
        ca->nfeats = ad->nfeats;
        ca->feats = arena_zalloc(&r->ast.mem, (ad->nfeats + 1) * sizeof *ca->feats);
        if (!ca->feats) { c->oom = 1; return; }
        int quote = !strcmp(ad->type, eng_type_names[ENG_QUOTE]);
        for (size_t k = 0; k < ad->nfeats; k++) {
            const feat_set *fs = &ad->feats[k];
            if (quote) check_quote_feature(c, rd, fs);
            int32_t key = rules_intern(&r->keys, &r->ast.mem, fs->key);
            if (key < 0) { c->oom = 1; return; }
            ca->feats[k].key = (uint32_t)key;
            ca->feats[k].slot = -1;
            ca->feats[k].literal = fs->literal;
            if (fs->label) {
                ca->feats[k].slot = label_index(c, fs->label);
                if (ca->feats[k].slot < 0)
                    ERR(c, fs->pos, "unknown label '%s' in rule '%s'", fs->label, rd->name);
            }
        }
    }
}

/* ---- clause tests --------------------------------------------------------------------- */

static int single_bit(uint32_t m) { return m && !(m & (m - 1)); }

/* Adds test tid to the clause c as one more conjunct; 0 when it cannot. */
static int clause_add(const quarry_rules *r, ctest *c, uint32_t tid, int depth)
{
    const ctest *t = &r->tests.v[tid];
    if (depth > 16) return 0;
    switch (t->kind) {
    case TN_ANY: return 1;
    case TN_AND: return clause_add(r, c, t->a, depth + 1) && clause_add(r, c, t->b, depth + 1);
    case TN_FLAG:
        c->fl_req |= t->flag_mask;
        if (t->kind_mask) c->kind_ok &= t->kind_mask;
        return 1;
    case TN_LEX1:
        if (t->feats || t->lex < 0 || t->lex >= 64) break;
        c->lex_req |= (uint64_t)1 << t->lex;
        return 1;
    case TN_ANN:
        if (t->lex < 0 || t->lex >= 64) break;
        c->ann_req |= (uint64_t)1 << t->lex;
        return 1;
    case TN_NOT: {
        const ctest *a = &r->tests.v[t->a];
        if (a->kind == TN_FLAG && !a->kind_mask && single_bit(a->flag_mask)) {
            c->fl_forb |= a->flag_mask;
            return 1;
        }
        if (a->kind == TN_FLAG && !a->flag_mask && a->kind_mask) {
            c->kind_ok &= ~a->kind_mask;
            return 1;
        }
        if (a->kind == TN_LEX1 && !a->feats && a->lex >= 0 && a->lex < 64) {
            c->lex_forb |= (uint64_t)1 << a->lex;
            return 1;
        }
        if (a->kind == TN_ANN && a->lex >= 0 && a->lex < 64) {
            c->ann_forb |= (uint64_t)1 << a->lex;
            return 1;
        }
        break;
    }
    case TN_OR: {
        /* (alpha | num): one of some flags or kinds, once per clause */
        if (t->nset || c->fl_any || c->kind_any) break;
        uint32_t fa = 0, ka = 0;
        uint32_t stack[16], sp = 0;
        stack[sp++] = tid;
        while (sp) {
            const ctest *x = &r->tests.v[stack[--sp]];
            if (x->kind == TN_OR && !x->nset && sp + 2 <= 16) {
                stack[sp++] = x->a;
                stack[sp++] = x->b;
            } else if (x->kind == TN_FLAG && !x->kind_mask && single_bit(x->flag_mask)) {
                fa |= x->flag_mask;
            } else if (x->kind == TN_FLAG && !x->flag_mask && x->kind_mask) {
                ka |= x->kind_mask;
            } else {
                fa = ka = 0;
                break;
            }
        }
        if (!fa && !ka) break;
        c->fl_any = fa;
        c->kind_any = ka;
        return 1;
    }
    default: break;
    }
    if (c->nresid == sizeof c->resid / sizeof *c->resid) return 0;
    c->resid[c->nresid++] = tid;
    return 1;
}

/* Turns every AND, flag, negated flag and one-token lexicon test into a clause: most tests of
 * real rules ([cap & word & !@TITLE & !@STOP ...]) are then a few mask operations per token
 * instead of a walk over a tree of cached sub-tests. Residual parts (words, word sets,
 * regexes) stay tests of their own, evaluated after the masks pass. */
static void test_clauses(quarry_rules *r)
{
    for (size_t i = 0; i < r->tests.n; i++) {
        ctest *t = &r->tests.v[i];
        if (t->kind != TN_AND && t->kind != TN_FLAG && t->kind != TN_NOT && t->kind != TN_LEX1)
            continue;
        ctest c;
        memset(&c, 0, sizeof c);
        c.kind_ok = ~0u;
        if (!clause_add(r, &c, (uint32_t)i, 0)) continue;
        if (c.nresid && t->kind != TN_AND) continue;   /* nothing gained */
        if (c.nresid == 1 && c.resid[0] == i) continue;
        t->clause = 1;
        t->fl_req = c.fl_req; t->fl_forb = c.fl_forb;
        t->fl_any = c.fl_any; t->kind_any = c.kind_any; t->kind_ok = c.kind_ok;
        t->lex_req = c.lex_req; t->lex_forb = c.lex_forb;
        t->ann_req = c.ann_req; t->ann_forb = c.ann_forb;
        memcpy(t->resid, c.resid, sizeof c.resid);
        t->nresid = c.nresid;
    }
}

/* ---- first-token index ------------------------------------------------------------ */

typedef struct startkey {
    int kind;                  /* 0 word, 1 lex, 2 type, 3 flag, -1 none */
    uint64_t key;
    uint32_t flag_mask, kind_mask;
} startkey;

/* The index keys of a test: writes up to max keys, returns count, or -1 if unindexable. */
static int test_keys_d(const quarry_rules *r, uint32_t tid, startkey *out, int max, int depth)
{
    const ctest *t = &r->tests.v[tid];
    if (max <= 0) return -1;
    switch (t->kind) {
    case TN_WORD: out[0] = (startkey){0, t->hash, 0, 0}; return 1;
    case TN_EXACT: out[0] = (startkey){0, token_hash_fold(t->str, t->len), 0, 0}; return 1;
    case TN_LEX1:
        if (t->lex < 0) return -1;
        out[0] = (startkey){1, (uint64_t)t->lex + 1, 0, 0};
        return 1;
    case TN_FLAG:
        if (!t->flag_mask && !t->kind_mask) return -1;
        out[0] = (startkey){3, 0, t->flag_mask, t->kind_mask};
        return 1;
    case TN_AND: {
        /* either side's keys will do: take the side without flag keys (a word or a lexicon
           is rarer than "cap"), else the one with fewer keys */
        int a = test_keys_d(r, t->a, out, max, depth + 1);
        if (depth > 8) {   /* deep chains: the first side with keys (bounded stack use) */
            if (a >= 0) return a;
            return test_keys_d(r, t->b, out, max, depth + 1);
        }
        startkey kb[256];
        int b = test_keys_d(r, t->b, kb, max < 256 ? max : 256, depth + 1);
        if (b < 0) return a;
        int af = 0, bf = 0;
        for (int i = 0; i < a; i++) af |= out[i].kind == 3;
        for (int i = 0; i < b; i++) bf |= kb[i].kind == 3;
        if (a >= 0 && (af < bf || (af == bf && a <= b))) return a;
        memcpy(out, kb, (size_t)b * sizeof *kb);
        return b;
    }
    case TN_OR: {
        if (t->nset) {
            if ((int)t->nset > max) return -1;
            for (uint32_t i = 0; i < t->nset; i++)
                out[i] = (startkey){0, t->set_raw ? t->fkeys[i] : t->set[i], 0, 0};
            return (int)t->nset;
        }
        int a = test_keys_d(r, t->a, out, max, depth + 1);
        if (a < 0) return -1;
        int b = test_keys_d(r, t->b, out + a, max - a, depth + 1);
        return b < 0 ? -1 : a + b;
    }
    default: return -1;
    }
}

static int test_keys(const quarry_rules *r, uint32_t tid, startkey *out, int max)
{
    return test_keys_d(r, tid, out, max, 0);
}

static int list_add(start_list *l, uint32_t rule)
{
    if (l->n && l->rules[l->n - 1] == rule) return 0;
    uint32_t *p = realloc(l->rules, (l->n + 1) * sizeof *p);
    if (!p) return -1;
    l->rules = p;
    p[l->n++] = rule;
    return 0;
}

static int index_key(cphase *ph, const startkey *k, uint32_t rule)
{
    if (k->kind == 3) {
        for (size_t i = 0; i < ph->by_flag.n; i++)
            if (ph->by_flag.v[i].flag_mask == k->flag_mask && ph->by_flag.v[i].kind_mask == k->kind_mask)
                return list_add(&ph->by_flag.v[i].rules, rule);
        flag_start fs = {k->flag_mask, k->kind_mask, {NULL, 0, 0}};
        if (VEC_PUSH(&ph->by_flag, fs)) return -1;
        return list_add(&ph->by_flag.v[ph->by_flag.n - 1].rules, rule);
    }
    u64map *m = k->kind == 0 ? &ph->by_word : k->kind == 1 ? &ph->by_lex : &ph->by_type;
    uint32_t li;
    if (!u64map_get(m, k->key, &li)) {
        start_list empty = {NULL, 0, 0};
        if (VEC_PUSH(&ph->lists, empty)) return -1;
        li = (uint32_t)(ph->lists.n - 1);
        if (u64map_put(m, k->key, li)) return -1;
    }
    return list_add(&ph->lists.v[li], rule);
}

/* Indexes rule under every test its first token can pass; unindexable rules go to always.
 * seen: one slot per instruction of the program, shared by the calls (an instruction is
 * seen by this call when its slot holds ri + 1), so that no call clears a program-sized
 * array. */
static int index_rule(quarry_rules *r, cphase *ph, uint32_t ri, uint32_t *seen)
{
    startkey keys[256];
    int nk = 0, always = 0;
    uint32_t stack[512];
    size_t sp = 0;
    const uint32_t stamp = ri + 1;
    stack[sp++] = r->rules.v[ri].entry;
    while (sp && !always) {
        uint32_t pc = stack[--sp];
        if (seen[pc] == stamp) continue;
        seen[pc] = stamp;
        const inst *in = &r->prog.v[pc];
        int got = -1;
        switch (in->op) {
        case OP_JMP: stack[sp++] = in->x; continue;
        case OP_SPLIT:
            if (sp + 2 > 512) { always = 1; continue; }
            stack[sp++] = in->y; stack[sp++] = in->x;
            continue;
        case OP_SAVE: stack[sp++] = pc + 1; continue;
        case OP_ASSERT:
            /* a sentence or paragraph start holds only on a token with that flag (the
               first token has both) */
            if ((in->arg == AS_SENT_START || in->arg == AS_PARA_START) && nk < 256) {
                uint32_t f = in->arg == AS_SENT_START ? QUARRY_TF_SENT_START : QUARRY_TF_PARA_START;
                keys[nk++] = (startkey){3, 0, f, 0};
                continue;
            }
            stack[sp++] = pc + 1;
            continue;
        case OP_MATCH: always = 1; continue;
        case OP_TOKEN: got = test_keys(r, in->arg, keys + nk, 256 - nk); break;
        case OP_LEX:
            if (nk < 256) { keys[nk] = (startkey){1, (uint64_t)in->arg + 1, 0, 0}; got = 1; }
            break;
        case OP_ANNOT:
            if (nk < 256) { keys[nk] = (startkey){2, (uint64_t)in->arg + 1, 0, 0}; got = 1; }
            break;
        }
        if (got < 0) always = 1;
        else nk += got;
    }
    if (always) return list_add(&ph->always, ri);
    for (int i = 0; i < nk; i++)
        if (index_key(ph, &keys[i], ri)) return -1;
    return 0;
}

/* The token test of the only consuming instruction reachable from the rule's entry without
 * consuming (through saves, jumps and asserts, which run on the same position first), or
 * UINT32_MAX. A thread started where it fails dies at its first step, so the matcher checks
 * it first (the test result is cached for the position either way). */
static uint32_t first_test(const quarry_rules *r, uint32_t ri)
{
    uint32_t pc = r->rules.v[ri].entry;
    for (int guard = 0; guard < 64; guard++) {
        const inst *in = &r->prog.v[pc];
        switch (in->op) {
        case OP_SAVE: case OP_ASSERT: pc++; continue;
        case OP_JMP: pc = in->x; continue;
        case OP_TOKEN: return in->arg;
        default: return UINT32_MAX;
        }
    }
    return UINT32_MAX;
}

/* Is every path from the rule's entry to its MATCH one token test or one lexicon entry,
 * through captures, jumps and branches only? (crule.lookup_only) */
static int lookup_only(const quarry_rules *r, uint32_t ri)
{
    uint32_t entry = r->rules.v[ri].entry;
    uint32_t end = ri + 1 < r->rules.n ? r->rules.v[ri + 1].entry : (uint32_t)r->prog.n;
    uint32_t n = end - entry;
    if (n > 4096) return 0;
    /* seen[i]: reached instruction entry+i having consumed nothing (bit 0) or one unit (1) */
    unsigned char *seen = calloc(n, 1);
    uint32_t *stk = malloc((4 * (size_t)n + 2) * sizeof *stk);   /* <= 2 pushes per state */
    int ok = seen && stk;
    uint32_t sp = 0;
    if (ok) stk[sp++] = 0;   /* (offset << 1) | consumed */
    while (ok && sp) {
        uint32_t e = stk[--sp], off = e >> 1, c = e & 1;
        if (off >= n || (seen[off] >> c & 1)) continue;
        seen[off] |= (unsigned char)(1u << c);
        const inst *in = &r->prog.v[entry + off];
        uint32_t next[2], nn = 0, nc = c;
        switch (in->op) {
        case OP_TOKEN: case OP_LEX:
            if (c) ok = 0;
            nc = 1; next[nn++] = off + 1;
            break;
        case OP_SAVE: next[nn++] = off + 1; break;
        case OP_JMP: next[nn++] = in->x - entry; break;
        case OP_SPLIT: next[nn++] = in->x - entry; next[nn++] = in->y - entry; break;
        case OP_MATCH: if (!c) ok = 0; break;
        default: ok = 0; break;   /* annotations, assertions */
        }
        for (uint32_t k = 0; k < nn && ok; k++) stk[sp++] = next[k] << 1 | nc;
    }
    free(seen);
    free(stk);
    return ok;
}

static int word_id(quarry_rules *r, uint64_t h, uint32_t *id)
{
    if (u64map_get(&r->word_ids, h, id)) return 0;
    *id = ++r->nwords;
    return u64map_put(&r->word_ids, h, *id);
}

/* The words that the matcher looks up at every token: each phase's first-token index by word
 * and the guard atoms that pass only on some words, numbered once for the whole rule set so
 * that one look-up per token serves every phase (match.c). A zero hash never gets an id. */
/* The words a test atom can pass on (keys[], at most 256), or 0 when it is not keyed by
 * words alone. */
static int atom_word_keys(const quarry_rules *r, const atom *at, startkey *keys)
{
    if (at->kind != ATOM_TEST) return 0;
    int nk = test_keys(r, at->id, keys, 256);
    for (int k = 0; k < nk; k++)
        if (keys[k].kind != 0 || !keys[k].key) return 0;
    return nk > 0 ? nk : 0;
}

int rules_word_index(quarry_rules *r)
{
    for (size_t i = 0; i < r->phases.n; i++) {
        cphase *ph = &r->phases.v[i];
        for (size_t k = 0; k < ph->by_word.cap; k++) {
            uint32_t id;
            if (ph->by_word.keys[k] && word_id(r, ph->by_word.keys[k], &id)) return -1;
        }
        for (size_t a = 0; a < ph->atoms.n; a++) {
            startkey keys[256];
            int nk = atom_word_keys(r, &ph->atoms.v[a], keys);
            for (int k = 0; k < nk; k++) {
                uint32_t id;
                if (word_id(r, keys[k].key, &id)) return -1;
            }
        }
    }
    for (size_t i = 0; i < r->phases.n; i++) {
        cphase *ph = &r->phases.v[i];
        size_t nkeyed = 0;   /* the atoms keyed by words get the bits of a row, in order */
        for (size_t a = 0; a < ph->atoms.n; a++) {
            startkey keys[256];
            atom *at = &ph->atoms.v[a];
            at->keyed = atom_word_keys(r, at, keys) > 0;
            at->kbit = at->keyed ? (uint32_t)nkeyed++ : 0;
        }
        ph->awords = nkeyed > 64 ? (uint32_t)((nkeyed + 63) / 64) : 1;
        ph->atom_words = calloc((size_t)(r->nwords + 1) * ph->awords, sizeof *ph->atom_words);
        ph->word_keyed = calloc(r->nwords + 1, 1);
        ph->word_list = malloc((r->nwords + 1) * sizeof *ph->word_list);
        if (!ph->atom_words || !ph->word_keyed || !ph->word_list) return -1;
        for (uint32_t w = 0; w <= r->nwords; w++) ph->word_list[w] = UINT32_MAX;
        size_t nl = r->lex ? lexdb_count(r->lex) : 0;
        ph->lex_list = malloc((nl + 1) * sizeof *ph->lex_list);
        if (!ph->lex_list) return -1;
        ph->nlex_list = (uint32_t)nl;
        ph->can_skip = 1;
        for (size_t l = 0; l < nl; l++) {
            uint32_t li;
            ph->lex_list[l] = u64map_get(&ph->by_lex, (uint64_t)l + 1, &li) ? li : UINT32_MAX;
            if (ph->lex_list[l] == UINT32_MAX) continue;
            if (l < 64) ph->lex_starts |= (uint64_t)1 << l;
            else ph->can_skip = 0;
        }
        ph->type_list = malloc((r->types.n + 1) * sizeof *ph->type_list);
        if (!ph->type_list) return -1;
        ph->ntype_list = (uint32_t)r->types.n;
        for (size_t t = 0; t < r->types.n; t++) {
            uint32_t li;
            ph->type_list[t] = u64map_get(&ph->by_type, (uint64_t)t + 1, &li) ? li : UINT32_MAX;
            if (ph->type_list[t] == UINT32_MAX) continue;
            if (t < 64) ph->type_starts |= (uint64_t)1 << t;
            else ph->can_skip = 0;
        }
        for (size_t k = 0; k < ph->by_word.cap; k++) {
            uint32_t id;
            if (ph->by_word.keys[k] && u64map_get(&r->word_ids, ph->by_word.keys[k], &id))
                ph->word_list[id] = ph->by_word.vals[k];
        }
        for (size_t a = 0; a < ph->atoms.n; a++) {
            startkey keys[256];
            const atom *at = &ph->atoms.v[a];
            int nk = at->keyed ? atom_word_keys(r, at, keys) : 0;
            for (int k = 0; k < nk; k++) {
                uint32_t id;
                if (!u64map_get(&r->word_ids, keys[k].key, &id)) continue;
                ph->atom_words[(size_t)id * ph->awords + at->kbit / 64] |=
                    (uint64_t)1 << (at->kbit % 64);
                ph->word_keyed[id] = 1;
            }
        }
    }
    return 0;
}

/* ---- files -------------------------------------------------------------------------- */

const embed_file *embed_find(const char *path)
{
    char norm[1024];
    size_t n = 0;
    /* normalise: drop "./" segments and fold "dir/../" */
    for (const char *p = path; *p && n + 1 < sizeof norm;) {
        if (p[0] == '.' && p[1] == '/') { p += 2; continue; }
        if (p[0] == '.' && p[1] == '.' && p[2] == '/' && n > 0) {
            if (n > 0 && norm[n - 1] == '/') n--;
            while (n > 0 && norm[n - 1] != '/') n--;
            p += 3;
            continue;
        }
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) + 1 : strlen(p);
        if (n + len >= sizeof norm) return NULL;
        memcpy(norm + n, p, len);
        n += len;
        p += len;
    }
    norm[n] = '\0';
    for (const embed_file *e = quarry_embedded; e->path; e++)
        if (strcmp(e->path, norm) == 0) return e;
    return NULL;
}

static int read_embedded(const char *path, char **data, size_t *len, void *ud)
{
    (void)ud;
    const embed_file *e = embed_find(path);
    if (!e) { errno = ENOENT; return -1; }
    *data = malloc(e->len + 1);
    if (!*data) return -1;
    memcpy(*data, e->data, e->len + 1);
    *len = e->len;
    return 0;
}

static int read_disk(const char *path, char **data, size_t *len, void *ud)
{
    (void)ud;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) { errno = EISDIR; return -1; }
    /* a device (/dev/zero, a tape) would never end: lexicons are files or pipes */
    if (stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) { errno = EINVAL; return -1; }
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    buf b = {0};
    char tmp[65536];
    size_t got;
    while ((got = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (buf_append(&b, tmp, got)) { fclose(f); buf_free(&b); errno = ENOMEM; return -1; }
    int bad = ferror(f);
    fclose(f);
    if (bad) { buf_free(&b); errno = EIO; return -1; }
    if (!b.p && buf_append(&b, "", 0)) return -1;
    *data = b.p;
    *len = b.n;
    return 0;
}

/* A lexicon file's text: the embedded file itself when it is read from the embedded tree
 * (the built-in rules: 2.4 MB not copied), else through rd into *owned, which the caller
 * frees. 0, -1 with errno set. */
static int lexicon_text(rule_read_fn rd, const char *path, const char **data, size_t *len,
                        char **owned)
{
    *owned = NULL;
    if (rd == read_embedded) {
        const embed_file *e = embed_find(path);
        if (!e) {
            errno = ENOENT;
            return -1;
        }
        *data = e->data;
        *len = e->len;
        return 0;
    }
    if (rd(path, owned, len, NULL)) return -1;
    *data = *owned;
    return 0;
}

static void load_lexicons(comp *c, rule_read_fn rd)
{
    quarry_rules *r = c->r;
    for (size_t i = 0; i < r->ast.lexicons.n; i++) {
        const lexicon_decl *ld = &r->ast.lexicons.v[i];
        int id = lexdb_find(r->lex, ld->name);
        if (id >= 0) continue;   /* the parser checked that repeats agree */
        id = lexdb_declare(r->lex, ld->name, ld->case_sensitive);
        if (id < 0) { c->oom = 1; return; }
        const char *data = NULL;
        char *owned;
        size_t len = 0;
        if (lexicon_text(rd, ld->path, &data, &len, &owned)) {
            ERR(c, ld->pos, "cannot read lexicon '%s': %s", ld->path, strerror(errno));
            continue;
        }
        size_t eline = 0;
        const char *emsg = NULL;
        if (lexdb_load_text(r->lex, (uint32_t)id, data, len, &eline, &emsg) == -1) {
            /* the problem is in the lexicon file: point there, and at the declaration */
            quarry_error e;
            memset(&e, 0, sizeof e);
            e.code = QUARRY_ERR_RULES;
            snprintf(e.message, sizeof e.message, "%s (lexicon '%s')", emsg ? emsg : "bad line",
                     ld->name);
            snprintf(e.file, sizeof e.file, "%s", ld->path);
            e.line = (int)eline;
            e.column = 1;
            /* the offending line, and the column of its first invalid UTF-8 byte */
            const char *ls = data;
            for (size_t ln = 1; ls && ln < eline; ln++) {
                ls = memchr(ls, '\n', len - (size_t)(ls - data));
                if (ls) ls++;
            }
            size_t ll = 0;
            if (ls && eline > 0) {
                const char *nl = memchr(ls, '\n', len - (size_t)(ls - data));
                ll = nl ? (size_t)(nl - ls) : len - (size_t)(ls - data);
                if (ll && ls[ll - 1] == '\r') ll--;
                for (size_t k = 0; k < ll;) {
                    uint32_t cp;
                    size_t n = text_decode(ls, ll, k, &cp);
                    if (n == 1 && cp == 0xFFFD && (unsigned char)ls[k] >= 0x80) break;
                    k += n;
                    e.column++;
                }
                if (ll > 4096) { ll = 0; e.column = 1; }   /* "line too long": no excerpt */
            }
            c->d->errors++;
            if (c->d->errors == 1) c->d->first = e;
            if (c->d->fn) c->d->fn(&e, ll ? ls : NULL, ll, c->d->userdata);
        }
        free(owned);
    }
}

/* Reads the tokenizer's word list NAME that sits beside the rules, else the shipped one, and
 * calls add(s, entry, tagged) for each entry: one per line, '#' comments and blank lines
 * skipped; tagged is 1 when the entry is followed by the word `prefix`. -1 on OOM. */
static int load_token_list(abbrev_set *s, const char *dir, rule_read_fn rd, const char *name,
                           int (*add)(abbrev_set *, const char *, size_t, int))
{
    char path[1024], shipped[256];
    snprintf(path, sizeof path, "%s%s%s", dir, *dir ? "/" : "", name);
    snprintf(shipped, sizeof shipped, "rules/%s", name);
    char *data = NULL;
    size_t len = 0;
    if (rd(path, &data, &len, NULL) && read_embedded(shipped, &data, &len, NULL)) return 0;
    int rc = 0;
    for (size_t i = 0; i < len && !rc;) {
        size_t j = i;
        while (j < len && data[j] != '\n') j++;
        size_t e = j;
        while (e > i && (data[e - 1] == '\r' || data[e - 1] == ' ' || data[e - 1] == '\t')) e--;
        size_t b = i;
        while (b < e && (data[b] == ' ' || data[b] == '\t')) b++;
        if (e > b && data[b] != '#') {
            size_t w = b;   /* the entry: up to the first blank */
            while (w < e && data[w] != ' ' && data[w] != '\t') w++;
            size_t t = w;
            while (t < e && (data[t] == ' ' || data[t] == '\t')) t++;
            int tagged = e - t == 6 && !memcmp(data + t, "prefix", 6);
            rc = add(s, data + b, (tagged || t == e) ? w - b : e - b, tagged);
        }
        i = j + 1;
    }
    free(data);
    return rc;
}

static int add_abbrev(abbrev_set *s, const char *w, size_t n, int prefix)
{
    return prefix ? abbrev_set_add_prefix(s, w, n) : abbrev_set_add(s, w, n);
}

static int add_starter(abbrev_set *s, const char *w, size_t n, int prefix)
{
    return abbrev_set_add_starter(s, w, n);
}

/* Loads the tokenizer's abbreviations and sentence starters that sit beside the rules, else
 * the shipped ones. */
static abbrev_set *load_abbrevs(const char *dir, rule_read_fn rd)
{
    abbrev_set *s = abbrev_set_new();
    if (!s) return NULL;
    if (load_token_list(s, dir, rd, "abbreviations.txt", add_abbrev) ||
        load_token_list(s, dir, rd, "sentence_starters.txt", add_starter)) {
        abbrev_set_free(s);
        return NULL;
    }
    return s;
}

/* ---- the whole rule set ------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void quarry_rules_free(quarry_rules *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->tests.n; i++)
        if (r->tests.v[i].re) pcre2_code_free(r->tests.v[i].re);
    for (size_t i = 0; i < r->phases.n; i++) {
        cphase *ph = &r->phases.v[i];
        free(ph->rules);
        u64map_free(&ph->by_word); u64map_free(&ph->by_lex); u64map_free(&ph->by_type);
        for (size_t k = 0; k < ph->lists.n; k++) free(ph->lists.v[k].rules);
        VEC_FREE(&ph->lists);
        for (size_t k = 0; k < ph->by_flag.n; k++) free(ph->by_flag.v[k].rules.rules);
        VEC_FREE(&ph->by_flag);
        VEC_FREE(&ph->atoms);
        free(ph->always.rules);
        free(ph->atom_words); free(ph->word_keyed); free(ph->word_list); free(ph->lex_list); free(ph->type_list);
    }
    u64map_free(&r->word_ids);
    VEC_FREE(&r->phases); VEC_FREE(&r->tests); VEC_FREE(&r->prog); VEC_FREE(&r->rules);
    free(r->pc_rule);
    VEC_FREE(&r->types); VEC_FREE(&r->keys); VEC_FREE(&r->send_tests);
    if (r->mctx) pcre2_match_context_free(r->mctx);
    lexdb_free(r->lex);
    abbrev_set_free(r->abbrevs);
    rule_ast_free(&r->ast);
    free(r);
}

size_t quarry_rules_count(const quarry_rules *r) { return r ? r->rules.n : 0; }

/* Jump threading, for the matcher: a branch that lands on a JMP lands on its target, and an
 * instruction that goes on to the next one (a consuming test, an assertion, a SAVE) names
 * its successor in x, past any JMP. A closure then takes no step on a JMP that an edge can
 * skip (a loop's back edge, an alternative's way out). It runs last in compile_ast; only
 * the edges change, so the program walks before it (first tests, guards) would see the same
 * paths, and the matcher runs the same threads, since a JMP has one successor (marking it
 * marks nothing its target's mark would not). */
static uint32_t jump_target(const quarry_rules *r, uint32_t pc)
{
    for (size_t k = 0; k < r->prog.n && r->prog.v[pc].op == OP_JMP; k++) pc = r->prog.v[pc].x;
    return pc;
}

static void thread_jumps(quarry_rules *r)
{
    for (uint32_t pc = 0; pc < r->prog.n; pc++) {
        inst *in = &r->prog.v[pc];
        switch (in->op) {
        case OP_JMP: in->x = jump_target(r, in->x); break;
        case OP_SPLIT:
            in->x = jump_target(r, in->x);
            in->y = jump_target(r, in->y);
            break;
        case OP_MATCH: break;
        default: in->x = pc + 1 < r->prog.n ? jump_target(r, pc + 1) : pc + 1; break;
        }
    }
}

/* The lexicons the engine's stages read (engine.h): a lexicon the rule set does not declare
 * is loaded from its shipped file, so that no stage reads an empty list by accident. */
static void engine_lexicons(comp *c)
{
    quarry_rules *r = c->r;
    for (int i = 0; i < ENG_NLEX; i++) {
        const eng_lex_def *e = &eng_lexicons[i];
        int id = lexdb_find(r->lex, e->name);
        if (id < 0) {
            const char *data = NULL;
            char *owned;
            size_t len = 0;
            id = lexdb_declare(r->lex, e->name, e->case_sensitive);
            if (id < 0) { c->oom = 1; return; }
            if (lexicon_text(read_embedded, e->shipped, &data, &len, &owned) == 0) {
                size_t eline = 0;
                const char *emsg = NULL;
                int rc = lexdb_load_text(r->lex, (uint32_t)id, data, len, &eline, &emsg);
                free(owned);
                if (rc == -1 && !emsg) { c->oom = 1; return; }
            }
        }
        r->eng_lex[i] = id;
    }
}

/* Compiles the parsed ast of r. Returns the number of errors (r->ast must be parsed). */
static size_t compile_ast(quarry_rules *r, rule_diags *d, rule_read_fn rd)
{
    size_t parse_errors = d->errors;
    comp c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.d = d;
    uint32_t cfg = 0;
    r->jit = pcre2_config(PCRE2_CONFIG_JIT, &cfg) >= 0 && cfg;
    /* QUARRY_NO_JIT=1: PCRE2's interpreter only, for memory checkers (valgrind reports the
       JIT's word-at-a-time reads near the end of a subject as uninitialised; docs/HOSTILE.md) */
    const char *nojit = getenv("QUARRY_NO_JIT");
    if (nojit && *nojit && strcmp(nojit, "0")) r->jit = 0;
    r->mctx = pcre2_match_context_create(NULL);
    if (!r->mctx) return d->errors + 1;
    pcre2_set_match_limit(r->mctx, QUARRY_RE_MATCH_LIMIT);
    pcre2_set_depth_limit(r->mctx, QUARRY_RE_DEPTH_LIMIT);
    pcre2_set_heap_limit(r->mctx, QUARRY_RE_HEAP_LIMIT);

    load_lexicons(&c, rd);
    if (!c.oom) engine_lexicons(&c);
    map_macros(&c);

    /* annotation types, and the first phase that makes each; built-in types come first and
       exist before every phase */
    for (size_t i = 0; i < sizeof builtin_types / sizeof *builtin_types; i++)
        if (rules_intern(&r->types, &r->ast.mem, eng_type_names[builtin_types[i]]) < 0)
            return d->errors + 1;
    for (size_t i = 0; i < r->ast.rules.n; i++)
        for (size_t k = 0; k < r->ast.rules.v[i].nactions; k++)
            if (rules_intern(&r->types, &r->ast.mem, r->ast.rules.v[i].actions[k].type) < 0)
                return d->errors + 1;
    c.type_phase = malloc((r->types.n + 1) * sizeof *c.type_phase);
    if (!c.type_phase) return d->errors + 1;
    for (size_t i = 0; i < r->types.n; i++) c.type_phase[i] = i < N_BUILTIN_TYPES ? -2 : -1;
    for (size_t i = 0; i < r->ast.rules.n; i++)
        for (size_t k = 0; k < r->ast.rules.v[i].nactions; k++) {
            int32_t t = rules_type_id(r, r->ast.rules.v[i].actions[k].type);
            int32_t ph = (int32_t)r->ast.rules.v[i].phase;
            if (c.type_phase[t] == -2) continue;
            if (c.type_phase[t] < 0 || ph < c.type_phase[t]) c.type_phase[t] = ph;
        }

    if (VEC_RESERVE(&r->rules, r->ast.rules.n + 1)) { free(c.type_phase); return d->errors + 1; }
    for (size_t i = 0; i < r->ast.rules.n; i++) {
        crule cr;
        memset(&cr, 0, sizeof cr);
        const rule_decl *rdcl = &r->ast.rules.v[i];
        cr.name = rdcl->name;
        cr.priority = rdcl->priority;
        cr.phase = rdcl->phase;
        cr.order = (uint32_t)i;
        cr.pos = rdcl->pos;
        r->rules.v[r->rules.n++] = cr;
    }
    for (uint32_t i = 0; i < r->rules.n && !c.oom; i++) compile_rule(&c, i);
    free(c.type_phase);
    u64map_free(&c.test_of);
    u64map_free(&c.test_cons);
    u64map_free(&c.macro_of);
    if (c.oom == 2) {
        srcpos p = {0, 0, 0};
        ERR(&c, p, "the rule set compiles to more than %u instructions", MAX_PROG);
    }
    if (c.oom) return d->errors + 1;

    /* (a macro may be used only by a statement left out for a syntax error) */
    for (size_t i = 0; i < r->ast.macros.n && !parse_errors; i++)
        if (!r->ast.macros.v[i].used)
            rule_diag(d, &r->ast, r->ast.macros.v[i].pos, 1, "macro '%s' is never used",
                      r->ast.macros.v[i].name);
    /* with errors, the names are resolved and checked (every error in one run), no more */
    if (d->errors) return d->errors;

    /* phases and their start indexes */
    if (VEC_RESERVE(&r->phases, r->ast.phases.n + 1)) return d->errors + 1;
    for (size_t i = 0; i < r->ast.phases.n; i++) {
        cphase ph;
        memset(&ph, 0, sizeof ph);
        ph.name = r->ast.phases.v[i].name;
        ph.keep_all = r->ast.phases.v[i].keep_all;
        ph.nslots = 2;
        r->phases.v[r->phases.n++] = ph;
    }
    uint32_t *seen = calloc(r->prog.n + 1, sizeof *seen);
    if (!seen) return d->errors + 1;
    for (uint32_t i = 0; i < r->rules.n; i++) {
        cphase *ph = &r->phases.v[r->rules.v[i].phase];
        uint32_t *nr = realloc(ph->rules, (ph->nrules + 1) * sizeof *nr);
        if (!nr) {
            free(seen);
            return d->errors + 1;
        }
        ph->rules = nr;
        nr[ph->nrules++] = i;
        uint32_t ns = 2 + 2 * r->rules.v[i].nlabels;
        if (ns > ph->nslots) ph->nslots = ns;
        if (index_rule(r, ph, i, seen)) {
            free(seen);
            return d->errors + 1;
        }
    }
    free(seen);
    for (uint32_t i = 0; i < r->rules.n; i++) {
        r->rules.v[i].first_test = first_test(r, i);
        r->rules.v[i].lookup_only = (uint8_t)lookup_only(r, i);
    }
    /* the phases an extraction of entity records alone runs (quarry_options.only) */
    r->entity_phases = 0;
    for (uint32_t i = 0; i < r->rules.n; i++) {
        const crule *cr = &r->rules.v[i];
        for (size_t k = 0; k < cr->nactions; k++) {
            if (type_record_of(r->types.v[cr->actions[k].type]) != TYPE_ENTITY) continue;
            if (cr->phase + 1 > r->entity_phases) r->entity_phases = cr->phase + 1;
        }
    }
    for (int i = 0; i < ENG_NTYPES; i++) r->eng_type[i] = rules_type_id(r, eng_type_names[i]);
    for (int i = 0; i < ENG_NKEYS; i++) {
        r->eng_key[i] = -1;
        for (size_t k = 0; k < r->keys.n; k++)
            if (!strcmp(r->keys.v[k], eng_key_names[i])) r->eng_key[i] = (int32_t)k;
    }
    r->pc_rule = malloc((r->prog.n + 1) * sizeof *r->pc_rule);
    if (!r->pc_rule) return d->errors + 1;
    for (uint32_t i = 0; i < r->rules.n; i++) {   /* a rule's program is contiguous */
        uint32_t end = i + 1 < r->rules.n ? r->rules.v[i + 1].entry : (uint32_t)r->prog.n;
        for (uint32_t pc = r->rules.v[i].entry; pc < end; pc++) r->pc_rule[pc] = i;
    }
    for (size_t i = 0; i < r->phases.n; i++) {
        cphase *ph = &r->phases.v[i];
        uint32_t id = 0;
        for (size_t k = 0; k < ph->lists.n; k++) ph->lists.v[k].id = id++;
        for (size_t k = 0; k < ph->by_flag.n; k++) ph->by_flag.v[k].rules.id = id++;
        ph->always.id = id++;
        ph->nstart_lists = id;
    }
    test_clauses(r);
    if (rules_guards(r)) return d->errors + 1;
    if (rules_word_index(r)) return d->errors + 1;
    thread_jumps(r);
    return d->errors;
}

static quarry_rules *finish(quarry_rules *r, rule_diags *d, rule_read_fn rd, const char *dir,
                            quarry_error *err)
{
    /* after parse errors too: the statements that parsed are compiled, so that unknown names,
       bad regexes and the like are reported in the same run */
    {
        r->abbrevs = load_abbrevs(dir, rd);
        r->lex = r->abbrevs ? lexdb_new(r->abbrevs) : NULL;
        if (!r->lex) {
            d->errors++;
            d->first.code = QUARRY_ERR_NOMEM;
            snprintf(d->first.message, sizeof d->first.message, "out of memory");
        } else {
            compile_ast(r, d, rd);
        }
    }
    if (d->errors) {
        if (err) *err = d->first;
        quarry_rules_free(r);
        return NULL;
    }
    return r;
}

static quarry_rules *rules_alloc(rule_diags *d, quarry_diag_fn fn, void *ud)
{
    memset(d, 0, sizeof *d);
    d->fn = fn;
    d->userdata = ud;
    static _Atomic uint64_t serials;
    quarry_rules *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    rule_ast_init(&r->ast);
    r->serial = ++serials;
    return r;
}

static void oom_error(quarry_error *err)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
    err->code = QUARRY_ERR_NOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
}

static void dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    if (n >= cap) n = cap - 1;
    memcpy(out, path, n);
    out[n] = '\0';
}

quarry_rules *quarry_rules_default(quarry_error *err)
{
    rule_diags d;
    quarry_rules *r = rules_alloc(&d, NULL, NULL);
    if (!r) { oom_error(err); return NULL; }
    /* every top-level rules/NAME.rules of the embedded tree, in name order */
    for (const embed_file *e = quarry_embedded; e->path; e++) {
        const char *rest = e->path + 6;
        size_t n = strlen(e->path);
        if (strncmp(e->path, "rules/", 6) || strchr(rest, '/') || n < 7 ||
            strcmp(e->path + n - 6, ".rules"))
            continue;
        rules_parse_file(&r->ast, e->path, read_embedded, NULL, &d);
    }
    return finish(r, &d, read_embedded, "rules", err);
}

quarry_rules *quarry_rules_load(const char *path, quarry_diag_fn fn, void *ud, quarry_error *err)
{
    rule_diags d;
    quarry_rules *r = rules_alloc(&d, fn, ud);
    if (!r) { oom_error(err); return NULL; }
    char dir[1024];
    struct stat st;
    if (stat(path, &st) != 0) {
        if (err) {
            memset(err, 0, sizeof *err);
            err->code = QUARRY_ERR_IO;
            snprintf(err->file, sizeof err->file, "%s", path);
            snprintf(err->message, sizeof err->message, "cannot read rules: %s", strerror(errno));
        }
        quarry_rules_free(r);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(dir, sizeof dir, "%s", path);
        size_t dl = strlen(dir);
        while (dl > 1 && dir[dl - 1] == '/') dir[--dl] = '\0';
        /* top-level *.rules in name order */
        DIR *dh = opendir(dir);
        if (!dh) {
            if (err) {
                memset(err, 0, sizeof *err);
                err->code = QUARRY_ERR_IO;
                snprintf(err->file, sizeof err->file, "%s", path);
                snprintf(err->message, sizeof err->message, "cannot read rules: %s",
                         strerror(errno));
            }
            quarry_rules_free(r);
            return NULL;
        }
        VEC(char *) names = {0};
        struct dirent *de;
        while ((de = readdir(dh))) {
            size_t n = strlen(de->d_name);
            if (n < 7 || strcmp(de->d_name + n - 6, ".rules") || de->d_name[0] == '.') continue;
            char *full = malloc(strlen(dir) + n + 2);
            if (!full || VEC_PUSH(&names, full)) { free(full); break; }
            sprintf(full, "%s/%s", dir, de->d_name);
        }
        closedir(dh);
        qsort(names.v, names.n, sizeof *names.v, cmp_str);
        for (size_t i = 0; i < names.n; i++) {
            rules_parse_file(&r->ast, names.v[i], NULL, NULL, &d);
            free(names.v[i]);
        }
        if (names.n == 0) {
            d.errors++;
            d.first.code = QUARRY_ERR_RULES;
            snprintf(d.first.file, sizeof d.first.file, "%s", dir);
            snprintf(d.first.message, sizeof d.first.message, "no .rules files in the folder");
            if (fn) fn(&d.first, NULL, 0, ud);
        }
        VEC_FREE(&names);
    } else {
        dir_of(path, dir, sizeof dir);
        rules_parse_file(&r->ast, path, NULL, NULL, &d);
    }
    return finish(r, &d, read_disk, dir, err);
}

quarry_rules *quarry_rules_compile(const char *name, const char *data, size_t len,
                                   quarry_diag_fn fn, void *ud, quarry_error *err)
{
    rule_diags d;
    quarry_rules *r = rules_alloc(&d, fn, ud);
    if (!r) { oom_error(err); return NULL; }
    char dir[1024];
    dir_of(name, dir, sizeof dir);
    rules_parse_text(&r->ast, name, data, len, NULL, NULL, &d);
    return finish(r, &d, read_disk, dir, err);
}

size_t quarry_rules_phase_count(const quarry_rules *r) { return r ? r->phases.n : 0; }
size_t quarry_rules_lexicon_count(const quarry_rules *r) { return r && r->lex ? lexdb_count(r->lex) : 0; }

/* Document-level linking: person mentions are clustered under the fullest name the
 * document gives ("Crocker", "Mr. Kazemi", "Maliki" -> "Ryan Crocker", "Hassan Kazemi Qomi",
 * "Nouri al-Maliki") and take the cluster's role; a name typed once keeps its type: later
 * bare mentions of a known surname become PERSON, later copies of a PLACE or ORG phrase
 * take its type. Runs after the rule phases, before records are built. */
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "doc.h"
#include "sort.h"

typedef struct person {
    uint32_t canon;            /* annotation index of the fullest mention */
    const char *name, *role;
    uint64_t surname;          /* raw hash of the last name token */
    uint64_t alias;            /* raw hash of the surname without an "al-" style particle */
    uint64_t middle;           /* raw hash of a middle name of a three-part name, or 0 */
    uint64_t first;            /* raw hash of the first word of a two-word name that is no
                                  given name of the GIVEN lexicon ("Wang Donghai", "Jansher
                                  Khan": the name said first), or 0 */
    int ambiguous;             /* another person shares the surname */
} person;

/* Name tokens of a mention without honorifics (HONORIFIC: "Mr.", "Dr.") at its start; a
 * peer's title (peer=1: Lord, Lady) before one word is part of the name ("Lord Goldsmith"). */
static uint32_t name_start(const quarry_doc *doc, const annot *a)
{
    uint32_t s = a->tstart;
    int32_t e;
    while (s + 1 < a->tend && (e = doc_lex_entry(doc, s, ENG_L_HONORIFIC)) >= 0) {
        const char *peer = lexdb_entry_feature(doc->rules->lex, (uint32_t)e, "peer");
        if (peer && s + 2 == a->tend) break;
        s++;
    }
    return s;
}

/* The hash of a surname with a lower-case particle and hyphen removed: al-Maliki -> Maliki. */
static uint64_t particle_free(const quarry_doc *doc, const token *t)
{
    const char *s = doc->txt.src + t->start;
    size_t n = t->end - t->start;
    const char *dash = memchr(s, '-', n);
    if (!dash || dash == s || !(s[0] >= 'a' && s[0] <= 'z')) return 0;
    size_t k = (size_t)(dash - s) + 1;
    if (k >= n || !(s[k] >= 'A' && s[k] <= 'Z')) return 0;
    return token_hash_raw(s + k, n - k);
}

/* Is every name token of mention m among the tokens of the canonical mention c? */
static int contained(const quarry_doc *doc, const annot *m, const annot *c)
{
    for (uint32_t i = name_start(doc, m); i < m->tend; i++) {
        uint64_t h = doc->toks.v[i].hraw;
        int found = 0;
        for (uint32_t j = c->tstart; j < c->tend && !found; j++) {
            const token *t = &doc->toks.v[j];
            found = t->hraw == h || particle_free(doc, t) == h;
        }
        if (!found) return 0;
    }
    return 1;
}

typedef struct mention { uint32_t len, start, idx; } mention;

/* Longer names first, then by start; equal ones in annotation order (a stable sort). */
static inline int mention_before(const mention *a, const mention *b)
{
    if (a->len != b->len) return a->len > b->len;
    return a->start < b->start;
}
SORT_DEFINE(mention_sort, mention, mention_before)

/* Marks the tokens covered by entity annotations. weak[k] is then the index + 1
 * of the annotation that is token k's only cover when that is a one-token PLACE or ORG of a
 * look-up rule (crule.lookup_only: "Carson" the city), which a person's surname overrides
 * (link_people); else 0. */
static void cover(const quarry_rules *r, const quarry_doc *doc, unsigned char *covered,
                  uint32_t *weak)
{
    int32_t place = r->eng_type[ENG_PLACE], org = r->eng_type[ENG_ORG];
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        const char *t = r->types.v[a->type];
        if (type_record_of(t) != TYPE_ENTITY) continue;
        int lookup = a->tend == a->tstart + 1 && a->rule < r->rules.n &&
                     r->rules.v[a->rule].lookup_only &&
                     ((int32_t)a->type == place || (int32_t)a->type == org);
        for (uint32_t k = a->tstart; k < a->tend; k++) {
            weak[k] = lookup && !covered[k] ? (uint32_t)i + 1 : 0;
            covered[k] = 1;
        }
    }
}

/* The longest role phrase taken in apposition after a name, in tokens. */
#define APPOSITION_MAX 12

/* A role in apposition after a name ending at token k: ", head of Lionhead Studios," ->
 * "head of Lionhead Studios". The phrase runs to a comma or the sentence's end within
 * APPOSITION_MAX tokens (the end of a sentence whose full stop an abbreviation took: "at
 * Warner Bros."), or to a speech verb in lower case ("John Connors, Microsoft's chief
 * financial officer said", lexicon CUE) after two words at least. It holds a title (lexicon
 * TITLE: head, editor, spokesman) or a noun for a person before any small word ("a wireless
 * net and cybercrime expert": small words with the feature coord, and/or, join nouns), and
 * opens with
 * - a lower-case word that is no small word (not ", and runner-up"),
 * - a determiner, left out, when a lower-case word follows ("a QC and international law
 *   professor", not "A Little Princess"),
 * - a title in capitals or one a lower-case word follows ("CEO of festival organisers",
 *   not the list "Will Young, Queen, Kate Bush"),
 * - a possessive ("BA's chief executive"), or capitalised words before a title or a noun for
 *   a person ("Jupiter analyst", "UK economist for Capital Economics").
 * It names no person before its title, nor right after it ("Bosch, the carmaker's chief
 * executive Helmut Panke": a new person's description); after a determiner, one after a
 * lower-case word is part of it ("the lawyer representing Mr Abbasi"). NULL when none. */
static const char *appositive_role(const quarry_rules *r, quarry_doc *doc, uint32_t k,
                                   const unsigned char *isper, int *titled)
{
    *titled = 0;
    uint32_t n = (uint32_t)doc->toks.n;
    if (k + 1 >= n || !doc_tok_is(doc, k, ',')) return NULL;
    uint32_t s = k + 1;
    int det = doc_lex_entry(doc, s, ENG_L_DETERMINER) >= 0;
    if (det) s++;
    if (s >= n || doc_lex_entry(doc, s, ENG_L_TITLESMALL) >= 0) return NULL;
#define LOWER_WORD(j) ((doc->toks.v[j].flags & QUARRY_TF_LOWER) && doc->toks.v[j].kind == TK_WORD)
#define CUE_AT(j) (LOWER_WORD(j) && doc_lex_entry(doc, j, ENG_L_CUE) >= 0)
    uint32_t e = s;
#define DASH_AT(j) ((doc->toks.v[j].kind == TK_DASH || doc_tok_is(doc, j, '-')) && j > 0 && \
                    doc->toks.v[j - 1].end < doc->toks.v[j].start)
    while (e < n && e < s + APPOSITION_MAX && !doc_tok_is(doc, e, ',') && !CUE_AT(e) && !DASH_AT(e) &&
           !(doc->toks.v[e].flags & QUARRY_TF_SENT_START && e > s) && doc->toks.v[e].kind != TK_QUOTE &&
           !(doc->toks.v[e].kind == TK_PUNCT && (doc_tok_is(doc, e, '.') || doc_tok_is(doc, e, ';') ||
                                                  doc_tok_is(doc, e, '(') || doc_tok_is(doc, e, ':'))))
        e++;
    if (e == s || (e >= n ? !(doc->toks.v[n - 1].flags & QUARRY_TF_ABBREV)
                          : !(doc_tok_is(doc, e, ',') || doc_tok_is(doc, e, '.') ||
                              (CUE_AT(e) && e >= s + 2) || (DASH_AT(e) && e >= s + 2) ||
                              (e > s && (doc->toks.v[e].flags & QUARRY_TF_SENT_START)))))
        return NULL;
    const token *f = &doc->toks.v[s];
    int32_t title = r->eng_lex[ENG_L_TITLE];
    uint32_t title_end = 0;     /* the token after the title (or noun for a person) found */
    uint32_t first_lower = e;   /* the first lower-case word */
    int head = 1;               /* no small word (of, at, the) yet */
    for (uint32_t j = s; j < e && !title_end; j++) {
        if (isper[j]) return NULL;   /* a person before the title: a list of names */
        for (uint32_t h = doc->hit_first[j]; h < doc->hit_first[j + 1]; h++)
            if ((int32_t)doc->hits[h].lex == title && j + doc->hits[h].len <= e &&
                j + doc->hits[h].len > title_end)
                title_end = j + doc->hits[h].len;
        /* a noun for a person before any small word: "a doctor", "Jupiter analyst", "security
           expert at Energis" (not "who runs the office for the authority") */
        int32_t sw = doc_lex_entry(doc, j, ENG_L_TITLESMALL);
        if (sw >= 0 && !lexdb_entry_feature(doc->rules->lex, (uint32_t)sw, "coord")) head = 0;
        if (LOWER_WORD(j)) {
            if (first_lower == e) first_lower = j;
            if (head && !title_end && doc_lex_entry(doc, j, ENG_L_ROLENOUN) >= 0) title_end = j + 1;
        }
    }
    if (!title_end) return NULL;
    for (uint32_t j = s; j < title_end && !*titled; j++)
        for (uint32_t h = doc->hit_first[j]; h < doc->hit_first[j + 1]; h++)
            if ((int32_t)doc->hits[h].lex == title) *titled = 1;
    int opens_title = doc_lex_entry(doc, s, ENG_L_TITLE) >= 0 &&
                      ((f->flags & QUARRY_TF_ALLCAPS) || (title_end < e && LOWER_WORD(title_end)));
    int opens = (f->flags & QUARRY_TF_LOWER) || (det && first_lower < e) || opens_title ||
                (s + 1 < e && doc->toks.v[s + 1].end - doc->toks.v[s + 1].start == 2 &&
                 !memcmp(doc->txt.src + doc->toks.v[s + 1].start, "'s", 2));
    if (!opens && first_lower < e && first_lower > s &&
        (doc_lex_entry(doc, first_lower, ENG_L_ROLENOUN) >= 0 || doc_lex_entry(doc, first_lower, ENG_L_TITLE) >= 0))
        opens = 1;
    if (!opens) return NULL;
    /* a dash ends only a phrase that opens with a determiner or holds a title ("deputy chairman of
       Highland Gold - a mining firm"; not "Victoria Lapete, found her sister - the only") */
    if (e < n && DASH_AT(e) && !opens_title && !det && !*titled) return NULL;
    int lower = 0;   /* a lower-case word since the title */
    for (uint32_t j = title_end; j < e; j++) {
        if (isper[j] && (!det || !lower)) return NULL;
        if (LOWER_WORD(j)) lower = 1;
    }
    return doc_span_text(doc, s, e);
#undef DASH_AT
#undef CUE_AT
#undef LOWER_WORD
}

/* A role in apposition before a name starting at token k, opening its sentence: "The chief
 * inspector of schools, David Bell", "A lawyer for the victims, Eduardo Contreras". A
 * determiner opens the sentence; a title (TITLE) or a noun for a person (ROLENOUN) starts at
 * the word after it or the one after that ("The former manager of") and is followed by a
 * small word (of, for, at); the phrase runs to the comma before the name within
 * APPOSITION_MAX tokens and holds no person and no speech verb. NULL when there is none. */
static const char *preposed_role(const quarry_rules *r, quarry_doc *doc, uint32_t k,
                                 const unsigned char *isper)
{
    if (k < 4 || !doc_tok_is(doc, k - 1, ',')) return NULL;
    uint32_t s0 = k - 1;
    while (s0 > 0 && k - s0 <= APPOSITION_MAX && !(doc->toks.v[s0].flags & QUARRY_TF_SENT_START)) s0--;
    if (!(doc->toks.v[s0].flags & QUARRY_TF_SENT_START) || doc_lex_entry(doc, s0, ENG_L_DETERMINER) < 0)
        return NULL;
    int32_t title = r->eng_lex[ENG_L_TITLE];
    uint32_t te = 0;
    for (uint32_t j = s0 + 1; j <= s0 + 2 && j + 1 < k && !te; j++) {
        if (!(doc->toks.v[j].flags & QUARRY_TF_LOWER) || doc->toks.v[j].kind != TK_WORD) break;
        for (uint32_t h = doc->hit_first[j]; h < doc->hit_first[j + 1]; h++)
            if ((int32_t)doc->hits[h].lex == title && j + doc->hits[h].len < k - 1 && j + doc->hits[h].len > te)
                te = j + doc->hits[h].len;
        if (!te && doc_lex_entry(doc, j, ENG_L_ROLENOUN) >= 0) te = j + 1;
    }
    int32_t sw = te ? doc_lex_entry(doc, te, ENG_L_TITLESMALL) : -1;
    if (sw < 0 || lexdb_entry_feature(doc->rules->lex, (uint32_t)sw, "coord")) return NULL;
    for (uint32_t j = s0; j + 1 < k; j++)
        if (isper[j] || doc_tok_is(doc, j, ',') ||
            ((doc->toks.v[j].flags & QUARRY_TF_LOWER) && doc_lex_entry(doc, j, ENG_L_CUE) >= 0))
            return NULL;
    return doc_span_text(doc, s0 + 1, k - 1);
}

/* A role noun right before a name starting at token k, with the capitalised words before it
 * ("Wales fly-half", "Jupiter analyst", "Metropolitan Police Commissioner"): the noun is a
 * lower-case entry of ROLENOUN (WordNet's person nouns) or a TITLE entry; the words before it
 * are capitalised and name no person. NULL when there is none. */
static const char *descriptor_role(quarry_doc *doc, uint32_t k, const unsigned char *isper)
{
    /* an honorific between ("Manchester United manager Sir Alex Ferguson") */
    if (k >= 2 && doc_lex_entry(doc, k - 1, ENG_L_HONORIFIC) >= 0) k--;
    if (k == 0) return NULL;
    uint32_t e = k, s = k - 1;
    const token *t = &doc->toks.v[s];
    if (t->kind != TK_WORD || isper[s] || doc_lex_entry(doc, s, ENG_L_HONORIFIC) >= 0 ||
        !((t->flags & QUARRY_TF_LOWER) ? doc_lex_entry(doc, s, ENG_L_ROLENOUN) >= 0 ||
                                          doc_lex_entry(doc, s, ENG_L_TITLE) >= 0
                                        : doc_lex_entry(doc, s, ENG_L_TITLE) >= 0))
        return NULL;
    while (s > 0 && e - s < 4 && !(doc->toks.v[s].flags & QUARRY_TF_SENT_START)) {
        const token *u = &doc->toks.v[s - 1];
        if (u->kind != TK_WORD || isper[s - 1] || !(u->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) ||
            doc_lex_entry(doc, s - 1, ENG_L_DETERMINER) >= 0 || doc_lex_entry(doc, s - 1, ENG_L_HONORIFIC) >= 0)
            break;
        s--;
    }
    return doc_span_text(doc, s, e);
}

/* An organisation a name is given with, as its role: "Anne Thompson of the Hollywood
 * Reporter", "Kyle Cooper, at Citigroup Global Markets" (a small word with the feature affil,
 * TITLESMALL: of, at, from; then an ORG, orgend[t]: the end of an ORG starting at token t).
 * NULL when there is none. */
static const char *affiliation_role(quarry_doc *doc, uint32_t k, const uint32_t *orgend)
{
    uint32_t n = (uint32_t)doc->toks.n, j = k;
    if (j < n && doc_tok_is(doc, j, ',')) j++;
    int32_t e = j < n ? doc_lex_entry(doc, j, ENG_L_TITLESMALL) : -1;
    if (e < 0 || !lexdb_entry_feature(doc->rules->lex, (uint32_t)e, "affil")) return NULL;
    j++;
    if (j < n && doc_lex_entry(doc, j, ENG_L_DETERMINER) >= 0) j++;
    return j < n && orgend[j] > j ? doc_span_text(doc, j, orgend[j]) : NULL;
}

/* The first word of a two-word name [s, e) as an alias (a family name said first, "Wang
 * Donghai" ... "Wang said"; a given name used alone, "Jansher Khan" ... "Jansher"): a
 * capitalised word of three letters or more, no initial, honorific or title ("Lord
 * Goldsmith", "Prince Harry": a bare "Lord" or "Prince" is nobody). 0 when it is none. */
static uint64_t first_alias(const quarry_doc *doc, uint32_t s, uint32_t e)
{
    if (e != s + 2) return 0;
    const token *t = &doc->toks.v[s];
    if (t->kind != TK_WORD || !(t->flags & QUARRY_TF_CAP) || (t->flags & QUARRY_TF_ALLCAPS) ||
        t->end - t->start < 3 || memchr(doc->txt.src + t->start, '.', t->end - t->start) ||
        doc_lex_entry(doc, s, ENG_L_HONORIFIC) >= 0 || doc_lex_entry(doc, s, ENG_L_TITLE) >= 0)
        return 0;
    return t->hraw;
}

/* Is the word at k joined to a next name: a capitalised word, "and" or "&" after it
 * ("Richard and Judy", a programme, is not Richard)? */
static int joined(const quarry_doc *doc, uint32_t k)
{
    if (k + 1 >= doc->toks.n) return 0;
    const token *n = &doc->toks.v[k + 1];
    const char *s = doc->txt.src + n->start;
    size_t len = n->end - n->start;
    return (n->kind == TK_WORD && (n->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS))) ||
           (len == 1 && s[0] == '&') || (len == 3 && !memcmp(s, "and", 3));
}

#define LINK_MAX_CANDIDATES 256   /* people tried per mention, see link_people */

/* Persons by token hash: key -> list of persons (newest first), with the list's length.
 * Keeps linking linear in the mentions for documents with very many different people. */
typedef struct pidx_ent { uint32_t person, next; } pidx_ent;   /* next: entry + 1, 0 ends */
typedef struct pidx_bucket { uint32_t head, count; } pidx_bucket;
typedef struct pindex {
    u64map map;                /* key -> bucket */
    VEC(pidx_bucket) b;
    VEC(pidx_ent) e;
} pindex;

static int pindex_add(pindex *x, uint64_t key, uint32_t person)
{
    uint32_t bi;
    if (!u64map_get(&x->map, key, &bi)) {
        pidx_bucket nb = {0, 0};
        if (VEC_PUSH(&x->b, nb)) return -1;
        bi = (uint32_t)(x->b.n - 1);
        if (u64map_put(&x->map, key, bi)) return -1;
    }
    pidx_bucket *b = &x->b.v[bi];
    if (b->head && x->e.v[b->head - 1].person == person) return 0;   /* listed already */
    pidx_ent ne = {person, b->head};
    if (VEC_PUSH(&x->e, ne)) return -1;
    b->head = (uint32_t)x->e.n;
    b->count++;
    return 0;
}

static const pidx_bucket *pindex_get(const pindex *x, uint64_t key)
{
    uint32_t bi;
    return u64map_get(&x->map, key, &bi) ? &x->b.v[bi] : NULL;
}

static void pindex_free(pindex *x)
{
    u64map_free(&x->map);
    VEC_FREE(&x->b);
    VEC_FREE(&x->e);
}

static int link_people(const quarry_rules *r, quarry_doc *doc, int32_t person_type,
                       unsigned char *covered, const uint32_t *weak)
{
    size_t nm = 0;
    mention *ms = malloc((doc->anns.n + 1) * sizeof *ms);
    if (!ms) return -1;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type) continue;
        ms[nm++] = (mention){a->tend - name_start(doc, a), a->tstart, (uint32_t)i};
    }
    mention *tmp = arena_alloc(&doc->mem, (nm + 1) * sizeof *tmp);
    if (!tmp) { free(ms); return -1; }
    mention_sort(ms, nm, tmp);
    VEC(person) ps = {0};
    pindex by_tok = {0};       /* every token of a canonical mention (raw, particle-free) */
    u64map by_surname = {0};   /* surname -> first person with it */
    int rc = -1;
    for (size_t i = 0; i < nm; i++) {
        annot *a = &doc->anns.v[ms[i].idx];
        int32_t best = -1;
        uint32_t best_dist = UINT32_MAX;
        /* the candidates: the people whose canonical mention has the rarest name token of a */
        const pidx_bucket *cand = NULL;
        for (uint32_t t = name_start(doc, a); t < a->tend; t++) {
            const pidx_bucket *b = pindex_get(&by_tok, doc->toks.v[t].hraw);
            if (!b) { cand = NULL; break; }
            if (!cand || b->count < cand->count) cand = b;
        }
        /* at most LINK_MAX_CANDIDATES people are tried (the newest first), so that a
           hostile document with thousands of people sharing a name stays linear */
        uint32_t tried = 0;
        for (uint32_t e = cand ? cand->head : 0; e && tried < LINK_MAX_CANDIDATES;
             e = by_tok.e.v[e - 1].next, tried++) {
            uint32_t p = by_tok.e.v[e - 1].person;
            const annot *c = &doc->anns.v[ps.v[p].canon];
            if (!contained(doc, a, c)) continue;
            /* two people may share a word: the nearest earlier full mention wins */
            uint32_t dist = c->tstart <= a->tstart ? a->tstart - c->tstart : UINT32_MAX - 1 - c->tstart;
            if (dist < best_dist || (dist == best_dist && (int32_t)p < best)) {
                best = (int32_t)p;
                best_dist = dist;
            }
        }
        if (best < 0) {
            const token *last = &doc->toks.v[a->tend - 1];
            uint32_t ns = name_start(doc, a);
            person np = {ms[i].idx, doc_span_text(doc, ns, a->tend), NULL,
                         last->hraw, particle_free(doc, last),
                         a->tend - ns == 3 ? doc->toks.v[ns + 1].hraw : 0,
                         first_alias(doc, ns, a->tend), 0};
            uint32_t np_idx = (uint32_t)ps.n, first;
            if (u64map_get(&by_surname, np.surname, &first)) {
                ps.v[first].ambiguous = np.ambiguous = 1;   /* the others are marked already */
            } else if (u64map_put(&by_surname, np.surname, np_idx)) {
                goto out;
            }
            if (VEC_PUSH(&ps, np)) goto out;
            for (uint32_t t = a->tstart; t < a->tend; t++) {
                uint64_t pf = particle_free(doc, &doc->toks.v[t]);
                if (pindex_add(&by_tok, doc->toks.v[t].hraw, np_idx)) goto out;
                if (pf && pindex_add(&by_tok, pf, np_idx)) goto out;
            }
            best = (int32_t)np_idx;
        }
        a->entity = best;
    }
    /* the role: the canonical mention's, else the first mention's (document order) */
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type || a->entity < 0) continue;
        person *p = &ps.v[a->entity];
        for (uint32_t f = 0; f < a->nfeats; f++)
            if ((int32_t)a->feats[f].key == r->eng_key[ENG_K_ROLE] &&
                (!p->role || ps.v[a->entity].canon == i)) {
                const afeat *ft = &a->feats[f];
                p->role = ft->tstart < 0 ? ft->literal
                                         : doc_span_text(doc, (uint32_t)ft->tstart, (uint32_t)ft->tend);
            }
    }
    /* later bare surnames of known people: the first (oldest) unambiguous person whose
       surname, particle-free surname or middle name the token is */
    pindex by_name = {0};
    for (uint32_t p = 0; p < ps.n; p++) {
        if (ps.v[p].ambiguous) continue;
        if (pindex_add(&by_name, ps.v[p].surname, p) ||
            (ps.v[p].alias && pindex_add(&by_name, ps.v[p].alias, p)) ||
            (ps.v[p].middle && pindex_add(&by_name, ps.v[p].middle, p))) {
            pindex_free(&by_name);
            goto out;
        }
    }
    /* first words of two-word names (first_alias) -> the person; UINT32_MAX when two
       people share it ("John Smith", "John Brown": a bare "John" is either) */
    u64map by_first = {0};
    for (uint32_t p = 0; p < ps.n; p++) {
        uint32_t q;
        if (!ps.v[p].first) continue;
        if (u64map_get(&by_first, ps.v[p].first, &q) ? u64map_put(&by_first, ps.v[p].first, UINT32_MAX)
                                                      : u64map_put(&by_first, ps.v[p].first, p)) {
            u64map_free(&by_first);
            pindex_free(&by_name);
            goto out;
        }
    }
    const token *tv = doc->toks.v;   /* the tokens stay (annotations are what is added) */
    for (uint32_t k = 0, n = (uint32_t)doc->toks.n; k < n; k++) {
        const token *t = &tv[k];
        if (!(t->flags & QUARRY_TF_CAP) || (covered[k] && !weak[k])) continue;
        /* a word that is no name alone ("in May", "on Friday") is no bare surname mention:
           "Mrs May" is a person by the honorific rule, and a full name by its own rule */
        if (!covered[k] && doc_lex_entry(doc, k, ENG_L_STOP) >= 0) continue;
        const pidx_bucket *b = pindex_get(&by_name, t->hraw);
        int64_t found = -1;
        uint32_t fp;
        if (!b && !covered[k] && u64map_get(&by_first, t->hraw, &fp)) {
            /* the first word of one two-word name typed before, on no other entity */
            if (fp != UINT32_MAX && doc->anns.v[ps.v[fp].canon].tstart < k && !joined(doc, k)) {
                found = fp;
                if (doc_add_annot(doc, (uint32_t)person_type, k, k + 1, RULE_LINK_ALIAS, (int32_t)found)) {
                    u64map_free(&by_first);
                    pindex_free(&by_name);
                    goto out;
                }
                covered[k] = 1;
            }
            continue;
        }
        uint32_t tried = 0;
        for (uint32_t e = b ? b->head : 0; e && tried < LINK_MAX_CANDIDATES;
             e = by_name.e.v[e - 1].next, tried++) {
            uint32_t p = by_name.e.v[e - 1].person;
            const annot *c = &doc->anns.v[ps.v[p].canon];
            if (c->tstart > k) continue;   /* typed before, not after */
            /* over a look-up PLACE or ORG, only a full name (two words or more) found by a
               rule above priority 0: "Ben Carson" makes "Carson" a person, a guess such as
               "Golan Heights Israel" does not make "Israel" one */
            if (covered[k] && (c->tend - name_start(doc, c) < 2 || c->rule >= r->rules.n ||
                               r->rules.v[c->rule].priority <= 0))
                continue;
            if (found < 0 || p < found) found = p;
        }
        if (found < 0) continue;
        if (covered[k]) {   /* a look-up PLACE or ORG: the person's surname wins */
            annot *w = &doc->anns.v[weak[k] - 1];
            w->type = (uint32_t)person_type;
            w->rule = RULE_LINK_ALIAS;
            w->entity = (int32_t)found;
            continue;
        }
        if (doc_add_annot(doc, (uint32_t)person_type, k, k + 1, RULE_LINK_ALIAS, (int32_t)found)) {
            u64map_free(&by_first);
            pindex_free(&by_name);
            goto out;
        }
        covered[k] = 1;
    }
    u64map_free(&by_first);
    pindex_free(&by_name);
    /* a person with no role yet takes one in apposition after a mention, bare surnames
       included ("Peter Molyneux,
       head of Lionhead Studios, said") */
    unsigned char *isper = calloc(doc->toks.n + 1, 1);   /* tokens of a PERSON */
    if (!isper) goto out;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type == person_type)
            for (uint32_t t = a->tstart; t < a->tend && t < doc->toks.n; t++) isper[t] = 1;
    }
    /* (one that holds a title also replaces a one-word title before the name: "Professor
       Brian Collins, head of information systems at Cranfield University") */
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        const char *cur = a->entity >= 0 ? ps.v[a->entity].role : NULL;
        if ((int32_t)a->type != person_type || a->entity < 0 || (cur && strchr(cur, ' '))) continue;
        int titled;
        const char *ro = appositive_role(r, doc, a->tend, isper, &titled);
        if (ro && (!cur || (titled && isupper((unsigned char)cur[0]) && strchr(ro, ' '))))
            ps.v[a->entity].role = ro;
    }
    /* else one in apposition before a mention that opens its sentence ("The chief inspector
       of schools, David Bell") */
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type || a->entity < 0 || ps.v[a->entity].role) continue;
        ps.v[a->entity].role = preposed_role(r, doc, a->tstart, isper);
    }
    /* else the descriptor right before a mention ("Wales fly-half Stephen Jones") */
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type || a->entity < 0 || ps.v[a->entity].role) continue;
        ps.v[a->entity].role = descriptor_role(doc, a->tstart, isper);
    }
    free(isper);
    /* else the organisation given with a mention ("Anne Thompson of the Hollywood Reporter") */
    uint32_t *orgend = calloc(doc->toks.n + 1, sizeof *orgend);
    if (!orgend) goto out;
    int32_t org_type = r->eng_type[ENG_ORG];
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type == org_type && a->tstart < doc->toks.n && a->tend > orgend[a->tstart])
            orgend[a->tstart] = a->tend;
    }
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type || a->entity < 0 || ps.v[a->entity].role) continue;
        ps.v[a->entity].role = affiliation_role(doc, a->tend, orgend);
    }
    free(orgend);
    for (size_t i = 0; i < doc->anns.n; i++) {
        annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type || a->entity < 0) continue;
        a->name = ps.v[a->entity].name;
        a->role = ps.v[a->entity].role;
    }
    rc = 0;
out:
    free(ms);
    VEC_FREE(&ps);
    pindex_free(&by_tok);
    u64map_free(&by_surname);
    return rc;
}

/* A PLACE or ORG phrase keeps its type: its later exact copies are marked too.
 * The typed phrases are grouped (identical phrases once, at their first start) and indexed
 * by the hash of their first token, so that the cost is linear in the tokens, not tokens
 * times annotations (a hostile document can hold tens of thousands of each). */
typedef struct same_cand {
    uint64_t first;            /* raw hash of the phrase's first token */
    uint64_t key;              /* hash of type, length and every token */
    uint32_t idx;              /* annotation (the first of identical phrases) */
    uint32_t tstart;           /* earliest start of the identical phrases */
} same_cand;

static inline int key_before(const same_cand *a, const same_cand *b)
{
    return a->key != b->key ? a->key < b->key : a->idx < b->idx;
}
static inline int first_before(const same_cand *a, const same_cand *b)
{
    return a->first != b->first ? a->first < b->first : a->idx < b->idx;
}
SORT_DEFINE(cand_sort_key, same_cand, key_before)
SORT_DEFINE(cand_sort_first, same_cand, first_before)

static int same_phrase(const quarry_doc *doc, const annot *a, const annot *b)
{
    if (a->type != b->type || a->tend - a->tstart != b->tend - b->tstart) return 0;
    for (uint32_t j = 0; j < a->tend - a->tstart; j++)
        if (doc->toks.v[a->tstart + j].hraw != doc->toks.v[b->tstart + j].hraw) return 0;
    return 1;
}

static int link_same_text(const quarry_rules *r, quarry_doc *doc, unsigned char *covered)
{
    size_t n0 = doc->anns.n;
    int32_t place = r->eng_type[ENG_PLACE], org = r->eng_type[ENG_ORG];
    same_cand *cs = malloc((n0 + 1) * sizeof *cs);
    if (!cs) return -1;
    size_t nc = 0;
    for (size_t i = 0; i < n0; i++) {
        const annot *a = &doc->anns.v[i];
        if (a->rule >= r->rules.n) continue;   /* rule-made only */
        if ((int32_t)a->type != place && (int32_t)a->type != org) continue;
        if (a->tend <= a->tstart) continue;
        uint64_t key = hash_bytes(&a->type, sizeof a->type);
        for (uint32_t j = a->tstart; j < a->tend; j++) key = key * 31 + doc->toks.v[j].hraw;
        cs[nc++] = (same_cand){doc->toks.v[a->tstart].hraw, key, (uint32_t)i, a->tstart};
    }
    /* one entry per phrase: the first annotation, starting where the earliest copy starts */
    same_cand *tmp = arena_alloc(&doc->mem, (nc + 1) * sizeof *tmp);
    if (!tmp) { free(cs); return -1; }
    cand_sort_key(cs, nc, tmp);
    size_t kept = 0;
    for (size_t i = 0; i < nc;) {
        size_t j = i;
        while (j < nc && cs[j].key == cs[i].key) j++;
        size_t g0 = kept;
        for (size_t k = i; k < j; k++) {
            size_t m = g0;
            while (m < kept && !same_phrase(doc, &doc->anns.v[cs[m].idx], &doc->anns.v[cs[k].idx])) m++;
            if (m < kept) {
                if (cs[k].tstart < cs[m].tstart) cs[m].tstart = cs[k].tstart;
            } else {
                cs[kept++] = cs[k];
            }
        }
        i = j;
    }
    nc = kept;
    cand_sort_first(cs, nc, tmp);
    const token *tv = doc->toks.v;
    for (uint32_t k = 0, n = (uint32_t)doc->toks.n; k < n && nc; k++) {
        if (!(tv[k].flags & QUARRY_TF_CAP) || covered[k]) continue;
        uint64_t h = tv[k].hraw;
        size_t lo = 0, hi = nc;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (cs[mid].first < h) lo = mid + 1;
            else hi = mid;
        }
        for (size_t c = lo; c < nc && cs[c].first == h; c++) {
            const annot *a = &doc->anns.v[cs[c].idx];
            if (cs[c].tstart >= k) continue;
            uint32_t len = a->tend - a->tstart;
            if (k + len > doc->toks.n) continue;
            uint32_t j = 0;
            while (j < len && !covered[k + j] && doc->toks.v[k + j].hraw == doc->toks.v[a->tstart + j].hraw) j++;
            if (j < len) continue;
            if (doc_add_annot(doc, a->type, k, k + len, RULE_LINK_SAME, -1)) { free(cs); return -1; }
            for (j = 0; j < len; j++) covered[k + j] = 1;
            break;
        }
    }
    free(cs);
    return 0;
}

/* Is token k a list's joint between two names: a comma, "and", "or", "&"? */
static int list_joint(const quarry_doc *doc, uint32_t k)
{
    const token *t = &doc->toks.v[k];
    const char *s = doc->txt.src + t->start;
    size_t len = t->end - t->start;
    return (len == 1 && (s[0] == ',' || s[0] == '&')) || (len == 3 && !strncasecmp(s, "and", 3)) ||
           (len == 2 && !strncasecmp(s, "or", 2));
}

/* A place that the document's context shows to be an organisation is one throughout: a town
 * or county typed ORG by a rule that reads its context (a sports side: "Leicestershire beat
 * Somerset", "Kent 108-3", "Surrey captain Chris Lewis") makes its other one-word mentions that
 * only a look-up typed PLACE ("bowling Somerset out", the headline's "ESSEX") ORG too, before
 * and after it: one name, one sense per document; and a town listed next to such a side is
 * another ("title rivals Essex, Derbyshire and Surrey", "Gloucestershire or Sussex"). Not a
 * country (lexicon COUNTRY: a national side is a place in CoNLL-2003, and "England" names the
 * country in the same report), nor a place after another place and a comma ("Arlington,
 * Texas"), nor a dateline's ("LONDON 1996-08-31", "WIGAN, England"). Keys: the case-folded
 * hash of the token. */
static int link_place_orgs(const quarry_rules *r, quarry_doc *doc)
{
    int32_t place = r->eng_type[ENG_PLACE], org = r->eng_type[ENG_ORG];
    if (place < 0 || org < 0) return 0;
    u64map m = {0};
    size_t n0 = doc->anns.n;
    uint32_t n = (uint32_t)doc->toks.n;
    int rc = 0;
    for (size_t i = 0; i < n0 && !rc; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != org || a->tend != a->tstart + 1) continue;
        if (a->rule >= r->rules.n || r->rules.v[a->rule].lookup_only) continue;
        if (doc_lex_entry(doc, a->tstart, ENG_L_COUNTRY) >= 0) continue;
        rc = u64map_put(&m, doc->toks.v[a->tstart].hfold, 1);
    }
    if (rc || !m.n) { u64map_free(&m); return rc; }
    /* nothing to do unless a side's words are a one-word look-up place somewhere (the list
       passes need one too) */
    int any = 0;
    for (size_t i = 0; i < n0 && !any; i++) {
        const annot *a = &doc->anns.v[i];
        uint32_t v;
        any = (int32_t)a->type == place && a->tend == a->tstart + 1 && a->rule < r->rules.n &&
              r->rules.v[a->rule].lookup_only && u64map_get(&m, doc->toks.v[a->tstart].hfold, &v);
    }
    if (!any) { u64map_free(&m); return 0; }
    unsigned char *covered = calloc(n + 1, 1);
    uint32_t *weak = calloc(n + 1, sizeof *weak);
    if (!covered || !weak) { free(covered); free(weak); u64map_free(&m); return -1; }
    cover(r, doc, covered, weak);
    free(covered);
    /* kind[k]: 1 a PLACE covers token k, 2 a one-token side is k: an ORG of a context rule
       whose words the document also gives a look-up PLACE (not "NTL" in "customers in
       Bristol and NTL viewers") */
    unsigned char *kind = calloc(n + 1, 1);
    u64map placed = {0};
    if (!kind) { free(weak); u64map_free(&m); return -1; }
    for (uint32_t k = 0; k < n && !rc; k++)
        if (weak[k] && (int32_t)doc->anns.v[weak[k] - 1].type == place)
            rc = u64map_put(&placed, doc->toks.v[k].hfold, 1);
    for (size_t i = 0; i < n0; i++) {
        const annot *a = &doc->anns.v[i];
        uint32_t v;
        if ((int32_t)a->type == place)
            for (uint32_t k = a->tstart; k < a->tend && k < n; k++) kind[k] = 1;
        else if ((int32_t)a->type == org && a->tend == a->tstart + 1 && a->rule < r->rules.n &&
                 !r->rules.v[a->rule].lookup_only && u64map_get(&placed, doc->toks.v[a->tstart].hfold, &v))
            kind[a->tstart] = 2;
    }
    u64map_free(&placed);
    /* pass 0: the same words as a side; 1 and 2: listed after and before a side; 3: the same
       words as a side found by 1 or 2 */
    for (int pass = 0; pass < 4 && !rc; pass++) {
        for (uint32_t j = 0; j < n; j++) {
            uint32_t k = pass == 2 ? n - 1 - j : j, v;
            if (!weak[k] || kind[k] != 1) continue;
            annot *w = &doc->anns.v[weak[k] - 1];
            if ((int32_t)w->type != place) continue;
            if ((pass == 0 || pass == 3) && !u64map_get(&m, doc->toks.v[k].hfold, &v)) continue;
            if (pass == 1 && !(k >= 2 && list_joint(doc, k - 1) && kind[k - 2] == 2)) continue;
            if (pass == 2 && !(k + 2 < n && list_joint(doc, k + 1) && kind[k + 2] == 2)) continue;
            if (k >= 2 && doc_tok_is(doc, k - 1, ',') && kind[k - 2] == 1 &&
                !u64map_get(&m, doc->toks.v[k - 2].hfold, &v) &&
                !(k + 2 < n && list_joint(doc, k + 1) && (doc->toks.v[k + 2].flags & QUARRY_TF_CAP)))
                continue;   /* "Arlington, Texas", not "Dorset, Norfolk and Kent" */
            if ((doc->toks.v[k].flags & QUARRY_TF_PARA_START) && k + 1 < n &&
                (doc_tok_is(doc, k + 1, ',') || (doc->toks.v[k + 1].flags & QUARRY_TF_DIGIT)))
                continue;
            if (doc_lex_entry(doc, k, ENG_L_COUNTRY) >= 0) continue;
            w->type = (uint32_t)org;
            w->rule = RULE_LINK_SAME;
            kind[k] = 2;
            if (pass == 1 || pass == 2) rc = u64map_put(&m, doc->toks.v[k].hfold, 1);
        }
    }
    free(kind);
    free(weak);
    u64map_free(&m);
    return rc;
}

/* Organisations: a shorter mention takes the fullest name the document gives the same
 * organisation, as a person's surname does: "United" -> "Manchester United" (the last word of a
 * longer organisation, after a capitalised one), "IMF" -> "International Monetary Fund" (the initials of its
 * capitalised words). Not its first words: a longer name that starts with an organisation's is
 * most often another one, a part or a product of it ("BBC News", "AOL Instant Messenger",
 * "Manchester United Supporters' Association", "Financial Times Deutschland"). A mention that two
 * different longer organisations could stand for ("United": "Manchester United" and "Leeds
 * United") keeps its own words. Keys of the hash map: the raw hashes of a token sequence, salted
 * per kind; the value is the annotation of the full name, or UINT32_MAX when ambiguous. */
#define ORG_SALT_SUFFIX 0xc2b2ae3d27d4eb4full
#define ORG_SALT_ACRO   0x165667b19e3779f9ull

static int small_word(const token *t)
{
    return !(t->flags & QUARRY_TF_CAP) && !(t->flags & QUARRY_TF_DIGIT);
}

static uint64_t seq_hash(const quarry_doc *doc, uint32_t s, uint32_t e, uint64_t salt)
{
    uint64_t h = salt;
    for (uint32_t j = s; j < e; j++) h = h * 0x100000001b3ull ^ doc->toks.v[j].hraw;
    return h ? h : 1;
}

/* Does full name f hold the same words as g, or g's words at its start (one organisation
   named at two lengths: "Lockheed Martin", "Lockheed Martin Corp")? */
static int org_extends(const quarry_doc *doc, const annot *f, const annot *g)
{
    if (g->tend - g->tstart > f->tend - f->tstart) return 0;
    for (uint32_t j = 0; j < g->tend - g->tstart; j++)
        if (doc->toks.v[f->tstart + j].hraw != doc->toks.v[g->tstart + j].hraw) return 0;
    return 1;
}

static int org_key(const quarry_doc *doc, u64map *m, uint64_t key, uint32_t full)
{
    uint32_t had;
    if (!u64map_get(m, key, &had)) return u64map_put(m, key, full);
    if (had == UINT32_MAX || had == full) return 0;
    const annot *a = &doc->anns.v[had], *b = &doc->anns.v[full];
    if (org_extends(doc, b, a)) return u64map_put(m, key, full);   /* the longer of one name */
    if (org_extends(doc, a, b)) return 0;
    return u64map_put(m, key, UINT32_MAX);
}

/* The initials of a full name's capitalised words ("International Monetary Fund": IMF), as
   the hash of the acronym written in capitals; 0 when under two letters. */
static uint64_t acronym_hash(const quarry_doc *doc, const annot *f)
{
    char buf[16];
    size_t n = 0;
    for (uint32_t j = f->tstart; j < f->tend; j++) {
        const token *t = &doc->toks.v[j];
        if (small_word(t)) continue;
        unsigned char c = (unsigned char)doc->txt.src[t->start];
        if (!(c >= 'A' && c <= 'Z')) {
            if (c == '&') continue;
            return 0;
        }
        if (n == sizeof buf) return 0;
        buf[n++] = (char)c;
    }
    return n >= 2 ? token_hash_raw(buf, n) : 0;
}

int link_org_names(const quarry_rules *r, quarry_doc *doc)
{
    int32_t org = r->eng_type[ENG_ORG];
    if (org < 0) return 0;
    int rc = link_place_orgs(r, doc);   /* first the sides: no phase reads them either */
    if (rc) return rc;
    u64map m = {0};
    for (size_t i = 0; i < doc->anns.n && !rc; i++) {
        const annot *f = &doc->anns.v[i];
        if ((int32_t)f->type != org || f->tend - f->tstart < 2) continue;
        uint32_t k = f->tend - 1;   /* its last word ("Labour Party" stays itself after "Scottish
                                       Labour Party"), not a lower-case one */
        if (!small_word(&doc->toks.v[k]) && !small_word(&doc->toks.v[k - 1]))
            rc = org_key(doc, &m, seq_hash(doc, k, f->tend, ORG_SALT_SUFFIX), (uint32_t)i);
        uint64_t ac = acronym_hash(doc, f);
        if (!rc && ac) rc = org_key(doc, &m, ac ^ ORG_SALT_ACRO, (uint32_t)i);
    }
    for (size_t i = 0; i < doc->anns.n && !rc; i++) {
        annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != org || a->tend <= a->tstart) continue;
        uint32_t full = UINT32_MAX, f;
        if (u64map_get(&m, seq_hash(doc, a->tstart, a->tend, ORG_SALT_SUFFIX), &f)) full = f;
        const token *t = &doc->toks.v[a->tstart];
        if (full == UINT32_MAX && a->tend == a->tstart + 1 && (t->flags & QUARRY_TF_ALLCAPS) &&
            u64map_get(&m, token_hash_raw(doc->txt.src + t->start, t->end - t->start) ^ ORG_SALT_ACRO, &f))
            full = f;
        if (full == UINT32_MAX || full == i) continue;
        const annot *fa = &doc->anns.v[full];
        if (org_extends(doc, a, fa)) continue;          /* the same words: its own name */
        a->name = doc_span_text(doc, fa->tstart, fa->tend);
        if (!a->name) rc = -1;
    }
    u64map_free(&m);
    return rc;
}

int link_run(const quarry_rules *r, quarry_doc *doc)
{
    if (doc->anns.n == 0) return 0;
    unsigned char *covered = calloc(doc->toks.n + 1, 1);
    uint32_t *weak = calloc(doc->toks.n + 1, sizeof *weak);
    if (!covered || !weak) { free(covered); free(weak); return -1; }
    cover(r, doc, covered, weak);
    int32_t person = r->eng_type[ENG_PERSON];
    int rc = 0;
    if (person >= 0) rc = link_people(r, doc, person, covered, weak);
    if (!rc) rc = link_same_text(r, doc, covered);
    free(covered);
    free(weak);
    return rc;
}

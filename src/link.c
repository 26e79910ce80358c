/* Document-level linking: person mentions are clustered under the fullest name the
 * document gives ("Crocker", "Mr. Kazemi", "Maliki" -> "Ryan Crocker", "Hassan Kazemi Qomi",
 * "Nouri al-Maliki") and take the cluster's role; a name typed once keeps its type: later
 * bare mentions of a known surname become PERSON, later copies of a PLACE or ORG phrase
 * take its type. Runs after the rule phases, before records are built. */
#include <stdlib.h>
#include <string.h>

#include "doc.h"

typedef struct person {
    uint32_t canon;            /* annotation index of the fullest mention */
    const char *name, *role;
    uint64_t surname;          /* raw hash of the last name token */
    uint64_t alias;            /* raw hash of the surname without an "al-" style particle */
    uint64_t middle;           /* raw hash of a middle name of a three-part name, or 0 */
    int ambiguous;             /* another person shares the surname */
} person;

const char *annot_rule_name(const quarry_rules *r, const annot *a)
{
    if (a->rule == RULE_LINK_ALIAS) return "link.alias";
    if (a->rule == RULE_LINK_SAME) return "link.same-text";
    if (a->rule == RULE_QUOTE_PAIR) return "quote.pair";
    if (a->rule == RULE_QUOTE_CONT) return "quote.continuation";
    return r->rules.v[a->rule].name;
}

static int is_type(const quarry_rules *r, const annot *a, const char *t)
{
    return strcmp(r->types.v[a->type], t) == 0;
}

/* Name tokens of a mention without honorifics ("Mr.", "Dr.") at its start. */
static uint32_t name_start(const quarry_doc *doc, const annot *a)
{
    static const char *const hon[] = {"Mr.", "Mrs.", "Ms.", "Dr.", "Mr", "Mrs", "Ms", "Dr", "Prof.", NULL};
    uint32_t s = a->tstart;
    while (s + 1 < a->tend) {
        const token *t = &doc->toks.v[s];
        int found = 0;
        for (int i = 0; hon[i]; i++)
            if (t->end - t->start == strlen(hon[i]) && !memcmp(doc->txt.src + t->start, hon[i], t->end - t->start))
                found = 1;
        if (!found) break;
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

static int cmp_len(const void *x, const void *y)
{
    const mention *a = x, *b = y;
    if (a->len != b->len) return a->len > b->len ? -1 : 1;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return 0;
}

static int add_annot(quarry_doc *doc, uint32_t type, uint32_t s, uint32_t e, uint32_t rule,
                     int32_t entity)
{
    annot an;
    memset(&an, 0, sizeof an);
    an.type = type;
    an.tstart = s;
    an.tend = e;
    an.rule = rule;
    an.match = UINT32_MAX;
    an.entity = entity;
    return VEC_PUSH(&doc->anns, an);
}

/* Marks the tokens covered by entity annotations. */
static void cover(const quarry_rules *r, const quarry_doc *doc, unsigned char *covered)
{
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        const char *t = r->types.v[a->type];
        if (t[0] == '_' || !strcmp(t, "QUOTE") || !strcmp(t, "QSPAN")) continue;
        for (uint32_t k = a->tstart; k < a->tend; k++) covered[k] = 1;
    }
}

static int link_people(const quarry_rules *r, quarry_doc *doc, int32_t person_type,
                       unsigned char *covered)
{
    size_t nm = 0;
    mention *ms = malloc((doc->anns.n + 1) * sizeof *ms);
    if (!ms) return -1;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type) continue;
        ms[nm++] = (mention){a->tend - name_start(doc, a), a->tstart, (uint32_t)i};
    }
    qsort(ms, nm, sizeof *ms, cmp_len);
    VEC(person) ps = {0};
    for (size_t i = 0; i < nm; i++) {
        annot *a = &doc->anns.v[ms[i].idx];
        int32_t best = -1;
        uint32_t best_dist = UINT32_MAX;
        for (size_t p = 0; p < ps.n; p++) {
            const annot *c = &doc->anns.v[ps.v[p].canon];
            if (!contained(doc, a, c)) continue;
            /* two people may share a word: the nearest earlier full mention wins */
            uint32_t dist = c->tstart <= a->tstart ? a->tstart - c->tstart : UINT32_MAX - 1 - c->tstart;
            if (dist < best_dist) { best = (int32_t)p; best_dist = dist; }
        }
        if (best < 0) {
            const token *last = &doc->toks.v[a->tend - 1];
            uint32_t ns = name_start(doc, a);
            person np = {ms[i].idx, doc_span_text(doc, ns, a->tend), NULL,
                         last->hraw, particle_free(doc, last),
                         a->tend - ns == 3 ? doc->toks.v[ns + 1].hraw : 0, 0};
            for (size_t p = 0; p < ps.n; p++)
                if (ps.v[p].surname == np.surname) ps.v[p].ambiguous = np.ambiguous = 1;
            if (VEC_PUSH(&ps, np)) { free(ms); VEC_FREE(&ps); return -1; }
            best = (int32_t)(ps.n - 1);
        }
        a->entity = best;
    }
    /* the role: the canonical mention's, else the first mention's (document order) */
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type || a->entity < 0) continue;
        person *p = &ps.v[a->entity];
        for (uint32_t f = 0; f < a->nfeats; f++)
            if (!strcmp(r->keys.v[a->feats[f].key], "role") &&
                (!p->role || ps.v[a->entity].canon == i)) {
                const afeat *ft = &a->feats[f];
                p->role = ft->tstart < 0 ? ft->literal
                                         : doc_span_text(doc, (uint32_t)ft->tstart, (uint32_t)ft->tend);
            }
    }
    /* later bare surnames of known people */
    for (uint32_t k = 0; k < doc->toks.n; k++) {
        const token *t = &doc->toks.v[k];
        if (covered[k] || !(t->flags & QUARRY_TF_CAP)) continue;
        for (size_t p = 0; p < ps.n; p++) {
            if (ps.v[p].ambiguous || (t->hraw != ps.v[p].surname && t->hraw != ps.v[p].alias &&
                                      t->hraw != ps.v[p].middle))
                continue;
            if (doc->anns.v[ps.v[p].canon].tstart > k) continue;   /* typed before, not after */
            if (add_annot(doc, (uint32_t)person_type, k, k + 1, RULE_LINK_ALIAS, (int32_t)p)) {
                free(ms); VEC_FREE(&ps); return -1;
            }
            covered[k] = 1;
            break;
        }
    }
    for (size_t i = 0; i < doc->anns.n; i++) {
        annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person_type || a->entity < 0) continue;
        a->name = ps.v[a->entity].name;
        a->role = ps.v[a->entity].role;
    }
    free(ms);
    VEC_FREE(&ps);
    return 0;
}

/* A PLACE or ORG phrase keeps its type: its later exact copies are marked too. */
static int link_same_text(const quarry_rules *r, quarry_doc *doc, unsigned char *covered)
{
    size_t n0 = doc->anns.n;
    for (uint32_t k = 0; k < doc->toks.n; k++) {
        if (covered[k] || !(doc->toks.v[k].flags & QUARRY_TF_CAP)) continue;
        for (size_t i = 0; i < n0; i++) {
            const annot *a = &doc->anns.v[i];
            if (a->tstart >= k || a->rule >= r->rules.n) continue;   /* rule-made only */
            if (!is_type(r, a, "PLACE") && !is_type(r, a, "ORG")) continue;
            uint32_t len = a->tend - a->tstart;
            if (k + len > doc->toks.n) continue;
            uint32_t j = 0;
            while (j < len && !covered[k + j] && doc->toks.v[k + j].hraw == doc->toks.v[a->tstart + j].hraw) j++;
            if (j < len) continue;
            if (add_annot(doc, a->type, k, k + len, RULE_LINK_SAME, -1)) return -1;
            for (j = 0; j < len; j++) covered[k + j] = 1;
            break;
        }
    }
    return 0;
}

int link_run(const quarry_rules *r, quarry_doc *doc)
{
    if (doc->anns.n == 0) return 0;
    unsigned char *covered = calloc(doc->toks.n + 1, 1);
    if (!covered) return -1;
    cover(r, doc, covered);
    int32_t person = rules_type_id(r, "PERSON");
    int rc = 0;
    if (person >= 0) rc = link_people(r, doc, person, covered);
    if (!rc) rc = link_same_text(r, doc, covered);
    free(covered);
    return rc;
}

/* Speaker resolution: who each quote's speaker mention stands for. A mention covered by a
 * PERSON takes that person's canonical name and role (linking gave them); a name in
 * capitals takes the last person named with that surname; "he"/"she" take the nearest
 * earlier person whose gender agrees. Reads the QUOTE annotations' speaker features and the
 * linked PERSON annotations; writes doc->spk, one entry per annotation. */
#include <stdlib.h>
#include <string.h>

#include "doc.h"

/* PERSON annotations by token, so that finding a speaker's person costs no more than the
 * speaker's length (it was a scan of every annotation per quote: quadratic). at[k]: the
 * first PERSON (index order) over token k; before[t]: the PERSON ending at or before token
 * t that starts last (the first in index order among equals); -1 when none. */
typedef struct pers_idx { int32_t *at, *before; } pers_idx;

static int pers_better(const quarry_doc *doc, int32_t a, int32_t b)
{
    if (a < 0) return 0;
    if (b < 0) return 1;
    uint32_t ta = doc->anns.v[a].tstart, tb = doc->anns.v[b].tstart;
    return ta > tb || (ta == tb && a < b);
}

static int pers_index(const quarry_rules *r, quarry_doc *doc, pers_idx *x)
{
    size_t n = doc->toks.n;
    x->at = arena_alloc(&doc->mem, (n + 1) * sizeof *x->at);
    x->before = arena_alloc(&doc->mem, (n + 1) * sizeof *x->before);
    if (!x->at || !x->before) return -1;
    for (size_t k = 0; k <= n; k++) x->at[k] = x->before[k] = -1;
    int32_t person = r->eng_type[ENG_PERSON];
    if (person < 0) return 0;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person || a->tend > n) continue;
        for (uint32_t k = a->tstart; k < a->tend; k++)
            if (x->at[k] < 0) x->at[k] = (int32_t)i;
        if (pers_better(doc, (int32_t)i, x->before[a->tend])) x->before[a->tend] = (int32_t)i;
    }
    for (size_t t = 1; t <= n; t++)
        if (pers_better(doc, x->before[t - 1], x->before[t])) x->before[t] = x->before[t - 1];
    return 0;
}

/* The gender feature (m or f) of the entry of engine lexicon lex that is token k alone;
 * 0 when there is none or the entry has another ("fm": a name of both genders). */
static char lex_gender(const quarry_doc *doc, uint32_t k, eng_lex lex)
{
    int32_t e = doc_lex_entry(doc, k, lex);
    if (e < 0) return 0;
    const char *g = lexdb_entry_feature(doc->rules->lex, (uint32_t)e, "gender");
    return g && (!strcmp(g, "m") || !strcmp(g, "f")) ? g[0] : 0;
}

/* Grammatical gender of a person mention: 'm', 'f' or 0 when unknown. From an honorific
 * (HONORIFIC: Mr., Ms.) or from the first name's entry in the GIVEN lexicon; a title before
 * the name ("Sen. Susan Collins") is outside the PERSON span, so its first token is the
 * given name when there is one. */
static char mention_gender(const quarry_doc *doc, const annot *a)
{
    if (a->tstart >= doc->toks.n) return 0;
    if (doc_lex_entry(doc, a->tstart, ENG_L_HONORIFIC) >= 0)
        return lex_gender(doc, a->tstart, ENG_L_HONORIFIC);
    return lex_gender(doc, a->tstart, ENG_L_GIVEN);
}

/* The gender of each PERSON annotation, agreed over the mentions of its linked person
 * ("Susan Collins" ... "Collins": both f); people whose mentions disagree stay unknown. */
static char *person_genders(const quarry_rules *r, quarry_doc *doc)
{
    char *g = arena_alloc(&doc->mem, doc->anns.n + 1);
    if (!g) return NULL;
    memset(g, 0, doc->anns.n + 1);
    int32_t person = r->eng_type[ENG_PERSON];
    int32_t maxent = -1;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person) continue;
        g[i] = mention_gender(doc, a);
        if (a->entity > maxent) maxent = a->entity;
    }
    if (maxent < 0) return g;
    char *eg = arena_alloc(&doc->mem, (size_t)maxent + 1);   /* 0 unknown, 'x' conflicting */
    if (!eg) return NULL;
    memset(eg, 0, (size_t)maxent + 1);
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person || a->entity < 0 || !g[i]) continue;
        char *e = &eg[a->entity];
        *e = !*e || *e == g[i] ? g[i] : 'x';
    }
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person || a->entity < 0) continue;
        g[i] = eg[a->entity] == 'x' ? 0 : eg[a->entity];
    }
    return g;
}

/* How many earlier people a pronoun looks past for one of its gender: enough for a crowded
 * paragraph, small enough to keep records linear in the quotes. */
#define PRONOUN_REACH 32
/* How many earlier people a speaker in capitals looks past for its surname: a transcript
 * names many people between two turns of one speaker. */
#define CAPS_REACH 256

/* The person a speaker mention stands for: a PERSON annotation over it, or for "he"/"she"
 * the most recent PERSON mention before it whose gender agrees (unknown agrees with both).
 * "they" stands for a group, never for one person. NULL when there is none. */
static const annot *speaker_person(const quarry_doc *doc, const pers_idx *x, const char *gender,
                                   uint32_t s, uint32_t e, const char **how)
{
    int32_t hit = -1;
    *how = "mention";
    for (uint32_t k = s; k < e && k < doc->toks.n; k++)
        if (x->at[k] >= 0 && (hit < 0 || x->at[k] < hit)) hit = x->at[k];
    if (hit >= 0) return &doc->anns.v[hit];
    *how = "alias";
    if (s >= e || e > doc->toks.n) return NULL;
    /* a name in capitals ("PENCE", "JAKE TAPPER": the speaker labels of a transcript) stands
       for the last person named before it with the same last word, in any case; when there
       is none, "HE" and "SHE" are still pronouns */
    int caps = 1;
    for (uint32_t k = s; k < e; k++)
        if (!(doc->toks.v[k].flags & QUARRY_TF_ALLCAPS)) caps = 0;
    if (caps) {
        uint64_t last = doc->toks.v[e - 1].hfold;
        int32_t c = x->before[s];
        for (int n = 0; c >= 0 && n < CAPS_REACH; n++) {
            const annot *a = &doc->anns.v[c];
            if (a->tend > a->tstart && doc->toks.v[a->tend - 1].hfold == last) return a;
            c = x->before[a->tstart];
        }
    }
    /* only a personal pronoun stands for the last person named; "Iran says" does not */
    if (e != s + 1) return NULL;
    char want = lex_gender(doc, s, ENG_L_PRONOUN);   /* he, she; "they" is a group */
    if (!want) return NULL;
    *how = "pronoun";
    int32_t c = x->before[s];
    for (int n = 0; c >= 0 && n < PRONOUN_REACH; n++) {
        if (!gender || !gender[c] || gender[c] == want) return &doc->anns.v[c];
        c = x->before[doc->anns.v[c].tstart];   /* the person before this one */
    }
    return NULL;
}

int speakers_resolve(const quarry_rules *r, quarry_doc *doc)
{
    doc->spk = NULL;
    if (r->eng_type[ENG_QUOTE] < 0 || !doc->anns.n) return 0;
    pers_idx px;
    if (pers_index(r, doc, &px)) return -1;
    const char *gender = person_genders(r, doc);
    if (!gender) return -1;
    doc->spk = arena_zalloc(&doc->mem, doc->anns.n * sizeof *doc->spk);
    if (!doc->spk) return -1;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if (type_record_of(r->types.v[a->type]) != TYPE_QUOTE) continue;
        const afeat *sp = doc_feat(r, a, ENG_K_SPEAKER);
        if (!sp) continue;
        speaker *s = &doc->spk[i];
        s->has = 1;
        s->resolved = "none";
        if (sp->tstart >= 0) {
            uint32_t ms = (uint32_t)sp->tstart, me = (uint32_t)sp->tend;
            s->mention = doc_span(doc, ms, me);
            const char *text = doc_feat_text(doc, sp), *how;
            const annot *who = speaker_person(doc, &px, gender, ms, me, &how);
            if (who) {
                s->name = who->name ? who->name : doc_span_text(doc, who->tstart, who->tend);
                s->role = who->role;
                /* a mention shorter than the name it stands for ("Crocker") is an alias */
                s->resolved = !strcmp(how, "mention") && strcmp(s->name, text) ? "alias" : how;
            } else if (me == ms + 1 && doc_lex_entry(doc, ms, ENG_L_PRONOUN) >= 0) {
                s->name = NULL;   /* "he" with no antecedent, "they": no name */
            } else {
                s->name = text;   /* an organisation, a country, a group: its own words */
                s->resolved = "mention";
            }
        }
        const char *nm = doc_feat_text(doc, doc_feat(r, a, ENG_K_SPEAKER_NAME));
        if (nm) s->name = nm;
        const char *ro = doc_feat_text(doc, doc_feat(r, a, ENG_K_SPEAKER_ROLE));
        if (ro) s->role = ro;
    }
    return 0;
}

/* Speaker resolution: who each quote's speaker mention stands for, and how that was found
 * (speaker.resolved). Reads the QUOTE annotations' speaker features, the linked PERSON
 * annotations (names, roles), ORG and ROLE annotations, the quoted spans and sentences;
 * writes doc->spk, one entry per annotation.
 *   - a mention covered by a PERSON takes that person's canonical name and role (mention,
 *     or alias when it is shorter than the name);
 *   - a name in capitals takes the last person named with that surname (alias);
 *   - "he"/"she" take the salient person whose gender agrees (pronoun): walking back from
 *     the pronoun, the nearest sentence with such a person outside quotation marks, and in
 *     it the first one (the subject, "Ruiz urged voters to ... the Hale administration");
 *   - "the mayor", "the 36-year-old": the person whose role has that word, else the
 *     salient person (role); "the company", "it", "the report": the salient organisation;
 *   - a description followed by ", Name" takes the name (apposition);
 *   - an acronym or a short name of an organisation the article names in full takes the
 *     full name ("the IMF" -> "International Monetary Fund") (alias);
 *   - an unresolved "he", "they" has no name (none).
 * Every walk back is bounded (PRONOUN_REACH, CAPS_REACH, ORG_REACH), so resolution stays
 * linear in the quotes. The English words it needs are lexicons (engine.h). */
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sort.h"

/* Annotations of one type (PERSON, ORG) by token, so that finding a speaker's person costs
 * no more than the speaker's length (it was a scan of every annotation per quote:
 * quadratic). at[k]: the first one (index order) over token k; before[t]: the one ending at
 * or before token t that starts last (the first in index order among equals); -1 when
 * none. Walking before[] from a token visits them backwards, nearest first. */
typedef struct pers_idx { int32_t *at, *before; } pers_idx;

static int pers_better(const quarry_doc *doc, int32_t a, int32_t b)
{
    if (a < 0) return 0;
    if (b < 0) return 1;
    uint32_t ta = doc->anns.v[a].tstart, tb = doc->anns.v[b].tstart;
    return ta > tb || (ta == tb && a < b);
}

static int pers_index(int32_t person, quarry_doc *doc, pers_idx *x)
{
    size_t n = doc->toks.n;
    x->at = arena_alloc(&doc->mem, (n + 1) * sizeof *x->at);
    x->before = arena_alloc(&doc->mem, (n + 1) * sizeof *x->before);
    if (!x->at || !x->before) return -1;
    for (size_t k = 0; k <= n; k++) x->at[k] = x->before[k] = -1;
    if (person < 0) return 0;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person || a->tend > n) continue;
        for (uint32_t k = a->tstart; k < a->tend; k++)
            if (x->at[k] < 0) x->at[k] = (int32_t)i;
        if (pers_better(doc, (int32_t)i, x->before[a->tend])) x->before[a->tend] = (int32_t)i;
    }
    int32_t cur = x->before[0];   /* before[t - 1], kept as the walk goes on */
    for (size_t t = 1; t <= n; t++) {
        int32_t b = x->before[t];
        if (b < 0 ? cur >= 0 : pers_better(doc, cur, b)) x->before[t] = cur;
        else cur = b;
    }
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
 * (HONORIFIC: Mr., Ms.), a gendered noun before it (GENDERED: father, spokeswoman) or the
 * first name's entry in the GIVEN lexicon when the mention has more than one word; a title
 * before the name ("Sen. Susan Collins") is outside the PERSON span, so its first token is
 * the given name when there is one. */
static char mention_gender(const quarry_doc *doc, const annot *a)
{
    if (a->tstart >= doc->toks.n) return 0;
    if (doc_lex_entry(doc, a->tstart, ENG_L_HONORIFIC) >= 0)
        return lex_gender(doc, a->tstart, ENG_L_HONORIFIC);
    if (a->tstart >= 1 && doc_lex_entry(doc, a->tstart - 1, ENG_L_HONORIFIC) >= 0)
        return lex_gender(doc, a->tstart - 1, ENG_L_HONORIFIC);   /* "Ms" outside the span */
    /* a gendered noun just before the name, or before its comma: "her father Khalid",
       "his wife, Sheila", "spokeswoman Ann Berg" */
    uint32_t k = a->tstart;
    if (k >= 2 && doc_tok_is(doc, k - 1, ',')) k--;
    if (k >= 1) {
        char g = lex_gender(doc, k - 1, ENG_L_GENDERED);
        if (g) return g;
    }
    /* a given name only where one opens a name of several words: a bare "Arnold" is the
       surname of Andrea Arnold as often as a man's first name */
    return a->tend > a->tstart + 1 ? lex_gender(doc, a->tstart, ENG_L_GIVEN) : 0;
}

/* The gender of each PERSON annotation (g, one per annotation) and of each linked person
 * (*eg, one per entity), agreed over its mentions ("Susan Collins" ... "Collins": both f);
 * people whose mentions disagree stay unknown. */
static char *person_genders(const quarry_rules *r, quarry_doc *doc, char **eg, int32_t *nent)
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
    *nent = maxent + 1;
    char *e = *eg = arena_alloc(&doc->mem, (size_t)maxent + 2);   /* 0 unknown, 'x' conflicting */
    if (!e) return NULL;
    memset(e, 0, (size_t)maxent + 2);
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person || a->entity < 0 || !g[i]) continue;
        char *x = &e[a->entity];
        *x = !*x || *x == g[i] ? g[i] : 'x';
    }
    for (int32_t i = 0; i <= maxent; i++)
        if (e[i] == 'x') e[i] = 0;
    return g;
}

/* How many earlier people a pronoun looks past for one of its gender: enough for a crowded
 * paragraph, small enough to keep records linear in the quotes. */
#define PRONOUN_REACH 32
/* How many earlier people a speaker in capitals looks past for its surname: a transcript
 * names many people between two turns of one speaker. */
#define CAPS_REACH 256
/* How many organisations a short name or an acronym is compared with. */
#define ORG_REACH 256
/* How many speaker names a bare surname is compared with (see earlier_speaker). */
#define SPEAKER_NAMES 64
/* How many different acronyms a document has spelt out (see sctx.acro). */
#define ACRONYM_MAX 64

typedef struct sctx {
    const quarry_rules *r;
    quarry_doc *doc;
    pers_idx px, ox;          /* PERSON, ORG */
    char *gender;             /* per annotation: 'm', 'f', 0 */
    char *egender;            /* per linked person (annotation's entity): 'm', 'f', 0 */
    const char **erole;       /* per linked person: a role learnt from a description, or NULL */
    int32_t nent;
    unsigned char *inq;       /* per token: 1 inside a quoted span, 2 in a ROLE */
    uint32_t *sent;           /* per token: the first token of its sentence */
    uint32_t *para;           /* per token: its paragraph */
    int32_t *orgs;            /* ORG annotations in text order, norgs of them */
    size_t norgs;
    /* acronyms already looked up (their raw hash and full name): each is spelt out once
       per document, and at most ACRONYM_MAX of them, so the look-ups stay linear */
    uint64_t acro[ACRONYM_MAX];
    const char *acro_name[ACRONYM_MAX];
    size_t nacro;
    const char *names[SPEAKER_NAMES];   /* the names speakers got so far, in text order */
    size_t nnames;
    int32_t last;             /* the PERSON the last speaker resolved to, -1 none */
    uint32_t last_at;         /* the token of that speaker's mention */
    uint32_t prev_ms, prev_me; /* the last speaker mention resolved */
    const char *last_org;     /* the last organisation that spoke (its name), or NULL */
    uint32_t last_org_at;     /* the token of that speaker's mention */
    int org;                  /* describe(): the name it gave is an organisation's */
    u64map odesc;             /* org_descriptor(): name words -> the ORG annotation described */
    int odesc_done;           /* 1: odesc is built; 2: building it ran out of memory */
    const char *last_name;    /* the last speaker when no PERSON carries its name, or NULL */
    uint32_t last_name_at;    /* the token of that speaker's mention */
} sctx;

/* The role of PERSON annotation a: its own, else one a description gave its person ("the
 * outgoing European Commissioner said": Neil Kinnock). */
static const char *role_of(const sctx *c, const annot *a)
{
    if (a->role) return a->role;
    return a->entity >= 0 && a->entity < c->nent ? c->erole[a->entity] : NULL;
}

/* The gender of PERSON annotation a: its linked person's, else its own. */
static char gender_of(const sctx *c, int32_t a)
{
    int32_t e = c->doc->anns.v[a].entity;
    return e >= 0 && e < c->nent ? c->egender[e] : c->gender[a];
}

static int agrees(const sctx *c, int32_t a, char want)
{
    char g = want && c->gender ? gender_of(c, a) : 0;
    return !g || g == want;
}

/* A pronoun of gender want now stands for person a: a person of unknown gender takes it,
 * so a later "he" does not pick the woman an earlier "she" stood for. */
static void learn_gender(sctx *c, int32_t a, char want)
{
    if (!want || gender_of(c, a)) return;
    int32_t e = c->doc->anns.v[a].entity;
    if (e >= 0 && e < c->nent) c->egender[e] = want;
    else c->gender[a] = want;
}

static int possessive(const quarry_doc *doc, uint32_t k);

/* The salient annotation of index x before token s: walking back, the nearest sentence
 * holding one that agrees with want (0: any) outside quotation marks (when s is outside
 * them), and in that sentence the first such one. -1 when none within reach. */
/* A pronoun of gender want outside quotes in [a, b): the token, or UINT32_MAX. */
static uint32_t pronoun_in(const sctx *c, uint32_t a, uint32_t b, char want)
{
    for (uint32_t k = a; k < b; k++)
        if (!(c->inq[k] & 1) && doc_lex_entry(c->doc, k, ENG_L_PRONOUN) >= 0 &&
            lex_gender(c->doc, k, ENG_L_PRONOUN) == want)
            return k;
    return UINT32_MAX;
}

/* The salient annotation of index x before token s: walking back, the nearest sentence
 * holding one that agrees with want (0: any) outside quotation marks (when s is outside
 * them), and in that sentence the first such one. For a pronoun (want m or f), a sentence
 * whose first mention of that gender is itself such a pronoun ("So he is full of admiration
 * for Paolo Maldini") is about the one that pronoun stands for: the walk goes on before it.
 * -1 when none within reach. */
static int32_t salient(const sctx *c, const pers_idx *x, uint32_t s, char want)
{
    const quarry_doc *doc = c->doc;
    int32_t best = -1;
    for (int hop = 0; hop < PRONOUN_REACH; hop++) {   /* pronoun to pronoun, a few sentences */
        int32_t cur = x->before[s];
        uint32_t sent = UINT32_MAX;
        best = -1;
        /* "Speaking at a meeting hosted by Gordon Brown, he said": a pronoun after a comma
           opens its clause; the people of the phrase before it are not its subject */
        int opens = want && s > 0 && doc_tok_is(doc, s - 1, ',');
        for (int n = 0; cur >= 0 && n < PRONOUN_REACH; n++) {
            const annot *a = &doc->anns.v[cur];
            if (best >= 0 && c->sent[a->tstart] != sent) break;   /* past the chosen sentence */
            if (opens && c->sent[a->tstart] == c->sent[s]) {
                cur = x->before[a->tstart];
                continue;
            }
            /* "Kenteris' lawyer Gregory Ioannidis told": a person in a possessive is not the
               subject when another person of the sentence agrees */
            int poss = best >= 0 && a->tend < doc->toks.n && possessive(doc, a->tend);
            if (!poss && agrees(c, cur, want) && !((c->inq[a->tstart] & 1) && !(c->inq[s] & 1))) {
                best = cur;
                sent = c->sent[a->tstart];
            }
            cur = x->before[a->tstart];
        }
        if (best < 0 || !want || sent >= s) break;
        uint32_t p = pronoun_in(c, sent, doc->anns.v[best].tstart, want);
        if (p == UINT32_MAX || p >= s) break;
        s = p;
    }
    return best;
}

/* Does the entry e of an engine lexicon have feature key (any value but 0)? */
static int entry_has(const quarry_doc *doc, int32_t e, const char *key)
{
    const char *v = lexdb_entry_feature(doc->rules->lex, (uint32_t)e, key);
    return v && strcmp(v, "0");
}

/* Are the tokens [a, b) lower-case words, none of them a small word of a phrase (TITLESMALL:
 * of, by, for)? A description that holds one ("a survey published by the ferry company",
 * "the Committee to Protect Journalists") is no simple noun phrase. */
static int plain_words(const quarry_doc *doc, uint32_t a, uint32_t b)
{
    for (uint32_t j = a; j < b; j++) {
        const token *t = &doc->toks.v[j];
        if (t->kind != TK_WORD && t->kind != TK_NUM) {
            if (t->kind == TK_DASH || doc_tok_is(doc, j, '-')) continue;
            return 0;
        }
        if ((t->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) && t->kind == TK_WORD) return 0;
        if (doc_lex_entry(doc, j, ENG_L_TITLESMALL) >= 0) return 0;
    }
    return 1;
}

/* Are the tokens [a, b) lower-case words that name a work by its author: a small word
 * with the feature author (by, from) among them ("A survey conducted by", "research from
 * technology analysts", "a round-up of gizmos compiled by")? */
static int authored(const quarry_doc *doc, uint32_t a, uint32_t b)
{
    int by = 0;
    for (uint32_t j = a; j < b; j++) {
        const token *t = &doc->toks.v[j];
        if (t->kind != TK_WORD && t->kind != TK_NUM && t->kind != TK_DASH && !doc_tok_is(doc, j, '-'))
            return 0;
        if ((t->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) && t->kind == TK_WORD) return 0;
        int32_t e = doc_lex_entry(doc, j, ENG_L_TITLESMALL);
        if (e >= 0 && entry_has(doc, e, "author")) by = 1;
    }
    return by;
}

/* Does the name nm hold the word of token t ("Island Council" for "the council")? */
static int name_holds(const char *nm, const token *t)
{
    for (const char *p = nm; *p;) {
        while (*p == ' ') p++;
        const char *q = p;
        while (*q && *q != ' ') q++;
        if (q > p && token_hash_fold(p, (size_t)(q - p)) == t->hfold) return 1;
        p = q;
    }
    return 0;
}

/* Does a TITLE entry ("mayor", "prime minister") end the tokens [a, b)? */
static int ends_title(const quarry_doc *doc, uint32_t a, uint32_t b)
{
    int32_t id = doc->rules->eng_lex[ENG_L_TITLE];
    if (id < 0 || !doc->hits) return 0;
    for (uint32_t j = a; j < b; j++)
        for (uint32_t h = doc->hit_first[j]; h < doc->hit_first[j + 1]; h++)
            if ((int32_t)doc->hits[h].lex == id && j + doc->hits[h].len == b) return 1;
    return 0;
}

/* Does the role of person a hold the word of token k ("Mayor" for "the mayor")? */
static int role_has(const quarry_doc *doc, const annot *a, uint32_t k)
{
    return a->role && name_holds(a->role, &doc->toks.v[k]);
}

/* Do the capitals of the words [a, b) spell the acronym w of wn bytes? A word in capitals
 * gives itself ("UK" in UK Independence Party: UKIP), a capitalised one its first letter;
 * small words (TITLESMALL: of, for) give nothing. */
static int spells(const quarry_doc *doc, uint32_t a, uint32_t b, const char *w, size_t wn)
{
    size_t m = 0;
    for (uint32_t j = a; j < b; j++) {
        const token *u = &doc->toks.v[j];
        if (!(u->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS))) {
            if (doc_lex_entry(doc, j, ENG_L_TITLESMALL) < 0) return 0;
            continue;
        }
        size_t un = (u->flags & QUARRY_TF_ALLCAPS) ? u->end - u->start : 1;
        if (m + un > wn || memcmp(w + m, doc->txt.src + u->start, un)) return 0;
        m += un;
    }
    return m == wn;
}

/* How many tokens back an acronym looks for its words spelt out. */
#define ACRONYM_REACH 4000

/* The fullest name the article gives an organisation mentioned by the one token k: for an
 * acronym, the capitalised words before it that spell it ("ONS": Office for National
 * Statistics), else an ORG of several words that holds it ("Rover": MG Rover). NULL when
 * there is none. */
static const char *org_full_name(sctx *c, uint32_t k)
{
    quarry_doc *doc = c->doc;
    const token *t = &doc->toks.v[k];
    const char *w = doc->txt.src + t->start;
    size_t wn = t->end - t->start;
    if ((t->flags & QUARRY_TF_ALLCAPS) && wn >= 2 && wn <= 8) {
        for (size_t i = 0; i < c->nacro; i++)
            if (c->acro[i] == t->hraw) return c->acro_name[i];
        if (c->nacro == ACRONYM_MAX) return NULL;
        c->acro[c->nacro] = t->hraw;
        c->acro_name[c->nacro++] = NULL;
        /* a run of capitalised words (small words inside) ending before k whose capitals
           spell it: tried at each capitalised word that could open it, nearest first */
        uint32_t lo = k > ACRONYM_REACH ? k - ACRONYM_REACH : 0;
        for (uint32_t e = k; e > lo; e--) {
            const token *u = &doc->toks.v[e - 1];
            if (!(u->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) || u->kind != TK_WORD) continue;
            for (uint32_t b = e - 1, words = 0; words < wn + 3; b--, words++) {
                if ((doc->toks.v[b].flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) &&
                    b + 1 < e && spells(doc, b, e, w, wn))
                    return c->acro_name[c->nacro - 1] = doc_span_text(doc, b, e);
                if (b == lo || doc->toks.v[b].kind != TK_WORD) break;
            }
        }
        return NULL;
    }
    for (size_t i = 0, n = 0; i < c->norgs && n < ORG_REACH; i++, n++) {
        const annot *a = &doc->anns.v[c->orgs[i]];
        if (a->tend < a->tstart + 2 || (a->tstart <= k && k < a->tend)) continue;
        for (uint32_t j = a->tstart; j < a->tend; j++)
            if (doc->toks.v[j].hraw == t->hraw) return doc_span_text(doc, a->tstart, a->tend);
    }
    return NULL;
}

/* Is token k a capitalised word that is a name: capitalised inside a sentence, here or
 * in the ACRONYM_REACH tokens before ("Yukos"; not a sentence's "Lawyers")? */
static int proper_word(const quarry_doc *doc, uint32_t k)
{
    const token *t = &doc->toks.v[k];
    if (t->kind != TK_WORD || !(t->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS))) return 0;
    if (!(t->flags & QUARRY_TF_SENT_START)) return 1;
    uint32_t lo = k > ACRONYM_REACH ? k - ACRONYM_REACH : 0;
    for (uint32_t j = k; j-- > lo;) {
        const token *u = &doc->toks.v[j];
        if (u->hraw == t->hraw && !(u->flags & QUARRY_TF_SENT_START)) return 1;
    }
    return 0;
}

/* Is the mention [ms, me) a description of a person by a noun, with a determiner ("a
 * spokesman", "the Labour spokesman", "A spokeswoman for the ministry"): the last word before
 * any small word a lower-case TITLE or ROLENOUN entry? */
static int unnamed_person(const quarry_doc *doc, uint32_t ms, uint32_t me)
{
    if (me < ms + 2 || doc_lex_entry(doc, ms, ENG_L_DETERMINER) < 0) return 0;
    uint32_t h = ms + 1;
    while (h < me && doc->toks.v[h].kind == TK_WORD && doc_lex_entry(doc, h, ENG_L_TITLESMALL) < 0) h++;
    if (h < me && (doc->toks.v[h].kind != TK_WORD || h == ms + 1)) return 0;   /* "a spokesman, who" */
    const token *t = &doc->toks.v[h - 1];
    return h > ms + 1 && !(t->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) &&
           (doc_lex_entry(doc, h - 1, ENG_L_TITLE) >= 0 || doc_lex_entry(doc, h - 1, ENG_L_ROLENOUN) >= 0);
}

/* Is token k the possessive 's (or ’s) after a name? */
static int possessive(const quarry_doc *doc, uint32_t k)
{
    const token *t = &doc->toks.v[k];
    const char *w = doc->txt.src + t->start;
    size_t n = t->end - t->start;
    if ((n == 2 && !memcmp(w, "'s", 2)) || (n == 4 && !memcmp(w, "\xE2\x80\x99s", 4))) return 1;
    /* "Kenteris' lawyer": an apostrophe alone, right after a word ending in s */
    if (k == 0 || !((n == 1 && w[0] == '\'') || (n == 3 && !memcmp(w, "\xE2\x80\x99", 3)))) return 0;
    const token *p = &doc->toks.v[k - 1];
    return p->end == t->start && p->kind == TK_WORD && p->end > p->start &&
           (doc->txt.src[p->end - 1] == 's' || doc->txt.src[p->end - 1] == 'S');
}

/* Is [ms, me) a determiner and capitalised words ("The Island Courier", "The Guardian")? */
static int capitalised_name(const quarry_doc *doc, uint32_t ms, uint32_t me)
{
    if (me < ms + 2 || doc_lex_entry(doc, ms, ENG_L_DETERMINER) < 0) return 0;
    for (uint32_t k = ms + 1; k < me; k++)
        if (doc->toks.v[k].kind != TK_WORD || !(doc->toks.v[k].flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)))
            return 0;
    return 1;
}

/* A person or organisation for a mention that names none itself. Sets s->name, role and
 * resolved; 0 when nothing was found. */
/* Gives sp the name (and, for a person, the role) of annotation a, found by how/why. */
static void take(const sctx *c, speaker *sp, int32_t a, const char *how, const char *why)
{
    const annot *x = &c->doc->anns.v[a];
    sp->name = x->name ? x->name : doc_span_text(c->doc, x->tstart, x->tend);
    if ((int32_t)x->type == c->r->eng_type[ENG_PERSON]) sp->role = role_of(c, x);
    sp->resolved = how;
    sp->why = why;
    sp->ant = a;
}

static int describe(sctx *c, speaker *sp, uint32_t ms, uint32_t me)
{
    quarry_doc *doc = c->doc;
    uint32_t n = (uint32_t)doc->toks.n, head = me - 1;
    /* "John Connors, Microsoft's chief financial officer said": the description is the role
       linking took in apposition after the name before the comma: that person */
    if (ms >= 2 && doc_tok_is(doc, ms - 1, ',') && c->px.at[ms - 2] >= 0 &&
        doc->anns.v[c->px.at[ms - 2]].tend == ms - 1) {
        const annot *pa = &doc->anns.v[c->px.at[ms - 2]];
        const char *ro = role_of(c, pa);
        uint32_t rs = doc_lex_entry(doc, ms, ENG_L_DETERMINER) >= 0 ? ms + 1 : ms;
        if (ro && rs < me && !strcmp(ro, doc_span_text(doc, rs, me))) {
            take(c, sp, c->px.at[ms - 2], "apposition", "the name before the description and a comma");
            return 1;
        }
    }
    /* "the farm's owner, Karim Haddad", "the committee chairman, MP Edward Leigh": the name
       in apposition after the description (a role before it) */
    uint32_t ap = me + 1;
    while (ap < n && (c->inq[ap] & 2) && ap < me + 6) ap++;
    if (me + 1 < n && doc_tok_is(doc, me, ',') && ap < n && c->px.at[ap] >= 0 &&
        doc->anns.v[c->px.at[ap]].tstart == ap) {
        take(c, sp, c->px.at[ap], "apposition", "the name after the description and a comma");
        /* the description is the role it speaks in ("the committee chairman, MP Edward
           Leigh": committee chairman), when it ends in a title or a noun for a person */
        uint32_t rs = doc_lex_entry(doc, ms, ENG_L_DETERMINER) >= 0 ? ms + 1 : ms;
        if (rs < me && plain_words(doc, rs, me) &&
            (ends_title(doc, rs, me) || doc_lex_entry(doc, head, ENG_L_ROLENOUN) >= 0))
            sp->role = doc_span_text(doc, rs, me);
        return 1;
    }
    /* "said his wife, Sheila.", "Mr Begg's father, Azmat, said": one capitalised word after
       a gendered noun (GENDERED: a relative, a spokeswoman), the description its role; after
       a person's possessive it takes that person's surname */
    if (me + 1 < n && doc_tok_is(doc, me, ',') && ap + 1 < n && doc->toks.v[ap].kind == TK_WORD &&
        (doc->toks.v[ap].flags & QUARRY_TF_CAP) && doc->toks.v[ap + 1].kind == TK_PUNCT &&
        lex_gender(doc, head, ENG_L_GENDERED)) {
        sp->name = doc_span_text(doc, ap, ap + 1);
        sp->role = doc_span_text(doc, doc_lex_entry(doc, ms, ENG_L_DETERMINER) >= 0 ? ms + 1 : ms, me);
        sp->resolved = "apposition";
        sp->why = "the name after the description and a comma";
        for (uint32_t k = ms; k + 1 < head; k++) {
            int32_t p = c->px.at[k];
            if (p >= 0 && doc->anns.v[p].tend == k + 1 && possessive(doc, k + 1)) {
                const annot *pa = &doc->anns.v[p];
                const char *full = pa->name ? pa->name : doc_span_text(doc, pa->tstart, pa->tend);
                const char *sur = strrchr(full, ' ');
                if (sur) {
                    size_t a = strlen(sp->name), b = strlen(sur);
                    char *nm = arena_alloc(&doc->mem, a + b + 1);
                    if (nm) {
                        memcpy(nm, sp->name, a);
                        memcpy(nm + a, sur, b + 1);
                        sp->name = nm;
                        sp->why = "the name after a relative of a person named: with their surname";
                    }
                }
                break;
            }
        }
        return 1;
    }
    int32_t de = doc_lex_entry(doc, ms, ENG_L_DETERMINER);
    int det = de >= 0, definite = det && entry_has(doc, de, "definite");
    const token *ht = &doc->toks.v[head];
    int32_t on = doc_lex_entry(doc, head, ENG_L_ORGNOUN);
    /* "it", "the company", "The report": the salient organisation; "the council" only one
       whose name holds the word */
    /* (a nationality may stand among the words: "The US company", "the German carmaker") */
    /* (or a place's possessive stand for the determiner: "Europe's biggest drugmaker") */
    int place_poss = me > ms + 2 && possessive(doc, ms + 1) && doc->toks.v[ms].kind == TK_WORD &&
                     (doc->toks.v[ms].flags & QUARRY_TF_CAP) && c->px.at[ms] < 0 && c->ox.at[ms] < 0;
    uint32_t pw = place_poss ? ms + 2 : ms + 1;
    while (pw < head && doc_lex_entry(doc, pw, ENG_L_DEMONYM) >= 0) pw++;
    if (on >= 0 && (det || place_poss || me == ms + 1) && plain_words(doc, pw, head)) {
        int named = entry_has(doc, on, "named");
        int32_t o = -1;
        if (named) {
            int32_t cur = c->ox.before[ms];
            for (int n = 0; cur >= 0 && n < PRONOUN_REACH && o < 0; n++) {
                const annot *a = &doc->anns.v[cur];
                for (uint32_t j = a->tstart; j < a->tend; j++)
                    if (doc->toks.v[j].hfold == ht->hfold) o = cur;
                cur = c->ox.before[a->tstart];
            }
        } else {
            o = salient(c, &c->ox, ms, 0);
            if (o >= 0 && c->para[ms] - c->para[doc->anns.v[o].tstart] > 2) o = -1;   /* too far */
        }
        /* the organisation that spoke last ("Yukos said ... The company said"), when it is
           nearer than that one, or there is none, in this paragraph or the two before */
        int work = entry_has(doc, on, "work");
        if (c->last_org && c->para[ms] - c->para[c->last_org_at] <= 2 &&
            (o < 0 || c->sent[c->last_org_at] > c->sent[doc->anns.v[o].tstart]) &&
            (!named || work || name_holds(c->last_org, ht))) {
            sp->name = c->last_org;
            sp->resolved = "role";
            sp->why = "the last organisation that spoke, nearer than any named organisation";
            c->org = 1;
            return 1;
        }
        /* a work or a board of no organisation that spoke: the salient one of this
           paragraph or the one before ("Shares in Velmar fell. The board said") */
        if (o < 0 && work) {
            o = salient(c, &c->ox, ms, 0);
            if (o >= 0 && c->para[ms] - c->para[doc->anns.v[o].tstart] > 1) o = -1;
            named = 0;
        }
        if (o < 0) return 0;
        const annot *a = &doc->anns.v[o];
        take(c, sp, o, "role", named ? "the nearest organisation whose name holds the word"
                                     : "the salient organisation: the first of the nearest "
                                       "sentence with one, outside quotes");
        const char *full = a->tend == a->tstart + 1 ? org_full_name(c, a->tstart) : NULL;
        if (full) sp->name = full;
        c->org = 1;
        return 1;
    }
    /* "a British Retail Consortium survey", "the FT report", "an FA statement": an
       organisation, or its acronym, before the noun */
    if (on >= 0 && det && head > ms + 1 && (ht->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) == 0) {
        uint32_t b = head;
        while (b > ms + 1 && (doc->toks.v[b - 1].flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) &&
               doc->toks.v[b - 1].kind == TK_WORD)
            b--;
        if (b == ms + 1 && b < head) {
            const char *full = head == b + 1 ? org_full_name(c, b) : NULL;
            int32_t o = c->ox.at[b];
            if (full || (o >= 0 && doc->anns.v[o].tstart == b && doc->anns.v[o].tend == head)) {
                sp->name = full ? full : doc_span_text(doc, b, head);
                sp->resolved = full ? "alias" : "mention";
                sp->why = "the organisation named before the noun";
                c->org = 1;
                return 1;
            }
        }
    }
    /* "the mayor", "The former Labour leader", "The prime minister on Sunday": the words up
       to a small word (on, of) end with a title */
    uint32_t te = ms + 1;
    while (te < me && doc->toks.v[te].kind == TK_WORD && doc_lex_entry(doc, te, ENG_L_TITLESMALL) < 0)
        te++;
    /* "the 36-year-old", "the American", "the veteran striker": a person described by age,
       nationality or a noun for a person, as by a title */
    const token *lt = &doc->toks.v[me - 1];
    int epithet = 0;   /* 1: age or nationality; 2: a noun for a person */
    if (definite && me > ms + 1 && plain_words(doc, ms + 1, me - 1)) {
        if ((lt->kind == TK_NUM && (lt->flags & QUARRY_TF_ALPHA)) ||
            ((lt->flags & QUARRY_TF_CAP) && doc_lex_entry(doc, me - 1, ENG_L_DEMONYM) >= 0))
            epithet = 1;
        else if (!(lt->flags & QUARRY_TF_CAP) && doc_lex_entry(doc, me - 1, ENG_L_ROLENOUN) >= 0)
            epithet = 2;
    }
    if (epithet) te = me;
    if (definite && te > ms + 1 && (epithet || ends_title(doc, ms + 1, te))) {
        /* the person named earlier with that role, else the salient person in this
           paragraph or the one before (a story's "the chancellor" is the one it is about) */
        uint32_t th = te - 1;
        int32_t cur = c->px.before[ms];
        for (int k = 0; cur >= 0 && k < PRONOUN_REACH; k++) {
            const annot *a = &doc->anns.v[cur];
            if (role_has(doc, a, th)) {
                take(c, sp, cur, "role", "the nearest person whose role holds the title");
                return 1;
            }
            cur = c->px.before[a->tstart];
        }
        /* "the coach" may be anyone: only the one whose role says so; "the 36-year-old",
           "the American" is the person the story is about */
        if (epithet == 2) return 0;
        int32_t p = salient(c, &c->px, ms, lex_gender(doc, th, ENG_L_GENDERED));
        if (p < 0 || c->para[ms] - c->para[doc->anns.v[p].tstart] > 1) return 0;   /* too far */
        /* "Mara Olsen touched on the budget, and the harbour pilot argued": a description in
           the sentence of the person named is someone else */
        if (epithet && c->sent[doc->anns.v[p].tstart] == c->sent[ms]) return 0;
        take(c, sp, p, "role", "nobody named holds the title: the salient person of this "
                               "paragraph or the one before");
        /* the title is that person's role from now on, when they had none */
        const annot *pa = &doc->anns.v[p];
        if (!sp->role && !epithet) {
            sp->role = doc_span_text(doc, ms + 1, te);
            if (pa->entity >= 0 && pa->entity < c->nent) c->erole[pa->entity] = sp->role;
        }
        return 1;
    }
    /* a description before a name: "investment bank Merrill Lynch", "awards pundit Tom
       O'Neil", "France's Snecma": the capitalised words at its end, not a role */
    uint32_t t = me;
    while (t > ms && (doc->toks.v[t - 1].flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) &&
           doc->toks.v[t - 1].kind == TK_WORD && !(c->inq[t - 1] & 2))
        t--;
    /* (a sentence's first word has a capital of its own: "Ferry operator Nordvik said",
       when a noun for an organisation or a person ends the description) */
    uint32_t d0 = det || ((doc->toks.v[ms].flags & QUARRY_TF_SENT_START) && t > ms + 1 &&
                          (doc_lex_entry(doc, t - 1, ENG_L_ORGNOUN) >= 0 ||
                           doc_lex_entry(doc, t - 1, ENG_L_ROLENOUN) >= 0)) ? ms + 1 : ms;
    if (t > ms && t < me && (plain_words(doc, d0, t) || authored(doc, d0, t))) {
        const char *full = me == t + 1 ? org_full_name(c, t) : NULL;
        c->org = full || c->ox.at[me - 1] >= 0 || authored(doc, d0, t) ||
                 doc_lex_entry(doc, t - 1, ENG_L_ORGNOUN) >= 0;   /* "ferry operator Nordvik" */
        sp->name = full ? full : doc_span_text(doc, t, me);
        sp->resolved = full ? "alias" : "mention";
        sp->why = full ? "the capitalised words after the description, an organisation named in full earlier"
                       : "the capitalised words after the description";
        /* the description is its role when it ends in a noun for an organisation or a
           person ("investment bank Merrill Lynch", "awards pundit Tom O'Neil") */
        int cue = 0;
        for (uint32_t j = d0; j < t; j++)
            if (doc_lex_entry(doc, j, ENG_L_CUE) >= 0) cue = 1;
        if (!cue && plain_words(doc, d0, t) && (doc_lex_entry(doc, t - 1, ENG_L_ORGNOUN) >= 0 ||
                                        doc_lex_entry(doc, t - 1, ENG_L_ROLENOUN) >= 0 ||
                                        ends_title(doc, d0, t)))
            sp->role = doc_span_text(doc, det ? ms + 1 : ms, t);
        return 1;
    }
    /* "Yahoo's Yonca Brunini", "France's Snecma": the capitalised words after a possessive
       of capitalised words */
    for (uint32_t p = ms + 1; p + 1 < me; p++) {
        if (!possessive(doc, p)) continue;
        int caps = 1;
        for (uint32_t k = ms; k < me && caps; k++)
            if (k != p && (doc->toks.v[k].kind != TK_WORD ||
                           !(doc->toks.v[k].flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS))))
                caps = 0;
        if (!caps) break;
        const char *full = me == p + 2 ? org_full_name(c, p + 1) : NULL;
        sp->name = full ? full : doc_span_text(doc, p + 1, me);
        sp->resolved = full ? "alias" : "mention";
        sp->why = "the capitalised words after a possessive";
        c->org = full || c->ox.at[me - 1] >= 0;
        return 1;
    }
    /* an acronym or a short name ("the IMF", "Rover") of an organisation named in full */
    uint32_t k = det ? ms + 1 : ms;
    if (me == k + 1 && (ht->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS))) {
        const char *full = org_full_name(c, k);
        if (full) {
            sp->name = full;
            c->org = 1;
            sp->resolved = "alias";
            sp->why = (ht->flags & QUARRY_TF_ALLCAPS) ? "an acronym: the capitalised words before it spell it"
                                                       : "a short name of an organisation named in full";
            return 1;
        }
    }
    return 0;
}

/* The hash of a name's words (token_hash_fold of each word between spaces), 0 for none. */
static uint64_t words_key(const char *nm)
{
    uint64_t k = 0;
    for (const char *p = nm; *p;) {
        while (*p == ' ') p++;
        const char *q = p;
        while (*q && *q != ' ') q++;
        if (q > p) k = (k ^ token_hash_fold(p, (size_t)(q - p))) * 0x100000001b3ULL + 1;
        p = q;
    }
    return k;
}

/* The description ORG annotation o is given before it: lower-case words (nationalities
 * among them, and the capitalised first word of a sentence) ending in a noun for an
 * organisation or a person, after a determiner, a small word, a punctuation mark or a
 * sentence's start ("technology analysts Gartner", "the Dutch firm Heineken", "US oil giant
 * Exxon", "Ferry operator Nordvik said"; not the verb of "will meet car giant"); one word
 * alone only a noun for an organisation that is no work ("the firm", not "a statement", nor
 * the adjectives among the nouns for a person: "official"). NULL when none. */
static const char *descriptor_of(const sctx *c, const annot *o)
{
    const quarry_doc *doc = c->doc;
    uint32_t t = o->tstart;
    if (t == 0 || !(doc->toks.v[t - 1].flags & QUARRY_TF_LOWER) ||
        (doc_lex_entry(doc, t - 1, ENG_L_ORGNOUN) < 0 && doc_lex_entry(doc, t - 1, ENG_L_ROLENOUN) < 0))
        return NULL;
    uint32_t b = t - 1;
    while (b > 0 && t - b < 5 && doc->toks.v[b - 1].kind == TK_WORD &&
           doc_lex_entry(doc, b - 1, ENG_L_TITLESMALL) < 0 &&
           doc_lex_entry(doc, b - 1, ENG_L_DETERMINER) < 0 && !c->inq[b - 1] &&
           ((doc->toks.v[b - 1].flags & QUARRY_TF_LOWER) || doc_lex_entry(doc, b - 1, ENG_L_DEMONYM) >= 0 ||
            (doc->toks.v[b - 1].flags & (QUARRY_TF_SENT_START | QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) ==
                (QUARRY_TF_SENT_START | QUARRY_TF_CAP)) &&
           !(doc->toks.v[b].flags & QUARRY_TF_SENT_START))
        b--;
    for (; b < t; b++)
        if ((doc->toks.v[b].flags & QUARRY_TF_SENT_START) || b == 0 || doc->toks.v[b - 1].kind != TK_WORD ||
            doc_lex_entry(doc, b - 1, ENG_L_TITLESMALL) >= 0 || doc_lex_entry(doc, b - 1, ENG_L_DETERMINER) >= 0)
            break;
    int32_t on = doc_lex_entry(doc, t - 1, ENG_L_ORGNOUN);
    if (b == t || (b == t - 1 && (on < 0 || entry_has(doc, on, "work")))) return NULL;
    for (uint32_t j = b; j < t; j++)
        if (doc_lex_entry(doc, j, ENG_L_CUE) >= 0) return NULL;
    return doc_span_text((quarry_doc *)doc, b, t);
}

/* The description an organisation named nm is given before one of its ORG mentions that
 * starts before token s (descriptor_of). The descriptions are found once per document, in
 * one pass over the organisations, and kept by the words of the name. NULL when none. */
static const char *org_descriptor(sctx *c, const char *nm, uint32_t s)
{
    const quarry_doc *doc = c->doc;
    if (!c->odesc_done) {
        c->odesc_done = 1;
        for (size_t i = 0; i < c->norgs; i++) {
            const annot *o = &doc->anns.v[c->orgs[i]];
            const char *d = descriptor_of(c, o);
            uint32_t v;
            if (!d) continue;
            uint64_t k = words_key(doc_span_text((quarry_doc *)doc, o->tstart, o->tend));
            if (!u64map_get(&c->odesc, k, &v) && u64map_put(&c->odesc, k, (uint32_t)c->orgs[i])) {
                c->odesc_done = 2;   /* out of memory: speakers_resolve fails */
                break;
            }
        }
    }
    uint32_t v;
    if (!u64map_get(&c->odesc, words_key(nm), &v)) return NULL;
    const annot *o = &doc->anns.v[v];
    return o->tstart < s ? descriptor_of(c, o) : NULL;
}

/* A bare surname ("O'Neil said") that is the last word of an earlier speaker's name which
 * no PERSON carries ("said awards pundit Tom O'Neil"): that name. 0 when none. */
static int earlier_speaker(sctx *c, speaker *sp, uint32_t ms, uint32_t me)
{
    const quarry_doc *doc = c->doc;
    uint32_t k = ms;
    while (k + 1 < me && doc_lex_entry(doc, k, ENG_L_HONORIFIC) >= 0) k++;
    const token *t = &doc->toks.v[k];
    if (k + 1 != me || !(t->flags & QUARRY_TF_CAP)) return 0;
    size_t wn = t->end - t->start;
    const char *w = doc->txt.src + t->start;
    for (size_t i = c->nnames; i-- > 0;) {
        const char *nm = c->names[i];
        size_t nl = strlen(nm);
        if (nl > wn + 1 && nm[nl - wn - 1] == ' ' && !memcmp(nm + nl - wn, w, wn)) {
            sp->name = nm;
            sp->resolved = "alias";
            sp->why = "the last word of an earlier speaker's name";
            return 1;
        }
    }
    return 0;
}

/* The person a speaker mention stands for: a PERSON annotation over it, a person in
 * capitals, or for "he"/"she" the salient person whose gender agrees. NULL when none. */
static const annot *speaker_person(sctx *c, uint32_t s, uint32_t e, const char **how,
                                   const char **why)
{
    const quarry_doc *doc = c->doc;
    const pers_idx *x = &c->px;
    int32_t hit = -1;
    *how = "mention";
    *why = "a person over the mention, with the name and role linking gave it";
    for (uint32_t k = s; k < e && k < doc->toks.n; k++)
        if (x->at[k] >= 0 && (hit < 0 || x->at[k] < hit)) hit = x->at[k];
    /* "Mr Begg's father": the person of a possessive is not the one who speaks */
    if (hit >= 0 && doc->anns.v[hit].tend < e && possessive(doc, doc->anns.v[hit].tend)) return NULL;
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
        int32_t cur = x->before[s];
        for (int n = 0; cur >= 0 && n < CAPS_REACH; n++) {
            const annot *a = &doc->anns.v[cur];
            if (a->tend > a->tstart && doc->toks.v[a->tend - 1].hfold == last) {
                *why = "a name in capitals: the last person before it with that surname";
                return a;
            }
            cur = x->before[a->tstart];
        }
    }
    /* a bare surname ("added Robinson", "Mr King") not linked to a person, because two
       people share it or the name came after a title: the nearest person before it with
       that surname, when that one is named in this paragraph or the one before; else none */
    uint32_t k = s;
    while (k + 1 < e && doc_lex_entry(doc, k, ENG_L_HONORIFIC) >= 0) k++;
    if (k + 1 == e && (doc->toks.v[k].flags & QUARRY_TF_CAP) &&
        doc_lex_entry(doc, k, ENG_L_PRONOUN) < 0) {
        uint64_t h = doc->toks.v[k].hraw;
        int32_t cur = x->before[s];
        for (int n = 0; cur >= 0 && n < CAPS_REACH; n++) {
            const annot *a = &doc->anns.v[cur];
            if (a->tend > a->tstart + 1 && doc->toks.v[a->tend - 1].hraw == h) {
                *why = "a bare surname: the nearest full name with it, in this paragraph or the "
                       "one before";
                return c->para[s] - c->para[a->tstart] <= 1 ? a : NULL;
            }
            cur = x->before[a->tstart];
        }
    }
    /* only a personal pronoun stands for a person named before; "Iran says" does not */
    if (e != s + 1) return NULL;
    char want = lex_gender(doc, s, ENG_L_PRONOUN);   /* he, she; "they" is a group */
    if (!want) return NULL;
    *how = "pronoun";
    *why = "the first person, whose gender agrees, of the nearest sentence with one outside "
           "quotes";
    int32_t p = salient(c, x, s, want);
    /* the last speaker is a mention too ("He said ... Mr Houston ... He told"): it wins
       when it stands in a nearer sentence or the same one (the speaker of a statement is
       its sentence's subject: "After talks with Mr Holm, Mr Dahl said ... He added") */
    if (c->last >= 0 && c->last_at < s && agrees(c, c->last, want) &&
        !((c->inq[c->last_at] & 1) && !(c->inq[s] & 1))) {
        uint32_t ls = c->sent[c->last_at];
        const annot *pa = p >= 0 ? &doc->anns.v[p] : NULL;
        if (!pa || ls >= c->sent[pa->tstart])
            p = c->last, *why = "the last speaker, whose gender agrees, in a nearer sentence or "
                                "the same one";
    }
    return p >= 0 ? &doc->anns.v[p] : NULL;
}

/* The subject of the sentence of quote a's cue, for a rule that captured no speaker words
 * (speaker_is = "subject": "Heineken saw its profits drop and warned that ..."): the
 * speaker mention of a statement before it in that sentence, else the first PERSON or ORG,
 * or personal pronoun, of the sentence before the cue, outside quotes. Sets
 * [*ms, *me); 0 when there is none. */
static int subject(const sctx *c, const annot *a, uint32_t *ms, uint32_t *me)
{
    const quarry_doc *doc = c->doc;
    const afeat *cue = doc_feat(c->r, a, ENG_K_CUE);
    if (!cue || cue->tstart < 0 || (size_t)cue->tstart >= doc->toks.n) return 0;
    uint32_t ce = (uint32_t)cue->tstart;
    /* the speaker of a statement before it in the sentence: "The mayor said X and added
       that Y" */
    if (c->prev_me > c->prev_ms && c->prev_me <= ce && c->sent[c->prev_ms] == c->sent[ce]) {
        *ms = c->prev_ms;
        *me = c->prev_me;
        return 1;
    }
    for (uint32_t k = c->sent[ce]; k < ce; k++) {
        if (c->inq[k]) continue;
        int32_t x = c->px.at[k] >= 0 ? c->px.at[k] : c->ox.at[k];
        if (x >= 0) {
            const annot *b = &doc->anns.v[x];
            if (b->tend > ce) return 0;
            *ms = b->tstart;
            *me = b->tend;
            return 1;
        }
        if (doc_lex_entry(doc, k, ENG_L_PRONOUN) >= 0) {
            *ms = k;
            *me = k + 1;
            return 1;
        }
    }
    /* else a description opening the sentence that ends in a name: a noun for an
       organisation or a person, then capitalised words ("Dutch brewing firm Heineken saw
       its profits drop and warned that ..."); speaker resolution reads it as a description */
    uint32_t st = c->sent[ce];
    for (uint32_t k = st + 1; k + 1 < ce && k < st + 8; k++) {
        const token *t = &doc->toks.v[k];
        if (t->kind != TK_WORD || (t->flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) ||
            (doc_lex_entry(doc, k, ENG_L_ORGNOUN) < 0 && doc_lex_entry(doc, k, ENG_L_ROLENOUN) < 0))
            continue;
        uint32_t e = k + 1;
        while (e < ce && doc->toks.v[e].kind == TK_WORD && (doc->toks.v[e].flags & QUARRY_TF_CAP)) e++;
        if (e == k + 1) return 0;
        *ms = st;
        *me = e;
        return 1;
    }
    return 0;
}

#define KEY_BEFORE(x, y) (*(x) < *(y))
SORT_DEFINE(key_sort, uint64_t, KEY_BEFORE)

/* Sorts the annotation indexes v[0..n) by a token position each (pos[i] for v[i]), then by
 * index: as 64-bit keys (position, index), each computed once. 0, -1 on OOM. */
static int sort_by_pos(quarry_doc *doc, int32_t *v, const uint32_t *pos, size_t n)
{
    if (n < 2) return 0;
    uint64_t *k = arena_alloc(&doc->mem, 2 * n * sizeof *k);
    if (!k) return -1;
    for (size_t i = 0; i < n; i++) k[i] = (uint64_t)pos[i] << 32 | (uint32_t)v[i];
    key_sort(k, n, k + n);
    for (size_t i = 0; i < n; i++) v[i] = (int32_t)(uint32_t)k[i];
    return 0;
}

/* QUOTE annotations by the start of their speaker mention (none: their own start). */
static uint32_t mention_at(const quarry_doc *doc, int32_t i)
{
    const annot *a = &doc->anns.v[i];
    const afeat *f = doc_feat(doc->rules, a, ENG_K_SPEAKER);
    return f && f->tstart >= 0 ? (uint32_t)f->tstart : a->tstart;
}


static int prepare(sctx *c)
{
    quarry_doc *doc = c->doc;
    const quarry_rules *r = c->r;
    size_t n = doc->toks.n;
    if (pers_index(r->eng_type[ENG_PERSON], doc, &c->px) || pers_index(r->eng_type[ENG_ORG], doc, &c->ox))
        return -1;
    if (!(c->gender = person_genders(r, doc, &c->egender, &c->nent))) return -1;
    if (!(c->erole = arena_zalloc(&doc->mem, ((size_t)c->nent + 1) * sizeof *c->erole))) return -1;
    c->inq = arena_zalloc(&doc->mem, n + 1);
    c->sent = arena_alloc(&doc->mem, (n + 1) * sizeof *c->sent);
    c->orgs = arena_alloc(&doc->mem, (doc->anns.n + 1) * sizeof *c->orgs);
    if (!c->inq || !c->sent || !c->orgs || !(c->para = doc_paragraphs(doc))) return -1;
    uint32_t st = 0;
    for (size_t k = 0; k < n; k++) {
        if (doc->toks.v[k].flags & QUARRY_TF_SENT_START) st = (uint32_t)k;
        c->sent[k] = st;
    }
    c->sent[n] = st;
    int32_t qspan = r->eng_type[ENG_QSPAN], org = r->eng_type[ENG_ORG], role = r->eng_type[ENG_ROLE];
    c->norgs = 0;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type == qspan || (int32_t)a->type == role)
            for (uint32_t k = a->tstart; k < a->tend && k < n; k++)
                c->inq[k] |= (int32_t)a->type == qspan ? 1 : 2;
        if ((int32_t)a->type == org) c->orgs[c->norgs++] = (int32_t)i;
    }
    /* by start, then index */
    uint32_t *pos = arena_alloc(&doc->mem, (c->norgs + 1) * sizeof *pos);
    if (!pos) return -1;
    for (size_t i = 0; i < c->norgs; i++) pos[i] = doc->anns.v[c->orgs[i]].tstart;
    return sort_by_pos(doc, c->orgs, pos, c->norgs);
}

int speakers_resolve(const quarry_rules *r, quarry_doc *doc)
{
    doc->spk = NULL;
    if (r->eng_type[ENG_QUOTE] < 0 || !doc->anns.n) return 0;
    sctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.doc = doc;
    if (prepare(&c)) return -1;
    doc->spk = arena_zalloc(&doc->mem, doc->anns.n * sizeof *doc->spk);
    int32_t *order = arena_alloc(&doc->mem, (doc->anns.n + 1) * sizeof *order);
    if (!doc->spk || !order) return -1;
    /* the quotes in the order of their speaker mentions: a pronoun may stand for the
       speaker before it */
    size_t nq = 0;
    for (size_t i = 0; i < doc->anns.n; i++)
        if (type_record_of(r->types.v[doc->anns.v[i].type]) == TYPE_QUOTE) order[nq++] = (int32_t)i;
    uint32_t *pos = arena_alloc(&doc->mem, (nq + 1) * sizeof *pos);
    if (!pos) return -1;
    for (size_t i = 0; i < nq; i++) pos[i] = mention_at(doc, order[i]);
    if (sort_by_pos(doc, order, pos, nq)) return -1;
    c.last = -1;
    for (size_t qi = 0; qi < nq; qi++) {
        size_t i = (size_t)order[qi];
        const annot *a = &doc->anns.v[i];
        const afeat *sp = doc_feat(r, a, ENG_K_SPEAKER);
        uint32_t ms = 0, me = 0;
        if (sp && sp->tstart >= 0 && sp->tend > sp->tstart && (size_t)sp->tend <= doc->toks.n) {
            ms = (uint32_t)sp->tstart;
            me = (uint32_t)sp->tend;
        } else if (sp || !doc_feat(r, a, ENG_K_SPEAKER_IS) || !subject(&c, a, &ms, &me)) {
            if (!sp) continue;   /* no speaker, or "... and said that ..." with no subject */
        }
        speaker *s = &doc->spk[i];
        s->has = 1;
        s->resolved = "none";
        s->ant = -1;
        if (me > ms) {
            c.prev_ms = ms;
            c.prev_me = me;
            s->mention = doc_span(doc, ms, me);
            const char *text = doc_span_text(doc, ms, me), *how, *why;
            const annot *who = speaker_person(&c, ms, me, &how, &why);
            c.org = 0;
            int pron = me == ms + 1 && doc_lex_entry(doc, ms, ENG_L_PRONOUN) >= 0;
            if (pron && c.last_name && c.last_name_at < ms &&
                (!who || c.sent[c.last_name_at] > c.sent[who->tstart] ||
                 (c.sent[c.last_name_at] == c.sent[who->tstart] && c.last_name_at <= who->tstart)) &&
                c.para[ms] - c.para[c.last_name_at] <= 1 && lex_gender(doc, ms, ENG_L_PRONOUN)) {
                /* the last speaker was named by words no PERSON carries ("said awards pundit
                   Tom O'Neil"), nearer than any person: "he" is that speaker */
                s->name = c.last_name;
                s->resolved = "pronoun";
                s->why = "the last speaker, named in a nearer sentence by words no person carries";
            } else if (who) {
                c.last = (int32_t)(who - doc->anns.v);
                c.last_at = ms;
                s->name = who->name ? who->name : doc_span_text(doc, who->tstart, who->tend);
                s->role = role_of(&c, who);
                /* a mention shorter than the name it stands for ("Crocker") is an alias */
                s->resolved = !strcmp(how, "mention") && strcmp(s->name, text) ? "alias" : how;
                s->why = why;
                s->ant = (int32_t)(who - doc->anns.v);
                if (pron) learn_gender(&c, s->ant, lex_gender(doc, ms, ENG_L_PRONOUN));
            } else if (me == ms + 1 && doc_lex_entry(doc, ms, ENG_L_PRONOUN) >= 0) {
                s->name = NULL;   /* "he" with no antecedent, "they": no name */
                s->why = "a pronoun with no person of its gender before it (or a group)";
            } else if (!describe(&c, s, ms, me) && !earlier_speaker(&c, s, ms, me)) {
                if (unnamed_person(doc, ms, me)) {
                    /* "a spokesman", "A spokeswoman for the ministry": someone the article
                       does not name; the description is the role */
                    s->name = NULL;
                    s->role = doc_span_text(doc, ms + 1, me);
                    s->why = "a description of someone the article does not name";
                    goto named;
                }
                s->name = text;   /* an organisation, a country, a group: its own words */
                s->resolved = "mention";
                s->why = "the mention's own words";
                /* "the Office for National Statistics": the name (an ORG, or capitalised
                   words and small words after a lower-case determiner), without it; after a
                   determiner, the ORG a mention ends in */
                int32_t oe = c.ox.at[me - 1];
                if (oe >= 0 && doc->anns.v[oe].tend == me && doc->anns.v[oe].tstart > ms &&
                    doc_lex_entry(doc, ms, ENG_L_DETERMINER) >= 0) {
                    /* "the New York-based Committee to Protect Journalists": the ORG it ends in */
                    s->name = doc_span_text(doc, doc->anns.v[oe].tstart, me);
                } else if (me > ms + 1 && doc_lex_entry(doc, ms, ENG_L_DETERMINER) >= 0) {
                    int32_t on = c.ox.at[ms + 1];
                    int named = on >= 0 && doc->anns.v[on].tstart == ms + 1 && doc->anns.v[on].tend == me;
                    if (!named && (doc->toks.v[ms].flags & QUARRY_TF_LOWER) &&
                        (doc->toks.v[me - 1].flags & QUARRY_TF_CAP)) {
                        named = 1;
                        for (uint32_t k = ms + 1; k < me && named; k++)
                            if (doc->toks.v[k].kind != TK_WORD ||
                                (!(doc->toks.v[k].flags & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS)) &&
                                 (k == ms + 1 || doc_lex_entry(doc, k, ENG_L_TITLESMALL) < 0)))
                                named = 0;
                    }
                    if (named) s->name = doc_span_text(doc, ms + 1, me);
                }
                /* an organisation, or one capitalised word no person carries that is a name
                   ("Yukos said"; not "Lawyers said") */
                c.org = c.ox.at[me - 1] >= 0 || (me == ms + 1 && !pron && proper_word(doc, ms)) ||
                        capitalised_name(doc, ms, me);
            }
        named:
            if (!who && !pron && c.org && s->name) {
                c.last_org = s->name;
                c.last_org_at = ms;
                if (!s->role) s->role = org_descriptor(&c, s->name, me);
            }
            if (s->name && c.nnames < SPEAKER_NAMES) c.names[c.nnames++] = s->name;
            /* a speaker named by a capitalised name of its own that no PERSON carries */
            if (s->name && !who && !pron && s->resolved && (!strcmp(s->resolved, "mention") ||
                !strcmp(s->resolved, "alias")) && (doc->toks.v[me - 1].flags & QUARRY_TF_CAP) &&
                strchr(s->name, ' ') && c.ox.at[me - 1] < 0 &&
                doc_lex_entry(doc, ms, ENG_L_DETERMINER) < 0) {   /* not "The Island Courier" */
                c.last_name = s->name;
                c.last_name_at = ms;
            } else if (who || pron) {
                c.last_name = NULL;
            }
        }
        const char *nm = doc_feat_text(doc, doc_feat(r, a, ENG_K_SPEAKER_NAME));
        if (nm) s->name = nm;
        const char *ro = doc_feat_text(doc, doc_feat(r, a, ENG_K_SPEAKER_ROLE));
        if (ro) s->role = ro;
    }
    u64map_free(&c.odesc);
    return c.odesc_done == 2 ? -1 : 0;
}

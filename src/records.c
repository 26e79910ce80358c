/* Records: turns the annotations of the rule phases into output records. Types whose
 * name starts with '_' are internal to the rules; QUOTE annotations become quote records
 * (features type, speaker, cue); every other type becomes an entity record. */
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "lexicon.h"
#include "program.h"

/* The code-point offset of byte b (a character boundary) counted on from boundary b0, whose
 * offset is c0: a span's end from its start instead of from the start of its offset block
 * (text_char_offset walks up to a block of 256 bytes per call). Long spans take the block. */
static size_t char_offset_after(const text *t, size_t b0, size_t c0, size_t b)
{
    if (t->ascii) return b;
    if (b - b0 > TEXT_BLOCK) return text_char_offset(t, b);
    const unsigned char *s = (const unsigned char *)t->src;
    size_t i = b0, c = c0;
    while (i < b) {
        size_t k = 1;
        if (s[i] >= 0x80) {
            uint32_t cp;
            k = text_decode(t->src, t->len, i, &cp);
        }
        if (i + k > b) break;   /* b inside a character: stay at its start, as text_char_offset */
        i += k;
        c++;
    }
    return c;
}

quarry_span doc_span(const quarry_doc *doc, uint32_t ts, uint32_t te)
{
    quarry_span s = {0, 0, 0, 0, 0};
    if (te <= ts || te > doc->toks.n) return s;
    s.present = 1;
    s.start = doc->toks.v[ts].start;
    s.end = doc->toks.v[te - 1].end;
    s.cstart = text_char_offset(&doc->txt, s.start);
    s.cend = char_offset_after(&doc->txt, s.start, s.cstart, s.end);
    return s;
}

const char *doc_span_text(quarry_doc *doc, uint32_t ts, uint32_t te)
{
    if (te <= ts || te > doc->toks.n) return "";
    size_t a = doc->toks.v[ts].start, b = doc->toks.v[te - 1].end;
    buf out = {0};
    const char *s = doc->txt.src;
    for (size_t i = a; i < b;) {
        uint32_t cp;
        size_t k = text_decode(s, doc->txt.len, i, &cp);
        if (cp == 0xFFFD && k == 1) buf_append(&out, "\xEF\xBF\xBD", 3);
        else buf_append(&out, s + i, k);
        i += k;
    }
    char *r = arena_strndup(&doc->mem, out.p ? out.p : "", out.n);
    buf_free(&out);
    return r ? r : "";
}

static const afeat *feat(const quarry_rules *r, const annot *a, const char *key)
{
    for (uint32_t i = 0; i < a->nfeats; i++)
        if (strcmp(r->keys.v[a->feats[i].key], key) == 0) return &a->feats[i];
    return NULL;
}

static const char *feat_text(quarry_doc *doc, const afeat *f)
{
    if (!f) return NULL;
    if (f->tstart < 0) return f->literal;
    return doc_span_text(doc, (uint32_t)f->tstart, (uint32_t)f->tend);
}

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
    int32_t person = rules_type_id(r, "PERSON");
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

/* Grammatical gender of a person mention: 'm', 'f' or 0 when unknown. From an honorific
 * (Mr., Mrs., Ms., Miss) or from the first name's entry in the GIVEN lexicon (gender=m|f;
 * names of both genders, "fm", stay unknown). */
static char mention_gender(const quarry_rules *r, const quarry_doc *doc, int32_t given,
                           const annot *a)
{
    static const struct { const char *w; char g; } hon[] = {
        {"mr.", 'm'}, {"mr", 'm'}, {"mrs.", 'f'}, {"mrs", 'f'}, {"ms.", 'f'}, {"ms", 'f'},
        {"miss", 'f'}, {"sir", 'm'}, {"lady", 'f'}, {NULL, 0}};
    if (a->tstart >= doc->toks.n) return 0;
    const token *t = &doc->toks.v[a->tstart];
    for (int i = 0; hon[i].w; i++)
        if (t->hfold == token_hash_fold(hon[i].w, strlen(hon[i].w))) return hon[i].g;
    /* a title before the name ("Sen. Susan Collins") is outside the PERSON span, so its
       first token is the given name when there is one */
    if (given < 0 || !doc->hits) return 0;
    for (uint32_t h = doc->hit_first[a->tstart]; h < doc->hit_first[a->tstart + 1]; h++) {
        const lex_hit *hit = &doc->hits[h];
        if ((int32_t)hit->lex != given || hit->len != 1) continue;
        const char *g = lexdb_entry_feature(r->lex, hit->entry, "gender");
        if (g && !strcmp(g, "m")) return 'm';
        if (g && !strcmp(g, "f")) return 'f';
    }
    return 0;
}

/* The gender of each PERSON annotation, agreed over the mentions of its linked person
 * ("Susan Collins" ... "Collins": both f); people whose mentions disagree stay unknown. */
static char *person_genders(const quarry_rules *r, quarry_doc *doc)
{
    char *g = arena_alloc(&doc->mem, doc->anns.n + 1);
    if (!g) return NULL;
    memset(g, 0, doc->anns.n + 1);
    int32_t person = rules_type_id(r, "PERSON");
    int given = lexdb_find(r->lex, "GIVEN");
    int32_t maxent = -1;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != person) continue;
        g[i] = mention_gender(r, doc, given, a);
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
                                   uint32_t s, uint32_t e)
{
    int32_t hit = -1;
    for (uint32_t k = s; k < e && k < doc->toks.n; k++)
        if (x->at[k] >= 0 && (hit < 0 || x->at[k] < hit)) hit = x->at[k];
    if (hit >= 0) return &doc->anns.v[hit];
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
    const token *t = &doc->toks.v[s];
    char want;
    if (t->hfold == token_hash_fold("he", 2)) want = 'm';
    else if (t->hfold == token_hash_fold("she", 3)) want = 'f';
    else return NULL;
    int32_t c = x->before[s];
    for (int n = 0; c >= 0 && n < PRONOUN_REACH; n++) {
        if (!gender || !gender[c] || gender[c] == want) return &doc->anns.v[c];
        c = x->before[doc->anns.v[c].tstart];   /* the person before this one */
    }
    return NULL;
}

/* A quote's span runs from just after its opening mark to its closing mark, so spaces
 * inside the marks are part of it. A quote left open at its paragraph's end ends with its
 * last token: the mark that opens the next paragraph is not its closing mark. */
static quarry_span quote_span(const quarry_doc *doc, uint32_t ts, uint32_t te)
{
    quarry_span sp = doc_span(doc, ts, te);
    if (ts > 0 && doc->toks.v[ts - 1].kind == TK_QUOTE) sp.start = doc->toks.v[ts - 1].end;
    if (te < doc->toks.n && doc->toks.v[te].kind == TK_QUOTE &&
        !(doc->toks.v[te].flags & QUARRY_TF_PARA_START))
        sp.end = doc->toks.v[te].start;
    sp.cstart = text_char_offset(&doc->txt, sp.start);
    sp.cend = text_char_offset(&doc->txt, sp.end);
    return sp;
}

/* Is tk the one-byte token ch? */
static int tok_is(const quarry_doc *doc, const token *tk, char ch)
{
    return tk->end - tk->start == 1 && doc->txt.src[tk->start] == ch;
}

/* The quoted spans of a document, by token, for clause_end (NULL: no quoted span). */
typedef struct {
    int32_t *qend;    /* [e]: the largest start of a quoted span ending at token e, -1 when none */
    int32_t *ine;     /* [k]: the end of the quoted span holding token k, -1 when none (spans
                         do not overlap: its start is qend[ine[k]]) */
} qspans;

/* The end of a reported clause that ends with quoted words: through the closing mark ("the
 * meeting "the first step ..."" and "him ''a genius.''", not "him ''a genius.'"). The rules
 * end such a clause before the mark when it closes the sentence, before a comma inside the
 * marks, or inside '' (two tokens). A clause whose sentence ends inside a quote that opened
 * in the clause goes on to that quote's end (Trump said that "ethanol people" "do a fantastic
 * job. And it's so important."): the quoted sentences are the rest of what was reported. */
static uint32_t clause_end(const quarry_doc *doc, const qspans *q, uint32_t ts, uint32_t te)
{
    const token *tk = doc->toks.v;
    uint32_t n = (uint32_t)doc->toks.n;
    if (!q || te >= n) return te;
    const int32_t *qend = q->qend;
    if (te > ts && q->ine[te - 1] > (int32_t)te && qend[q->ine[te - 1]] > (int32_t)ts)
        te = (uint32_t)q->ine[te - 1];
    if (te >= n) return te;
    if (te > ts + 1 && quote_two_apostrophes(doc, te - 1) && qend[te - 1] > (int32_t)ts)
        return te + 1;   /* the rest of '' */
    /* the comma inside the marks ("Not paying taxes ''makes me smart,'' Trump said") */
    if (tok_is(doc, &tk[te], ',') && te + 1 < n && qend[te + 1] > (int32_t)ts) te++;
    if (qend[te] <= (int32_t)ts || tk[te].kind != TK_QUOTE) return te;
    return te + (quote_two_apostrophes(doc, te) ? 2 : 1);
}

/* The qspans of a document for clause_end, or NULL when it has no quoted span (or memory
 * ran out: clauses then end where the rules end them). */
static const qspans *quote_spans(const quarry_rules *r, quarry_doc *doc)
{
    int32_t qspan = rules_type_id(r, "QSPAN");
    if (qspan < 0) return NULL;
    qspans *q = NULL;
    size_t n = doc->toks.n;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != qspan || a->tend > n || a->tstart >= a->tend) continue;
        if (!q) {
            q = arena_alloc(&doc->mem, sizeof *q);
            int32_t *v = arena_alloc(&doc->mem, (2 * n + 1) * sizeof *v);
            if (!q || !v) return NULL;
            q->qend = v;
            q->ine = v + n + 1;
            for (size_t k = 0; k < 2 * n + 1; k++) v[k] = -1;
        }
        if ((int32_t)a->tstart > q->qend[a->tend]) q->qend[a->tend] = (int32_t)a->tstart;
        for (uint32_t k = a->tstart; k < a->tend; k++) q->ine[k] = (int32_t)a->tend;
    }
    return q;
}

static int rec_cmp(const void *a, const void *b)
{
    const quarry_record *x = a, *y = b;
    if (x->span.start != y->span.start) return x->span.start < y->span.start ? -1 : 1;
    if (x->span.end != y->span.end) return x->span.end > y->span.end ? -1 : 1;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    int c = strcmp(x->type, y->type);
    if (c) return c;
    return strcmp(x->rule, y->rule);
}

/* Paragraph number of each token. */
static uint32_t *paragraphs(quarry_doc *doc)
{
    uint32_t *para = arena_alloc(&doc->mem, (doc->toks.n + 1) * sizeof *para);
    if (!para) return NULL;
    uint32_t p = 0;
    for (size_t k = 0; k < doc->toks.n; k++) {
        if (k && (doc->toks.v[k].flags & QUARRY_TF_PARA_START)) p++;
        para[k] = p;
    }
    return para;
}

typedef struct bspan { size_t start, end; } bspan;

static int bspan_cmp(const void *a, const void *b)
{
    const bspan *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Reported speech inside a quote. An indirect record that starts inside a quoted span
 * reports what the quoted speaker said others said ("Donald Trump says he's qualified ...,"
 * Clinton said). When it runs past the closing mark, the clause crossed from the quote into
 * the writer's words and is no clause at all: it is dropped. When it ends inside, it is kept
 * and marked nested (*nested_out, one flag per record, NULL when there is none): it does not
 * take the quoted span from a continuation, and a continuation does not continue it. */
static int quote_nesting(const quarry_rules *r, quarry_doc *doc, unsigned char **nested_out)
{
    *nested_out = NULL;
    int32_t qspan = rules_type_id(r, "QSPAN");
    size_t n = doc->recs.n, nq = 0;
    if (qspan < 0 || !n) return 0;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        nq += (int32_t)a->type == qspan && a->tend > a->tstart;
    }
    if (!nq) return 0;
    bspan *qs = arena_alloc(&doc->mem, nq * sizeof *qs);
    size_t *pmax = arena_alloc(&doc->mem, nq * sizeof *pmax);
    unsigned char *flag = arena_zalloc(&doc->mem, n + 1);   /* 1 nested, 2 dropped */
    if (!qs || !pmax || !flag) return -1;
    nq = 0;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != qspan || a->tend <= a->tstart) continue;
        qs[nq++] = (bspan){doc->toks.v[a->tstart].start, doc->toks.v[a->tend - 1].end};
    }
    qsort(qs, nq, sizeof *qs, bspan_cmp);
    for (size_t k = 0; k < nq; k++)   /* the largest end over qs[0..k] */
        pmax[k] = k && pmax[k - 1] > qs[k].end ? pmax[k - 1] : qs[k].end;
    int any = 0, drops = 0;
    for (size_t i = 0; i < n; i++) {
        const quarry_record *q = &doc->recs.v[i];
        if (q->kind != QUARRY_QUOTE || strcmp(q->type, "indirect")) continue;
        size_t lo = 0, hi = nq;   /* quoted spans starting at or before the record: [0, lo) */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (qs[mid].start <= q->span.start) lo = mid + 1;
            else hi = mid;
        }
        /* the innermost quoted span holding the record's start (spans may nest) */
        for (size_t k = lo; k > 0 && pmax[k - 1] > q->span.start; k--) {
            const bspan *s = &qs[k - 1];
            if (s->end <= q->span.start) continue;
            if (q->span.end > s->end) flag[i] = 2, drops = 1;
            else flag[i] = 1;
            any = 1;
            break;
        }
    }
    if (!any) return 0;
    if (drops) {
        size_t m = 0;
        for (size_t i = 0; i < n; i++)
            if (flag[i] != 2) {
                flag[m] = flag[i];
                doc->recs.v[m++] = doc->recs.v[i];
            }
        doc->recs.n = m;
    }
    *nested_out = flag;
    return 0;
}

/* A direct quote record over sp that no rule made: a continuation of prev's speaker (name and
 * role, no speaker mention, no cue), or, with prev NULL, a quote with no speaker. */
static int push_direct(quarry_doc *doc, quarry_span sp, const char *rule,
                       const quarry_record *prev)
{
    quarry_record rec;
    memset(&rec, 0, sizeof rec);
    rec.kind = QUARRY_QUOTE;
    rec.type = "direct";
    rec.span = sp;
    rec.rule = rule;
    if (prev) {
        rec.has_speaker = 1;
        rec.speaker_name = prev->speaker_name;
        rec.speaker_role = prev->speaker_role;
    }
    return VEC_PUSH(&doc->recs, rec) ? -1 : 0;
}

/* Do the words of quoted span a end with a comma, inside or just after the closing mark
 * ("...," the editorial said / "...", he said)? Such a quote is followed by its own
 * attribution; at least two tokens ("Yes," alone may be a scare quote). */
static int awaits_attribution(const quarry_doc *doc, const annot *a)
{
    if (a->tend < a->tstart + 2) return 0;
    const token *tk = doc->toks.v;
    if (tok_is(doc, &tk[a->tend - 1], ',')) return 1;
    size_t k = a->tend;   /* the closing mark(s), then a comma */
    while (k < doc->toks.n && tk[k].kind == TK_QUOTE) k++;
    return k > a->tend && k < doc->toks.n && tok_is(doc, &tk[k], ',');
}

/* A quoted span that no rule attributed, opening a sentence in the paragraph of an
 * attributed quote or in the next one, continues that quote: it takes its speaker's name
 * and role, with no speaker mention and no cue of its own ("A," he said. "B."). Records
 * nested in a quote (quote_nesting) neither take a span nor are continued. */
static int continuations(const quarry_rules *r, quarry_doc *doc, const unsigned char *nested)
{
    int32_t qspan = rules_type_id(r, "QSPAN");
    if (qspan < 0 || rules_type_id(r, "QUOTE") < 0) return 0;   /* a rule set without quotes */
    uint32_t *para = NULL;
    size_t nrec = doc->recs.n;
    /* the records are sorted by start: over the quote records of [0, k), maxend[k] is the
       largest end and lastspk[k] the last one with a named speaker (-1 none), so that each
       quoted span costs a binary search, not a scan of every record (quadratic) */
    size_t *maxend = arena_alloc(&doc->mem, (nrec + 1) * sizeof *maxend);
    int64_t *lastspk = arena_alloc(&doc->mem, (nrec + 1) * sizeof *lastspk);
    if (!maxend || !lastspk) return -1;
    maxend[0] = 0;
    lastspk[0] = -1;
    for (size_t k = 0; k < nrec; k++) {
        const quarry_record *q = &doc->recs.v[k];
        int isq = q->kind == QUARRY_QUOTE && !(nested && nested[k]);
        maxend[k + 1] = isq && q->span.end > maxend[k] ? q->span.end : maxend[k];
        lastspk[k + 1] = isq && q->has_speaker && q->speaker_name ? (int64_t)k : lastspk[k];
    }
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != qspan || a->tstart == 0) continue;
        const token *open = &doc->toks.v[a->tstart - 1];
        /* '' (two apostrophes) opens with its first token */
        if (a->tstart >= 2 && open->kind == TK_QUOTE && open[-1].kind == TK_QUOTE &&
            open[-1].end == open->start)
            open--;
        if (!(open->flags & QUARRY_TF_SENT_START)) continue;
        quarry_span sp = quote_span(doc, a->tstart, a->tend);
        /* quote records starting before sp ends: [0, p) */
        size_t lo = 0, hi = nrec;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (doc->recs.v[mid].span.start < sp.end) lo = mid + 1;
            else hi = mid;
        }
        size_t p = lo;
        if (maxend[p] > sp.start) continue;   /* a quote record overlaps: taken */
        if (awaits_attribution(doc, a)) {
            /* "...," the editorial board wrote: no rule named the speaker, and the quote is
               not the previous speaker's: a direct quote with no speaker */
            if (push_direct(doc, sp, "quote.unattributed", NULL)) return -1;
            continue;
        }
        int64_t pi = lastspk[p];
        /* an empty span: records starting where it is may still end before it */
        for (size_t k = p; k < nrec && doc->recs.v[k].span.start <= sp.start; k++) {
            const quarry_record *q = &doc->recs.v[k];
            if (q->kind == QUARRY_QUOTE && !(nested && nested[k]) && q->span.end <= sp.start &&
                q->has_speaker && q->speaker_name)
                pi = (int64_t)k;
        }
        if (pi < 0) continue;
        const quarry_record *prev = &doc->recs.v[pi];
        if (!para && !(para = paragraphs(doc))) return -1;
        /* the previous quote must end in this paragraph or the one before: k is the last
           token before a's opening mark that starts before prev ends (0 when none) */
        uint32_t k = 0, klo = 0, khi = a->tstart;   /* search [0, a->tstart) */
        while (klo < khi) {
            uint32_t mid = klo + (khi - klo) / 2;
            if (doc->toks.v[mid].start < prev->span.end) klo = mid + 1;
            else khi = mid;
        }
        if (klo > 0) k = klo - 1;
        if (para[a->tstart] - para[k] > 1) continue;
        if (push_direct(doc, sp, "quote.continuation", prev)) return -1;
    }
    if (doc->recs.n > nrec) qsort(doc->recs.v, doc->recs.n, sizeof *doc->recs.v, rec_cmp);
    return 0;
}

/* A cue mention serves one quote: an indirect quote whose cue is the cue of a direct quote
 * and which does not overlap it is dropped. The direct quote's marks say what was said; the
 * words after the cue are the writer's ("It's finished," she said of the election, in
 * which ...). An indirect quote around the direct one ("said of Clinton, "If she ..."") is
 * kept, unless a colon introduces the direct quote: in `said on Friday: "..."` the words
 * before the colon frame the quote and report nothing. Partial quotes share their cue with
 * the clause around them. */
typedef struct cue_ref {
    size_t start, rec;
} cue_ref;

static int cue_ref_cmp(const void *a, const void *b)
{
    const cue_ref *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->rec < y->rec ? -1 : x->rec > y->rec;
}

/* Is the quote whose content starts at byte offset start opened after a colon? (the
 * tokens before its first one: its opening marks, then ":") */
static int colon_intro(const quarry_doc *doc, size_t start)
{
    const token *tk = doc->toks.v;
    size_t lo = 0, hi = doc->toks.n;   /* the first token at or after start */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tk[mid].start < start) lo = mid + 1;
        else hi = mid;
    }
    while (lo > 0 && tk[lo - 1].kind == TK_QUOTE) lo--;
    return lo > 0 && tok_is(doc, &tk[lo - 1], ':');
}

static int cue_once(quarry_doc *doc)
{
    size_t n = doc->recs.n, nq = 0;
    cue_ref *ix = arena_alloc(&doc->mem, (n + 1) * sizeof *ix);
    if (!ix) return -1;
    for (size_t i = 0; i < n; i++) {
        const quarry_record *q = &doc->recs.v[i];
        if (q->kind == QUARRY_QUOTE && q->cue.present) ix[nq++] = (cue_ref){q->cue.start, i};
    }
    if (nq < 2) return 0;
    qsort(ix, nq, sizeof *ix, cue_ref_cmp);
    unsigned char *drop = arena_zalloc(&doc->mem, n + 1);
    if (!drop) return -1;
    int any = 0;
    for (size_t a = 0; a < nq;) {
        size_t b = a;
        while (b < nq && ix[b].start == ix[a].start) b++;
        for (size_t d = a; d < b; d++) {
            const quarry_record *dq = &doc->recs.v[ix[d].rec];
            if (strcmp(dq->type, "direct")) continue;
            for (size_t k = a; k < b; k++) {
                const quarry_record *iq = &doc->recs.v[ix[k].rec];
                if (strcmp(iq->type, "indirect")) continue;
                int apart = iq->span.end <= dq->span.start || dq->span.end <= iq->span.start;
                int framed = iq->span.start < dq->span.start && dq->span.start < iq->span.end &&
                             colon_intro(doc, dq->span.start);
                if (apart || framed) drop[ix[k].rec] = 1, any = 1;
            }
        }
        a = b;
    }
    if (!any) return 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!drop[i]) doc->recs.v[m++] = doc->recs.v[i];
    doc->recs.n = m;
    return 0;
}

int records_build(const quarry_rules *r, quarry_doc *doc)
{
    pers_idx px;
    if (pers_index(r, doc, &px)) return -1;
    const char *gender = person_genders(r, doc);
    if (!gender) return -1;
    const qspans *qs = quote_spans(r, doc);
    unsigned only = doc_only(doc);   /* the record kinds wanted (quarry_options.only) */
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        const char *type = r->types.v[a->type];
        type_record kind = type_record_of(type);
        if (kind == TYPE_NO_RECORD) continue;
        if (only && !(only & (kind == TYPE_QUOTE ? QUARRY_EMIT_QUOTES : QUARRY_EMIT_ENTITIES)))
            continue;
        quarry_record rec;
        memset(&rec, 0, sizeof rec);
        rec.span = doc_span(doc, a->tstart, a->tend);
        rec.rule = annot_rule_name(r, a);
        if (kind == TYPE_QUOTE) {
            rec.kind = QUARRY_QUOTE;
            const char *qt0 = feat_text(doc, feat(r, a, "type"));
            if (!qt0 || strcmp(qt0, "indirect")) rec.span = quote_span(doc, a->tstart, a->tend);
            else rec.span = doc_span(doc, a->tstart, clause_end(doc, qs, a->tstart, a->tend));
            rec.type = qt0 ? qt0 : "direct";
            const afeat *sp = feat(r, a, "speaker");
            if (sp) {
                rec.has_speaker = 1;
                if (sp->tstart >= 0) {
                    rec.speaker = doc_span(doc, (uint32_t)sp->tstart, (uint32_t)sp->tend);
                    rec.speaker_name = feat_text(doc, sp);
                    const annot *who = speaker_person(doc, &px, gender, (uint32_t)sp->tstart, (uint32_t)sp->tend);
                    if (who) {
                        rec.speaker_name = who->name ? who->name : doc_span_text(doc, who->tstart, who->tend);
                        rec.speaker_role = who->role;
                    }
                }
                const char *nm = feat_text(doc, feat(r, a, "speaker_name"));
                if (nm) rec.speaker_name = nm;
                const char *ro = feat_text(doc, feat(r, a, "speaker_role"));
                if (ro) rec.speaker_role = ro;
            }
            const afeat *cue = feat(r, a, "cue");
            if (cue && cue->tstart >= 0)
                rec.cue = doc_span(doc, (uint32_t)cue->tstart, (uint32_t)cue->tend);
        } else {
            rec.kind = QUARRY_ENTITY;
            rec.type = type;
            /* canonical names and roles belong to people (link.c fills them in) */
            if (strcmp(type, "PERSON") == 0) {
                const char *nm = a->name ? a->name : feat_text(doc, feat(r, a, "name"));
                rec.name = nm ? nm : doc_span_text(doc, a->tstart, a->tend);
                rec.role = a->role ? a->role : feat_text(doc, feat(r, a, "role"));
            }
        }
        if (VEC_PUSH(&doc->recs, rec)) return -1;
    }
    if (doc->recs.n > 1) qsort(doc->recs.v, doc->recs.n, sizeof *doc->recs.v, rec_cmp);
    if (only == QUARRY_EMIT_ENTITIES) return 0;   /* what follows makes and trims quotes */
    unsigned char *nested;
    if (cue_once(doc) || quote_nesting(r, doc, &nested) || continuations(r, doc, nested))
        return -1;
    return 0;
}

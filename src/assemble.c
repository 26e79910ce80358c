/* Quote assembly: turns the QUOTE annotations and their resolved speakers (speakers.c) into
 * quote statements, doc->quotes, in text order. A quote's span excludes its marks; a reported
 * clause ends through quoted words that close it (clause_end); a cue serves one statement
 * (cue_once); reported speech inside a quote is dropped (quote_nesting);
 * a quoted span no rule attributed continues the previous speaker's quote or stands without
 * a speaker (continuations). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sort.h"

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
    if (doc_tok_is(doc, te, ',') && te + 1 < n && qend[te + 1] > (int32_t)ts) te++;
    if (qend[te] <= (int32_t)ts || tk[te].kind != TK_QUOTE) return te;
    return te + (quote_two_apostrophes(doc, te) ? 2 : 1);
}

/* The qspans of a document for clause_end, or NULL when it has no quoted span (or memory
 * ran out: clauses then end where the rules end them). */
static const qspans *quote_spans(const quarry_rules *r, quarry_doc *doc)
{
    int32_t qspan = r->eng_type[ENG_QSPAN];
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

typedef struct bspan { size_t start, end; } bspan;

static inline int bspan_before(const bspan *x, const bspan *y)
{
    return x->start != y->start ? x->start < y->start : x->end < y->end;
}
SORT_DEFINE(bspan_sort, bspan, bspan_before)

/* Reported speech inside a quote. An indirect record that starts inside a quoted span
 * reports what the quoted speaker said others said ("Donald Trump says he's qualified ...,"
 * Clinton said) or crosses from the quote into the writer's words: either way it is no
 * statement of its own (the quote is), and it is dropped. */
static int quote_nesting(const quarry_rules *r, quarry_doc *doc)
{
    int32_t qspan = r->eng_type[ENG_QSPAN];
    size_t n = doc->quotes.n, nq = 0;
    if (qspan < 0 || !n) return 0;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        nq += (int32_t)a->type == qspan && a->tend > a->tstart;
    }
    if (!nq) return 0;
    bspan *qs = arena_alloc(&doc->mem, nq * sizeof *qs);
    size_t *pmax = arena_alloc(&doc->mem, nq * sizeof *pmax);
    unsigned char *drop = arena_zalloc(&doc->mem, n + 1);
    if (!qs || !pmax || !drop) return -1;
    nq = 0;
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != qspan || a->tend <= a->tstart) continue;
        qs[nq++] = (bspan){doc->toks.v[a->tstart].start, doc->toks.v[a->tend - 1].end};
    }
    bspan *tmp = arena_alloc(&doc->mem, nq * sizeof *tmp);
    if (!tmp) return -1;
    bspan_sort(qs, nq, tmp);
    for (size_t k = 0; k < nq; k++)   /* the largest end over qs[0..k] */
        pmax[k] = k && pmax[k - 1] > qs[k].end ? pmax[k - 1] : qs[k].end;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const quarry_record *q = &doc->quotes.v[i];
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
            drop[i] = 1, any = 1;
            break;
        }
    }
    if (!any) return 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!drop[i]) doc->quotes.v[m++] = doc->quotes.v[i];
    doc->quotes.n = m;
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
        rec.speaker_resolved = "continuation";
        /* which statement it continues, by its span: ids are given once the records are
           in their final order (statement_ids) */
        cont_link l = {sp.start, sp.end, prev->span.start, prev->span.end};
        if (VEC_PUSH(&doc->cont, l)) return -1;
    }
    return VEC_PUSH(&doc->quotes, rec) ? -1 : 0;
}

/* Do the words of quoted span a end with a comma, inside or just after the closing mark
 * ("...," the editorial said / "...", he said)? Such a quote is followed by its own
 * attribution; at least two tokens ("Yes," alone may be a scare quote). */
static int awaits_attribution(const quarry_doc *doc, const annot *a)
{
    if (a->tend < a->tstart + 2) return 0;
    const token *tk = doc->toks.v;
    if (doc_tok_is(doc, a->tend - 1, ',')) return 1;
    size_t k = a->tend;   /* the closing mark(s), then a comma */
    while (k < doc->toks.n && tk[k].kind == TK_QUOTE) k++;
    return k > a->tend && k < doc->toks.n && doc_tok_is(doc, k, ',');
}

/* A quoted span that no rule attributed, opening a sentence in the paragraph of an
 * attributed quote or in the next one, continues that quote: it takes its speaker's name
 * and role, with no speaker mention and no cue of its own ("A," he said. "B."), and so
 * does a quoted paragraph after such a continuation. */
static int continuations(const quarry_rules *r, quarry_doc *doc)
{
    int32_t qspan = r->eng_type[ENG_QSPAN];
    if (qspan < 0 || r->eng_type[ENG_QUOTE] < 0) return 0;   /* a rule set without quotes */
    uint32_t *para = NULL;
    int64_t lastcont = -1;    /* the last continuation record made here */
    size_t nrec = doc->quotes.n;
    /* the records are sorted by start: over the quote records of [0, k), maxend[k] is the
       largest end and lastspk[k] the last one with a named or described speaker (-1 none), so that each
       quoted span costs a binary search, not a scan of every record (quadratic) */
    size_t *maxend = arena_alloc(&doc->mem, (nrec + 1) * sizeof *maxend);
    int64_t *lastspk = arena_alloc(&doc->mem, (nrec + 1) * sizeof *lastspk);
    if (!maxend || !lastspk) return -1;
    maxend[0] = 0;
    lastspk[0] = -1;
    for (size_t k = 0; k < nrec; k++) {
        const quarry_record *q = &doc->quotes.v[k];
        int isq = q->kind == QUARRY_QUOTE;
        maxend[k + 1] = isq && q->span.end > maxend[k] ? q->span.end : maxend[k];
        lastspk[k + 1] = isq && q->has_speaker && (q->speaker_name || q->speaker_role) ? (int64_t)k : lastspk[k];
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
            if (doc->quotes.v[mid].span.start < sp.end) lo = mid + 1;
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
        /* a continuation made here continues too ("A," X said. / "B." / "C."): the latest
           one, when it comes after the last attributed quote */
        if (lastcont >= 0 && (pi < 0 || doc->quotes.v[lastcont].span.start > doc->quotes.v[pi].span.start))
            pi = lastcont;
        /* an empty span: records starting where it is may still end before it */
        for (size_t k = p; k < nrec && doc->quotes.v[k].span.start <= sp.start; k++) {
            const quarry_record *q = &doc->quotes.v[k];
            if (q->kind == QUARRY_QUOTE && q->span.end <= sp.start &&
                q->has_speaker && (q->speaker_name || q->speaker_role))
                pi = (int64_t)k;
        }
        if (pi < 0) continue;
        const quarry_record *prev = &doc->quotes.v[pi];
        if (!para && !(para = doc_paragraphs(doc))) return -1;
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
        lastcont = (int64_t)doc->quotes.n - 1;
    }
    if (doc->quotes.n > nrec && doc_sort_records(doc, doc->quotes.v, doc->quotes.n)) return -1;
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

static inline int cue_ref_before(const cue_ref *x, const cue_ref *y)
{
    return x->start != y->start ? x->start < y->start : x->rec < y->rec;
}
SORT_DEFINE(cue_ref_sort, cue_ref, cue_ref_before)

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
    return lo > 0 && doc_tok_is(doc, lo - 1, ':');
}

static int cue_once(quarry_doc *doc)
{
    size_t n = doc->quotes.n, nq = 0;
    cue_ref *ix = arena_alloc(&doc->mem, (n + 1) * sizeof *ix);
    if (!ix) return -1;
    for (size_t i = 0; i < n; i++) {
        const quarry_record *q = &doc->quotes.v[i];
        if (q->kind == QUARRY_QUOTE && q->cue.present) ix[nq++] = (cue_ref){q->cue.start, i};
    }
    if (nq < 2) return 0;
    cue_ref *tmp = arena_alloc(&doc->mem, nq * sizeof *tmp);
    if (!tmp) return -1;
    cue_ref_sort(ix, nq, tmp);
    unsigned char *drop = arena_zalloc(&doc->mem, n + 1);
    if (!drop) return -1;
    int any = 0;
    for (size_t a = 0; a < nq;) {
        size_t b = a;
        while (b < nq && ix[b].start == ix[a].start) b++;
        for (size_t d = a; d < b; d++) {
            const quarry_record *dq = &doc->quotes.v[ix[d].rec];
            if (strcmp(dq->type, "direct")) continue;
            for (size_t k = a; k < b; k++) {
                const quarry_record *iq = &doc->quotes.v[ix[k].rec];
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
        if (!drop[i]) doc->quotes.v[m++] = doc->quotes.v[i];
    doc->quotes.n = m;
    return 0;
}

static int span_cmp(const void *a, const void *b)
{
    const quarry_span *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* Record indices by speaker mention, then text order (qsort has no context argument: the
 * records being sorted are named here; assembly runs on one thread per document). */
static _Thread_local const quarry_record *mention_order;

static int mention_cmp(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const quarry_span *x = &mention_order[i].speaker, *y = &mention_order[j].speaker;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* The index of the quote record over byte span [start, end) (records sorted by start),
 * -1 when there is none. */
/* The record whose span holds [start, end) (records do not nest once statements() ran:
 * the last one starting at or before start), or -1. */
static int64_t find_holding(const quarry_doc *doc, size_t start, size_t end)
{
    size_t lo = 0, hi = doc->quotes.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (doc->quotes.v[mid].span.start <= start) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 && doc->quotes.v[lo - 1].span.end >= end ? (int64_t)lo - 1 : -1;
}

static int64_t find_quote(const quarry_doc *doc, size_t start, size_t end)
{
    size_t lo = 0, hi = doc->quotes.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (doc->quotes.v[mid].span.start < start) lo = mid + 1;
        else hi = mid;
    }
    for (; lo < doc->quotes.n && doc->quotes.v[lo].span.start == start; lo++)
        if (doc->quotes.v[lo].span.end == end) return (int64_t)lo;
    return -1;
}

/* One record per statement (the records sorted by start, longer first): a quote record
 * inside another is no statement of its own. Quoted words inside a reported clause become
 * its `quoted` fragments (every quoted span within it, whether or not a rule made a partial
 * record of it); anything else inside a quote (a clause read again from a direct quote, a
 * duplicate) is dropped. Then every record gets its id, q1, q2 ... in text order, and a
 * continuation the id of the statement's first part. */
static int statements(const quarry_rules *r, quarry_doc *doc)
{
    size_t n = doc->quotes.n, m = 0, maxend = 0;
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const quarry_record *q = &doc->quotes.v[i];
        if (any && q->span.end <= maxend) continue;   /* inside a kept record: it starts later */
        if (!any || q->span.end > maxend) maxend = q->span.end;
        any = 1;
        doc->quotes.v[m++] = *q;
    }
    doc->quotes.n = m;
    /* the quoted spans inside each reported clause (both lists sorted by start) */
    int32_t qspan = r->eng_type[ENG_QSPAN];
    VEC(quarry_span) qs = {0};
    for (size_t i = 0; qspan >= 0 && i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if ((int32_t)a->type != qspan || a->tend <= a->tstart) continue;
        quarry_span sp = doc_span(doc, a->tstart, a->tend);
        if (VEC_PUSH(&qs, sp)) { VEC_FREE(&qs); return -1; }
    }
    if (qs.n > 1) qsort(qs.v, qs.n, sizeof *qs.v, span_cmp);
    size_t k = 0;
    for (size_t i = 0; i < m; i++) {
        quarry_record *q = &doc->quotes.v[i];
        char id[24], *e = id + sizeof id, *d = e;   /* "q<i + 1>", the digits from the end */
        for (size_t v = i + 1; v; v /= 10) *--d = (char)('0' + v % 10);
        *--d = 'q';
        q->id = arena_strndup(&doc->mem, d, (size_t)(e - d));
        if (!q->id) { VEC_FREE(&qs); return -1; }
        if (strcmp(q->type, "indirect")) continue;
        while (k < qs.n && qs.v[k].start < q->span.start) k++;
        size_t j = k, c = 0;
        while (j < qs.n && qs.v[j].start < q->span.end) c += qs.v[j++].end <= q->span.end;
        if (!c) continue;
        quarry_span *v = arena_alloc(&doc->mem, c * sizeof *v);
        if (!v) { VEC_FREE(&qs); return -1; }
        for (size_t t = k; t < j; t++)
            if (qs.v[t].end <= q->span.end) v[q->nquoted++] = qs.v[t];
        q->quoted = v;
    }
    VEC_FREE(&qs);
    /* parts that share one speaker mention, and no cue of their own, are one statement
       ("A," he said. "B.": a rule gave "B." the mention of "A,"): each takes the first
       part's id */
    size_t *bym = arena_alloc(&doc->mem, (m + 1) * sizeof *bym), nm = 0;
    if (!bym) return -1;
    for (size_t i = 0; i < m; i++)
        if (doc->quotes.v[i].has_speaker && doc->quotes.v[i].speaker.present) bym[nm++] = i;
    mention_order = doc->quotes.v;
    qsort(bym, nm, sizeof *bym, mention_cmp);
    for (size_t i = 1; i < nm; i++) {
        quarry_record *a = &doc->quotes.v[bym[i - 1]], *b = &doc->quotes.v[bym[i]];
        /* a part of its own cue is its own statement: in `"A," he said, adding that B`
           the clause after "adding" shares the mention but is a second statement */
        if (a->speaker.start == b->speaker.start && a->speaker.end == b->speaker.end &&
            (!b->cue.present || (a->cue.present && a->cue.start == b->cue.start)))
            b->part_of = a->part_of ? a->part_of : a->id;
    }
    for (size_t i = 0; i < doc->cont.n; i++) {   /* in text order: a chain's first part first */
        const cont_link *l = &doc->cont.v[i];
        int64_t c = find_quote(doc, l->start, l->end), p = find_quote(doc, l->pstart, l->pend);
        /* the quote it continues may have gone inside a kept record (a partial quote inside
           a reported clause): that record is the statement */
        if (p < 0) p = find_holding(doc, l->pstart, l->pend);
        if (c < 0 || p < 0 || p == c) continue;
        const quarry_record *pr = &doc->quotes.v[p];
        doc->quotes.v[c].part_of = pr->part_of ? pr->part_of : pr->id;
    }
    return 0;
}

int quotes_assemble(const quarry_rules *r, quarry_doc *doc)
{
    const qspans *qs = quote_spans(r, doc);
    for (size_t i = 0; i < doc->anns.n; i++) {
        const annot *a = &doc->anns.v[i];
        if (type_record_of(r->types.v[a->type]) != TYPE_QUOTE) continue;
        quarry_record rec;
        memset(&rec, 0, sizeof rec);
        rec.kind = QUARRY_QUOTE;
        rec.rule = annot_rule_name(r, a);
        const char *qt0 = doc_feat_text(doc, doc_feat(r, a, ENG_K_TYPE));
        if (!qt0 || strcmp(qt0, "indirect")) rec.span = quote_span(doc, a->tstart, a->tend);
        else rec.span = doc_span(doc, a->tstart, clause_end(doc, qs, a->tstart, a->tend));
        rec.type = qt0 ? qt0 : "direct";
        const speaker *s = doc->spk ? &doc->spk[i] : NULL;
        if (s && s->has) {
            rec.has_speaker = 1;
            rec.speaker = s->mention;
            rec.speaker_name = s->name;
            rec.speaker_role = s->role;
            rec.speaker_resolved = s->resolved;
        }
        const afeat *cue = doc_feat(r, a, ENG_K_CUE);
        if (cue && cue->tstart >= 0)
            rec.cue = doc_span(doc, (uint32_t)cue->tstart, (uint32_t)cue->tend);
        if (VEC_PUSH(&doc->quotes, rec)) return -1;
    }
    if (doc_sort_records(doc, doc->quotes.v, doc->quotes.n)) return -1;
    if (cue_once(doc) || quote_nesting(r, doc) || continuations(r, doc))
        return -1;
    return statements(r, doc);
}

/* The document store every stage shares: annotations made outside the rule phases, the
 * text and offsets of token spans, feature look-up, paragraph numbers, warnings. It calls
 * only the layers below the stages (arena, text, tokens); every stage may call it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sort.h"

int doc_add_annot(quarry_doc *doc, uint32_t type, uint32_t tstart, uint32_t tend, uint32_t rule,
                  int32_t entity)
{
    if (tend <= tstart) return 0;
    annot an;
    memset(&an, 0, sizeof an);
    an.type = type;
    an.tstart = tstart;
    an.tend = tend;
    an.rule = rule;
    an.match = UINT32_MAX;
    an.entity = entity;
    return VEC_PUSH(&doc->anns, an);
}

/* The code-point offset of byte b (a character boundary) counted on from boundary b0, whose
 * offset is c0: a span's end from its start instead of from the start of its offset block
 * (text_char_offset walks up to a block of 256 bytes per call). Long spans take the block. */
static size_t char_offset_after(const text *t, size_t b0, size_t c0, size_t b)
{
    if (t->ascii) return b;
    if (b - b0 > TEXT_BLOCK) return text_char_offset(t, b);
    return text_char_offset_from(t, b0, c0, b);
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
    const char *s = doc->txt.src;
    char *r;
    if (!doc->txt.n_invalid) {   /* valid UTF-8: the bytes themselves */
        r = arena_strndup(&doc->mem, s + a, b - a);
        return r ? r : "";
    }
    r = arena_alloc(&doc->mem, 3 * (b - a) + 1);   /* an invalid byte becomes 3 */
    if (!r) return "";
    size_t o = 0;
    for (size_t i = a; i < b;) {
        uint32_t cp;
        size_t k = text_decode(s, doc->txt.len, i, &cp);
        if (cp == 0xFFFD && k == 1) { memcpy(r + o, "\xEF\xBF\xBD", 3); o += 3; }
        else { memcpy(r + o, s + i, k); o += k; }
        i += k;
    }
    r[o] = '\0';
    return r;
}

const afeat *doc_feat(const quarry_rules *r, const annot *a, eng_key key)
{
    int32_t k = r->eng_key[key];
    if (k < 0) return NULL;
    for (uint32_t i = 0; i < a->nfeats; i++)
        if (a->feats[i].key == (uint32_t)k) return &a->feats[i];
    return NULL;
}

int32_t doc_lex_entry(const quarry_doc *doc, uint32_t k, eng_lex lex)
{
    int32_t id = doc->rules ? doc->rules->eng_lex[lex] : -1;
    if (id < 0 || !doc->hits || k >= doc->toks.n) return -1;
    if (id < 64 && !(doc->lex1[k] >> id & 1)) return -1;   /* no one-token entry of it here */
    for (uint32_t h = doc->hit_first[k]; h < doc->hit_first[k + 1]; h++)
        if ((int32_t)doc->hits[h].lex == id && doc->hits[h].len == 1)
            return (int32_t)doc->hits[h].entry;
    return -1;
}

const char *doc_feat_text(quarry_doc *doc, const afeat *f)
{
    if (!f) return NULL;
    if (f->tstart < 0) return f->literal;
    return doc_span_text(doc, (uint32_t)f->tstart, (uint32_t)f->tend);
}

const char *annot_rule_name(const quarry_rules *r, const annot *a)
{
    if (a->rule == RULE_LINK_ALIAS) return "link.alias";
    if (a->rule == RULE_LINK_SAME) return "link.same-text";
    if (a->rule == RULE_QUOTE_PAIR) return "quote.pair";
    if (a->rule == RULE_QUOTE_CONT) return "quote.continuation";
    return r->rules.v[a->rule].name;
}


/* Paragraph number of each token. */
uint32_t *doc_paragraphs(quarry_doc *doc)
{
    if (doc->para) return doc->para;   /* made once per document, for every stage */
    uint32_t *para = arena_alloc(&doc->mem, (doc->toks.n + 1) * sizeof *para);
    if (!para) return NULL;
    const token *tv = doc->toks.v;
    size_t n = doc->toks.n;
    uint32_t p = 0;
    if (n) para[0] = 0;
    for (size_t k = 1; k < n; k++) {
        p += (tv[k].flags & QUARRY_TF_PARA_START) != 0;
        para[k] = p;
    }
    return doc->para = para;
}

void doc_warn(quarry_doc *doc, const char *fmt, ...)
{
    if (!doc->opts || !doc->opts->warn) return;
    quarry_error e;
    memset(&e, 0, sizeof e);
    e.code = QUARRY_ERR_LIMIT;
    e.is_warning = 1;
    snprintf(e.file, sizeof e.file, "%s", doc->id ? doc->id : "-");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    doc->opts->warn(&e, NULL, 0, doc->opts->warn_userdata);
}

int record_cmp(const void *a, const void *b)
{
    const quarry_record *x = a, *y = b;
    if (x->span.start != y->span.start) return x->span.start < y->span.start ? -1 : 1;
    if (x->span.end != y->span.end) return x->span.end > y->span.end ? -1 : 1;
    if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
    int c = strcmp(x->type, y->type);
    if (c) return c;
    return strcmp(x->rule, y->rule);
}

/* A record's place in record order (record_cmp): its span's start, then its end (longer
 * first) in one key; equal keys go on to the kind, type and rule. */
typedef struct rec_key { uint64_t k; const quarry_record *rec; } rec_key;
static inline int rec_before(const rec_key *x, const rec_key *y)
{
    if (x->k != y->k) return x->k < y->k;
    return record_cmp(x->rec, y->rec) < 0;
}
SORT_DEFINE(rec_sort, rec_key, rec_before)

int doc_sort_records(quarry_doc *doc, quarry_record *v, size_t n)
{
    if (n < 2) return 0;
    rec_key *keys = arena_alloc(&doc->mem, 2 * n * sizeof *keys);
    if (!keys) return -1;
    for (size_t i = 0; i < n; i++) {
        const quarry_span *sp = &v[i].span;   /* offsets in the window: below 4 GiB */
        keys[i] = (rec_key){(uint64_t)sp->start << 32 | (uint32_t)(UINT32_MAX - sp->end), &v[i]};
    }
    rec_sort(keys, n, keys + n);
    /* from[i]: the record that goes to i; set to i once it is there */
    size_t *from = (size_t *)(keys + n);   /* the sort's scratch, free again */
    for (size_t i = 0; i < n; i++) from[i] = (size_t)(keys[i].rec - v);
    for (size_t i = 0; i < n; i++) {
        if (from[i] == i) continue;
        quarry_record t = v[i];
        size_t j = i;
        while (from[j] != i) {
            size_t f = from[j];
            v[j] = v[f];
            from[j] = j;
            j = f;
        }
        v[j] = t;
        from[j] = j;
    }
    return 0;
}


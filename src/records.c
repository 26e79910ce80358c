/* Records: the output records of a document, doc->recs, in text order: an entity record for
 * every annotation whose type makes one (type_record_of; PERSON with its linked name and
 * role), and the quote statements of quote assembly (assemble.c). */
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "sort.h"

/* A record's place in record order (record_cmp): its span's start, then its end (longer
 * first) in one key; equal keys go on to the kind, type and rule. */
typedef struct rec_key { uint64_t k; const quarry_record *rec; } rec_key;
static inline int rec_before(const rec_key *x, const rec_key *y)
{
    if (x->k != y->k) return x->k < y->k;
    return record_cmp(x->rec, y->rec) < 0;
}
SORT_DEFINE(rec_sort, rec_key, rec_before)

/* doc->recs in record order: a stable sort of keys (the records are made nearly in order),
 * then each record out of place moved once, cycle by cycle. 0, -1 on OOM. */
static int records_sort(quarry_doc *doc)
{
    size_t n = doc->recs.n;
    quarry_record *v = doc->recs.v;
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

int records_build(const quarry_rules *r, quarry_doc *doc)
{
    unsigned only = doc_only(doc);   /* the record kinds wanted (quarry_options.only) */
    if (only != QUARRY_EMIT_QUOTES) {
        for (size_t i = 0; i < doc->anns.n; i++) {
            const annot *a = &doc->anns.v[i];
            const char *type = r->types.v[a->type];
            if (type_record_of(type) != TYPE_ENTITY) continue;
            quarry_record rec;
            memset(&rec, 0, sizeof rec);
            rec.span = doc_span(doc, a->tstart, a->tend);
            rec.rule = annot_rule_name(r, a);
            rec.kind = QUARRY_ENTITY;
            rec.type = type;
            /* canonical names and roles belong to people, a fuller name to an organisation named
               shorter (link.c fills them in) */
            if ((int32_t)a->type == r->eng_type[ENG_ORG] && a->name)
                rec.name = a->name;   /* the fuller name the document gives (link.c) */
            if ((int32_t)a->type == r->eng_type[ENG_PERSON]) {
                const char *nm = a->name ? a->name : doc_feat_text(doc, doc_feat(r, a, ENG_K_NAME));
                rec.name = nm ? nm : doc_span_text(doc, a->tstart, a->tend);
                rec.role = a->role ? a->role : doc_feat_text(doc, doc_feat(r, a, ENG_K_ROLE));
            }
            if (VEC_PUSH(&doc->recs, rec)) return -1;
        }
    }
    if (only != QUARRY_EMIT_ENTITIES)
        for (size_t i = 0; i < doc->quotes.n; i++)
            if (VEC_PUSH(&doc->recs, doc->quotes.v[i])) return -1;
    return records_sort(doc);
}

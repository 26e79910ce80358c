/* Records: the output records of a document, doc->recs, in text order: an entity record for
 * every annotation whose type makes one (type_record_of; PERSON with its linked name and
 * role), and the quote statements of quote assembly (assemble.c). */
#include <stdlib.h>
#include <string.h>

#include "doc.h"

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
    return doc_sort_records(doc, doc->recs.v, doc->recs.n);
}

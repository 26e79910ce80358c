/* Library entry points: versions, status strings, documents and record access. The
 * per-document pipeline itself is pipeline.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "stage.h"

const char *quarry_version(void) { return QUARRY_VERSION_STRING; }

const char *quarry_status_string(quarry_status code)
{
    switch (code) {
    case QUARRY_OK: return "ok";
    case QUARRY_ERR_NOMEM: return "out of memory";
    case QUARRY_ERR_IO: return "input/output error";
    case QUARRY_ERR_RULES: return "rule error";
    case QUARRY_ERR_LIMIT: return "limit exceeded";
    case QUARRY_ERR_USAGE: return "usage error";
    case QUARRY_ERR_NOT_TEXT: return "not text";
    }
    return "unknown status";
}

quarry_doc *quarry_doc_new(void)
{
    quarry_doc *d = calloc(1, sizeof *d);
    if (d) {
        arena_init(&d->mem);
        d->part = &d->part_store;
        d->part->first = d->part->last = 1;
    }
    return d;
}

void quarry_doc_free(quarry_doc *d)
{
    if (!d) return;
    arena_free(&d->mem);
    VEC_FREE(&d->anns);
    VEC_FREE(&d->quotes);
    VEC_FREE(&d->cont);
    VEC_FREE(&d->recs);
    VEC_FREE(&d->log);
    VEC_FREE(&d->xhits);
    VEC_FREE(&d->hitbuf);
    match_scratch_free(d->ms);
    free(d);
}

quarry_status quarry_extract(const quarry_rules *rules, quarry_doc *doc, const char *id,
                             const char *input, size_t len, const quarry_options *opts,
                             quarry_error *err)
{
    return quarry_internal_extract(rules, doc, id, input, len, opts, err, QUARRY_STAGE_ALL);
}

const char *quarry_doc_id(const quarry_doc *doc) { return doc && doc->id ? doc->id : "-"; }
size_t quarry_doc_record_count(const quarry_doc *doc) { return doc ? doc->recs.n : 0; }
const quarry_record *quarry_doc_record(const quarry_doc *doc, size_t i)
{
    return doc && i < doc->recs.n ? &doc->recs.v[i] : NULL;
}
size_t quarry_doc_token_count(const quarry_doc *doc) { return doc ? doc->toks.n : 0; }

int quarry_doc_token(const quarry_doc *doc, size_t i, quarry_token *tok)
{
    if (!doc || i >= doc->toks.n) return 0;
    const token *t = &doc->toks.v[i];
    tok->span = doc_span(doc, (uint32_t)i, (uint32_t)i + 1);
    tok->span.start += doc->part->base_b;   /* document offsets (quarry_extract_part) */
    tok->span.end += doc->part->base_b;
    tok->span.cstart += doc->part->base_c;
    tok->span.cend += doc->part->base_c;
    tok->kind = tok_kind_names[t->kind];
    tok->flags = t->flags;
    return 1;
}

/* INTERNAL (stage.h): work counts of the last extraction. */
void quarry_internal_profile(quarry_doc *doc, quarry_rule_prof *prof)
{
    if (doc) doc->prof = prof;
}

const char *quarry_internal_rule(const quarry_rules *r, size_t i, const char **phase)
{
    if (!r || i >= r->rules.n) return NULL;
    if (phase) *phase = r->phases.v[r->rules.v[i].phase].name;
    return r->rules.v[i].name;
}

void quarry_internal_stats(const quarry_doc *doc, quarry_doc_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!doc) return;
    s->tokens = doc->toks.n;
    s->lex_hits = doc->hit_first && doc->toks.n ? doc->hit_first[doc->toks.n] : 0;
    s->annotations = doc->anns.n;
    s->records = doc->recs.n;
    s->steps = doc->steps;
    for (const arena_chunk *c = doc->mem.head; c; c = c->next) s->arena_used += c->used;
    s->arena_reserved = doc->mem.total;
}

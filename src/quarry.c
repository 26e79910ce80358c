/* Library entry points: versions, status strings, the per-document pipeline
 * (text -> tokens -> lexicon hits -> rule phases -> records) and record access. */
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
    }
    return "unknown status";
}

quarry_doc *quarry_doc_new(void)
{
    quarry_doc *d = calloc(1, sizeof *d);
    if (d) arena_init(&d->mem);
    return d;
}

void quarry_doc_free(quarry_doc *d)
{
    if (!d) return;
    arena_free(&d->mem);
    VEC_FREE(&d->anns);
    VEC_FREE(&d->recs);
    VEC_FREE(&d->log);
    match_scratch_free(d->ms);
    free(d);
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

static void on_invalid(size_t off, void *ud)
{
    quarry_doc *doc = ud;
    if (!doc->opts || !doc->opts->warn) return;
    quarry_error e;
    memset(&e, 0, sizeof e);
    e.is_warning = 1;
    snprintf(e.file, sizeof e.file, "%s", doc->id ? doc->id : "-");
    snprintf(e.message, sizeof e.message,
             "invalid UTF-8 byte at byte offset %zu (read as U+FFFD)", off);
    doc->opts->warn(&e, NULL, 0, doc->opts->warn_userdata);
}

static void set_err(quarry_error *err, quarry_status code, const char *id, const char *msg)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", id ? id : "-");
    snprintf(err->message, sizeof err->message, "%s", msg);
}

/* Finds every lexicon entry at every token, once per document. */
static int lexicon_pass(const quarry_rules *r, quarry_doc *doc)
{
    size_t n = doc->toks.n;
    doc->hit_first = arena_alloc(&doc->mem, (n + 2) * sizeof *doc->hit_first);
    doc->lex1 = arena_alloc(&doc->mem, (n + 1) * sizeof *doc->lex1);
    if (!doc->hit_first || !doc->lex1) return -1;
    lex_hit *hits = NULL;
    size_t used = 0;
    if (r) {
        if (lexdb_match_all(r->lex, &doc->toks, 64, doc->hit_first, doc->lex1, &hits, &used))
            return -1;
    } else {
        memset(doc->hit_first, 0, n * sizeof *doc->hit_first);
        memset(doc->lex1, 0, n * sizeof *doc->lex1);
    }
    doc->lex1[n] = 0;
    doc->hit_first[n] = doc->hit_first[n + 1] = (uint32_t)used;
    doc->hits = arena_alloc(&doc->mem, (used + 1) * sizeof *doc->hits);
    if (!doc->hits) { free(hits); return -1; }
    if (used) memcpy(doc->hits, hits, used * sizeof *hits);
    free(hits);
    return 0;
}

quarry_status quarry_extract(const quarry_rules *rules, quarry_doc *doc, const char *id,
                             const char *input, size_t len, const quarry_options *opts,
                             quarry_error *err)
{
    return quarry_internal_extract(rules, doc, id, input, len, opts, err, QUARRY_STAGE_ALL);
}

/* INTERNAL (stage.h): the pipeline up to a stage, for `quarry bench`. */
quarry_status quarry_internal_extract(const quarry_rules *rules, quarry_doc *doc, const char *id,
                                      const char *input, size_t len, const quarry_options *opts,
                                      quarry_error *err, quarry_stage upto)
{
    static const quarry_options none;
    if (!doc || (!input && len)) {
        set_err(err, QUARRY_ERR_USAGE, id, "quarry_extract: no document or no text");
        return QUARRY_ERR_USAGE;
    }
    if (!input) input = "";
    arena_reset(&doc->mem);
    doc->anns.n = 0;
    doc->recs.n = 0;
    doc->log.n = 0;
    doc->steps = 0;
    doc->ann_first = NULL;
    doc->ann_order = NULL;
    doc->hit_first = NULL;
    doc->hits = NULL;
    doc->toks.v = NULL;
    doc->toks.n = 0;
    doc->opts = opts ? opts : &none;
    doc->explain = doc->opts->explain;
    doc->rules = rules;
    doc->id = arena_strndup(&doc->mem, id ? id : "-", strlen(id ? id : "-"));
    if (!doc->id) goto oom;
    if (doc->opts->max_doc_bytes && len > doc->opts->max_doc_bytes) {
        char msg[160];
        snprintf(msg, sizeof msg, "document is %zu bytes, over the limit of %zu", len,
                 doc->opts->max_doc_bytes);
        set_err(err, QUARRY_ERR_LIMIT, id, msg);
        return QUARRY_ERR_LIMIT;
    }
    if (len > 0xFFFFFFF0u) {
        set_err(err, QUARRY_ERR_LIMIT, id, "document over 4 GiB");
        return QUARRY_ERR_LIMIT;
    }
    if (text_init(&doc->txt, input, len, &doc->mem, on_invalid, doc)) goto oom;
    if (tokenize(&doc->txt, rules ? rules->abbrevs : NULL, &doc->mem, &doc->toks)) goto oom;
    if (!rules || doc->opts->tokens_only || upto <= QUARRY_STAGE_TOKENS) return QUARRY_OK;
    if (lexicon_pass(rules, doc)) goto oom;
    if (upto <= QUARRY_STAGE_LEXICON) return QUARRY_OK;
    if (quote_pair(rules, doc)) goto oom;
    if (match_run(rules, doc)) goto oom;
    if (records_build(rules, doc)) goto oom;
    return QUARRY_OK;
oom:
    set_err(err, QUARRY_ERR_NOMEM, id, "out of memory");
    return QUARRY_ERR_NOMEM;
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

/* The per-document pipeline, top to bottom, in the order a document travels:
 *   text (UTF-8 check, offsets)      text.c
 *   tokens, sentences, paragraphs    token.c
 *   lexicon hits                     lexicon.c
 *   quote-mark pairing               quote.c
 *   for each rule phase: match       match.c
 *     then, when it made entities:   link.c (names, aliases, roles)
 *   speaker resolution               speakers.c
 *   quote assembly                   assemble.c
 *   records                          records.c
 * Emitters (emit_*.c) write the records; docs/ARCHITECTURE.md says what each stage reads
 * and writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "stage.h"

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
    doc->quotes.n = 0;
    doc->cont.n = 0;
    doc->spk = NULL;
    doc->para = NULL;
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
    if (lexicon_hits(rules, doc)) goto oom;
    if (upto <= QUARRY_STAGE_LEXICON) return QUARRY_OK;
    if (quote_pair(rules, doc)) goto oom;
    if (match_begin(rules, doc)) goto oom;
    for (uint32_t ph = 0, nph = match_phase_count(rules, doc); ph < nph; ph++) {
        size_t before = doc->anns.n;
        if (match_phase(rules, doc, ph)) goto oom;
        /* later phases see linked mentions ("Kazemi" once "Hassan Kazemi Qomi" is known); a
           phase that made no entity changes nothing for linking */
        if (match_made_entities(rules, doc, before) && link_run(rules, doc)) goto oom;
        if (match_index(doc)) goto oom;
    }
    if (doc_only(doc) != QUARRY_EMIT_ENTITIES) {
        if (speakers_resolve(rules, doc)) goto oom;
        if (quotes_assemble(rules, doc)) goto oom;
    }
    if (records_build(rules, doc)) goto oom;
    return QUARRY_OK;
oom:
    set_err(err, QUARRY_ERR_NOMEM, id, "out of memory");
    return QUARRY_ERR_NOMEM;
}


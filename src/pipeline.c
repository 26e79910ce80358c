/* The per-document pipeline, top to bottom, in the order a document travels:
 *   text (encoding, UTF-8 check,     text.c
 *         not-text check, offsets)
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

/* The invalid UTF-8 bytes of a document: how many, and the first. */
typedef struct invalid_bytes { size_t n, first; } invalid_bytes;

static void on_invalid(size_t off, void *ud)
{
    invalid_bytes *iv = ud;
    if (iv->n++ == 0) iv->first = off;
}

static void set_err(quarry_error *err, quarry_status code, const char *id, const char *msg)
{
    if (!err) return;
    memset(err, 0, sizeof *err);
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", id ? id : "-");
    snprintf(err->message, sizeof err->message, "%s", msg);
}

/* The pipeline over input[0..len), a whole document or one window of it (doc->part). */
static quarry_status run(const quarry_rules *rules, quarry_doc *doc, const char *id,
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
    doc->lexany = NULL;
    doc->wid = doc->sid = doc->sfirst = NULL;
    doc->nsent = 0;
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
    /* text stage: the bytes read in the document's encoding, as UTF-8 (text.c) */
    unsigned enc = doc->opts->encoding;
    if (enc > QUARRY_ENCODING_LATIN1) {
        set_err(err, QUARRY_ERR_USAGE, id, "quarry_extract: unknown encoding");
        return QUARRY_ERR_USAGE;
    }
    const char *raw = input;
    size_t rawlen = len;
    invalid_bytes iv = {0, 0};
    char msg[300];
    msg[0] = '\0';
    if (enc == QUARRY_ENCODING_CP1252 || enc == QUARRY_ENCODING_LATIN1) {
        char *u;
        size_t n = text_transcode(input, len, (int)enc, &doc->mem, &u);
        if (n == (size_t)-1) goto oom;
        if (n > 0xFFFFFFF0u) goto too_big;
        input = u;
        len = n;
    }
    if (text_init(&doc->txt, input, len, &doc->mem, on_invalid, &iv)) goto oom;
    if (iv.n && enc == QUARRY_ENCODING_AUTO && !doc->txt.body) {
        /* not UTF-8 (and not declared so by a BOM): the bytes that are not UTF-8 are read
           as Windows-1252, and the document is indexed again in its converted form */
        char *u;
        size_t n = text_transcode(input, len, (int)enc, &doc->mem, &u);
        if (n == (size_t)-1) goto oom;
        if (n > 0xFFFFFFF0u) goto too_big;
        snprintf(msg, sizeof msg,
                 "not UTF-8 (%zu byte%s, the first at byte offset %zu): read as Windows-1252; "
                 "offsets count the converted text", iv.n, iv.n == 1 ? "" : "s",
                 iv.first + doc->part->raw_end);
        input = u;
        len = n;
        iv.n = 0;
        if (text_init(&doc->txt, input, len, &doc->mem, NULL, NULL)) goto oom;
    } else if (iv.n) {
        snprintf(msg, sizeof msg, "%zu invalid UTF-8 byte%s read as U+FFFD, the first at byte offset %zu",
                 iv.n, iv.n == 1 ? "" : "s", iv.first + doc->part->raw_end);
    }
    size_t nctrl, nchars;
    if (text_not_text(input, len, &nctrl, &nchars)) {
        const unsigned char *r = (const unsigned char *)raw;
        int utf16 = rawlen >= 2 && ((r[0] == 0xFF && r[1] == 0xFE) || (r[0] == 0xFE && r[1] == 0xFF));
        snprintf(msg, sizeof msg, "skipped: not text: %zu of its first %zu characters are control "
                 "characters (NUL and others)%s", nctrl, nchars,
                 utf16 ? "; it looks like UTF-16: convert it with iconv -f UTF-16 -t UTF-8" : "");
        set_err(err, QUARRY_ERR_NOT_TEXT, id, msg);
        return QUARRY_ERR_NOT_TEXT;
    }
    if (msg[0]) doc_warn(doc, "%s", msg);
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
    if (link_org_names(rules, doc)) goto oom;
    if (doc_only(doc) != QUARRY_EMIT_ENTITIES) {
        if (speakers_resolve(rules, doc)) goto oom;
        if (quotes_assemble(rules, doc)) goto oom;
    }
    if (records_build(rules, doc)) goto oom;
    return QUARRY_OK;
oom:
    set_err(err, QUARRY_ERR_NOMEM, id, "out of memory");
    return QUARRY_ERR_NOMEM;
too_big:
    set_err(err, QUARRY_ERR_LIMIT, id, "document over 4 GiB once converted to UTF-8");
    return QUARRY_ERR_LIMIT;
}


/* INTERNAL (stage.h): the pipeline up to a stage, for `quarry bench`; quarry_extract. */
quarry_status quarry_internal_extract(const quarry_rules *rules, quarry_doc *doc, const char *id,
                                      const char *input, size_t len, const quarry_options *opts,
                                      quarry_error *err, quarry_stage upto)
{
    if (doc) {
        memset(doc->part, 0, sizeof *doc->part);
        doc->part->first = doc->part->last = 1;
    }
    return run(rules, doc, id, input, len, opts, err, upto);
}

/* ---- large documents in windows (quarry_extract_part) -------------------------------- */

/* Does a quote mark open the paragraph at s[p..)? (after spaces and tabs) */
static int opens_with_quote(const char *s, size_t len, size_t p)
{
    while (p < len && (s[p] == ' ' || s[p] == '\t')) p++;
    if (p >= len) return 0;
    if (s[p] == '"' || s[p] == '\'') return 1;
    static const char *const marks[] = {"\xE2\x80\x9C", "\xE2\x80\x98", "\xE2\x80\x9E",
                                        "\xC2\xAB", "\xC2\xBB"};
    for (size_t k = 0; k < sizeof marks / sizeof *marks; k++) {
        size_t n = strlen(marks[k]);
        if (len - p >= n && !memcmp(s + p, marks[k], n)) return 1;
    }
    return 0;
}

/* Is s[p-1] the line end of a blank line (a line end, spaces or tabs, a line end)? */
static int after_blank_line(const char *s, size_t from, size_t p)
{
    if (p <= from || s[p - 1] != '\n') return 0;
    size_t i = p - 1;
    while (i > from && (s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\r')) i--;
    return i > from && s[i - 1] == '\n';
}

/* Where the window that starts at from ends (docs/quarry.1, README "One large document"):
 * the whole rest when it is at most QUARRY_WINDOW_BYTES; else the last cut at or before
 * from + QUARRY_WINDOW_BYTES, preferring, in the second half of that range, a blank line
 * followed by a paragraph that does not open with a quote mark (it may continue a quote of
 * the paragraph before), then any blank line, a line end, a space or tab, and last a
 * character boundary. The window never ends inside a UTF-8 character. */
static size_t window_end(const char *s, size_t len, size_t from)
{
    if (len - from <= QUARRY_WINDOW_BYTES) return len;
    size_t hi = from + QUARRY_WINDOW_BYTES, lo = from + QUARRY_WINDOW_BYTES / 2;
    for (size_t p = hi; p > lo; p--)
        if (after_blank_line(s, from, p) && !opens_with_quote(s, len, p)) return p;
    for (size_t p = hi; p > lo; p--)
        if (after_blank_line(s, from, p)) return p;
    for (size_t p = hi; p > lo; p--)
        if (s[p - 1] == '\n') return p;
    for (size_t p = hi; p > lo; p--)
        if (s[p - 1] == ' ' || s[p - 1] == '\t') return p;
    size_t p = hi;   /* not before a UTF-8 continuation byte */
    while (p > lo && ((unsigned char)s[p] & 0xC0) == 0x80) p--;
    return p;
}

static void shift_span(quarry_span *sp, const doc_part *pt)
{
    if (!sp->present) return;
    sp->start += pt->base_b;
    sp->end += pt->base_b;
    sp->cstart += pt->base_c;
    sp->cend += pt->base_c;
}

/* *id "q<n>" with the quotes of earlier windows added; the largest n seen in *max.
 * 0, -1 on OOM. */
static int shift_qid(quarry_doc *doc, const char **id, size_t *max)
{
    if (!*id || (*id)[0] != 'q') return 0;
    size_t n = strtoul(*id + 1, NULL, 10);
    if (n > *max) *max = n;
    if (!doc->part->next_q) return 0;
    char b[32];
    snprintf(b, sizeof b, "q%zu", n + doc->part->next_q);
    return (*id = arena_strndup(&doc->mem, b, strlen(b))) ? 0 : -1;
}

quarry_status quarry_extract_part(const quarry_rules *rules, quarry_doc *doc, const char *id,
                                  const char *text, size_t len, size_t *pos,
                                  const quarry_options *opts, quarry_error *err)
{
    if (!doc || !pos || (!text && len) || *pos > len) {
        set_err(err, QUARRY_ERR_USAGE, id, "quarry_extract_part: no document, text or position");
        return QUARRY_ERR_USAGE;
    }
    if (!text) text = "";
    doc_part *pt = doc->part;
    if (*pos == 0) {
        memset(pt, 0, sizeof *pt);
        if (opts && opts->max_doc_bytes && len > opts->max_doc_bytes) {
            char msg[160];
            snprintf(msg, sizeof msg, "document is %zu bytes, over the limit of %zu", len,
                     opts->max_doc_bytes);
            set_err(err, QUARRY_ERR_LIMIT, id, msg);
            return QUARRY_ERR_LIMIT;
        }
    } else {   /* the window after the last one: move the bases past it */
        if (pt->raw_end != *pos) {
            set_err(err, QUARRY_ERR_USAGE, id, "quarry_extract_part: *pos is not where the last window ended");
            return QUARRY_ERR_USAGE;
        }
        pt->base_b += doc->txt.len;
        pt->base_c += doc->txt.n_chars;
        pt->base_tok += doc->toks.n;
    }
    size_t end = window_end(text, len, *pos);
    pt->first = *pos == 0;
    pt->last = end == len;
    quarry_status st = run(rules, doc, id, text + *pos, end - *pos, opts, err, QUARRY_STAGE_ALL);
    if (st != QUARRY_OK) return st;
    size_t maxq = 0;
    for (size_t i = 0; i < doc->recs.n; i++) {
        quarry_record *r = &doc->recs.v[i];
        shift_span(&r->span, pt);
        if (r->kind != QUARRY_QUOTE) continue;
        shift_span(&r->speaker, pt);
        shift_span(&r->cue, pt);
        if (r->nquoted && pt->base_b) {
            quarry_span *q = arena_alloc(&doc->mem, r->nquoted * sizeof *q);
            if (!q) goto oom;
            for (size_t k = 0; k < r->nquoted; k++) {
                q[k] = r->quoted[k];
                shift_span(&q[k], pt);
            }
            r->quoted = q;
        }
        if (shift_qid(doc, &r->id, &maxq) || shift_qid(doc, &r->part_of, &maxq)) goto oom;
    }
    pt->next_q += maxq;
    pt->raw_end = end;
    *pos = end;
    return QUARRY_OK;
oom:
    set_err(err, QUARRY_ERR_NOMEM, id, "out of memory");
    return QUARRY_ERR_NOMEM;
}

/* libFuzzer target: any bytes in as a document, every record out with the default rules.
 *
 * The first input byte picks the options (the rest is the document):
 *   bit 0  --offsets bytes        bit 3  --only entities
 *   bit 1  tokens only            bit 4  --only quotes
 *   bit 2  explain                bit 5  a second run on the same quarry_doc (reuse)
 *   bit 6  max_doc_bytes = half the document (the limit path)
 *   bit 7  the entity records of --only entities (which skips the quote phases) equal
 *          those of a full run
 * Bits 3 and 4 set quarry_options.only too: the document then holds no record of the
 * other kind. Records are written to a memory stream and checked: spans inside the
 * document, each output line one JSON object of valid UTF-8 with no raw control characters.
 * Built with clang -fsanitize=fuzzer (make fuzz) or with fuzz/replay.c (make fuzz-replay). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quarry.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static quarry_rules *rules;

static void warn_cb(const quarry_error *e, const char *line, size_t len, void *ud)
{
    (void)line; (void)len;
    size_t *n = ud;
    *n += strlen(e->message) + strlen(e->file);
}

static void check_span(const quarry_span *s, size_t len)
{
    if (!s->present) return;
    if (s->start > s->end || s->end > len || s->cstart > s->cend || s->cend > len ||
        s->cstart > s->start || s->cend - s->cstart > s->end - s->start)
        abort();
}

/* 1 when s[0..n) is valid UTF-8 without raw bytes < 0x20. */
static int clean_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x20) return 0;
        if (c < 0x80) { i++; continue; }
        size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (!k || c > 0xF4 || i + k > n) return 0;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80) return 0;
        if (k == 3 && ((c == 0xE0 && s[i + 1] < 0xA0) || (c == 0xED && s[i + 1] > 0x9F))) return 0;
        if (k == 4 && ((c == 0xF0 && s[i + 1] < 0x90) || (c == 0xF4 && s[i + 1] > 0x8F))) return 0;
        i += k;
    }
    return 1;
}

static void check_output(const char *out, size_t n, int jsonl)
{
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && out[j] != '\n') j++;
        if (jsonl && (j == i || out[i] != '{' || out[j - 1] != '}')) abort();
        if (jsonl && !clean_utf8((const unsigned char *)out + i, j - i)) abort();
        i = j + 1;
    }
}

static void run(quarry_doc *doc, const char *text, size_t len, unsigned o)
{
    size_t warned = 0;
    quarry_options opts;
    memset(&opts, 0, sizeof opts);
    opts.tokens_only = (o >> 1) & 1;
    opts.explain = (o >> 2) & 1;
    opts.warn = warn_cb;
    opts.warn_userdata = &warned;
    if (o & 64) opts.max_doc_bytes = len / 2 + 1;
    opts.only = (o & 8 ? QUARRY_EMIT_ENTITIES : 0) | (o & 16 ? QUARRY_EMIT_QUOTES : 0);
    unsigned only = opts.only == (QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES) || opts.explain
                        ? 0 : opts.only;
    quarry_error err;
    quarry_status st = quarry_extract(rules, doc, "fuzz", text, len, &opts, &err);
    if (st != QUARRY_OK) {
        if (st != QUARRY_ERR_LIMIT || !(o & 64)) abort();   /* only the size limit may fail */
        return;
    }
    for (size_t i = 0; i < quarry_doc_record_count(doc); i++) {
        const quarry_record *r = quarry_doc_record(doc, i);
        if (!r || !r->type || !r->rule) abort();
        if (only && !(only & (r->kind == QUARRY_QUOTE ? QUARRY_EMIT_QUOTES : QUARRY_EMIT_ENTITIES)))
            abort();   /* a record of a kind not asked for */
        check_span(&r->span, len);
        if (!r->span.present) abort();
        if (r->kind == QUARRY_QUOTE) {
            if (r->has_speaker) check_span(&r->speaker, len);
            check_span(&r->cue, len);
        }
    }
    if (quarry_doc_record(doc, quarry_doc_record_count(doc))) abort();
    quarry_token tok;
    for (size_t i = 0; quarry_doc_token(doc, i, &tok); i++) {
        check_span(&tok.span, len);
        if (tok.span.start >= tok.span.end) abort();
    }
    unsigned flags = 0;
    if (o & 1) flags |= QUARRY_EMIT_BYTE_OFFSETS;
    if (o & 8) flags |= QUARRY_EMIT_ENTITIES;
    if (o & 16) flags |= QUARRY_EMIT_QUOTES;
    quarry_format fmt = opts.tokens_only ? QUARRY_FORMAT_TOKENS
                        : opts.explain ? QUARRY_FORMAT_EXPLAIN : QUARRY_FORMAT_JSONL;
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    if (!f) abort();
    if (quarry_emit(doc, fmt, flags, f)) abort();
    fclose(f);
    check_output(out, outlen, fmt != QUARRY_FORMAT_EXPLAIN);
    free(out);
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

/* The entity records of a full run and of one with only = entities are the same. */
static void same_entities(quarry_doc *doc, const char *text, size_t len)
{
    quarry_doc *ent = quarry_doc_new();
    if (!ent) abort();
    quarry_options opts;
    memset(&opts, 0, sizeof opts);
    if (quarry_extract(rules, doc, "fuzz", text, len, &opts, NULL) != QUARRY_OK) abort();
    opts.only = QUARRY_EMIT_ENTITIES;
    if (quarry_extract(rules, ent, "fuzz", text, len, &opts, NULL) != QUARRY_OK) abort();
    size_t k = 0;
    for (size_t i = 0; i < quarry_doc_record_count(doc); i++) {
        const quarry_record *a = quarry_doc_record(doc, i);
        if (a->kind != QUARRY_ENTITY) continue;
        const quarry_record *b = quarry_doc_record(ent, k++);
        if (!b || b->span.start != a->span.start || b->span.end != a->span.end ||
            strcmp(a->type, b->type) || !same_str(a->name, b->name) || !same_str(a->role, b->role))
            abort();
    }
    if (k != quarry_doc_record_count(ent)) abort();
    quarry_doc_free(ent);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!rules) {
        rules = quarry_rules_default(NULL);
        if (!rules) abort();
    }
    if (size < 1) return 0;
    unsigned o = data[0];
    size_t len = size - 1;
    /* a copy of exactly len bytes, so that ASan sees any read past the end */
    char *text = malloc(len ? len : 1);
    if (!text) return 0;
    memcpy(text, data + 1, len);
    quarry_doc *doc = quarry_doc_new();
    if (!doc) abort();
    run(doc, text, len, o);
    if (o & 32) run(doc, text, len, o ^ 7);   /* reuse the doc with other options */
    if ((o & 128) && !(o & 64)) same_entities(doc, text, len);
    quarry_doc_free(doc);
    free(text);
    return 0;
}

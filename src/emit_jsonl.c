/* Emitters for machines: JSON Lines records (the contract of DESIGN.md) and one JSON
 * record per token (for debugging the tokenizer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(QUARRY_NO_SIMD)
#include <emmintrin.h>
#endif

#include "doc.h"

/* Output goes through a buffer on the stack, written with one fwrite when it is full and at
 * the end: no stdio call per field or character and no printf for numbers. */
typedef struct obuf {
    FILE *f;
    size_t n;
    char b[16384];
} obuf;

static void ob_flush(obuf *o)
{
    if (o->n) fwrite(o->b, 1, o->n, o->f);
    o->n = 0;
}

static void ob_put(obuf *o, const char *s, size_t n)
{
    if (n > sizeof o->b - o->n) {
        ob_flush(o);
        if (n > sizeof o->b) {
            fwrite(s, 1, n, o->f);
            return;
        }
    }
    memcpy(o->b + o->n, s, n);
    o->n += n;
}

#define OB_LIT(o, s) ob_put((o), (s), sizeof(s) - 1)

static void ob_c(obuf *o, char c)
{
    if (o->n == sizeof o->b) ob_flush(o);
    o->b[o->n++] = c;
}

/* n in decimal, as printf's %zu. */
static void ob_u(obuf *o, size_t n)
{
    char t[24];
    size_t k = sizeof t;
    do {
        t[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    ob_put(o, t + k, sizeof t - k);
}

/* "\u" and four lower-case hex digits, as printf's "\\u%04x" for cp <= 0xFFFF. */
static void ob_u4(obuf *o, uint32_t cp)
{
    static const char hex[] = "0123456789abcdef";
    char t[6] = {'\\', 'u', hex[cp >> 12 & 15], hex[cp >> 8 & 15], hex[cp >> 4 & 15], hex[cp & 15]};
    ob_put(o, t, 6);
}

/* Writes s[0..n) as a JSON string; invalid UTF-8 bytes become U+FFFD. */
static void json_str(obuf *out, const char *s, size_t n)
{
    ob_c(out, '"');
    size_t i = 0, run = 0;
    while (i < n) {
#if defined(__SSE2__) && !defined(QUARRY_NO_SIMD)
        if (i + 16 <= n) {   /* 16 bytes that need no escape: ASCII from 0x20, no " or \ */
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            __m128i bad = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                       _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
            bad = _mm_or_si128(bad, _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));   /* and >= 0x80 */
            if (!_mm_movemask_epi8(bad)) { i += 16; run += 16; continue; }
        }
#endif
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) { i++; run++; continue; }
        if (run) ob_put(out, s + i - run, run);
        run = 0;
        if (c < 0x80) {
            switch (c) {
            case '"': OB_LIT(out, "\\\""); break;
            case '\\': OB_LIT(out, "\\\\"); break;
            case '\n': OB_LIT(out, "\\n"); break;
            case '\r': OB_LIT(out, "\\r"); break;
            case '\t': OB_LIT(out, "\\t"); break;
            default: ob_u4(out, c);
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = text_decode(s, n, i, &cp);
        if (k == 1 && cp == 0xFFFD) OB_LIT(out, "\xEF\xBF\xBD");
        else if (cp == 0x2028 || cp == 0x2029) ob_u4(out, cp);
        else ob_put(out, s + i, k);
        i += k;
    }
    if (run) ob_put(out, s + i - run, run);
    ob_c(out, '"');
}

static void json_cstr(obuf *out, const char *s)
{
    if (!s) OB_LIT(out, "null");
    else json_str(out, s, strlen(s));
}

static void span_fields(obuf *out, const quarry_doc *doc, const quarry_span *sp, int bytes)
{
    if (!sp->present) {
        OB_LIT(out, "\"start\":null,\"end\":null,\"text\":null");
        return;
    }
    OB_LIT(out, "\"start\":");
    ob_u(out, bytes ? sp->start : sp->cstart);
    OB_LIT(out, ",\"end\":");
    ob_u(out, bytes ? sp->end : sp->cend);
    OB_LIT(out, ",\"text\":");
    json_str(out, doc_bytes(doc, sp->start), sp->end - sp->start);
}

static void emit_record(obuf *out, const quarry_doc *doc, const quarry_record *r, int bytes)
{
    OB_LIT(out, "{\"doc\":");
    json_cstr(out, doc->id);
    if (r->kind == QUARRY_QUOTE) OB_LIT(out, ",\"kind\":\"quote\",\"type\":");
    else OB_LIT(out, ",\"kind\":\"entity\",\"type\":");
    json_cstr(out, r->type);
    if (r->kind == QUARRY_QUOTE) {
        OB_LIT(out, ",\"id\":");
        json_cstr(out, r->id);
    }
    ob_c(out, ',');
    span_fields(out, doc, &r->span, bytes);
    if (r->kind == QUARRY_ENTITY) {
        if (r->name) { OB_LIT(out, ",\"name\":"); json_cstr(out, r->name); }
        if (r->role) { OB_LIT(out, ",\"role\":"); json_cstr(out, r->role); }
    } else {
        OB_LIT(out, ",\"part_of\":");
        json_cstr(out, r->part_of);
        OB_LIT(out, ",\"quoted\":[");
        for (size_t i = 0; i < r->nquoted; i++) {
            if (i) ob_c(out, ',');
            ob_c(out, '{');
            span_fields(out, doc, &r->quoted[i], bytes);
            ob_c(out, '}');
        }
        OB_LIT(out, "],\"speaker\":");
        if (!r->has_speaker) {
            OB_LIT(out, "null");
        } else {
            /* a speaker with a mention of its own gives its offsets; a continuation has
               none, and says so with "mention":null rather than null offsets */
            ob_c(out, '{');
            if (r->speaker.present) span_fields(out, doc, &r->speaker, bytes);
            else OB_LIT(out, "\"mention\":null");
            OB_LIT(out, ",\"name\":");
            json_cstr(out, r->speaker_name);
            OB_LIT(out, ",\"role\":");
            json_cstr(out, r->speaker_role);
            OB_LIT(out, ",\"resolved\":");
            json_cstr(out, r->speaker_resolved ? r->speaker_resolved : "none");
            ob_c(out, '}');
        }
        OB_LIT(out, ",\"cue\":");
        if (!r->cue.present) {
            OB_LIT(out, "null");
        } else {
            ob_c(out, '{');
            span_fields(out, doc, &r->cue, bytes);
            ob_c(out, '}');
        }
    }
    OB_LIT(out, ",\"rule\":");
    json_cstr(out, r->rule);
    OB_LIT(out, "}\n");
}

static const struct { uint32_t bit; const char *name; } flag_names[] = {
    {QUARRY_TF_CAP, "cap"},           {QUARRY_TF_ALLCAPS, "allcaps"},
    {QUARRY_TF_LOWER, "lower"},       {QUARRY_TF_DIGIT, "digit"},
    {QUARRY_TF_ALPHA, "alpha"},       {QUARRY_TF_ABBREV, "abbrev"},
    {QUARRY_TF_SENT_START, "sstart"}, {QUARRY_TF_SENT_END, "send"},
    {QUARRY_TF_PARA_START, "pstart"}, {QUARRY_TF_PARA_END, "pend"},
    {QUARRY_TF_QOPEN, "oquote"},      {QUARRY_TF_QCLOSE, "cquote"},
    {QUARRY_TF_QAMBIG, "aquote"},     {QUARRY_TF_SPACE_BEFORE, "space_before"},
    {QUARRY_TF_SPACE_AFTER, "space_after"}, {QUARRY_TF_NONASCII, "nonascii"}, {QUARRY_TF_LINE_START, "lstart"},
};

static void emit_token(obuf *out, const quarry_doc *doc, size_t i, int bytes)
{
    quarry_token t;
    quarry_doc_token(doc, i, &t);
    OB_LIT(out, "{\"doc\":");
    json_cstr(out, doc->id);
    OB_LIT(out, ",\"i\":");
    ob_u(out, i + doc->part->base_tok);
    OB_LIT(out, ",\"kind\":\"");
    ob_put(out, t.kind, strlen(t.kind));
    OB_LIT(out, "\",");
    span_fields(out, doc, &t.span, bytes);
    OB_LIT(out, ",\"flags\":[");
    int first = 1;
    for (size_t k = 0; k < sizeof flag_names / sizeof *flag_names; k++)
        if (t.flags & flag_names[k].bit) {
            if (!first) ob_c(out, ',');
            ob_c(out, '"');
            ob_put(out, flag_names[k].name, strlen(flag_names[k].name));
            ob_c(out, '"');
            first = 0;
        }
    OB_LIT(out, "]}\n");
}

int quarry_emit(const quarry_doc *doc, quarry_format format, unsigned flags, FILE *out)
{
    int bytes = (flags & QUARRY_EMIT_BYTE_OFFSETS) != 0;
    unsigned want = flags & (QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES);
    if (!want) want = QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES;
    int rc = 0;
    if (format == QUARRY_FORMAT_EXPLAIN) {
        emit_explain(doc, out);
    } else if (format == QUARRY_FORMAT_INLINE) {
        rc = emit_inline(doc, flags, out);
    } else if (format == QUARRY_FORMAT_HTML) {
        rc = emit_html(doc, flags, out);
    } else if (format == QUARRY_FORMAT_BRAT) {
        rc = emit_brat(doc, flags, out);
    } else if (format == QUARRY_FORMAT_CONLL) {
        rc = emit_conll(doc, flags, out);
    } else if (format == QUARRY_FORMAT_TSV) {
        rc = emit_tsv(doc, flags, out);
    } else if (format == QUARRY_FORMAT_SUMMARY) {
        rc = emit_summary(doc, flags, out);
    } else if (format == QUARRY_FORMAT_TOKENS) {
        obuf ob;
        ob.f = out;
        ob.n = 0;
        for (size_t i = 0; i < doc->toks.n; i++) emit_token(&ob, doc, i, bytes);
        ob_flush(&ob);
    } else {
        obuf ob;
        ob.f = out;
        ob.n = 0;
        for (size_t i = 0; i < doc->recs.n; i++) {
            const quarry_record *r = &doc->recs.v[i];
            if (r->kind == QUARRY_QUOTE ? !(want & QUARRY_EMIT_QUOTES) : !(want & QUARRY_EMIT_ENTITIES))
                continue;
            emit_record(&ob, doc, r, bytes);
        }
        ob_flush(&ob);
    }
    return rc || ferror(out) ? -1 : 0;
}

int quarry_emit_begin(quarry_format format, FILE *out)
{
    if (format == QUARRY_FORMAT_HTML) emit_html_begin(out);
    else if (format == QUARRY_FORMAT_TSV) emit_tsv_header(out);
    return ferror(out) ? -1 : 0;
}

int quarry_emit_end(quarry_format format, FILE *out)
{
    if (format == QUARRY_FORMAT_HTML) emit_html_end(out);
    return ferror(out) ? -1 : 0;
}

int quarry_emit_text(const quarry_doc *doc, FILE *out)
{
    return emit_text(doc, out);
}

char *quarry_doc_to_jsonl(const quarry_doc *doc, unsigned flags)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    int rc = quarry_emit(doc, QUARRY_FORMAT_JSONL, flags, f);
    if (fclose(f) != 0 || rc) {
        free(buf);
        return NULL;
    }
    return buf;
}

void quarry_free(void *p)
{
    free(p);
}

/* Emitters for machines: JSON Lines records (the contract of DESIGN.md) and one JSON
 * record per token (for debugging the tokenizer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

/* Writes s[0..n) as a JSON string; invalid UTF-8 bytes become U+FFFD. */
static void json_str(FILE *out, const char *s, size_t n)
{
    putc('"', out);
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) { i++; run++; continue; }
        if (run) fwrite(s + i - run, 1, run, out);
        run = 0;
        if (c < 0x80) {
            switch (c) {
            case '"': fputs("\\\"", out); break;
            case '\\': fputs("\\\\", out); break;
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default: fprintf(out, "\\u%04x", c);
            }
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = text_decode(s, n, i, &cp);
        if (k == 1 && cp == 0xFFFD) fputs("\xEF\xBF\xBD", out);
        else if (cp == 0x2028 || cp == 0x2029) fprintf(out, "\\u%04x", cp);
        else fwrite(s + i, 1, k, out);
        i += k;
    }
    if (run) fwrite(s + i - run, 1, run, out);
    putc('"', out);
}

static void json_cstr(FILE *out, const char *s)
{
    if (!s) fputs("null", out);
    else json_str(out, s, strlen(s));
}

static void span_fields(FILE *out, const quarry_doc *doc, const quarry_span *sp, int bytes)
{
    if (!sp->present) {
        fputs("\"start\":null,\"end\":null,\"text\":null", out);
        return;
    }
    fprintf(out, "\"start\":%zu,\"end\":%zu,\"text\":", bytes ? sp->start : sp->cstart,
            bytes ? sp->end : sp->cend);
    json_str(out, doc->txt.src + sp->start, sp->end - sp->start);
}

static void emit_record(FILE *out, const quarry_doc *doc, const quarry_record *r, int bytes)
{
    fputs("{\"doc\":", out);
    json_cstr(out, doc->id);
    fprintf(out, ",\"kind\":\"%s\",\"type\":", r->kind == QUARRY_QUOTE ? "quote" : "entity");
    json_cstr(out, r->type);
    putc(',', out);
    span_fields(out, doc, &r->span, bytes);
    if (r->kind == QUARRY_ENTITY) {
        if (r->name) { fputs(",\"name\":", out); json_cstr(out, r->name); }
        if (r->role) { fputs(",\"role\":", out); json_cstr(out, r->role); }
    } else {
        fputs(",\"speaker\":", out);
        if (!r->has_speaker) {
            fputs("null", out);
        } else {
            putc('{', out);
            span_fields(out, doc, &r->speaker, bytes);
            fputs(",\"name\":", out);
            json_cstr(out, r->speaker_name);
            fputs(",\"role\":", out);
            json_cstr(out, r->speaker_role);
            putc('}', out);
        }
        fputs(",\"cue\":", out);
        if (!r->cue.present) {
            fputs("null", out);
        } else {
            putc('{', out);
            span_fields(out, doc, &r->cue, bytes);
            putc('}', out);
        }
    }
    fputs(",\"rule\":", out);
    json_cstr(out, r->rule);
    fputs("}\n", out);
}

static const struct { uint32_t bit; const char *name; } flag_names[] = {
    {QUARRY_TF_CAP, "cap"},           {QUARRY_TF_ALLCAPS, "allcaps"},
    {QUARRY_TF_LOWER, "lower"},       {QUARRY_TF_DIGIT, "digit"},
    {QUARRY_TF_ALPHA, "alpha"},       {QUARRY_TF_ABBREV, "abbrev"},
    {QUARRY_TF_SENT_START, "sstart"}, {QUARRY_TF_SENT_END, "send"},
    {QUARRY_TF_PARA_START, "pstart"}, {QUARRY_TF_PARA_END, "pend"},
    {QUARRY_TF_QOPEN, "oquote"},      {QUARRY_TF_QCLOSE, "cquote"},
    {QUARRY_TF_QAMBIG, "aquote"},     {QUARRY_TF_SPACE_BEFORE, "space_before"},
    {QUARRY_TF_SPACE_AFTER, "space_after"}, {QUARRY_TF_NONASCII, "nonascii"},
};

static void emit_token(FILE *out, const quarry_doc *doc, size_t i, int bytes)
{
    quarry_token t;
    quarry_doc_token(doc, i, &t);
    fputs("{\"doc\":", out);
    json_cstr(out, doc->id);
    fprintf(out, ",\"i\":%zu,\"kind\":\"%s\",", i, t.kind);
    span_fields(out, doc, &t.span, bytes);
    fputs(",\"flags\":[", out);
    int first = 1;
    for (size_t k = 0; k < sizeof flag_names / sizeof *flag_names; k++)
        if (t.flags & flag_names[k].bit) {
            fprintf(out, "%s\"%s\"", first ? "" : ",", flag_names[k].name);
            first = 0;
        }
    fputs("]}\n", out);
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
    } else if (format == QUARRY_FORMAT_TOKENS) {
        for (size_t i = 0; i < doc->toks.n; i++) emit_token(out, doc, i, bytes);
    } else {
        for (size_t i = 0; i < doc->recs.n; i++) {
            const quarry_record *r = &doc->recs.v[i];
            if (r->kind == QUARRY_QUOTE ? !(want & QUARRY_EMIT_QUOTES) : !(want & QUARRY_EMIT_ENTITIES))
                continue;
            emit_record(out, doc, r, bytes);
        }
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

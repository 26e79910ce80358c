/* The TSV format: one record per line, tab-separated, under one header line written by
 * quarry_emit_begin:
 *
 *   doc kind type start end text name role speaker speaker_name speaker_role cue rule
 *
 * start/end follow QUARRY_EMIT_BYTE_OFFSETS like the JSONL records; speaker and cue are the
 * text of the speaker mention and the cue. An absent value is an empty field. Backslash,
 * tab, newline and carriage return inside a field are written \\ \t \n \r; invalid UTF-8
 * bytes become U+FFFD. */
#include <string.h>

#include "emit_util.h"

static const char tsv_header[] =
    "doc\tkind\ttype\tstart\tend\ttext\tname\trole\tspeaker\tspeaker_name\tspeaker_role\tcue\trule\n";

int emit_tsv_header(FILE *out)
{
    fputs(tsv_header, out);
    return 0;
}

static void field(FILE *out, const char *s, size_t n)
{
    size_t run = 0, i;
    for (i = 0; i < n; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '\\': rep = "\\\\"; break;
        case '\t': rep = "\\t"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        default: continue;
        }
        emit_raw(out, s + run, i - run);
        fputs(rep, out);
        run = i + 1;
    }
    emit_raw(out, s + run, n - run);
}

static void cfield(FILE *out, const char *s)
{
    putc('\t', out);
    if (s) field(out, s, strlen(s));
}

static void sfield(FILE *out, const quarry_doc *doc, const quarry_span *sp)
{
    putc('\t', out);
    if (sp->present) field(out, doc_bytes(doc, sp->start), sp->end - sp->start);
}

int emit_tsv(const quarry_doc *doc, unsigned flags, FILE *out)
{
    int bytes = (flags & QUARRY_EMIT_BYTE_OFFSETS) != 0;
    for (size_t i = 0; i < doc->recs.n; i++) {
        const quarry_record *r = &doc->recs.v[i];
        if (!emit_wanted(r, flags)) continue;
        const char *id = doc->id ? doc->id : "-";
        field(out, id, strlen(id));
        fputs(r->kind == QUARRY_QUOTE ? "\tquote" : "\tentity", out);
        cfield(out, r->type);
        if (r->span.present)
            fprintf(out, "\t%zu\t%zu", bytes ? r->span.start : r->span.cstart,
                    bytes ? r->span.end : r->span.cend);
        else
            fputs("\t\t", out);
        sfield(out, doc, &r->span);
        if (r->kind == QUARRY_ENTITY) {
            cfield(out, r->name);
            cfield(out, r->role);
            fputs("\t\t\t\t", out);
        } else {
            fputs("\t\t", out);
            quarry_span none = {0, 0, 0, 0, 0};
            sfield(out, doc, r->has_speaker ? &r->speaker : &none);
            cfield(out, r->has_speaker ? r->speaker_name : NULL);
            cfield(out, r->has_speaker ? r->speaker_role : NULL);
            sfield(out, doc, &r->cue);
        }
        cfield(out, r->rule);
        putc('\n', out);
    }
    return 0;
}

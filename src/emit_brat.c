/* The brat standoff format (.ann), attribution layout of PolNeAR:
 *
 *   T1	PERSON 502 514	Ryan Crocker            one T line per entity record (quarry type)
 *   T2	Source 1119 1125	Kazemi              per quote: the speaker mention,
 *   T3	Cue 1126 1130	told                    the cue (speech verb),
 *   T4	Content 1034 1117	The two sides ...   the quote span,
 *   T5	Attribution 1126 1130	told            the trigger (on the cue),
 *   E1	Attribution:T5 Content:T4 Cue:T3 Source:T2
 *
 * Offsets are code points (brat counts characters), end exclusive, whatever
 * QUARRY_EMIT_BYTE_OFFSETS says, into the text quarry_emit_text writes (invalid bytes as
 * U+FFFD). A quote without a speaker mention has no Source and its trigger and event are
 * typed Attribution-no-source (as in PolNeAR); one without a cue has no Cue and its trigger
 * lies on the content. A span that crosses line breaks is written as fragments
 * ("575 842;843 1076") that leave the line-break characters out; the text field joins the
 * fragments with a space, tabs become spaces. Unless QUARRY_EMIT_NO_WRAPPER is set, each
 * document starts with a comment line "# doc: ID" so several documents can share a stream. */
#include <string.h>

#include "emit_util.h"

static int is_brk(char c) { return c == '\n' || c == '\r'; }

/* Code-point offset in the document of byte offset i of the window. */
static size_t c_off(const quarry_doc *doc, size_t i)
{
    return text_char_offset(&doc->txt, i) + doc->part->base_c;
}

/* Writes "Tn<TAB>TYPE FRAGMENTS<TAB>TEXT\n" for the byte span [a, b) of the document. */
static void t_line(FILE *out, const quarry_doc *doc, unsigned id, const char *type, size_t a,
                   size_t b)
{
    const char *s = doc->txt.src;   /* the window's bytes: a and b made relative to it */
    a -= doc->part->base_b;
    b -= doc->part->base_b;
    fprintf(out, "T%u\t%s ", id, type);
    size_t i = a;
    int nfrag = 0;
    while (i < b) {
        while (i < b && is_brk(s[i])) i++;
        if (i >= b) break;
        size_t j = i;
        while (j < b && !is_brk(s[j])) j++;
        fprintf(out, "%s%zu %zu", nfrag ? ";" : "", c_off(doc, i), c_off(doc, j));
        nfrag++;
        i = j;
    }
    if (!nfrag)   /* only line breaks (or empty): the span as it is */
        fprintf(out, "%zu %zu", c_off(doc, a), c_off(doc, b));
    putc('\t', out);
    int first = 1;
    for (i = a; i < b;) {
        while (i < b && is_brk(s[i])) i++;
        if (i >= b) break;
        size_t j = i;
        while (j < b && !is_brk(s[j])) j++;
        if (!first) putc(' ', out);
        first = 0;
        size_t run = i;
        for (size_t k = i; k < j; k++)
            if (s[k] == '\t') {
                emit_raw(out, s + run, k - run);
                putc(' ', out);
                run = k + 1;
            }
        emit_raw(out, s + run, j - run);
        i = j;
    }
    putc('\n', out);
}

int emit_brat(const quarry_doc *doc, unsigned flags, FILE *out)
{
    if (!(flags & QUARRY_EMIT_NO_WRAPPER) && doc->part->first) {
        fputs("# doc: ", out);
        const char *id = doc->id ? doc->id : "-";
        for (const char *p = id; *p; p++) putc(is_brk(*p) ? ' ' : *p, out);
        putc('\n', out);
    }
    /* ids go on over the windows of a document (quarry_extract_part) */
    unsigned t = doc->part->first ? 0 : doc->part->brat_t, e = doc->part->first ? 0 : doc->part->brat_e;
    for (size_t i = 0; i < doc->recs.n; i++) {
        const quarry_record *r = &doc->recs.v[i];
        if (!emit_wanted(r, flags) || !r->span.present) continue;
        if (r->kind == QUARRY_ENTITY) {
            t_line(out, doc, ++t, r->type ? r->type : "ENTITY", r->span.start, r->span.end);
            continue;
        }
        unsigned src = 0, cue = 0, con, trig;
        if (r->has_speaker && r->speaker.present) {
            src = ++t;
            t_line(out, doc, src, "Source", r->speaker.start, r->speaker.end);
        }
        if (r->cue.present) {
            cue = ++t;
            t_line(out, doc, cue, "Cue", r->cue.start, r->cue.end);
        }
        con = ++t;
        t_line(out, doc, con, "Content", r->span.start, r->span.end);
        const char *ev = src ? "Attribution" : "Attribution-no-source";
        trig = ++t;
        if (cue) t_line(out, doc, trig, ev, r->cue.start, r->cue.end);
        else t_line(out, doc, trig, ev, r->span.start, r->span.end);
        fprintf(out, "E%u\t%s:T%u Content:T%u", ++e, ev, trig, con);
        if (cue) fprintf(out, " Cue:T%u", cue);
        if (src) fprintf(out, " Source:T%u", src);
        putc('\n', out);
    }
    doc->part->brat_t = t;
    doc->part->brat_e = e;
    return 0;
}

int emit_text(const quarry_doc *doc, FILE *out)
{
    emit_raw(out, doc->txt.src, doc->txt.len);
    return ferror(out) ? -1 : 0;
}

/* The inline format: the document text with entities and quotes tagged in place, XML style.
 *
 *   <doc id="ID">... <PERSON name="Ryan Crocker" role="U.S. Ambassador" rule="person.titled">
 *   Ryan Crocker</PERSON> ... <QUOTE type="direct" speaker="Hassan Kazemi Qomi" role="..."
 *   mention="Kazemi" cue="told" rule="...">The two sides ...</QUOTE> ...</doc>
 *
 * Text is escaped (& < >), attribute values also (" tab LF CR); invalid UTF-8 bytes become
 * U+FFFD (one code point each, like the JSONL offsets count them). Removing the tags and
 * unescaping gives the document text exactly. Nesting follows emit_walk (emit_util.h): a
 * quote contains its entities; of two crossing spans the entity (or, for two of a kind, the
 * later one) is left untagged. Each document is wrapped in <doc id="..."> ... </doc> and a
 * newline, unless QUARRY_EMIT_NO_WRAPPER is set. */
#include <string.h>

#include "emit_util.h"

typedef struct ictx { const quarry_doc *doc; FILE *out; } ictx;

/* Entity types become element names: characters outside [A-Za-z0-9_.-] turn into '_'. */
static void tag_name(FILE *out, const char *type)
{
    if (!type || !*type) { fputs("ENTITY", out); return; }
    if (!((*type >= 'A' && *type <= 'Z') || (*type >= 'a' && *type <= 'z') || *type == '_'))
        putc('_', out);
    for (const char *p = type; *p; p++) {
        char c = *p;
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        putc(ok ? c : '_', out);
    }
}

static void attr(FILE *out, const char *key, const char *val)
{
    if (!val) return;
    fprintf(out, " %s=\"", key);
    emit_xml_cstr(out, val, 1);
    putc('"', out);
}

static void attr_span(FILE *out, const quarry_doc *doc, const char *key, const quarry_span *sp)
{
    if (!sp->present) return;
    fprintf(out, " %s=\"", key);
    emit_xml(out, doc_bytes(doc, sp->start), sp->end - sp->start, 1);
    putc('"', out);
}

static void i_open(void *ud, size_t ri)
{
    ictx *c = ud;
    const quarry_record *r = &c->doc->recs.v[ri];
    putc('<', c->out);
    if (r->kind == QUARRY_QUOTE) {
        fputs("QUOTE", c->out);
        attr(c->out, "id", r->id);
        attr(c->out, "type", r->type);
        if (r->part_of) attr(c->out, "part_of", r->part_of);
        if (r->has_speaker) {
            attr(c->out, "speaker", r->speaker_name);
            attr(c->out, "role", r->speaker_role);
            attr_span(c->out, c->doc, "mention", &r->speaker);
        }
        attr_span(c->out, c->doc, "cue", &r->cue);
    } else {
        tag_name(c->out, r->type);
        attr(c->out, "name", r->name);
        attr(c->out, "role", r->role);
    }
    attr(c->out, "rule", r->rule);
    putc('>', c->out);
}

static void i_close(void *ud, size_t ri)
{
    ictx *c = ud;
    const quarry_record *r = &c->doc->recs.v[ri];
    fputs("</", c->out);
    if (r->kind == QUARRY_QUOTE) fputs("QUOTE", c->out);
    else tag_name(c->out, r->type);
    putc('>', c->out);
}

static void i_text(void *ud, size_t a, size_t b)
{
    ictx *c = ud;
    emit_xml(c->out, doc_bytes(c->doc, a), b - a, 0);
}

int emit_inline(const quarry_doc *doc, unsigned flags, FILE *out)
{
    ictx c = {doc, out};
    emit_walk_fns fns = {i_open, i_close, i_text};
    int wrap = !(flags & QUARRY_EMIT_NO_WRAPPER);
    if (wrap && doc->part->first) {
        fputs("<doc id=\"", out);
        emit_xml_cstr(out, doc->id ? doc->id : "-", 1);
        fputs("\">", out);
    }
    int rc = emit_walk(doc, flags, &fns, &c);
    if (wrap && doc->part->last) fputs("</doc>\n", out);
    return rc;
}

/* The HTML format: one self-contained page per run (inline CSS and JS, nothing fetched).
 * quarry_emit_begin writes the head, the legend and an empty table of contents (filled by a
 * few lines of inline script from the articles); each document is an <article> with the
 * text (line breaks kept), entities highlighted by type, each quote marked and preceded by
 * a label with its speaker's name and role, the rule in every highlight's title (shown on
 * hover), and a side list of the document's quotes grouped by speaker; quarry_emit_end
 * closes the page. Nesting as in the inline format (emit_walk, emit_util.h). */
#include <stdlib.h>
#include <string.h>

#include "emit_util.h"

static const char html_head[] =
"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
"<title>quarry: entities and quotes</title>\n<style>\n"
":root{--per:#2563eb;--role:#7c3aed;--place:#16a34a;--org:#ea580c;--other:#64748b;--quote:#ca8a04}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;background:#f3f2ee;color:#1f2328;font:17px/1.65 Georgia,'DejaVu Serif',serif}\n"
"header.top{position:sticky;top:0;z-index:10;background:#fff;border-bottom:1px solid #ddd;"
"padding:.55em 1.5em;display:flex;flex-wrap:wrap;gap:.6em 1.6em;align-items:center;"
"font:14px/1.4 system-ui,'DejaVu Sans',sans-serif}\n"
"header.top h1{font-size:17px;margin:0;font-weight:700;letter-spacing:.02em}\n"
".legend{display:flex;flex-wrap:wrap;gap:.4em .8em;align-items:center}\n"
".legend .lab{color:#57606a}\n"
"nav.toc{font:13px/1.5 system-ui,'DejaVu Sans',sans-serif;max-width:1320px;margin:1em auto 0;padding:0 1em}\n"
"nav.toc a{display:inline-block;margin:.15em .3em;padding:.05em .5em;border:1px solid #d0d7de;"
"border-radius:1em;color:#1f2328;text-decoration:none;background:#fff}\n"
"nav.toc a:hover{background:#eef}\n"
"article.doc{display:grid;grid-template-columns:minmax(0,1fr) 23em;gap:1.2em 2.2em;max-width:1320px;"
"margin:1.2em auto;background:#fff;padding:1.4em 2em 1.8em;border-radius:10px;"
"box-shadow:0 1px 3px rgba(0,0,0,.12)}\n"
"article.doc>h2{grid-column:1/-1;margin:0;font:600 19px/1.3 system-ui,'DejaVu Sans',sans-serif;"
"border-bottom:1px solid #eee;padding-bottom:.4em}\n"
"article.doc>h2 small{font-weight:400;color:#57606a;font-size:13px;margin-left:.8em}\n"
".text{white-space:pre-wrap;overflow-wrap:anywhere;max-width:46em}\n"
".e{border-radius:3px;padding:0 .12em;cursor:help}\n"
".e-PERSON{background:#dbeafe;box-shadow:inset 0 -2px var(--per)}\n"
".e-ROLE{background:#ede9fe;box-shadow:inset 0 -2px var(--role)}\n"
".e-PLACE{background:#dcfce7;box-shadow:inset 0 -2px var(--place)}\n"
".e-ORG{background:#ffedd5;box-shadow:inset 0 -2px var(--org)}\n"
".e-other{background:#f1f5f9;box-shadow:inset 0 -2px var(--other)}\n"
".q{background:#fef9c3;border-bottom:2px solid var(--quote);cursor:help}\n"
".q-partial{border-bottom-style:dashed}\n"
".q-indirect{background:#f6f8fa;border-bottom:2px dotted var(--other)}\n"
".who{font:600 12px/1.2 system-ui,'DejaVu Sans',sans-serif;color:#fff;background:var(--quote);"
"border-radius:4px;padding:.1em .45em;margin-right:.3em;vertical-align:.12em;white-space:nowrap;"
"user-select:none}\n"
".who.indirect{background:var(--other)}\n"
".who.none{background:#b91c1c}\n"
".who i{font-style:normal;font-weight:400;opacity:.9}\n"
".sw{display:inline-block;padding:0 .45em;border-radius:3px}\n"
"aside{font:14px/1.45 system-ui,'DejaVu Sans',sans-serif;align-self:start;position:sticky;top:3.6em;"
"max-height:calc(100vh - 4.5em);overflow:auto;border-left:3px solid #f0e6c0;padding-left:1em}\n"
"aside h3{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:#57606a;margin:.2em 0 .6em}\n"
"aside section{margin-bottom:1em}\n"
"aside h4{margin:0;font-size:15px}\n"
"aside h4 .role{display:block;font-weight:400;color:#57606a;font-size:13px}\n"
"aside ol{margin:.3em 0 0;padding-left:1.3em}\n"
"aside li{margin:.25em 0}\n"
"aside li a{color:#1f2328;text-decoration:none}\n"
"aside li a:hover{text-decoration:underline}\n"
"aside .t{font-size:11px;color:#fff;background:var(--quote);border-radius:3px;padding:0 .35em;margin-right:.3em}\n"
"aside .t.indirect{background:var(--other)}\n"
"aside .empty{color:#57606a;font-style:italic}\n"
":target{outline:3px solid #f59e0b;outline-offset:2px}\n"
"@media (max-width:900px){article.doc{grid-template-columns:1fr}aside{position:static;max-height:none}}\n"
"</style>\n</head>\n<body>\n<header class=\"top\"><h1>quarry</h1>\n<div class=\"legend\">"
"<span class=\"lab\">Entities:</span>"
"<span class=\"sw e e-PERSON\">person</span><span class=\"sw e e-ROLE\">role</span>"
"<span class=\"sw e e-PLACE\">place</span><span class=\"sw e e-ORG\">organisation</span>"
"<span class=\"lab\">Quotes:</span>"
"<span class=\"sw q q-direct\">direct</span><span class=\"sw q q-partial\">partial</span>"
"<span class=\"sw q q-indirect\">indirect</span>"
"<span class=\"lab\">Hover a highlight for its rule.</span></div></header>\n"
"<nav class=\"toc\" id=\"toc\"></nav>\n<main>\n";

static const char html_foot[] =
"</main>\n<script>\n"
"(function(){var d=document.querySelectorAll('article.doc'),t=document.getElementById('toc');"
"if(d.length<2){t.remove();return;}"
"d.forEach(function(a){var l=document.createElement('a');l.href='#'+a.id;"
"l.textContent=a.dataset.doc;t.appendChild(l);});})();\n"
"</script>\n</body>\n</html>\n";

int emit_html_begin(FILE *out)
{
    fputs(html_head, out);
    return 0;
}

int emit_html_end(FILE *out)
{
    fputs(html_foot, out);
    return 0;
}

static int known_type(const char *t)
{
    return t && (!strcmp(t, "PERSON") || !strcmp(t, "ROLE") || !strcmp(t, "PLACE") ||
                 !strcmp(t, "ORG"));
}

/* An id/anchor-safe version of s. */
static void anchor(FILE *out, const char *s)
{
    putc('d', out);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        if (ok) putc(c, out);
        else fprintf(out, ".%02x", c);
    }
}

typedef struct hctx {
    const quarry_doc *doc;
    FILE *out;
    size_t *qnum;       /* quote number of each record (1-based), 0 for entities */
} hctx;

static void span_text(FILE *out, const quarry_doc *doc, const quarry_span *sp, int attr)
{
    if (sp->present) emit_xml(out, doc_bytes(doc, sp->start), sp->end - sp->start, attr);
}

static void h_open(void *ud, size_t ri)
{
    hctx *c = ud;
    FILE *out = c->out;
    const quarry_record *r = &c->doc->recs.v[ri];
    if (r->kind == QUARRY_QUOTE) {
        int named = r->has_speaker && r->speaker_name;
        int ind = r->type && !strcmp(r->type, "indirect");
        fprintf(out, "<span class=\"who%s\">", !named ? " none" : ind ? " indirect" : "");
        if (named) {
            emit_xml_cstr(out, r->speaker_name, 0);
            if (r->speaker_role) {
                fputs("<i>, ", out);
                emit_xml_cstr(out, r->speaker_role, 0);
                fputs("</i>", out);
            }
        } else {
            fputs("unattributed", out);
        }
        fputs(":</span><span class=\"q q-", out);
        emit_xml_cstr(out, r->type ? r->type : "quote", 1);
        fputs("\" id=\"", out);
        anchor(out, c->doc->id);
        fprintf(out, "-q%zu\" title=\"", c->qnum[ri]);
        emit_xml_cstr(out, r->type, 1);
        fputs(" quote", out);
        if (named) {
            fputs("&#10;speaker: ", out);
            emit_xml_cstr(out, r->speaker_name, 1);
            if (r->speaker_role) { fputs(" (", out); emit_xml_cstr(out, r->speaker_role, 1); putc(')', out); }
            if (r->speaker.present) { fputs(" — mention: ", out); span_text(out, c->doc, &r->speaker, 1); }
        }
        if (r->cue.present) { fputs("&#10;cue: ", out); span_text(out, c->doc, &r->cue, 1); }
        fputs("&#10;rule: ", out);
        emit_xml_cstr(out, r->rule, 1);
        fputs("\">", out);
    } else {
        fputs("<span class=\"e e-", out);
        if (known_type(r->type)) fputs(r->type, out);
        else fputs("other", out);
        fputs("\" title=\"", out);
        emit_xml_cstr(out, r->type, 1);
        if (r->name) { fputs(": ", out); emit_xml_cstr(out, r->name, 1); }
        if (r->role) { fputs(" (", out); emit_xml_cstr(out, r->role, 1); putc(')', out); }
        fputs("&#10;rule: ", out);
        emit_xml_cstr(out, r->rule, 1);
        fputs("\">", out);
    }
}

static void h_close(void *ud, size_t ri)
{
    (void)ri;
    hctx *c = ud;
    fputs("</span>", c->out);
}

static void h_text(void *ud, size_t a, size_t b)
{
    hctx *c = ud;
    emit_xml(c->out, doc_bytes(c->doc, a), b - a, 0);
}

static int same(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    return !strcmp(a, b);
}

/* The side list: quotes grouped by speaker name, groups in order of first appearance, the
 * unattributed ones last. */
static int side_list(hctx *c, unsigned flags)
{
    const quarry_doc *doc = c->doc;
    FILE *out = c->out;
    size_t nq = 0;
    for (size_t i = 0; i < doc->recs.n; i++)
        if (doc->recs.v[i].kind == QUARRY_QUOTE && emit_wanted(&doc->recs.v[i], flags)) nq++;
    fprintf(out, "<aside><h3>Quotes by speaker (%zu)</h3>\n", nq);
    if (!nq) {
        fputs("<p class=\"empty\">No quotes found.</p>\n</aside>\n", out);
        return 0;
    }
    unsigned char *done = calloc(doc->recs.n, 1);
    if (!done) return -1;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < doc->recs.n; i++) {
            const quarry_record *r = &doc->recs.v[i];
            if (done[i] || r->kind != QUARRY_QUOTE || !emit_wanted(r, flags)) continue;
            const char *name = r->has_speaker ? r->speaker_name : NULL;
            if ((name == NULL) != (pass == 1)) continue;
            fputs("<section><h4>", out);
            if (name) {
                emit_xml_cstr(out, name, 0);
                if (r->speaker_role) {
                    fputs("<span class=\"role\">", out);
                    emit_xml_cstr(out, r->speaker_role, 0);
                    fputs("</span>", out);
                }
            } else {
                fputs("Unattributed", out);
            }
            fputs("</h4><ol>\n", out);
            for (size_t j = i; j < doc->recs.n; j++) {
                const quarry_record *q = &doc->recs.v[j];
                if (done[j] || q->kind != QUARRY_QUOTE || !emit_wanted(q, flags)) continue;
                if (!same(name, q->has_speaker ? q->speaker_name : NULL)) continue;
                done[j] = 1;
                int ind = q->type && !strcmp(q->type, "indirect");
                fputs("<li><a href=\"#", out);
                anchor(out, doc->id);
                fprintf(out, "-q%zu\"><span class=\"t%s\">", c->qnum[j], ind ? " indirect" : "");
                emit_xml_cstr(out, q->type, 0);
                fputs("</span>", out);
                fputs(ind ? "" : "“", out);
                span_text(out, doc, &q->span, 0);
                fputs(ind ? "" : "”", out);
                fputs("</a></li>\n", out);
            }
            fputs("</ol></section>\n", out);
        }
    }
    free(done);
    fputs("</aside>\n", out);
    return 0;
}

int emit_html(const quarry_doc *doc, unsigned flags, FILE *out)
{
    size_t *qnum = calloc(doc->recs.n ? doc->recs.n : 1, sizeof *qnum);
    if (!qnum) return -1;
    size_t ne = 0, nq = 0;
    for (size_t i = 0; i < doc->recs.n; i++) {
        if (!emit_wanted(&doc->recs.v[i], flags)) continue;
        if (doc->recs.v[i].kind == QUARRY_QUOTE) qnum[i] = ++nq;
        else ne++;
    }
    hctx c = {doc, out, qnum};
    fputs("<article class=\"doc\" id=\"", out);
    anchor(out, doc->id);
    fputs("\" data-doc=\"", out);
    emit_xml_cstr(out, doc->id ? doc->id : "-", 1);
    fputs("\">\n<h2>", out);
    emit_xml_cstr(out, doc->id ? doc->id : "-", 0);
    fprintf(out, "<small>%zu entities · %zu quotes</small></h2>\n<div class=\"text\">", ne, nq);
    emit_walk_fns fns = {h_open, h_close, h_text};
    int rc = emit_walk(doc, flags, &fns, &c);
    fputs("</div>\n", out);
    if (!rc) rc = side_list(&c, flags);
    fputs("</article>\n", out);
    free(qnum);
    return rc;
}

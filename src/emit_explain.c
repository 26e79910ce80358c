/* Emitter for rule authors: for each match that made annotations, the rule, the phase,
 * the captures and the overlapping matches it beat in overlap resolution. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

static void span_text(FILE *out, const quarry_doc *doc, uint32_t ts, uint32_t te)
{
    if (te <= ts) { fputs("\"\"", out); return; }
    size_t a = doc->toks.v[ts].start, b = doc->toks.v[te - 1].end;
    size_t n = b - a;
    putc('"', out);
    for (size_t i = 0; i < n && i < 120; i++) {
        char c = doc->txt.src[a + i];
        putc(c == '\n' || c == '\r' || c == '\t' ? ' ' : c, out);
    }
    if (n > 120) fputs("...", out);
    putc('"', out);
}

static void where(FILE *out, const quarry_doc *doc, uint32_t ts, uint32_t te)
{
    quarry_span s = doc_span(doc, ts, te);
    fprintf(out, "[%zu,%zu)", s.cstart, s.cend);
}

int emit_explain(const quarry_doc *doc, FILE *out)
{
    const quarry_rules *r = doc->rules;
    fprintf(out, "== %s: %zu tokens, %zu annotations, %zu records\n", doc->id, doc->toks.n,
            doc->anns.n, doc->recs.n);
    if (!r || !doc->explain) {
        fputs("   (run with explanations on to see matches)\n", out);
        return ferror(out) ? -1 : 0;
    }
    /* document order: start, longer first, then creation order (insertion sort on a copy
       of the indexes; explain is for reading, not for speed) */
    size_t n = doc->anns.n;
    size_t *ord = malloc((n + 1) * sizeof *ord);
    if (!ord) return -1;
    for (size_t k = 0; k < n; k++) {
        size_t j = k;
        const annot *x = &doc->anns.v[k];
        while (j > 0) {
            const annot *y = &doc->anns.v[ord[j - 1]];
            if (y->tstart < x->tstart || (y->tstart == x->tstart && y->tend >= x->tend)) break;
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = k;
    }
    for (size_t oi = 0; oi < n; oi++) {
        size_t i = ord[oi];
        const annot *a = &doc->anns.v[i];
        fprintf(out, "%-8s ", r->types.v[a->type]);
        span_text(out, doc, a->tstart, a->tend);
        putc(' ', out);
        where(out, doc, a->tstart, a->tend);
        fprintf(out, "  rule %s (phase %s)\n", annot_rule_name(r, a),
                a->rule >= r->rules.n ? "link" : r->phases.v[a->phase].name);
        if (a->name) fprintf(out, "    linked name = \"%s\"%s%s%s\n", a->name, a->role ? ", role = \"" : "",
                             a->role ? a->role : "", a->role ? "\"" : "");
        for (uint32_t k = 0; k < a->nfeats; k++) {
            const afeat *f = &a->feats[k];
            fprintf(out, "    %s = ", r->keys.v[f->key]);
            if (f->tstart < 0) fprintf(out, "\"%s\"\n", f->literal);
            else { span_text(out, doc, (uint32_t)f->tstart, (uint32_t)f->tend); putc('\n', out); }
        }
        if (a->match == UINT32_MAX || a->match >= doc->log.n) continue;
        const match_log *m = &doc->log.v[a->match];
        const crule *cr = &r->rules.v[m->rule];
        if (oi == 0 || doc->anns.v[ord[oi - 1]].match != a->match) {
            for (uint32_t l = 0; l < cr->nlabels; l++) {
                int32_t s = m->slots[2 + 2 * l], e = m->slots[3 + 2 * l];
                if (s < 0 || e <= s) continue;
                fprintf(out, "    capture %s: ", cr->labels[l]);
                span_text(out, doc, (uint32_t)s, (uint32_t)e);
                putc('\n', out);
            }
            for (size_t j = 0; j < doc->log.n; j++) {
                const match_log *o = &doc->log.v[j];
                if (o->beaten_by != (int32_t)a->match) continue;
                fprintf(out, "    beat %s ", r->rules.v[o->rule].name);
                span_text(out, doc, o->tstart, o->tend);
                putc(' ', out);
                where(out, doc, o->tstart, o->tend);
                fprintf(out, "%s\n", (o->tend - o->tstart) < (m->tend - m->tstart) ? " (shorter)"
                                     : r->rules.v[o->rule].priority < cr->priority ? " (lower priority)"
                                                                                  : " (later in the rule files)");
            }
        }
    }
    free(ord);
    return ferror(out) ? -1 : 0;
}

/* Emitter for rule authors: for each match that made annotations, the rule, the phase,
 * the captures and the overlapping matches it beat in overlap resolution; for each quote,
 * how its speaker's name was found (mention -> antecedent -> why); then the statements
 * quote assembly made (ids, part_of, quoted fragments). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

static void span_bytes(FILE *out, const quarry_doc *doc, size_t a, size_t b)
{
    putc('"', out);
    for (size_t i = a; i < b && i < a + 120; i++) {
        char c = doc->txt.src[i];
        putc(c == '\n' || c == '\r' || c == '\t' ? ' ' : c, out);
    }
    if (b > a + 120) fputs("...", out);
    putc('"', out);
}

static void span_text(FILE *out, const quarry_doc *doc, uint32_t ts, uint32_t te)
{
    if (te <= ts) { fputs("\"\"", out); return; }
    span_bytes(out, doc, doc->toks.v[ts].start, doc->toks.v[te - 1].end);
}

static void where(FILE *out, const quarry_doc *doc, uint32_t ts, uint32_t te)
{
    quarry_span s = doc_span(doc, ts, te);
    fprintf(out, "[%zu,%zu)", s.cstart, s.cend);
}

/* Sorting keys: start, longer first, then creation order (a total order: qsort is enough). */
typedef struct ex_key { uint32_t tstart, tend; size_t idx; } ex_key;

static int cmp_key(const void *x, const void *y)
{
    const ex_key *a = x, *b = y;
    if (a->tstart != b->tstart) return a->tstart < b->tstart ? -1 : 1;
    if (a->tend != b->tend) return a->tend > b->tend ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
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
    /* document order: start, longer first, then creation order */
    size_t n = doc->anns.n;
    size_t *ord = malloc((n + 1) * sizeof *ord);
    ex_key *keys = malloc((n + 1) * sizeof *keys);
    /* the matches each match beat, in log order: beat[beat_first[m] .. beat_first[m + 1]) */
    size_t nl = doc->log.n;
    size_t *beat_first = calloc(nl + 2, sizeof *beat_first);
    size_t *beat = malloc((nl + 1) * sizeof *beat);
    if (!ord || !keys || !beat_first || !beat) {
        free(ord); free(keys); free(beat_first); free(beat);
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        keys[k] = (ex_key){doc->anns.v[k].tstart, doc->anns.v[k].tend, k};
    if (n > 1) qsort(keys, n, sizeof *keys, cmp_key);
    for (size_t k = 0; k < n; k++) ord[k] = keys[k].idx;
    free(keys);
    for (size_t j = 0; j < nl; j++) {
        int32_t b = doc->log.v[j].beaten_by;
        if (b >= 0 && (size_t)b < nl) beat_first[b + 2]++;
    }
    for (size_t m = 2; m < nl + 2; m++) beat_first[m] += beat_first[m - 1];
    for (size_t j = 0; j < nl; j++) {
        int32_t b = doc->log.v[j].beaten_by;
        if (b >= 0 && (size_t)b < nl) beat[beat_first[b + 1]++] = j;
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
        if (doc->spk && doc->spk[i].has) {   /* speaker resolution's chain */
            const speaker *sp = &doc->spk[i];
            fputs("    speaker: ", out);
            if (sp->mention.present) {
                span_bytes(out, doc, sp->mention.start, sp->mention.end);
                fprintf(out, " [%zu,%zu)", sp->mention.cstart, sp->mention.cend);
            } else {
                fputs("(no mention)", out);
            }
            fprintf(out, " -> %s%s%s (%s", sp->name ? "\"" : "", sp->name ? sp->name : "null",
                    sp->name ? "\"" : "", sp->resolved ? sp->resolved : "none");
            if (sp->why) fprintf(out, ": %s", sp->why);
            if (sp->ant >= 0 && (size_t)sp->ant < doc->anns.n) {
                const annot *x = &doc->anns.v[sp->ant];
                fputs("; from ", out);
                span_text(out, doc, x->tstart, x->tend);
                putc(' ', out);
                where(out, doc, x->tstart, x->tend);
            }
            fputs(")\n", out);
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
            for (size_t bi = beat_first[a->match]; bi < beat_first[a->match + 1]; bi++) {
                const match_log *o = &doc->log.v[beat[bi]];
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
    free(beat_first);
    free(beat);
    /* the statements quote assembly made of them: one record each, parts tied by part_of */
    for (size_t i = 0; i < doc->quotes.n; i++) {
        const quarry_record *q = &doc->quotes.v[i];
        fprintf(out, "STATEMENT %s %s ", q->id ? q->id : "?", q->type);
        span_bytes(out, doc, q->span.start, q->span.end);
        fprintf(out, " [%zu,%zu)  rule %s\n", q->span.cstart, q->span.cend, q->rule);
        if (q->part_of) fprintf(out, "    part of %s\n", q->part_of);
        if (q->has_speaker)
            fprintf(out, "    speaker %s%s%s (%s)\n", q->speaker_name ? "\"" : "",
                    q->speaker_name ? q->speaker_name : "null", q->speaker_name ? "\"" : "",
                    q->speaker_resolved ? q->speaker_resolved : "none");
        for (size_t k = 0; k < q->nquoted; k++) {
            fputs("    quoted ", out);
            span_bytes(out, doc, q->quoted[k].start, q->quoted[k].end);
            putc('\n', out);
        }
    }
    return ferror(out) ? -1 : 0;
}

/* The CoNLL format: one token per line, CoNLL-2003 columns (token, two placeholder columns
 * "_", the entity tag in IOB2: B-X on the first token of an entity, I-X inside, O outside),
 * a blank line after each sentence, and "-DOCSTART- -X- O O" plus a blank line at the start
 * of each document.
 *
 * Tags: PERSON -> PER, PLACE -> LOC, ORG -> ORG, ROLE -> ROLE; any other quarry type keeps
 * its own name. MISC is never produced. Quotes are not tagged. One tag per token, so nested
 * or crossing entities are flattened: PER/LOC/ORG (and other non-ROLE types) first, longest
 * first, then document order, each taking its tokens only when none is taken yet; ROLE
 * entities after them on the same terms ("U.S. Ambassador Ryan Crocker" gives U.S./B-LOC
 * Ambassador/O Ryan/B-PER Crocker/I-PER). An entity covers every token it touches. Spaces
 * and tabs inside a token (there are none with the shipped tokenizer) become '_'. */
#include <stdlib.h>
#include <string.h>

#include "emit_util.h"

static const char *conll_label(const char *type)
{
    if (!type) return "ENT";
    if (!strcmp(type, "PERSON")) return "PER";
    if (!strcmp(type, "PLACE")) return "LOC";
    return type;
}

/* First token that ends after byte b. */
static size_t first_tok(const tokens *tk, size_t b)
{
    size_t lo = 0, hi = tk->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tk->v[mid].end <= b) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static void assign(const quarry_doc *doc, long *tag, unsigned flags, int roles)
{
    /* records come by start, then end descending: at one start, the longest first */
    for (size_t i = 0; i < doc->recs.n; i++) {
        const quarry_record *r = &doc->recs.v[i];
        if (r->kind != QUARRY_ENTITY || !r->span.present || !emit_wanted(r, flags)) continue;
        int is_role = r->type && !strcmp(r->type, "ROLE");
        if (is_role != roles) continue;
        size_t base = doc->part->base_b;   /* records: document offsets; tokens: the window's */
        size_t a = first_tok(&doc->toks, r->span.start - base), b = a;
        while (b < doc->toks.n && doc->toks.v[b].start < r->span.end - base) b++;
        if (a == b) continue;
        size_t k;
        for (k = a; k < b && tag[k] < 0; k++) {}
        if (k < b) continue;
        for (k = a; k < b; k++) tag[k] = (long)i;
    }
}

int emit_conll(const quarry_doc *doc, unsigned flags, FILE *out)
{
    const tokens *tk = &doc->toks;
    long *tag = malloc((tk->n ? tk->n : 1) * sizeof *tag);
    if (!tag) return -1;
    for (size_t i = 0; i < tk->n; i++) tag[i] = -1;
    assign(doc, tag, flags, 0);
    assign(doc, tag, flags, 1);
    if (doc->part->first) fputs("-DOCSTART- -X- O O\n\n", out);
    for (size_t i = 0; i < tk->n; i++) {
        const token *t = &tk->v[i];
        if (i > 0 && ((t->flags & QUARRY_TF_SENT_START) || (tk->v[i - 1].flags & QUARRY_TF_SENT_END)))
            putc('\n', out);
        const char *s = doc->txt.src + t->start;
        size_t n = t->end - t->start, run = 0;
        for (size_t k = 0; k < n; k++)
            if (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r') {
                emit_raw(out, s + run, k - run);
                putc('_', out);
                run = k + 1;
            }
        emit_raw(out, s + run, n - run);
        fputs(" _ _ ", out);
        if (tag[i] < 0) {
            fputs("O\n", out);
        } else {
            int begin = i == 0 || tag[i - 1] != tag[i];
            fprintf(out, "%s-%s\n", begin ? "B" : "I", conll_label(doc->recs.v[tag[i]].type));
        }
    }
    if (tk->n) putc('\n', out);
    free(tag);
    return 0;
}

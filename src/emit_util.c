/* Shared helpers of the emitters (see emit_util.h). */
#include <stdlib.h>
#include <string.h>

#include "emit_util.h"

int emit_wanted(const quarry_record *r, unsigned flags)
{
    unsigned want = flags & (QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES);
    if (!want) return 1;
    return r->kind == QUARRY_QUOTE ? (want & QUARRY_EMIT_QUOTES) != 0
                                   : (want & QUARRY_EMIT_ENTITIES) != 0;
}

static void emit_any(FILE *out, const char *s, size_t n, int xml, int attr)
{
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        if (xml) {
            if (c == '&') rep = "&amp;";
            else if (c == '<') rep = "&lt;";
            else if (c == '>') rep = "&gt;";
            else if (attr && c == '"') rep = "&quot;";
            else if (attr && c == '\t') rep = "&#9;";
            else if (attr && c == '\n') rep = "&#10;";
            else if (attr && c == '\r') rep = "&#13;";
        }
        if (!rep && c < 0x80) { i++; run++; continue; }
        if (run) fwrite(s + i - run, 1, run, out);
        run = 0;
        if (rep) { fputs(rep, out); i++; continue; }
        uint32_t cp;
        size_t k = text_decode(s, n, i, &cp);
        if (k == 1 && cp == 0xFFFD) fputs("\xEF\xBF\xBD", out);
        else fwrite(s + i, 1, k, out);
        i += k;
    }
    if (run) fwrite(s + i - run, 1, run, out);
}

void emit_raw(FILE *out, const char *s, size_t n) { emit_any(out, s, n, 0, 0); }
void emit_xml(FILE *out, const char *s, size_t n, int attr) { emit_any(out, s, n, 1, attr); }
void emit_xml_cstr(FILE *out, const char *s, int attr)
{
    if (s) emit_any(out, s, strlen(s), 1, attr);
}

/* Stable merge sort of record indices in walk order (qsort has no context argument in C11,
 * and a file-level pointer would not be thread-safe). */
static void merge_sort(size_t *v, size_t *tmp, size_t n, const quarry_doc *doc)
{
    if (n < 2) return;
    size_t h = n / 2;
    merge_sort(v, tmp, h, doc);
    merge_sort(v + h, tmp, n - h, doc);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        const quarry_record *x = &doc->recs.v[v[i]], *y = &doc->recs.v[v[j]];
        int c;
        if (x->span.start != y->span.start) c = x->span.start < y->span.start ? -1 : 1;
        else if (x->span.end != y->span.end) c = x->span.end > y->span.end ? -1 : 1;
        else if (x->kind != y->kind) c = x->kind == QUARRY_QUOTE ? -1 : 1;
        else c = v[i] < v[j] ? -1 : 1;
        tmp[k++] = c <= 0 ? v[i++] : v[j++];
    }
    while (i < h) tmp[k++] = v[i++];
    while (j < n) tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof *v);
}

int emit_walk(const quarry_doc *doc, unsigned flags, const emit_walk_fns *fns, void *ud)
{
    size_t n = 0, nr = doc->recs.n;
    size_t *idx = malloc((nr ? nr : 1) * sizeof *idx);
    size_t *tmp = malloc((nr ? nr : 1) * sizeof *tmp);
    unsigned char *keep = calloc(nr ? nr : 1, 1);
    size_t *stack = malloc((nr ? nr : 1) * sizeof *stack);
    if (!idx || !tmp || !keep || !stack) {
        free(idx); free(tmp); free(keep); free(stack);
        return -1;
    }
    for (size_t i = 0; i < nr; i++)
        if (doc->recs.v[i].span.present && emit_wanted(&doc->recs.v[i], flags)) idx[n++] = i;
    merge_sort(idx, tmp, n, doc);
    const quarry_record *R = doc->recs.v;
    /* pass 1: decide what is kept (a laminar family of spans) */
    size_t sp = 0;
    for (size_t k = 0; k < n; k++) {
        size_t r = idx[k];
        size_t s = R[r].span.start, e = R[r].span.end;
        while (sp && R[stack[sp - 1]].span.end <= s) sp--;
        int ok = 1;
        while (sp && R[stack[sp - 1]].span.end < e) {      /* the top crosses r */
            size_t t = stack[sp - 1];
            if (R[r].kind == QUARRY_QUOTE && R[t].kind == QUARRY_ENTITY) {
                keep[t] = 0;
                sp--;
            } else {
                ok = 0;
                break;
            }
        }
        if (ok) {
            keep[r] = 1;
            stack[sp++] = r;
        }
    }
    /* pass 2: events */
    sp = 0;
    size_t pos = doc->part->base_b;   /* document offsets (a window: quarry_extract_part) */
    for (size_t k = 0; k < n; k++) {
        size_t r = idx[k];
        if (!keep[r]) continue;
        size_t s = R[r].span.start;
        while (sp && R[stack[sp - 1]].span.end <= s) {
            size_t t = stack[--sp];
            if (R[t].span.end > pos) { fns->text(ud, pos, R[t].span.end); pos = R[t].span.end; }
            fns->close(ud, t);
        }
        if (s > pos) { fns->text(ud, pos, s); pos = s; }
        fns->open(ud, r);
        stack[sp++] = r;
    }
    while (sp) {
        size_t t = stack[--sp];
        if (R[t].span.end > pos) { fns->text(ud, pos, R[t].span.end); pos = R[t].span.end; }
        fns->close(ud, t);
    }
    if (doc->part->base_b + doc->txt.len > pos) fns->text(ud, pos, doc->part->base_b + doc->txt.len);
    free(idx); free(tmp); free(keep); free(stack);
    return 0;
}

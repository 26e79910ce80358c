/* The summary format, for a person reading at a terminal: per document, who said what (the
 * quotes grouped by speaker, most quoted first) and the people, places and organisations
 * with their number of mentions (most mentioned first).
 *
 *   == 000_663e7d9d773130fa: 14 quotes, 5 people, 8 places, 3 organisations
 *
 *   Who said what
 *     Hassan Kazemi Qomi (Iran's ambassador to Baghdad): 6 quotes
 *       q2 direct    "The two sides dealt with the issues in a very frank and ..."
 *       q3 direct    "The views of both sides were unified ..." (goes on from q2)
 *     ...
 *     unresolved "they": 1 quote
 *     no speaker: 1 quote
 *
 *   People (5): Ryan Crocker (U.S. Ambassador) 6, Hassan Kazemi Qomi (...) 4, ...
 *   Places (8): Iraq 9, Iran 7, ...
 *   Organisations (3): ...
 *
 * A speaker is its resolved name, else its mention ("unresolved"), else none. Quote texts
 * are cut to SUM_QUOTE code points, white space runs become one space, invalid bytes U+FFFD;
 * each entity list shows its SUM_LIST most mentioned. Deterministic: ties go to the one
 * that comes first in the text. */
#include <stdlib.h>
#include <string.h>

#include "emit_util.h"

#define SUM_QUOTE 100   /* code points of a quote's text shown */
#define SUM_LIST 12     /* entities shown per type */

typedef struct item {
    char *key;          /* speaker or entity name, malloc'd */
    const char *role;
    size_t rec;         /* record index (text order) */
} item;

typedef struct group {
    size_t first, n;    /* items[first .. first+n), sorted by record */
} group;

/* s[0..n) with white space runs as one space, trimmed, as a malloc'd string */
static char *squeeze(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) return NULL;
    size_t k = 0;
    int sp = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            sp = 1;
            continue;
        }
        if (sp && k) p[k++] = ' ';
        sp = 0;
        p[k++] = c;
    }
    p[k] = '\0';
    return p;
}

static int item_cmp(const void *a, const void *b)
{
    const item *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c) return c;
    return x->rec < y->rec ? -1 : x->rec > y->rec;
}

typedef struct gsort {
    size_t n, first_rec, g;
} gsort;

static int gsort_cmp(const void *a, const void *b)
{
    const gsort *x = a, *y = b;
    if (x->n != y->n) return x->n > y->n ? -1 : 1;
    return x->first_rec < y->first_rec ? -1 : x->first_rec > y->first_rec;
}

/* Sorts items by key and record, and returns the groups of equal keys, most items first
 * (ties: the earliest record first), in *out (malloc'd); their count, or -1 on OOM. */
static long group_items(item *it, size_t n, group **out)
{
    *out = NULL;
    if (!n) return 0;
    qsort(it, n, sizeof *it, item_cmp);
    gsort *gs = malloc(n * sizeof *gs);
    group *g = malloc(n * sizeof *g);
    if (!gs || !g) { free(gs); free(g); return -1; }
    size_t ng = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && !strcmp(it[j].key, it[i].key)) j++;
        gs[ng] = (gsort){j - i, it[i].rec, i};
        ng++;
        i = j;
    }
    qsort(gs, ng, sizeof *gs, gsort_cmp);
    for (size_t k = 0; k < ng; k++) g[k] = (group){gs[k].g, gs[k].n};
    free(gs);
    *out = g;
    return (long)ng;
}

/* The first role among a group's items, NULL when none. */
static const char *group_role(const item *it, const group *g)
{
    for (size_t k = 0; k < g->n; k++)
        if (it[g->first + k].role && *it[g->first + k].role) return it[g->first + k].role;
    return NULL;
}

/* A quote's text: squeezed, cut to SUM_QUOTE code points. */
static void quote_text(FILE *out, const quarry_doc *doc, const quarry_span *sp)
{
    char *t = squeeze(doc_bytes(doc, sp->start), sp->end - sp->start);
    if (!t) return;
    size_t cps = 0, i = 0, n = strlen(t);
    while (i < n && cps < SUM_QUOTE) {
        i++;
        while (i < n && ((unsigned char)t[i] & 0xC0) == 0x80) i++;
        cps++;
    }
    emit_raw(out, t, i);
    if (i < n) fputs("...", out);
    free(t);
}

static void free_items(item *it, size_t n)
{
    for (size_t i = 0; i < n; i++) free(it[i].key);
    free(it);
}

/* The entity list of one type: "Label (N): a 3, b 2, ... and M more" */
static int entity_line(FILE *out, const quarry_doc *doc, unsigned flags, const char *type,
                       const char *label, size_t *distinct)
{
    size_t n = 0;
    item *it = malloc((doc->recs.n ? doc->recs.n : 1) * sizeof *it);
    if (!it) return -1;
    int person = !strcmp(type, "PERSON");
    for (size_t i = 0; i < doc->recs.n; i++) {
        const quarry_record *r = &doc->recs.v[i];
        if (r->kind != QUARRY_ENTITY || !r->span.present || !r->type || strcmp(r->type, type) ||
            !emit_wanted(r, flags))
            continue;
        char *key = person && r->name ? squeeze(r->name, strlen(r->name))
                                      : squeeze(doc_bytes(doc, r->span.start), r->span.end - r->span.start);
        if (!key) { free_items(it, n); return -1; }
        it[n++] = (item){key, person ? r->role : NULL, i};
    }
    group *g;
    long ng = group_items(it, n, &g);
    if (ng < 0) { free_items(it, n); return -1; }
    *distinct = (size_t)ng;
    if (ng) {
        fprintf(out, "%s (%ld):", label, ng);
        for (long k = 0; k < ng && k < SUM_LIST; k++) {
            const char *role = group_role(it, &g[k]);
            fputs(k ? ", " : " ", out);
            emit_raw(out, it[g[k].first].key, strlen(it[g[k].first].key));
            if (role) {
                fputs(" (", out);
                emit_raw(out, role, strlen(role));
                putc(')', out);
            }
            fprintf(out, " %zu", g[k].n);
        }
        if (ng > SUM_LIST) fprintf(out, ", and %ld more", ng - SUM_LIST);
        putc('\n', out);
    }
    free(g);
    free_items(it, n);
    return 0;
}

/* Who said what: the quotes grouped by speaker. */
static int quote_groups(FILE *out, const quarry_doc *doc, unsigned flags, size_t *nquotes)
{
    size_t n = 0;
    item *it = malloc((doc->recs.n ? doc->recs.n : 1) * sizeof *it);
    if (!it) return -1;
    for (size_t i = 0; i < doc->recs.n; i++) {
        const quarry_record *r = &doc->recs.v[i];
        if (r->kind != QUARRY_QUOTE || !r->span.present || !emit_wanted(r, flags)) continue;
        char *key;
        if (r->has_speaker && r->speaker_name) {
            key = squeeze(r->speaker_name, strlen(r->speaker_name));
        } else if (r->has_speaker && r->speaker.present) {
            char *m = squeeze(doc_bytes(doc, r->speaker.start), r->speaker.end - r->speaker.start);
            key = m ? malloc(strlen(m) + 16) : NULL;
            if (key) sprintf(key, "unresolved \"%s\"", m);
            free(m);
        } else {
            key = squeeze("no speaker", 10);
        }
        if (!key) { free_items(it, n); return -1; }
        it[n++] = (item){key, r->has_speaker && r->speaker_name ? r->speaker_role : NULL, i};
    }
    *nquotes = n;
    group *g;
    long ng = group_items(it, n, &g);
    if (ng < 0) { free_items(it, n); return -1; }
    if (ng) fputs("\nWho said what\n", out);
    for (long k = 0; k < ng; k++) {
        const char *role = group_role(it, &g[k]);
        fputs("  ", out);
        emit_raw(out, it[g[k].first].key, strlen(it[g[k].first].key));
        if (role) {
            fputs(" (", out);
            emit_raw(out, role, strlen(role));
            putc(')', out);
        }
        fprintf(out, ": %zu quote%s\n", g[k].n, g[k].n == 1 ? "" : "s");
        for (size_t q = 0; q < g[k].n; q++) {
            const quarry_record *r = &doc->recs.v[it[g[k].first + q].rec];
            fprintf(out, "    %-4s %-8s ", r->id ? r->id : "", r->type ? r->type : "");
            int marks = r->type && strcmp(r->type, "indirect");
            if (marks) putc('"', out);
            quote_text(out, doc, &r->span);
            if (marks) putc('"', out);
            if (r->part_of) fprintf(out, " (goes on from %s)", r->part_of);
            putc('\n', out);
        }
    }
    free(g);
    free_items(it, n);
    return 0;
}

int emit_summary(const quarry_doc *doc, unsigned flags, FILE *out)
{
    /* the body first, into memory: the header line gives its counts */
    char *body = NULL;
    size_t blen = 0;
    FILE *b = open_memstream(&body, &blen);
    if (!b) return -1;
    size_t nq = 0, np = 0, npl = 0, no = 0;
    int rc = quote_groups(b, doc, flags, &nq);
    if (!rc) fputs("\n", b);
    if (!rc) rc = entity_line(b, doc, flags, "PERSON", "People", &np);
    if (!rc) rc = entity_line(b, doc, flags, "PLACE", "Places", &npl);
    if (!rc) rc = entity_line(b, doc, flags, "ORG", "Organisations", &no);
    if (fclose(b) != 0) rc = -1;
    if (!rc) {
        fputs("== ", out);
        const char *id = doc->id ? doc->id : "-";
        emit_raw(out, id, strlen(id));
        fprintf(out, ": %zu quote%s, %zu %s, %zu place%s, %zu organisation%s\n", nq,
                nq == 1 ? "" : "s", np, np == 1 ? "person" : "people", npl, npl == 1 ? "" : "s",
                no, no == 1 ? "" : "s");
        fwrite(body, 1, blen, out);
        putc('\n', out);
    }
    free(body);
    return rc;
}

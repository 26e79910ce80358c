/* Scoring for quarry eval: chunking, exact matching, quote coverage matching, brat parsing.
 * Pure functions, no I/O (see score.h). */
#include "score.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---- chunks ---------------------------------------------------------------------------- */

typedef struct tag_parts {
    char prefix;            /* 'B', 'I', 'E', 'S' or 'O' */
    const char *type;
    size_t tlen;
} tag_parts;

static tag_parts split_tag(const char *tag)
{
    tag_parts p = {'O', "", 0};
    if (!tag || !strchr("BIES", tag[0]) || !tag[0] || tag[1] != '-' || !tag[2]) return p;
    p.prefix = tag[0];
    p.type = tag + 2;
    p.tlen = strlen(p.type);
    return p;
}

static int same_type(const tag_parts *a, const tag_parts *b)
{
    return a->tlen == b->tlen && !memcmp(a->type, b->type, a->tlen);
}

/* conlleval's endOfChunk: does the chunk open at prev end before cur? */
static int chunk_ends(const tag_parts *prev, const tag_parts *cur)
{
    char p = prev->prefix, c = cur->prefix;
    if (p == 'O') return 0;
    if (p == 'S' || p == 'E') return 1;
    if (c == 'O' || c == 'B' || c == 'S') return 1;
    return !same_type(prev, cur);
}

/* conlleval's startOfChunk: does a chunk start at cur? */
static int chunk_starts(const tag_parts *prev, const tag_parts *cur)
{
    char p = prev->prefix, c = cur->prefix;
    if (c == 'O') return 0;
    if (c == 'B' || c == 'S') return 1;
    if (p == 'O' || p == 'E' || p == 'S') return 1;
    return !same_type(prev, cur);
}

static void set_type(char *dst, const char *src, size_t len)
{
    if (len >= SC_TYPE_MAX) len = SC_TYPE_MAX - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

size_t sc_chunks(const char *const *tags, size_t n, sc_ent *out)
{
    size_t nc = 0;
    int open = 0;
    tag_parts prev = {'O', "", 0};
    for (size_t i = 0; i <= n; i++) {
        tag_parts cur = i < n ? split_tag(tags[i]) : (tag_parts){'O', "", 0};
        if (open && (chunk_ends(&prev, &cur) || chunk_starts(&prev, &cur))) {
            out[nc - 1].end = (long)i;
            open = 0;
        }
        if (i < n && chunk_starts(&prev, &cur)) {
            sc_ent *e = &out[nc++];
            memset(e, 0, sizeof *e);
            e->start = (long)i;
            e->end = (long)i + 1;
            e->match = -1;
            e->ref = i;
            set_type(e->type, cur.type, cur.tlen);
            open = 1;
        }
        prev = cur;
    }
    return nc;
}

/* ---- tallies ---------------------------------------------------------------------------- */

sc_tally *sc_table_get(sc_table *tb, const char *type)
{
    for (int i = 0; i < tb->n; i++)
        if (!strcmp(tb->t[i].type, type)) return &tb->t[i];
    if (tb->n == SC_TABLE_MAX) return &tb->t[SC_TABLE_MAX - 1];
    sc_tally *t = &tb->t[tb->n++];
    memset(t, 0, sizeof *t);
    set_type(t->type, type, strlen(type));
    return t;
}

sc_tally sc_table_total(const sc_table *tb)
{
    sc_tally all;
    memset(&all, 0, sizeof all);
    strcpy(all.type, "all");
    for (int i = 0; i < tb->n; i++) {
        all.tp += tb->t[i].tp;
        all.fp += tb->t[i].fp;
        all.fn += tb->t[i].fn;
        all.src_ok += tb->t[i].src_ok;
        all.src_n += tb->t[i].src_n;
    }
    return all;
}

void sc_prf(const sc_tally *t, double *p, double *r, double *f1)
{
    double pp = t->tp + t->fp ? 100.0 * (double)t->tp / (double)(t->tp + t->fp) : 0;
    double rr = t->tp + t->fn ? 100.0 * (double)t->tp / (double)(t->tp + t->fn) : 0;
    *p = pp;
    *r = rr;
    *f1 = pp + rr > 0 ? 2 * pp * rr / (pp + rr) : 0;
}

/* ---- exact matching --------------------------------------------------------------------- */

static int cmp_ent(const void *a, const void *b)
{
    const sc_ent *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    int c = strcmp(x->type, y->type);
    if (c) return c;
    return x->ref < y->ref ? -1 : x->ref > y->ref;
}

size_t sc_match_exact(sc_ent *gold, size_t ng, sc_ent *pred, size_t np, sc_table *tb)
{
    if (ng) qsort(gold, ng, sizeof *gold, cmp_ent);
    if (np) qsort(pred, np, sizeof *pred, cmp_ent);
    for (size_t i = 0; i < ng; i++) gold[i].match = -1;
    for (size_t j = 0; j < np; j++) pred[j].match = -1;
    size_t i = 0, j = 0, nm = 0;
    while (i < ng && j < np) {
        sc_ent *g = &gold[i], *p = &pred[j];
        int c = g->start != p->start ? (g->start < p->start ? -1 : 1)
                : g->end != p->end ? (g->end < p->end ? -1 : 1)
                : strcmp(g->type, p->type);
        if (c < 0) i++;
        else if (c > 0) j++;
        else {
            g->match = (long)j;
            p->match = (long)i;
            nm++;
            i++;
            j++;
        }
    }
    if (tb) {
        for (i = 0; i < ng; i++) {
            sc_tally *t = sc_table_get(tb, gold[i].type);
            if (gold[i].match >= 0) t->tp++;
            else t->fn++;
        }
        for (j = 0; j < np; j++)
            if (pred[j].match < 0) sc_table_get(tb, pred[j].type)->fp++;
    }
    return nm;
}

/* ---- quotes ---------------------------------------------------------------------------- */

static long content_len(const sc_gquote *g)
{
    long n = 0;
    for (int k = 0; k < g->ncontent; k++)
        if (g->content[k].end > g->content[k].start) n += g->content[k].end - g->content[k].start;
    return n;
}

long sc_cover(const sc_gquote *g, long start, long end)
{
    long n = 0;
    for (int k = 0; k < g->ncontent; k++) {
        long a = g->content[k].start > start ? g->content[k].start : start;
        long b = g->content[k].end < end ? g->content[k].end : end;
        if (b > a) n += b - a;
    }
    return n;
}

long sc_cover_pred(const sc_gquote *g, const sc_pquote *p)
{
    if (p->npart <= 0) return sc_cover(g, p->start, p->end);
    long n = 0;
    for (int k = 0; k < p->npart; k++) n += sc_cover(g, p->part[k].start, p->part[k].end);
    return n;
}

typedef struct cand { double frac; size_t g, p; } cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->frac != y->frac) return x->frac > y->frac ? -1 : 1;
    if (x->g != y->g) return x->g < y->g ? -1 : 1;
    return x->p < y->p ? -1 : x->p > y->p;
}

static int source_check(const sc_gquote *g, const sc_pquote *p, sc_source_mode mode)
{
    if (mode == SC_SOURCE_NAME) {
        if (!g->source_name || !p->speaker_name) return !g->source_name && !p->speaker_name;
        return !strcmp(g->source_name, p->speaker_name);
    }
    if (g->nsource == 0) return -1;
    if (!p->has_speaker) return 0;
    for (int k = 0; k < g->nsource; k++)
        if (p->sp_start < g->source[k].end && g->source[k].start < p->sp_end) return 1;
    return 0;
}

/* Every (gold, prediction) pair over the 50% line, in no particular order. */
static cand *quote_candidates(const sc_gquote *gold, size_t ng, const sc_pquote *pred,
                              size_t np, size_t *nc)
{
    size_t cap = 16, n = 0;
    cand *c = malloc(cap * sizeof *c);
    if (!c) return NULL;
    for (size_t i = 0; i < ng; i++) {
        long len = content_len(&gold[i]);
        if (len <= 0) continue;
        for (size_t j = 0; j < np; j++) {
            long cov = sc_cover_pred(&gold[i], &pred[j]);
            if (2 * cov <= len) continue;
            if (n == cap) {
                cand *nc2 = realloc(c, 2 * cap * sizeof *c);
                if (!nc2) { free(c); return NULL; }
                c = nc2;
                cap *= 2;
            }
            c[n++] = (cand){(double)cov / (double)len, i, j};
        }
    }
    *nc = n;
    return c;
}

/* Kuhn's augmenting path from gold g0 over the candidate pairs (c, grouped by gold: first[g]
 * .. first[g + 1]): a prediction that is free, or whose gold can move to another free one,
 * takes g0; the golds' and predictions' .match fields hold the assignment. seen marks the
 * golds visited in this search. Iterative, so that a document with thousands of quotes cannot
 * overflow the stack: path[] holds the golds and the next candidate to try for each. */
typedef struct aug_frame { size_t g, k; } aug_frame;

static void augment(size_t g0, const cand *c, const size_t *first, sc_gquote *gold,
                    sc_pquote *pred, unsigned char *seen, aug_frame *path)
{
    size_t depth = 0;
    path[0] = (aug_frame){g0, first[g0]};
    seen[g0] = 1;
    while (depth != (size_t)-1) {
        aug_frame *f = &path[depth];
        if (f->k == first[f->g + 1]) {   /* no way on from this gold: back up */
            depth--;
            if (depth != (size_t)-1) path[depth].k++;
            continue;
        }
        long owner = pred[c[f->k].p].match;
        if (owner < 0) {                 /* a free prediction: flip the path */
            for (size_t d = depth + 1; d-- > 0;) {
                pred[c[path[d].k].p].match = (long)path[d].g;
                gold[path[d].g].match = (long)c[path[d].k].p;
            }
            return;
        }
        if (seen[owner]) { f->k++; continue; }
        seen[owner] = 1;
        depth++;
        path[depth] = (aug_frame){(size_t)owner, first[owner]};
    }
}

static int cmp_cand_gold(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    if (x->g != y->g) return x->g < y->g ? -1 : 1;
    return cmp_cand(a, b);
}

size_t sc_match_quotes(sc_gquote *gold, size_t ng, sc_pquote *pred, size_t np,
                       sc_source_mode mode)
{
    for (size_t i = 0; i < ng; i++) {
        gold[i].match = -1;
        gold[i].cover = 0;
        gold[i].source_ok = -1;
    }
    for (size_t j = 0; j < np; j++) pred[j].match = -1;
    size_t nc = 0, nm = 0;
    cand *c = quote_candidates(gold, ng, pred, np, &nc);
    size_t *first = malloc((ng + 1) * sizeof *first);
    unsigned char *seen = malloc(ng + 1);
    aug_frame *path = malloc((ng + 1) * sizeof *path);
    if (!c || !first || !seen || !path) {
        nm = (size_t)-1;
        goto out;
    }
    /* the greedy pass: best coverage first (cmp_cand), each gold and prediction once */
    qsort(c, nc, sizeof *c, cmp_cand);
    for (size_t k = 0; k < nc; k++) {
        if (gold[c[k].g].match >= 0 || pred[c[k].p].match >= 0) continue;
        gold[c[k].g].match = (long)c[k].p;
        pred[c[k].p].match = (long)c[k].g;
    }
    /* then every gold the greedy pass left without a prediction gets one when a chain of
       re-assignments frees one (each prediction still used once): the most golds found */
    qsort(c, nc, sizeof *c, cmp_cand_gold);
    for (size_t i = 0, k = 0; i <= ng; i++) {
        while (k < nc && c[k].g < i) k++;
        first[i] = k;
    }
    for (size_t i = 0; i < ng; i++) {
        if (gold[i].match >= 0 || first[i] == first[i + 1]) continue;
        memset(seen, 0, ng);
        augment(i, c, first, gold, pred, seen, path);
    }
    for (size_t i = 0; i < ng; i++) {
        sc_gquote *g = &gold[i];
        if (g->match < 0) continue;
        const sc_pquote *p = &pred[g->match];
        g->cover = (double)sc_cover_pred(g, p) / (double)content_len(g);
        g->source_ok = source_check(g, p, mode);
        nm++;
    }
out:
    free(c);
    free(first);
    free(seen);
    free(path);
    return nm;
}

/* Adds [s, e) to p's parts, kept sorted and disjoint (overlapping or touching spans merge;
 * when every slot is taken, the new span merges with its neighbour before it). */
static void part_add(sc_pquote *p, long s, long e)
{
    int k = 0;
    while (k < p->npart && p->part[k].end < s) k++;   /* parts entirely before [s, e) */
    int j = k;
    while (j < p->npart && p->part[j].start <= e) {   /* parts that overlap or touch it */
        if (p->part[j].start < s) s = p->part[j].start;
        if (p->part[j].end > e) e = p->part[j].end;
        j++;
    }
    if (j == k && p->npart == SC_MAX_SEGS) {   /* no slot: join the part before (or after) */
        int m = k > 0 ? k - 1 : 0;
        if (p->part[m].start < s) s = p->part[m].start;
        if (p->part[m].end > e) e = p->part[m].end;
        k = m;
        j = m + 1;
    }
    int removed = j - k;   /* parts k..j-1 become the one merged part at k */
    if (removed == 0) {
        memmove(&p->part[k + 1], &p->part[k], (size_t)(p->npart - k) * sizeof p->part[0]);
        p->npart++;
    } else if (removed > 1) {
        memmove(&p->part[k + 1], &p->part[j], (size_t)(p->npart - j) * sizeof p->part[0]);
        p->npart -= removed - 1;
    }
    p->part[k] = (sc_seg){s, e};
}

size_t sc_group_by_part(sc_pquote *q, size_t n, size_t *into)
{
    size_t *head = malloc((n + 1) * sizeof *head), nk = 0;
    if (!head) return (size_t)-1;
    /* the first part of each statement (a part_of chain is already resolved to its first
       part, which comes earlier) */
    for (size_t i = 0; i < n; i++)
        head[i] = q[i].group >= 0 && (size_t)q[i].group < i ? head[q[i].group] : i;
    for (size_t i = 0; i < n; i++) {
        q[i].npart = 1;
        q[i].part[0] = (sc_seg){q[i].start, q[i].end};
    }
    for (size_t i = 0; i < n; i++) {
        size_t h = head[i];
        if (h == i) continue;
        if (q[i].start < q[h].start) q[h].start = q[i].start;
        if (q[i].end > q[h].end) q[h].end = q[i].end;
        part_add(&q[h], q[i].start, q[i].end);
    }
    for (size_t i = 0; i < n; i++) {
        if (head[i] == i) {
            into[i] = nk;
            q[nk++] = q[i];
        } else {
            into[i] = into[head[i]];   /* head[i] < i: placed already */
        }
    }
    free(head);
    return nk;
}

int sc_has_quote_mark(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        if (u[i] == '"') return 1;
        /* '' and ``: the double quote marks of texts typed the old way (the New York Times
           articles of PolNeAR write '' for both) */
        if ((u[i] == '\'' || u[i] == '`') && i + 1 < n && u[i + 1] == u[i]) return 1;
        if (u[i] == 0xC2 && i + 1 < n && (u[i + 1] == 0xAB || u[i + 1] == 0xBB)) return 1;
        if (u[i] == 0xE2 && i + 2 < n && u[i + 1] == 0x80 && (u[i + 2] == 0x9C || u[i + 2] == 0x9D))
            return 1;
    }
    return 0;
}

/* A small list of verbs (and "according") that introduce speech. */
static const char *const speech_verbs[] = {
    "according", "acknowledged", "acknowledges", "add", "added", "adds", "admits", "admitted",
    "announced", "announces", "argued", "argues", "ask", "asked", "asks", "claimed", "claims",
    "commented", "comments", "concluded", "continued", "declared", "declares", "denied",
    "denies", "explained", "explains", "insisted", "insists", "noted", "notes", "promised",
    "recalled", "recalls", "remarked", "replied", "replies", "responded", "said", "say",
    "saying", "says", "shouted", "stated", "states", "stressed", "suggested", "suggests",
    "tell", "telling", "tells", "testified", "told", "tweeted", "tweets", "warned", "warns",
    "wrote", "write", "writes"};

static int is_speech_word(const char *w, size_t n)
{
    char buf[24];
    if (n == 0 || n >= sizeof buf) return 0;
    for (size_t i = 0; i < n; i++) buf[i] = (char)(w[i] >= 'A' && w[i] <= 'Z' ? w[i] + 32 : w[i]);
    buf[n] = '\0';
    size_t lo = 0, hi = sizeof speech_verbs / sizeof *speech_verbs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(buf, speech_verbs[mid]);
        if (!c) return 1;
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return 0;
}

int sc_is_speech_cue(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) i++;
        size_t j = i;
        while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z'))) j++;
        if (j > i && is_speech_word(s + i, j - i)) return 1;
        i = j;
    }
    return 0;
}

/* ---- brat --------------------------------------------------------------------------------- */

/* A non-negative decimal at s[*i]; advances *i. -1 when there is none. */
static long read_num(const char *s, size_t n, size_t *i)
{
    if (*i >= n || s[*i] < '0' || s[*i] > '9') return -1;
    long v = 0;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
        if (v > 100000000000L) return -1;
        v = v * 10 + (s[*i] - '0');
        (*i)++;
    }
    return v;
}

int sc_parse_brat_spans(const char *s, size_t n, sc_seg *segs, int cap)
{
    size_t i = 0;
    int k = 0;
    for (;;) {
        long a = read_num(s, n, &i);
        if (a < 0 || i >= n || s[i] != ' ') return -1;
        i++;
        long b = read_num(s, n, &i);
        if (b < a || k == cap) return -1;
        segs[k].start = a;
        segs[k].end = b;
        k++;
        if (i == n) return k;
        if (s[i] != ';') return -1;
        i++;
    }
}

/* Copies s[0..n) into dst (room cap) when it fits; -1 otherwise. */
static int copy_field(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap) return -1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 0;
}

static size_t find_char(const char *s, size_t n, size_t from, char c)
{
    while (from < n && s[from] != c) from++;
    return from;
}

int sc_parse_brat_t(const char *line, size_t n, sc_brat_t *out)
{
    memset(out, 0, sizeof *out);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
    if (n < 2 || line[0] != 'T') return -1;
    size_t tab = find_char(line, n, 0, '\t');
    if (tab == n || copy_field(out->id, sizeof out->id, line, tab)) return -1;
    size_t sp = find_char(line, n, tab + 1, ' ');
    if (sp == n || sp == tab + 1) return -1;
    set_type(out->type, line + tab + 1, sp - tab - 1);
    size_t tab2 = find_char(line, n, sp + 1, '\t');
    out->nseg = sc_parse_brat_spans(line + sp + 1, tab2 - sp - 1, out->seg, SC_MAX_SEGS);
    return out->nseg > 0 ? 0 : -1;
}

int sc_parse_brat_e(const char *line, size_t n, sc_brat_e *out)
{
    memset(out, 0, sizeof *out);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ')) n--;
    if (n < 2 || line[0] != 'E') return -1;
    size_t tab = find_char(line, n, 0, '\t');
    if (tab == n || copy_field(out->id, sizeof out->id, line, tab)) return -1;
    size_t i = tab + 1;
    while (i < n) {
        size_t end = find_char(line, n, i, ' ');
        size_t colon = find_char(line, end, i, ':');
        if (colon == end || colon == i) return -1;
        if (out->narg == (int)(sizeof out->arg / sizeof *out->arg)) return -1;
        sc_brat_arg *a = &out->arg[out->narg];
        set_type(a->role, line + i, colon - i);
        if (copy_field(a->id, sizeof a->id, line + colon + 1, end - colon - 1)) return -1;
        out->narg++;
        i = end;
        while (i < n && line[i] == ' ') i++;
    }
    return out->narg > 0 ? 0 : -1;
}

/* ---- CoNLL map-back --------------------------------------------------------------------- */

int sc_snap(const long *tstart, const long *tend, size_t ntok, long s, long e, size_t *ts,
            size_t *te)
{
    if (e <= s) return -1;
    size_t lo = 0, hi = ntok;
    while (lo < hi) {   /* first token ending after s */
        size_t mid = (lo + hi) / 2;
        if (tend[mid] <= s) lo = mid + 1;
        else hi = mid;
    }
    if (lo == ntok || tstart[lo] >= e) return -1;
    size_t last = lo;
    while (last + 1 < ntok && tstart[last + 1] < e) last++;
    *ts = lo;
    *te = last + 1;
    return 0;
}

/* ---- lenient quote match and speaker names --------------------------------------------- */

size_t sc_match_lenient(const sc_seg *gold, size_t ng, const sc_seg *pred, size_t np,
                        double thr, long *gmatch, long *pmatch)
{
    size_t n = 0;
    for (size_t j = 0; j < np; j++) pmatch[j] = -1;
    for (size_t i = 0; i < ng; i++) {
        long glen = gold[i].end - gold[i].start;
        if (glen < 1) glen = 1;
        long best = -1;
        double bs = 0;
        for (size_t j = 0; j < np; j++) {
            if (pmatch[j] >= 0) continue;
            long lo = gold[i].start > pred[j].start ? gold[i].start : pred[j].start;
            long hi = gold[i].end < pred[j].end ? gold[i].end : pred[j].end;
            double sc = (double)(hi > lo ? hi - lo : 0) / (double)glen;
            if (sc > thr && sc > bs) { best = (long)j; bs = sc; }
        }
        gmatch[i] = best;
        if (best >= 0) { pmatch[best] = (long)i; n++; }
    }
    return n;
}

/* The metric's own list (see score.h): not honorifics of a language, the reference
   scorer's definition. */
static const char *const name_drop[] = {"mr", "mrs", "ms", "dr", "the"};

char *sc_norm_name(const char *s)
{
    if (!s) s = "";
    utf8proc_uint8_t *nfkd = NULL;
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, 0, &nfkd,
                                      UTF8PROC_NULLTERM | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
    const char *src = n >= 0 ? (const char *)nfkd : s;   /* invalid UTF-8: as it is */
    size_t len = strlen(src);
    char *out = malloc(len + 1);
    if (!out) { free(nfkd); return NULL; }
    size_t k = 0, w0 = 0;
    int inword = 0;
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c >= 0x80) continue;                    /* not ASCII: dropped, joins its neighbours */
        if (c >= 'A' && c <= 'Z') c = (unsigned char)(c - 'A' + 'a');
        int wordch = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (wordch) {
            if (!inword) { w0 = k; inword = 1; }
            out[k++] = (char)c;
            continue;
        }
        if (inword) {                               /* a word ended: keep it or drop it */
            inword = 0;
            size_t wl = k - w0;
            int drop = 0;
            for (size_t d = 0; d < sizeof name_drop / sizeof *name_drop; d++)
                if (strlen(name_drop[d]) == wl && !memcmp(out + w0, name_drop[d], wl)) drop = 1;
            if (drop) k = w0;
            else out[k++] = ' ';
        }
        if (c == '\0') break;
    }
    if (k && out[k - 1] == ' ') k--;
    out[k] = '\0';
    free(nfkd);
    return out;
}

static int norm_eq(const char *a, const char *b, int need)
{
    char *x = sc_norm_name(a), *y = sc_norm_name(b);
    int r = x && y && (!need || (*x && *y)) && !strcmp(x, y);
    free(x);
    free(y);
    return r;
}

int sc_same_name(const char *a, const char *b)
{
    return norm_eq(a, b, 0);
}

static const char *last_word(const char *s)
{
    const char *sp = strrchr(s, ' ');
    return sp ? sp + 1 : s;
}

int sc_same_person(const char *a, const char *b)
{
    char *x = sc_norm_name(a), *y = sc_norm_name(b);
    int r = x && y && *x && *y && (!strcmp(x, y) || !strcmp(last_word(x), last_word(y)));
    free(x);
    free(y);
    return r;
}

/* First letters of the words of a normalised name but "of", "and", "for"; written to out
 * (room for strlen(norm) + 1). */
static void acronym(const char *norm, char *out)
{
    size_t k = 0;
    for (const char *p = norm; *p;) {
        size_t wl = strcspn(p, " ");
        if (!((wl == 2 && !memcmp(p, "of", 2)) || (wl == 3 && !memcmp(p, "and", 3)) ||
              (wl == 3 && !memcmp(p, "for", 3))))
            out[k++] = *p;
        p += wl;
        while (*p == ' ') p++;
    }
    out[k] = '\0';
}

static void no_spaces(const char *s, char *out)
{
    size_t k = 0;
    for (; *s; s++)
        if (*s != ' ') out[k++] = *s;
    out[k] = '\0';
}

int sc_same_org(const char *a, const char *b)
{
    char *x = sc_norm_name(a), *y = sc_norm_name(b);
    int r = 0;
    if (x && y && *x && *y) {
        size_t lx = strlen(x), ly = strlen(y);
        char *ax = malloc(lx + 1), *ay = malloc(ly + 1), *sx = malloc(lx + 1), *sy = malloc(ly + 1);
        if (ax && ay && sx && sy) {
            acronym(x, ax);
            acronym(y, ay);
            no_spaces(x, sx);
            no_spaces(y, sy);
            r = !strcmp(x, y) || !strcmp(ax, sy) || !strcmp(ay, sx);
        }
        free(ax); free(ay); free(sx); free(sy);
    }
    free(x);
    free(y);
    return r;
}

/* 1 when the space-separated word w[0..n) is one of the words of s. */
static int has_word(const char *s, const char *w, size_t n)
{
    for (const char *p = s; *p;) {
        size_t wl = strcspn(p, " ");
        if (wl == n && !memcmp(p, w, n)) return 1;
        p += wl;
        while (*p == ' ') p++;
    }
    return 0;
}

int sc_role_match(const char *gold_role, const char *pred_role)
{
    char *g = sc_norm_name(gold_role), *p = sc_norm_name(pred_role);
    int r = 0;
    if (!g || !p || !*g) r = -1;
    else
        for (const char *w = g; *w && !r;) {
            size_t wl = strcspn(w, " ");
            r = has_word(p, w, wl);
            w += wl;
            while (*w == ' ') w++;
        }
    free(g);
    free(p);
    return r;
}

int sc_names_doc(const char *const *gold, size_t ng, const char *const *pred, size_t np,
                 int orgs, long *tp, long *fp, long *fn)
{
    char **pn = calloc(np + 1, sizeof *pn);     /* distinct normalised predictions */
    const char **pv = calloc(np + 1, sizeof *pv);
    char *used = calloc(np + 1, 1);
    size_t k = 0;
    int rc = pn && pv && used ? 0 : -1;
    for (size_t j = 0; !rc && j < np; j++) {
        char *x = sc_norm_name(pred[j]);
        if (!x) { rc = -1; break; }
        int dup = !*x;
        for (size_t m = 0; m < k && !dup; m++) dup = !strcmp(pn[m], x);
        if (dup) { free(x); continue; }
        pn[k] = x;
        pv[k++] = pred[j];
    }
    for (size_t i = 0; !rc && i < ng; i++) {
        char *g = sc_norm_name(gold[i]);
        if (!g) { rc = -1; break; }
        if (*g) {
            long hit = -1;
            for (size_t m = 0; m < k && hit < 0; m++)
                if (!used[m] && (orgs ? sc_same_org(gold[i], pv[m]) : !strcmp(g, pn[m]))) hit = (long)m;
            if (hit < 0) (*fn)++;
            else { (*tp)++; used[hit] = 1; }
        }
        free(g);
    }
    for (size_t m = 0; !rc && m < k; m++) *fp += !used[m];
    for (size_t m = 0; m < k; m++) free(pn[m]);
    free(pn);
    free(pv);
    free(used);
    return rc;
}

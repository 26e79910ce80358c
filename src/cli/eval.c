/* quarry eval: scores a rule set against external gold (CoNLL, brat standoff, quarry JSONL,
 * re3d). The scoring itself lives in score.c; this file reads the gold, runs the rules and
 * prints the tables. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "common.h"
#include "json.h"
#include "score.h"
#include "walk.h"

static const char eval_usage[] =
    "usage: quarry eval [--rules PATH] [--map MAP] [--json] [--errors N] [--group-parts]\n"
    "                   (--conll FILE | --brat DIR | --gold FILE.jsonl [--texts DIR]\n"
    "                   [--match strict|lenient] | --re3d DIR)\n"
    "\n"
    "Scores the rule set against external gold and prints precision, recall, F1 and\n"
    "TP/FP/FN per type (scores are reports, not pass/fail).\n"
    "\n"
    "  --conll FILE    CoNLL-2003 columns (token first, tag last; IOB1, IOB2 or IOBES;\n"
    "                  -DOCSTART- lines separate documents, blank lines sentences). Each\n"
    "                  document is rebuilt as text: tokens joined by one space, sentences\n"
    "                  separated by a blank line (each sentence is a paragraph). Predicted\n"
    "                  spans are snapped to every token they touch; entities are scored as\n"
    "                  exact chunk matches per type, conlleval semantics. Gold types not in\n"
    "                  the map (MISC by default) are left out.\n"
    "  --brat DIR      brat standoff: DIR/NAME.txt + DIR/NAME.ann (NAME may hold sub-folders,\n"
    "                  as extract --out-dir writes them), or the PolNeAR layout\n"
    "                  DIR/text/NAME.txt + DIR/attributions/NAME_ANNOTATOR.ann (with several\n"
    "                  annotators, the file whose name sorts first is used, or --annotator).\n"
    "                  T lines of a mapped type are entities (exact span per type;\n"
    "                  documents without such T lines are not scored for entities);\n"
    "                  Source/Cue/Content tied by an Attribution event are quotes.\n"
    "  --gold FILE     gold records in quarry's JSONL format; the text of document DOC is\n"
    "                  read from DIR/DOC.txt (--texts DIR, default: the gold file's folder).\n"
    "                  A file with {\"kind\":\"names\",\"people\":[..],\"orgs\":[..]} records\n"
    "                  (the BBC quote gold) is scored with the lenient match, as the\n"
    "                  reference scorer shared/tools/bbcq.py: each gold quote, in order,\n"
    "                  is found by the unused predicted quote covering most of it, when\n"
    "                  more than 30%; then on the found quotes exact speaker names (compared\n"
    "                  without accents, case, punctuation and the words mr, mrs, ms, dr,\n"
    "                  the), the same person (or last word), roles (a word in common, where\n"
    "                  the gold has one), end-to-end F1; per article, the distinct PERSON\n"
    "                  and ORG names against the gold's (orgs: or an acronym)\n"
    "  --match M       --gold: strict (quarry's own records, as below) or lenient; default\n"
    "                  lenient when the gold has \"names\" records\n"
    "  --re3d DIR      a re3d subset: DIR/documents.json + DIR/entities.json\n";
/* (two strings: C99 guarantees string literals of 4095 bytes only) */
static const char eval_usage_more[] =
    "  --map MAP       quarry type = gold type pairs, comma-separated; default\n"
    "                  PERSON=PER,PLACE=LOC,ORG=ORG (CoNLL, brat; brat gold written\n"
    "                  with quarry's own names PERSON and PLACE is read as PER and LOC),\n"
    "                  PERSON=Person,PLACE=Location,ORG=Organisation (re3d), the\n"
    "                  identity for --gold\n"
    "  --annotator ID  brat: use NAME_ID.ann where there is one\n"
    "  --partial       the gold lists a required subset (or the --gold file has a line\n"
    "                  {\"partial\":true}): predictions it does not match are not counted\n"
    "  --group-parts   the records of one statement (a part_of chain: \"A,\" he said.\n"
    "                  \"B.\", a quoted paragraph that continues it) count as one\n"
    "                  attribution whose content is their spans, not the text between\n"
    "                  them (PolNeAR annotates each statement once); direct when one\n"
    "                  part is. --group-speaker is the same option (its old name)\n"
    "  --errors N      list the first N misses and false alarms (and, lenient, wrong\n"
    "                  speaker names; brat, wrong sources) with a line of context\n"
    "  --json          print the summary as JSON\n"
    "\n"
    "Quotes: a gold quote is found when one predicted quote covers more than half of its\n"
    "content (each prediction counts once, for the gold quote it covers best). Its source is\n"
    "right when the predicted speaker mention overlaps the gold Source span (brat) or the\n"
    "speaker names are equal (--gold). brat classes: direct (the gold content holds a quote\n"
    "mark \" “ ” « », or '' or `` as one mark) and indirect; the row indirect/speech is the\n"
    "subset whose gold cue has a speech verb (recall only). TP and FN count by gold class,\n"
    "FP by predicted class. On brat gold a predicted quote is measured with the double quote\n"
    "marks right next to it (PolNeAR counts the marks as content; quarry's spans leave them out).\n"
    "\n"
    "Exit status: 0 scored, 2 usage or I/O error, 3 rule errors.\n";

/* ---- options and state ------------------------------------------------------------------ */

typedef struct map_pair { char from[SC_TYPE_MAX], to[SC_TYPE_MAX]; } map_pair;

typedef struct eopts {
    const char *rules_path, *conll, *brat, *gold, *texts, *re3d, *annotator;
    int json, oracle, partial, group;
    int match;              /* --match: 0 as the gold's layout says, 1 strict, 2 lenient */
    long errors;
    map_pair map[32];
    int nmap;
    map_pair alias[8];      /* gold type names read as another (brat without --map: quarry's
                               own PERSON, PLACE as PER, LOC) */
    int nalias;
} eopts;

typedef struct estate {
    const eopts *o;
    quarry_rules *rules;
    quarry_doc *doc;
    sc_table ent, quo, quo_sub;
    long docs, shown, io_errors;
    int skip_entities;      /* brat: this document has no entity annotation */
    int partial;            /* --partial or a {"partial":true} line */
    unsigned only;          /* quarry_options.only: entities alone for CoNLL and re3d */
    FILE *err_out;
    walker walk;            /* files found in the gold's folders (not below them) */
    int lenient;            /* --gold scored with the lenient quote match (--match) */
    long named, name_exact, name_same, roled, role_ok;   /* speakers of found quotes */
    long names_docs;        /* documents with a "names" record */
    long ptp, pfp, pfn, otp, ofp, ofn;                   /* people, orgs per article */
} estate;

/* A document being scored: text and, for code-point units, the cp -> byte table. */
typedef struct edoc {
    const char *id;
    const char *text;
    size_t len;
    size_t *cp2b;   /* NULL: units are bytes */
    size_t ncp;
} edoc;

static int parse_map(eopts *o, const char *s)
{
    o->nmap = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        const char *eq = memchr(s, '=', n);
        if (!eq || eq == s || eq + 1 == s + n || o->nmap == 32) return -1;
        map_pair *m = &o->map[o->nmap++];
        snprintf(m->from, sizeof m->from, "%.*s", (int)(eq - s), s);
        snprintf(m->to, sizeof m->to, "%.*s", (int)(s + n - eq - 1), eq + 1);
        s += n;
        if (*s == ',') s++;
    }
    return o->nmap ? 0 : -1;
}

static const char *map_pred(const eopts *o, const char *quarry_type)
{
    for (int i = 0; i < o->nmap; i++)
        if (!strcmp(o->map[i].from, quarry_type)) return o->map[i].to;
    return NULL;
}

/* A gold type as the map names it: quarry's own names (PERSON, PLACE in a .ann that
 * `quarry extract --format brat` wrote) are read as the gold convention's (PER, LOC) when no
 * --map is given. */
static const char *gold_type_of(const eopts *o, const char *gold_type)
{
    for (int i = 0; i < o->nalias; i++)
        if (!strcmp(o->alias[i].from, gold_type)) return o->alias[i].to;
    return gold_type;
}

static int map_has_gold(const eopts *o, const char *gold_type)
{
    for (int i = 0; i < o->nmap; i++)
        if (!strcmp(o->map[i].to, gold_type)) return 1;
    return 0;
}

/* out = a/b (b may be empty: out = a); -1 (reported) when it does not fit. */
static int join_path(char *out, size_t cap, const char *a, const char *b)
{
    int n = *b ? snprintf(out, cap, "%s/%s", a, b) : snprintf(out, cap, "%s", a);
    if (n < 0 || (size_t)n >= cap) {
        cli_error("%s/%s: path too long", a, b);
        return -1;
    }
    return 0;
}

/* ---- documents and units ---------------------------------------------------------------- */

static int build_cp2b(edoc *d)
{
    d->ncp = 0;
    for (size_t i = 0; i < d->len; i++)
        if (((unsigned char)d->text[i] & 0xC0) != 0x80) d->ncp++;
    d->cp2b = malloc((d->ncp + 1) * sizeof *d->cp2b);
    if (!d->cp2b) return -1;
    size_t k = 0;
    for (size_t i = 0; i < d->len; i++)
        if (((unsigned char)d->text[i] & 0xC0) != 0x80) d->cp2b[k++] = i;
    d->cp2b[k] = d->len;
    return 0;
}

static size_t unit_byte(const edoc *d, long u)
{
    if (u < 0) return 0;
    if (!d->cp2b) return (size_t)u < d->len ? (size_t)u : d->len;
    return d->cp2b[(size_t)u < d->ncp ? (size_t)u : d->ncp];
}

/* The text around [s, e) on its line, up to reach bytes either side, the span in brackets,
 * then a line end. */
static void put_context(estate *st, const edoc *d, long s, long e, size_t reach)
{
    size_t bs = unit_byte(d, s), be = unit_byte(d, e);
    if (be < bs) be = bs;
    size_t a = bs, b = be;
    while (a > 0 && bs - a < reach && d->text[a - 1] != '\n') a--;
    while (b < d->len && b - be < reach && d->text[b] != '\n') b++;
    while (a > 0 && a < d->len && ((unsigned char)d->text[a] & 0xC0) == 0x80) a++;
    while (b < d->len && ((unsigned char)d->text[b] & 0xC0) == 0x80) b++;
    for (size_t i = a; i < b; i++) {
        if (i == bs) fputc('[', st->err_out);
        char c = d->text[i];
        fputc(c == '\n' || c == '\r' || c == '\t' ? ' ' : c, st->err_out);
        if (i + 1 == be) fputc(']', st->err_out);
    }
    fputc('\n', st->err_out);
}

/* One error line: the kind, type, document, span and the text around it on its line. */
static void show_error(estate *st, const edoc *d, const char *what, const char *type, long s,
                       long e)
{
    if (st->shown >= st->o->errors) return;
    st->shown++;
    fprintf(st->err_out, "%-11s %-8s %s [%ld,%ld)\n    ", what, type, d->id, s, e);
    put_context(st, d, s, e, 60);
}

/* A second context line under an error: label, then the text around [s, e) marked. */
static void show_context(estate *st, const edoc *d, const char *label, long s, long e)
{
    fprintf(st->err_out, "    %s ", label);
    put_context(st, d, s, e, 40);
}

/* ---- predictions ------------------------------------------------------------------------ */

typedef struct preds {
    sc_ent *ent;
    size_t nent;
    sc_pquote *q;
    const char **qclass;
    size_t nq;
} preds;

static void preds_free(preds *p)
{
    free(p->ent);
    free(p->q);
    free(p->qclass);
    memset(p, 0, sizeof *p);
}

static const char *pred_class(const char *type, int brat_classes)
{
    if (!brat_classes) return type;
    return !strcmp(type, "indirect") ? "indirect" : "direct";
}

/* The length in bytes of a double quote mark that ends at byte b of t (before == 1) or opens
 * there (before == 0): " “ ” « », or '' and `` as one mark; 0 when there is none. */
static size_t mark_at(const char *t, size_t len, size_t b, int before)
{
    const unsigned char *u = (const unsigned char *)t;
    static const size_t lens[] = {3, 2, 1};
    for (int k = 0; k < 3; k++) {
        size_t n = lens[k];
        if (before ? b < n : b + n > len) continue;
        const unsigned char *m = u + (before ? b - n : b);
        if (n == 1 && m[0] == '"') return 1;
        if (n == 2 && (m[0] == '\'' || m[0] == '`') && m[1] == m[0]) return 2;
        if (n == 2 && m[0] == 0xC2 && (m[1] == 0xAB || m[1] == 0xBB)) return 2;
        if (n == 3 && m[0] == 0xE2 && m[1] == 0x80 && (m[2] == 0x9C || m[2] == 0x9D)) return 3;
    }
    return 0;
}

/* PolNeAR counts a quote's marks as part of its content ("quotation marks are considered
 * part of the content", polnear_guidelines.txt); a quarry quote span leaves them out. In brat
 * scoring a predicted quote takes the double marks right next to it, so that a short quote
 * ("a “rant,”": the gold content holds 13 characters, quarry's span 5) is measured like the
 * gold. s and e are in the units of d (bytes, or code points with cp2b). */
static void widen_marks(const edoc *d, long *s, long *e)
{
    size_t b = unit_byte(d, *s), n = mark_at(d->text, d->len, b, 1);
    if (n && *s > 0) *s -= d->cp2b ? (n == 2 && d->text[b - 1] == d->text[b - 2] ? 2 : 1) : (long)n;
    b = unit_byte(d, *e);
    n = mark_at(d->text, d->len, b, 0);
    if (n) *e += d->cp2b ? (n == 2 && d->text[b] == d->text[b + 1] ? 2 : 1) : (long)n;
}

/* Runs the rules over d and collects mapped entities and quotes, in bytes (cp == 0) or
 * code points (cp == 1). Returns -1 on an extraction error (reported). */
static int extract_preds(estate *st, const edoc *d, int cp, int brat_classes, preds *p)
{
    memset(p, 0, sizeof *p);
    quarry_error err;
    quarry_options opts;
    memset(&opts, 0, sizeof opts);
    opts.only = st->only;   /* no quote phases when no quote is scored */
    if (quarry_extract(st->rules, st->doc, d->id, d->text, d->len, &opts, &err) != QUARRY_OK) {
        cli_error("%s: %s", d->id, err.message);
        return -1;
    }
    size_t n = quarry_doc_record_count(st->doc);
    p->ent = calloc(n + 1, sizeof *p->ent);
    p->q = calloc(n + 1, sizeof *p->q);
    p->qclass = calloc(n + 1, sizeof *p->qclass);
    if (!p->ent || !p->q || !p->qclass) { preds_free(p); return -1; }
    for (size_t i = 0; i < n; i++) {
        const quarry_record *r = quarry_doc_record(st->doc, i);
        long s = (long)(cp ? r->span.cstart : r->span.start);
        long e = (long)(cp ? r->span.cend : r->span.end);
        if (r->kind == QUARRY_ENTITY) {
            const char *g = map_pred(st->o, r->type);
            if (!g) continue;
            sc_ent *x = &p->ent[p->nent];
            x->start = s;
            x->end = e;
            x->ref = p->nent++;
            snprintf(x->type, sizeof x->type, "%s", g);
        } else {
            sc_pquote *q = &p->q[p->nq];
            if (brat_classes) widen_marks(d, &s, &e);
            q->start = s;
            q->end = e;
            q->has_speaker = r->has_speaker && r->speaker.present;
            q->sp_start = (long)(cp ? r->speaker.cstart : r->speaker.start);
            q->sp_end = (long)(cp ? r->speaker.cend : r->speaker.end);
            q->speaker_name = r->has_speaker ? r->speaker_name : NULL;
            q->has_cue = r->cue.present;
            q->cue_start = (long)(cp ? r->cue.cstart : r->cue.start);
            q->cue_end = (long)(cp ? r->cue.cend : r->cue.end);
            q->indirect = !strcmp(r->type, "indirect");
            /* ids are q1, q2 ... in record order: part_of "qN" is the N-th quote here */
            q->group = r->part_of && r->part_of[0] == 'q' ? strtol(r->part_of + 1, NULL, 10) - 1 : -1;
            if (q->group >= (long)p->nq) q->group = -1;
            p->qclass[p->nq++] = pred_class(r->type, brat_classes);
        }
    }
    return 0;
}

/* ---- per-document scoring ---------------------------------------------------------------- */

static void score_entities(estate *st, const edoc *d, sc_ent *g, size_t ng, sc_ent *p,
                           size_t np)
{
    if (st->skip_entities) return;
    sc_match_exact(g, ng, p, np, &st->ent);
    if (st->partial)     /* a required subset: other predictions are not errors */
        for (size_t j = 0; j < np; j++)
            if (p[j].match < 0) { sc_table_get(&st->ent, p[j].type)->fp--; p[j].match = 0; }
    if (st->o->errors <= 0) return;
    for (size_t i = 0; i < ng; i++)
        if (g[i].match < 0) show_error(st, d, "miss", g[i].type, g[i].start, g[i].end);
    for (size_t j = 0; j < np; j++)
        if (p[j].match < 0) show_error(st, d, "false-alarm", p[j].type, p[j].start, p[j].end);
}

typedef struct gquotes {
    sc_gquote *q;
    const char **qclass;
    int *speech;            /* gold cue is a speech verb */
    size_t n, cap;
} gquotes;

static sc_gquote *gquotes_add(gquotes *g, const char *cls)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        sc_gquote *q = realloc(g->q, cap * sizeof *q);
        if (!q) return NULL;
        g->q = q;
        const char **c = realloc(g->qclass, cap * sizeof *c);
        if (!c) return NULL;
        g->qclass = c;
        int *s = realloc(g->speech, cap * sizeof *s);
        if (!s) return NULL;
        g->speech = s;
        g->cap = cap;
    }
    memset(&g->q[g->n], 0, sizeof g->q[g->n]);
    g->qclass[g->n] = cls;
    g->speech[g->n] = 0;
    return &g->q[g->n++];
}

static void gquotes_free(gquotes *g)
{
    free(g->q);
    free(g->qclass);
    free(g->speech);
    memset(g, 0, sizeof *g);
}

static void quote_hull(const sc_gquote *g, long *s, long *e)
{
    *s = g->content[0].start;
    *e = g->content[0].end;
    for (int k = 1; k < g->ncontent; k++) {
        if (g->content[k].start < *s) *s = g->content[k].start;
        if (g->content[k].end > *e) *e = g->content[k].end;
    }
}

static void tally_gold_quote(estate *st, const gquotes *g, size_t i)
{
    const sc_gquote *q = &g->q[i];
    sc_tally *t = sc_table_get(&st->quo, g->qclass[i]);
    sc_tally *sub = g->speech[i] ? sc_table_get(&st->quo_sub, "indirect/speech") : NULL;
    if (q->match >= 0) {
        t->tp++;
        if (sub) sub->tp++;
    } else {
        t->fn++;
        if (sub) sub->fn++;
    }
    if (q->source_ok >= 0) {
        t->src_n++;
        t->src_ok += q->source_ok;
        if (sub) { sub->src_n++; sub->src_ok += q->source_ok; }
    }
}

static int score_quotes(estate *st, const edoc *d, gquotes *g, preds *p, sc_source_mode mode)
{
    if (sc_match_quotes(g->q, g->n, p->q, p->nq, mode) == (size_t)-1) return -1;
    for (size_t i = 0; i < g->n; i++) {
        tally_gold_quote(st, g, i);
        if (g->q[i].match < 0 && st->o->errors > 0) {
            long s, e;
            quote_hull(&g->q[i], &s, &e);
            show_error(st, d, "miss", g->qclass[i], s, e);
        } else if (g->q[i].source_ok == 0 && st->o->errors > 0 && g->q[i].nsource > 0) {
            /* found with the wrong speaker: the gold source, then quarry's speaker mention */
            const sc_pquote *m = &p->q[g->q[i].match];
            long before = st->shown;
            show_error(st, d, "wrong-source", g->qclass[i], g->q[i].source[0].start,
                       g->q[i].source[0].end);
            if (st->shown > before) {
                if (m->has_speaker) show_context(st, d, "quarry's", m->sp_start, m->sp_end);
                else fprintf(st->err_out, "    quarry's: no speaker mention\n");
            }
        }
    }
    for (size_t j = 0; j < p->nq; j++) {
        if (p->q[j].match >= 0 || st->partial) continue;
        sc_table_get(&st->quo, p->qclass[j])->fp++;
        if (st->o->errors > 0) show_error(st, d, "false-alarm", p->qclass[j], p->q[j].start, p->q[j].end);
    }
    return 0;
}

/* Oracle predictions: the gold itself, to check the reading and mapping paths. */
static int oracle_preds(const sc_ent *g, size_t ng, const gquotes *gq, preds *p)
{
    memset(p, 0, sizeof *p);
    p->ent = calloc(ng + 1, sizeof *p->ent);
    size_t nq = gq ? gq->n : 0;
    p->q = calloc(nq + 1, sizeof *p->q);
    p->qclass = calloc(nq + 1, sizeof *p->qclass);
    if (!p->ent || !p->q || !p->qclass) { preds_free(p); return -1; }
    for (size_t i = 0; i < ng; i++) {
        p->ent[i] = g[i];
        p->ent[i].ref = i;
    }
    p->nent = ng;
    for (size_t i = 0; i < nq; i++) {
        const sc_gquote *q = &gq->q[i];
        sc_pquote *x = &p->q[i];
        quote_hull(q, &x->start, &x->end);
        x->has_speaker = q->nsource > 0;
        x->sp_start = q->nsource ? q->source[0].start : 0;
        x->sp_end = q->nsource ? q->source[0].end : 0;
        x->speaker_name = q->source_name;
        x->group = -1;
        p->qclass[i] = gq->qclass[i];
    }
    p->nq = nq;
    return 0;
}

/* --group-parts: the parts of one statement (a part_of chain) become one prediction
 * (sc_group_by_part), direct when any part is. */
static int group_preds(preds *p)
{
    size_t *into = malloc((p->nq + 1) * sizeof *into);
    const char **cls = calloc(p->nq + 1, sizeof *cls);
    size_t n = into && cls ? sc_group_by_part(p->q, p->nq, into) : (size_t)-1;
    if (n != (size_t)-1) {
        for (size_t i = 0; i < p->nq; i++)
            if (!cls[into[i]] || strcmp(p->qclass[i], "indirect")) cls[into[i]] = p->qclass[i];
        memcpy(p->qclass, cls, n * sizeof *cls);
        p->nq = n;
    }
    free(into);
    free(cls);
    return n == (size_t)-1 ? -1 : 0;
}

/* Scores one document in code-point units (brat, --gold, re3d). */
static int score_cp_doc(estate *st, edoc *d, sc_ent *g, size_t ng, gquotes *gq,
                        int brat_classes, sc_source_mode mode)
{
    preds p;
    int rc = st->o->oracle ? oracle_preds(g, ng, gq, &p)
                           : extract_preds(st, d, 1, brat_classes, &p);
    if (rc) return -1;
    if (st->o->group && !st->o->oracle && group_preds(&p)) {
        preds_free(&p);
        return -1;
    }
    st->docs++;
    score_entities(st, d, g, ng, p.ent, p.nent);
    if (gq) rc = score_quotes(st, d, gq, &p, mode);
    preds_free(&p);
    return rc;
}

/* ---- CoNLL -------------------------------------------------------------------------------- */

typedef struct conll_doc {
    char **tok;         /* NUL-terminated, in the file buffer */
    char **tag;
    int *sent_start;    /* 1 at the first token of a sentence */
    size_t n, cap;
} conll_doc;

static int conll_push(conll_doc *c, char *tok, char *tag, int sent_start)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        char **t = realloc(c->tok, cap * sizeof *t);
        if (!t) return -1;
        c->tok = t;
        char **g = realloc(c->tag, cap * sizeof *g);
        if (!g) return -1;
        c->tag = g;
        int *s = realloc(c->sent_start, cap * sizeof *s);
        if (!s) return -1;
        c->sent_start = s;
        c->cap = cap;
    }
    c->tok[c->n] = tok;
    c->tag[c->n] = tag;
    c->sent_start[c->n] = sent_start;
    c->n++;
    return 0;
}

/* Rebuilds the text: tokens joined by a space, sentences by a blank line. */
static char *conll_text(const conll_doc *c, long *ts, long *te, size_t *len)
{
    size_t total = 1;
    for (size_t i = 0; i < c->n; i++) total += strlen(c->tok[i]) + 2;
    char *text = malloc(total);
    if (!text) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (i > 0) {
            if (c->sent_start[i]) { text[k++] = '\n'; text[k++] = '\n'; }
            else text[k++] = ' ';
        }
        size_t l = strlen(c->tok[i]);
        ts[i] = (long)k;
        memcpy(text + k, c->tok[i], l);
        k += l;
        te[i] = (long)k;
    }
    text[k++] = '\n';
    *len = k;
    return text;
}

/* Gold chunks (sentence by sentence), mapped types only, as byte spans. */
static size_t conll_gold(const eopts *o, const conll_doc *c, const long *ts, const long *te,
                         sc_ent *out)
{
    size_t ng = 0;
    for (size_t s = 0; s < c->n;) {
        size_t e = s + 1;
        while (e < c->n && !c->sent_start[e]) e++;
        size_t base = ng;
        size_t nc = sc_chunks((const char *const *)c->tag + s, e - s, out + base);
        for (size_t k = 0; k < nc; k++) {
            sc_ent x = out[base + k];
            if (!map_has_gold(o, x.type)) continue;
            x.start = ts[s + (size_t)x.start];
            x.end = te[s + (size_t)x.end - 1];
            x.ref = ng;
            out[ng++] = x;
        }
        s = e;
    }
    return ng;
}

static int cmp_ent_key(const void *a, const void *b)
{
    const sc_ent *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->type, y->type);
}

/* Snaps predictions to token edges (every token they touch) and drops duplicates, as a
 * tag sequence would. */
static size_t conll_snap(sc_ent *p, size_t np, const long *ts, const long *te, size_t ntok)
{
    size_t k = 0;
    for (size_t i = 0; i < np; i++) {
        size_t a, b;
        if (sc_snap(ts, te, ntok, p[i].start, p[i].end, &a, &b)) continue;
        p[k] = p[i];
        p[k].start = ts[a];
        p[k].end = te[b - 1];
        k++;
    }
    if (k) qsort(p, k, sizeof *p, cmp_ent_key);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (!u || cmp_ent_key(&p[u - 1], &p[i])) p[u++] = p[i];
    for (size_t i = 0; i < u; i++) p[i].ref = i;
    return u;
}

static int conll_score_doc(estate *st, const conll_doc *c, long docno)
{
    if (c->n == 0) return 0;
    long *ts = malloc(c->n * sizeof *ts), *te = malloc(c->n * sizeof *te);
    sc_ent *g = calloc(c->n, sizeof *g);
    char id[32];
    snprintf(id, sizeof id, "doc%ld", docno);
    edoc d = {id, NULL, 0, NULL, 0};
    preds p;
    memset(&p, 0, sizeof p);
    int rc = -1;
    if (!ts || !te || !g || !(d.text = conll_text(c, ts, te, &d.len))) goto done;
    size_t ng = conll_gold(st->o, c, ts, te, g);
    if (st->o->oracle ? oracle_preds(g, ng, NULL, &p) : extract_preds(st, &d, 0, 0, &p)) goto done;
    p.nent = conll_snap(p.ent, p.nent, ts, te, c->n);
    st->docs++;
    score_entities(st, &d, g, ng, p.ent, p.nent);
    rc = 0;
done:
    preds_free(&p);
    free((char *)d.text);
    free(ts); free(te); free(g);
    return rc;
}

/* Splits a CoNLL line in place: first and last space-separated columns. */
static int conll_columns(char *line, char **tok, char **tag)
{
    char *p = line;
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return 0;
    *tok = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    char *last = NULL;
    if (*p) {
        *p++ = '\0';
        for (;;) {
            while (*p == ' ' || *p == '\t') p++;
            if (!*p) break;
            last = p;
            while (*p && *p != ' ' && *p != '\t') p++;
            if (*p) *p++ = '\0';
        }
    }
    *tag = last ? last : (char *)"O";
    return 1;
}

static int run_conll(estate *st, const char *path)
{
    char *data;
    size_t len;
    if (cli_read_file(path, &data, &len)) { cli_error("%s: %s", path, strerror(errno)); return -1; }
    data[len] = '\0';
    conll_doc c;
    memset(&c, 0, sizeof c);
    int rc = 0, sent_start = 1;
    long docno = 0;
    for (char *line = data; line && *line;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        size_t l = strlen(line);
        if (l && line[l - 1] == '\r') line[--l] = '\0';
        char *tok, *tag;
        if (!strncmp(line, "-DOCSTART-", 10)) {
            if (c.n && conll_score_doc(st, &c, ++docno)) rc = -1;
            c.n = 0;
            sent_start = 1;
        } else if (!conll_columns(line, &tok, &tag)) {
            sent_start = 1;
        } else {
            if (conll_push(&c, tok, tag, sent_start)) { rc = -1; break; }
            sent_start = 0;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (c.n && conll_score_doc(st, &c, ++docno)) rc = -1;
    free(c.tok); free(c.tag); free(c.sent_start);
    free(data);
    return rc;
}

/* ---- brat ---------------------------------------------------------------------------------- */

/* The .ann file for NAME among the sorted anns: NAME.ann, else NAME_<annotator>.ann, else
 * the first NAME_*.ann (no further underscore). */
static const char *pick_ann(char **anns, size_t n, const char *name, const char *annotator)
{
    size_t nl = strlen(name);
    const char *first = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *a = anns[i];
        if (strncmp(a, name, nl)) continue;
        if (!strcmp(a + nl, ".ann")) return a;
        if (a[nl] != '_' || strchr(a + nl + 1, '_')) continue;
        size_t al = strlen(a + nl + 1) - 4;
        if (annotator && strlen(annotator) == al && !strncmp(a + nl + 1, annotator, al)) return a;
        if (!first) first = a;
    }
    return first;
}

typedef struct brat_ann {
    sc_brat_t *t;
    size_t nt;
    sc_brat_e *e;
    size_t ne;
} brat_ann;

static void brat_ann_free(brat_ann *a)
{
    free(a->t);
    free(a->e);
    memset(a, 0, sizeof *a);
}

static int brat_parse(const char *data, size_t len, brat_ann *a)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++) lines += data[i] == '\n';
    memset(a, 0, sizeof *a);
    a->t = malloc(lines * sizeof *a->t);
    a->e = malloc(lines * sizeof *a->e);
    if (!a->t || !a->e) return -1;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && data[j] != '\n') j++;
        if (data[i] == 'T' && !sc_parse_brat_t(data + i, j - i, &a->t[a->nt])) a->nt++;
        else if (data[i] == 'E' && !sc_parse_brat_e(data + i, j - i, &a->e[a->ne])) a->ne++;
        i = j + 1;
    }
    return 0;
}

static const sc_brat_t *brat_find_t(const brat_ann *a, const char *id)
{
    for (size_t i = 0; i < a->nt; i++)
        if (!strcmp(a->t[i].id, id)) return &a->t[i];
    return NULL;
}

static void add_segs(sc_seg *dst, int *n, const sc_brat_t *t)
{
    for (int k = 0; k < t->nseg && *n < SC_MAX_SEGS; k++) dst[(*n)++] = t->seg[k];
}

/* 1 when the text of the segments (code points) satisfies pred. */
static int segs_text(const edoc *d, const sc_seg *s, int n, int (*pred)(const char *, size_t))
{
    for (int k = 0; k < n; k++) {
        size_t a = unit_byte(d, s[k].start), b = unit_byte(d, s[k].end);
        if (b > a && pred(d->text + a, b - a)) return 1;
    }
    return 0;
}

/* One attribution event -> one gold quote (skipped when it has no content). */
static int brat_event_quote(const edoc *d, const brat_ann *a, const sc_brat_e *e, gquotes *gq)
{
    if (strncmp(e->arg[0].role, "Attribution", 11)) return 0;
    sc_gquote q;
    memset(&q, 0, sizeof q);
    sc_seg cue[SC_MAX_SEGS];
    int ncue = 0;
    for (int k = 1; k < e->narg; k++) {
        const sc_brat_t *t = brat_find_t(a, e->arg[k].id);
        if (!t) continue;
        if (!strncmp(e->arg[k].role, "Content", 7)) add_segs(q.content, &q.ncontent, t);
        else if (!strncmp(e->arg[k].role, "Source", 6)) add_segs(q.source, &q.nsource, t);
        else if (!strncmp(e->arg[k].role, "Cue", 3)) add_segs(cue, &ncue, t);
    }
    if (!q.ncontent) return 0;
    int direct = segs_text(d, q.content, q.ncontent, sc_has_quote_mark);
    sc_gquote *x = gquotes_add(gq, direct ? "direct" : "indirect");
    if (!x) return -1;
    *x = q;
    gq->speech[gq->n - 1] = !direct && segs_text(d, cue, ncue, sc_is_speech_cue);
    return 0;
}

static int brat_score_doc(estate *st, edoc *d, const char *ann_data, size_t ann_len)
{
    brat_ann a;
    gquotes gq;
    memset(&gq, 0, sizeof gq);
    sc_ent *g = NULL;
    int rc = -1;
    if (brat_parse(ann_data, ann_len, &a)) goto done;
    g = calloc(a.nt + 1, sizeof *g);
    if (!g) goto done;
    size_t ng = 0;
    for (size_t i = 0; i < a.nt; i++) {
        const sc_brat_t *t = &a.t[i];
        const char *type = gold_type_of(st->o, t->type);
        if (!map_has_gold(st->o, type)) continue;
        sc_ent *x = &g[ng];
        x->start = t->seg[0].start;
        x->end = t->seg[t->nseg - 1].end;
        x->ref = ng++;
        snprintf(x->type, sizeof x->type, "%s", type);
    }
    for (size_t i = 0; i < a.ne; i++)
        if (brat_event_quote(d, &a, &a.e[i], &gq)) goto done;
    st->skip_entities = ng == 0;    /* e.g. PolNeAR: attributions only */
    rc = score_cp_doc(st, d, g, ng, &gq, 1, SC_SOURCE_OVERLAP);
    st->skip_entities = 0;
done:
    free(g);
    gquotes_free(&gq);
    brat_ann_free(&a);
    return rc;
}

static int brat_one(estate *st, const char *tdir, const char *adir, const char *txt,
                    const char *ann)
{
    char tp[4096], ap[4096], id[1024];
    char *text = NULL, *ad = NULL;
    size_t tl, al;
    int rc = -1;
    if (join_path(tp, sizeof tp, tdir, txt) || join_path(ap, sizeof ap, adir, ann)) return -1;
    if (join_path(id, sizeof id, txt, "")) return -1;
    id[strlen(id) - 4] = '\0';
    if (walk_check_file(&st->walk, tp) || walk_check_file(&st->walk, ap)) goto done;
    if (cli_read_file(tp, &text, &tl)) { cli_error("%s: %s", tp, strerror(errno)); goto done; }
    if (cli_read_file(ap, &ad, &al)) { cli_error("%s: %s", ap, strerror(errno)); goto done; }
    edoc d = {id, text, tl, NULL, 0};
    if (build_cp2b(&d)) goto done;
    rc = brat_score_doc(st, &d, ad, al);
    free(d.cp2b);
done:
    free(text);
    free(ad);
    return rc;
}

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The names (without the folder) of the regular files ending in ext in dir and below it
 * ("business/001.txt": the sub-folders extract --out-dir writes), sorted; NULL (reported)
 * when dir cannot be read. */
static char **list_names(estate *st, const char *dir, const char *ext, size_t *n)
{
    st->walk.ext = ext;
    st->walk.recursive = 1;
    char **paths = walk_list(&st->walk, dir, n);
    size_t dl = strlen(dir) + 1;
    for (size_t i = 0; paths && i < *n; i++) memmove(paths[i], paths[i] + dl, strlen(paths[i] + dl) + 1);
    return paths;
}

static int run_brat(estate *st, const char *dir)
{
    char tdir[4096], adir[4096];
    if (join_path(tdir, sizeof tdir, dir, "text") || join_path(adir, sizeof adir, dir, "attributions"))
        return -1;
    if (!is_dir(tdir) || !is_dir(adir)) {
        join_path(tdir, sizeof tdir, dir, "");
        join_path(adir, sizeof adir, dir, "");
    }
    size_t nt = 0, na = 0;
    char **txts = list_names(st, tdir, ".txt", &nt);
    if (!txts) return -1;
    char **anns = list_names(st, adir, ".ann", &na);
    if (!anns) { walk_free_list(txts, nt); return -1; }
    int rc = 0;
    for (size_t i = 0; i < nt; i++) {
        char name[1024];
        if (join_path(name, sizeof name, txts[i], "")) { rc = -1; continue; }
        name[strlen(name) - 4] = '\0';
        const char *ann = pick_ann(anns, na, name, st->o->annotator);
        if (!ann) { cli_error("%s/%s: no .ann file, skipped", tdir, txts[i]); continue; }
        if (brat_one(st, tdir, adir, txts[i], ann)) rc = -1;
    }
    walk_free_list(txts, nt);
    walk_free_list(anns, na);
    return rc ? rc : st->walk.failed ? -1 : 0;
}

/* ---- JSONL lines (--gold, re3d) ------------------------------------------------------------- */

typedef struct jlines { jdoc *d; size_t n; } jlines;

static void jlines_free(jlines *j)
{
    for (size_t i = 0; i < j->n; i++) json_free(&j->d[i]);
    free(j->d);
    memset(j, 0, sizeof *j);
}

/* Reads one JSON value a line (blank lines skipped). */
static int read_jlines(const char *path, jlines *out)
{
    char *data;
    size_t len;
    memset(out, 0, sizeof *out);
    if (cli_read_file(path, &data, &len)) { cli_error("%s: %s", path, strerror(errno)); return -1; }
    size_t cap = 0, line = 0, pos = 0, n;
    const char *l;
    int rc = 0;
    while (!rc && json_next_line(data, len, &pos, &line, &l, &n)) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            jdoc *nd = realloc(out->d, cap * sizeof *nd);
            if (!nd) { rc = -1; break; }
            out->d = nd;
        }
        const char *msg;
        size_t off;
        if (json_parse(l, n, &out->d[out->n], &msg, &off)) {
            cli_error("%s:%zu: %s at column %zu", path, line, msg, off + 1);
            rc = -1;
        } else {
            out->n++;
        }
    }
    free(data);
    if (rc) jlines_free(out);
    return rc;
}

static const char *jstr(const jval *o, const char *key)
{
    const jval *v = json_get(o, key);
    return v && v->t == J_STR ? v->str : NULL;
}

static int jlong(const jval *o, const char *key, long *out)
{
    const jval *v = json_get(o, key);
    if (!v || v->t != J_NUM) return 0;
    *out = (long)v->num;
    return 1;
}

/* ---- --gold ------------------------------------------------------------------------------- */

/* Gold of one document from quarry records: entities (mapped) and quotes. */
static int gold_collect(const eopts *o, const jlines *j, const size_t *idx, size_t n, sc_ent *g,
                        size_t *ng, gquotes *gq)
{
    *ng = 0;
    for (size_t k = 0; k < n; k++) {
        const jval *r = &j->d[idx[k]].root;
        const char *kind = jstr(r, "kind"), *type = jstr(r, "type");
        long s, e;
        if (!kind || !type || !jlong(r, "start", &s) || !jlong(r, "end", &e)) continue;
        if (!strcmp(kind, "entity")) {
            if (!map_has_gold(o, type)) continue;
            sc_ent *x = &g[*ng];
            x->start = s;
            x->end = e;
            x->ref = (*ng)++;
            snprintf(x->type, sizeof x->type, "%s", type);
        } else if (!strcmp(kind, "quote")) {
            sc_gquote *q = gquotes_add(gq, type);
            if (!q) return -1;
            q->content[0] = (sc_seg){s, e};
            q->ncontent = 1;
            const jval *sp = json_get(r, "speaker");
            if (sp && sp->t == J_OBJ) {
                q->source_name = jstr(sp, "name") ? jstr(sp, "name") : jstr(sp, "text");
                if (jlong(sp, "start", &s) && jlong(sp, "end", &e)) {
                    q->source[0] = (sc_seg){s, e};
                    q->nsource = 1;
                }
            }
        }
    }
    return 0;
}

/* ---- --gold, lenient match (the BBC quote gold) ------------------------------------ */

#define LENIENT_THR 0.3

typedef struct lquote {
    sc_seg span;
    const char *type;
    const char *name, *role, *mention;   /* gold speaker, or predicted name and role */
} lquote;

typedef struct lnames {
    const char **v;
    size_t n, cap;
} lnames;

static int lnames_add(lnames *l, const char *x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        const char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return -1;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

/* The strings of a JSON array (others left out). */
static int lnames_from(lnames *l, const jval *arr)
{
    for (size_t i = 0; arr && arr->t == J_ARR && i < arr->n; i++)
        if (arr->kids[i].t == J_STR && lnames_add(l, arr->kids[i].str)) return -1;
    return 0;
}

/* A span's text from the document, NUL-terminated, malloc'd (bytes [s, e)). */
static char *span_text(const edoc *d, size_t s, size_t e)
{
    if (e > d->len) e = d->len;
    if (s > e) s = e;
    char *t = malloc(e - s + 1);
    if (t) { memcpy(t, d->text + s, e - s); t[e - s] = '\0'; }
    return t;
}

/* One more line under a shown error. */
static void show_note(estate *st, const char *fmt, const char *a, const char *b)
{
    if (st->shown > st->o->errors || !st->o->errors) return;
    fputs("    ", st->err_out);
    fprintf(st->err_out, fmt, a ? a : "", b ? b : "");
    fputc('\n', st->err_out);
}

static int lenient_score(estate *st, const edoc *d, lquote *g, size_t ng, lquote *p, size_t np,
                         const jval *names, lnames *pp, lnames *po)
{
    sc_seg *gs = malloc((ng + 1) * sizeof *gs), *ps = malloc((np + 1) * sizeof *ps);
    long *gm = malloc((ng + 1) * sizeof *gm), *pm = malloc((np + 1) * sizeof *pm);
    int rc = -1;
    if (!gs || !ps || !gm || !pm) goto done;
    for (size_t i = 0; i < ng; i++) gs[i] = g[i].span;
    for (size_t j = 0; j < np; j++) ps[j] = p[j].span;
    sc_match_lenient(gs, ng, ps, np, LENIENT_THR, gm, pm);
    for (size_t i = 0; i < ng; i++) {
        sc_tally *t = sc_table_get(&st->quo, g[i].type);
        if (gm[i] < 0) {
            t->fn++;
            long before = st->shown;
            show_error(st, d, "miss", g[i].type, g[i].span.start, g[i].span.end);
            if (st->shown > before) show_note(st, "gold speaker \"%s\" (\"%s\")", g[i].name, g[i].mention);
            continue;
        }
        t->tp++;
        const lquote *m = &p[gm[i]];
        if (!g[i].name || !*g[i].name) continue;      /* the gold names no speaker */
        st->named++;
        t->src_n++;
        if (sc_same_name(m->name, g[i].name)) {
            st->name_exact++;
            t->src_ok++;
        } else {
            long before = st->shown;
            show_error(st, d, "wrong-name", g[i].type, g[i].span.start, g[i].span.end);
            if (st->shown > before) show_note(st, "gold speaker \"%s\", quarry's \"%s\"", g[i].name, m->name);
        }
        if (sc_same_person(m->name, g[i].name)) st->name_same++;
        int role = sc_role_match(g[i].role, m->role);
        if (role >= 0) { st->roled++; st->role_ok += role; }
    }
    for (size_t j = 0; j < np; j++) {
        if (pm[j] >= 0) continue;
        sc_table_get(&st->quo, p[j].type)->fp++;
        long before = st->shown;
        show_error(st, d, "false-alarm", p[j].type, p[j].span.start, p[j].span.end);
        if (st->shown > before && p[j].name && *p[j].name) show_note(st, "quarry's speaker \"%s\"%s", p[j].name, "");
    }
    if (names) {
        lnames gp = {0}, go = {0};
        st->names_docs++;
        if (!lnames_from(&gp, json_get(names, "people")) && !lnames_from(&go, json_get(names, "orgs")) &&
            !sc_names_doc(gp.v, gp.n, pp->v, pp->n, 0, &st->ptp, &st->pfp, &st->pfn) &&
            !sc_names_doc(go.v, go.n, po->v, po->n, 1, &st->otp, &st->ofp, &st->ofn))
            rc = 0;
        free(gp.v);
        free(go.v);
    } else {
        rc = 0;
    }
done:
    free(gs); free(ps); free(gm); free(pm);
    return rc;
}

/* One document of the BBC quote gold layout: quote records ({"kind":"quote","type","start",
 * "end","speaker":{"name","role","mention"}}, code points) and at most one {"kind":"names",
 * "people":[..],"orgs":[..]}; other fields and kinds are ignored. */
static int lenient_doc(estate *st, edoc *d, const jlines *j, const size_t *idx, size_t n)
{
    lquote *g = calloc(n + 1, sizeof *g);
    size_t ng = 0;
    const jval *names = NULL;
    if (!g) return -1;
    for (size_t k = 0; k < n; k++) {
        const jval *r = &j->d[idx[k]].root;
        const char *kind = jstr(r, "kind"), *type = jstr(r, "type");
        long s, e;
        if (kind && !strcmp(kind, "names")) { names = r; continue; }
        if ((kind && strcmp(kind, "quote")) || !type || !jlong(r, "start", &s) || !jlong(r, "end", &e))
            continue;
        lquote *q = &g[ng++];
        q->span = (sc_seg){s, e};
        q->type = type;
        const jval *sp = json_get(r, "speaker");
        if (sp && sp->t == J_OBJ) {
            q->name = jstr(sp, "name");
            q->role = jstr(sp, "role");
            q->mention = jstr(sp, "mention");
        }
    }
    quarry_error err;
    if (quarry_extract(st->rules, st->doc, d->id, d->text, d->len, NULL, &err) != QUARRY_OK) {
        cli_error("%s: %s", d->id, err.message);
        free(g);
        return -1;
    }
    size_t nr = quarry_doc_record_count(st->doc);
    lquote *p = calloc(nr + 1, sizeof *p);
    char **owned = calloc(nr + 1, sizeof *owned);   /* span texts standing in for names */
    size_t np = 0, no = 0;
    lnames pp = {0}, po = {0};
    int rc = -1;
    if (!p || !owned) goto done;
    for (size_t i = 0; i < nr; i++) {
        const quarry_record *r = quarry_doc_record(st->doc, i);
        /* a name, else the mention's text (as the records give them: speaker.name or
           speaker.text, an entity's name or text) */
        const char *name = r->kind == QUARRY_QUOTE ? (r->has_speaker ? r->speaker_name : "") : r->name;
        if (!name || !*name) {
            const quarry_span *sp = r->kind == QUARRY_QUOTE ? &r->speaker : &r->span;
            if (!(owned[no] = span_text(d, sp->start, sp->end))) goto done;
            name = owned[no++];
        }
        if (r->kind == QUARRY_QUOTE) {
            lquote *q = &p[np++];
            q->span = (sc_seg){(long)r->span.cstart, (long)r->span.cend};
            q->type = r->type;
            q->name = name;
            q->role = r->has_speaker && r->speaker_role ? r->speaker_role : "";
        } else if (!strcmp(r->type, "PERSON") || !strcmp(r->type, "PER")) {
            if (lnames_add(&pp, name)) goto done;
        } else if (!strcmp(r->type, "ORG")) {
            if (lnames_add(&po, name)) goto done;
        }
    }
    st->docs++;
    rc = lenient_score(st, d, g, ng, p, np, names, &pp, &po);
done:
    for (size_t i = 0; i < no; i++) free(owned[i]);
    free(owned);
    free(p);
    free(pp.v);
    free(po.v);
    free(g);
    return rc;
}

static int gold_one_doc(estate *st, const char *texts, const jlines *j, const size_t *idx,
                        size_t n, const char *id)
{
    char path[4096], file[1024];
    if (join_path(file, sizeof file, id, "") || strlen(file) + 5 > sizeof file) return -1;
    strcat(file, ".txt");
    if (join_path(path, sizeof path, texts, file)) return -1;
    char *text;
    size_t len;
    if (walk_check_file(&st->walk, path)) return -1;
    if (cli_read_file(path, &text, &len)) { cli_error("%s: %s", path, strerror(errno)); return -1; }
    edoc d = {id, text, len, NULL, 0};
    sc_ent *g = calloc(n + 1, sizeof *g);
    gquotes gq;
    memset(&gq, 0, sizeof gq);
    size_t ng = 0;
    int rc = -1;
    if (st->lenient) {
        if (!build_cp2b(&d)) rc = lenient_doc(st, &d, j, idx, n);
    } else if (g && !build_cp2b(&d) && !gold_collect(st->o, j, idx, n, g, &ng, &gq)) {
        rc = score_cp_doc(st, &d, g, ng, &gq, 0, SC_SOURCE_NAME);
    }
    free(g);
    gquotes_free(&gq);
    free(d.cp2b);
    free(text);
    return rc;
}

static const char *doc_of(const jlines *j, size_t i)
{
    const char *d = jstr(&j->d[i].root, "doc");
    return d ? d : "";
}

static const jlines *sort_lines;   /* for cmp_by_doc (qsort has no user pointer) */
static int cmp_by_doc(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(doc_of(sort_lines, x), doc_of(sort_lines, y));
    return c ? c : (x < y ? -1 : x > y);
}

/* Records grouped by "doc" (documents in name order). */
static int run_gold(estate *st, const char *path, const char *texts)
{
    char dir[4096];
    if (!texts) {
        const char *slash = strrchr(path, '/');
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
        texts = dir;
    }
    jlines j;
    if (read_jlines(path, &j)) return -1;
    size_t *idx = malloc((j.n + 1) * sizeof *idx);
    if (!idx) { jlines_free(&j); return -1; }
    int names = 0;
    for (size_t i = 0; i < j.n; i++) {
        idx[i] = i;
        const jval *pl = json_get(&j.d[i].root, "partial");
        if (pl && pl->t == J_BOOL && pl->b && !json_get(&j.d[i].root, "kind")) st->partial = 1;
        const char *kind = jstr(&j.d[i].root, "kind");
        if (kind && !strcmp(kind, "names")) names = 1;
    }
    /* the BBC quote gold's layout (per-article "names" records) is scored leniently */
    st->lenient = st->o->match ? st->o->match == 2 : names;
    if (st->lenient && st->o->oracle) {
        cli_error("--oracle checks the strict match only (give --match strict)");
        free(idx);
        jlines_free(&j);
        return -1;
    }
    sort_lines = &j;
    if (j.n) qsort(idx, j.n, sizeof *idx, cmp_by_doc);
    int rc = 0;
    for (size_t a = 0; a < j.n;) {
        const char *id = jstr(&j.d[idx[a]].root, "doc");
        size_t b = a + 1;
        while (b < j.n && !strcmp(id ? id : "", doc_of(&j, idx[b]))) b++;
        const jval *pl = json_get(&j.d[idx[a]].root, "partial");
        if (!id && pl && pl->t == J_BOOL) { a = b; continue; }   /* {"partial":true}, handled above */
        if (!id) cli_error("%s: records without \"doc\" skipped", path);
        else if (gold_one_doc(st, texts, &j, idx + a, b - a, id)) rc = -1;
        a = b;
    }
    free(idx);
    jlines_free(&j);
    return rc;
}

/* ---- re3d ---------------------------------------------------------------------------------- */

static int re3d_one_doc(estate *st, const jval *doc, const jlines *ents)
{
    const char *id = jstr(doc, "_id");
    const jval *tv = json_get(doc, "text");
    if (!id || !tv || tv->t != J_STR) return 0;
    edoc d = {id, tv->str, tv->len, NULL, 0};
    sc_ent *g = calloc(ents->n + 1, sizeof *g);
    int rc = -1;
    if (!g || build_cp2b(&d)) goto done;
    size_t ng = 0;
    for (size_t i = 0; i < ents->n; i++) {
        const jval *e = &ents->d[i].root;
        const char *did = jstr(e, "documentId"), *type = jstr(e, "type");
        long s, en;
        if (!did || !type || strcmp(did, id) || !map_has_gold(st->o, type)) continue;
        if (!jlong(e, "begin", &s) || !jlong(e, "end", &en)) continue;
        g[ng].start = s;
        g[ng].end = en;
        g[ng].ref = ng;
        snprintf(g[ng].type, sizeof g[ng].type, "%s", type);
        ng++;
    }
    rc = score_cp_doc(st, &d, g, ng, NULL, 0, SC_SOURCE_OVERLAP);
done:
    free(g);
    free(d.cp2b);
    return rc;
}

static int run_re3d(estate *st, const char *dir)
{
    char dp[4096], ep[4096];
    if (join_path(dp, sizeof dp, dir, "documents.json") || join_path(ep, sizeof ep, dir, "entities.json"))
        return -1;
    jlines docs, ents;
    if (read_jlines(dp, &docs)) return -1;
    if (read_jlines(ep, &ents)) { jlines_free(&docs); return -1; }
    int rc = 0;
    for (size_t i = 0; i < docs.n; i++)
        if (re3d_one_doc(st, &docs.d[i].root, &ents)) rc = -1;
    jlines_free(&docs);
    jlines_free(&ents);
    return rc;
}

/* ---- output ------------------------------------------------------------------------------- */

static int cmp_tally(const void *a, const void *b)
{
    return strcmp(((const sc_tally *)a)->type, ((const sc_tally *)b)->type);
}

static void print_row(const sc_tally *t, int quotes, int recall_only, int json, int first)
{
    double p, r, f;
    sc_prf(t, &p, &r, &f);
    double src = t->src_n ? 100.0 * (double)t->src_ok / (double)t->src_n : 0;
    if (json) {
        printf("%s\"%s\":{", first ? "" : ",", t->type);
        if (recall_only)
            printf("\"r\":%.2f,\"tp\":%ld,\"fn\":%ld", r, t->tp, t->fn);
        else
            printf("\"p\":%.2f,\"r\":%.2f,\"f1\":%.2f,\"tp\":%ld,\"fp\":%ld,\"fn\":%ld", p, r,
                   f, t->tp, t->fp, t->fn);
        if (quotes) printf(",\"source_acc\":%.2f,\"source_ok\":%ld,\"source_n\":%ld", src, t->src_ok, t->src_n);
        putchar('}');
        return;
    }
    if (recall_only)
        printf("  %-16s %6s %6.2f %6s %6ld %6s %6ld", t->type, "-", r, "-", t->tp, "-", t->fn);
    else
        printf("  %-16s %6.2f %6.2f %6.2f %6ld %6ld %6ld", t->type, p, r, f, t->tp, t->fp, t->fn);
    if (quotes) printf(" %6.2f %6ld", src, t->src_n);
    putchar('\n');
}

static void print_table(const char *title, sc_table *tb, const sc_table *sub, int quotes, int json)
{
    if (tb->n) qsort(tb->t, (size_t)tb->n, sizeof *tb->t, cmp_tally);
    sc_tally all = sc_table_total(tb);
    if (json) {
        printf(",\"%s\":{", title);
        for (int i = 0; i < tb->n; i++) print_row(&tb->t[i], quotes, 0, 1, i == 0);
        for (int i = 0; sub && i < sub->n; i++) print_row(&sub->t[i], quotes, 1, 1, 0);
        print_row(&all, quotes, 0, 1, tb->n == 0);
        putchar('}');
        return;
    }
    if (tb->n == 0) { printf("%s: none in the gold, not scored\n", title); return; }
    printf("%s\n  %-16s %6s %6s %6s %6s %6s %6s%s\n", title, "type", "P", "R", "F1", "TP", "FP",
           "FN", quotes ? "   src%   srcN" : "");
    for (int i = 0; i < tb->n; i++) print_row(&tb->t[i], quotes, 0, 0, 0);
    for (int i = 0; sub && i < sub->n; i++) print_row(&sub->t[i], quotes, 1, 0, 0);
    print_row(&all, quotes, 0, 0, 0);
}

static double pct(long a, long b)
{
    return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* P, R, F1 in percent as the reference scorer computes them (same operations, same
 * rounding when printed with one decimal). */
static void prf_ref(long tp, long fp, long fn, double *p, double *r, double *f)
{
    double P = tp + fp ? (double)tp / (double)(tp + fp) : 0, R = tp + fn ? (double)tp / (double)(tp + fn) : 0;
    *p = 100 * P;
    *r = 100 * R;
    *f = P + R ? 200 * P * R / (P + R) : 0.0;
}

static void print_lenient_row(const char *name, long tp, long fp, long fn, int json, int first,
                              const sc_tally *t)
{
    double p, r, f;
    prf_ref(tp, fp, fn, &p, &r, &f);
    if (json) {
        printf("%s\"%s\":{\"p\":%.1f,\"r\":%.1f,\"f1\":%.1f,\"tp\":%ld,\"fp\":%ld,\"fn\":%ld",
               first ? "" : ",", name, p, r, f, tp, fp, fn);
        if (t) printf(",\"name_acc\":%.1f,\"name_ok\":%ld,\"name_n\":%ld", pct(t->src_ok, t->src_n), t->src_ok, t->src_n);
        putchar('}');
        return;
    }
    printf("  %-16s %6.1f %6.1f %6.1f %6ld %6ld %6ld", name, p, r, f, tp, fp, fn);
    if (t) printf(" %6.1f %6ld", pct(t->src_ok, t->src_n), t->src_n);
    putchar('\n');
}

/* --gold with the lenient match: quotes per type, speakers, names per article. */
static void print_lenient(estate *st, const char *path)
{
    sc_table *tb = &st->quo;
    if (tb->n) qsort(tb->t, (size_t)tb->n, sizeof *tb->t, cmp_tally);
    sc_tally all = sc_table_total(tb);
    double e2e = all.tp ? 200.0 * (double)st->name_exact / (double)(2 * all.tp + all.fp + all.fn) : 0.0;
    if (st->o->json) {
        printf("{\"dataset\":\"gold\",\"match\":\"lenient\",\"path\":\"");
        for (const char *p = path; *p; p++) {
            if (*p == '"' || *p == '\\') putchar('\\');
            if ((unsigned char)*p >= 0x20) putchar(*p);
        }
        printf("\",\"docs\":%ld,\"quotes\":{", st->docs);
        for (int i = 0; i < tb->n; i++) print_lenient_row(tb->t[i].type, tb->t[i].tp, tb->t[i].fp, tb->t[i].fn, 1, i == 0, &tb->t[i]);
        print_lenient_row("all", all.tp, all.fp, all.fn, 1, tb->n == 0, &all);
        printf("},\"speakers\":{\"name_exact\":%.1f,\"name_same_person\":%.1f,\"named\":%ld,"
               "\"role\":%.1f,\"roled\":%ld,\"end_to_end_f1\":%.1f}",
               pct(st->name_exact, st->named), pct(st->name_same, st->named), st->named,
               pct(st->role_ok, st->roled), st->roled, e2e);
        if (st->names_docs) {
            printf(",\"names\":{\"docs\":%ld,", st->names_docs);
            print_lenient_row("people", st->ptp, st->pfp, st->pfn, 1, 1, NULL);
            print_lenient_row("orgs", st->otp, st->ofp, st->ofn, 1, 0, NULL);
            putchar('}');
        }
        printf("}\n");
        return;
    }
    printf("gold %s: %ld documents\n"
           "lenient match: a gold quote is found by the unused predicted quote covering most of\n"
           "it, more than 30%%, gold quotes in file order\n", path, st->docs);
    printf("quotes (TP and FN by gold type, FP by predicted type; name%% = exact speaker names)\n"
           "  %-16s %6s %6s %6s %6s %6s %6s  name%%  nameN\n", "type", "P", "R", "F1", "TP", "FP", "FN");
    for (int i = 0; i < tb->n; i++) print_lenient_row(tb->t[i].type, tb->t[i].tp, tb->t[i].fp, tb->t[i].fn, 0, 0, &tb->t[i]);
    print_lenient_row("all", all.tp, all.fp, all.fn, 0, 0, &all);
    printf("speakers of the found quotes\n"
           "  name exact      %5.1f%%  (%ld of %ld with a named gold speaker)\n"
           "  same person     %5.1f%%  (exact, or the same last word)\n"
           "  role            %5.1f%%  (%ld of %ld with a gold role: a word in common)\n"
           "  end-to-end F1   %5.1f   (a quote found with its exact speaker name)\n",
           pct(st->name_exact, st->named), st->name_exact, st->named, pct(st->name_same, st->named),
           pct(st->role_ok, st->roled), st->role_ok, st->roled, e2e);
    if (!st->names_docs) return;
    printf("names per article (%ld documents: distinct PERSON and ORG names vs the gold's)\n"
           "  %-16s %6s %6s %6s %6s %6s %6s\n", st->names_docs, "type", "P", "R", "F1", "TP", "FP", "FN");
    print_lenient_row("people", st->ptp, st->pfp, st->pfn, 0, 0, NULL);
    print_lenient_row("orgs", st->otp, st->ofp, st->ofn, 0, 0, NULL);
}

static void print_summary(estate *st, const char *kind, const char *path)
{
    const eopts *o = st->o;
    if (st->lenient) { print_lenient(st, path); return; }
    int quotes = !o->conll && !o->re3d;
    if (o->json) {
        printf("{\"dataset\":\"%s\",\"path\":\"", kind);
        for (const char *p = path; *p; p++) {
            if (*p == '"' || *p == '\\') putchar('\\');
            if ((unsigned char)*p >= 0x20) putchar(*p);
        }
        printf("\",\"docs\":%ld,\"oracle\":%s", st->docs, o->oracle ? "true" : "false");
        print_table("entities", &st->ent, NULL, 0, 1);
        if (quotes) print_table("quotes", &st->quo, &st->quo_sub, 1, 1);
        printf("}\n");
        return;
    }
    printf("%s %s: %ld documents%s\n", kind, path, st->docs, o->oracle ? " (oracle: gold as predictions)" : "");
    print_table("entities", &st->ent, NULL, 0, 0);
    if (quotes) print_table("quotes", &st->quo, &st->quo_sub, 1, 0);
}

/* ---- command ------------------------------------------------------------------------------ */

/* Parses the options; returns -1 after printing a usage error, 1 for --help. */
static int parse_args(int argc, char **argv, eopts *o, const char **map)
{
    const char *match = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return 1;
#define OPT(name, field) else if (!strcmp(a, name) && v) { field = v; i++; } \
        else if (!strncmp(a, name "=", sizeof name) ) { field = a + sizeof name; }
        OPT("--rules", o->rules_path)
        OPT("--conll", o->conll)
        OPT("--brat", o->brat)
        OPT("--gold", o->gold)
        OPT("--texts", o->texts)
        OPT("--re3d", o->re3d)
        OPT("--map", *map)
        OPT("--annotator", o->annotator)
        OPT("--match", match)
#undef OPT
        else if (!strcmp(a, "--json")) o->json = 1;
        else if (!strcmp(a, "--oracle")) o->oracle = 1;
        else if (!strcmp(a, "--partial")) o->partial = 1;
        else if (!strcmp(a, "--group-parts") || !strcmp(a, "--group-speaker")) o->group = 1;
        else if ((!strcmp(a, "--errors") && v) || !strncmp(a, "--errors=", 9)) {
            const char *n = a[8] == '=' ? a + 9 : argv[++i];
            char *end;
            o->errors = strtol(n, &end, 10);
            if (*end || o->errors < 0) { cli_error("--errors needs a number"); return -1; }
        } else {
            cli_error("unknown option or missing value '%s' (see quarry eval --help)", a);
            return -1;
        }
    }
    if (match) {
        if (!strcmp(match, "strict")) o->match = 1;
        else if (!strcmp(match, "lenient")) o->match = 2;
        else { cli_error("--match must be strict or lenient, not '%s'", match); return -1; }
        if (!o->gold) { cli_error("--match applies to --gold only"); return -1; }
    }
    int modes = !!o->conll + !!o->brat + !!o->gold + !!o->re3d;
    if (modes != 1) {
        cli_error("give exactly one of --conll, --brat, --gold, --re3d (see quarry eval --help)");
        return -1;
    }
    return 0;
}

int cmd_eval(int argc, char **argv)
{
    eopts o;
    memset(&o, 0, sizeof o);
    const char *map = NULL;
    int pa = parse_args(argc, argv, &o, &map);
    if (pa == 1) { fputs(eval_usage, stdout); fputs(eval_usage_more, stdout); return EXIT_OK; }
    if (pa) return EXIT_USAGE;
    if (!map && o.brat) {   /* quarry's own type names beside the brat/CoNLL convention */
        static const char *const own[][2] = {{"PERSON", "PER"}, {"PLACE", "LOC"}};
        for (size_t i = 0; i < sizeof own / sizeof *own; i++) {
            snprintf(o.alias[i].from, sizeof o.alias[i].from, "%s", own[i][0]);
            snprintf(o.alias[i].to, sizeof o.alias[i].to, "%s", own[i][1]);
            o.nalias++;
        }
    }
    if (!map)
        map = o.re3d ? "PERSON=Person,PLACE=Location,ORG=Organisation"
            : o.gold ? "PERSON=PERSON,ROLE=ROLE,PLACE=PLACE,ORG=ORG"
                     : "PERSON=PER,PLACE=LOC,ORG=ORG";
    if (parse_map(&o, map)) { cli_error("--map wants QUARRY=GOLD[,QUARRY=GOLD...]"); return EXIT_USAGE; }
    estate st;
    memset(&st, 0, sizeof st);
    st.o = &o;
    st.partial = o.partial;
    st.only = o.conll || o.re3d ? QUARRY_EMIT_ENTITIES : 0;   /* they score no quotes */
    st.err_out = o.json ? stderr : stdout;
    if (!o.oracle && !(st.rules = cli_load_rules(o.rules_path))) return EXIT_RULES;
    st.doc = quarry_doc_new();
    if (!st.doc) { quarry_rules_free(st.rules); return EXIT_USAGE; }
    int rc;
    const char *kind, *path;
    if (o.conll) { kind = "conll"; path = o.conll; rc = run_conll(&st, o.conll); }
    else if (o.brat) { kind = "brat"; path = o.brat; rc = run_brat(&st, o.brat); }
    else if (o.gold) { kind = "gold"; path = o.gold; rc = run_gold(&st, o.gold, o.texts); }
    else { kind = "re3d"; path = o.re3d; rc = run_re3d(&st, o.re3d); }
    if (st.shown && !o.json) putchar('\n');
    print_summary(&st, kind, path);
    quarry_doc_free(st.doc);
    quarry_rules_free(st.rules);
    return rc ? EXIT_USAGE : EXIT_OK;
}

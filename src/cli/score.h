/* Scoring for quarry eval: pure functions, no I/O.
 *
 *   - IOB chunking with conlleval semantics (IOB1, IOB2 and IOBES tag sequences);
 *   - exact-match scoring of typed spans (phrase-level P/R/F1 per type);
 *   - quote matching by coverage: a gold quote is found when one prediction covers more than
 *     half of its (possibly discontinuous) content; each prediction is used at most once;
 *   - brat standoff line parsing (T lines with discontinuous spans, E lines);
 *   - tallies and P/R/F1.
 * Spans are end-exclusive [start, end) in whatever unit the caller uses (bytes, code points
 * or token indexes); the functions only compare them. */
#ifndef QUARRY_CLI_SCORE_H
#define QUARRY_CLI_SCORE_H

#include <stddef.h>

#define SC_TYPE_MAX 32      /* type names are truncated to SC_TYPE_MAX - 1 bytes */
#define SC_MAX_SEGS 32      /* segments of one discontinuous span (PolNeAR has up to 20) */

typedef struct sc_ent {
    long start, end;
    char type[SC_TYPE_MAX];
    long match;             /* out: index of the matching item on the other side, -1 none */
    size_t ref;             /* the caller's own index (kept through sorting) */
} sc_ent;

/* ---- chunks ---------------------------------------------------------------------------- */

/* Turns a tag sequence ("O", "B-PER", "I-PER", "E-PER", "S-PER"; anything else counts as
 * "O") into chunks in token units, written to out (room for n). conlleval semantics: a chunk
 * is a maximal run of one type; B- and S- always start a chunk, I-/E- start one after O, after
 * another type or after E-/S-; so IOB1 (I-X after O starts, B-X separates two adjacent X
 * chunks) and IOB2 (B-X always starts) both work. Returns the number of chunks. */
size_t sc_chunks(const char *const *tags, size_t n, sc_ent *out);

/* ---- exact-match scoring ---------------------------------------------------------------- */

typedef struct sc_tally {
    char type[SC_TYPE_MAX];
    long tp, fp, fn;
    long src_ok, src_n;     /* quotes: matched gold with a checkable source, and correct ones */
} sc_tally;

#define SC_TABLE_MAX 32
typedef struct sc_table {
    sc_tally t[SC_TABLE_MAX];
    int n;
} sc_table;

/* The tally of type (created on first use; the last slot is shared when full). */
sc_tally *sc_table_get(sc_table *tb, const char *type);
/* Sum of all rows, typed "all". */
sc_tally sc_table_total(const sc_table *tb);
/* Precision, recall and F1 in percent (0 when undefined). */
void sc_prf(const sc_tally *t, double *p, double *r, double *f1);

/* Matches gold and predicted spans exactly on (start, end, type); each item matches at most
 * once (a duplicate prediction is a false positive). Sorts both arrays in place by start, end,
 * type (.ref keeps the caller's identity), sets .match on both sides (an index into the other
 * sorted array) and adds TP/FN per gold type and FP per predicted type to tb
 * (tb may be NULL). Returns the number of matches. */
size_t sc_match_exact(sc_ent *gold, size_t ng, sc_ent *pred, size_t np, sc_table *tb);

/* ---- quotes ---------------------------------------------------------------------------- */

typedef struct sc_seg { long start, end; } sc_seg;

typedef struct sc_gquote {
    sc_seg content[SC_MAX_SEGS];
    int ncontent;
    sc_seg source[SC_MAX_SEGS];
    int nsource;            /* 0: the gold gives no source span */
    const char *source_name;    /* for name comparison (may be NULL) */
    long match;             /* out: index of the prediction, -1 none */
    double cover;           /* out: fraction of the content the match covers */
    int source_ok;          /* out: 1 the matched prediction's speaker is right, 0 wrong,
                               -1 not checkable (no match, or overlap mode and no gold
                               source span) */
} sc_gquote;

typedef struct sc_pquote {
    long start, end;
    sc_seg part[SC_MAX_SEGS];   /* npart > 0: the content is these spans (a grouped
                                   statement, sc_group_by_part), else [start, end) */
    int npart;
    int has_speaker;        /* 0: no speaker mention */
    long sp_start, sp_end;
    int has_cue;            /* 0: no cue mention (a continuation quote) */
    long cue_start, cue_end;
    const char *speaker_name;   /* may be NULL */
    int indirect;           /* an indirect record (not direct or partial) */
    long group;             /* index of the statement's first part (part_of), -1 none */
    long match;             /* out: index of the gold quote, -1 none */
} sc_pquote;

/* How a matched prediction's speaker is checked. */
typedef enum sc_source_mode {
    SC_SOURCE_OVERLAP,      /* the speaker span overlaps a gold source segment */
    SC_SOURCE_NAME          /* speaker names equal (NULL on both sides counts as equal) */
} sc_source_mode;

/* Length of the content covered by [start, end). */
long sc_cover(const sc_gquote *g, long start, long end);
/* Length of the content covered by a prediction (its parts when it has them). */
long sc_cover_pred(const sc_gquote *g, const sc_pquote *p);
/* Matches predictions to gold quotes: a pair is a candidate when the prediction covers more
 * than half of the gold content (strictly: 2 * covered > length); candidates are taken best
 * coverage fraction first (ties: earlier gold, then earlier prediction), each gold and each
 * prediction at most once; then a gold left unmatched takes a prediction when a chain of
 * re-assignments frees one (augmenting paths), so the count is the largest possible with
 * each prediction used once. Fills .match, .cover and .source_ok. Returns the match count,
 * or (size_t)-1 when memory runs out. */
size_t sc_match_quotes(sc_gquote *gold, size_t ng, sc_pquote *pred, size_t np,
                       sc_source_mode mode);

/* Groups the parts of one statement into one prediction: q[i].group is the index of the
 * statement's first part (the record its part_of names, earlier in q) or -1. The first of a
 * group spans from the group's first start to its last end, and its parts are the group's
 * spans (merged where they overlap; the text between them, such as the attribution of a
 * split quote, is not content); the others are removed. into[i] (room for n) gets the
 * index, in the grouped array, of prediction i's group. Returns the new count, or
 * (size_t)-1 when memory runs out (q unchanged). */
size_t sc_group_by_part(sc_pquote *q, size_t n, size_t *into);

/* 1 when s[0..n) holds a quote mark: " U+201C U+201D U+00AB U+00BB. */
int sc_has_quote_mark(const char *s, size_t n);
/* 1 when a word of s[0..n) (a cue such as "has said"), ASCII case-folded, is in the
 * built-in speech-verb list (say, said, told, added, ...; see score.c). */
int sc_is_speech_cue(const char *s, size_t n);

/* ---- lenient quote match and speaker names (the BBC quote gold) ------------------------ */
/* The Gender Gap Tracker's metric as ../shared/tools/bbcq.py computes it, so that quarry eval
 * and the scoreboard print the same figures. */

/* Each gold quote, in order, takes the prediction not yet taken that covers the largest
 * fraction of it, when that fraction is more than thr (0.3: lenient); the first such
 * prediction on ties. Greedy in gold order (bbcq.py), not a maximum assignment. Fills
 * gmatch[i] (the prediction, -1 none) and pmatch[j] (the gold quote, -1 none). Returns the
 * match count. */
size_t sc_match_lenient(const sc_seg *gold, size_t ng, const sc_seg *pred, size_t np,
                        double thr, long *gmatch, long *pmatch);

/* A name as the metric compares names: compatibility-decomposed (NFKD) with what is not
 * ASCII dropped (accents, other scripts), lower case, every run of characters other than
 * a-z, 0-9 and space made one space, and the words "mr", "mrs", "ms", "dr" and "the" left
 * out (the reference scorer's whole list: it is part of the metric's definition, not a
 * lexicon, so that the figures stay comparable); words joined by one space.
 * "Mr. José  O'Neill" -> "jose o neill". malloc'd; NULL when out of memory. */
char *sc_norm_name(const char *s);
/* sc_same_name: normalised names equal (two names that normalise to nothing are equal, as
 * in the reference scorer). sc_same_person: normalised names not empty and equal or with
 * the same last word (its lenient rule). */
int sc_same_name(const char *a, const char *b);
int sc_same_person(const char *a, const char *b);
/* Same organisation: normalised names equal and not empty, or one the acronym of the other
 * (first letters of the normalised words but "of", "and", "for": "International Monetary
 * Fund" = "IMF"). */
int sc_same_org(const char *a, const char *b);
/* The gold role's words (normalised) and the predicted role's: -1 when the gold role has
 * none (not scored), 1 when they share one, else 0. */
int sc_role_match(const char *gold_role, const char *pred_role);

/* Names per article: the gold names (those that normalise to nothing left out, duplicates
 * kept) against the distinct predicted names (one per normalised form, in first-seen
 * order); each gold name takes the first unused predicted one that is the same (orgs:
 * sc_same_org, else equal normalised names); unused predictions are false positives. Adds
 * to *tp, *fp, *fn. Returns -1 when out of memory. */
int sc_names_doc(const char *const *gold, size_t ng, const char *const *pred, size_t np,
                 int orgs, long *tp, long *fp, long *fn);

/* ---- brat standoff -------------------------------------------------------------------- */

/* Parses "S E" or "S E;S E;..." into segs (room for cap). Returns the count, or -1 on a
 * syntax error or more than cap segments. */
int sc_parse_brat_spans(const char *s, size_t n, sc_seg *segs, int cap);

typedef struct sc_brat_t {
    char id[16];
    char type[SC_TYPE_MAX];
    sc_seg seg[SC_MAX_SEGS];
    int nseg;
} sc_brat_t;

/* Parses a text-bound line "T12<TAB>Type S E[;S E...]<TAB>text". Returns 0, or -1 when the
 * line is not a well-formed T line. */
int sc_parse_brat_t(const char *line, size_t n, sc_brat_t *out);

typedef struct sc_brat_arg { char role[SC_TYPE_MAX]; char id[16]; } sc_brat_arg;
typedef struct sc_brat_e {
    char id[16];
    sc_brat_arg arg[12];    /* arg[0] is the trigger ("Attribution:T4") */
    int narg;
} sc_brat_e;

/* Parses an event line "E1<TAB>Attribution:T4 Content:T3 Cue:T2 Source:T1". Returns 0, or -1
 * when the line is not a well-formed E line. */
int sc_parse_brat_e(const char *line, size_t n, sc_brat_e *out);

/* ---- CoNLL map-back --------------------------------------------------------------------- */

/* Snaps [s, e) to the tokens it touches: tokens are sorted, non-overlapping [tstart[i],
 * tend[i]); every token sharing at least one unit with [s, e) is covered. Returns 0 with
 * [*ts, *te) the token range, or -1 when no token is touched. */
int sc_snap(const long *tstart, const long *tend, size_t ntok, long s, long e, size_t *ts,
            size_t *te);

#endif

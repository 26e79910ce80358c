/* quarry eval's scorers (src/cli/score.c) on small hand-made gold/prediction pairs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/score.h"

static size_t chunks_of(const char *const *tags, size_t n, sc_ent *out)
{
    return sc_chunks(tags, n, out);
}

static void assert_chunk(const sc_ent *c, long s, long e, const char *type)
{
    cr_assert_eq(c->start, s, "start %ld, want %ld", c->start, s);
    cr_assert_eq(c->end, e, "end %ld, want %ld", c->end, e);
    cr_assert_str_eq(c->type, type);
}

static sc_ent ent(long s, long e, const char *type)
{
    sc_ent x;
    memset(&x, 0, sizeof x);
    x.start = s;
    x.end = e;
    x.match = -1;
    snprintf(x.type, sizeof x.type, "%s", type);
    return x;
}

static void assert_near(double got, double want)
{
    cr_assert(fabs(got - want) < 0.01, "got %.4f, want %.4f", got, want);
}

/* ---- chunking ---- */

Test(score_chunks, iob1_basic)
{
    /* Phil Simmons took four for Leicestershire in London */
    const char *tags[] = {"I-PER", "I-PER", "O", "O", "O", "I-ORG", "O", "I-LOC"};
    sc_ent c[8];
    cr_assert_eq(chunks_of(tags, 8, c), 3);
    assert_chunk(&c[0], 0, 2, "PER");
    assert_chunk(&c[1], 5, 6, "ORG");
    assert_chunk(&c[2], 7, 8, "LOC");
}

Test(score_chunks, iob1_adjacent_same_type)
{
    /* IOB1: B-PER after I-PER starts a second, adjacent PER chunk */
    const char *tags[] = {"I-PER", "I-PER", "B-PER", "I-PER", "O"};
    sc_ent c[5];
    cr_assert_eq(chunks_of(tags, 5, c), 2);
    assert_chunk(&c[0], 0, 2, "PER");
    assert_chunk(&c[1], 2, 4, "PER");
}

Test(score_chunks, iob1_type_change_starts_chunk)
{
    const char *tags[] = {"I-ORG", "I-LOC", "I-LOC", "I-ORG"};
    sc_ent c[4];
    cr_assert_eq(chunks_of(tags, 4, c), 3);
    assert_chunk(&c[0], 0, 1, "ORG");
    assert_chunk(&c[1], 1, 3, "LOC");
    assert_chunk(&c[2], 3, 4, "ORG");
}

Test(score_chunks, iob2_b_always_starts)
{
    const char *tags[] = {"B-PER", "I-PER", "B-PER", "O", "B-LOC", "B-LOC", "I-LOC"};
    sc_ent c[7];
    cr_assert_eq(chunks_of(tags, 7, c), 4);
    assert_chunk(&c[0], 0, 2, "PER");
    assert_chunk(&c[1], 2, 3, "PER");
    assert_chunk(&c[2], 4, 5, "LOC");
    assert_chunk(&c[3], 5, 7, "LOC");
}

Test(score_chunks, iob1_and_iob2_agree)
{
    /* the same entities written in both schemes give the same chunks */
    const char *iob1[] = {"O", "I-PER", "I-PER", "B-PER", "O", "I-ORG"};
    const char *iob2[] = {"O", "B-PER", "I-PER", "B-PER", "O", "B-ORG"};
    sc_ent a[6], b[6];
    size_t na = chunks_of(iob1, 6, a), nb = chunks_of(iob2, 6, b);
    cr_assert_eq(na, 3);
    cr_assert_eq(nb, na);
    for (size_t i = 0; i < na; i++) assert_chunk(&b[i], a[i].start, a[i].end, a[i].type);
}

Test(score_chunks, iobes_and_junk)
{
    const char *tags[] = {"S-LOC", "B-PER", "E-PER", "E-PER", "???", "I-", NULL, "I-MISC"};
    sc_ent c[8];
    cr_assert_eq(chunks_of(tags, 8, c), 4);
    assert_chunk(&c[0], 0, 1, "LOC");
    assert_chunk(&c[1], 1, 3, "PER");
    assert_chunk(&c[2], 3, 4, "PER");   /* I/E after E starts a new chunk */
    assert_chunk(&c[3], 7, 8, "MISC");
}

Test(score_chunks, chunk_ends_at_sequence_end)
{
    const char *tags[] = {"O", "I-LOC", "I-LOC"};
    sc_ent c[3];
    cr_assert_eq(chunks_of(tags, 3, c), 1);
    assert_chunk(&c[0], 1, 3, "LOC");
    cr_assert_eq(chunks_of(tags, 0, c), 0);
}

/* ---- exact matching ---- */

Test(score_exact, hand_computed_prf)
{
    /* gold: PER[0,2) PER[5,6) LOC[8,9) ORG[10,12)
     * pred: PER[0,2) (TP)  PER[5,7) (FP+FN, wrong extent)  ORG[8,9) (wrong type: FP ORG, FN LOC)
     *       ORG[10,12) (TP) ORG[10,12) again (duplicate: FP) */
    sc_ent g[] = {ent(0, 2, "PER"), ent(5, 6, "PER"), ent(8, 9, "LOC"), ent(10, 12, "ORG")};
    sc_ent p[] = {ent(10, 12, "ORG"), ent(0, 2, "PER"), ent(5, 7, "PER"), ent(8, 9, "ORG"),
                  ent(10, 12, "ORG")};
    sc_table tb;
    memset(&tb, 0, sizeof tb);
    cr_assert_eq(sc_match_exact(g, 4, p, 5, &tb), 2);
    sc_tally *per = sc_table_get(&tb, "PER"), *org = sc_table_get(&tb, "ORG"),
             *loc = sc_table_get(&tb, "LOC");
    cr_assert_eq(per->tp, 1); cr_assert_eq(per->fp, 1); cr_assert_eq(per->fn, 1);
    cr_assert_eq(org->tp, 1); cr_assert_eq(org->fp, 2); cr_assert_eq(org->fn, 0);
    cr_assert_eq(loc->tp, 0); cr_assert_eq(loc->fp, 0); cr_assert_eq(loc->fn, 1);
    sc_tally all = sc_table_total(&tb);
    cr_assert_eq(all.tp, 2); cr_assert_eq(all.fp, 3); cr_assert_eq(all.fn, 2);
    double P, R, F;
    sc_prf(&all, &P, &R, &F);
    assert_near(P, 40.0);           /* 2 / 5 */
    assert_near(R, 50.0);           /* 2 / 4 */
    assert_near(F, 44.444);         /* 2PR / (P+R) = 4000/90 */
    sc_prf(org, &P, &R, &F);
    assert_near(P, 33.333);
    assert_near(R, 100.0);
    assert_near(F, 50.0);
    sc_prf(loc, &P, &R, &F);
    cr_assert_eq(P, 0); cr_assert_eq(R, 0); cr_assert_eq(F, 0);
}

Test(score_exact, match_links_both_sides)
{
    sc_ent g[] = {ent(3, 4, "LOC"), ent(0, 1, "PER")};
    sc_ent p[] = {ent(0, 1, "PER")};
    g[0].ref = 0;
    g[1].ref = 1;
    cr_assert_eq(sc_match_exact(g, 2, p, 1, NULL), 1);
    /* sorted: PER[0,1) first; ref keeps the caller's index */
    cr_assert_eq(g[0].ref, 1);
    cr_assert_eq(g[0].match, 0);
    cr_assert_eq(g[1].match, -1);
    cr_assert_eq(p[0].match, 0);
    cr_assert_eq(sc_match_exact(NULL, 0, NULL, 0, NULL), 0);
}

/* ---- CoNLL map-back ---- */

Test(score_snap, snaps_to_touched_tokens)
{
    /* "New York-based firm": tokens [0,3) [4,14) [15,19) */
    long ts[] = {0, 4, 15}, te[] = {3, 14, 19};
    size_t a, b;
    cr_assert_eq(sc_snap(ts, te, 3, 0, 8, &a, &b), 0);     /* "New York" inside token 2 */
    cr_assert_eq(a, 0); cr_assert_eq(b, 2);
    cr_assert_eq(sc_snap(ts, te, 3, 4, 14, &a, &b), 0);    /* on token edges */
    cr_assert_eq(a, 1); cr_assert_eq(b, 2);
    cr_assert_eq(sc_snap(ts, te, 3, 3, 4, &a, &b), -1);    /* only the space */
    cr_assert_eq(sc_snap(ts, te, 3, 19, 25, &a, &b), -1);  /* past the end */
    cr_assert_eq(sc_snap(ts, te, 3, 5, 5, &a, &b), -1);    /* empty */
    cr_assert_eq(sc_snap(ts, te, 3, 2, 16, &a, &b), 0);    /* partial edges both sides */
    cr_assert_eq(a, 0); cr_assert_eq(b, 3);
}

/* ---- brat ---- */

Test(score_brat, discontinuous_spans)
{
    sc_seg s[4];
    const char *x = "315 448;463 553";
    cr_assert_eq(sc_parse_brat_spans(x, strlen(x), s, 4), 2);
    cr_assert_eq(s[0].start, 315); cr_assert_eq(s[0].end, 448);
    cr_assert_eq(s[1].start, 463); cr_assert_eq(s[1].end, 553);
    cr_assert_eq(sc_parse_brat_spans("12 20", 5, s, 4), 1);
    cr_assert_eq(sc_parse_brat_spans("1 2;3 4;5 6", 11, s, 2), -1);   /* too many */
    cr_assert_eq(sc_parse_brat_spans("20 12", 5, s, 4), -1);          /* end < start */
    cr_assert_eq(sc_parse_brat_spans("1 2;", 4, s, 4), -1);
    cr_assert_eq(sc_parse_brat_spans("1;2", 3, s, 4), -1);
    cr_assert_eq(sc_parse_brat_spans("", 0, s, 4), -1);
}

Test(score_brat, t_line)
{
    sc_brat_t t;
    const char *l = "T9\tContent 315 448;463 553\t\xe2\x80\x9cOne of the things\xe2\x80\x9d \xe2\x80\x9cYesterday\xe2\x80\x9d\n";
    cr_assert_eq(sc_parse_brat_t(l, strlen(l), &t), 0);
    cr_assert_str_eq(t.id, "T9");
    cr_assert_str_eq(t.type, "Content");
    cr_assert_eq(t.nseg, 2);
    cr_assert_eq(t.seg[1].start, 463);
    cr_assert_eq(t.seg[1].end, 553);
    const char *l2 = "T1\tSource 89 106\tThe New York Post";
    cr_assert_eq(sc_parse_brat_t(l2, strlen(l2), &t), 0);
    cr_assert_eq(t.nseg, 1);
    cr_assert_eq(t.seg[0].start, 89);
    cr_assert_str_eq(t.type, "Source");
    const char *bad[] = {"E1\tAttribution:T4", "T1 Source 1 2\tx", "T1\tSource\tx", "T1\tSource 1\tx"};
    for (int i = 0; i < 4; i++) cr_assert_eq(sc_parse_brat_t(bad[i], strlen(bad[i]), &t), -1, "%s", bad[i]);
}

Test(score_brat, e_line)
{
    sc_brat_e e;
    const char *l = "E5\tAttribution:T21 Cue:T20 Source:T19 Content:T18 Content2:T22\r\n";
    cr_assert_eq(sc_parse_brat_e(l, strlen(l), &e), 0);
    cr_assert_str_eq(e.id, "E5");
    cr_assert_eq(e.narg, 5);
    cr_assert_str_eq(e.arg[0].role, "Attribution");
    cr_assert_str_eq(e.arg[0].id, "T21");
    cr_assert_str_eq(e.arg[4].role, "Content2");
    cr_assert_str_eq(e.arg[4].id, "T22");
    const char *l2 = "E21\tAttribution-no-source:T83 ";
    cr_assert_eq(sc_parse_brat_e(l2, strlen(l2), &e), 0);
    cr_assert_eq(e.narg, 1);
    cr_assert_str_eq(e.arg[0].role, "Attribution-no-source");
    cr_assert_eq(sc_parse_brat_e("E1\tCue", 6, &e), -1);
    cr_assert_eq(sc_parse_brat_e("T1\tCue:T2", 9, &e), -1);
}

/* ---- quotes ---- */

static sc_gquote gq(long s, long e)
{
    sc_gquote g;
    memset(&g, 0, sizeof g);
    g.content[0] = (sc_seg){s, e};
    g.ncontent = 1;
    return g;
}

static sc_pquote pq(long s, long e)
{
    sc_pquote p;
    memset(&p, 0, sizeof p);
    p.start = s;
    p.end = e;
    p.group = -1;
    return p;
}

Test(score_quotes, coverage_boundary)
{
    /* content [100,200): 100 units; more than half = at least 51 */
    sc_gquote g[1] = {gq(100, 200)};
    sc_pquote p[1] = {pq(100, 150)};                /* exactly 50%: not found */
    cr_assert_eq(sc_match_quotes(g, 1, p, 1, SC_SOURCE_OVERLAP), 0);
    cr_assert_eq(g[0].match, -1);
    p[0] = pq(149, 300);                            /* 51%: found */
    cr_assert_eq(sc_match_quotes(g, 1, p, 1, SC_SOURCE_OVERLAP), 1);
    cr_assert_eq(g[0].match, 0);
    assert_near(g[0].cover, 0.51);
    /* odd length 5: 3 units is more than half, 2 is not */
    sc_gquote h[1] = {gq(0, 5)};
    p[0] = pq(0, 2);
    cr_assert_eq(sc_match_quotes(h, 1, p, 1, SC_SOURCE_OVERLAP), 0);
    p[0] = pq(2, 9);
    cr_assert_eq(sc_match_quotes(h, 1, p, 1, SC_SOURCE_OVERLAP), 1);
}

Test(score_quotes, discontinuous_content_coverage)
{
    /* content [0,10) + [20,30): 20 units; a prediction [0,12) covers 10 (50%: no),
     * [0,21) covers 11 (yes); the gap between the segments does not count */
    sc_gquote g = gq(0, 10);
    g.content[1] = (sc_seg){20, 30};
    g.ncontent = 2;
    cr_assert_eq(sc_cover(&g, 0, 12), 10);
    cr_assert_eq(sc_cover(&g, 0, 21), 11);
    cr_assert_eq(sc_cover(&g, 5, 25), 10);
    sc_pquote p[1] = {pq(0, 12)};
    cr_assert_eq(sc_match_quotes(&g, 1, p, 1, SC_SOURCE_OVERLAP), 0);
    p[0] = pq(0, 21);
    cr_assert_eq(sc_match_quotes(&g, 1, p, 1, SC_SOURCE_OVERLAP), 1);
}

Test(score_quotes, prediction_over_two_gold_used_once)
{
    /* gold A [0,10), B [12,20); one prediction [0,20) covers both entirely (100% each):
     * it is used once, for A (tie: earlier gold); B is a miss. */
    sc_gquote g[2] = {gq(0, 10), gq(12, 20)};
    sc_pquote p[1] = {pq(0, 20)};
    cr_assert_eq(sc_match_quotes(g, 2, p, 1, SC_SOURCE_OVERLAP), 1);
    cr_assert_eq(g[0].match, 0);
    cr_assert_eq(g[1].match, -1);
    cr_assert_eq(p[0].match, 0);
    /* prediction [4,20) covers 60% of A and 100% of B: it counts for the better one, B */
    p[0] = pq(4, 20);
    cr_assert_eq(sc_match_quotes(g, 2, p, 1, SC_SOURCE_OVERLAP), 1);
    cr_assert_eq(g[0].match, -1);
    cr_assert_eq(g[1].match, 0);
    assert_near(g[1].cover, 1.0);
    /* with a second prediction for A both are found: P = R = 100% */
    sc_pquote p2[2] = {pq(4, 20), pq(0, 9)};
    cr_assert_eq(sc_match_quotes(g, 2, p2, 2, SC_SOURCE_OVERLAP), 2);
    cr_assert_eq(g[0].match, 1);
    cr_assert_eq(g[1].match, 0);
}

Test(score_quotes, two_predictions_one_gold)
{
    /* gold [0,100); predictions [0,60) and [0,90): the better (90%) matches, the other is a
     * false positive: P = 1/2, R = 1/1 */
    sc_gquote g[1] = {gq(0, 100)};
    sc_pquote p[2] = {pq(0, 60), pq(0, 90)};
    cr_assert_eq(sc_match_quotes(g, 1, p, 2, SC_SOURCE_OVERLAP), 1);
    cr_assert_eq(g[0].match, 1);
    cr_assert_eq(p[0].match, -1);
    cr_assert_eq(p[1].match, 0);
}

Test(score_quotes, source_by_overlap_and_name)
{
    sc_gquote g[2] = {gq(0, 10), gq(20, 30)};
    g[0].source[0] = (sc_seg){12, 18};
    g[0].nsource = 1;           /* g[1] has no gold source */
    sc_pquote p[2] = {pq(0, 10), pq(20, 30)};
    p[0].has_speaker = 1;
    p[0].sp_start = 17;
    p[0].sp_end = 19;           /* overlaps [12,18) by one unit */
    cr_assert_eq(sc_match_quotes(g, 2, p, 2, SC_SOURCE_OVERLAP), 2);
    cr_assert_eq(g[0].source_ok, 1);
    cr_assert_eq(g[1].source_ok, -1);   /* not checkable */
    p[0].sp_start = 18;
    p[0].sp_end = 19;           /* touches, does not overlap */
    sc_match_quotes(g, 2, p, 2, SC_SOURCE_OVERLAP);
    cr_assert_eq(g[0].source_ok, 0);
    p[0].has_speaker = 0;
    sc_match_quotes(g, 2, p, 2, SC_SOURCE_OVERLAP);
    cr_assert_eq(g[0].source_ok, 0);

    g[0].source_name = "Ryan Crocker";
    p[0].speaker_name = "Ryan Crocker";
    p[1].speaker_name = "Hassan Kazemi Qomi";
    sc_match_quotes(g, 2, p, 2, SC_SOURCE_NAME);
    cr_assert_eq(g[0].source_ok, 1);
    cr_assert_eq(g[1].source_ok, 0);    /* gold null, predicted a name */
    p[1].speaker_name = NULL;
    sc_match_quotes(g, 2, p, 2, SC_SOURCE_NAME);
    cr_assert_eq(g[1].source_ok, 1);    /* both null */
}

Test(score_quotes, empty_inputs)
{
    sc_gquote g[1] = {gq(5, 5)};        /* empty content never matches */
    sc_pquote p[1] = {pq(0, 10)};
    cr_assert_eq(sc_match_quotes(g, 1, p, 1, SC_SOURCE_OVERLAP), 0);
    cr_assert_eq(sc_match_quotes(NULL, 0, NULL, 0, SC_SOURCE_OVERLAP), 0);
    cr_assert_eq(sc_match_quotes(g, 1, NULL, 0, SC_SOURCE_OVERLAP), 0);
}

Test(score_quotes, quote_marks_and_speech_cues)
{
    cr_assert(sc_has_quote_mark("he said \"no\"", 12));
    cr_assert(sc_has_quote_mark("\xe2\x80\x9cYes", 6));
    cr_assert(sc_has_quote_mark("x\xe2\x80\x9d", 4));
    cr_assert(sc_has_quote_mark("\xc2\xab oui \xc2\xbb", 9));
    cr_assert_not(sc_has_quote_mark("it\xe2\x80\x99s fine", 10));  /* apostrophe */
    cr_assert_not(sc_has_quote_mark("\xe2\x80", 2));                /* truncated */
    cr_assert(sc_has_quote_mark("''We go,'' he said", 17));         /* '' as a double mark */
    cr_assert(sc_has_quote_mark("``We go", 7));
    cr_assert_not(sc_has_quote_mark("the students' union", 19));   /* one apostrophe */
    cr_assert_not(sc_has_quote_mark("'", 1));
    cr_assert(sc_is_speech_cue("said", 4));
    cr_assert(sc_is_speech_cue("has Said", 8));
    cr_assert(sc_is_speech_cue("according to", 12));
    cr_assert_not(sc_is_speech_cue("has learned", 11));
    cr_assert_not(sc_is_speech_cue("", 0));
}

Test(score_table, rows_and_total)
{
    sc_table tb;
    memset(&tb, 0, sizeof tb);
    sc_table_get(&tb, "PER")->tp = 3;
    sc_table_get(&tb, "LOC")->fn = 1;
    sc_table_get(&tb, "PER")->fp = 1;
    cr_assert_eq(tb.n, 2);
    sc_tally all = sc_table_total(&tb);
    cr_assert_str_eq(all.type, "all");
    double P, R, F;
    sc_prf(&all, &P, &R, &F);
    assert_near(P, 75.0);
    assert_near(R, 75.0);
    assert_near(F, 75.0);
}

static sc_pquote pg(long s, long e, long group)
{
    sc_pquote q = pq(s, e);
    q.group = group;
    return q;
}

Test(score_quotes, group_by_part_joins_split_quote)
{
    /* in document order: "A," he said. "B." as two records [1,10) and [22,40) (part_of the
       first), an unrelated quote [50,60), and a continuation [70,80) of it: the first two
       become [1,40) (where the gold attribution [0,41) is found, which neither part alone
       covers by half), the last joins [50,60) */
    sc_pquote p[4] = {pg(1, 10, -1), pg(22, 40, 0), pg(50, 60, -1), pg(70, 80, 2)};
    size_t into[4];
    cr_assert_eq(sc_group_by_part(p, 4, into), 2);
    cr_assert_eq(p[0].start, 1);
    cr_assert_eq(p[0].end, 40);
    cr_assert_eq(p[1].start, 50);
    cr_assert_eq(p[1].end, 80);
    cr_assert_eq(into[0], 0);
    cr_assert_eq(into[1], 0);
    cr_assert_eq(into[2], 1);
    cr_assert_eq(into[3], 1);
    sc_gquote g[1] = {gq(0, 41)};
    cr_assert_eq(sc_match_quotes(g, 1, p, 2, SC_SOURCE_OVERLAP), 1);
    cr_assert_eq(g[0].match, 0);
}

Test(score_quotes, group_covers_its_parts_not_the_text_between)
{
    /* "A," Trump said, mocking concerns about X. "B.": the parts [1,10) and [40,60) are one
       statement; the attribution between them holds a gold indirect quote [20,35) that the
       group does not cover, so each gold quote finds its own prediction */
    sc_pquote p[3] = {pg(1, 10, -1), pg(20, 35, -1), pg(40, 60, 0)};
    size_t into[3];
    cr_assert_eq(sc_group_by_part(p, 3, into), 2);
    cr_assert_eq(p[0].start, 1);
    cr_assert_eq(p[0].end, 60);
    cr_assert_eq(p[0].npart, 2);
    cr_assert_eq(p[0].part[1].start, 40);
    sc_gquote g[2] = {gq(0, 11), gq(20, 35)};
    g[0].content[1] = (sc_seg){39, 61};
    g[0].ncontent = 2;
    cr_assert_eq(sc_cover_pred(&g[1], &p[0]), 0);
    cr_assert_eq(sc_match_quotes(g, 2, p, 2, SC_SOURCE_OVERLAP), 2);
    cr_assert_eq(g[0].match, 0);
    cr_assert_eq(g[1].match, 1);
}

Test(score_quotes, a_chain_of_parts_is_one_statement)
{
    /* three paragraphs of one speaker: each part names the first (part_of is resolved to the
       first part); a record with no part_of stays apart */
    sc_pquote p[4] = {pg(0, 10, -1), pg(20, 30, 0), pg(40, 50, 0), pg(60, 70, -1)};
    size_t into[4];
    cr_assert_eq(sc_group_by_part(p, 4, into), 2);
    cr_assert_eq(p[0].npart, 3);
    cr_assert_eq(p[1].start, 60);
    /* a part_of that does not point back is ignored, not followed */
    sc_pquote r[2] = {pg(0, 10, 1), pg(20, 30, -1)};
    cr_assert_eq(sc_group_by_part(r, 2, into), 2);
}

Test(score_quotes, the_most_gold_found_when_predictions_are_reassigned)
{
    /* gold A [0,10) and B [10,30); prediction X [0,30) covers both entirely, Y [0,8) covers
     * 80% of A only. Best coverage first would give X to A (100%, earlier gold) and leave B
     * and Y unmatched; each prediction used once, Y takes A and X takes B: both found. */
    sc_gquote g[2] = {gq(0, 10), gq(10, 30)};
    sc_pquote p[2] = {pq(0, 30), pq(0, 8)};
    cr_assert_eq(sc_match_quotes(g, 2, p, 2, SC_SOURCE_OVERLAP), 2);
    cr_assert_eq(g[0].match, 1);
    cr_assert_eq(g[1].match, 0);
    cr_assert_eq(p[0].match, 1);
    cr_assert_eq(p[1].match, 0);
    cr_assert_float_eq(g[0].cover, 0.8, 1e-9);
}

/* ---- lenient quote match and names (the BBC quote gold, as shared/tools/bbcq.py) ---- */

static void assert_norm(const char *in, const char *want)
{
    char *got = sc_norm_name(in);
    cr_assert_not_null(got);
    cr_assert_str_eq(got, want, "norm(\"%s\") = \"%s\", want \"%s\"", in, got, want);
    free(got);
}

Test(score_names, normalisation)
{
    assert_norm("Mr. Tony Blair", "tony blair");
    assert_norm("  The  BBC ", "bbc");
    assert_norm("Dr Who's", "who s");                 /* punctuation becomes a space */
    assert_norm("José Manuel Barroso", "jose manuel barroso");   /* accents go (NFKD) */
    assert_norm("Ms O\u2019Neill", "oneill");         /* non-ASCII dropped, no space */
    assert_norm("Mrs Thatcher-Smith", "thatcher smith");
    assert_norm("\uFB01nance chief", "finance chief");   /* compatibility ligature */
    assert_norm("Mr", "");
    assert_norm("", "");
    assert_norm("Sir Alex Ferguson", "sir alex ferguson");   /* only the scorer's words */
    assert_norm("Theresa the Mrs", "theresa");
}

Test(score_names, same_name_person_org_role)
{
    cr_assert(sc_same_name("Mr Blair", "blair"));
    cr_assert(!sc_same_name("Tony Blair", "Blair"));
    cr_assert(sc_same_name("", "Mr"));                /* both nothing: equal, as the scorer */
    cr_assert(sc_same_person("Tony Blair", "Mr Blair"));
    cr_assert(!sc_same_person("", "Mr"));
    cr_assert(sc_same_org("International Monetary Fund", "IMF"));
    cr_assert(sc_same_org("the IMF", "International Monetary Fund"));
    cr_assert(sc_same_org("Bank of England", "BE"));  /* "of" has no letter in it */
    cr_assert(!sc_same_org("Bank of England", "BoE"));
    cr_assert(!sc_same_org("", ""));
    cr_assert_eq(sc_role_match("European Commissioner", "commissioner"), 1);
    cr_assert_eq(sc_role_match("Chancellor", "Prime Minister"), 0);
    cr_assert_eq(sc_role_match(NULL, "Prime Minister"), -1);
    cr_assert_eq(sc_role_match("the", "x"), -1);      /* no word left: not scored */
    cr_assert_eq(sc_role_match("Chancellor", NULL), 0);
}

Test(score_lenient, more_than_thr_and_greedy_in_gold_order)
{
    /* gold 0 [0,100): pred 0 covers 30% exactly (not more: no), pred 1 covers 31% */
    sc_seg g[] = {{0, 100}, {90, 100}, {200, 210}};
    sc_seg p[] = {{70, 100}, {69, 100}, {205, 300}};
    long gm[3], pm[3];
    cr_assert_eq(sc_match_lenient(g, 3, p, 3, 0.3, gm, pm), 3);
    cr_assert_eq(gm[0], 1);           /* the better cover */
    cr_assert_eq(gm[1], 0);           /* what is left: gold in order, each prediction once */
    cr_assert_eq(gm[2], 2);           /* 50% of gold 2 */
    cr_assert_eq(pm[0], 1);
    cr_assert_eq(pm[1], 0);
    sc_seg g2[] = {{0, 10}};
    sc_seg p2[] = {{7, 10}};          /* exactly 30%: not found */
    cr_assert_eq(sc_match_lenient(g2, 1, p2, 1, 0.3, gm, pm), 0);
    cr_assert_eq(gm[0], -1);
}

Test(score_lenient, not_a_maximum_assignment)
{
    /* gold 0 takes the prediction gold 1 needed: greedy leaves gold 1 unmatched, as bbcq.py
       does (the strict matcher's augmenting paths would find both) */
    sc_seg g[] = {{0, 10}, {5, 10}};
    sc_seg p[] = {{0, 10}, {0, 4}};
    long gm[2], pm[2];
    cr_assert_eq(sc_match_lenient(g, 2, p, 2, 0.3, gm, pm), 1);
    cr_assert_eq(gm[0], 0);
    cr_assert_eq(gm[1], -1);
    cr_assert_eq(pm[1], -1);
}

Test(score_lenient, ties_and_empty_gold)
{
    sc_seg g[] = {{10, 20}, {50, 50}};
    sc_seg p[] = {{0, 30}, {5, 25}, {49, 51}};
    long gm[2], pm[3];
    cr_assert_eq(sc_match_lenient(g, 2, p, 3, 0.3, gm, pm), 1);
    cr_assert_eq(gm[0], 0);           /* a tie: the first prediction */
    cr_assert_eq(gm[1], -1);          /* an empty gold span (length 1 for the fraction):
                                         nothing overlaps it */
    cr_assert_eq(pm[2], -1);
}

Test(score_names, per_article)
{
    const char *gold[] = {"Tony Blair", "Gordon Brown", "", "Tony Blair"};
    const char *pred[] = {"Mr Blair", "Tony Blair", "tony blair", "Michael Howard"};
    long tp = 0, fp = 0, fn = 0;
    cr_assert_eq(sc_names_doc(gold, 4, pred, 4, 0, &tp, &fp, &fn), 0);
    /* predictions: "blair", "tony blair", "michael howard" (one per normalised form); gold
       "Tony Blair" twice: once found, once missed; Brown missed */
    cr_assert_eq(tp, 1);
    cr_assert_eq(fn, 2);
    cr_assert_eq(fp, 2);
    const char *og[] = {"International Monetary Fund", "Bank of England"};
    const char *op[] = {"IMF", "BBC"};
    tp = fp = fn = 0;
    cr_assert_eq(sc_names_doc(og, 2, op, 2, 1, &tp, &fp, &fn), 0);
    cr_assert_eq(tp, 1);
    cr_assert_eq(fp, 1);
    cr_assert_eq(fn, 1);
}

/* Random rule sets and documents for comparing the fast matcher with the reference matcher
 * (quarry_options.matcher): fuzz/fuzz_match.c draws them from the fuzzer's bytes,
 * tests/test_matcher_diff.c from a seeded generator. Header-only (static functions), so that
 * both include it.
 *
 * A rule set has one to three phases (some keeping all matches), each with one to five rules
 * whose patterns mix words, exact words, flags, combined tests, a regex, two lexicons with
 * multi-token entries (one across a sentence end) and features, the annotations of earlier
 * phases and the built-in QSPAN (in patterns and inside tests), sentence and paragraph
 * boundaries, groups, alternations, every quantifier, labels (captures, also on repeats),
 * before/after context, capture-free macros and priorities; actions make helper, entity and
 * QUOTE annotations with features from captures and literals. Documents are news-like word
 * salad from a vocabulary that hits those tests, with sentence ends, line breaks, paragraph
 * breaks and quote marks. */
#ifndef QUARRY_MATCHGEN_H
#define QUARRY_MATCHGEN_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The source of choices: the fuzzer's bytes (then zeros once they run out), or a PRNG. */
typedef struct mg_src {
    const uint8_t *d;
    size_t n, i;
    uint64_t rng;              /* nonzero: draw from it instead of d */
} mg_src;

static unsigned mg_pick(mg_src *s, unsigned k)   /* 0 .. k-1 */
{
    if (k <= 1) return 0;
    if (s->rng) {
        s->rng ^= s->rng << 13; s->rng ^= s->rng >> 7; s->rng ^= s->rng << 17;
        return (unsigned)((s->rng >> 11) % k);
    }
    unsigned v = s->i < s->n ? s->d[s->i++] : 0;
    if (k > 256 && s->i < s->n) v = v << 8 | s->d[s->i++];
    return v % k;
}

typedef struct mg_buf {
    char *s;
    size_t n, cap;
    int full;
} mg_buf;

static void mg_put(mg_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
    va_end(ap);
    if (k < 0 || (size_t)k >= b->cap - b->n) { b->full = 1; b->s[b->n] = '\0'; return; }
    b->n += (size_t)k;
}

/* The lexicon files the generated rules declare (relative to the rule file's folder). */
static const char mg_cue_lex[] =
    "said\tkind=past\nsays\tkind=present\ntold reporters\tkind=past\naccording to\n"
    "step . \"\nadded\tkind=past\nwrote in\n";
static const char mg_name_lex[] =
    "John Smith\tgender=m\nSmith\nMs. Jones\tgender=f\nIran\nRyan Crocker\tgender=m\n"
    "the Ministry of Defence\nBBC News\nU.S.\n";

/* Writes dir/cue.txt and dir/names.txt: 0, -1 on error. */
static int mg_write_lexicons(const char *dir)
{
    const char *names[2] = {"cue.txt", "names.txt"}, *texts[2] = {mg_cue_lex, mg_name_lex};
    for (int i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "w");
        if (!f) return -1;
        fputs(texts[i], f);
        if (fclose(f)) return -1;
    }
    return 0;
}

typedef struct mg_rule_state {
    mg_src *src;
    mg_buf *b;
    const char *const *types;  /* annotation types of the earlier phases */
    unsigned ntypes;
    unsigned nmacros;
    int in_macro;              /* macros hold no labels and no annotation types of phases */
    int in_context;            /* no labels inside before()/after() */
    unsigned nlabels;
} mg_rule_state;

static void mg_alt(mg_rule_state *st, int depth);

static void mg_test(mg_rule_state *st)   /* one token test, outside brackets */
{
    static const char *const simple[] = {
        "\"said\"", "\"Smith\"", "\"the\"", "\",\"", "\".\"", "\"he\"", "\"that\"", "\"told\"",
        "'U.S.'", "'BBC'", "cap", "word", "punct", "quote", "send", "sstart", "pend", "lower",
        "alpha", "oquote", "cquote", "_", "!cap", "!\"the\"", "/^[A-Z][a-z]+$/", "num",
        "[cap & !send]", "[!quote]", "[!send & !quote]", "[word | punct]", "[@NAMES]",
        "[@CUE & lower]", "[!@CUE]", "[cap & !@NAMES]", "@CUE", "@NAMES", "@CUE{kind=past}",
        "@NAMES{gender!=f}", "<QSPAN>", "[<QSPAN>]", "[!<QSPAN> & !send]", "\"said\" | \"says\"",
    };
    unsigned k = mg_pick(st->src, sizeof simple / sizeof *simple + (st->ntypes && !st->in_macro ? 3 : 0));
    if (k < sizeof simple / sizeof *simple) {
        const char *t = simple[k];
        if (strchr(t, '|') && t[0] == '"') mg_put(st->b, "(%s)", t);
        else mg_put(st->b, "%s", t);
        return;
    }
    const char *ty = st->types[mg_pick(st->src, st->ntypes)];
    k -= (unsigned)(sizeof simple / sizeof *simple);
    if (k == 0) mg_put(st->b, "<%s>", ty);
    else if (k == 1) mg_put(st->b, "[<%s>]", ty);
    else mg_put(st->b, "[!<%s> & !send]", ty);
}

static void mg_item(mg_rule_state *st, int depth)
{
    unsigned k = mg_pick(st->src, 12);
    int label = !st->in_macro && !st->in_context && mg_pick(st->src, 4) == 0;
    if (k == 0) {   /* a boundary: no quantifier, no label */
        static const char *const b[] = {"<s>", "</s>", "<p>", "</p>"};
        mg_put(st->b, "%s ", b[mg_pick(st->src, 4)]);
        return;
    }
    if (label) mg_put(st->b, "L%u:", st->nlabels++);
    if (k <= 2 && depth > 0) {
        mg_put(st->b, "(");
        mg_alt(st, depth - 1);
        mg_put(st->b, ")");
    } else if (k == 3 && st->nmacros && !st->in_macro) {
        mg_put(st->b, "M%u", mg_pick(st->src, st->nmacros));
    } else {
        if (label) mg_put(st->b, "(");
        mg_test(st);
        if (label) mg_put(st->b, ")");
    }
    static const char *const q[] = {"", "", "", "?", "*", "+", "{1,3}", "{2}", "{0,2}", "{2,}"};
    mg_put(st->b, "%s ", q[mg_pick(st->src, sizeof q / sizeof *q)]);
}

static void mg_seq(mg_rule_state *st, int depth)
{
    unsigned n = 1 + mg_pick(st->src, 4);
    for (unsigned i = 0; i < n; i++) mg_item(st, depth);
}

static void mg_alt(mg_rule_state *st, int depth)
{
    mg_seq(st, depth);
    while (!st->b->full && mg_pick(st->src, 4) == 3) {   /* 0 (bytes used up) ends it */
        mg_put(st->b, "| ");
        mg_seq(st, depth);
    }
}

/* A rule set into b (NUL-terminated; b->full when it did not fit). */
static void mg_rules(mg_src *src, mg_buf *b)
{
    static const char *const made[] = {"PERSON", "ORG", "PLACE", "ROLE", "QUOTE", "_H", "TA",
                                       "TB"};
    const char *types[16];
    unsigned ntypes = 0;
    b->n = 0;
    b->full = 0;
    b->s[0] = '\0';
    mg_put(b, "lexicon CUE \"cue.txt\"\nlexicon NAMES \"names.txt\"\n");
    /* the types of their own the rules may make (output types are declared) */
    mg_put(b, "type _H0, _H1, _H2, TA0, TA1, TA2, TB0, TB1, TB2;\n");
    mg_rule_state st = {src, b, types, 0, 0, 1, 0, 0};
    unsigned nm = mg_pick(src, 3);
    for (unsigned m = 0; m < nm; m++) {   /* capture-free macros */
        mg_put(b, "macro M%u = ", m);
        st.nmacros = m;   /* a macro uses only the ones before it: no recursion */
        mg_alt(&st, 1);
        mg_put(b, ";\n");
    }
    st.nmacros = nm;
    st.in_macro = 0;
    unsigned nph = 1 + mg_pick(src, 3);
    for (unsigned ph = 0; ph < nph; ph++) {
        mg_put(b, "phase p%u%s\n", ph, mg_pick(src, 4) == 0 ? " all" : "");
        st.ntypes = ntypes;
        const char *mine[8];
        unsigned nmine = 0;
        unsigned nr = 1 + mg_pick(src, 5);
        for (unsigned ri = 0; ri < nr; ri++) {
            st.nlabels = 0;
            mg_put(b, "rule r%u.%u", ph, ri);
            if (mg_pick(src, 3) == 0) mg_put(b, " priority %d", (int)mg_pick(src, 5) - 2);
            mg_put(b, " :\n    ");
            int before = mg_pick(src, 5) == 0, after = mg_pick(src, 4) == 0;
            if (before) {
                st.in_context = 1;
                mg_put(b, "before(");
                mg_alt(&st, 1);
                mg_put(b, ") ");
                st.in_context = 0;
            }
            if (before || after) mg_put(b, "(");   /* a context is an item of the sequence */
            mg_alt(&st, 2);
            if (before || after) mg_put(b, ") ");
            if (after) {
                st.in_context = 1;
                mg_put(b, "after(");
                mg_alt(&st, 1);
                mg_put(b, ")");
                st.in_context = 0;
            }
            mg_put(b, "\n    -> ");
            unsigned na = 1 + mg_pick(src, 2);
            for (unsigned a = 0; a < na; a++) {
                const char *ty = made[mg_pick(src, sizeof made / sizeof *made)];
                char tname[16];
                if (ty[0] == '_' || ty[0] == 'T') {   /* a helper or plain type of this phase */
                    snprintf(tname, sizeof tname, "%s%u", ty, ph);
                    ty = tname;
                }
                mg_put(b, "%s%s", a ? ", " : "", ty);
                if (st.nlabels && mg_pick(src, 2)) mg_put(b, " on L%u", mg_pick(src, st.nlabels));
                if (!strcmp(ty, "QUOTE")) {
                    static const char *const qt[] = {"direct", "indirect", "partial"};
                    mg_put(b, " { type = \"%s\"", qt[mg_pick(src, 3)]);
                    if (st.nlabels && mg_pick(src, 2))
                        mg_put(b, ", speaker = $L%u", mg_pick(src, st.nlabels));
                    if (st.nlabels && mg_pick(src, 2))
                        mg_put(b, ", cue = $L%u", mg_pick(src, st.nlabels));
                    mg_put(b, " }");
                } else if (!strcmp(ty, "PERSON") && st.nlabels && mg_pick(src, 2)) {
                    mg_put(b, " { role = $L%u }", mg_pick(src, st.nlabels));
                }
                /* the types a later phase may look for (a set: each once) */
                int seen = 0;
                for (unsigned i = 0; i < nmine; i++)
                    if (!strcmp(mine[i], ty)) seen = 1;
                for (unsigned i = 0; i < ntypes; i++)
                    if (!strcmp(types[i], ty)) seen = 1;
                if (!seen && nmine < 8) {
                    static char names[3][8][16];   /* the phase's type names outlive the loop */
                    snprintf(names[ph][nmine], 16, "%s", ty);
                    mine[nmine] = names[ph][nmine];
                    nmine++;
                }
            }
            mg_put(b, " ;\n");
        }
        for (unsigned i = 0; i < nmine && ntypes < 16; i++) types[ntypes++] = mine[i];
    }
}

/* A document of about up to max words into b. */
static void mg_text(mg_src *src, mg_buf *b, unsigned max)
{
    static const char *const words[] = {
        "the", "minister", "Smith", "John", "Smith", "said", "says", "told", "reporters", "that",
        "he", "she", "Ms.", "Jones", "Ryan", "Crocker", "according", "to", "officials", ",", ",",
        ".", ".", ":", "\"", "\"", "\xe2\x80\x9c", "\xe2\x80\x9d", "'", "-", "Iran", "Baghdad",
        "added", "a", "spokesman", "for", "Ministry", "of", "Defence", "U.S.", "BBC", "News",
        "(", ")", "'s", "step", "wrote", "in", "statement", "Tuesday", "?", "!", "It", "was",
        "42", "Mr.", "talks",
    };
    b->n = 0;
    b->full = 0;
    b->s[0] = '\0';
    unsigned n = mg_pick(src, max + 1);
    for (unsigned i = 0; i < n && !b->full; i++) {
        unsigned sep = mg_pick(src, 24);
        if (i) mg_put(b, "%s", sep == 0 ? "\n\n" : sep == 1 ? "\n" : sep == 2 ? "" : " ");
        mg_put(b, "%s", words[mg_pick(src, sizeof words / sizeof *words)]);
    }
}

#endif

/* Scaling by counting work, not time: the pathological shapes of issue #7 (quote marks,
 * a paragraph without punctuation, capitalised words, nested quote marks, lexicon hits in a
 * row), each at n and 2n with the DEFAULT rules. Doubling the input must at most about
 * double the VM steps, the arena bytes, the lexicon hits, the annotations and the records.
 * Timing of the same shapes (time per MB beside news text) is in `make bench`. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stage.h"

#define RATIO 2.2   /* allowed growth when the input doubles */

static quarry_rules *rules;

static void setup(void)
{
    rules = quarry_rules_default(NULL);
    cr_assert_not_null(rules);
}
static void teardown(void) { quarry_rules_free(rules); }

TestSuite(scale, .init = setup, .fini = teardown, .timeout = 300);

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        cr_assert_not_null(b->p);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}
static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

/* Builds one shape with n units (bytes, words or marks: see each builder). */
typedef void (*shape_fn)(sbuf *b, size_t n);

static void quotes(sbuf *b, size_t n)
{
    for (size_t i = 0; i < n; i++) put(b, "\"", 1);
}

/* news words without punctuation or line ends, n bytes or a little more */
static void nopunct(sbuf *b, size_t n)
{
    static const char text[] =
        "Prime Minister Tony Blair told reporters in London on Monday that the government "
        "would not change its plans said a spokesman for the Treasury adding that Gordon Brown "
        "had met officials from the International Monetary Fund and the World Bank in "
        "Washington where the Chancellor said growth would reach three percent next year "
        "the company said profits at Time Warner rose to one billion dollars as its chief "
        "executive Richard Parsons warned that sales of music in Europe and Japan would fall ";
    while (b->n < n) puts_(b, text);
}

static const char *const syl[] = {"ka", "ro", "mi", "ten", "sa", "lo", "vi", "den", "ber", "ri",
                                  "to", "an", "gu", "pel", "zor", "quin", "da", "fe", "ho", "ju"};

/* n distinct capitalised words in a row */
static void caps(sbuf *b, size_t n)
{
    char w[64];
    for (size_t i = 0; i < n; i++) {
        size_t m = 0, x = i * 7919 + 31;
        for (int k = 0; k < 2 || x; k++, x /= 20) {
            size_t l = strlen(syl[x % 20]);
            memcpy(w + m, syl[x % 20], l);
            m += l;
        }
        w[0] = (char)(w[0] - 32);
        w[m++] = ' ';
        put(b, w, m);
    }
}

/* n quote marks: n/2 opening ones, double and single in turn, nested, then the closing ones */
static void nested(sbuf *b, size_t n)
{
    static const char *const words[] = {"Smith said ", "he told ", "the minister added ", "they "};
    for (size_t i = 0; i < n / 2; i++) {
        puts_(b, i % 2 ? "\xE2\x80\x98" : "\xE2\x80\x9C");
        puts_(b, words[i % 4]);
    }
    for (size_t i = n / 2; i-- > 0;) {
        puts_(b, "it ");
        puts_(b, i % 2 ? "\xE2\x80\x99 " : "\xE2\x80\x9D ");
    }
}

/* n entries of the shipped lexicons in a row: places, given names, titles, organisations */
static void lexhits(sbuf *b, size_t n)
{
    static const char *const e[] = {"London ", "Aaron ", "France ", "President ", "Baghdad ",
                                    "Mary ", "Texas ", "Ambassador ", "New York City ", "John ",
                                    "Germany ", "Bavaria ", "United Nations ", "Iraq ",
                                    "prime minister ", "Tokyo ", "Sarah ", "NATO "};
    for (size_t i = 0; i < n; i++) puts_(b, e[i % (sizeof e / sizeof *e)]);
}

/* ordinary news text, the control */
static void news(sbuf *b, size_t n)
{
    static const char text[] =
        "U.S. Ambassador Ryan Crocker met Iran's ambassador to Baghdad, Hassan Kazemi Qomi, on "
        "Monday. \"We had a useful exchange,\" Crocker told reporters. Qomi said the talks would "
        "continue, according to the Iraqi Foreign Ministry.\n\n";
    while (b->n < n) puts_(b, text);
}

static void stats_of(quarry_doc *doc, shape_fn f, size_t n, quarry_doc_stats *s, size_t *bytes)
{
    sbuf b = {0};
    f(&b, n);
    quarry_error err;
    cr_assert_eq(quarry_extract(rules, doc, "scale", b.p, b.n, NULL, &err), QUARRY_OK, "%s",
                 err.message);
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_not_null(sink);
    cr_assert_eq(quarry_emit(doc, QUARRY_FORMAT_JSONL, 0, sink), 0);
    fclose(sink);
    quarry_internal_stats(doc, s);
    *bytes = b.n;
    free(b.p);
}

static void grows_linearly(const char *what, shape_fn f, size_t n)
{
    quarry_doc *doc = quarry_doc_new();
    cr_assert_not_null(doc);
    quarry_doc_stats a, c;
    size_t ba, bc;
    stats_of(doc, f, n, &a, &ba);
    quarry_doc_free(doc);              /* a fresh document each: no arena carried over */
    doc = quarry_doc_new();
    stats_of(doc, f, 2 * n, &c, &bc);
    quarry_doc_free(doc);
    cr_log_info("%s: n=%zu (%zu bytes): tokens %zu/%zu, steps %llu/%llu, arena %zu/%zu, hits "
                "%zu/%zu, annotations %zu/%zu, records %zu/%zu", what, n, ba, a.tokens, c.tokens,
                (unsigned long long)a.steps, (unsigned long long)c.steps, a.arena_used,
                c.arena_used, a.lex_hits, c.lex_hits, a.annotations, c.annotations, a.records,
                c.records);
    cr_assert_gt(a.tokens, 0, "%s: no tokens", what);
    cr_assert_leq((double)bc, RATIO * (double)ba, "%s: the builder did not double", what);
    /* a small constant on top of each ratio: fixed costs (the first arena chunk, a match
       or two at the ends) do not double */
    cr_expect_leq((double)c.steps, RATIO * (double)a.steps + 1000,
                  "%s: VM steps %llu at n=%zu, %llu at 2n", what, (unsigned long long)a.steps, n,
                  (unsigned long long)c.steps);
    cr_expect_leq((double)c.arena_used, RATIO * (double)a.arena_used + 65536,
                  "%s: arena bytes %zu at n=%zu, %zu at 2n", what, a.arena_used, n, c.arena_used);
    cr_expect_leq((double)c.lex_hits, RATIO * (double)a.lex_hits + 16,
                  "%s: lexicon hits %zu at n=%zu, %zu at 2n", what, a.lex_hits, n, c.lex_hits);
    cr_expect_leq((double)c.annotations, RATIO * (double)a.annotations + 16,
                  "%s: annotations %zu at n=%zu, %zu at 2n", what, a.annotations, n, c.annotations);
    cr_expect_leq((double)c.records, RATIO * (double)a.records + 16,
                  "%s: records %zu at n=%zu, %zu at 2n", what, a.records, n, c.records);
}

Test(scale, quote_characters) { grows_linearly("'\"' x n", quotes, 100000); }
Test(scale, paragraph_without_punctuation) { grows_linearly("no punctuation", nopunct, 150000); }
Test(scale, capitalised_words_in_a_row) { grows_linearly("capitalised words", caps, 25000); }
Test(scale, nested_quote_marks) { grows_linearly("nested quote marks", nested, 25000); }
Test(scale, lexicon_hits_in_a_row) { grows_linearly("lexicon hits", lexhits, 25000); }
Test(scale, news_text) { grows_linearly("news text", news, 150000); }

/* The stages of the internal hook stop where they say: tokens only, then lexicon hits, and
 * only the whole pipeline makes records (quarry bench times them one by one). */
Test(scale, stages)
{
    sbuf b = {0};
    news(&b, 2000);
    quarry_doc *doc = quarry_doc_new();
    quarry_doc_stats s[4];
    for (int st = QUARRY_STAGE_TOKENS; st <= QUARRY_STAGE_ALL; st++) {
        cr_assert_eq(quarry_internal_extract(rules, doc, "s", b.p, b.n, NULL, NULL, (quarry_stage)st),
                     QUARRY_OK);
        quarry_internal_stats(doc, &s[st]);
    }
    cr_assert_gt(s[QUARRY_STAGE_TOKENS].tokens, 100);
    cr_assert_eq(s[QUARRY_STAGE_TOKENS].lex_hits, 0);
    cr_assert_gt(s[QUARRY_STAGE_LEXICON].lex_hits, 0);
    cr_assert_eq(s[QUARRY_STAGE_LEXICON].records, 0);
    cr_assert_eq(s[QUARRY_STAGE_LEXICON].steps, 0);
    cr_assert_gt(s[QUARRY_STAGE_ALL].records, 0);
    cr_assert_eq(s[QUARRY_STAGE_ALL].lex_hits, s[QUARRY_STAGE_LEXICON].lex_hits);
    cr_assert_eq(s[QUARRY_STAGE_ALL].tokens, s[QUARRY_STAGE_TOKENS].tokens);
    quarry_doc_free(doc);
    free(b.p);
}

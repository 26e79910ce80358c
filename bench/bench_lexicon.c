/* Lexicon micro-benchmark: load time for 100k and 1M synthetic entries (1-4 words, mixed
 * case, some with features) and lexdb_match cost over a generated token stream.
 *
 *   cc -std=c11 -O2 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc \
 *      src/arena.c src/text.c src/token.c src/lexicon.c bench/bench_lexicon.c \
 *      $(pkg-config --cflags --libs libpcre2-8 libutf8proc) -o build/bench_lexicon
 *   build/bench_lexicon [entries...]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arena.h"
#include "lexicon.h"
#include "text.h"
#include "token.h"

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static const char *const syl[] = {"ka", "ri", "mo", "an", "el", "to", "sha", "ur", "bi", "ne",
                                  "la", "zo", "qu", "ir", "de", "os", "ma", "th", "ve", "ya",
                                  "ju", "pe", "fa", "go", "hi", "ko", "lu", "mi", "nu", "po",
                                  "ru", "si", "tu", "wa", "xe", "yo", "za", "be", "ci", "du"};
#define NSYL (sizeof syl / sizeof syl[0])

/* Appends one word of 1-3 syllables (2-4 with extra) in a random case shape. */
static void word_(buf *b, int extra)
{
    int ns = 1 + extra + (int)(rnd() % 3);
    int shape = (int)(rnd() % 4);  /* 0 lower, 1-2 Title, 3 UPPER */
    for (int k = 0; k < ns; k++) {
        const char *s = syl[rnd() % NSYL];
        for (size_t j = 0; s[j]; j++) {
            char c = s[j];
            if (shape == 3 || ((shape == 1 || shape == 2) && k == 0 && j == 0)) c = (char)(c - 32);
            buf_putc(b, c);
        }
    }
}

static void word(buf *b) { word_(b, 0); }

static void gen_entries(buf *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t r = rnd() % 10;
        int nw = r < 4 ? 1 : r < 7 ? 2 : r < 9 ? 3 : 4;
        for (int w = 0; w < nw; w++) {
            if (w) buf_putc(b, ' ');
            word(b);
        }
        if (rnd() % 8 == 0) buf_printf(b, "\tgender=%c", rnd() % 2 ? 'f' : 'm');
        buf_putc(b, '\n');
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static lexdb *load_once(const buf *b, double *ms)
{
    lexdb *db = lexdb_new(NULL);
    int l = lexdb_declare(db, "bench", 0);
    int c = lexdb_declare(db, "bench_cs", 1);
    (void)c;
    size_t line = 0;
    const char *msg = NULL;
    double t0 = now_ms();
    int rc = lexdb_load_text(db, (uint32_t)l, b->p, b->n, &line, &msg);
    *ms = now_ms() - t0;
    if (rc != 0) {
        fprintf(stderr, "load failed at line %zu: %s\n", line, msg ? msg : "?");
        exit(1);
    }
    return db;
}

static void bench_size(size_t n)
{
    buf b = {0};
    gen_entries(&b, n);
    double ms[5];
    lexdb *db = NULL;
    for (int r = 0; r < 5; r++) {
        if (db) lexdb_free(db);
        db = load_once(&b, &ms[r]);
    }
    qsort(ms, 5, sizeof ms[0], cmp_double);
    printf("load %8zu entries (%5.1f MB, avg %.1f bytes/line): median %8.2f ms  "
           "(min %.2f, max %.2f)  %.2f M entries/s  [distinct %zu, max_len %zu]\n",
           n, (double)b.n / 1e6, (double)b.n / (double)n, ms[2], ms[0], ms[4],
           (double)n / ms[2] / 1e3, lexdb_entries(db, 0), lexdb_max_len(db));

    /* Document: 1M words, ~1/4 of positions start a phrase taken from the lexicon text. */
    buf doc = {0};
    const char *p = b.p, *end = b.p + b.n;
    size_t words = 0;
    while (words < 1000000) {
        if (rnd() % 4 == 0) {
            /* copy one lexicon phrase (up to the tab or newline) */
            size_t skip = rnd() % 64;
            while (skip--) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                p = nl && nl + 1 < end ? nl + 1 : b.p;
            }
            const char *q = p;
            while (q < end && *q != '\n' && *q != '\t') q++;
            buf_append(&doc, p, (size_t)(q - p));
            words += 2;
        } else {
            word_(&doc, 1);  /* filler: "qq" never ends a lexicon word */
            buf_append(&doc, "qq", 2);
            words++;
        }
        buf_putc(&doc, rnd() % 16 == 0 ? '.' : ' ');
        if (rnd() % 16 == 0) buf_putc(&doc, ' ');
    }
    arena a;
    arena_init(&a);
    text t;
    tokens toks;
    if (text_init(&t, doc.p, doc.n, &a, NULL, NULL) || tokenize(&t, NULL, &a, &toks)) {
        fprintf(stderr, "tokenize failed\n");
        exit(1);
    }
    lex_hit h[16];
    double best = 1e30;
    size_t hits = 0, at = 0;
    for (int r = 0; r < 5; r++) {
        hits = at = 0;
        double t0 = now_ms();
        for (size_t i = 0; i < toks.n; i++) {
            size_t k = lexdb_match(db, &toks, doc.p, i, h, 16);
            hits += k;
            at += k != 0;
        }
        double dt = now_ms() - t0;
        if (dt < best) best = dt;
    }
    printf("match %zu tokens: %.2f ms  (%.1f ns/token, %.1f M tokens/s), %zu hits at %zu "
           "positions\n",
           toks.n, best, best * 1e6 / (double)toks.n, (double)toks.n / best / 1e3, hits, at);

    /* The miss path alone: a stream with no lexicon words. */
    buf miss = {0};
    for (int k = 0; k < 200000; k++) buf_append(&miss, "zzq xxw. ", 9);
    arena_reset(&a);
    if (text_init(&t, miss.p, miss.n, &a, NULL, NULL) || tokenize(&t, NULL, &a, &toks)) exit(1);
    best = 1e30;
    for (int r = 0; r < 5; r++) {
        hits = 0;
        double t0 = now_ms();
        for (size_t i = 0; i < toks.n; i++) hits += lexdb_match(db, &toks, miss.p, i, h, 16);
        double dt = now_ms() - t0;
        if (dt < best) best = dt;
    }
    printf("miss  %zu tokens: %.2f ms  (%.1f ns/token), %zu hits\n", toks.n, best,
           best * 1e6 / (double)toks.n, hits);

    arena_free(&a);
    buf_free(&miss);
    buf_free(&doc);
    lexdb_free(db);
    buf_free(&b);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        for (int k = 1; k < argc; k++) bench_size((size_t)strtoull(argv[k], NULL, 10));
    } else {
        bench_size(100000);
        bench_size(150000);
        bench_size(1000000);
    }
    return 0;
}

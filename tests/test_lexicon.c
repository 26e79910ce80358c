/* Lexicon tests: phrase tries over real tokenizer output. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "embed.h"
#include "lexicon.h"
#include "program.h"
#include "text.h"
#include "token.h"

#include "rnd.h"

typedef struct tdoc {
    arena a;
    text t;
    tokens toks;
    const char *src;
} tdoc;

static void tdoc_init(tdoc *d, const char *s, const abbrev_set *ab)
{
    arena_init(&d->a);
    d->src = s;
    cr_assert_eq(text_init(&d->t, s, strlen(s), &d->a, NULL, NULL), 0);
    cr_assert_eq(tokenize(&d->t, ab, &d->a, &d->toks), 0);
    cr_assert_gt(d->toks.n, 0);
}

static void tdoc_free(tdoc *d) { arena_free(&d->a); }

/* Index of the token that starts where needle first occurs in the document. */
static size_t tok_at(const tdoc *d, const char *needle)
{
    const char *p = strstr(d->src, needle);
    cr_assert_not_null(p, "needle %s not in document", needle);
    size_t off = (size_t)(p - d->src);
    for (size_t i = 0; i < d->toks.n; i++)
        if (d->toks.v[i].start == off) return i;
    cr_assert_fail("no token starts at \"%s\"", needle);
    return 0;
}

/* Byte offset just past the token that ends a hit of len tokens starting at i. */
static size_t hit_end(const tdoc *d, size_t i, uint32_t len)
{
    cr_assert_leq(i + len, d->toks.n);
    return d->toks.v[i + len - 1].end;
}

static size_t end_of(const tdoc *d, const char *needle)
{
    const char *p = strstr(d->src, needle);
    cr_assert_not_null(p);
    return (size_t)(p - d->src) + strlen(needle);
}

static int load(lexdb *db, int lex, const char *s)
{
    size_t line = 0;
    const char *msg = NULL;
    cr_assert_geq(lex, 0);
    return lexdb_load_text(db, (uint32_t)lex, s, strlen(s), &line, &msg);
}

Test(lexicon, multiword_longest_first)
{
    lexdb *db = lexdb_new(NULL);
    cr_assert_not_null(db);
    int places = lexdb_declare(db, "places", 0);
    int roles = lexdb_declare(db, "roles", 0);
    cr_assert_eq(places, 0);
    cr_assert_eq(roles, 1);
    cr_assert_eq(load(db, places, "New York\nNew York City\nBaghdad\n"), 0);
    cr_assert_eq(load(db, roles, "Secretary of State\nSecretary\n"), 0);
    cr_assert_eq(lexdb_entries(db, (uint32_t)places), 3);
    cr_assert_eq(lexdb_entries(db, (uint32_t)roles), 2);
    cr_assert_eq(lexdb_max_len(db), 3);

    tdoc d;
    tdoc_init(&d, "The Secretary of State flew from New York City to Baghdad on Monday.", NULL);
    lex_hit h[8];

    size_t i = tok_at(&d, "New York");
    size_t n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 2);
    cr_assert_eq(h[0].lex, (uint32_t)places);
    cr_assert_eq(h[0].len, 3);
    cr_assert_eq(hit_end(&d, i, h[0].len), end_of(&d, "New York City"));
    cr_assert_eq(h[1].lex, (uint32_t)places);
    cr_assert_eq(h[1].len, 2);
    cr_assert_eq(hit_end(&d, i, h[1].len), end_of(&d, "New York"));
    cr_assert_neq(h[0].entry, h[1].entry);

    i = tok_at(&d, "Secretary");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 2);
    cr_assert_eq(h[0].lex, (uint32_t)roles);
    cr_assert_eq(h[0].len, 3);
    cr_assert_eq(hit_end(&d, i, 3), end_of(&d, "Secretary of State"));
    cr_assert_eq(h[1].len, 1);

    i = tok_at(&d, "Baghdad");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 1);
    cr_assert_eq(h[0].lex, (uint32_t)places);
    cr_assert_eq(h[0].len, 1);

    /* Truncation: the count is still reported, the first (longest) hit is kept. */
    i = tok_at(&d, "New York");
    n = lexdb_match(db, &d.toks, d.src, i, h, 1);
    cr_assert_eq(n, 2);
    cr_assert_eq(h[0].len, 3);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, i, h, 0), 2);

    tdoc_free(&d);
    lexdb_free(db);
}

Test(lexicon, case_insensitive_and_sensitive)
{
    lexdb *db = lexdb_new(NULL);
    int words = lexdb_declare(db, "words", 0);
    int acr = lexdb_declare(db, "acronyms", 1);
    cr_assert_eq(load(db, words, "us\nnew york\n"), 0);
    cr_assert_eq(load(db, acr, "US\nUN\n"), 0);

    tdoc d;
    tdoc_init(&d, "The US told us that NEW YORK and the UN agreed; un-like Un.", NULL);
    lex_hit h[8];

    size_t i = tok_at(&d, "US told");
    size_t n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 2);
    cr_assert_eq(h[0].lex, (uint32_t)words);   /* lexicon id order */
    cr_assert_eq(h[1].lex, (uint32_t)acr);
    cr_assert_eq(h[0].len, 1);
    cr_assert_eq(h[1].len, 1);

    i = tok_at(&d, "us that");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 1, "case-sensitive US must not match 'us'");
    cr_assert_eq(h[0].lex, (uint32_t)words);

    i = tok_at(&d, "NEW YORK");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 1);
    cr_assert_eq(h[0].len, 2);

    i = tok_at(&d, "UN agreed");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 1);
    cr_assert_eq(h[0].lex, (uint32_t)acr);

    i = tok_at(&d, "Un.");
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, i, h, 8), 0);

    tdoc_free(&d);
    lexdb_free(db);
}

Test(lexicon, features)
{
    lexdb *db = lexdb_new(NULL);
    int given = lexdb_declare(db, "given", 0);
    cr_assert_eq(load(db, given, "Mary\tgender=f\nAli\tgender=m country=IR\nJohn\n"
                                 "Reza\tgender=m\tcountry=IR\tflag\n"), 0);
    cr_assert_eq(lexdb_entries(db, (uint32_t)given), 4);

    tdoc d;
    tdoc_init(&d, "Mary met Ali, John and Reza.", NULL);
    lex_hit h[4];

    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "Mary"), h, 4), 1);
    uint32_t mary = h[0].entry;
    cr_assert_str_eq(lexdb_entry_feature(db, mary, "gender"), "f");
    cr_assert_null(lexdb_entry_feature(db, mary, "country"));

    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "Ali"), h, 4), 1);
    uint32_t ali = h[0].entry;
    const lex_feature *f = NULL;
    cr_assert_eq(lexdb_entry_features(db, ali, &f), 2);
    cr_assert_str_eq(f[0].key, "gender");
    cr_assert_str_eq(f[0].value, "m");
    cr_assert_str_eq(f[1].key, "country");
    cr_assert_str_eq(f[1].value, "IR");
    cr_assert_str_eq(lexdb_entry_feature(db, ali, "country"), "IR");
    /* Strings are interned: the same key is the same pointer. */
    const char *mk = NULL;
    const lex_feature *mf = NULL;
    cr_assert_eq(lexdb_entry_features(db, mary, &mf), 1);
    mk = mf[0].key;
    cr_assert_eq(mk, f[0].key);

    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "John"), h, 4), 1);
    cr_assert_eq(lexdb_entry_features(db, h[0].entry, &f), 0);
    cr_assert_null(lexdb_entry_feature(db, h[0].entry, "gender"));

    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "Reza"), h, 4), 1);
    cr_assert_eq(lexdb_entry_features(db, h[0].entry, &f), 3);
    cr_assert_str_eq(lexdb_entry_feature(db, h[0].entry, "country"), "IR");
    cr_assert_str_eq(lexdb_entry_feature(db, h[0].entry, "flag"), "");

    /* lexdb_add directly, with and without features. */
    cr_assert_eq(lexdb_add(db, (uint32_t)given, "Sara", 4, "gender=f", 8), 0);
    cr_assert_eq(lexdb_add(db, (uint32_t)given, "  ", 2, NULL, 0), 0);  /* no tokens: ignored */
    cr_assert_eq(lexdb_entries(db, (uint32_t)given), 5);

    tdoc_free(&d);
    lexdb_free(db);
}

Test(lexicon, abbreviation_and_possessive)
{
    abbrev_set *ab = abbrev_set_new();
    cr_assert_not_null(ab);
    cr_assert_eq(abbrev_set_add(ab, "U.S.", 4), 0);
    cr_assert_eq(abbrev_set_add(ab, "Gen.", 4), 0);
    lexdb *db = lexdb_new(ab);
    int roles = lexdb_declare(db, "roles", 0);
    int places = lexdb_declare(db, "places", 0);
    cr_assert_eq(load(db, roles, "U.S. Ambassador\nAmbassador\nGen.\n"), 0);
    cr_assert_eq(load(db, places, "Iran's\nU.S.\nIran\n"), 0);

    tdoc d;
    tdoc_init(&d, "U.S. Ambassador Ryan Crocker met Gen. Petraeus to discuss Iran's role "
                  "in the U.S. plan. Iran said no.", ab);
    lex_hit h[8];

    size_t i = tok_at(&d, "U.S. Ambassador");
    size_t n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 2);
    cr_assert_eq(h[0].lex, (uint32_t)roles);
    cr_assert_eq(hit_end(&d, i, h[0].len), end_of(&d, "U.S. Ambassador"));
    cr_assert_eq(h[1].lex, (uint32_t)places);
    cr_assert_eq(hit_end(&d, i, h[1].len), end_of(&d, "U.S."));

    i = tok_at(&d, "Gen.");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 1);
    cr_assert_eq(h[0].lex, (uint32_t)roles);
    cr_assert_eq(hit_end(&d, i, h[0].len), end_of(&d, "Gen."));

    i = tok_at(&d, "Iran's");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_geq(n, 1);
    cr_assert_eq(h[0].lex, (uint32_t)places);
    cr_assert_eq(hit_end(&d, i, h[0].len), end_of(&d, "Iran's"));

    i = tok_at(&d, "U.S. plan");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 1);
    cr_assert_eq(h[0].lex, (uint32_t)places);
    cr_assert_eq(hit_end(&d, i, h[0].len), end_of(&d, "U.S. plan") - 5);

    i = tok_at(&d, "Iran said");
    n = lexdb_match(db, &d.toks, d.src, i, h, 8);
    cr_assert_eq(n, 1);
    cr_assert_eq(h[0].len, 1);

    tdoc_free(&d);
    lexdb_free(db);
    abbrev_set_free(ab);
}

Test(lexicon, comments_blank_lines_crlf)
{
    lexdb *db = lexdb_new(NULL);
    int places = lexdb_declare(db, "places", 0);
    size_t line = 99;
    const char *msg = NULL;
    const char *src = "\xEF\xBB\xBF# comment\r\n\r\nParis\r\n  \r\n#London\nBerlin\tcountry=DE\r\n"
                      "\n# last\nRome";
    cr_assert_eq(lexdb_load_text(db, (uint32_t)places, src, strlen(src), &line, &msg), 0);
    cr_assert_eq(line, 99, "no error line must be reported");
    cr_assert_null(msg);
    cr_assert_eq(lexdb_entries(db, (uint32_t)places), 3);

    tdoc d;
    tdoc_init(&d, "From Paris to London, Berlin and Rome.", NULL);
    lex_hit h[4];
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "Paris"), h, 4), 1);
    cr_assert_eq(h[0].len, 1);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "London"), h, 4), 0);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "Berlin"), h, 4), 1);
    cr_assert_str_eq(lexdb_entry_feature(db, h[0].entry, "country"), "DE");
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "Rome"), h, 4), 1);
    tdoc_free(&d);
    lexdb_free(db);
}

Test(lexicon, invalid_utf8_and_long_line)
{
    lexdb *db = lexdb_new(NULL);
    int l = lexdb_declare(db, "l", 0);
    size_t line = 0;
    const char *msg = NULL;
    const char *src = "Alpha\r\nBe\xfft\xC3\n\n\xC0\xAFGamma\nDelta\n";
    cr_assert_eq(lexdb_load_text(db, (uint32_t)l, src, strlen(src), &line, &msg), -1);
    cr_assert_eq(line, 2);   /* the first bad line */
    cr_assert_str_eq(msg, "invalid UTF-8");
    cr_assert_eq(lexdb_entries(db, (uint32_t)l), 2, "good lines around it still load");

    /* Surrogates and overlongs are invalid too; a valid multibyte line is fine. */
    int m = lexdb_declare(db, "m", 0);
    const char *src2 = "Zo\xC3\xAB\n\xED\xA0\x80x\n";
    cr_assert_eq(lexdb_load_text(db, (uint32_t)m, src2, strlen(src2), &line, &msg), -1);
    cr_assert_eq(line, 2);
    cr_assert_eq(lexdb_entries(db, (uint32_t)m), 1);

    int k = lexdb_declare(db, "k", 0);
    buf b = {0};
    cr_assert_eq(buf_append(&b, "one\ntwo\n", 8), 0);
    for (int j = 0; j < 5000; j++) cr_assert_eq(buf_putc(&b, 'a'), 0);
    const char *rest = "\nthr\xff" "ee\nfour\n";
    cr_assert_eq(buf_append(&b, rest, strlen(rest)), 0);
    cr_assert_eq(lexdb_load_text(db, (uint32_t)k, b.p, b.n, &line, &msg), -1);
    cr_assert_eq(line, 3);
    cr_assert_str_eq(msg, "line too long");
    cr_assert_eq(lexdb_entries(db, (uint32_t)k), 3);
    buf_free(&b);

    tdoc d;
    tdoc_init(&d, "Alpha Delta Gamma", NULL);
    lex_hit h[4];
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 0, h, 4), 1);
    cr_assert_eq(h[0].lex, (uint32_t)l);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 1, h, 4), 1);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 2, h, 4), 0);
    tdoc_free(&d);
    lexdb_free(db);
}

Test(lexicon, same_phrase_in_two_lexicons)
{
    lexdb *db = lexdb_new(NULL);
    int given = lexdb_declare(db, "given", 0);
    int places = lexdb_declare(db, "places", 0);
    int cs = lexdb_declare(db, "cs_places", 1);
    /* Loaded out of id order on purpose. */
    cr_assert_eq(load(db, places, "Jordan\tcountry=JO\n"), 0);
    cr_assert_eq(load(db, cs, "Jordan\n"), 0);
    cr_assert_eq(load(db, given, "Jordan\tgender=m\njordan\tgender=f\nJORDAN\tgender=m\n"), 0);
    cr_assert_eq(lexdb_entries(db, (uint32_t)given), 1, "duplicates merge into one entry");
    cr_assert_eq(lexdb_entries(db, (uint32_t)places), 1);

    tdoc d;
    tdoc_init(&d, "Jordan flew to Amman.", NULL);
    lex_hit h[8];
    size_t n = lexdb_match(db, &d.toks, d.src, 0, h, 8);
    cr_assert_eq(n, 3);
    cr_assert_eq(h[0].lex, (uint32_t)given);
    cr_assert_eq(h[1].lex, (uint32_t)places);
    cr_assert_eq(h[2].lex, (uint32_t)cs);
    cr_assert_neq(h[0].entry, h[1].entry);
    cr_assert_neq(h[1].entry, h[2].entry);

    const lex_feature *f = NULL;
    cr_assert_eq(lexdb_entry_features(db, h[0].entry, &f), 2, "gender=m and gender=f");
    cr_assert_str_eq(f[0].value, "m");
    cr_assert_str_eq(f[1].value, "f");
    cr_assert_str_eq(lexdb_entry_feature(db, h[0].entry, "gender"), "m");
    cr_assert_str_eq(lexdb_entry_feature(db, h[1].entry, "country"), "JO");
    cr_assert_null(lexdb_entry_feature(db, h[1].entry, "gender"));
    cr_assert_eq(lexdb_entry_features(db, h[2].entry, &f), 0);

    tdoc_free(&d);
    lexdb_free(db);
}

Test(lexicon, no_hit)
{
    lexdb *db = lexdb_new(NULL);
    int places = lexdb_declare(db, "places", 0);
    cr_assert_eq(load(db, places, "New York\nYork Minster\n"), 0);
    tdoc d;
    tdoc_init(&d, "Nothing here: New Jersey and York.", NULL);
    lex_hit h[4];
    for (size_t i = 0; i < d.toks.n; i++)
        cr_assert_eq(lexdb_match(db, &d.toks, d.src, i, h, 4), 0, "token %zu", i);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, d.toks.n, h, 4), 0);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, d.toks.n + 5, h, 4), 0);
    tdoc_free(&d);

    /* A phrase cut short by the end of the document. */
    tdoc_init(&d, "in New", NULL);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 1, h, 4), 0);
    tdoc_free(&d);

    /* An empty db. */
    lexdb *empty = lexdb_new(NULL);
    tdoc_init(&d, "New York", NULL);
    cr_assert_eq(lexdb_match(empty, &d.toks, d.src, 0, h, 4), 0);
    cr_assert_eq(lexdb_max_len(empty), 0);
    tdoc_free(&d);
    lexdb_free(empty);
    lexdb_free(db);
}

Test(lexicon, declare_find_names)
{
    lexdb *db = lexdb_new(NULL);
    cr_assert_eq(lexdb_declare(db, "a", 0), 0);
    cr_assert_eq(lexdb_declare(db, "b", 1), 1);
    cr_assert_eq(lexdb_declare(db, "a", 1), 0, "existing name returns existing id");
    cr_assert_eq(lexdb_count(db), 2);
    cr_assert_eq(lexdb_find(db, "b"), 1);
    cr_assert_eq(lexdb_find(db, "c"), -1);
    cr_assert_str_eq(lexdb_name(db, 1), "b");
    cr_assert_null(lexdb_name(db, 7));
    cr_assert_eq(lexdb_entries(db, 7), 0);
    lexdb_free(db);
}

Test(lexicon, load_file)
{
    char path[] = "/tmp/quarry_lexXXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char *src = "Baghdad\tcountry=IQ\nTehran\tcountry=IR\nBad\xff\n";
    cr_assert_eq(write(fd, src, strlen(src)), (ssize_t)strlen(src));
    close(fd);

    lexdb *db = lexdb_new(NULL);
    int places = lexdb_declare(db, "places", 0);
    size_t line = 0;
    const char *msg = NULL;
    cr_assert_eq(lexdb_load_file(db, (uint32_t)places, path, &line, &msg), -1);
    cr_assert_eq(line, 3);
    cr_assert_str_eq(msg, "invalid UTF-8");
    cr_assert_eq(lexdb_entries(db, (uint32_t)places), 2);
    unlink(path);
    cr_assert_eq(lexdb_load_file(db, (uint32_t)places, "/nonexistent/dir/x.txt", &line, &msg),
                 -2);

    tdoc d;
    tdoc_init(&d, "Tehran and Baghdad", NULL);
    lex_hit h[2];
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 0, h, 2), 1);
    cr_assert_str_eq(lexdb_entry_feature(db, h[0].entry, "country"), "IR");
    tdoc_free(&d);
    lexdb_free(db);
}

/* Many entries: every one is found again, with a table that has grown several times. */
Test(lexicon, many_entries)
{
    lexdb *db = lexdb_new(NULL);
    int l = lexdb_declare(db, "l", 0);
    buf b = {0};
    for (int k = 0; k < 20000; k++) cr_assert_eq(buf_printf(&b, "Word%d Tail%d\tn=%d\n", k, k % 7, k), 0);
    size_t line = 0;
    const char *msg = NULL;
    cr_assert_eq(lexdb_load_text(db, (uint32_t)l, b.p, b.n, &line, &msg), 0);
    cr_assert_eq(lexdb_entries(db, (uint32_t)l), 20000);
    buf_free(&b);

    tdoc d;
    tdoc_init(&d, "word12345 tail4 and Word19999 Tail0 but Word7 Tail1", NULL);
    lex_hit h[2];
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 0, h, 2), 1);
    cr_assert_str_eq(lexdb_entry_feature(db, h[0].entry, "n"), "12345");
    size_t i = tok_at(&d, "Word19999");
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, i, h, 2), 1);
    cr_assert_str_eq(lexdb_entry_feature(db, h[0].entry, "n"), "19999");
    i = tok_at(&d, "Word7");
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, i, h, 2), 0);
    tdoc_free(&d);
    lexdb_free(db);
}

typedef struct mt_arg {
    const lexdb *db;
    const tdoc *d;
    size_t hits;
} mt_arg;

static void *mt_run(void *p)
{
    mt_arg *a = p;
    lex_hit h[8];
    for (int r = 0; r < 2000; r++)
        for (size_t i = 0; i < a->d->toks.n; i++)
            a->hits += lexdb_match(a->db, &a->d->toks, a->d->src, i, h, 8);
    return NULL;
}

Test(lexicon, concurrent_match)
{
    lexdb *db = lexdb_new(NULL);
    int l = lexdb_declare(db, "l", 0);
    int c = lexdb_declare(db, "c", 1);
    cr_assert_eq(load(db, l, "New York\nNew York City\nYork\n"), 0);
    cr_assert_eq(load(db, c, "City\n"), 0);
    tdoc d;
    tdoc_init(&d, "New York City and York City.", NULL);
    mt_arg args[4];
    pthread_t th[4];
    for (int k = 0; k < 4; k++) {
        args[k] = (mt_arg){db, &d, 0};
        cr_assert_eq(pthread_create(&th[k], NULL, mt_run, &args[k]), 0);
    }
    for (int k = 0; k < 4; k++) {
        pthread_join(th[k], NULL);
        /* per pass: New(2) York(1) City(1) York(1) City(1) = 6 */
        cr_assert_eq(args[k].hits, 6u * 2000u);
    }
    tdoc_free(&d);
    lexdb_free(db);
}

Test(lexicon, curly_apostrophe_and_paragraph_break)
{
    lexdb *db = lexdb_new(NULL);
    int places = lexdb_declare(db, "places", 0);
    cr_assert_eq(load(db, places, "Iran's\nNew York\nYork\n"), 0);
    tdoc d;
    tdoc_init(&d, "In Iran\xE2\x80\x99s view, New\n\nYork matters.", NULL);
    lex_hit h[4];
    size_t i = tok_at(&d, "Iran");
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, i, h, 4), 1);
    cr_assert_eq(hit_end(&d, i, h[0].len), end_of(&d, "Iran\xE2\x80\x99s"));
    /* "New" + paragraph break + "York": no two-token hit. */
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "New"), h, 4), 0);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, tok_at(&d, "York"), h, 4), 1);
    tdoc_free(&d);
    /* A single line break stops a phrase too (QUARRY_TF_LINE_START): "New" + line end +
     * "York" is no hit at "New"; on one line it is. */
    tdoc_init(&d, "New\nYork", NULL);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 0, h, 4), 0);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 1, h, 4), 1);
    tdoc_free(&d);
    tdoc_init(&d, "New York", NULL);
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 0, h, 4), 1);
    cr_assert_eq(h[0].len, 2);
    tdoc_free(&d);
    lexdb_free(db);
}

/* ---- the first-token table and the document pass against a plain trie walk ---------- */

static uint64_t rnd_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(uint32_t n) { return rnd_next(&rnd_state, n); }

static const char *const vocab[] = {
    "he", "He", "HE", "said", "Said", "of", "and", "New", "new", "York", "york", "City",
    "Iran's", "U.S.", "al-Maliki", "Ryan", "Crocker", "the", "The", "Mr.", "\xC3\x89" "cole",
    "\xC3\xA9" "cole", "Stra\xC3\x9F" "e", "STRASSE", "strasse", "a-very-long-word", "Secretary",
};
#define NVOCAB (sizeof vocab / sizeof *vocab)

static void rnd_phrase(buf *b, int maxw)
{
    int w = 1 + (int)rnd((uint32_t)maxw);
    for (int k = 0; k < w; k++) {
        if (k) buf_append(b, " ", 1);
        const char *v = vocab[rnd(NVOCAB)];
        buf_append(b, v, strlen(v));
    }
}

static void check_doc(const lexdb *db, const tdoc *d)
{
    lex_hit a[64], b[64];
    for (size_t max = 0; max <= 3; max++)
        for (size_t i = 0; i < d->toks.n; i++) {
            size_t na = lexdb_match(db, &d->toks, d->src, i, a, max);
            size_t nb = lexdb_match_trie(db, &d->toks, i, b, max);
            cr_assert_eq(na, nb, "token %zu max %zu", i, max);
            size_t k = na < max ? na : max;
            cr_assert_eq(memcmp(a, b, k * sizeof *a), 0, "token %zu max %zu", i, max);
        }
    size_t n = d->toks.n;
    uint32_t *first = calloc(n + 1, sizeof *first);
    uint64_t *lex1 = calloc(n + 1, sizeof *lex1);
    lex_hit *hits = NULL;
    size_t nh = 0;
    cr_assert_eq(lexdb_match_all(db, &d->toks, 64, first, lex1, &hits, &nh), 0);
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = lexdb_match_trie(db, &d->toks, i, b, 64);
        if (k > 64) k = 64;
        cr_assert_eq(first[i], at, "token %zu", i);
        cr_assert_leq(at + k, nh);
        cr_assert_eq(memcmp(hits + at, b, k * sizeof *b), 0, "token %zu", i);
        uint64_t m = 0;
        for (size_t h = 0; h < k; h++)
            if (b[h].len == 1 && b[h].lex < 64) m |= (uint64_t)1 << b[h].lex;
        cr_assert_eq(lex1[i], m, "token %zu", i);
        at += k;
    }
    cr_assert_eq(at, nh);
    free(hits);
    free(first);
    free(lex1);
}

Test(lexicon, first_token_table_matches_trie_walk)
{
    for (int round = 0; round < 40; round++) {
        lexdb *db = lexdb_new(NULL);
        int nlex = 1 + (int)rnd(6);
        for (int l = 0; l < nlex; l++) {
            char name[16];
            snprintf(name, sizeof name, "L%d", l);
            int id = lexdb_declare(db, name, (int)rnd(2));
            buf b = {0};
            int entries = (int)rnd(30);
            for (int e = 0; e < entries; e++) {
                rnd_phrase(&b, 3);
                if (rnd(4) == 0) buf_append(&b, "\tk=v", 4);
                buf_append(&b, "\n", 1);
            }
            cr_assert_eq(load(db, id, b.p ? b.p : ""), 0);
            /* the same phrases again (merged entries) now and then */
            if (rnd(3) == 0) cr_assert_eq(load(db, id, b.p ? b.p : ""), 0);
            buf_free(&b);
        }
        /* a word in every lexicon: more one-token entries than fit inline */
        if (round % 4 == 0)
            for (int l = 0; l < nlex; l++) cr_assert_eq(load(db, l, "said\nsaid of\n"), 0);
        for (int k = 0; k < 5; k++) {
            buf t = {0};
            int words = 1 + (int)rnd(200);
            for (int w = 0; w < words; w++) {
                const char *v = vocab[rnd(NVOCAB)];
                buf_append(&t, v, strlen(v));
                const char *sep = rnd(10) == 0 ? "\n\n" : rnd(10) == 0 ? ". " : " ";
                buf_append(&t, sep, strlen(sep));
            }
            buf_append(&t, "", 1);
            tdoc d;
            tdoc_init(&d, t.p, NULL);
            check_doc(db, &d);
            tdoc_free(&d);
            buf_free(&t);
        }
        lexdb_free(db);
    }
}

Test(lexicon, match_all_empty_db_and_many_hits)
{
    lexdb *db = lexdb_new(NULL);
    tdoc d;
    tdoc_init(&d, "New York and New York City, said he.", NULL);
    check_doc(db, &d);   /* no lexicon at all */
    /* more hits at one token than the 64 kept: 70 lexicons sharing "New" */
    for (int l = 0; l < 70; l++) {
        char name[16];
        snprintf(name, sizeof name, "L%d", l);
        int id = lexdb_declare(db, name, l % 2);
        cr_assert_eq(load(db, id, "New\nNew York\nNew York City\n"), 0);
    }
    check_doc(db, &d);
    lex_hit h[64];
    cr_assert_eq(lexdb_match(db, &d.toks, d.src, 0, h, 64), 70u * 2u);   /* New, New York */
    tdoc_free(&d);
    lexdb_free(db);
}

/* ---- plain phrases: lexicon lines keyed without the tokenizer ---------------------------- */

/* tokenize_plain on s[0..n) (readable bytes from s) gives, when it takes the phrase, exactly
 * the tokens tokenize gives: their count and both hashes of each. Returns 1 when it took it,
 * 0 when it left it to the tokenizer. */
static int plain_agrees(const char *s, size_t n, size_t readable, const abbrev_set *ab,
                        const char *where)
{
    uint64_t hr[64], hf[64];
    long k = tokenize_plain(s, n, readable, hr, hf, 64);
    if (k < 0) return 0;
    arena a;
    arena_init(&a);
    text t;
    tokens toks;
    cr_assert_eq(text_init(&t, s, n, &a, NULL, NULL), 0);
    cr_assert_eq(tokenize(&t, ab, &a, &toks), 0);
    cr_assert_eq(toks.n, (size_t)k, "%s: \"%.*s\": %zu tokens, tokenize_plain %ld", where,
                 (int)n, s, toks.n, k);
    for (size_t i = 0; i < toks.n; i++) {
        cr_assert_eq(toks.v[i].hraw, hr[i], "%s: \"%.*s\": token %zu (\"%.*s\"): raw hash differs",
                     where, (int)n, s, i, (int)(toks.v[i].end - toks.v[i].start), s + toks.v[i].start);
        cr_assert_eq(toks.v[i].hfold, hf[i], "%s: \"%.*s\": token %zu (\"%.*s\"): folded hash "
                     "differs", where, (int)n, s, i, (int)(toks.v[i].end - toks.v[i].start),
                     s + toks.v[i].start);
    }
    arena_free(&a);
    return 1;
}

/* Every line of every shipped lexicon, as lexdb_load_text reads it (the phrase before a tab),
 * through both of tokenize_plain's ways (a short phrase with 16 bytes readable from one load,
 * else byte by byte): the same tokens as the tokenizer, or left to it. */
Test(lexicon, plain_phrases_key_as_the_tokenizer_on_every_shipped_line)
{
    quarry_rules *r = quarry_rules_default(NULL);
    cr_assert_not_null(r);
    size_t lines = 0, taken = 0, files = 0;
    for (const embed_file *e = quarry_embedded; e->path; e++) {
        size_t pl = strlen(e->path);
        if (strncmp(e->path, "rules/lexicons/", 15) || pl < 4 || strcmp(e->path + pl - 4, ".txt"))
            continue;
        files++;
        for (size_t pos = 0; pos < e->len;) {
            const char *s = e->data + pos;
            const char *nl = memchr(s, '\n', e->len - pos);
            size_t n = nl ? (size_t)(nl - s) : e->len - pos, readable = e->len - pos;
            pos += n + 1;
            if (n > 0 && s[n - 1] == '\r') n--;
            if (n == 0 || s[0] == '#') continue;
            const char *tab = memchr(s, '\t', n);
            size_t plen = tab ? (size_t)(tab - s) : n;
            lines++;
            int a = plain_agrees(s, plen, readable, r->abbrevs, e->path);
            int b = plain_agrees(s, plen, plen, r->abbrevs, e->path);
            cr_assert_eq(a, b, "%s: \"%.*s\": taken one way only", e->path, (int)plen, s);
            taken += (size_t)a;
        }
    }
    cr_assert_geq(files, 40);
    cr_assert_gt(lines, 200000);
    /* nearly every line is plain (a few thousand have '.', apostrophes or accents) */
    cr_assert_gt(taken * 100, lines * 95, "tokenize_plain took %zu of %zu lines", taken, lines);
    quarry_rules_free(r);
}

/* The shapes at the edges of a plain phrase: taken only where the tokenizer agrees. */
Test(lexicon, plain_phrases_edges)
{
    static const char *const taken[] = {
        "New York", "  New   York  ", "al-Maliki", "Jean-Claude Van Damme", "mid-1990s", "3M",
        "1985-86", "www", "http", "e-mail", "x", "X", "ABCDEFGHIJKLMNO", "ABCDEFGHIJKLMNOP",
        "abcdefgh", "Abcdefg", "AbcdefgH", "a b c d e f g h i j k l m n o p q r s t u v w x y z",
        "Supercalifragilisticexpialidocious", "SUPERCALIFRAGILISTICEXPIALIDOCIOUS Pty", "",
        "   ",
    };
    static const char *const left[] = {
        "U.S.", "O'Brien", "Iran's", "a--b", "-a", "a-", "a -b", "S\xC3\xA3o Paulo", "a\tb",
        "AT&T", "www.bbc", "http://x", "x@y.com", "Yahoo!", "(a)", "a,b", "a\rb",
    };
    char padded[128];
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++) {
        size_t n = strlen(taken[i]);
        snprintf(padded, sizeof padded, "%s%s", taken[i], "\n0123456789abcdef");
        cr_assert(plain_agrees(taken[i], n, n, NULL, "edges"), "\"%s\" left", taken[i]);
        cr_assert(plain_agrees(padded, n, strlen(padded), NULL, "edges"), "\"%s\" left", taken[i]);
    }
    for (size_t i = 0; i < sizeof left / sizeof *left; i++) {
        size_t n = strlen(left[i]);
        snprintf(padded, sizeof padded, "%s%s", left[i], "\n0123456789abcdef");
        cr_assert(!plain_agrees(left[i], n, n, NULL, "edges"), "\"%s\" taken", left[i]);
        cr_assert(!plain_agrees(padded, n, strlen(padded), NULL, "edges"), "\"%s\" taken", left[i]);
    }
    /* more tokens than the caller has room for: left to the tokenizer */
    uint64_t hr[2], hf[2];
    cr_assert_eq(tokenize_plain("a b c", 5, 5, hr, hf, 2), -1);
    cr_assert_eq(tokenize_plain("a b", 3, 3, hr, hf, 2), 2);
}

/* Random phrases over the characters a plain phrase may hold (letters of both cases, digits,
 * hyphens, spaces), so that a user's lexicon line of any such shape, not only the shipped
 * ones, is keyed as the tokenizer keys it: 100,000 phrases of 1 to 40 bytes, each through
 * both of tokenize_plain's ways. */
Test(lexicon, plain_phrases_random_shapes)
{
    static const char alpha[] = "aAzZqQ0912--  ";
    char buf[64], padded[80];
    size_t taken = 0;
    for (int i = 0; i < 100000; i++) {
        size_t n = 1 + (size_t)rnd(40);
        for (size_t k = 0; k < n; k++) buf[k] = alpha[rnd((uint32_t)(sizeof alpha - 1))];
        buf[n] = '\0';
        memcpy(padded, buf, n);
        memcpy(padded + n, "\n0123456789abcdef", 17);
        int a = plain_agrees(buf, n, n, NULL, "random");
        int b = plain_agrees(padded, n, n + 17, NULL, "random");
        cr_assert_eq(a, b, "\"%s\": taken one way only", buf);
        taken += (size_t)a;
    }
    cr_assert_gt(taken, 10000, "tokenize_plain took only %zu of the random phrases", taken);
}

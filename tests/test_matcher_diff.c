/* The fast matcher against the reference matcher (quarry_options.matcher), record for record.
 * The reference matcher is the specification: it starts every rule of a phase at every token.
 * The fast one decides where rules start (start indexes, first tests, start guards and
 * whatever replaces them) and must give the same annotations, matches, captures and records
 * for any rule set and document. Rule sets and documents come from fuzz/matchgen.h (the
 * generator of the fuzz target fuzz/fuzz_match.c) with fixed seeds; the default rules run over
 * generated documents and the articles of corpus/. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc.h"
#include "../fuzz/matchgen.h"

static char *emit(const quarry_rules *r, quarry_doc *doc, const char *text, size_t len,
                  int matcher, int explain)
{
    quarry_options opts;
    memset(&opts, 0, sizeof opts);
    opts.matcher = matcher;
    opts.explain = explain;
    cr_assert_eq(quarry_extract(r, doc, "t", text, len, &opts, NULL), QUARRY_OK);
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    cr_assert(f);
    cr_assert_eq(quarry_emit(doc, explain ? QUARRY_FORMAT_EXPLAIN : QUARRY_FORMAT_JSONL, 0, f), 0);
    fclose(f);
    return out;
}

typedef struct totals {
    size_t docs, lines;        /* documents compared, output lines (records) of the JSONL */
    uint64_t steps_ref, steps_fast;
} totals;

static void compare(const quarry_rules *r, const char *rules_src, const char *text, size_t len,
                    totals *t)
{
    quarry_doc *d1 = quarry_doc_new(), *d2 = quarry_doc_new();
    for (int explain = 0; explain < 2; explain++) {
        char *ref = emit(r, d1, text, len, QUARRY_MATCHER_REFERENCE, explain);
        char *fast = emit(r, d2, text, len, QUARRY_MATCHER_FAST, explain);
        cr_assert_str_eq(ref, fast, "the matchers differ (%s)\n--- rules:\n%s\n--- text:\n%.*s",
                         explain ? "explain" : "jsonl", rules_src ? rules_src : "(default)",
                         (int)len, text);
        if (!explain) {
            for (const char *c = ref; *c; c++) t->lines += *c == '\n';
            t->steps_ref += d1->steps;
            t->steps_fast += d2->steps;
        }
        free(ref);
        free(fast);
    }
    t->docs++;
    quarry_doc_free(d1);
    quarry_doc_free(d2);
}

Test(matcher_diff, generated_rule_sets)
{
    char dir[] = "/tmp/quarry-mdiff-XXXXXX";
    cr_assert(mkdtemp(dir));
    cr_assert_eq(mg_write_lexicons(dir), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/gen.rules", dir);
    static char rbuf[16384], tbuf[16384];
    totals t = {0};
    size_t compiled = 0;
    for (uint64_t seed = 1; seed <= 400; seed++) {
        mg_src src = {NULL, 0, 0, seed * 0x9E3779B97F4A7C15ull};
        mg_buf rb = {rbuf, 0, sizeof rbuf, 0}, tb = {tbuf, 0, sizeof tbuf, 0};
        mg_rules(&src, &rb);
        if (rb.full) continue;
        quarry_rules *r = quarry_rules_compile(path, rb.s, rb.n, NULL, NULL, NULL);
        if (!r) continue;
        compiled++;
        for (int i = 0; i < 4; i++) {
            mg_text(&src, &tb, 150);
            compare(r, rb.s, tb.s, tb.n, &t);
        }
        quarry_rules_free(r);
    }
    /* the generator must make rule sets that compile and match, or nothing is compared */
    cr_assert_gt(compiled, 300, "only %zu of 400 generated rule sets compiled", compiled);
    cr_assert_gt(t.lines, 2000, "only %zu records over %zu documents", t.lines, t.docs);
    cr_expect_leq(t.steps_fast, t.steps_ref, "the fast matcher did more VM work: %llu vs %llu",
                  (unsigned long long)t.steps_fast, (unsigned long long)t.steps_ref);
    snprintf(path, sizeof path, "%s/cue.txt", dir);
    remove(path);
    snprintf(path, sizeof path, "%s/names.txt", dir);
    remove(path);
    remove(dir);
}

Test(matcher_diff, default_rules)
{
    quarry_rules *r = quarry_rules_default(NULL);
    cr_assert(r);
    static char tbuf[16384];
    totals t = {0};
    for (uint64_t seed = 1; seed <= 60; seed++) {
        mg_src src = {NULL, 0, 0, seed * 0xD1B54A32D192ED03ull};
        mg_buf tb = {tbuf, 0, sizeof tbuf, 0};
        mg_text(&src, &tb, 400);
        compare(r, NULL, tb.s, tb.n, &t);
    }
    /* the articles of corpus/ (run from the checkout's top folder, as make unit does) */
    DIR *d = opendir("corpus");
    cr_assert(d, "no corpus/ folder: run from the top of the checkout");
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 4, ".txt") || files >= 40) continue;
        char p[512];
        snprintf(p, sizeof p, "corpus/%s", e->d_name);
        FILE *f = fopen(p, "rb");
        cr_assert(f);
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, f);
        fclose(f);
        compare(r, NULL, buf, n, &t);
        files++;
    }
    closedir(d);
    cr_assert_gt(files, 10);
    cr_assert_gt(t.lines, 200);
    /* the reference starts every rule everywhere: the fast matcher's indexes save most of it */
    cr_expect_lt(t.steps_fast * 2, t.steps_ref, "%llu vs %llu steps",
                 (unsigned long long)t.steps_fast, (unsigned long long)t.steps_ref);
    quarry_rules_free(r);
}

Test(matcher_diff, environment_picks_the_default)
{
    /* matcher 0 follows QUARRY_MATCHER; an explicit choice wins over it */
    quarry_rules *r = quarry_rules_default(NULL);
    cr_assert(r);
    const char *text = "\"The talks were useful,\" said Ryan Crocker.";
    quarry_doc *d = quarry_doc_new();
    quarry_options o;
    memset(&o, 0, sizeof o);
    cr_assert_eq(quarry_extract(r, d, "t", text, strlen(text), &o, NULL), QUARRY_OK);
    uint64_t fast = d->steps;
    setenv("QUARRY_MATCHER", "reference", 1);
    cr_assert_eq(quarry_extract(r, d, "t", text, strlen(text), &o, NULL), QUARRY_OK);
    uint64_t ref = d->steps;
    o.matcher = QUARRY_MATCHER_FAST;
    cr_assert_eq(quarry_extract(r, d, "t", text, strlen(text), &o, NULL), QUARRY_OK);
    uint64_t forced = d->steps;
    unsetenv("QUARRY_MATCHER");
    cr_assert_gt(ref, fast);
    cr_assert_eq(forced, fast);
    quarry_doc_free(d);
    quarry_rules_free(r);
}

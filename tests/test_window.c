/* One large document in windows (quarry_extract_part, include/quarry.h): a document of at
 * most QUARRY_WINDOW_BYTES gives exactly quarry_extract's records; a longer one is cut
 * before a paragraph that does not open with a quote mark (else at a line end or a space),
 * each window's records have document offsets and the quote ids go on counting. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quarry.h"

#define SEED "corpus/000_663e7d9d773130fa.txt"

static quarry_rules *rules;

static void setup(void)
{
    rules = quarry_rules_default(NULL);
    cr_assert_not_null(rules);
}
static void teardown(void) { quarry_rules_free(rules); }

TestSuite(window, .init = setup, .fini = teardown, .timeout = 300);

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char *p = malloc(1 << 20);
    cr_assert_not_null(p);
    *n = fread(p, 1, (1 << 20) - 1, f);
    fclose(f);
    p[*n] = '\0';
    return p;
}

/* text repeated (a blank line between copies) to more than n bytes */
static char *repeat(const char *text, size_t tn, size_t n, size_t *len)
{
    char *p = malloc(n + tn + 4);
    cr_assert_not_null(p);
    size_t k = 0;
    while (k < n) {
        memcpy(p + k, text, tn);
        k += tn;
        memcpy(p + k, "\n\n", 2);
        k += 2;
    }
    p[k] = '\0';
    *len = k;
    return p;
}

Test(window, a_normal_article_is_one_window_with_quarry_extract_records)
{
    size_t n;
    char *text = slurp(SEED, &n);
    quarry_doc *whole = quarry_doc_new(), *part = quarry_doc_new();
    cr_assert_eq(quarry_extract(rules, whole, "seed", text, n, NULL, NULL), QUARRY_OK);
    size_t pos = 0;
    cr_assert_eq(quarry_extract_part(rules, part, "seed", text, n, &pos, NULL, NULL), QUARRY_OK);
    cr_assert_eq(pos, n, "the article was cut at %zu of %zu bytes", pos, n);
    char *a = quarry_doc_to_jsonl(whole, 0), *b = quarry_doc_to_jsonl(part, 0);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert_str_eq(b, a);
    quarry_free(a);
    quarry_free(b);
    quarry_doc_free(whole);
    quarry_doc_free(part);
    free(text);
}

static int opens_quote(const char *s) { return *s == '"' || !strncmp(s, "\xE2\x80\x9C", 3); }

Test(window, a_long_document_is_cut_before_a_paragraph_with_document_offsets)
{
    size_t n, len;
    char *seed = slurp(SEED, &n);
    char *text = repeat(seed, n, 3 * QUARRY_WINDOW_BYTES, &len);
    quarry_doc *doc = quarry_doc_new();
    size_t pos = 0, windows = 0, quotes = 0, last_start = 0;
    while (pos < len) {
        size_t from = pos;
        cr_assert_eq(quarry_extract_part(rules, doc, "big", text, len, &pos, NULL, NULL), QUARRY_OK);
        windows++;
        cr_assert_gt(pos, from);
        cr_assert_leq(pos - from, QUARRY_WINDOW_BYTES, "window of %zu bytes", pos - from);
        if (pos < len) {
            cr_assert(pos >= 2 && text[pos - 1] == '\n' && text[pos - 2] == '\n',
                      "cut at %zu is not after a blank line", pos);
            cr_assert(!opens_quote(text + pos), "cut at %zu before a paragraph opening with a quote mark", pos);
        }
        size_t nr = quarry_doc_record_count(doc);
        cr_assert_gt(nr, 0);
        for (size_t i = 0; i < nr; i++) {
            const quarry_record *r = quarry_doc_record(doc, i);
            cr_assert(r->span.start >= from && r->span.end <= pos,
                      "record %zu-%zu outside its window %zu-%zu", r->span.start, r->span.end, from, pos);
            cr_assert_geq(r->span.start, last_start, "records go back");
            last_start = r->span.start;
            if (r->kind != QUARRY_QUOTE) continue;
            char want[32];
            snprintf(want, sizeof want, "q%zu", ++quotes);
            cr_assert_str_eq(r->id, want, "quote ids do not go on across windows");
            if (r->speaker.present)
                cr_assert(r->speaker.start >= from && r->speaker.end <= pos, "speaker outside its window");
        }
    }
    cr_assert_geq(windows, 3);
    /* code-point offsets: the seed is ASCII but for a few curly marks; a record's text is the
       same at its byte offsets and, counted in code points, at its code-point offsets */
    const quarry_record *r = quarry_doc_record(doc, quarry_doc_record_count(doc) - 1);
    size_t c = 0;
    for (size_t i = 0; i < r->span.start; i++) c += ((unsigned char)text[i] & 0xC0) != 0x80;
    cr_assert_eq(r->span.cstart, c, "code-point offset %zu, want %zu", r->span.cstart, c);
    quarry_doc_free(doc);
    free(text);
    free(seed);
}

Test(window, a_document_without_line_ends_is_cut_after_a_space)
{
    static const char words[] = "Officials in Baghdad said the talks would go on ";
    size_t len = 2 * QUARRY_WINDOW_BYTES, k = 0;
    char *text = malloc(len + sizeof words);
    cr_assert_not_null(text);
    while (k < len) {
        memcpy(text + k, words, sizeof words - 1);
        k += sizeof words - 1;
    }
    len = k;
    quarry_doc *doc = quarry_doc_new();
    size_t pos = 0;
    cr_assert_eq(quarry_extract_part(rules, doc, "line", text, len, &pos, NULL, NULL), QUARRY_OK);
    cr_assert_lt(pos, len);
    cr_assert_eq(text[pos - 1], ' ', "cut inside a word at %zu", pos);
    size_t bad = pos - 1;
    cr_assert_eq(quarry_extract_part(rules, doc, "line", text, len, &bad, NULL, NULL), QUARRY_ERR_USAGE,
                 "a position that is not where the last window ended is accepted");
    quarry_doc_free(doc);
    free(text);
}

/* The stable merge sort of src/sort.h and the record order of doc_sort_records (doc.c):
 * random arrays against a plain insertion sort (stable by construction), and record order
 * against record_cmp with ties kept in their order. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "rnd.h"
#include "sort.h"

typedef struct item { uint32_t key, seq; } item;
#define ITEM_BEFORE(x, y) ((x)->key < (y)->key)
SORT_DEFINE(item_sort, item, ITEM_BEFORE)

static uint64_t rs = 0x2545F4914F6CDD1DULL;
static uint32_t rnd(uint32_t n) { return rnd_next(&rs, n); }

static void insertion(item *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        item v = a[i];
        size_t j = i;
        while (j > 0 && v.key < a[j - 1].key) { a[j] = a[j - 1]; j--; }
        a[j] = v;
    }
}

Test(sort, stable_on_random_sorted_and_reversed_arrays)
{
    enum { MAX = 300 };
    item a[MAX], b[MAX], tmp[MAX];
    for (int round = 0; round < 2000; round++) {
        size_t n = rnd(MAX + 1);
        uint32_t keys = 1 + rnd(round % 3 ? 8 : 1000);   /* many ties, or few */
        int shape = round % 4;   /* random, in order, reversed, in order with a few swaps */
        for (size_t i = 0; i < n; i++) {
            uint32_t k = rnd(keys);
            if (shape == 1 || shape == 3) k = (uint32_t)(i * keys / (n ? n : 1));
            if (shape == 2) k = (uint32_t)((n - i) * keys / (n ? n : 1));
            a[i] = (item){k, (uint32_t)i};
        }
        if (shape == 3)
            for (int s = 0; s < 3 && n > 1; s++) {
                size_t x = rnd((uint32_t)n), y = rnd((uint32_t)n);
                item t = a[x]; a[x] = a[y]; a[y] = t;
            }
        memcpy(b, a, n * sizeof *a);
        item_sort(a, n, tmp);
        insertion(b, n);
        for (size_t i = 0; i < n; i++) {
            cr_assert_eq(a[i].key, b[i].key, "round %d, n %zu, at %zu: key", round, n, i);
            cr_assert_eq(a[i].seq, b[i].seq, "round %d, n %zu, at %zu: equal keys out of order",
                         round, n, i);
        }
    }
}

Test(sort, records_in_record_order_ties_kept)
{
    static const char *const types[] = {"ORG", "PERSON", "PLACE"};
    static const char *const rules[] = {"a.x", "b.y"};
    enum { N = 400 };
    quarry_doc *doc = quarry_doc_new();
    cr_assert(doc);
    quarry_record *v = calloc(N, sizeof *v), *w = calloc(N, sizeof *w);
    cr_assert(v && w);
    for (int round = 0; round < 50; round++) {
        size_t n = 1 + rnd(N);
        for (size_t i = 0; i < n; i++) {
            quarry_record r;
            memset(&r, 0, sizeof r);
            r.span.present = 1;
            r.span.start = rnd(40);
            r.span.end = r.span.start + rnd(6);
            r.kind = rnd(2) ? QUARRY_QUOTE : QUARRY_ENTITY;
            r.type = types[rnd(3)];
            r.rule = rules[rnd(2)];
            r.nquoted = i;   /* the record's place before sorting */
            v[i] = w[i] = r;
        }
        cr_assert_eq(doc_sort_records(doc, v, n), 0);
        for (size_t i = 1; i < n; i++) {   /* a stable insertion sort by record_cmp */
            quarry_record t = w[i];
            size_t j = i;
            while (j > 0 && record_cmp(&t, &w[j - 1]) < 0) { w[j] = w[j - 1]; j--; }
            w[j] = t;
        }
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(v[i].nquoted, w[i].nquoted, "round %d, at %zu: record %zu, want %zu",
                         round, i, v[i].nquoted, w[i].nquoted);
    }
    free(v);
    free(w);
    quarry_doc_free(doc);
}

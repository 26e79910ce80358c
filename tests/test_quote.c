/* Quote-mark pairing (quote.c): the QSPAN annotations over the content of each pair of
 * quote marks, read after a full extraction with the default rules. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

static quarry_rules *rules;
static quarry_doc *doc;

static void setup(void)
{
    quarry_error err;
    rules = quarry_rules_default(&err);
    cr_assert(rules, "default rules: %s", err.message);
    doc = quarry_doc_new();
}

static void teardown(void)
{
    quarry_doc_free(doc);
    quarry_rules_free(rules);
}

/* The QSPANs of text in token order, as "[content]" (from the first token's start to the last
 * token's end). */
static const char *spans_of(const char *text)
{
    static char out[4096];
    cr_assert_eq(quarry_extract(rules, doc, "t", text, strlen(text), NULL, NULL), QUARRY_OK);
    int32_t qspan = rules->eng_type[ENG_QSPAN];
    cr_assert(qspan >= 0);
    size_t k = 0;
    out[0] = '\0';
    uint32_t last = 0;
    for (;;) {               /* in order of start token, whatever order they were stored in */
        const annot *best = NULL;
        for (size_t i = 0; i < doc->anns.n; i++) {
            const annot *a = &doc->anns.v[i];
            if ((int32_t)a->type != qspan || a->tend <= a->tstart) continue;
            if (a->tstart + 1 <= last) continue;
            if (!best || a->tstart < best->tstart) best = a;
        }
        if (!best) break;
        last = best->tstart + 1;
        uint32_t s = doc->toks.v[best->tstart].start, e = doc->toks.v[best->tend - 1].end;
        int w = snprintf(out + k, sizeof out - k, "[%.*s]", (int)(e - s), text + s);
        cr_assert(w > 0 && (size_t)w < sizeof out - k);
        k += (size_t)w;
    }
    return out;
}

TestSuite(quote, .init = setup, .fini = teardown);

Test(quote, a_mark_after_a_sentence_end_inside_a_quote_closes_it_and_opens_the_next)
{
    /* a lost paragraph break: one mark stands for the closing and the opening one */
    cr_assert_str_eq(spans_of("She said. \"The ferry runs. \"We have two boats,\" she said."),
                     "[The ferry runs.][We have two boats,]");
    cr_assert_str_eq(spans_of("\"Who pays? \"Not us,\" Tom Reyes said."), "[Who pays?][Not us,]");
    cr_assert_str_eq(spans_of("\"It is closed! \"It opens in May.\""),
                     "[It is closed!][It opens in May.]");
    cr_assert_str_eq(spans_of("\xE2\x80\x9C" "Boats are old. " "\xE2\x80\x9C" "They need engines,"
                              "\xE2\x80\x9D" " he said."),
                     "[Boats are old.][They need engines,]");
    cr_assert_str_eq(spans_of("\"It was late\xE2\x80\xA6 \"Then it came.\""),
                     "[It was late\xE2\x80\xA6][Then it came.]");
    cr_assert_str_eq(spans_of("\"It was late... \"Then it came.\""),
                     "[It was late...][Then it came.]");
    /* a number opens the next quote too */
    cr_assert_str_eq(spans_of("\"It was late. \"2004 was worse.\""), "[It was late.][2004 was worse.]");
}

Test(quote, a_mark_without_a_sentence_end_before_it_only_closes)
{
    /* no sentence end before the mark: a missing closing mark, the quote ends there and the
       mark opens nothing (as before) */
    cr_assert_str_eq(spans_of("\"The ferry runs \"We have boats,\" she said."), "[The ferry runs]");
    /* the sentence end is the opening mark's neighbour, not inside the quote */
    cr_assert_str_eq(spans_of("He left. \"Fine. \"Yes\" he said."), "[Fine.][Yes]");
}

Test(quote, marks_in_place_are_paired_as_before)
{
    cr_assert_str_eq(spans_of("He said \"yes.\" \"No,\" she said."), "[yes.][No,]");
    cr_assert_str_eq(spans_of("\"The audit was late,\" Hugo Lind said. \"The council knew it.\""),
                     "[The audit was late,][The council knew it.]");
    /* a quote inside a quote after a sentence end stays inside it */
    cr_assert_str_eq(spans_of("\"I asked him. \"Is it safe?\" He said it was,\" Ida Holm said."),
                     "[I asked him. \"Is it safe?\" He said it was,]");
}

Test(quote, a_mark_opening_a_paragraph_is_no_lost_break)
{
    /* a quote left open at its paragraph's end goes on with the next paragraph's mark */
    cr_assert_str_eq(spans_of("\"The ferry runs.\n\n\"We have boats,\" she said."),
                     "[The ferry runs.\n\n\"We have boats,]");
}

Test(quote, many_lost_breaks_stay_linear)
{
    /* 10,000 sentences each opened by a mark and never closed: one span each */
    size_t n = 10000;
    char *text = malloc(n * 5 + 1);
    cr_assert(text);
    for (size_t i = 0; i < n; i++) memcpy(text + i * 5, "\"Ab! ", 5);
    text[n * 5] = '\0';
    cr_assert_eq(quarry_extract(rules, doc, "t", text, strlen(text), NULL, NULL), QUARRY_OK);
    int32_t qspan = rules->eng_type[ENG_QSPAN];
    size_t spans = 0;
    for (size_t i = 0; i < doc->anns.n; i++)
        if ((int32_t)doc->anns.v[i].type == qspan) spans++;
    cr_assert_eq(spans, n, "%zu spans", spans);
    free(text);
}

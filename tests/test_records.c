/* Records (records.c) from the default rules: which quote records a cue mention gives. */
#include <criterion/criterion.h>
#include <stdio.h>
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

/* The quote records of text, as "type|text" lines. */
static const char *quotes_of(const char *text)
{
    static char out[4096];
    cr_assert_eq(quarry_extract(rules, doc, "t", text, strlen(text), NULL, NULL), QUARRY_OK);
    size_t k = 0;
    out[0] = '\0';
    for (size_t i = 0; i < doc->recs.n; i++) {
        const quarry_record *q = &doc->recs.v[i];
        if (q->kind != QUARRY_QUOTE) continue;
        int w = snprintf(out + k, sizeof out - k, "%s|%.*s\n", q->type,
                         (int)(q->span.end - q->span.start), text + q->span.start);
        cr_assert(w > 0 && (size_t)w < sizeof out - k);
        k += (size_t)w;
    }
    return out;
}

/* The first quote record of the last extraction. */
static const quarry_record *first_quote(void)
{
    for (size_t i = 0; i < doc->recs.n; i++)
        if (doc->recs.v[i].kind == QUARRY_QUOTE) return &doc->recs.v[i];
    cr_assert_fail("no quote record");
    return NULL;
}

TestSuite(records, .init = setup, .fini = teardown);

Test(records, nothing_read_again_from_inside_a_direct_quote)
{
    /* the last sentence of a multi-sentence direct quote is no indirect record of its own */
    cr_assert_str_eq(quotes_of("\"The plant is safe. We checked every valve,\" Okafor said."),
                     "direct|The plant is safe. We checked every valve,\n");
}

Test(records, quoted_words_of_a_clause_are_its_fragments)
{
    const char *text = "Crocker said the United States was \"looking for results\" and wanted "
                       "\"a change in Iranian behavior.\"";
    const char *got = quotes_of(text);
    cr_assert(!strstr(got, "partial|"), "%s", got);
    const quarry_record *q = first_quote();
    cr_assert_str_eq(q->type, "indirect");
    cr_assert_eq(q->nquoted, 2);
    cr_assert_eq(strncmp(text + q->quoted[0].start, "looking for results", 19), 0);
    cr_assert_eq(strncmp(text + q->quoted[1].start, "a change in Iranian behavior.", 29), 0);
}

Test(records, parts_of_one_statement_share_part_of)
{
    quotes_of("\"The pier is open,\" Ann Berg said. \"It took a year.\"\n\n\"We are proud.\"");
    const quarry_record *q[3];
    size_t n = 0;
    for (size_t i = 0; i < doc->recs.n && n < 3; i++)
        if (doc->recs.v[i].kind == QUARRY_QUOTE) q[n++] = &doc->recs.v[i];
    cr_assert_eq(n, 3);
    cr_assert_str_eq(q[0]->id, "q1");
    cr_assert_null(q[0]->part_of);
    cr_assert_str_eq(q[1]->id, "q2");
    cr_assert_str_eq(q[1]->part_of, "q1");
    /* a quoted paragraph after a continuation continues the same statement */
    cr_assert_str_eq(q[2]->part_of, "q1");
    cr_assert_str_eq(q[2]->speaker_name, "Ann Berg");
    cr_assert_str_eq(q[2]->speaker_resolved, "continuation");
    cr_assert(!q[2]->speaker.present, "a continuation has no mention of its own");
}

Test(records, unresolved_pronoun_has_no_name)
{
    quotes_of("\"The vote is lost,\" he said.");
    const quarry_record *q = first_quote();
    cr_assert(q->has_speaker);
    cr_assert_null(q->speaker_name, "an unresolved he is no name: %s", q->speaker_name);
    cr_assert_str_eq(q->speaker_resolved, "none");
}

Test(records, colon_introduction_gives_the_direct_quote_alone)
{
    /* the words between the cue and the colon frame the quote: no indirect record for
       `on Friday: "..."` */
    cr_assert_str_eq(quotes_of("The mayor said on Friday: \"The pier will open in May.\""),
                     "direct|The pier will open in May.\n");
    cr_assert_str_eq(quotes_of("Ann Berg said in a statement: \xE2\x80\x9CWe will rebuild the "
                               "pier.\xE2\x80\x9D"),
                     "direct|We will rebuild the pier.\n");
}

Test(records, reported_words_around_a_direct_quote_stay)
{
    /* without a colon the words before the quote may report something ("said of Clinton"):
       the indirect record around the quote is kept, and the quote is one of its quoted
       fragments, not a record of its own (one record per statement) */
    const char *got = quotes_of("He said of Clinton, \"If she wins, we lose.\"");
    cr_assert_str_eq(got, "indirect|of Clinton, \"If she wins, we lose.\"\n");
    const quarry_record *q = first_quote();
    cr_assert_eq(q->nquoted, 1);
    cr_assert_eq(q->quoted[0].end - q->quoted[0].start, strlen("If she wins, we lose."));
}

Test(records, clause_takes_its_closing_mark)
{
    /* a reported clause that ends with quoted words ends after the closing mark, also one
       written as two apostrophes and one after a comma inside the marks */
    const char *got = quotes_of("His aides called the plan ''a triumph.''");
    cr_assert(strstr(got, "indirect|the plan ''a triumph.''\n"), "%s", got);
    got = quotes_of("Not paying the toll ''makes me smart,'' Dara Quill said last week.");
    cr_assert(strstr(got, "indirect|Not paying the toll ''makes me smart,''\n"), "%s", got);
    cr_assert(!strstr(got, "partial|"), "quoted words inside the clause are no record: %s", got);
    /* the time after the cue is no clause */
    cr_assert(!strstr(got, "last week"), "%s", got);
}

Test(records, clause_runs_to_the_end_of_a_quote_it_opens)
{
    /* the sentence ends inside a quote that opened in the clause: the quoted sentences after
       it are the rest of what was reported */
    const char *got = quotes_of("Leo Marsh said that the ferry \"runs on time. It always has.\"");
    cr_assert(strstr(got, "indirect|the ferry \"runs on time. It always has.\"\n"), "%s", got);
}

Test(records, paragraph_opening_with_another_kind_of_mark_is_a_quote_of_its_own)
{
    /* a straight quote left open at its paragraph's end does not run on into a paragraph
       that opens with a typographic mark: Lind's quote is only his paragraph's */
    const char *got = quotes_of("\"The trust will answer every point.\n\n"
                                "\xE2\x80\x9CWe have read the audit twice,\xE2\x80\x9D Hugo Lind said.");
    cr_assert(strstr(got, "direct|We have read the audit twice,\n"), "%s", got);
    cr_assert(!strstr(got, "point."), "%s", got);
    /* with the same kind of mark, the quote goes on over both paragraphs */
    got = quotes_of("\"The trust will answer every point.\n\n\"We have read the audit twice,\" "
                    "Hugo Lind said.");
    cr_assert(strstr(got, "direct|The trust will answer every point.\n\n\"We have read the audit "
                          "twice,\n"), "%s", got);
}

#define LQ "\xE2\x80\x9C"   /* typographic opening and closing double marks */
#define RQ "\xE2\x80\x9D"

Test(records, a_quote_inside_a_quote_keeps_the_outer_one_open)
{
    /* a typographic quote inside a straight one, and a typographic one inside a typographic
       one: the outer quote runs to its own closing mark */
    const char *got = quotes_of("\"I will read you the question: " LQ "Do you trust her?" RQ
                                " Forty-three said yes,\" Pat Boyle said.");
    cr_assert(strstr(got, "direct|I will read you the question: " LQ "Do you trust her?" RQ
                          " Forty-three said yes,\n"), "%s", got);
    got = quotes_of(LQ "I would rather live in what he calls " LQ "hell" RQ " than vote for him,"
                    RQ " Ana Ruiz said.");
    cr_assert(strstr(got, "direct|I would rather live in what he calls " LQ "hell" RQ
                          " than vote for him,\n"), "%s", got);
}

Test(records, cue_serves_one_quote)
{
    /* the words after a direct quote's cue are the writer's */
    cr_assert_str_eq(quotes_of("\"It's finished,\" she said of the election, in which she lost "
                               "three states."),
                     "direct|It's finished,\n");
}

Test(records, reported_speech_inside_a_quote_stays_inside)
{
    /* "Donald Trump says he ..." inside Clinton's quote: the clause after "says" must not run
       on past the closing mark into the attribution, and the next quote continues Clinton,
       not the nested speaker */
    const char *text = "\"Donald Trump says he is qualified because of his record,\" Hillary "
                       "Clinton said, standing in front of the old casino. \"What he did for "
                       "his workers is nothing to brag about.\"";
    const char *got = quotes_of(text);
    cr_assert(strstr(got, "direct|Donald Trump says he is qualified because of his record,\n"),
              "%s", got);
    cr_assert(!strstr(got, "casino"), "a record crossed the closing mark:\n%s", got);
    const quarry_record *last = NULL;
    for (size_t i = 0; i < doc->recs.n; i++)
        if (doc->recs.v[i].kind == QUARRY_QUOTE) last = &doc->recs.v[i];
    cr_assert(last && !strcmp(last->rule, "quote.continuation"), "%s", got);
    cr_assert_str_eq(last->speaker_name, "Hillary Clinton");
}

Test(records, a_quote_holding_reported_speech_is_still_continued)
{
    /* the second part holds "They say ...": that nested record does not keep the part from
       being the continuation of Barnett's quote */
    const char *got = quotes_of("\"A lot of people have no answers,\" said Jon Barnett, a "
                                "committeeman from Arkansas. \"They have no white knight. They "
                                "say there is a problem, but they have no solution.\"");
    cr_assert(strstr(got, "direct|They have no white knight. They say there is a problem, but "
                          "they have no solution.\n"), "%s", got);
}

Test(records, a_quote_awaiting_its_own_attribution_is_no_continuation)
{
    /* the second paragraph's quote ends with a comma: its attribution follows ("ran the
       editorial", which no rule reads), so it is a direct quote with no speaker, not Hugo
       Lind's continuation */
    const char *got = quotes_of("\"We will win,\" Hugo Lind said.\n\n\"Pandering to the council "
                                "belies his reputation,\" ran the editorial of the harbour paper.");
    cr_assert(strstr(got, "direct|Pandering to the council belies his reputation,\n"), "%s", got);
    const quarry_record *last = NULL;
    for (size_t i = 0; i < doc->recs.n; i++)
        if (doc->recs.v[i].kind == QUARRY_QUOTE) last = &doc->recs.v[i];
    cr_assert(last && !strcmp(last->rule, "quote.unattributed"), "%s", last ? last->rule : "-");
    cr_assert(!last->has_speaker && !last->speaker_name && !last->cue.present);
}

/* The speaker name of the only quote of text, "" when it has none. */
static const char *speaker_name_of(const char *text)
{
    cr_assert_eq(quarry_extract(rules, doc, "t", text, strlen(text), NULL, NULL), QUARRY_OK);
    for (size_t i = 0; i < doc->recs.n; i++) {
        const quarry_record *q = &doc->recs.v[i];
        if (q->kind == QUARRY_QUOTE) return q->speaker_name ? q->speaker_name : "";
    }
    return "";
}

Test(records, a_speaker_in_capitals_is_the_person_of_that_surname)
{
    /* transcript labels name the person the article introduced; a label that names nobody
       keeps its text; "SHE" in capitals is still a pronoun */
    cr_assert_str_eq(speaker_name_of("The radio spoke to the mayor, Berit Vik.\n\n"
                                     "VIK: Only if the new pier holds."),
                     "Berit Vik");
    cr_assert_str_eq(speaker_name_of("HOST: Will the ferry run in winter?"), "HOST");
    cr_assert_str_eq(speaker_name_of("Berit Vik spoke first.\n\n\"The pier is safe,\" SHE said."),
                     "Berit Vik");
}

Test(records, explain_shows_how_each_speaker_was_found)
{
    /* a rule author debugging a wrong speaker sees the mention, the name, the step and the
       antecedent it came from, and the statements with their ids */
    const char *text = "Councillor Maren Holt attacked Harbourmaster Per Solberg. Holt told voters "
                       "to send a message to the Solberg office.\n\n\"It would be a costly "
                       "mistake,\" she said. \"We must vote.\"";
    quarry_options o;
    memset(&o, 0, sizeof o);
    o.explain = 1;
    cr_assert_eq(quarry_extract(rules, doc, "t", text, strlen(text), &o, NULL), QUARRY_OK);
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    cr_assert_not_null(m);
    cr_assert_eq(quarry_emit(doc, QUARRY_FORMAT_EXPLAIN, 0, m), 0);
    fclose(m);
    cr_assert(strstr(buf, "speaker: \"she\" [") && strstr(buf, "-> \"Maren Holt\" (pronoun: "),
              "%s", buf);
    cr_assert(strstr(buf, "from \"Holt\""), "the antecedent: %s", buf);
    cr_assert(strstr(buf, "STATEMENT q2 direct \"We must vote.\""), "%s", buf);
    cr_assert(strstr(buf, "    part of q1\n"), "%s", buf);
    free(buf);
}

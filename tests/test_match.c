/* Matcher: linear time by counting VM steps, PCRE2 limits on hostile regex atoms,
 * overlap policy, thread-shared compiled rules. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "tmp_rules.h"

/* The types the test rules make, declared after them (line numbers stay as written). */
static const char test_types[] = "\ntype A, B, C, D, M, X, _CUE, _TAIL;\n";

static quarry_rules *compile(const char *src)
{
    quarry_error err;
    size_t n = strlen(src);
    char *all = malloc(n + sizeof test_types);
    cr_assert(all);
    memcpy(all, src, n);
    memcpy(all + n, test_types, sizeof test_types);
    quarry_rules *r = quarry_rules_compile("inline.rules", all, strlen(all), NULL, NULL, &err);
    free(all);
    cr_assert(r, "rules did not compile: %d:%d: %s", err.line, err.column, err.message);
    return r;
}

static char *repeat_words(const char *w, size_t n)
{
    size_t wl = strlen(w);
    char *s = malloc(n * (wl + 1) + 1);
    for (size_t i = 0; i < n; i++) {
        memcpy(s + i * (wl + 1), w, wl);
        s[i * (wl + 1) + wl] = ' ';
    }
    s[n * (wl + 1)] = '\0';
    return s;
}

/* n capitalised words, the last one "said" after a lower-case word: the rules below start
 * everywhere (the word they need is there) and never match */
static uint64_t steps_for(quarry_rules *r, size_t n)
{
    char *text = repeat_words("Abc", n);
    memcpy(text + (n - 2) * 4, "xyz said", 8);
    quarry_doc *doc = quarry_doc_new();
    cr_assert_eq(quarry_extract(r, doc, "t", text, strlen(text), NULL, NULL), QUARRY_OK);
    cr_assert_eq(doc->toks.n, n);
    cr_assert_leq(doc->anns.n, 1);   /* "said" alone */
    uint64_t steps = doc->steps;
    quarry_doc_free(doc);
    free(text);
    return steps;
}

Test(match, stars_before_missing_word_stay_linear)
{
    quarry_rules *r = compile("rule pathological : [cap]* [cap]* [cap]* \"said\" -> X ;\n");
    uint64_t s10k = steps_for(r, 10000), s100k = steps_for(r, 100000);
    size_t prog = r->prog.n;
    cr_expect_geq(s100k, 100000, "the rule ran at every word (%llu steps)", (unsigned long long)s100k);
    /* at most a fixed multiple of the tokens (the program size), and 10x tokens ~ 10x steps */
    cr_expect_leq(s100k, (uint64_t)100000 * (prog + 2) * 2, "steps %llu for 100k tokens",
                  (unsigned long long)s100k);
    cr_expect_leq(s100k, s10k * 11, "10x tokens took %llu vs %llu steps", (unsigned long long)s100k,
                  (unsigned long long)s10k);
    quarry_rules_free(r);
}

static int warned;
static char warn_msg[600];
static void on_warn(const quarry_error *e, const char *l, size_t n, void *ud)
{
    (void)l; (void)n; (void)ud;
    warned++;
    snprintf(warn_msg, sizeof warn_msg, "%s", e->message);
}

Test(match, runaway_regex_hits_pcre2_limit_and_names_the_rule)
{
    quarry_rules *r = compile("rule hostile.regex : /(a+)+$/ -> X ;\n");
    size_t n = 100000;
    char *text = malloc(n + 2);
    memset(text, 'a', n);
    text[n] = 'b';          /* the match fails only after exploring every split */
    text[n + 1] = '\0';
    quarry_doc *doc = quarry_doc_new();
    quarry_options o;
    memset(&o, 0, sizeof o);
    o.warn = on_warn;
    warned = 0;
    cr_assert_eq(quarry_extract(r, doc, "t", text, n + 1, &o, NULL), QUARRY_OK);
    cr_expect_eq(warned, 1, "warnings: %d", warned);
    cr_expect(strstr(warn_msg, "hostile.regex") != NULL, "message: %s", warn_msg);
    cr_expect_eq(doc->anns.n, 0);
    quarry_doc_free(doc);
    free(text);
    quarry_rules_free(r);
}

Test(match, each_regex_atom_evaluated_once_per_token)
{
    /* three rules share a start at every token; the regex cache keeps the work per token */
    quarry_rules *r = compile("rule a : /[A-Z]\\w+/ \"x\" -> X ;\n"
                              "rule b : /[A-Z]\\w+/ \"y\" -> X ;\n"
                              "rule c : /[A-Z]\\w+/+ \"z\" -> X ;\n");
    uint64_t s = steps_for(r, 20000);
    cr_expect_leq(s, (uint64_t)20000 * 40);
    quarry_rules_free(r);
}

Test(match, overlap_longest_then_priority_then_order)
{
    quarry_rules *r = compile("rule short priority 9 : \"New\" -> A ;\n"
                              "rule long : \"New\" \"York\" -> B ;\n"
                              "rule tie.first : \"York\" \"City\" -> C ;\n"
                              "rule tie.second priority 1 : \"York\" \"City\" -> D ;\n");
    const char *t = "New York City and New Delhi";
    quarry_doc *doc = quarry_doc_new();
    cr_assert_eq(quarry_extract(r, doc, "t", t, strlen(t), NULL, NULL), QUARRY_OK);
    /* two-token matches go first; among them tie.second wins by priority, so "York City"
       (D) takes "York" and "New York" (B) loses; then the one-token "New" (A) fits at 0
       and at 4, although its priority 9 is the highest: length decides first */
    cr_assert_eq(doc->anns.n, 3);
    const char *want[3] = {"D", "A", "A"};
    uint32_t at[3] = {1, 0, 4};
    for (size_t i = 0; i < 3; i++) {
        cr_expect_str_eq(r->types.v[doc->anns.v[i].type], want[i]);
        cr_expect_eq(doc->anns.v[i].tstart, at[i]);
    }
    quarry_doc_free(doc);
    quarry_rules_free(r);
}

/* Which tokens one bracket test accepts, as a string of 0/1 per token. */
static void accepted(quarry_rules *r, const char *text, char *out)
{
    quarry_doc *doc = quarry_doc_new();
    cr_assert_eq(quarry_extract(r, doc, "t", text, strlen(text), NULL, NULL), QUARRY_OK);
    size_t n = doc->toks.n;
    for (size_t i = 0; i < n; i++) out[i] = '0';
    out[n] = '\0';
    int32_t x = rules_type_id(r, "X");
    for (size_t i = 0; i < doc->anns.n; i++)
        if (doc->anns.v[i].type == (uint32_t)x)   /* not the built-in quote spans */
            for (uint32_t t = doc->anns.v[i].tstart; t < doc->anns.v[i].tend; t++) out[t] = '1';
    quarry_doc_free(doc);
}

Test(match, bracket_tests_as_clauses)
{
    /* conjunctions of flags, kinds and one-token lexicon tests are checked by masks
       (ctest.clause); each test below must accept exactly the tokens the tree says */
    static const struct { const char *test, *want; } cases[] = {
        {"[cap & !allcaps]", "1000000010000"},
        {"[(alpha | num) & !quote & !send & !punct]", "1101111011110"},
        {"[!cap & !punct & !quote]", "0101101001110"},
        {"[cap & @L]", "1000000010000"},                  /* "in the" is no one-token entry */
        {"[alpha & !@L & !lower]", "0000010000000"},
        {"[(quote | dash) & !send]", "0010000000000"},
        {"[word & !\"said\" & !@L & lower]", "0001001001110"},
        {"[_ & num]", "0000100000000"},
        {"[!(cap | num) & !punct & alpha]", "0101001001110"},
    };
    /* tokens: Smith said " it 42 NATO ran , Paris in the dark . */
    const char *text = "Smith said \"it 42 NATO ran, Paris in the dark.";
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512];
        snprintf(src, sizeof src, "type X;\nrule t : %s -> X ;\n", cases[i].test);
        quarry_error err;
        char full[600];
        snprintf(full, sizeof full, "lexicon L \"l.txt\"\n%s", src);
        tmp_rules t;
        tmp_rules_write(&t, "l.txt", "Smith\nParis\nin the\n", full);
        quarry_rules *r = quarry_rules_load(t.rules, NULL, NULL, &err);
        cr_assert(r, "%s: %s", cases[i].test, err.message);
        char got[64];
        accepted(r, text, got);
        cr_expect_str_eq(got, cases[i].want, "%s: got %s, want %s", cases[i].test, got, cases[i].want);
        quarry_rules_free(r);
        tmp_rules_remove(&t);
    }
}

/* quarry bench --profile's counters (stage.h): every VM step belongs to one rule, a rule
 * starts only where it was tried and not skipped, keeps at most what it matched, and a
 * guarded rule is skipped where its cue word is missing. */
Test(match, rule_profile_counts)
{
    static const char src[] =
        "phase p\n"
        "rule cap : [cap] [cap]? -> CAPS ;\n"
        "rule cue : [word & !send]{1,4} \"said\" -> SAID ;\n"
        "type CAPS, SAID;\n";
    quarry_error err;
    quarry_rules *r = quarry_rules_compile("p.rules", src, sizeof src - 1, NULL, NULL, &err);
    cr_assert(r, "%s", err.message);
    cr_assert_eq(quarry_rules_count(r), 2);
    const char *phase = NULL;
    cr_assert_str_eq(quarry_internal_rule(r, 1, &phase), "cue");
    cr_assert_str_eq(phase, "p");
    cr_assert_null(quarry_internal_rule(r, 2, NULL));
    quarry_rule_prof prof[2];
    memset(prof, 0, sizeof prof);
    quarry_doc *d = quarry_doc_new();
    quarry_internal_profile(d, prof);
    static const char *const texts[] = {
        "John Smith went home and slept well there.",
        "Then Mary Jones said it was late. Nobody else spoke at all.",
    };
    uint64_t steps = 0;
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(quarry_extract(r, d, "t", texts[i], strlen(texts[i]), NULL, NULL), QUARRY_OK);
        steps += d->steps;
    }
    quarry_internal_profile(d, NULL);
    cr_assert_eq(prof[0].steps + prof[1].steps, steps);
    for (int k = 0; k < 2; k++) {
        cr_assert_leq(prof[k].started + prof[k].skipped, prof[k].tried);
        cr_assert_leq(prof[k].kept, prof[k].matches);
    }
    /* "John Smith" and "Nobody": "Then Mary Jones said" (cue) beats the names inside it */
    cr_assert_eq(prof[0].kept, 2, "kept %llu", (unsigned long long)prof[0].kept);
    cr_assert_gt(prof[0].matches, prof[0].kept);
    cr_assert_eq(prof[1].kept, 1);
    /* the first text has no "said": the cue rule is never started there, only in the second
       text's first sentence (at most four starts before "said") */
    cr_assert_gt(prof[1].skipped, 0);
    cr_assert_leq(prof[1].started, 4);
    /* counting stopped: a further extraction adds nothing */
    quarry_rule_prof before = prof[1];
    cr_assert_eq(quarry_extract(r, d, "t", texts[1], strlen(texts[1]), NULL, NULL), QUARRY_OK);
    cr_assert_eq(prof[1].steps, before.steps);
    quarry_doc_free(d);
    quarry_rules_free(r);
}

/* [<TYPE>] inside a token test: an annotation of an earlier phase starts at the token. A
 * clause that runs over words stops before one marked in the phase before; the same test
 * negated, with another test beside it, and a type past the 64 bits of the position sets. */
Test(match, annotation_tests_inside_brackets)
{
    quarry_rules *r = compile("phase marks\n"
                              "rule m : \"but\" after(\"he\") -> M ;\n"
                              "phase words\n"
                              "rule x : \"said\" [!<M> & !send]+ -> X ;\n");
    char got[64];
    /* tokens: Kim said it was late , but he said it was fine . (the second "said" starts
       another match) */
    accepted(r, "Kim said it was late, but he said it was fine.", got);
    cr_expect_str_eq(got, "0111110011110", "got %s", got);   /* "but" and "he" are in no match */
    accepted(r, "Kim said it was late, but she said it was fine.", got);
    cr_expect_str_eq(got, "0111111111110", "got %s", got);
    quarry_rules_free(r);

    /* [<M> & word]: only the marked tokens; a type numbered past 64 */
    char src[8192];
    size_t o = 0;
    o += (size_t)snprintf(src + o, sizeof src - o, "phase marks\n");
    for (int i = 0; i < 70; i++)
        o += (size_t)snprintf(src + o, sizeof src - o, "type T%d;\nrule m%d : \"zz%d\" -> T%d ;\n",
                              i, i, i, i);
    o += (size_t)snprintf(src + o, sizeof src - o, "rule m : \"but\" -> M ;\n");
    snprintf(src + o, sizeof src - o, "phase words\nrule x : [<M> & word] -> X ;\n");
    r = compile(src);
    cr_assert_gt(rules_type_id(r, "M"), 64);
    accepted(r, "but, but", got);
    cr_expect_str_eq(got, "101", "got %s", got);
    quarry_rules_free(r);
}

Test(match, annotation_tests_name_an_earlier_phase)
{
    static const struct { const char *src, *msg; } bad[] = {
        {"type M, X;\nrule m : \"but\" -> M ;\nrule x : [!<M>] -> X ;\n",
         "annotation type 'M' is made in phase 'main', not before this rule's phase 'main'"},
        {"type X;\nrule x : [word & !<NOPE>] -> X ;\n", "unknown annotation type 'NOPE': no rule makes it"},
        {"type M, X;\nrule m : \"but\" -> M ;\nrule x : !<M> -> X ;\n",
         "an annotation test <TYPE> stands inside [...]"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        quarry_error err;
        quarry_rules *r = quarry_rules_compile("inline.rules", bad[i].src, strlen(bad[i].src),
                                               NULL, NULL, &err);
        cr_expect_null(r, "%s compiled", bad[i].src);
        cr_expect(strstr(err.message, bad[i].msg), "%s: %s", bad[i].src, err.message);
        quarry_rules_free(r);
    }
}

/* A match may cross a sentence end through an annotation test: the guards learn once per
 * document, before any phase makes annotations, which tests may pass on sentence ends, and
 * take an annotation test as one that may (match.c, test_maybe). */
Test(match, annotation_tests_may_cross_sentence_ends)
{
    quarry_rules *r = compile("phase marks\n"
                              "rule m : \".\" after(\"b\") -> M ;\n"
                              "phase words\n"
                              "rule x : \"a\" [<M>] \"b\" -> X ;\n");
    char got[64];
    accepted(r, "It was a. b was next.", got);   /* It was a . b was next . */
    cr_expect_str_eq(got, "00111000", "got %s", got);
    accepted(r, "It was a. c was next.", got);
    cr_expect_str_eq(got, "00000000", "got %s", got);
    quarry_rules_free(r);
}

/* The records of one document as "KIND TYPE start-end" lines, with the VM steps it took. */
static uint64_t records_of(const quarry_rules *r, const char *text, unsigned only, char *out,
                           size_t cap)
{
    quarry_options o;
    memset(&o, 0, sizeof o);
    o.only = only;
    quarry_doc *doc = quarry_doc_new();
    cr_assert_eq(quarry_extract(r, doc, "t", text, strlen(text), &o, NULL), QUARRY_OK);
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < quarry_doc_record_count(doc); i++) {
        const quarry_record *rec = quarry_doc_record(doc, i);
        len += (size_t)snprintf(out + len, cap - len, "%s %s %zu-%zu\n",
                                rec->kind == QUARRY_QUOTE ? "quote" : "entity", rec->type,
                                rec->span.cstart, rec->span.cend);
    }
    uint64_t steps = doc->steps;
    quarry_doc_free(doc);
    return steps;
}

/* Keeps the lines of all that start with prefix. */
static void lines_with(const char *all, const char *prefix, char *out)
{
    size_t pl = strlen(prefix);
    out[0] = '\0';
    for (const char *l = all; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l + 1) : strlen(l);
        if (!strncmp(l, prefix, pl)) strncat(out, l, n);
        l += n;
    }
}

Test(match, only_entities_skips_the_quote_phases)
{
    /* the quote phase makes QUOTE and a helper, then a late phase makes an entity again */
    const char *src = "phase names\n"
                      "rule p : [cap] [cap] -> PERSON ;\n"
                      "phase cues\n"
                      "rule c : \"said\" -> _CUE ;\n"
                      "phase quotes\n"
                      "rule q : <PERSON> <_CUE> [!send]+ -> QUOTE { type = \"indirect\" } ;\n"
                      "phase late\n"
                      "rule o : \"acme\" -> ORG ;\n"
                      "phase tail\n"
                      "rule t : [!send]+ \"said\" [!send]+ -> _TAIL ;\n";
    quarry_rules *r = compile(src);
    const char *text = "Ryan Crocker said the plan was sound. Shares of acme fell.";
    char all[1024], ents[1024], quotes[1024], got[1024];
    uint64_t s_all = records_of(r, text, 0, all, sizeof all);
    lines_with(all, "entity ", ents);
    lines_with(all, "quote ", quotes);
    cr_assert_str_eq(ents, "entity PERSON 0-12\nentity ORG 48-52\n", "all: %s", all);
    cr_assert_str_eq(quotes, "quote indirect 0-36\n", "all: %s", all);

    /* entities alone: the same entity records (the late phase runs), no quote record, and
       the phase after the last entity phase does not run */
    uint64_t s_ent = records_of(r, text, QUARRY_EMIT_ENTITIES, got, sizeof got);
    cr_expect_str_eq(got, ents);
    cr_expect_lt(s_ent, s_all, "entities alone took %llu VM steps, everything %llu",
                 (unsigned long long)s_ent, (unsigned long long)s_all);
    /* quotes alone: every phase runs (speakers are entities), only the quote records */
    uint64_t s_q = records_of(r, text, QUARRY_EMIT_QUOTES, got, sizeof got);
    cr_expect_str_eq(got, quotes);
    cr_expect_eq(s_q, s_all);
    /* both bits: everything */
    records_of(r, text, QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES, got, sizeof got);
    cr_expect_str_eq(got, all);
    quarry_rules_free(r);

    /* the default rules: a quote no rule attributes is a record of records.c, not of a
       phase; entities alone make none (the fuzz target found it) */
    r = quarry_rules_default(NULL);
    cr_assert(r);
    text = "\"Hello,\" said Ryan Crocker, the U.S. Ambassador. Mr. Crocker met Maliki.";
    records_of(r, text, 0, all, sizeof all);
    lines_with(all, "entity ", ents);
    cr_assert(strstr(all, "quote direct 1-7\n"), "all: %s", all);
    records_of(r, text, QUARRY_EMIT_ENTITIES, got, sizeof got);
    cr_expect_str_eq(got, ents);
    quarry_rules_free(r);
}

Test(match, retyped_annotation_seen_by_later_phases)
{
    /* Linking retypes a look-up PLACE that is a known person's surname ("Paris" after "John
       Paris") made in an earlier phase; the annotation index, extended after each phase
       rather than rebuilt, must show the later phases its new type. */
    static const char src[] =
        "lexicon CITY \"city.txt\"\n"
        "phase places\n"
        "rule city : @CITY -> PLACE ;\n"
        "phase people\n"
        "rule name priority 3 : [cap & word] [cap & word] -> PERSON ;\n"
        "phase said\n"
        "rule sayer : <PERSON> \"said\" -> M ;\n"
        "type M;\n";
    tmp_rules t;
    tmp_rules_write(&t, "city.txt", "Paris\n", src);
    quarry_error err;
    quarry_rules *r = quarry_rules_load(t.rules, NULL, NULL, &err);
    cr_assert(r, "%s", err.message);
    tmp_rules_remove(&t);
    quarry_doc *d = quarry_doc_new();
    static const char text[] = "John Paris met us. Then, Paris said hello.";
    cr_assert_eq(quarry_extract(r, d, "t", text, strlen(text), NULL, NULL), QUARRY_OK);
    int32_t m = -1, person = -1;
    for (size_t i = 0; i < r->types.n; i++) {
        if (!strcmp(r->types.v[i], "M")) m = (int32_t)i;
        if (!strcmp(r->types.v[i], "PERSON")) person = (int32_t)i;
    }
    cr_assert(m >= 0 && person >= 0);
    int retyped = 0, said = 0;
    for (size_t i = 0; i < d->anns.n; i++) {
        const annot *a = &d->anns.v[i];
        if ((int32_t)a->type == person && a->tstart == 7 && a->tend == 8) retyped = 1;
        if ((int32_t)a->type == m && a->tstart == 7 && a->tend == 9) said = 1;
    }
    cr_assert(retyped, "the second \"Paris\" was not linked to John Paris (test set-up)");
    cr_expect(said, "phase \"said\" did not see the second \"Paris\" as a PERSON");
    quarry_doc_free(d);
    quarry_rules_free(r);
}

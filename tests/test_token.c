/* Tokenizer, sentences and paragraphs. The invariant checked throughout: every token's
 * bytes text[start:end] equal the expected string, and its code-point offsets (through
 * text_char_offset/text_byte_offset) span exactly the expected number of code points. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "text.h"
#include "token.h"

static arena ka;
static abbrev_set *kab;
static text kt;
static tokens kk;

static abbrev_set *load_abbrevs(void)
{
    abbrev_set *s = abbrev_set_new();
    cr_assert_not_null(s);
    FILE *f = fopen("rules/abbreviations.txt", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            size_t n = strcspn(line, "\r\n");
            if (!n || line[0] == '#') continue;
            size_t w = strcspn(line, " \t\r\n");   /* "Gen.  prefix" */
            if (w < n && strstr(line + w, "prefix")) cr_assert_eq(abbrev_set_add_prefix(s, line, w), 0);
            else cr_assert_eq(abbrev_set_add(s, line, n), 0);
        }
        fclose(f);
        f = fopen("rules/sentence_starters.txt", "r");
        cr_assert_not_null(f);
        while (fgets(line, sizeof line, f)) {
            size_t n = strcspn(line, "\r\n");
            if (n && line[0] != '#') cr_assert_eq(abbrev_set_add_starter(s, line, n), 0);
        }
        fclose(f);
    } else {
        static const char *const fallback[] = {"Mr.", "Dr.", "Gen.", "Sept.", "Inc.", "etc."};
        for (size_t k = 0; k < sizeof fallback / sizeof *fallback; k++)
            abbrev_set_add(s, fallback[k], strlen(fallback[k]));
    }
    return s;
}

static void tok_setup(void)
{
    arena_init(&ka);
    kab = load_abbrevs();
}

static void tok_teardown(void)
{
    arena_free(&ka);
    abbrev_set_free(kab);
}

TestSuite(token, .init = tok_setup, .fini = tok_teardown);

static size_t run_n(const char *s, size_t n)
{
    arena_reset(&ka);
    cr_assert_eq(text_init(&kt, s, n, &ka, NULL, NULL), 0);
    cr_assert_eq(tokenize(&kt, kab, &ka, &kk), 0);
    /* general invariants */
    for (size_t k = 0; k < kk.n; k++) {
        const token *x = &kk.v[k];
        cr_assert_lt(x->start, x->end, "token %zu empty", k);
        cr_assert_leq(x->end, n);
        if (k) cr_assert_leq(kk.v[k - 1].end, x->start, "tokens overlap at %zu", k);
        cr_assert_lt(x->kind, TK__COUNT);
        for (size_t b = x->start; b < x->end; b++)
            cr_assert(s[b] != ' ' && s[b] != '\n' && s[b] != '\r' && s[b] != '\t',
                      "whitespace inside token %zu", k);
    }
    return kk.n;
}

static size_t run(const char *s) { return run_n(s, strlen(s)); }

/* Code points of a string, invalid bytes counted one each (as the text layer does). */
static size_t cp_count(const char *s)
{
    size_t n = 0, len = strlen(s);
    for (size_t i = 0; i < len; n++) {
        uint32_t cp;
        i += text_decode(s, len, i, &cp);
    }
    return n;
}

/* Token k is exactly `want`, in bytes and in code points. */
static void tok_is(size_t k, const char *want)
{
    cr_assert_lt(k, kk.n, "token %zu missing (want \"%s\")", k, want);
    const token *x = &kk.v[k];
    size_t wl = strlen(want);
    cr_assert_eq(x->end - x->start, wl, "token %zu is \"%.*s\", want \"%s\"", k,
                 (int)(x->end - x->start), kt.src + x->start, want);
    cr_assert_eq(memcmp(kt.src + x->start, want, wl), 0, "token %zu is \"%.*s\", want \"%s\"", k,
                 (int)(x->end - x->start), kt.src + x->start, want);
    size_t cs = text_char_offset(&kt, x->start), ce = text_char_offset(&kt, x->end);
    cr_assert_eq(ce - cs, cp_count(want), "token %zu code points", k);
    cr_assert_eq(text_byte_offset(&kt, cs), x->start);
    cr_assert_eq(text_byte_offset(&kt, ce), x->end);
}

static void toks_are(const char *const *want, size_t n)
{
    for (size_t k = 0; k < n; k++) tok_is(k, want[k]);
    cr_assert_eq(kk.n, n, "got %zu tokens, want %zu", kk.n, n);
}

#define TOKS(s, ...)                                                     \
    do {                                                                 \
        static const char *const w_[] = {__VA_ARGS__};                   \
        run(s);                                                          \
        toks_are(w_, sizeof w_ / sizeof *w_);                            \
    } while (0)

/* Index of the first token equal to w at or after from, or (size_t)-1. */
static size_t find_tok(const char *w, size_t from)
{
    size_t wl = strlen(w);
    for (size_t k = from; k < kk.n; k++)
        if (kk.v[k].end - kk.v[k].start == wl && !memcmp(kt.src + kk.v[k].start, w, wl)) return k;
    return (size_t)-1;
}

static uint32_t F(size_t k) { return kk.v[k].flags; }

/* Number of sentences: tokens with SENT_START. */
static size_t count_flag(uint32_t f)
{
    size_t n = 0;
    for (size_t k = 0; k < kk.n; k++) n += (kk.v[k].flags & f) != 0;
    return n;
}

/* ---- seed article cases ------------------------------------------------------------ */

Test(token, seed_titles_possessive_names)
{
    TOKS("the chief negotiators - U.S. Ambassador Ryan Crocker and Iran's ambassador to "
         "Baghdad, Hassan Kazemi Qomi - said",
         "the", "chief", "negotiators", "-", "U.S.", "Ambassador", "Ryan", "Crocker", "and",
         "Iran", "'s", "ambassador", "to", "Baghdad", ",", "Hassan", "Kazemi", "Qomi", "-",
         "said");
    cr_assert_eq(kk.v[3].kind, TK_DASH);
    cr_assert_eq(kk.v[4].kind, TK_WORD);
    cr_assert(F(4) & QUARRY_TF_ABBREV);
    cr_assert(F(4) & QUARRY_TF_ALLCAPS);
    cr_assert(F(4) & QUARRY_TF_CAP);
    cr_assert(F(5) & QUARRY_TF_CAP);
    cr_assert_not(F(5) & QUARRY_TF_ALLCAPS);
    cr_assert_eq(kk.v[10].kind, TK_WORD);
    cr_assert(F(10) & QUARRY_TF_LOWER);
    cr_assert_not(F(10) & QUARRY_TF_SPACE_BEFORE);
    cr_assert_not(F(9) & QUARRY_TF_SPACE_AFTER);
    cr_assert(F(10) & QUARRY_TF_SPACE_AFTER);
    cr_assert_eq(kk.v[14].kind, TK_PUNCT);
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 1);
}

Test(token, seed_hyphenated_words)
{
    TOKS("Iraq's prime minister, Nouri al-Maliki, and its pro-Israel policies. The Iran-Contra "
         "affair and the New York-based Committee",
         "Iraq", "'s", "prime", "minister", ",", "Nouri", "al-Maliki", ",", "and", "its",
         "pro-Israel", "policies", ".", "The", "Iran-Contra", "affair", "and", "the", "New",
         "York-based", "Committee");
    cr_assert_not(F(6) & (QUARRY_TF_CAP | QUARRY_TF_LOWER));   /* al-Maliki: mixed case */
    cr_assert_not(F(10) & QUARRY_TF_LOWER);
    cr_assert(F(12) & QUARRY_TF_SENT_END);
    cr_assert(F(13) & QUARRY_TF_SENT_START);
}

Test(token, seed_numbers)
{
    TOKS("the roughly 150, 000 U.S. troops; 150,000 more. 1985-86: A series. 2001-2002: Officials",
         "the", "roughly", "150", ",", "000", "U.S.", "troops", ";", "150,000", "more", ".",
         "1985-86", ":", "A", "series", ".", "2001-2002", ":", "Officials");
    cr_assert_eq(kk.v[2].kind, TK_NUM);
    cr_assert_eq(kk.v[4].kind, TK_NUM);
    cr_assert_eq(kk.v[8].kind, TK_NUM);
    cr_assert_eq(kk.v[11].kind, TK_NUM);
    cr_assert_eq(kk.v[16].kind, TK_NUM);
    cr_assert(F(8) & QUARRY_TF_DIGIT);
    cr_assert_not(F(8) & QUARRY_TF_ALPHA);
    /* "more." ends a sentence before a number */
    cr_assert(F(10) & QUARRY_TF_SENT_END);
    cr_assert(F(11) & QUARRY_TF_SENT_START);
}

Test(token, seed_sept_11)
{
    TOKS("for his handling of the Sept. 11 attacks.", "for", "his", "handling", "of", "the",
         "Sept.", "11", "attacks", ".");
    cr_assert(F(5) & QUARRY_TF_ABBREV);
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 1);
}

/* A party and state after a name: the full stop between "R-S" and "C." has the
   abbreviation right after it, so no sentence ends there and "said" stays in the sentence
   of its speaker. */
Test(token, party_state_abbreviation)
{
    TOKS("Rep. Trey Gowdy (R-S.C.) said that.", "Rep.", "Trey", "Gowdy", "(", "R-S", ".", "C.",
         ")", "said", "that", ".");
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 1);
}

Test(token, seed_us_led)
{
    TOKS("since the 2003 U.S.-led invasion.", "since", "the", "2003", "U.S.", "-", "led",
         "invasion", ".");
    cr_assert_eq(kk.v[4].kind, TK_DASH);
}

Test(token, seed_quote_paragraph)
{
    const char *s =
        "\"The two sides dealt with the issues in a very frank and transparent and clear way, \" "
        "Kazemi told reporters in a news conference at the Iranian Embassy. \"The views of both "
        "sides were unified and identical on the question of the security issue.\"";
    run(s);
    size_t q[4], nq = 0;
    for (size_t k = 0; k < kk.n; k++)
        if (kk.v[k].kind == TK_QUOTE) {
            cr_assert_lt(nq, 4);
            q[nq++] = k;
        }
    cr_assert_eq(nq, 4);
    cr_assert_eq(q[0], 0);
    cr_assert(F(q[0]) & QUARRY_TF_QOPEN);
    cr_assert(F(q[1]) & QUARRY_TF_QAMBIG);    /* `way, " Kazemi`: spaces on both sides */
    cr_assert(F(q[2]) & QUARRY_TF_QOPEN);
    cr_assert(F(q[3]) & QUARRY_TF_QCLOSE);
    cr_assert_eq(q[3], kk.n - 1);
    /* byte offsets of the quote marks */
    cr_assert_eq(kk.v[q[0]].start, 0);
    cr_assert_eq(kk.v[q[1]].start, 84);
    tok_is(q[1] + 1, "Kazemi");
    cr_assert_eq(kk.v[q[1] + 1].start, 86);
    /* two sentences: the first ends at "Embassy." */
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 2);
    size_t dot = find_tok("Embassy", 0) + 1;
    tok_is(dot, ".");
    cr_assert(F(dot) & QUARRY_TF_SENT_END);
    cr_assert(F(q[2]) & QUARRY_TF_SENT_START);
    cr_assert(F(kk.n - 1) & QUARRY_TF_SENT_END);
    cr_assert(F(kk.n - 1) & QUARRY_TF_PARA_END);
}

Test(token, seed_quote_then_but)
{
    const char *s = "Crocker said, \"There was pretty good congruence - at peace with its "
                    "neighbors.\" But then the two sides parted ways, he said.";
    run(s);
    size_t qo = find_tok("\"", 0), qc = find_tok("\"", qo + 1);
    cr_assert(F(qo) & QUARRY_TF_QOPEN);
    cr_assert(F(qc) & QUARRY_TF_QCLOSE);
    tok_is(qc - 1, ".");
    cr_assert(F(qc) & QUARRY_TF_SENT_END);
    cr_assert_not(F(qc - 1) & QUARRY_TF_SENT_END);
    tok_is(qc + 1, "But");
    cr_assert(F(qc + 1) & QUARRY_TF_SENT_START);
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 2);
    cr_assert_eq(kk.v[find_tok("-", 0)].kind, TK_DASH);
}

Test(token, seed_quote_comma_he_said_one_sentence)
{
    run("\"The views of both sides were unified on the security issue,\" he said. Then more.");
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 2);
    size_t q = find_tok("\"", 1);
    cr_assert(F(q) & QUARRY_TF_QCLOSE);
    cr_assert_not(F(q) & QUARRY_TF_SENT_END);
    cr_assert(F(find_tok("Then", 0)) & QUARRY_TF_SENT_START);
}

Test(token, seed_dont_in_quote)
{
    TOKS("and \"don't prove anything.\"", "and", "\"", "don't", "prove", "anything", ".", "\"");
    cr_assert(F(1) & QUARRY_TF_QOPEN);
    cr_assert(F(6) & QUARRY_TF_QCLOSE);
}

Test(token, seed_file)
{
    FILE *f = fopen("../shared/seed/000_663e7d9d773130fa.txt", "rb");
    if (!f) f = fopen("corpus/000_663e7d9d773130fa.txt", "rb");
    if (!f) cr_skip_test("seed article not available");
    static char b[65536];
    size_t n = fread(b, 1, sizeof b, f);
    fclose(f);
    run_n(b, n);
    cr_assert_gt(kk.n, 1000);
    /* the title line is its own paragraph and sentence */
    tok_is(0, "U.S.");
    tok_is(1, ",");
    size_t k = find_tok("Iraq", 0);
    cr_assert(F(k) & QUARRY_TF_PARA_END);
    cr_assert(F(k) & QUARRY_TF_SENT_END);
    cr_assert(F(k + 1) & QUARRY_TF_PARA_START);
    /* every paragraph of the article is separated by a blank line */
    size_t paras = count_flag(QUARRY_TF_PARA_START);
    cr_assert_eq(paras, 32);      /* the 32 non-empty lines */
    cr_assert_eq(count_flag(QUARRY_TF_PARA_END), 32);
    k = find_tok("Kazemi", find_tok("way", 0));
    cr_assert_eq(text_char_offset(&kt, kk.v[k].start), 1119);
    cr_assert_eq(text_char_offset(&kt, kk.v[k].end), 1125);
    k = find_tok("Ryan", 0);
    cr_assert_eq(text_char_offset(&kt, kk.v[k].start), 502);
    cr_assert(find_tok("al-Maliki", 0) != (size_t)-1);
    cr_assert(find_tok("pro-Israel", 0) != (size_t)-1);
    cr_assert(find_tok("1985-86", 0) != (size_t)-1);
    cr_assert(find_tok("Sept.", 0) != (size_t)-1);
}

/* ---- words ------------------------------------------------------------------------- */

Test(token, clitics_and_contractions)
{
    TOKS("They're sure it's Iran\xE2\x80\x99s plan, don't you think? I'm O'Brien's friend; "
         "we'll see, can't say, isn't it, I'd go, we've been",
         "They", "'re", "sure", "it", "'s", "Iran", "\xE2\x80\x99s", "plan", ",", "don't", "you",
         "think", "?", "I", "'m", "O'Brien", "'s", "friend", ";", "we", "'ll", "see", ",",
         "can't", "say", ",", "isn't", "it", ",", "I", "'d", "go", ",", "we", "'ve", "been");
    /* typographic and straight clitic hash alike */
    cr_assert_eq(kk.v[6].hraw, kk.v[4].hraw);
    cr_assert_eq(kk.v[6].hfold, kk.v[4].hfold);
    cr_assert(F(6) & QUARRY_TF_NONASCII);
    cr_assert_eq(kk.v[6].hraw, token_hash_raw("'s", 2));
}

/* A plural possessive's apostrophe is a clitic word, like 's, not a quote mark: rules that
 * exclude quote marks from a speaker phrase ("Sanders' senior adviser") must not stop there. */
Test(token, plural_possessive_is_clitic)
{
    TOKS("analysts' expectations and Sanders\xE2\x80\x99 campaign",
         "analysts", "'", "expectations", "and", "Sanders", "\xE2\x80\x99", "campaign");
    cr_assert_eq(kk.v[1].kind, TK_WORD);
    cr_assert_eq(kk.v[5].kind, TK_WORD);
    cr_assert_eq(kk.v[5].hraw, kk.v[1].hraw);
    cr_assert_eq(count_flag(QUARRY_TF_QCLOSE), 0);
}

/* ... unless a single quote is open before it: then it closes that quote. */
Test(token, single_quote_closed_after_s)
{
    TOKS("He called it 'the best of all times' and left.",
         "He", "called", "it", "'", "the", "best", "of", "all", "times", "'", "and", "left", ".");
    cr_assert_eq(kk.v[3].kind, TK_QUOTE);
    cr_assert_eq(kk.v[9].kind, TK_QUOTE);
    /* a closed quote earlier in the line does not count */
    TOKS("It was 'over,' they said. The states' rights won.",
         "It", "was", "'", "over", ",", "'", "they", "said", ".", "The", "states", "'", "rights",
         "won", ".");
    cr_assert_eq(kk.v[11].kind, TK_WORD);
}

Test(token, abbreviations_and_initials)
{
    TOKS("Gen. J.R.R. Tolkien, Mr. Smith and Dr. Jones of Acme Inc. met e.g. at 5 p.m. in "
         "Calif. with J. Doe etc. and Prof. X",
         "Gen.", "J.R.R.", "Tolkien", ",", "Mr.", "Smith", "and", "Dr.", "Jones", "of", "Acme",
         "Inc.", "met", "e.g.", "at", "5", "p.m.", "in", "Calif.", "with", "J.", "Doe", "etc.",
         "and", "Prof.", "X");
    size_t abbr[] = {0, 1, 4, 7, 11, 13, 16, 18, 20, 22, 24};
    for (size_t k = 0; k < sizeof abbr / sizeof *abbr; k++)
        cr_assert(F(abbr[k]) & QUARRY_TF_ABBREV, "token %zu", abbr[k]);
    cr_assert_not(F(2) & QUARRY_TF_ABBREV);
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 1);
}

Test(token, word_dot_not_abbreviation)
{
    TOKS("He went home. Then", "He", "went", "home", ".", "Then");
    cr_assert_eq(kk.v[3].kind, TK_PUNCT);
    cr_assert_not(F(2) & QUARRY_TF_ABBREV);
}

Test(token, abbreviation_without_list)
{
    arena_reset(&ka);
    const char *s = "The U.S. and Gen. Smith";
    cr_assert_eq(text_init(&kt, s, strlen(s), &ka, NULL, NULL), 0);
    cr_assert_eq(tokenize(&kt, NULL, &ka, &kk), 0);
    toks_are((const char *const[]){"The", "U.S.", "and", "Gen", ".", "Smith"}, 6);
}

Test(token, abbrev_set_api)
{
    abbrev_set *s = abbrev_set_new();
    cr_assert_not_null(s);
    char name[16];
    for (int k = 0; k < 500; k++) {
        int n = snprintf(name, sizeof name, "Ab%d.", k);
        cr_assert_eq(abbrev_set_add(s, name, (size_t)n), 0);
    }
    cr_assert(abbrev_set_has(s, "Ab0.", 4));
    cr_assert(abbrev_set_has(s, "Ab499.", 6));
    cr_assert_not(abbrev_set_has(s, "Ab500.", 6));
    cr_assert_not(abbrev_set_has(s, "ab0.", 4));     /* case-sensitive */
    cr_assert_not(abbrev_set_has(s, "Ab0", 3));
    abbrev_set_free(s);
    abbrev_set_free(NULL);
}

/* abbrev_set_has (with its bloom pre-filter) agrees with a plain search of the entries, for
 * the entries, their case variants, one-byte changes, prefixes and one-byte entries. */
Test(token, abbrev_set_has_as_linear_search)
{
    static const char *const e[] = {"Mr.", "a.", "Sept.", "Jan.", "e.g.", "Ph.D.", "Inc.",
                                    "U.S.", "Co.", ".", "x", "etc.", "Gen.", "St."};
    size_t ne = sizeof e / sizeof *e;
    abbrev_set *s = abbrev_set_new();
    cr_assert_not_null(s);
    for (size_t k = 0; k < ne; k++) cr_assert_eq(abbrev_set_add(s, e[k], strlen(e[k])), 0);
    char w[16];
    for (size_t k = 0; k < ne; k++) {
        size_t n = strlen(e[k]);
        for (size_t pos = 0; pos <= n; pos++)
            for (unsigned bv = 0; bv < 256; bv += 3) {
                memcpy(w, e[k], n);
                size_t m = n;
                if (pos < n) w[pos] = (char)bv;
                else m = bv % (n + 1);               /* a prefix */
                int want = 0;
                for (size_t q = 0; q < ne; q++)
                    if (strlen(e[q]) == m && !memcmp(e[q], w, m)) want = 1;
                cr_assert_eq(abbrev_set_has(s, w, m), want, "\"%.*s\"", (int)m, w);
            }
    }
    abbrev_set_free(s);
}

/* ---- numbers, dashes, symbols ------------------------------------------------------ */

Test(token, numbers_and_currency)
{
    TOKS("profits jumped 76% to $1.13bn (\xC2\xA3" "600m) from $639m; 3.5% of \xE2\x82\xAC" "20 "
         "and 10:30 on 24/7 in the 1980s, a 20-nation and 18-page letter",
         "profits", "jumped", "76%", "to", "$1.13bn", "(", "\xC2\xA3" "600m", ")", "from",
         "$639m", ";", "3.5%", "of", "\xE2\x82\xAC" "20", "and", "10:30", "on", "24/7", "in",
         "the", "1980s", ",", "a", "20-nation", "and", "18-page", "letter");
    size_t nums[] = {2, 4, 6, 9, 11, 13, 15, 17, 20, 23, 25};
    for (size_t k = 0; k < sizeof nums / sizeof *nums; k++)
        cr_assert_eq(kk.v[nums[k]].kind, TK_NUM, "token %zu", nums[k]);
    cr_assert(F(6) & QUARRY_TF_NONASCII);
    cr_assert(F(4) & QUARRY_TF_DIGIT);
    cr_assert(F(4) & QUARRY_TF_ALPHA);
}

Test(token, dashes)
{
    TOKS("a - b \xE2\x80\x93 c \xE2\x80\x94 d -- e---f pre- and", "a", "-", "b", "\xE2\x80\x93",
         "c", "\xE2\x80\x94", "d", "--", "e", "---", "f", "pre", "-", "and");
    size_t d[] = {1, 3, 5, 7, 9, 12};
    for (size_t k = 0; k < sizeof d / sizeof *d; k++)
        cr_assert_eq(kk.v[d[k]].kind, TK_DASH, "token %zu", d[k]);
}

Test(token, urls_and_emails)
{
    TOKS("See http://news.bbc.co.uk/2/hi/4133.stm. Mail john.smith@example.co.uk, or "
         "(www.example.org) and https://x.org/a_(b) now",
         "See", "http://news.bbc.co.uk/2/hi/4133.stm", ".", "Mail", "john.smith@example.co.uk",
         ",", "or", "(", "www.example.org", ")", "and", "https://x.org/a_(b)", "now");
    cr_assert_eq(kk.v[1].kind, TK_URL);
    cr_assert_eq(kk.v[4].kind, TK_EMAIL);
    cr_assert_eq(kk.v[8].kind, TK_URL);
    cr_assert_eq(kk.v[11].kind, TK_URL);
    cr_assert(F(2) & QUARRY_TF_SENT_END);
}

Test(token, symbols_and_nul)
{
    static const char s[] = "a\0b & c #tag";
    run_n(s, sizeof s - 1);
    cr_assert_eq(kk.n, 7);
    cr_assert_eq(kk.v[1].start, 1);
    cr_assert_eq(kk.v[1].end, 2);
    cr_assert_eq(kk.v[1].kind, TK_SYM);
    cr_assert_eq(kk.v[3].kind, TK_SYM);
    cr_assert_eq(kk.v[5].kind, TK_SYM);
    tok_is(6, "tag");
}

/* ---- flags ------------------------------------------------------------------------- */

Test(token, shape_flags)
{
    TOKS("BAGHDAD Iran iPhone I x9 G8 42 \xC3\x89LAN", "BAGHDAD", "Iran", "iPhone", "I", "x9",
         "G8", "42", "\xC3\x89LAN");
    cr_assert_eq(F(0) & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS | QUARRY_TF_LOWER | QUARRY_TF_ALPHA),
                 QUARRY_TF_CAP | QUARRY_TF_ALLCAPS | QUARRY_TF_ALPHA);
    cr_assert_eq(F(1) & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS | QUARRY_TF_LOWER), QUARRY_TF_CAP);
    cr_assert_eq(F(2) & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS | QUARRY_TF_LOWER), 0);
    cr_assert_eq(F(3) & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS | QUARRY_TF_LOWER), QUARRY_TF_CAP);
    cr_assert_eq(F(4) & (QUARRY_TF_LOWER | QUARRY_TF_DIGIT | QUARRY_TF_ALPHA),
                 QUARRY_TF_LOWER | QUARRY_TF_DIGIT | QUARRY_TF_ALPHA);
    cr_assert(F(5) & QUARRY_TF_CAP);
    cr_assert_not(F(5) & QUARRY_TF_ALLCAPS);   /* one letter */
    cr_assert_eq(kk.v[6].kind, TK_NUM);
    cr_assert_eq(F(6) & (QUARRY_TF_DIGIT | QUARRY_TF_ALPHA), QUARRY_TF_DIGIT);
    cr_assert_eq(F(7) & (QUARRY_TF_CAP | QUARRY_TF_ALLCAPS | QUARRY_TF_NONASCII),
                 QUARRY_TF_CAP | QUARRY_TF_ALLCAPS | QUARRY_TF_NONASCII);
    cr_assert_not(F(1) & QUARRY_TF_NONASCII);
    cr_assert(F(0) & QUARRY_TF_SPACE_AFTER);
    cr_assert_not(F(0) & QUARRY_TF_SPACE_BEFORE);
    cr_assert(F(1) & QUARRY_TF_SPACE_BEFORE);
    cr_assert_not(F(7) & QUARRY_TF_SPACE_AFTER);
}

/* ---- Unicode ----------------------------------------------------------------------- */

Test(token, curly_quotes_and_guillemets)
{
    TOKS("\xE2\x80\x9CHello,\xE2\x80\x9D she said. \xE2\x80\x98Yes\xE2\x80\x99 \xC2\xAB"
         "Bonjour\xC2\xBB \xE2\x80\x9ESo\xE2\x80\x9C",
         "\xE2\x80\x9C", "Hello", ",", "\xE2\x80\x9D", "she", "said", ".", "\xE2\x80\x98", "Yes",
         "\xE2\x80\x99", "\xC2\xAB", "Bonjour", "\xC2\xBB", "\xE2\x80\x9E", "So", "\xE2\x80\x9C");
    size_t open[] = {0, 7, 10, 13, 15}, close[] = {3, 9, 12};
    for (size_t k = 0; k < 5; k++) {
        cr_assert_eq(kk.v[open[k]].kind, TK_QUOTE);
        cr_assert(F(open[k]) & QUARRY_TF_QOPEN, "token %zu", open[k]);
    }
    for (size_t k = 0; k < 3; k++) {
        cr_assert_eq(kk.v[close[k]].kind, TK_QUOTE);
        cr_assert(F(close[k]) & QUARRY_TF_QCLOSE, "token %zu", close[k]);
    }
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 2);
}

Test(token, straight_quote_directions)
{
    TOKS("(\"a\") -\"b\" x\"y \" z", "(", "\"", "a", "\"", ")", "-", "\"", "b", "\"", "x", "\"",
         "y", "\"", "z");
    cr_assert(F(1) & QUARRY_TF_QOPEN);
    cr_assert(F(3) & QUARRY_TF_QCLOSE);
    cr_assert(F(6) & QUARRY_TF_QOPEN);
    cr_assert(F(8) & QUARRY_TF_QCLOSE);
    cr_assert(F(10) & QUARRY_TF_QAMBIG);   /* no space on either side */
    cr_assert(F(12) & QUARRY_TF_QAMBIG);   /* spaces on both sides */
}

Test(token, accented_arabic_cjk)
{
    const char *s = "Jos\xC3\xA9 M\xC3\xBCller met \xE6\x9D\x8E\xE5\xB0\x8F\xE9\xBE\x99 in "
                    "\xD8\xA7\xD9\x84\xD9\x82\xD8\xA7\xD9\x87\xD8\xB1\xD8\xA9.";
    TOKS(s, "Jos\xC3\xA9", "M\xC3\xBCller", "met", "\xE6\x9D\x8E\xE5\xB0\x8F\xE9\xBE\x99", "in",
         "\xD8\xA7\xD9\x84\xD9\x82\xD8\xA7\xD9\x87\xD8\xB1\xD8\xA9", ".");
    cr_assert_eq(text_char_offset(&kt, kk.v[1].start), 5);
    cr_assert_eq(text_char_offset(&kt, kk.v[1].end), 11);
    cr_assert_eq(text_char_offset(&kt, kk.v[3].start), 16);
    cr_assert_eq(text_char_offset(&kt, kk.v[5].start), 23);
    cr_assert_eq(text_char_offset(&kt, kk.v[6].end), 31);
    cr_assert_eq(F(0) & (QUARRY_TF_CAP | QUARRY_TF_NONASCII | QUARRY_TF_ALPHA),
                 QUARRY_TF_CAP | QUARRY_TF_NONASCII | QUARRY_TF_ALPHA);
    cr_assert_eq(kk.v[5].kind, TK_WORD);
    cr_assert(F(5) & QUARRY_TF_ALPHA);
    cr_assert_not(F(5) & (QUARRY_TF_CAP | QUARRY_TF_LOWER | QUARRY_TF_ALLCAPS));
}

Test(token, cjk_runs)
{
    /* 北京欢迎你。Hello世界！ */
    TOKS("\xE5\x8C\x97\xE4\xBA\xAC\xE6\xAC\xA2\xE8\xBF\x8E\xE4\xBD\xA0\xE3\x80\x82Hello"
         "\xE4\xB8\x96\xE7\x95\x8C\xEF\xBC\x81",
         "\xE5\x8C\x97\xE4\xBA\xAC\xE6\xAC\xA2\xE8\xBF\x8E\xE4\xBD\xA0", "\xE3\x80\x82", "Hello",
         "\xE4\xB8\x96\xE7\x95\x8C", "\xEF\xBC\x81");
    cr_assert_eq(kk.v[1].kind, TK_PUNCT);
    cr_assert(F(1) & QUARRY_TF_SENT_END);
    cr_assert(F(2) & QUARRY_TF_SENT_START);
}

Test(token, unicode_spaces_and_nfc_hash)
{
    /* NBSP and ideographic space separate tokens; decomposed é hashes like composed é */
    const char *s = "Jos\xC3\xA9\xC2\xA0Jose\xCC\x81\xE3\x80\x80JOS\xC3\x89";
    TOKS(s, "Jos\xC3\xA9", "Jose\xCC\x81", "JOS\xC3\x89");
    cr_assert_eq(kk.v[0].hraw, kk.v[1].hraw);
    cr_assert_eq(kk.v[0].hfold, kk.v[2].hfold);
    cr_assert_neq(kk.v[0].hraw, kk.v[2].hraw);
    cr_assert(F(1) & QUARRY_TF_SPACE_BEFORE);
}

Test(token, hash_functions)
{
    cr_assert_eq(token_hash_raw("Iran", 4), hash_bytes("Iran", 4));
    cr_assert_eq(token_hash_fold("IRAN", 4), hash_bytes("iran", 4));
    cr_assert_eq(token_hash_fold("Iran", 4), token_hash_fold("iRAN", 4));
    cr_assert_eq(token_hash_raw("Iran\xE2\x80\x99s", 8), hash_bytes("Iran's", 6));
    /* ASCII fast path agrees with utf8proc */
    const char *w = "HeLLo-World's";
    utf8proc_uint8_t *o = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)w, (utf8proc_ssize_t)strlen(w), &o,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    cr_assert_gt(r, 0);
    cr_assert_eq(token_hash_fold(w, strlen(w)), hash_bytes(o, (size_t)r));
    free(o);
    /* non-ASCII: NFC + case fold */
    const char *m = "M\xC3\x9C" "LLER";
    r = utf8proc_map((const utf8proc_uint8_t *)m, (utf8proc_ssize_t)strlen(m), &o,
                     UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
    cr_assert_eq(token_hash_fold(m, strlen(m)), hash_bytes(o, (size_t)r));
    cr_assert_eq(token_hash_fold(m, strlen(m)), token_hash_fold("m\xC3\xBCller", 7));
    free(o);
    /* tokens carry the same hashes as the functions */
    run("Kazemi M\xC3\xBCller");
    cr_assert_eq(kk.v[0].hraw, token_hash_raw("Kazemi", 6));
    cr_assert_eq(kk.v[0].hfold, token_hash_fold("kazemi", 6));
    cr_assert_eq(kk.v[1].hfold, token_hash_fold("M\xC3\x9CLLER", 7));
}

/* hash_bytes as hash.h defines it, one byte at a time: the reference for the block code. */
static uint64_t ref_hash(const unsigned char *p, size_t n, int lower)
{
    uint64_t h = QH_SEED, b = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (lower && c >= 'A' && c <= 'Z') c += 32;
        b |= (uint64_t)c << (8 * (i & 7));
        if ((i & 7) == 7) {
            h = qh_round(h ^ b);
            b = 0;
        }
    }
    h = qh_fin(h ^ b ^ ((uint64_t)n << 56));
    return h ? h : 1;
}

/* Every length 0..80 and every byte value, in allocations of exactly n bytes (ASan sees any
 * read past the end): the block code equals the byte-wise definition, the lower-cased one
 * equals the hash of the lower-cased bytes. */
Test(token, hash_bytes_definition)
{
    unsigned seed = 11;
    for (size_t n = 0; n <= 80; n++)
        for (int rep = 0; rep < 40; rep++) {
            unsigned char *b = malloc(n ? n : 1), *l = malloc(n ? n : 1);
            cr_assert(b && l);
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                unsigned c = (seed >> 16) & 0xFF;
                if (rep & 1) c = "aZ9 \x80\xC3\xFF@Mq"[c % 10] & 0xFF;
                b[i] = (unsigned char)c;
                l[i] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            cr_assert_eq(hash_bytes(b, n), ref_hash(b, n, 0), "n=%zu", n);
            cr_assert_eq(hash_bytes_lower(b, n), ref_hash(b, n, 1), "n=%zu", n);
            cr_assert_eq(hash_bytes_lower(b, n), hash_bytes(l, n), "n=%zu", n);
            cr_assert_neq(hash_bytes(b, n), 0);
            free(b);
            free(l);
        }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Strings shorter than 8 bytes never share a hash (the function is a bijection of their
 * zero-padded value and length), trailing NULs included; none hashes to 0. */
Test(token, hash_bytes_short_strings_distinct)
{
    static const unsigned char al[] = {0, 'a', 'A', 'b', 0x80, 0xFF};
    size_t na = sizeof al, total = 0, pw = 1;
    for (size_t n = 0; n <= 5; n++, pw *= na) total += pw;
    uint64_t *hs = malloc(total * sizeof *hs);
    cr_assert_not_null(hs);
    size_t k = 0;
    pw = 1;
    for (size_t n = 0; n <= 5; n++, pw *= na)
        for (size_t v = 0; v < pw; v++) {
            unsigned char s[8];
            size_t x = v;
            for (size_t i = 0; i < n; i++, x /= na) s[i] = al[x % na];
            hs[k] = hash_bytes(s, n);
            cr_assert_neq(hs[k], 0);
            k++;
        }
    qsort(hs, total, sizeof *hs, cmp_u64);
    for (size_t i = 1; i < total; i++) cr_assert_neq(hs[i - 1], hs[i]);
    free(hs);
}

/* The hashes of strings of ASCII, £, € (hash_pair's short cut) and other characters equal
 * those of their NFC / NFC + case-folded forms computed by utf8proc (with ’ as '). */
static uint64_t nfc_hash(const char *s, size_t n, int fold)
{
    char tmp[256];
    size_t m = 0;
    for (size_t i = 0; i < n;) {
        if (i + 2 < n && !memcmp(s + i, "\xE2\x80\x99", 3)) {
            tmp[m++] = '\'';
            i += 3;
        } else {
            tmp[m++] = s[i++];
        }
    }
    utf8proc_uint8_t *out = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)tmp, (utf8proc_ssize_t)m, &out,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | (fold ? UTF8PROC_CASEFOLD : 0));
    cr_assert_geq(r, 0);
    uint64_t h = hash_bytes(out, (size_t)r);
    free(out);
    return h;
}

Test(token, currency_sign_hashes_as_utf8proc)
{
    static const char *const parts[] = {"a", "Z", "5", ".", "\xC2\xA3", "\xE2\x82\xAC", "\xE2\x80\x99",
                                        "\xC3\xA9", "E\xCC\x81", "\xC3\x9F", "\xC2\xA2"};
    size_t np = sizeof parts / sizeof *parts;
    unsigned seed = 12345;
    char b[128];
    for (int t = 0; t < 20000; t++) {
        size_t n = 0, k = 1 + t % 7;
        for (size_t q = 0; q < k; q++) {
            seed = seed * 1103515245u + 12345u;
            size_t pi = (seed >> 16) % (t % 3 ? 6 : np);     /* mostly the short-cut alphabet */
            memcpy(b + n, parts[pi], strlen(parts[pi]));
            n += strlen(parts[pi]);
        }
        cr_assert_eq(token_hash_raw(b, n), nfc_hash(b, n, 0), "raw \"%.*s\"", (int)n, b);
        cr_assert_eq(token_hash_fold(b, n), nfc_hash(b, n, 1), "fold \"%.*s\"", (int)n, b);
    }
}

/* ---- plain-word fast path (word_run, scan_plain) ------------------------------------ */

/* Every token carries the hashes token_hash_raw/token_hash_fold give for its bytes, and an
 * ASCII word's shape flags follow their definitions. */
static void check_tokens_hashes_flags(void)
{
    for (size_t k = 0; k < kk.n; k++) {
        const token *x = &kk.v[k];
        const char *p = kt.src + x->start;
        size_t n = x->end - x->start;
        cr_assert_eq(x->hraw, token_hash_raw(p, n), "hraw of \"%.*s\"", (int)n, p);
        cr_assert_eq(x->hfold, token_hash_fold(p, n), "hfold of \"%.*s\"", (int)n, p);
        if (x->kind != TK_WORD || (x->flags & QUARRY_TF_NONASCII)) continue;
        unsigned up = 0, lo = 0, dg = 0;
        for (size_t q = 0; q < n; q++) {
            up += p[q] >= 'A' && p[q] <= 'Z';
            lo += p[q] >= 'a' && p[q] <= 'z';
            dg += p[q] >= '0' && p[q] <= '9';
        }
        uint32_t f = x->flags;
        cr_assert_eq(!!(f & QUARRY_TF_CAP), p[0] >= 'A' && p[0] <= 'Z', "CAP of \"%.*s\"", (int)n, p);
        cr_assert_eq(!!(f & QUARRY_TF_LOWER), lo && !up, "LOWER of \"%.*s\"", (int)n, p);
        cr_assert_eq(!!(f & QUARRY_TF_ALLCAPS), up >= 2 && !lo, "ALLCAPS of \"%.*s\"", (int)n, p);
        cr_assert_eq(!!(f & QUARRY_TF_DIGIT), dg > 0, "DIGIT of \"%.*s\"", (int)n, p);
        cr_assert(f & QUARRY_TF_ALPHA);
    }
}

/* Words of every length 1..20 in every case pattern, followed by each kind of stop byte and
 * ending exactly at the end of an allocation of their size (ASan sees any read past it). */
Test(token, plain_words_every_length_and_stop)
{
    static const char *const stops[] = {"", " ", ",", ".", ")", "-x", "'s", "\xC3\xA9", "\xFF",
                                        "\xE2\x80\x99", ":", "@b.com", "\n\n"};
    static const char alpha[] = "aBcDeFgHiJkLmNoPqRsT";
    for (size_t len = 1; len <= 20; len++)
        for (int pat = 0; pat < 5; pat++)
            for (size_t si = 0; si < sizeof stops / sizeof *stops; si++) {
                char w[64];
                for (size_t q = 0; q < len; q++) {
                    char ch = alpha[q];
                    if (pat == 0) ch = (char)(ch | 0x20);                 /* lower */
                    else if (pat == 1) ch = (char)(ch & ~0x20);           /* upper */
                    else if (pat == 2 && q) ch = (char)(ch | 0x20);       /* Capitalised */
                    else if (pat == 4 && q % 3 == 2) ch = (char)('0' + q % 10); /* digits */
                    w[q] = ch;
                }
                size_t sl = strlen(stops[si]);
                memcpy(w + len, stops[si], sl);
                size_t n = len + sl;
                char *b = malloc(n);
                cr_assert_not_null(b);
                memcpy(b, w, n);
                run_n(b, n);
                cr_assert_geq(kk.n, 1);
                cr_assert_geq(kk.v[0].end, len, "\"%.*s\" cut short", (int)n, b);
                check_tokens_hashes_flags();
                free(b);
            }
}

/* The 16-byte word scan (scan16, SSE2) and the SWAR/byte paths it falls back to: words of
 * every length 1..40 in every case pattern, at offsets 0..3, followed by a space and 0..20
 * more bytes, in buffers of their exact size, so that each word is scanned both with 16
 * readable bytes and near the end of the text. Hashes and flags against their definitions. */
Test(token, plain_words_every_length_offset_and_tail)
{
    static const char alpha[] = "aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgHiJkLmN";
    char w[128];
    for (size_t len = 1; len <= 40; len++)
        for (int pat = 0; pat < 5; pat++)
            for (size_t off = 0; off < 4; off++)
                for (size_t pad = 0; pad <= 20; pad++) {
                    size_t n = 0;
                    for (size_t q = 0; q < off; q++) w[n++] = ' ';
                    for (size_t q = 0; q < len; q++) {
                        char ch = alpha[q];
                        if (pat == 0) ch = (char)(ch | 0x20);
                        else if (pat == 1) ch = (char)(ch & ~0x20);
                        else if (pat == 2 && q) ch = (char)(ch | 0x20);
                        else if (pat == 4 && q % 3 == 2) ch = (char)('0' + q % 10);
                        w[n++] = ch;
                    }
                    w[n++] = ' ';
                    for (size_t q = 0; q < pad; q++) w[n++] = q % 4 == 3 ? ' ' : "xY,"[q % 3];
                    char *b = malloc(n);
                    cr_assert_not_null(b);
                    memcpy(b, w, n);
                    run_n(b, n);
                    cr_assert_geq(kk.n, 1);
                    cr_assert_eq(kk.v[0].start, off);
                    cr_assert_eq(kk.v[0].end, off + len, "\"%.*s\" ends at %u", (int)n, b,
                                 kk.v[0].end);
                    check_tokens_hashes_flags();
                    free(b);
                }
}

/* Every byte value at every position 1..17 of an 18-letter word with 16 or more bytes after
 * it: the word ends right there unless the byte is a letter or digit, or one the general
 * path looks at (- ' . : @ and bytes >= 0x80). */
Test(token, plain_word_every_stop_byte_every_position)
{
    static const char word[] = "NoPqRsTuVwXyZabcde";       /* 18 letters */
    static const char tail[] = " and so on, to 16+";
    for (unsigned bv = 0; bv < 256; bv++)
        for (size_t q = 1; q < 18; q++) {
            char b[64];
            memcpy(b, word, 18);
            b[q] = (char)bv;
            memcpy(b + 18, tail, sizeof tail - 1);
            size_t n = 18 + sizeof tail - 1;
            char *p = malloc(n);
            cr_assert_not_null(p);
            memcpy(p, b, n);
            run_n(p, n);
            int alnum = (bv >= 'a' && bv <= 'z') || (bv >= 'A' && bv <= 'Z') || (bv >= '0' && bv <= '9');
            if (alnum) cr_assert_eq(kk.v[0].end, 18, "byte %u at %zu", bv, q);
            else if (bv < 0x80 && (bv == 0 || !strchr("-'.:@", (int)bv)))
                cr_assert_eq(kk.v[0].end, q, "byte %u at %zu", bv, q);
            check_tokens_hashes_flags();
            free(p);
        }
}

/* A comma or full stop right after a plain word is emitted by the word run; after a number
 * by the general path. Both must give the same tokens: the same texts with X a word (Xyz,
 * which starts a sentence as a number does and is no STARTERS word) and X a
 * number agree on every punctuation and word token (kinds, offsets, flags, hashes), and on
 * the sentence and paragraph flags of X itself. */
Test(token, comma_full_stop_after_word_as_after_number)
{
    static const char *const tpl[] = {
        "X, abc. The X.. abc., X.\n\nX,abc.X. abc X.\nThe X. end X.",
        "X.", "X,", "X. ", "X, ", "X.\nNew X,\nnew X.  Two X.\tTab X.\r\nCR X.\r\n\r\nP",
        "(X.) X. \"X,\" he said. X.\" X.' X... X.. The X.e.g. X.abc X,, X.,",
        "Mr. X. Dr. X, U.S. X. The X. A X. he X. 'X.' \u201cX.\u201d X.\u2019",
    };
    char a[512], b[512];
    for (size_t t = 0; t < sizeof tpl / sizeof *tpl; t++) {
        size_t na = 0, nb = 0;
        for (const char *p = tpl[t]; *p; p++) {
            if (*p == 'X') {
                memcpy(a + na, "Xyz", 3), na += 3;
                memcpy(b + nb, "123", 3), nb += 3;
            } else {
                a[na++] = *p;
                b[nb++] = *p;
            }
        }
        for (size_t cut = 1; cut <= na; cut++) {       /* every prefix: ends at the buffer end */
            char *pa = malloc(cut), *pb = malloc(cut);
            cr_assert(pa && pb);
            memcpy(pa, a, cut);
            memcpy(pb, b, cut);
            run_n(pa, cut);
            size_t n = kk.n;
            token *va = malloc((n ? n : 1) * sizeof *va);
            cr_assert_not_null(va);
            memcpy(va, kk.v, n * sizeof *va);
            check_tokens_hashes_flags();
            run_n(pb, cut);
            cr_assert_eq(kk.n, n, "\"%.*s\": %zu tokens, %zu with numbers", (int)cut, pa, n, kk.n);
            const uint32_t SENT = QUARRY_TF_SENT_START | QUARRY_TF_SENT_END | QUARRY_TF_PARA_START |
                                  QUARRY_TF_PARA_END | QUARRY_TF_SPACE_BEFORE | QUARRY_TF_SPACE_AFTER;
            for (size_t k = 0; k < n; k++) {
                const token *x = &va[k], *y = &kk.v[k];
                cr_assert_eq(x->start, y->start, "\"%.*s\" token %zu", (int)cut, pa, k);
                cr_assert_eq(x->end, y->end, "\"%.*s\" token %zu", (int)cut, pa, k);
                int isx = memcmp(pa + x->start, pb + x->start, x->end - x->start) != 0;
                if (isx) {
                    cr_assert_eq(x->flags & SENT, y->flags & SENT, "\"%.*s\" token %zu", (int)cut, pa, k);
                    continue;
                }
                cr_assert_eq(x->kind, y->kind, "\"%.*s\" token %zu", (int)cut, pa, k);
                cr_assert_eq(x->flags, y->flags, "\"%.*s\" token %zu: %x %x", (int)cut, pa, k,
                             x->flags, y->flags);
                cr_assert_eq(x->hraw, y->hraw);
                cr_assert_eq(x->hfold, y->hfold);
            }
            free(va);
            free(pa);
            free(pb);
        }
    }
}

/* Every printable ASCII byte as a one-byte token (finish's one-byte short cut), alone and
 * after a word: hashes as token_hash_raw/fold, shape flags by their definitions. */
Test(token, one_byte_tokens)
{
    for (unsigned c = 0x21; c < 0x7F; c++) {
        char b[8];
        snprintf(b, sizeof b, " %c x%c", (char)c, (char)c);
        char *p = malloc(5);
        cr_assert_not_null(p);
        memcpy(p, b, 5);
        run_n(p, 5);
        check_tokens_hashes_flags();
        for (size_t k = 0; k < kk.n; k++) {
            const token *x = &kk.v[k];
            if (x->end - x->start != 1 || x->kind == TK_WORD || x->kind == TK_NUM) continue;
            cr_assert_eq(x->flags & (QUARRY_TF_ALPHA | QUARRY_TF_DIGIT | QUARRY_TF_CAP |
                                     QUARRY_TF_LOWER | QUARRY_TF_ALLCAPS), 0, "byte %u", c);
        }
        free(p);
    }
}

/* Tokens of the general path (hyphens, apostrophes, numbers, dashes, abbreviations, URLs) of
 * lengths 2..24 at offsets 0..3, with tails of 0..17 bytes, in exact-size buffers: finish's
 * 16-byte path and its byte loop give hashes as token_hash_raw/fold and, for every ASCII
 * token, shape flags by their definitions (CAP: the first letter is a capital). */
Test(token, general_tokens_every_length_offset_and_tail)
{
    static const char *const seeds[] = {"a-b", "Ab-Cd", "AB-CD", "x'y", "1,234", "3.5%", "$5.2",
                                        "--", "...", "U.S.", "e.g.", "Ph.D.", "1985-86", "B2-b3",
                                        "www.a.bc", "O'Neil", "rock'n'roll", "A-1", "9-a", "x@y.zz",
                                        "4-Ab", "4-AB"};
    char tokb[64], w[96];
    for (size_t si = 0; si < sizeof seeds / sizeof *seeds; si++)
        for (size_t tl = 2; tl <= 24; tl++) {
            /* the seed, stretched to tl bytes by repeating its pattern around the middle */
            const char *sd = seeds[si];
            size_t sl = strlen(sd);
            if (tl < sl) continue;
            size_t h = sl / 2;
            memcpy(tokb, sd, h);
            for (size_t q = h; q < tl - (sl - h); q++) tokb[q] = sd[h - 1 + (q - h) % 2 * 0];
            memcpy(tokb + tl - (sl - h), sd + h, sl - h);
            for (size_t off = 0; off < 4; off++)
                for (size_t tail = 0; tail <= 17; tail++) {
                    size_t n = 0;
                    for (size_t q = 0; q < off; q++) w[n++] = ' ';
                    memcpy(w + n, tokb, tl);
                    n += tl;
                    for (size_t q = 0; q < tail; q++) w[n++] = q == 0 ? ' ' : "zY,7 "[q % 5];
                    char *b = malloc(n);
                    cr_assert_not_null(b);
                    memcpy(b, w, n);
                    run_n(b, n);
                    check_tokens_hashes_flags();
                    for (size_t k = 0; k < kk.n; k++) {
                        const token *x = &kk.v[k];
                        const char *p = b + x->start;
                        size_t m = x->end - x->start;
                        if (x->flags & QUARRY_TF_NONASCII) continue;
                        unsigned up = 0, lo = 0, dg = 0, first = 0;
                        for (size_t q = 0; q < m; q++) {
                            int u = p[q] >= 'A' && p[q] <= 'Z', l = p[q] >= 'a' && p[q] <= 'z';
                            if (!first && (u || l)) first = u ? 1 : 2;
                            up += u;
                            lo += l;
                            dg += p[q] >= '0' && p[q] <= '9';
                        }
                        uint32_t f = x->flags;
                        cr_assert_eq(!!(f & QUARRY_TF_ALPHA), first != 0, "\"%.*s\"", (int)m, p);
                        cr_assert_eq(!!(f & QUARRY_TF_CAP), first == 1, "\"%.*s\"", (int)m, p);
                        cr_assert_eq(!!(f & QUARRY_TF_DIGIT), dg > 0, "\"%.*s\"", (int)m, p);
                        cr_assert_eq(!!(f & QUARRY_TF_LOWER), lo && !up, "\"%.*s\"", (int)m, p);
                        cr_assert_eq(!!(f & QUARRY_TF_ALLCAPS), up >= 2 && !lo, "\"%.*s\"", (int)m, p);
                    }
                    free(b);
                }
        }
}

/* Runs of words (the hot path chains them) with the same text at several offsets. */
Test(token, plain_word_runs_hashes_and_flags)
{
    const char *s = "The quick brown Fox JUMPS over the lazy DOG, NASA's iPhone A1 b2c "
                    "x Y zz McDonald WHO who Who abcdefgh ABCDEFGH Abcdefgh abcdefghi "
                    "e.g. U.S. Mr. Smith said: go www.bbc.co.uk now. well-known don't";
    size_t n = strlen(s);
    for (size_t off = 0; off < 12; off++) {
        char *b = malloc(n - off);
        cr_assert_not_null(b);
        memcpy(b, s + off, n - off);
        run_n(b, n - off);
        check_tokens_hashes_flags();
        free(b);
    }
}

/* A non-ASCII letter inside or right after ASCII letters continues the word; its hashes are
 * the NFC / case-folded ones, equal to token_hash_fold of the same word in another case. A
 * byte >= 0x80 whose low 7 bits spell a letter (0xC1 'A', 0xE1 'a') is not taken for one. */
Test(token, nonascii_letters_in_words)
{
    run("M\xC3\xBCller naive na\xC3\xAFve Stra\xC3\x9F" "e Z\xC3\x9CRICH abcdefg\xC3\xA9");
    tok_is(0, "M\xC3\xBCller");
    tok_is(2, "na\xC3\xAFve");
    tok_is(4, "Z\xC3\x9CRICH");
    tok_is(5, "abcdefg\xC3\xA9");
    cr_assert_eq(kk.v[0].hfold, token_hash_fold("M\xC3\x9CLLER", 7));
    cr_assert_eq(kk.v[4].hfold, token_hash_fold("z\xC3\xBCrich", 7));
    check_tokens_hashes_flags();
    run("abc\xC1" "def ABC\xE1" "DEF");
    tok_is(0, "abc");
    tok_is(1, "\xC1");
    tok_is(2, "def");
    tok_is(3, "ABC");
    check_tokens_hashes_flags();
    const char tail[] = {'w', 'o', 'r', 'd', 's', '\xC3', '\xA9'};   /* ends at the buffer end */
    char *b = malloc(sizeof tail);
    cr_assert_not_null(b);
    memcpy(b, tail, sizeof tail);
    run_n(b, sizeof tail);
    cr_assert_eq(kk.n, 1);
    cr_assert_eq(kk.v[0].hfold, token_hash_fold("WORDS\xC3\x89", 7));
    free(b);
}

/* ---- hostile input ----------------------------------------------------------------- */

Test(token, invalid_utf8)
{
    const char s[] = "ab\xFF" "cd \xE2\x82 ef\xC3";
    TOKS(s, "ab", "\xFF", "cd", "\xE2", "\x82", "ef", "\xC3");
    cr_assert_eq(kk.v[1].kind, TK_SYM);
    cr_assert_eq(kk.v[3].kind, TK_SYM);
    cr_assert_eq(kk.v[4].kind, TK_SYM);
    cr_assert_eq(kk.v[6].kind, TK_SYM);
    cr_assert_eq(text_char_offset(&kt, kk.v[2].start), 3);
    cr_assert_eq(text_char_offset(&kt, kk.v[5].start), 9);
    cr_assert_eq(text_char_offset(&kt, kk.v[6].end), 12);
    cr_assert_eq(kt.n_invalid, 4);
}

Test(token, bom)
{
    TOKS("\xEF\xBB\xBFHello world.", "Hello", "world", ".");
    cr_assert_eq(kk.v[0].start, 3);
    cr_assert_eq(text_char_offset(&kt, 3), 1);
    cr_assert(F(0) & QUARRY_TF_PARA_START);
    cr_assert(F(0) & QUARRY_TF_SENT_START);
    cr_assert_not(F(0) & QUARRY_TF_SPACE_BEFORE);
}

Test(token, empty_and_blank)
{
    cr_assert_eq(run(""), 0);
    cr_assert_eq(run(" \r\n\t \n"), 0);
    cr_assert_eq(run("\xEF\xBB\xBF"), 0);
    cr_assert_eq(run("x"), 1);
    cr_assert_eq(F(0) & (QUARRY_TF_PARA_START | QUARRY_TF_PARA_END | QUARRY_TF_SENT_START |
                         QUARRY_TF_SENT_END),
                 QUARRY_TF_PARA_START | QUARRY_TF_PARA_END | QUARRY_TF_SENT_START |
                     QUARRY_TF_SENT_END);
}

Test(token, crlf_and_cr)
{
    TOKS("Line one.\r\nLine two.\r\n\r\nPara two\rwraps here.", "Line", "one", ".", "Line",
         "two", ".", "Para", "two", "wraps", "here", ".");
    cr_assert(F(3) & QUARRY_TF_PARA_START);   /* previous line ended a sentence */
    cr_assert(F(6) & QUARRY_TF_PARA_START);   /* blank line */
    cr_assert_not(F(8) & QUARRY_TF_PARA_START);   /* CR inside a sentence: a hard wrap */
    cr_assert_eq(count_flag(QUARRY_TF_PARA_START), 3);
    cr_assert(F(2) & QUARRY_TF_PARA_END);
    cr_assert(F(5) & QUARRY_TF_PARA_END);
    cr_assert(F(7) & QUARRY_TF_SPACE_AFTER);
}

/* QUARRY_TF_LINE_START: the whitespace before the token holds a line end (LF, CR, CRLF),
 * whether or not the line starts a paragraph; the first token has it too; words and
 * punctuation alike (the word-run path and the single-token path). */
Test(token, line_start)
{
    TOKS("The Supreme Court of Canada\nSuperior Court, John  Smith\r\n(Jones) said.\n\nNext\rline",
         "The", "Supreme", "Court", "of", "Canada", "Superior", "Court", ",", "John", "Smith", "(",
         "Jones", ")", "said", ".", "Next", "line");
    cr_assert(F(0) & QUARRY_TF_LINE_START);
    cr_assert(F(5) & QUARRY_TF_LINE_START);      /* "Superior": hard wrap, no paragraph */
    cr_assert_not(F(5) & QUARRY_TF_PARA_START);
    cr_assert(F(10) & QUARRY_TF_LINE_START);     /* "(" after CRLF */
    cr_assert(F(15) & QUARRY_TF_LINE_START);     /* "Next": paragraph start is a line start */
    cr_assert(F(15) & QUARRY_TF_PARA_START);
    cr_assert(F(16) & QUARRY_TF_LINE_START);     /* lone CR */
    cr_assert_not(F(9) & QUARRY_TF_LINE_START);  /* two spaces are no line end */
    cr_assert_not(F(11) & QUARRY_TF_LINE_START);
    cr_assert_eq(count_flag(QUARRY_TF_LINE_START), 5);
    for (size_t k = 0; k < kk.n; k++)
        if (F(k) & QUARRY_TF_PARA_START) cr_assert(F(k) & QUARRY_TF_LINE_START, "token %zu", k);
}

Test(token, paragraphs)
{
    run("Headline without a stop\n\nBody text that is hard\nwrapped in the middle.\n"
        "Next one starts here\n  because of the indent\n\n\n \nLast");
    size_t starts[] = {0, find_tok("Body", 0), find_tok("Next", 0), find_tok("because", 0),
                       find_tok("Last", 0)};
    cr_assert_eq(count_flag(QUARRY_TF_PARA_START), 5);
    for (size_t k = 0; k < 5; k++) {
        cr_assert(F(starts[k]) & QUARRY_TF_PARA_START, "para %zu", k);
        cr_assert(F(starts[k]) & QUARRY_TF_SENT_START, "para %zu", k);
        if (k) cr_assert(F(starts[k] - 1) & QUARRY_TF_PARA_END);
        if (k) cr_assert(F(starts[k] - 1) & QUARRY_TF_SENT_END);
    }
    cr_assert_not(F(find_tok("wrapped", 0)) & QUARRY_TF_PARA_START);
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), 5);
}

Test(token, sentences)
{
    run("Mr. Smith went to Washington. He lives in the U.S. The next day he left. "
        "The U.S. Embassy is here. Is it? Yes! \"Stop!\" he said. J. R. Tolkien wrote it... "
        "Then (he left.) And so on.");
    static const char *const firsts[] = {"Mr.", "He", "The", "The", "Is", "Yes", "\"", "J.",
                                         "Then", "And"};
    size_t nf = sizeof firsts / sizeof *firsts;
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), nf);
    cr_assert_eq(count_flag(QUARRY_TF_SENT_END), nf);
    size_t k = 0;
    for (size_t f = 0; f < nf; f++) {
        while (k < kk.n && !(F(k) & QUARRY_TF_SENT_START)) k++;
        tok_is(k, firsts[f]);
        k++;
    }
    size_t us = find_tok("U.S.", 0);
    cr_assert(F(us) & QUARRY_TF_SENT_END);
    cr_assert_not(F(find_tok("U.S.", us + 1)) & QUARRY_TF_SENT_END);
    tok_is(find_tok("wrote", 0) + 2, "...");
    size_t rp = find_tok(")", 0);
    cr_assert(F(rp) & QUARRY_TF_SENT_END);
}

Test(token, many_quotes)
{
    size_t n = 10000;
    char *s = malloc(n);
    memset(s, '"', n);
    run_n(s, n);
    cr_assert_eq(kk.n, n);
    for (size_t k = 0; k < n; k++) cr_assert_eq(kk.v[k].kind, TK_QUOTE);
    free(s);
}

Test(token, ten_mb_single_line)
{
    static const char unit[] = "Kazemi said U.S. troops, \"don't\" 150,000 al-Maliki's \xC3\xA9t\xC3\xA9. ";
    /* tokens: Kazemi said U.S. troops , " don't " 150,000 al-Maliki 's été . */
    size_t ul = sizeof unit - 1, per = 13, reps = (10u << 20) / ul + 1;
    size_t n = ul * reps;
    char *s = malloc(n);
    cr_assert_not_null(s);
    for (size_t r = 0; r < reps; r++) memcpy(s + r * ul, unit, ul);
    run_n(s, n);
    cr_assert_eq(kk.n, per * reps);
    cr_assert_eq(kt.n_chars, n - 2 * reps);
    cr_assert_eq(count_flag(QUARRY_TF_PARA_START), 1);
    cr_assert_eq(count_flag(QUARRY_TF_SENT_START), reps);
    size_t last = kk.n - 1;
    cr_assert_eq(kk.v[last].end, n - 1);
    cr_assert_eq(text_char_offset(&kt, kk.v[last].end), n - 2 * reps - 1);
    size_t k = per * (reps - 1) + 11;     /* été in the last unit */
    tok_is(k, "\xC3\xA9t\xC3\xA9");
    cr_assert_eq(text_char_offset(&kt, kk.v[k].start), (reps - 1) * (ul - 2) + ul - 7);
    free(s);
}

Test(token, ten_mb_no_spaces)
{
    size_t n = 10u << 20;
    char *s = malloc(n);
    cr_assert_not_null(s);
    memset(s, 'a', n);
    run_n(s, n);
    cr_assert_eq(kk.n, 1);
    cr_assert_eq(kk.v[0].end, n);
    cr_assert_eq(kk.v[0].hraw, hash_bytes(s, n));
    /* and the same length of a non-ASCII letter (2 bytes each) */
    for (size_t i = 0; i + 1 < n; i += 2) {
        s[i] = (char)0xC3;
        s[i + 1] = (char)0xA9;
    }
    run_n(s, n);
    cr_assert_eq(kk.n, 1);
    cr_assert_eq(kt.n_chars, n / 2);
    free(s);
}

/* Random bytes drawn from a hostile alphabet: no crash, invariants hold, offsets exact. */
Test(token, random_bytes)
{
    static const char *const alpha[] = {
        "a", "Z", "9", " ", "\n", "\r", "\r\n", ".", ",", "'", "\"", "-", "$", "@", "http://",
        "www.", "U.S.", "Mr.", "\xC3\xA9", "\xE2\x80\x99", "\xE2\x80\x9C", "\xE2\x80\x94", "\xFF",
        "\xE2\x82", "\xF0\x9F\x98\x80", "\xE5\x8C\x97", "\xD8\xA7", "\xCC\x81", "\xC2\xA0", "\0",
        "(", ")", "%", "n't", "'s", "\xEF\xBB\xBF",
    };
    size_t na = sizeof alpha / sizeof *alpha, cap = 1 << 20, n = 0;
    char *s = malloc(cap + 16);
    unsigned seed = 7;
    while (n < cap) {
        seed = seed * 1103515245u + 12345u;
        const char *p = alpha[(seed >> 16) % na];
        size_t l = (seed >> 16) % na == 29 ? 1 : strlen(p);
        memcpy(s + n, p, l);
        n += l;
    }
    run_n(s, n);
    cr_assert_gt(kk.n, 100000);
    for (size_t k = 0; k < kk.n; k++) {
        size_t cs = text_char_offset(&kt, kk.v[k].start);
        size_t ce = text_char_offset(&kt, kk.v[k].end);
        cr_assert_lt(cs, ce);
        cr_assert_eq(text_byte_offset(&kt, cs), kk.v[k].start);
        cr_assert_eq(text_byte_offset(&kt, ce), kk.v[k].end);
        cr_assert_eq(kk.v[k].hraw, token_hash_raw(kt.src + kk.v[k].start, kk.v[k].end - kk.v[k].start));
        cr_assert_eq(kk.v[k].hfold, token_hash_fold(kt.src + kk.v[k].start, kk.v[k].end - kk.v[k].start));
    }
    free(s);
}

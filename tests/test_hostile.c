/* Hostile inputs through the library (docs/HOSTILE.md): any bytes as a document, invalid
 * UTF-8 of every kind, degenerate documents that used to cost quadratic time in linking,
 * document reuse, limits, and broken rule text. The CLI side is tests/hostile.sh. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <quarry.h>

static quarry_rules *rules;

static void setup(void)
{
    rules = quarry_rules_default(NULL);
    cr_assert_not_null(rules);
}
static void teardown(void) { quarry_rules_free(rules); }

TestSuite(hostile, .init = setup, .fini = teardown, .timeout = 300);

static void count_warn(const quarry_error *e, const char *l, size_t n, void *ud)
{
    (void)l; (void)n;
    cr_assert(e->is_warning);
    (*(size_t *)ud)++;
}

/* Every span inside the document, code points never more than bytes. */
static void check_spans(const quarry_doc *doc, size_t len)
{
    for (size_t i = 0; i < quarry_doc_record_count(doc); i++) {
        const quarry_record *r = quarry_doc_record(doc, i);
        const quarry_span *sp[3] = {&r->span, &r->speaker, &r->cue};
        for (int k = 0; k < 3; k++) {
            if (!sp[k]->present) continue;
            cr_assert(sp[k]->start <= sp[k]->end && sp[k]->end <= len);
            cr_assert(sp[k]->cstart <= sp[k]->cend && sp[k]->cstart <= sp[k]->start);
        }
    }
    quarry_token t;
    for (size_t i = 0; quarry_doc_token(doc, i, &t); i++)
        cr_assert(t.span.start < t.span.end && t.span.end <= len);
}

/* Extracts s read in encoding enc: QUARRY_OK, or QUARRY_ERR_NOT_TEXT (no records) when
 * not_text is allowed; every span inside the text the offsets index (s itself in UTF-8,
 * the converted text, at most 3 bytes per input byte, otherwise). */
static size_t extract_enc(quarry_doc *doc, const char *s, size_t n, size_t *warnings,
                          unsigned enc, int not_text)
{
    size_t w = 0;
    quarry_options o;
    memset(&o, 0, sizeof o);
    o.warn = count_warn;
    o.warn_userdata = &w;
    o.encoding = enc;
    quarry_error err;
    quarry_status st = quarry_extract(rules, doc, "h", s, n, &o, &err);
    if (not_text && st == QUARRY_ERR_NOT_TEXT) {
        cr_assert_eq(quarry_doc_record_count(doc), 0);
        cr_assert_eq(quarry_doc_token_count(doc), 0);
        cr_assert(strstr(err.message, "not text"), "%s", err.message);
        if (warnings) *warnings = w;
        return 0;
    }
    cr_assert_eq(st, QUARRY_OK, "%s", err.message);
    check_spans(doc, enc == QUARRY_ENCODING_UTF8 ? n : 3 * n);
    FILE *f = fopen("/dev/null", "w");
    cr_assert_not_null(f);
    cr_assert_eq(quarry_emit(doc, QUARRY_FORMAT_JSONL, 0, f), 0);
    cr_assert_eq(quarry_emit(doc, QUARRY_FORMAT_TOKENS, QUARRY_EMIT_BYTE_OFFSETS, f), 0);
    fclose(f);
    if (warnings) *warnings = w;
    return quarry_doc_record_count(doc);
}

/* Any bytes, read as UTF-8 (invalid bytes as U+FFFD); binary data may be refused. */
static size_t extract(quarry_doc *doc, const char *s, size_t n, size_t *warnings)
{
    return extract_enc(doc, s, n, warnings, QUARRY_ENCODING_UTF8, 1);
}

Test(hostile, every_byte_pair)
{
    quarry_doc *doc = quarry_doc_new();
    for (unsigned enc = QUARRY_ENCODING_AUTO; enc <= QUARRY_ENCODING_LATIN1; enc++)
        for (unsigned a = 0; a < 256; a++)
            for (unsigned b = 0; b < 256; b += 3) {
                char s[4] = {(char)a, (char)b, ' ', (char)a};
                extract_enc(doc, s, sizeof s, NULL, enc, 1);
            }
    quarry_doc_free(doc);
}

static char last_warning[512];
static void keep_warn(const quarry_error *e, const char *l, size_t n, void *ud)
{
    (void)l; (void)n;
    (*(size_t *)ud)++;
    snprintf(last_warning, sizeof last_warning, "%s", e->message);
}

/* Read as UTF-8, a document's invalid bytes give one warning: how many, the first. */
Test(hostile, invalid_utf8_counts_one_each)
{
    static const struct { const char *s; size_t n, invalid, first; } cases[] = {
        {"\xC0\x80", 2, 2, 0},             /* overlong NUL */
        {"\xE0\x80\xAF", 3, 3, 0},         /* overlong '/' */
        {"\xED\xA0\x80", 3, 3, 0},         /* surrogate */
        {"\xF4\x90\x80\x80", 4, 4, 0},     /* above U+10FFFF */
        {"\xF8\x88\x80\x80\x80", 5, 5, 0}, /* 5-byte form */
        {"ab\xE2\x80", 4, 2, 2},           /* truncated at the end */
        {"\xE2\x80\x9C" "x\xFF" "\xE2\x80\x9D", 8, 1, 4},
        {"\xEF\xBB\xBF\xEF\xBB\xBF", 6, 0, 0}, /* BOM twice: the second is text */
    };
    quarry_doc *doc = quarry_doc_new();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t w = 0;
        quarry_options o;
        memset(&o, 0, sizeof o);
        o.warn = keep_warn;
        o.warn_userdata = &w;
        o.encoding = QUARRY_ENCODING_UTF8;
        cr_assert_eq(quarry_extract(rules, doc, "h", cases[i].s, cases[i].n, &o, NULL), QUARRY_OK);
        cr_assert_eq(w, cases[i].invalid ? 1 : 0, "case %zu: %zu warnings", i, w);
        if (!cases[i].invalid) continue;
        char want[200];
        snprintf(want, sizeof want, "%zu invalid UTF-8 byte%s read as U+FFFD, the first at byte offset %zu",
                 cases[i].invalid, cases[i].invalid == 1 ? "" : "s", cases[i].first);
        cr_assert_str_eq(last_warning, want, "case %zu", i);
    }
    quarry_doc_free(doc);
}

/* The default (auto) reads a Windows-1252 document as such, converted to UTF-8, with one
 * warning; the offsets count the converted text. */
Test(hostile, cp1252_document_is_converted)
{
    const char s[] = "Judge Ren\xe9" "e Dubois said the case was closed \x93soon\x94, \x80 5.\n";
    quarry_doc *doc = quarry_doc_new();
    size_t w = 0;
    quarry_options o;
    memset(&o, 0, sizeof o);
    o.warn = keep_warn;
    o.warn_userdata = &w;
    cr_assert_eq(quarry_extract(rules, doc, "h", s, sizeof s - 1, &o, NULL), QUARRY_OK);
    cr_assert_eq(w, 1);
    cr_assert(strstr(last_warning, "not UTF-8 (4 bytes, the first at byte offset 9): read as Windows-1252"),
              "%s", last_warning);
    int person = 0;
    for (size_t i = 0; i < quarry_doc_record_count(doc); i++) {
        const quarry_record *r = quarry_doc_record(doc, i);
        if (r->kind == QUARRY_ENTITY && !strcmp(r->type, "PERSON")) {
            person = 1;
            cr_assert_str_eq(r->name, "Ren\xC3\xA9" "e Dubois");
            cr_assert_eq(r->span.cstart, 6);
            cr_assert_eq(r->span.cend, 18);
            cr_assert_eq(r->span.end, 19, "UTF-8 byte offsets of the converted text");
        }
    }
    cr_assert(person, "Ren\xC3\xA9" "e Dubois is a PERSON");
    char *text = NULL;
    size_t tn = 0;
    FILE *f = open_memstream(&text, &tn);
    cr_assert_eq(quarry_emit_text(doc, f), 0);
    fclose(f);
    cr_assert_str_eq(text, "Judge Ren\xC3\xA9" "e Dubois said the case was closed \xE2\x80\x9Csoon\xE2\x80\x9D, \xE2\x82\xAC 5.\n");
    free(text);
    /* latin1 reads 0x93 as the C1 control U+0093; cp1252 as a quote mark, without a warning */
    w = 0;
    o.encoding = QUARRY_ENCODING_CP1252;
    cr_assert_eq(quarry_extract(rules, doc, "h", s, sizeof s - 1, &o, NULL), QUARRY_OK);
    cr_assert_eq(w, 0);
    o.encoding = QUARRY_ENCODING_LATIN1;
    cr_assert_eq(quarry_extract(rules, doc, "h", s, sizeof s - 1, &o, NULL), QUARRY_OK);
    f = open_memstream(&text, &tn);
    cr_assert_eq(quarry_emit_text(doc, f), 0);
    fclose(f);
    cr_assert(strstr(text, "\xC2\x93soon\xC2\x94"), "%s", text);
    free(text);
    /* a valid UTF-8 document with one stray byte keeps its UTF-8 characters */
    const char mixed[] = "\xE2\x80\x9CYes,\xE2\x80\x9D said Ren\xe9" "e.";
    o.encoding = QUARRY_ENCODING_AUTO;
    cr_assert_eq(quarry_extract(rules, doc, "h", mixed, sizeof mixed - 1, &o, NULL), QUARRY_OK);
    f = open_memstream(&text, &tn);
    cr_assert_eq(quarry_emit_text(doc, f), 0);
    fclose(f);
    cr_assert_str_eq(text, "\xE2\x80\x9CYes,\xE2\x80\x9D said Ren\xC3\xA9" "e.");
    free(text);
    quarry_doc_free(doc);
}

/* Binary data is refused whatever the encoding; text with a few control characters is not. */
Test(hostile, binary_is_not_text)
{
    quarry_doc *doc = quarry_doc_new();
    char bin[4096];
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (char)(i % 7 ? 'a' + i % 26 : 0);   /* 1 in 7 NUL */
    quarry_error err;
    for (unsigned enc = QUARRY_ENCODING_AUTO; enc <= QUARRY_ENCODING_LATIN1; enc++) {
        quarry_options o;
        memset(&o, 0, sizeof o);
        o.encoding = enc;
        cr_assert_eq(quarry_extract(rules, doc, "bin", bin, sizeof bin, &o, &err), QUARRY_ERR_NOT_TEXT);
        cr_assert(strstr(err.message, "not text: 586 of its first 4096 characters are control characters"),
                  "%s", err.message);
    }
    cr_assert_str_eq(quarry_status_string(QUARRY_ERR_NOT_TEXT), "not text");
    /* 1 in 11 (9%) is still text */
    for (size_t i = 0; i < sizeof bin; i++) bin[i] = (char)(i % 11 ? 'a' + i % 26 : 0);
    cr_assert_eq(quarry_extract(rules, doc, "bin", bin, sizeof bin, NULL, &err), QUARRY_OK);
    /* UTF-16 is named */
    const char u16[] = "\xFF\xFEH\0i\0 \0t\0h\0e\0r\0e\0";
    cr_assert_eq(quarry_extract(rules, doc, "u16", u16, sizeof u16 - 1, NULL, &err), QUARRY_ERR_NOT_TEXT);
    cr_assert(strstr(err.message, "UTF-16"), "%s", err.message);
    quarry_doc_free(doc);
}

Test(hostile, empty_and_null)
{
    quarry_doc *doc = quarry_doc_new();
    cr_assert_eq(extract(doc, "", 0, NULL), 0);
    cr_assert_eq(quarry_extract(rules, doc, NULL, NULL, 0, NULL, NULL), QUARRY_OK);
    quarry_error err;
    cr_assert_eq(quarry_extract(rules, doc, "x", NULL, 5, NULL, &err), QUARRY_ERR_USAGE);
    cr_assert_eq(quarry_extract(NULL, doc, "x", "Ryan Crocker", 12, NULL, &err), QUARRY_OK);
    cr_assert_eq(quarry_doc_record_count(doc), 0);
    quarry_doc_free(doc);
}

Test(hostile, max_doc_bytes)
{
    quarry_doc *doc = quarry_doc_new();
    quarry_options o;
    memset(&o, 0, sizeof o);
    o.max_doc_bytes = 10;
    quarry_error err;
    const char *s = "Ryan Crocker said hello.";
    cr_assert_eq(quarry_extract(rules, doc, "big", s, strlen(s), &o, &err), QUARRY_ERR_LIMIT);
    cr_assert(strstr(err.message, "over the limit of 10") != NULL, "%s", err.message);
    cr_assert_str_eq(err.file, "big");
    cr_assert_eq(quarry_extract(rules, doc, "small", s, 10, &o, &err), QUARRY_OK);
    quarry_doc_free(doc);
}

static char *repeat(const char *unit, size_t times, size_t *len)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    cr_assert_not_null(s);
    for (size_t i = 0; i < times; i++) memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    *len = u * times;
    return s;
}

Test(hostile, degenerate_documents)
{
    static const char *const units[] = {
        "\"", "\xE2\x80\x9C", "'", "\xC2\xAB", ".", "U.S.", "Mr. ", "\n", "\r\n\r\n", "-",
        "Crocker,said,\"hello\",", "said \"", "a", "\xFF", "\x00", "\xE2\x80\xA8", " ",
    };
    quarry_doc *doc = quarry_doc_new();
    for (size_t i = 0; i < sizeof units / sizeof *units; i++) {
        size_t len;
        const char *u = units[i][0] ? units[i] : "\x00";
        char *s = units[i][0] ? repeat(u, 20000, &len) : calloc(1, (len = 20000) + 1);
        extract(doc, s, len, NULL);
        free(s);
    }
    quarry_doc_free(doc);
}

/* "Ryan Crocker"-like names that all differ, with places and quotes: n of them. */
static char *many_people(size_t n, size_t *len)
{
    static const char *const syl[] = {"ka", "ro", "mi", "ten", "sa", "lo", "vi", "den", "ber", "ri",
                                      "to", "an", "gu", "pel", "zor", "quin", "da", "fe", "ho", "ju"};
    size_t cap = n * 96 + 1, o = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        char sur[32], org[32];
        size_t a = 0, b = 0;
        for (int k = 0; k < 4; k++) {
            x = x * 1103515245u + 12345u;
            a += (size_t)sprintf(sur + a, "%s", syl[(x >> 16) % 20]);
            x = x * 1103515245u + 12345u;
            b += (size_t)sprintf(org + b, "%s", syl[(x >> 16) % 20]);
        }
        sur[0] = (char)(sur[0] - 32);
        org[0] = (char)(org[0] - 32);
        o += (size_t)snprintf(s + o, cap - o, "John %s of %s Corp said \"We are in Baghdad.\" ", sur, org);
    }
    *len = o;
    return s;
}

static double seconds(quarry_doc *doc, const char *s, size_t len)
{
    double best = 1e9;
    for (int k = 0; k < 2; k++) {
        clock_t t0 = clock();
        extract(doc, s, len, NULL);
        double t = (double)(clock() - t0) / CLOCKS_PER_SEC;
        if (t < best) best = t;
    }
    return best;
}

static double explain_seconds(quarry_doc *doc, const char *s, size_t len)
{
    quarry_options o;
    memset(&o, 0, sizeof o);
    o.explain = 1;
    FILE *f = fopen("/dev/null", "w");
    cr_assert_not_null(f);
    clock_t t0 = clock();
    cr_assert_eq(quarry_extract(rules, doc, "h", s, len, &o, NULL), QUARRY_OK);
    cr_assert_eq(quarry_emit(doc, QUARRY_FORMAT_EXPLAIN, 0, f), 0);
    double t = (double)(clock() - t0) / CLOCKS_PER_SEC;
    fclose(f);
    return t;
}

/* Linking used to compare every mention with every person (and every capitalised token with
 * every place), records every quote with every annotation, explain every annotation with
 * every match: 4x the input must not cost anywhere near 16x the time. */
Test(hostile, linking_stays_linear)
{
    quarry_doc *doc = quarry_doc_new();
    size_t l1, l4;
    char *s1 = many_people(3000, &l1), *s4 = many_people(12000, &l4);
    double t1 = seconds(doc, s1, l1), t4 = seconds(doc, s4, l4);
    cr_assert_gt(quarry_doc_record_count(doc), 12000);
    cr_assert(t4 < 8 * t1 + 0.5, "3000 people: %.3fs, 12000 people: %.3fs", t1, t4);
    size_t n1, n4;
    char *q1 = repeat("Crocker,said,\"hello\",", 5000, &n1), *q4 = repeat("Crocker,said,\"hello\",", 20000, &n4);
    t1 = seconds(doc, q1, n1);
    t4 = seconds(doc, q4, n4);
    cr_assert(t4 < 8 * t1 + 0.5, "5000 quotes: %.3fs, 20000 quotes: %.3fs", t1, t4);
    free(q1); free(q4);
    q1 = repeat("\"Hi there,\" said John Smith. \"Again.\" He left. ", 4000, &n1);
    q4 = repeat("\"Hi there,\" said John Smith. \"Again.\" He left. ", 16000, &n4);
    t1 = seconds(doc, q1, n1);
    t4 = seconds(doc, q4, n4);
    cr_assert_gt(quarry_doc_record_count(doc), 16000);
    cr_assert(t4 < 8 * t1 + 0.5, "4000 quotes: %.3fs, 16000 quotes: %.3fs", t1, t4);
    t1 = explain_seconds(doc, s1, l1);
    t4 = explain_seconds(doc, s4, l4);
    cr_assert(t4 < 8 * t1 + 0.5, "explain, 3000 people: %.3fs, 12000 people: %.3fs", t1, t4);
    free(s1); free(s4); free(q1); free(q4);
    quarry_doc_free(doc);
}

/* A reused quarry_doc gives what a fresh one gives, whatever came before. */
Test(hostile, doc_reuse)
{
    static const char text[] =
        "U.S. Ambassador Ryan Crocker met Hassan Kazemi Qomi in Baghdad. \"The talks were "
        "useful,\" Crocker said. Kazemi said Iran would consider it.";
    quarry_doc *fresh = quarry_doc_new(), *used = quarry_doc_new();
    size_t len;
    char *big = many_people(2000, &len);
    extract(used, big, len, NULL);
    extract(used, "\xFF\x00\"", 3, NULL);
    size_t n = extract(fresh, text, sizeof text - 1, NULL);
    cr_assert_eq(extract(used, text, sizeof text - 1, NULL), n);
    cr_assert_gt(n, 3);
    for (size_t i = 0; i < n; i++) {
        const quarry_record *a = quarry_doc_record(fresh, i), *b = quarry_doc_record(used, i);
        cr_assert_eq(a->span.start, b->span.start);
        cr_assert_eq(a->span.end, b->span.end);
        cr_assert_str_eq(a->rule, b->rule);
        cr_assert_str_eq(a->type, b->type);
    }
    free(big);
    quarry_doc_free(fresh);
    quarry_doc_free(used);
}

static void count_diag(const quarry_error *e, const char *l, size_t n, void *ud)
{
    cr_assert(memchr(e->message, 0, sizeof e->message) != NULL);
    if (l) cr_assert(memchr(l, '\n', n) == NULL);
    (*(size_t *)ud)++;
}

static quarry_rules *compile(const char *s, size_t n, size_t *diags, quarry_error *err)
{
    *diags = 0;
    return quarry_rules_compile("hostile.rules", s, n, count_diag, diags, err);
}

Test(hostile, broken_rule_text)
{
    static const struct { const char *s; size_t n; } cases[] = {
        {"", 0},
        {"\xEF\xBB\xBF", 3},
        {"rule a : \"x\0y\" -> PERSON ;", 26},
        {"rule a : \"caf\xE9\" -> PERSON ;", 25},
        {"rule a : /(/ -> PERSON ;", 24},
        {"rule a : /x/q -> PERSON ;", 25},
        {"rule a : \"x\" -> PERSON", 22},
        {"rule", 4},
        {"include", 7},
        {"lexicon X \"\"", 12},
        {"rule a : \"unterminated -> PERSON ;", 34},
        {"rule a : x{5,2} -> PERSON ;", 27},
        {"rule a : \"x\"{999999999999} -> PERSON ;", 38},
        {"macro M = M ; rule a : M -> PERSON ;", 36},
        {"macro A = B ; macro B = A ; rule a : A -> PERSON ;", 50},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t d;
        quarry_error err;
        quarry_rules *r = compile(cases[i].s, cases[i].n, &d, &err);
        if (r) {
            quarry_rules_free(r);
            continue;
        }
        cr_assert_gt(d, 0, "case %zu failed without a diagnostic", i);
        cr_assert_eq(err.code, QUARRY_ERR_RULES, "case %zu: %s", i, err.message);
        cr_assert_gt(err.line, 0, "case %zu: no line: %s", i, err.message);
    }
}

Test(hostile, deep_nesting_and_error_floods)
{
    size_t n = 100000, d;
    quarry_error err;
    char *s = malloc(2 * n + 64);
    cr_assert_not_null(s);
    size_t o = (size_t)sprintf(s, "rule a : ");
    memset(s + o, '(', n);
    o += n;
    o += (size_t)sprintf(s + o, "\"x\" -> PERSON ;");
    cr_assert_null(compile(s, o, &d, &err));
    cr_assert(strstr(err.message, "nested too deeply") != NULL, "%s", err.message);
    /* 100,000 errors: reported up to a cap, not all */
    for (size_t i = 0; i < n; i++) s[i] = i % 2 ? '\n' : '!';
    cr_assert_null(compile(s, n, &d, &err));
    cr_assert_lt(d, 1000);
    free(s);
}

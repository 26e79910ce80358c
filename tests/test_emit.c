/* Emitters for people and tools on the seed article with the default rules: inline tags
 * strip back to the text, brat T lines give the records' spans, TSV and CoNLL shapes, the
 * JSONL memory helper. (The shell tests tests/formats.sh and tests/html.sh run the brat
 * output through `quarry eval --brat` and the HTML page through headless Chromium.) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"

#define SEED "corpus/000_663e7d9d773130fa.txt"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return s;
}

typedef struct fixture {
    quarry_rules *rules;
    quarry_doc *doc;
    char *text;
    size_t len;
} fixture;

static void setup(fixture *fx, const char *rules_src, const char *text, size_t len)
{
    quarry_error err;
    if (rules_src)
        fx->rules = quarry_rules_compile("t.rules", rules_src, strlen(rules_src), NULL, NULL, &err);
    else
        fx->rules = quarry_rules_default(&err);
    cr_assert(fx->rules);
    fx->doc = quarry_doc_new();
    if (text) {
        fx->text = malloc(len + 1);
        memcpy(fx->text, text, len);
        fx->text[len] = '\0';
        fx->len = len;
    } else {
        fx->text = slurp(SEED, &fx->len);
    }
    /* read as UTF-8: an invalid byte stays one U+FFFD, which the emitters' tests check (the
       default, auto, would read it as Windows-1252) */
    quarry_options o;
    memset(&o, 0, sizeof o);
    o.encoding = QUARRY_ENCODING_UTF8;
    cr_assert_eq(quarry_extract(fx->rules, fx->doc, "seed", fx->text, fx->len, &o, &err), QUARRY_OK);
}

static void teardown(fixture *fx)
{
    quarry_doc_free(fx->doc);
    quarry_rules_free(fx->rules);
    free(fx->text);
}

static char *emit_mem(const quarry_doc *doc, quarry_format f, unsigned flags, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    cr_assert(m);
    cr_assert_eq(quarry_emit_begin(f, m), 0);
    cr_assert_eq(quarry_emit(doc, f, flags, m), 0);
    cr_assert_eq(quarry_emit_end(f, m), 0);
    fclose(m);
    if (len) *len = n;
    return buf;
}

/* Strips tags, checks they nest (a stack of names), unescapes the five XML entities and
 * numeric references below 128. Returns the text; *ntags counts start tags. */
static char *strip_xml(const char *s, size_t n, size_t *outlen, size_t *ntags)
{
    char *out = malloc(n + 1);
    char stack[512][32];
    int sp = 0;
    size_t o = 0;
    *ntags = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] == '<') {
            size_t j = i + 1;
            int close = s[j] == '/';
            if (close) j++;
            size_t k = j;
            while (k < n && s[k] != ' ' && s[k] != '>') k++;
            char name[32];
            size_t nl = k - j < 31 ? k - j : 31;
            memcpy(name, s + j, nl);
            name[nl] = '\0';
            while (k < n && s[k] != '>') {
                if (s[k] == '"') { k++; while (k < n && s[k] != '"') { cr_assert(s[k] != '<'); k++; } }
                k++;
            }
            cr_assert(k < n, "unterminated tag");
            if (close) {
                cr_assert(sp > 0, "close tag %s without open", name);
                cr_assert_str_eq(stack[sp - 1], name, "tags cross: </%s> closes <%s>", name, stack[sp - 1]);
                sp--;
            } else {
                cr_assert(sp < 512);
                strcpy(stack[sp++], name);
                (*ntags)++;
            }
            i = k + 1;
        } else if (s[i] == '&') {
            size_t k = i;
            while (k < n && s[k] != ';') k++;
            cr_assert(k < n);
            char ent[16];
            size_t el = k - i - 1 < 15 ? k - i - 1 : 15;
            memcpy(ent, s + i + 1, el);
            ent[el] = '\0';
            if (!strcmp(ent, "amp")) out[o++] = '&';
            else if (!strcmp(ent, "lt")) out[o++] = '<';
            else if (!strcmp(ent, "gt")) out[o++] = '>';
            else if (!strcmp(ent, "quot")) out[o++] = '"';
            else if (ent[0] == '#') out[o++] = (char)atoi(ent + 1);
            else cr_assert_fail("unknown entity &%s;", ent);
            i = k + 1;
        } else {
            cr_assert(s[i] != '>', "raw '>' in text");
            out[o++] = s[i++];
        }
    }
    cr_assert_eq(sp, 0, "%d tags left open", sp);
    out[o] = '\0';
    *outlen = o;
    return out;
}

static void check_inline_roundtrip(fixture *fx, const char *expect, size_t expect_len)
{
    size_t n, m, ntags;
    char *s = emit_mem(fx->doc, QUARRY_FORMAT_INLINE, QUARRY_EMIT_NO_WRAPPER, &n);
    char *t = strip_xml(s, n, &m, &ntags);
    cr_assert_eq(m, expect_len, "stripped %zu bytes, text has %zu", m, expect_len);
    cr_assert(memcmp(t, expect, m) == 0, "stripped inline output differs from the text");
    cr_assert_gt(ntags, 0);
    free(s);
    free(t);
    /* with the wrapper: one <doc> element around the same text, then a newline */
    s = emit_mem(fx->doc, QUARRY_FORMAT_INLINE, 0, &n);
    cr_assert(!strncmp(s, "<doc id=\"seed\">", 15));
    cr_assert(n > 7 && !strcmp(s + n - 7, "</doc>\n"));
    t = strip_xml(s, n - 1, &m, &ntags);
    cr_assert_eq(m, expect_len);
    cr_assert(memcmp(t, expect, m) == 0);
    free(s);
    free(t);
}

Test(emit, inline_strips_back_to_the_seed_text)
{
    fixture fx;
    setup(&fx, NULL, NULL, 0);
    cr_assert_gt(quarry_doc_record_count(fx.doc), 20);
    check_inline_roundtrip(&fx, fx.text, fx.len);
    size_t n;
    char *s = emit_mem(fx.doc, QUARRY_FORMAT_INLINE, 0, &n);
    cr_expect(strstr(s, "<PERSON name=\"Ryan Crocker\" role=\"U.S. Ambassador\" rule=\"person.titled\">Ryan Crocker</PERSON>"),
              "the titled person tag");
    cr_expect(strstr(s, "<QUOTE id=\"q2\" type=\"direct\" speaker=\"Hassan Kazemi Qomi\""), "a quote with its id and speaker");
    cr_expect(strstr(s, "<QUOTE id=\"q3\" type=\"direct\" part_of=\"q2\" speaker=\"Hassan Kazemi Qomi\""), "its continuation, part of it");
    free(s);
    teardown(&fx);
}

Test(emit, inline_escapes_and_replaces_invalid_bytes)
{
    fixture fx;
    const char text[] = "<b>Tom & \"Jerry\"</b> said \xff\"Hello > world,\" he said.\r\n";
    setup(&fx, NULL, text, sizeof text - 1);
    /* the invalid byte comes back as U+FFFD, everything else byte for byte */
    char expect[sizeof text + 4];
    const char *p = strchr(text, '\xff');
    size_t a = (size_t)(p - text);
    memcpy(expect, text, a);
    memcpy(expect + a, "\xEF\xBF\xBD", 3);
    memcpy(expect + a + 3, p + 1, sizeof text - 1 - a - 1);
    check_inline_roundtrip(&fx, expect, sizeof text - 1 + 2);
    teardown(&fx);
}

Test(emit, inline_crossing_spans_drop_the_later_one)
{
    fixture fx;
    const char rules[] = "phase a\nrule x : \"Aa\" \"Bb\" -> PERSON ;\nphase b\nrule y : \"Bb\" \"Cc\" -> PLACE ;\n";
    const char text[] = "Zz Aa Bb Cc Dd";
    setup(&fx, rules, text, sizeof text - 1);
    cr_assert_eq(quarry_doc_record_count(fx.doc), 2, "both crossing records exist");
    size_t n;
    char *s = emit_mem(fx.doc, QUARRY_FORMAT_INLINE, QUARRY_EMIT_NO_WRAPPER, &n);
    cr_assert_str_eq(s, "Zz <PERSON name=\"Aa Bb\" rule=\"x\">Aa Bb</PERSON> Cc Dd");
    free(s);
    check_inline_roundtrip(&fx, text, sizeof text - 1);
    teardown(&fx);
}

Test(emit, brat_t_lines_give_the_record_spans)
{
    fixture fx;
    setup(&fx, NULL, NULL, 0);
    size_t n;
    char *s = emit_mem(fx.doc, QUARRY_FORMAT_BRAT, 0, &n);
    cr_assert(!strncmp(s, "# doc: seed\n", 12));
    /* every record has its T line: entities by type, quotes as Content; events tie quotes */
    size_t nent = 0, nq = 0, nev = 0, ncontent = 0;
    for (size_t i = 0; i < quarry_doc_record_count(fx.doc); i++) {
        const quarry_record *r = quarry_doc_record(fx.doc, i);
        char want[256];
        snprintf(want, sizeof want, "\t%s %zu %zu\t", r->kind == QUARRY_QUOTE ? "Content" : r->type,
                 r->span.cstart, r->span.cend);
        cr_expect(strstr(s, want), "no T line '%s'", want + 1);
        if (r->kind == QUARRY_QUOTE) nq++;
        else nent++;
    }
    for (const char *p = s; (p = strchr(p, '\n')); p++) {
        if (p[1] == 'E') nev++;
        if (!strncmp(p + 1, "T", 1) && strstr(p, "\tContent ") && strstr(p, "\tContent ") < strchr(p + 1, '\n')) ncontent++;
    }
    cr_expect_eq(nev, nq, "%zu events for %zu quotes", nev, nq);
    cr_expect_eq(ncontent, nq);
    cr_expect(strstr(s, "Attribution:T") && strstr(s, " Source:T"), "PolNeAR event layout");
    free(s);
    s = emit_mem(fx.doc, QUARRY_FORMAT_BRAT, QUARRY_EMIT_NO_WRAPPER, &n);
    cr_expect(s[0] == 'T', "no '# doc:' line with QUARRY_EMIT_NO_WRAPPER");
    free(s);
    teardown(&fx);
}

Test(emit, tsv_header_and_one_line_per_record)
{
    fixture fx;
    setup(&fx, NULL, NULL, 0);
    size_t n;
    char *s = emit_mem(fx.doc, QUARRY_FORMAT_TSV, 0, &n);
    static const char header[] =
        "doc\tkind\ttype\tstart\tend\ttext\tname\trole\tspeaker\tspeaker_name\tspeaker_role\tcue\trule\n";
    cr_assert(!strncmp(s, header, sizeof header - 1));
    size_t lines = 0, tabs = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\t') tabs++;
        if (s[i] == '\n') {
            cr_assert_eq(tabs, 12, "line %zu has %zu tabs", lines + 1, tabs);
            tabs = 0;
            lines++;
        }
    }
    cr_expect_eq(lines, quarry_doc_record_count(fx.doc) + 1);
    cr_expect(strstr(s, "\tquote\tdirect\t1034\t1117\t"), "a quote with code-point offsets");
    free(s);
    /* escaping: tab, newline and backslash inside a field (here the document id) */
    quarry_error err;
    cr_assert_eq(quarry_extract(fx.rules, fx.doc, "a\tb\nc\\d", fx.text, fx.len, NULL, &err), QUARRY_OK);
    s = emit_mem(fx.doc, QUARRY_FORMAT_TSV, 0, &n);
    cr_expect(strstr(s, "\na\\tb\\nc\\\\d\tentity\t"), "escaped id field");
    free(s);
    teardown(&fx);
}

Test(emit, conll_token_lines_and_iob2_tags)
{
    fixture fx;
    setup(&fx, NULL, NULL, 0);
    size_t n;
    char *s = emit_mem(fx.doc, QUARRY_FORMAT_CONLL, 0, &n);
    cr_assert(!strncmp(s, "-DOCSTART- -X- O O\n\n", 20));
    size_t toks = 0;
    char *save = NULL;
    for (char *line = strtok_r(s + 20, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        toks++;
        char *tag = strrchr(line, ' ');
        cr_assert(tag);
        tag++;
        cr_assert(!strcmp(tag, "O") || !strncmp(tag, "B-", 2) || !strncmp(tag, "I-", 2), "tag '%s'", tag);
        cr_assert(!strstr(tag, "MISC"));
    }
    cr_expect_eq(toks, quarry_doc_token_count(fx.doc));
    free(s);
    s = emit_mem(fx.doc, QUARRY_FORMAT_CONLL, 0, &n);
    cr_expect(strstr(s, "\nRyan _ _ B-PER\nCrocker _ _ I-PER\n"), "a two-token person");
    cr_expect(strstr(s, "\nU.S. _ _ B-LOC\nAmbassador _ _ O\n"), "places win over roles");
    free(s);
    teardown(&fx);
}

Test(emit, jsonl_memory_helper_equals_quarry_emit)
{
    fixture fx;
    setup(&fx, NULL, NULL, 0);
    size_t n;
    char *a = emit_mem(fx.doc, QUARRY_FORMAT_JSONL, 0, &n);
    char *b = quarry_doc_to_jsonl(fx.doc, 0);
    cr_assert(b);
    cr_assert_str_eq(a, b);
    free(a);
    quarry_free(b);
    quarry_free(NULL);
    teardown(&fx);
}

Test(emit, html_page_has_head_and_foot_once)
{
    fixture fx;
    setup(&fx, NULL, NULL, 0);
    size_t n;
    char *s = emit_mem(fx.doc, QUARRY_FORMAT_HTML, 0, &n);
    cr_assert(!strncmp(s, "<!DOCTYPE html>", 15));
    cr_assert(strstr(s, "</html>\n"));
    cr_expect(strstr(s, "Hassan Kazemi Qomi"));
    cr_expect(!strstr(s, "http://") && !strstr(s, "https://"), "nothing fetched");
    free(s);
    teardown(&fx);
}

/* JSON Lines are written through a buffer with hand-rolled numbers and escapes: check them
 * against printf's formatting and the escapes of the JSON contract, on a document longer
 * than the buffer. */
Test(emit, jsonl_numbers_and_escapes)
{
    fixture fx;
    buf t = {0};
    const char head[] = "a\x01" "b \"q\" back\\slash x\xFFy. \"Hello\xE2\x80\xA8there,\ttab now,\" "
                        "Ryan Crocker said.\r\n";
    buf_append(&t, head, sizeof head - 1);
    for (int k = 0; k < 20000; k++) buf_append(&t, "word ", 5);
    buf_append(&t, "\x7f end.", 6);
    setup(&fx, NULL, t.p, t.n);
    size_t n;
    char *out = emit_mem(fx.doc, QUARRY_FORMAT_TOKENS, 0, &n);
    cr_assert_eq(strlen(out), n);
    cr_assert(strstr(out, "\"text\":\"\\u0001\""));
    cr_assert(strstr(out, "\"text\":\"\\\"\""));
    cr_assert(strstr(out, "\\\\"));
    cr_assert(strstr(out, "\xEF\xBF\xBD"));
    cr_assert(strstr(out, "\x7f"));
    /* every token line, its index and offsets as printf writes them */
    size_t lines = 0;
    for (const char *p = out; *p; p = strchr(p, '\n') + 1, lines++) {
        quarry_token tk;
        cr_assert(quarry_doc_token(fx.doc, lines, &tk));
        char want[160];
        snprintf(want, sizeof want, "{\"doc\":\"seed\",\"i\":%zu,\"kind\":\"%s\",\"start\":%zu,\"end\":%zu,",
                 lines, tk.kind, tk.span.cstart, tk.span.cend);
        cr_assert_eq(strncmp(p, want, strlen(want)), 0, "line %zu: %.80s", lines, p);
    }
    cr_assert_eq(lines, quarry_doc_token_count(fx.doc));
    free(out);
    /* records: byte offsets and the memory helper agree with quarry_emit */
    char *a = emit_mem(fx.doc, QUARRY_FORMAT_JSONL, QUARRY_EMIT_BYTE_OFFSETS, &n);
    char *b = quarry_doc_to_jsonl(fx.doc, QUARRY_EMIT_BYTE_OFFSETS);
    cr_assert_str_eq(a, b);
    cr_assert(strstr(a, "\"text\":\"Hello\\u2028there,\\ttab now,\""), "%s", a);
    free(a);
    quarry_free(b);
    buf_free(&t);
    teardown(&fx);
}

/* doc_span counts a span's end on from its start: the same code-point offsets as
 * text_char_offset for every token span, on text with a BOM, invalid bytes and
 * multi-byte characters. */
Test(emit, span_char_offsets_agree_with_the_text_index)
{
    fixture fx;
    const char text[] = "\xEF\xBB\xBF\xC3\x89mile said \xE2\x80\x9cJ\xE2\x80\x99" "accuse\xE2\x80\x9d. "
                        "Ryan \xFF\xFE Crocker \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC Stra\xC3\x9F" "e x\xC3";
    setup(&fx, NULL, text, sizeof text - 1);
    size_t n = quarry_doc_token_count(fx.doc);
    cr_assert_gt(n, 10);
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b <= n && b <= a + 6; b++) {
            quarry_span sp = doc_span(fx.doc, (uint32_t)a, (uint32_t)b);
            cr_assert_eq(sp.cstart, text_char_offset(&fx.doc->txt, sp.start));
            cr_assert_eq(sp.cend, text_char_offset(&fx.doc->txt, sp.end), "tokens %zu..%zu", a, b);
        }
    teardown(&fx);
}

Test(emit, summary_groups_quotes_by_speaker_and_counts_entities)
{
    static const char text[] =
        "Mary Smith, the mayor of Springfield, said the bridge would open in May.\n\n"
        "\"We are ready,\" Smith said.\n\n"
        "\"It is late and   it\nis costly,\" said John Brown, who lives in Boston.\n";
    fixture fx;
    setup(&fx, NULL, text, sizeof text - 1);
    char *s = emit_mem(fx.doc, QUARRY_FORMAT_SUMMARY, 0, NULL);
    static const char head[] = "== seed: 3 quotes, 2 people, 2 places, 0 organisations\n\n";
    cr_assert(!strncmp(s, head, sizeof head - 1), "%s", s);
    /* the most quoted speaker first, with the role, the quotes in text order */
    cr_assert(strstr(s, "Who said what\n"
                        "  Mary Smith (the mayor of Springfield): 2 quotes\n"
                        "    q1   indirect the bridge would open in May\n"
                        "    q2   direct   \"We are ready,\"\n"
                        "  John Brown: 1 quote\n"
                        "    q3   direct   \"It is late and it is costly,\"\n"), "%s", s);
    cr_assert(strstr(s, "People (2): Mary Smith (the mayor of Springfield) 2, John Brown 1\n"), "%s", s);
    cr_assert(strstr(s, "Places (2): Springfield 1, Boston 1\n"), "%s", s);
    cr_assert(!strstr(s, "Organisations"), "an empty list is shown: %s", s);
    free(s);
    /* entities alone: no quote section */
    s = emit_mem(fx.doc, QUARRY_FORMAT_SUMMARY, QUARRY_EMIT_ENTITIES, NULL);
    cr_assert(!strstr(s, "Who said what"), "%s", s);
    cr_assert(strstr(s, "== seed: 0 quotes, 2 people"), "%s", s);
    free(s);
    teardown(&fx);
}

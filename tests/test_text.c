/* Text layer: UTF-8 validation, BOM, invalid bytes and byte <-> code-point offsets. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

static arena ta;

static void text_setup(void) { arena_init(&ta); }
static void text_teardown(void) { arena_free(&ta); }

TestSuite(text, .init = text_setup, .fini = text_teardown);

typedef struct inv_log {
    size_t off[16];
    size_t n;
} inv_log;

static void log_invalid(size_t off, void *ud)
{
    inv_log *l = ud;
    if (l->n < 16) l->off[l->n] = off;
    l->n++;
}

static void init_or_die(text *t, const char *s, size_t n, inv_log *log)
{
    cr_assert_eq(text_init(t, s, n, &ta, log ? log_invalid : NULL, log), 0);
}

Test(text, empty)
{
    text t;
    init_or_die(&t, "", 0, NULL);
    cr_assert_eq(t.len, 0);
    cr_assert_eq(t.n_chars, 0);
    cr_assert_eq(t.body, 0);
    cr_assert_eq(t.ascii, 1);
    cr_assert_eq(text_char_offset(&t, 0), 0);
    cr_assert_eq(text_byte_offset(&t, 0), 0);
}

Test(text, ascii_identity)
{
    const char *s = "U.S., Iran positive after talks on Iraq\n";
    size_t n = strlen(s);
    text t;
    init_or_die(&t, s, n, NULL);
    cr_assert_eq(t.ascii, 1);
    cr_assert_eq(t.n_chars, n);
    cr_assert_null(t.blk_byte);
    for (size_t i = 0; i <= n; i++) {
        cr_assert_eq(text_char_offset(&t, i), i);
        cr_assert_eq(text_byte_offset(&t, i), i);
    }
}

Test(text, bom)
{
    const char *s = "\xEF\xBB\xBFHi \xC3\xA9";
    text t;
    init_or_die(&t, s, strlen(s), NULL);
    cr_assert_eq(t.body, 3);
    cr_assert_eq(t.ascii, 0);
    cr_assert_eq(t.n_chars, 5);       /* BOM H i space é */
    cr_assert_eq(text_char_offset(&t, 3), 1);
    cr_assert_eq(text_char_offset(&t, 6), 4);
    cr_assert_eq(text_char_offset(&t, 8), 5);
    cr_assert_eq(text_byte_offset(&t, 1), 3);
    cr_assert_eq(text_byte_offset(&t, 4), 6);
    cr_assert_eq(text_byte_offset(&t, 5), 8);
}

Test(text, bom_only_and_partial_bom)
{
    text t;
    init_or_die(&t, "\xEF\xBB\xBF", 3, NULL);
    cr_assert_eq(t.body, 3);
    cr_assert_eq(t.n_chars, 1);
    inv_log log = {{0}, 0};
    init_or_die(&t, "\xEF\xBB", 2, &log);
    cr_assert_eq(t.body, 0);
    cr_assert_eq(t.n_invalid, 2);
    cr_assert_eq(t.n_chars, 2);
}

Test(text, accented_names)
{
    const char *s = "Jos\xC3\xA9 M\xC3\xBCller";   /* José Müller */
    text t;
    init_or_die(&t, s, strlen(s), NULL);
    cr_assert_eq(t.len, 13);
    cr_assert_eq(t.n_chars, 11);
    cr_assert_eq(t.n_invalid, 0);
    cr_assert_eq(text_char_offset(&t, 6), 5);   /* M */
    cr_assert_eq(text_byte_offset(&t, 5), 6);
    cr_assert_eq(text_byte_offset(&t, 7), 9);   /* l after ü */
}

Test(text, invalid_bytes_count_one_each)
{
    /* a FF b C3(truncated) c */
    const char *s = "a\xFF" "b\xC3" "c";
    inv_log log = {{0}, 0};
    text t;
    init_or_die(&t, s, strlen(s), &log);
    cr_assert_eq(t.n_invalid, 2);
    cr_assert_eq(log.n, 2);
    cr_assert_eq(log.off[0], 1);
    cr_assert_eq(log.off[1], 3);
    cr_assert_eq(t.n_chars, 5);
    cr_assert_eq(text_char_offset(&t, 4), 4);
    cr_assert_eq(text_byte_offset(&t, 2), 2);
}

Test(text, strict_decoding)
{
    uint32_t cp;
    /* overlong '/' */
    cr_assert_eq(text_decode("\xC0\xAF", 2, 0, &cp), 1);
    cr_assert_eq(cp, 0xFFFD);
    cr_assert_eq(text_decode("\xC0\xAF", 2, 1, &cp), 1);
    cr_assert_eq(cp, 0xFFFD);
    /* overlong 3-byte */
    cr_assert_eq(text_decode("\xE0\x80\xAF", 3, 0, &cp), 1);
    /* surrogate U+D800 */
    cr_assert_eq(text_decode("\xED\xA0\x80", 3, 0, &cp), 1);
    cr_assert_eq(cp, 0xFFFD);
    /* above U+10FFFF */
    cr_assert_eq(text_decode("\xF4\x90\x80\x80", 4, 0, &cp), 1);
    /* F5..FF never valid */
    cr_assert_eq(text_decode("\xF5\x80\x80\x80", 4, 0, &cp), 1);
    /* truncated, then a valid character follows */
    const char *s = "\xE2\x82" "A";
    cr_assert_eq(text_decode(s, 3, 0, &cp), 1);
    cr_assert_eq(cp, 0xFFFD);
    cr_assert_eq(text_decode(s, 3, 1, &cp), 1);
    cr_assert_eq(cp, 0xFFFD);
    cr_assert_eq(text_decode(s, 3, 2, &cp), 1);
    cr_assert_eq(cp, 'A');
    /* truncated at the end of the buffer */
    cr_assert_eq(text_decode("\xE2\x82\xAC", 2, 0, &cp), 1);
    /* valid: é, €, U+10FFFF, 😀, U+D7FF, U+E000 */
    cr_assert_eq(text_decode("\xC3\xA9", 2, 0, &cp), 2);
    cr_assert_eq(cp, 0xE9);
    cr_assert_eq(text_decode("\xE2\x82\xAC", 3, 0, &cp), 3);
    cr_assert_eq(cp, 0x20AC);
    cr_assert_eq(text_decode("\xF4\x8F\xBF\xBF", 4, 0, &cp), 4);
    cr_assert_eq(cp, 0x10FFFF);
    cr_assert_eq(text_decode("\xF0\x9F\x98\x80", 4, 0, &cp), 4);
    cr_assert_eq(cp, 0x1F600);
    cr_assert_eq(text_decode("\xED\x9F\xBF", 3, 0, &cp), 3);
    cr_assert_eq(cp, 0xD7FF);
    cr_assert_eq(text_decode("\xEE\x80\x80", 3, 0, &cp), 3);
    cr_assert_eq(cp, 0xE000);
}

Test(text, validation_agrees_with_decoder)
{
    /* overlong, surrogate, >max, truncated 4-byte then valid é */
    const char *s = "\xC0\xAF\xED\xA0\x80\xF4\x90\x80\x80\xF0\x9F\x98\xC3\xA9";
    size_t n = strlen(s);
    inv_log log = {{0}, 0};
    text t;
    init_or_die(&t, s, n, &log);
    cr_assert_eq(t.n_invalid, 12);
    cr_assert_eq(t.n_chars, 13);
    size_t chars = 0;
    for (size_t i = 0; i < n; chars++) {
        uint32_t cp;
        i += text_decode(s, n, i, &cp);
    }
    cr_assert_eq(chars, t.n_chars);
    cr_assert_eq(text_char_offset(&t, 12), 12);
    cr_assert_eq(text_byte_offset(&t, 12), 12);
    cr_assert_eq(text_byte_offset(&t, 13), 14);
}

/* A long text built from pieces whose byte and char sizes are known, crossing many
 * offset-index blocks: every boundary must round-trip. */
Test(text, block_index_round_trip)
{
    static const struct { const char *s; size_t chars; } pieces[] = {
        {"a", 1}, {"word ", 5}, {"\xC3\xA9", 1}, {"\xE2\x82\xAC", 1}, {"\xF0\x9F\x98\x80", 1},
        {"\xFF", 1}, {"\xE2\x82", 2}, {"\xD8\xA7\xD9\x84", 2}, {"\xE5\x8C\x97", 1}, {"\n", 1},
    };
    size_t np = sizeof pieces / sizeof *pieces;
    size_t cap = 300000;
    char *s = malloc(cap);
    size_t *bound = malloc((cap + 1) * sizeof *bound);   /* byte offset of char k */
    cr_assert_not_null(s);
    cr_assert_not_null(bound);
    size_t n = 0, nc = 0;
    unsigned seed = 12345;
    while (n + 8 < cap) {
        seed = seed * 1103515245u + 12345u;
        size_t k = (seed >> 16) % np;
        size_t pl = strlen(pieces[k].s);
        /* the truncated piece must not be completed by what follows: keep it before ASCII */
        if (k == 6) {
            memcpy(s + n, "\xE2\x82", 2);
            bound[nc++] = n;
            bound[nc++] = n + 1;
            n += 2;
            s[n] = 'x';
            bound[nc++] = n;
            n++;
            continue;
        }
        if (pieces[k].chars == pl) {
            for (size_t q = 0; q < pl; q++) bound[nc++] = n + q;
        } else if (k == 7) {
            bound[nc++] = n;
            bound[nc++] = n + 2;
        } else {
            bound[nc++] = n;
        }
        memcpy(s + n, pieces[k].s, pl);
        n += pl;
    }
    bound[nc] = n;
    text t;
    init_or_die(&t, s, n, NULL);
    cr_assert_eq(t.n_chars, nc);
    cr_assert_eq(t.ascii, 0);
    cr_assert_geq(t.n_blocks, n / TEXT_BLOCK);
    for (size_t k = 0; k <= nc; k++) {
        cr_assert_eq(text_char_offset(&t, bound[k]), k, "char_offset(%zu)", bound[k]);
        cr_assert_eq(text_byte_offset(&t, k), bound[k], "byte_offset(%zu)", k);
    }
    free(s);
    free(bound);
}

Test(text, ascii_prefix_then_utf8)
{
    /* 1000 ASCII bytes, then a 2-byte char exactly across the block boundary at 1024 */
    size_t n = 1023 + 2 + 10;
    char *s = malloc(n);
    memset(s, 'x', n);
    s[1023] = (char)0xC3;
    s[1024] = (char)0xA9;
    text t;
    init_or_die(&t, s, n, NULL);
    cr_assert_eq(t.n_chars, n - 1);
    cr_assert_eq(text_char_offset(&t, 1023), 1023);
    cr_assert_eq(text_char_offset(&t, 1025), 1024);
    cr_assert_eq(text_byte_offset(&t, 1024), 1025);
    cr_assert_eq(text_byte_offset(&t, n - 1), n);
    free(s);
}

/* The ASCII prefix scan (32, 8 and 1 bytes a step): one non-ASCII byte (an invalid 0xFF or
 * the lead of a 2-byte character) at every position of buffers of every length up to 100,
 * each of its exact size, against a byte-wise count. */
Test(text, ascii_prefix_scan_every_position)
{
    for (size_t n = 0; n <= 100; n++)
        for (size_t pos = 0; pos <= n; pos++)
            for (int kind = 0; kind < 2; kind++) {
                char *s = malloc(n ? n : 1);
                cr_assert_not_null(s);
                memset(s, 'a', n);
                size_t chars = n, invalid = 0;
                if (pos < n) {
                    if (kind == 0 || pos + 1 == n) {
                        s[pos] = (char)0xFF;
                        invalid = 1;
                    } else {
                        s[pos] = (char)0xC3;
                        s[pos + 1] = (char)0xA9;
                        chars = n - 1;
                    }
                }
                text t;
                arena_reset(&ta);
                init_or_die(&t, s, n, NULL);
                cr_assert_eq(t.ascii, pos == n, "n %zu pos %zu", n, pos);
                cr_assert_eq(t.n_chars, chars, "n %zu pos %zu", n, pos);
                cr_assert_eq(t.n_invalid, invalid, "n %zu pos %zu", n, pos);
                if (pos < n) cr_assert_eq(text_char_offset(&t, n), chars);
                free(s);
            }
}

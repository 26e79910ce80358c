/* libFuzzer target: the input is rule text, compiled with quarry_rules_compile.
 *
 * The API reads lexicons and includes from files only (no in-memory lexicons), so the
 * input is compiled as if it were a file in the shipped rules/ folder (QUARRY_RULES_DIR,
 * set by the Makefile): `include "quotes.rules"` and `lexicon X "lexicons/titles.txt"`
 * then reach the real, read-only files. Inputs naming /dev, /proc or /sys are skipped
 * (reading a device is not what is being tested).
 *
 * When the input holds a line "%%", what follows it is a document: a rule set that
 * compiles is run over it (else over a fixed sample), so the matcher sees fuzzed programs
 * too. Built with clang -fsanitize=fuzzer (make fuzz) or fuzz/replay.c (make fuzz-replay). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <quarry.h>

#ifndef QUARRY_RULES_DIR
#define QUARRY_RULES_DIR "rules"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char sample[] =
    "BAGHDAD (Reuters) - U.S. Ambassador Ryan Crocker met Iran's ambassador to Baghdad, "
    "Hassan Kazemi Qomi, on Monday.\n\n\"The two sides dealt with the issues,\" Kazemi told "
    "reporters. Crocker said he would forward the proposal to Washington. \xE2\x80\x9CWe "
    "are looking for results,\xE2\x80\x9D he said. Gen. J.R. Smith, 45, of the U.N. in "
    "New York wasn't there \xFF\xC0 \xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2\xD0\xB0.\n";

static void diag_cb(const quarry_error *e, const char *line, size_t len, void *ud)
{
    size_t *n = ud;
    /* the diagnostic must be well formed: a NUL within each buffer, a sane position */
    if (!memchr(e->message, 0, sizeof e->message) || !memchr(e->file, 0, sizeof e->file)) abort();
    if (e->line < 0 || e->column < 0) abort();
    if (line) {
        for (size_t i = 0; i < len; i++)
            if (line[i] == '\n') abort();          /* one source line, no more */
        *n += len;
    }
    *n += strlen(e->message);
}

static int has(const uint8_t *d, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(d + i, s, k) == 0) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (has(data, size, "/dev") || has(data, size, "/proc") || has(data, size, "/sys"))
        return 0;
    size_t rlen = size;
    const char *doc_text = sample;
    size_t doc_len = sizeof sample - 1;
    for (size_t i = 0; i + 3 <= size; i++)
        if ((i == 0 || data[i - 1] == '\n') && memcmp(data + i, "%%\n", 3) == 0) {
            rlen = i;
            doc_text = (const char *)data + i + 3;
            doc_len = size - i - 3;
            break;
        }
    char *text = malloc(rlen ? rlen : 1);   /* exactly rlen bytes, for ASan */
    if (!text) return 0;
    memcpy(text, data, rlen);
    size_t seen = 0;
    quarry_error err;
    memset(&err, 0, sizeof err);
    quarry_rules *r = quarry_rules_compile(QUARRY_RULES_DIR "/fuzz.rules", text, rlen, diag_cb,
                                           &seen, &err);
    if (!r) {
        if (err.code == QUARRY_OK || !err.message[0]) abort();   /* a failure says why */
    } else {
        (void)quarry_rules_count(r);
        (void)quarry_rules_phase_count(r);
        (void)quarry_rules_lexicon_count(r);
        quarry_doc *doc = quarry_doc_new();
        if (!doc) abort();
        quarry_options opts;
        memset(&opts, 0, sizeof opts);
        opts.explain = 1;
        opts.warn = diag_cb;
        opts.warn_userdata = &seen;
        if (quarry_extract(r, doc, "fuzz", doc_text, doc_len, &opts, &err) != QUARRY_OK) abort();
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            quarry_emit(doc, QUARRY_FORMAT_JSONL, 0, f);
            quarry_emit(doc, QUARRY_FORMAT_EXPLAIN, 0, f);
            fclose(f);
        }
        quarry_doc_free(doc);
        quarry_rules_free(r);
    }
    free(text);
    return 0;
}

/* libFuzzer target: the fast matcher against the reference matcher (quarry_options.matcher),
 * record for record, on random rule sets and documents.
 *
 * The first input byte picks the case; the rest drives fuzz/matchgen.h's choices:
 *   0-5   a generated rule set (fuzz/matchgen.h) over four generated documents
 *   6     the default rules over two generated documents
 *   7     the default rules over the rest of the input as the document
 * Each document is extracted by both matchers twice: with explain on (the explain format
 * shows every annotation, its rule and captures, and every match it beat) and with explain
 * off (JSON Lines, with speakers, quote assembly and records). The outputs must be equal
 * byte for byte; otherwise the rule set, the document and both outputs are printed and the
 * target aborts. Rule sets that do not compile are skipped.
 * Built with clang -fsanitize=fuzzer (make fuzz) or with fuzz/replay.c (make fuzz-replay). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <quarry.h>

#include "matchgen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static quarry_rules *defaults;
static char lexdir[64];

static char *emit(const quarry_rules *r, const char *text, size_t len, int matcher, int explain)
{
    quarry_options opts;
    memset(&opts, 0, sizeof opts);
    opts.matcher = matcher;
    opts.explain = explain;
    quarry_doc *doc = quarry_doc_new();
    if (!doc) abort();
    int rc = quarry_extract(r, doc, "fuzz", text, len, &opts, NULL);
    if (rc == QUARRY_ERR_NOT_TEXT) {   /* raw fuzzer bytes may look binary: no records */
        quarry_doc_free(doc);
        char *none = strdup("(not text)");
        if (!none) abort();
        return none;
    }
    if (rc != QUARRY_OK) abort();
    char *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    if (!f) abort();
    if (quarry_emit(doc, explain ? QUARRY_FORMAT_EXPLAIN : QUARRY_FORMAT_JSONL, 0, f)) abort();
    fclose(f);
    quarry_doc_free(doc);
    return out;
}

static void compare(const quarry_rules *r, const char *rules_src, const char *text, size_t len)
{
    for (int explain = 0; explain < 2; explain++) {
        char *ref = emit(r, text, len, QUARRY_MATCHER_REFERENCE, explain);
        char *fast = emit(r, text, len, QUARRY_MATCHER_FAST, explain);
        if (strcmp(ref, fast)) {
            fprintf(stderr, "fuzz_match: the matchers differ (%s)\n--- rules:\n%s\n--- text:\n"
                    "%.*s\n--- reference:\n%s\n--- fast:\n%s\n", explain ? "explain" : "jsonl",
                    rules_src ? rules_src : "(the default rules)", (int)len, text, ref, fast);
            abort();
        }
        free(ref);
        free(fast);
    }
}

static void init(void)
{
    defaults = quarry_rules_default(NULL);
    if (!defaults) abort();
    snprintf(lexdir, sizeof lexdir, "/tmp/quarry-fuzz-match-%ld", (long)getpid());
    if (mkdir(lexdir, 0700) && access(lexdir, W_OK)) abort();
    if (mg_write_lexicons(lexdir)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!defaults) init();
    if (size < 1) return 0;
    unsigned sel = data[0] % 8;
    mg_src src = {data + 1, size - 1, 0, 0};
    static char tbuf[16384], rbuf[16384];
    mg_buf tb = {tbuf, 0, sizeof tbuf, 0}, rb = {rbuf, 0, sizeof rbuf, 0};
    if (sel == 7) {
        compare(defaults, NULL, (const char *)data + 1, size - 1);
        return 0;
    }
    if (sel == 6) {
        for (int i = 0; i < 2; i++) {
            mg_text(&src, &tb, 200);
            compare(defaults, NULL, tb.s, tb.n);
        }
        return 0;
    }
    mg_rules(&src, &rb);
    if (rb.full) return 0;
    char path[128];
    snprintf(path, sizeof path, "%s/gen.rules", lexdir);
    quarry_rules *r = quarry_rules_compile(path, rb.s, rb.n, NULL, NULL, NULL);
    if (!r) return 0;
    for (int i = 0; i < 4; i++) {
        mg_text(&src, &tb, 120);
        compare(r, rb.s, tb.s, tb.n);
    }
    quarry_rules_free(r);
    return 0;
}

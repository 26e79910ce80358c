/* quarry extract: documents in (files, folders, stdin, JSONL), records out. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "common.h"
#include "run.h"

static const char extract_usage[] =
    "usage: quarry extract [OPTIONS] [FILE|DIR|- ...]\n"
    "\n"
    "Reads each FILE (a DIR: every .txt file below it, in name order; - or nothing: stdin)\n"
    "and writes one record per line to stdout, each document's as soon as it is done.\n"
    "A document that is not text (binary data) is skipped with one error line.\n"
    "\n"
    "options:\n"
    "  --rules PATH          rule file or folder instead of the built-in rules\n"
    "  --input text|jsonl    jsonl: one document a line, {\"id\":...,\"text\":...};\n"
    "                        without --input, FILE.jsonl and FILE.ndjson are jsonl\n"
    "  --format FMT          jsonl (default), tokens (one record per token), explain,\n"
    "                        inline (text with XML tags), html (one page per run), brat\n"
    "                        (.ann standoff; on stdout each document after '# doc: ID'),\n"
    "                        conll (token per line, IOB2 tags), tsv (header + a record a line),\n"
    "                        summary (for people: who said what, then the people, places\n"
    "                        and organisations)\n"
    "  --out-dir DIR         one file per document: DIR/ID.ann and DIR/ID.txt for brat,\n"
    "                        DIR/ID.jsonl|xml|html|conll|tsv|summary.txt for the\n"
    "                        others (an ID business/001 is DIR/business/001.EXT)\n"
    "  --encoding ENC        auto (default): UTF-8, and a document that is not valid UTF-8\n"
    "                        has its other bytes read as Windows-1252 (one warning);\n"
    "                        utf-8 (invalid bytes as U+FFFD), cp1252, latin1\n"
    "  --offsets chars|bytes code-point offsets (default) or UTF-8 byte offsets\n"
    "  --only entities|quotes\n"
    "                        records of one kind; entities alone skip the rule phases\n"
    "                        after the last that makes entities (the quote phases of\n"
    "                        the default rules: about 3x faster)\n"
    "  --matcher reference|fast\n"
    "                        the rule matcher (default fast, or the environment variable\n"
    "                        QUARRY_MATCHER): reference starts every rule at every token,\n"
    "                        the specification the fast one must equal record for record\n"
    "  --max-doc-bytes N     skip documents larger than N bytes (k, M, G suffixes)\n"
    "  -j N                  worker threads (default: the number of cores); the output is\n"
    "                        in input order and identical for every N\n"
    "  -q, --quiet           no warnings and no progress line on stderr (the progress\n"
    "                        line is shown only when stderr is a terminal)\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 every document processed, 2 a usage error or a document that could not\n"
    "be read or parsed, or is not text (reported on stderr, the others are still\n"
    "processed), 3 rule errors.\n";

int cmd_extract(int argc, char **argv)
{
    run_opts o;
    run_opts_init(&o);
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t ninputs = 0;
    if (!inputs) return EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int r;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(extract_usage, stdout);
            free(inputs);
            return EXIT_OK;
        } else if ((r = run_option(&o, argc, argv, &i))) {
            if (r < 0) { free(inputs); return EXIT_USAGE; }
        } else if ((v = cli_optval(argc, argv, &i, "--format"))) {
            if (!strcmp(v, "jsonl")) o.format = QUARRY_FORMAT_JSONL;
            else if (!strcmp(v, "tokens")) { o.format = QUARRY_FORMAT_TOKENS; o.opts.tokens_only = 1; }
            else if (!strcmp(v, "explain")) { o.format = QUARRY_FORMAT_EXPLAIN; o.opts.explain = 1; }
            else if (!strcmp(v, "inline")) o.format = QUARRY_FORMAT_INLINE;
            else if (!strcmp(v, "html")) o.format = QUARRY_FORMAT_HTML;
            else if (!strcmp(v, "brat")) o.format = QUARRY_FORMAT_BRAT;
            else if (!strcmp(v, "conll")) o.format = QUARRY_FORMAT_CONLL;
            else if (!strcmp(v, "tsv")) o.format = QUARRY_FORMAT_TSV;
            else if (!strcmp(v, "summary")) o.format = QUARRY_FORMAT_SUMMARY;
            else { cli_error("unknown --format '%s' (jsonl, tokens, explain, inline, html, brat, conll, tsv, summary)", v); free(inputs); return EXIT_USAGE; }
        } else if ((v = cli_optval(argc, argv, &i, "--out-dir"))) {
            o.out_dir = v;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("unknown option '%s' (see quarry extract --help)", a);
            free(inputs);
            return EXIT_USAGE;
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    int rc = run_extract(&o, inputs, ninputs);
    free(inputs);
    return rc;
}

/* quarry extract: documents in (files, folders, stdin, JSONL), records out. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "batch.h"
#include "json.h"
#include "progress.h"

static const char extract_usage[] =
    "usage: quarry extract [OPTIONS] [FILE|DIR|- ...]\n"
    "\n"
    "Reads each FILE (a DIR: every .txt file below it, in name order; - or nothing: stdin)\n"
    "and writes one record per line to stdout.\n"
    "\n"
    "options:\n"
    "  --rules PATH          rule file or folder instead of the built-in rules\n"
    "  --input text|jsonl    jsonl: one document a line, {\"id\":...,\"text\":...}\n"
    "  --format FMT          jsonl (default), tokens (one record per token), explain,\n"
    "                        inline (text with XML tags), html (one page per run), brat\n"
    "                        (.ann standoff; on stdout each document after '# doc: ID'),\n"
    "                        conll (token per line, IOB2 tags), tsv (header + a record a line)\n"
    "  --out-dir DIR         one file per document: DIR/ID.ann and DIR/ID.txt for brat,\n"
    "                        DIR/ID.jsonl|xml|html|conll|tsv for the others\n"
    "  --offsets chars|bytes code-point offsets (default) or UTF-8 byte offsets\n"
    "  --only entities|quotes\n"
    "                        records of one kind; entities alone skip the rule phases\n"
    "                        after the last that makes entities (the quote phases of\n"
    "                        the default rules: about 3x faster)\n"
    "  --max-doc-bytes N     skip documents larger than N bytes (k, M, G suffixes)\n"
    "  -j N                  worker threads (default: the number of cores); the output is\n"
    "                        in input order and identical for every N\n"
    "  -q, --quiet           no warnings and no progress line on stderr (the progress\n"
    "                        line is shown only when stderr is a terminal)\n"
    "  -h, --help            this help\n"
    "\n"
    "Exit status: 0 every document processed, 2 a usage error or a document that could not\n"
    "be read or parsed (reported on stderr, the others are still processed), 3 rule errors.\n";

typedef struct xctx {
    quarry_rules *rules;
    batch *batch;
    quarry_format format;
    unsigned emit_flags;
    quarry_options opts;
    int jsonl;
    int quiet;
    int failed;
    int tokens_only;
    progress *prog;
} xctx;

/* Hands one document to the batch (which owns id and text from here on). */
static void submit(xctx *x, const char *id, char *text, size_t len)
{
    char *idc = strdup(id);
    if (!idc || batch_submit(x->batch, idc, text, len)) {
        cli_error("%s: out of memory", id);
        x->failed = 1;
    }
    if (x->prog) {
        size_t docs, bytes;
        batch_counts(x->batch, &docs, &bytes);
        progress_tick(x->prog, docs, bytes);
    }
}

/* One document a line, read as it arrives: memory is bounded by the longest line and
 * the documents in flight, not by the stream. */
static void run_jsonl(xctx *x, const char *path, FILE *f)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t e = (size_t)got;
        while (e > 0 && (line[e - 1] == '\n' || line[e - 1] == '\r')) e--;
        size_t k = 0;
        while (k < e && (line[k] == ' ' || line[k] == '\t')) k++;
        if (k == e) continue;
        jdoc d;
        const char *msg;
        size_t off;
        if (json_parse(line, e, &d, &msg, &off)) {
            cli_error("%s:%zu: malformed JSON line skipped: %s at column %zu", path, lineno, msg, off + 1);
            x->failed = 1;
            continue;
        }
        const jval *text = json_get(&d.root, "text");
        const jval *id = json_get(&d.root, "id");
        char idbuf[600];
        if (id && id->t == J_STR) snprintf(idbuf, sizeof idbuf, "%s", id->str);
        else if (id && id->t == J_NUM) snprintf(idbuf, sizeof idbuf, "%.17g", id->num);
        else snprintf(idbuf, sizeof idbuf, "%s:%zu", path, lineno);
        if (!text || text->t != J_STR) {
            cli_error("%s:%zu: line skipped: no \"text\" string", path, lineno);
            x->failed = 1;
        } else {
            char *copy = malloc(text->len + 1);
            if (!copy) { cli_error("%s:%zu: out of memory", path, lineno); x->failed = 1; }
            else {
                memcpy(copy, text->str, text->len + 1);
                submit(x, idbuf, copy, text->len);
            }
        }
        json_free(&d);
    }
    if (ferror(f)) { cli_error("%s: %s", path, strerror(errno)); x->failed = 1; }
    free(line);
}

static void run_file(xctx *x, const char *path)
{
    if (x->jsonl) {
        FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
        struct stat st;
        if (f && f != stdin && fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
            fclose(f);
            f = NULL;
            errno = EISDIR;
        }
        if (!f) { cli_error("%s: %s", path, strerror(errno)); x->failed = 1; return; }
        run_jsonl(x, path, f);
        if (f != stdin) fclose(f);
        return;
    }
    char *data;
    size_t len;
    struct stat st;
    /* a file over --max-doc-bytes is skipped before it is read (a 200 MB file is not loaded
       to be thrown away); streams are read and then checked by the library */
    if (x->opts.max_doc_bytes && strcmp(path, "-") && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
        (unsigned long long)st.st_size > x->opts.max_doc_bytes) {
        cli_error("%s: skipped: %llu bytes, over --max-doc-bytes %zu", path,
                  (unsigned long long)st.st_size, x->opts.max_doc_bytes);
        x->failed = 1;
        return;
    }
    if (cli_read_file(path, &data, &len)) {
        cli_error("%s: %s", path, strerror(errno));
        x->failed = 1;
        return;
    }
    char id[512];
    cli_doc_id(path, id, sizeof id);
    submit(x, id, data, len);
}

typedef struct dirstack { dev_t dev; ino_t ino; const struct dirstack *up; } dirstack;

static void run_dir(xctx *x, const char *path, const dirstack *up, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) { cli_error("%s: %s", path, strerror(errno)); x->failed = 1; return; }
    for (const dirstack *d = up; d; d = d->up)
        if (d->dev == st.st_dev && d->ino == st.st_ino) {
            cli_error("%s: skipped: symbolic link loop", path);
            x->failed = 1;
            return;
        }
    if (depth > 64) { cli_error("%s: skipped: folders nested too deeply", path); x->failed = 1; return; }
    size_t n;
    char **names = cli_list_dir(path, NULL, 1, &n);
    if (!names) { cli_error("%s: %s", path, strerror(errno)); x->failed = 1; return; }
    dirstack here = {st.st_dev, st.st_ino, up};
    for (size_t i = 0; i < n; i++) {
        struct stat s2;
        if (stat(names[i], &s2) != 0) {
            cli_error("%s: %s", names[i], strerror(errno));
            x->failed = 1;
        } else if (S_ISDIR(s2.st_mode)) {
            run_dir(x, names[i], &here, depth + 1);
        } else {
            size_t l = strlen(names[i]);
            const char *ext = x->jsonl ? ".jsonl" : ".txt";
            size_t el = strlen(ext);
            if (l <= el || strcmp(names[i] + l - el, ext) != 0) {
                /* not a document of this run */
            } else if (!S_ISREG(s2.st_mode)) {
                /* a FIFO, socket or device found in a folder would block or never end */
                cli_error("%s: skipped: not a regular file", names[i]);
                x->failed = 1;
            } else {
                run_file(x, names[i]);
            }
        }
        free(names[i]);
    }
    free(names);
}

int cmd_extract(int argc, char **argv)
{
    xctx x;
    memset(&x, 0, sizeof x);
    const char *rules_path = NULL;
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    size_t ninputs = 0;
    int explain = 0;
    const char *out_dir = NULL;
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = ncpu > 0 ? (int)(ncpu > 64 ? 64 : ncpu) : 1;
    if (!inputs) return EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(extract_usage, stdout);
            free(inputs);
            return EXIT_OK;
        } else if ((v = cli_optval(argc, argv, &i, "--rules"))) {
            rules_path = v;
        } else if ((v = cli_optval(argc, argv, &i, "--input"))) {
            if ((x.jsonl = cli_input_jsonl(v)) < 0) { free(inputs); return EXIT_USAGE; }
        } else if ((v = cli_optval(argc, argv, &i, "--format"))) {
            if (!strcmp(v, "jsonl")) x.format = QUARRY_FORMAT_JSONL;
            else if (!strcmp(v, "tokens")) { x.format = QUARRY_FORMAT_TOKENS; x.tokens_only = 1; }
            else if (!strcmp(v, "explain")) { x.format = QUARRY_FORMAT_EXPLAIN; explain = 1; }
            else if (!strcmp(v, "inline")) x.format = QUARRY_FORMAT_INLINE;
            else if (!strcmp(v, "html")) x.format = QUARRY_FORMAT_HTML;
            else if (!strcmp(v, "brat")) x.format = QUARRY_FORMAT_BRAT;
            else if (!strcmp(v, "conll")) x.format = QUARRY_FORMAT_CONLL;
            else if (!strcmp(v, "tsv")) x.format = QUARRY_FORMAT_TSV;
            else { cli_error("unknown --format '%s' (jsonl, tokens, explain, inline, html, brat, conll, tsv)", v); free(inputs); return EXIT_USAGE; }
        } else if ((v = cli_optval(argc, argv, &i, "--out-dir"))) {
            out_dir = v;
        } else if ((v = cli_optval(argc, argv, &i, "--offsets"))) {
            if (!strcmp(v, "bytes")) x.emit_flags |= QUARRY_EMIT_BYTE_OFFSETS;
            else if (strcmp(v, "chars")) { cli_error("--offsets must be chars or bytes, not '%s'", v); free(inputs); return EXIT_USAGE; }
        } else if ((v = cli_optval(argc, argv, &i, "--only"))) {
            if (!strcmp(v, "entities")) x.emit_flags |= QUARRY_EMIT_ENTITIES;
            else if (!strcmp(v, "quotes")) x.emit_flags |= QUARRY_EMIT_QUOTES;
            else { cli_error("--only must be entities or quotes, not '%s'", v); free(inputs); return EXIT_USAGE; }
            x.opts.only = x.emit_flags & (QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES);
        } else if ((v = cli_optval(argc, argv, &i, "--max-doc-bytes"))) {
            if (cli_parse_size(v, &x.opts.max_doc_bytes)) {
                cli_error("--max-doc-bytes: '%s' is not a size", v); free(inputs); return EXIT_USAGE;
            }
        } else if ((v = cli_optval(argc, argv, &i, "-j")) || (!strncmp(a, "-j", 2) && (v = a + 2))) {
            size_t nj;
            if (cli_parse_size(v, &nj) || nj == 0 || nj > 256) {
                cli_error("-j: '%s' is not a thread count (1-256)", v); free(inputs); return EXIT_USAGE;
            }
            threads = (int)nj;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            x.quiet = 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("unknown option '%s' (see quarry extract --help)", a);
            free(inputs);
            return EXIT_USAGE;
        } else {
            inputs[ninputs++] = argv[i];
        }
    }
    /* tokens only still need the rule set's abbreviation list */
    x.rules = cli_load_rules(rules_path);
    if (!x.rules) { free(inputs); return EXIT_RULES; }
    x.opts.tokens_only = x.tokens_only;
    x.opts.explain = explain;
    batch_cfg bc = {x.rules, x.format, x.emit_flags, x.opts, x.quiet, threads, out_dir};
    if (out_dir) {
        struct stat ds;
        if (stat(out_dir, &ds) != 0 && mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
            cli_error("%s: %s", out_dir, strerror(errno)); quarry_rules_free(x.rules); free(inputs); return EXIT_USAGE;
        }
    }
    x.batch = batch_new(&bc);
    if (!x.batch) { cli_error("out of memory"); quarry_rules_free(x.rules); free(inputs); return EXIT_USAGE; }
    if (ninputs == 0) inputs[ninputs++] = "-";
    x.prog = progress_new(!x.quiet, inputs, ninputs, x.jsonl ? ".jsonl" : ".txt", x.jsonl);
    if (!out_dir && quarry_emit_begin(x.format, stdout)) x.failed = 1;
    for (size_t i = 0; i < ninputs; i++) {
        struct stat st;
        if (strcmp(inputs[i], "-") && stat(inputs[i], &st) == 0 && S_ISDIR(st.st_mode))
            run_dir(&x, inputs[i], NULL, 0);
        else
            run_file(&x, inputs[i]);
    }
    if (batch_finish(x.batch)) x.failed = 1;
    progress_end(x.prog);
    if (!out_dir && (quarry_emit_end(x.format, stdout) || fflush(stdout))) {
        cli_error("writing the output failed: %s", strerror(errno));
        x.failed = 1;
    }
    quarry_rules_free(x.rules);
    free(inputs);
    return x.failed ? EXIT_USAGE : EXIT_OK;
}

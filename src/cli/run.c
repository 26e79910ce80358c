/* Command line: an extraction run (see run.h): rules, the walker, the batch, the output. */
#include "run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "common.h"
#include "progress.h"
#include "walk.h"

void run_opts_init(run_opts *o)
{
    memset(o, 0, sizeof *o);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = ncpu > 0 ? (int)(ncpu > 64 ? 64 : ncpu) : 1;
}

int run_option(run_opts *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    if ((v = cli_optval(argc, argv, i, "--rules"))) {
        o->rules_path = v;
    } else if ((v = cli_optval(argc, argv, i, "--input"))) {
        if ((o->jsonl = cli_input_jsonl(v)) < 0) return -1;
    } else if ((v = cli_optval(argc, argv, i, "--encoding"))) {
        if (!strcmp(v, "auto")) o->opts.encoding = QUARRY_ENCODING_AUTO;
        else if (!strcasecmp(v, "utf-8") || !strcasecmp(v, "utf8")) o->opts.encoding = QUARRY_ENCODING_UTF8;
        else if (!strcasecmp(v, "cp1252") || !strcasecmp(v, "windows-1252")) o->opts.encoding = QUARRY_ENCODING_CP1252;
        else if (!strcasecmp(v, "latin1") || !strcasecmp(v, "iso-8859-1")) o->opts.encoding = QUARRY_ENCODING_LATIN1;
        else { cli_error("--encoding must be auto, utf-8, cp1252 or latin1, not '%s'", v); return -1; }
    } else if ((v = cli_optval(argc, argv, i, "--offsets"))) {
        if (!strcmp(v, "bytes")) o->emit_flags |= QUARRY_EMIT_BYTE_OFFSETS;
        else if (strcmp(v, "chars")) { cli_error("--offsets must be chars or bytes, not '%s'", v); return -1; }
    } else if ((v = cli_optval(argc, argv, i, "--only"))) {
        if (!strcmp(v, "entities")) o->emit_flags |= QUARRY_EMIT_ENTITIES;
        else if (!strcmp(v, "quotes")) o->emit_flags |= QUARRY_EMIT_QUOTES;
        else { cli_error("--only must be entities or quotes, not '%s'", v); return -1; }
        o->opts.only = o->emit_flags & (QUARRY_EMIT_ENTITIES | QUARRY_EMIT_QUOTES);
    } else if ((v = cli_optval(argc, argv, i, "--matcher"))) {
        if ((o->opts.matcher = cli_matcher(v)) < 0) return -1;
    } else if ((v = cli_optval(argc, argv, i, "--max-doc-bytes"))) {
        if (cli_parse_size(v, &o->opts.max_doc_bytes)) {
            cli_error("--max-doc-bytes: '%s' is not a size", v);
            return -1;
        }
    } else if ((v = cli_optval(argc, argv, i, "-j")) || (!strncmp(a, "-j", 2) && (v = a + 2))) {
        size_t nj;
        if (cli_parse_size(v, &nj) || nj == 0 || nj > 256) {
            cli_error("-j: '%s' is not a thread count (1-256)", v);
            return -1;
        }
        o->threads = (int)nj;
    } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
        o->quiet = 1;
    } else {
        return 0;
    }
    return 1;
}

typedef struct xrun {
    batch *batch;
    progress *prog;
} xrun;

/* Hands one document to the batch (which owns id and text from here on). */
static void submit(walker *w, const char *id, char *text, size_t len)
{
    xrun *x = w->ud;
    char *idc = strdup(id);
    if (!idc || batch_submit(x->batch, idc, text, len)) {
        cli_error("%s: out of memory", id);
        w->failed = 1;
    }
    if (x->prog) {
        size_t docs, bytes;
        batch_counts(x->batch, &docs, &bytes);
        progress_tick(x->prog, docs, bytes);
    }
}

int run_extract(run_opts *o, char **inputs, size_t ninputs)
{
    /* tokens only still need the rule set's abbreviation list */
    quarry_rules *rules = cli_load_rules(o->rules_path);
    if (!rules) return EXIT_RULES;
    batch_cfg bc = {rules, o->format, o->emit_flags, o->opts, o->quiet, o->threads, o->out_dir};
    if (o->out_dir) {
        struct stat ds;
        if (stat(o->out_dir, &ds) != 0 && mkdir(o->out_dir, 0777) != 0 && errno != EEXIST) {
            cli_error("%s: %s", o->out_dir, strerror(errno));
            quarry_rules_free(rules);
            return EXIT_USAGE;
        }
    }
    xrun x;
    x.batch = batch_new(&bc);
    if (!x.batch) { cli_error("out of memory"); quarry_rules_free(rules); return EXIT_USAGE; }
    char *stdin_only[] = {"-"};
    if (ninputs == 0) { inputs = stdin_only; ninputs = 1; }
    x.prog = progress_new(!o->quiet, inputs, ninputs, o->jsonl == 1 ? ".jsonl" : ".txt", o->jsonl == 1);
    walker w;
    memset(&w, 0, sizeof w);
    w.jsonl = o->jsonl;
    w.max_doc_bytes = o->opts.max_doc_bytes;
    w.doc = submit;
    w.ud = &x;
    w.check_ids = 1;
    w.nowarn = o->quiet;
    if (!o->out_dir && quarry_emit_begin(o->format, stdout)) w.failed = 1;
    for (size_t i = 0; i < ninputs; i++) walk_documents(&w, inputs[i]);
    walk_end(&w);
    if (batch_finish(x.batch)) w.failed = 1;
    progress_end(x.prog);
    if (!o->out_dir && (quarry_emit_end(o->format, stdout) || fflush(stdout))) {
        cli_error("writing the output failed: %s", strerror(errno));
        w.failed = 1;
    }
    quarry_rules_free(rules);
    return w.failed ? EXIT_USAGE : EXIT_OK;
}

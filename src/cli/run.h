/* Command line: one extraction run, shared by quarry extract and quarry explain: options
 * they both take, then documents from the walker through the batch to the output. */
#ifndef QUARRY_CLI_RUN_H
#define QUARRY_CLI_RUN_H

#include <stddef.h>

#include "quarry.h"

typedef struct run_opts {
    const char *rules_path;     /* NULL: the built-in rules */
    int jsonl;                  /* --input: 1 jsonl, 2 text, 0 by file name (walk.h) */
    int quiet;                  /* -q */
    int threads;                /* -j, default the number of cores */
    quarry_format format;
    unsigned emit_flags;        /* --offsets, --only */
    quarry_options opts;        /* only, max_doc_bytes, encoding, tokens_only, explain */
    const char *out_dir;        /* --out-dir (extract) */
} run_opts;

void run_opts_init(run_opts *o);
/* The options both commands take: --rules, --input, --encoding, --offsets, --only, --max-doc-bytes,
 * -j, -q. Returns 1 when argv[*i] was one (*i advanced past its value), 0 when it is not,
 * -1 after reporting a bad value. */
int run_option(run_opts *o, int argc, char **argv, int *i);
/* Loads the rules and extracts every input (FILE, DIR or "-"; none: stdin) in order.
 * Returns the exit status: 0, 2 (a document could not be read or parsed, or the output
 * failed; the rest are still processed) or 3 (rule errors). */
int run_extract(run_opts *o, char **inputs, size_t ninputs);

#endif

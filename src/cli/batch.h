/* Batch processing for `quarry extract`: documents go to a pool of worker threads, each
 * with its own quarry_doc, and their output is written in input order, byte for byte what
 * one thread would write, each document as soon as it and those before it are done.
 * Memory is bounded by the documents in flight (4 per worker). */
#ifndef QUARRY_CLI_BATCH_H
#define QUARRY_CLI_BATCH_H

#include <stddef.h>

#include "quarry.h"

typedef struct batch_cfg {
    const quarry_rules *rules;
    quarry_format format;
    unsigned emit_flags;
    quarry_options opts;      /* warn/warn_userdata are set by the batch */
    int quiet;                /* drop warnings */
    int threads;              /* >= 1 */
    const char *out_dir;      /* NULL: stdout; else one file per document (outdir.h) */
} batch_cfg;

typedef struct batch batch;

batch *batch_new(const batch_cfg *cfg);
/* Queues one document; takes ownership of id and text (malloc'd). May block until a slot
 * is free. A finished document is written (and stdout flushed) as soon as every document
 * before it is written, by the worker that finished it: output never waits for the next
 * document to arrive. Returns -1 when out of memory. */
int batch_submit(batch *b, char *id, char *text, size_t len);
/* Waits for every document, writes the rest, stops the workers. Returns 1 if any document
 * failed (its error was printed), else 0. Frees b. */
int batch_finish(batch *b);
/* Documents and bytes written so far (for progress lines). */
void batch_counts(batch *b, size_t *docs, size_t *bytes);

#endif

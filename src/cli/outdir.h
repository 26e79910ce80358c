/* extract --out-dir DIR: one output file per document instead of stdout. */
#ifndef QUARRY_CLI_OUTDIR_H
#define QUARRY_CLI_OUTDIR_H

#include <stdio.h>

#include "quarry.h"

/* The file name extension of a format's per-document file ("ann", "jsonl", "html", ...). */
const char *outdir_ext(quarry_format format);

/* Writes doc to DIR/ID.EXT (for brat also DIR/ID.txt, the text the offsets index). The id
 * is made file-name safe ('/' and control characters become '_', a leading '.' too). Each
 * file is written to a temporary name and renamed into place. Errors go to err as
 * "quarry: PATH: message"; returns 0 or -1. */
int outdir_write(const char *dir, const char *id, const quarry_doc *doc, quarry_format format,
                 unsigned flags, FILE *err);

#endif

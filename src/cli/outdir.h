/* extract --out-dir DIR: one output file per document instead of stdout. */
#ifndef QUARRY_CLI_OUTDIR_H
#define QUARRY_CLI_OUTDIR_H

#include <stdio.h>

#include "quarry.h"

/* The file name extension of a format's per-document file ("ann", "jsonl", "html", ...). */
const char *outdir_ext(quarry_format format);

/* Writes doc to DIR/ID.EXT (for brat also DIR/ID.txt, the text the offsets index). An id
 * with '/' (a file found in a sub-folder: "business/001") is written in sub-folders of DIR
 * that mirror it (DIR/business/001.jsonl), so ids that differ never share a file; each part
 * is made file-name safe (control characters and '\\' become '_', an empty part or one
 * starting with '.' starts with '_': nothing lands outside DIR). Each file is written to
 * a temporary name and renamed into place. Errors go to err as
 * "quarry: PATH: message"; returns 0 or -1. */
int outdir_write(const char *dir, const char *id, const quarry_doc *doc, quarry_format format,
                 unsigned flags, FILE *err);

#endif
